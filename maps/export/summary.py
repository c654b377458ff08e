"""One-page plan summary for the bureau chief (局领导), as self-contained HTML.

Why HTML with inline SVG: it opens in any browser on an offline office PC,
prints to one or two A4 pages, and needs no chart library, CDN or script
(the page carries a Content-Security-Policy that forbids all of them). Every
piece of data text is HTML-escaped, since names come from imported registers.

Content: headline figures (综合查一次 visits, department inspections merged,
visits saved, travel), the county zone map, load per squad against its
target, visits saved per squad, hotspot events per week per type, a table
per squad and the reasons firms were left unscheduled.
"""

from __future__ import annotations

import html
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from maps.export.common import text_of
from maps.export.spreadsheets import squad_load
from maps.render import SQUAD_PALETTE, squad_colors
from planning.plan import Plan

PALETTE = SQUAD_PALETTE
"""The map's qualitative colours, for zones and event-type lines alike."""
SYNTHETIC_LABEL = "示例数据 (synthetic)"
MAX_EVENT_TYPES = 6
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value: Any) -> str:
    """HTML-escaped text of any value ('' for missing)."""
    return html.escape(text_of(value), quote=True)


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


# --------------------------------------------------------------------------- #
# charts
# --------------------------------------------------------------------------- #


def zone_map_svg(plan: Plan, width: int = 520, height: int = 420) -> str:
    """The zones as coloured polygons with squad names and bases."""
    zones = plan.zones
    if not len(zones):
        return "<p>尚未划片 (no zones yet)</p>"
    geoms = [g for g in zones.geometry if g is not None and not g.is_empty]
    if not geoms:
        return "<p>尚未划片 (no zones yet)</p>"
    minx, miny, maxx, maxy = shapely.union_all(geoms).bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    pad = 10
    scale = min(
        (width - 2 * pad) / max((maxx - minx) * kx, 1e-9),
        (height - 2 * pad) / max(maxy - miny, 1e-9),
    )
    w = (maxx - minx) * kx * scale + 2 * pad
    h = (maxy - miny) * scale + 2 * pad
    tol = 1.0 / scale  # one screen pixel in degrees

    def pt(x: float, y: float) -> str:
        return f"{pad + (x - minx) * kx * scale:.1f},{pad + (maxy - y) * scale:.1f}"

    parts = [
        f'<svg class="map" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
        f'height="{h:.0f}" role="img" aria-label="片区图">'
    ]
    labels = []
    colors = squad_colors(plan)  # the map's colours, not a palette of its own
    for k, row in enumerate(zones.itertuples()):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        color = colors.get(str(row.squad_id), PALETTE[k % len(PALETTE)])
        simple = shapely.simplify(geom, tol, preserve_topology=True)
        d = []
        for poly in getattr(simple, "geoms", [simple]):
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                d.append("M" + " L".join(pt(x, y) for x, y in ring.coords) + "Z")
        name = getattr(row, "name", "") or row.squad_id
        parts.append(
            f'<path d="{" ".join(d)}" fill="{color}" fill-opacity="0.35" '
            f'stroke="{color}" stroke-width="1.2" fill-rule="evenodd">'
            f"<title>{_e(name)}</title></path>"
        )
        c = geom.representative_point()
        x, y = pt(c.x, c.y).split(",")
        labels.append(
            f'<text x="{x}" y="{y}" class="zl" text-anchor="middle">{_e(name)}</text>'
        )
    sq = plan.scenario.squads
    for g in sq.geometry:
        if g is not None and not g.is_empty:
            x, y = pt(g.x, g.y).split(",")
            parts.append(
                f'<rect x="{float(x) - 3:.1f}" y="{float(y) - 3:.1f}" width="6" '
                'height="6" fill="#000"/>'
            )
    parts += labels
    parts.append("</svg>")
    return "".join(parts)


def _chart_svg(width: int, height: int, label: str) -> str:
    """The opening tag of a chart: sized, and named for screen readers."""
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(label)}">'
    )


