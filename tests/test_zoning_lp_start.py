"""LP guidance: the start that balances the whole county at once, and the
narrow CP-SAT model over the LP optimum's pairs.

On 萧山 at ±2% the priced start leaves the work spread wrongly over the
county and zone re-solves cannot drain it in a minute; the LP relaxation of
the ordered model, grown into zones, can, with less travel, so it is the
first start and the priced start the fallback. These tests check what a
planner relies on on either path: every cell is zoned, rules are kept, the
zoning that comes out is contiguous and inside the band, and the bound shown
with it holds for every zoning.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from planning.zoning import ZoningInput, ZoningSettings, cpsat_model, driver, zone
from planning.zoning import lp as lp_module
from planning.zoning.cpsat_model import solve_ordered
from planning.zoning.lns import search_neighbourhoods
from planning.zoning.local_search import repair
from planning.zoning.lp import (
    LP_TIME_SHARE,
    OrderRounds,
    lp_start,
    lp_support,
    order_rows,
    run_highs,
    solve_lp,
)
from planning.zoning.order import order_from_bases
from planning.zoning.problem import Run, is_valid, prepare_problem
from planning.zoning.starts import ordered_start
from tests.helpers.zoning_grids import (
    POLICY,
    assert_balanced,
    assert_contiguous,
    exact_optimum,
    make_grid,
)


def concentrated_grid(seed: int, n: int = 30, k: int = 12):
    """Work piled up around one town centre, bases drawn where the work is."""
    rng = np.random.default_rng(seed)
    cells, _ = make_grid(n, n, [(0, 0)], seed=seed)
    d = np.hypot(cells.ix - n / 4, cells.iy - n / 4)
    w = cells.workload.to_numpy() * (1 + 10 * np.exp(-d / 5))
    pick = rng.choice(len(cells), k, replace=False, p=w / w.sum())
    bases = [(int(cells.ix[i]), int(cells.iy[i])) for i in pick]
    staff = [int(x) for x in rng.integers(6, 15, k)]
    cells, squads = make_grid(n, n, bases, staff=staff, seed=seed)
    cells["workload"] = w
    return cells, squads


def from_bases(p):
    """The bases' order, and the bases alone fixed: a zoning from scratch."""
    fixed = np.full(p.n_units, -1)
    fixed[p.base] = np.arange(len(p.squad_ids))
    return order_from_bases(p), fixed


@pytest.mark.parametrize("rounds", [60, 1], ids=["ordered", "one-round"])
@pytest.mark.parametrize("seed", [1, 2])
def test_lp_start_zones_every_cell_within_the_rules(seed, rounds):
    """Complete, bases and nesting kept; border moves then reach ±2%. Also
    from an LP with only its first round of order rows, which is what a
    large grid gets when the rounds run out of time."""
    cells, squads = concentrated_grid(seed)
    settings = ZoningSettings(tolerance=0.02, nest="area")
    p = prepare_problem(cells, squads, POLICY, settings)
    order, fixed = from_bases(p)
    exempt = np.zeros(p.n_units, bool)

    deadline = time.monotonic() + 20
    units = lp_start(p, order, fixed, 0.02, deadline, rounds=OrderRounds(rounds=rounds))

    assert units is not None
    assert (units >= 0).all()
    assert (units[p.base] == np.arange(len(p.squad_ids))).all()
    assert p.allowed[units, np.arange(p.n_units)].all(), "a cell crossed its 片区"
    repaired = repair(p, fixed, exempt, units, 0.01, 0.0, 0.018, time.monotonic() + 10)
    deadline = time.monotonic() + 10
    run = Run(p, settings, fixed, exempt, deadline)
    repaired = search_neighbourhoods(run, repaired, deadline, balance_only=True)
    assert is_valid(p, repaired, 0.02, exempt)


@pytest.mark.parametrize("seed", [1, 2])
def test_lp_start_leaves_every_zone_near_its_target(seed):
    """Grown from the LP shares, no zone starts more than a quarter off its
    target, so border moves have little work to carry. (Claiming shares all
    at once, zones near the middle took what the LP gave the outer ones:
    75-83% off here.)"""
    cells, squads = concentrated_grid(seed, n=40, k=20)
    settings = ZoningSettings(tolerance=0.02, nest="area")
    p = prepare_problem(cells, squads, POLICY, settings)
    order, fixed = from_bases(p)

    units = lp_start(p, order, fixed, 0.02, time.monotonic() + 20)

    assert units is not None and (units >= 0).all()
    load = np.bincount(units, p.w, len(p.squad_ids))
    off = np.abs(load - p.target) / p.target
    assert off.max() <= 0.25, f"a zone starts {off.max():.0%} off its target"


