"""Plan -> JSON-ready page records: the data half of :mod:`maps.render`.

Why a module of its own: turning a plan's tables into plain records
(zones, cells, visits, routes, patrols, reach areas, standby points; each
coordinate rounded and, for a 高德 basemap, shifted for display) is done
once per plan and sliced per squad, and it is independent of the page
template and basemaps that :mod:`maps.render` assembles around it. The
palettes live here because the records carry their colours; they stay
importable from :mod:`maps.render`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

if TYPE_CHECKING:
    from planning.plan import Plan


# Qualitative palette for zones; neighbours get different colours (greedy).
SQUAD_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
    "#9ecae1",
    "#fdae6b",
)
# One colour per day of the horizon (cycled).
DAY_PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#9a6324",
    "#000075",
    "#808000",
)
# One colour per patrol window (巡查时段) in time order (cycled).
WINDOW_PALETTE = (
    "#0072b2",
    "#d55e00",
    "#7b3294",
    "#009e73",
    "#cc79a7",
    "#e69f00",
)
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

_DIGITS = 6


# --------------------------------------------------------------------------- #
# small converters
# --------------------------------------------------------------------------- #


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _s(value: Any) -> str:
    """Text of a cell, '' for missing values."""
    return "" if _missing(value) else str(value)


def _f(value: Any, digits: int = 1) -> float | None:
    if _missing(value):
        return None
    try:
        out = round(float(value), digits)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _feature(geometry: dict, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON feature, as the page's Leaflet layers read them."""
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _i(value: Any) -> int | None:
    f = _f(value, 0)
    return None if f is None else int(f)


