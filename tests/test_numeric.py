"""Numerical differentiation and gradcheck (PyTorch's semantics, a readable report)."""

import math

import pytest

from microgradkr import GradcheckError, Tensor, TensorOp, Value, gradcheck, maximum, numerical_diff
from microgradkr.engine import apply
from microgradkr.ops import Op
from microgradkr.tensor import apply as tensor_apply


def test_numerical_diff_central_difference():
    assert numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5.0) == pytest.approx(0.2, abs=1e-9)
    assert numerical_diff(lambda x: Value(x).tanh(), 0.3) == pytest.approx(1 - math.tanh(0.3) ** 2)


def test_gradcheck_passes_on_a_smooth_function():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, [Value(0.3), Value(1.7)])


def test_gradcheck_accepts_numbers_and_a_single_input():
    assert gradcheck(lambda x: x.sigmoid() * x, 0.4)
    assert gradcheck(lambda x, y: x * y, [2.0, 3.0])


def test_gradcheck_leaves_every_grad_as_it_was():
    w, x = Value(2.0), Value(3.0)
    w.grad = 7.0
    gradcheck(lambda x: w * x, [x])
    assert (w.grad, x.grad) == (7.0, 0.0)


# A custom op with a wrong local gradient: d sin x / dx = sin x (should be cos x).
BAD_SIN = Op("sin", "sin", "chain", math.sin, lambda x, out: (math.sin(x),))
GOOD_SIN = Op("sin", "sin", "chain", math.sin, lambda x, out: (math.cos(x),))


def test_gradcheck_catches_a_wrong_local_gradient_with_a_table():
    assert gradcheck(lambda x: apply(GOOD_SIN, x), [Value(0.5)])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: apply(BAD_SIN, x) * y, [Value(0.5, "x"), Value(2.0, "y")])
    message = str(info.value)
    assert "1 of 2 inputs" in message and "mismatch" in message
    row = info.value.rows[0]
    assert row.label == "x" and not row.ok and info.value.rows[1].ok
    assert row.analytic == pytest.approx(2 * math.sin(0.5))
    assert row.numerical == pytest.approx(2 * math.cos(0.5), rel=1e-6)
    assert f"{row.analytic:.7g}" in message and f"{row.numerical:.7g}" in message


def test_gradcheck_without_raising_returns_false():
    assert gradcheck(lambda x: apply(BAD_SIN, x), [Value(0.5)], raise_exception=False) is False


def test_gradcheck_uses_atol_plus_rtol_times_numerical():
    off = Op("off", "off", "chain", lambda x: 2 * x, lambda x, out: (2.0 + 1e-4,))
    assert gradcheck(lambda x: apply(off, x), [Value(1.0)], atol=0.0, rtol=1e-4)
    assert not gradcheck(
        lambda x: apply(off, x), [Value(1.0)], atol=0.0, rtol=1e-5, raise_exception=False
    )


def test_gradcheck_at_a_kink_disagrees_by_definition():
    # relu at exactly 0: analytic 0 (PyTorch's convention), numerical 0.5
    with pytest.raises(GradcheckError, match="kink: relu#1 switches branch"):
        gradcheck(lambda x: x.relu(), [Value(0.0)])


def test_tensor_gradcheck_at_a_kink_says_so():
    x = Tensor([1.0, 0.0, -1.0], label="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.relu().sum(), [x])
    assert (
        "kink: relu#1 switches branch between x[1] -/+ eps, so the central difference is "
        "meaningless there (analytic 0 by convention, numerical 0.5)" in str(info.value)
    )


@pytest.mark.parametrize(
    ("f", "op"),
    [
        (lambda x: x.max(axis=1), "max#1"),
        (lambda x: maximum(x[:, 0], x[:, 1]), "maximum#3"),
    ],
)
def test_tensor_gradcheck_names_the_kink_a_near_tie_crosses(f, op):
    # the two largest 1e-7 apart: x +/- eps lands on both sides of the tie
    x = Tensor([[1.0, 1.0 + 1e-7], [3.0, 2.0]], label="x")
    with pytest.raises(GradcheckError, match=rf"kink: {op} switches branch between x\[0, [01]\]"):
        gradcheck(f, [x])


def test_tensor_gradcheck_without_a_kink_adds_no_kink_note():
    wrong = TensorOp("twice", "2x", "chain", lambda x: 2 * x, (lambda g, x, out: g,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: tensor_apply(wrong, x).relu(), [Tensor([1.0, 2.0])])
    assert "kink:" not in str(info.value) and "out has shape (2,)" in str(info.value)


def test_tensor_gradcheck_names_the_op_whose_vjp_is_wrong():
    # dL/db is 2g, not g: the wrong node is b, two ops below the output
    axpy = TensorOp(
        "axpy", "a+2b", "chain", lambda a, b: a + 2 * b, (_same, lambda g, a, b, out: g * 1.0)
    )

    def f(x, w, b):
        return (tensor_apply(axpy, x @ w, b).tanh() * 3.0).sum()

    x, w, b = (
        Tensor([[0.5, -1.0]]),
        Tensor([[1.0, 2.0], [0.3, -0.2]]),
        Tensor([0.1, 0.2], label="b"),
    )
    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [x, w, b])
    assert "first disagreement walking back from the output: node b[0] (input of axpy#2)" in str(
        info.value
    )
    assert "suspect the VJP of axpy#2" in str(info.value)


def _same(g, *rest):
    return g


def test_gradcheck_input_that_f_does_not_use_has_gradient_zero():
    assert gradcheck(lambda x, y: x * 2.0, [Value(1.0), Value(5.0)])


def test_gradcheck_bad_input():
    with pytest.raises(TypeError, match=r"needs f\(\*inputs\) to return a Value, got float"):
        gradcheck(lambda x: 3.0, [Value(1.0)])
    with pytest.raises(
        TypeError, match=r"gradcheck: inputs\[0\] must be a Value or a number, got str"
    ):
        gradcheck(lambda x: x, ["a"])
