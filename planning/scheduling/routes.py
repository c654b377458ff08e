"""Routing every team-day, then repairing and explaining what was left out.

Routes are where opening hours, busy hours and lunch are checked exactly;
what does not fit is moved elsewhere (:mod:`.repair`) or reported with the
reason the planner can act on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date

from planning.model import Policy, min_to_hhmm
from planning.progress import ProgressEvent, ProgressFn
from planning.routing import RouteResult, RouteStop, route_day
from planning.scheduling.jobs import (
    Travel,
    _Job,
    _Routed,
    _Run,
    _Squad,
    _TeamDaySlot,
    _urgency,
)
from planning.scheduling.repair import _day_matrix, _fill_spare, _place
from planning.scheduling.settings import (
    REPAIR_SHARE,
    REPAIR_TRIES_LATE,
    ROUTING_SHARE,
    SPARE_SHARE,
)


def _route(
    sq: _Squad,
    jobs: list[_Job],
    policy: Policy,
    travel: Travel,
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
    run: _Run,
    squads: dict[str, _Squad],
    assignment: dict[str, dict[int, tuple[int, int]]],
    progress: ProgressFn,
    stats: dict[str, int],
) -> _Routed:
    """Route every team-day, insert stops that did not fit (and visits the
    day model left out) into other team-days, give what is still left out
    to team-days that spare inspectors can equip, report the rest.

    ``stats`` receives how many stops routing dropped, how many visits the
    insertion repair placed and how many the spare pass placed.
    """
    policy, travel, settings = run.policy, run.travel, run.settings
    engine = settings.routing_engine
    pending: list[tuple[_Job, str]] = []
    jobs_of: dict[_TeamDaySlot, list[_Job]] = defaultdict(list)
    for sid, assign in assignment.items():
        sq = squads[sid]
        for i, job in enumerate(sq.jobs):
            if i in assign:
                t, j = assign[i]
                jobs_of[sid, t, j].append(job)
            else:
                pending.append((job, _skip_reason(sq, job, policy)))
    n_routes = max(1, len(jobs_of))
    deadline = time.perf_counter() + ROUTING_SHARE * settings.time_limit
    routed: _Routed = {}
    n_dropped = 0
    for n, key in enumerate(sorted(jobs_of)):
        jobs = jobs_of[key]
        if run.cancel.cancelled:  # finish quickly: first local optimum only
            result = _route(
                squads[key[0]], jobs, policy, travel, 0.01, "greedy", engine
            )
        else:
            share = (deadline - time.perf_counter()) / (n_routes - n)
            limit = min(settings.route_time_limit, max(0.01, share))
            result = _route(squads[key[0]], jobs, policy, travel, limit, engine=engine)
        kept = [jobs[i] for i in result.order]
        pending.extend(
            (jobs[i], _route_reason(jobs[i], key, run.days)) for i in result.dropped
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
    left_out: list[tuple[_Job, str]] = []
    n_repaired = 0
    pending.sort(key=lambda item: _urgency(item[0]))
    for job, reason in pending:
        if run.cancel.cancelled:
            reason = (
                "排程已取消 / planning was cancelled before this visit could be placed"
            )
            run.unscheduled.add(job.enterprise_id, job.squad_id, reason)
            continue
        sq = squads[job.squad_id]
        late = time.perf_counter() > repair_deadline
        options = [
            (key, frozenset())
            for key in ((sq.squad_id, t, j) for t, j in sq.crews)
            if job.profs <= sq.crews[key[1], key[2]]
        ]
        tries = REPAIR_TRIES_LATE if late else None
        if _place(run, sq, job, options, routed, tries) is not None:
            n_repaired += 1
        else:
            if job.profs:  # every team-day with that crew is full
                reason = _skip_reason(sq, job, policy)
            if late:
                reason += "（计算时间用尽 / the time limit cut the search short）"
            left_out.append((job, reason))
    spare_deadline = (
        max(repair_deadline, time.perf_counter()) + SPARE_SHARE * settings.time_limit
    )
    placed: set[str] = set()
    if settings.spare_inspectors and not run.cancel.cancelled:
        placed = _fill_spare(run, squads, left_out, routed, spare_deadline)
    stats["route_dropped"] = n_dropped
    stats["repair_placed"] = n_repaired
    stats["spare_placed"] = len(placed)
    stats["left_out_before_spare"] = len(left_out)
    for job, reason in left_out:
        if job.enterprise_id not in placed:
            run.unscheduled.add(job.enterprise_id, job.squad_id, reason)
    return routed


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


def _route_reason(job: _Job, key: _TeamDaySlot, days: list[date]) -> str:
    hours = ", ".join(f"{min_to_hhmm(a)}-{min_to_hhmm(b)}" for a, b in job.windows)
    return (
        f"路线排不下（营业时段冲突） / "
        f"no route of squad {key[0]} could fit it on {days[key[1]].isoformat()} or "
        f"another compatible day: its start windows ({hours}) clash with the other "
        "visits; plan it by hand or lighten that day"
    )
