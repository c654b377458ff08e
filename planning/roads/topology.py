"""Road lines -> a noded network of segments, with what was repaired.

Road layers are drawn, not built: lines end a metre short of the road they
meet, a side street ends on the middle of a main road without a shared
vertex, the same road is digitised twice, and an overpass crosses a road
whose vertex sits right under it. :func:`build_topology` joins what a
driver can turn at and nothing else:

* end meets end (within the tolerance): always a junction (a bridge's ends
  come down onto the approach roads);
* an end on, or within the tolerance of, another line: a junction if both
  are on the same level, or the line is on the ground (``level`` 0) — a
  side road ends on a main road; a ground road ending under a bridge does
  not climb onto it;
* a vertex shared by lines of the same level: a junction (OpenStreetMap
  shares nodes); lines on different levels (bridge, tunnel, ``layer``)
  crossing at a shared vertex stay apart: an overpass is not a junction;
* lines crossing without a shared vertex are not joined (that is how an
  unlabelled overpass is usually drawn).

Everything is done on whole coordinate arrays (shapely 2, numpy, scipy);
Python loops run only over the few places where levels meet or duplicates
are compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = ["Network", "RepairReport", "build_topology"]

EXACT = 1e-3  # metres: coordinates this close are the same point
KEY_SCALE = 1000.0  # rounding for point identity: 1 mm


@dataclass
class RepairReport:
    """Counts of each repair and of what the network looks like after.

    ``components`` counts weakly connected parts; ``island_edges`` are the
    edges outside the largest; ``trap_nodes`` are nodes of the largest part
    from which one-way streets do not lead back to it (or it not to them).
    """

    counts: dict[str, int] = field(default_factory=dict)
    components: int = 0
    largest_share: float = 1.0
    island_edges: int = 0
    trap_nodes: int = 0

    def lines(self, lang: str = "zh_CN") -> list[str]:
        """What the import prints, one line per non-zero repair."""
        words = REPAIR_WORDS[lang if lang in REPAIR_WORDS else "zh_CN"]
        out = [words[k].format(n=v) for k, v in self.counts.items() if v and k in words]
        out.append(
            words["_components"].format(
                n=self.components, share=100 * self.largest_share, e=self.island_edges
            )
        )
        if self.trap_nodes:
            out.append(words["_traps"].format(n=self.trap_nodes))
        return out


REPAIR_WORDS = {
    "zh_CN": {
        "parts": "多段线拆为 {n} 条单线",
        "empty_dropped": "删除空几何或零长度线 {n} 条",
        "ends_joined": "端点相距小于容差、已连接 {n} 处",
        "t_junctions": "端点落在另一条路中间（丁字路口）、已打断连接 {n} 处",
        "near_miss_closed": "端点差一点接上另一条路、已补接 {n} 处",
        "shared_vertices": "同层道路共用顶点、已连接 {n} 处",
        "crossings_kept_apart": "不同层（桥梁/隧道/layer）交叉、未连接 {n} 处",
        "duplicates_merged": "重复道路已合并 {n} 条",
        "_components": "路网共 {n} 个连通部分，最大部分占 {share:.1f}%"
        "（其余 {e} 条路段）",
        "_traps": "{n} 个路口因单行线只进不出或只出不进（单行陷阱）",
    },
    "en": {
        "parts": "multi-part lines split into {n} lines",
        "empty_dropped": "{n} empty or zero-length line(s) dropped",
        "ends_joined": "{n} line end(s) within the tolerance joined",
        "t_junctions": "{n} line end(s) on the middle of another road split it "
        "(T-junctions)",
        "near_miss_closed": "{n} near miss(es) onto another road closed",
        "shared_vertices": "{n} vertex(es) shared by roads on one level joined",
        "crossings_kept_apart": "{n} crossing(s) on different levels (bridge / "
        "tunnel / layer) kept apart",
        "duplicates_merged": "{n} duplicate road(s) merged",
        "_components": "the network has {n} connected part(s); the largest holds "
        "{share:.1f}% ({e} segment(s) elsewhere)",
        "_traps": "{n} junction(s) are one-way traps (one-way streets lead in "
        "but not out, or out but not in)",
    },
}


@dataclass
class Network:
    """Noded road segments in a metric CRS.

    ``segments`` has ``u``, ``v`` (node ids), ``length_m``, the canonical
    attribute columns of :mod:`planning.roads.attributes`, ``src`` (the
    1-based source feature) and ``component`` (weak component id, 0 the
    largest); ``node_xy`` holds node coordinates.
    """

    segments: gpd.GeoDataFrame
    node_xy: np.ndarray
    crs: str
    report: RepairReport


def _explode(lines: gpd.GeoDataFrame, counts: dict[str, int]) -> gpd.GeoDataFrame:
    gdf = lines.copy()
    gdf["src"] = np.arange(1, len(gdf) + 1)
    n0 = len(gdf)
    gdf = gdf.explode(index_parts=False, ignore_index=True)
    counts["parts"] = len(gdf) - n0 if len(gdf) > n0 else 0
    geoms = gdf.geometry.to_numpy()
    ok = (
        ~shapely.is_empty(geoms)
        & (shapely.get_type_id(geoms) == 1)
        & (shapely.length(geoms) > EXACT)
    )
    counts["empty_dropped"] = int((~ok).sum())
    return gdf[ok].reset_index(drop=True)


def _coords(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xy, line = shapely.get_coordinates(geoms, return_index=True)
    start = np.r_[True, line[1:] != line[:-1]]
    end = np.r_[line[1:] != line[:-1], True]
    return xy, line, start, end


def _join_ends(xy: np.ndarray, ends: np.ndarray, tol: float) -> int:
    """Move end points closer than ``tol`` onto one point; count moved."""
    idx = np.flatnonzero(ends)
    pairs = cKDTree(xy[idx]).query_pairs(tol, output_type="ndarray")
    if len(pairs) == 0:
        return 0
    n = len(idx)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), (n, n))
    _, label = connected_components(graph, directed=False)
    first = pd.Series(np.arange(n)).groupby(label).transform("first").to_numpy()
    target = xy[idx[first]]
    moved = np.hypot(*(xy[idx] - target).T) > EXACT
    xy[idx] = target
    return int(moved.sum())


def _ends_onto_lines(
    geoms: np.ndarray,
    level: np.ndarray,
    xy: np.ndarray,
    line: np.ndarray,
    ends: np.ndarray,
    tol: float,
    counts: dict[str, int],
) -> np.ndarray:
    """Snap ends onto nearby lines; return inserts ``(line, x, y)`` rows."""
    idx = np.flatnonzero(ends)
    pts = shapely.points(xy[idx])
    tree = shapely.STRtree(geoms)
    # boxes first (cheap), exact distances only for lines the box touches
    x, y = xy[idx, 0], xy[idx, 1]
    p, g = tree.query(shapely.box(x - tol, y - tol, x + tol, y + tol))
    own = line[idx[p]]
    allowed = (g != own) & ((level[g] == level[own]) | (level[g] == 0))
    p, g = p[allowed], g[allowed]
    dist = shapely.distance(pts[p], geoms[g])
    near = dist <= tol
    p, g, dist = p[near], g[near], dist[near]
    if len(p) == 0:
        counts["t_junctions"] = counts["near_miss_closed"] = 0
        return np.zeros((0, 3))
    # each end goes to its nearest allowed line's closest point
    order = np.lexsort((dist, p))
    p, g, dist = p[order], g[order], dist[order]
    first = np.r_[True, p[1:] != p[:-1]]
    target = shapely.get_coordinates(
        shapely.line_interpolate_point(
            geoms[g[first]], shapely.line_locate_point(geoms[g[first]], pts[p[first]])
        )
    )
    target_of = np.full((len(idx), 2), np.nan)
    target_of[p[first]] = target
    moved = dist[first] > EXACT
    # every candidate line gets the target point unless a vertex is there
    tgt = target_of[p]
    vertices = pd.MultiIndex.from_arrays(
        [*np.round(xy * KEY_SCALE).astype(np.int64).T, line]
    )
    wanted = pd.MultiIndex.from_arrays(
        [*np.round(tgt * KEY_SCALE).astype(np.int64).T, g]
    )
    has_vertex = wanted.isin(vertices)
    inserts = np.column_stack([g, tgt])[~has_vertex]
    counts["near_miss_closed"] = int(moved.sum())
    counts["t_junctions"] = int((~moved & ~has_vertex[first]).sum())
    xy[idx[p[first]]] = target
    return inserts


def _insert_vertices(
    xy: np.ndarray, line: np.ndarray, inserts: np.ndarray, geoms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates with ``inserts`` placed along their lines, in order."""
    if len(inserts) == 0:
        return xy, line
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    step[np.r_[True, line[1:] != line[:-1]]] = 0.0
    along = np.cumsum(step)
    along -= pd.Series(along).groupby(line).transform("first").to_numpy()
    ins_line = inserts[:, 0].astype(np.int64)
    ins_along = shapely.line_locate_point(
        geoms[ins_line], shapely.points(inserts[:, 1:])
    )
    ins = pd.DataFrame(
        {"line": ins_line, "x": inserts[:, 1], "y": inserts[:, 2], "a": ins_along}
    ).drop_duplicates(["line", "x", "y"])
    all_line = np.r_[line, ins["line"].to_numpy()]
    all_along = np.r_[along, ins["a"].to_numpy()]
    # original end vertices stay first / last even if an insert ties with them
    rank = np.r_[
        np.where(np.r_[True, line[1:] != line[:-1]], 0, 1)
        + np.where(np.r_[line[1:] != line[:-1], True], 2, 0),
        np.ones(len(ins), dtype=np.int64),
    ]
    order = np.lexsort((rank, all_along, all_line))
    all_xy = np.r_[xy, ins[["x", "y"]].to_numpy()]
    return all_xy[order], all_line[order]


