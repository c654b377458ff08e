"""The county roster: which departments join which squad team on which day.

Department inspectors are the only resource squads share, so one small
CP-SAT for the county decides the crews first; the squads are then
scheduled independently with their crews fixed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model
from scipy.spatial import cKDTree

from planning.model import Policy
from planning.scheduling.jobs import _Run, _Squad
from planning.scheduling.settings import UNIT
from planning.scheduling.solver import _solve_model, _status_name


def _solve_roster(
    run: _Run,
    squads: dict[str, _Squad],
    time_limit: float,
    report: Callable[[float, float, float | None], None],
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
    policy, n_days = run.policy, len(run.days)
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

    code, solver = _solve_model(model, run.settings, time_limit, report, run.cancel)
    run.statuses.append(_status_name(code))
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
