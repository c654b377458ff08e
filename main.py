"""Patrol zoning and joint-inspection planner: GUI by default, CLI by command.

``python main.py`` opens the window; ``python main.py plan --sample --out DIR``
plans the bundled sample county end to end. ``python main.py --help`` lists
every command. The CLI and the GUI call the same ``planning`` pipeline.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

COMMANDS = ("plan", "zone", "schedule", "validate")


class CliProgress:
    """A one-line progress bar on stderr, fed by planning's ProgressEvents."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, event) -> None:  # planning.progress.ProgressEvent
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.2 and event.fraction < 1.0:
            return
        self.last = now
        width = 30
        filled = int(width * max(0.0, min(1.0, event.fraction)))
        extra = ""
        if event.objective is not None:
            extra = f" obj {event.objective:,.0f}"
            if event.bound is not None:
                extra += f" bound {event.bound:,.0f}"
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {event.fraction:5.1%} "
            f"{now - self.started:5.0f}s {event.stage}: {event.message}{extra}"
        )
        sys.stderr.write(line[:140].ljust(140))
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python main.py",
        description=(
            "巡查划片与综合查一次排程 — patrol zoning and joint-inspection "
            "planning. Without a command the desktop window opens."
        ),
    )
    p.add_argument("--project", type=Path, help="project .gpkg to open in the window")
    p.add_argument(
        "--lang", default="zh_CN", help="UI language: zh_CN (default) or en"
    )
    p.add_argument(
        "--screenshot",
        type=Path,
        help="open the window, save a PNG of it once the map is drawn, and quit",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    plan = sub.add_parser(
        "plan",
        help="plan a county end to end and write plan.gpkg, maps and schedule.xlsx",
        description="Workload -> zoning -> joint-inspection schedule -> routes -> exports.",
    )
    src = plan.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--sample", action="store_true", help="use the bundled 常山县 sample (synthetic)"
    )
    src.add_argument("--scenario", type=Path, help="a project/scenario .gpkg")
    plan.add_argument("--out", type=Path, required=True, help="output folder")
    _solver_options(plan)

    zone = sub.add_parser("zone", help="zone cells among squads (划片)")
    zone.add_argument("cells", type=Path, help="polygon layer with cell_id [workload]")
    zone.add_argument("squads", type=Path, help="point layer with squad_id, staff")
    zone.add_argument("--out", type=Path, required=True, help="output .gpkg")
    zone.add_argument("--tolerance", type=float, default=0.05)
    zone.add_argument("--nest", choices=["town", "area"])
    zone.add_argument("--reach-minutes", type=float)
    zone.add_argument("--time-limit", type=float, default=30.0)

    sched = sub.add_parser("schedule", help="schedule joint inspections of a zoned scenario")
    sched.add_argument("scenario", type=Path, help="scenario .gpkg with cells.squad_id")
    sched.add_argument("--out", type=Path, required=True, help="output plan .gpkg")
    sched.add_argument("--days", type=int)
    sched.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD")
    sched.add_argument("--time-limit", type=float, default=60.0)

    val = sub.add_parser("validate", help="re-check a plan .gpkg; exit 1 on violations")
    val.add_argument("plan", type=Path)
    for sp in (plan, zone, sched, val):
        sp.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _solver_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tolerance", type=float, default=0.05, help="zone balance ±share")
    p.add_argument("--nest", choices=["town", "area"], help="keep zones inside towns/片区")
    p.add_argument("--reach-minutes", type=float, help="1530 reach limit (minutes)")
    p.add_argument("--zoning-time-limit", type=float, default=30.0, help="seconds")
    p.add_argument("--time-limit", type=float, default=60.0, help="scheduling seconds")
    p.add_argument("--days", type=int, help="workdays in the horizon (default 20)")
    p.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    p.add_argument("--seed", type=int, default=7, help="sample seed")


def _with_horizon(scenario, days: int | None, start: date | None):
    from dataclasses import replace

    if days is None and start is None:
        return scenario
    out = scenario.copy()
    out.horizon = replace(
        scenario.horizon,
        days=days or scenario.horizon.days,
        start=start or scenario.horizon.start,
    )
    return out


def cmd_plan(args: argparse.Namespace) -> int:
    from maps.export.bundle import export_plan
    from planning.io.project import load_project
    from planning.plan import PlanSettings, run_plan
    from planning.sample import build_sample
    from planning.scheduling import ScheduleSettings
    from planning.zoning import ZoningSettings

    progress = CliProgress(not args.quiet)
    t0 = time.monotonic()
    if args.sample:
        scenario = build_sample(seed=args.seed)
    else:
        scenario, _ = load_project(args.scenario)
    scenario = _with_horizon(scenario, args.days, args.start)
    settings = PlanSettings(
        zoning=ZoningSettings(
            tolerance=args.tolerance,
            nest=args.nest,
            reach_minutes=args.reach_minutes,
            time_limit=args.zoning_time_limit,
        ),
        scheduling=ScheduleSettings(time_limit=args.time_limit),
    )
    plan = run_plan(scenario, settings, progress)
    written = export_plan(plan, args.out, progress)
    progress.done()
    print(f"场景 scenario: {plan.scenario.name}")
    if plan.scenario.synthetic:
        print("示例数据 (synthetic): 企业、热点、镇界均为生成数据")
    if plan.zoning is not None:
        for line in plan.zoning.explanation:
            print(f"划片 zoning: {line}")
    for line in plan.summary().lines():
        print(line)
    n_files = sum(len(v) for v in written.values())
    print(f"输出 wrote {n_files} files to {args.out} in {time.monotonic() - t0:.1f}s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command is None:
        from desktop.app import run_gui

        return run_gui(project=args.project, lang=args.lang, screenshot=args.screenshot)
    handler = {"plan": cmd_plan}.get(args.command)
    if handler is None:
        print(f"command {args.command!r} is not available yet", file=sys.stderr)
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
