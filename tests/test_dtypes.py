"""torch's dtype rules for int64 and bool tensors, and mixed float32/float64 pairs: one test per
silently wrong number or raw traceback found (each failed before its fix). Known values here;
the differential fuzz (tests/test_fuzz_tensors.py) compares every registered op with torch.

The rule (microgradkr/tensor_input.py): int64 and bool stay integers through the ops that can
(relu, conv2d, ``x ** 2``), ops with a float result compute in the default float, float64
(torch's is float32: the same numbers after ``torch.set_default_dtype(torch.float64)``), and a
dtype torch refuses is a TypeError naming the op and the dtype.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose, assert_array_equal

from microgradkr import Tensor, maximum, tensor
from microgradkr import functional as F
from microgradkr.testing import tensors


def _int(*values: int) -> Tensor:
    return tensor(list(values))


# -- int64: float results are float64, not truncated ------------------------------------------


def test_int_tensor_to_a_half_power_is_float_not_truncated() -> None:
    """Was: [2, 3, 4] ** 0.5 = [1, 1, 2] (int64). torch: [1.4142, 1.7321, 2.] (float)."""
    y = _int(2, 3, 4) ** 0.5
    assert y.dtype == np.float64
    assert_allclose(y.data, [math.sqrt(2), math.sqrt(3), 2.0], rtol=1e-15)
    z = _int(2, 3) ** 2.0  # a float exponent: a float result, as torch
    assert z.dtype == np.float64 and z.data.tolist() == [4.0, 9.0]
    w = _int(2, 3) ** 2  # an int exponent keeps int64
    assert w.dtype == np.int64 and w.data.tolist() == [4, 9]


def test_reciprocal_of_an_int_tensor_is_float() -> None:
    """Was: reciprocal of [2, 4] = [0, 0]. torch: [0.5, 0.25]."""
    y = _int(2, 4).reciprocal()
    assert y.dtype == np.float64 and y.data.tolist() == [0.5, 0.25]


def test_int_tensor_to_a_negative_int_power_is_refused() -> None:
    """Was: [2] ** -1 = [-9223372036854775808]. torch: "Integers to negative integer powers
    are not allowed"."""
    with pytest.raises(ValueError, match="negative integer powers.*int64"):
        _int(2, 4) ** -1
    assert (_int(2, 4) ** -1.0).data.tolist() == [0.5, 0.25]  # a float exponent is fine


def test_relu_of_an_int_tensor_stays_int64() -> None:
    """Was: float64. torch.relu keeps int64."""
    y = _int(-2, 0, 3).relu()
    assert y.dtype == np.int64 and y.data.tolist() == [0, 0, 3]


def test_conv2d_of_int_tensors_stays_int64() -> None:
    """Was: float64 (the default bias was float64 zeros). torch's CPU conv2d of int64 gives
    int64: here sum of x over each 2x2 window, with W all ones."""
    x = tensor(np.arange(9).reshape(1, 1, 3, 3))
    W = tensor(np.ones((1, 1, 2, 2), dtype=np.int64))
    y = F.conv2d(x, W)
    assert y.dtype == np.int64
    assert y.data.tolist() == [[[[8, 12], [20, 24]]]]
    with pytest.raises(TypeError, match="conv2d.*bool"):
        F.conv2d(x > 3, W > 0)


# -- bool: float results are float64, not float16 ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "fn"),
    [("exp", math.exp), ("log", math.log), ("sin", math.sin), ("sqrt", math.sqrt)]
    + [("tanh", math.tanh), ("sigmoid", lambda v: 1 / (1 + math.exp(-v)))],
)
def test_float_ops_of_a_bool_tensor_are_float64(name: str, fn: object) -> None:
    """Was: float16 (numpy's choice for bool; exp(True) = 2.71875), sigmoid a TypeError.
    torch: its default float (float32; float64 after set_default_dtype(float64))."""
    y = getattr(tensor([True, False]), name)()
    assert y.dtype == np.float64
    assert y.data[0] == fn(1.0)  # type: ignore[operator]
    assert y.data[1] == (-math.inf if name == "log" else fn(0.0))  # type: ignore[operator]


