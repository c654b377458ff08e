"""Spreadsheet exports a team leader opens in Excel or WPS.

One sheet per squad with a row per joint visit, Chinese headers, a frozen
header row and readable column widths; plus the department roster (which
squad each department's inspector joins on which day, so departments can
plan their own people), the unscheduled list with reasons, so nothing due
silently disappears from the paper trail, and a summary sheet with the
figures a bureau chief asks for first (visits saved, travel, load per squad).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from maps.export.common import squad_ids as _squad_ids
from maps.export.common import text_of
from maps.export.common import text_of as _text
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
    ("outcome", "检查结果"),
    ("deadline", "整改期限"),
    ("note", "备注"),
]
OUTCOME_CHOICES = ("合格", "责令整改", "立案", "未遇")
"""The 检查结果 drop-down; ``python main.py results`` reads the filled sheet."""
FILL_FILL = PatternFill("solid", fgColor="FFF2CC")
RISK_ZH = {"red": "红", "yellow": "黄", "green": "绿"}
WEEKDAY_ZH = "一二三四五六日"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SUMMARY_SHEET = "汇总 summary"
ROSTER_SHEET = "部门排班 roster"
UNSCHEDULED_SHEET = "未排入 unscheduled"


class _Book:
    """A workbook that starts empty and gives its sheets Excel-safe, unique
    names (at most 31 chars, no []:*?/\\)."""

    def __init__(self) -> None:
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self._used: set[str] = set()

    def sheet(self, text: str) -> Worksheet:
        clean = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "sheet"
        title, n = clean, 2
        while title in self._used:
            title = f"{clean[:28]}_{n}"
            n += 1
        self._used.add(title)
        return self.wb.create_sheet(title)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.wb.save(path)
        return path


def _write_table(ws, headers: list[str], rows: list[list[object]]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        ws.append([_plain(v) for v in row])
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        values = [header] + [r[i - 1] for r in rows[:500]]
        width = max(_display_width(_text(v)) for v in values) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 6), 60)


def _display_width(text: str) -> int:
    """Chinese characters take two columns in Excel's default font."""
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in longest)


def file_stem(text: str) -> str:
    """A file-name-safe stem (Windows and phones) for a squad id or name."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(text)).strip(" .") or "squad"


def day_label(day: str) -> str:
    """``"2026-12-01"`` -> ``"2026-12-01 周二"``; planners think in weekdays."""
    try:
        d = date.fromisoformat(str(day))
    except ValueError:
        return str(day)
    return f"{d.isoformat()} 周{WEEKDAY_ZH[d.weekday()]}"


def squad_names(plan: Plan) -> dict[str, str]:
    """squad_id -> squad name (the id when the name is missing)."""
    sq = plan.scenario.squads
    return {
        str(s): (_text(n) or str(s))
        for s, n in zip(sq["squad_id"], sq["name"], strict=True)
    }


def dept_names(plan: Plan) -> dict[str, str]:
    """dept_id -> department name from the plan's policy."""
    return {k: d.name for k, d in plan.scenario.policy.departments.items()}


def visit_rows(plan: Plan, squad_id: str) -> pd.DataFrame:
    """Visits of one squad joined with enterprise details, in route order.

    Also carries ``lon``/``lat`` (WGS84) of each stop, from the visit point or,
    when a visit has no geometry, the enterprise point; PDF and navigation
    exports share this one join so they list the same stops.
    """
    ents = plan.scenario.enterprises
    ent = pd.DataFrame(ents.drop(columns="geometry"))
    cols = [
        c for c in ("enterprise_id", "name", "address", "contact", "risk") if c in ent
    ]
    ent_xy = pd.DataFrame(
        {
            "enterprise_id": ents["enterprise_id"].to_numpy(),
            "_elon": ents.geometry.x.to_numpy() if len(ents) else [],
            "_elat": ents.geometry.y.to_numpy() if len(ents) else [],
        }
    )
    visits = plan.visits
    v = pd.DataFrame(visits.drop(columns="geometry", errors="ignore"))
    if "geometry" in visits and len(visits):
        geom = visits.geometry
        ok = ~(geom.isna() | geom.is_empty)
        v["lon"] = geom.x.where(ok)
        v["lat"] = geom.y.where(ok)
    else:
        v["lon"] = pd.Series(dtype=float)
        v["lat"] = pd.Series(dtype=float)
    v = v[v["squad_id"] == squad_id]
    v = v.merge(ent[cols], on="enterprise_id", how="left")
    v = v.merge(ent_xy, on="enterprise_id", how="left")
    v["lon"] = v["lon"].fillna(v["_elon"])
    v["lat"] = v["lat"].fillna(v["_elat"])
    v = v.drop(columns=["_elon", "_elat"])
    if "risk" in v:
        v["risk"] = v["risk"].map(RISK_ZH).fillna(v["risk"])
    for key, _ in VISIT_COLUMNS:
        if key not in v.columns:
            v[key] = ""
    v["team"] = pd.to_numeric(v["team"], errors="coerce").fillna(1).astype(int)
    v["seq"] = pd.to_numeric(v["seq"], errors="coerce").fillna(0).astype(int)
    v["day"] = v["day"].astype(str)
    return v.sort_values(["day", "team", "seq"]).reset_index(drop=True)


