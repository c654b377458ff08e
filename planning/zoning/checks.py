"""Checks before and after the search, in sentences a planner can act on.

:func:`precheck` says why a tolerance cannot be met before any solver runs;
:func:`verify` checks the result independently of the model that produced
it, so a modelling slip shows up as a named problem, not a wrong map.
"""

from __future__ import annotations

import numpy as np

from planning.zoning.graph import contiguous_zones
from planning.zoning.problem import Problem, id_list
from planning.zoning.settings import ZoningSettings, tolerance_text


def _pct(x: float, total: float) -> str:
    return f"{100.0 * x / total:.1f}%" if total > 0 else "0%"


def precheck(
    p: Problem, order: np.ndarray, fixed: np.ndarray, settings: ZoningSettings
) -> list[str]:
    """Reasons, in planner words, why no zoning can meet the tolerance."""
    tol = settings.tolerance
    reasons: list[str] = []
    total = p.w.sum()
    hi = p.target * (1 + tol)
    lo = p.target * (1 - tol)
    reach = order >= 0
    for u in np.flatnonzero(p.unit_group >= 0):
        who = np.flatnonzero(reach[:, u]) if fixed[u] < 0 else np.array([fixed[u]])
        if len(who) and (p.w[u] > hi[who]).all():
            s = who[np.argmax(hi[who])]
            reasons.append(
                f"{p.unit_label[u]} alone carries {p.w[u]:,.0f} min "
                f"({_pct(p.w[u], total)} of the load), above the "
                f"±{tolerance_text(tol)} tolerance of squad {p.squad_ids[s]}'s target "
                f"({p.target[s]:,.0f} min)"
            )
    # A zone holds its base; when the base is below the band and even its
    # lightest neighbour would carry it above, no zone of that squad fits.
    nbrs = np.split(p.adj.indices, p.adj.indptr[1:-1])
    for s, b in enumerate(p.base.tolist()):
        near = [
            v
            for v in nbrs[b].tolist()
            if reach[s, v] and fixed[v] in (-1, s) and p.unit_group[v] >= 0
        ]
        if not near or p.w[b] >= lo[s] - 1e-9 or fixed[near].max(initial=-1) == s:
            continue
        v = min(near, key=lambda x: p.w[x])
        if p.w[b] + p.w[v] > hi[s] + 1e-9:
            reasons.append(
                f"squad {p.squad_ids[s]}'s zone must hold its base "
                f"{p.unit_label[b]} ({p.w[b]:,.0f} min); alone that is below its "
                f"target {p.target[s]:,.0f} min -{tolerance_text(tol)} "
                f"({lo[s]:,.0f} min), but "
                f"adding even the lightest neighbouring cell ({p.unit_label[v]}, "
                f"{p.w[v]:,.0f} min) brings it to {p.w[b] + p.w[v]:,.0f} min, above "
                f"+{tolerance_text(tol)} ({hi[s]:,.0f} min): cells are too coarse for "
                f"±{tolerance_text(tol)} here (use smaller cells or a wider tolerance)"
            )
    fixed_load = np.bincount(fixed[fixed >= 0], p.w[fixed >= 0], len(p.squad_ids))
    can = fixed_load + np.where(reach & (fixed < 0)[None, :], p.w, 0.0).sum(axis=1)
    nested = f" within its {'片区' if settings.nest else 'connected cells'}"
    if settings.reach_minutes is not None:
        nested += f" and {settings.reach_minutes:g}-minute reach"
    for s, sid in enumerate(p.squad_ids):
        if fixed_load[s] > hi[s] + 1e-9:
            reasons.append(
                f"cells locked to squad {sid} (with its base and islands) already "
                f"carry {fixed_load[s]:,.0f} min, above its target "
                f"{p.target[s]:,.0f} min +{tolerance_text(tol)}"
            )
        if can[s] < lo[s] - 1e-9:
            reasons.append(
                f"squad {sid} can take at most {can[s]:,.0f} min of work{nested}, "
                f"below its target {p.target[s]:,.0f} min -{tolerance_text(tol)}"
            )
    for g, name in enumerate(p.group_names):
        members = np.flatnonzero(p.squad_group == g)
        if settings.nest and len(members) == 1 and reasons:
            s = members[0]
            if any(p.squad_ids[s] in r for r in reasons):
                reasons.append(
                    f"area {name} has 1 squad ({p.squad_ids[s]}), so its whole "
                    "load must fit that squad's zone"
                )
    return reasons


def verify(
    p: Problem, assign: np.ndarray, island_cells: np.ndarray, settings: ZoningSettings
) -> list[str]:
    """Independent check of every rule on the cell-level result."""
    problems: list[str] = []
    m = len(p.squad_ids)
    cell_group = p.unit_group[p.cell_unit]
    missing = (assign < 0) & (cell_group >= 0)
    if missing.any():
        problems.append(f"cells left without a squad: {id_list(p.cell_ids[missing])}")
    ok = contiguous_zones(p.geo.adj, assign, m, island_cells)
    for s in np.flatnonzero(~ok):
        problems.append(f"zone {p.squad_ids[s]} is not contiguous")
    load = np.bincount(assign[assign >= 0], p.cell_w[assign >= 0], m)
    for s in range(m):
        if p.target[s] > 0:
            dev = (load[s] - p.target[s]) / p.target[s]
            tol = settings.tolerance
            if abs(dev) > tol + 1e-6:
                problems.append(
                    f"zone {p.squad_ids[s]} carries {load[s]:,.0f} min, {dev:+.1%} "
                    f"from its target {p.target[s]:,.0f} min (±{tolerance_text(tol)})"
                )
    lock_cell = p.lock[p.cell_unit]
    broken = (lock_cell >= 0) & (assign != lock_cell)
    if broken.any():
        problems.append(f"locked cells moved: {id_list(p.cell_ids[broken])}")
    if settings.reach_minutes is not None:
        n = len(assign)
        t = np.where(assign >= 0, p.geo.travel[np.maximum(assign, 0), np.arange(n)], 0)
        far = (t > settings.reach_minutes + 1e-9) & ~p.unreachable & ~island_cells
        if far.any():
            problems.append(
                f"{int(far.sum())} cells beyond the {settings.reach_minutes:g}-minute "
                f"reach of their base: {id_list(p.cell_ids[far])}"
            )
    return problems
