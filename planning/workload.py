"""Due inspection items and the workload of each cell.

An item is due in the horizon when its last check plus the policy interval
(scaled by risk colour and credit grade) falls on or before the horizon's
last workday. A cell's workload is what a squad must spend there over the
horizon: the due inspections' service minutes plus a visit overhead, the
patrol minutes hotspots call for, and a base patrol load by land use.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.model import Horizon, Policy

VISIT_OVERHEAD_MIN = 15.0
"""Minutes a joint visit costs beyond its items: travel share, greeting, record."""


def compute_due(
    enterprises: gpd.GeoDataFrame, policy: Policy, horizon: Horizon
) -> gpd.GeoDataFrame:
    """Return a copy of ``enterprises`` with ``due_items`` and ``due_date``.

    ``last_inspected`` is a JSON object ``{item_id: "YYYY-MM-DD"}``; an item
    never checked is due at once. ``due_date`` is the earliest due date of
    the due items, clipped to the horizon's first workday; firms with
    nothing due get an empty ``due_items`` and a null ``due_date``.
    """
    out = enterprises.copy()
    first, last = horizon.workdays()[0], horizon.end
    due_items: list[str] = []
    due_dates: list[str | None] = []
    rated = out[["category", "risk", "credit", "last_inspected"]]
    for cat, risk, credit, raw in rated.itertuples(index=False, name=None):
        last_map = _parse_last(raw)
        items: list[str] = []
        earliest: date | None = None
        for item_id in policy.categories[cat].items:
            seen = last_map.get(item_id)
            if seen is None:
                due = first
            else:
                days = policy.interval_days(item_id, risk, credit)
                due = seen + timedelta(days=int(round(days)))
            if due <= last:
                items.append(item_id)
                due = max(due, first)
                earliest = due if earliest is None else min(earliest, due)
        due_items.append(";".join(items))
        due_dates.append(earliest.isoformat() if earliest else None)
    out["due_items"] = due_items
    out["due_date"] = due_dates
    return out


def _parse_last(raw: object) -> dict[str, date]:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw == "":
        return {}
    data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    return {k: date.fromisoformat(v) for k, v in data.items() if v}


def service_minutes(due_items: str, policy: Policy) -> int:
    """Minutes a joint visit spends on the ``;``-joined items."""
    if not due_items:
        return 0
    return sum(policy.items[i].minutes for i in due_items.split(";"))


def hotspot_weights(
    hotspots: gpd.GeoDataFrame, policy: Policy, now: datetime
) -> np.ndarray:
    """Severity x recency weight of each event (half-life from the policy)."""
    if len(hotspots) == 0:
        return np.zeros(0)
    severity = hotspots["event_type"].map(policy.event_weights).fillna(0.5)
    if "weight" in hotspots.columns:
        severity = pd.to_numeric(hotspots["weight"], errors="coerce").fillna(severity)
    times = pd.to_datetime(hotspots["time"], errors="coerce")
    age_weeks = ((pd.Timestamp(now) - times).dt.total_seconds() / (7 * 86400)).fillna(
        52
    )
    recency = np.power(0.5, age_weeks.clip(lower=0) / policy.recency_half_life_weeks)
    return (severity.to_numpy(float) * recency.to_numpy(float)).astype(float)


def cell_workload(
    cells: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    policy: Policy,
    horizon: Horizon,
) -> gpd.GeoDataFrame:
    """Return a copy of ``cells`` with inspection_min, patrol_min and workload.

    ``enterprises`` must carry ``cell_id`` and ``due_items`` (see
    :func:`compute_due`); ``hotspots`` must carry ``cell_id``. Patrol load
    from hotspots is the recency-weighted weekly event rate x minutes per
    weighted event x weeks in the horizon.
    """
    out = cells.copy()
    svc = enterprises["due_items"].map(lambda s: service_minutes(s, policy))
    visit = svc + np.where(svc > 0, VISIT_OVERHEAD_MIN, 0.0)
    insp = visit.groupby(enterprises["cell_id"]).sum()
    out["inspection_min"] = out["cell_id"].map(insp).fillna(0.0).astype(float)

    weeks = max(1.0, len(horizon.workdays()) / 5.0)
    now = datetime.combine(horizon.start, datetime.min.time())
    w = hotspot_weights(hotspots, policy, now)
    if len(w):
        # recency-weighted events sum to roughly a weekly rate x the decay sum
        decay_sum = 1.0 / (1.0 - 0.5 ** (1.0 / policy.recency_half_life_weeks))
        rate = pd.Series(w, index=hotspots.index).groupby(hotspots["cell_id"]).sum()
        rate = rate / decay_sum
        hot = out["cell_id"].map(rate).fillna(0.0).to_numpy(float)
    else:
        hot = np.zeros(len(out))
    base = out["land_use"].map(policy.base_patrol_minutes_per_km2).fillna(0.0)
    area = (
        out["area_km2"]
        if "area_km2" in out.columns
        else pd.Series(1.0, index=out.index)
    )
    out["patrol_min"] = hot * policy.minutes_per_weighted_event * weeks + base.to_numpy(
        float
    ) * area.to_numpy(float)
    out["workload"] = out["inspection_min"] + out["patrol_min"]
    return out
