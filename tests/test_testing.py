"""microgradkr.testing: strategies, the gradient checker, the op registry; detect_anomaly."""

import math

import pytest
from hypothesis import given, settings

from microgradkr import GradcheckError, Op, Value, detect_anomaly, topological_order
from microgradkr.testing import (
    REGISTRY,
    check_gradients,
    check_op,
    expressions,
    gradient_test,
    register,
    values,
)

RIGHT_SIN = Op("sin", "sin", "chain", math.sin, lambda x, out: (math.cos(x),))
WRONG_SIN = Op("wrong_sin", "sin", "chain", math.sin, lambda x, out: (math.sin(x),))


def test_a_right_custom_op_passes():
    check_op(RIGHT_SIN, max_examples=30)
    assert "sin" in REGISTRY


def test_a_wrong_local_gradient_is_caught_and_shrunk():
    """d/dx sin x = sin x is wrong; the shrunk case is x = 0: analytic sin 0 = 0, numerical 1."""
    with pytest.raises(GradcheckError) as info:
        check_op(WRONG_SIN, max_examples=50)
    (row,) = info.value.rows
    assert (row.analytic, row.numerical) == (0.0, pytest.approx(1.0))
    assert "suspect the local gradient of wrong_sin" in str(info.value)
    REGISTRY.pop("wrong_sin")


def test_check_gradients_and_the_decorator():
    check_gradients(lambda x, y: (x * y).tanh() + x.exp(), values(), values(), max_examples=20)
    with pytest.raises(GradcheckError):
        check_gradients(lambda x: x.relu(), values(), max_examples=50)  # finds relu at 0

    @gradient_test(values(min_value=0.5, max_value=2.0), max_examples=20)
    def my_log(x):
        return x.log() * x

    my_log()  # a plain test function, as pytest would call it
    assert my_log.__name__ == "test_gradients_of_my_log"


def test_register_by_name_and_errors():
    entry = register("cosh", lambda a: (a.exp() + (-a).exp()) * 0.5, 1)
    assert REGISTRY["cosh"] is entry
    with pytest.raises(TypeError, match="needs the build function and its arity"):
        register("nothing")
    with pytest.raises(ValueError, match="unknown ops"):
        expressions(ops=["no_such_op"])
    REGISTRY.pop("cosh")


@given(values(avoid=[0.0, 1.0], margin=0.01))
def test_values_keep_away_from_the_points_asked(x):
    assert abs(x.data) >= 0.01 and abs(x.data - 1.0) >= 0.01


def meaningless_uses(out):
    """Nodes where a central difference means nothing: kinks and domain edges."""
    found = []
    for n in topological_order(out):
        name = n.op.name if n.op else None
        xs = [p.data for p in n._prev]
        if name in ("relu", "abs") and abs(xs[0]) < 1e-3:
            found.append(n)
        if name == "max" and abs(xs[0] - xs[1]) < 1e-3:
            found.append(n)
        if name == "log" and xs[0] < 0.1:
            found.append(n)
    return found


@settings(max_examples=300)
@given(expressions(ops=["relu", "abs", "max", "log", "sub", "mul"]))
def test_expressions_never_sit_on_a_kink_or_a_domain_edge(case):
    f, xs = case
    assert meaningless_uses(f(*xs)) == []


def test_expressions_do_sit_on_kinks_when_asked():
    from hypothesis import find

    f, xs = find(
        expressions(ops=["relu", "max"], allow_kinks=True),
        lambda case: meaningless_uses(case[0](*case[1])) != [],
    )
    assert meaningless_uses(f(*xs))


def test_expression_repr_reads_as_a_formula():
    from microgradkr.testing import Expression

    assert repr(Expression(2, [("mul", (0, 1)), ("tanh", (2,))])) == "Expression(tanh(mul(x0, x1)))"


def test_detect_anomaly_names_the_op_and_the_node_in_the_forward_pass():
    big = Value(1e200, "big")
    assert (big * big).data == math.inf  # silently inf without detection
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"mul of 'big', 'big' made inf"):
        _ = big * big


def test_detect_anomaly_names_the_node_in_the_backward_pass():
    x = Value(0.0, "x")
    h = x**0.5
    h.label = "h"
    y = h * 2.0
    with (
        detect_anomaly(),
        pytest.raises(
            FloatingPointError, match=r"backward of pow at 'h' gave inf to its input 'x'"
        ),
    ):
        y.backward()
    y.backward()  # outside the block: no check
    assert x.grad == math.inf


def test_detect_anomaly_names_the_tensor_op_and_the_node_of_log_0_mid_graph():
    import numpy as np

    from microgradkr import Tensor

    x = Tensor([2.0, 1.0, 3.0], requires_grad=True, label="x")
    assert np.isneginf((x - 1).log().data[1])  # numpy's -inf, silently, without detection
    with (
        detect_anomaly(),
        pytest.raises(
            FloatingPointError, match=r"log of sub\('x', 1\) made -inf at index \(1,\)"
        ),
    ):
        h = (x - 1).log()
        h.label = "h"
        (h * 2).sum()


def test_detect_anomaly_names_the_tensor_node_in_the_backward_pass():
    import numpy as np

    from microgradkr import Tensor

    x = Tensor([4.0, 0.0], requires_grad=True, label="x")
    h = x**0.5
    h.label = "h"
    y = (h * 2).sum()
    with (
        detect_anomaly(),
        np.errstate(divide="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"backward of pow at 'h' gave inf at index \(1,\) to its input 'x'",
        ),
    ):
        y.backward()
