"""The plan validator: clean plans pass, each broken rule is named."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from planning.model import Horizon, load_policy
from planning.validate import validate_plan
from tests.helpers.dates import START

POLICY = load_policy()
HORIZON = Horizon(START, 3)
DAY = START.isoformat()

Tables = dict[str, pd.DataFrame]


def _plan() -> Tables:
    """A hand-made valid plan: a restaurant and a shop, one team-day."""
    enterprises = pd.DataFrame(
        {
            "enterprise_id": ["E1", "E2", "E3"],
            "category": ["restaurant", "shop", "shop"],
            "cell_id": ["C1", "C1", "C2"],
            "due_items": ["SCJG-01;SCJG-02", "XF-01", "ZHZF-01"],
        }
    )
    visits = pd.DataFrame(
        {
            "visit_id": ["V1", "V2"],
            "enterprise_id": ["E1", "E2"],
            "squad_id": ["SQ01", "SQ01"],
            "team": [1, 1],
            "day": [DAY, DAY],
            "seq": [1, 2],
            "eta": ["09:00", "09:40"],
            "start": ["09:05", "09:40"],
            "end": ["09:33", "09:50"],
            "service_min": [28, 10],
            "items": ["SCJG-01;SCJG-02", "XF-01"],
            "item_names": ["a;b", "c"],
            "departments": ["SCJG", "XF"],
            "crew": ["SCJG", "SCJG"],
        }
    )
    routes = pd.DataFrame(
        {
            "route_id": ["R1"],
            "squad_id": ["SQ01"],
            "team": [1],
            "day": [DAY],
            "stops": [2],
            "km": [5.0],
            "travel_min": [20],
            "service_min": [38],
            "start": ["08:50"],
            "end": ["10:00"],
        }
    )
    unscheduled = pd.DataFrame(
        {"enterprise_id": ["E3"], "squad_id": ["SQ02"], "reason": ["far"]}
    )
    roster = pd.DataFrame(
        {
            "dept_id": ["SCJG"],
            "day": [DAY],
            "squad_id": ["SQ01"],
            "team": [1],
            "inspectors": [1],
        }
    )
    cells = pd.DataFrame({"cell_id": ["C1", "C2"], "squad_id": ["SQ01", "SQ02"]})
    return {
        "visits": visits,
        "routes": routes,
        "enterprises": enterprises,
        "unscheduled": unscheduled,
        "roster": roster,
        "cells": cells,
    }


def _check(t: Tables) -> list:
    return validate_plan(
        t["visits"],
        t["routes"],
        t["enterprises"],
        t["unscheduled"],
        t["roster"],
        t["cells"],
        POLICY,
        HORIZON,
    )


def _set(table: str, row: int, column: str, value: object) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        t[table].loc[row, column] = value

    return edit


def _drop_unscheduled(t: Tables) -> None:
    t["unscheduled"] = t["unscheduled"].iloc[0:0]


def _duplicate(t: Tables) -> None:
    extra = t["visits"].iloc[[1]].assign(visit_id="V3", seq=3, eta="10:00")
    extra = extra.assign(start="10:00", end="10:10")
    t["visits"] = pd.concat([t["visits"], extra], ignore_index=True)


def _also_unscheduled(t: Tables) -> None:
    t["unscheduled"] = pd.concat(
        [t["unscheduled"], pd.DataFrame({"enterprise_id": ["E1"], "reason": ["x"]})]
    )


def _over_capacity(t: Tables) -> None:
    more = pd.DataFrame(
        {
            "dept_id": ["SCJG"],
            "day": [DAY],
            "squad_id": ["SQ09"],
            "team": [1],
            "inspectors": [POLICY.departments["SCJG"].inspectors_per_day],
        }
    )
    t["roster"] = pd.concat([t["roster"], more], ignore_index=True)


CASES: dict[str, list[Callable[[Tables], None]]] = {
    "missing_visit": [_drop_unscheduled],
    "duplicate_visit": [_duplicate],
    "scheduled_and_unscheduled": [_also_unscheduled],
    "unknown_enterprise": [_set("visits", 1, "enterprise_id", "E99")],
    "items_not_covered": [_set("visits", 0, "items", "SCJG-01")],
    "extra_items": [_set("visits", 1, "items", "XF-01;XF-02")],
    "crew_missing_department": [_set("visits", 0, "crew", "")],
    "department_over_capacity": [_over_capacity],
    "outside_opening_hours": [
        _set("visits", 0, "eta", "08:40"),
        _set("visits", 0, "start", "08:40"),
        _set("visits", 0, "end", "09:08"),
    ],
    "during_busy_window": [
        _set("visits", 1, "start", "10:00"),
        _set("visits", 1, "end", "10:10"),
        _set("visits", 0, "start", "10:40"),
        _set("visits", 0, "end", "11:08"),
    ],
    "during_lunch": [
        _set("visits", 1, "eta", "11:50"),
        _set("visits", 1, "start", "11:55"),
        _set("visits", 1, "end", "12:05"),
    ],
    "service_too_short": [_set("visits", 0, "end", "09:15")],
    "day_too_long": [_set("routes", 0, "end", "18:10")],
    "not_a_workday": [_set("visits", 0, "day", "2026-12-05")],
    "wrong_squad": [_set("cells", 0, "squad_id", "SQ02")],
    "seq_order": [_set("visits", 1, "eta", "09:20")],
}


def test_hand_made_plan_is_valid() -> None:
    assert _check(_plan()) == []


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_broken_rule_is_reported(kind: str) -> None:
    tables = _plan()
    for edit in CASES[kind]:
        edit(tables)
    found = _check(tables)
    assert kind in {v.kind for v in found}, found
    assert all(v.message for v in found)
