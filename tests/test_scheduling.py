"""Joint-inspection scheduling on small hand-made scenarios."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from planning.model import Category, Department, Horizon, Scenario, load_policy
from planning.progress import CancelToken, ProgressEvent
from planning.scheduling import ScheduleResult, ScheduleSettings, schedule
from planning.validate import validate_plan
from tests.helpers.dates import START

LON, LAT, STEP = 118.5, 28.9, 0.01
FAST = ScheduleSettings(time_limit=4.0, route_time_limit=0.2)

# category -> due items (professional ones marked in the default policy)
DUE = {
    "restaurant": "SCJG-01;SCJG-02;STHJ-01;YJGL-01;ZHZF-01",
    "shop": "SCJG-01;XF-01;ZHZF-03",
    "factory": "SCJG-03;STHJ-02;XF-02",
    "hotel": "WSJK-01;WSJK-02;XF-01",
    "salon": "WSJK-02;ZHZF-03",
}


def make_scenario(
    n_per_cell: int = 3,
    days: int = 3,
    teams: int = 2,
    policy=None,
    categories: tuple[str, ...] = tuple(DUE),
    due: dict[str, str] | None = None,
) -> Scenario:
    """4 x 2 urban cells near (118.5, 28.9); SQ01 owns the west, SQ02 the east."""
    policy = policy or load_policy()
    due = due or DUE
    cells, ents = [], []
    for cx in range(4):
        for cy in range(2):
            cid = f"C{cx}{cy}"
            x0, y0 = LON + cx * STEP, LAT + cy * STEP
            cells.append(
                {
                    "cell_id": cid,
                    "town_id": "T01",
                    "area_id": "A1",
                    "land_use": "urban",
                    "squad_id": "SQ01" if cx < 2 else "SQ02",
                    "geometry": box(x0, y0, x0 + STEP, y0 + STEP),
                }
            )
            for k in range(n_per_cell):
                cat = categories[(len(ents)) % len(categories)]
                ents.append(
                    {
                        "enterprise_id": f"E{len(ents):03d}",
                        "name": f"firm {len(ents)}",
                        "category": cat,
                        "risk": ("red", "yellow", "green")[len(ents) % 3],
                        "credit": "B",
                        "last_inspected": "{}",
                        "cell_id": cid,
                        "due_items": due[cat],
                        "due_date": START.isoformat(),
                        "geometry": Point(
                            x0 + STEP * (0.2 + 0.25 * k), y0 + STEP * (0.3 + 0.2 * k)
                        ),
                    }
                )
    squads = [
        {
            "squad_id": sid,
            "name": sid,
            "area_id": "A1",
            "staff": 8,
            "teams": teams,
            "geometry": Point(LON + STEP * x, LAT + STEP),
        }
        for sid, x in (("SQ01", 1.0), ("SQ02", 3.0))
    ]
    empty = gpd.GeoDataFrame(
        {"event_id": [], "event_type": [], "time": []}, geometry=[], crs=4326
    )
    return Scenario(
        name="test",
        cells=gpd.GeoDataFrame(cells, crs=4326),
        towns=gpd.GeoDataFrame(
            {"town_id": ["T01"], "name": ["t"], "area_id": ["A1"]},
            geometry=[box(LON, LAT, LON + 4 * STEP, LAT + 2 * STEP)],
            crs=4326,
        ),
        squads=gpd.GeoDataFrame(squads, crs=4326),
        enterprises=gpd.GeoDataFrame(ents, crs=4326),
        hotspots=empty,
        policy=policy,
        horizon=Horizon(START, days),
    )


def violations(sc: Scenario, res: ScheduleResult) -> list:
    return validate_plan(
        res.visits,
        res.routes,
        sc.enterprises,
        res.unscheduled,
        res.roster,
        sc.cells,
        sc.policy,
        sc.horizon,
    )


@pytest.fixture(scope="module")
def solved() -> tuple[Scenario, ScheduleResult, list[ProgressEvent]]:
    sc = make_scenario()
    events: list[ProgressEvent] = []
    return sc, schedule(sc, FAST, progress=events.append), events


def test_every_due_enterprise_exactly_once_and_valid(solved) -> None:
    sc, res, _ = solved
    assert res.unscheduled.empty, res.unscheduled.to_dict("records")
    assert sorted(res.visits["enterprise_id"]) == sorted(
        sc.enterprises["enterprise_id"]
    )
    assert violations(sc, res) == []
    assert res.status in ("optimal", "feasible")


def test_outputs_follow_the_schema(solved) -> None:
    _, res, _ = solved
    assert (
        list(res.visits.columns[:14])
        == (
            "visit_id enterprise_id squad_id team day seq eta start end service_min "
            "items item_names departments crew"
        ).split()
    )
    assert res.visits.crs.to_epsg() == 4326
    assert set(res.routes.geometry.geom_type) == {"LineString"}
    assert list(res.roster.columns) == [
        "dept_id",
        "day",
        "squad_id",
        "team",
        "inspectors",
    ]
    assert list(res.unscheduled.columns) == ["enterprise_id", "squad_id", "reason"]
    per_route = res.visits.groupby(["squad_id", "team", "day"]).size()
    assert per_route.sum() == res.routes["stops"].sum()
    stats = res.stats
    assert stats["joint_visits"] == len(res.visits)
    assert stats["visits_saved"] == stats["dept_inspections"] - stats["joint_visits"]
    assert stats["travel_km"] > 0 and "seconds_assign" in stats


def test_restaurants_never_in_rush_hour_or_lunch(solved) -> None:
    sc, res, _ = solved
    cat = sc.enterprises.set_index("enterprise_id")["category"]
    rest = res.visits[res.visits["enterprise_id"].map(cat) == "restaurant"]
    assert len(rest) > 0
    for start, end in zip(rest["start"], rest["end"], strict=True):
        assert end <= "11:00" or start >= "13:00"
        assert end <= "17:00"
    for start, end in zip(res.visits["start"], res.visits["end"], strict=True):
        assert end <= "12:00" or start >= "13:00"


def test_crews_cover_professional_items_within_capacity(solved) -> None:
    sc, res, _ = solved
    for row in res.visits.itertuples():
        crew = set(row.crew.split(";")) if row.crew else set()
        for item in row.items.split(";"):
            spec = sc.policy.items[item]
            if spec.kind == "professional" and spec.dept_id != "ZHZF":
                assert spec.dept_id in crew
    per_day = res.roster.groupby(["dept_id", "day"])["inspectors"].sum()
    for (dept, _), n in per_day.items():
        assert n <= sc.policy.departments[dept].inspectors_per_day


def test_progress_reports_both_stages(solved) -> None:
    _, _, events = solved
    stages = {e.stage for e in events}
    assert {"scheduling", "routing"} <= stages
    assert all(0.0 <= e.fraction <= 1.0 for e in events)


def test_progress_bounds_are_real_lower_bounds(solved) -> None:
    # The progress line shows "objective (bound)". A squad's day model only
    # sums costs, so no schedule costs less than 0: a bound below that is
    # CP-SAT's placeholder before its search knows better (the window once
    # showed "目标值 2,658 (下界 -2,134,342)"), not a bound to show.
    _, _, events = solved
    shown = [e for e in events if e.objective is not None]
    squads = [e for e in shown if e.message.startswith("squad ")]
    assert squads
    for e in squads:
        assert e.bound is None or 0 <= e.bound <= e.objective, e
    for e in shown:
        assert e.bound is None or e.bound <= e.objective, e


def test_department_without_inspectors_is_unscheduled() -> None:
    policy = load_policy()
    depts = dict(policy.departments)
    depts["WSJK"] = Department("WSJK", "卫生健康", 0)
    policy = dataclasses.replace(policy, departments=depts)
    sc = make_scenario(n_per_cell=1, policy=policy)
    res = schedule(sc, FAST)
    hotels = set(
        sc.enterprises.loc[sc.enterprises["category"] == "hotel", "enterprise_id"]
    )
    parked = res.unscheduled.set_index("enterprise_id")["reason"]
    assert hotels and hotels <= set(parked.index)
    assert all("inspectors_per_day = 0" in parked[e] for e in hotels)
    assert violations(sc, res) == []


def test_firm_open_only_at_lunch_is_unscheduled() -> None:
    policy = load_policy()
    cats = dict(policy.categories)
    cats["noodle"] = Category("noodle", "面馆", ("ZHZF-01",), (720, 780), ())
    policy = dataclasses.replace(policy, categories=cats)
    sc = make_scenario(
        n_per_cell=1,
        policy=policy,
        categories=("noodle", "shop"),
        due={**DUE, "noodle": "ZHZF-01"},
    )
    res = schedule(sc, FAST)
    noodles = set(
        sc.enterprises.loc[sc.enterprises["category"] == "noodle", "enterprise_id"]
    )
    parked = res.unscheduled.set_index("enterprise_id")["reason"]
    assert noodles == set(parked.index)
    assert all("opening hours" in parked[e] for e in noodles)
    assert violations(sc, res) == []


def test_more_work_than_the_horizon_holds() -> None:
    sc = make_scenario(n_per_cell=8, days=1, teams=1, categories=("shop",))
    res = schedule(sc, FAST)
    assert len(res.unscheduled) > 0 and len(res.visits) > 0
    assert res.unscheduled["reason"].str.contains("over capacity of squad").all()
    assert len(res.visits) + len(res.unscheduled) == len(sc.enterprises)
    assert violations(sc, res) == []


def test_cell_without_squad_is_reported() -> None:
    sc = make_scenario(n_per_cell=1)
    sc.cells.loc[sc.cells["cell_id"] == "C00", "squad_id"] = None
    res = schedule(sc, FAST)
    orphans = set(
        sc.enterprises.loc[sc.enterprises["cell_id"] == "C00", "enterprise_id"]
    )
    parked = res.unscheduled.set_index("enterprise_id")["reason"]
    assert orphans == set(parked.index)
    assert all("has no squad" in parked[e] for e in orphans)


def test_cancelled_run_is_still_a_valid_plan() -> None:
    sc = make_scenario(n_per_cell=1)
    token = CancelToken()
    token.cancel()
    res = schedule(sc, FAST, cancel=token)
    assert res.status == "cancelled"
    assert len(res.visits) + len(res.unscheduled) == len(sc.enterprises)
    assert violations(sc, res) == []


def test_cancel_during_the_solve_keeps_finished_work() -> None:
    sc = make_scenario()
    token = CancelToken()

    def cancel_on_first_squad(event: ProgressEvent) -> None:
        if event.message.startswith("squad"):
            token.cancel()

    res = schedule(sc, FAST, progress=cancel_on_first_squad, cancel=token)
    assert res.status == "cancelled"
    assert len(res.visits) > 0
    assert len(res.visits) + len(res.unscheduled) == len(sc.enterprises)
    assert violations(sc, res) == []


def test_nothing_due_gives_empty_tables() -> None:
    sc = make_scenario(n_per_cell=1)
    sc.enterprises["due_items"] = ""
    res = schedule(sc, FAST)
    assert res.visits.empty and res.routes.empty and res.unscheduled.empty
    assert "visit_id" in res.visits.columns and res.stats["joint_visits"] == 0
    assert isinstance(res.roster, pd.DataFrame)


def test_spare_inspectors_keep_the_plan_valid() -> None:
    policy = load_policy()
    depts = dict(policy.departments)
    depts["WSJK"] = Department("WSJK", "卫生健康", 1)
    depts["YJGL"] = Department("YJGL", "应急管理", 1)
    policy = dataclasses.replace(policy, departments=depts)
    sc = make_scenario(n_per_cell=4, days=2, policy=policy)
    off = schedule(sc, dataclasses.replace(FAST, spare_inspectors=False))
    on = schedule(sc, FAST)
    # CP-SAT runs are time-limited, so the two plans may differ: compare
    # each run with what its own spare pass started from
    assert off.stats["spare_placed"] == 0
    assert on.stats["spare_placed"] <= on.stats["left_out_before_spare"]
    assert (
        len(on.unscheduled)
        >= on.stats["left_out_before_spare"] - on.stats["spare_placed"]
    )
    assert len(on.visits) + len(on.unscheduled) == len(sc.enterprises)
    assert violations(sc, on) == [] and violations(sc, off) == []


def test_pyvrp_routing_engine_gives_a_valid_plan() -> None:
    pytest.importorskip("pyvrp")
    sc = make_scenario(n_per_cell=2)
    res = schedule(sc, dataclasses.replace(FAST, routing_engine="pyvrp"))
    assert len(res.visits) > 0
    assert violations(sc, res) == []


def test_big_generated_county_is_not_cut_short_by_the_time_limit() -> None:
    """~2,000 due visits, 5 squads of 5 teams, ample capacity, a cheap
    budget: every visit is planned, none left out for want of time."""
    from benchmarks.scheduling import generated_county

    sc = generated_county(n_due=2_000, n_squads=5, teams=5, seed=3, margin=3.0)
    res = schedule(sc, ScheduleSettings(time_limit=12.0, route_time_limit=0.05))
    reasons = list(res.unscheduled["reason"])
    assert not [r for r in reasons if "time limit" in r], reasons[:3]
    assert len(res.unscheduled) <= 0.005 * len(sc.enterprises), reasons[:3]
    assert len(res.visits) + len(res.unscheduled) == len(sc.enterprises)
    assert res.stats["seconds_total"] < 12.0 * 1.5
    assert violations(sc, res) == []


def test_route_team_days_reroutes_a_day_with_the_schedule_rules(solved) -> None:
    """Re-routing every team-day of a valid schedule keeps it valid, keeps
    each visit once, numbers stops 1..n and drives no further than the
    scheduler's own routes (plus a few per cent: both are heuristics)."""
    from planning.scheduling import route_team_days

    sc, res, _ = solved
    keys = [
        (str(r.squad_id), int(r.team), str(r.day))
        for r in res.routes.itertuples(index=False)
    ]
    fields, routes = route_team_days(sc, res.visits, keys, time_limit=0.2)
    assert sorted(fields.index) == sorted(res.visits["visit_id"])
    visits = res.visits.set_index("visit_id")
    visits.update(fields)
    visits = visits.reset_index()
    for (sid, team, day), group in visits.groupby(["squad_id", "team", "day"]):
        assert sorted(group["seq"].astype(int)) == list(range(1, len(group) + 1))
        ordered = group.sort_values("seq")
        assert all(
            s >= e
            for s, e in zip(
                ordered["start"].iloc[1:], ordered["end"].iloc[:-1], strict=True
            )
        ), (sid, team, day)
    assert sorted(routes["route_id"]) == sorted(res.routes["route_id"])
    assert routes["km"].sum() <= res.routes["km"].sum() * 1.05
    rerouted = dataclasses.replace(res, visits=visits, routes=routes)
    assert violations(sc, rerouted) == []
