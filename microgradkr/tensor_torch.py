"""The PyTorch-shaped surface of ``Tensor``: the methods PyTorch users type, each built from the
ops of tensor_ops.py and tensor_ops_torch.py (so each draws and gradchecks like the rest).

``TorchMethods`` is a base class of ``Tensor``; it reaches the node-building code of tensor.py
only through three hooks that ``Tensor`` defines (``_apply``, ``_operand``, ``_leaf``), so this
module never imports tensor.py at run time.

Reductions take ``dim=``/``keepdim=`` (torch) as well as ``axis=``/``keepdims=`` (numpy);
``max``/``min`` with ``dim=`` return ``(values, indices)`` as torch, and without it the values
only (torch's ``amax``/``amin``), as this library always has.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from .tensor_ops import (
    DIV,
    MATMUL,
    MAX,
    MEAN,
    MUL,
    POW,
    RESHAPE,
    SUB,
    SUM,
    TRANSPOSE,
    Axis,
    TensorOp,
    _axes,
    _dim,
)
from .tensor_ops_torch import (
    ABS,
    BROADCAST_TO,
    CLAMP,
    CLONE,
    COS,
    MIN,
    MINIMUM,
    SIN,
    SQRT,
    SUM_TO,
    WHERE,
)

if TYPE_CHECKING:
    from .tensor import Tensor

_GRAD_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class Size(int):
    """``x.size``: the element count (an int, numpy's ``size``) that, called, is torch's ``size``:
    ``x.size()`` the shape, ``x.size(d)`` the length of dim d."""

    shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> Size:
        n = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        n.shape = shape
        return n

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        return self.shape[_dim(dim, len(self.shape), "size")] if self.shape else 1


class MaxMin(NamedTuple):
    """What ``max(dim=...)``/``min(dim=...)`` return, as ``torch.return_types.max``."""

    values: Tensor
    indices: Tensor


def _reduction(
    op: str, axis: Any, keepdims: bool, dim: Any, keepdim: bool | None
) -> tuple[Any, bool]:
    """(axes, keep) from numpy's ``axis``/``keepdims`` or torch's ``dim``/``keepdim``."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass dim= or axis=, not both")
    return (axis if dim is None else dim), bool(keepdims if keepdim is None else keepdim)


