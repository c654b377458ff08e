"""Project files of the main window: open, save, recent files, recovery.

A project is one GeoPackage (see :mod:`planning.io.project`). Opening runs
in the background (a file without a plan is planned first); saving runs on
the GUI thread because it is quick and the data must not change while it is
written. Crash recovery offers the :class:`~desktop.autosave.Autosave` copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from planning.io.project import load_project
from planning.plan import Plan, run_plan
from planning.progress import CancelToken, Job, ProgressEvent, ProgressFn

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

MAX_RECENT = 8


class ProjectFiles(QObject):
    """File handling of ``window``; answers stored on the window (tests) win."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def open_project(self, path: Path) -> bool:
        """Load a project .gpkg in the background; plans it if it holds no plan."""
        window = self.window
        path = Path(path)
        settings = window.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> tuple[Plan, bool]:
            progress(ProgressEvent("loading", 0.0, str(path)))
            scenario, plan = load_project(path)
            if plan is not None:
                return plan, True
            return run_plan(scenario, settings, Job(progress, cancel)), False

        def opened(result: tuple[Plan, bool]) -> None:
            plan, saved = result
            window.show_plan(plan, path, saved=saved)
            self.add_recent(path)

        started = window.start_run(
            self.tr("Opening {0}").format(path.name), job, opened
        )
        if started:
            window.map_view.prerender_file(path)
        return started

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Open project"), self.last_dir(), self._file_filter()
        )
        if name:
            self.open_project(Path(name))

    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        if self.window.document.path is None:
            return self.save_as()
        return self.save_to(self.window.document.path)

    def save_as(self, path: Path | None = None) -> bool:
        """Save under a new name (asked for when ``path`` is not given)."""
        if path is None:
            suggested = str(Path(self.last_dir()) / "plan.gpkg")
            name, _ = QFileDialog.getSaveFileName(
                self.window, self.tr("Save project as"), suggested, self._file_filter()
            )
            if not name:
                return False
            path = Path(name)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        window = self.window
        if window.document.plan is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            window.document.save(path)
        except (OSError, ValueError) as exc:
            window.show_error(self.tr("Could not save {0}:\n{1}").format(path, exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.add_recent(path)
        window.autosave.clear()
        window.statusBar().showMessage(self.tr("Saved {0}").format(path), 5000)
        return True

    def offer_recovery(self) -> bool:
        """After a crash, offer the autosaved copy; ``True`` if it was restored.

        The restored plan keeps its project path and counts as unsaved, so
        the planner decides when it replaces the file on disk.
        """
        window = self.window
        note = window.autosave.pending()
        if note is None:
            return False
        answer = window.recovery_answer
        if answer is None:
            B = QMessageBox.StandardButton
            project = note.get("project") or self.tr("(new project)")
            button = QMessageBox.question(
                window,
                self.tr("Recover unsaved work"),
                self.tr(
                    "The app was not closed properly. An autosaved copy of {0} "
                    "from {1} exists. Restore it?"
                ).format(project, note.get("saved_at", "?")),
                B.Yes | B.No,
                B.Yes,
            )
            answer = "restore" if button == B.Yes else "discard"
        if answer != "restore":
            window.autosave.clear()
            return False
        try:
            plan, path = window.autosave.restore()
        except (OSError, ValueError) as exc:
            window.show_error(
                self.tr("Could not restore the autosaved copy:\n{0}").format(exc)
            )
            return False
        window.document.set_plan(plan, path, saved=False)
        window.message(self.tr("Restored the autosaved copy; save to keep it."))
        return True

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes; ``False`` means the user cancelled.

        The window's ``unsaved_answer`` (``save`` / ``discard`` / ``cancel``,
        also from the ``PATROL_PLANNER_UNSAVED`` environment variable) answers
        without asking.
        """
        window = self.window
        if not window.document.modified or window.document.plan is None:
            return True
        answer = window.unsaved_answer
        if answer is None:
            B = QMessageBox.StandardButton
            button = QMessageBox.warning(
                window,
                self.tr("Unsaved changes"),
                self.tr("The plan has unsaved changes. Save them?"),
                B.Save | B.Discard | B.Cancel,
                B.Save,
            )
            answer = {B.Save: "save", B.Discard: "discard"}.get(button, "cancel")
        if answer == "save":
            return self.save()
        return answer == "discard"

    def _file_filter(self) -> str:
        return self.tr("Plan projects (*.gpkg)")

    def last_dir(self) -> str:
        """Folder of the newest recent project (home if none): dialogs start there."""
        recent = self.recent_projects()
        return str(recent[0].parent) if recent else str(Path.home())

    def recent_projects(self) -> list[Path]:
        """Recent project files, newest first (kept in QSettings)."""
        value = self.window.settings.value("recent_projects", [])
        if isinstance(value, str):  # QSettings returns one item as a string
            value = [value]
        return [Path(p) for p in value or []]

    def add_recent(self, path: Path) -> None:
        path = path.resolve()
        paths = [path] + [p for p in self.recent_projects() if p != path]
        self.window.settings.setValue(
            "recent_projects", [str(p) for p in paths[:MAX_RECENT]]
        )

    def fill_recent_menu(self, menu: QMenu) -> None:
        """File > 最近的项目, filled each time it opens (files come and go)."""
        menu.clear()
        recent = self.recent_projects()
        for path in recent:
            act = menu.addAction(str(path))
            act.setEnabled(path.exists())
            act.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if not recent:
            menu.addAction(self.tr("(none)")).setEnabled(False)

    def _open_recent(self, path: Path) -> None:
        if self.maybe_save():
            self.open_project(path)
