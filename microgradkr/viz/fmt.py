"""Numbers, arrays and VJP notes as text, the same for every renderer."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..i18n import Words
from ..tensor import Tensor
from .style import MAX_LABEL, PATTERNS, SMALL

# -- what the picture shows: which gradients are known ---------------------------------------

Node = Any  # a Value or a Tensor: the two node kinds draw the same way


# -- labels ---------------------------------------------------------------------------------


def num(x: float, precision: int) -> str:
    """x to ``precision`` significant digits; never '-0'."""
    return f"{x:.{precision}g}" if x != 0.0 else "0"


def plain(x: Any) -> Any:
    """The numbers of a gradient: a Tensor's ndarray (after create_graph), else x itself."""
    return x.data if isinstance(x, Tensor) else x


def arr(a: Any, p: int) -> str:
    """A small array to ``p`` significant digits, rows on their own lines; a scalar as a number."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return num(float(a), p)
    return np.array2string(
        a,
        separator=", ",
        threshold=SMALL + 1,
        max_line_width=60,
        formatter={"float_kind": lambda v: num(float(v), p)},
    )


def norm(a: Any, p: int) -> str:
    return num(float(np.linalg.norm(np.asarray(a, dtype=np.float64))), p)


def grad_text(g: Any, p: int, t: Words) -> str:
    """A gradient's numbers when small, else its shape and norm: '(100, 50), norm 3.2'."""
    g = np.asarray(g)
    return arr(g, p) if g.size <= SMALL else f"{g.shape}, {t['norm']} {norm(g, p)}"


def short(label: Any, limit: int = MAX_LABEL) -> str:
    """Any label as text (``str()`` of a number), cut to ``limit`` characters with an ellipsis."""
    text = label if isinstance(label, str) else str(label)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pattern_text(pattern: str, t: Words) -> str:
    """The gate pattern's name in the language; an Op's own pattern by its own name."""
    return t[pattern] if pattern in PATTERNS else short(pattern, 40)


def axes_text(axes: tuple[int, ...] | None, t: Words) -> str:
    if axes is None:
        return t["all_axes"]
    if len(axes) == 1:
        return t["axis"].format(n=axes[0])
    return t["axes"].format(n=", ".join(map(str, axes)))


def reduction(node: Tensor, t: Words) -> str:
    """'over axis 1' for a reduction (sum, mean, max: args = (axes, keepdims)), else ''."""
    args = node._args
    if len(args) == 2 and isinstance(args[1], bool) and isinstance(args[0], tuple | None):
        return t["over"].format(axes=axes_text(args[0], t))
    return ""


def input_name(node: Tensor, j: int, n: int, p: int) -> str:
    """How a VJP formula names input j: its label, its number if it has one, else a or b."""
    if node.label:
        return short(node.label, 40)
    if node.data.size == 1:
        return num(float(node.data.reshape(-1)[0]), p)
    return "x" if n == 1 else "ab"[j] if j < 2 else f"x{j}"


def summed_axes(node: Tensor, j: int) -> tuple[int, ...]:
    """The axes the VJP on edge j was summed over because input j was broadcast forward."""
    g = node.grad if node.grad is not None else np.zeros_like(node.data)
    xs = [q.data for q in node._prev]
    assert node.op is not None
    raw = np.shape(node.op.vjps[j](plain(g), *xs, node.data, *node._args))
    shape = xs[j].shape
    lead = len(raw) - len(shape)
    if lead < 0 or raw == shape:
        return ()
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and raw[lead + i] != 1
    )


class Fields(dict[str, str]):
    """The names a VJP note may use; any other {name} is left as it is written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_SPACES = re.compile(r" {2,}")


def vjp_rule(node: Tensor, j: int, t: Words, p: int) -> str:
    """Edge j's VJP as written in the op's notes (in ``t``'s language) with the inputs' names."""
    op = node.op
    assert op is not None
    if j >= len(op.notes):
        return op.symbol
    n = len(node._prev)
    names = [input_name(q, i, n, p) for i, q in enumerate(node._prev[:2])]
    names += [""] * (2 - len(names))
    k = node._args[0] if len(node._args) == 1 else None
    power = {}
    if isinstance(k, float | int):  # x ** k: 'g * 2 q' for a square, 'g * 3 q^2' for a cube
        power = {"k": num(k, p), "power": "" if k == 2 else f"^{num(k - 1, p)}"}
    fields = Fields(a=names[0], b=names[1], axis=reduction(node, t), **power)
    rule = t.note(op.notes[j]).format_map(fields)
    return _SPACES.sub(" ", rule).strip()  # an empty {axis} leaves two spaces in a Korean note
