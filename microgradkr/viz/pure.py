"""graphviz-pure, the ``dot`` of a fresh machine: a font it can measure, and Hangul PNGs.

graphviz-pure (a compiled port of Graphviz, no Python inside) measures text with Graphviz's own
tables, which know Times, Helvetica/Arial and Courier only: any other ``fontname`` (ours name a
list) is measured as Times, narrower than the Arimo it draws with, so text ran past the boxes.
It knows no width for non-ASCII text (``widths.widen`` gives those cells least widths), and it
draws PNGs with the fonts compiled into it (Tinos, Arimo, Cousine): no Hangul, no ``▭``.
So a Korean PNG is its SVG drawn by resvg (``resvg-py``) with a packaged Hangul font (Noto Sans
KR, OFL, from ``pylopdf-fonts-ko``): the layout keeps graphviz-pure's sizes, only the glyphs
come from a font that has them.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .widths import widen

MEASURED_FONT = "Helvetica"
"""A font graphviz-pure has widths for; it draws it with Arimo (Arial's metrics)."""
STAND_INS = {"▭": "□"}
"""Glyphs its fonts lack, and one they have that reads the same (a box for a box)."""
HANGUL_STAND_INS = {**STAND_INS, "ᵀ": "^T"}
"""Likewise for Noto Sans KR, which draws the Korean PNGs."""
HANGUL_FONTS = (("pylopdf_fonts_ko", "NotoSansKR-Regular.otf", "Noto Sans KR"),)
"""Python packages that ship a Hangul font (OFL): (import name, file in it, family name)."""
PNG_ZOOM = 96 / 72  # graphviz-pure's and dot's PNGs: 96 pixels an inch, SVG sizes in points

_FONTNAME = re.compile(r'\bfontname="[^"]*"')
_FAMILY = re.compile(r'font-family="[^"]*"')
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_POINTS = re.compile(r'((?:width|height)="[\d.]+)pt"')


def measured(source: str, stand_ins: dict[str, str]) -> str:
    """DOT text that graphviz-pure lays out as drawn: Helvetica's widths, least widths for
    non-ASCII labels, and stand-ins for glyphs the drawing font lacks."""
    source = _FONTNAME.sub(f'fontname="{MEASURED_FONT}"', source)
    for glyph, stand_in in stand_ins.items():
        source = source.replace(glyph, stand_in)
    return widen(source)


def hangul_font() -> tuple[Path, str] | None:
    """A Hangul font file shipped by a pip package, and its family name; None: none installed."""
    for name, file, family in HANGUL_FONTS:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for where in (spec.submodule_search_locations or []) if spec else []:
            if (Path(where) / file).is_file():
                return Path(where) / file, family
    return None


def can_draw_hangul() -> bool:
    """Whether a Korean PNG can be drawn without ``dot``: resvg and a Hangul font installed."""
    return importlib.util.find_spec("resvg_py") is not None and hangul_font() is not None


def hangul_png(svg: str, font: tuple[Path, str]) -> bytes:
    """graphviz-pure's SVG as a PNG drawn by resvg with ``font`` alone (no system fonts)."""
    import resvg_py  # a compiled wheel: loaded only for the Korean PNGs that need it

    # resvg-py takes no "pt" sizes: 1pt = 1px, then the zoom
    svg = _SVG_TAG.sub(lambda tag: _POINTS.sub(r'\1"', tag.group(0)), svg, count=1)
    svg = _FAMILY.sub('font-family="sans-serif"', svg)
    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        skip_system_fonts=True,
        font_files=[str(font[0])],
        sans_serif_family=font[1],
        zoom=PNG_ZOOM,
    )
    return bytes(png)
