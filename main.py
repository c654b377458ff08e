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
        """End the bar's line, if a bar was drawn."""
        if self.enabled and self.last:
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
    p.add_argument("--lang", default="zh_CN", help="UI language: zh_CN (default) or en")
    p.add_argument(
        "--screenshot",
        type=Path,
        help="open the window, save a PNG of it once the map is drawn, and quit",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    plan = sub.add_parser(
        "plan",
        help="plan a county end to end and write plan.gpkg, maps and schedule.xlsx",
        description="Workload, zoning, joint-inspection schedule, routes, exports.",
    )
    src = plan.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--sample",
        action="store_true",
        help="use the bundled 常山县 sample (synthetic)",
    )
    src.add_argument("--scenario", type=Path, help="a project/scenario .gpkg")
    plan.add_argument("--out", type=Path, required=True, help="output folder")
    from cli_store import standby_cars_option

    standby_cars_option(plan)
    _solver_options(plan)

    zone = sub.add_parser("zone", help="zone cells among squads (划片)")
    zone.add_argument("cells", type=Path, help="polygon layer with cell_id [workload]")
    zone.add_argument("squads", type=Path, help="point layer with squad_id, staff")
    zone.add_argument("--out", type=Path, required=True, help="output .gpkg")
    zone.add_argument("--tolerance", type=float, default=0.05)
    zone.add_argument("--nest", choices=["town", "area"])
    zone.add_argument("--reach-minutes", type=float)
    zone.add_argument("--time-limit", type=float, default=30.0)

    reb = sub.add_parser(
        "rebalance",
        help="bring today's zones within the tolerance with the fewest changes "
        "(最少改动重新平衡)",
    )
    reb.add_argument(
        "cells",
        type=Path,
        help="cells with today's squad (squad_id / 中队 / 所属中队 …)",
    )
    reb.add_argument("squads", type=Path, help="point layer with squad_id, staff")
    reb.add_argument("--out", type=Path, required=True, help="output .gpkg")
    reb.add_argument("--zones", type=Path, help="today's zone polygons (片区 / 责任区)")
    reb.add_argument("--tolerance", type=float, default=0.05)
    reb.add_argument("--time-limit", type=float, default=60.0)
    reb.add_argument(
        "--no-table",
        action="store_true",
        help="skip the 20/10/5/2%% trade-off table (each row gets --time-limit)",
    )

    cmp_ = sub.add_parser(
        "compare", help="two plans or zonings side by side (方案对比): XLSX and HTML"
    )
    cmp_.add_argument("a", type=Path, help="plan A (.gpkg with a cells layer)")
    cmp_.add_argument("b", type=Path, help="plan B (.gpkg with a cells layer)")
    cmp_.add_argument("--out", type=Path, required=True, help="output folder")
    cmp_.add_argument("--squads", type=Path, help="squads layer when A/B have none")

    sched = sub.add_parser(
        "schedule", help="schedule joint inspections of a zoned scenario"
    )
    sched.add_argument("scenario", type=Path, help="scenario .gpkg with cells.squad_id")
    sched.add_argument("--out", type=Path, required=True, help="output plan .gpkg")
    sched.add_argument("--days", type=int)
    sched.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD")
    sched.add_argument("--time-limit", type=float, default=60.0)

    val = sub.add_parser("validate", help="re-check a plan .gpkg; exit 1 on violations")
    val.add_argument("plan", type=Path)

    exp = sub.add_parser(
        "export", help="write maps, work orders, XLSX, KML/GPX and summary of a plan"
    )
    exp.add_argument("plan", type=Path, help="plan .gpkg")
    exp.add_argument("--out", type=Path, required=True, help="output folder")
    exp.add_argument("--squad", help="only this squad_id's maps and work orders")
    exp.add_argument(
        "--per-day", action="store_true", help="also one map per squad and day"
    )
    exp.add_argument(
        "--basemap",
        choices=["none", "osm", "tianditu", "amap"],
        default="none",
        help="tiles under the maps when the phone is online: osm = OpenStreetMap, "
        "tianditu = 天地图 (needs --tianditu-key), amap = 高德 (overlays shifted "
        "to GCJ-02 for display)",
    )
    exp.add_argument("--tianditu-key", help="天地图 key (tk) for --basemap tianditu")

    imp = sub.add_parser("import", help="add or replace a layer of a project .gpkg")
    imp.add_argument(
        "file",
        type=Path,
        help="GeoPackage, GeoJSON, Shapefile/.zip, CSV, XLSX, KML; .osm.pbf for roads",
    )
    imp.add_argument("--project", dest="target", type=Path, required=True)
    imp.add_argument(
        "--as",
        dest="kind",
        required=True,
        choices=[
            "cells",
            "zones",
            "squads",
            "enterprises",
            "hotspots",
            "roads",
            "barriers",
        ],
    )
    imp.add_argument("--layer", help="layer name inside a GeoPackage")
    imp.add_argument(
        "--coords",
        default="auto",
        help="auto, wgs84, cgcs2000, gcj02, bd09 or EPSG:N",
    )

    pat = sub.add_parser(
        "patrols", help="add hotspot patrol loops (巡查路线) to a plan"
    )
    pat.add_argument("plan", type=Path, help="plan .gpkg (updated in place)")
    pat.add_argument(
        "--window",
        action="append",
        help="peak window HH:MM-HH:MM (repeatable; default 07:00-09:00, "
        "11:00-13:00, 17:00-20:00)",
    )
    pat.add_argument("--budget-minutes", type=float, default=90.0)
    pat.add_argument("--reach-minutes", type=float)
    pat.add_argument(
        "--engine",
        choices=["ortools", "pyvrp"],
        help="loop solver (default ortools; pyvrp needs: pip install pyvrp)",
    )
    res = sub.add_parser(
        "results",
        help="record field outcomes (检查结果) from a filled schedule.xlsx or a CSV",
        description="Every row is checked; the file is recorded whole or refused "
        "with each bad row named, the project left unchanged. CSV columns: "
        "visit_id, outcome (合格/责令整改/立案/未遇 or pass/rectify/case/not_met), "
        "deadline (YYYY-MM-DD), note [, items].",
    )
    res.add_argument("file", type=Path, help="filled schedule.xlsx or results .csv")
    res.add_argument("--project", type=Path, required=True, help="plan .gpkg")

    rep = sub.add_parser(
        "replan",
        help="repair the plan from a date: follow-ups, absences, urgent visits",
        description="Days before --from stay as they are; 复查 and revisits of the "
        "recorded results and urgent visits are added; an absent squad's visits "
        "move; the rest keeps its day and team where it can.",
    )
    rep.add_argument("plan", type=Path, help="plan .gpkg")
    rep.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    rep.add_argument("--out", type=Path, required=True, help="new plan .gpkg")
    rep.add_argument(
        "--absent",
        action="append",
        default=[],
        metavar="SQUAD:FROM..TO",
        help="squad fields no team these days (repeatable)",
    )
    rep.add_argument(
        "--urgent",
        action="append",
        default=[],
        metavar="ENTERPRISE:BY_DATE",
        help="urgent complaint: visit by this date (repeatable)",
    )
    rep.add_argument("--time-limit", type=float, default=20.0, help="solver seconds")
    for sp in (plan, zone, reb, cmp_, sched, val, exp, imp, pat, res, rep):
        sp.add_argument("--quiet", action="store_true", help="no progress bar")
    from cli_store import add_parsers

    add_parsers(sub)
    return p


