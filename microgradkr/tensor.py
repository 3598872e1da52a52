"""Tensor: a numpy-backed node whose ops carry vector-Jacobian products (CS231n's Jacobian view).

Every op is one ``TensorOp`` record (tensor_ops.py): its forward function, one VJP rule per input,
its symbol for the diagram and its gate pattern. This module builds nodes from them (``apply``)
and defines the ``Tensor`` class; what comes in is checked at the boundary (tensor_input.py), and
the backward pass, where broadcast gradients are summed back in one place, is
tensor_backward.py's.
"""

from __future__ import annotations

import numbers
import sys
import types
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np

from . import anomaly, checks_args, grad_mode, graph
from .tensor_backward import BackwardMethods
from .tensor_input import (
    DTYPES,
    FLOATS,
    as_array,
    at_labels,
    index_part,
    op_error,
    op_inputs,
    promote_types,
    sum_to,
)
from .tensor_ops import (
    ADD,
    CAST,
    DIV,
    EXP,
    GETITEM,
    LOG,
    MATMUL,
    MAX,
    MAXIMUM,
    MEAN,
    MUL,
    NEG,
    POW,
    RELU,
    RESHAPE,
    SCATTER,
    SIGMOID,
    SUB,
    SUM,
    TANH,
    TRANSPOSE,
    Array,
    Axis,
    TensorOp,
    _dim,
)
from .tensor_ops import _values as _values  # where user-written rules have always found it
from .tensor_shape import ShapeMethods
from .tensor_torch import Size

Operand: TypeAlias = "Tensor | float | int | np.ndarray"

# the ops are defined in tensor_ops and re-exported here, where they have always been
__all__ = [
    "ADD",
    "Array",
    "Axis",
    "CAST",
    "DIV",
    "EXP",
    "GETITEM",
    "LOG",
    "MATMUL",
    "MAX",
    "MAXIMUM",
    "MEAN",
    "MUL",
    "NEG",
    "Operand",
    "POW",
    "RELU",
    "RESHAPE",
    "SCATTER",
    "SIGMOID",
    "SUB",
    "SUM",
    "TANH",
    "TRANSPOSE",
    "Tensor",
    "TensorOp",
    "apply",
    "exp",
    "log",
    "maximum",
    "record",
    "relu",
    "sigmoid",
    "sum_to",
    "tanh",
    "tensor",
]


# -- building nodes ----------------------------------------------------------------------------


