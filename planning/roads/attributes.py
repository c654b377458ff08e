"""Road attributes in both vocabularies, mapped to one set of columns.

Planners get roads from OpenStreetMap (``highway``, ``oneway``, ``maxspeed``,
``bridge``, ``tunnel``, ``layer``, ``junction``), from Geofabrik shapefiles
(``fclass``, ``oneway`` F/T/B) and from Chinese surveys (道路等级 / 等级 /
类型, 单行 / 单向, 限速 / 设计速度, 桥梁, 隧道, 层). :func:`normalise_roads`
turns any of them into the columns the topology and graph code read, so the
rest of the package never looks at a source's field names.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.model import STANDBY_CARS, Policy, standby_cars

__all__ = ["RoadPolicy", "normalise_roads", "CANONICAL"]

# canonical column -> accepted source names, best first (compared lower-cased,
# spaces / punctuation dropped)
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "road_class": (
        "highway",
        "fclass",
        "road_class",
        "roadclass",
        "class",
        "道路等级",
        "等级",
        "道路类型",
        "类型",
        "道路类别",
        "kind",
    ),
    "oneway": ("oneway", "单行", "单向", "单行线", "单向通行", "direction"),
    "speed": ("maxspeed", "speed", "限速", "设计速度", "设计时速", "速度"),
    "bridge": ("bridge", "桥梁", "桥", "是否桥梁"),
    "tunnel": ("tunnel", "隧道", "是否隧道"),
    "layer": ("layer", "层", "图层层级", "层级"),
    "junction": ("junction", "交叉口类型"),
    "name": ("name", "道路名称", "名称", "路名"),
}
CANONICAL = (
    "road_class",
    "oneway",
    "speed_kmh",
    "speed_source",
    "bridge",
    "tunnel",
    "level",
    "stop",
    "name",
)
TRUE_WORDS = {"yes", "true", "1", "y", "t", "是", "有", "viaduct", "aqueduct"}
FORWARD = {"yes", "true", "1", "forward", "是", "单行", "单向", "正向", "顺向"}
BACKWARD = {"-1", "reverse", "backward", "反向", "逆向"}
TWO_WAY = {"no", "false", "0", "both", "否", "双向", "双行"}
# OSM: motorways (and their links) and roundabouts are one-way unless tagged
IMPLIED_ONEWAY = {"motorway", "motorway_link"}
_PUNCT = re.compile(r"[\s_\-()（）\[\]【】/:：]+")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class RoadPolicy:
    """The ``[roads]`` section of the policy TOML.

    Parameters
    ----------
    speed_kmh
        Speed by road class (OSM ``highway`` and Chinese 道路等级 values).
    default_speed_kmh
        Speed of classes the table does not know (reported at import).
    access_speed_kmh
        Speed of the leg from a point to the road it joins: slow, because the
        last metres are often yards and lanes no map has.
    snap_tolerance_m
        Near misses closer than this are joined; duplicates this close merged.
    reach_minutes
        Reach (1530) thresholds drawn per base.
    reach_width_m
        Half-width of the band around reached roads that makes a reach area.
    no_stop
        Classes a patrol car may not stop on (points never join them).
    standby_cars
        Patrol cars per squad on standby in each peak window (0 = none).
    """

    speed_kmh: dict[str, float] = field(default_factory=dict)
    default_speed_kmh: float = 30.0
    access_speed_kmh: float = 15.0
    snap_tolerance_m: float = 3.0
    reach_minutes: tuple[float, ...] = (5.0, 15.0, 30.0)
    reach_width_m: float = 100.0
    no_stop: frozenset[str] = frozenset({"motorway", "motorway_link", "trunk_link"})
    standby_cars: int = STANDBY_CARS

    @classmethod
    def from_policy(cls, policy: Policy) -> RoadPolicy:
        """Read ``[roads]`` from the policy's TOML; defaults when it has none.

        Read from ``source_text`` so projects saved before roads existed (no
        section) still load, and the policy dataclass stays as it is.
        """
        raw = tomllib.loads(policy.source_text).get("roads", {}) if policy else {}
        return cls.from_mapping(raw)

    @classmethod
    def from_mapping(cls, raw: dict) -> RoadPolicy:
        base = cls()
        return cls(
            speed_kmh={str(k): float(v) for k, v in raw.get("speed_kmh", {}).items()},
            default_speed_kmh=float(
                raw.get("default_speed_kmh", base.default_speed_kmh)
            ),
            access_speed_kmh=float(raw.get("access_speed_kmh", base.access_speed_kmh)),
            snap_tolerance_m=float(raw.get("snap_tolerance_m", base.snap_tolerance_m)),
            reach_minutes=tuple(
                float(m) for m in raw.get("reach_minutes", base.reach_minutes)
            ),
            reach_width_m=float(raw.get("reach_width_m", base.reach_width_m)),
            no_stop=frozenset(str(c) for c in raw.get("no_stop", base.no_stop)),
            standby_cars=standby_cars(raw.get("standby_cars", base.standby_cars)),
        )


def _norm(name: object) -> str:
    return _PUNCT.sub("", str(name).lower())


def _find(columns: list[str], canonical: str) -> str | None:
    by_norm = {_norm(c): c for c in columns}
    for candidate in FIELD_NAMES[canonical]:
        if _norm(candidate) in by_norm:
            return by_norm[_norm(candidate)]
    return None


def _text(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, "", dtype=object)
    s = series.astype(object).where(series.notna(), "")
    return np.array([str(v).strip().lower() for v in s], dtype=object)


def _speed(values: np.ndarray) -> np.ndarray:
    """km/h from ``"50"``, ``"50 km/h"``, ``"30 mph"``; NaN when none."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        m = _NUMBER.search(v) if v else None
        if m:
            out[i] = float(m.group(1)) * (1.609 if "mph" in v else 1.0)
    out[out <= 0] = np.nan
    return out


