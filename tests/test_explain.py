"""Zoning explanations in the planner's language (desktop/explain.py) and the
划片说明 (zoning notes) dock that shows them after a zoning run.

Every sentence template of planning/zoning/ is checked twice: rendered from
the source's own f-strings (so a new or reworded sentence in planning fails
here until the table learns it), and as produced by real zoning runs on small
crafted grids (so the table matches what planning actually writes).
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

import planning.zoning
from desktop import main_window as main_window_module
from desktop.explain import ZoningNotes, is_reason, translate, translate_all
from desktop.main_window import MainWindow
from planning.progress import CancelToken, Job
from planning.zoning import ZoningInput, ZoningResult, ZoningSettings, rezone, zone
from tests.helpers.plans import WINDOW_SETTINGS
from tests.helpers.window import open_window
from tests.helpers.zoning_grids import (
    POLICY,
    long_strip,
    make_grid,
    strip_zoning,
    wide_strip,
)

ZONING_SOURCES = sorted(Path(planning.zoning.__file__).parent.glob("*.py"))
COLLECTORS = {"explanation", "reasons", "problems", "notes", "out"}
"""The lists planning/zoning/ gathers explanation sentences in."""
NESTED = (
    " within its 片区",
    " within its connected cells",
    " within its 片区 and 30-minute reach",
    " within its connected cells and 30-minute reach",
)
"""``precheck``'s ``nested`` phrase, every way it is built."""
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]+\d+(?![A-Za-z0-9])")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


def assert_translated(english: str) -> str:
    """The Chinese sentence: no English template words left, every id and
    number of the English one kept."""
    chinese = translate(english, "zh_CN")
    assert chinese != english, f"no template for: {english}"
    assert not ENGLISH_WORD.search(chinese), (english, chinese)
    for pattern in (ID, NUMBER):
        missing = Counter(pattern.findall(english)) - Counter(pattern.findall(chinese))
        assert not missing, (missing, english, chinese)
    return chinese


# ------------------------------------------------ templates from the source


def _samples(node: ast.FormattedValue) -> list[str]:
    """Values a placeholder of planning's f-strings takes, by its expression."""
    src = ast.unparse(node.value)
    if node.format_spec is not None:
        spec = "".join(
            str(v.value) for v in node.format_spec.values if isinstance(v, ast.Constant)
        )
        if "%" in spec:
            value = -0.057 if "+" in spec else 0.05
        else:
            value = 3363.4 if "," in spec else 30.0
        return [format(value, spec)]
    if "unit_label" in src:
        return ["cell C00012", "town T03"]
    if src.startswith("id_list("):
        return ["C00001, C00002, C00003, C00004, C00005, … (+7 more)", "C00001"]
    if src.startswith("_pct("):
        return ["9.1%"]
    if src.startswith("tolerance_text("):
        return ["0.5%"]  # one tolerance per sentence (back-references)
    if src == "label":
        return _label_samples()
    if src == "nested":
        return list(NESTED)
    if ".join(" in src:
        return ["SQ01, SQ02"]
    if "squad_ids" in src or src == "sid":
        return ["SQ05"]
    if "cell_ids" in src:
        return ["C00012"]
    if src in ("name", "area"):
        return ["A2"]
    return ["16"]


