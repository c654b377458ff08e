"""Tests of the zone neighbourhood search and the whole-call time limit."""

from __future__ import annotations

import time

import numpy as np
import pytest

from planning.zoning import ZoningInput, ZoningSettings, zone
from planning.zoning.cpsat_model import reshape
from planning.zoning.graph import contiguous_zones
from planning.zoning.lns import (
    balance_hoods,
    excess_load,
    resolve_zones,
    search_neighbourhoods,
    zone_neighbours,
)
from planning.zoning.local_search import repair
from planning.zoning.lp import lp_support
from planning.zoning.order import assign_islands, order_from_bases
from planning.zoning.problem import Problem, Run, is_valid, prepare_problem
from planning.zoning.starts import ordered_start
from tests.helpers.zoning_grids import (
    POLICY,
    assert_balanced,
    assert_contiguous,
    make_grid,
)

BASES = [(2, 2), (13, 3), (7, 8), (2, 13), (13, 13)]
STAFF = [6, 9, 12, 7, 8]


def _setup(
    cells, squads, settings: ZoningSettings
) -> tuple[Problem, np.ndarray, np.ndarray]:
    """The problem, fixed units (bases, locks, islands) and exempt units, as
    :func:`planning.zoning.driver._run` builds them."""
    p = prepare_problem(cells, squads, POLICY, settings)
    order = order_from_bases(p)
    island_sq, _ = assign_islands(p, order)
    fixed = island_sq.copy()
    fixed[p.lock >= 0] = p.lock[p.lock >= 0]
    fixed[p.base] = np.arange(len(p.squad_ids))
    return p, fixed, island_sq >= 0


def _units(p: Problem, assignment) -> np.ndarray:
    index = {s: i for i, s in enumerate(p.squad_ids)}
    return np.array([index[assignment[c]] for c in p.cell_ids])


def _travel(p: Problem, units: np.ndarray) -> float:
    return float(p.cost[units, np.arange(p.n_units)].sum())


@pytest.mark.parametrize("nest", [None, "area"])
def test_lns_keeps_rules_and_never_adds_travel(nest):
    """From a voronoi-like start, the search only ever improves travel and
    keeps contiguity, locks and 片区 nesting."""
    cells, squads = make_grid(16, 16, BASES, staff=STAFF, seed=5)
    cells.loc[cells.index[[40, 41, 120]], ["squad_id", "locked"]] = ["SQ03", 1]
    settings = ZoningSettings(tolerance=0.1, nest=nest, time_limit=20)
    p, fixed, exempt = _setup(cells, squads, settings)
    # a valid but poor start: the engine's own balanced start, then LNS
    order = order_from_bases(p)
    start = ordered_start(
        p, order, order >= 0, fixed, exempt, False, 0.1, time.monotonic() + 5
    )
    start = repair(p, fixed, exempt, start, 0.05, 0.0, None, time.monotonic() + 5)
    assert is_valid(p, start, 0.1, exempt)
    before = _travel(p, start)
    deadline = time.monotonic() + 6
    out = search_neighbourhoods(
        Run(p, settings, fixed, exempt, deadline), start, deadline
    )
    assert is_valid(p, out, 0.1, exempt)
    assert (out[fixed >= 0] == fixed[fixed >= 0]).all()  # bases and locks
    free = fixed < 0  # (a lock may sit outside its squad's 片区)
    assert p.allowed[out[free], np.flatnonzero(free)].all()  # nesting
    assert _travel(p, out) <= before + 1e-6


def test_resolve_zones_pair_is_exact_and_monotone():
    """Re-solving two adjacent zones returns None or a strictly better,
    contiguous zoning that only changes those two zones."""
    cells, squads = make_grid(12, 12, [(1, 1), (10, 10), (1, 10)], seed=2)
    settings = ZoningSettings(tolerance=0.05)
    p, fixed, exempt = _setup(cells, squads, settings)
    # a deliberately bad split: columns, so zones 0 and 2 trade cells
    ix = cells["ix"].to_numpy()
    iy = cells["iy"].to_numpy()
    units = np.where(ix >= 6, 1, np.where(iy < 6, 0, 2))
    units[p.base] = np.arange(3)
    run = Run(p, settings, fixed, exempt, time.monotonic() + 10)
    new = resolve_zones(run, units, [0, 2], 5.0)
    assert new is not None
    assert (new[units == 1] == 1).all() and (new[new == 1] == units[new == 1]).all()
    assert contiguous_zones(p.adj, new, 3, exempt).all()
    ex_old = excess_load(p, units, 0.05)[[0, 2]]
    ex_new = excess_load(p, new, 0.05)[[0, 2]]
    assert ex_new.max() <= ex_old.max() + 1e-9
    assert ex_new.max() < ex_old.max() or _travel(p, new) < _travel(p, units)


