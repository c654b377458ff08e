"""Desktop responsiveness benchmark: ``python -m benchmarks.app``.

Prints one table:

* open the sample project (a saved .gpkg with a plan) and show its map (s);
* a 10,000-cell, 20,000-enterprise county: render + page load until the map
  is ready (s), then the page's frame time while it is panned by script
  (median / p95 interval between animation frames, ms);
* manual reassignment of 50 cells: time until the squads table shows the new
  loads (ms; first edit builds the cell graph, then the median of 10);
* event-loop latency while the zoning solver runs in its worker: the largest
  lateness of a 10 ms QTimer (ms); then the same while the window takes in
  the new zoning (tables, statistics) until the map is redrawn.

Runs offscreen; all data are the synthetic sample (示例数据).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402

from desktop.app import application  # noqa: E402

BIG_CELL_M = 340.0  # ~10,000 cells on the sample county
BIG_ENTERPRISES = 20_000


def _wait(app: object, flag: list[bool], timeout_s: float = 600.0) -> None:
    end = time.perf_counter() + timeout_s
    while not flag and time.perf_counter() < end:
        app.processEvents()  # type: ignore[attr-defined]
    if not flag:
        raise TimeoutError("timed out")


def _big_plan() -> object:
    """10k cells, 20k enterprises, zoned to the nearest base (no solver)."""
    import geopandas as gpd
    import numpy as np

    from desktop.document import zone_layer_of
    from planning.plan import Plan, prepare
    from planning.sample import build_sample
    from planning.travel import metric_crs

    sc = prepare(build_sample(cell_m=BIG_CELL_M, n_enterprises=BIG_ENTERPRISES))
    crs = metric_crs(sc.cells)
    c = sc.cells.geometry.to_crs(crs).centroid
    b = sc.squads.geometry.to_crs(crs)
    d = np.hypot(
        c.x.to_numpy()[:, None] - b.x.to_numpy()[None, :],
        c.y.to_numpy()[:, None] - b.y.to_numpy()[None, :],
    )
    sc.cells["squad_id"] = sc.squads["squad_id"].to_numpy()[d.argmin(axis=1)]
    empty = gpd.GeoDataFrame(
        {k: [] for k in ("visit_id", "enterprise_id", "squad_id", "team", "day")},
        geometry=[],
        crs="EPSG:4326",
    )
    for k in ("seq", "eta", "start", "end", "service_min", "items", "item_names"):
        empty[k] = []
    empty["departments"] = []
    empty["crew"] = []
    routes = gpd.GeoDataFrame(
        {k: [] for k in ("route_id", "squad_id", "team", "day", "km", "travel_min")},
        geometry=[],
        crs="EPSG:4326",
    )
    import pandas as pd

    plan = Plan(
        scenario=sc,
        zones=gpd.GeoDataFrame(),
        visits=empty,
        routes=routes,
        unscheduled=pd.DataFrame(columns=["enterprise_id", "squad_id", "reason"]),
        roster=pd.DataFrame(
            columns=["dept_id", "day", "squad_id", "team", "inspectors"]
        ),
    )
    plan.zones = zone_layer_of(plan)
    return plan


_PAN_JS = """
(function (animate) {
  var pm = window.plannerMap, k = 0, last = null;
  window.__pan = {frames: [], done: false};
  function step(t) {
    if (last !== null) { window.__pan.frames.push(t - last); }
    last = t;
    if (animate) {
      // a planner's pan: Leaflet slides the drawn canvas, redraws at the end
      if (k % 30 === 0) {
        pm.map.panBy([k % 60 === 0 ? 300 : -300, 0], {animate: true, duration: 0.4});
      }
    } else {
      // worst case: every frame moves the map and redraws every feature
      pm.map.panBy([k % 40 < 20 ? 40 : -40, 15], {animate: false});
    }
    k += 1;
    if (k <= 120) { requestAnimationFrame(step); } else { window.__pan.done = true; }
  }
  requestAnimationFrame(step);
  return true;
})"""


def _js(app: object, window: object, script: str) -> object:
    box: list[object] = []
    window.map_view.page().runJavaScript(script, 0, box.append)  # type: ignore[attr-defined]
    _wait(app, box, 60.0)
    return box[0]


def _pan_frames(app: object, window: object, animate: bool) -> tuple[float, float, int]:
    """Pan the page by script for 120 animation frames and return the median
    and p95 interval between frames (ms)."""
    _js(app, window, f"{_PAN_JS}({str(animate).lower()});")
    end = time.perf_counter() + 120
    while time.perf_counter() < end:
        if _js(app, window, "window.__pan.done"):
            break
        time.sleep(0.05)
    # arrays do not cross runJavaScript intact: the page sends JSON
    text = _js(app, window, "JSON.stringify(window.__pan.frames)")
    frames = [float(f) for f in json.loads(str(text))]
    if not frames:
        raise RuntimeError("the page drew no animation frames")
    frames.sort()
    return statistics.median(frames), frames[int(0.95 * (len(frames) - 1))], len(frames)


def _p99(values: list[float]) -> float:
    return sorted(values)[int(0.99 * (len(values) - 1))]


def main() -> None:
    app = application()
    from desktop.i18n import install_language
    from desktop.main_window import MainWindow
    from planning.io.project import save_project
    from planning.plan import PlanSettings, run_plan
    from planning.sample import build_sample
    from planning.scheduling import ScheduleSettings
    from planning.zoning import ZoningSettings

    install_language("zh_CN")
    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    settings = QSettings(str(tmp / "bench.ini"), QSettings.Format.IniFormat)
    fast = PlanSettings(
        zoning=ZoningSettings(time_limit=10.0),
        scheduling=ScheduleSettings(time_limit=15.0, route_time_limit=0.2),
    )
    rows: list[tuple[str, str]] = []

    sample = run_plan(build_sample(), fast)
    project = save_project(tmp / "sample.gpkg", sample.scenario, sample)
    window = MainWindow(settings, plan_settings=fast)
    window.unsaved_answer = "discard"
    window.resize(1500, 900)
    window.show()
    ready: list[bool] = []
    window.map_view.mapReady.connect(lambda: ready.append(True))
    t0 = time.perf_counter()
    window.open_project(project)
    _wait(app, ready)
    rows.append(
        ("open sample project + show map (s)", f"{time.perf_counter() - t0:.2f}")
    )

    big = _big_plan()
    n_cells, n_ent = len(big.scenario.cells), len(big.scenario.enterprises)
    ready.clear()
    t0 = time.perf_counter()
    window.document.set_plan(big, None, saved=True)
    _wait(app, ready)
    rows.append(
        (
            f"{n_cells:,} cells / {n_ent:,} enterprises: render + load (s)",
            f"{time.perf_counter() - t0:.2f}",
        )
    )

    for animate, how in ((True, "animated pans"), (False, "redraw every frame")):
        median_ms, p95_ms, frames = _pan_frames(app, window, animate)
        rows.append(
            (
                f"pan that map, {how}: median / p95 frame (ms, {frames} frames)",
                f"{median_ms:.0f} / {p95_ms:.0f}",
            )
        )

    cells = big.scenario.cells
    squads = [str(s) for s in big.scenario.squads["squad_id"]]
    times = []
    for i in range(11):
        target = squads[i % len(squads)]
        pick = cells.loc[cells["squad_id"] != target, "cell_id"].iloc[
            i * 50 : i * 50 + 50
        ]
        t0 = time.perf_counter()
        window.assign_cells([str(c) for c in pick], target)
        app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
    rows.append(("reassign 50 cells, first edit (ms)", f"{times[0]:.0f}"))
    rows.append(
        ("reassign 50 cells, median of 10 (ms)", f"{statistics.median(times[1:]):.0f}")
    )

    lateness: list[float] = []
    after: list[float] = []  # once the solver is done: the plan swap + redraw
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)
    done: list[bool] = []

    def tick() -> None:
        (after if done else lateness).append(max(0.0, clock.restart() - 10.0))

    timer.timeout.connect(tick)
    window.runner.busyChanged.connect(lambda busy: busy or done.append(True))
    window.plan_settings = PlanSettings(zoning=ZoningSettings(time_limit=10.0))
    redrawn: list[bool] = []
    window.map_view.mapReady.connect(lambda: done and redrawn.append(True))
    clock.start()
    timer.start()
    window.run_zoning()
    _wait(app, done)
    _wait(app, redrawn)
    timer.stop()
    rows.append(
        (
            "event-loop lateness during zoning, max / p99 (ms)",
            f"{max(lateness):.0f} / {_p99(lateness):.0f}",
        )
    )
    rows.append(
        (
            "  then taking in the zoning until the map is redrawn, max (ms)",
            f"{max(after, default=0.0):.0f}",
        )
    )
    window.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  -----")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
