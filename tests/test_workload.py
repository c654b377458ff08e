"""Due items from the policy and per-cell workload."""

import json
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from planning.model import Horizon, load_policy
from planning.workload import (
    VISIT_OVERHEAD_MIN,
    cell_workload,
    compute_due,
    service_minutes,
)

POLICY = load_policy()
HORIZON = Horizon(start=date(2026, 12, 1), days=20)


def firm(fid, category, risk, credit, last):
    return {
        "enterprise_id": fid,
        "name": fid,
        "category": category,
        "risk": risk,
        "credit": credit,
        "last_inspected": json.dumps(last),
        "cell_id": "C1",
        "geometry": shapely.Point(118.5, 28.9),
    }


def test_due_items_follow_interval_risk_and_credit():
    start = HORIZON.start
    items = POLICY.categories["restaurant"].items
    recent = {i: (start - timedelta(days=1)).isoformat() for i in items}
    # SCJG-02 interval 120 d; red x0.5 and D x0.5 -> 30 d, so 40 days ago is due
    old = dict(recent, **{"SCJG-02": (start - timedelta(days=40)).isoformat()})
    ents = gpd.GeoDataFrame(
        [
            firm("fresh", "restaurant", "green", "A", recent),
            firm("red", "restaurant", "red", "D", old),
            firm("green", "restaurant", "green", "A", old),
            firm("never", "shop", "yellow", "B", {}),
        ],
        crs=4326,
    )
    out = compute_due(ents, POLICY, HORIZON).set_index("enterprise_id")
    assert out.at["fresh", "due_items"] == ""
    assert pd.isna(out.at["fresh", "due_date"])
    assert out.at["red", "due_items"] == "SCJG-02"
    assert out.at["red", "due_date"] == HORIZON.start.isoformat()
    # green + A: 120 x 1.5 x 2 = 360 days, not due after 40
    assert out.at["green", "due_items"] == ""
    # never inspected: every item of the category is due at once
    assert out.at["never", "due_items"].split(";") == list(
        POLICY.categories["shop"].items
    )


def test_due_date_inside_the_horizon_is_kept():
    start = HORIZON.start
    interval = POLICY.interval_days("ZHZF-01", "yellow", "B")  # 120 days
    last = {i: start.isoformat() for i in POLICY.categories["shop"].items}
    last["ZHZF-01"] = (start - timedelta(days=int(interval) - 10)).isoformat()
    ents = gpd.GeoDataFrame([firm("x", "shop", "yellow", "B", last)], crs=4326)
    out = compute_due(ents, POLICY, HORIZON)
    assert out.at[0, "due_items"] == "ZHZF-01"
    assert out.at[0, "due_date"] == (start + timedelta(days=10)).isoformat()


def test_workdays_skip_weekends_and_blackout():
    h = Horizon(
        start=date(2026, 12, 1), days=5, blackout=frozenset({date(2026, 12, 2)})
    )
    days = h.workdays()
    assert len(days) == 5
    assert date(2026, 12, 2) not in days
    assert all(d.weekday() < 5 for d in days)


def test_cell_workload_adds_inspections_and_patrols(sample):
    ents = compute_due(sample.enterprises, sample.policy, sample.horizon)
    cells = cell_workload(
        sample.cells, ents, sample.hotspots, sample.policy, sample.horizon
    )
    svc = ents["due_items"].map(lambda s: service_minutes(s, sample.policy))
    expected = svc.sum() + VISIT_OVERHEAD_MIN * (svc > 0).sum()
    assert cells["inspection_min"].sum() == pytest.approx(expected)
    assert (cells["workload"] >= cells["patrol_min"]).all()
    assert (cells["patrol_min"] > 0).all()
    # a cell with many recent events carries more patrol load than a quiet one
    counts = sample.hotspots["cell_id"].value_counts()
    busy = cells.set_index("cell_id").loc[counts.index[0], "patrol_min"]
    assert busy > cells["patrol_min"].median() * 5
