"""Sample roads, reach, standby points, the matrix cache and RoadTravel."""

from __future__ import annotations

import time

import numpy as np
import pytest
import shapely

from planning.io.project import (
    ProjectMatrixCache,
    read_optional_layer,
    save_project,
    write_layers,
)
from planning.model import load_policy
from planning.roads.reach import reach_areas, reach_shares, standby_points
from planning.roads.synthetic import sample_roads
from planning.roads.travel import RoadTravel, build_graph, road_digest
from planning.sample import build_sample
from planning.travel import metric_xy


@pytest.fixture(scope="module")
def sample():
    sc = build_sample(n_enterprises=300, n_events=600)
    started = time.perf_counter()
    roads, barriers = sample_roads(sc.outline)
    seconds = time.perf_counter() - started
    graph = build_graph(roads, load_policy())
    return sc, roads, barriers, graph, seconds


def test_sample_roads_are_synthetic_labelled_and_quick(sample):
    sc, roads, barriers, graph, seconds = sample
    assert seconds < 3.0
    assert (roads["synthetic"] == 1).all() and (barriers["synthetic"] == 1).all()
    assert set(barriers["kind"]) == {"river", "expressway"}
    assert (roads["bridge"] == "yes").sum() >= 3  # bridges and overpasses
    again, _ = sample_roads(sc.outline)
    assert again.geometry.equals(roads.geometry)  # deterministic
    assert graph.network.report.components == 1


def test_reach_grows_with_minutes_and_holds_the_base(sample):
    sc, _, _, graph, _ = sample
    bases = metric_xy(sc.squads, graph.crs)[:2]
    areas = reach_areas(graph, bases, (5.0, 15.0))
    for b in range(2):
        five = areas[(areas["base"] == b) & (areas["minutes"] == 5.0)].geometry.iat[0]
        fifteen = areas[(areas["base"] == b) & (areas["minutes"] == 15.0)].geometry
        assert five.area < fifteen.iat[0].area
        # the base itself is in its area, give or take its access leg
        assert five.distance(shapely.Point(bases[b])) < 300
    cells = metric_xy(sc.cells, graph.crs)
    shares = reach_shares(
        graph, metric_xy(sc.squads, graph.crs), {"cells": (cells, None)}
    )
    m = graph.matrix(metric_xy(sc.squads, graph.crs), cells, metres=False).minutes
    assert shares["within"].iat[0] == int((m.min(axis=0) <= 5.0).sum())


def test_standby_points_add_coverage_and_never_lose_any(sample):
    sc, _, _, graph, _ = sample
    bases = metric_xy(sc.squads, graph.crs)
    events = metric_xy(sc.hotspots, graph.crs)
    one = standby_points(graph, bases, events, None, k=1, time_limit=20)
    three = standby_points(graph, bases, events, None, k=3, time_limit=20)
    assert len(three.node) == 3
    assert three.covered >= one.covered >= one.covered_by_bases
    assert three.gained > 0
    # the claim is checked by road: events within 5 min of a base or a point
    xy = np.r_[bases, three.xy]
    m = graph.matrix(xy, events, metres=False).minutes.min(axis=0)
    assert (m <= 5.0).sum() == pytest.approx(three.covered, rel=0.05)


def test_matrix_cache_survives_a_save_and_road_travel_uses_it(sample, tmp_path):
    sc, roads, _, graph, _ = sample
    p = tmp_path / "p.gpkg"
    save_project(p, sc)
    write_layers(p, {"roads": roads})
    save_project(p, sc)  # a later save keeps the road layer
    assert len(read_optional_layer(p, "roads")) == len(roads)
    digest = road_digest(roads, graph.policy)
    xy = metric_xy(sc.squads, graph.crs)
    travel = RoadTravel(graph, digest, ProjectMatrixCache(p, digest))
    km = travel.km(xy, xy)
    assert np.all(np.diag(km) == 0) and np.all(km[~np.eye(len(xy), dtype=bool)] > 0)
    again = RoadTravel(graph, digest, ProjectMatrixCache(p, digest))
    graph_free = again.matrix(xy, xy)  # from the table, not a search
    assert np.array_equal(graph_free.metres, travel.matrix(xy, xy).metres)
    assert np.array_equal(graph_free.code, travel.matrix(xy, xy).code)
    assert read_optional_layer(p, "road_cache") is not None
    assert read_optional_layer(p, "no_such_layer") is None
