"""The central map: the plan rendered by ``maps.render`` in a QWebEngineView.

The page is written to a temporary file and loaded by URL because
``setHtml`` silently fails above 2 MB, which a county's cells exceed.
Rendering the HTML is pure Python and can take a second on a large county,
so it runs in the thread pool on a snapshot of the plan; a newer request
supersedes an older one. Clicks on cells come back through a QWebChannel
(``bridge.cellClicked``), injected as a user script so ``maps/`` stays
free of Qt.

The page is rendered without Leaflet's own layer switcher: the layer panel
is the one place that shows and hides overlays, and its state (kept here) is
put back on every re-render, as are the locked cells and the cells' opacity.
The basemap (none by default: nothing is loaded from the network) is chosen
with :meth:`MapView.set_basemap`, which re-renders the page.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import (
    QFile,
    QIODevice,
    QObject,
    QTemporaryDir,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineScript
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from desktop import render_pool
from desktop.render_pool import render_file, render_page
from desktop.road_layers import ADD_JS, road_layers_json
from desktop.workers import TaskRunner
from maps.render import basemap_spec
from planning.plan import Plan

SELECTED_STYLE = {"color": "#000000", "weight": 3, "opacity": 1, "fillOpacity": 0.7}
LAYER_KEYS = (
    "towns",
    "cells",
    "zones",
    "enterprises",
    "bases",
    "hotspots",
    "routes",
    "patrols",
    "roads",
    "barriers",
    "reach",
    "standby",
)
"""Overlays of ``window.plannerMap.layers`` the layer panel switches;
``routes`` stands for every day's route layer. ``roads`` and ``barriers``
are added by the window (:mod:`desktop.road_layers`), ``reach`` and
``standby`` come with a plan made on roads."""
ROAD_KEYS = ("roads", "barriers", "reach", "standby")
"""Overlays only some plans have (the layer panel hides the others)."""
OFF_BY_DEFAULT = frozenset({"routes", "patrols"})
STACK_ORDER = ("bases", "enterprises", "patrols", "routes", "zones", "cells", "towns")
"""Vector overlays top first, as the page draws them by default; the heat
map has its own pane above them."""

_LAYER_JS = """
(function (key, on) {
  var pm = window.plannerMap, list = [];
  if (!pm) { return 0; }
  if (key === "routes") {
    for (var d in (pm.layers.routes || {})) { list.push(pm.layers.routes[d]); }
  } else if (pm.layers[key] && pm.layers[key].addTo) {
    list.push(pm.layers[key]);
  }
  // the page splits reach into 5 min and 15/30 min; one panel row serves both
  if (key === "reach" && pm.layers.reach5) { list.push(pm.layers.reach5); }
  list.forEach(function (l) {
    if (on) { if (!pm.map.hasLayer(l)) { pm.map.addLayer(l); } }
    else { pm.map.removeLayer(l); }
  });
  return list.length;
})
"""
_OPACITY_JS = """
(function (f, ids) {
  var pm = window.plannerMap;
  if (!pm) { return; }
  (ids || Object.keys(pm.cellLayers)).forEach(function (k) {
    var l = pm.cellLayers[k];
    if (!l) { return; }
    if (l._pmBase === undefined || ids) { l._pmBase = l.options.fillOpacity; }
    var locked = l.feature && l.feature.properties.locked;
    l.setStyle({fillOpacity: l._pmBase * f,
                opacity: locked ? 1 : Math.min(1, 0.6 * f + 0.1)});
  });
})
"""

_BRIDGE_JS = """
new QWebChannel(qt.webChannelTransport, function (channel) {
  var bridge = channel.objects.bridge;
  var pm = window.plannerMap;
  if (!pm || !pm.cellLayers) { return; }
  Object.keys(pm.cellLayers).forEach(function (id) {
    pm.cellLayers[id].on("click", function (ev) {
      var e = ev.originalEvent || {};
      bridge.clicked(id, !!(e.ctrlKey || e.shiftKey || e.metaKey));
    });
  });
  // Shift + drag draws a box; the cells whose centre lies inside are selected
  // (Ctrl + Shift adds them to the selection). Replaces Leaflet's box zoom.
  var map = pm.map, start = null, rect = null;
  if (map.boxZoom) { map.boxZoom.disable(); }
  map.on("mousedown", function (ev) {
    var e = ev.originalEvent || {};
    if (!e.shiftKey || e.button !== 0) { return; }
    start = ev.latlng;
    map.dragging.disable();
    rect = L.rectangle(L.latLngBounds(start, start),
      {color: "#000", weight: 1, dashArray: "4 3", fillOpacity: 0.08,
       interactive: false}).addTo(map);
  });
  map.on("mousemove", function (ev) {
    if (start) { rect.setBounds(L.latLngBounds(start, ev.latlng)); }
  });
  map.on("mouseup", function (ev) {
    if (!start) { return; }
    var e = ev.originalEvent || {};
    var box = L.latLngBounds(start, ev.latlng);
    start = null;
    map.removeLayer(rect);
    map.dragging.enable();
    window.plannerBoxSelect(box, !!(e.ctrlKey || e.metaKey));
  });
  window.plannerBoxSelect = function (box, extend) {
    var ids = Object.keys(pm.cellLayers).filter(function (id) {
      return box.contains(pm.cellLayers[id].getBounds().getCenter());
    });
    bridge.boxed(JSON.stringify(ids), extend);
    return ids.length;
  };
  window.plannerBridgeReady = true;
});
"""


class ConsolePage(QWebEnginePage):
    """A page that keeps the JavaScript console, so tests can assert no errors."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.console: list[
            tuple[QWebEnginePage.JavaScriptConsoleMessageLevel, str]
        ] = []

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        self.console.append((level, f"{source}:{line}: {message}"))

    def errors(self) -> list[str]:
        """Console messages at error level."""
        level = QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel
        return [m for lv, m in self.console if lv == level]


