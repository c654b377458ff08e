"""Today's zoning (现行片区) as the bureau keeps it, turned into ``squad_id``.

Bureaus keep their current zones in one of two ways: a column on the grid
cells naming the responsible squad (中队 / 所属中队 / 责任中队 …, by the
squad's id or its name), or a layer of zone polygons (片区 / 责任区) with the
squad's id or name. :func:`squads_from_column` reads the first,
:func:`squads_from_zones` the second by largest overlap and lists the cells
whose overlap is not clear (a cell straddling two zones, or mostly outside
every zone), so the planner checks those rather than trusting a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.model import Policy
from planning.travel import metric_crs

# Column names a current zoning arrives under, compared after lower-casing
# and dropping spaces and punctuation; the first found wins.
SQUAD_COLUMN_NAMES = (
    "squad_id",
    "squadid",
    "squad",
    "中队编号",
    "中队id",
    "中队代码",
    "所属中队",
    "责任中队",
    "管辖中队",
    "中队",
    "中队名称",
    "责任单位",
)
# not 片区 / 责任区: on cells those name the area (area_id), on zone
# polygons the zone itself, not the squad that patrols it
CLEAR_SHARE = 0.6
"""A cell's best zone must cover at least this share of it to be clear."""
TIE_RATIO = 0.8
"""... and the second best less than this fraction of the best."""

_PUNCT = re.compile(r"[\s_\-()（）\[\]【】/:：]+")


class TodayError(ValueError):
    """Today's zoning cannot be read; the message names file, column, values."""


@dataclass
class TodayZoning:
    """``assignment``: cell_id -> squad_id (None where unknown); ``notes``:
    how it was read; ``ambiguous``: cells whose zone was not clear, with the
    overlap shares that make it so."""

    assignment: pd.Series
    notes: list[str] = field(default_factory=list)
    ambiguous: pd.DataFrame = field(default_factory=pd.DataFrame)


def _norm(name: object) -> str:
    return _PUNCT.sub("", str(name).strip().lower())


def find_squad_column(frame: pd.DataFrame) -> str | None:
    """The column holding today's squad, under any of the usual names."""
    by_norm: dict[str, str] = {}
    for col in frame.columns:
        if col != getattr(frame, "_geometry_column_name", None):
            by_norm.setdefault(_norm(col), col)
    for name in SQUAD_COLUMN_NAMES:
        if _norm(name) in by_norm:
            return by_norm[_norm(name)]
    return None


def _squad_lookup(squads: pd.DataFrame) -> dict[str, str]:
    """Id or name (as written, and without a trailing 中队) -> squad_id."""
    lookup: dict[str, str] = {}
    names = squads["name"] if "name" in squads else squads["squad_id"]
    for sid, name in zip(squads["squad_id"], names, strict=True):
        sid = str(sid).strip()
        for key in (str(name).strip(), str(name).strip().removesuffix("中队")):
            if key:
                lookup.setdefault(key, sid)
    for sid in squads["squad_id"]:
        lookup[str(sid).strip()] = str(sid).strip()  # ids win over names
    return lookup


def _to_squad_ids(
    values: pd.Series, squads: pd.DataFrame, where: str
) -> tuple[pd.Series, list[str]]:
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: None if v is None else re.sub(r"\.0$", "", str(v)))
    lookup = _squad_lookup(squads)
    mapped = text.map(
        lambda v: (
            None
            if v is None
            else lookup.get(v.strip(), lookup.get(v.strip().removesuffix("中队")))
        )
    )
    mapped = mapped.astype(object).where(mapped.notna(), None)
    unknown = sorted(
        {str(v) for v, m in zip(text, mapped, strict=True) if v and m is None}
    )
    if unknown:
        raise TodayError(
            f"{where}: {len(unknown)} value(s) name no squad: "
            f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}; "
            f"squads are {', '.join(sorted(lookup)[:20])}"
        )
    notes = []
    by_name = int((text.notna() & (text != mapped)).sum())
    if by_name:
        notes.append(f"{where}: {by_name} cells name their squad by name, not id")
    return mapped, notes


def _squad_column(
    frame: pd.DataFrame, squads: pd.DataFrame, where: str, what: str, hint: str = ""
) -> tuple[str, pd.Series, list[str]]:
    """The squad column of ``frame``, its values as squad ids, and notes.

    Raises :class:`TodayError` naming ``what`` the column should hold when
    there is none, or naming the values that are no squad."""
    col = find_squad_column(frame)
    if col is None:
        raise TodayError(
            f"{where}: no column with {what} (looked for "
            f"{', '.join(SQUAD_COLUMN_NAMES)}){hint}"
        )
    mapped, notes = _to_squad_ids(frame[col], squads, f"{where}, column '{col}'")
    return col, mapped, notes


def squads_from_column(
    cells: pd.DataFrame, squads: pd.DataFrame, where: str = "cells"
) -> TodayZoning:
    """Today's zoning from a squad column of the cells (by id or by name).

    Raises :class:`TodayError` when no such column exists or a value names
    no squad.
    """
    col, mapped, notes = _squad_column(
        cells, squads, where, "today's squad", "; or give the zone polygons"
    )
    if col != "squad_id":
        notes.insert(0, f"{where}: today's squad read from column '{col}'")
    missing = int(mapped.isna().sum())
    if missing:
        notes.append(f"{where}: {missing} cells have no squad today")
    ids = cells["cell_id"].astype(str).to_numpy()
    return TodayZoning(pd.Series(mapped.to_numpy(), index=ids, dtype=object), notes)


