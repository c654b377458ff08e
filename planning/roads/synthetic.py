"""A synthetic road network and barriers for the bundled sample county.

Deterministic from the seed and labelled ``synthetic=1``: a jittered grid of
local roads (600 m) with main roads every 3 km, a river (a 150 m wide
meandering band, west to east) crossed only by three bridges, and an
expressway (south-west to north-east) crossed by three overpasses and
joined to the grid at two interchanges. Nothing here is a real road.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.model import WGS84
from planning.travel import metric_crs

__all__ = ["sample_roads"]

LOCAL_M = 600.0
MAIN_EVERY = 5  # every 5th grid line is a main road (3 km)
RIVER_HALF_WIDTH = 75.0


def _river(box: tuple[float, ...]) -> shapely.Polygon:
    x0, y0, x1, y1 = box
    x = np.linspace(x0 - 1000, x1 + 1000, 200)
    yc = (y0 + y1) / 2 + 0.08 * (y1 - y0) * np.sin((x - x0) / (x1 - x0) * 3 * np.pi)
    return shapely.LineString(np.column_stack([x, yc])).buffer(RIVER_HALF_WIDTH)


def _expressway(box: tuple[float, ...]) -> np.ndarray:
    x0, y0, x1, y1 = box
    t = np.linspace(0, 1, 60)
    return np.column_stack(
        [x0 - 500 + t * (x1 - x0 + 1000), y0 - 500 + t * (y1 - y0 + 1000)]
    )


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
    nx, ny = gx + jitter[0], gy + jitter[1]
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
            line_id = j
        else:
            i, j = np.mgrid[0 : ni - 1, 0:nj]
            a = np.stack([nx[i, j], ny[i, j]], -1)
            b = np.stack([nx[i + 1, j], ny[i + 1, j]], -1)
            main = j % MAIN_EVERY == 0
            line_id = j
        seg = shapely.linestrings(np.stack([a, b], axis=-2).reshape(-1, 2, 2))
        rows.append(
            pd.DataFrame(
                {
                    "geometry": seg,
                    "main": main.ravel(),
                    "vertical": not horizontal,
                    "col": line_id.ravel(),
                }
            )
        )
    grid = pd.concat(rows, ignore_index=True)
    geoms = grid["geometry"].to_numpy()
    keep = shapely.intersects(geoms, shape)
    # the river: only main north-south roads at three columns bridge it
    cols = np.unique(grid.loc[grid["vertical"] & grid["main"], "col"])
    bridge_cols = cols[np.linspace(1, len(cols) - 2, 3).round().astype(int)]
    wet = shapely.intersects(geoms, river)
    bridge = wet & grid["vertical"].to_numpy() & np.isin(grid["col"], bridge_cols)
    bridge &= grid["main"].to_numpy()
    keep &= ~wet | bridge
    # the expressway: crossed by three roads on overpasses, nowhere else
    crosses = shapely.intersects(geoms, express)
    cand = np.flatnonzero(crosses & keep & grid["main"].to_numpy())
    over = cand[np.linspace(0, len(cand) - 1, min(3, len(cand))).round().astype(int)]
    overpass = np.zeros(len(grid), dtype=bool)
    overpass[over] = True
    keep &= ~crosses | overpass
    g = grid[keep]
    n = len(g)
    main = g["main"].to_numpy()
    roads = gpd.GeoDataFrame(
        {
            "highway": np.where(main, "secondary", "residential"),
            "name": np.where(main, "示例干道", "示例支路"),
            "oneway": np.where(rng.random(n) < 0.03, "yes", "no"),
            "maxspeed": "",
            "bridge": np.where(bridge[keep] | overpass[keep], "yes", ""),
            "tunnel": "",
            "layer": np.where(bridge[keep] | overpass[keep], "1", ""),
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
