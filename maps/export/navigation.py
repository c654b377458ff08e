"""Phone navigation files: KML and GPX per squad, with 高德 / 百度 links.

Field teams load routes into 奥维互动地图, 两步路 or Google Earth, and hand
off each stop to a car navigation app. So every squad gets

* ``<squad>.kml``: a Folder per day, in it a Folder per team with the stops
  as Placemarks in route order (``"序号. 企业名"``) and the route as a
  LineString, plus the squad base and zone outline;
* ``<squad>_<day>.gpx`` (GPX 1.1) per squad-day: a ``wpt`` per stop in
  route order, and per team an ``rte`` (the stops, for apps that navigate
  routes) and a ``trk`` (the drawn route line, for apps that show tracks);
* when the plan has hotspot patrol loops (巡查路线), a KML Folder
  ``巡查路线`` (a Folder per weekday, in it a Folder per loop with its
  points in order and the loop line) and ``<squad>_patrols.gpx`` with one
  ``rte`` per loop (``"巡查 周一 07:00-09:00"``).

KML and GPX coordinates are WGS84, as both formats require. 高德 wants
GCJ-02 and 百度 BD-09, so each stop's navigation links carry converted
coordinates (``planning.io.coords``). Text goes through ElementTree, which
escapes it for XML; the KML description is HTML that clients render, so its
parts are HTML-escaped first (a firm named ``<script>`` stays text).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import shapely

from maps.export.common import base_lonlat as _base
from maps.export.common import squad_ids as _squad_ids
from maps.export.common import text_of as _text
from maps.export.spreadsheets import (
    day_label,
    dept_names,
    file_stem,
    squad_names,
    visit_rows,
)
from maps.render import WINDOW_PALETTE, weekday_name
from planning.io.coords import wgs84_to_bd09, wgs84_to_gcj02
from planning.plan import Plan

KML_NS = "http://www.opengis.net/kml/2.2"
GPX_NS = "http://www.topografix.com/GPX/1/1"
GPX_SCHEMA = "http://www.topografix.com/GPX/1/1/gpx.xsd"
CREATOR = "patrol-planner"
BAIDU_SRC = "webapp.zhzf.patrolplanner"  # 百度 asks callers to name themselves
SYNTHETIC_LABEL = "示例数据 (synthetic)"
# KML colours are aabbggrr; one per team (cycled)
TEAM_COLORS = ("ff2827d6", "ffb4771f", "ff2ca02c", "ffbd6794", "ff0e7fff")
_DIGITS = 6


def _split(value: Any) -> list[str]:
    return [p.strip() for p in _text(value).split(";") if p.strip()]


def _fmt(value: float) -> str:
    return f"{value:.{_DIGITS}f}"


def amap_link(lon: float, lat: float, name: str) -> str:
    """高德 marker URI for a WGS84 point (converted to GCJ-02)."""
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    return (
        f"https://uri.amap.com/marker?position={_fmt(glon)},{_fmt(glat)}"
        f"&name={quote(name, safe='')}&src={CREATOR}&coordinate=gaode&callnative=1"
    )


def baidu_link(lon: float, lat: float, name: str, content: str = "") -> str:
    """百度 app marker URI for a WGS84 point (converted to BD-09; lat first)."""
    blon, blat = (float(v) for v in wgs84_to_bd09(lon, lat))
    out = f"baidumap://map/marker?location={_fmt(blat)},{_fmt(blon)}"
    out += f"&title={quote(name, safe='')}"
    if content:
        out += f"&content={quote(content, safe='')}"
    return out + f"&coord_type=bd09ll&src={BAIDU_SRC}"


def _stop_name(stop: pd.Series, prefix: str = "") -> str:
    return f"{prefix}{int(stop['seq'])}. {_text(stop['name'])}"


def _items(stop: pd.Series, depts: dict[str, str], plan: Plan) -> list[str]:
    """Item lines of the firm's 一张清单, each with its department."""
    policy = plan.scenario.policy
    ids = _split(stop.get("items"))
    out = []
    for k, name in enumerate(_split(stop.get("item_names"))):
        item = policy.items.get(ids[k]) if k < len(ids) else None
        dept = f" ({depts.get(item.dept_id, item.dept_id)})" if item else ""
        out.append(f"{name}{dept}")
    return out


def _when(stop: pd.Series) -> str:
    out = f"到达 {_text(stop['eta'])}"
    if _text(stop.get("start")) and _text(stop.get("end")):
        out += f"，检查 {_text(stop['start'])}–{_text(stop['end'])}"
    return out


