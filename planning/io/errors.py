"""Import findings a planner can act on, in Chinese or English.

Every finding of the readers and the importer is an :class:`Issue`: a
template code, a level, where it is (file, layer, row as the user sees it in
Excel or the feature's id, column) and parameters. Text is rendered late from
:data:`TEMPLATES` keyed by language, so the GUI can switch language without
re-reading, and tests can check the location parts without matching prose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from planning.model import ScenarioError

LANGS = ("zh_CN", "en")
ERROR, WARNING, REPAIRED, INFO = "error", "warning", "repaired", "info"
MAX_PER_CODE = 20  # row-level findings listed per kind; the rest are counted

# code -> {lang: body}; bodies use str.format with the issue's params.
TEMPLATES: dict[str, dict[str, str]] = {
    "file_missing": {"zh_CN": "文件不存在", "en": "file does not exist"},
    "unsupported_format": {
        "zh_CN": "不支持的文件类型「{suffix}」；支持 {supported}",
        "en": "unsupported file type '{suffix}'; supported: {supported}",
    },
    "unreadable": {
        "zh_CN": "无法读取该文件（{detail}）",
        "en": "cannot read the file ({detail})",
    },
    "layer_ambiguous": {
        "zh_CN": "文件含多个图层：{layers}；请指定要导入的图层（--layer）",
        "en": "the file holds several layers: {layers}; choose one (--layer)",
    },
    "layer_missing": {
        "zh_CN": "没有名为「{layer}」的图层；可选：{layers}",
        "en": "no layer named '{layer}'; available: {layers}",
    },
    "sheet_chosen": {
        "zh_CN": "工作簿含多个工作表（{layers}），已读取「{layer}」",
        "en": "the workbook has several sheets ({layers}); read '{layer}'",
    },
    "zip_unsafe_path": {
        "zh_CN": "压缩包内含不安全的路径「{name}」，已拒绝整个压缩包",
        "en": "the archive holds an unsafe path '{name}'; archive refused",
    },
    "zip_too_big": {
        "zh_CN": "压缩包解压后约 {size_mb:,.0f} MB，"
        "超过上限 {limit_mb:,.0f} MB，已拒绝",
        "en": "the archive unpacks to ~{size_mb:,.0f} MB, over the "
        "{limit_mb:,.0f} MB limit; refused",
    },
    "zip_too_many": {
        "zh_CN": "压缩包含 {n:,} 个文件，超过上限 {limit:,}，已拒绝",
        "en": "the archive holds {n:,} files, over the {limit:,} limit; refused",
    },
    "zip_ratio": {
        "zh_CN": "压缩包中「{name}」的压缩比为 {ratio:,.0f}:1，疑似压缩炸弹，已拒绝",
        "en": "'{name}' in the archive is compressed {ratio:,.0f}:1, "
        "likely a zip bomb; refused",
    },
    "zip_no_layer": {
        "zh_CN": "压缩包中没有可读取的图层（.shp / .gpkg / .geojson / .kml）",
        "en": "the archive holds no readable layer (.shp / .gpkg / .geojson / .kml)",
    },
    "shp_part_missing": {
        "zh_CN": "Shapefile 缺少配套文件 {parts}",
        "en": "the Shapefile lacks its companion file(s) {parts}",
    },
    "encoding_used": {
        "zh_CN": "属性表按 {encoding} 编码读取（{how}）",
        "en": "attributes read as {encoding} ({how})",
    },
    "cpg_wrong": {
        "zh_CN": ".cpg 声明编码为 {declared}，但内容不符，已改按 {encoding} 读取",
        "en": "the .cpg says {declared} but the text is not; read as {encoding}",
    },
    "no_header": {
        "zh_CN": "前 {n} 行中找不到表头行",
        "en": "no header row found in the first {n} rows",
    },
    "header_row": {
        "zh_CN": "表头位于第 {line} 行，其上方的标题行已跳过",
        "en": "header found on row {line}; title rows above it skipped",
    },
    "no_coord_columns": {
        "zh_CN": "找不到经纬度列（可用列名：经度/纬度、lon/lat、lng、x/y、"
        "longitude/latitude，或 WKT 几何列）；表中的列：{columns}",
        "en": "no coordinate columns (use 经度/纬度, lon/lat, lng, x/y, "
        "longitude/latitude, or a WKT geometry column); columns: {columns}",
    },
    "coord_columns": {
        "zh_CN": "坐标取自列「{lon}」（经度）和「{lat}」（纬度）",
        "en": "coordinates from columns '{lon}' (longitude) and '{lat}' (latitude)",
    },
    "bad_table": {
        "zh_CN": "表格格式错误（{detail}）",
        "en": "malformed table ({detail})",
    },
    "bad_number": {
        "zh_CN": "「{value}」不是数字",
        "en": "'{value}' is not a number",
    },
    "missing_coordinate": {
        "zh_CN": "缺少坐标，或坐标不是有限数值",
        "en": "coordinates missing or not finite",
    },
    "bad_wkt": {
        "zh_CN": "几何文本无法解析：「{value}」",
        "en": "cannot parse the geometry text '{value}'",
    },
    "no_crs": {
        "zh_CN": "文件未声明坐标系，按 WGS84 经纬度读取",
        "en": "the file declares no coordinate system; read as WGS84 degrees",
    },
    "coords_unknown": {
        "zh_CN": "无法识别的坐标系参数「{coords}」（可用 auto、wgs84、cgcs2000、"
        "gcj02、bd09 或 EPSG:代码）",
        "en": "unknown coordinate system '{coords}' (use auto, wgs84, cgcs2000, "
        "gcj02, bd09 or EPSG:code)",
    },
    "reprojected": {
        "zh_CN": "坐标已由 {crs} 转换为 WGS84",
        "en": "coordinates converted from {crs} to WGS84",
    },
    "crs_override": {
        "zh_CN": "文件声明的坐标系为 {declared}，按指定的 {coords} 读取",
        "en": "the file declares {declared}; read as {coords} as requested",
    },
    "datum_converted": {
        "zh_CN": "{datum} 坐标已转换为 WGS84（{how}）",
        "en": "{datum} coordinates converted to WGS84 ({how})",
    },
    "looks_projected": {
        "zh_CN": "坐标值（如 {x:,.1f}, {y:,.1f}）像是投影坐标（米），不是经纬度；"
        "请用 --coords EPSG:代码 指定坐标系（如 CGCS2000 3 度带 EPSG:4549）",
        "en": "coordinates (e.g. {x:,.1f}, {y:,.1f}) look like projected metres, "
        "not degrees; give the system with --coords EPSG:code "
        "(e.g. CGCS2000 3-degree zone EPSG:4549)",
    },
    "outside_extent": {
        "zh_CN": "{n:,} / {total:,} 个要素落在预期范围 {bounds} 之外"
        "（如第 {rows} 行）；可能原因：{cause}",
        "en": "{n:,} of {total:,} features lie outside the expected extent "
        "{bounds} (e.g. rows {rows}); likely cause: {cause}",
    },
    "empty_layer": {"zh_CN": "图层没有任何要素", "en": "the layer has no features"},
    "column_missing": {
        "zh_CN": "缺少此必填列",
        "en": "required column is missing",
    },
    "column_missing_guess": {
        "zh_CN": "缺少此必填列；是否应为列「{guess}」？",
        "en": "required column is missing; did you mean '{guess}'?",
    },
    "column_renamed": {
        "zh_CN": "按「{target}」读取",
        "en": "read as '{target}'",
    },
    "column_derived": {
        "zh_CN": "由{source}生成",
        "en": "derived from {source}",
    },
    "values_mapped": {
        "zh_CN": "取值已转换：{pairs}",
        "en": "values converted: {pairs}",
    },
    "unknown_value": {
        "zh_CN": "未知取值「{value}」（{count:,} 行，如第 {rows} 行）；可选：{allowed}",
        "en": "unknown value '{value}' ({count:,} rows, e.g. row {rows}); "
        "expected one of {allowed}",
    },
    "unknown_value_guess": {
        "zh_CN": "未知取值「{value}」（{count:,} 行，如第 {rows} 行），"
        "是否应为「{guess}」？可选：{allowed}",
        "en": "unknown value '{value}' ({count:,} rows, e.g. row {rows}); "
        "did you mean '{guess}'? Expected one of {allowed}",
    },
    "cells_reassigned": {
        "zh_CN": "{layers} 已按新网格重新归属网格编号",
        "en": "{layers} re-attached to the new cells",
    },
    "not_positive": {
        "zh_CN": "「{value}」应为正整数",
        "en": "'{value}' must be a positive whole number",
    },
    "bad_flag": {"zh_CN": "「{value}」应为 0 或 1", "en": "'{value}' must be 0 or 1"},
    "bad_time": {
        "zh_CN": "无法识别的时间「{value}」（应为 2026-11-03 08:15 这样的格式）",
        "en": "cannot read the time '{value}' (expected e.g. 2026-11-03 08:15)",
    },
    "bad_json": {
        "zh_CN": "「{value}」不是「检查项编号 → 日期」的 JSON 对象",
        "en": "'{value}' is not a JSON object of item id -> date",
    },
    "missing_id": {"zh_CN": "编号为空", "en": "the id is empty"},
    "duplicate_id": {
        "zh_CN": "编号「{value}」重复（第 {rows} 行）",
        "en": "duplicate id '{value}' (rows {rows})",
    },
    "empty_geometry": {"zh_CN": "几何为空", "en": "empty geometry"},
    "wrong_geometry": {
        "zh_CN": "几何类型为 {actual}，应为 {expected}",
        "en": "geometry is a {actual}, expected {expected}",
    },
    "geometry_repaired": {
        "zh_CN": "几何无效（{reason}），已自动修复"
        "（面积 {before:,.0f} → {after:,.0f} m²）",
        "en": "invalid geometry ({reason}) repaired (area {before:,.0f} -> "
        "{after:,.0f} m²)",
    },
    "geometry_invalid": {
        "zh_CN": "几何无效（{reason}），无法安全修复",
        "en": "invalid geometry ({reason}) that cannot be repaired safely",
    },
    "cells_overlap": {
        "zh_CN": "与网格「{other}」重叠 {area:,.0f} m²",
        "en": "overlaps cell '{other}' by {area:,.0f} m²",
    },
    "cells_gap": {
        "zh_CN": "网格之间有空隙，面积 {area:,.0f} m²，位于 ({x:.5f}, {y:.5f}) 附近",
        "en": "gap of {area:,.0f} m² between cells near ({x:.5f}, {y:.5f})",
    },
    "more": {
        "zh_CN": "另有 {n:,} 处同类问题（{what}）未逐条列出",
        "en": "{n:,} more findings of this kind ({what}) not listed",
    },
    "project_unreadable": {
        "zh_CN": "无法打开项目：{detail}",
        "en": "cannot open the project: {detail}",
    },
    "project_save_failed": {
        "zh_CN": "保存项目失败，原文件未改动（{detail}）",
        "en": "saving the project failed; the file is unchanged ({detail})",
    },
    "unknown_kind": {
        "zh_CN": "未知的图层类别「{kind}」；可选：{kinds}",
        "en": "unknown layer kind '{kind}'; expected one of {kinds}",
    },
    "plan_stale": {
        "zh_CN": "项目中已有的方案基于旧数据，请重新生成方案",
        "en": "the plan saved in the project was made from the old data; re-plan",
    },
    "replaced": {
        "zh_CN": "图层「{layer}」已替换：{before:,} → {after:,} 个要素",
        "en": "layer '{layer}' replaced: {before:,} -> {after:,} features",
    },
}

# Words that fill a template's parameters, by language.
TERMS: dict[str, dict[str, str]] = {
    "swapped": {
        "zh_CN": "经度和纬度列对调了",
        "en": "longitude and latitude are swapped",
    },
    "projected": {
        "zh_CN": "投影坐标（米）被当作经纬度读取",
        "en": "projected metres read as degrees",
    },
    "gcj02": {
        "zh_CN": "坐标是 GCJ-02（高德/腾讯）而非 WGS84，偏移约 500 米",
        "en": "GCJ-02 (Amap / Tencent) coordinates read as WGS84, ~500 m off",
    },
    "bd09": {
        "zh_CN": "坐标是 BD-09（百度）而非 WGS84，偏移约 500 米至 1 千米",
        "en": "BD-09 (Baidu) coordinates read as WGS84, ~500 m-1 km off",
    },
    "datum": {
        "zh_CN": "坐标是 GCJ-02（高德/腾讯）或 BD-09（百度）而非 WGS84，偏移约 500 米",
        "en": "GCJ-02 (Amap / Tencent) or BD-09 (Baidu) coordinates read as "
        "WGS84, ~500 m off",
    },
    "elsewhere": {
        "zh_CN": "数据属于其他地区，或部分坐标录入错误",
        "en": "data of another area, or some coordinates mistyped",
    },
    "cpg": {"zh_CN": "来自 .cpg 文件", "en": "from the .cpg file"},
    "detected": {"zh_CN": "自动识别", "en": "detected"},
    "bom": {"zh_CN": "文件带 BOM 标记", "en": "byte-order mark"},
    "column_hint": {"zh_CN": "依据列名判断", "en": "judged from the column names"},
    "requested": {"zh_CN": "按指定参数", "en": "as requested"},
    "towns_layer": {"zh_CN": "项目的乡镇图层", "en": "the project's towns layer"},
    "area_geometry": {"zh_CN": "几何面积", "en": "the geometry's area"},
    "last_date": {"zh_CN": "上次检查日期列", "en": "the last-inspection date column"},
    "never_inspected": {
        "zh_CN": "空值（视为从未检查，所有检查项立即到期）",
        "en": "empty values (never inspected: every item due now)",
    },
    "defaults": {"zh_CN": "默认值", "en": "defaults"},
    "event_hash": {
        "zh_CN": "位置、时间和类型（文件无编号列，按哈希生成稳定编号）",
        "en": "position, time and type (the file has no id column; stable hashed ids)",
    },
}

_WHERE = {
    "zh_CN": {
        "layer": "图层「{}」",
        "row": "第 {} 行",
        "ident": "（{}）",
        "column": "列「{}」",
        "sep": "，",
        "end": "：",
    },
    "en": {
        "layer": "layer '{}'",
        "row": "row {}",
        "ident": " ({})",
        "column": "column '{}'",
        "sep": ", ",
        "end": ": ",
    },
}
_LIST_SEP = {"zh_CN": "、", "en": ", "}


@dataclass(frozen=True)
class Term:
    """A parameter rendered from :data:`TERMS` in the issue's language."""

    key: str