def _osm_tags(gdf: pd.DataFrame, key: str) -> np.ndarray:
    """``key`` from pyrosm's JSON ``tags`` column (where ``junction`` hides)."""
    out = np.full(len(gdf), "", dtype=object)
    if "tags" not in gdf.columns:
        return out
    for i, text in enumerate(gdf["tags"].to_numpy()):
        if isinstance(text, str) and f'"{key}"' in text:
            try:
                out[i] = str(json.loads(text).get(key, "")).lower()
            except ValueError:
                continue
    return out


def normalise_roads(
    gdf: gpd.GeoDataFrame, policy: RoadPolicy
) -> tuple[gpd.GeoDataFrame, dict[str, object]]:
    """The road lines with the canonical columns, and what was found.

    The second value holds ``fields`` (source column used per canonical
    column), ``unknown_classes`` (class -> count, given the default speed)
    and ``one_way`` (count of one-way lines).
    """
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    found = {c: _find(cols, c) for c in FIELD_NAMES}
    n = len(gdf)
    get = {c: (gdf[src] if src else None) for c, src in found.items()}
    road_class = _text(get["road_class"], n)
    road_class[road_class == ""] = "unknown"
    junction = _text(get["junction"], n)
    if found["junction"] is None:
        junction = _osm_tags(gdf, "junction")

    oneway_txt = _text(get["oneway"], n)
    oneway = np.zeros(n, dtype=np.int8)
    oneway[np.isin(oneway_txt, list(FORWARD))] = 1
    oneway[np.isin(oneway_txt, list(BACKWARD))] = -1
    # Geofabrik: F = with the digitised direction, T = against it, B = both
    geofabrik = bool(found["road_class"]) and _norm(found["road_class"]) == "fclass"
    if geofabrik:
        oneway[oneway_txt == "f"] = 1
        oneway[oneway_txt == "t"] = -1
        oneway_txt = np.where(oneway_txt == "b", "no", oneway_txt)
    untagged = ~np.isin(oneway_txt, list(FORWARD | BACKWARD | TWO_WAY))
    if geofabrik:
        untagged &= ~np.isin(oneway_txt, ["f", "t"])
    implied = np.isin(road_class, list(IMPLIED_ONEWAY)) | (junction == "roundabout")
    oneway[untagged & implied] = 1

    attr_speed = _speed(_text(get["speed"], n))
    lowered = {k.lower(): v for k, v in policy.speed_kmh.items()}
    class_speed = np.array([lowered.get(c, np.nan) for c in road_class], dtype=float)
    speed = np.where(np.isfinite(attr_speed), attr_speed, class_speed)
    source = np.where(
        np.isfinite(attr_speed),
        "attribute",
        np.where(np.isfinite(class_speed), "class", "default"),
    )
    speed = np.where(np.isfinite(speed), speed, policy.default_speed_kmh)
    unknown = Counter(road_class[~np.isfinite(class_speed)].tolist())

    bridge = np.isin(_text(get["bridge"], n), list(TRUE_WORDS))
    tunnel = np.isin(_text(get["tunnel"], n), list(TRUE_WORDS))
    layer_raw = pd.to_numeric(
        get["layer"]
        if get["layer"] is not None
        else pd.Series(np.nan, index=gdf.index),
        errors="coerce",
    ).to_numpy(dtype=float)
    # an overpass drawn without a layer tag still is not a junction
    level = np.where(
        np.isfinite(layer_raw) & (layer_raw != 0),
        layer_raw,
        np.where(bridge, 1, np.where(tunnel, -1, 0)),
    ).astype(np.int16)
    no_stop = {c.lower() for c in policy.no_stop}
    name = (
        get["name"].astype(object).where(get["name"].notna(), "")
        if get["name"] is not None
        else pd.Series("", index=gdf.index)
    )

    out = gpd.GeoDataFrame(
        {
            "road_class": road_class,
            "oneway": oneway,
            "speed_kmh": speed,
            "speed_source": source,
            "bridge": bridge,
            "tunnel": tunnel,
            "level": level,
            "stop": ~np.isin(road_class, list(no_stop)),
            "name": name.astype(str).to_numpy(),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    if "synthetic" in gdf.columns:
        out["synthetic"] = gdf["synthetic"].to_numpy()
    findings: dict[str, object] = {
        "fields": {k: v for k, v in found.items() if v},
        "unknown_classes": dict(unknown.most_common()),
        "one_way": int((oneway != 0).sum()),
    }
    return out, findings
