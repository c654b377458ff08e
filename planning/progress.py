"""Progress reporting and cancellation shared by every long operation.

The GUI runs the pipeline in a worker thread and the CLI prints a bar; both
pass a :data:`ProgressFn` and a :class:`CancelToken`, so solvers never know
who is watching.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report.

    Parameters
    ----------
    stage
        Pipeline stage, e.g. ``"workload"``, ``"zoning"``, ``"scheduling"``.
    fraction
        Completion of that stage in ``[0, 1]``.
    message
        Short human-readable text (Chinese or English, caller's choice).
    objective, bound
        Incumbent objective and best bound when a solver reports them.
    """

    stage: str
    fraction: float
    message: str = ""
    objective: float | None = None
    bound: float | None = None


ProgressFn = Callable[[ProgressEvent], None]


def no_progress(event: ProgressEvent) -> None:
    """Default progress sink that ignores every report."""


class Cancelled(Exception):
    """Raised when a cancel token fires in a step that has no partial result."""


class CancelToken:
    """Thread-safe flag a UI sets to stop a long run.

    Solvers poll :attr:`cancelled` and return their best result so far; steps
    without a meaningful partial result call :meth:`raise_if_cancelled`.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by user")


def staged(progress: ProgressFn, stage: str, lo: float, hi: float) -> ProgressFn:
    """Map a step's own 0..1 progress onto its slice of the whole run.

    Solvers restart their fraction per phase; the bar a user watches must
    never run backwards, so the mapped fraction only grows.
    """
    high_water = [lo]

    def report(event: ProgressEvent) -> None:
        mapped = lo + (hi - lo) * max(0.0, min(1.0, event.fraction))
        high_water[0] = max(high_water[0], mapped)
        progress(
            ProgressEvent(
                stage=event.stage or stage,
                fraction=high_water[0],
                message=event.message,
                objective=event.objective,
                bound=event.bound,
            )
        )

    return report
