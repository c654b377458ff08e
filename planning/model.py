"""Typed scenario: what a county plan is made of, and its validation.

A :class:`Scenario` bundles the layers a planner loads (cells, towns, squads,
enterprises, hotspots) with the :class:`Policy` that says how often each
inspection item is due. Layers are GeoDataFrames in WGS84 (EPSG:4326) with
the columns documented in ``docs/plan-schema.md``; :func:`validate_scenario`
checks them and raises :class:`ScenarioError` naming layer, row and column.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEFAULT_POLICY = RESOURCES / "policies" / "default.toml"

RISKS = ("red", "yellow", "green")
CREDITS = ("A", "B", "C", "D")
ITEM_KINDS = ("comprehensive", "professional")
LAND_USES = ("urban", "suburban", "rural")
WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"


def hhmm_to_min(text: str) -> int:
    """``"08:30"`` -> 510 minutes after midnight (``"24:00"`` -> 1440)."""
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


def min_to_hhmm(minutes: float) -> str:
    """510 -> ``"08:30"``; used for ETAs in visits and work orders."""
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def parse_window(text: str) -> tuple[int, int]:
    """``"11:00-13:00"`` -> (660, 780)."""
    start, end = text.split("-")
    return hhmm_to_min(start), hhmm_to_min(end)


@dataclass(frozen=True)
class Department:
    """A department whose items are checked in joint visits (e.g. 市场监管).

    ``inspectors_per_day`` is how many inspectors it can send out on one
    workday, to all squads' crews together.
    """

    dept_id: str
    name: str
    inspectors_per_day: int


@dataclass(frozen=True)
class InspectionItem:
    """One inspection item of a department's catalogue.

    ``kind`` is ``comprehensive`` (any squad member may check it, 综合类) or
    ``professional`` (needs an inspector of ``dept_id``, 专业类).
    """

    item_id: str
    dept_id: str
    name: str
    minutes: int
    kind: str
    interval_days: int


@dataclass(frozen=True)
class Category:
    """An enterprise kind and its 执法监管"一件事" item list and hours."""

    category_id: str
    name: str
    items: tuple[str, ...]
    open: tuple[int, int]
    busy: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Policy:
    """Inspection, travel and patrol policy (from ``resources/policies``).

    Parameters
    ----------
    departments, items, categories
        Catalogue keyed by id.
    risk_multiplier, credit_multiplier
        Factors on an item's interval: smaller means more often.
    day_start, day_end, lunch
        Working day in minutes after midnight; no service during lunch.
    teams_per_squad
        Teams a squad fields per day when the squad layer does not say.
    detour_factor, speed_kmh
        Straight-line distance x detour / speed by land use = travel time.
    event_weights, minutes_per_weighted_event, recency_half_life_weeks
        Hotspot severity and how much patrol time it adds.
    base_patrol_minutes_per_km2
        Patrol load per km² over the horizon by land use.
    source_text
        The TOML the policy was read from, saved with the project.
    """

    name: str
    departments: dict[str, Department]
    items: dict[str, InspectionItem]
    categories: dict[str, Category]
    risk_multiplier: dict[str, float]
    credit_multiplier: dict[str, float]
    day_start: int
    day_end: int
    lunch: tuple[int, int]
    teams_per_squad: int
    detour_factor: float
    speed_kmh: dict[str, float]
    event_weights: dict[str, float]
    minutes_per_weighted_event: float
    recency_half_life_weeks: float
    base_patrol_minutes_per_km2: dict[str, float]
    source_text: str = field(repr=False, default="")

    @property
    def work_minutes(self) -> int:
        """Minutes of a working day minus lunch (480 by default)."""
        return self.day_end - self.day_start - (self.lunch[1] - self.lunch[0])

    def interval_days(self, item_id: str, risk: str, credit: str) -> float:
        """Days between two checks of ``item_id`` for a firm of this risk and credit."""
        item = self.items[item_id]
        return (
            item.interval_days
            * self.risk_multiplier[risk]
            * self.credit_multiplier[credit]
        )


class PolicyError(ValueError):
    """The policy file is malformed; the message names the key."""


STANDBY_CARS = 2
"""Patrol cars per squad on standby in each peak window unless the policy
(``[roads] standby_cars``) or the run says otherwise."""


def standby_cars(value: object, source: str = "<policy>") -> int:
    """``value`` as a number of standby cars (0 = none), or a
    :class:`PolicyError` naming ``[roads] standby_cars``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise PolicyError(
        f"{source}: [roads] standby_cars must be a whole number of patrol cars, "
        f"0 or more (0 = none), not {value!r}"
    )


