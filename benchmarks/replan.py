"""Field-loop benchmark: outcomes of three days in, then a replan.

Run ``python -m benchmarks.replan [--part sample|county|all]``.

For each county (the sample, and the 20,000-firm county of
:mod:`benchmarks.scheduling`): plan it, record generated outcomes for the
visits of the first three workdays (70% 合格, 15% 责令整改 with a deadline
7 days on, 5% 立案, 10% 未遇), make the busiest squad absent for two days
and add five urgent complaints due the next workday, then replan from the
fourth workday. One table row per county:

* replan seconds (targets: 60 s sample, 300 s county);
* follow-ups (复查 and revisits) placed by their deadline, and those late
  or dropped — each with its reason in the change list;
* urgent visits placed by their date;
* the share of future visits untouched by a result, the absence or an
  urgent visit that keep day and team (target >= 90%);
* changed visits (moved + dropped) against a schedule of the same future
  visits from scratch (``schedule()`` on the remaining workdays, without
  the absence), counted the same way: a visit whose day or team differs;
* validator violations of the new plan (must be 0).

Measured figures are quoted in the closing notes of the stops that change
this code, not here, so they cannot go stale.

Most late or dropped visits sit with the absent squad: its first two days
are gone while the 未遇 revisits (5 days) and 复查 (7 days) of its busiest
days fall due. The rest lack a
department inspector: crews stay as rostered and only unused
inspector-days are added, so inspectors of team-days the replan emptied
are not yet handed on. Each is listed in the change list with its reason;
urgent visits that keep a later team-day are listed as late.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import format_table, load_note
from planning.field.outcomes import RawRow, record_results
from planning.field.replan import Absence, ReplanSettings, Urgent, replan
from planning.model import Horizon
from planning.plan import Plan, PlanSettings, plan_from_schedule, run_plan
from planning.sample import build_sample
from planning.scheduling import ScheduleSettings, schedule
from planning.validate import validate

SHARES = {"合格": 0.70, "责令整改": 0.15, "立案": 0.05, "未遇": 0.10}
HEADER = [
    "county",
    "visits",
    "reported",
    "follow-ups",
    "on time",
    "late/dropped",
    "urgent ok",
    "replan s",
    "kept %",
    "changed",
    "scratch changed",
    "violations",
]


def outcomes(plan: Plan, days: list[str], seed: int = 3) -> list[RawRow]:
    """Generated results of the visits of ``days`` in the benchmark's shares."""
    rng = np.random.default_rng(seed)
    done = plan.visits[plan.visits["day"].astype(str).isin(days)]
    words = rng.choice(list(SHARES), size=len(done), p=list(SHARES.values()))
    rows = []
    for n, (vid, day, word) in enumerate(
        zip(done["visit_id"], done["day"], words, strict=True)
    ):
        deadline = ""
        if word == "责令整改":
            deadline = (pd.Timestamp(day) + timedelta(days=7)).date().isoformat()
        cells = {"visit_id": vid, "outcome": word, "deadline": deadline, "note": ""}
        rows.append(RawRow("generated.csv", "", n + 2, cells))
    return rows


def from_scratch(plan: Plan, start: str) -> pd.DataFrame:
    """The future regular visits scheduled anew on the remaining workdays."""
    sc = plan.scenario.copy()
    future = plan.visits[plan.visits["day"].astype(str) >= start]
    keep = set(future["enterprise_id"].astype(str))
    ents = sc.enterprises
    ents["due_items"] = [
        items if str(e) in keep else ""
        for e, items in zip(ents["enterprise_id"], ents["due_items"], strict=True)
    ]
    days = [d for d in sc.horizon.workdays() if d.isoformat() >= start]
    sc.horizon = Horizon(days[0], len(days), sc.horizon.blackout)
    ents["due_date"] = [
        max(str(d), start) if isinstance(d, str) else d for d in ents["due_date"]
    ]
    return schedule(sc, ScheduleSettings(time_limit=60.0, route_time_limit=0.2)).visits


