"""What every node kind shares: the topological order and the backward driver.

A node kind (``Value``, ``Tensor``) provides:

- ``_prev``: the tuple of parents, one entry per use;
- ``grad``: the gradient dL/d(node), and ``_EMPTY_GRAD``, what an inner node starts a pass with;
- ``_add_grad(g)``: adds ``g`` to ``grad`` (used to seed the root);
- ``_backprop()``: adds this node's contribution to each parent's ``grad`` (the chain rule);
- ``_backprop_graph()``: the same with the library's own ops, so the gradients are nodes with a
  history of their own (``create_graph=True``: higher-order gradients).

No walk here recurses, so a graph a million nodes deep is fine.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from . import anomaly, checks_args


class Walkable(Protocol):
    @property
    def _prev(self) -> tuple[Any, ...]: ...


class Node(Walkable, Protocol):
    grad: Any
    _EMPTY_GRAD: Any

    def _add_grad(self, g: Any) -> None: ...
    def _backprop(self) -> None: ...
    def _backprop_graph(self) -> None: ...


W = TypeVar("W", bound=Walkable)
N = TypeVar("N", bound=Node)


DISPLAY: list[Callable[..., dict[str, Any]]] = []
"""How Jupyter shows a node: microgradkr.viz adds its view on import (nodes never import viz)."""

# One backward pass at a time, over all threads: a pass keeps its walk's marks and the inner
# nodes' gradients in the nodes' own ``grad`` (no dict per pass: that is the speed), so two
# passes over shared nodes would read each other's marks and reset each other's sums. A lock
# costs under a µs a pass, a dict per pass a store per node. Reentrant: grad() runs backward
# inside its hold, and a Function's backward may call ops that run it.
LOCK = threading.RLock()


class GraphNode:
    """What Value and Tensor share besides the walk: how a node tells about itself."""

    __slots__ = ()
    _LOCALS_ON_NODE = False  # True: float local gradients in ``_local``, backward runs inline
    op: Any
    _prev: tuple[Any, ...]
    grad: Any
    label: str
    _EMPTY_GRAD: Any

    @property
    def parents(self) -> tuple[Any, ...]:
        return self._prev

    @property
    def pattern(self) -> str | None:
        """The gate pattern of the op that made this node: distributor, switcher, router, chain."""
        return self.op.pattern if self.op else None

    @property
    def _op(self) -> str:
        """The op's symbol, '' for a leaf (micrograd's name, so its drawing code runs)."""
        return self.op.symbol if self.op else ""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> Any:
        """Jupyter shows the node's interactive view (the picture where scripts are off, repr)."""
        if DISPLAY:
            return DISPLAY[-1](self, include, exclude)
        return {"text/plain": repr(self)}

    def zero_grad(self) -> None:
        """Clear ``grad`` (Value: 0.0, Tensor: None) on this node and every node it depends on."""
        # every grad is cleared anyway: Values may keep the walk's marks in them (no dict)
        walk = _scalar_order if self._LOCALS_ON_NODE else topological_order
        with LOCK:  # a pass running now keeps its marks in these grads
            for node in walk(self):
                node.grad = node._EMPTY_GRAD

    def cleargrad(self) -> None:
        """Clear this node's ``grad`` only (DeZero's name): a leaf stops accumulating."""
        self.grad = self._EMPTY_GRAD

    @property
    def name(self) -> str:
        """The node's ``label`` (DeZero's name for it)."""
        return self.label

    @name.setter
    def name(self, value: str) -> None:
        self.label = value  # type: ignore[misc]  # a slot of Value and Tensor

    def _backward(self) -> None:
        """One step of the chain rule, as micrograd's: parent.grad += local * self.grad.

        Only this node's step: calling it node by node, from the output down, is backward()."""
        if self._prev and self.grad is not None:
            self._backprop()  # type: ignore[attr-defined]