class MapBridge(QObject):
    """Object the page calls through QWebChannel."""

    cellClicked = Signal(str, bool)
    cellsBoxed = Signal(list, bool)

    @Slot(str, bool)
    def clicked(self, cell_id: str, extend: bool) -> None:
        self.cellClicked.emit(cell_id, extend)

    @Slot(str, bool)
    def boxed(self, ids_json: str, extend: bool) -> None:
        """Cells inside a Shift-drag box (JSON list: arrays do not cross the
        channel intact)."""
        try:
            ids = [str(i) for i in json.loads(ids_json)]
        except ValueError:
            return
        self.cellsBoxed.emit(ids, extend)


def _qwebchannel_js() -> str:
    f = QFile(":/qtwebchannel/qwebchannel.js")
    if not f.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("qwebchannel.js is missing from the Qt resources")
    return bytes(f.readAll().data()).decode("utf-8")


@dataclasses.dataclass
class _Prerender:
    """A page drawn straight from a project file (see
    :meth:`MapView.prerender_file`)."""

    path: Path
    html: str | None = None
    failed: bool = False


class MapView(QWebEngineView):
    """Shows a plan; keeps the view (centre, zoom) across re-renders.

    Signals
    -------
    mapReady()
        The page of the latest plan has loaded and ``window.plannerMap`` exists.
    renderFailed(str)
        Rendering the HTML raised; carries the traceback.
    cellClicked(str, bool)
        A cell was clicked; the flag is true with Ctrl/Shift (extend selection).
    cellsBoxed(list, bool)
        Cells inside a Shift-drag box; the flag is true with Ctrl (extend).
    basemapChanged(str)
        :meth:`set_basemap` switched to another basemap (its name).
    """

    mapReady = Signal()
    renderFailed = Signal(str)
    cellClicked = Signal(str, bool)
    cellsBoxed = Signal(list, bool)
    basemapChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console_page = ConsolePage(self)
        self.setPage(self.console_page)
        self.bridge = MapBridge(self)
        self.bridge.cellClicked.connect(self.cellClicked)
        self.bridge.cellsBoxed.connect(self.cellsBoxed)
        self.channel = QWebChannel(self)
        self.channel.registerObject("bridge", self.bridge)
        self.console_page.setWebChannel(self.channel)
        self._install_bridge_script()
        self._tmp = QTemporaryDir()
        render_pool.warm_up()
        self.render_runner = TaskRunner(self)
        self.render_runner.succeeded.connect(self._rendered)
        self.render_runner.failed.connect(self._render_failed)
        # connected after the result slots: a stale result is dropped first
        for done in (
            self.render_runner.succeeded,
            self.render_runner.failed,
            self.render_runner.cancelled,
        ):
            done.connect(self._render_next)
        self._queued: Plan | None = None
        self._file: Path | None = None
        self._loads = 0
        self._view: dict | None = None
        self.ready = False
        self.loadFinished.connect(self._loaded)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(600)
        self._debounce.timeout.connect(self._render_pending)
        self._pending: Plan | None = None
        self._pending_rebuild = False
        self._rebuild = False
        self.layer_visible: dict[str, bool] = {
            k: k not in OFF_BY_DEFAULT for k in LAYER_KEYS
        }
        self.cell_opacity = 1.0
        self.layer_order: list[str] = list(STACK_ORDER)
        self.basemap = "none"
        self.basemap_key: str | None = None
        self._plan: Plan | None = None  # the plan last asked for (not a copy)
        self._last_rebuild = False
        self._locked: set[str] | None = None  # newer than the rendered page
        self._selected: list[str] = []
        self._prerender: _Prerender | None = None
        self._waiting: _Prerender | None = None
        self.road_runner = TaskRunner(self)
        self._road_key: tuple[int, int] | None = None
        self._road_plan: Plan | None = None
        self.road_json: str | None = None
        """Roads and barriers of the shown plan, drawn on every page load."""

    def _install_bridge_script(self) -> None:
        script = QWebEngineScript()
        script.setName("planner-bridge")
        script.setSourceCode(_qwebchannel_js() + _BRIDGE_JS)
        script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentReady)
        script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
        script.setRunsOnSubFrames(False)
        self.console_page.scripts().insert(script)

    def show_plan(
        self,
        plan: Plan | None,
        *,
        keep_view: bool = False,
        rebuild_zones: bool = False,
        saved_in: Path | None = None,
    ) -> None:
        """Render ``plan`` in the background and load it (``None`` clears).

        A render still running is cancelled (its page is dropped) and this
        plan is drawn as soon as that thread ends. ``rebuild_zones`` redraws
        the zone outlines from the cells first (after manual edits), in the
        render thread. ``saved_in`` says ``plan`` is exactly what the project
        file holds: the page :meth:`prerender_file` started from that file is
        used instead of a new render.
        """
        pre, self._prerender = self._prerender, None
        self._waiting = None
        self.ready = False
        self._debounce.stop()
        self._pending = None
        self._pending_rebuild = False
        self._plan = plan
        self._update_roads(plan)
        self._last_rebuild = rebuild_zones
        self._locked = None  # the snapshot below carries the current locks
        if keep_view:
            self._remember_view()
        else:
            self._view = None
        if (
            pre is not None
            and plan is not None
            and saved_in is not None
            and Path(saved_in) == pre.path
            and not pre.failed
        ):
            self._adopt(plan, pre)
            return
        if plan is None:
            self._queued = None
            self.render_runner.cancel()
            self.setHtml("<html><body></body></html>")
            return
        self._queued = dataclasses.replace(
            plan, scenario=plan.scenario.copy(), zones=plan.zones.copy()
        )
        self._rebuild = rebuild_zones
        if self.render_runner.busy:
            self.render_runner.cancel()
        else:
            self._render_next()

    def _update_roads(self, plan: Plan | None) -> None:
        """Build the road and barrier overlays in the background when the
        scenario's layers changed (edits share them, so zone edits do not)."""
        sc = plan.scenario if plan is not None else None
        roads = getattr(sc, "roads", None)
        barriers = getattr(sc, "barriers", None)
        key = (id(roads), id(barriers))
        if key == self._road_key:
            return
        self._road_key, self.road_json = key, None
        self._road_plan = plan
        if roads is None and barriers is None:
            if self.ready:
                self.page().runJavaScript(f"{ADD_JS}({{}});")
            return
        if self.road_runner.busy:
            return  # _roads_built starts the newest when this one ends

        def job(_progress: object, _cancel: object) -> tuple[tuple[int, int], str]:
            return key, road_layers_json(roads, barriers) or ""

        self.road_runner.start("roads", job, self._roads_built)

    def _roads_built(self, result: tuple[tuple[int, int], str]) -> None:
        key, text = result
        if key != self._road_key:  # the plan changed meanwhile: build again
            pending, self._road_key = self._road_plan, None
            QTimer.singleShot(0, self, lambda: self._update_roads(pending))
            return
        self.road_json = text or None
        if self.ready:
            self._apply_roads()

    def _apply_roads(self) -> None:
        if self.road_json is None:
            return
        self.page().runJavaScript(f"{ADD_JS}({self.road_json});")
        for key in ("roads", "barriers"):
            on = self.layer_visible.get(key, True)
            self.page().runJavaScript(
                f"{_LAYER_JS}({json.dumps(key)}, {str(on).lower()});"
            )

    def prerender_file(self, path: Path) -> None:
        """Start drawing the project saved at ``path`` while the window reads
        it: the render process reads the file itself, so opening a project
        costs one read, not a read and then a render. The page is shown by
        ``show_plan(plan, saved_in=path)``; any other ``show_plan`` drops it."""
        if self.render_runner.busy:
            return  # a render is under way: open the ordinary way
        path = Path(path)
        self._prerender = _Prerender(path)
        basemap, key = self.basemap, self.basemap_key

        def job(_progress: object, _cancel: object) -> str | None:
            return render_file(str(path), basemap=basemap, basemap_key=key)

        self.ready = False
        self._queued = None
        self.render_runner.start("map", job)

    def _adopt(self, plan: Plan, pre: _Prerender) -> None:
        """Show the page ``pre`` drew of ``plan`` (now or when it comes)."""
        self._queued = None
        if pre.html is not None:
            self._load_html(pre.html)
        elif self.render_runner.busy:
            self._waiting = pre  # the page follows in _rendered
        else:  # the job ended without a page: draw the ordinary way
            self.show_plan(plan)

    @Slot()
    def _render_next(self, *_: object) -> None:
        if self.render_runner.busy or self._queued is None:
            return
        snapshot, self._queued = self._queued, None
        rebuild = self._rebuild
        basemap, key = self.basemap, self.basemap_key

        def job(_progress: object, _cancel: object) -> str:
            return render_page(
                snapshot, rebuild_zones=rebuild, basemap=basemap, basemap_key=key
            )

        self.render_runner.start("map", job)

    def shutdown(self) -> None:
        """Stop pending and running renders (the window is closing)."""
        self._debounce.stop()
        self._pending = self._queued = None
        self.render_runner.shutdown()
        self.road_runner.shutdown()

    def refresh_later(self, plan: Plan, *, rebuild_zones: bool = False) -> None:
        """Re-render after edits settle (zone outlines follow cell moves)."""
        self._pending = plan
        self._pending_rebuild = self._pending_rebuild or rebuild_zones
        self._debounce.start()

    def _render_pending(self) -> None:
        if self._pending is not None:
            rebuild, self._pending_rebuild = self._pending_rebuild, False
            self.show_plan(self._pending, keep_view=True, rebuild_zones=rebuild)

    def set_cell_squads(self, assignment: dict[str, str | None]) -> None:
        """Recolour cells at once, before the debounced re-render."""
        if self.ready:
            self.page().runJavaScript(
                "(function(a){for(var k in a)"
                "{window.plannerMap.setCellSquad(k,a[k]);}})"
                f"({json.dumps(assignment)});"
            )
            if self.cell_opacity != 1.0:
                self._apply_opacity(list(assignment))

    def set_basemap(self, name: str, key: str | None = None) -> bool:
        """Draw the plan over ``name`` (one of ``maps.render.BASEMAPS``);
        re-renders the page, keeping the view and the layer panel's state.

        ``key`` is the user's 天地图 key (needed for ``tianditu``, ignored
        otherwise). Raises ``ValueError`` for an unknown name or a missing
        or malformed key, before anything changes. Returns whether the
        basemap changed.
        """
        basemap_spec(name, key)
        key = key.strip() if name == "tianditu" and key else None
        if (name, key) == (self.basemap, self.basemap_key):
            return False
        self.basemap, self.basemap_key = name, key
        plan = self._pending if self._pending is not None else self._plan
        if plan is not None:
            locked = self._locked
            rebuild = self._pending_rebuild or self._last_rebuild
            self.show_plan(plan, keep_view=True, rebuild_zones=rebuild)
            self._locked = locked  # still newer than the plan, if it was
        self.basemapChanged.emit(name)
        return True

    def set_locked_cells(self, ids: set[str] | list[str]) -> None:
        """Exactly ``ids`` are drawn as locked (锁定), at once, without a
        re-render; kept and put back if a render is under way."""
        self._locked = {str(i) for i in ids}
        if self.ready:
            self._apply_locked()

    def _apply_locked(self) -> None:
        if self._locked is None:
            return
        selected = set(self._selected)

        def restyled(result: object) -> None:
            # arrays do not cross runJavaScript well: the page sends JSON
            try:
                changed = [str(c) for c in json.loads(str(result))]
            except ValueError:
                return
            if not changed:
                return
            if self.cell_opacity != 1.0:
                self._apply_opacity(changed)
            again = [c for c in changed if c in selected]
            if again:
                self._style_selected(again)

        self.page().runJavaScript(
            "JSON.stringify(window.plannerMap.setLockedCells("
            f"{json.dumps(sorted(self._locked))}));",
            0,
            restyled,
        )

    def set_layer_visible(self, key: str, on: bool) -> None:
        """Show or hide one overlay (map.addLayer / removeLayer); kept across
        re-renders."""
        self.layer_visible[key] = on
        if self.ready:
            self.page().runJavaScript(
                f"{_LAYER_JS}({json.dumps(key)}, {str(on).lower()});"
            )

    def set_layer_order(self, keys_top_first: list[str]) -> None:
        """Draw the vector overlays in this order (first = on top); kept
        across re-renders."""
        self.layer_order = [k for k in keys_top_first if k in STACK_ORDER]
        if self.ready:
            self._apply_layer_order()

    def _apply_layer_order(self) -> None:
        bottom_first = json.dumps(list(reversed(self.layer_order)))
        self.page().runJavaScript(
            f"window.plannerMap && window.plannerMap.setLayerOrder({bottom_first});"
        )

    def set_cell_opacity(self, factor: float) -> None:
        """Scale the cells' fill (1 = as rendered, 0 = outlines only)."""
        self.cell_opacity = max(0.0, min(1.0, factor))
        if self.ready:
            self._apply_opacity(None)

    def _apply_opacity(self, ids: list[str] | None) -> None:
        self.page().runJavaScript(
            f"{_OPACITY_JS}({self.cell_opacity}, {json.dumps(ids)});"
        )

    def _apply_layer_state(self) -> None:
        """Make a freshly loaded page match the layer panel (every overlay,
        on or off, whatever the page's own defaults), the locks newer than
        the render, and the cells' opacity."""
        if self.road_json is not None:
            self.page().runJavaScript(f"{ADD_JS}({self.road_json});")
        for key, on in self.layer_visible.items():
            self.page().runJavaScript(
                f"{_LAYER_JS}({json.dumps(key)}, {str(on).lower()});"
            )
        if self.layer_order != list(STACK_ORDER):
            self._apply_layer_order()
        self._apply_locked()
        if self.cell_opacity != 1.0:
            self._apply_opacity(None)

    def highlight_cells(
        self, selected: list[str], restore: dict[str, str | None]
    ) -> None:
        """Outline ``selected`` cells; give ``restore`` cells their normal style."""
        self._selected = list(selected)
        if not self.ready:
            return
        self.set_cell_squads(restore)
        self._style_selected(selected)

    def _style_selected(self, ids: list[str]) -> None:
        self.page().runJavaScript(
            "(function(ids,st){ids.forEach(function(i){var l="
            "window.plannerMap.cellLayers[i];if(l){l.setStyle(st);}});})"
            f"({json.dumps(ids)},{json.dumps(SELECTED_STYLE)});"
        )

    def _remember_view(self) -> None:
        if not self.ready:
            return

        def keep(value: object) -> None:
            if isinstance(value, dict):
                self._view = value

        self.page().runJavaScript(
            "(function(m){var c=m.getCenter();"
            "return {lat:c.lat,lng:c.lng,zoom:m.getZoom()};})(window.plannerMap.map)",
            0,
            keep,
        )

    @Slot(object)
    def _rendered(self, html: str | None) -> None:
        if self._queued is not None:
            return  # a newer plan is waiting; this page is already stale
        if self._prerender is not None:  # the window is still reading the file
            if html is None:
                self._prerender.failed = True
            else:
                self._prerender.html = html
            return
        waiting, self._waiting = self._waiting, None
        if html is None:
            if waiting is not None and self._plan is not None:
                self.show_plan(self._plan)  # the file held no plan after all
            return
        self._load_html(html)

    def _load_html(self, html: str) -> None:
        self._loads += 1
        path = Path(self._tmp.path()) / f"map-{self._loads}.html"
        path.write_text(html, encoding="utf-8")
        old, self._file = self._file, path
        self.load(QUrl.fromLocalFile(str(path)))
        if old is not None:
            old.unlink(missing_ok=True)

    @Slot(str, str)
    def _render_failed(self, message: str, details: str) -> None:
        if self._prerender is not None:  # the plan will be drawn when it comes
            self._prerender.failed = True
            return
        waiting, self._waiting = self._waiting, None
        if waiting is not None and self._plan is not None:
            self.show_plan(self._plan)  # try once more from the loaded plan
            return
        self.renderFailed.emit(f"{message}\n\n{details}")

    @Slot(bool)
    def _loaded(self, ok: bool) -> None:
        if not ok or self._file is None or self.render_runner.busy:
            return
        loads = self._loads

        def check(has_map: object) -> None:
            if loads != self._loads or not has_map:
                return
            if self._view:
                v = self._view
                self.page().runJavaScript(
                    "window.plannerMap.map.setView("
                    f"[{float(v['lat'])},{float(v['lng'])}],{float(v['zoom'])},"
                    "{animate:false});"
                )
            self._apply_layer_state()
            self.ready = True
            self.mapReady.emit()

        self.page().runJavaScript(
            "!!(window.plannerMap && window.plannerMap.map)", 0, check
        )
