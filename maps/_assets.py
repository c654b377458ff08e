"""Vendored Leaflet assets, read once and made safe to inline into a page.

Pages must work offline (bureau networks block CDNs), so every map page
carries Leaflet inside it. The files in ``resources/vendor/leaflet`` stay as
published on npm; the small adjustments needed for inlining happen here.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "resources" / "vendor" / "leaflet"

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)


def _read(name: str) -> str:
    return (VENDOR / name).read_text(encoding="utf-8")


def _script_safe(text: str, name: str) -> str:
    # An inlined script or style must not contain its own closing tag.
    if re.search(r"</(script|style)", text, re.IGNORECASE):
        raise ValueError(f"vendored {name} contains a closing tag; cannot inline")
    return text


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet 1.9.4 minified, without the source-map comment (no fetch)."""
    return _script_safe(_SOURCE_MAP.sub("", _read("leaflet.js")), "leaflet.js")


@lru_cache(maxsize=1)
def heat_js() -> str:
    """leaflet.heat 0.2.0 (bundles simpleheat)."""
    return _script_safe(_SOURCE_MAP.sub("", _read("leaflet-heat.js")), "heat")


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet CSS with the layer-control icons as data: URIs.

    The stylesheet points at ``images/*.png`` relative to itself; once it is
    inlined that path would resolve next to the HTML file and be missing.
    """
    css = _read("leaflet.css")
    for name in ("layers.png", "layers-2x.png"):
        data = base64.b64encode((VENDOR / "images" / name).read_bytes()).decode()
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{data})")
    return _script_safe(css, "leaflet.css")


_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def page_js() -> str:
    """Our own page script (``maps/page.js``): layers, popups, legend."""
    return _script_safe((_HERE / "page.js").read_text(encoding="utf-8"), "page.js")


@lru_cache(maxsize=1)
def page_css() -> str:
    """Our own page style (``maps/page.css``)."""
    return _script_safe((_HERE / "page.css").read_text(encoding="utf-8"), "page.css")
