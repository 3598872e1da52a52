"""The backward pass as data: one step per op node, in the order backward visits them.

Each step says which node passes its gradient back, through which gate pattern, and for every
parent the local gradient and the contribution ``local * upstream``. The text trace prints it;
the diagrams draw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import checks_args
from .engine import Value
from .graph import topological_order
from .i18n import CATALOG, text
from .ops import Op


@dataclass(frozen=True)
class Edge:
    """One input of a step: d(node)/d(parent) and what it adds to dL/d(parent)."""

    parent: Value
    local: float
    contribution: float  # local * upstream


@dataclass(frozen=True)
class Step:
    """Step ``index`` (from 1): ``node`` sends ``upstream`` = dL/d(node) back through ``op``."""

    index: int
    node: Value
    op: Op
    upstream: float
    edges: tuple[Edge, ...]

    @property
    def pattern(self) -> str:
        return self.op.pattern


def backward_steps(
    root: Value, grad: float = 1.0, *, order: list[Value] | None = None
) -> list[Step]:
    """The chain rule from ``root``, step by step, without touching any ``.grad``.

    The upstream of each step is the node's gradient after ``root.backward(grad)``; a node used
    twice (fan-out) gets one edge per use and the sum of their contributions. ``order``: root's
    topological order when the caller has it already (a page computes it once).
    """
    checks_args.node("backward_steps", "root", root)
    grads: dict[Value, float] = {root: checks_args.number("backward_steps", "grad", grad)}
    steps: list[Step] = []
    for node in reversed(topological_order(root) if order is None else order):
        if node.op is None:
            continue
        upstream = grads.get(node, 0.0)
        edges = []
        for parent, local in zip(node._prev, node._local, strict=True):
            contribution = local * upstream
            grads[parent] = grads.get(parent, 0.0) + contribution
            edges.append(Edge(parent, local, contribution))
        steps.append(Step(len(steps) + 1, node, node.op, upstream, tuple(edges)))
    return steps


def gradients_after(steps: list[Step], k: int, grad: float = 1.0) -> dict[Value, float]:
    """dL/d(node) as known after the first ``k`` steps (the root is known before any step)."""
    checks_args.list_of("gradients_after", "steps", steps, Step)
    checks_args.integer("gradients_after", "k", k, 0)
    known: dict[Value, float] = {}
    if steps:
        known[steps[0].node] = checks_args.number("gradients_after", "grad", grad)
    for step in steps[:k]:
        for edge in step.edges:
            known[edge.parent] = known.get(edge.parent, 0.0) + edge.contribution
    return known


def node_names(root: Value) -> dict[Value, str]:
    """A readable name for every node: its label, a constant's value, or op#n in forward order."""
    names: dict[Value, str] = {}
    count = 0
    for node in topological_order(root):
        if node.label:
            names[node] = str(node.label)  # a label may be any object: say 3
        elif node.op is None:
            names[node] = f"{node.data:g}"
        else:
            count += 1
            names[node] = f"{op_word(node.op)}#{count}"
    return names


def op_word(op: Op) -> str:
    """The op's name in the current language (덧셈 for add); its own name if none is catalogued."""
    key = f"trace.op.{op.name}"
    return text(key) if key in CATALOG["en"] else op.name


def pattern_word(pattern: str) -> str:
    """A gate pattern in the current language (기울기 분배기 for distributor)."""
    key = f"trace.pattern.{pattern}"
    return text(key) if key in CATALOG["en"] else pattern


def format_trace(root: Value, grad: float = 1.0, digits: int = 5) -> str:
    """The forward values and the backward pass as text, one gate per step with its pattern."""
    checks_args.instance("format_trace", "root", root, Value)  # a Tensor's steps are VJPs
    checks_args.number("format_trace", "grad", grad)
    checks_args.integer("format_trace", "digits", digits, 1, 30)
    names = node_names(root)
    order = topological_order(root)

    def num(x: float) -> str:
        return f"{x:.{digits}g}"

    lines = [text("trace.forward")]
    for node in order:
        if node.op is not None:
            args = ", ".join(names[p] for p in node._prev)
            value = num(node.data)
            lines.append(
                text("trace.node", name=names[node], op=op_word(node.op), args=args, value=value)
            )
    lines.append(text("trace.backward", root=names[root], grad=num(grad)))
    for step in backward_steps(root, grad):
        lines.append(
            text(
                "trace.step",
                index=step.index,
                node=names[step.node],
                symbol=step.op.symbol,
                pattern=pattern_word(step.pattern),
                upstream=num(step.upstream),
            )
        )
        for e in step.edges:
            lines.append(
                text(
                    "trace.edge",
                    parent=names[e.parent],
                    local=num(e.local),
                    upstream=num(step.upstream),
                    contribution=num(e.contribution),
                )
            )
    return "\n".join(lines)
