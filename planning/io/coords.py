"""China's obfuscated datums: GCJ-02 (高德, 腾讯) and BD-09 (百度) <-> WGS84.

Registers kept from web maps (高德 exports, 百度 pick-a-point tools) carry
coordinates ~500 m off WGS84; importing them as WGS84 puts firms in the
wrong cell. Exports, in turn, shift overlays onto a GCJ-02 basemap for
display. These are the published algorithms (the same formulas as the
coordtransform / eviltransform / gcoord libraries), vectorised with numpy:
every function takes scalars or arrays and returns ``(lon, lat)`` float64
arrays (0-d for scalar input); NaN / inf propagate without warnings. Outside
mainland China's bounding box the GCJ-02 shift is zero, as in those
libraries, so foreign data pass through unchanged.

The forward transforms are closed-form; the inverses are solved by fixed
point iteration to better than 1e-9 degrees (a millimetre), rather than the
common one-step approximation that is off by up to a few metres.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

Coords = tuple[NDArray[np.float64], NDArray[np.float64]]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_TOL = 1e-10  # degrees; inverse iterations stop below this
_MAX_ITER = 30


def _arrays(lon: ArrayLike, lat: ArrayLike) -> Coords:
    lon_a, lat_a = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_a.copy(), lat_a.copy()


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where the point lies in the rectangle the GCJ-02 shift applies to."""
    lon_a, lat_a = _arrays(lon, lat)
    return (
        (lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271)
    )


def _gcj_delta(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Coords:
    """GCJ-02 minus WGS84 at a WGS84 point, in degrees (zero outside China)."""
    with np.errstate(invalid="ignore", over="ignore"):  # NaN / inf / huge: quiet
        return _gcj_delta_raw(lon, lat)


def _gcj_delta_raw(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Coords:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (
        (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    )
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (
        (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0))
        * 2.0
        / 3.0
    )
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (
        (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi))
        * 2.0
        / 3.0
    )
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _out(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Coords:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS84 -> GCJ-02 (what 高德 / 腾讯 basemaps expect)."""
    lon_a, lat_a = _arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    return _out(lon_a + dlon, lat_a + dlat)


def _invert(
    forward: Callable[[ArrayLike, ArrayLike], Coords],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    guess: Coords,
) -> Coords:
    """Solve ``forward(x) == (lon, lat)`` by fixed-point steps from ``guess``.

    Both shifts are small and smooth, so each step gains ~3 digits.
    """
    xlon, xlat = guess
    finite = np.isfinite(lon) & np.isfinite(lat)
    with np.errstate(invalid="ignore"):
        for _ in range(_MAX_ITER):
            flon, flat = forward(xlon, xlat)
            elon, elat = lon - flon, lat - flat
            xlon = xlon + elon
            xlat = xlat + elat
            if not np.any(np.maximum(np.abs(elon), np.abs(elat))[finite] > _TOL):
                break
    return _out(xlon, xlat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 -> WGS84, iterated until the forward transform matches (< 1e-9°)."""
    glon, glat = _arrays(lon, lat)
    return _invert(wgs84_to_gcj02, glon, glat, (glon, glat))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 -> BD-09 (what 百度 maps expect)."""
    x, y = _arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
        theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
        return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 -> GCJ-02: the published closed form, then refined by iteration.

    The closed form alone is off by up to ~1e-6° (0.1 m); refining makes a
    BD-09 export re-import to the same point.
    """
    blon, blat = _arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        x, y = blon - 0.0065, blat - 0.006
        z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
        theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
        guess = z * np.cos(theta), z * np.sin(theta)
    return _invert(gcj02_to_bd09, blon, blat, guess)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS84 -> BD-09, through GCJ-02 as Baidu itself does."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 -> WGS84, through GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
