"""The field loop on a small sample plan: results in, then a replan."""

import csv
import hashlib
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from maps.export.spreadsheets import write_schedule_xlsx
from planning.field.outcomes import ResultsFileError, import_results
from planning.field.replan import Absence, Urgent, parse_absence, replan
from planning.io.project import load_project, save_project
from planning.plan import PlanSettings, run_plan
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings
from planning.validate import validate
from planning.zoning import ZoningSettings


@pytest.fixture(scope="module")
def plan():
    settings = PlanSettings(
        zoning=ZoningSettings(time_limit=5.0),
        scheduling=ScheduleSettings(time_limit=8.0, route_time_limit=0.1),
        patrols=None,
    )
    scenario = build_sample(cell_m=1000.0, n_enterprises=200, n_events=200)
    return run_plan(scenario, settings)


@pytest.fixture(scope="module")
def saved(plan, tmp_path_factory) -> Path:
    """The plan written once as a project file."""
    folder = tmp_path_factory.mktemp("field")
    return save_project(folder / "p.gpkg", plan.scenario, plan)


@pytest.fixture()
def project(saved, tmp_path) -> Path:
    """A copy of the saved project for the test to record results into."""
    return Path(shutil.copyfile(saved, tmp_path / "p.gpkg"))


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv(path, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["visit_id", "outcome", "deadline", "note"])
        w.writerows(rows)


def test_xlsx_round_trip_records_the_filled_rows(plan, project, tmp_path):
    xlsx = write_schedule_xlsx(plan, tmp_path / "schedule.xlsx")
    wb = load_workbook(xlsx)
    ws = next(s for s in wb.worksheets if s.cell(1, 1).value == "日期")
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) + 1 for h in ("检查编号", "检查结果", "整改期限", "备注")}
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and "合格,责令整改,立案,未遇" in lists[0].formula1
    filled = {}
    for row, word in zip(
        range(2, 6), ("合格", "责令整改", "立案", "未遇"), strict=True
    ):
        vid = ws.cell(row, col["检查编号"]).value
        ws.cell(row, col["检查结果"]).value = word
        if word == "责令整改":
            ws.cell(row, col["整改期限"]).value = date(2026, 12, 10)
        ws.cell(row, col["备注"]).value = f"note {row}"
        filled[vid] = word
    wb.save(xlsx)
    report = import_results(project, xlsx)
    assert report.recorded == 4
    _, back = load_project(project)
    res = back.results.set_index("visit_id")
    codes = {"合格": "pass", "责令整改": "rectify", "立案": "case", "未遇": "not_met"}
    assert {v: res.at[v, "outcome"] for v in filled} == {
        v: codes[w] for v, w in filled.items()
    }
    rectified = next(v for v, w in filled.items() if w == "责令整改")
    assert res.at[rectified, "deadline"] == "2026-12-10"
    case = next(v for v, w in filled.items() if w == "立案")
    firm = res.at[case, "enterprise_id"]
    ents = back.scenario.enterprises.set_index("enterprise_id")
    assert ents.at[firm, "risk"] == "red"
    hist = back.history
    assert ((hist["enterprise_id"] == firm) & (hist["field"] == "risk")).any()


def test_refused_file_names_every_bad_row_and_leaves_project_unchanged(
    plan, project, tmp_path
):
    ids = plan.visits["visit_id"].tolist()
    good = tmp_path / "first.csv"
    _write_csv(good, [[ids[0], "责令整改", "2026/12/10", ""]])
    import_results(project, good)
    assert load_project(project)[1].results["deadline"].tolist() == ["2026-12-10"]
    before = _digest(project)
    bad = tmp_path / "bad.csv"
    _write_csv(
        bad,
        [
            [ids[1], "合格", "", "fine"],
            ["V999999", "pass", "", ""],
            [ids[2], "maybe", "", ""],
            [ids[3], "rectify", "2026-13-40", ""],
            [ids[0], "pass", "", "again"],
            [ids[1], "case", "", "twice"],
        ],
    )
    with pytest.raises(ResultsFileError) as err:
        import_results(project, bad)
    text = str(err.value)
    assert "bad.csv: row 3" in text and "unknown visit 'V999999'" in text
    assert "row 4, column '检查结果'" in text and "'maybe'" in text
    assert "row 5, column '整改期限'" in text and "bad date" in text
    assert f"row 6, column '检查编号' (visit_id): visit {ids[0]} was already" in text
    assert "row 7" in text and "first on row 2" in text
    assert "row 2," not in text  # the good row is not blamed
    assert _digest(project) == before


