"""The directed road graph: snapping, matrices and path geometry.

Minutes and metres live in ``scipy.sparse`` CSR matrices and every search is
``scipy.sparse.csgraph.dijkstra`` (C, with ``limit`` for reach), which runs
20x and more faster than networkx on the same graph (benchmarks/roads.py).

Points join the network where a car may stop: the nearest segment whose
class is not in the policy's ``no_stop`` list (motorways, their links). A
point becomes a node inserted into that segment, so two points on one
street find the direct way between them, and one-way rules hold up to the
door. The *access leg* from the point to the road is the straight line at
the policy's ``access_speed_kmh`` (15 km/h by default): that last stretch
runs through yards and lanes no road layer has, so the road's speed would
flatter it; its metres count in the kilometres.

Speed comes from searching little: points are snapped by a k-d tree with
a proof of exactness (:mod:`planning.roads.snapping`) and remembered per
point set; cells x bases searches once per base and reads each cell off its
segment's two ends; a team-day's searches run on the few thousand nodes
that can lie on a quickest way between its stops (:meth:`RoadGraph._exact`).
Every shortcut is exact: results equal networkx's on the same graph
(tests/test_roads.py).

Unreachable pairs are ``inf`` (never a large number) and
:meth:`RoadMatrix.reason` says why.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, fields

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely import ops

from planning.roads.attributes import RoadPolicy
from planning.roads.snapping import PieceSnapper
from planning.roads.topology import Network

__all__ = ["RoadGraph", "RoadMatrix", "Snap", "UNREACHABLE_REASONS"]

SNAPS_KEPT = 8  # point sets whose snapping is remembered
BOX_MARGIN_SHARE = 0.4  # team-day searches: box around the points, this much
BOX_MARGIN_MIN_M = 1000.0  # of its diagonal wider, at least this many metres
SPREAD = 0.8  # targets this far out of the hub's reach: search without radii
NODE_M = 1e-3  # metres: a point this close to a segment's end is its junction
READ_ROWS = 4096  # cells x bases read-off: rows per cache-sized block
EPS_MIN = 1e-9  # minutes added to each edge so that zero-length edges exist
REACHABLE, NO_ROAD, OTHER_PART, ONE_WAY = 0, 1, 2, 3
UNREACHABLE_REASONS = {
    "zh_CN": {
        NO_ROAD: "附近没有可停车的道路",
        OTHER_PART: "两点位于互不相连的路网部分",
        ONE_WAY: "单行线使该方向无路可达",
    },
    "en": {
        NO_ROAD: "no road a vehicle may stop on near the point",
        OTHER_PART: "the points lie on parts of the network that do not connect",
        ONE_WAY: "one-way streets leave no way in this direction",
    },
}


@dataclass(frozen=True)
class Snap:
    """Where points join the network: segment, metres along it, access leg."""

    segment: np.ndarray
    along: np.ndarray
    access_m: np.ndarray
    xy: np.ndarray
    point_xy: np.ndarray


@dataclass(frozen=True)
class RoadMatrix:
    """Minutes and metres between origins and destinations by road.

    ``code`` is 0 where reachable, else the reason code rendered by
    :meth:`reason` (``UNREACHABLE_REASONS``).
    """

    minutes: np.ndarray
    metres: np.ndarray
    code: np.ndarray

    def reason(self, i: int, j: int, lang: str = "zh_CN") -> str | None:
        """Why origin ``i`` cannot reach destination ``j`` (None if it can)."""
        code = int(self.code[i, j])
        if code == REACHABLE:
            return None
        return UNREACHABLE_REASONS[lang if lang == "en" else "zh_CN"][code]


@dataclass
class _Aug:
    """A CSR graph with points inserted as extra nodes."""

    graph: csr_matrix
    metres: np.ndarray  # aligned with graph.data
    seg: np.ndarray  # source segment per stored edge
    t0: np.ndarray
    t1: np.ndarray
    point_node: np.ndarray
    keys: np.ndarray  # src * n + dst of each stored edge, sorted
    xy: np.ndarray  # node coordinates, inserted points on their road


def _subset(snap: Snap, index: np.ndarray) -> Snap:
    """The snapping of the points ``index`` alone."""
    return Snap(*(getattr(snap, f.name)[index] for f in fields(Snap)))


def _join(a: Snap, b: Snap) -> Snap:
    """The snappings of two point sets, one after the other."""
    return Snap(*(np.r_[getattr(a, f.name), getattr(b, f.name)] for f in fields(Snap)))


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) with ``a[i] == b[j]`` (1-D keys), found by sorting
    instead of comparing all n x m pairs (50,000 cells x 50 bases)."""
    order = np.argsort(b, kind="stable")
    lo = np.searchsorted(b[order], a, side="left")
    count = np.searchsorted(b[order], a, side="right") - lo
    i = np.repeat(np.arange(len(a)), count)
    k = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    return i, order[np.repeat(lo, count) + k]


