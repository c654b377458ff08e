"""Contiguous, balanced, compact zoning (划片) with OR-Tools CP-SAT.

Every cell goes to one squad's zone. Zones must be contiguous (edge
adjacency), balanced (workload within ``±tolerance`` of a staff-proportional
target), keep locked cells, respect 片区/town nesting and the 1530 reach
rule, and be compact (minimum workload x travel minutes from the base).

Model. Each cell may only go to a few candidate squads (its ``k`` nearest by
travel, its locked squad, and the cells on a path back to each candidate's
base). Contiguity is imposed by a *distance order*: every squad has an order
on cells (graph hops from its base cell); a non-base cell assigned to squad
``s`` needs a neighbour of strictly smaller order also assigned to ``s``.
Following smaller neighbours always ends at the base, so every zone is
connected. The order excludes some exotic zone shapes, which is why a proven
infeasibility is retried with more candidates before it is reported.

Islands. Cells that no squad can reach through cells it may serve (offshore
islands, gaps in the grid, or cut off by nesting / reach) are *islands*: each
island is assigned whole to the squad with the least travel to it, exempt from
contiguity, and listed in :attr:`ZoningResult.islands` and the explanation;
it is never silently joined. :func:`zone_stats` likewise judges contiguity
ignoring islands (by default, cell groups without any squad base).

With ``nest="town"`` whole towns are the units of the model, so a town never
splits. :func:`rezone` keeps the current zones: a quick local search first
reconnects zones the planner's moves cut (the detour, of a few shortest, that
moves the fewest cells, counting what it cuts off other zones; a piece no
detour saves goes to its neighbours, and a big one is named) and moves
border cells only out of zones beyond the tolerance (interactive: well under
a second on a 10k-cell, 50-squad grid); then zone paths re-solved to balance,
moving few cells; only if that fails, CP-SAT lets cells near zone borders
change squad, minimising the number of cells moved. Locks that conflict are
named at once and the zones left as the planner made them: a lock walled off
from its base by other squads' locks (proven: with the fewest locks to lift),
or cut off by locks of other squads in the necks of its zone (no detour of
up to 16 cells found).

Starts. From scratch, zones are first grown from the LP relaxation of the
ordered model (:func:`_lp_start`, HiGHS), which spreads the work over the
whole county at once: the zone furthest below its target claims next, whole
LP shares first. Border moves on true contiguity (:func:`_repair`, with
ejection chains that carry work across several zones) and re-solves of zone
paths bring it into the band, and CP-SAT solves in an order the zones
satisfy. On 萧山 500 m this start ends 60 s at 1.01-1.02 x the LP bound,
against 1.04 (±5%) and 1.05-1.07 (±2%) from the priced one, where a town
cell can carry 10-60% of a target. The LP's order rows are added in rounds
to the plain LP with the dual simplex warm-started (:func:`_order_lazily`,
highspy): all at once took 20 s on 250 m (16k cells), too slow for the
minute. Where the LP would take over a third of the start's time (45k
cells in a minute; see _LP_SECONDS) or the LP start stays
outside the band, priced flood and balanced greedy growth give CP-SAT a
hint that keeps the distance order, balanced the same way when
order-keeping moves cannot (two bases in one corner, a base in a quiet
polder: a zone's shortest paths pin it).

LP guidance. From a balanced start, CP-SAT first solves over the pairs the
balanced LP optimum uses plus the start's (:func:`_lp_support`): about one
squad a cell, a third of the nearest-squads model, and it holds the zoning
the start must move towards. The LP's dual bound, valid for every zoning
within the tolerance, is the bound reported then.

Zone neighbourhoods. The distance order also pins shapes CP-SAT could
improve, and single border moves stall where cells are coarse. A
large-neighbourhood search (:func:`_lns`) then re-solves a few adjacent
zones at a time with CP-SAT on exact contiguity: paths of zones that carry
work from a zone outside the band to one with room, then pairs and triangles
of zones for travel. Part of the time limit is kept for it.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from planning.model import Policy
from planning.progress import CancelToken, ProgressEvent, ProgressFn, no_progress
from planning.travel import TravelModel, metric_crs, metric_xy

STAGE = "zoning"
# Integer scale of the total workload in the CP-SAT balance constraints. On
# 50k-cell grids rounding at 1e8 drifted zone loads by ~0.001% (zones a hair
# outside the band); at 1e10 the band shrinks by the worst-case rounding
# total (see :func:`_int_loads`), well under 0.01% of a target.
_LOAD_UNITS = 1e10
# Mean integer cost of one candidate pair in the compactness objective.
_COST_UNITS = 1000.0
# Stop a search whose incumbent has not improved by 0.1% for 5 s and for
# 30% of the search time so far: the rest of the time limit rarely pays.
_STALL = (0.001, 5.0, 0.3)
# Seconds to build and presolve a CP-SAT model, per candidate pair (measured
# at 17 us on a 100k-pair model): a model that cannot be built in the time
# left is not started.
_BUILD_SECONDS_PER_PAIR = 2e-5
# Re-zoning attempts when the quick local repair fails, widened while they
# admit no balanced zoning: (rings of neighbouring zones around the zones in
# trouble, hops a cell may move).
_REZONE_STEPS = ((0, 2), (1, 2), (2, 4))
# Zone neighbourhood search (:func:`_lns`): most free units per re-solved
# neighbourhood, CP-SAT seconds per neighbourhood (and without improvement),
# most zones on a path that carries work from a zone outside the band to
# one with room.
_LNS_UNITS = 250
_LNS_SECONDS = 2.0
_LNS_STALL = 0.6
_LNS_PATH = 7
# Most zones around a zone outside the band re-solved with it at once.
_LNS_STAR = 8
# Seconds of border moves after each neighbourhood that eased the balance.
_LNS_REPAIR_SECONDS = 1.0
# Share of the time left that the balance search gets when a zoning from
# scratch starts outside the band (CP-SAT rarely finds the band from there).
_LNS_BALANCE_SHARE = 0.5
# The LPs that guide the start and CP-SAT's candidates: each unit's nearest
# squads as columns (12 instead of 20 left 萧山 150 m's LP 4% dearer). The
# dual simplex takes 1.3 iterations per unit, each costing about the root of
# the pairs: seconds ~ this x units x sqrt(pairs), as measured on 萧山 250 m
# (16k units, 330k pairs: 5.2 s) and 150 m (45k, 900k: 24 s); the order rows
# in rounds take as long again. The LP is skipped when that estimate exceeds
# this share of the time it has, so that the border moves after it get a
# third of that time (平湖 150 m, 26k cells, in a 60 s zoning: no LP).
_LP_NEAREST = 20
_LP_SECONDS = 6e-7
_LP_TIME_SHARE = 0.35
# The ordered LP of the start adds its order rows in rounds (see
# _order_lazily) for at most this many times the plain LP's solve time, or
# this many seconds if more, and this many rounds. On 萧山 500 m the rounds
# end in 2 s with every row kept; cut at 1 s, that start ended 60 s at 1.03
# x the LP bound instead of 1.01-1.02. On 250 m every row is kept after 5-7
# rounds (5 s), on 150 m after about 20 (20 s).
_LP_ORDER_TIME = 1.0
_LP_ORDER_SECONDS = 3.0
_LP_ORDER_ROUNDS = 60
# Share of the time left for the LP start: the LP and the border moves that
# bring it into the band (萧山 250 m in a 60 s zoning: 13 s and 1.5 s).
_LP_START_SHARE = 0.4
# Most of the time left that the LP for CP-SAT's candidates may take.
_LP_SUPPORT_SHARE = 0.15
# When CP-SAT stalls on the LP's pairs, widen them by the squads of the
# neighbouring cells this many times, while this many seconds are left.
_LP_RINGS = 1
_LP_RING_SECONDS = 5.0
# Travel within this share of the LP bound gets no more CP-SAT rounds.
_RESHAPE_GAP = 0.01
# Passes over the balance neighbourhoods, each with doubled solve times.
_LNS_PASSES = 2
# Share of the time left after the start that a zoning from scratch keeps
# from the main CP-SAT model for the neighbourhood search.
_LNS_SHARE = 0.4
# The search for travel stops once a window of max(3 s, 10% of the time
# limit) lowered travel by 0.1% or less: the last seconds would buy a
# planner nothing they could see, and the window would sit waiting.
_LNS_STALL_SECONDS = 3.0
# Longest detour (cells) that reconnects a piece cut off from its zone; a
# piece holding a planner's lock cannot be handed away, so it may go further.
_BRIDGE_STEPS = 6
_BRIDGE_HELD_STEPS = 16
_BRIDGE_TRIES = 6
# Re-balancing after a planner's edit gets this long before CP-SAT re-zones.
_QUICK_REBALANCE_SECONDS = 2.5
# ... or this share of the time left, if larger: a cut-off piece handed to a
# neighbour can leave a chain of zones short, which takes longer to drain
_QUICK_REBALANCE_SHARE = 0.3
# a cut-off piece of at least this many units handed to neighbours is told
_HANDOVER_NOTE = 20
# ... and one with at least this share of its zone's target, cut off by the
# planner's locks, is not handed over: the planner is asked instead
_HANDOVER_LIMIT = 0.5
_LNS_STALL_SHARE = 0.1
_LNS_STALL_GAIN = 1e-3


@dataclass(frozen=True)
class ZoningSettings:
    """What the planner asks of a zoning.

    Parameters
    ----------
    tolerance
        Each zone's load must lie within ``±tolerance`` of its target.
    nest
        ``None``; ``"area"``: a squad only gets cells of its own 片区
        (``area_id``); ``"town"``: each town goes whole to one squad of its
        片区.
    reach_minutes
        1530 rule: most travel minutes from a base to a cell centre. Cells no
        squad reaches in time are reported and exempt.
    time_limit
        Seconds for the whole call: preparation, every attempt and the
        checks after them.
    seed, workers
        CP-SAT random seed and number of search workers.
    candidates
        Nearest squads (by travel) each cell may go to in the first attempt.
    """

    tolerance: float = 0.05
    nest: str | None = None
    reach_minutes: float | None = None
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    candidates: int = 4


@dataclass
class ZoningResult:
    """A zoning and what the planner needs to judge it.

    ``assignment`` maps every ``cell_id`` to a ``squad_id`` (``None`` where no
    squad may take the cell, e.g. a 片区 without a squad). ``objective`` is
    the workload-weighted travel minutes from each cell's base; ``bound`` is a
    lower bound on it: the LP relaxation's, valid for every zoning within the
    tolerance, when the LP guided the solve; otherwise CP-SAT's for the solved
    (reduced) model, when it proved one. ``feasible`` is true only when every
    rule holds: all assignable cells assigned, zones contiguous apart from
    declared islands, loads within tolerance, locks kept, reach kept.
    ``moved`` counts cells whose squad differs from the input's non-null
    ``squad_id``.
    """

    assignment: pd.Series
    feasible: bool
    status: str
    objective: float | None
    bound: float | None
    explanation: list[str]
    unreachable: pd.DataFrame
    islands: list[list[str]]
    moved: int
    seconds: float


def _rows(a: np.ndarray) -> list[list]:
    """``a.tolist()`` row by row: one call on a squads x cells array holds
    the GIL for ~0.1 s and stalls the window while a worker zones."""
    return [row.tolist() for row in a]


def cell_adjacency(cells: gpd.GeoDataFrame) -> np.ndarray:
    """Pairs of cells sharing an edge, as an ``(E, 2)`` int array with i < j.

    Indices are positions in ``cells``. Cells meeting only at a corner are not
    neighbours: a patrol cannot cross there. Overlapping cells count as
    neighbours. Uses an STRtree, so it scales to county grids.
    """
    geoms = np.asarray(cells.geometry.to_numpy())
    if len(geoms) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    tree = shapely.STRtree(geoms)
    # queried and intersected in slices: one GEOS call over a county holds
    # the GIL 0.1-0.2 s, long enough to freeze a window whose worker runs this
    pairs = [
        tree.query(geoms[part], predicate="intersects") + [[part[0]], [0]]
        for part in np.array_split(np.arange(len(geoms)), max(1, len(geoms) // 2000))
    ]
    i, j = np.concatenate(pairs, axis=1)
    keep = i < j
    i, j = i[keep], j[keep]
    shared = np.concatenate(
        [
            shapely.length(shapely.intersection(geoms[a], geoms[b]))
            for a, b in zip(
                np.array_split(i, max(1, len(i) // 2000)),
                np.array_split(j, max(1, len(j) // 2000)),
                strict=True,
            )
        ]
        or [np.zeros(0)]
    )
    size = float(np.median(np.sqrt(shapely.area(geoms)))) or 1.0
    touch = shared > 1e-6 * size
    return np.column_stack([i[touch], j[touch]]).astype(np.int64)


def _csr(n: int, edges: np.ndarray) -> sparse.csr_matrix:
    """Symmetric adjacency matrix of ``edges``."""
    a = np.concatenate([edges[:, 0], edges[:, 1]])
    b = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.ones(len(a), dtype=np.float32)
    mat = sparse.csr_matrix((data, (a, b)), shape=(n, n))
    mat.sum_duplicates()
    mat.data[:] = 1.0
    return mat


def _bfs(
    adj: sparse.csr_matrix, sources: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Hop distance from the nearest source through ``allowed`` nodes (-1 = never)."""
    dist = np.full(adj.shape[0], -1, dtype=np.int32)
    keep = np.flatnonzero(allowed)
    start = np.flatnonzero(sources[keep])
    if len(start) == 0:
        return dist
    sub = adj[keep][:, keep]
    d = dijkstra(sub, directed=False, indices=start, unweighted=True, min_only=True)
    ok = np.isfinite(d)
    dist[keep[ok]] = d[ok].astype(np.int32)
    return dist


@dataclass
class _Geo:
    """Cell graph, bases and travel minutes shared by zoning and statistics."""

    edges: np.ndarray
    adj: sparse.csr_matrix
    base_cell: np.ndarray
    travel: np.ndarray  # (squads, cells) minutes from base to cell centre


# Cell graphs of recent grids, keyed by a digest of the geometries: re-zoning
# after a few edits (and zone_stats after zoning) reuses the grid's adjacency
# instead of recomputing ~1.5 s of shared-edge geometry on a 10k-cell grid.
_GRAPHS: OrderedDict[str, tuple[np.ndarray, object, np.ndarray]] = OrderedDict()
_GRAPHS_LOCK = threading.Lock()


