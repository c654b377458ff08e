"""Independent re-check of a finished joint-inspection plan.

The validator trusts nothing the solver computed: it re-reads the plan
tables (``docs/plan-schema.md``), the register, the zones, the policy and
the horizon and lists every rule the plan breaks, each as a
:class:`Violation` a planner can read. It shares no code with
:mod:`planning.scheduling` or :mod:`planning.routing` on purpose, so a bug
there cannot hide itself here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from planning.model import Horizon, Policy, hhmm_to_min

if TYPE_CHECKING:
    from planning.plan import Plan

OWN_DEPT = "ZHZF"
"""The squads' own department: its items never need an outside inspector."""


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    ``kind`` is one of ``missing_visit``, ``duplicate_visit``,
    ``scheduled_and_unscheduled``, ``unknown_enterprise``,
    ``items_not_covered``, ``extra_items``, ``crew_missing_department``,
    ``department_over_capacity``, ``outside_opening_hours``,
    ``during_busy_window``, ``during_lunch``, ``service_too_short``,
    ``day_too_long``, ``not_a_workday``, ``wrong_squad``, ``seq_order``;
    ``message`` names the visit, enterprise and day.
    """

    kind: str
    message: str


def _split(text: object) -> list[str]:
    return [x for x in text.split(";") if x] if isinstance(text, str) else []


def _clock(text: object) -> int | None:
    try:
        return hhmm_to_min(str(text))
    except ValueError:
        return None


def _overlaps(a: int, b: int, window: tuple[int, int]) -> bool:
    return a < window[1] and window[0] < b


def validate_plan(
    visits: pd.DataFrame,
    routes: pd.DataFrame,
    enterprises: pd.DataFrame,
    unscheduled: pd.DataFrame,
    roster: pd.DataFrame,
    cells: pd.DataFrame,
    policy: Policy,
    horizon: Horizon,
) -> list[Violation]:
    """Every rule a plan breaks; an empty list means the plan is valid.

    Parameters
    ----------
    visits, routes, unscheduled, roster
        The plan tables.
    enterprises
        The register with ``due_items``, ``category`` and ``cell_id``.
    cells
        Grid cells with ``squad_id`` (the zones).
    policy, horizon
        Item catalogue, opening hours, workday, inspectors per day and the
        workdays of the plan.
    """
    return [
        *_check_coverage(visits, enterprises, unscheduled),
        *_check_items(visits, enterprises, policy),
        *_check_crews(visits, roster, policy),
        *_check_capacity(roster, policy),
        *_check_times(visits, enterprises, policy),
        *_check_days(visits, routes, horizon, policy),
        *_check_squads(visits, enterprises, cells),
        *_check_sequence(visits),
    ]


def validate(plan: Plan) -> list[Violation]:
    """:func:`validate_plan` on a whole plan, e.g. one re-opened from its file."""
    scenario = plan.scenario
    return validate_plan(
        plan.visits,
        plan.routes,
        scenario.enterprises,
        plan.unscheduled,
        plan.roster,
        scenario.cells,
        scenario.policy,
        scenario.horizon,
    )


def _by_enterprise(enterprises: pd.DataFrame, values: pd.Series) -> dict[str, object]:
    """``values`` (one per enterprise row) keyed by enterprise id, as visits
    name them."""
    return dict(zip(enterprises["enterprise_id"].astype(str), values, strict=True))


def _label(row: pd.Series) -> str:
    return (
        f"visit {row.get('visit_id', '?')} to {row['enterprise_id']} "
        f"({row.get('squad_id', '?')} team {row.get('team', '?')}, "
        f"{row.get('day', '?')})"
    )


def _regular(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the due joint visits: 复查, revisits and urgent visits
    (``kind`` set by the field loop) come on top of them."""
    if "kind" not in table.columns or len(table) == 0:
        return table
    kind = table["kind"]
    return table[kind.isna() | kind.isin(["", "regular"])]


