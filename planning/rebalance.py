"""Fewest-changes rebalancing (最少改动重新平衡) of today's zoning.

A bureau does not redraw its 片区 from scratch: what a chief approves is
"these cells change hands and every load comes within ±5%". :func:`rebalance`
starts from today's ``squad_id`` on the cells and returns a zoning that is
contiguous, within the tolerance and keeps the locked cells, moving as little
workload as possible away from today's squads (first), then as few cells as
possible, then as little travel as possible. Without the cell count, the
travel step swapped one busy cell for dozens of near-empty ones at the same
moved workload (half of 萧山 250 m's cells carry 0.5 min): 4,775 cells moved
where a zoning from scratch moves 6,499.

Model (CP-SAT). Only cells a few rings deep from a zone border may change
squad, and only to their own zone or to a squad whose zone borders theirs
today (so that the bound below holds). Contiguity is kept by a distance
order per squad: a cell's order in its own zone is its hop depth from the
base inside today's zone, and outside it the hops from the zone through the
cells that may move; a cell in a squad's zone needs a neighbour of smaller
order in that zone, so every zone stays connected to its base, and today's
zoning satisfies the order. The search starts from the LP's flows followed
cell by cell (:func:`_peel`). A first solve minimises the moved workload, a
second the cells moved and then the travel with it held.

Large grids. On 萧山 250 m (16k cells, 30 squads, 40% off) that model finds
no zoning in its share of the time (15%). Then the bound's own flows are
followed pair of zones by pair (:func:`_follow_flows`: small models, each
aiming at its pair's flow), which moves about the bound's workload in few
cells but stalls some 30-40% off where a border is too short; from there
:func:`planning.zoning.rezone` (a quick repair) reaches the band, and pairs
of neighbouring zones are re-solved with the model limited to their cells
(:func:`_improve`).

Bound. :func:`moved_workload_bound` is the least workload that must cross
zone borders so that every zone lands in the band: a min-cost flow (an LP,
HiGHS) on today's zone adjacency graph, each unit of workload moved from a
zone to a neighbouring zone costing one, contiguity ignored, the cells that
never move (locks, bases, islands) held. It bounds every zoning whose moves
all go to a squad bordering the cell's squad today; every model here makes
only such moves, and ``rezone`` is given the same rule (``permitted``):
left free it may hand a cell past a zone (a far move: the flow counts it
twice, the zoning once). Should a far move remain all the same (a start
that had one), it is counted on the result, whose bound is then the one
for any move (every pair of zones joined), which holds but is much weaker.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import dijkstra

from planning.cpsat import Stall, StallWatch, new_solver, solve_watched
from planning.model import Policy
from planning.progress import (
    CancelToken,
    ProgressEvent,
    ProgressFn,
    no_progress,
    staged,
)
from planning.zoning import (
    ZoningSettings,
    cell_graph,
    island_cells,
    rezone,
    zone_stats,
    zones_contiguous,
)

STAGE = "rebalance"
_LOAD_UNITS = 1e10  # integer scale of the total workload in CP-SAT
# integer scale of the largest possible travel objective; one more cell
# moved costs more than all of it, so travel only breaks ties
_COST_UNITS = 1e6
# Share of the time limit for the model on today's zoning; when it finds
# nothing, following the flows gets _FLOW_SHARE of the rest, rezone
# _REZONE_SHARE of what is then left, and the pair search the remainder.
_RING_SHARE = 0.15
_FLOW_SHARE = 0.4
_REZONE_SHARE = 0.5
_LNS_SECONDS = 4.0  # CP-SAT seconds per pair of zones re-solved
_MOVE_SHARE = 0.6  # share of an attempt's time for the moved-workload solve
_AIM_WEIGHT = 100  # a minute off the aimed load costs this many minutes moved
_FLOW_SECONDS = 3.0  # CP-SAT seconds per pair of zones following the LP flow
_FLOW_SHRINK = 0.6  # the flows aim at this share of the band, for rounding
_FAR_SHARE = 0.01  # a far move costs this share of a mean zone's target
_GIVE_BACK_SECONDS = 5.0  # at most this long, or this share of the limit,
_GIVE_BACK_SHARE = 0.05  # for handing cells back to today's squad at the end
_FLOW_LEAST = 0.005  # a flow below this share of the zone's target waits
TRADEOFF_TOLERANCES = (0.20, 0.10, 0.05, 0.02)


class RebalanceError(ValueError):
    """The input cannot be rebalanced; the message names cells or squads."""


@dataclass(frozen=True)
class RebalanceSettings(ZoningSettings):
    """What the chief asks of a rebalancing: a zoning's settings (tolerance,
    time limit for the whole call, workers, seed; nesting, reach and
    candidates reach only the ``rezone`` fallback), and

    Parameters
    ----------
    rings
        Depth (cells) from a zone border within which cells may change squad
        in the model on today's zoning (twice that when following flows).
    """

    time_limit: float = 60.0
    rings: int = 4


@dataclass
class RebalanceResult:
    """A rebalanced zoning and what the chief needs to approve it.

    ``assignment`` maps every ``cell_id`` to its ``squad_id``; ``moves``
    lists the cells that change hands (cell_id, from_squad, to_squad,
    workload); ``bound`` is :func:`moved_workload_bound` (``nan`` when even
    the relaxation cannot reach the band). ``travel`` is workload-weighted
    travel minutes from each cell's base, ``travel_before`` today's.
    ``feasible``: contiguous, within the tolerance and locks kept.
    ``far_moved`` counts the cells handed to a squad whose zone does not
    border theirs today (:func:`far_moves`); when there are any, ``bound``
    is the weaker one for moves between any zones, the one that holds.
    """

    assignment: pd.Series
    moves: pd.DataFrame
    moved_workload: float
    bound: float
    travel: float
    travel_before: float
    worst_before_pct: float
    worst_after_pct: float
    feasible: bool
    contiguous: bool
    far_moved: int
    status: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the CLI prints (Chinese first, English after)."""
        gap = (
            f"{self.moved_workload / self.bound:.2f}x"
            if self.bound and np.isfinite(self.bound)
            else "n/a"
        )
        return [
            f"调整网格 cells moved: {self.moved_cells}; 调整工作量 workload moved: "
            f"{self.moved_workload:,.0f} min (下界 lower bound {self.bound:,.0f}, "
            f"{gap})",
            f"最大偏差 worst deviation: {self.worst_before_pct:.1f}% -> "
            f"{self.worst_after_pct:.1f}%; 路程 travel (workload x min): "
            f"{self.travel_before:,.0f} -> {self.travel:,.0f}",
            f"连续 contiguous: {'y' if self.contiguous else 'n'}; 可行 feasible: "
            f"{'y' if self.feasible else 'n'}; {self.status}, {self.seconds:.1f}s",
        ]

    @property
    def moved_cells(self) -> int:
        return len(self.moves)