def _location_ids(xy: np.ndarray) -> np.ndarray:
    """One id per distinct point (to the millimetre), via one packed int64 key."""
    keys = np.round(xy * KEY_SCALE).astype(np.int64)
    keys -= keys.min(axis=0) if len(keys) else 0
    span = int(keys[:, 1].max()) + 1 if len(keys) else 1
    if len(keys) and int(keys[:, 0].max()) < (2**62) // span:
        packed = keys[:, 0] * span + keys[:, 1]
        return pd.factorize(packed)[0]
    return np.unique(keys, axis=0, return_inverse=True)[1].ravel()


def _nodes(
    xy: np.ndarray, line: np.ndarray, level: np.ndarray, counts: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Node id of each coordinate (-1 where the vertex is not a junction)."""
    start = np.r_[True, line[1:] != line[:-1]]
    end = np.r_[line[1:] != line[:-1], True]
    is_end = start | end
    loc = _location_ids(xy)
    lev = level[line].astype(np.int64)
    frame = pd.DataFrame({"loc": loc, "lev": lev, "end": is_end})
    group = frame.groupby(["loc", "lev"], sort=False).ngroup().to_numpy()
    frame["group"] = group
    n_groups = int(group.max()) + 1 if len(group) else 0
    # where levels meet, join the groups the rules allow
    multi = frame.groupby("loc")["lev"].transform("nunique").to_numpy() > 1
    sub = frame[multi]
    a: list[int] = []
    b: list[int] = []
    for _, here in sub.groupby("loc", sort=False):
        ground = here.loc[here["lev"] == 0, "group"]
        end_groups = here.loc[here["end"], "group"].unique()
        for gi in end_groups[1:]:
            a.append(int(end_groups[0]))
            b.append(int(gi))
        if len(ground):
            for gi in end_groups:
                a.append(int(ground.iloc[0]))
                b.append(int(gi))
    merge = coo_matrix((np.ones(len(a)), (a, b)), (n_groups, n_groups))
    _, node_of_group = connected_components(merge, directed=False)
    node = node_of_group[group]
    nodes_at_loc = (
        pd.Series(node[multi]).groupby(loc[multi]).nunique()
        if multi.any()
        else pd.Series(dtype=int)
    )
    counts["crossings_kept_apart"] = int((nodes_at_loc > 1).sum())
    uses = np.bincount(node, minlength=n_groups)
    junction = is_end | (uses[node] > 1)
    counts["shared_vertices"] = int(
        len(np.unique(node[junction & ~is_end & (uses[node] > 1)]))
    )
    node = np.where(junction, node, -1)
    # compact node ids
    used, compact = np.unique(node[node >= 0], return_inverse=True)
    out = np.full(len(node), -1, dtype=np.int64)
    out[node >= 0] = compact
    node_xy = np.zeros((len(used), 2))
    node_xy[out[node >= 0]] = xy[node >= 0]
    return out, node_xy


def _split(
    xy: np.ndarray, line: np.ndarray, node: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segments between junctions: geometries, source line, u, v."""
    start = np.r_[True, line[1:] != line[:-1]]
    end = np.r_[line[1:] != line[:-1], True]
    inner = (node >= 0) & ~start & ~end
    rep = np.where(inner, 2, 1)
    pxy = np.repeat(xy, rep, axis=0)
    pline = np.repeat(line, rep)
    pnode = np.repeat(node, rep)
    second = np.zeros(len(pxy), dtype=bool)
    second[np.cumsum(rep)[inner] - 1] = True
    opening = np.repeat(start, rep) | second
    seg = np.cumsum(opening) - 1
    geoms = shapely.linestrings(pxy, indices=seg)
    first_pt = np.flatnonzero(opening)
    last_pt = np.r_[first_pt[1:] - 1, len(pxy) - 1]
    return geoms, pline[first_pt], pnode[first_pt], pnode[last_pt]


def _merge_duplicates(
    seg: gpd.GeoDataFrame, tol: float, counts: dict[str, int]
) -> gpd.GeoDataFrame:
    """One segment where two join the same nodes along the same course."""
    lo = np.minimum(seg["u"].to_numpy(), seg["v"].to_numpy())
    hi = np.maximum(seg["u"].to_numpy(), seg["v"].to_numpy())
    key = pd.Series(lo * (int(hi.max()) + 1 if len(hi) else 1) + hi)
    dup = key.duplicated(keep=False).to_numpy()
    drop: list[int] = []
    geoms = seg.geometry.to_numpy()
    oneway = seg["oneway"].to_numpy().copy()
    speed = seg["speed_kmh"].to_numpy().copy()
    for _, rows in key[dup].groupby(key[dup]):
        rows = rows.index.to_numpy()
        keep = rows[0]
        for r in rows[1:]:
            if shapely.hausdorff_distance(geoms[keep], geoms[r]) > tol:
                continue
            same_dir = seg["u"].iat[r] == seg["u"].iat[keep]
            fwd_r = oneway[r] if same_dir else -oneway[r]
            if oneway[keep] != fwd_r:
                oneway[keep] = 0  # one each way, or one of them two-way
            speed[keep] = max(speed[keep], speed[r])
            drop.append(int(r))
    counts["duplicates_merged"] = len(drop)
    out = seg.copy()
    out["oneway"] = oneway
    out["speed_kmh"] = speed
    return out.drop(index=drop).reset_index(drop=True)


def _components(
    seg: gpd.GeoDataFrame, n_nodes: int, report: RepairReport
) -> gpd.GeoDataFrame:
    u, v = seg["u"].to_numpy(), seg["v"].to_numpy()
    graph = coo_matrix((np.ones(len(u)), (u, v)), (n_nodes, n_nodes))
    n, label = connected_components(graph, directed=False)
    sizes = np.bincount(label[u], weights=seg["length_m"].to_numpy(), minlength=n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(n)
    seg = seg.copy()
    seg["component"] = rank[label[u]]
    used = np.unique(np.r_[u, v])
    report.components = int(len(np.unique(rank[label[used]])))
    total = sizes.sum()
    report.largest_share = float(sizes.max() / total) if total > 0 else 1.0
    report.island_edges = int((seg["component"] > 0).sum())
    ow = seg["oneway"].to_numpy()
    fu = np.r_[u[ow >= 0], v[ow <= 0]]
    fv = np.r_[v[ow >= 0], u[ow <= 0]]
    directed = coo_matrix((np.ones(len(fu)), (fu, fv)), (n_nodes, n_nodes))
    _, strong = connected_components(directed, directed=True, connection="strong")
    main = np.unique(np.r_[u, v][np.r_[seg["component"], seg["component"]] == 0])
    if len(main):
        counts = np.bincount(strong[main])
        report.trap_nodes = int(len(main) - counts.max())
    return seg


def build_topology(
    lines: gpd.GeoDataFrame, crs: str, tolerance: float = 3.0
) -> Network:
    """Node ``lines`` (canonical columns, any CRS) into a :class:`Network`.

    ``crs`` is the metric CRS the work is done in (see
    :func:`planning.travel.metric_crs`); ``tolerance`` in metres closes near
    misses and merges duplicates.
    """
    counts: dict[str, int] = {}
    gdf = _explode(lines.to_crs(crs), counts)
    geoms = gdf.geometry.to_numpy()
    level = gdf["level"].to_numpy()
    xy, line, start, end = _coords(geoms)
    counts["ends_joined"] = _join_ends(xy, start | end, tolerance)
    geoms = shapely.linestrings(xy, indices=line)
    inserts = _ends_onto_lines(geoms, level, xy, line, start | end, tolerance, counts)
    geoms = shapely.linestrings(xy, indices=line)
    xy, line = _insert_vertices(xy, line, inserts, geoms)
    node, node_xy = _nodes(xy, line, level, counts)
    seg_geoms, seg_line, u, v = _split(xy, line, node)
    attrs = gdf.drop(columns=gdf.geometry.name).iloc[seg_line].reset_index(drop=True)
    seg = gpd.GeoDataFrame(attrs, geometry=seg_geoms, crs=crs)
    seg.insert(0, "v", v)
    seg.insert(0, "u", u)
    seg["length_m"] = shapely.length(seg_geoms)
    short = (seg["length_m"] <= EXACT).to_numpy()
    counts["empty_dropped"] += int(short.sum())
    seg = seg[~short].reset_index(drop=True)
    seg = _merge_duplicates(seg, tolerance, counts)
    report = RepairReport(counts=counts)
    seg = _components(seg, len(node_xy), report)
    return Network(segments=seg, node_xy=node_xy, crs=crs, report=report)
