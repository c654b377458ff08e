"""Run long planning calls off the GUI thread, with progress and Cancel.

A :class:`TaskRunner` owns at most one job at a time. The job is a plain
callable ``fn(progress, cancel) -> result`` (the same shape as the
``planning`` functions), executed by a :class:`_Job` QObject moved to its own
QThread. Progress events and the outcome come back as queued signals, so the
widgets only ever touch Qt objects from the GUI thread. A run that was
cancelled is reported as cancelled even when the solver returned its best
result so far: the open plan must stay as it was.
"""

from __future__ import annotations

import gc
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from desktop.texts import translated
from planning.progress import Cancelled, CancelToken, ProgressEvent, ProgressFn

JobFn = Callable[[ProgressFn, CancelToken], Any]

STAGE_LABELS = {
    "workload": QT_TRANSLATE_NOOP("Progress", "Workload"),
    "zoning": QT_TRANSLATE_NOOP("Progress", "Zoning"),
    "scheduling": QT_TRANSLATE_NOOP("Progress", "Scheduling"),
    "routing": QT_TRANSLATE_NOOP("Progress", "Routing"),
    "loading": QT_TRANSLATE_NOOP("Progress", "Loading"),
    "sample": QT_TRANSLATE_NOOP("Progress", "Building sample"),
    "rebalance": QT_TRANSLATE_NOOP("Progress", "Rebalancing"),
    "compare": QT_TRANSLATE_NOOP("Progress", "Comparing"),
    "done": QT_TRANSLATE_NOOP("Progress", "Done"),
}
"""The name the progress panel shows for each pipeline stage (an unknown
stage shows as itself)."""

_LIVE: dict[int, tuple[QThread, QObject, CancelToken]] = {}
"""Threads still running, kept here rather than as children of their runner:
a runner deleted with its window (a test's teardown, a closed dock) must not
destroy a running QThread, which aborts the process. Each entry is dropped
when its thread finishes."""


_RUNNING = 0
"""Jobs between start and finish, for :func:`_hold_gc`."""


def _hold_gc(start: bool) -> None:
    """Keep the objects that exist when a job starts out of the cyclic GC.

    A full collection walks every container in the process (an open county is
    ~10^5 of them, a solver adds 10^6) in one GIL-holding pass of 80-110 ms,
    which stalls the window while a worker runs. ``gc.freeze`` moves what
    exists now to the permanent generation; the job's own garbage is still
    collected. Unfrozen when the last job ends, so nothing is kept for ever.
    """
    global _RUNNING
    _RUNNING += 1 if start else -1
    if start:
        gc.freeze()
    elif _RUNNING <= 0:
        _RUNNING = 0
        gc.unfreeze()


BACKGROUND_NICE = 5
"""Niceness added to worker threads (and inherited by the solver's own
threads), so that on a busy two-core machine the GUI thread is scheduled
first and the window answers within a frame or two."""


def lower_priority() -> None:
    """Run the calling thread (and threads it starts) at lower CPU priority.

    Linux keeps niceness per thread and new threads inherit it, so CP-SAT's
    search workers started from a job follow. Elsewhere this does nothing.
    """
    if not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + BACKGROUND_NICE))
    except OSError:  # not permitted (a sandbox): run at normal priority
        pass


def _release(key: int) -> None:
    entry = _LIVE.pop(key, None)
    if entry is not None:
        entry[0].deleteLater()


