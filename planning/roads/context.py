"""The project's roads as every solver sees them: one travel model, one adjacency.

:func:`scenario_travel` hands the solvers :class:`RoadTravel` when the
scenario has roads and the straight-line :class:`TravelModel` otherwise;
:func:`scenario_adjacency` is the cell adjacency with the barrier rule. The
road graph is built once per road layer and kept (a few per process), so
zoning, scheduling, patrols and the exports of one plan share it; a scenario
loaded from a project keeps its road matrices in the project's
``road_cache`` table, so a reopened project does not search again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.io.road_cache import ProjectMatrixCache
from planning.model import WGS84, Policy, Scenario
from planning.roads.attributes import RoadPolicy
from planning.roads.barriers import (
    BarrierCut,
    barrier_adjacency,
    explain_cut_off,
    explain_island,
)
from planning.roads.reach import reach_areas, reach_shares, standby_points
from planning.roads.travel import MatrixCache, RoadTravel, build_graph, road_digest
from planning.travel import TravelModel, metric_crs, metric_xy

__all__ = [
    "RoadContext",
    "RoadLayers",
    "ScenarioRoadTravel",
    "barrier_notes",
    "road_layers",
    "road_context",
    "scenario_adjacency",
    "scenario_travel",
    "travel_label",
]

LABELS = {
    "zh_CN": ("按道路计算", "直线估算"),
    "en": ("by road", "straight-line estimate"),
}


@dataclass
class RoadContext:
    """Roads, barriers and the road travel model of one scenario."""

    roads: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame | None
    travel: ScenarioRoadTravel
    crs: str
    _cuts: OrderedDict[str, BarrierCut] = field(default_factory=OrderedDict)

    def cut(self, cells: gpd.GeoDataFrame, adjacency: np.ndarray) -> BarrierCut:
        """:func:`barrier_adjacency` of ``cells``, kept per grid."""
        geoms = np.asarray(cells.geometry.to_numpy())
        h = hashlib.blake2b(digest_size=16)
        h.update(str(cells.crs).encode())
        h.update(shapely.get_coordinates(geoms).tobytes())
        h.update(np.ascontiguousarray(adjacency, dtype=np.int64).tobytes())
        key = h.hexdigest()
        if key not in self._cuts:
            self._cuts[key] = barrier_adjacency(
                cells, adjacency, self.barriers, self.roads
            )
            while len(self._cuts) > 4:
                self._cuts.popitem(last=False)
        return self._cuts[key]


class ScenarioRoadTravel(RoadTravel):
    """:class:`RoadTravel` that also answers ``speed`` by land use.

    Road minutes ignore those speeds; the schedulers' quick estimates
    (detours of a candidate day, loads before routing) still use them.
    """

    def __init__(
        self, graph, digest: str, policy: Policy, cache: MatrixCache | None = None
    ):
        super().__init__(graph, digest, cache)
        self._land = TravelModel(policy)

    def speed(self, land_use: np.ndarray | list[str] | str) -> np.ndarray:
        """km/h by land use, as :meth:`TravelModel.speed`."""
        return self._land.speed(land_use)


_CONTEXTS: OrderedDict[str, RoadContext] = OrderedDict()
_LOCK = threading.Lock()


def road_context(scenario: Scenario) -> RoadContext | None:
    """The scenario's :class:`RoadContext`, or ``None`` without roads."""
    roads = scenario.roads
    if roads is None or len(roads) == 0:
        return None
    crs = metric_crs(scenario.cells)
    rp = RoadPolicy.from_policy(scenario.policy)
    digest = road_digest(roads, rp)
    barriers = scenario.barriers
    speeds = sorted(scenario.policy.speed_kmh.items())
    project = scenario.project_file
    h = hashlib.blake2b(f"{digest}|{crs}|{speeds}|{project}".encode(), digest_size=16)
    if barriers is not None:
        h.update(b"".join(shapely.to_wkb(barriers.geometry.to_numpy())))
    key = h.hexdigest()
    with _LOCK:
        if key in _CONTEXTS:
            _CONTEXTS.move_to_end(key)
            return _CONTEXTS[key]
    graph = build_graph(roads, rp, crs)
    cache = None if project is None else ProjectMatrixCache(project, digest)
    travel = ScenarioRoadTravel(graph, digest, scenario.policy, cache)
    ctx = RoadContext(roads, barriers, travel, crs)
    with _LOCK:
        _CONTEXTS[key] = ctx
        while len(_CONTEXTS) > 2:
            _CONTEXTS.popitem(last=False)
    return ctx


def scenario_travel(scenario: Scenario) -> TravelModel | ScenarioRoadTravel:
    """Road travel when the scenario has roads, else the straight-line model."""
    ctx = road_context(scenario)
    return TravelModel(scenario.policy) if ctx is None else ctx.travel


def scenario_adjacency(scenario: Scenario) -> np.ndarray:
    """Neighbour pairs of ``scenario.cells`` (positions) after barriers."""
    from planning.zoning.graph import cell_adjacency

    cells = scenario.cells.reset_index(drop=True)
    edges = cell_adjacency(cells)
    ctx = road_context(scenario)
    return edges if ctx is None else ctx.cut(cells, edges).adjacency


def travel_label(by_road: bool, lang: str = "zh_CN") -> str:
    """ "by road" or "straight-line estimate" for reports and work orders."""
    road, line = LABELS["en" if lang == "en" else "zh_CN"]
    return road if by_road else line


