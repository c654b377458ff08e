"""Large-neighbourhood search: re-solve a few adjacent zones at a time with
CP-SAT on exact contiguity.

The distance order pins shapes CP-SAT could improve, and single border moves
stall where units are coarse. Paths of zones that carry work from a zone
outside the band to one with room are re-solved first, then pairs and
triangles of zones for travel. Part of the time limit is kept for it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import numpy as np
from ortools.sat.python import cp_model

from planning.cpsat import Stall, StallWatch, new_solver, solve_watched
from planning.zoning.graph import bfs_hops, contiguous_zones, zone_paths
from planning.zoning.local_search import repair
from planning.zoning.problem import Problem, Run, zone_piece_labels
from planning.zoning.settings import tolerance_text

# Zone neighbourhood search (:func:`search_neighbourhoods`): most free units
# per re-solved neighbourhood, CP-SAT seconds per neighbourhood (and without
# improvement), most zones on a path that carries work from a zone outside
# the band to one with room.
_LNS_UNITS = 250
_LNS_SECONDS = 2.0
_LNS_STALL = 0.6
_LNS_PATH = 7
# Most zones around a zone outside the band re-solved with it at once.
_LNS_STAR = 8
# Seconds of border moves after each neighbourhood that eased the balance.
_LNS_REPAIR_SECONDS = 1.0
# Passes over the balance neighbourhoods, each with doubled solve times.
_LNS_PASSES = 2
# The search for travel stops once a window of max(3 s, 10% of the time
# limit) lowered travel by 0.1% or less: the last seconds would buy a
# planner nothing they could see, and the window would sit waiting.
_LNS_STALL_SECONDS = 3.0
_LNS_STALL_SHARE = 0.1
LNS_STALL_GAIN = 1e-3


def zone_neighbours(p: Problem, units: np.ndarray) -> list[set[int]]:
    """Zones sharing a border with each zone."""
    src, dst = p.arcs
    a, b = units[src], units[dst]
    cross = (a != b) & (a >= 0) & (b >= 0)
    near: list[set[int]] = [set() for _ in range(len(p.squad_ids))]
    for x, y in zip(a[cross].tolist(), b[cross].tolist(), strict=True):
        near[x].add(y)
    return near


def excess_load(p: Problem, units: np.ndarray, tolerance: float) -> np.ndarray:
    """Minutes of each zone's load outside its ``±tolerance`` band."""
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    return np.maximum(0.0, np.abs(load - p.target) - tolerance * p.target)


def _free_units(
    p: Problem, units: np.ndarray, inside: np.ndarray, free: np.ndarray
) -> np.ndarray:
    """``free`` units of a neighbourhood, cut to those nearest the inner borders.

    Three zones of a 48k-cell grid hold ~3,000 cells; CP-SAT only helps
    within a second or two when the free units are a few hundred, and the
    moves that pay lie along the borders between the zones anyway.
    """
    if free.sum() <= _LNS_UNITS:
        return free
    src, dst = p.arcs
    edge = inside[src] & inside[dst] & (units[src] != units[dst])
    border = np.zeros(p.n_units, bool)
    border[src[edge]] = True
    hops = bfs_hops(p.adj, border, inside)
    ok = free & (hops >= 0)
    counts = np.bincount(hops[ok])
    limit = int(np.searchsorted(np.cumsum(counts), _LNS_UNITS, side="right"))
    return ok & (hops < max(1, limit))


