"""Columns of the field-loop tables stored in a project GeoPackage.

Kept apart from the logic so :mod:`planning.io.project` can create empty
tables (when it opens a project of schema 1) without loading any solver.
"""

from __future__ import annotations

import pandas as pd

OUTCOMES = ("pass", "rectify", "case", "not_met")
"""Outcome codes of one visit: 合格, 责令整改, 立案, 未遇."""

OUTCOME_ZH = {"pass": "合格", "rectify": "责令整改", "case": "立案", "not_met": "未遇"}

RESULT_COLUMNS = (
    "visit_id",
    "enterprise_id",
    "squad_id",
    "day",
    "outcome",
    "deadline",
    "items",
    "note",
    "source",
    "recorded",
)
"""``results``: one row per reported visit (a visit is reported once)."""

HISTORY_COLUMNS = ("enterprise_id", "date", "field", "old", "new", "reason", "visit_id")
"""``enterprise_history``: one row per changed enterprise field, with why."""

VISIT_KINDS = ("regular", "followup", "revisit", "urgent")
"""``visits.kind``: the due joint visit, a 复查 after 责令整改, a revisit
after 未遇, or a visit for an urgent complaint (12345). Missing = regular."""


def empty_results() -> pd.DataFrame:
    """An empty ``results`` table (all text columns)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RESULT_COLUMNS})


def empty_history() -> pd.DataFrame:
    """An empty ``enterprise_history`` table (all text columns)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})


def visit_kind(visits: pd.DataFrame) -> pd.Series:
    """``kind`` of each visit; plans written before the field loop have none."""
    if "kind" not in visits.columns:
        return pd.Series("regular", index=visits.index, dtype=object)
    kind = visits["kind"].astype(object)
    return kind.where(kind.notna() & (kind != ""), "regular")
