"""Read road and barrier layers: the project's readers, plus OSM extracts.

GeoPackage, Shapefile (zipped or not, GBK attributes), GeoJSON and the rest
go through :func:`planning.io.readers.read_layer`, so coordinates
(``--coords gcj02`` ...), encodings and archive checks behave as for every
other layer. ``.osm.pbf`` extracts, which planners download from
Geofabrik or BBBike, are read with pyrosm (driving network; ``junction``
comes from the tags).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np

from planning.io.errors import IssueLog
from planning.io.readers import ReadResult, read_layer
from planning.model import WGS84
from planning.roads.messages import register

__all__ = ["read_lines"]

register()


def _read_pbf(path: Path, lang: str) -> ReadResult:
    log = IssueLog(path.name, "roads")
    try:
        import pyrosm
    except ImportError as exc:
        log.add("roads_pyrosm_missing")
        raise log.fail(lang) from exc
    try:
        osm = pyrosm.OSM(str(path))
        gdf = osm.get_network(network_type="driving", extra_attributes=["layer"])
    except Exception as exc:  # pyrosm raises many kinds on a broken extract
        log.add("unreadable", detail=str(exc)[:200])
        raise log.fail(lang) from exc
    if gdf is None or len(gdf) == 0:
        log.add("empty_layer")
        raise log.fail(lang)
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=gdf.crs or WGS84).to_crs(WGS84)
    return ReadResult(
        gdf.reset_index(drop=True),
        log.file,
        log.layer,
        np.arange(1, len(gdf) + 1),
        False,
        issues=log.close(),
    )


def read_lines(
    path: str | Path,
    *,
    layer: str | None = None,
    coords: str = "auto",
    expected_bounds: Sequence[float] | None = None,
    lang: str = "zh_CN",
) -> ReadResult:
    """A road or barrier layer in WGS84, with the reader's findings."""
    path = Path(path)
    if path.name.lower().endswith((".osm.pbf", ".pbf")):
        return _read_pbf(path, lang)
    return read_layer(
        path, layer=layer, coords=coords, expected_bounds=expected_bounds, lang=lang
    )