@dataclass
class _Today:
    """Today's zoning on the cell graph (positions, not ids)."""

    ids: np.ndarray
    squad_ids: list[str]
    adj: sparse.csr_matrix
    travel: np.ndarray
    islands: np.ndarray
    w: np.ndarray
    target: np.ndarray
    assign: np.ndarray
    base: np.ndarray
    locked: np.ndarray

    @property
    def fixed(self) -> np.ndarray:
        out = self.locked | self.islands
        out[self.base] = True
        return out

    def loads(self, assign: np.ndarray) -> np.ndarray:
        got = assign >= 0
        return np.bincount(assign[got], self.w[got], len(self.squad_ids))

    def worst_pct(self, assign: np.ndarray) -> float:
        t = np.where(self.target > 0, self.target, 1.0)
        return float(np.max(np.abs(self.loads(assign) - self.target) / t) * 100)

    def travel_of(self, assign: np.ndarray) -> float:
        n = len(assign)
        return float((self.w * self.travel[assign, np.arange(n)]).sum())

    def contiguous(self, assign: np.ndarray) -> bool:
        m = len(self.squad_ids)
        return bool(zones_contiguous(self.adj, assign, m, self.islands).all())

    def off_band(self, assign: np.ndarray, tolerance: float) -> float:
        """Workload outside the band, summed over the zones."""
        dev = np.abs(self.loads(assign) - self.target) - tolerance * self.target
        return float(np.clip(dev, 0.0, None).sum())

    def within(self, assign: np.ndarray, tolerance: float) -> bool:
        dev = np.abs(self.loads(assign) - self.target)
        return bool((dev <= tolerance * self.target * (1 + 1e-9) + 1e-9).all())


def _today(cells: gpd.GeoDataFrame, squads: gpd.GeoDataFrame, policy: Policy) -> _Today:
    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    if "squad_id" not in cells:
        raise RebalanceError("cells: no squad_id column (today's zoning)")
    squad_ids = [str(s) for s in squads["squad_id"]]
    index = {s: i for i, s in enumerate(squad_ids)}
    today = cells["squad_id"].astype(object).where(cells["squad_id"].notna(), None)
    assign = np.array([index.get(str(s), -1) if s else -1 for s in today])
    ids = cells["cell_id"].astype(str).to_numpy()
    if (assign < 0).any():
        bad = ids[assign < 0]
        raise RebalanceError(
            f"cells: {len(bad)} cells have no known squad today "
            f"({', '.join(bad[:8])}{' …' if len(bad) > 8 else ''}); give every "
            f"cell one of {', '.join(squad_ids[:12])}"
        )
    assignment = pd.Series(np.array(squad_ids, dtype=object)[assign], index=ids)
    stats = zone_stats(cells, squads, assignment, policy)
    geo = cell_graph(cells, squads, policy)
    if "workload" not in cells:
        raise RebalanceError("cells: no workload column (minutes per cell)")
    w = pd.to_numeric(cells["workload"], errors="coerce").fillna(0.0)
    w = np.clip(w.to_numpy(float), 0.0, None)  # as zone_stats counts it
    locked = np.zeros(len(cells), dtype=bool)
    if "locked" in cells:
        flags = pd.to_numeric(cells["locked"], errors="coerce").fillna(0)
        locked = flags.to_numpy(float) > 0
    return _Today(
        ids=ids,
        squad_ids=squad_ids,
        adj=geo.adj.tocsr(),
        travel=np.asarray(geo.travel, dtype=float),
        islands=island_cells(geo),
        w=w,
        target=stats["target"].to_numpy(float),
        assign=assign,
        base=geo.base_cell,
        locked=locked,
    )


def _zone_pairs(t: _Today, assign: np.ndarray) -> np.ndarray:
    """Directed pairs (a, b) of zones sharing a border in ``assign``."""
    a, b = t.adj.nonzero()
    za, zb = assign[a], assign[b]
    keep = (za != zb) & ~t.islands[a] & ~t.islands[b]
    return np.unique(np.column_stack([za[keep], zb[keep]]), axis=0)


def _neighbours(t: _Today, assign: np.ndarray) -> np.ndarray:
    """(squads, squads): zone a borders zone b in ``assign`` (or a == b)."""
    m = len(t.squad_ids)
    pairs = _zone_pairs(t, assign)
    near = np.zeros((m, m), dtype=bool)
    near[pairs[:, 0], pairs[:, 1]] = True
    np.fill_diagonal(near, True)
    return near


