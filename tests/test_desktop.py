"""The desktop window as a planner uses it: open, look, edit, undo, save, reopen.

One small sample county is planned once per module (short solver limits);
each test gets its own copy of that plan, its own settings file and its own
window, all offscreen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMenu

from desktop import main_window as main_window_module
from desktop.app import run_gui
from desktop.i18n import install_language
from desktop.main_window import MainWindow
from planning.plan import Plan, PlanSettings, run_plan, unplanned
from planning.progress import ProgressEvent
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.zoning import ZoningSettings
from tests.helpers.island_scenario import island_scenario
from tests.helpers.plans import WINDOW_SETTINGS
from tests.helpers.window import drop_file

FAST = WINDOW_SETTINGS
SLOW = PlanSettings(
    zoning=ZoningSettings(time_limit=120.0),
    scheduling=ScheduleSettings(time_limit=120.0),
)


@pytest.fixture
def small_plan(window_plan: Plan) -> Plan:
    """The session's planned 300-firm county (tests/conftest.py), read-only."""
    return window_plan


def fresh(plan: Plan) -> Plan:
    """A copy the test may edit without touching the module's plan."""
    return plan.copy()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Settings (recent files, geometry, language) go to a temp INI file."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg")
    )
    install_language("zh_CN")
    yield
    install_language("zh_CN")


@pytest.fixture
def window(qtbot, tmp_path, small_plan) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, plan_settings=FAST)
    win.unsaved_answer = "discard"

    win.show()
    win.document.set_plan(fresh(small_plan), None, saved=True)
    yield win
    _dispose(win)


def _dispose(win: MainWindow) -> None:
    """Close and delete now: a web page left for interpreter exit crashes it."""
    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def snap(qtbot, artefacts):
    """Save a picture of a widget (the window once its map has drawn) into the
    artefacts folder; fails on an empty or one-colour picture."""

    def take(widget, name: str) -> Path:
        if isinstance(widget, MainWindow):
            wait_map(qtbot, widget)
            qtbot.wait(300)  # let the page paint after it reported ready
        path = artefacts / f"{name}.png"
        assert widget.grab().save(str(path), "PNG"), path
        image = QImage(str(path)).scaled(64, 64)
        colours = {image.pixel(x, y) for x in range(64) for y in range(64)}
        assert len(colours) > 20, f"{path} is blank"
        return path

    return take


def js(qtbot, win: MainWindow, script: str) -> object:
    """Run JavaScript in the map page and wait for its value."""
    box: list[object] = []
    win.map_view.page().runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]


def wait_map(qtbot, win: MainWindow) -> None:
    if not win.map_view.ready:
        with qtbot.waitSignal(win.map_view.mapReady, timeout=60_000):
            pass


def test_window_lists_squads_visits_and_unscheduled(window, small_plan):
    squads = small_plan.scenario.squads
    assert window.squads_model.rowCount() == len(squads)
    shown = {window.squads_model.value(r, "squad_id") for r in range(len(squads))}
    assert shown == set(squads["squad_id"])
    assert window.schedule.visits_proxy.rowCount() == len(small_plan.visits)
    assert window.schedule.unscheduled_proxy.rowCount() == len(small_plan.unscheduled)
    assert str(len(small_plan.visits)) in window.schedule.visits_label.text()
    assert window.synthetic_label.isVisible()
    assert "示例数据" in window.synthetic_label.text()
    assert "综合查一次" in window.headline.text()

    squad = str(squads["squad_id"].iloc[0])
    window.schedule.set_squad_filter(squad)
    assert window.schedule.visits_proxy.rowCount() == int(
        (small_plan.visits["squad_id"] == squad).sum()
    )
    window.schedule.set_squad_filter(None)
    assert window.schedule.visits_proxy.rowCount() == len(small_plan.visits)


def test_map_loads_cells_without_console_errors(qtbot, window, small_plan):
    wait_map(qtbot, window)
    n_cells = js(qtbot, window, "Object.keys(window.plannerMap.cellLayers).length")
    assert n_cells == len(small_plan.scenario.cells)
    assert window.map_view.console_page.errors() == []


def test_map_click_selects_cell_through_webchannel(qtbot, window, small_plan):
    wait_map(qtbot, window)
    qtbot.waitUntil(
        lambda: js(qtbot, window, "!!window.plannerBridgeReady"), timeout=10_000
    )
    cell = str(small_plan.scenario.cells["cell_id"].iloc[10])
    with qtbot.waitSignal(window.map_view.cellClicked, timeout=10_000):
        window.map_view.page().runJavaScript(
            f"window.plannerMap.cellLayers['{cell}'].fire('click')"
        )
    assert window.selected_cells == [cell]


