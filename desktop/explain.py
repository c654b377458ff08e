"""Zoning explanations in the planner's language.

:mod:`planning.zoning` stays pure and English (the CLI prints it as is); its
``ZoningResult.explanation`` sentences carry cell, town and squad ids and
numbers, so Qt's ``tr()`` cannot look them up. :data:`TEMPLATES` pairs each
English sentence template with its Chinese one: ``{name}`` marks a value
that is copied across (ids, minutes, percentages), translated on the way
when it is a phrase of its own (``cell C00012`` -> ``网格 C00012``, the id
lists, the candidate labels). A sentence no template matches is returned
unchanged: a planner must never lose a reason because planning grew a new
one before this table did (``tests/test_explain.py`` checks every f-string
of ``planning/zoning/`` against the table).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

NOTE, REASON = "note", "reason"
"""A template's kind: a remark on a zoning that may well be fine (islands,
unreachable cells, moved bases) or a reason the rules were missed."""

TEMPLATES: tuple[tuple[str, str, str], ...] = (
    # planning.zoning.problem.prepare_problem: notes on the input
    (
        NOTE,
        "cell {cell} is locked but has no valid squad; lock ignored",
        "网格 {cell} 已锁定，但没有指定有效的中队，锁定已忽略",
    ),
    (
        NOTE,
        "{unit} has cells locked to different squads ({squads}); "
        "whole town kept with {squad}",
        "{unit} 内有网格分别锁定给了不同中队（{squads}），整个乡镇归中队 {squad}",
    ),
    (
        NOTE,
        "squad {squad}'s base lies in {unit}, which it cannot hold (shared, "
        "locked or outside its area); its zone is rooted at {unit2} instead",
        "中队 {squad} 的驻地位于{unit}，但该中队不能占有此处（与其他中队共用、"
        "已锁定给别的中队或不在其片区内），其片区改从{unit2} 起划",
    ),
    (
        NOTE,
        "area {area} has no squad: its {n} cells stay unassigned under area nesting",
        "片区 {area} 没有中队：按片区嵌套，区内 {n} 个网格不分配",
    ),
    # planning.zoning.checks.precheck: why the tolerance cannot be met
    (
        REASON,
        "{unit} alone carries {load} min ({share} of the load), above the "
        "±{tol} tolerance of squad {squad}'s target ({target} min)",
        "{unit} 一处的工作量就有 {load} 分钟（占总工作量的 {share}），"
        "超出中队 {squad} 目标（{target} 分钟）±{tol} 的容差",
    ),
    (
        REASON,
        "squad {squad}'s zone must hold its base {unit} ({w} min); alone that is "
        "below its target {target} min -{tol} ({lo} min), but adding even the "
        "lightest neighbouring cell ({unit2}, {w2} min) brings it to {sum} min, "
        "above +{tol} ({hi} min): cells are too coarse for ±{tol} here (use "
        "smaller cells or a wider tolerance)",
        "中队 {squad} 的片区必须包含其驻地所在的{unit}（{w} 分钟），仅此一处低于"
        "目标 {target} 分钟 -{tol}（{lo} 分钟）的下限；但即使只加上最轻的相邻网格"
        "（{unit2}，{w2} 分钟）也会达到 {sum} 分钟，超过 +{tol}（{hi} 分钟）的上限："
        "此处网格太粗，无法满足 ±{tol}（请改用更小的网格或放宽容差）",
    ),
    (
        REASON,
        "cells locked to squad {squad} (with its base and islands) already carry "
        "{load} min, above its target {target} min +{tol}",
        "锁定给中队 {squad} 的网格（连同其驻地和孤岛）已有 {load} 分钟工作量，"
        "超过其目标 {target} 分钟 +{tol} 的上限",
    ),
    (
        REASON,
        "squad {squad} can take at most {load} min of work{within}, below its "
        "target {target} min -{tol}",
        "中队 {squad} {within}最多只能承担 {load} 分钟工作量，"
        "低于其目标 {target} 分钟 -{tol} 的下限",
    ),
    (
        REASON,
        "area {area} has 1 squad ({squad}), so its whole load must fit that "
        "squad's zone",
        "片区 {area} 只有 1 个中队（{squad}），该片区的全部工作量都须由这个中队承担",
    ),
    # planning.zoning.driver._run: locks, islands, the search
    (
        NOTE,
        "{unit} is locked to squad {squad}, which cannot reach it through cells "
        "it may serve; kept, but that zone is not contiguous",
        "{unit} 锁定给中队 {squad}，但该中队经由其可负责的网格连不到那里；"
        "锁定保留，但该片区因此不连续",
    ),
    (
        NOTE,
        "island of {n} cells ({cells}) is cut off from every squad base it may "
        "join; assigned whole to squad {squad} (least travel), exempt from "
        "contiguity",
        "由 {n} 个网格组成的孤岛（{cells}）与所有可归属中队的驻地都不相连；"
        "已整体划给中队 {squad}（路程最短），不计入连续性要求",
    ),
    (
        REASON,
        "no zoning within ±{tol} was found in {secs} s; allow more time or a "
        "wider tolerance",
        "{secs} 秒内未找到偏差在 ±{tol} 以内的划片方案；请延长时间上限或放宽容差",
    ),
    (
        REASON,
        "no zoning within ±{tol} with zones grown outward from their bases "
        "exists, even when each cell may go to any squad",
        "即使每个网格都可以划给任一中队，也不存在偏差在 ±{tol} 以内、"
        "各片区从驻地向外连片扩展的划片方案",
    ),
    (
        REASON,
        "no zoning within ±{tol} with zones grown outward from their bases "
        "exists when each cell may only go to its {label}",
        "当每个网格只能划给{label}时，不存在偏差在 ±{tol} 以内、"
        "各片区从驻地向外连片扩展的划片方案",
    ),
    (
        NOTE,
        "the solver found nothing better than the start",
        "求解器未找到比初始方案更好的结果",
    ),
    # planning.zoning.locks.lock_conflicts: two locks cut each other off
    (
        REASON,
        "{unit}, locked to squad {squad}, is cut off from that squad's zone by "
        "{unit2}, locked to squad {squad2}: no detour of up to {steps} cells "
        "joins it again without cutting the other lock off; unlock one of them, "
        "or lock a way through",
        "{unit} 锁定给中队 {squad}，却被锁定给中队 {squad2} 的{unit2} 隔断在该中队"
        "片区之外：绕行不超过 {steps} 个网格的任何路径都无法在不切断另一处锁定的"
        "情况下把它重新连上；请解锁其中一处，或锁定一条连通的通道",
    ),
    (
        REASON,
        "{unit}, locked to squad {squad}, is cut off from that squad's zone by "
        "{units2}, locked to other squads ({squads}): no detour of up to {steps} "
        "cells joins it again without cutting those locks off; unlock it or them, "
        "or lock a way through",
        "{unit} 锁定给中队 {squad}，却被锁定给其他中队（{squads}）的{units2} "
        "隔断在该中队片区之外：绕行不超过 {steps} 个网格的任何路径都无法在不切断"
        "这些锁定的情况下把它重新连上；请解除它或这些锁定，或锁定一条连通的通道",
    ),
    (
        NOTE,
        "{n} cells of squad {squad}'s zone ({cells}) were cut off from its base by "
        "the changes; no detour of up to {steps} cells joins them again without "
        "cutting off more, so they went to neighbouring zones",
        "中队 {squad} 片区中有 {n} 个网格（{cells}）因本次改动与驻地断开；"
        "绕行不超过 {steps} 个网格的路径都无法在不切断更多网格的情况下把它们连回，"
        "因此已划给相邻片区",
    ),
    (
        REASON,
        "{n} cells of squad {squad}'s zone ({cells}, {share} of its target) are "
        "cut off from its base by the way that joins {units2}, locked to other "
        "squads ({squads}), to their zones: no detour of up to {steps} cells "
        "avoids it; unlock it or them, or lock a way through",
        "中队 {squad} 片区中有 {n} 个网格（{cells}，占其目标工作量的 {share}）与驻地"
        "断开：把锁定给其他中队（{squads}）的{units2} 连回其片区的通道穿过了这里，"
        "绕行不超过 {steps} 个网格的路径都无法避开；请解除这些锁定，或锁定一条连通的"
        "通道",
    ),
    (
        REASON,
        "{n} cells of squad {squad}'s zone ({cells}, {share} of its target) are "
        "cut off from its base by {units2}, locked to other squads ({squads}): no "
        "detour of up to {steps} cells joins them again without cutting off more; "
        "unlock it or them, or lock a way through",
        "中队 {squad} 片区中有 {n} 个网格（{cells}，占其目标工作量的 {share}）被锁定给"
        "其他中队（{squads}）的{units2} 隔断，与驻地断开：绕行不超过 {steps} 个网格的"
        "路径都无法在不切断更多网格的情况下把它们连回；请解除这些锁定，或锁定一条"
        "连通的通道",
    ),
    # planning.zoning.locks.blocked_locks: locks that wall each other off
    (
        REASON,
        "{units}, locked to squad {squad}, cannot be joined to that squad's base: "
        "every way there crosses cells locked to other squads; unlock {units2}, "
        "or unlock this lock",
        "{units} 锁定给中队 {squad}，但通往该中队驻地的每条路径都要穿过锁定给其他"
        "中队的网格，无法与驻地相连；请解锁 {units2}，或解除这处锁定",
    ),
    (
        REASON,
        "{units}, locked to squad {squad}, cannot be joined to that squad's base: "
        "every way there crosses cells locked to other squads or their bases; "
        "unlock this lock",
        "{units} 锁定给中队 {squad}，但通往该中队驻地的每条路径都要穿过锁定给其他"
        "中队的网格或其驻地，无法与驻地相连；请解除这处锁定",
    ),
    # planning.zoning.checks.verify: the independent check of the result
    (REASON, "cells left without a squad: {cells}", "未分配中队的网格：{cells}"),
    (REASON, "zone {squad} is not contiguous", "中队 {squad} 的片区不连续"),
    (
        REASON,
        "zone {squad} carries {load} min, {dev} from its target {target} min (±{tol})",
        "中队 {squad} 的片区工作量 {load} 分钟，偏离目标 {target} 分钟 {dev}"
        "（容差 ±{tol}）",
    ),
    (REASON, "locked cells moved: {cells}", "锁定的网格被改划：{cells}"),
    (
        REASON,
        "{n} cells beyond the {reach}-minute reach of their base: {cells}",
        "{n} 个网格超出所属中队驻地 {reach} 分钟的到达时限：{cells}",
    ),
    # planning.zoning.driver._result
    (
        NOTE,
        "{n} cells are beyond the {reach}-minute reach of every base they may "
        "join ({cells}); they are exempt from the reach rule",
        "{n} 个网格超出所有可归属驻地的 {reach} 分钟到达时限（{cells}），"
        "不受到达时限约束",
    ),
)


def _unit(text: str) -> str:
    """``cell C00012`` / ``town T03`` (planning's unit labels)."""
    kind, _, name = text.partition(" ")
    return {"cell": "网格 ", "town": "乡镇 "}[kind] + name


def _units(text: str) -> str:
    """``cell C1, town T2`` -> ``网格 C1、乡镇 T2``."""
    return "、".join(_unit(x) for x in text.split(", "))


def _ids(text: str) -> str:
    """``C1, C2, … (+7 more)`` -> ``C1、C2…（另 7 个）``."""
    more = re.search(r", … \(\+(\d+) more\)$", text)
    head = text[: more.start()] if more else text
    return head.replace(", ", "、") + (f"…（另 {more.group(1)} 个）" if more else "")


_LABELS: tuple[tuple[str, str], ...] = (
    (r"every squad", "任一中队"),
    (r"(\S+) nearest squads", r"最近的 \1 个中队"),
    (
        r"zones within (\S+) zone\(s\) and (\S+) cells of the trouble",
        r"问题处周围 \1 层片区、\2 个网格范围内的中队",
    ),
)


def _label(text: str) -> str:
    """The candidate squads of a failed attempt (planning's ``_attempts``)."""
    for pattern, chinese in _LABELS:
        if re.fullmatch(pattern, text):
            return re.sub(pattern, chinese, text)
    return text


def _within(text: str) -> str:
    """`` within its 片区 and 30-minute reach`` (``_precheck``'s ``nested``)."""
    found = re.fullmatch(
        r" within its (片区|connected cells)(?: and (\S+)-minute reach)?", text
    )
    if found is None:
        return text
    area, reach = found.groups()
    if area == "片区":
        return "在其片区内" + (f"、{reach} 分钟到达时限内" if reach else "")
    return "在与其驻地相连" + (f"且 {reach} 分钟内可到达" if reach else "") + "的网格中"


_UNIT_PATTERN = r"(?:cell|town) .+?"
_KINDS: dict[str, tuple[str, Callable[[str], str]]] = {
    "unit": (_UNIT_PATTERN, _unit),
    "unit2": (_UNIT_PATTERN, _unit),
    "units": (rf"{_UNIT_PATTERN}(?:, {_UNIT_PATTERN})*", _units),
    "units2": (rf"{_UNIT_PATTERN}(?:, {_UNIT_PATTERN})*", _units),
    "cells": (r".+?", _ids),
    "share": (r"[\d.,]+%", str),
    "squads": (r".+?", _ids),
    "label": (r".+?", _label),
    "within": (r"(?: within its .+?)?", _within),
}
"""Placeholders that are phrases of their own: their pattern and translation;
every other placeholder is any text, copied as it is."""


@dataclass(frozen=True)
class _Template:
    kind: str
    pattern: re.Pattern[str]
    chinese: str


@cache
def _templates() -> tuple[_Template, ...]:
    """:data:`TEMPLATES` compiled: ``{name}`` becomes a named group (a
    back-reference where the same value comes again, e.g. ``±{tol}``)."""
    out = []
    for kind, english, chinese in TEMPLATES:
        seen: set[str] = set()
        parts = []
        for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", english):
            parts.append(re.escape(literal))
            if name in seen:
                parts.append(f"(?P={name})")
            elif name:
                seen.add(name)
                parts.append(f"(?P<{name}>{_KINDS.get(name, ('.+?',))[0]})")
        out.append(_Template(kind, re.compile("".join(parts)), chinese))
    return tuple(out)


def _match(sentence: str) -> tuple[_Template, dict[str, str]] | None:
    for template in _templates():
        found = template.pattern.fullmatch(sentence)
        if found is not None:
            return template, found.groupdict()
    return None


def translate(sentence: str, lang: str) -> str:
    """``sentence`` from planning in ``lang`` (``zh_CN`` or ``en``); English
    text for English, and for a sentence no template knows."""
    if lang.startswith("en"):
        return sentence
    found = _match(sentence.strip())
    if found is None:
        return sentence
    template, values = found
    try:
        for name, value in values.items():
            if name in _KINDS and value is not None:
                values[name] = _KINDS[name][1](value)
        return template.chinese.format_map(values)
    except (KeyError, ValueError, IndexError):  # a broken table entry
        return sentence  # still the planner's reason, in English


def translate_all(sentences: Iterable[str], lang: str) -> list[str]:
    """Every sentence translated, none dropped, order kept."""
    return [translate(s, lang) for s in sentences]


def is_reason(sentence: str) -> bool:
    """Whether the sentence says why a rule was missed (not a mere note);
    unknown sentences count as reasons, so they are not played down."""
    found = _match(sentence.strip())
    return found is None or found[0].kind == REASON


@dataclass(frozen=True)
class ZoningNotes:
    """What the last zoning run (``zoning``) or re-balance (``rebalance``)
    said, in planning's English, for the 划片说明 panel to show in the UI
    language. ``tolerance`` is a fraction (0.05 = ±5%), ``None`` if unknown."""

    source: str
    feasible: bool
    lines: list[str] = field(default_factory=list)
    tolerance: float | None = None

    def headline(self) -> str | None:
        """The sentence to put in the status bar: the first reason when the
        rules were missed, else the first note (``None`` without any)."""
        if not self.feasible:
            reasons = [s for s in self.lines if is_reason(s)]
            if reasons:
                return reasons[0]
        return self.lines[0] if self.lines else None
