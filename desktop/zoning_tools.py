"""规划 > 现行片区 / 最少改动重新平衡 / 方案对比: today's zones, the fewest
changes, two plans.

现行片区 (today's zones from a polygon layer) sets every cell's squad to the
zone polygon that covers most of it (:func:`planning.today.squads_from_zones`),
from the project's 片区 layer when it names squads, or from a file; one
undoable edit, and a dialog lists the cells whose zone was not clear, so the
planner checks those before rebalancing.

A bureau does not redraw its 片区 from scratch: the chief approves "these
cells change hands and every load comes within ±5%". :class:`ZoningTools`
runs :func:`planning.rebalance.rebalance` on the open zoning (the cells'
``squad_id`` is today) in the window's worker, applies the result as one
undoable edit and shows the moved cells, the moved workload against its
lower bound and the trade-off table. 方案对比 compares the open plan with
another plan file or with the zoning before the last rebalance
(:func:`planning.compare.compare`), in a dialog that shows the comparison
page of :mod:`maps.export.compare` (changed cells on the map), the per-squad
table and the changed cells, with an export button.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import pandas as pd
from PySide6.QtCore import QTemporaryDir, QUrl
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.models import TableModel
from desktop.window_commands import WindowCommands
from maps.export.compare import COLUMNS, comparison_page, export_comparison
from planning.compare import Comparison, PlanSide, compare, read_side
from planning.io.errors import LayerImportError
from planning.io.readers import read_layer
from planning.plan import Plan
from planning.progress import CancelToken, Job, ProgressEvent, ProgressFn
from planning.rebalance import (
    STAGE,
    TRADEOFF_TOLERANCES,
    RebalanceResult,
    RebalanceSettings,
    rebalance,
    tradeoff,
)
from planning.roads.context import road_context
from planning.today import (
    CLEAR_SHARE,
    TodayError,
    TodayZoning,
    find_squad_column,
    squads_from_zones,
)

TRADEOFF_SHARE = 0.25
"""Each row of the trade-off table gets this share of the rebalance's time
limit, so the whole run takes about twice the limit, not five times."""


def _table_view(
    frame: pd.DataFrame, headers: list[str]
) -> tuple[QTableView, TableModel]:
    model = TableModel()
    model.set_frame(frame)
    model.headers = headers
    view = QTableView()
    view.setModel(model)
    model.setParent(view)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.resizeColumnsToContents()
    return view, model


def plan_side(plan: Plan, name: str) -> PlanSide:
    """The open plan as one side of a comparison (a snapshot of its cells)."""
    cells = plan.scenario.cells[["cell_id", "squad_id", "workload", "geometry"]]
    cells = cells.copy()
    cells["cell_id"] = cells["cell_id"].astype(str)
    cells["squad_id"] = cells["squad_id"].map(
        lambda s: None if s is None or pd.isna(s) else str(s)
    )
    visits = plan.visits.copy() if plan.visits is not None else None
    routes = plan.routes.copy() if plan.routes is not None else None
    return PlanSide(name, cells, visits, routes)


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    """A Close button box that closes ``dialog``."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    return buttons


