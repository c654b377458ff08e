"""The CP-SAT models of the rebalance and the searches built on them:
rings around today's borders, following the bound's flows zone pair by
pair, and re-solving pairs (then chains of three) of neighbouring zones."""

from __future__ import annotations

import dataclasses
import heapq
import time

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from planning.cpsat import Stall, StallWatch, new_solver, solve_watched
from planning.progress import (
    CancelToken,
)
from planning.rebalance.settings import RebalanceSettings
from planning.rebalance.today import (
    _excess_flow,
    _neighbours,
    _Today,
    _zone_pairs,
    far_moves,
)

# integer scales in CP-SAT: the total workload; the largest possible travel
# objective (one more cell moved costs more than all of it, so travel only
# breaks ties)
_LOAD_UNITS = 1e10
_COST_UNITS = 1e6
_LNS_SECONDS = 4.0  # CP-SAT seconds per pair of zones re-solved
_MOVE_SHARE = 0.6  # share of an attempt's time for the moved-workload solve
_AIM_WEIGHT = 100  # a minute off the aimed load costs this many minutes moved
_FLOW_SECONDS = 3.0  # CP-SAT seconds per pair of zones following the LP flow
_FLOW_SHRINK = 0.6  # the flows aim at this share of the band, for rounding
_FAR_SHARE = 0.01  # a far move costs this share of a mean zone's target
_FLOW_LEAST = 0.005  # a flow below this share of the zone's target waits
# in the pair search a moved cell costs this share of a mean cell's workload,
# weighed with the moved workload, not after it: workload-then-cells cannot
# trade a little workload for many near-empty cells, and its model stalls on
# the many zonings of equal workload (0.1-0.5 do alike; see the benchmark)
_CELL_COST = 0.2


def _peel(
    t: _Today,
    order: np.ndarray,
    free: np.ndarray,
    near: np.ndarray,
    flows: dict[tuple[int, int], float],
) -> np.ndarray:
    """A start for CP-SAT that follows the LP's flows: for each pair of zones,
    border cells of the giving zone pass to the taking one, nearest to its
    base first, while the flow lasts; a cell moves only if both zones keep
    the distance order (so the start is a solution of the model)."""
    cur = t.assign.copy()
    nbrs = np.split(t.adj.indices, t.adj.indptr[1:-1])

    def held(v: int, a: int, without: int) -> bool:
        """v (in zone a) keeps a smaller neighbour in a without ``without``."""
        if order[a, v] == 0:
            return True
        return any(
            x != without and cur[x] == a and 0 <= order[a, x] < order[a, v]
            for x in nbrs[v].tolist()
        )

    def movable(u: int, a: int, b: int) -> bool:
        if cur[u] != a or not free[u] or order[b, u] < 0 or not near[t.assign[u], b]:
            return False
        if not any(
            cur[x] == b and 0 <= order[b, x] < order[b, u] for x in nbrs[u].tolist()
        ):
            return False
        return all(
            held(v, a, u)
            for v in nbrs[u].tolist()
            if cur[v] == a and order[a, v] > order[a, u]
        )

    for (a, b), flow in sorted(flows.items(), key=lambda kv: -kv[1]):
        heap = [
            (int(order[b, u]), u)
            for u in np.flatnonzero((cur == a) & free).tolist()
            if (cur[nbrs[u]] == b).any()
        ]
        heapq.heapify(heap)
        done = 0.0
        while heap and done < flow:
            _, u = heapq.heappop(heap)
            if done + t.w[u] / 2 > flow or not movable(u, a, b):
                continue
            cur[u] = b
            done += t.w[u]
            for v in nbrs[u].tolist():
                if cur[v] == a and free[v]:
                    heapq.heappush(heap, (int(order[b, v]), v))
    return cur


