"""Street patrol loops from hotspot intensity: a prize-collecting VRPTW.

For each zone (squad) and each peak window of each workday, a patrol leaves
the squad base, visits patrol points (hotspot cell centres) and is back
within a time budget that includes the dwell at each point. A point's prize
is the expected severity-weighted events in that cell in that window
(:mod:`planning.hotspots`), so a loop collects as many expected events as
the budget allows: a prize-collecting routing problem solved with OR-Tools
(disjunction penalty = prize, a time dimension capped by the budget).

Over the week the loops are planned one after another (day 1 window 1, day
1 window 2, ...). A hotspot cell above ``threshold`` still covered fewer
than ``min_coverage`` times gets a bonus prize, so some loop takes it; an
optional ``repeat_decay`` discounts points already visited that week (off
by default: a market's events recur every day, so revisiting it pays).
Cells no loop can serve (beyond the 1530 reach, or whose round trip plus
dwell exceeds the budget) are never promised; they are listed in
``PatrolResult.unreachable`` with the reason.

:func:`solve_pc_vrptw` is the generic engine also run by
``benchmarks/patrols.py`` on the public PCVRPTW instances. It has two
modes, chosen by ``PatrolSettings.engine`` / ``main.py patrols --engine``:

* ``"ortools"`` (default, core dependency): OR-Tools routing with
  disjunction penalties = prizes, candidate pruning, prize annealing or a
  prize-aware insertion start, guided local search.
* ``"pyvrp"`` (optional, ``pip install pyvrp``): the same pruned instance
  solved by PyVRP's iterated local search (optional clients with prizes),
  with a shorter late-acceptance history than PyVRP's default so that a
  60 s run converges further.

Both return the cost and feasibility as checked by
:func:`planning.vrplib.evaluate`. On the GH1000 benchmark at 60 s the
``pyvrp`` mode is the one within 1 % of the best-known solutions on
average; OR-Tools is close on the clustered / random instances but stays
far off on RC2-type instances (long horizon, ~600 of 1,000 clients worth
visiting), where its local search cannot re-shape 15 long routes in a
minute. On the county's patrol loops (one vehicle, <= 120 points, 0.2 s
each) both modes collect the same expected events (see the benchmark), so
OR-Tools stays the default and PyVRP an optional extra.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from planning.hotspots import Intensity, estimate_intensity
from planning.model import WGS84, Scenario, hhmm_to_min
from planning.progress import Job, ProgressEvent
from planning.roads.context import scenario_travel
from planning.travel import metric_crs, metric_xy
from planning.vrplib import PcVrptwInstance, evaluate

NO_ROAD_MIN = 10_000.0
PRIZE_PER_EVENT = 36_000
"""Prize of one expected event in travel seconds: 10 h, so loops maximise
events first and only then shorten travel."""


def _build_model(
    inst: PcVrptwInstance, vehicles: int, prize_scale: float
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel]:
    n = inst.n_nodes
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = np.asarray(inst.distance, dtype=np.int64)
    routing.SetArcCostEvaluatorOfAllVehicles(
        routing.RegisterTransitMatrix(dist.tolist())
    )
    horizon = int(inst.windows[0, 1])
    time_cb = routing.RegisterTransitMatrix(
        (dist + inst.service[:, None].astype(np.int64)).tolist()
    )
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        index = manager.NodeToIndex(node)
        early, late = int(inst.windows[node, 0]), int(inst.windows[node, 1])
        time_dim.CumulVar(index).SetRange(early, min(late, horizon))
        routing.AddDisjunction([index], int(round(inst.prize[node] * prize_scale)))
    for v in range(vehicles):
        for index in (routing.Start(v), routing.End(v)):
            time_dim.CumulVar(index).SetRange(int(inst.windows[0, 0]), horizon)
    if inst.demand.any():
        load_cb = routing.RegisterUnaryTransitVector(inst.demand.tolist())
        routing.AddDimensionWithVehicleCapacity(
            load_cb, 0, [int(inst.capacity)] * vehicles, True, "load"
        )
    return manager, routing


def _routes_of(
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    solution: pywrapcp.Assignment,
) -> list[list[int]]:
    routes = []
    for v in range(routing.vehicles()):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(nodes)
    return routes


_HEAVY_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_shortest_path_swap_active",
    "use_swap_active_chain",
    "use_shortest_path_two_opt",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_relocate_expensive_chain",
    "use_lin_kernighan",
)
"""Operators switched off on large unpruned instances (see
:func:`solve_pc_vrptw`): on RC2_10_1 at 60 s they cost more time than
they gain (gap 15.2 % with, 13.0 % without)."""


def _params(
    seconds: float, first: bool, lean: bool = False
) -> pywrapcp.RoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    if first:
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
        )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    if lean:
        for name in _HEAVY_OPERATORS:
            setattr(
                params.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE
            )
    params.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    return params


def _candidates(inst: PcVrptwInstance, reach_ratio: float) -> np.ndarray:
    """Clients a profitable route can plausibly visit (depot first).

    A route's prize is at most the capacity-bounded fractional knapsack of
    prizes, and an optimal route never costs more than it collects, so a
    client with ``d(0,i) + d(i,0) > bound`` is never visited (exact at
    ``reach_ratio = 1``). Routes rarely collect that much, so the default
    0.7 cuts harder; the discarded clients are far from the depot and
    their prize cannot pay the way there. Clients whose window cannot be
    reached from the depot and back are dropped too.
    """
    d0 = inst.distance[0].astype(float)
    ratio = inst.prize / np.maximum(inst.demand, 1)
    bound, load = 0.0, 0
    for i in np.argsort(-ratio[1:], kind="stable") + 1:
        q = int(inst.demand[i])
        if load + q <= inst.capacity:
            load += q
            bound += float(inst.prize[i])
        else:
            bound += float(inst.prize[i]) * (inst.capacity - load) / max(q, 1)
            break
    back = inst.distance[:, 0]
    arrive = np.maximum(inst.distance[0], inst.windows[:, 0])
    ok = (d0 + back <= reach_ratio * bound) & (arrive <= inst.windows[:, 1])
    ok &= arrive + inst.service + back <= inst.windows[0, 1]
    ok[0] = True
    return np.flatnonzero(ok)


def _subset(inst: PcVrptwInstance, keep: np.ndarray) -> PcVrptwInstance:
    return replace(
        inst,
        distance=inst.distance[np.ix_(keep, keep)],
        service=inst.service[keep],
        windows=inst.windows[keep],
        prize=inst.prize[keep],
        demand=inst.demand[keep],
    )


_UNPRUNED = 0.9
"""Candidate share above which pruning counts as ineffective."""
_LARGE = 200
"""Candidates above which the insertion start replaces prize annealing."""
_INSERTION_GRID = ((1.0, 0.0), (1.3, 0.0), (1.6, 0.0), (2.0, 0.0), (1.3, 0.3))
"""(prize scale, empty-route detour scale) pairs tried for the start."""


def _insertion_routes(
    inst: PcVrptwInstance, vehicles: int, prize_scale: float, open_scale: float
) -> list[list[int]]:
    """Parallel cheapest insertion with prizes, in numpy.

    Repeatedly inserts the client whose cheapest feasible detour minus its
    (scaled) prize is most negative; the detour into an empty route counts
    ``open_scale`` times, so routes get seeded although a lone client never
    pays for its round trip (what stalls OR-Tools' own insertions). Time
    windows are checked with forward start times and backward latest
    starts; only the route that changed is re-evaluated after an insertion.
    """
    d = inst.distance.astype(np.int64)
    n = len(d)
    early = inst.windows[:, 0].astype(np.int64)
    late = inst.windows[:, 1].astype(np.int64)
    serve = inst.service.astype(np.int64)
    demand = inst.demand.astype(np.int64)
    horizon = int(late[0])
    prize = inst.prize.astype(float) * prize_scale
    routes: list[list[int]] = [[] for _ in range(vehicles)]
    loads = np.zeros(vehicles, dtype=np.int64)
    start0 = np.maximum(d[0] + early[0], early)
    free = (start0 <= late) & (start0 + serve + d[:, 0] <= horizon)
    free[0] = False
    best = np.full((n, vehicles), np.inf)
    pos = np.zeros((n, vehicles), dtype=np.int64)
    cols = np.arange(n)

    def update(r: int) -> None:
        seq = [0, *routes[r], 0]
        m = len(seq)
        start = np.zeros(m, dtype=np.int64)
        start[0] = early[0]
        for k in range(1, m):
            a, b = seq[k - 1], seq[k]
            start[k] = max(start[k - 1] + serve[a] + d[a, b], early[b])
        latest = np.zeros(m, dtype=np.int64)
        latest[-1] = horizon
        for k in range(m - 2, -1, -1):
            a, b = seq[k], seq[k + 1]
            own = late[a] if k else horizon
            latest[k] = min(own, latest[k + 1] - serve[a] - d[a, b])
        p, q = np.array(seq[:-1]), np.array(seq[1:])
        arrive = (start[:-1] + serve[p])[:, None] + d[p]
        begin = np.maximum(arrive, early[None, :])
        ok = arrive <= late[None, :]
        ok &= begin + serve[None, :] + d[:, q].T <= latest[1:, None]
        ok &= (loads[r] + demand <= inst.capacity)[None, :]
        cost = (d[p] + d[:, q].T - d[p, q][:, None]).astype(float)
        if not routes[r]:
            cost *= open_scale
        cost = np.where(ok, cost - prize[None, :], np.inf)
        k = np.argmin(cost, axis=0)
        best[:, r] = cost[k, cols]
        pos[:, r] = k

    def refresh_empty() -> None:
        empty = [k for k in range(vehicles) if not routes[k]]
        if empty:
            update(empty[0])
            best[:, empty] = best[:, empty[:1]]
            pos[:, empty] = pos[:, empty[:1]]

    refresh_empty()
    while True:
        masked = np.where(free[:, None], best, np.inf)
        u, r = np.unravel_index(np.argmin(masked), masked.shape)
        if not masked[u, r] < 0:
            break
        was_empty = not routes[r]
        routes[r].insert(int(pos[u, r]), int(u))
        free[u] = False
        loads[r] += demand[u]
        update(int(r))
        if was_empty:
            refresh_empty()
    return routes


ENGINES = ("ortools", "pyvrp")
"""Engines of :func:`solve_pc_vrptw` (``PatrolSettings.engine``)."""


def solve_pc_vrptw(
    instance: PcVrptwInstance,
    time_limit: float,
    *,
    engine: str = "ortools",
    seed: int = 0,
    reach_ratio: float = 0.7,
    prize_schedule: tuple[float, ...] = (3.0, 1.5, 1.0),
    phase_share: tuple[float, ...] = (0.15, 0.15, 0.7),
) -> tuple[int, list[list[int]], bool]:
    """Prize-collecting VRPTW; cost = distance + lost prizes.

    ``engine`` is ``"ortools"`` (below) or ``"pyvrp"``
    (:func:`_solve_pyvrp`, optional: ``pip install pyvrp``); both prune
    candidates with ``reach_ratio`` and both return the cost and
    feasibility as checked by :func:`planning.vrplib.evaluate`, never the
    engine's own figure. ``seed`` only matters to PyVRP.

    OR-Tools engine:

    Plain OR-Tools on such instances stalls at "visit nobody": a lone
    client never pays for its round trip, so insertion and local search
    refuse the first step. Hence three measures, each worth several % of
    gap on the GH1000-based benchmark:

    * candidate pruning (:func:`_candidates`) shrinks 1,000 clients to the
      ~250-600 a profitable route can reach, which speeds local search ~4x;
    * prize annealing: solve with prizes x3, then x1.5, then the true
      prizes, each phase starting from the previous routes, so routes form
      first and unprofitable visits are then dropped one by one;
    * no more vehicles than the candidates' demand needs (empty vehicles
      only enlarge every neighbourhood);
    * when pruning removes almost nothing (RC2-type: long horizon, large
      capacity) annealing is skipped: the search starts from the best of a
      few prize-aware insertions (:func:`_insertion_routes`) at the true
      prizes. Annealing at x3 there commits ~800 visits on poor routes
      that local search cannot repair within a minute (108 % gap). The
      heavy LNS / chain operators (``_HEAVY_OPERATORS``) are switched off
      there too.

    What limits OR-Tools on RC2-type instances: every accepted move costs
    ~20-25 ms of propagation on 1,000 nodes and 20 vehicles (~40 moves/s),
    so the search reaches a local optimum ~15 % above the BKS after ~8 s
    and guided local search hardly leaves it; restricting operator
    neighbours (``ls_operator_neighbors_ratio``) or simulated annealing
    changed nothing. Use ``engine="pyvrp"`` for such instances.

    Every phase is scored by its true cost with
    :func:`planning.vrplib.evaluate` and the best feasible routes are kept
    (never worse than visiting nobody).

    Matrices go in as ``RegisterTransitMatrix`` tables (no Python callback
    per arc); the metaheuristic is guided local search. Returns the cost
    and feasibility as checked by :func:`planning.vrplib.evaluate` and the
    routes as lists of node numbers (depot = 0).
    """
    if engine == "pyvrp":
        return _solve_pyvrp(instance, time_limit, seed=seed, reach_ratio=reach_ratio)
    if engine != "ortools":
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    deadline = time.monotonic() + time_limit
    keep = _candidates(instance, reach_ratio)
    sub = _subset(instance, keep)
    n_veh = instance.vehicles
    if sub.demand.any():
        need = int(np.ceil(sub.demand.sum() / max(1, sub.capacity)))
        n_veh = max(1, min(n_veh, need))
    best_cost, best_routes = evaluate(instance, [])[0], []

    def consider(routes: list[list[int]] | None) -> None:
        nonlocal best_cost, best_routes
        out = [[int(keep[i]) for i in r] for r in routes or [] if r]
        cost, ok = evaluate(instance, out)
        if ok and cost < best_cost:
            best_cost, best_routes = cost, out

    routes: list[list[int]] | None = None
    lean = False
    if len(keep) > _UNPRUNED * instance.n_nodes and len(keep) > _LARGE:
        # Nothing to prune (long horizon, large capacity): annealing from
        # inflated prizes commits hundreds of visits on poor routes that
        # local search cannot repair in time. Start instead from the best
        # prize-aware insertion and search at the true prizes only.
        starts = [_insertion_routes(sub, n_veh, p, o) for p, o in _INSERTION_GRID]
        costs = [evaluate(sub, r)[0] for r in starts]
        routes = starts[int(np.argmin(costs))]
        consider(routes)
        prize_schedule, phase_share = (1.0,), (1.0,)
        lean = True
    for scale, share in zip(prize_schedule, phase_share, strict=True):
        left = deadline - time.monotonic()
        if left <= 0 and routes is not None:
            break
        manager, routing = _build_model(sub, n_veh, scale)
        params = _params(max(0.05, min(left, share * time_limit)), routes is None, lean)
        if routes is None:
            sol = routing.SolveWithParameters(params)
        else:
            routing.CloseModelWithParameters(params)
            start = routing.ReadAssignmentFromRoutes(routes, True)
            sol = routing.SolveFromAssignmentWithParameters(start, params)
        if sol is not None:
            routes = _routes_of(manager, routing, sol)
            consider(routes)
    return best_cost, best_routes, True


class _Deadline:
    """PyVRP stopping criterion at an absolute ``time.monotonic()`` instant.

    Unlike ``MaxRuntime`` it counts model building and PyVRP's initial
    local search too, so the whole call respects ``time_limit``.
    """

    def __init__(self, deadline: float):
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self.deadline


_PYVRP_SMALL = 150
"""Candidates up to which PyVRP also stops after ``_PYVRP_PATIENCE``
non-improving iterations (a patrol loop need not burn its whole budget)."""
_PYVRP_PATIENCE = 200
"""On the sample county's 105 loops (<= 120 points, 0.2 s each) patience
200, 500 and 1,000 collect the same 71.04 expected events in 4.6, 12.1
and 20.6 s (OR-Tools: 71.0 events in 21.9 s)."""


def _pyvrp_data(inst: PcVrptwInstance):  # -> pyvrp.ProblemData
    """``inst`` as PyVRP data: optional clients with prizes, one depot.

    Locations keep the node numbers (depot 0, client ``i`` at location
    ``i``, so client index ``i - 1``); distance is also the duration; the
    depot's window bounds the vehicles' shifts; demand becomes a delivery
    load dimension only when any client has demand.
    """
    import pyvrp

    n = inst.n_nodes
    loaded = bool(inst.demand.any())
    w = inst.windows.astype(np.int64)
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[int(inst.demand[i])] if loaded else [],
            service_duration=int(inst.service[i]),
            tw_early=int(w[i, 0]),
            tw_late=int(w[i, 1]),
            prize=int(inst.prize[i]),
            required=False,
        )
        for i in range(1, n)
    ]
    dist = np.array(inst.distance, dtype=np.int64)
    np.fill_diagonal(dist, 0)
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in range(n)],
        clients=clients,
        depots=[pyvrp.Depot(location=0, tw_early=int(w[0, 0]), tw_late=int(w[0, 1]))],
        vehicle_types=[
            pyvrp.VehicleType(
                num_available=int(inst.vehicles),
                capacity=[int(inst.capacity)] if loaded else [],
                tw_early=int(w[0, 0]),
                tw_late=int(w[0, 1]),
            )
        ],
        distance_matrices=[dist],
        duration_matrices=[dist],
        groups=[],
    )


_PYVRP_HISTORY = 100
"""Late-acceptance history of PyVRP's iterated local search (default 300).

