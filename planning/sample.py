"""Deterministic sample scenario on the real outline of 常山县 (Changshan).

The outline is real (``resources/data/counties.geojson``); everything else
is synthetic and says so (``synthetic = 1``, "示例数据"): a 500 m grid
clipped to the outline, 14 towns as Voronoi cells of seeded points (named
after Changshan's towns, but not their real boundaries) grouped in 7 片区,
one squad per 片区, ~3,000 enterprises denser in town centres and ~5,000
hotspot events over the 8 weeks before the horizon. The same seed always
gives the same scenario, so tests and screenshots are reproducible.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.model import (
    RESOURCES,
    WGS84,
    Horizon,
    Policy,
    Scenario,
    load_policy,
)

COUNTIES = RESOURCES / "data" / "counties.geojson"
SAMPLE_START = date(2026, 12, 1)

# (name, weight of activity, is a 街道 / county-seat district)
CHANGSHAN_TOWNS = [
    ("天马街道", 3.0, True),
    ("紫港街道", 2.5, True),
    ("金川街道", 2.0, True),
    ("球川镇", 1.2, False),
    ("辉埠镇", 1.2, False),
    ("芳村镇", 1.0, False),
    ("青石镇", 1.0, False),
    ("招贤镇", 0.9, False),
    ("白石镇", 0.8, False),
    ("何家乡", 0.6, False),
    ("东案乡", 0.5, False),
    ("同弓乡", 0.6, False),
    ("大桥头乡", 0.5, False),
    ("新昌乡", 0.5, False),
]

CATEGORY_SHARES = {
    "restaurant": 0.30,
    "shop": 0.28,
    "factory": 0.15,
    "hotel": 0.07,
    "construction": 0.08,
    "salon": 0.12,
}
CATEGORY_WORDS = {
    "restaurant": ["小吃店", "面馆", "饭店", "土菜馆", "快餐店"],
    "shop": ["便利店", "超市", "五金店", "副食店", "日杂店"],
    "factory": ["胡柚加工厂", "石材厂", "机械厂", "包装厂", "建材厂"],
    "hotel": ["宾馆", "民宿", "旅馆"],
    "construction": ["建设工地", "渣土消纳场", "安置房工地"],
    "salon": ["理发店", "美容院", "足浴店"],
}
NAME_PREFIX = list("和顺兴旺福鑫宏达金源美佳信诚华盛恒通康乐")
EVENT_TYPES = {
    "占道经营": 0.22,
    "店外经营": 0.16,
    "乱堆物料": 0.12,
    "暴露垃圾": 0.12,
    "垃圾箱满溢": 0.10,
    "非机动车违停": 0.12,
    "违规撑伞": 0.05,
    "沿街晾挂": 0.04,
    "打包垃圾": 0.07,
}


def county_outline(district: str = "常山县") -> gpd.GeoDataFrame:
    """The real outline of one bundled county (WGS84)."""
    counties = gpd.read_file(COUNTIES)
    out = counties[counties["district"] == district]
    if out.empty:
        raise KeyError(f"county {district!r} is not in {COUNTIES.name}")
    return out.reset_index(drop=True)


def make_grid(
    outline: gpd.GeoDataFrame, cell_m: float, crs: str, min_share: float = 0.05
) -> gpd.GeoDataFrame:
    """Square cells of ``cell_m`` metres clipped to ``outline``, in ``crs``.

    Slivers smaller than ``min_share`` of a full cell are dropped: they are
    artefacts of the clip, not places a squad patrols.
    """
    shape = outline.to_crs(crs).geometry.union_all()
    minx, miny, maxx, maxy = shape.bounds
    xs = np.arange(minx, maxx, cell_m)
    ys = np.arange(miny, maxy, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(
        gx.ravel(), gy.ravel(), gx.ravel() + cell_m, gy.ravel() + cell_m
    )
    shapely.prepare(shape)
    inside = shapely.intersects(shape, boxes)
    boxes = boxes[inside]
    clipped = shapely.intersection(boxes, shape)
    areas = shapely.area(clipped)
    keep = areas >= min_share * cell_m * cell_m
    cells = gpd.GeoDataFrame(geometry=clipped[keep], crs=crs)
    cells = cells.explode(index_parts=False)
    cells = cells[cells.geometry.area >= min_share * cell_m * cell_m]
    cells = cells[cells.geometry.geom_type == "Polygon"].reset_index(drop=True)
    cells.insert(0, "cell_id", [f"C{i + 1:05d}" for i in range(len(cells))])
    return cells


def _seed_points(
    shape: shapely.Geometry, n: int, rng: np.random.Generator, min_gap: float
) -> np.ndarray:
    """``n`` random points inside ``shape``, at least ``min_gap`` apart.

    A district too small for ``n`` towns that far apart (拱墅, 滨江) would
    never finish, so the gap shrinks by a fifth after every 5,000 misses in
    a row; larger counties never miss that often and keep their points."""
    minx, miny, maxx, maxy = shape.bounds
    pts: list[tuple[float, float]] = []
    misses = 0
    while len(pts) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shape.contains(shapely.Point(x, y)):
            continue
        if all((x - a) ** 2 + (y - b) ** 2 >= min_gap**2 for a, b in pts):
            pts.append((x, y))
            misses = 0
        else:
            misses += 1
            if misses >= 5000:
                min_gap, misses = min_gap * 0.8, 0
    return np.array(pts)


def _pair_towns(xy: np.ndarray) -> list[list[int]]:
    """Group towns in pairs of near neighbours: the 片区."""
    left = set(range(len(xy)))
    groups: list[list[int]] = []
    while left:
        # start from the town farthest from the centre so edges pair first
        centre = xy[list(left)].mean(axis=0)
        i = max(left, key=lambda k: np.hypot(*(xy[k] - centre)))
        left.discard(i)
        if left:
            j = min(left, key=lambda k: np.hypot(*(xy[k] - xy[i])))
            left.discard(j)
            groups.append([i, j])
        else:
            groups.append([i])
    return groups


def build_sample(
    seed: int = 7,
    district: str = "常山县",
    cell_m: float = 500.0,
    n_enterprises: int = 3000,
    n_events: int = 5000,
    start: date = SAMPLE_START,
    policy: Policy | None = None,
    roads: bool = False,
) -> Scenario:
    """Build the synthetic sample scenario (deterministic from ``seed``).

    ``roads=True`` adds the synthetic road network, river and expressway of
    :func:`planning.roads.synthetic.sample_roads` (labelled ``synthetic``).
    """
    rng = np.random.default_rng(seed)
    policy = policy or load_policy()
    outline = county_outline(district)
    crs = _metric_crs_for(outline)
    shape = outline.to_crs(crs).geometry.union_all()

    towns_spec = CHANGSHAN_TOWNS
    centres = _seed_points(shape, len(towns_spec), rng, min_gap=4500.0)
    # the three 街道 sit close together around the county seat, as in reality
    order = np.argsort(np.hypot(*(centres - np.array(shape.centroid.coords[0])).T))
    centres = centres[order]
    vor = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=shape)
    polys = []
    for c in centres:
        cell = next(p for p in vor.geoms if p.contains(shapely.Point(c)))
        polys.append(cell.intersection(shape))
    groups = _pair_towns(centres)
    area_of = {}
    for a, members in enumerate(groups):
        for m in members:
            area_of[m] = a
    towns = gpd.GeoDataFrame(
        {
            "town_id": [f"T{i + 1:02d}" for i in range(len(towns_spec))],
            "name": [t[0] for t in towns_spec],
            "area_id": [f"A{area_of[i] + 1}" for i in range(len(towns_spec))],
            "weight": [t[1] for t in towns_spec],
        },
        geometry=gpd.GeoSeries(polys, crs=crs).apply(_as_multi),
        crs=crs,
    )
    area_names = {
        f"A{a + 1}": "-".join(towns_spec[m][0][:2] for m in members) + "片区"
        for a, members in enumerate(groups)
    }
    towns["area_name"] = towns["area_id"].map(area_names)
    towns["synthetic"] = 1

    cells = make_grid(outline, cell_m, crs)
    centre_pts = cells.geometry.representative_point()
    tx = np.array([c[0] for c in centres])
    ty = np.array([c[1] for c in centres])
    d_town = np.hypot(
        centre_pts.x.to_numpy()[:, None] - tx[None, :],
        centre_pts.y.to_numpy()[:, None] - ty[None, :],
    )
    joined = gpd.sjoin(
        gpd.GeoDataFrame(geometry=centre_pts, crs=crs),
        towns[["town_id", "geometry"]],
        how="left",
        predicate="within",
    )
    joined = joined[~joined.index.duplicated()]
    nearest = d_town.argmin(axis=1)
    town_idx = joined["town_id"].fillna(
        pd.Series([f"T{i + 1:02d}" for i in nearest], index=joined.index)
    )
    cells["town_id"] = town_idx.to_numpy()
    cells["area_id"] = cells["town_id"].map(towns.set_index("town_id")["area_id"])
    weights = np.array([t[1] for t in towns_spec])
    urban_r = 900.0 + 500.0 * weights  # metres
    near = d_town.min(axis=1)
    near_w = urban_r[nearest]
    cells["land_use"] = np.where(
        near <= near_w, "urban", np.where(near <= 2.5 * near_w, "suburban", "rural")
    )
    cells["area_km2"] = cells.geometry.area / 1e6
    cells["squad_id"] = None
    cells["locked"] = 0
    cells["synthetic"] = 1

    squads = _make_squads(towns, groups, centres, rng, crs)
    enterprises = _make_enterprises(
        n_enterprises, shape, centres, weights, towns, policy, start, rng, crs
    )
    hotspots = _make_hotspots(n_events, shape, centres, weights, start, rng, crs)

    def attach_cell(points: gpd.GeoDataFrame) -> np.ndarray:
        j = gpd.sjoin_nearest(points[["geometry"]], cells[["cell_id", "geometry"]])
        j = j[~j.index.duplicated()]
        return j["cell_id"].reindex(points.index).to_numpy()

    enterprises["cell_id"] = attach_cell(enterprises)
    hotspots["cell_id"] = attach_cell(hotspots)

    horizon = Horizon(start=start, days=20)
    road_layers = (None, None)
    if roads:
        from planning.roads.synthetic import sample_roads

        road_layers = sample_roads(outline, seed=seed)
    return Scenario(
        name=f"{district} 示例 (synthetic)",
        cells=cells.to_crs(WGS84),
        towns=towns.drop(columns="weight").to_crs(WGS84),
        squads=squads.to_crs(WGS84),
        enterprises=enterprises.to_crs(WGS84),
        hotspots=hotspots.to_crs(WGS84),
        policy=policy,
        horizon=horizon,
        synthetic=True,
        outline=outline[["district", "geometry"]],
        roads=road_layers[0],
        barriers=road_layers[1],
    )


def _metric_crs_for(outline: gpd.GeoDataFrame) -> str:
    from planning.travel import metric_crs

    return metric_crs(outline)


def _as_multi(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        return shapely.MultiPolygon([g for g in geom.geoms if g.geom_type == "Polygon"])
    return geom


def _make_squads(
    towns: gpd.GeoDataFrame,
    groups: list[list[int]],
    centres: np.ndarray,
    rng: np.random.Generator,
    crs: str,
) -> gpd.GeoDataFrame:
    rows = []
    for a, members in enumerate(groups):
        lead = max(members, key=lambda m: towns.at[m, "weight"])
        name = towns.at[lead, "name"]
        staff = int(rng.integers(6, 15))
        rows.append(
            {
                "squad_id": f"SQ{a + 1:02d}",
                "name": name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
                + "中队",
                "area_id": f"A{a + 1}",
                "staff": staff,
                "teams": 3 if staff >= 11 else 2,
                "synthetic": 1,
                "geometry": shapely.Point(centres[lead]),
            }
        )
    return gpd.GeoDataFrame(rows, crs=crs)


def _points_near_centres(
    n: int,
    shape: shapely.Geometry,
    centres: np.ndarray,
    weights: np.ndarray,
    sigma: np.ndarray,
    uniform_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Points clustered round town centres (plus a uniform share), inside shape."""
    minx, miny, maxx, maxy = shape.bounds
    shapely.prepare(shape)
    out = np.empty((0, 2))
    p = weights / weights.sum()
    while len(out) < n:
        k = 2 * (n - len(out))
        uni = rng.random(k) < uniform_share
        which = rng.choice(len(centres), size=k, p=p)
        xy = centres[which] + rng.normal(size=(k, 2)) * sigma[which, None]
        xy[uni] = np.column_stack(
            [rng.uniform(minx, maxx, uni.sum()), rng.uniform(miny, maxy, uni.sum())]
        )
        ok = shapely.contains_xy(shape, xy[:, 0], xy[:, 1])
        out = np.vstack([out, xy[ok]])
    return out[:n]


