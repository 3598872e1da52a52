"""Differential fuzz of dtypes: every registered Tensor op on int64 and on bool tensors, and every
two-input op on mixed pairs (float32 with float64, 0-d and with dims; int64 or bool with a
float), against torch.

torch runs with ``torch.set_default_dtype(torch.float64)``: this library's default float is
float64 (tensor_input.py's rule), so an int64 tensor's exp is float64 here and float32 in a
default torch; with the default set, the dtypes must agree exactly. Compared: the result's
dtype, shape and numbers (integers exactly; floats as in test_fuzz_tensors.py), and the
gradient of every float input (its dtype too); where torch refuses a dtype ("not implemented
for 'Bool'", "Integers to negative integer powers are not allowed"), ours must raise a typed
error (TypeError / ValueError) naming the op.

Differences on purpose: matmul (and the affine layer) of two dtypes promotes as the other ops
do (an int64 batch times float32 weights), where torch refuses ("expected m1 and m2 to have the
same dtype"), so its twin here casts both to torch's promoted dtype first. An op refuses a
dtype for empty tensors too, where torch calls no kernel and so refuses nothing. torch's pow
backward fails for a bool exponent (it subtracts 1 from it): only the value is compared there.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgradkr import Tensor
from microgradkr.testing import TENSOR_REGISTRY

torch = pytest.importorskip("torch", reason="the differential fuzz compares against PyTorch")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

from fuzz_inputs import (  # noqa: E402 (after the skip)
    COUNT,
    INTEGERS,
    examples,
    finite,
    mismatches,
    tolerances,
)
from test_fuzz_tensors import (  # noqa: E402
    ACCUMULATING,
    ONE_SHAPE,
    OPS,
    OURS,
    SETTINGS,
    TAKES_NUMBERS,
    THEIRS,
    draw_case,
)
from torch_twins import TORCH_TENSOR  # noqa: E402 (needs torch)

INTS = [np.dtype(np.int64), np.dtype(np.bool_)]
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
# (first, second): float32 with float64 both ways, and an int64 / bool with a float
PAIRS = [(F32, F64), (F64, F32), (INTS[0], F32), (F64, INTS[1]), (INTS[1], INTS[0])]
TWO_INPUTS = [n for n in OPS if TENSOR_REGISTRY[n].arity == 2]
# int exponents as well as the registry's float ones: int64 ** 2 stays int64, ** -1 is refused
INT_POWERS = st.sampled_from([0, 1, 2, 3, -1, -2, True, False, 2.0, 0.5, -1.0, 1.5])
INT_CLAMPS = st.sampled_from([(-1, 1), (None, 0), (0, None), (2, -2), (-1.0, 1.0), (None, 0.5)])


@contextmanager
def torch_default_float64() -> Iterator[None]:
    """torch with this library's default float (float64), restored after."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def _promoting(name: str) -> Any:
    """The torch twin; for matmul and affine, with the inputs cast to torch.result_type."""
    twin = TORCH_TENSOR[name]
    if name not in ("matmul", "affine"):
        return twin

    def cast_first(*xs: Any) -> Any:
        if any(x.dtype == torch.bool for x in xs):
            return twin(*xs)  # bool is refused either way
        dt = xs[0].dtype
        for x in xs[1:]:
            dt = torch.promote_types(dt, x.dtype)
        return twin(*(x.to(dt) for x in xs))

    return cast_first


def in_torch(name: str, arrays: list[np.ndarray], args: tuple[Any, ...]) -> Any:
    """(value, grads) of the torch twin, the float inputs requiring grad, or its error."""
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    with torch_default_float64():
        try:
            out = _promoting(name)(*ts, *args)
        except THEIRS as err:
            return err
        try:
            if out.requires_grad:
                out.backward(torch.ones_like(out))
        except RuntimeError:  # pow's backward subtracts 1 from a bool exponent: not compared
            return out.detach().numpy(), [None] * len(ts)
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in ts]


