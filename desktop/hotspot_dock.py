"""Hotspot dock: 高发易发问题趋势图 and the cells where events are rising.

The chart draws :func:`planning.hotspots.weekly_counts` (events per type per
week, county-wide or in one squad's zone) with QtCharts; the table lists
:func:`planning.hotspots.rising_cells` (Mann-Kendall trend, Benjamini-
Hochberg q-value). Double-clicking a rising cell selects it on the map.
Both are recomputed only while the dock is visible.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.models import RisingModel, SquadFilterProxy
from planning.hotspots import ALL_TYPES, COUNTY, rising_cells, weekly_counts
from planning.plan import Plan

WEEKS = 8
MAX_TYPES = 6
"""Types drawn besides the total; the rest would only tangle the chart."""
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


class HotspotPanel(QWidget):
    """Trend chart with a zone selector, and the table of rising cells.

    Signals
    -------
    cellActivated(str)
        A rising cell was double-clicked (select it on the map).
    """

    cellActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: Plan | None = None
        self.counts = pd.DataFrame(columns=["week", "zone", "event_type", "count"])
        self._dirty = True
        self.zone = QComboBox()
        self.zone_label = QLabel()
        self.chart = QChart()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(240)
        self.rising_model = RisingModel(self)
        self.rising_proxy = SquadFilterProxy(1)
        self.rising_proxy.setSourceModel(self.rising_model)
        self.rising_view = QTableView()
        self.rising_view.setModel(self.rising_proxy)
        self.rising_view.setSortingEnabled(True)
        self.rising_view.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.rising_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rising_view.verticalHeader().setVisible(False)
        self.rising_view.horizontalHeader().setStretchLastSection(True)
        self.rising_view.doubleClicked.connect(self._activated)
        self.rising_label = QLabel()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.zone_label)
        row.addWidget(self.zone, 1)
        top_layout.addLayout(row)
        top_layout.addWidget(self.chart_view, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.rising_label)
        bottom_layout.addWidget(self.rising_view)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.zone.currentIndexChanged.connect(self._draw)
        self.retranslate()

    def retranslate(self) -> None:
        self.zone_label.setText(self.tr("Zone:"))
        self.chart.setTitle(self.tr("Events per week by type (高发易发问题趋势图)"))
        self.rising_model.set_headers(
            [
                self.tr("Cell"),
                self.tr("Squad"),
                self.tr("Events"),
                self.tr("Trend τ"),
                self.tr("q-value"),
            ]
        )
        self._fill_zones()
        self._update_rising_label()

    def set_plan(self, plan: Plan | None, *, visible: bool) -> None:
        """Remember ``plan``; recompute now if the dock is shown, else later."""
        self.plan = plan
        self._dirty = True
        if visible:
            self.refresh()

    def refresh(self) -> None:
        """Recompute counts and rising cells if the plan changed."""
        if not self._dirty:
            return
        self._dirty = False
        plan = self.plan
        if plan is None or len(plan.scenario.hotspots) == 0:
            self.counts = self.counts.iloc[0:0]
            self.rising_model.set_frame(pd.DataFrame(columns=["cell_id"]))
        else:
            sc = plan.scenario
            now = sc.horizon.start
            self.counts = weekly_counts(sc.hotspots, now, WEEKS, sc.cells)
            rising = rising_cells(sc.hotspots, now, WEEKS)
            rising = rising[rising["rising"]].copy()
            owner = sc.cells.set_index(sc.cells["cell_id"].astype(str))["squad_id"]
            rising["squad_id"] = rising["cell_id"].astype(str).map(owner)
            self.rising_model.set_frame(rising)
        self.rising_view.resizeColumnsToContents()
        self._fill_zones()
        self._update_rising_label()

    def _update_rising_label(self) -> None:
        self.rising_label.setText(
            self.tr("Cells with rising events (Mann-Kendall, q ≤ 0.05): {0}").format(
                self.rising_model.rowCount()
            )
        )

    def _fill_zones(self) -> None:
        current = self.zone.currentData()
        self.zone.blockSignals(True)
        self.zone.clear()
        self.zone.addItem(self.tr("Whole county"), COUNTY)
        if self.plan is not None:
            sq = self.plan.scenario.squads
            zones = set(self.counts["zone"]) if len(self.counts) else set()
            for sid, name in zip(sq["squad_id"], sq["name"], strict=True):
                if str(sid) in zones:
                    self.zone.addItem(f"{name} ({sid})", str(sid))
        self.zone.setCurrentIndex(max(0, self.zone.findData(current or COUNTY)))
        self.zone.blockSignals(False)
        self._draw()

    def series_names(self) -> list[str]:
        """Names of the drawn lines (for tests and screenshots)."""
        return [s.name() for s in self.chart.series()]

    def _draw(self) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        zone = self.zone.currentData() or COUNTY
        data = self.counts[self.counts["zone"] == zone]
        if data.empty:
            return
        weeks = sorted(data["week"].unique())
        totals = (
            data[data["event_type"] != ALL_TYPES]
            .groupby("event_type")["count"]
            .sum()
            .sort_values(ascending=False)
        )
        types = [ALL_TYPES, *list(totals.index[:MAX_TYPES])]
        axis_x = QBarCategoryAxis()
        axis_x.append([w[5:] for w in weeks])
        axis_x.setTitleText(self.tr("Week starting"))
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%d")
        axis_y.setTitleText(self.tr("Events"))
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        top = 0
        for i, kind in enumerate(types):
            rows = data[data["event_type"] == kind].set_index("week")["count"]
            series = QLineSeries()
            series.setName(self.tr("All types") if kind == ALL_TYPES else str(kind))
            for x, week in enumerate(weeks):
                value = int(rows.get(week, 0))
                top = max(top, value)
                series.append(x, value)
            pen = QPen(QColor("#222222" if kind == ALL_TYPES else PALETTE[i - 1]))
            pen.setWidthF(3.0 if kind == ALL_TYPES else 1.8)
            series.setPen(pen)
            series.setPointsVisible(True)
            chart.addSeries(series)
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
        axis_y.setRange(0, max(5, int(top * 1.1) + 1))
        axis_y.applyNiceNumbers()
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        chart.legend().setFont(font)

    def _activated(self, index: object) -> None:
        row = self.rising_proxy.mapToSource(index).row()  # type: ignore[arg-type]
        cell = self.rising_model.value(row, "cell_id")
        if cell is not None:
            self.cellActivated.emit(str(cell))