A shorter history accepts fewer worse solutions, so a run converges
faster; on RC2_10_1 at 60 s (two seeds each) 300 gave 1.29 / 1.33 % above
the BKS, 100 gave 0.58 / 1.16 %, 50 gave 2.14 / 1.69 %. Fewer neighbours
(20-40 instead of 50) or a higher wait-time weight did not help."""


def _pyvrp_params():  # -> pyvrp.SolveParams
    """PyVRP's defaults except the late-acceptance history."""
    from pyvrp import SolveParams
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams

    return SolveParams(ils=IteratedLocalSearchParams(history_length=_PYVRP_HISTORY))


def _solve_pyvrp(
    instance: PcVrptwInstance, time_limit: float, *, seed: int, reach_ratio: float
) -> tuple[int, list[list[int]], bool]:
    """PyVRP's iterated local search on the pruned instance.

    The same candidate pruning as the OR-Tools engine (:func:`_candidates`)
    roughly doubles PyVRP's iterations per second on the GH1000 instances
    and is worth most of its lead over a plain ``pyvrp.solve`` of the whole
    file. The stop is an absolute deadline (:class:`_Deadline`); small
    instances also stop after ``_PYVRP_PATIENCE`` non-improving iterations.
    Routes are mapped back to the instance's node numbers and scored with
    :func:`planning.vrplib.evaluate`; should PyVRP's best be infeasible
    there, visiting nobody is returned.
    """
    deadline = time.monotonic() + time_limit
    try:
        import pyvrp
        from pyvrp.stop import MultipleCriteria, NoImprovement
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "patrol engine 'pyvrp' needs the pyvrp package: pip install pyvrp"
        ) from exc

    empty = evaluate(instance, [])[0]
    keep = _candidates(instance, reach_ratio)
    if len(keep) <= 1:
        return empty, [], True
    data = _pyvrp_data(_subset(instance, keep))
    stop = _Deadline(deadline)
    if len(keep) <= _PYVRP_SMALL:
        stop = MultipleCriteria([stop, NoImprovement(_PYVRP_PATIENCE)])
    best = pyvrp.solve(
        data, stop=stop, seed=seed, params=_pyvrp_params(), display=False
    ).best
    routes = [
        [
            int(keep[act.idx + 1])
            for act in route.schedule()
            if act.type == pyvrp.ActivityType.CLIENT
        ]
        for route in best.routes()
    ]
    routes = [r for r in routes if r]
    cost, ok = evaluate(instance, routes)
    if not ok or cost > empty:
        return empty, [], True
    return cost, routes, True


