"""The Tensor ops a PyTorch user reaches for beyond the core ones (tensor_ops.py): abs, sqrt,
sin, cos, clamp, where, minimum, min, leaky_relu, clone, broadcast_to, sum_to, and ``a ** b``
with a tensor exponent.

Each is one ``TensorOp`` record, as in tensor_ops.py: the forward function, one VJP rule per
input ``vjp(g, *x, out, *args)``, written with operators and methods that ndarrays and Tensors
share, so ``backward(create_graph=True)`` differentiates them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import GraphNode
from .ops import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER
from .tensor_ops import TensorOp, sum_to


def _data(x: Any) -> Any:
    """The numbers behind x: masks and signs are constants, not part of a gradient's graph."""
    is_node = isinstance(x, GraphNode)
    return x.data if is_node else x


def _call(x: Any, name: str) -> Any:
    """x.name() for a Tensor (a node of the gradient's graph), np.name(x) for an ndarray."""
    return getattr(x, name)() if isinstance(x, GraphNode) else getattr(np, name)(x)


def _unreduce(g: Any, shape: tuple[int, ...], axis: tuple[int, ...] | None, keep: bool) -> Any:
    """Put back the reduced axes of ``g`` (size 1) so that it broadcasts against ``shape``."""
    if keep or axis is None or g.ndim == len(shape):
        return g
    return g.reshape(tuple(1 if i in axis else n for i, n in enumerate(shape)))


def _min_vjp(g: Any, x: Any, out: Any, axis: tuple[int, ...] | None, keep: bool) -> Any:
    """The gradient goes to the minima, split evenly between ties (torch.amin); a NaN is the
    minimum, so it takes the gradient (torch.min)."""
    shape = _data(x).shape
    low = _unreduce(_data(out), shape, axis, keep)
    mask = (_data(x) == low) | (np.isnan(_data(x)) & np.isnan(low))
    return mask * (_unreduce(g, shape, axis, keep) / mask.sum(axis=axis, keepdims=True))


def _minimum_da(g: Any, a: Any, b: Any, out: Any) -> Any:
    a, b = _data(a), _data(b)
    return g * (1.0 - (a > b) - 0.5 * (a == b))  # ties split, as torch.minimum


def _minimum_db(g: Any, a: Any, b: Any, out: Any) -> Any:
    a, b = _data(a), _data(b)
    return g * (1.0 - (b > a) - 0.5 * (a == b))


def _clamp_vjp(g: Any, x: Any, out: Any, lo: float | None, hi: float | None) -> Any:
    """g where lo <= x <= hi (both ends included, as torch.clamp), else 0."""
    x = _data(x)
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return g * inside


def _broadcast_back(g: Any, x: Any, out: Any, shape: tuple[int, ...]) -> Any:
    """sum_to's backward: g copied back along the summed axes."""
    xs = _data(x).shape
    if isinstance(g, GraphNode):
        return g.broadcast_to(xs)  # type: ignore[attr-defined]
    return np.broadcast_to(g, xs)


def _pow_tensor_da(g: Any, a: Any, b: Any, out: Any) -> Any:
    """g b a^(b-1); 0 where b = 0 (as torch: x^0 is 1 for every x, 0^0 included)."""
    if isinstance(a, GraphNode) or isinstance(b, GraphNode):
        d = g * b * a ** (b - 1.0)
        # 0 * 0^-1 is NaN: a constant 0 there. Only there: at b = 0 with a != 0, d is 0 by
        # itself and its derivative along b, a^(b-1) g, is not (a mask there would make it 0)
        ad, bd = np.asarray(_data(a)), np.asarray(_data(b))
        zero = (bd == 0) & (ad == 0)
        return d.where(~zero, 0.0) if zero.any() else d
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * np.where(b == 0, 0.0, b * np.power(a, b - 1.0))


def _pow_tensor_db(g: Any, a: Any, b: Any, out: Any) -> Any:
    """g a^b log a; 0 where a = 0 and b >= 0 (as torch), NaN for a negative base."""
    if isinstance(a, GraphNode):
        return g * out * a.log()  # type: ignore[attr-defined]
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))


