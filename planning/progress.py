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


@dataclass(frozen=True)
class Job:
    """Who watches a long run and who may stop it: the progress sink and the
    cancel token, passed along together.

    Every entry point that runs a solver takes one ``job`` instead of the two
    loose arguments, so a caller hands its watcher on in one piece, and a step
    that covers part of the run hands on :meth:`staged`.

    Parameters
    ----------
    progress
        Where progress reports go; ignored by default.
    cancel
        The token a UI sets to stop the run; ``None``: the run cannot be
        stopped.
    """

    progress: ProgressFn = no_progress
    cancel: CancelToken | None = None

    def report(self, event: ProgressEvent) -> None:
        """Send ``event`` to the watcher."""
        self.progress(event)

    @property
    def cancelled(self) -> bool:
        """Whether the user asked to stop (never, without a token)."""
        return self.cancel is not None and self.cancel.cancelled

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` when the user asked to stop."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

    def staged(self, stage: str, lo: float, hi: float) -> Job:
        """This job for a step that fills ``lo..hi`` of the bar (see
        :func:`staged`); the same cancel token."""
        return Job(staged(self.progress, stage, lo, hi), self.cancel)
