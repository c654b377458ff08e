"""The open project as the window sees it: plan, file, undo stack, dirty flag.

Widgets never own the data (napari's habit): they read
:attr:`PlanDocument.plan` and refresh when its signals fire. Every manual
edit (reassigning, locking, re-balancing, moving a visit, importing a layer)
is a ``QUndoCommand`` on :attr:`PlanDocument.undo_stack`, so "unsaved
changes" is simply "the stack is not clean, or a new plan replaced the saved
one".

Zone statistics follow each edit at once through a
:class:`~desktop.zone_stats.ZoneStatsCache`; the zone outlines are rebuilt
by the background map render and, for the file, just before saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from desktop.zone_stats import ZoneStatsCache, update_zone_table
from planning.io.project import save_project
from planning.plan import Plan, zone_layer

VISIT_EDIT_COLUMNS = ("day", "seq", "eta", "start", "end", "crew")
"""Visit columns a manual move changes (and undo restores)."""
STALE_BASIS = pd.Series(dtype=object)
"""Schedule basis matching no zoning: the schedule is out of date."""


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


class PlanDocument(QObject):
    """Holds the current :class:`~planning.plan.Plan` and where it lives.

    Signals
    -------
    planChanged()
        A different plan (or none) is open; everything must redraw.
    zonesChanged(list)
        Cells (ids given) changed squad in place; ``plan.zones`` statistics
        are new (outlines follow later, see :attr:`zones_outdated`).
    locksChanged(list)
        Cells (ids given) were locked or unlocked.
    visitsChanged(list)
        Visits (ids given) were moved by hand.
    scheduleStateChanged(str)
        ``ok``, ``stale`` (zones changed since the schedule was made) or
        ``missing`` (zones but no schedule yet).
    modifiedChanged(bool), pathChanged()
        For the window title and the unsaved-changes prompt.
    """

    planChanged = Signal()
    zonesChanged = Signal(list)
    locksChanged = Signal(list)
    visitsChanged = Signal(list)
    scheduleStateChanged = Signal(str)
    modifiedChanged = Signal(bool)
    pathChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plan: Plan | None = None
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.zones_outdated = False
        self.schedule_state = "ok"
        self._replaced = False
        self._basis: pd.Series | None = None
        self._stats: ZoneStatsCache | None = None
        self.undo_stack.cleanChanged.connect(self._emit_modified)

    @property
    def modified(self) -> bool:
        """Unsaved edits or a plan that was never written to :attr:`path`."""
        return self._replaced or not self.undo_stack.isClean()

    # ------------------------------------------------------------- whole plan

    def set_plan(self, plan: Plan | None, path: Path | None, *, saved: bool) -> None:
        """Open ``plan`` (from ``path`` when ``saved``); clears the undo history."""
        self.undo_stack.clear()
        self._replaced = not saved
        if path != self.path:
            self.path = path
            self.pathChanged.emit()
        self._swap(plan, _schedule_basis(plan))
        self._emit_modified()

    def replace_plan(self, plan: Plan) -> None:
        """A new run's result replaces the plan; the file is now out of date."""
        self.set_plan(plan, self.path, saved=False)

    def push_plan(self, plan: Plan, text: str, *, schedule_valid: bool = True) -> None:
        """Replace the plan as one undoable step (e.g. an imported layer).

        ``schedule_valid=False`` marks its schedule out of date (the import
        changed cells, squads or enterprises the visits were planned on).
        """
        assert self.plan is not None
        self.undo_stack.push(ReplacePlanCommand(self, plan, text, schedule_valid))

    def _swap(self, plan: Plan | None, basis: pd.Series | None) -> None:
        self.plan = plan
        self._basis = basis
        self._stats = None
        if plan is not None and len(plan.zones) and "squad_id" in plan.scenario.cells:
            self._stats = ZoneStatsCache(plan)
            self._stats.prefetch()
        self.zones_outdated = False
        self.planChanged.emit()
        self._update_schedule_state()

    @property
    def basis(self) -> pd.Series | None:
        """Cell -> squad when the open schedule was made (``None``: no schedule)."""
        return self._basis

    def assignment(self) -> pd.Series:
        """Current ``cell_id -> squad_id`` of the open plan."""
        assert self.plan is not None
        cells = self.plan.scenario.cells
        return pd.Series(
            cells["squad_id"].to_numpy(), index=cells["cell_id"].astype(str)
        )

    def save(self, path: Path) -> Path:
        """Write the project to ``path`` (atomically, via planning.io)."""
        if self.plan is None:
            raise ValueError(
                QCoreApplication.translate("PlanDocument", "There is no plan to save.")
            )
        self.ensure_zones()
        path = save_project(path, self.plan.scenario, self.plan)
        if path != self.path:
            self.path = path
            self.pathChanged.emit()
        self.mark_saved()
        return path

    def mark_saved(self) -> None:
        """The plan as it stands is saved (to a file or the shared store)."""
        self._replaced = False
        self.undo_stack.setClean()
        self._emit_modified()

    def ensure_zones(self) -> None:
        """Rebuild the zone outlines after edits (saving, exporting)."""
        plan = self.plan
        if plan is None or not self.zones_outdated:
            return
        plan.zones = zone_layer_of(plan)
        self.zones_outdated = False

    # ------------------------------------------------------------ zone edits

    def assign_cells(self, cell_ids: Sequence[str], squad_id: str) -> bool:
        """Push an undoable reassignment; ``False`` when nothing would change."""
        if self.plan is None:
            return False
        known = set(self.plan.scenario.squads["squad_id"].astype(str))
        if squad_id not in known:
            raise ValueError(
                QCoreApplication.translate("PlanDocument", "Unknown squad {0}.").format(
                    squad_id
                )
            )
        current = self._known_cells(cell_ids)
        moving = [c for c in dict.fromkeys(cell_ids) if current.get(c) != squad_id]
        if not moving:
            return False
        self.undo_stack.push(AssignCellsCommand(self, moving, squad_id))
        return True

    def reassign(self, assignment: Mapping[str, str | None], text: str) -> bool:
        """Push a reassignment of many cells to many squads (a re-balance)."""
        if self.plan is None:
            return False
        current = self._known_cells(list(assignment))
        changed = {
            c: s for c, s in assignment.items() if _text_or_none(current.get(c)) != s
        }
        if not changed:
            return False
        self.undo_stack.push(ReassignCommand(self, changed, text))
        return True

    def reassign_unless_changed(
        self,
        plan: Plan,
        before: pd.Series,
        assignment: Mapping[str, str | None],
        text: str,
    ) -> bool | None:
        """Push a reassignment worked out in the background from ``before``;
        ``None`` (nothing pushed) when the plan or its zones changed meanwhile,
        since the result would undo the planner's newer edits."""
        if self.plan is not plan or not self.assignment().equals(before):
            return None
        return self.reassign(assignment, text)

    def set_locked(self, cell_ids: Sequence[str], locked: bool) -> bool:
        """Undoably lock (or unlock) cells so zoning keeps their squad."""
        if self.plan is None:
            return False
        self._known_cells(cell_ids)
        now = self.locked_cells()
        change = [c for c in dict.fromkeys(cell_ids) if (c in now) != locked]
        if not change:
            return False
        self.undo_stack.push(LockCellsCommand(self, change, locked))
        return True

    def locked_cells(self) -> set[str]:
        """Ids of the cells the planner locked (``cells.locked`` = 1)."""
        if self.plan is None or "locked" not in self.plan.scenario.cells:
            return set()
        cells = self.plan.scenario.cells
        flag = pd.to_numeric(cells["locked"], errors="coerce").fillna(0) > 0
        return set(cells.loc[flag, "cell_id"].astype(str))

    def _known_cells(self, cell_ids: Sequence[str]) -> pd.Series:
        current = self.assignment()
        missing = [c for c in cell_ids if c not in current.index]
        if missing:
            raise ValueError(
                QCoreApplication.translate(
                    "PlanDocument", "Unknown cell(s): {0}."
                ).format(", ".join(missing[:10]))
            )
        return current

    def apply_assignment(self, assignment: Mapping[str, str | None]) -> None:
        """Set ``cells.squad_id`` for the given cells and update zone figures.

        Called by the commands only; statistics are recomputed at once, the
        outlines later (:meth:`ensure_zones`).
        """
        plan = self.plan
        assert plan is not None
        cells = plan.scenario.cells
        mask = cells["cell_id"].astype(str).isin(list(assignment))
        cells.loc[mask, "squad_id"] = (
            cells.loc[mask, "cell_id"].astype(str).map(dict(assignment))
        )
        if self._stats is None:
            self._stats = ZoneStatsCache(plan)
        plan.zones = update_zone_table(plan.zones, self._stats.stats(self.assignment()))
        self.zones_outdated = True
        self.zonesChanged.emit(list(assignment))
        self._update_schedule_state()

    def apply_locks(self, cell_ids: Sequence[str], locked: bool) -> None:
        """Set ``cells.locked`` (commands only)."""
        assert self.plan is not None
        cells = self.plan.scenario.cells
        if "locked" not in cells:
            cells["locked"] = 0
        mask = cells["cell_id"].astype(str).isin(list(cell_ids))
        cells.loc[mask, "locked"] = int(locked)
        self.locksChanged.emit(list(cell_ids))

    # ----------------------------------------------------------- visit edits

    def move_visits(
        self,
        after: pd.DataFrame,
        text: str,
        routes: pd.DataFrame | None = None,
        route_ids: Sequence[str] = (),
    ) -> None:
        """Undoably set :data:`VISIT_EDIT_COLUMNS` of visits (index visit_id)
        and replace the route rows ``route_ids`` by ``routes`` (re-routed
        team-days)."""
        assert self.plan is not None
        self.undo_stack.push(EditVisitsCommand(self, after, text, routes, route_ids))

    def apply_routes(self, remove: Sequence[str], rows: pd.DataFrame | None) -> None:
        """Drop route rows ``remove`` and add ``rows`` (commands only)."""
        plan = self.plan
        assert plan is not None
        keep = plan.routes[~plan.routes["route_id"].astype(str).isin(list(remove))]
        if rows is not None and len(rows):
            keep = pd.concat([keep, rows], ignore_index=True)
        plan.routes = keep.sort_values(["day", "squad_id", "team"], kind="stable")
        plan.routes = plan.routes.reset_index(drop=True)

    def apply_visit_fields(self, rows: pd.DataFrame) -> None:
        """Write ``rows`` (index visit_id) into ``plan.visits`` (commands only)."""
        assert self.plan is not None
        visits = self.plan.visits
        pos = pd.Index(visits["visit_id"].astype(str)).get_indexer(rows.index)
        for column in rows.columns:
            visits.iloc[pos, visits.columns.get_loc(column)] = rows[column].to_numpy()
        self.visitsChanged.emit(list(rows.index))

    # --------------------------------------------------------------- helpers

    def _update_schedule_state(self) -> None:
        state = schedule_state(self.plan, self._basis)
        if state != self.schedule_state:
            self.schedule_state = state
            self.scheduleStateChanged.emit(state)

    def _emit_modified(self, *_: object) -> None:
        self.modifiedChanged.emit(self.modified)