def _row_name(x: float, y: float, name: object) -> str:
    """A bar's name, right-aligned against the bars."""
    return f'<text x="{x}" y="{y}" text-anchor="end">{_e(name)}</text>'


def load_bars_svg(load: pd.DataFrame, width: int = 520) -> str:
    """Horizontal bars: zone workload per squad, a tick at its target."""
    if not len(load):
        return ""
    row_h, left, right = 22, 110, 70
    h = row_h * len(load) + 30
    top = max(
        np.nanmax(load["workload"].astype(float).fillna(0).to_numpy()),
        np.nanmax(load["target"].astype(float).fillna(0).to_numpy()),
        1.0,
    )
    sx = (width - left - right) / top
    out = [_chart_svg(width, h, "工作量")]
    for k, r in enumerate(load.itertuples()):
        y = 8 + k * row_h
        wl = 0.0 if pd.isna(r.workload) else float(r.workload)
        out.append(_row_name(left - 6, y + 13, r.name))
        dev = 0.0 if pd.isna(r.deviation_pct) else float(r.deviation_pct)
        color = "#d62728" if abs(dev) > 5 else "#1f77b4"
        out.append(
            f'<rect x="{left}" y="{y + 2}" width="{wl * sx:.1f}" height="{row_h - 8}" '
            f'fill="{color}"><title>{_e(r.name)}: {_n(wl)} 分钟</title></rect>'
        )
        if not pd.isna(r.target):
            tx = left + float(r.target) * sx
            out.append(
                f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y}" y2="{y + row_h - 4}" '
                'stroke="#000" stroke-width="2"/>'
            )
        out.append(
            f'<text x="{left + wl * sx + 4:.1f}" y="{y + 13}" class="v">'
            f"{dev:+.1f}%</text>"
        )
    y = h - 8
    out.append(
        f'<text x="{left}" y="{y}" class="v">条 = 片区工作量（分钟），黑线 = 目标；'
        "红色 = 偏差超过 ±5%</text></svg>"
    )
    return "".join(out)


def saved_bars_svg(load: pd.DataFrame, width: int = 520) -> str:
    """Per squad: department inspections vs the joint visits that replace them."""
    if not len(load):
        return ""
    row_h, left, right = 30, 110, 80
    h = row_h * len(load) + 30
    top = max(float(load["dept_inspections"].max()), 1.0)
    sx = (width - left - right) / top
    out = [_chart_svg(width, h, "减少入企")]
    for k, r in enumerate(load.itertuples()):
        y = 6 + k * row_h
        out.append(_row_name(left - 6, y + 16, r.name))
        out.append(
            f'<rect x="{left}" y="{y}" width="{r.dept_inspections * sx:.1f}" '
            f'height="11" fill="#bbbbbb"><title>部门检查 {r.dept_inspections}</title>'
            "</rect>"
        )
        out.append(
            f'<rect x="{left}" y="{y + 12}" width="{r.visits * sx:.1f}" height="11" '
            f'fill="#2ca02c"><title>综合查一次 {r.visits}</title></rect>'
        )
        out.append(
            f'<text x="{left + r.dept_inspections * sx + 4:.1f}" y="{y + 16}" '
            f'class="v">减少 {r.visits_saved} 次</text>'
        )
    out.append(
        f'<text x="{left}" y="{h - 6}" class="v">灰 = 各部门分别检查次数，'
        "绿 = 综合查一次入企次数</text></svg>"
    )
    return "".join(out)


