"""Zoning engine benchmark against spopt and simple splits, with an LP bound.

Run ``python -m benchmarks.zoning [--quick] [--counties 常山县,萧山区,平湖市]
[--sizes 500,250,150] [--squads 7,30,50] [--time-limit S] [--methods ...]
[--tolerances 0.05,0.02] [--peer-timeout S] [--rezone-case county:m:squads]``.

Each case is a real county outline (``resources/data/counties.geojson``)
cut into square cells by :func:`planning.sample.make_grid` (through
:func:`planning.sample.build_sample`, whose enterprises and hotspots give the
workload via :func:`planning.workload.cell_workload`). Squad bases are seeded
by k-means++ on workload-weighted cell centres (fixed seed); staff are random
6-14 (fixed seed). On the same grid and weights every method is judged by the
same code, which shares nothing with the engine except the travel matrix
(so "travel" means exactly what the engine minimises):

* ``zone ±5%`` / ``zone ±2%``: :func:`planning.zoning.zone`;
* ``spopt RegionKMeans``, ``spopt AZP``, ``spopt SKATER`` on cell-centre
  coordinates with rook contiguity, each in a child process with a timeout
  (and skipped above a size where a probe showed it cannot finish);
* ``Voronoi``: each cell to its nearest base; ``weighted k-means``: Lloyd's
  algorithm on workload-weighted centres started from the bases.

Regions of the peers are matched to squads by a min-cost assignment
(workload x minutes), the most favourable labelling for them. The LP bound
is the relaxation of balanced assignment (cells split fractionally, loads
within the row's tolerance of staff-proportional targets, contiguity
ignored), solved exactly with HiGHS by column generation: start from each
cell's 10 nearest squads, price every omitted pair with the duals, add the
negative ones, repeat until none is left, so it equals the full LP. Peers
are compared with the ±5% bound. Travel is the workload-weighted mean of
minutes from the base. The ``rezone`` case (``--rezone-case``, default
萧山区 at 320 m = 10,109 cells, 50 squads) zones at ±5%, moves 10 cells on
zone borders to the neighbouring zone, locks them, times :func:`rezone` and
reports how many other cells it moved. ``--methods`` picks row groups (zone,
simple, peers) and ``--tolerances`` the engine's tolerances, so long peer
runs can go on their own; an infeasible row's note gives the engine's reason.

Timings are wall-clock on a shared 2-core machine: the load average is
printed with the table.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse.csgraph import connected_components

from benchmarks.common import format_table, load_note
from planning.model import Policy
from planning.sample import build_sample
from planning.travel import metric_crs, metric_xy
from planning.workload import cell_workload, compute_due
from planning.zoning import ZoningSettings, _geo, cell_adjacency, rezone, zone

SEED = 2026
LP_METHOD = "highs-ipm"
HEADER = [
    "county",
    "cells",
    "squads",
    "method",
    "seconds",
    "contig %",
    "max dev %",
    "travel min",
    "LP bound",
    "ratio",
    "note",
]
# Largest grid (cells) on which each spopt method is attempted. A probe on
# 常山 500 m (4,584 cells, 7 squads, load ~4 on 2 cores): RegionKMeans and
# AZP did not finish in 600 s, SKATER took 118 s (and longer with more
# squads); above these sizes the row says "skipped".
PEER_MAX_CELLS = {"RegionKMeans": 2500, "AZP": 2500, "SKATER": 2500}


@dataclass
class Grid:
    """One county grid with workload (shared by every squad count)."""

    county: str
    cell_m: float
    cells: gpd.GeoDataFrame
    xy: np.ndarray  # metric representative points
    w: np.ndarray
    edges: np.ndarray
    main: np.ndarray  # cells of the largest connected component
    policy: Policy


@dataclass
class Case:
    """A grid plus squads and the travel matrix the engine uses."""

    grid: Grid
    squads: gpd.GeoDataFrame
    staff: np.ndarray
    travel: np.ndarray  # (squads, cells) minutes
    base_cell: np.ndarray
    target: np.ndarray
    ignore: np.ndarray  # cells in components without a base


def build_grid(county: str, cell_m: float) -> Grid:
    """Sample-like workload on the county's grid (deterministic)."""
    sc = build_sample(district=county, cell_m=cell_m)
    ent = compute_due(sc.enterprises, sc.policy, sc.horizon)
    cells = cell_workload(sc.cells, ent, sc.hotspots, sc.policy, sc.horizon)
    cells = cells.reset_index(drop=True)
    xy = metric_xy(cells, metric_crs(cells))
    edges = cell_adjacency(cells)
    adj = _adjacency(len(cells), edges)
    _, label = connected_components(adj, directed=False)
    main = np.flatnonzero(label == np.bincount(label).argmax())
    w = cells["workload"].to_numpy(float)
    return Grid(county, cell_m, cells, xy, w, edges, main, sc.policy)


