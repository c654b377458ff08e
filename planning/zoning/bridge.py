"""Reconnecting a zone the planner's edits cut: the detour, of a few shortest,
that moves the fewest units, counting what it cuts off other zones.

A piece that no detour saves goes to its neighbours (see
:mod:`planning.zoning.rezone`).
"""

from __future__ import annotations

import numpy as np

from planning.zoning.graph import piece_labels
from planning.zoning.problem import Problem, zone_piece_labels

# Longest detour (cells) that reconnects a piece cut off from its zone; a
# piece holding a planner's lock cannot be handed away, so it may go further.
_BRIDGE_STEPS = 6
BRIDGE_HELD_STEPS = 16
_BRIDGE_TRIES = 6


def bridge(
    p: Problem,
    units: np.ndarray,
    label: np.ndarray,
    lab: int,
    fixed: np.ndarray,
    exempt: np.ndarray,
    nbrs: list[np.ndarray],
    banned: set[int] | None = None,
    depth: int = 1,
) -> bool:
    """Reconnect a piece cut off from its zone by the shortest path of units.

    A cell the planner moves out of a narrow part of a zone cuts it in two;
    giving the cut-off piece away would move hundreds of cells, while a
    detour of two or three cells around the moved one keeps the zone whole.
    A piece holding a locked cell cannot be given away, so it is bridged
    however small it is, even if the path cuts the zones it crosses (by the
    path, of a few shortest ones, that moves the fewest cells, counting
    those it cuts off). A free piece is bridged if the path cuts nothing
    off, or, when the piece is big, if it moves far fewer cells than handing
    the piece over would. If a path cuts another zone's lock off, that
    lock's piece is bridged in turn (``depth`` levels, never across this
    path). True when reconnected.
    """
    piece = np.flatnonzero(label == lab)
    a = int(units[piece[0]])
    if a < 0 or (len(piece) <= 3 and (fixed[piece] < 0).all()):
        return False  # small free pieces are cheaper to hand to a neighbour
    home = label == label[p.base[a]]
    held = bool((fixed[piece] >= 0).any())
    big = len(piece) > 2 * BRIDGE_HELD_STEPS
    steps = BRIDGE_HELD_STEPS if held or big else _BRIDGE_STEPS
    banned = set() if banned is None else set(banned)
    m = len(p.squad_ids)
    best: tuple[int, np.ndarray] | None = None
    for _ in range(_BRIDGE_TRIES):
        path = _bridge_path(
            p, units, label, lab, piece, home, fixed, exempt, nbrs, a, steps, banned
        )
        if not path:
            break
        saved = units.copy()
        banned.update(path)
        # judged by piece counts, not by contiguity: after several planner
        # moves other zones (and ``a`` itself) may still be cut elsewhere
        before = piece_labels(p.adj, units, m, exempt)
        old = units[path].copy()
        units[path] = a
        losers = np.unique(old)
        losers = losers[(losers >= 0) & (losers != a)]
        after = piece_labels(p.adj, units, m, exempt)
        if after[a] >= before[a]:
            units[:] = saved
            continue
        # what the path cuts off the zones it crosses is handed to their
        # neighbours afterwards, like any cut piece: the path's cost
        cut = _astray(p, units, losers, exempt) - _astray(p, saved, losers, exempt)
        cost = len(path) + cut
        # a locked piece must rejoin its zone (by the cheapest path found);
        # a free one if the path cuts nothing, or, for a big piece, if it
        # moves far fewer cells than handing the piece over would
        if held or cut == 0 or (big and cost < len(piece) // 2):
            joined = _locks_reach_base(p, units, fixed, exempt, losers) or (
                depth > 0
                and _rebridge_locks(
                    p, units, fixed, exempt, nbrs, losers, banned, depth
                )
            )
            if joined and (best is None or cost < best[0]):
                best = (cost, units.copy())
        units[:] = saved
        if best is not None and best[0] == len(path):
            break  # nothing cut: no later (longer) path does better
    if best is None:
        return False
    units[:] = best[1]
    return True


def off_base(
    p: Problem, units: np.ndarray, zones: np.ndarray, exempt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Same-zone piece labels, and the mask of units of ``zones`` (apart from
    ``exempt``) whose piece does not hold their zone's base."""
    solid = ~exempt
    label = zone_piece_labels(p, units, (units >= 0) & solid)
    member = np.zeros(len(p.squad_ids), bool)
    member[zones] = True
    mine = (units >= 0) & member[np.maximum(units, 0)] & solid
    return label, mine & (label != label[p.base[np.maximum(units, 0)]])


def _astray(
    p: Problem, units: np.ndarray, zones: np.ndarray, exempt: np.ndarray
) -> int:
    """How many units of ``zones`` are cut off from their zone's base."""
    return int(off_base(p, units, zones, exempt)[1].sum())


def _rebridge_locks(
    p: Problem,
    units: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    nbrs: list[np.ndarray],
    zones: np.ndarray,
    banned: set[int],
    depth: int,
) -> bool:
    """Bridge every piece of ``zones`` that holds a lock but lost its way to
    the base (a path for another zone cut it), keeping off ``banned``."""
    for _ in range(len(zones) + 1):
        label, cut = _cut_locks(p, units, fixed, exempt, zones)
        if len(cut) == 0:
            return True
        if not bridge(
            p,
            units,
            label,
            int(label[cut[0]]),
            fixed,
            exempt,
            nbrs,
            banned,
            depth - 1,
        ):
            return False
    return False


def _bridge_path(
    p: Problem,
    units: np.ndarray,
    label: np.ndarray,
    lab: int,
    piece: np.ndarray,
    home: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    nbrs: list[np.ndarray],
    a: int,
    steps: int,
    banned: set[int],
) -> list[int]:
    """Shortest path of free units (not in ``banned``) from ``piece`` to
    squad ``a``'s home piece, at most ``steps`` long; empty if none."""
    prev = {int(u): -1 for u in piece}
    queue = [int(u) for u in piece]
    end = -1
    for _ in range(steps):
        nxt = []
        for x in queue:
            for y in nbrs[x].tolist():
                if y in prev:
                    continue
                if home[y]:
                    end = x
                    break
                if (
                    y in banned
                    or fixed[y] >= 0
                    or exempt[y]
                    or not p.allowed[a, y]
                    or units[y] < 0
                ):
                    continue
                prev[y] = x
                nxt.append(y)
            if end >= 0:
                break
        if end >= 0:
            break
        queue = nxt
    path: list[int] = []
    while end >= 0 and label[end] != lab:
        path.append(end)
        end = prev[end]
    return path


def _locks_reach_base(
    p: Problem,
    units: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    zones: np.ndarray,
) -> bool:
    """Every locked unit of ``zones`` is still joined to its zone's base: a
    path bridging one zone may cut others, but never off a planner's lock
    (that piece could not be handed to a neighbour)."""
    return len(_cut_locks(p, units, fixed, exempt, zones)[1]) == 0


def _cut_locks(
    p: Problem,
    units: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    zones: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Same-zone piece labels, and the locked units of ``zones`` whose piece
    does not hold their zone's base."""
    label, off = off_base(p, units, zones, exempt)
    return label, np.flatnonzero(off & (fixed >= 0))
