"""The main job end to end: ``python main.py plan --sample --out DIR``.

Runs the real command once (as a user would) and checks what a planner
checks in its outputs: every cell zoned once, contiguous zones, each due
enterprise in exactly one joint visit or listed unscheduled with a reason,
visits inside opening hours, and files that re-open with the right rows.
"""

import json
import subprocess
import sys
from collections import deque
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planning.io.project import load_project
from planning.model import hhmm_to_min
from planning.roads.context import scenario_adjacency
from planning.validate import validate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    proc = subprocess.run(
        [sys.executable, "main.py", "plan", "--sample", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def saved(sample_run):
    out, _, _ = sample_run
    return load_project(out / "plan.gpkg")


def test_summary_is_printed_with_progress(sample_run):
    _, stdout, stderr = sample_run
    for words in (
        "zone workload",
        "zones contiguous: y",
        "joint visits scheduled",
        "visits saved",
        "travel:",
        "示例数据 (synthetic)",
    ):
        assert words in stdout
    assert "zoning" in stderr and "scheduling" in stderr and "100.0%" in stderr


def test_every_cell_is_in_exactly_one_contiguous_zone(saved):
    scenario, plan = saved
    cells = scenario.cells.reset_index(drop=True)
    assert cells["cell_id"].is_unique
    assert cells["squad_id"].notna().all()
    assert set(cells["squad_id"]) == set(scenario.squads["squad_id"])
    # the sample has roads and barriers: cells are neighbours under the
    # barrier rule, and pockets the barriers cut off from every base are
    # islands, exempt from contiguity (as zoning and the zones layer judge)
    assert scenario.roads is not None and scenario.barriers is not None
    edges = scenario_adjacency(scenario)
    n = len(cells)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), (n, n))
    _, label = connected_components(graph, directed=False)
    bases = cells.sindex.query(scenario.squads.geometry, "intersects")[1]
    island = set(np.flatnonzero(~np.isin(label, label[bases])).tolist())
    assert len(island) < 0.02 * n
    neighbours = {i: [] for i in range(n)}
    for a, b in edges:
        neighbours[int(a)].append(int(b))
        neighbours[int(b)].append(int(a))
    for squad, members in cells.groupby("squad_id").groups.items():
        members = set(members) - island
        start = next(iter(members))
        seen, queue = {start}, deque([start])
        while queue:
            for n in neighbours[queue.popleft()]:
                if n in members and n not in seen:
                    seen.add(n)
                    queue.append(n)
        assert seen == members, f"zone {squad} is not contiguous"
    assert (plan.zones["contiguous"] == 1).all()
    assert len(plan.zones) == len(scenario.squads)
    assert (plan.zones["deviation_pct"].abs() <= 5.0 + 1e-6).all()


def test_each_due_enterprise_is_visited_once_or_explained(saved):
    scenario, plan = saved
    due = scenario.enterprises[scenario.enterprises["due_items"].fillna("") != ""]
    visited = plan.visits["enterprise_id"]
    assert visited.is_unique
    unscheduled = plan.unscheduled
    assert (unscheduled["reason"].str.len() > 10).all()
    assert set(visited) | set(unscheduled["enterprise_id"]) == set(due["enterprise_id"])
    assert not set(visited) & set(unscheduled["enterprise_id"])
    assert len(unscheduled) < 0.05 * len(due)
    items = due.set_index("enterprise_id")["due_items"]
    for v in plan.visits.itertuples():
        assert set(v.items.split(";")) == set(items[v.enterprise_id].split(";"))


def test_visits_fall_inside_opening_hours_and_outside_busy_windows(saved):
    scenario, plan = saved
    policy = scenario.policy
    cat = scenario.enterprises.set_index("enterprise_id")["category"]
    for v in plan.visits.itertuples():
        category = policy.categories[cat[v.enterprise_id]]
        start, end = hhmm_to_min(v.start), hhmm_to_min(v.end)
        assert category.open[0] <= start and end <= category.open[1]
        for lo, hi in category.busy + (policy.lunch,):
            assert end <= lo or start >= hi, (v.visit_id, v.start, v.end)
        assert policy.day_start <= hhmm_to_min(v.eta) <= start


def test_independent_validator_finds_no_violation(saved):
    scenario, plan = saved
    violations = validate(plan)
    assert violations == []


def test_exports_reopen_with_the_right_rows(sample_run, saved):
    out, _, _ = sample_run
    scenario, plan = saved
    maps = sorted(p.stem for p in (out / "maps").glob("*.html"))
    assert maps == sorted(scenario.squads["squad_id"])
    wb = load_workbook(out / "schedule.xlsx", read_only=True)
    rows = 0
    for squad in scenario.squads.itertuples():
        ws = wb[squad.name]
        n = ws.max_row - 1
        assert n == (plan.visits["squad_id"] == squad.squad_id).sum()
        rows += n
    assert rows == len(plan.visits)
    assert len(list((out / "work_orders").glob("*.pdf"))) == len(scenario.squads)
    assert plan.patrols is not None and len(plan.patrols) > 0
    meta_settings = plan.settings["zoning_settings"]
    assert json.loads(json.dumps(meta_settings))["tolerance"] == 0.05


def test_squad_map_renders_in_qtwebengine_without_js_errors(
    qtbot, sample_run, tmp_path
):
    from tests.helpers.webengine import load_html_in_webengine

    out, _, _ = sample_run
    html = next((out / "maps").glob("*.html")).read_text(encoding="utf-8")
    errors, result = load_html_in_webengine(qtbot, html, tmp_path)
    assert errors == []
    info = result if isinstance(result, dict) else json.loads(result)
    assert info["typeofL"] == "object" and info["hasPlannerMap"]
    assert info["mapLayers"] > 10
