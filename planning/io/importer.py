"""Bring a layer into a scenario or a project file, all or nothing.

:func:`import_into_project` reads a file (:func:`~planning.io.readers.read_layer`),
checks it against the layer contract of ``docs/plan-schema.md`` for the kind
asked for, maps the headers and values Chinese registers use (企业名称 ->
``name``, 红/黄/绿 -> ``red``/``yellow``/``green``), repairs what is safe to
repair and says so, and replaces the layer in the project GeoPackage with an
atomic save. If anything is wrong it raises :class:`LayerImportError` listing
every finding and the project file is left byte for byte as it was.
:func:`import_layer` does the same on an in-memory scenario for the GUI and
returns a new one.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypedDict, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.io.errors import (
    ERROR,
    INFO,
    REPAIRED,
    WARNING,
    Findings,
    IssueLog,
    LayerImportError,
    Term,
)
from planning.io.project import (
    load_project,
    save_project,
)
from planning.io.readers import ReadResult, list_layers, read_layer
from planning.model import (
    CREDITS,
    ID_COLUMNS,
    LAND_USES,
    REQUIRED_COLUMNS,
    RISKS,
    WGS84,
    Scenario,
)
from planning.progress import CancelToken, ProgressEvent, ProgressFn
from planning.travel import metric_crs

__all__ = [
    "KINDS",
    "ImportOptions",
    "ImportReport",
    "import_into_project",
    "import_layer",
    "import_layer_with_report",
]

# import kind -> scenario layer; "zones" are the town / 片区 boundaries
KINDS = {
    "cells": "cells",
    "zones": "towns",
    "towns": "towns",
    "squads": "squads",
    "enterprises": "enterprises",
    "hotspots": "hotspots",
}
POLYGON_LAYERS = ("cells", "towns")
SHOWN_ROWS = 5  # rows quoted in a grouped message

# Header synonyms per layer (compared after lower-casing and dropping
# spaces and punctuation). Applied automatically and reported.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "cells": {
        "cell_id": (
            "网格编号",
            "网格id",
            "网格编码",
            "网格代码",
            "网格号",
            "gridid",
            "id",
        ),
        "town_id": (
            "乡镇编号",
            "乡镇id",
            "乡镇代码",
            "街道编号",
            "所属乡镇编号",
            "townid",
        ),
        "area_id": ("片区编号", "片区id", "片区", "areaid"),
        "land_use": ("用地类型", "土地利用", "区域类型", "地类", "landuse"),
        "squad_id": ("中队编号", "所属中队", "责任中队", "squadid"),
        "locked": ("锁定",),
    },
    "towns": {
        "town_id": ("乡镇编号", "乡镇代码", "街道编号", "行政区划代码", "townid", "id"),
        "name": ("乡镇名称", "街道名称", "乡镇", "名称"),
        "area_id": ("片区编号", "片区id", "areaid"),
        "area_name": ("片区名称", "片区"),
    },
    "squads": {
        "squad_id": ("中队编号", "中队id", "squadid", "编号", "id"),
        "name": ("中队名称", "中队", "名称"),
        "area_id": ("片区编号", "所属片区", "片区", "areaid"),
        "staff": ("人数", "人员数", "编制人数", "在编人数", "执法人员数", "队员数"),
        "teams": ("组数", "小组数", "检查组数", "班组数"),
    },
    "enterprises": {
        "enterprise_id": (
            "企业编号",
            "企业id",
            "主体编号",
            "统一社会信用代码",
            "信用代码",
            "编号",
            "id",
        ),
        "name": ("企业名称", "单位名称", "主体名称", "商户名称", "店名", "名称"),
        "address": ("地址", "经营地址", "经营场所", "注册地址"),
        "contact": ("联系电话", "电话", "联系方式", "手机"),
        "category": ("行业类别", "行业", "类别", "企业类型", "主体类型", "业态"),
        "risk": ("风险等级", "风险", "风险颜色", "三色等级", "三色"),
        "credit": ("信用等级", "信用", "信用评级"),
        "last_inspected": ("检查记录",),
    },
    "hotspots": {
        "event_id": (
            "事件编号",
            "事件id",
            "工单号",
            "工单编号",
            "案件编号",
            "编号",
            "id",
        ),
        "event_type": ("事件类型", "问题类型", "案件类型", "事件小类", "类型"),
        "time": ("时间", "发生时间", "上报时间", "事件时间", "发现时间", "日期时间"),
        "source": ("来源", "事件来源", "数据来源"),
        "weight": ("权重", "严重程度"),
    },
}
LAST_DATE_NAMES = (
    "上次检查日期",
    "上次检查",
    "最近检查日期",
    "最近检查时间",
    "检查日期",
)

# value -> canonical value, compared lower-cased and stripped
RISK_VALUES = {
    **dict.fromkeys(("红", "红色", "高", "高风险", "r"), "red"),
    **dict.fromkeys(("黄", "黄色", "中", "中风险", "y"), "yellow"),
    **dict.fromkeys(("绿", "绿色", "低", "低风险", "g"), "green"),
}
CREDIT_VALUES = {
    **{c.lower(): c for c in CREDITS},
    **{f"{c.lower()}级": c for c in CREDITS},
    **{f"{c.lower()}类": c for c in CREDITS},
    **dict(zip(("优", "良", "中", "差"), CREDITS, strict=True)),
}
LAND_USE_VALUES = {
    **dict.fromkeys(("城区", "城市", "城镇", "市区", "建成区"), "urban"),
    **dict.fromkeys(("城郊", "近郊", "郊区", "城乡结合部"), "suburban"),
    **dict.fromkeys(("农村", "乡村", "村庄"), "rural"),
}
CATEGORY_WORDS = {
    "restaurant": ("餐饮", "饭店", "小吃", "餐馆", "面馆", "快餐"),
    "shop": ("零售", "商店", "超市", "便利店"),
    "factory": ("工厂", "加工", "制造", "厂"),
    "hotel": ("宾馆", "旅馆", "酒店", "民宿", "住宿"),
    "construction": ("工地", "建筑", "施工", "渣土"),
    "salon": ("美容", "美发", "理发", "足浴"),
}
FLAG_VALUES = {"0": 0, "1": 1, "否": 0, "是": 1, "false": 0, "true": 1}
_PUNCT = re.compile(r"[\s_\-()（）\[\]【】/:：]+")


@dataclass
class ImportReport(Findings):
    """What an import did: the layer, its size, and every finding."""

    file: str
    kind: str
    layer: str
    source_layer: str
    rows: int
    replaced: int
    seconds: float = 0.0
    project: Path | None = None


class ImportOptions(TypedDict, total=False):
    """The keyword options of every import function, written once.

    ``layer`` (of a multi-layer file; default: the one named like the kind),
    ``coords`` (``"auto"`` or the coordinate system of the file),
    ``lang`` (of the messages, ``"zh_CN"``), ``expected_bounds`` (lon/lat
    box the data should fall in; default: the scenario's), ``progress``
    and ``cancel``; see :func:`import_layer_with_report`.
    """

    layer: str | None
    coords: str
    lang: str
    expected_bounds: Sequence[float] | None
    progress: ProgressFn | None
    cancel: CancelToken | None


def import_layer(
    scenario: Scenario,
    file: str | Path,
    kind: str,
    **options: Unpack[ImportOptions],
) -> Scenario:
    """A new scenario with ``kind`` replaced by the file's layer.

    ``scenario`` is never modified. Raises :class:`LayerImportError`.
    """
    return import_layer_with_report(scenario, file, kind, **options)[0]


def import_layer_with_report(
    scenario: Scenario,
    file: str | Path,
    kind: str,
    *,
    layer: str | None = None,
    coords: str = "auto",
    lang: str = "zh_CN",
    expected_bounds: Sequence[float] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[Scenario, ImportReport]:
    """:func:`import_layer` plus the report the GUI shows (repairs, warnings)."""
    started = time.perf_counter()
    file = Path(file)
    target = KINDS.get(kind)
    if target is None:
        log = IssueLog(file.name)
        log.add("unknown_kind", kind=kind, kinds=list(KINDS))
        raise log.fail(lang)
    if layer is None:
        layer = _layer_named_like(file, kind, target)
    bounds = expected_bounds
    if bounds is None:
        bounds = _scenario_bounds(scenario)

    def read_progress(event: ProgressEvent) -> None:
        if progress is not None:
            progress(ProgressEvent("import", 0.7 * event.fraction, event.message))

    result = read_layer(
        file,
        layer=layer,
        coords=coords,
        expected_bounds=bounds,
        lang=lang,
        progress=read_progress,
        cancel=cancel,
    )
    if cancel is not None:
        cancel.raise_if_cancelled()
    log = IssueLog(result.file, result.layer)
    gdf = _conform(result, target, scenario, log)
    issues = result.issues + log.close()
    if any(i.level == ERROR for i in issues):
        raise LayerImportError(issues, lang)
    if progress is not None:
        progress(ProgressEvent("import", 0.85, file.name))
    new = scenario.copy()
    before = len(getattr(scenario, target))
    setattr(new, target, gdf)
    after_log = IssueLog(result.file, result.layer)
    _reattach(new, target, after_log)
    after_log.add("replaced", INFO, layer=target, before=before, after=len(gdf))
    report = ImportReport(
        file=str(file),
        kind=kind,
        layer=target,
        source_layer=result.layer,
        rows=len(gdf),
        replaced=before,
        issues=issues + after_log.close(),
        seconds=time.perf_counter() - started,
    )
    return new, report


def import_into_project(
    project_path: str | Path,
    file: str | Path,
    kind: str,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Replace layer ``kind`` of the project GeoPackage with ``file``'s layer.

    All or nothing: on any finding of level error, a cancel, or a failed
    save, :class:`LayerImportError` (or ``Cancelled``) is raised and the
    project file is unchanged. A plan saved in the project is kept but
    reported as out of date.
    """
    lang = options.get("lang", "zh_CN")
    progress, cancel = options.get("progress"), options.get("cancel")
    started = time.perf_counter()
    project_path = Path(project_path)
    log = IssueLog(project_path.name)
    try:
        scenario, plan = load_project(project_path)
    except Exception as exc:  # ProjectError, missing file, not a GeoPackage ...
        log.add("project_unreadable", detail=str(exc)[:300])
        raise log.fail(lang) from exc
    new, report = import_layer_with_report(scenario, file, kind, **options)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if plan is not None:
        log.add("plan_stale", WARNING)
    try:
        save_project(project_path, new, plan)
    except Exception as exc:  # disk full, permissions, driver errors
        log.add("project_save_failed", detail=str(exc)[:300])
        raise log.fail(lang) from exc
    if progress is not None:
        progress(ProgressEvent("import", 1.0, project_path.name))
    report.issues += log.close()
    report.project = project_path
    report.seconds = time.perf_counter() - started
    return report


# --- choosing and locating ----------------------------------------------------


def _layer_named_like(file: Path, kind: str, target: str) -> str | None:
    """The layer named after the kind, when a multi-layer file has one."""
    if file.suffix.lower() not in (".gpkg", ".kml", ".kmz", ".zip", ".xlsx", ".xlsm"):
        return None
    try:
        names = list_layers(file)
    except LayerImportError:
        return None  # read_layer reports the problem properly
    if len(names) < 2:
        return None
    for name in (kind, target):
        if name in names:
            return name
    return None


def _scenario_bounds(scenario: Scenario) -> tuple[float, ...] | None:
    for gdf in (scenario.outline, scenario.cells, scenario.towns):
        if gdf is not None and len(gdf) and gdf.crs is not None:
            b = gdf.to_crs(WGS84).total_bounds
            if np.all(np.isfinite(b)):
                return tuple(float(v) for v in b)
    return None


# --- conforming a layer to the schema ------------------------------------------


def _norm(name: object) -> str:
    return _PUNCT.sub("", str(name).strip().lower())


def _row_label(gdf: pd.DataFrame, id_col: str, i: int) -> str | None:
    if id_col not in gdf.columns:
        return None
    value = gdf[id_col].iat[i]
    return None if pd.isna(value) else f"{id_col}={value}"


def _rows_text(rows: np.ndarray) -> list[str]:
    shown = [str(r) for r in rows[:SHOWN_ROWS]]
    return shown + ["…"] if len(rows) > SHOWN_ROWS else shown


def _map_columns(gdf: pd.DataFrame, target: str, log: IssueLog) -> pd.DataFrame:
    """Rename synonym and truncated (Shapefile, 10 chars) headers to the schema."""
    synonyms = SYNONYMS[target]
    wanted = list(dict.fromkeys([*REQUIRED_COLUMNS[target], *synonyms]))
    by_norm: dict[str, str] = {}
    for col in gdf.columns:
        if col not in wanted:
            by_norm.setdefault(_norm(col), col)
    renames: dict[str, str] = {}
    for col in wanted:
        if col in gdf.columns:
            continue
        candidates = [col[:10]] if len(col) > 10 else []
        candidates += [_norm(s) for s in synonyms.get(col, ())]
        for cand in candidates:
            source = by_norm.get(cand)
            if source is not None and source not in renames:
                renames[source] = col
                log.add("column_renamed", INFO, column=source, target=col)
                break
    return gdf.rename(columns=renames) if renames else gdf


def _missing_required(
    gdf: pd.DataFrame, target: str, derivable: set[str], log: IssueLog
) -> bool:
    free = [c for c in gdf.columns if c != "geometry" and c not in REQUIRED_COLUMNS]
    missing = False
    for col in REQUIRED_COLUMNS[target]:
        if col in gdf.columns or col in derivable:
            continue
        missing = True
        guess = [c for c in free if _norm(c).startswith(col)]
        guess = guess or difflib.get_close_matches(col, free, n=1, cutoff=0.6)
        if not guess:
            by_norm = {_norm(c): c for c in free}
            names = [_norm(s) for s in SYNONYMS[target].get(col, ())]
            for name in names:
                close = difflib.get_close_matches(name, list(by_norm), n=1, cutoff=0.5)
                if close:
                    guess = [by_norm[close[0]]]
                    break
        if guess:
            log.add("column_missing_guess", column=col, guess=guess[0])
        else:
            log.add("column_missing", column=col)
    return missing


def _text(series: pd.Series) -> pd.Series:
    out = series.astype("str").str.strip()
    return out.where(out.notna() & (out != ""), other=np.nan).astype("str")


def _choice(
    gdf: pd.DataFrame,
    col: str,
    allowed: Sequence[str],
    mapping: dict[str, str],
    rows: np.ndarray,
    log: IssueLog,
) -> None:
    """Map values onto ``allowed`` via ``mapping``; group unknown ones."""
    text = _text(gdf[col])
    allowed_set = set(allowed)
    lookup = {k.lower(): v for k, v in mapping.items()}
    lookup.update({a.lower(): a for a in allowed})
    mapped = text.map(lambda v: v if v in allowed_set else lookup.get(str(v).lower()))
    changed = text.notna() & mapped.notna() & (mapped != text)
    if changed.any():
        pairs = sorted(set(zip(text[changed], mapped[changed], strict=True)))[:10]
        log.add("values_mapped", INFO, column=col, pairs=[f"{a}→{b}" for a, b in pairs])
    bad = mapped.isna()
    for value, idx in (
        text[bad].groupby(text[bad].fillna(""), sort=False).groups.items()
    ):
        positions = gdf.index.get_indexer(idx)
        guess = difflib.get_close_matches(str(value), list(allowed), n=1, cutoff=0.5)
        params = {
            "value": value,
            "count": len(positions),
            "rows": _rows_text(rows[positions]),
            "allowed": list(allowed),
        }
        code = "unknown_value"
        if guess:
            code, params["guess"] = "unknown_value_guess", guess[0]
        log.add(code, column=col, **params)
    gdf[col] = mapped.astype("str")


def _category_mapping(scenario: Scenario, values: pd.Series) -> dict[str, str]:
    cats = scenario.policy.categories
    mapping = {c.name: cid for cid, c in cats.items()}
    for value in values.dropna().unique():
        v = str(value)
        if v in cats or v in mapping:
            continue
        for cid, words in CATEGORY_WORDS.items():
            if cid in cats and any(w in v for w in words):
                mapping[v] = cid
                break
    return mapping


def _numbers(
    gdf: pd.DataFrame,
    col: str,
    rows: np.ndarray,
    id_col: str,
    log: IssueLog,
    *,
    positive_int: bool = False,
) -> None:
    raw = gdf[col]
    values = pd.to_numeric(_text(raw), errors="coerce")
    bad = values.isna() & raw.notna() & (_text(raw).notna())
    if positive_int:
        # whole, positive and of a size a count can have (inf and 1e30 are typos)
        whole = (values > 0) & (values % 1 == 0) & (values < 2**31)
        bad |= values.notna() & ~whole.fillna(False).astype(bool)
        bad |= raw.isna()
        values = values.where(~bad)
    code = "not_positive" if positive_int else "bad_number"
    for i in np.flatnonzero(bad.to_numpy()):
        log.add(
            code,
            row=int(rows[i]),
            ident=_row_label(gdf, id_col, i),
            column=col,
            value="" if pd.isna(raw.iat[i]) else str(raw.iat[i])[:60],
        )
    gdf[col] = values.astype("Int64") if positive_int else values.astype(float)


def _flags(
    gdf: pd.DataFrame, col: str, rows: np.ndarray, id_col: str, log: IssueLog
) -> None:
    if col not in gdf.columns:
        gdf[col] = 0
        return
    text = _text(gdf[col]).str.lower().str.replace(r"\.0$", "", regex=True)
    values = text.map(FLAG_VALUES)
    bad = values.isna() & text.notna()
    for i in np.flatnonzero(bad.to_numpy()):
        log.add(
            "bad_flag",
            row=int(rows[i]),
            ident=_row_label(gdf, id_col, i),
            column=col,
            value=str(gdf[col].iat[i])[:60],
        )
    gdf[col] = values.fillna(0).astype(int)


def _times(
    gdf: pd.DataFrame, col: str, rows: np.ndarray, id_col: str, log: IssueLog
) -> None:
    """ISO ``YYYY-MM-DDTHH:MM`` from ISO, Excel, ``2026/11/3 8:15`` or 年月日."""
    text = _text(gdf[col])
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    retry = parsed.isna() & text.notna()
    if retry.any():
        cleaned = (
            text[retry]
            .str.replace(r"[年月/.]", "-", regex=True)
            .str.replace("日", " ", regex=False)
            .str.strip()
        )
        parsed.loc[retry] = pd.to_datetime(cleaned, format="mixed", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    for i in np.flatnonzero((parsed.isna()).to_numpy()):
        value = text.iat[i]
        log.add(
            "bad_time",
            row=int(rows[i]),
            ident=_row_label(gdf, id_col, i),
            column=col,
            value="" if pd.isna(value) else str(value)[:60],
        )
    gdf[col] = parsed.dt.strftime("%Y-%m-%dT%H:%M").astype("str")


def _last_inspected(
    gdf: pd.DataFrame,
    scenario: Scenario,
    rows: np.ndarray,
    log: IssueLog,
) -> None:
    """Check the JSON column, or build it from a last-inspection date column."""
    col = "last_inspected"
    if col in gdf.columns:
        text = _text(gdf[col])
        for i, value in enumerate(text.to_numpy()):
            if pd.isna(value):
                continue
            try:
                data = json.loads(value)
                ok = isinstance(data, dict) and all(
                    isinstance(v, str) and (not v or date.fromisoformat(v[:10]))
                    for v in data.values()
                )
            except (ValueError, TypeError):
                ok = False
            if not ok:
                log.add(
                    "bad_json",
                    row=int(rows[i]),
                    ident=_row_label(gdf, "enterprise_id", i),
                    column=col,
                    value=str(value)[:60],
                )
        gdf[col] = text.fillna("{}")
        return
    names = {_norm(n) for n in LAST_DATE_NAMES}
    date_col = next((c for c in gdf.columns if _norm(c) in names), None)
    if date_col is None:
        gdf[col] = "{}"
        log.add("column_derived", WARNING, column=col, source=Term("never_inspected"))
        return
    text = _text(gdf[date_col])
    days = pd.to_datetime(
        text.str.replace(r"[年月/.]", "-", regex=True).str.replace("日", ""),
        format="mixed",
        errors="coerce",
    )
    for i in np.flatnonzero((days.isna() & text.notna()).to_numpy()):
        log.add(
            "bad_time",
            row=int(rows[i]),
            ident=_row_label(gdf, "enterprise_id", i),
            column=date_col,
            value=str(text.iat[i])[:60],
        )
    cats = scenario.policy.categories
    out = []
    for cat, day in zip(gdf["category"], days, strict=True):
        items = cats[cat].items if cat in cats and not pd.isna(day) else ()
        iso = day.date().isoformat() if items else ""
        out.append(json.dumps(dict.fromkeys(items, iso), ensure_ascii=False))
    gdf[col] = out
    log.add("column_derived", INFO, column=col, source=Term("last_date"))


def _ids(gdf: pd.DataFrame, id_col: str, rows: np.ndarray, log: IssueLog) -> None:
    ids = _text(gdf[id_col]).str.replace(r"\.0$", "", regex=True)
    gdf[id_col] = ids
    for i in np.flatnonzero(ids.isna().to_numpy()):
        log.add("missing_id", row=int(rows[i]), column=id_col)
    dup = ids[ids.notna() & ids.duplicated(keep=False)]
    for value, idx in dup.groupby(dup, sort=False).groups.items():
        positions = gdf.index.get_indexer(idx)
        log.add(
            "duplicate_id",
            row=int(rows[positions[0]]),
            column=id_col,
            value=value,
            rows=_rows_text(rows[positions]),
        )


def _geometries(
    gdf: gpd.GeoDataFrame,
    target: str,
    rows: np.ndarray,
    id_col: str,
    skip_empty: bool,
    log: IssueLog,
) -> gpd.GeoDataFrame:
    """Check geometry types, emptiness and validity; repair what is safe."""
    geoms = gdf.geometry.to_numpy().copy()
    polygonal = target in POLYGON_LAYERS
    expected = "Polygon/MultiPolygon" if polygonal else "Point"
    crs = metric_crs(gdf) if len(gdf) and np.isfinite(gdf.total_bounds).all() else None
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    b = shapely.bounds(geoms)
    empty |= ~np.isfinite(b).all(axis=1)
    types = shapely.get_type_id(geoms)
    single = ~empty & (types == 4) & (shapely.get_num_geometries(geoms) == 1)
    if not polygonal and single.any():  # one-point MultiPoints, as GDAL writes
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        types[single] = 0
    wanted = np.isin(types, (3, 6)) if polygonal else types == 0
    invalid = np.zeros(len(geoms), dtype=bool)
    if polygonal:
        invalid = ~empty & wanted & ~shapely.is_valid(geoms)
    flagged = (empty & (not skip_empty)) | (~empty & ~wanted) | invalid
    for i in np.flatnonzero(flagged):
        where = {"row": int(rows[i]), "ident": _row_label(gdf, id_col, i)}
        if empty[i]:
            log.add("empty_geometry", **where)
        elif not wanted[i]:
            actual = geoms[i].geom_type
            log.add("wrong_geometry", **where, actual=actual, expected=expected)
        else:
            geoms[i] = _repair(geoms[i], crs, where, log)
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return out


def _repair(
    geom: shapely.Geometry, crs: str | None, where: dict, log: IssueLog
) -> shapely.Geometry:
    """make_valid, keeping the polygonal parts; refuse if nothing is left."""
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type == "Polygon"]
    if not parts:
        log.add("geometry_invalid", **where, reason=reason)
        return geom
    repaired = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)

    def area(g: shapely.Geometry) -> float:
        if crs is None:
            return float("nan")
        return float(gpd.GeoSeries([g], crs=WGS84).to_crs(crs).area.iloc[0])

    log.add(
        "geometry_repaired",
        REPAIRED,
        **where,
        reason=reason,
        before=area(geom),
        after=area(repaired),
    )
    return repaired


