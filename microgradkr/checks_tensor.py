"""gradcheck for Tensors: the Jacobian by VJPs against central differences, entry by entry."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import graph
from .checks import COLUMNS, GradcheckError, GradcheckRow, _call_tensor, _jacobians, _leaf
from .columns import ljust, rjust
from .graph import topological_order
from .i18n import text
from .tensor import Tensor


def gradcheck_tensors(
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
                    text(
                        "check.kink",
                        node=names[n],
                        x=where,
                        analytic=row.analytic,
                        numerical=row.numerical,
                    )
                )
                break
    if not notes and any(n.op is not None and n.op.kinked for n in order):
        notes.append(text("check.kink_hint"))
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
            users = ", ".join(sorted({names[n] for n in order if any(p is node for p in n._prev)}))
            first = text(
                "check.first_vjp",
                node=f"{names[node]}{list(map(int, k)) if k else ''}",
                users=users,
                analytic=grads[node][k],
                numerical=numerical[k],
            )
            return "\n" + first
    return ""


def _tensor_names(order: list[Tensor]) -> dict[Tensor, str]:
    """A readable name for every node: its label, or op#n in forward order, or 'const'."""
    names: dict[Tensor, str] = {}
    count = 0
    for n in order:
        if n.label:
            names[n] = n.label
        elif n.op is None:
            names[n] = text("check.const")
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
    col = {name: text(f"check.col.{name}") for name in COLUMNS}
    lines = [
        text("check.summary_tensor", failed=failed, n=len(rows), eps=eps, atol=atol, rtol=rtol),
        f"{rjust(col['input'], 5)}  {ljust(col['label'], 10)} {ljust(col['shape'], 10)}"
        f" {ljust(col['entry'], 26)} {rjust(col['analytic'], 14)}"
        f" {rjust(col['numerical'], 14)} {rjust(col['error'], 11)}",
    ]
    for row in rows:
        mark = "" if row.ok else text("check.mismatch")
        entry = f"i={row.output}, j={row.element}"
        lines.append(
            f"{row.index:>5}  {row.label[:10]:<10} {str(shapes[row.index]):<10} {entry:<26}"
            f" {row.analytic:>14.7g}"
            f" {row.numerical:>14.7g} {row.error:>11.3g}{mark}"
        )
    lines.append(text("check.out_shape", shape=out_shape))
    return "\n".join(lines)
