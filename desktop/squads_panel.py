"""Squads dock: target vs actual load as bars, spread, contiguity, edit buttons.

The table is the :class:`~desktop.models.SquadsModel`; its workload column is
drawn by :class:`LoadBarDelegate` as a bar (the zone's load, coloured by its
deviation) with a black tick at the squad's target, so an unbalanced zone
stands out without reading numbers. Above it a line sums up the zoning:
largest deviation (spread), whether all zones are contiguous, locked cells.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.models import SquadsModel, deviation_colour
from desktop.schedule_dock import filtered_table


class LoadBarDelegate(QStyledItemDelegate):
    """Paints workload as a bar with the target as a tick (both in minutes)."""

    def __init__(self, model: SquadsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.scale = 1.0

    def update_scale(self) -> None:
        """Longest bar = 110% of the largest load or target."""
        m = self.model
        values = [
            float(m.value(r, k) or 0.0)
            for r in range(m.rowCount())
            for k in ("workload", "target")
        ]
        self.scale = max(values, default=1.0) * 1.1 or 1.0

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        load = index.data(Qt.ItemDataRole.UserRole)
        role = Qt.ItemDataRole.UserRole
        dev = index.siblingAtColumn(_column("deviation_pct")).data(role)
        target = index.siblingAtColumn(_column("target")).data(role)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        if load is None:
            return
        r = QRectF(option.rect).adjusted(3, 4, -3, -4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(r, QColor("#f2f2f2"))
        width = r.width() * min(1.0, float(load) / self.scale)
        colour = deviation_colour(float(dev or 0.0), self.model.tolerance_pct)
        painter.fillRect(
            QRectF(r.left(), r.top(), width, r.height()), colour.darker(115)
        )
        if target:
            x = r.left() + r.width() * min(1.0, float(target) / self.scale)
            painter.setPen(QPen(QColor("#000000"), 2))
            painter.drawLine(int(x), int(r.top()) - 2, int(x), int(r.bottom()) + 2)
        painter.setPen(option.palette.text().color())
        painter.drawText(
            r.adjusted(4, 0, -4, 0),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            f"{float(load):,.0f}",
        )
        painter.restore()


def _column(key: str) -> int:
    return [c.key for c in SquadsModel.columns].index(key)


class SquadsPanel(QWidget):
    """Summary line, the squads table and the zoning edit buttons."""

    def __init__(self, model: SquadsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view, self.proxy = filtered_table(model)
        self.delegate = LoadBarDelegate(model, self.view)
        self.view.setItemDelegateForColumn(_column("workload"), self.delegate)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.rebalance_button = QPushButton()
        self.lock_button = QPushButton()
        self.unlock_button = QPushButton()
        self.assign_button = QPushButton()
        buttons = QHBoxLayout()
        for b in (
            self.assign_button,
            self.lock_button,
            self.unlock_button,
            self.rebalance_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def refresh(
        self, locked: int, tolerance_pct: float, zoned: bool | None = True
    ) -> None:
        """Re-read the model: bars, spread, contiguity and locked cells.

        Before any zoning (``zoned`` false) there is no spread or contiguity
        to judge: the line says so rather than showing a green ±0.0%; with
        no plan open (``None``) it stays empty.
        """
        self.model.tolerance_pct = tolerance_pct
        self.delegate.update_scale()
        if zoned is None:
            self.summary.clear()
            return
        if not zoned:
            self.summary.setText(
                self.tr("Not zoned yet: run zoning (F6) or plan all (F5).")
            )
            self.summary.setStyleSheet("QLabel { color: #555555; }")
            self.view.viewport().update()
            return
        m = self.model
        devs = [m.value(r, "deviation_pct") for r in range(m.rowCount())]
        devs = [abs(float(d)) for d in devs if d is not None]
        contiguous = [m.value(r, "contiguous") for r in range(m.rowCount())]
        broken = [
            str(m.value(r, "squad_id"))
            for r, c in enumerate(contiguous)
            if c is not None and not int(c) and (m.value(r, "n_cells") or 0) > 0
        ]
        spread = max(devs, default=0.0)
        ok = spread <= tolerance_pct
        text = self.tr("Spread ±{0:.1f}% (tolerance ±{1:.1f}%)").format(
            spread, tolerance_pct
        )
        text += " · " + (
            self.tr("all zones contiguous")
            if not broken
            else self.tr("not contiguous: {0}").format(", ".join(broken))
        )
        text += " · " + self.tr("%n locked cell(s)", "", locked)
        colour = "#2e7d32" if ok and not broken else "#b26a00"
        self.summary.setText(text)
        self.summary.setStyleSheet(f"QLabel {{ color: {colour}; }}")
        self.view.viewport().update()

    def retranslate(self) -> None:
        self.rebalance_button.setText(self.tr("Re-balance around my edits"))
        self.rebalance_button.setToolTip(
            self.tr(
                "Repair balance and contiguity moving as few cells as possible; "
                "locked cells stay."
            )
        )
        self.lock_button.setText(self.tr("Lock"))
        self.unlock_button.setText(self.tr("Unlock"))
        self.assign_button.setText(self.tr("Assign…"))
