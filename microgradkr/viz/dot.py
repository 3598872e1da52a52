"""Diagrams of backpropagation as Graphviz DOT: ``draw``, ``draw_steps``, notebooks.

``draw(root)`` turns a Value's graph into Graphviz DOT: a small table per value (label, data,
grad), a coloured circle per gate (its symbol and its gate pattern), and on every edge into a gate
the two numbers of the chain rule: the local gradient d(out)/d(in), kept on the node since the
forward pass, and the global gradient dL/d(in) = upstream x local that flows along that edge.
The numbers come from the scene (``scene.build_scene``: ``trace.backward_steps`` and
``Tensor.edge_grads``); nothing here re-does the chain rule or formats a gradient of its own.

A Tensor graph is drawn the same way, with shapes, the numbers of small tensors, and on each
edge the op's VJP rule and the gradient it sent (``Tensor.edge_grads()``). ``check=True`` puts
each edge's gradient against a central difference of its own op. Nodes that a
``backward(create_graph=True)`` built (their op is an ``in_backward`` twin) are drawn apart:
the graph of a gradient is the backward pass itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import graphviz
import numpy as np

from .. import checks_args
from ..engine import Value
from ..graph import topological_order
from ..i18n import text
from ..nn import Module
from ..tensor import Tensor
from ..trace import backward_steps
from .checks import check_edges
from .fmt import Node, short
from .labels import esc
from .modules import Box, module_tree, owners
from .picture import Picture, Plan, clustered, legend_table, plan_copies, walk
from .render import Diagram, DiagramTooLargeError, GraphvizNotFoundError
from .scene import build_scene
from .state import LAYOUT, scene_state
from .style import DEFAULT_MAX_LAYOUT, DEFAULT_MAX_NODES, FONTS
from .words import words

# -- the public functions --------------------------------------------------------------------


def _count(root: Node, limit: int | None) -> int:
    """How many nodes ``root`` depends on (itself included), stopping past ``limit``."""
    seen = {root}
    stack = [root]
    while stack and (limit is None or len(seen) <= limit):
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def order_within(root: Node, max_nodes: int) -> list[Node]:
    """The topological order, or a ValueError saying how big the graph is and what to do."""
    if _count(root, max_nodes) > max_nodes:
        total = _count(root, None)
        raise DiagramTooLargeError(
            text("viz.err.too_many_nodes", total=total, max_nodes=max_nodes), total, "max_nodes"
        )
    return topological_order(root)


def _planned(order: list[Node], max_layout: int) -> Plan:
    """The layout plan, or a DiagramTooLargeError naming its size and ``max_layout=``."""
    plan = plan_copies(order)
    if plan.size > max_layout:
        message = text("viz.err.layout_too_large", size=plan.size, max_layout=max_layout)
        raise DiagramTooLargeError(message, plan.size, "max_layout")
    return plan


def draw(
    root: Value | Tensor,
    *,
    lang: str | None = None,
    glossary: str | None = None,
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_layout: int = DEFAULT_MAX_LAYOUT,
    step: int | None = None,
    modules: Module | Sequence[Module] | None = None,
    collapse: bool = False,
    legend: bool = True,
    title: str | None = None,
    check: bool = False,
) -> Diagram:
    """The graph of ``root``, every edge labelled: local d(out)/d(in), global dL/d(in) = up x local.

    ``step=None`` draws the graph as it is: before ``root.backward()`` (``root.grad == 0``) the
    global gradients are not known yet; after it, every node shows its ``grad``. ``step=k`` draws
    the pass of ``backward_steps(root)`` after its first k steps, the k-th gate highlighted.
    ``modules`` (an nn Module or a list of them) groups their nodes in clusters; ``collapse``
    draws each innermost module as one box. A Tensor graph shows shapes, the numbers of small
    tensors, and on each edge its VJP rule and the gradient sent (``edge_grads()``).
    ``check=True`` marks every edge whose gradient disagrees with a central difference of its
    op's forward (eps 1e-6, float64). The nodes a ``backward(create_graph=True)`` built (draw
    ``x.grad`` after it) are drawn apart, as the backward pass's own graph.
    A value used far from where it was made is drawn again beside that use ('x (use 3 of 50)').
    Labels longer than ``MAX_LABEL`` characters are cut with an ellipsis. Above ``max_nodes``
    values or a ``layout_size`` of ``max_layout``, ``DiagramTooLargeError`` says how big.
    ``lang`` ('en', 'ko'; None: ``microgradkr.i18n.set_language``'s) and ``glossary`` ('dlfs',
    'pytorch-ko', 'd2l-ko') choose the words; a Korean term's first use reads "기울기(gradient)".
    """
    layout = LAYOUT.get()
    t = words(lang, glossary, None if layout is None else layout.seen)
    lang = t.lang
    if not isinstance(rankdir, str) or rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r:.80}")
    if not isinstance(precision, int) or precision < 1:
        raise ValueError(
            f"precision must be a positive int (significant digits), got {precision!r:.80}"
        )
    if not isinstance(root, Value | Tensor):
        hint = (
            " (a gradient is a number after backward(); backward(create_graph=True) makes it a "
            "node with a graph to draw)"
            if isinstance(root, float | np.ndarray)
            else ""
        )
        raise TypeError(f"draw needs a Value or a Tensor, got {type(root).__name__}{hint}")
    checks_args.view("draw", Module, locals())
    tensors = isinstance(root, Tensor)
    if tensors and step is not None:
        raise ValueError("step= is for Value graphs; a Tensor graph is drawn as it is (step=None)")
    order = order_within(root, max_nodes)
    plan = _planned(order, max_layout)
    # the numbers come from the scene, built once from the engine's own record
    scene = build_scene(
        root,
        lang=lang,
        glossary=t.glossary,
        seen=t.seen,
        precision=precision,
        step=step,
        explain=False,
        order=order,
    )
    state = scene_state(scene, order, root, t)
    if layout is not None:
        state = layout.state
    tree: list[Box] = []
    objs: list[Module] = []
    if modules is not None:
        tree, objs = module_tree([modules] if isinstance(modules, Module) else list(modules))
    pic = Picture(state, t, precision, owners(order, objs) if objs else {}, collapse)
    pic.built = {order[n.id] for n in scene.nodes if n.built}
    if layout is not None:
        pic.fixed = layout.texts
    if check:
        pic.checks = check_edges(order)
    walk(pic, order, root, plan)
    what = short(root.label) if root in pic.built and root.label else t["the_gradient"]
    body = clustered(pic, tree, what) + pic.edges
    if legend:
        body.append(legend_table(order, pic, pic.owner if collapse else {}, tensors))
    now = pic.fixed["title"][0] if "title" in pic.fixed else state.title
    heading = now if title is None else f"{short(title)}\n{now}"
    font = FONTS[lang]
    diagram = Diagram(
        name="microgradkr",
        graph_attr={
            "rankdir": rankdir,
            "label": f"<{esc(heading)}>",
            "labelloc": "t",
            "fontname": font,
            "fontsize": "14",
            "nodesep": "0.3",
            "ranksep": "0.45",
            "bgcolor": "white",
        },
        node_attr={"shape": "plain", "fontname": font, "fontsize": "11"},
        edge_attr={"fontname": font, "fontsize": "10", "arrowsize": "0.7"},
        body=body,
    )
    diagram.root = root  # a notebook shows the interactive page of the same graph
    diagram.view = {
        "lang": lang,
        "glossary": t.glossary,
        "modules": modules,
        "precision": precision,
        "check": check,
    }
    return diagram


def draw_steps(root: Value, **options: Any) -> list[Diagram]:
    """One picture per moment of the backward pass: step 0 (only dL/dL = 1 known) to the last.

    n + 1 whole pictures of n gates each, so their size (and rendering them all) grows as n^2;
    ``steps_html`` and ``write_steps`` lay the graph out once instead.
    """
    if isinstance(root, Tensor):
        raise ValueError("step frames are for Value graphs; draw a Tensor graph with draw(root)")
    checks_args.node("draw_steps", "root", root)
    n = len(backward_steps(root))
    return [draw(root, step=k, **options) for k in range(n + 1)]


def mimebundle(value: Value, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What Jupyter shows for a Value: its diagram as SVG, and ``repr`` as the text fallback."""
    bundle: dict[str, Any] = {"text/plain": repr(value)}
    # No Graphviz, or too big to draw: the text alone is still right.
    with suppress(GraphvizNotFoundError, ValueError, graphviz.CalledProcessError):
        bundle.update(draw(value).picture(include, exclude))
    return bundle
