"""A four-cell county whose zoning has an island: a check on contiguity."""

from __future__ import annotations

from shapely.geometry import MultiPolygon, box

from planning.model import Scenario
from tests.helpers.export_plan import make_plan


def island_scenario() -> Scenario:
    """The export plan's scenario, unzoned, with its four strip cells in two
    片区 (A1 A2 A2 A1): with ``nest="area"`` the last cell can only go to
    SQ01, whose zone cannot reach it, so the zoning declares it an island."""
    scenario = make_plan().scenario
    cells = scenario.cells
    cells["area_id"] = ["A1", "A2", "A2", "A1"]
    cells["town_id"] = ["T1", "T2", "T2", "T1"]
    cells["squad_id"] = None
    cells = cells.drop(columns="workload")
    shapes = list(cells.geometry)
    scenario.towns = scenario.towns.iloc[[0, 0]].reset_index(drop=True)
    scenario.towns["town_id"] = ["T1", "T2"]
    scenario.towns["area_id"] = ["A1", "A2"]
    scenario.towns["name"] = ["天马街道", "紫港街道"]
    scenario.towns = scenario.towns.set_geometry(
        [MultiPolygon([shapes[0], shapes[3]]), box(*shapes[1].union(shapes[2]).bounds)]
    )
    scenario.cells = cells
    scenario.squads["area_id"] = ["A1", "A2"]
    return scenario
