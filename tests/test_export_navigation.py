"""KML / GPX route files: structure, order, coordinates, links, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from maps.export.navigation import write_navigation
from planning.io.coords import wgs84_to_bd09, wgs84_to_gcj02
from tests.helpers.export_plan import (
    AMP_ADDRESS,
    BASES,
    ENTERPRISES,
    PATROLS,
    VISITS,
    XSS,
    make_plan,
)

K = "{http://www.opengis.net/kml/2.2}"
G = "{http://www.topografix.com/GPX/1/1}"
NAMES = {e[0]: e[1] for e in ENTERPRISES}
XY = {e[0]: (e[4], e[5]) for e in ENTERPRISES}


def _expected(sid: str, day: str, team: int) -> list[str]:
    rows = sorted((v[4], v[0]) for v in VISITS if v[1:4] == (sid, team, day))
    return [eid for _, eid in rows]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("nav")
    return {p.name: p for p in write_navigation(make_plan(), out)}


def test_files_written(files: dict[str, Path]) -> None:
    assert set(files) == {
        "SQ01.kml",
        "SQ01_2026-12-01.gpx",
        "SQ01_2026-12-02.gpx",
        "SQ01_patrols.gpx",
        "SQ02.kml",
    }


def _link(text: str, prefix: str) -> str:
    start = text.index(prefix)
    return text[start : text.index('"', start)]


def test_kml_folders_stops_and_route(files: dict[str, Path]) -> None:
    root = ET.parse(files["SQ01.kml"]).getroot()
    doc = root.find(f"{K}Document")
    days = [
        f for f in doc.findall(f"{K}Folder") if f.findtext(f"{K}name") != "巡查路线"
    ]
    assert [d.findtext(f"{K}name") for d in days] == [
        "2026-12-01 周二",
        "2026-12-02 周三",
    ]
    for folder, day in zip(days, ["2026-12-01", "2026-12-02"], strict=True):
        for tf in folder.findall(f"{K}Folder"):
            team = int(tf.findtext(f"{K}name").strip("第组"))
            marks = tf.findall(f"{K}Placemark")
            stops = [m for m in marks if m.find(f"{K}Point") is not None]
            want = _expected("SQ01", day, team)
            assert [m.findtext(f"{K}name") for m in stops] == [
                f"{n}. {NAMES[eid]}" for n, eid in enumerate(want, start=1)
            ]
            for m, eid in zip(stops, want, strict=True):
                lon, lat, _ = map(
                    float, m.findtext(f"{K}Point/{K}coordinates").split(",")
                )
                assert (lon, lat) == pytest.approx(XY[eid], abs=1e-6)
                desc = m.findtext(f"{K}description")
                assert "☐" in desc and "到达" in desc
                # 高德 link with GCJ-02 coordinates
                amap = urlsplit(
                    _link(desc, "https://uri.amap.com/marker?").replace("&amp;", "&")
                )
                q = parse_qs(amap.query)
                glon, glat = wgs84_to_gcj02(*XY[eid])
                got = [float(x) for x in q["position"][0].split(",")]
                assert got == pytest.approx([float(glon), float(glat)], abs=2e-6)
                assert got != pytest.approx(list(XY[eid]), abs=1e-4)  # really shifted
                assert q["coordinate"] == ["gaode"]
                # 百度 link with BD-09 coordinates, lat first
                bd = urlsplit(
                    _link(desc, "baidumap://map/marker?").replace("&amp;", "&")
                )
                q = parse_qs(bd.query)
                blon, blat = wgs84_to_bd09(*XY[eid])
                got = [float(x) for x in q["location"][0].split(",")]
                assert got == pytest.approx([float(blat), float(blon)], abs=2e-6)
                assert q["coord_type"] == ["bd09ll"] and q["title"] == [NAMES[eid]]
            lines = [m for m in marks if m.find(f"{K}LineString") is not None]
            assert len(lines) == 1
            coords = lines[0].findtext(f"{K}LineString/{K}coordinates").split()
            pts = [tuple(map(float, c.split(",")[:2])) for c in coords]
            np.testing.assert_allclose(pts[1:-1], [XY[e] for e in want], atol=1e-6)
    assert doc.findtext(f"{K}name").endswith("示例数据 (synthetic)")


def test_kml_escapes_html_and_xml(files: dict[str, Path]) -> None:
    raw = files["SQ01.kml"].read_text(encoding="utf-8")
    assert "<script>" not in raw
    root = ET.parse(files["SQ01.kml"]).getroot()
    marks = {m.findtext(f"{K}name"): m for m in root.iter(f"{K}Placemark")}
    xss = marks[f"2. {XSS}"]  # the name is plain text, XML-escaped once
    desc = xss.findtext(f"{K}description")  # the balloon is HTML: escaped again
    assert "<script>" not in desc and "&lt;script&gt;" in desc
    amp = marks["3. 紫港便民超市"].findtext(f"{K}description")
    assert "A&amp;B路&lt;1&gt;号" in amp  # address escaped inside the HTML balloon


def test_gpx_waypoints_routes_tracks(files: dict[str, Path]) -> None:
    for day in ("2026-12-01", "2026-12-02"):
        root = ET.parse(files[f"SQ01_{day}.gpx"]).getroot()
        assert root.tag == f"{G}gpx" and root.get("version") == "1.1"
        teams = sorted({v[2] for v in VISITS if v[1] == "SQ01" and v[3] == day})
        want = [eid for t in teams for eid in _expected("SQ01", day, t)]
        wpts = root.findall(f"{G}wpt")
        assert len(wpts) == len(want)
        for w, eid in zip(wpts, want, strict=True):
            assert (float(w.get("lon")), float(w.get("lat"))) == pytest.approx(
                XY[eid], abs=1e-6
            )
            assert w.findtext(f"{G}name").endswith(f". {NAMES[eid]}")
            links = [lk.get("href") for lk in w.findall(f"{G}link")]
            assert links[0].startswith("https://uri.amap.com/marker?position=")
            assert links[1].startswith("baidumap://map/marker?location=")
            glon, glat = np.round(wgs84_to_gcj02(*XY[eid]), 6)
            assert f"position={glon:.6f},{glat:.6f}" in links[0]
            blon, blat = np.round(wgs84_to_bd09(*XY[eid]), 6)
            assert f"location={blat:.6f},{blon:.6f}" in links[1]
        rtes = root.findall(f"{G}rte")
        trks = root.findall(f"{G}trk")
        assert len(rtes) == len(teams) == len(trks)
        for rte, team in zip(rtes, teams, strict=True):
            got = [
                (float(p.get("lon")), float(p.get("lat")))
                for p in rte.findall(f"{G}rtept")
            ]
            np.testing.assert_allclose(
                got, [XY[e] for e in _expected("SQ01", day, team)]
            )
        # child order required by the GPX 1.1 schema
        tags = [c.tag.removeprefix(G) for c in root]
        assert tags == sorted(tags, key=["metadata", "wpt", "rte", "trk"].index)
    raw = files["SQ01_2026-12-01.gpx"].read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert "A&amp;B路&lt;1&gt;号" in raw  # AMP_ADDRESS escaped in desc
    root = ET.parse(files["SQ01_2026-12-01.gpx"]).getroot()
    descs = [w.findtext(f"{G}desc") for w in root.findall(f"{G}wpt")]
    assert any(AMP_ADDRESS in d for d in descs)
    assert XSS in [
        w.findtext(f"{G}name").split(". ", 1)[1] for w in root.findall(f"{G}wpt")
    ]


def test_single_squad(tmp_path: Path) -> None:
    paths = write_navigation(make_plan(), tmp_path, squad_id="SQ02")
    assert [p.name for p in paths] == ["SQ02.kml"]
    root = ET.parse(paths[0]).getroot()
    assert root.find(f"{K}Document/{K}Folder") is None  # no visits, no day folders
    with pytest.raises(ValueError):
        write_navigation(make_plan(), tmp_path, squad_id="nope")


WEEKDAY = {1: "周一", 3: "周三"}


def _patrol_points(pts: list[tuple]) -> list[tuple]:
    return sorted(pts)  # by seq


def test_kml_patrol_folder(files: dict[str, Path]) -> None:
    doc = ET.parse(files["SQ01.kml"]).getroot().find(f"{K}Document")
    folders = [
        f for f in doc.findall(f"{K}Folder") if f.findtext(f"{K}name") == "巡查路线"
    ]
    assert len(folders) == 1
    top = folders[0]
    days = top.findall(f"{K}Folder")
    assert [d.findtext(f"{K}name") for d in days] == ["周一", "周三"]
    loops = [lf for d in days for lf in d.findall(f"{K}Folder")]
    assert len(loops) == len(PATROLS) == 2
    for lf, (_, sid, day, window, _, _, pts) in zip(loops, PATROLS, strict=True):
        assert lf.findtext(f"{K}name") == f"巡查 {WEEKDAY[day]} {window}"
        marks = lf.findall(f"{K}Placemark")
        points = [m for m in marks if m.find(f"{K}Point") is not None]
        want = _patrol_points(pts)
        assert [m.findtext(f"{K}name") for m in points] == [
            f"{seq}. {cell} " + "、".join(types.split(";")[:3])
            for seq, cell, _, types, *_ in want
        ]
        got = [
            tuple(map(float, m.findtext(f"{K}Point/{K}coordinates").split(",")[:2]))
            for m in points
        ]
        np.testing.assert_allclose(got, [(p[5], p[6]) for p in want], atol=1e-6)
        for m in points:
            desc = m.findtext(f"{K}description")
            assert window in desc and WEEKDAY[day] in desc
            assert "https://uri.amap.com/marker?" in desc
            assert "<script>" not in desc  # the XSS event type is escaped
        lines = [m for m in marks if m.find(f"{K}LineString") is not None]
        assert len(lines) == 1
        coords = lines[0].findtext(f"{K}LineString/{K}coordinates").split()
        line = [tuple(map(float, c.split(",")[:2])) for c in coords]
        np.testing.assert_allclose(line[0], BASES[sid], atol=1e-6)
        np.testing.assert_allclose(line[-1], BASES[sid], atol=1e-6)
        np.testing.assert_allclose(line[1:-1], [(p[5], p[6]) for p in want], atol=1e-6)


def test_gpx_patrol_routes(files: dict[str, Path]) -> None:
    root = ET.parse(files["SQ01_patrols.gpx"]).getroot()
    assert root.tag == f"{G}gpx" and root.get("version") == "1.1"
    rtes = root.findall(f"{G}rte")
    assert [r.findtext(f"{G}name") for r in rtes] == [
        f"巡查 {WEEKDAY[p[2]]} {p[3]}" for p in PATROLS
    ]
    assert [r.findtext(f"{G}name") for r in rtes][0] == "巡查 周一 07:00-09:00"
    for rte, (*_, pts) in zip(rtes, PATROLS, strict=True):
        want = _patrol_points(pts)
        rpts = rte.findall(f"{G}rtept")
        assert [p.findtext(f"{G}name").split(". ")[0] for p in rpts] == [
            str(p[0]) for p in want
        ]
        got = [(float(p.get("lon")), float(p.get("lat"))) for p in rpts]
        np.testing.assert_allclose(got, [(p[5], p[6]) for p in want], atol=1e-6)
    raw = files["SQ01_patrols.gpx"].read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    tags = [c.tag.removeprefix(G) for c in root]
    assert tags == ["metadata", "rte", "rte"]


def test_plan_without_patrols_writes_as_before(tmp_path: Path) -> None:
    plan = make_plan(patrols=False)
    none = write_navigation(plan, tmp_path / "none")
    assert [p.name for p in none] == [
        "SQ01.kml",
        "SQ01_2026-12-01.gpx",
        "SQ01_2026-12-02.gpx",
        "SQ02.kml",
    ]
    assert "巡查" not in (tmp_path / "none" / "SQ01.kml").read_text(encoding="utf-8")
    empty = make_plan()
    empty.patrols = empty.patrols.iloc[0:0]
    empty.patrol_points = empty.patrol_points.iloc[0:0]
    other = write_navigation(empty, tmp_path / "empty")
    assert [p.read_bytes() for p in other] == [p.read_bytes() for p in none]
