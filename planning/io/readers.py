"""Read the layers planners actually receive into WGS84 GeoDataFrames.

Bureaus hand over GeoPackages, GeoJSON, zipped Shapefiles written by Chinese
Windows GIS tools (GBK text, sometimes without a .cpg), spreadsheets with a
merged title above the header and lon/lat picked on 高德 or 百度 maps
(GCJ-02 / BD-09, ~500 m off), and layers in CGCS2000 Gauss-Kruger metres.
:func:`read_layer` turns each into a GeoDataFrame in EPSG:4326 and says what
it did and what looks wrong, so nothing is silently shifted, garbled or lost.

Reading is defensive: archives are checked for path traversal and zip bombs
before anything is written (and only into a temporary folder), tables are
read in chunks, nothing is ever evaluated or unpickled, and any failure of
the underlying libraries surfaces as :class:`LayerImportError` with a message
naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from planning.io.coords import bd09_to_wgs84, gcj02_to_wgs84
from planning.io.errors import (
    ERROR,
    INFO,
    WARNING,
    Findings,
    IssueLog,
    LayerImportError,
    Term,
)
from planning.model import WGS84
from planning.progress import Cancelled, CancelToken, ProgressEvent, ProgressFn

__all__ = [
    "COORDS",
    "SUPPORTED_SUFFIXES",
    "ReadResult",
    "list_layers",
    "read_layer",
]

COORDS = ("auto", "wgs84", "cgcs2000", "gcj02", "bd09")
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".kmz")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
SUPPORTED_SUFFIXES = (*VECTOR_SUFFIXES, *TABLE_SUFFIXES, ".zip")
ZIP_DATASETS = (".shp", ".gpkg", ".geojson", ".json", ".kml")
ZIP_KEEP = (*ZIP_DATASETS, ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")

MAX_UNZIPPED = 2 * 1024**3  # bytes an archive may unpack to
MAX_RATIO = 200.0  # uncompressed / compressed size of one member
MAX_MEMBERS = 10_000
CHUNK_ROWS = 50_000
HEADER_SCAN = 30  # rows searched for the header under merged title rows
ENCODING_SAMPLE = 2 * 1024**2  # bytes of a .dbf checked for its encoding

# Coordinate column names, best first; matched after datum words and
# punctuation are stripped, so 经度(高德) and lng_bd09 are found too.
LON_NAMES = ("经度", "longitude", "lon", "lng", "long", "东经", "point_x", "x坐标", "x")
LAT_NAMES = ("纬度", "latitude", "lat", "北纬", "point_y", "y坐标", "y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "坐标串")
DATUM_WORDS = {
    "gcj02": ("gcj02", "gcj", "高德", "腾讯", "火星"),
    "bd09": ("bd09", "bd", "百度"),
    "wgs84": ("wgs84", "wgs", "gps"),
    "cgcs2000": ("cgcs2000", "cgcs", "国家2000", "2000"),
}
_PUNCT = re.compile(r"[\s_\-()（）\[\]【】/:：°.]+")


@dataclass
class ReadResult(Findings):
    """A layer read into WGS84 and what happened on the way.

    ``rows[i]`` is the row number the user sees for ``gdf.iloc[i]``: the
    spreadsheet row for CSV / XLSX, the 1-based feature number otherwise.
    ``issues`` may hold row-level errors (bad coordinates); the importer
    refuses the layer if any is an error.
    """

    gdf: gpd.GeoDataFrame
    file: str
    layer: str
    rows: np.ndarray
    tabular: bool


def list_layers(path: str | Path) -> list[str]:
    """Layer names a file offers (sheets of a workbook, shapefiles in a zip)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            _check_zip(path, IssueLog(path.name))
            return _sheet_names(path)
        if suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                return sorted(
                    _zip_name(i).rsplit("/", 1)[-1].rsplit(".", 1)[0]
                    for i in zf.infolist()
                    if _zip_name(i).lower().endswith(ZIP_DATASETS)
                )
        if suffix in TABLE_SUFFIXES:
            return [path.stem]
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except LayerImportError:
        raise
    except Exception as exc:  # any library failure is reported as ours
        log = IssueLog(path.name)
        log.add("unreadable", detail=_brief(exc))
        raise log.fail() from exc


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    coords: str = "auto",
    expected_bounds: Sequence[float] | None = None,
    margin: float = 0.05,
    lang: str = "zh_CN",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ReadResult:
    """Read one layer of ``path`` into EPSG:4326 with its findings.

    Parameters
    ----------
    layer
        GeoPackage / KML layer, workbook sheet or shapefile in a zip; needed
        only when the file holds several (the error lists them).
    coords
        Coordinate system of the source: ``auto`` (the file's CRS, else a
        datum named in the coordinate column headers, else WGS84),
        ``wgs84``, ``cgcs2000`` (equal to WGS84 at this scale), ``gcj02``
        (高德 / 腾讯), ``bd09`` (百度) or ``EPSG:N`` (e.g. ``EPSG:4549``).
    expected_bounds
        ``(minx, miny, maxx, maxy)`` in WGS84, e.g. the county's; features
        outside it (plus ``margin`` degrees) are flagged with a likely cause.

    Raises :class:`LayerImportError` when nothing usable can be read;
    :class:`~planning.progress.Cancelled` when ``cancel`` fires.
    """
    path = Path(path)
    log = IssueLog(path.name, layer or "")
    report = _reporter(progress, path.name)
    try:
        coords_key = _parse_coords(coords, log)
        if log.has_errors:
            raise log.fail(lang)
        if not path.is_file():
            log.add("file_missing")
            raise log.fail(lang)
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            log.add(
                "unsupported_format",
                suffix=suffix or path.name,
                supported=list(SUPPORTED_SUFFIXES),
            )
            raise log.fail(lang)
        report(0.0)
        if suffix == ".zip":
            with _unzipped(path, log, lang) as folder:
                inner, inner_layer = _pick_in_zip(folder, layer, log, lang)
                log.file = f"{path.name}/{inner.relative_to(folder).as_posix()}"
                raw = _read_vector(inner, inner_layer, log, lang)
        elif suffix in (".xlsx", ".xlsm"):
            _check_zip(path, log, lang)
            raw = _read_xlsx(path, layer, log, lang, report, cancel)
        elif suffix in (".csv", ".txt"):
            raw = _read_csv(path, log, lang, report, cancel)
        else:
            if suffix == ".kmz":
                _check_zip(path, log, lang)
            raw = _read_vector(path, layer, log, lang)
        report(0.9)
        gdf = _to_wgs84(raw, coords_key, log, lang)
        if expected_bounds is not None:
            _check_extent(gdf, raw.rows, expected_bounds, margin, log)
        else:  # still catch latitudes past the poles, i.e. swapped columns
            _check_extent(gdf, raw.rows, (-180.0, -90.0, 180.0, 90.0), 0.0, log)
        if len(gdf) == 0:
            log.add("empty_layer")
        report(1.0)
        return ReadResult(
            gdf, log.file, log.layer, raw.rows, raw.tabular, issues=log.close()
        )
    except (LayerImportError, Cancelled):
        raise
    except Exception as exc:  # the libraries raise dozens of types; name the file
        log.add("unreadable", detail=_brief(exc))
        raise log.fail(lang) from exc