def zone_layer_of(plan: Plan) -> pd.DataFrame:
    """The full zones layer (outlines included) of ``plan``'s cells."""
    return zone_layer(plan)


def _schedule_basis(plan: Plan | None) -> pd.Series | None:
    if plan is None or (len(plan.visits) == 0 and len(plan.unscheduled) == 0):
        return None
    cells = plan.scenario.cells
    return pd.Series(cells["squad_id"].to_numpy(), index=cells["cell_id"].astype(str))


def schedule_state(plan: Plan | None, basis: pd.Series | None) -> str:
    """``ok``, ``stale`` or ``missing`` (see :class:`PlanDocument`)."""
    if plan is None:
        return "ok"
    cells = plan.scenario.cells
    if basis is None:
        return "missing" if cells["squad_id"].notna().any() else "ok"
    now = pd.Series(cells["squad_id"].to_numpy(), index=cells["cell_id"].astype(str))
    if not now.index.equals(basis.index):
        return "stale"
    same = (now.fillna("") == basis.fillna("")).all()
    if not same:
        return "stale"
    # a plan saved while stale: its visits' squads no longer own the cells
    visits = plan.visits
    if len(visits):
        ents = plan.scenario.enterprises.set_index("enterprise_id")["cell_id"]
        owner = visits["enterprise_id"].map(ents).map(now)
        if (owner.notna() & (owner != visits["squad_id"])).any():
            return "stale"
    return "ok"


