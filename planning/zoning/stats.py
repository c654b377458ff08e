"""Figures of a zoning for the planner: per-squad workload, balance, travel and
contiguity, and the zones layer (one polygon a zone) that maps and exports
draw.

Contiguity is judged ignoring islands, as the solver does, so a zone the
solver calls whole is never shown as split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from planning.model import Policy

if TYPE_CHECKING:
    from planning.roads.context import RoadContext
from planning.zoning.graph import (
    cell_graph,
    cell_workloads,
    contiguous_zones,
    island_cells,
    nest_groups,
    squad_index,
    zone_targets,
)


def stats_geometry(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    roads: RoadContext | None = None,
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """What :func:`zone_stats` measures with, for callers (the desktop's live
    statistics) that score many assignments of one grid: the cell graph, the
    (squads, cells) travel minutes from each base, and the island cells
    exempt from contiguity. Score an assignment with :func:`zones_contiguous`."""
    geo = cell_graph(
        cells.reset_index(drop=True), squads.reset_index(drop=True), policy, roads
    )
    return geo.adj, geo.travel, island_cells(geo)


def zones_contiguous(
    adj: sparse.csr_matrix, assign: np.ndarray, m: int, ignore: np.ndarray
) -> np.ndarray:
    """Per squad (0..m-1 in ``assign``, -1 = none): its cells apart from
    ``ignore`` form one edge-connected set."""
    return contiguous_zones(adj, assign, m, ignore)


def zone_stats(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    assignment: pd.Series,
    policy: Policy,
    nest: str | None = None,
    islands: list[list[str]] | None = None,
    roads: RoadContext | None = None,
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
    roads
        The project's roads: contiguity obeys the barrier rule and reach is
        in road minutes.
    """
    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    geo = cell_graph(cells, squads, policy, roads)
    m, n = len(squads), len(cells)
    ids = [str(s) for s in squads["squad_id"]]
    assign = squad_index(cells["cell_id"].astype(str).map(assignment), ids)
    w = cell_workloads(cells)
    squad_group, cell_group, _ = nest_groups(cells, squads, nest)
    staff = pd.to_numeric(squads["staff"], errors="coerce").fillna(0).to_numpy(float)
    target = zone_targets(w, cell_group, squad_group, staff)
    if islands is None:
        ignore = island_cells(geo)
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
                contiguous_zones(geo.adj, assign, m, ignore) & (count > 0)
            ).astype(int),
            "max_reach_min": reach,
        }
    )


def zones_layer(
    cells: gpd.GeoDataFrame, assignment: pd.Series, stats: pd.DataFrame
) -> gpd.GeoDataFrame:
    """The ``zones`` layer of ``docs/plan-schema.md``: one MultiPolygon per squad.

    ``stats`` is :func:`zone_stats` of the same zoning (``assignment``:
    ``cell_id`` -> ``squad_id``), so the figures are measured once with the
    nesting, islands and roads the caller chose, and the outlines are drawn
    from ``cells``. Squads without cells get an empty geometry, so every
    squad has a row.
    """
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
