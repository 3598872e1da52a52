"""Notebooks: a Value or Tensor shows as the interactive page; ``watch(model)`` redraws it live.

Jupyter calls ``_repr_mimebundle_`` (on ``graph.GraphNode``), which calls ``bundle`` through
``graph.DISPLAY``: the page in a sandboxed iframe (``text/html``), the Graphviz picture where
scripts are off (``image/svg+xml``, and inside the HTML), and ``repr`` as text.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from typing import Any

from .. import checks_args
from ..engine import Value
from ..i18n import current, text
from ..nn import Module
from ..tensor import Tensor
from .dot import draw, mimebundle
from .page import explore

MAX_PAGE_NODES = 5000
"""Above this many nodes a notebook shows the text (and picture) only, not the page."""

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
    page = explore(node, step=None if ran else 0)
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


def _widget_class() -> Any:
    """The anywidget class, made on first use: anywidget is the optional 'notebook' extra."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError(
            "watch() needs anywidget: pip install 'microgradkr[notebook]' (or: pip install "
            "anywidget)"
        ) from None

    class Watch(anywidget.AnyWidget):
        """The live page: ``update(loss)`` redraws it every ``every`` calls."""

        _esm = ESM
        html = traitlets.Unicode("").tag(sync=True)
        status = traitlets.Unicode("").tag(sync=True)
        height = traitlets.Int(HEIGHT).tag(sync=True)

    return Watch


ESM = """
function render({ model, el }) {
  const status = document.createElement("div");
  status.style.font = "13px sans-serif";
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.style.width = "100%";
  frame.style.border = "1px solid #ddd";
  const draw = () => {
    frame.style.height = model.get("height") + "px";
    frame.srcdoc = model.get("html");
  };
  const say = () => { status.textContent = model.get("status"); };
  draw(); say();
  model.on("change:html", draw);
  model.on("change:status", say);
  el.append(status, frame);
}
export default { render };
"""


class Watcher:
    """Training, watched: ``update(loss)`` every step; every ``every``-th call redraws the page."""

    def __init__(
        self,
        model: Module | Sequence[Module],
        every: int,
        lang: str | None,
        options: dict[str, Any],
        glossary: str | None = None,
    ) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int (steps between redraws), got {every!r}")
        self.model, self.every, self.options = model, every, options
        self.lang, self.glossary = current(lang, glossary)
        self.calls = 0
        self.drawn = 0
        self.widget = _widget_class()()

    def update(self, loss: Value | Tensor) -> bool:
        """Count a training step; on every ``every``-th, redraw weights, activations, grads."""
        checks_args.node("update", "loss", loss)
        self.calls += 1
        if (self.calls - 1) % self.every:
            return False
        if _size(loss) > MAX_PAGE_NODES:
            raise ValueError(
                f"the graph of this loss has more than {MAX_PAGE_NODES} nodes; watch the loss "
                "of one sample (or a small batch) instead"
            )
        page = explore(
            loss,
            lang=self.lang,
            glossary=self.glossary,
            modules=self.model,
            step=None,
            **self.options,
        )
        value = loss.item() if isinstance(loss, Tensor) else loss.data
        self.widget.status = text(
            "viz.watch_status", self.lang, self.glossary, k=self.calls, loss=f"{float(value):.6g}"
        )
        self.widget.html = page
        self.drawn += 1
        return True

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.widget._repr_mimebundle_(include, exclude)


def watch(
    model: Module | Sequence[Module],
    every: int = 1,
    *,
    lang: str | None = None,
    glossary: str | None = None,
    **options: Any,
) -> Watcher:
    """A live view of training: call ``.update(loss)`` each step; every ``every`` steps it
    redraws the page of ``loss`` (weights, activations, gradients), modules in boxes.

    Needs anywidget (``pip install 'microgradkr[notebook]'``); show it as a cell's last line.
    """
    return Watcher(model, every, lang, options, glossary)
