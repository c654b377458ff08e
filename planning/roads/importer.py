"""``import --as roads | barriers``: check, repair, report, save all or nothing.

The layer is read like any other (coordinates, encodings, archives), then
checked for what goes wrong with road data in practice: not lines, no CRS,
empty, somewhere else than the county, a road layer offered as barriers,
one-way fields that trap every car. Roads are noded and the repairs are
reported; points that can only reach a small island of road are listed by
id. Any error leaves the project file unchanged.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from planning.io.errors import ERROR, INFO, WARNING, Issue, IssueLog, LayerImportError
from planning.io.importer import ImportReport
from planning.io.project import load_project, mark_road_layer, write_layers
from planning.model import Scenario
from planning.roads.attributes import RoadPolicy, normalise_roads
from planning.roads.graph import RoadGraph
from planning.roads.messages import register
from planning.roads.read import read_lines
from planning.roads.topology import build_topology
from planning.travel import metric_crs, metric_xy

__all__ = [
    "FAR_FROM_ROAD_M",
    "ROAD_KINDS",
    "check_roads",
    "far_from_roads",
    "far_from_roads_issue",
    "import_roads_into_project",
]

register()
ROAD_KINDS = ("roads", "barriers")
FAR_KM = 5.0  # roads whose nearest part is farther from the county are refused
LOCAL_CLASSES = {
    "residential",
    "unclassified",
    "service",
    "tertiary",
    "living_street",
    "支路",
    "村道",
    "乡道",
    "次干路",
}
ISLAND_SHARE = 0.05  # a part holding under 5% of the road length is an island
SHOWN_IDS = 10
FAR_FROM_ROAD_M = 500.0  # points farther from a stoppable road are listed


def _county(scenario: Scenario) -> gpd.GeoSeries:
    src = scenario.outline if scenario.outline is not None else scenario.cells
    return gpd.GeoSeries([src.geometry.union_all()], crs=src.crs)


def _types(gdf: gpd.GeoDataFrame, bad: np.ndarray) -> list[str]:
    return sorted(Counter(gdf.geometry[bad].geom_type.fillna("empty")).keys())


def check_roads(
    gdf: gpd.GeoDataFrame, kind: str, scenario: Scenario, log: IssueLog
) -> None:
    """Add an error to ``log`` for each reason the layer cannot be used."""
    geom = gdf.geometry
    kinds = geom.geom_type.fillna("empty").to_numpy()
    lines = np.isin(kinds, ["LineString", "MultiLineString"])
    polys = np.isin(kinds, ["Polygon", "MultiPolygon"])
    if kind == "roads" and not lines.all():
        log.add("roads_not_lines", n=int((~lines).sum()), types=_types(gdf, ~lines))
    if kind == "barriers" and not (lines | polys).all():
        bad = ~(lines | polys)
        log.add("barriers_wrong_type", n=int(bad.sum()), types=_types(gdf, bad))
    if len(gdf) and (lines | polys).any():
        county = _county(scenario)
        crs = metric_crs(county.to_frame("geometry"))
        shape = county.to_crs(crs).iloc[0]
        layer = gdf.geometry[lines | polys].to_crs(crs)
        dist = float(shapely.distance(shape, layer.union_all()))
        if dist > FAR_KM * 1000:
            log.add("roads_far", km=dist / 1000)
        else:
            outside = ~shapely.intersects(layer.to_numpy(), shape.buffer(FAR_KM * 1000))
            if outside.any():
                log.add(
                    "roads_outside_share",
                    WARNING,
                    n=int(outside.sum()),
                    share=100 * outside.mean(),
                )
    if kind == "barriers" and lines.sum() >= 20:
        normal, findings = normalise_roads(gdf[lines], RoadPolicy())
        fields = findings["fields"]
        local = np.isin(normal["road_class"], list(LOCAL_CLASSES)).mean()
        if "road_class" in fields and local > 0.2:
            log.add(
                "barriers_look_like_roads",
                fields=sorted(set(fields.values())),
                n=int(lines.sum()),
            )


def _points(scenario: Scenario) -> list[tuple[str, gpd.GeoDataFrame, str]]:
    out = [
        ("cells", scenario.cells, "cell_id"),
        ("squads", scenario.squads, "squad_id"),
    ]
    out.append(("enterprises", scenario.enterprises, "enterprise_id"))
    return [(n, g, c) for n, g, c in out if g is not None and len(g)]


def _islands(graph: RoadGraph, scenario: Scenario, log: IssueLog) -> None:
    """List points whose road is a small part cut off from the rest."""
    seg = graph.network.segments
    share = seg.groupby("component")["length_m"].sum() / seg["length_m"].sum()
    small = set(share.index[share < ISLAND_SHARE].tolist())
    if not small:
        return
    comp = seg["component"].to_numpy()
    for name, gdf, id_col in _points(scenario):
        snap = graph.snap(metric_xy(gdf, graph.crs))
        ok = snap.segment >= 0
        on_island = np.zeros(len(gdf), dtype=bool)
        on_island[ok] = np.isin(comp[snap.segment[ok]], list(small))
        if on_island.any():
            ids = gdf[id_col].astype(str).to_numpy()[on_island]
            shown = ids[:SHOWN_IDS].tolist() + (["…"] if len(ids) > SHOWN_IDS else [])
            log.add("roads_islands", WARNING, ident=name, n=len(ids), ids=shown)


def far_from_roads(
    graph: RoadGraph,
    points: gpd.GeoDataFrame,
    id_col: str,
    metres: float = FAR_FROM_ROAD_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Ids of ``points`` more than ``metres`` from any road a car may stop
    on, and their distances, farthest first.

    They stay in the plan (their access leg is walked at the policy's
    access speed); the list tells the planner which addresses to check.
    """
    if len(points) == 0:
        return np.zeros(0, dtype=object), np.zeros(0)
    snap = graph.snap(metric_xy(points, graph.crs))
    dist = np.where(np.isnan(snap.access_m), np.inf, snap.access_m)
    far = np.flatnonzero(dist > metres)
    far = far[np.argsort(-dist[far], kind="stable")]
    return points[id_col].astype(str).to_numpy()[far], dist[far]