def test_map_shift_drag_box_selects_cells(qtbot, window, small_plan, snap):
    """Shift + drag on the map selects the cells whose centre is in the box;
    Ctrl + Shift adds to the selection."""
    wait_map(qtbot, window)
    qtbot.waitUntil(
        lambda: js(qtbot, window, "!!window.plannerBridgeReady"), timeout=10_000
    )
    cells = small_plan.scenario.cells.to_crs(4326)
    b = cells.geometry.bounds
    cx, cy = (b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2
    x0, y0 = float(cx.iloc[40]), float(cy.iloc[40])
    step = float((b.maxx - b.minx).median())
    west, east = x0 - 1.5 * step, x0 + 1.5 * step
    south, north = y0 - 1.5 * step, y0 + 1.5 * step
    inside = (cx > west) & (cx < east) & (cy > south) & (cy < north)
    expected = sorted(cells.loc[inside, "cell_id"].astype(str))
    assert 3 <= len(expected) <= 16

    def drag(a: tuple[float, float], z: tuple[float, float], ctrl: bool) -> None:
        flags = f"{{shiftKey: true, ctrlKey: {str(ctrl).lower()}, button: 0}}"
        with qtbot.waitSignal(window.map_view.cellsBoxed, timeout=10_000):
            window.map_view.page().runJavaScript(
                "(function(m){"
                f"m.fire('mousedown', {{latlng: L.latLng({a[1]}, {a[0]}),"
                f" originalEvent: {flags}}});"
                f"m.fire('mousemove', {{latlng: L.latLng({z[1]}, {z[0]}),"
                f" originalEvent: {flags}}});"
                f"m.fire('mouseup', {{latlng: L.latLng({z[1]}, {z[0]}),"
                f" originalEvent: {flags}}});"
                "})(window.plannerMap.map)"
            )

    drag((west, south), (east, north), ctrl=False)
    assert sorted(window.selected_cells) == expected
    snap(window, "02-box-selection")
    far = str(cells["cell_id"].iloc[-1])
    fx, fy = float(cx.iloc[-1]), float(cy.iloc[-1])
    drag((fx - step / 4, fy - step / 4), (fx + step / 4, fy + step / 4), ctrl=True)
    assert sorted(window.selected_cells) == sorted([*expected, far])
    assert js(qtbot, window, "window.plannerMap.map.dragging.enabled()") is True
    assert window.map_view.console_page.errors() == []


def test_assign_cells_undo_redo(window):
    doc = window.document
    cells = doc.plan.scenario.cells
    squads = [str(s) for s in doc.plan.scenario.squads["squad_id"]]
    source, target = squads[0], squads[1]
    moved = [str(c) for c in cells.loc[cells["squad_id"] == source, "cell_id"][:5]]
    n_before = dict(
        zip(doc.plan.zones["squad_id"], doc.plan.zones["n_cells"], strict=True)
    )

    def table_cells(squad: str) -> int:
        model = window.squads_model
        row = next(
            r for r in range(model.rowCount()) if model.value(r, "squad_id") == squad
        )
        return int(model.value(row, "n_cells"))

    def squad_of(cell_ids: list[str]) -> set[str]:
        c = doc.plan.scenario.cells
        return set(c.loc[c["cell_id"].isin(cell_ids), "squad_id"])

    assert window.assign_cells(moved, target)
    assert squad_of(moved) == {target}
    assert table_cells(source) == n_before[source] - 5
    assert table_cells(target) == n_before[target] + 5
    assert doc.modified and window.isWindowModified()

    window.qactions.act_undo.trigger()
    assert squad_of(moved) == {source}
    assert table_cells(source) == n_before[source]
    assert table_cells(target) == n_before[target]
    assert not doc.modified

    window.qactions.act_redo.trigger()
    assert squad_of(moved) == {target}
    assert table_cells(target) == n_before[target] + 5

    assert not window.assign_cells(["NO-SUCH-CELL"], target)
    assert "NO-SUCH-CELL" in window.last_error


def test_squads_table_reach_follows_manual_edits(qtbot, window):
    """The 1530 reach column (minutes to the farthest cell) after a manual
    reassignment equals what planning.zoning.zone_stats measures."""
    from planning.zoning import zone_stats

    doc = window.document
    cells = doc.plan.scenario.cells
    squads = [str(s) for s in doc.plan.scenario.squads["squad_id"]]
    far = [str(c) for c in cells.loc[cells["squad_id"] == squads[0], "cell_id"][-8:]]
    assert window.assign_cells(far, squads[1])
    sc = doc.plan.scenario
    expected = zone_stats(
        sc.cells,
        sc.squads,
        sc.cells.set_index("cell_id")["squad_id"],
        sc.policy,
    ).set_index("squad_id")["max_reach_min"]
    model = window.squads_model
    shown = {
        model.value(r, "squad_id"): model.value(r, "max_reach_min")
        for r in range(model.rowCount())
    }
    for sid in squads:
        assert shown[sid] == pytest.approx(float(expected[sid]), abs=1e-6)
    window.qactions.act_undo.trigger()


def test_save_then_open_in_new_window(qtbot, window, tmp_path, small_plan):
    path = tmp_path / "plan.gpkg"
    assert window.save_as(path)
    assert path.exists() and not window.document.modified
    assert window.recent_projects()[0] == path.resolve()

    other = MainWindow(window.settings, plan_settings=FAST)
    other.unsaved_answer = "discard"
    with qtbot.waitSignal(other.runner.succeeded, timeout=60_000):
        assert other.open_project(path)
    assert other.document.path == path
    assert not other.document.modified
    assert other.squads_model.rowCount() == len(small_plan.scenario.squads)
    assert other.schedule.visits_proxy.rowCount() == len(small_plan.visits)
    visits = other.document.plan.visits
    assert sorted(visits["visit_id"]) == sorted(small_plan.visits["visit_id"])
    _dispose(other)


def test_unsaved_changes_prompt_answers(window, tmp_path):
    cells = window.document.plan.scenario.cells
    squads = list(window.document.plan.scenario.squads["squad_id"])
    first = cells["cell_id"].iloc[0]
    other = next(s for s in squads if s != cells["squad_id"].iloc[0])
    window.assign_cells([first], other)
    window.unsaved_answer = "cancel"
    assert not window.maybe_save()
    window.unsaved_answer = "discard"
    assert window.maybe_save()
    window.document.path = tmp_path / "kept.gpkg"
    window.unsaved_answer = "save"
    assert window.maybe_save()
    assert (tmp_path / "kept.gpkg").exists() and not window.document.modified


def test_language_chinese_by_default_and_english_live(qtbot, window, snap):
    snap(window, "01-main-window-zh")
    assert window.qactions.menu_file.title() == "文件(&F)"
    assert window.qactions.menu_plan.title() == "规划(&P)"
    assert window.squads_dock.windowTitle() == "中队"
    assert window.squads_panel.rebalance_button.text() == "重新平衡"
    assert window.qactions.act_import.text() == "导入图层(&I)…"
    assert window.hotspot_dock.windowTitle() == "热点"
    assert window.layer_panel.boxes["cells"].text() == "网格"
    # names looked up by key: a tab, a basemap, a pipeline stage
    basemaps = window.qactions.menu_view.findChild(QMenu, "basemap_menu")
    window.progress_panel.show_event(ProgressEvent("workload", 0.5))
    assert window.attribute_tables.tabText(0) == "网格数"
    assert basemaps.actions_by_name["none"].text() == "无底图（离线）"
    assert window.progress_panel.label.text().endswith(" · 工作量")
    window.set_language("en")
    assert window.squads_panel.rebalance_button.text() == "Re-balance around my edits"
    assert window.hotspot_panel.chart.title().startswith("Events per week")
    assert window.layer_panel.boxes["cells"].text() == "Grid cells"
    window.progress_panel.show_event(ProgressEvent("workload", 0.5))
    assert window.attribute_tables.tabText(0) == "Cells"
    # the menu follows on the LanguageChange event, as other windows do
    none = basemaps.actions_by_name["none"]
    qtbot.waitUntil(lambda: none.text() == "None (offline)", timeout=5_000)
    assert window.progress_panel.label.text().endswith(" · Workload")
    assert window.qactions.menu_file.title() == "&File"
    assert window.qactions.menu_plan.title() == "&Plan"
    assert window.schedule_dock.windowTitle() == "Schedule"
    assert window.settings.value("language") == "en"
    snap(window, "08-main-window-en")
    window.set_language("zh_CN")
    assert window.qactions.menu_language.title() == "语言(&L)"


def test_cancelled_run_leaves_plan_unchanged(qtbot, window):
    window.plan_settings = SLOW
    before = window.document.plan
    with qtbot.waitSignal(window.runner.progressed, timeout=30_000):
        assert window.run_all()
    assert not window.qactions.act_run_all.isEnabled()
    with qtbot.waitSignal(window.runner.cancelled, timeout=60_000):
        window.progress_panel.cancel_button.click()
    assert window.document.plan is before
    assert not window.document.modified
    assert window.qactions.act_run_all.isEnabled()


def test_failed_run_names_the_problem(qtbot, window, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(main_window_module, "run_plan", broken)
    before = window.document.plan
    with qtbot.waitSignal(window.runner.failed, timeout=30_000):
        window.run_all()
    assert "solver exploded" in window.last_error
    assert window.document.plan is before


def test_screenshot_mode_writes_png(tmp_path, small_plan):
    from planning.io.project import save_project

    project = save_project(tmp_path / "shot.gpkg", small_plan.scenario, small_plan)
    png = tmp_path / "shot.png"
    assert run_gui(project, "zh_CN", png) == 0
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 800


def test_qt_binding_keeps_refcounts(qapp):
    """Guard the PySide6 pin: void calls and emits must not leak None/True refs."""
    import sys

    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QLabel

    class Emitter(QObject):
        fired = Signal()

    label, emitter = QLabel(), Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        label.setText("x")
        qapp.processEvents()
        emitter.fired.emit()
    assert sys.getrefcount(None) - none_before > -100
    assert sys.getrefcount(True) - true_before > -100


# --------------------------------------------------------------- issue 6


def test_run_settings_kept_in_qsettings(qtbot, window, tmp_path):
    from datetime import date

    from desktop.run_settings import RunSettings, RunSettingsDialog

    dialog = RunSettingsDialog(window.run_settings, None, window)
    qtbot.addWidget(dialog)
    dialog.tolerance.setValue(8.0)
    dialog.nest.setCurrentIndex(dialog.nest.findData("town"))
    dialog.reach.setValue(15)
    dialog.zoning_time.setValue(7)
    dialog.keep_horizon.setChecked(False)
    dialog.days.setValue(10)
    # standby cars: the policy's number until set; 0 = none
    assert dialog.standby_cars.text() == "按政策设定"
    assert window.plan_settings.standby_cars is None
    dialog.standby_cars.setValue(0)
    values = dialog.values()
    assert values.nest == "town" and values.horizon_days == 10
    assert values.standby_cars == 0
    window.set_run_settings(values)
    assert window.plan_settings.standby_cars == 0
    zoning = window.plan_settings.zoning
    assert (zoning.tolerance, zoning.nest, zoning.reach_minutes) == (0.08, "town", 15)
    assert zoning.time_limit == 7
    scenario = window._run_scenario(window.document.plan)
    assert scenario.horizon.days == 10 != window.document.plan.scenario.horizon.days

    other = MainWindow(window.settings, plan_settings=FAST)
    other.unsaved_answer = "discard"
    assert other.run_settings == values
    assert other.plan_settings.zoning.nest == "town"
    assert RunSettings(start=date(2027, 1, 4)).horizon_for(
        scenario.horizon
    ).start == date(2027, 1, 4)
    _dispose(other)


def test_run_zoning_reports_progress_and_cancels(qtbot, window, snap):
    window.plan_settings = SLOW
    before = window.document.plan
    with qtbot.waitSignal(window.runner.progressed, timeout=30_000) as progressed:
        assert window.run_zoning()
    assert progressed.args[0].fraction >= 0
    assert window.progress_panel.isVisible()
    assert not window.qactions.act_assign.isEnabled()  # no edits under a running solver
    snap(window.statusBar(), "03-zoning-progress")
    with qtbot.waitSignal(window.runner.cancelled, timeout=60_000):
        window.progress_panel.cancel_button.click()
    assert window.document.plan is before
    assert window.qactions.act_assign.isEnabled()


def _squad_cells(plan, squad):
    cells = plan.scenario.cells
    return [str(c) for c in cells.loc[cells["squad_id"] == squad, "cell_id"]]


def test_reassign_lock_rebalance_undo_redo(qtbot, window):
    doc = window.document
    squads = [str(s) for s in doc.plan.scenario.squads["squad_id"]]
    zones = doc.plan.zones.set_index("squad_id")
    # the border cells of a neighbour, so the edit keeps the zones contiguous
    from planning.zoning import cell_adjacency

    cells = doc.plan.scenario.cells.reset_index(drop=True)
    edges = cell_adjacency(cells)
    a, b = (
        cells["squad_id"].to_numpy()[edges[:, 0]],
        cells["squad_id"].to_numpy()[edges[:, 1]],
    )
    cross = edges[a != b][0]
    source, target = (
        str(cells.at[cross[0], "squad_id"]),
        str(cells.at[cross[1], "squad_id"]),
    )
    moved = [str(cells.at[cross[0], "cell_id"])]
    load_before = float(zones.at[target, "workload"])

    assert doc.schedule_state == "ok" and not window.schedule.banner.isVisibleTo(window)
    assert window.assign_cells(moved, target)
    # statistics at once, before any map render or solver
    row = next(
        r
        for r in range(window.squads_model.rowCount())
        if window.squads_model.value(r, "squad_id") == target
    )
    assert window.squads_model.value(row, "workload") >= load_before
    assert window.squads_model.value(row, "contiguous") in (0, 1)
    assert "±" in window.squads_panel.summary.text()
    assert doc.schedule_state == "stale"
    assert window.schedule.banner.isVisibleTo(
        window
    ) and window.stale_label.isVisibleTo(window)

    window.select_cells_on_map(*moved)
    assert window.lock_selected(True)
    assert doc.locked_cells() == set(moved)
    assert "1" in window.squads_panel.summary.text()

    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.rebalance()
    squad_of = doc.assignment()
    assert squad_of[moved[0]] == target  # the locked edit survives
    assert squads  # the squads table still lists every squad
    assert window.squads_model.rowCount() == len(squads)
    n_steps = doc.undo_stack.count()
    assert n_steps in (2, 3)  # assign, lock (+ re-balance when it moved cells)
    if n_steps == 3:
        assert doc.undo_stack.undoText().startswith("重新平衡：调整 ")
    # a zoning worked out from the zones before the edit would undo it: refused
    old = squad_of.copy()
    old[moved[0]] = source
    assert window.apply_zones(doc.plan, old, old, window.tr("re-balance")) is None
    assert window.last_message == "计算期间片区已变化，重新平衡结果未采用。"
    assert doc.undo_stack.count() == n_steps

    while doc.undo_stack.canUndo():
        window.qactions.act_undo.trigger()
    assert doc.assignment()[moved[0]] == source
    assert doc.locked_cells() == set()
    assert doc.schedule_state == "ok" and not doc.modified
    while doc.undo_stack.canRedo():
        window.qactions.act_redo.trigger()
    assert doc.assignment().equals(squad_of)
    assert doc.locked_cells() == set(moved)


def _hotspot_csv(path, plan, rows=40, bad_row=None):
    hs = plan.scenario.hotspots.head(rows)
    lines = ["事件编号,事件类型,时间,经度,纬度"]
    for i, (_, h) in enumerate(hs.iterrows()):
        lon, lat = f"{h.geometry.x:.6f}", f"{h.geometry.y:.6f}"
        if i == bad_row:
            lon = "东经一百一十八"
        lines.append(f"N{h['event_id']},{h['event_type']},{h['time']},{lon},{lat}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_csv_by_drop_undo_and_errors(qtbot, window, tmp_path, snap):
    doc = window.document
    before = doc.plan
    n_before = len(before.scenario.hotspots)
    good = _hotspot_csv(tmp_path / "热点事件.csv", before)
    drop_file(window, good)
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.kind() == "hotspots"  # guessed from the file name
    assert dialog.preview_model.rowCount() > 0
    assert "经度" in dialog.preview_model.headers
    snap(dialog, "04-import-dialog")
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        dialog.import_button.click()
    assert len(doc.plan.scenario.hotspots) == 40
    assert doc.modified and doc.schedule_state == "ok"
    window.qactions.act_undo.trigger()
    assert doc.plan is before and len(doc.plan.scenario.hotspots) == n_before
    window.qactions.act_redo.trigger()
    assert len(doc.plan.scenario.hotspots) == 40
    window.qactions.act_undo.trigger()

    bad = _hotspot_csv(tmp_path / "bad_events.csv", before, rows=10, bad_row=2)
    dialog = window.open_import_dialog(bad)
    dialog.set_kind("hotspots")
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        dialog.import_button.click()
    messages = dialog.messages()
    assert any("bad_events.csv" in m and "4" in m for m in messages), messages
    assert dialog.isVisible()
    assert doc.plan is before  # a failed import changes nothing
    dialog.close()


def test_import_cells_marks_schedule_stale(qtbot, window, tmp_path):
    doc = window.document
    path = tmp_path / "cells.geojson"
    doc.plan.scenario.cells[
        ["cell_id", "town_id", "area_id", "land_use", "squad_id", "geometry"]
    ].to_file(path, driver="GeoJSON")
    dialog = window.open_import_dialog(path)
    assert dialog.kind() == "cells"
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        dialog.import_button.click()
    assert doc.schedule_state == "stale"


def test_export_selected_squad(qtbot, window, tmp_path):
    squad = str(window.document.plan.scenario.squads["squad_id"].iloc[0])
    with qtbot.waitSignal(window.runner.succeeded, timeout=120_000):
        assert window.export_to(tmp_path / "out", squad)
    written = window.last_export
    assert (tmp_path / "out" / "plan.gpkg").exists()
    assert all(p.exists() for paths in written.values() for p in paths)
    assert window.export_box is not None and window.export_box.isVisible()
    assert str(tmp_path / "out") in window.export_box.text()
    window.export_box.done(0)


def test_hotspot_dock_chart_and_rising_cells(qtbot, window):
    from planning.hotspots import rising_cells

    window.hotspot_dock.show()
    window.hotspot_dock.raise_()
    window.hotspot_panel.refresh()
    names = window.hotspot_panel.series_names()
    assert names[0] == "全部类型" and len(names) > 2
    sc = window.document.plan.scenario
    rising = rising_cells(sc.hotspots, sc.horizon.start, 8)
    assert window.hotspot_panel.rising_model.rowCount() == int(rising["rising"].sum())
    squad = str(sc.squads["squad_id"].iloc[0])
    combo = window.hotspot_panel.zone
    combo.setCurrentIndex(combo.findData(squad))
    assert window.hotspot_panel.series_names()


def test_calendar_stops_and_move_visit(qtbot, window):
    doc = window.document
    visits = doc.plan.visits
    assert window.schedule.calendar_model.counts.sum() == len(visits)
    # a visit with only comprehensive items: any team-day can take it
    movable = visits[visits["crew"].fillna("") == ""]
    first = movable.sort_values(["squad_id", "day", "team", "seq"]).iloc[0]
    squad, day = str(first["squad_id"]), str(first["day"])
    window.schedule.select_team_day(squad, day)
    n = int(((visits["squad_id"] == squad) & (visits["day"] == day)).sum())
    assert window.schedule.visits_proxy.rowCount() == n
    assert day in window.schedule.visits_label.text()

    visit_id = str(first["visit_id"])
    assert window.move_visit(visit_id, "2026-12-05") == "reject"  # a Saturday
    assert "2026-12-05" in window.last_error
    assert not doc.modified

    days = [d.isoformat() for d in doc.plan.scenario.horizon.workdays()]
    window.move_warning_answer = True
    verdict = window.move_visit(visit_id, days[-1])
    assert verdict in ("ok", "warn")
    moved = doc.plan.visits.set_index("visit_id").loc[visit_id]
    assert moved["day"] == days[-1]
    assert window.schedule.calendar_model.counts.sum() == len(visits)
    left = doc.plan.visits[
        (doc.plan.visits["squad_id"] == squad)
        & (doc.plan.visits["day"] == day)
        & (doc.plan.visits["team"] == first["team"])
    ]
    assert sorted(left["seq"]) == list(range(1, len(left) + 1))
    # both team-days were routed again: the new day's route passes the firm,
    # its stops follow each other in time, the old day's route lost a stop
    team = int(first["team"])
    routes = doc.plan.routes.set_index("route_id")
    new_route = routes.loc[f"{squad}-{days[-1]}-T{team}"]
    joined = doc.plan.visits[
        (doc.plan.visits["squad_id"] == squad)
        & (doc.plan.visits["day"] == days[-1])
        & (doc.plan.visits["team"] == team)
    ].sort_values("seq")
    assert int(new_route["stops"]) == len(joined)
    assert new_route.geometry.distance(moved.geometry) < 1e-9
    starts, ends = list(joined["start"]), list(joined["end"])
    assert all(s >= e for s, e in zip(starts[1:], ends[:-1], strict=True))
    old_route = routes.loc[f"{squad}-{day}-T{team}"]
    assert int(old_route["stops"]) == len(left)
    window.qactions.act_undo.trigger()
    assert doc.plan.visits.set_index("visit_id").loc[visit_id, "day"] == day
    assert not doc.modified
    undone = doc.plan.routes.set_index("route_id")
    assert int(undone.loc[f"{squad}-{day}-T{team}", "stops"]) == len(left) + 1


def test_drag_a_visit_onto_the_calendar_moves_it(qtbot, window, snap):
    """The drag payload of a visits-table row, dropped on a calendar cell,
    moves the visit there (same checks and undo as the menu); another
    squad's row refuses it."""

    doc = window.document
    visits = doc.plan.visits
    movable = visits[visits["crew"].fillna("") == ""]
    first = movable.sort_values(["squad_id", "day", "team", "seq"]).iloc[0]
    visit_id, squad = str(first["visit_id"]), str(first["squad_id"])
    days = [d.isoformat() for d in doc.plan.scenario.horizon.workdays()]
    target = days[-1] if first["day"] != days[-1] else days[-2]
    model = window.schedule.visits_model
    row = list(model.frame["visit_id"].astype(str)).index(visit_id)
    src = window.schedule.visits_proxy.mapFromSource(model.index(row, 0))
    assert window.schedule.visits_proxy.flags(src) & Qt.ItemFlag.ItemIsDragEnabled
    mime = window.schedule.visits_proxy.mimeData([src])
    cal = window.schedule.calendar_model
    other = next(s for s, _ in cal.squads if s != squad)
    window.move_warning_answer = True
    cal.dropMimeData(
        mime, Qt.DropAction.MoveAction, -1, -1, cal.index_of(other, target)
    )
    assert doc.plan.visits.set_index("visit_id").loc[visit_id, "day"] == first["day"]
    assert "重新分配它所在的网格" in window.last_error
    cal.dropMimeData(
        mime, Qt.DropAction.MoveAction, -1, -1, cal.index_of(squad, target)
    )
    assert doc.plan.visits.set_index("visit_id").loc[visit_id, "day"] == target
    window.schedule.select_team_day(squad, target)
    snap(window, "06-visit-moved")
    window.qactions.act_undo.trigger()
    assert doc.plan.visits.set_index("visit_id").loc[visit_id, "day"] == first["day"]


def test_attribute_tables_filter(qtbot, window):
    window.attribute_dock.show()
    window.attribute_tables.fill()
    cells = window.document.plan.scenario.cells
    proxy = window.attribute_tables.attribute_proxies["cells"]
    assert proxy.rowCount() == len(cells)
    cell = str(cells["cell_id"].iloc[3])
    window.attribute_tables.attribute_filters["cells"].setText(cell)
    assert 1 <= proxy.rowCount() < len(cells)
    assert window.attribute_tables.attribute_proxies["enterprises"].rowCount() == len(
        window.document.plan.scenario.enterprises
    )


def test_layer_panel_switches_map_layers(qtbot, window):
    wait_map(qtbot, window)
    probe = "window.plannerMap.map.hasLayer(window.plannerMap.layers.cells)"
    assert js(qtbot, window, probe) is True
    window.layer_panel.boxes["cells"].setChecked(False)
    qtbot.waitUntil(lambda: js(qtbot, window, probe) is False, timeout=5_000)
    window.layer_panel.opacity.setValue(30)
    cell = str(window.document.plan.scenario.cells["cell_id"].iloc[0])
    opacity = js(
        qtbot,
        window,
        f"window.plannerMap.cellLayers['{cell}'].options.fillOpacity",
    )
    assert opacity < 0.3
    window.layer_panel.boxes["cells"].setChecked(True)
    qtbot.waitUntil(lambda: js(qtbot, window, probe) is True, timeout=5_000)


def test_edits_survive_save_and_reopen(qtbot, window, tmp_path):
    doc = window.document
    cells = doc.plan.scenario.cells
    some = [str(c) for c in cells["cell_id"][:3]]
    window.select_cells_on_map(*some)
    window.lock_selected(True)
    visits = doc.plan.visits
    days = [d.isoformat() for d in doc.plan.scenario.horizon.workdays()]
    window.move_warning_answer = True
    visit_id = str(visits[visits["crew"].fillna("") == ""]["visit_id"].iloc[0])
    assert window.move_visit(visit_id, days[-2]) in ("ok", "warn")
    path = tmp_path / "edited.gpkg"
    assert window.save_as(path)

    other = MainWindow(window.settings, plan_settings=FAST)
    other.unsaved_answer = "discard"
    with qtbot.waitSignal(other.runner.succeeded, timeout=60_000):
        other.open_project(path)
    assert other.document.locked_cells() == set(some)
    reopened = other.document.plan.visits.set_index("visit_id")
    assert reopened.loc[visit_id, "day"] == days[-2]
    assert other.document.assignment().equals(doc.assignment())
    assert other.document.schedule_state == "ok"
    _dispose(other)


def test_autosave_offers_recovery_after_a_crash(qtbot, tmp_path, small_plan):
    ini = str(tmp_path / "planner.ini")
    project = tmp_path / "county.gpkg"
    first = MainWindow(QSettings(ini, QSettings.Format.IniFormat), plan_settings=FAST)
    first.document.set_plan(fresh(small_plan), project, saved=True)
    cells = first.document.plan.scenario.cells
    cell = str(cells["cell_id"].iloc[0])
    other = next(
        str(s)
        for s in first.document.plan.scenario.squads["squad_id"]
        if s != cells["squad_id"].iloc[0]
    )
    assert not first.autosave.save_now()  # nothing unsaved, nothing written
    assert first.document.assign_cells([cell], other)
    assert first.autosave.save_now() and first.autosave.wait()
    # the crash: the window is never closed, so nothing cleans up
    first.autosave.timer.stop()
    first.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    second = MainWindow(QSettings(ini, QSettings.Format.IniFormat), plan_settings=FAST)
    second.unsaved_answer = "discard"
    assert second.autosave.pending()["project"] == str(project)
    second.recovery_answer = "restore"
    assert second.offer_recovery()
    restored = second.document.plan.scenario.cells.set_index("cell_id")
    assert restored.at[cell, "squad_id"] == other
    assert second.document.path == project and second.document.modified
    # saving makes the recovery copy obsolete
    assert second.save_as(project)
    assert second.autosave.pending() is None
    _dispose(second)

    third = MainWindow(QSettings(ini, QSettings.Format.IniFormat), plan_settings=FAST)
    assert not third.offer_recovery()
    _dispose(third)


def test_department_roster_panel_counts_and_flags_overload(qtbot, window):
    """The roster tab shows assigned / available inspectors per department and
    day as in plan.roster, and flags a day over the department's capacity."""
    plan = window.document.plan
    model = window.schedule.roster_panel.model
    sums = plan.roster.groupby(["dept_id", "day"])["inspectors"].sum()
    assert len(sums) > 0
    for (dept, day), n in sums.items():
        r = [d for d, _ in model.departments].index(str(dept))
        c = model.days.index(str(day))
        cap = plan.scenario.policy.departments[str(dept)].inspectors_per_day
        assert model.index(r, c).data() == f"{int(n)}/{cap}"
    assert model.over_capacity() == []
    tampered = plan.copy()
    first = tampered.roster.iloc[0]
    cap = plan.scenario.policy.departments[str(first["dept_id"])].inspectors_per_day
    tampered.roster.loc[tampered.roster.index[0], "inspectors"] = cap + 1
    window.schedule.roster_panel.set_plan(tampered)
    assert (str(first["dept_id"]), str(first["day"])) in model.over_capacity()
    assert "1" in window.schedule.roster_panel.label.text()


ISLAND_SETTINGS = PlanSettings(
    zoning=ZoningSettings(nest="area", time_limit=10.0, workers=1),
    scheduling=ScheduleSettings(time_limit=3.0, route_time_limit=0.1),
    patrols=None,
)


@pytest.fixture
def bare_window(qtbot, tmp_path) -> Iterator[MainWindow]:
    """A window as on the first start: no saved geometry, no plan."""
    settings = QSettings(str(tmp_path / "first.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, plan_settings=ISLAND_SETTINGS)
    win.unsaved_answer = "discard"
    win.show()
    yield win
    _dispose(win)


def test_gui_zoning_gives_the_cli_zones_layer(qtbot, bare_window):
    """Run zoning in the window and plan the same scenario as the CLI does:
    the same zones, squads and contiguity, islands included (the window used
    to judge the island's zone not contiguous)."""
    scenario = island_scenario()
    cli = run_plan(scenario, ISLAND_SETTINGS)
    assert cli.zoning is not None and cli.zoning.islands == [["C4"]]

    window = bare_window
    assert window.plan_settings.zoning == ISLAND_SETTINGS.zoning
    window.document.set_plan(unplanned(scenario), None, saved=False)
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.run_zoning()
    gui = window.document.plan
    assert gui.zoning is not None and gui.zoning.islands == cli.zoning.islands
    columns = ["squad_id", "n_cells", "contiguous"]
    assert gui.zones[columns].equals(cli.zones[columns])
    assert list(gui.zones["contiguous"]) == [1, 1]
    assert gui.zones.geometry.geom_equals(cli.zones.geometry).all()
    assert "各片区均连续" in window.squads_panel.summary.text()


def test_first_start_fits_the_screen_then_restores(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "geometry.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, plan_settings=FAST)
    free = win.screen().availableGeometry()
    assert win.width() == round(free.width() * 0.85)
    assert win.height() == round(free.height() * 0.85)
    assert abs(win.geometry().center().x() - free.center().x()) <= 1
    assert abs(win.geometry().center().y() - free.center().y()) <= 1
    win.resize(500, 400)
    _dispose(win)  # closing stores the geometry
    again = MainWindow(settings, plan_settings=FAST)
    assert (again.width(), again.height()) == (500, 400)
    _dispose(again)


def test_unzoned_scenario_says_not_zoned_yet(bare_window):
    window = bare_window
    assert window.squads_panel.summary.text() == ""  # no plan open
    window.document.set_plan(unplanned(island_scenario()), None, saved=False)
    text = window.squads_panel.summary.text()
    assert "尚未划片" in text and "连续" not in text and "±" not in text
    assert "尚未划片" in window.headline.text()
    model = window.squads_model
    assert [model.value(r, "deviation_pct") for r in range(model.rowCount())] == [
        None,
        None,
    ]
    window.set_language("en")
    assert "Not zoned yet" in window.squads_panel.summary.text()


def test_new_sample_draws_the_county_while_it_plans(qtbot, bare_window, monkeypatch):
    """The map shows the sample's cells as soon as they exist, not after the
    minute the planning takes."""
    small = build_sample(n_enterprises=300, n_events=300)
    monkeypatch.setattr(main_window_module, "build_sample", lambda **_: small)
    window = bare_window
    window.plan_settings = SLOW
    drawn: list[bool] = []
    window.map_view.mapReady.connect(
        lambda: drawn.append(window.runner.busy and window.document.plan is not None)
    )
    assert window.new_sample()
    qtbot.waitUntil(lambda: any(drawn), timeout=120_000)
    assert window.runner.title == "正在规划示例县"
    n_cells = js(qtbot, window, "Object.keys(window.plannerMap.cellLayers).length")
    assert n_cells == len(small.cells)
    assert "尚未划片" in window.squads_panel.summary.text()
    with qtbot.waitSignal(window.runner.cancelled, timeout=60_000):
        window.runner.cancel()
    assert window.document.plan.scenario.name == small.name
