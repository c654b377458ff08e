"""划片说明 (zoning notes) dock: what the last zoning or re-balance said.

:class:`planning.zoning.ZoningResult` explains an infeasible zoning (a cell
too heavy for the tolerance, cells too coarse, locks that cut each other
off, …) and notes islands or cells beyond the 1530 reach. A planner who asked
for ±2% and got a best effort must learn why without opening a console, so
the main window shows those sentences here, in the UI language, until the
next run: one per row, the reasons in dark orange. The panel keeps planning's
English (:class:`~desktop.explain.ZoningNotes`) and translates when it
renders, so switching language re-renders it live.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.explain import ZoningNotes, is_reason, translate
from planning.zoning import tolerance_text

REASON_COLOUR = QColor("#8a3b00")
BULLET = "• "


class ZoningNotesPanel(QWidget):
    """A status line (rules met or not, tolerance) and the sentences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notes: ZoningNotes | None = None
        self.language = "zh_CN"
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("QLabel { font-weight: bold; }")
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)

    def show_notes(self, notes: ZoningNotes | None, language: str) -> None:
        """Show ``notes`` (``None``: nothing to say) in ``language``."""
        self.notes, self.language = notes, language
        self.retranslate()

    def has_notes(self) -> bool:
        """Whether there is anything worth opening the dock for."""
        notes = self.notes
        return notes is not None and (not notes.feasible or bool(notes.lines))

    def retranslate(self) -> None:
        notes = self.notes
        self.list.clear()
        if notes is None or not self.has_notes():
            self.status.setText(
                self.tr(
                    "The last zoning or re-balance met every rule; nothing to note."
                )
            )
            self.status.setStyleSheet("QLabel { font-weight: bold; color: #2e7d32; }")
            return
        tol = "–" if notes.tolerance is None else tolerance_text(notes.tolerance)
        status = {
            ("zoning", False): self.tr(
                "The zoning does not meet every rule (tolerance ±{0}). Why:"
            ),
            ("zoning", True): self.tr(
                "The zoning meets the rules (tolerance ±{0}). Notes:"
            ),
            ("rebalance", False): self.tr(
                "After re-balancing the zones still miss the rules "
                "(tolerance ±{0}). Why:"
            ),
            ("rebalance", True): self.tr(
                "Re-balancing met the rules (tolerance ±{0}). Notes:"
            ),
        }[(notes.source, notes.feasible)]
        self.status.setText(status.format(tol))
        colour = "#2e7d32" if notes.feasible else "#b26a00"
        self.status.setStyleSheet(f"QLabel {{ font-weight: bold; color: {colour}; }}")
        for line in notes.lines:
            item = QListWidgetItem(BULLET + translate(line, self.language))
            item.setData(Qt.ItemDataRole.UserRole, line)  # planning's English
            if not notes.feasible and is_reason(line):
                item.setForeground(REASON_COLOUR)
            self.list.addItem(item)

    def texts(self) -> list[str]:
        """The sentences as shown (tests; what a planner would copy)."""
        return [
            self.list.item(i).text().removeprefix(BULLET)
            for i in range(self.list.count())
        ]

    def english(self) -> list[str]:
        """The same sentences in planning's English."""
        return [
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
        ]