# --- shared helpers ---------------------------------------------------------


@dataclass
class _Raw:
    """A layer as read, before CRS handling."""

    gdf: gpd.GeoDataFrame
    rows: np.ndarray
    tabular: bool
    datum_hint: str | None = None


def _brief(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= 300 else text[:297] + "..."


def _reporter(progress: ProgressFn | None, name: str) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        if progress is not None:
            progress(ProgressEvent("import", min(max(fraction, 0.0), 1.0), name))

    return report


def _parse_coords(coords: str, log: IssueLog) -> str:
    key = str(coords).strip().lower().replace("-", "")
    if key in COORDS:
        return key
    if key.startswith("epsg:"):
        try:
            CRS.from_user_input(key.upper())
            return key.upper()
        except CRSError:
            pass
    log.add("coords_unknown", coords=str(coords))
    return "auto"


def _norm(name: object) -> str:
    return _PUNCT.sub("", str(name).strip().lower())


# --- archives ---------------------------------------------------------------


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name, fixing GBK names stored without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _unsafe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
        or "\x00" in name
    )


def _check_zip(path: Path, log: IssueLog, lang: str = "zh_CN") -> None:
    """Refuse traversal names, links and bombs before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        log.add("unreadable", detail=_brief(exc))
        raise log.fail(lang) from exc
    if len(infos) > MAX_MEMBERS:
        log.add("zip_too_many", n=len(infos), limit=MAX_MEMBERS)
        raise log.fail(lang)
    total = 0
    for info in infos:
        name = _zip_name(info)
        is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
        if _unsafe(name) or is_link:
            log.add("zip_unsafe_path", name=name)
            raise log.fail(lang)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024**2 and ratio > MAX_RATIO:
            log.add("zip_ratio", name=name, ratio=ratio)
            raise log.fail(lang)
    if total > MAX_UNZIPPED:
        log.add("zip_too_big", size_mb=total / 1024**2, limit_mb=MAX_UNZIPPED / 1024**2)
        raise log.fail(lang)


@contextmanager
def _unzipped(path: Path, log: IssueLog, lang: str) -> Iterator[Path]:
    """Unpack the layer files of a checked archive into a temporary folder.

    Sizes are enforced while copying too, since a member's header may lie.
    """
    _check_zip(path, log, lang)
    with tempfile.TemporaryDirectory(prefix="planner-import-") as tmp:
        root = Path(tmp).resolve()
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = _zip_name(info)
                if info.is_dir() or not name.lower().endswith(ZIP_KEEP):
                    continue
                if name.startswith("__MACOSX/"):
                    continue
                target = (root / name).resolve()
                if not target.is_relative_to(root):
                    log.add("zip_unsafe_path", name=name)
                    raise log.fail(lang)
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "wb") as dst:
                    while block := src.read(1024**2):
                        written += len(block)
                        if written > info.file_size:
                            log.add("zip_ratio", name=name, ratio=float("inf"))
                            raise log.fail(lang)
                        dst.write(block)
        yield root


def _pick_in_zip(
    folder: Path, layer: str | None, log: IssueLog, lang: str
) -> tuple[Path, str | None]:
    found = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ZIP_DATASETS
    )
    if not found:
        log.add("zip_no_layer")
        raise log.fail(lang)
    if len(found) == 1:
        return found[0], layer
    names = [p.stem for p in found]
    if layer is None:
        log.add("layer_ambiguous", layers=names)
        raise log.fail(lang)
    match = [p for p in found if layer in (p.stem, p.name)]
    if not match:
        log.add("layer_missing", layer=layer, layers=names)
        raise log.fail(lang)
    return match[0], None


# --- vector files -----------------------------------------------------------


def _sibling(path: Path, suffix: str) -> Path | None:
    for p in path.parent.glob(_glob_escape(path.stem) + ".*"):
        if p.suffix.lower() == suffix and p.stem == path.stem:
            return p
    return None


def _glob_escape(text: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def _codec(label: str) -> str | None:
    """Python codec for a .cpg label (``UTF-8``, ``GBK``, ``936``, ``ANSI 936``)."""
    text = label.strip().upper().removeprefix("ANSI").strip()
    aliases = {"65001": "utf-8", "936": "gb18030", "CP936": "gb18030"}
    name = aliases.get(text, text)
    if name.isdigit():
        name = f"cp{name}"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # GB2312 and GBK text decode losslessly as GB18030, which also covers
    # the rare characters (生僻字) of names that GBK files sometimes hold
    return "gb18030" if codec in ("gbk", "gb2312") else codec


def _dbf_sample(dbf: Path) -> bytes:
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return b""
        fh.seek(int.from_bytes(head[8:10], "little"))
        return fh.read(ENCODING_SAMPLE)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        codecs.getincrementaldecoder(codec)().decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _shp_encoding(shp: Path, log: IssueLog) -> str:
    """Encoding of a Shapefile's .dbf: the .cpg if it is right, else detected.

    UTF-8 is strict enough that text passing it is UTF-8; anything else from
    a Chinese GIS is GBK / GB18030, which is read as GB18030.
    """
    dbf = _sibling(shp, ".dbf")
    sample = _dbf_sample(dbf) if dbf else b""
    detected = "utf-8" if _decodes(sample, "utf-8") else "gb18030"
    cpg = _sibling(shp, ".cpg")
    label = cpg.read_bytes()[:64].decode("ascii", "replace") if cpg else ""
    declared = _codec(label) if label.strip() else None
    if declared and _decodes(sample, declared):
        log.add("encoding_used", INFO, encoding=label.strip(), how=Term("cpg"))
        return declared
    if declared:
        log.add("cpg_wrong", WARNING, declared=label.strip(), encoding=detected.upper())
    else:
        log.add("encoding_used", INFO, encoding=detected.upper(), how=Term("detected"))
    return detected


def _read_vector(path: Path, layer: str | None, log: IssueLog, lang: str) -> _Raw:
    suffix = path.suffix.lower()
    kwargs: dict[str, object] = {}
    if suffix == ".shp":
        missing = [s for s in (".shx", ".dbf") if _sibling(path, s) is None]
        if missing:
            log.add("shp_part_missing", parts=missing)
            raise log.fail(lang)
        kwargs["encoding"] = _shp_encoding(path, log)
    names = [str(row[0]) for row in pyogrio.list_layers(path)]
    if layer is None:
        if len(names) != 1:
            log.add("layer_ambiguous", layers=names)
            raise log.fail(lang)
        layer = names[0]
    elif layer not in names:
        if suffix == ".shp" and layer == path.stem and len(names) == 1:
            layer = names[0]
        else:
            log.add("layer_missing", layer=layer, layers=names)
            raise log.fail(lang)
    if suffix in (".gpkg", ".kml", ".kmz") or len(names) > 1:
        log.layer = layer
    data = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    if not isinstance(data, gpd.GeoDataFrame):
        data = gpd.GeoDataFrame(data, geometry=[None] * len(data))
    data = data.reset_index(drop=True)
    return _Raw(data, np.arange(1, len(data) + 1), tabular=False)


# --- tables -----------------------------------------------------------------


def _find_header(rows: list[list[object]]) -> int | None:
    """Index of the header row: the first naming lon and lat (or a WKT
    column), else the first as full as the fullest of the scanned rows."""
    for i, row in enumerate(rows):
        names = [c for c in row if c is not None and str(c).strip()]
        if _coord_columns(names)[0] is not None or _wkt_column(names):
            return i
    counts = [sum(c is not None and str(c).strip() != "" for c in r) for r in rows]
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _coord_columns(
    columns: Sequence[object],
) -> tuple[str | None, str | None, str | None]:
    """(lon column, lat column, datum named in their headers)."""
    stripped: dict[str, str] = {}
    hints: dict[str, str] = {}
    for col in columns:
        n = _norm(col)
        for datum, words in DATUM_WORDS.items():
            for w in words:
                if w in n and n != w:
                    n = n.replace(w, "")
                    hints[str(col)] = datum
                    break
        stripped[str(col)] = n

    def best(names: Sequence[str]) -> str | None:
        for want in names:
            for col, n in stripped.items():
                if n == want:
                    return col
        return None

    lon, lat = best(LON_NAMES), best(LAT_NAMES)
    if lon is None or lat is None:
        return None, None, None
    return lon, lat, hints.get(lon) or hints.get(lat)


def _wkt_column(columns: Sequence[object]) -> str | None:
    for col in columns:
        if _norm(col) in WKT_NAMES:
            return str(col)
    return None


def _cell_text(value: object) -> object:
    """A spreadsheet cell as the text the user sees (ids stay ids)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:
            return None
        return (
            str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        )
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _frame(
    columns: list[str],
    records: list[Sequence[object]],
    coord_cols: set[str],
) -> pd.DataFrame:
    width = len(columns)
    fixed = [tuple(r[:width]) + (None,) * (width - len(r)) for r in records]
    df = pd.DataFrame.from_records(fixed, columns=range(width))
    df.columns = columns
    for col in columns:
        if col in coord_cols:
            continue
        df[col] = df[col].map(_cell_text).astype("str")
    return df