def _adjacency(n: int, edges: np.ndarray) -> sparse.csr_matrix:
    a = np.concatenate([edges[:, 0], edges[:, 1]])
    b = np.concatenate([edges[:, 1], edges[:, 0]])
    return sparse.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))


def seed_bases(grid: Grid, k: int, seed: int = SEED) -> np.ndarray:
    """k-means++ on workload-weighted cell centres of the main component."""
    rng = np.random.default_rng(seed)
    xy, w = grid.xy[grid.main], grid.w[grid.main] + 1e-9
    chosen = [int(rng.choice(len(xy), p=w / w.sum()))]
    d2 = ((xy - xy[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = w * d2
        c = int(rng.choice(len(xy), p=p / p.sum()))
        chosen.append(c)
        d2 = np.minimum(d2, ((xy - xy[c]) ** 2).sum(axis=1))
    return grid.main[np.array(chosen)]


def build_case(grid: Grid, k: int, seed: int = SEED) -> Case:
    """Squads at k-means++ cells, staff 6-14, and the engine's travel matrix."""
    rng = np.random.default_rng(seed + k)
    at = seed_bases(grid, k, seed)
    pts = grid.cells.geometry.iloc[at].representative_point().to_numpy()
    staff = rng.integers(6, 15, size=k)
    squads = gpd.GeoDataFrame(
        {
            "squad_id": [f"SQ{i + 1:02d}" for i in range(k)],
            "name": [f"中队{i + 1}" for i in range(k)],
            "staff": staff,
            "area_id": "A1",
        },
        geometry=list(pts),
        crs=grid.cells.crs,
    )
    geo = _geo(grid.cells, squads, grid.policy)
    target = grid.w.sum() * staff / staff.sum()
    _, label = connected_components(_adjacency(len(grid.w), grid.edges), False)
    ignore = ~np.isin(label, label[geo.base_cell])
    return Case(grid, squads, staff.astype(float), geo.travel, geo.base_cell, target,
                ignore)  # fmt: skip


# ---------------------------------------------------------------- metrics


@dataclass
class Score:
    contiguous_pct: float
    max_dev_pct: float
    travel: float


def score(case: Case, assign: np.ndarray) -> Score:
    """Contiguity, balance and mean travel, judged independently of solvers."""
    g = case.grid
    m, n = len(case.staff), len(g.w)
    a, b = g.edges[:, 0], g.edges[:, 1]
    keep = (assign[a] == assign[b]) & (assign[a] >= 0) & ~case.ignore[a]
    _, label = connected_components(
        sparse.csr_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), (n, n)),
        directed=False,
    )
    member = (assign >= 0) & ~case.ignore
    parts = pd.Series(label[member]).groupby(assign[member]).nunique()
    ok = parts.reindex(range(m), fill_value=0).to_numpy() == 1
    load = np.bincount(assign[assign >= 0], g.w[assign >= 0], m)
    dev = np.abs(load - case.target) / case.target
    if (assign < 0).any():
        dev[:] = np.inf
    t = case.travel[np.maximum(assign, 0), np.arange(n)]
    return Score(
        100.0 * ok.mean(), 100.0 * dev.max(), float((g.w * t).sum() / g.w.sum())
    )


# ---------------------------------------------------------------- LP bound


def lp_bound(
    case: Case, tol: float, k0: int = 10, max_rounds: int = 8
) -> tuple[float, str]:
    """Mean-travel LP bound: restricted LP, certified on the full LP by its duals.

    The LP over each cell's ``k0`` nearest squads is solved with HiGHS; its
    load duals ``mu`` then give the Lagrangian bound ``sum_c min_s w_c (t_sc
    - pi_s) + hi.mu_hi - lo.mu_lo`` over *every* pair, a valid lower bound
    on the full LP whatever the restriction. The note gives its gap to the
    restricted optimum (0 = the restriction changed nothing). With
    ``max_rounds`` > 1, omitted pairs that price out are added and the LP
    re-solved (column generation) while the gap exceeds 0.1%. Returns the
    bound as a workload-weighted mean of minutes, and the note.
    """
    w, t = case.grid.w, case.travel
    m, n = t.shape
    cost = t * w[None, :]
    cols = np.zeros((m, n), bool)
    near = np.argsort(t, axis=0)[: min(k0, m)]
    cols[near, np.arange(n)[None, :]] = True
    lo, hi = (1 - tol) * case.target, (1 + tol) * case.target
    for rounds in range(1, max_rounds + 1):
        s, c = np.nonzero(cols)
        nv = len(s)
        a_eq = sparse.csr_matrix((np.ones(nv), (c, np.arange(nv))), shape=(n, nv))
        load = sparse.csr_matrix((w[c], (s, np.arange(nv))), shape=(m, nv))
        res = linprog(
            cost[s, c],
            A_ub=sparse.vstack([load, -load], format="csr"),
            b_ub=np.concatenate([hi, -lo]),
            A_eq=a_eq,
            b_eq=np.ones(n),
            bounds=(0, None),
            method=LP_METHOD,
        )
        if res.status == 2 and cols.sum() < cols.size:
            cols[:] = True  # the restriction cut off every balanced split
            continue
        if res.status != 0:
            return float("nan"), f"LP status {res.status}"
        mu = np.minimum(res.ineqlin.marginals, 0.0)
        pi = mu[:m] - mu[m:]
        u = (cost - w[None, :] * pi[:, None]).min(axis=0)
        bound = float(u.sum() + hi @ mu[:m] - lo @ mu[m:])
        gap = (res.fun - bound) / max(abs(res.fun), 1e-9)
        if gap <= 1e-3 or rounds == max_rounds:
            break
        reduced = cost - w[None, :] * pi[:, None] - res.eqlin.marginals[None, :]
        cols |= reduced < -1e-9 * max(1.0, float(cost.max()))
    note = f"{min(k0, m)} nearest: gap {gap:.1e}, {rounds} LP"
    return bound / w.sum(), note


# ---------------------------------------------------------------- methods


def match_regions(case: Case, labels: np.ndarray) -> np.ndarray:
    """Give each region the squad that serves it with least workload x minutes."""
    w = case.grid.w + 1e-6
    ok = labels >= 0
    regions, lab = np.unique(labels[ok], return_inverse=True)
    m = len(case.staff)
    cost = np.zeros((len(regions), m))
    for s in range(m):
        cost[:, s] = np.bincount(lab, (w * case.travel[s])[ok], len(regions))
    r, s = linear_sum_assignment(cost)
    squad_of = np.full(len(regions), -1)
    squad_of[r] = s
    out = np.full(len(labels), -1)
    out[ok] = squad_of[lab]
    return out


def voronoi(case: Case) -> np.ndarray:
    """Nearest base in the plane."""
    g = case.grid
    bxy = g.xy[case.base_cell]
    d = ((g.xy[:, None, :] - bxy[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def weighted_kmeans(case: Case, iters: int = 100) -> np.ndarray:
    """Lloyd's algorithm on workload-weighted centres, started at the bases."""
    g = case.grid
    w = g.w + 1e-9
    centres = g.xy[case.base_cell].astype(float)
    lab = np.zeros(len(w), int)
    for _ in range(iters):
        d = ((g.xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new = d.argmin(axis=1)
        if _ and (new == lab).all():
            break
        lab = new
        for k in range(len(centres)):
            sel = lab == k
            if sel.any():
                centres[k] = np.average(g.xy[sel], axis=0, weights=w[sel])
    return match_regions(case, lab)


def _spopt_labels(method: str, xy: np.ndarray, edges: np.ndarray, k: int) -> np.ndarray:
    """Run one spopt method on one connected graph (in a child process)."""
    import warnings

    from libpysal.weights import W

    warnings.filterwarnings("ignore")
    n = len(xy)
    nbrs: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, b in edges.tolist():
        nbrs[a].append(b)
        nbrs[b].append(a)
    wts = W(nbrs, silence_warnings=True)
    km = xy / 1000.0
    if method == "RegionKMeans":
        from spopt.region import RegionKMeansHeuristic

        model = RegionKMeansHeuristic(km, k, wts, seed=SEED)
        model.solve()
        return np.asarray(model.labels_)
    gdf = gpd.GeoDataFrame(
        {"x": km[:, 0], "y": km[:, 1]},
        geometry=gpd.points_from_xy(km[:, 0], km[:, 1]),
    )
    if method == "AZP":
        from spopt.region import AZP

        model = AZP(gdf, wts, ["x", "y"], n_clusters=k, random_state=SEED)
    else:
        from spopt.region import Skater

        model = Skater(gdf, wts, ["x", "y"], n_clusters=k)
    model.solve()
    return np.asarray(model.labels_)


def _child(conn, method: str, xy: np.ndarray, edges: np.ndarray, k: int) -> None:
    try:
        conn.send(("ok", _spopt_labels(method, xy, edges, k)))
    except Exception as exc:  # noqa: BLE001 - reported in the table
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:60]))


def spopt_method(
    case: Case, method: str, timeout: float
) -> tuple[np.ndarray | None, str]:
    """spopt on the main component in a child process; other cells to Voronoi."""
    g = case.grid
    if len(g.w) > PEER_MAX_CELLS[method]:
        return None, f"skipped: >{PEER_MAX_CELLS[method]} cells"
    pos = np.full(len(g.w), -1)
    pos[g.main] = np.arange(len(g.main))
    keep = (pos[g.edges[:, 0]] >= 0) & (pos[g.edges[:, 1]] >= 0)
    sub_edges = pos[g.edges[keep]]
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(send, method, g.xy[g.main], sub_edges, len(case.staff))
    )
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout):
            return None, f"timeout {timeout:g} s"
        kind, value = recv.recv()
    except EOFError:
        return None, "child died"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
    if kind != "ok":
        return None, value
    # Match only spopt's regions to squads; cells off the main component
    # (islands, which every method may leave to the nearest base) go to
    # Voronoi. Mixing the two in the matching let island pieces take squads
    # from spopt regions and left regions unmatched.
    labels = np.full(len(g.w), -1)
    labels[g.main] = np.asarray(value)
    out = match_regions(case, labels)
    near = voronoi(case)
    out[out < 0] = near[out < 0]
    return out, ""


# ---------------------------------------------------------------- driver


def _assign_index(case: Case, assignment: pd.Series) -> np.ndarray:
    ids = {s: i for i, s in enumerate(case.squads["squad_id"])}
    got = case.grid.cells["cell_id"].map(assignment).map(ids)
    return got.fillna(-1).to_numpy(int)


def _row(
    case: Case, method: str, secs: float | None, assign: np.ndarray | None,
    bound: float | None, note: str,
) -> list[object]:  # fmt: skip
    g = case.grid
    head = [g.county, len(g.w), len(case.staff), method]
    if assign is None:
        return [*head, secs, None, None, None, bound, None, note]
    sc = score(case, assign)
    return [
        *head, secs, sc.contiguous_pct, sc.max_dev_pct, sc.travel, bound,
        sc.travel / bound if bound and bound > 0 else None, note,
    ]  # fmt: skip


def _why(explanation: list[str], width: int = 110) -> str:
    """The planner-facing reason of an infeasible zoning, shortened for a cell."""
    notes = ("zone ", "the solver", "island of", "squad ", "cell ")
    key = ("too coarse", "alone carries", "can take at most", "already carry",
           "was found in", "exists when")  # fmt: skip
    reasons = [x for x in explanation if any(k in x for k in key)]
    reasons = reasons or [x for x in explanation if not x.startswith(notes)]
    # a cause in the input first, then "not found in time", then restrictions
    reasons.sort(key=lambda x: ("was found in" in x) + 2 * ("exists when" in x))
    text = (reasons or explanation or ["no reason given"])[0]
    return text if len(text) <= width else text[: width - 1] + "…"


def _rezone_row(
    case: Case, base: pd.Series, settings: ZoningSettings, bound: float | None
) -> list[object]:
    """Move 10 border cells of ``base`` to a neighbouring zone, lock them, rezone.

    The planner's edit: each picked cell (not a base) goes to the zone across
    one of its borders and is locked there. Times :func:`rezone` and reports
    how many *other* cells it moved.
    """
    g = case.grid
    assign = _assign_index(case, base)
    a, b = g.edges[:, 0], g.edges[:, 1]
    border = np.flatnonzero(assign[a] != assign[b])
    rng = np.random.default_rng(SEED)
    cells = g.cells.copy()
    cells["squad_id"] = cells["cell_id"].map(base)
    cells["locked"] = 0
    moved: set[int] = set()
    bases = set(case.base_cell.tolist())
    ids = case.squads["squad_id"].to_numpy()
    for e in rng.permutation(border):
        u, v = int(a[e]), int(b[e])
        if u in moved or u in bases:
            continue
        cells.loc[u, ["squad_id", "locked"]] = [ids[assign[v]], 1]
        moved.add(u)
        if len(moved) == 10:
            break
    t0 = time.monotonic()
    res = rezone(cells, case.squads, g.policy, settings)
    secs = time.monotonic() - t0
    out = _assign_index(case, res.assignment)
    kept = all(res.assignment[cells.at[u, "cell_id"]] == cells.at[u, "squad_id"]
               for u in moved)  # fmt: skip
    # ``moved`` counts changes against the input, which holds the planner's
    # moves already: every one of them is another cell moved by rezone()
    note = (f"{res.moved} other cells moved; locks "
            f"{'kept' if kept else 'BROKEN'}; {res.status}")  # fmt: skip
    if not res.feasible:
        note += f": {_why(res.explanation)}"
    return _row(case, f"rezone 10 locked moves ±{settings.tolerance:.0%}", secs, out,
                bound, note)  # fmt: skip


def rezone_case(
    spec: str, time_limit: float, emit: Callable[[list[object]], None]
) -> None:
    """``county:cell_m:squads``: zone at ±5%, then the 10-move rezone row."""
    county, size, k = spec.split(":")
    grid = build_grid(county, float(size))
    case = build_case(grid, int(k))
    settings = ZoningSettings(tolerance=0.05, time_limit=time_limit)
    t0 = time.monotonic()
    res = zone(grid.cells, case.squads, grid.policy, settings)
    secs = time.monotonic() - t0
    bound, lp_note = lp_bound(case, 0.05)
    note = f"{res.status}; LP {lp_note}"
    emit(_row(case, "zone ±5%", secs, _assign_index(case, res.assignment), bound,
              note))  # fmt: skip
    emit(_rezone_row(case, res.assignment, settings, bound))


def run_case(
    case: Case,
    time_limit: float,
    peer_timeout: float,
    peers: list[str],
    with_rezone: bool,
    emit: Callable[[list[object]], None],
    lp_max_cells: int = 30000,
    methods: frozenset[str] = frozenset({"zone", "simple", "peers"}),
    tolerances: tuple[float, ...] = (0.05, 0.02),
) -> None:
    """Every method on one case; rows go to ``emit`` as soon as they exist."""
    if len(case.grid.w) <= lp_max_cells:
        b5, n5 = lp_bound(case, 0.05)
        b2, n2 = lp_bound(case, 0.02) if 0.02 in tolerances else (None, "")
    else:
        b5 = b2 = None
        n5 = n2 = f"skipped (>{lp_max_cells} cells)"
    res5 = None
    runs = ((0.05, b5, n5), (0.02, b2, n2)) if "zone" in methods else ()
    for tol, bound, lp_note in runs:
        if tol not in tolerances:
            continue
        settings = ZoningSettings(tolerance=tol, time_limit=time_limit)
        t0 = time.monotonic()
        res = zone(case.grid.cells, case.squads, case.grid.policy, settings)
        secs = time.monotonic() - t0
        if tol == 0.05:
            res5 = res
        note = f"{res.status}; LP {lp_note}"
        if not res.feasible:
            note = f"{res.status}: {_why(res.explanation)}; LP {lp_note}"
        emit(_row(case, f"zone ±{tol:.0%}", secs, _assign_index(case, res.assignment),
                  bound, note))  # fmt: skip
    if with_rezone and res5 is not None:
        settings = ZoningSettings(tolerance=0.05, time_limit=time_limit)
        emit(_rezone_row(case, res5.assignment, settings, b5))
    simple = (("Voronoi", voronoi), ("weighted k-means", weighted_kmeans))
    for name, fn in simple if "simple" in methods else ():
        t0 = time.monotonic()
        out = fn(case)
        emit(_row(case, name, time.monotonic() - t0, out, b5, ""))
    for method in peers if "peers" in methods else ():
        t0 = time.monotonic()
        out, note = spopt_method(case, method, peer_timeout)
        secs = time.monotonic() - t0
        emit(_row(case, f"spopt {method}", secs if out is not None else None, out,
                  b5, note))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run every case, print one table (rows also as they come)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="常山县, 500 m, 7 squads")
    ap.add_argument("--counties", default="常山县,萧山区,平湖市")
    ap.add_argument("--sizes", default="500,250,150")
    ap.add_argument("--squads", default="7,30,50")
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="zone()/rezone() seconds (default 60; 300 above 30k cells)",
    )
    ap.add_argument("--peer-timeout", type=float, default=300.0)
    ap.add_argument("--peers", default="RegionKMeans,AZP,SKATER")
    ap.add_argument(
        "--peer-max-cells",
        type=int,
        default=2500,
        help="skip spopt peers on larger grids (a probe: >600 s on 4.6k cells)",
    )
    ap.add_argument(
        "--methods",
        default="zone,simple,peers",
        help="row groups: zone (engine), simple (Voronoi, k-means), peers (spopt)",
    )
    ap.add_argument("--tolerances", default="0.05,0.02", help="zone() tolerances")
    ap.add_argument(
        "--rezone-case",
        default="萧山区:320:50",
        help="county:cell_m:squads of the rezone timing (10,109 cells); '' = none",
    )
    ap.add_argument(
        "--lp-max-cells",
        type=int,
        default=30000,
        help="skip the LP bound above this many cells (HiGHS takes minutes)",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.counties, args.sizes, args.squads = "常山县", "500", "7"
        args.time_limit = args.time_limit or 15.0
        args.peer_timeout = min(args.peer_timeout, 30.0)
        args.rezone_case = ""
    counties = args.counties.split(",")
    sizes = [float(s) for s in args.sizes.split(",")]
    squad_counts = [int(k) for k in args.squads.split(",")]
    peers = [p for p in args.peers.split(",") if p]
    methods = frozenset(args.methods.split(","))
    tolerances = tuple(float(t) for t in args.tolerances.split(","))
    for name in PEER_MAX_CELLS:
        PEER_MAX_CELLS[name] = args.peer_max_cells

    rows: list[list[object]] = []
    print(load_note(), flush=True)

    def emit(row: list[object]) -> None:
        rows.append(row)
        print("  ".join("-" if v is None else str(v) for v in row), flush=True)

    began = time.monotonic()
    if args.rezone_case:
        rezone_case(args.rezone_case, args.time_limit or 60.0, emit)
    for county in counties:
        for size in sizes:
            grid = build_grid(county, size)
            for k in squad_counts:
                case = build_case(grid, k)
                limit = args.time_limit or (300.0 if len(grid.w) > 30000 else 60.0)
                rez = args.quick and k == squad_counts[0]
                run_case(case, limit, args.peer_timeout, peers, rez, emit,
                         args.lp_max_cells, methods, tolerances)  # fmt: skip
    print()
    print(f"zoning benchmark, {time.monotonic() - began:,.0f} s in all; {load_note()}")
    print("travel = workload-weighted mean minutes from the base; LP bound at the "
          "row's tolerance (peers and Voronoi/k-means: ±5%)")  # fmt: skip
    print(format_table(HEADER, rows))
    sys.stdout.flush()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
