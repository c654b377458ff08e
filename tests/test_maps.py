"""Map pages: offline, escaped, and really rendered by QtWebEngine."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pytest

from maps.render import render_plan_map, write_squad_maps
from planning.plan import Plan
from planning.progress import ProgressEvent

pytest.importorskip("PySide6.QtWebEngineWidgets")

from tests.helpers.map_plan import WGS84, XSS, map_plan  # noqa: E402
from tests.helpers.webengine import load_html_in_webengine  # noqa: E402


@pytest.fixture(scope="module")
def plan() -> Plan:
    return map_plan()


def _external_refs(html: str) -> list[str]:
    """src/href attributes of script/link/img tags that point to the network."""
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html, re.IGNORECASE)
    return [t for t in tags if re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", t)]


def test_page_is_self_contained(plan: Plan) -> None:
    html = render_plan_map(plan)
    assert _external_refs(html) == []
    assert 't.version="1.9.4"' in html
    assert "tile.openstreetmap.org" not in html  # no tiles unless asked for
    assert "示例数据 (synthetic)" in html
    # the raw XSS payload never appears unescaped anywhere in the page
    assert XSS not in html
    osm = render_plan_map(plan, basemap="osm")
    assert _external_refs(osm) == []
    assert "tile.openstreetmap.org" in osm
    with pytest.raises(ValueError):
        render_plan_map(plan, basemap="google")
    with pytest.raises(ValueError):
        render_plan_map(plan, "SQ99")


def test_not_synthetic_has_no_label(plan: Plan) -> None:
    real = replace(plan, scenario=replace(plan.scenario, synthetic=False))
    assert "示例数据" not in render_plan_map(real)


PROBE = """
(function () {
  var pm = window.plannerMap, out = {};
  out.typeofL = typeof L;
  out.enterpriseMarkers = pm.layers.enterprises.getLayers().length;
  out.entsOnMap = pm.map.hasLayer(pm.layers.enterprises);
  out.cells = pm.layers.cells.getLayers().length;
  out.cellIds = Object.keys(pm.cellLayers).sort();
  out.cellSquads = pm.layers.cells.getLayers().map(function (l) {
    return l.feature.properties.squad_id; });
  out.zones = pm.layers.zones.getLayers().length;
  out.hotspots = pm.layers.hotspotCount;
  out.heatOnMap = !!pm.layers.hotspots && pm.map.hasLayer(pm.layers.hotspots);
  out.routeDays = Object.keys(pm.layers.routes);
  out.stopBadges = Array.prototype.map.call(
    document.querySelectorAll(".stop-badge"), function (e) { return e.textContent; });
  out.canvases = document.querySelectorAll(".leaflet-pane canvas").length;
  out.synthetic = (document.getElementById("synthetic-label") || {}).textContent;
  out.controlItems = document.querySelectorAll(
    ".leaflet-control-layers-overlays label").length;
  var xss = null;
  Object.keys(pm.enterpriseLayers).forEach(function (id) {
    if (pm.enterpriseLayers[id].enterprise.name.indexOf("alert") >= 0) xss = id; });
  out.xssOpened = pm.openEnterprise(xss);
  var content = document.querySelector(".leaflet-popup-content");
  out.popupText = content ? content.textContent : null;
  out.popupScripts = content ? content.querySelectorAll("script,b").length : -1;
  // an injected payload would be a <script> element whose code is alert(1)
  out.scriptsWithPayload = Array.prototype.filter.call(document.scripts,
    function (s) { return s.textContent.trim() === "alert(1)"; }).length;
  // switch cells off and on: enterprises and bases must stay drawn above them
  var ent0 = pm.layers.enterprises.getLayers()[0];
  var renderer = pm.map.getRenderer(ent0);
  pm.map.removeLayer(pm.layers.cells);
  pm.map.addLayer(pm.layers.cells);
  var last = renderer._drawLast.layer;
  out.lastDrawnIsBase = pm.layers.bases.hasLayer(last);
  var c = pm.map.getBounds().getCenter();
  out.center = [c.lat, c.lng];
  return JSON.stringify(out);
})()
"""


def test_county_page_renders_in_webengine(qtbot, tmp_path: Path, plan: Plan) -> None:
    html = render_plan_map(plan)
    messages, r = load_html_in_webengine(qtbot, html, tmp_path, PROBE)
    assert messages == []  # no console error or warning, no alert
    assert r["typeofL"] == "object"
    assert r["enterpriseMarkers"] == len(plan.scenario.enterprises) == 5
    assert r["entsOnMap"] is True
    assert r["cells"] == 6
    assert r["cellIds"] == sorted(plan.scenario.cells["cell_id"])
    assert sorted(r["cellSquads"]) == sorted(plan.scenario.cells["squad_id"])
    assert r["zones"] == 2
    assert r["hotspots"] == 6 and r["heatOnMap"] is True
    assert r["routeDays"] == ["2026-06-01"]
    assert r["canvases"] >= 1  # preferCanvas: vectors drawn on a canvas
    assert r["synthetic"] == "示例数据 (synthetic)"
    # the XSS name is shown as text in its popup; nothing was executed
    assert r["xssOpened"] is True
    assert XSS in r["popupText"]
    assert "食品经营许可与公示" in r["popupText"]  # items to check
    assert "市场监管" in r["popupText"]  # department names
    assert "09:50" in r["popupText"]  # ETA
    assert r["popupScripts"] == 0
    assert r["scriptsWithPayload"] == 0
    assert not any(m.startswith("alert:") for m in messages)
    assert r["lastDrawnIsBase"] is True
    lat, lon = r["center"]
    assert 28.9 < lat < 28.92 and 118.5 < lon < 118.53


def test_squad_page_shows_only_its_zone(qtbot, tmp_path: Path, plan: Plan) -> None:
    html = render_plan_map(plan, "SQ01")
    messages, r = load_html_in_webengine(qtbot, html, tmp_path, PROBE)
    assert messages == []
    assert r["cells"] == 4
    assert set(r["cellSquads"]) == {"SQ01"}
    assert r["enterpriseMarkers"] == 4  # E4 lies in SQ02's zone
    assert r["zones"] == 2  # own outline plus the neighbour, faint
    assert r["hotspots"] == 4
    assert sorted(r["stopBadges"]) == ["1", "2", "3"]
    assert XSS in r["popupText"]
    assert r["scriptsWithPayload"] == 0


def test_write_squad_maps(tmp_path: Path, plan: Plan) -> None:
    events: list[ProgressEvent] = []
    paths = write_squad_maps(plan, tmp_path / "maps", events.append)
    assert [p.name for p in paths] == ["SQ01.html", "SQ02.html"]
    assert all(p.exists() for p in paths)
    sq02 = paths[1].read_text(encoding="utf-8")
    assert "球川中队" in sq02 and "老王饭店" not in sq02
    assert _external_refs(sq02) == []
    assert events[-1].fraction == 1.0


UNSCHEDULED_PROBE = """
(function () {
  var pm = window.plannerMap;
  pm.openEnterprise("E4");
  var content = document.querySelector(".leaflet-popup-content");
  return JSON.stringify({
    cells: pm.layers.cells.getLayers().length,
    zones: pm.layers.zones.getLayers().length,
    popupText: content ? content.textContent : null,
    recoloured: pm.setCellSquad("C00", "SQ02"),
  });
})()
"""


def test_plan_before_zoning_and_scheduling(qtbot, tmp_path: Path, plan: Plan) -> None:
    """A scenario just imported (no zones, visits or routes) still draws."""
    sc = plan.scenario.copy()
    sc.cells = sc.cells.drop(columns=["squad_id", "workload"])
    empty = gpd.GeoDataFrame(geometry=[], crs=WGS84)
    bare = Plan(sc, empty, empty, empty, plan.unscheduled, plan.roster)
    html = render_plan_map(bare)
    messages, r = load_html_in_webengine(qtbot, html, tmp_path, UNSCHEDULED_PROBE)
    assert messages == []
    assert r["cells"] == 6 and r["zones"] == 0
    # no visit: the popup lists the items due and why it was not scheduled
    assert "食品经营许可与公示" in r["popupText"]
    assert "no 市场监管 inspector is available" in r["popupText"]
    assert r["recoloured"] is True


def test_page_loaded_without_size(qtbot, tmp_path: Path, plan: Plan) -> None:
    """A map loaded in a hidden tab (0 x 0) must not fail on fitBounds."""
    html = render_plan_map(plan, "SQ01")
    probe = (
        "JSON.stringify(window.plannerMap ?"
        " [window.plannerMap.map.getCenter().lat,"
        " window.plannerMap.map.getCenter().lng] : null)"
    )
    messages, center = load_html_in_webengine(qtbot, html, tmp_path, probe, size=(0, 0))
    assert messages == []
    lat, lon = center
    assert 28.9 < lat < 28.92 and 118.5 < lon < 118.52


PATROL_PROBE = """
(function () {
  var pm = window.plannerMap, out = {};
  var g = pm.layers.patrols;
  out.hasLayer = !!g;
  out.onMap = !!g && pm.map.hasLayer(g);
  out.pointCount = pm.layers.patrolPoints;
  out.markers = g ? g.getLayers().filter(function (l) {
    return l instanceof L.Marker; }).map(function (l) {
    return [l.patrol.loop_id, l.patrol.seq]; }) : [];
  out.lines = g ? g.getLayers().filter(function (l) {
    return l instanceof L.Polyline; }).map(function (l) {
    return l.options.color; }) : [];
  out.controlLabels = Array.prototype.map.call(
    document.querySelectorAll(".leaflet-control-layers-overlays label"),
    function (e) { return e.textContent.trim(); });
  out.legend = (document.querySelector(".pm-legend") || {}).textContent || "";
  if (g && !out.onMap) g.addTo(pm.map);
  out.badges = Array.prototype.map.call(
    document.querySelectorAll(".patrol-badge"), function (e) { return e.textContent; });
  out.popups = [];
  g && g.getLayers().forEach(function (l) {
    if (!(l instanceof L.Marker)) return;
    l.openPopup();
    var c = l.getPopup().getElement().querySelector(".leaflet-popup-content");
    out.popups.push(c ? c.textContent : null);
    out.popupTags = (out.popupTags || 0) +
      (c ? c.querySelectorAll("script,b").length : 0);
  });
  out.scriptsWithPayload = Array.prototype.filter.call(document.scripts,
    function (s) { return s.textContent.trim() === "alert(1)"; }).length;
  return JSON.stringify(out);
})()
"""


def _patrol_plan() -> Plan:
    from tests.helpers.export_plan import make_plan

    return make_plan()


def test_squad_page_has_patrol_layer(qtbot, tmp_path: Path) -> None:
    from tests.helpers.export_plan import PATROLS

    plan = _patrol_plan()
    html = render_plan_map(plan, "SQ01")
    assert XSS not in html
    messages, r = load_html_in_webengine(qtbot, html, tmp_path, PATROL_PROBE)
    assert messages == []
    assert r["hasLayer"] is True and r["onMap"] is True  # on for a squad page
    n_points = sum(len(p[6]) for p in PATROLS)
    assert r["pointCount"] == len(r["markers"]) == n_points == 5
    # points in seq order within each loop
    assert r["markers"] == [
        [lid, seq] for lid, *_, pts in PATROLS for seq in sorted(p[0] for p in pts)
    ]
    assert sorted(r["badges"]) == ["1", "1", "2", "2", "3"]
    assert len(r["lines"]) == 2 and len(set(r["lines"])) == 2  # colour per window
    assert "巡查路线 (patrols)" in r["controlLabels"]
    assert "07:00-09:00" in r["legend"] and "17:00-20:00" in r["legend"]
    first = r["popups"][0]
    assert "周一" in first and "07:00-09:00" in first and "占道经营" in first
    assert "0.90" in first  # expected events of seq 1
    assert any("周三" in p and "17:00-20:00" in p for p in r["popups"])
    assert any(XSS in p for p in r["popups"])  # event type shown as text
    assert r["popupTags"] == 0 and r["scriptsWithPayload"] == 0


def test_county_page_patrols_off_and_other_squad_empty(qtbot, tmp_path: Path) -> None:
    plan = _patrol_plan()
    messages, r = load_html_in_webengine(
        qtbot, render_plan_map(plan), tmp_path, PATROL_PROBE
    )
    assert messages == []
    assert r["hasLayer"] is True and r["onMap"] is False  # off by default
    assert r["pointCount"] == 5 and len(r["badges"]) == 5  # after switching on
    assert "巡查路线 (patrols)" in r["controlLabels"]
    # SQ02 has no loops: no overlay, no legend entry
    messages, r = load_html_in_webengine(
        qtbot, render_plan_map(plan, "SQ02"), tmp_path, PATROL_PROBE
    )
    assert messages == []
    assert r["pointCount"] == 0 and r["badges"] == []
    assert "巡查路线 (patrols)" not in r["controlLabels"]
    assert "巡查" not in r["legend"]


def test_plan_without_patrols_has_no_patrol_layer(qtbot, tmp_path: Path) -> None:
    from tests.helpers.export_plan import make_plan

    plan = make_plan(patrols=False)
    html = render_plan_map(plan, "SQ01")
    messages, r = load_html_in_webengine(qtbot, html, tmp_path, PATROL_PROBE)
    assert messages == []
    assert r["pointCount"] == 0 and r["badges"] == []
    assert "巡查路线 (patrols)" not in r["controlLabels"]
    assert "巡查" not in r["legend"]
    # an empty patrols table is the same as none
    empty = replace(
        plan, patrols=plan.routes.iloc[0:0], patrol_points=plan.routes.iloc[0:0]
    )
    assert render_plan_map(empty, "SQ01") == html


# --------------------------------------------------------------------------- #
# basemaps, the GCJ-02 display shift, locked cells, the layer switcher
# --------------------------------------------------------------------------- #

TK = "0123456789abcdef0123456789abcdef"  # a made-up 天地图 key


def _page_json(html: str) -> dict:
    import json

    m = re.search(r'id="plan-data">(.*?)</script>', html, re.DOTALL)
    assert m is not None
    return json.loads(m.group(1))


def _csp(html: str) -> dict[str, list[str]]:
    import html as html_lib

    m = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert m is not None
    out = {}
    for part in html_lib.unescape(m.group(1)).split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize(
    ("basemap", "origins", "attribution"),
    [
        ("none", [], ""),
        ("osm", ["https://tile.openstreetmap.org"], "OpenStreetMap contributors"),
        (
            "tianditu",
            [f"https://t{k}.tianditu.gov.cn" for k in range(8)],
            "天地图",
        ),
        (
            "amap",
            [f"https://webrd0{k}.is.autonavi.com" for k in range(1, 5)],
            "高德地图",
        ),
    ],
)
def test_csp_allows_exactly_the_chosen_tiles(
    plan: Plan, basemap: str, origins: list[str], attribution: str
) -> None:
    html = render_plan_map(plan, basemap=basemap, basemap_key=TK)
    csp = _csp(html)
    assert csp == {
        "default-src": ["'none'"],
        "script-src": ["'unsafe-inline'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:", *origins],
    }
    assert _external_refs(html) == []
    bm = _page_json(html)["basemap"]
    assert bm["name"] == basemap
    assert attribution in bm["attribution"]
    # every tile URL is served from an allowed origin
    for layer in bm["layers"]:
        hosts = [layer["url"].replace("{s}", s) for s in (layer["subdomains"] or "x")]
        assert all(any(h.startswith(o + "/") for o in origins) for h in hosts)
    assert len(bm["layers"]) == {"none": 0, "tianditu": 2}.get(basemap, 1)
    if basemap == "tianditu":
        urls = " ".join(layer["url"] for layer in bm["layers"])
        assert "vec_w" in urls and "cva_w" in urls and f"tk={TK}" in urls
    else:
        assert TK not in html  # the key goes nowhere else
    for other in ("tile.openstreetmap.org", "tianditu.gov.cn", "autonavi.com"):
        if not any(other in o for o in origins):
            assert other not in html.lower()


def test_tianditu_needs_a_key(plan: Plan, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="key"):
        render_plan_map(plan, basemap="tianditu")
    with pytest.raises(ValueError, match="key"):
        render_plan_map(plan, basemap="tianditu", basemap_key="  ")
    with pytest.raises(ValueError, match="key"):  # would break out of the URL
        render_plan_map(plan, basemap="tianditu", basemap_key='ab"cd&x=1<y')
    with pytest.raises(ValueError, match="key"):
        write_squad_maps(plan, tmp_path / "m", basemap="tianditu")
    assert not (tmp_path / "m").exists()  # failed before writing anything
    paths = write_squad_maps(plan, tmp_path / "m", basemap="tianditu", basemap_key=TK)
    assert f"tk={TK}" in paths[0].read_text(encoding="utf-8")


def _overlay_points(d: dict) -> dict[str, list[tuple[float, float]]]:
    """(lon, lat) of every drawn overlay of a page, by kind."""

    def geo(coords: object) -> list[tuple[float, float]]:
        if isinstance(coords[0], (int, float)):  # type: ignore[index]
            return [(coords[0], coords[1])]  # type: ignore[index]
        return [p for c in coords for p in geo(c)]  # type: ignore[union-attr]

    def path(p: list) -> list[tuple[float, float]]:
        if isinstance(p[0][0], (int, float)):
            return [(q[1], q[0]) for q in p]
        return [q for part in p for q in path(part)]

    return {
        "cells": [
            q for f in d["cells"]["features"] for q in geo(f["geometry"]["coordinates"])
        ],
        "zones": [
            q for f in d["zones"]["features"] for q in geo(f["geometry"]["coordinates"])
        ],
        "towns": [
            q for f in d["towns"]["features"] for q in geo(f["geometry"]["coordinates"])
        ],
        "enterprises": [(e["lon"], e["lat"]) for e in d["enterprises"]],
        "bases": [(s["lon"], s["lat"]) for s in d["squads"]],
        "routes": [q for r in d["routes"] for q in path(r["path"])],
        "stops": [(s["lon"], s["lat"]) for s in d["stops"]],
        "hotspots": [(h[1], h[0]) for h in d["hotspots"]],
        "patrols": [q for p in d["patrols"] for q in path(p["path"])],
        "patrol points": [
            (s["lon"], s["lat"]) for p in d["patrols"] for s in p["stops"]
        ],
        "bounds": [(b[1], b[0]) for b in d["bounds"]],
    }


def test_amap_shifts_every_overlay_for_display_only() -> None:
    import numpy as np

    from planning.io.coords import wgs84_to_gcj02

    plan = _patrol_plan()
    cells_before = plan.scenario.cells.geometry.copy()
    ents_before = plan.scenario.enterprises.geometry.copy()
    plain = _overlay_points(_page_json(render_plan_map(plan, "SQ01")))
    for basemap in ("osm", "tianditu"):  # WGS84 / CGCS2000: drawn unshifted
        same = render_plan_map(plan, "SQ01", basemap=basemap, basemap_key=TK)
        assert _overlay_points(_page_json(same)) == plain
    shifted = _overlay_points(_page_json(render_plan_map(plan, "SQ01", basemap="amap")))
    for kind, pts in plain.items():
        assert pts, f"the test plan draws no {kind}"
        a = np.array(pts)
        b = np.array(shifted[kind])
        assert a.shape == b.shape, kind
        lon, lat = wgs84_to_gcj02(a[:, 0], a[:, 1])
        assert np.allclose(b[:, 0], lon, atol=2e-6), kind
        assert np.allclose(b[:, 1], lat, atol=2e-6), kind
        # a few hundred metres, as between GPS and a 高德 map in Zhejiang
        dy = (b[:, 1] - a[:, 1]) * 111_320
        dx = (b[:, 0] - a[:, 0]) * 111_320 * np.cos(np.radians(a[:, 1]))
        metres = np.hypot(dx, dy)
        assert (metres > 300).all() and (metres < 800).all(), (kind, metres)
    # display only: the plan's own coordinates did not move
    assert plan.scenario.cells.geometry.equals(cells_before)
    assert plan.scenario.enterprises.geometry.equals(ents_before)


LOCK_PROBE = """
(function () {
  var pm = window.plannerMap, out = {};
  function st(id) { var o = pm.cellLayers[id].options;
    return {dash: o.dashArray || null, weight: o.weight, color: o.color}; }
  var legend = document.querySelector(".locked-legend");
  out.locked0 = st("C00"); out.free0 = st("C10");
  out.lockedIds0 = pm.lockedIds();
  out.legendText = legend ? legend.textContent : null;
  out.legendShown = !!legend && legend.style.display !== "none";
  out.changed = pm.setLockedCells(["C10"]);
  out.locked1 = st("C10"); out.free1 = st("C00");
  out.lockedIds1 = pm.lockedIds();
  out.changedAgain = pm.setLockedCells(["C10"]);
  pm.setLockedCells([]);
  out.legendShownNone = legend.style.display !== "none";
  out.controls = document.querySelectorAll(".leaflet-control-layers").length;
  out.attribution = (document.querySelector(".leaflet-control-attribution") || {})
    .textContent || "";
  out.basemap = pm.basemap.name;
  out.tileLayers = pm.layers.basemap ? pm.layers.basemap.getLayers().length : 0;
  return JSON.stringify(out);
})()
"""


def test_locked_cells_are_drawn_and_can_change(
    qtbot, tmp_path: Path, plan: Plan
) -> None:
    sc = plan.scenario.copy()
    sc.cells = sc.cells.assign(locked=(sc.cells["cell_id"] == "C00").astype(int))
    locked = replace(plan, scenario=sc)
    messages, r = load_html_in_webengine(
        qtbot, render_plan_map(locked), tmp_path, LOCK_PROBE
    )
    assert messages == []
    assert r["lockedIds0"] == ["C00"]
    assert r["locked0"] == {"dash": "5 3", "weight": 2.5, "color": "#111111"}
    assert r["free0"]["dash"] is None and r["free0"]["weight"] < 1
    assert "已锁定 (locked)" in r["legendText"] and r["legendShown"] is True
    assert sorted(r["changed"]) == ["C00", "C10"]
    assert r["locked1"] == r["locked0"] and r["free1"] == r["free0"]
    assert r["lockedIds1"] == ["C10"] and r["changedAgain"] == []
    assert r["legendShownNone"] is False  # no locked cell, no legend entry
    assert r["controls"] == 1  # an exported page keeps Leaflet's switcher
    assert r["basemap"] == "none" and r["tileLayers"] == 0


def test_embedded_page_has_no_layer_switcher(qtbot, tmp_path: Path, plan: Plan) -> None:
    html = render_plan_map(plan, basemap="amap", layer_control=False)
    # page opened as a file: its tiles are refused by nothing but the network,
    # so only look at the page's own state
    messages, r = load_html_in_webengine(qtbot, html, tmp_path, LOCK_PROBE, size=(0, 0))
    assert not [m for m in messages if "Content Security Policy" in m]
    assert r["controls"] == 0
    assert r["basemap"] == "amap" and r["tileLayers"] == 1
    assert "高德地图" in r["attribution"]
    assert r["legendShown"] is False  # nothing locked in this plan
