"""The zoning run from start to result: :func:`zone` from scratch and
:func:`rezone` from the current zones.

It decides how the time limit is shared between the stages (LP start,
border moves, CP-SAT on the LP's pairs or the nearest squads, the
neighbourhood search), retries with wider candidates when the model is
proven infeasible, and falls back to the best effort with the reasons.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from planning.progress import Job, ProgressEvent
from planning.zoning.checks import precheck, verify
from planning.zoning.cpsat_model import (
    Outcome,
    kept_status,
    reshape,
    solve_guided,
    solve_ordered,
)
from planning.zoning.graph import contiguous_zones
from planning.zoning.lns import search_neighbourhoods
from planning.zoning.local_search import Balance, balance_moves, repair
from planning.zoning.locks import blocked_locks
from planning.zoning.lp import lp_start, lp_support
from planning.zoning.order import (
    assign_islands,
    attempts,
    order_from_bases,
    order_of_zones,
    with_paths,
)
from planning.zoning.problem import (
    Run,
    as_left,
    cells_of,
    effort,
    id_list,
    is_balanced,
    is_valid,
    prepare_problem,
    with_zoning,
    worst_excess,
)
from planning.zoning.rezone import quick_rebalance, quick_rezone
from planning.zoning.settings import (
    STAGE,
    ZoningInput,
    ZoningResult,
    ZoningSettings,
    tolerance_text,
)
from planning.zoning.starts import ordered_start

# Share of the time left that the balance search gets when a zoning from
# scratch starts outside the band (CP-SAT rarely finds the band from there).
_LNS_BALANCE_SHARE = 0.5
# Share of the time left for the LP start: the LP and the border moves that
# bring it into the band (the LP takes most of it on fine grids).
_LP_START_SHARE = 0.4
# Most of the time left that the LP for CP-SAT's candidates may take.
_LP_SUPPORT_SHARE = 0.15
# Share of the time left after the start that a zoning from scratch keeps
# from the main CP-SAT model for the neighbourhood search.
_LNS_SHARE = 0.4


def _lp_balanced(run: Run, order: np.ndarray, deadline: float) -> np.ndarray | None:
    """The LP start, brought into the band by border moves on true
    contiguity, then re-solves of zone paths. None without an LP."""
    p, fixed, tolerance = run.problem, run.fixed, run.settings.tolerance
    units = lp_start(p, order, fixed, tolerance, deadline, run.cancel)
    if units is None:
        return None
    units = repair(
        p, fixed, run.exempt, units, 0.5 * tolerance, 0.0, 0.9 * tolerance, deadline
    )
    return search_neighbourhoods(run, units, deadline, balance_only=True)


def _run(
    county: ZoningInput,
    settings: ZoningSettings,
    job: Job,
    rezoning: bool,
    permitted: np.ndarray | None = None,
) -> ZoningResult:
    """Shared driver of :func:`zone` and :func:`rezone`.

    Per attempt: a balanced start by local search, then CP-SAT over the
    candidates plus that start. A proven infeasibility moves on to a wider
    candidate set; a start that is balanced stands if CP-SAT finds nothing
    better in time. When no attempt works, a soft-balance model gives the
    best effort and the explanation says why.
    """
    t0 = time.monotonic()
    job.report(ProgressEvent(STAGE, 0.0, "preparing the cell graph"))
    p = prepare_problem(
        county.cells, county.squads, county.policy, settings, county.roads, permitted
    )
    # ``time_limit`` covers the whole call: keep back what the checks and
    # packaging after the search take (and CP-SAT's lag in stopping).
    deadline = t0 + settings.time_limit - _reserve(len(p.cell_ids), settings)
    explanation = list(p.notes)
    base_order = order_from_bases(p)
    island_sq, island_groups = assign_islands(p, base_order)

    fixed = island_sq.copy()
    fixed[p.lock >= 0] = p.lock[p.lock >= 0]
    fixed[p.base] = np.arange(len(p.squad_ids))
    exempt = island_sq >= 0
    held = np.flatnonzero(p.lock >= 0)
    detached = held[base_order[p.lock[held], held] < 0]
    exempt[detached] = True
    run = Run(p, settings, fixed, exempt, deadline, job.progress, job.cancel, t0)
    for u in detached:
        explanation.append(
            f"{p.unit_label[u]} is locked to squad {p.squad_ids[p.lock[u]]}, which "
            "cannot reach it through cells it may serve; kept, but that zone is not "
            "contiguous"
        )
    islands: list[list[str]] = []
    for units in island_groups:
        ids = cells_of(p, units)
        islands.append(ids.tolist())
        explanation.append(
            f"island of {len(ids)} cells ({id_list(ids)}) is cut off from every "
            "squad base it may join; assigned whole to squad "
            f"{p.squad_ids[island_sq[units[0]]]} (least travel), exempt from "
            "contiguity"
        )

    reasons = precheck(p, base_order, fixed, settings)
    hopeless = bool(reasons)
    blocked, walled = blocked_locks(p, fixed, exempt)
    if len(blocked) and rezoning:
        # the planner's locks wall each other off: no solver run helps, so
        # the zones stay as the planner left them until a lock is lifted
        left = Outcome(as_left(p, fixed), "infeasible")
        return _result(run, left, walled + reasons, explanation, islands)
    exempt[blocked] = True  # from scratch: zone the rest, say why this lock is cut
    reasons = walled + reasons
    if rezoning and not hopeless:
        handed: list[str] = []
        quick, valid, conflicts = quick_rezone(
            p, fixed, exempt, settings.tolerance, deadline, handed
        )
        if conflicts:
            outcome = Outcome(quick, "infeasible")
            return _result(run, outcome, conflicts, explanation, islands)
        whole = quick  # zones whole, maybe out of balance: the fallback
        if quick is not None and not valid:
            quick = quick_rebalance(run, quick)
        if quick is not None:
            outcome = Outcome(quick, "feasible")
            return _result(run, outcome, reasons, explanation + handed, islands)
    else:
        whole = None
    tol = settings.tolerance
    outcome: Outcome | None = None
    start = fixed
    # each attempt's order: a start and the order it satisfies, so a later
    # attempt that goes on from a repaired start also solves in its order
    starts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # each order's LP start, tried first (None when there was no LP)
    lp_units: dict[int, np.ndarray | None] = {}
    lp_bound: float | None = None  # set when CP-SAT solves the LP's pairs only
    for label, attempt_order, cand, ls_cand, moves in attempts(
        p, base_order, settings, rezoning
    ):
        if id(attempt_order) not in starts or moves:
            first = None
            if not moves and not hopeless:
                # the LP start first: it balances the county at once, and
                # with less travel than the priced start where work is dense
                now = time.monotonic()
                ls_deadline = now + _LP_START_SHARE * (deadline - now)
                first = _lp_balanced(run, attempt_order, ls_deadline)
                lp_units[id(attempt_order)] = first
            if first is not None and is_valid(p, first, tol, exempt):
                starts[id(attempt_order)] = (first, order_of_zones(p, tol, first)[0])
            else:
                ls_deadline = time.monotonic() + 0.25 * (deadline - time.monotonic())
                grown = ordered_start(
                    p, attempt_order, ls_cand, fixed, exempt, moves, tol, ls_deadline
                )
                starts[id(attempt_order)] = (grown, attempt_order)
        start, order = starts[id(attempt_order)]
        if not is_valid(p, start, tol, exempt) and not hopeless:
            # The order blocks the repair (see repair): balance on true
            # contiguity, then solve in an order the repaired zones satisfy.
            ls_deadline = time.monotonic() + 0.25 * (deadline - time.monotonic())
            aim = 0.9 * tol if moves else 0.5 * tol
            slack, band = (aim, None) if moves else (0.0, 0.9 * tol)
            repaired = repair(p, fixed, exempt, start, aim, slack, band, ls_deadline)
            if not moves and not is_valid(p, repaired, tol, exempt):
                # Chains of single moves stall where cells are coarse next
                # to the deviation left: re-solve paths of whole zones.
                now = time.monotonic()
                ls_deadline = now + _LNS_BALANCE_SHARE * (deadline - now)
                repaired = search_neighbourhoods(
                    run, repaired, ls_deadline, balance_only=True
                )
                # the LP start, if there was one, may have come closer
                other = lp_units.get(id(attempt_order))
                if other is not None:
                    if worst_excess(p, other) < worst_excess(p, repaired):
                        repaired = other
            if worst_excess(p, repaired) < worst_excess(p, start):
                order = order_of_zones(p, tol, repaired)[0]
                start = repaired
                # the next attempt goes on from here
                starts[id(attempt_order)] = (start, order)
        cand = with_zoning(cand, start)
        good = is_valid(p, start, tol, exempt)
        narrow = None
        if good and not moves and not hopeless and lp_bound is None:
            # a balanced start: let CP-SAT move it towards the LP optimum
            now = time.monotonic()
            support = lp_support(
                p, order, fixed, start, tol, now + _LP_SUPPORT_SHARE * (deadline - now)
            )
            if support is not None:
                narrow, lp_bound = support
        cand = with_paths(p, order, cand)
        if hopeless:
            break
        # from scratch, leave part of the time to the zone neighbourhoods
        share = (1.0 if good else 0.6) * (1.0 if moves else 1.0 - _LNS_SHARE)
        if narrow is None:
            out = solve_ordered(
                run, order, cand, start, moves=moves, soft=False, share=share
            )
        else:
            out = solve_guided(run, order, cand, narrow, lp_bound, start, share)
        if out.units is None and good:
            out = Outcome(start, kept_status(out.status))
        if out.units is not None or out.status == "cancelled":
            outcome = out
            break
        if out.status == "unknown":
            reasons.append(
                f"no zoning within ±{tolerance_text(tol)} was found in "
                f"{settings.time_limit:g} s; allow more time or a wider tolerance"
            )
            break
        # CP-SAT proved the distance-ordered model infeasible: that rules out
        # zones grown outward from the bases, not every contiguous zoning
        if label == "every squad":
            reasons.append(
                f"no zoning within ±{tolerance_text(tol)} with zones grown "
                "outward from their bases exists, even when each cell may go to "
                "any squad"
            )
        else:
            reasons.append(
                f"no zoning within ±{tolerance_text(tol)} with zones grown "
                "outward from their bases exists when each cell may only go to "
                f"its {label}"
            )
    if outcome is None:
        share = 1.0 if hopeless else 0.6
        outcome = solve_ordered(
            run, order, cand, start, moves=moves, soft=True, share=share
        )
        if outcome.units is None:
            outcome = Outcome(start, outcome.status)
            explanation.append("the solver found nothing better than the start")
        if not hopeless and outcome.status != "cancelled":
            # On large grids the soft model often ends a hair outside the
            # band; border moves usually finish the job in a second or two,
            # and re-solving paths of zones where cells are coarse.
            aim, soft_units = 0.9 * tol, outcome.units
            goal = Balance(aim, 0.0, None, deadline)
            units = balance_moves(p, order, order >= 0, fixed, exempt, soft_units, goal)
            if not is_balanced(p, units, tol):
                units = repair(p, fixed, exempt, units, aim, 0.0, None, deadline)
            if (
                not moves
                and worst_excess(p, start) < worst_excess(p, units)
                and contiguous_zones(p.adj, start, len(p.squad_ids), exempt).all()
            ):
                units = start  # the balance search got closer than the soft model
            if not moves:
                units = search_neighbourhoods(run, units, deadline)
            if is_valid(p, units, tol, exempt):
                outcome = Outcome(units, "feasible")
            elif effort(p, units, exempt) < effort(p, outcome.units, exempt):
                outcome = Outcome(units, outcome.status)
        if (
            whole is not None
            and not is_valid(p, outcome.units, tol, exempt)
            and worst_excess(p, whole) <= 2 * tol
            and effort(p, whole, exempt) < effort(p, outcome.units, exempt)
        ):
            # the quick repair's whole zones beat what the solver left; not
            # if a zone is far off its target (a big piece handed over): then
            # the planner's own zoning, nearly as left, is the clearer answer
            outcome = Outcome(whole, outcome.status)
    elif not moves and not hopeless and outcome.status != "cancelled":
        # CP-SAT's zones follow the bases' distance order; re-solving
        # adjacent zones on exact contiguity shortens travel further.
        units = search_neighbourhoods(run, outcome.units, deadline)
        if narrow is not None and outcome.status != "optimal":
            units = reshape(run, narrow, lp_bound, units)
        if (units != outcome.units).any() and is_valid(p, units, tol, exempt):
            outcome = Outcome(units, "feasible", outcome.bound)
    return _result(run, outcome, reasons, explanation, islands)


def _reserve(n_cells: int, settings: ZoningSettings) -> float:
    """Seconds kept back from the search for the final checks: about 0.5 s
    on a 10k-cell grid, never more than a twentieth of the time limit."""
    return min(0.05 * settings.time_limit, 0.2 + 3e-5 * n_cells)


def _result(
    run: Run,
    outcome: Outcome,
    reasons: list[str],
    explanation: list[str],
    islands: list[list[str]],
) -> ZoningResult:
    """Verify the zoning independently and package it for the planner."""
    p, settings, t0 = run.problem, run.settings, run.t0
    assign = outcome.units[p.cell_unit]
    island_cells = np.isin(p.cell_ids, [c for group in islands for c in group])
    problems = verify(p, assign, island_cells, settings)
    feasible = not problems
    status = outcome.status
    if status != "cancelled":
        if not feasible:
            status = "infeasible"
        elif status != "optimal":
            status = "feasible"
    if not feasible:
        explanation += reasons
        explanation += problems
    ids = np.array(p.squad_ids, dtype=object)
    assignment = pd.Series(
        np.where(assign >= 0, ids[np.maximum(assign, 0)], None),
        index=pd.Index(p.cell_ids, name="cell_id"),
        name="squad_id",
        dtype=object,
    )
    n = len(assign)
    got = assign >= 0
    travel = p.geo.travel[np.maximum(assign, 0), np.arange(n)]
    objective = float((p.cell_w * travel)[got].sum()) if got.any() else None
    had = p.cur_cell >= 0
    unreachable = pd.DataFrame(
        {
            "cell_id": p.cell_ids[p.unreachable],
            "best_reach_min": p.best_reach[p.unreachable],
        }
    )
    if len(unreachable):
        far = id_list(unreachable["cell_id"].to_numpy())
        explanation.append(
            f"{len(unreachable)} cells are beyond the {settings.reach_minutes:g}-"
            f"minute reach of every base they may join ({far}); they are exempt "
            "from the reach rule"
        )
    return ZoningResult(
        assignment=assignment,
        feasible=feasible,
        status=status,
        objective=objective,
        # the bound holds for the distance-ordered model; the neighbourhood
        # search may beat it with zones that order excludes
        bound=outcome.bound
        if feasible
        and objective is not None
        and outcome.bound is not None
        and outcome.bound <= objective
        else None,
        explanation=explanation,
        unreachable=unreachable,
        islands=islands,
        moved=int((had & (assign != p.cur_cell)).sum()),
        seconds=time.monotonic() - t0,
    )


def _with_barrier_notes(result: ZoningResult, county: ZoningInput) -> ZoningResult:
    """Say in words where a barrier cuts a squad's base off its own cells, or
    cuts an island off from every base."""
    roads = county.roads
    if roads is not None and roads.barriers is not None:
        from planning.roads.context import barrier_notes

        result.explanation.extend(
            barrier_notes(
                county.cells,
                county.squads,
                result.assignment,
                county.policy,
                roads,
                islands=result.islands,
            )
        )
    return result


def zone(
    county: ZoningInput, settings: ZoningSettings = ZoningSettings(), job: Job = Job()
) -> ZoningResult:
    """Zone the county's cells from scratch: contiguous, balanced, compact.

    Locked cells (``locked`` = 1) keep their ``squad_id``; every other input
    ``squad_id`` is ignored (but counted in ``moved``). On infeasible input
    the result holds a best-effort contiguous zoning that misses the
    tolerance as little as it can, and the explanation says why. ``job``
    receives the progress and may cancel: the best zoning so far comes back.
    """
    result = _run(county, settings, job, rezoning=False)
    return _with_barrier_notes(result, county)


def rezone(
    county: ZoningInput,
    settings: ZoningSettings = ZoningSettings(),
    job: Job = Job(),
    permitted: np.ndarray | None = None,
) -> ZoningResult:
    """Repair the current zoning after the planner moved or locked cells.

    Keeps ``county.cells['squad_id']`` and locked cells, and restores
    balance and contiguity with few moves: first a quick local repair
    (detours around cut zones, border moves only out of zones beyond the
    tolerance); if that fails, CP-SAT minimises the cells moved
    (compactness breaks ties) among cells near zone borders, widening the
    band, then the whole grid. ``permitted`` (squads x cells, row order)
    limits which squad may take which cell (see
    :func:`~planning.zoning.problem.prepare_problem`).
    """
    result = _run(county, settings, job, rezoning=True, permitted=permitted)
    return _with_barrier_notes(result, county)
