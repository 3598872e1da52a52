"""The words of the pictures: the catalogue's ``viz.*`` messages (microgradkr.i18n)."""

from __future__ import annotations

from ..i18n import Words


def words(
    lang: str | None = None, glossary: str | None = None, seen: set[str] | None = None
) -> Words:
    """The pictures' words for one document, in ``lang`` (None: the one set) and ``glossary``.

    ``words["local"]`` is ``text("viz.local", ...)``; terms read "한글(English)" at first use.
    """
    return Words("viz.", lang, glossary, seen)
