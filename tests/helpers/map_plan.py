"""A 3 x 2-cell plan near 118.5E 28.9N for the map tests (no solver needed)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

from planning.model import Horizon, Scenario, load_policy
from planning.plan import Plan

XSS = "<script>alert(1)</script>"
WGS84 = "EPSG:4326"
SIZE = 0.01  # degrees, about 1 km


def map_plan() -> Plan:
    """3 x 2 cells near 118.5E 28.9N, two squads, five firms, one route."""
    cells = []
    for i in range(3):
        for j in range(2):
            x, y = 118.5 + i * SIZE, 28.9 + j * SIZE
            cells.append(
                {
                    "cell_id": f"C{i}{j}",
                    "town_id": "T1",
                    "area_id": "A1",
                    "land_use": "urban" if i < 2 else "rural",
                    "workload": 100.0 + 50 * i + 10 * j,
                    "squad_id": "SQ01" if i < 2 else "SQ02",
                    "locked": 0,
                    "synthetic": 1,
                    "geometry": box(x, y, x + SIZE, y + SIZE),
                }
            )
    cells = gpd.GeoDataFrame(cells, crs=WGS84)
    zones = cells.dissolve("squad_id", aggfunc={"workload": "sum"}).reset_index()
    zones["name"] = zones["squad_id"].map({"SQ01": "天马中队", "SQ02": "球川中队"})
    zones["n_cells"] = [4, 2]
    towns = gpd.GeoDataFrame(
        {"town_id": ["T1"], "name": ["天马街道"], "area_id": ["A1"]},
        geometry=[cells.union_all()],
        crs=WGS84,
    )
    squads = gpd.GeoDataFrame(
        {
            "squad_id": ["SQ01", "SQ02"],
            "name": ["天马中队", "球川中队"],
            "area_id": ["A1", "A1"],
            "staff": [12, 8],
            "teams": [2, 1],
            "synthetic": [1, 1],
        },
        geometry=[Point(118.505, 28.905), Point(118.525, 28.915)],
        crs=WGS84,
    )
    names = ["老王饭店", "便民超市", XSS, "清风宾馆", "球川建材厂"]
    risks = ["red", "yellow", "green", "yellow", "red"]
    cats = ["restaurant", "shop", "restaurant", "hotel", "factory"]
    pts = [
        Point(118.503, 28.903),
        Point(118.512, 28.904),
        Point(118.515, 28.915),
        Point(118.506, 28.913),
        Point(118.525, 28.905),
    ]
    cell_of = ["C00", "C10", "C11", "C01", "C20"]
    enterprises = gpd.GeoDataFrame(
        {
            "enterprise_id": [f"E{k}" for k in range(5)],
            "name": names,
            "address": [f"天马街道{k}号 <b>" for k in range(5)],
            "contact": [""] * 5,
            "category": cats,
            "risk": risks,
            "credit": ["B", "A", "C", "B", "D"],
            "last_inspected": ["{}"] * 5,
            "cell_id": cell_of,
            "due_items": ["SCJG-01;XF-01"] * 5,
            "due_date": ["2026-06-05"] * 5,
            "synthetic": [1] * 5,
        },
        geometry=pts,
        crs=WGS84,
    )
    hotspots = gpd.GeoDataFrame(
        {
            "event_id": [f"H{k}" for k in range(6)],
            "event_type": ["占道经营"] * 3 + ["暴露垃圾"] * 3,
            "source": ["camera"] * 6,
            "time": ["2026-05-20T08:00:00"] * 6,
            "weight": [1.0, 1.0, 1.0, 0.9, 0.9, 0.9],
            "cell_id": ["C00", "C00", "C10", "C11", "C20", "C21"],
            "synthetic": [1] * 6,
        },
        geometry=[
            Point(118.502, 28.902),
            Point(118.503, 28.902),
            Point(118.514, 28.903),
            Point(118.516, 28.916),
            Point(118.524, 28.904),
            Point(118.526, 28.914),
        ],
        crs=WGS84,
    )
    scenario = Scenario(
        name="测试县",
        cells=cells,
        towns=towns,
        squads=squads,
        enterprises=enterprises,
        hotspots=hotspots,
        policy=load_policy(),
        horizon=Horizon(start=date(2026, 6, 1), days=5),
        synthetic=True,
    )
    # SQ01 team 1 visits E0, E2 (the XSS firm), E1 on 2026-06-01
    order = [("E0", 0), ("E2", 2), ("E1", 1)]
    visits = gpd.GeoDataFrame(
        {
            "visit_id": ["V1", "V2", "V3"],
            "enterprise_id": [e for e, _ in order],
            "squad_id": ["SQ01"] * 3,
            "team": [1] * 3,
            "day": ["2026-06-01"] * 3,
            "seq": [1, 2, 3],
            "eta": ["09:10", "09:50", "10:40"],
            "start": ["09:10", "09:50", "10:40"],
            "end": ["09:30", "10:20", "11:00"],
            "service_min": [20, 30, 20],
            "items": ["SCJG-01;XF-01"] * 3,
            "item_names": ["食品经营许可与公示;消防通道与器材"] * 3,
            "departments": ["SCJG;XF"] * 3,
            "crew": ["SCJG"] * 3,
        },
        geometry=[pts[k] for _, k in order],
        crs=WGS84,
    )
    base = (118.505, 28.905)
    line = LineString([base] + [(pts[k].x, pts[k].y) for _, k in order] + [base])
    routes = gpd.GeoDataFrame(
        {
            "route_id": ["R1"],
            "squad_id": ["SQ01"],
            "team": [1],
            "day": ["2026-06-01"],
            "stops": [3],
            "km": [5.2],
            "travel_min": [14],
            "service_min": [70],
            "start": ["08:50"],
            "end": ["11:20"],
        },
        geometry=[line],
        crs=WGS84,
    )
    unscheduled = pd.DataFrame(
        {
            "enterprise_id": ["E4"],
            "squad_id": ["SQ02"],
            "reason": ["no 市场监管 inspector is available"],
        }
    )
    roster = pd.DataFrame(columns=["dept_id", "day", "squad_id", "team", "inspectors"])
    return Plan(scenario, zones, visits, routes, unscheduled, roster)
