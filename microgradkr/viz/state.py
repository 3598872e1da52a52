"""What one DOT picture shows: which gradients are known at the moment drawn."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value
from ..tensor import Tensor
from ..trace import Step, backward_steps, gradients_after
from .fmt import Node, arr, num, pattern_text, plain, short


@dataclass
class State:
    """The gradients known at the moment drawn, and which step (if any) just ran."""

    grads: dict[Node, Any]  # dL/d(node) shown in the node (float or ndarray); absent = not known
    done: dict[Node, Step]  # Value op node -> its step, for the steps already run
    active: Step | None = None
    partial: set[Node] = field(default_factory=set)  # fan-out nodes with uses still to come
    title: str = ""
    sent: dict[Node, tuple[Any, ...]] = field(default_factory=dict)  # Tensor: edge_grads()


def value_state(
    root: Value, order: list[Value], step: int | None, t: dict[str, str], p: int
) -> State:
    """Before backward (root.grad == 0): nothing known; after: every grad; or after ``step``."""
    name = _root_name(root)
    if step is None:
        if type(root.grad) is float and root.grad == 0.0:
            return State({}, {}, title=t["title_before"])
        seed = float(root.grad)
        steps = backward_steps(root, seed)
        grads = {node: float(node.grad) for node in order}
        title = t["title_after"].format(root=name, seed=num(seed, p))
        return State(grads, {s.node: s for s in steps}, title=title)
    steps = backward_steps(root)
    if not 0 <= step <= len(steps):
        raise ValueError(f"step must be between 0 and {len(steps)} for this graph, got {step}")
    grads = dict(gradients_after(steps, step))
    done = {s.node: s for s in steps[:step]}
    if step == 0:
        return State(grads, done, title=t["title_step0"].format(n=len(steps), root=name, seed=1))
    active = steps[step - 1]
    title = t["title_step"].format(
        k=step,
        n=len(steps),
        gate=active.op.symbol,
        pattern=pattern_text(active.pattern, t),
        up=num(active.upstream, p),
    )
    return State(grads, done, active, _partial(order, done), title)


def tensor_state(root: Tensor, order: list[Tensor], t: dict[str, str], p: int) -> State:
    """Before backward (root.grad is None): nothing known; after: every grad and edge_grads()."""
    if root.grad is None:
        return State({}, {}, title=t["title_before"])
    grads = {n: plain(n.grad) for n in order if n.grad is not None}
    sent = {n: n.edge_grads() for n in order if n.op is not None}
    title = t["title_after"].format(root=_root_name(root), seed=arr(grads[root], p))
    return State(grads, {}, title=title, sent=sent)


def _root_name(root: Node) -> str:
    """The root's name for 'dL/d<name>': 'f' if unlabelled, '(dy/dx)' for a gradient's label."""
    name = short(root.label) or "f"
    return f"({name})" if any(c in name for c in "/ ") else name


def _partial(order: list[Value], done: dict[Node, Step]) -> set[Node]:
    """Nodes that got a gradient from some of their uses but not yet from all of them."""
    uses: dict[Value, int] = {}
    sent: dict[Value, int] = {}
    for node in order:
        for parent in node._prev:
            uses[parent] = uses.get(parent, 0) + 1
            if node in done:
                sent[parent] = sent.get(parent, 0) + 1
    return {node for node, n in sent.items() if n < uses[node]}


def built_nodes(order: list[Node]) -> set[Node]:
    """The nodes a backward(create_graph=True) built, and the constants only they use."""
    built = {n for n in order if n.op is not None and n.op.in_backward}
    if not built:
        return built
    users: dict[Node, list[Node]] = {}
    for node in order:
        for parent in node._prev:
            users.setdefault(parent, []).append(node)
    for node in order:  # the seed dL/dL = 1 and the numbers in the local rules (1 - out^2)
        used_by = users.get(node)
        if node.op is None and not node.label and used_by and all(u in built for u in used_by):
            built.add(node)
    return built


@dataclass
class Layout:
    """The one picture a step page restyles: a state with nothing lit, each text at its longest."""

    state: State
    texts: dict[str, tuple[str, str]]


LAYOUT: ContextVar[Layout | None] = ContextVar("LAYOUT", default=None)

Slots = tuple[dict[str, tuple[str, str]], dict[str, str]]
"""(slot id -> (text, colour), node or edge id -> class): what one frame shows."""
