"""Project and plan files: one GeoPackage that QGIS opens as it is.

The layout is the contract in ``docs/plan-schema.md``. Saving is atomic:
everything is written to a temporary file next to the target, flushed to
disk, then renamed over it, so a crash mid-save leaves the old file intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
from planning.io.road_cache import ROAD_CACHE, copy_road_cache
from planning.model import WGS84, Horizon, Scenario, parse_policy
from planning.plan import Plan

SCHEMA_VERSION = 2
"""2 added the field-loop tables ``results`` and ``enterprise_history``;
a schema-1 file opens with both empty and is written as 2 on its next save."""

SCENARIO_LAYERS = ("cells", "towns", "squads", "enterprises", "hotspots")
PLAN_LAYERS = ("zones", "visits", "routes")
PLAN_TABLES = ("unscheduled", "roster")
OPTIONAL_PLAN_LAYERS = ("patrols", "patrol_points", "reach", "standby")
OPTIONAL_PLAN_TABLES = ("standby_table",)
FIELD_TABLES = {"results": "results", "enterprise_history": "history"}
"""Field-loop table name -> :class:`Plan` attribute."""
MANAGED_LAYERS = frozenset(
    SCENARIO_LAYERS
    + PLAN_LAYERS
    + PLAN_TABLES
    + OPTIONAL_PLAN_LAYERS
    + OPTIONAL_PLAN_TABLES
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
        "road_layers": ";".join(
            name for name in ROAD_LAYERS if getattr(scenario, name) is not None
        ),
        "created": datetime.now().isoformat(timespec="seconds"),
    }
    if plan is not None:
        for key, value in plan.settings.items():
            rows[key] = json.dumps(value, ensure_ascii=False, default=str)
    return pd.DataFrame({"key": list(rows), "value": list(rows.values())})


def project_layers(
    scenario: Scenario, plan: Plan | None = None
) -> dict[str, pd.DataFrame]:
    """Every layer and table of a project as ``docs/plan-schema.md`` names them.

    The GeoPackage writer and the PostGIS store (:mod:`planning.store`) both
    save exactly these, so the two stores cannot drift apart.
    """
    layers: dict[str, pd.DataFrame] = {
        name: getattr(scenario, name) for name in SCENARIO_LAYERS
    }
    if scenario.outline is not None:
        layers["outline"] = scenario.outline
    for name in ROAD_LAYERS:
        if getattr(scenario, name) is not None:
            layers[name] = getattr(scenario, name)
    layers["departments"] = pd.DataFrame(
        [
            {
                "dept_id": d.dept_id,
                "name": d.name,
                "inspectors_per_day": d.inspectors_per_day,
            }
            for d in scenario.policy.departments.values()
        ]
    )
    if plan is not None:
        for name in PLAN_LAYERS + PLAN_TABLES:
            layers[name] = getattr(plan, name)
        for name in OPTIONAL_PLAN_LAYERS + OPTIONAL_PLAN_TABLES:
            layer = getattr(plan, name)
            if layer is not None and len(layer):
                layers[name] = layer
        for name, attr in FIELD_TABLES.items():
            table = getattr(plan, attr)
            if table is not None and len(table):
                layers[name] = table.astype(object)
    layers["meta"] = _meta(scenario, plan)
    return layers


def save_project(
    path: str | Path, scenario: Scenario, plan: Plan | None = None
) -> Path:
    """Write scenario (and plan, if any) to ``path`` atomically."""
    path = Path(path)
    with atomic_gpkg(path) as tmp:
        for name, df in project_layers(scenario, plan).items():
            _write_layer(tmp, name, df)
        if path.exists():
            written = {n for n in ROAD_LAYERS if getattr(scenario, n) is not None}
            _carry_unmanaged_layers(path, tmp, written | {ROAD_CACHE})
        if scenario.roads is not None:  # the matrices hold while the roads do
            for source in {path, Path(scenario.project_file or path)}:
                copy_road_cache(source, tmp)
    return path


@contextmanager
def atomic_gpkg(path: Path) -> Iterator[Path]:
    """A free temporary path beside ``path`` to write a GeoPackage to.

    Leaving the block syncs it and renames it over ``path``; an error removes
    it instead, so a crash or a failed write never leaves ``path`` half
    written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}-", suffix=".tmp.gpkg", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # pyogrio creates the GeoPackage itself
    try:
        yield tmp
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