def load_policy(path: str | Path = DEFAULT_POLICY) -> Policy:
    """Read a policy TOML file."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_policy(text, source=str(path))


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse policy TOML text, raising :class:`PolicyError` on bad content."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: {exc}") from exc
    try:
        departments = {
            k: Department(k, v["name"], int(v["inspectors_per_day"]))
            for k, v in raw["departments"].items()
        }
        items = {
            k: InspectionItem(
                k,
                v["dept"],
                v["name"],
                int(v["minutes"]),
                v["kind"],
                int(v["interval_days"]),
            )
            for k, v in raw["items"].items()
        }
        categories = {
            k: Category(
                k,
                v["name"],
                tuple(v["items"]),
                parse_window(v["open"]),
                tuple(parse_window(w) for w in v.get("busy", [])),
            )
            for k, v in raw["categories"].items()
        }
        work = raw["workday"]
        policy = Policy(
            name=raw.get("name", source),
            departments=departments,
            items=items,
            categories=categories,
            risk_multiplier={k: float(v) for k, v in raw["risk_multiplier"].items()},
            credit_multiplier={
                k: float(v) for k, v in raw["credit_multiplier"].items()
            },
            day_start=hhmm_to_min(work["start"]),
            day_end=hhmm_to_min(work["end"]),
            lunch=parse_window(work["lunch"]),
            teams_per_squad=int(work.get("teams_per_squad", 2)),
            detour_factor=float(raw["travel"]["detour_factor"]),
            speed_kmh={k: float(v) for k, v in raw["travel"]["speed_kmh"].items()},
            event_weights={k: float(v) for k, v in raw["hotspots"]["weights"].items()},
            minutes_per_weighted_event=float(
                raw["hotspots"]["minutes_per_weighted_event"]
            ),
            recency_half_life_weeks=float(raw["hotspots"]["recency_half_life_weeks"]),
            base_patrol_minutes_per_km2={
                k: float(v) for k, v in raw["patrol"]["base_minutes_per_km2"].items()
            },
            source_text=text,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PolicyError(f"{source}: missing or bad key {exc}") from exc
    for item in items.values():
        if item.dept_id not in departments:
            raise PolicyError(
                f"{source}: item {item.item_id} names unknown department {item.dept_id}"
            )
        if item.kind not in ITEM_KINDS:
            raise PolicyError(
                f"{source}: item {item.item_id} kind must be one of {ITEM_KINDS}"
            )
    for cat in categories.values():
        for item_id in cat.items:
            if item_id not in items:
                raise PolicyError(
                    f"{source}: category {cat.category_id} names unknown item {item_id}"
                )
    for risk in RISKS:
        if risk not in policy.risk_multiplier:
            raise PolicyError(f"{source}: risk_multiplier lacks '{risk}'")
    standby_cars(raw.get("roads", {}).get("standby_cars", STANDBY_CARS), source)
    return policy


@dataclass(frozen=True)
class Horizon:
    """The planning horizon: ``days`` workdays from ``start``.

    Weekends and ``blackout`` dates (holidays, 会议日) are skipped.
    """

    start: date
    days: int = 20
    blackout: frozenset[date] = frozenset()

    def workdays(self) -> list[date]:
        out: list[date] = []
        d = self.start
        while len(out) < self.days:
            if d.weekday() < 5 and d not in self.blackout:
                out.append(d)
            d += timedelta(days=1)
        return out

    @property
    def end(self) -> date:
        return self.workdays()[-1]


@dataclass
class Scenario:
    """Everything a county plan starts from.

    Layers (GeoDataFrames, EPSG:4326, columns as in ``docs/plan-schema.md``):
    ``cells`` (grid polygons), ``towns`` (town / 片区 polygons), ``squads``
    (base points), ``enterprises`` (points), ``hotspots`` (event points).
    ``synthetic`` marks generated sample data (示例数据). ``roads`` and
    ``barriers`` are the optional road network and barrier lines/polygons
    (see :mod:`planning.roads`); ``road_note`` says why a project that had
    roads plans without them (the layer was deleted in QGIS). ``project_file``
    is the project GeoPackage it was loaded from, whose ``road_cache`` table
    keeps road matrices across sessions (``None``: in memory only).
    """

    name: str
    cells: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    squads: gpd.GeoDataFrame
    enterprises: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    policy: Policy
    horizon: Horizon
    synthetic: bool = False
    outline: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    barriers: gpd.GeoDataFrame | None = None
    road_note: str = ""
    project_file: str | None = None

    def copy(self) -> Scenario:
        """Deep copy, so an edit or a failed import never touches the original."""
        return Scenario(
            name=self.name,
            cells=self.cells.copy(),
            towns=self.towns.copy(),
            squads=self.squads.copy(),
            enterprises=self.enterprises.copy(),
            hotspots=self.hotspots.copy(),
            policy=self.policy,
            horizon=self.horizon,
            synthetic=self.synthetic,
            outline=None if self.outline is None else self.outline.copy(),
            roads=self.roads,  # read-only for the planner: shared, not copied
            barriers=self.barriers,
            road_note=self.road_note,
            project_file=self.project_file,
        )


class ScenarioError(ValueError):
    """A layer breaks the schema; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "cells": ("cell_id", "town_id", "area_id", "land_use"),
    "towns": ("town_id", "name", "area_id"),
    "squads": ("squad_id", "name", "area_id", "staff"),
    "enterprises": (
        "enterprise_id",
        "name",
        "category",
        "risk",
        "credit",
        "last_inspected",
    ),
    "hotspots": ("event_id", "event_type", "time"),
}
ID_COLUMNS = {
    "cells": "cell_id",
    "towns": "town_id",
    "squads": "squad_id",
    "enterprises": "enterprise_id",
    "hotspots": "event_id",
}

