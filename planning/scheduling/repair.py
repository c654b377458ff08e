"""Exact insertion of a visit into a routed team-day, and the spare pass.

Stops a route could not fit, and visits the day model left out, are placed
by checking the earliest-start timeline of one day at a time (no solver),
so a short budget narrows the search but never skips a stop.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from planning.model import Policy
from planning.routing import RouteResult
from planning.scheduling.jobs import (
    Travel,
    _Job,
    _Routed,
    _Run,
    _Squad,
    _TeamDaySlot,
    _time_cost,
    _urgency,
)
from planning.scheduling.settings import EXTRA_DEPT_COST, INSERT_BATCH, SPARE_TRIES

NO_ROAD_MIN = 10_000
"""Minutes the router sees for a leg no road makes: longer than any day, so
such a stop is dropped (and reported) rather than routed."""


def _day_matrix(sq: _Squad, jobs: list[_Job], travel: Travel) -> np.ndarray:
    """Travel minutes between the base (row 0) and the stops."""
    if getattr(travel, "by_road", False):
        minutes = _road_minutes(sq, jobs, travel)
    else:
        xy = np.array([sq.base_xy] + [job.xy for job in jobs])
        speed = np.array([sq.base_speed] + [job.speed for job in jobs])
        minutes = travel.minutes(xy, xy, speed, speed)
    return np.where(np.isfinite(minutes), minutes, NO_ROAD_MIN)


def _road_minutes(sq: _Squad, jobs: list[_Job], travel: Travel) -> np.ndarray:
    """Road minutes of a day's stops, cut from the squad's one matrix (the
    insertion repair asks for thousands of day matrices; each road search
    costs far more than the lookup)."""
    cached = sq.road_minutes
    if cached is None or any(job.xy not in cached[1] for job in jobs):
        points = list(dict.fromkeys([sq.base_xy, *(j.xy for j in sq.jobs + jobs)]))
        xy = np.array(points)
        full = travel.minutes(xy, xy)
        sq.road_minutes = (full, {p: i for i, p in enumerate(points)})
    full, index = sq.road_minutes
    pos = [index[sq.base_xy], *(index[job.xy] for job in jobs)]
    return full[np.ix_(pos, pos)]


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
    travel: Travel,
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
    run: _Run,
    sq: _Squad,
    job: _Job,
    options: list[tuple[_TeamDaySlot, frozenset[str]]],
    routed: _Routed,
    tries: int | None = None,
) -> tuple[_TeamDaySlot, frozenset[str]] | None:
    """Insert ``job`` into the best of the team-days ``options`` it fits.

    ``options`` pairs each team-day with the departments it would have to
    add to its crew (the spare pass prefers days needing none). Team-days
    are ranked by lateness cost, the detour to the day's nearest stop and
    added departments; the first ``INSERT_BATCH`` with room are tried by
    exact insertion (:func:`_insertion`) and the cheapest that holds wins;
    if none does, the next batch (at most ``tries`` in all). Returns the
    chosen option, after updating ``routed``.
    """
    policy = run.policy
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
            found = _insertion(sq, jobs, job, policy, run.travel)
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
    run: _Run,
    squads: dict[str, _Squad],
    left: list[tuple[_Job, str]],
    routed: _Routed,
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
    policy, n_days = run.policy, len(run.days)
    used: dict[tuple[str, int], int] = defaultdict(int)
    crew_of: dict[_TeamDaySlot, set[str]] = {}
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
    order = sorted(left, key=lambda item: _urgency(item[0]))
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
        chosen = _place(run, sq, job, options, routed, SPARE_TRIES)
        if chosen is None:
            continue
        key, extra = chosen
        crew_of[key] = crew_of.get(key, set()) | extra
        for d in extra:
            free[d, key[1]] -= 1
        placed.add(job.enterprise_id)
    return placed
