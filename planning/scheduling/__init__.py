"""Joint-inspection scheduling (综合查一次): days, crews and routes.

Every enterprise with due items gets exactly one joint visit covering all of
them, or a row in ``unscheduled`` with a reason a planner can act on. The
work is decomposed so a county of 20,000 visits stays tractable:

1. **Preparation** (:func:`.jobs._prepare`) turns each due enterprise into a
   :class:`.jobs._Job` (service minutes, professional departments, admissible
   start windows, due workday, risk) and rejects what no plan can hold:
   no squad for the cell, a department with no inspectors, opening hours
   that leave no slot in the workday, a firm too far to reach and return.
2. **Roster** (:func:`.roster._solve_roster`, one small CP-SAT for the county):
   department inspectors are the only resource squads share, so it decides
   which departments join which team on which day. Each squad's demand is
   aggregated by *profile* (the set of professional departments a visit
   needs, e.g. {市场监管, 应急管理} for a restaurant) and by due day; team-day
   minutes are split among profiles whose departments are all rostered
   there, so departments a visit needs together land on the same team-day.
3. **Days** (:func:`.days._solve_squad`, one CP-SAT per squad, crews fixed):
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
   (:func:`.repair._place`, an exact earliest-start check of that day alone, no
   solver), so a short budget narrows this repair but never skips it.
5. **Spare inspectors** (:func:`.repair._fill_spare`): the roster sizes crews by
   minutes, so visits can be left out for want of a department on their
   squad's team-days while that department's inspector-days go unused.
   Left-out visits join team-days that the day's free inspectors can
   equip, if an exact insertion keeps that day feasible; the rest are
   reported unscheduled with their reason.

One module a phase, so each can be read alone: ``settings`` (costs, time
shares, :class:`ScheduleSettings`), ``jobs`` (preparation and the run
context), ``roster``, ``days``, ``routes`` and ``repair``, ``solver`` (CP-SAT
runs through :mod:`planning.cpsat`), ``result`` (schema tables), ``driver``
(:func:`schedule`), ``reroute`` (:func:`route_team_days` after a manual edit).
"""

from planning.scheduling.driver import schedule
from planning.scheduling.reroute import TeamDay, route_team_days
from planning.scheduling.result import (
    ROSTER_COLUMNS,
    ROUTE_COLUMNS,
    UNSCHEDULED_COLUMNS,
    VISIT_COLUMNS,
    ScheduleResult,
)
from planning.scheduling.settings import (
    BUILD_SECONDS_PER_VAR,
    CPSAT_SHARE,
    DAY_WINDOW,
    DUE_WINDOW,
    EARLY_COST,
    EXTRA_DEPT_COST,
    FILL,
    INSERT_BATCH,
    LATE_COST,
    MIN_MODEL_SECONDS,
    OVER_COST,
    PACKAGE_COST,
    PACKAGE_SHARE,
    REPAIR_SHARE,
    REPAIR_TRIES_LATE,
    ROSTER_SHARE,
    ROUTING_SHARE,
    SKIP_COST,
    SPARE_SHARE,
    SPARE_TRIES,
    SQUAD_DEPT,
    TARGET_FILL,
    UNIT,
    ScheduleSettings,
)

__all__ = [
    "BUILD_SECONDS_PER_VAR",
    "CPSAT_SHARE",
    "DAY_WINDOW",
    "DUE_WINDOW",
    "EARLY_COST",
    "EXTRA_DEPT_COST",
    "FILL",
    "INSERT_BATCH",
    "LATE_COST",
    "MIN_MODEL_SECONDS",
    "OVER_COST",
    "PACKAGE_COST",
    "PACKAGE_SHARE",
    "REPAIR_SHARE",
    "REPAIR_TRIES_LATE",
    "ROSTER_COLUMNS",
    "ROSTER_SHARE",
    "ROUTE_COLUMNS",
    "ROUTING_SHARE",
    "SKIP_COST",
    "SPARE_SHARE",
    "SPARE_TRIES",
    "SQUAD_DEPT",
    "ScheduleResult",
    "ScheduleSettings",
    "TARGET_FILL",
    "TeamDay",
    "UNIT",
    "UNSCHEDULED_COLUMNS",
    "VISIT_COLUMNS",
    "route_team_days",
    "schedule",
]