def _unique_columns(header: Sequence[object]) -> list[str]:
    """Header cells as column names: blank ones named, repeats numbered."""
    out: list[str] = []
    for i, cell in enumerate(header):
        name = str(cell).strip() if cell is not None else ""
        if isinstance(cell, float) and cell.is_integer():
            name = str(int(cell))
        name = name or f"column_{i + 1}"
        base, k = name, 2
        while name in out:
            name = f"{base}_{k}"
            k += 1
        out.append(name)
    return out


class _TableBuilder:
    """Turns table chunks into points (or WKT shapes), keeping row numbers."""

    def __init__(self, columns: list[str], first_row: int, log: IssueLog, lang: str):
        self.log = log
        self.columns = columns
        lon, lat, hint = _coord_columns(columns)
        self.lon, self.lat, self.hint = lon, lat, hint
        self.wkt = None if lon else _wkt_column(columns)
        if lon is None and self.wkt is None:
            log.add("no_coord_columns", columns=columns[:40])
            raise log.fail(lang)
        if lon is not None:
            log.add("coord_columns", INFO, lon=lon, lat=lat)
        self.next_row = first_row
        self.frames: list[pd.DataFrame] = []
        self.geoms: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []

    @property
    def coord_cols(self) -> set[str]:
        return {c for c in (self.lon, self.lat) if c}

    def add(self, chunk: pd.DataFrame) -> None:
        rows = np.arange(self.next_row, self.next_row + len(chunk))
        self.next_row += len(chunk)
        chunk = chunk.reset_index(drop=True)
        blank = chunk.isna().all(axis=1).to_numpy()
        if blank.any():  # trailing or spacer rows of a spreadsheet export
            chunk = chunk.loc[~blank].reset_index(drop=True)
            rows = rows[~blank]
        if self.lon is not None:
            xy = [self._numbers(chunk[c], c, rows) for c in (self.lon, self.lat)]
            geoms = np.asarray(gpd.points_from_xy(*xy), dtype=object)
            bad = ~(np.isfinite(xy[0]) & np.isfinite(xy[1]))
            geoms[bad] = None
            chunk = chunk.drop(columns=[self.lon, self.lat])
        else:
            text = chunk[self.wkt]
            geoms = shapely.from_wkt(
                text.fillna("").to_numpy(object), on_invalid="ignore"
            )
            for i in np.flatnonzero(
                text.notna().to_numpy() & shapely.is_missing(geoms)
            ):
                self.log.add(
                    "bad_wkt",
                    row=int(rows[i]),
                    column=self.wkt,
                    value=str(text.iat[i])[:60],
                )
            chunk = chunk.drop(columns=[self.wkt])
        self.frames.append(chunk)
        self.geoms.append(geoms)
        self.rows.append(rows)

    def _numbers(self, col: pd.Series, name: str, rows: np.ndarray) -> np.ndarray:
        text = col.astype("str").str.strip()
        text = text.str.replace("°", "", regex=False).str.replace(
            "，", ".", regex=False
        )
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(np.isnan(values) & col.notna().to_numpy()):
            self.log.add(
                "bad_number", row=int(rows[i]), column=name, value=str(col.iat[i])[:60]
            )
        for i in np.flatnonzero(col.isna().to_numpy() | np.isinf(values)):
            self.log.add("missing_coordinate", row=int(rows[i]), column=name)
        return values

    def result(self) -> _Raw:
        if self.frames:
            attrs = pd.concat(self.frames, ignore_index=True)
            geoms = np.concatenate(self.geoms)
            rows = np.concatenate(self.rows)
        else:
            keep = [
                c for c in self.columns if c not in self.coord_cols and c != self.wkt
            ]
            attrs = pd.DataFrame({c: pd.Series(dtype="str") for c in keep})
            geoms = np.empty(0, dtype=object)
            rows = np.empty(0, dtype=int)
        gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms))
        return _Raw(gdf, rows, tabular=True, datum_hint=self.hint)


