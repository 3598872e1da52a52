"""Numerical differentiation and gradient checking (DLfS ch.4; PyTorch's gradcheck semantics).

Central differences are only meaningful where the function is smooth. At a kink the analytic
gradient is a convention and the numerical one an average of the two sides, so they disagree:
``max`` at a tie (analytic 0.5 to each input), ``relu`` at exactly 0 (analytic 0, numerical 0.5).
Check gradients away from such points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from . import graph
from .engine import Value
from .graph import grad, topological_order
from .tensor import Tensor
from .trace import node_names


def _number(y: Any) -> float:
    if isinstance(y, Tensor):
        return y.item()
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
    # Tensor inputs only: the entry d out[output] / d x[element] that disagrees most
    element: tuple[int, ...] | None = None
    output: tuple[int, ...] | None = None

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

    Tensor (or ndarray) inputs are checked element by element in float64 on float64 copies:
    every entry d out_i / d x_j of the Jacobian, backprop's row by row (one VJP per output
    element) against central differences; the table names each input's worst entry.
    """
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if any(isinstance(x, (Tensor, np.ndarray)) for x in seq):
        return _gradcheck_tensors(f, seq, eps, atol, rtol, raise_exception)
    xs = _inputs(seq)
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


def _inputs(inputs: Any) -> list[Value]:
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
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives, as ``torch.autograd.gradgradcheck``: the gradient of each
    component of backprop's gradient (built with ``create_graph=True``) against central
    differences of that component. For Values and for Tensors; a Tensor output with more than
    one element is seeded with fixed random ``grad_outputs``, as PyTorch does."""
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    tensors = any(isinstance(x, (Tensor, np.ndarray)) for x in seq)
    xs: list[Any] = seq if tensors else _inputs(seq)
    seeds: dict[tuple[int, ...], np.ndarray] = {}

    def first_order(i: int, *args: Any) -> Any:
        """d f / d args[i], built as a graph (what the second check differentiates)."""
        out = _call_tensor(f, args, "gradgradcheck") if tensors else _call(f, args)
        seed = None
        if isinstance(out, Tensor) and out.size != 1:
            seed = seeds.setdefault(out.shape, np.random.default_rng(0).normal(size=out.shape))
        g = grad(out, list(args), seed, create_graph=True)[i]
        if tensors:  # an input f does not use has no gradient: a constant zero
            return g if isinstance(g, Tensor) else Tensor(np.zeros_like(args[i].data))
        return g if isinstance(g, Value) else Value(g)

    for i in range(len(xs)):
        try:
            if not gradcheck(partial(first_order, i), xs, eps, atol, rtol, raise_exception):
                return False
        except GradcheckError as err:
            raise GradcheckError(f"gradgradcheck, d/dx of df/dx{i}:\n{err}", err.rows) from None
    return True


# -- Tensors: Jacobians from VJPs -----------------------------------------------------------------


def _leaf(x: Any, i: int, dtype: Any = None) -> Tensor:
    """A fresh leaf that requires grad, holding a copy of ``x``'s numbers."""
    if isinstance(x, Tensor):
        data, label = x.data, x.label
    elif isinstance(x, (np.ndarray, list, tuple, int, float)):
        data, label = np.asarray(x), ""
    else:
        raise TypeError(f"input {i} must be a Tensor or an array, got {type(x).__name__}")
    leaf = Tensor(
        data, requires_grad=True, label=label, dtype=dtype or getattr(data, "dtype", None)
    )
    leaf.data = leaf.data.copy()  # perturbing it must not touch the caller's array
    return leaf


def _call_tensor(f: Callable[..., Any], xs: Sequence[Tensor], what: str) -> Tensor:
    out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"{what} needs f to return a Tensor, got {type(out).__name__}")
    return out


def _jacobians(out: Tensor, xs: Sequence[Tensor]) -> list[np.ndarray]:
    """d out / d x for each x (out.size x x.size), row i by one backward pass seeded with e_i."""
    jacs = [np.zeros((out.size, x.size), dtype=np.result_type(out.data, x.data)) for x in xs]
    if not out.requires_grad:
        return jacs
    order = topological_order(out)
    saved = [node.grad for node in order]
    seed = np.zeros(out.size, dtype=out.data.dtype)
    try:
        for i in range(out.size):
            for x in xs:
                x.grad = None
            seed[i] = 1.0
            graph.backward(out, seed.reshape(out.shape))
            seed[i] = 0.0
            for jac, x in zip(jacs, xs, strict=True):
                if x.grad is not None:
                    jac[i] = x.grad.reshape(-1)
    finally:
        for node, g in zip(order, saved, strict=True):
            node.grad = g
    return jacs


