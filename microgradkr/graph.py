"""What every node kind shares: the topological order and the backward driver.

A node kind (``Value``, ``Tensor``) provides:

- ``_prev``: the tuple of parents, one entry per use;
- ``grad``: the gradient dL/d(node), and ``_EMPTY_GRAD``, what an inner node starts a pass with;
- ``_add_grad(g)``: adds ``g`` to ``grad`` (used to seed the root);
- ``_backprop()``: adds this node's contribution to each parent's ``grad`` (the chain rule).

No walk here recurses, so a graph a million nodes deep is fine.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from . import anomaly


class Node(Protocol):
    _prev: tuple[Any, ...]
    grad: Any
    _EMPTY_GRAD: Any

    def _add_grad(self, g: Any) -> None: ...
    def _backprop(self) -> None: ...


N = TypeVar("N", bound=Node)


def topological_order(root: N) -> list[N]:
    """Every node reachable from ``root``, each after all of its parents (root last)."""
    order: list[N] = []
    # 1: expanded, parents still being ordered; 2: in ``order``. A node expanded is pushed
    # again above its parents, so it is emitted once they are all done.
    state: dict[N, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        seen = state.get(node)
        if seen is None:
            prev = node._prev
            if not prev:
                state[node] = 2
                order.append(node)
                continue
            state[node] = 1
            stack.append(node)
            for parent in reversed(prev):  # so the first parent is ordered first
                if parent not in state:
                    stack.append(parent)
        elif seen == 1:
            state[node] = 2
            order.append(node)
    return order


def backward(root: N, grad: Any) -> list[N]:
    """Run the chain rule from ``root`` (seeded with ``grad``); returns the order used.

    Leaves accumulate (calling twice adds the same gradients again, as PyTorch does);
    inner nodes start from empty on every pass, so their gradients are never compounded.
    """
    order = topological_order(root)
    for node in order:
        if node._prev:
            node.grad = node._EMPTY_GRAD
    root._add_grad(grad)
    checked = anomaly.switch.enabled
    for node in reversed(order):
        if node._prev:
            node._backprop()
            if checked:
                anomaly.check_backward(node)
    return order
