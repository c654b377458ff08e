"""The shared export test plan (tests/helpers/export_plan.py) follows the schema."""

from __future__ import annotations

import pytest

from planning.plan import Plan
from tests.helpers.export_plan import PATROLS, VISITS, make_plan


@pytest.fixture()
def plan() -> Plan:
    return make_plan()


def test_fixture_plan_follows_schema(plan: Plan) -> None:
    s = plan.summary()
    assert s.joint_visits == len(VISITS)
    assert s.unscheduled == 1
    assert s.visits_saved > 0
    assert set(plan.routes["route_id"]) == {
        "SQ01-2026-12-01-T1",
        "SQ01-2026-12-02-T1",
        "SQ01-2026-12-02-T2",
    }
    assert len(plan.roster) > 0


def test_fixture_plan_has_two_patrol_loops(plan: Plan) -> None:
    assert plan.patrols is not None and plan.patrol_points is not None
    assert list(plan.patrols["loop_id"]) == [p[0] for p in PATROLS]
    assert len(plan.patrol_points) == sum(len(p[6]) for p in PATROLS)
    assert make_plan(patrols=False).patrols is None
