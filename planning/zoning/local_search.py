"""Border moves: single units and ejection chains that carry work across
several zones, on true contiguity or on the distance order.

The fast part of every start and of re-zoning: it brings a zoning into the
tolerance band before (or instead of) a CP-SAT solve.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planning.zoning.graph import row_lists, zone_paths
from planning.zoning.problem import Problem


@dataclass(frozen=True)
class Balance:
    """What a border-move search aims for, and until when.

    Parameters
    ----------
    aim
        Balancing stops once every load is within ``±aim`` of its target.
    slack
        Deviations within ``±slack`` cost nothing, so re-zoning leaves
        healthy zones alone.
    band
        Then, if every load is inside ``±band``, border units move to
        cheaper squads while both loads stay inside it; ``None``: no such
        compaction (re-zoning wants few changes).
    deadline
        :func:`time.monotonic` time to stop by.
    """

    aim: float
    slack: float
    band: float | None
    deadline: float

    def penalty(self, dev: np.ndarray | float) -> np.ndarray | float:
        """Squared relative deviation beyond the slack: zones inside it are
        neutral."""
        return np.maximum(0.0, np.abs(dev) - self.slack) ** 2


def _border_moves(
    p: Problem,
    zl: list[int],
    movable: np.ndarray,
    allowed: np.ndarray | None,
    score: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    step: Callable[[int, int, int], bool],
    deadline: float,
) -> int:
    """One sweep of border moves, best first; returns how many were made.

    The loop :func:`balance_moves` and :func:`repair` share: ``score`` rates
    every move of a movable unit ``u`` from its zone ``a`` into a
    neighbouring zone ``b`` at once (negative = better); ``step`` re-checks
    one move against the loads as they now are and makes it if it still
    helps and the zone rules (order or contiguity) allow it.
    """
    z = np.asarray(zl)
    src, dst = p.arcs
    a, b = z[src], z[dst]
    sel = (a != b) & (a >= 0) & (b >= 0) & movable[src]
    u, a, b = src[sel], a[sel], b[sel]
    if allowed is not None:
        ok = allowed[b, u]
        u, a, b = u[ok], a[ok], b[ok]
    gain = score(u, a, b)
    by_gain = np.argsort(gain, kind="stable")
    by_gain = by_gain[gain[by_gain] < 0]
    moved = 0
    for i in by_gain.tolist():
        uu, aa, bb = int(u[i]), int(a[i]), int(b[i])
        if zl[uu] == aa and step(uu, aa, bb):
            moved += 1
        if moved % 64 == 0 and time.monotonic() > deadline:
            break
    return moved


def _descend(
    p: Problem,
    zl: list[int],
    load: list[float],
    movable: np.ndarray,
    allowed: np.ndarray | None,
    move: Callable[[int, int, int], bool],
    goal: Balance,
    stuck: Callable[[], bool] | None = None,
) -> None:
    """Balance, then compact, by border moves (``zl`` and ``load`` in place).

    First minimises the squared relative deviation beyond ``goal.slack`` (so
    surplus diffuses along chains of zones) until every load is within
    ``goal.aim``, calling ``stuck`` (an ejection chain) when no single move
    helps. Then, given a ``goal.band`` that every load is inside, moves
    border units to a squad with less workload x minutes while both loads
    stay inside it. ``move(u, a, b)`` applies one move if the zone rules
    allow it.
    """
    w_arr = p.w
    target = np.where(p.target > 0, p.target, 1.0)
    tl, w = target.tolist(), w_arr.tolist()
    pen, band, deadline = goal.penalty, goal.band, goal.deadline

    def gain(u: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ld = np.asarray(load)
        return (
            pen((ld[a] - w_arr[u] - target[a]) / target[a])
            - pen((ld[a] - target[a]) / target[a])
            + pen((ld[b] + w_arr[u] - target[b]) / target[b])
            - pen((ld[b] - target[b]) / target[b])
        )

    def balances(u: int, a: int, b: int) -> bool:
        d = (
            pen((load[a] - w[u] - tl[a]) / tl[a])
            - pen((load[a] - tl[a]) / tl[a])
            + pen((load[b] + w[u] - tl[b]) / tl[b])
            - pen((load[b] - tl[b]) / tl[b])
        )
        return bool(d < 0) and move(u, a, b)

    while time.monotonic() < deadline:
        dev = (np.asarray(load) - target) / target
        if np.abs(dev).max(initial=0.0) <= goal.aim:
            break
        moved = _border_moves(p, zl, movable, allowed, gain, balances, deadline)
        if moved == 0 and (stuck is None or not stuck()):
            break
    dev = (np.asarray(load) - target) / target
    if band is None or np.abs(dev).max(initial=0.0) > band:
        # compaction would push the zones around those still outside the
        # band to its edges, and leave no room to carry the rest across
        return
    low = ((1 - band) * target).tolist()
    high = ((1 + band) * target).tolist()

    def saving(u: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return p.cost[b, u] - p.cost[a, u]

    def compacts(u: int, a: int, b: int) -> bool:
        return load[a] - w[u] >= low[a] and load[b] + w[u] <= high[b] and move(u, a, b)

    while time.monotonic() < deadline:
        if _border_moves(p, zl, movable, allowed, saving, compacts, deadline) == 0:
            break


def balance_moves(
    p: Problem,
    order: np.ndarray,
    cand: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    start: np.ndarray,
    goal: Balance,
) -> np.ndarray:
    """Local search that moves border units towards balance, keeping the order.

    Gives CP-SAT a complete, usually balanced, hint: on large grids its own
    search rarely repairs a poor one in time. Minimises the sum of squared
    relative deviations, so surplus diffuses along chains of zones, until
    every load is within ``goal.aim`` or no move helps (see
    :class:`Balance` for the slack and the compaction band).
    """
    m = len(p.squad_ids)
    zone = start.copy()
    nbrs = np.split(p.adj.indices, p.adj.indptr[1:-1])
    nbrs = [x.tolist() for x in nbrs]
    orders, cands = row_lists(order), row_lists(cand)
    w = p.w.tolist()
    target = np.where(p.target > 0, p.target, 1.0).tolist()
    got = zone >= 0
    load = np.bincount(zone[got], p.w[got], m).tolist()
    anchored = exempt.copy()
    anchored[p.base] = True
    movable = (fixed < 0) & (p.unit_group >= 0)
    zl = zone.tolist()

    def support(u: int, s: int) -> int:
        ks, k = orders[s], orders[s][u]
        return sum(1 for v in nbrs[u] if zl[v] == s and 0 <= ks[v] < k)

    sup = [support(u, s) if s >= 0 else 0 for u, s in enumerate(zl)]

    def move(u: int, b: int) -> bool:
        """Move ``u`` to zone ``b`` if the order stays intact."""
        a = zl[u]
        kb = orders[b][u]
        if not cands[b][u] or kb < 0:
            return False
        new = support(u, b)
        if new == 0:
            return False
        if a >= 0:
            ka, kas = orders[a][u], orders[a]
            for v in nbrs[u]:
                if zl[v] == a and not anchored[v] and kas[v] > ka and sup[v] < 2:
                    return False
            for v in nbrs[u]:
                if zl[v] == a and kas[v] > ka:
                    sup[v] -= 1
            load[a] -= w[u]
        kbs = orders[b]
        for v in nbrs[u]:
            if zl[v] == b and kbs[v] > kb:
                sup[v] += 1
        zl[u], sup[u] = b, new
        load[b] += w[u]
        return True

    # Attach units the greedy growth never reached to a neighbouring zone.
    changed = True
    while changed:
        changed = False
        for u in np.flatnonzero(movable & (np.asarray(zl) < 0)).tolist():
            for b in sorted(
                {zl[v] for v in nbrs[u]} - {-1}, key=lambda s: load[s] / target[s]
            ):
                if move(u, b):
                    changed = True
                    break

    _descend(
        p, zl, load, movable, None, lambda u, a, b: zl[u] == a and move(u, b), goal
    )
    return np.asarray(zl)


def repair(
    p: Problem,
    fixed: np.ndarray,
    exempt: np.ndarray,
    start: np.ndarray,
    aim: float,
    slack: float,
    band: float | None,
    deadline: float,
) -> np.ndarray:
    """Local search on true contiguity: balance, then relocate for travel.

    Like :func:`balance_moves`, but a unit may leave its zone whenever the rest of
    the zone stays connected (checked by a bounded search around it), not
    only when the distance order allows. The order pins each zone's shortest
    paths to its base: a zone whose spine runs along a border cannot give
    cells across it, and a squad boxed into a quiet corner (two bases in one
    corner, a base on a polder) stays starved although a balanced zoning
    exists. Minimises squared deviation beyond ``slack`` until every load is
    within ``aim``; then, given a ``band``, moves border units to a squad
    with less workload x minutes while both loads stay inside the band (the
    relocate pass that tightens compactness). The result is contiguous but
    need not follow the bases' order: solve it with :func:`order_of_zones`.
    """
    m = len(p.squad_ids)
    zl = start.tolist()
    nbrs = [x.tolist() for x in np.split(p.adj.indices, p.adj.indptr[1:-1])]
    w = p.w.tolist()
    target = np.where(p.target > 0, p.target, 1.0)
    tl = target.tolist()
    got = start >= 0
    load = np.bincount(start[got], p.w[got], m).tolist()
    movable = (fixed < 0) & (p.unit_group >= 0) & ~exempt
    movable[p.base] = False
    solid = ~exempt
    allowed = p.allowed
    src, dst = p.arcs
    goal = Balance(aim, slack, band, deadline)

    def connected_without(u: int, a: int) -> bool:
        """Zone ``a`` minus ``u`` still joins ``u``'s former neighbours."""
        ends = [v for v in nbrs[u] if zl[v] == a and solid[v]]
        if len(ends) <= 1:
            return True
        goal = set(ends[1:])
        seen = {u, ends[0]}
        frontier = [ends[0]]
        budget = 4000
        while frontier and budget > 0:
            nxt = []
            for x in frontier:
                for y in nbrs[x]:
                    if y not in seen and zl[y] == a:
                        seen.add(y)
                        goal.discard(y)
                        nxt.append(y)
                        budget -= 1
            if not goal:
                return True
            frontier = nxt
        return not goal

    def move(u: int, a: int, b: int) -> bool:
        if not any(zl[v] == b and solid[v] for v in nbrs[u]):
            return False
        if not connected_without(u, a):
            return False
        zl[u] = b
        load[a] -= w[u]
        load[b] += w[u]
        return True

    def total() -> float:
        return float(goal.penalty((np.asarray(load) - target) / target).sum())

    def chain() -> bool:
        """Ejection chain: shift work along a path of zones, one unit a step.

        Single moves stall when the cells are coarse next to the deviations
        left: a zone short of work borders only zones short too. A chain
        carries work from the nearest zone on the other side of its target
        through the zones between, each giving one border unit and taking
        one, and is kept only if the squared deviation falls.
        """
        z = np.asarray(zl)
        dev = (np.asarray(load) - target) / target
        a, b = z[src], z[dst]
        cross = (a != b) & (a >= 0) & (b >= 0)
        zn: list[set[int]] = [set() for _ in range(m)]
        for x, y in zip(a[cross].tolist(), b[cross].tolist(), strict=True):
            zn[x].add(y)
        for d in np.argsort(-np.abs(dev))[:8].tolist():
            if abs(dev[d]) <= aim or time.monotonic() > deadline:
                break
            short = dev[d] < 0
            across = ((dev > 0) == short) & (np.abs(dev) > 0.25 * aim)
            for path in zone_paths(zn, d, across)[:6]:
                end = path[0]
                # path runs end -> ... -> d: work flows to d when d is short
                pairs = list(zip(path[:-1], path[1:], strict=True))
                if not short:
                    pairs = [(r, g) for g, r in reversed(pairs)]
                amount = min(abs(dev[d]) * tl[d], abs(dev[end]) * tl[end])
                if try_chain(pairs, amount, z):
                    return True
        return False

    def try_chain(pairs: list[tuple[int, int]], amount: float, z: np.ndarray) -> bool:
        """Apply one chain of (giver, taker) moves; undo it unless it helps."""
        before = total()
        done: list[tuple[int, int, int]] = []
        ok = True
        for giver, taker in pairs:
            best_u, best_gap = -1, math.inf
            for u in np.flatnonzero((z == giver) & movable).tolist():
                if zl[u] != giver or not allowed[taker, u]:
                    continue
                if not any(zl[v] == taker and solid[v] for v in nbrs[u]):
                    continue
                gap = abs(w[u] - amount)
                if gap < best_gap and connected_without(u, giver):
                    best_u, best_gap = u, gap
            if best_u < 0 or not move(best_u, giver, taker):
                ok = False
                break
            done.append((best_u, giver, taker))
        if ok and total() < before - 1e-12:
            return True
        for u, giver, taker in reversed(done):
            zl[u] = giver
            load[taker] -= w[u]
            load[giver] += w[u]
        return False

    _descend(p, zl, load, movable, allowed, move, goal, chain)
    return np.asarray(zl)