def changed_against(old: pd.DataFrame, new: pd.DataFrame, start: str) -> int:
    """Future regular visits of ``old`` whose day or team differ in ``new``."""
    before = old[old["day"].astype(str) >= start]
    after = new[new["day"].astype(str) >= start]
    if "kind" in after:
        after = after[after["kind"].fillna("regular").isin(["regular", ""])]
    where = {
        str(e): (str(d), int(t))
        for e, d, t in zip(
            after["enterprise_id"], after["day"], after["team"], strict=True
        )
    }
    return sum(
        where.get(str(e)) != (str(d), int(t))
        for e, d, t in zip(
            before["enterprise_id"], before["day"], before["team"], strict=True
        )
    )


def run(name: str, plan: Plan, time_limit: float) -> list[object]:
    """Record, replan, compare; one table row."""
    days = [d.isoformat() for d in plan.scenario.horizon.workdays()]
    reported, start = days[:3], days[3]
    recorded, report = record_results(plan, outcomes(plan, reported))
    future = plan.visits[plan.visits["day"].astype(str) >= start]
    squad = str(future["squad_id"].value_counts().index[0])
    first = pd.Timestamp(start).date()
    away = Absence(squad, first, pd.Timestamp(days[4]).date())
    rng = np.random.default_rng(5)
    firms = plan.scenario.enterprises["enterprise_id"].astype(str).to_numpy()
    urgent = [
        Urgent(str(e), pd.Timestamp(days[4]).date())
        for e in rng.choice(firms, size=5, replace=False)
    ]
    t0 = time.perf_counter()
    result = replan(recorded, first, [away], urgent, ReplanSettings(time_limit))
    seconds = time.perf_counter() - t0
    st = result.stats
    ch = result.changes
    follow = ch[ch["kind"].isin(["followup", "revisit"])]
    late = follow["reason"].str.contains("late|排不下|没有", regex=True).sum()
    scratch = from_scratch(plan, start)
    violations = validate(result.plan)
    for v in violations[:10]:
        print(f"  {v.kind}: {v.message}")
    print(
        f"{name}: results {report.by_outcome}; squad {squad} absent {start}..{days[4]}"
        f"; changes moved {st['moved']} added {st['added']} dropped {st['dropped']}"
    )
    return [
        name,
        len(plan.visits),
        report.recorded,
        st["followups"],
        st["followups_on_time"],
        int(late),
        f"{st['urgent_on_time']}/{st['urgent']}",
        round(seconds, 1),
        round(100 * st["kept_share"], 1),
        changed_against(plan.visits, result.plan.visits, start),
        changed_against(plan.visits, scratch, start),
        len(violations),
    ]


def sample_plan() -> Plan:
    return run_plan(build_sample(), PlanSettings(patrols=None))


def county_plan(cache: Path | None = None) -> Plan:
    """The 20,000-firm county planned (7 min here), or read from ``cache``."""
    from benchmarks.scheduling import generated_county
    from planning.io.project import load_project, save_project

    if cache is not None and cache.exists():
        plan = load_project(cache)[1]
        assert plan is not None
        return plan
    scenario = generated_county()
    settings = ScheduleSettings(time_limit=240.0, route_time_limit=0.2)
    plan = plan_from_schedule(scenario, schedule(scenario, settings))
    if cache is not None:
        save_project(cache, plan.scenario, plan)
    return plan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["sample", "county", "all"], default="sample")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument(
        "--county-cache",
        type=Path,
        help="county plan .gpkg: read if present, else written",
    )
    args = parser.parse_args(argv)
    rows = []
    if args.part in ("sample", "all"):
        t0 = time.perf_counter()
        plan = sample_plan()
        print(f"sample planned in {time.perf_counter() - t0:.0f} s")
        rows.append(run("sample 常山县", plan, args.time_limit))
    if args.part in ("county", "all"):
        t0 = time.perf_counter()
        plan = county_plan(args.county_cache)
        print(f"county planned in {time.perf_counter() - t0:.0f} s")
        rows.append(run("county 20,000", plan, replace_limit(args.time_limit)))
    print(format_table(HEADER, rows))
    print(load_note())


def replace_limit(sample_limit: float) -> float:
    """The county's CP-SAT budget: four times the sample's (target 5 min)."""
    return 4 * sample_limit


if __name__ == "__main__":
    main()
