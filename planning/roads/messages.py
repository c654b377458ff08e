"""Import findings about roads and barriers, in Chinese and English.

They join :data:`planning.io.errors.TEMPLATES` when this package is
imported, so road findings render like every other import finding while the
shared template table stays untouched by this package.
"""

from __future__ import annotations

from planning.io.errors import TEMPLATES

ROAD_TEMPLATES: dict[str, dict[str, str]] = {
    "roads_pyrosm_missing": {
        "zh_CN": "读取 .osm.pbf 需要 pyrosm（pip install pyrosm）",
        "en": "reading .osm.pbf needs pyrosm (pip install pyrosm)",
    },
    "roads_not_lines": {
        "zh_CN": "道路图层应为线要素，但 {n} 个要素是 {types}",
        "en": "a road layer must hold lines, but {n} feature(s) are {types}",
    },
    "barriers_wrong_type": {
        "zh_CN": "障碍图层应为线（高速、铁路）或面（河流、湖泊），"
        "但 {n} 个要素是 {types}",
        "en": "a barrier layer must hold lines (expressways, railways) or "
        "polygons (rivers, lakes), but {n} feature(s) are {types}",
    },
    "roads_no_crs": {
        "zh_CN": "文件没有坐标系，且未用 --coords 指定；道路长度无法确定",
        "en": "the file has no coordinate system and --coords was not given; "
        "road lengths cannot be known",
    },
    "roads_far": {
        "zh_CN": "道路距县域最近 {km:.1f} 公里，不在本项目范围内（坐标系或文件有误？）",
        "en": "the roads lie {km:.1f} km from the county at the nearest; not this "
        "project's area (wrong coordinates or file?)",
    },
    "roads_outside_share": {
        "zh_CN": "{n} 条道路（{share:.0f}%）在县域外",
        "en": "{n} road(s) ({share:.0f}%) lie outside the county",
    },
    "roads_unknown_class": {
        "zh_CN": "未知道路等级 {classes}，按默认速度 {speed:g} km/h 计",
        "en": "unknown road class(es) {classes}; the default {speed:g} km/h used",
    },
    "roads_fields": {
        "zh_CN": "字段对应：{fields}",
        "en": "fields used: {fields}",
    },
    "roads_all_one_way": {
        "zh_CN": "全部 {n} 条道路都是单行线，{traps} 个路口只进不出或只出不进；"
        "请检查单行字段（是否把所有道路都标成了单行？）",
        "en": "all {n} roads are one-way and {traps} junction(s) are traps; "
        "check the one-way field (was every road marked one-way?)",
    },
    "roads_traps": {
        "zh_CN": "{n} 个路口是单行陷阱（只进不出或只出不进）",
        "en": "{n} junction(s) are one-way traps (in but not out, or out but not in)",
    },
    "roads_islands": {
        "zh_CN": "{n} 个点只能到达小块孤立路网（不与主路网相连）：{ids}",
        "en": "{n} point(s) can reach only a small island of road: {ids}",
    },
    "roads_far_points": {
        "zh_CN": "{n} 个点距最近可停车的道路超过 {metres:g} 米，仍纳入计划"
        "（接驳段按步行速度计）：{ids}",
        "en": "{n} point(s) lie more than {metres:g} m from any road a vehicle may "
        "stop on; still planned, with the access leg at walking pace: {ids}",
    },
    "barriers_look_like_roads": {
        "zh_CN": "该图层有道路字段（{fields}）且含 {n} 条线，像是道路图层；"
        "请用 --as roads 导入",
        "en": "this layer has road fields ({fields}) and {n} lines; it looks like a "
        "road layer: import it with --as roads",
    },
    "roads_imported": {
        "zh_CN": "已导入道路 {n} 条（{segments} 个路段，{km:,.1f} 公里）",
        "en": "{n} road(s) imported ({segments} segments, {km:,.1f} km)",
    },
    "barriers_imported": {
        "zh_CN": "已导入障碍 {n} 个（线 {lines}，面 {polygons}）",
        "en": "{n} barrier(s) imported ({lines} line, {polygons} polygon)",
    },
}


def register() -> None:
    """Add the road templates to the shared table (idempotent)."""
    from planning.roads.topology import REPAIR_WORDS

    for code, text in ROAD_TEMPLATES.items():
        TEMPLATES.setdefault(code, text)
    for key in REPAIR_WORDS["en"]:
        TEMPLATES.setdefault(
            f"roads_repair_{key.lstrip('_')}",
            {lang: words[key] for lang, words in REPAIR_WORDS.items()},
        )
