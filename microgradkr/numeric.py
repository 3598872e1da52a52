"""Numerical differentiation and gradient checking (DLfS ch.4; PyTorch's gradcheck semantics).

Central differences are only meaningful where the function is smooth. At a kink the analytic
gradient is a convention and the numerical one an average of the two sides, so they disagree:
``max`` at a tie (analytic 0.5 to each input), ``relu`` at exactly 0 (analytic 0, numerical 0.5).
Check gradients away from such points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Value
from .graph import topological_order


def _number(y: Any) -> float:
    return y.data if isinstance(y, Value) else float(y)


def numerical_diff(f: Callable[[float], Any], x: float, h: float = 1e-4) -> float:
    """f'(x) ~ (f(x + h) - f(x - h)) / 2h; ``f`` may return a number or a Value."""
    return (_number(f(x + h)) - _number(f(x - h))) / (2 * h)


def numerical_gradient(f: Callable[[np.ndarray], Any], x: Any, h: float = 1e-4) -> np.ndarray:
    """The vector of partial derivatives of f at x by central differences (x is left unchanged).

    ``f`` takes a float64 array shaped like ``x``; e.g. x0^2 + x1^2 at (3, 4) gives (6, 8).
    """
    x = np.array(x, dtype=np.float64)
    grad: np.ndarray = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        up = _number(f(x))
        flat[i] = saved - h
        down = _number(f(x))
        flat[i] = saved
        gflat[i] = (up - down) / (2 * h)
    return grad


def gradient_descent(
    f: Callable[[np.ndarray], Any], init_x: Any, lr: float = 0.01, step_num: int = 100
) -> np.ndarray:
    """x <- x - lr * grad f(x), ``step_num`` times, with the numerical gradient."""
    x = np.array(init_x, dtype=np.float64)
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
    return x


@dataclass(frozen=True)
class GradcheckRow:
    """One input of a gradcheck: backprop's gradient, the central difference, and the verdict."""

    index: int
    label: str
    analytic: float
    numerical: float
    ok: bool

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numerical)


class GradcheckError(RuntimeError):
    """Backprop and central differences disagree; ``rows`` holds every input's numbers."""

    def __init__(self, message: str, rows: list[GradcheckRow]) -> None:
        super().__init__(message)
        self.rows = rows


def _as_input(x: Any, i: int) -> Value:
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
    except TypeError:
        raise TypeError(
            f"gradcheck input {i} must be a Value or a number, got {type(x).__name__}"
        ) from None


def _call(f: Callable[..., Any], inputs: Sequence[Value]) -> Value:
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs f(*inputs) to return a Value, got {type(out).__name__}")
    return out


def _analytic(f: Callable[..., Any], inputs: Sequence[Value]) -> list[float]:
    """Backprop's gradients of f for ``inputs``; every .grad in the graph is restored after."""
    out = _call(f, inputs)
    order = topological_order(out)
    saved = [node.grad for node in order]
    in_graph = set(order)
    try:
        for node in order:
            node.grad = 0.0
        out.backward()
        return [x.grad if x in in_graph else 0.0 for x in inputs]
    finally:
        for node, g in zip(order, saved, strict=True):
            node.grad = g


def gradcheck(
    f: Callable[..., Any],
    inputs: Value | float | Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare backprop with central differences for every input, as ``torch.autograd.gradcheck``.

    ``f(*inputs)`` must return a Value. An input passes when |analytic - numerical| <= atol +
    rtol * |numerical|. Returns True, or raises ``GradcheckError`` with a table of every input
    (returns False instead when ``raise_exception`` is False). Numbers are wrapped as Values.
    """
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    xs = [_as_input(x, i) for i, x in enumerate(seq)]
    analytic = _analytic(f, xs)
    rows = []
    for i, x in enumerate(xs):
        saved = x.data
        try:
            x.data = saved + eps
            up = _call(f, xs).data
            x.data = saved - eps
            down = _call(f, xs).data
        finally:
            x.data = saved
        numerical = (up - down) / (2 * eps)
        ok = abs(analytic[i] - numerical) <= atol + rtol * abs(numerical)
        rows.append(GradcheckRow(i, x.label, analytic[i], numerical, ok))
    if all(row.ok for row in rows):
        return True
    if not raise_exception:
        return False
    raise GradcheckError(_report(rows, eps, atol, rtol), rows)


def _report(rows: list[GradcheckRow], eps: float, atol: float, rtol: float) -> str:
    failed = sum(not row.ok for row in rows)
    lines = [
        f"gradcheck: backprop and central differences disagree for {failed} of {len(rows)} inputs"
        f" (eps={eps:g}, atol={atol:g}, rtol={rtol:g})",
        f"{'input':>5}  {'label':<10} {'analytic':>14} {'numerical':>14} {'error':>11}",
    ]
    for row in rows:
        mark = "" if row.ok else "  <- mismatch"
        lines.append(
            f"{row.index:>5}  {row.label[:10]:<10} {row.analytic:>14.7g} {row.numerical:>14.7g}"
            f" {row.error:>11.3g}{mark}"
        )
    lines.append("At a kink (max tie, relu at 0) the two differ by definition; check away from it.")
    return "\n".join(lines)
