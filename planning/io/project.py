"""Project and plan files: one GeoPackage that QGIS opens as it is.

The layout is the contract in ``docs/plan-schema.md``. Saving is atomic:
everything is written to a temporary file next to the target, flushed to
disk, then renamed over it, so a crash mid-save leaves the old file intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from planning.field.tables import (
    HISTORY_COLUMNS,
    RESULT_COLUMNS,
    empty_history,
    empty_results,
)
from planning.model import WGS84, Horizon, Scenario, parse_policy
from planning.plan import Plan

SCHEMA_VERSION = 2
"""2 added the field-loop tables ``results`` and ``enterprise_history``;
a schema-1 file opens with both empty and is written as 2 on its next save."""

SCENARIO_LAYERS = ("cells", "towns", "squads", "enterprises", "hotspots")
PLAN_LAYERS = ("zones", "visits", "routes")
PLAN_TABLES = ("unscheduled", "roster")
OPTIONAL_PLAN_LAYERS = ("patrols", "patrol_points")
FIELD_TABLES = {"results": "results", "enterprise_history": "history"}
"""Field-loop table name -> :class:`Plan` attribute."""
MANAGED_LAYERS = frozenset(
    SCENARIO_LAYERS
    + PLAN_LAYERS
    + PLAN_TABLES
    + OPTIONAL_PLAN_LAYERS
    + tuple(FIELD_TABLES)
    + ("outline", "departments", "meta")
)


class ProjectError(ValueError):
    """A project file cannot be read; the message names the file and why."""


def _for_gpkg(df: pd.DataFrame) -> pd.DataFrame:
    """Bools as 0/1 and object columns as text, the types QGIS shows well."""
    out = df.copy()
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None):
            continue
        if out[col].dtype == bool:
            out[col] = out[col].astype(int)
    return out


def _write_layer(path: Path, name: str, df: pd.DataFrame) -> None:
    df = _for_gpkg(df)
    if isinstance(df, gpd.GeoDataFrame):
        if df.crs is None or df.crs.to_epsg() != 4326:
            df = df.to_crs(WGS84)
        pyogrio.write_dataframe(
            df, path, layer=name, driver="GPKG", promote_to_multi=None
        )
    else:
        pyogrio.write_dataframe(
            pd.DataFrame(df).reset_index(drop=True), path, layer=name, driver="GPKG"
        )


def _meta(scenario: Scenario, plan: Plan | None) -> pd.DataFrame:
    h = scenario.horizon
    rows = {
        "schema_version": str(SCHEMA_VERSION),
        "name": scenario.name,
        "synthetic": "1" if scenario.synthetic else "0",
        "horizon_start": h.start.isoformat(),
        "horizon_days": str(h.days),
        "blackout": ";".join(sorted(d.isoformat() for d in h.blackout)),
        "policy_toml": scenario.policy.source_text,
        "created": datetime.now().isoformat(timespec="seconds"),
    }
    if plan is not None:
        for key, value in plan.settings.items():
            rows[key] = json.dumps(value, ensure_ascii=False, default=str)
    return pd.DataFrame({"key": list(rows), "value": list(rows.values())})


def save_project(
    path: str | Path, scenario: Scenario, plan: Plan | None = None
) -> Path:
    """Write scenario (and plan, if any) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}-", suffix=".tmp.gpkg", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        for name in SCENARIO_LAYERS:
            _write_layer(tmp, name, getattr(scenario, name))
        if scenario.outline is not None:
            _write_layer(tmp, "outline", scenario.outline)
        departments = pd.DataFrame(
            [
                {
                    "dept_id": d.dept_id,
                    "name": d.name,
                    "inspectors_per_day": d.inspectors_per_day,
                }
                for d in scenario.policy.departments.values()
            ]
        )
        _write_layer(tmp, "departments", departments)
        if plan is not None:
            for name in PLAN_LAYERS:
                _write_layer(tmp, name, getattr(plan, name))
            for name in PLAN_TABLES:
                _write_layer(tmp, name, getattr(plan, name))
            for name in OPTIONAL_PLAN_LAYERS:
                layer = getattr(plan, name)
                if layer is not None and len(layer):
                    _write_layer(tmp, name, layer)
            for name, attr in FIELD_TABLES.items():
                table = getattr(plan, attr)
                if table is not None and len(table):
                    _write_layer(tmp, name, table.astype(object))
        _write_layer(tmp, "meta", _meta(scenario, plan))
        if path.exists():
            _carry_unmanaged_layers(path, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _carry_unmanaged_layers(old: Path, new: Path) -> None:
    """Keep layers a user added in QGIS (notes, their own styles) across saves."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(old)]
    except Exception:  # the old file is unreadable: nothing to carry
        return
    for name in layers:
        if name not in MANAGED_LAYERS:
            pyogrio.write_dataframe(
                pyogrio.read_dataframe(old, layer=name), new, layer=name, driver="GPKG"
            )


def read_meta(path: str | Path) -> dict[str, str]:
    """The project's key/value metadata; raises :class:`ProjectError`."""
    path = Path(path)
    try:
        layers = {row[0] for row in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises several DataSource errors
        raise ProjectError(f"{path}: not a readable GeoPackage ({exc})") from exc
    if "meta" not in layers:
        raise ProjectError(f"{path}: no 'meta' table; not a project of this app")
    meta = pyogrio.read_dataframe(path, layer="meta")
    return dict(zip(meta["key"], meta["value"], strict=True))


def load_project(path: str | Path) -> tuple[Scenario, Plan | None]:
    """Read a project written by :func:`save_project`.

    Returns the scenario and, when the file holds one, the plan. Files from
    a newer schema are refused with a clear message rather than misread.
    """
    path = Path(path)
    meta = read_meta(path)
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: written by a newer version of the app (schema {version}, "
            f"this app reads up to {SCHEMA_VERSION}); please update the app"
        )
    layers = {row[0] for row in pyogrio.list_layers(path)}
    missing = [n for n in SCENARIO_LAYERS if n not in layers]
    if missing:
        raise ProjectError(f"{path}: missing layer(s) {', '.join(missing)}")

    def read(name: str) -> pd.DataFrame:
        return pyogrio.read_dataframe(path, layer=name)

    policy = parse_policy(meta["policy_toml"], source=f"{path}:meta.policy_toml")
    blackout = frozenset(
        date.fromisoformat(d) for d in meta.get("blackout", "").split(";") if d
    )
    horizon = Horizon(
        start=date.fromisoformat(meta["horizon_start"]),
        days=int(meta["horizon_days"]),
        blackout=blackout,
    )
    scenario = Scenario(
        name=meta.get("name", path.stem),
        cells=read("cells"),
        towns=read("towns"),
        squads=read("squads"),
        enterprises=read("enterprises"),
        hotspots=read("hotspots"),
        policy=policy,
        horizon=horizon,
        synthetic=meta.get("synthetic") == "1",
        outline=read("outline") if "outline" in layers else None,
    )
    for gdf in (scenario.cells, scenario.enterprises):
        for col in ("squad_id", "due_items", "due_date"):
            if col in gdf.columns:
                gdf[col] = gdf[col].astype(object).where(gdf[col].notna(), None)
    if "due_items" in scenario.enterprises.columns:
        scenario.enterprises["due_items"] = scenario.enterprises["due_items"].fillna("")
    if not all(n in layers for n in PLAN_LAYERS + PLAN_TABLES):
        return scenario, None
    settings = {
        k: json.loads(v) for k, v in meta.items() if k.endswith("_settings") and v
    }
    plan = Plan(
        scenario=scenario,
        zones=read("zones"),
        visits=read("visits"),
        routes=read("routes"),
        unscheduled=read("unscheduled"),
        roster=read("roster"),
        settings=settings,
        patrols=read("patrols") if "patrols" in layers else None,
        patrol_points=read("patrol_points") if "patrol_points" in layers else None,
        results=_field_table(path, layers, "results", RESULT_COLUMNS, empty_results),
        history=_field_table(
            path, layers, "enterprise_history", HISTORY_COLUMNS, empty_history
        ),
    )
    return scenario, plan


def _field_table(
    path: Path,
    layers: set[str],
    name: str,
    columns: tuple[str, ...],
    empty: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """A field-loop table as text; empty (migrated) when the file predates it."""
    if name not in layers:
        return empty()
    table = pyogrio.read_dataframe(path, layer=name)
    for col in columns:
        if col not in table.columns:
            table[col] = None
    table = table[list(columns)].astype(object)
    return table.where(table.notna(), None)
