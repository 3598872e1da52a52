"""Numerical differentiation (DLfS ch.4), Jacobians, Hessians; gradient checking re-exported.

``gradcheck`` and ``gradgradcheck`` live in ``checks`` (and ``checks_tensor``); they stay
importable from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import checks_args
from .checks import (
    GradcheckError,
    GradcheckRow,
    _call,
    _call_tensor,
    _inputs,
    _jacobians,
    _leaf,
    gradcheck,
    gradgradcheck,
)
from .engine import Value
from .graph import grad
from .tensor import Tensor

__all__ = [
    "GradcheckError",
    "GradcheckRow",
    "gradcheck",
    "gradgradcheck",
    "gradient_descent",
    "hessian",
    "jacobian",
    "numerical_diff",
    "numerical_gradient",
    "vjp",
]


def _number(y: Any) -> float:
    if isinstance(y, Tensor):
        return y.item()
    return y.data if isinstance(y, Value) else float(y)


def numerical_diff(f: Callable[[float], Any], x: float, h: float = 1e-4) -> float:
    """f'(x) ~ (f(x + h) - f(x - h)) / 2h; ``f`` may return a number or a Value."""
    checks_args.function("numerical_diff", "f", f)
    checks_args.number("numerical_diff", "x", x)
    checks_args.number("numerical_diff", "h", h, 0.0, positive=True)
    return (_number(f(x + h)) - _number(f(x - h))) / (2 * h)


def numerical_gradient(f: Callable[[Any], Any], x: Any, h: float = 1e-4) -> np.ndarray:
    """df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h for each element, as DLfS's.

    A float array ``x`` (or a Tensor's) is perturbed in place and restored, so that
    ``numerical_gradient(lambda W: net.loss(x, t), net.W)`` works with an ``f`` that ignores its
    argument and reads ``net.W``; e.g. x0^2 + x1^2 at (3, 4) gives (6, 8). A number or a list is
    copied to a float64 array first (``f`` then has to read its argument).
    """
    checks_args.function("numerical_gradient", "f", f)
    checks_args.number("numerical_gradient", "h", h, 0.0, positive=True)
    arg = x
    if isinstance(x, Tensor):
        x = x.data
    elif not isinstance(x, np.ndarray):
        x = arg = checks_args.array("numerical_gradient", "x", x).copy()
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"numerical_gradient perturbs x in place, so x must be a float array, got dtype "
            f"{x.dtype}; pass x.astype(np.float64)"
        )
    if not x.flags.writeable:
        raise ValueError("numerical_gradient perturbs x in place, but x is a read-only array")
    grad: np.ndarray = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):  # indexing, not a flat view: works on non-contiguous arrays
        saved = x[i]
        try:
            x[i] = saved + h
            hi, up = float(x[i]), _number(f(arg))
            x[i] = saved - h
            lo, down = float(x[i]), _number(f(arg))
        finally:
            x[i] = saved
        # the step the dtype really took (float32 rounds h); where x is so large that h is lost
        # entirely, f did not move either and the result is 0, as the book's (up - down) / 2h
        grad[i] = (up - down) / ((hi - lo) or 2 * h)
    return grad


def gradient_descent(
    f: Callable[[np.ndarray], Any], init_x: Any, lr: float = 0.01, step_num: int = 100
) -> np.ndarray:
    """x <- x - lr * grad f(x), ``step_num`` times, with the numerical gradient."""
    checks_args.function("gradient_descent", "f", f)
    checks_args.number("gradient_descent", "lr", lr)
    steps = checks_args.integer("gradient_descent", "step_num", step_num, 0, 10**9)
    x: np.ndarray = checks_args.array("gradient_descent", "init_x", init_x).copy()
    for _ in range(steps):
        x -= lr * numerical_gradient(f, x)
    return x


def hessian(f: Callable[..., Any], inputs: Any) -> Any:
    """H[i, j] = d^2 f / dx_i dx_j at ``inputs`` (f of a few Values), by backprop twice.

    For Tensors (or arrays) it is ``transforms.hessian``: torch's shapes, x_i.shape + x_j.shape.
    """
    checks_args.function("hessian", "f", f)
    parts = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if any(isinstance(p, (Tensor, np.ndarray)) for p in parts):
        from .transforms import hessian as tensor_hessian

        return tensor_hessian(f, tuple(inputs) if isinstance(inputs, list) else inputs)
    xs = _inputs(inputs, "hessian")
    first = grad(_call(f, xs), xs, create_graph=True)
    h: np.ndarray = np.zeros((len(xs), len(xs)))
    for i, g in enumerate(first):
        if isinstance(g, Value):  # a float gradient is a constant: its row stays 0
            h[i] = [float(d) for d in grad(g, xs)]
    return h


def jacobian(f: Callable[[Tensor], Tensor], x: Any) -> np.ndarray:
    """J = d f(x) / dx as a matrix (out.size x x.size); row i is the VJP e_i^T J.

    Elementwise ops give a diagonal J; for f(x) = W @ x, J = W.
    """
    checks_args.function("jacobian", "f", f)
    leaf = _leaf(x, 0, where="jacobian")
    return _jacobians(_call_tensor(f, [leaf], "jacobian"), [leaf])[0]


def vjp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), v^T J): backprop seeded with v, as ``torch.autograd.functional.vjp``."""
    checks_args.function("vjp", "f", f)
    leaf = _leaf(x, 0, where="vjp")
    out = _call_tensor(f, [leaf], "vjp")
    v = checks_args.array("vjp", "v", v.data if isinstance(v, Tensor) else v, out.data.dtype)
    if v.shape != out.shape:
        raise ValueError(f"vjp: v has shape {v.shape}, but f(x) has shape {out.shape}")
    if not out.requires_grad:
        return out.data, np.zeros_like(leaf.data)
    out.backward(v)
    grad = leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
    return out.data, grad