def _text_encoding(path: Path, log: IssueLog) -> str:
    """UTF-8 (with or without BOM) or GB18030, decided over the whole file
    in blocks so memory stays bounded."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            log.add("encoding_used", INFO, encoding="UTF-8", how=Term("bom"))
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            log.add("encoding_used", INFO, encoding="UTF-16", how=Term("bom"))
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := fh.read(1024**2):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    log.add("encoding_used", INFO, encoding=encoding.upper(), how=Term("detected"))
    return encoding


def _read_csv(
    path: Path,
    log: IssueLog,
    lang: str,
    report: Callable[[float], None],
    cancel: CancelToken | None,
) -> _Raw:
    encoding = _text_encoding(path, log)
    size = max(path.stat().st_size, 1)
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(64 * 1024)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        head = list(_limited(csv.reader(io.StringIO(sample), delimiter=delimiter)))
    except csv.Error as exc:
        log.add("bad_table", detail=_brief(exc))
        raise log.fail(lang) from exc
    header = _find_header(head)
    if header is None:
        log.add("no_header", n=HEADER_SCAN)
        raise log.fail(lang)
    if header > 0:
        log.add("header_row", INFO, line=header + 1)
    builder: _TableBuilder | None = None
    with open(path, "rb") as raw:
        try:
            reader = pd.read_csv(
                raw,
                sep=delimiter,
                encoding=encoding,
                skiprows=header,
                header=0,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                chunksize=CHUNK_ROWS,
            )
            for chunk in reader:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if builder is None:
                    columns = _unique_columns(list(chunk.columns))
                    builder = _TableBuilder(columns, header + 2, log, lang)
                chunk.columns = builder.columns
                builder.add(chunk)
                report(0.85 * raw.tell() / size)
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            log.add("bad_table", detail=_brief(exc))
            raise log.fail(lang) from exc
    if builder is None:  # header only
        builder = _TableBuilder(_unique_columns(head[header]), header + 2, log, lang)
    return builder.result()


def _limited(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    for i, row in enumerate(reader):
        if i >= HEADER_SCAN:
            return
        yield row


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _read_xlsx(
    path: Path,
    layer: str | None,
    log: IssueLog,
    lang: str,
    report: Callable[[float], None],
    cancel: CancelToken | None,
) -> _Raw:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = list(wb.sheetnames)
        if layer is not None and layer not in names:
            log.add("layer_missing", layer=layer, layers=names)
            raise log.fail(lang)
        candidates = [layer] if layer is not None else names
        for name in candidates:
            ws = wb[name]
            rows = ws.iter_rows(values_only=True)
            head = [list(r) for _, r in zip(range(HEADER_SCAN), rows, strict=False)]
            header = _find_header(head)
            if header is None:
                continue
            columns = _unique_columns(head[header])
            if layer is None and _coord_columns(columns)[0] is None:
                if not _wkt_column(columns) and name != candidates[-1]:
                    continue
            log.layer = name
            if len(names) > 1 and layer is None:
                log.add("sheet_chosen", WARNING, layers=names, layer=name)
            if header > 0:
                log.add("header_row", INFO, line=header + 1)
            builder = _TableBuilder(columns, header + 2, log, lang)
            total = max(ws.max_row or 1, 1)
            pending: list[Sequence[object]] = [tuple(r) for r in head[header + 1 :]]
            for row in rows:
                pending.append(row)
                if len(pending) >= CHUNK_ROWS:
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    builder.add(_frame(columns, pending, builder.coord_cols))
                    pending = []
                    report(0.85 * (builder.next_row / total))
            builder.add(_frame(columns, pending, builder.coord_cols))
            return builder.result()
        log.add("no_header", n=HEADER_SCAN)
        raise log.fail(lang)
    finally:
        wb.close()


# --- coordinates ------------------------------------------------------------


def _centres(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Bounding-box centres; huge or NaN coordinates give NaN, not warnings."""
    b = shapely.bounds(gdf.geometry.to_numpy())
    with np.errstate(over="ignore", invalid="ignore"):
        return b[:, 0] / 2 + b[:, 2] / 2, b[:, 1] / 2 + b[:, 3] / 2


