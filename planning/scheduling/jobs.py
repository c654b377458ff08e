"""Preparation: each due enterprise becomes a job of its squad, or a reason.

Everything later works on these small records (metres, minutes, windows,
profile of departments) instead of the GeoDataFrames, and a firm no plan can
visit is rejected here once, with a reason the planner can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.model import WGS84, Policy, Scenario, min_to_hhmm
from planning.progress import CancelToken
from planning.roads.context import ScenarioRoadTravel, scenario_travel
from planning.routing import RouteResult, Window, start_windows
from planning.scheduling.settings import (
    EARLY_COST,
    LATE_COST,
    SKIP_COST,
    SQUAD_DEPT,
    ScheduleSettings,
)
from planning.travel import TravelModel, metric_crs, metric_xy

Travel = TravelModel | ScenarioRoadTravel
"""Straight-line or road travel: the same ``km`` / ``minutes`` / ``speed``."""

_RISK_ORDER = {"red": 0, "yellow": 1, "green": 2}


@dataclass
class _Job:
    """One due enterprise, i.e. one joint visit to place."""

    enterprise_id: str
    squad_id: str
    items: tuple[str, ...]
    service: int
    profs: frozenset[str]
    due: int
    risk: str
    xy: tuple[float, float]
    lonlat: tuple[float, float]
    speed: float
    windows: tuple[Window, ...]
    load: int = 0
    package: int = 0


@dataclass
class _Squad:
    """A squad with its base, teams, jobs and (after the roster) crews."""

    squad_id: str
    base_xy: tuple[float, float]
    base_lonlat: tuple[float, float]
    base_speed: float
    teams: int
    jobs: list[_Job] = field(default_factory=list)
    crews: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    road_minutes: tuple[np.ndarray, dict[tuple[float, float], int]] | None = field(
        default=None, repr=False
    )
    """By road: minutes between the base and all the squad's firms, and each
    point's row, searched once instead of once per candidate team-day."""


class _Unscheduled(list):
    """Rows of the ``unscheduled`` table."""

    def add(self, enterprise_id: str, squad_id: str | None, reason: str) -> None:
        self.append(
            {"enterprise_id": enterprise_id, "squad_id": squad_id, "reason": reason}
        )


@dataclass
class _Run:
    """What every phase of one :func:`~planning.scheduling.schedule` call
    shares, passed as one object instead of the same loose arguments.

    ``statuses`` collects the outcome of each CP-SAT model (``"optimal"``,
    ``"feasible"``, ...) or ``"greedy"`` where a squad kept its greedy days;
    the result's status and stats are read from it.
    """

    policy: Policy
    days: list[date]
    travel: Travel
    settings: ScheduleSettings
    cancel: CancelToken
    unscheduled: _Unscheduled
    statuses: list[str] = field(default_factory=list)


_TeamDaySlot = tuple[str, int, int]
"""(squad_id, workday index, team index) of one team-day; the public
:data:`~planning.scheduling.TeamDay` names it by ISO day and team number."""
_Routed = dict[_TeamDaySlot, tuple[list[_Job], RouteResult]]
"""Each routed team-day's stops in route order, with their route."""


def _prepare(
    scenario: Scenario, days: list[date], unscheduled: _Unscheduled
) -> tuple[dict[str, _Squad], Travel]:
    """Jobs per squad, and the reasons for the firms no plan can visit."""
    policy = scenario.policy
    travel = scenario_travel(scenario)
    ent = scenario.enterprises
    due_mask = ent["due_items"].map(lambda s: isinstance(s, str) and s != "")
    crs = metric_crs(scenario.cells)
    cells = scenario.cells.set_index("cell_id")
    cell_squad = cells["squad_id"] if "squad_id" in cells else pd.Series(dtype=object)
    land_use = cells["land_use"]

    squads = _squads(scenario, crs, travel)
    due = ent[due_mask]
    if len(due) == 0:
        return squads, travel
    xy = metric_xy(due, crs)
    lonlat = metric_xy(due, WGS84)
    trips = _base_trips(squads, due, land_use, xy, travel)
    day_index = {d.isoformat(): i for i, d in enumerate(days)}
    for pos, row in enumerate(due.itertuples(index=False)):
        eid = str(row.enterprise_id)
        cell = row.cell_id if isinstance(row.cell_id, str) else None
        sid = cell_squad.get(cell) if cell in cell_squad.index else None
        if cell is None or cell not in cells.index:
            unscheduled.add(
                eid,
                None,
                "企业不在任何网格内，请核对位置 / the firm lies in no grid cell; "
                "fix its location",
            )
            continue
        if not isinstance(sid, str) or sid == "":
            unscheduled.add(
                eid,
                None,
                f"所在网格 {cell} 未划给中队 / its cell {cell} has no squad; "
                "assign the cell to a zone",
            )
            continue
        if sid not in squads:
            unscheduled.add(
                eid, sid, f"squad {sid} of cell {cell} is not in the squads layer"
            )
            continue
        sq = squads[sid]
        reason, job = _make_job(
            sq,
            row,
            xy[pos],
            lonlat[pos],
            land_use[cell],
            day_index,
            policy,
            travel,
            trips[sid][pos],
        )
        if reason:
            unscheduled.add(eid, sid, reason)
        else:
            sq.jobs.append(job)
    return squads, travel


