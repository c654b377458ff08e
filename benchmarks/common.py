"""Small helpers shared by the benchmarks: a plain-text table printer.

Benchmarks print to a terminal or a log file, so the table is fixed-width
text with right-aligned numbers; no third-party formatter is needed.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Fixed-width table; numbers right-aligned, text left-aligned."""
    text = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, h in enumerate(header)]
    numeric = [
        all(_is_number(row[i]) for row in rows if row[i] not in (None, ""))
        for i in range(len(header))
    ]

    def line(values: Sequence[str]) -> str:
        pads = [" " * (w - _width(v)) for v, w in zip(values, widths, strict=True)]
        return "  ".join(
            pad + v if num else v + pad
            for v, pad, num in zip(values, pads, numeric, strict=True)
        ).rstrip()

    out = [line(list(header)), line(["-" * w for w in widths])]
    out += [line(r) for r in text]
    return "\n".join(out)


def load_note() -> str:
    """Machine load, printed with every timing table (the machine is shared)."""
    return (
        f"load average {tuple(round(x, 2) for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores (shared: timings are noisy)"
    )


def _width(text: str) -> int:
    """Terminal columns of ``text``: CJK county names take two each."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 1e5 else f"{v:,.0f}"
    return str(v)