def squads_from_zones(
    cells: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    squads: pd.DataFrame,
    where: str = "zones",
) -> TodayZoning:
    """Today's zoning from zone polygons (片区 / 责任区): each cell goes to the
    zone that covers most of it.

    ``ambiguous`` lists cells whose best zone covers less than
    :data:`CLEAR_SHARE` of the cell, or whose second best comes within
    :data:`TIE_RATIO` of the best; cells no zone touches stay unassigned.
    """
    _, zone_squad, notes = _squad_column(zones, squads, where, "the zone's squad")
    crs = metric_crs(cells)
    cg = cells.geometry.to_crs(crs).to_numpy()
    zg = zones.geometry.to_crs(crs).make_valid().to_numpy()
    ci, zi = shapely.STRtree(zg).query(cg, predicate="intersects")
    share = shapely.area(shapely.intersection(cg[ci], zg[zi])) / np.maximum(
        shapely.area(cg[ci]), 1e-9
    )
    pairs = pd.DataFrame(
        {"cell": ci, "squad": zone_squad.to_numpy()[zi], "share": share}
    ).dropna(subset=["squad"])
    pairs = pairs[pairs["share"] > 1e-6]  # zones that only touch the cell
    per = pairs.groupby(["cell", "squad"], sort=False)["share"].sum().reset_index()
    per = per.sort_values(["cell", "share"], ascending=[True, False])
    best = per.groupby("cell").nth(0).set_index("cell")
    second = per.groupby("cell").nth(1).set_index("cell")["share"]
    ids = cells["cell_id"].astype(str).to_numpy()
    assign = pd.Series([None] * len(cells), index=ids, dtype=object)
    assign.iloc[best.index.to_numpy()] = best["squad"].to_numpy()
    runner = second.reindex(best.index).fillna(0.0)
    unclear = (best["share"] < CLEAR_SHARE) | (runner >= TIE_RATIO * best["share"])
    second_squad = per.groupby("cell").nth(1).set_index("cell")["squad"]
    amb = pd.DataFrame(
        {
            "cell_id": ids[best.index[unclear]],
            "squad_id": best["squad"][unclear].to_numpy(),
            "share": best["share"][unclear].round(3).to_numpy(),
            "second_squad_id": second_squad.reindex(best.index[unclear]).to_numpy(),
            "second_share": runner[unclear].round(3).to_numpy(),
        }
    )
    outside = int(assign.isna().sum())
    notes.append(
        f"{where}: {len(best)} cells assigned by largest overlap, {len(amb)} "
        f"unclear (best < {CLEAR_SHARE:.0%} or a near tie), {outside} outside "
        "every zone"
    )
    return TodayZoning(assign, notes, amb)


def _rename(frame: pd.DataFrame, column: str, names: tuple[str, ...]) -> pd.DataFrame:
    if column in frame.columns:
        return frame
    by_norm = {_norm(c): c for c in frame.columns}
    for name in names:
        if _norm(name) in by_norm:
            return frame.rename(columns={by_norm[_norm(name)]: column})
    return frame


def load_zoning_inputs(
    cells_path: str | Path,
    squads_path: str | Path,
    zones_path: str | Path | None = None,
    policy: Policy | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, TodayZoning]:
    """Cells (with today's ``squad_id``) and squads from the bureau's files.

    Headers are matched as the importer matches them (网格编号 -> cell_id,
    人数 -> staff …); cells without ``workload`` get the base patrol load by
    area (said in the notes). Today's squad comes from ``zones_path``'s
    polygons when given, else from the cells' squad column. Raises
    :class:`TodayError` naming the file and the column.
    """
    from planning.io.errors import LayerImportError
    from planning.io.importer import SYNONYMS
    from planning.io.readers import read_layer
    from planning.model import load_policy

    def read(path: str | Path) -> gpd.GeoDataFrame:
        try:
            return read_layer(path).gdf
        except LayerImportError as exc:
            raise TodayError("\n".join(exc.problems)) from exc

    policy = policy or load_policy()
    cells = read(cells_path)
    squads = read(squads_path)
    for col in ("cell_id", "land_use"):
        cells = _rename(cells, col, (col, *SYNONYMS["cells"].get(col, ())))
    for col in ("squad_id", "name", "staff"):
        squads = _rename(squads, col, (col, *SYNONYMS["squads"].get(col, ())))
    problems = [f"{cells_path}: no cell_id column"] * ("cell_id" not in cells)
    problems += [
        f"{squads_path}: no {c} column"
        for c in ("squad_id", "staff")
        if c not in squads
    ]
    if problems:
        raise TodayError("\n".join(problems))
    squads = squads.copy()
    squads["squad_id"] = squads["squad_id"].astype(str)
    if "name" not in squads:
        squads["name"] = squads["squad_id"]
    cells = cells.copy()
    cells["cell_id"] = cells["cell_id"].astype(str)
    notes: list[str] = []
    if "land_use" not in cells:
        cells["land_use"] = "suburban"
    if "workload" not in cells:
        area = cells.to_crs(metric_crs(cells)).area / 1e6
        per_km2 = cells["land_use"].map(policy.base_patrol_minutes_per_km2)
        cells["workload"] = area * per_km2.fillna(60.0)
        notes.append(f"{cells_path}: no workload column: base patrol load by area")
    if zones_path is not None:
        today = squads_from_zones(cells, read(zones_path), squads, str(zones_path))
    else:
        today = squads_from_column(cells, squads, str(cells_path))
    col = find_squad_column(cells)
    if col is not None and col != "squad_id":
        cells = cells.rename(columns={col: f"today_{_norm(col)}"})
    cells["squad_id"] = cells["cell_id"].map(today.assignment)
    today.notes[:0] = notes
    return cells, squads, today
