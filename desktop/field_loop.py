"""文件 > 导入检查结果 and 规划 > 从某日重新排程: the field loop in the window.

Results come back as the filled schedule.xlsx (or a CSV): they are read and
checked by the same functions as ``python main.py results``
(:func:`~planning.field.outcomes.read_results_file`,
:func:`~planning.field.outcomes.record_results`) in the worker; every row is
recorded as one undoable step, or the file is refused with the CLI's
per-row messages and the project stays as it was. 从某日重新排程 asks for
the date, absent squads and urgent visits and runs
:func:`~planning.field.replan.replan`; the repaired plan replaces the open
one undoably and the change list is shown squad by squad, for the squad
leaders to be told.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.layouts import close_buttons, column, ok_cancel_buttons
from desktop.window_commands import WindowCommands
from planning.field.outcomes import (
    RecordReport,
    ResultsFileError,
    read_results_file,
    record_results,
)
from planning.field.replan import (
    Absence,
    ReplanResult,
    ReplanSettings,
    Urgent,
    parse_urgent,
    replan,
)
from planning.plan import Plan
from planning.progress import CancelToken, ProgressEvent, ProgressFn


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ResultsDialog(QDialog):
    """What an imported results file did, or why it was refused (row by row)."""

    def __init__(
        self, lines: list[str], refused: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Inspection results"))
        self.setMinimumSize(640, 360)
        self.refused = refused
        self.status = QLabel(
            self.tr("Nothing was recorded; the project is unchanged. Fix these rows:")
            if refused
            else self.tr("Recorded. The enterprises' colours and credit follow:")
        )
        self.status.setStyleSheet(
            "QLabel { color: #b00020; }" if refused else "QLabel { color: #1b5e20; }"
        )
        self.lines = QListWidget()
        self.lines.setWordWrap(True)
        self.lines.addItems(lines)
        column(self.status, (self.lines, 1), close_buttons(self), margin=None, on=self)

    def messages(self) -> list[str]:
        return [self.lines.item(i).text() for i in range(self.lines.count())]


class ReplanDialog(QDialog):
    """From which day, which squads are absent when, which visits are urgent."""

    def __init__(self, plan: Plan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Re-plan from a day"))
        self.setMinimumSize(620, 520)
        horizon = plan.scenario.horizon
        days = horizon.workdays()
        today = date.today()
        start = today if days[0] <= today <= days[-1] else days[0]
        self.start = QDateEdit(_qdate(start))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        squads = plan.scenario.squads
        self.absent = QTableWidget(len(squads), 3)
        self.absent.verticalHeader().hide()
        self.absent.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        self._squad_ids: list[str] = []
        for row, (sid, name) in enumerate(
            zip(squads["squad_id"].astype(str), squads["name"].astype(str), strict=True)
        ):
            item = QTableWidgetItem(f"{sid} {name}")
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.absent.setItem(row, 0, item)
            for col in (1, 2):
                edit = QDateEdit(_qdate(start))
                edit.setDisplayFormat("yyyy-MM-dd")
                self.absent.setCellWidget(row, col, edit)
            self._squad_ids.append(sid)
        self.urgent = QTableWidget(0, 2)
        self.urgent.verticalHeader().hide()
        self.urgent.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch
        )
        self.urgent.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_urgent_button = QPushButton(self.tr("Add urgent visit"))
        self.add_urgent_button.clicked.connect(lambda: self.add_urgent("", start))
        self.remove_urgent_button = QPushButton(self.tr("Remove"))
        self.remove_urgent_button.clicked.connect(self._remove_urgent)
        self.error = QLabel()
        self.error.setStyleSheet("QLabel { color: #b00020; }")
        self.error.setWordWrap(True)
        self.absent.setHorizontalHeaderLabels(
            [self.tr("Absent squad"), self.tr("From"), self.tr("To")]
        )
        self.urgent.setHorizontalHeaderLabels(
            [self.tr("Enterprise id"), self.tr("Visit by (YYYY-MM-DD)")]
        )
        form = QFormLayout()
        form.addRow(self.tr("Re-plan from"), self.start)
        urgent_buttons = QHBoxLayout()
        urgent_buttons.addWidget(self.add_urgent_button)
        urgent_buttons.addWidget(self.remove_urgent_button)
        urgent_buttons.addStretch(1)
        self.buttons = ok_cancel_buttons(self)
        column(
            form,
            QLabel(
                self.tr(
                    "Days before it stay exactly as published. Tick the squads "
                    "that field no team, and when:"
                )
            ),
            (self.absent, 2),
            QLabel(self.tr("Urgent visits (e.g. 12345 complaints):")),
            (self.urgent, 1),
            urgent_buttons,
            self.error,
            self.buttons,
            margin=None,
            on=self,
        )

    def set_start(self, day: date) -> None:
        self.start.setDate(_qdate(day))

    def set_absent(self, squad_id: str, first: date, last: date) -> None:
        row = self._squad_ids.index(squad_id)
        self.absent.item(row, 0).setCheckState(Qt.CheckState.Checked)
        self.absent.cellWidget(row, 1).setDate(_qdate(first))
        self.absent.cellWidget(row, 2).setDate(_qdate(last))

    def add_urgent(self, enterprise_id: str, by: date) -> None:
        row = self.urgent.rowCount()
        self.urgent.insertRow(row)
        self.urgent.setItem(row, 0, QTableWidgetItem(enterprise_id))
        self.urgent.setItem(row, 1, QTableWidgetItem(by.isoformat()))

    def _remove_urgent(self) -> None:
        rows = sorted({i.row() for i in self.urgent.selectedIndexes()}, reverse=True)
        for row in rows:
            self.urgent.removeRow(row)

    def values(self) -> tuple[date, list[Absence], list[Urgent]]:
        """The choices; ``ValueError`` names a bad row (end before start, a
        date that is not YYYY-MM-DD)."""
        absences = []
        for row, sid in enumerate(self._squad_ids):
            if self.absent.item(row, 0).checkState() != Qt.CheckState.Checked:
                continue
            a = _pydate(self.absent.cellWidget(row, 1).date())
            b = _pydate(self.absent.cellWidget(row, 2).date())
            if b < a:
                raise ValueError(
                    self.tr("{0}: the absence ends before it starts.").format(sid)
                )
            absences.append(Absence(sid, a, b))
        urgents = []
        for row in range(self.urgent.rowCount()):
            cells = [self.urgent.item(row, c) for c in (0, 1)]
            eid, by = (c.text().strip() if c is not None else "" for c in cells)
            if eid or by:
                urgents.append(parse_urgent(f"{eid}:{by}"))
        return _pydate(self.start.date()), absences, urgents

    def accept(self) -> None:
        try:
            self.values()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


class ChangesDialog(QDialog):
    """The re-plan's change list, squad by squad (who must be told what)."""

    def __init__(
        self, result: ReplanResult, names: dict[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Re-plan: changes per squad"))
        self.setMinimumSize(820, 480)
        changes = result.changes
        self.summary = QLabel(
            self.tr("%n visit(s) changed", "", len(changes))
            + (
                " · "
                + ", ".join(
                    f"{k} {v}" for k, v in changes["change"].value_counts().items()
                )
                if len(changes)
                else ""
            )
        )
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [
                self.tr("Squad / change"),
                self.tr("Visit"),
                self.tr("Enterprise"),
                self.tr("Kind"),
                self.tr("Was"),
                self.tr("Now"),
                self.tr("Reason"),
            ]
        )
        for sid, mine in changes.groupby(changes["squad_id"].fillna(""), sort=True):
            top = QTreeWidgetItem(
                [
                    f"{sid or '—'} {names.get(str(sid), '')} ({len(mine)})",
                    *[""] * 6,
                ]
            )
            top.setData(0, Qt.ItemDataRole.UserRole, str(sid))
            for r in mine.itertuples(index=False):
                top.addChild(
                    QTreeWidgetItem(
                        [
                            str(r.change),
                            _cell(r.visit_id),
                            _cell(r.enterprise_id),
                            _cell(r.kind),
                            _slot(r.old_day, r.old_team),
                            _slot(r.new_day, r.new_team),
                            _cell(r.reason),
                        ]
                    )
                )
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        for col in range(6):
            self.tree.resizeColumnToContents(col)
        column(self.summary, (self.tree, 1), close_buttons(self), margin=None, on=self)

    def squads(self) -> list[str]:
        """Squad ids listed, in order (tests)."""
        return [
            str(self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole))
            for i in range(self.tree.topLevelItemCount())
        ]


