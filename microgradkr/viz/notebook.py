"""Notebooks: a Value or Tensor shows as the interactive page; ``watch(model)`` shows training
live (``watch_dashboard``).

Jupyter calls ``_repr_mimebundle_`` (on ``graph.GraphNode``), which calls ``bundle`` through
``graph.DISPLAY``: the page in a sandboxed iframe (``text/html``), the Graphviz picture where
scripts are off (``image/svg+xml``, and inside the HTML), and ``repr`` as text.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

from ..engine import Value
from ..tensor import Tensor
from .dot import draw, mimebundle
from .page import MAX_PAGE_NODES, explore
from .render import DiagramTooLargeError
from .watch_dashboard import Watcher, watch

__all__ = ["HEIGHT", "MAX_PAGE_NODES", "Watcher", "bundle", "diagram_bundle", "iframe", "watch"]

HEIGHT = 520


def iframe(page: str, svg: str | None = None, height: int = HEIGHT) -> str:
    """The page in a sandboxed iframe; the SVG shown instead until a script swaps them."""
    key = "mgk" + uuid.uuid4().hex[:12]
    still = f'<div class="mgk-still">{svg}</div>' if svg else ""
    return (
        f'<div id="{key}"><iframe srcdoc="{html.escape(page, quote=True)}" '
        f'sandbox="allow-scripts" style="display:none;width:100%;height:{height}px;'
        f'border:1px solid #ddd"></iframe>{still}<script>(function () {{'
        f'var d = document.getElementById("{key}"); if (!d) return;'
        'd.querySelector("iframe").style.display = "block";'
        'var s = d.querySelector(".mgk-still"); if (s) s.style.display = "none";'
        "})();</script></div>"
    )


def _size(root: Any) -> int:
    seen = {id(root)}
    stack = [root]
    while stack and len(seen) <= MAX_PAGE_NODES:
        for p in stack.pop()._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def bundle(node: Value | Tensor, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What Jupyter shows for a node: the page (scripts on), the DOT SVG (off), ``repr``."""
    out = mimebundle(node, include, exclude) if isinstance(node, Value) else {}
    out.setdefault("text/plain", repr(node))
    if isinstance(node, Tensor) and "image/svg+xml" not in out:
        out.update(_tensor_svg(node, include, exclude))
    if _size(node) > MAX_PAGE_NODES:
        return out
    ran = node.grad is not None if isinstance(node, Tensor) else node.grad != 0.0
    try:
        page = explore(node, step=None if ran else 0)
    except DiagramTooLargeError:  # a layout too slow for the browser: the text and picture
        return out
    out["text/html"] = iframe(page, out.get("image/svg+xml"))
    return out


def diagram_bundle(diagram: Any, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What Jupyter shows for ``draw(...)``: the page of the same graph and options, the
    Graphviz picture itself where scripts are off."""
    out: dict[str, Any] = {"text/plain": repr(diagram)}
    from contextlib import suppress

    import graphviz

    from .render import GraphvizNotFoundError

    with suppress(GraphvizNotFoundError, graphviz.CalledProcessError):
        out["image/svg+xml"] = diagram.pipe(format="svg", encoding="utf-8")
    root = diagram.root
    if _size(root) <= MAX_PAGE_NODES:
        ran = root.grad is not None if isinstance(root, Tensor) else root.grad != 0.0
        with suppress(DiagramTooLargeError):
            page = explore(root, step=None if ran else 0, **diagram.view)
            out["text/html"] = iframe(page, out.get("image/svg+xml"))
    return out


def _tensor_svg(node: Tensor, include: Any, exclude: Any) -> dict[str, Any]:
    from contextlib import suppress

    import graphviz

    from .render import GraphvizNotFoundError

    with suppress(GraphvizNotFoundError, ValueError, graphviz.CalledProcessError):
        return draw(node).picture(include, exclude)
    return {}