def _grid_graph(cells: gpd.GeoDataFrame) -> tuple[np.ndarray, object, np.ndarray]:
    """Edges, metric CRS and metric cell points, cached per grid."""
    geoms = np.asarray(cells.geometry.to_numpy())
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(cells.crs).encode())
    # coordinates, not WKB: one quick array, where WKB of a 10k grid held
    # the GIL for ~0.2 s and froze the window that runs this in a thread
    digest.update(shapely.get_num_coordinates(geoms).tobytes())
    digest.update(shapely.get_coordinates(geoms).tobytes())
    tag = digest.hexdigest()
    with _GRAPHS_LOCK:
        if tag in _GRAPHS:
            _GRAPHS.move_to_end(tag)
            return _GRAPHS[tag]
    edges = cell_adjacency(cells)
    crs = metric_crs(cells)
    cxy = metric_xy(cells, crs)
    edges.flags.writeable = False
    cxy.flags.writeable = False
    with _GRAPHS_LOCK:
        _GRAPHS[tag] = (edges, crs, cxy)
        while len(_GRAPHS) > 4:
            _GRAPHS.popitem(last=False)
    return edges, crs, cxy


def _geo(cells: gpd.GeoDataFrame, squads: gpd.GeoDataFrame, policy: Policy) -> _Geo:
    """Adjacency, base cell of each squad and travel minutes base -> cell."""
    n = len(cells)
    edges, crs, cxy = _grid_graph(cells)
    sxy = metric_xy(squads.to_crs(cells.crs), crs)
    hits = cells.sindex.query(squads.to_crs(cells.crs).geometry, "intersects")
    base = np.full(len(squads), -1, dtype=np.int64)
    for s, c in zip(hits[0][::-1], hits[1][::-1], strict=True):
        base[s] = c
    for s in np.flatnonzero(base < 0):
        base[s] = int(np.argmin(np.hypot(*(cxy - sxy[s]).T)))
    tm = TravelModel(policy)
    land = cells["land_use"].to_numpy() if "land_use" in cells else ["rural"] * n
    v = tm.speed(land)
    travel = tm.minutes(sxy, cxy, v[base], v)
    return _Geo(edges, _csr(n, edges), base, travel)


def _weights(cells: pd.DataFrame) -> np.ndarray:
    """Cell workloads (minutes); missing or negative count as zero."""
    if "workload" not in cells:
        return np.zeros(len(cells))
    w = pd.to_numeric(cells["workload"], errors="coerce").fillna(0.0)
    return np.clip(w.to_numpy(float), 0.0, None)