def _typed(row: Any, fields: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The named attributes of an ``itertuples`` row, each made JSON-ready by
    its converter (a missing column reads as a missing value)."""
    return {name: convert(getattr(row, name, None)) for name, convert in fields.items()}


_VISIT_FIELDS = {
    "squad_id": _s,
    "team": _i,
    "seq": _i,
    "eta": _s,
    "start": _s,
    "end": _s,
    "service_min": _i,
}
_ROUTE_FIELDS = {
    "team": _i,
    "day": _s,
    "stops": _i,
    "km": _f,
    "travel_min": _i,
    "service_min": _i,
    "start": _s,
    "end": _s,
}


def _split(value: Any) -> list[str]:
    return [p.strip() for p in _s(value).split(";") if p.strip()]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """Column or a column of missing values, so optional columns stay optional."""
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


Shift = Callable[[np.ndarray], np.ndarray] | None
"""Display transform of (n, 2) lon/lat coordinate arrays; None draws as is."""


def _shown(geoms: gpd.GeoSeries, shift: Shift) -> np.ndarray:
    """Geometries as drawn: shifted for display, the plan's own left alone."""
    arr = np.asarray(geoms.values, dtype=object)
    return arr if shift is None else shapely.transform(arr, shift)


def _round_geoms(
    geoms: gpd.GeoSeries, simplify: float = 0.0, shift: Shift = None
) -> list[Any]:
    arr = np.asarray(geoms.values, dtype=object)
    if simplify > 0:
        arr = shapely.simplify(arr, simplify, preserve_topology=True)
    if shift is not None:
        arr = shapely.transform(arr, shift)
    arr = shapely.transform(arr, lambda c: np.round(c, _DIGITS))
    return [None if g is None or g.is_empty else mapping(g) for g in arr]


def _shaped_rows(
    table: gpd.GeoDataFrame, simplify: float, shift: Shift
) -> Iterator[tuple[Any, dict]]:
    """Rows of ``table`` with their rounded GeoJSON geometry, skipping rows
    whose shape is missing or empty."""
    shapes = _round_geoms(table.geometry, simplify, shift)
    for row, g in zip(table.itertuples(), shapes, strict=True):
        if g is not None:
            yield row, g


def _wgs84(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if gdf is None or len(gdf) == 0 or "geometry" not in gdf:
        return gdf
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, 4490):
        return gdf.to_crs(4326)
    return gdf


def _latlon(geom: Any) -> tuple[float, float] | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type != "Point":
        geom = geom.representative_point()
    return round(geom.y, _DIGITS), round(geom.x, _DIGITS)


def _bounds(
    gdf: gpd.GeoDataFrame | None, shift: Shift = None
) -> list[list[float]] | None:
    if gdf is None or len(gdf) == 0:
        return None
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return None
    if shift is not None:  # the shift is ~constant over a county: move corners
        b = shift(np.array([[b[0], b[1]], [b[2], b[3]]])).ravel()
    return [
        [round(b[1], _DIGITS), round(b[0], _DIGITS)],
        [round(b[3], _DIGITS), round(b[2], _DIGITS)],
    ]


# --------------------------------------------------------------------------- #
# plan -> plain data, prepared once per plan
# --------------------------------------------------------------------------- #


def _squad_colors(squad_ids: list[str], zones: gpd.GeoDataFrame | None) -> dict:
    """Greedy colouring: touching zones differ, colours are spread evenly."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    if zones is not None and len(zones) and "squad_id" in zones:
        z = zones[zones.geometry.notna()].reset_index(drop=True)
        left, right = z.sindex.query(z.geometry, predicate="intersects")
        for a, b in zip(left, right, strict=True):
            if a != b:
                neighbours[str(z.at[a, "squad_id"])].add(str(z.at[b, "squad_id"]))
    colors: dict[str, str] = {}
    used = dict.fromkeys(range(len(SQUAD_PALETTE)), 0)
    for sid in squad_ids:
        taken = {colors[n] for n in neighbours[sid] if n in colors}
        free = [i for i in used if SQUAD_PALETTE[i] not in taken] or list(used)
        pick = min(free, key=lambda i: (used[i], i))
        used[pick] += 1
        colors[sid] = SQUAD_PALETTE[pick]
    return colors


def squad_colors(plan: Plan) -> dict[str, str]:
    """Each squad's colour as the maps draw it (touching zones differ), so the
    chief's summary and the work orders use the same colours as the map."""
    squads = _wgs84(plan.scenario.squads)
    zones = _wgs84(plan.zones)
    squad_ids = [str(s) for s in squads["squad_id"]]
    if zones is not None and len(zones) and "squad_id" in zones:
        squad_ids += [str(s) for s in zones["squad_id"] if str(s) not in squad_ids]
    return _squad_colors(squad_ids, zones)


@dataclass
class _Prepared:
    """Plan tables turned into JSON-ready records, grouped by squad."""

    name: str
    synthetic: bool
    squads: list[dict] = field(default_factory=list)
    colors: dict[str, str] = field(default_factory=dict)
    cells: dict[str | None, list[dict]] = field(default_factory=dict)
    cell_bounds: dict[str, list[list[float]]] = field(default_factory=dict)
    county_bounds: list[list[float]] | None = None
    max_workload: float = 0.0
    zones: list[dict] = field(default_factory=list)
    towns: list[dict] = field(default_factory=list)
    enterprises: list[dict] = field(default_factory=list)
    days: list[dict] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)
    stops: list[dict] = field(default_factory=list)
    hotspots: list[tuple[str | None, list[float]]] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)
    patrols: list[dict] = field(default_factory=list)
    reach: list[dict] = field(default_factory=list)
    standby: list[dict] = field(default_factory=list)