def test_lp_start_declines_a_model_too_large_for_the_time(monkeypatch):
    """An LP estimated to take more than its share of the time is not
    started: it returns None and the caller keeps its start. Given the
    time, it runs."""
    cells, squads = concentrated_grid(1, n=12, k=4)
    p = prepare_problem(cells, squads, POLICY, ZoningSettings())
    order, fixed = from_bases(p)
    units, pairs = p.n_units - 4, int((order >= 0).sum()) - 4 * 4
    monkeypatch.setattr(lp_module, "_LP_SECONDS", 2.0 / (units * np.sqrt(pairs)))
    enough = 2.0 / LP_TIME_SHARE  # seconds the LP needs to be started

    assert lp_start(p, order, fixed, 0.05, time.monotonic() + 0.9 * enough) is None
    assert lp_start(p, order, fixed, 0.05, time.monotonic() + 1.2 * enough) is not None


@pytest.mark.parametrize("lp", [True, False], ids=["lp", "no-lp"])
def test_zone_starts_from_the_lp_start_or_else_the_priced_one(monkeypatch, lp):
    """From scratch the LP start comes first and carries the zoning into the
    band. Without the time for the LP (48k cells in a minute) the priced
    start, balanced by border moves and zone re-solves, does instead. Either
    way CP-SAT gets a start inside the band and the zoning keeps the rules."""
    cells, squads = concentrated_grid(2)
    if not lp:
        monkeypatch.setattr(lp_module, "_LP_SECONDS", 1e3)
    priced, hints = [], []
    start, solve = ordered_start, solve_ordered

    def spy_start(*args, **kwargs):
        priced.append(1)
        return start(*args, **kwargs)

    def spy_solve(run, order, cand, hint, **kwargs):
        hints.append(is_valid(run.problem, hint, 0.02, run.exempt))
        return solve(run, order, cand, hint, **kwargs)

    monkeypatch.setattr(driver, "ordered_start", spy_start)
    for module in (driver, cpsat_model):
        monkeypatch.setattr(module, "solve_ordered", spy_solve)
    res = zone(
        ZoningInput(cells, squads, POLICY),
        ZoningSettings(tolerance=0.02, time_limit=20),
    )

    assert bool(priced) != lp, "the priced start was used with an LP, or not without"
    assert hints and hints[0], "CP-SAT was handed a start outside the band"
    assert res.feasible, res.explanation
    assert_contiguous(cells, res.assignment)
    assert_balanced(cells, squads, res.assignment, 0.02)


@pytest.mark.parametrize("seed", [1, 2])
def test_order_rows_added_in_rounds_give_the_lp_with_all_of_them(seed):
    """The start's LP adds its order rows lazily (all at once took 20 s on
    萧山 250 m). With the rounds run out, every order row holds and the
    optimum is the one of the LP that has every row from the start, solved
    here by scipy's HiGHS; and the order rows cost travel, so it is above
    the LP without them."""
    from scipy import sparse
    from scipy.optimize import linprog

    cells, squads = concentrated_grid(seed)
    p = prepare_problem(cells, squads, POLICY, ZoningSettings(tolerance=0.02))
    order, fixed = from_bases(p)

    x, cand, _ = solve_lp(p, order, fixed, 0.02, time.monotonic() + 30, ordered=True)
    plain, _, _ = solve_lp(p, order, fixed, 0.02, time.monotonic() + 30, ordered=False)

    sq, un = np.nonzero(cand)
    order, _ = order_rows(p, order, fixed, cand)
    assert (order @ x[sq, un]).max() <= 1e-6, "an order row is violated"
    cost = (p.cost - p.eps_cost)[sq, un]
    load = sparse.csr_matrix((p.w[un], (sq, np.arange(len(sq)))))
    one = sparse.csr_matrix((np.ones(len(sq)), (un, np.arange(len(sq)))))
    base = np.bincount(fixed[fixed >= 0], p.w[fixed >= 0], len(p.squad_ids))
    full = linprog(
        cost,
        A_ub=sparse.vstack([load, -load, order]),
        b_ub=np.concatenate(
            [1.02 * p.target - base, base - 0.98 * p.target, np.zeros(order.shape[0])]
        ),
        A_eq=one[np.unique(un)],
        b_eq=np.ones(len(np.unique(un))),
        bounds=(0, 1),
        method="highs",
    )
    assert full.status == 0
    assert cost @ x[sq, un] == pytest.approx(full.fun, rel=1e-6)
    assert cost @ plain[sq, un] < full.fun


