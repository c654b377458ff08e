"""Travel distances and times between bases, cells and enterprises.

Without a road network the estimate is the straight line in a metric CRS x a
detour factor, at a speed set by the land use of both ends (policy). A road
layer can later replace :class:`TravelModel` behind the same methods.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from planning.model import Policy


def metric_crs(gdf: gpd.GeoDataFrame) -> str:
    """CGCS2000 3-degree Gauss-Kruger CRS (EPSG:4534-4554) for the data's centre.

    Zhejiang spans 117°E-123°E, so 常山 gets EPSG:4548 (117°E) and 平湖
    EPSG:4549... 4550 by its central meridian.
    """
    bounds = gdf.to_crs(4326).total_bounds
    lon = (bounds[0] + bounds[2]) / 2
    cm = int(round(lon / 3.0) * 3)
    cm = min(max(cm, 75), 135)
    return f"EPSG:{4534 + (cm - 75) // 3}"


def metric_xy(gdf: gpd.GeoDataFrame, crs: str) -> np.ndarray:
    """(n, 2) metre coordinates of each geometry's representative point."""
    geom = gdf.geometry.to_crs(crs)
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])


class TravelModel:
    """Straight-line x detour travel model with land-use speeds.

    Parameters
    ----------
    policy
        Supplies ``detour_factor`` and ``speed_kmh`` by land use.
    """

    def __init__(self, policy: Policy):
        self.detour = policy.detour_factor
        self.speeds = policy.speed_kmh

    def speed(self, land_use: np.ndarray | list[str] | str) -> np.ndarray:
        """km/h for each land-use label (unknown labels get the rural speed)."""
        lu = np.atleast_1d(np.asarray(land_use, dtype=object))
        default = self.speeds.get("rural", 40.0)
        return np.array([self.speeds.get(x, default) for x in lu], dtype=float)

    def km(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Road-km estimate between every row of ``a`` (n,2 m) and ``b`` (m,2 m)."""
        d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
        return d * self.detour / 1000.0

    def minutes(
        self,
        a: np.ndarray,
        b: np.ndarray,
        speed_a: np.ndarray,
        speed_b: np.ndarray,
    ) -> np.ndarray:
        """Travel minutes (n, m); the speed is the harmonic mean of both ends'."""
        km = self.km(a, b)
        v = 2.0 / (1.0 / speed_a[:, None] + 1.0 / speed_b[None, :])
        return km / v * 60.0