def far_moves(t: _Today, assign: np.ndarray) -> np.ndarray:
    """Cells that ``assign`` hands to a squad whose zone does not border
    their squad's zone today: moves the flow bound does not cover."""
    return ~_neighbours(t, t.assign)[t.assign, assign]


def _permitted(t: _Today) -> np.ndarray:
    """(squads, cells): the squads each cell may go to, for rezone: its own
    and those whose zone borders its own today (islands anywhere), so that
    rezone makes no far move either and the flow bound holds."""
    out = _neighbours(t, t.assign)[t.assign].T
    out[:, t.islands] = True
    return out


def _stays_whole(
    t: _Today, assign: np.ndarray, cell: int, zone: int, stop: np.ndarray
) -> bool:
    """Whether ``zone`` stays in one piece without ``cell``: a search from
    one of the cell's neighbours in the zone reaches the others (``stop``:
    cells contiguity ignores, the islands)."""
    ptr, idx = t.adj.indptr, t.adj.indices
    near = idx[ptr[cell] : ptr[cell + 1]]
    near = near[(assign[near] == zone) & ~stop[near]]
    if len(near) <= 1:
        return True
    want = set(near[1:].tolist())
    seen = {cell, int(near[0])}
    queue = deque([int(near[0])])
    while queue and want:
        u = queue.popleft()
        for v in idx[ptr[u] : ptr[u + 1]].tolist():
            if v not in seen and assign[v] == zone and not stop[v]:
                seen.add(v)
                want.discard(v)
                queue.append(v)
    return not want


def _give_back(
    t: _Today, assign: np.ndarray, tolerance: float, deadline: float
) -> np.ndarray:
    """Hand moved cells back to their squad of today, lightest first, where
    both zones stay whole and within the band.

    The large-grid path (rezone, the flow pairs) moves near-empty cells to
    keep zones whole on the way; many of them are free to go back once the
    heavy cells have settled. Each step lowers the workload and the cells
    moved and makes no far move; the result is checked whole at the end."""
    out = assign.copy()
    loads = t.loads(out)
    slack = tolerance * t.target * (1 + 1e-9) + 1e-9
    stop = t.islands
    ptr, idx = t.adj.indptr, t.adj.indices
    again = True
    while again and time.monotonic() < deadline:
        again = False
        moved = np.flatnonzero((out != t.assign) & ~t.fixed)
        for c in moved[np.argsort(t.w[moved], kind="stable")].tolist():
            if time.monotonic() >= deadline:
                break
            a, b, w = out[c], t.assign[c], t.w[c]
            if not (out[idx[ptr[c] : ptr[c + 1]]] == b).any():
                continue
            if abs(loads[a] - w - t.target[a]) > slack[a]:
                continue
            if abs(loads[b] + w - t.target[b]) > slack[b]:
                continue
            if not _stays_whole(t, out, c, a, stop):
                continue
            out[c] = b
            loads[a] -= w
            loads[b] += w
            again = True
    if t.contiguous(out) and t.within(out, tolerance):
        return out
    return assign


