"""Hostile and broken input: readers and importer fail only with their own error."""

import io
import os
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.io.errors import LayerImportError
from planning.io.importer import import_layer
from planning.io.readers import ReadResult, read_layer
from planning.sample import build_sample

# FUZZ_EXAMPLES=2000 pytest tests/test_io_fuzz.py for a long run
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SUFFIXES = [".csv", ".xlsx", ".zip", ".gpkg", ".geojson", ".shp", ".kml", ".txt"]


def _valid_files() -> dict[str, bytes]:
    """Small valid files of each format, to truncate and corrupt."""
    gdf = gpd.GeoDataFrame(
        {"名称": ["甲", "乙"], "risk": ["红", "绿"]},
        geometry=gpd.points_from_xy([118.5, 118.6], [28.9, 29.0]),
        crs=4326,
    )
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        pyogrio.write_dataframe(gdf, d / "a.gpkg")
        pyogrio.write_dataframe(gdf, d / "a.geojson", driver="GeoJSON")
        pyogrio.write_dataframe(gdf, d / "a.shp", encoding="GBK")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in d.glob("a.*"):
                if p.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                    zf.write(p, p.name)
        out[".zip"] = buf.getvalue()
        wb = openpyxl.Workbook()
        wb.active.append(["名称", "经度", "纬度"])
        wb.active.append(["甲", 118.5, 28.9])
        wb.save(d / "a.xlsx")
        for suffix in (".gpkg", ".geojson", ".xlsx"):
            out[suffix] = (d / f"a{suffix}").read_bytes()
    out[".csv"] = "名称,经度,纬度\n甲,118.5,28.9\n乙,118.6,29.0\n".encode("gbk")
    return out


VALID = _valid_files()


def _read(path: Path, **kwargs) -> None:
    try:
        result = read_layer(path, lang="en", **kwargs)
    except LayerImportError as exc:
        assert exc.problems and all(p.startswith(path.name) for p in exc.problems)
        return
    assert isinstance(result, ReadResult)
    assert result.gdf.crs.to_epsg() == 4326


@FUZZ
@given(st.sampled_from(SUFFIXES), st.binary(max_size=4096))
def test_random_bytes(tmp_path, suffix, data):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    _read(path)


@FUZZ
@given(st.sampled_from(sorted(VALID)), st.floats(0.0, 1.0), st.binary(max_size=64))
def test_truncated_and_corrupted_files(tmp_path, suffix, cut, noise):
    good = VALID[suffix]
    k = int(len(good) * cut)
    path = tmp_path / f"t{suffix}"
    path.write_bytes(good[:k] + noise)
    _read(path)


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e400", "", " ", "经度", "\x00"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.just("x" * 200_000),  # a huge field
)


@FUZZ
@given(
    st.lists(st.tuples(CELL, CELL, CELL), max_size=6),
    st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16", "latin-1"]),
    st.sampled_from([",", ";", "\t"]),
)
def test_csv_with_wild_values_and_encodings(tmp_path, rows, encoding, sep):
    text = sep.join(["名称", "经度", "纬度"]) + "\n"
    text += "\n".join(sep.join(r) for r in rows)
    path = tmp_path / "w.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _read(path, expected_bounds=(118.0, 28.0, 119.0, 30.0))


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=5,
    )
)
def test_nan_and_inf_coordinates_in_a_geopackage(tmp_path, xy):
    arr = np.array(xy, dtype=float).reshape(-1, 2)
    gdf = gpd.GeoDataFrame(
        {"v": range(len(arr))}, geometry=gpd.points_from_xy(arr[:, 0], arr[:, 1])
    ).set_crs(4326)
    path = tmp_path / "n.gpkg"
    if path.exists():
        path.unlink()
    pyogrio.write_dataframe(gdf, path)
    _read(path)


@pytest.fixture(scope="module")
def scenario():
    return build_sample(n_enterprises=50, n_events=50)


VALUE = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats())


@FUZZ
@given(
    st.sampled_from(["cells", "zones", "squads", "enterprises", "hotspots"]),
    st.lists(
        st.fixed_dictionaries(
            {
                "编号": VALUE,
                "名称": VALUE,
                "风险等级": VALUE,
                "信用等级": VALUE,
                "事件类型": VALUE,
                "时间": VALUE,
                "人数": VALUE,
                "lon": st.floats(118.3, 118.7) | st.just(float("nan")),
                "lat": st.floats(28.7, 29.1),
            }
        ),
        max_size=5,
    ),
)
def test_importer_validation_on_junk_tables(tmp_path, scenario, kind, records):
    columns = ["编号", "名称", "风险等级", "信用等级", "事件类型", "时间", "人数"]
    df = pd.DataFrame(records, columns=[*columns, "lon", "lat"])
    path = tmp_path / "j.csv"
    df.to_csv(path, index=False)
    try:
        new = import_layer(scenario, path, kind, lang="en")
    except LayerImportError as exc:
        assert exc.problems
        return
    assert new is not scenario


def test_zero_row_layers_are_refused_clearly(tmp_path):
    (tmp_path / "h.csv").write_text("名称,经度,纬度\n", encoding="utf-8")
    r = read_layer(tmp_path / "h.csv", lang="en")
    assert not r.ok and "the layer has no features" in r.messages("en")[-1]
    empty = gpd.GeoDataFrame({"v": []}, geometry=[], crs=4326)
    pyogrio.write_dataframe(empty, tmp_path / "e.gpkg", layer="e")
    assert not read_layer(tmp_path / "e.gpkg").ok
