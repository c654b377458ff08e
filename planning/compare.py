"""Two plans side by side (方案对比): the table a chief reads.

A and B are plans written by this app or bare zonings (a ``cells`` layer
with ``squad_id`` and ``workload``, like ``rebalance``'s input and output).
:func:`compare` gives one row per squad with its workload, target,
deviation, cells, travel (workload-weighted minutes from the base), reach
and, where the file holds a schedule, joint visits and visits saved (综合查一次)
and route kilometres, in A and in B, and whether each zone is in one piece
(by the barrier rule when the project has roads); the cells that change hands; and the
headline differences. No drawing here: ``maps.export.compare`` writes it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planning.model import Policy, load_policy
from planning.zoning import stats_geometry, zone_stats

if TYPE_CHECKING:
    from planning.roads.context import RoadContext


class CompareError(ValueError):
    """A plan cannot be compared; the message names the file and layer."""


@dataclass
class PlanSide:
    """One plan: its cells (``cell_id``, ``squad_id``, ``workload``,
    geometry) and, when it holds a schedule, its visits and routes."""

    name: str
    cells: gpd.GeoDataFrame
    visits: pd.DataFrame | None = None
    routes: pd.DataFrame | None = None


@dataclass
class Comparison:
    """Per-squad ``table`` (columns suffixed ``_a`` / ``_b``), ``changes``
    (cells that change hands: cell_id, from_squad, to_squad, workload,
    geometry) and the figures the headline quotes."""

    a: str
    b: str
    table: pd.DataFrame
    changes: gpd.GeoDataFrame
    squads: gpd.GeoDataFrame
    zones_a: pd.Series
    zones_b: pd.Series
    cells: gpd.GeoDataFrame
    contiguous_a: bool
    contiguous_b: bool

    def headline(self) -> list[str]:
        """The differences a chief asks about first (Chinese, then English)."""
        t = self.table
        lines = [
            f"易手网格 cells changing hands: {len(self.changes)} "
            f"(工作量 workload {self.changes['workload'].sum():,.0f} min)",
            f"最大偏差 worst deviation: A {t['deviation_pct_a'].abs().max():.1f}% / "
            f"B {t['deviation_pct_b'].abs().max():.1f}%",
            f"路程 travel (workload x min): A {t['travel_a'].sum():,.0f} / "
            f"B {t['travel_b'].sum():,.0f}",
            f"最远 reach (min): A {t['reach_a'].max():.1f} / "
            f"B {t['reach_b'].max():.1f}",
            f"连续 contiguous: A {'y' if self.contiguous_a else 'n'} / "
            f"B {'y' if self.contiguous_b else 'n'}",
        ]
        if "visits_a" in t and "visits_b" in t:
            lines.append(
                f"综合查一次 joint visits: A {t['visits_a'].sum():.0f} "
                f"(saved {t['visits_saved_a'].sum():.0f}) / B "
                f"{t['visits_b'].sum():.0f} (saved {t['visits_saved_b'].sum():.0f})"
            )
        return lines


def _side_table(
    side: PlanSide,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    travel: np.ndarray,
    roads: RoadContext | None,
) -> tuple[pd.DataFrame, bool]:
    cells = side.cells
    assignment = cells.set_index("cell_id")["squad_id"]
    stats = zone_stats(cells, squads, assignment, policy, roads=roads)
    ids = [str(s) for s in squads["squad_id"]]
    index = {s: i for i, s in enumerate(ids)}
    assign = cells["squad_id"].astype(str).map(index).fillna(-1).to_numpy(int)
    w = pd.to_numeric(cells["workload"], errors="coerce").fillna(0.0).to_numpy(float)
    got = assign >= 0
    per = w[got] * travel[assign[got], np.flatnonzero(got)]
    out = pd.DataFrame(
        {
            "squad_id": ids,
            "name": stats["name"].to_numpy(),
            "workload": stats["workload"].to_numpy(float),
            "target": stats["target"].to_numpy(float),
            "deviation_pct": stats["deviation_pct"].to_numpy(float),
            "cells": stats["n_cells"].to_numpy(int),
            "travel": np.bincount(assign[got], per, len(ids)),
            "reach": stats["max_reach_min"].to_numpy(float),
            "contiguous": stats["contiguous"].astype(bool).to_numpy(),
        }
    )
    if side.visits is not None and "squad_id" in side.visits:
        v = side.visits
        depts = v["departments"].fillna("").astype(str) if "departments" in v else None
        n = v.groupby(v["squad_id"].astype(str)).size()
        out["visits"] = out["squad_id"].map(n).fillna(0).astype(int)
        if depts is not None:
            # as the plan summary counts it: department inspections merged
            count = depts.map(lambda s: len([d for d in s.split(";") if d]))
            saved = (count - 1).groupby(v["squad_id"].astype(str)).sum()
            out["visits_saved"] = out["squad_id"].map(saved).fillna(0).astype(int)
    if side.routes is not None and {"squad_id", "km"} <= set(side.routes.columns):
        km = side.routes.groupby(side.routes["squad_id"].astype(str))["km"].sum()
        out["route_km"] = out["squad_id"].map(km).fillna(0.0)
    contiguous = bool(stats["contiguous"].astype(bool)[stats["n_cells"] > 0].all())
    return out, contiguous


def compare(
    a: PlanSide,
    b: PlanSide,
    squads: gpd.GeoDataFrame,
    policy: Policy | None = None,
    roads: RoadContext | None = None,
) -> Comparison:
    """Compare two zonings of the same cells among the same squads; with the
    project's ``roads``, travel and reach by road and contiguity by the
    barrier rule, as the plan itself judges them."""
    policy = policy or load_policy()
    squads = squads.reset_index(drop=True)
    ca = a.cells.reset_index(drop=True)
    cb = b.cells.set_index("cell_id").reindex(ca["cell_id"])
    absent = ~ca["cell_id"].isin(b.cells["cell_id"])
    if absent.any():
        shown = ", ".join(ca["cell_id"][absent].head(5).astype(str))
        raise CompareError(
            f"{b.name}: {int(absent.sum())} cells of {a.name} are not in it "
            f"(e.g. {shown}); both plans must share a grid"
        )
    _, travel, _ = stats_geometry(ca, squads, policy, roads)
    travel = np.asarray(travel, dtype=float)
    b_cells = ca[["cell_id", "geometry"]].copy()
    b_cells["squad_id"] = cb["squad_id"].to_numpy()
    b_cells["workload"] = cb["workload"].to_numpy()
    b_cells = gpd.GeoDataFrame(
        b_cells.join(ca.drop(columns=["cell_id", "geometry", "squad_id", "workload"])),
        geometry="geometry",
        crs=ca.crs,
    )
    ta, cont_a = _side_table(a, squads, policy, travel, roads)
    tb, cont_b = _side_table(
        PlanSide(b.name, b_cells, b.visits, b.routes), squads, policy, travel, roads
    )
    keys = ["squad_id", "name"]
    table = (
        ta.set_index(keys).add_suffix("_a").join(tb.set_index(keys).add_suffix("_b"))
    )
    table = table.reset_index()
    table["workload_change"] = table["workload_b"] - table["workload_a"]
    table["cells_change"] = table["cells_b"] - table["cells_a"]
    sa = ca["squad_id"].astype(object).where(ca["squad_id"].notna(), None)
    sb = b_cells["squad_id"].astype(object).where(b_cells["squad_id"].notna(), None)
    changed = (sa != sb).to_numpy()
    changes = gpd.GeoDataFrame(
        {
            "cell_id": ca["cell_id"].to_numpy()[changed],
            "from_squad": sa.to_numpy()[changed],
            "to_squad": sb.to_numpy()[changed],
            "workload": pd.to_numeric(ca["workload"], errors="coerce")
            .fillna(0.0)
            .to_numpy()[changed],
        },
        geometry=ca.geometry.to_numpy()[changed],
        crs=ca.crs,
    )
    return Comparison(
        a=a.name,
        b=b.name,
        table=table,
        changes=changes,
        squads=squads,
        zones_a=pd.Series(sa.to_numpy(), index=ca["cell_id"].to_numpy()),
        zones_b=pd.Series(sb.to_numpy(), index=ca["cell_id"].to_numpy()),
        cells=ca,
        contiguous_a=cont_a,
        contiguous_b=cont_b,
    )


def _read(path: Path, layer: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=layer)


def read_side(path: str | Path) -> tuple[PlanSide, gpd.GeoDataFrame | None]:
    """A plan or bare zoning file and the squads it holds (if any)."""
    path = Path(path)
    if not path.exists():
        raise CompareError(f"{path}: file does not exist")
    try:
        layers = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:  # not a GeoPackage
        raise CompareError(f"{path}: not a readable GeoPackage ({exc})") from exc
    if "cells" not in layers:
        raise CompareError(
            f"{path}: no 'cells' layer (layers: {', '.join(sorted(layers))})"
        )
    cells = _read(path, "cells")
    missing = [c for c in ("cell_id", "squad_id", "workload") if c not in cells]
    if missing:
        raise CompareError(
            f"{path}, layer 'cells': missing column(s) {', '.join(missing)}"
        )
    cells["cell_id"] = cells["cell_id"].astype(str)
    cells["squad_id"] = (
        cells["squad_id"].astype(object).where(cells["squad_id"].notna(), None)
    )
    cells["squad_id"] = cells["squad_id"].map(lambda s: None if s is None else str(s))
    visits = _read(path, "visits") if "visits" in layers else None
    routes = _read(path, "routes") if "routes" in layers else None
    squads = _read(path, "squads") if "squads" in layers else None
    return PlanSide(path.stem, cells, visits, routes), squads


def compare_files(
    a: str | Path, b: str | Path, squads: str | Path | None = None
) -> Comparison:
    """:func:`compare` of two GeoPackages; squads from ``squads`` or the files."""
    side_a, squads_a = read_side(a)
    side_b, squads_b = read_side(b)
    if side_a.name == side_b.name:
        side_a.name, side_b.name = f"A {side_a.name}", f"B {side_b.name}"
    if squads is not None:
        table = pyogrio.read_dataframe(squads)
    else:
        table = squads_a if squads_a is not None else squads_b
    if table is None:
        raise CompareError(f"{a}, {b}: no squads layer in either file; give --squads")
    need = [c for c in ("squad_id", "staff") if c not in table]
    if need:
        raise CompareError(f"squads: missing column(s) {', '.join(need)}")
    table["squad_id"] = table["squad_id"].astype(str)
    if "name" not in table:
        table["name"] = table["squad_id"]
    return compare(side_a, side_b, table)
