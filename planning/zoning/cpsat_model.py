"""The CP-SAT model of zoning on the distance order: balance within the band,
minimum workload x travel, the start as a hint.

Built over a reduced candidate set (see :mod:`planning.zoning.order`); a
model that cannot be built in the time left is not started.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from planning.cpsat import Stall, StallWatch, new_solver, solve_watched
from planning.zoning.lns import LNS_STALL_GAIN, search_neighbourhoods
from planning.zoning.order import order_of_zones, widen, with_paths
from planning.zoning.problem import Problem, Run, is_valid, with_zoning

# Integer scale of the total workload in the CP-SAT balance constraints. On
# 50k-cell grids rounding at 1e8 drifted zone loads by ~0.001% (zones a hair
# outside the band); at 1e10 the band shrinks by the worst-case rounding
# total (see :func:`_int_loads`), well under 0.01% of a target.
_LOAD_UNITS = 1e10
# Stop a search whose incumbent has not improved by 0.1% for 5 s and for
# 30% of the search time so far: the rest of the time limit rarely pays.
_STALL = Stall(seconds=5.0, share=0.3, min_gain=0.001)
# Mean integer cost of one candidate pair in the compactness objective.
_COST_UNITS = 1000.0
# Seconds to build and presolve a CP-SAT model, per candidate pair (a little
# above what a large model takes): a model that cannot be built in the time
# left is not started.
_BUILD_SECONDS_PER_PAIR = 2e-5
# When CP-SAT stalls on the LP's pairs, widen them by the squads of the
# neighbouring cells this many times, while this many seconds are left.
_LP_RINGS = 1
_LP_RING_SECONDS = 5.0
# Travel within this share of the LP bound gets no more CP-SAT rounds.
_RESHAPE_GAP = 0.01


def _int_loads(
    p: Problem, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer unit loads and each squad's integer load band [lo, hi]."""
    total = p.w.sum()
    scale = _LOAD_UNITS / total if total > 0 else 0.0
    w_int = np.round(p.w * scale).astype(np.int64)
    # However the units are grouped, integer loads differ from the true ones
    # by at most the summed rounding: shrink the band by it, so a zoning
    # CP-SAT accepts always passes the exact check in :func:`verify`.
    margin = float(np.abs(w_int - p.w * scale).sum())
    t_int = p.target * scale
    lo = np.ceil(t_int * (1 - tolerance) + margin).astype(np.int64)
    hi = np.floor(t_int * (1 + tolerance) - margin).astype(np.int64)
    return w_int, lo, hi


def _lower_bound(
    cpsat_bound: float, to_minutes: float, offset: float, slack: float
) -> float | None:
    """CP-SAT's bound on its integer objective back in the objective's units
    (``/ to_minutes + offset``), less ``slack`` (what rounding the costs to
    integers may have gained), or ``None`` where it says nothing: every cost
    is at least 0, and CP-SAT's first bound is often far below that."""
    bound = cpsat_bound / to_minutes + offset - slack
    return bound if bound > 0 else None


def _reporter(
    run: Run,
    to_minutes: float,
    offset: float,
    slack: float,
    label: str,
    bound: float | None,
) -> Callable[[StallWatch], None]:
    """Reports each incumbent in the objective's units, with the known
    ``bound`` or else CP-SAT's own (see :func:`_lower_bound`), and stops the
    search when cancelled."""

    def report(watch: StallWatch) -> None:
        obj = watch.objective_value / to_minutes + offset
        known = bound
        if known is None:
            known = _lower_bound(watch.best_objective_bound, to_minutes, offset, slack)
        run.report(f"{label}: {obj:,.0f}", obj, known)
        if run.cancelled:
            watch.stop_search()

    return report


@dataclass
class Outcome:
    """What one CP-SAT attempt returned."""

    units: np.ndarray | None
    status: str
    bound: float | None = None


