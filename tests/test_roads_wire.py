"""Roads wired into the plan: zones, routes, km, labels and the fallback."""

from __future__ import annotations

import sqlite3
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planning.io.project import load_project, save_project
from planning.model import WGS84, Horizon, Scenario, load_policy
from planning.plan import PlanSettings, run_plan
from planning.roads.context import road_context, scenario_adjacency, scenario_travel
from planning.roads.travel import build_graph
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.travel import TravelModel, metric_xy
from planning.zoning import ZoningInput, ZoningSettings, zone, zone_stats

METRIC = "EPSG:4549"  # CGCS2000 / 3-degree GK, central meridian 120°E
X0, Y0 = 500_000.0, 3_200_000.0
SIDE, N = 500.0, 8  # an 8 x 8 grid of 500 m cells; the river between rows 3 and 4
BRIDGE_COL = 2


def _river_grid(bridge: bool = True) -> Scenario:
    """Cells either side of a river that one bridge (column 2) crosses, or
    with ``bridge=False`` none does."""
    cells, ids = [], []
    for r in range(N):
        for c in range(N):
            x, y = X0 + c * SIDE, Y0 + r * SIDE
            cells.append(shapely.box(x, y, x + SIDE, y + SIDE))
            ids.append(f"C{r}{c}")
    n = len(cells)
    cell_layer = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "town_id": "T1",
            "area_id": "A1",
            "land_use": "suburban",
            "workload": np.ones(n),
        },
        geometry=cells,
        crs=METRIC,
    ).to_crs(WGS84)
    mid = Y0 + 4 * SIDE
    centre = [X0 + (c + 0.5) * SIDE for c in range(N)]
    roads = [
        shapely.LineString([(X0 + 0.5 * SIDE, y), (X0 + (N - 0.5) * SIDE, y)])
        for y in (Y0 + (r + 0.5) * SIDE for r in range(N))
    ]
    for c, x in enumerate(centre):
        if c == BRIDGE_COL and bridge:
            roads.append(
                shapely.LineString([(x, Y0 + 0.5 * SIDE), (x, mid + 3.5 * SIDE)])
            )
        else:
            roads.append(
                shapely.LineString([(x, Y0 + 0.5 * SIDE), (x, mid - 0.5 * SIDE)])
            )
            roads.append(
                shapely.LineString([(x, mid + 0.5 * SIDE), (x, mid + 3.5 * SIDE)])
            )
    spans = [c == BRIDGE_COL and bridge for c in range(N)]
    flags = [False] * N + [b for b in spans for _ in ((0,) if b else (0, 1))]
    road_layer = gpd.GeoDataFrame(
        {
            "highway": "residential",
            "oneway": "no",
            "bridge": np.where(flags, "yes", ""),
            "layer": np.where(flags, "1", ""),
        },
        geometry=roads,
        crs=METRIC,
    ).to_crs(WGS84)
    river = shapely.box(X0 - 100, mid - 40, X0 + N * SIDE + 100, mid + 40)
    barriers = gpd.GeoDataFrame(
        {"kind": ["river"], "name": ["测试河"]}, geometry=[river], crs=METRIC
    ).to_crs(WGS84)
    squads = gpd.GeoDataFrame(
        {
            "squad_id": ["S1", "S2"],
            "name": ["一中队", "二中队"],
            "area_id": "A1",
            "staff": [10, 10],
        },
        geometry=[
            shapely.Point(X0 + 1.5 * SIDE, Y0 + 1.5 * SIDE),
            shapely.Point(X0 + 6.5 * SIDE, Y0 + 1.5 * SIDE),
        ],
        crs=METRIC,
    ).to_crs(WGS84)
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84))
    return Scenario(
        name="river",
        cells=cell_layer,
        towns=empty,
        squads=squads,
        enterprises=empty,
        hotspots=empty,
        policy=load_policy(),
        horizon=Horizon(start=date(2026, 12, 1), days=5),
        roads=road_layer,
        barriers=barriers,
    )


def _pieces(adjacency: np.ndarray, members: np.ndarray, n: int) -> int:
    inside = np.zeros(n, bool)
    inside[members] = True
    adj = adjacency[inside[adjacency[:, 0]] & inside[adjacency[:, 1]]]
    graph = coo_matrix((np.ones(len(adj)), (adj[:, 0], adj[:, 1])), (n, n))
    _, label = connected_components(graph, directed=False)
    return len(np.unique(label[members]))


def test_river_cuts_cell_adjacency_except_at_the_bridge():
    sc = _river_grid()
    adj = {tuple(sorted(e)) for e in scenario_adjacency(sc).tolist()}
    across = [(3 * N + c, 4 * N + c) for c in range(N)]
    assert [pair in adj for pair in across] == [c == BRIDGE_COL for c in range(N)]
    assert (0, 1) in adj and (4 * N, 4 * N + 1) in adj  # same bank: neighbours