def _depths(t: _Today, free: np.ndarray, zones: np.ndarray | None = None) -> np.ndarray:
    """(squads, cells) order of each cell for each squad (-1 = not allowed).

    Inside today's zone: hop depth from the base through the zone's cells
    (pieces cut off from the base get none); outside: hops on from the zone
    through cells that may move. A cell's order in its own zone never drops
    below its depth there, so today's zoning keeps the order.
    """
    m, n = len(t.squad_ids), len(t.assign)
    coo = t.adj.tocoo()
    out = np.full((m, n), -1, dtype=np.int64)
    for s in range(m) if zones is None else zones.tolist():
        own = (t.assign == s) & ~t.islands
        keep = own[coo.row] & own[coo.col]
        sub = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=(n, n)
        )
        d_in = dijkstra(sub, indices=int(t.base[s]), unweighted=True)
        ok = np.isfinite(d_in)
        # super source n -> zone cell (depth + 1); zone -> free outside cells;
        # free outside -> free outside: no edges back into the zone
        outside = free & ~own
        step = (ok[coo.row] | outside[coo.row]) & outside[coo.col]
        src = np.flatnonzero(ok)
        rows = np.concatenate([np.full(len(src), n), coo.row[step]])
        cols = np.concatenate([src, coo.col[step]])
        vals = np.concatenate([d_in[src] + 1.0, np.ones(int(step.sum()))])
        g = sparse.csr_matrix((vals, (rows, cols)), shape=(n + 1, n + 1))
        d = dijkstra(g, directed=True, indices=n)[:n] - 1.0
        d[~(ok | outside)] = np.inf
        d[ok] = d_in[ok]
        fin = np.isfinite(d)
        out[s, fin] = d[fin].astype(np.int64)
    return out


def _free_cells(t: _Today, rings: int) -> np.ndarray:
    """Cells within ``rings`` hops of a zone border (and pieces cut off from
    their base), apart from the cells that never move."""
    a, b = t.adj.nonzero()
    border = np.zeros(len(t.assign), dtype=bool)
    border[a[t.assign[a] != t.assign[b]]] = True
    d = dijkstra(t.adj, indices=np.flatnonzero(border), unweighted=True, min_only=True)
    return (d < rings) & ~t.fixed


def _run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    cancel: CancelToken | None,
    stall: float,
    goal: float = -np.inf,
) -> int:
    """Solve, stopping once the incumbent has not improved for ``stall``
    seconds, counted from the start (the last seconds of a travel search
    rarely buy anything), or reaches ``goal`` (the bound, up to rounding)."""

    def at_goal(watch: StallWatch) -> None:
        if watch.objective_value <= goal:
            watch.stop_search()

    watch = StallWatch(Stall(seconds=stall, from_start=True), at_goal)
    return solve_watched(solver, model, watch, cancel)


