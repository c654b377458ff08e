"""Write a comparison of two plans (方案对比): an XLSX and an offline HTML page.

The page carries Leaflet inlined (as every map of the app does: bureau
networks block CDNs) and draws plan A's zones as dashed outlines, plan B's as
filled zones, and the cells that change hands coloured by their from -> to
pair, next to the headline and the per-squad table. Data travel as one JSON
blob and every label is set with ``textContent``; the table is escaped on
the Python side.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from maps import _assets
from planning.compare import Comparison

PALETTE = (
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628",
    "#f781bf", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
    "#e6ab02", "#a6761d", "#1f78b4", "#33a02c", "#fb9a99", "#b15928",
)  # fmt: skip

COLUMNS = {
    "squad_id": ("中队编号", "squad"),
    "name": ("中队", "name"),
    "workload": ("工作量(分钟)", "workload (min)"),
    "target": ("目标", "target"),
    "deviation_pct": ("偏差%", "deviation %"),
    "cells": ("网格数", "cells"),
    "travel": ("路程(工作量×分钟)", "travel (workload x min)"),
    "reach": ("最远(分钟)", "reach (min)"),
    "contiguous": ("连续", "contiguous"),
    "visits": ("联合检查次数", "joint visits"),
    "visits_saved": ("减少入企次数", "visits saved"),
    "route_km": ("路线公里", "route km"),
    "workload_change": ("工作量变化", "workload change"),
    "cells_change": ("网格变化", "cells change"),
}


def _header(col: str) -> str:
    for base, (zh, en) in COLUMNS.items():
        for tag in ("_a", "_b"):
            if col == base + tag:
                side = tag[1].upper()
                return f"{zh} {side} / {en} {side}"
        if col == base:
            return f"{zh} / {en}"
    return col


def write_comparison_xlsx(comparison: Comparison, path: str | Path) -> Path:
    """Sheets 对比 (headline and per-squad rows) and 易手网格 (changed cells)."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "对比"
    ws.append([f"A = {comparison.a}", f"B = {comparison.b}"])
    for line in comparison.headline():
        ws.append([line])
    ws.append([])
    table = comparison.table
    ws.append([_header(c) for c in table.columns])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in table.itertuples(index=False):
        ws.append([_plain(v) for v in row])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    moves = wb.create_sheet("易手网格")
    moves.append(
        ["网格 / cell_id", "原中队 / from", "新中队 / to", "工作量 / workload"]
    )
    for cell in moves[1]:
        cell.font = Font(bold=True)
    changes = comparison.changes
    for cid, a, b, w in zip(
        changes["cell_id"],
        changes["from_squad"],
        changes["to_squad"],
        changes["workload"],
        strict=True,
    ):
        moves.append([str(cid), _plain(a), _plain(b), round(float(w), 1)])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _plain(value: object) -> object:
    if isinstance(value, bool | np.bool_):
        return "是 yes" if value else "否 no"  # a zone in one piece or not
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return round(float(value), 1)
    return value if isinstance(value, int | str) else str(value)


def _geojson(geoms: gpd.GeoSeries, props: list[dict]) -> dict:
    shapes = shapely.set_precision(geoms.to_crs(4326).to_numpy(), 1e-6)
    feats = [
        {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)}
        for g, p in zip(shapes, props, strict=True)
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": feats}


def _zones(comparison: Comparison, zones: pd.Series, colors: dict) -> dict:
    cells = comparison.cells.to_crs(4326)
    sid = zones.reindex(cells["cell_id"]).to_numpy()
    names = dict(
        zip(comparison.squads["squad_id"], comparison.squads["name"], strict=True)
    )
    geoms, props = [], []
    for s in comparison.squads["squad_id"]:
        mine = cells.geometry.to_numpy()[sid == s]
        if len(mine):
            geoms.append(shapely.union_all(mine, grid_size=1e-7))
            props.append({"squad": str(s), "name": str(names[s]), "color": colors[s]})
    return _geojson(gpd.GeoSeries(geoms, crs=4326), props)


