"""Spreadsheet exports a team leader opens in Excel or WPS.

One sheet per squad with a row per joint visit, Chinese headers, a frozen
header row and readable column widths; plus the unscheduled list, so nothing
due silently disappears from the paper trail.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from planning.plan import Plan

VISIT_COLUMNS = [
    ("day", "日期"),
    ("team", "小组"),
    ("seq", "顺序"),
    ("eta", "到达"),
    ("start", "开始"),
    ("end", "结束"),
    ("enterprise_id", "企业编号"),
    ("name", "企业名称"),
    ("address", "地址"),
    ("contact", "联系电话"),
    ("risk", "风险等级"),
    ("item_names", "检查事项 (一张清单)"),
    ("departments", "涉及部门"),
    ("crew", "联合检查部门"),
    ("service_min", "检查用时(分)"),
    ("visit_id", "检查编号"),
]
RISK_ZH = {"red": "红", "yellow": "黄", "green": "绿"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet_title(text: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 chars, no []:*?/\\, unique."""
    clean = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "sheet"
    title, n = clean, 2
    while title in used:
        title = f"{clean[:28]}_{n}"
        n += 1
    used.add(title)
    return title


def _write_table(ws, headers: list[str], rows: list[list[object]]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        values = [header] + [r[i - 1] for r in rows[:500]]
        width = max(_display_width(str(v)) for v in values) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 6), 60)


def _display_width(text: str) -> int:
    """Chinese characters take two columns in Excel's default font."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def visit_rows(plan: Plan, squad_id: str) -> pd.DataFrame:
    """Visits of one squad joined with enterprise details, in route order."""
    ent = pd.DataFrame(plan.scenario.enterprises.drop(columns="geometry"))
    cols = [c for c in ("enterprise_id", "name", "address", "contact", "risk") if c in ent]
    v = pd.DataFrame(plan.visits.drop(columns="geometry", errors="ignore"))
    v = v[v["squad_id"] == squad_id].merge(ent[cols], on="enterprise_id", how="left")
    v["risk"] = v["risk"].map(RISK_ZH).fillna(v["risk"])
    v = v.sort_values(["day", "team", "seq"])
    for key, _ in VISIT_COLUMNS:
        if key not in v.columns:
            v[key] = ""
    return v


def write_schedule_xlsx(plan: Plan, path: str | Path) -> Path:
    """Write the schedule workbook: a sheet per squad and the unscheduled list."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    headers = [zh for _, zh in VISIT_COLUMNS]
    for squad in plan.scenario.squads.itertuples():
        ws = wb.create_sheet(_sheet_title(f"{squad.name}", used))
        v = visit_rows(plan, squad.squad_id)
        rows = [
            [_plain(r[k]) for k, _ in VISIT_COLUMNS] for _, r in v.iterrows()
        ]
        _write_table(ws, headers, rows)
    ws = wb.create_sheet(_sheet_title("未排入 unscheduled", used))
    un = plan.unscheduled
    ent = plan.scenario.enterprises.set_index("enterprise_id")
    rows = [
        [
            r.enterprise_id,
            ent["name"].get(r.enterprise_id, ""),
            r.squad_id if isinstance(r.squad_id, str) else "",
            r.reason,
        ]
        for r in un.itertuples()
    ]
    _write_table(ws, ["企业编号", "企业名称", "中队", "原因"], rows)
    if plan.scenario.synthetic:
        ws = wb.create_sheet(_sheet_title("说明", used))
        _write_table(ws, ["说明"], [["示例数据 (synthetic): 本表由示例场景生成"]])
    wb.save(path)
    return path


def _plain(value: object) -> object:
    """openpyxl takes str/int/float; pandas NA and numpy scalars are converted."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if hasattr(value, "item"):
        return value.item()
    return value