def jacobian(f: Callable[[Tensor], Tensor], x: Any) -> np.ndarray:
    """J = d f(x) / dx as a matrix (out.size x x.size); row i is the VJP e_i^T J.

    Elementwise ops give a diagonal J; for f(x) = W @ x, J = W.
    """
    leaf = _leaf(x, 0)
    return _jacobians(_call_tensor(f, [leaf], "jacobian"), [leaf])[0]


def vjp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), v^T J): backprop seeded with v, as ``torch.autograd.functional.vjp``."""
    leaf = _leaf(x, 0)
    out = _call_tensor(f, [leaf], "vjp")
    v = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=out.data.dtype)
    if v.shape != out.shape:
        raise ValueError(f"vjp: v has shape {v.shape}, but f(x) has shape {out.shape}")
    if not out.requires_grad:
        return out.data, np.zeros_like(leaf.data)
    out.backward(v)
    grad = leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
    return out.data, grad


def _gradcheck_tensors(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
) -> bool:
    xs = [_leaf(x, i, np.float64) for i, x in enumerate(inputs)]
    out = _call_tensor(f, xs, "gradcheck")
    analytic = _jacobians(out, xs)
    rows = []
    for k, x in enumerate(xs):
        flat = x.data.reshape(-1)
        numerical = np.zeros_like(analytic[k])
        for j in range(flat.size):
            saved = flat[j]
            try:
                flat[j] = saved + eps
                # copies: a reshape or a slice of x is a view, which the restore would change
                up = np.array(_call_tensor(f, xs, "gradcheck").data, dtype=np.float64).ravel()
                flat[j] = saved - eps
                down = np.array(_call_tensor(f, xs, "gradcheck").data, dtype=np.float64).ravel()
            finally:
                flat[j] = saved
            numerical[:, j] = (up - down) / (2 * eps)
        excess = np.abs(analytic[k] - numerical) - (atol + rtol * np.abs(numerical))
        if excess.size == 0:
            rows.append(GradcheckRow(k, x.label, math.nan, 0.0, 0.0, True, (), ()))
            continue
        worst_i, worst_j = np.unravel_index(int(np.argmax(excess)), excess.shape)
        rows.append(
            GradcheckRow(
                k,
                x.label,
                float(flat[worst_j]),
                float(analytic[k][worst_i, worst_j]),
                float(numerical[worst_i, worst_j]),
                bool(excess[worst_i, worst_j] <= 0),
                tuple(int(a) for a in np.unravel_index(worst_j, x.shape)),
                tuple(int(a) for a in np.unravel_index(worst_i, out.shape)),
            )
        )
    if all(row.ok for row in rows):
        return True
    if not raise_exception:
        return False
    failed = [row for row in rows if not row.ok]
    notes = _tensor_kinks(out, xs, failed, eps) or _tensor_suspect(out, failed[0], eps, atol, rtol)
    report = _tensor_report(rows, eps, atol, rtol, [x.shape for x in xs], out.shape)
    raise GradcheckError(report + notes, rows)


def _replay_tensors(order: list[Tensor], fixed: dict[Tensor, Any]) -> dict[Tensor, Any] | None:
    """Every node's data recomputed with the recorded ops, with ``fixed`` nodes held at a value."""
    vals: dict[Tensor, Any] = {}
    try:
        with np.errstate(all="ignore"):
            for n in order:
                if n in fixed:
                    vals[n] = fixed[n]
                elif n.op is None:
                    vals[n] = n.data
                else:
                    vals[n] = np.asarray(n.op.forward(*(vals[p] for p in n._prev), *n._args))
    except (ArithmeticError, ValueError, IndexError):
        return None
    return vals


def _tensor_branches(order: list[Tensor], vals: dict[Tensor, Any]) -> dict[Tensor, list[Any]]:
    """What the kinked ops (relu, maximum, max) send back from a gradient of ones: the branches."""
    branches = {}
    for n in order:
        if n.op is not None and n.op.kinked:
            xs, out = [vals[p] for p in n._prev], vals[n]
            ones = np.ones_like(out)
            branches[n] = [np.asarray(vjp(ones, *xs, out, *n._args)) for vjp in n.op.vjps]
    return branches