def _cell(value: object) -> str:
    return (
        ""
        if value is None or (not isinstance(value, str) and pd.isna(value))
        else (str(value))
    )


def _slot(day: object, team: object) -> str:
    text = _cell(day)
    return f"{text} T{_cell(team)}" if text else "—"


class FieldLoop(WindowCommands):
    """导入检查结果 and 从某日重新排程 for ``window``."""

    results_dialog: ResultsDialog | None = None
    changes_dialog: ChangesDialog | None = None
    last_replan: ReplanResult | None = None

    # -------------------------------------------------------------- results

    def import_results_dialog(self) -> bool:
        """文件 > 导入检查结果: choose the filled schedule.xlsx or a CSV."""
        window = self.window
        if window.document.plan is None:
            return False
        name, _ = QFileDialog.getOpenFileName(
            window,
            self.tr("Import inspection results"),
            window.files.last_dir(),
            self.tr("Filled schedule or results (*.xlsx *.csv)"),
        )
        return bool(name) and self.import_results(Path(name))

    def import_results(self, path: Path) -> bool:
        """Record every row of ``path`` as one undoable step, or refuse the
        file naming each bad row (the plan stays as it was)."""
        window = self.window
        plan = window.document.plan
        if plan is None:
            return False
        snapshot = plan.copy()

        def job(
            progress: ProgressFn, cancel: CancelToken
        ) -> tuple[Plan, RecordReport] | ResultsFileError:
            progress(ProgressEvent("loading", 0.2))
            try:
                rows = read_results_file(path)
                return record_results(snapshot, rows)
            except ResultsFileError as exc:
                return exc

        def done(out: tuple[Plan, RecordReport] | ResultsFileError) -> None:
            project = window.document.path or window.windowTitle()
            if isinstance(out, ResultsFileError):
                window.last_error = str(out)
                self._show_results(out.lines(path.name, project), refused=True)
                return
            updated, report = out
            if not self.still_open(
                plan, self.tr("The plan changed meanwhile; results ignored.")
            ):
                return
            window.document.push_plan(
                updated,
                self.tr("record %n inspection result(s)", "", report.recorded),
            )
            window.message(
                self.tr(
                    "Recorded %n inspection result(s) from {0}.", "", report.recorded
                ).format(path.name)
            )
            self._show_results(report.lines(), refused=False)

        return window.start_run(
            self.tr("Reading results {0}").format(path.name), job, done
        )

    def _show_results(self, lines: list[str], refused: bool) -> None:
        self.results_dialog = self.replace_dialog(
            self.results_dialog, ResultsDialog(lines, refused, self.window)
        )

    # --------------------------------------------------------------- replan

    def replan_dialog(self) -> bool:
        """规划 > 从某日重新排程: ask, then :meth:`replan_from`."""
        window = self.window
        plan = window.document.plan
        if plan is None:
            return False
        dialog = ReplanDialog(plan, window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.replan_from(*dialog.values())

    def replan_from(
        self, start: date, absences: list[Absence], urgents: list[Urgent]
    ) -> bool:
        """Repair the rest of the horizon from ``start`` in the background;
        the result replaces the plan as one undoable step."""
        window = self.window
        plan = window.document.plan
        if plan is None:
            return False
        if len(plan.visits) == 0:
            window.show_error(self.tr("The plan has no schedule to repair yet."))
            return False
        window.document.ensure_zones()
        snapshot = plan.copy()
        scheduling = window.plan_settings.scheduling
        settings = ReplanSettings(
            time_limit=float(scheduling.time_limit), workers=scheduling.workers
        )

        def job(progress: ProgressFn, cancel: CancelToken) -> ReplanResult | ValueError:
            try:
                return replan(
                    snapshot, start, absences, urgents, settings, progress, cancel
                )
            except ValueError as exc:  # unknown squad or enterprise, bad date
                return exc

        def done(out: ReplanResult | ValueError) -> None:
            if isinstance(out, ValueError):
                window.show_error(self.tr("Re-plan refused: {0}").format(out))
                return
            if not self.still_open(
                plan, self.tr("The plan changed meanwhile; re-plan ignored.")
            ):
                return
            self.last_replan = out
            window.document.push_plan(
                out.plan, self.tr("re-plan from {0}").format(start.isoformat())
            )
            window.message(
                self.tr(
                    "Re-planned from {0}: %n visit(s) changed.", "", len(out.changes)
                ).format(start.isoformat())
            )
            self.changes_dialog = self.replace_dialog(
                self.changes_dialog,
                ChangesDialog(out, dict(window.squad_names()), window),
            )

        return window.start_run(
            self.tr("Re-planning from {0}").format(start.isoformat()), job, done
        )
