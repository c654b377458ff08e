"""The end-to-end pipeline shared by the CLI and the GUI.

``run_plan(scenario)`` = workload -> zoning -> joint-inspection schedule and
routes -> metrics, and returns a :class:`Plan` that knows how to summarise
itself. Each step reports to one :class:`~planning.progress.Job` (a progress
callback and a cancel token) and stops when it is cancelled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.model import (
    ROSTER_COLUMNS,
    ROUTE_COLUMNS,
    UNSCHEDULED_COLUMNS,
    VISIT_COLUMNS,
    Scenario,
    validate_scenario,
)
from planning.progress import Job, ProgressEvent
from planning.workload import cell_workload, compute_due

if TYPE_CHECKING:  # solvers load OR-Tools; opening a file should not need it
    from planning.patrols import PatrolSettings
    from planning.roads.context import RoadContext
    from planning.scheduling import ScheduleSettings
    from planning.zoning import ZoningResult, ZoningSettings


def _zoning_settings() -> ZoningSettings:
    from planning.zoning import ZoningSettings

    return ZoningSettings()


def _patrol_settings() -> PatrolSettings:
    from planning.patrols import PatrolSettings

    return PatrolSettings()


def _schedule_settings() -> ScheduleSettings:
    from planning.scheduling import ScheduleSettings

    return ScheduleSettings()


@dataclass
class Plan:
    """A finished (or partly finished) plan for one county.

    ``scenario.cells`` carries ``workload`` and ``squad_id`` (the zones);
    ``scenario.enterprises`` carries ``due_items`` and ``due_date``. The other
    tables follow ``docs/plan-schema.md``; ``results`` (检查结果 recorded from
    the field) and ``history`` (enterprise changes they caused) are those of
    :mod:`planning.field`, ``None`` until the first results come in.
    """

    scenario: Scenario
    zones: gpd.GeoDataFrame
    visits: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    unscheduled: pd.DataFrame
    roster: pd.DataFrame
    settings: dict = field(default_factory=dict)
    zoning: ZoningResult | None = None
    patrols: gpd.GeoDataFrame | None = None
    patrol_points: gpd.GeoDataFrame | None = None
    results: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    reach: gpd.GeoDataFrame | None = None
    standby: gpd.GeoDataFrame | None = None
    standby_table: pd.DataFrame | None = None

    def copy(self) -> Plan:
        """Deep copy of the tables, so an edit or a background save of one
        copy never shows in the other."""
        return replace(
            self,
            scenario=self.scenario.copy(),
            zones=self.zones.copy(),
            visits=self.visits.copy(),
            routes=self.routes.copy(),
            unscheduled=self.unscheduled.copy(),
            roster=self.roster.copy(),
            patrols=None if self.patrols is None else self.patrols.copy(),
            patrol_points=None
            if self.patrol_points is None
            else self.patrol_points.copy(),
            results=None if self.results is None else self.results.copy(),
            history=None if self.history is None else self.history.copy(),
        )

    def summary(self) -> PlanSummary:
        """Headline figures computed from the plan's own tables.

        Works the same for a plan just solved and one re-opened from a file.
        """
        return summarise(self)


@dataclass(frozen=True)
class PlanSettings:
    """Settings of one end-to-end run.

    Parameters
    ----------
    zoning, scheduling
        Settings of each solver (see :mod:`planning.zoning` and
        :mod:`planning.scheduling`).
    rezone
        Re-zone even when every cell already has a squad (the sample has
        none, so it is always zoned).
    patrols
        Settings of the hotspot patrol loops (巡查路线); ``None`` skips them.
    standby_cars
        Patrol cars per squad on standby in each peak window on a plan with
        roads (0 = none); ``None`` takes the policy's ``[roads]
        standby_cars``.
    """

    zoning: ZoningSettings = field(default_factory=_zoning_settings)
    scheduling: ScheduleSettings = field(default_factory=_schedule_settings)
    rezone: bool = True
    patrols: PatrolSettings | None = field(default_factory=_patrol_settings)
    standby_cars: int | None = None


def prepare(scenario: Scenario) -> Scenario:
    """Copy of ``scenario`` with due items and cell workloads computed."""
    out = scenario.copy()
    out.enterprises = compute_due(out.enterprises, out.policy, out.horizon)
    out.cells = cell_workload(
        out.cells, out.enterprises, out.hotspots, out.policy, out.horizon
    )
    return out


def run_zoning(
    scenario: Scenario, settings: ZoningSettings, job: Job = Job()
) -> tuple[Scenario, ZoningResult]:
    """Zone the cells; returns a new scenario with ``cells.squad_id`` set."""
    from planning.zoning import ZoningInput, zone

    result = zone(ZoningInput.from_scenario(scenario), settings, job)
    out = scenario.copy()
    out.cells["squad_id"] = out.cells["cell_id"].map(result.assignment)
    return out, result


def run_plan(
    scenario: Scenario, settings: PlanSettings | None = None, job: Job = Job()
) -> Plan:
    """Plan a county end to end: workload, zones, joint visits, routes.

    The input scenario is never modified; the returned plan holds a new one.
    """
    from planning.scheduling import schedule

    settings = settings or PlanSettings()
    validate_scenario(scenario)
    job.report(ProgressEvent("workload", 0.0, "计算工作量 workload"))
    prepared = prepare(scenario)
    job.raise_if_cancelled()
    job.report(ProgressEvent("workload", 0.05, "工作量完成 workload done"))
    zoning_result: ZoningResult | None = None
    if settings.rezone or prepared.cells["squad_id"].isna().any():
        prepared, zoning_result = run_zoning(
            prepared, settings.zoning, job.staged("zoning", 0.05, 0.35)
        )
    job.raise_if_cancelled()
    step = job.staged("scheduling", 0.35, 0.85)
    result = schedule(prepared, settings.scheduling, step.progress, step.cancel)
    patrols = None
    if settings.patrols is not None:
        from planning.patrols import plan_patrols

        patrols = plan_patrols(
            prepared, settings.patrols, job.staged("patrols", 0.85, 0.98)
        )
    job.report(ProgressEvent("done", 1.0, "完成 done"))
    plan_settings = {
        "zoning_settings": asdict(settings.zoning),
        "schedule_settings": asdict(settings.scheduling),
    }
    if settings.patrols is not None:
        plan_settings["patrol_settings"] = asdict(settings.patrols)
    plan = Plan(
        scenario=prepared,
        zones=gpd.GeoDataFrame(),
        visits=result.visits,
        routes=result.routes,
        unscheduled=result.unscheduled,
        roster=result.roster,
        settings=plan_settings,
        zoning=zoning_result,
        patrols=None if patrols is None else patrols.loops,
        patrol_points=None if patrols is None else patrols.points,
    )
    plan.zones = zone_layer(plan)
    return with_road_layers(plan, settings.standby_cars)


def with_road_layers(plan: Plan, standby_cars: int | None = None) -> Plan:
    """Record how travel was measured and, with roads, add the reach areas,
    standby points and the shares within 5 minutes (the 1530 rule).

    ``standby_cars`` per squad; ``None`` keeps the number the plan was made
    with, else the policy's."""
    from planning.roads.attributes import RoadPolicy
    from planning.roads.context import road_layers

    sc = plan.scenario
    if standby_cars is None:
        standby_cars = plan.settings.get("travel_settings", {}).get("standby_cars")
    if standby_cars is None:
        standby_cars = RoadPolicy.from_policy(sc.policy).standby_cars
    layers = road_layers(sc, cars=standby_cars)
    travel = {"by_road": layers is not None, "note": sc.road_note}
    if layers is not None:
        travel["standby_cars"] = int(standby_cars)
        plan.reach, plan.standby = layers.reach, layers.standby
        plan.standby_table = layers.standby_table
        travel["reach_shares"] = layers.shares.to_dict("records")
    plan.settings["travel_settings"] = travel
    return plan