def _check_coverage(
    visits: pd.DataFrame, enterprises: pd.DataFrame, unscheduled: pd.DataFrame
) -> Iterator[Violation]:
    """Each due enterprise exactly once: one visit or one unscheduled row."""
    visits, unscheduled = _regular(visits), _regular(unscheduled)
    due = {
        str(e)
        for e, items in zip(
            enterprises["enterprise_id"], enterprises["due_items"], strict=True
        )
        if _split(items)
    }
    known = set(enterprises["enterprise_id"].astype(str))
    seen = Counter(visits["enterprise_id"].astype(str))
    parked = (
        set(unscheduled["enterprise_id"].astype(str)) if len(unscheduled) else set()
    )
    for eid, n in sorted(seen.items()):
        for kind, broken, text in (
            ("unknown_enterprise", eid not in known, "is visited but not registered"),
            ("duplicate_visit", n > 1, f"is visited {n} times, not once"),
            (
                "scheduled_and_unscheduled",
                eid in parked,
                "is both visited and listed as unscheduled",
            ),
        ):
            if broken:
                yield Violation(kind, f"{eid} {text}")
    for eid in sorted(due - set(seen) - parked):
        yield Violation(
            "missing_visit",
            f"{eid} has items due but neither a visit nor an unscheduled reason",
        )


def _check_items(
    visits: pd.DataFrame, enterprises: pd.DataFrame, policy: Policy
) -> Iterator[Violation]:
    """A visit covers exactly the enterprise's due items (a field-loop visit
    only items the policy knows)."""
    regular = set(_regular(visits).index)
    due = _by_enterprise(
        enterprises, enterprises["due_items"].map(lambda s: set(_split(s)))
    )
    for _, row in visits.iterrows():
        eid = str(row["enterprise_id"])
        if eid not in due:
            continue
        items = set(_split(row["items"]))
        missing = due[eid] - items if row.name in regular else set()
        extra = items - due[eid] if row.name in regular else set()
        for kind, text, names in (
            ("items_not_covered", "leaves due items {} unchecked", missing),
            ("extra_items", "checks items not due: {}", extra),
            ("items_not_covered", "names unknown items {}", items - set(policy.items)),
        ):
            if names:
                listed = ";".join(sorted(names))
                yield Violation(kind, f"{_label(row)} {text.format(listed)}")


def _check_crews(
    visits: pd.DataFrame, roster: pd.DataFrame, policy: Policy
) -> Iterator[Violation]:
    """Professional items need that department in the crew and the roster."""
    rostered = {
        (str(r.dept_id), str(r.day), str(r.squad_id), int(r.team))
        for r in roster.itertuples(index=False)
        if r.inspectors > 0
    }
    for _, row in visits.iterrows():
        crew = set(_split(row["crew"]))
        for item_id in _split(row["items"]):
            item = policy.items.get(item_id)
            if item is None or item.kind != "professional" or item.dept_id == OWN_DEPT:
                continue
            d = item.dept_id
            key = (d, str(row["day"]), str(row["squad_id"]), int(row["team"]))
            if d not in crew or key not in rostered:
                where = "crew" if d not in crew else "roster"
                yield Violation(
                    "crew_missing_department",
                    f"{_label(row)}: item {item_id} needs a "
                    f"{policy.departments[d].name} ({d}) inspector, "
                    f"missing from the {where}",
                )


def _check_capacity(roster: pd.DataFrame, policy: Policy) -> Iterator[Violation]:
    """Inspectors of a department on one day within inspectors_per_day."""
    if len(roster) == 0:
        return
    per_day = roster.groupby(["dept_id", "day"])["inspectors"].sum()
    for (dept, day), n in per_day.items():
        dep = policy.departments.get(dept)
        cap = dep.inspectors_per_day if dep else 0
        if n > cap:
            yield Violation(
                "department_over_capacity",
                f"{dept} sends {int(n)} inspectors on {day} but has {cap} per day",
            )


