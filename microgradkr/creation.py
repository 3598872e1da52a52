"""Factory functions as PyTorch's: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``,
``linspace``, ``eye``, ``randn``, ``rand``, ``randint``, the ``*_like`` ones and ``from_numpy``.

Sizes come as varargs (``zeros(2, 3)``) or one sequence (``zeros((2, 3))``). A float result is
float64 (the library's default float; torch's is float32) unless ``dtype`` says otherwise. Random
ones draw from the library's default Generator (``manual_seed``) unless given ``generator``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import checks_args
from .seeding import generator as _generator
from .tensor import SCATTER, Tensor, apply
from .tensor_ops import _dim

__all__ = [
    "arange",
    "cat",
    "eye",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "int64",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "stack",
    "tensor",
    "zeros",
    "zeros_like",
]

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)


def tensor(data: Any, requires_grad: bool = False, label: str = "", dtype: Any = None) -> Tensor:
    """A new Tensor (a copy) as ``torch.tensor``: the dtype follows the data (bools: bool,
    integers: int64, floats: float64, the library's default float) unless ``dtype`` is given."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None:
        try:
            dt = np.asarray(data).dtype
        except ValueError:
            dt = np.dtype(np.float64)  # a ragged list: Tensor says so
        kinds = {"b": np.bool_, "i": np.int64, "u": np.int64}
        dtype = kinds.get(dt.kind, dt if dt in _FLOATS else None)  # float32 stays float32
    out = Tensor(data, requires_grad=requires_grad, label=label, dtype=dtype)
    if out.data is data:
        out.data = out.data.copy()
    return out


def _size(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """A size given as varargs or as one sequence, checked."""
    if len(size) == 1 and isinstance(size[0], (Sequence, np.ndarray)):
        first: Any = size[0]  # a 0-d array is one size, as numpy takes it
        size = (first[()],) if getattr(first, "ndim", 1) == 0 else tuple(first)
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{op}: sizes must be non-negative ints, got {n!r:.80}")
    return _capped(tuple(int(n) for n in size), op)


MAX_ELEMENTS = 2**48  # numpy's own limit is near 2**63; past this no allocation can succeed


def _capped(shape: tuple[int, ...], op: str) -> tuple[int, ...]:
    """``shape`` if it holds at most MAX_ELEMENTS numbers (so numpy never fails on its size)."""
    if math.prod(shape) > MAX_ELEMENTS or any(n > MAX_ELEMENTS for n in shape):
        raise ValueError(f"{op}: size {shape} is too large to allocate (over 2**48 elements)")
    return shape


def _make(data: Any, dtype: Any, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=np.float64 if dtype is None else dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of ``size``."""
    return _make(np.zeros(_size(size, "zeros")), dtype, requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of ``size``."""
    return _make(np.ones(_size(size, "ones")), dtype, requires_grad)


def _fill_dtype(value: Any, dtype: Any) -> Any:
    """torch's full: the dtype follows the fill value (bool, int64, else float64)."""
    if dtype is not None:
        return dtype
    if isinstance(value, (bool, np.bool_)):
        return np.bool_
    return np.int64 if isinstance(value, (int, np.integer)) else np.float64


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``."""
    shape = _size((size,) if not isinstance(size, (int, np.integer)) else (size,), "full")
    _scalar("full", fill_value)
    return Tensor(
        np.full(shape, fill_value),
        requires_grad=requires_grad,
        dtype=_fill_dtype(fill_value, dtype),
    )


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None, **kw: Any
) -> Tensor:
    """start, start + step, ... below ``end`` (``arange(n)``: 0..n-1); int64 if all are ints."""
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        checks_args.number("arange", name, v)
        if isinstance(v, int) and not -(2**63) <= v < 2**63:  # numpy made objects of it
            raise ValueError(f"arange: {name} must fit in int64, got {v}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    _capped((n,), "arange")
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dt = dtype if dtype is not None else (np.int64 if ints else np.float64)
    # nothing to count: numpy's own size arithmetic overflows for a start near 1e308
    return Tensor(np.arange(start, end, step) if n else np.zeros(0), dtype=dt, **kw)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced numbers from ``start`` to ``end``, both included."""
    lo = checks_args.number("linspace", "start", start)
    hi = checks_args.number("linspace", "end", end)
    n = _size((steps,), "linspace")[0]
    return _make(np.linspace(lo, hi, n), dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    rows = checks_args.integer("eye", "n", n, 0)
    cols = rows if m is None else checks_args.integer("eye", "m", m, 0)
    _capped((rows, cols), "eye")
    return _make(np.eye(rows, cols), dtype, requires_grad)


def randn(
    *size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Samples of N(0, 1) of ``size``, from the default Generator (``manual_seed``)."""
    shape = _size(size, "randn")
    return _make(_generator(generator, "generator").standard_normal(shape), dtype, requires_grad)


def rand(
    *size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Samples of U[0, 1) of ``size``, from the default Generator (``manual_seed``)."""
    shape = _size(size, "rand")
    return _make(_generator(generator, "generator").random(shape), dtype, requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), generator: Any = None) -> Tensor:
    """Integers in [low, high) of ``size``, int64 (``randint(high, size)`` starts at 0)."""
    if high is None:
        low, high = 0, low
    checks_args.integer("randint", "low", low, -(2**63), 2**63 - 1)
    checks_args.integer("randint", "high", high, -(2**63), 2**63 - 1)
    if high <= low:
        raise ValueError(f"randint: high must be > low, got low={low}, high={high}")
    shape = _size((size,), "randint")
    return Tensor(_generator(generator, "generator").integers(low, high, shape), dtype=np.int64)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing ``array``'s memory and dtype (float64, float32, int64 or bool)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor(array, dtype=array.dtype)


def _scalar(op: str, value: Any) -> None:
    """A fill value: one number (an int within int64)."""
    if not isinstance(value, (bool, int, float, np.number)):
        raise TypeError(f"{op}: fill_value must be a number, got {type(value).__name__}")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError(f"{op}: fill_value {value} does not fit in int64")


def _like(x: Any, dtype: Any, op: str) -> tuple[tuple[int, ...], Any]:
    data = checks_args.rectangular(op, "x", x)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"x must be a Tensor or an array of numbers, got {type(x).__name__}")
    return data.shape, (data.dtype if dtype is None else dtype)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """zeros of x's shape and dtype."""
    shape, dt = _like(x, dtype, "zeros_like")
    return Tensor(np.zeros(shape), dtype=dt, requires_grad=requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """ones of x's shape and dtype."""
    shape, dt = _like(x, dtype, "ones_like")
    return Tensor(np.ones(shape), dtype=dt, requires_grad=requires_grad)


def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in x's shape and dtype."""
    shape, dt = _like(x, dtype, "full_like")
    _scalar("full_like", fill_value)
    return Tensor(np.full(shape, fill_value), dtype=dt, requires_grad=requires_grad)


def randn_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """N(0, 1) samples of x's shape and dtype."""
    shape, dt = _like(x, dtype, "randn_like")
    return Tensor(_generator().standard_normal(shape), dtype=dt, requires_grad=requires_grad)


def rand_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """U[0, 1) samples of x's shape and dtype."""
    shape, dt = _like(x, dtype, "rand_like")
    return Tensor(_generator().random(shape), dtype=dt, requires_grad=requires_grad)


def _sequence(op: str, tensors: Any) -> None:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{op}: tensors must be a list or tuple of tensors, got {type(tensors).__name__}"
        )


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """The tensors joined along ``dim`` (the others must match), as ``torch.cat``.

    Built from ops that exist: each piece is scattered into its slot of the result (``[]+=``)
    and the pieces added, so the gradient of each is its slice of g.
    """
    _sequence("cat", tensors)
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("cat: expected a non-empty list of tensors")
    first = ts[0].shape
    if not first:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated (use stack)")
    d = _dim(dim, len(first), "cat")
    for i, t in enumerate(ts):
        if t.ndim != len(first) or t.shape[:d] + t.shape[d + 1 :] != first[:d] + first[d + 1 :]:
            raise ValueError(
                f"cat: tensors[{i}] has shape {t.shape}, which does not match {first} except"
                f" in dim {dim}"
            )
    out_shape = (*first[:d], sum(t.shape[d] for t in ts), *first[d + 1 :])
    start, out = 0, None
    for t in ts:
        n = t.shape[d]
        index = (slice(None),) * d + (slice(start, start + n),)
        piece = apply(SCATTER, t, args=(out_shape, index))
        out = piece if out is None else out + piece
        start += n
    assert out is not None
    return out


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """The tensors (all of one shape) stacked along a new dim ``dim``, as ``torch.stack``."""
    _sequence("stack", tensors)
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: tensors[{i}] has shape {t.shape}, tensors[0] {ts[0].shape}")
    d = _dim(dim, ts[0].ndim + 1, "stack")
    return cat([t.unsqueeze(d) for t in ts], d)
