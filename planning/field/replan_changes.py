"""The new plan's tables and the change list of a replan.

Why a module of its own: once the model has placed the jobs and the
changed team-days are routed, turning that into the repaired plan (kept
rows, new and moved visits with their times, new routes and roster rows,
the unscheduled list) and into the per-squad change list with its reasons
and figures is bookkeeping of its own, kept apart from the driver in
:mod:`planning.field.replan`, which re-exports ``CHANGE_COLUMNS``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from planning.field.replan_model import _Job
from planning.model import WGS84, min_to_hhmm
from planning.plan import Plan

CHANGE_COLUMNS = [
    "squad_id",
    "change",
    "visit_id",
    "enterprise_id",
    "kind",
    "old_day",
    "old_team",
    "new_day",
    "new_team",
    "reason",
]


def _assemble(
    plan: Plan,
    visits: pd.DataFrame,
    frozen: pd.Series,
    jobs: dict[str, list[_Job]],
    assign: dict[str, tuple[int, int]],
    routed: dict,
    changed: set,
    unplaced: list[tuple[_Job, str, str]],
    adds: dict[tuple[str, int, int], set[str]],
    crews: dict[tuple[str, int, int], set[str]],
    roster: pd.DataFrame,
    unscheduled: pd.DataFrame,
    absent: set[tuple[str, str]],
    iso: list[str],
    bases: tuple[np.ndarray, dict[str, int]],
) -> tuple[Plan, pd.DataFrame, dict]:
    """The new plan's tables, the change list and the figures."""
    policy = plan.scenario.policy
    bll, base = bases
    keep_rows = visits[frozen].copy()
    future = visits[~frozen].set_index(visits["visit_id"][~frozen].astype(str))
    rows: list[dict] = []
    timing: dict[str, dict] = {}
    for k in changed:
        stops, res = routed.get(k, ([], None))
        if res is None:
            continue
        for pos, i in enumerate(res.order):
            timing[stops[i].key] = {
                "seq": pos + 1,
                "eta": min_to_hhmm(res.eta[pos]),
                "start": min_to_hhmm(res.start[pos]),
                "end": min_to_hhmm(res.end[pos]),
            }
    changes: list[dict] = []
    n_calm = n_kept = 0
    for sid, mine in sorted(jobs.items()):
        for j in mine:
            slot = assign.get(j.key)
            where = (sid, *slot) if slot else None
            crew = sorted(crews[where] | adds[where]) if where else []
            old = future.loc[j.key] if j.key in future.index else None
            if old is not None and slot is not None:
                row = old.to_dict()
                row.update(team=slot[0], day=iso[slot[1]], crew=";".join(crew))
                if where in changed and j.key in timing:
                    row.update(timing[j.key])
                rows.append(row)
            elif slot is not None:
                t = timing.get(j.key, {})
                depts = list(dict.fromkeys(policy.items[i].dept_id for i in j.items))
                rows.append(
                    {
                        "visit_id": j.key,
                        "enterprise_id": j.enterprise_id,
                        "squad_id": sid,
                        "team": slot[0],
                        "day": iso[slot[1]],
                        **t,
                        "service_min": j.service,
                        "items": ";".join(j.items),
                        "item_names": ";".join(policy.items[i].name for i in j.items),
                        "departments": ";".join(depts),
                        "crew": ";".join(crew),
                        "kind": j.kind,
                        "origin": j.origin,
                        "geometry": Point(j.lonlat),
                    }
                )
            calm = j.old is not None and not j.displaced and j.by is None
            if calm:
                n_calm += 1
                n_kept += slot == j.old
            old_day = iso[j.old[1]] if j.old else ""
            old_team = j.old[0] if j.old else None
            if slot is None:
                continue  # listed with the unplaced below
            if j.due is not None and slot[1] > j.due:
                reason_late = (
                    f"；晚于期限 / late: no team-day of {sid} with room and crew "
                    "by its due date"
                )
            elif j.by is not None and slot[1] > j.by:
                reason_late = (
                    f"；晚于要求 / late: no team-day of {sid} with room and crew "
                    "by the date asked"
                )
            else:
                reason_late = ""
            if j.old is None:
                change, reason = "added", j.reason + reason_late
            elif slot != j.old:
                change = "moved"
                reason = (
                    j.reason or "为新增任务腾出时间 / made room for new visits"
                ) + reason_late
            elif reason_late:  # kept its team-day, after the date asked
                change, reason = "late", j.reason + reason_late
            else:
                continue
            changes.append(
                {
                    "squad_id": sid,
                    "change": change,
                    "visit_id": j.key,
                    "enterprise_id": j.enterprise_id,
                    "kind": j.kind,
                    "old_day": old_day,
                    "old_team": old_team,
                    "new_day": iso[slot[1]],
                    "new_team": slot[0],
                    "reason": reason,
                }
            )
    new_unsched = []
    for j, sid, why in unplaced:
        changes.append(
            {
                "squad_id": sid,
                "change": "dropped",
                "visit_id": j.key if j.old is not None else "",
                "enterprise_id": j.enterprise_id,
                "kind": j.kind,
                "old_day": iso[j.old[1]] if j.old else "",
                "old_team": j.old[0] if j.old else None,
                "new_day": "",
                "new_team": None,
                "reason": f"{j.reason}; {why}" if j.reason else why,
            }
        )
        new_unsched.append(
            {
                "enterprise_id": j.enterprise_id,
                "squad_id": sid or None,
                "reason": f"{j.reason}; {why}" if j.reason else why,
                "kind": j.kind,
            }
        )
    # a team-day that kept its visits keeps its times; crews may have grown
    new_visits = pd.concat(
        [keep_rows, gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)]
        if rows
        else [keep_rows],
        ignore_index=True,
    )
    new_visits = gpd.GeoDataFrame(new_visits, geometry="geometry", crs=WGS84)
    for col in ("team", "seq", "service_min"):
        new_visits[col] = pd.to_numeric(new_visits[col]).astype(int)
    new_visits = new_visits.sort_values(["day", "squad_id", "team", "seq"])
    new_visits = new_visits.reset_index(drop=True)

    routes = plan.routes.copy()
    rk = list(
        zip(
            routes["squad_id"].astype(str),
            pd.to_numeric(routes["team"]).astype(int),
            routes["day"].astype(str),
            strict=True,
        )
    )
    drop_route = [
        (s, t, d) in {(k[0], k[1], iso[k[2]]) for k in changed} or ((s, d) in absent)
        for s, t, d in rk
    ]
    routes = routes[~np.array(drop_route, dtype=bool)] if len(routes) else routes
    route_rows = []
    for k in sorted(changed):
        stops, res = routed.get(k, ([], None))
        if res is None or not res.order:
            continue
        sid, t, di = k
        ordered = [stops[i] for i in res.order]
        b = base[sid]
        path = [tuple(bll[b]), *(s.lonlat for s in ordered), tuple(bll[b])]
        route_rows.append(
            {
                "route_id": f"{sid}-{iso[di]}-T{t}",
                "squad_id": sid,
                "team": t,
                "day": iso[di],
                "stops": len(ordered),
                "km": round(res.km, 2),
                "travel_min": res.travel_min,
                "service_min": sum(s.service for s in ordered),
                "start": min_to_hhmm(res.leave),
                "end": min_to_hhmm(res.back),
                "geometry": LineString(path),
            }
        )
    if route_rows:
        routes = gpd.GeoDataFrame(
            pd.concat(
                [routes, gpd.GeoDataFrame(route_rows, geometry="geometry", crs=WGS84)],
                ignore_index=True,
            ),
            geometry="geometry",
            crs=WGS84,
        )
    roster_rows = [
        {
            "dept_id": d,
            "day": iso[k[2]],
            "squad_id": k[0],
            "team": k[1],
            "inspectors": 1,
        }
        for k, ds in sorted(adds.items())
        for d in sorted(ds)
    ]
    if roster_rows:
        roster = pd.concat([roster, pd.DataFrame(roster_rows)], ignore_index=True)
    if new_unsched:
        unscheduled = pd.concat(
            [unscheduled, pd.DataFrame(new_unsched)], ignore_index=True
        )
    out = plan.copy()
    out.visits = new_visits
    out.routes = routes.reset_index(drop=True)
    out.roster = roster.reset_index(drop=True)
    out.unscheduled = unscheduled.reset_index(drop=True)
    out.settings = {**plan.settings, "replan_settings": {"from": iso[0]}}
    table = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    table = table.sort_values(["squad_id", "change", "new_day", "visit_id"])
    followups = [j for mine in jobs.values() for j in mine if j.due is not None]
    urgent = [j for mine in jobs.values() for j in mine if j.by is not None]
    stats = {
        "future_untouched": n_calm,
        "future_untouched_kept": n_kept,
        "kept_share": n_kept / n_calm if n_calm else 1.0,
        "moved": int((table["change"] == "moved").sum()),
        "added": int((table["change"] == "added").sum()),
        "dropped": int((table["change"] == "dropped").sum()),
        "followups": len(followups),
        "followups_on_time": sum(
            1 for j in followups if j.key in assign and assign[j.key][1] <= j.due
        ),
        "urgent": len(urgent),
        "urgent_on_time": sum(
            1 for j in urgent if j.key in assign and assign[j.key][1] <= j.by
        ),
    }
    return out, table.reset_index(drop=True), stats
