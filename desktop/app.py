"""Start the desktop app: ``run_gui`` is what ``main.py`` calls.

It prepares QtWebEngine (flags must be set before the first Chromium
process starts, shared GL contexts before the QApplication exists), installs
the UI language, and opens the window with a project: the one asked for, the
last one used, or the bundled sample planned in the background. With
``screenshot`` it waits until the map has been drawn, saves a PNG of the
whole window and quits, which is how docs and CI get their pictures.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

ORGANISATION = "PatrolPlanner"
APPLICATION = "PatrolPlanner"
if TYPE_CHECKING:
    from desktop.main_window import MainWindow

SCREENSHOT_SIZE = (1500, 900)
SCREENSHOT_SETTLE_MS = 1200
"""Time Leaflet gets after the page reports ready, to paint its canvas."""
SCREENSHOT_TIMEOUT_MS = 15 * 60 * 1000


def _prepare_webengine() -> None:
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS")
    if flags is None:
        wanted = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            wanted.append("--no-sandbox")  # Chromium refuses to sandbox as root
        if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            wanted.append("--disable-gpu")
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(wanted)
    # QtWebEngine must be imported before the QApplication is created
    import PySide6.QtWebEngineWidgets  # noqa: F401

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def application() -> QApplication:
    """The running QApplication, created (with WebEngine ready) if needed."""
    app = QApplication.instance()
    if app is None:
        _prepare_webengine()
        app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    return app


def saved_language(default: str = "zh_CN") -> str:
    """The language last chosen in the 语言 menu (for main.py's default)."""
    return str(QSettings(ORGANISATION, APPLICATION).value("language", default))


def run_gui(
    project: Path | None = None,
    lang: str = "zh_CN",
    screenshot: Path | None = None,
) -> int:
    """Open the planner window; returns the process exit code.

    Parameters
    ----------
    project
        A project .gpkg to open; without it the last project (QSettings), or
        else the built-in sample (示例数据), planned in the background.
    lang
        ``zh_CN`` (default) or ``en``.
    screenshot
        Save a PNG of the window once the map is drawn, then exit (0 on
        success, 1 when planning, loading or drawing failed, 2 on timeout).
    """
    app = application()
    from desktop.i18n import install_language
    from desktop.main_window import MainWindow

    settings = QSettings()
    language = install_language(lang)
    settings.setValue("language", language)
    window = MainWindow(settings)
    if screenshot is not None:
        window.unsaved_answer = "discard"
        window.resize(*SCREENSHOT_SIZE)
        _capture_when_ready(window, Path(screenshot), app)
    window.show()

    recent = [p for p in window.recent_projects() if p.exists()]
    if screenshot is None and window.offer_recovery():
        pass  # the crashed session's work is open; nothing else to load
    elif project is not None:
        window.open_project(Path(project))
    elif recent:
        window.open_project(recent[0])
    else:
        window.new_sample()
    code = app.exec()
    if window.isVisible():
        window.close()
    # the web page must go before QtWebEngine's profile at exit
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code


def _capture_when_ready(window: MainWindow, path: Path, app: QApplication) -> None:
    """Grab ``window`` to ``path`` after its first plan's map is drawn."""
    done = False

    def finish(code: int) -> None:
        nonlocal done
        if not done:
            done = True
            app.exit(code)

    def grab() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(path), "PNG")
        if not ok:
            print(f"could not write {path}", file=sys.stderr)
        finish(0 if ok else 1)

    def failed(message: str, details: str = "") -> None:
        print(f"screenshot: {message}\n{details}", file=sys.stderr)
        finish(1)

    # the scenario is drawn while it plans: wait for the map of the plan
    window.map_view.mapReady.connect(
        lambda: (
            done or window.runner.busy or QTimer.singleShot(SCREENSHOT_SETTLE_MS, grab)
        )
    )
    window.runner.failed.connect(failed)
    window.runner.cancelled.connect(lambda: failed("cancelled"))
    window.map_view.renderFailed.connect(lambda d: failed("map failed", d))
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, lambda: finish(2))
