"""Zone statistics fast enough to follow every manual edit.

:func:`planning.zoning.zone_stats` rebuilds the cell graph and the travel
matrix on each call (about a second on a 10,000-cell county). During manual
editing only the assignment changes, so :class:`ZoneStatsCache` keeps the
graph, the cell workloads and the squads' targets of one plan and recomputes
loads, deviation and contiguity with a few vectorised numpy / scipy calls.
The zone outlines (unions of cell polygons) are left to the background map
render and to saving.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
from scipy import sparse

from planning.plan import Plan
from planning.roads.context import road_context
from planning.zoning import stats_geometry, zones_contiguous

STAT_COLUMNS = ("n_cells", "workload", "deviation_pct", "contiguous", "max_reach_min")


class ZoneStatsCache:
    """Per-squad load, deviation and contiguity of one plan's cells.

    Targets are taken from the plan's zones layer (they depend on the staff
    and the total load, not on the assignment); islands (graph components
    without a squad base) are exempt from contiguity as in ``zone_stats``.
    """

    def __init__(self, plan: Plan) -> None:
        sc = plan.scenario
        cells = sc.cells.reset_index(drop=True)
        self.cell_index = pd.Index(cells["cell_id"].astype(str))
        self.squad_ids = [str(s) for s in sc.squads["squad_id"]]
        w = np.zeros(len(cells))
        if "workload" in cells:
            w = pd.to_numeric(cells["workload"], errors="coerce").fillna(0.0)
        self.weights = np.clip(np.asarray(w, float), 0.0, None)
        zones = plan.zones.set_index(plan.zones["squad_id"].astype(str))
        if "target" in zones:
            self.targets = (
                pd.to_numeric(zones["target"], errors="coerce")
                .reindex(self.squad_ids)
                .fillna(0.0)
                .to_numpy(float)
            )
        else:
            staff = pd.to_numeric(sc.squads["staff"], errors="coerce").fillna(0)
            share = staff.to_numpy(float) / max(float(staff.sum()), 1.0)
            self.targets = share * float(self.weights.sum())
        self._cells = cells
        self._squads = sc.squads
        self._policy = sc.policy
        self._scenario = sc
        self._travel: np.ndarray | None = None
        self._adj: sparse.csr_matrix | None = None
        self._ignore: np.ndarray | None = None
        self._lock = threading.Lock()

    def prefetch(self) -> None:
        """Build the cell graph in a background thread now, so the planner's
        first manual edit does not wait for it (about a second on 10k cells)."""
        threading.Thread(target=self._graph, name="cell-graph", daemon=True).start()

    def _graph(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        with self._lock:
            return self._build_graph()

    def _build_graph(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        if self._adj is None or self._ignore is None:
            self._adj, self._travel, self._ignore = stats_geometry(
                self._cells,
                self._squads,
                self._policy,
                # barriers judge contiguity as run_plan does; built off the GUI thread
                roads=road_context(self._scenario),
            )
        return self._adj, self._ignore

    def codes(self, squad_of_cell: pd.Series) -> np.ndarray:
        """Squad position of each cell (-1 = none) from ``cell_id -> squad_id``."""
        lookup = {s: i for i, s in enumerate(self.squad_ids)}
        values = squad_of_cell.reindex(self.cell_index).astype(object)
        return np.array([lookup.get(str(v), -1) for v in values], dtype=np.int64)

    def stats(self, squad_of_cell: pd.Series) -> pd.DataFrame:
        """``squad_id`` plus :data:`STAT_COLUMNS` for the given assignment."""
        assign = self.codes(squad_of_cell)
        m = len(self.squad_ids)
        got = assign >= 0
        load = np.bincount(assign[got], self.weights[got], m)
        count = np.bincount(assign[got], minlength=m)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.where(
                self.targets > 0, (load - self.targets) / self.targets * 100, 0.0
            )
        return pd.DataFrame(
            {
                "squad_id": self.squad_ids,
                "n_cells": count,
                "workload": load,
                "deviation_pct": dev,
                "contiguous": (self._contiguous(assign) & (count > 0)).astype(int),
                "max_reach_min": self._reach(assign),
            }
        )

    def _reach(self, assign: np.ndarray) -> np.ndarray:
        """Minutes from each base to its zone's farthest cell (1530 rule)."""
        self._graph()
        assert self._travel is not None
        m, n = len(self.squad_ids), len(assign)
        got = assign >= 0
        t = self._travel[np.maximum(assign, 0), np.arange(n)]
        reach = np.zeros(m)
        np.maximum.at(reach, assign[got], t[got])
        return reach

    def _contiguous(self, assign: np.ndarray) -> np.ndarray:
        adj, ignore = self._graph()
        return zones_contiguous(adj, assign, len(self.squad_ids), ignore)


def update_zone_table(zones: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """``zones`` with the statistics columns replaced by ``stats`` (same rows)."""
    out = zones.copy()
    new = stats.set_index("squad_id")
    key = out["squad_id"].astype(str)
    for column in STAT_COLUMNS:
        if column in new:
            out[column] = key.map(new[column]).to_numpy()
    return out
