"""Hotspot intensity, its backtest, and weekly trends.

Street patrols should go where events are *expected*, not merely where they
were counted. :func:`estimate_intensity` turns the hotspot layer (points
with ``event_type``, ``time``, optional ``weight`` and ``cell_id``) into an
expected severity-weighted event rate per cell and per weekday x hour:

1. **Recency-weighted counts.** Each event counts its severity (``weight``
   column, else ``policy.event_weights``) x ``0.5 ** (age / half-life)``
   (:func:`planning.workload.hotspot_weights`); the sum divided by the
   decayed length of the observation period is a weekly rate that follows
   rising spots quickly.
2. **Spatial kernel.** Events scatter around the spot that causes them (a
   market's stalls spill into the next cell), so each cell's rate is spread
   over neighbouring cell centres with a Gaussian kernel (mass-preserving).
3. **Shrinkage.** A cell with few recent events is pulled toward its own
   (equally smoothed) all-time mean: ``(n * recent + k * alltime) / (n + k)``
   with ``n`` the cell's effective number of recent events and ``k``
   pseudo-events, so one noisy week neither invents nor erases a hotspot.
4. **Time profile.** Each cell's hour-of-day and weekday shares (smoothed
   over neighbouring hour bins) are shrunk toward the county-wide profile by
   pseudo-events, so a cell with 5 events still gets a sensible profile.

:func:`backtest` validates the estimate: it predicts the held-back last
week(s) from the earlier weeks and reports the hit rate (share of held-out
events falling in the top 5% cells) of this method and of the plain
all-time count per cell. :func:`weekly_counts` and :func:`rising_cells`
give the trend charts and the Mann-Kendall flags of rising cells, and
:func:`top_cells_per_zone` the busiest cells of each squad's zone over the
same recent weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

from planning.model import Policy, Scenario
from planning.travel import metric_crs, metric_xy
from planning.workload import hotspot_weights

HOURS = 24
WEEKDAYS = 7
COUNTY = "county"
ALL_TYPES = "all"


@dataclass(frozen=True)
class IntensitySettings:
    """Knobs of :func:`estimate_intensity` (defaults tuned on the backtest).

    Parameters
    ----------
    bandwidth_m
        Standard deviation of the spatial Gaussian kernel in metres.
    radius_bw
        Neighbours farther than ``radius_bw`` bandwidths get no share.
    shrink_events
        Pseudo-events ``k`` pulling a cell's recent rate to its all-time mean.
    profile_events
        Pseudo-events pulling a cell's time profile to the county's.
    history_weeks
        Events older than this are ignored.
    """

    bandwidth_m: float = 300.0
    radius_bw: float = 3.0
    shrink_events: float = 3.0
    profile_events: float = 20.0
    history_weeks: float = 26.0


@dataclass(frozen=True)
class Intensity:
    """Expected severity-weighted events per cell, week, weekday and hour.

    ``weekly`` is the rate per week by cell; ``weekday`` (cells x 7, Monday
    first) and ``hour`` (cells x 24) are shares summing to 1 per cell, so the
    expected events of cell ``c`` on weekday ``d`` in hour ``h`` of an
    average week are ``weekly[c] * weekday[c, d] * hour[c, h]``.
    ``type_share`` holds each cell's severity share by event type.
    """

    cell_ids: pd.Index
    weekly: pd.Series
    weekday: np.ndarray
    hour: np.ndarray
    type_share: pd.DataFrame
    now: datetime

    def window_events(
        self,
        start_min: int,
        end_min: int,
        weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
    ) -> pd.Series:
        """Expected weighted events per cell in a daily window, per such day.

        Averaged over ``weekdays`` (0 = Monday); hour bins partly inside the
        window count by the overlapping minutes.
        """
        overlap = np.array(
            [
                max(0, min(end_min, 60 * (h + 1)) - max(start_min, 60 * h)) / 60
                for h in range(HOURS)
            ]
        )
        hour_share = self.hour @ overlap
        day_share = self.weekday[:, list(weekdays)].mean(axis=1)
        return pd.Series(
            self.weekly.to_numpy() * day_share * hour_share, index=self.cell_ids
        )

    def top_types(self, cell_id: str, n: int = 3) -> list[str]:
        """The ``n`` event types that weigh most in the cell."""
        row = self.type_share.loc[cell_id]
        row = row[row > 0].sort_values(ascending=False, kind="stable")
        return list(row.index[:n])


def _event_table(hotspots: pd.DataFrame, now: datetime) -> pd.DataFrame:
    times = pd.to_datetime(hotspots["time"], errors="coerce")
    ok = times.notna() & hotspots["cell_id"].notna() & (times < pd.Timestamp(now))
    ev = hotspots.loc[ok, ["cell_id", "event_type"]].copy()
    ev["time"] = times[ok]
    return ev


def _kernel(cells: gpd.GeoDataFrame, settings: IntensitySettings) -> np.ndarray:
    """Gaussian weights between nearby cells as sparse (row, col, weight) rows.

    A dense cells x cells matrix would not fit a 20,000-cell county.
    """
    xy = metric_xy(cells, metric_crs(cells))
    tree = cKDTree(xy)
    pairs = tree.query_pairs(
        settings.radius_bw * settings.bandwidth_m, output_type="ndarray"
    )
    i = np.concatenate([np.arange(len(xy)), pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([np.arange(len(xy)), pairs[:, 1], pairs[:, 0]])
    d2 = ((xy[i] - xy[j]) ** 2).sum(axis=1)
    w = np.exp(-0.5 * d2 / settings.bandwidth_m**2)
    # mass-preserving: what a source cell j spreads sums to 1
    col_sum = np.bincount(j, weights=w, minlength=len(xy))
    return np.column_stack([i, j, w / col_sum[j]])


def _smooth(kernel: np.ndarray, values: np.ndarray) -> np.ndarray:
    i, j, w = kernel[:, 0].astype(int), kernel[:, 1].astype(int), kernel[:, 2]
    return np.bincount(i, weights=w * values[j], minlength=len(values))


def _circular_smooth(profile: np.ndarray) -> np.ndarray:
    """Spread each hour bin 1/4 to each neighbouring hour (rows sum unchanged)."""
    return 0.5 * profile + 0.25 * (
        np.roll(profile, 1, axis=1) + np.roll(profile, -1, axis=1)
    )


def _shrunk_profile(
    codes: np.ndarray,
    groups: np.ndarray,
    weights: np.ndarray,
    n: int,
    bins: int,
    pseudo: float,
    smooth: bool,
) -> np.ndarray:
    counts = np.zeros((n, bins))
    np.add.at(counts, (codes, groups), weights)
    if smooth:
        counts = _circular_smooth(counts)
    county = counts.sum(axis=0)
    county = county / county.sum() if county.sum() > 0 else np.full(bins, 1 / bins)
    total = counts.sum(axis=1, keepdims=True)
    return (counts + pseudo * county) / (total + pseudo)


def estimate_intensity(
    scenario: Scenario,
    now: datetime | date | None = None,
    settings: IntensitySettings = IntensitySettings(),
) -> Intensity:
    """Expected event rates per cell and weekday x hour (see module docstring).

    ``now`` defaults to the horizon start; events at or after it are
    ignored, which is what lets :func:`backtest` hide the last weeks.
    """
    now = _as_datetime(now or scenario.horizon.start)
    cells = scenario.cells.reset_index(drop=True)
    ids = pd.Index(cells["cell_id"].astype(str))
    ev = _event_table(scenario.hotspots, now)
    ev = ev[
        ev["time"] >= pd.Timestamp(now) - pd.Timedelta(weeks=settings.history_weeks)
    ]
    ev = ev[ev["cell_id"].astype(str).isin(ids)]
    policy = scenario.policy
    hot = scenario.hotspots.loc[ev.index]
    w_recent = hotspot_weights(hot, policy, now)
    severity = hotspot_weights(hot, _no_decay(policy), now)
    code = ids.get_indexer(ev["cell_id"].astype(str))
    n = len(ids)

    if len(ev):
        span = (pd.Timestamp(now) - ev["time"].min()).total_seconds() / (7 * 86400)
        span = max(1.0, np.ceil(span))
    else:
        span = 1.0
    h = policy.recency_half_life_weeks
    decayed_weeks = h / np.log(2) * (1 - 0.5 ** (span / h))
    kernel = _kernel(cells, settings)
    recent = _smooth(kernel, np.bincount(code, w_recent, n) / decayed_weeks)
    alltime = _smooth(kernel, np.bincount(code, severity, n) / span)
    n_eff = _smooth(kernel, np.bincount(code, w_recent / np.maximum(severity, 1e-9), n))
    k = settings.shrink_events
    weekly = (n_eff * recent + k * alltime) / np.maximum(n_eff + k, 1e-12)

    def profile(groups: pd.Series, bins: int, smooth: bool) -> np.ndarray:
        return _shrunk_profile(
            code, groups.to_numpy(), w_recent, n, bins, settings.profile_events, smooth
        )

    weekday = profile(ev["time"].dt.day_of_week, WEEKDAYS, smooth=False)
    hour = profile(ev["time"].dt.hour, HOURS, smooth=True)
    types = (
        pd.DataFrame(
            {
                "cell_id": ev["cell_id"].astype(str).to_numpy(),
                "event_type": ev["event_type"].to_numpy(),
                "w": w_recent,
            }
        )
        .pivot_table(
            index="cell_id",
            columns="event_type",
            values="w",
            aggfunc="sum",
            fill_value=0.0,
        )
        .reindex(ids, fill_value=0.0)
    )
    types = types.div(types.sum(axis=1).replace(0, 1.0), axis=0)
    return Intensity(ids, pd.Series(weekly, index=ids), weekday, hour, types, now)


def _no_decay(policy: Policy) -> Policy:
    """The policy with recency off: severities only, for all-time means."""
    return replace(policy, recency_half_life_weeks=1e9)


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time())


@dataclass(frozen=True)
class BacktestResult:
    """Hit rates of the top ``top_share`` cells on the held-out weeks.

    A hit rate is the share of held-out events that fall in the cells a
    method ranks in its top ``top_share``; higher is better.
    """

    hit_rate: float
    hit_rate_count: float
    top_share: float
    top_cells: int
    holdout_events: int


def backtest(
    scenario: Scenario,
    holdout_weeks: int = 1,
    top_share: float = 0.05,
    settings: IntensitySettings = IntensitySettings(),
) -> BacktestResult:
    """Predict the last ``holdout_weeks`` from the earlier weeks; compare methods.

    The baseline is the plain all-time event count per cell of the earlier
    weeks. Ties are broken by cell order for both methods alike.
    """
    now = _as_datetime(scenario.horizon.start)
    cut = now - timedelta(weeks=holdout_weeks)
    ids = pd.Index(scenario.cells["cell_id"].astype(str))
    ev = _event_table(scenario.hotspots, now)
    held = ev[ev["time"] >= pd.Timestamp(cut)]
    train = ev[ev["time"] < pd.Timestamp(cut)]
    actual = held["cell_id"].astype(str).value_counts().reindex(ids, fill_value=0)
    count = train["cell_id"].astype(str).value_counts().reindex(ids, fill_value=0)
    intensity = estimate_intensity(scenario, cut, settings)
    k = max(1, int(round(top_share * len(ids))))

    def hit(score: np.ndarray) -> float:
        top = np.argsort(-score, kind="stable")[:k]
        return float(actual.to_numpy()[top].sum() / max(1, actual.sum()))

    return BacktestResult(
        hit_rate=hit(intensity.weekly.to_numpy()),
        hit_rate_count=hit(count.to_numpy(float)),
        top_share=top_share,
        top_cells=k,
        holdout_events=int(actual.sum()),
    )


def _week_index(times: pd.Series, now: datetime, weeks: int) -> np.ndarray:
    """0 = oldest of ``weeks`` whole weeks ending at ``now``; -1 = outside."""
    age = (pd.Timestamp(now) - times).dt.total_seconds().to_numpy() / (7 * 86400)
    idx = weeks - 1 - np.floor(age).astype(int)
    return np.where((age >= 0) & (idx >= 0), idx, -1)


def _recent_events(hotspots: pd.DataFrame, now: datetime, weeks: int) -> pd.DataFrame:
    """Events of the ``weeks`` whole weeks ending at ``now``, with ``week``.

    The window is ``now - weeks`` (exclusive) to ``now`` (exclusive);
    ``week`` runs from 0 (oldest) to ``weeks - 1`` and ``cell_id`` is text.
    """
    ev = _event_table(hotspots, now)
    ev["cell_id"] = ev["cell_id"].astype(str)
    ev["week"] = _week_index(ev["time"], now, weeks)
    return ev[ev["week"] >= 0]


def zone_of_cells(cells: pd.DataFrame | None) -> pd.Series:
    """``squad_id`` by ``cell_id`` (text) of the zoned cells; empty if none."""
    if cells is None or "squad_id" not in cells.columns:
        return pd.Series(dtype=object)
    owner = cells.set_index(cells["cell_id"].astype(str))["squad_id"]
    return owner[owner.notna()]


def weekly_counts(
    hotspots: pd.DataFrame,
    now: datetime | date,
    weeks: int = 8,
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Event counts per week, county-wide and per zone, for all and each type.

    Weeks are whole 7-day periods ending at ``now`` (the horizon start), so
    the last week is complete. Long format with zero rows filled in:
    ``week`` (ISO date the week starts), ``zone`` (``"county"`` or a
    squad_id from ``cells.squad_id`` when present), ``event_type`` (``"all"``
    or a type), ``count``.
    """
    now = _as_datetime(now)
    ev = _recent_events(hotspots, now, weeks)
    frames = [ev.assign(zone=COUNTY)]
    zone_of = zone_of_cells(cells)
    if len(zone_of):
        zoned = ev.assign(zone=ev["cell_id"].map(zone_of))
        frames.append(zoned[zoned["zone"].notna()])
    both = pd.concat(frames)
    both = pd.concat([both, both.assign(event_type=ALL_TYPES)])
    counts = both.groupby(["zone", "event_type", "week"]).size()
    full = pd.MultiIndex.from_product(
        [
            counts.index.levels[0] if len(counts) else [COUNTY],
            counts.index.levels[1] if len(counts) else [ALL_TYPES],
            range(weeks),
        ],
        names=["zone", "event_type", "week"],
    )
    out = counts.reindex(full, fill_value=0).rename("count").reset_index()
    groups = out.groupby(["zone", "event_type"])["count"].transform("sum")
    keep = (groups > 0) | ((out["zone"] == COUNTY) & (out["event_type"] == ALL_TYPES))
    out = out[keep].copy()
    start = now - timedelta(weeks=weeks)
    out["week"] = [
        (start + timedelta(weeks=int(w))).date().isoformat() for w in out["week"]
    ]
    return out[["week", "zone", "event_type", "count"]].reset_index(drop=True)