def _solver_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tolerance", type=float, default=0.05, help="zone balance ±share")
    p.add_argument(
        "--nest", choices=["town", "area"], help="keep zones inside towns/片区"
    )
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
    from cli_store import plan_settings
    from maps.export.bundle import export_plan
    from planning.io.handmade import load_scenario_file
    from planning.plan import run_plan
    from planning.progress import Job
    from planning.sample import build_sample

    progress = CliProgress(not args.quiet)
    t0 = time.monotonic()
    if args.sample:
        scenario = build_sample(seed=args.seed, roads=True)
    else:
        lang = "en" if args.lang.startswith("en") else "zh_CN"
        scenario, _, notes = load_scenario_file(args.scenario, lang)
        for note in notes:
            print(f"注意 note: {note}")
    scenario = _with_horizon(scenario, args.days, args.start)
    settings = plan_settings(args, standby_cars=args.standby_cars)
    plan = run_plan(scenario, settings, Job(progress))
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


def _read_layer_or_exit(path: Path, kind: str):
    from planning.io.errors import LayerImportError
    from planning.io.readers import read_layer

    try:
        result = read_layer(path)
    except LayerImportError as exc:
        raise ScenarioErrorExit(exc.problems) from exc
    return result.gdf


class ScenarioErrorExit(Exception):
    """Input problems the CLI prints before exiting with status 2."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def cmd_zone(args: argparse.Namespace) -> int:
    import geopandas as gpd
    import pyogrio

    from planning.model import load_policy
    from planning.progress import Job
    from planning.zoning import (
        ZoningInput,
        ZoningSettings,
        zone,
        zone_stats,
        zones_layer,
    )

    try:
        cells = _read_layer_or_exit(args.cells, "cells")
        squads = _read_layer_or_exit(args.squads, "squads")
    except ScenarioErrorExit as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 2
    problems = [f"{args.cells}: missing column cell_id"] * ("cell_id" not in cells)
    problems += [
        f"{args.squads}: missing column {c}"
        for c in ("squad_id", "staff")
        if c not in squads
    ]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    policy = load_policy()
    cells = cells.copy()
    if "land_use" not in cells:
        cells["land_use"] = "suburban"
    if "workload" not in cells:
        # no scenario: patrol base load by area, the one load every cell has
        area = cells.to_crs(cells.estimate_utm_crs()).area / 1e6
        cells["workload"] = area * cells["land_use"].map(
            policy.base_patrol_minutes_per_km2
        ).fillna(60.0)
        print("cells have no 'workload' column: using the base patrol load by area")
    if "name" not in squads:
        squads["name"] = squads["squad_id"]
    settings = ZoningSettings(
        tolerance=args.tolerance,
        nest=args.nest,
        reach_minutes=args.reach_minutes,
        time_limit=args.time_limit,
    )
    progress = CliProgress(not args.quiet)
    result = zone(ZoningInput(cells, squads, policy), settings, Job(progress))
    progress.done()
    cells["squad_id"] = cells["cell_id"].map(result.assignment)
    stats = zone_stats(
        cells, squads, result.assignment, policy, args.nest, result.islands
    )
    zones = zones_layer(cells, result.assignment, stats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.exists():
        args.out.unlink()
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(cells).to_crs(4326), args.out, layer="cells"
    )
    pyogrio.write_dataframe(zones, args.out, layer="zones", promote_to_multi=True)
    print(zones.drop(columns="geometry").round(1).to_string(index=False))
    print(
        f"status {result.status}, feasible {'y' if result.feasible else 'n'}, "
        f"objective {result.objective or 0:,.0f}, {result.seconds:.1f}s, "
        f"contiguous {'y' if zones['contiguous'].astype(bool).all() else 'n'}"
    )
    for line in result.explanation:
        print(f"划片 zoning: {line}")
    if len(result.unreachable):
        print(f"{len(result.unreachable)} cells beyond the reach limit (best reach):")
        print(result.unreachable.head(20).to_string(index=False))
    return 0 if result.feasible else 1


def cmd_rebalance(args: argparse.Namespace) -> int:
    from planning.progress import Job
    from planning.rebalance import (
        RebalanceError,
        RebalanceSettings,
        rebalance,
        tradeoff,
        write_rebalance,
    )
    from planning.today import TodayError, load_zoning_inputs

    try:
        cells, squads, today = load_zoning_inputs(args.cells, args.squads, args.zones)
    except TodayError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    from planning.model import load_policy

    for note in today.notes:
        print(f"注意 note: {note}")
    if len(today.ambiguous):
        print(f"{len(today.ambiguous)} 个网格归属不清 cells with an unclear zone:")
        print(today.ambiguous.head(20).to_string(index=False))
    settings = RebalanceSettings(tolerance=args.tolerance, time_limit=args.time_limit)
    progress = CliProgress(not args.quiet)
    policy = load_policy()
    try:
        result = rebalance(cells, squads, policy, settings, Job(progress))
        table = None
        if not args.no_table:
            table = tradeoff(cells, squads, policy, settings, job=Job(progress))
    except RebalanceError as exc:
        progress.done()
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    progress.done()
    for line in result.lines() + result.notes:
        print(line)
    if len(result.moves):
        print(result.moves.head(30).round(1).to_string(index=False))
    if table is not None:
        print("权衡 trade-off (each from today's zoning):")
        print(table.round(1).to_string(index=False))
    write_rebalance(args.out, cells, squads, policy, result, table)
    print(f"输出 wrote {args.out}")
    return 0 if result.feasible else 1


def cmd_compare(args: argparse.Namespace) -> int:
    from maps.export.compare import export_comparison
    from planning.compare import CompareError, compare_files

    try:
        comparison = compare_files(args.a, args.b, args.squads)
    except CompareError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    written = export_comparison(comparison, args.out)
    for line in comparison.headline():
        print(line)
    print(comparison.table.round(1).to_string(index=False))
    for path in written:
        print(f"输出 wrote {path}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from planning.io.project import load_project, save_project
    from planning.plan import plan_from_schedule, prepare
    from planning.scheduling import ScheduleSettings, schedule

    scenario, old = load_project(args.scenario)
    if "squad_id" not in scenario.cells or scenario.cells["squad_id"].isna().all():
        print(
            f"{args.scenario}: cells have no squad_id; zone first "
            "(python main.py zone ... or plan)",
            file=sys.stderr,
        )
        return 2
    scenario = prepare(_with_horizon(scenario, args.days, args.start))
    settings = ScheduleSettings(time_limit=args.time_limit)
    progress = CliProgress(not args.quiet)
    result = schedule(scenario, settings, progress)
    progress.done()
    kept = old.settings if old is not None else {}
    plan = plan_from_schedule(
        scenario, result, {**kept, "schedule_settings": asdict(settings)}
    )
    save_project(args.out, plan.scenario, plan)
    for line in plan.summary().lines():
        print(line)
    print(f"输出 wrote {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from planning.io.project import load_project
    from planning.validate import validate

    scenario, plan = load_project(args.plan)
    if plan is None:
        print(f"{args.plan}: holds no plan (no visits/routes layers)", file=sys.stderr)
        return 2
    violations = validate(plan)
    for v in violations:
        print(f"{v.kind}: {v.message}")
    print(
        f"{len(plan.visits)} visits, {len(plan.unscheduled)} unscheduled, "
        f"{len(violations)} violations"
    )
    return 1 if violations else 0


def cmd_export(args: argparse.Namespace) -> int:
    from maps.export.bundle import export_plan
    from planning.io.project import load_project

    _, plan = load_project(args.plan)
    if plan is None:
        print(f"{args.plan}: holds no plan to export", file=sys.stderr)
        return 2
    progress = CliProgress(not args.quiet)
    try:
        written = export_plan(
            plan,
            args.out,
            progress,
            squad_id=args.squad,
            per_day=args.per_day,
            basemap=args.basemap,
            basemap_key=args.tianditu_key,
        )
    except ValueError as exc:
        progress.done()
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    progress.done()
    for kind, paths in written.items():
        print(f"{kind}: {len(paths)} file(s)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from planning.io.errors import LayerImportError
    from planning.io.importer import import_into_project

    lang = "en" if args.lang.startswith("en") else "zh_CN"
    options = {"layer": args.layer, "coords": args.coords, "lang": lang}
    progress = CliProgress(not args.quiet)
    try:
        if args.kind in ("roads", "barriers"):
            from planning.roads.importer import import_roads_into_project

            report = import_roads_into_project(
                args.target, args.file, args.kind, **options
            )
        else:
            report = import_into_project(
                args.target, args.file, args.kind, progress=progress, **options
            )
    except LayerImportError as exc:
        progress.done()
        print("\n".join(exc.problems), file=sys.stderr)
        return 2
    progress.done()
    print("\n".join(report.messages(lang)))
    return 0


def cmd_patrols(args: argparse.Namespace) -> int:
    import importlib.util
    from dataclasses import asdict, replace

    from planning.io.project import load_project, save_project
    from planning.patrols import PatrolSettings, plan_patrols
    from planning.progress import Job

    scenario, plan = load_project(args.plan)
    if plan is None:
        print(
            f"{args.plan}: holds no plan; run plan or schedule first", file=sys.stderr
        )
        return 2
    settings = PatrolSettings(
        budget_minutes=args.budget_minutes, reach_minutes=args.reach_minutes
    )
    if args.engine:
        settings = replace(settings, engine=args.engine)
    if settings.engine == "pyvrp" and importlib.util.find_spec("pyvrp") is None:
        print(
            "--engine pyvrp needs the pyvrp package: pip install pyvrp", file=sys.stderr
        )
        return 2
    if args.window:
        windows = []
        for text in args.window:
            start, _, end = text.partition("-")
            if not (start and end):
                print(f"--window {text!r}: expected HH:MM-HH:MM", file=sys.stderr)
                return 2
            windows.append((start.strip(), end.strip()))
        settings = replace(settings, windows=tuple(windows))
    progress = CliProgress(not args.quiet)
    result = plan_patrols(scenario, settings, Job(progress))
    progress.done()
    plan.patrols, plan.patrol_points = result.loops, result.points
    plan.settings["patrol_settings"] = asdict(settings)
    save_project(args.plan, scenario, plan)
    print(
        f"{len(result.loops)} patrol loops, {len(result.points)} stops, "
        f"{result.loops['expected_events'].sum():.1f} expected events covered; "
        f"{len(result.unreachable)} hotspot cells out of reach (listed, not promised)"
    )
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from planning.field.outcomes import ResultsFileError, import_results

    try:
        report = import_results(args.project, args.file)
    except ResultsFileError as exc:
        print("\n".join(exc.lines(args.file, args.project)), file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


def cmd_replan(args: argparse.Namespace) -> int:
    from maps.export.spreadsheets import write_changes_xlsx
    from planning.field.replan import (
        ReplanSettings,
        parse_absence,
        parse_urgent,
        replan,
    )
    from planning.io.project import ProjectError, load_project, save_project
    from planning.validate import validate

    try:
        absences = [parse_absence(a) for a in args.absent]
        urgents = [parse_urgent(u) for u in args.urgent]
    except ValueError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    scenario, plan = load_project(args.plan)
    if plan is None:
        raise ProjectError(f"{args.plan}: holds no plan to repair")
    progress = CliProgress(not args.quiet)
    try:
        result = replan(
            plan,
            args.start,
            absences,
            urgents,
            ReplanSettings(time_limit=args.time_limit),
            progress,
        )
    except ValueError as exc:
        progress.done()
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    progress.done()
    save_project(args.out, result.plan.scenario, result.plan)
    changes = result.changes
    csv_path = args.out.with_name(args.out.stem + "_changes.csv")
    changes.to_csv(csv_path, index=False, encoding="utf-8-sig")
    xlsx_path = write_changes_xlsx(
        result.plan, changes, args.out.with_name(args.out.stem + "_changes.xlsx")
    )
    for sid, mine in changes.groupby("squad_id", sort=True):
        print(f"中队 squad {sid or '-'}:")
        for r in mine.itertuples(index=False):
            old = f"{r.old_day} T{r.old_team}" if r.old_day else "-"
            new = f"{r.new_day} T{r.new_team}" if r.new_day else "-"
            print(
                f"  {r.change:<7} {r.visit_id or '-':<8} {r.enterprise_id:<8} "
                f"{r.kind:<8} {old} -> {new}  {r.reason}"
            )
    st = result.stats
    print(
        f"改动 changes: moved {st['moved']}, added {st['added']}, dropped "
        f"{st['dropped']}; untouched visits keeping day and team "
        f"{st['future_untouched_kept']}/{st['future_untouched']} "
        f"({st['kept_share']:.1%}); follow-ups on time {st['followups_on_time']}/"
        f"{st['followups']}; urgent on time {st['urgent_on_time']}/{st['urgent']}; "
        f"{st['seconds']:.1f} s"
    )
    print(f"改动清单 change list: {xlsx_path} (one sheet per squad), {csv_path}")
    problems = validate(result.plan)
    for v in problems[:20]:
        print(f"  {v.kind}: {v.message}")
    print(f"validator: {len(problems)} violation(s)")
    return 0 if not problems else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command is None:
        from desktop.app import run_gui

        return run_gui(project=args.project, lang=args.lang, screenshot=args.screenshot)
    from cli_store import cmd_batch, cmd_db

    handler = {
        "plan": cmd_plan,
        "zone": cmd_zone,
        "rebalance": cmd_rebalance,
        "compare": cmd_compare,
        "schedule": cmd_schedule,
        "validate": cmd_validate,
        "export": cmd_export,
        "import": cmd_import,
        "patrols": cmd_patrols,
        "db": cmd_db,
        "batch": cmd_batch,
        "results": cmd_results,
        "replan": cmd_replan,
    }[args.command]
    from planning.io.project import ProjectError
    from planning.model import PolicyError, ScenarioError

    try:
        return handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (ProjectError, ScenarioError, PolicyError, FileNotFoundError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
