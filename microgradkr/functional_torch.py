"""The functions of ``torch.nn.functional`` and DeZero's ``functions`` that a port reaches for:
linear, relu, leaky_relu, sigmoid, tanh, mse_loss, batch_norm, dropout, and the differentiable
sum_to / broadcast_to. Re-exported by functional.py, next to softmax and cross_entropy.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from . import checks_args, seeding
from .tensor import Tensor, apply
from .tensor_ops_torch import LEAKY_RELU


def _as_tensor(x: Any, op: str, dtype: Any = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x, dtype=dtype)
    except TypeError as err:
        raise TypeError(f"{op}: {err}") from None


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """y = x W^T + b, with W of shape (out_features, in_features), as ``torch.nn.functional``.

    (DeZero's ``F.linear(x, W, b)`` takes W as (in, out): that is ``x @ W + b`` here.)
    """
    x, w = _as_tensor(input, "linear"), _as_tensor(weight, "linear")
    if w.ndim not in (1, 2):
        raise ValueError(f"linear: weight must be 1-D or 2-D (out, in), got shape {w.shape}")
    if x.shape[-1:] != w.shape[-1:]:
        raise ValueError(
            f"linear: input of shape {x.shape} needs weight of shape (out, {x.shape[-1:]}),"
            f" got {w.shape}"
        )
    y = x @ w.t()
    if bias is None:
        return y
    b = _as_tensor(bias, "linear")
    if b.ndim > 1 or b.shape not in ((), (1,), w.shape[:1]):  # torch: (out_features,)
        raise ValueError(f"linear: bias must have shape {w.shape[:1]}, got {b.shape}")
    return y + b


def relu(input: Any) -> Tensor:
    """max(x, 0)."""
    return _as_tensor(input, "relu").relu()


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x; local gradient 1 or negative_slope."""
    slope = checks_args.number("leaky_relu", "negative_slope", negative_slope)
    return apply(LEAKY_RELU, _as_tensor(input, "leaky_relu"), args=(slope,))


def sigmoid(input: Any) -> Tensor:
    """1 / (1 + e^-x)."""
    return _as_tensor(input, "sigmoid").sigmoid()


def tanh(input: Any) -> Tensor:
    """tanh x."""
    return _as_tensor(input, "tanh").tanh()


def mse_loss(input: Any, target: Any, reduction: Literal["mean", "sum", "none"] = "mean") -> Tensor:
    """mean (x - t)^2 (``reduction="sum"``: the sum, ``"none"``: elementwise), as torch."""
    checks_args.choice("mse_loss", "reduction", reduction, ("mean", "sum", "none"))
    x = _as_tensor(input, "mse_loss")
    t = target if isinstance(target, Tensor) else _as_tensor(target, "mse_loss: target", x.dtype)
    if t.shape != x.shape:
        raise ValueError(f"mse_loss: input has shape {x.shape} but target has shape {t.shape}")
    d = x - t
    sq = d * d
    if reduction == "mean":
        return sq.mean()
    if reduction == "sum":
        return sq.sum()
    if reduction == "none":
        return sq
    raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _channel(v: Any, shape: tuple[int, ...], x: Tensor) -> Tensor:
    """A per-channel vector shaped (1, C, 1, ...) to broadcast over x."""
    t = v if isinstance(v, Tensor) else Tensor(np.asarray(v), dtype=x.dtype)
    return t.reshape(shape)


def _check_channels(x: Tensor, given: dict[str, Any], training: bool) -> None:
    """Every per-channel argument has C numbers, and the running statistics that training
    updates in place are float arrays: all checked before anything is changed."""
    c = x.shape[1]
    for name, v in given.items():
        if v is None:
            continue
        arr = v.data if isinstance(v, Tensor) else v
        size = np.size(checks_args.rectangular("batch_norm", name, arr))
        if size != c:
            raise ValueError(
                f"batch_norm: {name} must have {c} values, one per channel of input of shape"
                f" {x.shape}, got shape {np.shape(arr)}"
            )
        updated = training and name.startswith("running")
        if updated and not (isinstance(arr, np.ndarray) and arr.dtype.kind == "f"):
            raise TypeError(
                f"batch_norm: {name} is updated in place when training, so it must be a float"
                f" ndarray or Tensor, got {type(arr).__name__}"
                f"{f' of {arr.dtype}' if isinstance(arr, np.ndarray) else ''}"
            )


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x - mu) / sqrt(var + eps) * weight + bias per channel (dim 1), as torch.

    Training: mu and var (biased) are the batch's, over every dim but 1; running_mean and
    running_var (arrays or Tensors, updated in place when given) move towards mu and the
    unbiased variance by ``momentum``. Otherwise the running statistics are used.
    """
    x = _as_tensor(input, "batch_norm")
    checks_args.flag("batch_norm", "training", training)
    momentum = checks_args.number("batch_norm", "momentum", momentum, 0.0, 1.0)
    eps = checks_args.number("batch_norm", "eps", eps, 0.0, positive=True)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must be (N, C, ...), got shape {x.shape}")
    stats = {"running_mean": running_mean, "running_var": running_var}
    _check_channels(x, {**stats, "weight": weight, "bias": bias}, training)
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // x.shape[1]
        if n < 2:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input"
                f" of shape {x.shape}"
            )
        mu = x.mean(axis=axes, keepdims=True)
        var = ((x - mu) * (x - mu)).mean(axis=axes, keepdims=True)
        for run, stat in ((running_mean, mu.data), (running_var, var.data * n / (n - 1))):
            if run is not None:
                arr = run.data if isinstance(run, Tensor) else run
                arr *= 1.0 - momentum
                arr += momentum * stat.reshape(arr.shape)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed in eval mode")
        mu, var = _channel(running_mean, shape, x), _channel(running_var, shape, x)
    y = (x - mu) / (var + eps).sqrt()
    if weight is not None:
        y = y * _channel(weight, shape, x)
    if bias is not None:
        y = y + _channel(bias, shape, x)
    return y


def dropout(input: Any, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """x * mask / (1 - p), mask_i ~ Bernoulli(1 - p), when ``training``; x otherwise."""
    x = _as_tensor(input, "dropout")
    p = checks_args.number("dropout", "p", p, 0.0, 1.0)  # a bool p was taken as 1 or 0
    if not checks_args.flag("dropout", "training", training) or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape)
    mask = seeding.generator(generator, "generator").random(x.shape) >= p
    return x * (mask / (1.0 - p))


def sum_to(x: Any, shape: Any) -> Tensor:
    """x summed down to ``shape`` (the backward of broadcasting), differentiable (DeZero's)."""
    return _as_tensor(x, "sum_to").sum_to(shape)


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """x repeated along broadcast dims to ``shape``; the gradient is summed back (DeZero's)."""
    return _as_tensor(x, "broadcast_to").broadcast_to(shape)
