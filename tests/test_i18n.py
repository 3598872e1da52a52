"""The message catalogue: complete Korean, terms by glossary, first use "한글(English)"."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from pathlib import Path
from typing import Any

import pytest
from i18n_scan import scan, shown_literals, untranslated

import microgradkr
import microgradkr.viz
from microgradkr import Tensor, examples
from microgradkr.function import TensorOp
from microgradkr.i18n import (
    CATALOG,
    GLOSSARIES,
    SECTIONS,
    current,
    language,
    set_language,
    term,
    text,
)
from microgradkr.i18n.glossary import TERMS
from microgradkr.viz import draw, explain, steps_html
from microgradkr.viz.page import page_words

KO_ALLOWED = {
    "VJP": "the vector-Jacobian product's short name, as the pictures' edges write it",
    "max": "the max gate's op name, as its node shows it",
    "min": "the clip bounds' parameter names (clip(x, min, max))",
    "backward": "the method a learner calls: backward(), backward(create_graph=True)",
    "create_graph": "backward's argument",
    "check": "draw's argument check=True",
    "True": "Python's True in check=True",
    "Home": "a key on the keyboard",
    "End": "a key on the keyboard",
    "out": "the op's output in a VJP formula (g * out)",
    "log": "a function in a VJP formula",
    "sign": "a function in a VJP formula",
    "cos": "a function in a VJP formula",
    "sin": "a function in a VJP formula",
    "cond": "where's argument (where(cond, a, b))",
    "slope": "leaky_relu's argument",
    "im2col": "DLfS's function name (ch. 7)",
    "col2im": "DLfS's function name (ch. 7)",
    "col": "DLfS's im2col matrix in a VJP formula (colᵀ g)",
    "OH": "DLfS's output height in a conv shape (N, C, OH, OW)",
    "OW": "DLfS's output width",
    "FH": "DLfS's filter height",
    "FW": "DLfS's filter width",
    "microgradkr": "the library's name",
    "Value": "the class a learner builds graphs with",
    "Tensor": "the class a learner builds graphs with",
    "Graphviz": "the program's name (what to install)",
    "gradcheck": "the function's name",
    "gradgradcheck": "the function's name",
    "eps": "gradcheck's argument (the step of the central difference)",
    "atol": "gradcheck's argument",
    "rtol": "gradcheck's argument",
    "exp": "a function of the expression language",
    "tanh": "a function of the expression language",
    "sigmoid": "a function of the expression language",
    "relu": "a function of the expression language",
    "abs": "a function of the expression language",
    "inf": "how an infinite number is written",
    "d2l": "Dive into Deep Learning's own short name",
    "DOT": "Graphviz's language, by its name",
    "PATH": "the environment variable, by its name",
    "PNG": "a file format's name",
    "PDF": "a file format's name",
    "SVG": "a file format's name",
    "Debian": "a system's name (where to install from)",
    "Ubuntu": "a system's name",
    "macOS": "a system's name",
    "Windows": "a system's name",
    "LR": "--rankdir's value (left to right)",
    "TB": "--rankdir's value (top to bottom)",
    "English": "the page's language toggle names the other language in its own words",
}
"""Latin words a Korean message may hold: code, formulas and key names, each with why."""

_TERM = re.compile(r"«([a-z_]+)»")
# code a Korean message shows as written: `spans`, --options, environment variables, file names
# and paths, derivatives such as dL/df and dy/dx, and the glossaries' own names
_CODE = re.compile(
    r"`[^`]*`|--?[a-z][\w-]*|\b[A-Z]+_[A-Z_]+\b|[\w./-]*\.(?:md|svg|png|html|gv|dot|pdf)\b"
    r"|\bd\w*/d\w*|\b(?:dlfs|pytorch-ko|d2l-ko|en|ko)\b"
)


def _fields(message: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(message) if f}


def test_every_section_has_the_same_keys_fields_and_known_terms() -> None:
    assert CATALOG["en"] and set(CATALOG["en"]) == set(CATALOG["ko"])
    for section in SECTIONS:
        assert set(section.EN) == set(section.KO), section.__name__
        for key, en in section.EN.items():
            ko = section.KO[key]
            assert _fields(en) == _fields(ko), key
            for name in _TERM.findall(en) + _TERM.findall(ko):
                assert name in TERMS, f"{key}: «{name}» is no term of the glossary"
    for name, words in TERMS.items():
        assert set(words) == {"en", *GLOSSARIES}, name


def test_korean_has_no_english_words() -> None:
    for key, ko in CATALOG["ko"].items():
        plain = _TERM.sub("", re.sub(r"\{[^{}]*\}", "", ko))
        plain = _CODE.sub("", plain)
        english = set(re.findall(r"[A-Za-z][A-Za-z0-9_]+", plain)) - set(KO_ALLOWED)
        assert not english, f"{key}: {ko!r} has English {sorted(english)}"


def _modules(package: Any) -> list[Any]:
    names = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name != "__main__"]
    return [importlib.import_module(f"{package.__name__}.{n}") for n in sorted(names)]


def test_no_english_reaches_the_learner_past_the_catalogue() -> None:
    assert untranslated(_modules(microgradkr.viz)) == []


def test_the_scanner_finds_english_that_bypasses_the_catalogue() -> None:
    source = (
        "def label(t, lang):\n"
        "    'A docstring is not text for the learner.'\n"
        "    if lang == 'ko':\n"
        "        return '역전파 단계별 보기' if t else 'Backpropagation, step by step'\n"
        "    words = {'norm': 'norm', 'legend_vjp': t['legend_vjp']}\n"
        "    raise ValueError('an error message stays English for now')\n"
        "    return f'step {t[\"k\"]}: loss' + words['norm']\n"
    )
    found = "\n".join(scan("fake_renderer", source))
    assert "'norm'" in found and "': loss'" in found and "step by step" in found
    assert "docstring" not in found and "'ko'" not in found and "error" not in found
    assert "legend_vjp" not in found


STATIC = Path(microgradkr.viz.__file__).parent / "static"
SHOWN_AS_IS = {" ms": "milliseconds, the unit of the layout time, as both languages write it"}


@pytest.mark.parametrize("name", ["page.js", "page_ui.js", "page.html"])
def test_the_page_files_show_no_word_past_the_catalogue(name: str) -> None:
    source = (STATIC / name).read_text(encoding="utf-8")
    found = shown_literals(source, html=name.endswith(".html"))
    assert [f for f in found if f[1] not in SHOWN_AS_IS] == []


def test_the_page_scan_finds_what_it_guards() -> None:
    script = (
        'b.textContent = lang === "ko" ? "English" : "한국어";\n'
        'x.title = w(x.getAttribute("data-title"));\n'
        'lines.push("not yet: " + w("x") + node.shape.join(", "));\n'
        'setPanel("info", ["none " + w("k")]);\n'
        'lines.push(["grad", text]);\n'
    )
    assert shown_literals(script) == [(1, "English"), (1, "한국어"), (3, "not yet: "), (4, "none ")]
    page = '<button id="lang" data-title="page_x" title="Go">한국어</button>\n<b>$fit</b>'
    assert shown_literals(page, html=True) == [(1, "Go"), (1, "한국어")]


def _all_notes() -> set[str]:
    notes: set[str] = set()
    for module in _modules(microgradkr):
        for value in vars(module).values():
            if isinstance(value, TensorOp):
                notes.update(value.notes)
    return notes


def test_every_tensor_op_note_has_a_catalogue_entry() -> None:
    notes = _all_notes()
    assert len(notes) > 30  # the op modules were all found
    missing = sorted(n for n in notes if "note:" + n not in CATALOG["en"])
    assert missing == [], f"VJP notes without a Korean entry in catalog_notes.py: {missing}"


def test_tensor_picture_notes_read_korean() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="x")
    loss = x.mean(axis=1).sum()
    loss.backward()
    ko = draw(loss, lang="ko").source
    assert "g / n을 1번 축 방향으로 복사해 되돌림" in ko and "g를 모든 축 방향으로 복사해" in ko
    assert "copied" not in ko and "over axis" not in ko
    en = draw(loss).source
    assert "g / n copied back over axis 1" in en and "g copied back over all axes" in en


# -- glossaries -----------------------------------------------------------------------------

GRADIENT = {g: TERMS["gradient"][g] for g in GLOSSARIES}


def _own_text(page: str) -> str:
    return page[page.index("<body>") : page.index('<div id="picture">')]


def _documents(lang: str | None = None, glossary: str | None = None) -> dict[str, str]:
    """One of each document kind: Value and Tensor pictures, explain, the page, a step page."""
    f, v = examples.add_mul()
    f.backward()
    W = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True, label="W")
    b = Tensor([0.1, -0.2], requires_grad=True, label="b")
    y = (Tensor([[1.0, 2.0]]) @ W + b).tanh().sum()
    y.backward()
    g, _ = examples.gate_patterns()
    words = page_words(glossary)["ko" if (lang or current()[0]) == "ko" else "en"]
    return {
        "value picture": draw(f, lang=lang, glossary=glossary).source,
        "picture of a step": draw(g, lang=lang, glossary=glossary, step=3).source,
        "tensor picture": draw(y, lang=lang, glossary=glossary, check=True).source,
        "explain": str(explain(v["x"], f, lang=lang, glossary=glossary)),
        "tensor explain": str(explain(W, y, lang=lang, glossary=glossary)),
        "page words": "\n".join(words.values()),
        # the step page's own text: heading and captions (its SVG repeats the current caption
        # as the picture's title, and the tab's <title> the heading)
        "step page": _own_text(steps_html(g, lang=lang, glossary=glossary)),
    }


@pytest.mark.parametrize("glossary", GLOSSARIES)
def test_each_glossary_says_its_own_word_for_gradient(glossary: str) -> None:
    for name, doc in _documents("ko", glossary).items():
        assert GRADIENT[glossary] in doc, (glossary, name)
        for other, word in GRADIENT.items():
            if other != glossary:
                assert word not in doc, f"{name} with {glossary} says {word}"


def test_set_language_is_the_default_and_language_restores_it() -> None:
    f, v = examples.add_mul()
    f.backward()
    with language("ko", glossary="pytorch-ko"):
        assert current() == ("ko", "pytorch-ko")
        assert "변화도" in draw(f).source and term("gradient") == "변화도"
    assert current() == ("en", "dlfs") and "local" in draw(f).source
    set_language("ko", "d2l-ko")
    try:
        said = str(explain(v["x"], f))
        assert "그래디언트" in said and said == str(explain(v["x"], f, "ko", glossary="d2l-ko"))
    finally:
        set_language()
    with pytest.raises(ValueError, match="glossary must be one of dlfs"):
        set_language("ko", glossary="dlsf")
    with pytest.raises(ValueError, match="lang must be one of en, ko"):
        draw(f, lang="fr")


# -- first use: "한글(English)" ---------------------------------------------------------------


def _uses(doc: str, glossary: str) -> dict[str, list[bool]]:
    """For each term in ``doc``: each occurrence in order, True where it reads '한글(English)'."""
    words = {TERMS[n][glossary]: n for n in TERMS}
    alternation = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    out: dict[str, list[bool]] = {}
    for m in re.finditer(f"({alternation})(\\([^()]*\\))?", doc):
        name = words[m.group(1)]
        out.setdefault(name, []).append(m.group(2) == f"({TERMS[name]['en']})")
    return out


@pytest.mark.parametrize("glossary", GLOSSARIES)
def test_first_use_of_a_term_reads_korean_then_english(glossary: str) -> None:
    for name, doc in _documents("ko", glossary).items():
        uses = _uses(doc, glossary)
        assert "gradient" in uses, name
        for t, marks in uses.items():
            assert marks[0] and not any(marks[1:]), f"{name}: {t} {marks[:6]}"


def test_english_shows_no_glossary_word() -> None:
    for name, doc in _documents("en").items():
        assert not re.search("[가-힣]", doc.replace("한국어", "")), name
    assert text("viz.local", "ko", seen=set()) == "국소적 미분(local gradient)"
    seen: set[str] = set()
    assert text("viz.grad", "ko", "d2l-ko", seen) == "그래디언트(gradient)"
    assert text("viz.grad", "ko", "d2l-ko", seen) == "그래디언트"
    with pytest.raises(KeyError, match="no message 'viz.nope'"):
        text("viz.nope")


def test_the_glossary_page_lists_every_term_with_its_words() -> None:
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = {}
    for line in page.splitlines():
        cells = [c.strip().replace("*", "") for c in line.strip("|").split("|")]
        if len(cells) == 6 and cells[0] in TERMS:
            rows[cells[0]] = cells
    assert set(rows) == set(TERMS)
    for name, words in TERMS.items():
        en, *columns = rows[name][1:5]
        assert en == words["en"], name
        for glossary, cell in zip(GLOSSARIES, columns, strict=True):
            assert cell.startswith(words[glossary]), (name, glossary, cell)


def test_what_to_install_is_said_in_the_learners_language() -> None:
    from microgradkr.viz.render import GraphvizNotFoundError, KoreanFontMissingError

    korean_first = str(KoreanFontMissingError())  # a Korean picture: Korean, then English
    assert korean_first.index("한글") < korean_first.index("Korean text")
    assert "apt install fonts-nanum" in korean_first
    assert "Graphviz's `dot` command" in str(GraphvizNotFoundError())
    with language("ko"):
        said = str(GraphvizNotFoundError())
    assert "그림을 그리려면" in said and "apt-get install graphviz" in said


def test_a_graph_too_large_to_draw_is_explained_in_the_learners_language() -> None:
    from microgradkr import Value
    from microgradkr.viz.render import DiagramTooLargeError

    x = Value(1.0)
    for _ in range(5):
        x = x * 2.0
    with language("ko"), pytest.raises(DiagramTooLargeError) as caught:
        draw(x, max_nodes=3)
    assert "그래프의 노드가 11개로" in str(caught.value) and "max_nodes=11" in str(caught.value)
