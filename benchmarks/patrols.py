"""Patrol engine benchmark: public PCVRPTW instances and the sample county.

Run ``python -m benchmarks.patrols [--time-limit 60]``. Part 1 solves the
GH1000-based prize-collecting VRPTW instances (PyVRP instance set, DIMACS
rounding, cost = distance + uncollected prizes) with the project's OR-Tools
engine and with PyVRP at the same limit, and compares both with the
best-known solutions. Part 2 times intensity + all patrol loops on the
sample county, compares the loops' share of expected events with a
nearest-neighbour greedy loop of the same budget, and prints the backtest.
Timings are wall-clock and depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from planning.hotspots import backtest, estimate_intensity
from planning.model import hhmm_to_min
from planning.patrols import (
    PatrolSettings,
    _reachable,
    _zones,
    plan_patrols,
    solve_pc_vrptw,
    window_label,
)
from planning.sample import build_sample
from planning.vrplib import read_pcvrptw, read_solution

INSTANCES = Path(__file__).parent / "instances" / "pcvrptw"
NAMES = ("C1_10_1", "R1_10_1", "RC2_10_1")


def _pyvrp(path: Path, time_limit: float) -> tuple[int, bool]:
    data = pyvrp.read(path, round_func="dimacs")
    res = pyvrp.solve(data, stop=MaxRuntime(time_limit), display=False)
    best = res.best
    return int(best.distance_cost() + best.uncollected_prizes()), best.is_feasible()


def _row(*cells: object) -> str:
    return " | ".join(
        f"{c:>10}" if not isinstance(c, str) else f"{c:<10}" for c in cells
    )


def engines(time_limit: float) -> None:
    print(
        _row(
            "instance",
            "engine",
            "limit_s",
            "cost",
            "gap_bks%",
            "gap_pyvrp%",
            "feasible",
        )
    )
    gaps: dict[str, list[float]] = {"ortools": [], "pyvrp": []}
    for name in NAMES:
        path = INSTANCES / f"{name}.vrp"
        _, bks = read_solution(INSTANCES / f"{name}.sol")
        inst = read_pcvrptw(path)
        ours, _, ok = solve_pc_vrptw(inst, time_limit)
        ref, ref_ok = _pyvrp(path, time_limit)
        for engine, cost, feasible in (("ortools", ours, ok), ("pyvrp", ref, ref_ok)):
            gap = 100 * (cost - bks) / bks
            gaps[engine].append(gap)
            print(
                _row(
                    name,
                    engine,
                    f"{time_limit:g}",
                    cost,
                    f"{gap:.2f}",
                    f"{100 * (cost - ref) / ref:.2f}",
                    str(feasible),
                )
            )
    for engine, values in gaps.items():
        print(f"mean gap to BKS, {engine}: {np.mean(values):.2f}%")


def _greedy_share(scenario, settings, intensity) -> dict[str, tuple[float, float]]:
    """Per zone: (events a nearest-neighbour loop collects, events on offer)."""
    out = {}
    for zone in _zones(scenario):
        ok, _ = _reachable(zone, settings)
        rate = intensity.weekly.reindex(zone.cells).to_numpy()
        cand = np.flatnonzero(ok & (rate >= settings.min_rate))
        got = offer = 0.0
        for day in settings.days:
            for a, b in settings.windows:
                value = intensity.window_events(
                    hhmm_to_min(a), hhmm_to_min(b), (day - 1,)
                )
                value = value.reindex(zone.cells).to_numpy()
                offer += value.sum()
                left, used, here = set(cand.tolist()), 0.0, None
                while left:
                    todo = sorted(left)
                    leg = (
                        zone.minutes_from_base[todo]
                        if here is None
                        else zone.minutes[here, todo]
                    )
                    back = zone.minutes_from_base[todo]
                    fits = used + leg + settings.dwell_minutes + back
                    fits = fits <= settings.budget_minutes
                    if not fits.any():
                        break
                    k = int(np.argmin(np.where(fits, leg, np.inf)))
                    here = todo[k]
                    used += leg[k] + settings.dwell_minutes
                    got += value[here]
                    left.discard(here)
        out[zone.squad_id] = (got, offer)
    return out


def county() -> None:
    scenario = build_sample()
    settings = PatrolSettings()
    t0 = time.perf_counter()
    intensity = estimate_intensity(scenario)
    t1 = time.perf_counter()
    result = plan_patrols(scenario, settings, intensity=intensity)
    t2 = time.perf_counter()
    print(
        f"\nsample county: {len(scenario.cells)} cells, {len(scenario.hotspots)} "
        f"events, {len(result.loops)} loops over {len(settings.days)} days x "
        f"{len(settings.windows)} windows "
        f"({', '.join(window_label(w) for w in settings.windows)}), "
        f"budget {settings.budget_minutes:g} min"
    )
    print(f"intensity {t1 - t0:.1f} s, all loops {t2 - t1:.1f} s")
    greedy = _greedy_share(scenario, settings, intensity)
    ours = result.loops.groupby("squad_id")["expected_events"].sum()
    print(_row("zone", "loops%", "greedy%", "gain%"))
    for squad_id, (got, offer) in greedy.items():
        mine = ours.get(squad_id, 0.0)
        print(
            _row(
                squad_id,
                f"{100 * mine / offer:.1f}",
                f"{100 * got / offer:.1f}",
                f"{100 * (mine - got) / max(got, 1e-9):.1f}",
            )
        )
    total_ours = ours.sum()
    total_greedy = sum(g for g, _ in greedy.values())
    print(
        f"all zones: loops collect {100 * (total_ours / total_greedy - 1):.1f}% "
        "more expected events than greedy"
    )
    bt = backtest(scenario, holdout_weeks=1)
    print(
        f"backtest (last week held out, top {bt.top_share:.0%} = {bt.top_cells} "
        f"cells, {bt.holdout_events} events): hit rate intensity "
        f"{bt.hit_rate:.3f} vs all-time count {bt.hit_rate_count:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--skip-instances", action="store_true")
    args = parser.parse_args()
    if not args.skip_instances:
        engines(args.time_limit)
    county()


if __name__ == "__main__":
    main()
