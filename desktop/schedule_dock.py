"""Schedule dock: calendar, the stops of a day, unscheduled firms, roster.

Out of the main window so the window only wires it to the document: the
panel shows a plan's schedule and keeps its own filters (squad, day);
:class:`VisitMoves` moves a visit to another day through the document's
undo stack; re-running scheduling stays with the window, which owns the runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPoint, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QWidget,
)

from desktop.layouts import column, row, splitter
from desktop.models import (
    CalendarModel,
    SquadFilterProxy,
    UnscheduledModel,
    VisitsModel,
)
from desktop.roster_panel import RosterPanel
from desktop.schedule_edit import MoveProposal, propose_move
from desktop.texts import set_texts
from planning.plan import Plan

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


def filtered_table(
    model: QAbstractItemModel, squad_column: int = 0, day_column: int | None = None
) -> tuple[QTableView, SquadFilterProxy]:
    """A read-only, sortable table of ``model`` behind a squad (and day) filter."""
    proxy = SquadFilterProxy(model, squad_column, day_column)
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


class SchedulePanel(QWidget):
    """Banner, squad filter, calendar, stops table and unscheduled / roster tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.visits_model = VisitsModel(self)
        self.visits_view, self.visits_proxy = filtered_table(
            self.visits_model, VisitsModel.SQUAD_COLUMN, day_column=0
        )
        self.visits_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        # drag a visit onto a day of the calendar to move it (or use the menu)
        self.visits_view.setDragEnabled(True)
        self.visits_view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.unscheduled_model = UnscheduledModel(self)
        self.unscheduled_view, self.unscheduled_proxy = filtered_table(
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
        self.banner = column(row((self.stale_banner, 1), self.stale_button))
        self.squad_filter = QComboBox()
        self.squad_filter_label = QLabel()
        self.all_days_button = QPushButton()
        self.calendar_label = QLabel()
        self.visits_label = QLabel()
        self.unscheduled_label = QLabel()
        top = column(
            self.banner,
            row(self.squad_filter_label, (self.squad_filter, 1)),
            self.calendar_label,
            self.calendar_view,
        )
        middle = column(
            row((self.visits_label, 1), self.all_days_button), self.visits_view
        )
        unscheduled = column(self.unscheduled_label, self.unscheduled_view)
        self.roster_panel = RosterPanel()
        self.schedule_tabs = QTabWidget()
        self.schedule_tabs.addTab(unscheduled, "")
        self.schedule_tabs.addTab(self.roster_panel, "")
        split = splitter((top, 2), (middle, 3), (self.schedule_tabs, 1))
        column(split, on=self)

        self._squad_names: list[tuple[str, str]] = []
        self.squad_filter.currentIndexChanged.connect(self._filter_changed)
        self.calendar_view.selectionModel().currentChanged.connect(
            self._calendar_selected
        )
        self.all_days_button.clicked.connect(lambda: self.set_day_filter(None))

    def set_plan(self, plan: Plan | None, squad_names: list[tuple[str, str]]) -> None:
        """Show ``plan``'s schedule; ``squad_names`` fill the squad filter."""
        self._squad_names = squad_names
        self.visits_proxy.set_day(None)
        self.visits_model.set_plan(plan)
        self.unscheduled_model.set_plan(plan)
        self.roster_panel.set_plan(plan)
        self.calendar_model.set_plan(plan)
        self._fill_squad_filter()
        self.update_counts()

    def set_visits(self, plan: Plan | None) -> None:
        """The visits changed (a move): stops table and calendar only."""
        self.visits_model.set_plan(plan)
        self.calendar_model.set_plan(plan)
        self.update_counts()

    def fit_columns(self) -> None:
        """Size the columns once per plan or language (see filtered_table)."""
        for view in (self.visits_view, self.unscheduled_view):
            view.resizeColumnsToContents()

    def retranslate(self) -> None:
        set_texts(
            (self.squad_filter_label, self.tr("Squad:")),
            (self.all_days_button, self.tr("All days")),
            (
                self.calendar_label,
                self.tr("Visits per squad and day (click a day to list its stops)"),
            ),
            (self.stale_button, self.tr("Run scheduling")),
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
        self._fill_squad_filter()
        self.update_counts()

    def show_schedule_state(self, state: str) -> str:
        """Banner for a stale or missing schedule; returns its text ("" if none)."""
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
        return text

    def _fill_squad_filter(self) -> None:
        current = self.squad_filter.currentData()
        self.squad_filter.blockSignals(True)
        self.squad_filter.clear()
        self.squad_filter.addItem(self.tr("All squads"), "")
        for squad_id, name in self._squad_names:
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
        self.update_counts()

    def set_day_filter(self, day: str | None) -> None:
        """List only the stops of ``day`` (with the squad filter); ``None`` = all."""
        self.visits_proxy.set_day(day)
        if day is None:
            self.calendar_view.clearSelection()
        self.update_counts()

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

    def squad_filter_id(self) -> str | None:
        """The squad the tables are filtered to, ``None`` for all."""
        return self.squad_filter.currentData() or None

    def update_counts(self) -> None:
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

    def selected_visit(self) -> str | None:
        """visit_id of the current row of the stops table."""
        index = self.visits_view.currentIndex()
        if not index.isValid():
            return None
        row = self.visits_proxy.mapToSource(index).row()
        return str(self.visits_model.frame["visit_id"].iloc[row])


class VisitMoves(QObject):
    """Moving a visit to another day from ``window``'s schedule dock: by its
    context menu, the 编辑 menu or a drop on the calendar. Every move is
    checked by :func:`~desktop.schedule_edit.propose_move` and undoable."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        panel = window.schedule
        panel.calendar_model.visitDropped.connect(self._visit_dropped)
        panel.visits_view.customContextMenuRequested.connect(self._visits_menu)

    def _visits_menu(self, pos: QPoint) -> None:
        window = self.window
        view = window.schedule.visits_view
        if not view.indexAt(pos).isValid():
            return
        menu = QMenu(window)
        menu.addAction(window.qactions.act_move_visit)
        menu.exec(view.viewport().mapToGlobal(pos))

    def move_visit_dialog(self) -> None:
        """Ask for a day and move the selected visit there (after checking)."""
        window = self.window
        plan = window.document.plan
        visit_id = window.schedule.selected_visit()
        if plan is None or visit_id is None:
            window.statusBar().showMessage(self.tr("Select a visit first."), 5000)
            return
        days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
        day, ok = QInputDialog.getItem(
            window,
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
        window = self.window
        plan = window.document.plan
        if plan is None:
            return "reject"
        own = plan.visits.loc[plan.visits["visit_id"].astype(str) == visit_id]
        if own.empty:
            return "reject"
        if str(own["squad_id"].iloc[0]) != squad_id:
            window.show_error(
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
        window = self.window
        plan = window.document.plan
        assert plan is not None
        proposal = propose_move(plan, visit_id, day)
        problems = "\n".join(f"• {v.message}" for v in proposal.added[:8])
        if proposal.verdict == "reject":
            window.show_error(
                self.tr("Visit {0} cannot move to {1}:\n{2}").format(
                    visit_id, day, "\n".join(f"• {v.message}" for v in proposal.hard)
                )
            )
            return "reject"
        if proposal.verdict == "warn" and not self._accept_warning(proposal, problems):
            return "cancelled"
        if len(proposal.after):
            window.document.move_visits(
                proposal.after,
                self.tr("move visit {0} to {1}").format(visit_id, day),
                proposal.routes,
                proposal.route_ids,
            )
            squad = str(
                plan.visits.loc[plan.visits["visit_id"] == visit_id, "squad_id"].iloc[0]
            )
            window.schedule.select_team_day(squad, day)
        window.message(self.tr("Visit {0} moved to {1}.").format(visit_id, day))
        return proposal.verdict

    def _accept_warning(self, proposal: MoveProposal, problems: str) -> bool:
        window = self.window
        if window.move_warning_answer is not None:
            return window.move_warning_answer
        B = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            window,
            self.tr("Move visit"),
            self.tr(
                "Moving {0} to {1} breaks these rules:\n{2}\n\nMove anyway?"
            ).format(proposal.visit_id, proposal.day, problems),
            B.Yes | B.No,
            B.No,
        )
        return answer == B.Yes