def _coverage(gdf: gpd.GeoDataFrame, rows: np.ndarray, log: IssueLog) -> None:
    """Cells must tile the area: report overlaps and holes between cells."""
    ok = ~(gdf.geometry.isna() | gdf.geometry.is_empty) & gdf.geometry.is_valid
    if ok.sum() < 2:
        return
    sub = gdf[ok.to_numpy()]
    sub_rows = rows[ok.to_numpy()]
    metric = sub.geometry.to_crs(metric_crs(sub)).to_numpy()
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(metric[left], metric[right]))
    own = shapely.area(metric)
    limit = np.maximum(1.0, 1e-4 * np.minimum(own[left], own[right]))
    ids = sub["cell_id"].to_numpy()
    for k in np.flatnonzero(areas > limit):
        a, b = left[k], right[k]
        log.add(
            "cells_overlap",
            row=int(sub_rows[a]),
            ident=f"cell_id={ids[a]}",
            other=ids[b],
            area=float(areas[k]),
        )
    union = shapely.union_all(metric, grid_size=0.01)
    small = max(1.0, 1e-3 * float(np.median(own)))
    to_wgs = gpd.GeoSeries([], crs=metric_crs(sub)).crs
    for poly in shapely.get_parts(union):
        if poly.geom_type != "Polygon":
            continue
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            if hole.area <= small:
                continue
            p = gpd.GeoSeries([hole.representative_point()], crs=to_wgs).to_crs(WGS84)
            log.add("cells_gap", area=hole.area, x=p.x.iloc[0], y=p.y.iloc[0])