def compare_dtypes(name: str, arrays: list[np.ndarray], args: tuple[Any, ...]) -> None:
    """The registered op on Tensors of the arrays' dtypes against its torch twin."""
    COUNT["Tensor " + "/".join(sorted({a.dtype.name for a in arrays}))] += 1
    theirs = in_torch(name, arrays, args)
    xs = [Tensor(a.copy(), requires_grad=a.dtype.kind == "f", dtype=a.dtype) for a in arrays]
    where = f"{name}{args} of {[(a.dtype.name, a.tolist()) for a in arrays]}"
    try:
        with np.errstate(all="ignore"):
            out = TENSOR_REGISTRY[name].build(*xs, *args)
            if out.requires_grad:
                out.backward(np.ones(out.shape, dtype=out.dtype))
    except OURS as err:
        assert name in str(err) or " of " in str(err), f"error without the op: {err}"
        if isinstance(theirs, Exception):
            return  # both refuse
        if "not implemented for" in str(err) and min(a.size for a in [theirs[0], *arrays]) == 0:
            return  # torch calls no kernel for empty tensors, so refuses no dtype there
        assert not finite(theirs[0]), f"{where}: raised {err!r}; torch gives {theirs[0]!r}"
        return
    assert not isinstance(theirs, Exception), f"{where}: torch raises {theirs!r}, we give {out}"
    tvalue, tgrads = theirs
    assert out.shape == tvalue.shape, f"{where}: shape {out.shape}, torch {tvalue.shape}"
    assert out.dtype == tvalue.dtype, f"{where}: dtype {out.dtype}, torch {tvalue.dtype}"
    if out.dtype.kind != "f":
        assert np.array_equal(out.data, tvalue), f"{where} = {out.data!r}, torch {tvalue!r}"
        return
    rtol_dtype = out.dtype
    scale = None
    if name in ACCUMULATING:  # summation order: within rel tolerance of the sum of |terms|
        found = in_torch(name, [np.abs(a.astype(np.float64)) for a in arrays], args)
        scale = None if isinstance(found, Exception) else np.abs(found[0])
    bad = mismatches(out.data, tvalue, rtol_dtype, scale)
    assert not bad, f"{where} = {out.data!r}, torch {tvalue!r}: {bad}"
    for i, (x, tg) in enumerate(zip(xs, tgrads, strict=True)):
        if tg is None:
            continue
        assert x.grad is not None, f"{where}: no grad {i}, torch {tg}"
        g = np.asarray(x.grad)
        assert g.dtype == tg.dtype, f"{where}: grad {i} dtype {g.dtype}, torch {tg.dtype}"
        if name == "pow_tensor" and any(a.dtype.itemsize > out.dtype.itemsize for a in arrays):
            # torch masks 0 ** b's gradient by the float64 operand before its cast to float32
            # (5e-324 is not 0: NaN), and computes with the cast one; ours masks the cast one
            tg = np.where(np.isnan(tg), g, tg)
        g_scale = scale
        if name == "pow_tensor" and arrays[0].dtype != arrays[1].dtype and i == 0:
            # torch's backward takes b - 1 in b's own dtype (float32 b - 1 rounds by eps32):
            # its b a^(b-1) is off by up to eps32 |log a| relative; ours, in the promoted
            # float64, matches the exact value (mpmath) at a = 2.2e-308, b = float32(1e-6)
            with np.errstate(all="ignore"):
                loss = 2 * np.finfo(np.float32).eps * (1 + np.abs(np.log(np.abs(arrays[0]))))
            loss = np.where(np.isfinite(loss), loss, 0) / tolerances(out.dtype, grad=True)[0]
            g_scale = np.abs(tg) * np.maximum(1.0, loss)
            b = np.asarray(arrays[1])
            if b.dtype == np.float32:
                # and where b - 1 rounds to another integer (|b| > 2^24) a negative a's sign
                # (-1)^(b-1) flips with it: a = -1, b = 2^24+2 gives torch's +b, the exact -b ours
                flips = (np.asarray(arrays[0]) < 0) & (b - np.float32(1) != b.astype(float) - 1)
                g, tg = np.where(flips, np.abs(g), g), np.where(flips, np.abs(tg), tg)
        if np.all(np.isfinite(np.asarray(arrays[i], dtype=np.float64))) and g.shape == out.shape:
            bad = mismatches(g, tg, rtol_dtype, g_scale, grad=True)
            assert not bad, f"{where}: grad {i} {g!r}, torch {tg!r}: {bad}"


