"""Joint-inspection scheduling (综合查一次): days, crews and routes.

Every enterprise with due items gets exactly one joint visit covering all of
them, or a row in ``unscheduled`` with a reason a planner can act on. The
work is decomposed so a county of 20,000 visits stays tractable:

1. **Preparation** (:func:`_prepare`) turns each due enterprise into a
   :class:`_Job` (service minutes, professional departments, admissible
   start windows, due workday, risk) and rejects what no plan can hold:
   no squad for the cell, a department with no inspectors, opening hours
   that leave no slot in the workday, a firm too far to reach and return.
2. **Roster** (:func:`_solve_roster`, one small CP-SAT for the county):
   department inspectors are the only resource squads share, so it decides
   which departments join which team on which day. Each squad's demand is
   aggregated by *profile* (the set of professional departments a visit
   needs, e.g. {市场监管, 应急管理} for a restaurant) and by due day; team-day
   minutes are split among profiles whose departments are all rostered
   there, so departments a visit needs together land on the same team-day.
3. **Days** (:func:`_solve_squad`, one CP-SAT per squad, crews fixed):
   visits go to team-days whose crew covers them. Geographic coherence
   comes from *packages*: each squad's visits are pre-clustered (k-means)
   into neighbourhoods of about half a team-day of work. A team-day's
   travel is estimated as the round trip to its farthest package plus the
   width and height of the box around the packages it touches (CP-SAT
   integer variables), plus a fixed cost per package touched; this is both
   charged against the workday (with service and nearest-neighbour travel
   per visit) and minimised, so team-days stay compact and routes short.
   Team-days are filled to ``TARGET_FILL`` of the workday while capacity
   allows (a soft cost beyond it, ``FILL`` hard), so routes keep slack.
   Lateness past the due date costs by risk (red most), visiting before it
   a little; leaving a visit out costs more than any lateness. A greedy
   solution (vectorised over team-days) comes first; the model then only
   offers each visit the team-days within ``DAY_WINDOW`` workdays of its
   greedy day or ``DUE_WINDOW`` of its due day, so it grows with visits,
   not visits x horizon. Building the model is paid from the squad's share
   of the time; a squad whose share is too short keeps the greedy days.
4. **Routes** (:func:`planning.routing.route_day` per team-day) order the
   stops with opening-hour windows, busy windows and lunch. A stop that
   does not fit, and a visit the day model left out, is then inserted at
   the cheapest feasible position of another compatible team-day
   (:func:`_place`, an exact earliest-start check of that day alone, no
   solver), so a short budget narrows this repair but never skips it.
5. **Spare inspectors** (:func:`_fill_spare`): the roster sizes crews by
   minutes, so visits can be left out for want of a department on their
   squad's team-days while that department's inspector-days go unused.
   Left-out visits join team-days that the day's free inspectors can
   equip, if an exact insertion keeps that day feasible; the rest are
   reported unscheduled with their reason.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

from planning.model import WGS84, Policy, Scenario, min_to_hhmm
from planning.progress import CancelToken, ProgressEvent, ProgressFn, no_progress
from planning.routing import RouteResult, RouteStop, Window, route_day, start_windows
from planning.travel import TravelModel, metric_crs, metric_xy

SQUAD_DEPT = "ZHZF"
"""The squads' own department: its items never need an outside inspector."""

SKIP_COST = {"red": 3000, "yellow": 2000, "green": 1500}
"""Objective cost of leaving a visit unscheduled, by risk colour."""
LATE_COST = {"red": 8, "yellow": 3, "green": 2}
"""Cost per workday a visit happens after its due date, by risk colour."""
EARLY_COST = 1
"""Cost per workday a visit happens before its due date (checks too often)."""
PACKAGE_COST = 20
"""Cost per package a team-day touches (on top of the travel estimate)."""
PACKAGE_SHARE = 0.5
"""Target work of one package as a share of a team-day."""
ROSTER_SHARE = 0.1
"""Share of ``time_limit`` the county roster model may use."""
CPSAT_SHARE = 0.5
"""Share of ``time_limit`` roster and squad models may use together."""
ROUTING_SHARE = 0.2
"""Share of ``time_limit`` all routes may use together."""
REPAIR_SHARE = 0.1
"""Share of ``time_limit`` for moving stops that did not fit their route."""
SPARE_SHARE = 0.1
"""Share of ``time_limit`` for placing left-out visits with spare inspectors."""
FILL = 0.95
"""Share of the workday the day model may fill with estimated work: the
rest absorbs waits for opening hours that the estimate does not see."""
TARGET_FILL = 0.85
"""Share of the workday team-days are filled to while capacity allows;
each estimated minute beyond it costs ``OVER_COST``, so routes keep slack
and rarely drop a stop."""
OVER_COST = 1
"""Cost per estimated minute a team-day holds beyond ``TARGET_FILL``."""
DAY_WINDOW = 2
"""The day model may move a job this many workdays from its greedy day."""
DUE_WINDOW = 2
"""... or to any of this many workdays from its due day on."""
MIN_MODEL_SECONDS = 1.0
"""A squad's CP-SAT model is built only if this much budget is left for it
(plus ``BUILD_SECONDS_PER_VAR`` per variable); otherwise the greedy
assignment stands."""
BUILD_SECONDS_PER_VAR = 4e-5
"""Rough cost of building (and presolving) one assignment variable."""
INSERT_BATCH = 8
"""Team-days tried together by exact insertion when placing one stop."""
REPAIR_TRIES_LATE = 8
"""Team-days tried per stop once the repair share of the time is spent."""
SPARE_TRIES = 24
"""Team-days tried per left-out visit by the spare-inspector pass."""
EXTRA_DEPT_COST = 5
"""Ranking cost per inspector a team-day must add to take a visit."""
UNIT = 5
"""Minutes per unit of work in the roster model (keeps coefficients small)."""

_RISK_ORDER = {"red": 0, "yellow": 1, "green": 2}
_EMPTY_VISITS = (
    "visit_id enterprise_id squad_id team day seq eta start end service_min "
    "items item_names departments crew"
).split()
_EMPTY_ROUTES = (
    "route_id squad_id team day stops km travel_min service_min start end"
).split()


