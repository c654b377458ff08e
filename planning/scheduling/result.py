"""The schedule's schema tables (visits, routes, roster, unscheduled) and stats.

Kept apart from the solving so the tables follow ``docs/plan-schema.md``
in one place, for a full schedule and for team-days routed again by hand.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from planning.model import (
    ROSTER_COLUMNS,
    ROUTE_COLUMNS,
    UNSCHEDULED_COLUMNS,
    VISIT_COLUMNS,
    WGS84,
    min_to_hhmm,
)
from planning.routing import RouteResult
from planning.scheduling.jobs import Travel, _Job, _Routed, _Run, _Squad


@dataclass
class ScheduleResult:
    """A finished schedule; tables follow ``docs/plan-schema.md``."""

    visits: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    unscheduled: pd.DataFrame
    roster: pd.DataFrame
    stats: dict
    status: str


@dataclass
class _Clock:
    """Wall-clock bookkeeping of the phases, for ``stats``."""

    start: float = field(default_factory=time.perf_counter)
    marks: dict[str, float] = field(default_factory=dict)
    last: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[f"seconds_{name}"] = round(now - self.last, 3)
        self.last = now

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def _build_result(
    run: _Run,
    squads: dict[str, _Squad],
    routed: _Routed,
    status: str,
    clock: _Clock,
) -> ScheduleResult:
    """Assemble the schema tables and the stats."""
    policy, days = run.policy, run.days
    visit_rows, route_rows, roster_rows = [], [], []
    load: dict[str, list[int]] = defaultdict(list)
    for key in sorted(routed):
        jobs, result = routed[key]
        if not jobs:
            continue
        sid, t, j = key
        sq = squads[sid]
        day = days[t].isoformat()
        crew = sorted({d for job in jobs for d in job.profs})
        for d in crew:
            roster_rows.append(
                {
                    "dept_id": d,
                    "day": day,
                    "squad_id": sid,
                    "team": j + 1,
                    "inspectors": 1,
                }
            )
        for seq, job in enumerate(jobs):
            depts = list(dict.fromkeys(policy.items[i].dept_id for i in job.items))
            visit_rows.append(
                {
                    "enterprise_id": job.enterprise_id,
                    "squad_id": sid,
                    "team": j + 1,
                    "day": day,
                    "seq": seq + 1,
                    "eta": min_to_hhmm(result.eta[seq]),
                    "start": min_to_hhmm(result.start[seq]),
                    "end": min_to_hhmm(result.end[seq]),
                    "service_min": job.service,
                    "items": ";".join(job.items),
                    "item_names": ";".join(policy.items[i].name for i in job.items),
                    "departments": ";".join(depts),
                    "crew": ";".join(crew),
                    "geometry": Point(job.lonlat),
                }
            )
        route_rows.append(
            _route_row(
                sq, j + 1, day, jobs, result, result.leave, result.back, run.travel
            )
        )
        load[sid].append(result.back - result.leave)
    for n, row in enumerate(visit_rows):
        row["visit_id"] = f"V{n + 1:06d}"
    visits = _frame(visit_rows, VISIT_COLUMNS)
    routes = _frame(route_rows, ROUTE_COLUMNS)
    roster = pd.DataFrame(roster_rows, columns=ROSTER_COLUMNS)
    unsched = pd.DataFrame(list(run.unscheduled), columns=UNSCHEDULED_COLUMNS)
    joint = len(visits)
    dept_insp = int(sum(len(set(s.split(";"))) for s in visits["departments"] if s))
    clock.marks["seconds_total"] = round(clock.elapsed(), 3)
    stats = {
        "joint_visits": joint,
        "dept_inspections": dept_insp,
        "visits_saved": dept_insp - joint,
        "travel_km": round(float(routes["km"].sum()) if len(routes) else 0.0, 1),
        "travel_hours": round(
            float(routes["travel_min"].sum()) / 60.0 if len(routes) else 0.0, 1
        ),
        "unscheduled": len(unsched),
        "status": status,
        **clock.marks,
        "load": {
            sid: {
                "team_days": len(v),
                "mean_min": round(float(np.mean(v)), 1),
                "max_min": int(max(v)),
            }
            for sid, v in sorted(load.items())
        },
    }
    return ScheduleResult(visits, routes, unsched, roster, stats, status)


def _route_row(
    sq: _Squad,
    team: int,
    day: str,
    stops: list[_Job],
    result: RouteResult,
    leave: int,
    back: int,
    travel: Travel | None = None,
) -> dict:
    """One ``routes`` row: base -> stops in order -> base.

    With road travel the line is the road path (access legs included) and
    ``km`` the road km through the stops in this order; otherwise straight
    lines and the straight-line estimate.
    """
    path = [sq.base_lonlat, *(job.lonlat for job in stops), sq.base_lonlat]
    km, line = result.km, LineString(path)
    if getattr(travel, "by_road", False) and stops:
        metric = np.array([sq.base_xy, *(job.xy for job in stops), sq.base_xy])
        road, _, road_km = travel.path(metric)
        line = gpd.GeoSeries([road], crs=travel.graph.crs).to_crs(WGS84).iloc[0]
        if np.isfinite(road_km):
            km = road_km
    return {
        "route_id": f"{sq.squad_id}-{day}-T{team}",
        "squad_id": sq.squad_id,
        "team": team,
        "day": day,
        "stops": len(stops),
        "km": round(km, 2),
        "travel_min": result.travel_min,
        "service_min": sum(job.service for job in stops),
        "start": min_to_hhmm(leave),
        "end": min_to_hhmm(back),
        "geometry": line,
    }


def _frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    """GeoDataFrame in schema column order (also when empty)."""
    if not rows:
        return gpd.GeoDataFrame(
            {c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    return frame[[*columns, "geometry"]]
