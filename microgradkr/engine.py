"""Value: a scalar node that keeps its local gradients, and the op table it is built from.

Every op is one ``Op`` record: its forward function, its local-gradient rule, its symbol for the
diagram and its gate pattern. The rule ``local(*inputs, out)`` is written with plain arithmetic,
so it runs on floats in the forward pass (the local gradients kept on the node) and on Values
when the gradient's own graph is wanted (higher-order gradients).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from . import anomaly, collector, grad_mode, graph

DISTRIBUTOR = "distributor"  # add: upstream passes unchanged to every input
SWITCHER = "switcher"  # mul: each input gets upstream x the other input
ROUTER = "router"  # max: the whole upstream goes to the larger input
CHAIN = "chain"  # every other op: upstream x its local derivative

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: ``out = forward(*x)``, ``local(*x, out)`` = (d out / d x_i for each i)."""

    name: str
    symbol: str
    pattern: str
    forward: Callable[..., float]
    local: Callable[..., tuple[Any, ...]]
    kinked: bool = False  # not differentiable everywhere: the local gradient picks a branch
    in_backward: bool = False  # the twin a node gets when backward(create_graph=True) built it

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _log(x: Any) -> Any:
    """log for a float or a Value, so that a local rule can run on either."""
    return x.log() if isinstance(x, Value) else math.log(x)


def _step(x: Any) -> float:
    """0.0 where x <= 0, else 1.0 (relu's derivative; 0 at 0, 1 at NaN, as PyTorch)."""
    return 0.0 if float(x) <= 0.0 else 1.0


def _sign(x: Any) -> float:
    """d|x|/dx: -1, 0 or 1 (0 at 0, as PyTorch)."""
    x = float(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def _max(x: float, y: float) -> float:
    """max(x, y) with NaN propagating from either side (torch.maximum); Python's max does not."""
    if x != x or y != y:
        return math.nan
    return x if x >= y else y


def _max_locals(x: Any, y: Any, out: Any) -> tuple[float, float]:
    """d max(x, y) / d(x, y): all to the larger input, split evenly on a tie (torch.maximum).

    With a NaN neither x < y nor x > y holds, so, as torch.maximum, both inputs get 1.
    """
    x, y = float(x), float(y)
    if x == y:
        return (0.5, 0.5)
    return (0.0, 1.0) if x < y else (1.0, 0.0) if x > y else (1.0, 1.0)


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), written so that neither branch overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _pow_locals(x: Any, y: Any, out: Any) -> tuple[Any, Any]:
    """d x^y / dx = y x^(y-1), d x^y / dy = x^y log x (0 where x = 0 <= y, as PyTorch)."""
    if isinstance(x, Value) or isinstance(y, Value):
        zero = float(x) == 0.0 and float(y) >= 0.0
        return (y * x ** (y - 1), 0.0 if zero else out * _log(x))
    return (_pow_local(x, y), 0.0 if x == 0.0 and y >= 0.0 else out * math.log(x))


def _pow_local(x: float, k: float) -> float:
    """k x^(k-1) on floats; infinite where x = 0 and k < 1 (as PyTorch), 0 where k = 0."""
    if k == 0.0:
        return 0.0
    if x == 0.0 and k < 1.0:
        return math.inf
    try:
        return k * float(x ** (k - 1))
    except OverflowError:  # |k x^(k-1)| past the largest float: its sign, infinite (as torch)
        odd = x < 0.0 and (k - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, -k if odd else k)


def _pow_forward(x: float, y: float) -> float:
    if x < 0.0:
        raise ValueError("the gradient with respect to the exponent needs a base >= 0")
    return _pow(x, y)


def _pow(x: float, k: float) -> float:
    """x^k as math.pow, but with one rule for every size of x: a negative base with a finite
    non-integer exponent is a domain error (math.pow lets -inf ** 0.5 through as inf), and 0 to
    a negative power is a division by zero (as 0 ** -1 == 1 / 0, which the reciprocal refuses).
    Infinite exponents follow IEEE and PyTorch: 2 ** inf = inf, 0.5 ** inf = 0."""
    if x < 0.0 and math.isfinite(k) and not k.is_integer():
        raise ValueError(f"a negative base to the non-integer power {k!r} is not a real number")
    if x == 0.0 and k < 0.0:
        raise ZeroDivisionError(f"0 to the negative power {k!r} divides by zero")
    return math.pow(x, k)


_ONES = (1.0, 1.0)
_ZERO_1, _ONE_1 = (0.0,), (1.0,)  # relu's local gradients, shared by every relu node

ADD = Op("add", "+", DISTRIBUTOR, float.__add__, lambda x, y, out: _ONES)
MUL = Op("mul", "*", SWITCHER, float.__mul__, lambda x, y, out: (y, x))
MAX = Op("max", "max", ROUTER, _max, _max_locals, kinked=True)


def _relu_locals(x: Any, out: Any) -> tuple[float]:
    """(1,) where x > 0 (or NaN), else (0,): one shared tuple each, so a relu node adds none."""
    return _ONE_1 if _step(x) else _ZERO_1


