"""Hotspot intensity, backtest and trend flags."""

from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planning.hotspots import (
    backtest,
    estimate_intensity,
    rising_cells,
    top_cells_per_zone,
    weekly_counts,
)
from planning.sample import build_sample

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


@pytest.fixture(scope="module")
def zoned_sample():
    """A small sample county whose cells are zoned by 片区 (area -> squad)."""
    sc = build_sample(n_enterprises=100, n_events=1500)
    squad_of_area = sc.squads.set_index("area_id")["squad_id"]
    sc.cells["squad_id"] = sc.cells["area_id"].map(squad_of_area)
    return sc


def test_top_cells_per_zone_match_an_independent_point_in_cell_count(zoned_sample):
    sc = zoned_sample
    now, weeks, n = datetime(2026, 12, 1), 4, 3
    intensity = estimate_intensity(sc, now)
    top = top_cells_per_zone(
        sc.hotspots, sc.cells, now, n=n, weeks=weeks, intensity=intensity
    )

    # independent count: events strictly inside the 4 weeks before now,
    # assigned to cells by their point geometry, not by their cell_id column
    times = pd.to_datetime(sc.hotspots["time"])
    inside = (times > now - timedelta(weeks=weeks)) & (times < now)
    points = sc.hotspots.loc[inside, ["event_type", "geometry"]]
    joined = gpd.sjoin(
        points, sc.cells[["cell_id", "squad_id", "geometry"]], predicate="within"
    )
    assert 0 < len(joined) < len(sc.hotspots)  # the window really cuts
    per_cell = joined.groupby("cell_id").size()
    per_zone = joined.groupby("squad_id").size()
    owner = sc.cells.set_index("cell_id")["squad_id"]

    assert set(top["squad_id"]) == set(per_zone.index)
    for squad, rows in top.groupby("squad_id"):
        zone_counts = per_cell[per_cell.index.map(owner) == squad]
        assert len(rows) == min(n, len(zone_counts))
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert rows["events"].is_monotonic_decreasing
        assert (rows["cell_id"].map(owner) == squad).all()
        assert rows["events"].tolist() == per_cell[rows["cell_id"]].tolist()
        # nobody left out: the zone's n best counts are the ones listed
        best = sorted(zone_counts, reverse=True)[:n]
        assert rows["events"].tolist() == best
        share = 100 * rows["events"] / per_zone[squad]
        assert np.allclose(rows["share_pct"], share)
    row = top.iloc[0]
    kinds = joined[joined["cell_id"] == row["cell_id"]]["event_type"].value_counts()
    assert row["top_types"].split("、")[0] == kinds.index[0]
    assert len(row["top_types"].split("、")) == min(3, len(kinds))
    assert np.allclose(top["intensity"], intensity.weekly[top["cell_id"]])


def test_top_cells_ranks_ties_by_cell_and_skips_unzoned_cells():
    df = _events({"A": [0, 2], "B": [1, 1], "C": [3, 0], "D": [5, 5], "E": [1, 0]})
    cells = pd.DataFrame(
        {
            "cell_id": ["A", "B", "C", "D", "E"],
            "squad_id": ["SQ1", "SQ1", "SQ1", None, "SQ2"],
        }
    )
    out = top_cells_per_zone(df, cells, NOW, n=2, weeks=2)
    assert out[["squad_id", "rank", "cell_id", "events"]].values.tolist() == [
        ["SQ1", 1, "C", 3],
        ["SQ1", 2, "A", 2],
        ["SQ2", 1, "E", 1],
    ]
    assert out["share_pct"].tolist() == pytest.approx([3 / 7 * 100, 2 / 7 * 100, 100])
    assert out["intensity"].isna().all()
    assert out["top_types"].tolist() == ["占道经营"] * 3
    assert top_cells_per_zone(df, cells.assign(squad_id=None), NOW).empty