def _excess_flow(
    t: _Today,
    tolerance: float,
    anywhere: bool = False,
    skip: set[tuple[int, int]] | None = None,
) -> tuple[float, dict]:
    """The LP of :func:`moved_workload_bound`: (value, {(a, b): flow});
    ``skip`` leaves those pairs out (a search's blocked borders)."""
    m = len(t.squad_ids)
    if anywhere:
        a, b = np.nonzero(~np.eye(m, dtype=bool))
        pairs = np.column_stack([a, b])
    else:
        pairs = _zone_pairs(t, t.assign)
    if skip:
        pairs = pairs[[(int(a), int(b)) not in skip for a, b in pairs]]
    load = t.loads(t.assign)
    lo, hi = (1 - tolerance) * t.target, (1 + tolerance) * t.target
    if len(pairs) == 0:
        inside = ((load >= lo) & (load <= hi)).all()
        return (0.0 if inside else float("nan")), {}
    k = len(pairs)
    out = sparse.csr_matrix((np.ones(k), (pairs[:, 0], np.arange(k))), shape=(m, k))
    inn = sparse.csr_matrix((np.ones(k), (pairs[:, 1], np.arange(k))), shape=(m, k))
    net = out - inn  # net outflow of each zone
    movable = np.bincount(t.assign[~t.fixed], t.w[~t.fixed], m)
    a_ub = sparse.vstack([net, -net, out]).tocsc()
    b_ub = np.concatenate([load - lo, hi - load, movable])
    res = linprog(np.ones(k), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status != 0:
        return float("nan"), {}
    flows = {
        (int(a), int(b)): float(f)
        for (a, b), f in zip(pairs, res.x, strict=True)
        if f > 1e-9
    }
    return float(res.fun), flows


def moved_workload_bound(t: _Today, tolerance: float, anywhere: bool = False) -> float:
    """Least workload that must change squad for every zone to reach the band.

    A min-cost flow of the excess over today's zone adjacency (each unit of
    workload moved from a zone to a neighbouring one costs 1; contiguity
    ignored; cells that never move held), solved as an LP by HiGHS:
    integrality is not needed for a bound. ``nan`` when the LP is infeasible.

    It bounds every zoning in which each cell that changes squad goes to a
    squad whose zone borders its own today: a cell handed on past a zone
    costs the flow two steps but moves once. :func:`rebalance` only makes
    such moves, except through ``rezone``, its last resort; ``anywhere``
    gives the bound for any move (every pair of zones joined: much weaker,
    a quarter of the other on 萧山 250 m), which the result then reports.
    """
    return _excess_flow(t, tolerance, anywhere)[0]


def _peel(
    t: _Today,
    order: np.ndarray,
    free: np.ndarray,
    near: np.ndarray,
    flows: dict[tuple[int, int], float],
) -> np.ndarray:
    """A start for CP-SAT that follows the LP's flows: for each pair of zones,
    border cells of the giving zone pass to the taking one, nearest to its
    base first, while the flow lasts; a cell moves only if both zones keep
    the distance order (so the start is a solution of the model)."""
    cur = t.assign.copy()
    nbrs = np.split(t.adj.indices, t.adj.indptr[1:-1])

    def held(v: int, a: int, without: int) -> bool:
        """v (in zone a) keeps a smaller neighbour in a without ``without``."""
        if order[a, v] == 0:
            return True
        return any(
            x != without and cur[x] == a and 0 <= order[a, x] < order[a, v]
            for x in nbrs[v].tolist()
        )

    def movable(u: int, a: int, b: int) -> bool:
        if cur[u] != a or not free[u] or order[b, u] < 0 or not near[t.assign[u], b]:
            return False
        if not any(
            cur[x] == b and 0 <= order[b, x] < order[b, u] for x in nbrs[u].tolist()
        ):
            return False
        return all(
            held(v, a, u)
            for v in nbrs[u].tolist()
            if cur[v] == a and order[a, v] > order[a, u]
        )

    for (a, b), flow in sorted(flows.items(), key=lambda kv: -kv[1]):
        heap = [
            (int(order[b, u]), u)
            for u in np.flatnonzero((cur == a) & free).tolist()
            if (cur[nbrs[u]] == b).any()
        ]
        heapq.heapify(heap)
        done = 0.0
        while heap and done < flow:
            _, u = heapq.heappop(heap)
            if done + t.w[u] / 2 > flow or not movable(u, a, b):
                continue
            cur[u] = b
            done += t.w[u]
            for v in nbrs[u].tolist():
                if cur[v] == a and free[v]:
                    heapq.heappush(heap, (int(order[b, v]), v))
    return cur


def _depths(t: _Today, free: np.ndarray, zones: np.ndarray | None = None) -> np.ndarray:
    """(squads, cells) order of each cell for each squad (-1 = not allowed).

    Inside today's zone: hop depth from the base through the zone's cells
    (pieces cut off from the base get none); outside: hops on from the zone
    through cells that may move. A cell's order in its own zone never drops
    below its depth there, so today's zoning keeps the order.
    """
    m, n = len(t.squad_ids), len(t.assign)
    coo = t.adj.tocoo()
    out = np.full((m, n), -1, dtype=np.int64)
    for s in range(m) if zones is None else zones.tolist():
        own = (t.assign == s) & ~t.islands
        keep = own[coo.row] & own[coo.col]
        sub = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=(n, n)
        )
        d_in = dijkstra(sub, indices=int(t.base[s]), unweighted=True)
        ok = np.isfinite(d_in)
        # super source n -> zone cell (depth + 1); zone -> free outside cells;
        # free outside -> free outside: no edges back into the zone
        outside = free & ~own
        step = (ok[coo.row] | outside[coo.row]) & outside[coo.col]
        src = np.flatnonzero(ok)
        rows = np.concatenate([np.full(len(src), n), coo.row[step]])
        cols = np.concatenate([src, coo.col[step]])
        vals = np.concatenate([d_in[src] + 1.0, np.ones(int(step.sum()))])
        g = sparse.csr_matrix((vals, (rows, cols)), shape=(n + 1, n + 1))
        d = dijkstra(g, directed=True, indices=n)[:n] - 1.0
        d[~(ok | outside)] = np.inf
        d[ok] = d_in[ok]
        fin = np.isfinite(d)
        out[s, fin] = d[fin].astype(np.int64)
    return out


def _free_cells(t: _Today, rings: int) -> np.ndarray:
    """Cells within ``rings`` hops of a zone border (and pieces cut off from
    their base), apart from the cells that never move."""
    a, b = t.adj.nonzero()
    border = np.zeros(len(t.assign), dtype=bool)
    border[a[t.assign[a] != t.assign[b]]] = True
    d = dijkstra(t.adj, indices=np.flatnonzero(border), unweighted=True, min_only=True)
    return (d < rings) & ~t.fixed


def _run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    cancel: CancelToken | None,
    stall: float,
    goal: float = -np.inf,
) -> int:
    """Solve, stopping once the incumbent has not improved for ``stall``
    seconds, counted from the start (the last seconds of a travel search
    rarely buy anything), or reaches ``goal`` (the bound, up to rounding)."""

    def at_goal(watch: StallWatch) -> None:
        if watch.objective_value <= goal:
            watch.stop_search()

    watch = StallWatch(Stall(seconds=stall, from_start=True), at_goal)
    return solve_watched(solver, model, watch, cancel)