RELU = Op("relu", "relu", ROUTER, lambda x: 0.0 if x <= 0.0 else x, _relu_locals, True)
ABS = Op("abs", "abs", CHAIN, abs, lambda x, out: (_sign(x),), kinked=True)


def _reciprocal(x: float) -> float:
    """1 / x; an OverflowError where that overflows (x subnormal), not an inf that x / y spreads
    as a wrong inf or nan (y * (1/x) where torch's y / x is finite)."""
    out = 1.0 / x
    if math.isinf(out) and math.isfinite(x):
        raise OverflowError("1/x overflows")
    return out


RECIPROCAL = Op("reciprocal", "1/x", CHAIN, _reciprocal, lambda x, out: (-out * out,))
EXP = Op("exp", "exp", CHAIN, math.exp, lambda x, out: (out,))
LOG = Op("log", "log", CHAIN, lambda x: math.log(x), lambda x, out: (1 / x,))
TANH = Op("tanh", "tanh", CHAIN, math.tanh, lambda x, out: (1 - out * out,))
SIGMOID = Op("sigmoid", "σ", CHAIN, _sigmoid, lambda x, out: (out * (1 - out),))
POW = Op("pow", "**", CHAIN, _pow_forward, _pow_locals)

ADD_N = Op("add", "+", DISTRIBUTOR, lambda *xs: sum(xs), lambda *xs: _ones(len(xs) - 1))


def _affine_forward(b: float, *wx: float) -> float:
    """b + w0 x0 + w1 x1 + ..., summed in that order (as a chain of add gates would)."""
    return sum(map(float.__mul__, wx[::2], wx[1::2]), b)


def _affine_locals(b: Any, *wx_out: Any) -> tuple[Any, ...]:
    """d/db = 1, d/dw_i = x_i, d/dx_i = w_i: each input gets the other factor, as in a mul gate."""
    wx = wx_out[:-1]
    swapped = list(wx)
    swapped[::2], swapped[1::2] = wx[1::2], wx[::2]
    return (1.0, *swapped)


AFFINE = Op("affine", "w·x+b", CHAIN, _affine_forward, _affine_locals)

# Memo tables keyed by a number the user chooses (a count of inputs, an exponent) hold at most
# this many entries, oldest out first: a node keeps its own tuple or Op alive, so evicting one
# only costs a rebuild, while an unbounded table grew by ~660 bytes per distinct exponent.
MEMO_LIMIT = 256

_ones_cache: dict[int, tuple[float, ...]] = {}


def _memo(table: dict[Any, Any], key: Any, make: Callable[[], Any]) -> Any:
    """table[key], made by ``make()`` on a miss; the oldest entry goes past ``MEMO_LIMIT``."""
    value = table.get(key)
    if value is None:
        if len(table) >= MEMO_LIMIT:
            del table[next(iter(table))]
        value = table[key] = make()
    return value


def _ones(n: int) -> tuple[float, ...]:
    """(1.0,) * n, one shared tuple per n: an add gate's local gradients cost no memory."""
    ones = _ones_cache.get(n)
    return ones if ones is not None else _memo(_ones_cache, n, lambda: (1.0,) * n)


_pow_ops: dict[float, Op] = {}


def pow_op(k: float) -> Op:
    """The op x -> x**k for a fixed number k (shared per exponent while k is in use)."""
    op = _pow_ops.get(k)
    return op if op is not None else _memo(_pow_ops, k, lambda: _make_pow_op(k))


def _make_pow_op(k: float) -> Op:
    return Op(
        "pow",
        f"**{k:g}",
        CHAIN,
        lambda x: _pow(x, k),
        lambda x, out: (k * x ** (k - 1),) if isinstance(x, Value) else (_pow_local(x, k),),
    )


def _where(nodes: tuple[Value, ...]) -> str:
    labels = [n.label for n in nodes if n.label]
    return "at node " + ", ".join(repr(s) for s in labels) if labels else "at an unlabelled node"


def _domain_error(op: Op, nodes: tuple[Value, ...], err: Exception) -> Exception:
    """The same kind of error, naming the op, the input values and the nodes' labels."""
    values = ", ".join(repr(n.data) for n in nodes)
    return type(err)(f"{op.name} of {values} {_where(nodes)}: {err}")


def apply(op: Op, *inputs: Value) -> Value:
    """A new node ``op(*inputs)`` that keeps its local gradients (works for any ``Op``)."""
    xs = [v.data for v in inputs]
    try:
        out = float(op.forward(*xs))
        local = tuple(op.local(*xs, out))
    except (ArithmeticError, ValueError) as err:
        raise _domain_error(op, inputs, err) from None
    return _node(out, op, inputs, local)


def add_n(values: Iterable[Operand]) -> Value:
    """x1 + x2 + ... + xn as one add gate with n inputs (a distributor: every local gradient is 1).

    One node instead of n - 1 chained ones, so a neuron's weighted sum stays small and fast.
    """
    inputs = tuple(v if isinstance(v, Value) else _wrap(v) for v in values)
    if not inputs:
        raise ValueError("add_n needs at least one value")
    return _node(sum([v.data for v in inputs]), ADD_N, inputs, _ones(len(inputs)))