def _prepare(plan: Plan, shift: Shift = None) -> _Prepared:
    """Plan -> page records; ``shift`` moves every drawn coordinate (display
    only: squads, spatial look-ups and bounds are worked out unshifted)."""
    sc = plan.scenario
    cells = _wgs84(sc.cells)
    squads = _wgs84(sc.squads)
    zones = _wgs84(plan.zones)
    if (zones is None or len(zones) == 0) and "squad_id" in cells:
        zoned = cells[cells["squad_id"].notna()]
        if len(zoned):
            zones = zoned[["squad_id", "geometry"]].dissolve("squad_id").reset_index()
    prep = _Prepared(name=sc.name, synthetic=bool(sc.synthetic))

    squad_ids = [str(s) for s in squads["squad_id"]]
    if zones is not None and len(zones):
        squad_ids += [str(s) for s in zones["squad_id"] if str(s) not in squad_ids]
    prep.colors = _squad_colors(squad_ids, zones)
    names = {str(r.squad_id): _s(r.name) for r in squads.itertuples()}
    if zones is not None and "name" in zones:
        for sid, nm in zip(zones["squad_id"], zones["name"], strict=True):
            names.setdefault(str(sid), _s(nm))
    for row, ll in zip(
        squads.itertuples(), _shown(squads.geometry, shift), strict=True
    ):
        pos = _latlon(ll)
        if pos is None:
            continue
        prep.squads.append(
            {
                "id": str(row.squad_id),
                "name": _s(row.name),
                "color": prep.colors[str(row.squad_id)],
                "lat": pos[0],
                "lon": pos[1],
                "staff": _i(getattr(row, "staff", None)),
                "teams": _i(getattr(row, "teams", None)),
            }
        )

    # cells, grouped by squad
    cell_squad = _col(cells, "squad_id").map(lambda v: None if _missing(v) else str(v))
    workload = pd.to_numeric(_col(cells, "workload"), errors="coerce")
    # shade against the 95th percentile so a few heavy cells do not wash out
    # the rest of the county
    prep.max_workload = (
        float(workload.quantile(0.95)) if workload.notna().any() else 0.0
    )
    geoms = _round_geoms(cells.geometry, shift=shift)
    locked = pd.to_numeric(_col(cells, "locked"), errors="coerce").fillna(0) > 0
    for cid, sid, town, lu, w, lk, g in zip(
        cells["cell_id"],
        cell_squad,
        _col(cells, "town_id"),
        _col(cells, "land_use"),
        workload,
        locked,
        geoms,
        strict=True,
    ):
        if g is None:
            continue
        feature = _feature(
            g,
            {
                "cell_id": str(cid),
                "squad_id": sid,
                "town_id": _s(town),
                "land_use": _s(lu),
                "workload": _f(w),
                "locked": bool(lk),
            },
        )
        prep.cells.setdefault(sid, []).append(feature)
    for sid, part in cells.groupby(cell_squad, dropna=True):
        b = _bounds(part, shift)
        if b is not None:
            prep.cell_bounds[str(sid)] = b
    outline = _wgs84(sc.outline)
    prep.county_bounds = _bounds(outline, shift) or _bounds(cells, shift)

    if zones is not None and len(zones):
        for row, g in _shaped_rows(zones, 1e-6, shift):
            sid = str(row.squad_id)
            name = _s(getattr(row, "name", None)) or names.get(sid, sid)
            prep.zones.append(
                _feature(
                    g,
                    {
                        "squad_id": sid,
                        "name": name,
                        "n_cells": _i(getattr(row, "n_cells", None)),
                        "workload": _f(getattr(row, "workload", None), 0),
                        "deviation_pct": _f(getattr(row, "deviation_pct", None)),
                        "max_reach_min": _f(getattr(row, "max_reach_min", None)),
                    },
                )
            )
    towns = _wgs84(sc.towns)
    if towns is not None and len(towns):
        for tid, nm, g in zip(
            towns["town_id"],
            _col(towns, "name"),
            _round_geoms(towns.geometry, 5e-5, shift),
            strict=True,
        ):
            if g is not None:
                prep.towns.append(_feature(g, {"town_id": str(tid), "name": _s(nm)}))

    _prepare_visits(plan, prep, cells, cell_squad, names, shift)
    _prepare_hotspots(plan, prep, cells, cell_squad, shift)
    _prepare_patrols(plan, prep, names, shift)
    _prepare_roads(plan, prep, names, shift)
    return prep


