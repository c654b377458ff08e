"""A small VRPLIB reader for prize-collecting VRPTW instances, and a checker.

Only what the patrol benchmark needs: ``NODE_COORD_SECTION`` (EUC_2D),
``DEMAND_SECTION``, ``TIME_WINDOW_SECTION``, ``PRIZE_SECTION``,
``SERVICE_TIME`` (scalar or section), ``CAPACITY``, ``VEHICLES`` and one
depot. Values follow the DIMACS convention the published best-known
solutions use: distances, durations, times and prizes are multiplied by 10
and truncated to integers, so costs compare exactly with the ``.sol`` files
and with ``pyvrp.read(path, round_func="dimacs")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class PcVrptwInstance:
    """A prize-collecting VRPTW in integer (x10) units; node 0 is the depot.

    ``distance`` doubles as the travel time. ``windows`` are (earliest,
    latest) service starts; the depot's window bounds every route.
    """

    name: str
    distance: np.ndarray
    service: np.ndarray
    windows: np.ndarray
    prize: np.ndarray
    demand: np.ndarray
    capacity: int
    vehicles: int

    @property
    def n_nodes(self) -> int:
        return len(self.prize)


def _dimacs(values: np.ndarray) -> np.ndarray:
    return (10 * np.asarray(values, dtype=float)).astype(np.int64)


def read_pcvrptw(path: str | Path) -> PcVrptwInstance:
    """Parse a VRPLIB PCVRPTW file (DIMACS rounding, depot moved to node 0)."""
    lines = Path(path).read_text().splitlines()
    spec: dict[str, str] = {}
    sections: dict[str, list[list[float]]] = {}
    current: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = line.removesuffix("_SECTION")
            sections[current] = []
        elif re.match(r"^[A-Z_]+\s*:", line):
            key, value = line.split(":", 1)
            spec[key.strip()] = value.strip()
            current = None
        elif current is not None:
            sections[current].append([float(x) for x in line.split()])
    n = int(spec["DIMENSION"])

    def column(name: str, width: int, default: float = 0.0) -> np.ndarray:
        out = np.full((n, width), default, dtype=float)
        for row in sections.get(name, []):
            out[int(row[0]) - 1] = row[1 : 1 + width]
        return out

    depots = [int(r[0]) - 1 for r in sections.get("DEPOT", [[1]]) if r[0] > 0]
    if len(depots) != 1:
        raise ValueError(f"{path}: exactly one depot is supported, got {depots}")
    order = [depots[0]] + [i for i in range(n) if i != depots[0]]
    xy = column("NODE_COORD", 2)[order]
    euclid = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    if "SERVICE_TIME" in sections:
        service = column("SERVICE_TIME", 1)[order, 0]
    else:
        service = np.full(n, float(spec.get("SERVICE_TIME", 0.0)))
    service[0] = 0.0
    big = 1e9
    windows = column("TIME_WINDOW", 2)
    if "TIME_WINDOW" not in sections:
        windows[:, 1] = big
    return PcVrptwInstance(
        name=spec.get("NAME", Path(path).stem),
        distance=_dimacs(euclid),
        service=_dimacs(service),
        windows=_dimacs(windows[order]),
        prize=_dimacs(column("PRIZE", 1)[order, 0]),
        demand=column("DEMAND", 1)[order, 0].astype(np.int64),
        capacity=int(float(spec.get("CAPACITY", big))),
        vehicles=int(spec.get("VEHICLES", n - 1)),
    )


def read_solution(path: str | Path) -> tuple[list[list[int]], float | None]:
    """Routes (client node numbers, depot = 0) and the cost line of a ``.sol``."""
    routes: list[list[int]] = []
    cost = None
    for line in Path(path).read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(x) for x in line.split(":", 1)[1].split()])
        elif line.lower().startswith("cost"):
            cost = float(line.split()[1])
    return routes, cost


def evaluate(instance: PcVrptwInstance, routes: list[list[int]]) -> tuple[int, bool]:
    """Cost (distance + uncollected prizes) and feasibility of ``routes``.

    Checked independently of any solver: each client at most once, capacity,
    service start inside the window (waiting allowed), back at the depot by
    its closing time, at most ``vehicles`` routes.
    """
    ok = len([r for r in routes if r]) <= instance.vehicles
    seen: set[int] = set()
    dist = 0
    d, w, s = instance.distance, instance.windows, instance.service
    for route in routes:
        if not route:
            continue
        t, prev, load = int(w[0, 0]), 0, 0
        for node in route:
            ok &= 0 < node < instance.n_nodes and node not in seen
            seen.add(node)
            dist += int(d[prev, node])
            t = max(t + int(s[prev]) + int(d[prev, node]), int(w[node, 0]))
            ok &= t <= w[node, 1]
            load += int(instance.demand[node])
            prev = node
        dist += int(d[prev, 0])
        ok &= t + int(s[prev]) + int(d[prev, 0]) <= w[0, 1]
        ok &= load <= instance.capacity
    lost = int(instance.prize.sum()) - int(instance.prize[list(seen)].sum())
    return dist + lost, bool(ok)