def hotspot_weeks(plan: Plan) -> pd.DataFrame:
    """Events per week (from Monday) x type; the top types, the rest as 其他.

    A last week cut short by the horizon start is dropped.
    """
    hs = plan.scenario.hotspots
    if not len(hs) or "time" not in hs or "event_type" not in hs:
        return pd.DataFrame()
    t = pd.to_datetime(hs["time"], errors="coerce")
    df = pd.DataFrame({"t": t, "type": hs["event_type"].astype(str)}).dropna()
    if not len(df):
        return pd.DataFrame()
    df["week"] = df["t"].dt.to_period("W-SUN").dt.start_time.dt.date
    top = df["type"].value_counts().index[:MAX_EVENT_TYPES]
    df.loc[~df["type"].isin(top), "type"] = "其他"
    table = df.pivot_table(index="week", columns="type", aggfunc="size", fill_value=0)
    # events stop where the horizon starts: a week cut by it would look like a drop
    cutoff = plan.scenario.horizon.start
    if len(table) > 1 and cutoff <= table.index[-1] + timedelta(days=6):
        table = table.iloc[:-1]
    order = [c for c in top if c in table.columns]
    order += [c for c in table.columns if c not in order]
    return table[order].sort_index()


def hotspot_svg(weeks: pd.DataFrame, width: int = 520, height: int = 240) -> str:
    """Line chart of weekly event counts per type, with a legend."""
    if not len(weeks):
        return "<p>无热点事件数据 (no hotspot events)</p>"
    left, right, top, bottom = 40, 130, 10, 30
    pw, ph = width - left - right, height - top - bottom
    ymax = max(float(weeks.to_numpy().max()), 1.0)
    n = len(weeks)
    out = [_chart_svg(width, height, "热点事件趋势")]

    def px(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def py(v: float) -> float:
        return top + ph - ph * v / ymax

    for frac in (0, 0.5, 1):
        y = py(ymax * frac)
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="v">'
            f"{ymax * frac:.0f}</text>"
        )
    step = max(1, n // 6)
    for i, wk in enumerate(weeks.index):
        if i % step == 0 or i == n - 1:
            out.append(
                f'<text x="{px(i):.1f}" y="{height - 10}" text-anchor="middle" '
                f'class="v">{_e(pd.Timestamp(wk).strftime("%m-%d"))}</text>'
            )
    for k, col in enumerate(weeks.columns):
        color = PALETTE[k % len(PALETTE)]
        pts = " ".join(
            f"{px(i):.1f},{py(float(v)):.1f}" for i, v in enumerate(weeks[col])
        )
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2">'
            f"<title>{_e(col)}</title></polyline>"
        )
        ly = top + 14 * k + 8
        out.append(
            f'<rect x="{left + pw + 10}" y="{ly - 8}" width="10" height="10" '
            f'fill="{color}"/><text x="{left + pw + 24}" y="{ly + 1}" class="v">'
            f"{_e(col)} ({int(weeks[col].sum())})</text>"
        )
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- #
# page
# --------------------------------------------------------------------------- #

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",
"WenQuanYi Micro Hei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px;
border-bottom:1px solid #ccc;padding-bottom:3px}
.sub{color:#555;font-size:13px}.synthetic{color:#c00000;font-weight:bold;
border:1px solid #c00000;padding:1px 6px;margin-left:8px;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:22px}.card span{font-size:12px;color:#555}
.grid{display:flex;flex-wrap:wrap;gap:24px}.grid>div{flex:1 1 480px}
svg{font-size:12px;max-width:100%;height:auto}svg .v{font-size:11px;fill:#444}
svg .zl{font-size:12px;font-weight:bold;fill:#222;paint-order:stroke;stroke:#fff;
stroke-width:3px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;
padding:3px 8px;text-align:right}th{background:#ddebf7}td:first-child,
th:first-child{text-align:left}.neg{color:#c00000}
@media print{body{margin:8mm}.grid>div{break-inside:avoid}}
"""


def _table(load: pd.DataFrame) -> str:
    head = (
        "<tr><th>中队</th><th>片区工作量(分)</th><th>目标(分)</th><th>偏差</th>"
        "<th>综合查一次</th><th>部门检查</th><th>减少入企</th><th>组日</th>"
        "<th>里程 km</th><th>路程 h</th><th>每组日用时(分)</th></tr>"
    )
    rows = []
    for r in load.itertuples():
        dev = "" if pd.isna(r.deviation_pct) else f"{float(r.deviation_pct):+.1f}%"
        cls = ' class="neg"' if dev and abs(float(r.deviation_pct)) > 5 else ""
        wl = "" if pd.isna(r.workload) else _n(float(r.workload))
        tg = "" if pd.isna(r.target) else _n(float(r.target))
        rows.append(
            f"<tr><td>{_e(r.name)}</td><td>{wl}</td><td>{tg}</td><td{cls}>{dev}</td>"
            f"<td>{r.visits}</td><td>{r.dept_inspections}</td><td>{r.visits_saved}</td>"
            f"<td>{r.team_days}</td><td>{r.km:.1f}</td><td>{r.travel_h:.1f}</td>"
            f"<td>{r.min_per_team_day:.0f}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _unscheduled(plan: Plan, limit: int = 100) -> str:
    """The first ``limit`` unscheduled firms by name, so the chief can ask why."""
    un = plan.unscheduled
    if not len(un):
        return ""
    ent = plan.scenario.enterprises.set_index("enterprise_id")
    names = dict(
        zip(plan.scenario.squads["squad_id"], plan.scenario.squads["name"], strict=True)
    )
    rows = []
    for r in un.head(limit).itertuples():
        eid = str(r.enterprise_id)
        firm = ent["name"].get(eid, eid) if "name" in ent else eid
        sid = getattr(r, "squad_id", "")
        rows.append(
            f"<tr><td>{_e(firm)}</td><td>{_e(names.get(sid, sid))}</td>"
            f'<td style="text-align:left">{_e(r.reason)}</td></tr>'
        )
    more = f"<p>另有 {len(un) - limit} 家未列出。</p>" if len(un) > limit else ""
    return (
        "<table><tr><th>企业</th><th>中队</th>"
        '<th style="text-align:left">原因</th></tr>'
        f"{''.join(rows)}</table>{more}"
    )


OUTCOME_COLORS = {
    "pass": "#2ca02c",
    "rectify": "#ff7f0e",
    "case": "#d62728",
    "not_met": "#7f7f7f",
}


def outcome_bars_svg(
    cycle: pd.DataFrame, names: dict[str, str], width: int = 520
) -> str:
    """One stacked bar per zone: 合格 / 责令整改 / 立案 / 未遇 counts."""
    from planning.field.tables import OUTCOME_ZH

    row_h, left = 22, 110
    h = row_h * len(cycle) + 40
    top = max(1, int(cycle[list(OUTCOME_COLORS)].sum(axis=1).max()))
    scale = (width - left - 40) / top
    out = [
        f'<svg viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
        'aria-label="outcomes per zone">'
    ]
    # "pass" is a Python keyword: rows as dicts, not named tuples
    for i, r in enumerate(cycle.to_dict("records")):
        y = 10 + i * row_h
        out.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">'
            f"{_e(names.get(str(r['squad_id']), r['squad_id']))}</text>"
        )
        x = float(left)
        for key, color in OUTCOME_COLORS.items():
            n = int(r[key])
            if n:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{n * scale:.1f}" height="16" '
                    f'fill="{color}"><title>{OUTCOME_ZH[key]} {n}</title></rect>'
                )
                x += n * scale
        total = sum(int(r[k]) for k in OUTCOME_COLORS)
        out.append(f'<text class="v" x="{x + 4:.1f}" y="{y + 13}">{total}</text>')
    legend = "  ".join(
        f'<tspan fill="{c}">■</tspan> {OUTCOME_ZH[k]}'
        for k, c in OUTCOME_COLORS.items()
    )
    out.append(f'<text x="{left}" y="{h - 8}">{legend}</text></svg>')
    return "".join(out)


def _field_loop(plan: Plan, names: dict[str, str]) -> str:
    """The cycle measured (only once results have been recorded)."""
    from planning.field.cycle import cycle_table

    if plan.results is None or len(plan.results) == 0:
        return ""
    cycle = cycle_table(plan)
    rows = "".join(
        f"<tr><td>{_e(names.get(str(r.squad_id), r.squad_id))}</td>"
        f"<td>{r.followups_on_time} / {r.followups_due}</td>"
        f"<td>{r.red_to_yellow}</td><td>{r.yellow_to_green}</td>"
        f"<td>{r.green_to_yellow + r.yellow_to_red + r.green_to_red}</td></tr>"
        for r in cycle.itertuples(index=False)
    )
    return (
        "<h2>现场闭环 Field loop: 检查结果 outcomes per zone</h2>"
        f"{outcome_bars_svg(cycle, names)}"
        "<table><tr><th>中队</th><th>复查按期 follow-ups on time</th>"
        "<th>红→黄</th><th>黄→绿</th><th>风险升高 worse</th></tr>"
        f"{rows}</table>"
    )


_REACH_WHAT = {"cells": "网格", "enterprises": "企业", "events": "热点事件"}


def summary_html(plan: Plan) -> str:
    """The summary page as one HTML string (no script, no external resource)."""
    sc = plan.scenario
    s = plan.summary()
    load = squad_load(plan)
    days = sc.horizon.workdays()
    synthetic = (
        f'<span class="synthetic" id="synthetic-label">{SYNTHETIC_LABEL}</span>'
        if sc.synthetic
        else ""
    )
    # here, not at the top: planning.roads loads scipy and the road graph,
    # seconds that every command importing the exports would otherwise pay
    from planning.roads.context import travel_label

    cards = [
        (_n(s.joint_visits), "综合查一次 入企次数"),
        (_n(s.dept_inspections), "原各部门分别检查次数"),
        (_n(s.visits_saved), "减少入企次数 (少扰企)"),
        (
            f"{s.visits_saved / s.dept_inspections:.0%}" if s.dept_inspections else "—",
            "入企次数减少比例",
        ),
        (_n(s.unscheduled), f"未排入 / 应查 {s.due_enterprises} 家"),
        (_n(s.travel_km, 0), f"路程 km（{travel_label(s.by_road)}）"),
        (_n(s.travel_hours, 1), f"路程 小时（{travel_label(s.by_road)}）"),
        *(
            (f"{share:.0%}", f"5 分钟车程内的{_REACH_WHAT.get(what, what)}")
            for what, share in s.reach_shares
        ),
        (f"{s.spread_pct:.1f}%", "片区工作量最大偏差"),
    ]
    card_html = "".join(
        f'<div class="card"><b>{_e(v)}</b><span>{_e(t)}</span></div>' for v, t in cards
    )
    reasons = "".join(
        f"<li>{_e(r)} × {n}</li>"
        for r, n in sorted(s.reasons.items(), key=lambda kv: -kv[1])
    )
    reasons_html = (
        f"<h2>未排入原因 Unscheduled</h2><ul>{reasons}</ul>{_unscheduled(plan)}"
        if reasons
        else ""
    )
    title = f"{sc.name} 巡查划片与综合查一次计划 · 汇总"
    period = f"{days[0]} 至 {days[-1]}，{len(days)} 个工作日" if days else ""
    weeks = hotspot_weeks(plan)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_e(title)}{synthetic}</h1>
<div class="sub">计划期 {_e(period)} · {len(load)} 个中队 ·
政策：{_e(sc.policy.name)}</div>
<div class="cards">{card_html}</div>
<div class="grid">
<div><h2>片区划分 Zones</h2>{zone_map_svg(plan)}</div>
<div><h2>各中队工作量与目标 Load vs target</h2>{load_bars_svg(load)}
<h2>综合查一次：减少入企 Visits saved</h2>{saved_bars_svg(load)}</div>
</div>
<h2>热点事件周趋势 Hotspot events per week</h2>{hotspot_svg(weeks)}
<h2>各中队明细 Per squad</h2>{_table(load)}
{_field_loop(plan, dict(zip(load["squad_id"], load["name"], strict=True)))}
{reasons_html}
</body>
</html>
"""


def write_summary(plan: Plan, path: str | Path) -> Path:
    """Write the chief's summary page (``summary.html``) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary_html(plan), encoding="utf-8")
    return path
