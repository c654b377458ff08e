"""Routing a few team-days again after the planner moved visits by hand.

The schedule editor changes days and teams; the same rules as the full
schedule then re-order and re-time just the team-days touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from planning.model import WGS84, Scenario, min_to_hhmm
from planning.roads.context import scenario_travel
from planning.scheduling.jobs import _Job, _make_job, _squads
from planning.scheduling.result import ROUTE_COLUMNS, _frame, _route_row
from planning.scheduling.routes import _route
from planning.travel import metric_crs, metric_xy

TeamDay = tuple[str, int, str]
"""(squad_id, team, ISO day) of one team's route."""


def route_team_days(
    scenario: Scenario,
    visits: pd.DataFrame,
    keys: list[TeamDay],
    time_limit: float = 0.3,
    engine: str = "ortools",
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Re-order and re-time the visits of a few team-days (after a manual move).

    Each team-day in ``keys`` is routed again from its squad base with the
    same rules as :func:`schedule` (opening hours, busy hours and lunch cut
    out, day start and end). A visit the route cannot fit (the day is too
    full) is kept, appended after the last stop, so nothing is lost; the
    validator then reports the late day for the planner to judge.

    Returns the visit fields ``seq``, ``eta``, ``start``, ``end`` indexed by
    ``visit_id`` for every visit of those team-days, and their route rows
    (schema of ``routes``; a team-day left empty has no row).
    """
    policy = scenario.policy
    travel = scenario_travel(scenario)
    crs = metric_crs(scenario.cells)
    squads = _squads(scenario, crs, travel)
    ent = scenario.enterprises.set_index(
        scenario.enterprises["enterprise_id"].astype(str)
    )
    cells = scenario.cells.set_index("cell_id")
    land_use = cells["land_use"] if "land_use" in cells else pd.Series(dtype=object)
    visit_rows: list[pd.DataFrame] = []
    route_rows: list[dict] = []
    for sid, team, day in keys:
        mine = visits[
            (visits["squad_id"].astype(str) == sid)
            & (pd.to_numeric(visits["team"]).astype(int) == int(team))
            & (visits["day"].astype(str) == day)
        ].sort_values("seq")
        if len(mine) == 0 or sid not in squads:
            continue
        sq = squads[sid]
        here = ent.loc[mine["enterprise_id"].astype(str)]
        xy = metric_xy(here, crs)
        lonlat = metric_xy(here, WGS84)
        jobs = []
        for k, (visit, firm) in enumerate(
            zip(mine.itertuples(index=False), here.itertuples(index=False), strict=True)
        ):
            cell = firm.cell_id if isinstance(firm.cell_id, str) else None
            lu = land_use.get(cell, "suburban") if cell is not None else "suburban"
            row = _VisitFirm(str(visit.enterprise_id), str(visit.items), firm)
            _, job = _make_job(sq, row, xy[k], lonlat[k], lu, {}, policy, travel)
            if job is None:  # no longer fits its hours: any time of the day
                service = int(visit.service_min) if pd.notna(visit.service_min) else 0
                window = ((policy.day_start, max(policy.day_start, policy.day_end)),)
                job = _Job(
                    str(visit.enterprise_id),
                    sid,
                    tuple(str(visit.items).split(";")),
                    service,
                    frozenset(),
                    0,
                    "yellow",
                    (float(xy[k, 0]), float(xy[k, 1])),
                    (float(lonlat[k, 0]), float(lonlat[k, 1])),
                    float(travel.speed(lu)[0]),
                    window,
                )
            jobs.append(job)
        result = _route(sq, jobs, policy, travel, time_limit, engine=engine)
        order = list(result.order)
        eta, start, end = list(result.eta), list(result.start), list(result.end)
        clock = max([result.back, *end]) if order else policy.day_start
        for i in result.dropped:  # kept, after the last stop
            order.append(i)
            eta.append(clock)
            start.append(clock)
            clock += jobs[i].service
            end.append(clock)
        ids = mine["visit_id"].astype(str).to_numpy()
        visit_rows.append(
            pd.DataFrame(
                {
                    "seq": range(1, len(order) + 1),
                    "eta": [min_to_hhmm(t) for t in eta],
                    "start": [min_to_hhmm(t) for t in start],
                    "end": [min_to_hhmm(t) for t in end],
                },
                index=pd.Index([ids[i] for i in order], name="visit_id"),
            )
        )
        route_rows.append(
            _route_row(
                sq,
                int(team),
                day,
                [jobs[i] for i in order],
                result,
                result.leave if result.order else clock,
                max(result.back, clock),
                travel,
            )
        )
    fields = (
        pd.concat(visit_rows)
        if visit_rows
        else pd.DataFrame(columns=["seq", "eta", "start", "end"])
    )
    return fields, _frame(route_rows, ROUTE_COLUMNS)


@dataclass
class _VisitFirm:
    """An enterprise row as :func:`.jobs._make_job` reads it, with a visit's items."""

    enterprise_id: str
    due_items: str
    firm: object

    def __getattr__(self, name: str) -> object:
        return getattr(self.firm, name)
