"""The desktop window as a planner uses it: open, look, edit, undo, save, reopen.

One small sample county is planned once per module (short solver limits);
each test gets its own copy of that plan, its own settings file and its own
window, all offscreen.
"""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from desktop import main_window as main_window_module
from desktop.app import run_gui
from desktop.i18n import install_language
from desktop.main_window import MainWindow
from planning.plan import Plan, PlanSettings, run_plan
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.zoning import ZoningSettings

FAST = PlanSettings(
    zoning=ZoningSettings(time_limit=3.0),
    scheduling=ScheduleSettings(time_limit=3.0, route_time_limit=0.1),
)
SLOW = PlanSettings(
    zoning=ZoningSettings(time_limit=120.0),
    scheduling=ScheduleSettings(time_limit=120.0),
)


@pytest.fixture(scope="module")
def small_plan() -> Plan:
    scenario = build_sample(n_enterprises=300, n_events=300)
    return run_plan(scenario, FAST)


def fresh(plan: Plan) -> Plan:
    """A copy the test may edit without touching the module's plan."""
    return dataclasses.replace(
        plan,
        scenario=plan.scenario.copy(),
        zones=plan.zones.copy(),
        visits=plan.visits.copy(),
        routes=plan.routes.copy(),
        unscheduled=plan.unscheduled.copy(),
        roster=plan.roster.copy(),
    )


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
def window(qtbot, tmp_path, small_plan) -> MainWindow:
    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, plan_settings=FAST)
    win.unsaved_answer = "discard"
    qtbot.addWidget(win)
    win.show()
    win.document.set_plan(fresh(small_plan), None, saved=True)
    return win


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
    assert window.visits_proxy.rowCount() == len(small_plan.visits)
    assert window.unscheduled_proxy.rowCount() == len(small_plan.unscheduled)
    assert str(len(small_plan.visits)) in window.visits_label.text()
    assert window.synthetic_label.isVisible()
    assert "示例数据" in window.synthetic_label.text()
    assert "综合查一次" in window.headline.text()

    squad = str(squads["squad_id"].iloc[0])
    window.set_squad_filter(squad)
    assert window.visits_proxy.rowCount() == int(
        (small_plan.visits["squad_id"] == squad).sum()
    )
    window.set_squad_filter(None)
    assert window.visits_proxy.rowCount() == len(small_plan.visits)


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

    window.act_undo.trigger()
    assert squad_of(moved) == {source}
    assert table_cells(source) == n_before[source]
    assert table_cells(target) == n_before[target]
    assert not doc.modified

    window.act_redo.trigger()
    assert squad_of(moved) == {target}
    assert table_cells(target) == n_before[target] + 5

    assert not window.assign_cells(["NO-SUCH-CELL"], target)
    assert "NO-SUCH-CELL" in window.last_error


def test_save_then_open_in_new_window(qtbot, window, tmp_path, small_plan):
    path = tmp_path / "plan.gpkg"
    assert window.save_as(path)
    assert path.exists() and not window.document.modified
    assert window.recent_projects()[0] == path.resolve()

    other = MainWindow(window.settings, plan_settings=FAST)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.runner.succeeded, timeout=60_000):
        assert other.open_project(path)
    assert other.document.path == path
    assert not other.document.modified
    assert other.squads_model.rowCount() == len(small_plan.scenario.squads)
    assert other.visits_proxy.rowCount() == len(small_plan.visits)
    visits = other.document.plan.visits
    assert sorted(visits["visit_id"]) == sorted(small_plan.visits["visit_id"])


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


def test_language_chinese_by_default_and_english_live(window):
    assert window.menu_file.title() == "文件(&F)"
    assert window.menu_plan.title() == "规划(&P)"
    assert window.squads_dock.windowTitle() == "中队"
    window.set_language("en")
    assert window.menu_file.title() == "&File"
    assert window.menu_plan.title() == "&Plan"
    assert window.schedule_dock.windowTitle() == "Schedule"
    assert window.settings.value("language") == "en"
    window.set_language("zh_CN")
    assert window.menu_language.title() == "语言(&L)"


def test_cancelled_run_leaves_plan_unchanged(qtbot, window):
    window.plan_settings = SLOW
    before = window.document.plan
    with qtbot.waitSignal(window.runner.progressed, timeout=30_000):
        assert window.run_all()
    assert not window.act_run_all.isEnabled()
    with qtbot.waitSignal(window.runner.cancelled, timeout=60_000):
        window.progress_panel.cancel_button.click()
    assert window.document.plan is before
    assert not window.document.modified
    assert window.act_run_all.isEnabled()


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
