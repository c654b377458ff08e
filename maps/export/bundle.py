"""Everything a plan run writes to its output folder, in one call.

The CLI's ``plan`` and ``export`` commands and the app's File > Export use
this, so the files a field team gets do not depend on where they came from.
"""

from __future__ import annotations

from pathlib import Path

from maps.export.spreadsheets import write_schedule_xlsx
from maps.render import write_squad_maps
from planning.io.project import save_project
from planning.plan import Plan
from planning.progress import ProgressEvent, ProgressFn, no_progress


def export_plan(
    plan: Plan, out_dir: str | Path, progress: ProgressFn = no_progress
) -> dict[str, list[Path]]:
    """Write ``plan.gpkg``, ``maps/<squad>.html`` and ``schedule.xlsx``.

    Returns the written paths by kind.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    progress(ProgressEvent("export", 0.0, "保存 plan.gpkg"))
    gpkg = save_project(out / "plan.gpkg", plan.scenario, plan)
    progress(ProgressEvent("export", 0.3, "地图 maps"))
    maps = write_squad_maps(plan, out / "maps")
    progress(ProgressEvent("export", 0.8, "排程表 schedule.xlsx"))
    xlsx = write_schedule_xlsx(plan, out / "schedule.xlsx")
    progress(ProgressEvent("export", 1.0, "导出完成 export done"))
    return {"gpkg": [gpkg], "maps": list(maps), "xlsx": [xlsx]}
