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

The per-squad model lives in :mod:`planning.field.replan_model` and the
new plan's tables and change list are built in
:mod:`planning.field.replan_changes`; this module is the driver (the
public names are all importable from here).

What should later move into :mod:`planning.scheduling`: the per-squad
model is the scheduling day model plus "preferred value" costs and a
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

import numpy as np
import pandas as pd

from planning.field.replan_changes import CHANGE_COLUMNS, _assemble
from planning.field.replan_model import (
    CREW_ADD_COST,
    DAY_SHIFT_COST,
    FILL,
    LATE_COST,
    MOVE_COST,
    NEAR_DAYS,
    SKIP_COST,
    URGENT_LATE_COST,
    URGENT_SKIP_COST,
    ReplanSettings,
    _Job,
    _profs,
    _solve_squad,
)
from planning.field.rules import field_rules, followup_due
from planning.field.tables import OUTCOME_ZH, visit_kind
from planning.model import WGS84, Policy, min_to_hhmm
from planning.plan import Plan
from planning.progress import CancelToken, ProgressEvent, ProgressFn, no_progress
from planning.routing import RouteResult, RouteStop, route_day, start_windows
from planning.travel import TravelModel, metric_crs, metric_xy

__all__ = [
    "CHANGE_COLUMNS",
    "CREW_ADD_COST",
    "DAY_SHIFT_COST",
    "FILL",
    "LATE_COST",
    "MOVE_COST",
    "NEAR_DAYS",
    "REPAIR_TRIES",
    "SKIP_COST",
    "URGENT_LATE_COST",
    "URGENT_SKIP_COST",
    "Absence",
    "ReplanResult",
    "ReplanSettings",
    "Urgent",
    "parse_absence",
    "parse_urgent",
    "replan",
]

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


def _split(text: object) -> tuple[str, ...]:
    return tuple(x for x in str(text).split(";") if x) if isinstance(text, str) else ()


def replan(
    plan: Plan,
    start: date,
    absences: list[Absence] | tuple[Absence, ...] = (),
    urgents: list[Urgent] | tuple[Urgent, ...] = (),
    settings: ReplanSettings = ReplanSettings(),  # noqa: B008 (frozen)
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
