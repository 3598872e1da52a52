"""check=True: each edge's gradient against a central difference of its op's forward."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Value
from ..tensor import Tensor, sum_to
from .fmt import Node, plain

# -- check=True: each edge's gradient against a central difference of its op's forward -------

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3
MAX_CHECKED = 64
"""A tensor input's entries checked per edge at most (evenly spread): two forwards each."""


@dataclass(frozen=True)
class Check:
    """One edge's verdict: 'ok', 'bad' (with the numerical value), 'kink' or 'skip' (why: an
    error's name, 'nonfinite' or 'no_difference', put in words by the renderer)."""

    verdict: str
    numerical: Any = None
    why: str = ""


def _close(analytic: Any, numerical: Any) -> bool:
    return bool(np.all(np.abs(analytic - numerical) <= ATOL + RTOL * np.abs(numerical)))


def _check_value(node: Value, j: int) -> Check:
    """node._local[j] against (f(x_j + eps) - f(x_j - eps)) / 2 eps, f = the op's forward."""
    op = node.op
    assert op is not None
    xs = [p.data for p in node._prev]

    def f(h: float) -> float:
        ys = list(xs)
        ys[j] += h
        return float(op.forward(*ys))

    try:
        up, mid, down = f(EPS), f(0.0), f(-EPS)
    except (ArithmeticError, ValueError) as err:
        return Check("skip", why=type(err).__name__)
    numerical = (up - down) / (2 * EPS)
    if not math.isfinite(numerical):
        return Check("skip", numerical, why="nonfinite")
    if op.kinked and not _close((up - mid) / EPS, (mid - down) / EPS):
        return Check("kink", numerical)
    return Check("ok" if _close(float(node._local[j]), numerical) else "bad", numerical)


def _nudged(
    forward: Any, xs: list[Any], j: int, k: int, h: float, args: tuple[Any, ...], g: Any
) -> float:
    """sum(g * f(x)) with entry k of input j moved by h."""
    ys = list(xs)
    ys[j] = xs[j].copy()
    ys[j].reshape(-1)[k] += h
    return float(np.sum(g * forward(*ys, *args)))


def _check_tensor(node: Tensor, j: int) -> Check:
    """The VJP on edge j against a numerical VJP: d/dx_j of sum(g * f(x)) by central differences.

    g is the node's gradient (ones before backward); float64 throughout.
    """
    op = node.op
    assert op is not None
    if not node._prev[j].requires_grad:
        return Check("ok")
    xs = [q.data.astype(np.float64) for q in node._prev]
    args = node._args
    with np.errstate(all="ignore"):
        out = np.asarray(op.forward(*xs, *args), dtype=np.float64)
        g = np.ones_like(out) if node.grad is None else np.asarray(plain(node.grad), np.float64)
        raw = np.asarray(op.vjps[j](g, *xs, out, *args), dtype=np.float64)
        analytic = raw if raw.shape == xs[j].shape else sum_to(raw, xs[j].shape)
        numerical = np.full(xs[j].shape, np.nan)
        mid = float(np.sum(g * out))
        size = xs[j].size
        picks = range(size) if size <= MAX_CHECKED else np.linspace(0, size - 1, MAX_CHECKED)
        kinks = 0
        for k in (int(i) for i in picks):
            try:
                up, down = (_nudged(op.forward, xs, j, k, h, args, g) for h in (EPS, -EPS))
            except (ArithmeticError, ValueError, IndexError, TypeError) as err:
                return Check("skip", why=type(err).__name__)
            if op.kinked and not _close((up - mid) / EPS, (mid - down) / EPS):
                kinks += 1
                continue
            numerical.reshape(-1)[k] = (up - down) / (2 * EPS)
    checked = np.isfinite(numerical)
    if not checked.any():
        return Check("kink") if kinks else Check("skip", why="no_difference")
    if _close(analytic[checked], numerical[checked]):
        return Check("ok")
    return Check("bad", numerical)


def check_edges(order: list[Node]) -> dict[tuple[Node, int], Check]:
    """Every edge into an op node, checked against a central difference of the op's forward."""
    out: dict[tuple[Node, int], Check] = {}
    for node in order:
        if node.op is not None:
            for j in range(len(node._prev)):
                out[(node, j)] = (
                    _check_tensor(node, j) if isinstance(node, Tensor) else _check_value(node, j)
                )
    return out
