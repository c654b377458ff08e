"""Hotspot dock: 高发易发问题趋势图, rising cells and each zone's top cells.

The chart draws :func:`planning.hotspots.weekly_counts` (events per type per
week, county-wide or in one squad's zone) with QtCharts. Two tabs below it
list :func:`planning.hotspots.rising_cells` (Mann-Kendall trend, Benjamini-
Hochberg q-value) and :func:`planning.hotspots.top_cells_per_zone` (the N
cells with most events of each zone, 高发网格). The zone selector filters
the chart and both tables; double-clicking a cell selects it on the map.
Everything is recomputed only while the dock is visible.
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
    QLabel,
    QSpinBox,
    QTableView,
    QTabWidget,
    QWidget,
)

from desktop.hotspot_models import TopCellsModel
from desktop.layouts import column, row, splitter
from desktop.models import FrameModel, RisingModel, SquadFilterProxy
from desktop.texts import set_texts, set_tooltips
from planning.hotspots import (
    ALL_TYPES,
    COUNTY,
    TOP_COLUMNS,
    Intensity,
    estimate_intensity,
    rising_cells,
    top_cells_per_zone,
    weekly_counts,
    zone_of_cells,
)
from planning.plan import Plan

WEEKS = 8
MAX_TYPES = 6
"""Types drawn besides the total; the rest would only tangle the chart."""
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
TOP_N = 5
"""Cells listed per zone in the 高发网格 tab by default."""


class HotspotPanel(QWidget):
    """Trend chart with a zone selector; tabs of rising and top cells.

    Signals
    -------
    cellActivated(str)
        A rising or top cell was double-clicked (select it on the map).
    """

    cellActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: Plan | None = None
        self.counts = pd.DataFrame(columns=["week", "zone", "event_type", "count"])
        self.intensity: Intensity | None = None
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
        self.rising_proxy = SquadFilterProxy(self.rising_model, 1)
        self.rising_view = self._table(self.rising_proxy, self.rising_model)
        self.rising_label = QLabel()
        self.top_model = TopCellsModel(self)
        self.top_proxy = SquadFilterProxy(self.top_model, TopCellsModel.SQUAD_COLUMN)
        self.top_view = self._table(self.top_proxy, self.top_model)
        self.top_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.top_label = QLabel()
        self.top_label.setWordWrap(True)
        self.top_n_label = QLabel()
        self.top_n = QSpinBox()
        self.top_n.setRange(1, 50)
        self.top_n.setValue(TOP_N)
        self.top_n.valueChanged.connect(self._top_n_changed)
        self.tabs = QTabWidget()
        top = column(row(self.zone_label, (self.zone, 1)), (self.chart_view, 1))
        rising_tab = column(self.rising_label, self.rising_view, margin=2)
        n_row = row((self.top_label, 1), self.top_n_label, self.top_n)
        top_tab = column(n_row, self.top_view, margin=2)
        self.tabs.addTab(rising_tab, "")
        self.tabs.addTab(top_tab, "")
        column(splitter((top, 3), (self.tabs, 2)), margin=2, on=self)
        self.zone.currentIndexChanged.connect(self._zone_changed)
        self.retranslate()

    def _table(self, proxy: SquadFilterProxy, model: FrameModel) -> QTableView:
        """A sortable read-only row table; double-click activates its cell."""
        view = QTableView()
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setStretchLastSection(True)
        view.doubleClicked.connect(lambda index: self._activated(proxy, model, index))
        return view

    def retranslate(self) -> None:
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
        self.top_model.set_headers(
            [
                self.tr("Squad"),
                self.tr("Rank"),
                self.tr("Cell"),
                self.tr("Events"),
                self.tr("Share of zone %"),
                self.tr("Expected / week"),
                self.tr("Main event types"),
            ]
        )
        self.tabs.setTabText(0, self.tr("Rising cells"))
        set_texts(
            (self.zone_label, self.tr("Zone:")),
            (self.top_n_label, self.tr("Top N:")),
        )
        set_tooltips(
            (self.top_n, self.tr("Cells listed per zone")),
            (
                self.top_view,
                self.tr(
                    "Expected / week: the cell's hotspot intensity, expected "
                    "severity-weighted events per week. Double-click a row to "
                    "select the cell on the map."
                ),
            ),
        )
        self._fill_zones()
        self._update_rising_label()
        self._update_top_label()

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
            keys = [c.key for c in RisingModel.columns]
            self.rising_model.set_frame(pd.DataFrame(columns=keys))
            self.intensity = None
        else:
            sc = plan.scenario
            now = sc.horizon.start
            self.counts = weekly_counts(sc.hotspots, now, WEEKS, sc.cells)
            rising = rising_cells(sc.hotspots, now, WEEKS)
            rising = rising[rising["rising"]].copy()
            rising["squad_id"] = rising["cell_id"].map(zone_of_cells(sc.cells))
            self.rising_model.set_frame(rising)
            self.intensity = estimate_intensity(sc)
        self.rising_view.resizeColumnsToContents()
        self._compute_top()
        self._fill_zones()
        self._update_rising_label()

    def _compute_top(self) -> None:
        plan = self.plan
        if plan is None or len(plan.scenario.hotspots) == 0:
            top = pd.DataFrame(columns=TOP_COLUMNS)
        else:
            sc = plan.scenario
            top = top_cells_per_zone(
                sc.hotspots,
                sc.cells,
                sc.horizon.start,
                n=self.top_n.value(),
                weeks=WEEKS,
                intensity=self.intensity,
            )
        self.top_model.set_frame(top)
        self.top_view.resizeColumnsToContents()
        self._update_top_label()

    def _top_n_changed(self) -> None:
        if not self._dirty:  # the tables are current: only the top list changes
            self._compute_top()

    def _update_top_label(self) -> None:
        self.top_label.setText(
            self.tr("Cells with most events in the last {0} weeks: {1}").format(
                WEEKS, self.top_proxy.rowCount()
            )
        )
        self.tabs.setTabText(
            1, self.tr("Top cells per zone (top {0})").format(self.top_n.value())
        )

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
        self._zone_changed()

    def _zone_changed(self) -> None:
        """Draw the chart and filter both tables to the chosen zone."""
        zone = self.zone.currentData() or COUNTY
        squad = None if zone == COUNTY else str(zone)
        self.rising_proxy.set_squad(squad)
        self.top_proxy.set_squad(squad)
        self._update_top_label()
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

    def _activated(
        self, proxy: SquadFilterProxy, model: FrameModel, index: object
    ) -> None:
        row = proxy.mapToSource(index).row()  # type: ignore[arg-type]
        if row < 0:
            return
        cell = model.value(row, "cell_id")
        if cell is not None:
            self.cellActivated.emit(str(cell))
