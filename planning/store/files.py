"""Every layer of a GeoPackage in and out of the store, unmanaged ones too.

``db push`` / ``db pull`` move whole files: layers a user added in QGIS
(notes, their own tables) travel with the plan, as ``save_project`` keeps
them in the GeoPackage.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from planning.io.project import atomic_gpkg, read_meta


def read_gpkg_layers(path: str | Path) -> dict[str, pd.DataFrame]:
    """All layers of a project file; raises ``ProjectError`` for a file that
    is not a project of this app."""
    read_meta(path)
    return {
        str(name): pyogrio.read_dataframe(path, layer=str(name))
        for name, _ in pyogrio.list_layers(path)
    }


def write_gpkg_layers(path: str | Path, layers: dict[str, pd.DataFrame]) -> Path:
    """Write ``layers`` as a GeoPackage atomically (temp file, then rename)."""
    path = Path(path)
    with atomic_gpkg(path) as tmp:
        for name, df in layers.items():
            if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df:
                pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG")
            else:
                pyogrio.write_dataframe(
                    pd.DataFrame(df), tmp, layer=name, driver="GPKG"
                )
    return path