def _carry_unmanaged_layers(old: Path, new: Path, written: set[str]) -> None:
    """Keep layers a user added in QGIS (notes, their own styles) across saves;
    ``written`` are the ones this save wrote itself (roads, barriers)."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(old)]
    except Exception:  # the old file is unreadable: nothing to carry
        return
    for name in layers:
        if name not in MANAGED_LAYERS and name not in written:
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
    names = {row[0] for row in pyogrio.list_layers(path)}
    layers = {
        name: pyogrio.read_dataframe(path, layer=name)
        for name in names
        if name in MANAGED_LAYERS or name in ROAD_LAYERS
    }
    scenario, plan = project_from_layers(
        layers, str(path), meta, has_road_cache=ROAD_CACHE in names
    )
    scenario.project_file = str(path)
    return scenario, plan


def project_from_layers(
    layers: Mapping[str, pd.DataFrame],
    source: str,
    meta: Mapping[str, str] | None = None,
    *,
    has_road_cache: bool = False,
) -> tuple[Scenario, Plan | None]:
    """Scenario and plan (if the layers hold one) from :func:`project_layers`'
    tables, wherever they were read from; ``source`` names them in errors.
    ``has_road_cache``: the source held road matrices, so it had roads."""
    if meta is None:
        if "meta" not in layers:
            raise ProjectError(f"{source}: no 'meta' table; not a project of this app")
        table = layers["meta"]
        meta = dict(zip(table["key"], table["value"], strict=True))
    missing = [n for n in SCENARIO_LAYERS if n not in layers]
    if missing:
        raise ProjectError(f"{source}: missing layer(s) {', '.join(missing)}")

    def read(name: str) -> pd.DataFrame:
        return layers[name]

    policy = parse_policy(meta["policy_toml"], source=f"{source}:meta.policy_toml")
    blackout = frozenset(
        date.fromisoformat(d) for d in meta.get("blackout", "").split(";") if d
    )
    horizon = Horizon(
        start=date.fromisoformat(meta["horizon_start"]),
        days=int(meta["horizon_days"]),
        blackout=blackout,
    )
    scenario = Scenario(
        name=meta.get("name", Path(source).stem),
        **{name: read(name) for name in SCENARIO_LAYERS},
        policy=policy,
        horizon=horizon,
        synthetic=meta.get("synthetic") == "1",
        outline=read("outline") if "outline" in layers else None,
        **_road_layers(source, meta, layers, has_road_cache),
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
        **{name: read(name) for name in PLAN_LAYERS + PLAN_TABLES},
        **{
            n: read(n) if n in layers else None
            for n in OPTIONAL_PLAN_LAYERS + OPTIONAL_PLAN_TABLES
        },
        settings=settings,
        results=_field_table(layers, "results", RESULT_COLUMNS, empty_results),
        history=_field_table(
            layers, "enterprise_history", HISTORY_COLUMNS, empty_history
        ),
    )
    return scenario, plan


def _field_table(
    layers: Mapping[str, pd.DataFrame],
    name: str,
    columns: tuple[str, ...],
    empty: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """A field-loop table as text; empty (migrated) when the file predates it."""
    if name not in layers:
        return empty()
    table = pd.DataFrame(layers[name])
    for col in columns:
        if col not in table.columns:
            table[col] = None
    table = table[list(columns)].astype(object)
    return table.where(table.notna(), None)


# --- road layers and the road-matrix cache -----------------------------------
# Roads and barriers are layers save_project does not manage: they are
# carried across saves like a user's own layers, so the scenario model needs
# no change and QGIS edits to them survive.

ROAD_LAYERS = ("roads", "barriers")


def _road_layers(
    source: str,
    meta: Mapping[str, str],
    layers: Mapping[str, pd.DataFrame],
    has_road_cache: bool,
) -> dict:
    """Scenario fields ``roads``, ``barriers`` and ``road_note``.

    A project that had roads (its meta or road cache says so) but whose
    ``roads`` layer is gone (deleted in QGIS) plans by straight line, and
    ``road_note`` tells the planner why.
    """
    had = {n for n in meta.get("road_layers", "").split(";") if n}
    if has_road_cache:
        had.add("roads")
    out: dict = {name: layers.get(name) for name in ROAD_LAYERS}
    gone = sorted(n for n in had if n not in layers)
    if out["roads"] is not None and len(out["roads"]) == 0:
        out["roads"] = None
        gone = sorted({*gone, "roads"})
    if gone:
        zh, en = (
            ("路程按直线估算", "travel is a straight-line estimate")
            if "roads" in gone
            else ("片区不再考虑障碍", "zones no longer respect the barriers")
        )
        out["road_note"] = (
            f"{Path(source).name}: 图层 {'、'.join(gone)} 已不在项目中"
            f"（可能在 QGIS 中被删除），{zh} / layer(s) {', '.join(gone)} are no "
            f"longer in the project (deleted in QGIS?); {en}"
        )
    return out


def mark_road_layer(path: str | Path, name: str) -> pd.DataFrame:
    """The project's meta table with ``name`` recorded in ``road_layers``,
    so a later load notices when that layer was deleted."""
    meta = read_meta(path)
    had = {n for n in meta.get("road_layers", "").split(";") if n} | {name}
    meta["road_layers"] = ";".join(sorted(had))
    return pd.DataFrame({"key": list(meta), "value": list(meta.values())})


def write_layers(path: str | Path, layers: dict[str, pd.DataFrame]) -> Path:
    """Add or replace ``layers`` of an existing project, atomically.

    The file is copied, the copy written and renamed over the original, so
    a failure leaves the project byte for byte as it was.
    """
    path = Path(path)
    read_meta(path)  # refuse a file that is not a project
    with atomic_gpkg(path) as tmp:
        shutil.copyfile(path, tmp)
        for name, df in layers.items():
            _write_layer(tmp, name, df)
    return path


def read_optional_layer(path: str | Path, name: str) -> gpd.GeoDataFrame | None:
    """Layer ``name`` of the project, or ``None`` (e.g. deleted in QGIS)."""
    try:
        layers = {row[0] for row in pyogrio.list_layers(Path(path))}
    except Exception:  # not readable: the caller falls back and says so
        return None
    if name not in layers:
        return None
    return pyogrio.read_dataframe(Path(path), layer=name)
