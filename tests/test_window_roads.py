"""道路 / 障碍 in the window: imported by drag-and-drop, drawn on the map with
the reach areas and standby points of a plan on roads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from planning.plan import run_plan
from planning.sample import build_sample
from tests.helpers.window import drop_file, fast_settings, open_window

FAST = fast_settings(zoning_seconds=3.0, schedule_seconds=2.0)
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def county():
    """The sample with its synthetic roads and barriers (river, expressway),
    and the same county planned without them."""
    with_roads = build_sample(cell_m=2000.0, n_enterprises=80, n_events=80, roads=True)
    bare = build_sample(cell_m=2000.0, n_enterprises=80, n_events=80)
    return with_roads, run_plan(bare, FAST)


@pytest.fixture
def window(qtbot, tmp_path, county, qapp):
    with open_window(tmp_path, FAST, county[1], size=(1400, 900)) as win:
        yield win


def _js(qtbot, window, script: str) -> object:
    box: list[object] = []
    window.map_view.page().runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]


def _shown(qtbot, window, key: str) -> int:
    """Features of overlay ``key`` drawn on the map now (0 when hidden)."""
    script = (
        "(function(k){var pm=window.plannerMap,l=pm&&pm.layers[k];"
        "if(!l||!pm.map.hasLayer(l))return 0;return l.getLayers().length;})"
        f"({json.dumps(key)})"
    )
    return int(_js(qtbot, window, script))


def test_import_kinds_and_roads_by_drop_shown_on_the_map(
    qtbot, window, county, tmp_path
):
    scenario = county[0]
    roads = tmp_path / "道路.geojson"
    scenario.roads.to_file(roads, driver="GeoJSON")
    barriers = tmp_path / "barriers.geojson"
    scenario.barriers.to_file(barriers, driver="GeoJSON")
    doc = window.document
    before = doc.plan
    panel = window.layer_panel
    assert not panel.rows["roads"].isVisibleTo(panel)  # nothing to show yet

    drop_file(window, roads)
    dialog = window.import_dialog
    kinds = [dialog.kind_combo.itemText(i) for i in range(dialog.kind_combo.count())]
    assert "道路" in kinds and "障碍（河流、高速公路、铁路）" in kinds
    assert dialog.kind() == "roads"  # guessed from the file name
    with qtbot.waitSignal(window.runner.succeeded, timeout=240_000):
        dialog.import_button.click()
    plan = doc.plan
    assert plan is not before and plan.scenario.roads is not None
    assert len(plan.scenario.roads) > 1000
    assert plan.reach is not None and len(plan.reach) > 0
    assert "道路" in window.last_message
    assert doc.schedule_state == "stale"  # planned on straight lines

    dialog = window.open_import_dialog(barriers)
    assert dialog.kind() == "barriers"
    with qtbot.waitSignal(window.runner.succeeded, timeout=240_000):
        dialog.import_button.click()
    assert doc.plan.scenario.barriers is not None
    assert doc.plan.scenario.roads is not None  # the roads stay

    for key in ("roads", "barriers", "reach", "standby"):
        assert panel.rows[key].isVisibleTo(panel), key
    qtbot.waitUntil(lambda: window.map_view.road_json is not None, timeout=60_000)
    qtbot.waitUntil(lambda: window.map_view.ready, timeout=60_000)
    qtbot.waitUntil(lambda: _shown(qtbot, window, "roads") > 1000, timeout=30_000)
    assert _shown(qtbot, window, "barriers") == len(scenario.barriers)
    reach = _shown(qtbot, window, "reach5") + _shown(qtbot, window, "reach")
    assert reach == len(doc.plan.reach)
    panel.boxes["reach"].setChecked(False)
    assert _shown(qtbot, window, "reach5") + _shown(qtbot, window, "reach") == 0
    panel.boxes["reach"].setChecked(True)
    panel.boxes["roads"].setChecked(False)
    assert _shown(qtbot, window, "roads") == 0
    panel.boxes["roads"].setChecked(True)
    assert _shown(qtbot, window, "roads") > 1000
    panel.opacity.setValue(35)  # cells lighter, so roads and reach read
    qtbot.wait(800)
    SCREENSHOT.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOT / "window-roads.png"
    assert window.grab().save(str(shot), "PNG")
    image = QImage(str(shot)).scaled(64, 64)
    assert len({image.pixel(x, y) for x in range(64) for y in range(64)}) > 20

    # undo: barriers, then roads go; the map follows
    window.qactions.act_undo.trigger()
    window.qactions.act_undo.trigger()
    assert doc.plan is before and getattr(before.scenario, "roads", None) is None
    assert not panel.rows["roads"].isVisibleTo(panel)
    qtbot.waitUntil(lambda: window.map_view.ready, timeout=60_000)
    qtbot.waitUntil(lambda: _shown(qtbot, window, "roads") == 0, timeout=30_000)


def test_the_windows_sample_is_the_clis_with_roads_and_plans_by_road(
    qtbot, tmp_path, qapp, monkeypatch
):
    """文件 > 新建示例项目 opens the sample ``main.py plan --sample`` plans:
    roads and barriers drawn at once, reach and standby after planning."""
    import desktop.main_window as main_window_module

    asked: list[dict] = []

    def small_sample(**kwargs):
        asked.append(kwargs)
        return build_sample(cell_m=2000.0, n_enterprises=80, n_events=80, **kwargs)

    monkeypatch.setattr(main_window_module, "build_sample", small_sample)
    with open_window(tmp_path, FAST) as window:
        window.resize(1400, 900)
        window.show()
        panel = window.layer_panel
        drafts: list[bool] = []
        window.map_view.mapReady.connect(
            lambda: drafts.append(
                window.runner.busy and window.document.plan is not None
            )
        )
        assert window.new_sample()
        # the county is drawn while it plans, its roads and river with it
        qtbot.waitUntil(lambda: any(drafts), timeout=120_000)
        assert asked == [{"roads": True}]
        assert window.runner.title == "正在规划示例县"
        for key in ("roads", "barriers"):
            assert panel.rows[key].isVisibleTo(panel), key
        qtbot.waitUntil(
            lambda: not window.runner.busy and window.document.plan.reach is not None,
            timeout=240_000,
        )
        plan = window.document.plan
        assert plan.reach is not None and len(plan.standby) > 0
        for key in ("roads", "barriers", "reach", "standby"):
            assert panel.rows[key].isVisibleTo(panel), key
        assert plan.summary().by_road
        assert "按道路计算" in window.headline.toolTip()
        qtbot.waitUntil(lambda: window.map_view.ready, timeout=60_000)
        qtbot.waitUntil(lambda: _shown(qtbot, window, "roads") > 100, timeout=60_000)
        assert _shown(qtbot, window, "standby") == len(plan.standby)
        shot = tmp_path / "sample.png"
        assert window.grab().save(str(shot), "PNG")
        image = QImage(str(shot)).scaled(64, 64)
        assert len({image.pixel(x, y) for x in range(64) for y in range(64)}) > 20