def topological_order(root: W) -> list[W]:
    """Every node reachable from ``root``, each after all of its parents (root last)."""
    if not hasattr(root, "_prev"):  # once per walk, not per node
        checks_args.node("topological_order", "root", root)
    order: list[W] = []
    # 1: expanded, parents still being ordered; 2: in ``order``. A node expanded is pushed
    # again above its parents, so it is emitted once they are all done.
    state: dict[W, int] = {}
    stack = [root]
    # Values keep parents and local gradients in one tuple, ``_edges`` (parents first): read
    # it directly, as their ``_prev`` is a property that slices it
    edges = getattr(root, "_LOCALS_ON_NODE", False)
    two = 4 if edges else 2
    while stack:
        node = stack.pop()
        seen = state.get(node)
        if seen is None:
            prev = node._edges if edges else node._prev  # type: ignore[attr-defined]
            if not prev:
                state[node] = 2
                order.append(node)
                continue
            state[node] = 1
            stack.append(node)
            if len(prev) == two:  # most nodes: two parents, a quarter faster than the loop
                first = prev[0]
                second = prev[1]
                if second not in state:
                    stack.append(second)
                if first not in state:
                    stack.append(first)
                continue
            if edges:
                prev = prev[: len(prev) // 2]
            for parent in reversed(prev):  # so the first parent is ordered first
                if parent not in state:
                    stack.append(parent)
        elif seen == 1:
            state[node] = 2
            order.append(node)
    return order


_OPEN = object()  # _scalar_order's mark of a node whose parents are being ordered


def _scalar_order(root: Any) -> list[Any]:
    """topological_order for nodes whose inner grads are about to be reset anyway (Values):
    the walk's state is kept in those grads instead of a dict, so it costs no memory and stays
    linear as graphs grow past the caches. Inner nodes come out with grad 0.0, leaves as they
    were (None -> 0.0); the order is the same as topological_order's."""
    order: list[Any] = []
    leaves: set[Any] = set()  # leaves keep their grads (they accumulate): a set tells them done
    stack = [root]
    # an ordered inner node gets this pass's own 0.0 object: its identity marks the node done,
    # and its value is the reset grad, so no second loop over the nodes resets them
    opened, done = _OPEN, float("0.0")
    try:
        while stack:
            node = stack.pop()
            edges = node._edges  # (*parents, *local gradients)
            if not edges:
                if node not in leaves:
                    leaves.add(node)
                    order.append(node)
                    if node.grad is None:
                        node.grad = 0.0
                continue
            g = node.grad
            if g is opened:  # its parents are all ordered: its turn
                node.grad = done
                order.append(node)
                continue
            if g is done:  # a second copy on the stack
                continue
            node.grad = opened
            stack.append(node)  # again, below its parents: emitted once they are done
            # a parent goes on the stack unless it is done: an inner node marked so, or a leaf
            # in the set (a weight is a parent of every sample's node: pushed once, not 100x)
            if len(edges) == 4:
                first, second, _, _ = edges
                if second.grad is not done and second not in leaves:
                    stack.append(second)
                if first.grad is not done and first not in leaves:
                    stack.append(first)
                continue
            for parent in reversed(edges[: len(edges) // 2]):  # the first parent ordered first
                if parent.grad is not done and parent not in leaves:
                    stack.append(parent)
    except BaseException:  # interrupted (KeyboardInterrupt, MemoryError): leave no mark behind
        for node in stack:
            if node.grad is opened:
                node.grad = 0.0
        raise
    return order


def backward(root: N, grad: Any, create_graph: bool = False) -> list[N]:
    """Run the chain rule from ``root`` (seeded with ``grad``); returns the order used.

    Leaves accumulate (calling twice adds the same gradients again, as PyTorch does);
    inner nodes start from empty on every pass, so their gradients are never compounded.
    With ``create_graph`` the gradients are built as nodes (``grad`` must be a node then).
    Passes from several threads run one after the other (``LOCK``), each adding its full part.
    """
    with LOCK:
        return _backward(root, grad, create_graph)


def _backward(root: N, grad: Any, create_graph: bool) -> list[N]:
    checked = anomaly.switch.enabled
    if getattr(root, "_LOCALS_ON_NODE", False) and not create_graph and not checked:
        # scalar nodes keep their local gradients in ``_local``: the chain rule inline, with
        # no method call per node (a third of the backward pass on micrograd's demo graph)
        scalars: list[Any] = _scalar_order(root)
        root._add_grad(grad)
        for node in reversed(scalars):
            edges = node._edges
            if edges:
                g = node.grad
                n = len(edges)
                if n == 4:  # two parents, unpacked: half the time of zip's loop
                    a, b, local_a, local_b = edges
                    a.grad += local_a * g
                    b.grad += local_b * g
                elif n == 2:
                    a, local_a = edges
                    a.grad += local_a * g
                else:
                    n //= 2
                    for parent, local in zip(edges[:n], edges[n:]):  # noqa: B905 (equal halves)
                        parent.grad += local * g
        return scalars
    order = topological_order(root)
    for node in order:
        # a leaf whose grad was set to None starts from empty too (as PyTorch's set_to_none)
        if node._prev or node.grad is None:
            node.grad = node._EMPTY_GRAD
    root._add_grad(grad)
    for node in reversed(order):
        if node._prev:
            if create_graph:
                node._backprop_graph()
            else:
                node._backprop()
            if checked:
                anomaly.check_backward(node)
    if create_graph:
        _connect_constants(order)
        _mark_built(order, grad)
    return order


def _connect_constants(order: list[Any]) -> None:
    """A leaf's gradient that no longer depends on anything (d(3x)/dx = 3) becomes a node of the
    leaf with derivative 0, so differentiating it again gives 0 instead of raising (as torch)."""
    from .function import constant_of  # lazily: function.py builds on the node kinds

    for node in order:
        if not node._prev and getattr(node, "requires_grad", False):
            g = node.grad
            if g is not None and not g._prev and not getattr(g, "requires_grad", True):
                node.grad = constant_of(node, g)


_twins: dict[Any, Any] = {}
TWIN_LIMIT = 256  # ops made per exponent (x ** k) come and go: keep the table bounded


def backward_twin(op: Any) -> Any:
    """``op`` with ``in_backward=True``: one shared twin per op, so marking costs no memory."""
    twin = _twins.get(op)
    if twin is None:
        with LOCK:  # two threads evicting at once would both delete the same oldest entry
            twin = _twins.get(op)
            if twin is None:
                if len(_twins) >= TWIN_LIMIT:
                    del _twins[next(iter(_twins))]  # the oldest; nodes keep the twin they had
                twin = _twins[op] = dataclasses.replace(op, in_backward=True)
    return twin


def _mark_built(order: list[Any], seed: Any) -> None:
    """Give every node this create_graph pass built its op's backward twin (for the diagrams).

    The new nodes are those reachable from the gradients but not from before the pass: the walk
    stops at the forward graph, the seed, and nodes an earlier pass built. Done here, after the
    pass, so that building a node stays free of any check (the create_graph=False speed).
    """
    before: set[Any] = set(order)
    if hasattr(seed, "_prev"):
        before.add(seed)
    stack = [n.grad for n in order if hasattr(n.grad, "_prev") and n.grad not in before]
    while stack:
        node = stack.pop()
        if node in before:
            continue
        before.add(node)
        op = node.op
        if op is None or op.in_backward:
            continue  # a constant, or a node of an earlier pass's gradient graph
        node.op = backward_twin(op)
        stack.extend(node._prev)


def grad(
    outputs: Any, inputs: Any, grad_outputs: Any = None, create_graph: bool = False
) -> tuple[Any, ...]:
    """d(outputs)/dx for each x in ``inputs``, as ``torch.autograd.grad``; no ``.grad`` changes.

    ``outputs`` is a node or a list of nodes (their gradients add up, each seeded with its
    ``grad_outputs`` entry or 1). With ``create_graph`` the results are nodes that can be
    differentiated again. An input the outputs do not depend on gets the empty gradient
    (0.0 for a Value, None for a Tensor; with ``create_graph`` a Tensor gets zeros, whose own
    derivative is 0). A constant output (a number, a Tensor that needs no grad) adds nothing.
    Calls from several threads run one after the other (``LOCK``): each sees only its own pass.
    """
    with LOCK:  # its passes borrow the nodes' grads, which it puts back at the end
        return _grad(outputs, inputs, grad_outputs, create_graph)


def _grad(outputs: Any, inputs: Any, grad_outputs: Any, create_graph: bool) -> tuple[Any, ...]:
    outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    xs = checks_args.nodes("grad", "inputs", inputs)
    if not xs:
        raise ValueError("grad: inputs is empty; pass the nodes to differentiate with respect to")
    for i, o in enumerate(outs):  # a number is a constant output (see above); others are typos
        if not (checks_args.is_node(o) or isinstance(o, (int, float))) or isinstance(o, bool):
            at = "outputs" if outs == [outputs] else f"outputs[{i}]"
            raise TypeError(f"grad: {at} must be a Value or a Tensor, got {type(o).__name__}")
    seeds = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    if len(seeds) == 1 and len(outs) > 1:
        seeds *= len(outs)
    if len(seeds) != len(outs):
        raise ValueError(f"grad got {len(outs)} outputs but {len(seeds)} grad_outputs")
    # a constant output (a number, or a Tensor that needs no grad) adds nothing: so that
    # differentiating a derivative that became constant gives 0 instead of raising
    kept = [
        (o, s)
        for o, s in zip(outs, seeds, strict=True)
        if hasattr(o, "_prev") and getattr(o, "requires_grad", True)
    ]
    outs, seeds = [o for o, _ in kept], [s for _, s in kept]
    touched: dict[Any, Any] = {}
    for out in outs:
        for node in topological_order(out):
            touched.setdefault(node, node.grad)
    for x in xs:
        touched.setdefault(x, x.grad)
    results: list[Any] = [None] * len(xs)
    try:
        for out, seed in zip(outs, seeds, strict=True):
            for node in touched:
                node.grad = node._EMPTY_GRAD
            kwargs = {} if seed is None else {"grad": seed}
            out.backward(create_graph=create_graph, **kwargs)
            for i, x in enumerate(xs):
                if x.grad is not None:
                    results[i] = x.grad if results[i] is None else results[i] + x.grad
    finally:
        for node, g in touched.items():
            node.grad = g
    if create_graph:  # as torch's materialize_grads: zeros, differentiable again (to 0)
        from .function import constant_of

        results = [
            constant_of(x, x.data * 0.0) if r is None and getattr(x, "requires_grad", False) else r
            for x, r in zip(xs, results, strict=True)
        ]
    return tuple(x._EMPTY_GRAD if r is None else r for x, r in zip(xs, results, strict=True))
