"""The cycle measured: outcomes, follow-ups on time and 三色 transitions.

The seeds count success as sites moving from red to green; this module
counts, per zone (squad), over the recorded results: outcomes by type, the
复查 / revisits whose due date has come and how many were reported by it,
and the risk-colour changes of the enterprise history by direction.
"""

from __future__ import annotations

import pandas as pd

from planning.field.rules import field_rules, followup_due
from planning.field.tables import OUTCOMES, visit_kind
from planning.plan import Plan

TRANSITIONS = (
    ("red", "yellow"),
    ("yellow", "green"),
    ("green", "yellow"),
    ("yellow", "red"),
    ("green", "red"),
)
"""Risk changes counted, improving first (red -> yellow -> green)."""

CYCLE_COLUMNS = (
    "squad_id",
    *OUTCOMES,
    "followups_due",
    "followups_on_time",
    *(f"{a}_to_{b}" for a, b in TRANSITIONS),
)


def cycle_table(plan: Plan, today: str | None = None) -> pd.DataFrame:
    """One row per squad (zone) with the columns of ``CYCLE_COLUMNS``.

    A follow-up counts as due once its due date is on or before ``today``
    (default: the last recorded visit day) and as on time when its own
    result was reported for a visit on or before that date.
    """
    squads = [str(s) for s in plan.scenario.squads["squad_id"]]
    table = pd.DataFrame(
        0, index=pd.Index(squads, name="squad_id"), columns=list(CYCLE_COLUMNS[1:])
    )
    results = plan.results
    if results is None or len(results) == 0:
        return table.reset_index()
    res = results.copy()
    res["squad_id"] = res["squad_id"].astype(str)
    for (sid, outcome), n in res.groupby(["squad_id", "outcome"]).size().items():
        if sid in table.index and outcome in table.columns:
            table.at[sid, outcome] += int(n)
    today = today or str(res["day"].max())
    rules = field_rules(plan.scenario.policy)
    visits = plan.visits
    kind = visit_kind(visits)
    extra = visits[kind.isin(["followup", "revisit"])]
    reported = dict(
        zip(res["visit_id"].astype(str), res["day"].astype(str), strict=True)
    )
    origin = res.set_index(res["visit_id"].astype(str))
    for r in extra.itertuples(index=False):
        src = str(getattr(r, "origin", ""))
        if src not in origin.index:
            continue
        due = followup_due(origin.loc[src].to_dict(), rules)
        if due is None or due.isoformat() > today:
            continue
        sid = str(r.squad_id)
        if sid not in table.index:
            continue
        table.at[sid, "followups_due"] += 1
        done = reported.get(str(r.visit_id))
        table.at[sid, "followups_on_time"] += int(
            done is not None and done <= due.isoformat()
        )
    hist = plan.history
    if hist is not None and len(hist):
        risk = hist[hist["field"] == "risk"]
        cell = plan.scenario.enterprises.set_index("enterprise_id")["cell_id"]
        owner = plan.scenario.cells.set_index("cell_id")["squad_id"]
        for r in risk.itertuples(index=False):
            col = f"{r.old}_to_{r.new}"
            sid = str(owner.get(cell.get(r.enterprise_id), ""))
            if col in table.columns and sid in table.index:
                table.at[sid, col] += 1
    return table.reset_index()
