"""gradcheck in linear time, for a Value function of many inputs (``fast_mode``).

The numerical gradient is built from the recorded graph: every op's local gradient by central
differences of its own forward function, composed by the chain rule; f itself is then called
along random +-1 directions (2 calls per direction), and where it disagrees with the graph the
direction is halved down to the inputs at fault, each then checked exactly. A wrong local
gradient is named exactly as in the exact mode; an input the graph does not record (a ``.data``
read) is found when its error stands out of the rtol spread of all the rows it is tested with.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from .checks import GradcheckRow, _call, _close, _exact_row
from .engine import Value
from .i18n import text
from .trace import node_names, op_word


def fast_rows(
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
                where = text("check.where_input", node=names[node], j=j, parent=names[parent])
                key = "check.kink_local" if node.op.kinked else "check.first_local"
                note = text(
                    key, where=where, op=op_word(node.op), analytic=float(local), numerical=d
                )
                notes.append("\n" + note)
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
            notes.append("\n" + text("check.unrecorded", i=i, numerical=rows[i].numerical))
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
