"""Patrol loops and the prize-collecting routing engine."""

import time
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest

from planning.patrols import (
    PatrolSettings,
    _zones,
    patrol_cell_minutes,
    plan_patrols,
    solve_pc_vrptw,
)
from planning.progress import CancelToken, Job, ProgressEvent
from planning.travel import metric_crs
from planning.vrplib import PcVrptwInstance, evaluate, read_pcvrptw

INSTANCES = Path(__file__).parents[1] / "benchmarks" / "instances" / "pcvrptw"


def _small_instance(seed: int) -> PcVrptwInstance:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (7, 2))
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    windows = np.column_stack([rng.integers(0, 150, 7), rng.integers(200, 400, 7)])
    windows[0] = (0, 320)
    prize = rng.integers(20, 120, 7)
    prize[0] = 0
    return PcVrptwInstance(
        name=f"small{seed}",
        distance=(10 * dist).astype(np.int64) // 10,
        service=np.array([0] + [10] * 6),
        windows=windows.astype(np.int64),
        prize=prize.astype(np.int64),
        demand=np.zeros(7, dtype=np.int64),
        capacity=0,
        vehicles=1,
    )


def _brute_force(inst: PcVrptwInstance) -> int:
    best = evaluate(inst, [])[0]
    for k in range(1, 7):
        for route in permutations(range(1, 7), k):
            cost, ok = evaluate(inst, [list(route)])
            if ok and cost < best:
                best = cost
    return best


def _engine(name: str) -> str:
    if name == "pyvrp":
        pytest.importorskip("pyvrp")
    return name


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_solver_finds_the_enumerated_optimum(seed, engine):
    inst = _small_instance(seed)
    t0 = time.monotonic()
    cost, routes, ok = solve_pc_vrptw(inst, time_limit=1.0, engine=_engine(engine))
    assert time.monotonic() - t0 < 1.0 + 0.5
    assert ok
    assert cost == _brute_force(inst)
    assert (cost, True) == evaluate(inst, routes)


def test_pyvrp_engine_respects_the_time_limit_on_a_large_instance():
    _engine("pyvrp")
    inst = read_pcvrptw(INSTANCES / "RC2_10_1.vrp")
    t0 = time.monotonic()
    cost, routes, ok = solve_pc_vrptw(inst, time_limit=1.5, engine="pyvrp")
    assert time.monotonic() - t0 < 1.5 + 1.0
    assert ok
    assert (cost, True) == evaluate(inst, routes)
    assert cost < evaluate(inst, [])[0]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        solve_pc_vrptw(_small_instance(1), time_limit=0.1, engine="gurobi")
    with pytest.raises(ValueError, match="engine"):
        PatrolSettings(engine="gurobi")


def test_pyvrp_engine_plans_loops_within_budget(sample):
    settings = PatrolSettings(
        windows=(("07:00", "09:00"),),
        days=(1,),
        budget_minutes=60,
        time_limit=0.1,
        engine=_engine("pyvrp"),
    )
    result = plan_patrols(sample, settings)
    assert len(result.loops) > 0
    assert (result.loops["minutes"] <= settings.budget_minutes + 1e-6).all()
    assert (result.loops["expected_events"] > 0).all()


@pytest.fixture(scope="module")
def patrols(sample):
    settings = PatrolSettings(
        windows=(("07:00", "09:00"),), days=(1, 2), budget_minutes=60, time_limit=0.1
    )
    return settings, plan_patrols(sample, settings)


def test_loops_start_and_end_at_base_and_fit_budget(sample, patrols):
    settings, result = patrols
    assert len(result.loops) > 0
    bases = sample.squads.set_index("squad_id").geometry
    for row in result.loops.itertuples():
        coords = list(row.geometry.coords)
        base = bases[row.squad_id]
        assert coords[0] == pytest.approx((base.x, base.y))
        assert coords[-1] == pytest.approx((base.x, base.y))
        assert row.minutes <= settings.budget_minutes + 1e-6
        assert row.points == len(coords) - 2
    per_loop = result.points.groupby("loop_id")["minutes"].sum()
    assert np.allclose(per_loop[result.loops["loop_id"]], result.loops["minutes"])
    total = patrol_cell_minutes(result).sum()
    assert total == pytest.approx(result.loops["minutes"].sum() * result.horizon_weeks)


def test_cancel_keeps_the_loops_planned_so_far(sample):
    settings = PatrolSettings(
        windows=(("07:00", "09:00"),), days=(1, 2), budget_minutes=60, time_limit=0.1
    )
    token = CancelToken()
    seen: list[ProgressEvent] = []

    def cancel_after_first_window(event: ProgressEvent) -> None:
        seen.append(event)
        token.cancel()

    result = plan_patrols(sample, settings, Job(cancel_after_first_window, token))
    assert len(seen) == 1 and 0 < seen[0].fraction < 1
    # one zone's first window at most, not the week the settings ask for
    assert len(result.loops) <= 1
    assert set(result.loops["day"]) <= {1}
    assert set(result.points["loop_id"]) == set(result.loops["loop_id"])


def test_cells_beyond_budget_or_reach_are_never_promised(sample):
    settings = PatrolSettings(
        windows=(("17:00", "20:00"),),
        days=(1,),
        budget_minutes=40,
        reach_minutes=8,
        threshold=0.5,
        time_limit=0.1,
    )
    result = plan_patrols(sample, settings)
    assert len(result.unreachable) > 0
    assert not set(result.points["cell_id"]) & set(result.unreachable["cell_id"])
    reach = {}
    for zone in _zones(sample):
        reach |= dict(zip(zone.cells, zone.minutes_from_base, strict=True))
    for cell in result.points["cell_id"]:
        assert reach[cell] <= settings.reach_minutes
        assert 2 * reach[cell] + settings.dwell_minutes <= settings.budget_minutes
    assert metric_crs(sample.cells)
