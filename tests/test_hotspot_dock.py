"""The hotspot dock's 高发网格 tab: each zone's top cells, filtered, sortable,
and a double-click that selects the cell on the map."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from desktop.hotspot_dock import TOP_N, WEEKS, HotspotPanel
from desktop.i18n import install_language
from planning.hotspots import top_cells_per_zone
from planning.plan import Plan
from planning.sample import build_sample


@pytest.fixture(scope="module")
def plan() -> Plan:
    """A small sample county zoned by 片区 (no solver: only hotspots matter)."""
    sc = build_sample(n_enterprises=100, n_events=1500)
    squad_of_area = sc.squads.set_index("area_id")["squad_id"]
    sc.cells["squad_id"] = sc.cells["area_id"].map(squad_of_area)
    empty = gpd.GeoDataFrame()
    return Plan(
        scenario=sc,
        zones=empty,
        visits=empty,
        routes=empty,
        unscheduled=pd.DataFrame(),
        roster=pd.DataFrame(),
    )


@pytest.fixture
def panel(qtbot, qapp):
    install_language("zh_CN")
    widget = HotspotPanel()
    qtbot.addWidget(widget)
    widget.resize(720, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    install_language("zh_CN")


def _shown(panel: HotspotPanel) -> list[dict]:
    """The top-cells rows as the view shows them (after filter and sort)."""
    proxy, model = panel.top_proxy, panel.top_model
    keys = [c.key for c in model.columns]
    return [
        {
            key: model.value(proxy.mapToSource(proxy.index(r, 0)).row(), key)
            for key in keys
        }
        for r in range(proxy.rowCount())
    ]


def test_top_cells_tab_filters_sorts_and_activates(qtbot, panel, plan, artefacts):
    sc = plan.scenario
    panel.set_plan(plan, visible=False)
    assert panel.top_model.rowCount() == 0  # hidden dock: nothing computed yet
    panel.refresh()
    expected = top_cells_per_zone(
        sc.hotspots, sc.cells, sc.horizon.start, n=TOP_N, weeks=WEEKS
    )
    assert panel.top_model.rowCount() == len(expected) > 0
    assert panel.tabs.tabText(1) == f"高发网格（各片区前 {TOP_N}）"
    assert panel.top_model.headerData(1, Qt.Orientation.Horizontal) == "名次"
    rows = _shown(panel)
    assert len(rows) == len(expected)  # whole county: every zone's top N
    assert {r["squad_id"] for r in rows} == set(expected["squad_id"])
    assert all(r["intensity"] is not None and r["intensity"] > 0 for r in rows)

    # one zone: its top N only, in rank order, all its own cells
    squad = str(expected["squad_id"].iloc[-1])
    panel.zone.setCurrentIndex(panel.zone.findData(squad))
    rows = _shown(panel)
    owner = sc.cells.set_index("cell_id")["squad_id"]
    mine = expected[expected["squad_id"] == squad]
    assert [r["cell_id"] for r in rows] == mine["cell_id"].tolist()
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(owner[r["cell_id"]] == squad for r in rows)
    assert str(len(rows)) in panel.top_label.text()
    assert panel.rising_proxy.filterRegularExpression().pattern() == f"^{squad}$"

    # fewer cells per zone
    panel.top_n.setValue(2)
    assert len(_shown(panel)) == min(2, len(mine))
    assert panel.tabs.tabText(1).endswith("前 2）")
    panel.top_n.setValue(TOP_N)

    # back to the county, sorted by events, largest first
    panel.zone.setCurrentIndex(panel.zone.findData("county"))
    panel.tabs.setCurrentIndex(1)
    panel.top_view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    events = [r["events"] for r in _shown(panel)]
    assert events == sorted(events, reverse=True)
    assert len(events) == len(expected)

    # double-click the third row: its cell is asked to be selected on the map
    view = panel.top_view
    qtbot.waitExposed(view)
    index = panel.top_proxy.index(2, 2)
    view.scrollTo(index)
    want = _shown(panel)[2]["cell_id"]
    rect = view.visualRect(index)
    # an item view acts on a double-click only on the index pressed first
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.cellActivated, timeout=2000) as blocker:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [want]

    qtbot.wait(100)
    path = artefacts / "hotspot-top-cells-zh.png"
    assert panel.grab().save(str(path), "PNG"), path
    image = QImage(str(path)).scaled(64, 64)
    colours = {image.pixel(x, y) for x in range(64) for y in range(64)}
    assert len(colours) > 20, f"{path} is blank"


def test_top_cells_tab_in_english_and_empty_plan(qtbot, qapp, plan):
    install_language("en")
    try:
        widget = HotspotPanel()
        qtbot.addWidget(widget)
        widget.set_plan(plan, visible=True)
        assert widget.tabs.tabText(0) == "Rising cells"
        assert widget.tabs.tabText(1) == f"Top cells per zone (top {TOP_N})"
        widget.set_plan(None, visible=True)
        assert widget.top_model.rowCount() == 0
        assert widget.top_label.text().endswith(": 0")
    finally:
        install_language("zh_CN")
