"""Value: a scalar node that keeps its local gradients, built from the op table in ``ops``.

``apply(op, *inputs)`` runs an ``Op`` record's forward and local-gradient rule and keeps both on
the new node; add, mul and relu write those rules out inline (the hot path).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

from . import anomaly, checks_args, collector, grad_mode, graph
from .i18n import CATALOG, text
from .ops import (
    ABS,
    ADD,
    ADD_N,
    AFFINE,
    EXP,
    LOG,
    MAX,
    MUL,
    POW,
    RECIPROCAL,
    RELU,
    SIGMOID,
    TANH,
    Op,
    ones,
    pow_op,
)

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


def _where(nodes: tuple[Value, ...]) -> str:
    labels = [n.label for n in nodes if n.label]
    if not labels:
        return text("err.where.unlabelled")
    return text("err.where.node", labels=", ".join(repr(s) for s in labels))


# Python's own words for a math error, said in the current language (math's text is English)
MATH_REASONS = {
    "math domain error": "err.math_domain",
    "math range error": "err.math_range",
    "float division by zero": "err.zero_division",
}


def _domain_error(op: Op, nodes: tuple[Value, ...], err: Exception) -> Exception:
    """The same kind of error, naming the op, the input values and the nodes' labels."""
    values = ", ".join(repr(n.data) for n in nodes)
    key = MATH_REASONS.get(str(err))
    reason = text(key) if key else str(err)
    word = f"trace.op.{op.name}"  # the op's name as the trace says it (역수 for reciprocal)
    name = text(word) if word in CATALOG["en"] else op.name
    return type(err)(text("err.domain", op=name, values=values, where=_where(nodes), reason=reason))


def apply(op: Op, *inputs: Value) -> Value:
    """A new node ``op(*inputs)`` that keeps its local gradients (works for any ``Op``)."""
    try:  # free when the arguments are right; else say which is wrong
        xs = [v.data for v in inputs]
        out = float(op.forward(*xs))
        local = tuple(op.local(*xs, out))
    except (ArithmeticError, ValueError) as err:
        raise _domain_error(op, inputs, err) from None
    except (AttributeError, TypeError):  # a Tensor's or an array's data among the Values
        if isinstance(op, Op) and all(isinstance(v, Value) for v in inputs):
            raise
        raise TypeError(
            f"apply needs an Op and Values, got {type(op).__name__} and "
            f"{[type(v).__name__ for v in inputs]}"
        ) from None
    return _node(out, op, inputs, local)


def _0d(x: Any) -> bool:
    return getattr(x, "ndim", 1) == 0  # a 0-d array is Iterable, and iterating it fails


def add_n(values: Iterable[Operand]) -> Value:
    """x1 + x2 + ... + xn as one add gate with n inputs (a distributor: every local gradient is 1).

    One node instead of n - 1 chained ones, so a neuron's weighted sum stays small and fast.
    """
    if not isinstance(values, Iterable) or isinstance(values, (str, dict)) or _0d(values):
        raise TypeError(f"add_n: values must be a list of Values or numbers, got {values!r:.60}")
    inputs = tuple(v if isinstance(v, Value) else _wrap(v) for v in values)
    if not inputs:
        raise ValueError("add_n needs at least one value")
    return _node(sum([v.data for v in inputs]), ADD_N, inputs, ones(len(inputs)))


def affine(ws: Sequence[Value], xs: Sequence[Operand], b: Value) -> Value:
    """b + sum_i w_i x_i as one gate: a neuron before its activation (DLfS's Affine, one output).

    Parents are (b, w0, x0, w1, x1, ...). One node instead of 2n, so a scalar MLP trains fast.
    """
    if not isinstance(b, Value) or not isinstance(ws, Sequence) or not isinstance(xs, Sequence):
        raise TypeError(
            "affine needs ws (a list of Values), xs (a list) and b (a Value), got "
            f"{type(ws).__name__}, {type(xs).__name__} and {type(b).__name__}"
        )
    if not all(isinstance(w, Value) for w in ws):
        raise TypeError("affine: ws must be a list of Values (the weights)")
    return affines([(ws, b)], xs)[0]