def test_bool_tensor_powers_follow_torch() -> None:
    """Was: bool ** 0.5 stayed bool. torch: float for a float exponent, int64 for an int one,
    bool for a bool one."""
    m = tensor([True, False])
    half = m**0.5
    assert half.dtype == np.float64 and half.data.tolist() == [1.0, 0.0]
    two = m**2
    assert two.dtype == np.int64 and two.data.tolist() == [1, 0]
    same = m**True
    assert same.dtype == np.bool_ and same.data.tolist() == [True, False]
    square = m.square()  # was bool (x * x is and)
    assert square.dtype == np.int64 and square.data.tolist() == [1, 0]


def test_negation_of_a_bool_tensor_is_refused_with_torch_advice() -> None:
    """Was: numpy's raw TypeError traceback. torch: "Negation ... on a bool tensor is not
    supported. If you are trying to invert a mask, use the `~` operator"."""
    for x in (Tensor(True), tensor([True, False])):
        with pytest.raises(TypeError, match="neg.*bool.*~"):
            _ = -x
    with pytest.raises(TypeError, match="sub.*bool"):
        tensor([True]) - tensor([False])
    assert (~tensor([True, False])).data.tolist() == [False, True]


def test_numbers_with_bool_and_int_tensors_keep_torch_dtypes() -> None:
    """Was: bool + 2 and int64 + True were float64. torch: int64 both; bool * True bool."""
    assert (tensor([True, False]) + 2).dtype == np.int64
    assert (_int(1, 2) + True).dtype == np.int64
    assert (tensor([True, False]) * True).dtype == np.bool_
    assert (_int(1, 2) * 2.5).dtype == np.float64  # the default float


# -- refused where torch refuses, with the op and the dtype named --------------------------------


def test_avg_pool2d_of_ints_is_torchs_integer_mean() -> None:
    """Was: numpy's _UFuncOutputCastingError rebuilt wrongly (a TypeError about its own
    constructor). torch: int64, the window's sum divided and truncated toward 0."""
    x = tensor([[[[-3, -3], [-3, -2]]]])
    y = F.avg_pool2d(x, 2)
    assert y.dtype == np.int64 and y.data.tolist() == [[[[-2]]]]  # -11 / 4 = -2.75
    assert F.avg_pool2d(-x, 2).data.tolist() == [[[[2]]]]
    with pytest.raises(TypeError, match="avg_pool2d.*bool"):
        F.avg_pool2d(x > 0, 2)


def test_softmax_and_mean_of_ints_are_refused() -> None:
    """Was: softmax of int64 an OverflowError from numpy; mean 2.0. torch: "not implemented
    for 'Long'" and "mean(): could not infer output dtype"."""
    with pytest.raises(TypeError, match="softmax.*int64.*double"):
        F.softmax(_int(1, 2, 3))
    with pytest.raises(TypeError, match="mean.*int64"):
        _int(1, 2, 3).mean()
    with pytest.raises(TypeError, match="mean.*bool"):
        (_int(1, 2) > 1).mean()
    assert (_int(1, 2, 3) > 1).double().mean().item() == 2 / 3  # torch's .float().mean()


def test_int_and_bool_tensors_cannot_require_grad() -> None:
    """torch: "Only Tensors of floating point and complex dtype can require gradients"."""
    for data in ([1, 2], [True]):
        with pytest.raises(TypeError, match="only floating point"):
            tensor(data, requires_grad=True)
        with pytest.raises(TypeError, match="only floating point"):
            tensor(data).requires_grad_()


# -- mixed float32 / float64: compared after promotion --------------------------------------------


@pytest.mark.parametrize("fn", [maximum, lambda a, b: a.minimum(b)])
def test_maximum_of_float32_and_a_0d_float64_ties_after_promotion(fn: object) -> None:
    """Was: grads [1, 1] and 0: the rule compared float32(0.1) with float64 0.1 (not equal),
    though the forward compared them in float32 (equal). torch: [0.5, 1] and 0.5 (maximum;
    minimum: [0.5, 0] and 1.5)."""
    a = Tensor(np.array([0.1, 0.2], np.float32), requires_grad=True, dtype=np.float32)
    b = Tensor(np.float64(0.1), requires_grad=True)
    y = fn(a, b)  # type: ignore[operator]
    assert y.dtype == np.float32
    y.sum().backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    if fn is maximum:
        assert_array_equal(a.grad, [0.5, 1.0])
        assert b.grad == 0.5
    else:
        assert_array_equal(a.grad, [0.5, 0.0])
        assert b.grad == 1.5