@dataclass(frozen=True)
class Issue:
    """One finding, rendered on demand by :meth:`text`.

    ``row`` is the row number the user sees (the spreadsheet row, or the
    feature's 1-based position); ``ident`` is e.g. ``"enterprise_id=E00012"``.
    """

    code: str
    level: str = ERROR
    file: str = ""
    layer: str = ""
    row: int | None = None
    ident: str | None = None
    column: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str = "zh_CN") -> str:
        """The message in ``lang`` (``zh_CN`` or ``en``), location first."""
        lang = lang if lang in LANGS else "zh_CN"
        w = _WHERE[lang]
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.layer:
            parts.append(w["layer"].format(self.layer))
        if self.row is not None:
            row = w["row"].format(self.row)
            parts.append(row + (w["ident"].format(self.ident) if self.ident else ""))
        elif self.ident:
            parts.append(self.ident)
        if self.column:
            parts.append(w["column"].format(self.column))
        params = {k: _render(v, lang) for k, v in self.params.items()}
        body = TEMPLATES[self.code][lang].format(**params)
        return (w["sep"].join(parts) + w["end"] if parts else "") + body


def _render(value: object, lang: str) -> object:
    if isinstance(value, Term):
        return TERMS[value.key][lang]
    if isinstance(value, list | tuple):
        return _LIST_SEP[lang].join(str(_render(v, lang)) for v in value)
    return value


