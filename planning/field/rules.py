"""Policy rules that turn field outcomes into the next work.

The ``[field]`` table of the policy TOML (defaults below when it is
missing) says what each outcome does:

* 立案 (``case``): the enterprise turns ``case_risk`` (red) and its credit
  grade drops ``case_credit_steps`` grades (A -> B ...; D stays D).
* 责令整改 (``rectify``): a 复查 follow-up of the items found is due by the
  deadline written in the result, else ``rectify_days`` after the visit.
* 未遇 (``not_met``): a revisit of the same items within ``revisit_days``.
* 合格 (``pass``): ``last_inspected`` of the visit's items becomes the
  visit day; after ``pass_cycles`` passes in a row (since the last colour
  change) the risk colour drops one step (red -> yellow -> green).

Every change is a row of the enterprise history (field, old, new, reason,
visit id), so a planner can see why a firm is red.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from planning.field.tables import HISTORY_COLUMNS, OUTCOME_ZH
from planning.model import CREDITS, RISKS, Policy, PolicyError


@dataclass(frozen=True)
class FieldRules:
    """The ``[field]`` table of the policy.

    Parameters
    ----------
    case_risk
        Risk colour an enterprise gets when a case (立案) is opened.
    case_credit_steps
        Credit grades lost per case.
    rectify_days
        Calendar days to the 复查 when a 责令整改 result names no deadline.
    revisit_days
        Calendar days within which a 未遇 visit is repeated.
    pass_cycles
        Passes in a row (合格) after which the risk colour drops one step.
    """

    case_risk: str = "red"
    case_credit_steps: int = 1
    rectify_days: int = 7
    revisit_days: int = 5
    pass_cycles: int = 3


def field_rules(policy: Policy) -> FieldRules:
    """The policy's ``[field]`` rules (defaults for keys it does not set)."""
    text = policy.source_text
    raw = tomllib.loads(text).get("field", {}) if text else {}
    known = FieldRules.__dataclass_fields__
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise PolicyError(f"policy [field]: unknown key(s) {', '.join(unknown)}")
    try:
        defaults = FieldRules()
        rules = FieldRules(**{k: type(getattr(defaults, k))(v) for k, v in raw.items()})
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"policy [field]: bad value ({exc})") from exc
    if rules.case_risk not in RISKS:
        raise PolicyError(f"policy [field]: case_risk must be one of {RISKS}")
    if min(rules.rectify_days, rules.revisit_days, rules.pass_cycles) < 1:
        raise PolicyError(
            "policy [field]: rectify_days, revisit_days, pass_cycles must be >= 1"
        )
    return rules


def followup_due(result: dict, rules: FieldRules) -> date | None:
    """Date a 复查 / revisit of ``result`` is due by; ``None`` for none."""
    day = date.fromisoformat(str(result["day"]))
    if result["outcome"] == "rectify":
        deadline = result.get("deadline")
        if isinstance(deadline, str) and deadline:
            return date.fromisoformat(deadline)
        return day + timedelta(days=rules.rectify_days)
    if result["outcome"] == "not_met":
        return day + timedelta(days=rules.revisit_days)
    return None


def _lower_credit(credit: str, steps: int) -> str:
    i = CREDITS.index(credit) if credit in CREDITS else len(CREDITS) - 1
    return CREDITS[min(len(CREDITS) - 1, i + steps)]


def _passes_in_a_row(outcomes: list[tuple[str, str, str]], since: str) -> int:
    """Passes at the end of ``(day, visit_id, outcome)`` after day ``since``
    (the enterprise's last risk change)."""
    streak = 0
    for day, _, outcome in sorted(outcomes):
        if day > since:
            streak = streak + 1 if outcome == "pass" else 0
    return streak


def apply_outcomes(
    enterprises: pd.DataFrame,
    new_results: pd.DataFrame,
    old_results: pd.DataFrame,
    history: pd.DataFrame,
    rules: FieldRules,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enterprises after ``new_results``, and the history rows that explain it.

    ``new_results`` are applied in visit-day order on top of
    ``old_results`` (already applied). Returns a changed copy of
    ``enterprises`` and the new history rows (``HISTORY_COLUMNS``).
    """
    out = enterprises.copy()
    where = {str(e): i for i, e in zip(out.index, out["enterprise_id"], strict=True)}
    rows: list[dict] = []
    seen: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    recorded = old_results[["enterprise_id", "day", "visit_id", "outcome"]]
    for e, d, v, o in recorded.itertuples(index=False, name=None):
        seen[str(e)].append((str(d), str(v), str(o)))
    risk_changed: dict[str, str] = {}
    for e, d, f in zip(
        history["enterprise_id"], history["date"], history["field"], strict=True
    ):
        if f == "risk":
            risk_changed[str(e)] = max(risk_changed.get(str(e), ""), str(d))

    def change(i: object, fld: str, new: str, reason: str, r: dict) -> None:
        old = str(out.at[i, fld]) if pd.notna(out.at[i, fld]) else ""
        if old == new:
            return
        out.at[i, fld] = new
        row = {
            "enterprise_id": str(out.at[i, "enterprise_id"]),
            "date": str(r["day"]),
            "field": fld,
            "old": old,
            "new": new,
            "reason": reason,
            "visit_id": str(r["visit_id"]),
        }
        rows.append(row)
        if fld == "risk":
            eid = row["enterprise_id"]
            risk_changed[eid] = max(risk_changed.get(eid, ""), row["date"])

    for r in new_results.sort_values(["day", "visit_id"]).to_dict("records"):
        eid = str(r["enterprise_id"])
        i = where[eid]
        seen[eid].append((str(r["day"]), str(r["visit_id"]), str(r["outcome"])))
        word = OUTCOME_ZH[r["outcome"]]
        if r["outcome"] == "case":
            change(i, "risk", rules.case_risk, f"立案 / case opened ({word})", r)
            change(
                i,
                "credit",
                _lower_credit(str(out.at[i, "credit"]), rules.case_credit_steps),
                f"立案降低信用 / credit lowered {rules.case_credit_steps} grade(s) "
                "for a case",
                r,
            )
        elif r["outcome"] == "pass":
            last = json.loads(out.at[i, "last_inspected"] or "{}")
            for item in str(r["items"] or "").split(";"):
                if item and last.get(item, "") < str(r["day"]):
                    last[item] = str(r["day"])
            change(
                i,
                "last_inspected",
                json.dumps(dict(sorted(last.items())), ensure_ascii=False),
                "合格，更新检查日期 / passed: items checked on the visit day",
                r,
            )
            risk = str(out.at[i, "risk"])
            streak = _passes_in_a_row(seen[eid], risk_changed.get(eid, ""))
            if streak >= rules.pass_cycles and risk in RISKS[:-1]:
                lower = RISKS[RISKS.index(risk) + 1]
                change(
                    i,
                    "risk",
                    lower,
                    f"连续 {streak} 次合格，风险降一级 / {streak} passes in a row: "
                    "risk one step lower",
                    r,
                )
    return out, pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
