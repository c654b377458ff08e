"""Re-plan the rest of the horizon from a date, changing as few visits as it can.

Days before ``start`` stay exactly as they were (visits, routes, roster
rows), and so does every visit already reported. From ``start`` on:

* 复查 follow-ups (责令整改) and revisits (未遇) of the recorded results,
  and urgent complaint visits, are inserted;
* an absent squad's team-days are emptied and their visits moved to the
  squad's other team-days (a zone is never handed to another squad);
* every other visit keeps its day and team where it can.

One CP-SAT model per squad decides the team-day of each job (a kept or
new visit), the old assignment being the solver's hint. Its objective
counts, in this order of weight: jobs left out, urgent visits after their
date and follow-ups after their deadline, changed visits, then travel (the
distance of a visit to the centre of its team-day). Crews stay as rostered;
a job whose department is missing on a team-day may add an inspector only
from that department's unused inspector-days of that day. The team-days
whose visits changed are routed again with :func:`planning.routing.route_day`;
a stop that does not fit is tried on the squad's other team-days and is
otherwise listed as unscheduled with its reason.

What should later move into :mod:`planning.scheduling`: the per-squad
model here is the scheduling day model plus "preferred value" costs and a
fixed part of the calendar; the scheduling package could take an
``initial``/``frozen`` assignment and reuse its package travel estimate
instead of the simpler centre distance used here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from shapely.geometry import LineString, Point

from planning.field.rules import field_rules, followup_due
from planning.field.tables import OUTCOME_ZH, visit_kind
from planning.model import WGS84, Policy, min_to_hhmm
from planning.plan import Plan
from planning.progress import CancelToken, ProgressEvent, ProgressFn, no_progress
from planning.routing import RouteResult, RouteStop, route_day, start_windows
from planning.travel import TravelModel, metric_crs, metric_xy

SKIP_COST = {"regular": 100_000, "followup": 200_000, "revisit": 150_000}
"""Cost of leaving a job out, by kind (urgent: ``URGENT_SKIP_COST``)."""
URGENT_SKIP_COST = 300_000
URGENT_LATE_COST = 50_000
"""Per workday an urgent visit lands after its date."""
LATE_COST = 3_000
"""Per workday a follow-up or revisit lands after its due date."""
MOVE_COST = 1_000
"""A kept visit on another team-day than before (changed for its squad)."""
DAY_SHIFT_COST = 20
"""Per workday a moved visit lands from its old day (nearer is kinder)."""
CREW_ADD_COST = 50
"""An inspector added to a team-day's crew from the day's unused ones."""
FILL = 0.9
"""Share of the workday a team-day may fill with estimated work."""
NEAR_DAYS = 2
"""An undisturbed visit may move this many workdays (same team) if room is
needed; displaced and new jobs may go anywhere from their earliest day."""
REPAIR_TRIES = 6
"""Team-days a stop the route could not fit is tried on."""


@dataclass(frozen=True)
class Absence:
    """A squad that fields no team from ``start`` to ``end`` (inclusive)."""

    squad_id: str
    start: date
    end: date


@dataclass(frozen=True)
class Urgent:
    """An urgent complaint (e.g. 12345) needing a visit by ``by``."""

    enterprise_id: str
    by: date


@dataclass(frozen=True)
class ReplanSettings:
    """Solver budget.

    Parameters
    ----------
    time_limit
        Seconds for all squads' CP-SAT models together (shared by jobs).
    route_time_limit
        Seconds of local search per changed team-day route.
    workers, seed
        CP-SAT search workers and random seed.
    """

    time_limit: float = 20.0
    route_time_limit: float = 0.2
    workers: int = 2
    seed: int = 0


@dataclass
class ReplanResult:
    """The repaired plan, the change list per squad and the figures.

    ``changes`` has ``squad_id, change (moved/added/dropped, or late: kept
    its team-day but after the date asked), visit_id,
    enterprise_id, kind, old_day, old_team, new_day, new_team, reason``.
    """

    plan: Plan
    changes: pd.DataFrame
    stats: dict = field(default_factory=dict)


CHANGE_COLUMNS = [
    "squad_id",
    "change",
    "visit_id",
    "enterprise_id",
    "kind",
    "old_day",
    "old_team",
    "new_day",
    "new_team",
    "reason",
]


def parse_absence(text: str) -> Absence:
    """``"SQ01:2026-12-03..2026-12-04"`` (or one day) -> :class:`Absence`."""
    squad, sep, span = text.partition(":")
    first, _, last = span.partition("..")
    try:
        if not (sep and squad.strip()):
            raise ValueError
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if last.strip() else a
    except ValueError:
        raise ValueError(
            f"--absent {text!r}: expected SQUAD:YYYY-MM-DD..YYYY-MM-DD"
        ) from None
    if b < a:
        raise ValueError(f"--absent {text!r}: the end is before the start")
    return Absence(squad.strip(), a, b)


def parse_urgent(text: str) -> Urgent:
    """``"E00012:2026-12-05"`` -> :class:`Urgent`."""
    eid, sep, by = text.partition(":")
    try:
        if not (sep and eid.strip()):
            raise ValueError
        return Urgent(eid.strip(), date.fromisoformat(by.strip()))
    except ValueError:
        raise ValueError(f"--urgent {text!r}: expected ENTERPRISE:YYYY-MM-DD") from None


@dataclass
class _Job:
    """One visit to place: a kept future visit or a new one."""

    key: str
    enterprise_id: str
    kind: str
    items: tuple[str, ...]
    service: int
    profs: frozenset[str]
    windows: tuple[tuple[int, int], ...]
    xy: tuple[float, float]
    lonlat: tuple[float, float]
    speed: float
    old: tuple[int, int] | None = None
    earliest: int = 0
    due: int | None = None
    by: int | None = None
    displaced: bool = False
    reason: str = ""
    origin: str = ""


def _profs(items: tuple[str, ...], policy: Policy) -> frozenset[str]:
    """Departments whose own inspector the items need (not the squads')."""
    return frozenset(
        policy.items[i].dept_id
        for i in items
        if i in policy.items
        and policy.items[i].kind == "professional"
        and policy.items[i].dept_id != "ZHZF"
    )


def _split(text: object) -> tuple[str, ...]:
    return tuple(x for x in str(text).split(";") if x) if isinstance(text, str) else ()


def replan(
    plan: Plan,
    start: date,
    absences: list[Absence] | tuple[Absence, ...] = (),
    urgents: list[Urgent] | tuple[Urgent, ...] = (),
    settings: ReplanSettings = ReplanSettings(),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ReplanResult:
    """Repair ``plan`` from ``start``; the input plan is not modified.

    Raises ``ValueError`` naming the bad squad, enterprise or date.
    """
    t0 = time.perf_counter()
    cancel = cancel or CancelToken()
    c = _County.of(plan, start, settings)
    for a in absences:
        if a.squad_id not in c.squads.index:
            raise ValueError(f"--absent: unknown squad {a.squad_id!r}")
    for u in urgents:
        if u.enterprise_id not in c.ents.index:
            raise ValueError(f"--urgent: unknown enterprise {u.enterprise_id!r}")
    absent = {
        (a.squad_id, d)
        for a in absences
        for d in c.iso
        if a.start.isoformat() <= d <= a.end.isoformat()
    }
    visits = plan.visits.copy()
    visits["kind"] = visit_kind(visits)
    if "origin" not in visits.columns:
        visits["origin"] = ""
    visits["origin"] = visits["origin"].fillna("").astype(str)
    frozen, closed = _freeze(visits, plan.results, c.iso[0])

    unplaced: list[tuple[_Job, str, str]] = []  # job, squad, reason
    jobs, regular = _visit_jobs(c, visits[~frozen], absent)
    new_id = _id_maker(visits)
    _followup_jobs(c, plan.results, visits, new_id, jobs, unplaced)
    unscheduled = _urgent_jobs(
        c, urgents, visits, regular, plan.unscheduled, new_id, jobs, unplaced
    )
    roster, spare, crews = _roster_state(plan.roster, absent, c)

    used_min = _route_minutes(plan.routes, c.index, c.policy)
    assign: dict[str, tuple[int, int]] = {}
    adds: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    statuses: list[str] = []
    budget_end = time.perf_counter() + settings.time_limit
    left = sum(len(v) for v in jobs.values()) or 1
    for n, sid in enumerate(sorted(jobs)):
        if cancel.cancelled:
            break
        mine = jobs[sid]
        share = max(0.5, (budget_end - time.perf_counter()) * len(mine) / left)
        left -= len(mine)
        slots = [
            (t, di)
            for di in range(len(c.iso))
            for t in range(1, c.teams(sid) + 1)
            if (sid, c.iso[di]) not in absent and (sid, t, c.iso[di]) not in closed
        ]
        got, status = _solve_squad(
            sid,
            mine,
            slots,
            crews,
            spare,
            c.iso,
            used_min,
            c.policy,
            c.base_xy(sid),
            settings,
            share,
            adds,
        )
        statuses.append(status)
        assign.update(got)
        progress(ProgressEvent("replan", 0.6 * (n + 1) / len(jobs), f"squad {sid}"))
    t_model = time.perf_counter() - t0

    routed, changed = _route_changed(
        c, jobs, assign, unplaced, crews, adds, absent | {(s, d) for s, _, d in closed}
    )
    t_route = time.perf_counter() - t0 - t_model
    new_plan, changes, stats = _assemble(
        plan,
        visits,
        frozen,
        jobs,
        assign,
        routed,
        changed,
        unplaced,
        adds,
        crews,
        roster,
        unscheduled,
        absent,
        c.iso,
        (c.bll, c.base),
    )
    stats.update(
        seconds=round(time.perf_counter() - t0, 2),
        seconds_model=round(t_model, 2),
        seconds_routes=round(t_route, 2),
        statuses={s: statuses.count(s) for s in set(statuses)},
        team_days_routed=len(changed),
    )
    progress(ProgressEvent("replan", 1.0, "完成 done"))
    return ReplanResult(new_plan, changes, stats)


@dataclass
class _County:
    """Lookups the phases of one replan share: workdays from the start,
    enterprise and base coordinates, teams, the travel model."""

    plan: Plan
    policy: Policy
    days: list[date]
    iso: list[str]
    index: dict[str, int]
    ents: pd.DataFrame
    squads: pd.DataFrame
    exy: np.ndarray
    ell: np.ndarray
    row_of: dict[str, int]
    land: pd.Series
    owner: pd.Series
    bxy: np.ndarray
    bll: np.ndarray
    base: dict[str, int]
    travel: TravelModel
    route_time_limit: float

    @classmethod
    def of(cls, plan: Plan, start: date, settings: ReplanSettings) -> _County:
        sc = plan.scenario
        days = [d for d in sc.horizon.workdays() if d >= start]
        if not days:
            raise ValueError(
                f"--from {start}: after the horizon's last workday {sc.horizon.end}"
            )
        iso = [d.isoformat() for d in days]
        crs = metric_crs(sc.cells)
        cells = sc.cells.set_index("cell_id")
        return cls(
            plan=plan,
            policy=sc.policy,
            days=days,
            iso=iso,
            index={d: i for i, d in enumerate(iso)},
            ents=sc.enterprises.set_index(sc.enterprises["enterprise_id"].astype(str)),
            squads=sc.squads.set_index(sc.squads["squad_id"].astype(str)),
            exy=metric_xy(sc.enterprises, crs),
            ell=metric_xy(sc.enterprises, WGS84),
            row_of={str(e): k for k, e in enumerate(sc.enterprises["enterprise_id"])},
            land=cells["land_use"],
            owner=cells["squad_id"],
            bxy=metric_xy(sc.squads, crs),
            bll=metric_xy(sc.squads, WGS84),
            base={str(s): k for k, s in enumerate(sc.squads["squad_id"])},
            travel=TravelModel(sc.policy),
            route_time_limit=settings.route_time_limit,
        )

    def day_index(self, d: date, up: bool = False) -> int:
        """Workday index at or before ``d`` (-1: none), at or after with ``up``."""
        pos = [i for i, x in enumerate(self.days) if (x >= d if up else x <= d)]
        if not pos:
            return len(self.days) - 1 if up else -1
        return pos[0] if up else pos[-1]

    def teams(self, sid: str) -> int:
        t = self.squads.at[sid, "teams"] if "teams" in self.squads.columns else None
        return self.policy.teams_per_squad if t is None or pd.isna(t) else int(t)

    def base_xy(self, sid: str) -> tuple[float, float]:
        b = self.base[sid]
        return float(self.bxy[b, 0]), float(self.bxy[b, 1])

    def job(self, key: str, eid: str, kind: str, items: tuple[str, ...]) -> _Job:
        """A job with its service, departments, start windows and place."""
        policy = self.policy
        k = self.row_of[eid]
        cell = self.ents.at[eid, "cell_id"]
        lu = self.land.get(cell, "suburban") if isinstance(cell, str) else "suburban"
        service = sum(policy.items[i].minutes for i in items if i in policy.items)
        cat = policy.categories.get(str(self.ents.at[eid, "category"]))
        windows = (
            start_windows(cat.open, cat.busy, service, policy)
            if cat is not None
            else [(policy.day_start, policy.day_end - service)]
        )
        return _Job(
            key,
            eid,
            kind,
            items,
            service,
            _profs(items, policy),
            tuple(windows),
            (float(self.exy[k, 0]), float(self.exy[k, 1])),
            (float(self.ell[k, 0]), float(self.ell[k, 1])),
            float(self.travel.speed(lu)[0]),
        )

    def route(self, sid: str, stops: list[_Job]) -> RouteResult:
        """One team-day from the squad base and back (:func:`route_day`)."""
        base = self.base_xy(sid)
        xy = np.array([base, *(j.xy for j in stops)], dtype=float)
        speed = np.array([self.travel.speed("suburban")[0], *(j.speed for j in stops)])
        matrix = self.travel.minutes(xy, xy, speed, speed)
        rs = [RouteStop(j.key, j.xy, j.service, j.windows) for j in stops]
        return route_day(base, rs, matrix, self.policy, self.route_time_limit)


def _freeze(
    visits: pd.DataFrame, results: pd.DataFrame | None, first: str
) -> tuple[pd.Series, set[tuple[str, int, str]]]:
    """Visits that must not change, and the future team-days closed with them.

    Days before ``first`` are the past; a team-day with a reported visit
    happened (or is under way), so it is kept whole too.
    """
    reported = set(results["visit_id"].astype(str)) if results is not None else set()
    vday = visits["day"].astype(str)
    slot = visits["squad_id"].astype(str) + "|" + visits["team"].astype(str)
    slot = slot + "|" + vday
    done = set(slot[visits["visit_id"].astype(str).isin(reported) & (vday >= first)])
    closed = {(k.split("|")[0], int(k.split("|")[1]), k.split("|")[2]) for k in done}
    return (vday < first) | slot.isin(done), closed


def _visit_jobs(
    c: _County, future: pd.DataFrame, absent: set[tuple[str, str]]
) -> tuple[dict[str, list[_Job]], dict[str, _Job]]:
    """A job per future visit, per squad; and each firm's regular one."""
    jobs: dict[str, list[_Job]] = defaultdict(list)
    regular: dict[str, _Job] = {}
    for r in future.itertuples(index=False):
        sid = str(r.squad_id)
        job = c.job(str(r.visit_id), str(r.enterprise_id), str(r.kind), _split(r.items))
        job.old = (int(r.team), c.index[str(r.day)])
        job.origin = str(r.origin)
        if (sid, str(r.day)) in absent:
            job.displaced = True
            job.reason = f"中队缺勤 / squad {sid} absent on {r.day}"
        jobs[sid].append(job)
        if job.kind == "regular":
            regular[job.enterprise_id] = job
    return jobs, regular


def _followup_jobs(
    c: _County,
    results: pd.DataFrame | None,
    visits: pd.DataFrame,
    new_id: Callable[[], str],
    jobs: dict[str, list[_Job]],
    unplaced: list[tuple[_Job, str, str]],
) -> None:
    """复查 after 责令整改 and revisits after 未遇 not yet in the plan."""
    if results is None or len(results) == 0:
        return
    rules = field_rules(c.policy)
    done = set(visits["origin"][visits["origin"] != ""])
    for r in results.to_dict("records"):
        if r["outcome"] not in ("rectify", "not_met") or r["visit_id"] in done:
            continue
        due = followup_due(r, rules)
        kind = "followup" if r["outcome"] == "rectify" else "revisit"
        job = c.job(new_id(), str(r["enterprise_id"]), kind, _split(r["items"]))
        job.origin = str(r["visit_id"])
        after = date.fromisoformat(str(r["day"])) + timedelta(days=1)
        job.earliest = c.day_index(after, up=True) if after > c.days[0] else 0
        job.due = c.day_index(due) if due is not None else None
        word = OUTCOME_ZH[r["outcome"]]
        job.reason = (
            f"{word}后{'复查' if kind == 'followup' else '再次上门'}，"
            f"{due} 前 / {kind} of {r['visit_id']} ({r['outcome']}) due by {due}"
        )
        if after > c.days[-1]:
            why = "在计划期之后 / falls after the horizon: plan it in the next one"
            unplaced.append((job, str(r["squad_id"]), why))
            continue
        jobs[str(r["squad_id"])].append(job)


def _urgent_jobs(
    c: _County,
    urgents: list[Urgent] | tuple[Urgent, ...],
    visits: pd.DataFrame,
    regular: dict[str, _Job],
    unscheduled: pd.DataFrame,
    new_id: Callable[[], str],
    jobs: dict[str, list[_Job]],
    unplaced: list[tuple[_Job, str, str]],
) -> pd.DataFrame:
    """Urgent complaints: the firm's coming visit gets a date to meet, or a
    new visit is added (its due items if it was left out, else the
    category's comprehensive items, which the squad checks alone).

    Returns the unscheduled table (a left-out firm now visited leaves it).
    """
    unscheduled = unscheduled.copy()
    if "kind" not in unscheduled.columns:
        unscheduled["kind"] = "regular"
    for u in urgents:
        by = max(0, c.day_index(u.by))
        note = f"紧急投诉，{u.by} 前 / urgent complaint, visit by {u.by}"
        eid = u.enterprise_id
        if eid in regular:
            regular[eid].by, regular[eid].reason = by, note
            continue
        cell = c.ents.at[eid, "cell_id"]
        sid = c.owner.get(cell) if isinstance(cell, str) else None
        due_items = _split(c.ents.at[eid, "due_items"]) if "due_items" in c.ents else ()
        parked = (unscheduled["enterprise_id"].astype(str) == eid) & (
            unscheduled["kind"] == "regular"
        )
        if due_items and not (visits["enterprise_id"].astype(str) == eid).any():
            kind, items = "regular", due_items
        else:
            cat = c.policy.categories[str(c.ents.at[eid, "category"])]
            easy = tuple(
                i for i in cat.items if c.policy.items[i].kind == "comprehensive"
            )
            kind, items = "urgent", easy or cat.items
        job = c.job(new_id(), eid, kind, items)
        job.by, job.reason = by, note
        if not isinstance(sid, str):
            unplaced.append((job, "", "企业不在任何片区 / its cell has no squad"))
            continue
        if kind == "regular":
            unscheduled = unscheduled[~parked]
        jobs[sid].append(job)
    return unscheduled


def _roster_state(
    roster: pd.DataFrame, absent: set[tuple[str, str]], c: _County
) -> tuple[
    pd.DataFrame, dict[tuple[str, str], int], dict[tuple[str, int, int], set[str]]
]:
    """Roster without the absent squads' days, unused inspector-days per
    department and day, and each future team-day's crew."""
    roster = roster.copy()
    if len(roster):
        away = [
            (str(r.squad_id), str(r.day)) in absent
            for r in roster.itertuples(index=False)
        ]
        roster = roster[~np.array(away, dtype=bool)]
    used = (
        roster.groupby(["dept_id", "day"])["inspectors"].sum().to_dict()
        if len(roster)
        else {}
    )
    spare = {
        (d, day): dep.inspectors_per_day - int(used.get((d, day), 0))
        for d, dep in c.policy.departments.items()
        for day in c.iso
    }
    crews: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for r in roster.itertuples(index=False):
        if str(r.day) in c.index and int(r.inspectors) > 0:
            crews[str(r.squad_id), int(r.team), c.index[str(r.day)]].add(str(r.dept_id))
    return roster, spare, crews


def _route_changed(
    c: _County,
    jobs: dict[str, list[_Job]],
    assign: dict[str, tuple[int, int]],
    unplaced: list[tuple[_Job, str, str]],
    crews: dict[tuple[str, int, int], set[str]],
    adds: dict[tuple[str, int, int], set[str]],
    blocked: set[tuple[str, str]],
) -> tuple[dict[tuple[str, int, int], tuple[list[_Job], RouteResult]], set]:
    """Route every team-day whose visits changed; a stop that does not fit
    is tried on up to ``REPAIR_TRIES`` other team-days of its squad (those
    nearest its due or old day), else it joins ``unplaced``.

    ``blocked`` holds (squad, day) pairs closed to new stops.
    """
    members: dict[tuple[str, int, int], list[_Job]] = defaultdict(list)
    old_members: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for sid, mine in jobs.items():
        for job in mine:
            if job.old is not None:
                old_members[sid, *job.old].add(job.key)
            if job.key in assign:
                members[sid, *assign[job.key]].append(job)
            else:
                unplaced.append((job, sid, _why_left_out(job, c.iso)))
    changed = {
        k
        for k in set(members) | set(old_members)
        if {j.key for j in members.get(k, [])} != old_members.get(k, set())
    }
    routed: dict[tuple[str, int, int], tuple[list[_Job], RouteResult]] = {}
    leftovers: list[tuple[_Job, tuple[str, int, int]]] = []
    for k in sorted(changed):
        stops = members.get(k, [])
        res = c.route(k[0], stops)
        while res.dropped:  # routing the rest again may drop another stop
            drop = {stops[i].key for i in res.dropped}
            leftovers += [(s, k) for s in stops if s.key in drop]
            stops = [s for s in stops if s.key not in drop]
            res = c.route(k[0], stops)
        members[k] = stops
        routed[k] = (stops, res)
    for job, (sid, team, di) in leftovers:
        target = job.due if job.due is not None else di
        options = sorted(
            (
                (t, d)
                for t in range(1, c.teams(sid) + 1)
                for d in range(max(job.earliest, 0), len(c.iso))
                if (sid, c.iso[d]) not in blocked
                and (t, d) != (team, di)
                and job.profs <= crews[sid, t, d] | adds[sid, t, d]
                and (job.by is None or d <= job.by)
            ),
            key=lambda td: (abs(td[1] - target), td[0]),
        )[:REPAIR_TRIES]
        for t, d in options:
            k = (sid, t, d)
            current = routed[k][0] if k in routed else members.get(k, [])
            res = c.route(sid, [*current, job])
            if not res.dropped:
                routed[k] = ([*current, job], res)
                members[k] = [*current, job]
                changed.add(k)
                assign[job.key] = (t, d)
                break
        else:
            assign.pop(job.key, None)
            unplaced.append(
                (
                    job,
                    sid,
                    "路线排不下 / the route of every team-day tried is full "
                    f"(opening hours and the {min_to_hhmm(c.policy.day_start)}-"
                    f"{min_to_hhmm(c.policy.day_end)} workday)",
                )
            )
    return routed, changed


def _id_maker(visits: pd.DataFrame) -> Callable[[], str]:
    """New visit ids after the highest ``V`` number in the plan."""
    nums = pd.to_numeric(
        visits["visit_id"].astype(str).str.extract(r"(\d+)$")[0], errors="coerce"
    )
    counter = [int(nums.max()) if nums.notna().any() else 0]

    def make() -> str:
        counter[0] += 1
        return f"V{counter[0]:06d}"

    return make


def _route_minutes(
    routes: pd.DataFrame, index: dict[str, int], policy: Policy
) -> dict[tuple[str, int, int], int]:
    """Working minutes each future team-day's route takes (lunch excluded)."""
    out: dict[tuple[str, int, int], int] = {}
    lunch = policy.lunch[1] - policy.lunch[0]
    for r in routes.itertuples(index=False):
        day = str(r.day)
        if day not in index:
            continue
        try:
            a = int(str(r.start)[:2]) * 60 + int(str(r.start)[3:5])
            b = int(str(r.end)[:2]) * 60 + int(str(r.end)[3:5])
        except ValueError:
            continue
        spans_lunch = a < policy.lunch[0] and b > policy.lunch[1]
        out[str(r.squad_id), int(r.team), index[day]] = b - a - lunch * spans_lunch
    return out


def _why_left_out(job: _Job, iso: list[str]) -> str:
    if job.profs:
        return (
            "没有可用的组日 / no team-day from "
            f"{iso[max(job.earliest, 0)]} has room and a crew with "
            f"{', '.join(sorted(job.profs))} (or spare inspectors of it)"
        )
    return (
        f"没有可用的组日 / no team-day from {iso[max(job.earliest, 0)]} to the "
        "horizon's end has room for it"
    )


def _solve_squad(
    sid: str,
    jobs: list[_Job],
    slots: list[tuple[int, int]],
    crews: dict[tuple[str, int, int], set[str]],
    spare: dict[tuple[str, str], int],
    iso: list[str],
    used_min: dict[tuple[str, int, int], int],
    policy: Policy,
    base_xy: tuple[float, float],
    settings: ReplanSettings,
    time_limit: float,
    adds: dict[tuple[str, int, int], set[str]],
) -> tuple[dict[str, tuple[int, int]], str]:
    """Team-day of each job of one squad (CP-SAT, old days as the hint).

    Spare inspector-days this squad takes are subtracted from ``spare`` and
    recorded in ``adds``.
    """
    slot_set = set(slots)
    work = policy.work_minutes
    centre: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    service: dict[tuple[int, int], int] = defaultdict(int)
    for j in jobs:
        if j.old is not None:
            centre[j.old].append(j.xy)
            service[j.old] += j.service
    ctr = {
        s: tuple(np.mean(centre[s], axis=0)) if centre[s] else base_xy for s in slots
    }
    speed = (
        float(np.mean(list(policy.speed_kmh.values()))) if policy.speed_kmh else 30.0
    )

    def dist_min(j: _Job, s: tuple[int, int]) -> int:
        c = ctr[s]
        km = np.hypot(j.xy[0] - c[0], j.xy[1] - c[1]) * policy.detour_factor / 1e3
        return int(min(300, km / speed * 60))

    # a kept visit weighs what its route measured (travel and waits shared
    # out); a visit joining a team-day its service plus the detour to it
    routed_min = {s: used_min.get((sid, *s), service[s]) for s in slots}
    share = {
        s: (routed_min[s] - service[s]) / len(centre[s]) if centre[s] else 0.0
        for s in slots
    }

    def load(j: _Job, s: tuple[int, int]) -> int:
        if s == j.old:
            return j.service + max(0, int(round(share[s])))
        return j.service + int(np.clip(2 * dist_min(j, s), 5, 120))

    # the capacity never makes an untouched team-day infeasible by itself
    cap = {s: max(int(FILL * work), routed_min[s]) for s in slots}

    model = cp_model.CpModel()
    x: dict[tuple[str, tuple[int, int]], cp_model.IntVar] = {}
    add: dict[tuple[str, tuple[int, int]], cp_model.IntVar] = {}
    obj = []
    teams = sorted({t for t, _ in slots})
    price: dict[tuple[str, tuple[int, int]], int] = {}
    for j in jobs:
        cands: set[tuple[int, int]] = set()
        if (
            j.old is not None
            and j.old in slot_set
            and not (j.by is not None and j.old[1] > j.by)
        ):
            t0, d0 = j.old
            cands |= {(t, d0) for t in teams}
            cands |= {(t0, d) for d in range(d0 - NEAR_DAYS, d0 + NEAR_DAYS + 1)}
        else:
            lo = max(j.earliest, 0)
            cands |= {s for s in slots if s[1] >= lo}
        cands = {
            s
            for s in cands
            if s in slot_set
            and s[1] >= max(j.earliest, 0)
            and all(
                d in crews[sid, *s] or spare.get((d, iso[s[1]]), 0) > 0 for d in j.profs
            )
        }
        placed = []
        for s in sorted(cands):
            v = model.NewBoolVar(f"x_{j.key}_{s[0]}_{s[1]}")
            x[j.key, s] = v
            placed.append(v)
            cost = dist_min(j, s)
            if j.old is not None and s != j.old:
                cost += MOVE_COST + DAY_SHIFT_COST * abs(s[1] - j.old[1])
            if j.due is not None and s[1] > j.due:
                cost += LATE_COST * (s[1] - j.due)
            if j.by is not None and s[1] > j.by:
                cost += URGENT_LATE_COST * (s[1] - j.by)
            obj.append(cost * v)
            price[j.key, s] = cost
            for d in j.profs - crews[sid, *s]:
                if (d, s) not in add:
                    add[d, s] = model.NewBoolVar(f"add_{d}_{s[0]}_{s[1]}")
                    obj.append(CREW_ADD_COST * add[d, s])
                model.AddImplication(v, add[d, s])
        skip = URGENT_SKIP_COST if j.by is not None else SKIP_COST.get(j.kind, 100_000)
        if placed:
            model.AddAtMostOne(placed)
            obj.append(skip * (1 - sum(placed)))
        else:
            obj.append(skip)
    per_slot: dict[tuple[int, int], list] = defaultdict(list)
    job_by_key = {j.key: j for j in jobs}
    for (key, s), v in x.items():
        per_slot[s].append(load(job_by_key[key], s) * v)
    for s, terms in per_slot.items():
        model.Add(sum(terms) <= max(0, cap[s]))
    per_day: dict[tuple[str, int], list] = defaultdict(list)
    for (d, s), v in add.items():
        per_day[d, s[1]].append(v)
    for (d, di), vs in per_day.items():
        model.Add(sum(vs) <= max(0, spare.get((d, iso[di]), 0)))
    model.Minimize(sum(obj))
    hint, crew_now = _greedy(jobs, slots, cap, load, price, crews, spare, sid, iso)
    for (key, s), v in x.items():
        model.AddHint(v, hint.get(key) == s)
    for (d, s), v in add.items():
        model.AddHint(v, d in crew_now[s])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, time_limit)
    solver.parameters.num_search_workers = settings.workers
    solver.parameters.random_seed = settings.seed
    code = solver.Solve(model)
    out: dict[str, tuple[int, int]] = {}
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (key, s), v in x.items():
            if solver.Value(v):
                out[key] = s
        for (d, s), v in add.items():
            if solver.Value(v):
                adds[sid, *s].add(d)
                spare[d, iso[s[1]]] -= 1
        return out, "optimal" if code == cp_model.OPTIMAL else "feasible"
    for s, now in crew_now.items():  # no solution in time: the greedy start
        for d in now - crews[sid, *s]:
            adds[sid, *s].add(d)
            spare[d, iso[s[1]]] -= 1
    return hint, "greedy"


def _greedy(
    jobs: list[_Job],
    slots: list[tuple[int, int]],
    cap: dict[tuple[int, int], int],
    load: Callable[[_Job, tuple[int, int]], int],
    price: dict[tuple[str, tuple[int, int]], int],
    crews: dict[tuple[str, int, int], set[str]],
    spare: dict[tuple[str, str], int],
    sid: str,
    iso: list[str],
) -> tuple[dict[str, tuple[int, int]], dict[tuple[int, int], set[str]]]:
    """Start solution: kept visits stay; the others, most pressing first,
    take the cheapest team-day with room and a crew (or a spare inspector).

    Returns the assignment and each team-day's crew after it.
    """
    room = dict(cap)
    hint: dict[str, tuple[int, int]] = {}
    crew_now = {s: set(crews[sid, *s]) for s in slots}
    free = {(d, s[1]): spare.get((d, iso[s[1]]), 0) for s in slots for d, _ in spare}
    options: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, s in price:
        options[key].append(s)
    for j in jobs:
        if j.old is not None and (j.key, j.old) in price:
            hint[j.key] = j.old
            room[j.old] -= load(j, j.old)
    never = 10**6
    pending = sorted(
        (j for j in jobs if j.key not in hint),
        key=lambda j: (
            never if j.by is None else j.by,
            never if j.due is None else j.due,
            j.old[1] if j.old else never,
        ),
    )
    for j in pending:
        best: tuple[int, tuple[int, int], set[str]] | None = None
        for s in options[j.key]:
            need = j.profs - crew_now[s]
            if load(j, s) > room[s] or any(free.get((d, s[1]), 0) <= 0 for d in need):
                continue
            cost = price[j.key, s] + CREW_ADD_COST * len(need)
            if best is None or cost < best[0]:
                best = (cost, s, need)
        if best is not None:
            _, s, need = best
            hint[j.key] = s
            room[s] -= load(j, s)
            for d in need:
                crew_now[s].add(d)
                free[d, s[1]] -= 1
    return hint, crew_now


def _assemble(
    plan: Plan,
    visits: pd.DataFrame,
    frozen: pd.Series,
    jobs: dict[str, list[_Job]],
    assign: dict[str, tuple[int, int]],
    routed: dict,
    changed: set,
    unplaced: list[tuple[_Job, str, str]],
    adds: dict[tuple[str, int, int], set[str]],
    crews: dict[tuple[str, int, int], set[str]],
    roster: pd.DataFrame,
    unscheduled: pd.DataFrame,
    absent: set[tuple[str, str]],
    iso: list[str],
    bases: tuple[np.ndarray, dict[str, int]],
) -> tuple[Plan, pd.DataFrame, dict]:
    """The new plan's tables, the change list and the figures."""
    policy = plan.scenario.policy
    bll, base = bases
    keep_rows = visits[frozen].copy()
    future = visits[~frozen].set_index(visits["visit_id"][~frozen].astype(str))
    rows: list[dict] = []
    timing: dict[str, dict] = {}
    for k in changed:
        stops, res = routed.get(k, ([], None))
        if res is None:
            continue
        for pos, i in enumerate(res.order):
            timing[stops[i].key] = {
                "seq": pos + 1,
                "eta": min_to_hhmm(res.eta[pos]),
                "start": min_to_hhmm(res.start[pos]),
                "end": min_to_hhmm(res.end[pos]),
            }
    changes: list[dict] = []
    n_calm = n_kept = 0
    for sid, mine in sorted(jobs.items()):
        for j in mine:
            slot = assign.get(j.key)
            where = (sid, *slot) if slot else None
            crew = sorted(crews[where] | adds[where]) if where else []
            old = future.loc[j.key] if j.key in future.index else None
            if old is not None and slot is not None:
                row = old.to_dict()
                row.update(team=slot[0], day=iso[slot[1]], crew=";".join(crew))
                if where in changed and j.key in timing:
                    row.update(timing[j.key])
                rows.append(row)
            elif slot is not None:
                t = timing.get(j.key, {})
                depts = list(dict.fromkeys(policy.items[i].dept_id for i in j.items))
                rows.append(
                    {
                        "visit_id": j.key,
                        "enterprise_id": j.enterprise_id,
                        "squad_id": sid,
                        "team": slot[0],
                        "day": iso[slot[1]],
                        **t,
                        "service_min": j.service,
                        "items": ";".join(j.items),
                        "item_names": ";".join(policy.items[i].name for i in j.items),
                        "departments": ";".join(depts),
                        "crew": ";".join(crew),
                        "kind": j.kind,
                        "origin": j.origin,
                        "geometry": Point(j.lonlat),
                    }
                )
            calm = j.old is not None and not j.displaced and j.by is None
            if calm:
                n_calm += 1
                n_kept += slot == j.old
            old_day = iso[j.old[1]] if j.old else ""
            old_team = j.old[0] if j.old else None
            if slot is None:
                continue  # listed with the unplaced below
            if j.due is not None and slot[1] > j.due:
                reason_late = (
                    f"；晚于期限 / late: no team-day of {sid} with room and crew "
                    "by its due date"
                )
            elif j.by is not None and slot[1] > j.by:
                reason_late = (
                    f"；晚于要求 / late: no team-day of {sid} with room and crew "
                    "by the date asked"
                )
            else:
                reason_late = ""
            if j.old is None:
                change, reason = "added", j.reason + reason_late
            elif slot != j.old:
                change = "moved"
                reason = (
                    j.reason or "为新增任务腾出时间 / made room for new visits"
                ) + reason_late
            elif reason_late:  # kept its team-day, after the date asked
                change, reason = "late", j.reason + reason_late
            else:
                continue
            changes.append(
                {
                    "squad_id": sid,
                    "change": change,
                    "visit_id": j.key,
                    "enterprise_id": j.enterprise_id,
                    "kind": j.kind,
                    "old_day": old_day,
                    "old_team": old_team,
                    "new_day": iso[slot[1]],
                    "new_team": slot[0],
                    "reason": reason,
                }
            )
    new_unsched = []
    for j, sid, why in unplaced:
        changes.append(
            {
                "squad_id": sid,
                "change": "dropped",
                "visit_id": j.key if j.old is not None else "",
                "enterprise_id": j.enterprise_id,
                "kind": j.kind,
                "old_day": iso[j.old[1]] if j.old else "",
                "old_team": j.old[0] if j.old else None,
                "new_day": "",
                "new_team": None,
                "reason": f"{j.reason}; {why}" if j.reason else why,
            }
        )
        new_unsched.append(
            {
                "enterprise_id": j.enterprise_id,
                "squad_id": sid or None,
                "reason": f"{j.reason}; {why}" if j.reason else why,
                "kind": j.kind,
            }
        )
    # a team-day that kept its visits keeps its times; crews may have grown
    new_visits = pd.concat(
        [keep_rows, gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)]
        if rows
        else [keep_rows],
        ignore_index=True,
    )
    new_visits = gpd.GeoDataFrame(new_visits, geometry="geometry", crs=WGS84)
    for col in ("team", "seq", "service_min"):
        new_visits[col] = pd.to_numeric(new_visits[col]).astype(int)
    new_visits = new_visits.sort_values(["day", "squad_id", "team", "seq"])
    new_visits = new_visits.reset_index(drop=True)

    routes = plan.routes.copy()
    rk = list(
        zip(
            routes["squad_id"].astype(str),
            pd.to_numeric(routes["team"]).astype(int),
            routes["day"].astype(str),
            strict=True,
        )
    )
    drop_route = [
        (s, t, d) in {(k[0], k[1], iso[k[2]]) for k in changed} or ((s, d) in absent)
        for s, t, d in rk
    ]
    routes = routes[~np.array(drop_route, dtype=bool)] if len(routes) else routes
    route_rows = []
    for k in sorted(changed):
        stops, res = routed.get(k, ([], None))
        if res is None or not res.order:
            continue
        sid, t, di = k
        ordered = [stops[i] for i in res.order]
        b = base[sid]
        path = [tuple(bll[b]), *(s.lonlat for s in ordered), tuple(bll[b])]
        route_rows.append(
            {
                "route_id": f"{sid}-{iso[di]}-T{t}",
                "squad_id": sid,
                "team": t,
                "day": iso[di],
                "stops": len(ordered),
                "km": round(res.km, 2),
                "travel_min": res.travel_min,
                "service_min": sum(s.service for s in ordered),
                "start": min_to_hhmm(res.leave),
                "end": min_to_hhmm(res.back),
                "geometry": LineString(path),
            }
        )
    if route_rows:
        routes = gpd.GeoDataFrame(
            pd.concat(
                [routes, gpd.GeoDataFrame(route_rows, geometry="geometry", crs=WGS84)],
                ignore_index=True,
            ),
            geometry="geometry",
            crs=WGS84,
        )
    roster_rows = [
        {
            "dept_id": d,
            "day": iso[k[2]],
            "squad_id": k[0],
            "team": k[1],
            "inspectors": 1,
        }
        for k, ds in sorted(adds.items())
        for d in sorted(ds)
    ]
    if roster_rows:
        roster = pd.concat([roster, pd.DataFrame(roster_rows)], ignore_index=True)
    if new_unsched:
        unscheduled = pd.concat(
            [unscheduled, pd.DataFrame(new_unsched)], ignore_index=True
        )
    out = plan.copy()
    out.visits = new_visits
    out.routes = routes.reset_index(drop=True)
    out.roster = roster.reset_index(drop=True)
    out.unscheduled = unscheduled.reset_index(drop=True)
    out.settings = {**plan.settings, "replan_settings": {"from": iso[0]}}
    table = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    table = table.sort_values(["squad_id", "change", "new_day", "visit_id"])
    followups = [j for mine in jobs.values() for j in mine if j.due is not None]
    urgent = [j for mine in jobs.values() for j in mine if j.by is not None]
    stats = {
        "future_untouched": n_calm,
        "future_untouched_kept": n_kept,
        "kept_share": n_kept / n_calm if n_calm else 1.0,
        "moved": int((table["change"] == "moved").sum()),
        "added": int((table["change"] == "added").sum()),
        "dropped": int((table["change"] == "dropped").sum()),
        "followups": len(followups),
        "followups_on_time": sum(
            1 for j in followups if j.key in assign and assign[j.key][1] <= j.due
        ),
        "urgent": len(urgent),
        "urgent_on_time": sum(
            1 for j in urgent if j.key in assign and assign[j.key][1] <= j.by
        ),
    }
    return out, table.reset_index(drop=True), stats
