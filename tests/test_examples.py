"""docs/reference.md reproduced: the worked examples, to the digits given."""

import numpy as np
import pytest

from microgradkr import Value, gradient_descent, numerical_gradient
from microgradkr.examples import add_mul, gate_patterns, sigmoid_neuron


def test_1a_add_then_mul():
    f, v = add_mul()
    f.backward()
    assert (v["q"].data, f.data) == (3.0, -12.0)
    assert (v["q"].grad, f.grad) == (-4.0, 1.0)
    assert (v["x"].grad, v["y"].grad, v["z"].grad) == (-4.0, -4.0, 3.0)


SIGMOID_GRADS = {"w0": -0.19661, "x0": 0.39322, "w1": -0.39322, "x1": -0.58984, "w2": 0.19661}


@pytest.mark.parametrize("fused", [False, True])
def test_1b_sigmoid_neuron_gradients(fused):
    f, v = sigmoid_neuron(fused=fused)
    f.backward()
    assert f.data == pytest.approx(0.73106, abs=5e-6)
    for name, grad in SIGMOID_GRADS.items():
        assert v[name].grad == pytest.approx(grad, abs=5e-6), name


def test_1b_primitive_gates_forward_and_backward_gate_by_gate():
    f, _ = sigmoid_neuron(fused=False)
    f.backward()
    # f = 1/x <- (+1) <- exp <- (*-1) <- (+ w2) <- ...
    recip = f
    plus1 = recip._prev[0]
    exp = next(p for p in plus1._prev if p.op is not None)
    neg = exp._prev[0]
    z = neg._prev[0]
    assert [n.op.symbol for n in (recip, plus1, exp, neg, z)] == ["1/x", "+", "exp", "*", "+"]
    expected_forward = [0.73106, 1.36788, 0.36788, -1.0, 1.0]
    for node, value in zip([recip, plus1, exp, neg, z], expected_forward, strict=True):
        assert node.data == pytest.approx(value, abs=5e-6)
    assert recip._local[0] == pytest.approx(-0.53445, abs=5e-6)  # -1/x^2 at 1.36788
    assert plus1.grad == pytest.approx(-0.53445, abs=5e-6)
    assert exp._local[0] == pytest.approx(0.36788, abs=5e-6)  # e^-1
    assert neg.grad == pytest.approx(-0.19661, abs=5e-6)
    assert z.grad == pytest.approx(0.19661, abs=5e-6)
    assert [n.data for n in (z._prev[0]._prev)] == [-2.0, 6.0]  # w0*x0, w1*x1


def test_1b_fused_sigmoid_local_gradient_is_s_times_one_minus_s():
    f, _ = sigmoid_neuron(fused=True)
    s = f.data
    assert f.op.name == "sigmoid"
    assert f._local[0] == pytest.approx((1 - s) * s)
    assert f._local[0] == pytest.approx(0.19661, abs=5e-6)


def test_1c_patterns_and_fan_out():
    f, v = gate_patterns()
    f.backward()
    x, y, z, w = v["x"], v["y"], v["z"], v["w"]
    s = f._prev[0]._prev[0]
    a, m = s._prev
    assert (s.pattern, a.pattern, m.pattern) == ("distributor", "switcher", "router")
    assert a.grad == m.grad == s.grad == 2.0  # distributor: unchanged to every input
    assert y.grad == 2.0 * x.data  # switcher: the other input's value
    assert (z.grad, w.grad) == (2.0, 0.0)  # router: all to the larger input
    assert x.grad == 2.0 * y.data + 1.0  # fan-out: x is used twice, its gradients add up


def f_squares(x):
    return x[0] ** 2 + x[1] ** 2


@pytest.mark.parametrize(
    "point, grad", [((3.0, 4.0), (6.0, 8.0)), ((0.0, 2.0), (0.0, 4.0)), ((3.0, 0.0), (6.0, 0.0))]
)
def test_4_numerical_gradient(point, grad):
    np.testing.assert_allclose(numerical_gradient(f_squares, point), grad, atol=1e-7)


def test_4_gradient_descent():
    x = gradient_descent(f_squares, [-3.0, 4.0], lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [-6.1e-10, 8.1e-10], rtol=0.02)
    diverged = gradient_descent(f_squares, [-3.0, 4.0], lr=10.0, step_num=100)
    assert np.all(np.abs(diverged) > 1e10)
    stalled = gradient_descent(f_squares, [-3.0, 4.0], lr=1e-10, step_num=100)
    np.testing.assert_allclose(stalled, [-3.0, 4.0], atol=1e-6)


def test_4_value_gradient_equals_numerical_gradient():
    x0, x1 = Value(3.0), Value(4.0)
    f = x0**2 + x1**2
    f.backward()
    np.testing.assert_allclose([x0.grad, x1.grad], numerical_gradient(f_squares, [3.0, 4.0]))