def test_schema_1_project_opens_with_empty_results(plan, tmp_path):
    path = save_project(tmp_path / "old.gpkg", plan.scenario, plan)
    meta = pyogrio.read_dataframe(path, layer="meta")
    meta.loc[meta["key"] == "schema_version", "value"] = "1"
    pyogrio.write_dataframe(meta, path, layer="meta", driver="GPKG")
    _, old = load_project(path)
    assert len(old.results) == 0 and len(old.history) == 0
    csv_path = tmp_path / "r.csv"
    _write_csv(csv_path, [[plan.visits["visit_id"].iloc[0], "未遇", "", ""]])
    import_results(path, csv_path)
    meta = pyogrio.read_dataframe(path, layer="meta").set_index("key")["value"]
    assert meta["schema_version"] == "2"
    assert len(load_project(path)[1].results) == 1


def _with_results(plan, project, tmp_path, rows):
    csv_path = tmp_path / "r.csv"
    _write_csv(csv_path, rows)
    import_results(project, csv_path)
    return load_project(project)[1]


def test_replan_keeps_the_past_moves_the_absent_and_adds_follow_ups(
    plan, project, tmp_path
):
    days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
    first_day = plan.visits[plan.visits["day"] == days[0]]
    picks = first_day["visit_id"].tolist()[:4]
    done = _with_results(
        plan,
        project,
        tmp_path,
        [
            [picks[0], "rectify", days[6], ""],
            [picks[1], "not_met", "", ""],
            [picks[2], "pass", "", ""],
            [picks[3], "case", "", ""],
        ],
    )
    start = date.fromisoformat(days[1])
    busy = plan.visits[plan.visits["day"] >= days[1]]["squad_id"].value_counts()
    squad = busy.index[0]
    away = Absence(squad, start, date.fromisoformat(days[2]))
    urgent_firm = plan.visits[plan.visits["day"] >= days[4]]["enterprise_id"].iloc[0]
    result = replan(done, start, [away], [Urgent(urgent_firm, start)])
    new = result.plan
    assert validate(new) == []

    cols = [c for c in plan.visits.columns if c != "geometry"]
    past = plan.visits[plan.visits["day"] < days[1]][cols].sort_values("visit_id")
    kept = new.visits[new.visits["day"] < days[1]][cols].sort_values("visit_id")
    pd.testing.assert_frame_equal(
        past.reset_index(drop=True), kept.reset_index(drop=True), check_dtype=False
    )
    old_routes = plan.routes[plan.routes["day"] < days[1]].drop(columns="geometry")
    new_routes = new.routes[new.routes["day"] < days[1]].drop(columns="geometry")
    assert old_routes.sort_values("route_id").to_dict(
        "records"
    ) == new_routes.sort_values("route_id").to_dict("records")

    on_leave = new.visits[
        (new.visits["squad_id"] == squad) & new.visits["day"].isin(days[1:3])
    ]
    assert len(on_leave) == 0
    assert not (
        (new.roster["squad_id"] == squad) & new.roster["day"].isin(days[1:3])
    ).any()

    changes = result.changes
    for origin, kind in ((picks[0], "followup"), (picks[1], "revisit")):
        row = new.visits[new.visits.get("origin", pd.Series(dtype=str)) == origin]
        listed = changes[changes["kind"] == kind]
        assert len(row) == 1 or (listed["change"] == "dropped").any()
    followup = new.visits[new.visits["origin"] == picks[0]]
    late = changes[
        (changes["kind"] == "followup") & changes["reason"].str.contains("late")
    ]
    assert len(followup) == 1
    assert followup["day"].iloc[0] <= days[6] or len(late) == 1

    urgent = new.visits[new.visits["enterprise_id"] == urgent_firm]
    urgent = urgent[urgent["day"] >= days[1]]
    explained = changes[
        (changes["enterprise_id"] == urgent_firm)
        & changes["reason"].str.contains("late")
    ]
    assert (len(urgent) == 1 and urgent["day"].iloc[0] <= days[1]) or len(explained)
    assert result.stats["kept_share"] >= 0.9


