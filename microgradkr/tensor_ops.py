"""The Tensor ops: each one ``TensorOp`` record (its forward function, one VJP rule per input, its
symbol for the diagram and its gate pattern), as CS231n's Jacobian view: a rule
``vjp(g, *x, out, *args)`` returns dL/d(x_i) given the upstream gradient ``g`` = dL/d(out); it
never builds the Jacobian. Rules are written with operators (``g @ b.T``, ``g * out``), so the same
rules run on Tensors: ``backward(create_graph=True)`` builds the gradient's own graph, for
higher-order gradients (as DeZero does). Nodes are built in tensor.py; the rules that build
nodes themselves (getitem's scatter, the dtype cast) do it through the Tensor's own methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

from .graph import GraphNode
from .ops import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER

Array: TypeAlias = np.ndarray
Axis: TypeAlias = "int | tuple[int, ...] | None"


@dataclass(frozen=True, slots=True)
class TensorOp:
    """One operation: ``out = forward(*x, *args)``; ``vjps[i](g, *x, out, *args)`` = dL/d(x_i)."""

    name: str
    symbol: str
    pattern: str
    forward: Callable[..., Any]
    vjps: tuple[Callable[..., Any], ...]
    kinked: bool = False  # not differentiable everywhere (relu, maximum, max): a branch is picked
    in_backward: bool = False  # the twin a node gets when backward(create_graph=True) built it
    # for the diagram, one per input: how the upstream g becomes that input's gradient
    # ({a}, {b}: the inputs' names; {axis}: a reduction's axes)
    notes: tuple[str, ...] = ()
    # all the inputs' gradients in one call, ``joint(g, *x, out, *args)``, for a fused op whose
    # rules share work (BatchNorm's sums); backward with ndarrays uses it, the rest use ``vjps``
    joint: Callable[..., tuple[Any, ...]] | None = None
    # torch's dtype rules (tensor_input.op_inputs): the non-float kinds of input it takes ("i"
    # int64, "b" bool; others are a TypeError, as torch's "not implemented for 'Bool'"), and
    # whether it computes those in the default float, float64 (exp of an int64 tensor)
    takes: str = "ib"
    to_float: bool = False

    def __repr__(self) -> str:
        return f"TensorOp({self.name!r})"


def sum_to(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` down to ``shape``: the backward of numpy broadcasting (a copy in, a sum out)."""
    lead = g.ndim - len(shape)
    if lead == 1 and g.shape[1:] == shape:  # a bias over a batch: the common case, made cheap
        return np.add.reduce(g, axis=0)  # type: ignore[no-any-return]
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    out = np.add.reduce(g, axis=axes, keepdims=True) if axes else g
    return out.reshape(shape) if lead else out


# -- the rules ---------------------------------------------------------------------------------


# A rule gets ndarrays in an ordinary backward pass and Tensors (GraphNodes) in one that builds the
# gradient's own graph (``backward(create_graph=True)``). Operators work on both; these helpers
# cover the rest.


def _is_node(x: Any) -> bool:
    """True for a Tensor (a node of the gradient's graph), False for an ndarray."""
    return isinstance(x, GraphNode)


def _values(x: Any) -> Any:
    """The numbers behind x: masks and comparisons are constants, not part of a graph."""
    return x.data if _is_node(x) else x


def _mT(a: Any) -> Any:
    """The last two axes swapped (a.T for a matrix)."""
    if a.ndim == 2:
        return a.T
    if _is_node(a):
        return a.transpose(-1, -2)
    return np.swapaxes(a, -1, -2)


def _permute(a: Any, perm: tuple[int, ...]) -> Any:
    """``a`` with its axes in the order ``perm`` (an ndarray's or a Tensor's own method)."""
    return a.permute(perm) if _is_node(a) else a.transpose(perm)


