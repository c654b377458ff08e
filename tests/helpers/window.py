"""The main window as the window tests open, feed and close it.

Each window gets its own INI file, the Chinese UI and "discard" as the answer
to the unsaved-changes prompt, and is deleted at once when the test ends: a
web page left for interpreter exit crashes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QMimeData,
    QPoint,
    QPointF,
    QSettings,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop.db_dialog import DbDialog
from desktop.i18n import install_language
from desktop.main_window import MainWindow
from planning.plan import Plan, PlanSettings
from planning.scheduling import ScheduleSettings
from planning.zoning import ZoningSettings


def fast_settings(zoning_seconds: float, schedule_seconds: float) -> PlanSettings:
    """Short solver limits on one worker and no patrols: the window tests
    need a plan to click through, not the best one."""
    return PlanSettings(
        zoning=ZoningSettings(time_limit=zoning_seconds, workers=1),
        scheduling=ScheduleSettings(
            time_limit=schedule_seconds, route_time_limit=0.05, workers=1
        ),
        patrols=None,
    )


@contextmanager
def open_window(
    tmp_path: Path,
    plan_settings: PlanSettings,
    plan: Plan | None = None,
    size: tuple[int, int] | None = None,
) -> Iterator[MainWindow]:
    """A main window with its settings in ``tmp_path``, closed and deleted
    (and the language set back to Chinese) when the block ends.

    Given a ``plan``, the window is shown (at ``size``, if given) with a
    copy of it open and saved.
    """
    install_language("zh_CN")
    settings = QSettings(str(tmp_path / "planner.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, plan_settings=plan_settings)
    win.unsaved_answer = "discard"
    if plan is not None:
        if size is not None:
            win.resize(*size)
        win.show()
        win.document.set_plan(plan.copy(), None, saved=True)
    try:
        yield win
    finally:
        install_language("zh_CN")
        win.close()
        win.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def drop_file(window: MainWindow, path: Path) -> None:
    """Drag ``path`` onto the window and drop it, as from a file manager."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(50, 50), action, mime, buttons, mods)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(QDropEvent(QPointF(50, 50), action, mime, buttons, mods))


def answer_db_dialog(url: str, project: str, listed: list | None = None) -> None:
    """Fill the database connection dialog from ``url`` when it shows, pick
    ``project`` and press OK. With ``listed``, first press 列出项目 and
    append the projects the dialog then offers."""

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
        if listed is not None:
            dialog.list_button.click()
            items = dialog.project
            listed.append([items.itemText(i) for i in range(items.count())])
        dialog.project.setCurrentText(project)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    QTimer.singleShot(0, fill)
