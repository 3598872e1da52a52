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
from .graph import grad, topological_order
from .trace import node_names


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
    value: float
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
    xs = _inputs(inputs)
    analytic = list(grad(_call(f, xs), xs))  # backprop; no .grad is changed
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
        rows.append(GradcheckRow(i, x.label, saved, analytic[i], numerical, ok))
    if all(row.ok for row in rows):
        return True
    if not raise_exception:
        return False
    notes = _diagnose(f, xs, [row for row in rows if not row.ok], eps, atol, rtol)
    raise GradcheckError(_report(rows, eps, atol, rtol) + notes, rows)


def _replay(order: list[Value], fixed: dict[Value, float]) -> dict[Value, float] | None:
    """Every node's value recomputed from the recorded ops, with ``fixed`` nodes held at a value."""
    vals: dict[Value, float] = {}
    try:
        for n in order:
            if n in fixed:
                vals[n] = fixed[n]
            elif n.op is None:
                vals[n] = n.data
            else:
                vals[n] = float(n.op.forward(*(vals[p] for p in n._prev)))
    except (ArithmeticError, ValueError):
        return None
    return vals


def _branches(order: list[Value], vals: dict[Value, float]) -> dict[Value, tuple[Any, ...]]:
    """The local gradients of the kinked ops (max, relu, abs): which branch each one takes."""
    return {
        n: tuple(n.op.local(*(vals[p] for p in n._prev), vals[n]))
        for n in order
        if n.op is not None and n.op.kinked
    }


def _diagnose(
    f: Callable[..., Any],
    xs: list[Value],
    failed: list[GradcheckRow],
    eps: float,
    atol: float,
    rtol: float,
) -> str:
    """Where the graph goes wrong: a kink crossed by the central difference, or the first node
    (walking back from the output) whose backprop gradient disagrees with the numerical one."""
    out = _call(f, xs)
    order = topological_order(out)
    names = node_names(out)
    notes = []
    for row in failed:
        x = xs[row.index]
        up, down = _replay(order, {x: x.data + eps}), _replay(order, {x: x.data - eps})
        if up is None or down is None:
            continue
        before, after = _branches(order, down), _branches(order, up)
        for n in before:
            if before[n] != after[n]:
                notes.append(
                    f"kink: {names[n]} switches branch between {names[x]} -/+ eps, so the central "
                    f"difference is meaningless there (analytic {row.analytic:g} by convention, "
                    f"numerical {row.numerical:g})"
                )
                break
    if notes:
        return "\n" + "\n".join(notes)
    grads = dict(zip(order, grad(out, order), strict=True))
    for node in reversed(order):
        up, down = _replay(order, {node: node.data + eps}), _replay(order, {node: node.data - eps})
        if up is None or down is None:
            continue
        numerical = (up[out] - down[out]) / (2 * eps)
        if abs(grads[node] - numerical) > atol + rtol * abs(numerical):
            users = sorted({names[n] for n in order if node in n._prev})
            return (
                f"\nfirst disagreement walking back from the output: node {names[node]} "
                f"(input of {', '.join(users)}): analytic {grads[node]:.7g}, numerical "
                f"{numerical:.7g}; suspect the local gradient of {', '.join(users)}"
            )
    return ""


def _report(rows: list[GradcheckRow], eps: float, atol: float, rtol: float) -> str:
    failed = sum(not row.ok for row in rows)
    lines = [
        f"gradcheck: backprop and central differences disagree for {failed} of {len(rows)} inputs"
        f" (eps={eps:g}, atol={atol:g}, rtol={rtol:g})",
        f"{'input':>5}  {'label':<10} {'value':>12} {'analytic':>14} {'numerical':>14}"
        f" {'error':>11}",
    ]
    for row in rows:
        mark = "" if row.ok else "  <- mismatch"
        lines.append(
            f"{row.index:>5}  {row.label[:10]:<10} {row.value:>12.6g} {row.analytic:>14.7g}"
            f" {row.numerical:>14.7g}"
            f" {row.error:>11.3g}{mark}"
        )
    return "\n".join(lines)


def _inputs(inputs: Value | float | Sequence[Value | float]) -> list[Value]:
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [_as_input(x, i) for i, x in enumerate(seq)]


def hessian(f: Callable[..., Any], inputs: Value | float | Sequence[Value | float]) -> np.ndarray:
    """H[i, j] = d^2 f / dx_i dx_j at ``inputs`` (f of a few Values), by backprop twice."""
    xs = _inputs(inputs)
    first = grad(_call(f, xs), xs, create_graph=True)
    h: np.ndarray = np.zeros((len(xs), len(xs)))
    for i, g in enumerate(first):
        if isinstance(g, Value):  # a float gradient is a constant: its row stays 0
            h[i] = [float(d) for d in grad(g, xs)]
    return h


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Value | float | Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives, as ``torch.autograd.gradgradcheck``: the gradient of each
    component of backprop's gradient (built with ``create_graph=True``) against central
    differences of that component."""
    xs = _inputs(inputs)
    for i in range(len(xs)):

        def component(*args: Value, i: int = i) -> Value:
            g = grad(_call(f, list(args)), list(args), create_graph=True)[i]
            return g if isinstance(g, Value) else Value(g)

        try:
            if not gradcheck(component, xs, eps, atol, rtol, raise_exception):
                return False
        except GradcheckError as err:
            raise GradcheckError(f"gradgradcheck, d/dx of df/dx{i}:\n{err}", err.rows) from None
    return True