def test_absence_text_is_checked():
    assert parse_absence("SQ02:2026-12-03..2026-12-04") == Absence(
        "SQ02", date(2026, 12, 3), date(2026, 12, 4)
    )
    with pytest.raises(ValueError, match="SQUAD:YYYY-MM-DD"):
        parse_absence("SQ02 2026-12-03")


def test_cycle_counts_outcomes_follow_ups_and_transitions(plan, project, tmp_path):
    from maps.export.summary import summary_html
    from planning.field.cycle import cycle_table

    days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
    ents = plan.scenario.enterprises.set_index("enterprise_id")
    first = plan.visits[plan.visits["day"] == days[0]]
    green = first[first["enterprise_id"].map(ents["risk"]) == "green"]
    case, fix = green["visit_id"].iloc[0], first["visit_id"].iloc[-1]
    assert case != fix
    done = _with_results(
        plan,
        project,
        tmp_path,
        [[case, "立案", "", ""], [fix, "责令整改", days[5], ""]],
    )
    new = replan(done, date.fromisoformat(days[1])).plan
    followup = new.visits[new.visits["origin"] == fix]
    assert len(followup) == 1 and followup["day"].iloc[0] <= days[5]
    path = save_project(tmp_path / "new.gpkg", new.scenario, new)
    report = tmp_path / "followup.csv"
    _write_csv(report, [[followup["visit_id"].iloc[0], "合格", "", ""]])
    import_results(path, report)
    _, back = load_project(path)
    table = cycle_table(back, today=days[5]).set_index("squad_id")
    sq_case = first.set_index("visit_id").at[case, "squad_id"]
    sq_fix = first.set_index("visit_id").at[fix, "squad_id"]
    assert table.at[sq_case, "case"] >= 1 and table.at[sq_case, "green_to_red"] == 1
    assert table.at[sq_fix, "followups_due"] == 1
    assert table.at[sq_fix, "followups_on_time"] == 1
    assert table["pass"].sum() == 1 and table["rectify"].sum() == 1
    html = summary_html(back)
    assert "现场闭环" in html and "复查按期" in html


def test_cli_refuses_then_records_then_replans(plan, project, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "main.py", *args, "--quiet"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )

    days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
    vid = plan.visits["visit_id"].iloc[0]
    before = _digest(project)
    bad = tmp_path / "bad.csv"
    _write_csv(bad, [[vid, "合格", "", ""], [vid, "未遇", "", ""]])
    proc = run("results", str(bad), "--project", str(project))
    assert proc.returncode == 1
    assert "bad.csv: row 3, column '检查编号'" in proc.stderr
    assert _digest(project) == before
    good = tmp_path / "good.csv"
    _write_csv(good, [[vid, "not_met", "", "closed"]])
    proc = run("results", str(good), "--project", str(project))
    assert proc.returncode == 0, proc.stderr
    assert "未遇 not_met 1" in proc.stdout
    out = tmp_path / "new.gpkg"
    squad = plan.visits["squad_id"].iloc[0]
    proc = run(
        "replan",
        str(project),
        "--from",
        days[1],
        "--out",
        str(out),
        "--absent",
        f"{squad}:{days[1]}..{days[2]}",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "validator: 0 violation(s)" in proc.stdout
    changes = pd.read_csv(tmp_path / "new_changes.csv", encoding="utf-8-sig")
    revisit = changes[changes["kind"] == "revisit"]
    assert len(revisit) == 1 and revisit["change"].iloc[0] in ("added", "dropped")
    sheets = load_workbook(tmp_path / "new_changes.xlsx").sheetnames
    sq = plan.scenario.squads
    names = dict(zip(sq["squad_id"], sq["name"], strict=True))
    assert {names[s] for s in changes["squad_id"].dropna()} <= set(sheets)


def test_replan_names_an_unknown_squad_enterprise_or_date(plan):
    start = plan.scenario.horizon.workdays()[1]
    with pytest.raises(ValueError, match="unknown squad 'SQ99'"):
        replan(plan, start, [Absence("SQ99", start, start)])
    with pytest.raises(ValueError, match="unknown enterprise 'NOPE'"):
        replan(plan, start, urgents=[Urgent("NOPE", start)])
    with pytest.raises(ValueError, match="after the horizon"):
        replan(plan, date(2031, 1, 1))
