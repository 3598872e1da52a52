"""Reductions and shape methods of ``Tensor`` as ``torch.Tensor``: ``dim=``/``keepdim=`` (and
numpy's ``axis=``/``keepdims=``), ``max(dim=...)`` as ``(values, indices)``, ``var``/``std``,
``argmax``, ``softmax``; ``view``, ``flatten``, ``unsqueeze``, ``squeeze``, ``t``, ``expand``,
``broadcast_to``, ``sum_to``, ``gather``. Each is built from the TensorOps of tensor_ops.py and
tensor_ops_torch.py through the hooks of ``TorchMethods`` (tensor_torch.py).

``max``/``min`` with ``dim=`` return ``(values, indices)`` as torch, the gradient going to the
index; without it the values only (torch's ``amax``/``amin``, ties sharing the gradient), as this
library always had, so ``x.max(1)`` is ``amax``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from . import checks_args
from .ops import CHAIN
from .tensor_ops import (
    DIV,
    MAX,
    MEAN,
    MUL,
    RESHAPE,
    SUB,
    SUM,
    TRANSPOSE,
    Axis,
    TensorOp,
    _axes,
    _dim,
)
from .tensor_ops_torch import BROADCAST_TO, MIN, SUM_TO
from .tensor_torch import TorchMethods

if TYPE_CHECKING:
    from .tensor import Tensor


def _std_vjp(g: Any, x: Any, out: Any) -> Any:
    """g / (2 out), 0 where out is 0 (torch's std: a constant has no slope to follow)."""
    zero = np.asarray(getattr(out, "data", out)) == 0
    return g * (~zero).astype(out.dtype) / (2.0 * out + zero.astype(out.dtype))


STD_SQRT = TensorOp(
    "sqrt", "√", CHAIN, np.sqrt, (_std_vjp,), notes=("g / (2 out), 0 where out = 0",)
)


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
    keep = keepdims if keepdim is None else keepdim
    return (axis if dim is None else dim), checks_args.flag(op, "keepdim", keep)


def _shape_arg(shape: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """A shape given as varargs ``(2, 3)`` or as one sequence ``((2, 3),)``."""
    if len(shape) == 1 and isinstance(shape[0], (Sequence, np.ndarray)):
        first: Any = shape[0]  # a 0-d array is one size, as numpy takes it
        shape = (first[()],) if getattr(first, "ndim", 1) == 0 else tuple(first)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: a size must be an int, got {type(n).__name__} {n!r:.80}")
    return tuple(int(n) for n in shape)


class ShapeMethods(TorchMethods):
    """The reductions and shape methods of ``Tensor`` (see the module docstring)."""

    __slots__ = ()

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
        if hasattr(axis, "_prev") and name in ("max", "min"):  # x.max(y): elementwise, as torch
            return self.maximum(axis) if name == "max" else self.minimum(axis)
        if dim is not None and axis is None:
            keep = keepdim is not None and checks_args.flag(name, "keepdim", keepdim)
            return self._with_indices(name, arg, dim, keep)
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
        checks_args.flag("var", "keepdim", keepdim)
        checks_args.flag("var", "unbiased", unbiased)
        return self._var_wide(dim, unbiased, keepdim, correction)._narrow(self.data.dtype)

    def std(
        self,
        dim: Axis = None,
        unbiased: bool = True,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """sqrt(var): the standard deviation over ``dim``; its gradient is 0 where it is 0."""
        checks_args.flag("std", "keepdim", keepdim)
        checks_args.flag("std", "unbiased", unbiased)
        v = self._var_wide(dim, unbiased, keepdim, correction, "std")
        return v._apply(STD_SQRT)._narrow(self.data.dtype)

    def _var_wide(
        self, dim: Axis, unbiased: bool, keepdim: bool, correction: Any, op: str = "var"
    ) -> Tensor:
        # float32 sums in float64, as torch: [1e20, -1e20, 0] has a std of 1e20, not inf
        c = (1.0 if unbiased else 0.0) if correction is None else builtins.float(correction)
        axes = _axes(dim, self.data.ndim, op)
        x = self._widen()
        d = x._apply(SUB, x._apply(MEAN, args=(axes, True)))
        ss = d._apply(MUL, d)._apply(SUM, args=(axes, keepdim))
        n = self.data.size // max(ss.data.size, 1)
        return ss._apply(DIV, ss._operand(builtins.max(n - c, 0.0)))

    def _widen(self) -> Tensor:
        return self.to(np.float64) if self.data.dtype == np.float32 else self  # type: ignore[return-value]

    def _narrow(self, dtype: Any) -> Tensor:
        return self.to(dtype) if self.data.dtype != dtype else self  # type: ignore[return-value]

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the largest value (of the flattened tensor if ``dim`` is None), int64."""
        return self._arg("argmax", np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the smallest value (of the flattened tensor if ``dim`` is None), int64."""
        return self._arg("argmin", np.argmin, dim, keepdim)

    def _arg(self, name: str, arg: Any, dim: int | None, keepdim: bool) -> Tensor:
        checks_args.flag(name, "keepdim", keepdim)
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
        checks_args.dims("any", "dim", dim, self.data.ndim)
        checks_args.flag("any", "keepdim", keepdim)
        return self._leaf(np.asarray(self.data.any(axis=dim, keepdims=keepdim)))

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """True where every element (along ``dim``) is nonzero; a bool tensor."""
        checks_args.dims("all", "dim", dim, self.data.ndim)
        checks_args.flag("all", "keepdim", keepdim)
        return self._leaf(np.asarray(self.data.all(axis=dim, keepdims=keepdim)))

    # -- shape ----------------------------------------------------------------------------------
    def view(self, *shape: Any) -> Tensor:
        """The same numbers in a new shape (one -1 is inferred); as reshape."""
        return self._view(_shape_arg(shape, "view"), "view")

    def view_as(self, other: Any) -> Tensor:
        """view(other.shape)."""
        return self._view(checks_args.shape_of("view_as", "other", other), "view_as")

    def reshape_as(self, other: Any) -> Tensor:
        """reshape(other.shape)."""
        return self._view(checks_args.shape_of("reshape_as", "other", other), "reshape_as")

    def _view(self, shape: tuple[int, ...], op: str) -> Tensor:
        try:
            return self._apply(RESHAPE, args=(shape,))
        except ValueError as err:  # name the method called: view_as, not reshape
            raise ValueError(f"{op}: {err}") from None

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
        return self._broadcast(_shape_arg(shape, "broadcast_to"), "broadcast_to")

    def _broadcast(self, target: tuple[int, ...], op: str) -> Tensor:
        try:
            ok = np.broadcast_shapes(self.data.shape, target) == target
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{op}: shape {self.data.shape} cannot broadcast to {target}")
        return self._apply(BROADCAST_TO, args=(target,))

    def expand(self, *sizes: Any) -> Tensor:
        """broadcast_to, where -1 keeps a dim's size (torch's ``expand``)."""
        target = _shape_arg(sizes, "expand")
        lead = len(target) - self.data.ndim
        if lead < 0:
            raise ValueError(f"expand: {target} has fewer dims than the shape {self.data.shape}")
        own = (-1,) * lead + self.data.shape
        sizes = tuple(o if n == -1 else n for n, o in zip(target, own, strict=True))
        return self._broadcast(sizes, "expand")

    def expand_as(self, other: Any) -> Tensor:
        """broadcast_to(other.shape)."""
        return self._broadcast(checks_args.shape_of("expand_as", "other", other), "expand_as")

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
        idx = checks_args.rectangular("gather", "index", index)
        if idx.dtype.kind not in "iu" or idx.ndim != self.data.ndim:
            raise TypeError(
                f"gather: index must be an integer tensor with {self.data.ndim} dims,"
                f" got {idx.dtype} with {idx.ndim}"
            )
        d = _dim(dim, self.data.ndim, "gather")
        size = self.data.shape[d] if self.data.ndim else 1
        shapes = zip(idx.shape, self.data.shape, strict=True)
        if any(k != d and n > m for k, (n, m) in enumerate(shapes)):
            raise IndexError(
                f"gather: index of shape {idx.shape} is larger than the tensor's"
                f" {self.data.shape} outside dim {dim}"
            )
        if idx.size and (idx.min() < 0 or idx.max() >= size):
            raise IndexError(
                f"gather: index must lie in [0, {size}) along dim {dim} of a tensor of shape"
                f" {self.data.shape}, got {idx.min()}..{idx.max()}"
            )
        if not self.data.ndim:  # a 0-d index (0) into a 0-d tensor: the tensor itself
            return self[()]
        grids: list[Any] = list(np.indices(idx.shape, sparse=True))
        grids[d] = idx
        return self[tuple(grids)]