def _base_trips(
    squads: dict[str, _Squad],
    due: pd.DataFrame,
    land_use: pd.Series,
    xy: np.ndarray,
    travel: Travel,
) -> dict[str, np.ndarray]:
    """Minutes from each base to every due firm: one matrix, not one search
    per firm (a road search per firm would dominate the set-up)."""
    if not squads:
        return {}
    lu = due["cell_id"].map(land_use).fillna("suburban").to_numpy()
    base_xy = np.array([sq.base_xy for sq in squads.values()])
    base_speed = np.array([sq.base_speed for sq in squads.values()])
    minutes = travel.minutes(base_xy, xy, base_speed, travel.speed(lu))
    return {sid: minutes[k] for k, sid in enumerate(squads)}


def _squads(scenario: Scenario, crs: str, travel: Travel) -> dict[str, _Squad]:
    """Each squad's base (metres and lon/lat), speed there and teams."""
    policy = scenario.policy
    squads: dict[str, _Squad] = {}
    sq_layer = scenario.squads
    sq_xy = metric_xy(sq_layer, crs)
    sq_ll = metric_xy(sq_layer, WGS84)
    base_cells = gpd.sjoin(
        sq_layer[["squad_id", "geometry"]].to_crs(WGS84),
        scenario.cells[["land_use", "geometry"]].to_crs(WGS84),
        how="left",
        predicate="within",
    ).drop_duplicates("squad_id")
    base_lu = dict(zip(base_cells["squad_id"], base_cells["land_use"], strict=True))
    for k, row in enumerate(sq_layer.itertuples(index=False)):
        teams = getattr(row, "teams", None)
        teams = policy.teams_per_squad if teams is None or pd.isna(teams) else teams
        lu = base_lu.get(row.squad_id)
        squads[row.squad_id] = _Squad(
            row.squad_id,
            (float(sq_xy[k, 0]), float(sq_xy[k, 1])),
            (float(sq_ll[k, 0]), float(sq_ll[k, 1])),
            float(travel.speed(lu if isinstance(lu, str) else "suburban")[0]),
            int(teams),
        )
    return squads


def _make_job(
    sq: _Squad,
    row: object,
    xy: np.ndarray,
    lonlat: np.ndarray,
    land_use: str,
    day_index: dict[str, int],
    policy: Policy,
    travel: Travel,
    trip: float | None = None,
) -> tuple[str, _Job | None]:
    """A job, or the reason the firm cannot be visited at all."""
    items = tuple(row.due_items.split(";"))
    profs = frozenset(
        policy.items[i].dept_id
        for i in items
        if policy.items[i].kind == "professional"
        and policy.items[i].dept_id != SQUAD_DEPT
    )
    for dept in sorted(profs):
        if policy.departments[dept].inspectors_per_day <= 0:
            name = policy.departments[dept].name
            return (
                f"{name}没有可用检查员 / "
                f"no {name} ({dept}) inspector is available on any day "
                f"(inspectors_per_day = 0); its items need one",
                None,
            )
    if sq.teams <= 0:
        return (
            f"中队 {sq.squad_id} 没有检查小组 / squad {sq.squad_id} fields no "
            "inspection team",
            None,
        )
    service = sum(policy.items[i].minutes for i in items)
    cat = policy.categories[row.category]
    windows = start_windows(cat.open, cat.busy, service, policy)
    hours = f"{min_to_hhmm(cat.open[0])}-{min_to_hhmm(cat.open[1])}"
    if cat.busy:
        hours += " except " + ", ".join(
            f"{min_to_hhmm(a)}-{min_to_hhmm(b)}" for a, b in cat.busy
        )
    if not windows:
        return (
            f"营业时间内排不下 {service} 分钟的检查 / "
            f"no time inside its opening hours ({hours}) fits a {service}-minute "
            f"visit in the workday {min_to_hhmm(policy.day_start)}-"
            f"{min_to_hhmm(policy.day_end)} outside lunch "
            f"{min_to_hhmm(policy.lunch[0])}-{min_to_hhmm(policy.lunch[1])}",
            None,
        )
    speed = float(travel.speed(land_use)[0])
    if trip is None:
        trip = travel.minutes(
            np.array([sq.base_xy]),
            xy[None, :],
            np.array([sq.base_speed]),
            np.array([speed]),
        )[0, 0]
    if not np.isfinite(trip):
        return (
            f"没有道路从中队 {sq.squad_id} 驻地通往该企业 / no road leads from the "
            f"base of squad {sq.squad_id} to the firm (one-way streets or a "
            "separate part of the road network)",
            None,
        )
    out, back = int(np.ceil(trip)), int(np.ceil(trip))
    if not any(
        max(policy.day_start + out, a) <= b
        and max(policy.day_start + out, a) + service + back <= policy.day_end
        for a, b in windows
    ):
        return (
            f"{out} minutes from the base of squad {sq.squad_id}: the trip there "
            f"and back plus a {service}-minute visit in its opening hours ({hours}) "
            "does not fit one workday",
            None,
        )
    due_date = getattr(row, "due_date", None)
    due = day_index.get(due_date, 0) if isinstance(due_date, str) else 0
    risk = row.risk if row.risk in SKIP_COST else "yellow"
    job = _Job(
        str(row.enterprise_id),
        sq.squad_id,
        items,
        service,
        profs,
        due,
        risk,
        (float(xy[0]), float(xy[1])),
        (float(lonlat[0]), float(lonlat[1])),
        speed,
        tuple(windows),
    )
    return "", job


def _urgency(job: _Job) -> tuple[int, int]:
    """Sort key of the repair and spare passes: red before green, then due."""
    return (_RISK_ORDER[job.risk], job.due)


def _time_cost(job: _Job, day: int) -> int:
    """Objective cost of visiting ``job`` on workday ``day``."""
    if day < job.due:
        return EARLY_COST * (job.due - day)
    return LATE_COST[job.risk] * (day - job.due)
