"""The floor for a scalar node engine: the fewest Python objects a gate graph can be made of.

``Node`` has four slots (data, grad, parents, local gradients), one Python call per gate, and
the same iterative topological order and inline float backward as microgradkr (two-parent
nodes unpacked). It keeps nothing for diagrams, errors, anomaly checks or higher order: what
microgradkr costs above it is the price of those. ``benchmarks/scalar.py`` times it beside
microgradkr on micrograd's demo step, built gate by gate.
"""

from __future__ import annotations

from typing import Any

_ONES = (1.0, 1.0)
_ZERO_1, _ONE_1 = (0.0,), (1.0,)
_new = object.__new__


class Node:
    """data, grad, parents and d(this)/d(parent): the four things backward needs."""

    __slots__ = ("data", "grad", "_prev", "_local")

    def __init__(self, data: float) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev: tuple[Node, ...] = ()
        self._local: tuple[float, ...] = ()

    def __add__(self, other: Any) -> Node:
        if not isinstance(other, Node):
            other = Node(other)
        v = _new(Node)
        v.data = self.data + other.data
        v.grad = 0.0
        v._prev = (self, other)
        v._local = _ONES
        return v

    __radd__ = __add__

    def __mul__(self, other: Any) -> Node:
        if not isinstance(other, Node):
            other = Node(other)
        x, y = self.data, other.data
        v = _new(Node)
        v.data = x * y
        v.grad = 0.0
        v._prev = (self, other)
        v._local = (y, x)
        return v

    __rmul__ = __mul__

    def relu(self) -> Node:
        x = self.data
        v = _new(Node)
        v.data, v._local = (0.0, _ZERO_1) if x <= 0.0 else (x, _ONE_1)
        v.grad = 0.0
        v._prev = (self,)
        return v

    def backward(self) -> None:
        order = topological_order(self)
        self.grad = 1.0
        for node in reversed(order):
            prev = node._prev
            if prev:
                g = node.grad
                if len(prev) == 2:
                    a, b = prev
                    local_a, local_b = node._local
                    a.grad += local_a * g
                    b.grad += local_b * g
                else:
                    for parent, local in zip(prev, node._local):  # noqa: B905
                        parent.grad += local * g


_OPEN, _DONE = object(), object()


def topological_order(root: Node) -> list[Node]:
    """Parents before children, iteratively, the walk's marks in the inner nodes' grads (as
    microgradkr.graph._scalar_order); inner grads come out 0.0."""
    order: list[Node] = []
    leaves: set[Node] = set()
    stack = [root]
    opened, done = _OPEN, _DONE
    while stack:
        node = stack.pop()
        prev = node._prev
        if not prev:
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
        if len(prev) == 2:
            first, second = prev
            if second.grad is not done and second not in leaves:
                stack.append(second)
            if first.grad is not done and first not in leaves:
                stack.append(first)
            continue
        for parent in reversed(prev):
            if parent.grad is not done and parent not in leaves:
                stack.append(parent)
    for node in order:
        if node._prev:
            node.grad = 0.0
    return order
