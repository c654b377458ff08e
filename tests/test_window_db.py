"""文件 > 从数据库打开 / 保存到数据库 in the real window, clicked as a planner would."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from desktop.db_dialog import DbDialog
from desktop.i18n import install_language
from desktop.main_window import MainWindow
from planning.plan import PlanSettings, run_plan
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.store import PlanStore
from planning.zoning import ZoningSettings
from tests import pgfixture

pg_cluster = pgfixture.pg_cluster
pg_url = pgfixture.pg_url

FAST = PlanSettings(
    zoning=ZoningSettings(time_limit=2.0, workers=1),
    scheduling=ScheduleSettings(time_limit=2.0, route_time_limit=0.05, workers=1),
    patrols=None,
)


@pytest.fixture(scope="module")
def small_plan():
    return run_plan(build_sample(cell_m=2500.0, n_enterprises=60, n_events=60), FAST)


@pytest.fixture
def window(qtbot, tmp_path, qapp):
    install_language("zh_CN")
    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, plan_settings=FAST)
    win.unsaved_answer = "discard"
    yield win
    install_language("zh_CN")
    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _answer_dialog(url: str, project: str) -> None:
    """Fill the connection dialog when it shows, and press OK."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DbDialog):
            QTimer.singleShot(20, fill)
            return
        u = urlparse(url)
        dialog.host.setText(u.hostname)
        dialog.port.setValue(u.port)
        dialog.database.setText(u.path.lstrip("/"))
        dialog.user.setText(u.username)
        dialog.project.setCurrentText(project)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    QTimer.singleShot(0, fill)


def test_file_menu_offers_the_database_after_save_as(window):
    actions = window.qactions
    texts = [a.text() for a in actions.menu_file.actions() if not a.isSeparator()]
    after = texts.index("另存为(&A)…") + 1
    assert texts[after : after + 2] == ["从数据库打开(&D)…", "保存到数据库(&B)…"]
    # nothing open: saving to the database waits for a plan
    assert actions.db.act_open.isEnabled() and not actions.db.act_save.isEnabled()
    window.set_language("en")
    assert actions.db.act_open.text() == "Open from &database…"
    assert actions.db.act_save.text() == "Save to data&base…"


def test_save_to_and_open_from_the_database_through_the_menu(
    window, pg_url, small_plan
):
    window.document.set_plan(small_plan.copy(), None, saved=False)
    db = window.qactions.db
    assert db.act_save.isEnabled()
    _answer_dialog(pg_url, "常山县")
    db.act_save.trigger()
    info = PlanStore(pg_url).projects()
    assert [(p.name, p.revision) for p in info] == [("常山县", 1)]
    assert info[0].layers["visits"] == len(small_plan.visits)
    assert not window.document.modified

    window.document.set_plan(None, None, saved=True)
    _answer_dialog(pg_url, "常山县")
    db.act_open.trigger()
    plan = window.document.plan
    assert plan is not None and len(plan.visits) == len(small_plan.visits)
    assert window.squads_model.rowCount() == len(small_plan.scenario.squads)
