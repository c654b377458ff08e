"""Shared CP-SAT plumbing: solver parameters, and a solve that stops when the
incumbent stalls, when the planner cancels, and reports each incumbent.

Zoning, its neighbourhood search and scheduling all run CP-SAT under a time
limit a planner waits through. Proving an optimum takes far longer than
finding it, so each stops once the incumbent has not improved for a while;
one watcher here instead of one per solver keeps that rule (and the Cancel
button) the same everywhere.

Example::

    solver = new_solver(time_limit=30, workers=2, seed=0)
    watch = StallWatch(Stall(seconds=5.0, share=0.3, min_gain=0.001))
    status = solve_watched(solver, model, watch, cancel)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planning.progress import CancelToken

__all__ = ["Stall", "StallWatch", "new_solver", "solve_watched"]

_POLL_SECONDS = 0.05


def new_solver(
    time_limit: float, workers: int, seed: int, *, at_least: float = 0.1
) -> cp_model.CpSolver:
    """A CP-SAT solver with a time limit (never below ``at_least`` seconds,
    so a nearly spent budget still gets a try), ``workers`` search workers
    (at least one) and a random seed (for repeatable runs)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(at_least, time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    return solver


@dataclass(frozen=True)
class Stall:
    """When a search counts as stalled.

    Parameters
    ----------
    seconds
        The incumbent has not improved for this long ...
    share
        ... nor for this share of the search time so far, if longer (a long
        search earns a longer patience).
    min_gain
        Relative fall of the objective that counts as an improvement; 0
        counts every new incumbent.
    unit
        If set, only a fall of ``floor(objective / unit)`` counts: the terms
        of the objective weighted by ``unit`` outrank the rest.
    from_start
        The clock runs from the start of the search, so a search that finds
        nothing in ``seconds`` stops too; otherwise only after an incumbent.
    """

    seconds: float
    share: float = 0.0
    min_gain: float = 0.0
    unit: int | None = None
    from_start: bool = False


class StallWatch(cp_model.CpSolverSolutionCallback):
    """Solution callback that notes when the incumbent last improved (as
    ``stall`` defines it) and hands each incumbent to ``on_solution``."""

    def __init__(
        self,
        stall: Stall,
        on_solution: Callable[[StallWatch], None] | None = None,
    ) -> None:
        super().__init__()
        self.stall = stall
        self.on_solution = on_solution
        self.best = math.inf  # the objective (or its multiple of ``unit``)
        self.improved = time.monotonic()
        self.found = False

    def on_solution_callback(self) -> None:
        value = self.objective_value
        if self.stall.unit is not None:
            value = math.floor(value / self.stall.unit)
        counts_all = self.stall.unit is None and self.stall.min_gain == 0
        if counts_all or value < self.best * (1 - self.stall.min_gain):
            self.best, self.improved = value, time.monotonic()
        self.found = True
        if self.on_solution is not None:
            self.on_solution(self)

    def stalled(self, now: float, begin: float) -> bool:
        """The search that began at ``begin`` has stalled by ``now``."""
        if not (self.found or self.stall.from_start):
            return False
        patience = max(self.stall.seconds, self.stall.share * (now - begin))
        return now - self.improved > patience


def solve_watched(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    watch: StallWatch,
    cancel: CancelToken | None = None,
) -> int:
    """``solver.solve(model)``, stopped early once ``watch`` has stalled or
    ``cancel`` is set (checked every 50 ms); returns the CP-SAT status."""
    done = threading.Event()
    begin = time.monotonic()
    watch.improved = begin

    def poll() -> None:
        while not done.wait(_POLL_SECONDS):
            cancelled = cancel is not None and cancel.cancelled
            if cancelled or watch.stalled(time.monotonic(), begin):
                solver.stop_search()
                return

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        return solver.solve(model, watch)
    finally:
        done.set()
        thread.join()