def write_schedule_xlsx(
    plan: Plan, path: str | Path, squad_id: str | None = None
) -> Path:
    """Write the schedule workbook and return its path.

    Sheets: 汇总 summary, one per squad (a row per visit in route order),
    部门排班 roster, 未排入 unscheduled (with reasons). ``squad_id`` limits
    the visit, roster and unscheduled sheets to one squad (the summary
    still shows every squad, for comparison).
    """
    book = _Book()
    names = squad_names(plan)
    ids = _squad_ids(plan, squad_id)
    _summary_sheet(book.sheet(SUMMARY_SHEET), plan)
    headers = [zh for _, zh in VISIT_COLUMNS]
    depts = dept_names(plan)
    for sid in ids:
        ws = book.sheet(names[sid])
        v = visit_rows(plan, sid)
        for key in ("departments", "crew"):
            v[key] = v[key].map(lambda s: _dept_list(s, depts))
        rows = [[r[k] for k, _ in VISIT_COLUMNS] for _, r in v.iterrows()]
        _write_table(ws, headers, rows)
        _result_columns(ws, len(rows))
    _roster_sheet(book.sheet(ROSTER_SHEET), plan, ids)
    _unscheduled_sheet(book.sheet(UNSCHEDULED_SHEET), plan, squad_id)
    if plan.scenario.synthetic:
        ws = book.sheet("说明")
        _write_table(ws, ["说明"], [["示例数据 (synthetic): 本表由示例场景生成"]])
    return book.save(path)


def _result_columns(ws, n_rows: int) -> None:
    """The columns a team fills in: a drop-down for 检查结果, a date cell for
    整改期限 (Excel's date picker, checked on entry) and free text 备注."""
    keys = [k for k, _ in VISIT_COLUMNS]
    last = max(n_rows + 1, 2)
    col = {k: get_column_letter(keys.index(k) + 1) for k in ("outcome", "deadline")}
    outcome = DataValidation(
        type="list",
        formula1='"' + ",".join(OUTCOME_CHOICES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="检查结果",
        error="请选择：" + " / ".join(OUTCOME_CHOICES),
    )
    outcome.add(f"{col['outcome']}2:{col['outcome']}{last}")
    deadline = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="整改期限",
        error="请填写日期 YYYY-MM-DD",
    )
    deadline.add(f"{col['deadline']}2:{col['deadline']}{last}")
    ws.add_data_validation(outcome)
    ws.add_data_validation(deadline)
    for key in ("outcome", "deadline", "note"):
        letter = get_column_letter(keys.index(key) + 1)
        ws.column_dimensions[letter].width = 14 if key != "note" else 24
        for row in range(2, n_rows + 2):
            ws[f"{letter}{row}"].fill = FILL_FILL
            if key == "deadline":
                ws[f"{letter}{row}"].number_format = "yyyy-mm-dd"


def _dept_list(value: Any, depts: dict[str, str]) -> str:
    return "、".join(depts.get(d, d) for d in _text(value).split(";") if d)


