"""Printed work orders (作业单): what a team carries into the firms it visits.

One A4 PDF per squad, one section per day and team: who goes (crew with
departments), a small route map drawn with reportlab graphics (no tiles, no
network, so it prints the same in any office), the ordered stops with ETA,
address, contact and the firm's 一张清单 as tick boxes, and signature lines
for the inspectors and the firm's responsible person, since paper with
signatures is still the record of a joint inspection in most bureaus.
When the plan has hotspot patrol loops (巡查路线), a section follows the
squad's inspection pages: a page per weekday with a map of that day's loops
(one colour per window, points numbered in patrol order) and a table per
loop of its window, minutes, expected events and ordered points.

Text goes through :func:`_p`, which escapes it for reportlab's paragraph
markup: firm names come from registers and must never be read as tags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
import shapely
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from maps.export.common import base_lonlat as _base
from maps.export.common import squad_ids as _squad_ids
from maps.export.common import text_of as _text
from maps.export.fonts import CJKFont, cjk_font, tick_box
from maps.export.navigation import PATROL_FOLDER, PatrolLoop, patrol_loops
from maps.export.pdf_maps import MAP_W, SquadMap, patrol_map, route_map
from maps.export.spreadsheets import (
    day_label,
    dept_names,
    file_stem,
    squad_names,
    visit_rows,
)
from planning.plan import Plan
from planning.progress import ProgressEvent, ProgressFn

PAGE_W, PAGE_H = A4
MARGIN = 12 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
SYNTHETIC_LABEL = "示例数据 (synthetic)"
TITLE = "综合查一次 作业单"
HEAD_BG = colors.HexColor("#ddebf7")
BOX_SIZE = 11
"""Font size of the tick boxes, a little larger than the text."""
OUTCOME_BOXES = ("合格", "责令整改", "立案", "未遇")
"""检查结果 boxes, the same choices as schedule.xlsx's drop-down."""
# widths of the stop table: 序号, 时间, 企业, 一张清单, 结果, 企业签字
STOP_COLS = (9 * mm, 17 * mm, 50 * mm, 64 * mm, 22 * mm, 24 * mm)


# --------------------------------------------------------------------------- #
# data for one team-day
# --------------------------------------------------------------------------- #


@dataclass
class TeamDay:
    """Everything printed for one team on one day."""

    squad_id: str
    squad_name: str
    day: str
    team: int
    stops: pd.DataFrame
    crew: list[tuple[str, int]] = field(default_factory=list)  # (dept name, n)
    route: dict[str, Any] = field(default_factory=dict)
    line: list[tuple[float, float]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.squad_name} · {day_label(self.day)} · 第{self.team}组"


def _split(value: Any) -> list[str]:
    return [p.strip() for p in _text(value).split(";") if p.strip()]


