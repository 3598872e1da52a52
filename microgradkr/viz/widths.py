"""How wide a label is, for a renderer that cannot measure it (graphviz-pure: no glyph widths
for non-ASCII text, so it takes a space's width for every Hangul syllable and symbol).

The estimate is deliberately generous: Hangul and CJK a full em, other non-ASCII 0.65 em,
ASCII as Helvetica on average. The DOT pictures give it to Graphviz as a cell's least width.
"""

from __future__ import annotations

import html
import re
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


_TD = re.compile(r"<td((?:\s[^>]*)?)>(.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")
_EDGE = re.compile(r"^(\t\w+ -> \w+ \[label=<)(.*)(>(?: [^\]\n]*)?\])$", re.M)
_GATE = re.compile(r"^(\t\w+ \[label=<)((?!<table).*?)(> shape=ellipse.*)$", re.M)


def visible(markup: str) -> str:
    """The text of HTML-like label markup: tags dropped, line breaks kept, entities read."""
    return html.unescape(_TAG.sub("", markup.replace("<br/>", "\n")))


def _cell(m: re.Match[str]) -> str:
    attrs, inner = m.group(1), m.group(2)
    text = visible(inner)
    if is_plain(text) or "width=" in attrs or "<table" in inner:
        return m.group(0)
    return f'<td{attrs} width="{width(text, 11)}">{inner}</td>'


def _boxed(m: re.Match[str]) -> str:
    head, inner, tail = m.group(1), m.group(2), m.group(3)
    text = visible(inner)
    if is_plain(text):
        return m.group(0)
    cell = f'<td width="{width(text, 11)}">{inner}</td>'
    return f'{head}<table border="0" cellborder="0" cellspacing="0"><tr>{cell}</tr></table>{tail}'


def widen(source: str) -> str:
    """DOT text whose non-ASCII labels carry a least width: for a renderer that cannot measure
    them (graphviz-pure), so Hangul and symbols do not spill over their boxes and edges."""
    if source.isascii():
        return source
    source = _TD.sub(_cell, source)
    source = _EDGE.sub(_boxed, source)
    return _GATE.sub(_boxed, source)