def roster_matrix(plan: Plan, squad_ids: list[str] | None = None) -> pd.DataFrame:
    """部门 x 日期 -> "天马中队 1组" (one line per team the department joins).

    Rows follow the policy's department order (departments with no inspector
    days are left out); columns are the horizon's workdays that have any
    roster entry, in date order.
    """
    names = squad_names(plan)
    roster = plan.roster
    if squad_ids is not None:
        roster = roster[roster["squad_id"].astype(str).isin(squad_ids)]
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in roster.sort_values(["day", "squad_id", "team"]).itertuples():
        sid = str(r.squad_id)
        n = int(r.inspectors) if _text(getattr(r, "inspectors", "")) else 1
        label = f"{names.get(sid, sid)} {int(r.team)}组"
        cells[(str(r.dept_id), str(r.day))].append(label if n == 1 else f"{label} ×{n}")
    days = sorted({d for _, d in cells})
    depts = dept_names(plan)
    order = [d for d in depts if any((d, day) in cells for day in days)]
    order += sorted({d for d, _ in cells} - set(order))
    data = {
        day_label(day): ["\n".join(cells.get((d, day), [])) for d in order]
        for day in days
    }
    return pd.DataFrame(
        data, index=pd.Index([depts.get(d, d) for d in order], name="部门")
    )


def _roster_sheet(ws, plan: Plan, squad_ids: list[str]) -> None:
    m = roster_matrix(plan, squad_ids)
    headers = ["部门", *m.columns]
    rows = [
        [dept, *vals] for dept, vals in zip(m.index, m.to_numpy().tolist(), strict=True)
    ]
    _write_table(ws, headers, rows)
    ws.freeze_panes = "B2"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _unscheduled_sheet(ws, plan: Plan, squad_id: str | None) -> None:
    un = plan.unscheduled
    if squad_id is not None and "squad_id" in un:
        un = un[un["squad_id"] == squad_id]
    names = squad_names(plan)
    ent = plan.scenario.enterprises.set_index("enterprise_id")

    def col(name: str, eid: str) -> str:
        return _text(ent[name].get(eid, "")) if name in ent else ""

    rows = []
    for r in un.itertuples():
        eid = str(r.enterprise_id)
        sid = _text(getattr(r, "squad_id", ""))
        rows.append(
            [
                eid,
                col("name", eid),
                col("address", eid),
                names.get(sid, sid),
                col("due_date", eid),
                r.reason,
            ]
        )
    _write_table(ws, ["企业编号", "企业名称", "地址", "中队", "到期日", "原因"], rows)


def squad_load(plan: Plan) -> pd.DataFrame:
    """Per squad: zone load vs target, visits, team-days, km, hours.

    Shared by the summary sheet and the chief's summary page.
    """
    names = squad_names(plan)
    zones = plan.zones.set_index(plan.zones["squad_id"].astype(str))
    visits = plan.visits
    routes = plan.routes
    rows = []
    for sid in names:
        v = visits[visits["squad_id"].astype(str) == sid] if len(visits) else visits
        r = routes[routes["squad_id"].astype(str) == sid] if len(routes) else routes
        depts = (
            v["departments"]
            .fillna("")
            .map(lambda s: len({d for d in str(s).split(";") if d}))
        )
        work = 0.0
        if len(r):
            work = float(pd.to_numeric(r["travel_min"]).sum()) + float(
                pd.to_numeric(r["service_min"]).sum()
            )
        rows.append(
            {
                "squad_id": sid,
                "name": names[sid],
                "workload": _num(zones["workload"].get(sid))
                if "workload" in zones
                else None,
                "target": _num(zones["target"].get(sid)) if "target" in zones else None,
                "deviation_pct": _num(zones["deviation_pct"].get(sid))
                if "deviation_pct" in zones
                else None,
                "visits": len(v),
                "dept_inspections": int(depts.sum()) if len(v) else 0,
                "team_days": len(r),
                "km": float(pd.to_numeric(r["km"]).sum()) if len(r) else 0.0,
                "travel_h": float(pd.to_numeric(r["travel_min"]).sum()) / 60.0
                if len(r)
                else 0.0,
                "min_per_team_day": work / len(r) if len(r) else 0.0,
            }
        )
    out = pd.DataFrame(rows)
    out["visits_saved"] = out["dept_inspections"] - out["visits"]
    return out


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(f) else f


