"""Gradient checking, as ``torch.autograd.gradcheck``: backprop against central differences.

Central differences are only meaningful where the function is smooth. At a kink the analytic
gradient is a convention and the numerical one an average of the two sides, so they disagree:
``max`` at a tie (analytic 0.5 to each input), ``relu`` at exactly 0 (analytic 0, numerical 0.5).
Check gradients away from such points.

A scalar check of n inputs by perturbing each input and calling f again costs n calls of a
graph of size ~n: quadratic. Past ``EXACT_BUDGET`` node evaluations (or with ``fast_mode``) the
rows are computed in linear time instead (``checks_fast``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from . import checks_args, graph
from .columns import ljust, rjust
from .engine import Value
from .graph import grad, topological_order
from .i18n import text
from .tensor import Tensor
from .trace import node_names


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


def _as_input(x: Any, i: int, where: str) -> Value:
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
    except TypeError:
        raise TypeError(text("check.input_type", where=where, i=i, type=type(x).__name__)) from None


def _call(f: Callable[..., Any], inputs: Sequence[Value]) -> Value:
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(text("check.returns_value", type=type(out).__name__))
    return out


def _inputs(inputs: Any, where: str = "gradcheck") -> list[Value]:
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [_as_input(x, i, where) for i, x in enumerate(seq)]


def _leaf(x: Any, i: int, dtype: Any = None, where: str = "gradcheck") -> Tensor:
    """A fresh leaf that requires grad, holding a copy of ``x``'s numbers (ints as float64)."""
    if isinstance(x, Tensor):
        data, label = x.data, x.label
        checks_args.float_tensor(where, f"inputs[{i}]", x)
    elif isinstance(x, (np.ndarray, list, tuple, int, float)):
        data, label = checks_args.array(where, f"inputs[{i}]", x, None), ""
        if data.dtype.kind not in "biuf":  # objects, or an int past int64
            raise TypeError(text("check.tensor_input", where=where, i=i, type=type(x).__name__))
        data = data if data.dtype.kind == "f" else data.astype(np.float64)
    else:
        raise TypeError(text("check.tensor_input", where=where, i=i, type=type(x).__name__))
    leaf = Tensor(
        data, requires_grad=True, label=label, dtype=dtype or getattr(data, "dtype", None)
    )
    leaf.data = leaf.data.copy()  # perturbing it must not touch the caller's array
    return leaf


def _call_tensor(f: Callable[..., Any], xs: Sequence[Tensor], what: str) -> Tensor:
    out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(text("check.returns_tensor", what=what, type=type(out).__name__))
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


def gradcheck(
    f: Callable[..., Any],
    inputs: Value | float | Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool | None = None,
) -> bool:
    """Compare backprop with central differences for every input, as ``torch.autograd.gradcheck``.

    ``f(*inputs)`` must return a Value. An input passes when |analytic - numerical| <= atol +
    rtol * |numerical|. Returns True, or raises ``GradcheckError`` with a table of every input
    (returns False instead when ``raise_exception`` is False). Numbers are wrapped as Values.
    ``fast_mode`` (Values only): None picks it for large checks, see the module's docstring.

    Tensor (or ndarray) inputs are checked element by element in float64 on float64 copies:
    every entry d out_i / d x_j of the Jacobian, backprop's row by row (one VJP per output
    element) against central differences; the table names each input's worst entry.
    """
    checks_args.tolerances("gradcheck", f, eps, atol, rtol)
    checks_args.flag("gradcheck", "raise_exception", raise_exception)
    if fast_mode is not None:
        checks_args.flag("gradcheck", "fast_mode", fast_mode)
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not seq:
        raise ValueError(text("check.empty", what="gradcheck"))
    if any(isinstance(x, (Tensor, np.ndarray)) for x in seq):
        from .checks_tensor import gradcheck_tensors  # its own module: it needs this one

        return gradcheck_tensors(f, seq, eps, atol, rtol, raise_exception)
    xs = _inputs(seq)
    out = _call(f, xs)
    analytic = list(grad(out, xs))  # backprop; no .grad is changed
    order = topological_order(out)
    if fast_mode is None:
        fast_mode = len(xs) * len(order) > EXACT_BUDGET
    if fast_mode:
        from .checks_fast import fast_rows  # its own module: it needs this one

        rows, notes = fast_rows(f, xs, out, order, analytic, eps, atol, rtol)
    else:
        rows = [_exact_row(f, xs, i, analytic[i], eps, atol, rtol) for i in range(len(xs))]
    if all(row.ok for row in rows):
        return True
    if not raise_exception:
        return False
    if not fast_mode:
        notes = _diagnose(f, xs, [row for row in rows if not row.ok], eps, atol, rtol)
    raise GradcheckError(_report(rows, eps, atol, rtol) + notes, rows)


