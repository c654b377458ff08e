"""Roads and barriers drawn on the window's map (道路 / 障碍 layers).

The plan's page (``maps.render``) draws the reach areas and standby points
of a plan made with roads; the road lines and barriers themselves are the
scenario's input layers, which the page does not carry. The window adds
them to the loaded page as two more overlays (``roads``, ``barriers``),
simplified for drawing, so the planner sees where the roads run and which
river or expressway splits the county. No Qt here: the GeoJSON is built in
a worker thread.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

MAJOR_CLASSES = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "motorway_link",
        "trunk_link",
        "高速公路",
        "高速",
        "国道",
        "省道",
        "快速路",
        "主干路",
        "主干道",
    }
)
"""Road classes drawn wider (both vocabularies of ``planning.roads``)."""
SIMPLIFY_DEG = 2e-5
"""About 2 m: invisible at street zoom, halves a county's vertices."""

ADD_JS = """
(function (data) {
  var pm = window.plannerMap;
  if (!pm || !pm.map) { return -1; }
  if (!pm.map.getPane("roadlines")) {
    pm.map.createPane("roadlines").style.zIndex = 455;
    pm.map.getPane("roadlines").style.pointerEvents = "none";
  }
  ["roads", "barriers"].forEach(function (k) {
    if (pm.layers[k]) { pm.map.removeLayer(pm.layers[k]); delete pm.layers[k]; }
  });
  var n = 0;
  if (data.barriers) {
    pm.layers.barriers = L.geoJSON(data.barriers, {
      pane: "roadlines", interactive: false,
      style: {color: "#0d47a1", weight: 3.5, opacity: 0.9,
              fillColor: "#64b5f6", fillOpacity: 0.45}
    });
    n += data.barriers.features.length;
  }
  if (data.roads) {
    pm.layers.roads = L.geoJSON(data.roads, {
      pane: "roadlines", interactive: false,
      style: function (f) {
        var major = f.properties.m === 1;
        return {color: major ? "#4e342e" : "#616161",
                weight: major ? 3 : 0.8, opacity: major ? 0.95 : 0.55};
      }
    });
    n += data.roads.features.length;
  }
  return n;
})
"""


def _features(gdf: gpd.GeoDataFrame | None, major: bool) -> dict | None:
    if gdf is None or len(gdf) == 0:
        return None
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.crs is not None:
        gdf = gdf.to_crs(4326)
    geoms = shapely.simplify(gdf.geometry.to_numpy(), SIMPLIFY_DEG)
    geoms = shapely.set_precision(geoms, 1e-6)
    column = next((c for c in ("road_class", "highway") if c in gdf), None)
    if major and column is not None:
        flags = np.isin(gdf[column].astype(str).str.lower(), list(MAJOR_CLASSES))
    else:
        flags = np.zeros(len(gdf), dtype=bool)
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(g)),
            "properties": {"m": int(f)},
        }
        for g, f in zip(geoms, flags, strict=True)
        if g is not None and not shapely.is_empty(g)
    ]
    return {"type": "FeatureCollection", "features": features}


def road_layers_json(
    roads: gpd.GeoDataFrame | None, barriers: gpd.GeoDataFrame | None
) -> str | None:
    """The page data for :data:`ADD_JS`, or ``None`` when there is neither."""
    data = {"roads": _features(roads, True), "barriers": _features(barriers, False)}
    if data["roads"] is None and data["barriers"] is None:
        return None
    return json.dumps(data, separators=(",", ":"))