@dataclass(frozen=True)
class PatrolSettings:
    """What a planner sets for street patrols.

    Parameters
    ----------
    windows
        Daily peak windows ``(start, end)`` as ``HH:MM``: morning market,
        lunch, evening street trading by default.
    days
        Workdays of the weekly template (1 = Monday).
    budget_minutes
        Length of one loop, travel plus dwell.
    dwell_minutes
        Time spent at each patrol point.
    reach_minutes
        Optional 1530 reach: max travel minutes from base to a point.
    min_coverage
        Visits per week every hotspot cell above ``threshold`` should get.
    threshold
        Expected weighted events per week that make a cell a hotspot cell.
    min_rate
        Cells below this weekly rate are not patrol points at all.
    max_points
        Most promising candidate points per zone and window, for speed.
    repeat_decay
        Prize factor per earlier visit of the same point in the week
        (< 1 spreads loops over more cells at the cost of expected events).
    time_limit
        Solver seconds per loop.
    engine
        ``"ortools"`` (default) or ``"pyvrp"`` (optional package, ``pip
        install pyvrp``); see :func:`solve_pc_vrptw`.
    """

    windows: tuple[tuple[str, str], ...] = (
        ("07:00", "09:00"),
        ("11:00", "13:00"),
        ("17:00", "20:00"),
    )
    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    budget_minutes: float = 90.0
    dwell_minutes: float = 10.0
    reach_minutes: float | None = None
    min_coverage: int = 1
    threshold: float = 2.0
    min_rate: float = 0.2
    max_points: int = 120
    repeat_decay: float = 1.0
    time_limit: float = 0.2
    engine: str = "ortools"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(
                f"unknown patrol engine {self.engine!r}; expected one of {ENGINES}"
            )