@pytest.mark.parametrize(("seed", "n", "k"), [(1, 40, 20), (3, 30, 12)])
def test_order_rounds_hold_every_row_within_a_few_rounds(seed, n, k):
    """Each round adds the rows of every pair on the paths from the shares
    to the base. With only a pair's own row, a share cut off from its base
    moved one cell nearer per round: these grids took 27-28 rounds, and a
    county grid ran out of time with zones' shares 40 cells from the base."""
    cells, squads = concentrated_grid(seed, n=n, k=k)
    p = prepare_problem(cells, squads, POLICY, ZoningSettings(tolerance=0.02))
    order, fixed = from_bases(p)

    deadline, seven = time.monotonic() + 60, OrderRounds(rounds=7)
    x, cand, _ = solve_lp(p, order, fixed, 0.02, deadline, True, rounds=seven)

    sq, un = np.nonzero(cand)
    order, _ = order_rows(p, order, fixed, cand)
    assert (order @ x[sq, un]).max() <= 1e-6, "an order row is still violated"


def test_a_cancel_stops_the_order_rounds():
    """The rounds can take seconds on a county grid; after a cancel the LP
    comes back without them (the plain LP's shares), for a start at once."""
    from planning.progress import CancelToken

    cells, squads = concentrated_grid(1)
    p = prepare_problem(cells, squads, POLICY, ZoningSettings(tolerance=0.02))
    order, fixed = from_bases(p)
    token = CancelToken()
    token.cancel()

    x, _, _ = solve_lp(p, order, fixed, 0.02, time.monotonic() + 30, True, token)
    plain, _, _ = solve_lp(p, order, fixed, 0.02, time.monotonic() + 30, False)
    ordered, _, _ = solve_lp(p, order, fixed, 0.02, time.monotonic() + 30, True)

    assert np.array_equal(x, plain)
    assert not np.array_equal(ordered, plain)


def test_lp_bound_is_below_every_balanced_zoning():
    """The bound reported with an LP-guided zoning holds for any zoning: it
    is at most the exact optimum over all contiguous zonings (a MILP), and
    close enough to it to tell the planner something."""
    cells, squads = make_grid(5, 4, [(0, 0), (4, 0), (2, 3)], staff=[6, 8, 10], seed=7)
    p = prepare_problem(cells, squads, POLICY, ZoningSettings(tolerance=0.1))
    order, fixed = from_bases(p)
    lp = solve_lp(p, order, fixed, 0.1, time.monotonic() + 10, ordered=False)

    assert lp is not None
    exact = exact_optimum(cells, squads, 0.1, ordered=False)
    assert 0.9 * exact <= lp[2] <= exact * (1 + 1e-9)


def test_lp_support_keeps_the_start_and_only_permitted_pairs():
    """CP-SAT's narrow model must hold the start (so it has a solution) and
    may only offer a cell to squads that may take it."""
    cells, squads = concentrated_grid(3)
    settings = ZoningSettings(tolerance=0.05, nest="area")
    p = prepare_problem(cells, squads, POLICY, settings)
    order, fixed = from_bases(p)
    exempt = np.zeros(p.n_units, bool)
    start = ordered_start(
        p, order, order >= 0, fixed, exempt, False, 0.05, time.monotonic() + 10
    )

    cand, bound = lp_support(p, order, fixed, start, 0.05, time.monotonic() + 10)

    assert cand[start, np.arange(p.n_units)].all()
    assert not (cand & (order < 0)).any()
    assert cand.sum() < 2 * p.n_units  # about one squad a cell: a narrow model
    travel = float((p.cost - p.eps_cost)[start, np.arange(p.n_units)].sum())
    assert bound <= travel


def test_a_highs_run_after_a_long_one_gets_the_time_left():
    """HiGHS counts its time limit over every run of the object: set to the
    seconds left, the order round after a plain solve longer than that
    stopped at once (萧山 250 m: one round of seven). A round that needs
    milliseconds must finish when more than that is left."""
    import highspy
    from scipy import sparse

    rng = np.random.default_rng(0)
    n, m = 6000, 300
    a = sparse.random(m, n, density=0.05, random_state=1, format="csc")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = -rng.random(n)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.full(m, -highspy.kHighsInf), np.full(m, 5.0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = a.indptr, a.indices
    lp.a_matrix_.value_ = a.data
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # as the zoning LP: warm starts
    h.passModel(lp)
    assert run_highs(h, time.monotonic() + 60)
    first = h.getRunTime()
    value = h.getInfo().objective_function_value
    # one more row, as a round adds: a warm-started re-solve of milliseconds
    x = np.asarray(h.getSolution().col_value)
    cols = np.flatnonzero(x > 0.5)[:50]
    cut = float(x[cols].sum()) - 0.5
    h.addRow(
        -highspy.kHighsInf, cut, len(cols), cols.astype(np.int32), np.ones(len(cols))
    )

    assert run_highs(h, time.monotonic() + 0.5 * first), (
        "stopped by the first run's time"
    )
    assert h.getInfo().objective_function_value > value  # the row cut the optimum
    assert np.asarray(h.getSolution().col_value)[cols].sum() <= cut + 1e-6
