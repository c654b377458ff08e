"""Road matrices kept in the project: a reopened project plans without searching."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

import numpy as np
import pyogrio
import pytest
import shapely

import planning.roads.context as road_ctx
from planning.io.handmade import load_scenario_file
from planning.io.project import load_project, save_project
from planning.io.road_cache import ProjectMatrixCache
from planning.plan import PlanSettings, run_plan
from planning.roads.graph import RoadGraph
from planning.roads.travel import RoadTravel
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.travel import metric_xy
from planning.zoning import ZoningSettings

SETTINGS = PlanSettings(
    zoning=ZoningSettings(time_limit=10, workers=1),
    scheduling=ScheduleSettings(time_limit=5),
    patrols=None,
)


@pytest.fixture
def searches(monkeypatch):
    """Every matrix the road graph computes, as (origins, destinations,
    the points' bytes); road contexts forgotten, as in a new process."""
    calls: list[tuple[int, int, bytes]] = []
    compute = RoadGraph.matrix

    def counted(self, origins, destinations, metres=True):
        points = np.r_[origins, destinations].tobytes() + bytes([metres])
        calls.append((len(origins), len(destinations), points))
        return compute(self, origins, destinations, metres)

    monkeypatch.setattr(RoadGraph, "matrix", counted)
    monkeypatch.setattr(road_ctx, "_CONTEXTS", OrderedDict())
    return calls


def _reopen(path):
    road_ctx._CONTEXTS.clear()  # a new session builds the graph again
    scenario, _, _ = load_scenario_file(path)
    return scenario


def _cache_rows(path, reach: bool = False) -> list[tuple[str, int, int]]:
    """(digest, rows, cols) of the stored matrices, or of the reach searches."""
    table = pyogrio.read_dataframe(path, layer="road_cache")
    table = table[table["key"].str.startswith("reach|") == reach]
    return list(zip(table["digest"], table["rows"], table["cols"], strict=True))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    sc = build_sample(cell_m=2000.0, n_enterprises=80, n_events=80, roads=True)
    path = tmp_path_factory.mktemp("cache") / "p.gpkg"
    save_project(path, sc)
    return path


def test_second_plan_of_a_project_reads_every_matrix_from_it(project, searches):
    first = run_plan(_reopen(project), SETTINGS)
    computed = {points: (r, c) for r, c, points in searches}
    n_cells = len(first.scenario.cells)
    n_squads = len(first.scenario.squads)
    assert (n_squads, n_cells) in computed.values()  # zoning's bases x cells
    rows = _cache_rows(project)
    assert len(rows) == len(computed) and len({d for d, _, _ in rows}) == 1
    assert (n_squads, n_cells) in [(r, c) for _, r, c in rows]

    searches.clear()
    second = run_plan(_reopen(project), SETTINGS)
    # nothing the first plan searched is searched again; the scheduler (a
    # time-limited CP-SAT) may form a team-day it did not form before
    again = [(r, c) for r, c, points in searches if points in computed]
    assert again == []
    assert (n_squads, n_cells) not in [(r, c) for r, c, _ in searches]
    zones = first.scenario.cells.set_index("cell_id")["squad_id"]
    again = second.scenario.cells.set_index("cell_id")["squad_id"]
    assert again.equals(zones)
    # still a GeoPackage every tool opens, the project's layers all there
    layers = {str(name) for name, _ in pyogrio.list_layers(project)}
    assert {"cells", "squads", "roads", "meta", "road_cache"} <= layers
    assert len(pyogrio.read_dataframe(project, layer="cells")) == n_cells


def test_an_edited_road_layer_searches_again_and_drops_stale_rows(
    project, searches, tmp_path
):
    sc = _reopen(project)
    run_plan(sc, SETTINGS)  # the cache holds this road layer's matrices
    old = {d for d, _, _ in _cache_rows(project)}
    edited = sc.copy()
    roads = sc.roads.copy()
    # a planner drags one road's end a little in QGIS
    roads.loc[0, "geometry"] = shapely.LineString(
        [*shapely.get_coordinates(roads.geometry.iat[0])[:-1], (118.5, 28.9)]
    )
    edited.roads = roads
    path = tmp_path / "edited.gpkg"
    save_project(path, edited)
    searches.clear()
    run_plan(_reopen(path), SETTINGS)
    assert searches  # the new layer's matrices were searched
    digests = {d for d, _, _ in _cache_rows(path)}
    assert len(digests) == 1 and not digests & old


def _travel(path, sc) -> tuple[RoadTravel, np.ndarray]:
    ctx = road_ctx.road_context(sc)
    cache = ProjectMatrixCache(path, ctx.travel.digest, timeout=0.2)
    return RoadTravel(ctx.travel.graph, ctx.travel.digest, cache), metric_xy(
        sc.squads, ctx.crs
    )


@pytest.mark.parametrize("kind", ["missing", "folder", "not a GeoPackage", "locked"])
def test_a_project_the_cache_cannot_use_plans_in_memory(project, tmp_path, kind):
    sc = _reopen(project)
    path = tmp_path / "p.gpkg"
    if kind == "folder":
        path.mkdir()
    elif kind == "not a GeoPackage":
        path.write_text("not a database")
    elif kind == "locked":
        save_project(path, sc)
        before = path.read_bytes()
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process is writing
    travel, xy = _travel(path, sc)
    try:
        minutes = travel.minutes(xy, xy)
        again = travel.minutes(xy, xy)  # from memory
    finally:
        if kind == "locked":
            holder.execute("ROLLBACK")
            holder.close()
    assert np.all(np.diag(minutes) == 0) and np.all(
        minutes[~np.eye(len(xy), dtype=bool)] > 0
    )
    assert again is minutes
    assert travel.cache.error and str(path) in travel.cache.error
    if kind == "missing":
        assert not path.exists()  # never created by the cache
    if kind == "locked":
        assert path.read_bytes() == before
        assert load_project(path)[0].name == sc.name


def test_save_as_carries_the_matrices_to_the_new_file(project, tmp_path):
    sc = _reopen(project)
    run_plan(sc, SETTINGS)
    rows = _cache_rows(project)
    copy = tmp_path / "copy.gpkg"
    save_project(copy, sc)
    assert sorted(_cache_rows(copy)) == sorted(rows)
    save_project(copy, sc)  # a second save keeps them too
    assert sorted(_cache_rows(copy)) == sorted(rows)


def test_reach_areas_of_a_reopened_project_are_read_not_searched(tmp_path, monkeypatch):
    """The reach layer is kept in the project: a new session draws the same
    areas without searching; other steps search and are kept beside."""
    sc = build_sample(cell_m=2000.0, n_enterprises=40, n_events=40, roads=True)
    path = tmp_path / "p.gpkg"
    save_project(path, sc)
    reached: list[tuple[bytes, float]] = []
    search = RoadGraph.reach_minutes

    def counted(self, origins, limit):
        reached.append((np.asarray(origins, float).tobytes(), float(limit)))
        return search(self, origins, limit)

    monkeypatch.setattr(RoadGraph, "reach_minutes", counted)
    monkeypatch.setattr(road_ctx, "_CONTEXTS", OrderedDict())
    first = road_ctx.road_layers(_reopen(path), cars=0).reach
    assert len(reached) == 1  # one search for every base and every step
    assert len(first) == 3 * len(sc.squads)
    (digest, rows, cols), *more = _cache_rows(path, reach=True)
    assert (rows, cols) == (len(first), 1) and more == []
    assert {d for d, _, _ in _cache_rows(path)} == {digest}  # the matrices' key
    searched = set(reached)
    reached.clear()
    session = _reopen(path)
    second = road_ctx.road_layers(session, cars=0).reach
    assert reached == []
    assert second.geom_equals_exact(first, tolerance=0).all()
    assert second[["squad_id", "minutes"]].equals(first[["squad_id", "minutes"]])
    # 10 and 20 minutes are other areas: searched once, kept beside
    other = road_ctx.road_layers(session, minutes=(10.0, 20.0), cars=0).reach
    assert len(reached) == 1 and not set(reached) & searched
    assert len(_cache_rows(path, reach=True)) == 2
    # the 5-minute area lies within the 20-minute one of the same base
    five = first[first["minutes"] == 5.0].set_index("squad_id").geometry
    twenty = other[other["minutes"] == 20.0].set_index("squad_id").geometry
    five = five.loc[twenty.index].to_numpy()
    outside = shapely.area(shapely.difference(five, twenty.to_numpy()))
    assert np.all(outside <= 1e-6 * shapely.area(five))