def _render(node: ast.expr) -> list[str]:
    """Every sentence an f-string (or plain string, or ``a if c else b``) of
    the source can print with the sample values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _render(node.body) + _render(node.orelse)
    assert isinstance(node, ast.JoinedStr), ast.unparse(node)
    parts = [
        [str(part.value)] if isinstance(part, ast.Constant) else _samples(part)
        for part in node.values
        if isinstance(part, ast.Constant | ast.FormattedValue)
    ]
    return ["".join(combo) for combo in itertools.product(*parts)]


def _source_tree() -> ast.Module:
    """Every module of planning/zoning/ as one tree."""
    body = [
        node
        for path in ZONING_SOURCES
        for node in ast.parse(path.read_text(encoding="utf-8")).body
    ]
    return ast.Module(body=body, type_ignores=[])


def _label_samples() -> list[str]:
    """The candidate labels of ``attempts`` (``label = …``)."""
    attempts = next(
        node
        for node in ast.walk(_source_tree())
        if isinstance(node, ast.FunctionDef) and node.name == "attempts"
    )
    return [
        text
        for node in ast.walk(attempts)
        if isinstance(node, ast.Assign)
        and [ast.unparse(t) for t in node.targets] == ["label"]
        and isinstance(node.value, ast.JoinedStr | ast.Constant | ast.IfExp)
        for text in _render(node.value)
    ]


def _templates() -> list[str]:
    """Each explanation f-string of planning/zoning/, as source text."""
    found = []
    for node in ast.walk(_source_tree()):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in COLLECTORS
            and node.args
            and isinstance(node.args[0], ast.JoinedStr | ast.Constant)
        ):
            found.append(node.args[0])
    return found


def test_source_templates_found():
    # a broken search would make the next test pass on nothing
    assert len(_templates()) >= 20
    assert len(_label_samples()) >= 3


@pytest.mark.parametrize(
    "node", _templates(), ids=lambda n: ast.unparse(n)[2:40].replace(" ", "_")
)
def test_every_source_template_has_a_translation(node):
    for english in _render(node):
        assert_translated(english)


# ------------------------------------------------ sentences of real runs

FAST = ZoningSettings(time_limit=2.0)


def _heavy_cell() -> ZoningResult:
    cells, squads = make_grid(6, 6, [(0, 0), (5, 5), (0, 5)])
    cells.loc[14, "workload"] = cells["workload"].sum()
    cells.loc[20, "locked"] = 1  # locked without a squad: ignored, said so
    return zone(ZoningInput(cells, squads, POLICY), FAST)


def _coarse_base() -> ZoningResult:
    cells, squads = make_grid(6, 6, [(0, 0), (5, 5)])
    cells["workload"] = 10.0
    ids = cells.set_index(["ix", "iy"])["cell_id"]
    cells.loc[cells["cell_id"] == ids[(0, 0)], "workload"] = 380.0
    cells.loc[cells["cell_id"].isin([ids[(1, 0)], ids[(0, 1)]]), "workload"] = 150.0
    return zone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, tolerance=0.02)
    )


def _shared_base() -> ZoningResult:
    cells, squads = make_grid(6, 6, [(0, 0), (0, 0), (5, 5)])
    return zone(ZoningInput(cells, squads, POLICY), FAST)


def _area_without_squad() -> ZoningResult:
    cells, squads = make_grid(8, 6, [(1, 1), (2, 4)])
    return zone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, nest="area")
    )


def _locked_too_much() -> ZoningResult:
    cells, squads = make_grid(8, 6, [(1, 1), (6, 4)])
    cells.loc[cells.iy <= 3, ["squad_id", "locked"]] = ["SQ01", 1]
    return zone(ZoningInput(cells, squads, POLICY), FAST)


def _locked_into_other_area() -> ZoningResult:
    cells, squads = make_grid(8, 6, [(1, 1), (6, 4)])
    corner = cells.index[(cells.ix >= 6) & (cells.iy <= 1)]
    cells.loc[corner, ["squad_id", "locked"]] = ["SQ01", 1]
    settings = dataclasses.replace(FAST, nest="area", reach_minutes=30.0)
    return zone(ZoningInput(cells, squads, POLICY), settings)


def _town_locks() -> ZoningResult:
    cells, squads = make_grid(12, 4, [(1, 1), (10, 2)])
    town = cells.index[cells.town_id == "T00"]
    cells.loc[town[0], ["squad_id", "locked"]] = ["SQ01", 1]
    cells.loc[town[1], ["squad_id", "locked"]] = ["SQ02", 1]
    settings = dataclasses.replace(FAST, nest="town", tolerance=0.5)
    return zone(ZoningInput(cells, squads, POLICY), settings)


def _island() -> ZoningResult:
    holes = {(5, j) for j in range(6)}
    cells, squads = make_grid(8, 6, [(1, 1), (3, 4)], holes=holes)
    across = (cells.ix == 7) & (cells.iy == 5)
    cells.loc[across, ["squad_id", "locked"]] = ["SQ02", 1]
    return zone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, tolerance=0.9)
    )


def _reach() -> ZoningResult:
    cells, squads = make_grid(16, 6, [(1, 2), (8, 3)])
    settings = dataclasses.replace(FAST, reach_minutes=4.0, tolerance=0.6)
    return zone(ZoningInput(cells, squads, POLICY), settings)


def _strip() -> ZoningResult:
    cells, squads = make_grid(7, 1, [(0, 0), (3, 0), (6, 0)])
    cells["workload"] = [30.0, 30.0, 60.0, 30.0, 60.0, 30.0, 30.0]
    return zone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, candidates=1)
    )


def _locks_cut_each_other_off() -> ZoningResult:
    cells, squads = strip_zoning()
    neck = cells.index[(cells["ix"] == 5) & (cells["iy"] == 0)][0]
    far = cells.index[(cells["ix"] == 1) & (cells["iy"] == 0)][0]
    cells.loc[neck, ["squad_id", "locked"]] = ["SQ02", 1]
    cells.loc[far, "locked"] = 1
    return rezone(ZoningInput(cells, squads, POLICY), FAST)


def _chain_of_locked_necks() -> ZoningResult:
    cells, squads = strip_zoning()
    for ix in (5, 7):
        at = cells.index[(cells["ix"] == ix) & (cells["iy"] == 0)][0]
        cells.loc[at, ["squad_id", "locked"]] = ["SQ02", 1]
    far = cells.index[(cells["ix"] == 1) & (cells["iy"] == 0)][0]
    cells.loc[far, "locked"] = 1
    return rezone(ZoningInput(cells, squads, POLICY), FAST)


def _walled_off_lock() -> ZoningResult:
    cells, squads = strip_zoning()
    cells.loc[cells["ix"] == 3, ["squad_id", "locked"]] = ["SQ02", 1]
    far = cells.index[(cells["ix"] == 1) & (cells["iy"] == 0)][0]
    cells.loc[far, "locked"] = 1
    return rezone(ZoningInput(cells, squads, POLICY), FAST)


def _big_piece_handed_over() -> ZoningResult:
    cells, squads = long_strip(light=True)
    return rezone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, tolerance=0.9)
    )


def _most_of_a_zone_cut_off() -> ZoningResult:
    cells, squads = long_strip(light=False)
    return rezone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, tolerance=0.9)
    )


def _joining_locks_cuts_a_zone() -> ZoningResult:
    cells, squads = wide_strip(light=False)
    return rezone(
        ZoningInput(cells, squads, POLICY), dataclasses.replace(FAST, tolerance=0.9)
    )


RUNS = {
    # run: Chinese phrases its explanation must contain (the template it hits)
    _heavy_cell: (
        "网格 C0302 已锁定，但没有指定有效的中队",
        "一处的工作量就有",
        "偏离目标",
    ),
    _coarse_base: ("此处网格太粗，无法满足 ±2%",),
    _shared_base: ("的驻地位于网格 C0000，但该中队不能占有此处",),
    _area_without_squad: ("片区 A2 没有中队",),
    _locked_too_much: ("锁定给中队 SQ01 的网格", "在与其驻地相连的网格中最多只能承担"),
    _locked_into_other_area: (
        "在其片区内、30 分钟到达时限内最多只能承担",
        "片区 A2 只有 1 个中队（SQ02）",
        "但该中队经由其可负责的网格连不到那里",
        "中队 SQ01 的片区不连续",
    ),
    _town_locks: ("乡镇 T00 内有网格分别锁定给了不同中队（SQ01、SQ02）",),
    _island: ("由 12 个网格组成的孤岛", "…（另 7 个）"),
    _reach: ("不受到达时限约束",),
    _strip: ("只能划给最近的 1 个中队时", "即使每个网格都可以划给任一中队"),
    _locks_cut_each_other_off: ("却被锁定给中队 SQ02 的网格 C0005 隔断",),
    _chain_of_locked_necks: ("的网格 C0005、网格 C0007 隔断在该中队片区之外",),
    _walled_off_lock: ("网格 C0001 锁定给中队 SQ01，但通往该中队驻地的每条路径",),
    _big_piece_handed_over: ("中队 SQ01 片区中有 24 个网格", "已划给相邻片区"),
    _most_of_a_zone_cut_off: ("占其目标工作量的", "的网格 C0024 隔断，与驻地断开"),
    _joining_locks_cuts_a_zone: ("把锁定给其他中队（SQ02）的网格 C0124", "无法避开"),
}


@pytest.mark.parametrize("run", list(RUNS), ids=lambda f: f.__name__.strip("_"))
def test_real_explanations_translate(run):
    result = run()
    assert result.explanation
    chinese = [assert_translated(line) for line in result.explanation]
    text = "\n".join(chinese)
    for phrase in RUNS[run]:
        assert phrase in text, (phrase, chinese)


def test_test_zoning_explain_cases_translate():
    # the sentences tests/test_zoning.py -k explain asserts on
    for line in _heavy_cell().explanation + _coarse_base().explanation:
        assert_translated(line)


def test_english_unchanged_unknown_kept_order_kept():
    lines = _coarse_base().explanation
    assert translate_all(lines, "en") == lines
    unknown = "the moon is made of cheese (cell C00012)"
    both = translate_all([unknown, *lines], "zh_CN")
    assert len(both) == len(lines) + 1
    assert both[0] == unknown  # never dropped, never mangled
    assert both[1] == translate(lines[0], "zh_CN") != lines[0]
    assert translate("", "zh_CN") == ""


def test_headline_prefers_a_reason_over_a_note():
    lines = _heavy_cell().explanation
    assert not is_reason(lines[0])  # the ignored lock is a mere note
    notes = ZoningNotes("zoning", False, lines, 0.05)
    assert notes.headline() == lines[1] and "alone carries" in lines[1]
    assert ZoningNotes("zoning", True, lines[:1]).headline() == lines[0]
    assert ZoningNotes("zoning", True, []).headline() is None


def test_cancelled_zoning_says_nothing_untranslated():
    cells, squads = make_grid(10, 10, [(1, 1), (8, 8)])
    token = CancelToken()
    token.cancel()
    for line in zone(
        ZoningInput(cells, squads, POLICY), FAST, Job(cancel=token)
    ).explanation:
        assert_translated(line)


# ------------------------------------------------ the window


@pytest.fixture
def window(qtbot, tmp_path, qapp, window_plan) -> Iterator[MainWindow]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg")
    )
    with open_window(tmp_path, WINDOW_SETTINGS, window_plan, size=(1500, 900)) as win:
        yield win


def test_infeasible_zoning_is_explained_in_the_notes_dock(qtbot, window, artefacts):
    doc, panel, dock = window.document, window.notes_panel, window.notes_dock
    assert doc.plan.zoning is not None and doc.plan.zoning.feasible
    assert not dock.isVisible()  # nothing to say
    # one cell carries the whole county's load: ±5% is out of reach
    cells = doc.plan.scenario.cells
    heavy = str(cells["cell_id"].iloc[len(cells) // 3])
    cells.loc[cells["cell_id"] == heavy, "workload"] = float(cells["workload"].sum())
    with qtbot.waitSignal(window.runner.succeeded, timeout=120_000):
        assert window.run_zoning()
    result = doc.plan.zoning
    assert result is not None and not result.feasible
    assert dock.isVisible() and dock.windowTitle() == "划片说明"
    assert panel.status.text().startswith("划片未能满足全部规则（容差 ±5%）")
    assert panel.english() == result.explanation
    shown = panel.texts()
    assert shown == translate_all(result.explanation, "zh_CN")
    assert not any(ENGLISH_WORD.search(t) for t in shown), shown
    assert any(t.startswith(f"网格 {heavy} 一处的工作量就有") for t in shown), shown
    # the status bar names the main reason and where the rest is
    assert window.last_message.startswith(f"划片未能满足全部规则：网格 {heavy}")
    assert window.last_message.endswith("（全部原因见“划片说明”面板）")
    assert window.statusBar().currentMessage() == window.last_message

    qtbot.wait(300)
    path = artefacts / "zoning-notes-zh.png"
    assert dock.grab().save(str(path), "PNG")
    image = QImage(str(path)).scaled(64, 64)
    assert len({image.pixel(x, y) for x in range(64) for y in range(64)}) > 20

    window.set_language("en")
    assert panel.texts() == result.explanation
    assert dock.windowTitle() == "Zoning notes"
    assert panel.status.text().startswith("The zoning does not meet every rule")
    window.set_language("zh_CN")
    assert panel.texts() == shown

    # a re-schedule keeps the zoning's notes; a plan without one clears them
    doc.replace_plan(dataclasses.replace(doc.plan, settings=dict(doc.plan.settings)))
    assert panel.texts() == shown
    doc.set_plan(dataclasses.replace(doc.plan, zoning=None), None, saved=True)
    assert window.zoning_notes is None and panel.texts() == []
    assert panel.status.text() == "上次划片或重新平衡满足全部规则，没有需要说明的情况。"


def test_rebalance_says_why_in_chinese(qtbot, window, monkeypatch):
    why = _locks_cut_each_other_off().explanation
    assert len(why) >= 2
    real = main_window_module.rezone

    def still_cut(*args: object, **kwargs: object) -> ZoningResult:
        result = real(*args, **kwargs)
        return dataclasses.replace(result, feasible=False, explanation=why)

    monkeypatch.setattr(main_window_module, "rezone", still_cut)
    assert not window.notes_dock.isVisible()
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.rebalance()
    message = window.last_message
    first, second = (translate(line, "zh_CN") for line in why[:2])
    assert f"仍不满足要求：{first}；{second}" in message, message
    assert "cut off" not in message and "locked to squad" not in message
    panel = window.notes_panel
    assert window.notes_dock.isVisible()
    assert panel.status.text().startswith("重新平衡后片区仍未满足全部规则")
    assert panel.texts() == translate_all(why, "zh_CN")