def _day_team(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """A table's ``day`` as text and ``team`` as a number (empty without rows)."""
    if not len(table):
        return pd.Series(dtype=str), pd.Series(dtype=float)
    return table["day"].astype(str), pd.to_numeric(table["team"], errors="coerce")


def _team_days(plan: Plan, squad_id: str) -> list[TeamDay]:
    """The squad's team-days in date / team order, from visits and routes."""
    name = squad_names(plan).get(squad_id, squad_id)
    depts = dept_names(plan)
    v = visit_rows(plan, squad_id)
    routes = plan.routes
    if len(routes):
        routes = routes[routes["squad_id"].astype(str) == squad_id]
    roster = plan.roster
    if len(roster):
        roster = roster[roster["squad_id"].astype(str) == squad_id]
    keys = {(str(d), int(t)) for d, t in zip(v["day"], v["team"], strict=True)}
    keys |= {
        (str(d), int(t))
        for d, t in zip(routes.get("day", []), routes.get("team", []), strict=True)
    }
    # day and team keys converted once, not again for every team-day
    roster_day, roster_team = _day_team(roster)
    route_day, route_team = _day_team(routes)
    out = []
    for day, team in sorted(keys):
        stops = v[(v["day"] == day) & (v["team"] == team)].sort_values("seq")
        td = TeamDay(squad_id, name, day, team, stops.reset_index(drop=True))
        crew: dict[str, int] = {}
        if len(roster):
            r = roster[(roster_day == day) & (roster_team == team)]
            ns = r["inspectors"] if "inspectors" in r else pd.Series(1, index=r.index)
            ns = pd.to_numeric(ns, errors="coerce").fillna(1).astype(int)
            for dept, n in zip(r["dept_id"], ns, strict=True):
                crew[str(dept)] = crew.get(str(dept), 0) + max(int(n), 1)
        if not crew:  # plans without a roster: the crew column of the visits
            for d in dict.fromkeys(x for c in stops["crew"] for x in _split(c)):
                crew[d] = 1
        td.crew = [(depts.get(d, d), n) for d, n in crew.items()]
        if len(routes):
            rr = routes[(route_day == day) & (route_team == team)]
            if len(rr):
                row = rr.iloc[0]
                td.route = {k: row[k] for k in rr.columns if k != "geometry"}
                geom = row.geometry
                if geom is not None and not geom.is_empty:
                    td.line = [(x, y) for x, y, *_ in shapely.get_coordinates(geom)]
        out.append(td)
    return out


# --------------------------------------------------------------------------- #
# page furniture
# --------------------------------------------------------------------------- #


class _Section(Flowable):
    """Zero-size marker: tells the canvas which team-day the page belongs to."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        self.canv._section = self.label  # type: ignore[attr-defined]


class _NumberedCanvas(Canvas):
    """Defers page furniture to the end, when "共 M 页" is known."""

    def __init__(
        self, *args: Any, font: str, title: str, synthetic: bool, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initialFontName", font)
        super().__init__(*args, **kwargs)
        self._font = font
        self._title = title
        self._synthetic = synthetic
        self._section = ""
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for n, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._furniture(n, total)
            super().showPage()
        super().save()

    def _furniture(self, n: int, total: int) -> None:
        self.saveState()
        self.setFont(self._font, 8)
        self.setFillColor(colors.HexColor("#555555"))
        top = PAGE_H - 8 * mm
        self.drawString(MARGIN, top, f"{self._title}  {self._section}")
        self.drawCentredString(PAGE_W / 2, 7 * mm, f"第 {n} 页 / 共 {total} 页")
        self.setStrokeColor(colors.HexColor("#bbbbbb"))
        self.setLineWidth(0.4)
        self.line(MARGIN, top - 2, PAGE_W - MARGIN, top - 2)
        if self._synthetic:
            self.setFillColor(colors.HexColor("#c00000"))
            self.setFont(self._font, 9)
            self.drawRightString(PAGE_W - MARGIN, top, SYNTHETIC_LABEL)
        self.restoreState()


@dataclass
class _Styles:
    title: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    shared: dict[tuple[str, str], Paragraph] = field(default_factory=dict)

    def fixed(self, markup: str, style: ParagraphStyle) -> Paragraph:
        """The one paragraph of a table text (paragraph markup) that the
        document repeats (headers, signature lines, result boxes,
        checklists): table cells may share a flowable, so it is parsed and
        broken into lines once."""
        key = (markup, style.name)
        if key not in self.shared:
            self.shared[key] = _Para(markup, style)
        return self.shared[key]


def _styles(font: str) -> _Styles:
    base = ParagraphStyle(
        "cjk", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK"
    )
    return _Styles(
        title=ParagraphStyle(
            "title", parent=base, fontSize=15, leading=20, spaceAfter=3
        ),
        body=base,
        small=ParagraphStyle(
            "small",
            parent=base,
            fontSize=8,
            leading=10.5,
            textColor=colors.HexColor("#444444"),
        ),
        cell=ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        head=ParagraphStyle("head", parent=base, fontSize=8.5, leading=11, alignment=1),
    )


class _Para(Paragraph):
    """A paragraph that remembers its last wrap. A table wraps every cell
    again when it sizes its rows, splits across pages and draws, always at
    the column's width, and CJK line breaking is most of a work order's
    time; the lines for one width never change, so they are broken once."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            return self._wrapped[1]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size)
        return size


def _p(text: Any, style: ParagraphStyle, markup: str = "") -> Paragraph:
    """A paragraph of escaped plain text (``markup`` wraps it, e.g. ``"b"``)."""
    body = escape(_text(text)).replace("\n", "<br/>")
    if markup:
        body = f"<{markup}>{body}</{markup}>"
    return _Para(body, style)


def _cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """``text`` for a table cell ``width`` wide (3 pt padding each side):
    a plain string when it fits on one line, which the table draws itself
    in the same font, size and place (see :func:`_grid_style`) without
    parsing or CJK line breaking; a wrapping paragraph when it does not."""
    if "\n" not in text and (
        stringWidth(text, style.fontName, style.fontSize) <= width - 6
    ):
        return text
    return _p(text, style)


class _Lowered(Flowable):
    """A paragraph drawn ``drop`` points below its place, its size unchanged:
    a table cell stacks flowables box under box, so this puts a line on the
    baseline it would have inside the paragraph above it."""

    def __init__(self, para: Paragraph, drop: float) -> None:
        super().__init__()
        self.para, self.drop = para, drop

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.para.wrap(availWidth, availHeight)

    def draw(self) -> None:
        self.para.drawOn(self.canv, 0, -self.drop)


def _head_row(st: _Styles, *titles: str) -> list[Paragraph]:
    """A table's header row: the titles in bold."""
    return [st.fixed(f"<b>{escape(t)}</b>", st.head) for t in titles]


# --------------------------------------------------------------------------- #
# one section
# --------------------------------------------------------------------------- #


def _grid_style(
    pad: float, cell: ParagraphStyle, centred: Iterable[int] = ()
) -> list[tuple]:
    """Ruled table with a shaded header row, cells padded by ``pad`` points;
    plain-string cells (:func:`_cell`) in ``cell``'s font, size and leading,
    centred in the ``centred`` columns like the header style's paragraphs."""
    return [
        ("FONTNAME", (0, 0), (-1, -1), cell.fontName),
        ("FONTSIZE", (0, 0), (-1, -1), cell.fontSize),
        ("LEADING", (0, 0), (-1, -1), cell.leading),
        *[("ALIGN", (c, 0), (c, -1), "CENTER") for c in centred],
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]


def _synthetic_note(what: str, st: _Styles) -> Paragraph:
    """The red line that keeps a sample page out of real enforcement."""
    red = ParagraphStyle("syn", parent=st.small, textColor=colors.HexColor("#c00000"))
    return _p(f"{SYNTHETIC_LABEL}：{what}由示例场景生成，不得用于实际执法。", red)


def _box(box: str) -> str:
    """The tick box a little larger than the text, so it can be ticked by pen."""
    return f'<font size="{BOX_SIZE}">{box}</font>'


def _items_cell(stop: pd.Series, plan: Plan, box: str, st: _Styles) -> Paragraph:
    policy = plan.scenario.policy
    depts = dept_names(plan)
    names = _split(stop.get("item_names"))
    ids = _split(stop.get("items"))
    lines = []
    for k, name in enumerate(names):
        item = policy.items.get(ids[k]) if k < len(ids) else None
        extra = ""
        if item is not None:
            dept = depts.get(item.dept_id, item.dept_id)
            prof = "·专业" if item.kind == "professional" else ""
            extra = f' <font size="7" color="#666666">{escape(dept + prof)}</font>'
        lines.append(f"{_box(box)} {escape(name)}{extra}")
    # firms of a category mostly share their checklist: one paragraph each
    return st.fixed("<br/>".join(lines) or "—", st.cell)


def _stop_table(td: TeamDay, plan: Plan, font: CJKFont, st: _Styles) -> LongTable:
    box = tick_box(font)
    rows: list[list[Any]] = [
        _head_row(
            st,
            "序号",
            "到达 / 检查",
            "企业 · 地址 · 电话",
            "检查事项 (一张清单)",
            "检查结果",
            "企业负责人签字",
        )
    ]
    # the 检查结果 boxes are the same in every row: one shared paragraph, and
    # the row's 检查编号 in small type under it; likewise the visit's time
    # under its ETA. Lowered to the baseline each had as a paragraph's last
    # line: a mixed-size paragraph starts its lines at the first line's
    # largest size (the 11 pt box, the 8.5 pt ETA), a one-size one at its own
    outcome = st.fixed(
        "<br/>".join(f"{_box(box)} {w}" for w in OUTCOME_BOXES)
        + "<br/>整改期限 ____月____日<br/>备注 ________",
        st.cell,
    )
    small = ParagraphStyle("small_cell", parent=st.cell, fontSize=7)
    for _, s in td.stops.iterrows():
        when: list[Flowable] = [_p(s["eta"], st.cell)]
        if _text(s.get("start")) and _text(s.get("end")):
            span = _p(f"{_text(s['start'])}–{_text(s['end'])}", small)
            when.append(_Lowered(span, st.cell.fontSize - small.fontSize))
        firm = f"<b>{escape(_text(s['name']))}</b>"
        for key in ("address", "contact"):
            if _text(s.get(key)):
                firm += f"<br/>{escape(_text(s[key]))}"
        risk = _text(s.get("risk"))
        if risk:
            firm += (
                f'<br/><font size="7" color="#666666">风险 {escape(risk)}'
                f" · {escape(_text(s.get('enterprise_id')))}</font>"
            )
        rows.append(
            [
                _cell(str(int(s["seq"])), st.head, STOP_COLS[0]),
                when,
                _Para(firm, st.cell),
                _items_cell(s, plan, box, st),
                [
                    outcome,
                    _Lowered(
                        _p(f"检查编号 {_text(s.get('visit_id'))}", small),
                        BOX_SIZE - small.fontSize,
                    ),
                ],
                "",
            ]
        )
    table = LongTable(rows, colWidths=STOP_COLS, repeatRows=1)
    table.setStyle(TableStyle(_grid_style(3, st.cell, centred=[0])))
    return table


def _info(td: TeamDay, plan: Plan, st: _Styles) -> list[Paragraph]:
    crew = "、".join(f"{d}{'' if n == 1 else f' ×{n}'}" for d, n in td.crew)
    r = td.route
    by_road = bool((plan.settings.get("travel_settings") or {}).get("by_road"))
    facts = [
        ("中队", f"{td.squad_name} ({td.squad_id})"),
        ("日期", day_label(td.day)),
        ("小组", f"第 {td.team} 组"),
        ("联合检查部门", crew or "本中队人员 (无专业部门随行)"),
        ("检查企业", f"{len(td.stops)} 家"),
    ]
    if r:
        facts.append(
            ("出发 / 返回", f"{_text(r.get('start'))} – {_text(r.get('end'))}")
        )
        km = r.get("km")
        tmin = r.get("travel_min")
        if _text(km):
            # here, not at the top: planning.roads loads scipy and the road
            # graph, seconds that every command importing the exports pays
            from planning.roads.context import travel_label

            basis = travel_label(by_road)
            facts.append(
                (
                    "路程",
                    f"约 {float(km):.1f} km，行车约 {float(tmin or 0):.0f} 分钟"
                    f"（{basis}）",
                )
            )
    depts = dept_names(plan)
    covered = dict.fromkeys(d for c in td.stops["departments"] for d in _split(c))
    if covered:
        facts.append(("涉及部门", "、".join(depts.get(d, d) for d in covered)))
    out = [_Para(f"<b>{escape(k)}：</b>{escape(v)}", st.body) for k, v in facts]
    out.append(Spacer(1, 4))
    out.append(
        _p(
            "地图：虚线为本中队片区，红线为行车路线，黑方块为驻地，编号为检查顺序。"
            + (
                "路线沿导入的道路绘制。"
                if by_road
                else "路线为直线估算，以实际道路为准。"
            ),
            st.small,
        )
    )
    return out


def _signature_block(rows: list[list[Flowable]]) -> KeepTogether:
    """Label and blank lines to sign on, kept on one page with its sheet."""
    t = Table(rows, colWidths=(32 * mm, CONTENT_W - 32 * mm))
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return KeepTogether([Spacer(1, 6), t])


def _map_head(map_flowable: Flowable, info: Flowable | list[Flowable]) -> Table:
    """The head of a sheet: the map, and the facts beside it."""
    head = Table(
        [[map_flowable, info]],
        colWidths=(MAP_W + 4 * mm, CONTENT_W - MAP_W - 4 * mm),
    )
    head.setStyle(
        TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]
        )
    )
    return head


