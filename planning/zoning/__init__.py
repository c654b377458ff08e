"""Contiguous, balanced, compact zoning (划片) with OR-Tools CP-SAT.

Every cell goes to one squad's zone. Zones must be contiguous (edge
adjacency), balanced (workload within ``±tolerance`` of a staff-proportional
target), keep locked cells, respect 片区/town nesting and the 1530 reach
rule, and be compact (minimum workload x travel minutes from the base).

A package, one stage a module, so that each can be read on its own:

* :mod:`~planning.zoning.settings` — :class:`ZoningInput` (what is zoned),
  :class:`ZoningSettings` (how), :class:`ZoningResult`
* :mod:`~planning.zoning.graph` — cell adjacency, base cells, travel minutes
* :mod:`~planning.zoning.problem` — one run's unit-level data and measures
* :mod:`~planning.zoning.order` — the distance order, candidates, islands
* :mod:`~planning.zoning.checks` — why a tolerance cannot be met; the
  independent check of a result
* :mod:`~planning.zoning.starts` — greedy, priced and balanced starts
* :mod:`~planning.zoning.lp` — the LP relaxation (HiGHS): start and guidance
* :mod:`~planning.zoning.local_search` — border moves and ejection chains
* :mod:`planning.cpsat` (shared) — CP-SAT parameters, stall / cancel watcher
* :mod:`~planning.zoning.lns` — re-solving a few adjacent zones at a time
* :mod:`~planning.zoning.cpsat_model` — the CP-SAT model on the distance order
* :mod:`~planning.zoning.locks`, :mod:`~planning.zoning.bridge`,
  :mod:`~planning.zoning.rezone` — quick re-zoning after a planner's edits
* :mod:`~planning.zoning.driver` — :func:`zone` and :func:`rezone`
* :mod:`~planning.zoning.stats` — per-squad figures and the zones layer

Callers outside planning/ use the names in ``__all__``. A name without a
leading underscore in a submodule is shared by the stages (and the tests
call it directly); a leading underscore keeps it to its own module.

Names: a *unit* is a cell, or a whole town with ``nest="town"``; ``units``
is a zoning (per unit, its squad index, -1 for none); an ``order`` is a
distance order, per squad and unit the hops from the squad's base along
units it may serve (-1: not reachable), which CP-SAT keeps zones contiguous
by; ``cand`` marks the (squad, unit) pairs a model may use.

Islands (cells no squad can reach through cells it may serve) are assigned
whole to the squad with the least travel, exempt from contiguity, and listed
in :attr:`ZoningResult.islands` and the explanation; :func:`zone_stats`
likewise judges contiguity ignoring islands. With ``nest="town"`` whole
towns are the units of the model, so a town never splits.
"""

from planning.zoning.driver import rezone, zone
from planning.zoning.graph import CellGraph, cell_adjacency, cell_graph, island_cells
from planning.zoning.settings import (
    STAGE,
    ZoningInput,
    ZoningResult,
    ZoningSettings,
    tolerance_text,
)
from planning.zoning.stats import (
    stats_geometry,
    zone_stats,
    zones_contiguous,
    zones_layer,
)

__all__ = [
    "STAGE",
    "CellGraph",
    "ZoningInput",
    "ZoningResult",
    "ZoningSettings",
    "cell_adjacency",
    "cell_graph",
    "island_cells",
    "rezone",
    "stats_geometry",
    "tolerance_text",
    "zone",
    "zone_stats",
    "zones_contiguous",
    "zones_layer",
]
