"""A CJK font reportlab can embed, found once per process.

Why this exists: reportlab embeds only TrueType outlines. Debian's
``fonts-noto-cjk`` ships CFF-based OpenType collections, which reportlab
cannot embed, so PDFs use WenQuanYi Micro Hei (``fonts-wqy-microhei``,
TrueType). When no TrueType CJK font is found we fall back to Adobe's
built-in CID font ``STSong-Light``: every PDF reader shows it, but it is not
embedded, so a reader without Asian font packs may substitute it.
``PATROL_CJK_FONT`` (path to a .ttf/.ttc) overrides the search.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

FONT_NAME = "PatrolCJK"
FALLBACK_CID = "STSong-Light"
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)


@dataclass(frozen=True)
class CJKFont:
    """The registered font: its reportlab name and whether it is embedded."""

    name: str
    path: Path | None
    embedded: bool

    def has_char(self, ch: str) -> bool:
        """Whether the font has a glyph for ``ch`` (CID fallback: assume yes)."""
        if not self.embedded:
            return True
        face = pdfmetrics.getFont(self.name).face
        return ord(ch) in face.charToGlyph


def _try_ttf(path: Path) -> bool:
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(FONT_NAME, str(path), subfontIndex=0)
    except (TTFError, OSError, ValueError):
        return False
    if ord("查") not in font.face.charToGlyph:
        return False
    pdfmetrics.registerFont(font)
    return True


@lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """Register and return the CJK font used by every PDF export."""
    override = os.environ.get("PATROL_CJK_FONT")
    paths = [Path(override)] if override else []
    paths += [Path(p) for p in CANDIDATES]
    for path in paths:
        if path.is_file() and _try_ttf(path):
            return CJKFont(FONT_NAME, path, True)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    return CJKFont(FALLBACK_CID, None, False)


def tick_box(font: CJKFont) -> str:
    """An empty tick box glyph the font has: ☐ if present, else □ (U+25A1)."""
    return "☐" if font.has_char("☐") else "□"
