"""The floor for a scalar node engine: the fewest Python objects a gate graph can be made of.

``Node`` has three slots (data, grad, and its parents and local gradients in one tuple, as
microgradkr's ``_edges``), one Python call per gate, and the same iterative topological order
and inline float backward as microgradkr (two-parent nodes unpacked). It keeps nothing for
diagrams, errors, anomaly checks or higher order: what microgradkr costs above it is the price
of those. ``benchmarks/scalar.py`` times it beside
microgradkr on micrograd's demo step, built gate by gate.
"""

from __future__ import annotations

from typing import Any

_new = object.__new__


class Node:
    """data, grad, and (*parents, *d(this)/d(parent)): the things backward needs."""

    __slots__ = ("data", "grad", "_edges")

    def __init__(self, data: float) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._edges: tuple[Any, ...] = ()

    @property
    def _prev(self) -> tuple[Node, ...]:  # for benchmarks/scalar.py's node count
        return self._edges[: len(self._edges) // 2]

    def __add__(self, other: Any) -> Node:
        if not isinstance(other, Node):
            other = Node(other)
        v = _new(Node)
        v.data = self.data + other.data
        v.grad = 0.0
        v._edges = (self, other, 1.0, 1.0)
        return v

    __radd__ = __add__

    def __mul__(self, other: Any) -> Node:
        if not isinstance(other, Node):
            other = Node(other)
        x, y = self.data, other.data
        v = _new(Node)
        v.data = x * y
        v.grad = 0.0
        v._edges = (self, other, y, x)
        return v

    __rmul__ = __mul__

    def relu(self) -> Node:
        x = self.data
        v = _new(Node)
        v.data, v._edges = (0.0, (self, 0.0)) if x <= 0.0 else (x, (self, 1.0))
        v.grad = 0.0
        return v

    def backward(self) -> None:
        order = topological_order(self)
        self.grad = 1.0
        chain_rule(order)


def chain_rule(order: list[Any]) -> None:
    """parent.grad += local * grad for every node of ``order`` (parents first), walked back."""
    for node in reversed(order):
        edges = node._edges
        if edges:
            g = node.grad
            if len(edges) == 4:
                a, b, local_a, local_b = edges
                a.grad += local_a * g
                b.grad += local_b * g
            else:
                a, local_a = edges
                a.grad += local_a * g


_OPEN = object()


def topological_order(root: Node) -> list[Node]:
    """Parents before children, iteratively, the walk's marks in the inner nodes' grads (as
    microgradkr.graph._scalar_order); inner grads come out 0.0 (the done mark)."""
    order: list[Node] = []
    leaves: set[Node] = set()
    stack = [root]
    opened, done = _OPEN, float("0.0")
    while stack:
        node = stack.pop()
        edges = node._edges
        if not edges:
            if node not in leaves:
                leaves.add(node)
                order.append(node)
            continue
        g = node.grad
        if g is opened:
            node.grad = done  # type: ignore[assignment]
            order.append(node)
            continue
        if g is done:
            continue
        node.grad = opened  # type: ignore[assignment]
        stack.append(node)
        if len(edges) == 4:
            first, second, _, _ = edges
            if second.grad is not done and second not in leaves:
                stack.append(second)
            if first.grad is not done and first not in leaves:
                stack.append(first)
            continue
        parent = edges[0]
        if parent.grad is not done and parent not in leaves:
            stack.append(parent)
    return order
