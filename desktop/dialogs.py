"""Small dialogs of the main window."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPlainTextEdit,
    QWidget,
)


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
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Cells"), self.cells_edit)
        form.addRow(self.tr("Squad"), self.squad_combo)
        form.addRow(buttons)

    def cell_ids(self) -> list[str]:
        text = self.cells_edit.toPlainText()
        return [c for c in re.split(r"[\s,;，；]+", text) if c]

    def squad_id(self) -> str:
        return str(self.squad_combo.currentData())