class _Job(QObject):
    """Calls ``fn`` in the worker thread and reports by signal."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()

    def __init__(self, fn: JobFn, token: CancelToken) -> None:
        super().__init__()
        self._fn = fn
        self._token = token

    @Slot()
    def run(self) -> None:
        lower_priority()
        try:
            result = self._fn(self.progressed.emit, self._token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # any failure must reach the user, not the log
            self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            if self._token.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        finally:
            # end the thread's event loop now, so wait() never hangs on it
            QThread.currentThread().quit()


class TaskRunner(QObject):
    """Starts one background job at a time and relays its signals.

    Signals
    -------
    started(str)
        A job with this (translated) title began.
    progressed(ProgressEvent)
        Forwarded from the job, in the GUI thread.
    succeeded(object), failed(str, str), cancelled()
        Exactly one of them ends every job; ``failed`` carries the message
        and the traceback.
    busyChanged(bool)
        For enabling / disabling actions.
    """

    started = Signal(str)
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: _Job | None = None
        self._token: CancelToken | None = None
        self._on_success: Callable[[Any], None] | None = None
        self.title = ""

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(
        self,
        title: str,
        fn: JobFn,
        on_success: Callable[[Any], None] | None = None,
    ) -> bool:
        """Run ``fn`` in a new thread; ``False`` when a job is already running.

        ``on_success`` is called in the GUI thread with the result, before
        :attr:`succeeded` is emitted, so the caller's state is in place when
        observers hear about it.
        """
        if self.busy:
            return False
        self.title = title
        self._token = CancelToken()
        self._on_success = on_success
        thread = QThread()
        job = _Job(fn, self._token)
        job.moveToThread(thread)
        key = id(thread)
        _LIVE[key] = (thread, job, self._token)
        thread.finished.connect(lambda: _release(key))
        thread.started.connect(job.run)
        job.progressed.connect(self.progressed)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        self._thread, self._job = thread, job
        _hold_gc(True)
        self.busyChanged.emit(True)
        self.started.emit(title)
        thread.start()
        return True

    def cancel(self) -> None:
        """Ask the running job to stop; it ends with :attr:`cancelled`."""
        if self._token is not None:
            self._token.cancel()

    def shutdown(self, msecs: int = 60_000) -> bool:
        """Cancel, wait for the thread and drop the outcome (window closing).

        Returns ``False`` if the job did not stop in time; its thread is then
        left to finish on its own rather than destroyed while running.
        """
        thread, job = self._thread, self._job
        if thread is None or job is None:
            return True
        self.cancel()
        for signal in (job.succeeded, job.failed, job.cancelled, job.progressed):
            signal.disconnect()
        if not thread.wait(msecs):
            self._thread = self._job = self._token = None
            _hold_gc(False)
            self.busyChanged.emit(False)
            return False
        self._finish()
        return True

    def _finish(self) -> None:
        thread, job = self._thread, self._job
        self._thread = self._job = self._token = None
        self._on_success = None
        _hold_gc(False)
        if thread is not None:
            # no wait(): the worker may still be freeing the solver's memory;
            # _LIVE keeps thread and job until its ``finished`` releases them
            thread.quit()
        del job
        self.busyChanged.emit(False)

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        on_success = self._on_success
        self._finish()
        if on_success is not None:
            try:
                on_success(result)
            except Exception as exc:  # a bad result must not kill the app
                self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
                return
        self.succeeded.emit(result)

    @Slot(str, str)
    def _failed(self, message: str, details: str) -> None:
        self._finish()
        self.failed.emit(message, details)

    @Slot()
    def _cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()


class ProgressPanel(QWidget):
    """Status-bar widget: task, stage, progress bar, objective and Cancel.

    It observes a :class:`TaskRunner` and hides itself when no job runs.
    """

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.objective = QLabel()
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.label, self.bar, self.objective, self.cancel_button):
            layout.addWidget(w)
        runner.started.connect(self._started)
        runner.progressed.connect(self.show_event)
        runner.busyChanged.connect(self.setVisible)
        self.retranslate()
        self.setVisible(runner.busy)

    def retranslate(self) -> None:
        self.cancel_button.setText(self.tr("Cancel"))

    @Slot(str)
    def _started(self, title: str) -> None:
        self.label.setText(title)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.objective.clear()
        self.cancel_button.setEnabled(True)

    @Slot(object)
    def show_event(self, event: ProgressEvent) -> None:
        """Show one :class:`ProgressEvent` (stage, fraction, objective)."""
        stage = translated("Progress", STAGE_LABELS, event.stage)
        self.label.setText(f"{self.runner.title} · {stage}")
        self.bar.setValue(round(1000 * max(0.0, min(1.0, event.fraction))))
        if event.objective is not None:
            text = self.tr("objective {0:,.0f}").format(event.objective)
            if event.bound is not None:
                text += self.tr(" (bound {0:,.0f})").format(event.bound)
            self.objective.setText(text)
        self.label.setToolTip(event.message)

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText(self.tr("{0} · cancelling…").format(self.runner.title))
        self.runner.cancel()
