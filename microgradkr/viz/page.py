"""The interactive page: one self-contained HTML file that works offline from ``file://``.

The scene goes into the page as JSON; ``static/page.js`` lays it out with dagre (vendored in
``static/``, MIT) and draws it as SVG: pan and zoom, step through the backward pass, hover an edge
for local x upstream = global, click a value for its chain-rule sum, fold nn modules, en/ko.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from .. import checks_args
from ..engine import Value
from ..graph import topological_order
from ..i18n import CATALOG, LANGS, current, text
from ..i18n.glossary import TERMS
from ..nn import Module
from ..tensor import Tensor
from .fmt import Node
from .picture import ranks
from .render import DiagramTooLargeError
from .scene import Scene, build_scene
from .style import PATTERN_COLOURS

AUTO_COLLAPSE = 60
"""With modules given and more gates than this, the page opens with one box per neuron."""
MAX_PAGE_NODES = 500
"""Above this many nodes ``explore`` refuses: a 500-node chain or diamond opens in under 2 s in
Chromium on a 2-core machine, 1,000 in 2-3 s; dagre's layout is most of it, and it grows faster
than the graph where edges cross many ranks (a value used 200 times: 600 nodes, 20 s). Past a
depth of about 1,500 dagre's recursion overflows the browser's stack: no page opens at all."""

MAX_PAGE_LAYOUT = 1200
"""Above this ``page_layout_size`` ``explore`` refuses. Dagre routes an edge through a dummy node
on every rank it crosses, so its work grows with the values plus the ranks edges cross. Chromium
on 2 cores at load 6: a 500-node chain (size 1,003) or an MLP loss of one sample (1,087) opens in
1.1-1.3 s, random add/mul graphs of size 1,400-1,600 in 1.0-2.6 s, 2,300 in 5 s; a value used 200
times (41,201) in 8-20 s. A 500-node diamond is 1,101."""

_JS_PREFIX = {"viz.": "", "explain.": "ex_", "page.": "page_"}
"""Catalogue key prefix -> the page script's key prefix ('page.step' is 'page_step' there)."""


_LABELS = frozenset(
    "viz." + k
    for k in (
        *("local", "global", "unknown", "grad", "data", "shape", "vjp", "norm", "so_far"),
        *("const", "no_grad", "distributor", "switcher", "router", "chain"),
    )
)
"""Words the page repeats on every node or edge: plain; the legend says '한글(English)'."""


def _order(legend: Sequence[str]) -> Callable[[str], tuple[int, int]]:
    """Where a message comes in reading order: the heading, the legend rows shown (the page's
    glossary: they stay put while the title changes with each step), the rest, and last the
    labels and the legend rows not shown."""
    firsts = ["page.heading", *("viz." + k for k in legend)]

    def rank(key: str) -> tuple[int, int]:
        if key in firsts:
            return (0, firsts.index(key))
        return (2, 0) if key in _LABELS or key.startswith("viz.legend") else (1, 0)

    return rank


def page_words(
    glossary: str | None = None, legend: Sequence[str] = ()
) -> dict[str, dict[str, str]]:
    """Every word the page shows, in both languages and ``glossary``: the pictures', explain's
    and its own. A Korean term reads "기울기(gradient)" in the first message that has it, in
    reading order: the heading, the ``legend`` rows shown (their keys), then the rest."""
    glossary = current(None, glossary)[1]
    keys = sorted(
        (k for k in CATALOG["en"] if any(k.startswith(p) for p in _JS_PREFIX)), key=_order(legend)
    )
    out = {}
    for lang in LANGS:
        seen: set[str] = set()
        w = {}
        for key in keys:
            prefix = key[: key.index(".") + 1]
            known = set(TERMS) if key in _LABELS else seen
            w[_JS_PREFIX[prefix] + key[len(prefix) :]] = text(key, lang, glossary, known)
        out[lang] = w
    return out