def _unpermute(g: Any, x: Any, out: Any, perm: tuple[int, ...]) -> Any:
    """The inverse permutation undoes ``perm``: axis ``perm[i]`` of x went to axis i."""
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return _permute(g, tuple(inverse))


def _broadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """g broadcast to ``shape`` (a read-only view for an ndarray; an add node for a Tensor)."""
    if _is_node(g):
        return g + np.zeros(shape, dtype=g.dtype)
    return np.broadcast_to(g, shape)


def _matmul_da(g: Any, a: Any, b: Any, out: Any) -> Any:
    """dL/da for a @ b: g b^T (with numpy's rules for 1-D operands)."""
    if b.ndim == 1:
        return g[..., None] * b if a.ndim > 1 else g * b
    if a.ndim == 1:
        return g[..., None, :] @ _mT(b)
    return g @ _mT(b)


def _matmul_db(g: Any, a: Any, b: Any, out: Any) -> Any:
    """dL/db for a @ b: a^T g (with numpy's rules for 1-D operands)."""
    if a.ndim == 1:
        return a[:, None] * g[..., None, :] if b.ndim > 1 else g * a
    if b.ndim == 1:
        return (_mT(a) @ g[..., None])[..., 0]
    return _mT(a) @ g


def _power(x: Any, k: float) -> Any:
    """x ** k with k kept in float64, as torch: numpy rounds k to a float32 x's dtype first, so
    0 ** 1e-50 was 0 ** 0 = 1 and (-1) ** (1e-16 - 1) a finite -1 instead of NaN.
    x ** -0.5 is 1 / sqrt(x), as torch's rsqrt: NaN at -inf (a negative base), -inf at -0
    (IEEE pow gives 0 and inf there; x ** 0.5 is already sqrt in both)."""
    if k == -0.5:
        return 1 / np.sqrt(x) if isinstance(x, np.ndarray) else 1 / x.sqrt()
    if isinstance(x, np.ndarray) and x.dtype != np.float64:
        return np.power(x, np.float64(k)).astype(x.dtype)
    return x**k


def _pow_vjp(g: Any, x: Any, out: Any, k: float) -> Any:
    """k x^(k-1) g; 0 for k = 0 (as PyTorch)."""
    if k == 0:
        return g * 0.0
    if k == 2:
        return g * 2.0 * x
    return g * k * _power(x, k - 1)


def _log_forward(x: Array) -> Any:
    with np.errstate(divide="ignore"):  # log 0 = -inf, as PyTorch
        return np.log(x)


def _sigmoid(x: Array) -> Any:
    """1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below: e = e^-|x| never overflows, and no
    1 - (almost 1) cancels, so tiny values keep their relative precision (σ(-40) = 4.2e-18)."""
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)  # NaN fails x >= 0 and stays NaN in e * r


def _relu_vjp(g: Any, x: Any, out: Any) -> Any:
    # out = max(x, 0) is 0 where x <= 0 and NaN where x is: 0 at 0, and NaN passes g on, as
    # PyTorch, in two passes (not three: ~(x <= 0))
    return g * (_values(out) != 0)


def _maximum_da(g: Any, a: Any, b: Any, out: Any) -> Any:
    a, b = _values(a), _values(b)
    # a tie sends half to each side; a NaN on either side sends g to both (torch.maximum)
    return g * (1.0 - (a < b) - 0.5 * (a == b))


def _maximum_db(g: Any, a: Any, b: Any, out: Any) -> Any:
    a, b = _values(a), _values(b)
    return g * (1.0 - (b < a) - 0.5 * (a == b))


def _expand(g: Any, shape: tuple[int, ...], axis: tuple[int, ...] | None, keep: bool) -> Any:
    """Put back the reduced axes of ``g`` (size 1) so that it broadcasts against ``shape``."""
    if keep or axis is None or g.ndim == len(shape):
        return g
    if _is_node(g):
        return g.reshape(tuple(1 if i in axis else n for i, n in enumerate(shape)))
    return np.expand_dims(g, axis)


