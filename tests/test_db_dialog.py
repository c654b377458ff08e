"""文件 > 从数据库打开 / 保存到数据库, clicked as a planner would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from desktop.db_dialog import install_db_actions
from desktop.document import PlanDocument
from planning.store import PlanStore
from planning.store.store import default_user
from tests.helpers.window import answer_db_dialog, fast_settings

FAST = fast_settings(zoning_seconds=2.0, schedule_seconds=2.0)


@pytest.fixture
def window(qtbot, tmp_path):
    win = QMainWindow()
    menu = win.menuBar().addMenu("文件")
    menu.addAction("打开…")
    menu.addSeparator()
    menu.addAction("保存")
    menu.addSeparator()
    menu.addAction("退出")
    qtbot.addWidget(win)
    doc = PlanDocument(win)
    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    return win, menu, doc, settings


def _press_on_message_box(button_text: str, seen: list) -> None:
    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append(box.text())
        for button in box.buttons():
            if button.text() == button_text:
                button.click()

    QTimer.singleShot(0, press)


def test_open_edit_and_a_conflicting_save_offer_reload(
    window, pg_url, store_plan, tmp_path, monkeypatch
):
    monkeypatch.setenv("PGPASSWORD", "s3cret-never-stored")
    win, menu, doc, settings = window
    PlanStore(pg_url, user="alice").save_plan("常山县", store_plan.scenario, store_plan)
    actions = install_db_actions(win, doc, settings)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["打开…", "保存", "从数据库打开…", "保存到数据库…", "退出"]

    listed: list = []
    answer_db_dialog(pg_url, "常山县", listed)
    actions.act_open.trigger()
    assert listed == [["常山县"]]
    assert len(doc.plan.visits) == len(store_plan.visits)
    settings.sync()
    stored = (tmp_path / "planner.ini").read_text()
    assert "127.0.0.1" in stored and "常山县" in stored
    assert "s3cret" not in stored and "password" not in stored.lower()

    # bob changes the project in the meantime
    bob = PlanStore(pg_url, user="bob")
    scenario, plan, opened = bob.load_plan("常山县")
    plan.visits = plan.visits.iloc[:-1]
    bob.save_plan("常山县", scenario, plan, opened=opened)

    shown: list = []
    _press_on_message_box("重新打开", shown)
    assert actions.save_to_db() is False
    assert "bob" in shown[0] and "常山县" in shown[0]
    # reloaded: bob's version is in the window and saving goes on from it
    assert len(doc.plan.visits) == len(store_plan.visits) - 1
    assert actions.save_to_db() is True
    revisions = bob.revisions("常山县")
    assert [r.saved_by for r in revisions] == ["alice", "bob", default_user()]
    assert revisions[2].based_on == 2


def test_save_as_new_project_from_the_window(window, pg_url, store_plan):
    win, menu, doc, settings = window
    actions = install_db_actions(win, doc, settings)
    doc.set_plan(store_plan.copy(), None, saved=False)
    answer_db_dialog(pg_url, "新项目", [])
    actions.act_save.trigger()
    info = PlanStore(pg_url).projects()
    assert [(p.name, p.revision) for p in info] == [("新项目", 1)]
    assert info[0].layers["visits"] == len(store_plan.visits)
    assert not doc.modified


def test_the_real_window_has_them_after_save_as(qtbot, tmp_path):
    from desktop.main_window import MainWindow

    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    try:
        actions = win.qactions.db
        file_actions = win.qactions.menu_file.actions()
        after = file_actions.index(win.qactions.act_save_as) + 1
        assert file_actions[after : after + 2] == [actions.act_open, actions.act_save]
        assert actions.document is win.document and actions.settings is settings
    finally:
        win.close()
        win.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
