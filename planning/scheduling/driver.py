"""The scheduling pipeline: prepare, roster, days, routes, result.

:func:`schedule` shares the time budget among the phases and reports
progress; each phase lives in its own module.
"""

from __future__ import annotations

import time

from planning.model import Scenario
from planning.progress import CancelToken, ProgressEvent, ProgressFn, no_progress
from planning.scheduling.days import _solve_squad
from planning.scheduling.jobs import _prepare, _Run, _Unscheduled
from planning.scheduling.result import ScheduleResult, _build_result, _Clock
from planning.scheduling.roster import _solve_roster
from planning.scheduling.routes import _route_all
from planning.scheduling.settings import CPSAT_SHARE, ROSTER_SHARE, ScheduleSettings


def schedule(
    scenario: Scenario,
    settings: ScheduleSettings = ScheduleSettings(),  # noqa: B008 (frozen)
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
    clock = _Clock()
    days = scenario.horizon.workdays()
    unscheduled = _Unscheduled()
    squads, travel = _prepare(scenario, days, unscheduled)
    run = _Run(
        scenario.policy, days, travel, settings, cancel or CancelToken(), unscheduled
    )
    clock.lap("prepare")

    roster_limit = max(0.5, settings.time_limit * ROSTER_SHARE)
    deadline = clock.start + CPSAT_SHARE * settings.time_limit

    def roster_report(fraction: float, obj: float, bound: float | None) -> None:
        progress(
            ProgressEvent(
                "scheduling",
                0.1 * fraction,
                "department roster",
                objective=obj,
                bound=bound,
            )
        )

    _solve_roster(run, squads, roster_limit, roster_report)
    clock.lap("roster")

    assignment: dict[str, dict[int, tuple[int, int]]] = {}
    busy_squads = [sq for sq in squads.values() if sq.jobs]
    remaining = sum(len(sq.jobs) for sq in busy_squads)
    for n_done, sq in enumerate(busy_squads):
        if run.cancel.cancelled:
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
            bound: float | None,
            i: int = n_done,
            sid: str = sq.squad_id,
        ) -> None:
            progress(
                ProgressEvent(
                    "scheduling",
                    0.1 + 0.9 * (i + fraction) / len(busy_squads),
                    f"squad {sid}",
                    objective=obj,
                    bound=bound,
                )
            )

        assignment[sq.squad_id] = _solve_squad(run, sq, share, report)
        # also when the squad kept its greedy days (no solver callback ran)
        progress(
            ProgressEvent(
                "scheduling",
                0.1 + 0.9 * (n_done + 1) / len(busy_squads),
                f"squad {sq.squad_id}",
            )
        )
    clock.lap("assign")

    spare_stats: dict[str, int] = {}
    routed = _route_all(run, squads, assignment, progress, spare_stats)
    clock.lap("routing")

    if run.cancel.cancelled:
        status = "cancelled"
    elif not run.statuses or all(s == "optimal" for s in run.statuses):
        status = "optimal"
    else:
        status = "feasible"
    result = _build_result(run, squads, routed, status, clock)
    result.stats.update(spare_stats)
    result.stats["squads_greedy"] = run.statuses.count("greedy")
    return result
