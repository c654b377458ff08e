"""A base for the window's command helpers (the field loop, the zoning tools).

Such a helper asks, runs the work in the window's worker thread and shows
what came back in a dialog of its own. Two things every such command needs
live here once: a result worked out from a plan the planner has edited since
is dropped (it would undo the newer edits), and a command run again replaces
its dialog instead of stacking a second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog

from planning.plan import Plan

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

D = TypeVar("D", bound=QDialog)


class WindowCommands(QObject):
    """Commands run for ``window``, their work in its worker thread."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def still_open(self, plan: Plan, ignored: str) -> bool:
        """Whether the window still holds ``plan``; when not, the status bar
        says ``ignored`` and the result must be dropped."""
        if self.window.document.plan is plan:
            return True
        self.window.message(ignored)
        return False

    def replace_dialog(self, shown: QDialog | None, dialog: D) -> D:
        """Open ``dialog`` in place of ``shown``, the one this command
        opened last (closed, if still open)."""
        if shown is not None:
            shown.close()
        dialog.open()
        return dialog
