"""micrograd's way of making a node by hand: ``Value(data, (a, b), "*")``.

micrograd's ``Value`` takes its parents and its op's symbol, and the op's code then sets a
``_backward`` closure. Here the symbol names a row of the op table, so the node gets the same
local gradients as ``a * b`` would, and backward, ``_backward()`` and the diagrams work on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import checks_args, ops
from .engine import Value
from .ops import Op

_BY_SYMBOL: dict[str, Op] = {
    "+": ops.ADD,
    "*": ops.MUL,
    "tanh": ops.TANH,
    "exp": ops.EXP,
    "log": ops.LOG,
    "ReLU": ops.RELU,
    "relu": ops.RELU,
    "abs": ops.ABS,
    "sigmoid": ops.SIGMOID,
    "σ": ops.SIGMOID,
    "1/x": ops.RECIPROCAL,
    "max": ops.MAX,
}
_BINARY = (ops.ADD, ops.MUL, ops.MAX, ops.POW)
_POW = re.compile(r"\*\*\s*(.+)")


def op_for(symbol: str, arity: int) -> Op:
    """The op micrograd's symbol stands for: '+', '*', 'tanh', 'exp', 'ReLU', '**k', ..."""
    if symbol == "+" and arity > 2:
        return ops.ADD_N
    op = _BY_SYMBOL.get(symbol)
    if op is not None:
        return op
    if symbol == "**" and arity == 2:
        return ops.POW
    match = _POW.fullmatch(symbol)
    if match:
        try:
            return ops.pow_op(float(match.group(1)))
        except ValueError:
            pass
    known = ", ".join(repr(s) for s in [*_BY_SYMBOL, "**k"])
    raise ValueError(
        f"Value(..., _op={symbol!r}): no op with that symbol (known: {known}); "
        "to add an op, write an Op record or a microgradkr.Function"
    )


def micrograd_node(v: Value, children: Iterable[Any], symbol: str) -> None:
    """Make ``v`` the output of op ``symbol`` on ``children``, keeping ``v.data`` as given.

    The local gradients come from the op table at the children's values, as if the op had run.
    """
    if not isinstance(children, (tuple, list, set, frozenset)):
        raise TypeError(
            f"Value(data, _children, ...): _children must be a tuple of Values (or a str label), "
            f"got {type(children).__name__}"
        )
    prev = tuple(children)
    if not all(isinstance(p, Value) for p in prev):
        raise TypeError("Value(data, _children, ...): every child must be a Value")
    if not prev:
        raise ValueError(f"Value(..., _op={symbol!r}): an op node needs its _children")
    op = op_for(symbol, len(prev))
    arity = None if op is ops.ADD_N else 2 if op in _BINARY else 1
    if arity is not None and arity != len(prev):
        raise ValueError(
            f"Value(..., _op={symbol!r:.80}): {op.name} takes {arity} children, got {len(prev)} "
            "(micrograd keeps children in a set, so x * x has one: pass a tuple (x, x))"
        )
    v.op = op
    v._edges = (*prev, *op.local(*[p.data for p in prev], v.data))


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR", **options: Any) -> Any:
    """micrograd's ``draw_dot(root, format='svg', rankdir='LR')``: ``draw`` with its format set."""
    checks_args.node("draw_dot", "root", root)
    if not isinstance(format, str):
        raise TypeError(f"draw_dot: format must be a str such as 'svg', got {format!r:.60}")
    if not isinstance(rankdir, str) or rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_dot: rankdir must be 'LR' or 'TB', got {rankdir!r:.80}")
    from . import viz  # lazily: importing the engine never needs graphviz

    diagram = viz.draw(root, rankdir=rankdir, **options)
    diagram.format = format
    return diagram
