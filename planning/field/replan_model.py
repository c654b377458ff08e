"""The per-squad CP-SAT model of :func:`planning.field.replan.replan`.

Why a module of its own: deciding the team-day of each job of one squad
(the costs, the model, its greedy start solution) is the part of a replan
that is a scheduling model, and the part that should one day move into
:mod:`planning.scheduling`; the driver in :mod:`planning.field.replan`
gathers the jobs, routes the changed team-days and builds the new plan
around it. ``ReplanSettings`` (the solver budget) and the job record live
here because the model reads them; the settings and the costs stay
importable from :mod:`planning.field.replan`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from planning.model import Policy

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
