"""Small helpers every export writer shares."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning.plan import Plan


def squad_ids(plan: Plan, squad_id: str | None) -> list[str]:
    """All squads of the plan, or just ``squad_id`` (checked, so a typo fails)."""
    ids = [str(s) for s in plan.scenario.squads["squad_id"]]
    if squad_id is None:
        return ids
    if squad_id not in ids:
        raise ValueError(f"unknown squad_id {squad_id!r}; squads are {ids}")
    return [squad_id]


def text_of(value: Any) -> str:
    """Text of a table value, '' for missing ones (None, NaN, pd.NA)."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def base_lonlat(plan: Plan, squad_id: str) -> tuple[float, float] | None:
    """The squad's base as (lon, lat), ``None`` when it has none."""
    sq = plan.scenario.squads
    row = sq[sq["squad_id"].astype(str) == squad_id]
    if not len(row):
        return None
    g = row.geometry.iloc[0]
    return None if g is None or g.is_empty else (float(g.x), float(g.y))
