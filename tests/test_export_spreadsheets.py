"""Schedule workbook: sheets, rows, Chinese headers, frozen header."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from maps.export.spreadsheets import (
    ROSTER_SHEET,
    SUMMARY_SHEET,
    UNSCHEDULED_SHEET,
    roster_matrix,
    write_schedule_xlsx,
)
from tests.helpers.export_plan import AMP_ADDRESS, VISITS, XSS, make_plan


def test_workbook_sheets_rows_and_headers(tmp_path: Path) -> None:
    plan = make_plan()
    path = write_schedule_xlsx(plan, tmp_path / "schedule.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        SUMMARY_SHEET,
        "天马中队",
        "球川中队",
        ROSTER_SHEET,
        UNSCHEDULED_SHEET,
        "说明",
    ]
    ws = wb["天马中队"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["日期", "小组", "顺序", "到达"]
    assert "检查事项 (一张清单)" in header
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == sum(1 for v in VISITS if v[1] == "SQ01")
    # route order: day, team, seq
    assert [(r[0], r[1], r[2]) for r in rows] == sorted(
        (r[0], r[1], r[2]) for r in rows
    )
    names = [r[header.index("企业名称")] for r in rows]
    assert XSS in names  # stored as text, Excel does not run it
    assert AMP_ADDRESS in [r[header.index("地址")] for r in rows]
    crew = [r[header.index("联合检查部门")] for r in rows]
    assert any("市场监管" in (c or "") for c in crew)  # department names, not ids
    assert ws.column_dimensions["H"].width >= 10
    assert wb["球川中队"].max_row == 1  # header only, no visits

    un = wb[UNSCHEDULED_SHEET]
    assert [c.value for c in un[1]] == [
        "企业编号",
        "企业名称",
        "地址",
        "中队",
        "到期日",
        "原因",
    ]
    un_rows = list(un.iter_rows(min_row=2, values_only=True))
    assert len(un_rows) == 1 and un_rows[0][0] == "E6" and "卫生健康" in un_rows[0][5]
    assert un_rows[0][3] == "球川中队"

    ro = wb[ROSTER_SHEET]
    assert ro.freeze_panes == "B2"
    assert ro["A1"].value == "部门"
    assert [c.value for c in ro[1]][1:] == ["2026-12-01 周二", "2026-12-02 周三"]
    depts = [r[0] for r in ro.iter_rows(min_row=2, values_only=True)]
    assert "市场监管" in depts and len(depts) == len(set(depts))

    su = wb[SUMMARY_SHEET]
    facts = {r[0]: r[1] for r in su.iter_rows(min_row=2, values_only=True) if r[0]}
    s = plan.summary()
    assert facts["减少入企次数 visits saved"] == s.visits_saved
    assert facts["已排综合查一次 joint visits"] == len(VISITS)
    assert facts["路程 travel km"] == round(s.travel_km, 1)
    assert "天马中队" in facts and "球川中队" in facts  # load table rows


def test_roster_matrix_cells() -> None:
    plan = make_plan()
    m = roster_matrix(plan)
    # 卫生健康 inspects only the hotel (team 2 on 2026-12-02)
    assert "天马中队 2组" in m.loc["卫生健康", "2026-12-02 周三"]
    assert m.loc["卫生健康", "2026-12-01 周二"] == ""


def test_single_squad_workbook(tmp_path: Path) -> None:
    plan = make_plan(synthetic=False)
    path = write_schedule_xlsx(plan, tmp_path / "s.xlsx", squad_id="SQ02")
    wb = load_workbook(path)
    assert wb.sheetnames == [SUMMARY_SHEET, "球川中队", ROSTER_SHEET, UNSCHEDULED_SHEET]
    assert wb[UNSCHEDULED_SHEET].max_row == 2