def zone_layer(plan: Plan) -> gpd.GeoDataFrame:
    """The zones layer (outlines and stats) of ``plan``'s current cells.

    Nesting and islands come from the plan itself, so zones redrawn after
    manual edits or a re-schedule look like the ones the zoning produced.
    """
    from planning.zoning import zone_stats, zones_layer

    sc = plan.scenario
    nest = plan.settings.get("zoning_settings", {}).get("nest")
    islands = plan.zoning.islands if plan.zoning is not None else None
    assignment = sc.cells.set_index("cell_id")["squad_id"]
    stats = zone_stats(
        sc.cells, sc.squads, assignment, sc.policy, nest, islands, _roads(sc)
    )
    return zones_layer(sc.cells, assignment, stats)


def unplanned(scenario: Scenario) -> Plan:
    """A plan of ``scenario`` before any zoning or schedule: workloads and
    due items computed, zones empty unless the cells already carry squads.

    What the GUI shows at once while the real planning runs, so the planner
    sees the county, its towns and enterprises instead of a blank map.
    """
    prepared = prepare(scenario)
    if "squad_id" not in prepared.cells:
        prepared.cells["squad_id"] = None
    crs = prepared.cells.crs

    def table(columns: list[str]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=crs), crs=crs
        )

    plan = Plan(
        scenario=prepared,
        zones=gpd.GeoDataFrame(),
        visits=table(VISIT_COLUMNS),
        routes=table(ROUTE_COLUMNS),
        unscheduled=pd.DataFrame(columns=UNSCHEDULED_COLUMNS),
        roster=pd.DataFrame(columns=ROSTER_COLUMNS),
    )
    plan.zones = zone_layer(plan)
    return plan