def _line(plan: Plan, squad_id: str, day: str, team: int, stops: pd.DataFrame):
    """Route vertices (lon, lat): the routes layer, else base -> stops -> base."""
    routes = plan.routes
    if len(routes):
        r = routes[
            (routes["squad_id"].astype(str) == squad_id)
            & (routes["day"].astype(str) == day)
            & (pd.to_numeric(routes["team"]) == team)
        ]
        if (
            len(r)
            and r.geometry.iloc[0] is not None
            and not r.geometry.iloc[0].is_empty
        ):
            return [(x, y) for x, y, *_ in shapely.get_coordinates(r.geometry.iloc[0])]
    base = _base(plan, squad_id)
    pts = [
        (float(x), float(y)) for x, y in zip(stops["lon"], stops["lat"], strict=True)
    ]
    return [*([base] if base else []), *pts, *([base] if base else [])]


def _groups(v: pd.DataFrame) -> list[tuple[str, list[tuple[int, pd.DataFrame]]]]:
    """[(day, [(team, stops in route order), ...]), ...] in date order."""
    v = v[v["lon"].notna() & v["lat"].notna()]
    out = []
    for day in sorted(v["day"].unique()):
        d = v[v["day"] == day]
        teams = [
            (int(t), d[d["team"] == t].sort_values("seq"))
            for t in sorted(d["team"].unique())
        ]
        out.append((str(day), teams))
    return out


# --------------------------------------------------------------------------- #
# patrol loops (巡查路线)
# --------------------------------------------------------------------------- #

PATROL_FOLDER = "巡查路线"


@dataclass
class PatrolLoop:
    """One hotspot patrol loop of a squad, with its points in ``seq`` order.

    ``points`` has ``seq``, ``cell_id``, ``expected_events``,
    ``event_types`` (list), ``minutes``, ``lon``, ``lat`` (WGS84);
    ``line`` is the loop's vertices (lon, lat), base to base.
    """

    loop_id: str
    squad_id: str
    day: int | None
    window: str
    minutes: float | None
    expected_events: float | None
    color: str
    points: pd.DataFrame
    line: list[tuple[float, float]] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return weekday_name(self.day)

    @property
    def label(self) -> str:
        """``"周一 07:00-09:00"``."""
        return f"{self.weekday} {self.window}".strip()


def _num(value: Any) -> float | None:
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(v) else float(v)


def _to_wgs84(gdf: Any) -> Any:
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, 4490):
        return gdf.to_crs(4326)
    return gdf


def window_colors(plan: Plan) -> dict[str, str]:
    """Window -> colour, the same as on the HTML map (windows in time order)."""
    loops = plan.patrols
    if loops is None or not len(loops) or "window" not in loops:
        return {}
    windows = sorted({_text(w) for w in loops["window"]})
    return {w: WINDOW_PALETTE[k % len(WINDOW_PALETTE)] for k, w in enumerate(windows)}


_POINT_COLUMNS = ("loop_id", "seq", "cell_id", "expected_events", "minutes")


