"""Function: an op written as a class with ``forward`` and ``backward``, as DeZero and DLfS write
their layers. Calling one builds an ``Op`` (on Values) or a ``TensorOp`` (on Tensors) behind the
scenes, so backward, the diagrams, gradcheck and ``testing.check_op`` read the same table.

    class Square(Function):
        def forward(self, x):           # floats or ndarrays in, one float or ndarray out
            return x ** 2
        def backward(self, gy):         # dL/dy in, dL/dx out (a tuple for several inputs)
            x = self.inputs[0].data
            return 2 * x * gy

Higher-order gradients: ``backward`` is written in numpy, which has no graph, so the gradient a
``backward(create_graph=True)`` pass gets from it can be used but not differentiated again:
doing so raises ``NotDifferentiableError`` (torch's ``once_differentiable``), never a wrong
number. With ``differentiable_backward = True``, ``backward`` gets Values/Tensors (``gy`` and
``self.inputs``) and must use the library's ops (DeZero from step 33), so it can be differentiated
any number of times.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from . import engine, graph, tensor
from .engine import Value
from .ops import CHAIN, Op
from .tensor import Tensor, TensorOp
from .tensor_ops import sum_to


class NotDifferentiableError(RuntimeError):
    """A gradient computed by a numpy ``backward`` was differentiated again."""


def _refuse(name: str) -> NotDifferentiableError:
    return NotDifferentiableError(
        f"{name}.backward is written in numpy, so its gradient cannot be differentiated again: "
        f"set differentiable_backward = True on {name} and write backward with Value/Tensor ops"
    )


class _Refused:
    """A local gradient that raises when used: the derivative of a numpy backward's result."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _fail(self, *_: Any) -> Any:
        raise _refuse(self.name)

    __mul__ = __rmul__ = _fail

    def __float__(self) -> float:
        return float("nan")  # for the diagram: a number that is not known; arithmetic raises

    def __repr__(self) -> str:
        return f"<not differentiable: {self.name}.backward is numpy>"


class _ValuesOnly(threading.local):
    """Set while a differentiable backward runs for its numbers only (in this thread only)."""

    on = False


_values_only = _ValuesOnly()