def test_zoning_never_counts_a_river_crossing_as_contiguity():
    sc = _river_grid()
    ctx = road_context(sc)
    county = ZoningInput(sc.cells, sc.squads, sc.policy, ctx)
    result = zone(county, ZoningSettings(time_limit=10))
    adjacency = scenario_adjacency(sc)
    n = len(sc.cells)
    owner = sc.cells["cell_id"].map(result.assignment).to_numpy()
    for sid in ("S1", "S2"):
        assert _pieces(adjacency, np.flatnonzero(owner == sid), n) == 1
    # the zone that holds the north bank reaches it over the bridge
    north = owner[4 * N :]
    holder = owner[3 * N + BRIDGE_COL]
    assert set(north) == {holder}
    # a west/east split crosses the river without a bridge in the east:
    # contiguous on the plain grid, split under the barrier rule
    split = pd.Series(
        np.where(np.arange(n) % N < N // 2, "S1", "S2"), index=sc.cells["cell_id"]
    )
    with_roads = zone_stats(sc.cells, sc.squads, split, sc.policy, roads=ctx)
    plain = zone_stats(sc.cells, sc.squads, split, sc.policy)
    assert with_roads["contiguous"].tolist() == [1, 0]
    assert plain["contiguous"].tolist() == [1, 1]


def test_a_base_cut_off_by_the_river_is_explained_in_words():
    sc = _river_grid()
    split = pd.Series(
        np.where(np.arange(len(sc.cells)) % N < N // 2, "S1", "S2"),
        index=sc.cells["cell_id"],
    )
    from planning.roads.context import barrier_notes

    notes = barrier_notes(sc.cells, sc.squads, split, sc.policy, road_context(sc))
    assert len(notes) == 1
    assert "测试河" in notes[0] and "二中队" in notes[0] and "C44" in notes[0]


def test_zoning_input_of_a_scenario_zones_by_its_roads_only_when_it_has_them():
    sc = _river_grid()
    county = ZoningInput.from_scenario(sc)
    assert county.cells is sc.cells and county.squads is sc.squads
    assert county.roads is not None and county.roads.barriers is not None
    sc.roads = None
    assert ZoningInput.from_scenario(sc).roads is None


def test_a_bank_no_bridge_reaches_is_an_island_the_explanation_names_the_river():
    sc = _river_grid(bridge=False)
    result = zone(ZoningInput.from_scenario(sc), ZoningSettings(time_limit=10))
    north = [f"C{r}{c}" for r in range(4, N) for c in range(N)]
    assert [sorted(i) for i in result.islands] == [north]
    # the whole bank goes to one squad, not split between the two
    assert result.assignment[north].nunique() == 1
    said = [line for line in result.explanation if "测试河" in line]
    assert len(said) == 1
    assert "C40" in said[0] and "32 个网格" in said[0] and "所有中队驻地" in said[0]


FAST = PlanSettings(
    zoning=ZoningSettings(time_limit=5),
    scheduling=ScheduleSettings(time_limit=8),
    patrols=None,
)


@pytest.fixture(scope="module")
def road_plan():
    sc = build_sample(cell_m=1000.0, n_enterprises=150, n_events=150, roads=True)
    return run_plan(sc, FAST)


def _stops_metric(plan, route, crs) -> np.ndarray:
    v = plan.visits
    mine = v[
        (v["squad_id"] == route.squad_id)
        & (v["day"] == route.day)
        & (v["team"].astype(int) == int(route.team))
    ].sort_values("seq")
    base = plan.scenario.squads[plan.scenario.squads["squad_id"] == route.squad_id]
    b = metric_xy(base, crs)[0]
    return np.vstack([b, metric_xy(mine, crs), b])


def test_route_lines_follow_the_roads_apart_from_access_legs(road_plan):
    plan = road_plan
    ctx = road_context(plan.scenario)
    crs = ctx.crs
    roads = shapely.union_all(plan.scenario.roads.to_crs(crs).geometry.to_numpy())
    routes = plan.routes.to_crs(crs)
    assert len(routes) > 0
    checked = 0
    for route in routes.itertuples():
        stops = _stops_metric(plan, route, crs)
        xy = shapely.get_coordinates(route.geometry)
        assert len(xy) > len(stops)  # not straight segments between stops
        seg = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
        mids = shapely.line_interpolate_point(seg, 0.5, normalized=True)
        on_road = shapely.distance(mids, roads) < 3.0
        # an access leg starts or ends at a stop (a firm or the base)
        ends = np.vstack([xy[:-1], xy[1:]])
        at_stop = np.zeros(len(seg), bool)
        for s in stops:
            near = np.hypot(*(ends - s).T) < 0.01
            at_stop |= near[: len(seg)] | near[len(seg) :]
        assert (on_road | at_stop).all(), route.route_id
        # at most two access legs per stop visit
        assert (~on_road).sum() <= 2 * len(stops)
        checked += 1
    assert checked == len(routes)


def test_plan_km_is_the_road_km_through_the_same_stops_in_order(road_plan):
    plan = road_plan
    ctx = road_context(plan.scenario)
    graph = build_graph(plan.scenario.roads, plan.scenario.policy, ctx.crs)
    routes = plan.routes
    straight = 0.0
    for route in routes.itertuples():
        stops = _stops_metric(plan, route, ctx.crs)
        metres = graph.matrix(stops, stops).metres
        km = sum(metres[i, i + 1] for i in range(len(stops) - 1)) / 1000.0
        assert route.km == pytest.approx(km, abs=0.006), route.route_id
        straight += np.hypot(*np.diff(stops, axis=0).T).sum() / 1000.0
    assert routes["km"].sum() > straight  # roads are longer than straight lines
    summary = plan.summary()
    assert summary.by_road
    assert any("按道路计算 by road" in line for line in summary.lines())
    assert plan.reach is not None and set(plan.reach["minutes"]) == {5.0, 15.0, 30.0}
    assert dict(summary.reach_shares).keys() == {"cells", "enterprises", "events"}


def test_work_orders_say_the_route_follows_the_roads(road_plan, tmp_path):
    from pypdf import PdfReader

    from maps.export.pdf import write_work_orders

    squad = str(road_plan.routes["squad_id"].iloc[0])
    (pdf,) = write_work_orders(road_plan, tmp_path, squad_id=squad)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages[:1])
    flat = "".join(text.split())
    assert "按道路计算" in flat and "路线沿导入的道路绘制" in flat
    assert "直线估算" not in flat


def test_without_roads_the_straight_line_estimate_stays_and_says_so(store_plan):
    plan = store_plan  # a sample county planned without roads (conftest.py)
    assert plan.scenario.roads is None
    assert isinstance(scenario_travel(plan.scenario), TravelModel)
    lines = plan.summary().lines()
    assert any("直线估算 straight-line estimate" in line for line in lines)
    assert plan.reach is None and plan.standby is None
    route = plan.routes.iloc[0]
    stops = plan.visits[
        (plan.visits["squad_id"] == route["squad_id"])
        & (plan.visits["day"] == route["day"])
        & (plan.visits["team"] == route["team"])
    ]
    # straight segments: base, the stops, base
    assert len(shapely.get_coordinates(route.geometry)) == len(stops) + 2


def _drop_layer(path, name: str) -> None:
    """Delete a layer the way QGIS does (table, its index and the catalogue)."""
    with sqlite3.connect(path) as db:
        rtrees = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
            (f"rtree_{name}_%",),
        ).fetchall()
        for (rtree,) in rtrees:
            if not rtree.endswith(("_node", "_parent", "_rowid")):
                db.execute(f'DROP TABLE "{rtree}"')
        db.execute(f'DROP TABLE "{name}"')
        for table in ("gpkg_geometry_columns", "gpkg_contents", "gpkg_extensions"):
            db.execute(f"DELETE FROM {table} WHERE table_name = ?", (name,))


