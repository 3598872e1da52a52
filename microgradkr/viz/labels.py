"""The DOT pictures' labels: HTML-like tables and edge lines, escaped."""

from __future__ import annotations

import html
import re
from typing import Any

from ..i18n import Words
from .checks import Check
from .fmt import grad_text, short
from .scene import SceneEdge, why
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


def edge_label(local: str, edge: SceneEdge | None, active: bool, t: Words) -> list[str]:
    """Two lines: the local gradient (blue) and the global one sent along the edge (red)."""
    line1 = coloured(f"{t['local']} {local}", LOCAL_COLOUR)
    return [line1, coloured(*global_line(edge, active, t))]


def global_line(edge: SceneEdge | None, active: bool, t: Words) -> tuple[str, str]:
    """The global gradient sent along an edge, and its colour: 'global -8 = -4 × 2' if active."""
    if edge is None or edge.sent is None:
        return t["unknown"], UNKNOWN_COLOUR
    text = f"{t['global']} {edge.sent}"
    if active:  # the step being shown spells out the chain rule
        text += f" = {edge.up} × {edge.local}"
    return text, GLOBAL_COLOUR


def grad_line(grad: str | None, partial: bool, t: Words) -> tuple[str, str]:
    """A value's gradient (the scene's text) and its colour: 'grad 1 (so far)', 'grad ?'."""
    if grad is None:
        return t["grad"] + " ?", UNKNOWN_COLOUR
    so_far = f" ({t['so_far']})" if partial else ""
    return f"{t['grad']} {grad}{so_far}", GLOBAL_COLOUR


def tensor_edge_label(edge: SceneEdge, sent: bool, t: Words) -> tuple[list[str], bool]:
    """The VJP rule of the edge (blue), the gradient it sends (red), any broadcast sum (True)."""
    lines = [coloured(esc(f"{t['vjp']} {edge.local}"), LOCAL_COLOUR)]
    if edge.no_grad:
        return lines + [coloured(t["no_grad"], UNKNOWN_COLOUR)], False
    if not sent or edge.sent is None:
        lines.append(coloured(t["unknown"], UNKNOWN_COLOUR))
    else:
        lines.append(coloured(esc(f"{t['global']} {edge.sent}"), GLOBAL_COLOUR))
    if edge.summed:
        lines.append(esc(t["summed"].format(axes=edge.summed)))
    return lines, bool(edge.summed)


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


def check_lines(check: Check, t: Words, p: int) -> list[str]:
    """What an edge says about its check: nothing when it agrees."""
    if check.verdict == "bad":
        n = check.numerical
        text = grad_text(n, p, t)
        return [coloured(esc(t["mismatch"].format(n=text)), CHECK_COLOUR)]
    if check.verdict == "kink":
        return [coloured(esc(t["kink"]), UNKNOWN_COLOUR)]
    if check.verdict == "skip":
        return [coloured(esc(t["unchecked"].format(why=why(check, t, p))), UNKNOWN_COLOUR)]
    return []
