"""Importer: schema checks with located messages, all-or-nothing project saves."""

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from planning.io.errors import LayerImportError
from planning.io.importer import (
    import_into_project,
    import_layer,
    import_layer_with_report,
)
from planning.io.project import load_project, save_project
from planning.sample import build_sample


@pytest.fixture(scope="module")
def small():
    return build_sample(n_enterprises=200, n_events=200)


@pytest.fixture
def project(small, tmp_path):
    return save_project(tmp_path / "p.gpkg", small)


def hotspot_table(scenario, n=30) -> pd.DataFrame:
    h = scenario.hotspots.head(n)
    return pd.DataFrame(
        {
            "事件编号": [f"X{i:04d}" for i in range(len(h))],
            "事件类型": h["event_type"].to_numpy(),
            "发生时间": ["2026/11/3 8:15"] * len(h),
            "来源": "12345",
            "经度": h.geometry.x.to_numpy(),
            "纬度": h.geometry.y.to_numpy(),
        }
    )


def codes(issues) -> set[str]:
    return {i.code for i in issues}


def test_import_replaces_the_layer_in_a_saved_project(small, project, tmp_path):
    hotspot_table(small).to_csv(tmp_path / "事件.csv", index=False, encoding="gbk")
    report = import_into_project(project, tmp_path / "事件.csv", "hotspots", lang="en")
    assert report.rows == 30 and report.replaced == len(small.hotspots)
    assert report.layer == "hotspots"
    assert any("replaced" in m for m in report.messages("en"))
    scenario, _ = load_project(project)
    h = scenario.hotspots
    assert h["event_id"].tolist()[:2] == ["X0000", "X0001"]
    assert h["time"].iloc[0] == "2026-11-03T08:15"
    assert h["cell_id"].notna().all()
    assert set(h["cell_id"]) <= set(scenario.cells["cell_id"])
    assert h.crs.to_epsg() == 4326
    assert len(scenario.enterprises) == len(small.enterprises)  # others untouched


def test_failed_import_leaves_the_project_bytes_unchanged(small, project, tmp_path):
    df = hotspot_table(small, 5).astype({"经度": object})
    df.loc[1, "事件类型"] = "占道摆摊"  # not in the policy
    df.loc[2, "发生时间"] = "昨天下午"
    df.loc[3, "事件编号"] = "X0000"  # duplicate
    df.loc[4, "经度"] = "abc"
    df.to_csv(tmp_path / "bad.csv", index=False)
    before = project.read_bytes()
    with pytest.raises(LayerImportError) as err:
        import_into_project(project, tmp_path / "bad.csv", "hotspots", lang="en")
    assert project.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "p.gpkg"]
    msgs = err.value.problems
    # every message names the file, and row-level ones the row and column
    assert all(m.startswith("bad.csv") for m in msgs)
    assert any(
        "column 'event_type'" in m and "row 3" in m and "占道经营" in m for m in msgs
    )
    assert any(
        m.startswith("bad.csv, row 4 (event_id=X0002), column 'time'") for m in msgs
    )
    assert any("column 'event_id'" in m and "X0000" in m and "2, 5" in m for m in msgs)
    assert any(
        m.startswith("bad.csv, row 6, column '经度'") and "abc" in m for m in msgs
    )
    zh = LayerImportError(err.value.issues, "zh_CN").problems
    assert any(
        m.startswith("bad.csv，第 4 行（event_id=X0002），列「time」") for m in zh
    )


def test_enterprises_from_a_titled_xlsx_with_chinese_headers(small, tmp_path):
    e = small.enterprises.head(4)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "常山县市场主体名录"
    ws.merge_cells("A1:I1")
    ws.append([None] * 9)
    ws.append(
        ["统一社会信用代码", "企业名称", "行业类别", "风险等级", "信用等级"]
        + ["上次检查日期", "地址", "经度", "纬度"]
    )
    for k, (_, row) in enumerate(e.iterrows()):
        ws.append(
            [f"91330822MA{k:08d}", row["name"], "餐饮店", ["红", "黄", "绿", "红色"][k]]
            + ["A级", "2026-05-01", "示例路", row.geometry.x, row.geometry.y]
        )
    wb.save(tmp_path / "名录.xlsx")
    new, report = import_layer_with_report(small, tmp_path / "名录.xlsx", "enterprises")
    ent = new.enterprises
    assert ent["risk"].tolist() == ["red", "yellow", "green", "red"]
    assert ent["credit"].unique().tolist() == ["A"]
    assert ent["category"].unique().tolist() == ["restaurant"]
    assert '"SCJG-01": "2026-05-01"' in ent["last_inspected"].iloc[0]
    assert ent["enterprise_id"].iloc[0] == "91330822MA00000000"
    assert {"column_renamed", "values_mapped", "header_row"} <= codes(report.issues)
    assert len(small.enterprises) == 200  # the input scenario is not touched


