"""Road network: reading, topology, directed graph, travel, barriers, reach.

A pure package (no Qt, no maps): the solvers and exports use
:class:`~planning.roads.travel.RoadTravel` in place of the straight-line
:class:`~planning.travel.TravelModel` when a project has roads.
"""
