"""Road network: reading, topology, directed graph, travel, barriers, reach.

A pure package (no Qt, no maps): the solvers and exports use
:class:`~planning.roads.travel.RoadTravel` in place of the straight-line
:class:`~planning.travel.TravelModel` when a project has roads.

Modules: ``attributes`` (OSM and Chinese fields, ``[roads]`` policy),
``read`` (layers and ``.osm.pbf``), ``topology`` (noding and repairs),
``graph`` (CSR graph, snapping, matrices, route geometry), ``travel``
(``RoadTravel``, digest, cache protocol), ``barriers`` (the barrier rule
for cell adjacency), ``reach`` (reach areas, shares, standby points),
``standby`` (standby points per squad and peak window), ``snapping``
(nearest road for many points), ``importer`` (``import --as
roads|barriers``, points far from roads), ``synthetic`` (sample roads).
"""

from planning.roads.attributes import RoadPolicy, normalise_roads
from planning.roads.barriers import BarrierCut, barrier_adjacency, explain_cut_off
from planning.roads.graph import RoadGraph, RoadMatrix
from planning.roads.reach import (
    StandbyResult,
    reach_areas,
    reach_shares,
    standby_points,
)
from planning.roads.standby import StandbyPlan, standby_by_squad, window_demand
from planning.roads.topology import Network, RepairReport, build_topology
from planning.roads.travel import RoadTravel, build_graph, road_digest

__all__ = [
    "BarrierCut",
    "Network",
    "RepairReport",
    "RoadGraph",
    "RoadMatrix",
    "RoadPolicy",
    "RoadTravel",
    "StandbyPlan",
    "StandbyResult",
    "barrier_adjacency",
    "build_graph",
    "build_topology",
    "explain_cut_off",
    "normalise_roads",
    "reach_areas",
    "reach_shares",
    "road_digest",
    "standby_by_squad",
    "standby_points",
    "window_demand",
]
