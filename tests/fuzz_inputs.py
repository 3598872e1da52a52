"""Shared pieces of the differential fuzz suites: extreme inputs, the comparison rules, a counter.

Imported by tests/test_fuzz_values.py and tests/test_fuzz_tensors.py (both skip without torch).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from typing import Any

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# How many generated cases ran, per suite; printed at the end of the session by conftest.py.
COUNT: Counter[str] = Counter()

INF, NAN = math.inf, math.nan

# The edges of float64: signed zeros, subnormals, the smallest normal, the largest finite, where
# exp overflows (709.8) and underflows to 0 (-745.1), and the non-finite ones.
EXTREMES_64 = (
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2e-308,
    -2.2e-308,
    1e-200,
    1e308,
    -1e308,
    1.7976931348623157e308,
    710.0,
    -710.0,
    745.0,
    -745.0,
    1e200,
    -1e200,
    NAN,
    INF,
    -INF,
    1.0,
    -1.0,
    2.0,
    0.5,
    -40.0,
    40.0,
)
# The same for float32: max 3.4e38, exp overflows past 88.7 and underflows past -103.9.
EXTREMES_32 = (
    0.0,
    -0.0,
    1e-45,
    -1e-45,
    1.2e-38,
    -1.2e-38,
    3.4e38,
    -3.4e38,
    89.0,
    -89.0,
    104.0,
    -104.0,
    1e20,
    -1e20,
    NAN,
    INF,
    -INF,
    1.0,
    -1.0,
    2.0,
    0.5,
    -20.0,
    20.0,
)

# The profile sets the amount: 100 examples (the default) is a factor of 1, and
# HYPOTHESIS_PROFILE=fuzz-long (max_examples=1000) runs ten times as many cases; FUZZ_SCALE=k
# sets the factor directly.
SCALE = float(os.environ.get("FUZZ_SCALE") or settings().max_examples / 100)


def examples(n: int) -> int:
    """``n`` examples in CI, scaled by the loaded hypothesis profile."""
    return max(1, int(n * SCALE))


def _floats64() -> Any:
    return st.one_of(
        st.sampled_from(EXTREMES_64),
        st.floats(-5.0, 5.0),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def _floats32() -> Any:
    return st.one_of(
        st.sampled_from(EXTREMES_32),
        st.floats(-5.0, 5.0, width=32),
        st.floats(allow_nan=True, allow_infinity=True, width=32),
    )


# Built once: hypothesis validates a strategy when it is first drawn from, which is most of the
# cost of a case when a strategy is built anew for each one.
FLOATS64 = _floats64()
FLOATS32 = _floats32()
NUMBERS = st.one_of(
    FLOATS64,
    st.integers(-(2**53), 2**53),
    st.sampled_from([0, 1, -1, 2, 3, -7]),
    st.booleans(),
    FLOATS32.map(np.float32),
    FLOATS64.map(np.float64),
    st.integers(-(2**62), 2**62).map(np.int64),
    st.sampled_from([0, 1, -3, 5]).map(np.int64),
)


# int64's edges (0, ±1, its extremes, where products wrap) with small ones; bool's two values
INT64_EDGES = (0, 1, -1, 2, -2, 3, -3, 7, 2**31, -(2**31), 2**62, -(2**62), 2**63 - 1, -(2**63))
INTEGERS = {
    np.dtype(np.int64): st.one_of(st.sampled_from(INT64_EDGES), st.integers(-5, 5)),
    np.dtype(np.bool_): st.booleans(),
}


def floats64() -> Any:
    """Extreme float64 numbers mixed with ordinary ones and with anything hypothesis finds."""
    return FLOATS64


def floats32() -> Any:
    """Extreme float32 numbers mixed with ordinary ones and with anything hypothesis finds."""
    return FLOATS32


def numbers_of_every_type() -> Any:
    """Operands a user may pass: Python ints and bools, numpy scalars, floats (extremes too)."""
    return NUMBERS


def tolerances(dtype: Any, grad: bool = False) -> tuple[float, float]:
    """(rtol, atol): rel 1e-12 for float64, 1e-5 for float32, a tiny atol near 0 for values (a
    sigmoid of -40 is 4e-18, and 0 there is wrong). Gradients written 1 - y*y or y (1 - y)
    (tanh, sigmoid) lose the digits of y below 1's last bit, so theirs is 4 ulps of 1."""
    eps = float(np.finfo(dtype).eps)
    if grad:
        return (1e-12, 4 * eps) if np.dtype(dtype) == np.float64 else (1e-5, 4 * eps)
    return (1e-12, 1e-300) if np.dtype(dtype) == np.float64 else (1e-5, 1e-37)


def mismatches(
    ours: Any,
    theirs: Any,
    dtype: Any = np.float64,
    scale: Any = None,
    nan_ok: Any = None,
    grad: bool = False,
) -> list[str]:
    """Where ``ours`` differs from ``theirs``: NaN positions, infinities with their sign, finite
    values within rtol (of ``scale`` when given: the sum of |terms| of an accumulation) + atol.

    Where ``nan_ok`` is True, a NaN of ours is accepted in place of any number of theirs.
    Where ``scale`` is not finite (the terms' sum overflows: summation order decides between a
    number, inf and nan) any result is accepted, except that a NaN of theirs must be ours too
    (or, where the sum is inf rather than nan, an inf: a fused multiply-add skips the overflow).
    A value within rtol of the largest finite number and an infinity of the same sign agree
    (rounding at the overflow edge differs between numpy and torch).
    """
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return [f"shape {a.shape} != {b.shape}"]
    rtol, atol = tolerances(dtype, grad)
    s = np.abs(b) if scale is None else np.asarray(scale, dtype=np.float64)
    # terms summed in float64 for the scale may still overflow the op's own dtype (float32)
    s = np.where(s > float(np.finfo(dtype).max), np.inf, np.broadcast_to(s, b.shape))
    ok_nan = np.zeros(b.shape, bool) if nan_ok is None else np.broadcast_to(nan_ok, b.shape)
    big = float(np.finfo(dtype).max) * (1 - 4 * rtol)
    out = []
    for i in np.ndindex(b.shape):
        x, y = float(a[i]), float(b[i])
        if not math.isfinite(s[i]):
            # a fused multiply-add (BLAS) never rounds a product to inf, so where the terms
            # overflow, one side's inf - inf = nan may be the other side's inf; a number is not
            fma = math.isinf(s[i]) and math.isinf(x)
            if math.isnan(y) and not math.isnan(x) and not fma:
                out.append(f"at {i}: {x!r}, torch nan")
            continue
        if math.isnan(x) and (math.isnan(y) or ok_nan[i]):
            continue
        if math.isnan(x) or math.isnan(y):
            out.append(f"at {i}: {x!r}, torch {y!r}")
        elif math.isinf(x) or math.isinf(y):
            near_edge = (math.isinf(x) and abs(y) >= big) or (math.isinf(y) and abs(x) >= big)
            if x != y and not (near_edge and math.copysign(1, x) == math.copysign(1, y)):
                out.append(f"at {i}: {x!r}, torch {y!r}")
        elif abs(x - y) > rtol * float(s[i]) + atol:
            out.append(f"at {i}: {x!r}, torch {y!r}")
    return out[:5]


def finite(x: Any) -> bool:
    """True when every number of x is finite."""
    return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64))))