def _const(x: Any, like: Tensor) -> Tensor:
    """A Tensor as it is; a number or an array as a constant leaf with ``like``'s dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (numbers.Real, np.ndarray, np.generic, list, tuple)):
        t = _new(Tensor)
        dt = like.data.dtype if like.data.dtype in FLOATS else None
        kind = checks_args.operand_kind(x)
        if like.data.dtype.kind in "bi" and kind in "biu":
            # int64 + 2 and int64 + True stay int64, bool + True bool, bool + 2 is int64 (torch)
            both_bool = like.data.dtype.kind == kind == "b"
            dt = np.dtype(np.bool_) if both_bool else np.dtype(np.int64)
        t.data = as_array(x, dt, f"an operand of a {like.data.dtype} Tensor")
        t.grad = None
        t.requires_grad = False
        t.label = ""
        t.op = None
        t._prev = ()
        t._args = ()
        return t
    raise checks_args.operand_error("Tensor", x)


def apply(op: TensorOp, *inputs: Tensor, args: tuple[Any, ...] = ()) -> Tensor:
    """A new node ``op(*inputs, *args)`` that records its parents when one of them needs a grad."""
    arrays = [t.data for t in inputs]
    for a in arrays:
        if a.dtype not in FLOATS:  # int64 or bool: torch's dtype rules
            arrays = op_inputs(op, arrays)
            break
    try:
        out = op.forward(*arrays, *args)
    except (ValueError, IndexError, TypeError, FloatingPointError) as err:
        raise op_error(op, inputs, err) from None
    return _node(out, op, inputs, args)


def record(out: Any, op: TensorOp, inputs: tuple[Tensor, ...], args: tuple[Any, ...]) -> Tensor:
    """The node of a fused op whose value ``out`` its caller computed, keeping in ``args`` what
    the backward needs (softmax-with-loss keeps y, batch norm x-hat and 1/sigma)."""
    return _node(out, op, inputs, args)


def _apply1(op: TensorOp, a: Tensor) -> Tensor:
    """apply() for one input and no args (the hot path)."""
    ad = a.data
    if ad.dtype not in FLOATS:
        ad = op_inputs(op, (ad,))[0]
    try:
        out = op.forward(ad)
    except (ValueError, TypeError, FloatingPointError) as err:
        raise op_error(op, (a,), err) from None
    return _node(out, op, (a,), ())


def _apply2(op: TensorOp, a: Tensor, b: Tensor) -> Tensor:
    """apply() for two inputs and no args (the hot path)."""
    ad, bd = a.data, b.data
    if ad.dtype is not bd.dtype and ad.dtype != bd.dtype:
        return _apply_promoted(op, a, b)
    if ad.dtype not in FLOATS:
        ad, bd = op_inputs(op, (ad, bd))
    try:
        out = op.forward(ad, bd)
    except (ValueError, TypeError) as err:
        raise op_error(op, (a, b), err) from None
    return _node(out, op, (a, b), ())


def _apply_promoted(op: TensorOp, a: Tensor, b: Tensor) -> Tensor:
    """apply() for two dtypes: both cast to the one torch computes in (a cast node for a float
    one), so that the op's rules see the numbers its forward compared: a float32 x and a 0-d
    float64 y tie in maximum(x, y) where x == float32(y)."""
    op_inputs(op, (a.data, b.data))  # each one's dtype: torch refuses float - bool too
    return _apply2(op, *_promoted(a, b))


def _promoted(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    dt = promote_types(a.data, b.data)
    return (a if a.data.dtype == dt else a.to(dt)), (b if b.data.dtype == dt else b.to(dt))


def _node(out: Any, op: TensorOp, prev: tuple[Tensor, ...], args: tuple[Any, ...]) -> Tensor:
    """An op's output; it keeps its op and parents only if a parent requires a gradient."""
    if _ANOMALY_OPEN[0] and anomaly.switch.enabled:
        anomaly.check_forward(op.name, prev, out)
    t = _new(Tensor)
    t.data = out if type(out) is np.ndarray else np.asarray(out)
    t.grad = None
    t.label = ""
    # no_grad(): a constant, no graph (the thread-local switch is read only when some is off)
    for p in prev if not _GRAD_OFF[0] or _grad_switch.enabled else ():
        if p.requires_grad:
            t.requires_grad = True
            t.op = op
            t._prev = prev
            t._args = args
            return t
    t.requires_grad = False
    t.op = None
    t._prev = ()
    t._args = ()
    return t