def _prepare_roads(
    plan: Plan, prep: _Prepared, names: dict[str, str], shift: Shift = None
) -> None:
    """Reach areas by road (5/15/30 minutes per base) and standby points."""
    reach = _wgs84(plan.reach)
    if reach is not None and len(reach) and "squad_id" in reach:
        for row, g in _shaped_rows(reach, 2e-4, shift):
            sid = _s(row.squad_id)
            prep.reach.append(
                _feature(
                    g,
                    {
                        "squad_id": sid,
                        "name": names.get(sid, sid),
                        "minutes": _f(row.minutes, 0),
                        "color": prep.colors.get(sid, "#555555"),
                    },
                )
            )
    standby = _wgs84(plan.standby)
    if standby is None or len(standby) == 0 or "squad_id" not in standby:
        return
    table = plan.standby_table
    gained = (
        dict(zip(table["squad_id"].astype(str), table["gained"], strict=True))
        if table is not None and "gained" in table
        else {}
    )
    shown = _shown(standby.geometry, shift)
    for row, g in zip(standby.itertuples(), shown, strict=True):
        pos = _latlon(g)
        if pos is None:
            continue
        sid = _s(row.squad_id)
        prep.standby.append(
            {
                "squad_id": sid,
                "name": names.get(sid, sid),
                "rank": _i(getattr(row, "rank", None)),
                "gained": _f(gained.get(sid), 1),
                "color": prep.colors.get(sid, "#555555"),
                "lat": pos[0],
                "lon": pos[1],
            }
        )


def _squad_of_points(
    points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, cell_squad: pd.Series
) -> pd.Series:
    """Squad of each point: through its cell_id, else by locating it in a cell."""
    by_cell = dict(zip(cells["cell_id"].astype(str), cell_squad, strict=True))
    out = _col(points, "cell_id").map(
        lambda c: None if _missing(c) else by_cell.get(str(c))
    )
    lost = out.isna() & points.geometry.notna()
    if lost.any() and len(cells):
        tree_idx = cells.sindex.query(points.geometry[lost], predicate="within")
        lost_index = points.index[lost]
        for p, c in zip(*tree_idx, strict=True):
            out.at[lost_index[p]] = cell_squad.iloc[c]
    return out.astype(object).where(out.notna(), None)