def render(issues: Iterable[Issue], lang: str = "zh_CN") -> list[str]:
    """Messages of ``issues`` in ``lang``."""
    return [i.text(lang) for i in issues]


@dataclass(kw_only=True)
class Findings:
    """What a read or an import found, judged and rendered alike: the base
    of :class:`~planning.io.readers.ReadResult` and
    :class:`~planning.io.importer.ImportReport`."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No finding is an error (the importer refuses a layer with one)."""
        return not any(i.level == ERROR for i in self.issues)

    @property
    def warnings(self) -> list[Issue]:
        """Warnings and repairs: what the planner should look at."""
        return [i for i in self.issues if i.level in (WARNING, REPAIRED)]

    def messages(self, lang: str = "zh_CN") -> list[str]:
        """Every finding in ``lang``, location first."""
        return render(self.issues, lang)


class LayerImportError(ScenarioError):
    """A layer cannot be imported; ``issues`` lists every finding.

    A :class:`~planning.model.ScenarioError`, so callers that already show
    ``problems`` show these too; ``problems`` are in the language asked for.
    """

    def __init__(self, issues: Sequence[Issue], lang: str = "zh_CN"):
        self.issues = list(issues)
        self.lang = lang
        super().__init__(render(self.issues, lang))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]


class IssueLog:
    """Collects issues, keeping at most :data:`MAX_PER_CODE` row-level ones
    per code so a 200,000-row file with one systematic fault stays readable."""

    def __init__(self, file: str, layer: str = ""):
        self.file = file
        self.layer = layer
        self.issues: list[Issue] = []
        self._counts: dict[tuple[str, str], int] = {}

    def add(
        self,
        code: str,
        level: str = ERROR,
        *,
        row: int | None = None,
        ident: str | None = None,
        column: str | None = None,
        **params: object,
    ) -> None:
        key = (code, level)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if row is not None and n > MAX_PER_CODE:
            return
        self.issues.append(
            Issue(code, level, self.file, self.layer, row, ident, column, params)
        )

    def close(self) -> list[Issue]:
        """The issues plus one ``more`` line per code that was capped."""
        out = list(self.issues)
        for (code, level), n in self._counts.items():
            if n > MAX_PER_CODE and any(i.code == code and i.row for i in out):
                out.append(
                    Issue(
                        "more",
                        level,
                        self.file,
                        self.layer,
                        params={"n": n - MAX_PER_CODE, "what": code},
                    )
                )
        return out

    @property
    def has_errors(self) -> bool:
        return any(i.level == ERROR for i in self.issues)

    def fail(self, lang: str = "zh_CN") -> LayerImportError:
        """The error to raise with everything collected so far."""
        return LayerImportError(self.close(), lang)
