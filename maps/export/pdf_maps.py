"""The maps of a work order: a team-day's route and a weekday's patrol
loops over the zone outline and the base, drawn as reportlab Drawings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import shapely
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors
from reportlab.lib.units import mm

from maps.export.navigation import PatrolLoop

if TYPE_CHECKING:
    from maps.export.pdf import TeamDay

MAP_W, MAP_H = 84 * mm, 66 * mm
ROUTE_COLOR = colors.HexColor("#d62728")
ZONE_COLOR = colors.HexColor("#1f77b4")
STOP_COLOR = colors.HexColor("#1f4e79")
GRID_COLOR = colors.HexColor("#9aa5b1")


# --------------------------------------------------------------------------- #
# the route map
# --------------------------------------------------------------------------- #


def _nice_km(span_km: float) -> float:
    """A round scale-bar length about a quarter of the map width."""
    target = max(span_km / 4.0, 0.05)
    p = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * p <= target:
            return m * p
    return p


@dataclass(frozen=True)
class SquadMap:
    """What every map of one squad's work order shows besides its route or
    loops: the zone outline and the base, labelled in ``font``."""

    zone: shapely.Geometry | None
    base: tuple[float, float] | None
    font: str
    width: float = MAP_W
    height: float = MAP_H


class _Frame:
    """A map drawing fitted to some lon/lat points: local equirectangular
    projection (cos(lat) on x), exact enough for a few kilometres and needing
    no CRS machinery at print time. The base is fitted too, and the zone
    outline drawn first, under whatever the map adds."""

    def __init__(self, pts: list[tuple[float, float]], squad: SquadMap) -> None:
        zone, base, font = squad.zone, squad.base, squad.font
        width, height = squad.width, squad.height
        if base is not None:
            pts = [*pts, base]
        self.font, self.width, self.height = font, width, height
        self.drawing = d = Drawing(width, height)
        d.add(
            Rect(
                0,
                0,
                width,
                height,
                fillColor=colors.HexColor("#f7f9fb"),
                strokeColor=GRID_COLOR,
                strokeWidth=0.6,
            )
        )
        if zone is not None and not zone.is_empty:
            # show the whole zone when it is not much larger than the route
            minx, miny, maxx, maxy = zone.bounds
            if not pts or (
                pts
                and (maxx - minx)
                <= 4 * max(max(p[0] for p in pts) - min(p[0] for p in pts), 0.005)
                and (maxy - miny)
                <= 4 * max(max(p[1] for p in pts) - min(p[1] for p in pts), 0.005)
            ):
                pts = [*pts, (minx, miny), (maxx, maxy)]
        self.empty = not pts
        if self.empty:
            return
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        lat0 = (min(ys) + max(ys)) / 2
        self.kx = kx = math.cos(math.radians(lat0))
        span_x = max((max(xs) - min(xs)) * kx, 0.004)
        span_y = max(max(ys) - min(ys), 0.004)
        pad = 8.0
        self.scale = scale = (
            min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y) / 1.12
        )
        self.cx, self.cy = (min(xs) + max(xs)) / 2, lat0
        # view window in lon/lat, to clip the zone (reportlab shapes are not
        # clipped)
        half_w, half_h = width / 2 / (kx * scale), height / 2 / scale
        self.view = (
            self.cx - half_w,
            self.cy - half_h,
            self.cx + half_w,
            self.cy + half_h,
        )
        self.zone(zone)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.width / 2 + (lon - self.cx) * self.kx * self.scale,
            self.height / 2 + (lat - self.cy) * self.scale,
        )

    def blank(self, text: str) -> Drawing:
        self.drawing.add(
            String(
                self.width / 2,
                self.height / 2,
                text,
                fontName=self.font,
                fontSize=9,
                textAnchor="middle",
            )
        )
        return self.drawing

    def zone(self, zone: shapely.Geometry | None) -> None:
        if zone is None or zone.is_empty:
            return
        clipped = shapely.clip_by_rect(zone, *self.view)
        for poly in getattr(clipped, "geoms", [clipped]):
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                flat = [v for x, y in ring.coords for v in self.xy(x, y)]
                self.drawing.add(
                    Polygon(
                        flat,
                        fillColor=colors.Color(0.12, 0.47, 0.71, 0.08),
                        strokeColor=ZONE_COLOR,
                        strokeWidth=0.9,
                        strokeDashArray=[3, 2],
                    )
                )

    def base(self, base: tuple[float, float] | None) -> None:
        if base is None:
            return
        bx, by = self.xy(*base)
        d = self.drawing
        d.add(Rect(bx - 4, by - 4, 8, 8, fillColor=colors.black, strokeColor=None))
        d.add(String(bx + 6, by - 3, "驻地", fontName=self.font, fontSize=7))

    def marker(self, lon: float, lat: float, label: str, fill: colors.Color) -> None:
        px, py = self.xy(lon, lat)
        self.drawing.add(
            Circle(
                px,
                py,
                5.5,
                fillColor=fill,
                strokeColor=colors.white,
                strokeWidth=0.8,
            )
        )
        self.drawing.add(
            String(
                px,
                py - 2.6,
                label,
                fontName=self.font,
                fontSize=7,
                fillColor=colors.white,
                textAnchor="middle",
            )
        )

    def finish(self) -> Drawing:
        """Scale bar and north arrow."""
        d, font, width, height = self.drawing, self.font, self.width, self.height
        km = _nice_km(width / self.scale * 111.32)
        bar = km / 111.32 * self.scale
        d.add(Line(6, 6, 6 + bar, 6, strokeColor=colors.black, strokeWidth=1.2))
        d.add(Line(6, 4, 6, 8, strokeColor=colors.black))
        d.add(Line(6 + bar, 4, 6 + bar, 8, strokeColor=colors.black))
        label = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
        d.add(String(8 + bar, 4, label, fontName=font, fontSize=6.5))
        nx, ny = width - 9, height - 18
        d.add(
            Polygon(
                [nx - 3.5, ny, nx + 3.5, ny, nx, ny + 9],
                fillColor=colors.black,
                strokeColor=None,
            )
        )
        d.add(
            String(
                nx,
                ny + 10,
                "N",
                fontName=font,
                fontSize=6.5,
                textAnchor="middle",
            )
        )
        return d


def route_map(td: TeamDay, squad: SquadMap) -> Drawing:
    """Zone outline, route polyline, base and numbered stops, fitted to the route."""
    stops = [
        (float(x), float(y))
        for x, y in zip(td.stops["lon"], td.stops["lat"], strict=True)
        if pd.notna(x)
    ]
    frame = _Frame([*td.line, *stops], squad)
    if frame.empty:
        return frame.blank("无路线")
    # without a road-following line, straight legs from the base and back
    home = [squad.base] if squad.base else []
    line = td.line or [*home, *stops, *home]
    if len(line) >= 2:
        frame.drawing.add(
            PolyLine(
                [v for p in line for v in frame.xy(*p)],
                strokeColor=ROUTE_COLOR,
                strokeWidth=1.4,
            )
        )
    frame.base(squad.base)
    for _, s in td.stops.iterrows():
        if pd.isna(s["lon"]):
            continue
        frame.marker(float(s["lon"]), float(s["lat"]), str(int(s["seq"])), STOP_COLOR)
    return frame.finish()


def patrol_map(loops: list[PatrolLoop], squad: SquadMap) -> Drawing:
    """One weekday's patrol loops: a line per loop in its window's colour,
    points numbered in patrol order, fitted to the loops."""
    pts = [p for lp in loops for p in lp.line]
    pts += [
        (float(x), float(y))
        for lp in loops
        for x, y in zip(lp.points["lon"], lp.points["lat"], strict=True)
    ]
    frame = _Frame(pts, squad)
    if frame.empty:
        return frame.blank("无巡查路线")
    for lp in loops:
        if len(lp.line) >= 2:
            frame.drawing.add(
                PolyLine(
                    [v for p in lp.line for v in frame.xy(*p)],
                    strokeColor=colors.HexColor(lp.color),
                    strokeWidth=1.4,
                    strokeDashArray=[4, 2],
                )
            )
    frame.base(squad.base)
    for lp in loops:
        fill = colors.HexColor(lp.color)
        for _, p in lp.points.iterrows():
            frame.marker(float(p["lon"]), float(p["lat"]), str(int(p["seq"])), fill)
    return frame.finish()