def _solve(
    t: _Today,
    tolerance: float,
    bound: float,
    rings: int,
    seconds: float,
    settings: RebalanceSettings,
    cancel: CancelToken | None,
    start: np.ndarray | None = None,
    zones: np.ndarray | None = None,
    aim: np.ndarray | None = None,
    soft: bool = False,
    cell_cost: float = 0.0,
) -> tuple[np.ndarray | None, str]:
    """One attempt at a ring depth: (assignment or None, status).

    ``start`` (a contiguous zoning) shapes the model instead of today's
    zoning: rings around its borders, its zones' distance order, the cells
    it moved free to go back; the moved workload is still counted from
    today's zoning. ``zones`` limits the model to those squads' cells (a
    neighbourhood of the search). ``aim`` (loads per squad) replaces the
    band of those zones by "as close to the aim as possible" (first), for
    a start that is not yet within the band. ``soft`` keeps the band but
    lets the model leave it at a price (first), so today's zoning is a
    solution to improve from rather than a point outside the model.
    ``cell_cost`` (minutes) prices each moved cell into the first objective,
    so that it weighs cells with the moved workload, not after it."""
    m = len(t.squad_ids)
    today = t.assign
    from_today = start is None
    if start is not None:
        t = dataclasses.replace(t, assign=start)
    free = _free_cells(t, rings)
    if start is not None:
        free |= (start != today) & ~t.fixed
    zone_mask = np.ones(m, dtype=bool)
    if zones is not None:
        zone_mask[:] = False
        zone_mask[zones] = True
        free &= zone_mask[t.assign]
    order = _depths(t, free, zones)
    near = _neighbours(t, t.assign)
    # a cell only ever goes to a squad whose zone borders its own today, so
    # that the flow bound holds for every zoning this model returns
    near_today = near if from_today else _neighbours(t, today)
    scale = _LOAD_UNITS / max(float(t.w.sum()), 1e-9)
    wi = np.round(t.w * scale).astype(np.int64)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    fu = np.flatnonzero(free)
    for u in fu.tolist():
        allowed = near[t.assign[u]].copy()
        allowed[today[u]] = True  # a cell moved by the start may go back
        allowed &= zone_mask & near_today[today[u]]
        allowed[t.assign[u]] = True  # the start's own move (rezone's may be far)
        for s in np.flatnonzero(allowed & (order[:, u] >= 0)).tolist():
            x[u, s] = model.new_bool_var(f"x{u}_{s}")
    by_cell: dict[int, list[int]] = {}
    for u, s in x:
        by_cell.setdefault(u, []).append(s)
    for u in fu.tolist():
        opts = by_cell.get(u, [])
        if not opts:
            return None, "a cut-off piece has nowhere to go"
        model.add_exactly_one(x[u, s] for s in opts)
    indptr, indices = t.adj.indptr, t.adj.indices
    fixed_zone = np.where(free, -1, t.assign)
    # contiguity: a cell in zone s needs a neighbour of smaller order in s
    for (u, s), var in x.items():
        nb = indices[indptr[u] : indptr[u + 1]]
        lower = nb[(order[s, nb] >= 0) & (order[s, nb] < order[s, u])]
        if (fixed_zone[lower] == s).any():
            continue
        helpers = [x[v, s] for v in lower.tolist() if (v, s) in x]
        if helpers:
            model.add_bool_or(helpers).only_enforce_if(var)
        else:
            model.add(var == 0)
    # fixed cells of a zone whose smaller neighbours may all move away
    for u in np.flatnonzero(~free & ~t.islands & zone_mask[t.assign]).tolist():
        s = int(t.assign[u])
        if u == t.base[s]:
            continue
        nb = indices[indptr[u] : indptr[u + 1]]
        if not free[nb].any():
            continue
        lower = nb[(order[s, nb] >= 0) & (order[s, nb] < order[s, u])]
        if (fixed_zone[lower] == s).any():
            continue
        helpers = [x[v, s] for v in lower.tolist() if (v, s) in x]
        if not helpers:
            return None, "today's zoning breaks the distance order"
        model.add_bool_or(helpers)
    # balance; the band shrinks by the worst rounding of the free cells
    slack = len(fu) // 2 + 1
    fixed_load = np.bincount(t.assign[~free], wi[~free], m)
    terms: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(m)]
    for (u, s), var in x.items():
        terms[s].append((int(wi[u]), var))
    misses = []
    for s in np.flatnonzero(zone_mask).tolist():
        expr = sum(c * v for c, v in terms[s]) + int(fixed_load[s])
        lo = int(np.ceil((1 - tolerance) * t.target[s] * scale)) + slack
        hi = int(np.floor((1 + tolerance) * t.target[s] * scale)) - slack
        if aim is None and not soft:
            model.add_linear_constraint(expr, lo, hi)
            continue
        if aim is not None:
            lo = hi = int(round(aim[s] * scale))
        miss = model.new_int_var(0, int(_LOAD_UNITS) * 2, f"miss{s}")
        # two inequalities, not add_abs_equality: its presolve on a domain
        # this wide ran minutes past the time limit (OR-Tools 9.15)
        model.add(miss >= expr - hi)
        model.add(miss >= lo - expr)
        misses.append(miss)
    moved = sum(int(wi[u]) * v for (u, s), v in x.items() if s != today[u])
    # a cell rezone handed past a zone may stay there (the model keeps the
    # start), at a price that sends it to a neighbour of its zone today
    far_cost = int(_FAR_SHARE * float(t.target.mean()) * scale)
    far = [v for (u, s), v in x.items() if not near_today[today[u], s]]
    moved_fixed = int(wi[~free & (t.assign != today)].sum())
    first_goal = moved + _AIM_WEIGHT * sum(misses) + far_cost * sum(far)
    if cell_cost > 0:
        per = int(round(cell_cost * scale))
        first_goal += per * sum(v for (u, s), v in x.items() if s != today[u])
    if start is None:
        # start from the LP's flows (at a band a little narrower, so that
        # whole cells land inside it); today's zoning if they cannot be
        # followed
        start = t.assign
        for shrink in (0.7, 0.4):
            flows = _excess_flow(t, tolerance * shrink)[1]
            peeled = _peel(t, order, free, near, flows)
            if t.within(peeled, tolerance):
                start = peeled
                break
    for (u, s), v in x.items():
        model.add_hint(v, s == start[u])
    solver = new_solver(
        seconds * _MOVE_SHARE, settings.workers, settings.seed, at_least=0.5
    )
    # the flow bound holds for this model (moves go to neighbouring zones
    # only): stated, it lets CP-SAT prove a zoning that meets it optimal
    floor = int(np.floor(bound * scale)) - slack - moved_fixed
    if from_today and not soft:
        model.add(moved >= floor)
    model.minimize(first_goal)
    status = _run(solver, model, cancel, max(3.0, 0.3 * seconds), floor + 2 * slack)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver.status_name(status)
    first = solver.status_name(status)
    best = int(round(solver.objective_value))
    chosen = {k: solver.boolean_value(v) for k, v in x.items()}
    # second: the fewest cells moved, then the least travel, with the moved
    # workload held; without the cell count, travel alone would swap one
    # busy cell for dozens of near-empty ones (0.5 min each on 萧山) at the
    # same moved workload
    model.clear_hints()
    for k, v in x.items():
        model.add_hint(v, chosen[k])
    model.add(first_goal <= best)
    span = max(float((t.w[fu] * t.travel[:, fu].max(axis=0)).sum()), 1e-9)
    cs = _COST_UNITS / span
    per_cell = int(_COST_UNITS) + 1
    model.minimize(
        sum(
            (int(round(t.w[u] * t.travel[s, u] * cs)) + per_cell * int(s != today[u]))
            * v
            for (u, s), v in x.items()
        )
    )
    solver = new_solver(
        seconds * (1 - _MOVE_SHARE), settings.workers, settings.seed, at_least=0.5
    )
    status = _run(solver, model, cancel, max(2.0, 0.1 * seconds))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {k: solver.boolean_value(v) for k, v in x.items()}
    out = t.assign.copy()
    for (u, s), on in chosen.items():
        if on:
            out[u] = s
    second = solver.status_name(status).lower()
    return out, f"moved {first.lower()}, cells and travel {second}"


