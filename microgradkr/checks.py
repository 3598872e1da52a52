"""Gradient checking, as ``torch.autograd.gradcheck``: backprop against central differences.

Central differences are only meaningful where the function is smooth. At a kink the analytic
gradient is a convention and the numerical one an average of the two sides, so they disagree:
``max`` at a tie (analytic 0.5 to each input), ``relu`` at exactly 0 (analytic 0, numerical 0.5).
Check gradients away from such points.

A scalar check of n inputs by perturbing each input and calling f again costs n calls of a
graph of size ~n: quadratic. Past ``EXACT_BUDGET`` node evaluations (or with ``fast_mode``) the
numerical gradient is built from the graph instead: every op's local gradient by central
differences of its forward function, composed by the chain rule (linear), and f itself is
checked along random directions, bisected down to the inputs it disagrees on.
"""

from __future__ import annotations

import math
import random
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


def _inputs(inputs: Any) -> list[Value]:
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [_as_input(x, i) for i, x in enumerate(seq)]


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
    seq = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not seq:
        raise ValueError("gradcheck needs at least one input, got an empty list")
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
        rows, notes = _fast_rows(f, xs, out, order, analytic, eps, atol, rtol)
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


def _fast_rows(
    f: Callable[..., Any],
    xs: list[Value],
    out: Value,
    order: list[Value],
    analytic: list[float],
    eps: float,
    atol: float,
    rtol: float,
) -> tuple[list[GradcheckRow], str]:
    """Every input's row in linear time, and a note naming the first wrong local gradient.

    numerical[x] = sum over paths of the ops' local central differences (the chain rule run on
    numbers measured op by op); then f is called along random directions to catch what the
    graph does not record (a ``.data`` read, a new leaf), bisected down to single inputs.
    """
    notes: list[str] = []
    numerical: dict[Value, float] = {out: 1.0}
    for node in reversed(order):
        g = numerical.get(node, 0.0)
        if node.op is None or g == 0.0:
            continue
        diffs = _local_differences(node, eps, atol, rtol)
        for j, (parent, local, d) in enumerate(zip(node._prev, node._local, diffs, strict=True)):
            if not notes and not _close(float(local), d, atol, rtol):
                names = node_names(out)
                where = f"{names[node]} with respect to its input {j} ({names[parent]})"
                notes.append(
                    f"\nkink: {where} is at a kink, so the central difference is meaningless "
                    f"there (analytic {float(local):g} by convention, numerical {d:g})"
                    if node.op.kinked
                    else f"\nfirst disagreement walking back from the output: the local "
                    f"gradient of {where}: analytic {float(local):.7g}, numerical {d:.7g}; "
                    f"suspect the local gradient of {node.op.name}"
                )
            numerical[parent] = numerical.get(parent, 0.0) + d * g
    rows = []
    for i, x in enumerate(xs):
        num = numerical.get(x, 0.0)
        rows.append(
            GradcheckRow(i, x.label, x.data, analytic[i], num, _close(analytic[i], num, atol, rtol))
        )
    for i in _unrecorded(f, xs, [numerical.get(x, 0.0) for x in xs], eps, atol, rtol):
        rows[i] = _exact_row(f, xs, i, analytic[i], eps, atol, rtol)
        if not rows[i].ok and len(notes) < 2:
            notes.append(
                f"\nf depends on input {i} in a way its graph does not record (a .data read or "
                f"a new leaf?): f's own central difference is {rows[i].numerical:.7g}"
            )
    return rows, "".join(notes)


