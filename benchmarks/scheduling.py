"""Joint-inspection scheduling benchmark: the sample county and a big one.

Run ``python -m benchmarks.scheduling [--part sample|county|all]``.

* **sample**: the deterministic sample county (``build_sample()``),
  workload, zoning (``planning.plan.run_zoning``) and ``schedule()`` at the
  default 60 s budget, once without and once with the spare-inspector pass
  (``ScheduleSettings.spare_inspectors``), so its effect on unscheduled
  visits is measured on the same zones; then the team-day routes of the
  plan are re-solved by each routing engine to compare them where the
  product uses them.
* **county**: a generated county of 20,000 due enterprises, 30 squads of 5
  teams, 6 departments, 20 workdays (the sample's outline and register
  generator, squads placed by k-means on the firms, each cell to its
  nearest squad), with inspectors per day sized from the professional
  demand with a margin; capacity vs demand is printed before the solve.

Every plan is re-checked by :func:`planning.validate.validate_plan`.
Timings are wall-clock on a shared 2-core machine (load printed).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree

from planning.model import WGS84, Department, Scenario
from planning.plan import prepare, run_zoning
from planning.routing import ENGINES, RouteStop, route_day
from planning.sample import build_sample
from planning.scheduling import ScheduleResult, ScheduleSettings, schedule
from planning.travel import TravelModel, metric_crs, metric_xy
from planning.validate import validate_plan
from planning.zoning import ZoningSettings


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load avg {one:.2f}/{five:.2f} on {os.cpu_count()} cores (shared)"


def report(name: str, scenario: Scenario, result: ScheduleResult, wall: float) -> None:
    """Headline figures, daily load spread, phases and validation."""
    stats = result.stats
    violations = validate_plan(
        result.visits,
        result.routes,
        scenario.enterprises,
        result.unscheduled,
        result.roster,
        scenario.cells,
        scenario.policy,
        scenario.horizon,
    )
    routes = result.routes
    day = (
        routes["end"].map(_minutes) - routes["start"].map(_minutes)
        if len(routes)
        else pd.Series([0])
    )
    due = int(
        scenario.enterprises["due_items"]
        .map(lambda s: isinstance(s, str) and s != "")
        .sum()
    )
    print(f"--- {name}: schedule() {wall:.1f} s wall, {_load()}")
    print(
        f"due {due}  joint visits {stats['joint_visits']}  unscheduled "
        f"{stats['unscheduled']}  dept inspections {stats['dept_inspections']}  "
        f"visits saved {stats['visits_saved']}  status {stats['status']}"
    )
    print(
        f"travel {stats['travel_km']} km / {stats['travel_hours']} h  team-days "
        f"{len(routes)}  load per team-day min/mean/max "
        f"{day.min():.0f}/{day.mean():.0f}/{day.max():.0f} min"
    )
    phases = {k.removeprefix("seconds_"): v for k, v in stats.items() if "seconds" in k}
    print(
        "seconds per phase",
        phases,
        f"(squads on greedy days: {stats.get('squads_greedy', 0)})",
    )
    print(
        f"routing dropped {stats.get('route_dropped', 0)} stops; insertion repair "
        f"placed {stats.get('repair_placed', 0)} dropped or left-out visits; "
        f"spare-inspector pass: {stats.get('left_out_before_spare', 0)} left out "
        f"before, {stats.get('spare_placed', 0)} placed"
    )
    roster = result.roster.groupby("dept_id").size()
    caps = {
        d: dep.inspectors_per_day * len(scenario.horizon.workdays())
        for d, dep in scenario.policy.departments.items()
        if dep.inspectors_per_day > 0
    }
    print(
        "inspector-days used/available",
        {d: f"{int(roster.get(d, 0))}/{c}" for d, c in caps.items()},
    )
    if len(result.unscheduled):
        kinds = Counter(r.split(":")[0][:70] for r in result.unscheduled["reason"])
        for reason, n in kinds.most_common(5):
            print(f"  unscheduled x{n}: {reason}")
    print(f"validate_plan violations: {len(violations)}")
    for v in violations[:5]:
        print("  ", v.kind, v.message)


def _minutes(text: str) -> int:
    h, m = str(text).split(":")
    return int(h) * 60 + int(m)


def sample_part(time_limit: float) -> None:
    """Sample county: spare pass off vs on, then engines on its routes."""
    t0 = time.perf_counter()
    scenario = prepare(build_sample())
    scenario, _ = run_zoning(scenario, ZoningSettings())
    print(f"sample prepared and zoned in {time.perf_counter() - t0:.1f} s")
    result = None
    for spare in (False, True):
        settings = ScheduleSettings(time_limit=time_limit, spare_inspectors=spare)
        t0 = time.perf_counter()
        result = schedule(scenario, settings)
        wall = time.perf_counter() - t0
        report(f"sample, spare_inspectors={spare}", scenario, result, wall)
    assert result is not None
    compare_engines(scenario, result)


def compare_engines(scenario: Scenario, result: ScheduleResult) -> None:
    """Re-route every team-day of the plan with each engine (same stops).

    Per engine: total travel minutes, team-days with a dropped stop (not
    robust), seconds; the engines see identical stops, windows and matrices.
    """
    policy = scenario.policy
    travel = TravelModel(policy)
    crs = metric_crs(scenario.cells)
    ent = scenario.enterprises.set_index("enterprise_id")
    cat = ent["category"]
    xy_all = pd.DataFrame(metric_xy(ent, crs), index=ent.index, columns=["x", "y"])
    cells = scenario.cells.set_index("cell_id")["land_use"]
    squads = scenario.squads.set_index("squad_id")
    sq_xy = pd.DataFrame(metric_xy(squads, crs), index=squads.index, columns=["x", "y"])
    from planning.routing import start_windows

    print(f"--- team-day routes of the sample plan re-solved per engine, {_load()}")
    print(
        f"{'engine':<8} {'limit_s':>7} {'routes':>6} {'travel_min':>10} "
        f"{'dropped':>7} {'worse':>5} {'seconds':>8}"
    )
    totals: dict[str, list[int]] = {}
    for engine in ENGINES:
        for limit in (0.2, 1.0):
            t0 = time.perf_counter()
            per_route: list[int] = []
            bad = 0
            for _, grp in result.visits.groupby(["squad_id", "day", "team"]):
                sid = grp["squad_id"].iloc[0]
                ids = list(grp["enterprise_id"])
                xy = xy_all.loc[ids].to_numpy()
                base = sq_xy.loc[sid].to_numpy()
                lu = [cells.get(c, "suburban") for c in ent.loc[ids, "cell_id"]]
                speed = np.array([travel.speed(x)[0] for x in ["suburban", *lu]])
                pts = np.vstack([base, xy])
                matrix = travel.minutes(pts, pts, speed, speed)
                stops = []
                for eid, p, svc in zip(ids, xy, grp["service_min"], strict=True):
                    c = policy.categories[cat[eid]]
                    w = tuple(start_windows(c.open, c.busy, int(svc), policy))
                    stops.append(RouteStop(eid, tuple(p), int(svc), w))
                res = route_day(
                    tuple(base), stops, matrix, policy, limit, engine=engine
                )
                bad += bool(res.dropped)
                per_route.append(res.travel_min)
            totals[f"{engine}@{limit}"] = per_route
            first = totals.get(f"{ENGINES[0]}@{limit}", per_route)
            worse = sum(a > b for a, b in zip(per_route, first, strict=True))
            print(
                f"{engine:<8} {limit:>7g} {len(per_route):>6} {sum(per_route):>10} "
                f"{bad:>7} {worse:>5} {time.perf_counter() - t0:>8.1f}"
            )
    print(
        "(worse = team-days where this engine's travel exceeds ortools' at the "
        "same limit)"
    )


def generated_county(
    n_due: int = 20_000,
    n_squads: int = 30,
    teams: int = 5,
    seed: int = 11,
    margin: float = 1.6,
) -> Scenario:
    """The sample's county and generator, scaled to ``n_due`` due firms.

    Squads sit at k-means centres of the firms (so busy towns get more
    squads); each cell goes to its nearest squad base; inspectors per day
    are set from the professional work each department faces (see
    :func:`size_inspectors`).
    """
    base = prepare(build_sample(seed=seed, n_enterprises=int(n_due * 1.75)))
    ent = base.enterprises
    due = ent[ent["due_items"].map(lambda s: isinstance(s, str) and s != "")]
    if len(due) < n_due:
        raise SystemExit(f"only {len(due)} due firms generated, need {n_due}")
    ent = due.iloc[:n_due].copy()
    crs = metric_crs(base.cells)
    xy = metric_xy(ent, crs)
    centres, _ = kmeans2(xy, n_squads, minit="++", seed=seed)
    squads = gpd.GeoDataFrame(
        {
            "squad_id": [f"SQ{i + 1:02d}" for i in range(n_squads)],
            "name": [f"第{i + 1}中队" for i in range(n_squads)],
            "area_id": [f"A{i + 1}" for i in range(n_squads)],
            "staff": [4 * teams] * n_squads,
            "teams": [teams] * n_squads,
            "synthetic": [1] * n_squads,
        },
        geometry=gpd.points_from_xy(centres[:, 0], centres[:, 1]),
        crs=crs,
    ).to_crs(WGS84)
    cell_xy = metric_xy(
        gpd.GeoDataFrame(geometry=base.cells.geometry.representative_point()), crs
    )
    _, owner = cKDTree(centres).query(cell_xy)
    cells = base.cells.copy()
    cells["squad_id"] = squads["squad_id"].to_numpy()[owner]
    out = base.copy()
    out.name = f"generated county, {n_due} due firms, {n_squads} squads"
    out.cells, out.squads, out.enterprises = cells, squads, ent
    return size_inspectors(out, margin)


def size_inspectors(scenario: Scenario, margin: float = 1.6) -> Scenario:
    """Inspectors per day = margin x team-days of work needing the department.

    A team-day is taken as 400 min of service; a department must be in the
    crew of every team-day that holds one of its visits, so its demand is
    its visits' *whole* service minutes, not only its own items'. The
    margin covers team-days whose visits need several departments.
    """
    policy = scenario.policy
    n_days = len(scenario.horizon.workdays())
    minutes: Counter[str] = Counter()
    for items in scenario.enterprises["due_items"]:
        ids = items.split(";")
        service = sum(policy.items[i].minutes for i in ids)
        for d in {
            policy.items[i].dept_id
            for i in ids
            if policy.items[i].kind == "professional"
            and policy.items[i].dept_id != "ZHZF"
        }:
            minutes[d] += service
    team_days = int(scenario.squads["teams"].sum()) * n_days
    departments = dict(policy.departments)
    print(f"capacity vs demand ({n_days} workdays, {team_days} team-days):")
    for d, dep in policy.departments.items():
        if d == "ZHZF":
            continue
        need = minutes[d] / 400.0 / n_days
        per_day = int(min(team_days // n_days, np.ceil(margin * need)))
        departments[d] = Department(d, dep.name, per_day)
        print(
            f"  {d} {dep.name}: needs ~{need:.1f} team-days/day, "
            f"{per_day} inspectors/day"
        )
    service = sum(
        sum(policy.items[i].minutes for i in items.split(";"))
        for items in scenario.enterprises["due_items"]
    )
    work = policy.day_end - policy.day_start - (policy.lunch[1] - policy.lunch[0])
    print(
        f"  service {service / 60:.0f} h vs team time {team_days * work / 60:.0f} h "
        f"({service / (team_days * work):.0%} before travel)"
    )
    out = scenario.copy()
    out.policy = dataclasses.replace(policy, departments=departments)
    return out


def county_part(time_limit: float) -> None:
    """The 20,000-firm county within a 5-minute schedule() budget."""
    t0 = time.perf_counter()
    scenario = generated_county()
    print(f"county generated in {time.perf_counter() - t0:.1f} s")
    settings = ScheduleSettings(time_limit=time_limit, route_time_limit=0.2)
    t0 = time.perf_counter()
    result = schedule(scenario, settings)
    report("generated county", scenario, result, time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["sample", "county", "all"], default="all")
    parser.add_argument("--sample-time-limit", type=float, default=60.0)
    parser.add_argument("--county-time-limit", type=float, default=240.0)
    args = parser.parse_args(argv)
    print(_load())
    if args.part in ("sample", "all"):
        sample_part(args.sample_time_limit)
    if args.part in ("county", "all"):
        county_part(args.county_time_limit)


if __name__ == "__main__":
    main()
