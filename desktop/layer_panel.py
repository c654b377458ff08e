"""Layer panel: a checkbox per map overlay and the cells' opacity.

It only calls :meth:`MapView.set_layer_visible` / :meth:`MapView.set_cell_opacity`;
the map view keeps the state and re-applies it after every re-render. The
embedded page has no Leaflet layer switcher of its own, so this panel is the
one truth about which overlays are shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desktop.map_view import LAYER_KEYS, MapView


class LayerPanel(QWidget):
    """Checkboxes for towns, cells, zones, enterprises, bases, hotspots,
    routes and patrol loops."""

    def __init__(self, map_view: MapView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map_view = map_view
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for key in LAYER_KEYS:
            box = QCheckBox()
            box.setChecked(map_view.layer_visible.get(key, True))
            box.toggled.connect(
                lambda on, k=key: self.map_view.set_layer_visible(k, on)
            )
            self.boxes[key] = box
            layout.addWidget(box)
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

    def retranslate(self) -> None:
        labels = {
            "towns": self.tr("Town boundaries"),
            "cells": self.tr("Grid cells"),
            "zones": self.tr("Zone outlines"),
            "enterprises": self.tr("Enterprises"),
            "bases": self.tr("Squad bases"),
            "hotspots": self.tr("Hotspot heat map"),
            "routes": self.tr("Routes (all days)"),
            "patrols": self.tr("Patrol loops"),
        }
        for key, box in self.boxes.items():
            box.setText(labels[key])
        self.opacity_label.setText(self.tr("Cell opacity"))
