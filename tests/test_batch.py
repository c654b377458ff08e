"""County batches on Dask distributed, as a bureau runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from planning.batch import CountySource, run_batch, sources_from
from planning.io.project import load_project, save_project
from planning.plan import Plan, PlanSettings, prepare, run_plan, run_zoning
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.zoning import ZoningSettings

ROOT = Path(__file__).resolve().parent.parent
# what `batch --keep-zones --time-limit 20 --no-patrols` runs, with one CP-SAT
# worker as on a one-thread Dask worker. Zoning stops on its time limit, so
# two runs may differ; the schedule of zoned cells is deterministic here.
FAST = PlanSettings(
    zoning=ZoningSettings(workers=1),
    scheduling=ScheduleSettings(time_limit=20.0, workers=1),
    patrols=None,
    rezone=False,
)


@pytest.fixture(scope="module")
def counties(tmp_path_factory) -> Path:
    """Two small zoned county scenario files (today's zones) and a broken file."""
    folder = tmp_path_factory.mktemp("counties")
    for district, seed in (("常山县", 1), ("平湖市", 2)):
        scenario = build_sample(
            district=district, cell_m=2500.0, n_enterprises=40, n_events=40, seed=seed
        )
        zoned, _ = run_zoning(prepare(scenario), ZoningSettings(time_limit=2.0))
        save_project(folder / f"{district}.gpkg", zoned)
    (folder / "broken.gpkg").write_bytes(b"not a geopackage")
    return folder


def test_batch_equals_serial_and_reports_a_broken_file_by_name(counties, tmp_path):
    out = tmp_path / "out"
    files = [
        counties / "常山县.gpkg",
        counties / "平湖市.gpkg",
        counties / "broken.gpkg",
    ]
    proc = subprocess.run(
        [sys.executable, "main.py", "batch", *map(str, files), "--out", str(out),
         "--workers", "2", "--keep-zones", "--time-limit", "20", "--no-patrols"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "失败 failed: broken" in proc.stdout and "broken.gpkg" in proc.stdout
    assert "2/3 counties planned" in proc.stdout
    # progress lines as counties finish
    assert proc.stderr.count("] ") >= 3
    report = pd.read_excel(out / "batch.xlsx")
    assert list(report["县区 county"]) == ["常山县", "平湖市", "broken"]
    assert list(report["状态 status"]) == ["ok", "ok", "failed"]
    for name in ("常山县", "平湖市"):
        assert (out / name / "maps").is_dir()
        _, batch_plan = load_project(out / name / "plan.gpkg")
        scenario, _ = load_project(counties / f"{name}.gpkg")
        serial = run_plan(scenario, FAST)
        cols = ["enterprise_id", "squad_id", "day", "team", "seq", "eta"]
        got = batch_plan.visits[cols].sort_values(cols).reset_index(drop=True)
        want = serial.visits[cols].sort_values(cols).reset_index(drop=True)
        assert got.astype(str).equals(want.astype(str)), name
        row = report[report["县区 county"] == name].iloc[0]
        assert row["综合查一次 joint visits"] == len(serial.visits)
        assert row["减少入企 visits saved"] == serial.summary().visits_saved


def dies_once(plan: Plan, folder: Path) -> None:
    """An exporter whose worker process is killed on the first attempt."""
    attempts = folder.parent / "attempts.txt"
    with open(attempts, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    if len(attempts.read_text().split()) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    save_project(folder / "plan.gpkg", plan.scenario, plan)


def test_a_county_whose_worker_was_killed_is_retried(counties, tmp_path):
    sources = [CountySource(name="常山县", path=str(counties / "常山县.gpkg"))]
    report = run_batch(
        sources, tmp_path, FAST, workers=1, retries=2, exporter=dies_once
    )
    pids = (tmp_path / "attempts.txt").read_text().split()
    assert len(pids) == 2 and pids[0] != pids[1]  # a new worker process
    assert [r.status for r in report.results] == ["ok"]
    assert (tmp_path / "常山县" / "plan.gpkg").exists()


def test_sources_are_files_or_store_projects(counties):
    src = sources_from(
        [str(counties / "常山县.gpkg"), "萧山区", str(counties / "常山县.gpkg")],
        db_url="postgresql://planner@db/bureau",
    )
    assert [s.name for s in src] == ["常山县", "萧山区", "常山县-2"]
    assert src[1].project == "萧山区" and src[1].path is None
    assert src[0].path.endswith("常山县.gpkg")


def test_batch_standby_cars_reach_every_county_plan(tmp_path):
    """``batch --standby-cars N`` reaches each county's plan on the cluster
    as ``plan --standby-cars N`` does: the plan records N and stands at most
    N cars by each squad; a bad number is named before any county runs."""
    files = []
    for district, seed in (("常山县", 1), ("平湖市", 2)):
        scenario = build_sample(
            district=district,
            cell_m=2500.0,
            n_enterprises=30,
            n_events=60,
            seed=seed,
            roads=True,
        )
        zoned, _ = run_zoning(prepare(scenario), ZoningSettings(time_limit=2.0))
        save_project(tmp_path / f"{district}.gpkg", zoned)
        files.append(str(tmp_path / f"{district}.gpkg"))
    out = tmp_path / "out"
    args = [sys.executable, "main.py", "batch", *files, "--out", str(out),
            "--workers", "2", "--keep-zones", "--time-limit", "5",
            "--no-patrols"]  # fmt: skip
    proc = subprocess.run(
        [*args, "--standby-cars", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    cars = []
    for district in ("常山县", "平湖市"):
        _, plan = load_project(out / district / "plan.gpkg")
        assert plan.settings["travel_settings"]["standby_cars"] == 1
        assert plan.standby.groupby("squad_id").size().max() <= 1
        cars += plan.standby_table["cars"].tolist()
    assert max(cars) == 1  # the policy's default would stand 2
    bad = subprocess.run(
        [*args, "--standby-cars", "-1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "--standby-cars" in bad.stderr and "0 or more" in bad.stderr
