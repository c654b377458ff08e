"""Everything a plan run writes to its output folder, in one call.

The CLI's ``plan`` and ``export`` commands and the app's File > Export use
this, so the files a field team gets do not depend on where they came from.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from maps.export.common import squad_ids
from maps.export.navigation import write_navigation
from maps.export.pdf import write_work_orders
from maps.export.spreadsheets import write_schedule_xlsx
from maps.export.summary import write_summary
from maps.render import basemap_spec, write_squad_maps
from planning.io.project import save_project
from planning.plan import Plan
from planning.progress import (
    CancelToken,
    ProgressEvent,
    ProgressFn,
    no_progress,
    staged,
)

STEPS = ("gpkg", "maps", "xlsx", "pdf", "nav", "summary")


def export_plan(
    plan: Plan,
    out_dir: str | Path,
    progress: ProgressFn = no_progress,
    squad_id: str | None = None,
    cancel: CancelToken | None = None,
    per_day: bool = False,
    basemap: str = "none",
    basemap_key: str | None = None,
) -> dict[str, list[Path]]:
    """Write the plan's field exports into ``out_dir``.

    ``plan.gpkg`` (whole plan), ``maps/<squad>.html`` (offline maps),
    ``schedule.xlsx``, ``work_orders/<squad>_作业单.pdf``, ``navigation/``
    (KML per squad, GPX per squad-day) and ``summary.html``. With
    ``squad_id`` only that squad's maps, work orders and navigation files
    are written (the GeoPackage and summary stay county-wide). With
    ``per_day`` each squad also gets ``maps/<squad>/<day>.html`` showing only
    that day's routes (a phone opens a small page). Returns the written
    paths by kind. ``basemap`` (``"osm"``, ``"tianditu"`` with
    ``basemap_key``, ``"amap"``; see ``maps.render.BASEMAPS``) adds that
    tile layer to the maps for phones that are online; offline they keep the
    plain background.
    """
    basemap_spec(basemap, basemap_key)  # fail on a bad basemap before writing
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    squad_ids(plan, squad_id)  # fail on a typo before writing anything

    def step(i: int, label: str) -> ProgressFn:
        progress(ProgressEvent("export", i / len(STEPS), label))
        if cancel is not None:
            cancel.raise_if_cancelled()
        return staged(progress, "export", i / len(STEPS), (i + 1) / len(STEPS))

    written: dict[str, list[Path]] = {}
    step(0, "保存 plan.gpkg")
    written["gpkg"] = [save_project(out / "plan.gpkg", plan.scenario, plan)]
    report = step(1, "离线地图 maps")
    squad_plan = plan if squad_id is None else _only_squad(plan, squad_id)
    written["maps"] = list(
        write_squad_maps(
            squad_plan, out / "maps", report, basemap=basemap, basemap_key=basemap_key
        )
    )
    if per_day:
        staging = out / "maps" / ".day"
        for day in sorted(set(squad_plan.visits["day"].astype(str))):
            for path in write_squad_maps(
                day_plan(squad_plan, day),
                staging,
                basemap=basemap,
                basemap_key=basemap_key,
            ):
                target = out / "maps" / path.stem / f"{day}.html"
                target.parent.mkdir(exist_ok=True)
                path.replace(target)
                written["maps"].append(target)
        staging.rmdir()
    step(2, "排程表 schedule.xlsx")
    written["xlsx"] = [
        write_schedule_xlsx(plan, out / "schedule.xlsx", squad_id=squad_id)
    ]
    report = step(3, "作业单 work orders (PDF)")
    written["pdf"] = write_work_orders(
        plan, out / "work_orders", squad_id=squad_id, progress=report
    )
    step(4, "手机导航 KML/GPX")
    written["nav"] = write_navigation(plan, out / "navigation", squad_id=squad_id)
    step(5, "汇总 summary.html")
    written["summary"] = [write_summary(plan, out / "summary.html")]
    progress(ProgressEvent("export", 1.0, "导出完成 export done"))
    return written


def day_plan(plan: Plan, day: str) -> Plan:
    """Only ``day``'s visits and routes, and only the squads out that day."""
    from dataclasses import replace

    visits = plan.visits[plan.visits["day"].astype(str) == day]
    scenario = plan.scenario.copy()
    scenario.squads = scenario.squads[
        scenario.squads["squad_id"].isin(set(visits["squad_id"]))
    ]
    patrols, points = plan.patrols, plan.patrol_points
    if patrols is not None and len(patrols):
        weekday = date.fromisoformat(day).isoweekday()
        patrols = patrols[patrols["day"].astype(int) == weekday]
        if points is not None:
            points = points[points["loop_id"].isin(set(patrols["loop_id"]))]
    return replace(
        plan,
        scenario=scenario,
        patrols=patrols,
        patrol_points=points,
        visits=visits,
        routes=plan.routes[plan.routes["day"].astype(str) == day],
    )


def _only_squad(plan: Plan, squad_id: str) -> Plan:
    """A shallow view of the plan whose squad list holds one squad."""
    from dataclasses import replace

    scenario = plan.scenario.copy()
    scenario.squads = scenario.squads[scenario.squads["squad_id"] == squad_id]
    return replace(plan, scenario=scenario)