def test_missing_and_misnamed_columns_are_suggested(small, tmp_path):
    e = small.enterprises.head(3)
    pd.DataFrame(
        {
            "enterprise_id": e["enterprise_id"],
            "name": e["name"],
            "category": e["category"],
            "risk_level": e["risk"],
            "lon": e.geometry.x,
            "lat": e.geometry.y,
        }
    ).to_csv(tmp_path / "e.csv", index=False)
    with pytest.raises(LayerImportError) as err:
        import_layer(small, tmp_path / "e.csv", "enterprises", lang="en")
    msgs = err.value.problems
    assert (
        "e.csv, column 'risk': required column is missing; did you mean 'risk_level'?"
        in msgs
    )
    assert any(
        m.startswith("e.csv, column 'credit': required column is missing") for m in msgs
    )


def test_bow_tie_cell_is_repaired_and_reported(small, tmp_path):
    cells = small.cells.iloc[[0, 500]].reset_index(drop=True)  # apart: no overlap
    x0, y0, x1, y1 = cells.geometry.iloc[0].bounds
    bow_tie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    cells.loc[0, "geometry"] = bow_tie
    assert not bow_tie.is_valid
    pyogrio.write_dataframe(cells, tmp_path / "cells.gpkg", layer="网格")
    new, report = import_layer_with_report(
        small, tmp_path / "cells.gpkg", "cells", lang="en"
    )
    assert new.cells.geometry.is_valid.all()
    repaired = [i for i in report.issues if i.code == "geometry_repaired"]
    assert len(repaired) == 1 and repaired[0].row == 1
    assert repaired[0].ident == f"cell_id={cells['cell_id'].iloc[0]}"
    assert "Self-intersection" in repaired[0].text("en")
    assert "cells_reassigned" in codes(report.issues)


def test_overlapping_cells_and_gaps_are_refused(small, tmp_path):
    cells = small.cells.copy()
    # shift a full interior cell half a width: an overlap, and a gap behind it
    area = cells.to_crs(4549).geometry.area
    touching = cells.geometry.apply(lambda g: g.buffer(1e-9).exterior.length) > 0
    full = np.flatnonzero((area > 0.999 * area.max()).to_numpy() & touching.to_numpy())
    k = int(full[len(full) // 2])
    x0, _, x1, _ = cells.geometry.iloc[k].bounds
    cells.loc[k, "geometry"] = shapely.affinity.translate(
        cells.geometry.iloc[k], (x1 - x0) / 2, 0
    )
    pyogrio.write_dataframe(cells, tmp_path / "cells.gpkg")
    with pytest.raises(LayerImportError) as err:
        import_layer(small, tmp_path / "cells.gpkg", "cells", lang="en")
    found = codes(err.value.issues)
    assert {"cells_overlap", "cells_gap"} <= found
    overlap = next(i for i in err.value.issues if i.code == "cells_overlap")
    assert overlap.row is not None and overlap.ident.startswith("cell_id=")


def test_geopackage_layer_named_like_the_kind_is_chosen(small, project, tmp_path):
    path = tmp_path / "county.gpkg"
    pyogrio.write_dataframe(small.towns, path, layer="towns")
    pyogrio.write_dataframe(small.squads.iloc[:3], path, layer="squads")
    report = import_into_project(project, path, "squads")
    assert report.rows == 3 and report.source_layer == "squads"
    report = import_into_project(project, path, "zones")  # zones: towns / 片区
    assert report.layer == "towns"
    scenario, _ = load_project(project)
    assert len(scenario.squads) == 3
    assert set(scenario.towns.geometry.geom_type) == {"MultiPolygon"}


@pytest.mark.parametrize("staff", ["-3", "1.5", "inf", "1e30", "9" * 25])
def test_squad_staff_must_be_positive_whole_numbers(small, tmp_path, staff):
    """A typo in 人数 is named by row and column, never a crash (inf and
    huge numbers once overflowed the integer cast)."""
    s = small.squads.copy()
    s = s.rename(columns={"squad_id": "中队编号", "name": "中队名称", "staff": "人数"})
    s["人数"] = s["人数"].astype(str)
    s.loc[1, "人数"] = staff
    pyogrio.write_dataframe(s, tmp_path / "squads.geojson", driver="GeoJSON")
    with pytest.raises(LayerImportError) as err:
        import_layer(small, tmp_path / "squads.geojson", "squads", lang="en")
    assert any(
        m.startswith("squads.geojson, row 2 (squad_id=SQ02), column 'staff'")
        for m in err.value.problems
    )


def test_unknown_kind_and_unreadable_project(small, project, tmp_path):
    with pytest.raises(LayerImportError, match="roads"):
        import_layer(small, tmp_path / "x.csv", "roads", lang="en")
    (tmp_path / "junk.gpkg").write_bytes(b"not a geopackage")
    with pytest.raises(LayerImportError, match="junk.gpkg"):
        import_into_project(tmp_path / "junk.gpkg", tmp_path / "x.csv", "hotspots")


def test_foreign_layers_survive_an_import(small, project, tmp_path):
    pyogrio.write_dataframe(small.squads, project, layer="my_notes", append=False)
    hotspot_table(small).to_csv(tmp_path / "h.csv", index=False)
    import_into_project(project, tmp_path / "h.csv", "hotspots")
    kept = pyogrio.read_dataframe(project, layer="my_notes")
    assert kept["squad_id"].tolist() == small.squads["squad_id"].tolist()
