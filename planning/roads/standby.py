"""Standby points per squad and peak window, with the coverage they add.

A squad with patrol cars on duty in a peak window parks them where they
bring the most hotspot events within the 1530 arrival limit (5 minutes by
road), beyond what the bases already reach: a maximal covering location
problem per squad and window (:func:`planning.roads.reach.standby_points`,
HiGHS). Each squad's cars stand by inside its own zone and serve the events
of its zone; an event within the limit of *any* base counts as covered by
the bases, as on the summary page's reach figures.

Events are points with a ``window`` label and a ``weight`` (expected
events from the trend model); :func:`window_demand` makes them from a
:class:`planning.hotspots.Intensity` at the cell centres.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.hotspots import Intensity
from planning.model import WGS84, hhmm_to_min
from planning.roads.graph import RoadGraph
from planning.roads.reach import standby_points
from planning.travel import metric_xy

__all__ = ["StandbyPlan", "standby_by_squad", "window_demand"]


@dataclass(frozen=True)
class StandbyPlan:
    """``points``: one row per standby point (``squad_id``, ``window``,
    ``rank``, ``events_covered``; EPSG:4326). ``table``: one row per squad
    and window (``cars``, ``events``, ``by_bases``, ``with_standby``,
    ``gained``, ``share_bases``, ``share_with_standby``)."""

    points: gpd.GeoDataFrame
    table: pd.DataFrame


def window_demand(
    cells: gpd.GeoDataFrame,
    intensity: Intensity,
    windows: tuple[tuple[str, str], ...],
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> gpd.GeoDataFrame:
    """Expected events per cell centre and window (label ``HH:MM-HH:MM``)."""
    centres = cells.set_index("cell_id").geometry.representative_point()
    frames = []
    for start, end in windows:
        value = intensity.window_events(hhmm_to_min(start), hhmm_to_min(end), weekdays)
        value = value.reindex(centres.index).fillna(0.0)
        keep = value.to_numpy() > 0
        frames.append(
            gpd.GeoDataFrame(
                {
                    "cell_id": centres.index[keep],
                    "window": f"{start}-{end}",
                    "weight": value.to_numpy()[keep],
                },
                geometry=centres.to_numpy()[keep],
                crs=cells.crs,
            )
        )
    return pd.concat(frames, ignore_index=True)


def _cars(cars: int | Mapping[str, int | Mapping[str, int]], squad: str, window: str):
    if isinstance(cars, Mapping):
        per = cars.get(squad, 0)
        return int(per.get(window, 0)) if isinstance(per, Mapping) else int(per)
    return int(cars)


def standby_by_squad(
    graph: RoadGraph,
    bases: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    cars: int | Mapping[str, int | Mapping[str, int]],
    limit: float = 5.0,
    time_limit: float = 10.0,
) -> StandbyPlan:
    """Standby points for every squad and window (see the module docstring).

    ``bases`` are the squads' base points (``squad_id``); ``zones`` are
    polygons with ``squad_id`` (zone outlines, or the cells of the zoning);
    ``cars`` is one number for all, a number per squad, or per squad a
    number per window label.
    """
    zones = zones.loc[zones["squad_id"].notna(), ["squad_id", "geometry"]]
    zones = zones.dissolve(by="squad_id")
    zone_m = zones.geometry.to_crs(graph.crs)
    base_xy = metric_xy(bases, graph.crs)
    ev_xy = metric_xy(events, graph.crs)
    weight = (
        events["weight"].to_numpy(float)
        if "weight" in events.columns
        else np.ones(len(events))
    )
    window = events["window"].astype(str).to_numpy()
    owner = np.full(len(events), None, dtype=object)
    for squad, shape in zone_m.items():
        inside = shapely.contains_xy(shape, ev_xy[:, 0], ev_xy[:, 1])
        owner[inside & pd.isna(owner)] = squad
    node_xy = graph.network.node_xy
    rows, points = [], []
    for squad in bases["squad_id"]:
        shape = zone_m.get(squad)
        if shape is None:  # a squad without a zone stands by nowhere
            allowed = np.zeros(len(node_xy), dtype=bool)
        else:
            allowed = shapely.contains_xy(shape, node_xy[:, 0], node_xy[:, 1])
        for win in pd.unique(window):
            mine = np.flatnonzero((owner == squad) & (window == win))
            k = _cars(cars, str(squad), str(win))
            res = standby_points(
                graph,
                base_xy,
                ev_xy[mine],
                weight[mine],
                k,
                limit=limit,
                time_limit=time_limit,
                allowed=allowed,
            )
            if len(res.node):
                reach = graph.matrix(res.xy, ev_xy[mine], metres=False).minutes
                covers = (reach <= limit) @ weight[mine]
                for rank, (xy, c) in enumerate(zip(res.xy, covers, strict=True), 1):
                    points.append(
                        {
                            "squad_id": squad,
                            "window": win,
                            "rank": rank,
                            "events_covered": float(c),
                            "geometry": shapely.Point(xy),
                        }
                    )
            total = float(weight[mine].sum())
            rows.append(
                {
                    "squad_id": squad,
                    "window": win,
                    "cars": k,
                    "events": total,
                    "by_bases": res.covered_by_bases,
                    "with_standby": res.covered,
                    "gained": res.gained,
                    "share_bases": res.covered_by_bases / total if total else 0.0,
                    "share_with_standby": res.covered / total if total else 0.0,
                }
            )
    layer = gpd.GeoDataFrame(
        points,
        columns=["squad_id", "window", "rank", "events_covered", "geometry"],
        geometry="geometry",
        crs=graph.crs,
    ).to_crs(WGS84)
    return StandbyPlan(layer, pd.DataFrame(rows))
