"""The bundled sample county: deterministic, valid, labelled synthetic."""

from datetime import datetime, timedelta

import pandas as pd
import pytest

from planning.model import validate_scenario
from planning.sample import build_sample, county_outline


def test_sample_is_valid_and_sized_like_the_issue(sample):
    validate_scenario(sample)
    assert 4000 <= len(sample.cells) <= 5000
    assert sample.towns["town_id"].nunique() == 14
    assert sample.towns["area_id"].nunique() == 7
    assert len(sample.squads) == 7
    # one squad per 片区, its base inside that 片区
    assert set(sample.squads["area_id"]) == set(sample.towns["area_id"])
    for squad in sample.squads.itertuples():
        area = sample.towns[sample.towns["area_id"] == squad.area_id].union_all()
        assert area.buffer(1e-6).contains(squad.geometry)
    assert len(sample.enterprises) == 3000
    assert 4500 <= len(sample.hotspots) <= 5000
    assert len(sample.policy.departments) >= 5


def test_sample_is_deterministic():
    a = build_sample(n_enterprises=200, n_events=200)
    b = build_sample(n_enterprises=200, n_events=200)
    pd.testing.assert_frame_equal(
        a.enterprises.drop(columns="geometry"), b.enterprises.drop(columns="geometry")
    )
    assert a.enterprises.geometry.equals(b.enterprises.geometry)
    assert a.cells.geometry.equals(b.cells.geometry)
    assert a.hotspots["time"].tolist() == b.hotspots["time"].tolist()


def test_everything_generated_is_labelled_synthetic(sample):
    assert sample.synthetic
    assert "synthetic" in sample.name
    for layer in (
        sample.cells,
        sample.towns,
        sample.squads,
        sample.enterprises,
        sample.hotspots,
    ):
        assert (layer["synthetic"] == 1).all()


def test_cells_cover_the_real_outline(sample):
    outline = county_outline("常山县").to_crs(4548)
    cells = sample.cells.to_crs(4548)
    covered = cells.geometry.area.sum() / outline.geometry.area.sum()
    assert 0.97 <= covered <= 1.0001
    assert (
        not cells.geometry.union_all()
        .difference(outline.geometry.union_all().buffer(1))
        .area
        > 1.0
    )


def test_points_fall_inside_the_county_and_events_in_the_last_8_weeks(sample):
    shape = sample.cells.union_all().buffer(1e-4)
    assert sample.enterprises.within(shape).all()
    assert sample.hotspots.within(shape).all()
    times = pd.to_datetime(sample.hotspots["time"])
    start = datetime.combine(sample.horizon.start, datetime.min.time())
    assert times.max() < start
    assert times.min() >= start - timedelta(weeks=8)
    # enterprises are denser in town centres (urban cells) than in the country
    urban = sample.cells[sample.cells["land_use"] == "urban"]["cell_id"]
    share = sample.enterprises["cell_id"].isin(urban).mean()
    assert share > 3 * len(urban) / len(sample.cells)


@pytest.mark.timeout(120)
def test_a_small_district_gets_its_fourteen_towns():
    """滨江 is too small for 14 towns 4.5 km apart: the sample still builds
    (it used to loop for ever) and every town holds cells."""
    small = build_sample(district="滨江区")
    validate_scenario(small)
    assert len(small.towns) == 14
    assert small.cells["town_id"].nunique() == 14
