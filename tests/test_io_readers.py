"""Readers: real-world formats, encodings, CRSs and hostile archives."""

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from planning.io.coords import wgs84_to_bd09, wgs84_to_gcj02
from planning.io.errors import LayerImportError
from planning.io.readers import list_layers, read_layer
from planning.progress import Cancelled, CancelToken

CHANGSHAN = (118.3, 28.7, 118.75, 29.2)  # roughly 常山县, WGS84
NAMES = ["天马街道小吃店", "球川镇五金店", "辉埠镇石材厂"]
LON = np.array([118.52, 118.40, 118.61])
LAT = np.array([28.91, 28.80, 29.02])


def points(crs: str | int = 4326) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "风险": ["红", "黄", "绿"]},
        geometry=gpd.points_from_xy(LON, LAT),
        crs=4326,
    )
    return gdf.to_crs(crs)


def zip_dir(folder: Path, target: Path, pattern: str = "*") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.glob(pattern)):
            zf.write(p, p.name)
    return target


def codes(result_or_error) -> set[str]:
    return {i.code for i in result_or_error.issues}


def test_gbk_shapefile_zipped_with_cpg(tmp_path):
    src = tmp_path / "shp"
    src.mkdir()
    pyogrio.write_dataframe(points(), src / "企业.shp", encoding="GBK")
    assert (src / "企业.cpg").read_text().strip().upper() == "GBK"
    assert "天马".encode("gbk") in (src / "企业.dbf").read_bytes()
    z = zip_dir(src, tmp_path / "企业.zip")
    r = read_layer(z, lang="en")
    assert r.gdf["名称"].tolist() == NAMES
    assert r.gdf.crs.to_epsg() == 4326
    assert any("GBK" in m and ".cpg" in m for m in r.messages("en"))


def test_gbk_shapefile_without_cpg_is_detected(tmp_path):
    pyogrio.write_dataframe(points(), tmp_path / "e.shp", encoding="GBK")
    (tmp_path / "e.cpg").unlink()
    r = read_layer(tmp_path / "e.shp")
    assert r.gdf["名称"].tolist() == NAMES
    assert any("GB18030" in m and "自动识别" in m for m in r.messages())


def test_utf8_shapefile_with_a_wrong_cpg_is_read_right_and_warned(tmp_path):
    # (field names of <= 3 CJK characters: UTF-8 names are cut at 10 bytes)
    pyogrio.write_dataframe(points(), tmp_path / "e.shp", encoding="UTF-8")
    (tmp_path / "e.cpg").write_text("GBK")  # lies: the text is UTF-8
    r = read_layer(tmp_path / "e.shp")
    assert r.gdf["名称"].tolist() == NAMES
    assert "cpg_wrong" in codes(r)


def test_projected_shapefile_is_reprojected_from_prj(tmp_path):
    pyogrio.write_dataframe(points(4549), tmp_path / "e.shp", encoding="UTF-8")
    r = read_layer(tmp_path / "e.shp", lang="en")
    assert r.gdf.crs.to_epsg() == 4326
    assert np.allclose(r.gdf.geometry.x, LON, atol=1e-7)
    assert "reprojected" in codes(r)


def test_shapefile_without_prj_in_metres_needs_an_epsg(tmp_path):
    pyogrio.write_dataframe(points(4549), tmp_path / "e.shp", encoding="UTF-8")
    (tmp_path / "e.prj").unlink()
    with pytest.raises(LayerImportError) as err:
        read_layer(tmp_path / "e.shp", lang="en")
    assert "looks_projected" in codes(err.value)
    assert "EPSG" in str(err.value)
    r = read_layer(tmp_path / "e.shp", coords="EPSG:4549")
    assert np.allclose(r.gdf.geometry.y, LAT, atol=1e-7)


def test_bom_csv_with_gcj02_points_is_converted(tmp_path):
    glon, glat = wgs84_to_gcj02(LON, LAT)
    df = pd.DataFrame({"企业名称": NAMES, "经度": glon, "纬度": glat})
    path = tmp_path / "高德.csv"
    df.to_csv(path, index=False, encoding="utf-8-sig")
    r = read_layer(path, coords="gcj02", expected_bounds=CHANGSHAN)
    assert np.allclose(r.gdf.geometry.x, LON, atol=1e-8)
    assert np.allclose(r.gdf.geometry.y, LAT, atol=1e-8)
    assert r.gdf["企业名称"].tolist() == NAMES
    assert "经度" not in r.gdf.columns
    assert r.rows.tolist() == [2, 3, 4]
    assert {"datum_converted", "encoding_used"} <= codes(r)


