"""Quick re-zoning after a planner's edits: keep the current zones, reconnect
the ones that were cut, and move border units only out of zones beyond the
tolerance.

Interactive use needs an answer well within a second on a county grid, so
this runs before any CP-SAT model: a piece no detour saves goes to its
neighbours (a big one is named), then zone paths are re-solved to balance,
moving few units.
"""

from __future__ import annotations

import time

import numpy as np

from planning.zoning.bridge import BRIDGE_HELD_STEPS, bridge, off_base
from planning.zoning.graph import piece_labels
from planning.zoning.lns import search_neighbourhoods
from planning.zoning.local_search import repair
from planning.zoning.locks import lock_conflicts, neck_chain
from planning.zoning.problem import (
    Problem,
    Run,
    as_left,
    cells_of,
    id_list,
    is_valid,
    zone_piece_labels,
)

# Re-balancing after a planner's edit gets this long before CP-SAT re-zones.
_QUICK_REBALANCE_SECONDS = 2.5
# ... or this share of the time left, if larger: a cut-off piece handed to a
# neighbour can leave a chain of zones short, which takes longer to drain
_QUICK_REBALANCE_SHARE = 0.3
# a cut-off piece of at least this many units handed to neighbours is told
_HANDOVER_NOTE = 20
# ... and one with at least this share of its zone's target, cut off by the
# planner's locks, is not handed over: the planner is asked instead
_HANDOVER_LIMIT = 0.5


