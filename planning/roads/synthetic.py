"""A synthetic road network and barriers for the bundled sample county.

Deterministic from the seed and labelled ``synthetic=1``: a jittered grid of
local roads (600 m) with main roads every 3 km, a river (a 150 m wide
meandering band, west to east, from county edge to county edge) that every
main road bridges, and an expressway (south-west to north-east) that every
main road passes under and that joins the grid at two interchanges. A piece
of the grid the river or the expressway would still cut off (a bend between
two main roads) gets a local bridge or underpass, as real bureaus' towns
have: under the barrier rule every cell stays reachable from a base, and a
neighbour across a barrier is a few kilometres round, not the county's
length. Nothing here is a real road.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.hierarchy import DisjointSet
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planning.model import WGS84
from planning.travel import metric_crs

__all__ = ["sample_roads"]

LOCAL_M = 600.0
MAIN_EVERY = 5  # every 5th grid line is a main road (3 km)
RIVER_HALF_WIDTH = 75.0


def _river_y(box: tuple[float, ...], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The river's centre line: its y and its slope at ``x``."""
    x0, y0, x1, y1 = box
    k = 3 * np.pi / (x1 - x0)
    amp = 0.08 * (y1 - y0)
    return (y0 + y1) / 2 + amp * np.sin((x - x0) * k), amp * k * np.cos((x - x0) * k)


def _river(box: tuple[float, ...]) -> shapely.Polygon:
    x = np.linspace(box[0] - 1000, box[2] + 1000, 200)
    yc, _ = _river_y(box, x)
    return shapely.LineString(np.column_stack([x, yc])).buffer(RIVER_HALF_WIDTH)


