"""Routing engine benchmark on multi-depot VRPTW instances (VRPLIB format).

Run ``python -m benchmarks.routing benchmarks/instances/mdvrptw/PR11A.vrp ...
--time-limit 60 [--engine ortools pyvrp] [--csv out.csv]``. Each instance is
read here (not by a solver), solved by the project's
:func:`planning.routing.solve_vrptw` with each engine and by PyVRP directly
(``reference-pyvrp``, same time budget), and every answer is re-evaluated by
:func:`evaluate`, which shares no code with the solvers. Costs follow the
rounding of the PyVRP instance set (``round_func="exact"``: distances,
times and durations x1000, rounded), so the best-known solutions in the
``.sol`` files evaluate to exactly their ``Cost`` line; that is checked on
every run. Timings are wall-clock on a shared machine: the load average is
printed with the table.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planning.routing import ENGINES, VrptwData, solve_vrptw

SCALE = 1000
"""Multiplier of the ``exact`` rounding convention of the PyVRP instances."""
REFERENCE = "reference-pyvrp"


@dataclass(frozen=True)
class MdvrptwInstance:
    """A multi-depot VRPTW in integer units; depots are nodes ``depots``.

    ``distance`` doubles as travel time. ``vehicle_depot[v]`` is where
    vehicle ``v`` starts and ends; ``max_duration`` bounds each route.
    """

    name: str
    distance: np.ndarray
    service: np.ndarray
    windows: np.ndarray
    demand: np.ndarray
    capacity: int
    depots: list[int]
    vehicle_depot: list[int]
    max_duration: int | None


def _scaled(values: np.ndarray) -> np.ndarray:
    return np.round(SCALE * np.asarray(values, dtype=float)).astype(np.int64)


def read_mdvrptw(path: str | Path) -> MdvrptwInstance:
    """Parse a VRPLIB (M)DVRPTW file: coordinates, depots, vehicles' depots."""
    spec: dict[str, str] = {}
    sections: dict[str, list[list[float]]] = {}
    current: str | None = None
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = line.removesuffix("_SECTION")
            sections[current] = []
        elif ":" in line and line.split(":", 1)[0].strip().isupper():
            key, value = line.split(":", 1)
            spec[key.strip()] = value.strip()
            current = None
        elif current is not None:
            sections[current].append([float(x) for x in line.split()])
    n = int(spec["DIMENSION"])

    def column(name: str, width: int) -> np.ndarray:
        out = np.zeros((n, width))
        for row in sections.get(name, []):
            out[int(row[0]) - 1] = row[1 : 1 + width]
        return out

    xy = column("NODE_COORD", 2)
    euclid = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    depots = [int(r[0]) - 1 for r in sections.get("DEPOT", [[1]]) if r[0] > 0]
    n_veh = int(spec.get("VEHICLES", n))
    if "VEHICLES_DEPOT" in sections:
        vehicle_depot = [int(r[1]) - 1 for r in sections["VEHICLES_DEPOT"]]
    else:
        vehicle_depot = [depots[0]] * n_veh
    windows = column("TIME_WINDOW", 2)
    if "TIME_WINDOW" not in sections:
        windows[:, 1] = 1e9
    longest = spec.get("VEHICLES_MAX_DURATION")
    return MdvrptwInstance(
        name=spec.get("NAME", Path(path).stem),
        distance=_scaled(euclid),
        service=_scaled(column("SERVICE_TIME", 1)[:, 0]),
        windows=_scaled(windows),
        demand=column("DEMAND", 1)[:, 0].astype(np.int64),
        capacity=int(float(spec.get("CAPACITY", 1e9))),
        depots=depots,
        vehicle_depot=vehicle_depot,
        max_duration=int(_scaled(float(longest))) if longest else None,
    )


def read_sol(path: str | Path) -> tuple[list[list[int]], int | None]:
    """Routes (``Route #k`` = vehicle ``k``, node numbers 0-based as in the
    instance's location order) and the ``Cost`` line of a ``.sol``."""
    routes: list[list[int]] = []
    cost = None
    for line in Path(path).read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(x) for x in line.split(":", 1)[1].split()])
        elif line.lower().startswith("cost"):
            cost = int(float(line.split()[1]))
    return routes, cost


def evaluate(inst: MdvrptwInstance, routes: list[list[int]]) -> tuple[int, bool]:
    """Distance and feasibility of ``routes[v]`` driven by vehicle ``v``.

    Checked without any solver: every client exactly once, capacity,
    service start inside the window (waiting allowed), back at the depot by
    its closing time, and the route's duration (departure delayed as far as
    the waits allow, the Savelsbergh forward slack) within the limit.
    """
    n = len(inst.demand)
    clients = set(range(n)) - set(inst.depots)
    seen: list[int] = []
    ok = len(routes) <= len(inst.vehicle_depot)
    dist = 0
    d, w, s = inst.distance, inst.windows, inst.service
    for v, route in enumerate(routes):
        if not route:
            continue
        depot = inst.vehicle_depot[v] if v < len(inst.vehicle_depot) else -1
        ok &= depot in inst.depots
        t = int(w[depot, 0])
        begin, prev, load, waited, slack = t, depot, 0, 0, None
        for node in route:
            ok &= node in clients
            seen.append(node)
            dist += int(d[prev, node])
            arrive = t + int(s[prev]) + int(d[prev, node])
            t = max(arrive, int(w[node, 0]))
            waited += t - arrive
            ok &= t <= w[node, 1]
            room = waited + int(w[node, 1]) - t
            slack = room if slack is None else min(slack, room)
            load += int(inst.demand[node])
            prev = node
        dist += int(d[prev, depot])
        back = t + int(s[prev]) + int(d[prev, depot])
        ok &= back <= w[depot, 1] and load <= inst.capacity
        if inst.max_duration is not None:
            shift = min(waited, slack or 0)
            ok &= back - (begin + shift) <= inst.max_duration
    ok &= sorted(seen) == sorted(clients)
    return dist, bool(ok)