def _same_points(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) with ``a[i] == b[j]`` (points ``(n, 2)``)."""
    i, j = _pairs(a[:, 0], b[:, 0])
    same = a[i, 1] == b[j, 1]
    return i[same], j[same]


class RoadGraph:
    """Directed graph of a :class:`~planning.roads.topology.Network`.

    Parameters
    ----------
    network
        Noded segments (metric CRS) with ``oneway`` (1 with the drawing
        direction, -1 against it, 0 both), ``speed_kmh`` and ``stop``.
    policy
        Supplies the access-leg speed.
    """

    def __init__(self, network: Network, policy: RoadPolicy | None = None):
        self.network = network
        self.policy = policy or RoadPolicy()
        seg = network.segments
        self.crs = network.crs
        self.n_nodes = len(network.node_xy)
        self.geoms = seg.geometry.to_numpy()
        self.u = seg["u"].to_numpy(np.int64)
        self.v = seg["v"].to_numpy(np.int64)
        self.length = seg["length_m"].to_numpy(float)
        self.speed = seg["speed_kmh"].to_numpy(float)
        self.oneway = seg["oneway"].to_numpy(np.int64)
        self.stop = seg["stop"].to_numpy(bool)
        self.m_per_min = self.speed * 1000.0 / 60.0
        self.access_m_per_min = self.policy.access_speed_kmh * 1000.0 / 60.0
        fwd = self.oneway >= 0
        bwd = self.oneway <= 0
        ids = np.arange(len(seg))
        self._base = (
            np.r_[self.u[fwd], self.v[bwd]],
            np.r_[self.v[fwd], self.u[bwd]],
            np.r_[ids[fwd], ids[bwd]],
            np.r_[np.zeros(fwd.sum()), self.length[bwd]],
            np.r_[self.length[fwd], np.zeros(bwd.sum())],
        )
        directed = csr_matrix(
            (np.ones(len(self._base[0])), (self._base[0], self._base[1])),
            shape=(self.n_nodes, self.n_nodes),
        )
        _, self.weak = connected_components(directed, directed=False)
        _, self.strong = connected_components(
            directed, directed=True, connection="strong"
        )
        stoppable = np.flatnonzero(self.stop)
        self._stoppable = stoppable
        self._snapper = PieceSnapper(self.geoms[stoppable]) if len(stoppable) else None
        self._snaps: OrderedDict[bytes, Snap] = OrderedDict()
        self._sorted_base = self._dedupe(*self._base)

    # --- snapping -------------------------------------------------------------

    def snap(self, xy: np.ndarray) -> Snap:
        """Join points (``(n, 2)`` metres) to their nearest stoppable segment.

        The last few point sets are remembered: zoning, reach and the
        summary ask for the same cell centres again and again.
        """
        xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
        key = hashlib.blake2b(xy.tobytes(), digest_size=16).digest()
        if key in self._snaps:
            self._snaps.move_to_end(key)
            return self._snaps[key]
        n = len(xy)
        if self._snapper is None or n == 0:
            nan = np.full(n, np.nan)
            return Snap(np.full(n, -1), nan, nan, np.full((n, 2), np.nan), xy)
        pos, along, access, on = self._snapper.nearest(xy)
        seg = np.where(pos >= 0, self._stoppable[np.maximum(pos, 0)], -1)
        result = Snap(seg, along, access, on, xy)
        self._snaps[key] = result
        if len(self._snaps) > SNAPS_KEPT:
            self._snaps.popitem(last=False)
        return result

    # --- graphs with points inserted ----------------------------------------

    def _augment(self, snap: Snap) -> _Aug:
        """The base graph plus each snapped point as a node inside its segment."""
        n0 = self.n_nodes
        ok = snap.segment >= 0
        seg_all = np.maximum(snap.segment, 0)
        t_all = np.clip(np.nan_to_num(snap.along), 0.0, self.length[seg_all])
        # a point at a segment's end is that junction, whatever the one-ways
        at_u = ok & (t_all <= NODE_M)
        at_v = ok & ~at_u & (t_all >= self.length[seg_all] - NODE_M)
        inner = ok & ~at_u & ~at_v
        pid = np.flatnonzero(inner)
        s = snap.segment[inner]
        t = t_all[inner]
        order = np.lexsort((t, s))
        pid, s, t = pid[order], s[order], t[order]
        node = n0 + pid
        first = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, bool)
        last = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, bool)
        prev_node = np.where(first, self.u[s], np.r_[0, node[:-1]])
        prev_t = np.where(first, 0.0, np.r_[0.0, t[:-1]])
        # chain pieces: prev -> point, and the last point -> v
        a = np.r_[prev_node, node[last]]
        b = np.r_[node, self.v[s[last]]]
        ps = np.r_[s, s[last]]
        ta = np.r_[prev_t, t[last]]
        tb = np.r_[t, self.length[s[last]]]
        ow = self.oneway[ps]
        fwd, bwd = ow >= 0, ow <= 0
        n = n0 + len(snap.segment)
        new = self._dedupe(
            np.r_[a[fwd], b[bwd]],
            np.r_[b[fwd], a[bwd]],
            np.r_[ps[fwd], ps[bwd]],
            np.r_[ta[fwd], tb[bwd]],
            np.r_[tb[fwd], ta[bwd]],
        )
        base = self._sorted_base
        # every new edge has a point at one end, so no key is in both lists:
        # merge the two sorted lists instead of sorting them again
        base_keys = base[0] * n + base[1]
        new_keys = new[0] * n + new[1]
        at = np.searchsorted(base_keys, new_keys) + np.arange(len(new_keys))
        is_new = np.zeros(len(base_keys) + len(new_keys), dtype=bool)
        is_new[at] = True
        merged = []
        for old_x, new_x in zip((*base, base_keys), (*new, new_keys), strict=True):
            x = np.empty(len(is_new), dtype=np.result_type(old_x, new_x))
            x[is_new] = new_x
            x[~is_new] = old_x
            merged.append(x)
        src, dst, seg, t0, t1, metres, minutes, keys = merged
        indptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))]
        graph = csr_matrix((minutes, dst, indptr), shape=(n, n))
        point_node = np.where(ok, n0 + np.arange(len(ok)), -1)
        point_node[at_u] = self.u[seg_all[at_u]]
        point_node[at_v] = self.v[seg_all[at_v]]
        xy = np.r_[self.network.node_xy, np.nan_to_num(snap.xy)]
        return _Aug(graph, metres, seg, t0, t1, point_node, keys, xy)

    def _dedupe(self, src, dst, seg, t0, t1) -> tuple[np.ndarray, ...]:
        """Edges sorted by (src, dst), the quickest of parallel ones kept;
        returns them with their metres and minutes."""
        metres = np.abs(t1 - t0)
        minutes = metres / self.m_per_min[seg] + EPS_MIN
        order = np.lexsort((minutes, dst, src))
        cols = [x[order] for x in (src, dst, seg, t0, t1, metres, minutes)]
        src, dst = cols[0], cols[1]
        keep = np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])][: len(src)]
        return tuple(x[keep] for x in cols)

    @staticmethod
    def _edge_index(aug: _Aug, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Stored-edge positions of the edges ``a -> b`` (they exist)."""
        return np.searchsorted(aug.keys, a * aug.graph.shape[0] + b)

    def _search(
        self,
        aug: _Aug,
        graph: csr_matrix,
        sources: np.ndarray,
        targets: np.ndarray,
        reverse: bool,
        metres: bool,
        limit: float | np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and metres sources x targets, searched in memory-sized chunks.

        Metres come from the predecessor tree: chains walked back from a
        few targets, or pointer jumping over the whole tree for many.
        """
        n = graph.shape[0]
        rows = max(1, int(4e6 // n))
        radius = np.broadcast_to(np.asarray(limit, dtype=float), (len(sources),))
        order = np.argsort(radius, kind="stable")  # like radii share a chunk
        out_min = np.full((len(sources), len(targets)), np.inf)
        out_m = np.full(out_min.shape, np.nan)
        for lo in range(0, len(sources), rows):
            pos = order[lo : lo + rows]
            src = sources[pos]
            reach = float(radius[pos].max())
            if not metres:
                out_min[pos] = dijkstra(graph, indices=src, limit=reach)[:, targets]
                continue
            dist, pred = dijkstra(
                graph, indices=src, return_predecessors=True, limit=reach
            )
            block = dist[:, targets]
            out_min[pos] = block
            if len(targets) * 50 < n:
                acc = self._walk(aug, pred, src, targets, block, reverse)
            else:
                acc = self._jump(aug, pred, reverse)[:, targets]
            acc[~np.isfinite(block)] = np.inf
            out_m[pos] = acc
        return out_min, out_m

    def _walk(self, aug, pred, src, targets, block, reverse) -> np.ndarray:
        """Metres to a few targets: follow their predecessor chains a step
        at a time, all chains of the chunk together."""
        cur = np.broadcast_to(targets, block.shape).copy()
        acc = np.zeros(block.shape)
        r, c = np.nonzero(np.isfinite(block) & (cur != src[:, None]))
        while len(r):
            x = cur[r, c]
            p = pred[r, x]
            if reverse:  # searched on the reversed graph: the edge is x -> p
                idx = self._edge_index(aug, x, p)
            else:
                idx = self._edge_index(aug, p, x)
            acc[r, c] += aug.metres[idx]
            cur[r, c] = p
            go = p != src[r]
            r, c = r[go], c[go]
        return acc

    def _jump(self, aug, pred, reverse) -> np.ndarray:
        """Metres to every node by pointer jumping on the predecessor tree:
        about log2(depth) whole-array steps, for when most nodes are wanted."""
        n_rows, n = pred.shape
        has = pred >= 0
        r, x = np.nonzero(has)
        p = pred[r, x]
        if reverse:
            idx = self._edge_index(aug, x, p)
        else:
            idx = self._edge_index(aug, p, x)
        flat = np.arange(n_rows)[:, None] * n
        dist = np.zeros(n_rows * n)
        dist[r * n + x] = aug.metres[idx]
        anc = (np.where(has, pred, np.arange(n)[None, :]) + flat).ravel()
        while True:
            up = anc[anc]
            dist += dist[anc]
            if np.array_equal(up, anc):
                return dist.reshape(n_rows, n)
            anc = up

    @staticmethod
    def _hub(graph: csr_matrix, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Minutes from a hub among the sources to every node, and back."""
        hub = sources[len(sources) // 2]
        out = dijkstra(graph, indices=hub)
        back = dijkstra(graph.T.tocsr(), indices=hub)
        return out, back

    def _from_few(
        self, aug: _Aug, graph: csr_matrix, sources: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        """Minutes from each of a few sources to every node, exact at
        ``targets``.

        One search comes first from a hub h among the sources, and is the
        hub's row. For source i and target j, d(i, j) <= d(i, h) + d(h, j),
        so a radius of ``d(i, h) + max_j d(h, j)`` misses no target
        reachable through the hub; a target the hub cannot reach is out of
        reach of every source the hub reaches (else the hub would reach it
        through that source), so only sources the hub does not reach search
        again without a radius (:meth:`_recheck`). When the targets lie
        nearly as far from the hub as anything it reaches (cells spread
        over the county), such radii would hold the whole graph: the other
        sources then search without one, in one call, and the search back
        to the hub is saved.
        """
        if len(sources) < 8:
            return dijkstra(graph, indices=sources)
        h = len(sources) // 2
        out = dijkstra(graph, indices=sources[h])
        ends = out[targets]
        far = ends[np.isfinite(ends)].max(initial=-np.inf)
        rest = np.delete(np.arange(len(sources)), h)
        rows = np.empty((len(sources), graph.shape[0]))
        rows[h] = out
        if far >= SPREAD * out[np.isfinite(out)].max(initial=0.0):
            rows[rest] = dijkstra(graph, indices=sources[rest])
            return rows
        back = dijkstra(graph.T.tocsr(), indices=sources[h])
        radius = back[sources[rest]] + far
        every = np.arange(graph.shape[0])
        part = self._search(aug, graph, sources[rest], every, False, False, radius)[0]
        self._recheck(aug, graph, sources[rest], every, radius, part, out)
        rows[rest] = part
        return rows

    def _recheck(
        self,
        aug: _Aug,
        graph: csr_matrix,
        sources: np.ndarray,
        targets: np.ndarray,
        radius: np.ndarray,
        block: np.ndarray,
        hub_out: np.ndarray,
    ) -> None:
        """Search again, without a radius, the sources whose misses the hub
        bound of :meth:`_from_few` does not prove (minutes only);
        ``hub_out`` are the minutes from the hub."""
        missed = np.isinf(block).any(axis=1) & np.isfinite(radius)
        if not missed.any():
            return
        again = np.flatnonzero(missed & np.isinf(hub_out[sources]))
        if len(again):
            block[again] = self._search(
                aug, graph, sources[again], targets, False, False, np.inf
            )[0]

    @staticmethod
    def _subgraph(aug: _Aug, keep: np.ndarray) -> tuple[_Aug, np.ndarray]:
        """The nodes ``keep`` and the edges between them, renumbered in
        order (so the edge keys stay sorted); also the new id of each node."""
        g = aug.graph
        n = g.shape[0]
        src = np.repeat(np.arange(n), np.diff(g.indptr))
        e = keep[src] & keep[g.indices]
        new_id = np.cumsum(keep) - 1
        m = int(keep.sum())
        s2, d2 = new_id[src[e]], new_id[g.indices[e]]
        indptr = np.r_[0, np.cumsum(np.bincount(s2, minlength=m))]
        graph = csr_matrix((g.data[e], d2, indptr), shape=(m, m))
        pn = aug.point_node
        inside = (pn >= 0) & keep[np.maximum(pn, 0)]
        point_node = np.where(inside, new_id[np.maximum(pn, 0)], -1)
        sub = _Aug(
            graph,
            aug.metres[e],
            aug.seg[e],
            aug.t0[e],
            aug.t1[e],
            point_node,
            s2 * m + d2,
            aug.xy[keep],
        )
        return sub, new_id

    def _exact(
        self,
        aug: _Aug,
        sources: np.ndarray,
        targets: np.ndarray,
        reverse: bool,
        metres: bool,
        boxed: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes (and metres) sources x targets, searched on as small a
        graph as is provably exact.

        First on the nodes near the points' bounding box (:meth:`_boxed`),
        which proves most pairs of a team-day; the rows, or the columns if
        fewer, holding a pair it cannot prove are searched again
        (``boxed=False``) on the nodes that can lie on a quickest way, by a
        hub: with a hub h among the sources, every node v on a quickest way
        from source i to target j has d(h,v) + d(v,h) <= rt(i) + rt(j),
        where rt(x) = d(h,x) + d(x,h) is the round trip through the hub (the
        triangle inequality twice, and d(i,j) <= d(i,h) + d(h,j)). So those
        searches run on the nodes within ``max rt(i) + max rt(j)`` of round
        trip, each within its hub radius (:meth:`_from_few`). Points the hub
        cannot go to and come back from are searched on the whole graph:
        their rows forward, their columns backward. Fewer than eight
        sources are searched plainly.
        """
        if boxed and len(sources) >= 8:
            return self._box_then_ball(aug, sources, targets, reverse, metres)
        fwd = aug.graph
        bwd = fwd.T.tocsr()
        graph, other = (bwd, fwd) if reverse else (fwd, bwd)
        if len(sources) < 8:
            return self._search(aug, graph, sources, targets, reverse, metres, np.inf)
        out, back = self._hub(graph, sources)
        rt = out + back
        good_s = np.flatnonzero(np.isfinite(rt[sources]))
        good_t = np.flatnonzero(np.isfinite(rt[targets]))
        block = np.full((len(sources), len(targets)), np.inf)
        mblock = np.full(block.shape, np.nan)
        if len(good_s) and len(good_t):
            s, t = sources[good_s], targets[good_t]
            sub, new_id = self._subgraph(aug, rt <= rt[s].max() + rt[t].max())
            sgraph = sub.graph.T.tocsr() if reverse else sub.graph
            radius = back[s] + out[t].max()
            b, m = self._search(
                sub, sgraph, new_id[s], new_id[t], reverse, metres, radius
            )
            block[np.ix_(good_s, good_t)] = b
            mblock[np.ix_(good_s, good_t)] = m
        bad_s = np.setdiff1d(np.arange(len(sources)), good_s)
        if len(bad_s):
            b, m = self._search(
                aug, graph, sources[bad_s], targets, reverse, metres, np.inf
            )
            block[bad_s], mblock[bad_s] = b, m
        bad_t = np.setdiff1d(np.arange(len(targets)), good_t)
        if len(bad_t):
            b, m = self._search(
                aug, other, targets[bad_t], sources, not reverse, metres, np.inf
            )
            block[:, bad_t], mblock[:, bad_t] = b.T, m.T
        return block, mblock

    def _box_then_ball(
        self, aug: _Aug, sources, targets, reverse: bool, metres: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_boxed`, then the hub's ball for what the box cannot prove."""
        block, mblock, proven = self._boxed(aug, sources, targets, reverse, metres)
        rows = np.flatnonzero(~proven.all(axis=1))
        cols = np.flatnonzero(~proven.all(axis=0))
        if len(rows) and len(rows) <= len(cols):
            b, m = self._exact(aug, sources[rows], targets, reverse, metres, False)
            block[rows], mblock[rows] = b, m
        elif len(cols):
            b, m = self._exact(aug, targets[cols], sources, not reverse, metres, False)
            block[:, cols], mblock[:, cols] = b.T, m.T
        return block, mblock

    def _boxed(
        self,
        aug: _Aug,
        s: np.ndarray,
        t: np.ndarray,
        reverse: bool,
        metres: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Searches on the nodes near the points' bounding box, and which
        results are proven the quickest way.

        A way that leaves the box from i to j passes a node w outside it,
        so it is at least |i - w| + |w - j| metres long (no road is shorter
        than the straight line), hence at least the distance from i to j
        mirrored in the nearest box side, and takes at least that over the
        top speed. A box result within that bound is the quickest way.
        """
        every = np.r_[s, t]
        lo, hi = aug.xy[every].min(axis=0), aug.xy[every].max(axis=0)
        margin = max(BOX_MARGIN_MIN_M, BOX_MARGIN_SHARE * float(np.hypot(*(hi - lo))))
        lo, hi = lo - margin, hi + margin
        inside = np.all((aug.xy >= lo) & (aug.xy <= hi), axis=1)
        sub, new_id = self._subgraph(aug, inside)
        sgraph = sub.graph.T.tocsr() if reverse else sub.graph
        block, mblock = self._search(
            sub, sgraph, new_id[s], new_id[t], reverse, metres, np.inf
        )
        pi, pj = aug.xy[s][:, None, :], aug.xy[t][None, :, :]
        bound = np.full(block.shape, np.inf)
        for axis in (0, 1):
            for wall in (lo[axis], hi[axis]):
                mirrored = pj.copy()
                mirrored[..., axis] = 2 * wall - pj[..., axis]
                bound = np.minimum(bound, np.linalg.norm(pi - mirrored, axis=2))
        if inside.all():  # the box holds the whole graph: nothing to prove
            return block, mblock, np.ones(block.shape, dtype=bool)
        return block, mblock, block <= bound / self.m_per_min.max()

    # --- matrices -------------------------------------------------------------

    def matrix(
        self, origins: np.ndarray, destinations: np.ndarray, metres: bool = True
    ) -> RoadMatrix:
        """Minutes (and metres along the quickest way) origins x destinations.

        Searches start from the smaller side: from the origins on the graph,
        or from the destinations on the reversed graph, so cells x bases
        costs one search per base either way, within the radius of
        :meth:`_from_few`. ``metres=False`` skips the kilometres (zoning and
        reach need minutes only).
        """
        origins = np.asarray(origins, float).reshape(-1, 2)
        destinations = np.asarray(destinations, float).reshape(-1, 2)
        no, nd = len(origins), len(destinations)
        # each side snapped (and remembered) on its own: zoning, reach and
        # the summary pair the same cells with different points
        snap = _join(self.snap(origins), self.snap(destinations))
        access_min = snap.access_m / self.access_m_per_min
        from_origins = no <= nd
        n_small, n_big = (no, nd) if from_origins else (nd, no)
        if not metres and n_big > 4 * n_small:
            minutes = self._many_minutes(snap, no, from_origins, access_min)
            # a point onto itself costs nothing, even off the road
            i, j = _same_points(origins, destinations)
            minutes[i, j] = 0.0
            off = snap.segment < 0
            minutes[off[:no]] = np.inf
            minutes[:, off[no:]] = np.inf
            code = self._codes(snap, no, minutes)
            # metres: not computed (NaN), none to go (0) or no way (inf)
            dist_m = np.where(code != REACHABLE, np.inf, np.nan)
            dist_m[i, j] = np.where(code[i, j] != REACHABLE, np.inf, 0.0)
            return RoadMatrix(minutes, dist_m, code)
        minutes, dist_m = self._inserted(snap, no, from_origins, metres)
        minutes += access_min[:no, None]
        minutes += access_min[None, no:]
        if metres:  # without metres they stay NaN whatever is added
            dist_m += snap.access_m[:no, None]
            dist_m += snap.access_m[None, no:]
        i, j = _same_points(origins, destinations)
        minutes[i, j] = dist_m[i, j] = 0.0
        code = self._codes(snap, no, minutes)
        bad = code != REACHABLE
        minutes[bad] = np.inf
        dist_m[bad] = np.inf
        return RoadMatrix(minutes, dist_m, code)

    def _inserted(
        self, snap: Snap, no: int, from_origins: bool, metres: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every point a node of the graph: exact paths, metres if asked."""
        nd = len(snap.segment) - no
        aug = self._augment(snap)
        nodes = aug.point_node
        o_nodes, d_nodes = nodes[:no], nodes[no:]
        minutes = np.full((no, nd), np.inf)
        dist_m = np.full((no, nd), np.inf)
        sources = o_nodes if from_origins else d_nodes
        targets = d_nodes if from_origins else o_nodes
        ok_src = np.flatnonzero(sources >= 0)
        ok_tgt = np.flatnonzero(targets >= 0)
        if len(ok_src) and len(ok_tgt):
            s, t = sources[ok_src], targets[ok_tgt]
            block, mblock = self._exact(aug, s, t, not from_origins, metres)
            if from_origins:
                minutes[np.ix_(ok_src, ok_tgt)] = block
                dist_m[np.ix_(ok_src, ok_tgt)] = mblock
            else:
                minutes[np.ix_(ok_tgt, ok_src)] = block.T
                dist_m[np.ix_(ok_tgt, ok_src)] = mblock.T
        return minutes, dist_m

    def _many_minutes(
        self, snap: Snap, no: int, from_origins: bool, access_min: np.ndarray
    ) -> np.ndarray:
        """Minutes few x many, access legs included, without making the
        many points nodes.

        Only the few (bases) are inserted, so the searches' rows are as
        long as the network. A point of the many sits at ``along`` on its
        segment, so its time is the best of entering from either end the
        one-way rules allow, read off the junction times of one search per
        base, and, on a base's own segment, of going straight along it
        (every other way passes an end). The read-off runs one row per
        point of the many (a row of the few's minutes each), so every step
        reads and writes contiguous memory; an end a point cannot come in
        by costs ``inf`` in its offset rather than a masked write.
        """
        n_all = len(snap.segment)
        few = np.arange(no) if from_origins else np.arange(no, n_all)
        many = np.arange(no, n_all) if from_origins else np.arange(no)
        aug = self._augment(_subset(snap, few))
        graph = aug.graph if from_origins else aug.graph.T.tocsr()
        ok_src = np.flatnonzero(aug.point_node >= 0)
        seg = snap.segment[many]
        on = seg >= 0
        if len(ok_src) == 0 or not on.any():
            out = np.full((len(many), len(few)), np.inf)
            return out.T if from_origins else out
        s_ = np.maximum(seg, 0)
        t_ = np.clip(np.nan_to_num(snap.along[many]), 0.0, self.length[s_])
        ends = np.r_[self.u[s_[on]], self.v[s_[on]]]
        dist = self._from_few(aug, graph, aug.point_node[ok_src], ends)
        by_node = np.ascontiguousarray(dist[:, : self.n_nodes].T)  # a row per node
        by_node += access_min[few[ok_src]]
        spd = self.m_per_min[s_]
        at_u = t_ <= NODE_M  # a point at a junction is the junction
        at_v = ~at_u & (t_ >= self.length[s_] - NODE_M)
        fwd = self.oneway[s_] >= 0
        bwd = self.oneway[s_] <= 0
        # base -> point comes in from u (forward) or v; point -> base
        # leaves towards v (forward) or u
        from_u = ((fwd if from_origins else bwd) | at_u) & on
        from_v = ((bwd if from_origins else fwd) | at_v) & on
        acc = access_min[many]
        best = by_node[self.u[s_]]
        best += np.where(from_u, t_ / spd + acc, np.inf)[:, None]
        off_v = np.where(from_v, (self.length[s_] - t_) / spd + acc, np.inf)
        v = self.v[s_]
        for lo in range(0, len(many), READ_ROWS):  # a cache-sized block at a time
            via_v = by_node[v[lo : lo + READ_ROWS]]
            via_v += off_v[lo : lo + READ_ROWS, None]
            np.minimum(best[lo : lo + READ_ROWS], via_v, out=best[lo : lo + READ_ROWS])
        self._along_own_segment(snap, few[ok_src], many, from_origins, best, access_min)
        if len(ok_src) < len(few):  # bases off every road reach nothing
            out = np.full((len(many), len(few)), np.inf)
            out[:, ok_src] = best
            best = out
        return best.T if from_origins else best

    def _along_own_segment(
        self,
        snap: Snap,
        few: np.ndarray,
        many: np.ndarray,
        from_origins: bool,
        best: np.ndarray,
        access_min: np.ndarray,
    ) -> None:
        """Lower ``best`` (many x few, access legs included) where a point of
        the many may drive straight along its segment to or from a base on
        the same segment."""
        few_seg = snap.segment[few]
        i, j = _pairs(snap.segment[many], few_seg)
        if len(i) == 0:
            return
        s = few_seg[j]
        t_many = np.clip(np.nan_to_num(snap.along[many[i]]), 0.0, self.length[s])
        t_few = np.clip(np.nan_to_num(snap.along[few[j]]), 0.0, self.length[s])
        # driving with the drawing direction: base -> point ahead of it,
        # or point -> base ahead of it
        ahead = t_many - t_few if from_origins else t_few - t_many
        ow = self.oneway[s]
        ok = ((ahead >= 0) & (ow >= 0)) | ((ahead <= 0) & (ow <= 0))
        i, j = i[ok], j[ok]
        straight = np.abs(ahead[ok]) / self.m_per_min[s[ok]] + EPS_MIN
        straight += access_min[many[i]] + access_min[few[j]]
        best[i, j] = np.minimum(best[i, j], straight)

    def _codes(self, snap: Snap, no: int, minutes: np.ndarray) -> np.ndarray:
        """Reason codes: whole-matrix passes of one byte a pair (a cells x
        bases matrix may hold a million unreachable pairs on a network of
        islands, too many to judge one by one)."""
        seg = snap.segment
        comp = np.where(seg >= 0, self.weak[self.u[np.maximum(seg, 0)]], -1)
        co, cd = comp[:no], comp[no:]
        other = co[:, None] != cd[None, :]
        code = np.where(other, np.int8(OTHER_PART), np.int8(ONE_WAY))
        code *= ~np.isfinite(minutes)
        code[co < 0] = NO_ROAD
        code[:, cd < 0] = NO_ROAD
        return code

    def reach_minutes(self, origins: np.ndarray, limit: float) -> np.ndarray:
        """Minutes from each origin to every base node, ``inf`` past ``limit``."""
        snap = self.snap(origins)
        aug = self._augment(snap)
        ok = aug.point_node >= 0
        out = np.full((len(origins), self.n_nodes), np.inf)
        if ok.any():
            acc = snap.access_m[ok] / self.access_m_per_min
            dist = dijkstra(
                aug.graph,
                indices=aug.point_node[ok],
                limit=limit,
            )[:, : self.n_nodes]
            out[ok] = dist + acc[:, None]
        out[out > limit] = np.inf
        return out

    # --- path geometry ----------------------------------------------------------

    def route(self, stops: np.ndarray) -> list[tuple[shapely.LineString, float, float]]:
        """Road polyline, minutes and metres of each leg between consecutive stops.

        Each polyline starts at the stop, runs its access leg to the road,
        follows the quickest road path and ends with the next stop's access
        leg. An unreachable leg is the straight line with ``inf`` figures.
        """
        stops = np.asarray(stops, float).reshape(-1, 2)
        snap = self.snap(stops)
        aug = self._augment(snap)
        nodes = aug.point_node
        out = []
        for k in range(len(stops) - 1):
            a, b = nodes[k], nodes[k + 1]
            if np.all(stops[k] == stops[k + 1]):
                out.append((shapely.LineString([stops[k], stops[k]]), 0.0, 0.0))
                continue
            if a < 0 or b < 0:
                out.append((shapely.LineString(stops[k : k + 2]), np.inf, np.inf))
                continue
            dist, pred = dijkstra(aug.graph, indices=a, return_predecessors=True)
            if not np.isfinite(dist[b]):
                out.append((shapely.LineString(stops[k : k + 2]), np.inf, np.inf))
                continue
            chain = [b]
            while chain[-1] != a:
                chain.append(pred[chain[-1]])
            chain = np.array(chain[::-1])
            idx = self._edge_index(aug, chain[:-1], chain[1:])
            coords = [stops[k], snap.xy[k]]
            for e in idx:
                piece = ops.substring(
                    self.geoms[aug.seg[e]], float(aug.t0[e]), float(aug.t1[e])
                )
                coords.extend(shapely.get_coordinates(piece))
            coords += [snap.xy[k + 1], stops[k + 1]]
            xy = np.array(coords)
            keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
            xy = xy[keep]
            if len(xy) < 2:
                xy = np.vstack([xy, xy])
            metres = float(
                aug.metres[idx].sum() + snap.access_m[k] + snap.access_m[k + 1]
            )
            minutes = float(
                dist[b]
                + (snap.access_m[k] + snap.access_m[k + 1]) / self.access_m_per_min
            )
            out.append((shapely.LineString(xy), minutes, metres))
        return out