def _sum_vjp(g: Any, x: Any, out: Any, axis: tuple[int, ...] | None, keep: bool) -> Any:
    return _broadcast(_expand(g, x.shape, axis, keep), x.shape)


def _mean_vjp(g: Any, x: Any, out: Any, axis: tuple[int, ...] | None, keep: bool) -> Any:
    count = x.size // max(out.size, 1)
    return _broadcast(_expand(g, x.shape, axis, keep) / count, x.shape)


def _max_vjp(g: Any, x: Any, out: Any, axis: tuple[int, ...] | None, keep: bool) -> Any:
    """The gradient goes to the maxima, split evenly between ties (torch.amax); a NaN is the
    maximum, so it takes the gradient (torch.max)."""
    xv, top = _values(x), _expand(_values(out), x.shape, axis, keep)
    mask = (xv == top) | (np.isnan(xv) & np.isnan(top))
    return mask * (_expand(g, x.shape, axis, keep) / mask.sum(axis=axis, keepdims=True))


def _same(g: Any, *rest: Any) -> Any:
    return g


def _neg(g: Any, *rest: Any) -> Any:
    return -g


ADD = TensorOp("add", "+", DISTRIBUTOR, np.add, (_same, _same), notes=("g", "g"))
SUB = TensorOp("sub", "-", DISTRIBUTOR, np.subtract, (_same, _neg), notes=("g", "-g"), takes="i")
MUL = TensorOp(
    "mul",
    "*",
    SWITCHER,
    np.multiply,
    (lambda g, a, b, out: g * b, lambda g, a, b, out: g * a),
    notes=("g * {b}", "g * {a}"),
)
DIV = TensorOp(
    "div",
    "/",
    CHAIN,
    np.divide,
    (lambda g, a, b, out: g / b, lambda g, a, b, out: -g * out / b),
    notes=("g / {b}", "-g * out / {b}"),
)
MATMUL = TensorOp(
    "matmul",
    "@",
    SWITCHER,
    np.matmul,
    (_matmul_da, _matmul_db),
    notes=("g {b}ᵀ", "{a}ᵀ g"),
    takes="i",
)
NEG = TensorOp("neg", "-x", CHAIN, np.negative, (_neg,), notes=("-g",), takes="i")
POW = TensorOp("pow", "**", CHAIN, _power, (_pow_vjp,), notes=("g * {k} {a}{power}",))
EXP = TensorOp(
    "exp", "exp", CHAIN, np.exp, (lambda g, x, out: g * out,), notes=("g * out",), to_float=True
)
LOG = TensorOp(
    "log", "log", CHAIN, _log_forward, (lambda g, x, out: g / x,), notes=("g / {a}",), to_float=True
)
TANH = TensorOp(
    "tanh",
    "tanh",
    CHAIN,
    np.tanh,
    (lambda g, x, out: g * (1 - out * out),),
    notes=("g (1 - out²)",),
    to_float=True,
)
SIGMOID = TensorOp(
    "sigmoid",
    "σ",
    CHAIN,
    _sigmoid,
    (lambda g, x, out: g * out * (1 - out),),
    notes=("g out (1 - out)",),
    to_float=True,
)
RELU = TensorOp(
    "relu",
    "relu",
    ROUTER,
    lambda x: np.maximum(x, 0),  # an int 0: relu of int64 stays int64, as torch
    (_relu_vjp,),
    kinked=True,
    notes=("g where {a} > 0",),
    takes="i",
)
MAXIMUM = TensorOp(
    "maximum",
    "max",
    ROUTER,
    np.maximum,
    (_maximum_da, _maximum_db),
    kinked=True,
    notes=("g where {a} > {b}", "g where {b} > {a}"),
)
SUM = TensorOp(
    "sum",
    "sum",
    DISTRIBUTOR,
    lambda x, axis, keep: x.sum(axis=axis, keepdims=keep),
    (_sum_vjp,),
    notes=("g copied back {axis}",),
)
MEAN = TensorOp(
    "mean",
    "mean",
    CHAIN,
    lambda x, axis, keep: x.mean(axis=axis, keepdims=keep),
    (_mean_vjp,),
    notes=("g / n copied back {axis}",),
    takes="",  # torch: "mean(): could not infer output dtype" for int64 and bool
)
MAX = TensorOp(
    "max",
    "max",
    ROUTER,
    lambda x, axis, keep: x.max(axis=axis, keepdims=keep),
    (_max_vjp,),
    kinked=True,
    notes=("g to the maxima {axis}",),
)
RESHAPE = TensorOp(
    "reshape",
    "reshape",
    DISTRIBUTOR,
    lambda x, shape: x.reshape(shape),
    (lambda g, x, out, shape: g.reshape(x.shape),),
    notes=("g reshaped back",),
)
TRANSPOSE = TensorOp(
    "transpose",
    "T",
    DISTRIBUTOR,
    lambda x, perm: x.transpose(perm),
    (_unpermute,),
    notes=("g transposed back",),
)


