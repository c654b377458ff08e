"""CP-SAT solution callbacks that stop a search whose incumbent has stalled,
honour the planner's Cancel and report progress.
"""

from __future__ import annotations

import math
import threading
import time

from ortools.sat.python import cp_model

from planning.progress import CancelToken, ProgressEvent, ProgressFn
from planning.zoning.settings import STAGE

# Stop a search whose incumbent has not improved by 0.1% for 5 s and for
# 30% of the search time so far: the rest of the time limit rarely pays.
_STALL = (0.001, 5.0, 0.3)


class _LastImproved(cp_model.CpSolverSolutionCallback):
    """Notes when the incumbent last improved; with a ``unit``, only when
    the objective's multiple of it fell (the terms that outrank the rest)."""

    def __init__(self, unit: int | None = None) -> None:
        super().__init__()
        self.when = time.monotonic()
        self.unit = unit
        self.best = math.inf

    def on_solution_callback(self) -> None:
        if self.unit is None:
            self.when = time.monotonic()
            return
        major = math.floor(self.objective_value / self.unit)
        if major < self.best:
            self.best = major
            self.when = time.monotonic()


def _solve_until_stall(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    stall: float,
    unit: int | None = None,
) -> int:
    """Solve, but stop once the incumbent has not improved for ``stall`` s
    (counting only the objective's multiples of ``unit``, if given).

    A neighbourhood rarely improves after its first second; proving the
    optimum takes far longer than finding it, and the time is better spent
    on the next neighbourhood.
    """
    seen = _LastImproved(unit)
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.05):
            if time.monotonic() - seen.when > stall:
                solver.stop_search()
                return

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        return solver.solve(model, seen)
    finally:
        stop.set()
        thread.join()


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each incumbent, stops the search when cancelled, and notes
    when the incumbent last improved by a meaningful step (see ``_STALL``)."""

    def __init__(
        self,
        progress: ProgressFn,
        cancel: CancelToken | None,
        to_minutes: float,
        offset: float,
        t0: float,
        limit: float,
        label: str,
        bound: float | None = None,
    ):
        super().__init__()
        self.known_bound = bound
        self.progress, self.cancel = progress, cancel
        self.to_minutes, self.offset = to_minutes, offset
        self.t0, self.limit, self.label = t0, limit, label
        self.best = math.inf
        self.improved = time.monotonic()

    def on_solution_callback(self) -> None:
        raw = self.objective_value
        if raw < self.best * (1 - _STALL[0]):
            self.best, self.improved = raw, time.monotonic()
        obj = raw / self.to_minutes + self.offset
        bound = self.known_bound
        if bound is None:
            bound = self.best_objective_bound / self.to_minutes + self.offset
        frac = min(0.99, (time.monotonic() - self.t0) / max(self.limit, 1e-9))
        self.progress(
            ProgressEvent(STAGE, frac, f"{self.label}: {obj:,.0f}", obj, bound)
        )
        if self.cancel is not None and self.cancel.cancelled:
            self.stop_search()
