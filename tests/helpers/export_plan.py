"""A small hand-built plan shared by the export and map tests (no solver).

Two squads near 常山县; squad SQ01 has visits on two days (one day with two
teams), SQ02 has none; one enterprise is named like an XSS payload and one
address holds ``&`` and ``<``, so every writer's escaping is exercised.
SQ01 also has two hotspot patrol loops (巡查路线, Monday morning and
Wednesday evening); one patrol point's event types hold the XSS text too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiPolygon, Point, box

from planning.model import Horizon, Scenario, load_policy
from planning.plan import Plan

XSS = "<script>alert(1)</script>"
AMP_ADDRESS = "常山县天马街道A&B路<1>号"
DAY1, DAY2 = "2026-12-01", "2026-12-02"
BASES = {"SQ01": (118.505, 28.905), "SQ02": (118.535, 28.905)}
# enterprise_id, name, address, category, lon, lat
ENTERPRISES = [
    ("E1", "天马老王面馆", "常山县天马街道示例路1号", "restaurant", 118.501, 28.902),
    ("E2", XSS, "常山县天马街道示例路2号", "shop", 118.508, 28.901),
    ("E3", "紫港便民超市", AMP_ADDRESS, "shop", 118.512, 28.909),
    ("E4", "金川小微五金厂", "常山县金川街道示例路4号", "factory", 118.503, 28.912),
    ("E5", "天马如家宾馆", "常山县天马街道示例路5号", "hotel", 118.515, 28.903),
    ("E6", "球川美发工作室", "常山县球川镇示例路6号", "salon", 118.532, 28.908),
]
# loop_id, squad, weekday, window, minutes, expected events, points:
# (seq, cell_id, expected events, event types, minutes, lon, lat), listed out
# of seq order on purpose so writers must sort
PATROLS = [
    (
        "SQ01-D1-0700-0900",
        "SQ01",
        1,
        "07:00-09:00",
        62.5,
        1.85,
        [
            (2, "C2", 0.6, "暴露垃圾;店外经营", 22.0, 118.514, 28.910),
            (1, "C1", 0.9, "占道经营;暴露垃圾;店外经营", 18.5, 118.500, 28.900),
            (3, "C1", 0.35, f"占道经营;{XSS}", 22.0, 118.495, 28.915),
        ],
    ),
    (
        "SQ01-D3-1700-2000",
        "SQ01",
        3,
        "17:00-20:00",
        48.0,
        1.2,
        [
            (1, "C2", 0.7, "店外经营", 20.0, 118.516, 28.905),
            (2, "C1", 0.5, "占道经营", 28.0, 118.503, 28.897),
        ],
    ),
]
# enterprise_id, squad, team, day, seq, eta, start, end
VISITS = [
    ("E1", "SQ01", 1, DAY1, 1, "09:05", "09:05", "09:40"),
    ("E2", "SQ01", 1, DAY1, 2, "09:52", "09:52", "10:20"),
    ("E3", "SQ01", 1, DAY1, 3, "10:31", "10:31", "11:00"),
    ("E4", "SQ01", 1, DAY2, 1, "08:50", "08:50", "10:00"),
    ("E5", "SQ01", 2, DAY2, 1, "08:45", "08:45", "09:40"),
]


def patrol_tables() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The ``patrols`` and ``patrol_points`` layers of :data:`PATROLS`."""
    loops, points = [], []
    for lid, sid, day, window, minutes, events, pts in PATROLS:
        base = BASES[sid]
        ordered = sorted(pts)
        loops.append(
            {
                "loop_id": lid,
                "squad_id": sid,
                "day": day,
                "window": window,
                "minutes": minutes,
                "expected_events": events,
                "points": len(pts),
                "geometry": LineString([base, *[(p[5], p[6]) for p in ordered], base]),
            }
        )
        for seq, cell, ev, types, mins, lon, lat in pts:
            points.append(
                {
                    "loop_id": lid,
                    "seq": seq,
                    "cell_id": cell,
                    "expected_events": ev,
                    "event_types": types,
                    "minutes": mins,
                    "geometry": Point(lon, lat),
                }
            )
    crs = "EPSG:4326"
    return (
        gpd.GeoDataFrame(loops, geometry="geometry", crs=crs),
        gpd.GeoDataFrame(points, geometry="geometry", crs=crs),
    )


