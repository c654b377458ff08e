"""Move one joint visit to another day and judge the result independently.

The moved stop joins the end of the same team's route on the new day (after
its last stop plus the travel allowance), takes that team-day's crew from the
roster, and the stops left behind are renumbered. The candidate plan is then
re-checked by :func:`planning.validate.validate_plan`, which shares no code
with the scheduler; only violations the move *adds* count. Hard ones (the
day is not a workday, an inspector the visit needs is not in the crew,
capacity, wrong squad) reject the move; soft ones (opening hours, lunch,
a day running late) are shown as a warning the planner may accept.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from desktop.document import VISIT_EDIT_COLUMNS
from planning.model import hhmm_to_min
from planning.plan import Plan
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
"""Minutes between the new day's last stop and the moved one (no route yet)."""


@dataclass
class MoveProposal:
    """The visit rows a move changes, and the verdict of the validator."""

    visit_id: str
    day: str
    after: pd.DataFrame
    added: list[Violation]

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


def _violations(plan: Plan, visits: pd.DataFrame) -> list[Violation]:
    sc = plan.scenario
    return validate_plan(
        visits,
        plan.routes,
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
    pos = pd.Index(candidate["visit_id"].astype(str)).get_indexer(after.index)
    for column in columns:
        candidate.iloc[pos, candidate.columns.get_loc(column)] = after[
            column
        ].to_numpy()
    before = {(v.kind, v.message) for v in _violations(plan, plan.visits)}
    added = [
        v for v in _violations(plan, candidate) if (v.kind, v.message) not in before
    ]
    after["seq"] = after["seq"].astype(int)
    return MoveProposal(visit_id, day, after, added)