def _solve(
    t: _Today,
    tolerance: float,
    bound: float,
    rings: int,
    seconds: float,
    settings: RebalanceSettings,
    cancel: CancelToken | None,
    start: np.ndarray | None = None,
    zones: np.ndarray | None = None,
    aim: np.ndarray | None = None,
    soft: bool = False,
) -> tuple[np.ndarray | None, str]:
    """One attempt at a ring depth: (assignment or None, status).

    ``start`` (a contiguous zoning) shapes the model instead of today's
    zoning: rings around its borders, its zones' distance order, the cells
    it moved free to go back; the moved workload is still counted from
    today's zoning. ``zones`` limits the model to those squads' cells (a
    neighbourhood of the search). ``aim`` (loads per squad) replaces the
    band of those zones by "as close to the aim as possible" (first), for
    a start that is not yet within the band. ``soft`` keeps the band but
    lets the model leave it at a price (first), so today's zoning is a
    solution to improve from rather than a point outside the model."""
    m = len(t.squad_ids)
    today = t.assign
    from_today = start is None
    if start is not None:
        t = dataclasses.replace(t, assign=start)
    free = _free_cells(t, rings)
    if start is not None:
        free |= (start != today) & ~t.fixed
    zone_mask = np.ones(m, dtype=bool)
    if zones is not None:
        zone_mask[:] = False
        zone_mask[zones] = True
        free &= zone_mask[t.assign]
    order = _depths(t, free, zones)
    near = _neighbours(t, t.assign)
    # a cell only ever goes to a squad whose zone borders its own today, so
    # that the flow bound holds for every zoning this model returns
    near_today = near if from_today else _neighbours(t, today)
    scale = _LOAD_UNITS / max(float(t.w.sum()), 1e-9)
    wi = np.round(t.w * scale).astype(np.int64)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    fu = np.flatnonzero(free)
    for u in fu.tolist():
        allowed = near[t.assign[u]].copy()
        allowed[today[u]] = True  # a cell moved by the start may go back
        allowed &= zone_mask & near_today[today[u]]
        allowed[t.assign[u]] = True  # the start's own move (rezone's may be far)
        for s in np.flatnonzero(allowed & (order[:, u] >= 0)).tolist():
            x[u, s] = model.new_bool_var(f"x{u}_{s}")
    by_cell: dict[int, list[int]] = {}
    for u, s in x:
        by_cell.setdefault(u, []).append(s)
    for u in fu.tolist():
        opts = by_cell.get(u, [])
        if not opts:
            return None, "a cut-off piece has nowhere to go"
        model.add_exactly_one(x[u, s] for s in opts)
    indptr, indices = t.adj.indptr, t.adj.indices
    fixed_zone = np.where(free, -1, t.assign)
    # contiguity: a cell in zone s needs a neighbour of smaller order in s
    for (u, s), var in x.items():
        nb = indices[indptr[u] : indptr[u + 1]]
        lower = nb[(order[s, nb] >= 0) & (order[s, nb] < order[s, u])]
        if (fixed_zone[lower] == s).any():
            continue
        helpers = [x[v, s] for v in lower.tolist() if (v, s) in x]
        if helpers:
            model.add_bool_or(helpers).only_enforce_if(var)
        else:
            model.add(var == 0)
    # fixed cells of a zone whose smaller neighbours may all move away
    for u in np.flatnonzero(~free & ~t.islands & zone_mask[t.assign]).tolist():
        s = int(t.assign[u])
        if u == t.base[s]:
            continue
        nb = indices[indptr[u] : indptr[u + 1]]
        if not free[nb].any():
            continue
        lower = nb[(order[s, nb] >= 0) & (order[s, nb] < order[s, u])]
        if (fixed_zone[lower] == s).any():
            continue
        helpers = [x[v, s] for v in lower.tolist() if (v, s) in x]
        if not helpers:
            return None, "today's zoning breaks the distance order"
        model.add_bool_or(helpers)
    # balance; the band shrinks by the worst rounding of the free cells
    slack = len(fu) // 2 + 1
    fixed_load = np.bincount(t.assign[~free], wi[~free], m)
    terms: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(m)]
    for (u, s), var in x.items():
        terms[s].append((int(wi[u]), var))
    misses = []
    for s in np.flatnonzero(zone_mask).tolist():
        expr = sum(c * v for c, v in terms[s]) + int(fixed_load[s])
        lo = int(np.ceil((1 - tolerance) * t.target[s] * scale)) + slack
        hi = int(np.floor((1 + tolerance) * t.target[s] * scale)) - slack
        if aim is None and not soft:
            model.add_linear_constraint(expr, lo, hi)
            continue
        if aim is not None:
            lo = hi = int(round(aim[s] * scale))
        miss = model.new_int_var(0, int(_LOAD_UNITS) * 2, f"miss{s}")
        # two inequalities, not add_abs_equality: its presolve on a domain
        # this wide ran minutes past the time limit (OR-Tools 9.15)
        model.add(miss >= expr - hi)
        model.add(miss >= lo - expr)
        misses.append(miss)
    moved = sum(int(wi[u]) * v for (u, s), v in x.items() if s != today[u])
    # a cell rezone handed past a zone may stay there (the model keeps the
    # start), at a price that sends it to a neighbour of its zone today
    far_cost = int(_FAR_SHARE * float(t.target.mean()) * scale)
    far = [v for (u, s), v in x.items() if not near_today[today[u], s]]
    moved_fixed = int(wi[~free & (t.assign != today)].sum())
    first_goal = moved + _AIM_WEIGHT * sum(misses) + far_cost * sum(far)
    if start is None:
        # start from the LP's flows (at a band a little narrower, so that
        # whole cells land inside it); today's zoning if they cannot be
        # followed
        start = t.assign
        for shrink in (0.7, 0.4):
            flows = _excess_flow(t, tolerance * shrink)[1]
            peeled = _peel(t, order, free, near, flows)
            if t.within(peeled, tolerance):
                start = peeled
                break
    for (u, s), v in x.items():
        model.add_hint(v, s == start[u])
    solver = new_solver(
        seconds * _MOVE_SHARE, settings.workers, settings.seed, at_least=0.5
    )
    # the flow bound holds for this model (moves go to neighbouring zones
    # only): stated, it lets CP-SAT prove a zoning that meets it optimal
    floor = int(np.floor(bound * scale)) - slack - moved_fixed
    if from_today and not soft:
        model.add(moved >= floor)
    model.minimize(first_goal)
    status = _run(solver, model, cancel, max(3.0, 0.3 * seconds), floor + 2 * slack)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver.status_name(status)
    first = solver.status_name(status)
    best = int(round(solver.objective_value))
    chosen = {k: solver.boolean_value(v) for k, v in x.items()}
    # second: the fewest cells moved, then the least travel, with the moved
    # workload held; without the cell count, travel alone would swap one
    # busy cell for dozens of near-empty ones (0.5 min each on 萧山) at the
    # same moved workload
    model.clear_hints()
    for k, v in x.items():
        model.add_hint(v, chosen[k])
    model.add(first_goal <= best)
    span = max(float((t.w[fu] * t.travel[:, fu].max(axis=0)).sum()), 1e-9)
    cs = _COST_UNITS / span
    per_cell = int(_COST_UNITS) + 1
    model.minimize(
        sum(
            (int(round(t.w[u] * t.travel[s, u] * cs)) + per_cell * int(s != today[u]))
            * v
            for (u, s), v in x.items()
        )
    )
    solver = new_solver(
        seconds * (1 - _MOVE_SHARE), settings.workers, settings.seed, at_least=0.5
    )
    status = _run(solver, model, cancel, max(2.0, 0.1 * seconds))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {k: solver.boolean_value(v) for k, v in x.items()}
    out = t.assign.copy()
    for (u, s), on in chosen.items():
        if on:
            out[u] = s
    second = solver.status_name(status).lower()
    return out, f"moved {first.lower()}, cells and travel {second}"


