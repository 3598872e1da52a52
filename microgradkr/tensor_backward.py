"""How a Tensor runs the chain rule: ``backward()``, one node's step with ndarrays (the training
path) or with Tensors (``create_graph=True``), and the gradient each edge carries (diagrams).

``BackwardMethods`` is a base class of ``Tensor``; it reaches tensor.py only through hooks: ``to``
(the cast node), ``_leaf`` (a constant) and ``_as_grad`` (a seed, checked); it never imports it.
The gradient of a broadcast input is summed back to the input's shape here, in one place, so no
VJP rule has to think about broadcasting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import anomaly, graph
from .graph import GraphNode
from .tensor_ops import Array, TensorOp, sum_to

_OPEN, _DONE = object(), object()  # the walk's marks, kept in an inner node's grad


def inner_order(root: Any) -> list[Any]:
    """The nodes ``root`` depends on that have parents, each after its parents (root last),
    their grads reset to None. As graph.topological_order, but leaves are skipped (a Tensor
    leaf's empty grad is None: nothing to reset) and the walk's state lives in the grads about
    to be reset, not in a dict."""
    order: list[Any] = []
    if not root._prev:
        return order
    stack = [root]
    opened, done = _OPEN, _DONE
    try:
        while stack:
            node = stack.pop()
            g = node.grad
            if g is opened:  # its parents are all ordered: its turn
                node.grad = done
                order.append(node)
                continue
            if g is done:  # a second copy on the stack
                continue
            node.grad = opened
            stack.append(node)  # again, below its parents: emitted once they are done
            for parent in reversed(node._prev):  # so the first parent is ordered first
                if parent._prev and parent.grad is not done:
                    stack.append(parent)
    finally:  # also on KeyboardInterrupt: leave no mark behind
        for node in order:
            node.grad = None
        for node in stack:
            if node.grad is opened or node.grad is done:
                node.grad = None
    return order


def _send(p: Any, gp: Any, g: Array) -> None:
    """Add ``gp`` = dL/dp to ``p.grad``, summed to p's shape and cast to its dtype."""
    data = p.data
    if type(gp) is not np.ndarray:
        gp = np.asarray(gp, dtype=data.dtype)
    if gp.shape != data.shape:
        gp = sum_to(gp, data.shape)
    if gp.dtype is not data.dtype and gp.dtype != data.dtype:  # a float32 leaf of a float64 op
        gp = gp.astype(data.dtype)
    old = p.grad
    if old is None:
        # Inner grads are never written in place, so sharing is safe among them; a leaf's grad
        # is the user's, so it gets an array of its own (add passes g itself on).
        if not p._prev and (gp is g or not gp.flags.owndata):
            gp = gp.copy()
        p.grad = gp
    else:
        p.grad = old + gp


def _sum_to_tensor(g: Any, shape: tuple[int, ...]) -> Any:
    """sum_to as Tensor ops, for a gradient that keeps its graph."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    out = g.sum(axis=axes, keepdims=True) if axes else g
    return out.reshape(shape) if lead else out


class BackwardMethods:
    """The backward pass of ``Tensor`` (see the module docstring)."""

    __slots__ = ()
    data: np.ndarray
    grad: Any
    requires_grad: bool
    op: TensorOp | None
    _prev: tuple[Any, ...]
    _args: tuple[Any, ...]

    def _leaf(self, data: Any) -> Any:
        raise NotImplementedError

    def _as_grad(self, grad: Any) -> Array:
        raise NotImplementedError

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        *,
        grad: Any = None,
    ) -> None:
        """Fill ``grad`` of every tensor this one depends on, by the chain rule from ``gradient``.

        ``gradient`` (or ``grad=``) is dL/d(this tensor): optional for a one-element tensor (1 is
        used), otherwise an array of this tensor's shape. Leaves accumulate across calls, as in
        PyTorch. The graph is always kept (``retain_graph`` is accepted and changes nothing).
        With ``create_graph=True`` every ``grad`` is a Tensor whose own graph can be
        differentiated again (higher-order gradients, as DeZero and PyTorch).
        """
        if grad is None:
            grad = gradient
        elif gradient is not None:
            raise TypeError("backward: pass gradient= or grad=, not both")
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: create the leaves with "
                "Tensor(..., requires_grad=True)"
            )
        shape = self.data.shape
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() on a tensor of shape {shape} needs grad = dL/d(this tensor):"
                    f" pass an array of shape {shape}, e.g. np.ones({shape}) to"
                    " differentiate the sum of its elements"
                )
            # np.array, not np.ones or ones_like: their Python wrappers cost 1 µs a step
            g = np.array(1, self.data.dtype) if not shape else np.ones(shape, self.data.dtype)
        else:
            g = self._as_grad(grad)
            if g.shape != shape:
                raise ValueError(
                    f"backward(): grad has shape {g.shape}, but the tensor has shape {shape}"
                )
        root: Any = self  # a Tensor: a graph.Node
        if create_graph:
            seed = grad if isinstance(grad, GraphNode) else self._leaf(g)
            graph.backward(root, seed, create_graph=True)
        elif anomaly.OPEN[0] and anomaly.switch.enabled:
            graph.backward(root, g)  # the general driver checks each step
        else:  # graph.backward's loop, for arrays: only inner nodes are visited
            with graph.LOCK:  # one pass at a time: its marks and inner grads live in the nodes
                order = inner_order(self)
                self._add_grad(g)
                for node in reversed(order):
                    node._backprop()

    def _add_grad(self, g: Any) -> None:
        if self.grad is None:
            # a leaf never shares the caller's array
            self.grad = g.copy() if not self._prev and isinstance(g, np.ndarray) else g
        else:
            self.grad = self.grad + g

    def _backprop(self) -> None:
        """One step of the chain rule with ndarrays: p.grad += vjp_p(grad) for each parent p."""
        g = self.grad
        if g is None:
            return
        prev = self._prev
        vjps = self.op.vjps  # type: ignore[union-attr]
        out, args = self.data, self._args
        n = len(prev)
        if n == 2 and not args:  # most nodes: unpacked, no argument list to build
            a, b = prev
            if a.requires_grad:
                _send(a, vjps[0](g, a.data, b.data, out), g)
            if b.requires_grad:
                _send(b, vjps[1](g, a.data, b.data, out), g)
        elif n == 1:
            p = prev[0]
            if p.requires_grad:
                _send(p, vjps[0](g, p.data, out, *args) if args else vjps[0](g, p.data, out), g)
        elif n == 3 and not args:  # three inputs (a fused affine: x, W, b), unpacked too
            a, b, c = prev
            ad, bd, cd = a.data, b.data, c.data
            for p, vjp in ((a, vjps[0]), (b, vjps[1]), (c, vjps[2])):
                if p.requires_grad:
                    _send(p, vjp(g, ad, bd, cd, out), g)
        elif self.op.joint is not None:  # type: ignore[union-attr]
            grads = self.op.joint(g, *[p.data for p in prev], out, *args)  # type: ignore[union-attr]
            for p, gp in zip(prev, grads, strict=True):
                if p.requires_grad:
                    _send(p, gp, g)
        else:
            xs = [p.data for p in prev]
            for p, vjp in zip(prev, vjps, strict=True):
                if p.requires_grad:
                    _send(p, vjp(g, *xs, out, *args), g)

    def _backprop_graph(self) -> None:
        """_backprop with Tensors in and out: the rules build the gradient's own graph."""
        g = self.grad
        if g is None:
            return
        prev = self._prev
        for p, vjp in zip(prev, self.op.vjps, strict=True):  # type: ignore[union-attr]
            if not p.requires_grad:
                continue
            gp = vjp(g, *prev, self, *self._args)
            if not isinstance(gp, GraphNode):
                gp = self._leaf(np.asarray(gp, dtype=p.data.dtype))
            if gp.shape != p.data.shape:
                gp = _sum_to_tensor(gp, p.data.shape)
            if gp.dtype != p.data.dtype:  # dL/dx has x's dtype; in this graph the cast is a node
                gp = gp.to(p.data.dtype)
            p.grad = gp if p.grad is None else p.grad + gp

    def edge_grads(self) -> tuple[Array | None, ...]:
        """What this node sends each parent, vjp_i(grad) summed to the parent's shape (or None).

        The gradient flowing on each edge, for diagrams and traces: with fan-out, a parent's
        ``grad`` is the sum of these over its children.
        """
        g: Any = self.grad
        if isinstance(g, GraphNode):
            g = g.data  # type: ignore[attr-defined]  # a Tensor's
        if g is None or self.op is None:
            return tuple(None for _ in self._prev)
        xs = [p.data for p in self._prev]
        sent: list[Array | None] = []
        for p, vjp in zip(self._prev, self.op.vjps, strict=True):
            if not p.requires_grad:
                sent.append(None)
                continue
            gp = np.asarray(vjp(g, *xs, self.data, *self._args), dtype=p.data.dtype)
            sent.append(sum_to(gp, p.data.shape) if gp.shape != p.data.shape else gp)
        return tuple(sent)