def _conform(
    result: ReadResult, target: str, scenario: Scenario, log: IssueLog
) -> gpd.GeoDataFrame:
    """The read layer with schema columns, types and values, or errors logged."""
    gdf = result.gdf.copy()
    rows = result.rows
    gdf = _map_columns(gdf, target, log)
    derivable = {"last_inspected"} if target == "enterprises" else set()
    if target == "squads" and len(scenario.towns):
        derivable.add("area_id")
    if target == "hotspots":
        derivable.add("event_id")  # camera exports often carry no id
    if target == "cells":
        derivable.add("land_use")  # a QGIS grid has none: suburban, said so
        if len(scenario.towns):
            derivable |= {"town_id", "area_id"}
    if _missing_required(gdf, target, derivable, log):
        return gdf
    id_col = ID_COLUMNS[target]
    generate_ids = target == "hotspots" and id_col not in gdf.columns
    if not generate_ids:
        _ids(gdf, id_col, rows, log)
    for col in REQUIRED_COLUMNS[target]:
        if col in gdf.columns and col != "geometry":
            gdf[col] = _text(gdf[col])
    skip_empty = result.tabular and target not in POLYGON_LAYERS
    gdf = _geometries(gdf, target, rows, id_col, skip_empty, log)
    if target == "cells":
        _cells(gdf, scenario, rows, log)
    elif target == "towns":
        gdf["area_name"] = _text(gdf.get("area_name", pd.Series(index=gdf.index)))
        gdf.geometry = gdf.geometry.apply(_as_multi)
    elif target == "squads":
        if "area_id" not in gdf.columns:
            towns = scenario.towns.to_crs(WGS84)[["area_id", "geometry"]]
            crs = metric_crs(towns)
            joined = gpd.sjoin_nearest(gdf[["geometry"]].to_crs(crs), towns.to_crs(crs))
            joined = joined[~joined.index.duplicated()]
            gdf["area_id"] = joined["area_id"].reindex(gdf.index).astype("str")
            source = Term("towns_layer")
            log.add("column_derived", INFO, column="area_id", source=source)
        _numbers(gdf, "staff", rows, id_col, log, positive_int=True)
        if "teams" in gdf.columns:
            _numbers(gdf, "teams", rows, id_col, log, positive_int=True)
        else:
            gdf["teams"] = scenario.policy.teams_per_squad
    elif target == "enterprises":
        _choice(gdf, "risk", RISKS, RISK_VALUES, rows, log)
        _choice(gdf, "credit", CREDITS, CREDIT_VALUES, rows, log)
        cats = list(scenario.policy.categories)
        mapping = _category_mapping(scenario, _text(gdf["category"]))
        _choice(gdf, "category", cats, mapping, rows, log)
        _last_inspected(gdf, scenario, rows, log)
        for col in ("address", "contact"):
            gdf[col] = _text(gdf[col]) if col in gdf.columns else ""
    elif target == "hotspots":
        types = list(scenario.policy.event_weights)
        _choice(gdf, "event_type", types, {}, rows, log)
        _times(gdf, "time", rows, id_col, log)
        if generate_ids:
            gdf[id_col] = generated_event_ids(gdf)
            log.add("column_derived", WARNING, column=id_col, source=Term("event_hash"))
        gdf["source"] = _text(gdf["source"]) if "source" in gdf.columns else ""
        if "weight" in gdf.columns:
            _numbers(gdf, "weight", rows, id_col, log)
    if target in ("enterprises", "hotspots") and "cell_id" not in gdf.columns:
        gdf["cell_id"] = None  # filled from the cells layer when there is one
    _flags(gdf, "synthetic", rows, id_col, log)
    if target == "cells" and not log.has_errors:
        _coverage(gdf, rows, log)
    return _tidy(gdf, target)