def _prepare_visits(
    plan: Plan,
    prep: _Prepared,
    cells: gpd.GeoDataFrame,
    cell_squad: pd.Series,
    names: dict[str, str],
    shift: Shift = None,
) -> None:
    sc = plan.scenario
    ents = _wgs84(sc.enterprises)
    visits = _wgs84(plan.visits)
    routes = _wgs84(plan.routes)
    dept_names = {k: d.name for k, d in sc.policy.departments.items()}
    cat_names = {k: c.name for k, c in sc.policy.categories.items()}
    item_names = {k: i.name for k, i in sc.policy.items.items()}

    days = set()
    for df in (visits, routes):
        if df is not None and len(df) and "day" in df:
            days.update(_s(d) for d in df["day"] if _s(d))
    workdays = [d.isoformat() for d in sc.horizon.workdays()]
    order = {d: i for i, d in enumerate(workdays)}
    ordered = sorted(days, key=lambda d: (order.get(d, len(order)), d))
    day_info = {}
    for k, d in enumerate(ordered):
        no = order[d] + 1 if d in order else k + 1
        day_info[d] = {
            "day": d,
            "no": no,
            "color": DAY_PALETTE[(no - 1) % len(DAY_PALETTE)],
        }
    prep.days = [day_info[d] for d in ordered]

    ent_pos: dict[str, tuple[float, float]] = {}
    ent_name: dict[str, str] = {}
    visits_of: dict[str, list[dict]] = defaultdict(list)
    if visits is not None and len(visits):
        for row, g in zip(
            visits.itertuples(), _shown(visits.geometry, shift), strict=True
        ):
            eid = _s(getattr(row, "enterprise_id", None))
            day = _s(getattr(row, "day", None))
            visits_of[eid].append(
                {
                    "day": day,
                    "day_no": day_info.get(day, {}).get("no"),
                    **_typed(row, _VISIT_FIELDS),
                    "items": _split(getattr(row, "item_names", None))
                    or _split(getattr(row, "items", None)),
                    "departments": [
                        dept_names.get(d, d)
                        for d in _split(getattr(row, "departments", None))
                    ],
                    "crew": [
                        dept_names.get(d, d) for d in _split(getattr(row, "crew", None))
                    ],
                    "_pos": _latlon(g),
                }
            )
    reasons: dict[str, str] = {}
    uns = plan.unscheduled
    if uns is not None and len(uns) and "enterprise_id" in uns:
        for eid, why in zip(uns["enterprise_id"], _col(uns, "reason"), strict=True):
            reasons[_s(eid)] = _s(why)

    ent_squad = _squad_of_points(ents, cells, cell_squad)
    for row, g, sid in zip(
        ents.itertuples(), _shown(ents.geometry, shift), ent_squad, strict=True
    ):
        pos = _latlon(g)
        if pos is None:
            continue
        eid = _s(row.enterprise_id)
        ent_pos[eid] = pos
        ent_name[eid] = _s(row.name)
        vs = visits_of.get(eid, [])
        squad = sid or next((v["squad_id"] for v in vs if v["squad_id"]), None)
        prep.enterprises.append(
            {
                "id": eid,
                "name": _s(row.name),
                "address": _s(getattr(row, "address", None)),
                "category": cat_names.get(_s(row.category), _s(row.category)),
                "risk": _s(row.risk),
                "credit": _s(getattr(row, "credit", None)),
                "squad_id": squad,
                "squad_name": names.get(squad or "", ""),
                "lat": pos[0],
                "lon": pos[1],
                "due_date": _s(getattr(row, "due_date", None)),
                "visits": [{k: v for k, v in x.items() if k != "_pos"} for x in vs],
                "due": []
                if vs
                else [
                    item_names.get(i, i)
                    for i in _split(getattr(row, "due_items", None))
                ],
                "unscheduled": reasons.get(eid),
            }
        )

    for eid, vs in visits_of.items():
        for v in vs:
            pos = v["_pos"] or ent_pos.get(eid)
            if pos is None or not v["day"]:
                continue
            prep.stops.append(
                {
                    "enterprise_id": eid,
                    "name": ent_name.get(eid, eid),
                    "squad_id": v["squad_id"],
                    "team": v["team"],
                    "day": v["day"],
                    "seq": v["seq"],
                    "eta": v["eta"],
                    "lat": pos[0],
                    "lon": pos[1],
                }
            )

    if routes is not None and len(routes):
        rounded = _round_geoms(routes.geometry, shift=shift)
        for row, g in zip(routes.itertuples(), rounded, strict=True):
            if g is None:
                continue
            if g["type"] == "LineString":
                path = [[c[1], c[0]] for c in g["coordinates"]]
            elif g["type"] == "MultiLineString":
                path = [[[c[1], c[0]] for c in part] for part in g["coordinates"]]
            else:
                continue
            sid = _s(getattr(row, "squad_id", None))
            prep.routes.append(
                {
                    "route_id": _s(getattr(row, "route_id", None)),
                    "squad_id": sid,
                    "squad_name": names.get(sid, sid),
                    **_typed(row, _ROUTE_FIELDS),
                    "path": path,
                }
            )