def to_vrptw(inst: MdvrptwInstance) -> VrptwData:
    """The instance as the project's :class:`VrptwData` (all visits due)."""
    n = len(inst.demand)
    depot_set = set(inst.depots)
    horizon = int(inst.windows[inst.depots, 1].max())
    return VrptwData(
        duration=inst.distance,
        service=np.where(np.isin(np.arange(n), inst.depots), 0, inst.service),
        windows=[
            []
            if i in depot_set
            else [(int(inst.windows[i, 0]), int(inst.windows[i, 1]))]
            for i in range(n)
        ],
        vehicle_starts=list(inst.vehicle_depot),
        vehicle_ends=list(inst.vehicle_depot),
        horizon=horizon,
        vehicle_windows=[
            (int(inst.windows[dp, 0]), int(inst.windows[dp, 1]))
            for dp in inst.vehicle_depot
        ],
        demand=inst.demand,
        capacities=[inst.capacity] * len(inst.vehicle_depot),
        max_durations=(
            [inst.max_duration] * len(inst.vehicle_depot)
            if inst.max_duration is not None
            else None
        ),
    )


def run_engine(
    inst: MdvrptwInstance, engine: str, time_limit: float, seed: int = 0
) -> tuple[int | None, bool, float]:
    """Cost (``None`` if no solution), feasibility and seconds of one run."""
    t0 = time.perf_counter()
    if engine == "ortools":
        sol = solve_vrptw(
            to_vrptw(inst),
            time_limit=time_limit,
            metaheuristic="guided",
            first_solution="parallel_cheapest_insertion",
            engine="ortools",
        )
    else:
        sol = solve_vrptw(
            to_vrptw(inst), time_limit=time_limit, engine=engine, seed=seed
        )
    seconds = time.perf_counter() - t0
    if sol.status != "feasible" or sol.dropped:
        return None, False, seconds
    cost, ok = evaluate(inst, sol.routes)
    return cost, ok, seconds


def run_reference(
    path: Path, time_limit: float, seed: int = 0
) -> tuple[int, bool, float]:
    """PyVRP on its own reader of the file, as a peer would run it."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    data = pyvrp.read(path, round_func="exact")
    res = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    return (
        int(res.best.distance_cost()),
        bool(res.best.is_feasible()),
        (time.perf_counter() - t0),
    )


def check_bks(inst: MdvrptwInstance, sol_path: Path) -> int | None:
    """Cost of the ``.sol`` beside the instance, after checking that our
    evaluator reproduces its ``Cost`` line exactly and finds it feasible."""
    if not sol_path.exists():
        return None
    routes, stated = read_sol(sol_path)
    cost, ok = evaluate(inst, routes)
    if not ok or (stated is not None and cost != stated):
        raise SystemExit(
            f"{sol_path}: evaluator gives {cost} (feasible={ok}), file says {stated}"
        )
    return cost


def _gap(cost: int | None, ref: int | None) -> str:
    if cost is None or ref is None:
        return "-"
    return f"{100.0 * (cost - ref) / ref:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument(
        "--engine", nargs="+", default=list(ENGINES), choices=list(ENGINES)
    )
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args(argv)

    header = (
        f"{'instance':<10} {'engine':<16} {'limit_s':>7} {'wall_s':>7} "
        f"{'cost':>10} {'feasible':>8} {'gap_bks%':>8} {'gap_pyvrp%':>10}"
    )
    print(f"load average {os.getloadavg()} on {os.cpu_count()} cores (shared)")
    print(header)
    rows: list[dict[str, object]] = []
    gaps: dict[str, list[float]] = {}
    for path in args.paths:
        inst = read_mdvrptw(path)
        bks = check_bks(inst, path.with_suffix(".sol"))
        results: list[tuple[str, int | None, bool, float]] = []
        ref_cost = None
        if not args.no_reference:
            cost, ok, sec = run_reference(path, args.time_limit, args.seed)
            ref_cost = cost if ok else None
            results.append((REFERENCE, cost, ok, sec))
        for engine in args.engine:
            results.append(
                (engine, *run_engine(inst, engine, args.time_limit, args.seed))
            )
        for engine, cost, ok, sec in results:
            print(
                f"{inst.name:<10} {engine:<16} {args.time_limit:>7g} {sec:>7.1f} "
                f"{cost if cost is not None else '-':>10} {str(ok):>8} "
                f"{_gap(cost, bks):>8} {_gap(cost, ref_cost):>10}",
                flush=True,
            )
            if bks and cost is not None and ok:
                gaps.setdefault(engine, []).append(100.0 * (cost - bks) / bks)
            rows.append(
                {
                    "instance": inst.name,
                    "engine": engine,
                    "time_limit": args.time_limit,
                    "cost": cost if cost is not None else "",
                    "feasible": ok,
                }
            )
    for engine, values in gaps.items():
        print(f"mean gap to BKS {engine}: {np.mean(values):.2f}% over {len(values)}")
    print(f"load average {os.getloadavg()}")
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            writer = csv.DictWriter(
                fh, fieldnames=["instance", "engine", "time_limit", "cost", "feasible"]
            )
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
