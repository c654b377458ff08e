"""Department roster (部门排班): inspectors each department sends, per day.

Rows are departments, columns the horizon's workdays; a cell shows
``assigned / capacity`` where *assigned* sums ``plan.roster.inspectors`` and
*capacity* is the policy's ``inspectors_per_day``. Full days are shaded,
days over capacity (which the validator rejects) are red. The tooltip lists
the squad teams the inspectors go with. Built from one pandas pivot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from desktop.models import DayGridModel
from planning.plan import Plan

ANY_INDEX = QModelIndex | QPersistentModelIndex
FULL = QColor("#c8e6c9")
OVER = QColor("#f4b6b6")


class RosterModel(DayGridModel):
    """Departments x workdays: inspectors assigned against capacity."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)
        self.assigned = np.zeros((0, 0), dtype=int)
        self.capacity = np.zeros(0, dtype=int)
        self.crews: dict[tuple[str, str], str] = {}

    @property
    def departments(self) -> list[tuple[str, str]]:
        """(dept_id, name) per row."""
        return self.rows

    def set_plan(self, plan: Plan | None) -> None:
        self.beginResetModel()
        self.rows, self.days, self.crews = [], [], {}
        self.assigned, self.capacity = np.zeros((0, 0), int), np.zeros(0, int)
        if plan is not None:
            policy = plan.scenario.policy
            self.rows = [(d.dept_id, d.name) for d in policy.departments.values()]
            self.capacity = np.array(
                [policy.departments[d].inspectors_per_day for d, _ in self.rows],
                dtype=int,
            )
            self.days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
            roster = plan.roster
            if len(roster):
                r = pd.DataFrame(roster).astype({"dept_id": str, "day": str})
                extra = sorted(set(r["day"]) - set(self.days))
                self.days += extra
                table = r.pivot_table(
                    index="dept_id", columns="day", values="inspectors", aggfunc="sum"
                )
                table = table.reindex(
                    index=[d for d, _ in self.rows], columns=self.days
                )
                self.assigned = table.fillna(0).to_numpy(int)
                teams = r.assign(
                    team_name=r["squad_id"].astype(str)
                    + " 第"
                    + r["team"].astype(str)
                    + "组"
                )
                for (dept, day), names in teams.groupby(["dept_id", "day"])[
                    "team_name"
                ]:
                    self.crews[(str(dept), str(day))] = "、".join(sorted(names))
            else:
                self.assigned = np.zeros((len(self.rows), len(self.days)), int)
        self.endResetModel()

    def over_capacity(self) -> list[tuple[str, str]]:
        """(dept_id, day) where more inspectors are assigned than exist."""
        rows, cols = np.nonzero(self.assigned > self.capacity[:, None])
        return [
            (self.rows[r][0], self.days[c]) for r, c in zip(rows, cols, strict=True)
        ]

    def data(self, index: ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        n, cap = int(self.assigned[r, c]), int(self.capacity[r])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{n}/{cap}" if n else ""
        if role == Qt.ItemDataRole.UserRole:
            return n
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and n:
            if n > cap:
                return QBrush(OVER)
            if n == cap:
                return QBrush(FULL)
        if role == Qt.ItemDataRole.ToolTipRole and n:
            return self.crews.get((self.rows[r][0], self.days[c]), "")
        return None


class RosterPanel(QWidget):
    """The roster table with a one-line explanation above it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RosterModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.view)
        self.retranslate()

    def set_plan(self, plan: Plan | None) -> None:
        self.model.set_plan(plan)
        self.retranslate()

    def retranslate(self) -> None:
        over = len(self.model.over_capacity())
        text = self.tr(
            "Inspectors each department sends per day (assigned / available); "
            "green: all in use, red: more than the department has."
        )
        if over:
            text += " " + self.tr("%n day(s) over capacity.", "", over)
        self.label.setText(text)
