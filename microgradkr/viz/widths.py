"""How wide a label is, for a renderer that cannot measure it (graphviz-pure: no glyph widths
for non-ASCII text, so it takes a space's width for every Hangul syllable and symbol).

The estimate is deliberately generous: Hangul and CJK a full em, other non-ASCII 0.65 em,
ASCII as Helvetica on average. The DOT pictures give it to Graphviz as a cell's least width.
"""

from __future__ import annotations

import unicodedata

ASCII_EM = 0.56  # the average advance of Helvetica's letters, digits and punctuation
SYMBOL_EM = 0.65  # ∂ × → Σ ✓ ...
WIDE_EM = 1.0  # Hangul syllables and jamo, CJK: square glyphs


def is_plain(text: str) -> bool:
    """Only ASCII: every renderer knows its widths."""
    return text.isascii()


def em(c: str) -> float:
    """One character's advance in em."""
    if c.isascii():
        return ASCII_EM
    if unicodedata.east_asian_width(c) in ("W", "F"):
        return WIDE_EM
    return SYMBOL_EM


def width(text: str, size: float) -> int:
    """The widest line of ``text`` at font ``size`` (points), rounded up, plus a little margin."""
    lines = text.split("\n") or [""]
    return int(max(sum(em(c) for c in line) for line in lines) * size + 0.999) + 4