@dataclass
class PatrolResult:
    """Loops (LineString per loop) and their ordered points.

    ``loops``: loop_id, squad_id, day (weekday 1-5), window (``HH:MM-HH:MM``),
    minutes, expected_events, points. ``points``: loop_id, seq, cell_id,
    expected_events, event_types (``;``-joined top types), minutes (dwell
    plus the travel leg into the point; the last point also carries the way
    back). ``unreachable``: cell_id, squad_id, reason for hotspot cells no
    loop may serve. ``horizon_weeks`` scales the weekly template to the
    planning horizon in :func:`patrol_cell_minutes`.
    """

    loops: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    unreachable: pd.DataFrame
    horizon_weeks: float = 1.0


def window_label(window: tuple[str, str]) -> str:
    """``("07:00", "09:00")`` -> ``"07:00-09:00"``."""
    return f"{window[0]}-{window[1]}"


@dataclass
class _Zone:
    squad_id: str
    base: np.ndarray
    cells: pd.Index
    xy: np.ndarray
    minutes_from_base: np.ndarray
    minutes: np.ndarray


def _finite(minutes: np.ndarray) -> np.ndarray:
    """Road minutes with legs no road makes longer than any patrol window
    (the loop solver needs numbers; such a point is never chosen next)."""
    return np.where(np.isfinite(minutes), minutes, NO_ROAD_MIN)