VISIT_COLUMNS = (
    "visit_id enterprise_id squad_id team day seq eta start end service_min "
    "items item_names departments crew"
).split()
ROUTE_COLUMNS = (
    "route_id squad_id team day stops km travel_min service_min start end"
).split()
UNSCHEDULED_COLUMNS = ["enterprise_id", "squad_id", "reason"]
ROSTER_COLUMNS = ["dept_id", "day", "squad_id", "team", "inspectors"]
"""Columns of the schedule tables (``docs/plan-schema.md``), also when empty.

Here rather than in ``planning.scheduling`` so ``planning.plan`` can build
empty tables without loading the solvers (OR-Tools).
"""


def _check_values(
    gdf: pd.DataFrame, layer: str, column: str, allowed: Iterable[str]
) -> list[str]:
    allowed = set(allowed)
    bad = gdf.loc[~gdf[column].isin(allowed), column]
    id_col = ID_COLUMNS[layer]
    return [
        f"{layer}: row {i} ({id_col}={gdf.at[i, id_col]}), column '{column}': "
        f"unknown value {v!r}, expected one of {sorted(allowed)}"
        for i, v in bad.head(20).items()
    ]


def validate_layer(gdf: gpd.GeoDataFrame, layer: str) -> list[str]:
    """Problems of one layer: CRS, columns, ids, geometry. Empty list = fine."""
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS[layer] if c not in gdf.columns]
    if missing:
        return [f"{layer}: missing column(s) {', '.join(missing)}"]
    if gdf.crs is None:
        problems.append(f"{layer}: no coordinate reference system")
    elif gdf.crs.to_epsg() not in (4326, 4490):
        problems.append(
            f"{layer}: CRS is {gdf.crs.to_string()}, expected WGS84 (EPSG:4326) "
            "or CGCS2000 (EPSG:4490); reproject on import"
        )
    id_col = ID_COLUMNS[layer]
    dup = gdf[id_col][gdf[id_col].duplicated(keep=False)]
    for i, v in dup.head(20).items():
        problems.append(f"{layer}: row {i}, column '{id_col}': duplicate id {v!r}")
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    for i in gdf.index[empty][:20]:
        problems.append(
            f"{layer}: row {i} ({id_col}={gdf.at[i, id_col]}): empty geometry"
        )
    invalid = ~empty & ~gdf.geometry.is_valid
    for i in gdf.index[invalid][:20]:
        problems.append(
            f"{layer}: row {i} ({id_col}={gdf.at[i, id_col]}): invalid geometry"
        )
    return problems


def validate_scenario(scenario: Scenario) -> None:
    """Raise :class:`ScenarioError` listing every schema problem, else return."""
    problems: list[str] = []
    layers = {
        "cells": scenario.cells,
        "towns": scenario.towns,
        "squads": scenario.squads,
        "enterprises": scenario.enterprises,
        "hotspots": scenario.hotspots,
    }
    for name, gdf in layers.items():
        problems += validate_layer(gdf, name)
        if name in ("cells", "squads") and len(gdf) == 0:
            problems.append(f"{name}: layer is empty")
    if problems:
        raise ScenarioError(problems)
    policy = scenario.policy
    problems += _check_values(scenario.cells, "cells", "land_use", LAND_USES)
    problems += _check_values(scenario.enterprises, "enterprises", "risk", RISKS)
    problems += _check_values(scenario.enterprises, "enterprises", "credit", CREDITS)
    problems += _check_values(
        scenario.enterprises, "enterprises", "category", policy.categories
    )
    if len(scenario.hotspots):
        problems += _check_values(
            scenario.hotspots, "hotspots", "event_type", policy.event_weights
        )
    staff = pd.to_numeric(scenario.squads["staff"], errors="coerce")
    for i in scenario.squads.index[~(staff > 0)]:
        problems.append(
            f"squads: row {i} ({scenario.squads.at[i, 'squad_id']}), column 'staff': "
            "must be a positive number"
        )
    if problems:
        raise ScenarioError(problems)