def quick_rezone(
    p: Problem,
    fixed: np.ndarray,
    exempt: np.ndarray,
    tolerance: float,
    deadline: float,
    notes: list[str] | None = None,
) -> tuple[np.ndarray | None, bool, list[str]]:
    """Interactive re-zoning by local search alone: (units, valid,
    conflicts); units are ``None`` when the zones could not be kept whole
    (then CP-SAT solves), unless the planner's own locks conflict: a lock
    cuts another squad's zone at a neck and the cut-off part holds a lock of
    that squad, or most of that zone's work (handing it over would redraw
    much of the county), whether the locks cut it or the ways that join them
    to their own zones do. Then ``conflicts`` says so and units are the
    zones as the planner left them (not contiguous): no solver run helps.

    Keeps every zone as it is, hands pieces cut off from their base (by the
    planner's moves) to a neighbouring zone, then moves border units by
    :func:`repair` only out of zones beyond the tolerance: zones within it
    stay untouched, so few cells move. On a 10k-cell grid with
    50 squads this takes well under a second; when it cannot restore
    balance and contiguity, the CP-SAT attempts run as before.
    """
    m = len(p.squad_ids)
    if ((p.cur < 0) & (p.unit_group >= 0)).mean() > 0.05:
        return None, False, []  # hardly a zoning to repair: let the solver draw one
    units = as_left(p, fixed)
    solid = ~exempt
    # pieces of a zone that no longer reach its base become unassigned
    label = zone_piece_labels(p, units, (units >= 0) & solid)
    home = np.full(label.max() + 1, False)
    home[label[p.base]] = True
    nbrs = np.split(p.adj.indices, p.adj.indptr[1:-1])
    cut = (units >= 0) & solid & ~home[label]
    # one unit of each cut-off piece; a bridge changes the pieces around it,
    # so they are labelled afresh before each
    _, first = np.unique(np.where(cut, label, -1), return_index=True)
    planned, label0, home0 = units.copy(), label, home  # as the planner left it
    every = np.arange(m)
    cutters: dict[int, list[int]] = {}  # zone -> locks whose way back cut it
    for u in first[cut[first]].tolist():
        label = zone_piece_labels(p, units, (units >= 0) & solid)
        if units[u] >= 0 and label[u] != label[p.base[units[u]]]:
            piece = np.flatnonzero(label == label[u])
            locks = piece[fixed[piece] >= 0].tolist()
            off = off_base(p, units, every, exempt)[1] if locks else None
            if bridge(p, units, label, int(label[u]), fixed, exempt, nbrs) and locks:
                lost = off_base(p, units, every, exempt)[1] & ~off
                for z in np.unique(units[lost]).tolist():
                    cutters.setdefault(z, []).extend(locks)
    label = zone_piece_labels(p, units, (units >= 0) & solid)
    home = np.full(label.max() + 1, False)
    home[label[p.base]] = True
    if (units[fixed >= 0] != fixed[fixed >= 0]).any():
        return None, False, []
    astray = (units >= 0) & solid & ~home[label]
    if (astray & (fixed >= 0)).any():
        conflicts = lock_conflicts(p, units, label, home, fixed, astray, nbrs)
        # a lock cut off some other way: leave it to CP-SAT
        return (planned if conflicts else None), False, conflicts
    target = np.where(p.target > 0, p.target, 1.0)
    walled = []
    for lab in np.unique(label[astray]).tolist():
        piece = np.flatnonzero(label == lab)
        a = int(units[piece[0]])
        share = float(p.w[piece].sum() / target[a])
        if share < _HANDOVER_LIMIT:
            continue
        necks = neck_chain(p, units, label, home, fixed, lab, a, nbrs)
        was = label0[piece][~home0[label0[piece]] & (planned[piece] == a)]
        if not necks and len(was):
            # the bridges joining other squads' locks run through this zone's
            # neck now: the locks that cut it off in the first place
            lab0 = int(np.bincount(was).argmax())
            necks = neck_chain(p, planned, label0, home0, fixed, lab0, a, nbrs)
        if not necks and a in cutters:
            # the way that joins other squads' locks to their zones runs
            # through its neck
            ids = cells_of(p, piece)
            taken = list(dict.fromkeys(cutters[a]))
            owners = dict.fromkeys(p.squad_ids[fixed[v]] for v in taken)
            walled.append(
                f"{len(ids)} cells of squad {p.squad_ids[a]}'s zone ({id_list(ids)}, "
                f"{share:.0%} of its target) are cut off from its base by the way "
                f"that joins {', '.join(p.unit_label[v] for v in taken)}, locked "
                f"to other squads ({', '.join(owners)}), to their zones: no detour "
                f"of up to {BRIDGE_HELD_STEPS} cells avoids it; unlock it or them, "
                "or lock a way through"
            )
        elif necks:
            # most of a zone's work cut off its base by the planner's locks:
            # handing it over would redraw much of the county; ask instead
            ids = cells_of(p, piece)
            owners = [p.squad_ids[units[v]] for v in necks]
            walled.append(
                f"{len(ids)} cells of squad {p.squad_ids[a]}'s zone ({id_list(ids)}, "
                f"{share:.0%} of its target) are cut off from its base by "
                f"{', '.join(p.unit_label[v] for v in necks)}, locked to other "
                f"squads ({', '.join(dict.fromkeys(owners))}): no detour of up to "
                f"{BRIDGE_HELD_STEPS} cells joins them again without cutting off "
                "more; unlock it or them, or lock a way through"
            )
    if walled:
        return planned, False, walled
    for lab in np.unique(label[astray]).tolist():
        piece = np.flatnonzero(label == lab)
        if notes is not None and len(piece) >= _HANDOVER_NOTE:
            ids = cells_of(p, piece)
            notes.append(
                f"{len(ids)} cells of squad {p.squad_ids[units[piece[0]]]}'s zone "
                f"({id_list(ids)}) were cut off from its base by the changes; no "
                f"detour of up to {BRIDGE_HELD_STEPS} cells joins them again "
                "without cutting off more, so they went to neighbouring zones"
            )
    units[astray] = -1
    # attach unassigned units to the least loaded permitted neighbour zone
    got = units >= 0
    load = np.bincount(units[got], p.w[got], m)
    todo = set(np.flatnonzero((units < 0) & (p.unit_group >= 0)).tolist())
    while todo:
        progress = False
        for u in sorted(todo):
            zs = {int(units[v]) for v in nbrs[u] if units[v] >= 0 and solid[v]}
            zs = [z for z in zs if p.allowed[z, u]]
            if zs:
                z = min(zs, key=lambda s: (load[s] / target[s], s))
                units[u] = z
                load[z] += p.w[u]
                todo.discard(u)
                progress = True
        if not progress:
            return None, False, []
    # zones already at the band edge (as compact zonings are) stay put
    aim = tolerance * (1 - 1e-6)
    units = repair(p, fixed, exempt, units, aim, aim, None, deadline)
    if is_valid(p, units, tolerance, exempt):
        return units, True, []
    whole = int(piece_labels(p.adj, units, m, exempt).max(initial=0)) <= 1
    return (units if whole else None), False, []  # whole: only out of balance


def quick_rebalance(run: Run, start: np.ndarray) -> np.ndarray | None:
    """Second interactive try when single border moves left zones whole but
    out of balance (compact zonings sit at the band's edge, so the work of
    a move has nowhere to go next door): re-solve short paths of adjacent
    zones (:func:`search_neighbourhoods`, balance only) for a few seconds
    before the whole county goes to CP-SAT."""
    p = run.problem
    now = time.monotonic()
    left = run.deadline - now
    stop = now + min(left, max(_QUICK_REBALANCE_SECONDS, _QUICK_REBALANCE_SHARE * left))
    stay = np.where(p.cur >= 0, p.cur, start)
    units = search_neighbourhoods(
        run, start, stop, balance_only=True, spread=False, stay=stay
    )
    return units if is_valid(p, units, run.settings.tolerance, run.exempt) else None
