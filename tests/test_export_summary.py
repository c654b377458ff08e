"""Chief's summary page: self-contained, escaped, with the headline figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from maps.export.summary import hotspot_weeks, write_summary
from planning.plan import Plan
from tests.helpers.export_plan import XSS, make_plan


def _plan_with_xss() -> Plan:
    plan = make_plan()
    plan.scenario.squads.loc[plan.scenario.squads.squad_id == "SQ02", "name"] = XSS
    plan.zones.loc[plan.zones.squad_id == "SQ02", "name"] = XSS
    extra = pd.DataFrame(
        {"enterprise_id": ["E2"], "squad_id": ["SQ01"], "reason": [f"x {XSS}"]}
    )
    plan.unscheduled = pd.concat([plan.unscheduled, extra], ignore_index=True)
    return plan


def test_summary_page(tmp_path: Path) -> None:
    plan = _plan_with_xss()
    path = write_summary(plan, tmp_path / "summary.html")
    page = path.read_text(encoding="utf-8")
    # escaped everywhere (squad name in map, bars, table; firm in unscheduled)
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    # self-contained: no external resource; the CSP forbids network and scripts
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "default-src &#x27;none&#x27;" in page
    s = plan.summary()
    assert f"<b>{s.visits_saved}</b>" in page
    assert "减少入企次数" in page and "示例数据 (synthetic)" in page
    # every SVG is well-formed XML (browsers would otherwise drop the chart)
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 4  # zone map, load bars, visits saved, hotspots
    for svg in svgs:
        ET.fromstring(svg)
    zone_map = ET.fromstring(svgs[0])
    assert len(zone_map.findall("path")) == len(plan.zones)
    assert XSS in [t.text for t in zone_map.iter("text")]  # text, not markup
    load = ET.fromstring(svgs[1])
    assert "天马中队" in [t.text for t in load.iter("text")]


def test_hotspot_weeks_drop_partial_week() -> None:
    weeks = hotspot_weeks(make_plan())
    # events 2026-11-02 .. 2026-12-01; the week of 11-30 is cut by the horizon
    assert [str(w) for w in weeks.index] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    assert set(weeks.columns) == {"占道经营", "暴露垃圾", "店外经营"}
    assert int(weeks.to_numpy().sum()) == 28


def test_summary_without_hotspots(tmp_path: Path) -> None:
    plan = make_plan(synthetic=False)
    plan.scenario.hotspots = plan.scenario.hotspots.iloc[0:0]
    page = write_summary(plan, tmp_path / "s.html").read_text(encoding="utf-8")
    assert "无热点事件数据" in page and "示例数据" not in page


def test_summary_zone_colours_match_the_map(tmp_path: Path) -> None:
    """A squad has the same colour on the summary's zone map as on the map."""
    from maps.export.summary import zone_map_svg
    from maps.render import render_plan_map, squad_colors

    plan = make_plan()
    colors = squad_colors(plan)
    svg = zone_map_svg(plan)
    fills = re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]{6})"', svg)
    assert fills == [colors[str(s)] for s in plan.zones["squad_id"]]
    page = render_plan_map(plan)
    for sid, color in colors.items():
        assert f'"{sid}":"{color}"' in page
