"""The LP relaxation of the ordered model (HiGHS): a start grown from it, and
the pairs that guide CP-SAT, with the LP's dual bound.

The LP spreads the work over the whole county at once, which single border
moves cannot: the zone furthest below its target claims next, whole LP
shares first. Its order rows are added in rounds to the plain LP with the
dual simplex warm-started (:func:`_order_lazily`, highspy), since adding
them all at once is too slow for a zoning of a minute. The LP is skipped
where its estimated time (see ``_LP_SECONDS``) exceeds a share of the time
left. From a balanced start CP-SAT first solves over the pairs the balanced
LP optimum uses plus the start's (:func:`lp_support`): about one squad a
unit, and it holds the zoning the start must move towards. The LP's dual
bound is valid for every zoning within the tolerance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from planning.progress import CancelToken
from planning.zoning.order import enough_candidates, nearest_candidates
from planning.zoning.problem import Problem, with_zoning
from planning.zoning.starts import flood_fill, greedy_growth

# The LPs that guide the start and CP-SAT's candidates: each unit's nearest
# squads as columns (fewer make the LP's zoning dearer on fine grids). The
# dual simplex takes about one iteration per unit, each costing about the
# root of the pairs: seconds ~ this x units x sqrt(pairs) (fitted on county
# grids of 150-500 m cells), and the order rows in rounds take as long
# again. The LP is skipped when that estimate exceeds
# this share of the time it has, so that the border moves after it keep
# a third of that time.
_LP_NEAREST = 20
_LP_SECONDS = 6e-7
LP_TIME_SHARE = 0.35


@dataclass(frozen=True)
class OrderRounds:
    """When the ordered LP stops adding its order rows (:func:`_order_lazily`).

    Cut shorter, rows stay violated and the start (and the zoning after it)
    ends further from the LP bound; on county grids every row is kept well
    within the defaults.

    Parameters
    ----------
    time_ratio, min_seconds
        The rounds take at most ``time_ratio`` times the plain LP's solve
        time, or ``min_seconds`` if more.
    rounds
        At most this many rounds.
    """

    time_ratio: float = 1.0
    min_seconds: float = 3.0
    rounds: int = 60

    def until(self, started: float) -> float:
        """When the rounds stop, the plain LP having started at ``started``."""
        now = time.monotonic()
        return now + max(self.time_ratio * (now - started), self.min_seconds)


ORDER_ROUNDS = OrderRounds()


def solve_lp(
    p: Problem,
    order: np.ndarray,
    fixed: np.ndarray,
    tolerance: float,
    deadline: float,
    ordered: bool,
    cancel: CancelToken | None = None,
    rounds: OrderRounds = ORDER_ROUNDS,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """LP relaxation of balanced assignment over each unit's nearest squads.

    Returns ``(x, columns, bound)``: each unit's fractional share per squad,
    the pairs the LP could use, and a lower bound on workload x minutes of
    every zoning within the tolerance (the load duals priced over *all*
    permitted pairs, so neither the nearest-squads restriction nor the order
    rows can overstate it). ``ordered`` adds the distance-order rows of the
    CP-SAT model (a unit's share of a squad is at most that squad's shares of
    its neighbours nearer the base), lazily: see :func:`_order_lazily`,
    within ``rounds``; a cancel stops them.
    Returns None when the LP is too large for the time left or finds nothing
    (candidates too narrow, time out): the callers then keep what they had.
    """
    import highspy  # only these refinements need it

    m = len(p.squad_ids)
    free = (fixed < 0) & (p.unit_group >= 0)
    cand = (
        nearest_candidates(p, order, _LP_NEAREST) | enough_candidates(p, order, 1.5)
    ) & (order >= 0)
    cand &= free[None, :]

    def memo(ordered: bool) -> bytes:
        return b"".join(
            [bytes([ordered]), np.float64(tolerance).tobytes(), fixed.tobytes()]
            + (
                [order.tobytes(), repr(rounds).encode()]
                if ordered
                else [np.packbits(cand).tobytes()]
            )
        )

    if memo(ordered) in p.lp_memo:
        return p.lp_memo[memo(ordered)]
    sq, un = np.nonzero(cand)
    nv = len(sq)
    have = np.unique(un)
    left = deadline - time.monotonic()
    if nv == 0 or left < 1.0:
        return None
    if _LP_SECONDS * len(have) * np.sqrt(nv) > LP_TIME_SHARE * left:
        return None
    w = p.w
    const = np.bincount(fixed[fixed >= 0], w[fixed >= 0], m)
    lo, hi = (1 - tolerance) * p.target - const, (1 + tolerance) * p.target - const
    rows = sparse.vstack(
        [
            sparse.csr_matrix((w[un], (sq, np.arange(nv))), shape=(m, nv)),
            sparse.csr_matrix(
                (np.ones(nv), (np.searchsorted(have, un), np.arange(nv))),
                shape=(len(have), nv),
            ),
        ],
        format="csc",
    )
    cost = p.cost - p.eps_cost  # workload x minutes, as the result reports it
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nv, rows.shape[0]
    lp.col_cost_ = cost[sq, un]
    lp.col_lower_, lp.col_upper_ = np.zeros(nv), np.ones(nv)
    lp.row_lower_ = np.concatenate([lo, np.ones(len(have))])
    lp.row_upper_ = np.concatenate([hi, np.ones(len(have))])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = rows.indptr
    lp.a_matrix_.index_ = rows.indices
    lp.a_matrix_.value_ = rows.data
    # The plain wrapper, highspy.Highs, registers its callbacks before any
    # option can be set, which prints HiGHS's banner on every solve.
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")  # dual simplex: warm starts on new rows
    h.setOptionValue("presolve", "off")  # removes nothing here, costs time
    h.passModel(lp)

    def result(solution: object) -> tuple[np.ndarray, np.ndarray, float]:
        x = np.zeros((m, p.n_units))
        x[sq, un] = np.clip(solution.col_value, 0.0, 1.0)
        dual = np.asarray(solution.row_dual[:m])  # <= 0 where a zone is full
        priced = np.where(order >= 0, cost - p.w[None, :] * dual[:, None], np.inf)
        least = priced[:, free].min(axis=0)
        got = fixed >= 0
        bound = float(
            least[np.isfinite(least)].sum()
            + hi @ np.minimum(dual, 0.0)
            + lo @ np.maximum(dual, 0.0)
            + cost[fixed[got], np.flatnonzero(got)].sum()
        )
        return x, cand, bound

    started = time.monotonic()
    if not run_highs(h, deadline):
        return None
    solution = h.getSolution()
    p.lp_memo[memo(False)] = result(solution)  # CP-SAT's candidates reuse it
    if not ordered:
        return p.lp_memo[memo(False)]
    solution = _order_lazily(
        h,
        deadline,
        *order_rows(p, order, fixed, cand),
        solution,
        rounds.until(started),
        rounds.rounds,
        cancel,
    )
    out = result(solution)
    if cancel is None or not cancel.cancelled:  # else cut short by the planner
        p.lp_memo[memo(True)] = out
    return out


def run_highs(h: object, deadline: float) -> bool:
    """Run HiGHS until ``deadline``; True when it ends optimal.

    HiGHS counts its time limit over every run of the object, not per run:
    set to the seconds left, the order rounds after a plain solve that took
    longer than that would stop at once, so the limit is the run time so far
    plus the seconds left.
    """
    import highspy

    left = deadline - time.monotonic()
    if left < 0.1:
        return False
    h.setOptionValue("time_limit", float(h.getRunTime() + left))
    h.run()
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def _order_lazily(
    h: object,
    deadline: float,
    rows: sparse.csr_matrix,
    row_of: np.ndarray,
    solution: object,
    until: float,
    max_rounds: int,
    cancel: CancelToken | None,
) -> object:
    """Add the order rows the LP's pairs need, round by round, to ``h``.

    Solving with all order rows (one per pair) takes several times as long
    as the LP without them. A row binds only where
    its pair has a share, so each round adds the rows of the pairs with a
    share and of every pair on their paths to the base (a row alone only
    pulled a share cut off from its base one step nearer each round: 30+
    rounds, cut short with zones' shares 40 cells out), and of the pairs one
    step further out; the dual simplex goes on from the last basis, and a
    few rounds with a tenth of the rows do. The rounds stop when no row
    is violated, at ``until``, after ``max_rounds`` or at a cancel; returns
    the last optimal
    solution.
    """
    import highspy

    if rows.shape[0] == 0:  # every pair next to its base (town units)
        return solution
    added = np.zeros(rows.shape[0], bool)
    behind = (rows < 0).astype(np.float64).tocsr()  # row of b -> nearer pairs a
    has = row_of >= 0
    for _ in range(max_rounds):
        x = np.asarray(solution.col_value)
        if (rows @ x).max(initial=0.0) <= 1e-6 or time.monotonic() > until:
            break
        if cancel is not None and cancel.cancelled:
            break
        used = x > 1e-9
        paths = _upstream(behind, row_of, used)
        need = np.zeros(rows.shape[0], bool)
        need[row_of[paths & has]] = True
        need |= behind @ used > 0  # and of the pairs one step further out
        need &= ~added
        if not need.any():
            break
        added |= need
        new = rows[need]
        h.addRows(
            new.shape[0],
            np.full(new.shape[0], -highspy.kHighsInf),
            np.zeros(new.shape[0]),
            new.nnz,
            new.indptr[:-1].astype(np.int32),
            new.indices.astype(np.int32),
            new.data,
        )
        if not run_highs(h, deadline):
            break
        solution = h.getSolution()
    return solution


def _upstream(
    behind: sparse.csr_matrix, row_of: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """``used`` and every pair on a path of nearer pairs to the base
    (``behind``: each order row's nearer pairs; ``row_of``: each pair's row)."""
    closed = used.copy()
    front = np.flatnonzero(used)
    while len(front):
        rows = row_of[front]
        nxt = np.unique(behind[rows[rows >= 0]].indices)
        front = nxt[~closed[nxt]]
        closed[front] = True
    return closed


def order_rows(
    p: Problem, order: np.ndarray, fixed: np.ndarray, cand: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """``x[s, b] - sum x[s, a] <= 0`` over b's neighbours a nearer s's base.

    The LP form of the CP-SAT order constraints, over the pairs of ``cand``
    (in :func:`numpy.nonzero` order); a unit next to one fixed to s needs no
    row. Returns the rows and each pair's row (-1: none).
    """
    m = len(p.squad_ids)
    sq, un = np.nonzero(cand)
    pid = np.full((m, p.n_units), -1, dtype=np.int64)
    pid[sq, un] = np.arange(len(sq))
    src, dst = p.arcs
    rows, cols, vals = [], [], []
    n_rows = 0
    row_of = np.full(len(sq), -1, dtype=np.int64)
    for s in range(m):
        k = order[s]
        ok = ((pid[s, src] >= 0) | (fixed[src] == s)) & (pid[s, dst] >= 0)
        ok &= (k[src] >= 0) & (k[src] < k[dst])
        done = np.zeros(p.n_units, bool)
        done[dst[ok & (fixed[src] == s)]] = True
        need = np.flatnonzero((pid[s] >= 0) & ~done)
        row = np.full(p.n_units, -1, dtype=np.int64)
        row[need] = n_rows + np.arange(len(need))
        n_rows += len(need)
        arc = ok & ~done[dst] & (pid[s, src] >= 0)
        rows += [row[need], row[dst[arc]]]
        cols += [pid[s, need], pid[s, src[arc]]]
        vals += [np.ones(len(need)), -np.ones(int(arc.sum()))]
        row_of[pid[s, need]] = row[need]
    rows = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, len(sq)),
    )
    return rows, row_of


def lp_start(
    p: Problem,
    order: np.ndarray,
    fixed: np.ndarray,
    tolerance: float,
    deadline: float,
    cancel: CancelToken | None = None,
    rounds: OrderRounds = ORDER_ROUNDS,
) -> np.ndarray | None:
    """Start from the LP relaxation of the distance-ordered model.

    Priced growth gets each zone's prices locally right but can leave the
    work spread wrongly over the county: at a narrow tolerance many zones
    outside the band, with more excess than chains of zone re-solves can
    drain in a minute. The LP (HiGHS) balances the
    whole county at once; zones grown from the bases by its fractions, the
    zone furthest below target first, leave a few zones a little outside,
    which border moves and zone re-solves drain in seconds. The order rows
    come in rounds (:func:`_order_lazily`), which on large grids may stop
    with a few rows still violated. None when :func:`solve_lp` gives nothing.
    """
    lp = solve_lp(p, order, fixed, tolerance, deadline, True, cancel, rounds)
    if lp is None:
        return None
    x, cand, _ = lp
    # Claim whole LP shares first; minutes only break ties. The zone furthest
    # below target claims next: grown all at once, zones near the middle take
    # shares the LP gave zones further out, which then end far below target.
    score = 1.0 - x + 1e-4 * p.rank / max(float(np.median(p.rank[cand])), 1e-9)
    units = greedy_growth(p, None, cand, fixed, score)
    free = (fixed < 0) & (p.unit_group >= 0)
    if (free & (units < 0)).any():  # out of the LP's reach: any permitted squad
        units = flood_fill(p, None, order >= 0, units, score)
    return units


def lp_support(
    p: Problem,
    order: np.ndarray,
    fixed: np.ndarray,
    start: np.ndarray,
    tolerance: float,
    deadline: float,
) -> tuple[np.ndarray, float] | None:
    """Candidates for CP-SAT: the pairs the balanced LP uses, and the start's.

    The LP optimum (contiguity ignored) shares only about one unit per zone
    between squads, so its pairs plus the start's make a model a third the
    size of the nearest-squads one, holding the zoning the start must move
    towards, so CP-SAT gets closer to the LP bound in the same time. Returns
    them with the LP's bound, which,
    unlike CP-SAT's bound on so narrow a model, holds for every zoning; None
    when :func:`solve_lp` gives nothing.
    """
    lp = solve_lp(p, order, fixed, tolerance, deadline, ordered=False)
    if lp is None:
        return None
    x, _, bound = lp
    return with_zoning((x > 1e-6) & (order >= 0), start), bound