def _zones(scenario: Scenario) -> list[_Zone]:
    """Cells per squad (``squad_id``, else nearest base) and travel minutes."""
    cells = scenario.cells.reset_index(drop=True)
    crs = metric_crs(cells)
    xy = metric_xy(cells, crs)
    squads = scenario.squads.reset_index(drop=True)
    base_xy = metric_xy(squads, crs)
    owner = cells["squad_id"] if "squad_id" in cells.columns else None
    if owner is None or owner.isna().all():
        d = np.hypot(
            xy[:, None, 0] - base_xy[None, :, 0], xy[:, None, 1] - base_xy[None, :, 1]
        )
        owner = squads["squad_id"].iloc[d.argmin(axis=1)].reset_index(drop=True)
    travel = scenario_travel(scenario)
    speed = travel.speed(cells["land_use"].to_numpy())
    zones = []
    for k, squad_id in enumerate(squads["squad_id"]):
        mask = (owner == squad_id).to_numpy()
        if not mask.any():
            continue
        pxy, pspeed = xy[mask], speed[mask]
        nearest = np.hypot(*(xy - base_xy[k]).T).argmin()
        bspeed = speed[nearest : nearest + 1]
        zones.append(
            _Zone(
                squad_id=str(squad_id),
                base=base_xy[k],
                cells=pd.Index(cells["cell_id"].astype(str)[mask]),
                xy=pxy,
                minutes_from_base=travel.minutes(
                    base_xy[k : k + 1], pxy, bspeed, pspeed
                )[0],
                minutes=_finite(travel.minutes(pxy, pxy, pspeed, pspeed)),
            )
        )
    return zones