def test_balance_reached_through_zone_paths_when_single_moves_stall():
    """±2% on a grid with coarse cells: the result is balanced, contiguous,
    or the engine says why not (never a silent miss)."""
    cells, squads = make_grid(14, 14, BASES, staff=STAFF, seed=11)
    res = zone(
        ZoningInput(cells, squads, POLICY),
        ZoningSettings(tolerance=0.02, time_limit=20),
    )
    if res.feasible:
        assert_contiguous(cells, res.assignment, res.islands)
        assert_balanced(cells, squads, res.assignment, 0.02)
    else:
        assert res.explanation


def test_time_limit_covers_the_whole_call():
    """Preparation, search and the checks after it fit in ``time_limit``
    (generous slack: the machine is shared)."""
    bases = [(3 + 8 * (k % 5), 3 + 8 * (k // 5)) for k in range(15)]
    cells, squads = make_grid(40, 24, bases, seed=4)
    limit = 4.0
    began = time.monotonic()
    res = zone(
        ZoningInput(cells, squads, POLICY),
        ZoningSettings(tolerance=0.02, time_limit=limit),
    )
    wall = time.monotonic() - began
    assert res.assignment.notna().all()
    assert res.seconds <= limit + 0.5
    assert wall <= limit + 1.5


def test_balance_hoods_try_the_zone_with_its_neighbours_first():
    """A zone outside the band is first re-solved with all its neighbours
    (most room first), so its excess may split among them, then along paths."""
    cells, squads = make_grid(16, 16, BASES, staff=STAFF, seed=5)
    settings = ZoningSettings(tolerance=0.02)
    p, _, _ = _setup(cells, squads, settings)
    order = order_from_bases(p)
    units = np.argmax(np.where(order >= 0, -order, -np.inf), axis=0)  # voronoi-like
    excess = excess_load(p, units, 0.02)
    assert excess.max() > 0
    near = zone_neighbours(p, units)
    hoods = list(balance_hoods(p, units, near, excess, 0.02))
    d = int(np.argmax(excess))
    assert hoods[0][0] == d
    assert set(hoods[0][1:]) == set(near[d])
    assert any(h[-1] == d for h in hoods[1:])  # then the paths


def test_balance_search_keeps_rules_and_never_widens_the_worst_excess():
    """Re-solves plus border moves from a start outside ±2%: zones stay
    contiguous, bases and locks kept, the worst excess never grows."""
    cells, squads = make_grid(16, 16, BASES, staff=STAFF, seed=7)
    cells.loc[cells.index[[40, 41]], ["squad_id", "locked"]] = ["SQ03", 1]
    settings = ZoningSettings(tolerance=0.02, time_limit=20)
    p, fixed, exempt = _setup(cells, squads, settings)
    order = order_from_bases(p)
    start = ordered_start(
        p, order, order >= 0, fixed, exempt, False, 0.1, time.monotonic() + 5
    )
    deadline = time.monotonic() + 5
    run = Run(p, settings, fixed, exempt, deadline)
    out = search_neighbourhoods(run, start, deadline, balance_only=True)
    assert contiguous_zones(p.adj, out, len(p.squad_ids), exempt).all()
    assert (out[fixed >= 0] == fixed[fixed >= 0]).all()
    worst = excess_load(p, out, 0.02) / p.target
    assert worst.max() <= (excess_load(p, start, 0.02) / p.target).max() + 1e-12


def test_reshape_lowers_travel_keeps_rules_and_skips_a_near_optimal_zoning():
    """The CP-SAT rounds in the order of the zones as they are: from a valid
    but poor zoning travel falls, zones stay contiguous and balanced, bases
    and locks are kept; within 1% of the LP bound no round is spent."""
    cells, squads = make_grid(16, 16, BASES, staff=STAFF, seed=5)
    cells.loc[cells.index[[40, 41]], ["squad_id", "locked"]] = ["SQ03", 1]
    settings = ZoningSettings(tolerance=0.05, time_limit=20)
    p, fixed, exempt = _setup(cells, squads, settings)
    order = order_from_bases(p)
    start = ordered_start(
        p, order, order >= 0, fixed, exempt, False, 0.05, time.monotonic() + 5
    )
    start = repair(p, fixed, exempt, start, 0.025, 0.0, None, time.monotonic() + 5)
    assert is_valid(p, start, 0.05, exempt)
    narrow, bound = lp_support(p, order, fixed, start, 0.05, time.monotonic() + 5)
    before = _travel(p, start)
    assert before > 1.01 * bound, "the start should leave room to improve"

    out = reshape(
        Run(p, settings, fixed, exempt, time.monotonic() + 8), narrow, bound, start
    )
    assert is_valid(p, out, 0.05, exempt)
    assert (out[fixed >= 0] == fixed[fixed >= 0]).all()
    assert _travel(p, out) < before

    t = time.monotonic()
    run = Run(p, settings, fixed, exempt, t + 8, t0=t)
    same = reshape(run, narrow, 0.995 * before, start)
    assert (same == start).all() and time.monotonic() - t < 1.0