def generated_event_ids(events: gpd.GeoDataFrame) -> pd.Series:
    """Stable ids for events that came without one.

    A hash of the position (to ~1 m), time and type, so re-importing the
    same export gives the same ids; events identical in all three get
    ``-2``, ``-3`` … in file order.
    """
    pts = events.geometry.to_crs(WGS84) if events.crs is not None else events.geometry
    x = shapely.get_x(shapely.centroid(pts.to_numpy()))
    y = shapely.get_y(shapely.centroid(pts.to_numpy()))
    times = events["time"].astype("str") if "time" in events else ""
    kinds = events["event_type"].astype("str") if "event_type" in events else ""
    keys = pd.Series(
        [f"{a:.5f},{b:.5f}" for a, b in zip(x, y, strict=True)], index=events.index
    )
    keys = keys + "|" + times + "|" + kinds
    ids = keys.map(lambda k: "EV" + hashlib.sha1(k.encode("utf-8")).hexdigest()[:12])
    nth = ids.groupby(ids).cumcount()
    return ids.where(nth == 0, ids + "-" + (nth + 1).astype(str))


def _cells(
    gdf: gpd.GeoDataFrame, scenario: Scenario, rows: np.ndarray, log: IssueLog
) -> None:
    id_col = "cell_id"
    if "town_id" not in gdf.columns or "area_id" not in gdf.columns:
        # nearest in metres: a cell outside every town goes to the closest
        crs = metric_crs(scenario.towns.to_crs(WGS84))
        towns = scenario.towns.to_crs(crs)
        centres = gpd.GeoDataFrame(
            geometry=gdf.geometry.representative_point(), crs=WGS84
        ).to_crs(crs)
        joined = gpd.sjoin_nearest(centres, towns[["town_id", "area_id", "geometry"]])
        joined = joined[~joined.index.duplicated()]
        for col in ("town_id", "area_id"):
            if col not in gdf.columns:
                gdf[col] = joined[col].reindex(gdf.index).astype("str")
                log.add("column_derived", INFO, column=col, source=Term("towns_layer"))
    if "land_use" not in gdf.columns:
        gdf["land_use"] = "suburban"
        log.add("column_derived", WARNING, column="land_use", source=Term("defaults"))
    _choice(gdf, "land_use", LAND_USES, LAND_USE_VALUES, rows, log)
    metric = gdf.geometry.to_crs(metric_crs(gdf)) if len(gdf) else gdf.geometry
    gdf["area_km2"] = (metric.area / 1e6).astype(float)
    for col in ("inspection_min", "patrol_min", "workload"):
        if col in gdf.columns:
            _numbers(gdf, col, rows, id_col, log)
    if "squad_id" in gdf.columns:
        text = _text(gdf["squad_id"])
        gdf["squad_id"] = text.astype(object).where(text.notna(), None)
    else:
        gdf["squad_id"] = None
    _flags(gdf, "locked", rows, id_col, log)