EXACT_BUDGET = 200_000  # node evaluations (inputs x graph size) the exact check may spend


def _close(analytic: float, numerical: float, atol: float, rtol: float) -> bool:
    return abs(analytic - numerical) <= atol + rtol * abs(numerical)


def _exact_row(
    f: Callable[..., Any],
    xs: list[Value],
    i: int,
    analytic: float,
    eps: float,
    atol: float,
    rtol: float,
) -> GradcheckRow:
    """Input i's row: (f(x_i + eps) - f(x_i - eps)) / 2 eps, with f called again."""
    x = xs[i]
    saved = x.data
    try:
        x.data = saved + eps
        up = _call(f, xs).data
        x.data = saved - eps
        down = _call(f, xs).data
    finally:
        x.data = saved
    numerical = (up - down) / (2 * eps)
    return GradcheckRow(
        i, x.label, saved, analytic, numerical, _close(analytic, numerical, atol, rtol)
    )


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
                    text(
                        "check.kink",
                        node=names[n],
                        x=names[x],
                        analytic=row.analytic,
                        numerical=row.numerical,
                    )
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
            users = ", ".join(sorted({names[n] for n in order if node in n._prev}))
            first = text(
                "check.first",
                node=names[node],
                users=users,
                analytic=grads[node],
                numerical=numerical,
            )
            return "\n" + first
    return ""


def _report(rows: list[GradcheckRow], eps: float, atol: float, rtol: float) -> str:
    failed = sum(not row.ok for row in rows)
    col = {name: text(f"check.col.{name}") for name in COLUMNS}
    lines = [
        text("check.summary", failed=failed, n=len(rows), eps=eps, atol=atol, rtol=rtol),
        f"{rjust(col['input'], 5)}  {ljust(col['label'], 10)} {rjust(col['value'], 12)}"
        f" {rjust(col['analytic'], 14)} {rjust(col['numerical'], 14)} {rjust(col['error'], 11)}",
    ]
    # a long table shows only its mismatches (all rows stay in GradcheckError.rows)
    shown = rows if len(rows) <= REPORT_ROWS else [row for row in rows if not row.ok]
    for row in shown[:REPORT_ROWS]:
        mark = "" if row.ok else text("check.mismatch")
        lines.append(
            f"{row.index:>5}  {row.label[:10]:<10} {row.value:>12.6g} {row.analytic:>14.7g}"
            f" {row.numerical:>14.7g}"
            f" {row.error:>11.3g}{mark}"
        )
    if len(shown) < len(rows) or len(shown) > REPORT_ROWS:
        lines.append(text("check.more_rows", n=len(rows) - min(len(shown), REPORT_ROWS)))
    return "\n".join(lines)


REPORT_ROWS = 50
COLUMNS = ("input", "label", "value", "analytic", "numerical", "error", "shape", "entry")


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
    checks_args.tolerances("gradgradcheck", f, eps, atol, rtol)
    checks_args.flag("gradgradcheck", "raise_exception", raise_exception)
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    tensors = any(isinstance(x, (Tensor, np.ndarray)) for x in seq)
    if not seq:
        raise ValueError(text("check.empty", what="gradgradcheck"))
    xs: list[Any] = seq if tensors else _inputs(seq, "gradgradcheck")
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
            raise GradcheckError(f"{text('check.gradgrad', i=i)}\n{err}", err.rows) from None
    return True
