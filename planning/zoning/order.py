"""The distance order that makes zones contiguous, and the candidate squads of
each unit.

Each unit may only go to a few candidate squads (its ``k`` nearest by
travel, its locked squad, and the units on a path back to each candidate's
base). Contiguity is imposed by a *distance order*: every squad has an order
on units (graph hops from its base); a non-base unit assigned to squad ``s``
needs a neighbour of strictly smaller order also assigned to ``s``.
Following smaller neighbours always ends at the base, so every zone is
connected. The order excludes some exotic zone shapes, which is why a proven
infeasibility is retried with more candidates (:func:`attempts`) before it
is reported.

Islands. Units that no squad can reach through units it may serve (offshore
islands, gaps in the grid, or cut off by nesting / reach) are *islands*:
each is assigned whole to the squad with the least travel to it, exempt from
contiguity, and reported; it is never silently joined.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import sparse

from planning.zoning.graph import bfs_hops
from planning.zoning.problem import Problem, zone_piece_labels
from planning.zoning.settings import ZoningSettings

# Re-zoning attempts when the quick local repair fails, widened while they
# admit no balanced zoning: (rings of neighbouring zones around the zones in
# trouble, hops a cell may move).
_REZONE_STEPS = ((0, 2), (1, 2), (2, 4))


def order_from_bases(p: Problem) -> np.ndarray:
    """Order of each squad: hops from its base through units it may serve."""
    order = np.full((len(p.squad_ids), p.n_units), -1, dtype=np.int32)
    for s, b in enumerate(p.base):
        allowed = p.allowed[s].copy()
        allowed[b] = True
        src = np.zeros(p.n_units, bool)
        src[b] = True
        order[s] = bfs_hops(p.adj, src, allowed)
    return order


def order_of_zones(
    p: Problem, tolerance: float, cur: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order that the current zones (or ``cur``) satisfy.

    A squad's current cells connected to its base come first, in hops from
    the base inside the zone, then other cells by hops from the zone. Returns
    the order, those hops from the zone, and which zones are in trouble
    (load outside the tolerance, cut in pieces, or next to unzoned cells).
    """
    cur = p.cur if cur is None else cur
    m, n_units = len(p.squad_ids), p.n_units
    order = np.full((m, n_units), -1, dtype=np.int32)
    hops = np.full((m, n_units), -1, dtype=np.int32)
    trouble = np.zeros(m, bool)
    got = cur >= 0
    load = np.bincount(cur[got], p.w[got], m)
    for s, b in enumerate(p.base):
        allowed = p.allowed[s].copy()
        allowed[b] = True
        src = np.zeros(n_units, bool)
        src[b] = True
        d_in = bfs_hops(p.adj, src, allowed & ((cur == s) | src))
        inside = d_in >= 0
        hops[s] = bfs_hops(p.adj, inside, allowed)
        order[s] = np.where(
            inside, d_in, np.where(hops[s] > 0, d_in.max() + hops[s], -1)
        )
        trouble[s] = ((cur == s) & ~inside).any()
    trouble |= np.abs(load - p.target) > tolerance * p.target
    src, dst = p.arcs
    lost = (cur[src] < 0) & (p.unit_group[src] >= 0) & (cur[dst] >= 0)
    trouble[cur[dst[lost]]] = True
    return order, hops, trouble


def _rezone_candidates(
    p: Problem, hops: np.ndarray, trouble: np.ndarray, band: int, rings: int
) -> np.ndarray:
    """Who may take each unit when re-zoning: only zones near the trouble.

    Zones in trouble and ``rings`` rings of their neighbouring zones may swap
    units within ``band`` hops of each other; every other unit stays put.
    """
    m = len(p.squad_ids)
    src, dst = p.arcs
    a, b = p.cur[src], p.cur[dst]
    touch = (a >= 0) & (b >= 0) & (a != b)
    near = sparse.csr_matrix(
        (np.ones(int(touch.sum())), (a[touch], b[touch])), shape=(m, m)
    )
    involved = trouble.copy()
    for _ in range(rings):
        involved |= (near @ involved.astype(float)) > 0
    cur_ok = np.where(p.cur >= 0, involved[np.maximum(p.cur, 0)], True)
    cand = (hops > 0) & (hops <= band) & involved[:, None] & cur_ok[None, :]
    have = np.flatnonzero(p.cur >= 0)
    cand[p.cur[have], have] |= hops[p.cur[have], have] == 0
    return cand


def nearest_candidates(p: Problem, order: np.ndarray, k: int) -> np.ndarray:
    """Mask of the ``k`` nearest squads (by travel) that can reach each unit."""
    r = np.where(order >= 0, p.rank, np.inf)
    ranked = np.argsort(r, axis=0, kind="stable")[:k]
    cand = np.zeros_like(order, dtype=bool)
    cols = np.broadcast_to(np.arange(p.n_units), ranked.shape)
    ok = np.isfinite(np.take_along_axis(r, ranked, axis=0))
    cand[ranked[ok], cols[ok]] = True
    return cand