def _upstream_first(
    flows: dict[tuple[int, int], float],
) -> list[tuple[tuple[int, int], float]]:
    """The flows, each zone's inflows before its outflows (largest first
    among those ready): a zone that passes workload on gets it first, else
    handing on first can leave it no border with the zone that feeds it."""
    left = dict(flows)
    out = []
    while left:
        feeding = {b for a, b in left}
        ready = [kv for kv in left.items() if kv[0][0] not in feeding]
        if not ready:  # a cycle (not in an optimal flow): largest first
            ready = list(left.items())
        edge, flow = max(ready, key=lambda kv: kv[1])
        out.append((edge, flow))
        del left[edge]
    return out


def _follow_flows(
    t: _Today,
    tolerance: float,
    deadline: float,
    settings: RebalanceSettings,
    cancel: CancelToken | None,
) -> np.ndarray:
    """From today's zoning towards the band along the bound's own flows:
    each pair of zones the LP moves workload between is re-solved (others
    held) to hand over as nearly that flow as it can, with the least moved;
    then the LP is solved again on the zones as they now are, without the
    pairs that could hand over hardly any of their flow (a short border, a
    neck), until every zone is within the band or a round gets no closer.

    Every move goes between zones that border each other today (the model
    allows no other), so the bound holds for the result; the pairs are
    small models that solve in well under the time each gets."""
    cur = t.assign.copy()
    worst = np.inf
    blocked: set[tuple[int, int]] = set()
    while time.monotonic() < deadline - 1.0 and not t.within(cur, tolerance):
        now = dataclasses.replace(t, assign=cur)
        flows = _excess_flow(now, tolerance * _FLOW_SHRINK, skip=blocked)[1]
        for (a, b), flow in _upstream_first(flows):
            left = deadline - time.monotonic()
            if left < 1.0:
                break
            if flow < _FLOW_LEAST * t.target[a]:
                continue
            before = t.loads(cur)
            aim = before.copy()
            aim[a] -= flow
            aim[b] += flow
            got, _ = _solve(
                t,
                tolerance,
                0.0,
                settings.rings * 2,
                min(_FLOW_SECONDS, left),
                settings,
                cancel,
                start=cur,
                zones=np.array([a, b]),
                aim=aim,
            )
            if got is not None and t.contiguous(got):
                cur = got
            if before[a] - t.loads(cur)[a] < 0.25 * flow:
                blocked.add((a, b))
        off = t.off_band(cur, tolerance)
        if off >= worst - 1e-6:
            break
        worst = off
    return cur


