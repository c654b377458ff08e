"""The map page rendered in the worker process equals the in-process page."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from desktop.render_pool import _pack, _unpack, render_page
from maps.render import render_plan_map
from planning.plan import Plan


@pytest.fixture
def plan(window_plan: Plan) -> Plan:
    """The session's planned sample county, patrols and all (tests/conftest.py)."""
    return window_plan


def test_packed_plan_round_trips_every_table(plan):
    back = _unpack(pickle.loads(pickle.dumps(_pack(plan))))
    for name in ("cells", "towns", "squads", "enterprises", "hotspots"):
        before, after = getattr(plan.scenario, name), getattr(back.scenario, name)
        assert type(after) is type(before)
        pd.testing.assert_frame_equal(after, before)
        assert getattr(after, "crs", None) == getattr(before, "crs", None)
    for name in ("zones", "visits", "routes", "unscheduled", "roster"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(plan, name))
    assert back.scenario.policy == plan.scenario.policy
    assert back.settings == plan.settings


def test_worker_process_page_equals_in_process_page(plan, monkeypatch):
    remote = render_page(plan, basemap="osm")
    assert remote == render_plan_map(plan, basemap="osm", layer_control=False)
    monkeypatch.setenv("PATROL_PLANNER_RENDER_IN_THREAD", "1")
    assert render_page(plan, basemap="osm") == remote