def _looks_projected(gdf: gpd.GeoDataFrame) -> tuple[float, float] | None:
    """A sample coordinate if most features are far outside degree range."""
    cx, cy = _centres(gdf)
    ok = np.isfinite(cx) & np.isfinite(cy)
    if not ok.any():
        return None
    x, y = np.abs(cx[ok]), np.abs(cy[ok])
    far = ((x > 180) | (y > 90)) & ((y > 180) | (x > 90))  # not even swapped
    if far.mean() <= 0.5:
        return None
    i = int(np.flatnonzero(far)[0])
    return float(cx[ok][i]), float(cy[ok][i])


def _shift(gdf: gpd.GeoDataFrame, convert: Callable) -> gpd.GeoDataFrame:
    def fn(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(convert(xy[:, 0], xy[:, 1]))

    out = gdf.copy()
    out.geometry = gpd.GeoSeries(
        shapely.transform(gdf.geometry.to_numpy(), fn), index=gdf.index, crs=gdf.crs
    )
    return out


def _to_wgs84(raw: _Raw, coords: str, log: IssueLog, lang: str) -> gpd.GeoDataFrame:
    """Apply the declared or requested CRS and datum; return EPSG:4326."""
    gdf = raw.gdf
    declared = gdf.crs
    datum: str | None = None
    if coords.startswith("EPSG:"):
        source = CRS.from_user_input(coords)
        if declared is not None and CRS(declared) != source:
            log.add(
                "crs_override", WARNING, declared=declared.to_string(), coords=coords
            )
    elif coords == "auto":
        source = CRS(declared) if declared is not None else CRS(WGS84)
        datum = raw.datum_hint if declared is None else None
        if declared is None and datum not in ("gcj02", "bd09"):
            log.add("no_crs", WARNING)
    else:
        datum = coords
        source = CRS(declared) if declared is not None else CRS(WGS84)
    if source.is_geographic:
        sample = _looks_projected(gdf)
        if sample is not None:
            log.add("looks_projected", x=sample[0], y=sample[1])
            raise log.fail(lang)
    gdf = gdf.set_crs(source, allow_override=True)
    if source.to_epsg() not in (4326, 4490):
        gdf = gdf.to_crs(WGS84)
        log.add("reprojected", INFO, crs=source.name)
    gdf = gdf.set_crs(WGS84, allow_override=True)
    if datum in ("gcj02", "bd09"):
        gdf = _shift(gdf, gcj02_to_wgs84 if datum == "gcj02" else bd09_to_wgs84)
        how = Term("requested") if coords == datum else Term("column_hint")
        log.add(
            "datum_converted", INFO, datum=datum.upper().replace("0", "-0", 1), how=how
        )
    return gdf


def _inside(x: np.ndarray, y: np.ndarray, box: Sequence[float]) -> np.ndarray:
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def _check_extent(
    gdf: gpd.GeoDataFrame,
    rows: np.ndarray,
    bounds: Sequence[float],
    margin: float,
    log: IssueLog,
) -> None:
    """Flag features outside the expected extent and guess why."""
    if len(gdf) == 0:
        return
    x, y = _centres(gdf)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) == 0:
        return
    box = (
        bounds[0] - margin,
        bounds[1] - margin,
        bounds[2] + margin,
        bounds[3] + margin,
    )
    inside = _inside(x, y, box)
    n_out = int((~inside).sum())
    if n_out == 0:
        return
    ax, ay = np.abs(x), np.abs(y)
    far = ((ax > 180) | (ay > 90)) & ((ay > 180) | (ax > 90))
    tries = {
        "swapped": _inside(y, x, box),
        "gcj02": _inside(*gcj02_to_wgs84(x, y), box),
        "bd09": _inside(*bd09_to_wgs84(x, y), box),
    }
    gains = {
        k: int((v & ~inside).sum()) - int((~v & inside).sum()) for k, v in tries.items()
    }
    best = max(gains, key=lambda k: gains[k])
    if far[~inside].mean() > 0.5:
        cause = "projected"
    elif gains[best] > 0 and gains[best] >= 0.5 * n_out:
        cause = best
        if best != "swapped" and gains["gcj02"] == gains["bd09"]:
            cause = "datum"  # either offset explains it; the user knows which
    else:
        cause = "elsewhere"
    level = ERROR if n_out > 0.5 * len(x) or cause != "elsewhere" else WARNING
    out_rows = rows[ok][~inside][:5].tolist()
    log.add(
        "outside_extent",
        level,
        n=n_out,
        total=len(x),
        bounds="({:.3f}, {:.3f}, {:.3f}, {:.3f})".format(*bounds),
        cause=Term(cause),
        rows=out_rows,
    )