def _loop_instance(
    zone: _Zone, pick: np.ndarray, prize: np.ndarray, settings: PatrolSettings
) -> PcVrptwInstance:
    """One loop as a 1-vehicle PC-VRPTW in seconds (node 0 = base)."""
    n = len(pick) + 1
    minutes = np.zeros((n, n))
    minutes[0, 1:] = zone.minutes_from_base[pick]
    minutes[1:, 0] = zone.minutes_from_base[pick]
    minutes[1:, 1:] = zone.minutes[np.ix_(pick, pick)]
    budget = int(settings.budget_minutes * 60)
    service = np.full(n, int(settings.dwell_minutes * 60))
    service[0] = 0
    windows = np.zeros((n, 2), dtype=np.int64)
    windows[:, 1] = budget
    return PcVrptwInstance(
        name=f"{zone.squad_id}",
        distance=np.ceil(minutes * 60).astype(np.int64),
        service=service.astype(np.int64),
        windows=windows,
        prize=np.concatenate([[0], np.round(prize * PRIZE_PER_EVENT)]).astype(np.int64),
        demand=np.zeros(n, dtype=np.int64),
        capacity=0,
        vehicles=1,
    )


def _reachable(zone: _Zone, settings: PatrolSettings) -> tuple[np.ndarray, np.ndarray]:
    """Boolean mask of servable cells and the reason for the others."""
    out = zone.minutes_from_base
    loop = out * 2 + settings.dwell_minutes
    ok = loop <= settings.budget_minutes
    reason = np.where(
        ok,
        "",
        [
            f"round trip {m:.0f} min + {settings.dwell_minutes:.0f} min dwell "
            f"exceeds the {settings.budget_minutes:.0f}-minute budget"
            for m in 2 * out
        ],
    )
    if settings.reach_minutes is not None:
        far = out > settings.reach_minutes
        reason = np.where(
            far,
            [
                f"{m:.0f} min from the base, beyond the "
                f"{settings.reach_minutes:.0f}-minute 1530 reach"
                for m in out
            ],
            reason,
        )
        ok &= ~far
    return ok, reason