def test_a_deleted_road_layer_falls_back_and_says_so(tmp_path):
    sc = build_sample(cell_m=2000.0, n_enterprises=30, n_events=30, roads=True)
    path = save_project(tmp_path / "p.gpkg", sc)
    again, _ = load_project(path)
    assert again.roads is not None and len(again.roads) == len(sc.roads)
    assert again.road_note == ""
    _drop_layer(path, "roads")
    fallen, _ = load_project(path)
    assert fallen.roads is None and fallen.barriers is not None
    assert "roads" in fallen.road_note and "straight-line" in fallen.road_note
    assert isinstance(scenario_travel(fallen), TravelModel)


def test_a_plan_keeps_its_standby_cars_and_the_cli_names_a_bad_number(
    road_plan, tmp_path, capsys
):
    import dataclasses

    import main
    from planning.plan import with_road_layers

    assert road_plan.settings["travel_settings"]["standby_cars"] == 2
    assert road_plan.standby.groupby("squad_id").size().max() == 2
    plan = dataclasses.replace(road_plan.copy(), settings=dict(road_plan.settings))
    none = with_road_layers(plan, 0)
    assert len(none.standby) == 0 and (none.standby_table["cars"] == 0).all()
    # redrawn after an imported layer, the plan keeps its number of cars
    assert len(with_road_layers(none).standby) == 0
    for bad in ("-1", "two"):
        with pytest.raises(SystemExit) as exit_:
            main.main(
                ["plan", "--sample", "--out", str(tmp_path), "--standby-cars", bad]
            )
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert "--standby-cars" in err and "0 or more" in err and repr(bad) in err