def make_plan(synthetic: bool = True, patrols: bool = True) -> Plan:
    """The shared test plan (fresh copy each call); ``patrols=False`` leaves
    out the patrol loops, as a plan made before issue 9."""
    policy = load_policy()
    crs = "EPSG:4326"
    cells = gpd.GeoDataFrame(
        {
            "cell_id": ["C1", "C2", "C3", "C4"],
            "town_id": ["T1"] * 4,
            "area_id": ["A1"] * 4,
            "land_use": ["urban", "urban", "suburban", "rural"],
            "workload": [900.0, 700.0, 800.0, 600.0],
            "squad_id": ["SQ01", "SQ01", "SQ02", "SQ02"],
            "synthetic": [1] * 4,
        },
        geometry=[
            box(118.49, 28.89, 118.51, 28.92),
            box(118.51, 28.89, 118.52, 28.92),
            box(118.52, 28.89, 118.54, 28.92),
            box(118.54, 28.89, 118.55, 28.92),
        ],
        crs=crs,
    )
    towns = gpd.GeoDataFrame(
        {"town_id": ["T1"], "name": ["天马街道"], "area_id": ["A1"]},
        geometry=[box(118.49, 28.89, 118.55, 28.92)],
        crs=crs,
    )
    squads = gpd.GeoDataFrame(
        {
            "squad_id": ["SQ01", "SQ02"],
            "name": ["天马中队", "球川中队"],
            "area_id": ["A1", "A1"],
            "staff": [10, 8],
            "teams": [2, 2],
            "synthetic": [1, 1],
        },
        geometry=[Point(*BASES["SQ01"]), Point(*BASES["SQ02"])],
        crs=crs,
    )
    items = {
        c: ";".join(policy.categories[c].items)
        for c in ("restaurant", "shop", "factory", "hotel", "salon")
    }
    enterprises = gpd.GeoDataFrame(
        {
            "enterprise_id": [e[0] for e in ENTERPRISES],
            "name": [e[1] for e in ENTERPRISES],
            "address": [e[2] for e in ENTERPRISES],
            "contact": [f"1380570000{i}" for i in range(len(ENTERPRISES))],
            "category": [e[3] for e in ENTERPRISES],
            "risk": ["red", "yellow", "green", "yellow", "green", "red"],
            "credit": ["B"] * len(ENTERPRISES),
            "last_inspected": ["{}"] * len(ENTERPRISES),
            "cell_id": ["C1", "C1", "C2", "C1", "C2", "C3"],
            "due_items": [items[e[3]] for e in ENTERPRISES],
            "due_date": [DAY1] * len(ENTERPRISES),
            "synthetic": [1] * len(ENTERPRISES),
        },
        geometry=[Point(e[4], e[5]) for e in ENTERPRISES],
        crs=crs,
    )
    t0 = datetime(2026, 11, 2, 9, 0)
    types = ["占道经营", "暴露垃圾", "店外经营"]
    hotspots = gpd.GeoDataFrame(
        {
            "event_id": [f"H{i}" for i in range(30)],
            "event_type": [types[i % 3] for i in range(30)],
            "source": ["camera"] * 30,
            "time": [(t0 + timedelta(days=i)).isoformat() for i in range(30)],
            "weight": [1.0] * 30,
            "cell_id": ["C1"] * 30,
            "synthetic": [1] * 30,
        },
        geometry=[Point(118.50 + i * 0.001, 28.90) for i in range(30)],
        crs=crs,
    )
    scenario = Scenario(
        name="测试县 test county",
        cells=cells,
        towns=towns,
        squads=squads,
        enterprises=enterprises,
        hotspots=hotspots,
        policy=policy,
        horizon=Horizon(date(2026, 12, 1), 5),
        synthetic=synthetic,
    )
    zones = gpd.GeoDataFrame(
        {
            "squad_id": ["SQ01", "SQ02"],
            "name": ["天马中队", "球川中队"],
            "n_cells": [2, 2],
            "workload": [1600.0, 1400.0],
            "target": [1500.0, 1500.0],
            "deviation_pct": [6.7, -6.7],
            "contiguous": [1, 1],
            "max_reach_min": [8.0, 9.0],
        },
        geometry=[
            MultiPolygon([box(118.49, 28.89, 118.52, 28.92)]),
            MultiPolygon([box(118.52, 28.89, 118.55, 28.92)]),
        ],
        crs=crs,
    )
    ent = enterprises.set_index("enterprise_id")
    visit_rows = []
    for n, (eid, sid, team, day, seq, eta, start, end) in enumerate(VISITS):
        cat = ent.at[eid, "category"]
        ids = list(policy.categories[cat].items)
        depts = list(dict.fromkeys(policy.items[i].dept_id for i in ids))
        crew = sorted(
            {
                policy.items[i].dept_id
                for v in VISITS
                if (v[1], v[2], v[3]) == (sid, team, day)
                for i in policy.categories[ent.at[v[0], "category"]].items
                if policy.items[i].kind == "professional"
            }
        )
        visit_rows.append(
            {
                "visit_id": f"V{n + 1:06d}",
                "enterprise_id": eid,
                "squad_id": sid,
                "team": team,
                "day": day,
                "seq": seq,
                "eta": eta,
                "start": start,
                "end": end,
                "service_min": sum(policy.items[i].minutes for i in ids),
                "items": ";".join(ids),
                "item_names": ";".join(policy.items[i].name for i in ids),
                "departments": ";".join(depts),
                "crew": ";".join(crew),
                "geometry": ent.at[eid, "geometry"],
            }
        )
    visits = gpd.GeoDataFrame(visit_rows, geometry="geometry", crs=crs)
    route_rows, roster_rows = [], []
    keys = sorted({(v[1], v[3], v[2]) for v in VISITS})
    for sid, day, team in keys:
        stops = visits[
            (visits.squad_id == sid) & (visits.day == day) & (visits.team == team)
        ].sort_values("seq")
        base = BASES[sid]
        path = [base, *[(p.x, p.y) for p in stops.geometry], base]
        route_rows.append(
            {
                "route_id": f"{sid}-{day}-T{team}",
                "squad_id": sid,
                "team": team,
                "day": day,
                "stops": len(stops),
                "km": 3.5 * len(stops),
                "travel_min": 10 * len(stops),
                "service_min": int(stops.service_min.sum()),
                "start": "08:30",
                "end": "11:30",
                "geometry": LineString(path),
            }
        )
        for d in stops.iloc[0]["crew"].split(";"):
            if d:
                roster_rows.append(
                    {
                        "dept_id": d,
                        "day": day,
                        "squad_id": sid,
                        "team": team,
                        "inspectors": 1,
                    }
                )
    routes = gpd.GeoDataFrame(route_rows, geometry="geometry", crs=crs)
    roster = pd.DataFrame(roster_rows)
    unscheduled = pd.DataFrame(
        {
            "enterprise_id": ["E6"],
            "squad_id": ["SQ02"],
            "reason": [
                "no 卫生健康 inspector is available on any day before 2026-12-05"
            ],
        }
    )
    loops, points = patrol_tables() if patrols else (None, None)
    return Plan(
        scenario=scenario,
        zones=zones,
        visits=visits,
        routes=routes,
        unscheduled=unscheduled,
        roster=roster,
        patrols=loops,
        patrol_points=points,
    )