def barrier_notes(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    assignment: pd.Series,
    policy: Policy,
    roads: RoadContext,
    lang: str = "zh_CN",
    islands: list[list[str]] | None = None,
) -> list[str]:
    """:func:`explain_cut_off` for each zone a barrier splits from its base,
    and :func:`explain_island` for each of zoning's ``islands`` (cell ids) a
    barrier cuts off from every base."""
    from planning.zoning.graph import cell_graph

    cells = cells.reset_index(drop=True)
    squads = squads.reset_index(drop=True)
    geo = cell_graph(cells, squads, policy, roads)
    cut = roads.cut(cells, _grid_edges(cells))
    names = (
        roads.barriers["name"].astype(str).tolist()
        if roads.barriers is not None and "name" in roads.barriers
        else [f"barrier {i + 1}" for i in range(len(roads.barriers or []))]
    )
    owner = cells["cell_id"].astype(str).map(assignment).to_numpy()
    notes = []
    for s, row in enumerate(squads.itertuples(index=False)):
        mine = np.flatnonzero(owner == str(row.squad_id))
        if len(mine) == 0:
            continue
        text = explain_cut_off(
            cells,
            cut,
            mine,
            int(geo.base_cell[s]),
            names,
            str(getattr(row, "name", row.squad_id)),
            lang=lang,
        )
        if text:
            notes.append(text)
    position = pd.Series(np.arange(len(cells)), index=cells["cell_id"].astype(str))
    for island in islands or []:
        members = position.reindex([str(c) for c in island]).dropna()
        text = explain_island(cells, cut, members.to_numpy(int), names, lang=lang)
        if text:
            notes.append(text)
    return notes


def _grid_edges(cells: gpd.GeoDataFrame) -> np.ndarray:
    from planning.zoning.graph import _grid_graph

    return _grid_graph(cells)[0]


@dataclass(frozen=True)
class RoadLayers:
    """What a plan shows of the roads: reach areas, standby points, shares.

    ``reach`` holds one polygon per base and threshold (``squad_id``,
    ``minutes``); ``standby`` one point per chosen position (``squad_id``,
    ``rank``); ``standby_table`` per squad the weighted events within
    ``limit`` minutes of its base alone and with the standby cars;
    ``shares`` the share of cells, enterprises and events within ``limit``
    minutes of some base (:func:`~planning.roads.reach.reach_shares`).
    """

    reach: gpd.GeoDataFrame
    standby: gpd.GeoDataFrame
    standby_table: pd.DataFrame
    shares: pd.DataFrame


def _event_weights(hotspots: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Severity x recency weight of each event, as the workload counts them."""
    kind = hotspots.get("event_type", pd.Series("", index=hotspots.index))
    w = kind.map(policy.event_weights).fillna(1.0).to_numpy(float)
    times = pd.to_datetime(hotspots.get("time"), errors="coerce")
    if times is not None and times.notna().any():
        age = (times.max() - times).dt.total_seconds().fillna(0).to_numpy()
        w = w * 0.5 ** (age / (7 * 86400 * policy.recency_half_life_weeks))
    return w


def road_layers(
    scenario: Scenario,
    minutes: tuple[float, ...] = (5.0, 15.0, 30.0),
    cars: int | None = None,
    limit: float = 5.0,
) -> RoadLayers | None:
    """Reach (1530) and standby points of ``scenario``; ``None`` without roads.

    ``cars`` patrol cars per squad (the policy's ``[roads] standby_cars``
    when ``None``; 0 = none, the table then gives coverage by the bases
    alone) stand by where they bring the most (weighted) hotspot events of
    the squad's zone within ``limit`` minutes beyond what the bases reach.
    """
    ctx = road_context(scenario)
    if ctx is None:
        return None
    if cars is None:
        cars = RoadPolicy.from_policy(scenario.policy).standby_cars
    graph = ctx.travel.graph
    squads = scenario.squads.reset_index(drop=True)
    ids = squads["squad_id"].astype(str).to_numpy()
    bxy = metric_xy(squads, ctx.crs)
    reach = reach_areas(graph, bxy, minutes, travel=ctx.travel)
    reach.insert(0, "squad_id", ids[reach.pop("base").to_numpy()])
    reach = reach.to_crs(WGS84)

    cells = scenario.cells
    hot = scenario.hotspots
    exy = metric_xy(hot, ctx.crs) if len(hot) else np.zeros((0, 2))
    weights = _event_weights(hot, scenario.policy) if len(hot) else np.zeros(0)
    shares = reach_shares(
        ctx.travel,
        bxy,
        {
            "cells": (metric_xy(cells, ctx.crs), None),
            "enterprises": (metric_xy(scenario.enterprises, ctx.crs), None),
            "events": (exy, weights),
        },
        limit,
    )
    owner = cells.set_index("cell_id")["squad_id"] if "squad_id" in cells else None
    event_squad = (
        hot["cell_id"].map(owner).astype(object).to_numpy()
        if owner is not None and "cell_id" in hot
        else np.full(len(hot), None)
    )
    points, rows = [], []
    for sid in ids:
        mine = event_squad == sid
        res = standby_points(
            graph,
            bxy,
            exy[mine],
            weights[mine],
            cars,
            limit,
            time_limit=5.0,
            travel=ctx.travel,
        )
        for rank, xy in enumerate(res.xy):
            points.append({"squad_id": sid, "rank": rank + 1, "x": xy[0], "y": xy[1]})
        rows.append(
            {
                "squad_id": sid,
                "cars": len(res.xy),
                "events_weight": round(res.total, 2),
                "within_by_bases": round(res.covered_by_bases, 2),
                "within_with_standby": round(res.covered, 2),
                "gained": round(res.gained, 2),
                "minutes": limit,
            }
        )
    frame = pd.DataFrame(points, columns=["squad_id", "rank", "x", "y"])
    standby = gpd.GeoDataFrame(
        frame[["squad_id", "rank"]],
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=ctx.crs,
    ).to_crs(WGS84)
    return RoadLayers(reach, standby, pd.DataFrame(rows), shares)
