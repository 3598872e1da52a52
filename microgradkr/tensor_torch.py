"""The PyTorch-shaped surface of ``Tensor``: the methods PyTorch users type, each built from the
ops of tensor_ops.py and tensor_ops_torch.py (so each draws and gradchecks like the rest).

``TorchMethods`` is a base class of ``Tensor`` (through ``ShapeMethods``, tensor_shape.py, which
adds the reductions and shape methods); it reaches the node-building code of tensor.py only
through three hooks that ``Tensor`` defines (``_apply``, ``_operand``, ``_leaf``), so this
module never imports tensor.py at run time. Here: what a tensor is (``size()``, ``dim()``,
``requires_grad_``, ``clone``, ``tolist``), elementwise ops, comparisons and logic (bool
tensors), dtype casts, and the torch-level functions (``where``, ``minimum``, ``clamp``, ...).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks_args
from .tensor_ops import MATMUL, MUL, POW, TensorOp, _dim
from .tensor_ops_torch import ABS, CLAMP, CLONE, COS, MINIMUM, POW_TENSOR, SIN, SQRT, WHERE

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
        if not self.shape:  # torch: a 0-d tensor has no dim to measure (1 was silently odd)
            raise IndexError(f"size: dim {dim} of a 0-d tensor, which has no dims")
        return self.shape[_dim(dim, len(self.shape), "size")]


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
    def __iter__(self) -> Iterator[Tensor]:
        """x[0], x[1], ... along dim 0, each a node; a 0-d tensor has no dim to iterate over."""
        if not self.data.ndim:
            raise TypeError("iteration over a 0-d tensor (as torch): use .item() for its number")
        return (self[i] for i in range(self.data.shape[0]))

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
        checks_args.flag("requires_grad_", "requires_grad", requires_grad)
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

    def __int__(self) -> int:
        if self.data.size != 1:
            raise ValueError(f"int() needs a one-element tensor, got shape {self.data.shape}")
        return int(self.data.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.data.item())

    def retain_grad(self) -> None:
        """Nothing to do: every node keeps its ``grad`` after backward (the diagrams draw them)."""

    def clone(self) -> Tensor:
        """A copy with its own memory; the gradient passes through unchanged."""
        return self._apply(CLONE)

    # -- elementwise ----------------------------------------------------------------------------
    def __pow__(self, k: Any) -> Tensor:
        """x ** k: for a number k, local gradient k x^(k-1); for a tensor k, also x^k log x."""
        if hasattr(k, "_prev") or isinstance(k, np.ndarray):
            return self._apply(POW_TENSOR, self._operand(k))
        if not isinstance(k, (int, builtins.float, np.number)):  # a bool is an int: 1 or 0
            raise TypeError(f"pow: exponent must be a number or a Tensor, got {type(k).__name__}")
        if self.data.dtype.kind in "biu":
            return self._int_pow(k)
        return self._apply(POW, args=(builtins.float(k),))

    def _int_pow(self, k: Any) -> Tensor:
        """An int64 or bool tensor ** k as torch: float64 for a float k, else integers (int64;
        bool ** bool stays bool); an integer to a negative integer power is refused."""
        if not isinstance(k, (int, np.integer, np.bool_)):  # a float k
            return self.to(np.float64)._apply(POW, args=(builtins.float(k),))
        if not 0 <= k < 2**63:
            raise ValueError(
                f"pow: integers to negative integer powers are not allowed ({self.data.dtype}"
                f" tensor ** {k}, as torch); use a float exponent or .double() first"
                if k < 0
                else f"pow: the exponent {k} does not fit in int64 ({self.data.dtype} tensor ** k)"
            )
        keep = isinstance(k, (builtins.bool, np.bool_)) and self.data.dtype.kind == "b"
        out = np.power(self.data.astype(np.int64), int(k))
        return self._leaf(out.astype(np.bool_) if keep else out)  # an int tensor has no grad

    def __rpow__(self, base: Any) -> Tensor:
        """base ** x, local gradient base^x log base."""
        return self._operand(base)._apply(POW_TENSOR, self)

    pow = __pow__

    def square(self) -> Tensor:
        """x * x (x ** 2 for int64 and bool: a bool's square is int64, as torch's)."""
        return self._apply(MUL, self) if self.data.dtype in _GRAD_DTYPES else self**2

    def reciprocal(self) -> Tensor:
        """1 / x, local gradient -1 / x^2 (float64 for an int64 or bool x, as torch's float)."""
        x = self if self.data.dtype in _GRAD_DTYPES else self.to(np.float64)
        return x._apply(POW, args=(-1.0,))

    def matmul(self, other: Any) -> Tensor:
        """self @ other (``mm``, ``bmm`` and ``dot`` too: one matmul op for every rank)."""
        return self._apply(MATMUL, self._operand(other))

    def mm(self, mat2: Any) -> Tensor:
        """self @ mat2 for two matrices (torch.mm)."""
        checks_args.matrices("mm", self, mat2, 2)
        return self.matmul(mat2)

    def bmm(self, batch2: Any) -> Tensor:
        """self[i] @ batch2[i] for two batches of matrices (torch.bmm)."""
        checks_args.matrices("bmm", self, batch2, 3)
        return self.matmul(batch2)

    def dot(self, other: Any) -> Tensor:
        """Σ self_i other_i for two vectors (torch.dot)."""
        checks_args.matrices("dot", self, other, 1)
        return self.matmul(other)

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
        if self.data.dtype.kind in "biu":  # as torch: int bounds keep int64, a float one float64
            floats = [b for b in (min, max) if isinstance(b, (builtins.float, np.floating))]
            x = self.to(np.float64 if floats else np.int64)
            ints = [None if b is None else (b if floats else int(b)) for b in (min, max)]
            return x._apply(CLAMP, args=tuple(ints))
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
        cond = checks_args.rectangular("where", "condition", condition)
        if cond.dtype.kind != "b":
            raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
        return self._apply(WHERE, self._operand(other), args=(cond,))

    # -- comparisons and logic: bool tensors, outside the graph ---------------------------------
    def _compare(self, other: Any, fn: Any) -> Any:
        if other is None or isinstance(other, str):
            return NotImplemented  # x == None is False, as torch
        b = getattr(other, "data", other)
        try:
            return self._leaf(np.asarray(fn(self.data, b)))
        except (TypeError, ValueError) as err:  # numpy's words: name the comparison and other
            shape = self.data.shape
            raise type(err)(
                f"{fn.__name__}: other does not compare with shape {shape}: {err}"
            ) from None

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
    return checks_args.has_method("clamp", "input", input).clamp(min, max)


def sqrt(input: Tensor) -> Tensor:
    """√x."""
    return checks_args.has_method("sqrt", "input", input).sqrt()


def sin(input: Tensor) -> Tensor:
    """sin x."""
    return checks_args.has_method("sin", "input", input).sin()


def cos(input: Tensor) -> Tensor:
    """cos x."""
    return checks_args.has_method("cos", "input", input).cos()