def add_many_stops(plan: Plan, n: int = 40) -> Plan:
    """Give SQ02 one team-day with ``n`` stops, so tables must flow on."""
    policy = plan.scenario.policy
    ids = list(policy.categories["restaurant"].items)
    rows, ents = [], []
    base = BASES["SQ02"]
    for k in range(n):
        eid = f"M{k:03d}"
        pt = Point(118.525 + (k % 8) * 0.003, 28.895 + (k // 8) * 0.004)
        ents.append(
            {
                "enterprise_id": eid,
                "name": f"长表测试餐馆{k:03d}",
                "address": f"常山县球川镇长街{k}号",
                "contact": "13800000000",
                "category": "restaurant",
                "risk": "green",
                "credit": "A",
                "last_inspected": "{}",
                "cell_id": "C3",
                "due_items": ";".join(ids),
                "due_date": DAY1,
                "synthetic": 1,
                "geometry": pt,
            }
        )
        minute = 8 * 60 + 40 + 12 * k
        rows.append(
            {
                "visit_id": f"VM{k:05d}",
                "enterprise_id": eid,
                "squad_id": "SQ02",
                "team": 1,
                "day": DAY1,
                "seq": k + 1,
                "eta": f"{minute // 60:02d}:{minute % 60:02d}",
                "start": f"{minute // 60:02d}:{minute % 60:02d}",
                "end": f"{(minute + 10) // 60:02d}:{(minute + 10) % 60:02d}",
                "service_min": 10,
                "items": ";".join(ids),
                "item_names": ";".join(policy.items[i].name for i in ids),
                "departments": "SCJG;STHJ;XF;YJGL;ZHZF",
                "crew": "SCJG;YJGL",
                "geometry": pt,
            }
        )
    sc = plan.scenario
    sc.enterprises = gpd.GeoDataFrame(
        pd.concat([sc.enterprises, gpd.GeoDataFrame(ents, crs=sc.enterprises.crs)]),
        crs=sc.enterprises.crs,
    ).reset_index(drop=True)
    plan.visits = gpd.GeoDataFrame(
        pd.concat([plan.visits, gpd.GeoDataFrame(rows, crs=plan.visits.crs)]),
        crs=plan.visits.crs,
    ).reset_index(drop=True)
    line = LineString([base, *[(r["geometry"].x, r["geometry"].y) for r in rows], base])
    route = {
        "route_id": f"SQ02-{DAY1}-T1",
        "squad_id": "SQ02",
        "team": 1,
        "day": DAY1,
        "stops": n,
        "km": 30.0,
        "travel_min": 120,
        "service_min": 10 * n,
        "start": "08:30",
        "end": "17:20",
        "geometry": line,
    }
    plan.routes = gpd.GeoDataFrame(
        pd.concat([plan.routes, gpd.GeoDataFrame([route], crs=plan.routes.crs)]),
        crs=plan.routes.crs,
    ).reset_index(drop=True)
    return plan