def affines(neurons: Sequence[tuple[Sequence[Value], Value]], xs: Sequence[Operand]) -> list[Value]:
    """[affine(ws, xs, b) for ws, b in neurons]: a layer's neurons share the work on ``xs``."""
    n = len(xs)
    xv = [x if isinstance(x, Value) else _wrap(x) for x in xs]
    xd = [x.data for x in xv]
    out = []
    for ws, b in neurons:
        if len(ws) != n:
            raise ValueError(f"affine needs as many weights as inputs, got {len(ws)} and {n}")
        k = 2 * n + 1  # parents (b, w0, x0, w1, x1, ...), then their local gradients
        edges: list[Any] = [1.0] * (2 * k)
        edges[0], edges[1:k:2], edges[2:k:2] = b, ws, xv
        if _detour[0]:
            out.append(apply(AFFINE, *edges[:k]))
            continue
        # AFFINE's rules, written with slices (one node per neuron is the fused MLP's hot path)
        wd = [w.data for w in ws]
        edges[k + 1 :: 2], edges[k + 2 :: 2] = xd, wd
        v = _new(Value)
        v.data = sum(map(float.__mul__, wd, xd), b.data)
        v.grad = 0.0
        v.op = AFFINE
        v._edges = tuple(edges)
        out.append(v)
    return out


def _apply1(op: Op, a: Value) -> Value:
    """apply() for one input, without the tuple packing (the hot path)."""
    x = a.data
    try:
        out = op.forward(x)
        local = op.local(x, out)
    except (ArithmeticError, ValueError) as err:
        raise _domain_error(op, (a,), err) from None
    return _node(out, op, (a,), local)


def _apply2(op: Op, a: Value, b: Value) -> Value:
    """apply() for two inputs, without the tuple packing (the hot path)."""
    x, y = a.data, b.data
    try:
        out = op.forward(x, y)
        local = op.local(x, y, out)
    except (ArithmeticError, ValueError) as err:
        raise _domain_error(op, (a, b), err) from None
    return _node(out, op, (a, b), local)


def _as_float(data: Any) -> float:
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    raise TypeError(f"Value needs a real number, got {type(data).__name__}: {data!r:.80}")


def _upstream(grad: Any) -> float:
    """backward's ``grad`` as a float: a Value's upstream gradient is one number."""
    if isinstance(grad, numbers.Real):
        return float(grad)
    shape = getattr(grad, "shape", None)
    if shape == ():  # a 0-d array or tensor holds one number
        return _upstream(grad.item() if hasattr(grad, "item") else grad.data.item())
    what = f"{type(grad).__name__} of shape {shape}" if shape is not None else type(grad).__name__
    raise TypeError(
        f"backward(grad=...) of a Value needs one number (dL/d(this node)), got {what}:"
        f" {grad!r:.80}"
    )


def _data(x: Any) -> float:
    """The number behind a Value or a real number, for comparisons."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"cannot compare a Value with {type(x).__name__}: {x!r}")


def _wrap(x: Any) -> Value:
    """A Value as it is, a number as a constant leaf."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(float(x))
    raise checks_args.operand_error("Value", x)


