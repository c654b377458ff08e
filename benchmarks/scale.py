"""Beyond one machine: Dask fan-out and the PostGIS store, in one table.

Run ``python -m benchmarks.scale [--cell-m 1500 --enterprises 300]
[--zoning-time-limit 5 --time-limit 5] [--db URL]``. It generates six
counties (three bundled outlines, two seeds each) and plans
them serially in this process (CP-SAT with every core, as ``main.py plan``)
and on a Dask LocalCluster with 2 one-thread workers (``main.py batch``),
then derives the fan-out's overhead per county: wall time x workers minus
the tasks' own seconds, over the counties. It pushes and pulls the sample
plan to PostGIS (a throwaway server unless ``--db`` is given) against
writing and reading the GeoPackage. Last, a paper estimate of 90 counties
on 10 such machines from these figures and the issue's 1-5 CPU minutes per
real county. Timings are wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from distributed import Client, LocalCluster

from benchmarks.common import format_table, load_note
from planning.batch import CountySource, plan_county, run_batch, warm_up
from planning.io.project import load_project, save_project
from planning.plan import PlanSettings, run_plan
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.zoning import ZoningSettings

# the three large bundled outlines, two seeds each (the sample generator's
# 14 towns 4.5 km apart do not fit the small urban districts 拱墅区 / 滨江区)
COUNTIES = [
    ("常山县", 1),
    ("平湖市", 2),
    ("萧山区", 3),
    ("常山县", 4),
    ("平湖市", 5),
    ("萧山区", 6),
]


def _settings(args: argparse.Namespace, cp_workers: int) -> PlanSettings:
    return PlanSettings(
        zoning=ZoningSettings(time_limit=args.zoning_time_limit, workers=cp_workers),
        scheduling=ScheduleSettings(time_limit=args.time_limit, workers=cp_workers),
        patrols=None,
    )


def fan_out(args: argparse.Namespace, folder: Path) -> list[list[object]]:
    sources = []
    for district, seed in COUNTIES:
        scenario = build_sample(
            district=district,
            cell_m=args.cell_m,
            n_enterprises=args.enterprises,
            n_events=args.enterprises,
            seed=seed,
        )
        path = save_project(folder / f"{district}-{seed}.gpkg", scenario)
        sources.append(CountySource(name=path.stem, path=str(path)))
    cores = os.cpu_count() or 1
    print(f"planning {len(sources)} counties serially…", file=sys.stderr)
    t0 = time.perf_counter()
    serial = [
        plan_county(s, str(folder / "serial"), _settings(args, cores)) for s in sources
    ]
    serial_s = time.perf_counter() - t0
    print("…and on a 2-worker LocalCluster", file=sys.stderr)
    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    with Client(cluster) as client:
        client.run(warm_up)
    start_s = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        batch = run_batch(
            sources,
            folder / "batch",
            _settings(args, 1),
            scheduler=cluster.scheduler_address,
        )
        batch_s = time.perf_counter() - t0
    finally:
        cluster.close()
    failed = [r.name for r in serial + batch.results if r.status != "ok"]
    if failed:
        raise SystemExit(f"counties failed: {failed}")
    task_s = sum(r.seconds for r in batch.results)
    overhead = (batch_s * 2 - task_s) / len(sources)
    return [
        [f"serial, 6 counties (CP-SAT {cores} threads)", serial_s, "s", ""],
        ["LocalCluster start + imports, 2 x 1 thread", start_s, "s", "once"],
        ["Dask batch on the started cluster", batch_s, "s", ""],
        ["speed-up serial / Dask", serial_s / batch_s, "x", "target >= 1.7"],
        [
            "speed-up incl. cluster start",
            serial_s / (batch_s + start_s),
            "x",
            "what `main.py batch` sees",
        ],
        ["fan-out overhead per county", overhead, "s", "wall x workers - task s"],
        ["mean task seconds on a worker", task_s / len(sources), "s", ""],
    ]


def store_vs_gpkg(args: argparse.Namespace, folder: Path) -> list[list[object]]:
    from planning.store import PlanStore

    scenario = build_sample()
    plan = run_plan(
        scenario,
        replace(
            _settings(args, 2),
            zoning=ZoningSettings(time_limit=args.zoning_time_limit),
        ),
    )
    cluster = None
    url = args.db
    if url is None:
        from tests.pgfixture import PgCluster

        cluster = PgCluster()
        cluster.start()
        url = cluster.new_database()
    try:
        store = PlanStore(url, user="benchmark")

        def best(fn, n: int = 3) -> float:
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            return min(times)

        path = folder / "sample.gpkg"
        write = best(lambda: save_project(path, plan.scenario, plan))
        read = best(lambda: load_project(path))
        t0 = time.perf_counter()
        store.save_plan("sample", plan.scenario, plan)
        first_push = time.perf_counter() - t0
        _, stored, opened = store.load_plan("sample")
        # a planner's edit: one visit moved, then saved on top of what was opened
        stored.visits.loc[stored.visits.index[0], "eta"] = "07:59"
        t0 = time.perf_counter()
        store.save_plan("sample", stored.scenario, stored, opened=opened)
        edit_push = time.perf_counter() - t0
        push = best(
            lambda: store.save_plan("sample", plan.scenario, plan, replace=True)
        )
        pull = best(lambda: store.load_plan("sample"))
        store.close()
    finally:
        if cluster is not None:
            cluster.stop()
    rows = sum(len(df) for df in _layers(plan).values())
    return [
        [f"GeoPackage write, sample plan ({rows} rows)", write, "s", ""],
        ["GeoPackage read", read, "s", ""],
        ["PostGIS push, new project (creates tables)", first_push, "s", "once"],
        ["PostGIS push, whole plan again", push, "s", f"{push / write:.2f}x write"],
        ["PostGIS push, one visit edited", edit_push, "s", f"{edit_push / write:.2f}x"],
        ["PostGIS pull", pull, "s", f"{pull / read:.2f}x read (target <= 2x)"],
    ]


def _layers(plan):
    from planning.io.project import project_layers

    return project_layers(plan.scenario, plan)


def estimate(fan: list[list[object]]) -> list[list[object]]:
    """90 counties on 10 two-core machines, one county per core at a time."""
    overhead = float(fan[5][1])
    slots = 10 * 2
    waves = math.ceil(90 / slots)
    rows = []
    for minutes in (1, 5):
        wall = waves * (minutes * 60 + overhead)
        rows.append(
            [
                f"90 counties / 10 machines x 2 workers, {minutes} CPU min each",
                wall / 60,
                "min",
                f"{waves} waves of {slots}; serial {90 * minutes} min",
            ]
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cell-m", type=float, default=1500.0)
    p.add_argument("--enterprises", type=int, default=300)
    p.add_argument("--zoning-time-limit", type=float, default=5.0)
    p.add_argument("--time-limit", type=float, default=5.0)
    p.add_argument("--db", help="PostGIS URL (default: a throwaway local server)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fan = fan_out(args, folder)
        store = store_vs_gpkg(args, folder)
    rows = fan + store + estimate(fan)
    table = [[m, round(float(v), 2), u, n] for m, v, u, n in rows]
    print(format_table(["measure", "value", "unit", "note"], table))
    print(load_note())


if __name__ == "__main__":
    main()
