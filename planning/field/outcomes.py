"""Outcomes in: read a filled schedule.xlsx or a results CSV, check, record.

A file is recorded whole or not at all: every row is checked first
(unknown visit, unknown outcome, bad date, a visit already reported, the
same visit twice in the file) and a refused file leaves the project file
untouched, byte for byte. Each problem names the file, the row (as the
spreadsheet numbers it) and the column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from planning.field.rules import apply_outcomes, field_rules
from planning.field.tables import (
    OUTCOME_ZH,
    RESULT_COLUMNS,
    empty_history,
    empty_results,
)
from planning.plan import Plan

HEADERS = {
    "visit_id": ("visit_id", "检查编号"),
    "outcome": ("outcome", "检查结果"),
    "deadline": ("deadline", "整改期限"),
    "note": ("note", "备注"),
    "items": ("items", "整改事项"),
}
"""Column -> accepted headers (English for CSV, the schedule.xlsx's Chinese)."""

_WORDS = {
    **{zh: code for code, zh in OUTCOME_ZH.items()},
    "pass": "pass",
    "passed": "pass",
    "ok": "pass",
    "rectify": "rectify",
    "整改": "rectify",
    "case": "case",
    "not_met": "not_met",
    "not met": "not_met",
    "not-met": "not_met",
    "notmet": "not_met",
}


def parse_outcome(word: object) -> str | None:
    """``"合格"`` / ``"pass"`` -> ``"pass"`` ...; ``None`` for an unknown word."""
    text = str(word).strip().lower() if word is not None else ""
    return _WORDS.get(text)


class ResultsFileError(ValueError):
    """A results file was refused; ``problems`` names every bad row."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def lines(self, file: str | Path, project: str | Path) -> list[str]:
        """What the CLI prints and the window's 导入检查结果 dialog shows."""
        head = (
            f"拒绝导入 refused: {file} ({len(self.problems)} problem(s)); "
            f"项目未改动 {project} is unchanged"
        )
        return [head, *(f"  {p}" for p in self.problems)]


@dataclass
class RawRow:
    """One filled row as read: where it is in the file and its cells."""

    file: str
    sheet: str
    row: int
    cells: dict[str, object] = field(default_factory=dict)

    def where(self, column: str) -> str:
        sheet = f" sheet '{self.sheet}'" if self.sheet else ""
        header = HEADERS.get(column, (column, column))
        return f"{self.file}{sheet}: row {self.row}, column '{header[1]}' ({column})"


def _column_map(header: list[object]) -> dict[str, int]:
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    out: dict[str, int] = {}
    for key, options in HEADERS.items():
        for opt in options:
            if opt.lower() in names:
                out[key] = names.index(opt.lower())
                break
    return out


def read_results_file(path: str | Path) -> list[RawRow]:
    """Filled rows of an ``.xlsx`` (every sheet with 检查编号 and 检查结果
    headers; rows without an outcome are visits not reported yet) or a
    ``.csv`` (header ``visit_id, outcome, deadline, note``; every row counts).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return _read_csv(path)
    raise ResultsFileError([f"{path.name}: expected a .xlsx or .csv results file"])


def _read_xlsx(path: Path) -> list[RawRow]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows: list[RawRow] = []
    found = False
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        cols = _column_map(list(header or []))
        if "visit_id" not in cols or "outcome" not in cols:
            continue
        found = True
        for n, values in enumerate(it, start=2):
            cells = {k: values[i] if i < len(values) else None for k, i in cols.items()}
            if cells["outcome"] is None or str(cells["outcome"]).strip() == "":
                continue
            rows.append(RawRow(path.name, ws.title, n, cells))
    wb.close()
    if not found:
        raise ResultsFileError(
            [f"{path.name}: no sheet has the columns 检查编号 and 检查结果"]
        )
    return rows


def _read_csv(path: Path) -> list[RawRow]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    if not table:
        raise ResultsFileError([f"{path.name}: the file is empty"])
    cols = _column_map(table[0])
    missing = [k for k in ("visit_id", "outcome") if k not in cols]
    if missing:
        raise ResultsFileError(
            [f"{path.name}: row 1: missing column(s) {', '.join(missing)}"]
        )
    rows = []
    for n, values in enumerate(table[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        cells = {k: values[i] if i < len(values) else None for k, i in cols.items()}
        rows.append(RawRow(path.name, "", n, cells))
    return rows


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    # 2026-12-10, 2026/12/10, 2026.12.10 and 2026年12月10日 as people type them
    text = str(value).strip().rstrip("日")
    for sep in ("/", ".", "年", "月"):
        text = text.replace(sep, "-")
    return datetime.strptime(text, "%Y-%m-%d").date()


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def check_results(rows: list[RawRow], plan: Plan) -> pd.DataFrame:
    """The rows as ``results`` records, or :class:`ResultsFileError` naming
    every bad row (all rows are checked before anything is refused)."""
    visits = plan.visits.set_index(plan.visits["visit_id"].astype(str))
    reported = set(
        (plan.results if plan.results is not None else empty_results())["visit_id"]
        .astype(str)
        .tolist()
    )
    problems: list[str] = []
    first_row: dict[str, RawRow] = {}
    out: list[dict] = []
    stamp = datetime.now().isoformat(timespec="seconds")
    for r in rows:
        vid = _text(r.cells.get("visit_id"))
        bad = False
        if not vid or vid not in visits.index:
            problems.append(f"{r.where('visit_id')}: unknown visit {vid!r}")
            bad = True
        elif vid in reported:
            problems.append(f"{r.where('visit_id')}: visit {vid} was already reported")
            bad = True
        elif vid in first_row:
            problems.append(
                f"{r.where('visit_id')}: visit {vid} appears again (first on row "
                f"{first_row[vid].row})"
            )
            bad = True
        else:
            first_row[vid] = r
        raw_outcome = r.cells.get("outcome")
        outcome = parse_outcome(raw_outcome)
        if outcome is None:
            problems.append(
                f"{r.where('outcome')}: unknown outcome {_text(raw_outcome)!r}, "
                "expected 合格/责令整改/立案/未遇 or pass/rectify/case/not_met"
            )
            bad = True
        deadline = ""
        if _text(r.cells.get("deadline")):
            try:
                deadline = _as_date(r.cells["deadline"]).isoformat()  # type: ignore[union-attr]
            except ValueError:
                problems.append(
                    f"{r.where('deadline')}: bad date "
                    f"{_text(r.cells['deadline'])!r}, expected YYYY-MM-DD"
                )
                bad = True
        if bad:
            continue
        visit = visits.loc[vid]
        day = str(visit["day"])
        if deadline and deadline < day:
            problems.append(
                f"{r.where('deadline')}: deadline {deadline} is before the visit "
                f"day {day}"
            )
            continue
        items = str(visit["items"] or "")
        chosen = _text(r.cells.get("items"))
        if chosen:
            listed = [i.strip() for i in chosen.replace("，", ";").split(";") if i]
            unknown = [i for i in listed if i not in items.split(";")]
            if unknown:
                problems.append(
                    f"{r.where('items')}: item(s) {', '.join(unknown)} are not on "
                    f"visit {vid}'s list ({items})"
                )
                continue
            items = ";".join(listed)
        out.append(
            {
                "visit_id": vid,
                "enterprise_id": str(visit["enterprise_id"]),
                "squad_id": str(visit["squad_id"]),
                "day": day,
                "outcome": outcome,
                "deadline": deadline or None,
                "items": items,
                "note": _text(r.cells.get("note")) or None,
                "source": r.file,
                "recorded": stamp,
            }
        )
    if problems:
        raise ResultsFileError(problems)
    return pd.DataFrame(out, columns=list(RESULT_COLUMNS))


@dataclass(frozen=True)
class RecordReport:
    """What a recorded results file did."""

    recorded: int
    by_outcome: dict[str, int]
    changes: pd.DataFrame

    def lines(self) -> list[str]:
        """Counts by outcome, then each risk or credit change with its reason."""
        counts = ", ".join(
            f"{OUTCOME_ZH[k]} {k} {n}" for k, n in sorted(self.by_outcome.items())
        )
        out = [f"已记录 recorded {self.recorded} result(s): {counts}"]
        for r in self.changes.itertuples(index=False):
            if r.field != "last_inspected":
                out.append(
                    f"  {r.enterprise_id} {r.field}: {r.old} -> {r.new} ({r.reason})"
                )
        return out


def record_results(plan: Plan, rows: list[RawRow]) -> tuple[Plan, RecordReport]:
    """A copy of ``plan`` with the rows recorded and the policy rules applied.

    Raises :class:`ResultsFileError` (and changes nothing) if any row is bad.
    """
    new = check_results(rows, plan)
    out = plan.copy()
    old = out.results if out.results is not None else empty_results()
    history = out.history if out.history is not None else empty_history()
    rules = field_rules(out.scenario.policy)
    ents, changes = apply_outcomes(out.scenario.enterprises, new, old, history, rules)
    out.scenario.enterprises = ents
    out.results = pd.concat([old, new], ignore_index=True).astype(object)
    out.history = pd.concat([history, changes], ignore_index=True).astype(object)
    counts = new["outcome"].value_counts().to_dict()
    return out, RecordReport(len(new), {k: int(v) for k, v in counts.items()}, changes)


def import_results(project: str | Path, results_file: str | Path) -> RecordReport:
    """Record ``results_file`` into the project file, all rows or none.

    The project is rewritten (atomically) only when every row is good.
    """
    from planning.io.project import ProjectError, load_project, save_project

    scenario, plan = load_project(project)
    if plan is None:
        raise ProjectError(f"{project}: holds no plan; results need its visits")
    rows = read_results_file(results_file)
    updated, report = record_results(plan, rows)
    save_project(project, updated.scenario, updated)
    return report