def _patrol_point_table(points: Any, loop_ids: set[str]) -> pd.DataFrame:
    """Plain table of the points of ``loop_ids`` with lon / lat (WGS84)."""
    cols = [*_POINT_COLUMNS, "event_types", "lon", "lat"]
    if points is None or not len(points) or "loop_id" not in points:
        return pd.DataFrame(columns=cols)
    pts = points[points["loop_id"].astype(str).isin(loop_ids)]
    pts = _to_wgs84(pts[pts.geometry.notna() & ~pts.geometry.is_empty])
    out = pd.DataFrame(index=pts.index)
    for c in _POINT_COLUMNS:
        out[c] = pts[c] if c in pts else None
    out["loop_id"] = out["loop_id"].astype(str)
    out["cell_id"] = [_text(c) for c in out["cell_id"]]
    for c in ("seq", "expected_events", "minutes"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    types = pts["event_types"] if "event_types" in pts else [None] * len(pts)
    out["event_types"] = [_split(t) for t in types]
    out["lon"], out["lat"] = pts.geometry.x, pts.geometry.y
    return out[out["seq"].notna()]


def patrol_loops(plan: Plan, squad_id: str) -> list[PatrolLoop]:
    """The squad's patrol loops by weekday and window ([] without patrols)."""
    loops = plan.patrols
    if loops is None or not len(loops) or "loop_id" not in loops:
        return []
    colors = window_colors(plan)
    loops = _to_wgs84(loops[loops["squad_id"].astype(str) == squad_id])
    table = _patrol_point_table(plan.patrol_points, set(loops["loop_id"].astype(str)))
    base = _base(plan, squad_id)
    out = []
    for row, geom in zip(loops.itertuples(), loops.geometry, strict=True):
        lid = str(row.loop_id)
        p = table[table["loop_id"] == lid].drop(columns="loop_id")
        p = p.sort_values("seq", kind="stable").reset_index(drop=True)
        if geom is not None and not geom.is_empty:
            line = [(float(x), float(y)) for x, y, *_ in shapely.get_coordinates(geom)]
        else:
            ends = [base] if base else []
            line = [*ends, *zip(p["lon"], p["lat"], strict=True), *ends]
        day = _num(getattr(row, "day", None))
        window = _text(getattr(row, "window", None))
        out.append(
            PatrolLoop(
                loop_id=lid,
                squad_id=squad_id,
                day=None if day is None else int(day),
                window=window,
                minutes=_num(getattr(row, "minutes", None)),
                expected_events=_num(getattr(row, "expected_events", None)),
                color=colors.get(window, WINDOW_PALETTE[0]),
                points=p,
                line=line,
            )
        )
    out.sort(
        key=lambda lp: (lp.day if lp.day is not None else 99, lp.window, lp.loop_id)
    )
    return out


def _patrol_point_name(point: pd.Series) -> str:
    types = "、".join(point["event_types"][:3])
    return f"{int(point['seq'])}. {point['cell_id']}" + (f" {types}" if types else "")


def _patrol_lines(loop: PatrolLoop, point: pd.Series) -> list[str]:
    n = len(loop.points)
    lines = [f"巡查 {loop.label} · 第 {int(point['seq'])}/{n} 点"]
    if pd.notna(point["expected_events"]):
        lines.append(f"预计事件 {float(point['expected_events']):.2f} 起")
    if point["event_types"]:
        lines.append("主要事件：" + "、".join(point["event_types"]))
    if pd.notna(point["minutes"]):
        lines.append(f"行驶 + 停留约 {float(point['minutes']):.0f} 分钟")
    return lines


def _loop_summary(loop: PatrolLoop) -> str:
    parts = [f"巡查 {loop.label}", f"{len(loop.points)} 个巡查点"]
    if loop.minutes is not None:
        parts.append(f"约 {loop.minutes:.0f} 分钟")
    if loop.expected_events is not None:
        parts.append(f"预计事件 {loop.expected_events:.2f} 起")
    return "，".join(parts)


def _kml_color(hex_rgb: str) -> str:
    """``#rrggbb`` -> KML ``aabbggrr`` (opaque)."""
    h = hex_rgb.lstrip("#")
    return f"ff{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def _kml_patrol_styles(doc: ET.Element, loops: list[PatrolLoop]) -> dict[str, str]:
    """A Style per window colour (KML wants styles before features)."""
    styles: dict[str, str] = {}
    for loop in loops:
        if loop.color in styles:
            continue
        sid = f"patrol{len(styles) + 1}"
        styles[loop.color] = sid
        st = _sub(doc, "Style", id=sid)
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", _kml_color(loop.color))
        _sub(ls, "width", "3")
        ic = _sub(st, "IconStyle")
        _sub(ic, "color", _kml_color(loop.color))
        _sub(ic, "scale", "0.9")
    return styles


def _kml_patrols(
    doc: ET.Element, plan: Plan, loops: list[PatrolLoop], styles: dict[str, str]
) -> None:
    top = _sub(doc, "Folder")
    _sub(top, "name", PATROL_FOLDER)
    days: dict[str, ET.Element] = {}
    for loop in loops:
        if loop.weekday not in days:
            days[loop.weekday] = _sub(top, "Folder")
            _sub(days[loop.weekday], "name", loop.weekday or "—")
        lf = _sub(days[loop.weekday], "Folder")
        _sub(lf, "name", f"巡查 {loop.label}")
        _sub(lf, "description", _loop_summary(loop))
        style = f"#{styles[loop.color]}"
        for _, pt in loop.points.iterrows():
            lon, lat = float(pt["lon"]), float(pt["lat"])
            name = _patrol_point_name(pt)
            pm = _sub(lf, "Placemark")
            _sub(pm, "name", name)
            parts = [html.escape(x) for x in _patrol_lines(loop, pt)]
            amap = html.escape(amap_link(lon, lat, name), quote=True)
            baidu = html.escape(baidu_link(lon, lat, name), quote=True)
            parts.append(
                f'<a href="{amap}">高德导航</a> | <a href="{baidu}">百度导航</a>'
            )
            if plan.scenario.synthetic:
                parts.append(html.escape(SYNTHETIC_LABEL))
            _sub(pm, "description", "<br>".join(parts))
            _sub(pm, "styleUrl", style)
            _sub(_sub(pm, "Point"), "coordinates", _coords([(lon, lat)]))
        if len(loop.line) >= 2:
            pm = _sub(lf, "Placemark")
            _sub(pm, "name", f"巡查路线 {loop.label}")
            _sub(pm, "styleUrl", style)
            ls = _sub(pm, "LineString")
            _sub(ls, "tessellate", "1")
            _sub(ls, "coordinates", _coords(loop.line))


# --------------------------------------------------------------------------- #
# KML
# --------------------------------------------------------------------------- #


def _sub(
    parent: ET.Element, tag: str, text: str | None = None, **attrib: str
) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def _gpx_root(plan: Plan, name: str, what: str) -> ET.Element:
    """A GPX 1.1 root with metadata: ``name``, and a description of ``what``
    in the scenario (labelled synthetic when it is)."""
    ET.register_namespace("", GPX_NS)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    g = f"{{{GPX_NS}}}"
    gpx = ET.Element(
        f"{g}gpx",
        {
            "version": "1.1",
            "creator": CREATOR,
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": (
                f"{GPX_NS} {GPX_SCHEMA}"
            ),
        },
    )
    meta = _sub(gpx, f"{g}metadata")
    _sub(meta, f"{g}name", name)
    desc = f"{plan.scenario.name} · {what}"
    if plan.scenario.synthetic:
        desc += f" · {SYNTHETIC_LABEL}"
    _sub(meta, f"{g}desc", desc)
    return gpx