def rising_cells(
    hotspots: pd.DataFrame,
    now: datetime | date,
    weeks: int = 8,
    alpha: float = 0.05,
    min_events: int = 10,
) -> pd.DataFrame:
    """Cells whose weekly event counts rise significantly (Mann-Kendall test).

    Mann-Kendall is Kendall's tau between week number and count, one-sided
    (``scipy.stats.kendalltau``, tie-corrected). Thousands of cells are
    tested at once, so ``rising`` uses the Benjamini-Hochberg ``q_value``
    (false discovery rate ``alpha``) rather than the raw ``p_value``. Cells
    with fewer than ``min_events`` events cannot show a trend and are not
    listed. Columns: cell_id, events, tau, p_value, q_value, rising.
    """
    now = _as_datetime(now)
    ev = _recent_events(hotspots, now, weeks)
    table = (
        ev.groupby(["cell_id", "week"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=range(weeks), fill_value=0)
    )
    table = table[table.sum(axis=1) >= min_events]
    rows = []
    for cell_id, series in table.iterrows():
        res = stats.kendalltau(
            np.arange(weeks), series.to_numpy(), alternative="greater"
        )
        tau = 0.0 if np.isnan(res.statistic) else float(res.statistic)
        p = 1.0 if np.isnan(res.pvalue) else float(res.pvalue)
        rows.append((cell_id, int(series.sum()), tau, p))
    out = pd.DataFrame(rows, columns=["cell_id", "events", "tau", "p_value"])
    out["q_value"] = stats.false_discovery_control(out["p_value"]) if len(out) else []
    out["rising"] = (out["q_value"] <= alpha) & (out["tau"] > 0)
    return out.sort_values("p_value", kind="stable").reset_index(drop=True)


TOP_COLUMNS = [
    "squad_id",
    "rank",
    "cell_id",
    "events",
    "share_pct",
    "top_types",
    "intensity",
]
TYPE_SEPARATOR = "、"


def top_cells_per_zone(
    hotspots: pd.DataFrame,
    cells: pd.DataFrame,
    now: datetime | date,
    n: int = 5,
    weeks: int = 8,
    intensity: Intensity | None = None,
    n_types: int = 3,
) -> pd.DataFrame:
    """The ``n`` cells with most events of each squad's zone (高发网格).

    Events are counted over the same ``weeks`` whole weeks ending at ``now``
    as :func:`weekly_counts`; a cell belongs to the zone in its
    ``cells.squad_id`` (unzoned cells and events outside ``cells`` are
    left out). One row per zone and rank, zones by ``squad_id``:

    * ``rank`` 1..n within the zone, by ``events`` descending (ties by
      ``cell_id``); only cells with events are listed;
    * ``share_pct``: the cell's share of its zone's events in the window;
    * ``top_types``: its ``n_types`` most frequent event types, most
      frequent first (ties by name), joined with ``、``;
    * ``intensity``: ``intensity.weekly`` of the cell (expected weighted
      events per week, :func:`estimate_intensity`), NaN without one.
    """
    now = _as_datetime(now)
    zone_of = zone_of_cells(cells)
    ev = _recent_events(hotspots, now, weeks)
    ev = ev.assign(squad_id=ev["cell_id"].map(zone_of))
    ev = ev[ev["squad_id"].notna()]
    if ev.empty or n <= 0:
        return pd.DataFrame(columns=TOP_COLUMNS)
    per_cell = ev.groupby(["squad_id", "cell_id"]).size().rename("events").reset_index()
    zone_total = per_cell.groupby("squad_id")["events"].transform("sum")
    per_cell["share_pct"] = 100.0 * per_cell["events"] / zone_total
    per_cell = per_cell.sort_values(
        ["squad_id", "events", "cell_id"],
        ascending=[True, False, True],
        kind="stable",
    )
    per_cell["rank"] = per_cell.groupby("squad_id").cumcount() + 1
    top = per_cell[per_cell["rank"] <= n].copy()

    types = (
        ev[ev["cell_id"].isin(top["cell_id"])]
        .groupby(["cell_id", ev["event_type"].astype(str)])
        .size()
        .rename("k")
        .reset_index()
        .sort_values(["cell_id", "k", "event_type"], ascending=[True, False, True])
    )
    top["top_types"] = top["cell_id"].map(
        types.groupby("cell_id")["event_type"].agg(
            lambda s: TYPE_SEPARATOR.join(s.iloc[:n_types])
        )
    )
    if intensity is not None:
        weekly = intensity.weekly.copy()
        weekly.index = weekly.index.astype(str)
        top["intensity"] = top["cell_id"].map(weekly).astype(float)
    else:
        top["intensity"] = np.nan
    top["events"] = top["events"].astype(int)
    return top[TOP_COLUMNS].reset_index(drop=True)
