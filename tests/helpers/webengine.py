"""Load an HTML page in an offscreen QWebEngineView and probe it with JS.

Shared by map tests (and later desktop tests): a page that renders in the
real Chromium engine with no console errors is the only honest check that
an offline Leaflet page works.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWebEngineWidgets import QWebEngineView

DEFAULT_PROBE = """
(function () {
  var pm = window.plannerMap;
  var n = 0;
  if (pm) pm.map.eachLayer(function () { n++; });
  return JSON.stringify({typeofL: typeof L, hasPlannerMap: !!pm, mapLayers: n});
})()
"""


class RecordingPage(QWebEnginePage):
    """A page that records console errors/warnings and JS dialogs."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.messages: list[str] = []

    def javaScriptConsoleMessage(  # noqa: N802 (Qt override)
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        levels = QWebEnginePage.JavaScriptConsoleMessageLevel
        if level == levels.ErrorMessageLevel:
            self.messages.append(f"error: {message} ({source}:{line})")
        elif level == levels.WarningMessageLevel:
            self.messages.append(f"warning: {message} ({source}:{line})")

    def javaScriptAlert(self, origin: QUrl, msg: str) -> None:  # noqa: N802
        # An alert is never legitimate in our pages: record it, do not block.
        self.messages.append(f"alert: {msg}")

    def javaScriptConfirm(self, origin: QUrl, msg: str) -> bool:  # noqa: N802
        self.messages.append(f"confirm: {msg}")
        return False


def load_html_in_webengine(
    qtbot: Any,
    html: str,
    tmp_path: Path,
    script: str = DEFAULT_PROBE,
    *,
    timeout_ms: int = 30_000,
    size: tuple[int, int] = (1000, 750),
    screenshot: Path | None = None,
) -> tuple[list[str], Any]:
    """Load ``html`` from a file, run ``script``, return (messages, result).

    ``messages`` holds console errors and warnings (prefixed ``error:`` /
    ``warning:``) and any ``alert:``/``confirm:`` dialog. If ``script``
    returns a JSON string (as the default probe does) it is decoded. The page
    goes through a file because ``setHtml`` is limited to 2 MB.
    """
    path = Path(tmp_path) / "page.html"
    path.write_text(html, encoding="utf-8")

    view = QWebEngineView()
    qtbot.addWidget(view)
    page = RecordingPage(view)
    view.setPage(page)
    view.resize(*size)
    view.show()

    with qtbot.waitSignal(page.loadFinished, timeout=timeout_ms) as blocker:
        view.load(QUrl.fromLocalFile(str(path)))
    assert blocker.args == [True], f"page failed to load: {page.messages}"

    box: dict[str, Any] = {}

    def done(value: Any) -> None:
        box["value"] = value

    page.runJavaScript(script, 0, done)
    qtbot.waitUntil(lambda: "value" in box, timeout=timeout_ms)
    result = box["value"]
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            pass

    if screenshot is not None:
        qtbot.wait(1500)  # let the compositor paint canvases and tiles
        view.grab().save(str(screenshot))
    # console messages can arrive a moment after the script result
    qtbot.wait(200)
    messages = list(page.messages)
    view.close()
    return messages, result
