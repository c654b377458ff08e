"""Barriers: expressways, railways, rivers and lakes that zones do not cross.

Two cells sharing an edge are neighbours for zoning unless the straight line
between their centres crosses a barrier and no road that crosses that
barrier (a bridge, an underpass, a level crossing) runs through both cells.
Line barriers are crossed where the segment meets them; polygon barriers
where the segment meets their outline.

A cell whose centre lies in a river or lake is measured from its land
instead: the segment starts at a point of the largest piece of the cell
outside the water, so the cell stays with the bank it mostly lies on (and
with the other bank too where a bridge runs through both cells). A cell the
rule would leave with no neighbour at all (wholly under water, or ringed by
barriers) keeps the one it shares the longest border with: zoning needs
every cell in some connected zone, and that is the neighbour a boat or a
footbridge most plausibly reaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planning.travel import metric_crs

__all__ = ["BarrierCut", "barrier_adjacency", "explain_cut_off", "explain_island"]


@dataclass(frozen=True)
class BarrierCut:
    """Result of :func:`barrier_adjacency`.

    ``adjacency`` keeps the pairs that stay neighbours; ``cut`` the pairs
    removed and ``cut_by`` the barrier row that cuts each; ``bridged`` the
    pairs a barrier crosses but a road joins; ``rejoined`` the pairs kept
    so that no cell is left without a neighbour.
    """

    adjacency: np.ndarray
    cut: np.ndarray
    cut_by: np.ndarray
    bridged: np.ndarray
    rejoined: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))


def _boundaryish(geoms: np.ndarray) -> np.ndarray:
    """Polygons by their outline, lines as they are."""
    poly = shapely.get_type_id(geoms) >= 3
    out = geoms.copy()
    out[poly] = shapely.boundary(geoms[poly])
    return out


def _anchors(cgeoms: np.ndarray, bgeoms: np.ndarray) -> np.ndarray:
    """A point per cell to measure from: its centre, or for a cell whose
    centre is in the water a point on the largest piece of its land."""
    centres = shapely.point_on_surface(cgeoms)
    polys = bgeoms[shapely.get_type_id(bgeoms) >= 3]
    if len(polys) == 0:
        return shapely.get_coordinates(centres)
    water = shapely.union_all(polys)
    wet = np.flatnonzero(shapely.intersects(centres, water))
    if len(wet):
        land = shapely.difference(cgeoms[wet], water)
        parts, owner = shapely.get_parts(land, return_index=True)
        if len(parts):
            order = np.lexsort((-shapely.area(parts), owner))
            first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
            first = first[shapely.area(parts[first]) > 0]
            centres[wet[owner[first]]] = shapely.point_on_surface(parts[first])
    return shapely.get_coordinates(centres)


def _rejoin(cgeoms: np.ndarray, adjacency: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Edges to restore so no cell that had a neighbour is left without one:
    each such cell's longest shared border."""
    n = len(cgeoms)
    had = np.bincount(adjacency.ravel(), minlength=n) > 0
    has = np.bincount(adjacency[keep].ravel(), minlength=n) > 0
    alone = np.flatnonzero(had & ~has)
    if len(alone) == 0:
        return np.zeros(0, dtype=np.int64)
    touch = np.flatnonzero(
        np.isin(adjacency[:, 0], alone) | np.isin(adjacency[:, 1], alone)
    )
    a, b = adjacency[touch, 0], adjacency[touch, 1]
    border = shapely.length(
        shapely.intersection(shapely.boundary(cgeoms[a]), shapely.boundary(cgeoms[b]))
    )
    out = []
    for cell in alone:
        mine = np.flatnonzero((a == cell) | (b == cell))
        out.append(touch[mine[np.argmax(border[mine])]])
    return np.unique(out)


def barrier_adjacency(
    cells: gpd.GeoDataFrame,
    adjacency: np.ndarray,
    barriers: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None = None,
) -> BarrierCut:
    """Neighbour pairs (``(E, 2)`` positions in ``cells``) after barriers.

    ``adjacency`` is what :func:`planning.zoning.cell_adjacency` returns.
    """
    adjacency = np.asarray(adjacency, dtype=np.int64).reshape(-1, 2)
    empty = np.zeros((0, 2), dtype=np.int64)
    if barriers is None or len(barriers) == 0 or len(adjacency) == 0:
        return BarrierCut(adjacency, empty, np.zeros(0, np.int64), empty)
    crs = metric_crs(cells)
    cgeoms = cells.geometry.to_crs(crs).to_numpy()
    bgeoms = barriers.geometry.to_crs(crs).to_numpy()
    centres = _anchors(cgeoms, bgeoms)
    lines = shapely.linestrings(
        np.stack([centres[adjacency[:, 0]], centres[adjacency[:, 1]]], axis=1)
    )
    tree = shapely.STRtree(_boundaryish(bgeoms))
    e, b = tree.query(lines, predicate="intersects")
    first = np.r_[True, e[1:] != e[:-1]] if len(e) else np.zeros(0, bool)
    crossed = pd.DataFrame({"e": e, "b": b})
    bridged_e = np.zeros(0, dtype=np.int64)
    if roads is not None and len(roads) and len(e):
        rgeoms = roads.geometry.to_crs(crs).to_numpy()
        rtree = shapely.STRtree(rgeoms)
        ue = np.unique(e)
        ki, ri = rtree.query(cgeoms[adjacency[ue, 0]], predicate="intersects")
        kj, rj = rtree.query(cgeoms[adjacency[ue, 1]], predicate="intersects")
        both = pd.merge(
            pd.DataFrame({"e": ue[ki], "r": ri}), pd.DataFrame({"e": ue[kj], "r": rj})
        ).merge(crossed, on="e")
        if len(both):
            rg = rgeoms[both["r"].to_numpy()]
            bg = bgeoms[both["b"].to_numpy()]
            meet = shapely.intersects(rg, bg)
            # a road running along a line barrier (the expressway itself) is
            # not a way across it: its crossing must be points, not a line
            along = (shapely.get_type_id(bg) < 3) & (
                shapely.length(shapely.intersection(rg, bg)) > 1.0
            )
            ok = both[meet & ~along]
            # an edge is bridged when every barrier it crosses has a road across
            need = crossed.groupby("e")["b"].nunique()
            have = ok.groupby("e")["b"].nunique()
            have = have.reindex(need.index, fill_value=0)
            bridged_e = need.index[(have >= need).to_numpy()].to_numpy()
    cut_e = np.setdiff1d(e[first], bridged_e)
    keep = np.ones(len(adjacency), dtype=bool)
    keep[cut_e] = False
    back = _rejoin(cgeoms, adjacency, keep)
    keep[back] = True
    cut_e = np.setdiff1d(cut_e, back)
    cut_by = crossed.groupby("e")["b"].first().reindex(cut_e).to_numpy()
    return BarrierCut(
        adjacency[keep],
        adjacency[cut_e],
        cut_by,
        adjacency[bridged_e],
        adjacency[back],
    )


