"""Days and teams of one squad's visits, crews fixed (one CP-SAT per squad).

Visits are pre-clustered into packages so a team-day's travel can be
estimated inside the model and kept compact; a vectorised greedy assignment
comes first, bounds the model's candidates and stands when the budget is too
short for the model.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy.cluster.vq import kmeans2

from planning.model import Policy
from planning.scheduling.jobs import _RISK_ORDER, _Run, _Squad, _time_cost
from planning.scheduling.settings import (
    BUILD_SECONDS_PER_VAR,
    DAY_WINDOW,
    DUE_WINDOW,
    EARLY_COST,
    FILL,
    LATE_COST,
    MIN_MODEL_SECONDS,
    OVER_COST,
    PACKAGE_COST,
    PACKAGE_SHARE,
    SKIP_COST,
    TARGET_FILL,
)
from planning.scheduling.solver import _solve_model, _status_name


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
    run: _Run,
    sq: _Squad,
    time_limit: float,
    report: Callable[[float, float, float | None], None],
) -> dict[int, tuple[int, int]]:
    """Team-day of each job of one squad (jobs left out are not in the dict).

    ``time_limit`` covers everything done here: packages and the greedy
    assignment (fast, always run), then, if the rest of the budget is worth
    it, building and solving the CP-SAT model around the greedy solution.
    A budget too short for the model keeps the greedy assignment, which
    leaves no visit out that the model would have placed for want of time.
    """
    t0 = time.perf_counter()
    packs = _make_packages(sq, run.policy, run.settings.seed)
    greedy = _greedy_assign(sq, packs, run.policy)
    candidates = _candidates(sq, greedy)
    n_vars = sum(len(c) for c in candidates)
    seconds_left = time_limit - (time.perf_counter() - t0)
    if (
        seconds_left < MIN_MODEL_SECONDS + BUILD_SECONDS_PER_VAR * n_vars
        or run.cancel.cancelled
    ):
        run.statuses.append("greedy")
        return greedy
    squad_model = _build_squad_model(sq, packs, run.policy, candidates)
    _hint_squad(squad_model, sq, packs, greedy)
    limit = max(0.2, time_limit - (time.perf_counter() - t0))
    # every term of the day model is a cost: no schedule is below 0
    code, solver = _solve_model(
        squad_model.model, run.settings, limit, report, run.cancel, floor=0.0
    )
    run.statuses.append(_status_name(code))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return greedy
    chosen = squad_model.x.items()
    return {i: k for (i, k), var in chosen if solver.boolean_value(var)}


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
