"""The shared PostGIS store against a real throwaway server.

Round trip, row versions kept by triggers, revisions, QGIS styles, and the
two-planner cases: concurrent saves with a barrier, a stale save refused
with who and when, a plain SQL update from QGIS detected, regenerations of
one county serialised by the advisory lock.
"""

from __future__ import annotations

import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pandas as pd
import psycopg
import pytest

from main import main
from planning.io.project import load_project, project_layers, save_project
from planning.sample import build_sample
from planning.store import (
    PlanStore,
    ProjectExistsError,
    StaleSaveError,
    StoreError,
)
from tests.helpers.plans import STORE_SETTINGS as FAST

# the throwaway server (pg_url) comes from tests/conftest.py


@pytest.fixture
def small_plan(store_plan):
    """The session's small planned county (tests/conftest.py), read-only."""
    return store_plan


def _psql(url: str, statement: str) -> None:
    """A QGIS-style edit: plain SQL as the database role, no app involved."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert sorted(a.columns) == sorted(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        left, right = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if col == getattr(a, "_geometry_column_name", None):
            assert left.geom_equals(right).all(), col
        elif pd.api.types.is_numeric_dtype(left):
            assert left.astype(float).equals(right.astype(float)), col
        else:
            assert left.fillna("").astype(str).equals(right.fillna("").astype(str)), col


def test_round_trip_keeps_every_layer_row_and_value(pg_url, small_plan, tmp_path):
    store = PlanStore(pg_url, user="alice")
    saved = store.save_plan("常山县", small_plan.scenario, small_plan)
    scenario, plan, opened = store.load_plan("常山县")
    assert opened == saved and saved.revision == 1
    before = project_layers(small_plan.scenario, small_plan)
    after = project_layers(scenario, plan)
    assert set(after) == set(before)
    for name in before:
        if name != "meta":  # 'created' is stamped at each conversion
            _same(before[name], after[name])
    # the pulled plan is a project file the app opens as it is
    path = save_project(tmp_path / "pulled.gpkg", scenario, plan)
    _, reopened = load_project(path)
    assert len(reopened.visits) == len(small_plan.visits)
    with psycopg.connect(pg_url) as conn:
        srid, kind = conn.execute(
            "SELECT srid, type FROM geometry_columns "
            "WHERE f_table_schema = 'project_1' AND f_table_name = 'zones'"
        ).fetchone()
        gist = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'project_1' "
            "AND indexdef LIKE '%USING gist%'"
        ).fetchone()[0]
    assert (srid, kind) == (4326, "MULTIPOLYGON")
    spatial = [n for n, df in before.items() if hasattr(df, "geometry")]
    assert gist >= len(spatial)
    store.close()


def test_unchanged_rows_keep_their_version_and_edits_name_the_editor(
    pg_url, small_plan
):
    alice = PlanStore(pg_url, user="alice")
    alice.save_plan("p", small_plan.scenario, small_plan)
    scenario, plan, opened = alice.load_plan("p")
    first = plan.visits["visit_id"].iloc[0]
    plan.visits.loc[plan.visits["visit_id"] == first, "eta"] = "13:37"
    bob = PlanStore(pg_url, user="bob")
    saved = bob.save_plan("p", scenario, plan, opened=opened)
    assert saved.revision == 2
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT visit_id, row_version, updated_by FROM project_1.visits"
        ).fetchall()
        cells = conn.execute("SELECT max(row_version) FROM project_1.cells").fetchone()[
            0
        ]
    versions = {v: (n, by) for v, n, by in rows}
    assert versions[first] == (2, "bob")
    assert all(n == 1 for v, (n, _) in versions.items() if v != first)
    assert cells == 1
    alice.close()
    bob.close()


def test_qgis_plain_update_is_detected_and_reload_saves(pg_url, small_plan):
    store = PlanStore(pg_url, user="alice")
    store.save_plan("p", small_plan.scenario, small_plan)
    scenario, plan, opened = store.load_plan("p")
    # someone edits a cell in QGIS: a plain UPDATE as the database role
    _psql(pg_url, "UPDATE project_1.cells SET locked = 1 WHERE ord = 3")
    with pytest.raises(StaleSaveError) as err:
        store.save_plan("p", scenario, plan, opened=opened)
    assert err.value.changed_by == "postgres"
    assert "changed by postgres at" in str(err.value)
    assert store.revisions("p")[-1].revision == 1  # nothing was written
    # the reload path: open again (QGIS's edit included), change, save
    scenario, plan, opened = store.load_plan("p")
    assert scenario.cells["locked"].iloc[2] == 1
    assert store.save_plan("p", scenario, plan, opened=opened).revision == 2
    with psycopg.connect(pg_url) as conn:
        version, by = conn.execute(
            "SELECT row_version, updated_by FROM project_1.cells WHERE ord = 3"
        ).fetchone()
    assert (version, by) == (2, "postgres")
    store.close()


def test_same_plan_saved_twice_from_one_revision_one_wins(pg_url, small_plan):
    PlanStore(pg_url, user="setup").save_plan("p", small_plan.scenario, small_plan)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def planner(who: str) -> None:
        store = PlanStore(pg_url, user=who)
        scenario, plan, opened = store.load_plan("p")
        plan.visits["eta"] = f"{len(who):02d}:00"
        barrier.wait()
        try:
            outcomes[who] = store.save_plan("p", scenario, plan, opened=opened)
        except StaleSaveError as exc:
            outcomes[who] = exc
        finally:
            store.close()

    threads = [threading.Thread(target=planner, args=(w,)) for w in ("ann", "bo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [w for w, o in outcomes.items() if not isinstance(o, Exception)]
    losers = [o for o in outcomes.values() if isinstance(o, StaleSaveError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].changed_by == winners[0]
    assert f"changed by {winners[0]}" in str(losers[0])
    _, plan, _ = PlanStore(pg_url).load_plan("p")
    assert set(plan.visits["eta"]) == {f"{len(winners[0]):02d}:00"}


def test_different_projects_saved_at_once_both_land_whole(pg_url, small_plan):
    other = build_sample(cell_m=2000.0, n_enterprises=40, n_events=40, seed=3)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def save(name: str, scenario, plan) -> None:
        store = PlanStore(pg_url, user=name)
        barrier.wait()
        try:
            store.save_plan(name, scenario, plan)
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    jobs = [
        ("a", small_plan.scenario, small_plan),
        ("b", other, None),
        ("c", small_plan.scenario, small_plan),
    ]
    threads = [threading.Thread(target=save, args=j) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    store = PlanStore(pg_url)
    for name, scenario, plan in jobs:
        got_scenario, got_plan, opened = store.load_plan(name)
        assert opened.revision == 1
        assert len(got_scenario.cells) == len(scenario.cells)
        assert (got_plan is None) == (plan is None)
        if plan is not None:
            assert len(got_plan.visits) == len(plan.visits)
    assert {p.name for p in store.projects()} == {"a", "b", "c"}


def test_regenerations_of_one_county_run_one_after_the_other(pg_url, small_plan):
    PlanStore(pg_url).save_plan("p", small_plan.scenario, small_plan)
    barrier = threading.Barrier(2)
    spans: list[tuple[float, float]] = []
    errors: list[BaseException] = []

    def regenerate(who: str) -> None:
        store = PlanStore(pg_url, user=who)

        def plan_fn(scenario):
            start = time.monotonic()
            time.sleep(0.4)  # planning takes a while; a second run must wait
            plan = small_plan.copy()
            plan.settings["note"] = who
            spans.append((start, time.monotonic()))
            return plan

        barrier.wait()
        try:
            store.regenerate("p", plan_fn)
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=regenerate, args=(w,)) for w in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []  # the second loaded the first's result: no conflict
    (s1, e1), (s2, e2) = sorted(spans)
    assert e1 <= s2
    revisions = PlanStore(pg_url).revisions("p")
    assert [r.revision for r in revisions] == [1, 2, 3]
    assert revisions[2].based_on == 2


def test_revisions_list_and_restore(pg_url, small_plan):
    store = PlanStore(pg_url, user="alice")
    store.save_plan("p", small_plan.scenario, small_plan, message="first")
    scenario, plan, opened = store.load_plan("p")
    plan.visits = plan.visits.iloc[:5]
    store.save_plan("p", scenario, plan, opened=opened, message="cut")
    assert [(r.revision, r.message) for r in store.revisions("p")] == [
        (1, "first"),
        (2, "cut"),
    ]
    assert store.revisions("p")[1].layers["visits"] == 5
    _, old, _ = store.load_plan("p", revision=1)
    assert len(old.visits) == len(small_plan.visits)
    restored = store.restore("p", 1)
    assert restored.revision == 3
    _, now, _ = store.load_plan("p")
    _same(now.visits, small_plan.visits)


def test_failed_save_leaves_the_previous_revision_whole(pg_url, small_plan):
    store = PlanStore(pg_url, user="alice")
    store.save_plan("p", small_plan.scenario, small_plan)
    layers, opened = store.load_layers("p")
    layers["visits"] = layers["visits"].iloc[:3]
    # the last layer breaks the save after the visits were already rewritten
    layers["notes"] = pd.DataFrame({"row_version": [1]})
    with pytest.raises(StoreError, match="notes"):
        store.save_layers("p", layers, opened=opened)
    _, plan, after = store.load_plan("p")
    assert after == opened
    assert len(plan.visits) == len(small_plan.visits)


def test_existing_name_is_not_overwritten_without_replace(pg_url, small_plan):
    store = PlanStore(pg_url, user="alice")
    store.save_plan("p", small_plan.scenario, None)
    with pytest.raises(ProjectExistsError, match="revision 1"):
        store.save_plan("p", small_plan.scenario, small_plan)
    assert store.save_plan("p", small_plan.scenario, small_plan, replace=True)


def test_qgis_layer_styles_colour_zones_by_squad(pg_url, small_plan):
    PlanStore(pg_url).save_plan("p", small_plan.scenario, small_plan)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT f_table_name, f_geometry_column, styleqml::text, useasdefault, "
            "type FROM public.layer_styles WHERE f_table_schema = 'project_1'"
        ).fetchall()
    styles = {r[0]: r for r in rows}
    assert {"cells", "zones", "squads", "enterprises", "visits", "routes"} <= set(
        styles
    )
    _, geom_col, qml, default, kind = styles["zones"]
    assert (geom_col, default, kind) == ("geom", True, "Polygon")
    renderer = ET.fromstring(qml).find("renderer-v2")
    assert renderer.get("attr") == "squad_id"
    values = {c.get("value") for c in renderer.iter("category")}
    assert values == set(small_plan.zones["squad_id"])
    assert styles["routes"][4] == "Line"


def _cli(capsys, *args: str) -> subprocess.CompletedProcess:
    """Run ``python main.py ARGS`` in this process (a subprocess per call
    would spend its time importing)."""
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_cli_push_list_pull_revisions_restore(pg_url, small_plan, tmp_path, capsys):
    src = save_project(tmp_path / "plan.gpkg", small_plan.scenario, small_plan)
    push = _cli(capsys, "db", "push", str(src), "--db", pg_url, "--name", "常山县")
    assert push.returncode == 0, push.stderr
    again = _cli(capsys, "db", "push", str(src), "--db", pg_url, "--name", "常山县")
    assert again.returncode == 2
    assert "exists" in again.stderr and "--replace" in again.stderr
    assert (
        _cli(
            capsys,
            "db",
            "push",
            str(src),
            "--db",
            pg_url,
            "--name",
            "常山县",
            "--replace",
        ).returncode
        == 0
    )
    listed = _cli(capsys, "db", "list", "--db", pg_url)
    assert "常山县\trevision 2" in listed.stdout
    out = tmp_path / "pulled.gpkg"
    pull = _cli(capsys, "db", "pull", "常山县", "--db", pg_url, "--out", str(out))
    assert pull.returncode == 0, pull.stderr
    scenario, plan = load_project(out)
    assert len(plan.visits) == len(small_plan.visits)
    assert len(scenario.cells) == len(small_plan.scenario.cells)
    revs = _cli(capsys, "db", "revisions", "常山县", "--db", pg_url)
    assert [line.split("\t")[0] for line in revs.stdout.splitlines()] == ["1", "2"]
    restore = _cli(capsys, "db", "restore", "常山县", "1", "--db", pg_url)
    assert "as revision 3" in restore.stdout
    missing = _cli(capsys, "db", "pull", "nope", "--db", pg_url, "--out", str(out))
    assert missing.returncode == 2 and "no project 'nope'" in missing.stderr


def test_batch_county_from_the_store_is_planned_and_pushed_back(
    pg_url, small_plan, tmp_path
):
    from dataclasses import replace

    from planning.batch import CountySource, plan_county

    store = PlanStore(pg_url, user="alice")
    store.save_plan("常山县", small_plan.scenario, small_plan)
    source = CountySource(name="常山县", db_url=pg_url, project="常山县")
    result = plan_county(source, str(tmp_path), replace(FAST, rezone=False), push=True)
    assert result.status == "ok", result.error
    revisions = store.revisions("常山县")
    assert [(r.revision, r.based_on, r.message) for r in revisions][-1] == (
        2,
        1,
        "batch",
    )
    _, plan = load_project(tmp_path / "常山县" / "plan.gpkg")
    _, stored, _ = store.load_plan("常山县")
    assert len(stored.visits) == len(plan.visits) == result.visits