def _tensor_kinks(out: Tensor, xs: list[Tensor], failed: list[GradcheckRow], eps: float) -> str:
    """A note for each failing input whose central difference crosses a kink of the graph."""
    order = topological_order(out)
    names = _tensor_names(order)
    notes: list[str] = []
    for row in failed:
        x, j = xs[row.index], row.element
        if j is None or x not in names:  # the output does not depend on x through the graph
            continue
        where = f"{names[x]}[{', '.join(map(str, j))}]" if j else names[x]
        up, down = x.data.copy(), x.data.copy()
        up[j] += eps
        down[j] -= eps
        after, before = _replay_tensors(order, {x: up}), _replay_tensors(order, {x: down})
        if after is None or before is None:
            continue
        b0, b1 = _tensor_branches(order, before), _tensor_branches(order, after)
        for n in b0:
            if any(not np.array_equal(p, q) for p, q in zip(b0[n], b1[n], strict=True)):
                notes.append(
                    f"kink: {names[n]} switches branch between {where} -/+ eps, so the "
                    f"central difference is meaningless there (analytic {row.analytic:g} by "
                    f"convention, numerical {row.numerical:g})"
                )
                break
    if not notes and any(n.op is not None and n.op.kinked for n in order):
        notes.append("At a kink (max tie, relu at 0) the two differ by definition; check away.")
    return "".join("\n" + note for note in notes)


def _tensor_suspect(out: Tensor, row: GradcheckRow, eps: float, atol: float, rtol: float) -> str:
    """The first node, walking back from the output, whose backprop gradient of out[row.output]
    disagrees with central differences through the recorded ops: the op it feeds is the suspect."""
    order = topological_order(out)
    names = _tensor_names(order)
    saved = [n.grad for n in order]
    seed = np.zeros(out.shape)
    seed[row.output] = 1.0
    try:
        graph.backward(out, seed)
        grads = {n: np.zeros(n.shape) if n.grad is None else np.asarray(n.grad) for n in order}
    finally:
        for n, g in zip(order, saved, strict=True):
            n.grad = g
    for node in reversed(order[:-1]):
        if not node.requires_grad:
            continue
        numerical = np.zeros(node.shape)
        for k in np.ndindex(node.shape):
            up, down = node.data.copy(), node.data.copy()
            up[k] += eps
            down[k] -= eps
            hi, lo = _replay_tensors(order, {node: up}), _replay_tensors(order, {node: down})
            if hi is None or lo is None:
                return ""
            numerical[k] = (hi[out][row.output] - lo[out][row.output]) / (2 * eps)
        excess = np.abs(grads[node] - numerical) - (atol + rtol * np.abs(numerical))
        if excess.size and excess.max() > 0:
            k = np.unravel_index(int(np.argmax(excess)), excess.shape)
            users = sorted({names[n] for n in order if any(p is node for p in n._prev)})
            return (
                f"\nfirst disagreement walking back from the output: node {names[node]}"
                f"{list(map(int, k)) if k else ''} (input of {', '.join(users)}): analytic "
                f"{grads[node][k]:.7g}, numerical {numerical[k]:.7g}; suspect the VJP of "
                f"{', '.join(users)}"
            )
    return ""


def _tensor_names(order: list[Tensor]) -> dict[Tensor, str]:
    """A readable name for every node: its label, or op#n in forward order, or 'const'."""
    names: dict[Tensor, str] = {}
    count = 0
    for n in order:
        if n.label:
            names[n] = n.label
        elif n.op is None:
            names[n] = "const"
        else:
            count += 1
            names[n] = f"{n.op.name}#{count}"
    return names


def _tensor_report(
    rows: list[GradcheckRow],
    eps: float,
    atol: float,
    rtol: float,
    shapes: list[tuple[int, ...]],
    out_shape: tuple[int, ...],
) -> str:
    failed = sum(not row.ok for row in rows)
    lines = [
        f"gradcheck: backprop and central differences disagree for {failed} of {len(rows)} inputs"
        f" (eps={eps:g}, atol={atol:g}, rtol={rtol:g}); the worst entry of each input:",
        f"{'input':>5}  {'label':<10} {'shape':<10} {'d out[i] / d x[j]':<26}"
        f" {'analytic':>14} {'numerical':>14} {'error':>11}",
    ]
    for row in rows:
        mark = "" if row.ok else "  <- mismatch"
        entry = f"i={row.output}, j={row.element}"
        lines.append(
            f"{row.index:>5}  {row.label[:10]:<10} {str(shapes[row.index]):<10} {entry:<26}"
            f" {row.analytic:>14.7g}"
            f" {row.numerical:>14.7g} {row.error:>11.3g}{mark}"
        )
    lines.append(f"out has shape {out_shape}.")
    return "\n".join(lines)