def _local_differences(node: Value, eps: float, atol: float, rtol: float) -> list[float]:
    """d node / d (each input) by central differences of the node's own op.

    The step is relative (eps |x_j| for |x_j| > 1) and divided by what float arithmetic really
    took: composed along a chain of 10^4 adds, an absolute step's rounding compounds to 1e-3.
    A wide op (an add_n of 10^4 inputs) is checked along random directions instead, keeping its
    recorded local gradients but for the inputs the bisection finds wrong.
    """
    assert node.op is not None
    forward = node.op.forward
    args = [p.data for p in node._prev]
    steps = [eps * max(1.0, abs(a)) for a in args]

    def difference(part: list[int], signs: list[float]) -> float:
        """(op(args + d) - op(args - d)) / 2, d = signs x steps on ``part``: ~ sum d_j local_j."""
        saved = [args[j] for j in part]
        for j, s in zip(part, saved, strict=True):
            args[j] = s + signs[j] * steps[j]
        up = float(forward(*args))
        for j, s in zip(part, saved, strict=True):
            args[j] = s - signs[j] * steps[j]
        down = float(forward(*args))
        for j, s in zip(part, saved, strict=True):
            args[j] = s
        return (up - down) / 2

    ones = [1.0] * len(args)
    if len(args) <= WIDE_OP:
        diffs = []
        for j, a in enumerate(args):  # divided by the step float arithmetic really took
            diffs.append(difference([j], ones) / (((a + steps[j]) - (a - steps[j])) / 2))
        return diffs
    diffs = [float(v) for v in node._local]
    u = _signs(len(args))

    def disagrees(part: list[int]) -> bool:
        terms = [u[j] * steps[j] * diffs[j] for j in part]
        spread = math.sqrt(math.fsum(t * t for t in terms))
        return not abs(difference(part, u) - math.fsum(terms)) <= atol * eps + rtol * spread

    for j in _bisect(len(args), disagrees):
        diffs[j] = difference([j], ones) / (((args[j] + steps[j]) - (args[j] - steps[j])) / 2)
    return diffs


WIDE_OP = 32  # inputs past which an op's local gradients are checked along random directions


def _signs(n: int) -> list[float]:
    """A fixed random +-1 direction (seeded: a check gives the same verdict every run)."""
    rng = random.Random(0)
    return [rng.choice((-1.0, 1.0)) for _ in range(n)]


def _bisect(n: int, disagrees: Callable[[list[int]], bool], limit: int = 8) -> list[int]:
    """Up to ``limit`` indices i in range(n) where ``disagrees([i])``, by halving the parts of
    range(n) that disagree (no recursion); [] when the whole range agrees."""
    found: list[int] = []
    everything = list(range(n))
    stack = [everything] if disagrees(everything) else []
    while stack and len(found) < limit:
        part = stack.pop()
        if len(part) == 1:
            found.append(part[0])
            continue
        halves = [part[len(part) // 2 :], part[: len(part) // 2]]
        stack += [h for h in halves if disagrees(h)]
    return found


def _unrecorded(
    f: Callable[..., Any],
    xs: list[Value],
    numerical: list[float],
    eps: float,
    atol: float,
    rtol: float,
) -> list[int]:
    """Inputs along which f's own central difference disagrees with the graph's numbers:
    bisection of a random +-1 direction, 2 calls of f per tested part."""
    u = _signs(len(xs))

    def disagrees(part: list[int]) -> bool:
        saved = [xs[i].data for i in part]
        try:
            for i in part:
                xs[i].data += eps * u[i]
            up = _call(f, xs).data
            for i, s in zip(part, saved, strict=True):
                xs[i].data = s - eps * u[i]
            down = _call(f, xs).data
        finally:
            for i, s in zip(part, saved, strict=True):
                xs[i].data = s
        along = (up - down) / (2 * eps)
        predicted = math.fsum(u[i] * numerical[i] for i in part)
        # the size of the rows' rtol terms summed with random signs, not their worst-case sum:
        # a tighter filter only costs more halves, as each input it names is checked exactly
        spread = math.sqrt(math.fsum(numerical[i] ** 2 for i in part) + along**2)
        return not abs(along - predicted) <= atol + rtol * spread

    return _bisect(len(xs), disagrees)


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
    # a long table shows only its mismatches (all rows stay in GradcheckError.rows)
    shown = rows if len(rows) <= REPORT_ROWS else [row for row in rows if not row.ok]
    for row in shown[:REPORT_ROWS]:
        mark = "" if row.ok else "  <- mismatch"
        lines.append(
            f"{row.index:>5}  {row.label[:10]:<10} {row.value:>12.6g} {row.analytic:>14.7g}"
            f" {row.numerical:>14.7g}"
            f" {row.error:>11.3g}{mark}"
        )
    if len(shown) < len(rows) or len(shown) > REPORT_ROWS:
        lines.append(f"({len(rows) - min(len(shown), REPORT_ROWS)} more rows in the error's .rows)")
    return "\n".join(lines)


REPORT_ROWS = 50


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
    if not seq:
        raise ValueError("gradgradcheck needs at least one input, got an empty list")
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
