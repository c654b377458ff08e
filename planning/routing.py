"""Order one team-day's joint visits, and a generic VRPTW solver behind it.

:func:`solve_vrptw` is a small multi-depot VRPTW front end (vehicles with
their own start and end depots, capacities, several time windows per node,
service times, optional visits with a drop penalty). Its engines
are OR-Tools routing (the shipped default: it takes several time windows
per node natively and needs no extra dependency) and PyVRP's hybrid genetic
search (``engine="pyvrp"``, optional: ``pip install pyvrp``), which routes
large multi-depot instances markedly better at equal time (see
``benchmarks/routing.py``). Matrices go to OR-Tools with
``RegisterTransitMatrix`` so no Python callback runs per arc.

:func:`route_day` is what the scheduler calls: one team leaves the squad
base at ``day_start`` at the earliest, serves each stop inside one of its
admissible start windows (opening hours minus busy windows and lunch, see
:func:`start_windows`) and is back by ``day_end``. Stops that cannot fit are
returned in ``dropped`` instead of making the route infeasible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planning.model import Policy

Window = tuple[int, int]

_FIRST_SOLUTION = {
    "parallel_cheapest_insertion": (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    ),
    "path_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
    "local_cheapest_insertion": (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    ),
    "savings": routing_enums_pb2.FirstSolutionStrategy.SAVINGS,
    "automatic": routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC,
}
_METAHEURISTIC = {
    "greedy": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
    "guided": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "annealing": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
}
ENGINES = ("ortools", "pyvrp")
"""Routing engines :func:`solve_vrptw` knows (settings call them by name)."""


@dataclass
class VrptwData:
    """A multi-depot VRPTW instance in integer units (minutes, metres ...).

    Parameters
    ----------
    duration
        (n, n) travel times between nodes (depots included).
    service
        (n,) service time of each node; 0 at depots.
    windows
        Per node the admissible *service start* intervals, sorted and
        disjoint; an empty list means any time within ``horizon``.
    vehicle_starts, vehicle_ends
        Depot node of each vehicle.
    horizon
        Latest time anything may happen.
    vehicle_windows
        (earliest start, latest return) per vehicle; default ``(0, horizon)``.
    cost
        (n, n) arc cost to minimise; default ``duration``.
    demand, capacities
        Optional load per node and capacity per vehicle.
    drop_penalty
        Cost of leaving a visit out per node (``None``: every visit is
        mandatory and an infeasible instance yields no solution).
    max_durations
        Optional longest route (return minus departure) per vehicle.
    """

    duration: np.ndarray
    service: np.ndarray
    windows: list[list[Window]]
    vehicle_starts: list[int]
    vehicle_ends: list[int]
    horizon: int
    vehicle_windows: list[Window] | None = None
    cost: np.ndarray | None = None
    demand: np.ndarray | None = None
    capacities: list[int] | None = None
    drop_penalty: np.ndarray | None = None
    max_durations: list[int] | None = None

    @property
    def n_nodes(self) -> int:
        return int(self.duration.shape[0])

    @property
    def n_vehicles(self) -> int:
        return len(self.vehicle_starts)


@dataclass
class VrptwSolution:
    """Routes of a :class:`VrptwData` solve.

    ``routes[v]`` lists the visited nodes of vehicle ``v`` in order (depots
    excluded); ``start_times`` maps each visited node to its service start;
    ``vehicle_times[v]`` is (leave start depot, arrive at end depot).
    ``status`` is ``"feasible"``, ``"infeasible"`` (no solution found) or
    ``"empty"``.
    """

    routes: list[list[int]]
    start_times: dict[int, int]
    vehicle_times: list[Window]
    cost: int
    dropped: list[int]
    status: str


def _as_int_matrix(matrix: np.ndarray) -> np.ndarray:
    """Round up to int64 (never optimistic); numpy goes to OR-Tools as is."""
    return np.asarray(np.ceil(matrix), dtype=np.int64)


def solve_vrptw(
    data: VrptwData,
    time_limit: float = 1.0,
    metaheuristic: str = "guided",
    first_solution: str = "parallel_cheapest_insertion",
    engine: str = "ortools",
    seed: int = 0,
) -> VrptwSolution:
    """Solve a VRPTW instance; the one place a routing engine is called.

    Parameters
    ----------
    data
        The instance.
    time_limit
        Seconds of search; ``"greedy"`` (OR-Tools) usually stops sooner, at
        its first local optimum, and PyVRP stops once it has not improved
        for a while on small instances.
    metaheuristic
        OR-Tools only: ``"greedy"``, ``"guided"``, ``"annealing"`` or
        ``"tabu"``.
    first_solution
        OR-Tools only: ``"parallel_cheapest_insertion"``,
        ``"local_cheapest_insertion"``, ``"savings"``, ``"automatic"`` or
        ``"path_cheapest_arc"``.
    engine
        ``"ortools"`` or ``"pyvrp"`` (see :data:`ENGINES`).
    seed
        Random seed (PyVRP; OR-Tools search is deterministic).
    """
    if engine == "ortools":
        return _solve_ortools(data, time_limit, metaheuristic, first_solution)
    if engine == "pyvrp":
        return _solve_pyvrp(data, time_limit, seed)
    raise ValueError(f"unknown routing engine {engine!r}; use one of {ENGINES}")


def _empty(n_veh: int, status: str) -> VrptwSolution:
    return VrptwSolution([[] for _ in range(n_veh)], {}, [], 0, [], status)


def _clipped_windows(data: VrptwData, node: int) -> list[Window] | None:
    """Windows of ``node`` inside ``[0, horizon]``; ``None`` if none is left."""
    if not data.windows[node]:
        return [(0, data.horizon)]
    out = [
        (max(0, a), min(data.horizon, b))
        for a, b in data.windows[node]
        if max(0, a) <= min(data.horizon, b)
    ]
    return out or None


def _search_parameters(
    time_limit: float, metaheuristic: str, first_solution: str
) -> object:
    """OR-Tools search parameters.

    Tried on the MDVRPTW benchmark at 30 s (PR11A, GLS from parallel
    cheapest insertion: 16.3% above BKS): GLS lambda 0.3 (15.7%), extra
    insertion LNS operators (16.8%), multi-armed-bandit operator choice
    (21%), iterated local search with SISR ruin and recreate (18%), and
    neighbour-restricted operators (no move accepted at all in 9.15). None
    is a real gain, so the defaults stay.
    """
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = _FIRST_SOLUTION[first_solution]
    params.local_search_metaheuristic = _METAHEURISTIC[metaheuristic]
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    return params


def _solve_ortools(
    data: VrptwData, time_limit: float, metaheuristic: str, first_solution: str
) -> VrptwSolution:
    n, n_veh = data.n_nodes, data.n_vehicles
    depots = set(data.vehicle_starts) | set(data.vehicle_ends)
    manager = pywrapcp.RoutingIndexManager(
        n, n_veh, list(data.vehicle_starts), list(data.vehicle_ends)
    )
    routing = pywrapcp.RoutingModel(manager)

    cost = data.duration if data.cost is None else data.cost
    cost_cb = routing.RegisterTransitMatrix(_as_int_matrix(cost).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)

    # time = travel + service at the node left; cumul = service start
    service = np.asarray(data.service, dtype=float)
    time_cb = routing.RegisterTransitMatrix(
        _as_int_matrix(
            np.asarray(data.duration, dtype=float) + service[:, None]
        ).tolist()
    )
    routing.AddDimension(time_cb, data.horizon, data.horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")

    # Mandatory visits of large instances get a prohibitive drop penalty:
    # insertion heuristics then always find a first solution (they fail
    # outright on tight windows) and the search re-inserts what was left out.
    soft = int(_as_int_matrix(cost).max()) * 4 * n if n > 100 else 0
    for node in range(n):
        if node in depots:
            continue
        index = manager.NodeToIndex(node)
        if data.drop_penalty is not None:
            routing.AddDisjunction([index], int(data.drop_penalty[node]))
        elif soft:
            routing.AddDisjunction([index], soft)
        windows = _clipped_windows(data, node)
        if windows is None:  # no window inside the horizon
            if data.drop_penalty is None:
                return _empty(n_veh, "infeasible")
            routing.ActiveVar(index).SetValue(0)
        elif data.windows[node]:
            _restrict(time_dim.CumulVar(index), windows)

    vehicle_windows = data.vehicle_windows or [(0, data.horizon)] * n_veh
    for v, (early, late) in enumerate(vehicle_windows):
        time_dim.CumulVar(routing.Start(v)).SetRange(early, late)
        time_dim.CumulVar(routing.End(v)).SetRange(early, late)
        if data.max_durations is not None:
            time_dim.SetSpanUpperBoundForVehicle(int(data.max_durations[v]), v)
        # finish as early as possible, then leave as late as that allows
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    if data.demand is not None and data.capacities is not None:
        load_cb = routing.RegisterUnaryTransitVector(
            [int(x) for x in np.asarray(data.demand)]
        )
        routing.AddDimensionWithVehicleCapacity(
            load_cb, 0, [int(c) for c in data.capacities], True, "load"
        )

    params = _search_parameters(time_limit, metaheuristic, first_solution)
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return _empty(n_veh, "infeasible")

    routes: list[list[int]] = []
    starts: dict[int, int] = {}
    vehicle_times: list[Window] = []
    for v in range(n_veh):
        index = routing.Start(v)
        begin = solution.Min(time_dim.CumulVar(index))
        nodes: list[int] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            nodes.append(node)
            starts[node] = solution.Min(time_dim.CumulVar(index))
            index = solution.Value(routing.NextVar(index))
        vehicle_times.append((begin, solution.Min(time_dim.CumulVar(index))))
        routes.append(nodes)
    visited = set(starts)
    dropped = [i for i in range(n) if i not in depots and i not in visited]
    if dropped and data.drop_penalty is None:
        return _empty(n_veh, "infeasible")
    return VrptwSolution(
        routes,
        starts,
        vehicle_times,
        int(solution.ObjectiveValue()),
        dropped,
        "feasible",
    )


def _solve_pyvrp(data: VrptwData, time_limit: float, seed: int) -> VrptwSolution:
    """PyVRP (hybrid genetic search) on the same instance.

    Depots become PyVRP depots; a node with several time windows becomes
    one client per window at the same location, grouped so exactly one is
    visited (or none, for an optional visit, at the cost of its prize);
    vehicles sharing depots, window, capacity and longest route become one
    vehicle type. Small instances stop after 2,000 non-improving
    iterations, so a team-day route does not burn its whole budget.
    """
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "routing engine 'pyvrp' needs the pyvrp package: pip install pyvrp"
        ) from exc

    n, n_veh = data.n_nodes, data.n_vehicles
    depot_nodes = sorted(set(data.vehicle_starts) | set(data.vehicle_ends))
    depot_idx = {node: k for k, node in enumerate(depot_nodes)}
    client_nodes = [i for i in range(n) if i not in depot_idx]
    loc_order = depot_nodes + client_nodes
    loc_of = {node: k for k, node in enumerate(loc_order)}
    big = np.iinfo(np.int64).max // 4
    demand = (
        np.asarray(data.demand, dtype=np.int64)
        if data.demand is not None and data.capacities is not None
        else None
    )
    clients: list = []
    groups: list = []
    client_node: list[int] = []
    for node in client_nodes:
        windows = _clipped_windows(data, node)
        if windows is None:
            if data.drop_penalty is None:
                return _empty(n_veh, "infeasible")
            continue  # never visitable: reported as dropped below
        optional = data.drop_penalty is not None
        prize = int(data.drop_penalty[node]) if optional else 0
        grouped = len(windows) > 1
        if grouped:
            groups.append(pyvrp.ClientGroup([], required=not optional))
        for early, late in windows:
            if grouped:
                groups[-1].add_client(len(clients))
            clients.append(
                pyvrp.Client(
                    location=loc_of[node],
                    delivery=[int(demand[node])] if demand is not None else [],
                    service_duration=int(np.ceil(data.service[node])),
                    tw_early=int(early),
                    tw_late=int(late),
                    prize=prize,
                    required=not optional and not grouped,
                    group=len(groups) - 1 if grouped else None,
                )
            )
            client_node.append(node)
    depots = [pyvrp.Depot(location=k) for k in range(len(depot_nodes))]
    vehicle_windows = data.vehicle_windows or [(0, data.horizon)] * n_veh
    kinds: dict[tuple, list[int]] = {}
    for v in range(n_veh):
        cap = int(data.capacities[v]) if demand is not None else None
        longest = int(data.max_durations[v]) if data.max_durations else big
        key = (
            data.vehicle_starts[v],
            data.vehicle_ends[v],
            tuple(vehicle_windows[v]),
            cap,
            longest,
        )
        kinds.setdefault(key, []).append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(vs),
            capacity=[cap] if cap is not None else [],
            start_depot=depot_idx[start],
            end_depot=depot_idx[end],
            tw_early=int(window[0]),
            tw_late=int(window[1]),
            shift_duration=longest,
        )
        for (start, end, window, cap, longest), vs in kinds.items()
    ]
    order = np.array(loc_order)
    cost = data.duration if data.cost is None else data.cost
    distance = _as_int_matrix(np.asarray(cost, dtype=float)[np.ix_(order, order)])
    duration = _as_int_matrix(
        np.asarray(data.duration, dtype=float)[np.ix_(order, order)]
    )
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)
    problem = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in loc_order],
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[distance],
        duration_matrices=[duration],
        groups=groups,
    )
    if not clients:
        return VrptwSolution(
            [[] for _ in range(n_veh)],
            {},
            [(w[0], w[0]) for w in vehicle_windows],
            0,
            list(client_nodes),
            "feasible",
        )
    stop = MaxRuntime(max(0.01, time_limit))
    if len(client_nodes) <= 100:
        stop = MultipleCriteria([stop, NoImprovement(2_000)])
    best = pyvrp.solve(problem, stop=stop, seed=seed, display=False).best
    if not best.is_feasible():
        return _empty(n_veh, "infeasible")

    routes: list[list[int]] = [[] for _ in range(n_veh)]
    starts: dict[int, int] = {}
    vehicle_times: list[Window] = [(w[0], w[0]) for w in vehicle_windows]
    free = [list(vs) for vs in kinds.values()]
    for route in best.routes():
        v = free[route.vehicle_type()].pop(0)
        for act in route.schedule():
            if act.type == pyvrp.ActivityType.CLIENT:
                node = client_node[act.idx]
                routes[v].append(node)
                starts[node] = int(act.start_time)
        vehicle_times[v] = (int(route.start_time()), int(route.end_time()))
    visited = set(starts)
    dropped = [node for node in client_nodes if node not in visited]
    cost = int(best.distance_cost()) + int(best.uncollected_prizes())
    return VrptwSolution(routes, starts, vehicle_times, cost, dropped, "feasible")


def _restrict(var: pywrapcp.IntVar, windows: Sequence[Window]) -> None:
    """Limit a cumul to the union of ``windows`` (SetRange + RemoveInterval)."""
    if not windows:
        return
    var.SetRange(windows[0][0], windows[-1][1])
    for (_, end), (nxt, _) in zip(windows[:-1], windows[1:], strict=True):
        if nxt - end > 1:
            var.RemoveInterval(end + 1, nxt - 1)


def subtract(windows: Sequence[Window], cut: Window) -> list[Window]:
    """Half-open intervals ``windows`` minus the half-open interval ``cut``."""
    out: list[Window] = []
    for a, b in windows:
        if cut[1] <= a or cut[0] >= b:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


def start_windows(
    open_window: Window,
    busy: Sequence[Window],
    service_min: int,
    policy: Policy,
) -> list[Window]:
    """Admissible service *start* intervals (closed, minutes) of one visit.

    The firm's open hours intersected with the workday, minus its busy
    windows and the lunch break, give half-open free periods; a service of
    ``service_min`` minutes may start anywhere in ``[a, b - service_min]``
    of a free period ``[a, b)`` long enough to hold it. Empty = the visit
    fits no time of the day.
    """
    first = max(open_window[0], policy.day_start)
    last = min(open_window[1], policy.day_end)
    free = [(first, last)] if first < last else []
    for cut in (*busy, policy.lunch):
        free = subtract(free, cut)
    return [(a, b - service_min) for a, b in free if b - a >= service_min]


@dataclass(frozen=True)
class RouteStop:
    """One visit of a team-day route.

    ``xy`` is in metres (metric CRS, for the km estimate); ``windows`` are
    admissible service start intervals (see :func:`start_windows`); ``key``
    is the caller's id (e.g. enterprise id).
    """

    key: str
    xy: tuple[float, float]
    service_min: int
    windows: tuple[Window, ...]


@dataclass
class RouteResult:
    """A team-day route: ``order`` indexes the input ``stops``.

    ``eta`` / ``start`` / ``end`` are minutes after midnight per ordered
    stop; ``leave`` and ``back`` are the times at the base; ``travel_min``
    and ``km`` sum the driven legs, including the way home. ``dropped``
    lists input indices that did not fit.
    """

    order: list[int]
    eta: list[int]
    start: list[int]
    end: list[int]
    leave: int
    back: int
    travel_min: int
    km: float
    dropped: list[int] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.dropped


def route_day(
    base_xy: tuple[float, float],
    stops: Sequence[RouteStop],
    travel_min: np.ndarray,
    policy: Policy,
    time_limit: float = 1.0,
    metaheuristic: str = "guided",
    engine: str = "ortools",
) -> RouteResult:
    """Order one team's stops for one day from the squad base and back.

    Parameters
    ----------
    base_xy
        Squad base in metres (same CRS as the stops' ``xy``).
    stops
        The visits; stop ``i`` is row/column ``i + 1`` of ``travel_min``.
    travel_min
        (n + 1, n + 1) travel minutes, row/column 0 = the squad base (from
        :class:`planning.travel.TravelModel`); rounded up, so planned
        times are never optimistic.
    policy
        ``day_start`` / ``day_end`` bound the day; lunch and busy windows
        are already cut out of each stop's windows.
    time_limit, metaheuristic, engine
        Passed to :func:`solve_vrptw`.
    """
    n = len(stops)
    if n == 0:
        return RouteResult([], [], [], [], policy.day_start, policy.day_start, 0, 0.0)
    travel = np.ceil(np.asarray(travel_min, dtype=float)).astype(np.int64)
    service = np.array([0] + [s.service_min for s in stops], dtype=np.int64)
    # dropping one stop must cost more than any detour it could save
    penalty = int(travel.max() * (n + 2) + service.sum() + 1000)
    data = VrptwData(
        duration=travel,
        service=service,
        windows=[[]] + [list(s.windows) for s in stops],
        vehicle_starts=[0],
        vehicle_ends=[0],
        horizon=policy.day_end,
        vehicle_windows=[(policy.day_start, policy.day_end)],
        drop_penalty=np.full(n + 1, penalty, dtype=np.int64),
    )
    sol = solve_vrptw(
        data, time_limit=time_limit, metaheuristic=metaheuristic, engine=engine
    )
    if sol.status != "feasible":
        return RouteResult(
            [], [], [], [], policy.day_start, policy.day_start, 0, 0.0, list(range(n))
        )
    nodes = sol.routes[0]
    order = [node - 1 for node in nodes]
    leave, back = sol.vehicle_times[0]
    eta: list[int] = []
    clock, prev, driven = leave, 0, 0
    for node in nodes:
        clock += int(travel[prev, node])
        driven += int(travel[prev, node])
        eta.append(clock)
        clock = sol.start_times[node] + int(service[node])
        prev = node
    driven += int(travel[prev, 0])
    start = [sol.start_times[node] for node in nodes]
    end = [s + int(service[node]) for s, node in zip(start, nodes, strict=True)]
    dropped = sorted(node - 1 for node in sol.dropped)
    path = np.array([base_xy, *(stops[i].xy for i in order), base_xy], dtype=float)
    km = float(np.hypot(*np.diff(path, axis=0).T).sum()) * policy.detour_factor / 1e3
    return RouteResult(order, eta, start, end, leave, back, driven, km, dropped)