def _pow_tensor(a: Any, b: Any) -> Any:
    """a ** b; for integers as torch's: a negative power is 1 for a = 1, ±1 for a = -1 and 0
    for any other a (numpy raises; a float a or b: IEEE pow)."""
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return np.power(a, b)
    if a.dtype.kind == "b":  # torch: "pow" not implemented for 'Bool' (bool ** int64 is int64)
        raise TypeError("not implemented for bool ** bool tensors, as torch; .long() first")
    out = np.power(a, np.maximum(b, 0))
    if (b < 0).any():
        odd = np.where(b % 2 == 1, -1, 1)
        out = np.where(b < 0, np.where(a == 1, 1, np.where(a == -1, odd, 0)), out)
    return out


def _sign(x: Any) -> Any:
    """d|x|/dx: -1, 0 or 1, and 0 at NaN (torch's sgn)."""
    return np.where(np.isnan(x), 0.0, np.sign(x))


ABS = TensorOp(
    "abs",
    "|x|",
    SWITCHER,
    np.abs,
    (lambda g, x, out: g * _sign(_data(x)),),
    kinked=True,
    notes=("g * sign({a})",),
    takes="i",
)
SQRT = TensorOp(
    "sqrt",
    "√",
    CHAIN,
    np.sqrt,
    (lambda g, x, out: g / (2.0 * out),),
    notes=("g / (2 out)",),
    to_float=True,
)
SIN = TensorOp(
    "sin",
    "sin",
    CHAIN,
    np.sin,
    (lambda g, x, out: g * _call(x, "cos"),),
    notes=("g cos {a}",),
    to_float=True,
)
COS = TensorOp(
    "cos",
    "cos",
    CHAIN,
    np.cos,
    (lambda g, x, out: -g * _call(x, "sin"),),
    notes=("-g sin {a}",),
    to_float=True,
)
CLAMP = TensorOp(
    "clamp",
    "clamp",
    ROUTER,
    lambda x, lo, hi: np.clip(x, lo, hi),
    (_clamp_vjp,),
    kinked=True,
    notes=("g where min <= {a} <= max",),
)
WHERE = TensorOp(
    "where",
    "where",
    ROUTER,
    lambda a, b, cond: np.where(cond, a, b),
    (lambda g, a, b, out, cond: g * cond, lambda g, a, b, out, cond: g * ~cond),
    notes=("g where cond", "g where not cond"),
)
MINIMUM = TensorOp(
    "minimum",
    "min",
    ROUTER,
    np.minimum,
    (_minimum_da, _minimum_db),
    kinked=True,
    notes=("g where {a} < {b}", "g where {b} < {a}"),
)
MIN = TensorOp(
    "min",
    "min",
    ROUTER,
    lambda x, axis, keep: x.min(axis=axis, keepdims=keep),
    (_min_vjp,),
    kinked=True,
    notes=("g to the minima {axis}",),
)
LEAKY_RELU = TensorOp(
    "leaky_relu",
    "lrelu",
    ROUTER,
    lambda x, slope: np.where(x > 0, x, x * slope),
    (lambda g, x, out, slope: g * np.where(_data(x) > 0, 1.0, slope),),
    kinked=True,
    notes=("g where {a} > 0, else slope g",),
    takes="",  # torch: "leaky_relu_cpu" not implemented for 'Long'
)
CLONE = TensorOp("clone", "clone", DISTRIBUTOR, np.copy, (lambda g, x, out: g,), notes=("g",))
# g as it is: the backward step sums a gradient down to its input's shape
BROADCAST_TO = TensorOp(
    "broadcast_to",
    "expand",
    DISTRIBUTOR,
    lambda x, shape: np.broadcast_to(x, shape).copy(),
    (lambda g, x, out, shape: g,),
    notes=("g summed back",),
)
SUM_TO = TensorOp(
    "sum_to",
    "sum_to",
    DISTRIBUTOR,
    lambda x, shape: sum_to(x, shape),
    (_broadcast_back,),
    notes=("g copied back",),
)
POW_TENSOR = TensorOp(
    "pow_tensor",
    "**",
    CHAIN,
    _pow_tensor,
    (_pow_tensor_da, _pow_tensor_db),
    notes=("g {b} {a}^({b} - 1)", "g out log {a}"),
)
