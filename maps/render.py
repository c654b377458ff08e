"""Plan -> self-contained Leaflet HTML page (county overview or one squad).

Why a small template of our own rather than folium: folium builds popups as
HTML strings in Python and emits one JS variable per feature, which makes
escaping every attribute hard to audit and pages large; its default page also
pulls jQuery and Bootstrap from CDNs. Here the whole page is one static
template: the vendored Leaflet (and leaflet.heat) is inlined, the plan data
travel as one JSON blob (``<``, ``>``, ``&`` escaped, read with
``JSON.parse``) and every popup, tooltip and label is built in JS with
``textContent``, so no attribute text is ever parsed as HTML. A
Content-Security-Policy allows no network request except the tile servers of
the basemap asked for (none by default).

Basemaps: ``none`` (plain background, offline), ``osm`` (OpenStreetMap),
``tianditu`` (天地图 vector map + annotation, needs the user's key; CGCS2000
is WGS84 to within centimetres, so nothing is shifted) and ``amap`` (高德,
drawn in GCJ-02: every overlay is shifted WGS84 -> GCJ-02 *for display only*
while the page is built; the plan's data are never changed).

The page exposes ``window.plannerMap`` (map, layers, per-id layer lookups and
a few helpers) so the desktop app can drive it with ``runJavaScript``.

This module holds the basemaps, the page assembly and the template; the
plan's tables become page records in :mod:`maps.render_data` (whose palettes,
``squad_colors`` and ``weekday_name`` are re-exported here).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

from maps import _assets
from maps.render_data import (
    DAY_PALETTE,
    SQUAD_PALETTE,
    WEEKDAYS,
    WINDOW_PALETTE,
    Shift,
    _prepare,
    _Prepared,
    squad_colors,
    weekday_name,
)
from planning.io.coords import wgs84_to_gcj02
from planning.progress import CancelToken, ProgressEvent, ProgressFn

if TYPE_CHECKING:  # the renderer only reads a Plan; no need to load the solvers
    from planning.plan import Plan

__all__ = [
    "BASEMAPS",
    "DAY_PALETTE",
    "DEFAULT_BOUNDS",
    "RISK_COLORS",
    "SQUAD_PALETTE",
    "WEEKDAYS",
    "WINDOW_PALETTE",
    "Basemap",
    "Shift",
    "basemap_spec",
    "render_plan_map",
    "squad_colors",
    "weekday_name",
    "write_squad_maps",
]

BASEMAPS = ("none", "osm", "tianditu", "amap")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ORIGIN = "https://tile.openstreetmap.org"
TIANDITU_TILES = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_SUBDOMAINS = tuple(str(k) for k in range(8))
AMAP_TILES = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
    "&style=8&x={x}&y={y}&z={z}"
)
AMAP_SUBDOMAINS = ("1", "2", "3", "4")
_KEY = re.compile(r"[A-Za-z0-9_-]{8,128}")


@dataclass(frozen=True)
class Basemap:
    """Tile layers of one basemap, the origins the page may load from, and
    the datum the overlays are drawn in (``gcj02`` shifts them for display)."""

    name: str
    layers: tuple[dict, ...] = ()
    origins: tuple[str, ...] = ()
    attribution: str = ""
    datum: str = "wgs84"

    def page_data(self) -> dict:
        return {
            "name": self.name,
            "layers": [dict(layer) for layer in self.layers],
            "attribution": self.attribution,
            "datum": self.datum,
        }


def basemap_spec(basemap: str, key: str | None = None) -> Basemap:
    """The :class:`Basemap` called ``basemap``; ``ValueError`` for an unknown
    name, or for 天地图 without a usable key."""
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; expected one of {BASEMAPS}")
    if basemap == "osm":
        return Basemap(
            "osm",
            ({"url": OSM_TILES, "subdomains": "", "maxZoom": 19},),
            (OSM_ORIGIN,),
            "\u00a9 OpenStreetMap contributors",
        )
    if basemap == "tianditu":
        key = (key or "").strip()
        if not key:
            raise ValueError(
                "天地图 (tianditu) needs the user's key (tk): apply for a browser "
                "key at https://console.tianditu.gov.cn and enter it"
            )
        if not _KEY.fullmatch(key):
            raise ValueError(
                "天地图 (tianditu) key must be 8-128 letters, digits, '-' or '_'"
            )
        layers = tuple(
            {
                "url": TIANDITU_TILES.replace("{layer}", layer).replace(
                    "{key}", quote(key, safe="")
                ),
                "subdomains": "".join(TIANDITU_SUBDOMAINS),
                "maxZoom": 18,
            }
            for layer in ("vec", "cva")
        )
        origins = tuple(f"https://t{s}.tianditu.gov.cn" for s in TIANDITU_SUBDOMAINS)
        return Basemap("tianditu", layers, origins, "\u00a9 天地图 (tianditu.gov.cn)")
    if basemap == "amap":
        return Basemap(
            "amap",
            (
                {
                    "url": AMAP_TILES,
                    "subdomains": "".join(AMAP_SUBDOMAINS),
                    "maxZoom": 18,
                },
            ),
            tuple(f"https://webrd0{s}.is.autonavi.com" for s in AMAP_SUBDOMAINS),
            "\u00a9 高德地图 (AutoNavi)",
            datum="gcj02",
        )
    return Basemap("none")


RISK_COLORS = {"red": "#d7191c", "yellow": "#f5c400", "green": "#1a9641"}
DEFAULT_BOUNDS = [[27.0, 118.0], [31.2, 123.0]]  # Zhejiang, if the plan is empty


def _gcj02(coords: np.ndarray) -> np.ndarray:
    """WGS84 -> GCJ-02 on an (n, 2) lon/lat array (for a 高德 basemap)."""
    lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def _display_shift(spec: Basemap) -> Shift:
    return _gcj02 if spec.datum == "gcj02" else None


def _to_json(data: Any) -> str:
    """JSON safe to place inside a <script> element."""

    def default(o: Any) -> Any:
        if hasattr(o, "item"):
            return o.item()
        return str(o)

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=default)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# --------------------------------------------------------------------------- #
# page
# --------------------------------------------------------------------------- #


def _page_data(
    prep: _Prepared,
    squad_id: str | None,
    title: str,
    spec: Basemap,
    layer_control: bool = True,
) -> dict:
    def mine(sid: str | None) -> bool:
        return squad_id is None or sid == squad_id

    if squad_id is None:
        cells = [f for feats in prep.cells.values() for f in feats]
        bounds = prep.county_bounds
    else:
        cells = prep.cells.get(squad_id, [])
        bounds = prep.cell_bounds.get(squad_id) or prep.county_bounds
    zones = [
        {
            **z,
            "properties": {
                **z["properties"],
                "own": z["properties"]["squad_id"] == squad_id,
            },
        }
        for z in prep.zones
    ]
    routes = [r for r in prep.routes if mine(r["squad_id"])]
    stops = [s for s in prep.stops if mine(s["squad_id"])]
    used_days = {r["day"] for r in routes} | {s["day"] for s in stops}
    patrols = [p for p in prep.patrols if mine(p["squad_id"])]
    used_windows = {p["window"] for p in patrols}
    return {
        "title": title,
        "synthetic": prep.synthetic,
        "squad": squad_id,
        "basemap": spec.page_data(),
        "layerControl": layer_control,
        "bounds": bounds or DEFAULT_BOUNDS,
        "maxWorkload": prep.max_workload,
        "squads": prep.squads,
        "colors": prep.colors,
        "riskColors": RISK_COLORS,
        "cells": {"type": "FeatureCollection", "features": cells},
        "zones": {"type": "FeatureCollection", "features": zones},
        "towns": {"type": "FeatureCollection", "features": prep.towns},
        "enterprises": [e for e in prep.enterprises if mine(e["squad_id"])],
        "days": [d for d in prep.days if d["day"] in used_days],
        "routes": routes,
        "stops": stops,
        "hotspots": [h for sid, h in prep.hotspots if mine(sid)],
        "patrols": patrols,
        "windows": [w for w in prep.windows if w["window"] in used_windows],
        "reach": {
            "type": "FeatureCollection",
            "features": [f for f in prep.reach if mine(f["properties"]["squad_id"])],
        },
        "standby": [p for p in prep.standby if mine(p["squad_id"])],
    }


def _default_title(prep: _Prepared, squad_id: str | None) -> str:
    if squad_id is None:
        return prep.name
    squad = next((s for s in prep.squads if s["id"] == squad_id), None)
    name = squad["name"] if squad and squad["name"] else squad_id
    return f"{prep.name} · {name}"


def _html(data: dict, title: str, synthetic: bool, spec: Basemap) -> str:
    img_src = " ".join(("data:", *spec.origins))
    csp = (
        "default-src 'none'; script-src 'unsafe-inline'; "
        f"style-src 'unsafe-inline'; img-src {img_src}"
    )
    label = (
        '<span id="synthetic-label" class="synthetic">示例数据 (synthetic)</span>'
        if synthetic
        else ""
    )
    return _TEMPLATE.format(
        csp=html.escape(csp, quote=True),
        title=html.escape(title),
        leaflet_css=_assets.leaflet_css(),
        leaflet_js=_assets.leaflet_js(),
        heat_js=_assets.heat_js(),
        synthetic_label=label,
        data=_to_json(data),
        app_css=_assets.page_css(),
        app_js=_assets.page_js(),
    )


def _render(
    prep: _Prepared,
    squad_id: str | None,
    title: str | None,
    spec: Basemap,
    layer_control: bool = True,
) -> str:
    if squad_id is not None and squad_id not in prep.colors:
        raise ValueError(f"unknown squad_id {squad_id!r}")
    title = title or _default_title(prep, squad_id)
    data = _page_data(prep, squad_id, title, spec, layer_control)
    return _html(data, title, prep.synthetic, spec)


def render_plan_map(
    plan: Plan,
    squad_id: str | None = None,
    *,
    title: str | None = None,
    basemap: str = "none",
    basemap_key: str | None = None,
    layer_control: bool = True,
) -> str:
    """A complete offline HTML page of the plan (whole county or one squad).

    ``squad_id=None`` draws every zone; a squad id draws only that squad's
    cells, enterprises, routes and hotspots, with other zones as faint
    outlines for orientation. ``basemap`` is one of :data:`BASEMAPS`:
    ``"none"`` (plain background, no network), ``"osm"``, ``"tianditu"``
    (needs ``basemap_key``, the user's 天地图 key) or ``"amap"`` (高德; the
    overlays are drawn shifted to GCJ-02). Tiles load only from the chosen
    basemap's servers. ``layer_control=False`` leaves out Leaflet's layer
    switcher (the desktop app's layer panel does that job).
    """
    spec = basemap_spec(basemap, basemap_key)
    prep = _prepare(plan, _display_shift(spec))
    return _render(prep, squad_id, title, spec, layer_control)


def _file_name(squad_id: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", squad_id).strip(" .") or "squad"


def write_squad_maps(
    plan: Plan,
    out_dir: Path,
    progress: ProgressFn | None = None,
    *,
    basemap: str = "none",
    cancel: CancelToken | None = None,
    basemap_key: str | None = None,
) -> list[Path]:
    """Write ``out_dir/<squad_id>.html`` for every squad; return the paths.

    The plan is converted once and sliced per squad, so a 50-squad county
    does not redo the geometry work 50 times. Field teams open these files
    on phones or laptops without network. ``basemap`` / ``basemap_key`` as
    in :func:`render_plan_map` (a 天地图 key is written into the pages).
    """
    spec = basemap_spec(basemap, basemap_key)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prep = _prepare(plan, _display_shift(spec))
    squad_ids = [str(s) for s in plan.scenario.squads["squad_id"]]
    paths: list[Path] = []
    for k, sid in enumerate(squad_ids):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None:
            progress(ProgressEvent("maps", k / max(len(squad_ids), 1), f"{sid}.html"))
        path = out_dir / f"{_file_name(sid)}.html"
        path.write_text(_render(prep, sid, None, spec), encoding="utf-8")
        paths.append(path)
    if progress is not None:
        progress(ProgressEvent("maps", 1.0, f"{len(paths)} maps written"))
    return paths


# --------------------------------------------------------------------------- #
# template
# --------------------------------------------------------------------------- #

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{leaflet_css}</style>
<style>{app_css}</style>
</head>
<body>
<div id="map"></div>
<div id="titlebox"><span class="title">{title}</span>{synthetic_label}</div>
<script>{leaflet_js}</script>
<script>{heat_js}</script>
<script type="application/json" id="plan-data">{data}</script>
<script>{app_js}</script>
</body>
</html>
"""
