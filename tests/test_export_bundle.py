"""export_plan: every field file in one call, per squad and per squad-day."""

from maps.export.bundle import export_plan
from tests.helpers.export_plan import make_plan


def test_export_all_kinds_and_one_map_per_squad_day(tmp_path):
    plan = make_plan()
    written = export_plan(plan, tmp_path, per_day=True)
    assert set(written) == {"gpkg", "maps", "xlsx", "pdf", "nav", "summary"}
    days = plan.visits.groupby("squad_id")["day"].unique()
    for squad_id, squad_days in days.items():
        assert (tmp_path / "maps" / f"{squad_id}.html").exists()
        for day in squad_days:
            page = tmp_path / "maps" / squad_id / f"{day}.html"
            html = page.read_text(encoding="utf-8")
            # that day's route is on the page, no other day's route is
            for route_id, route_day, route_squad in plan.routes[
                ["route_id", "day", "squad_id"]
            ].itertuples(index=False):
                if route_squad == squad_id:
                    assert (route_id in html) == (route_day == day)
    assert not (tmp_path / "maps" / ".day").exists()


def test_export_one_squad_only(tmp_path):
    plan = make_plan()
    squad = str(plan.scenario.squads["squad_id"].iloc[0])
    written = export_plan(plan, tmp_path, squad_id=squad)
    assert [p.name for p in written["maps"]] == [f"{squad}.html"]
    assert all(squad in p.name for p in written["pdf"])


def test_osm_basemap_is_opt_in(tmp_path):
    plan = make_plan()
    export_plan(plan, tmp_path / "plain")
    export_plan(plan, tmp_path / "osm", basemap="osm")
    squad = str(plan.scenario.squads["squad_id"].iloc[0])
    plain = (tmp_path / "plain" / "maps" / f"{squad}.html").read_text("utf-8")
    osm = (tmp_path / "osm" / "maps" / f"{squad}.html").read_text("utf-8")
    assert "tile.openstreetmap.org" not in plain
    assert "tile.openstreetmap.org" in osm


def test_day_map_shows_only_that_weekdays_patrols():
    from datetime import date

    from maps.export.bundle import day_plan

    plan = make_plan()
    seen = 0
    for day in sorted(set(plan.visits["day"].astype(str))):
        one = day_plan(plan, day)
        weekday = date.fromisoformat(day).isoweekday()
        assert set(one.patrols["day"].astype(int)) <= {weekday}
        assert set(one.patrol_points["loop_id"]) <= set(one.patrols["loop_id"])
        seen += len(one.patrols)
    assert seen > 0  # at least one visit day has a patrol weekday
