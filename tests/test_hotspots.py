"""Hotspot intensity, backtest and trend flags."""

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from planning.hotspots import (
    backtest,
    estimate_intensity,
    rising_cells,
    weekly_counts,
)

NOW = datetime(2026, 12, 1)


def _events(counts_by_cell: dict[str, list[int]], seed: int = 0) -> pd.DataFrame:
    """Events with the given weekly counts (oldest week first) per cell."""
    rng = np.random.default_rng(seed)
    rows = []
    for cell, counts in counts_by_cell.items():
        weeks = len(counts)
        for w, n in enumerate(counts):
            start = NOW - timedelta(weeks=weeks - w)
            for _ in range(n):
                t = start + timedelta(minutes=int(rng.integers(7 * 24 * 60)))
                rows.append({"cell_id": cell, "event_type": "占道经营", "time": t})
    df = pd.DataFrame(rows)
    df["time"] = df["time"].map(lambda t: t.isoformat(timespec="minutes"))
    return df


def test_planted_rise_is_flagged_and_flat_series_is_not():
    flat = [
        [8, 9, 7, 8, 9, 7, 8, 8],
        [10, 6, 9, 7, 11, 8, 6, 9],
        [5, 5, 6, 4, 5, 6, 5, 4],
    ]
    counts = {"RISE": [2, 3, 5, 6, 8, 10, 12, 15]}
    counts |= {f"FLAT{i}": series for i, series in enumerate(flat)}
    result = rising_cells(_events(counts), NOW).set_index("cell_id")
    assert bool(result.loc["RISE", "rising"])
    assert result.loc["RISE", "tau"] > 0.8
    assert not result.drop(index="RISE")["rising"].any()


def test_weekly_counts_fill_zero_weeks_and_sum_up():
    df = _events({"A": [0, 3, 0, 4], "B": [1, 1, 1, 1]})
    cells = pd.DataFrame({"cell_id": ["A", "B"], "squad_id": ["SQ01", "SQ02"]})
    out = weekly_counts(df, NOW, weeks=4, cells=cells)
    county = out[(out["zone"] == "county") & (out["event_type"] == "all")]
    assert county["count"].tolist() == [1, 4, 1, 5]
    sq01 = out[(out["zone"] == "SQ01") & (out["event_type"] == "all")]
    assert sq01["count"].tolist() == [0, 3, 0, 4]
    assert county["week"].iloc[-1] == "2026-11-24"


def test_intensity_profiles_are_shares_and_backtest_beats_count(sample):
    intensity = estimate_intensity(sample)
    assert np.allclose(intensity.hour.sum(axis=1), 1.0)
    assert np.allclose(intensity.weekday.sum(axis=1), 1.0)
    whole_week = intensity.window_events(0, 24 * 60, tuple(range(7))) * 7
    assert np.allclose(whole_week, intensity.weekly)
    result = backtest(sample, holdout_weeks=1)
    assert result.holdout_events > 100
    assert result.hit_rate > result.hit_rate_count