def _upstream_first(
    flows: dict[tuple[int, int], float],
) -> list[tuple[tuple[int, int], float]]:
    """The flows, each zone's inflows before its outflows (largest first
    among those ready): a zone that passes workload on gets it first, else
    handing on first can leave it no border with the zone that feeds it."""
    left = dict(flows)
    out = []
    while left:
        feeding = {b for a, b in left}
        ready = [kv for kv in left.items() if kv[0][0] not in feeding]
        if not ready:  # a cycle (not in an optimal flow): largest first
            ready = list(left.items())
        edge, flow = max(ready, key=lambda kv: kv[1])
        out.append((edge, flow))
        del left[edge]
    return out


def _follow_flows(
    t: _Today,
    tolerance: float,
    deadline: float,
    settings: RebalanceSettings,
    cancel: CancelToken | None,
) -> np.ndarray:
    """From today's zoning towards the band along the bound's own flows:
    each pair of zones the LP moves workload between is re-solved (others
    held) to hand over as nearly that flow as it can, with the least moved;
    then the LP is solved again on the zones as they now are, without the
    pairs that could hand over hardly any of their flow (a short border, a
    neck), until every zone is within the band or a round gets no closer.

    Every move goes between zones that border each other today (the model
    allows no other), so the bound holds for the result; the pairs are
    small models that solve in well under the time each gets."""
    cur = t.assign.copy()
    worst = np.inf
    blocked: set[tuple[int, int]] = set()
    while time.monotonic() < deadline - 1.0 and not t.within(cur, tolerance):
        now = dataclasses.replace(t, assign=cur)
        flows = _excess_flow(now, tolerance * _FLOW_SHRINK, skip=blocked)[1]
        for (a, b), flow in _upstream_first(flows):
            left = deadline - time.monotonic()
            if left < 1.0:
                break
            if flow < _FLOW_LEAST * t.target[a]:
                continue
            before = t.loads(cur)
            aim = before.copy()
            aim[a] -= flow
            aim[b] += flow
            got, _ = _solve(
                t,
                tolerance,
                0.0,
                settings.rings * 2,
                min(_FLOW_SECONDS, left),
                settings,
                cancel,
                start=cur,
                zones=np.array([a, b]),
                aim=aim,
            )
            if got is not None and t.contiguous(got):
                cur = got
            if before[a] - t.loads(cur)[a] < 0.25 * flow:
                blocked.add((a, b))
        off = t.off_band(cur, tolerance)
        if off >= worst - 1e-6:
            break
        worst = off
    return cur