def explain_cut_off(
    cells: gpd.GeoDataFrame,
    result: BarrierCut,
    zone_cells: np.ndarray,
    base_cell: int,
    barrier_names: list[str],
    squad_name: str,
    id_col: str = "cell_id",
    lang: str = "zh_CN",
    shown: int = 5,
) -> str | None:
    """Words for cells of a zone that a barrier cuts off its base's part.

    ``zone_cells`` are positions in ``cells``; ``base_cell`` the cell of the
    squad's base. ``None`` when the zone is whole under the barrier rule,
    or when the cells cut off border no barrier (the zone is split on the
    plain grid too, which zoning explains itself).
    """
    zone = np.asarray(zone_cells, dtype=np.int64)
    inside = np.zeros(len(cells), dtype=bool)
    inside[zone] = True
    adj = result.adjacency
    adj = adj[inside[adj[:, 0]] & inside[adj[:, 1]]]
    n = len(cells)
    graph = coo_matrix((np.ones(len(adj)), (adj[:, 0], adj[:, 1])), (n, n))
    _, label = connected_components(graph, directed=False)
    off = zone[label[zone] != label[base_cell]]
    if len(off) == 0:
        return None
    names = _cutting(result, off, inside, barrier_names)
    if not names:  # split on the plain grid too: no barrier to blame
        return None
    ids, tail = _id_list(cells, off, id_col, shown, lang)
    if lang == "en":
        return (
            f"{' and '.join(names)} cuts {len(off)} cell(s) ({ids}{tail}) "
            f"off the base of {squad_name}: no road across joins them"
        )
    return (
        f"{'、'.join(names)}把网格 {ids}{tail}与{squad_name}驻地隔开："
        "没有跨越它的道路相连"
    )


def explain_island(
    cells: gpd.GeoDataFrame,
    result: BarrierCut,
    island: np.ndarray,
    barrier_names: list[str],
    id_col: str = "cell_id",
    lang: str = "zh_CN",
    shown: int = 5,
) -> str | None:
    """Words for an island (cells no squad base reaches, positions in
    ``cells``) that a barrier cuts off: which barrier, which cells, and what
    would join them. ``None`` when no barrier borders the island (a gap in
    the grid, an offshore island), which zoning explains itself."""
    island = np.asarray(island, dtype=np.int64)
    names = _cutting(result, island, np.ones(len(cells), dtype=bool), barrier_names)
    if not names:
        return None
    ids, tail = _id_list(cells, island, id_col, shown, lang)
    if lang == "en":
        return (
            f"{' and '.join(names)} cuts {len(island)} cell(s) ({ids}{tail}) off "
            "from every squad base: no road crosses it into them; they are planned "
            "whole with one squad, but a bridge, underpass or level crossing on the "
            "road layer would join them to their neighbours"
        )
    return (
        f"{'、'.join(names)}把网格 {ids}{tail}与所有中队驻地隔开：没有跨越它的道路"
        "通往这些网格；它们整体划给一个中队，道路图层上补一座桥、涵洞或平交道口"
        "即可与邻近网格相连"
    )


def _cutting(
    result: BarrierCut, off: np.ndarray, near: np.ndarray, barrier_names: list[str]
) -> list[str]:
    """Names of the barriers that cut ``off`` (positions) from ``near`` cells."""
    off_set = np.zeros(len(near), dtype=bool)
    off_set[off] = True
    cut = result.cut
    border = (off_set[cut[:, 0]] & near[cut[:, 1]] & ~off_set[cut[:, 1]]) | (
        off_set[cut[:, 1]] & near[cut[:, 0]] & ~off_set[cut[:, 0]]
    )
    return sorted({barrier_names[int(b)] for b in result.cut_by[border]})


def _id_list(
    cells: gpd.GeoDataFrame, members: np.ndarray, id_col: str, shown: int, lang: str
) -> tuple[str, str]:
    """The first ``shown`` cell ids, joined, and how many more there are."""
    ids = cells[id_col].to_numpy()[members[:shown]].astype(str).tolist()
    more = len(members) - len(ids)
    if lang == "en":
        return ", ".join(ids), f" and {more} more" if more else ""
    return "、".join(
        ids
    ), f" 等 {len(members)} 个网格" if more else f" 共 {len(members)} 个网格"