def _off_the_river(box: tuple[float, ...], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` with junctions that would stand in the river moved onto the
    nearer bank: a road then crosses the river in one segment, a bridge."""
    yc, slope = _river_y(box, x)
    bank = RIVER_HALF_WIDTH * np.hypot(1.0, slope) + 40.0
    dy = y - yc
    return np.where(np.abs(dy) < bank, yc + np.where(dy < 0, -bank, bank), y)


def _expressway(box: tuple[float, ...]) -> np.ndarray:
    x0, y0, x1, y1 = box
    t = np.linspace(0, 1, 60)
    return np.column_stack(
        [x0 - 500 + t * (x1 - x0 + 1000), y0 - 500 + t * (y1 - y0 + 1000)]
    )


def _join_pieces(grid: pd.DataFrame, keep: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """Dropped crossings (``spare``) to restore so that no piece of the grid
    is cut off: a bend of the river or a corner of the county between two
    main roads would otherwise hold towns no road reaches. Kruskal over the
    pieces, main roads first, so each piece gets one crossing, the same one
    every time."""
    a, b = grid["a"].to_numpy(), grid["b"].to_numpy()
    n = int(max(a.max(), b.max())) + 1
    kept = np.flatnonzero(keep)
    graph = coo_matrix((np.ones(len(kept)), (a[kept], b[kept])), (n, n))
    _, piece = connected_components(graph, directed=False)
    # a crossing is one segment between two nodes the network already has
    real = np.zeros(n, dtype=bool)
    real[a[kept]] = real[b[kept]] = True
    out = np.zeros(len(grid), dtype=bool)
    cand = np.flatnonzero(spare & ~keep & real[a] & real[b])
    joined = DisjointSet(np.unique(piece).tolist())
    for e in cand[np.argsort(~grid["main"].to_numpy()[cand], kind="stable")]:
        out[e] = joined.merge(int(piece[a[e]]), int(piece[b[e]]))
    return out


def sample_roads(
    outline: gpd.GeoDataFrame, seed: int = 7
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Roads (OSM-style columns) and barriers for ``outline``, in WGS84."""
    rng = np.random.default_rng(seed)
    crs = metric_crs(outline)
    shape = outline.to_crs(crs).geometry.union_all()
    box = shape.bounds
    xs = np.arange(box[0], box[2] + LOCAL_M, LOCAL_M)
    ys = np.arange(box[1], box[3] + LOCAL_M, LOCAL_M)
    gx, gy = np.meshgrid(xs, ys)
    jitter = rng.uniform(-0.15, 0.15, (2, *gx.shape)) * LOCAL_M
    nx = gx + jitter[0]
    ny = _off_the_river(box, nx, gy + jitter[1])
    river = _river(box)
    ex_xy = _expressway(box)
    express = shapely.LineString(ex_xy)

    rows = []
    ni, nj = gx.shape
    for horizontal in (True, False):
        if horizontal:
            i, j = np.mgrid[0:ni, 0 : nj - 1]
            a = np.stack([nx[i, j], ny[i, j]], -1)
            b = np.stack([nx[i, j + 1], ny[i, j + 1]], -1)
            main = i % MAIN_EVERY == 0
        else:
            i, j = np.mgrid[0 : ni - 1, 0:nj]
            a = np.stack([nx[i, j], ny[i, j]], -1)
            b = np.stack([nx[i + 1, j], ny[i + 1, j]], -1)
            main = j % MAIN_EVERY == 0
        seg = shapely.linestrings(np.stack([a, b], axis=-2).reshape(-1, 2, 2))
        rows.append(
            pd.DataFrame(
                {
                    "geometry": seg,
                    "main": main.ravel(),
                    "a": (i * nj + j).ravel(),
                    "b": (i * nj + j + (1 if horizontal else nj)).ravel(),
                }
            )
        )
    grid = pd.concat(rows, ignore_index=True)
    geoms = grid["geometry"].to_numpy()
    inside = shapely.intersects(geoms, shape)
    wet = shapely.intersects(geoms, river)
    # a bridge spans the river bank to bank; a road along it stays dropped
    spans = wet & (shapely.get_num_geometries(shapely.difference(geoms, river)) > 1)
    crosses = shapely.intersects(geoms, express)
    main = grid["main"].to_numpy()
    # every main road bridges the river and passes under the expressway
    bridge = inside & main & spans & ~crosses
    under = inside & main & crosses & ~wet
    keep = inside & (~wet | bridge) & (~crosses | under)
    joined = _join_pieces(grid, keep, inside & ((spans & ~crosses) | (crosses & ~wet)))
    bridge |= joined & wet
    under |= joined & crosses
    keep |= joined
    g = grid[keep]
    n = len(g)
    # a few one-way streets, never at a dead end, where one would trap a
    # car or leave the houses at its end unreachable
    ends = np.r_[g["a"].to_numpy(), g["b"].to_numpy()]
    degree = np.bincount(ends)
    through = (degree[g["a"].to_numpy()] > 2) & (degree[g["b"].to_numpy()] > 2)
    main = g["main"].to_numpy()
    roads = gpd.GeoDataFrame(
        {
            "highway": np.where(main, "secondary", "residential"),
            "name": np.where(main, "示例干道", "示例支路"),
            "oneway": np.where((rng.random(n) < 0.03) & through, "yes", "no"),
            "maxspeed": "",
            "bridge": np.where(bridge[keep], "yes", ""),
            "tunnel": np.where(under[keep], "yes", ""),
            "layer": np.select([bridge[keep], under[keep]], ["1", "-1"], ""),
        },
        geometry=g["geometry"].to_numpy(),
        crs=crs,
    )
    # two interchanges: links from the expressway to the nearest grid node
    pts = shapely.get_coordinates(roads.geometry.to_numpy())
    inside = shapely.contains_xy(shape, ex_xy[:, 0], ex_xy[:, 1])
    picks = np.flatnonzero(inside)
    picks = picks[[len(picks) // 3, 2 * len(picks) // 3]] if len(picks) >= 3 else []
    links = []
    for k in picks:
        d = np.hypot(*(pts - ex_xy[k]).T)
        links.append(shapely.LineString([ex_xy[k], pts[d.argmin()]]))
    extra = gpd.GeoDataFrame(
        {
            "highway": ["motorway"] + ["motorway_link"] * len(links),
            "name": ["示例高速"] + ["示例匝道"] * len(links),
            "oneway": ["no"] * (1 + len(links)),
            "maxspeed": ["100"] + [""] * len(links),
            "bridge": "",
            "tunnel": "",
            "layer": "",
        },
        geometry=[express.intersection(shape.buffer(2000)), *links],
        crs=crs,
    )
    roads = pd.concat([roads, extra], ignore_index=True)
    roads["synthetic"] = 1
    barriers = gpd.GeoDataFrame(
        {
            "kind": ["river", "expressway"],
            "name": ["示例河流", "示例高速"],
            "synthetic": 1,
        },
        geometry=[river.intersection(shape.buffer(1000)), express],
        crs=crs,
    )
    return roads.to_crs(WGS84), barriers.to_crs(WGS84)
