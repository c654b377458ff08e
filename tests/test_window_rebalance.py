"""规划 > 最少改动重新平衡 and 方案对比 in the window, used as a chief would."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planning.io.project import save_project
from planning.plan import Plan, run_plan, unplanned
from planning.sample import build_sample
from planning.travel import metric_crs
from planning.zoning import zone_stats
from tests.helpers.window import fast_settings, open_window

FAST = fast_settings(zoning_seconds=3.0, schedule_seconds=2.0)


@pytest.fixture(scope="module")
def small_plan() -> Plan:
    return run_plan(build_sample(cell_m=2000.0, n_enterprises=80, n_events=80), FAST)


def nearest_base_zoning(plan: Plan) -> dict[str, str]:
    """Today's zones as bureaus often draw them: each cell to its nearest
    base (contiguous, off balance)."""
    cells = plan.scenario.cells.to_crs(3857)
    bases = plan.scenario.squads.to_crs(3857)
    cx, cy = cells.geometry.centroid.x.to_numpy(), cells.geometry.centroid.y.to_numpy()
    bx, by = bases.geometry.x.to_numpy(), bases.geometry.y.to_numpy()
    d = np.hypot(cx[:, None] - bx[None, :], cy[:, None] - by[None, :])
    ids = bases["squad_id"].astype(str).to_numpy()
    return dict(zip(cells["cell_id"].astype(str), ids[d.argmin(axis=1)], strict=True))


@pytest.fixture
def window(qtbot, tmp_path, small_plan, qapp):
    with open_window(tmp_path, FAST, small_plan) as win:
        yield win
        zoning_tools = win.zoning_tools
        for dialog in (zoning_tools.rebalance_dialog, zoning_tools.compare_dialog):
            if dialog is not None:
                dialog.close()


def _worst_pct(plan: Plan) -> float:
    cells = plan.scenario.cells
    stats = zone_stats(
        cells,
        plan.scenario.squads,
        cells.set_index("cell_id")["squad_id"],
        plan.scenario.policy,
    )
    return float(stats["deviation_pct"].abs().max())


def test_plan_menu_has_the_two_commands_in_chinese(window):
    texts = [a.text() for a in window.qactions.menu_plan.actions()]
    assert "最少改动重新平衡(&R)" in texts and "方案对比(&O)…" in texts
    window.set_language("en")
    assert window.qactions.act_rebalance_today.text() == "Fewest-changes &rebalance"
    window.set_language("zh_CN")


def test_fewest_changes_rebalance_applies_one_undoable_edit_then_compares(
    qtbot, window, tmp_path
):
    doc = window.document
    today = nearest_base_zoning(doc.plan)
    doc.reassign(today, "today's zones")
    worst_today = _worst_pct(doc.plan)
    assert worst_today > 10.0  # a real imbalance to repair
    save_project(tmp_path / "today.gpkg", doc.plan.scenario, None)
    steps = doc.undo_stack.count()
    window.set_run_settings(
        type(window.run_settings)(
            **{**window.run_settings.__dict__, "tolerance_pct": 10.0}
        )
    )

    with qtbot.waitSignal(window.runner.succeeded, timeout=180_000):
        window.qactions.act_rebalance_today.trigger()
    dialog = window.zoning_tools.rebalance_dialog
    assert dialog is not None and dialog.isVisible()
    moved = {
        str(dialog.moves_model.value(r, "cell_id"))
        for r in range(dialog.moves_model.rowCount())
    }
    after = doc.assignment()
    changed = {c for c, s in today.items() if after[c] != s}
    assert moved and moved == changed
    assert doc.undo_stack.count() == steps + 1
    undo = f"最少改动重新平衡：调整 {len(changed)} 个网格"
    assert doc.undo_stack.undoText() == undo
    assert _worst_pct(doc.plan) < worst_today
    assert "下界" in dialog.summary.text()
    # the trade-off table: one row per tolerance, 20% down to 2%
    tolerances = [
        dialog.tradeoff_model.value(r, "tolerance_pct")
        for r in range(dialog.tradeoff_model.rowCount())
    ]
    assert tolerances == pytest.approx([20.0, 10.0, 5.0, 2.0])
    assert f"调整了 {len(moved)} 个网格" in window.last_message

    # 方案对比 against the zoning before the rebalance: the moved cells
    assert dialog.compare_button.isEnabled()
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        dialog.compare_button.click()
    compare = window.zoning_tools.compare_dialog
    assert compare is not None and compare.isVisible()
    assert set(compare.changed_cells()) == moved
    assert compare.changes.count() == len(moved)
    assert compare.table_model.rowCount() == len(doc.plan.scenario.squads)
    assert "工作量(分钟) A" in compare.table_model.headers
    # 连续 reads as a mark, as in the squads panel, not Python's True/False
    contiguous = compare.table_model.headers.index("连续 A")
    marks = {
        compare.table_model.data(compare.table_model.index(r, contiguous))
        for r in range(compare.table_model.rowCount())
    }
    assert marks and marks <= {"✓", "✗"}
    assert set(window.selected_cells) == moved  # outlined on the main map
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.zoning_tools.export_to(tmp_path / "cmp")
    written = {p.suffix for p in (tmp_path / "cmp").iterdir()}
    assert {".html", ".xlsx"} <= written
    compare.close()

    # the same against the file saved before: same cells change hands
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.zoning_tools.compare_with(tmp_path / "today.gpkg")
    assert set(window.zoning_tools.compare_dialog.changed_cells()) == moved

    # one undo puts today's zones back
    window.qactions.act_undo.trigger()
    assert doc.assignment().to_dict() == today


def test_today_from_zone_polygons_sets_squads_lists_unclear_cells_and_undoes(
    window, tmp_path
):
    doc = window.document
    cells = doc.plan.scenario.cells
    squads = doc.plan.scenario.squads["squad_id"].astype(str).tolist()
    west_squad, east_squad = squads[0], squads[1]
    crs = metric_crs(cells)
    metric = cells.geometry.to_crs(crs)
    minx, miny, maxx, maxy = metric.total_bounds
    # the split runs through the middle of a column of cells: those are ties
    mid = float(metric.centroid.x.sort_values().iloc[len(cells) // 2])
    zones = gpd.GeoDataFrame(
        {"责任区": ["西", "东"], "所属中队": [west_squad, east_squad]},
        geometry=[
            shapely.box(minx - 10, miny - 10, mid, maxy + 10),
            shapely.box(mid, miny - 10, maxx + 10, maxy + 10),
        ],
        crs=crs,
    ).to_crs(4326)
    zones.to_file(tmp_path / "zones.gpkg", layer="zones")
    west = shapely.area(
        shapely.intersection(metric.to_numpy(), zones.geometry.to_crs(crs).iloc[0])
    ) / shapely.area(metric.to_numpy())
    west = pd.Series(west, index=cells["cell_id"].astype(str))
    before = doc.assignment().to_dict()
    steps = doc.undo_stack.count()

    assert window.zoning_tools.today_from_zones(tmp_path / "zones.gpkg")
    after = doc.assignment()
    assert (after[west[west > 0.7].index] == west_squad).all()
    assert (after[west[west < 0.3].index] == east_squad).all()
    dialog = window.zoning_tools.today_dialog
    listed = set(dialog.ambiguous_cells())
    assert set(west[(west > 0.45) & (west < 0.55)].index) <= listed
    assert listed and listed <= set(west[(west > 0.35) & (west < 0.65)].index)
    assert dialog.ambiguous_model.rowCount() == len(listed)
    assert set(window.selected_cells) == listed  # outlined on the map
    assert "不明确" in dialog.summary.text()
    assert doc.undo_stack.count() == steps + 1

    window.qactions.act_undo.trigger()
    assert doc.assignment().to_dict() == before


def test_today_from_zones_naming_no_squad_is_refused_by_name(window):
    cells = window.document.plan.scenario.cells
    zones = gpd.GeoDataFrame(
        {"中队": ["戊中队"]}, geometry=[shapely.box(*cells.total_bounds)], crs=4326
    )
    before = window.document.assignment().to_dict()
    assert not window.zoning_tools.today_from_zones(zones, "zones.shp")
    assert "戊中队" in window.last_error
    assert window.document.assignment().to_dict() == before


def test_todays_zones_open_like_a_plan_in_the_squads_panel(window, small_plan):
    scenario = small_plan.scenario.copy()
    today = nearest_base_zoning(small_plan)
    scenario.cells["squad_id"] = scenario.cells["cell_id"].astype(str).map(today)
    plan = unplanned(scenario)  # today's zones, never zoned by the app
    window.document.set_plan(plan, None, saved=True)
    model = window.squads_model
    expected = zone_stats(
        plan.scenario.cells,
        plan.scenario.squads,
        plan.scenario.cells.set_index("cell_id")["squad_id"],
        plan.scenario.policy,
    ).set_index("squad_id")
    shown = {
        str(model.value(r, "squad_id")): model.value(r, "deviation_pct")
        for r in range(model.rowCount())
    }
    assert shown.keys() == set(expected.index)
    for squad, dev in shown.items():
        assert dev == pytest.approx(expected.loc[squad, "deviation_pct"], abs=0.05)
    contiguous = [model.value(r, "contiguous") for r in range(model.rowCount())]
    assert None not in contiguous
    text = window.squads_panel.summary.text()
    assert "尚未划片" not in text and "%" in text
    assert "尚未划片" not in window.headline.text()
