"""Two plans side by side, and the rebalance / compare commands end to end."""

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from maps.export.compare import comparison_page, export_comparison
from planning.compare import CompareError, compare_files

ROOT = Path(__file__).resolve().parent.parent
METRIC = "EPSG:4549"
X0, Y0, SIZE, N = 500_000.0, 3_340_000.0, 500.0, 8


def _zoning(moved: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """8 x 8 cells, workload 10 + column index, four quadrant zones; ``moved``
    overrides some cells' squad."""
    xs, ys = np.meshgrid(X0 + SIZE * np.arange(N), Y0 + SIZE * np.arange(N))
    boxes = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + SIZE, ys.ravel() + SIZE)
    i, j = np.tile(np.arange(N), N), np.repeat(np.arange(N), N)
    sq = np.where(i < 4, np.where(j < 4, "A", "B"), np.where(j < 4, "C", "D"))
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [f"c{k:02d}" for k in range(N * N)],
            "squad_id": sq,
            "workload": 10.0 + i,
            "land_use": "urban",
        },
        geometry=boxes,
        crs=METRIC,
    )
    for cid, s in (moved or {}).items():
        cells.loc[cells["cell_id"] == cid, "squad_id"] = s
    return cells.to_crs(4326)


def _squads() -> gpd.GeoDataFrame:
    pts = [(1, 1), (1, 6), (6, 1), (6, 6)]
    return gpd.GeoDataFrame(
        {"squad_id": list("ABCD"), "name": ["甲", "乙", "丙", "丁"], "staff": 4},
        geometry=[
            shapely.Point(X0 + SIZE * (a + 0.5), Y0 + SIZE * (b + 0.5)) for a, b in pts
        ],
        crs=METRIC,
    ).to_crs(4326)


# cells c03 (col 3, row 0) and c11 (col 3, row 1) go from A to C, c24 (col 0,
# row 3) from A to B
MOVES = {"c03": "C", "c11": "C", "c24": "B"}


@pytest.fixture
def plans(tmp_path):
    a, b = tmp_path / "today.gpkg", tmp_path / "new.gpkg"
    pyogrio.write_dataframe(_zoning(), a, layer="cells")
    pyogrio.write_dataframe(_squads(), a, layer="squads")
    pyogrio.write_dataframe(_zoning(MOVES), b, layer="cells")
    visits = pd.DataFrame(
        {
            "visit_id": ["v1", "v2", "v3"],
            "squad_id": ["A", "A", "C"],
            "departments": ["scjg;sthj;xf", "scjg", "scjg;xf"],
        }
    )
    pyogrio.write_dataframe(visits, b, layer="visits")
    return a, b


def test_per_squad_rows_and_changed_cells(plans):
    c = compare_files(*plans)
    t = c.table.set_index("squad_id")
    # A: 16 cells, columns 0-3 -> workload 4 x (10+11+12+13) = 184
    assert t.loc["A", "cells_a"] == 16 and t.loc["A", "workload_a"] == 184
    # B loses c03 and c11 (column 3: 13 each) and c24 (column 0: 10)
    assert t.loc["A", "cells_b"] == 13 and t.loc["A", "workload_b"] == 184 - 36
    assert (
        t.loc["C", "cells_b"] == 18
        and t.loc["C", "workload_b"] == t.loc["C", "workload_a"] + 26
    )
    assert t.loc["B", "workload_change"] == 10
    assert t["target_a"].tolist() == pytest.approx([t["workload_a"].sum() / 4] * 4)
    assert set(c.changes["cell_id"]) == set(MOVES)
    row = c.changes.set_index("cell_id").loc["c24"]
    assert (row["from_squad"], row["to_squad"]) == ("A", "B")
    # visits only in B: saved as the plan summary counts them
    assert t.loc["A", "visits_b"] == 2 and t.loc["A", "visits_saved_b"] == 2
    assert t.loc["C", "visits_saved_b"] == 1 and "visits_a" not in t
    assert c.contiguous_a and c.contiguous_b
    assert any("3" in line and "changing hands" in line for line in c.headline())


def test_exports_reopen_with_the_rows(plans, tmp_path):
    c = compare_files(*plans)
    written = export_comparison(c, tmp_path / "out")
    wb = openpyxl.load_workbook(written[0])
    rows = list(wb["对比"].values)
    header = next(r for r in rows if r and r[0] == "中队编号 / squad")
    body = rows[rows.index(header) + 1 :]
    assert [r[0] for r in body] == ["A", "B", "C", "D"]
    cells_b = header.index("网格数 B / cells B")
    assert [r[cells_b] for r in body] == [13, 17, 18, 16]
    moved = list(wb["易手网格"].values)[1:]
    assert sorted(r[0] for r in moved) == sorted(MOVES)
    page = written[1].read_text(encoding="utf-8")
    # offline: nothing loaded from elsewhere, and the page says so to the browser
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page, re.IGNORECASE)
    assert not [t for t in tags if re.search(r"(src|href)\s*=", t)]
    assert "default-src 'none'" in page
    assert "c24" in page and "A → B" in page
    assert len(gpd.read_file(written[2])) == 3