def far_from_roads_issue(
    ids: np.ndarray, layer: str = "enterprises", metres: float = FAR_FROM_ROAD_M
) -> Issue | None:
    """The warning naming the points of :func:`far_from_roads` (None if none)."""
    if len(ids) == 0:
        return None
    shown = [str(i) for i in ids[:SHOWN_IDS]] + (["…"] if len(ids) > SHOWN_IDS else [])
    return Issue(
        "roads_far_points",
        WARNING,
        ident=layer,
        params={"n": len(ids), "metres": metres, "ids": shown},
    )


def import_roads_into_project(
    project_path: str | Path,
    file: str | Path,
    kind: str,
    *,
    layer: str | None = None,
    coords: str = "auto",
    lang: str = "zh_CN",
) -> ImportReport:
    """Add or replace the project's ``roads`` or ``barriers`` layer.

    Raises :class:`~planning.io.errors.LayerImportError` listing every
    finding when the layer cannot be used; the project is then unchanged.
    """
    started = time.perf_counter()
    project_path, file = Path(project_path), Path(file)
    log = IssueLog(project_path.name)
    if kind not in ROAD_KINDS:
        log.add("unknown_kind", kind=kind, kinds=list(ROAD_KINDS))
        raise log.fail(lang)
    try:
        scenario, _ = load_project(project_path)
    except Exception as exc:  # ProjectError, missing file, not a GeoPackage
        log.add("project_unreadable", detail=str(exc)[:300])
        raise log.fail(lang) from exc
    result = read_lines(file, layer=layer, coords=coords, lang=lang)
    rlog = IssueLog(result.file, result.layer or kind)
    issues: list[Issue] = list(result.issues)
    if coords == "auto" and any(i.code == "no_crs" for i in issues):
        issues = [i for i in issues if i.code != "no_crs"]
        rlog.add("roads_no_crs")
    gdf = result.gdf
    if len(gdf):
        check_roads(gdf, kind, scenario, rlog)
    if rlog.has_errors or any(i.level == ERROR for i in issues):
        raise LayerImportError(issues + rlog.close(), lang)
    if kind == "roads":
        out = _roads(gdf, scenario, rlog)
        rows = len(out)
    else:
        out = gdf[[c for c in gdf.columns if c != "tags"]].copy()
        poly = out.geometry.geom_type.str.contains("Polygon").to_numpy()
        rlog.add(
            "barriers_imported",
            INFO,
            n=len(out),
            lines=int((~poly).sum()),
            polygons=int(poly.sum()),
        )
        rows = len(out)
    issues += rlog.close()
    if any(i.level == ERROR for i in issues):
        raise LayerImportError(issues, lang)
    try:
        meta = mark_road_layer(project_path, kind)
        write_layers(project_path, {kind: out, "meta": meta})
    except Exception as exc:  # disk full, permissions, driver errors
        log.add("project_save_failed", detail=str(exc)[:300])
        raise log.fail(lang) from exc
    return ImportReport(
        file=str(file),
        kind=kind,
        layer=kind,
        source_layer=result.layer,
        rows=rows,
        replaced=0,
        issues=issues + log.close(),
        seconds=time.perf_counter() - started,
        project=project_path,
    )


def _roads(gdf: gpd.GeoDataFrame, scenario: Scenario, log: IssueLog):
    """Normalised roads to store; repairs, classes and islands reported."""
    policy = RoadPolicy.from_policy(scenario.policy)
    lines, findings = normalise_roads(gdf, policy)
    if findings["fields"]:
        pairs = [f"{v}→{k}" for k, v in findings["fields"].items()]
        log.add("roads_fields", INFO, fields=pairs)
    unknown = findings["unknown_classes"]
    if unknown:
        shown = [f"{k} ({v})" for k, v in list(unknown.items())[:10]]
        log.add(
            "roads_unknown_class",
            WARNING,
            classes=shown,
            speed=policy.default_speed_kmh,
        )
    crs = metric_crs(lines)
    network = build_topology(lines, crs, policy.snap_tolerance_m)
    report = network.report
    for key, n in report.counts.items():
        if n:
            log.add(f"roads_repair_{key}", INFO, n=n)
    log.add(
        "roads_repair_components",
        INFO,
        n=report.components,
        share=100 * report.largest_share,
        e=report.island_edges,
    )
    if report.trap_nodes and findings["one_way"] < len(lines):
        log.add("roads_repair_traps", WARNING, n=report.trap_nodes)
    if findings["one_way"] == len(lines) and network.report.trap_nodes:
        log.add(
            "roads_all_one_way", WARNING, n=len(lines), traps=network.report.trap_nodes
        )
    graph = RoadGraph(network, policy)
    _islands(graph, scenario, log)
    if scenario.enterprises is not None:
        ids, _ = far_from_roads(graph, scenario.enterprises, "enterprise_id")
        issue = far_from_roads_issue(ids)
        if issue is not None:
            log.add(issue.code, issue.level, ident=issue.ident, **issue.params)
    log.add(
        "roads_imported",
        INFO,
        n=len(lines),
        segments=len(network.segments),
        km=float(network.segments["length_m"].sum() / 1000),
    )
    return lines