def resolve_zones(
    run: Run,
    units: np.ndarray,
    zones: list[int],
    seconds: float,
    stall: float = _LNS_STALL,
    stay: np.ndarray | None = None,
) -> np.ndarray | None:
    """Re-solve the cells of a few adjacent ``zones`` with CP-SAT; ``None``
    unless the result is better.

    The cells of those zones go to those squads only, so every other zone is
    untouched. Contiguity is exact (not the distance order of :func:`solve_ordered`):
    each cell of a zone but its base has a parent among the zone's cells one
    level nearer the base, so the parents form a tree. Fixed cells (bases,
    locks) and free cells far from the inner borders are contracted into one
    node per connected piece, so the model stays small. Minimises the worst
    zone's load outside the band, then the total outside it, then workload x
    minutes; accepted only if that triple falls (lexicographically). With
    ``stay`` (re-zoning: the planner's zoning) the units that leave their
    ``stay`` zone come between the load and the minutes, so a re-solve that
    balances moves as few cells as it can.
    """
    p, fixed, exempt = run.problem, run.fixed, run.exempt
    settings, tolerance = run.settings, run.settings.tolerance
    m = len(p.squad_ids)
    member = np.zeros(m, bool)
    member[zones] = True
    inside = (units >= 0) & member[np.maximum(units, 0)]
    solid = ~exempt
    free = inside & solid & (fixed < 0) & (p.unit_group >= 0)
    free = _free_units(p, units, inside, free)
    free_idx = np.flatnonzero(free)
    if len(free_idx) == 0:
        return None
    # nodes: each free unit, and each connected same-zone piece of the rest
    pinned = inside & solid & ~free
    src, dst = p.arcs
    label = zone_piece_labels(p, units, pinned)
    pin_idx = np.flatnonzero(pinned)
    pieces, piece_of = np.unique(label[pin_idx], return_inverse=True)
    n_free, n_nodes = len(free_idx), len(free_idx) + len(pieces)
    node = np.full(p.n_units, -1, dtype=np.int64)
    node[free_idx] = np.arange(n_free)
    node[pin_idx] = n_free + piece_of
    piece_zone = np.zeros(len(pieces), dtype=np.int64)
    piece_zone[piece_of] = units[pin_idx]
    keep = (node[src] >= 0) & (node[dst] >= 0) & (node[src] != node[dst])
    arcs = np.unique(np.column_stack([node[src[keep]], node[dst[keep]]]), axis=0)

    # who may take each node: free units any permitted zone, pieces their own
    may = np.zeros((len(zones), n_nodes), bool)
    for i, s in enumerate(zones):
        may[i, :n_free] = p.allowed[s, free_idx]
        may[i, n_free:] = piece_zone == s
    if not may[:, :n_free].any(axis=0).all():
        return None
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(len(zones)):
        for v in np.flatnonzero(may[i, :n_free]).tolist():
            x[i, v] = model.new_bool_var("")
    for v in range(n_free):
        model.add_exactly_one(x[i, v] for i in range(len(zones)) if may[i, v])

    def taken(i: int, v: int) -> cp_model.LinearExprT:
        return x[i, v] if v < n_free else 1

    # exact contiguity: every taken node but the base picks a parent among
    # its taken neighbours, one level nearer the base (so no cycles); CP-SAT
    # finds improvements far faster with this than with a flow from the base
    cur_node = np.concatenate([units[free_idx], piece_zone])
    hints: list[tuple[cp_model.IntVar, int]] = []
    for i, s in enumerate(zones):
        ok = may[i, arcs[:, 0]] & may[i, arcs[:, 1]]
        sub = arcs[ok]
        cap = int(may[i].sum())
        root = int(node[p.base[s]])
        level = {
            v: model.new_int_var(0 if v == root else 1, cap, "")
            for v in np.flatnonzero(may[i]).tolist()
        }
        arc_var = [model.new_bool_var("") for _ in range(len(sub))]
        parents: dict[int, list] = {}
        for var, (a, b) in zip(arc_var, sub.tolist(), strict=True):
            if b == root:
                model.add(var == 0)
                continue
            if a < n_free:
                model.add_implication(var, x[i, a])
            model.add(level[b] >= level[a] + 1).only_enforce_if(var)
            parents.setdefault(b, []).append(var)
        for v in level:
            if v == root:
                continue
            if v not in parents:
                if v >= n_free:
                    return None  # a pinned piece with no way to its base
                model.add(x[i, v] == 0)
                continue
            model.add(sum(parents[v]) == taken(i, v))
        # hint: a breadth-first tree of the current zone
        mine = set(np.flatnonzero(may[i] & (cur_node == s)).tolist())
        parent = {root: -1}
        depth = {root: 0}
        visit = [root]
        nbr: dict[int, list[int]] = {}
        for a, b in sub.tolist():
            if a in mine and b in mine:
                nbr.setdefault(a, []).append(b)
        for a in visit:
            for b in nbr.get(a, []):
                if b not in parent:
                    parent[b] = a
                    depth[b] = depth[a] + 1
                    visit.append(b)
        for var, (a, b) in zip(arc_var, sub.tolist(), strict=True):
            hints.append((var, int(parent.get(b) == a)))
        for v, var in level.items():
            hints.append((var, depth.get(v, 1)))

    # loads and band in integer units, the band shrunk by the rounding
    target = p.target[zones]
    scale = 1e6 / max(float(target.max()), 1e-9)
    w_node = np.concatenate([p.w[free_idx], np.bincount(piece_of, p.w[pin_idx])])
    w_int = np.round(w_node * scale).astype(np.int64)
    margin = float(np.abs(w_int - w_node * scale).sum())
    other = inside & ~solid  # exempt units: constant loads
    cost_free = p.cost[np.asarray(zones)][:, free_idx]
    c_scale = 1e5 / max(float(cost_free.max()) * n_free, 1e-9)
    c_int = np.round(cost_free * c_scale).astype(np.int64)
    penalty = int(c_int.max(axis=0).sum()) + 1
    # the worst zone's relative excess first: an L1 objective alone piles
    # the shortfall of a whole neighbourhood onto one zone
    rel = np.round(1000.0 * target.max() / np.maximum(target, 1e-9)).astype(int)
    top = model.new_int_var(0, 10**7 * int(rel.max()), "")
    terms = [penalty * len(zones) * top]
    hinted: list[int] = []
    for i, s in enumerate(zones):
        const = float(p.w[other & (units == s)].sum()) * scale
        lo = math.ceil(target[i] * (1 - tolerance) * scale + margin - const)
        hi = math.floor(target[i] * (1 + tolerance) * scale - margin - const)
        load = sum(int(w_int[v]) * taken(i, v) for v in np.flatnonzero(may[i]).tolist())
        over = model.new_int_var(0, 10**7, "")
        under = model.new_int_var(0, 10**7, "")
        model.add(load - over <= hi)
        model.add(load + under >= lo)
        model.add(top >= int(rel[i]) * (over + under))
        now = int(w_int[may[i] & (cur_node == s)].sum())
        hinted.append(int(rel[i]) * max(0, now - hi, lo - now))
        model.add_hint(over, max(0, now - hi))
        model.add_hint(under, max(0, lo - now))
        terms.append(penalty * 1000 * (over + under))
        terms.extend(int(c_int[i, v]) * x[i, v] for v in range(n_free) if may[i, v])
        if stay is not None:  # one moved unit outweighs all the minutes
            away = np.flatnonzero(may[i, :n_free] & (stay[free_idx] != s)).tolist()
            terms.extend(penalty * x[i, v] for v in away)
    model.minimize(sum(terms))
    model.add_hint(top, max(hinted))
    for (i, v), var in x.items():
        model.add_hint(var, int(units[free_idx[v]]) == zones[i])
    for var, value in hints:
        model.add_hint(var, value)

    solver = new_solver(seconds, settings.workers, settings.seed, at_least=0.05)
    solver.parameters.cp_model_probing_level = 0
    # Re-zoning: the planner waits, and minutes shaved off zones already
    # balanced with few moves are not worth it; the search stops once the
    # load and the moved units (multiples of ``penalty``) stall.
    unit = penalty if stay is not None else None
    watch = StallWatch(Stall(seconds=stall, unit=unit, from_start=True))
    status = solve_watched(solver, model, watch, run.cancel)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    new = units.copy()
    for (i, v), var in x.items():
        if solver.boolean_value(var):
            new[free_idx[v]] = zones[i]
    if (new == units).all():
        return None
    # accept only a verified improvement: (load outside band, travel) falls
    ok = contiguous_zones(p.adj, new, m, exempt)
    if not ok[zones].all():
        return None
    cols = np.arange(p.n_units)

    def rank(z: np.ndarray) -> tuple[float, float, int, float]:
        """(worst relative excess, total excess, units away from ``stay``,
        cost), rounded for noise."""
        ex = excess_load(p, z, tolerance)[zones]
        got = z >= 0
        cost = float(p.cost[z[got], cols[got]].sum())
        away = 0 if stay is None else int((inside & (z != stay)).sum())
        worst = round(float((ex / target).max()), 9)
        return worst, round(float(ex.sum()), 6), away, cost

    before, after = rank(units), rank(new)
    if after[:3] < before[:3] or (
        after[:3] == before[:3] and after[3] < before[3] * (1 - 1e-9)
    ):
        return new
    return None


