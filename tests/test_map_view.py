"""The embedded map: basemap choice, locked cells, layer panel = the one switch.

Real QtWebEngine, offscreen. The tests look at the page's own state
(``window.plannerMap``, the tile ``<img>`` elements Leaflet created), never
at whether a tile server answered: the tests pass offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QInputDialog, QMenu

pytest.importorskip("PySide6.QtWebEngineWidgets")

from desktop.basemap import (  # noqa: E402
    SETTINGS_BASEMAP,
    SETTINGS_TIANDITU_KEY,
    BasemapMenu,
    install_basemap_menu,
)
from desktop.i18n import install_language  # noqa: E402
from desktop.layer_panel import LayerPanel  # noqa: E402
from desktop.map_view import LAYER_KEYS, ROAD_KEYS, MapView  # noqa: E402
from planning.plan import Plan  # noqa: E402
from tests.helpers.map_plan import map_plan  # noqa: E402

TK = "0123456789abcdef0123456789abcdef"  # made up


@pytest.fixture
def plan() -> Plan:
    p = map_plan()
    sc = p.scenario.copy()
    sc.cells = sc.cells.assign(locked=(sc.cells["cell_id"] == "C00").astype(int))
    return replace(p, scenario=sc)


@pytest.fixture
def view(qtbot, plan: Plan) -> Iterator[MapView]:
    v = MapView()
    qtbot.addWidget(v)
    v.resize(900, 650)
    v.show()
    with qtbot.waitSignal(v.mapReady, timeout=60_000):
        v.show_plan(plan)
    yield v
    v.shutdown()
    v.close()
    v.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def js(qtbot, v: MapView, script: str) -> object:
    box: list[object] = []
    v.page().runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]


def rerendered(qtbot, v: MapView, action) -> None:
    with qtbot.waitSignal(v.mapReady, timeout=60_000):
        action()


STATE = """JSON.stringify((function () {
  var pm = window.plannerMap, on = {};
  ["towns", "cells", "zones", "enterprises", "bases", "hotspots", "patrols"]
    .forEach(function (k) { on[k] = !!pm.layers[k] && pm.map.hasLayer(pm.layers[k]); });
  on.routes = Object.keys(pm.layers.routes).some(function (d) {
    return pm.map.hasLayer(pm.layers.routes[d]); });
  var tiles = pm.layers.basemap ? pm.layers.basemap.getLayers() : [];
  var b = pm.cellLayers.C00.getBounds().getSouthWest();
  return {on: on, basemap: pm.basemap.name,
    tiles: tiles.map(function (t) { return t._url; }),
    tilesOnMap: tiles.filter(function (t) { return pm.map.hasLayer(t); }).length,
    imgs: Array.prototype.map.call(document.querySelectorAll(".leaflet-tile"),
      function (i) { return i.src; }),
    controls: document.querySelectorAll(".leaflet-control-layers").length,
    sw: [b.lat, b.lng]};
})())"""


def state(qtbot, v: MapView) -> dict:
    import json

    return json.loads(str(js(qtbot, v, STATE)))


def test_panel_is_the_one_layer_switch(qtbot, view) -> None:
    v = view
    panel = LayerPanel(v)
    qtbot.addWidget(panel)
    s = state(qtbot, v)
    assert s["controls"] == 0  # no Leaflet switcher inside the app
    assert s["basemap"] == "none" and s["tiles"] == []
    # this plan has no roads: the panel hides those rows and the page has no
    # such overlays (tests/test_window_roads.py switches them on a road plan)
    keys = [k for k in LAYER_KEYS if k not in ROAD_KEYS]
    assert s["on"] == {k: panel.boxes[k].isChecked() for k in keys}
    assert not any(panel.rows[k].isVisibleTo(panel) for k in ROAD_KEYS)
    for key in keys:
        for on in (not panel.boxes[key].isChecked(), panel.boxes[key].isChecked()):
            panel.boxes[key].setChecked(on)
            qtbot.waitUntil(
                lambda k=key, o=on: state(qtbot, v)["on"][k] is o, timeout=5_000
            )
    panel.boxes["cells"].setChecked(False)
    panel.boxes["routes"].setChecked(True)
    # a re-render (here: another basemap) keeps what the panel says
    rerendered(qtbot, v, lambda: v.set_basemap("osm"))
    qtbot.waitUntil(
        lambda: state(qtbot, v)["on"] == {k: panel.boxes[k].isChecked() for k in keys},
        timeout=5_000,
    )
    assert v.console_page.errors() == []
    assert all(
        u.startswith("https://tile.openstreetmap.org/") for u in state(qtbot, v)["imgs"]
    )


def test_set_basemap_redraws_over_the_chosen_tiles(qtbot, view) -> None:
    v = view
    plain = state(qtbot, v)
    assert plain["imgs"] == []  # the default basemap loads no tile

    rerendered(qtbot, v, lambda: v.set_basemap("osm"))
    s = state(qtbot, v)
    assert s["basemap"] == "osm" and s["tilesOnMap"] == 1
    assert s["tiles"] == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    assert s["sw"] == plain["sw"]  # WGS84 tiles: nothing moves
    assert s["imgs"] and all(
        u.startswith("https://tile.openstreetmap.org/") for u in s["imgs"]
    )

    with pytest.raises(ValueError, match="key"):
        v.set_basemap("tianditu")  # no key: refused, nothing changes
    assert v.basemap == "osm" and v.ready

    rerendered(qtbot, v, lambda: v.set_basemap("tianditu", TK))
    s = state(qtbot, v)
    assert s["basemap"] == "tianditu" and s["tilesOnMap"] == 2
    assert any("/vec_w/" in t for t in s["tiles"])
    assert any("/cva_w/" in t for t in s["tiles"])
    assert s["sw"] == plain["sw"]  # CGCS2000 ~ WGS84: no shift
    assert s["imgs"] and all(
        re.match(r"https://t[0-7]\.tianditu\.gov\.cn/(vec|cva)_w/", u)
        and u.endswith(f"tk={TK}")
        for u in s["imgs"]
    )

    rerendered(qtbot, v, lambda: v.set_basemap("amap"))
    s = state(qtbot, v)
    assert s["basemap"] == "amap" and s["tilesOnMap"] == 1
    # overlays drawn in GCJ-02: some hundred metres east and south here
    dlat, dlon = s["sw"][0] - plain["sw"][0], s["sw"][1] - plain["sw"][1]
    assert 0.002 < dlon < 0.008 and -0.006 < dlat < -0.001
    assert s["imgs"] and all(
        re.match(r"https://webrd0[1-4]\.is\.autonavi\.com/appmaptile\?", u)
        for u in s["imgs"]
    )

    rerendered(qtbot, v, lambda: v.set_basemap("none"))
    assert state(qtbot, v)["sw"] == plain["sw"]
    assert v.set_basemap("none") is False  # same basemap: no re-render
    assert v.console_page.errors() == []


LOCKS = """JSON.stringify((function () {
  var pm = window.plannerMap, out = {};
  Object.keys(pm.cellLayers).forEach(function (id) {
    var o = pm.cellLayers[id].options;
    if (o.dashArray) out[id] = [o.dashArray, o.weight, o.color]; });
  return out;
})())"""


def test_set_locked_cells_restyles_at_once(qtbot, view, tmp_path: Path) -> None:
    import json

    v = view

    def locked() -> dict:
        return json.loads(str(js(qtbot, v, LOCKS)))

    assert locked() == {"C00": ["5 3", 2.5, "#111111"]}  # from cells.locked
    loads = v._loads
    v.set_locked_cells({"C10", "C11"})
    qtbot.waitUntil(lambda: set(locked()) == {"C10", "C11"}, timeout=5_000)
    assert v._loads == loads  # no re-render
    v.grab().save(str(tmp_path / "locked.png"))
    # a selected cell that gets locked keeps its selection outline
    v.highlight_cells(["C20"], {})
    v.set_locked_cells({"C10", "C11", "C20"})
    qtbot.waitUntil(
        lambda: js(qtbot, v, "window.plannerMap.cellLayers.C20.options.weight") == 3,
        timeout=5_000,
    )
    v.set_locked_cells(set())
    qtbot.waitUntil(lambda: locked() == {}, timeout=5_000)
    # locks newer than a render in progress are put back once it loads
    v.set_cell_opacity(0.5)
    v.show_plan(v._plan, keep_view=True)
    v.set_locked_cells({"C21"})
    qtbot.waitSignal(v.mapReady, timeout=60_000).wait()
    qtbot.waitUntil(lambda: set(locked()) == {"C21"}, timeout=5_000)
    opacity = js(qtbot, v, "window.plannerMap.cellLayers.C21.options.opacity")
    assert opacity == 1  # the locked outline stays solid when cells fade
    assert v.console_page.errors() == []


def _menu(settings: QSettings, v: MapView) -> BasemapMenu:
    top = QMenu()
    sub = install_basemap_menu(top, v, settings)
    assert top.actions()[-1].menu() is sub
    sub._top = top  # keep the parent alive
    return sub


def test_basemap_menu_keeps_choice_and_key(qtbot, view, tmp_path, monkeypatch) -> None:
    v = view
    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    menu = _menu(settings, v)
    acts = menu.actions_by_name
    assert list(acts) == ["none", "osm", "tianditu", "amap"]
    assert menu.group.isExclusive() and acts["none"].isChecked()
    assert v.basemap == "none"  # nothing stored: stays offline

    asked: list[str] = []

    def answer(text: str, ok: bool):
        def get_text(*args, **kwargs):
            asked.append(args[1])
            return text, ok

        monkeypatch.setattr(QInputDialog, "getText", get_text)

    answer("", False)  # 天地图 without a key, prompt cancelled: nothing changes
    acts["tianditu"].trigger()
    assert asked and v.basemap == "none" and acts["none"].isChecked()
    assert settings.value(SETTINGS_TIANDITU_KEY) is None

    answer(f"  {TK} ", True)
    rerendered(qtbot, v, acts["tianditu"].trigger)
    assert v.basemap == "tianditu" and v.basemap_key == TK
    assert acts["tianditu"].isChecked() and not acts["none"].isChecked()
    assert settings.value(SETTINGS_BASEMAP) == "tianditu"
    assert settings.value(SETTINGS_TIANDITU_KEY) == TK

    rerendered(qtbot, v, acts["amap"].trigger)
    assert settings.value(SETTINGS_BASEMAP) == "amap" and acts["amap"].isChecked()
    assert state(qtbot, v)["basemap"] == "amap"

    # the next start puts the choice back
    settings.sync()
    v.set_basemap("none")
    again = _menu(
        QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat), v
    )
    assert v.basemap == "amap" and again.actions_by_name["amap"].isChecked()
    qtbot.waitSignal(v.mapReady, timeout=60_000).wait()

    # translated live
    try:
        install_language("en")
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        qtbot.waitUntil(lambda: menu.title() == "&Basemap", timeout=5_000)
        assert acts["none"].text() == "None (offline)"
    finally:
        install_language("zh_CN")
    qtbot.waitUntil(lambda: menu.title() == "底图(&B)", timeout=5_000)
    assert acts["none"].text() == "无底图（离线）"
    assert acts["amap"].text() == "高德地图（GCJ-02）"


def test_panel_orders_the_layers_and_a_rerender_keeps_it(qtbot, view) -> None:
    import json

    v = view
    panel = LayerPanel(v)
    qtbot.addWidget(panel)

    def page_order() -> list[str]:
        keys = json.loads(str(js(qtbot, v, "JSON.stringify(plannerMap.layerOrder())")))
        return [k for k in keys if not k.startswith("route:")]

    before = page_order()
    assert before.index("cells") < before.index("zones")  # default: zones above
    assert panel.move("cells", -1)  # cells above zones
    assert panel.order().index("cells") < panel.order().index("zones")
    qtbot.waitUntil(
        lambda: page_order().index("cells") > page_order().index("zones"),
        timeout=5_000,
    )
    assert not panel.move("bases", -1)  # already on top
    assert not panel.moves["bases"][0].isEnabled()
    rerendered(qtbot, v, lambda: v.set_basemap("osm"))
    qtbot.waitUntil(
        lambda: page_order().index("cells") > page_order().index("zones"),
        timeout=5_000,
    )
    assert v.console_page.errors() == []


def test_legend_folds_and_unfolds_on_its_title(qtbot, view) -> None:
    body = "document.querySelector('.pm-legend-body').style.display"
    shown = js(qtbot, view, body) != "none"
    js(qtbot, view, "document.querySelector('.pm-legend-head').click(); 1")
    assert (js(qtbot, view, body) != "none") is not shown
    js(qtbot, view, "document.querySelector('.pm-legend-head').click(); 1")
    assert (js(qtbot, view, body) != "none") is shown
    assert "已锁定" in str(
        js(qtbot, view, "document.querySelector('.pm-legend').textContent")
    )


def _cell_count(qtbot, v: MapView) -> int:
    return int(js(qtbot, v, "Object.keys(window.plannerMap.cellLayers).length"))


@pytest.mark.parametrize("plan_first", [True, False])
def test_opening_a_saved_project_draws_it_once_from_the_file(
    qtbot, view, plan, tmp_path, monkeypatch, plan_first
) -> None:
    """The page started from the file while the window reads it is the one
    shown: no second render of the loaded plan, whichever arrives first."""
    from desktop import map_view
    from planning.io.project import load_project, save_project

    bigger = replace(plan, scenario=plan.scenario.copy())
    bigger.scenario.cells = bigger.scenario.cells.iloc[:5]
    path = save_project(tmp_path / "p.gpkg", bigger.scenario, bigger)
    renders: list[object] = []
    real = map_view.render_page
    monkeypatch.setattr(
        map_view, "render_page", lambda *a, **k: renders.append(a) or real(*a, **k)
    )
    _scenario, loaded = load_project(path)
    assert loaded is not None
    with qtbot.waitSignal(view.mapReady, timeout=60_000):
        view.prerender_file(path)
        if not plan_first:  # the page is done before the window has the plan
            qtbot.waitUntil(lambda: not view.render_runner.busy, timeout=60_000)
        view.show_plan(loaded, saved_in=path)
    assert renders == []
    assert _cell_count(qtbot, view) == 5


def test_a_project_without_a_plan_is_drawn_from_the_planned_result(
    qtbot, view, plan, tmp_path
) -> None:
    from planning.io.project import save_project

    path = save_project(tmp_path / "bare.gpkg", plan.scenario)  # no plan saved
    with qtbot.waitSignal(view.mapReady, timeout=60_000):
        view.prerender_file(path)
        qtbot.waitUntil(lambda: not view.render_runner.busy, timeout=60_000)
        smaller = replace(plan, scenario=plan.scenario.copy())
        smaller.scenario.cells = smaller.scenario.cells.iloc[:4]
        # what the window shows is the plan it made, not the file's content
        view.show_plan(smaller, saved_in=None)
    assert _cell_count(qtbot, view) == 4


def test_another_plan_shown_meanwhile_supersedes_the_file(
    qtbot, view, plan, tmp_path
) -> None:
    from planning.io.project import save_project

    path = save_project(tmp_path / "p.gpkg", plan.scenario, plan)
    other = replace(plan, scenario=plan.scenario.copy())
    other.scenario.cells = other.scenario.cells.iloc[:3]
    with qtbot.waitSignal(view.mapReady, timeout=60_000):
        view.prerender_file(path)
        view.show_plan(other)
    qtbot.wait(500)  # the file's page, if it came late, must not replace it
    assert _cell_count(qtbot, view) == 3
