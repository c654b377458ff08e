"""Write the user guide's screenshots: ``python -m desktop.screenshots [DIR]``.

Plans the bundled sample county with short solver limits, then grabs the
main window in Chinese and in English, the import dialog with a preview,
the hotspot dock, the zoning notes and the comparison of a fewest-changes
rebalance with today's zones, into ``docs/screenshots/`` (or ``DIR``). Runs
offscreen when no display is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from planning.plan import Plan

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZE = (1600, 960)


def _settle(app: QApplication, msecs: int) -> None:
    done: list[bool] = []
    QTimer.singleShot(msecs, lambda: done.append(True))
    while not done:
        app.processEvents()


def _save(widget: QWidget, path: Path) -> Path:
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    print(path)
    return path


def main(out_dir: Path = DEFAULT_DIR) -> list[Path]:
    """Grab every screenshot into ``out_dir``; returns the written files."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.app import application

    app = application()
    from desktop.i18n import install_language
    from desktop.main_window import MainWindow
    from planning.plan import PlanSettings, run_plan
    from planning.sample import build_sample
    from planning.scheduling import ScheduleSettings
    from planning.zoning import ZoningSettings

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="planner-shots-"))
    fast = PlanSettings(
        zoning=ZoningSettings(time_limit=10.0),
        scheduling=ScheduleSettings(time_limit=15.0, route_time_limit=0.2),
    )
    plan = run_plan(build_sample(n_enterprises=1200, n_events=3000), fast)
    install_language("zh_CN")
    settings = QSettings(str(tmp / "planner.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, plan_settings=fast)
    window.unsaved_answer = "discard"
    window.resize(*SIZE)
    window.show()
    window.document.set_plan(plan, None, saved=True)
    ready: list[bool] = []
    window.map_view.mapReady.connect(lambda: ready.append(True))
    while not ready:
        app.processEvents()
    _settle(app, 1500)
    written = [_save(window, out_dir / "main-window-zh.png")]

    window.set_language("en")
    _settle(app, 500)
    written.append(_save(window, out_dir / "main-window-en.png"))
    window.set_language("zh_CN")

    hs = plan.scenario.hotspots.head(30)
    csv = tmp / "热点事件_2026-11.csv"
    lines = ["事件编号,事件类型,发生时间,经度,纬度,来源"]
    for _, h in hs.iterrows():
        lines.append(
            f"{h['event_id']},{h['event_type']},{h['time']},"
            f"{h.geometry.x:.6f},{h.geometry.y:.6f},{h['source']}"
        )
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialog = window.open_import_dialog(csv)
    assert dialog is not None
    dialog.resize(860, 600)
    _settle(app, 400)
    written.append(_save(dialog, out_dir / "import-dialog.png"))
    dialog.close()

    window.hotspot_dock.show()
    window.hotspot_dock.raise_()
    _settle(app, 300)
    window.hotspot_panel.refresh()
    window.hotspot_panel.tabs.setCurrentIndex(1)  # 高发网格 (top cells per zone)
    _settle(app, 700)
    written.append(_save(window, out_dir / "hotspot-dock.png"))

    # 划片说明: a real zoning of the sample under rules it cannot meet (±2%
    # with a 12-minute reach)
    from desktop.explain import ZoningNotes
    from planning.zoning import ZoningInput, zone

    sc = plan.scenario
    tight = ZoningSettings(tolerance=0.02, reach_minutes=12.0, time_limit=8.0)
    res = zone(ZoningInput(sc.cells, sc.squads, sc.policy), tight)
    window._set_zoning_notes(
        ZoningNotes("zoning", res.feasible, list(res.explanation), tight.tolerance)
    )
    window.notes_dock.resize(640, 420)
    _settle(app, 500)
    written.append(_save(window.notes_dock, out_dir / "zoning-notes.png"))
    written.append(_compare_shot(app, window, plan, out_dir))
    window.close()
    return written


def _compare_shot(
    app: QApplication, window: QWidget, plan: Plan, out_dir: Path
) -> Path:
    """方案对比: the sample's zones (A, "today") against a real ±2% fewest-changes
    rebalance of them (B), as the window shows it after 最少改动重新平衡."""
    from desktop.zoning_tools import CompareDialog, plan_side
    from planning.compare import PlanSide, compare
    from planning.rebalance import RebalanceSettings, rebalance

    sc = plan.scenario
    today = plan_side(plan, "现行片区")
    tight = RebalanceSettings(tolerance=0.02, time_limit=15.0)
    result = rebalance(today.cells, sc.squads, sc.policy, tight)
    after = today.cells.assign(
        squad_id=today.cells["cell_id"].map(result.assignment).to_numpy()
    )
    comparison = compare(today, PlanSide("重新平衡 ±2%", after), sc.squads, sc.policy)
    dialog = CompareDialog(comparison, "zh_CN", window)
    loaded: list[bool] = []
    dialog.map.loadFinished.connect(lambda ok: loaded.append(ok))
    dialog.resize(1280, 860)
    dialog.show()
    while not loaded:
        app.processEvents()
    _settle(app, 2000)
    shot = _save(dialog, out_dir / "compare-dialog.png")
    dialog.close()
    return shot


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR)
