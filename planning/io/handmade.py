"""Scenario files a planner assembled by hand (in QGIS) as well as projects.

A project written by this app carries a ``meta`` table, a ``departments``
table and derived columns (the cell of each enterprise and event). A
GeoPackage put together in QGIS from the bureau's layers has none of that:
enterprises without ``cell_id``, camera events without an id, Chinese
headers, no policy. :func:`load_scenario_file` reads either kind: a
hand-made file goes layer by layer through the importer (the same header
and value mapping as ``import``), what can be derived is derived, what is
missing falls back to the default policy, and every such step is returned
as a note the CLI prints. Anything that cannot be repaired is raised as a
:class:`~planning.io.errors.LayerImportError` naming file, layer, row and
column.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from planning.io.errors import render
from planning.io.importer import generated_event_ids, import_layer_with_report
from planning.io.project import ProjectError, load_project
from planning.model import (
    DEFAULT_POLICY,
    REQUIRED_COLUMNS,
    WGS84,
    Department,
    Horizon,
    Policy,
    Scenario,
    load_policy,
)
from planning.plan import Plan
from planning.travel import metric_crs

__all__ = ["attach_cells", "load_scenario_file"]

# layer kind -> names a hand-made file may use for it (first match wins)
LAYER_NAMES: dict[str, tuple[str, ...]] = {
    "towns": ("towns", "zones", "乡镇", "乡镇街道", "街道", "片区", "镇街"),
    "cells": ("cells", "grid", "网格", "单元格", "格网"),
    "squads": ("squads", "中队", "执法中队", "bases"),
    "enterprises": ("enterprises", "企业", "市场主体", "检查对象", "单位"),
    "hotspots": ("hotspots", "events", "热点", "事件", "事件点", "告警"),
}


def _pick(layers: list[str], kind: str) -> str | None:
    lowered = {name.lower(): name for name in layers}
    for name in LAYER_NAMES[kind]:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _empty(kind: str, extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    columns = [*REQUIRED_COLUMNS[kind], *extra]
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in columns},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )


def _policy_with_departments(policy: Policy, path: Path, notes: list[str]) -> Policy:
    """Inspectors per day from a ``departments`` table when the file has one."""
    try:
        table = pyogrio.read_dataframe(path, layer="departments")
    except Exception:  # no such table: the policy's departments stand
        notes.append(
            f"{path.name}: 无 departments 表，部门及每日检查员数取自默认政策 / "
            "no departments table: departments and inspectors per day from the "
            "default policy"
        )
        return policy
    if not {"dept_id", "inspectors_per_day"} <= set(table.columns):
        notes.append(
            f"{path.name}: departments 表缺少 dept_id 或 inspectors_per_day 列，"
            "已忽略 / departments table lacks dept_id or inspectors_per_day; ignored"
        )
        return policy
    departments = dict(policy.departments)
    for dept_id, n in zip(table["dept_id"], table["inspectors_per_day"], strict=True):
        key = str(dept_id)
        if key in departments and pd.notna(pd.to_numeric(n, errors="coerce")):
            departments[key] = Department(
                key, departments[key].name, int(pd.to_numeric(n))
            )
    return dataclasses.replace(policy, departments=departments)


def attach_cells(scenario: Scenario, notes: list[str]) -> Scenario:
    """Fill a missing or empty ``cell_id`` of enterprises and events from the
    cells (nearest cell; points outside every cell are reported)."""
    out = scenario.copy()
    if len(out.cells) == 0:
        return out
    crs = metric_crs(out.cells)
    cells = out.cells[["cell_id", "geometry"]].to_crs(crs)
    for name in ("enterprises", "hotspots"):
        points = getattr(out, name)
        have = "cell_id" in points.columns
        blank = (
            points["cell_id"].isna() | points["cell_id"].astype(str).isin(["", "None"])
            if have
            else pd.Series(True, index=points.index)
        )
        if not blank.any():
            continue
        points = points.copy()
        ok = blank & ~(points.geometry.isna() | points.geometry.is_empty)
        metric = points.loc[ok, ["geometry"]].to_crs(crs)
        joined = gpd.sjoin_nearest(metric, cells, distance_col="_dist")
        joined = joined[~joined.index.duplicated()]
        if not have:
            points["cell_id"] = None
        points["cell_id"] = points["cell_id"].astype(object)
        points.loc[joined.index, "cell_id"] = joined["cell_id"].astype(str)
        far = int((joined["_dist"] > 0).sum())
        notes.append(
            f"{name}: {int(ok.sum())} 个点的 cell_id 按空间位置计算"
            f"（{far} 个在网格外，取最近网格） / cell_id of {int(ok.sum())} points "
            f"computed by location ({far} outside the grid, nearest cell used)"
        )
        setattr(out, name, points)
    events = out.hotspots
    if len(events) and (
        "event_id" not in events.columns or events["event_id"].isna().any()
    ):
        events = events.copy()
        generated = generated_event_ids(events)
        if "event_id" in events.columns:
            generated = (
                events["event_id"]
                .astype(object)
                .where(events["event_id"].notna(), generated)
            )
        events["event_id"] = generated
        out.hotspots = events
        notes.append(
            "hotspots: 事件无编号，已按位置、时间、类型生成稳定编号 / events "
            "without an id got stable ids hashed from position, time and type"
        )
    return out


def _assemble(path: Path, lang: str, notes: list[str]) -> Scenario:
    """A scenario from plain layers, imported one by one."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # not a GeoPackage at all
        raise ProjectError(f"{path}: not a readable GeoPackage ({exc})") from exc
    chosen = {kind: _pick(layers, kind) for kind in LAYER_NAMES}
    missing = [k for k in ("cells", "squads") if chosen[k] is None]
    if missing:
        raise ProjectError(
            f"{path}: no {' / '.join(missing)} layer (layers: {', '.join(layers)}); "
            "name the layers cells, squads, enterprises, hotspots (or 网格, 中队, "
            "企业, 事件)"
        )
    policy = _policy_with_departments(load_policy(DEFAULT_POLICY), path, notes)
    start = date.today()
    notes.append(
        f"{path.name}: 无 meta 表（非本软件保存的项目），使用默认政策 "
        f"{DEFAULT_POLICY.name}，周期自 {start} 起 20 个工作日 / no meta table "
        f"(not a project of this app): default policy, horizon 20 workdays "
        f"from {start}"
    )
    scenario = Scenario(
        name=path.stem,
        cells=_empty("cells", ("workload", "squad_id", "locked")),
        towns=_empty("towns"),
        squads=_empty("squads"),
        enterprises=_empty("enterprises", ("cell_id",)),
        hotspots=_empty("hotspots", ("cell_id",)),
        policy=policy,
        horizon=Horizon(start=start, days=20),
    )
    if chosen["towns"] is None:
        raw = pyogrio.read_dataframe(path, layer=chosen["cells"])
        if not {"town_id", "area_id"} <= set(raw.columns):
            whole = shapely.union_all(raw.to_crs(WGS84).geometry.make_valid().values)
            scenario.towns = gpd.GeoDataFrame(
                {"town_id": ["all"], "name": [path.stem], "area_id": ["all"]},
                geometry=[whole],
                crs=WGS84,
            )
            notes.append(
                "towns: 无乡镇/片区图层，全部网格视为一个乡镇 / no towns layer: "
                "all cells in one town"
            )
    for kind in ("towns", "cells", "squads", "enterprises", "hotspots"):
        layer = chosen[kind]
        if layer is None:
            if kind in ("enterprises", "hotspots"):
                notes.append(f"{kind}: 文件中无此图层，按空图层处理 / no layer: empty")
            continue
        scenario, report = import_layer_with_report(
            scenario, path, kind, layer=layer, lang=lang
        )
        notes += [f"{kind}: {m}" for m in render(report.warnings, lang)]
    return scenario


def load_scenario_file(
    path: str | Path, lang: str = "zh_CN"
) -> tuple[Scenario, Plan | None, list[str]]:
    """Scenario (and plan, if any) of a project or hand-made GeoPackage.

    Returns the notes to show the planner: every default used and every
    column derived. Raises :class:`ProjectError` or
    :class:`~planning.io.errors.LayerImportError` with the place of the fault.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file does not exist")
    notes: list[str] = []
    try:
        layers = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:
        raise ProjectError(f"{path}: not a readable GeoPackage ({exc})") from exc
    if "meta" in layers:
        scenario, plan = load_project(path)
    else:
        scenario, plan = _assemble(path, lang, notes), None
    scenario = attach_cells(scenario, notes)
    if "squad_id" not in scenario.cells.columns:
        scenario.cells["squad_id"] = None
    if "locked" not in scenario.cells.columns:
        scenario.cells["locked"] = np.zeros(len(scenario.cells), dtype=int)
    return scenario, plan, notes
