"""CP-SAT runs of the roster and day models, through :mod:`planning.cpsat`.

Both models stop early once their objective has not improved for a quarter
of their time (at least 1 s), or at once on cancel: the same watcher as
zoning's, so the Cancel button behaves the same in every stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from planning.cpsat import Stall, StallWatch, new_solver, solve_watched
from planning.progress import CancelToken
from planning.scheduling.settings import ScheduleSettings


def _solve_model(
    model: cp_model.CpModel,
    settings: ScheduleSettings,
    time_limit: float,
    report: Callable[[float, float, float | None], None],
    cancel: CancelToken,
    floor: float | None = None,
) -> tuple[int, cp_model.CpSolver]:
    """Solve ``model`` within ``time_limit``, stopping once it stalls for a
    quarter of that (at least 1 s) or on cancel; the status and the solver.

    ``report`` gets each incumbent as (share of the time used, objective,
    bound). ``floor`` is the least the objective can be (0 for a sum of
    costs): CP-SAT's first bound adds up each term's least value, far below
    that where terms cancel (a box width as ``max - min``), so a bound at or
    below ``floor`` says nothing and is reported as ``None``."""
    solver = new_solver(time_limit, settings.workers, settings.seed)
    began = time.perf_counter()

    def on_solution(watch: StallWatch) -> None:
        fraction = min(1.0, (time.perf_counter() - began) / time_limit)
        bound: float | None = watch.best_objective_bound
        if floor is not None and bound <= floor:
            bound = None
        report(fraction, watch.objective_value, bound)

    watch = StallWatch(Stall(seconds=max(1.0, 0.25 * time_limit)), on_solution)
    code = solve_watched(solver, model, watch, cancel)
    return code, solver


def _status_name(code: int) -> str:
    return {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "invalid",
    }.get(code, "unknown")
