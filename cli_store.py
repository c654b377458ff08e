"""``db`` and ``batch`` commands of ``python main.py`` (the shared store and
county batches on Dask); main.py only registers them, and reads ``plan``'s
settings with :func:`plan_settings` as ``batch`` does."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planning.plan import PlanSettings

EXIT_SOME_FAILED = 3
EXIT_CONFLICT = 4


def _standby_cars(text: str) -> int:
    """``--standby-cars``: a whole number of cars, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of patrol cars, 0 or more (0 = none), not {text!r}"
        )
    return value


def standby_cars_option(p: argparse.ArgumentParser) -> None:
    """``--standby-cars N`` of ``plan`` and ``batch``."""
    p.add_argument(
        "--standby-cars",
        type=_standby_cars,
        metavar="N",
        help="patrol cars per squad on standby in each peak window on a plan "
        "with roads (0 = none; default: the policy's [roads] standby_cars, 2)",
    )


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``db`` and ``batch`` on main.py's sub-command parser."""
    db = sub.add_parser(
        "db",
        help="shared PostGIS store: push, pull, list, revisions, restore",
        description="The password comes from PGPASSWORD or the pgpass file, "
        "never from the command line.",
    )
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    def url_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            default=os.environ.get("PLANNER_DB"),
            help="postgresql://user@host:port/dbname (default: $PLANNER_DB)",
        )
        p.add_argument(
            "--user", help="name recorded on the change (default login@host)"
        )

    push = dbsub.add_parser("push", help="save a project .gpkg as a new revision")
    push.add_argument("plan", type=Path, help="project/plan .gpkg")
    push.add_argument("--name", required=True, help="project name in the store")
    push.add_argument(
        "--replace",
        action="store_true",
        help="add a revision over an existing project of that name",
    )
    push.add_argument("--message", default="", help="note kept with the revision")
    pull = dbsub.add_parser("pull", help="write a stored project to a .gpkg")
    pull.add_argument("name")
    pull.add_argument("--out", type=Path, required=True, help="output .gpkg")
    pull.add_argument("--revision", type=int, help="an earlier revision")
    lst = dbsub.add_parser("list", help="projects in the store")
    revs = dbsub.add_parser("revisions", help="saved revisions of a project")
    revs.add_argument("name")
    restore = dbsub.add_parser(
        "restore", help="make an earlier revision the latest (as a new revision)"
    )
    restore.add_argument("name")
    restore.add_argument("revision", type=int)
    for p in (push, pull, lst, revs, restore):
        url_option(p)

    batch = sub.add_parser(
        "batch",
        help="plan many counties on Dask (LocalCluster or a scheduler)",
        description="One task per county; writes DIR/<name>/ and DIR/batch.xlsx. "
        "Exit 0 when every county succeeded, 3 when some failed.",
    )
    batch.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario .gpkg files, or project names in the store (with --db)",
    )
    batch.add_argument("--out", type=Path, required=True, help="output folder")
    where = batch.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, help="LocalCluster worker processes (default: cores)"
    )
    where.add_argument("--scheduler", help="running scheduler, e.g. tcp://HOST:8786")
    batch.add_argument(
        "--retries", type=int, default=2, help="re-runs of a county whose worker died"
    )
    batch.add_argument(
        "--db",
        default=os.environ.get("PLANNER_DB"),
        help="store URL for scenarios given by project name",
    )
    batch.add_argument(
        "--push",
        action="store_true",
        help="save each store county's plan back as a new revision",
    )
    batch.add_argument("--tolerance", type=float, default=0.05)
    batch.add_argument("--nest", choices=["town", "area"])
    batch.add_argument("--reach-minutes", type=float)
    batch.add_argument("--zoning-time-limit", type=float, default=30.0)
    batch.add_argument("--time-limit", type=float, default=60.0, help="scheduling s")
    batch.add_argument(
        "--keep-zones",
        action="store_true",
        help="keep the cells' squad_id (today's zones) and only schedule; "
        "cells without one are zoned",
    )
    batch.add_argument(
        "--no-patrols", action="store_true", help="skip hotspot patrol loops"
    )
    standby_cars_option(batch)
    batch.add_argument("--quiet", action="store_true", help="no per-county lines")


