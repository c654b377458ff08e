"""Tuning constants and the solver budget of joint-inspection scheduling.

They sit apart so every phase (roster, days, routes, repair) reads the same
costs and time shares, and a planner tuning the trade-offs finds them in one
place.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        :func:`.repair._fill_spare`).
    """

    time_limit: float = 60.0
    route_time_limit: float = 1.0
    seed: int = 0
    workers: int = 2
    routing_engine: str = "ortools"
    spare_inspectors: bool = True