class Value(graph.GraphNode):
    """A scalar node: ``data``, ``grad`` = dL/d(this node), and what made it.

    ``op`` is the ``Op`` that made the node (None for a leaf), ``_prev`` its parents (one entry
    per use, so ``x * x`` has two edges to ``x``) and ``_local`` d(this)/d(parent) for each,
    computed in the forward pass. Both live in one tuple, ``_edges`` = (*parents, *locals): one
    object per node instead of two (p * q: 168 bytes, not 216; fewer cache misses in backward).
    Nothing here points back at the node itself, so a dropped graph is freed by reference
    counting alone.
    """

    __slots__ = ("data", "grad", "op", "_edges", "_label")
    _EMPTY_GRAD = 0.0
    _LOCALS_ON_NODE = True

    def __init__(self, data: Number, _children: Any = (), _op: str = "", label: str = "") -> None:
        """``Value(2.0, "x")`` labels a leaf; micrograd's ``Value(data, (a, b), "*")`` makes an
        op node from known parents (see ``compat.micrograd_node``)."""
        if isinstance(_children, str):  # Value(2.0, "x"): the second argument is the label
            _children, label = (), _children
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self._label = label
        self.op: Op | None = None
        self._edges: tuple[Any, ...] = ()
        if _children or _op:
            from .compat import micrograd_node  # lazily: compat builds on this module

            micrograd_node(self, _children, _op)

    # -- the primitive gates ------------------------------------------------------------------
    # add, mul and relu are most of a network's nodes: each builds its node in this one call,
    # with ADD's, MUL's and RELU's rules written out (tests/test_speed_invariants.py holds them
    # equal to the table); under detect_anomaly, and for every other op, apply's path.
    def __add__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _wrap(other)
        if _detour[0]:
            return _apply2(ADD, self, other)
        v = _new(Value)
        v.data = self.data + other.data
        v.grad = 0.0
        v.op = ADD
        v._edges = (self, other, 1.0, 1.0)  # ADD's local gradients
        return v

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _wrap(other)
        if _detour[0]:
            return _apply2(MUL, self, other)
        x = self.data
        y = other.data
        v = _new(Value)
        v.data = x * y
        v.grad = 0.0
        v.op = MUL
        v._edges = (self, other, y, x)
        return v

    def reciprocal(self) -> Value:
        """1 / x, local gradient -1/x^2."""
        return _apply1(RECIPROCAL, self)

    def exp(self) -> Value:
        """e^x, local gradient e^x."""
        return _apply1(EXP, self)

    def max(self, other: Operand) -> Value:
        """max(x, y): a router; a tie sends half of the gradient to each side; NaN propagates."""
        return _apply2(MAX, self, _wrap(other))

    def relu(self) -> Value:
        """max(x, 0), local gradient 1 where x > 0 else 0 (0 at 0, as PyTorch)."""
        if _detour[0]:
            return _apply1(RELU, self)
        x = self.data
        v = _new(Value)
        if x <= 0.0:
            v.data = 0.0
            v._edges = (self, 0.0)  # the parent, then its local gradient
        else:  # NaN too: it passes through with local gradient 1, as _step says
            v.data = x
            v._edges = (self, 1.0)
        v.grad = 0.0
        v.op = RELU
        return v

    # -- built from the primitives, so the graph shows their gates -----------------------------
    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Operand) -> Value:
        try:
            return self + (-other)
        except TypeError:  # -None: name the - that was called, not the unary one
            raise checks_args.operand_error("Value", other) from None

    def __truediv__(self, other: Operand) -> Value:
        return self * _wrap(other).reciprocal()

    def __radd__(self, other: Operand) -> Value:
        return Value.__add__(_wrap(other), self)

    def __rmul__(self, other: Operand) -> Value:
        return Value.__mul__(_wrap(other), self)

    def __rsub__(self, other: Operand) -> Value:
        return _wrap(other) + (-self)

    def __rtruediv__(self, other: Operand) -> Value:
        if not isinstance(other, Value) and other == 1:
            return self.reciprocal()  # 1 / x is the reciprocal gate itself
        return _wrap(other) * self.reciprocal()

    # -- ops with a local gradient of their own -------------------------------------------------
    def __abs__(self) -> Value:
        """|x|, local gradient sign(x) (0 at 0, as PyTorch)."""
        return _apply1(ABS, self)

    def __pow__(self, other: Operand) -> Value:
        """x ** k for a number k (local k x^(k-1)), or x ** y for a Value y."""
        if isinstance(other, Value):
            return _apply2(POW, self, other)
        if isinstance(other, numbers.Real):
            return _apply1(pow_op(float(other)), self)
        raise TypeError(f"pow: exponent must be a number or a Value, got {type(other).__name__}")

    def __rpow__(self, other: Number) -> Value:
        return _apply2(POW, _wrap(other), self)

    def log(self) -> Value:
        """Natural log, local gradient 1/x."""
        return _apply1(LOG, self)

    def tanh(self) -> Value:
        """tanh x, local gradient 1 - tanh^2 x."""
        return _apply1(TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x) as one fused gate, local gradient s (1 - s)."""
        return _apply1(SIGMOID, self)

    # -- backward -------------------------------------------------------------------------------
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node this one depends on, by the chain rule from ``grad``.

        With ``create_graph=True`` each ``grad`` is a Value with its own graph, built from the
        ops' local-gradient rules, so it can be differentiated again.
        """
        if not isinstance(grad, Value):
            grad = _upstream(grad)
        if create_graph:
            graph.backward(self, grad if isinstance(grad, Value) else Value(grad), True)
        else:
            collector.pace(len(graph.backward(self, float(grad))))

    def _add_grad(self, g: Any) -> None:
        self.grad = _accumulate(self.grad, g)

    def _backprop(self) -> None:
        g = self.grad
        for parent, local in zip(self._prev, self._local, strict=True):
            parent.grad += local * g

    @property
    def _prev(self) -> tuple[Value, ...]:  # type: ignore[override]  # a slot in Tensor
        """The parents, one entry per use: the first half of ``_edges``."""
        edges = self._edges
        return edges[: len(edges) // 2]

    @property
    def _local(self) -> tuple[Any, ...]:
        """d(this node) / d(parent) for each parent: the second half of ``_edges``."""
        edges = self._edges
        return edges[len(edges) // 2 :]

    def _backprop_graph(self) -> None:
        """parent.grad += local * grad, with every term a Value (the gradient's own graph)."""
        assert self.op is not None
        g = self.grad
        for parent, local in zip(self._prev, self.op.local(*self._prev, self), strict=True):
            term = g if type(local) is float and local == 1.0 else local * g
            parent.grad = _accumulate(parent.grad, term)

    # -- what the node tells about itself -----------------------------------------------------
    @property
    def label(self) -> str:
        """The name shown in diagrams and errors; "" until one is given (op nodes start so)."""
        try:
            return self._label
        except AttributeError:  # op nodes are made without one: a store less per gate
            return ""

    @label.setter
    def label(self, value: str) -> None:
        self._label = value

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this node) / d(parent), one per parent, as computed in the forward pass."""
        return self._local

    # -- comparisons look at data; == stays identity so Values can live in sets and dicts -----
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    # numpy scalars on the left (np.float64(2) * v) defer to Value instead of converting it.
    __array_ufunc__ = None

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"


def _accumulate(grad: Any, term: Any) -> Any:
    """grad + term, where a float 0 (no gradient yet) is simply replaced: no 0 + term node."""
    return term if type(grad) is float and grad == 0.0 else grad + term


def _node(data: float, op: Op, prev: tuple[Value, ...], local: tuple[Any, ...]) -> Value:
    """An op's output node; skips __init__'s checks, the inputs being Values already."""
    if _anomaly_open[0] and anomaly.switch.enabled:
        anomaly.check_forward(op.name, prev, data)
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    if not grad_mode.switch.enabled:  # no_grad(): a constant, no graph
        op, prev, local = None, (), ()  # type: ignore[assignment]
    elif len(local) != len(prev):  # _edges would pair parents with the wrong gradients
        raise ValueError(f"{op.name}: {len(local)} local gradients for {len(prev)} inputs")
    v.op = op
    v._edges = (*prev, *local)
    return v


_new = object.__new__
_anomaly_open = anomaly.OPEN  # non-zero while a detect_anomaly block is open
_detour = grad_mode.DETOUR  # non-zero while some thread is in no_grad() or detect_anomaly()