def _kml_description(stop: pd.Series, plan: Plan, depts: dict[str, str]) -> str:
    """HTML balloon: every piece escaped, links with converted coordinates."""
    name = _text(stop["name"])
    lon, lat = float(stop["lon"]), float(stop["lat"])
    parts = [f"<b>{html.escape(name)}</b>", html.escape(_when(stop))]
    for label, key in (
        ("地址", "address"),
        ("电话", "contact"),
        ("编号", "enterprise_id"),
    ):
        if _text(stop.get(key)):
            parts.append(f"{label}：{html.escape(_text(stop[key]))}")
    items = _items(stop, depts, plan)
    if items:
        parts.append(
            "检查事项（一张清单）：<br>"
            + "<br>".join("☐ " + html.escape(i) for i in items)
        )
    amap = html.escape(amap_link(lon, lat, name), quote=True)
    baidu = html.escape(
        baidu_link(lon, lat, name, _text(stop.get("address"))), quote=True
    )
    parts.append(f'<a href="{amap}">高德导航</a> | <a href="{baidu}">百度导航</a>')
    if plan.scenario.synthetic:
        parts.append(html.escape(SYNTHETIC_LABEL))
    return "<br>".join(parts)


def _coords(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)},0" for x, y in points)


def squad_kml(plan: Plan, squad_id: str) -> ET.ElementTree:
    """The KML document of one squad (see the module docstring)."""
    ET.register_namespace("", KML_NS)
    names = squad_names(plan)
    depts = dept_names(plan)
    squad = names.get(squad_id, squad_id)
    kml = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(kml, "Document")
    k = "" if not plan.scenario.synthetic else f" · {SYNTHETIC_LABEL}"
    _sub(doc, "name", f"{squad} 综合查一次路线{k}")
    _sub(doc, "description", f"{plan.scenario.name} · {squad} ({squad_id}){k}")
    stop_style = _sub(doc, "Style", id="stop")
    icon = _sub(stop_style, "IconStyle")
    _sub(icon, "scale", "1.1")
    for n, color in enumerate(TEAM_COLORS, start=1):
        st = _sub(doc, "Style", id=f"route{n}")
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", color)
        _sub(ls, "width", "4")
    zst = _sub(doc, "Style", id="zone")
    ls = _sub(zst, "LineStyle")
    _sub(ls, "color", "ffb4771f")
    _sub(ls, "width", "2")
    ps = _sub(zst, "PolyStyle")
    _sub(ps, "fill", "0")
    loops = patrol_loops(plan, squad_id)
    patrol_styles = _kml_patrol_styles(doc, loops)
    zone = _zone(plan, squad_id)
    if zone is not None:
        pm = _sub(doc, "Placemark")
        _sub(pm, "name", f"{squad} 片区")
        _sub(pm, "styleUrl", "#zone")
        multi = _sub(pm, "MultiGeometry")
        for poly in getattr(zone, "geoms", [zone]):
            if poly.geom_type != "Polygon":
                continue
            pg = _sub(multi, "Polygon")
            outer = _sub(_sub(pg, "outerBoundaryIs"), "LinearRing")
            _sub(outer, "coordinates", _coords(poly.exterior.coords))
            for ring in poly.interiors:
                inner = _sub(_sub(pg, "innerBoundaryIs"), "LinearRing")
                _sub(inner, "coordinates", _coords(ring.coords))
    base = _base(plan, squad_id)
    if base is not None:
        pm = _sub(doc, "Placemark")
        _sub(pm, "name", f"{squad} 驻地")
        _sub(_sub(pm, "Point"), "coordinates", _coords([base]))
    for day, teams in _groups(visit_rows(plan, squad_id)):
        folder = _sub(doc, "Folder")
        _sub(folder, "name", day_label(day))
        for team, stops in teams:
            tf = _sub(folder, "Folder")
            _sub(tf, "name", f"第{team}组")
            for _, stop in stops.iterrows():
                pm = _sub(tf, "Placemark")
                _sub(pm, "name", _stop_name(stop))
                _sub(pm, "description", _kml_description(stop, plan, depts))
                _sub(pm, "styleUrl", "#stop")
                pt = _sub(pm, "Point")
                _sub(
                    pt,
                    "coordinates",
                    _coords([(float(stop["lon"]), float(stop["lat"]))]),
                )
            line = _line(plan, squad_id, day, team, stops)
            if len(line) >= 2:
                pm = _sub(tf, "Placemark")
                _sub(pm, "name", f"第{team}组路线 {day}")
                _sub(pm, "styleUrl", f"#route{(team - 1) % len(TEAM_COLORS) + 1}")
                ls = _sub(pm, "LineString")
                _sub(ls, "tessellate", "1")
                _sub(ls, "coordinates", _coords(line))
    if loops:
        _kml_patrols(doc, plan, loops, patrol_styles)
    tree = ET.ElementTree(kml)
    ET.indent(tree)
    return tree