def _make_enterprises(
    n: int,
    shape: shapely.Geometry,
    centres: np.ndarray,
    weights: np.ndarray,
    towns: gpd.GeoDataFrame,
    policy: Policy,
    start: date,
    rng: np.random.Generator,
    crs: str,
) -> gpd.GeoDataFrame:
    xy = _points_near_centres(
        n, shape, centres, weights, 600.0 + 500.0 * weights, 0.12, rng
    )
    cats = list(CATEGORY_SHARES)
    cat = rng.choice(cats, size=n, p=list(CATEGORY_SHARES.values()))
    risk = rng.choice(["red", "yellow", "green"], size=n, p=[0.1, 0.3, 0.6])
    credit = rng.choice(["A", "B", "C", "D"], size=n, p=[0.25, 0.45, 0.2, 0.1])
    d = np.hypot(
        xy[:, None, 0] - centres[None, :, 0], xy[:, None, 1] - centres[None, :, 1]
    )
    town_of = d.argmin(axis=1)
    rows = []
    for i in range(n):
        c = cat[i]
        last = {}
        for item_id in policy.categories[c].items:
            if rng.random() < 0.03:
                continue  # never inspected: due at once
            interval = policy.interval_days(item_id, risk[i], credit[i])
            ago = int(rng.uniform(0, interval * 1.05))
            last[item_id] = (start - timedelta(days=ago)).isoformat()
        town = towns.at[int(town_of[i]), "name"]
        word = CATEGORY_WORDS[c][int(rng.integers(len(CATEGORY_WORDS[c])))]
        prefix = "".join(rng.choice(NAME_PREFIX, size=2))
        rows.append(
            {
                "enterprise_id": f"E{i + 1:05d}",
                "name": f"{town[:2]}{prefix}{word}",
                "category": str(c),  # plain str: np.str_ pickles ~30x slower
                "risk": str(risk[i]),
                "credit": str(credit[i]),
                "address": f"常山县{town}示例路{int(rng.integers(1, 400))}号",
                "contact": f"1380570{int(rng.integers(0, 10000)):04d}",
                "last_inspected": json.dumps(last, ensure_ascii=False),
                "synthetic": 1,
            }
        )
    return gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs
    )