def _shape_arg(shape: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """A shape given as varargs ``(2, 3)`` or as one sequence ``((2, 3),)``."""
    if len(shape) == 1 and isinstance(shape[0], (Sequence, np.ndarray)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: a size must be an int, got {type(n).__name__} {n!r}")
    return tuple(int(n) for n in shape)


def _number(x: Any, name: str, op: str) -> float | None:
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a number or None, got {type(x).__name__}")
    return float(x)


class TorchMethods:
    """Methods of ``Tensor`` that follow ``torch.Tensor`` (see the module docstring)."""

    __slots__ = ()
    __hash__ = object.__hash__  # == is elementwise (below), so hash by identity, as torch
    data: np.ndarray
    requires_grad: bool
    op: TensorOp | None
    _prev: tuple[Any, ...]

    # -- the hooks Tensor defines ---------------------------------------------------------------
    def _apply(self, op: TensorOp, *others: Any, args: tuple[Any, ...] = ()) -> Tensor:
        raise NotImplementedError

    def _operand(self, x: Any) -> Tensor:
        raise NotImplementedError

    def _leaf(self, data: Any) -> Tensor:
        raise NotImplementedError

    def __getitem__(self, index: Any) -> Tensor:
        raise NotImplementedError

    # -- what it is -----------------------------------------------------------------------------
    def dim(self) -> int:
        """The number of dims (``ndim``)."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    nelement = numel

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded op made (torch's ``is_leaf``)."""
        return not self._prev

    @property
    def grad_fn(self) -> TensorOp | None:
        """The TensorOp that made this tensor, None for a leaf."""
        return self.op

    def tolist(self) -> Any:
        """The numbers as (nested) Python lists; a 0-d tensor as one number."""
        return self.data.tolist()

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on this leaf, in place; returns it."""
        if self._prev:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad flags of leaf tensors; "
                "use .detach().requires_grad_() for a new leaf"
            )
        if requires_grad and self.data.dtype not in _GRAD_DTYPES:
            raise TypeError(
                f"requires_grad_: only floating point tensors can require gradients, got"
                f" {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)  # type: ignore[misc]
        return self  # type: ignore[return-value]

    def retain_grad(self) -> None:
        """Nothing to do: every node keeps its ``grad`` after backward (the diagrams draw them)."""

    def clone(self) -> Tensor:
        """A copy with its own memory; the gradient passes through unchanged."""
        return self._apply(CLONE)

    # -- reductions -----------------------------------------------------------------------------
    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Any = None
    ) -> Tensor:
        """sum over ``dim`` (all if None); the gradient is copied back along it."""
        ax, keep = _reduction("sum", axis, keepdims, dim, keepdim)
        return self._apply(SUM, args=(_axes(ax, self.data.ndim, "sum"), keep))

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Any = None
    ) -> Tensor:
        """mean over ``dim`` (all if None); the gradient is g / n along it."""
        ax, keep = _reduction("mean", axis, keepdims, dim, keepdim)
        return self._apply(MEAN, args=(_axes(ax, self.data.ndim, "mean"), keep))

    def max(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Any:
        """The largest values over ``axis`` (all if None), ties sharing the gradient (amax); with
        ``dim=d``: ``(values, indices)`` as torch, the gradient to the index; ``max(t)``:
        the elementwise maximum."""
        return self._extreme("max", MAX, np.argmax, axis, keepdims, dim, keepdim)

    def min(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Any:
        """As ``max``, for the smallest values."""
        return self._extreme("min", MIN, np.argmin, axis, keepdims, dim, keepdim)

    def amax(self, dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (all if None); ties share the gradient."""
        return self._extreme("amax", MAX, np.argmax, dim, keepdim, None, None)  # type: ignore[no-any-return]

    def amin(self, dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The smallest values over ``dim`` (all if None); ties share the gradient."""
        return self._extreme("amin", MIN, np.argmin, dim, keepdim, None, None)  # type: ignore[no-any-return]

    def _extreme(
        self, name: str, op: TensorOp, arg: Any, axis: Any, keepdims: bool, dim: Any, keepdim: Any
    ) -> Any:
        if hasattr(axis, "_prev"):  # x.max(y): elementwise, as torch
            return self.maximum(axis) if name == "max" else self.minimum(axis)
        if dim is not None and axis is None:
            return self._with_indices(name, arg, dim, bool(keepdim))
        ax, keep = _reduction(name, axis, keepdims, dim, keepdim)
        axes = _axes(ax, self.data.ndim, name)
        shape = self.data.shape
        if self.data.size == 0 and (axes is None or any(shape[a] == 0 for a in axes)):
            raise ValueError(f"{name} over an empty axis of a tensor of shape {shape}")
        return self._apply(op, args=(axes, keep))

    def _with_indices(self, name: str, arg: Any, dim: Any, keep: bool) -> MaxMin:
        """(values, indices) along one dim: values gathered at the indices (torch's max(dim))."""
        d = _dim(dim, self.data.ndim, name)
        if self.data.ndim == 0:
            return MaxMin(self._apply(RESHAPE, args=((),)), self._leaf(np.int64(0)))
        if self.data.shape[d] == 0:
            raise IndexError(f"{name}: dim {dim} of a tensor of shape {self.data.shape} is empty")
        idx = arg(self.data, axis=d).astype(np.int64)
        grids: list[Any] = list(np.indices(idx.shape, sparse=True))
        values = self[tuple(grids[:d]) + (idx,) + tuple(grids[d:])]
        if keep:
            values = values._apply(RESHAPE, args=(np.expand_dims(idx, d).shape,))
            idx = np.expand_dims(idx, d)
        return MaxMin(values, self._leaf(idx))

    def var(
        self,
        dim: Axis = None,
        unbiased: bool = True,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """sum (x - mean)^2 / (n - correction) over ``dim`` (all if None); correction 1 by
        default (Bessel's, as torch), 0 with ``unbiased=False``."""
        c = (1.0 if unbiased else 0.0) if correction is None else builtins.float(correction)
        axes = _axes(dim, self.data.ndim, "var")
        d = self._apply(SUB, self._apply(MEAN, args=(axes, True)))
        ss = d._apply(MUL, d)._apply(SUM, args=(axes, keepdim))
        n = self.data.size // max(ss.data.size, 1)
        return ss._apply(DIV, ss._operand(builtins.max(n - c, 0.0)))

    def std(
        self,
        dim: Axis = None,
        unbiased: bool = True,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """sqrt(var): the standard deviation over ``dim``."""
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the largest value (of the flattened tensor if ``dim`` is None), int64."""
        return self._arg("argmax", np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the smallest value (of the flattened tensor if ``dim`` is None), int64."""
        return self._arg("argmin", np.argmin, dim, keepdim)

    def _arg(self, name: str, arg: Any, dim: int | None, keepdim: bool) -> Tensor:
        if self.data.size == 0:
            raise ValueError(f"{name} of an empty tensor of shape {self.data.shape}")
        if dim is None:
            out = np.asarray(arg(self.data), dtype=np.int64)
            return self._leaf(out.reshape((1,) * self.data.ndim) if keepdim else out)
        d = _dim(dim, self.data.ndim, name)
        data = self.data if self.data.ndim else self.data.reshape(1)
        return self._leaf(np.asarray(arg(data, axis=d, keepdims=keepdim), dtype=np.int64))

    def softmax(self, dim: int) -> Tensor:
        """e^(x - max x) / sum e^(x - max x) over ``dim``."""
        from .functional import softmax  # functional imports tensor.py, which imports this

        return softmax(cast("Tensor", self), dim)

    def log_softmax(self, dim: int) -> Tensor:
        """(x - max x) - log sum e^(x - max x) over ``dim``."""
        from .functional import log_softmax

        return log_softmax(cast("Tensor", self), dim)

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """True where some element (along ``dim``) is nonzero; a bool tensor."""
        return self._leaf(np.asarray(self.data.any(axis=dim, keepdims=keepdim)))

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """True where every element (along ``dim``) is nonzero; a bool tensor."""
        return self._leaf(np.asarray(self.data.all(axis=dim, keepdims=keepdim)))

    # -- shape ----------------------------------------------------------------------------------
    def view(self, *shape: Any) -> Tensor:
        """The same numbers in a new shape (one -1 is inferred); as reshape."""
        return self._apply(RESHAPE, args=(_shape_arg(shape, "view"),))

    def view_as(self, other: Any) -> Tensor:
        """view(other.shape)."""
        return self.view(other.shape)

    def reshape_as(self, other: Any) -> Tensor:
        """reshape(other.shape)."""
        return self.view(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dims ``start_dim`` to ``end_dim`` merged into one (a 0-d tensor becomes shape (1,))."""
        shape = self.data.shape
        if not shape:
            return self.view(1)
        a, b = _dim(start_dim, len(shape), "flatten"), _dim(end_dim, len(shape), "flatten")
        if a > b:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = int(np.prod(shape[a : b + 1], dtype=np.int64))
        return self.view((*shape[:a], merged, *shape[b + 1 :]))

    def unsqueeze(self, dim: int) -> Tensor:
        """A new dim of size 1 at ``dim`` (in [-ndim - 1, ndim])."""
        shape = self.data.shape
        d = _dim(dim, len(shape) + 1, "unsqueeze")
        return self.view((*shape[:d], 1, *shape[d:]))

    def squeeze(self, dim: Any = None) -> Tensor:
        """The size-1 dims removed (only ``dim``, an int or a tuple, if given)."""
        shape = self.data.shape
        if dim is None:
            drop = {i for i, n in enumerate(shape) if n == 1}
        else:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            picked = (_dim(k, len(shape), "squeeze") for k in dims)
            drop = {d for d in picked if shape[d:][:1] == (1,)}
        return self.view(tuple(n for i, n in enumerate(shape) if i not in drop))

    def t(self) -> Tensor:
        """The matrix transpose of a tensor of at most 2 dims (torch's ``t``)."""
        n = self.data.ndim
        if n > 2:
            raise ValueError(
                f"t() expects a tensor with <= 2 dims, but it has {n}: use transpose(d0, d1)"
            )
        return self._apply(TRANSPOSE, args=(tuple(range(n - 1, -1, -1)),))

    def broadcast_to(self, *shape: Any) -> Tensor:
        """The tensor repeated along broadcast dims to ``shape``; the gradient is summed back."""
        target = _shape_arg(shape, "broadcast_to")
        try:
            np.broadcast_shapes(self.data.shape, target)
        except ValueError:
            raise ValueError(
                f"broadcast_to: shape {self.data.shape} cannot broadcast to {target}"
            ) from None
        if np.broadcast_shapes(self.data.shape, target) != target:
            raise ValueError(f"broadcast_to: shape {self.data.shape} cannot broadcast to {target}")
        return self._apply(BROADCAST_TO, args=(target,))

    def expand(self, *sizes: Any) -> Tensor:
        """broadcast_to, where -1 keeps a dim's size (torch's ``expand``)."""
        target = _shape_arg(sizes, "expand")
        lead = len(target) - self.data.ndim
        if lead < 0:
            raise ValueError(f"expand: {target} has fewer dims than the shape {self.data.shape}")
        own = (-1,) * lead + self.data.shape
        sizes = tuple(o if n == -1 else n for n, o in zip(target, own, strict=True))
        return self.broadcast_to(sizes)

    def expand_as(self, other: Any) -> Tensor:
        """broadcast_to(other.shape)."""
        return self.broadcast_to(other.shape)

    def sum_to(self, *shape: Any) -> Tensor:
        """Summed down to ``shape`` (broadcast_to's backward, DeZero's ``sum_to``)."""
        target = _shape_arg(shape, "sum_to")
        if target == self.data.shape:
            return self  # type: ignore[return-value]
        try:
            ok = np.broadcast_shapes(self.data.shape, target) == self.data.shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"sum_to: shape {self.data.shape} cannot be summed to {target}")
        return self._apply(SUM_TO, args=(target,))

    def gather(self, dim: int, index: Any) -> Tensor:
        """out[i][j] = x[index[i][j]][j] for dim 0 (and so on), as ``torch.gather``."""
        idx = np.asarray(getattr(index, "data", index))
        if idx.dtype.kind not in "iu" or idx.ndim != self.data.ndim:
            raise TypeError(
                f"gather: index must be an integer tensor with {self.data.ndim} dims,"
                f" got {idx.dtype} with {idx.ndim}"
            )
        d = _dim(dim, self.data.ndim, "gather")
        grids: list[Any] = list(np.indices(idx.shape, sparse=True))
        grids[d] = idx
        return self[tuple(grids)]

    # -- elementwise ----------------------------------------------------------------------------
    def pow(self, exponent: Any) -> Tensor:
        """x ** exponent, local gradient k x^(k-1)."""
        return self**exponent  # type: ignore[no-any-return]

    def square(self) -> Tensor:
        """x * x."""
        return self._apply(MUL, self)

    def reciprocal(self) -> Tensor:
        """1 / x, local gradient -1 / x^2."""
        return self._apply(POW, args=(-1.0,))

    def matmul(self, other: Any) -> Tensor:
        """self @ other (``mm``, ``bmm`` and ``dot`` too: one matmul op for every rank)."""
        return self._apply(MATMUL, self._operand(other))

    mm = bmm = dot = matmul

    def abs(self) -> Tensor:
        """|x|, local gradient sign(x) (0 at 0, as torch)."""
        return self._apply(ABS)

    __abs__ = abs

    def sqrt(self) -> Tensor:
        """√x, local gradient 1 / (2 √x)."""
        return self._apply(SQRT)

    def sin(self) -> Tensor:
        """sin x, local gradient cos x."""
        return self._apply(SIN)

    def cos(self) -> Tensor:
        """cos x, local gradient -sin x."""
        return self._apply(COS)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """x limited to [min, max] (either may be None); the gradient passes where min <= x <=
        max."""
        lo, hi = _number(min, "min", "clamp"), _number(max, "max", "clamp")
        if lo is None and hi is None:
            raise ValueError("clamp: at least one of min and max must not be None")
        return self._apply(CLAMP, args=(lo, hi))

    clip = clamp

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min(a, b): a router; ties split the gradient evenly."""
        return self._apply(MINIMUM, self._operand(other))

    def maximum(self, other: Any) -> Tensor:
        raise NotImplementedError

    def to(self, dtype: Any) -> Tensor:
        raise NotImplementedError

    def where(self, condition: Any, other: Any) -> Tensor:
        """x where ``condition``, else ``other`` (torch's ``x.where(cond, y)``)."""
        cond = np.asarray(getattr(condition, "data", condition))
        if cond.dtype.kind != "b":
            raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
        return self._apply(WHERE, self._operand(other), args=(cond,))

    # -- comparisons and logic: bool tensors, outside the graph ---------------------------------
    def _compare(self, other: Any, fn: Any) -> Any:
        if other is None or isinstance(other, str):
            return NotImplemented  # x == None is False, as torch
        b = getattr(other, "data", other)
        return self._leaf(np.asarray(fn(self.data, b)))

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Any:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Any:
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Any:
        return self._compare(other, np.not_equal)

    def _logic(self, other: Any, fn: Any) -> Tensor:
        b = np.asarray(getattr(other, "data", other))
        if self.data.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(f"{fn.__name__} needs bool or integer tensors, got {self.data.dtype}")
        return self._leaf(np.asarray(fn(self.data, b)))

    def __and__(self, other: Any) -> Tensor:
        return self._logic(other, np.bitwise_and)

    def __or__(self, other: Any) -> Tensor:
        return self._logic(other, np.bitwise_or)

    def __xor__(self, other: Any) -> Tensor:
        return self._logic(other, np.bitwise_xor)

    def __invert__(self) -> Tensor:
        return self._logic(self.data, lambda a, b: np.invert(a))

    def __bool__(self) -> builtins.bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of a Tensor with {self.data.size} values is ambiguous:"
                " use .any() or .all()"
            )
        return builtins.bool(self.data)

    # -- dtypes (last: these names shadow the builtins inside the class body) ------------------
    def long(self) -> Tensor:
        """The numbers as int64 (truncated toward zero); outside the graph, as torch."""
        return self._leaf(self.data.astype(np.int64))

    def double(self) -> Tensor:
        """The numbers as float64 (a cast node for a float tensor)."""
        return self.to(np.float64)

    def float(self) -> Tensor:
        """The numbers as float32 (torch's ``float``; a cast node for a float tensor)."""
        return self.to(np.float32)

    def bool(self) -> Tensor:
        """The numbers as a bool tensor (nonzero is True)."""
        return self._leaf(self.data.astype(np.bool_))


# -- torch-level functions (torch.where, torch.minimum, ...) -----------------------------------


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """input where ``condition``, else other; the gradient goes to the side that was picked."""
    if isinstance(input, TorchMethods):
        return input.where(condition, other)
    if isinstance(other, TorchMethods):
        return other._operand(input).where(condition, other)
    raise TypeError("where needs input or other to be a Tensor")


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min(a, b); ties split the gradient evenly."""
    if isinstance(a, TorchMethods):
        return a.minimum(b)
    if isinstance(b, TorchMethods):
        return b._operand(a).minimum(b)
    raise TypeError("minimum needs at least one Tensor")


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """input limited to [min, max]."""
    return input.clamp(min, max)


def sqrt(input: Tensor) -> Tensor:
    """√x."""
    return input.sqrt()


def sin(input: Tensor) -> Tensor:
    """sin x."""
    return input.sin()


def cos(input: Tensor) -> Tensor:
    """cos x."""
    return input.cos()
