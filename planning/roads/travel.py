"""Road travel behind the interface of :class:`planning.travel.TravelModel`.

The solvers call ``travel.km(a, b)`` and ``travel.minutes(a, b, speed_a,
speed_b)`` with metre coordinates; :class:`RoadTravel` answers both from one
road search (the speeds are ignored: the roads carry their own), keeps the
last few matrices so ``km`` then ``minutes`` on the same points searches
once, and can store them in a :class:`MatrixCache` keyed by a digest of the
road layer, so reopening a project does not recompute.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import geopandas as gpd
import numpy as np
import shapely

from planning.model import Policy
from planning.roads.attributes import RoadPolicy, normalise_roads
from planning.roads.graph import RoadGraph, RoadMatrix
from planning.roads.topology import build_topology
from planning.travel import metric_crs

__all__ = ["MatrixCache", "RoadTravel", "build_graph", "road_digest"]


class MatrixCache(Protocol):
    """Where matrices outlive the process (the project GeoPackage)."""

    def get(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None: ...

    def put(
        self, key: str, minutes: np.ndarray, metres: np.ndarray, code: np.ndarray
    ) -> None: ...

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None: ...

    def put_arrays(self, key: str, **arrays: np.ndarray) -> None: ...


def road_digest(roads: gpd.GeoDataFrame, policy: RoadPolicy) -> str:
    """A digest of the road layer and the road policy: the cache's key part.

    Geometry (WKB), the attribute columns and the policy all enter, so an
    edit in QGIS or a changed speed table invalidates cached matrices; the
    number of standby cars moves no road and stays out; the same layer and
    policy give the same digest in every process.
    """
    h = hashlib.sha256()
    fields = {k: v for k, v in vars(policy).items() if k != "standby_cars"}
    # sets sorted: their repr's order changes from one process to the next
    h.update(json.dumps(fields, sort_keys=True, default=sorted).encode())
    for wkb in shapely.to_wkb(roads.geometry.to_numpy()):
        h.update(wkb or b"")
    cols = sorted(c for c in roads.columns if c != roads.geometry.name)
    h.update(roads[cols].astype(str).to_csv(index=False).encode())
    return h.hexdigest()[:32]


def build_graph(
    roads: gpd.GeoDataFrame, policy: Policy | RoadPolicy, crs: str | None = None
) -> RoadGraph:
    """Road layer (any vocabulary, any CRS) -> :class:`RoadGraph`."""
    rp = policy if isinstance(policy, RoadPolicy) else RoadPolicy.from_policy(policy)
    lines, _ = normalise_roads(roads, rp)
    crs = crs or metric_crs(roads)
    return RoadGraph(build_topology(lines, crs, rp.snap_tolerance_m), rp)


class RoadTravel:
    """Road minutes and km with :class:`~planning.travel.TravelModel`'s methods.

    Parameters
    ----------
    graph
        The road graph, in the same metric CRS as the coordinates passed in.
    digest
        :func:`road_digest` of the layer; needed only with ``cache``.
    cache
        Optional persistent store of matrices.
    """

    by_road = True  # exports say "by road" instead of "straight-line estimate"

    def __init__(
        self,
        graph: RoadGraph,
        digest: str = "",
        cache: MatrixCache | None = None,
        keep: int = 8,
    ):
        self.graph = graph
        self.digest = digest
        self.cache = cache
        self._recent: OrderedDict[str, RoadMatrix] = OrderedDict()
        self._kept: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
        self._keep = keep

    def _key(self, a: np.ndarray, b: np.ndarray, metres: bool) -> str:
        h = hashlib.sha256(f"{self.digest}|{self.graph.crs}|{int(metres)}".encode())
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
        h.update(b"|")
        h.update(np.ascontiguousarray(b, dtype=float).tobytes())
        return h.hexdigest()[:40]

    def matrix(self, a: np.ndarray, b: np.ndarray, metres: bool = True) -> RoadMatrix:
        """The :class:`RoadMatrix` from ``a`` (n, 2 m) to ``b`` (m, 2 m).

        ``metres=False`` leaves kilometres out (NaN): cheaper, and all that
        zoning and reach need.
        """
        key = self._key(a, b, metres)
        # a matrix with metres answers a question for minutes only too
        keys = [key] if metres else [self._key(a, b, True), key]
        for k in keys:
            if k in self._recent:
                self._recent.move_to_end(k)
                return self._recent[k]
        result = self._stored(keys)
        if result is None:
            result = self.graph.matrix(a, b, metres=metres)
            if self.cache is not None:
                self.cache.put(key, result.minutes, result.metres, result.code)
        return self._remember(self._recent, key, result)

    def _stored(self, keys: list[str]) -> RoadMatrix | None:
        """The first of ``keys`` the persistent cache holds, if any."""
        if self.cache is None:
            return None
        for k in keys:
            stored = self.cache.get(k)
            if stored is not None:
                return RoadMatrix(*stored)
        return None

    def remembered(
        self,
        kind: str,
        points: np.ndarray,
        settings: np.ndarray,
        compute: Callable[[], dict[str, np.ndarray]],
    ) -> dict[str, np.ndarray]:
        """Arrays of another ``kind`` of result (the reach layer) on
        ``points`` with ``settings``: from memory, else from the project,
        else ``compute()``d and kept in both, like the matrices."""
        key = f"{kind}|" + self._key(points, settings, False)
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        stored = None if self.cache is None else self.cache.get_arrays(key)
        if stored is None:
            stored = compute()
            if self.cache is not None:
                self.cache.put_arrays(key, **stored)
        return self._remember(self._kept, key, stored)

    def _remember(self, kept: OrderedDict, key: str, value):
        """Keep ``value`` among the last few of its kind; returns it."""
        kept[key] = value
        if len(kept) > self._keep:
            kept.popitem(last=False)
        return value

    def km(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Road km of the quickest way, ``inf`` where there is none."""
        return self.matrix(a, b).metres / 1000.0

    def minutes(
        self,
        a: np.ndarray,
        b: np.ndarray,
        speed_a: np.ndarray | None = None,
        speed_b: np.ndarray | None = None,
    ) -> np.ndarray:
        """Road minutes (n, m); the land-use speeds are not needed by road."""
        return self.matrix(a, b, metres=False).minutes

    def route(self, stops: np.ndarray) -> shapely.LineString:
        """The road polyline through ``stops`` in order, access legs included."""
        return self.path(stops)[0]

    def path(self, stops: np.ndarray) -> tuple[shapely.LineString, float, float]:
        """Polyline, minutes and km through ``stops`` in order (``inf`` figures
        when a leg has no road: its line is then straight)."""
        stops = np.asarray(stops, float).reshape(-1, 2)
        legs = self.graph.route(stops)
        if not legs:
            return shapely.LineString(np.vstack([stops[:1], stops[:1]])), 0.0, 0.0
        xy = np.vstack([shapely.get_coordinates(g) for g, _, _ in legs])
        keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
        xy = xy[keep]
        line = shapely.LineString(xy if len(xy) > 1 else np.vstack([xy, xy]))
        minutes = float(sum(m for _, m, _ in legs))
        km = float(sum(d for _, _, d in legs)) / 1000.0
        return line, minutes, km