def _groups(
    cells: pd.DataFrame, squads: pd.DataFrame, nest: str | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Nest group of each squad and each cell (-1 = no squad), group names."""
    if nest is None:
        return np.zeros(len(squads), int), np.zeros(len(cells), int), ["all"]
    if nest not in ("area", "town"):
        raise ValueError(f"nest must be None, 'area' or 'town', not {nest!r}")
    names = sorted({str(a) for a in squads["area_id"]})
    index = {a: i for i, a in enumerate(names)}
    sq = np.array([index[str(a)] for a in squads["area_id"]], dtype=int)
    cg = np.array([index.get(str(a), -1) for a in cells["area_id"]], dtype=int)
    return sq, cg, names


def _targets(
    w: np.ndarray, cell_group: np.ndarray, squad_group: np.ndarray, staff: np.ndarray
) -> np.ndarray:
    """Staff-proportional target load of each squad within its nest group."""
    total = np.bincount(cell_group[cell_group >= 0], w[cell_group >= 0])
    total = np.pad(total, (0, max(0, squad_group.max() + 1 - len(total))))
    staff_total = np.bincount(squad_group, staff)
    return total[squad_group] * staff / staff_total[squad_group]


def _islands_of(geo: _Geo) -> np.ndarray:
    """Cells in graph components that hold no squad base."""
    _, label = connected_components(geo.adj, directed=False)
    return ~np.isin(label, label[geo.base_cell])


@dataclass
class _Problem:
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
    geo: _Geo
    unreachable: np.ndarray  # cell mask
    best_reach: np.ndarray  # cell minutes to the nearest permitted base
    notes: list[str] = field(default_factory=list)
    # LPs solved (see _lp): on large grids the start's plain LP is the one
    # CP-SAT's candidates come from, 5 s each on 萧山 250 m
    lp_memo: dict[bytes, tuple[np.ndarray, np.ndarray, float]] = field(
        default_factory=dict
    )


def _squad_index(values: pd.Series, squad_ids: list[str]) -> np.ndarray:
    """Positions of squad ids in ``squad_ids`` (-1 for null or unknown)."""
    index = {s: i for i, s in enumerate(squad_ids)}
    return np.array(
        [index.get(str(v), -1) if pd.notna(v) else -1 for v in values], dtype=int
    )


def _unit_mode(cell_unit: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """Most frequent non-negative value per unit (-1 if none)."""
    out = np.full(n_units, -1, dtype=int)
    ok = values >= 0
    if ok.any():
        span = int(values[ok].max()) + 1
        pairs, counts = np.unique(
            cell_unit[ok].astype(np.int64) * span + values[ok], return_counts=True
        )
        order = np.lexsort((-counts, pairs // span))
        unit, first = np.unique((pairs // span)[order], return_index=True)
        out[unit] = (pairs % span)[order][first]
    return out


def _prepare(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: ZoningSettings,
) -> _Problem:
    """Turn layers into unit arrays: weights, travel, permissions, locks."""
    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    notes: list[str] = []
    n, m = len(cells), len(squads)
    cell_ids = cells["cell_id"].astype(str).to_numpy()
    squad_ids = [str(s) for s in squads["squad_id"]]
    geo = _geo(cells, squads, policy)
    cw = _weights(cells)
    staff = pd.to_numeric(squads["staff"], errors="coerce").fillna(0).to_numpy(float)
    if (staff <= 0).any():
        raise ValueError("every squad needs a positive 'staff' to set its target")
    squad_group, cell_group, group_names = _groups(cells, squads, settings.nest)
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
    for s in range(m):
        bad = ~(cell_ok[s] & reach_ok[s])
        unit_ok[s, np.unique(cell_unit[bad])] = False
    unit_group = _unit_mode(cell_unit, cell_group, n_units)

    uedges = np.unique(np.sort(cell_unit[geo.edges], axis=1), axis=0)
    uedges = uedges[uedges[:, 0] != uedges[:, 1]]
    adj = _csr(n_units, uedges)
    arcs = (
        np.concatenate([uedges[:, 0], uedges[:, 1]]),
        np.concatenate([uedges[:, 1], uedges[:, 0]]),
    )

    # Locks and the current zoning.
    cur_cell = _squad_index(
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
    target = _targets(cw, cell_group, squad_group, staff)
    return _Problem(
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


def _keys_from_bases(p: _Problem) -> np.ndarray:
    """Order of each squad: hops from its base through units it may serve."""
    key = np.full((len(p.squad_ids), p.n_units), -1, dtype=np.int32)
    for s, b in enumerate(p.base):
        allowed = p.allowed[s].copy()
        allowed[b] = True
        src = np.zeros(p.n_units, bool)
        src[b] = True
        key[s] = _bfs(p.adj, src, allowed)
    return key


def _current_order(
    p: _Problem, tolerance: float, cur: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order that the current zones (or ``cur``) satisfy.

    A squad's current cells connected to its base come first, in hops from
    the base inside the zone, then other cells by hops from the zone. Returns
    the order, those hops from the zone, and which zones are in trouble
    (load outside the tolerance, cut in pieces, or next to unzoned cells).
    """
    cur = p.cur if cur is None else cur
    m, n_units = len(p.squad_ids), p.n_units
    key = np.full((m, n_units), -1, dtype=np.int32)
    hops = np.full((m, n_units), -1, dtype=np.int32)
    trouble = np.zeros(m, bool)
    got = cur >= 0
    load = np.bincount(cur[got], p.w[got], m)
    for s, b in enumerate(p.base):
        allowed = p.allowed[s].copy()
        allowed[b] = True
        src = np.zeros(n_units, bool)
        src[b] = True
        d_in = _bfs(p.adj, src, allowed & ((cur == s) | src))
        inside = d_in >= 0
        hops[s] = _bfs(p.adj, inside, allowed)
        key[s] = np.where(inside, d_in, np.where(hops[s] > 0, d_in.max() + hops[s], -1))
        trouble[s] = ((cur == s) & ~inside).any()
    trouble |= np.abs(load - p.target) > tolerance * p.target
    src, dst = p.arcs
    lost = (cur[src] < 0) & (p.unit_group[src] >= 0) & (cur[dst] >= 0)
    trouble[cur[dst[lost]]] = True
    return key, hops, trouble


def _rezone_candidates(
    p: _Problem, hops: np.ndarray, trouble: np.ndarray, band: int, rings: int
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


def _nearest(p: _Problem, key: np.ndarray, k: int) -> np.ndarray:
    """Mask of the ``k`` nearest squads (by travel) that can reach each unit."""
    r = np.where(key >= 0, p.rank, np.inf)
    order = np.argsort(r, axis=0, kind="stable")[:k]
    cand = np.zeros_like(key, dtype=bool)
    cols = np.broadcast_to(np.arange(p.n_units), order.shape)
    ok = np.isfinite(np.take_along_axis(r, order, axis=0))
    cand[order[ok], cols[ok]] = True
    return cand


def _enough(p: _Problem, key: np.ndarray, factor: float) -> np.ndarray:
    """Mask giving each squad its nearest units up to ``factor`` x its target.

    Cell-side candidates (each unit's nearest squads) starve a squad whose
    base lies in a quiet corner (a reclaimed polder, a forest): no busy cell
    has it among its nearest, so no zoning can fill it and the model is
    infeasible although a balanced zoning exists. Squad-side candidates fix
    that: every squad may reach out until enough work is in its candidates.
    """
    cand = np.zeros_like(key, dtype=bool)
    for s in range(len(p.squad_ids)):
        ok = np.flatnonzero(key[s] >= 0)
        order = ok[np.argsort(p.rank[s, ok], kind="stable")]
        cum = np.cumsum(p.w[order])
        stop = int(np.searchsorted(cum, factor * p.target[s])) + 1
        cand[s, order[:stop]] = True
    return cand


def _close(p: _Problem, key: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Candidates plus, for each, a path of smaller-order units to the base.

    Without the path a candidate could never satisfy the order constraint.
    Also gives every reachable unit with no candidate its 4 nearest squads.
    """
    cand = cand | (_nearest(p, key, 4) & ~cand.any(axis=0)[None, :])
    cand &= key >= 0
    src, dst = p.arcs
    for s in range(len(p.squad_ids)):
        k = key[s]
        cand[s, p.base[s]] = True
        ok = (k[src] >= 0) & (k[dst] > k[src])
        pred = np.full(p.n_units, -1)
        pred[dst[ok]] = src[ok]
        valid = np.flatnonzero(k > 0)
        order = valid[np.argsort(k[valid], kind="stable")]
        levels = k[order]
        top = int(levels[-1]) if len(levels) else 0
        starts = np.searchsorted(levels, np.arange(1, top + 2))
        row = cand[s]
        for level in range(top, 0, -1):
            group = order[starts[level - 1] : starts[level]]
            sel = group[row[group]]
            if len(sel):
                row[pred[sel]] = True
    return cand


def _islands(p: _Problem, key: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Squad for each island unit (-1 elsewhere) and the island unit groups.

    An island is a connected set of units no squad can reach through units it
    may serve; it goes whole to the squad with the least travel cost to it.
    """
    island = (key < 0).all(axis=0) & (p.unit_group >= 0)
    out = np.full(p.n_units, -1, dtype=int)
    if not island.any():
        return out, []
    label = _zone_pieces(p, p.unit_group, island)
    groups = []
    for lab in np.unique(label[island]):
        units = np.flatnonzero(island & (label == lab))
        ok = p.squad_group == p.unit_group[units[0]]
        total = np.where(ok, p.cost[:, units].sum(axis=1), np.inf)
        out[units] = int(np.argmin(total))
        groups.append(units)
    return out, groups


def _int_loads(
    p: _Problem, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer unit loads and each squad's integer load band [lo, hi]."""
    total = p.w.sum()
    scale = _LOAD_UNITS / total if total > 0 else 0.0
    w_int = np.round(p.w * scale).astype(np.int64)
    # However the units are grouped, integer loads differ from the true ones
    # by at most the summed rounding: shrink the band by it, so a zoning
    # CP-SAT accepts always passes the exact check in :func:`_verify`.
    margin = float(np.abs(w_int - p.w * scale).sum())
    t_int = p.target * scale
    lo = np.ceil(t_int * (1 - tolerance) + margin).astype(np.int64)
    hi = np.floor(t_int * (1 + tolerance) - margin).astype(np.int64)
    return w_int, lo, hi


def tolerance_text(tolerance: float) -> str:
    """A tolerance as planners write it: 0.05 is 5%, 0.005 is 0.5% (``:.0%``
    printed that as 0%); the zoning notes panel shows it the same way."""
    return f"{100 * tolerance:g}%"


def _pct(x: float, total: float) -> str:
    return f"{100.0 * x / total:.1f}%" if total > 0 else "0%"


def _precheck(
    p: _Problem, key: np.ndarray, fixed: np.ndarray, settings: ZoningSettings
) -> list[str]:
    """Reasons, in planner words, why no zoning can meet the tolerance."""
    tol = settings.tolerance
    reasons: list[str] = []
    total = p.w.sum()
    hi = p.target * (1 + tol)
    lo = p.target * (1 - tol)
    reach = key >= 0
    for u in np.flatnonzero(p.unit_group >= 0):
        who = np.flatnonzero(reach[:, u]) if fixed[u] < 0 else np.array([fixed[u]])
        if len(who) and (p.w[u] > hi[who]).all():
            s = who[np.argmax(hi[who])]
            reasons.append(
                f"{p.unit_label[u]} alone carries {p.w[u]:,.0f} min "
                f"({_pct(p.w[u], total)} of the load), above the "
                f"±{tolerance_text(tol)} tolerance of squad {p.squad_ids[s]}'s target "
                f"({p.target[s]:,.0f} min)"
            )
    # A zone holds its base; when the base is below the band and even its
    # lightest neighbour would carry it above, no zone of that squad fits.
    nbrs = np.split(p.adj.indices, p.adj.indptr[1:-1])
    for s, b in enumerate(p.base.tolist()):
        near = [
            v
            for v in nbrs[b].tolist()
            if reach[s, v] and fixed[v] in (-1, s) and p.unit_group[v] >= 0
        ]
        if not near or p.w[b] >= lo[s] - 1e-9 or fixed[near].max(initial=-1) == s:
            continue
        v = min(near, key=lambda x: p.w[x])
        if p.w[b] + p.w[v] > hi[s] + 1e-9:
            reasons.append(
                f"squad {p.squad_ids[s]}'s zone must hold its base "
                f"{p.unit_label[b]} ({p.w[b]:,.0f} min); alone that is below its "
                f"target {p.target[s]:,.0f} min -{tolerance_text(tol)} "
                f"({lo[s]:,.0f} min), but "
                f"adding even the lightest neighbouring cell ({p.unit_label[v]}, "
                f"{p.w[v]:,.0f} min) brings it to {p.w[b] + p.w[v]:,.0f} min, above "
                f"+{tolerance_text(tol)} ({hi[s]:,.0f} min): cells are too coarse for "
                f"±{tolerance_text(tol)} here (use smaller cells or a wider tolerance)"
            )
    fixed_load = np.bincount(fixed[fixed >= 0], p.w[fixed >= 0], len(p.squad_ids))
    can = fixed_load + np.where(reach & (fixed < 0)[None, :], p.w, 0.0).sum(axis=1)
    nested = f" within its {'片区' if settings.nest else 'connected cells'}"
    if settings.reach_minutes is not None:
        nested += f" and {settings.reach_minutes:g}-minute reach"
    for s, sid in enumerate(p.squad_ids):
        if fixed_load[s] > hi[s] + 1e-9:
            reasons.append(
                f"cells locked to squad {sid} (with its base and islands) already "
                f"carry {fixed_load[s]:,.0f} min, above its target "
                f"{p.target[s]:,.0f} min +{tolerance_text(tol)}"
            )
        if can[s] < lo[s] - 1e-9:
            reasons.append(
                f"squad {sid} can take at most {can[s]:,.0f} min of work{nested}, "
                f"below its target {p.target[s]:,.0f} min -{tolerance_text(tol)}"
            )
    for g, name in enumerate(p.group_names):
        members = np.flatnonzero(p.squad_group == g)
        if settings.nest and len(members) == 1 and reasons:
            s = members[0]
            if any(p.squad_ids[s] in r for r in reasons):
                reasons.append(
                    f"area {name} has 1 squad ({p.squad_ids[s]}), so its whole "
                    "load must fit that squad's zone"
                )
    return reasons


def _greedy(
    p: _Problem, key: np.ndarray | None, cand: np.ndarray, fixed: np.ndarray,
    score: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Balanced region growing: the CP-SAT hint, and the LP start's rounding.

    The zone furthest below its target grows next, by its eligible unit of
    least ``score`` (minutes by default); given an order ``key`` it only
    claims neighbours of larger order. Units it never reaches stay -1 (a
    partial hint).
    """
    m = len(p.squad_ids)
    hint = fixed.copy()
    load = np.bincount(hint[hint >= 0], p.w[hint >= 0], m)
    target = np.where(p.target > 0, p.target, 1.0)
    indptr, indices = p.adj.indptr, p.adj.indices
    keys = _rows(key) if key is not None else None
    cands, scores = _rows(cand), _rows(p.rank if score is None else score)
    heaps: list[list[tuple[float, int]]] = [[] for _ in range(m)]

    def push(s: int, u: int) -> None:
        cs, sc = cands[s], scores[s]
        ks = keys[s] if keys is not None else None
        for v in indices[indptr[u] : indptr[u + 1]].tolist():
            if hint[v] < 0 and cs[v] and (ks is None or ks[v] > ks[u]):
                heapq.heappush(heaps[s], (sc[v], v))

    for u in np.flatnonzero(hint >= 0).tolist():
        if keys is None or keys[hint[u]][u] >= 0:
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
    p: _Problem,
    key: np.ndarray,
    cand: np.ndarray,
    fixed: np.ndarray,
    aim: float,
    deadline: float,
) -> np.ndarray:
    """Priced simultaneous growth: a start near the contiguity-free LP optimum.

    Zones grow together, each unit going to the first zone to claim it in
    order of ``minutes - price`` (see :func:`_flood`); prices fall for zones
    above target and rise below it (subgradient steps on the Lagrangian dual
    of balanced assignment). On 50-squad county grids this starts CP-SAT
    several percent closer to the LP bound than balanced greedy growth,
    which large models rarely recover in the time limit. Returns the most
    balanced growth found; :func:`_balance` finishes it.
    """
    m = len(p.squad_ids)
    target = np.where(p.target > 0, p.target, 1.0)
    free = (fixed < 0) & (p.unit_group >= 0)
    near = np.where((key >= 0) & cand, p.rank, np.inf).min(axis=0)
    ok = free & np.isfinite(near)
    w = p.w[ok] + 1e-9
    step0 = max(1e-3, float(np.average(near[ok], weights=w))) if ok.any() else 1.0
    price = np.zeros(m)
    best, best_dev = fixed, np.inf
    for it in range(40):
        units = _flood(p, key, cand, fixed, p.rank - price[:, None])
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


def _flood(
    p: _Problem, key: np.ndarray | None, cand: np.ndarray, fixed: np.ndarray,
    score: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Grow all zones at once, cheapest ``score`` claim first.

    With ``minutes - price`` as the score the split follows the priced
    (weighted Voronoi) one. Given an order ``key``, a zone only claims
    neighbours of larger order, so every zone satisfies the CP-SAT distance
    order. Units nobody reaches stay -1 for :func:`_balance`.
    """
    start = fixed.copy()
    indptr, indices = p.adj.indptr, p.adj.indices
    keys = _rows(key) if key is not None else None
    cands, scores = _rows(cand), _rows(score)
    heap: list[tuple[float, int, int]] = []

    def push(s: int, u: int) -> None:
        cs, sc = cands[s], scores[s]
        ks = keys[s] if keys is not None else None
        for v in indices[indptr[u] : indptr[u + 1]].tolist():
            if start[v] < 0 and cs[v] and (ks is None or ks[v] > ks[u]):
                heapq.heappush(heap, (sc[v], s, v))

    for u in np.flatnonzero(fixed >= 0).tolist():
        if keys is None or keys[fixed[u]][u] >= 0:
            push(int(fixed[u]), u)
    while heap:
        _, s, v = heapq.heappop(heap)
        if start[v] < 0:
            start[v] = s
            push(s, v)
    return start


def _lp(
    p: _Problem, key: np.ndarray, fixed: np.ndarray, tolerance: float,
    deadline: float, ordered: bool, cancel: CancelToken | None = None,
) -> tuple[np.ndarray, np.ndarray, float] | None:  # fmt: skip
    """LP relaxation of balanced assignment over each unit's nearest squads.

    Returns ``(x, columns, bound)``: each unit's fractional share per squad,
    the pairs the LP could use, and a lower bound on workload x minutes of
    every zoning within the tolerance (the load duals priced over *all*
    permitted pairs, so neither the nearest-squads restriction nor the order
    rows can overstate it). ``ordered`` adds the distance-order rows of the
    CP-SAT model (a unit's share of a squad is at most that squad's shares of
    its neighbours nearer the base), lazily: see :func:`_order_lazily`; a
    cancel stops the rounds.
    Returns None when the LP is too large for the time left or finds nothing
    (candidates too narrow, time out): the callers then keep what they had.
    """
    import highspy  # only these refinements need it

    m = len(p.squad_ids)
    free = (fixed < 0) & (p.unit_group >= 0)
    cand = (_nearest(p, key, _LP_NEAREST) | _enough(p, key, 1.5)) & (key >= 0)
    cand &= free[None, :]

    def memo(ordered: bool) -> bytes:
        return b"".join(
            [bytes([ordered]), np.float64(tolerance).tobytes(), fixed.tobytes()]
            + ([key.tobytes()] if ordered else [np.packbits(cand).tobytes()])
        )

    if memo(ordered) in p.lp_memo:
        return p.lp_memo[memo(ordered)]
    sq, un = np.nonzero(cand)
    nv = len(sq)
    have = np.unique(un)
    left = deadline - time.monotonic()
    if nv == 0 or left < 1.0:
        return None
    if _LP_SECONDS * len(have) * np.sqrt(nv) > _LP_TIME_SHARE * left:
        return None
    w = p.w
    const = np.bincount(fixed[fixed >= 0], w[fixed >= 0], m)
    lo, hi = (1 - tolerance) * p.target - const, (1 + tolerance) * p.target - const
    rows = sparse.vstack(
        [
            sparse.csr_matrix((w[un], (sq, np.arange(nv))), shape=(m, nv)),
            sparse.csr_matrix(
                (np.ones(nv), (np.searchsorted(have, un), np.arange(nv))),
                shape=(len(have), nv),
            ),
        ],
        format="csc",
    )
    cost = p.cost - p.eps_cost  # workload x minutes, as the result reports it
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nv, rows.shape[0]
    lp.col_cost_ = cost[sq, un]
    lp.col_lower_, lp.col_upper_ = np.zeros(nv), np.ones(nv)
    lp.row_lower_ = np.concatenate([lo, np.ones(len(have))])
    lp.row_upper_ = np.concatenate([hi, np.ones(len(have))])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = rows.indptr
    lp.a_matrix_.index_ = rows.indices
    lp.a_matrix_.value_ = rows.data
    # The plain wrapper, highspy.Highs, registers its callbacks before any
    # option can be set, which prints HiGHS's banner on every solve.
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")  # dual simplex: warm starts on new rows
    h.setOptionValue("presolve", "off")  # removes nothing here: 5 s of 29 on 150 m
    h.passModel(lp)

    def result(solution: object) -> tuple[np.ndarray, np.ndarray, float]:
        x = np.zeros((m, p.n_units))
        x[sq, un] = np.clip(solution.col_value, 0.0, 1.0)
        dual = np.asarray(solution.row_dual[:m])  # <= 0 where a zone is full
        priced = np.where(key >= 0, cost - p.w[None, :] * dual[:, None], np.inf)
        least = priced[:, free].min(axis=0)
        got = fixed >= 0
        bound = float(
            least[np.isfinite(least)].sum()
            + hi @ np.minimum(dual, 0.0)
            + lo @ np.maximum(dual, 0.0)
            + cost[fixed[got], np.flatnonzero(got)].sum()
        )
        return x, cand, bound

    started = time.monotonic()
    if not _run_highs(h, deadline):
        return None
    solution = h.getSolution()
    p.lp_memo[memo(False)] = result(solution)  # CP-SAT's candidates reuse it
    if not ordered:
        return p.lp_memo[memo(False)]
    solution = _order_lazily(
        h, deadline, *_order_rows(p, key, fixed, cand), solution,
        time.monotonic()
        + max(_LP_ORDER_TIME * (time.monotonic() - started), _LP_ORDER_SECONDS),
        cancel,
    )  # fmt: skip
    out = result(solution)
    if cancel is None or not cancel.cancelled:  # else cut short by the planner
        p.lp_memo[memo(True)] = out
    return out


def _run_highs(h: object, deadline: float) -> bool:
    """Run HiGHS until ``deadline``; True when it ends optimal.

    HiGHS counts its time limit over every run of the object, not per run:
    set to the seconds left, the order rounds after a plain solve that took
    longer than that stopped at once (萧山 250 m in a 60 s zoning: one round
    of seven), so the limit is the run time so far plus the seconds left.
    """
    import highspy

    left = deadline - time.monotonic()
    if left < 0.1:
        return False
    h.setOptionValue("time_limit", float(h.getRunTime() + left))
    h.run()
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def _order_lazily(
    h: object, deadline: float, order: sparse.csr_matrix, row_of: np.ndarray,
    solution: object, until: float, cancel: CancelToken | None,
) -> object:  # fmt: skip
    """Add the order rows the LP's pairs need, round by round, to ``h``.

    Solving with all order rows takes 20 s on 萧山 250 m (330k pairs and as
    many rows) where the LP without them takes 5 s. A row binds only where
    its pair has a share, so each round adds the rows of the pairs with a
    share and of every pair on their paths to the base (a row alone only
    pulled a share cut off from its base one step nearer each round: 30+
    rounds, cut short with zones' shares 40 cells out), and of the pairs one
    step further out; the dual simplex goes on from the last basis. On 250 m
    that takes 5-7 rounds (5 s) with 35k rows. The rounds stop when no row
    is violated, at ``until`` or at a cancel; returns the last optimal
    solution.
    """
    import highspy

    if order.shape[0] == 0:  # every pair next to its base (town units)
        return solution
    added = np.zeros(order.shape[0], bool)
    behind = (order < 0).astype(np.float64).tocsr()  # row of b -> nearer pairs a
    has = row_of >= 0
    for _ in range(_LP_ORDER_ROUNDS):
        x = np.asarray(solution.col_value)
        if (order @ x).max(initial=0.0) <= 1e-6 or time.monotonic() > until:
            break
        if cancel is not None and cancel.cancelled:
            break
        used = x > 1e-9
        paths = _upstream(behind, row_of, used)
        need = np.zeros(order.shape[0], bool)
        need[row_of[paths & has]] = True
        need |= behind @ used > 0  # and of the pairs one step further out
        need &= ~added
        if not need.any():
            break
        added |= need
        new = order[need]
        h.addRows(
            new.shape[0], np.full(new.shape[0], -highspy.kHighsInf),
            np.zeros(new.shape[0]), new.nnz, new.indptr[:-1].astype(np.int32),
            new.indices.astype(np.int32), new.data,
        )  # fmt: skip
        if not _run_highs(h, deadline):
            break
        solution = h.getSolution()
    return solution


def _upstream(
    behind: sparse.csr_matrix, row_of: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """``used`` and every pair on a path of nearer pairs to the base
    (``behind``: each order row's nearer pairs; ``row_of``: each pair's row)."""
    closed = used.copy()
    front = np.flatnonzero(used)
    while len(front):
        rows = row_of[front]
        nxt = np.unique(behind[rows[rows >= 0]].indices)
        front = nxt[~closed[nxt]]
        closed[front] = True
    return closed


def _order_rows(
    p: _Problem, key: np.ndarray, fixed: np.ndarray, cand: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """``x[s, b] - sum x[s, a] <= 0`` over b's neighbours a nearer s's base.

    The LP form of the CP-SAT order constraints, over the pairs of ``cand``
    (in :func:`numpy.nonzero` order); a unit next to one fixed to s needs no
    row. Returns the rows and each pair's row (-1: none).
    """
    m = len(p.squad_ids)
    sq, un = np.nonzero(cand)
    pid = np.full((m, p.n_units), -1, dtype=np.int64)
    pid[sq, un] = np.arange(len(sq))
    src, dst = p.arcs
    rows, cols, vals = [], [], []
    n_rows = 0
    row_of = np.full(len(sq), -1, dtype=np.int64)
    for s in range(m):
        k = key[s]
        ok = ((pid[s, src] >= 0) | (fixed[src] == s)) & (pid[s, dst] >= 0)
        ok &= (k[src] >= 0) & (k[src] < k[dst])
        done = np.zeros(p.n_units, bool)
        done[dst[ok & (fixed[src] == s)]] = True
        need = np.flatnonzero((pid[s] >= 0) & ~done)
        row = np.full(p.n_units, -1, dtype=np.int64)
        row[need] = n_rows + np.arange(len(need))
        n_rows += len(need)
        arc = ok & ~done[dst] & (pid[s, src] >= 0)
        rows += [row[need], row[dst[arc]]]
        cols += [pid[s, need], pid[s, src[arc]]]
        vals += [np.ones(len(need)), -np.ones(int(arc.sum()))]
        row_of[pid[s, need]] = row[need]
    order = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, len(sq)),
    )
    return order, row_of


def _lp_start(
    p: _Problem, key: np.ndarray, fixed: np.ndarray, tolerance: float,
    deadline: float, cancel: CancelToken | None = None,
) -> np.ndarray | None:  # fmt: skip
    """Start from the LP relaxation of the distance-ordered model.

    Priced growth gets each zone's prices locally right but can leave the
    work spread wrongly over the county: on 萧山 at ±2% a start with 28
    zones outside the band (60% of a target in excess, summed) that chains
    of zone re-solves cannot drain in a minute. The LP (HiGHS) balances the
    whole county at once; zones grown from the bases by its fractions, the
    zone furthest below target first, leave a few zones a little outside,
    which border moves and zone re-solves drain in seconds. The order rows
    come in rounds (:func:`_order_lazily`), which on large grids may stop
    with a few rows still violated. None when :func:`_lp` gives nothing.
    """
    lp = _lp(p, key, fixed, tolerance, deadline, ordered=True, cancel=cancel)
    if lp is None:
        return None
    x, cand, _ = lp
    # Claim whole LP shares first; minutes only break ties. The zone furthest
    # below target claims next: grown all at once, zones near the middle take
    # shares the LP gave zones further out, which then end far below target.
    score = 1.0 - x + 1e-4 * p.rank / max(float(np.median(p.rank[cand])), 1e-9)
    units = _greedy(p, None, cand, fixed, score)
    free = (fixed < 0) & (p.unit_group >= 0)
    if (free & (units < 0)).any():  # out of the LP's reach: any permitted squad
        units = _flood(p, None, key >= 0, units, score)
    return units


def _lp_balanced(
    p: _Problem, key: np.ndarray, fixed: np.ndarray, exempt: np.ndarray,
    tolerance: float, deadline: float, settings: ZoningSettings,
    progress: ProgressFn, cancel: CancelToken | None, t0: float,
) -> np.ndarray | None:  # fmt: skip
    """The LP start, brought into the band by border moves on true
    contiguity, then re-solves of zone paths. None without an LP."""
    units = _lp_start(p, key, fixed, tolerance, deadline, cancel)
    if units is None:
        return None
    units = _repair(
        p, fixed, exempt, units, 0.5 * tolerance, 0.0, 0.9 * tolerance, deadline
    )
    return _lns(
        p, fixed, exempt, units, tolerance, deadline, settings, progress, cancel,
        t0, balance_only=True,
    )  # fmt: skip


def _lp_support(
    p: _Problem, key: np.ndarray, fixed: np.ndarray, start: np.ndarray,
    tolerance: float, deadline: float,
) -> tuple[np.ndarray, float] | None:  # fmt: skip
    """Candidates for CP-SAT: the pairs the balanced LP uses, and the start's.

    The LP optimum (contiguity ignored) shares only about one unit per zone
    between squads, so its pairs plus the start's make a model a third the
    size of the nearest-squads one, holding the zoning the start must move
    towards: on 萧山 500 m at ±5% a 60 s zoning then ends at 1.04-1.06 x the
    LP bound instead of 1.08-1.09. Returns them with the LP's bound, which,
    unlike CP-SAT's bound on so narrow a model, holds for every zoning; None
    when :func:`_lp` gives nothing.
    """
    lp = _lp(p, key, fixed, tolerance, deadline, ordered=False)
    if lp is None:
        return None
    x, _, bound = lp
    return _with_zoning((x > 1e-6) & (key >= 0), start), bound


def _border_moves(
    p: _Problem,
    zl: list[int],
    movable: np.ndarray,
    allowed: np.ndarray | None,
    score: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    step: Callable[[int, int, int], bool],
    deadline: float,
) -> int:
    """One sweep of border moves, best first; returns how many were made.

    The loop :func:`_balance` and :func:`_repair` share: ``score`` rates
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
    order = np.argsort(gain, kind="stable")
    order = order[gain[order] < 0]
    moved = 0
    for i in order.tolist():
        uu, aa, bb = int(u[i]), int(a[i]), int(b[i])
        if zl[uu] == aa and step(uu, aa, bb):
            moved += 1
        if moved % 64 == 0 and time.monotonic() > deadline:
            break
    return moved


def _descend(
    p: _Problem,
    zl: list[int],
    load: list[float],
    movable: np.ndarray,
    allowed: np.ndarray | None,
    move: Callable[[int, int, int], bool],
    aim: float,
    slack: float,
    band: float | None,
    deadline: float,
    stuck: Callable[[], bool] | None = None,
) -> None:
    """Balance, then compact, by border moves (``zl`` and ``load`` in place).

    First minimises the squared relative deviation beyond ``slack`` (so
    surplus diffuses along chains of zones) until every load is within
    ``aim``, calling ``stuck`` (an ejection chain) when no single move
    helps. Then, given a ``band`` that every load is inside, moves border
    units to a squad with less workload x minutes while both loads stay
    inside it. ``move(u, a,
    b)`` applies one move if the zone rules allow it.
    """
    w_arr = p.w
    target = np.where(p.target > 0, p.target, 1.0)
    tl, w = target.tolist(), w_arr.tolist()

    def pen(dev: np.ndarray | float) -> np.ndarray | float:
        """Squared deviation beyond the slack: zones inside it are neutral."""
        return np.maximum(0.0, np.abs(dev) - slack) ** 2

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
        if np.abs(dev).max(initial=0.0) <= aim:
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


def _balance(
    p: _Problem,
    key: np.ndarray,
    cand: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    start: np.ndarray,
    aim: float,
    slack: float,
    band: float | None,
    deadline: float,
) -> np.ndarray:
    """Local search that moves border units towards balance, keeping the order.

    Gives CP-SAT a complete, usually balanced, hint: on large grids its own
    search rarely repairs a poor one in time. Minimises the sum of squared
    relative deviations, so surplus diffuses along chains of zones, until
    every load is within ``aim`` or no move helps; deviations within
    ``slack`` cost nothing, so re-zoning leaves healthy zones alone. Then,
    given a ``band`` (re-zoning wants few changes and gives none), moves
    border units to cheaper squads while both loads stay within ``band``.
    """
    m = len(p.squad_ids)
    zone = start.copy()
    nbrs = np.split(p.adj.indices, p.adj.indptr[1:-1])
    nbrs = [x.tolist() for x in nbrs]
    keys, cands = _rows(key), _rows(cand)
    w = p.w.tolist()
    target = np.where(p.target > 0, p.target, 1.0).tolist()
    got = zone >= 0
    load = np.bincount(zone[got], p.w[got], m).tolist()
    anchored = exempt.copy()
    anchored[p.base] = True
    movable = (fixed < 0) & (p.unit_group >= 0)
    zl = zone.tolist()

    def support(u: int, s: int) -> int:
        ks, k = keys[s], keys[s][u]
        return sum(1 for v in nbrs[u] if zl[v] == s and 0 <= ks[v] < k)

    sup = [support(u, s) if s >= 0 else 0 for u, s in enumerate(zl)]

    def move(u: int, b: int) -> bool:
        """Move ``u`` to zone ``b`` if the order stays intact."""
        a = zl[u]
        kb = keys[b][u]
        if not cands[b][u] or kb < 0:
            return False
        new = support(u, b)
        if new == 0:
            return False
        if a >= 0:
            ka, kas = keys[a][u], keys[a]
            for v in nbrs[u]:
                if zl[v] == a and not anchored[v] and kas[v] > ka and sup[v] < 2:
                    return False
            for v in nbrs[u]:
                if zl[v] == a and kas[v] > ka:
                    sup[v] -= 1
            load[a] -= w[u]
        kbs = keys[b]
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
        p, zl, load, movable, None, lambda u, a, b: zl[u] == a and move(u, b),
        aim, slack, band, deadline,
    )  # fmt: skip
    return np.asarray(zl)


def _repair(
    p: _Problem,
    fixed: np.ndarray,
    exempt: np.ndarray,
    start: np.ndarray,
    aim: float,
    slack: float,
    band: float | None,
    deadline: float,
) -> np.ndarray:
    """Local search on true contiguity: balance, then relocate for travel.

    Like :func:`_balance`, but a unit may leave its zone whenever the rest of
    the zone stays connected (checked by a bounded search around it), not
    only when the distance order allows. The order pins each zone's shortest
    paths to its base: a zone whose spine runs along a border cannot give
    cells across it, and a squad boxed into a quiet corner (two bases in one
    corner, a base on a polder) stays starved although a balanced zoning
    exists. Minimises squared deviation beyond ``slack`` until every load is
    within ``aim``; then, given a ``band``, moves border units to a squad
    with less workload x minutes while both loads stay inside the band (the
    relocate pass that tightens compactness). The result is contiguous but
    need not follow the bases' order: solve it with :func:`_current_order`.
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

    def pen(dev: np.ndarray | float) -> np.ndarray | float:
        return np.maximum(0.0, np.abs(dev) - slack) ** 2

    def total() -> float:
        return float(pen((np.asarray(load) - target) / target).sum())

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
            prev, queue, ends = {d: -1}, [d], []
            while queue:
                nxt = []
                for x in queue:
                    for y in sorted(zn[x]):
                        if y not in prev:
                            prev[y] = x
                            nxt.append(y)
                            if (dev[y] > 0) == short and abs(dev[y]) > 0.25 * aim:
                                ends.append(y)
                queue = nxt
            for end in ends[:6]:
                path = [end]
                while path[-1] != d:
                    path.append(prev[path[-1]])
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

    _descend(p, zl, load, movable, allowed, move, aim, slack, band, deadline, chain)
    return np.asarray(zl)


def _zone_neighbours(p: _Problem, units: np.ndarray) -> list[set[int]]:
    """Zones sharing a border with each zone."""
    src, dst = p.arcs
    a, b = units[src], units[dst]
    cross = (a != b) & (a >= 0) & (b >= 0)
    near: list[set[int]] = [set() for _ in range(len(p.squad_ids))]
    for x, y in zip(a[cross].tolist(), b[cross].tolist(), strict=True):
        near[x].add(y)
    return near


def _excess(p: _Problem, units: np.ndarray, tolerance: float) -> np.ndarray:
    """Minutes of each zone's load outside its ``±tolerance`` band."""
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    return np.maximum(0.0, np.abs(load - p.target) - tolerance * p.target)


def _free_units(
    p: _Problem, units: np.ndarray, inside: np.ndarray, free: np.ndarray
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
    hops = _bfs(p.adj, border, inside)
    ok = free & (hops >= 0)
    counts = np.bincount(hops[ok])
    limit = int(np.searchsorted(np.cumsum(counts), _LNS_UNITS, side="right"))
    return ok & (hops < max(1, limit))


def _resolve_zones(
    p: _Problem,
    units: np.ndarray,
    zones: list[int],
    fixed: np.ndarray,
    exempt: np.ndarray,
    tolerance: float,
    seconds: float,
    settings: ZoningSettings,
    stall: float = _LNS_STALL,
    stay: np.ndarray | None = None,
) -> np.ndarray | None:
    """Re-solve the cells of a few adjacent ``zones`` with CP-SAT; ``None``
    unless the result is better.

    The cells of those zones go to those squads only, so every other zone is
    untouched. Contiguity is exact (not the distance order of :func:`_solve`):
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
    label = _zone_pieces(p, units, pinned)
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
        order = [root]
        nbr: dict[int, list[int]] = {}
        for a, b in sub.tolist():
            if a in mine and b in mine:
                nbr.setdefault(a, []).append(b)
        for a in order:
            for b in nbr.get(a, []):
                if b not in parent:
                    parent[b] = a
                    depth[b] = depth[a] + 1
                    order.append(b)
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

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = max(1, settings.workers)
    solver.parameters.random_seed = settings.seed
    solver.parameters.cp_model_probing_level = 0
    # Re-zoning: the planner waits, and minutes shaved off zones already
    # balanced with few moves are not worth it; the search stops once the
    # load and the moved units (multiples of ``penalty``) stall.
    status = _solve_until_stall(
        solver, model, stall, penalty if stay is not None else None
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    new = units.copy()
    for (i, v), var in x.items():
        if solver.boolean_value(var):
            new[free_idx[v]] = zones[i]
    if (new == units).all():
        return None
    # accept only a verified improvement: (load outside band, travel) falls
    ok = _contiguous(p.adj, new, m, exempt)
    if not ok[zones].all():
        return None
    cols = np.arange(p.n_units)

    def rank(z: np.ndarray) -> tuple[float, float, int, float]:
        """(worst relative excess, total excess, units away from ``stay``,
        cost), rounded for noise."""
        ex = _excess(p, z, tolerance)[zones]
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


class _LastImproved(cp_model.CpSolverSolutionCallback):
    """Notes when the incumbent last improved; with a ``unit``, only when
    the objective's multiple of it fell (the terms that outrank the rest)."""

    def __init__(self, unit: int | None = None) -> None:
        super().__init__()
        self.when = time.monotonic()
        self.unit = unit
        self.best = math.inf

    def on_solution_callback(self) -> None:
        if self.unit is None:
            self.when = time.monotonic()
            return
        major = math.floor(self.objective_value / self.unit)
        if major < self.best:
            self.best = major
            self.when = time.monotonic()


def _solve_until_stall(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    stall: float,
    unit: int | None = None,
) -> int:
    """Solve, but stop once the incumbent has not improved for ``stall`` s
    (counting only the objective's multiples of ``unit``, if given).

    A neighbourhood rarely improves after its first second; proving the
    optimum takes far longer than finding it, and the time is better spent
    on the next neighbourhood.
    """
    seen = _LastImproved(unit)
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.05):
            if time.monotonic() - seen.when > stall:
                solver.stop_search()
                return

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        return solver.solve(model, seen)
    finally:
        stop.set()
        thread.join()


def _lns(
    p: _Problem,
    fixed: np.ndarray,
    exempt: np.ndarray,
    units: np.ndarray,
    tolerance: float,
    deadline: float,
    settings: ZoningSettings,
    progress: ProgressFn,
    cancel: CancelToken | None,
    t0: float,
    balance_only: bool = False,
    spread: bool = True,
    stay: np.ndarray | None = None,
) -> np.ndarray:
    """Large-neighbourhood search: re-solve a few adjacent zones at a time.

    The distance order of the main model pins each zone's spine, and single
    border moves stall where cells are coarse; re-solving a few whole zones
    on exact contiguity (:func:`_resolve_zones`) does neither. While a zone
    is outside the tolerance, the neighbourhood is that zone with its
    neighbours, or the path of zones to one with room on the other side of its
    target (work flows along the path), and border moves (:func:`_repair`)
    then spread what it let through; once all are inside, adjacent pairs and then
    triangles of zones, those with the most work closer to the other base
    first, are re-solved for travel. Stops at the deadline, on cancel, or
    when no neighbourhood improves (``balance_only``: once all are inside).
    Re-zoning passes ``spread=False`` (no border moves, and a zone with all
    its neighbours is re-solved only once paths of zones have failed): those
    pull every zone they reach towards its target, and the planner wants the
    other zones left alone; and ``stay``, so each re-solve moves few cells.
    """
    units = units.copy()
    target = np.where(p.target > 0, p.target, 1.0)

    def off(z: np.ndarray) -> tuple[float, float]:
        """(worst relative, total) load outside the band, rounded for noise."""
        ex = _excess(p, z, tolerance)
        worst = float((ex / target).max(initial=0.0))
        return round(worst, 9), round(float(ex.sum()), 6)

    tried: set[frozenset[int]] = set()
    star = spread
    cols = np.arange(p.n_units)
    window = max(_LNS_STALL_SECONDS, _LNS_STALL_SHARE * settings.time_limit)
    patience = 0
    got = units >= 0
    history = [(time.monotonic(), float((p.cost[units[got], cols[got]]).sum()))]
    while time.monotonic() < deadline - 0.2:
        if cancel is not None and cancel.cancelled:
            break
        excess = _excess(p, units, tolerance)
        if balance_only and excess.max(initial=0.0) <= 0:
            break
        if excess.max(initial=0.0) <= 0 and _stalled(history, window):
            break  # travel no longer falls: give the planner the result now
        near = _zone_neighbours(p, units)
        hoods = (
            _balance_hoods(p, units, near, excess, tolerance, star)
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
        new = _resolve_zones(
            p, units, hood, fixed, exempt, tolerance, seconds, settings,
            stall=_LNS_STALL * 2**patience, stay=stay,
        )  # fmt: skip
        if new is None:
            continue
        changed = set(hood)
        if spread and excess.max(initial=0.0) > 0:
            # border moves then spread along chains of zones what the re-solve
            # let through a neck: far faster than more paths of zones
            eased = _repair(
                p, fixed, exempt, new, 0.5 * tolerance, 0.5 * tolerance, None,
                min(deadline, time.monotonic() + _LNS_REPAIR_SECONDS),
            )  # fmt: skip
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
        worst = float((_excess(p, units, tolerance) / target).max(initial=0.0))
        frac = min(0.99, (time.monotonic() - t0) / max(settings.time_limit, 1e-9))
        note = f", {worst:.1%} beyond ±{tolerance_text(tolerance)}" if worst > 0 else ""
        progress(
            ProgressEvent(STAGE, frac, f"zone neighbourhoods: {obj:,.0f}{note}", obj)
        )
    return units


def _stalled(history: list[tuple[float, float]], window: float) -> bool:
    """Travel fell by less than :data:`_LNS_STALL_GAIN` over the last
    ``window`` seconds of the search (``history``: time, objective)."""
    now, current = time.monotonic(), history[-1][1]
    if now - history[0][0] < window:
        return False
    before = next(obj for t, obj in reversed(history) if t <= now - window)
    return before - current <= _LNS_STALL_GAIN * abs(before)


def _balance_hoods(
    p: _Problem,
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
        prev, queue, ends = {d: -1}, [d], []
        while queue and len(ends) < 12:
            nxt = []
            for z in queue:
                for y in sorted(near[z]):
                    if y not in prev:
                        prev[y] = z
                        nxt.append(y)
                        if room[y] > 0:
                            ends.append(y)
            queue = nxt
        paths = []
        for y in ends:
            path = [y]
            while path[-1] != d:
                path.append(prev[path[-1]])
            if len(path) <= _LNS_PATH:
                paths.append(path)
        yield from (q for q in paths if room[q[0]] >= excess[d])
        yield from (q for q in paths if room[q[0]] < excess[d])


def _travel_hoods(
    p: _Problem, units: np.ndarray, near: list[set[int]]
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


@dataclass
class _Outcome:
    """What one CP-SAT attempt returned."""

    units: np.ndarray | None
    status: str
    bound: float | None = None


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each incumbent, stops the search when cancelled, and notes
    when the incumbent last improved by a meaningful step (see ``_STALL``)."""

    def __init__(
        self,
        progress: ProgressFn,
        cancel: CancelToken | None,
        to_minutes: float,
        offset: float,
        t0: float,
        limit: float,
        label: str,
        bound: float | None = None,
    ):
        super().__init__()
        self.known_bound = bound
        self.progress, self.cancel = progress, cancel
        self.to_minutes, self.offset = to_minutes, offset
        self.t0, self.limit, self.label = t0, limit, label
        self.best = math.inf
        self.improved = time.monotonic()

    def on_solution_callback(self) -> None:
        raw = self.objective_value
        if raw < self.best * (1 - _STALL[0]):
            self.best, self.improved = raw, time.monotonic()
        obj = raw / self.to_minutes + self.offset
        bound = self.known_bound
        if bound is None:
            bound = self.best_objective_bound / self.to_minutes + self.offset
        frac = min(0.99, (time.monotonic() - self.t0) / max(self.limit, 1e-9))
        self.progress(
            ProgressEvent(STAGE, frac, f"{self.label}: {obj:,.0f}", obj, bound)
        )
        if self.cancel is not None and self.cancel.cancelled:
            self.stop_search()


def _solve(
    p: _Problem,
    key: np.ndarray,
    cand: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    hint: np.ndarray,
    *,
    moves: bool,
    soft: bool,
    deadline: float,
    share: float,
    settings: ZoningSettings,
    progress: ProgressFn,
    cancel: CancelToken | None,
    t0: float,
    bound: float | None = None,
) -> _Outcome:
    """Build and run one CP-SAT model over the candidate pairs.

    ``fixed`` units are constants; ``exempt`` units (islands, detached locks)
    need no path to their base. ``moves`` minimises cells moved from
    ``p.cur`` (tie-break: compactness) instead of compactness; ``soft`` lets
    loads leave the band at a high price, for a best-effort zoning. A given
    ``bound`` (the LP's, when the candidates are too narrow for CP-SAT's
    own bound to hold beyond them) is the one reported.
    """
    m, n_units = key.shape
    model = cp_model.CpModel()
    free = (fixed < 0) & (p.unit_group >= 0)
    # Units with one candidate are constants: re-zoning leaves most of the
    # grid to its current squad, and a variable per such unit would make the
    # model (and its build time) grid-sized instead of neighbourhood-sized.
    single = free & (cand.sum(axis=0) == 1)
    if single.any():
        fixed = fixed.copy()
        fixed[single] = cand[:, single].argmax(axis=0)
        free &= ~single
    ps, pu = np.nonzero(cand & free[None, :])
    if time.monotonic() + _BUILD_SECONDS_PER_PAIR * len(ps) > deadline:
        # building and presolving alone would overrun the planner's time limit
        return _Outcome(None, "unknown")
    xs = [model.new_bool_var("") for _ in range(len(ps))]
    pid = np.full((m, n_units), -1, dtype=np.int64)
    pid[ps, pu] = np.arange(len(ps))

    by_unit = np.argsort(pu, kind="stable")
    cuts = np.flatnonzero(np.diff(pu[by_unit])) + 1
    for group in np.split(by_unit, cuts) if len(ps) else []:
        model.add_exactly_one(xs[i] for i in group)

    src, dst = p.arcs
    for s in range(m):
        k = key[s]
        has = (pid[s] >= 0) | (fixed == s)
        need = ((pid[s] >= 0) | ((fixed == s) & ~exempt)) & (k > 0)
        ok = has[src] & need[dst] & (k[src] >= 0) & (k[src] < k[dst])
        done = np.zeros(n_units, bool)
        done[dst[ok & (fixed[src] == s)]] = True
        lits: dict[int, list[int]] = {}
        arc = ok & ~done[dst]
        for a, b in zip(src[arc].tolist(), dst[arc].tolist(), strict=True):
            lits.setdefault(b, []).append(int(pid[s, a]))
        for b in np.flatnonzero(need & ~done).tolist():
            pre = [xs[i] for i in lits.get(b, [])]
            if fixed[b] == s:
                model.add_bool_or(pre)
            else:
                model.add_bool_or([*pre, ~xs[pid[s, b]]])

    w_int, lo, hi = _int_loads(p, settings.tolerance)
    scale_obj = cand & free[None, :]
    mean_cost = p.cost[scale_obj].mean() if scale_obj.any() else 0.0
    to_minutes = _COST_UNITS / mean_cost if mean_cost > 0 else 1.0
    coef = np.round(p.cost[ps, pu] * to_minutes).astype(np.int64)
    gap = 0
    if moves:
        # Moves first: one moved cell outweighs every tie-break together, and
        # the search stops once no zoning with fewer moves can exist.
        coef = np.round(coef / 100.0).astype(np.int64)
        top = np.zeros(n_units, np.int64)
        np.maximum.at(top, pu, coef)
        gap = int(top.sum())
        to_minutes = 2.0 * gap + 1.0
        counts = np.array([len(c) for c in p.unit_cells])
        moved = (p.cur[pu] >= 0) & (p.cur[pu] != ps)
        coef += np.where(moved, int(to_minutes) * counts[pu], 0)
    terms = [cp_model.LinearExpr.weighted_sum(xs, coef.tolist())]
    slack_units = max(1.0, 0.001 * float(lo[lo > 0].min()) if (lo > 0).any() else 1.0)
    penalty = int(math.ceil((int(coef.max(initial=0)) * n_units + 1) / slack_units))
    for s in range(m):
        const = int(w_int[fixed == s].sum())
        sel = np.flatnonzero(ps == s)
        load = cp_model.LinearExpr.weighted_sum(
            [xs[i] for i in sel], w_int[pu[sel]].tolist()
        )
        if soft:
            over = model.new_int_var(0, int(_LOAD_UNITS), "")
            under = model.new_int_var(0, int(_LOAD_UNITS), "")
            model.add(load + const - over <= int(hi[s]))
            model.add(load + const + under >= int(lo[s]))
            terms.append(penalty * (over + under))
        else:
            model.add_linear_constraint(load, int(lo[s]) - const, int(hi[s]) - const)
    model.minimize(sum(terms))
    for i, (s, u) in enumerate(zip(ps.tolist(), pu.tolist(), strict=True)):
        if hint[u] >= 0:
            model.add_hint(xs[i], hint[u] == s)

    solver = cp_model.CpSolver()
    budget = share * (deadline - time.monotonic())
    solver.parameters.max_time_in_seconds = max(0.1, budget)
    solver.parameters.num_workers = max(1, settings.workers)
    solver.parameters.random_seed = settings.seed
    # Light presolve: on county grids full probing costs seconds and gains
    # little; the time is better spent in LNS from the hint.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.max_presolve_iterations = 1
    if moves and not soft:
        solver.parameters.absolute_gap_limit = gap
    offset = float(p.cost[fixed[fixed >= 0], np.flatnonzero(fixed >= 0)].sum())
    label = "moves" if moves else "workload x minutes"
    watcher = _Watcher(
        progress,
        cancel,
        to_minutes,
        0.0 if moves else offset,
        t0,
        settings.time_limit,
        label,
        bound,
    )
    stop = threading.Event()

    def poll() -> None:
        """Stop on cancel, or when the incumbent has stalled for a while."""
        begin = time.monotonic()
        while not stop.wait(0.05):
            now = time.monotonic()
            idle = now - watcher.improved
            stalled = idle > max(_STALL[1], _STALL[2] * (now - begin))
            if (cancel is not None and cancel.cancelled) or (
                watcher.best < math.inf and stalled
            ):
                solver.stop_search()
                return

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        status = solver.solve(model, watcher)
    finally:
        stop.set()
        thread.join()
    cancelled = cancel is not None and cancel.cancelled
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
        return _Outcome(None, "cancelled" if cancelled else name)
    units = fixed.copy()
    chosen = np.array([solver.boolean_value(x) for x in xs], dtype=bool)
    units[pu[chosen]] = ps[chosen]
    if bound is None and not moves and not soft:
        slackness = 0.5 * len(ps) / to_minutes + p.eps_cost.max(axis=0).sum()
        bound = max(0.0, solver.best_objective_bound / to_minutes + offset - slackness)
    name = "cancelled" if cancelled else "optimal"
    if not cancelled and status == cp_model.FEASIBLE:
        name = "feasible"
    return _Outcome(units, name, bound)


def _solve_guided(
    p: _Problem,
    key: np.ndarray,
    cand: np.ndarray,
    narrow: np.ndarray,
    lp_bound: float,
    fixed: np.ndarray,
    exempt: np.ndarray,
    start: np.ndarray,
    deadline: float,
    share: float,
    settings: ZoningSettings,
    progress: ProgressFn,
    cancel: CancelToken | None,
    t0: float,
) -> _Outcome:
    """CP-SAT from a balanced start, on the LP's pairs first (see
    :func:`_lp_support`): a third of the model, and the zoning the start
    must move towards lies inside it.

    Proven optimal there with time to spare (small grids), the full
    candidate model goes on from that zoning with CP-SAT's own bound. When it
    stalls instead (county grids), the pairs are widened by the squads of
    neighbouring cells and solved once more; the LP's bound is reported.
    """

    def solve(c: np.ndarray, hint: np.ndarray, bound: float | None) -> _Outcome:
        return _solve(
            p, key, _close(p, key, c), fixed, exempt, hint,
            moves=False, soft=False, deadline=deadline, share=share,
            settings=settings, progress=progress, cancel=cancel, t0=t0,
            bound=bound,
        )  # fmt: skip

    out = solve(narrow, start, lp_bound)
    if out.units is None:
        return out
    units = out.units
    if out.status == "optimal":
        wide = solve(_with_zoning(cand, units), units, None)
        if wide.units is not None:
            return wide
        return _Outcome(units, _done(wide.status), lp_bound)
    wide = narrow
    for _ in range(_LP_RINGS):
        if out.status == "cancelled" or deadline - time.monotonic() < _LP_RING_SECONDS:
            break
        wide = _with_zoning(_ring(p, wide, key), out.units)
        again = solve(wide, out.units, lp_bound)
        if again.units is None:
            break
        out = again
    return _Outcome(out.units, _done(out.status), lp_bound)


def _ring(p: _Problem, cand: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``cand`` widened by the squads of each unit's neighbours."""
    return cand | ((p.adj @ cand.T.astype(np.int32)).T > 0) & (key >= 0)


def _reshape(
    p: _Problem,
    narrow: np.ndarray,
    lp_bound: float,
    fixed: np.ndarray,
    exempt: np.ndarray,
    units: np.ndarray,
    deadline: float,
    settings: ZoningSettings,
    progress: ProgressFn,
    cancel: CancelToken | None,
    t0: float,
) -> np.ndarray:
    """CP-SAT and zone neighbourhoods again, in the order of the zones as
    they now are, while each round lowers travel and time is left.

    When both stall, seconds of the limit are often left. CP-SAT stalled
    in the order of the start: a zone only grows outward in it, so cells it
    gained cannot carry a path to cells it kept. In the order of the zones
    the neighbourhoods left, it reshapes them again (萧山 500 m at ±2%:
    0.05-0.6% less travel from the 7-16 s left).
    """
    cols = np.arange(p.n_units)

    def cost(z: np.ndarray) -> float:
        """Workload x minutes, as the LP bound counts them."""
        got = z >= 0
        return float((p.cost - p.eps_cost)[z[got], cols[got]].sum())

    while deadline - time.monotonic() >= _LP_RING_SECONDS:
        if cancel is not None and cancel.cancelled:
            break
        before = cost(units)
        if before <= (1 + _RESHAPE_GAP) * lp_bound:
            break  # nothing worth a round's seconds (常山 sample: 0.5%)
        key = _current_order(p, settings.tolerance, units)[0]
        out = _solve(
            p, key, _close(p, key, _with_zoning(_ring(p, narrow, key), units)),
            fixed, exempt, units, moves=False, soft=False, deadline=deadline,
            share=1.0, settings=settings, progress=progress, cancel=cancel, t0=t0,
            bound=lp_bound,
        )  # fmt: skip
        if out.units is None or not _valid(p, out.units, settings.tolerance, exempt):
            break
        after = cost(out.units)
        if after > before * (1 - _LNS_STALL_GAIN):
            if after < before:
                units = out.units
            break
        units = _lns(
            p, fixed, exempt, out.units, settings.tolerance, deadline, settings,
            progress, cancel, t0,
        )  # fmt: skip
    return units


def _done(status: str) -> str:
    """Status of a zoning kept after a later solve: cancelled or feasible."""
    return "cancelled" if status == "cancelled" else "feasible"


def _with_zoning(cand: np.ndarray, units: np.ndarray) -> np.ndarray:
    """``cand`` plus every pair ``units`` uses: a model that holds its hint."""
    cand = cand.copy()
    got = units >= 0
    cand[units[got], np.flatnonzero(got)] = True
    return cand


def _contiguous(
    adj: sparse.csr_matrix, assign: np.ndarray, m: int, ignore: np.ndarray
) -> np.ndarray:
    """Per squad: its cells (apart from ``ignore``) form one edge-connected set."""
    return _pieces(adj, assign, m, ignore) <= 1


def _cells_of(p: _Problem, units: Iterable[int]) -> np.ndarray:
    """Sorted cell ids of ``units`` (a piece, an island) for explanations."""
    return np.sort(p.cell_ids[np.concatenate([p.unit_cells[u] for u in units])])


def _names(ids: np.ndarray, limit: int = 5) -> str:
    """``C1, C2, C3, … (+7 more)`` for explanations."""
    shown = ", ".join(ids[:limit])
    return shown + (f", … (+{len(ids) - limit} more)" if len(ids) > limit else "")


def _verify(
    p: _Problem, assign: np.ndarray, island_cells: np.ndarray, settings: ZoningSettings
) -> list[str]:
    """Independent check of every rule on the cell-level result."""
    problems: list[str] = []
    m = len(p.squad_ids)
    cell_group = p.unit_group[p.cell_unit]
    missing = (assign < 0) & (cell_group >= 0)
    if missing.any():
        problems.append(f"cells left without a squad: {_names(p.cell_ids[missing])}")
    ok = _contiguous(p.geo.adj, assign, m, island_cells)
    for s in np.flatnonzero(~ok):
        problems.append(f"zone {p.squad_ids[s]} is not contiguous")
    load = np.bincount(assign[assign >= 0], p.cell_w[assign >= 0], m)
    for s in range(m):
        if p.target[s] > 0:
            dev = (load[s] - p.target[s]) / p.target[s]
            tol = settings.tolerance
            if abs(dev) > tol + 1e-6:
                problems.append(
                    f"zone {p.squad_ids[s]} carries {load[s]:,.0f} min, {dev:+.1%} "
                    f"from its target {p.target[s]:,.0f} min (±{tolerance_text(tol)})"
                )
    lock_cell = p.lock[p.cell_unit]
    broken = (lock_cell >= 0) & (assign != lock_cell)
    if broken.any():
        problems.append(f"locked cells moved: {_names(p.cell_ids[broken])}")
    if settings.reach_minutes is not None:
        n = len(assign)
        t = np.where(assign >= 0, p.geo.travel[np.maximum(assign, 0), np.arange(n)], 0)
        far = (t > settings.reach_minutes + 1e-9) & ~p.unreachable & ~island_cells
        if far.any():
            problems.append(
                f"{int(far.sum())} cells beyond the {settings.reach_minutes:g}-minute "
                f"reach of their base: {_names(p.cell_ids[far])}"
            )
    return problems


def _attempts(
    p: _Problem, base_key: np.ndarray, settings: ZoningSettings, rezoning: bool
) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray, bool]]:
    """Models to try in turn, from the tightest to the widest candidate set.

    Each is ``(label, order, candidates, local_search_candidates,
    minimise_moves)``, built only when reached. The local search may use
    every permitted squad: it is cheap, and a balanced start it finds joins
    the candidates.
    """
    m = len(p.squad_ids)
    lock_mask = np.zeros_like(base_key, dtype=bool)
    held = np.flatnonzero(p.lock >= 0)
    lock_mask[p.lock[held], held] = True
    if rezoning:
        key, hops, trouble = _current_order(p, settings.tolerance)
        for rings, band in _REZONE_STEPS:
            cand = _rezone_candidates(p, hops, trouble, band, rings)
            cand = _close(p, key, cand | lock_mask)
            label = f"zones within {rings} zone(s) and {band} cells of the trouble"
            yield label, key, cand, cand, True
        ks = [m]
    else:
        k = max(1, settings.candidates)
        ks = sorted({min(m, k), min(m, 2 * k), m})
    for k in ks:
        cand = _nearest(p, base_key, k) | lock_mask
        if k < m:
            cand |= _enough(p, base_key, 1.5)
        if rezoning:
            have = np.flatnonzero(p.cur >= 0)
            cand[p.cur[have], have] = True
        label = "every squad" if k == m else f"{k} nearest squads"
        yield label, base_key, cand, base_key >= 0, rezoning


def _start(
    p: _Problem,
    key: np.ndarray,
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
        keep = (p.cur >= 0) & (key[np.maximum(p.cur, 0), np.arange(p.n_units)] >= 0)
        start = np.where(fixed >= 0, fixed, np.where(keep, p.cur, -1))
        aim, slack = 0.9 * tolerance, 0.9 * tolerance
        return _balance(p, key, cand, fixed, exempt, start, aim, slack, None, deadline)
    aim, band = 0.5 * tolerance, 0.9 * tolerance
    # Priced start first: near the LP optimum where work is spread evenly. The
    # greedy growth is the fallback when pricing and repair leave it unbalanced.
    now = time.monotonic()
    priced = _priced(p, key, cand, fixed, aim, now + 0.3 * (deadline - now))
    start = _balance(p, key, cand, fixed, exempt, priced, aim, 0.0, band, deadline)
    if _balanced(p, start, tolerance) or time.monotonic() >= deadline:
        return start
    greedy = _greedy(p, key, cand, fixed)
    other = _balance(p, key, cand, fixed, exempt, greedy, aim, 0.0, band, deadline)
    return other if _worst(p, other) < _worst(p, start) else start


def _as_left(p: _Problem, fixed: np.ndarray) -> np.ndarray:
    """The zones as the planner left them: fixed units (locks, bases,
    islands) to their squads, the rest as now; units outside every nest
    group unassigned. What a named lock conflict returns."""
    units = np.where(fixed >= 0, fixed, p.cur)
    units[(p.unit_group < 0) & (fixed < 0)] = -1
    return units


def _quick_rezone(
    p: _Problem,
    fixed: np.ndarray,
    exempt: np.ndarray,
    tolerance: float,
    deadline: float,
    notes: list[str] | None = None,
) -> tuple[np.ndarray | None, bool, list[str]]:
    """Interactive re-zoning by local search alone: (units, valid,
    conflicts); units are ``None`` when the zones could not be kept whole
    (then CP-SAT solves), unless the planner's own locks conflict: a lock
    cuts another squad's zone at a neck and the cut-off part holds a lock of
    that squad, or most of that zone's work (handing it over would redraw
    much of the county), whether the locks cut it or the ways that join them
    to their own zones do. Then ``conflicts`` says so and units are the
    zones as the planner left them (not contiguous): no solver run helps.

    Keeps every zone as it is, hands pieces cut off from their base (by the
    planner's moves) to a neighbouring zone, then moves border units by
    :func:`_repair` only out of zones beyond the tolerance: zones within it
    stay untouched, so few cells move. On a 10k-cell grid with
    50 squads this takes well under a second; when it cannot restore
    balance and contiguity, the CP-SAT attempts run as before.
    """
    m = len(p.squad_ids)
    if ((p.cur < 0) & (p.unit_group >= 0)).mean() > 0.05:
        return None, False, []  # hardly a zoning to repair: let the solver draw one
    units = _as_left(p, fixed)
    solid = ~exempt
    # pieces of a zone that no longer reach its base become unassigned
    label = _zone_pieces(p, units, (units >= 0) & solid)
    home = np.full(label.max() + 1, False)
    home[label[p.base]] = True
    nbrs = np.split(p.adj.indices, p.adj.indptr[1:-1])
    cut = (units >= 0) & solid & ~home[label]
    # one unit of each cut-off piece; a bridge changes the pieces around it,
    # so they are labelled afresh before each
    _, first = np.unique(np.where(cut, label, -1), return_index=True)
    planned, label0, home0 = units.copy(), label, home  # as the planner left it
    every = np.arange(m)
    cutters: dict[int, list[int]] = {}  # zone -> locks whose way back cut it
    for u in first[cut[first]].tolist():
        label = _zone_pieces(p, units, (units >= 0) & solid)
        if units[u] >= 0 and label[u] != label[p.base[units[u]]]:
            piece = np.flatnonzero(label == label[u])
            locks = piece[fixed[piece] >= 0].tolist()
            off = _off_base(p, units, every, exempt)[1] if locks else None
            if _bridge(p, units, label, int(label[u]), fixed, exempt, nbrs) and locks:
                lost = _off_base(p, units, every, exempt)[1] & ~off
                for z in np.unique(units[lost]).tolist():
                    cutters.setdefault(z, []).extend(locks)
    label = _zone_pieces(p, units, (units >= 0) & solid)
    home = np.full(label.max() + 1, False)
    home[label[p.base]] = True
    if (units[fixed >= 0] != fixed[fixed >= 0]).any():
        return None, False, []
    astray = (units >= 0) & solid & ~home[label]
    if (astray & (fixed >= 0)).any():
        conflicts = _lock_conflicts(p, units, label, home, fixed, astray, nbrs)
        # a lock cut off some other way: leave it to CP-SAT
        return (planned if conflicts else None), False, conflicts
    target = np.where(p.target > 0, p.target, 1.0)
    walled = []
    for lab in np.unique(label[astray]).tolist():
        piece = np.flatnonzero(label == lab)
        a = int(units[piece[0]])
        share = float(p.w[piece].sum() / target[a])
        if share < _HANDOVER_LIMIT:
            continue
        necks = _neck_chain(p, units, label, home, fixed, lab, a, nbrs)
        was = label0[piece][~home0[label0[piece]] & (planned[piece] == a)]
        if not necks and len(was):
            # the bridges joining other squads' locks run through this zone's
            # neck now: the locks that cut it off in the first place
            lab0 = int(np.bincount(was).argmax())
            necks = _neck_chain(p, planned, label0, home0, fixed, lab0, a, nbrs)
        if not necks and a in cutters:
            # the way that joins other squads' locks to their zones runs
            # through its neck
            ids = _cells_of(p, piece)
            taken = list(dict.fromkeys(cutters[a]))
            owners = dict.fromkeys(p.squad_ids[fixed[v]] for v in taken)
            walled.append(
                f"{len(ids)} cells of squad {p.squad_ids[a]}'s zone ({_names(ids)}, "
                f"{share:.0%} of its target) are cut off from its base by the way "
                f"that joins {', '.join(p.unit_label[v] for v in taken)}, locked "
                f"to other squads ({', '.join(owners)}), to their zones: no detour "
                f"of up to {_BRIDGE_HELD_STEPS} cells avoids it; unlock it or them, "
                "or lock a way through"
            )
        elif necks:
            # most of a zone's work cut off its base by the planner's locks:
            # handing it over would redraw much of the county; ask instead
            ids = _cells_of(p, piece)
            owners = [p.squad_ids[units[v]] for v in necks]
            walled.append(
                f"{len(ids)} cells of squad {p.squad_ids[a]}'s zone ({_names(ids)}, "
                f"{share:.0%} of its target) are cut off from its base by "
                f"{', '.join(p.unit_label[v] for v in necks)}, locked to other "
                f"squads ({', '.join(dict.fromkeys(owners))}): no detour of up to "
                f"{_BRIDGE_HELD_STEPS} cells joins them again without cutting off "
                "more; unlock it or them, or lock a way through"
            )
    if walled:
        return planned, False, walled
    for lab in np.unique(label[astray]).tolist():
        piece = np.flatnonzero(label == lab)
        if notes is not None and len(piece) >= _HANDOVER_NOTE:
            ids = _cells_of(p, piece)
            notes.append(
                f"{len(ids)} cells of squad {p.squad_ids[units[piece[0]]]}'s zone "
                f"({_names(ids)}) were cut off from its base by the changes; no "
                f"detour of up to {_BRIDGE_HELD_STEPS} cells joins them again "
                "without cutting off more, so they went to neighbouring zones"
            )
    units[astray] = -1
    # attach unassigned units to the least loaded permitted neighbour zone
    got = units >= 0
    load = np.bincount(units[got], p.w[got], m)
    todo = set(np.flatnonzero((units < 0) & (p.unit_group >= 0)).tolist())
    while todo:
        progress = False
        for u in sorted(todo):
            zs = {int(units[v]) for v in nbrs[u] if units[v] >= 0 and solid[v]}
            zs = [z for z in zs if p.allowed[z, u]]
            if zs:
                z = min(zs, key=lambda s: (load[s] / target[s], s))
                units[u] = z
                load[z] += p.w[u]
                todo.discard(u)
                progress = True
        if not progress:
            return None, False, []
    # zones already at the band edge (as compact zonings are) stay put
    aim = tolerance * (1 - 1e-6)
    units = _repair(p, fixed, exempt, units, aim, aim, None, deadline)
    if _valid(p, units, tolerance, exempt):
        return units, True, []
    whole = int(_pieces(p.adj, units, m, exempt).max(initial=0)) <= 1
    return (units if whole else None), False, []  # whole: only out of balance


def _lock_conflicts(
    p: _Problem,
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
    of them with pieces of the zone in between), and :func:`_bridge` found
    no detour that keeps every lock joined. Empty when some lock is cut off
    without such necks."""
    out = []
    for u in np.flatnonzero(astray & (fixed >= 0)).tolist():
        a = int(units[u])
        necks = _neck_chain(p, units, label, home, fixed, int(label[u]), a, nbrs)
        if not necks:
            return []
        if len(necks) == 1:
            v = necks[0]
            out.append(
                f"{p.unit_label[u]}, locked to squad {p.squad_ids[a]}, is cut off "
                f"from that squad's zone by {p.unit_label[v]}, locked to squad "
                f"{p.squad_ids[int(units[v])]}: no detour of up to "
                f"{_BRIDGE_HELD_STEPS} cells joins it again without cutting the other "
                "lock off; unlock one of them, or lock a way through"
            )
            continue
        out.append(
            f"{p.unit_label[u]}, locked to squad {p.squad_ids[a]}, is cut off from "
            f"that squad's zone by {', '.join(p.unit_label[v] for v in necks)}, "
            "locked to other squads "
            f"({', '.join(dict.fromkeys(p.squad_ids[units[v]] for v in necks))}): "
            f"no detour of up to {_BRIDGE_HELD_STEPS} cells joins it again without "
            "cutting those locks off; unlock it or them, or lock a way through"
        )
    return out


def _neck_chain(
    p: _Problem,
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


def _blocked_locks(
    p: _Problem, fixed: np.ndarray, exempt: np.ndarray
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
        reach = _bfs(p.adj, start, allowed & ((fixed < 0) | (fixed == a)))
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


def _quick_rebalance(
    p: _Problem,
    start: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    settings: ZoningSettings,
    deadline: float,
    progress: ProgressFn,
    cancel: CancelToken | None,
    t0: float,
) -> np.ndarray | None:
    """Second interactive try when single border moves left zones whole but
    out of balance (compact zonings sit at the band's edge, so the work of
    a move has nowhere to go next door): re-solve short paths of adjacent
    zones (:func:`_lns`, balance only) for a few seconds before the whole
    county goes to CP-SAT."""
    now = time.monotonic()
    left = deadline - now
    stop = now + min(left, max(_QUICK_REBALANCE_SECONDS, _QUICK_REBALANCE_SHARE * left))
    units = _lns(
        p, fixed, exempt, start, settings.tolerance, stop, settings,
        progress, cancel, t0, balance_only=True, spread=False,
        stay=np.where(p.cur >= 0, p.cur, start),
    )  # fmt: skip
    return units if _valid(p, units, settings.tolerance, exempt) else None


def _bridge(
    p: _Problem,
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
    big = len(piece) > 2 * _BRIDGE_HELD_STEPS
    steps = _BRIDGE_HELD_STEPS if held or big else _BRIDGE_STEPS
    banned = set() if banned is None else set(banned)
    m = len(p.squad_ids)
    best: tuple[int, np.ndarray] | None = None
    for _ in range(_BRIDGE_TRIES):
        path = _bridge_path(p, units, label, lab, piece, home, fixed, exempt, nbrs,
                            a, steps, banned)  # fmt: skip
        if not path:
            break
        saved = units.copy()
        banned.update(path)
        # judged by piece counts, not by contiguity: after several planner
        # moves other zones (and ``a`` itself) may still be cut elsewhere
        before = _pieces(p.adj, units, m, exempt)
        old = units[path].copy()
        units[path] = a
        losers = np.unique(old)
        losers = losers[(losers >= 0) & (losers != a)]
        after = _pieces(p.adj, units, m, exempt)
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


def _off_base(
    p: _Problem, units: np.ndarray, zones: np.ndarray, exempt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Same-zone piece labels, and the mask of units of ``zones`` (apart from
    ``exempt``) whose piece does not hold their zone's base."""
    solid = ~exempt
    label = _zone_pieces(p, units, (units >= 0) & solid)
    member = np.zeros(len(p.squad_ids), bool)
    member[zones] = True
    mine = (units >= 0) & member[np.maximum(units, 0)] & solid
    return label, mine & (label != label[p.base[np.maximum(units, 0)]])


def _astray(
    p: _Problem, units: np.ndarray, zones: np.ndarray, exempt: np.ndarray
) -> int:
    """How many units of ``zones`` are cut off from their zone's base."""
    return int(_off_base(p, units, zones, exempt)[1].sum())


def _rebridge_locks(
    p: _Problem,
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
        if not _bridge(
            p, units, label, int(label[cut[0]]), fixed, exempt, nbrs, banned,
            depth - 1,
        ):  # fmt: skip
            return False
    return False


def _bridge_path(
    p: _Problem,
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
    p: _Problem,
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
    p: _Problem,
    units: np.ndarray,
    fixed: np.ndarray,
    exempt: np.ndarray,
    zones: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Same-zone piece labels, and the locked units of ``zones`` whose piece
    does not hold their zone's base."""
    label, off = _off_base(p, units, zones, exempt)
    return label, np.flatnonzero(off & (fixed >= 0))


def _zone_pieces(p: _Problem, units: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Component label of every unit in the graph of adjacencies between two
    ``keep`` units of the same zone (``units``): the pieces of each zone."""
    src, dst = p.arcs
    same = keep[src] & keep[dst] & (units[src] == units[dst])
    graph = sparse.csr_matrix(
        (np.ones(int(same.sum())), (src[same], dst[same])),
        shape=(p.n_units, p.n_units),
    )
    return connected_components(graph, directed=False)[1]


def _pieces(
    adj: sparse.csr_matrix, assign: np.ndarray, m: int, ignore: np.ndarray
) -> np.ndarray:
    """Number of edge-connected pieces of each squad's cells (apart from
    ``ignore``)."""
    coo = sparse.triu(adj, format="coo")
    a, b = coo.row, coo.col
    keep = (assign[a] == assign[b]) & (assign[a] >= 0) & ~ignore[a] & ~ignore[b]
    sub = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (a[keep], b[keep])), shape=adj.shape
    )
    _, label = connected_components(sub, directed=False)
    member = (assign >= 0) & ~ignore
    pairs = np.unique(assign[member].astype(np.int64) * len(assign) + label[member])
    return np.bincount(pairs // len(assign), minlength=m)


def _worst(p: _Problem, units: np.ndarray) -> float:
    """Largest relative load deviation (inf while assignable units are left)."""
    if ((units < 0) & (p.unit_group >= 0)).any():
        return math.inf
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    target = np.where(p.target > 0, p.target, 1.0)
    return float((np.abs(load - p.target) / target).max(initial=0.0))


def _effort(p: _Problem, units: np.ndarray, exempt: np.ndarray) -> tuple[int, float]:
    """How far a best effort is from the rules, to pick the better of two:
    zones cut in pieces first (a planner can fix a load by hand far more
    easily than a zone in pieces), then the worst load deviation."""
    cut = int((~_contiguous(p.adj, units, len(p.squad_ids), exempt)).sum())
    return cut, _worst(p, units)


def _valid(
    p: _Problem, units: np.ndarray, tolerance: float, exempt: np.ndarray
) -> bool:
    """Balanced, and every zone connected apart from exempt units."""
    if not _balanced(p, units, tolerance):
        return False
    return bool(_contiguous(p.adj, units, len(p.squad_ids), exempt).all())


def _balanced(p: _Problem, units: np.ndarray, tolerance: float) -> bool:
    """Every assignable unit has a squad and every load is within tolerance."""
    if ((units < 0) & (p.unit_group >= 0)).any():
        return False
    got = units >= 0
    load = np.bincount(units[got], p.w[got], len(p.squad_ids))
    return bool((np.abs(load - p.target) <= tolerance * p.target + 1e-9).all())


def _run(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: ZoningSettings,
    progress: ProgressFn,
    cancel: CancelToken | None,
    rezoning: bool,
) -> ZoningResult:
    """Shared driver of :func:`zone` and :func:`rezone`.

    Per attempt: a balanced start by local search, then CP-SAT over the
    candidates plus that start. A proven infeasibility moves on to a wider
    candidate set; a start that is balanced stands if CP-SAT finds nothing
    better in time. When no attempt works, a soft-balance model gives the
    best effort and the explanation says why.
    """
    t0 = time.monotonic()
    progress(ProgressEvent(STAGE, 0.0, "preparing the cell graph"))
    p = _prepare(cells, squads, policy, settings)
    # ``time_limit`` covers the whole call: keep back what the checks and
    # packaging after the search take (and CP-SAT's lag in stopping).
    deadline = t0 + settings.time_limit - _reserve(len(p.cell_ids), settings)
    explanation = list(p.notes)
    base_key = _keys_from_bases(p)
    island_sq, island_groups = _islands(p, base_key)

    fixed = island_sq.copy()
    fixed[p.lock >= 0] = p.lock[p.lock >= 0]
    fixed[p.base] = np.arange(len(p.squad_ids))
    exempt = island_sq >= 0
    held = np.flatnonzero(p.lock >= 0)
    detached = held[base_key[p.lock[held], held] < 0]
    exempt[detached] = True
    for u in detached:
        explanation.append(
            f"{p.unit_label[u]} is locked to squad {p.squad_ids[p.lock[u]]}, which "
            "cannot reach it through cells it may serve; kept, but that zone is not "
            "contiguous"
        )
    islands: list[list[str]] = []
    for units in island_groups:
        ids = _cells_of(p, units)
        islands.append(ids.tolist())
        explanation.append(
            f"island of {len(ids)} cells ({_names(ids)}) is cut off from every "
            "squad base it may join; assigned whole to squad "
            f"{p.squad_ids[island_sq[units[0]]]} (least travel), exempt from "
            "contiguity"
        )

    reasons = _precheck(p, base_key, fixed, settings)
    hopeless = bool(reasons)
    blocked, walled = _blocked_locks(p, fixed, exempt)
    if len(blocked) and rezoning:
        # the planner's locks wall each other off: no solver run helps, so
        # the zones stay as the planner left them until a lock is lifted
        return _result(
            p, _Outcome(_as_left(p, fixed), "infeasible"), walled + reasons,
            explanation, islands, settings, t0,
        )  # fmt: skip
    exempt[blocked] = True  # from scratch: zone the rest, say why this lock is cut
    reasons = walled + reasons
    if rezoning and not hopeless:
        handed: list[str] = []
        quick, valid, conflicts = _quick_rezone(
            p, fixed, exempt, settings.tolerance, deadline, handed
        )
        if conflicts:
            return _result(
                p, _Outcome(quick, "infeasible"), conflicts, explanation, islands,
                settings, t0,
            )  # fmt: skip
        whole = quick  # zones whole, maybe out of balance: the fallback
        if quick is not None and not valid:
            quick = _quick_rebalance(
                p, quick, fixed, exempt, settings, deadline, progress, cancel, t0
            )
        if quick is not None:
            return _result(
                p, _Outcome(quick, "feasible"), reasons, explanation + handed,
                islands, settings, t0,
            )  # fmt: skip
    else:
        whole = None
    tol = settings.tolerance
    outcome: _Outcome | None = None
    start = fixed
    # each attempt's order: a start and the order it satisfies, so a later
    # attempt that goes on from a repaired start also solves in its order
    starts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # each order's LP start, tried first (None when there was no LP)
    lp_units: dict[int, np.ndarray | None] = {}
    lp_bound: float | None = None  # set when CP-SAT solves the LP's pairs only
    for label, order, cand, ls_cand, moves in _attempts(
        p, base_key, settings, rezoning
    ):
        if id(order) not in starts or moves:
            first = None
            if not moves and not hopeless:
                # the LP start first: it balances the county at once, and
                # with less travel than the priced start where work is dense
                now = time.monotonic()
                ls_deadline = now + _LP_START_SHARE * (deadline - now)
                first = _lp_balanced(
                    p, order, fixed, exempt, tol, ls_deadline, settings, progress,
                    cancel, t0,
                )  # fmt: skip
                lp_units[id(order)] = first
            if first is not None and _valid(p, first, tol, exempt):
                starts[id(order)] = (first, _current_order(p, tol, first)[0])
            else:
                ls_deadline = time.monotonic() + 0.25 * (deadline - time.monotonic())
                starts[id(order)] = (
                    _start(p, order, ls_cand, fixed, exempt, moves, tol, ls_deadline),
                    order,
                )
        start, key = starts[id(order)]
        if not _valid(p, start, tol, exempt) and not hopeless:
            # The order blocks the repair (see _repair): balance on true
            # contiguity, then solve in an order the repaired zones satisfy.
            ls_deadline = time.monotonic() + 0.25 * (deadline - time.monotonic())
            aim = 0.9 * tol if moves else 0.5 * tol
            repaired = _repair(
                p, fixed, exempt, start, aim, aim if moves else 0.0,
                None if moves else 0.9 * tol, ls_deadline,
            )  # fmt: skip
            if not moves and not _valid(p, repaired, tol, exempt):
                # Chains of single moves stall where cells are coarse next
                # to the deviation left: re-solve paths of whole zones.
                now = time.monotonic()
                ls_deadline = now + _LNS_BALANCE_SHARE * (deadline - now)
                repaired = _lns(
                    p, fixed, exempt, repaired, tol, ls_deadline, settings,
                    progress, cancel, t0, balance_only=True,
                )  # fmt: skip
                # the LP start, if there was one, may have come closer
                other = lp_units.get(id(order))
                if other is not None and _worst(p, other) < _worst(p, repaired):
                    repaired = other
            if _worst(p, repaired) < _worst(p, start):
                key = _current_order(p, tol, repaired)[0]
                start = repaired
                starts[id(order)] = (start, key)  # the next attempt goes on here
        cand = _with_zoning(cand, start)
        good = _valid(p, start, tol, exempt)
        narrow = None
        if good and not moves and not hopeless and lp_bound is None:
            # a balanced start: let CP-SAT move it towards the LP optimum
            now = time.monotonic()
            support = _lp_support(
                p, key, fixed, start, tol, now + _LP_SUPPORT_SHARE * (deadline - now)
            )
            if support is not None:
                narrow, lp_bound = support
        cand = _close(p, key, cand)
        if hopeless:
            break
        # from scratch, leave part of the time to the zone neighbourhoods
        share = (1.0 if good else 0.6) * (1.0 if moves else 1.0 - _LNS_SHARE)
        if narrow is None:
            out = _solve(
                p, key, cand, fixed, exempt, start,
                moves=moves, soft=False, deadline=deadline, share=share,
                settings=settings, progress=progress, cancel=cancel, t0=t0,
            )  # fmt: skip
        else:
            out = _solve_guided(
                p, key, cand, narrow, lp_bound, fixed, exempt, start, deadline,
                share, settings, progress, cancel, t0,
            )  # fmt: skip
        if out.units is None and good:
            out = _Outcome(start, _done(out.status))
        if out.units is not None or out.status == "cancelled":
            outcome = out
            break
        if out.status == "unknown":
            reasons.append(
                f"no zoning within ±{tolerance_text(tol)} was found in "
                f"{settings.time_limit:g} s; allow more time or a wider tolerance"
            )
            break
        # CP-SAT proved the distance-ordered model infeasible: that rules out
        # zones grown outward from the bases, not every contiguous zoning
        if label == "every squad":
            reasons.append(
                f"no zoning within ±{tolerance_text(tol)} with zones grown "
                "outward from their bases exists, even when each cell may go to "
                "any squad"
            )
        else:
            reasons.append(
                f"no zoning within ±{tolerance_text(tol)} with zones grown "
                "outward from their bases exists when each cell may only go to "
                f"its {label}"
            )
    if outcome is None:
        outcome = _solve(
            p, key, cand, fixed, exempt, start,
            moves=moves, soft=True, deadline=deadline,
            share=1.0 if hopeless else 0.6,
            settings=settings, progress=progress, cancel=cancel, t0=t0,
        )  # fmt: skip
        if outcome.units is None:
            outcome = _Outcome(start, outcome.status)
            explanation.append("the solver found nothing better than the start")
        if not hopeless and outcome.status != "cancelled":
            # On 50k-cell grids the soft model often ends a hair outside the
            # band; border moves usually finish the job in a second or two,
            # and re-solving paths of zones where cells are coarse.
            units = _balance(
                p, key, key >= 0, fixed, exempt, outcome.units,
                0.9 * tol, 0.0, None, deadline,
            )  # fmt: skip
            if not _balanced(p, units, tol):
                units = _repair(
                    p, fixed, exempt, units, 0.9 * tol, 0.0, None, deadline
                )  # fmt: skip
            if (
                not moves
                and _worst(p, start) < _worst(p, units)
                and _contiguous(p.adj, start, len(p.squad_ids), exempt).all()
            ):
                units = start  # the balance search got closer than the soft model
            if not moves:
                units = _lns(
                    p, fixed, exempt, units, tol, deadline, settings, progress,
                    cancel, t0,
                )  # fmt: skip
            if _valid(p, units, tol, exempt):
                outcome = _Outcome(units, "feasible")
            elif _effort(p, units, exempt) < _effort(p, outcome.units, exempt):
                outcome = _Outcome(units, outcome.status)
        if (
            whole is not None
            and not _valid(p, outcome.units, tol, exempt)
            and _worst(p, whole) <= 2 * tol
            and _effort(p, whole, exempt) < _effort(p, outcome.units, exempt)
        ):
            # the quick repair's whole zones beat what the solver left; not
            # if a zone is far off its target (a big piece handed over): then
            # the planner's own zoning, nearly as left, is the clearer answer
            outcome = _Outcome(whole, outcome.status)
    elif not moves and not hopeless and outcome.status != "cancelled":
        # CP-SAT's zones follow the bases' distance order; re-solving
        # adjacent zones on exact contiguity shortens travel further.
        units = _lns(
            p, fixed, exempt, outcome.units, tol, deadline, settings, progress,
            cancel, t0,
        )  # fmt: skip
        if narrow is not None and outcome.status != "optimal":
            units = _reshape(
                p, narrow, lp_bound, fixed, exempt, units, deadline, settings,
                progress, cancel, t0,
            )  # fmt: skip
        if (units != outcome.units).any() and _valid(p, units, tol, exempt):
            outcome = _Outcome(units, "feasible", outcome.bound)
    return _result(p, outcome, reasons, explanation, islands, settings, t0)


def _reserve(n_cells: int, settings: ZoningSettings) -> float:
    """Seconds kept back from the search for the final checks: about 0.5 s
    on a 10k-cell grid, never more than a twentieth of the time limit."""
    return min(0.05 * settings.time_limit, 0.2 + 3e-5 * n_cells)


def _result(
    p: _Problem,
    outcome: _Outcome,
    reasons: list[str],
    explanation: list[str],
    islands: list[list[str]],
    settings: ZoningSettings,
    t0: float,
) -> ZoningResult:
    """Verify the zoning independently and package it for the planner."""
    assign = outcome.units[p.cell_unit]
    island_cells = np.isin(p.cell_ids, [c for group in islands for c in group])
    problems = _verify(p, assign, island_cells, settings)
    feasible = not problems
    status = outcome.status
    if status != "cancelled":
        if not feasible:
            status = "infeasible"
        elif status != "optimal":
            status = "feasible"
    if not feasible:
        explanation += reasons
        explanation += problems
    ids = np.array(p.squad_ids, dtype=object)
    assignment = pd.Series(
        np.where(assign >= 0, ids[np.maximum(assign, 0)], None),
        index=pd.Index(p.cell_ids, name="cell_id"),
        name="squad_id",
        dtype=object,
    )
    n = len(assign)
    got = assign >= 0
    travel = p.geo.travel[np.maximum(assign, 0), np.arange(n)]
    objective = float((p.cell_w * travel)[got].sum()) if got.any() else None
    had = p.cur_cell >= 0
    unreachable = pd.DataFrame(
        {
            "cell_id": p.cell_ids[p.unreachable],
            "best_reach_min": p.best_reach[p.unreachable],
        }
    )
    if len(unreachable):
        far = _names(unreachable["cell_id"].to_numpy())
        explanation.append(
            f"{len(unreachable)} cells are beyond the {settings.reach_minutes:g}-"
            f"minute reach of every base they may join ({far}); they are exempt "
            "from the reach rule"
        )
    return ZoningResult(
        assignment=assignment,
        feasible=feasible,
        status=status,
        objective=objective,
        # the bound holds for the distance-ordered model; the neighbourhood
        # search may beat it with zones that order excludes
        bound=outcome.bound
        if feasible
        and objective is not None
        and outcome.bound is not None
        and outcome.bound <= objective
        else None,
        explanation=explanation,
        unreachable=unreachable,
        islands=islands,
        moved=int((had & (assign != p.cur_cell)).sum()),
        seconds=time.monotonic() - t0,
    )


def zone(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: ZoningSettings = ZoningSettings(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ZoningResult:
    """Zone the cells from scratch: contiguous, balanced, compact.

    Locked cells (``locked`` = 1) keep their ``squad_id``; every other input
    ``squad_id`` is ignored (but counted in ``moved``). On infeasible input
    the result holds a best-effort contiguous zoning that misses the
    tolerance as little as it can, and the explanation says why.
    """
    return _run(cells, squads, policy, settings, progress, cancel, rezoning=False)


def rezone(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: ZoningSettings = ZoningSettings(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ZoningResult:
    """Repair the current zoning after the planner moved or locked cells.

    Keeps ``cells['squad_id']`` and locked cells, and restores balance and
    contiguity with few moves: first a quick local repair (detours around
    cut zones, border moves only out of zones beyond the tolerance); if that
    fails, CP-SAT minimises the cells moved (compactness breaks ties) among
    cells near zone borders, widening the band, then the whole grid.
    """
    return _run(cells, squads, policy, settings, progress, cancel, rezoning=True)


def stats_geometry(
    cells: gpd.GeoDataFrame, squads: gpd.GeoDataFrame, policy: Policy
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """What :func:`zone_stats` measures with, for callers (the desktop's live
    statistics) that score many assignments of one grid: the cell graph, the
    (squads, cells) travel minutes from each base, and the island cells
    exempt from contiguity. Score an assignment with :func:`zones_contiguous`."""
    geo = _geo(cells.reset_index(drop=True), squads.reset_index(drop=True), policy)
    return geo.adj, geo.travel, _islands_of(geo)


def zones_contiguous(
    adj: sparse.csr_matrix, assign: np.ndarray, m: int, ignore: np.ndarray
) -> np.ndarray:
    """Per squad (0..m-1 in ``assign``, -1 = none): its cells apart from
    ``ignore`` form one edge-connected set."""
    return _contiguous(adj, assign, m, ignore)


def zone_stats(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    assignment: pd.Series,
    policy: Policy,
    nest: str | None = None,
    islands: list[list[str]] | None = None,
) -> pd.DataFrame:
    """Per-squad figures of a zoning (the attribute part of the zones layer).

    Parameters
    ----------
    assignment
        ``cell_id`` -> ``squad_id``.
    nest
        ``"area"`` or ``"town"``: targets are staff-proportional within each
        片区 rather than county-wide.
    islands
        Cell groups exempt from the contiguity judgement; by default the
        graph components that hold no squad base.
    """
    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    geo = _geo(cells, squads, policy)
    m, n = len(squads), len(cells)
    ids = [str(s) for s in squads["squad_id"]]
    assign = _squad_index(cells["cell_id"].astype(str).map(assignment), ids)
    w = _weights(cells)
    squad_group, cell_group, _ = _groups(cells, squads, nest)
    staff = pd.to_numeric(squads["staff"], errors="coerce").fillna(0).to_numpy(float)
    target = _targets(w, cell_group, squad_group, staff)
    if islands is None:
        ignore = _islands_of(geo)
    else:
        ignore = cells["cell_id"].astype(str).isin({c for g in islands for c in g})
        ignore = ignore.to_numpy()
    got = assign >= 0
    load = np.bincount(assign[got], w[got], m)
    count = np.bincount(assign[got], minlength=m)
    reach = np.zeros(m)
    t = geo.travel[np.maximum(assign, 0), np.arange(n)]
    np.maximum.at(reach, assign[got], t[got])
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(target > 0, (load - target) / target * 100.0, 0.0)
    return pd.DataFrame(
        {
            "squad_id": ids,
            "name": squads["name"].astype(str).to_numpy(),
            "n_cells": count,
            "workload": load,
            "target": target,
            "deviation_pct": dev,
            "contiguous": (
                _contiguous(geo.adj, assign, m, ignore) & (count > 0)
            ).astype(int),
            "max_reach_min": reach,
        }
    )


def zones_layer(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    assignment: pd.Series,
    policy: Policy,
    nest: str | None = None,
    islands: list[list[str]] | None = None,
) -> gpd.GeoDataFrame:
    """The ``zones`` layer of ``docs/plan-schema.md``: one MultiPolygon per squad.

    Squads without cells get an empty geometry, so every squad has a row.
    """
    stats = zone_stats(cells, squads, assignment, policy, nest, islands)
    geom = cells.geometry.to_crs(4326)
    sid = cells["cell_id"].astype(str).map(assignment).to_numpy()
    shapes = []
    for s in stats["squad_id"]:
        mine = geom.to_numpy()[sid == s]
        merged = shapely.union_all(mine) if len(mine) else shapely.MultiPolygon()
        if merged.geom_type == "Polygon":
            merged = shapely.MultiPolygon([merged])
        shapes.append(merged)
    return gpd.GeoDataFrame(stats, geometry=shapes, crs="EPSG:4326")