def _signatures(st: _Styles) -> KeepTogether:
    line = "_" * 18
    return _signature_block(
        [
            [
                st.fixed("检查人员签字：", st.body),
                st.fixed(f"{line}  {line}  {line}", st.body),
            ],
            [
                st.fixed("企业负责人签字：", st.body),
                st.fixed("见上表各企业“企业负责人签字”栏", st.small),
            ],
            [
                st.fixed("中队负责人审核：", st.body),
                st.fixed(f"{line}      日期：{line}", st.body),
            ],
        ]
    )


@dataclass(frozen=True)
class _Sheet:
    """What every page of one squad's work order is drawn with."""

    font: CJKFont
    st: _Styles
    map: SquadMap
    synthetic: bool


def _section(td: TeamDay, plan: Plan, sheet: _Sheet) -> list[Flowable]:
    font, st = sheet.font, sheet.st
    title = f"{TITLE} · {td.squad_name} · {td.day} · 第{td.team}组"
    story: list[Flowable] = [_Section(td.label), _p(title, st.title, "b")]
    if sheet.synthetic:
        story.append(_synthetic_note("本作业单", st))
    head = _map_head(route_map(td, sheet.map), _info(td, plan, st))
    story += [Spacer(1, 3), head, Spacer(1, 6)]
    if len(td.stops):
        story.append(_stop_table(td, plan, font, st))
    else:
        story.append(_p("本组当日无排定的企业检查（巡查日）。", st.body))
    story.append(_signatures(st))
    return story