def _static(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


_SCRIPT_SAFE = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: '<', '>', '&', U+2028 and U+2029 as \\uXXXX escapes
    (they occur only inside JSON strings), so no label can end the element or the line."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


def page_layout_size(order: list[Node]) -> int:
    """What dagre lays out for the page: one node per value, plus the ranks each edge crosses."""
    rank, uses = ranks(order, 1)
    return len(order) + sum(rank[i] - rank[q] for q, used in uses.items() for i, _ in used)


def initial_collapse(scene: Scene, collapse: bool | None) -> list[int]:
    """Modules drawn as one box at first: the innermost ones (neurons) if asked, or if big."""
    gates = sum(1 for n in scene.nodes if n.op is not None)
    if collapse is False or (collapse is None and gates <= AUTO_COLLAPSE):
        return []
    return [i for i, m in enumerate(scene.modules) if not m.children]


def page_html(
    scene: Scene, *, collapse: bool | None = None, step: int | None = 0, rankdir: str = "LR"
) -> str:
    """The page for ``scene``: scene, words, dagre and page.js inlined (no network at all)."""
    steps = len(scene.steps)
    options = {
        "step": steps if step is None else max(0, min(steps, step)),
        "collapsed": initial_collapse(scene, collapse),
        "rankdir": rankdir,
        "compound": False,
        "colours": PATTERN_COLOURS,
    }
    page_text = page_words(scene.glossary, ["legend", *(key for _, key, _ in scene.legend)])
    w = {k: html.escape(v) for k, v in page_text[scene.lang].items()}
    return Template(_static("page.html")).substitute(
        lang=scene.lang,
        heading=w["page_heading"],
        step=w["page_step"],
        fit=w["page_fit"],
        fold=w["page_fold"],
        unfold=w["page_unfold"],
        layout=w["page_layout"],
        other_lang=w["page_lang"],
        css=_static("page.css"),
        scene=script_json(scene.to_dict()),
        words=script_json(page_text),
        options=script_json(options),
        dagre=_static("dagre.min.js"),
        page="(function () {\n" + _static("page.js") + _static("page_ui.js") + "})();",
    )


def explore(
    root: Value | Tensor,
    path: str | Path | None = None,
    lang: str | None = None,
    *,
    glossary: str | None = None,
    modules: Module | Sequence[Module] | None = None,
    collapse: bool | None = None,
    precision: int = 4,
    check: bool = False,
    step: int | None = 0,
    rankdir: str = "LR",
    max_nodes: int = MAX_PAGE_NODES,
    max_layout: int = MAX_PAGE_LAYOUT,
) -> str:
    """The interactive page of ``root``'s graph as HTML text; also written to ``path`` if given.

    Opens at backward step ``step`` (None: the last); ``modules`` groups an nn model's nodes in
    boxes that fold and unfold (``collapse``: True, False, or None = fold past 60 gates).
    ``lang``, ``glossary``: None = the ones ``microgradkr.i18n.set_language`` set; the page
    switches between English and Korean in place, its Korean in the glossary's words.
    Above ``max_nodes`` values or a ``page_layout_size`` of ``max_layout``, it refuses
    (``DiagramTooLargeError``, a ValueError) before building anything.
    """
    if not isinstance(root, Value | Tensor):
        raise TypeError(f"explore needs a Value or a Tensor, got {type(root).__name__}")
    checks_args.view("explore", Module, locals())
    if path is not None:
        checks_args.path("explore", "path", path)
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} nodes, more than max_nodes={max_nodes}: the page would be "
            f"slow; explore(..., max_nodes={len(order)}) to make it anyway, or explore the loss "
            "of one sample"
        )
    size = page_layout_size(order)
    if size > max_layout:
        message = text("viz.err.page_too_large", size=size, max_layout=max_layout)
        raise DiagramTooLargeError(message, size, "max_layout")
    scene = build_scene(
        root,
        lang=lang,
        glossary=glossary,
        precision=precision,
        modules=modules,
        check=check,
        step=-1,
        order=order,
    )
    html = page_html(scene, collapse=collapse, step=step, rankdir=rankdir)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    return html
