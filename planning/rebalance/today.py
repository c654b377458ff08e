"""Today's zoning on the cell graph, the far-move rule, handing moved cells
back, and the lower bound on the moved workload (a min-cost flow)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from planning.model import Policy
from planning.rebalance.settings import RebalanceError
from planning.zoning import (
    cell_graph,
    island_cells,
    zone_stats,
    zones_contiguous,
)


@dataclass
class _Today:
    """Today's zoning on the cell graph (positions, not ids)."""

    ids: np.ndarray
    squad_ids: list[str]
    adj: sparse.csr_matrix
    travel: np.ndarray
    islands: np.ndarray
    w: np.ndarray
    target: np.ndarray
    assign: np.ndarray
    base: np.ndarray
    locked: np.ndarray

    @property
    def fixed(self) -> np.ndarray:
        out = self.locked | self.islands
        out[self.base] = True
        return out

    def loads(self, assign: np.ndarray) -> np.ndarray:
        got = assign >= 0
        return np.bincount(assign[got], self.w[got], len(self.squad_ids))

    def worst_pct(self, assign: np.ndarray) -> float:
        t = np.where(self.target > 0, self.target, 1.0)
        return float(np.max(np.abs(self.loads(assign) - self.target) / t) * 100)

    def travel_of(self, assign: np.ndarray) -> float:
        n = len(assign)
        return float((self.w * self.travel[assign, np.arange(n)]).sum())

    def contiguous(self, assign: np.ndarray) -> bool:
        m = len(self.squad_ids)
        return bool(zones_contiguous(self.adj, assign, m, self.islands).all())

    def off_band(self, assign: np.ndarray, tolerance: float) -> float:
        """Workload outside the band, summed over the zones."""
        dev = np.abs(self.loads(assign) - self.target) - tolerance * self.target
        return float(np.clip(dev, 0.0, None).sum())

    def within(self, assign: np.ndarray, tolerance: float) -> bool:
        dev = np.abs(self.loads(assign) - self.target)
        return bool((dev <= tolerance * self.target * (1 + 1e-9) + 1e-9).all())


def _today(cells: gpd.GeoDataFrame, squads: gpd.GeoDataFrame, policy: Policy) -> _Today:
    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    if "squad_id" not in cells:
        raise RebalanceError("cells: no squad_id column (today's zoning)")
    squad_ids = [str(s) for s in squads["squad_id"]]
    index = {s: i for i, s in enumerate(squad_ids)}
    today = cells["squad_id"].astype(object).where(cells["squad_id"].notna(), None)
    assign = np.array([index.get(str(s), -1) if s else -1 for s in today])
    ids = cells["cell_id"].astype(str).to_numpy()
    if (assign < 0).any():
        bad = ids[assign < 0]
        raise RebalanceError(
            f"cells: {len(bad)} cells have no known squad today "
            f"({', '.join(bad[:8])}{' …' if len(bad) > 8 else ''}); give every "
            f"cell one of {', '.join(squad_ids[:12])}"
        )
    assignment = pd.Series(np.array(squad_ids, dtype=object)[assign], index=ids)
    stats = zone_stats(cells, squads, assignment, policy)
    geo = cell_graph(cells, squads, policy)
    if "workload" not in cells:
        raise RebalanceError("cells: no workload column (minutes per cell)")
    w = pd.to_numeric(cells["workload"], errors="coerce").fillna(0.0)
    w = np.clip(w.to_numpy(float), 0.0, None)  # as zone_stats counts it
    locked = np.zeros(len(cells), dtype=bool)
    if "locked" in cells:
        flags = pd.to_numeric(cells["locked"], errors="coerce").fillna(0)
        locked = flags.to_numpy(float) > 0
    return _Today(
        ids=ids,
        squad_ids=squad_ids,
        adj=geo.adj.tocsr(),
        travel=np.asarray(geo.travel, dtype=float),
        islands=island_cells(geo),
        w=w,
        target=stats["target"].to_numpy(float),
        assign=assign,
        base=geo.base_cell,
        locked=locked,
    )


def _zone_pairs(t: _Today, assign: np.ndarray) -> np.ndarray:
    """Directed pairs (a, b) of zones sharing a border in ``assign``."""
    a, b = t.adj.nonzero()
    za, zb = assign[a], assign[b]
    keep = (za != zb) & ~t.islands[a] & ~t.islands[b]
    return np.unique(np.column_stack([za[keep], zb[keep]]), axis=0)


def _neighbours(t: _Today, assign: np.ndarray) -> np.ndarray:
    """(squads, squads): zone a borders zone b in ``assign`` (or a == b)."""
    m = len(t.squad_ids)
    pairs = _zone_pairs(t, assign)
    near = np.zeros((m, m), dtype=bool)
    near[pairs[:, 0], pairs[:, 1]] = True
    np.fill_diagonal(near, True)
    return near


def far_moves(t: _Today, assign: np.ndarray) -> np.ndarray:
    """Cells that ``assign`` hands to a squad whose zone does not border
    their squad's zone today: moves the flow bound does not cover."""
    return ~_neighbours(t, t.assign)[t.assign, assign]


