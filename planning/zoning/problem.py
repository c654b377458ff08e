"""One zoning run's data at unit level (a unit is a cell, or a whole town with
``nest="town"``), and the measures every stage judges a zoning by.

Set-up checks the input once (locks, nesting, reach, bases) and writes the
notes the planner reads; the solver stages only see units and squads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from planning.model import Policy
from planning.progress import CancelToken, ProgressEvent, ProgressFn, no_progress
from planning.zoning.graph import (
    CellGraph,
    cell_graph,
    cell_workloads,
    contiguous_zones,
    csr_adjacency,
    nest_groups,
    squad_index,
    zone_targets,
)
from planning.zoning.settings import STAGE, ZoningSettings

if TYPE_CHECKING:
    from planning.roads.context import RoadContext


@dataclass
class Problem:
    """Unit-level data of one zoning run (a unit is a cell, or a whole town)."""

    cell_ids: np.ndarray
    squad_ids: list[str]
    cell_unit: np.ndarray
    n_units: int
    unit_cells: list[np.ndarray]
    unit_label: list[str]
    w: np.ndarray
    cell_w: np.ndarray
    cost: np.ndarray  # (m, U) workload x minutes, with a small travel tie-break
    eps_cost: np.ndarray  # (m, U) the tie-break part of cost
    rank: np.ndarray  # (m, U) minutes used to rank candidate squads
    allowed: np.ndarray  # (m, U) nest and reach permit the pair
    adj: sparse.csr_matrix
    arcs: tuple[np.ndarray, np.ndarray]
    lock: np.ndarray
    cur: np.ndarray
    cur_cell: np.ndarray
    base: np.ndarray
    unit_group: np.ndarray
    squad_group: np.ndarray
    group_names: list[str]
    target: np.ndarray
    geo: CellGraph
    unreachable: np.ndarray  # cell mask
    best_reach: np.ndarray  # cell minutes to the nearest permitted base
    notes: list[str] = field(default_factory=list)
    # LPs solved (see solve_lp): on large grids the start's plain LP is the one
    # CP-SAT's candidates come from, and each takes seconds
    lp_memo: dict[bytes, tuple[np.ndarray, np.ndarray, float]] = field(
        default_factory=dict
    )


@dataclass
class Run:
    """What every stage of one zoning run shares, handed over as one object
    instead of a dozen loose arguments.

    Parameters
    ----------
    problem
        The run's unit-level data (:func:`prepare_problem`).
    settings
        The planner's settings (tolerance, time limit, workers, seed).
    fixed
        Per unit, the squad it must keep (bases, locks, islands), -1 if free.
    exempt
        Per unit, True where it needs no path to its base (islands, locks
        cut off from their base).
    deadline
        Monotonic time by which the search must end (the time limit less
        what the checks after it take).
    progress, cancel
        Where progress goes, and the planner's Cancel.
    t0
        Monotonic time the run started (progress is a share of the limit).
    """

    problem: Problem
    settings: ZoningSettings
    fixed: np.ndarray
    exempt: np.ndarray
    deadline: float
    progress: ProgressFn = no_progress
    cancel: CancelToken | None = None
    t0: float = field(default_factory=time.monotonic)

    @property
    def cancelled(self) -> bool:
        """The planner pressed Cancel."""
        return self.cancel is not None and self.cancel.cancelled

    def report(
        self, message: str, objective: float | None = None, bound: float | None = None
    ) -> None:
        """Progress as the share of the time limit spent so far."""
        spent = (time.monotonic() - self.t0) / max(self.settings.time_limit, 1e-9)
        self.progress(ProgressEvent(STAGE, min(0.99, spent), message, objective, bound))


def _unit_mode(cell_unit: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """Most frequent non-negative value per unit (-1 if none)."""
    out = np.full(n_units, -1, dtype=int)
    ok = values >= 0
    if ok.any():
        span = int(values[ok].max()) + 1
        pairs, counts = np.unique(
            cell_unit[ok].astype(np.int64) * span + values[ok], return_counts=True
        )
        by_count = np.lexsort((-counts, pairs // span))
        unit, first = np.unique((pairs // span)[by_count], return_index=True)
        out[unit] = (pairs % span)[by_count][first]
    return out


def prepare_problem(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: ZoningSettings,
    roads: RoadContext | None = None,
    permitted: np.ndarray | None = None,
) -> Problem:
    """Turn layers into unit arrays: weights, travel, permissions, locks.

    ``permitted`` (squads x cells, in the layers' row order), when given,
    narrows the pairs nesting and reach allow: a caller's own rule of which
    squad may take which cell (rebalance keeps moves between zones that
    border today, so its lower bound holds)."""
    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    notes: list[str] = []
    n, m = len(cells), len(squads)
    cell_ids = cells["cell_id"].astype(str).to_numpy()
    squad_ids = [str(s) for s in squads["squad_id"]]
    geo = cell_graph(cells, squads, policy, roads)
    cw = cell_workloads(cells)
    staff = pd.to_numeric(squads["staff"], errors="coerce").fillna(0).to_numpy(float)
    if (staff <= 0).any():
        raise ValueError("every squad needs a positive 'staff' to set its target")
    squad_group, cell_group, group_names = nest_groups(cells, squads, settings.nest)
    cell_ok = squad_group[:, None] == cell_group[None, :]

    # 1530 reach: cells no permitted base reaches in time are exempt.
    t = geo.travel
    best = np.where(cell_ok, t, np.inf).min(axis=0)
    if settings.reach_minutes is None:
        unreachable = np.zeros(n, bool)
        reach_ok = np.ones((m, n), bool)
    else:
        unreachable = np.isfinite(best) & (best > settings.reach_minutes)
        reach_ok = (t <= settings.reach_minutes) | unreachable[None, :]

    # Units: cells, or whole towns when nesting by town.
    if settings.nest == "town":
        town = cells["town_id"].astype(str).where(cells["town_id"].notna(), cell_ids)
        cell_unit, labels = pd.factorize(town)
        unit_label = [f"town {x}" for x in labels]
    else:
        cell_unit = np.arange(n)
        unit_label = [f"cell {c}" for c in cell_ids]
    n_units = int(cell_unit.max()) + 1 if n else 0
    by_unit = np.argsort(cell_unit, kind="stable")
    sizes = np.bincount(cell_unit, minlength=n_units)
    unit_cells = np.split(by_unit, np.cumsum(sizes)[:-1])
    w = np.bincount(cell_unit, cw, minlength=n_units)
    tie = 1e-3 * (cw[cw > 0].mean() if (cw > 0).any() else 1.0)
    cell_eps = np.where(cw > 0, 0.0, tie)
    cost = np.stack(
        [np.bincount(cell_unit, (cw + cell_eps) * t[s], n_units) for s in range(m)]
    )
    eps_cost = np.stack(
        [np.bincount(cell_unit, cell_eps * t[s], n_units) for s in range(m)]
    )
    rank = np.stack([np.bincount(cell_unit, t[s], n_units) for s in range(m)]) / sizes
    unit_ok = np.ones((m, n_units), bool)
    if permitted is not None:
        cell_ok = cell_ok & permitted
    for s in range(m):
        bad = ~(cell_ok[s] & reach_ok[s])
        unit_ok[s, np.unique(cell_unit[bad])] = False
    unit_group = _unit_mode(cell_unit, cell_group, n_units)

    uedges = np.unique(np.sort(cell_unit[geo.edges], axis=1), axis=0)
    uedges = uedges[uedges[:, 0] != uedges[:, 1]]
    adj = csr_adjacency(n_units, uedges)
    arcs = (
        np.concatenate([uedges[:, 0], uedges[:, 1]]),
        np.concatenate([uedges[:, 1], uedges[:, 0]]),
    )

    # Locks and the current zoning.
    cur_cell = squad_index(
        cells["squad_id"] if "squad_id" in cells else pd.Series([None] * n), squad_ids
    )
    locked = (
        pd.to_numeric(cells["locked"], errors="coerce").fillna(0).to_numpy() > 0
        if "locked" in cells
        else np.zeros(n, bool)
    )
    lock_cell = np.where(locked, cur_cell, -1)
    for c in np.flatnonzero(locked & (cur_cell < 0)):
        notes.append(
            f"cell {cell_ids[c]} is locked but has no valid squad; lock ignored"
        )
    lock = _unit_mode(cell_unit, lock_cell, n_units)
    if settings.nest == "town":
        for u in range(n_units):
            held = set(lock_cell[unit_cells[u]]) - {-1}
            if len(held) > 1:
                notes.append(
                    f"{unit_label[u]} has cells locked to different squads "
                    f"({', '.join(sorted(squad_ids[s] for s in held))}); "
                    f"whole town kept with {squad_ids[lock[u]]}"
                )
    cur = _unit_mode(cell_unit, cur_cell, n_units)

    # Base unit of each squad: the unit under the base point, moved to the
    # nearest free permitted unit when shared, locked away or not permitted.
    base = cell_unit[geo.base_cell].copy()
    taken: set[int] = set()
    for s in range(m):
        u = int(base[s])
        if u in taken or not unit_ok[s, u] or lock[u] not in (-1, s):
            free = unit_ok[s] & ((lock < 0) | (lock == s))
            free[list(taken)] = False
            if not free.any():
                raise ValueError(f"squad {squad_ids[s]} has no cell it may serve")
            new = int(np.flatnonzero(free)[np.argmin(rank[s, free])])
            notes.append(
                f"squad {squad_ids[s]}'s base lies in {unit_label[u]}, which it "
                f"cannot hold (shared, locked or outside its area); its zone is "
                f"rooted at {unit_label[new]} instead"
            )
            base[s] = new
        taken.add(int(base[s]))

    if (cell_group < 0).any():
        orphan = cells.loc[cell_group < 0, "area_id"].astype(str)
        for area, count_a in orphan.value_counts().items():
            notes.append(
                f"area {area} has no squad: its {count_a} cells stay unassigned "
                "under area nesting"
            )
    target = zone_targets(cw, cell_group, squad_group, staff)
    return Problem(
        cell_ids=cell_ids,
        squad_ids=squad_ids,
        cell_unit=cell_unit,
        n_units=n_units,
        unit_cells=unit_cells,
        unit_label=unit_label,
        w=w,
        cell_w=cw,
        cost=cost,
        eps_cost=eps_cost,
        rank=rank,
        allowed=unit_ok,
        adj=adj,
        arcs=arcs,
        lock=lock,
        cur=cur,
        cur_cell=cur_cell,
        base=base,
        unit_group=unit_group,
        squad_group=squad_group,
        group_names=group_names,
        target=target,
        geo=geo,
        unreachable=unreachable,
        best_reach=best,
        notes=notes,
    )


def with_zoning(cand: np.ndarray, units: np.ndarray) -> np.ndarray:
    """``cand`` plus every pair ``units`` uses: a model that holds its hint."""
    cand = cand.copy()
    got = units >= 0
    cand[units[got], np.flatnonzero(got)] = True
    return cand


def cells_of(p: Problem, units: Iterable[int]) -> np.ndarray:
    """Sorted cell ids of ``units`` (a piece, an island) for explanations."""
    return np.sort(p.cell_ids[np.concatenate([p.unit_cells[u] for u in units])])


def id_list(ids: np.ndarray, limit: int = 5) -> str:
    """``C1, C2, C3, … (+7 more)`` for explanations."""
    shown = ", ".join(ids[:limit])
    return shown + (f", … (+{len(ids) - limit} more)" if len(ids) > limit else "")


def as_left(p: Problem, fixed: np.ndarray) -> np.ndarray:
    """The zones as the planner left them: fixed units (locks, bases,
    islands) to their squads, the rest as now; units outside every nest
    group unassigned. What a named lock conflict returns."""
    units = np.where(fixed >= 0, fixed, p.cur)
    units[(p.unit_group < 0) & (fixed < 0)] = -1
    return units


def zone_piece_labels(p: Problem, units: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Component label of every unit in the graph of adjacencies between two
    ``keep`` units of the same zone (``units``): the pieces of each zone."""
    src, dst = p.arcs
    same = keep[src] & keep[dst] & (units[src] == units[dst])
    graph = sparse.csr_matrix(
        (np.ones(int(same.sum())), (src[same], dst[same])),
        shape=(p.n_units, p.n_units),
    )
    return connected_components(graph, directed=False)[1]


def worst_excess(p: Problem, units: np.ndarray) -> float:
    """Largest relative load deviation (inf while assignable units are left)."""
    if ((units < 0) & (p.unit_group >= 0)).any():
        return math.inf
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    target = np.where(p.target > 0, p.target, 1.0)
    return float((np.abs(load - p.target) / target).max(initial=0.0))


def effort(p: Problem, units: np.ndarray, exempt: np.ndarray) -> tuple[int, float]:
    """How far a best effort is from the rules, to pick the better of two:
    zones cut in pieces first (a planner can fix a load by hand far more
    easily than a zone in pieces), then the worst load deviation."""
    cut = int((~contiguous_zones(p.adj, units, len(p.squad_ids), exempt)).sum())
    return cut, worst_excess(p, units)


def is_valid(
    p: Problem, units: np.ndarray, tolerance: float, exempt: np.ndarray
) -> bool:
    """Balanced, and every zone connected apart from exempt units."""
    if not is_balanced(p, units, tolerance):
        return False
    return bool(contiguous_zones(p.adj, units, len(p.squad_ids), exempt).all())


def is_balanced(p: Problem, units: np.ndarray, tolerance: float) -> bool:
    """Every assignable unit has a squad and every load is within tolerance."""
    if ((units < 0) & (p.unit_group >= 0)).any():
        return False
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    return bool((np.abs(load - p.target) <= tolerance * p.target + 1e-9).all())