# -- indexing and casts ------------------------------------------------------------------------


def _scatter(g: Array, shape: tuple[int, ...], index: Any) -> Array:
    """A zero array of ``shape`` with g added at ``index`` (repeated indices add up)."""
    gx = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        gx[index] = g
    else:
        np.add.at(gx, index, g)
    return gx


def _getitem_vjp(g: Any, x: Any, out: Any, index: Any) -> Any:
    """Scatter ``g`` back to where it was gathered."""
    if _is_node(g):
        return g._apply(SCATTER, args=(x.shape, index))
    return _scatter(g, x.shape, index)


def _is_basic(index: Any) -> bool:
    """True for ints, slices, None and Ellipsis only (no index can repeat)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


def _cast(g: Any, dtype: Any) -> Any:
    """g with ``dtype``: a cast node for a Tensor, so that a gradient's graph runs through it."""
    if g.dtype == dtype:
        return g
    return g.to(dtype) if _is_node(g) else g.astype(dtype)  # Tensor.to: the cast node


GETITEM = TensorOp(
    "getitem", "[]", ROUTER, lambda x, index: x[index], (_getitem_vjp,), notes=("g scattered back",)
)
# dL/dx must have x's dtype; in a gradient's own graph that cast is a node too
CAST = TensorOp(
    "cast",
    "cast",
    DISTRIBUTOR,
    lambda x, dtype: x.astype(dtype),
    (lambda g, x, out, dtype: _cast(g, x.dtype),),
    notes=("g cast back",),
)
# getitem's backward as an op of its own, so that a gradient's graph can pass through it
SCATTER = TensorOp(
    "scatter_add",
    "[]+=",
    ROUTER,
    _scatter,
    (lambda g, x, out, shape, index: g[index],),
    notes=("g gathered",),
)


# -- arguments ---------------------------------------------------------------------------------


def _axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative axes, or None for all of them; a 0-d tensor
    takes axis 0 or -1 (reducing nothing), as in PyTorch."""
    if axis is None:
        return None
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer, tuple, list)):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {axis!r:.80}")
    parts = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if ndim == 0 and all(isinstance(a, (int, np.integer)) and a in (0, -1) for a in parts):
        return ()
    out = []
    for a in parts:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {axis!r} is out of range for a tensor with {ndim} axes")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {axis!r} names an axis more than once")
    return tuple(sorted(out))


def _dim(d: Any, ndim: int, op: str) -> int:
    """One dim as a non-negative axis; a 0-d tensor accepts -1 and 0, as in PyTorch."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{op}: a dim must be an int, got {type(d).__name__} {d!r:.80}")
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"{op}: dim {d} is out of range for a tensor with {ndim} dims"
            f" (expected a dim in [{-n}, {n - 1}])"
        )
    return int(d) % n