def _permitted(t: _Today) -> np.ndarray:
    """(squads, cells): the squads each cell may go to, for rezone: its own
    and those whose zone borders its own today (islands anywhere), so that
    rezone makes no far move either and the flow bound holds."""
    out = _neighbours(t, t.assign)[t.assign].T
    out[:, t.islands] = True
    return out


def _stays_whole(
    t: _Today, assign: np.ndarray, cell: int, zone: int, stop: np.ndarray
) -> bool:
    """Whether ``zone`` stays in one piece without ``cell``: a search from
    one of the cell's neighbours in the zone reaches the others (``stop``:
    cells contiguity ignores, the islands)."""
    ptr, idx = t.adj.indptr, t.adj.indices
    near = idx[ptr[cell] : ptr[cell + 1]]
    near = near[(assign[near] == zone) & ~stop[near]]
    if len(near) <= 1:
        return True
    want = set(near[1:].tolist())
    seen = {cell, int(near[0])}
    queue = deque([int(near[0])])
    while queue and want:
        u = queue.popleft()
        for v in idx[ptr[u] : ptr[u + 1]].tolist():
            if v not in seen and assign[v] == zone and not stop[v]:
                seen.add(v)
                want.discard(v)
                queue.append(v)
    return not want


def _give_back(
    t: _Today, assign: np.ndarray, tolerance: float, deadline: float
) -> np.ndarray:
    """Hand moved cells back to their squad of today, lightest first, where
    both zones stay whole and within the band.

    The large-grid path (rezone, the flow pairs) moves near-empty cells to
    keep zones whole on the way; many of them are free to go back once the
    heavy cells have settled. Each step lowers the workload and the cells
    moved and makes no far move; the result is checked whole at the end."""
    out = assign.copy()
    loads = t.loads(out)
    slack = tolerance * t.target * (1 + 1e-9) + 1e-9
    stop = t.islands
    ptr, idx = t.adj.indptr, t.adj.indices
    again = True
    while again and time.monotonic() < deadline:
        again = False
        moved = np.flatnonzero((out != t.assign) & ~t.fixed)
        for c in moved[np.argsort(t.w[moved], kind="stable")].tolist():
            if time.monotonic() >= deadline:
                break
            a, b, w = out[c], t.assign[c], t.w[c]
            if not (out[idx[ptr[c] : ptr[c + 1]]] == b).any():
                continue
            if abs(loads[a] - w - t.target[a]) > slack[a]:
                continue
            if abs(loads[b] + w - t.target[b]) > slack[b]:
                continue
            if not _stays_whole(t, out, c, a, stop):
                continue
            out[c] = b
            loads[a] -= w
            loads[b] += w
            again = True
    if t.contiguous(out) and t.within(out, tolerance):
        return out
    return assign


def _excess_flow(
    t: _Today,
    tolerance: float,
    anywhere: bool = False,
    skip: set[tuple[int, int]] | None = None,
) -> tuple[float, dict]:
    """The LP of :func:`moved_workload_bound`: (value, {(a, b): flow});
    ``skip`` leaves those pairs out (a search's blocked borders)."""
    m = len(t.squad_ids)
    if anywhere:
        a, b = np.nonzero(~np.eye(m, dtype=bool))
        pairs = np.column_stack([a, b])
    else:
        pairs = _zone_pairs(t, t.assign)
    if skip:
        pairs = pairs[[(int(a), int(b)) not in skip for a, b in pairs]]
    load = t.loads(t.assign)
    lo, hi = (1 - tolerance) * t.target, (1 + tolerance) * t.target
    if len(pairs) == 0:
        inside = ((load >= lo) & (load <= hi)).all()
        return (0.0 if inside else float("nan")), {}
    k = len(pairs)
    out = sparse.csr_matrix((np.ones(k), (pairs[:, 0], np.arange(k))), shape=(m, k))
    inn = sparse.csr_matrix((np.ones(k), (pairs[:, 1], np.arange(k))), shape=(m, k))
    net = out - inn  # net outflow of each zone
    movable = np.bincount(t.assign[~t.fixed], t.w[~t.fixed], m)
    a_ub = sparse.vstack([net, -net, out]).tocsc()
    b_ub = np.concatenate([load - lo, hi - load, movable])
    res = linprog(np.ones(k), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status != 0:
        return float("nan"), {}
    flows = {
        (int(a), int(b)): float(f)
        for (a, b), f in zip(pairs, res.x, strict=True)
        if f > 1e-9
    }
    return float(res.fun), flows


def moved_workload_bound(t: _Today, tolerance: float, anywhere: bool = False) -> float:
    """Least workload that must change squad for every zone to reach the band.

    A min-cost flow of the excess over today's zone adjacency (each unit of
    workload moved from a zone to a neighbouring one costs 1; contiguity
    ignored; cells that never move held), solved as an LP by HiGHS:
    integrality is not needed for a bound. ``nan`` when the LP is infeasible.

    It bounds every zoning in which each cell that changes squad goes to a
    squad whose zone borders its own today: a cell handed on past a zone
    costs the flow two steps but moves once. :func:`rebalance` only makes
    such moves, except through ``rezone``, its last resort; ``anywhere``
    gives the bound for any move (every pair of zones joined: much weaker,
    a quarter of the other on 萧山 250 m), which the result then reports.
    """
    return _excess_flow(t, tolerance, anywhere)[0]
