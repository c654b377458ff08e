(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("plan-data").textContent);
  var RISK = {red: "红 (red)", yellow: "黄 (yellow)", green: "绿 (green)"};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // a legend row: a swatch (its CSS class, coloured through one style
  // property, or not at all) and its label
  function swatchRow(rowCls, swCls, styleProp, color, label) {
    var row = el("div", rowCls);
    var sw = el("span", swCls);
    if (styleProp) sw.style[styleProp] = color;
    row.appendChild(sw);
    row.appendChild(document.createTextNode(label));
    return row;
  }
  function table(rows) {
    var t = el("table");
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") return;
      var tr = el("tr");
      tr.appendChild(el("td", "k", r[0]));
      var td = el("td");
      if (r[1] instanceof Node) td.appendChild(r[1]); else td.textContent = String(r[1]);
      tr.appendChild(td);
      t.appendChild(tr);
    });
    return t;
  }
  function list(items) {
    if (!items || !items.length) return null;
    var ul = el("ul");
    items.forEach(function (s) { ul.appendChild(el("li", null, s)); });
    return ul;
  }
  function popupBox(title) {
    var box = el("div", "pm-popup");
    box.appendChild(el("h4", null, title));
    return box;
  }
  function squadColor(id) { return D.colors[id] || "#999999"; }
  function dayOf(day) {
    for (var i = 0; i < D.days.length; i++) if (D.days[i].day === day) return D.days[i];
    return {day: day, no: "", color: "#333333"};
  }

  var map = L.map("map", {preferCanvas: true, zoomSnap: 0.25, attributionControl: true});
  map.createPane("vectors").style.zIndex = 450;
  var layers = {}, overlays = {}, bases = {}, order = [];
  var cellLayers = {}, enterpriseLayers = {};

  // basemap tiles (only from the servers the page's CSP allows); 天地图 is
  // two layers, the map and its annotation, switched as one
  var BASEMAP_LABELS = {osm: "OpenStreetMap", tianditu: "天地图 (Tianditu)",
                        amap: "高德地图 (AMap)"};
  var B = D.basemap || {name: "none", layers: []};
  if (B.layers.length) {
    var tiles = L.layerGroup();
    B.layers.forEach(function (t, i) {
      var opts = {maxZoom: t.maxZoom, attribution: i === 0 ? B.attribution : ""};
      if (t.subdomains) opts.subdomains = t.subdomains;
      tiles.addLayer(L.tileLayer(t.url, opts));
    });
    tiles.addTo(map);
    bases[BASEMAP_LABELS[B.name] || B.name] = tiles;
    bases["空白 (none)"] = L.layerGroup();
    layers.basemap = tiles;
  }

  // All vectors share one canvas, drawn in the order layers were added; when
  // a layer is switched on again (control or runJavaScript), bring the layers
  // meant to lie above it back to the front:
  // towns < cells < zones < routes < patrols < enterprises < bases.
  function restackAbove(layer) {
    var i = order.indexOf(layer);
    for (var j = i + 1; j < order.length; j++) {
      if (map.hasLayer(order[j]) && order[j].bringToFront) order[j].bringToFront();
    }
  }
  function addOverlay(key, label, layer, on) {
    layers[key] = layer;
    overlays[label] = layer;
    order.push(layer);
    layer.on("add", function (ev) {
      if (!ev.propagatedFrom) restackAbove(layer);  // not for each child
    });
    if (on) layer.addTo(map);
  }

  // towns: context only
  addOverlay("towns", "乡镇边界 (towns)", L.geoJSON(D.towns, {
    pane: "vectors", interactive: false,
    style: {color: "#666", weight: 1, dashArray: "4 4", fill: false}
  }), true);

  // cells coloured by squad, shaded by workload; locked cells (锁定) get a
  // thick dark dashed outline, drawn above their neighbours
  var maxW = D.maxWorkload > 0 ? D.maxWorkload : 1;
  var LOCKED = {color: "#111111", weight: 2.5, opacity: 1, dashArray: "5 3"};
  function cellStyle(p) {
    var w = (p.workload === null || p.workload === undefined) ? 0.5 * maxW : p.workload;
    var c = squadColor(p.squad_id);
    var st = {color: c, weight: 0.6, opacity: 0.6, dashArray: null, fillColor: c,
              fillOpacity: 0.08 + 0.5 * Math.min(1, Math.max(0, w / maxW))};
    if (p.locked) {
      st.color = LOCKED.color; st.weight = LOCKED.weight;
      st.opacity = LOCKED.opacity; st.dashArray = LOCKED.dashArray;
    }
    return st;
  }
  addOverlay("cells", "网格 (cells)", L.geoJSON(D.cells, {
    pane: "vectors",
    style: function (f) { return cellStyle(f.properties); },
    onEachFeature: function (f, layer) {
      cellLayers[f.properties.cell_id] = layer;
      layer.bindPopup(function () {
        var p = f.properties;
        var box = popupBox("网格 " + p.cell_id);
        box.appendChild(table([
          ["中队", p.squad_id ? (squadName(p.squad_id) + " (" + p.squad_id + ")") : "未分配"],
          ["乡镇", p.town_id], ["用地", p.land_use],
          ["工作量 (分钟)", p.workload === null ? "" : Math.round(p.workload)],
          ["锁定 (locked)", p.locked ? "是 (yes)" : ""]
        ]));
        return box;
      });
    }
  }), true);

  function squadName(id) {
    for (var i = 0; i < D.squads.length; i++) if (D.squads[i].id === id) return D.squads[i].name;
    return id;
  }

  // zone outlines
  addOverlay("zones", "片区 (zones)", L.geoJSON(D.zones, {
    pane: "vectors",
    style: function (f) {
      var p = f.properties;
      if (D.squad === null) return {color: "#222", weight: 2, opacity: 0.9, fill: false};
      if (p.own) return {color: squadColor(p.squad_id), weight: 3.5, opacity: 1, fill: false};
      return {color: "#888", weight: 1, opacity: 0.7, dashArray: "3 3",
              fillColor: "#bbb", fillOpacity: 0.08};
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindTooltip(el("span", null, p.name), {sticky: true});
      if (D.squad !== null && !p.own) return;
      layer.bindPopup(function () {
        var box = popupBox(p.name);
        box.appendChild(table([
          ["中队", p.squad_id], ["网格数", p.n_cells],
          ["工作量 (分钟)", p.workload], ["偏差 %", p.deviation_pct],
          ["最远到达 (分钟)", p.max_reach_min]
        ]));
        return box;
      });
    }
  }), true);

  // routes and numbered stops, one layer per day
  var routesByDay = {}, dayLabels = [];
  D.days.forEach(function (d) { routesByDay[d.day] = L.featureGroup(); });
  D.routes.forEach(function (r) {
    var d = dayOf(r.day);
    if (!routesByDay[r.day]) return;
    var line = L.polyline(r.path, {pane: "vectors", color: d.color, weight: 4, opacity: 0.85});
    line.bindPopup(function () {
      var box = popupBox("路线 " + r.day + " · " + (r.squad_name || r.squad_id) + " 第" + r.team + "组");
      box.appendChild(table([
        ["出发", r.start], ["返回", r.end], ["站点", r.stops], ["里程 (km)", r.km],
        ["行驶 (分钟)", r.travel_min], ["检查 (分钟)", r.service_min]
      ]));
      return box;
    });
    routesByDay[r.day].addLayer(line);
  });
  D.stops.forEach(function (s) {
    if (!routesByDay[s.day]) return;
    var d = dayOf(s.day);
    var badge = el("div", "stop-badge", s.seq);
    badge.style.borderColor = d.color;
    var icon = L.divIcon({html: badge, className: "", iconSize: [18, 18], iconAnchor: [-3, 21]});
    var m = L.marker([s.lat, s.lon], {icon: icon, keyboard: false});
    m.bindTooltip(el("span", null, s.day + " #" + s.seq + " " + s.eta + " " + s.name));
    m.on("click", function () { openEnterprise(s.enterprise_id); });
    routesByDay[s.day].addLayer(m);
  });
  D.days.forEach(function (d) {
    var label = "路线 D" + d.no + " " + d.day.slice(5);
    var esc = el("span", null, label);
    addOverlay("route:" + d.day, esc.innerHTML, routesByDay[d.day], D.squad !== null);
  });
  layers.routes = routesByDay;

  // patrol loops (巡查路线): dashed lines coloured by window, numbered points
  function windowColor(w) {
    for (var i = 0; i < D.windows.length; i++) if (D.windows[i].window === w) return D.windows[i].color;
    return "#333333";
  }
  function fixed(v, n) { return (v === null || v === undefined) ? "" : Number(v).toFixed(n); }
  var patrolGroup = L.featureGroup(), patrolPoints = 0;
  D.patrols.forEach(function (p) {
    var color = windowColor(p.window);
    var title = "巡查 " + p.weekday + " " + p.window;
    if (p.path && p.path.length) {
      var line = L.polyline(p.path, {pane: "vectors", color: color, weight: 3,
                                     opacity: 0.9, dashArray: "7 5"});
      line.bindPopup(function () {
        var box = popupBox(title + " · " + (p.squad_name || p.squad_id));
        box.appendChild(table([
          ["星期", p.weekday], ["时段", p.window], ["巡查点", p.points],
          ["用时 (分钟)", p.minutes], ["预计事件", fixed(p.expected_events, 1)],
          ["编号", p.loop_id]
        ]));
        return box;
      });
      line.bindTooltip(el("span", null, title), {sticky: true});
      patrolGroup.addLayer(line);
    }
    p.stops.forEach(function (s) {
      var badge = el("div", "patrol-badge", s.seq);
      badge.style.borderColor = color;
      badge.style.background = color;
      var icon = L.divIcon({html: badge, className: "", iconSize: [16, 16], iconAnchor: [8, 8]});
      var m = L.marker([s.lat, s.lon], {icon: icon, keyboard: false});
      m.patrol = {loop_id: p.loop_id, seq: s.seq};
      m.bindTooltip(el("span", null, title + " #" + s.seq + " " + s.cell_id));
      m.bindPopup(function () {
        var box = popupBox(title + " · 第" + s.seq + "点");
        box.appendChild(table([
          ["星期", p.weekday], ["时段", p.window], ["顺序", s.seq + " / " + p.stops.length],
          ["网格", s.cell_id], ["预计事件", fixed(s.expected_events, 2)],
          ["主要事件", list(s.event_types.slice(0, 5))],
          ["停留+行驶 (分钟)", fixed(s.minutes, 0)],
          ["中队", p.squad_name || p.squad_id]
        ]));
        return box;
      }, {maxWidth: 280});
      patrolGroup.addLayer(m);
      patrolPoints++;
    });
  });
  layers.patrolPoints = patrolPoints;
  if (D.patrols.length) {
    addOverlay("patrols", "巡查路线 (patrols)", patrolGroup, D.squad !== null);
  } else {
    layers.patrols = patrolGroup;
  }

  // reach by road (1530: 5 / 15 / 30 minutes from each base) and standby
  // points for patrol cars; only plans made with a road layer have them
  // the 5-minute areas (the 1530 rule) are on; 15 and 30 minutes, which
  // cover most of a zone's roads, are one click away in the layer control
  function reachPart(near) {
    return {type: "FeatureCollection", features: (D.reach || {features: []}).features
      .filter(function (f) { return (f.properties.minutes <= 5) === near; })};
  }
  [[true, "reach5", "5 分钟可达 (reach 5 min)"],
   [false, "reach", "15/30 分钟可达 (reach 15/30 min)"]].forEach(function (part) {
    var reach = reachPart(part[0]);
    if (!reach.features.length) return;
    var reachLayer = L.geoJSON(reach, {
      pane: "vectors", interactive: true,
      style: function (f) {
        var m = f.properties.minutes;
        return {color: f.properties.color, weight: m <= 5 ? 1.5 : 0.5,
                fillColor: f.properties.color,
                fillOpacity: m <= 5 ? 0.25 : (m <= 15 ? 0.1 : 0.04)};
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(el("span", null, (f.properties.name || f.properties.squad_id) +
          " · " + f.properties.minutes + " 分钟可达 (by road)"), {sticky: true});
      }
    });
    addOverlay(part[1], part[2], reachLayer, part[0] && D.squad !== null);
  });
  var standby = D.standby || [];
  if (standby.length) {
    var standbyGroup = L.featureGroup();
    standby.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lon], {pane: "vectors", radius: 7,
        color: "#000", weight: 2, fillColor: p.color, fillOpacity: 0.9});
      m.bindTooltip(el("span", null, "备勤点 standby " + p.rank + " · " +
        (p.name || p.squad_id) + (p.gained !== null ? " · +" + p.gained + " 事件 (5 min)" : "")));
      standbyGroup.addLayer(m);
    });
    addOverlay("standby", "备勤点 (standby points)", standbyGroup, true);
  }

  // enterprises, coloured by risk
  function enterprisePopup(e) {
    var box = popupBox(e.name);
    var rows = [["地址", e.address], ["类别", e.category],
                ["风险", RISK[e.risk] || e.risk], ["信用", e.credit],
                ["中队", e.squad_name || e.squad_id]];
    box.appendChild(table(rows));
    e.visits.forEach(function (v) {
      box.appendChild(el("h4", null, "综合查一次 " + v.day + (v.day_no ? " (D" + v.day_no + ")" : "")));
      box.appendChild(table([
        ["班组", v.team === null ? "" : "第" + v.team + "组"],
        ["顺序", v.seq], ["到达", v.eta],
        ["检查", (v.start && v.end) ? v.start + "–" + v.end : ""],
        ["部门", v.departments.join("、")], ["联合人员", v.crew.join("、")],
        ["检查事项", list(v.items)]
      ]));
    });
    if (!e.visits.length) {
      box.appendChild(table([["到期", e.due_date], ["待查事项", list(e.due)],
                             ["未排程", e.unscheduled]]));
    }
    return box;
  }
  var ents = L.featureGroup();
  D.enterprises.forEach(function (e) {
    var m = L.circleMarker([e.lat, e.lon], {
      pane: "vectors", radius: 5, color: "#222", weight: 1, opacity: 0.9,
      fillColor: D.riskColors[e.risk] || "#888", fillOpacity: 0.95
    });
    m.enterprise = e;
    m.bindPopup(function () { return enterprisePopup(e); }, {maxWidth: 320});
    enterpriseLayers[e.id] = m;
    ents.addLayer(m);
  });
  addOverlay("enterprises", "企业 (enterprises)", ents, true);
  // smaller dots when zoomed out, so thousands of firms do not hide the zones
  function entRadius() {
    var z = map.getZoom();
    return z < 11 ? 2.5 : z < 12 ? 3.5 : z < 14 ? 5 : 6;
  }
  map.on("zoomend", function () {
    var r = entRadius();
    ents.eachLayer(function (m) { if (m.getRadius() !== r) m.setRadius(r); });
  });

  // squad bases
  var baseGroup = L.featureGroup();
  D.squads.forEach(function (s) {
    var own = D.squad === null || s.id === D.squad;
    var m = L.circleMarker([s.lat, s.lon], {
      pane: "vectors", radius: own ? 8 : 5, color: "#000", weight: own ? 2.5 : 1,
      fillColor: s.color, fillOpacity: own ? 1 : 0.5
    });
    m.bindTooltip(el("span", "base-label", s.name || s.id),
                  {permanent: own, direction: "top", offset: [0, -8]});
    m.bindPopup(function () {
      var box = popupBox(s.name || s.id);
      box.appendChild(table([["编号", s.id], ["人员", s.staff], ["班组", s.teams]]));
      return box;
    });
    baseGroup.addLayer(m);
  });
  addOverlay("bases", "中队驻地 (bases)", baseGroup, true);

  // hotspots as a heat layer; skip drawing while the map has no size
  // (a hidden tab), where simpleheat's getImageData would throw.
  var SafeHeat = L.HeatLayer.extend({
    _redraw: function () {
      var size = this._map && this._map.getSize();
      if (!size || !size.x || !size.y) return;
      L.HeatLayer.prototype._redraw.call(this);
    },
    // simpleheat reads its canvas back on every redraw; ask for a context
    // made for that (else Chromium warns after a few zooms)
    _initCanvas: function () {
      var create = L.DomUtil.create;
      L.DomUtil.create = function (tag, cls, parent) {
        var node = create(tag, cls, parent);
        if (tag === "canvas") node.getContext("2d", {willReadFrequently: true});
        return node;
      };
      try { L.HeatLayer.prototype._initCanvas.call(this); }
      finally { L.DomUtil.create = create; }
    },
    onAdd: function (m) {
      L.HeatLayer.prototype.onAdd.call(this, m);
      this._canvas.style.pointerEvents = "none";
    }
  });
  // yellow-orange-red, so scattered events stay pale and do not hide the
  // squad colours; clusters turn red
  var heat = new SafeHeat(D.hotspots, {
    radius: 18, blur: 15, maxZoom: 14, max: 1.0, minOpacity: 0.05,
    gradient: {0.3: "#ffffb2", 0.5: "#fecc5c", 0.7: "#fd8d3c", 0.85: "#f03b20",
               1.0: "#bd0026"}
  });
  layers.hotspotCount = D.hotspots.length;
  if (D.hotspots.length) addOverlay("hotspots", "热点 (hotspots)", heat, true);
  else layers.hotspots = heat;

  // a long list (one route layer per day over a 20-day horizon) would cover
  // the map, so it folds into the corner button and opens on hover. The
  // desktop app leaves it out: its layer panel is the one switch.
  if (D.layerControl !== false) {
    L.control.layers(bases, overlays, {collapsed: Object.keys(overlays).length > 12})
      .addTo(map);
  }
  L.control.scale({imperial: false}).addTo(map);

  // legend
  var lockedLegend = null;
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    // a title that folds the legend away: in the app's narrow map view the
    // full legend would cover a third of the county
    var outer = el("div", "pm-legend");
    var head = el("div", "pm-legend-head", "图例 (legend) ▾");
    var box = el("div", "pm-legend-body");
    outer.appendChild(head);
    outer.appendChild(box);
    function fold(closed) {
      box.style.display = closed ? "none" : "";
      head.textContent = "图例 (legend) " + (closed ? "▸" : "▾");
    }
    L.DomEvent.on(head, "click", function (ev) {
      L.DomEvent.stop(ev);
      fold(box.style.display !== "none");
    });
    fold(map.getSize().x > 0 && map.getSize().x < 900);
    if (B.datum === "gcj02") {
      box.appendChild(el("div", "pm-note",
        "高德底图：图层按 GCJ-02 偏移显示 (overlays shifted for display)"));
    }
    box.appendChild(el("h5", null, "企业风险 (risk)"));
    ["red", "yellow", "green"].forEach(function (r) {
      box.appendChild(
        swatchRow(null, "sw dot", "background", D.riskColors[r], RISK[r]));
    });
    if (D.days.length > 10) {
      box.appendChild(el("h5", null, "路线日期 (days)"));
      box.appendChild(el("div", null,
        "D1 " + D.days[0].day + " … D" + D.days.length + " " +
        D.days[D.days.length - 1].day + "，每天一种颜色"));
    } else if (D.days.length) {
      box.appendChild(el("h5", null, "路线日期 (days)"));
      D.days.forEach(function (d) {
        box.appendChild(swatchRow(null, "sw line", "background", d.color,
          "D" + d.no + " " + d.day));
      });
    }
    if (D.patrols.length && D.windows.length) {
      box.appendChild(el("h5", null, "巡查路线 时段 (patrols)"));
      D.windows.forEach(function (w) {
        box.appendChild(swatchRow("patrol-legend", "sw line dashed",
          "borderColor", w.color, w.window));
      });
    }
    lockedLegend = el("div", "locked-legend");
    lockedLegend.appendChild(el("h5", null, "网格 (cells)"));
    lockedLegend.appendChild(
      swatchRow(null, "sw locked", null, null, "已锁定 (locked)"));
    box.appendChild(lockedLegend);
    if (D.squad === null && D.squads.length) {
      box.appendChild(el("h5", null, "中队 (squads)"));
      D.squads.forEach(function (s) {
        box.appendChild(
          swatchRow(null, "sw", "background", s.color, s.name || s.id));
      });
    }
    L.DomEvent.disableScrollPropagation(outer);
    L.DomEvent.disableClickPropagation(outer);
    return outer;
  };
  legend.addTo(map);

  // A page loaded in a hidden tab or dock has no size yet: fitBounds would
  // compute NaN. Centre it for now and fit once the view gets a size.
  var fitted = false;
  function fitHome() {
    var size = map.getSize();
    if (size.x > 60 && size.y > 60) {
      map.fitBounds(D.bounds, {padding: [20, 20]});
      return true;
    }
    map.setView(L.latLngBounds(D.bounds).getCenter(), 11, {animate: false});
    return false;
  }
  fitted = fitHome();
  map.on("resize", function () { if (!fitted) fitted = fitHome(); });
  ents.eachLayer(function (m) { m.setRadius(entRadius()); });

  function openEnterprise(id) {
    var m = enterpriseLayers[id];
    if (!m) return false;
    if (!map.hasLayer(ents)) ents.addTo(map);
    m.openPopup();
    return true;
  }
  function setCellSquad(cellId, squadId) {
    var layer = cellLayers[cellId];
    if (!layer) return false;
    layer.feature.properties.squad_id = squadId;
    layer.setStyle(cellStyle(layer.feature.properties));
    return true;
  }
  function lockedIds() {
    return Object.keys(cellLayers).filter(function (id) {
      return !!cellLayers[id].feature.properties.locked; });
  }
  // locked outlines above the other cells, the other overlays above them
  function raiseLocked() {
    var ids = lockedIds();
    if (lockedLegend) lockedLegend.style.display = ids.length ? "" : "none";
    if (!ids.length || !map.hasLayer(layers.cells)) return ids.length;
    ids.forEach(function (id) { cellLayers[id].bringToFront(); });
    restackAbove(layers.cells);
    return ids.length;
  }
  // exactly the cells in ``ids`` are locked; returns the ids whose state changed
  function setLockedCells(ids) {
    var want = {}, changed = [];
    (ids || []).forEach(function (id) { want[id] = true; });
    Object.keys(cellLayers).forEach(function (id) {
      var p = cellLayers[id].feature.properties;
      if (!!p.locked === !!want[id]) return;
      p.locked = !!want[id];
      cellLayers[id].setStyle(cellStyle(p));
      changed.push(id);
    });
    raiseLocked();
    return changed;
  }
  layers.cells.on("add", function () { raiseLocked(); });
  raiseLocked();

  // Draw the overlays in this order, bottom first (keys as in `layers`;
  // "routes" stands for every day's route layer). Used by the desktop's
  // layer panel; the heat map has its own pane and stays on top of vectors.
  function frontOf(layer) {
    if (layer.bringToFront) { layer.bringToFront(); }
    else if (layer.eachLayer) { layer.eachLayer(frontOf); }
  }
  function setLayerOrder(keys) {
    var picked = [];
    keys.forEach(function (k) {
      if (k === "routes") {
        Object.keys(routesByDay).forEach(function (d) { picked.push(routesByDay[d]); });
      } else if (layers[k] && order.indexOf(layers[k]) >= 0) {
        picked.push(layers[k]);
      }
    });
    var rest = order.filter(function (l) { return picked.indexOf(l) < 0; });
    order = rest.concat(picked);
    order.forEach(function (l) { if (map.hasLayer(l)) frontOf(l); });
    return picked.length;
  }

  function layerOrder() {  // keys, bottom first (route days as "route:<day>")
    var keyOf = function (l) {
      for (var k in layers) { if (layers[k] === l) return k; }
      return null;
    };
    return order.map(keyOf).filter(function (k) { return k !== null; });
  }

  window.plannerMap = {
    setLayerOrder: setLayerOrder, layerOrder: layerOrder,
    map: map, layers: layers, data: D,
    cellLayers: cellLayers, enterpriseLayers: enterpriseLayers,
    openEnterprise: openEnterprise, setCellSquad: setCellSquad,
    setLockedCells: setLockedCells, lockedIds: lockedIds, basemap: B,
    fitHome: function () { fitted = fitHome(); return fitted; }
  };
})();
