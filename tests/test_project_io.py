"""Project files: round trip, atomic save, schema version."""

import sqlite3
from pathlib import Path

import pyogrio
import pytest

from planning.io.project import (
    SCHEMA_VERSION,
    ProjectError,
    load_project,
    read_meta,
    save_project,
)


def test_scenario_round_trips_through_one_geopackage(sample, tmp_path):
    path = save_project(tmp_path / "p.gpkg", sample)
    layers = {row[0] for row in pyogrio.list_layers(path)}
    assert {"cells", "towns", "squads", "enterprises", "hotspots", "meta"} <= layers
    scenario, plan = load_project(path)
    assert plan is None
    for name in ("cells", "towns", "squads", "enterprises", "hotspots"):
        before, after = getattr(sample, name), getattr(scenario, name)
        assert len(after) == len(before), name
        assert after.crs.to_epsg() == 4326
    assert scenario.cells["cell_id"].tolist() == sample.cells["cell_id"].tolist()
    assert scenario.policy.items == sample.policy.items
    assert scenario.horizon == sample.horizon
    assert scenario.synthetic
    # the GeoPackage is a plain one: sqlite sees the standard tables
    with sqlite3.connect(path) as db:
        kinds = dict(db.execute("select table_name, data_type from gpkg_contents"))
    assert kinds["cells"] == "features" and kinds["meta"] == "attributes"


def test_failed_save_leaves_previous_file_intact(sample, tmp_path, monkeypatch):
    import planning.io.project as project

    path = save_project(tmp_path / "p.gpkg", sample)
    before = path.read_bytes()
    real_write = project._write_layer

    def failing_write(target, name, df):
        if name == "hotspots":  # dies after cells, towns, squads were written
            raise OSError("disk full")
        real_write(target, name, df)

    monkeypatch.setattr(project, "_write_layer", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save_project(path, sample)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]


def test_newer_schema_is_refused_with_a_clear_message(sample, tmp_path):
    path = save_project(tmp_path / "p.gpkg", sample)
    with sqlite3.connect(path) as db:
        db.execute(
            "update meta set value = ? where key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    with pytest.raises(ProjectError, match="newer version"):
        load_project(path)


def test_not_a_project_names_the_file(tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(ProjectError, match="junk.gpkg"):
        read_meta(junk)


def test_layers_added_in_qgis_survive_a_save(sample, tmp_path):
    import geopandas as gpd
    import shapely

    path = save_project(tmp_path / "p.gpkg", sample)
    notes = gpd.GeoDataFrame(
        {"note": ["检查点备注"]}, geometry=[shapely.Point(118.5, 28.9)], crs=4326
    )
    pyogrio.write_dataframe(notes, path, layer="my_notes")
    scenario, _ = load_project(path)
    save_project(path, scenario)
    kept = pyogrio.read_dataframe(path, layer="my_notes")
    assert kept["note"].tolist() == ["检查点备注"]


def test_killing_a_save_midway_leaves_a_readable_project(sample, tmp_path):
    """SIGKILL a process that keeps re-saving: the file always re-opens whole."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = save_project(tmp_path / "p.gpkg", sample)
    saver = (
        "import sys; from planning.io.project import load_project, save_project\n"
        "s, _ = load_project(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    save_project(sys.argv[1], s)\n"
    )
    root = Path(__file__).resolve().parent.parent
    for delay in (0.3, 0.9, 1.7):
        proc = subprocess.Popen(
            [sys.executable, "-c", saver, str(path)],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        scenario, _ = load_project(path)
        assert len(scenario.cells) == len(sample.cells)
        assert len(scenario.enterprises) == len(sample.enterprises)