def _make_hotspots(
    n: int,
    shape: shapely.Geometry,
    centres: np.ndarray,
    weights: np.ndarray,
    start: date,
    rng: np.random.Generator,
    crs: str,
) -> gpd.GeoDataFrame:
    """Events around ~40 recurring spots (markets, school gates, street stalls).

    A few spots grow over the 8 weeks, so trend tests have something to find.
    """
    n_spots = 40
    spots = _points_near_centres(
        n_spots, shape, centres, weights, 400.0 + 400.0 * weights, 0.0, rng
    )
    spot_w = rng.gamma(1.5, 1.0, n_spots)
    rising = rng.random(n_spots) < 0.2
    types = list(EVENT_TYPES)
    type_p = np.array(list(EVENT_TYPES.values()))
    type_p /= type_p.sum()
    end = datetime.combine(start, datetime.min.time())
    weeks = 8
    rows = []
    geoms = []
    hours = np.array([7, 8, 11, 12, 17, 18, 19, 9, 10, 14, 15, 16, 20])
    hour_p = np.array([8, 9, 10, 9, 10, 10, 8, 4, 3, 3, 3, 4, 5], float)
    hour_p /= hour_p.sum()
    for i in range(n):
        k = int(rng.choice(n_spots, p=spot_w / spot_w.sum()))
        if rng.random() < 0.15:  # background noise anywhere
            minx, miny, maxx, maxy = shape.bounds
            while True:
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if shape.contains(shapely.Point(x, y)):
                    break
        else:
            x, y = spots[k] + rng.normal(size=2) * 150.0
        if rising[k]:
            week = int(min(weeks - 1, np.floor(weeks * np.sqrt(rng.random()))))
        else:
            week = int(rng.integers(weeks))
        day = int(rng.integers(7))
        hour = int(rng.choice(hours, p=hour_p))
        t = (
            end
            - timedelta(weeks=weeks - week)
            + timedelta(days=day, hours=hour, minutes=int(rng.integers(60)))
        )
        source = rng.choice(["camera", "12345", "110"], p=[0.75, 0.18, 0.07])
        rows.append(
            {
                "event_id": f"H{i + 1:05d}",
                "event_type": types[int(rng.choice(len(types), p=type_p))],
                "source": str(source),
                "time": t.isoformat(timespec="minutes"),
                "synthetic": 1,
            }
        )
        geoms.append(shapely.Point(x, y))
    inside = shapely.contains(shape, np.array(geoms, dtype=object))
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)
    return gdf[inside].reset_index(drop=True)
