"""文件 > 导入检查结果 and 规划 > 从某日重新排程: the field loop in the window."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from desktop.field_loop import ReplanDialog
from planning.plan import Plan, run_plan
from planning.sample import build_sample
from tests.helpers.window import fast_settings, open_window

FAST = fast_settings(zoning_seconds=3.0, schedule_seconds=4.0)


@pytest.fixture(scope="module")
def small_plan() -> Plan:
    return run_plan(build_sample(cell_m=1500.0, n_enterprises=120, n_events=80), FAST)


@pytest.fixture
def window(qtbot, tmp_path, small_plan, qapp):
    with open_window(tmp_path, FAST, small_plan) as win:
        yield win
        for dialog in (win.field_loop.results_dialog, win.field_loop.changes_dialog):
            if dialog is not None:
                dialog.close()


def _write_csv(path, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["visit_id", "outcome", "deadline", "note"])
        w.writerows(rows)


def test_the_two_commands_are_in_the_menus_in_chinese(window):
    actions = window.qactions
    files = [a.text() for a in actions.menu_file.actions()]
    plans = [a.text() for a in actions.menu_plan.actions()]
    assert "导入检查结果(&R)…" in files
    assert "从某日重新排程(&D)…" in plans
    assert actions.act_import_results.isEnabled() and actions.act_replan.isEnabled()


def test_a_refused_results_file_names_the_rows_and_changes_nothing(
    qtbot, window, tmp_path
):
    doc = window.document
    before = doc.plan
    visits = before.visits.sort_values(["day", "visit_id"])
    vid = str(visits["visit_id"].iloc[0])
    bad = tmp_path / "结果.csv"
    _write_csv(
        bad, [[vid, "合格", "", ""], ["V99999", "合格", "", ""], [vid, "maybe", "", ""]]
    )
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.field_loop.import_results(bad)
    dialog = window.field_loop.results_dialog
    assert dialog is not None and dialog.isVisible() and dialog.refused
    shown = "\n".join(dialog.messages())
    assert "row 3" in shown and "V99999" in shown
    assert "row 4" in shown and "maybe" in shown
    assert "未改动" in shown
    assert doc.plan is before and before.results is None
    assert not doc.modified and doc.undo_stack.count() == 0


def test_results_read_while_the_plan_changed_are_not_recorded(qtbot, window, tmp_path):
    """The planner changes the plan while the file is read: the results,
    checked against the older plan, are dropped and the status bar says so."""
    doc = window.document
    path = tmp_path / "results.csv"
    _write_csv(path, [[str(doc.plan.visits["visit_id"].iloc[0]), "合格", "", ""]])
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        assert window.field_loop.import_results(path)
        doc.push_plan(doc.plan.copy(), "another edit")  # before the result is back
    assert window.last_message == "方案在此期间已被修改，检查结果未导入。"
    assert doc.plan.results is None and doc.undo_stack.count() == 1


def test_results_recorded_undoably_then_replan_from_a_day(qtbot, window, tmp_path):
    doc = window.document
    plan = doc.plan
    workdays = [d.isoformat() for d in plan.scenario.horizon.workdays()]
    visit_days = sorted(plan.visits["day"].astype(str).unique())
    assert len(visit_days) >= 2
    first = plan.visits[plan.visits["day"].astype(str) == visit_days[0]]
    outcomes = ["合格", "责令整改", "立案", "未遇", "pass"][: len(first)]
    rows = [
        [str(v), word, workdays[5] if word == "责令整改" else "", ""]
        for v, word in zip(first["visit_id"], outcomes, strict=False)
    ]
    good = tmp_path / "results.csv"
    _write_csv(good, rows)
    with qtbot.waitSignal(window.runner.succeeded, timeout=60_000):
        window.field_loop.import_results(good)
    assert not window.field_loop.results_dialog.refused
    assert len(doc.plan.results) == len(rows)
    assert doc.modified
    window.qactions.act_undo.trigger()
    assert doc.plan is plan and plan.results is None
    window.qactions.act_redo.trigger()
    assert len(doc.plan.results) == len(rows)

    # 从某日重新排程: from the third day, one squad absent two days, one
    # urgent complaint; the dialog turns the choices into the replan's input
    recorded = doc.plan
    i = workdays.index(visit_days[1])
    days = workdays[i : i + 4]
    later = recorded.visits[recorded.visits["day"].astype(str) >= days[0]]
    squad = str(later["squad_id"].value_counts().index[0])
    start, gone_to = date.fromisoformat(days[0]), date.fromisoformat(days[1])
    firm = str(recorded.scenario.enterprises["enterprise_id"].iloc[-1])
    dialog = ReplanDialog(recorded, window)
    dialog.set_start(start)
    dialog.set_absent(squad, start, gone_to)
    dialog.add_urgent(firm, date.fromisoformat(days[3]))
    when, absences, urgents = dialog.values()
    dialog.deleteLater()
    assert when == start and [a.squad_id for a in absences] == [squad]
    assert [u.enterprise_id for u in urgents] == [firm]

    with qtbot.waitSignal(window.runner.succeeded, timeout=180_000):
        assert window.field_loop.replan_from(when, absences, urgents)
    new = doc.plan.visits
    kept = recorded.visits[recorded.visits["day"].astype(str) < days[0]]
    still = new[new["day"].astype(str) < days[0]]
    assert set(still["visit_id"]) == set(kept["visit_id"])  # published days stay
    away = new[
        (new["squad_id"].astype(str) == squad) & new["day"].astype(str).isin(days[0:2])
    ]
    assert away.empty  # the absent squad has no visits on its days
    changes = window.field_loop.changes_dialog
    assert changes is not None and changes.isVisible()
    assert squad in changes.squads()
    assert changes.tree.topLevelItemCount() == len(changes.squads())
    assert "重新排程" in window.last_message
    window.qactions.act_undo.trigger()
    assert doc.plan is recorded