class Function:
    """An op as a class: ``forward(*xs) -> y`` and ``backward(gy) -> gx`` (one per input).

    ``self.inputs`` (and ``self.input``, the first) are the input nodes while ``backward`` runs;
    ``self.outputs[0]()`` and ``self.output`` the output (DeZero's weakref call convention).
    """

    differentiable_backward: ClassVar[bool] = False
    symbol: ClassVar[str | None] = None  # the diagram's symbol; the class name if None

    inputs: tuple[Any, ...]
    outputs: list[Callable[[], Any]]

    def forward(self, *xs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} needs a forward(self, *xs) method")

    def backward(self, gy: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} needs a backward(self, gy) method")

    def __call__(self, *inputs: Any) -> Any:
        """The op's output node: a Tensor if any input is a Tensor or an ndarray, else a Value."""
        if not inputs:
            raise TypeError(f"{type(self).__name__}() needs at least one input")
        if any(isinstance(x, (Tensor, np.ndarray)) for x in inputs):
            nodes = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
            return tensor.apply(self.as_op(tensor=True, arity=len(nodes)), *nodes)
        values = [engine._wrap(x) for x in inputs]
        op = self.as_op(arity=len(values))
        if _values_only.on:  # inside a backward run for its numbers: no local gradients needed
            out = op.forward(*[v.data for v in values])
            return engine._node(out, op, tuple(values), (_Refused(op.name),) * len(values))
        return engine.apply(op, *values)

    # -- the record ----------------------------------------------------------------------------
    def as_op(self, tensor: bool = False, arity: int | None = None) -> Any:
        """This function as an ``Op`` (Values) or ``TensorOp`` (Tensors): for apply, check_op."""
        n = arity if arity is not None else _arity(self.forward)
        name = type(self).__name__
        symbol = self.symbol or name
        if tensor:
            vjps = tuple(self._tensor_vjp(i, n) for i in range(n))
            return TensorOp(name, symbol, CHAIN, self._forward_array, vjps)

        def forward(*xs: float) -> float:
            return _number(_one(self.forward(*xs), name), name, "forward", "its output")

        if arity is None:  # so that testing.register reads the arity off the record
            forward.__signature__ = inspect.signature(self.forward)  # type: ignore[attr-defined]
        return Op(name, symbol, CHAIN, forward, self._value_locals)

    def _forward_array(self, *xs: np.ndarray) -> Any:
        name = type(self).__name__
        return _real(_one(self.forward(*xs), name), name, "forward", "its output")

    def _run_backward(self, inputs: tuple[Any, ...], out: Any, gy: Any) -> tuple[Any, ...]:
        """backward(gy) with ``inputs`` and ``out`` in place; one gradient per input."""
        with graph.LOCK:  # one run at a time: two threads using one instance share these fields
            self.inputs = inputs
            self.input = inputs[0]
            self.outputs = [lambda: out]
            self.output = out
            try:
                gxs = self.backward(gy)
            finally:
                del self.outputs, self.output  # the output holds this op: keep no cycle
        gxs = gxs if isinstance(gxs, (tuple, list)) else (gxs,)
        name = type(self).__name__
        if len(gxs) != len(inputs):
            raise ValueError(
                f"{name}.backward returned {len(gxs)} gradients for {len(inputs)} inputs"
            )
        pairs = enumerate(zip(gxs, inputs, strict=True))
        return tuple(_grad_for(gx, x, name, i) for i, (gx, x) in pairs)

    def _value_locals(self, *xs_out: Any) -> tuple[Any, ...]:
        """d out / d x_i = backward(1) (one output): on floats, or on Values for create_graph."""
        *xs, out = xs_out
        graph_pass = isinstance(out, Value)
        if graph_pass:
            nodes = tuple(xs)
        else:
            nodes = tuple(Value(x) for x in xs)
            out = Value(out)
        if self.differentiable_backward and graph_pass:
            return self._run_backward(nodes, out, Value(1.0))
        if self.differentiable_backward:
            # Functions called inside give their numbers only: their own local gradients would
            # run their backward, which may call this Function again (sin' = cos, cos' = -sin)
            saved, _values_only.on = _values_only.on, True
            try:
                gxs = self._run_backward(nodes, out, Value(1.0))
            finally:
                _values_only.on = saved
            return tuple(float(_data(g)) for g in gxs)
        gxs = self._run_backward(
            tuple(Value(n.data) for n in nodes) if graph_pass else nodes, Value(out.data), 1.0
        )
        gxs = tuple(float(_data(g)) for g in gxs)
        if not graph_pass:
            return gxs
        name = type(self).__name__
        refused = _Refused(name)
        refuse = _refuser(name)
        once = Op(f"{name}.backward", f"{self.symbol or name}'", CHAIN, _no_forward, refuse)
        return tuple(engine._node(g, once, nodes, (refused,) * len(nodes)) for g in gxs)

    def _tensor_vjp(self, i: int, n: int) -> Callable[..., Any]:
        cache: dict[str, Any] = {}

        def vjp(g: Any, *xs_out: Any) -> Any:
            # one backward call serves every input's vjp of one node (same g, same inputs)
            key = cache.get("key", ())
            if len(key) != n + 2 or not all(a is b for a, b in zip(key, (g, *xs_out), strict=True)):
                cache["key"], cache["gxs"] = (
                    (g, *xs_out),
                    self._tensor_grads(g, xs_out[:n], xs_out[n]),
                )
            gxs = cache["gxs"]
            if i == n - 1:
                cache.clear()
            return gxs[i]

        return vjp

    def _tensor_grads(self, g: Any, xs: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
        graph_pass = isinstance(g, Tensor)
        if self.differentiable_backward:
            if graph_pass:
                return self._run_backward(xs, out, g)
            gxs = self._run_backward(tuple(map(Tensor, xs)), Tensor(out), Tensor(g))
            return tuple(_data(gx) for gx in gxs)
        arrays = tuple(Tensor(_data(x)) for x in xs)
        gxs = self._run_backward(arrays, Tensor(_data(out)), _data(g))
        gxs = tuple(np.asarray(_data(gx)) for gx in gxs)
        if not graph_pass:
            return gxs
        name = type(self).__name__
        once = TensorOp(
            f"{name}.backward",
            f"{self.symbol or name}'",
            CHAIN,
            _pick,
            tuple(_refuser(name, j) for j in range(len(xs) + 1)),
        )
        # the gradient as a node of g and the inputs, whose own derivative refuses
        return tuple(tensor.apply(once, g, *xs, args=(gx,)) for gx in gxs)


def _one(y: Any, name: str) -> Any:
    """forward's result, which must be one output (a node here has exactly one)."""
    if isinstance(y, (tuple, list)):
        raise TypeError(
            f"{name}.forward returned {len(y)} outputs; a Function has one output here "
            "(split it into one Function per output)"
        )
    return y


def _real(y: Any, name: str, method: str, what: str) -> Any:
    """y as an array of real numbers (ints and bools too), else a TypeError naming the method:
    an object array became NaN and a complex one lost its imaginary part, silently."""
    arr = np.asarray(_data(y))
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}.{method} returned {type(y).__name__} of {arr.dtype} for {what},"
            " expected real numbers"
        )
    return arr