def cmd_db(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from planning.store import (
        PlanStore,
        ProjectExistsError,
        StaleSaveError,
        StoreError,
    )
    from planning.store.files import read_gpkg_layers, write_gpkg_layers

    if not args.db:
        print("错误 error: give --db URL or set PLANNER_DB", file=sys.stderr)
        return 2
    store = PlanStore(args.db, user=args.user)
    try:
        if args.db_command == "push":
            saved = store.save_layers(
                args.name,
                read_gpkg_layers(args.plan),
                replace=args.replace,
                message=args.message,
            )
            print(f"已保存 saved {args.name} revision {saved.revision}")
        elif args.db_command == "pull":
            layers, opened = store.load_layers(args.name, args.revision)
            write_gpkg_layers(args.out, layers)
            rev = args.revision or opened.revision
            print(f"已取出 pulled {args.name} revision {rev} to {args.out}")
        elif args.db_command == "list":
            for p in store.projects():
                when = f"{p.changed_at:%Y-%m-%d %H:%M}" if p.changed_at else "-"
                rows = sum(p.layers.values())
                print(
                    f"{p.name}\trevision {p.revision}\t{len(p.layers)} layers, "
                    f"{rows} rows\tchanged by {p.changed_by} at {when}"
                )
        elif args.db_command == "revisions":
            for r in store.revisions(args.name):
                print(
                    f"{r.revision}\t{r.saved_at:%Y-%m-%d %H:%M:%S}\t{r.saved_by}\t"
                    f"based on {r.based_on or '-'}\t{r.message}"
                )
        elif args.db_command == "restore":
            saved = store.restore(args.name, args.revision)
            print(
                f"已恢复 restored {args.name} revision {args.revision} "
                f"as revision {saved.revision}"
            )
    except StaleSaveError as exc:
        print(f"冲突 conflict: {exc}", file=sys.stderr)
        return EXIT_CONFLICT
    except ProjectExistsError as exc:
        print(f"错误 error: {exc} (db push --replace)", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    except sa.exc.OperationalError as exc:
        print(f"错误 error: cannot reach the store: {exc.orig}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def plan_settings(args: argparse.Namespace, **extra: Any) -> PlanSettings:
    """The zoning and scheduling settings of ``plan`` and ``batch``, read
    from the solver options both take; ``extra`` sets other PlanSettings."""
    from planning.plan import PlanSettings
    from planning.scheduling import ScheduleSettings
    from planning.zoning import ZoningSettings

    return PlanSettings(
        zoning=ZoningSettings(
            tolerance=args.tolerance,
            nest=args.nest,
            reach_minutes=args.reach_minutes,
            time_limit=args.zoning_time_limit,
        ),
        scheduling=ScheduleSettings(time_limit=args.time_limit),
        **extra,
    )


def cmd_batch(args: argparse.Namespace) -> int:
    from maps.export.bundle import export_plan
    from planning.batch import CountyResult, run_batch, sources_from

    settings = plan_settings(
        args,
        rezone=not args.keep_zones,
        standby_cars=args.standby_cars,
        **({"patrols": None} if args.no_patrols else {}),
    )
    sources = sources_from(args.scenarios, args.db)

    def report(result: CountyResult, done: int, total: int) -> None:
        if result.status == "ok":
            if not args.quiet:
                print(
                    f"[{done}/{total}] {result.name} ok {result.seconds:.1f}s "
                    f"spread {result.spread_pct:.1f}% visits {result.visits}",
                    file=sys.stderr,
                    flush=True,
                )
        else:
            print(
                f"[{done}/{total}] 失败 failed {result.name} ({result.source}): "
                f"{result.error}",
                file=sys.stderr,
                flush=True,
            )

    batch = run_batch(
        sources,
        args.out,
        settings,
        workers=args.workers,
        scheduler=args.scheduler,
        retries=args.retries,
        exporter=export_plan,
        push=args.push,
        on_result=report,
    )
    ok = len(batch.results) - len(batch.failed)
    print(
        f"{ok}/{len(batch.results)} counties planned in {batch.seconds:.1f}s; "
        f"wrote {args.out / 'batch.xlsx'}"
    )
    for r in batch.failed:
        print(f"失败 failed: {r.name} ({r.source}): {r.error}")
    return EXIT_SOME_FAILED if batch.failed else 0