def _loop_minutes(inst: PcVrptwInstance, route: list[int]) -> list[float]:
    """Minutes per stop: dwell + leg into it (+ the way back for the last)."""
    legs = []
    prev = 0
    for node in route:
        legs.append((inst.distance[prev, node] + inst.service[node]) / 60)
        prev = node
    if legs:
        legs[-1] += inst.distance[prev, 0] / 60
    return legs


def plan_patrols(
    scenario: Scenario,
    settings: PatrolSettings = PatrolSettings(),
    job: Job = Job(),
    intensity: Intensity | None = None,
) -> PatrolResult:
    """Weekly patrol loops per zone and peak window (see module docstring).

    ``intensity`` may be passed to reuse an estimate; by default it is
    computed from the scenario's hotspots at the horizon start. On cancel
    the loops planned so far are returned.
    """
    intensity = intensity or estimate_intensity(scenario)
    zones = _zones(scenario)
    windows = [
        (hhmm_to_min(a), hhmm_to_min(b), window_label((a, b)))
        for a, b in settings.windows
    ]
    total = max(1, len(zones) * len(settings.days) * len(windows))
    weekly = intensity.weekly
    loop_rows, point_rows, unreachable = [], [], []
    done = 0
    for zone in zones:
        ok, reason = _reachable(zone, settings)
        rate = weekly.reindex(zone.cells).to_numpy()
        hot = rate >= settings.threshold
        for i in np.flatnonzero(hot & ~ok):
            unreachable.append((zone.cells[i], zone.squad_id, reason[i]))
        needy = hot & ok
        visits = np.zeros(len(zone.cells), dtype=int)
        for day in settings.days:
            for start, end, label in windows:
                if job.cancelled:
                    return _result(loop_rows, point_rows, unreachable, scenario)
                value = intensity.window_events(start, end, (day - 1,))
                value = value.reindex(zone.cells).to_numpy()
                prize = value * settings.repeat_decay**visits
                bonus = needy & (visits < settings.min_coverage)
                prize = prize + np.where(bonus, rate / 7.0 + 1.0, 0.0)
                cand = np.flatnonzero(ok & ((rate >= settings.min_rate) | bonus))
                cand = cand[np.argsort(-prize[cand], kind="stable")][
                    : settings.max_points
                ]
                if len(cand):
                    inst = _loop_instance(zone, cand, prize[cand], settings)
                    _, route, _ = solve_pc_vrptw(
                        inst, settings.time_limit, engine=settings.engine
                    )
                    route = route[0] if route else []
                else:
                    route = []
                if route:
                    loop_id = f"{zone.squad_id}-D{day}-{label.replace(':', '')}"
                    legs = _loop_minutes(inst, route)
                    picked = cand[np.array(route) - 1]
                    visits[picked] += 1
                    for seq, (i, m) in enumerate(zip(picked, legs, strict=True), 1):
                        cell = zone.cells[i]
                        point_rows.append(
                            {
                                "loop_id": loop_id,
                                "seq": seq,
                                "cell_id": cell,
                                "expected_events": float(value[i]),
                                "event_types": ";".join(intensity.top_types(cell)),
                                "minutes": float(m),
                                "xy": tuple(zone.xy[i]),
                            }
                        )
                    loop_rows.append(
                        {
                            "loop_id": loop_id,
                            "squad_id": zone.squad_id,
                            "day": day,
                            "window": label,
                            "minutes": float(sum(legs)),
                            "expected_events": float(value[picked].sum()),
                            "points": len(route),
                            "base": tuple(zone.base),
                        }
                    )
                done += 1
                job.report(
                    ProgressEvent(
                        "patrols", done / total, f"{zone.squad_id} D{day} {label}"
                    )
                )
    return _result(loop_rows, point_rows, unreachable, scenario)


