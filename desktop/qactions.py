"""The main window's actions, menus and toolbar (after napari's ``qactions``).

One place builds every :class:`QAction` with its shortcut, connects it to
the window's methods, lays out the menus and the toolbar, sets their texts
in the current language and enables them by the window's state. The window
keeps the behaviour; this module only says where each command appears.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from desktop.basemap import install_basemap_menu
from desktop.db_dialog import install_db_actions
from desktop.texts import set_texts, set_tooltips

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class WindowActions(QObject):
    """Actions of ``window``; menus and toolbar are added to it on creation."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # what the undo stack last said: it may be gone when the window
        # closes, and must not be read then
        self._stack_state: dict[str, bool | str] = {
            "can_undo": False,
            "can_redo": False,
            "undo_text": "",
            "redo_text": "",
        }
        self._build_actions()
        self._build_menus()
        self._build_toolbar()

    def _action(
        self, slot: Callable[[], object], shortcut: QKeySequence | str | None = None
    ) -> QAction:
        action = QAction(self.window)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_actions(self) -> None:
        window = self.window
        K = QKeySequence.StandardKey
        self.act_new_sample = self._action(window.new_sample, K.New)
        self.act_open = self._action(window.files.open_dialog, K.Open)
        self.act_save = self._action(window.save, K.Save)
        self.act_save_as = self._action(window.save_as, K.SaveAs)
        self.act_import = self._action(window.open_import_dialog, "Ctrl+I")
        self.act_export = self._action(window.transfer.export_dialog, "Ctrl+E")
        self.act_quit = self._action(window.close, K.Quit)
        # plain actions rather than createUndoAction(): their text must follow
        # a live language switch, which the stack's own prefix cannot
        stack = window.document.undo_stack
        self.act_undo = self._action(stack.undo, K.Undo)
        self.act_redo = self._action(stack.redo)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence(K.Redo)])
        for signal, key in (
            (stack.canUndoChanged, "can_undo"),
            (stack.canRedoChanged, "can_redo"),
            (stack.undoTextChanged, "undo_text"),
            (stack.redoTextChanged, "redo_text"),
        ):
            signal.connect(partial(self._stack_changed, key))
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        self.act_assign = self._action(window.assign_dialog, "Ctrl+Shift+A")
        self.act_lock = self._action(lambda: window.lock_selected(True), "Ctrl+L")
        self.act_unlock = self._action(
            lambda: window.lock_selected(False), "Ctrl+Shift+L"
        )
        self.act_rebalance = self._action(window.rebalance, "F8")
        self.act_clear_selection = self._action(window.clear_selection, "Esc")
        self.act_run_settings = self._action(window.run_settings_dialog, "Ctrl+,")
        self.act_run_zoning = self._action(window.run_zoning, "F6")
        self.act_run_scheduling = self._action(window.run_scheduling, "F7")
        self.act_run_all = self._action(window.run_all, "F5")
        self.act_cancel = self._action(window.runner.cancel)
        self.act_today_zones = self._action(window.zoning_tools.today_from_zones_ask)
        self.act_rebalance_today = self._action(window.zoning_tools.rebalance_today)
        self.act_compare = self._action(window.zoning_tools.compare_dialog_ask)
        self.act_import_results = self._action(window.field_loop.import_results_dialog)
        self.act_replan = self._action(window.field_loop.replan_dialog)
        self.act_move_visit = self._action(window.visit_moves.move_visit_dialog)
        self.act_about = self._action(window.about)
        self.language_group = QActionGroup(self)
        self.act_lang: dict[str, QAction] = {}
        for lang in ("zh_CN", "en"):
            act = QAction(self.language_group)
            act.setCheckable(True)
            act.setChecked(lang == window.language)
            act.triggered.connect(lambda _c=False, lg=lang: window.set_language(lg))
            self.act_lang[lang] = act
        self.act_lang["zh_CN"].setText("中文")
        self.act_lang["en"].setText("English")
        panel = window.squads_panel
        panel.assign_button.clicked.connect(self.act_assign.trigger)
        panel.lock_button.clicked.connect(self.act_lock.trigger)
        panel.unlock_button.clicked.connect(self.act_unlock.trigger)
        panel.rebalance_button.clicked.connect(self.act_rebalance.trigger)
        window.schedule.stale_button.clicked.connect(self.act_run_scheduling.trigger)

    def _build_menus(self) -> None:
        window = self.window
        bar = window.menuBar()
        self.menu_file = bar.addMenu("")
        self.menu_recent = QMenu(window)
        self.menu_recent.aboutToShow.connect(
            lambda: window.files.fill_recent_menu(self.menu_recent)
        )
        self.menu_file.addActions([self.act_new_sample, self.act_open])
        self.menu_file.addMenu(self.menu_recent)
        self.menu_file.addSeparator()
        self.menu_file.addActions([self.act_save, self.act_save_as])
        self.menu_file.addSeparator()
        self.menu_file.addActions(
            [self.act_import, self.act_import_results, self.act_export]
        )
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_quit)
        # 从数据库打开 / 保存到数据库, after 另存为 (the shared PostGIS store)
        self.db = install_db_actions(
            window, window.document, window.settings, self.menu_file
        )
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
        self.menu_plan.addActions(
            [self.act_today_zones, self.act_rebalance_today, self.act_compare]
        )
        self.menu_plan.addSeparator()
        self.menu_plan.addAction(self.act_replan)
        self.menu_plan.addSeparator()
        self.menu_plan.addAction(self.act_cancel)
        self.menu_view = bar.addMenu("")
        self.menu_view.addActions(
            [
                dock.toggleViewAction()
                for dock in (
                    window.squads_dock,
                    window.schedule_dock,
                    window.hotspot_dock,
                    window.layer_dock,
                    window.attribute_dock,
                    window.notes_dock,
                )
            ]
        )
        self.menu_view.addSeparator()
        install_basemap_menu(self.menu_view, window.map_view, window.settings)
        self.menu_language = bar.addMenu("")
        self.menu_language.addActions(list(self.act_lang.values()))
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar(self.window)
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
        self.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def retranslate(self) -> None:
        """Set the texts of every menu, action and the toolbar."""
        set_texts(
            (self.menu_file, self.tr("&File")),
            (self.act_new_sample, self.tr("&New sample project")),
            (self.act_open, self.tr("&Open…")),
            (self.menu_recent, self.tr("Recent projects")),
            (self.act_save, self.tr("&Save")),
            (self.act_save_as, self.tr("Save &as…")),
            (self.act_import, self.tr("&Import layer…")),
            (self.act_import_results, self.tr("Import inspection &results…")),
            (self.act_export, self.tr("&Export…")),
            (self.db.act_open, self.tr("Open from &database…")),
            (self.db.act_save, self.tr("Save to data&base…")),
            (self.act_quit, self.tr("E&xit")),
            (self.menu_edit, self.tr("&Edit")),
            (self.act_assign, self.tr("&Assign selected cells…")),
            (self.act_lock, self.tr("&Lock selected cells")),
            (self.act_unlock, self.tr("&Unlock selected cells")),
            (self.act_rebalance, self.tr("&Re-balance around my edits")),
            (self.act_clear_selection, self.tr("Clear cell selection")),
            (self.act_move_visit, self.tr("&Move visit to day…")),
            (self.menu_plan, self.tr("&Plan")),
            (self.act_run_settings, self.tr("Run se&ttings…")),
            (self.act_run_zoning, self.tr("Run &zoning")),
            (self.act_run_scheduling, self.tr("Run &scheduling")),
            (self.act_run_all, self.tr("&Plan all")),
            (self.act_rebalance_today, self.tr("Fewest-changes &rebalance")),
            (self.act_compare, self.tr("C&ompare plans…")),
            (self.act_today_zones, self.tr("&Today's zones from polygons…")),
            (self.act_replan, self.tr("Re-plan from a &day…")),
            (self.act_cancel, self.tr("&Cancel run")),
            (self.menu_view, self.tr("&View")),
            (self.menu_language, self.tr("&Language")),
            (self.menu_help, self.tr("&Help")),
            (self.act_about, self.tr("&About")),
        )
        set_tooltips(
            (
                self.act_import,
                self.tr(
                    "Import cells, towns, squads, enterprises or hotspots (Ctrl+I)"
                ),
            ),
            (
                self.act_import_results,
                self.tr("The filled schedule.xlsx or a results CSV from the field"),
            ),
            (
                self.act_export,
                self.tr("Maps, work orders, schedule, KML/GPX for the field teams"),
            ),
            (
                self.act_rebalance_today,
                self.tr(
                    "Bring today's zones within the tolerance moving as little "
                    "workload as possible"
                ),
            ),
            (
                self.act_today_zones,
                self.tr(
                    "Give every cell the squad of the zone polygon (片区 / 责任区) "
                    "covering most of it"
                ),
            ),
        )
        self._update_undo_texts()
        self.toolbar.setWindowTitle(self.tr("Toolbar"))

    def check_language(self, lang: str) -> None:
        for code, act in self.act_lang.items():
            act.setChecked(code == lang)

    def _stack_changed(self, key: str, value: bool | str) -> None:
        self._stack_state[key] = value
        if isinstance(value, bool):
            self.update_enabled()
        else:
            self._update_undo_texts()

    def _update_undo_texts(self) -> None:
        undo, redo = self._stack_state["undo_text"], self._stack_state["redo_text"]
        self.act_undo.setText(
            self.tr("&Undo {0}").format(undo) if undo else self.tr("&Undo")
        )
        self.act_redo.setText(
            self.tr("&Redo {0}").format(redo) if redo else self.tr("&Redo")
        )

    @Slot()
    def update_enabled(self) -> None:
        """Enable what the window's state allows: a plan is open, no run goes."""
        window = self.window
        busy = window.runner.busy
        has_plan = window.document.plan is not None
        for act in (
            self.act_new_sample,
            self.act_open,
            self.menu_recent.menuAction(),
            self.db.act_open,
        ):
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
            self.act_today_zones,
            self.act_rebalance_today,
            self.act_compare,
            self.act_import_results,
            self.act_replan,
        ):
            act.setEnabled(has_plan and not busy)
        self.act_undo.setEnabled(bool(self._stack_state["can_undo"]) and not busy)
        self.act_redo.setEnabled(bool(self._stack_state["can_redo"]) and not busy)
        self.act_save.setEnabled(has_plan and not busy)
        self.act_save_as.setEnabled(has_plan and not busy)
        self.db.act_save.setEnabled(has_plan and not busy)
        self.act_cancel.setEnabled(busy)
        for button, act in (
            (window.squads_panel.assign_button, self.act_assign),
            (window.squads_panel.lock_button, self.act_lock),
            (window.squads_panel.unlock_button, self.act_unlock),
            (window.squads_panel.rebalance_button, self.act_rebalance),
            (window.schedule.stale_button, self.act_run_scheduling),
        ):
            button.setEnabled(act.isEnabled())
