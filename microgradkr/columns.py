"""Text laid out in terminal columns, where a Hangul syllable takes two."""

from __future__ import annotations

import unicodedata


def wide(char: str) -> bool:
    """Whether ``char`` takes two terminal columns (Hangul, CJK, fullwidth forms)."""
    return unicodedata.east_asian_width(char) in "WF"


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for a wide (Hangul, CJK) character, else 1."""
    return sum(2 if wide(c) else 1 for c in text)


def ljust(text: str, columns: int) -> str:
    """``text`` padded on the right to ``columns`` terminal columns (not characters)."""
    return text + " " * (columns - width(text))


def rjust(text: str, columns: int) -> str:
    """``text`` padded on the left to ``columns`` terminal columns."""
    return " " * (columns - width(text)) + text
