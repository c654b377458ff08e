"""Sample roads, reach, standby points, the matrix cache and RoadTravel."""

from __future__ import annotations

import time

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from planning.io.project import read_optional_layer, save_project, write_layers
from planning.io.road_cache import ProjectMatrixCache
from planning.model import load_policy
from planning.roads.context import scenario_adjacency
from planning.roads.reach import reach_areas, reach_shares, standby_points
from planning.roads.synthetic import sample_roads
from planning.roads.travel import RoadTravel, build_graph, road_digest
from planning.sample import build_sample
from planning.travel import metric_xy
from planning.zoning import cell_adjacency


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


def test_sample_barriers_cut_no_cell_off_and_crossings_are_a_few_km_apart(sample):
    sc, roads, barriers, graph, _ = sample
    with_roads = sc.copy()
    with_roads.roads, with_roads.barriers = roads, barriers
    cells = with_roads.cells.reset_index(drop=True)
    n = len(cells)
    plain = cell_adjacency(cells)
    kept = scenario_adjacency(with_roads)
    assert len(kept) < len(plain) - 100  # the river and the expressway do cut
    adj = coo_matrix((np.ones(len(kept)), (kept[:, 0], kept[:, 1])), (n, n))
    parts, _ = connected_components(adj, directed=False)
    assert parts == 1  # no pocket is cut off from the bases
    # neighbours across a barrier meet again within 20 km of cells (40 hops):
    # a bridge or an underpass every few km, not one at each end of the county
    cut = np.array(sorted({*map(tuple, plain.tolist())} - {*map(tuple, kept.tolist())}))
    hops = shortest_path(
        adj, directed=False, unweighted=True, indices=np.unique(cut[:, 0])
    )
    row = {c: i for i, c in enumerate(np.unique(cut[:, 0]))}
    assert max(hops[row[a], b] for a, b in cut) <= 40
    # and every cell is reachable by road from some base
    bases, centres = metric_xy(sc.squads, graph.crs), metric_xy(cells, graph.crs)
    m = graph.matrix(bases, centres, metres=False)
    assert np.isfinite(m.minutes).any(axis=0).all()


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


def test_standby_per_squad_and_window_stays_in_zone_and_adds_coverage(sample):
    from planning.hotspots import estimate_intensity
    from planning.roads.standby import standby_by_squad, window_demand

    sc, _, _, graph, _ = sample
    cells = sc.cells.copy()  # the sample is not zoned: each squad its area
    by_area = dict(zip(sc.squads["area_id"], sc.squads["squad_id"], strict=True))
    cells["squad_id"] = cells["area_id"].map(by_area)
    windows = (("07:00", "09:00"), ("17:00", "19:00"))
    demand = window_demand(cells, estimate_intensity(sc), windows)
    squads = sc.squads["squad_id"].tolist()
    first, second = squads[0], squads[1]
    cars = {first: {"07:00-09:00": 2, "17:00-19:00": 1}, second: 1}
    plan = standby_by_squad(graph, sc.squads, demand, cells, cars, time_limit=10)
    table = plan.table.set_index(["squad_id", "window"])
    assert len(table) == len(squads) * 2
    assert (table["with_standby"] >= table["by_bases"] - 1e-9).all()
    assert np.allclose(table["gained"], table["with_standby"] - table["by_bases"])
    assert table.loc[(first, "07:00-09:00"), "gained"] > 0
    # no cars, no points, no gain
    idle = table.xs(squads[2], level="squad_id")
    assert (idle["cars"] == 0).all() and (idle["gained"] == 0).all()
    pts = plan.points
    assert len(pts[(pts.squad_id == first) & (pts.window == "07:00-09:00")]) == 2
    assert set(pts.squad_id) == {first, second}
    # every point stands in its own squad's zone
    zones = cells.dissolve(by="squad_id").geometry
    for _, p in pts.iterrows():
        assert zones[p.squad_id].buffer(1e-6).contains(p.geometry)
    # the table's claim, checked by road for one squad and window
    mine = demand[
        (demand["window"] == "07:00-09:00") & demand.within(zones[first]).to_numpy()
    ]
    ev = metric_xy(mine, graph.crs)
    chosen = metric_xy(
        pts[(pts.squad_id == first) & (pts.window == "07:00-09:00")], graph.crs
    )
    near = graph.matrix(
        np.r_[metric_xy(sc.squads, graph.crs), chosen], ev, metres=False
    )
    covered = mine["weight"].to_numpy()[(near.minutes <= 5.0).any(axis=0)].sum()
    row = table.loc[(first, "07:00-09:00")]
    assert covered == pytest.approx(row["with_standby"], rel=0.1)
    assert row["events"] == pytest.approx(mine["weight"].sum(), rel=1e-6)


@pytest.fixture(scope="module")
def zoned(sample):
    """The sample with its roads, each squad zoned on its own 片区."""
    sc, roads, barriers, _, _ = sample
    out = sc.copy()
    out.roads, out.barriers = roads, barriers
    by_area = dict(zip(sc.squads["area_id"], sc.squads["squad_id"], strict=True))
    out.cells["squad_id"] = out.cells["area_id"].map(by_area)
    return out


def test_standby_cars_per_squad_is_a_setting_zero_means_bases_alone(zoned):
    from planning.roads.context import road_layers

    none, two, three = (road_layers(zoned, cars=k) for k in (0, None, 3))
    assert len(none.standby) == 0
    bare = none.standby_table
    assert (bare["cars"] == 0).all() and (bare["gained"] == 0).all()
    assert (bare["within_with_standby"] == bare["within_by_bases"]).all()
    per_squad = [t.standby.groupby("squad_id").size() for t in (two, three)]
    assert per_squad[0].max() == 2  # the policy's default
    assert per_squad[1].max() == 3 and (per_squad[1] <= 3).all()
    a = two.standby_table.set_index("squad_id")
    b = three.standby_table.set_index("squad_id")
    assert (b["within_with_standby"] >= a["within_with_standby"] - 1e-6).all()
    assert (b["within_by_bases"] == bare.set_index("squad_id")["within_by_bases"]).all()


def test_the_policy_sets_the_standby_cars_and_names_a_bad_value(zoned):
    from planning.model import PolicyError, parse_policy
    from planning.roads.context import road_layers

    text = zoned.policy.source_text
    assert "standby_cars = 2" in text
    one = zoned.copy()
    one.policy = parse_policy(text.replace("standby_cars = 2", "standby_cars = 1"))
    assert road_layers(one).standby.groupby("squad_id").size().max() == 1
    for bad in ("-1", '"two"', "1.5", "true"):
        with pytest.raises(PolicyError, match=r"\[roads\] standby_cars .* not"):
            parse_policy(text.replace("standby_cars = 2", f"standby_cars = {bad}"))