def _improve(
    t: _Today,
    start: np.ndarray,
    tolerance: float,
    deadline: float,
    settings: RebalanceSettings,
    cancel: CancelToken | None,
) -> np.ndarray:
    """Large-neighbourhood search from a zoning within the band: pairs of
    neighbouring zones re-solved in turn (others held), the pairs that hold
    the most moved workload first, while any pass lowers the far moves
    (:func:`far_moves`), the moved workload or, at the same workload, the
    cells moved (travel breaks ties). When no pair improves, chains of three
    zones are re-solved: in a tight band a pair alone cannot pass workload
    on, the zone between two others can."""
    cur = start.copy()
    near = _neighbours(t, t.assign)
    size = 2

    def cost(z: np.ndarray) -> tuple[int, float, int, float]:
        off = z != t.assign
        far = int(far_moves(t, z).sum())
        return far, round(float(t.w[off].sum()), 6), int(off.sum()), t.travel_of(z)

    while time.monotonic() < deadline - 2.0:
        better = False
        pairs = _zone_pairs(t, cur)
        pairs = pairs[pairs[:, 0] < pairs[:, 1]]
        off = np.bincount(cur[cur != t.assign], t.w[cur != t.assign], len(t.squad_ids))
        off += np.bincount(
            t.assign[cur != t.assign], t.w[cur != t.assign], len(t.squad_ids)
        )
        # first the pairs that can take a far-moved cell back to a neighbour
        # of its squad's zone today, then by moved workload
        m = len(t.squad_ids)
        heal = np.zeros((m, m))
        for u in np.flatnonzero(far_moves(t, cur)).tolist():
            for v in t.adj.indices[t.adj.indptr[u] : t.adj.indptr[u + 1]].tolist():
                if near[t.assign[u], cur[v]]:
                    heal[cur[u], cur[v]] += 1
        heal += heal.T
        score = heal[pairs[:, 0], pairs[:, 1]] * float(t.w.sum())
        score += off[pairs[:, 0]] + off[pairs[:, 1]]
        rank = np.argsort(-score, kind="stable")
        groups = [tuple(g) for g in pairs[rank].tolist()]
        if size == 3:
            groups = _chains(groups, pairs, off)
        for group in groups:
            left = deadline - time.monotonic() - 1.0  # the checks after it
            if left < 1.0:
                break
            if off[list(group)].sum() == 0:
                continue
            got, _ = _solve(
                t,
                tolerance,
                0.0,
                settings.rings,
                min(_LNS_SECONDS * (len(group) - 1), left),
                settings,
                cancel,
                start=cur,
                zones=np.array(group),
            )
            if got is None or not (t.contiguous(got) and t.within(got, tolerance)):
                continue
            if cost(got) < cost(cur):
                better |= cost(got)[:3] < cost(cur)[:3]
                cur = got
        if not better:
            if size == 3:
                break
            size = 3
    return cur


def _chains(
    ranked: list[tuple[int, ...]], pairs: np.ndarray, off: np.ndarray
) -> list[tuple[int, ...]]:
    """Chains of three zones: each ranked pair with the neighbour of either
    zone that holds the most moved workload (each chain once)."""
    border: dict[int, set[int]] = {}
    for a, b in pairs.tolist():
        border.setdefault(a, set()).add(b)
        border.setdefault(b, set()).add(a)
    seen: set[frozenset[int]] = set()
    out = []
    for a, b in ranked:
        third = (border.get(a, set()) | border.get(b, set())) - {a, b}
        if not third:
            continue
        c = max(sorted(third), key=lambda z: off[z])
        key = frozenset((a, b, c))
        if key not in seen:
            seen.add(key)
            out.append((a, b, c))
    return out