class ReassignCommand(QUndoCommand):
    """Give cells new squads; undo puts each one back."""

    def __init__(
        self, document: PlanDocument, after: Mapping[str, str | None], text: str
    ) -> None:
        super().__init__(text)
        self.document = document
        current = document.assignment()
        self.before: dict[str, str | None] = {
            c: _text_or_none(current.at[c]) for c in after
        }
        self.after = dict(after)

    def redo(self) -> None:
        self.document.apply_assignment(self.after)

    def undo(self) -> None:
        self.document.apply_assignment(self.before)


class AssignCellsCommand(ReassignCommand):
    """Move cells into one squad's zone (手工调整)."""

    def __init__(
        self, document: PlanDocument, cell_ids: Sequence[str], squad_id: str
    ) -> None:
        super().__init__(
            document,
            dict.fromkeys(cell_ids, squad_id),
            QCoreApplication.translate(
                "AssignCellsCommand", "assign %n cell(s) to {0}", "", len(cell_ids)
            ).format(squad_id),
        )
        self.squad_id = squad_id


class LockCellsCommand(QUndoCommand):
    """Lock cells to their squad (锁定) or unlock them."""

    def __init__(
        self, document: PlanDocument, cell_ids: Sequence[str], locked: bool
    ) -> None:
        text = (
            QCoreApplication.translate(
                "LockCellsCommand", "lock %n cell(s)", "", len(cell_ids)
            )
            if locked
            else QCoreApplication.translate(
                "LockCellsCommand", "unlock %n cell(s)", "", len(cell_ids)
            )
        )
        super().__init__(text)
        self.document = document
        self.cell_ids = list(cell_ids)
        self.locked = locked

    def redo(self) -> None:
        self.document.apply_locks(self.cell_ids, self.locked)

    def undo(self) -> None:
        self.document.apply_locks(self.cell_ids, not self.locked)


