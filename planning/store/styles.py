"""QGIS styles (QML) for the store's layers, written to ``layer_styles``.

QGIS applies a layer's default row of ``public.layer_styles`` when it opens
the table, so a planner who opens the shared store in QGIS sees zones and
cells coloured per squad and firms by risk colour, as in the app.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pandas as pd

# the app's squad palette (maps/render.py), repeated here: planning/ does not
# import maps/
SQUAD_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39",
)  # fmt: skip
RISK_COLOURS = {"red": "#d62728", "yellow": "#f2c200", "green": "#2ca02c"}

# QGIS symbol type and the ``type`` column value per PostGIS geometry family
_FAMILY = {"Polygon": ("fill", "Polygon"), "LineString": ("line", "Line")}


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _symbol(kind: str, name: str, colour: str) -> str:
    if kind == "fill":
        layer_class = "SimpleFill"
        props = {
            "color": _rgba(colour, 150),
            "outline_color": _rgba(colour),
            "outline_width": "0.3",
            "style": "solid",
        }
    elif kind == "line":
        layer_class = "SimpleLine"
        props = {"line_color": _rgba(colour), "line_width": "0.6"}
    else:
        layer_class = "SimpleMarker"
        props = {
            "color": _rgba(colour),
            "name": "circle",
            "size": "2.2",
            "outline_color": "35,35,35,255",
        }
    options = "".join(
        f'<Option type="QString" name="{k}" value="{v}"/>' for k, v in props.items()
    )
    return (
        f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" '
        f'force_rhr="0"><layer class="{layer_class}" enabled="1" pass="0" '
        f'locked="0"><Option type="Map">{options}</Option></layer></symbol>'
    )


def _categorised(kind: str, attr: str, categories: list[tuple[str, str, str]]) -> str:
    cats = "".join(
        f'<category value={quoteattr(v)} symbol="{i}" label={quoteattr(label)} '
        'render="true"/>'
        for i, (v, label, _) in enumerate(categories)
    )
    symbols = "".join(
        _symbol(kind, str(i), colour) for i, (_, _, colour) in enumerate(categories)
    )
    return (
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attr)} '
        'symbollevels="0" enableorderby="0" forceraster="0">'
        f"<categories>{cats}</categories><symbols>{symbols}</symbols>"
        "</renderer-v2>"
    )


def _single(kind: str, colour: str) -> str:
    return (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
        f'forceraster="0"><symbols>{_symbol(kind, "0", colour)}</symbols>'
        "</renderer-v2>"
    )


def _qml(renderer: str) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        f'<qgis version="3.28.0" styleCategories="Symbology">{renderer}</qgis>'
    )


def symbol_family(geom_type: str) -> tuple[str, str]:
    """QGIS symbol kind and ``layer_styles.type`` of a PostGIS geometry type."""
    base = geom_type.removeprefix("Multi")
    return _FAMILY.get(base, ("marker", "Point"))


def layer_qml(name: str, geom_type: str, df: pd.DataFrame) -> str:
    """The QML of one layer: squads' colours where the layer has squad_id."""
    kind, _ = symbol_family(geom_type)
    if name == "enterprises" and "risk" in df:
        cats = [(r, r, c) for r, c in RISK_COLOURS.items()]
        return _qml(_categorised(kind, "risk", cats))
    if "squad_id" in df and df["squad_id"].notna().any():
        squads = sorted(str(s) for s in df["squad_id"].dropna().unique())
        cats = [
            (s, s, SQUAD_PALETTE[i % len(SQUAD_PALETTE)]) for i, s in enumerate(squads)
        ]
        return _qml(_categorised(kind, "squad_id", cats))
    return _qml(_single(kind, "#555555"))
