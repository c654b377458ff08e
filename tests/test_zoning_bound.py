"""The zoning benchmark's LP bounds: the contiguity-cut bound is valid and stronger.

A small U-shaped grid (a notch cut from the top, plus an offshore island
cell) with one base at the top of the left arm and one at the bottom: the
right arm is close to the left base in a straight line but far along the
grid, so the plain LP gives it to the left squad as a detached piece that
no contiguous zoning can have. The contiguity cuts must see that (bound
strictly up), never exceed what the engine achieves with contiguous zones
(a lower bound cannot beat a feasible solution), and never fall below the
plain LP.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from benchmarks.zoning import (
    Case,
    Grid,
    _adjacency,
    _assign_index,
    lp_bound,
    lp_cut_bound,
    score,
)
from planning.model import load_policy
from planning.travel import metric_crs, metric_xy
from planning.zoning import (
    ZoningInput,
    ZoningSettings,
    cell_adjacency,
    cell_graph,
    zone,
)

SIZE = 0.005  # degrees, ~500 m
NX, NY = 9, 7
NOTCH = {(i, j) for i in range(3, 6) for j in range(2, NY)}
ISLAND = (0, NY + 1)  # one row of sea between it and the grid
BASES = [(1, NY - 1), (4, 0)]  # left arm top, bottom middle


def u_case() -> Case:
    """The U-shaped test case, built like ``build_case`` but with fixed bases."""
    rng = np.random.default_rng(7)
    x0, y0 = 118.5, 28.9
    spots = [(i, j) for j in range(NY) for i in range(NX) if (i, j) not in NOTCH]
    spots.append(ISLAND)
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [f"C{j:02d}{i:02d}" for i, j in spots],
            "land_use": "urban",
            "area_id": "A1",
            "town_id": "T1",
            "workload": rng.uniform(50, 150, len(spots)),
            "locked": 0,
            "squad_id": None,
        },
        geometry=[
            shapely.box(
                x0 + i * SIZE, y0 + j * SIZE, x0 + (i + 1) * SIZE, y0 + (j + 1) * SIZE
            )
            for i, j in spots
        ],
        crs="EPSG:4326",
    )
    staff = np.array([8.0, 8.0])
    squads = gpd.GeoDataFrame(
        {
            "squad_id": ["SQ01", "SQ02"],
            "name": ["中队1", "中队2"],
            "staff": staff.astype(int),
            "area_id": "A1",
        },
        geometry=[
            shapely.Point(x0 + (i + 0.5) * SIZE, y0 + (j + 0.5) * SIZE)
            for i, j in BASES
        ],
        crs="EPSG:4326",
    )
    policy = load_policy()
    edges = cell_adjacency(cells)
    n = len(cells)
    _, label = connected_components(_adjacency(n, edges), directed=False)
    w = cells["workload"].to_numpy(float)
    main = np.flatnonzero(label == np.bincount(label).argmax())
    xy = metric_xy(cells, metric_crs(cells))
    grid = Grid("U", 500.0, cells, xy, w, edges, main, policy)
    geo = cell_graph(cells, squads, policy)
    ignore = ~np.isin(label, label[geo.base_cell])
    target = w.sum() * staff / staff.sum()
    return Case(grid, squads, staff, geo.travel, geo.base_cell, target, ignore)


def plain_lp_solution(case: Case, tol: float) -> tuple[float, np.ndarray]:
    """The plain LP over all pairs (small case): mean minutes and ``x``."""
    w, t = case.grid.w, case.travel
    m, n = t.shape
    s_of, c_of = np.nonzero(np.ones((m, n), bool))
    nv = len(s_of)
    load = sparse.csr_matrix((w[c_of], (s_of, np.arange(nv))), shape=(m, nv))
    res = linprog(
        (t * w[None, :])[s_of, c_of],
        A_ub=sparse.vstack([load, -load]),
        b_ub=np.concatenate([(1 + tol) * case.target, -(1 - tol) * case.target]),
        A_eq=sparse.csr_matrix((np.ones(nv), (c_of, np.arange(nv))), shape=(n, nv)),
        b_eq=np.ones(n),
        method="highs",
    )
    assert res.status == 0
    x = np.zeros((m, n))
    x[s_of, c_of] = res.x
    return res.fun / w.sum(), x


def detached(case: Case, x: np.ndarray) -> list[int]:
    """Squads whose LP support (apart from islands) is not one piece."""
    adj = _adjacency(len(case.grid.w), case.grid.edges)
    out = []
    for s in range(x.shape[0]):
        idx = np.flatnonzero((x[s] > 1e-6) & ~case.ignore)
        parts, _ = connected_components(adj[idx][:, idx], directed=False)
        if parts > 1:
            out.append(s)
    return out


@pytest.fixture(scope="module")
def case() -> Case:
    """One case for the module: zone() on it takes a second."""
    return u_case()


def test_case_has_an_island_and_a_detached_lp_piece(case: Case) -> None:
    """The premise of the other tests: the plain LP splits a zone."""
    assert case.ignore.sum() == 1
    value, x = plain_lp_solution(case, 0.05)
    assert detached(case, x), "the plain LP was contiguous: the case tests nothing"
    bound, _ = lp_bound(case, 0.05)
    assert bound == pytest.approx(value, rel=1e-6)


def test_lp_bound_when_nearest_squads_alone_cannot_balance(case: Case) -> None:
    """Each cell to its nearest base only cannot balance the U (the left
    base is nearest to both arms), so the restricted LP is infeasible; the
    bound must come from the widened LP, even when one round is all it may
    solve, and equal the plain LP."""
    nearest = case.travel.argmin(axis=0)
    loads = np.bincount(nearest, case.grid.w, 2)
    assert (np.abs(loads - case.target) > 0.05 * case.target).any()
    value, _ = plain_lp_solution(case, 0.05)
    bound, note = lp_bound(case, 0.05, k0=1, max_rounds=1)
    assert bound == pytest.approx(value, rel=1e-6), note


@pytest.mark.parametrize("tol", [0.05, 0.1])
def test_cut_bound_is_stronger_and_still_a_lower_bound(case: Case, tol: float) -> None:
    """Cuts raise the bound past the plain LP's split zone, but never above
    a contiguous zoning: an invalid cut (a separator missing cells) fails
    the last check."""
    plain, x = plain_lp_solution(case, tol)
    cut = lp_cut_bound(case, tol, budget=20.0)
    assert np.isfinite(cut.bound), cut.note
    # (1) only rows were added to the same LP
    assert cut.bound >= plain - 1e-6
    # (3) the plain optimum had a detached piece, which the cuts forbid
    assert detached(case, x)
    assert cut.bound > plain * (1 + 1e-3), (plain, cut)
    # (2) no valid bound exceeds a contiguous balanced zoning's travel
    res = zone(
        ZoningInput(case.grid.cells, case.squads, case.grid.policy),
        ZoningSettings(tolerance=tol, time_limit=10.0),
    )
    assert res.feasible, res.explanation
    sc = score(case, _assign_index(case, res.assignment))
    assert sc.contiguous_pct == 100.0 and sc.max_dev_pct <= 100 * tol + 1e-6
    assert cut.bound <= sc.travel + 1e-9, (cut, sc)
