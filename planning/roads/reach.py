"""Reach (1530) by road and standby points for patrol cars.

The reach area of a base for ``T`` minutes is the band of
``reach_width_m`` either side of every stretch of road a car from the base
reaches within ``T`` (partial segments included: a segment entered with
two minutes left counts for two minutes of its length). A band, not the
cells whose centre is reached, so the map shows where a car actually gets.

Standby points are a maximal covering location problem: choose ``k`` road
junctions that, together with the bases, bring the most (weighted) hotspot
events within ``T`` minutes; solved exactly with HiGHS (highspy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import highspy
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely import ops

from planning.roads.graph import RoadGraph

if TYPE_CHECKING:
    from planning.roads.travel import RoadTravel

__all__ = ["StandbyResult", "reach_areas", "reach_shares", "standby_points"]


def reach_areas(
    graph: RoadGraph,
    bases_xy: np.ndarray,
    minutes: tuple[float, ...] = (5.0, 15.0, 30.0),
    width_m: float = 100.0,
    travel: RoadTravel | None = None,
) -> gpd.GeoDataFrame:
    """One polygon per base and threshold (``base``, ``minutes``; metric CRS).

    With ``travel`` (the scenario's, on ``graph``) the areas are kept in
    memory and in the project, keyed by the road digest, the bases, the
    steps and the width: every plan and redraw shows the layer, and drawing
    it (the union of the bands) costs seconds where reading costs
    milliseconds.
    """
    bases_xy = np.asarray(bases_xy, float).reshape(-1, 2)
    steps = np.array(sorted(minutes), float)
    if travel is None:
        kept = _draw_reach(graph, bases_xy, steps, width_m)
    else:
        kept = travel.remembered(
            "reach",
            bases_xy,
            np.r_[steps, width_m],
            lambda: _draw_reach(graph, bases_xy, steps, width_m),
        )
    wkb = kept["wkb"].tobytes()
    ends = kept["ends"]
    starts = np.r_[0, ends][:-1]
    areas = shapely.from_wkb(
        [wkb[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    )
    frame = {"base": kept["base"], "minutes": kept["minutes"]}
    return gpd.GeoDataFrame(frame, geometry=areas, crs=graph.crs)


def _draw_reach(
    graph: RoadGraph, bases_xy: np.ndarray, steps: np.ndarray, width_m: float
) -> dict[str, np.ndarray]:
    """The reach areas of :func:`reach_areas` as arrays: base and minutes
    per area, and the areas' WKB one after the other (``ends`` offsets)."""
    dist = graph.reach_minutes(bases_xy, float(steps.max()))
    areas, base, minutes = [], [], []
    L, speed = graph.length, graph.m_per_min
    fwd, bwd = graph.oneway >= 0, graph.oneway <= 0
    for b in range(len(bases_xy)):
        du, dv = dist[b, graph.u], dist[b, graph.v]
        for limit in steps:
            a = np.where(fwd & (du < limit), np.minimum(L, (limit - du) * speed), 0.0)
            c = np.where(bwd & (dv < limit), np.minimum(L, (limit - dv) * speed), 0.0)
            a = np.nan_to_num(a)
            c = np.nan_to_num(c)
            full = a + c >= L
            parts = list(graph.geoms[full])
            for s in np.flatnonzero(~full & ((a > 0) | (c > 0))):
                g = graph.geoms[s]
                if a[s] > 0:
                    parts.append(ops.substring(g, 0.0, float(a[s])))
                if c[s] > 0:
                    parts.append(ops.substring(g, float(L[s] - c[s]), float(L[s])))
            if parts:
                area = shapely.union_all(
                    shapely.buffer(np.array(parts), width_m, quad_segs=4)
                )
            else:
                area = shapely.Point(bases_xy[b]).buffer(width_m)
            areas.append(area)
            base.append(b)
            minutes.append(limit)
    wkb = [shapely.to_wkb(g) for g in areas]
    return {
        "minutes": np.array(minutes, float),
        "base": np.array(base, np.int64),
        "ends": np.cumsum([len(w) for w in wkb], dtype=np.int64),
        "wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
    }


def _nearest_base_minutes(
    graph: RoadGraph | RoadTravel, bases_xy: np.ndarray, xy: np.ndarray
):
    m = graph.matrix(bases_xy, xy, metres=False).minutes
    return m.min(axis=0) if len(m) else np.full(len(xy), np.inf)


def reach_shares(
    graph: RoadGraph | RoadTravel,
    bases_xy: np.ndarray,
    targets: dict[str, tuple[np.ndarray, np.ndarray | None]],
    limit: float = 5.0,
) -> pd.DataFrame:
    """Share of each target set (cells, enterprises, events) within ``limit``.

    ``targets`` maps a name to ``(xy, weights or None)``; the share is by
    weight where weights are given; ``graph`` may be the scenario's
    :class:`RoadTravel`, whose matrices zoning already searched (or the
    project kept). Columns: ``what``, ``n``, ``within``,
    ``share``, ``minutes``.
    """
    rows = []
    for name, (xy, w) in targets.items():
        xy = np.asarray(xy, float).reshape(-1, 2)
        w = np.ones(len(xy)) if w is None else np.asarray(w, float)
        near = _nearest_base_minutes(graph, bases_xy, xy) <= limit
        total = float(w.sum())
        rows.append(
            {
                "what": name,
                "n": len(xy),
                "within": int(near.sum()),
                "share": float(w[near].sum() / total) if total > 0 else 0.0,
                "minutes": limit,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class StandbyResult:
    """Chosen standby points and the weighted events covered.

    ``xy`` are the chosen junctions (metric CRS, ``node`` their ids);
    ``covered_by_bases`` / ``covered`` are event weights within the limit
    from the bases alone / bases plus standby points; ``total`` all events.
    """

    node: np.ndarray
    xy: np.ndarray
    covered_by_bases: float
    covered: float
    total: float

    @property
    def gained(self) -> float:
        return self.covered - self.covered_by_bases


def _demand(xy: np.ndarray, w: np.ndarray, cluster_m: float):
    """Events pooled on a ``cluster_m`` grid: fewer searches, same weights."""
    key = np.floor(xy / cluster_m).astype(np.int64)
    frame = pd.DataFrame(
        {"kx": key[:, 0], "ky": key[:, 1], "w": w, "x": xy[:, 0] * w, "y": xy[:, 1] * w}
    )
    g = frame.groupby(["kx", "ky"], sort=False)[["w", "x", "y"]].sum()
    g = g[g["w"] > 0]
    return np.column_stack([g["x"] / g["w"], g["y"] / g["w"]]), g["w"].to_numpy()


def standby_points(
    graph: RoadGraph,
    bases_xy: np.ndarray,
    events_xy: np.ndarray,
    weights: np.ndarray | None,
    k: int,
    limit: float = 5.0,
    cluster_m: float = 100.0,
    max_candidates: int = 2000,
    time_limit: float = 30.0,
    allowed: np.ndarray | None = None,
    travel: RoadTravel | None = None,
) -> StandbyResult:
    """Choose ``k`` junctions maximising weighted events within ``limit``.

    Events already within ``limit`` of a base count for the bases; the
    MILP (HiGHS) places the cars for the rest. Candidates are junctions on
    roads a car may stop at (and in ``allowed``, a mask over the graph's
    nodes, when given), the ``max_candidates`` covering most weight.
    ``travel`` (the scenario's, on ``graph``) answers the bases' minutes
    from its matrices, kept in the project when it has one.
    """
    events_xy = np.asarray(events_xy, float).reshape(-1, 2)
    w = np.ones(len(events_xy)) if weights is None else np.asarray(weights, float)
    dxy, dw = _demand(events_xy, w, cluster_m)
    total = float(dw.sum())
    by_base = (
        _nearest_base_minutes(travel or graph, np.asarray(bases_xy, float), dxy)
        <= limit
    )
    open_ = np.flatnonzero(~by_base)
    base_cov = float(dw[by_base].sum())
    empty = StandbyResult(
        np.zeros(0, np.int64), np.zeros((0, 2)), base_cov, base_cov, total
    )
    if k <= 0 or len(open_) == 0:
        return empty
    # minutes from every junction to each open demand: search from the
    # demand on the reversed graph, in chunks to bound memory
    snap = graph.snap(dxy[open_])
    aug = graph._augment(snap)
    rev = aug.graph.T.tocsr()
    src = aug.point_node
    acc = snap.access_m / graph.access_m_per_min
    stop_node = np.zeros(graph.n_nodes, dtype=bool)
    stop_node[graph.u[graph.stop]] = True
    stop_node[graph.v[graph.stop]] = True
    if allowed is not None:
        stop_node &= np.asarray(allowed, dtype=bool)
    rows, cols = [], []
    ok = np.flatnonzero(src >= 0)
    for part in np.array_split(ok, max(1, len(ok) // 200)):
        if len(part) == 0:
            continue
        d = dijkstra(rev, indices=src[part], limit=limit)[:, : graph.n_nodes]
        d += acc[part][:, None]
        i, j = np.nonzero((d <= limit) & stop_node[None, :])
        rows.append(part[i])
        cols.append(j)
    if not rows:
        return empty
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    weight_of = np.bincount(c, weights=dw[open_][r], minlength=graph.n_nodes)
    cand = np.argsort(-weight_of)[: min(max_candidates, int((weight_of > 0).sum()))]
    if len(cand) == 0:
        return empty
    pos = np.full(graph.n_nodes, -1)
    pos[cand] = np.arange(len(cand))
    keep = pos[c] >= 0
    cover = csr_matrix(
        (np.ones(int(keep.sum())), (r[keep], pos[c[keep]])),
        shape=(len(open_), len(cand)),
    )
    chosen = _solve_mclp(cover, dw[open_], min(k, len(cand)), time_limit)
    node = cand[chosen]
    covered = np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0
    return StandbyResult(
        node,
        graph.network.node_xy[node],
        base_cov,
        base_cov + float(dw[open_][covered].sum()),
        total,
    )


def _solve_mclp(cover: csr_matrix, w: np.ndarray, k: int, time_limit: float):
    """max w.y  s.t.  y_i <= sum_j a_ij x_j,  sum x = k;  x, y binary."""
    n_dem, n_cand = cover.shape
    h = highspy._Highs()  # the plain class: no banner on stdout
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    n = n_cand + n_dem
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.r_[np.zeros(n_cand), -w])
    h.changeColsIntegrality(
        n_cand,
        np.arange(n_cand, dtype=np.int32),
        np.full(n_cand, highspy.HighsVarType.kInteger),
    )
    # rows y_i - sum_j a_ij x_j <= 0, then sum_j x_j = k
    csr = cover.tocsr()
    counts = np.diff(csr.indptr) + 1
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int32)
    index = np.empty(int(counts.sum()), dtype=np.int32)
    value = -np.ones(len(index))
    index[starts] = n_cand + np.arange(n_dem)
    value[starts] = 1.0
    rest = np.ones(len(index), dtype=bool)
    rest[starts] = False
    index[rest] = csr.indices
    h.addRows(
        n_dem,
        np.full(n_dem, -highspy.kHighsInf),
        np.zeros(n_dem),
        len(index),
        starts,
        index,
        value,
    )
    h.addRow(k, k, n_cand, np.arange(n_cand, dtype=np.int32), np.ones(n_cand))
    h.run()
    x = np.asarray(h.getSolution().col_value[:n_cand])
    return np.flatnonzero(x > 0.5)