@pytest.mark.parametrize("dtype", INTS, ids=["int64", "bool"])
@pytest.mark.parametrize("name", OPS)
@settings(max_examples=examples(25), **SETTINGS)
@given(data=st.data())
def test_tensor_op_on_int_and_bool_matches_torch(name: str, dtype: Any, data: Any) -> None:
    """Every registered op with int64 or bool inputs: torch's dtype, its numbers, its refusals."""
    arrays, args = draw_case(data, name, dtype)
    if name == "pow":
        args = (data.draw(INT_POWERS, label="k"),)
    elif name == "clamp":
        args = data.draw(INT_CLAMPS, label="bounds")
    elif name == "cast":
        args = (data.draw(st.sampled_from([F64, F32]), label="to"),)
    compare_dtypes(name, arrays, args)


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a.name}-{b.name}" for a, b in PAIRS])
@pytest.mark.parametrize("name", TWO_INPUTS)
@settings(max_examples=examples(25), **SETTINGS)
@given(data=st.data())
def test_two_input_op_with_two_dtypes_matches_torch(name: str, pair: Any, data: Any) -> None:
    """float32 with float64 (0-d and with dims, the 0-d one taking the other's dtype), int64 or
    bool with a float: torch's promotion, numbers and gradients (maximum's ties after it)."""
    arrays, args = draw_case(data, name, None, dtypes=list(pair))
    compare_dtypes(name, arrays, args)


PLAIN = st.one_of(
    st.sampled_from([0, 1, -1, 2, 3, -7, 2**62, -(2**62), 0.5, -2.5, 0.0, -0.0, 1e308]),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-5.0, 5.0),
)


@pytest.mark.parametrize("dtype", INTS, ids=["int64", "bool"])
@pytest.mark.parametrize("name", [n for n in OPS if TAKES_NUMBERS[n]])
@settings(max_examples=examples(15), **SETTINGS)
@given(data=st.data())
def test_int_and_bool_tensor_with_a_plain_number_matches_torch(
    name: str, dtype: Any, data: Any
) -> None:
    """``int64 + 2`` stays int64, ``bool + 2`` is int64, ``int64 * 2.5`` float64, ``bool * True``
    bool: torch's rule for a Python number (a 0-d tensor of its own kind here), and its values."""
    entry = TENSOR_REGISTRY[name]
    i = data.draw(st.sampled_from(TAKES_NUMBERS[name]))
    shape = data.draw(ONE_SHAPE)
    arrays = [data.draw(hnp.arrays(dtype, shape, elements=INTEGERS[dtype]))]
    k = data.draw(PLAIN)
    # torch refuses int64 - True; we take True as 1, as Python does (test_fuzz_tensors.py)
    assume(not (name == "sub" and isinstance(k, bool)))
    COUNT[f"Tensor {dtype.name} and a number"] += 1
    with torch_default_float64():
        ts: list[Any] = [torch.tensor(arrays[0])] * entry.arity
        ts[i] = k if (name == "pow_tensor" and i == 1) else torch.tensor(k)  # t ** k: a number
        try:
            tvalue: Any = TORCH_TENSOR[name](*ts).numpy()
        except THEIRS as err:
            tvalue = err
    operands: list[Any] = [Tensor(arrays[0], dtype=dtype)] * entry.arity
    operands[i] = k
    where = f"{name} of {arrays[0].tolist()} ({dtype.name}) with {k!r} at {i}"
    try:
        with np.errstate(all="ignore"):
            out = entry.build(*operands)
    except OURS as err:
        assert isinstance(tvalue, Exception) or not finite(tvalue), f"{where}: {err!r}"
        return
    assert not isinstance(tvalue, Exception), f"{where}: torch raises {tvalue!r}, we give {out}"
    assert out.dtype == tvalue.dtype, f"{where}: dtype {out.dtype}, torch {tvalue.dtype}"
    if out.dtype.kind != "f":
        assert np.array_equal(out.data, tvalue), f"{where} = {out.data!r}, torch {tvalue!r}"
    else:
        bad = mismatches(out.data, tvalue, out.dtype)
        assert not bad, f"{where} = {out.data!r}, torch {tvalue!r}: {bad}"