class ReplacePlanCommand(QUndoCommand):
    """Swap in a new plan (an imported layer); undo brings the old one back."""

    def __init__(
        self, document: PlanDocument, plan: Plan, text: str, schedule_valid: bool
    ) -> None:
        super().__init__(text)
        self.document = document
        assert document.plan is not None
        self.before = (document.plan, document.basis, document.zones_outdated)
        self.after = plan
        basis = _schedule_basis(plan)
        if basis is not None and not schedule_valid:
            basis = STALE_BASIS
        self.after_basis = basis

    def redo(self) -> None:
        self.document._swap(self.after, self.after_basis)

    def undo(self) -> None:
        plan, basis, outdated = self.before
        self.document._swap(plan, basis)
        self.document.zones_outdated = outdated


class EditVisitsCommand(QUndoCommand):
    """Change the day / order / times / crew of visits (move visit to day…)."""

    def __init__(
        self,
        document: PlanDocument,
        after: pd.DataFrame,
        text: str,
        routes: pd.DataFrame | None = None,
        route_ids: Sequence[str] = (),
    ) -> None:
        super().__init__(text)
        self.document = document
        plan = document.plan
        assert plan is not None
        visits = plan.visits.set_index(plan.visits["visit_id"].astype(str))
        columns = list(after.columns)
        self.before = visits.loc[after.index, columns].copy()
        self.after = after.copy()
        self.routes_after = None if routes is None else routes.copy()
        ids = set(route_ids)
        if routes is not None:
            ids |= set(routes["route_id"].astype(str))
        self.route_ids = sorted(ids)
        self.routes_before = plan.routes[
            plan.routes["route_id"].astype(str).isin(self.route_ids)
        ].copy()

    def redo(self) -> None:
        if self.routes_after is not None:
            self.document.apply_routes(self.route_ids, self.routes_after)
        self.document.apply_visit_fields(self.after)

    def undo(self) -> None:
        if self.routes_after is not None:
            self.document.apply_routes(self.route_ids, self.routes_before)
        self.document.apply_visit_fields(self.before)