def _zone(plan: Plan, squad_id: str) -> shapely.Geometry | None:
    zones = plan.zones
    if not len(zones) or "squad_id" not in zones:
        return None
    z = zones[zones["squad_id"].astype(str) == squad_id]
    if not len(z) or z.geometry.iloc[0] is None or z.geometry.iloc[0].is_empty:
        return None
    # a few metres of simplification keeps phone files small
    return shapely.simplify(z.geometry.iloc[0], 1e-5, preserve_topology=True)


# --------------------------------------------------------------------------- #
# GPX
# --------------------------------------------------------------------------- #


def squad_day_gpx(
    plan: Plan, squad_id: str, day: str, visits: pd.DataFrame | None = None
) -> ET.ElementTree:
    """GPX 1.1 of one squad-day: wpt per stop, an rte and a trk per team.

    ``visits`` is the squad's :func:`visit_rows`, when the caller has it.
    """
    depts = dept_names(plan)
    squad = squad_names(plan).get(squad_id, squad_id)
    v = visit_rows(plan, squad_id) if visits is None else visits
    teams = dict(_groups(v[v["day"] == day])).get(day, [])
    multi = len(teams) > 1
    g = f"{{{GPX_NS}}}"
    gpx = _gpx_root(
        plan, f"{squad} {day_label(day)}", f"{squad} ({squad_id}) 综合查一次路线"
    )

    def prefix(team: int) -> str:
        return f"{team}组-" if multi else ""

    for team, stops in teams:
        for _, stop in stops.iterrows():
            lon, lat = float(stop["lon"]), float(stop["lat"])
            name = _text(stop["name"])
            w = _sub(gpx, f"{g}wpt", lat=_fmt(lat), lon=_fmt(lon))
            _sub(w, f"{g}name", _stop_name(stop, prefix(team)))
            _sub(w, f"{g}cmt", _when(stop))
            lines = [_when(stop)]
            for label, key in (("地址", "address"), ("电话", "contact")):
                if _text(stop.get(key)):
                    lines.append(f"{label}：{_text(stop[key])}")
            lines += ["☐ " + i for i in _items(stop, depts, plan)]
            _sub(w, f"{g}desc", "\n".join(lines))
            for href, label in (
                (amap_link(lon, lat, name), "高德导航"),
                (baidu_link(lon, lat, name, _text(stop.get("address"))), "百度导航"),
            ):
                link = _sub(w, f"{g}link", href=href)
                _sub(link, f"{g}text", label)
            _sub(w, f"{g}sym", "Flag")
            _sub(w, f"{g}type", f"第{team}组")
    for team, stops in teams:
        rte = _sub(gpx, f"{g}rte")
        _sub(rte, f"{g}name", f"{squad} 第{team}组 {day}")
        _sub(rte, f"{g}number", str(team))
        for _, stop in stops.iterrows():
            pt = _sub(
                rte,
                f"{g}rtept",
                lat=_fmt(float(stop["lat"])),
                lon=_fmt(float(stop["lon"])),
            )
            _sub(pt, f"{g}name", _stop_name(stop, prefix(team)))
    for team, stops in teams:
        line = _line(plan, squad_id, day, team, stops)
        if len(line) < 2:
            continue
        trk = _sub(gpx, f"{g}trk")
        _sub(trk, f"{g}name", f"{squad} 第{team}组路线 {day}")
        _sub(trk, f"{g}number", str(team))
        seg = _sub(trk, f"{g}trkseg")
        for x, y in line:
            _sub(seg, f"{g}trkpt", lat=_fmt(y), lon=_fmt(x))
    tree = ET.ElementTree(gpx)
    ET.indent(tree)
    return tree