def is_zoned(plan: Plan) -> bool:
    """Whether any cell of ``plan`` has a squad (a zoning exists to judge)."""
    cells = plan.scenario.cells
    return "squad_id" in cells and bool(cells["squad_id"].notna().any())


def zone_plan(
    plan: Plan, scenario: Scenario, settings: ZoningSettings, job: Job = Job()
) -> Plan:
    """Re-zone ``scenario`` (``plan``'s, perhaps over another horizon).

    The GUI's 划片 job. Workloads are recomputed only when they are missing
    or the horizon changed; the zones layer is drawn as :func:`run_plan`
    draws it (nesting and the zoning's own islands), so the GUI and the CLI
    judge contiguity alike. The old schedule no longer fits the zones and
    is cleared.
    """
    ready = "workload" in scenario.cells and scenario.horizon == plan.scenario.horizon
    prepared = scenario if ready else prepare(scenario)
    zoned, result = run_zoning(prepared, settings, job)
    empty = {
        name: getattr(plan, name).iloc[0:0].copy()
        for name in ("visits", "routes", "unscheduled", "roster")
    }
    new = Plan(
        scenario=zoned,
        zones=gpd.GeoDataFrame(),
        settings={**plan.settings, "zoning_settings": asdict(settings)},
        zoning=result,
        **empty,
    )
    new.zones = zone_layer(new)
    return new


def schedule_plan(
    plan: Plan, scenario: Scenario, settings: ScheduleSettings, job: Job = Job()
) -> Plan:
    """Re-schedule the joint visits of ``scenario`` within ``plan``'s zones.

    The GUI's 排程 job: ``scenario`` is ``plan``'s with the run's horizon;
    when that horizon differs, due items, workloads and the zones layer are
    recomputed first.
    """
    from planning.scheduling import schedule

    base = replace(plan, scenario=scenario, zones=plan.zones.copy())
    if scenario.horizon != plan.scenario.horizon:
        base = replace(base, scenario=prepare(scenario))
        base.zones = zone_layer(base)
    result = schedule(base.scenario, settings, job.progress, job.cancel)
    return replace(
        base,
        visits=result.visits,
        routes=result.routes,
        unscheduled=result.unscheduled,
        roster=result.roster,
        settings={**plan.settings, "schedule_settings": asdict(settings)},
    )


def plan_with_scenario(plan: Plan, scenario: Scenario) -> Plan:
    """``plan`` over a changed scenario (an imported layer): workloads and
    zones recomputed, schedule kept (the GUI marks it out of date when the
    layer affects it). The zoning result no longer applies, so contiguity is
    judged by the default islands."""
    prepared = prepare(scenario)
    if "squad_id" not in prepared.cells:
        prepared.cells["squad_id"] = None
    new = replace(plan, scenario=prepared, zoning=None)
    new.zones = zone_layer(new)
    return new


def _roads(scenario: Scenario) -> RoadContext | None:
    """The scenario's road context (graph built once), ``None`` without roads."""
    from planning.roads.context import road_context

    return road_context(scenario)


def plan_from_schedule(
    scenario: Scenario, result: object, settings: dict | None = None
) -> Plan:
    """A plan from zoned cells and a :class:`~planning.scheduling.ScheduleResult`
    (the CLI's ``schedule`` step), zones drawn with the settings' nesting."""
    empty = gpd.GeoDataFrame()
    plan = Plan(
        scenario=scenario,
        zones=empty,
        visits=result.visits,  # type: ignore[attr-defined]
        routes=result.routes,  # type: ignore[attr-defined]
        unscheduled=result.unscheduled,  # type: ignore[attr-defined]
        roster=result.roster,  # type: ignore[attr-defined]
        settings=dict(settings or {}),
    )
    plan.zones = zone_layer(plan)
    return with_road_layers(plan)