@dataclass(frozen=True)
class ScheduleSettings:
    """Solver budget.

    Parameters
    ----------
    time_limit
        Seconds for the whole solve: the CP-SAT roster and day/crew models
        get ``CPSAT_SHARE`` of it, the routes ``ROUTING_SHARE``, moving
        dropped stops ``REPAIR_SHARE`` and the spare-inspector pass
        ``SPARE_SHARE``; the rest is for building models and tables. A
        squad's share of the CP-SAT time also pays for building its model;
        a squad whose share is too short keeps its greedy assignment. Each
        CP-SAT model stops once its objective has not improved for a
        quarter of its share, so a small county finishes well before the
        limit. Placing dropped stops is an exact insertion, not a solve, so
        a tight budget narrows it but never leaves a stop out for time.
    route_time_limit
        Seconds of local search per team-day route at most.
    seed, workers
        CP-SAT random seed and search workers.
    routing_engine
        Engine ordering each team-day: ``"ortools"`` (default) or
        ``"pyvrp"`` (optional dependency); see
        :func:`planning.routing.solve_vrptw`.
    spare_inspectors
        After routing, give visits left out for want of crew or time to
        team-days that unused inspector-days can equip (see
        :func:`_fill_spare`).
    """

    time_limit: float = 60.0
    route_time_limit: float = 1.0
    seed: int = 0
    workers: int = 2
    routing_engine: str = "ortools"
    spare_inspectors: bool = True


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


class _Unscheduled(list):
    """Rows of the ``unscheduled`` table."""

    def add(self, enterprise_id: str, squad_id: str | None, reason: str) -> None:
        self.append(
            {"enterprise_id": enterprise_id, "squad_id": squad_id, "reason": reason}
        )


# ---------------------------------------------------------------- public API