class RebalanceDialog(QDialog):
    """What the fewest-changes rebalance did: figures, moved cells, trade-off."""

    def __init__(
        self,
        result: RebalanceResult,
        table: pd.DataFrame,
        names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Fewest-changes rebalance"))
        self.setMinimumSize(640, 520)
        bound = result.bound
        ratio = (
            f"{result.moved_workload / bound:.2f}x"
            if bound and pd.notna(bound) and bound > 0
            else "—"
        )
        self.summary = QLabel(
            self.tr(
                "{0} cell(s) change hands, {1:,.0f} min of workload moved "
                "(lower bound {2:,.0f} min, {3} of it). Worst deviation "
                "{4:.1f}% → {5:.1f}%; travel {6:,.0f} → {7:,.0f}. {8}"
            ).format(
                result.moved_cells,
                result.moved_workload,
                bound if pd.notna(bound) else float("nan"),
                ratio,
                result.worst_before_pct,
                result.worst_after_pct,
                result.travel_before,
                result.travel,
                self.tr("Contiguous and within the tolerance.")
                if result.feasible
                else self.tr("Not every rule is met: see the notes."),
            )
        )
        self.summary.setWordWrap(True)
        moves = result.moves.copy()
        for col in ("from_squad", "to_squad"):
            moves[col] = moves[col].map(lambda s: f"{s} {names.get(str(s), '')}")
        self.moves_view, self.moves_model = _table_view(
            moves,
            [
                self.tr("Cell"),
                self.tr("From squad"),
                self.tr("To squad"),
                self.tr("Workload (min)"),
            ],
        )
        shown = table.copy()
        shown["feasible"] = shown["feasible"].map(
            lambda ok: self.tr("yes") if ok else self.tr("no")
        )
        self.tradeoff_view, self.tradeoff_model = _table_view(
            shown,
            [
                self.tr("Tolerance %"),
                self.tr("Cells moved"),
                self.tr("Workload moved (min)"),
                self.tr("Lower bound (min)"),
                self.tr("Travel"),
                self.tr("Worst deviation %"),
                self.tr("Feasible"),
                self.tr("Seconds"),
            ],
        )
        self.notes = QLabel("\n".join(result.notes))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(result.notes))
        tabs = QTabWidget()
        tabs.addTab(self.moves_view, self.tr("Cells that change hands"))
        tabs.addTab(self.tradeoff_view, self.tr("Trade-off by tolerance"))
        self.buttons = _close_buttons(self)
        self.compare_button = self.buttons.addButton(
            self.tr("Compare with before…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.buttons)


class TodayZonesDialog(QDialog):
    """What reading today's zones from polygons did, and the unclear cells."""

    def __init__(
        self,
        today: TodayZoning,
        moved: int,
        outside: int,
        names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.today = today
        self.setWindowTitle(self.tr("Today's zones from a polygon layer"))
        self.setMinimumSize(560, 420)
        amb = today.ambiguous
        self.summary = QLabel(
            self.tr(
                "{0} cell(s) took the squad of the zone covering most of them. "
                "{1} cell(s) are unclear (best zone under {2:.0%} of the cell, or "
                "a near tie): they are listed and selected on the map, check "
                "them. {3} cell(s) outside every zone keep their squad."
            ).format(moved, len(amb), CLEAR_SHARE, outside)
        )
        self.summary.setWordWrap(True)
        shown = amb.copy()
        for col in ("squad_id", "second_squad_id"):
            if col in shown:
                shown[col] = shown[col].map(
                    lambda s: "" if pd.isna(s) else f"{s} {names.get(str(s), '')}"
                )
        self.ambiguous_view, self.ambiguous_model = _table_view(
            shown,
            [
                self.tr("Cell"),
                self.tr("Squad"),
                self.tr("Share"),
                self.tr("Second squad"),
                self.tr("Second share"),
            ],
        )
        layout = QVBoxLayout(self)
        for widget, stretch in (
            (self.summary, 0),
            (self.ambiguous_view, 1),
            (_close_buttons(self), 0),
        ):
            layout.addWidget(widget, stretch)

    def ambiguous_cells(self) -> list[str]:
        """Ids of the cells listed as unclear."""
        return [str(c) for c in self.today.ambiguous.get("cell_id", [])]


class CompareDialog(QDialog):
    """Two plans side by side: the comparison map, the table, the changed cells."""

    def __init__(
        self, comparison: Comparison, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self.setWindowTitle(
            self.tr("Compare plans: A = {0}, B = {1}").format(
                comparison.a, comparison.b
            )
        )
        self.setMinimumSize(900, 640)
        self.headline = QLabel("\n".join(comparison.headline()))
        self.headline.setWordWrap(True)
        self._tmp = QTemporaryDir()
        # loaded from a file: setHtml silently fails above 2 MB
        page = Path(self._tmp.path()) / "compare.html"
        page.write_text(comparison_page(comparison), encoding="utf-8")
        self.map = QWebEngineView()
        self.map.load(QUrl.fromLocalFile(str(page)))
        table = comparison.table
        self.table_view, self.table_model = _table_view(
            table, [_header(str(c), lang) for c in table.columns]
        )
        self.changes = QListWidget()
        self.changes.setMinimumWidth(280)  # "C00184: SQ03 → SQ02 (1,234 min)"
        for row in comparison.changes.itertuples():
            self.changes.addItem(
                f"{row.cell_id}: {row.from_squad or '—'} → {row.to_squad or '—'}"
                f" ({row.workload:,.0f} min)"
            )
        self.changes_label = QLabel(
            self.tr("%n cell(s) change hands", "", len(comparison.changes))
        )
        lists = QWidget()
        side = QVBoxLayout(lists)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.changes_label)
        side.addWidget(self.changes)
        splitter = QSplitter()
        splitter.addWidget(self.map)
        splitter.addWidget(lists)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.buttons = _close_buttons(self)
        self.export_button = QPushButton(self.tr("Export XLSX and HTML…"))
        self.buttons.addButton(
            self.export_button, QDialogButtonBox.ButtonRole.ActionRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(splitter, 3)
        layout.addWidget(self.table_view, 2)
        layout.addWidget(self.buttons)

    def changed_cells(self) -> list[str]:
        """Ids of the cells listed as changing hands (tests, copy)."""
        return [str(c) for c in self.comparison.changes["cell_id"]]


def _header(col: str, lang: str) -> str:
    """A column of the comparison table in the UI language (the labels
    :mod:`maps.export.compare` writes to the XLSX)."""
    pick = 1 if lang == "en" else 0
    for base, labels in COLUMNS.items():
        for tag in ("_a", "_b"):
            if col == base + tag:
                return f"{labels[pick]} {tag[1].upper()}"
        if col == base:
            return labels[pick]
    return col


class ZoningTools(WindowCommands):
    """现行片区, 最少改动重新平衡 and 方案对比 for ``window``."""

    before: PlanSide | None = None
    """The zoning before the last fewest-changes rebalance (方案对比)."""
    rebalance_dialog: RebalanceDialog | None = None
    today_dialog: TodayZonesDialog | None = None
    compare_dialog: CompareDialog | None = None
    last_comparison: Comparison | None = None

    # --------------------------------------------------------- today's zones

    def today_from_zones_ask(self) -> bool:
        """现行片区: today's zones from the project's 片区 layer (when it names
        squads) or from a polygon file the planner picks."""
        window = self.window
        plan = window.document.plan
        if plan is None:
            return False
        towns = plan.scenario.towns
        named = len(towns) > 0 and find_squad_column(towns) is not None
        got = self._choose(
            self.tr("Today's zones"),
            self.tr("Read today's zones from…") if named else None,
            self.tr("The project's zone layer"),
            self.tr("A polygon file…"),
            self.tr("Zone polygons (片区 / 责任区)"),
            self.tr("Polygon layers (*.gpkg *.shp *.zip *.geojson *.json *.kml)"),
        )
        if got is True:
            return self.today_from_zones(towns, self.tr("project zone layer"))
        return isinstance(got, Path) and self.today_from_zones(got)

    def _choose(
        self,
        title: str,
        question: str | None,
        first: str,
        other: str,
        file_title: str,
        filters: str,
    ) -> bool | Path:
        """Ask ``question`` (when given) between ``first`` (``True``) and a
        file (``other``, then the file dialog); ``False`` when cancelled."""
        window = self.window
        if question is not None:
            box = QMessageBox(window)
            box.setWindowTitle(title)
            box.setText(question)
            first_button = box.addButton(first, QMessageBox.ButtonRole.AcceptRole)
            other_button = box.addButton(other, QMessageBox.ButtonRole.ActionRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is first_button:
                return True
            if box.clickedButton() is not other_button:
                return False
        name, _ = QFileDialog.getOpenFileName(
            window, file_title, window.files.last_dir(), filters
        )
        return Path(name) if name else False

    def today_from_zones(
        self, zones: gpd.GeoDataFrame | Path | str, where: str | None = None
    ) -> bool:
        """Give every cell the squad of the zone polygon covering most of it
        (one undoable edit; cells outside every zone keep theirs) and list
        the unclear cells in :attr:`today_dialog`, selected on the map."""
        window = self.window
        plan = window.document.plan
        if plan is None:
            return False
        where = where or str(zones)
        sc = plan.scenario
        try:
            if not isinstance(zones, gpd.GeoDataFrame):
                zones = read_layer(zones, lang=window.language).gdf
            today = squads_from_zones(sc.cells, zones, sc.squads, where)
        except (LayerImportError, TodayError) as exc:
            window.show_error(str(exc))
            return False
        given = today.assignment.dropna()
        outside = len(today.assignment) - len(given)
        before = window.document.assignment()
        moved = sum(1 for c, s in given.items() if before.get(c) != s)
        window.document.reassign(
            {str(c): str(s) for c, s in given.items()},
            self.tr("today's zones from polygons: %n cell(s)", "", moved),
        )
        names = dict(window.squad_names())
        self.today_dialog = self.replace_dialog(
            self.today_dialog,
            TodayZonesDialog(today, len(given), outside, names, window),
        )
        window.select_cells_on_map(*self.today_dialog.ambiguous_cells())
        window.message(
            self.tr(
                "Today's zones read: %n cell(s) changed squad, {0} unclear.", "", moved
            ).format(len(today.ambiguous))
        )
        return True

    # ------------------------------------------------------------ rebalance

    def rebalance_today(self) -> bool:
        """最少改动重新平衡: the fewest changes that bring today's zones
        (the open zoning) within the run settings' tolerance."""
        window = self.window
        plan = window.document.plan
        if plan is None:
            return False
        cells = plan.scenario.cells
        if cells["squad_id"].isna().any():
            window.show_error(
                self.tr(
                    "{0} cell(s) have no squad: the fewest-changes rebalance starts "
                    "from a complete zoning. Run zoning or import today's zones first."
                ).format(int(cells["squad_id"].isna().sum()))
            )
            return False
        cells = cells.copy()
        squads, policy = plan.scenario.squads.copy(), plan.scenario.policy
        zoning = window.plan_settings.zoning
        settings = RebalanceSettings(
            tolerance=window.run_settings.tolerance_pct / 100.0,
            time_limit=float(zoning.time_limit),
            workers=zoning.workers,
        )
        short = dataclasses.replace(
            settings, time_limit=settings.time_limit * TRADEOFF_SHARE
        )
        before_side = plan_side(plan, self.tr("Before the rebalance"))
        before = window.document.assignment().copy()

        def job(
            progress: ProgressFn, cancel: CancelToken
        ) -> tuple[RebalanceResult, pd.DataFrame]:
            whole = Job(progress, cancel)
            first = whole.staged(STAGE, 0.0, 0.5)
            result = rebalance(cells, squads, policy, settings, first)
            rest = whole.staged(STAGE, 0.5, 1.0)
            table = tradeoff(cells, squads, policy, short, TRADEOFF_TOLERANCES, rest)
            progress(ProgressEvent(STAGE, 1.0))
            return result, table

        def done(out: tuple[RebalanceResult, pd.DataFrame]) -> None:
            result, table = out
            edit = self.tr("fewest-changes rebalance")
            moved = window.apply_zones(plan, before, result.assignment, edit)
            if moved is None:
                return
            if moved:
                self.before = before_side
            window.message(
                self.tr(
                    "Fewest-changes rebalance moved %n cell(s), {0:,.0f} min "
                    "(lower bound {1:,.0f} min).",
                    "",
                    result.moved_cells,
                ).format(result.moved_workload, result.bound)
                if moved
                else self.tr("Fewest-changes rebalance: nothing to move.")
            )
            self._show_rebalance(result, table)

        return window.start_run(self.tr("Fewest-changes rebalance"), job, done)

    def _show_rebalance(self, result: RebalanceResult, table: pd.DataFrame) -> None:
        names = dict(self.window.squad_names())
        dialog = RebalanceDialog(result, table, names, self.window)
        dialog.compare_button.setEnabled(self.before is not None)
        dialog.compare_button.clicked.connect(lambda: self.compare_with(self.before))
        self.rebalance_dialog = self.replace_dialog(self.rebalance_dialog, dialog)

    # -------------------------------------------------------------- compare

    def compare_dialog_ask(self) -> bool:
        """方案对比: against the zoning before the rebalance or a plan file."""
        window = self.window
        if window.document.plan is None:
            return False
        got = self._choose(
            self.tr("Compare plans"),
            self.tr("Compare the open plan with…") if self.before is not None else None,
            self.tr("The zoning before the rebalance"),
            self.tr("Another plan file…"),
            self.tr("Compare with plan"),
            self.tr("Plans and zonings (*.gpkg)"),
        )
        if got is True:
            return self.compare_with(self.before)
        return isinstance(got, Path) and self.compare_with(got)

    def compare_with(self, other: PlanSide | Path | str | None) -> bool:
        """Compare ``other`` (A: a plan file or a snapshot) with the open plan
        (B) in the background, then show the comparison dialog."""
        window = self.window
        plan = window.document.plan
        if plan is None or other is None:
            return False
        current = plan_side(plan, self.tr("Open plan"))
        sc = plan.scenario
        squads, policy = sc.squads.copy(), sc.policy

        def job(progress: ProgressFn, cancel: CancelToken) -> Comparison:
            progress(ProgressEvent("compare", 0.1))
            side = read_side(other)[0] if isinstance(other, (Path, str)) else other
            # judged as the plan is: by road and the barrier rule when it has roads
            return compare(side, current, squads, policy, road_context(sc))

        def done(comparison: Comparison) -> None:
            self.last_comparison = comparison
            dialog = CompareDialog(comparison, window.language, window)
            dialog.export_button.clicked.connect(self.export_dialog)
            self.compare_dialog = self.replace_dialog(self.compare_dialog, dialog)
            window.select_cells_on_map(*dialog.changed_cells())

        return window.start_run(self.tr("Comparing plans"), job, done)

    def export_dialog(self) -> bool:
        folder = QFileDialog.getExistingDirectory(
            self.window,
            self.tr("Export the comparison to"),
            self.window.files.last_dir(),
        )
        return bool(folder) and self.export_to(Path(folder))

    def export_to(self, folder: Path) -> bool:
        """Write the comparison's XLSX and HTML page into ``folder``."""
        comparison = self.last_comparison
        if comparison is None:
            return False

        def job(progress: ProgressFn, cancel: CancelToken) -> list[Path]:
            return export_comparison(comparison, folder)

        def done(written: list[Path]) -> None:
            self.window.message(
                self.tr("Comparison written: {0}").format(
                    ", ".join(p.name for p in written)
                )
            )

        return self.window.start_run(self.tr("Exporting the comparison"), job, done)
