"""Work-order PDFs: text, embedded CJK font, page flow, page numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from maps.export.fonts import cjk_font
from maps.export.pdf import write_work_orders
from tests.helpers.export_plan import (
    ENTERPRISES,
    PATROLS,
    VISITS,
    XSS,
    add_many_stops,
    make_plan,
)


def _text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _font_files(path: Path) -> set[str]:
    """Kinds of embedded font programs (FontFile, FontFile2, FontFile3)."""
    found: set[str] = set()
    for page in PdfReader(path).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            if desc is not None:
                found |= {k for k in desc.get_object() if k.startswith("/FontFile")}
    return found


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("work_orders")
    events = []
    paths = write_work_orders(add_many_stops(make_plan()), out, progress=events.append)
    assert events and events[-1].fraction == 1.0
    return {p.name.split("_")[0]: p for p in paths}


def test_one_pdf_per_squad(pdfs: dict[str, Path]) -> None:
    assert set(pdfs) == {"SQ01", "SQ02"}
    assert all(p.name.endswith("_作业单.pdf") for p in pdfs.values())


def test_text_squad_dates_and_stops(pdfs: dict[str, Path]) -> None:
    pages = _text(pdfs["SQ01"])
    # 3 team-days of SQ01 = 3 sections, each fits on one page, then a patrol
    # page for each of the 2 weekdays with loops
    assert len(pages) == 5
    flat = _squash("".join(pages[:3]))
    assert "天马中队" in flat and "2026-12-01" in flat and "2026-12-02" in flat
    assert "示例数据(synthetic)" in flat
    assert "检查人员签字" in flat and "企业负责人签字" in flat
    assert "食品经营许可与公示" in flat  # the 一张清单
    assert "市场监管" in flat  # crew departments by name
    assert "路线为直线估算" in flat  # no road layer: the map says so
    names = {e[0]: e[1] for e in ENTERPRISES}
    for eid, *_ in VISITS:
        assert _squash(names[eid]) in flat, names[eid]
    assert _squash(XSS) in flat  # printed literally, not eaten as markup
    for n, page in enumerate(pages, start=1):
        assert f"第{n}页/共5页" in _squash(page)
    # stops in route order on the first page
    first = _squash(pages[0])
    assert (
        first.index("天马老王面馆")
        < first.index(_squash(XSS))
        < first.index("紫港便民超市")
    )


def test_cjk_font_is_embedded(pdfs: dict[str, Path]) -> None:
    font = cjk_font()
    assert font.embedded, "install fonts-wqy-microhei (TrueType CJK font)"
    assert "/FontFile2" in _font_files(pdfs["SQ01"])


def test_long_table_flows_with_repeated_header(pdfs: dict[str, Path]) -> None:
    pages = _text(pdfs["SQ02"])
    assert len(pages) >= 3  # 40 stops do not fit on one page
    stop_pages = [p for p in pages if "长表测试餐馆" in p]
    assert len(stop_pages) >= 2
    for page in stop_pages:
        assert "检查事项(一张清单)" in _squash(page)  # header row repeated
    flat = _squash("".join(pages))
    for k in range(40):
        assert f"长表测试餐馆{k:03d}" in flat
    # the unscheduled firm of SQ02 is listed at the end
    assert "未排入" in _squash(pages[-1]) and "球川美发工作室" in _squash(pages[-1])
    assert f"共{len(pages)}页" in _squash(pages[-1])


def test_single_squad_and_unknown_squad(tmp_path: Path) -> None:
    plan = make_plan(synthetic=False)
    paths = write_work_orders(plan, tmp_path, squad_id="SQ02")
    assert [p.name for p in paths] == ["SQ02_作业单.pdf"]
    text = _squash("".join(_text(paths[0])))
    assert "没有排定" in text and "示例数据" not in text
    with pytest.raises(ValueError, match="SQ99"):
        write_work_orders(plan, tmp_path, squad_id="SQ99")


def test_patrol_pages_follow_inspections(pdfs: dict[str, Path]) -> None:
    pages = [_squash(p) for p in _text(pdfs["SQ01"])]
    assert not any("巡查路线" in p for p in pages[:3])
    patrol = pages[3:]
    assert all("巡查路线" in p for p in patrol)
    assert "周一" in patrol[0] and "周三" in patrol[1]
    for page, (lid, _, _, window, minutes, events, pts) in zip(
        patrol, PATROLS, strict=True
    ):
        assert window in page and lid not in page
        assert f"约{minutes:.0f}分钟" in page and f"预计{events:.2f}起" in page
        # the points in seq order: seq, cell, event types
        rows = [
            _squash(f"{seq}{cell}{types.replace(';', '、')}")
            for seq, cell, _, types, *_ in sorted(pts)
        ]
        at = [page.index(r) for r in rows]
        assert at == sorted(at), page
    assert _squash(XSS) in patrol[0]  # event type printed literally
    # SQ02 has no loops: no patrol section
    assert not any("巡查路线" in p for p in _text(pdfs["SQ02"]))


def test_plan_without_patrols_prints_as_before(tmp_path: Path) -> None:
    from reportlab import rl_config

    plan = make_plan(patrols=False)
    empty = make_plan()
    empty.patrols = empty.patrols.iloc[0:0]
    empty.patrol_points = empty.patrol_points.iloc[0:0]
    old = rl_config.invariant
    rl_config.invariant = 1  # no creation date or random id: comparable bytes
    try:
        a = write_work_orders(plan, tmp_path / "none", squad_id="SQ01")[0]
        b = write_work_orders(empty, tmp_path / "empty", squad_id="SQ01")[0]
    finally:
        rl_config.invariant = old
    assert a.read_bytes() == b.read_bytes()
    pages = _text(a)
    assert len(pages) == 3  # the 3 team-days only
    assert "巡查" not in "".join(pages)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils")
def test_first_page_renders(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(pdfs["SQ01"]),
            str(out),
        ],
        check=True,
        timeout=60,
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5_000


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils")
def test_patrol_page_renders(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "patrol"
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "4", "-l", "4"]
        + [str(pdfs["SQ01"]), str(out)],
        check=True,
        timeout=60,
    )
    png = next(tmp_path.glob("patrol*.png"))
    assert png.stat().st_size > 5_000
