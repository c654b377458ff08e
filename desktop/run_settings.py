"""Settings of 运行划片 / 运行排程 / 全部规划, kept in QSettings.

:class:`RunSettings` is what the planner sets in :class:`RunSettingsDialog`:
zoning tolerance, nesting, the 1530 reach, both solvers' time limits and the
horizon. :meth:`RunSettings.plan_settings` turns it into the
:class:`~planning.plan.PlanSettings` the pipeline takes, and
:meth:`RunSettings.horizon_for` the scenario's horizon.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from planning.model import Horizon
from planning.plan import PlanSettings

NESTS = (None, "town", "area")
"""Nesting choices: none, each town whole to one squad, squads stay in 片区."""
KEY = "run/"


@dataclass(frozen=True)
class RunSettings:
    """The planner's run settings.

    Parameters
    ----------
    tolerance_pct
        Zone load within ± this percentage of its target.
    nest
        ``None``, ``"town"`` or ``"area"`` (片区), see ``ZoningSettings.nest``.
    reach_minutes
        1530 reach from the squad base; ``0`` means no limit.
    zoning_seconds, scheduling_seconds
        Solver time limits.
    horizon_days
        Workdays to schedule; ``0`` keeps the project's own horizon.
    start
        First day of the horizon; ``None`` keeps the project's.
    standby_cars
        Patrol cars per squad on standby in each peak window on a plan with
        roads (0 = none); ``-1`` takes the policy's ``[roads] standby_cars``.
    """

    tolerance_pct: float = 5.0
    nest: str | None = None
    reach_minutes: float = 0.0
    zoning_seconds: float = 30.0
    scheduling_seconds: float = 60.0
    horizon_days: int = 0
    start: date | None = None
    standby_cars: int = -1

    @classmethod
    def from_plan_settings(cls, ps: PlanSettings) -> RunSettings:
        z, s = ps.zoning, ps.scheduling
        return cls(
            tolerance_pct=round(100 * z.tolerance, 3),
            nest=z.nest,
            reach_minutes=float(z.reach_minutes or 0.0),
            zoning_seconds=float(z.time_limit),
            scheduling_seconds=float(s.time_limit),
            standby_cars=-1 if ps.standby_cars is None else ps.standby_cars,
        )

    @classmethod
    def load(cls, settings: QSettings, default: RunSettings) -> RunSettings:
        """Values stored under ``run/`` in ``settings``, else ``default``'s."""

        def get(name: str, kind: type, fallback: object) -> object:
            value = settings.value(KEY + name)
            if value is None or value == "":
                return fallback
            try:
                return kind(value)
            except (TypeError, ValueError):
                return fallback

        nest = settings.value(KEY + "nest", default.nest or "")
        start = settings.value(KEY + "start", "")
        try:
            start_day = date.fromisoformat(str(start)) if start else default.start
        except ValueError:
            start_day = default.start
        return cls(
            tolerance_pct=float(get("tolerance_pct", float, default.tolerance_pct)),
            nest=str(nest) if nest in ("town", "area") else None,
            reach_minutes=float(get("reach_minutes", float, default.reach_minutes)),
            zoning_seconds=float(get("zoning_seconds", float, default.zoning_seconds)),
            scheduling_seconds=float(
                get("scheduling_seconds", float, default.scheduling_seconds)
            ),
            horizon_days=int(get("horizon_days", int, default.horizon_days)),
            start=start_day,
            standby_cars=max(-1, int(get("standby_cars", int, default.standby_cars))),
        )

    def store(self, settings: QSettings) -> None:
        """Write every field under ``run/``."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "nest":
                value = value or ""
            elif field.name == "start":
                value = value.isoformat() if value else ""
            settings.setValue(KEY + field.name, value)

    def plan_settings(self, base: PlanSettings) -> PlanSettings:
        """``base`` with this tolerance, nesting, reach, time limits and
        standby cars."""
        zoning = dataclasses.replace(
            base.zoning,
            tolerance=self.tolerance_pct / 100.0,
            nest=self.nest,
            reach_minutes=self.reach_minutes or None,
            time_limit=self.zoning_seconds,
        )
        scheduling = dataclasses.replace(
            base.scheduling, time_limit=self.scheduling_seconds
        )
        cars = None if self.standby_cars < 0 else self.standby_cars
        return dataclasses.replace(
            base, zoning=zoning, scheduling=scheduling, standby_cars=cars
        )

    def horizon_for(self, horizon: Horizon) -> Horizon:
        """``horizon`` with this start and length where they are set."""
        return Horizon(
            start=self.start or horizon.start,
            days=self.horizon_days or horizon.days,
            blackout=horizon.blackout,
        )


class RunSettingsDialog(QDialog):
    """Edit :class:`RunSettings` (规划 > 运行设置…)."""

    def __init__(
        self,
        current: RunSettings,
        horizon: Horizon | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Run settings"))
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0.5, 50.0)
        self.tolerance.setDecimals(1)
        self.tolerance.setSingleStep(0.5)
        self.tolerance.setSuffix(" %")
        self.tolerance.setValue(current.tolerance_pct)
        self.nest = QComboBox()
        for value, label in zip(
            NESTS,
            (
                self.tr("None"),
                self.tr("Town (each town whole to one squad)"),
                self.tr("Area 片区 (squads stay in their area)"),
            ),
            strict=True,
        ):
            self.nest.addItem(label, value or "")
        self.nest.setCurrentIndex(max(0, self.nest.findData(current.nest or "")))
        self.reach = QSpinBox()
        self.reach.setRange(0, 240)
        self.reach.setSuffix(self.tr(" min"))
        self.reach.setSpecialValueText(self.tr("no limit"))
        self.reach.setValue(round(current.reach_minutes))
        self.zoning_time = QSpinBox()
        self.zoning_time.setRange(1, 3600)
        self.zoning_time.setSuffix(self.tr(" s"))
        self.zoning_time.setValue(round(current.zoning_seconds))
        self.scheduling_time = QSpinBox()
        self.scheduling_time.setRange(1, 3600)
        self.scheduling_time.setSuffix(self.tr(" s"))
        self.scheduling_time.setValue(round(current.scheduling_seconds))
        self.standby_cars = QSpinBox()
        self.standby_cars.setRange(-1, 20)
        self.standby_cars.setSpecialValueText(self.tr("as the policy says"))
        self.standby_cars.setSuffix(self.tr(" cars"))
        self.standby_cars.setToolTip(
            self.tr(
                "Patrol cars per squad on standby in each peak window, placed "
                "where they reach the most hotspot events within 5 minutes by "
                "road; 0 = none (coverage by the bases alone)"
            )
        )
        self.standby_cars.setValue(current.standby_cars)

        self.keep_horizon = QCheckBox(self.tr("Use the project's horizon"))
        self.days = QSpinBox()
        self.days.setRange(1, 260)
        self.days.setSuffix(self.tr(" workdays"))
        self.start = QDateEdit()
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        project = horizon or Horizon(start=date.today())
        self.days.setValue(current.horizon_days or project.days)
        start = current.start or project.start
        self.start.setDate(QDate(start.year, start.month, start.day))
        self.keep_horizon.setChecked(not current.horizon_days and current.start is None)
        self.keep_horizon.toggled.connect(self._toggle_horizon)
        self._toggle_horizon(self.keep_horizon.isChecked())

        zoning = QGroupBox(self.tr("Zoning (划片)"))
        zform = QFormLayout(zoning)
        zform.addRow(self.tr("Load tolerance ±"), self.tolerance)
        zform.addRow(self.tr("Nesting"), self.nest)
        zform.addRow(self.tr("1530 reach from base"), self.reach)
        zform.addRow(self.tr("Time limit"), self.zoning_time)
        sched = QGroupBox(self.tr("Scheduling (排程)"))
        sform = QFormLayout(sched)
        sform.addRow(self.keep_horizon)
        sform.addRow(self.tr("Start date"), self.start)
        sform.addRow(self.tr("Horizon"), self.days)
        sform.addRow(self.tr("Time limit"), self.scheduling_time)
        sform.addRow(self.tr("Standby cars per squad"), self.standby_cars)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(zoning)
        row.addWidget(sched)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def _toggle_horizon(self, keep: bool) -> None:
        self.days.setEnabled(not keep)
        self.start.setEnabled(not keep)

    def values(self) -> RunSettings:
        """The settings as shown."""
        keep = self.keep_horizon.isChecked()
        d = self.start.date()
        return RunSettings(
            tolerance_pct=self.tolerance.value(),
            nest=self.nest.currentData() or None,
            reach_minutes=float(self.reach.value()),
            zoning_seconds=float(self.zoning_time.value()),
            scheduling_seconds=float(self.scheduling_time.value()),
            horizon_days=0 if keep else self.days.value(),
            start=None if keep else date(d.year(), d.month(), d.day()),
            standby_cars=self.standby_cars.value(),
        )
