"""One message catalogue: every string a learner sees, in English and Korean.

``text(key, lang, **fields)`` looks a message up and fills its ``{fields}``. The tables are plain
Python dicts, one section per part of the library (``catalog_*.py``), each with an ``EN`` and a
``KO`` table with the same keys. Why not gettext ``.po`` files (babel): the catalogue ships with
no compile step and no extra dependency, keys and fields are checked by tests/test_i18n.py, and
Korean text names its terms by id (``«gradient»``) so that a glossary can choose the words.

Terms: in a Korean message ``«gradient»`` becomes the chosen glossary's word for it (기울기 in
the Korean *Deep Learning from Scratch*, 변화도 in PyTorch Korea's, 그래디언트 in the Korean
d2l). With ``seen`` (one set per document), a term's first use reads "기울기(gradient)".
``Words`` is a renderer's view of one section for one document; ``note`` translates a Tensor
op's VJP note, catalogued by its English text (catalog_notes.py). docs/glossary.md: the terms.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import catalog_cli, catalog_notes, catalog_viz
from .glossary import GLOSSARIES, TERMS

LANGS = ("en", "ko")
SECTIONS = (catalog_viz, catalog_notes, catalog_cli)

CATALOG: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
for _section in SECTIONS:
    CATALOG["en"].update(_section.EN)
    CATALOG["ko"].update(_section.KO)

_TERM = re.compile(r"«([a-z_]+)»")


class _Setting(threading.local):
    lang = "en"
    glossary = "dlfs"


_setting = _Setting()


def set_language(lang: str = "en", glossary: str = "dlfs") -> None:
    """The language (and, for Korean, the glossary) used where a call passes none."""
    _check(lang, glossary)
    _setting.lang, _setting.glossary = lang, glossary


@contextmanager
def language(lang: str, glossary: str = "dlfs") -> Iterator[None]:
    """``with language("ko"):`` set_language for the block, restored after it."""
    before = (_setting.lang, _setting.glossary)
    set_language(lang, glossary)
    try:
        yield
    finally:
        _setting.lang, _setting.glossary = before


def current(lang: str | None = None, glossary: str | None = None) -> tuple[str, str]:
    """(lang, glossary): the ones given, else the ones set."""
    lang = _setting.lang if lang is None else lang
    glossary = _setting.glossary if glossary is None else glossary
    _check(lang, glossary)
    return lang, glossary


def _check(lang: str, glossary: str) -> None:
    for name, value in (("lang", lang), ("glossary", glossary)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r:.80}")
    if glossary not in GLOSSARIES:
        raise ValueError(f"glossary must be one of {', '.join(GLOSSARIES)}, got {glossary!r:.80}")


def term(name: str, lang: str | None = None, glossary: str | None = None) -> str:
    """One term in the language and glossary: term("gradient", "ko") == "기울기"."""
    lang, glossary = current(lang, glossary)
    return TERMS[name]["en" if lang == "en" else glossary]


def text(
    key: str,
    lang: str | None = None,
    glossary: str | None = None,
    seen: set[str] | None = None,
    **fields: object,
) -> str:
    """The message ``key`` in the language, its terms in the glossary's words, fields filled.

    ``seen``: the terms already shown in this document; a term not in it yet is shown as
    "한글(English)" and added.
    """
    lang, glossary = current(lang, glossary)
    try:
        message = CATALOG[lang][key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the {lang!r} catalogue") from None

    def word(match: re.Match[str]) -> str:
        name = match.group(1)
        words = TERMS[name]
        if lang == "en":
            return words["en"]
        if seen is None or name in seen:
            return words[glossary]
        seen.add(name)
        return f"{words[glossary]}({words['en']})"

    message = _TERM.sub(word, message)
    return message.format(**fields) if fields else message


def note(written: str, lang: str | None = None, glossary: str | None = None) -> str:
    """An op's VJP note ('g copied back {axis}') in the language; one not catalogued as written."""
    key = "note:" + written
    return text(key, lang, glossary) if key in CATALOG["en"] else written


class Words:
    """The messages of one document: ``words["local"]`` is ``text(prefix + "local", ...)``.

    One ``seen`` set for the whole document, so each term reads "한글(English)" once, where it
    is first looked up (renderers look words up in reading order: title, nodes, legend).
    """

    def __init__(
        self,
        prefix: str,
        lang: str | None = None,
        glossary: str | None = None,
        seen: set[str] | None = None,
    ) -> None:
        self.prefix = prefix
        self.lang, self.glossary = current(lang, glossary)
        self.seen: set[str] = set() if seen is None else seen

    def __getitem__(self, key: str) -> str:
        return text(self.prefix + key, self.lang, self.glossary, self.seen)

    def note(self, written: str) -> str:
        """An op's VJP note in this document's language."""
        return note(written, self.lang, self.glossary)