def search_neighbourhoods(
    run: Run,
    units: np.ndarray,
    deadline: float,
    balance_only: bool = False,
    spread: bool = True,
    stay: np.ndarray | None = None,
) -> np.ndarray:
    """Large-neighbourhood search: re-solve a few adjacent zones at a time.

    The distance order of the main model pins each zone's spine, and single
    border moves stall where cells are coarse; re-solving a few whole zones
    on exact contiguity (:func:`resolve_zones`) does neither. While a zone
    is outside the tolerance, the neighbourhood is that zone with its
    neighbours, or the path of zones to one with room on the other side of its
    target (work flows along the path), and border moves (:func:`repair`)
    then spread what it let through; once all are inside, adjacent pairs and then
    triangles of zones, those with the most work closer to the other base
    first, are re-solved for travel. Stops at the deadline, on cancel, or
    when no neighbourhood improves (``balance_only``: once all are inside).
    Re-zoning passes ``spread=False`` (no border moves, and a zone with all
    its neighbours is re-solved only once paths of zones have failed): those
    pull every zone they reach towards its target, and the planner wants the
    other zones left alone; and ``stay``, so each re-solve moves few cells.
    """
    p, fixed, exempt = run.problem, run.fixed, run.exempt
    tolerance = run.settings.tolerance
    units = units.copy()
    target = np.where(p.target > 0, p.target, 1.0)

    def off(z: np.ndarray) -> tuple[float, float]:
        """(worst relative, total) load outside the band, rounded for noise."""
        ex = excess_load(p, z, tolerance)
        worst = float((ex / target).max(initial=0.0))
        return round(worst, 9), round(float(ex.sum()), 6)

    tried: set[frozenset[int]] = set()
    star = spread
    cols = np.arange(p.n_units)
    window = max(_LNS_STALL_SECONDS, _LNS_STALL_SHARE * run.settings.time_limit)
    patience = 0
    got = units >= 0
    history = [(time.monotonic(), float((p.cost[units[got], cols[got]]).sum()))]
    while time.monotonic() < deadline - 0.2:
        if run.cancelled:
            break
        excess = excess_load(p, units, tolerance)
        if balance_only and excess.max(initial=0.0) <= 0:
            break
        if excess.max(initial=0.0) <= 0 and _stalled(history, window):
            break  # travel no longer falls: give the planner the result now
        near = zone_neighbours(p, units)
        hoods = (
            balance_hoods(p, units, near, excess, tolerance, star)
            if excess.max(initial=0.0) > 0
            else _travel_hoods(p, units, near)
        )
        hood = next((h for h in hoods if frozenset(h) not in tried), None)
        if hood is None:
            if excess.max(initial=0.0) > 0 and not star:
                # paths alone cannot drain it (a zone short of work whose
                # neighbours are short too): let a zone's neighbours share
                star = True
                tried.clear()
                continue
            if excess.max(initial=0.0) <= 0 or patience >= _LNS_PASSES:
                break
            # every neighbourhood failed within its short stall limit: zones
            # still outside the band get another pass, each solve given longer
            patience += 1
            tried.clear()
            continue
        tried.add(frozenset(hood))
        seconds = min(_LNS_SECONDS * 2**patience, deadline - time.monotonic() - 0.1)
        new = resolve_zones(
            run, units, hood, seconds, stall=_LNS_STALL * 2**patience, stay=stay
        )
        if new is None:
            continue
        changed = set(hood)
        if spread and excess.max(initial=0.0) > 0:
            # border moves then spread along chains of zones what the re-solve
            # let through a neck: far faster than more paths of zones
            half = 0.5 * tolerance
            until = min(deadline, time.monotonic() + _LNS_REPAIR_SECONDS)
            eased = repair(p, fixed, exempt, new, half, half, None, until)
            if off(eased) < off(new):
                moved = eased != new
                changed |= set(np.unique(np.r_[new[moved], eased[moved]]).tolist())
                new = eased
        before = off(units)
        units = new
        if excess.max(initial=0.0) > 0 and off(units) >= before:
            continue  # only travel fell: not worth trying this hood again
        tried = {h for h in tried if not h & changed}
        got = units >= 0
        obj = float((p.cost[units[got], cols[got]]).sum())
        history.append((time.monotonic(), obj))
        worst = float((excess_load(p, units, tolerance) / target).max(initial=0.0))
        note = f", {worst:.1%} beyond ±{tolerance_text(tolerance)}" if worst > 0 else ""
        run.report(f"zone neighbourhoods: {obj:,.0f}{note}", obj)
    return units


