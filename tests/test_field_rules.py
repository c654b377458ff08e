"""Policy rules of the field loop on a small hand-made register."""

import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from planning.field.outcomes import parse_outcome
from planning.field.rules import FieldRules, apply_outcomes, field_rules, followup_due
from planning.field.tables import empty_history, empty_results
from planning.model import PolicyError, load_policy, parse_policy


def _register() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise_id": ["E1", "E2", "E3"],
            "risk": ["yellow", "green", "red"],
            "credit": ["B", "A", "D"],
            "last_inspected": [
                json.dumps({"SCJG-01": "2026-01-05"}),
                "{}",
                json.dumps({"XF-01": "2026-06-01"}),
            ],
        }
    )


def _result(vid: str, eid: str, day: str, outcome: str, **kw) -> dict:
    row = {c: None for c in empty_results().columns}
    row.update(
        visit_id=vid,
        enterprise_id=eid,
        squad_id="SQ01",
        day=day,
        outcome=outcome,
        items="SCJG-01;XF-01",
    )
    row.update(kw)
    return row


def _apply(rows: list[dict], rules: FieldRules | None = None, ents=None):
    ents = _register() if ents is None else ents
    return apply_outcomes(
        ents,
        pd.DataFrame(rows),
        empty_results(),
        empty_history(),
        rules or FieldRules(),
    )


def test_case_turns_red_and_lowers_credit_with_reasons():
    ents, hist = _apply([_result("V1", "E1", "2026-12-01", "case")])
    e1 = ents.set_index("enterprise_id").loc["E1"]
    assert (e1["risk"], e1["credit"]) == ("red", "C")
    rows = hist.set_index("field")
    assert rows.loc["risk", "old"] == "yellow" and rows.loc["risk", "new"] == "red"
    assert rows.loc["credit", "old"] == "B" and rows.loc["credit", "new"] == "C"
    assert set(hist["visit_id"]) == {"V1"} and set(hist["date"]) == {"2026-12-01"}
    assert hist["reason"].str.contains("立案").all()


def test_case_keeps_the_lowest_credit_and_logs_no_non_change():
    ents, hist = _apply([_result("V1", "E3", "2026-12-01", "case")])
    e3 = ents.set_index("enterprise_id").loc["E3"]
    assert (e3["risk"], e3["credit"]) == ("red", "D")
    assert len(hist) == 0


def test_pass_updates_last_inspected_of_the_visit_items():
    ents, hist = _apply([_result("V1", "E1", "2026-12-02", "pass")])
    last = json.loads(ents.set_index("enterprise_id").at["E1", "last_inspected"])
    assert last == {"SCJG-01": "2026-12-02", "XF-01": "2026-12-02"}
    assert list(hist["field"]) == ["last_inspected"]


def test_passes_in_a_row_lower_the_colour_after_m_cycles():
    rules = FieldRules(pass_cycles=3)
    two = [_result(f"V{i}", "E1", f"2026-12-0{i}", "pass") for i in (1, 2)]
    ents, _ = _apply(two, rules)
    assert ents.set_index("enterprise_id").at["E1", "risk"] == "yellow"
    three = two + [_result("V3", "E1", "2026-12-03", "pass")]
    ents, hist = _apply(three, rules)
    assert ents.set_index("enterprise_id").at["E1", "risk"] == "green"
    step = hist[hist["field"] == "risk"]
    assert list(step["visit_id"]) == ["V3"] and "3" in step["reason"].iloc[0]


def test_a_non_pass_breaks_the_streak():
    rows = [
        _result("V1", "E1", "2026-12-01", "pass"),
        _result("V2", "E1", "2026-12-02", "not_met"),
        _result("V3", "E1", "2026-12-03", "pass"),
        _result("V4", "E1", "2026-12-04", "pass"),
    ]
    ents, _ = _apply(rows, FieldRules(pass_cycles=3))
    assert ents.set_index("enterprise_id").at["E1", "risk"] == "yellow"


def test_rectify_is_due_by_its_deadline_or_the_default_days():
    rules = FieldRules(rectify_days=7, revisit_days=4)
    given = _result("V1", "E1", "2026-12-01", "rectify", deadline="2026-12-10")
    assert followup_due(given, rules) == date(2026, 12, 10)
    plain = _result("V1", "E1", "2026-12-01", "rectify")
    assert followup_due(plain, rules) == date(2026, 12, 8)
    assert followup_due(_result("V2", "E1", "2026-12-01", "not_met"), rules) == date(
        2026, 12, 5
    )
    assert followup_due(_result("V3", "E1", "2026-12-01", "pass"), rules) is None


def test_rules_come_from_the_policy_field_table():
    default = load_policy()
    assert field_rules(default) == FieldRules()
    text = default.source_text.replace("pass_cycles = 3", "pass_cycles = 2")
    assert field_rules(parse_policy(text)) == replace(FieldRules(), pass_cycles=2)
    bad = default.source_text.replace("pass_cycles = 3", "pass_cycle = 2")
    with pytest.raises(PolicyError, match="pass_cycle"):
        field_rules(parse_policy(bad))


def test_passes_count_across_files_already_recorded():
    rules = FieldRules(pass_cycles=3)
    first = pd.DataFrame(
        [_result(f"V{i}", "E1", f"2026-12-0{i}", "pass") for i in (1, 2)]
    )
    ents, hist = apply_outcomes(
        _register(), first, empty_results(), empty_history(), rules
    )
    assert ents.set_index("enterprise_id").at["E1", "risk"] == "yellow"
    third = pd.DataFrame([_result("V3", "E1", "2026-12-03", "pass")])
    ents, more = apply_outcomes(ents, third, first, hist, rules)
    assert ents.set_index("enterprise_id").at["E1", "risk"] == "green"
    assert list(more.loc[more["field"] == "risk", "visit_id"]) == ["V3"]


def test_outcome_words_in_chinese_or_english():
    words = ["合格", "PASS", " rectify ", "责令整改", "立案", "case", "未遇", "not met"]
    codes = ["pass", "pass", "rectify", "rectify", "case", "case", "not_met", "not_met"]
    assert [parse_outcome(w) for w in words] == codes
    assert parse_outcome("maybe") is None and parse_outcome(None) is None
