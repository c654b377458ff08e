"""The Job every long run takes: its progress slices and its cancel token."""

import pytest

from planning.progress import Cancelled, CancelToken, Job, ProgressEvent


def test_a_staged_job_fills_its_slice_of_the_bar_and_never_runs_backwards():
    events: list[ProgressEvent] = []
    part = Job(events.append).staged("zoning", 0.2, 0.6)
    for fraction in (0.0, 0.5, 0.25, 1.0):  # a solver restarts its fraction
        part.report(ProgressEvent("", fraction, "step"))
    assert [round(e.fraction, 6) for e in events] == [0.2, 0.4, 0.4, 0.6]
    assert {e.stage for e in events} == {"zoning"}


def test_a_staged_job_stops_when_the_run_is_cancelled():
    token = CancelToken()
    job = Job(cancel=token)
    part = job.staged("patrols", 0.85, 0.98)
    assert not part.cancelled
    part.raise_if_cancelled()
    token.cancel()
    assert job.cancelled and part.cancelled
    with pytest.raises(Cancelled):
        part.raise_if_cancelled()


def test_a_job_without_a_token_never_stops():
    job = Job()
    assert not job.cancelled
    job.raise_if_cancelled()
    job.report(ProgressEvent("zoning", 0.5))  # nobody watches: no error