def _stalled(history: list[tuple[float, float]], window: float) -> bool:
    """Travel fell by less than :data:`LNS_STALL_GAIN` over the last
    ``window`` seconds of the search (``history``: time, objective)."""
    now, current = time.monotonic(), history[-1][1]
    if now - history[0][0] < window:
        return False
    before = next(obj for t, obj in reversed(history) if t <= now - window)
    return before - current <= LNS_STALL_GAIN * abs(before)


def balance_hoods(
    p: Problem,
    units: np.ndarray,
    near: list[set[int]],
    excess: np.ndarray,
    tolerance: float,
    star: bool = True,
) -> Iterator[list[int]]:
    """Neighbourhoods that may bring zones back inside the band, worst first.

    A zone outside the band with its neighbours (coarse cells: the excess may
    have to split), then the shortest path of zones to one with room for its
    excess on the other side of its target, nearest first, then to ones with
    some room (partial progress). The zones between only pass the
    work on, so they need no room: a rural zone short of work often borders
    only zones at the low edge too, the surplus sits in town zones further
    off.
    """
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    room_up = (1 + tolerance) * p.target - load
    room_down = load - (1 - tolerance) * p.target
    for d in np.argsort(-excess, kind="stable").tolist():
        if excess[d] <= 0:
            return
        over = load[d] > p.target[d]
        room = room_up if over else room_down
        # the zone and its neighbours with most room: coarse town cells move
        # ±4% of a zone each, so the excess must often split among several
        around = sorted(near[d], key=lambda y: -room[y])[: _LNS_STAR - 1]
        if star and room[around].max(initial=0.0) > 0:
            yield [d, *around]
        paths = [
            q for q in zone_paths(near, d, room > 0, most=12) if len(q) <= _LNS_PATH
        ]
        yield from (q for q in paths if room[q[0]] >= excess[d])
        yield from (q for q in paths if room[q[0]] < excess[d])


def _travel_hoods(
    p: Problem, units: np.ndarray, near: list[set[int]]
) -> Iterator[list[int]]:
    """Adjacent pairs, then triangles, of zones with the most workload x
    minutes to save by handing border cells across, first."""
    src, dst = p.arcs
    a, b = units[src], units[dst]
    cross = (a != b) & (a >= 0) & (b >= 0)
    u, a, b = src[cross], a[cross], b[cross]
    save = np.maximum(0.0, p.cost[a, u] - p.cost[b, u])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    m = len(p.squad_ids)
    pair_save = np.bincount(lo * m + hi, save, m * m)
    pairs = np.unique(lo * m + hi)
    pairs = pairs[np.argsort(-pair_save[pairs], kind="stable")]
    for k in pairs.tolist():
        yield [k // m, k % m]
    triangles = []
    for k in pairs.tolist():
        x, y = k // m, k % m
        for z in near[x] & near[y]:
            if z > y:
                gain = pair_save[k] + pair_save[min(x, z) * m + max(x, z)]
                triangles.append((-gain - pair_save[y * m + z], x, y, z))
    for _, x, y, z in sorted(triangles):
        yield [x, y, z]
