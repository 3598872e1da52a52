"""Softmax, log-softmax and the losses of DLfS and CS231n, for Tensors and for lists of Values.

``cross_entropy`` is Softmax-with-Loss as one op (DLfS ch.5): its backward is (y - t) / N,
which is both the textbook's formula and the fast path for training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

from . import checks_args
from .conv import avg_pool2d as avg_pool2d
from .conv import col2im as col2im
from .conv import conv2d as conv2d
from .conv import im2col as im2col
from .conv import max_pool2d as max_pool2d
from .engine import Value, add_n
from .functional_torch import (  # the PyTorch- and DeZero-shaped ones, re-exported
    batch_norm as batch_norm,
)
from .functional_torch import broadcast_to as broadcast_to
from .functional_torch import dropout as dropout
from .functional_torch import leaky_relu as leaky_relu
from .functional_torch import linear as linear
from .functional_torch import mse_loss as mse_loss
from .functional_torch import relu as relu
from .functional_torch import sigmoid as sigmoid
from .functional_torch import sum_to as sum_to
from .functional_torch import tanh as tanh
from .ops import CHAIN
from .tensor import Tensor, TensorOp, _const, apply, record
from .tensor_input import op_inputs
from .tensor_ops import _axes

Array = np.ndarray


def _softmax_array(a: Array, axis: int) -> Any:
    """e^(a - max a) / sum e^(a - max a): subtracting the max keeps e^a from overflowing."""
    e = np.exp(a - a.max(axis=axis, keepdims=True, initial=-np.inf))  # initial: an empty axis
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_array(a: Array, axis: int) -> Any:
    """(a - max a) - log sum e^(a - max a)."""
    shifted = a - a.max(axis=axis, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _softmax_vjp(g: Any, a: Any, y: Any, axis: int) -> Any:
    """dL/da = y * (g - sum(g y)): the softmax Jacobian diag(y) - y y^T, applied to g."""
    return y * (g - (g * y).sum(axis=axis, keepdims=True))


def _log_softmax_vjp(g: Any, a: Any, out: Any, axis: int) -> Any:
    """dL/da = g - softmax(a) sum(g), softmax(a) being e^out."""
    y = out.exp() if isinstance(out, Tensor) else np.exp(out)
    return g - y * g.sum(axis=axis, keepdims=True)


# takes="": torch's softmax and cross-entropy are "not implemented for 'Long'" (nor for bool)
SOFTMAX = TensorOp("softmax", "softmax", CHAIN, _softmax_array, (_softmax_vjp,), takes="")
LOG_SOFTMAX = TensorOp(
    "log_softmax", "log_softmax", CHAIN, _log_softmax_array, (_log_softmax_vjp,), takes=""
)


def _softmax_ce_vjp(g: Any, a: Any, out: Any, y: Array, t: Array, rows: Array | None) -> Any:
    """dL/da = (y - t) / N, N the batch size (DLfS's SoftmaxWithLoss.backward)."""
    if isinstance(g, Tensor):  # building the gradient's graph: y as a function of a
        onehot = t
        if rows is not None:
            onehot = np.zeros(y.shape, dtype=y.dtype)
            onehot[rows, t] = 1.0
        ys = softmax(a.reshape(y.shape), axis=1)
        return ((ys - onehot) * (g / y.shape[0])).reshape(a.shape)
    if rows is not None:  # integer labels: t is one-hot without being built
        d = y.copy()
        d[rows, t] -= 1.0
    else:
        d = y - t
    d *= float(g) / max(y.shape[0], 1)  # an empty batch: d is empty, the loss NaN
    return d if d.ndim == a.ndim else d.reshape(a.shape)


def _softmax_ce_forward(a: Array, y: Array, t: Array, rows: Array | None) -> Any:
    """L = -(1/N) sum log softmax(a)[t]; ``cross_entropy`` computes it inline, keeping y."""
    logp = _log_softmax_array(a.reshape(y.shape), 1)
    picked = logp[rows, t] if rows is not None else (t * logp).sum(axis=1)
    return -picked.sum() / y.shape[0]


SOFTMAX_CE = TensorOp(
    "softmax_cross_entropy", "softmax+CE", CHAIN, _softmax_ce_forward, (_softmax_ce_vjp,), takes=""
)


def _tensor(x: Any, name: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except TypeError as err:
        raise TypeError(f"{name}: {err}") from None


def _last_axis(x: Tensor, axis: int, op: str) -> int:
    axes = _axes(axis, x.data.ndim, op)
    if not axes:
        raise ValueError(f"{op} needs a tensor with at least one axis, got shape {x.shape}")
    return axes[0]


def _dim_or_axis(dim: int | None, axis: int | None, op: str) -> int:
    """torch's ``dim`` or numpy's ``axis`` (default: the last one)."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass dim= or axis=, not both")
    d = -1 if dim is None and axis is None else (dim if dim is not None else axis)
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        # a tuple would pass _axes and silently use its first dim
        raise TypeError(f"{op}: dim must be an int, got {type(d).__name__} {d!r:.80}")
    return int(d)


@overload
def softmax(x: Tensor, dim: int | None = None, axis: int | None = None) -> Tensor: ...
@overload
def softmax(x: Sequence[Value], dim: int | None = None, axis: int | None = None) -> list[Value]: ...
def softmax(x: Any, dim: int | None = None, axis: int | None = None) -> Any:
    """y_k = e^(a_k - max a) / sum_j e^(a_j - max a), over ``dim`` (or ``axis``; default the
    last); a list of Values too."""
    d = _dim_or_axis(dim, axis, "softmax")
    if _is_values(x):
        _value_dim(d, "softmax")
        return _value_softmax(x)
    x = _tensor(x, "softmax")
    if x.ndim == 0:  # as torch: a 0-d tensor's softmax is 1, its dim -1 or 0
        checks_args.dims("softmax", "dim", d, 0)
        return softmax(x.reshape(1), d).reshape(())
    return apply(SOFTMAX, x, args=(_last_axis(x, d, "softmax"),))


@overload
def log_softmax(x: Tensor, dim: int | None = None, axis: int | None = None) -> Tensor: ...
@overload
def log_softmax(
    x: Sequence[Value], dim: int | None = None, axis: int | None = None
) -> list[Value]: ...
def log_softmax(x: Any, dim: int | None = None, axis: int | None = None) -> Any:
    """log y_k = (a_k - max a) - log sum_j e^(a_j - max a), over ``dim`` (or ``axis``; default
    the last); a list of Values too."""
    d = _dim_or_axis(dim, axis, "log_softmax")
    if _is_values(x):
        _value_dim(d, "log_softmax")
        return _value_log_softmax(x)
    x = _tensor(x, "log_softmax")
    if x.ndim == 0:  # as torch: a 0-d tensor's log_softmax is 0
        checks_args.dims("log_softmax", "dim", d, 0)
        return log_softmax(x.reshape(1), d).reshape(())
    return apply(LOG_SOFTMAX, x, args=(_last_axis(x, d, "log_softmax"),))


_UNSIGNED = {k: np.dtype(f"u{k}") for k in (1, 2, 4, 8)}  # by itemsize
_ROWS = [np.arange(0)]  # the last batch's row indices, read-only: shared by its nodes


def _rows(n: int) -> Array:
    """0, 1, ..., n - 1, made again only when the batch size changes."""
    rows = _ROWS[0]
    if len(rows) != n:
        rows = np.arange(n)
        rows.flags.writeable = False
        _ROWS[0] = rows
    return rows


def _targets(t: Any, a: Array, op: str) -> tuple[Array, bool]:
    """Integer labels (shape a.shape[:-1]) or one-hot/probability targets (a's shape), flattened."""
    if type(t) is not np.ndarray:
        t = checks_args.rectangular("cross_entropy", "labels", t)
    c = a.shape[-1]
    if t.shape == a.shape and t.dtype.kind in "biuf":
        return t.reshape(-1, c).astype(a.dtype, copy=False), False
    if t.dtype.kind not in "iu":
        hint = (
            ": Tensor(...) is float64; make integer labels with tensor([2, 0]) (int64) or"
            " Tensor(..., dtype=np.int64)"
            if t.dtype.kind == "f" and t.shape == a.shape[:-1]
            else ""
        )
        raise TypeError(
            f"{op}: targets must be integer labels of shape {a.shape[:-1]} or one-hot targets"
            f" of shape {a.shape}, got {t.dtype} of shape {t.shape}{hint}"
        )
    if t.shape != a.shape[:-1]:
        raise ValueError(
            f"{op}: labels of shape {t.shape} do not match logits of shape {a.shape}"
            f" (expected labels of shape {a.shape[:-1]})"
        )
    flat = t if t.ndim == 1 else t.reshape(-1)
    return _in_range(flat, c, op, "labels"), True


def _in_range(flat: Array, c: int, op: str, name: str) -> Array:
    """Integer labels in [0, c), else an IndexError (torch's 'Target -1 is out of bounds')."""
    # A negative label would index from the end: a silently wrong loss. Too large ones would
    # raise deep in numpy. Seen as unsigned, a negative label is huge: one reduction finds both.
    unsigned = flat.view(_UNSIGNED[flat.itemsize]) if flat.dtype.kind == "i" else flat
    if flat.size and np.maximum.reduce(unsigned, axis=None) >= c:
        raise IndexError(f"{op}: {name} must lie in [0, {c}), got {flat.min()}..{flat.max()}")
    return flat


def cross_entropy(logits: Any, labels: Any) -> Any:
    """Softmax-with-Loss: L = -(1/N) sum_n log softmax(a_n)[t_n]; backward (y - t) / N.

    ``labels`` are integer class indices (shape ``logits.shape[:-1]``) or one-hot targets
    (``logits``'s shape). For a list of Values (one example's logits) and an int label, the same
    loss is built from Value gates.
    """
    if _is_values(logits):
        return _value_cross_entropy(logits, int(labels))
    x = _tensor(logits, "cross_entropy")
    a = x.data
    if a.ndim == 0:
        raise ValueError("cross_entropy needs logits with a class axis, got a 0-d tensor")
    if a.dtype.kind != "f":
        op_inputs(SOFTMAX_CE, (a,))  # int64 or bool logits: torch's TypeError
    t, is_labels = _targets(labels, a, "cross_entropy")
    a2 = a if a.ndim == 2 else a.reshape(-1, a.shape[-1])
    n = a2.shape[0]
    # ufunc.reduce rather than .max/.sum: the same numbers without numpy's Python wrappers
    shifted = a2 - np.maximum.reduce(a2, axis=1, keepdims=True)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=1, keepdims=True)
    e /= s  # now y = softmax(a)
    log_s = np.log(s)
    if is_labels:
        rows = _rows(n)
        loss = (np.add.reduce(log_s, axis=None) - np.add.reduce(shifted[rows, t])) / n
    else:
        rows = None
        loss = -(t * (shifted - log_s)).sum() / n
    return record(np.asarray(loss, dtype=a.dtype), SOFTMAX_CE, (x,), (e, t, rows))


def cross_entropy_error(y: Any, t: Any, delta: float = 1e-7) -> Tensor:
    """DLfS: E = -(1/N) sum_n sum_k t_nk log(y_nk + delta), from probabilities y.

    ``t`` is one-hot (y's shape) or integer labels; delta = 1e-7 keeps log(0) away.
    """
    probs = _tensor(y, "cross_entropy_error")
    delta = checks_args.number("cross_entropy_error", "delta", delta, 0.0)
    if probs.ndim == 0:
        raise ValueError("cross_entropy_error: y must be probabilities of shape (N, C) or (C,)")
    target = np.asarray(t.data if isinstance(t, Tensor) else t)
    if probs.ndim == 1:  # one example: a batch of one, as in the book
        probs = probs.reshape(1, probs.size)
        target = target.reshape(1, -1) if target.ndim == 1 else target.reshape(1)
    n = probs.shape[0]
    if target.shape == probs.shape:
        return -((probs + delta).log() * _const(target, probs)).sum() / n
    if target.dtype.kind not in "iu" or target.shape != (n,):
        raise ValueError(
            f"cross_entropy_error: targets of shape {target.shape} ({target.dtype}) do not match"
            f" probabilities of shape {probs.shape}: pass one-hot {probs.shape} or labels ({n},)"
        )
    _in_range(target, probs.shape[1], "cross_entropy_error", "t")
    return -(probs[np.arange(n), target] + delta).log().sum() / n


def mse(y: Any, t: Any, reduction: Literal["half_sum", "mean"] = "half_sum") -> Tensor:
    """DLfS's sum of squares error E = 1/2 sum (y - t)^2; ``reduction="mean"``: mean (y - t)^2."""
    checks_args.choice("mse", "reduction", reduction, ("half_sum", "mean"))
    out = _tensor(y, "mse")
    target = _const(t, out)
    if target.shape != out.shape:
        raise ValueError(f"mse: y has shape {out.shape} but t has shape {target.shape}")
    d = out - target
    if reduction == "half_sum":
        return 0.5 * (d * d).sum()
    if reduction == "mean":
        return (d * d).mean()
    raise ValueError(f"mse: reduction must be 'half_sum' or 'mean', got {reduction!r:.80}")


def hinge(scores: Any, labels: Any, margin: float = 1.0) -> Tensor:
    """Multiclass SVM: L = (1/N) sum_n sum_{j != t_n} max(0, s_nj - s_nt + margin)."""
    s = _tensor(scores, "hinge")
    margin = checks_args.number("hinge", "margin", margin)
    if s.ndim == 0:
        raise ValueError("hinge: scores must be of shape (N, C) or (C,), got a 0-d tensor")
    t = checks_args.rectangular("hinge", "labels", labels)
    if s.ndim == 1 and t.size == 1:
        s = s.reshape(1, s.size)
        t = t.reshape(1)
    if s.ndim != 2 or t.shape != (s.shape[0],) or t.dtype.kind not in "iu":
        raise ValueError(
            f"hinge: scores of shape {s.shape} need integer labels of shape ({s.shape[0]},),"
            f" got {t.dtype} of shape {t.shape}"
        )
    n, c = s.shape
    _in_range(t, c, "hinge", "labels")
    rows = np.arange(n)
    correct = s[rows, t].reshape(n, 1)
    others = np.ones((n, c), dtype=s.dtype)
    others[rows, t] = 0.0  # the correct class has no margin term
    return ((s - correct + margin).relu() * others).sum() / n


# -- lists of Values -----------------------------------------------------------------------------


def _is_values(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], Value)


def _value_dim(d: int, op: str) -> None:
    """A list of Values has one dim: 0 or -1 (dim=1 was silently dim 0)."""
    if d not in (0, -1):
        raise IndexError(f"{op}: dim {d} is out of range for a list of Values (0 or -1)")


def _value_softmax(xs: Sequence[Value]) -> list[Value]:
    m = max(v.data for v in xs)  # a constant shift: the value is unchanged, e^x cannot overflow
    exps = [(v - m).exp() for v in xs]
    total = add_n(exps)
    return [e / total for e in exps]


def _value_log_softmax(xs: Sequence[Value]) -> list[Value]:
    m = max(v.data for v in xs)
    log_total = add_n([(v - m).exp() for v in xs]).log()
    return [(v - m) - log_total for v in xs]


def _value_cross_entropy(xs: Sequence[Value], label: int) -> Value:
    if not 0 <= label < len(xs):  # -1 would read the last class
        raise IndexError(f"cross_entropy: label {label} is not in [0, {len(xs)})")
    return -_value_log_softmax(xs)[label]
