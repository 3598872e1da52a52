"""microgradkr.testing: strategies, the gradient checker, the op registry; detect_anomaly."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradkr import (
    GradcheckError,
    Op,
    Tensor,
    TensorOp,
    Value,
    detect_anomaly,
    sum_to,
    tensor_ops_fused,
    tensor_ops_torch,
    topological_order,
)
from microgradkr import tensor as tensor_module
from microgradkr.functional import SOFTMAX_CE
from microgradkr.testing import (
    BUILTIN_TENSOR_OPS,
    REGISTRY,
    TENSOR_REGISTRY,
    TensorExpression,
    broadcast_shapes,
    check_gradients,
    check_op,
    expressions,
    gradient_test,
    register,
    shapes,
    tensor_expressions,
    tensor_op_cases,
    tensors,
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
    x = Tensor([2.0, 1.0, 3.0], requires_grad=True, label="x")
    assert np.isneginf((x - 1).log().data[1])  # numpy's -inf, silently, without detection
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"log of sub\('x', 1\) made -inf at index \(1,\)"),
    ):
        h = (x - 1).log()
        h.label = "h"
        (h * 2).sum()


def test_detect_anomaly_names_the_tensor_node_in_the_backward_pass():
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


# -- Tensors ---------------------------------------------------------------------------------------


@pytest.fixture
def registries():
    """The registries as they were before the test (so user ops do not leak into others)."""
    saved = dict(REGISTRY), dict(TENSOR_REGISTRY)
    yield
    for registry, before in zip((REGISTRY, TENSOR_REGISTRY), saved, strict=True):
        registry.clear()
        registry.update(before)


def mean_to(g, shape):
    """A broadcast gradient averaged instead of summed: wrong wherever the input was broadcast."""
    return sum_to(g, shape) * (np.prod(shape, dtype=int) / g.size)


# out = a + 2b; the driver sums a VJP down to its input's shape only when the shapes differ, so
# averaging to b's shape first slips past it and is wrong exactly when b was broadcast.
RIGHT_AXPY = TensorOp(
    "axpy",
    "a+2b",
    "chain",
    lambda a, b: a + 2 * b,
    (lambda g, a, b, out: g, lambda g, a, b, out: 2 * g),
)
WRONG_AXPY = TensorOp(
    "wrong_axpy",
    "a+2b",
    "chain",
    lambda a, b: a + 2 * b,
    (lambda g, a, b, out: g, lambda g, a, b, out: 2 * mean_to(g, b.shape)),
)


def test_every_tensor_op_of_tensor_py_is_registered():
    # tensor_ops_torch: the PyTorch-shaped ones; tensor_ops_fused and functional's
    # Softmax-with-Loss: the fused ones
    modules = (tensor_module, tensor_ops_torch, tensor_ops_fused)
    defined = {v.name for m in modules for v in vars(m).values() if isinstance(v, TensorOp)}
    assert defined | {SOFTMAX_CE.name} == set(BUILTIN_TENSOR_OPS)


def test_a_right_tensor_op_passes(registries):
    check_op(RIGHT_AXPY, max_examples=15)
    assert "axpy" in TENSOR_REGISTRY


def test_a_wrong_broadcast_vjp_is_caught_and_shrunk(registries):
    """Shrunk to the smallest broadcast: b one number added to two, so the mean halves the sum."""
    with pytest.raises(GradcheckError) as info:
        check_op(WRONG_AXPY, max_examples=50)
    ok, wrong = info.value.rows
    assert ok.ok and not wrong.ok
    assert (wrong.analytic, wrong.numerical) == (1.0, pytest.approx(2.0))
    assert re.search(r"x1 +(\(\)|\(1,\)) ", str(info.value))
    assert "suspect the VJP of wrong_axpy" in str(info.value)


def test_a_wrong_elementwise_vjp_is_caught_and_shrunk(registries):
    """d/dx sin x = sin x again, on Tensors: shrunk to one number, x = 0."""
    wrong = TensorOp("wrong_tsin", "sin", "chain", np.sin, (lambda g, x, out: g * np.sin(x),))
    with pytest.raises(GradcheckError) as info:
        check_op(wrong, max_examples=50)
    (row,) = info.value.rows
    assert (row.value, row.analytic, row.numerical) == (0.0, 0.0, pytest.approx(1.0))


def test_register_a_tensor_op_by_name_and_check_it(registries):
    register("softplus", lambda a: (a.exp() + 1.0).log(), 1, tensor=True)
    assert "softplus" in TENSOR_REGISTRY and "softplus" not in REGISTRY
    check_op("softplus", tensor=True, max_examples=10)
    with pytest.raises(ValueError, match="unknown Tensor ops"):
        tensor_expressions(ops=["no_such_op"])


def test_check_gradients_with_tensors():
    check_gradients(
        lambda x, w: (x @ w).tanh().sum(), tensors((2, 3)), tensors((3, 2)), max_examples=10
    )
    with pytest.raises(GradcheckError, match="kink: relu"):
        check_gradients(lambda x: x.relu(), tensors(shapes(max_dims=1)), max_examples=50)


def test_tensor_expression_repr_reads_as_a_formula():
    f = TensorExpression(2, [("matmul", (0, 1), ()), ("sum", (2,), (1, False))])
    assert repr(f) == "TensorExpression(sum(matmul(x0, x1), 1, False))"


@settings(max_examples=30)
@given(tensors(avoid=[0.0, 1.0], margin=0.01))
def test_tensors_keep_away_from_the_points_asked(t):
    assert t.requires_grad and t.dtype == np.float64
    assert np.all(np.abs(t.data) >= 0.01) and np.all(np.abs(t.data - 1.0) >= 0.01)


@settings(max_examples=30)
@given(tensors(shapes(min_dims=1), distinct=True, margin=0.01))
def test_distinct_tensors_have_no_ties(t):
    flat = np.sort(t.data, axis=None)
    assert np.all(np.diff(flat) >= 0.01)


@given(tensors((2, 3), min_value=0.1, max_value=1.0, dtype=np.float32, requires_grad=False))
def test_tensors_in_float32(t):
    assert t.dtype == np.float32 and t.shape == (2, 3) and not t.requires_grad
    assert np.all((t.data >= 0.1) & (t.data <= 1.0))


@settings(max_examples=30)
@given(broadcast_shapes(num_shapes=3))
def test_broadcast_shapes_broadcast(shape_triple):
    np.broadcast_shapes(*shape_triple)


def test_broadcast_shapes_include_size_one_axes_and_rank_differences():
    from hypothesis import Phase, find

    a, b = find(
        broadcast_shapes(),
        lambda p: len(p[0]) != len(p[1]) and 1 in p[0] + p[1] and max(p[0] + p[1]) > 1,
        settings=settings(phases=[Phase.generate]),
    )
    assert np.broadcast_shapes(a, b) != a or np.broadcast_shapes(a, b) != b


def meaningless_tensor_uses(out):
    """Nodes where a central difference means nothing: relu at 0, ties, log near 0, x / 0."""
    found = []
    for n in topological_order(out):
        name = n.op.name if n.op else None
        xs = [p.data for p in n._prev]
        if name == "relu" and np.any(np.abs(xs[0]) < 1e-3):
            found.append(n)
        if name == "maximum" and np.any(np.abs(xs[0] - xs[1]) < 1e-3):
            found.append(n)
        if name == "max":
            x, (axis, _) = xs[0], n._args
            near = x > x.max(axis=axis, keepdims=True) - 1e-3
            if np.any(near.sum(axis=axis) > 1):
                found.append(n)
        if name == "log" and np.any(xs[0] < 0.1):
            found.append(n)
        if name == "div" and np.any(np.abs(xs[1]) < 0.1):
            found.append(n)
    return found


KINKY = ["relu", "maximum", "max", "log", "div"]


@settings(max_examples=50)
@given(tensor_expressions(ops=[*KINKY, "sub", "mul", "sum"]))
def test_tensor_expressions_never_sit_on_a_kink_or_a_domain_edge(case):
    f, xs = case
    assert meaningless_tensor_uses(f(*xs)) == []


@pytest.mark.parametrize("op", KINKY)
@settings(max_examples=15)
@given(data=st.data())
def test_tensor_op_cases_never_sit_on_a_kink_or_a_domain_edge(op, data):
    f, xs = data.draw(tensor_op_cases(op))
    out = f(*xs)
    assert out.op.name == op and meaningless_tensor_uses(out) == []


@pytest.mark.parametrize("ops", [["relu"], ["maximum"], ["max"]])
def test_tensor_expressions_do_sit_on_kinks_when_asked(ops):
    from hypothesis import Phase, find

    f, xs = find(
        tensor_expressions(ops=ops, allow_kinks=True),
        lambda case: meaningless_tensor_uses(case[0](*case[1])) != [],
        settings=settings(phases=[Phase.generate]),  # found is enough: no need to shrink it
    )
    assert meaningless_tensor_uses(f(*xs))


def test_tensors_do_hold_zeros_and_ties_when_not_told_to_avoid_them():
    from hypothesis import Phase, find

    found = settings(phases=[Phase.generate])
    assert np.any(
        find(tensors((3,)), lambda t: bool(np.any(t.data == 0.0)), settings=found).data == 0.0
    )
    t = find(tensors((3,)), lambda t: len(set(t.data.tolist())) < 3, settings=found)
    assert len(set(t.data.tolist())) < 3
