"""Scenario files assembled by hand in QGIS, as a new user brings them."""

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from planning.io.handmade import load_scenario_file
from planning.io.importer import import_layer
from planning.io.project import load_project
from planning.sample import build_sample

ROOT = Path(__file__).resolve().parent.parent
METRIC = "EPSG:4549"  # CGCS2000 / 3-degree GK 120°E, around Hangzhou


def _plain_layers(n: int = 6, size: float = 500.0, seed: int = 3) -> dict:
    """Cells, squads, enterprises and camera events as QGIS users make them:
    Chinese headers, no cell_id on points, no event id, no towns layer."""
    rng = np.random.default_rng(seed)
    x0, y0 = 500_000.0, 3_340_000.0
    xs, ys = np.meshgrid(x0 + size * np.arange(n), y0 + size * np.arange(n))
    boxes = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + size, ys.ravel() + size)
    cells = gpd.GeoDataFrame(
        {"网格编号": [f"G{k:03d}" for k in range(n * n)]}, geometry=boxes, crs=METRIC
    )
    squads = gpd.GeoDataFrame(
        {"中队编号": ["S1", "S2"], "中队名称": ["东中队", "西中队"], "人数": [8, 8]},
        geometry=[
            shapely.Point(x0 + size, y0 + size * n / 2),
            shapely.Point(x0 + size * (n - 1), y0 + size * n / 2),
        ],
        crs=METRIC,
    )
    m = 40
    pts = rng.uniform([x0, y0], [x0 + n * size, y0 + n * size], size=(m, 2))
    firms = gpd.GeoDataFrame(
        {
            "企业名称": [f"企业{k}" for k in range(m)],
            "统一社会信用代码": [f"91330109MA{k:08d}" for k in range(m)],
            "行业类别": rng.choice(["餐饮", "零售", "美容美发"], m),
            "风险等级": rng.choice(["红", "黄", "绿"], m),
            "信用等级": rng.choice(["A", "B", "C"], m),
        },
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=METRIC,
    )
    k = 60
    ev = rng.uniform([x0, y0], [x0 + n * size, y0 + n * size], size=(k, 2))
    events = gpd.GeoDataFrame(
        {
            "事件类型": rng.choice(["占道经营", "店外经营", "乱堆物料"], k),
            "发现时间": [f"2026-11-{1 + i % 28:02d} 08:{i % 60:02d}" for i in range(k)],
        },
        geometry=gpd.points_from_xy(ev[:, 0], ev[:, 1]),
        crs=METRIC,
    )
    return {"网格": cells, "中队": squads, "企业": firms, "事件": events}


@pytest.fixture
def handmade(tmp_path) -> Path:
    path = tmp_path / "qgis.gpkg"
    for name, gdf in _plain_layers().items():
        pyogrio.write_dataframe(gdf.to_crs(4326), path, layer=name)
    return path


def test_handmade_file_loads_with_derived_columns_and_notes(handmade):
    scenario, plan, notes = load_scenario_file(handmade)
    assert plan is None
    assert len(scenario.cells) == 36 and len(scenario.enterprises) == 40
    # every firm and event sits in the cell that contains it
    cells = scenario.cells.set_index("cell_id").geometry
    for layer in (scenario.enterprises, scenario.hotspots):
        assert layer["cell_id"].notna().all()
        inside = [
            cells[c].buffer(1e-9).contains(g)
            for c, g in zip(layer["cell_id"], layer.geometry, strict=True)
        ]
        assert all(inside)
    ids = scenario.hotspots["event_id"]
    assert ids.notna().all() and ids.is_unique
    assert scenario.enterprises["risk"].isin(["red", "yellow", "green"]).all()
    text = "\n".join(notes)
    assert "meta" in text and "departments" in text and "event" in text.lower()


def test_generated_event_ids_are_stable_across_loads(handmade):
    first = load_scenario_file(handmade)[0].hotspots["event_id"].tolist()
    second = load_scenario_file(handmade)[0].hotspots["event_id"].tolist()
    assert first == second


def test_handmade_file_plans_from_the_command_line(handmade, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "main.py",
            "plan",
            "--scenario",
            str(handmade),
            "--out",
            str(out),
            "--zoning-time-limit",
            "10",
            "--time-limit",
            "10",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "meta" in proc.stdout  # the fallback is said, not hidden
    plans = list(out.rglob("*.gpkg"))
    assert plans
    scenario, plan = load_project(plans[0])
    assert plan is not None
    assert set(scenario.cells["squad_id"]) == {"S1", "S2"}


def test_a_handmade_file_without_cells_fails_with_a_message(tmp_path):
    path = tmp_path / "bad.gpkg"
    layers = _plain_layers()
    pyogrio.write_dataframe(layers["中队"].to_crs(4326), path, layer="中队")
    proc = subprocess.run(
        [
            sys.executable,
            "main.py",
            "plan",
            "--scenario",
            str(path),
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.gpkg" in proc.stderr and "cells" in proc.stderr


def test_camera_event_shapefile_without_id_imports(tmp_path):
    scenario = build_sample(cell_m=1000.0, n_enterprises=50, n_events=50)
    events = scenario.hotspots.head(30)[["event_type", "time", "geometry"]]
    events = events.rename(columns={"event_type": "事件类型", "time": "上报时间"})
    shp = tmp_path / "camera.shp"
    events.to_file(shp, encoding="GBK")  # as camera platforms export
    new = import_layer(scenario, shp, "hotspots")
    assert len(new.hotspots) == 30
    assert new.hotspots["event_id"].is_unique
    assert new.hotspots["event_id"].str.startswith("EV").all()
    assert new.hotspots["cell_id"].isin(set(scenario.cells["cell_id"])).all()


def test_project_edited_in_qgis_gets_cells_of_new_points(tmp_path):
    """A project of this app whose enterprises were replaced in QGIS by a
    layer without ``cell_id``: the cells are computed, not a KeyError."""
    from planning.io.project import save_project

    scenario = build_sample(cell_m=1000.0, n_enterprises=60, n_events=40)
    path = save_project(tmp_path / "p.gpkg", scenario)
    firms = scenario.enterprises.drop(columns="cell_id")
    pyogrio.write_dataframe(firms, path, layer="enterprises")
    loaded, _, notes = load_scenario_file(path)
    assert (
        loaded.enterprises["cell_id"].tolist()
        == scenario.enterprises["cell_id"].astype(str).tolist()
    )
    assert any("enterprises" in n and "cell_id" in n for n in notes)