def test_plans_on_different_grids_are_refused(plans, tmp_path):
    other = tmp_path / "other.gpkg"
    cells = _zoning()
    cells["cell_id"] = "x" + cells["cell_id"]
    pyogrio.write_dataframe(cells, other, layer="cells")
    with pytest.raises(CompareError, match="share a grid"):
        compare_files(plans[0], other)


def test_page_draws_offline_in_a_real_browser_engine(plans, tmp_path, qtbot):
    """The page draws in QtWebEngine with no network: Leaflet is there, the
    map is drawn, every changed cell is in its layer, no console error."""
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from tests.helpers.webengine import load_html_in_webengine

    comparison = compare_files(*plans)
    probe = """(function () {
      var d = JSON.parse(document.getElementById('compare-data').textContent);
      return JSON.stringify({typeofL: typeof L,
        panes: document.querySelectorAll('.leaflet-pane').length,
        changed: d.changes.features.map(function (f) {
          return f.properties.cell; }).sort(),
        headline: document.querySelectorAll('#headline li').length});
    })()"""
    messages, r = load_html_in_webengine(
        qtbot, comparison_page(comparison), tmp_path, probe
    )
    assert messages == []
    assert r["typeofL"] == "object" and r["panes"] > 0
    assert r["changed"] == sorted(MOVES)
    assert r["headline"] > 0


def test_rebalance_then_compare_from_the_command_line(tmp_path):
    cells = _zoning()
    # the south-west zone twice as busy: today is far off balance
    sw = cells["squad_id"] == "A"
    cells.loc[sw, "workload"] *= 2
    cells = cells.rename(columns={"squad_id": "所属中队"})
    cells["所属中队"] = cells["所属中队"].map(
        dict(zip("ABCD", ["甲", "乙", "丙", "丁"], strict=True))
    )
    cpath, spath = tmp_path / "cells.gpkg", tmp_path / "squads.geojson"
    pyogrio.write_dataframe(cells, cpath)
    pyogrio.write_dataframe(_squads(), spath, driver="GeoJSON")
    out = tmp_path / "rebalanced.gpkg"
    run = subprocess.run(
        [sys.executable, "main.py", "rebalance", str(cpath), str(spath), "--out",
         str(out), "--tolerance", "0.1", "--time-limit", "20", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "所属中队" in run.stdout and "lower bound" in run.stdout
    assert "trade-off" in run.stdout
    new = pyogrio.read_dataframe(out, layer="cells")
    moved = new[new["moved"] == 1]
    assert len(moved) > 0 and (moved["today_squad_id"] == "A").any()
    table = pyogrio.read_dataframe(out, layer="tradeoff")
    assert table["tolerance_pct"].tolist() == [20.0, 10.0, 5.0, 2.0]
    today = tmp_path / "today.gpkg"
    pyogrio.write_dataframe(
        cells.rename(columns={"所属中队": "squad_id"}).assign(
            squad_id=lambda f: f["squad_id"].map(
                dict(zip(["甲", "乙", "丙", "丁"], "ABCD", strict=True))
            )
        ),
        today,
        layer="cells",
    )
    cmp = subprocess.run(
        [sys.executable, "main.py", "compare", str(today), str(out), "--out",
         str(tmp_path / "cmp"), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert cmp.returncode == 0, cmp.stderr[-2000:]
    assert f"cells changing hands: {len(moved)}" in cmp.stdout
    assert (tmp_path / "cmp" / "compare.xlsx").exists()


def test_per_squad_contiguity_in_table_and_exports(plans, tmp_path):
    a, _ = plans
    # c63 (col 7, row 7, in D's corner) handed to A: A now has a piece apart
    cut = tmp_path / "cut.gpkg"
    pyogrio.write_dataframe(_zoning({"c63": "A"}), cut, layer="cells")
    c = compare_files(a, cut)
    t = c.table.set_index("squad_id")
    assert t["contiguous_a"].all()
    assert list(t.index[~t["contiguous_b"]]) == ["A"]
    assert not c.contiguous_b
    written = export_comparison(c, tmp_path / "out")
    xlsx = next(p for p in written if p.suffix == ".xlsx")
    sheet = openpyxl.load_workbook(xlsx)["对比"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "中队编号 / squad")
    col = header.index("连续 B / contiguous B")
    row_a = next(r for r in rows if r and r[0] == "A")
    assert row_a[col] == "否 no"
