"""Tests of planning.cpsat: the CP-SAT watcher zoning (and later scheduling)
share must stop a search on Cancel and on a stall, and report incumbents."""

from __future__ import annotations

import threading
import time

from ortools.sat.python import cp_model

from planning.cpsat import Stall, StallWatch, new_solver, solve_watched
from planning.progress import CancelToken


def golomb_ruler(marks: int) -> cp_model.CpModel:
    """The shortest Golomb ruler: found fast, proven optimal only after long
    search (minutes at 12 marks), so a run goes to its time limit unless
    something stops it."""
    model = cp_model.CpModel()
    top = marks * marks
    x = [model.new_int_var(0, top, f"x{i}") for i in range(marks)]
    model.add(x[0] == 0)
    diffs = []
    for i in range(marks):
        for j in range(i + 1, marks):
            d = model.new_int_var(1, top, "")
            model.add(d == x[j] - x[i])
            diffs.append(d)
        if i:
            model.add(x[i] > x[i - 1])
    model.add_all_different(diffs)
    model.minimize(x[-1])
    return model


def test_cancel_stops_a_search_long_before_its_time_limit():
    solver = new_solver(60.0, workers=1, seed=0)
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    began = time.monotonic()

    status = solve_watched(
        solver, golomb_ruler(12), StallWatch(Stall(seconds=60.0)), cancel
    )

    assert time.monotonic() - began < 5.0
    assert status != cp_model.OPTIMAL


def test_a_search_that_finds_nothing_stops_after_the_stall_only_if_told():
    # before the first incumbent the clock runs only with from_start
    watch = StallWatch(Stall(seconds=1.0))
    assert not watch.stalled(now=100.0, begin=0.0)
    watch = StallWatch(Stall(seconds=1.0, from_start=True))
    watch.improved = 0.0
    assert watch.stalled(now=1.5, begin=0.0)


def test_patience_grows_with_the_search_time():
    watch = StallWatch(Stall(seconds=5.0, share=0.3))
    watch.found = True
    watch.improved = 90.0
    # 10 s idle after 100 s of search: patience is 30 s, not 5 s
    assert not watch.stalled(now=100.0, begin=0.0)
    # the same 10 s idle early in a search: beyond the 5 s
    watch.improved = 10.0
    assert watch.stalled(now=20.0, begin=0.0)


def test_each_incumbent_reaches_the_callback_and_the_last_is_the_result():
    model = cp_model.CpModel()
    weights = [7, 11, 13, 17, 19, 23, 29, 31]
    x = [model.new_bool_var("") for _ in weights]
    model.add(sum(w * v for w, v in zip(weights, x, strict=True)) >= 60)
    model.minimize(sum(w * v for w, v in zip(weights, x, strict=True)))
    seen: list[float] = []
    solver = new_solver(10.0, workers=1, seed=0)

    status = solve_watched(
        solver,
        model,
        StallWatch(Stall(seconds=5.0), lambda w: seen.append(w.objective_value)),
    )

    assert status == cp_model.OPTIMAL
    assert seen and seen == sorted(seen, reverse=True)
    assert seen[-1] == solver.objective_value == 60