def rebalance(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: RebalanceSettings = RebalanceSettings(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> RebalanceResult:
    """Bring today's zoning (``cells['squad_id']``) within the tolerance with
    the least workload moved, then the fewest cells, then the least travel.

    ``cells`` carry ``cell_id``, ``squad_id`` (every cell), ``workload`` and
    optionally ``locked``; ``squads`` carry ``squad_id`` and ``staff``. A
    zoning already contiguous and within the tolerance comes back unchanged.
    Raises :class:`RebalanceError` when a cell has no known squad.
    """
    t0 = time.monotonic()
    # the last seconds give moved cells back (:func:`_give_back`)
    end = t0 + settings.time_limit
    deadline = end - min(_GIVE_BACK_SECONDS, _GIVE_BACK_SHARE * settings.time_limit)
    progress(ProgressEvent(STAGE, 0.0, "读取现行片区 today's zoning"))
    t = _today(cells, squads, policy)
    tol = settings.tolerance
    bound = moved_workload_bound(t, tol)
    progress(ProgressEvent(STAGE, 0.05, "下界 bound", bound=bound))
    notes: list[str] = []
    before = t.worst_pct(t.assign)
    assign: np.ndarray | None = None
    start = t.assign  # what rezone repairs when the model finds nothing
    status = ""
    if t.contiguous(t.assign) and t.within(t.assign, tol):
        assign, status = t.assign.copy(), "already within the tolerance"
    elif (t.assign[t.base] != np.arange(len(t.squad_ids))).any():
        bad = [
            t.squad_ids[s]
            for s in np.flatnonzero(t.assign[t.base] != np.arange(len(t.squad_ids)))
        ]
        notes.append(
            f"the base of squad(s) {', '.join(bad[:8])} lies in another squad's "
            "zone today: re-zoned around the bases instead"
        )
    else:
        progress(ProgressEvent(STAGE, 0.1, f"{settings.rings} 圈 rings"))
        got, why = _solve(
            t,
            tol,
            bound if np.isfinite(bound) else 0.0,
            settings.rings,
            settings.time_limit * _RING_SHARE,
            settings,
            cancel,
        )
        if got is not None and t.contiguous(got) and t.within(got, tol):
            assign, status = got, f"{settings.rings} rings: {why}"
        else:
            notes.append(f"{settings.rings} rings from today: no zoning ({why})")
            progress(ProgressEvent(STAGE, 0.3, "沿下界的流 following the flows"))
            share = time.monotonic() + _FLOW_SHARE * (deadline - time.monotonic())
            start = _follow_flows(t, tol, share, settings, cancel)
            if t.contiguous(start) and t.within(start, tol):
                status = "the bound's flows followed zone pair by pair, improved"
                progress(ProgressEvent(STAGE, 0.7, "改进 improving"))
                assign = _improve(t, start, tol, deadline, settings, cancel)
            else:
                notes.append(
                    f"following the flows ended {t.worst_pct(start):.1f}% off "
                    f"({int((start != t.assign).sum())} cells moved)"
                )
    if assign is None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        frame = cells.reset_index(drop=True).copy()
        frame["squad_id"] = np.array(t.squad_ids, dtype=object)[start]
        left = max(5.0, deadline - time.monotonic())
        res = rezone(
            frame,
            squads,
            policy,
            dataclasses.replace(settings, time_limit=left * _REZONE_SHARE),
            staged(progress, STAGE, 0.4, 0.7),
            cancel,
            permitted=_permitted(t),
        )
        index = {s: i for i, s in enumerate(t.squad_ids)}
        got = res.assignment.reindex(t.ids).map(index)
        assign = np.array(got.fillna(-1).to_numpy(int))
        assign[assign < 0] = start[assign < 0]
        status = f"rezone: {res.status}"
        notes.append("re-zoned by rezone from there, then improved")
        left = deadline - time.monotonic()
        if left > 2.0 and t.contiguous(assign) and t.within(assign, tol):
            progress(ProgressEvent(STAGE, 0.7, "改进 improving"))
            better = _improve(t, assign, tol, deadline, settings, cancel)
            if t.w[better != t.assign].sum() < t.w[assign != t.assign].sum():
                status = "rezone, then zone pairs re-solved"
            assign = better
    if (assign != t.assign).any():
        assign = _give_back(t, assign, tol, end)
    far = far_moves(t, assign)
    if far.any():
        bound = moved_workload_bound(t, tol, anywhere=True)
        notes.append(
            f"{int(far.sum())} cells go to a squad whose zone does not border "
            "theirs today: the lower bound is the one for moves between any "
            f"zones ({bound:,.0f} min)"
        )
    progress(ProgressEvent(STAGE, 1.0, status))
    changed = np.flatnonzero(assign != t.assign)
    sid = np.array(t.squad_ids, dtype=object)
    moves = pd.DataFrame(
        {
            "cell_id": t.ids[changed],
            "from_squad": sid[t.assign[changed]],
            "to_squad": sid[assign[changed]],
            "workload": t.w[changed],
        }
    )
    contiguous = t.contiguous(assign)
    kept = bool((assign[t.locked] == t.assign[t.locked]).all())
    return RebalanceResult(
        assignment=pd.Series(sid[assign], index=t.ids, name="squad_id"),
        moves=moves,
        moved_workload=float(t.w[changed].sum()),
        bound=bound,
        travel=t.travel_of(assign),
        travel_before=t.travel_of(t.assign),
        worst_before_pct=before,
        worst_after_pct=t.worst_pct(assign),
        feasible=contiguous and kept and t.within(assign, tol),
        contiguous=contiguous,
        far_moved=int(far.sum()),
        status=status,
        seconds=time.monotonic() - t0,
        notes=notes,
    )


def tradeoff(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: RebalanceSettings = RebalanceSettings(),
    tolerances: tuple[float, ...] = TRADEOFF_TOLERANCES,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> pd.DataFrame:
    """Cells and workload moved and travel for each tolerance, so the chief
    can pick this year's step (each from today's zoning, same time limit)."""
    from dataclasses import replace

    rows = []
    for tol in tolerances:
        r = rebalance(
            cells, squads, policy, replace(settings, tolerance=tol), progress, cancel
        )
        rows.append(
            {
                "tolerance_pct": tol * 100,
                "cells_moved": r.moved_cells,
                "workload_moved": r.moved_workload,
                "bound": r.bound,
                "travel": r.travel,
                "worst_pct": r.worst_after_pct,
                "feasible": r.feasible,
                "seconds": r.seconds,
            }
        )
    return pd.DataFrame(rows)


def write_rebalance(
    path: str | Path,
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    result: RebalanceResult,
    table: pd.DataFrame | None = None,
) -> Path:
    """A GeoPackage QGIS opens and ``compare`` reads: ``cells`` (new
    ``squad_id``, ``today_squad_id``, ``moved``), ``squads``, ``zones``,
    ``moves``, ``summary`` (per squad, today's zoning and the result judged
    alike: workload, target, deviation, cells, travel, reach, contiguity,
    suffixed ``_today`` / ``_after``) and, when given, the ``tradeoff``
    table."""
    import pyogrio

    from planning.compare import PlanSide, compare
    from planning.zoning import zones_layer

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    out = cells.reset_index(drop=True).copy()
    out["today_squad_id"] = out["squad_id"].astype(str)
    out["squad_id"] = out["cell_id"].astype(str).map(result.assignment)
    out["moved"] = (out["squad_id"] != out["today_squad_id"]).astype(int)
    out = gpd.GeoDataFrame(out, geometry=cells.geometry.name, crs=cells.crs)
    pyogrio.write_dataframe(out.to_crs(4326), path, layer="cells")
    pyogrio.write_dataframe(squads.to_crs(4326), path, layer="squads")
    zones = zones_layer(out, squads, result.assignment, policy)
    pyogrio.write_dataframe(zones, path, layer="zones", promote_to_multi=True)
    pyogrio.write_dataframe(result.moves, path, layer="moves")
    keep = ["cell_id", "squad_id", "workload", out.geometry.name]
    today = out[keep].assign(squad_id=out["today_squad_id"])
    summary = compare(
        PlanSide("today", today), PlanSide("after", out[keep]), squads, policy
    ).table
    side = {"_a": "_today", "_b": "_after"}
    summary = summary.rename(
        columns={c: c[:-2] + side[c[-2:]] for c in summary.columns if c[-2:] in side}
    )
    pyogrio.write_dataframe(summary, path, layer="summary")
    if table is not None:
        pyogrio.write_dataframe(table, path, layer="tradeoff")
    return path
