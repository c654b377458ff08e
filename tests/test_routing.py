"""Routing: windows, lunch, drops, exact optimum on a tiny instance."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from planning.model import load_policy
from planning.routing import (
    RouteStop,
    VrptwData,
    route_day,
    solve_vrptw,
    start_windows,
)

POLICY = load_policy()


def _instance(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 6000, (n + 1, 2))
    minutes = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)) / 1000 * 2.4
    return xy, minutes


def _earliest(arrival: int, windows: tuple[tuple[int, int], ...]) -> int | None:
    for a, b in windows:
        if arrival <= b:
            return max(arrival, a)
    return None


def _brute_force(stops: list[RouteStop], minutes: np.ndarray) -> int:
    """Least travel over every order (route leaves at day start)."""
    travel = np.ceil(minutes).astype(int)
    best = None
    for perm in permutations(range(len(stops))):
        clock, prev, total = POLICY.day_start, 0, 0
        for i in perm:
            clock += travel[prev, i + 1]
            total += travel[prev, i + 1]
            begin = _earliest(clock, stops[i].windows)
            if begin is None:
                break
            clock = begin + stops[i].service_min
            prev = i + 1
        else:
            total += travel[prev, 0]
            if clock + travel[prev, 0] <= POLICY.day_end:
                best = total if best is None else min(best, total)
    assert best is not None
    return int(best)


def test_start_windows_cut_busy_hours_and_lunch() -> None:
    restaurant = POLICY.categories["restaurant"]
    windows = start_windows(restaurant.open, restaurant.busy, 30, POLICY)
    assert windows == [(540, 630), (780, 990)]
    assert start_windows((720, 780), (), 15, POLICY) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_route_day_finds_the_enumerated_optimum(seed: int) -> None:
    xy, minutes = _instance(6, seed)
    rng = np.random.default_rng(seed)
    stops = []
    for i in range(6):
        service = int(rng.integers(20, 50))
        cat = POLICY.categories["restaurant" if i % 2 else "shop"]
        windows = tuple(start_windows(cat.open, cat.busy, service, POLICY))
        stops.append(RouteStop(f"S{i}", tuple(xy[i + 1]), service, windows))
    result = route_day(tuple(xy[0]), stops, minutes, POLICY, time_limit=1.0)
    assert result.feasible
    assert sorted(result.order) == list(range(6))
    assert result.travel_min == _brute_force(stops, minutes)


def test_route_respects_windows_lunch_and_day() -> None:
    xy, minutes = _instance(8, 5)
    restaurant = POLICY.categories["restaurant"]
    stops = [
        RouteStop(
            f"R{i}",
            tuple(xy[i + 1]),
            40,
            tuple(start_windows(restaurant.open, restaurant.busy, 40, POLICY)),
        )
        for i in range(8)
    ]
    result = route_day(tuple(xy[0]), stops, minutes, POLICY, time_limit=0.5)
    assert result.leave >= POLICY.day_start and result.back <= POLICY.day_end
    prev_end = result.leave
    for k, i in enumerate(result.order):
        start, end = result.start[k], result.end[k]
        assert any(a <= start <= b for a, b in stops[i].windows)
        assert end <= 660 or start >= 780  # not in the rush, nor at lunch
        assert result.eta[k] >= prev_end and start >= result.eta[k]
        prev_end = end
    assert result.km > 0


def test_unreachable_stop_is_dropped_not_forced() -> None:
    xy, minutes = _instance(3, 7)
    stops = [
        RouteStop("A", tuple(xy[1]), 30, ((540, 900),)),
        RouteStop("B", tuple(xy[2]), 30, ((540, 900),)),
        RouteStop("late", tuple(xy[3]), 30, ((1200, 1230),)),  # after day end
    ]
    result = route_day(tuple(xy[0]), stops, minutes, POLICY, time_limit=0.2)
    assert result.dropped == [2]
    assert sorted(result.order) == [0, 1]


def test_solve_vrptw_multi_depot_with_capacity() -> None:
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 100, (12, 2))
    dist = np.round(np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1)))
    demand = np.array([0, 0] + [1] * 10)
    data = VrptwData(
        duration=dist,
        service=np.array([0, 0] + [5] * 10),
        windows=[[], []] + [[(0, 400)]] * 10,
        vehicle_starts=[0, 1],
        vehicle_ends=[0, 1],
        horizon=1000,
        demand=demand,
        capacities=[6, 6],
    )
    sol = solve_vrptw(data, time_limit=0.5)
    assert sol.status == "feasible" and not sol.dropped
    served = sorted(n for route in sol.routes for n in route)
    assert served == list(range(2, 12))
    assert all(len(route) <= 6 for route in sol.routes)
    with pytest.raises(ValueError):
        solve_vrptw(data, engine="nope")


def test_pyvrp_engine_matches_ortools_on_a_small_day() -> None:
    pytest.importorskip("pyvrp")
    xy, minutes = _instance(6, 2)
    cat = POLICY.categories["restaurant"]
    stops = [
        RouteStop(
            f"S{i}",
            tuple(xy[i + 1]),
            30,
            tuple(start_windows(cat.open, cat.busy, 30, POLICY)),
        )
        for i in range(6)
    ]
    ort = route_day(tuple(xy[0]), stops, minutes, POLICY, time_limit=0.5)
    hgs = route_day(
        tuple(xy[0]), stops, minutes, POLICY, time_limit=0.5, engine="pyvrp"
    )
    assert hgs.feasible and sorted(hgs.order) == list(range(6))
    assert hgs.travel_min == ort.travel_min == _brute_force(stops, minutes)
    for k, i in enumerate(hgs.order):  # two windows per stop: one is used
        assert any(a <= hgs.start[k] <= b for a, b in stops[i].windows)


def test_pyvrp_engine_multi_depot_drops_and_capacity() -> None:
    pytest.importorskip("pyvrp")
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 100, (12, 2))
    dist = np.round(np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1)))
    data = VrptwData(
        duration=dist,
        service=np.array([0, 0] + [5] * 10),
        windows=[[], []] + [[(0, 400)]] * 9 + [[(2000, 2100)]],  # last: never
        vehicle_starts=[0, 1],
        vehicle_ends=[0, 1],
        horizon=1000,
        demand=np.array([0, 0] + [1] * 10),
        capacities=[5, 5],
        drop_penalty=np.full(12, 10_000),
        max_durations=[600, 600],
    )
    sol = solve_vrptw(data, time_limit=0.5, engine="pyvrp")
    assert sol.status == "feasible" and sol.dropped == [11]
    assert sorted(n for r in sol.routes for n in r) == list(range(2, 11))
    assert all(len(r) <= 5 for r in sol.routes)
    for r, (leave, back) in zip(sol.routes, sol.vehicle_times, strict=True):
        assert not r or back - leave <= 600


def test_benchmark_evaluator_reproduces_the_best_known_cost() -> None:
    from pathlib import Path

    from benchmarks.routing import evaluate, read_mdvrptw, read_sol

    path = Path(__file__).parents[1] / "benchmarks/instances/mdvrptw/PR11B.vrp"
    inst = read_mdvrptw(path)
    routes, cost = read_sol(path.with_suffix(".sol"))
    assert evaluate(inst, routes) == (cost, True)
    # the same routes driven from other depots cost something else
    a = next(v for v, r in enumerate(routes) if r and inst.vehicle_depot[v] == 0)
    b = next(v for v, r in enumerate(routes) if r and inst.vehicle_depot[v] == 1)
    routes[a], routes[b] = routes[b], routes[a]
    assert evaluate(inst, routes)[0] != cost
