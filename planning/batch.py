"""County plans fanned out on Dask distributed (one task per county).

A province runs one independent plan per county. :func:`run_batch` submits
one :func:`plan_county` task per scenario to a Dask cluster (a
``LocalCluster`` with one thread per worker process by default, or a
scheduler address), reports each county as it finishes, lets Dask re-run a
task whose worker died, and isolates failures: a broken scenario comes back
as a ``failed`` row with its error while the others finish. Scenarios come
from project files or from the shared store (:mod:`planning.store`).
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

from planning.plan import Plan, PlanSettings

Exporter = Callable[[Plan, Path], object]

REPORT_COLUMNS = {
    "name": "县区 county",
    "status": "状态 status",
    "spread_pct": "工作量偏差% workload spread",
    "visits": "综合查一次 joint visits",
    "visits_saved": "减少入企 visits saved",
    "travel_km": "路程 km travel",
    "unscheduled": "未排 unscheduled",
    "seconds": "用时 s seconds",
    "error": "错误 error",
    "source": "来源 source",
    "worker": "节点 worker",
}


@dataclass(frozen=True)
class CountySource:
    """Where one county's scenario comes from: a project file, or a project
    in the shared store (``db_url`` + ``project``)."""

    name: str
    path: str | None = None
    db_url: str | None = None
    project: str | None = None

    def describe(self) -> str:
        return self.path or f"{self.project} @ store"


@dataclass
class CountyResult:
    """One row of ``batch.xlsx``."""

    name: str
    status: str
    source: str
    seconds: float
    error: str = ""
    spread_pct: float | None = None
    visits: int | None = None
    visits_saved: int | None = None
    travel_km: float | None = None
    unscheduled: int | None = None
    worker: str = ""


@dataclass
class BatchReport:
    results: list[CountyResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[CountyResult]:
        return [r for r in self.results if r.status != "ok"]

    def table(self) -> pd.DataFrame:
        rows = pd.DataFrame([asdict(r) for r in self.results])
        return rows[list(REPORT_COLUMNS)].rename(columns=REPORT_COLUMNS)


def sources_from(args: Sequence[str], db_url: str | None = None) -> list[CountySource]:
    """Sources from command-line words: an existing file is a scenario file;
    anything else is a project name in the store at ``db_url``."""
    out: list[CountySource] = []
    seen: dict[str, int] = {}
    for arg in args:
        path = Path(arg)
        if path.exists() or db_url is None:
            stem = path.stem if path.suffix else path.name
            src = CountySource(name=_folder_name(stem), path=str(path))
        else:
            src = CountySource(name=_folder_name(arg), db_url=db_url, project=arg)
        n = seen.get(src.name, 0)
        seen[src.name] = n + 1
        out.append(replace(src, name=f"{src.name}-{n + 1}") if n else src)
    return out


def _folder_name(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("_") or "county"


def _sized(settings: PlanSettings, cp_workers: int) -> PlanSettings:
    """CP-SAT search workers sized to the Dask worker that runs the county."""
    return replace(
        settings,
        zoning=replace(settings.zoning, workers=cp_workers),
        scheduling=replace(settings.scheduling, workers=cp_workers),
    )


def _this_worker() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:  # run in-process, not on a Dask worker
        return "local"


def plan_county(
    source: CountySource,
    out_dir: str,
    settings: PlanSettings,
    exporter: Exporter | None = None,
    push: bool = False,
    cp_workers: dict[str, int] | None = None,
) -> CountyResult:
    """Plan one county and write ``out_dir/<name>/``; never raises.

    Any error becomes a ``failed`` result naming the county and the error,
    so one broken scenario cannot sink the batch. With ``push`` a county
    from the store is saved back as a new revision under its regeneration
    lock.
    """
    from planning.io.project import load_project, save_project

    t0 = time.monotonic()
    worker = _this_worker()
    settings = _sized(settings, (cp_workers or {}).get(worker, 1))
    folder = Path(out_dir) / source.name
    try:
        if source.path is not None:
            scenario, _ = load_project(source.path)
            plan = _plan(scenario, settings)
        else:
            from planning.store import PlanStore

            store = PlanStore(source.db_url or "")
            try:
                if push:
                    plan, _ = store.regenerate(
                        source.project or "",
                        lambda sc: _plan(sc, settings),
                        message="batch",
                    )
                else:
                    scenario, _, _ = store.load_plan(source.project or "")
                    plan = _plan(scenario, settings)
            finally:
                store.close()
        folder.mkdir(parents=True, exist_ok=True)
        if exporter is not None:
            exporter(plan, folder)
        else:
            save_project(folder / "plan.gpkg", plan.scenario, plan)
        s = plan.summary()
        return CountyResult(
            name=source.name,
            status="ok",
            source=source.describe(),
            seconds=time.monotonic() - t0,
            spread_pct=round(s.spread_pct, 2),
            visits=s.joint_visits,
            visits_saved=s.visits_saved,
            travel_km=round(s.travel_km, 1),
            unscheduled=s.unscheduled,
            worker=worker,
        )
    except Exception as exc:  # isolate the county; its row says what broke
        logging.getLogger(__name__).debug(traceback.format_exc())
        return CountyResult(
            name=source.name,
            status="failed",
            source=source.describe(),
            seconds=time.monotonic() - t0,
            error=f"{type(exc).__name__}: {exc}",
            worker=worker,
        )


def _plan(scenario, settings: PlanSettings) -> Plan:
    from planning.plan import run_plan

    return run_plan(scenario, settings)


def warm_up() -> None:
    """Import the solvers on a worker once, before its first county, so the
    first county's seconds are planning, not imports."""
    import ortools.sat.python.cp_model  # noqa: F401

    import planning.routing  # noqa: F401
    import planning.scheduling  # noqa: F401
    import planning.zoning  # noqa: F401


