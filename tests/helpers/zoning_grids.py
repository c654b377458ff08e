"""Square-cell grids and zoning checks shared by the zoning tests.

:func:`make_grid` builds a county of square cells with squads at chosen
cells; the strips are hand-drawn zonings along the county edge whose locks
cut a zone off; :func:`exact_optimum` is the MILP the zoning objective is
checked against. The checks (contiguity, balance) use grid indices only, not
the engine's own adjacency, so they can catch its mistakes.
"""

from __future__ import annotations

from collections import deque

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from planning.model import load_policy
from planning.travel import TravelModel, metric_crs, metric_xy

POLICY = load_policy()
SIZE = 0.005


def make_grid(
    nx: int,
    ny: int,
    bases: list[tuple[int, int]],
    staff: list[int] | None = None,
    seed: int = 0,
    holes: set[tuple[int, int]] = frozenset(),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Square cells around lon 118.5, lat 28.9 and squads at cell centres."""
    rng = np.random.default_rng(seed)
    x0, y0 = 118.5 - nx * SIZE / 2, 28.9 - ny * SIZE / 2
    rows = []
    for j in range(ny):
        for i in range(nx):
            if (i, j) in holes:
                continue
            rows.append(
                {
                    "cell_id": f"C{j:02d}{i:02d}",
                    "ix": i,
                    "iy": j,
                    "land_use": "urban" if (i + j) % 3 else "rural",
                    "area_id": "A1" if i < nx / 2 else "A2",
                    "town_id": f"T{2 * j // ny}{2 * i // nx}",
                    "workload": float(rng.uniform(50, 150)),
                    "locked": 0,
                    "squad_id": None,
                    "geometry": shapely.box(
                        x0 + i * SIZE,
                        y0 + j * SIZE,
                        x0 + (i + 1) * SIZE,
                        y0 + (j + 1) * SIZE,
                    ),
                }
            )
    cells = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    staff = staff or [8] * len(bases)
    squads = gpd.GeoDataFrame(
        {
            "squad_id": [f"SQ{k + 1:02d}" for k in range(len(bases))],
            "name": [f"中队{k + 1}" for k in range(len(bases))],
            "staff": staff,
            "area_id": ["A1" if i < nx / 2 else "A2" for i, _ in bases],
        },
        geometry=[
            shapely.Point(x0 + (i + 0.5) * SIZE, y0 + (j + 0.5) * SIZE)
            for i, j in bases
        ],
        crs="EPSG:4326",
    )
    return cells, squads


def grid_components(cells: pd.DataFrame, members: set[str]) -> list[set[str]]:
    """Edge-connected groups of ``members``, by BFS on grid indices only."""
    at = {(r.ix, r.iy): r.cell_id for r in cells.itertuples()}
    pos = {r.cell_id: (r.ix, r.iy) for r in cells.itertuples()}
    seen: set[str] = set()
    parts = []
    for c in sorted(members):
        if c in seen:
            continue
        part, queue = {c}, deque([c])
        seen.add(c)
        while queue:
            i, j = pos[queue.popleft()]
            for d in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                v = at.get((i + d[0], j + d[1]))
                if v in members and v not in seen:
                    seen.add(v)
                    part.add(v)
                    queue.append(v)
        parts.append(part)
    return parts


def assert_contiguous(cells, assignment: pd.Series, islands=()) -> None:
    skip = {c for group in islands for c in group}
    for squad, ids in assignment.groupby(assignment).groups.items():
        members = set(ids) - skip
        if members:
            assert len(grid_components(cells, members)) == 1, f"{squad} split"


def loads(cells, assignment: pd.Series) -> pd.Series:
    return cells.set_index("cell_id")["workload"].groupby(assignment).sum()


def assert_balanced(cells, squads, assignment, tol) -> None:
    load = loads(cells, assignment)
    staff = squads.set_index("squad_id")["staff"]
    target = cells["workload"].sum() * staff / staff.sum()
    dev = (load.reindex(target.index, fill_value=0) - target) / target
    assert dev.abs().max() <= tol + 1e-9, dev


def strip_zoning() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Squad 1 holds the bottom row (a strip along the county edge, base at
    the right end), squad 2 the three rows above."""
    cells, squads = make_grid(10, 4, [(9, 0), (5, 3)], staff=[4, 12])
    cells["squad_id"] = np.where(cells["iy"] == 0, "SQ01", "SQ02")
    return cells, squads


def long_strip(light: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A 30-cell strip of squad 1 along the county edge, base at the right
    end, squad 2 above; the planner has locked C0024, near squad 1's base, to
    squad 2. The 24 cells beyond it cannot rejoin squad 1: every detour runs
    through squad 2's zone above and cuts that lock off. ``light``: those 24
    cells carry little work (14% of squad 1's target; else about all of it)."""
    cells, squads = make_grid(30, 3, [(29, 0), (15, 2)], staff=[4, 12])
    cells["squad_id"] = np.where(cells["iy"] == 0, "SQ01", "SQ02")
    if light:
        cells.loc[(cells["iy"] == 0) & (cells["ix"] < 24), "workload"] = 10.0
    neck = cells.index[(cells["ix"] == 24) & (cells["iy"] == 0)][0]
    cells.loc[neck, ["squad_id", "locked"]] = ["SQ02", 1]
    return cells, squads


def wide_strip(light: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Squad 1 holds a strip two cells wide (rows 1-2), base at the right
    end; squad 3 the row below, squad 2 the row above. The planner has locked
    C0124 and C0125 (row 1) to squad 2: squad 1 stays whole around them, but
    any way joining them to squad 2 crosses row 2 and cuts the 46 cells left
    of it off squad 1's base. ``light``: those carry little work (else more
    than squad 1's whole target)."""
    cells, squads = make_grid(30, 4, [(29, 1), (15, 3), (0, 0)], staff=[6, 6, 6])
    cells["squad_id"] = np.select(
        [cells["iy"] == 0, cells["iy"] == 3], ["SQ03", "SQ02"], "SQ01"
    )
    if light:
        cells.loc[cells["iy"].isin([1, 2]) & (cells["ix"] < 24), "workload"] = 1.0
    for ix in (24, 25):
        at = cells.index[(cells["ix"] == ix) & (cells["iy"] == 1)][0]
        cells.loc[at, ["squad_id", "locked"]] = ["SQ02", 1]
    return cells, squads


def exact_optimum(cells, squads, tol: float, ordered: bool) -> float:
    """MILP optimum of sum workload x minutes over contiguous balanced zonings.

    ``ordered``: contiguity by the same hop order as the CP-SAT model;
    otherwise by single-commodity flows (every contiguous zoning).
    """
    n, m = len(cells), len(squads)
    crs = metric_crs(cells)
    tm = TravelModel(POLICY)
    speed = tm.speed(cells["land_use"].to_numpy())
    base = [int(np.flatnonzero(cells.contains(p))[0]) for p in squads.geometry]
    cost = tm.minutes(metric_xy(squads, crs), metric_xy(cells, crs), speed[base], speed)
    w = cells["workload"].to_numpy()
    cost = cost * w[None, :]
    at = {(r.ix, r.iy): k for k, r in enumerate(cells.itertuples())}
    nbrs = [
        [at[(r.ix + dx, r.iy + dy)] for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
         if (r.ix + dx, r.iy + dy) in at]
        for r in cells.itertuples()
    ]  # fmt: skip
    arcs = [(a, b) for a in range(n) for b in nbrs[a]]
    nx_ = n * m
    nf = len(arcs) * m if not ordered else 0
    rows, lo, hi = [], [], []

    def add(coefs: dict[int, float], low: float, high: float) -> None:
        rows.append(coefs)
        lo.append(low)
        hi.append(high)

    def x(c: int, s: int) -> int:
        return s * n + c

    def f(k: int, s: int) -> int:
        return nx_ + s * len(arcs) + k

    for c in range(n):
        add({x(c, s): 1.0 for s in range(m)}, 1, 1)
    target = w.sum() * squads["staff"].to_numpy() / squads["staff"].sum()
    for s in range(m):
        add(
            {x(c, s): w[c] for c in range(n)},
            target[s] * (1 - tol),
            target[s] * (1 + tol),
        )
        add({x(base[s], s): 1.0}, 1, 1)
        if ordered:
            hops = np.full(n, -1)
            hops[base[s]] = 0
            queue = deque([base[s]])
            while queue:
                u = queue.popleft()
                for v in nbrs[u]:
                    if hops[v] < 0:
                        hops[v] = hops[u] + 1
                        queue.append(v)
            for c in range(n):
                if c != base[s]:
                    pre = {x(v, s): -1.0 for v in nbrs[c] if hops[v] == hops[c] - 1}
                    add({x(c, s): 1.0, **pre}, -np.inf, 0)
        else:
            for c in range(n):
                if c == base[s]:
                    continue
                flow = {}
                for k, (a, b) in enumerate(arcs):
                    if b == c:
                        flow[f(k, s)] = flow.get(f(k, s), 0) + 1.0
                    if a == c:
                        flow[f(k, s)] = flow.get(f(k, s), 0) - 1.0
                flow[x(c, s)] = -1.0
                add(flow, 0, 0)
            for k, (a, b) in enumerate(arcs):
                add({f(k, s): 1.0, x(a, s): -(n - 1)}, -np.inf, 0)
                add({f(k, s): 1.0, x(b, s): -(n - 1)}, -np.inf, 0)
    mat = sparse.lil_matrix((len(rows), nx_ + nf))
    for r, coefs in enumerate(rows):
        for col, v in coefs.items():
            mat[r, col] = v
    obj = np.concatenate([cost.reshape(-1), np.zeros(nf)])
    integrality = np.concatenate([np.ones(nx_), np.zeros(nf)])
    bounds_hi = np.concatenate([np.ones(nx_), np.full(nf, np.inf)])
    out = milp(
        obj,
        constraints=LinearConstraint(mat.tocsr(), lo, hi),
        integrality=integrality,
        bounds=Bounds(np.zeros(nx_ + nf), bounds_hi),
    )
    assert out.status == 0
    return float(out.fun)