def _improve(
    t: _Today,
    start: np.ndarray,
    tolerance: float,
    deadline: float,
    settings: RebalanceSettings,
    cancel: CancelToken | None,
) -> np.ndarray:
    """Large-neighbourhood search from a contiguous zoning: pairs of
    neighbouring zones re-solved in turn (others held), the pairs with a
    zone outside the band first (their band is soft, so a start rezone left
    just short comes in), then those that hold the most moved workload,
    while any pass lowers the workload outside the band, the far moves
    (:func:`far_moves`) or the moved workload with each moved cell priced
    in (``_CELL_COST``; travel breaks ties). When no pair improves, chains of three
    zones are re-solved: in a tight band a pair alone cannot pass workload
    on, the zone between two others can."""
    cur = start.copy()
    near = _neighbours(t, t.assign)
    size = 2
    # a moved cell costs this many minutes of moved workload
    lam = _CELL_COST * float(t.w.mean())

    def cost(z: np.ndarray) -> tuple[float, float, int, float, int, float]:
        off = z != t.assign
        far = int(far_moves(t, z).sum())
        goal = float(t.w[off].sum()) + lam * int(off.sum())
        # outside the band: the worst zone first, so that no zone is pushed
        # further out for the others' sake, then the sum
        worst = round(max(t.worst_pct(z) - 100 * tolerance, 0.0), 6)
        short = round(t.off_band(z, tolerance), 6)
        return worst, short, far, round(goal, 6), int(off.sum()), t.travel_of(z)

    while time.monotonic() < deadline - 2.0:
        better = False
        pairs = _zone_pairs(t, cur)
        pairs = pairs[pairs[:, 0] < pairs[:, 1]]
        # each zone's moves in and out, priced as the search prices them
        moved = cur != t.assign
        price = t.w[moved] + lam
        off = np.bincount(cur[moved], price, len(t.squad_ids))
        off += np.bincount(t.assign[moved], price, len(t.squad_ids))
        # first the pairs that can take a far-moved cell back to a neighbour
        # of its squad's zone today, then by moved workload
        m = len(t.squad_ids)
        heal = np.zeros((m, m))
        for u in np.flatnonzero(far_moves(t, cur)).tolist():
            for v in t.adj.indices[t.adj.indptr[u] : t.adj.indptr[u + 1]].tolist():
                if near[t.assign[u], cur[v]]:
                    heal[cur[u], cur[v]] += 1
        heal += heal.T
        score = heal[pairs[:, 0], pairs[:, 1]] * float(t.w.sum())
        score += off[pairs[:, 0]] + off[pairs[:, 1]]
        # before all, the zones outside the band (rezone may stop just short),
        # most of all a zone over it next to one under it
        dev = t.loads(cur) - t.target
        short = np.clip(np.abs(dev) - tolerance * t.target, 0.0, None)
        out = short[pairs[:, 0]] + short[pairs[:, 1]]
        out *= 1 + (dev[pairs[:, 0]] * dev[pairs[:, 1]] < 0)
        rank = np.lexsort((-score, -out))
        groups = [tuple(g) for g in pairs[rank].tolist()]
        if size == 3:
            groups = _chains(groups, pairs, off)
        for group in groups:
            left = deadline - time.monotonic() - 1.0  # the checks after it
            if left < 1.0:
                break
            if off[list(group)].sum() == 0 and short[list(group)].sum() <= 1e-9:
                continue
            got, _ = _solve(
                t,
                tolerance,
                0.0,
                settings.rings,
                min(_LNS_SECONDS * (len(group) - 1), left),
                settings,
                cancel,
                start=cur,
                zones=np.array(group),
                soft=bool(short[list(group)].sum() > 1e-9),
                cell_cost=lam,
            )
            if got is None or not t.contiguous(got):
                continue
            if cost(got) < cost(cur):
                better |= cost(got)[:5] < cost(cur)[:5]
                cur = got
        if not better:
            if size == 3:
                break
            size = 3
    return cur


def _chains(
    ranked: list[tuple[int, ...]], pairs: np.ndarray, off: np.ndarray
) -> list[tuple[int, ...]]:
    """Chains of three zones: each ranked pair with the neighbour of either
    zone that holds the most moved workload (each chain once)."""
    border: dict[int, set[int]] = {}
    for a, b in pairs.tolist():
        border.setdefault(a, set()).add(b)
        border.setdefault(b, set()).add(a)
    seen: set[frozenset[int]] = set()
    out = []
    for a, b in ranked:
        third = (border.get(a, set()) | border.get(b, set())) - {a, b}
        if not third:
            continue
        c = max(sorted(third), key=lambda z: off[z])
        key = frozenset((a, b, c))
        if key not in seen:
            seen.add(key)
            out.append((a, b, c))
    return out
