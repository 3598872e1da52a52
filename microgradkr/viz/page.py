"""The interactive page: one self-contained HTML file that works offline from ``file://``.

The scene goes into the page as JSON; ``static/page.js`` lays it out with dagre (vendored in
``static/``, MIT) and draws it as SVG: pan and zoom, step through the backward pass, hover an edge
for local x upstream = global, click a value for its chain-rule sum, fold nn modules, en/ko.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from ..engine import Value
from ..graph import topological_order
from ..nn import Module
from ..tensor import Tensor
from .explain import TEXT as EXPLAIN_TEXT
from .scene import Scene, build_scene, words
from .style import PATTERN_COLOURS

AUTO_COLLAPSE = 60
"""With modules given and more gates than this, the page opens with one box per neuron."""
MAX_PAGE_NODES = 5000
"""Above this many nodes ``explore`` refuses: the page would be slow to lay out and to load."""

PAGE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "page_heading": "Backpropagation, explored",
        "page_step": "step",
        "page_first": "first step (Home)",
        "page_prev": "step back (←)",
        "page_next": "step forward (→)",
        "page_last": "last step (End)",
        "page_zoom_in": "zoom in (+)",
        "page_zoom_out": "zoom out (−)",
        "page_fit": "fit",
        "page_fold": "one box per neuron",
        "page_unfold": "open every module",
        "page_layout": "layout",
        "page_hint": "The graph is larger than the window: it opens on the output. Drag to move,"
        " scroll or +/− to zoom, F to see all. Click a dashed box to open a module.",
        "page_edge": "local ∂{out}/∂{input} = {local} · upstream ∂{root}/∂{out} = {up}"
        " = global {g}",
        "page_edge_t": "VJP {rule} · upstream ∂{root}/∂{out} = {up} → global {g}",
        "page_not_yet": "(not sent yet: step forward)",
        "page_more_edges": "… and {n} more edges",
        "page_op": "made by {op} ({symbol}): {pattern}",
        "page_param": "a parameter (leaf)",
        "page_leaf": "an input (leaf)",
        "page_click": "click for the chain-rule sum",
        "page_no_explain": "no gradient to explain",
        "page_final": "(the gradient after the whole backward pass)",
    },
    "ko": {
        "page_heading": "역전파 살펴보기",
        "page_step": "단계",
        "page_first": "처음 단계 (Home)",
        "page_prev": "이전 단계 (←)",
        "page_next": "다음 단계 (→)",
        "page_last": "마지막 단계 (End)",
        "page_zoom_in": "확대 (+)",
        "page_zoom_out": "축소 (−)",
        "page_fit": "전체 보기",
        "page_fold": "뉴런마다 상자 하나",
        "page_unfold": "모든 모듈 펼치기",
        "page_layout": "배치",
        "page_hint": "그래프가 창보다 커서 출력 쪽부터 보여 줍니다. 끌어서 이동,"
        " 휠이나 +/−로 확대·축소, F로 전체 보기. 점선 상자를 누르면 모듈이 열립니다.",
        "page_edge": "국소 기울기 ∂{out}/∂{input} = {local} · 상류 기울기 ∂{root}/∂{out} = {up}"
        " = 전역 기울기 {g}",
        "page_edge_t": "VJP {rule} · 상류 기울기 ∂{root}/∂{out} = {up} → 전역 기울기 {g}",
        "page_not_yet": "(아직 보내지 않음: 다음 단계로)",
        "page_more_edges": "… 그 밖의 간선 {n}개",
        "page_op": "{op} ({symbol}) 노드의 출력: {pattern}",
        "page_param": "매개변수 (잎 노드)",
        "page_leaf": "입력 (잎 노드)",
        "page_click": "누르면 연쇄법칙의 합을 보여 줌",
        "page_no_explain": "설명할 기울기 없음",
        "page_final": "(역전파를 끝까지 마친 뒤의 기울기)",
    },
}


def page_words() -> dict[str, dict[str, str]]:
    """Every word the page shows, in both languages: the pictures', explain's and its own."""
    out = {}
    for lang in ("en", "ko"):
        w = dict(words(lang))
        w.update({"ex_" + k: v for k, v in EXPLAIN_TEXT[lang].items()})
        w.update(PAGE_TEXT[lang])
        out[lang] = w
    return out


def _static(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def _json(data: Any) -> str:
    """JSON safe inside a <script> element: every '<' as \\u003c, so no label can end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")  # '<' occurs only inside JSON strings


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
    heading = PAGE_TEXT[scene.lang]["page_heading"]
    return Template(_static("page.html")).substitute(
        lang=scene.lang,
        heading=heading,
        css=_static("page.css"),
        scene=_json(scene.to_dict()),
        words=_json(page_words()),
        options=_json(options),
        dagre=_static("dagre.min.js"),
        page="(function () {\n" + _static("page.js") + _static("page_ui.js") + "})();",
    )


def explore(
    root: Value | Tensor,
    path: str | Path | None = None,
    lang: str = "en",
    *,
    modules: Module | Sequence[Module] | None = None,
    collapse: bool | None = None,
    precision: int = 4,
    check: bool = False,
    step: int | None = 0,
    rankdir: str = "LR",
    max_nodes: int = MAX_PAGE_NODES,
) -> str:
    """The interactive page of ``root``'s graph as HTML text; also written to ``path`` if given.

    Opens at backward step ``step`` (None: the last); ``modules`` groups an nn model's nodes in
    boxes that fold and unfold (``collapse``: True, False, or None = fold past 60 gates).
    """
    if not isinstance(root, Value | Tensor):
        raise TypeError(f"explore needs a Value or a Tensor, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} nodes, more than max_nodes={max_nodes}: the page would be "
            f"slow; explore(..., max_nodes={len(order)}) to make it anyway, or explore the loss "
            "of one sample"
        )
    scene = build_scene(
        root, lang=lang, precision=precision, modules=modules, check=check, step=-1, order=order
    )
    html = page_html(scene, collapse=collapse, step=step, rankdir=rankdir)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    return html