def test_maximum_reproducer_against_torch() -> None:
    torch = pytest.importorskip("torch")
    a = Tensor(np.array([0.1, 0.2], np.float32), requires_grad=True, dtype=np.float32)
    b = Tensor(np.float64(0.1), requires_grad=True)
    maximum(a, b).sum().backward()
    ta = torch.tensor([0.1, 0.2], dtype=torch.float32, requires_grad=True)
    tb = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    torch.maximum(ta, tb).sum().backward()
    assert_array_equal(a.grad, ta.grad.numpy())
    assert_array_equal(b.grad, tb.grad.numpy())


# -- found by the dtype fuzz (tests/test_fuzz_dtypes.py) ------------------------------------------


def test_int_tensor_to_int_tensor_powers_are_torchs() -> None:
    """Was: numpy's "Integers to negative integer powers are not allowed" for a tensor
    exponent. torch computes them: 1 for 1, ±1 for -1, 0 for any other base."""
    a, b = _int(0, 1, -1, 2, -2, 0, 3), _int(-1, -1, -3, -1, -2, 0, 2)
    y = a**b
    assert y.dtype == np.int64 and y.data.tolist() == [0, 1, -1, 0, 0, 1, 9]
    with pytest.raises(TypeError, match="pow_tensor.*bool"):
        tensor([True]) ** tensor([False])
    assert (tensor([True, False]) ** _int(2, 3)).data.tolist() == [1, 0]


def test_subtraction_with_any_bool_tensor_is_refused() -> None:
    """Was: 0.0 - False = 0.0 and False - 0 = 0. torch: "Subtraction, the `-` operator, with a
    bool tensor is not supported"."""
    with pytest.raises(TypeError, match="sub.*bool"):
        tensor([0.5]) - tensor([False])
    with pytest.raises(TypeError, match="sub.*bool"):
        tensor([False]) - _int(1)


def test_avg_pool2d_of_ints_wraps_as_torch() -> None:
    """int64 sums wrap in both: 2**62 + 2**62 is -2**63, halved -2**62 (torch's number; |sum|
    would overflow again and give +2**62)."""
    x = tensor([[[[2**62, 2**62]]]])
    assert F.avg_pool2d(x, (1, 2)).data.tolist() == [[[[-(2**62)]]]]


def test_float32_and_float64_0d_pow_computes_in_float64() -> None:
    """Was: d(a ** b)/db = a^b log a with log a in float32 (-103.27893066), though the forward
    computed in float64. torch: both 0-d, so float64: log(1e-45) = -103.27892990343184."""
    a = Tensor(np.float32(1e-45), requires_grad=True, dtype=np.float32)
    b = Tensor(0.0, requires_grad=True)
    y = a**b
    assert y.dtype == np.float64
    y.backward()
    assert b.grad == math.log(float(np.float32(1e-45)))
    assert a.grad is not None and a.grad.dtype == np.float32


def test_the_tensors_strategy_draws_int64_and_bool_tensors() -> None:
    """Was: tensors(dtype=np.int64) a ValueError; now the ints in [min_value, max_value]."""

    @settings(max_examples=20, database=None)
    @given(tensors((3,), -2, 2, dtype=np.int64), tensors((2,), dtype=np.bool_))
    def check(i: Tensor, b: Tensor) -> None:
        assert i.dtype == np.int64 and b.dtype == np.bool_
        assert np.all(np.abs(i.data) <= 2) and not i.requires_grad and not b.requires_grad

    check()


def test_int_clamp_and_powers_stay_exact_integers() -> None:
    """clamp of int64 to int bounds is int64 as torch (was float64, then bounds rounded through
    float: 2**62 + 1 became 2**62); an int exponent beyond int64 is a ValueError (was a wrong
    number through float64)."""
    t = _int(2, 3)
    y = t.clamp(2**62 + 1, None)
    assert y.dtype == np.int64 and y.data.tolist() == [2**62 + 1] * 2
    assert t.clamp(0.5, 2).dtype == np.float64  # a float bound: the default float, as torch
    assert tensor([True, False]).clamp(0, 1).data.tolist() == [1, 0]  # int64
    with pytest.raises(ValueError, match="does not fit in int64"):
        t**2**70
