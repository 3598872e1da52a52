"""Differential fuzz: every Value op against torch.autograd (float64), ordinary and extreme inputs.

The ops are those of ``microgradkr.testing.REGISTRY`` (an op registered there is fuzzed here
automatically; ``tests/torch_twins.py`` must give its torch twin). Inputs mix ordinary floats
with the edges of float64 (±0, subnormals 5e-324 and 2.2e-308, ±1e308, ±710, ±745, NaN, ±inf)
and with Python ints and bools and numpy scalars (np.float32, np.float64, np.int64), both as
the data of a Value and as a plain operand (``Value(2.) * np.float32(3)``, ``3 + v``).

Compared: the value, the gradient of every input, the kind of error. Finite numbers agree
within rel 1e-12 (abs 1e-300 for values; 4 ulps of 1 for gradients, which tanh's 1 - y*y and
sigmoid's y (1 - y) lose), NaN with NaN, an infinity with the same infinity.

Policy where microgradkr deliberately differs from torch (DESIGN.md: "math domain errors name
the op and the value; never a silently wrong number"). "Typed error" means an ArithmeticError
(ZeroDivisionError, OverflowError) or a ValueError whose message starts "<op> of <value>":

    torch gives                          microgradkr gives
    ----------------------------------   ---------------------------------------------------
    a finite value and finite grads      the same numbers; never an error (one stated
                                           exception: a subnormal divisor, below)
    nan (an invalid input: log(-2),      the same nan, or a typed error (log of -2.0 raises
      (-1)**0.5, a**b with a < 0 where     ValueError; a**y with a < 0 and y a Value raises
      the grad w.r.t. b is nan)            ValueError: its gradient log(a) does not exist)
    ±inf (overflow: exp(710), 1e200**2;  the same ±inf, or a typed error (Python's math
      a pole: log(0), 1/0, 0**-1)          raises OverflowError / ValueError /
                                           ZeroDivisionError there)
    a nan or ±inf gradient               the same nan/±inf, or a typed error
    a nan value, finite gradients        the same gradients, or nan (a NaN's gradient
                                           carries no information)

    Per op: add sub mul neg radd rsub rmul add_n affine: the same numbers always (IEEE).
    div rdiv reciprocal inverse: 1/0 raises ZeroDivisionError / ValueError (torch: ±inf);
      1/b for a subnormal b raises OverflowError (torch: inf, or a finite a / b: we never
      give the nan of 0 * (1/b) or the inf of 1e-5 * (1/1e-310)). a / b is a * (1/b), the
      reciprocal gate (DESIGN.md): where 1/b**2 overflows (|b| < 1.5e-154) its gradient
      w.r.t. b is a * -inf, as torch's a * b.reciprocal(), which the fuzz then compares with
      (torch's fused a / b may still give a finite -a/b**2 there).
    exp rpow square cube powv: overflow raises OverflowError (torch: inf).
    log: log(0) and log(x < 0) raise ValueError (torch: -inf, nan).
    sqrt powv: a negative base raises ValueError (torch: nan), as does -inf ** 0.5; -inf to a
      negative non-integer power raises too (the one domain rule; torch: IEEE's 0).
    tanh sigmoid relu abs: the same numbers always (relu's gradient at NaN is 1, as torch's).
    max: NaN propagates, and its gradient goes to both sides (torch.maximum).
    powv: d/dy of 0 ** y is 0 for y >= 0 (torch); 0 ** NaN raises (torch: NaN gradient).

Amount: ``examples(n)`` generated examples per op in CI (profile "ci" or "dev", max_examples
100), each a batch of 8 cases compared with one elementwise torch call;
``HYPOTHESIS_PROFILE=fuzz-long`` (max_examples 1000) runs ten times as many, ``FUZZ_SCALE=k``
multiplies by k. The number of cases that ran is printed at the end of the session.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from microgradkr import Value
from microgradkr.testing import REGISTRY, Entry

torch = pytest.importorskip("torch", reason="the differential fuzz compares against PyTorch")
# numpy warns at overflow and at the mean of nothing; torch does not; both give inf or nan
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

from fuzz_inputs import (  # noqa: E402 (after the torch skip)
    COUNT,
    FLOATS64,
    NUMBERS,
    examples,
    finite,
    floats64,
    mismatches,
    numbers_of_every_type,
)
from torch_twins import TORCH  # noqa: E402 (needs torch)

OPS = sorted(REGISTRY)
TYPED = (ArithmeticError, ValueError)
# no explain phase: it is slow, and its report lists lines of the engine, not inputs
PHASES = [p for p in Phase if p is not Phase.explain]
NAMED = re.compile(r"^\w+ of ")  # "log of -2.0 at node 'x': math domain error"


def _positions_taking_numbers(entry: Entry) -> list[int]:
    """The argument positions of ``entry.build`` where a plain number may stand for a Value
    (in an op of two or more inputs: a unary op of a plain number is plain arithmetic)."""
    out = []
    for i in range(entry.arity if entry.arity > 1 else 0):
        args: list[Any] = [Value(1.0) for _ in range(entry.arity)]
        args[i] = 2.0
        try:
            if isinstance(entry.build(*args), Value):
                out.append(i)
        except (AttributeError, TypeError):
            pass
    return out


TAKES_NUMBERS = {name: _positions_taking_numbers(REGISTRY[name]) for name in OPS}
POSITIONS = {name: st.sampled_from(ps) for name, ps in TAKES_NUMBERS.items() if ps}


# Division is a product with the reciprocal gate (DESIGN.md). Where 1/b**2 overflows (|b| below
# 1.5e-154) the chain rule gives a * -inf, as torch's own a * b.reciprocal() does, where torch's
# fused a / b still finds a finite gradient; such a case is compared with the composite.
ALTERNATIVE = {
    "div": lambda a, b: a * torch.reciprocal(b),
    "rdiv": lambda a: 2 * torch.reciprocal(a),
}


def _one_over_overflows(x: Any) -> bool:
    x = float(x)
    return x != 0.0 and math.isfinite(x) and math.isinf(1.0 / x)


# Where the reciprocal gate refuses a subnormal divisor (OverflowError), torch's fused a / b may
# still be finite (0 / 5e-324 = 0): the typed error is the contract there, as 1/b is not a float.
RAISES_WHERE_TORCH_IS_FINITE = {
    "div": lambda a, b: _one_over_overflows(b),
    "rdiv": _one_over_overflows,
    "reciprocal": _one_over_overflows,
    # a negative base to a non-integer power is a domain error at any size, -inf too (where
    # torch's IEEE pow gives (-inf) ** -1.5 = 0)
    "powv": lambda a, b: float(a) < 0 and math.isfinite(float(b)) and not float(b).is_integer(),
}


def test_every_registered_value_op_has_a_torch_twin() -> None:
    assert set(REGISTRY) <= set(TORCH), sorted(set(REGISTRY) - set(TORCH))


def _in_torch(twin: Any, batch: list[list[Any]]) -> list[tuple[float, list[float]]]:
    """The twin's value and its gradients w.r.t. the Values among the args, for each case of
    ``batch`` (every case with Values at the same positions): one elementwise torch call."""
    first = batch[0]
    ts = [
        torch.tensor(
            [float(args[j]) for args in batch],
            dtype=torch.float64,
            requires_grad=isinstance(first[j], Value),
        )
        for j in range(len(first))
    ]
    tout = twin(*ts)
    if tout.requires_grad:
        tout.sum().backward()
    values = tout.detach().expand(len(batch)).tolist()
    grads = [
        [0.0] * len(batch) if t.grad is None else t.grad.tolist() for t in ts if t.requires_grad
    ]
    return [(v, [g[k] for g in grads]) for k, v in enumerate(values)]


def check_against_torch(name: str, batch: list[list[Any]]) -> None:
    """``REGISTRY[name].build(*args)`` (Values and plain numbers) against its torch twin, for
    each ``args`` of ``batch``."""
    for args, (tvalue, tgrads) in zip(batch, _in_torch(TORCH[name], batch), strict=True):
        check_one(name, args, tvalue, tgrads)


def check_one(name: str, args: list[Any], tvalue: float, tgrads: list[float]) -> None:
    COUNT["Value"] += 1
    try:
        out = REGISTRY[name].build(*args)
        out.backward()
    except TYPED as err:
        assert NAMED.match(str(err)), f"{type(err).__name__} without the op and value: {err}"
        allowed = RAISES_WHERE_TORCH_IS_FINITE.get(name, lambda *a: False)
        assert not finite([tvalue, *tgrads]) or allowed(*args), (
            f"{name}{tuple(args)} raised {type(err).__name__}: {err}; "
            f"torch gives {tvalue!r} with gradients {tgrads}"
        )
        return
    assert isinstance(out.data, float)
    alt = ALTERNATIVE.get(name)
    if alt is not None and (mismatches(out.data, tvalue) or _grad_mismatches(args, tvalue, tgrads)):
        [(tvalue, tgrads)] = _in_torch(alt, [args])  # the composite as torch would compute it
    bad = mismatches(out.data, tvalue)
    assert not bad, f"{name}{tuple(args)} = {out.data!r}, torch {tvalue!r}"
    grads = [a.grad for a in args if isinstance(a, Value)]
    bad = _grad_mismatches(args, tvalue, tgrads)
    assert not bad, f"d {name}{tuple(args)} = {grads}, torch {tgrads}: {bad}"
    assert all(isinstance(g, float) for g in grads)


def _grad_mismatches(args: list[Any], tvalue: float, tgrads: list[float]) -> list[str]:
    grads = [a.grad for a in args if isinstance(a, Value)]
    nan_ok = [tvalue != tvalue] * len(grads)  # a NaN's gradient may be NaN
    return mismatches(grads, tgrads, nan_ok=nan_ok if grads else None, grad=True)


# Mostly extreme and ordinary floats, sometimes an int, a bool or a numpy scalar. A generated
# example is a batch of BATCH cases, compared with one elementwise torch call: most of a case's
# cost is hypothesis's and torch's overhead, paid once per batch.
BATCH = 8
VALUE_OR_NUMBER = st.one_of(floats64(), numbers_of_every_type())


def _batches(n: int) -> Any:
    one = st.lists(VALUE_OR_NUMBER, min_size=n, max_size=n)
    return st.lists(one, min_size=BATCH, max_size=BATCH)


INPUTS = {n: _batches(n) for n in range(1, 9)}


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=examples(80), phases=PHASES)
@given(data=st.data())
def test_value_op_matches_torch(name: str, data: Any) -> None:
    n = REGISTRY[name].arity
    batch = data.draw(INPUTS[n] if n in INPUTS else _batches(n))
    check_against_torch(name, [[Value(x) for x in xs] for xs in batch])


PLAIN_CASES = st.lists(
    st.tuples(st.lists(FLOATS64, min_size=8, max_size=8), NUMBERS), min_size=BATCH, max_size=BATCH
)


@pytest.mark.parametrize("name", [n for n in OPS if TAKES_NUMBERS[n]])
@settings(max_examples=examples(40), phases=PHASES)
@given(data=st.data())
def test_value_op_with_a_plain_number_matches_torch(name: str, data: Any) -> None:
    """``Value(2.) * np.float32(3)``, ``3 + v``, ``True ** v``: a number in place of a Value."""
    entry = REGISTRY[name]
    i = data.draw(POSITIONS[name])
    batch = []
    for xs, number in data.draw(PLAIN_CASES):
        args: list[Any] = [Value(x) for x in xs[: entry.arity]]
        args[i] = number
        batch.append(args)
    check_against_torch(name, batch)


@pytest.mark.parametrize(
    "x", [5e-324, -0.0, 2.2e-308, 1e308, True, 7, -(2**60), 1.5, 0.1, 3, 2.5, -2]
)
def test_value_data_is_a_python_float_whatever_number_made_it(x: Any) -> None:
    import numpy as np

    ints = [np.int64(x)] if abs(x) < 2**62 else []
    for made in (x, np.float64(x), np.float32(x), *ints):
        v = Value(made)
        assert type(v.data) is float and v.data == float(made)
        assert type((v * made).data) is float and type((made + v).data) is float
