"""Value: every op's value and local gradient, backward semantics, errors, memory, deep graphs."""

import gc
import math

import numpy as np
import pytest

from microgradkr import Value, add_n, affine, gradcheck, topological_order
from microgradkr.ops import POW, pow_op

# op, forward as a function of the inputs' data, and the closed-form local gradients
UNARY = [
    ("exp", lambda v: v.exp(), math.exp, lambda x: [math.exp(x)]),
    ("log", lambda v: v.log(), math.log, lambda x: [1 / x]),
    ("tanh", lambda v: v.tanh(), math.tanh, lambda x: [1 - math.tanh(x) ** 2]),
    (
        "sigmoid",
        lambda v: v.sigmoid(),
        lambda x: 1 / (1 + math.exp(-x)),
        lambda x: [math.exp(-x) / (1 + math.exp(-x)) ** 2],
    ),
    ("reciprocal", lambda v: v.reciprocal(), lambda x: 1 / x, lambda x: [-1 / x**2]),
    ("relu", lambda v: v.relu(), lambda x: max(x, 0.0), lambda x: [1.0 if x > 0 else 0.0]),
    ("pow3", lambda v: v**3, lambda x: x**3, lambda x: [3 * x**2]),
    ("pow-half", lambda v: v**0.5, math.sqrt, lambda x: [0.5 / math.sqrt(x)]),
    ("pow-int-neg", lambda v: v**-2, lambda x: x**-2, lambda x: [-2 * x**-3]),
    ("rpow", lambda v: 2**v, lambda x: 2**x, lambda x: [2**x * math.log(2)]),
]