class Tensor(ShapeMethods, BackwardMethods, graph.GraphNode):
    """A numpy-backed node: ``data`` (ndarray), ``grad`` = dL/d(this) of the same shape, or None.

    ``op`` is the ``TensorOp`` that made it (None for a leaf), ``_prev`` its parents (one entry
    per use) and ``_args`` the op's non-tensor arguments (axis, shape, index). A node records
    them only when it ``requires_grad``: a leaf asked to, or a result of one that does.
    ``data`` shares memory with a float ndarray passed in (as ``torch.from_numpy``).
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "op", "_prev", "_args")
    _EMPTY_GRAD = None

    def __init__(
        self, data: Any, requires_grad: bool = False, label: str = "", dtype: Any = None
    ) -> None:
        if isinstance(data, Tensor):
            dtype = data.data.dtype if dtype is None else dtype
            data = data.data
        self.data: Array = as_array(data, dtype, "Tensor", keep_bool=True)
        self.requires_grad = checks_args.flag("Tensor", "requires_grad", requires_grad)  # torch's
        if self.requires_grad and self.data.dtype not in FLOATS:
            raise TypeError(
                f"Tensor: only floating point tensors can require gradients, got a"
                f" {self.data.dtype} tensor (a mask or labels); pass dtype=np.float64 for numbers"
            )
        # an ndarray (or a Tensor after backward(create_graph=True)), None before any backward
        self.grad: Any = None
        self.label = label
        self.op: TensorOp | None = None
        self._prev: tuple[Tensor, ...] = ()
        self._args: tuple[Any, ...] = ()

    # -- what it is -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> Size:
        """The element count (numpy's ``size``); called, torch's: ``size()`` the shape."""
        return Size(self.data.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    def numpy(self) -> Array:
        """The data as an ndarray (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The single number of a one-element tensor (a float, an int or a bool, by dtype)."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        value: float = self.data.item()
        return value

    def __float__(self) -> float:
        return float(self.item())

    def to(self, dtype: Any) -> Tensor:
        """The numbers as ``dtype`` (float32 or float64, as ``torch.Tensor.to``); the gradient
        is cast back to this tensor's dtype."""
        if isinstance(dtype, str) and dtype in ("cpu", "cpu:0"):
            return self  # the only device there is
        dt = checks_args.dtype("to", "dtype", dtype)
        if dt not in DTYPES:
            raise ValueError(f"to: dtype must be float64, float32, int64 or bool, got {dt}")
        if dt in FLOATS and self.data.dtype in FLOATS:
            return apply(CAST, self, args=(dt,))
        return Tensor(self.data.astype(dt), dtype=dt)  # int and bool casts are not differentiable

    # the hooks of TorchMethods (tensor_torch.py)
    def _apply(self, op: TensorOp, *others: Any, args: tuple[Any, ...] = ()) -> Tensor:
        if len(others) == 1:  # two inputs: torch's dtype promotion, as the operators
            if not args:
                return _apply2(op, self, others[0])
            return apply(op, *_promoted(self, others[0]), args=args)
        return apply(op, self, *others, args=args)

    def _operand(self, x: Any) -> Tensor:
        return _const(x, self)

    def _leaf(self, data: Any) -> Tensor:
        return Tensor(data, dtype=np.asarray(data).dtype)

    def detach(self) -> Tensor:
        """The same data (and dtype) as a new leaf that does not require a gradient."""
        return Tensor(self)

    # -- arithmetic, with numpy broadcasting ----------------------------------------------------
    def __add__(self, other: Operand) -> Tensor:
        return _apply2(ADD, self, other if isinstance(other, Tensor) else _const(other, self))

    def __radd__(self, other: Operand) -> Tensor:
        return _apply2(ADD, _const(other, self), self)

    def __sub__(self, other: Operand) -> Tensor:
        return _apply2(SUB, self, other if isinstance(other, Tensor) else _const(other, self))

    def __rsub__(self, other: Operand) -> Tensor:
        return _apply2(SUB, _const(other, self), self)

    def __mul__(self, other: Operand) -> Tensor:
        return _apply2(MUL, self, other if isinstance(other, Tensor) else _const(other, self))

    def __rmul__(self, other: Operand) -> Tensor:
        return _apply2(MUL, _const(other, self), self)

    def __truediv__(self, other: Operand) -> Tensor:
        return _apply2(DIV, self, other if isinstance(other, Tensor) else _const(other, self))

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _apply2(DIV, _const(other, self), self)

    def __matmul__(self, other: Operand) -> Tensor:
        """Matrix product; dL/dA = g B^T, dL/dB = A^T g."""
        return _apply2(MATMUL, self, other if isinstance(other, Tensor) else _const(other, self))

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _apply2(MATMUL, _const(other, self), self)

    def __neg__(self) -> Tensor:
        return _apply1(NEG, self)

    # -- elementwise functions (diagonal Jacobians) ---------------------------------------------
    def exp(self) -> Tensor:
        """e^x, local gradient e^x."""
        return _apply1(EXP, self)

    def log(self) -> Tensor:
        """Natural log, local gradient 1/x (log 0 = -inf; negative input is an error)."""
        x = self.data
        if (x < 0).any():
            i = tuple(int(j) for j in np.unravel_index(int(np.argmax(x < 0)), x.shape))
            raise ValueError(f"log of {float(x[i])!r} at index {i}{at_labels((self,))}")
        return _apply1(LOG, self)

    def tanh(self) -> Tensor:
        """tanh x, local gradient 1 - tanh^2 x."""
        return _apply1(TANH, self)

    def sigmoid(self) -> Tensor:
        """s = 1 / (1 + e^-x), local gradient s (1 - s)."""
        return _apply1(SIGMOID, self)

    def relu(self) -> Tensor:
        """max(x, 0), local gradient 1 where x > 0 else 0."""
        return _apply1(RELU, self)

    def maximum(self, other: Operand) -> Tensor:
        """Elementwise max(a, b): a router; ties split the gradient evenly."""
        return _apply2(MAXIMUM, self, _const(other, self))

    # -- shape ------------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same numbers in a new shape; the gradient is reshaped back."""
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        return apply(RESHAPE, self, args=(target,))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """The tensor with axes ``dim0`` and ``dim1`` swapped (negative dims count from the end).

        As ``torch.transpose``, not numpy's ``transpose(*axes)``, which takes a whole
        permutation: that is ``permute``. The gradient is swapped back.
        """
        for d in (dim0, dim1):
            if isinstance(d, (tuple, list)) or not isinstance(d, (int, np.integer)):
                raise TypeError(
                    f"transpose(dim0, dim1) swaps two dims, got {dim0!r:.80}, {dim1!r:.80}: "
                    "to reorder all of them pass the order to permute(...)"
                )
        n = self.data.ndim
        a, b = _dim(dim0, n, "transpose"), _dim(dim1, n, "transpose")
        perm = list(range(n))
        if n:
            perm[a], perm[b] = perm[b], perm[a]
        return apply(TRANSPOSE, self, args=(tuple(perm),))

    def permute(self, *dims: Any) -> Tensor:
        """The axes reordered: axis i of the result is axis ``dims[i]`` (as ``torch.permute`` and
        numpy's ``transpose(axes)``); ``dims`` as varargs or one tuple. The gradient is permuted
        back."""
        if len(dims) == 1 and isinstance(dims[0], (Sequence, np.ndarray)):
            dims = tuple(dims[0])
        n = self.data.ndim
        if len(dims) != n:
            raise ValueError(
                f"permute: dims {dims} name {len(dims)} axes, but the tensor has {n}"
                f" (shape {self.shape})"
            )
        perm = tuple(_dim(d, n, "permute") for d in dims)
        if len(set(perm)) != n:
            raise ValueError(f"permute: dims {dims} repeat an axis (shape {self.shape})")
        return apply(TRANSPOSE, self, args=(perm,))

    @property
    def T(self) -> Tensor:
        """All axes reversed: the matrix transpose for a 2-D tensor (as numpy's and torch's .T)."""
        return apply(TRANSPOSE, self, args=(tuple(range(self.data.ndim - 1, -1, -1)),))

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] as numpy and torch: ints, slices, None, ..., integer arrays (gather) and bool
        masks (select), as arrays, lists or Tensors; backward scatters with add (repeats add up).
        """
        if isinstance(index, tuple):
            index = tuple(index_part(i, self) for i in index)
        else:
            index = index_part(index, self)
        return apply(GETITEM, self, args=(index,))

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor (as torch): use .item() for its number")
        return len(self.data)

    # -- the hooks of BackwardMethods (tensor_backward.py) ----------------------------------------
    def _as_grad(self, grad: Any) -> Array:
        return as_array(grad.data if isinstance(grad, Tensor) else grad, self.dtype, "gradient")

    # numpy operands on the left (ndarray * t) defer to Tensor instead of converting it.
    __array_ufunc__ = None

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=8, separator=", ", threshold=20)
        extra = ", requires_grad=True" if self.requires_grad else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Tensor({body}{extra})"


_new = object.__new__
_grad_switch = grad_mode.switch  # one lookup less on the hot path
_GRAD_OFF, _ANOMALY_OPEN = grad_mode.OFF, anomaly.OPEN  # plain lists: cheaper to read


def tensor(data: Any, requires_grad: bool = False, label: str = "", dtype: Any = None) -> Tensor:
    """A new Tensor (a copy) as ``torch.tensor``, its dtype from the data (creation.tensor)."""
    from .creation import tensor as make  # creation imports this module

    return make(data, requires_grad=requires_grad, label=label, dtype=dtype)


def maximum(a: Operand, b: Operand) -> Tensor:
    """Elementwise max(a, b); ties split the gradient evenly."""
    if isinstance(a, Tensor):
        return a.maximum(b)
    if isinstance(b, Tensor):
        return _apply2(MAXIMUM, _const(a, b), b)
    raise TypeError("maximum needs at least one Tensor")


def exp(x: Tensor) -> Tensor:
    """e^x."""
    return checks_args.has_method("exp", "x", x).exp()


def log(x: Tensor) -> Tensor:
    """log x."""
    return checks_args.has_method("log", "x", x).log()


def tanh(x: Tensor) -> Tensor:
    """tanh x."""
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x)."""
    return x.sigmoid()


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return x.relu()


class _CallableModule(types.ModuleType):
    """This module, which is also ``microgradkr.tensor``: called, it is ``tensor(...)``, so that
    both ``from microgradkr import tensor as T`` (the module) and ``mg.tensor([1, 2])`` (torch's
    factory) keep working."""

    def __call__(
        self, data: Any, requires_grad: bool = False, label: str = "", dtype: Any = None
    ) -> Tensor:
        return tensor(data, requires_grad=requires_grad, label=label, dtype=dtype)


sys.modules[__name__].__class__ = _CallableModule
