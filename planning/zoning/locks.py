"""Locks that conflict: a lock walled off from its base by other squads' locks
(proven, with the fewest locks to lift), or cut off by locks of other squads
in the necks of its zone.

Named at once, so that the planner lifts a lock instead of waiting for a
solver that cannot help.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from planning.zoning.bridge import BRIDGE_HELD_STEPS
from planning.zoning.graph import bfs_hops
from planning.zoning.problem import Problem


def lock_conflicts(
    p: Problem,
    units: np.ndarray,
    label: np.ndarray,
    home: np.ndarray,
    fixed: np.ndarray,
    astray: np.ndarray,
    nbrs: list[np.ndarray],
) -> list[str]:
    """Why locked cells stay cut off from their zones, when the planner's
    locks are the cause: cells locked to other squads sit in the necks
    between the cut-off piece and the rest of the zone (one neck, or a chain
    of them with pieces of the zone in between), and :func:`bridge` found
    no detour that keeps every lock joined. Empty when some lock is cut off
    without such necks."""
    out = []
    for u in np.flatnonzero(astray & (fixed >= 0)).tolist():
        a = int(units[u])
        necks = neck_chain(p, units, label, home, fixed, int(label[u]), a, nbrs)
        if not necks:
            return []
        if len(necks) == 1:
            v = necks[0]
            out.append(
                f"{p.unit_label[u]}, locked to squad {p.squad_ids[a]}, is cut off "
                f"from that squad's zone by {p.unit_label[v]}, locked to squad "
                f"{p.squad_ids[int(units[v])]}: no detour of up to "
                f"{BRIDGE_HELD_STEPS} cells joins it again without cutting the other "
                "lock off; unlock one of them, or lock a way through"
            )
            continue
        out.append(
            f"{p.unit_label[u]}, locked to squad {p.squad_ids[a]}, is cut off from "
            f"that squad's zone by {', '.join(p.unit_label[v] for v in necks)}, "
            "locked to other squads "
            f"({', '.join(dict.fromkeys(p.squad_ids[units[v]] for v in necks))}): "
            f"no detour of up to {BRIDGE_HELD_STEPS} cells joins it again without "
            "cutting those locks off; unlock it or them, or lock a way through"
        )
    return out


def neck_chain(
    p: Problem,
    units: np.ndarray,
    label: np.ndarray,
    home: np.ndarray,
    fixed: np.ndarray,
    piece: int,
    a: int,
    nbrs: list[np.ndarray],
) -> list[int]:
    """The fewest units locked to other squads that join piece ``piece`` of
    zone ``a`` to its home piece, stepping only through pieces of ``a`` and
    such locks (a breadth-first search over pieces); empty if none do."""
    prev: dict[int, tuple[int, int]] = {piece: (-1, -1)}  # piece -> (piece, lock)
    queue = [piece]
    while queue:
        nxt = []
        for lab in queue:
            cells = np.flatnonzero(label == lab)
            touch = np.unique(p.adj[cells].indices)
            for v in touch[(fixed[touch] >= 0) & (units[touch] != a)].tolist():
                for w in nbrs[v].tolist():
                    if units[w] != a or int(label[w]) in prev:
                        continue
                    prev[int(label[w])] = (lab, v)
                    if home[label[w]]:
                        chain, at = [], int(label[w])
                        while prev[at][0] >= 0:
                            chain.append(prev[at][1])
                            at = prev[at][0]
                        return chain[::-1]
                    nxt.append(int(label[w]))
        queue = nxt
    return []


def blocked_locks(
    p: Problem, fixed: np.ndarray, exempt: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Locked units whose squad's base cannot reach them without crossing
    units fixed to other squads (their locks, bases, islands): no contiguous
    zoning keeps such a lock, whatever the solver does, so it is named at
    once with the fewest locks to lift that open a way (a shortest path
    that counts only the other squads' locks it crosses).

    Returns the blocked units and one sentence per squad and set of locks.
    """
    blocked: list[int] = []
    said: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    src, dst = p.arcs
    held = (fixed >= 0) & ~exempt & (p.lock >= 0)  # the planner's locks
    for a in np.unique(fixed[held]).tolist():
        mine = np.flatnonzero(held & (fixed == a))
        allowed = p.allowed[a] | (fixed == a)
        start = np.zeros(p.n_units, bool)
        start[p.base[a]] = True
        reach = bfs_hops(p.adj, start, allowed & ((fixed < 0) | (fixed == a)))
        lost = mine[reach[mine] < 0]
        if len(lost) == 0:
            continue
        blocked.extend(lost.tolist())
        # crossing a unit locked to another squad costs 1, other units ~0;
        # bases and islands of other squads cannot be lifted
        other = (fixed >= 0) & (fixed != a)
        liftable = other & (p.lock >= 0) & ~exempt
        liftable[p.base] = False
        step = np.where(liftable, 1.0, 1e-6)
        ok = allowed[src] & allowed[dst] & (~other[dst] | liftable[dst])
        graph = sparse.csr_matrix(
            (step[dst[ok]], (src[ok], dst[ok])), shape=(p.n_units, p.n_units)
        )
        dist, pred = dijkstra(graph, indices=int(p.base[a]), return_predecessors=True)
        for u in lost.tolist():
            way: list[int] = []
            v = u if np.isfinite(dist[u]) else -9999
            while v >= 0:
                if liftable[v]:
                    way.append(v)
                v = int(pred[v])
            said.setdefault((a, tuple(sorted(way))), []).append(u)
    out = []
    for (a, way), units in said.items():
        # one sentence per squad and way: a wall often shuts several locks off
        if way:
            out.append(
                f"{', '.join(p.unit_label[u] for u in units)}, locked to squad "
                f"{p.squad_ids[a]}, cannot be joined to that squad's base: every way "
                "there crosses cells locked to other squads; unlock "
                f"{', '.join(p.unit_label[v] for v in way)}, or unlock this lock"
            )
        else:
            out.append(
                f"{', '.join(p.unit_label[u] for u in units)}, locked to squad "
                f"{p.squad_ids[a]}, cannot be joined to that squad's base: every way "
                "there crosses cells locked to other squads or their bases; unlock "
                "this lock"
            )
    return np.array(sorted(blocked), dtype=np.int64), out
