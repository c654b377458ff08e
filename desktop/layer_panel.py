"""Layer panel: a checkbox per map overlay, their drawing order, the cells' opacity.

Rows are listed top layer first; the ▲ / ▼ buttons move a vector overlay up
or down the stack (the heat map has its own pane above the vectors).
It only calls :meth:`MapView.set_layer_visible`, :meth:`MapView.set_layer_order`
and :meth:`MapView.set_cell_opacity`;
the map view keeps the state and re-applies it after every re-render. The
embedded page has no Leaflet layer switcher of its own, so this panel is the
one truth about which overlays are shown.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.map_view import LAYER_KEYS, ROAD_KEYS, MapView
from desktop.texts import translated
from planning.plan import Plan

LAYER_LABELS = {
    "towns": QT_TRANSLATE_NOOP("LayerPanel", "Town boundaries"),
    "cells": QT_TRANSLATE_NOOP("LayerPanel", "Grid cells"),
    "zones": QT_TRANSLATE_NOOP("LayerPanel", "Zone outlines"),
    "enterprises": QT_TRANSLATE_NOOP("LayerPanel", "Enterprises"),
    "bases": QT_TRANSLATE_NOOP("LayerPanel", "Squad bases"),
    "hotspots": QT_TRANSLATE_NOOP("LayerPanel", "Hotspot heat map"),
    "routes": QT_TRANSLATE_NOOP("LayerPanel", "Routes (all days)"),
    "patrols": QT_TRANSLATE_NOOP("LayerPanel", "Patrol loops"),
    "roads": QT_TRANSLATE_NOOP("LayerPanel", "Roads"),
    "barriers": QT_TRANSLATE_NOOP("LayerPanel", "Barriers (rivers, expressways)"),
    "reach": QT_TRANSLATE_NOOP("LayerPanel", "Reach by road (5/15/30 min)"),
    "standby": QT_TRANSLATE_NOOP("LayerPanel", "Standby points"),
}
"""The checkbox text of each map overlay (:data:`LAYER_KEYS`)."""


class LayerPanel(QWidget):
    """Checkboxes for towns, cells, zones, enterprises, bases, hotspots,
    routes and patrol loops."""

    def __init__(self, map_view: MapView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map_view = map_view
        self.boxes: dict[str, QCheckBox] = {}
        self.rows: dict[str, QWidget] = {}
        self.moves: dict[str, tuple[QToolButton, QToolButton]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.stack = QVBoxLayout()
        self.stack.setSpacing(0)
        layout.addLayout(self.stack)
        for key in LAYER_KEYS:
            box = QCheckBox()
            box.setChecked(map_view.layer_visible.get(key, True))
            box.toggled.connect(
                lambda on, k=key: self.map_view.set_layer_visible(k, on)
            )
            self.boxes[key] = box
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(box, 1)
            if key in map_view.layer_order:
                up, down = QToolButton(), QToolButton()
                up.setText("▲")
                down.setText("▼")
                up.setAutoRaise(True)
                down.setAutoRaise(True)
                up.clicked.connect(lambda _=False, k=key: self.move(k, -1))
                down.clicked.connect(lambda _=False, k=key: self.move(k, 1))
                line.addWidget(up)
                line.addWidget(down)
                self.moves[key] = (up, down)
            self.rows[key] = row
        self._lay_out_rows()
        self.show_available(None)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(round(100 * map_view.cell_opacity))
        self.opacity.valueChanged.connect(
            lambda v: self.map_view.set_cell_opacity(v / 100.0)
        )
        self.opacity_label = QLabel()
        form = QFormLayout()
        form.addRow(self.opacity_label, self.opacity)
        layout.addLayout(form)
        layout.addStretch(1)
        self.retranslate()

    def show_available(self, plan: Plan | None) -> None:
        """List the road, barrier, reach and standby rows only when the open
        plan has those layers (most plans have none)."""
        sc = plan.scenario if plan is not None else None
        has = {
            "roads": getattr(sc, "roads", None) is not None,
            "barriers": getattr(sc, "barriers", None) is not None,
            "reach": _rows(getattr(plan, "reach", None)),
            "standby": _rows(getattr(plan, "standby", None)),
        }
        for key in ROAD_KEYS:
            self.rows[key].setVisible(has[key])

    def order(self) -> list[str]:
        """Keys as listed, top first: the vector stack, then the heat map."""
        rest = [k for k in LAYER_KEYS if k not in self.map_view.layer_order]
        return [*self.map_view.layer_order, *rest]

    def move(self, key: str, step: int) -> bool:
        """Move ``key`` one place up (-1) or down (+1) the drawing order."""
        order = list(self.map_view.layer_order)
        i = order.index(key)
        j = i + step
        if not 0 <= j < len(order):
            return False
        order[i], order[j] = order[j], order[i]
        self.map_view.set_layer_order(order)
        self._lay_out_rows()
        return True

    def _lay_out_rows(self) -> None:
        order = self.order()
        for key in order:
            self.stack.removeWidget(self.rows[key])
        for key in order:
            self.stack.addWidget(self.rows[key])
        stack = self.map_view.layer_order
        for key, (up, down) in self.moves.items():
            up.setEnabled(stack.index(key) > 0)
            down.setEnabled(stack.index(key) < len(stack) - 1)

    def retranslate(self) -> None:
        for key, box in self.boxes.items():
            box.setText(translated("LayerPanel", LAYER_LABELS, key))
        for up, down in self.moves.values():
            up.setToolTip(self.tr("Draw above the layer listed over it"))
            down.setToolTip(self.tr("Draw below the layer listed under it"))
        self.opacity_label.setText(self.tr("Cell opacity"))


def _rows(layer: object) -> bool:
    return layer is not None and len(layer) > 0  # type: ignore[arg-type]
