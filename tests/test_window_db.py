"""文件 > 从数据库打开 / 保存到数据库 in the real window, clicked as a planner would."""

from __future__ import annotations

import pytest

from planning.store import PlanStore
from tests.helpers.window import answer_db_dialog, fast_settings, open_window

FAST = fast_settings(zoning_seconds=2.0, schedule_seconds=2.0)


@pytest.fixture
def window(qtbot, tmp_path, qapp):
    with open_window(tmp_path, FAST) as win:
        yield win


def test_file_menu_offers_the_database_after_save_as(window):
    actions = window.qactions
    texts = [a.text() for a in actions.menu_file.actions() if not a.isSeparator()]
    after = texts.index("另存为(&A)…") + 1
    assert texts[after : after + 2] == ["从数据库打开(&D)…", "保存到数据库(&B)…"]
    # nothing open: saving to the database waits for a plan
    assert actions.db.act_open.isEnabled() and not actions.db.act_save.isEnabled()
    window.set_language("en")
    assert actions.db.act_open.text() == "Open from &database…"
    assert actions.db.act_save.text() == "Save to data&base…"


def test_save_to_and_open_from_the_database_through_the_menu(
    window, pg_url, store_plan
):
    window.document.set_plan(store_plan.copy(), None, saved=False)
    db = window.qactions.db
    assert db.act_save.isEnabled()
    answer_db_dialog(pg_url, "常山县")
    db.act_save.trigger()
    info = PlanStore(pg_url).projects()
    assert [(p.name, p.revision) for p in info] == [("常山县", 1)]
    assert info[0].layers["visits"] == len(store_plan.visits)
    assert not window.document.modified

    window.document.set_plan(None, None, saved=True)
    answer_db_dialog(pg_url, "常山县")
    db.act_open.trigger()
    plan = window.document.plan
    assert plan is not None and len(plan.visits) == len(store_plan.visits)
    assert window.squads_model.rowCount() == len(store_plan.scenario.squads)
