"""Small planned sample counties that several test modules share.

Planning even a small county takes seconds of solver time, so conftest.py
builds each of these once per session; the settings are here so a module
can run the same settings again (in its window, or through the batch).
"""

from __future__ import annotations

from planning.patrols import PatrolSettings
from planning.plan import Plan, PlanSettings, run_plan
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.zoning import ZoningSettings

# Patrol loops are searched for their whole time limit (guided local
# search stops only there): 0.05 s a loop instead of the default 0.2 s
# gives as many loops (38 and 27 on these counties) in a third of the time.
# No test of these plans judges how good a loop is.
FAST_PATROLS = PatrolSettings(time_limit=0.05)
# short limits: the window tests need a plan to click through, not the best one
WINDOW_SETTINGS = PlanSettings(
    zoning=ZoningSettings(time_limit=3.0),
    scheduling=ScheduleSettings(time_limit=3.0, route_time_limit=0.1),
    patrols=FAST_PATROLS,
)
# one CP-SAT worker, as a batch worker runs; patrols included so every
# layer the store keeps has rows
STORE_SETTINGS = PlanSettings(
    zoning=ZoningSettings(time_limit=2.0, workers=1),
    scheduling=ScheduleSettings(time_limit=2.0, route_time_limit=0.05, workers=1),
    patrols=FAST_PATROLS,
)


def window_plan() -> Plan:
    """A 300-firm sample county (500 m cells) planned with
    :data:`WINDOW_SETTINGS`: the plan the window tests open."""
    return run_plan(build_sample(n_enterprises=300, n_events=300), WINDOW_SETTINGS)


def store_plan() -> Plan:
    """A 60-firm county of 2.5 km cells planned with :data:`STORE_SETTINGS`:
    the plan the database tests save, list and reopen."""
    scenario = build_sample(cell_m=2500.0, n_enterprises=60, n_events=60)
    return run_plan(scenario, STORE_SETTINGS)