@pytest.mark.parametrize("name, build, value, local", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("x", [0.7, 1.9, 3.2])
def test_unary_value_and_local_gradient(name, build, value, local, x):
    v = Value(x)
    out = build(v)
    assert out.data == pytest.approx(value(x), rel=1e-12)
    leaf_locals = [loc for p, loc in zip(out._prev, out._local, strict=True) if p is v]
    assert leaf_locals == pytest.approx(local(x), rel=1e-12)
    out.backward()
    assert v.grad == pytest.approx(sum(local(x)), rel=1e-12)


BINARY = [
    ("add", lambda a, b: a + b, lambda x, y: x + y, lambda x, y: (1.0, 1.0)),
    ("mul", lambda a, b: a * b, lambda x, y: x * y, lambda x, y: (y, x)),
    ("sub", lambda a, b: a - b, lambda x, y: x - y, lambda x, y: (1.0, -1.0)),
    ("div", lambda a, b: a / b, lambda x, y: x / y, lambda x, y: (1 / y, -x / y**2)),
    ("max", lambda a, b: a.max(b), max, lambda x, y: (float(x > y), float(y > x))),
    (
        "pow",
        lambda a, b: a**b,
        lambda x, y: x**y,
        lambda x, y: (y * x ** (y - 1), x**y * math.log(x)),
    ),
]


@pytest.mark.parametrize("name, build, value, grads", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("x, y", [(1.5, 0.4), (0.3, 2.5)])
def test_binary_value_and_gradients(name, build, value, grads, x, y):
    a, b = Value(x), Value(y)
    out = build(a, b)
    assert out.data == pytest.approx(value(x, y), rel=1e-12)
    out.backward()
    assert (a.grad, b.grad) == pytest.approx(grads(x, y), rel=1e-12)


def test_reflected_operators_with_numbers_on_the_left():
    x = Value(4.0)
    for out, value, grad in [
        (2 - x, -2.0, -1.0),
        (1 / x, 0.25, -1 / 16),
        (3 * x, 12.0, 3.0),
        (2 + x, 6.0, 1.0),
        (8 / x, 2.0, -8 / 16),
        (2**x, 16.0, 16 * math.log(2)),
    ]:
        x.grad = 0.0
        out.backward()
        assert (out.data, x.grad) == pytest.approx((value, grad)), out


def test_derived_ops_are_built_from_the_primitive_gates():
    a, b = Value(3.0), Value(2.0)
    assert [(-a).op.name, (-a)._prev[1].data] == ["mul", -1.0]  # negation is x * -1
    sub = a - b
    assert sub.op.name == "add" and sub._prev[1].op.name == "mul"
    div = a / b
    assert div.op.name == "mul" and div._prev[1].op.name == "reciprocal"
    assert (1 / b).op.name == "reciprocal"  # 1/x is the reciprocal gate itself
    assert a.relu().op.name == "relu" and a.max(b).pattern == "router"


def test_numbers_are_wrapped_as_constant_leaves():
    x = Value(2.0)
    y = x * 3
    const = y._prev[1]
    assert isinstance(const, Value) and const.op is None and const.data == 3.0


def test_parents_one_entry_per_use():
    x = Value(3.0)
    y = x * x
    assert y._prev == (x, x) and y._local == (3.0, 3.0)
    y.backward()
    assert x.grad == 6.0


def test_max_tie_splits_the_gradient_evenly_and_relu_at_zero_is_zero():
    a, b = Value(2.0), Value(2.0)
    a.max(b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
    z = Value(0.0)
    z.relu().backward()
    assert z.grad == 0.0


def test_local_gradients_are_computed_in_the_forward_pass_and_kept():
    a, b = Value(3.0), Value(-2.0)
    m = a * b
    a.data = 100.0  # an optimizer step after the forward pass does not change what was recorded
    m.backward()
    assert m.local_grads == (-2.0, 3.0) and a.grad == -2.0


def test_backward_twice_adds_the_same_to_leaves_and_recomputes_inner_nodes():
    x, y = Value(2.0), Value(3.0)
    q = x * y
    f = q + x
    f.backward()
    first = (x.grad, y.grad, q.grad, f.grad)
    f.backward()
    assert (x.grad, y.grad) == (2 * first[0], 2 * first[1])  # leaves accumulate, as PyTorch
    assert (q.grad, f.grad) == (first[2], first[3])  # inner nodes afresh (micrograd #53, #102)


def test_backward_with_a_seed_and_zero_grad():
    x = Value(2.0)
    f = x * x
    f.backward(3.0)
    assert x.grad == 12.0
    f.zero_grad()
    assert x.grad == 0.0 and f.grad == 0.0


def test_comparisons_look_at_data_and_equality_is_identity():
    a, b, c = Value(3.0), Value(1.0), Value(2.0)
    assert sorted([a, b, c]) == [b, c, a]
    assert max([a, b, c]) is a and min(a, b) is b
    assert a > 2 and b < c and c >= 2.0 and b <= 1
    assert Value(1.0) != Value(1.0)  # identity: Values live in sets and dicts
    assert len({a, b, c, a}) == 3
    with pytest.raises(TypeError):
        _ = a < "x"


def test_repr_like_micrograd():
    x = Value(3.0)
    x.grad = -4.0
    assert repr(x) == "Value(data=3.0, grad=-4.0)"
    assert repr(Value(1.0, "w")) == "Value(data=1.0, grad=0.0, label='w')"


def test_numpy_numbers_work_on_both_sides():
    x = Value(np.float64(2.0))
    assert type(x.data) is float
    y = np.int64(-3) * x + np.float64(1.0)
    assert isinstance(y, Value) and y.data == -5.0
    y.backward()
    assert x.grad == -3.0


@pytest.mark.parametrize("bad", ["3", None, [1], 1j, np.array([1.0, 2.0])])
def test_value_refuses_non_real_data_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_domain_errors_name_the_op_the_value_and_the_label():
    with pytest.raises(ValueError, match=r"log of -2\.0 at node 'x'"):
        Value(-2.0, "x").log()
    with pytest.raises(ValueError, match=r"log of 0\.0 at node 'z'"):
        Value(0.0, "z").log()
    with pytest.raises(ZeroDivisionError, match=r"reciprocal of 0\.0 at node 'b'"):
        _ = Value(1.0, "a") / Value(0.0, "b")
    with pytest.raises(ZeroDivisionError, match=r"reciprocal of 0\.0 at an unlabelled node"):
        _ = 1 / Value(0.0)
    with pytest.raises(OverflowError, match=r"exp of 1000\.0 at node 'big'"):
        Value(1000.0, "big").exp()
    with pytest.raises(ValueError, match=r"pow of -8\.0 at node 'c'"):
        _ = Value(-8.0, "c") ** (1 / 3)
    with pytest.raises(ValueError, match="base >= 0"):
        _ = Value(-2.0) ** Value(2.0)
    with pytest.raises(TypeError, match="exponent must be a number or a Value"):
        _ = Value(2.0) ** "2"


def test_pow_edge_cases_follow_pytorch():
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf  # d sqrt(x)/dx at 0
    x0 = Value(0.0)
    (x0**0).backward()
    assert x0.grad == 0.0
    base, e = Value(0.0), Value(2.0)
    (base**e).backward()
    assert (base.grad, e.grad) == (0.0, 0.0)  # d/dy x^y at x = 0 is 0, as torch


def test_add_n_and_affine_are_single_gates_with_the_right_locals():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    s = add_n([a, b, c, 4])
    assert s.data == 10.0 and s.pattern == "distributor" and len(s._prev) == 4
    s.backward()
    assert (a.grad, b.grad, c.grad) == (1.0, 1.0, 1.0)
    w0, w1, x0, x1, bias = Value(2.0), Value(-3.0), Value(-1.0), Value(-2.0), Value(-3.0)
    z = affine([w0, w1], [x0, x1], bias)
    assert z.data == 1.0 and z._prev == (bias, w0, x0, w1, x1)
    assert z._local == (1.0, -1.0, 2.0, -2.0, -3.0)
    with pytest.raises(ValueError, match="as many weights as inputs"):
        affine([w0], [x0, x1], bias)
    with pytest.raises(ValueError, match="at least one"):
        add_n([])


def test_each_local_rule_also_runs_on_values_with_the_same_numbers():
    """The op table's rules are written with plain arithmetic: on Values they build the
    gradient's own graph (for higher-order gradients) and give the same numbers."""
    x, y = Value(1.3), Value(0.6)
    nodes = [
        x.exp(), x.log(), x.tanh(), x.sigmoid(), x.reciprocal(), x.relu(), x**3, x**y, 2**x,
        x + y, x * y, x.max(y), affine([x], [y], Value(0.5)), add_n([x, y]),
    ]  # fmt: skip
    for node in nodes:
        on_values = node.op.local(*node._prev, node)
        assert [float(g) for g in on_values] == pytest.approx(list(node._local)), node.op
    assert isinstance(x.exp().op.local(x, x.exp())[0], Value)


def no_values_alive():
    return sum(type(o) is Value for o in gc.get_objects())


def test_a_dropped_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        before = no_values_alive()
        x = Value(0.5)
        y = x
        for _ in range(1000):
            y = (y * 1.01).tanh() + x.relu()
        y.backward()
        assert no_values_alive() > before + 1000
        del x, y
        assert no_values_alive() == before  # no cycle: nothing waits for the cyclic collector
    finally:
        gc.enable()


def test_a_chain_of_a_million_unary_nodes():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y.tanh()
    y.backward()
    assert 0.0 < x.grad < 1.0


def deep(x):
    y = x
    for _ in range(1_000_000):
        y = y + x  # every level also uses x: fan-out a million times
    return y


def test_a_graph_a_million_deep_backward_and_gradcheck():
    x = Value(1.0)
    y = deep(x)
    assert len(topological_order(y)) == 1_000_001
    y.backward()
    assert x.grad == 1_000_001.0
    assert gradcheck(deep, [Value(1.0)], eps=1e-3)


def test_pow_op_is_shared_per_exponent():
    assert pow_op(2.0) is pow_op(2.0) and POW.name == "pow"