def schedule(
    scenario: Scenario,
    settings: ScheduleSettings = ScheduleSettings(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ScheduleResult:
    """Plan one joint visit per due enterprise: day, team, crew and route.

    ``scenario.cells`` must carry ``squad_id`` (the zones) and
    ``scenario.enterprises`` ``due_items`` / ``due_date`` (see
    :func:`planning.workload.compute_due`). A cancelled run returns the plan
    of what was finished (status ``"cancelled"``); the rest is listed as
    unscheduled, so the result is always valid.
    """
    cancel = cancel or CancelToken()
    clock = _Clock()
    policy = scenario.policy
    days = scenario.horizon.workdays()
    unscheduled = _Unscheduled()
    squads, travel = _prepare(scenario, days, unscheduled)
    clock.lap("prepare")

    roster_limit = max(0.5, settings.time_limit * ROSTER_SHARE)
    deadline = clock.start + CPSAT_SHARE * settings.time_limit
    statuses: list[str] = []

    def roster_report(fraction: float, obj: float, bound: float) -> None:
        progress(
            ProgressEvent(
                "scheduling",
                0.1 * fraction,
                "department roster",
                objective=obj,
                bound=bound,
            )
        )

    _solve_roster(
        squads,
        policy,
        len(days),
        settings,
        roster_limit,
        statuses,
        roster_report,
        cancel,
    )
    clock.lap("roster")

    assignment: dict[str, dict[int, tuple[int, int]]] = {}
    work = [sq for sq in squads.values() if sq.jobs]
    remaining = sum(len(sq.jobs) for sq in work)
    for n_done, sq in enumerate(work):
        if cancel.cancelled:
            for job in sq.jobs:
                unscheduled.add(
                    job.enterprise_id,
                    sq.squad_id,
                    f"排程已取消，中队 {sq.squad_id} 未排 / "
                    "planning was cancelled before squad "
                    f"{sq.squad_id} was scheduled",
                )
            continue
        share = max(0.2, (deadline - time.perf_counter()) * len(sq.jobs) / remaining)
        remaining -= len(sq.jobs)

        def report(
            fraction: float,
            obj: float,
            bound: float,
            i: int = n_done,
            sid: str = sq.squad_id,
        ) -> None:
            progress(
                ProgressEvent(
                    "scheduling",
                    0.1 + 0.9 * (i + fraction) / len(work),
                    f"squad {sid}",
                    objective=obj,
                    bound=bound,
                )
            )

        assignment[sq.squad_id] = _solve_squad(
            sq, policy, days, settings, share, statuses, report, cancel
        )
        # also when the squad kept its greedy days (no solver callback ran)
        progress(
            ProgressEvent(
                "scheduling",
                0.1 + 0.9 * (n_done + 1) / len(work),
                f"squad {sq.squad_id}",
            )
        )
    clock.lap("assign")

    spare_stats: dict[str, int] = {}
    routed = _route_all(
        squads,
        assignment,
        policy,
        travel,
        days,
        settings,
        unscheduled,
        progress,
        cancel,
        spare_stats,
    )
    clock.lap("routing")

    if cancel.cancelled:
        status = "cancelled"
    elif not statuses or all(s == "optimal" for s in statuses):
        status = "optimal"
    else:
        status = "feasible"
    result = _build_result(scenario, squads, routed, days, unscheduled, status, clock)
    result.stats.update(spare_stats)
    result.stats["squads_greedy"] = statuses.count("greedy")
    return result


# --------------------------------------------------------------- preparation


def _prepare(
    scenario: Scenario, days: list[date], unscheduled: _Unscheduled
) -> tuple[dict[str, _Squad], TravelModel]:
    """Jobs per squad, and the reasons for the firms no plan can visit."""
    policy = scenario.policy
    travel = TravelModel(policy)
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
            sq, row, xy[pos], lonlat[pos], land_use[cell], day_index, policy, travel
        )
        if reason:
            unscheduled.add(eid, sid, reason)
        else:
            sq.jobs.append(job)
    return squads, travel


def _squads(scenario: Scenario, crs: str, travel: TravelModel) -> dict[str, _Squad]:
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
    travel: TravelModel,
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
    trip = travel.minutes(
        np.array([sq.base_xy]),
        xy[None, :],
        np.array([sq.base_speed]),
        np.array([speed]),
    )[0, 0]
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


def _time_cost(job: _Job, day: int) -> int:
    """Objective cost of visiting ``job`` on workday ``day``."""
    if day < job.due:
        return EARLY_COST * (job.due - day)
    return LATE_COST[job.risk] * (day - job.due)


# -------------------------------------------------------------------- roster


def _solve_roster(
    squads: dict[str, _Squad],
    policy: Policy,
    n_days: int,
    settings: ScheduleSettings,
    time_limit: float,
    statuses: list[str],
    report: Callable[[float, float, float], None],
    cancel: CancelToken,
) -> None:
    """Allocate department inspectors to squad team-days (sets ``crews``).

    Variables: ``r[d, s, t, j]`` (an inspector of department ``d`` joins
    team ``j`` of squad ``s`` on day ``t``) and ``m[s, t, j, P]`` (work units
    of profile ``P`` the team-day can take). Constraints: inspectors per
    day, team-day capacity, ``m`` only where all of ``P``'s departments are
    rostered. Objective: uncovered work, then work covered after its due
    day; spare inspectors are rostered too (a small bonus), which gives the
    squad models room to keep team-days compact. Crews a squad does not
    use are dropped from the final roster.
    """
    active = [sq for sq in squads.values() if sq.jobs]
    for sq in active:
        _estimate_loads(sq, policy)
        sq.crews = {(t, j): frozenset() for t in range(n_days) for j in range(sq.teams)}
    needed = sorted({d for sq in active for job in sq.jobs for d in job.profs})
    if not needed:
        return
    cap_units = policy.work_minutes // UNIT

    model = cp_model.CpModel()
    r: dict[tuple[str, str, int, int], cp_model.IntVar] = {}
    short_terms = []
    late_terms = []
    demand_of: dict[tuple[str, frozenset[str]], np.ndarray] = {}
    for sq in active:
        depts = sorted({d for job in sq.jobs for d in job.profs})
        for d in depts:
            for t in range(n_days):
                for j in range(sq.teams):
                    r[d, sq.squad_id, t, j] = model.new_bool_var(f"r_{d}_{sq.squad_id}")
        profiles: dict[frozenset[str], np.ndarray] = defaultdict(
            lambda: np.zeros(n_days, dtype=np.int64)
        )
        for job in sq.jobs:
            profiles[job.profs][job.due] += -(-job.load // UNIT)
        for prof, per_day in profiles.items():
            demand_of[sq.squad_id, prof] = per_day
        m = {
            (t, j, p): model.new_int_var(0, cap_units, "m")
            for t in range(n_days)
            for j in range(sq.teams)
            for p in profiles
        }
        for t in range(n_days):
            for j in range(sq.teams):
                model.add(sum(m[t, j, p] for p in profiles) <= cap_units)
                for p in profiles:
                    for d in p:
                        model.add(m[t, j, p] <= cap_units * r[d, sq.squad_id, t, j])
        for p, per_day in profiles.items():
            cum_demand = np.cumsum(per_day)
            supply = 0
            for t in range(n_days):
                supply = supply + sum(m[t, j, p] for j in range(sq.teams))
                late = model.new_int_var(0, int(cum_demand[t]), "late")
                model.add(late >= int(cum_demand[t]) - supply)
                late_terms.append(late)
            total = int(cum_demand[-1])
            model.add(supply <= 2 * total)
            short = model.new_int_var(0, total, "short")
            model.add(short >= total - supply)
            short_terms.append(short)
    for d in needed:
        cap = policy.departments[d].inspectors_per_day
        for t in range(n_days):
            used = [v for (dd, _, tt, _), v in r.items() if dd == d and tt == t]
            model.add(sum(used) <= cap)
    # spare inspectors are rostered anyway: more crews = more freedom later
    model.minimize(100 * sum(short_terms) + 2 * sum(late_terms) - sum(r.values()))

    greedy = _greedy_roster(active, demand_of, policy, n_days)
    for key, var in r.items():
        model.add_hint(var, key in greedy)

    solver = _solver(settings, time_limit)
    callback = _Progress(report, time_limit)
    code = _solve_watched(
        solver, model, callback, cancel, stall=max(1.0, 0.25 * time_limit)
    )
    statuses.append(_status_name(code))
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {key for key, var in r.items() if solver.boolean_value(var)}
    else:  # no solution in time: the greedy roster is valid too
        chosen = greedy
    crews: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for d, sid, t, j in chosen:
        crews[sid, t, j].add(d)
    for sq in active:
        for t, j in sq.crews:
            sq.crews[t, j] = frozenset(crews.get((sq.squad_id, t, j), ()))


def _estimate_loads(sq: _Squad, policy: Policy) -> None:
    """Set each job's ``load``: service + travel to its nearest neighbours.

    Base round trips are charged per team-day in the squad model; here they
    are spread over the visits a day typically holds, for the roster only.
    """
    xy = np.array([job.xy for job in sq.jobs])
    speed = np.array([job.speed for job in sq.jobs])
    k = min(3, len(sq.jobs))
    dist, _ = cKDTree(xy).query(xy, k=k)
    dist = np.atleast_2d(dist)
    nn_km = dist[:, 1:].mean(axis=1) * policy.detour_factor / 1e3 if k > 1 else 0.0
    nn_min = nn_km / speed * 60.0
    base_km = np.hypot(*(xy - np.array(sq.base_xy)).T) * policy.detour_factor / 1e3
    trip = 2 * base_km / speed * 60.0
    per_day = max(
        1.0, policy.work_minutes / max(1.0, np.mean([j.service for j in sq.jobs]) + 10)
    )
    for job, nn, tr in zip(sq.jobs, np.atleast_1d(nn_min), trip, strict=True):
        job.load = int(np.ceil(job.service + nn + tr / per_day))


def _greedy_roster(
    active: list[_Squad],
    demand_of: dict[tuple[str, frozenset[str]], np.ndarray],
    policy: Policy,
    n_days: int,
) -> set[tuple[str, str, int, int]]:
    """Day by day, give each team the most-demanded profile that still fits,
    then hand spare inspectors to teams of squads that need the department."""
    cap_units = policy.work_minutes // UNIT
    left = {key: per_day.astype(float).copy() for key, per_day in demand_of.items()}
    wants: dict[str, list[str]] = defaultdict(list)
    for sid, p in sorted(demand_of, key=lambda key: -demand_of[key].sum()):
        for d in sorted(p):
            if sid not in wants[d]:
                wants[d].append(sid)
    teams = {sq.squad_id: sq.teams for sq in active}
    chosen: set[tuple[str, str, int, int]] = set()
    for t in range(n_days):
        free = {d: dept.inspectors_per_day for d, dept in policy.departments.items()}
        for sq in active:
            for j in range(sq.teams):
                options = sorted(
                    (-left[sid, p][: t + 1].sum(), sorted(p), p)
                    for (sid, p) in left
                    if sid == sq.squad_id and p and left[sid, p].sum() > 0
                )
                for _, _, p in options:
                    if all(free[d] > 0 for d in p):
                        for d in p:
                            free[d] -= 1
                            chosen.add((d, sq.squad_id, t, j))
                        _consume(left[sq.squad_id, p], cap_units)
                        break
        for d, sids in wants.items():
            slots = [(sid, j) for j in range(max(teams.values())) for sid in sids]
            for sid, j in slots[t % len(slots) :] + slots[: t % len(slots)]:
                if free[d] > 0 and j < teams[sid] and (d, sid, t, j) not in chosen:
                    free[d] -= 1
                    chosen.add((d, sid, t, j))
    return chosen


def _consume(per_day: np.ndarray, units: float) -> None:
    """Take ``units`` of demand, earliest due first."""
    for t in range(len(per_day)):
        take = min(units, per_day[t])
        per_day[t] -= take
        units -= take
        if units <= 0:
            return


# ------------------------------------------------------------- squad model


@dataclass
class _Packages:
    """Geographic packages of one squad's jobs.

    ``centre`` holds package centres in travel minutes from the south-west
    corner of the zone (integers, so the bounding box of a team-day can be
    a CP-SAT variable); ``link`` is the round trip base -> centre.
    """

    centre: np.ndarray
    link: np.ndarray


def _make_packages(sq: _Squad, policy: Policy, seed: int) -> _Packages:
    """Cluster jobs into neighbourhoods of about half a team-day of work."""
    xy = np.array([job.xy for job in sq.jobs])
    total = sum(job.load for job in sq.jobs)
    share = PACKAGE_SHARE * policy.work_minutes
    k = int(min(len(sq.jobs), max(1, round(total / share))))
    labels = np.zeros(len(xy), dtype=int)
    if k > 1:
        _, labels = kmeans2(xy, k, minit="++", seed=seed)
        labels = np.unique(labels, return_inverse=True)[1]
    for job, label in zip(sq.jobs, labels, strict=True):
        job.package = int(label)
    k = int(labels.max()) + 1
    centres = np.array([xy[labels == c].mean(axis=0) for c in range(k)])
    speed = np.array(
        [np.mean([j.speed for j in sq.jobs if j.package == c]) for c in range(k)]
    )
    v_base = 2.0 / (1.0 / speed + 1.0 / sq.base_speed)
    base_km = np.hypot(*(centres - np.array(sq.base_xy)).T) * policy.detour_factor / 1e3
    link = np.ceil(2 * base_km / v_base * 60.0).astype(int)
    minutes_per_m = policy.detour_factor / 1e3 / float(np.mean(speed)) * 60.0
    grid = np.round((centres - centres.min(axis=0)) * minutes_per_m).astype(int)
    return _Packages(grid, link)


def _solve_squad(
    sq: _Squad,
    policy: Policy,
    days: list[date],
    settings: ScheduleSettings,
    time_limit: float,
    statuses: list[str],
    report: Callable[[float, float, float], None],
    cancel: CancelToken,
) -> dict[int, tuple[int, int]]:
    """Team-day of each job of one squad (jobs left out are not in the dict).

    ``time_limit`` covers everything done here: packages and the greedy
    assignment (fast, always run), then, if the rest of the budget is worth
    it, building and solving the CP-SAT model around the greedy solution.
    A budget too short for the model keeps the greedy assignment, which
    leaves no visit out that the model would have placed for want of time.
    """
    t0 = time.perf_counter()
    packs = _make_packages(sq, policy, settings.seed)
    greedy = _greedy_assign(sq, packs, policy)
    cands = _candidates(sq, greedy)
    n_vars = sum(len(c) for c in cands)
    left = time_limit - (time.perf_counter() - t0)
    if left < MIN_MODEL_SECONDS + BUILD_SECONDS_PER_VAR * n_vars or cancel.cancelled:
        statuses.append("greedy")
        return greedy
    sm = _build_squad_model(sq, packs, policy, cands)
    _hint_squad(sm, sq, packs, greedy)
    limit = max(0.2, time_limit - (time.perf_counter() - t0))
    solver = _solver(settings, limit)
    callback = _Progress(report, limit)
    code = _solve_watched(
        solver, sm.model, callback, cancel, stall=max(1.0, 0.25 * limit)
    )
    statuses.append(_status_name(code))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return greedy
    return {i: k for (i, k), var in sm.x.items() if solver.boolean_value(var)}


def _candidates(
    sq: _Squad, greedy: dict[int, tuple[int, int]]
) -> list[list[tuple[int, int]]]:
    """Team-days the model may give each job: a window of days around the
    greedy day and from the due day on, on teams whose crew covers it.

    This keeps the model at about visits x (window x teams) variables
    however long the horizon; the greedy day is always a candidate, so the
    greedy solution stays a feasible hint.
    """
    n_days = max((t for t, _ in sq.crews), default=-1) + 1
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for k in sq.crews:
        by_day[k[0]].append(k)
    out = []
    for i, job in enumerate(sq.jobs):
        day_set = set(range(job.due, min(n_days, job.due + DUE_WINDOW + 1)))
        if i in greedy:
            g = greedy[i][0]
            day_set |= set(
                range(max(0, g - DAY_WINDOW), min(n_days, g + DAY_WINDOW + 1))
            )
        out.append(
            [k for t in sorted(day_set) for k in by_day[t] if job.profs <= sq.crews[k]]
        )
    return out


@dataclass
class _SquadModel:
    """Per-squad CP-SAT variables (see :func:`_build_squad_model`)."""

    model: cp_model.CpModel
    x: dict[tuple[int, tuple[int, int]], cp_model.IntVar]
    skip: dict[int, cp_model.IntVar]
    used: dict[tuple[int, tuple[int, int]], cp_model.IntVar]
    reach: dict[tuple[int, int], cp_model.IntVar]
    box: dict[tuple[int, int], list[cp_model.IntVar]]
    over: dict[tuple[int, int], cp_model.IntVar]
    target: int


def _build_squad_model(
    sq: _Squad,
    packs: _Packages,
    policy: Policy,
    cands: list[list[tuple[int, int]]],
) -> _SquadModel:
    """Variables, constraints and objective of one squad's day/team model.

    ``x[i, k]``: job ``i`` on team-day ``k`` (only its candidates, see
    :func:`_candidates`); ``used[c, k]``: team-day ``k`` touches package
    ``c`` (only where a job of ``c`` may go to ``k``). A team-day's minutes
    are its jobs' loads + the round trip to its farthest package + the
    width and height of the box around its packages (the way from one
    package to the next); they must fit ``FILL`` of the workday, and each
    minute over ``TARGET_FILL`` costs ``OVER_COST``, so team-days are
    filled to the target while capacity allows and routes rarely drop a
    stop. The same travel terms are in the objective, so team-days stay
    compact.
    """
    model = cp_model.CpModel()
    x: dict[tuple[int, tuple[int, int]], cp_model.IntVar] = {}
    skip: dict[int, cp_model.IntVar] = {}
    used: dict[tuple[int, tuple[int, int]], cp_model.IntVar] = {}
    objective = []
    for i, job in enumerate(sq.jobs):
        skip[i] = model.new_bool_var(f"skip{i}")
        objective.append(SKIP_COST[job.risk] * skip[i])
        options = [skip[i]]
        for k in cands[i]:
            x[i, k] = var = model.new_bool_var(f"x{i}_{k}")
            options.append(var)
            u = used.get((job.package, k))
            if u is None:
                u = used[job.package, k] = model.new_bool_var(f"u{job.package}_{k}")
            model.add_implication(var, u)
            cost = _time_cost(job, k[0])
            if cost:
                objective.append(cost * var)
        model.add_exactly_one(options)
    by_day: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (i, k), var in x.items():
        by_day[k].append((sq.jobs[i].load, var))
    packs_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c, k in used:
        packs_of[k].append(c)
    top = packs.centre.max(axis=0)
    reaches: dict[tuple[int, int], cp_model.IntVar] = {}
    boxes: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    overs: dict[tuple[int, int], cp_model.IntVar] = {}
    target = _capacity(policy, TARGET_FILL)
    for k, pk in packs_of.items():
        reach = model.new_int_var(0, int(packs.link.max()), f"reach{k}")
        box = [
            model.new_int_var(0, int(top[axis]), f"box{k}_{axis}_{side}")
            for axis in (0, 1)
            for side in (0, 1)
        ]
        reaches[k], boxes[k] = reach, box
        model.add(box[0] <= box[1])
        model.add(box[2] <= box[3])
        for c in pk:
            u = used[c, k]
            model.add(reach >= int(packs.link[c])).only_enforce_if(u)
            model.add(box[0] <= int(packs.centre[c, 0])).only_enforce_if(u)
            model.add(box[1] >= int(packs.centre[c, 0])).only_enforce_if(u)
            model.add(box[2] <= int(packs.centre[c, 1])).only_enforce_if(u)
            model.add(box[3] >= int(packs.centre[c, 1])).only_enforce_if(u)
        trip = reach + box[1] - box[0] + box[3] - box[2]
        work = sum(load * var for load, var in by_day[k]) + trip
        model.add(work <= _capacity(policy))
        over = model.new_int_var(0, _capacity(policy), f"over{k}")
        model.add(over >= work - target)
        overs[k] = over
        objective.append(trip)
        objective.append(OVER_COST * over)
        objective.extend(PACKAGE_COST * used[c, k] for c in pk)
    model.minimize(sum(objective))
    return _SquadModel(model, x, skip, used, reaches, boxes, overs, target)


def _capacity(policy: Policy, fill: float = FILL) -> int:
    """Minutes of estimated work a team-day may hold (``fill`` of the day)."""
    return int(fill * policy.work_minutes)


def _trip(packages: set[int], packs: _Packages) -> int:
    """Estimated travel minutes of a team-day touching ``packages``."""
    if not packages:
        return 0
    idx = sorted(packages)
    pts = packs.centre[idx]
    spread = pts.max(axis=0) - pts.min(axis=0)
    return int(packs.link[idx].max() + spread.sum())


def _greedy_assign(
    sq: _Squad, packs: _Packages, policy: Policy
) -> dict[int, tuple[int, int]]:
    """A feasible solution of the squad model, vectorised over team-days.

    Jobs needing outside inspectors go first (their team-days are few),
    then the rest; within each group urgent packages first. Each job goes
    to the cheapest team-day (lateness, added travel, a new package) whose
    crew covers it and whose estimated work stays within ``TARGET_FILL``;
    jobs that fit nowhere then get a second pass up to ``FILL``.
    """
    keys = list(sq.crews)
    n_k = len(keys)
    if n_k == 0 or not sq.jobs:
        return {}
    day = np.array([k[0] for k in keys])
    work = np.zeros(n_k)
    reach = np.zeros(n_k)
    lo = np.full((n_k, 2), np.inf)
    hi = np.full((n_k, 2), -np.inf)
    touched = np.zeros((len(packs.link), n_k), dtype=bool)
    covers: dict[frozenset[str], np.ndarray] = {}
    urgency: dict[int, tuple[int, int]] = {}
    for job in sq.jobs:
        key = (job.due, _RISK_ORDER[job.risk])
        urgency[job.package] = min(urgency.get(job.package, key), key)
        if job.profs not in covers:
            covers[job.profs] = np.array([job.profs <= sq.crews[k] for k in keys])
    order = sorted(
        range(len(sq.jobs)),
        key=lambda i: (
            not sq.jobs[i].profs,
            urgency[sq.jobs[i].package],
            sq.jobs[i].package,
            sq.jobs[i].due,
            _RISK_ORDER[sq.jobs[i].risk],
        ),
    )
    assign: dict[int, tuple[int, int]] = {}
    for fill in (TARGET_FILL, FILL):
        cap = _capacity(policy, fill)
        for i in order:
            if i in assign:
                continue
            job = sq.jobs[i]
            c = job.package
            centre = packs.centre[c]
            empty = ~np.isfinite(lo[:, 0])
            now = np.where(empty, 0.0, reach + (hi - lo).sum(axis=1))
            new_lo = np.minimum(lo, centre)
            new_hi = np.maximum(hi, centre)
            after = np.maximum(reach, packs.link[c]) + (new_hi - new_lo).sum(axis=1)
            ok = covers[job.profs] & (work + job.load + after <= cap)
            if not ok.any():
                continue
            late = np.where(
                day < job.due,
                EARLY_COST * (job.due - day),
                LATE_COST[job.risk] * (day - job.due),
            )
            cost = late + after - now + PACKAGE_COST * ~touched[c]
            b = int(np.argmin(np.where(ok, cost, np.inf)))
            assign[i] = keys[b]
            work[b] += job.load
            reach[b] = max(reach[b], packs.link[c])
            lo[b], hi[b] = new_lo[b], new_hi[b]
            touched[c, b] = True
    return assign


def _hint_squad(
    sm: _SquadModel,
    sq: _Squad,
    packs: _Packages,
    assign: dict[int, tuple[int, int]],
) -> None:
    """Start CP-SAT from the greedy solution (complete and feasible)."""
    for (i, k), var in sm.x.items():
        sm.model.add_hint(var, assign.get(i) == k)
    for i, var in sm.skip.items():
        sm.model.add_hint(var, i not in assign)
    touched: dict[tuple[int, int], set[int]] = defaultdict(set)
    work: dict[tuple[int, int], int] = defaultdict(int)
    for i, k in assign.items():
        touched[k].add(sq.jobs[i].package)
        work[k] += sq.jobs[i].load
    for (c, k), var in sm.used.items():
        sm.model.add_hint(var, c in touched[k])
    for k, reach in sm.reach.items():
        idx = sorted(touched[k]) or [0]
        pts = packs.centre[idx]
        sm.model.add_hint(reach, int(packs.link[idx].max()) if touched[k] else 0)
        values = (pts[:, 0].min(), pts[:, 0].max(), pts[:, 1].min(), pts[:, 1].max())
        for var, value in zip(sm.box[k], values, strict=True):
            sm.model.add_hint(var, int(value))
    for k, over in sm.over.items():
        total = work[k] + _trip(touched[k], packs)
        sm.model.add_hint(over, max(0, total - sm.target))


# ----------------------------------------------------------- solver helpers


def _solver(settings: ScheduleSettings, time_limit: float) -> cp_model.CpSolver:
    """A CP-SAT solver with the run's seed, workers and time limit."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = max(1, settings.workers)
    solver.parameters.random_seed = settings.seed
    return solver


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution and remembers when it came."""

    def __init__(self, report: Callable[[float, float, float], None], limit: float):
        super().__init__()
        self._report = report
        self._limit = limit
        self._t0 = time.perf_counter()
        self.last_improvement: float | None = None

    def on_solution_callback(self) -> None:
        now = time.perf_counter()
        self.last_improvement = now
        fraction = min(1.0, (now - self._t0) / self._limit)
        self._report(fraction, self.objective_value, self.best_objective_bound)


def _solve_watched(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: _Progress,
    cancel: CancelToken,
    stall: float,
) -> int:
    """Solve, stopping early on cancel or ``stall`` s after the last improvement."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            last = callback.last_improvement
            stalled = last is not None and time.perf_counter() - last > stall
            if cancel.cancelled or stalled:
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.solve(model, callback)
    finally:
        done.set()
        watcher.join()


def _status_name(code: int) -> str:
    return {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "invalid",
    }.get(code, "unknown")


# ------------------------------------------------------------------ routing

_TeamDay = tuple[str, int, int]


def _day_matrix(sq: _Squad, jobs: list[_Job], travel: TravelModel) -> np.ndarray:
    """Travel minutes between the base (row 0) and the stops."""
    xy = np.array([sq.base_xy] + [job.xy for job in jobs])
    speed = np.array([sq.base_speed] + [job.speed for job in jobs])
    return travel.minutes(xy, xy, speed, speed)


def _route(
    sq: _Squad,
    jobs: list[_Job],
    policy: Policy,
    travel: TravelModel,
    time_limit: float,
    metaheuristic: str = "guided",
    engine: str = "ortools",
) -> RouteResult:
    stops = [RouteStop(j.enterprise_id, j.xy, j.service, j.windows) for j in jobs]
    matrix = _day_matrix(sq, jobs, travel)
    return route_day(
        sq.base_xy, stops, matrix, policy, time_limit, metaheuristic, engine
    )


def _route_all(
    squads: dict[str, _Squad],
    assignment: dict[str, dict[int, tuple[int, int]]],
    policy: Policy,
    travel: TravelModel,
    days: list[date],
    settings: ScheduleSettings,
    unscheduled: _Unscheduled,
    progress: ProgressFn,
    cancel: CancelToken,
    stats: dict[str, int],
) -> dict[_TeamDay, tuple[list[_Job], RouteResult]]:
    """Route every team-day, insert stops that did not fit (and visits the
    day model left out) into other team-days, give what is still left out
    to team-days that spare inspectors can equip, report the rest.

    ``stats`` receives how many stops routing dropped, how many visits the
    insertion repair placed and how many the spare pass placed.
    """
    engine = settings.routing_engine
    pending: list[tuple[_Job, str]] = []
    plan: dict[_TeamDay, list[_Job]] = defaultdict(list)
    for sid, assign in assignment.items():
        sq = squads[sid]
        for i, job in enumerate(sq.jobs):
            if i in assign:
                t, j = assign[i]
                plan[sid, t, j].append(job)
            else:
                pending.append((job, _skip_reason(sq, job, policy)))
    n_routes = max(1, len(plan))
    deadline = time.perf_counter() + ROUTING_SHARE * settings.time_limit
    routed: dict[_TeamDay, tuple[list[_Job], RouteResult]] = {}
    n_dropped = 0
    for n, key in enumerate(sorted(plan)):
        jobs = plan[key]
        if cancel.cancelled:  # finish quickly: first local optimum only
            result = _route(
                squads[key[0]], jobs, policy, travel, 0.01, "greedy", engine
            )
        else:
            share = (deadline - time.perf_counter()) / (n_routes - n)
            limit = min(settings.route_time_limit, max(0.01, share))
            result = _route(squads[key[0]], jobs, policy, travel, limit, engine=engine)
        kept = [jobs[i] for i in result.order]
        pending.extend(
            (jobs[i], _route_reason(jobs[i], key, days)) for i in result.dropped
        )
        n_dropped += len(result.dropped)
        result.dropped = []
        routed[key] = (kept, result)
        progress(ProgressEvent("routing", (n + 1) / n_routes, f"{key[0]} {key[1]}"))
    # each later phase gets its own share even when routing overran (a
    # loaded machine); insertion is cheap, so the deadline only narrows
    # the search to a few team-days per stop, it never skips a stop
    repair_deadline = (
        max(deadline, time.perf_counter()) + REPAIR_SHARE * settings.time_limit
    )
    left: list[tuple[_Job, str]] = []
    n_repaired = 0
    pending.sort(key=lambda item: (_RISK_ORDER[item[0].risk], item[0].due))
    for job, reason in pending:
        if cancel.cancelled:
            reason = (
                "排程已取消 / planning was cancelled before this visit could be placed"
            )
            unscheduled.add(job.enterprise_id, job.squad_id, reason)
            continue
        sq = squads[job.squad_id]
        late = time.perf_counter() > repair_deadline
        options = [
            (key, frozenset())
            for key in ((sq.squad_id, t, j) for t, j in sq.crews)
            if job.profs <= sq.crews[key[1], key[2]]
        ]
        tries = REPAIR_TRIES_LATE if late else None
        if _place(sq, job, options, routed, policy, travel, tries) is not None:
            n_repaired += 1
        else:
            if job.profs:  # every team-day with that crew is full
                reason = _skip_reason(sq, job, policy)
            if late:
                reason += "（计算时间用尽 / the time limit cut the search short）"
            left.append((job, reason))
    spare_deadline = (
        max(repair_deadline, time.perf_counter()) + SPARE_SHARE * settings.time_limit
    )
    placed: set[str] = set()
    if settings.spare_inspectors and not cancel.cancelled:
        placed = _fill_spare(
            squads, left, routed, policy, travel, len(days), spare_deadline
        )
    stats["route_dropped"] = n_dropped
    stats["repair_placed"] = n_repaired
    stats["spare_placed"] = len(placed)
    stats["left_out_before_spare"] = len(left)
    for job, reason in left:
        if job.enterprise_id not in placed:
            unscheduled.add(job.enterprise_id, job.squad_id, reason)
    return routed


def _timeline(
    jobs: list[_Job], seq: list[int], matrix: np.ndarray, policy: Policy
) -> tuple[list[int], list[int], int, int] | None:
    """Earliest-start schedule of ``jobs`` visited in order ``seq``.

    ``matrix`` holds whole travel minutes, row/column 0 the base and
    ``i + 1`` job ``i``. Returns (arrivals, starts, back, driven minutes),
    or ``None`` if a stop misses its windows or the team is back after
    ``day_end``. Starting each stop as early as possible is feasible
    whenever any timing of this order is.
    """
    clock, prev, driven = policy.day_start, 0, 0
    etas: list[int] = []
    starts: list[int] = []
    for i in seq:
        leg = int(matrix[prev, i + 1])
        arrive = clock + leg
        driven += leg
        start = next((max(arrive, a) for a, b in jobs[i].windows if arrive <= b), None)
        if start is None:
            return None
        etas.append(arrive)
        starts.append(start)
        clock, prev = start + jobs[i].service, i + 1
    leg = int(matrix[prev, 0])
    if clock + leg > policy.day_end:
        return None
    return etas, starts, clock + leg, driven + leg


def _insertion(
    sq: _Squad,
    jobs: list[_Job],
    job: _Job,
    policy: Policy,
    travel: TravelModel,
) -> tuple[int, list[_Job], RouteResult] | None:
    """Cheapest feasible insertion of ``job`` into a routed team-day.

    ``jobs`` are the day's stops in route order. Positions are tried by
    added travel, cheapest first; the first whose earliest-start timeline
    keeps every stop in its windows and the team back by ``day_end`` wins.
    Returns (added travel minutes, new stop order, new route) or ``None``.
    """
    cand = [*jobs, job]
    n = len(jobs)
    matrix = np.ceil(_day_matrix(sq, cand, travel)).astype(np.int64)
    nodes = np.arange(n + 1)  # position p: between node p-1 and p (0 = base)
    prev = np.concatenate(([0], nodes[1:]))  # node before position p
    nxt = np.concatenate((nodes[1:], [0]))  # node after position p
    added = matrix[prev, n + 1] + matrix[n + 1, nxt] - matrix[prev, nxt]
    for p in np.argsort(added, kind="stable"):
        seq = [*range(p), n, *range(p, n)]
        timing = _timeline(cand, seq, matrix, policy)
        if timing is None:
            continue
        etas, starts, back, driven = timing
        # wait at the base rather than at the first stop
        leave = starts[0] - int(matrix[0, seq[0] + 1])
        etas[0] = starts[0]
        ordered = [cand[i] for i in seq]
        ends = [s + o.service for s, o in zip(starts, ordered, strict=True)]
        path = np.array([sq.base_xy, *(o.xy for o in ordered), sq.base_xy])
        km = float(np.hypot(*np.diff(path, axis=0).T).sum())
        km *= policy.detour_factor / 1e3
        result = RouteResult(
            list(range(len(seq))), etas, starts, ends, leave, back, driven, km
        )
        return int(added[p]), ordered, result
    return None


def _place(
    sq: _Squad,
    job: _Job,
    options: list[tuple[_TeamDay, frozenset[str]]],
    routed: dict[_TeamDay, tuple[list[_Job], RouteResult]],
    policy: Policy,
    travel: TravelModel,
    tries: int | None = None,
) -> tuple[_TeamDay, frozenset[str]] | None:
    """Insert ``job`` into the best of the team-days ``options`` it fits.

    ``options`` pairs each team-day with the departments it would have to
    add to its crew (the spare pass prefers days needing none). Team-days
    are ranked by lateness cost, the detour to the day's nearest stop and
    added departments; the first ``INSERT_BATCH`` with room are tried by
    exact insertion (:func:`_insertion`) and the cheapest that holds wins;
    if none does, the next batch (at most ``tries`` in all). Returns the
    chosen option, after updating ``routed``.
    """
    day_len = policy.day_end - policy.day_start
    xy = np.array(job.xy)
    ranked = []
    for key, extra in options:
        jobs, result = routed.get(key, ([], None))
        busy = result.back - result.leave if result is not None and jobs else 0
        if busy + job.service > day_len:
            continue
        points = np.array([sq.base_xy] + [o.xy for o in jobs])
        gap_km = np.hypot(*(points - xy).T).min() * policy.detour_factor / 1e3
        detour = 2 * gap_km / job.speed * 60.0
        cost = _time_cost(job, key[1]) + detour + EXTRA_DEPT_COST * len(extra)
        ranked.append((cost, key, extra))
    ranked.sort(key=lambda r: r[0])
    if tries is not None:
        ranked = ranked[:tries]
    for b in range(0, len(ranked), INSERT_BATCH):
        best = None
        for _, key, extra in ranked[b : b + INSERT_BATCH]:
            jobs = routed.get(key, ([], None))[0]
            found = _insertion(sq, jobs, job, policy, travel)
            if found is None:
                continue
            cost = _time_cost(job, key[1]) + found[0] + EXTRA_DEPT_COST * len(extra)
            if best is None or cost < best[0]:
                best = (cost, key, extra, found[1], found[2])
        if best is not None:
            _, key, extra, ordered, result = best
            routed[key] = (ordered, result)
            return key, extra
    return None


def _fill_spare(
    squads: dict[str, _Squad],
    left: list[tuple[_Job, str]],
    routed: dict[_TeamDay, tuple[list[_Job], RouteResult]],
    policy: Policy,
    travel: TravelModel,
    n_days: int,
    deadline: float,
) -> set[str]:
    """Place left-out visits on team-days that spare inspectors can equip.

    The roster sizes departments by minutes, so after routing some
    inspector-days are unused while visits needing that department were
    left out (crew or time short on their squad's team-days). A team-day's
    real crew is the departments its routed visits need; a left-out visit
    may join a team-day whose crew, plus inspectors of the same day still
    free, covers it, if an exact insertion keeps every stop in the day
    (:func:`_place`). Urgent visits (risk, due day) go first. Returns the
    enterprise ids placed.
    """
    used: dict[tuple[str, int], int] = defaultdict(int)
    crew_of: dict[_TeamDay, set[str]] = {}
    for key, (jobs, _) in routed.items():
        crew_of[key] = {d for job in jobs for d in job.profs}
        for d in crew_of[key]:
            used[d, key[1]] += 1
    free = {
        (d, t): dept.inspectors_per_day - used[d, t]
        for d, dept in policy.departments.items()
        for t in range(n_days)
    }
    placed: set[str] = set()
    order = sorted(left, key=lambda item: (_RISK_ORDER[item[0].risk], item[0].due))
    for job, _ in order:
        if time.perf_counter() > deadline:
            break
        sq = squads[job.squad_id]
        options = []
        for t in range(n_days):
            for j in range(sq.teams):
                key = (sq.squad_id, t, j)
                extra = frozenset(job.profs - crew_of.get(key, set()))
                if all(free[d, t] > 0 for d in extra):
                    options.append((key, extra))
        chosen = _place(sq, job, options, routed, policy, travel, SPARE_TRIES)
        if chosen is None:
            continue
        key, extra = chosen
        crew_of[key] = crew_of.get(key, set()) | extra
        for d in extra:
            free[d, key[1]] -= 1
        placed.add(job.enterprise_id)
    return placed


def _skip_reason(sq: _Squad, job: _Job, policy: Policy) -> str:
    """Why the day model left a job out: missing crew or too much work."""
    if job.profs:
        names = "、".join(policy.departments[d].name for d in sorted(job.profs))
        caps = ", ".join(
            f"{d} {policy.departments[d].inspectors_per_day}/day"
            for d in sorted(job.profs)
        )
        n_crew = sum(job.profs <= crew for crew in sq.crews.values())
        if n_crew == 0:
            return (
                f"中队 {sq.squad_id} 没有配到{names}检查员 / "
                f"no team-day of squad {sq.squad_id} gets {names} inspectors: the "
                f"county roster ({caps}, shared by all squads) is taken by more "
                "urgent visits; raise inspectors_per_day or extend the horizon"
            )
        return (
            f"{names}检查员不足：中队 {sq.squad_id} 只有 {n_crew} 个组日"
            "有人随队且已排满 / "
            f"only {n_crew} team-days of squad {sq.squad_id} can have {names} "
            f"inspectors on board (county roster {caps}) and they are full; "
            "raise inspectors_per_day or extend the horizon"
        )
    work = sum(j.load for j in sq.jobs)
    return (
        f"中队 {sq.squad_id} 计划期内工作量超出能力 / "
        f"over capacity of squad {sq.squad_id} in the horizon: {len(sq.crews)} "
        f"team-days of {policy.work_minutes} min cannot hold its {len(sq.jobs)} due "
        f"visits (~{work} min with travel); add a team, extend the horizon or move "
        "cells to another zone"
    )


def _route_reason(job: _Job, key: _TeamDay, days: list[date]) -> str:
    hours = ", ".join(f"{min_to_hhmm(a)}-{min_to_hhmm(b)}" for a, b in job.windows)
    return (
        f"路线排不下（营业时段冲突） / "
        f"no route of squad {key[0]} could fit it on {days[key[1]].isoformat()} or "
        f"another compatible day: its start windows ({hours}) clash with the other "
        "visits; plan it by hand or lighten that day"
    )


# ------------------------------------------------------------------- output


def _build_result(
    scenario: Scenario,
    squads: dict[str, _Squad],
    routed: dict[_TeamDay, tuple[list[_Job], RouteResult]],
    days: list[date],
    unscheduled: _Unscheduled,
    status: str,
    clock: _Clock,
) -> ScheduleResult:
    """Assemble the schema tables and the stats."""
    policy = scenario.policy
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
            _route_row(sq, j + 1, day, jobs, result, result.leave, result.back)
        )
        load[sid].append(result.back - result.leave)
    for n, row in enumerate(visit_rows):
        row["visit_id"] = f"V{n + 1:06d}"
    visits = _frame(visit_rows, _EMPTY_VISITS)
    routes = _frame(route_rows, _EMPTY_ROUTES)
    roster = pd.DataFrame(
        roster_rows, columns=["dept_id", "day", "squad_id", "team", "inspectors"]
    )
    unsched = pd.DataFrame(
        list(unscheduled), columns=["enterprise_id", "squad_id", "reason"]
    )
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
    travel = TravelModel(policy)
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
            )
        )
    fields = (
        pd.concat(visit_rows)
        if visit_rows
        else pd.DataFrame(columns=["seq", "eta", "start", "end"])
    )
    return fields, _frame(route_rows, _EMPTY_ROUTES)


@dataclass
class _VisitFirm:
    """An enterprise row as :func:`_make_job` reads it, with a visit's items."""

    enterprise_id: str
    due_items: str
    firm: object

    def __getattr__(self, name: str) -> object:
        return getattr(self.firm, name)


def _route_row(
    sq: _Squad,
    team: int,
    day: str,
    stops: list[_Job],
    result: RouteResult,
    leave: int,
    back: int,
) -> dict:
    """One ``routes`` row: base -> stops in order -> base."""
    path = [sq.base_lonlat, *(job.lonlat for job in stops), sq.base_lonlat]
    return {
        "route_id": f"{sq.squad_id}-{day}-T{team}",
        "squad_id": sq.squad_id,
        "team": team,
        "day": day,
        "stops": len(stops),
        "km": round(result.km, 2),
        "travel_min": result.travel_min,
        "service_min": sum(job.service for job in stops),
        "start": min_to_hhmm(leave),
        "end": min_to_hhmm(back),
        "geometry": LineString(path),
    }


def _frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    """GeoDataFrame in schema column order (also when empty)."""
    if not rows:
        return gpd.GeoDataFrame(
            {c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    return frame[[*columns, "geometry"]]
