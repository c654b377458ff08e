"""The command line as batch users and scripts call it."""

import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from planning.io.project import load_project, save_project
from planning.sample import build_sample

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args, "--quiet"]
        if args and args[0] != "--help"
        else [sys.executable, "main.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small scenario file: 1,000 m cells, 300 firms, 300 events."""
    folder = tmp_path_factory.mktemp("cli")
    scenario = build_sample(cell_m=1000.0, n_enterprises=300, n_events=300)
    path = save_project(folder / "scenario.gpkg", scenario)
    cells = folder / "cells.gpkg"
    pyogrio.write_dataframe(scenario.cells.drop(columns="squad_id"), cells)
    squads = folder / "squads.geojson"
    pyogrio.write_dataframe(scenario.squads, squads, driver="GeoJSON")
    return folder, path, cells, squads


def test_help_lists_every_command():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("plan", "zone", "schedule", "validate", "export", "import"):
        assert command in proc.stdout


@pytest.fixture(scope="module")
def zoned(small) -> tuple[subprocess.CompletedProcess, Path]:
    """``zone`` run once on the small scenario's layers: the finished process
    and the file it wrote (checked here, scheduled by :func:`planned`)."""
    folder, _, cells, squads = small
    out = folder / "zoned.gpkg"
    proc = run("zone", str(cells), str(squads), "--out", str(out), "--time-limit", "10")
    return proc, out


def test_zone_writes_cells_with_squad_and_zones(zoned):
    proc, out = zoned
    assert proc.returncode == 0, proc.stderr
    assert "contiguous y" in proc.stdout
    cells = pyogrio.read_dataframe(out, layer="cells")
    zones = pyogrio.read_dataframe(out, layer="zones")
    assert cells["squad_id"].notna().all()
    assert len(zones) == 7 and (zones["deviation_pct"].abs() <= 5.0 + 1e-6).all()


def test_zone_exits_nonzero_with_an_explanation_when_infeasible(small):
    folder, _, cells, squads = small
    big = pyogrio.read_dataframe(cells)
    big.loc[0, "workload"] = 1e7  # one cell outweighs every squad's target
    path = folder / "heavy.gpkg"
    pyogrio.write_dataframe(big, path)
    proc = run(
        "zone",
        str(path),
        str(squads),
        "--out",
        str(folder / "x.gpkg"),
        "--time-limit",
        "5",
    )
    assert proc.returncode == 1
    assert big.loc[0, "cell_id"] in proc.stdout


def test_zone_names_the_missing_column(small):
    folder, _, cells, squads = small
    bad = pyogrio.read_dataframe(squads).drop(columns="staff")
    path = folder / "nostaff.geojson"
    pyogrio.write_dataframe(bad, path, driver="GeoJSON")
    proc = run("zone", str(cells), str(path), "--out", str(folder / "y.gpkg"))
    assert proc.returncode == 2
    assert "staff" in proc.stderr and "nostaff.geojson" in proc.stderr


@pytest.fixture(scope="module")
def planned(small, zoned):
    """zone -> schedule through the CLI; returns the plan file."""
    folder, scenario_path, _, _ = small
    proc, zoned_path = zoned
    assert proc.returncode == 0, proc.stderr
    scenario, _ = load_project(scenario_path)
    assignment = pyogrio.read_dataframe(zoned_path, layer="cells").set_index("cell_id")
    scenario.cells["squad_id"] = scenario.cells["cell_id"].map(assignment["squad_id"])
    zoned_scenario = save_project(folder / "zoned_scenario.gpkg", scenario)
    plan_path = folder / "plan.gpkg"
    proc = run(
        "schedule",
        str(zoned_scenario),
        "--out",
        str(plan_path),
        "--days",
        "10",
        "--time-limit",
        "20",
    )
    assert proc.returncode == 0, proc.stderr
    assert "visits saved" in proc.stdout
    return plan_path


def test_schedule_validate_export_patrols_chain(planned, tmp_path):
    plan_path = tmp_path / "plan.gpkg"
    plan_path.write_bytes(planned.read_bytes())
    proc = run("validate", str(plan_path))
    assert proc.returncode == 0, proc.stdout
    assert "0 violations" in proc.stdout
    proc = run(
        "patrols", str(plan_path), "--window", "07:00-09:00", "--budget-minutes", "60"
    )
    assert proc.returncode == 0, proc.stderr
    _, plan = load_project(plan_path)
    assert plan.patrols is not None and set(plan.patrols["window"]) == {"07:00-09:00"}
    assert (plan.patrols["minutes"] <= 60 + 1e-6).all()
    out = tmp_path / "export"
    proc = run("export", str(plan_path), "--out", str(out), "--squad", "SQ01")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in (out / "maps").iterdir()] == ["SQ01.html"]
    assert (out / "work_orders").exists() and (out / "schedule.xlsx").exists()


def test_export_online_basemaps(planned, tmp_path):
    """天地图 needs the planner's key: refused without one, written with it."""
    out = tmp_path / "tdt"
    args = ("export", str(planned), "--out", str(out), "--squad", "SQ01")
    proc = run(*args, "--basemap", "tianditu")
    assert proc.returncode == 2
    assert "key" in proc.stderr.lower() or "密钥" in proc.stderr
    proc = run(*args, "--basemap", "tianditu", "--tianditu-key", "abc123def456")
    assert proc.returncode == 0, proc.stderr
    page = (out / "maps" / "SQ01.html").read_text(encoding="utf-8")
    assert "tianditu.gov.cn" in page and "abc123def456" in page


def test_validate_catches_a_tampered_plan(planned, tmp_path):
    scenario, plan = load_project(planned)
    first = plan.visits.index[0]
    end = 12 * 60 + 10 + int(plan.visits.at[first, "service_min"])
    # move the first visit into the lunch break, consistently
    plan.visits.loc[first, ["eta", "start", "end"]] = [
        "12:05",
        "12:10",
        f"{end // 60:02d}:{end % 60:02d}",
    ]
    tampered = save_project(tmp_path / "tampered.gpkg", scenario, plan)
    proc = run("validate", str(tampered))
    assert proc.returncode == 1
    assert "during_lunch" in proc.stdout


def test_failed_import_leaves_project_bytes_unchanged(small, tmp_path):
    _, scenario_path, _, _ = small
    project = tmp_path / "p.gpkg"
    project.write_bytes(scenario_path.read_bytes())
    before = project.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,名称,经度,纬度\n1,a,118.5,28.9\n1,b,118.6,abc\n", encoding="utf-8"
    )
    proc = run("import", str(bad), "--project", str(project), "--as", "enterprises")
    assert proc.returncode == 2
    assert "bad.csv" in proc.stderr
    assert project.read_bytes() == before