def _result(
    loop_rows: list[dict],
    point_rows: list[dict],
    unreachable: list[tuple[str, str, str]],
    scenario: Scenario,
) -> PatrolResult:
    crs = metric_crs(scenario.cells)
    points = pd.DataFrame(
        point_rows,
        columns=[
            "loop_id",
            "seq",
            "cell_id",
            "expected_events",
            "event_types",
            "minutes",
            "xy",
        ],
    )
    pgeom = shapely.points([p for p in points["xy"]]) if len(points) else []
    points_gdf = gpd.GeoDataFrame(
        points.drop(columns="xy"), geometry=gpd.GeoSeries(pgeom, crs=crs)
    ).to_crs(WGS84)
    loops = pd.DataFrame(
        loop_rows,
        columns=[
            "loop_id",
            "squad_id",
            "day",
            "window",
            "minutes",
            "expected_events",
            "points",
            "base",
        ],
    )
    travel = scenario_travel(scenario)
    by_road = getattr(travel, "by_road", False)
    lines = []
    for row in loops.itertuples():
        stops = [p for p in points.loc[points["loop_id"] == row.loop_id, "xy"]]
        path = [row.base, *stops, row.base]
        # by road the loop is drawn along the roads it drives (access legs in)
        lines.append(
            travel.route(np.array(path)) if by_road else shapely.LineString(path)
        )
    loops_gdf = gpd.GeoDataFrame(
        loops.drop(columns="base"), geometry=gpd.GeoSeries(lines, crs=crs)
    ).to_crs(WGS84)
    return PatrolResult(
        loops=loops_gdf,
        points=points_gdf,
        unreachable=pd.DataFrame(
            unreachable, columns=["cell_id", "squad_id", "reason"]
        ),
        horizon_weeks=len(scenario.horizon.workdays()) / 5.0,
    )


def patrol_cell_minutes(result: PatrolResult) -> pd.Series:
    """Patrol minutes per cell over the horizon (weekly loops x weeks).

    Each stop carries its dwell and the travel leg into it, so the sum over
    cells equals the loops' minutes; the lead adds it to the zoning workload.
    """
    minutes = result.points.groupby("cell_id")["minutes"].sum()
    return (minutes * result.horizon_weeks).rename("patrol_min")