def comparison_page(comparison: Comparison) -> str:
    """The offline HTML page: map of both plans and the changed cells, the
    headline and the per-squad table."""
    ids = [str(s) for s in comparison.squads["squad_id"]]
    colors = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(ids)}
    ch = comparison.changes
    pairs = sorted(
        {
            (str(a), str(b))
            for a, b in zip(ch["from_squad"], ch["to_squad"], strict=True)
        }
    )
    pair_color = {p: PALETTE[(i * 5 + 3) % len(PALETTE)] for i, p in enumerate(pairs)}
    props = [
        {
            "cell": str(c),
            "from": str(a),
            "to": str(b),
            "workload": round(float(w), 1),
            "color": pair_color[(str(a), str(b))],
        }
        for c, a, b, w in zip(
            ch["cell_id"], ch["from_squad"], ch["to_squad"], ch["workload"], strict=True
        )
    ]
    data = {
        "a": comparison.a,
        "b": comparison.b,
        "zonesA": _zones(comparison, comparison.zones_a, colors),
        "zonesB": _zones(comparison, comparison.zones_b, colors),
        "changes": _geojson(ch.geometry, props),
        "legend": [
            {"label": f"{a} → {b}", "color": pair_color[(a, b)]} for a, b in pairs
        ],
        "headline": comparison.headline(),
    }
    blob = json.dumps(data, ensure_ascii=False)
    blob = blob.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    table = comparison.table
    head = "".join(f"<th>{html.escape(_header(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    title = f"方案对比 Plan comparison: {comparison.a} / {comparison.b}"
    return _PAGE.format(
        title=html.escape(title),
        leaflet_css=_assets.leaflet_css(),
        leaflet_js=_assets.leaflet_js(),
        data=blob,
        head=head,
        body=body,
        script=_SCRIPT,
    )


def _cell(value: object) -> str:
    v = _plain(value)
    if isinstance(v, float):
        return f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if v is None else str(v)


def export_comparison(comparison: Comparison, out_dir: str | Path) -> list[Path]:
    """``compare.xlsx``, ``compare.html`` and ``changes.gpkg`` in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx = write_comparison_xlsx(comparison, out / "compare.xlsx")
    page = out / "compare.html"
    page.write_text(comparison_page(comparison), encoding="utf-8")
    layer = out / "changes.gpkg"
    if layer.exists():
        layer.unlink()
    comparison.changes.to_crs(4326).to_file(layer, layer="changes", driver="GPKG")
    return [xlsx, page, layer]


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{leaflet_css}</style>
<style>
body {{ margin: 0; font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }}
#top {{ display: flex; height: 62vh; }}
#map {{ flex: 3; }}
#side {{ flex: 1; padding: 8px 12px; overflow: auto; font-size: 13px; }}
#side h1 {{ font-size: 16px; margin: 4px 0 8px; }}
#side li {{ margin: 3px 0; }}
.swatch {{ display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #333; }}
#table {{ height: 38vh; overflow: auto; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
th {{ background: #ddebf7; position: sticky; top: 0; }}
td:nth-child(-n+2) {{ text-align: left; }}
</style>
</head>
<body>
<div id="top"><div id="map"></div><div id="side"><h1>{title}</h1>
<ul id="headline"></ul><div id="legend"></div></div></div>
<div id="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>
<script>{leaflet_js}</script>
<script type="application/json" id="compare-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_SCRIPT = """
(function () {
  var d = JSON.parse(document.getElementById('compare-data').textContent);
  var map = L.map('map', {preferCanvas: true});
  function label(layer, text) { var s = document.createElement('span');
    s.textContent = text; layer.bindTooltip(s); }
  var b = L.geoJSON(d.zonesB, {style: function (f) { return {color: f.properties.color,
    weight: 1.5, fillColor: f.properties.color, fillOpacity: 0.25}; },
    onEachFeature: function (f, l) { label(l, 'B ' + f.properties.name); }});
  var a = L.geoJSON(d.zonesA, {style: function (f) { return {color: '#222',
    weight: 2, dashArray: '6 4', fill: false}; },
    onEachFeature: function (f, l) { label(l, 'A ' + f.properties.name); }});
  var c = L.geoJSON(d.changes, {style: function (f) { return {color: '#000',
    weight: 0.8, fillColor: f.properties.color, fillOpacity: 0.9}; },
    onEachFeature: function (f, l) { var p = f.properties;
      label(l, p.cell + ': ' + p.from + ' \\u2192 ' + p.to +
        ' (' + p.workload + ')'); }});
  b.addTo(map); a.addTo(map); c.addTo(map);
  var over = {}; over['A ' + d.a] = a; over['B ' + d.b] = b;
  over['\\u6613\\u624b\\u7f51\\u683c changed cells'] = c;
  L.control.layers(null, over, {collapsed: false}).addTo(map);
  var bounds = b.getBounds(); if (bounds.isValid()) map.fitBounds(bounds);
  var ul = document.getElementById('headline');
  d.headline.forEach(function (t) { var li = document.createElement('li');
    li.textContent = t; ul.appendChild(li); });
  var lg = document.getElementById('legend');
  d.legend.forEach(function (e) { var div = document.createElement('div');
    var sw = document.createElement('span'); sw.className = 'swatch';
    sw.style.background = e.color; div.appendChild(sw);
    div.appendChild(document.createTextNode(e.label)); lg.appendChild(div); });
  window.compareMap = {map: map, a: a, b: b, changes: c};
})();
"""
