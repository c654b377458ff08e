"""CP-SAT solver set-up and the "stop when stalled" watcher.

The roster and the day models both stop early once their objective has not
improved for a while, or at once on cancel; the watcher lives here, in one
place, until one CP-SAT helper serves zoning, scheduling and patrols alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from planning.progress import CancelToken
from planning.scheduling.settings import ScheduleSettings


def _solver(settings: ScheduleSettings, time_limit: float) -> cp_model.CpSolver:
    """A CP-SAT solver with the run's seed, workers and time limit."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = max(1, settings.workers)
    solver.parameters.random_seed = settings.seed
    return solver


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution and remembers when it came."""

    def __init__(self, report: Callable[[float, float, float], None], limit: float):
        super().__init__()
        self._report = report
        self._limit = limit
        self._t0 = time.perf_counter()
        self.last_improvement: float | None = None

    def on_solution_callback(self) -> None:
        now = time.perf_counter()
        self.last_improvement = now
        fraction = min(1.0, (now - self._t0) / self._limit)
        self._report(fraction, self.objective_value, self.best_objective_bound)


def _solve_watched(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: _Progress,
    cancel: CancelToken,
    stall: float,
) -> int:
    """Solve, stopping early on cancel or ``stall`` s after the last improvement."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            last = callback.last_improvement
            stalled = last is not None and time.perf_counter() - last > stall
            if cancel.cancelled or stalled:
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.solve(model, callback)
    finally:
        done.set()
        watcher.join()


def _solve_model(
    model: cp_model.CpModel,
    settings: ScheduleSettings,
    time_limit: float,
    report: Callable[[float, float, float], None],
    cancel: CancelToken,
) -> tuple[int, cp_model.CpSolver]:
    """Solve ``model`` within ``time_limit``, stopping once it stalls for a
    quarter of that (at least 1 s) or on cancel; the status and the solver."""
    solver = _solver(settings, time_limit)
    callback = _Progress(report, time_limit)
    code = _solve_watched(
        solver, model, callback, cancel, stall=max(1.0, 0.25 * time_limit)
    )
    return code, solver


def _status_name(code: int) -> str:
    return {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "invalid",
    }.get(code, "unknown")