def _check_times(
    visits: pd.DataFrame, enterprises: pd.DataFrame, policy: Policy
) -> Iterator[Violation]:
    """Service inside opening hours, outside busy windows and lunch."""
    category = _by_enterprise(enterprises, enterprises["category"])
    for _, row in visits.iterrows():
        start, end = _clock(row["start"]), _clock(row["end"])
        if start is None or end is None:
            yield Violation("seq_order", f"{_label(row)} has no valid times")
            continue
        need = sum(
            policy.items[i].minutes for i in _split(row["items"]) if i in policy.items
        )
        if end - start < need:
            yield Violation(
                "service_too_short",
                f"{_label(row)} lasts {end - start} min for {need} min of items",
            )
        cat = policy.categories.get(category.get(str(row["enterprise_id"]), ""))
        if cat is not None:
            if start < cat.open[0] or end > cat.open[1]:
                yield Violation(
                    "outside_opening_hours",
                    f"{_label(row)} at {row['start']}-{row['end']} is outside "
                    f"opening hours {cat.open[0] // 60:02d}:{cat.open[0] % 60:02d}"
                    f"-{cat.open[1] // 60:02d}:{cat.open[1] % 60:02d}",
                )
            for window in cat.busy:
                if _overlaps(start, end, window):
                    yield Violation(
                        "during_busy_window",
                        f"{_label(row)} at {row['start']}-{row['end']} falls "
                        f"in the {cat.name} busy window",
                    )
        if _overlaps(start, end, policy.lunch):
            yield Violation(
                "during_lunch",
                f"{_label(row)} at {row['start']}-{row['end']} overlaps lunch",
            )


def _check_days(
    visits: pd.DataFrame, routes: pd.DataFrame, horizon: Horizon, policy: Policy
) -> Iterator[Violation]:
    """Visits on horizon workdays; routes and visits inside the workday."""
    workdays = {d.isoformat() for d in horizon.workdays()}
    for day in sorted(set(visits["day"].astype(str)) - workdays):
        yield Violation("not_a_workday", f"visits are planned on {day}, not a workday")
    for _, row in routes.iterrows():
        begin, end = _clock(row["start"]), _clock(row["end"])
        if begin is None or end is None:
            continue
        if begin < policy.day_start or end > policy.day_end:
            yield Violation(
                "day_too_long",
                f"route {row.get('route_id', '?')} ({row['squad_id']} team "
                f"{row['team']}, {row['day']}) runs {row['start']}-{row['end']}, "
                "outside the workday",
            )
    for _, row in visits.iterrows():
        eta, end = _clock(row["eta"]), _clock(row["end"])
        if eta is not None and end is not None:
            if eta < policy.day_start or end > policy.day_end:
                yield Violation(
                    "day_too_long",
                    f"{_label(row)} at {row['eta']}-{row['end']} is outside "
                    "the workday",
                )


def _check_squads(
    visits: pd.DataFrame, enterprises: pd.DataFrame, cells: pd.DataFrame
) -> Iterator[Violation]:
    """The visiting squad owns the enterprise's cell."""
    cell_of = _by_enterprise(enterprises, enterprises["cell_id"])
    owner = dict(zip(cells["cell_id"], cells["squad_id"], strict=True))
    for _, row in visits.iterrows():
        cell = cell_of.get(str(row["enterprise_id"]))
        if cell is None:
            continue
        zone = owner.get(cell)
        if zone != row["squad_id"]:
            yield Violation(
                "wrong_squad",
                f"{_label(row)}: cell {cell} belongs to squad {zone}",
            )


def _check_sequence(visits: pd.DataFrame) -> Iterator[Violation]:
    """Per team-day: seq 1..n, arrival before start, no overlapping stops."""
    days: dict[tuple[str, int, str], list[pd.Series]] = defaultdict(list)
    for _, row in visits.iterrows():
        days[str(row["squad_id"]), int(row["team"]), str(row["day"])].append(row)
    for (squad, team, day), rows in sorted(days.items()):
        rows.sort(key=lambda r: int(r["seq"]))
        where = f"{squad} team {team} on {day}"
        if [int(r["seq"]) for r in rows] != list(range(1, len(rows) + 1)):
            yield Violation(
                "seq_order", f"{where}: stop numbers are not 1..{len(rows)}"
            )
        prev_end = None
        for r in rows:
            eta, start, end = _clock(r["eta"]), _clock(r["start"]), _clock(r["end"])
            if eta is None or start is None or end is None:
                continue
            if start < eta or end < start:
                yield Violation(
                    "seq_order", f"{_label(r)}: service starts before arrival"
                )
            if prev_end is not None and eta < prev_end:
                yield Violation(
                    "seq_order",
                    f"{_label(r)}: stop {r['seq']} arrives at {r['eta']}, before "
                    f"the previous stop ends at {prev_end // 60:02d}:"
                    f"{prev_end % 60:02d}",
                )
            prev_end = end
