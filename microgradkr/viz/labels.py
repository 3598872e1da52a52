"""The DOT pictures' labels: HTML-like tables and edge lines, escaped."""

from __future__ import annotations

import html
import re
from typing import Any

from ..engine import Value
from ..tensor import Tensor
from ..trace import Step
from .checks import Check
from .fmt import Fields, axes_text, grad_text, input_name, num, reduction, short, summed_axes
from .state import State
from .style import (
    ACTIVE_FILL,
    BACKWARD_COLOUR,
    BACKWARD_FILL,
    CHECK_COLOUR,
    GLOBAL_COLOUR,
    LOCAL_COLOUR,
    UNKNOWN_COLOUR,
)

_PLAIN = re.compile(r"[\w .,:;+*/=()\-]*", re.ASCII)


def esc(text: str) -> str:
    """Text safe inside a Graphviz HTML-like label: <, >, &, quotes escaped, newlines as breaks."""
    if _PLAIN.fullmatch(text):
        return text  # the common case, labels like 'x0' or 'w1'
    text = "".join(c if c.isprintable() or c == "\n" else "\ufffd" for c in text)
    text = html.escape(text, quote=False).replace('"', "&quot;").replace("'", "&#39;")
    return text.replace("\n", "<br/>")


def label_text(label: Any) -> str:
    """A node's or module's label for the picture: text, cut if long, escaped."""
    return esc(short(label))


def coloured(text: str, colour: str) -> str:
    return f'<font color="{colour}">{text}</font>'


def edge_label(
    local: float, step: Step | None, index: int, active: bool, t: dict[str, str], p: int
) -> list[str]:
    """Two lines: the local gradient (blue) and the global one sent along the edge (red)."""
    line1 = coloured(f"{t['local']} {num(local, p)}", LOCAL_COLOUR)
    return [line1, coloured(*global_line(local, step, index, active, t, p))]


def global_line(
    local: float, step: Step | None, index: int, active: bool, t: dict[str, str], p: int
) -> tuple[str, str]:
    """The global gradient sent along an edge, and its colour: 'global -8 = -4 × 2' if active."""
    if step is None:
        return t["unknown"], UNKNOWN_COLOUR
    text = f"{t['global']} {num(step.edges[index].contribution, p)}"
    if active:  # the step being shown spells out the chain rule
        text += f" = {num(step.upstream, p)} × {num(local, p)}"
    return text, GLOBAL_COLOUR


def grad_line(node: Value, state: State, t: dict[str, str], p: int) -> tuple[str, str]:
    """A value's gradient as known in ``state`` and its colour: 'grad 1 (so far)', 'grad ?'."""
    grad = state.grads.get(node)
    if grad is None:
        return t["grad"] + " ?", UNKNOWN_COLOUR
    so_far = f" ({t['so_far']})" if node in state.partial else ""
    return f"{t['grad']} {num(grad, p)}{so_far}", GLOBAL_COLOUR


def tensor_edge_label(
    node: Tensor, j: int, state: State, t: dict[str, str], p: int
) -> tuple[list[str], bool]:
    """The VJP rule of the edge (blue), the gradient it sends (red), any broadcast sum (True)."""
    op = node.op
    assert op is not None
    n = len(node._prev)
    if j < len(op.notes):
        names = [input_name(q, i, n, p) for i, q in enumerate(node._prev[:2])]
        names += [""] * (2 - len(names))
        k = node._args[0] if len(node._args) == 1 else None
        power = {}
        if isinstance(k, float | int):  # x ** k: 'g * 2 q' for a square, 'g * 3 q^2' for a cube
            power = {"k": num(k, p), "power": "" if k == 2 else f"^{num(k - 1, p)}"}
        fields = Fields(a=names[0], b=names[1], axis=reduction(node, t), **power)
        rule = op.notes[j].format_map(fields).strip()
    else:
        rule = f"{op.symbol}"
    lines = [coloured(esc(f"{t['vjp']} {rule}"), LOCAL_COLOUR)]
    if not node._prev[j].requires_grad:
        return lines + [coloured(t["no_grad"], UNKNOWN_COLOUR)], False
    sent = state.sent.get(node)
    g = sent[j] if sent else None
    if g is None:
        lines.append(coloured(t["unknown"], UNKNOWN_COLOUR))
    else:
        lines.append(coloured(esc(f"{t['global']} {grad_text(g, p, t)}"), GLOBAL_COLOUR))
    axes = summed_axes(node, j)
    if axes:
        lines.append(esc(t["summed"].format(axes=axes_text(axes, t))))
    return lines, bool(axes)


def value_table(name: str, rows: list[str], highlight: bool, built: bool = False) -> str:
    """The name in bold on the left, the rows (data, grad) stacked: narrow, for long graphs."""
    fill, border = (ACTIVE_FILL, GLOBAL_COLOUR) if highlight else ("white", "#444444")
    if built and not highlight:
        fill, border = BACKWARD_FILL, BACKWARD_COLOUR
    head = f'<td rowspan="{len(rows)}"><b>{name}</b></td>' if name else ""
    lines = [
        f'<tr>{head if i == 0 else ""}<td align="left">{row}</td></tr>'
        for i, row in enumerate(rows)
    ]
    return (
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="2" color="{border}" '
        f'bgcolor="{fill}">{"".join(lines)}</table>>'
    )


def check_lines(check: Check, t: dict[str, str], p: int) -> list[str]:
    """What an edge says about its check: nothing when it agrees."""
    if check.verdict == "bad":
        n = check.numerical
        text = grad_text(n, p, t)
        return [coloured(esc(t["mismatch"].format(n=text)), CHECK_COLOUR)]
    if check.verdict == "kink":
        return [coloured(esc(t["kink"]), UNKNOWN_COLOUR)]
    if check.verdict == "skip":
        return [coloured(esc(t["unchecked"].format(why=check.why)), UNKNOWN_COLOUR)]
    return []