def _summary_sheet(ws, plan: Plan) -> None:
    s = plan.summary()
    sc = plan.scenario
    horizon = sc.horizon.workdays()
    facts: list[list[object]] = [
        ["计划 plan", sc.name + (" · 示例数据 (synthetic)" if sc.synthetic else "")],
        ["计划期 horizon", f"{horizon[0]} — {horizon[-1]} ({len(horizon)} 个工作日)"],
        ["应查企业 due enterprises", s.due_enterprises],
        ["已排综合查一次 joint visits", s.joint_visits],
        ["部门检查次数 department inspections", s.dept_inspections],
        ["减少入企次数 visits saved", s.visits_saved],
        ["未排入 unscheduled", s.unscheduled],
        ["路程 travel km", round(s.travel_km, 1)],
        ["路程计算 travel basis", s.travel_basis],
        ["路程 travel hours", round(s.travel_hours, 1)],
        ["片区工作量偏差 zone load spread %", round(s.spread_pct, 1)],
    ]
    for reason, n in sorted(s.reasons.items(), key=lambda kv: -kv[1]):
        facts.append([f"未排原因 reason: {reason}", n])
    _write_table(ws, ["指标", "数值"], facts)
    ws.append([])
    start = ws.max_row + 1
    load = squad_load(plan)
    headers = [
        "中队",
        "片区工作量(分)",
        "目标(分)",
        "偏差%",
        "综合查一次",
        "部门检查",
        "减少入企",
        "组日",
        "里程 km",
        "路程 h",
        "每组日用时(分)",
    ]
    ws.append(headers)
    for cell in ws[start]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for r in load.itertuples():
        ws.append(
            [
                r.name,
                _round(r.workload, 0),
                _round(r.target, 0),
                _round(r.deviation_pct, 1),
                r.visits,
                r.dept_inspections,
                r.visits_saved,
                r.team_days,
                round(r.km, 1),
                round(r.travel_h, 1),
                round(r.min_per_team_day, 0),
            ]
        )
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 16)


def _round(value: float | None, digits: int) -> object:
    return "" if value is None else round(value, digits)


def _plain(value: object) -> object:
    """openpyxl takes str/int/float; pandas NA and numpy scalars are converted."""
    if text_of(value) == "":
        return ""
    if hasattr(value, "item"):
        return value.item()
    return value


CHANGE_HEADERS = {
    "change": "改动",
    "visit_id": "检查编号",
    "enterprise_id": "企业编号",
    "name": "企业名称",
    "kind": "类型",
    "old_day": "原日期",
    "old_team": "原小组",
    "new_day": "新日期",
    "new_team": "新小组",
    "reason": "原因",
}
CHANGE_ZH = {"moved": "调整", "added": "新增", "dropped": "取消", "late": "逾期"}
KIND_ZH = {
    "regular": "综合查一次",
    "followup": "复查",
    "revisit": "再次上门",
    "urgent": "紧急投诉",
}


def write_changes_xlsx(plan: Plan, changes: pd.DataFrame, path: str | Path) -> Path:
    """The replan's change list, one sheet per squad, to tell squad leaders
    which visits moved, were added or dropped (see :mod:`planning.field.replan`)."""
    book = _Book()
    names = squad_names(plan)
    firm = plan.scenario.enterprises.set_index("enterprise_id")["name"]
    table = changes.copy()
    table["name"] = table["enterprise_id"].map(firm).fillna("")
    table["change"] = table["change"].map(CHANGE_ZH).fillna(table["change"])
    table["kind"] = table["kind"].map(KIND_ZH).fillna(table["kind"])
    for sid, mine in table.groupby(table["squad_id"].fillna(""), sort=True):
        ws = book.sheet(names.get(str(sid), str(sid) or "—"))
        rows = [[r[k] for k in CHANGE_HEADERS] for r in mine.to_dict("records")]
        _write_table(ws, list(CHANGE_HEADERS.values()), rows)
    if not len(table):
        _write_table(book.sheet("无改动"), ["说明"], [["没有改动 no changes"]])
    return book.save(path)
