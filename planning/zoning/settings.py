"""What is zoned, what a planner sets for a zoning run and what the run
gives back.

Kept apart from the solver modules so that callers (the CLI, the desktop,
project files) can build settings and read results without the solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

    from planning.model import Policy, Scenario
    from planning.roads.context import RoadContext

STAGE = "zoning"


@dataclass(frozen=True)
class ZoningInput:
    """What is zoned: the county's cells, its squads, the policy and the roads.

    :func:`~planning.zoning.zone` and :func:`~planning.zoning.rezone` take it
    as one argument, so the settings say how to zone and this says what.

    Parameters
    ----------
    cells
        One row a cell: ``cell_id``, ``workload``, geometry; optionally
        ``squad_id`` (today's zones), ``locked``, ``area_id``, ``town_id``.
    squads
        One row a squad: ``squad_id``, ``staff`` and its base point.
    policy
        The bureau's rules; zoning reads its travel speeds.
    roads
        The road network's travel times and barriers; ``None``: straight-line
        travel.
    """

    cells: gpd.GeoDataFrame
    squads: gpd.GeoDataFrame
    policy: Policy
    roads: RoadContext | None = None

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> ZoningInput:
        """The scenario's cells, squads and policy, with its road context
        when it has roads (the graph is built here, once)."""
        from planning.roads.context import road_context

        return cls(
            scenario.cells, scenario.squads, scenario.policy, road_context(scenario)
        )


@dataclass(frozen=True)
class ZoningSettings:
    """What the planner asks of a zoning.

    Parameters
    ----------
    tolerance
        Each zone's load must lie within ``±tolerance`` of its target.
    nest
        ``None``; ``"area"``: a squad only gets cells of its own 片区
        (``area_id``); ``"town"``: each town goes whole to one squad of its
        片区.
    reach_minutes
        1530 rule: most travel minutes from a base to a cell centre. Cells no
        squad reaches in time are reported and exempt.
    time_limit
        Seconds for the whole call: preparation, every attempt and the
        checks after them.
    seed, workers
        CP-SAT random seed and number of search workers.
    candidates
        Nearest squads (by travel) each cell may go to in the first attempt.
    """

    tolerance: float = 0.05
    nest: str | None = None
    reach_minutes: float | None = None
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    candidates: int = 4


@dataclass
class ZoningResult:
    """A zoning and what the planner needs to judge it.

    ``assignment`` maps every ``cell_id`` to a ``squad_id`` (``None`` where no
    squad may take the cell, e.g. a 片区 without a squad). ``objective`` is
    the workload-weighted travel minutes from each cell's base; ``bound`` is a
    lower bound on it: the LP relaxation's, valid for every zoning within the
    tolerance, when the LP guided the solve; otherwise CP-SAT's for the solved
    (reduced) model, when it proved one. ``feasible`` is true only when every
    rule holds: all assignable cells assigned, zones contiguous apart from
    declared islands, loads within tolerance, locks kept, reach kept.
    ``moved`` counts cells whose squad differs from the input's non-null
    ``squad_id``.
    """

    assignment: pd.Series
    feasible: bool
    status: str
    objective: float | None
    bound: float | None
    explanation: list[str]
    unreachable: pd.DataFrame
    islands: list[list[str]]
    moved: int
    seconds: float


def tolerance_text(tolerance: float) -> str:
    """A tolerance as planners write it: 0.05 is 5%, 0.005 is 0.5% (``:.0%``
    printed that as 0%); the zoning notes panel shows it the same way."""
    return f"{100 * tolerance:g}%"