def test_datum_named_in_headers_is_used_in_auto_mode(tmp_path):
    blon, blat = wgs84_to_bd09(LON, LAT)
    df = pd.DataFrame({"name": NAMES, "lng_bd09": blon, "lat_bd09": blat})
    df.to_csv(tmp_path / "b.csv", index=False)
    r = read_layer(tmp_path / "b.csv")
    assert np.allclose(r.gdf.geometry.x, LON, atol=1e-8)
    assert "datum_converted" in codes(r)


def test_gbk_csv_with_semicolons(tmp_path):
    df = pd.DataFrame({"名称": NAMES, "lon": LON, "lat": LAT})
    (tmp_path / "g.csv").write_bytes(df.to_csv(index=False, sep=";").encode("gbk"))
    r = read_layer(tmp_path / "g.csv")
    assert r.gdf["名称"].tolist() == NAMES
    assert np.allclose(r.gdf.geometry.x, LON)


def write_titled_xlsx(path: Path) -> None:
    """A register as bureaus send it: merged title rows above the header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws["A1"] = "常山县重点监管企业名录（2026年）"
    ws.merge_cells("A1:F1")
    ws["A2"] = "制表单位：常山县综合行政执法局"
    ws.merge_cells("A2:F2")
    ws.append(["企业编号", "企业名称", "风险等级", "信用等级", "经度", "纬度"])
    for i, (name, x, y) in enumerate(zip(NAMES, LON, LAT, strict=True)):
        ws.append([1001 + i, name, "红", "A", float(x), float(y)])
    wb.create_sheet("说明")["A1"] = "本表由系统导出"
    wb.save(path)


def test_xlsx_header_found_below_merged_title_rows(tmp_path):
    write_titled_xlsx(tmp_path / "名录.xlsx")
    r = read_layer(tmp_path / "名录.xlsx", lang="en")
    assert r.layer == "企业名录"
    assert r.gdf["企业名称"].tolist() == NAMES
    assert r.gdf["企业编号"].tolist() == ["1001", "1002", "1003"]  # ids stay text
    assert r.rows.tolist() == [4, 5, 6]  # as Excel numbers them
    assert np.allclose(r.gdf.geometry.x, LON)
    assert {"header_row", "sheet_chosen"} <= codes(r)
    assert "名录.xlsx, layer '企业名录': header found on row 3" in " ".join(
        r.messages("en")
    )
    assert list_layers(tmp_path / "名录.xlsx") == ["企业名录", "说明"]


def test_geopackage_with_two_layers_lists_them_when_ambiguous(tmp_path):
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(points(), path, layer="enterprises")
    pyogrio.write_dataframe(points().iloc[:1], path, layer="squads")
    with pytest.raises(LayerImportError) as err:
        read_layer(path, lang="en")
    assert "enterprises" in str(err.value) and "squads" in str(err.value)
    assert len(read_layer(path, layer="squads").gdf) == 1
    with pytest.raises(LayerImportError, match="nope"):
        read_layer(path, layer="nope")


def test_geojson_and_kml(tmp_path):
    pyogrio.write_dataframe(points(), tmp_path / "e.geojson", driver="GeoJSON")
    assert read_layer(tmp_path / "e.geojson").gdf["名称"].tolist() == NAMES
    pyogrio.write_dataframe(points()[["geometry"]], tmp_path / "e.kml", driver="KML")
    r = read_layer(tmp_path / "e.kml")
    assert np.allclose(r.gdf.geometry.x, LON)


def test_traversal_zip_is_refused_and_nothing_written_outside(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    z = work / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("ok.shp", b"x")
        zf.writestr("../../escaped.txt", b"pwned")
    before = {p for p in tmp_path.rglob("*")}
    with pytest.raises(LayerImportError) as err:
        read_layer(z, lang="en")
    assert "zip_unsafe_path" in codes(err.value)
    assert "../../escaped.txt" in str(err.value)
    assert {p for p in tmp_path.rglob("*")} == before
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_zip_bomb_is_refused_before_extracting(tmp_path):
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.dbf", b"\0" * (50 * 1024**2))  # ~1000:1
    with pytest.raises(LayerImportError) as err:
        read_layer(z)
    assert "zip_ratio" in codes(err.value)


def test_swapped_lon_lat_is_flagged(tmp_path):
    df = pd.DataFrame({"name": NAMES, "经度": LAT, "纬度": LON})
    df.to_csv(tmp_path / "s.csv", index=False)
    for bounds in (CHANGSHAN, None):  # without an extent: latitudes past 90°
        r = read_layer(tmp_path / "s.csv", expected_bounds=bounds, lang="en")
        assert not r.ok
        assert any("3 of 3" in m and "swapped" in m for m in r.messages("en"))


def test_bd09_read_as_wgs84_is_flagged_near_a_tight_extent(tmp_path):
    # points hugging the extent's edge: the BD-09 offset pushes them out
    lon = np.array([118.301, 118.302, 118.303])
    lat = np.array([28.701, 28.702, 28.703])
    blon, blat = wgs84_to_bd09(lon, lat)
    pd.DataFrame({"lon": blon, "lat": blat}).to_csv(tmp_path / "b.csv", index=False)
    box = (118.3, 28.7, 118.31, 28.71)
    r = read_layer(tmp_path / "b.csv", expected_bounds=box, margin=0, lang="en")
    assert not r.ok and any("BD-09" in m for m in r.messages("en"))
    r = read_layer(tmp_path / "b.csv", coords="bd09", expected_bounds=box, margin=0)
    assert r.ok
    assert np.allclose(r.gdf.geometry.x, lon, atol=1e-9)


def test_bad_coordinates_name_file_row_and_column(tmp_path):
    df = pd.DataFrame({"name": NAMES, "lon": ["118.5", "东经118", ""], "lat": LAT})
    df.to_csv(tmp_path / "bad.csv", index=False)
    r = read_layer(tmp_path / "bad.csv", lang="en")
    assert not r.ok
    msgs = r.messages("en")
    assert any(
        m.startswith("bad.csv, row 3, column 'lon'") and "东经118" in m for m in msgs
    )
    assert any(m.startswith("bad.csv, row 4, column 'lon'") for m in msgs)
    zh = r.messages()
    assert any(m.startswith("bad.csv，第 3 行，列「lon」") for m in zh)


def test_wkt_polygons_in_a_table(tmp_path):
    cell = shapely.box(118.5, 28.9, 118.51, 28.91)
    df = pd.DataFrame({"cell_id": ["C1", "C2"], "WKT": [cell.wkt, "POLYGON ((oops"]})
    df.to_csv(tmp_path / "cells.csv", index=False)
    r = read_layer(tmp_path / "cells.csv", lang="en")
    assert r.gdf.geometry.iloc[0].equals(cell)
    assert "bad_wkt" in codes(r)


def test_unknown_format_and_missing_file(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"x")
    with pytest.raises(LayerImportError, match=r"\.docx"):
        read_layer(tmp_path / "a.docx")
    with pytest.raises(LayerImportError, match="does not exist"):
        read_layer(tmp_path / "none.csv", lang="en")
    with pytest.raises(LayerImportError, match="EPSG:999999|epsg"):
        read_layer(tmp_path / "none.csv", coords="EPSG:999999", lang="en")


def test_large_csv_streams_in_chunks_with_progress_and_cancel(tmp_path):
    n = 120_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "事件编号": [f"H{i:06d}" for i in range(n)],
            "lon": rng.uniform(118.3, 118.7, n),
            "lat": rng.uniform(28.7, 29.1, n),
        }
    )
    df.to_csv(tmp_path / "big.csv", index=False)
    seen: list[float] = []
    r = read_layer(tmp_path / "big.csv", progress=lambda e: seen.append(e.fraction))
    assert len(r.gdf) == n and r.rows[-1] == n + 1
    assert len(seen) >= 4 and seen == sorted(seen) and seen[-1] == 1.0
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        read_layer(tmp_path / "big.csv", cancel=token)
