"""Autosave to a recovery file, so a crash never costs more than a few minutes.

While the open plan has unsaved edits, a timer copies it and writes the
copy to ``recovery/recovery.gpkg`` next to the settings file, in a
background thread (the atomic save of :mod:`planning.io.project`), with a
small JSON note naming the project it belongs to. A clean close or a save
deletes both; finding them at start-up means the last session died, and the
window offers to restore.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from planning.io.project import load_project, save_project
from planning.plan import Plan

INTERVAL_MS = 3 * 60 * 1000
"""Every three minutes: little lost, and the county-size save stays rare."""


def recovery_folder(settings: QSettings) -> Path:
    """``recovery/`` beside the settings file (per user, per test run)."""
    return Path(settings.fileName()).resolve().parent / "recovery"


class Autosave(QObject):
    """Periodic recovery copies of a :class:`desktop.document.PlanDocument`.

    Signals
    -------
    saved(str)
        Path of the recovery file after each write.
    """

    saved = Signal(str)

    def __init__(
        self,
        document: QObject,
        folder: Path,
        interval_ms: int = INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.folder = Path(folder)
        self._thread: threading.Thread | None = None
        self._written = threading.Event()
        self.wrote = False
        """This session wrote a copy (so a clean close may delete it; a copy
        left by an earlier, crashed session is kept until answered)."""
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    @property
    def gpkg(self) -> Path:
        return self.folder / "recovery.gpkg"

    @property
    def note(self) -> Path:
        return self.folder / "recovery.json"

    def save_now(self) -> bool:
        """Start writing a recovery copy if there is anything unsaved."""
        doc = self.document
        if doc.plan is None or not doc.modified:
            return False
        if self._thread is not None and self._thread.is_alive():
            return False  # the previous copy is still being written
        doc.ensure_zones()
        copy = doc.plan.copy()  # edits go on while the copy is written
        project = None if doc.path is None else str(doc.path)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._written.clear()
        self.wrote = True

        def write() -> None:
            try:
                save_project(self.gpkg, copy.scenario, copy)
                note = {
                    "project": project,
                    "saved_at": datetime.now().isoformat(timespec="seconds"),
                }
                self.note.write_text(json.dumps(note, ensure_ascii=False), "utf-8")
            except OSError:
                return  # a full disk must not take the session down
            self._written.set()

        self._thread = threading.Thread(target=write, name="autosave", daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the copy being written is on disk (tests, shutdown)."""
        if self._thread is None:
            return False
        self._thread.join(timeout)
        return self._written.is_set()

    def clear(self) -> None:
        """Forget the recovery copy: the plan was saved or closed cleanly."""
        if self._thread is not None:
            self._thread.join(60.0)
        for path in (self.gpkg, self.note):
            path.unlink(missing_ok=True)

    def pending(self) -> dict | None:
        """The note of a copy a crashed session left, or ``None``."""
        if not (self.gpkg.exists() and self.note.exists()):
            return None
        try:
            return json.loads(self.note.read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def restore(self) -> tuple[Plan, Path | None]:
        """The recovered plan and the project file it belongs to."""
        note = self.pending() or {}
        _, plan = load_project(self.gpkg)
        if plan is None:
            raise ValueError(f"{self.gpkg}: the recovery copy holds no plan")
        project = note.get("project")
        return plan, None if not project else Path(project)