def _prepare_hotspots(
    plan: Plan,
    prep: _Prepared,
    cells: gpd.GeoDataFrame,
    cell_squad: pd.Series,
    shift: Shift = None,
) -> None:
    hs = _wgs84(plan.scenario.hotspots)
    if hs is None or len(hs) == 0:
        return
    weights = plan.scenario.policy.event_weights
    given = pd.to_numeric(_col(hs, "weight"), errors="coerce")
    by_type = _col(hs, "event_type").map(lambda t: weights.get(_s(t), 0.5))
    w = given.fillna(by_type).clip(lower=0.05, upper=1.0)
    squads = _squad_of_points(hs, cells, cell_squad)
    for g, wt, sid in zip(_shown(hs.geometry, shift), w, squads, strict=True):
        pos = _latlon(g)
        if pos is not None:
            prep.hotspots.append((sid, [pos[0], pos[1], round(float(wt), 2)]))


def weekday_name(day: Any) -> str:
    """``1`` -> ``"周一"`` (1 = Monday); other values as text."""
    n = _i(day)
    return WEEKDAYS[n - 1] if n is not None and 1 <= n <= 7 else _s(day)


def _path(geom: dict | None) -> list | None:
    """GeoJSON line geometry -> Leaflet [lat, lon] path (nested for multi)."""
    if geom is None:
        return None
    if geom["type"] == "LineString":
        return [[c[1], c[0]] for c in geom["coordinates"]]
    if geom["type"] == "MultiLineString":
        return [[[c[1], c[0]] for c in part] for part in geom["coordinates"]]
    return None


def _prepare_patrols(
    plan: Plan, prep: _Prepared, names: dict[str, str], shift: Shift = None
) -> None:
    """Patrol loops (巡查路线) with their ordered points, coloured by window."""
    loops = _wgs84(plan.patrols)
    if loops is None or len(loops) == 0 or "loop_id" not in loops:
        return
    points = _wgs84(plan.patrol_points)
    stops_of: dict[str, list[dict]] = defaultdict(list)
    if points is not None and len(points) and "loop_id" in points:
        for row, g in zip(
            points.itertuples(), _shown(points.geometry, shift), strict=True
        ):
            pos = _latlon(g)
            if pos is None:
                continue
            stops_of[_s(row.loop_id)].append(
                {
                    "seq": _i(getattr(row, "seq", None)),
                    "cell_id": _s(getattr(row, "cell_id", None)),
                    "expected_events": _f(getattr(row, "expected_events", None), 2),
                    "event_types": _split(getattr(row, "event_types", None)),
                    "minutes": _f(getattr(row, "minutes", None)),
                    "lat": pos[0],
                    "lon": pos[1],
                }
            )
    windows = sorted({_s(w) for w in _col(loops, "window")})
    colors = {w: WINDOW_PALETTE[k % len(WINDOW_PALETTE)] for k, w in enumerate(windows)}
    prep.windows = [{"window": w, "color": colors[w]} for w in windows]
    rows = []
    looped = _round_geoms(loops.geometry, shift=shift)
    for row, g in zip(loops.itertuples(), looped, strict=True):
        lid = _s(row.loop_id)
        sid = _s(getattr(row, "squad_id", None))
        window = _s(getattr(row, "window", None))
        stops = sorted(
            stops_of.get(lid, []), key=lambda p: (p["seq"] is None, p["seq"])
        )
        path = _path(g)
        if path is None:  # no drawn line: base -> points -> base
            base = next((s for s in prep.squads if s["id"] == sid), None)
            ends = [[base["lat"], base["lon"]]] if base else []
            path = [*ends, *[[p["lat"], p["lon"]] for p in stops], *ends]
        day = _i(getattr(row, "day", None))
        rows.append(
            {
                "loop_id": lid,
                "squad_id": sid,
                "squad_name": names.get(sid, sid),
                "day": day,
                "weekday": weekday_name(day),
                "window": window,
                "color": colors[window],
                "minutes": _f(getattr(row, "minutes", None), 0),
                "expected_events": _f(getattr(row, "expected_events", None), 2),
                "points": _i(getattr(row, "points", None)),
                "path": path,
                "stops": stops,
            }
        )
    rows.sort(key=lambda r: (r["squad_id"], r["day"] or 0, r["window"], r["loop_id"]))
    prep.patrols = rows
