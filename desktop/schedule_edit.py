"""Move one joint visit to another day and judge the result independently.

The moved stop joins the same team on the new day and takes that team-day's
crew from the roster. Both team-days (the one it leaves and the one it
joins) are then routed again by :func:`planning.scheduling.route_team_days`
(same rules as the scheduler: opening hours, lunch, day start and end), so
stop order, times and the route lines on the map follow the move. The
candidate plan is re-checked by :func:`planning.validate.validate_plan`,
which shares no code with the scheduler; only violations the move *adds*
count. Hard ones (the day is not a workday, an inspector the visit needs is
not in the crew, capacity, wrong squad) reject the move; soft ones (opening
hours, lunch, a day running late) are shown as a warning the planner may
accept.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from desktop.document import VISIT_EDIT_COLUMNS
from planning.model import hhmm_to_min
from planning.plan import Plan
from planning.scheduling import route_team_days
from planning.validate import Violation, validate_plan

HARD_KINDS = frozenset(
    {
        "not_a_workday",
        "crew_missing_department",
        "department_over_capacity",
        "wrong_squad",
        "duplicate_visit",
        "missing_visit",
        "items_not_covered",
    }
)
TRAVEL_ALLOWANCE_MIN = 15
"""Minutes between the new day's last stop and the moved one, before the
team-day is routed again."""
ROUTE_SECONDS = 0.3
"""Search time per re-routed team-day (a dozen stops: the first good
solution comes in milliseconds)."""


@dataclass
class MoveProposal:
    """The visit rows a move changes, and the verdict of the validator."""

    visit_id: str
    day: str
    after: pd.DataFrame
    added: list[Violation]
    routes: gpd.GeoDataFrame | None = None
    """New route rows of the two team-days (replacing :attr:`route_ids`)."""
    route_ids: tuple[str, ...] = ()

    @property
    def hard(self) -> list[Violation]:
        return [v for v in self.added if v.kind in HARD_KINDS]

    @property
    def verdict(self) -> str:
        """``ok``, ``warn`` or ``reject``."""
        if self.hard:
            return "reject"
        return "warn" if self.added else "ok"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _violations(
    plan: Plan, visits: pd.DataFrame, routes: pd.DataFrame | None = None
) -> list[Violation]:
    sc = plan.scenario
    return validate_plan(
        visits,
        plan.routes if routes is None else routes,
        sc.enterprises,
        plan.unscheduled,
        plan.roster,
        sc.cells,
        sc.policy,
        sc.horizon,
    )


def propose_move(plan: Plan, visit_id: str, day: str) -> MoveProposal:
    """What moving ``visit_id`` to ``day`` (ISO date) changes, and its verdict."""
    visits = plan.visits.set_index(plan.visits["visit_id"].astype(str), drop=False)
    row = visits.loc[visit_id]
    squad, team, old_day = str(row["squad_id"]), int(row["team"]), str(row["day"])
    same_team = (visits["squad_id"].astype(str) == squad) & (
        visits["team"].astype(int) == team
    )
    columns = list(VISIT_EDIT_COLUMNS)
    after = visits.loc[[visit_id], columns].copy()
    if day == old_day:
        return MoveProposal(visit_id, day, after.iloc[0:0], [])

    left = visits[same_team & (visits["day"].astype(str) == old_day)]
    left = left[left.index != visit_id].sort_values("seq")
    renumbered = left[columns].copy()
    renumbered["seq"] = range(1, len(left) + 1)

    target = visits[same_team & (visits["day"].astype(str) == day)]
    policy = plan.scenario.policy
    ends = [hhmm_to_min(str(e)) for e in target["end"] if isinstance(e, str) and e]
    eta = max(ends) + TRAVEL_ALLOWANCE_MIN if ends else policy.day_start + 30
    service = int(row["service_min"]) if pd.notna(row["service_min"]) else 0
    roster = plan.roster
    crew = sorted(
        str(d)
        for d in roster.loc[
            (roster["squad_id"].astype(str) == squad)
            & (roster["team"].astype(int) == team)
            & (roster["day"].astype(str) == day)
            & (roster["inspectors"] > 0),
            "dept_id",
        ]
    )
    after.loc[visit_id, columns] = [
        day,
        len(target) + 1,
        _clock(eta),
        _clock(eta),
        _clock(eta + service),
        ";".join(crew),
    ]
    after = pd.concat([after, renumbered[renumbered["seq"] != left["seq"]]])

    candidate = plan.visits.copy()
    _write(candidate, after, columns)
    # route both team-days again: order, times and lines follow the move
    keys = [(squad, team, old_day), (squad, team, day)]
    fields, new_routes = route_team_days(
        plan.scenario, candidate, keys, time_limit=ROUTE_SECONDS
    )
    _write(candidate, fields, list(fields.columns))
    touched = candidate.set_index(candidate["visit_id"].astype(str), drop=False)
    after = touched.loc[list(dict.fromkeys([*after.index, *fields.index])), columns]
    route_ids = tuple(f"{squad}-{d}-T{team}" for d in (old_day, day))
    routes = plan.routes[~plan.routes["route_id"].astype(str).isin(route_ids)]
    routes = pd.concat([routes, new_routes], ignore_index=True)
    before = {(v.kind, v.message) for v in _violations(plan, plan.visits)}
    added = [
        v
        for v in _violations(plan, candidate, routes)
        if (v.kind, v.message) not in before
    ]
    after = after.copy()
    after["seq"] = after["seq"].astype(int)
    return MoveProposal(visit_id, day, after, added, new_routes, route_ids)


def _write(visits: pd.DataFrame, rows: pd.DataFrame, columns: list[str]) -> None:
    """Write ``rows`` (index visit_id) into ``visits`` in place."""
    pos = pd.Index(visits["visit_id"].astype(str)).get_indexer(rows.index)
    for column in columns:
        visits.iloc[pos, visits.columns.get_loc(column)] = rows[column].to_numpy()