def cp_workers_per_worker(client) -> dict[str, int]:
    """CPU cores each Dask worker may give CP-SAT: its host's cores split
    over the worker threads on that host (one county per thread)."""
    cores = client.run(os.cpu_count)
    workers = client.scheduler_info(n_workers=-1)["workers"]
    threads_on_host: dict[str, int] = {}
    for info in workers.values():
        threads_on_host[info["host"]] = threads_on_host.get(info["host"], 0) + int(
            info["nthreads"]
        )
    return {
        addr: max(1, int(cores.get(addr) or 1) // max(1, threads_on_host[info["host"]]))
        for addr, info in workers.items()
    }


def run_batch(
    sources: Sequence[CountySource],
    out_dir: str | Path,
    settings: PlanSettings,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    retries: int = 2,
    exporter: Exporter | None = None,
    push: bool = False,
    on_result: Callable[[CountyResult, int, int], None] | None = None,
) -> BatchReport:
    """Plan every county on Dask and write ``out_dir/batch.xlsx``.

    Parameters
    ----------
    workers
        Worker processes of the LocalCluster (default: CPU cores); each has
        one thread, so one county runs per process.
    scheduler
        Address of a running scheduler (``tcp://host:8786``) instead.
    retries
        Times a county is re-run after its worker died (Dask's
        ``allowed-failures`` and the task's ``retries``).
    on_result
        Called as each county finishes with (result, done, total).
    """
    import dask
    from distributed import Client, LocalCluster, as_completed

    t0 = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    with dask.config.set({"distributed.scheduler.allowed-failures": retries}):
        cluster = None
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
        client = Client(cluster if cluster is not None else scheduler)
        try:
            client.run(warm_up)
            sizes = cp_workers_per_worker(client)
            futures = {
                client.submit(
                    plan_county,
                    src,
                    str(out),
                    settings,
                    exporter,
                    push,
                    sizes,
                    key=f"county-{i}-{src.name}",
                    retries=retries,
                    pure=False,
                ): src
                for i, src in enumerate(sources)
            }
            for n, future in enumerate(as_completed(futures), start=1):
                src = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker died more than `retries` times
                    result = CountyResult(
                        name=src.name,
                        status="failed",
                        source=src.describe(),
                        seconds=time.monotonic() - t0,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                report.results.append(result)
                if on_result is not None:
                    on_result(result, n, len(futures))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    order = {s.name: i for i, s in enumerate(sources)}
    report.results.sort(key=lambda r: order.get(r.name, len(order)))
    report.seconds = time.monotonic() - t0
    report.table().to_excel(out / "batch.xlsx", index=False, sheet_name="batch")
    return report