def _unscheduled(plan: Plan, squad_id: str, st: _Styles) -> list[Flowable]:
    un = plan.unscheduled
    if not len(un) or "squad_id" not in un:
        return []
    un = un[un["squad_id"].astype(str) == squad_id]
    if not len(un):
        return []
    ent = plan.scenario.enterprises.set_index("enterprise_id")
    rows: list[list[Any]] = [_head_row(st, "企业编号", "企业名称", "原因")]
    for r in un.itertuples():
        eid = str(r.enterprise_id)
        name = ent["name"].get(eid, "") if "name" in ent else ""
        rows.append([_p(eid, st.cell), _p(name, st.cell), _p(r.reason, st.cell)])
    t = LongTable(rows, colWidths=(22 * mm, 50 * mm, CONTENT_W - 72 * mm), repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [
        _Section(f"{squad_names(plan).get(squad_id, squad_id)} · 未排入"),
        CondPageBreak(40 * mm),
        _p("计划期内未排入的企业（请中队知悉并协调）", st.title, "b"),
        t,
    ]


# --------------------------------------------------------------------------- #
# patrol loops (巡查路线)
# --------------------------------------------------------------------------- #

# widths of the patrol table: 时段, 序号, 网格, 主要事件, 预计事件, 分钟, 巡查情况
PATROL_COLS = (30 * mm, 10 * mm, 20 * mm, 56 * mm, 17 * mm, 15 * mm, 38 * mm)


def _patrol_info(
    name: str, squad_id: str, weekday: str, loops: list[PatrolLoop], st: _Styles
) -> list[Flowable]:
    minutes = sum(lp.minutes or 0 for lp in loops)
    events = sum(lp.expected_events or 0 for lp in loops)
    facts = [
        ("中队", f"{name} ({squad_id})"),
        ("星期", f"每{weekday}" if weekday else "—"),
        ("巡查时段", f"{len(loops)} 个"),
        ("巡查点", f"{sum(len(lp.points) for lp in loops)} 个"),
        ("合计用时", f"约 {minutes:.0f} 分钟"),
        ("预计事件", f"{events:.1f} 起"),
    ]
    out: list[Flowable] = [
        _Para(f"<b>{escape(k)}：</b>{escape(v)}", st.body) for k, v in facts
    ]
    out.append(Spacer(1, 3))
    for lp in loops:
        out.append(
            _Para(
                f'<font color="{lp.color}"><b>━━</b></font> {escape(lp.window)}',
                st.body,
            )
        )
    out.append(Spacer(1, 4))
    out.append(
        _p(
            "地图：虚线框为本中队片区，彩色虚线为各时段巡查路线，黑方块为驻地，"
            "编号为巡查顺序。预计事件为该时段历史热点的加权期望值。",
            st.small,
        )
    )
    return out


def _patrol_table(loops: list[PatrolLoop], font: CJKFont, st: _Styles) -> LongTable:
    box = tick_box(font)
    rows: list[list[Any]] = [
        _head_row(
            st, "时段", "序号", "网格", "主要事件类型", "预计事件", "分钟", "巡查情况"
        )
    ]
    style: list[tuple] = _grid_style(2, st.cell, centred=[1, 4, 5])
    check = _Para(
        "  ".join(f"{_box(box)} {w}" for w in ("已巡查", "发现问题")), st.cell
    )
    for lp in loops:
        first = len(rows)
        summary = f'<font color="{lp.color}"><b>{escape(lp.window)}</b></font>'
        if lp.minutes is not None:
            summary += f"<br/>约 {lp.minutes:.0f} 分钟"
        if lp.expected_events is not None:
            summary += f"<br/>预计 {lp.expected_events:.2f} 起"
        summary += f"<br/>{len(lp.points)} 个巡查点"
        points = list(lp.points.iterrows()) or [(None, None)]
        for k, (_, p) in enumerate(points):
            if p is None:
                rows.append(
                    [
                        _Para(summary, st.cell),
                        "",
                        "",
                        _p("无巡查点", st.cell),
                        "",
                        "",
                        "",
                    ]
                )
                continue
            ev = p["expected_events"]
            mins = p["minutes"]
            rows.append(
                [
                    _Para(summary, st.cell) if k == 0 else "",
                    _cell(str(int(p["seq"])), st.head, PATROL_COLS[1]),
                    _cell(_text(p["cell_id"]), st.cell, PATROL_COLS[2]),
                    _cell("、".join(p["event_types"]) or "—", st.cell, PATROL_COLS[3]),
                    _cell(
                        "" if pd.isna(ev) else f"{float(ev):.2f}",
                        st.head,
                        PATROL_COLS[4],
                    ),
                    _cell(
                        "" if pd.isna(mins) else f"{float(mins):.0f}",
                        st.head,
                        PATROL_COLS[5],
                    ),
                    check,
                ]
            )
        last = len(rows) - 1
        if last > first:
            style.append(("SPAN", (0, first), (0, last)))
        style.append(
            ("LINEABOVE", (0, first), (-1, first), 1.2, colors.HexColor(lp.color))
        )
    table = LongTable(rows, colWidths=PATROL_COLS, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _patrol_sections(plan: Plan, squad_id: str, sheet: _Sheet) -> list[Flowable]:
    """A page per weekday with the squad's patrol loops ([] without loops)."""
    font, st = sheet.font, sheet.st
    loops = patrol_loops(plan, squad_id)
    if not loops:
        return []
    name = squad_names(plan).get(squad_id, squad_id)
    by_day: dict[str, list[PatrolLoop]] = {}
    for lp in loops:
        by_day.setdefault(lp.weekday, []).append(lp)
    story: list[Flowable] = []
    for weekday, day_loops in by_day.items():
        story += [
            PageBreak(),
            _Section(f"{name} · {PATROL_FOLDER} · {weekday}"),
            _p(f"{PATROL_FOLDER} · {name} · 每{weekday}", st.title, "b"),
        ]
        if sheet.synthetic:
            story.append(_synthetic_note("本巡查路线", st))
        head = _map_head(
            patrol_map(day_loops, sheet.map),
            _patrol_info(name, squad_id, weekday, day_loops, st),
        )
        story += [Spacer(1, 3), head, Spacer(1, 6), _patrol_table(day_loops, font, st)]
        line = "_" * 18
        signed = st.fixed(f"{line}  {line}      日期：{line}", st.body)
        label = st.fixed("巡查人员签字：", st.body)
        story.append(_signature_block([[label, signed]]))
    return story


def _zone_geom(plan: Plan, squad_id: str) -> shapely.Geometry | None:
    zones = plan.zones
    if len(zones) and "squad_id" in zones:
        z = zones[zones["squad_id"].astype(str) == squad_id]
        if len(z):
            return z.geometry.iloc[0]
    cells = plan.scenario.cells
    if "squad_id" in cells:
        c = cells[cells["squad_id"].astype(str) == squad_id]
        if len(c):
            return shapely.union_all(c.geometry.to_numpy())
    return None


def write_squad_work_order(plan: Plan, squad_id: str, path: str | Path) -> Path:
    """Write one squad's work-order PDF (all its team-days) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    font = cjk_font()
    st = _styles(font.name)
    synthetic = bool(plan.scenario.synthetic)
    name = squad_names(plan).get(squad_id, squad_id)
    squad_map = SquadMap(_zone_geom(plan, squad_id), _base(plan, squad_id), font.name)
    sheet = _Sheet(font, st, squad_map, synthetic)
    story: list[Flowable] = []
    team_days = _team_days(plan, squad_id)
    for k, td in enumerate(team_days):
        if k:
            story.append(PageBreak())
        story += _section(td, plan, sheet)
    if not team_days:
        story += [
            _Section(name),
            _p(f"{TITLE} · {name}", st.title, "b"),
            _p("本中队在计划期内没有排定的综合查一次检查。", st.body),
        ]
        if synthetic:
            story.append(_p(SYNTHETIC_LABEL, st.body))
    story += _patrol_sections(plan, squad_id, sheet)
    story += _unscheduled(plan, squad_id, st)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=13 * mm,
        title=f"{TITLE} {name}",
        author="patrol-planner",
        subject=SYNTHETIC_LABEL if synthetic else plan.scenario.name,
    )
    maker = partial(
        _NumberedCanvas, font=font.name, title=f"{TITLE} ·", synthetic=synthetic
    )
    doc.build(story, canvasmaker=maker)
    return path


def write_work_orders(
    plan: Plan,
    out_dir: str | Path,
    squad_id: str | None = None,
    progress: ProgressFn | None = None,
) -> list[Path]:
    """Write ``out_dir/<squad_id>_作业单.pdf`` per squad (or one); return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids = _squad_ids(plan, squad_id)
    report: Callable[[ProgressEvent], None] = progress or (lambda e: None)
    paths = []
    for k, sid in enumerate(ids):
        report(ProgressEvent("work_orders", k / max(len(ids), 1), f"{sid} 作业单"))
        paths.append(
            write_squad_work_order(plan, sid, out / f"{file_stem(sid)}_作业单.pdf")
        )
    report(ProgressEvent("work_orders", 1.0, f"{len(paths)} 份作业单"))
    return paths


__all__: Iterable[str] = [
    "SquadMap",
    "TeamDay",
    "patrol_map",
    "route_map",
    "write_squad_work_order",
    "write_work_orders",
]
