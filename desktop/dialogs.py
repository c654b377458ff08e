"""Small dialogs of the main window."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop.layouts import ok_cancel_buttons, row


class AssignCellsDialog(QDialog):
    """Ask which cells go to which squad (cells prefilled from the map selection).

    Cell ids may be separated by commas, semicolons, spaces or new lines, so a
    list pasted from a spreadsheet or from QGIS works as it is.
    """

    def __init__(
        self,
        squads: Sequence[tuple[str, str]],
        cell_ids: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assign cells to squad"))
        self.cells_edit = QPlainTextEdit("\n".join(cell_ids))
        self.cells_edit.setPlaceholderText(self.tr("Cell ids, e.g. C00421, C00422"))
        self.squad_combo = QComboBox()
        for squad_id, name in squads:
            self.squad_combo.addItem(f"{name} ({squad_id})", squad_id)
        buttons = ok_cancel_buttons(self)
        form = QFormLayout(self)
        form.addRow(self.tr("Cells"), self.cells_edit)
        form.addRow(self.tr("Squad"), self.squad_combo)
        form.addRow(buttons)

    def cell_ids(self) -> list[str]:
        text = self.cells_edit.toPlainText()
        return [c for c in re.split(r"[\s,;，；]+", text) if c]

    def squad_id(self) -> str:
        return str(self.squad_combo.currentData())


class ExportDialog(QDialog):
    """File > 导出: output folder and scope (all squads or one squad)."""

    def __init__(
        self,
        squads: Sequence[tuple[str, str]],
        folder: str,
        selected_squad: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export plan"))
        self.setMinimumWidth(520)
        self.folder_edit = QLineEdit(folder)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        self.scope = QComboBox()
        self.scope.addItem(self.tr("All squads"), "")
        for squad_id, name in squads:
            self.scope.addItem(f"{name} ({squad_id})", squad_id)
        self.scope.setCurrentIndex(max(0, self.scope.findData(selected_squad or "")))
        note = QLabel(
            self.tr(
                "Writes plan.gpkg, offline maps, schedule.xlsx, PDF work orders, "
                "KML/GPX for phones and summary.html."
            )
        )
        note.setWordWrap(True)
        buttons = ok_cancel_buttons(self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        form = QFormLayout(self)
        form.addRow(self.tr("Folder"), row((self.folder_edit, 1), browse))
        form.addRow(self.tr("Squads"), self.scope)
        form.addRow(note)
        form.addRow(buttons)

    def _browse(self) -> None:
        name = QFileDialog.getExistingDirectory(
            self, self.tr("Export folder"), self.folder_edit.text()
        )
        if name:
            self.folder_edit.setText(name)

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def squad_id(self) -> str | None:
        return self.scope.currentData() or None
