"""Render map pages in a separate process, so the window never waits.

Turning a county into a page is pure Python plus long C calls that hold
the GIL (pandas, shapely's per-geometry GeoJSON, one ``json.dumps`` of a
few MB). In a thread of the GUI process those calls stop the event loop
for 200-400 ms on this machine (``benchmarks/app.py``). A single worker
process started with ``spawn`` (no copy of Qt's state) renders instead;
the calling thread only waits on a future, which releases the GIL.

The process is started ahead of the first render (:func:`warm_up`), kept
for the session and rebuilt if it dies. When processes cannot be used
(``PATROL_PLANNER_RENDER_IN_THREAD=1``, or the pool breaks twice), pages
are rendered in the calling thread as before.

This module imports no Qt: the worker process loads only ``maps`` and
``planning``.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import geopandas as gpd
import pandas as pd

from planning.plan import Plan

_LOCK = threading.Lock()
_POOL: ProcessPoolExecutor | None = None
_BROKEN = 0


@dataclasses.dataclass
class _Packed:
    """A table pickled column by column (see :func:`_pack`)."""

    columns: list[bytes]
    geometry: str | None
    crs: Any


def _walk(obj: Any, leaf: type, fn: Callable[[Any], Any]) -> Any:
    """``obj`` with ``fn`` applied to every ``leaf`` in it and in the
    dataclasses it holds (a plan, its scenario)."""
    if isinstance(obj, leaf):
        return fn(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.init and (isinstance(value, leaf) or dataclasses.is_dataclass(value)):
                changes[f.name] = _walk(value, leaf, fn)
        return dataclasses.replace(obj, **changes)
    return obj


def _pack_frame(frame: pd.DataFrame) -> _Packed:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    crs = frame.crs if geometry is not None else None
    cols = [pickle.dumps(frame.iloc[:, k]) for k in range(frame.shape[1])]
    if not cols:
        return _Packed([pickle.dumps(frame)], None, None)
    return _Packed(cols, geometry, crs)


def _unpack_frame(packed: _Packed) -> pd.DataFrame:
    parts = [pickle.loads(b) for b in packed.columns]
    if len(parts) == 1 and isinstance(parts[0], pd.DataFrame):
        return parts[0]
    frame = pd.concat(parts, axis=1)
    if packed.geometry is not None:
        return gpd.GeoDataFrame(frame, geometry=packed.geometry, crs=packed.crs)
    return frame


def _pack(obj: Any) -> Any:
    """``obj`` (a plan or scenario) with every table pickled column by column.

    One ``pickle.dumps`` of a whole plan is a single C call that holds the GIL
    for 0.1 s on a 20,000-firm county; per column no call takes over ~10 ms,
    so the window keeps its event loop while the page is sent off.
    """
    return _walk(obj, pd.DataFrame, _pack_frame)


def _unpack(obj: Any) -> Any:
    return _walk(obj, _Packed, _unpack_frame)


def _in_thread() -> bool:
    return os.environ.get("PATROL_PLANNER_RENDER_IN_THREAD") == "1" or _BROKEN >= 2


def _load() -> None:
    """Worker start: import the renderer once, not at the first page."""
    import maps.render  # noqa: F401


def _pool() -> ProcessPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_load,
            )
        return _POOL


def _drop_pool() -> None:
    global _POOL, _BROKEN
    with _LOCK:
        _BROKEN += 1
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def warm_up() -> None:
    """Start the worker process now (it takes a second or two to import)."""
    if not _in_thread():
        _pool().submit(_load)


def render_page(
    plan: Plan,
    *,
    rebuild_zones: bool = False,
    basemap: str = "none",
    basemap_key: str | None = None,
    layer_control: bool = False,
) -> str:
    """The page's HTML for ``plan`` (zones redrawn from the cells first when
    ``rebuild_zones``); blocks the calling thread, never the GIL."""
    if not _in_thread():
        try:
            future: Future[str] = _pool().submit(
                _render_packed,
                _pack(plan),
                rebuild_zones,
                basemap,
                basemap_key,
                layer_control,
            )
            return future.result()
        except BrokenProcessPool:
            _drop_pool()  # the worker died (killed, out of memory): try once here
    return _render(plan, rebuild_zones, basemap, basemap_key, layer_control)


def render_file(
    path: str,
    *,
    basemap: str = "none",
    basemap_key: str | None = None,
    layer_control: bool = False,
) -> str | None:
    """The page for the plan saved in the project file ``path``, read by the
    worker process itself (``None`` when the file holds no plan yet).

    Opening a project then costs one read, not a read followed by a render:
    the window loads the same file in its own thread meanwhile."""
    if not _in_thread():
        try:
            future: Future[str | None] = _pool().submit(
                _render_file, path, basemap, basemap_key, layer_control
            )
            return future.result()
        except BrokenProcessPool:
            _drop_pool()
    return _render_file(path, basemap, basemap_key, layer_control)


def _render_file(
    path: str, basemap: str, basemap_key: str | None, layer_control: bool
) -> str | None:
    from planning.io.project import load_project

    _scenario, plan = load_project(path)
    if plan is None:
        return None
    return _render(plan, False, basemap, basemap_key, layer_control)


def _render_packed(packed: Plan, *args: Any) -> str:
    return _render(_unpack(packed), *args)


def _render(
    plan: Plan,
    rebuild_zones: bool,
    basemap: str,
    basemap_key: str | None,
    layer_control: bool,
) -> str:
    from dataclasses import replace

    from maps.render import render_plan_map
    from planning.plan import zone_layer

    if rebuild_zones:
        plan = replace(plan, zones=zone_layer(plan))
    return render_plan_map(
        plan, basemap=basemap, basemap_key=basemap_key, layer_control=layer_control
    )


@atexit.register
def shutdown() -> None:
    """Stop the worker process (at exit; also safe to call twice)."""
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
