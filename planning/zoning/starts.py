"""Starting zonings that keep the distance order: greedy growth, priced flood
and the balanced start CP-SAT gets as a hint.

Used where the LP start (:mod:`planning.zoning.lp`) would not fit the time
or stays outside the band. Balancing by order-keeping moves matters where a
zone's shortest paths pin it (two bases in one corner, a base in a quiet
polder).
"""

from __future__ import annotations

import heapq
import time

import numpy as np

from planning.zoning.graph import row_lists
from planning.zoning.local_search import Balance, balance_moves
from planning.zoning.problem import Problem, is_balanced, worst_excess


def greedy_growth(
    p: Problem,
    order: np.ndarray | None,
    cand: np.ndarray,
    fixed: np.ndarray,
    score: np.ndarray | None = None,
) -> np.ndarray:
    """Balanced region growing: the CP-SAT hint, and the LP start's rounding.

    The zone furthest below its target grows next, by its eligible unit of
    least ``score`` (minutes by default); given a distance ``order`` it only
    claims neighbours of larger order. Units it never reaches stay -1 (a
    partial hint).
    """
    m = len(p.squad_ids)
    hint = fixed.copy()
    load = np.bincount(hint[hint >= 0], p.w[hint >= 0], m)
    target = np.where(p.target > 0, p.target, 1.0)
    indptr, indices = p.adj.indptr, p.adj.indices
    orders = row_lists(order) if order is not None else None
    cands, scores = row_lists(cand), row_lists(p.rank if score is None else score)
    heaps: list[list[tuple[float, int]]] = [[] for _ in range(m)]

    def push(s: int, u: int) -> None:
        cs, sc = cands[s], scores[s]
        ks = orders[s] if orders is not None else None
        for v in indices[indptr[u] : indptr[u + 1]].tolist():
            if hint[v] < 0 and cs[v] and (ks is None or ks[v] > ks[u]):
                heapq.heappush(heaps[s], (sc[v], v))

    for u in np.flatnonzero(hint >= 0).tolist():
        if orders is None or orders[hint[u]][u] >= 0:
            push(int(hint[u]), u)
    active = [(load[s] / target[s], s) for s in range(m)]
    heapq.heapify(active)
    while active:
        _, s = heapq.heappop(active)
        heap = heaps[s]
        while heap and hint[heap[0][1]] >= 0:
            heapq.heappop(heap)
        if not heap:
            continue
        _, v = heapq.heappop(heap)
        hint[v] = s
        load[s] += p.w[v]
        push(s, v)
        heapq.heappush(active, (load[s] / target[s], s))
    return hint


def _priced(
    p: Problem,
    order: np.ndarray,
    cand: np.ndarray,
    fixed: np.ndarray,
    aim: float,
    deadline: float,
) -> np.ndarray:
    """Priced simultaneous growth: a start near the contiguity-free LP optimum.

    Zones grow together, each unit going to the first zone to claim it in
    order of ``minutes - price`` (see :func:`flood_fill`); prices fall for zones
    above target and rise below it (subgradient steps on the Lagrangian dual
    of balanced assignment). On 50-squad county grids this starts CP-SAT
    several percent closer to the LP bound than balanced greedy growth,
    which large models rarely recover in the time limit. Returns the most
    balanced growth found; :func:`balance_moves` finishes it.
    """
    m = len(p.squad_ids)
    target = np.where(p.target > 0, p.target, 1.0)
    free = (fixed < 0) & (p.unit_group >= 0)
    near = np.where((order >= 0) & cand, p.rank, np.inf).min(axis=0)
    ok = free & np.isfinite(near)
    w = p.w[ok] + 1e-9
    step0 = max(1e-3, float(np.average(near[ok], weights=w))) if ok.any() else 1.0
    price = np.zeros(m)
    best, best_dev = fixed, np.inf
    for it in range(40):
        units = flood_fill(p, order, cand, fixed, p.rank - price[:, None])
        got = units >= 0
        load = np.bincount(units[got], p.w[got], m)
        dev = (load - target) / target
        worst = float(np.abs(dev).max())
        if worst < best_dev:
            best, best_dev = units, worst
        if worst <= aim or time.monotonic() > deadline:
            break
        price -= 0.5 * step0 * 0.95**it * np.clip(dev, -1.0, 1.0)
    return best


def flood_fill(
    p: Problem,
    order: np.ndarray | None,
    cand: np.ndarray,
    fixed: np.ndarray,
    score: np.ndarray,
) -> np.ndarray:
    """Grow all zones at once, cheapest ``score`` claim first.

    With ``minutes - price`` as the score the split follows the priced
    (weighted Voronoi) one. Given a distance ``order``, a zone only claims
    neighbours of larger order, so every zone satisfies the CP-SAT distance
    order. Units nobody reaches stay -1 for :func:`balance_moves`.
    """
    start = fixed.copy()
    indptr, indices = p.adj.indptr, p.adj.indices
    orders = row_lists(order) if order is not None else None
    cands, scores = row_lists(cand), row_lists(score)
    heap: list[tuple[float, int, int]] = []

    def push(s: int, u: int) -> None:
        cs, sc = cands[s], scores[s]
        ks = orders[s] if orders is not None else None
        for v in indices[indptr[u] : indptr[u + 1]].tolist():
            if start[v] < 0 and cs[v] and (ks is None or ks[v] > ks[u]):
                heapq.heappush(heap, (sc[v], s, v))

    for u in np.flatnonzero(fixed >= 0).tolist():
        if orders is None or orders[fixed[u]][u] >= 0:
            push(int(fixed[u]), u)
    while heap:
        _, s, v = heapq.heappop(heap)
        if start[v] < 0:
            start[v] = s
            push(s, v)
    return start


def ordered_start(
    p: Problem,
    order: np.ndarray,
    cand: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    moves: bool,
    tolerance: float,
    deadline: float,
) -> np.ndarray:
    """Starting zoning for the hint: current, or priced or greedy growth,
    then balanced. From scratch, the fallback to the LP start."""
    if moves:
        keep = (p.cur >= 0) & (order[np.maximum(p.cur, 0), np.arange(p.n_units)] >= 0)
        start = np.where(fixed >= 0, fixed, np.where(keep, p.cur, -1))
        keep_healthy = Balance(0.9 * tolerance, 0.9 * tolerance, None, deadline)
        return balance_moves(p, order, cand, fixed, exempt, start, keep_healthy)
    aim = 0.5 * tolerance
    goal = Balance(aim, 0.0, 0.9 * tolerance, deadline)
    # Priced start first: near the LP optimum where work is spread evenly. The
    # greedy growth is the fallback when pricing and repair leave it unbalanced.
    now = time.monotonic()
    priced = _priced(p, order, cand, fixed, aim, now + 0.3 * (deadline - now))
    start = balance_moves(p, order, cand, fixed, exempt, priced, goal)
    if is_balanced(p, start, tolerance) or time.monotonic() >= deadline:
        return start
    greedy = greedy_growth(p, order, cand, fixed)
    other = balance_moves(p, order, cand, fixed, exempt, greedy, goal)
    return other if worst_excess(p, other) < worst_excess(p, start) else start
