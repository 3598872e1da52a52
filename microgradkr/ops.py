"""The scalar op table: each op one ``Op`` record (forward, local-gradient rule, symbol, pattern).

The rule ``local(*inputs, out)`` is written with plain arithmetic, so it runs on floats in the
forward pass (the local gradients a node keeps) and on Values when the gradient's own graph is
wanted (higher-order gradients). Backward, the diagrams and forward mode all read these records.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .i18n import text

DISTRIBUTOR = "distributor"  # add: upstream passes unchanged to every input
SWITCHER = "switcher"  # mul: each input gets upstream x the other input
ROUTER = "router"  # max: the whole upstream goes to the larger input
CHAIN = "chain"  # every other op: upstream x its local derivative


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
    return math.log(x) if isinstance(x, float) else x.log()


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
    if not (isinstance(x, float) and isinstance(y, float)):  # Values: the gradient's graph
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
        raise ValueError(text("err.pow.exponent_gradient"))
    return _pow(x, y)


def _pow(x: float, k: float) -> float:
    """x^k as math.pow, but with one rule for every size of x: a negative base with a finite
    non-integer exponent is a domain error (math.pow lets -inf ** 0.5 through as inf), and 0 to
    a negative power is a division by zero (as 0 ** -1 == 1 / 0, which the reciprocal refuses).
    Infinite exponents follow IEEE and PyTorch: 2 ** inf = inf, 0.5 ** inf = 0."""
    if x < 0.0 and math.isfinite(k) and not k.is_integer():
        raise ValueError(text("err.pow.negative_base", k=k))
    if x == 0.0 and k < 0.0:
        raise ZeroDivisionError(text("err.pow.zero_base", k=k))
    return math.pow(x, k)


ADD_LOCALS = (1.0, 1.0)
RELU_OFF, RELU_ON = (0.0,), (1.0,)  # relu's local gradients, shared by every relu node

ADD = Op("add", "+", DISTRIBUTOR, float.__add__, lambda x, y, out: ADD_LOCALS)
MUL = Op("mul", "*", SWITCHER, float.__mul__, lambda x, y, out: (y, x))
MAX = Op("max", "max", ROUTER, _max, _max_locals, kinked=True)


def _relu_locals(x: Any, out: Any) -> tuple[float]:
    """(1,) where x > 0 (or NaN), else (0,): one shared tuple each, so a relu node adds none."""
    return RELU_ON if _step(x) else RELU_OFF


RELU = Op("relu", "relu", ROUTER, lambda x: 0.0 if x <= 0.0 else x, _relu_locals, True)
ABS = Op("abs", "abs", CHAIN, abs, lambda x, out: (_sign(x),), kinked=True)


def _reciprocal(x: float) -> float:
    """1 / x; an OverflowError where that overflows (x subnormal), not an inf that x / y spreads
    as a wrong inf or nan (y * (1/x) where torch's y / x is finite)."""
    out = 1.0 / x
    if math.isinf(out) and math.isfinite(x):
        raise OverflowError(text("err.reciprocal_overflow"))
    return out


RECIPROCAL = Op("reciprocal", "1/x", CHAIN, _reciprocal, lambda x, out: (-out * out,))
EXP = Op("exp", "exp", CHAIN, math.exp, lambda x, out: (out,))
LOG = Op("log", "log", CHAIN, lambda x: math.log(x), lambda x, out: (1 / x,))
TANH = Op("tanh", "tanh", CHAIN, math.tanh, lambda x, out: (1 - out * out,))
SIGMOID = Op("sigmoid", "σ", CHAIN, _sigmoid, lambda x, out: (out * (1 - out),))
POW = Op("pow", "**", CHAIN, _pow_forward, _pow_locals)

ADD_N = Op("add", "+", DISTRIBUTOR, lambda *xs: sum(xs), lambda *xs: ones(len(xs) - 1))


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
# Misses change the tables one thread at a time: two threads evicting at once would both delete
# the same oldest key (KeyError). Hits read without it (a dict's get is atomic).
_MEMO_LOCK = threading.Lock()


def _memo(table: dict[Any, Any], key: Any, make: Callable[[], Any]) -> Any:
    """table[key], made by ``make()`` on a miss; the oldest entry goes past ``MEMO_LIMIT``."""
    with _MEMO_LOCK:
        value = table.get(key)
        if value is None:
            if len(table) >= MEMO_LIMIT:
                del table[next(iter(table))]
            value = table[key] = make()
    return value


def ones(n: int) -> tuple[float, ...]:
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
        lambda x, out: (_pow_local(x, k),) if isinstance(x, float) else (k * x ** (k - 1),),
    )