def affine(ws: Sequence[Value], xs: Sequence[Operand], b: Value) -> Value:
    """b + sum_i w_i x_i as one gate: a neuron before its activation (DLfS's Affine, one output).

    Parents are (b, w0, x0, w1, x1, ...). One node instead of 2n, so a scalar MLP trains fast.
    """
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
        prev: list[Any] = [b] * (2 * n + 1)
        prev[1::2], prev[2::2] = ws, xv
        if _anomaly_open[0] or _grad_off[0]:
            out.append(apply(AFFINE, *prev))
            continue
        # AFFINE's rules, written with slices (one node per neuron is the fused MLP's hot path)
        wd = [w.data for w in ws]
        local = [1.0] * (2 * n + 1)
        local[1::2], local[2::2] = xd, wd
        v = _new(Value)
        v.data = sum(map(float.__mul__, wd, xd), b.data)
        v.grad = 0.0
        v.label = ""
        v.op = AFFINE
        v._prev = tuple(prev)
        v._local = tuple(local)
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
    raise TypeError(f"Value needs a real number, got {type(data).__name__}: {data!r}")


def _upstream(grad: Any) -> float:
    """backward's ``grad`` as a float: a Value's upstream gradient is one number."""
    if isinstance(grad, numbers.Real):
        return float(grad)
    shape = getattr(grad, "shape", None)
    if shape == ():  # a 0-d array or tensor holds one number
        return _upstream(grad.item() if hasattr(grad, "item") else grad.data.item())
    what = f"{type(grad).__name__} of shape {shape}" if shape is not None else type(grad).__name__
    raise TypeError(
        f"backward(grad=...) of a Value needs one number (dL/d(this node)), got {what}: {grad!r}"
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
    raise TypeError(f"cannot combine a Value with {type(x).__name__}: {x!r}")


class Value(graph.GraphNode):
    """A scalar node: ``data``, ``grad`` = dL/d(this node), and what made it.

    ``op`` is the ``Op`` that made the node (None for a leaf), ``_prev`` its parents (one entry
    per use, so ``x * x`` has two edges to ``x``) and ``_local`` d(this)/d(parent) for each,
    computed in the forward pass. Nothing here points back at the node itself, so a dropped graph
    is freed by reference counting alone.
    """

    __slots__ = ("data", "grad", "label", "op", "_prev", "_local")
    _EMPTY_GRAD = 0.0
    _LOCALS_ON_NODE = True

    def __init__(self, data: Number, _children: Any = (), _op: str = "", label: str = "") -> None:
        """``Value(2.0, "x")`` labels a leaf; micrograd's ``Value(data, (a, b), "*")`` makes an
        op node from known parents (see ``compat.micrograd_node``)."""
        if isinstance(_children, str):  # Value(2.0, "x"): the second argument is the label
            _children, label = (), _children
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self.label = label
        self.op: Op | None = None
        self._prev: tuple[Value, ...] = ()
        self._local: tuple[Any, ...] = ()
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
        if _anomaly_open[0] or _grad_off[0]:
            return _apply2(ADD, self, other)
        v = _new(Value)
        v.data = self.data + other.data
        v.grad = 0.0
        v.label = ""
        v.op = ADD
        v._prev = (self, other)
        v._local = _ONES
        return v

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _wrap(other)
        if _anomaly_open[0] or _grad_off[0]:
            return _apply2(MUL, self, other)
        x = self.data
        y = other.data
        v = _new(Value)
        v.data = x * y
        v.grad = 0.0
        v.label = ""
        v.op = MUL
        v._prev = (self, other)
        v._local = (y, x)
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
        if _anomaly_open[0] or _grad_off[0]:
            return _apply1(RELU, self)
        x = self.data
        v = _new(Value)
        if x <= 0.0:
            v.data = 0.0
            v._local = _ZERO_1
        else:  # NaN too: it passes through with local gradient 1, as _step says
            v.data = x
            v._local = _ONE_1
        v.grad = 0.0
        v.label = ""
        v.op = RELU
        v._prev = (self,)
        return v

    # -- built from the primitives, so the graph shows their gates -----------------------------
    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Operand) -> Value:
        return self + (-other)

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
        raise TypeError(f"exponent must be a number or a Value, got {type(other).__name__}")

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

    def _backprop_graph(self) -> None:
        """parent.grad += local * grad, with every term a Value (the gradient's own graph)."""
        assert self.op is not None
        g = self.grad
        for parent, local in zip(self._prev, self.op.local(*self._prev, self), strict=True):
            term = g if type(local) is float and local == 1.0 else local * g
            parent.grad = _accumulate(parent.grad, term)

    # -- what the node tells about itself -----------------------------------------------------
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
    v.label = ""
    if not grad_mode.switch.enabled:  # no_grad(): a constant, no graph
        op, prev, local = None, (), ()  # type: ignore[assignment]
    v.op = op
    v._prev = prev
    v._local = local
    return v


_new = object.__new__
_anomaly_open = anomaly.OPEN  # non-zero while a detect_anomaly block is open
_grad_off = grad_mode.OFF  # non-zero while some thread is in no_grad()