def _number(y: Any, name: str, method: str, what: str) -> float:
    """One real number (the Value form of ``_real``)."""
    arr = _real(y, name, method, what)
    if arr.size != 1:
        raise ValueError(
            f"{name}.{method} returned shape {arr.shape} for {what}, expected one number"
        )
    return float(arr.reshape(()))


def _grad_for(gx: Any, x: Any, name: str, i: int) -> Any:
    """backward's gradient for input i checked against it, as torch's validate_outputs: None
    means no gradient (zero); a shape that x broadcasts to is summed down; others raise."""
    what = f"input {i}"
    if isinstance(x, Value):
        return Value(0.0) if gx is None else _same_kind(gx, _number(gx, name, "backward", what))
    if gx is None:
        return Tensor(np.zeros_like(x.data))
    arr = _real(gx, name, "backward", what)
    if arr.shape == x.shape:
        return gx if isinstance(gx, Tensor) else arr.astype(x.dtype, copy=False)
    try:
        fits = np.broadcast_shapes(x.shape, arr.shape) == arr.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"Function {name}.backward returned an invalid gradient at index {i} - got "
            f"{list(arr.shape)} but expected shape compatible with {list(x.shape)}"
        )
    if isinstance(gx, Tensor):
        return gx.sum_to(x.shape)
    return sum_to(arr, x.shape).astype(x.dtype, copy=False)


def _same_kind(gx: Any, number: float) -> Any:
    return gx if isinstance(gx, Value) else number


def _data(x: Any) -> Any:
    return x.data if isinstance(x, (Value, Tensor)) else x


def _no_forward(*_: Any) -> Any:
    raise RuntimeError("a once-differentiable gradient node is built, never run forward")


def _pick(*xs_and_value: Any) -> Any:
    return xs_and_value[-1]


def _refuser(name: str, j: int = 0) -> Callable[..., Any]:
    def vjp(g: Any, *xs_out: Any) -> Any:
        # a VJP is linear in g: for g = 0 the answer is 0 whatever the Jacobian (the diagram
        # asks this for shapes); any other g needs the derivative numpy cannot give
        if isinstance(g, np.ndarray) and not g.any():
            return np.zeros_like(xs_out[j])
        raise _refuse(name)

    return vjp


def _arity(forward: Callable[..., Any]) -> int:
    params = inspect.signature(forward).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        raise TypeError("as_op(arity=...) is needed for a forward(*xs) of any number of inputs")
    return len([p for p in params if p.default is p.empty])


# -- constants that stay differentiable ------------------------------------------------------


def _constant_vjp(g: Any, x: Any, out: Any, value: Any) -> Any:
    """d(constant)/dx = 0; on Tensors another such node, so every further derivative is 0 too."""
    if isinstance(x, Tensor):
        return tensor.apply(CONSTANT, x, args=(np.zeros_like(x.data),))
    return np.zeros_like(x)


CONSTANT = TensorOp(
    "constant", "const", CHAIN, lambda x, value: value, (_constant_vjp,), notes=("0",)
)


def constant_of(x: Any, g: Any) -> Any:
    """``g``'s value as a node of ``x`` with derivative 0 (a gradient that no longer depends on
    x, as d(3x)/dx = 3): differentiating it again gives 0, as torch, instead of raising."""
    return tensor.apply(CONSTANT, x, args=(np.asarray(getattr(g, "data", g)),))