def enough_candidates(p: Problem, order: np.ndarray, factor: float) -> np.ndarray:
    """Mask giving each squad its nearest units up to ``factor`` x its target.

    Cell-side candidates (each unit's nearest squads) starve a squad whose
    base lies in a quiet corner (a reclaimed polder, a forest): no busy cell
    has it among its nearest, so no zoning can fill it and the model is
    infeasible although a balanced zoning exists. Squad-side candidates fix
    that: every squad may reach out until enough work is in its candidates.
    """
    cand = np.zeros_like(order, dtype=bool)
    for s in range(len(p.squad_ids)):
        ok = np.flatnonzero(order[s] >= 0)
        ranked = ok[np.argsort(p.rank[s, ok], kind="stable")]
        cum = np.cumsum(p.w[ranked])
        stop = int(np.searchsorted(cum, factor * p.target[s])) + 1
        cand[s, ranked[:stop]] = True
    return cand


def with_paths(p: Problem, order: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Candidates plus, for each, a path of smaller-order units to the base.

    Without the path a candidate could never satisfy the order constraint.
    Also gives every reachable unit with no candidate its 4 nearest squads.
    """
    cand = cand | (nearest_candidates(p, order, 4) & ~cand.any(axis=0)[None, :])
    cand &= order >= 0
    src, dst = p.arcs
    for s in range(len(p.squad_ids)):
        k = order[s]
        cand[s, p.base[s]] = True
        ok = (k[src] >= 0) & (k[dst] > k[src])
        pred = np.full(p.n_units, -1)
        pred[dst[ok]] = src[ok]
        valid = np.flatnonzero(k > 0)
        by_level = valid[np.argsort(k[valid], kind="stable")]
        levels = k[by_level]
        top = int(levels[-1]) if len(levels) else 0
        starts = np.searchsorted(levels, np.arange(1, top + 2))
        row = cand[s]
        for level in range(top, 0, -1):
            group = by_level[starts[level - 1] : starts[level]]
            sel = group[row[group]]
            if len(sel):
                row[pred[sel]] = True
    return cand


def assign_islands(
    p: Problem, order: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Squad for each island unit (-1 elsewhere) and the island unit groups.

    An island is a connected set of units no squad can reach through units it
    may serve; it goes whole to the squad with the least travel cost to it.
    """
    island = (order < 0).all(axis=0) & (p.unit_group >= 0)
    out = np.full(p.n_units, -1, dtype=int)
    if not island.any():
        return out, []
    label = zone_piece_labels(p, p.unit_group, island)
    groups = []
    for lab in np.unique(label[island]):
        units = np.flatnonzero(island & (label == lab))
        ok = p.squad_group == p.unit_group[units[0]]
        total = np.where(ok, p.cost[:, units].sum(axis=1), np.inf)
        out[units] = int(np.argmin(total))
        groups.append(units)
    return out, groups


def widen(p: Problem, cand: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``cand`` widened by the squads of each unit's neighbours."""
    return cand | ((p.adj @ cand.T.astype(np.int32)).T > 0) & (order >= 0)


def attempts(
    p: Problem, base_order: np.ndarray, settings: ZoningSettings, rezoning: bool
) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray, bool]]:
    """Models to try in turn, from the tightest to the widest candidate set.

    Each is ``(label, order, candidates, local_search_candidates,
    minimise_moves)``, built only when reached. The local search may use
    every permitted squad: it is cheap, and a balanced start it finds joins
    the candidates.
    """
    m = len(p.squad_ids)
    lock_mask = np.zeros_like(base_order, dtype=bool)
    held = np.flatnonzero(p.lock >= 0)
    lock_mask[p.lock[held], held] = True
    if rezoning:
        order, hops, trouble = order_of_zones(p, settings.tolerance)
        for rings, band in _REZONE_STEPS:
            cand = _rezone_candidates(p, hops, trouble, band, rings)
            cand = with_paths(p, order, cand | lock_mask)
            label = f"zones within {rings} zone(s) and {band} cells of the trouble"
            yield label, order, cand, cand, True
        ks = [m]
    else:
        k = max(1, settings.candidates)
        ks = sorted({min(m, k), min(m, 2 * k), m})
    for k in ks:
        cand = nearest_candidates(p, base_order, k) | lock_mask
        if k < m:
            cand |= enough_candidates(p, base_order, 1.5)
        if rezoning:
            have = np.flatnonzero(p.cur >= 0)
            cand[p.cur[have], have] = True
        label = "every squad" if k == m else f"{k} nearest squads"
        yield label, base_order, cand, base_order >= 0, rezoning
