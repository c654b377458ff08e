"""The rebalance itself, the tolerance trade-off table and the output file."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.model import Policy
from planning.progress import Job, ProgressEvent
from planning.rebalance.search import _follow_flows, _improve, _solve
from planning.rebalance.settings import (
    STAGE,
    TRADEOFF_TOLERANCES,
    RebalanceResult,
    RebalanceSettings,
)
from planning.rebalance.today import (
    _give_back,
    _permitted,
    _Today,
    _today,
    far_moves,
    moved_workload_bound,
)
from planning.zoning import ZoningInput, rezone

# Share of the time limit for the model on today's zoning; when it finds
# nothing, following the flows gets _FLOW_SHARE of the rest, rezone
# _REZONE_SHARE of what is then left, and the pair search the remainder.
_RING_SHARE = 0.15
_FLOW_SHARE = 0.4
_REZONE_SHARE = 0.5
_GIVE_BACK_SECONDS = 5.0  # at most this long, or this share of the limit,
_GIVE_BACK_SHARE = 0.05  # for handing cells back to today's squad at the end
_AGAIN_SECONDS = 10.0  # rezone runs once more if this long is left


def rebalance(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: RebalanceSettings = RebalanceSettings(),
    job: Job = Job(),
) -> RebalanceResult:
    """Bring today's zoning (``cells['squad_id']``) within the tolerance with
    the least workload moved, then the fewest cells, then the least travel
    (on grids too large for one model, the pair search weighs each moved
    cell with the workload: a fifth of a mean cell's).

    ``cells`` carry ``cell_id``, ``squad_id`` (every cell), ``workload`` and
    optionally ``locked``; ``squads`` carry ``squad_id`` and ``staff``. A
    zoning already contiguous and within the tolerance comes back unchanged.
    Raises :class:`RebalanceError` when a cell has no known squad.
    """
    progress, cancel = job.progress, job.cancel  # the search steps take them apart
    t0 = time.monotonic()
    # the last seconds give moved cells back (:func:`_give_back`)
    end = t0 + settings.time_limit
    deadline = end - min(_GIVE_BACK_SECONDS, _GIVE_BACK_SHARE * settings.time_limit)
    progress(ProgressEvent(STAGE, 0.0, "读取现行片区 today's zoning"))
    t = _today(cells, squads, policy)
    tol = settings.tolerance
    bound = moved_workload_bound(t, tol)
    progress(ProgressEvent(STAGE, 0.05, "下界 bound", bound=bound))
    notes: list[str] = []
    before = t.worst_pct(t.assign)
    assign: np.ndarray | None = None
    start = t.assign  # what rezone repairs when the model finds nothing
    status = ""
    if t.contiguous(t.assign) and t.within(t.assign, tol):
        assign, status = t.assign.copy(), "already within the tolerance"
    elif (t.assign[t.base] != np.arange(len(t.squad_ids))).any():
        bad = [
            t.squad_ids[s]
            for s in np.flatnonzero(t.assign[t.base] != np.arange(len(t.squad_ids)))
        ]
        notes.append(
            f"the base of squad(s) {', '.join(bad[:8])} lies in another squad's "
            "zone today: re-zoned around the bases instead"
        )
    else:
        progress(ProgressEvent(STAGE, 0.1, f"{settings.rings} 圈 rings"))
        got, why = _solve(
            t,
            tol,
            bound if np.isfinite(bound) else 0.0,
            settings.rings,
            settings.time_limit * _RING_SHARE,
            settings,
            cancel,
        )
        if got is not None and t.contiguous(got) and t.within(got, tol):
            assign, status = got, f"{settings.rings} rings: {why}"
        else:
            notes.append(f"{settings.rings} rings from today: no zoning ({why})")
            progress(ProgressEvent(STAGE, 0.3, "沿下界的流 following the flows"))
            share = time.monotonic() + _FLOW_SHARE * (deadline - time.monotonic())
            start = _follow_flows(t, tol, share, settings, cancel)
            if t.contiguous(start) and t.within(start, tol):
                status = "the bound's flows followed zone pair by pair, improved"
                progress(ProgressEvent(STAGE, 0.7, "改进 improving"))
                assign = _improve(t, start, tol, deadline, settings, cancel)
            else:
                notes.append(
                    f"following the flows ended {t.worst_pct(start):.1f}% off "
                    f"({int((start != t.assign).sum())} cells moved)"
                )
    if assign is None:
        county = ZoningInput(cells.reset_index(drop=True), squads, policy)
        assign, status = _rezone(t, county, settings, start, deadline, job)
        notes.append("re-zoned by rezone from there, then improved")
        if not t.within(assign, tol) and deadline - time.monotonic() > _AGAIN_SECONDS:
            # under load rezone can stop just short of a tight band (every
            # zone a little out): from there, a second run comes in
            notes.append(
                f"rezone ended {t.worst_pct(assign):.1f}% off: re-zoned once more "
                "from there"
            )
            again, why = _rezone(t, county, settings, assign, deadline, job)
            if t.contiguous(again) and t.off_band(again, tol) < t.off_band(assign, tol):
                assign, status = again, why
        left = deadline - time.monotonic()
        if left > 2.0 and t.contiguous(assign):
            # also when rezone stopped just outside the band: the pair
            # search brings its zones in first
            progress(ProgressEvent(STAGE, 0.7, "改进 improving"))
            better = _improve(t, assign, tol, deadline, settings, cancel)
            if (better != assign).any():
                status = "rezone, then zone pairs re-solved"
            assign = better
    if (assign != t.assign).any():
        assign = _give_back(t, assign, tol, end)
    far = far_moves(t, assign)
    if far.any():
        bound = moved_workload_bound(t, tol, anywhere=True)
        notes.append(
            f"{int(far.sum())} cells go to a squad whose zone does not border "
            "theirs today: the lower bound is the one for moves between any "
            f"zones ({bound:,.0f} min)"
        )
    progress(ProgressEvent(STAGE, 1.0, status))
    changed = np.flatnonzero(assign != t.assign)
    sid = np.array(t.squad_ids, dtype=object)
    moves = pd.DataFrame(
        {
            "cell_id": t.ids[changed],
            "from_squad": sid[t.assign[changed]],
            "to_squad": sid[assign[changed]],
            "workload": t.w[changed],
        }
    )
    contiguous = t.contiguous(assign)
    kept = bool((assign[t.locked] == t.assign[t.locked]).all())
    return RebalanceResult(
        assignment=pd.Series(sid[assign], index=t.ids, name="squad_id"),
        moves=moves,
        moved_workload=float(t.w[changed].sum()),
        bound=bound,
        travel=t.travel_of(assign),
        travel_before=t.travel_of(t.assign),
        worst_before_pct=before,
        worst_after_pct=t.worst_pct(assign),
        feasible=contiguous and kept and t.within(assign, tol),
        contiguous=contiguous,
        far_moved=int(far.sum()),
        status=status,
        seconds=time.monotonic() - t0,
        notes=notes,
    )


def _rezone(
    t: _Today,
    county: ZoningInput,
    settings: RebalanceSettings,
    start: np.ndarray,
    deadline: float,
    job: Job,
) -> tuple[np.ndarray, str]:
    """rezone from ``start`` for its share of the time left, moves only to
    squads whose zone borders the cell's zone today: (assignment, status)."""
    job.raise_if_cancelled()
    frame = county.cells.assign(squad_id=np.array(t.squad_ids, dtype=object)[start])
    left = max(5.0, deadline - time.monotonic())
    res = rezone(
        dataclasses.replace(county, cells=frame),
        dataclasses.replace(settings, time_limit=left * _REZONE_SHARE),
        job.staged(STAGE, 0.4, 0.7),
        permitted=_permitted(t),
    )
    index = {s: i for i, s in enumerate(t.squad_ids)}
    got = res.assignment.reindex(t.ids).map(index)
    assign = np.array(got.fillna(-1).to_numpy(int))
    assign[assign < 0] = start[assign < 0]
    return assign, f"rezone: {res.status}"


def tradeoff(
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    settings: RebalanceSettings = RebalanceSettings(),
    tolerances: tuple[float, ...] = TRADEOFF_TOLERANCES,
    job: Job = Job(),
) -> pd.DataFrame:
    """Cells and workload moved and travel for each tolerance, so the chief
    can pick this year's step (each from today's zoning, same time limit)."""
    from dataclasses import replace

    rows = []
    for tol in tolerances:
        r = rebalance(cells, squads, policy, replace(settings, tolerance=tol), job)
        rows.append(
            {
                "tolerance_pct": tol * 100,
                "cells_moved": r.moved_cells,
                "workload_moved": r.moved_workload,
                "bound": r.bound,
                "travel": r.travel,
                "worst_pct": r.worst_after_pct,
                "feasible": r.feasible,
                "seconds": r.seconds,
            }
        )
    return pd.DataFrame(rows)


def write_rebalance(
    path: str | Path,
    cells: gpd.GeoDataFrame,
    squads: gpd.GeoDataFrame,
    policy: Policy,
    result: RebalanceResult,
    table: pd.DataFrame | None = None,
) -> Path:
    """A GeoPackage QGIS opens and ``compare`` reads: ``cells`` (new
    ``squad_id``, ``today_squad_id``, ``moved``), ``squads``, ``zones``,
    ``moves``, ``summary`` (per squad, today's zoning and the result judged
    alike: workload, target, deviation, cells, travel, reach, contiguity,
    suffixed ``_today`` / ``_after``) and, when given, the ``tradeoff``
    table."""
    import pyogrio

    from planning.compare import PlanSide, compare
    from planning.zoning import zone_stats, zones_layer

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    out = cells.reset_index(drop=True).copy()
    out["today_squad_id"] = out["squad_id"].astype(str)
    out["squad_id"] = out["cell_id"].astype(str).map(result.assignment)
    out["moved"] = (out["squad_id"] != out["today_squad_id"]).astype(int)
    out = gpd.GeoDataFrame(out, geometry=cells.geometry.name, crs=cells.crs)
    pyogrio.write_dataframe(out.to_crs(4326), path, layer="cells")
    pyogrio.write_dataframe(squads.to_crs(4326), path, layer="squads")
    stats = zone_stats(out, squads, result.assignment, policy)
    zones = zones_layer(out, result.assignment, stats)
    pyogrio.write_dataframe(zones, path, layer="zones", promote_to_multi=True)
    pyogrio.write_dataframe(result.moves, path, layer="moves")
    keep = ["cell_id", "squad_id", "workload", out.geometry.name]
    today = out[keep].assign(squad_id=out["today_squad_id"])
    summary = compare(
        PlanSide("today", today), PlanSide("after", out[keep]), squads, policy
    ).table
    side = {"_a": "_today", "_b": "_after"}
    summary = summary.rename(
        columns={c: c[:-2] + side[c[-2:]] for c in summary.columns if c[-2:] in side}
    )
    pyogrio.write_dataframe(summary, path, layer="summary")
    if table is not None:
        pyogrio.write_dataframe(table, path, layer="tradeoff")
    return path