def _as_multi(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    if geom is not None and geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    return geom


def _tidy(gdf: gpd.GeoDataFrame, target: str) -> gpd.GeoDataFrame:
    """Schema columns first; extra columns kept under names a GeoPackage takes."""
    geom_col = gdf.geometry.name
    first = [c for c in REQUIRED_COLUMNS[target] if c in gdf.columns]
    rest = [c for c in gdf.columns if c not in first and c != geom_col]
    taken = {c.lower() for c in first} | {"fid", "geometry", "geom"}
    renames = {}
    for col in rest:
        name, k = col, 2
        while name.lower() in taken:
            name = f"{col}_{k}"
            k += 1
        taken.add(name.lower())
        if name != col:
            renames[col] = name
    out = gdf[[*first, *rest, geom_col]].rename(columns=renames)
    out = out.rename_geometry("geometry") if geom_col != "geometry" else out
    return out.set_crs(WGS84, allow_override=True).reset_index(drop=True)


def _reattach(scenario: Scenario, target: str, log: IssueLog) -> None:
    """Keep ``cell_id`` of points consistent with the cells after an import."""
    cells = scenario.cells
    if len(cells) == 0:
        return
    if target in ("enterprises", "hotspots"):
        layers = [target]
    elif target == "cells":
        layers = [n for n in ("enterprises", "hotspots") if len(getattr(scenario, n))]
    else:
        return
    crs = metric_crs(cells)
    metric_cells = cells[["cell_id", "geometry"]].to_crs(crs)
    for name in layers:
        points = getattr(scenario, name)
        ok = ~(points.geometry.isna() | points.geometry.is_empty)
        joined = gpd.sjoin_nearest(
            points.loc[ok, ["geometry"]].to_crs(crs), metric_cells
        )
        joined = joined[~joined.index.duplicated()]
        points = points.copy()
        points["cell_id"] = joined["cell_id"].reindex(points.index).astype("str")
        setattr(scenario, name, points)
    if target == "cells":
        log.add("cells_reassigned", INFO, layers=layers)
