"""Attribute tables dock: the raw rows of cells, enterprises, visits, hotspots.

A plain look at the data behind the map, filterable on any column. Filling
2,000-row tables is not free, so the tables are filled only while the dock
is shown, and again only after the plan changed.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.models import TableModel
from desktop.texts import translated
from planning.plan import Plan

ATTRIBUTE_LAYERS = {
    "cells": QT_TRANSLATE_NOOP("AttributeTables", "Cells"),
    "enterprises": QT_TRANSLATE_NOOP("AttributeTables", "Enterprises"),
    "visits": QT_TRANSLATE_NOOP("AttributeTables", "Visits"),
    "hotspots": QT_TRANSLATE_NOOP("AttributeTables", "Hotspots"),
}
"""The layers with a table, in tab order, and each tab's title."""


class AttributeTables(QTabWidget):
    """One filterable, sortable table per layer of the open plan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attribute_models: dict[str, TableModel] = {}
        self.attribute_proxies: dict[str, QSortFilterProxyModel] = {}
        self.attribute_filters: dict[str, QLineEdit] = {}
        self._plan: Plan | None = None
        self._dirty = True
        for name in ATTRIBUTE_LAYERS:
            model = TableModel(self)
            proxy = QSortFilterProxyModel(self)
            proxy.setSourceModel(model)
            proxy.setSortRole(Qt.ItemDataRole.UserRole)
            proxy.setFilterKeyColumn(-1)
            proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            view = QTableView()
            view.setModel(proxy)
            view.setSortingEnabled(True)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.horizontalHeader().setSectionResizeMode(
                QHeaderView.ResizeMode.Interactive
            )
            edit = QLineEdit()
            edit.setClearButtonEnabled(True)
            edit.textChanged.connect(proxy.setFilterFixedString)
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(2, 2, 2, 2)
            page_layout.addWidget(edit)
            page_layout.addWidget(view)
            self.addTab(page, name)
            self.attribute_models[name] = model
            self.attribute_proxies[name] = proxy
            self.attribute_filters[name] = edit

    def mark_changed(self, plan: Plan | None) -> None:
        """The plan (or its rows) changed; refill on the next :meth:`fill`."""
        self._plan = plan
        self._dirty = True

    def fill(self) -> None:
        """Fill the tables from the plan, if it changed since the last fill."""
        if not self._dirty:
            return
        self._dirty = False
        plan = self._plan
        for name in ATTRIBUTE_LAYERS:
            if plan is None:
                frame = pd.DataFrame()
            elif name == "visits":
                frame = plan.visits
            else:
                frame = getattr(plan.scenario, name)
            self.attribute_models[name].set_frame(frame)

    def retranslate(self) -> None:
        for i, name in enumerate(ATTRIBUTE_LAYERS):
            self.setTabText(i, translated("AttributeTables", ATTRIBUTE_LAYERS, name))
            self.attribute_filters[name].setPlaceholderText(
                self.tr("Filter (any column)…")
            )