@dataclass(frozen=True)
class PlanSummary:
    """What the CLI prints and the GUI shows after a run."""

    load_min: float
    load_mean: float
    load_max: float
    spread_pct: float
    contiguous: bool
    due_enterprises: int
    scheduled: int
    unscheduled: int
    reasons: dict[str, int]
    dept_inspections: int
    joint_visits: int
    travel_km: float
    travel_hours: float
    by_road: bool = False
    reach_shares: tuple[tuple[str, float], ...] = ()
    road_note: str = ""

    @property
    def visits_saved(self) -> int:
        """Department inspections merged away by 综合查一次."""
        return self.dept_inspections - self.joint_visits

    def lines(self) -> list[str]:
        """Human-readable lines (Chinese first, English after)."""
        out = [
            f"片区工作量 zone workload (min): min {self.load_min:,.0f} / "
            f"mean {self.load_mean:,.0f} / max {self.load_max:,.0f}; "
            f"spread (max deviation from staff-proportional target) "
            f"{self.spread_pct:.1f}%",
            f"片区连续 zones contiguous: {'y' if self.contiguous else 'n'}",
            f"综合查一次 joint visits scheduled {self.scheduled} / "
            f"unscheduled {self.unscheduled} (due enterprises {self.due_enterprises})",
        ]
        for reason, n in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            out.append(f"  未排 unscheduled x{n}: {reason}")
        out += [
            f"部门检查合并 inspections merged: {self.dept_inspections} department "
            f"inspections in {self.joint_visits} joint visits, "
            f"{self.visits_saved} visits saved",
            f"路程 travel: {self.travel_km:,.1f} km, {self.travel_hours:,.1f} h "
            f"({self.travel_basis})",
        ]
        if self.reach_shares:
            parts = ", ".join(f"{w} {share:.0%}" for w, share in self.reach_shares)
            out.append(f"5 分钟可达 within 5 min of a base by road: {parts}")
        if self.road_note:
            out.append(self.road_note)
        return out

    @property
    def travel_basis(self) -> str:
        """ "按道路计算 by road" or "直线估算 straight-line estimate"."""
        from planning.roads.context import travel_label

        return f"{travel_label(self.by_road)} {travel_label(self.by_road, 'en')}"


def _reason_kind(reason: str) -> str:
    """Group reasons by their headline (the Chinese part before " / ")."""
    if " / " in reason:
        return reason.split(" / ")[0].strip()
    return reason.split(":")[0].split("(")[0].strip()


def summarise(plan: Plan) -> PlanSummary:
    """Compute :class:`PlanSummary` from a plan's tables."""
    zones = plan.zones
    loads = zones["workload"].to_numpy(float) if len(zones) else np.zeros(1)
    targets = zones["target"].to_numpy(float) if len(zones) else np.ones(1)
    spread = (
        float(np.max(np.abs(loads - targets) / targets) * 100) if len(zones) else 0.0
    )
    due = plan.scenario.enterprises
    n_due = int((due["due_items"].fillna("") != "").sum()) if "due_items" in due else 0
    visits = plan.visits
    # plain ints: an empty pandas-3 string column would sum to ""
    depts = [
        len([d for d in str(s).split(";") if d])
        for s in visits["departments"].fillna("")
    ]
    reasons: dict[str, int] = {}
    for r in plan.unscheduled.get("reason", pd.Series(dtype=str)):
        key = _reason_kind(str(r))
        reasons[key] = reasons.get(key, 0) + 1
    routes = plan.routes
    return PlanSummary(
        load_min=float(loads.min()),
        load_mean=float(loads.mean()),
        load_max=float(loads.max()),
        spread_pct=spread,
        contiguous=bool(zones["contiguous"].astype(int).all()) if len(zones) else False,
        due_enterprises=n_due,
        scheduled=int(visits["enterprise_id"].nunique()),
        unscheduled=len(plan.unscheduled),
        reasons=reasons,
        dept_inspections=sum(depts),
        joint_visits=len(visits),
        travel_km=float(routes["km"].sum()) if len(routes) else 0.0,
        travel_hours=float(routes["travel_min"].sum()) / 60.0 if len(routes) else 0.0,
        **_travel_fields(plan.settings.get("travel_settings") or {}),
    )


def _travel_fields(travel: dict) -> dict:
    """PlanSummary's road fields from ``settings["travel_settings"]``."""
    shares = tuple(
        (str(r["what"]), float(r["share"]))
        for r in travel.get("reach_shares", [])
        if float(r.get("minutes", 5.0)) == 5.0
    )
    return {
        "by_road": bool(travel.get("by_road", False)),
        "reach_shares": shares,
        "road_note": str(travel.get("note", "")),
    }