def solve_ordered(
    run: Run,
    order: np.ndarray,
    cand: np.ndarray,
    hint: np.ndarray,
    *,
    moves: bool,
    soft: bool,
    share: float,
    bound: float | None = None,
) -> Outcome:
    """Build and run one CP-SAT model over the candidate pairs.

    ``fixed`` units are constants; ``exempt`` units (islands, detached locks)
    need no path to their base. ``moves`` minimises cells moved from
    ``p.cur`` (tie-break: compactness) instead of compactness; ``soft`` lets
    loads leave the band at a high price, for a best-effort zoning. A given
    ``bound`` (the LP's, when the candidates are too narrow for CP-SAT's
    own bound to hold beyond them) is the one reported. The search gets
    ``share`` of the time left to the run's deadline.
    """
    p, fixed, exempt, settings = run.problem, run.fixed, run.exempt, run.settings
    deadline = run.deadline
    m, n_units = order.shape
    model = cp_model.CpModel()
    free = (fixed < 0) & (p.unit_group >= 0)
    # Units with one candidate are constants: re-zoning leaves most of the
    # grid to its current squad, and a variable per such unit would make the
    # model (and its build time) grid-sized instead of neighbourhood-sized.
    single = free & (cand.sum(axis=0) == 1)
    if single.any():
        fixed = fixed.copy()
        fixed[single] = cand[:, single].argmax(axis=0)
        free &= ~single
    ps, pu = np.nonzero(cand & free[None, :])
    if time.monotonic() + _BUILD_SECONDS_PER_PAIR * len(ps) > deadline:
        # building and presolving alone would overrun the planner's time limit
        return Outcome(None, "unknown")
    xs = [model.new_bool_var("") for _ in range(len(ps))]
    pid = np.full((m, n_units), -1, dtype=np.int64)
    pid[ps, pu] = np.arange(len(ps))

    by_unit = np.argsort(pu, kind="stable")
    cuts = np.flatnonzero(np.diff(pu[by_unit])) + 1
    for group in np.split(by_unit, cuts) if len(ps) else []:
        model.add_exactly_one(xs[i] for i in group)

    src, dst = p.arcs
    for s in range(m):
        k = order[s]
        has = (pid[s] >= 0) | (fixed == s)
        need = ((pid[s] >= 0) | ((fixed == s) & ~exempt)) & (k > 0)
        ok = has[src] & need[dst] & (k[src] >= 0) & (k[src] < k[dst])
        done = np.zeros(n_units, bool)
        done[dst[ok & (fixed[src] == s)]] = True
        lits: dict[int, list[int]] = {}
        arc = ok & ~done[dst]
        for a, b in zip(src[arc].tolist(), dst[arc].tolist(), strict=True):
            lits.setdefault(b, []).append(int(pid[s, a]))
        for b in np.flatnonzero(need & ~done).tolist():
            pre = [xs[i] for i in lits.get(b, [])]
            if fixed[b] == s:
                model.add_bool_or(pre)
            else:
                model.add_bool_or([*pre, ~xs[pid[s, b]]])

    w_int, lo, hi = _int_loads(p, settings.tolerance)
    scale_obj = cand & free[None, :]
    mean_cost = p.cost[scale_obj].mean() if scale_obj.any() else 0.0
    to_minutes = _COST_UNITS / mean_cost if mean_cost > 0 else 1.0
    coef = np.round(p.cost[ps, pu] * to_minutes).astype(np.int64)
    gap = 0
    if moves:
        # Moves first: one moved cell outweighs every tie-break together, and
        # the search stops once no zoning with fewer moves can exist.
        coef = np.round(coef / 100.0).astype(np.int64)
        top = np.zeros(n_units, np.int64)
        np.maximum.at(top, pu, coef)
        gap = int(top.sum())
        to_minutes = 2.0 * gap + 1.0
        counts = np.array([len(c) for c in p.unit_cells])
        moved = (p.cur[pu] >= 0) & (p.cur[pu] != ps)
        coef += np.where(moved, int(to_minutes) * counts[pu], 0)
    terms = [cp_model.LinearExpr.weighted_sum(xs, coef.tolist())]
    slack_units = max(1.0, 0.001 * float(lo[lo > 0].min()) if (lo > 0).any() else 1.0)
    penalty = int(math.ceil((int(coef.max(initial=0)) * n_units + 1) / slack_units))
    for s in range(m):
        const = int(w_int[fixed == s].sum())
        sel = np.flatnonzero(ps == s)
        load = cp_model.LinearExpr.weighted_sum(
            [xs[i] for i in sel], w_int[pu[sel]].tolist()
        )
        if soft:
            over = model.new_int_var(0, int(_LOAD_UNITS), "")
            under = model.new_int_var(0, int(_LOAD_UNITS), "")
            model.add(load + const - over <= int(hi[s]))
            model.add(load + const + under >= int(lo[s]))
            terms.append(penalty * (over + under))
        else:
            model.add_linear_constraint(load, int(lo[s]) - const, int(hi[s]) - const)
    model.minimize(sum(terms))
    for i, (s, u) in enumerate(zip(ps.tolist(), pu.tolist(), strict=True)):
        if hint[u] >= 0:
            model.add_hint(xs[i], hint[u] == s)

    budget = share * (deadline - time.monotonic())
    solver = new_solver(budget, settings.workers, settings.seed)
    # Light presolve: on county grids full probing costs seconds and gains
    # little; the time is better spent in LNS from the hint.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.max_presolve_iterations = 1
    if moves and not soft:
        solver.parameters.absolute_gap_limit = gap
    offset = float(p.cost[fixed[fixed >= 0], np.flatnonzero(fixed >= 0)].sum())
    label = "moves" if moves else "workload x minutes"
    # the moves objective is counted in whole moves, free of rounding
    slack = 0.0 if moves else 0.5 * len(ps) / to_minutes + p.eps_cost.max(axis=0).sum()
    report = _reporter(run, to_minutes, 0.0 if moves else offset, slack, label, bound)
    status = solve_watched(solver, model, StallWatch(_STALL, report), run.cancel)
    cancelled = run.cancelled
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
        return Outcome(None, "cancelled" if cancelled else name)
    units = fixed.copy()
    chosen = np.array([solver.boolean_value(x) for x in xs], dtype=bool)
    units[pu[chosen]] = ps[chosen]
    if bound is None and not moves and not soft:
        bound = _lower_bound(solver.best_objective_bound, to_minutes, offset, slack)
    name = "cancelled" if cancelled else "optimal"
    if not cancelled and status == cp_model.FEASIBLE:
        name = "feasible"
    return Outcome(units, name, bound)