def squad_patrols_gpx(plan: Plan, squad_id: str) -> ET.ElementTree | None:
    """GPX 1.1 of a squad's patrol loops: one ``rte`` per loop, points in
    ``seq`` order (``None`` when the squad has no loops)."""
    loops = patrol_loops(plan, squad_id)
    if not loops:
        return None
    squad = squad_names(plan).get(squad_id, squad_id)
    g = f"{{{GPX_NS}}}"
    gpx = _gpx_root(
        plan, f"{squad} {PATROL_FOLDER}", f"{squad} ({squad_id}) 热点巡查路线（每周）"
    )
    for n, loop in enumerate(loops, start=1):
        rte = _sub(gpx, f"{g}rte")
        _sub(rte, f"{g}name", f"巡查 {loop.label}")
        _sub(rte, f"{g}desc", _loop_summary(loop))
        _sub(rte, f"{g}number", str(n))
        _sub(rte, f"{g}type", "巡查")
        for _, pt in loop.points.iterrows():
            p = _sub(
                rte, f"{g}rtept", lat=_fmt(float(pt["lat"])), lon=_fmt(float(pt["lon"]))
            )
            _sub(p, f"{g}name", _patrol_point_name(pt))
            _sub(p, f"{g}desc", "\n".join(_patrol_lines(loop, pt)))
    tree = ET.ElementTree(gpx)
    ET.indent(tree)
    return tree


# --------------------------------------------------------------------------- #
# files
# --------------------------------------------------------------------------- #


def write_navigation(
    plan: Plan, out_dir: str | Path, squad_id: str | None = None
) -> list[Path]:
    """Write ``<squad>.kml``, ``<squad>_<day>.gpx`` and (with patrol loops)
    ``<squad>_patrols.gpx`` files; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for sid in _squad_ids(plan, squad_id):
        kml = out / f"{file_stem(sid)}.kml"
        squad_kml(plan, sid).write(kml, encoding="utf-8", xml_declaration=True)
        paths.append(kml)
        v = visit_rows(plan, sid)
        for day in sorted(v["day"].unique()):
            gpx = out / f"{file_stem(sid)}_{file_stem(day)}.gpx"
            squad_day_gpx(plan, sid, str(day), v).write(
                gpx, encoding="utf-8", xml_declaration=True
            )
            paths.append(gpx)
        patrols = squad_patrols_gpx(plan, sid)
        if patrols is not None:
            gpx = out / f"{file_stem(sid)}_patrols.gpx"
            patrols.write(gpx, encoding="utf-8", xml_declaration=True)
            paths.append(gpx)
    return paths
