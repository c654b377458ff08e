"""Fewest-changes rebalancing (最少改动重新平衡) of today's zoning.

A bureau does not redraw its 片区 from scratch: what a chief approves is
"these cells change hands and every load comes within ±5%". :func:`rebalance`
starts from today's ``squad_id`` on the cells and returns a zoning that is
contiguous, within the tolerance and keeps the locked cells, moving as little
workload as possible away from today's squads (first), then as few cells as
possible, then as little travel as possible. Without the cell count, the
travel step swapped one busy cell for dozens of near-empty ones at the same
moved workload (half of 萧山 250 m's cells carry 0.5 min): 4,775 cells moved
where a zoning from scratch moves 6,499.

Model (CP-SAT). Only cells a few rings deep from a zone border may change
squad, and only to their own zone or to a squad whose zone borders theirs
today (so that the bound below holds). Contiguity is kept by a distance
order per squad: a cell's order in its own zone is its hop depth from the
base inside today's zone, and outside it the hops from the zone through the
cells that may move; a cell in a squad's zone needs a neighbour of smaller
order in that zone, so every zone stays connected to its base, and today's
zoning satisfies the order. The search starts from the LP's flows followed
cell by cell (:func:`_peel`). A first solve minimises the moved workload, a
second the cells moved and then the travel with it held.

Large grids. On 萧山 250 m (16k cells, 30 squads, 40% off) that model finds
no zoning in its share of the time (15%). Then the bound's own flows are
followed pair of zones by pair (:func:`_follow_flows`: small models, each
aiming at its pair's flow), which moves about the bound's workload in few
cells but stalls some 30-40% off where a border is too short; from there
:func:`planning.zoning.rezone` (a quick repair) reaches the band (run once
more from its own result when it stops just short, as it can at ±2%), and
pairs of neighbouring zones are re-solved with the model limited to their
cells (:func:`_improve`; zones still outside the band first, on a soft
band). That search prices each moved cell at a fifth of a mean cell's
workload, weighed with the moved workload rather than after it: rezone's
many near-empty moves then go back for a few busier cells (figures:
``python -m benchmarks.rebalance``).

Bound. :func:`moved_workload_bound` is the least workload that must cross
zone borders so that every zone lands in the band: a min-cost flow (an LP,
HiGHS) on today's zone adjacency graph, each unit of workload moved from a
zone to a neighbouring zone costing one, contiguity ignored, the cells that
never move (locks, bases, islands) held. It bounds every zoning whose moves
all go to a squad bordering the cell's squad today; every model here makes
only such moves, and ``rezone`` is given the same rule (``permitted``):
left free it may hand a cell past a zone (a far move: the flow counts it
twice, the zoning once). Should a far move remain all the same (a start
that had one), it is counted on the result, whose bound is then the one
for any move (every pair of zones joined), which holds but is much weaker.
"""

from planning.rebalance.driver import rebalance, tradeoff, write_rebalance
from planning.rebalance.settings import (
    STAGE,
    TRADEOFF_TOLERANCES,
    RebalanceError,
    RebalanceResult,
    RebalanceSettings,
)
from planning.rebalance.today import far_moves, moved_workload_bound

__all__ = [
    "STAGE",
    "TRADEOFF_TOLERANCES",
    "RebalanceError",
    "RebalanceResult",
    "RebalanceSettings",
    "far_moves",
    "moved_workload_bound",
    "rebalance",
    "tradeoff",
    "write_rebalance",
]