def solve_guided(
    run: Run,
    order: np.ndarray,
    cand: np.ndarray,
    narrow: np.ndarray,
    lp_bound: float,
    start: np.ndarray,
    share: float,
) -> Outcome:
    """CP-SAT from a balanced start, on the LP's pairs first (see
    :func:`lp_support`): a third of the model, and the zoning the start
    must move towards lies inside it.

    Proven optimal there with time to spare (small grids), the full
    candidate model goes on from that zoning with CP-SAT's own bound. When it
    stalls instead (county grids), the pairs are widened by the squads of
    neighbouring cells and solved once more; the LP's bound is reported.
    """

    p = run.problem

    def solve(c: np.ndarray, hint: np.ndarray, bound: float | None) -> Outcome:
        cand = with_paths(p, order, c)
        return solve_ordered(
            run, order, cand, hint, moves=False, soft=False, share=share, bound=bound
        )

    out = solve(narrow, start, lp_bound)
    if out.units is None:
        return out
    units = out.units
    if out.status == "optimal":
        wide = solve(with_zoning(cand, units), units, None)
        if wide.units is not None:
            return wide
        return Outcome(units, kept_status(wide.status), lp_bound)
    wide = narrow
    for _ in range(_LP_RINGS):
        left = run.deadline - time.monotonic()
        if out.status == "cancelled" or left < _LP_RING_SECONDS:
            break
        wide = with_zoning(widen(p, wide, order), out.units)
        again = solve(wide, out.units, lp_bound)
        if again.units is None:
            break
        out = again
    return Outcome(out.units, kept_status(out.status), lp_bound)


def reshape(
    run: Run, narrow: np.ndarray, lp_bound: float, units: np.ndarray
) -> np.ndarray:
    """CP-SAT and zone neighbourhoods again, in the order of the zones as
    they now are, while each round lowers travel and time is left.

    When both stall, seconds of the limit are often left. CP-SAT stalled
    in the order of the start: a zone only grows outward in it, so cells it
    gained cannot carry a path to cells it kept. In the order of the zones
    the neighbourhoods left, it reshapes them again, and the seconds left
    buy a little less travel.
    """
    p, tolerance = run.problem, run.settings.tolerance
    cols = np.arange(p.n_units)

    def cost(z: np.ndarray) -> float:
        """Workload x minutes, as the LP bound counts them."""
        got = z >= 0
        return float((p.cost - p.eps_cost)[z[got], cols[got]].sum())

    while run.deadline - time.monotonic() >= _LP_RING_SECONDS:
        if run.cancelled:
            break
        before = cost(units)
        if before <= (1 + _RESHAPE_GAP) * lp_bound:
            break  # too close to the bound to be worth a round's seconds
        order = order_of_zones(p, tolerance, units)[0]
        cand = with_paths(p, order, with_zoning(widen(p, narrow, order), units))
        out = solve_ordered(
            run, order, cand, units, moves=False, soft=False, share=1.0, bound=lp_bound
        )
        if out.units is None or not is_valid(p, out.units, tolerance, run.exempt):
            break
        after = cost(out.units)
        if after > before * (1 - LNS_STALL_GAIN):
            if after < before:
                units = out.units
            break
        units = search_neighbourhoods(run, out.units, run.deadline)
    return units


def kept_status(status: str) -> str:
    """Status of a zoning kept after a later solve: cancelled or feasible."""
    return "cancelled" if status == "cancelled" else "feasible"
