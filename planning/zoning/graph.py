"""The cell graph (edge adjacency), the squads' base cells and travel minutes,
and connectivity tests on it.

Zoning, re-zoning and the zone statistics share one view of which cells touch
and which cells are islands, so it lives here, cached per grid.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from planning.model import Policy
from planning.travel import TravelModel, metric_crs, metric_xy

if TYPE_CHECKING:
    from planning.roads.context import RoadContext

UNREACHABLE_FACTOR = 4.0
"""A base -> cell trip no road makes costs this many times the longest one."""


def row_lists(a: np.ndarray) -> list[list]:
    """``a.tolist()`` row by row: one call on a squads x cells array holds
    the GIL long enough to stall the window while a worker zones."""
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
    # the GIL long enough to freeze a window whose worker runs this
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


def csr_adjacency(n: int, edges: np.ndarray) -> sparse.csr_matrix:
    """Symmetric adjacency matrix of ``edges``."""
    a = np.concatenate([edges[:, 0], edges[:, 1]])
    b = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.ones(len(a), dtype=np.float32)
    mat = sparse.csr_matrix((data, (a, b)), shape=(n, n))
    mat.sum_duplicates()
    mat.data[:] = 1.0
    return mat


def bfs_hops(
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


def zone_paths(
    near: Sequence[Collection[int]],
    start: int,
    wanted: np.ndarray,
    most: int | None = None,
) -> list[list[int]]:
    """Shortest paths ``[end, ..., start]`` through the zone graph ``near`` from
    each zone with ``wanted[end]`` to ``start``, nearest first (breadth first, lower
    zone numbers first on a level); stops after the level that brings the
    ``most``-th end. Ejection chains and LNS neighbourhoods pass work along
    them."""
    prev, queue, ends = {start: -1}, [start], []
    while queue and (most is None or len(ends) < most):
        nxt = []
        for z in queue:
            for y in sorted(near[z]):
                if y not in prev:
                    prev[y] = z
                    nxt.append(y)
                    if wanted[y]:
                        ends.append(y)
        queue = nxt
    paths = []
    for end in ends:
        path = [end]
        while path[-1] != start:
            path.append(prev[path[-1]])
        paths.append(path)
    return paths


@dataclass
class CellGraph:
    """Cell graph, bases and travel minutes shared by zoning, statistics and
    the benchmarks (which score peers' zonings the way zoning does).

    Parameters
    ----------
    edges
        (k, 2) index pairs of cells sharing an edge.
    adj
        The same as a symmetric sparse adjacency matrix.
    base_cell
        Per squad, the index of the cell its base lies in (or the nearest).
    travel
        (squads, cells) travel minutes from each base to each cell centre.
    """

    edges: np.ndarray
    adj: sparse.csr_matrix
    base_cell: np.ndarray
    travel: np.ndarray  # (squads, cells) minutes from base to cell centre


# Cell graphs of recent grids, keyed by a digest of the geometries: re-zoning
# after a few edits (and zone_stats after zoning) reuses the grid's adjacency
# instead of recomputing the shared-edge geometry, the slowest part of set-up.
_GRAPHS: OrderedDict[str, tuple[np.ndarray, object, np.ndarray]] = OrderedDict()
_GRAPHS_LOCK = threading.Lock()


def _grid_graph(cells: gpd.GeoDataFrame) -> tuple[np.ndarray, object, np.ndarray]:
    """Edges, metric CRS and metric cell points, cached per grid."""
    geoms = np.asarray(cells.geometry.to_numpy())
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(cells.crs).encode())
    # coordinates, not WKB: one quick array, where WKB of a county grid holds
    # the GIL long enough to freeze the window that runs this in a thread
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


def cell_graph(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    roads: RoadContext | None = None,
) -> CellGraph:
    """Adjacency, base cell of each squad and travel minutes base -> cell.

    With ``roads`` the adjacency obeys the barrier rule and the minutes are
    road minutes (a cell no road reaches from a base costs
    :data:`UNREACHABLE_FACTOR` times the longest reachable trip, so the
    solvers keep it out of that zone without an infinite number).
    """
    n = len(cells)
    edges, crs, cxy = _grid_graph(cells)
    if roads is not None:
        edges = roads.cut(cells, edges).adjacency
    sxy = metric_xy(squads.to_crs(cells.crs), crs)
    hits = cells.sindex.query(squads.to_crs(cells.crs).geometry, "intersects")
    base = np.full(len(squads), -1, dtype=np.int64)
    for s, c in zip(hits[0][::-1], hits[1][::-1], strict=True):
        base[s] = c
    for s in np.flatnonzero(base < 0):
        base[s] = int(np.argmin(np.hypot(*(cxy - sxy[s]).T)))
    if roads is not None:
        travel = roads.travel.minutes(sxy, cxy)
        finite = np.isfinite(travel)
        worst = float(travel[finite].max()) if finite.any() else 60.0
        travel = np.where(finite, travel, UNREACHABLE_FACTOR * worst)
        return CellGraph(edges, csr_adjacency(n, edges), base, travel)
    tm = TravelModel(policy)
    land = cells["land_use"].to_numpy() if "land_use" in cells else ["rural"] * n
    v = tm.speed(land)
    travel = tm.minutes(sxy, cxy, v[base], v)
    return CellGraph(edges, csr_adjacency(n, edges), base, travel)


def cell_workloads(cells: pd.DataFrame) -> np.ndarray:
    """Cell workloads (minutes); missing or negative count as zero."""
    if "workload" not in cells:
        return np.zeros(len(cells))
    w = pd.to_numeric(cells["workload"], errors="coerce").fillna(0.0)
    return np.clip(w.to_numpy(float), 0.0, None)


def nest_groups(
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


def zone_targets(
    w: np.ndarray, cell_group: np.ndarray, squad_group: np.ndarray, staff: np.ndarray
) -> np.ndarray:
    """Staff-proportional target load of each squad within its nest group."""
    total = np.bincount(cell_group[cell_group >= 0], w[cell_group >= 0])
    total = np.pad(total, (0, max(0, squad_group.max() + 1 - len(total))))
    staff_total = np.bincount(squad_group, staff)
    return total[squad_group] * staff / staff_total[squad_group]


def island_cells(geo: CellGraph) -> np.ndarray:
    """Cells in graph components that hold no squad base."""
    _, label = connected_components(geo.adj, directed=False)
    return ~np.isin(label, label[geo.base_cell])


def squad_index(values: pd.Series, squad_ids: list[str]) -> np.ndarray:
    """Positions of squad ids in ``squad_ids`` (-1 for null or unknown)."""
    index = {s: i for i, s in enumerate(squad_ids)}
    return np.array(
        [index.get(str(v), -1) if pd.notna(v) else -1 for v in values], dtype=int
    )


def contiguous_zones(
    adj: sparse.csr_matrix, assign: np.ndarray, m: int, ignore: np.ndarray
) -> np.ndarray:
    """Per squad: its cells (apart from ``ignore``) form one edge-connected set."""
    return piece_labels(adj, assign, m, ignore) <= 1


def piece_labels(
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
