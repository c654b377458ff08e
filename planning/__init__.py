"""Patrol zoning and joint-inspection planning: pure domain and optimisation.

Nothing here imports Qt, folium or the ``desktop``/``maps`` packages, so the
CLI, the GUI and batch engines can all call the same functions.
"""
