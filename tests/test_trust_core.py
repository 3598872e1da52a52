"""Regression tests for the core's corner cases: NaN in max/relu/abs, pow's domain, bounded op
memo tables, linear-time gradcheck, per-thread detect_anomaly, DLfS's numerical_gradient idiom,
None gradients, backward's upstream gradient, empty gradcheck and non-leaf parameters."""

from __future__ import annotations

import math
import re
import threading
import tracemalloc

import numpy as np
import pytest

from microgradkr import (
    GradcheckError,
    Op,
    Tensor,
    Value,
    add_n,
    apply,
    detect_anomaly,
    gradcheck,
    gradgradcheck,
    graph,
    numerical_gradient,
    ops,
    optim,
)
from microgradkr.ops import CHAIN

NAN, INF = math.nan, math.inf


def _torch_grads(fn, *args):
    """(out, grads) of fn on float64 leaves, by torch.autograd (the oracle)."""
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = fn(torch, *xs)
    out.backward()
    return out.item(), [x.grad.item() for x in xs]


def _ours(fn, *args):
    xs = [Value(a) for a in args]
    out = fn(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# -- 1. max (and relu, abs) with NaN: as torch.maximum / torch.relu / torch.abs ---------------


@pytest.mark.parametrize("a, b", [(1.0, NAN), (NAN, 1.0), (NAN, NAN), (NAN, -INF)])
def test_max_propagates_nan_in_both_orders_with_torchs_gradient(a, b):
    out, grads = _ours(lambda x, y: x.max(y), a, b)
    assert math.isnan(out)
    assert grads == [1.0, 1.0]  # torch.maximum: neither x < y nor x > y, so both get grad
    t_out, t_grads = _torch_grads(lambda t, x, y: t.maximum(x, y), a, b)
    assert math.isnan(t_out) and t_grads == grads


@pytest.mark.parametrize("a, b", [(1.0, 2.0), (3.0, -1.0), (2.0, 2.0), (-INF, 0.5)])
def test_max_without_nan_still_routes_as_torch(a, b):
    out, grads = _ours(lambda x, y: x.max(y), a, b)
    t_out, t_grads = _torch_grads(lambda t, x, y: t.maximum(x, y), a, b)
    assert out == t_out and grads == t_grads


@pytest.mark.parametrize("name", ["relu", "abs"])
def test_relu_and_abs_of_nan_match_torch(name):
    out, grads = _ours(lambda x: getattr(x, name)() if name == "relu" else abs(x), NAN)
    t_out, t_grads = _torch_grads(lambda t, x: getattr(t, name)(x), NAN)
    assert math.isnan(out) and math.isnan(t_out)
    assert grads == t_grads == ([1.0] if name == "relu" else [0.0])


def test_detect_anomaly_catches_the_nan_that_max_made():
    x, y = Value(1.0, "x"), Value(NAN, "y")
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"max of 'x', 'y' made nan"):
        x.max(y)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"max of 'y', 'x' made nan"):
        y.max(x)


# -- 2. pow's corner cases: one domain rule, torch's infinities ---------------------------------


@pytest.mark.parametrize("base", [-1.0, -INF, -8.0, -1e300])
@pytest.mark.parametrize("k", [0.5, 1 / 3, -0.5])
def test_negative_base_to_a_non_integer_power_is_a_domain_error_at_any_size(base, k):
    with pytest.raises(
        ValueError, match=rf"pow of {re.escape(repr(base))} at node 'b': .*non-integer power"
    ):
        Value(base, "b") ** k


@pytest.mark.parametrize("k", [-1.0, -0.5, -2.0])
def test_zero_to_a_negative_power_divides_by_zero_as_the_reciprocal_does(k):
    with pytest.raises(ZeroDivisionError, match=r"pow of 0\.0 at node 'z'"):
        Value(0.0, "z") ** k
    with pytest.raises(ZeroDivisionError, match=r"reciprocal of 0\.0 at node 'z'"):
        1 / Value(0.0, "z")
    with pytest.raises(ZeroDivisionError, match=r"pow of 0\.0, .*at node 'z'"):
        Value(0.0, "z") ** Value(k)


@pytest.mark.parametrize(
    "base, k",
    [
        (2.0, INF),
        (0.5, INF),
        (2.0, -INF),
        (0.5, -INF),
        (-2.0, INF),
        (-0.5, INF),
        (-INF, 2.0),
        (-INF, 3.0),
        (-INF, -1.0),
        (INF, 0.5),
        (INF, -0.5),
        (0.0, 0.5),
        (-2.0, 3.0),
        (0.0, 0.0),
    ],
)
def test_pow_values_and_gradients_match_torch_where_torch_is_finite_or_infinite(base, k):
    out, (g,) = _ours(lambda x: x**k, base)
    t_out, (t_g,) = _torch_grads(lambda t, x: x**k, base)
    assert _same(out, t_out), (out, t_out)
    assert _same(g, t_g), (g, t_g)


# -- 3. the memo tables stay bounded --------------------------------------------------------------


def test_distinct_exponents_do_not_grow_the_pow_op_table_or_memory():
    x = Value(1.5)
    for k in range(2_000):
        x ** (1.0 + k / 1e4)
    assert len(ops._pow_ops) <= ops.MEMO_LIMIT
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for k in range(20_000):
        x ** (2.0 + k / 1e5)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(ops._pow_ops) <= ops.MEMO_LIMIT
    assert grown < 1_000_000  # was ~660 bytes per exponent: 13 MB for these 20,000


def test_pow_ops_still_draw_their_exponent_and_give_second_derivatives():
    x = Value(2.0)
    for k in range(ops.MEMO_LIMIT + 10):  # push x ** 3's op out of the table and back
        x ** (10.0 + k)
    y = x**3.0
    assert y._op == "**3"
    (g,) = graph.grad(y, [x], create_graph=True)
    (h,) = graph.grad(g, [x])
    assert g.data == 12.0 and h == 12.0  # 3 x^2, 6 x at x = 2


def test_backward_twins_and_ones_tables_stay_bounded():
    x = Value(1.2)
    for k in range(graph.TWIN_LIMIT + 100):
        graph.grad(x ** (3.0 + k / 1e3), [x], create_graph=True)
    assert len(graph._twins) <= graph.TWIN_LIMIT
    for n in range(1, ops.MEMO_LIMIT + 50):
        add_n([x] * n)
    assert len(ops._ones_cache) <= ops.MEMO_LIMIT


# -- 4. gradcheck of many inputs: linear, and still names a wrong gradient ------------------------

WRONG = Op("square", "sq", CHAIN, lambda x: x * x, lambda x, out: (3.0 * x,))  # should be 2x


def _values(n: int) -> list[Value]:
    return [Value(0.1 * (i % 7) + 0.5) for i in range(n)]


def test_gradcheck_of_10000_inputs_passes_a_right_gradient():
    assert gradcheck(lambda *v: sum(x**2 for x in v), _values(10_000))
    assert gradcheck(lambda *v: add_n(x * x for x in v).tanh(), _values(10_000))


def test_gradcheck_of_10000_inputs_names_the_one_wrong_local_gradient():
    def f(*v):
        return sum(apply(WRONG, x) if i == 4321 else x * x for i, x in enumerate(v))

    with pytest.raises(GradcheckError) as err:
        gradcheck(f, _values(10_000))
    bad = [row for row in err.value.rows if not row.ok]
    assert [row.index for row in bad] == [4321]
    x = 0.1 * (4321 % 7) + 0.5
    assert bad[0].analytic == pytest.approx(3 * x) and bad[0].numerical == pytest.approx(2 * x)
    assert "suspect the local gradient of square" in str(err.value)
    assert "4321" in str(err.value) and len(str(err.value).splitlines()) < 10


def test_gradcheck_of_10000_inputs_names_an_input_the_graph_does_not_record():
    def f(*v):
        return add_n(x**2 for x in v) + Value(v[77].data) * 3.0  # a .data read: d/dx77 lost

    with pytest.raises(GradcheckError, match=r"depends on input 77") as err:
        gradcheck(f, _values(10_000))
    bad = [row for row in err.value.rows if not row.ok]
    assert [row.index for row in bad] == [77]
    assert bad[0].analytic == pytest.approx(1.0) and bad[0].numerical == pytest.approx(4.0)


def test_gradcheck_fast_mode_finds_a_wrong_slot_of_a_wide_op():
    bad_add = Op("add", "+", CHAIN, lambda *xs: sum(xs), lambda *xs: (1.0,) * 40 + (2.0,))
    xs = _values(60)
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda *v: apply(bad_add, *v[:41]) * v[59], xs, fast_mode=True)
    assert [row.index for row in err.value.rows if not row.ok] == [40]


def test_gradcheck_fast_and_exact_modes_agree_on_a_small_function():
    xs = [Value(0.7), Value(-1.3), Value(2.1)]

    def f(a, b, c):
        return (a * b).tanh() + (c**2.5).log() * a.exp() - b.max(c).sigmoid()

    assert gradcheck(f, xs, fast_mode=True) and gradcheck(f, xs, fast_mode=False)


def test_gradcheck_fast_mode_calls_a_kink_a_kink():
    xs = [Value(0.0, "x"), Value(2.0, "y")]
    with pytest.raises(GradcheckError, match=r"kink: relu#1 .*\(analytic 0 by convention") as err:
        gradcheck(lambda x, y: x.relu() * y, xs, fast_mode=True)
    assert [(r.analytic, r.numerical) for r in err.value.rows] == [
        (0.0, pytest.approx(1.0)),
        (0.0, 0.0),
    ]


# -- 5. detect_anomaly is per thread --------------------------------------------------------------


def test_detect_anomaly_in_one_thread_neither_checks_nor_ends_another():
    entered, checked, left = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def other() -> None:
        entered.wait(5)
        try:
            seen["other"] = (Value(1e308) * 10.0).data  # inf, unchecked: this thread is off
        except FloatingPointError as err:
            seen["other"] = err
        with detect_anomaly():
            checked.set()
            left.wait(5)  # the main thread leaves its block now
            try:
                Value(1e308) * 10.0
                seen["inner"] = "not checked"
            except FloatingPointError:
                seen["inner"] = "checked"

    t = threading.Thread(target=other)
    t.start()
    with detect_anomaly():
        entered.set()
        checked.wait(5)
    left.set()
    t.join(5)
    assert seen == {"other": INF, "inner": "checked"}


def test_detect_anomaly_nests():
    with detect_anomaly():
        with detect_anomaly():
            pass
        with pytest.raises(FloatingPointError):
            Value(-1.0).max(NAN)
    assert math.isnan(Value(-1.0).max(NAN).data)


# -- 6. numerical_gradient perturbs x in place, as the book ---------------------------------------


class SimpleNet:
    """DLfS ch.4's simpleNet: z = x W, loss = cross entropy of softmax(z) with t."""

    def __init__(self) -> None:
        self.W = np.array(
            [[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]]
        )

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        z = x @ self.W
        y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        return float(-np.sum(t * np.log(y + 1e-7)))


def test_numerical_gradient_with_the_books_idiom_matches_the_analytic_gradient():
    net, x, t = SimpleNet(), np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])
    w0 = net.W.copy()
    dW = numerical_gradient(lambda W: net.loss(x, t), net.W)
    z = x @ net.W
    y = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(dW, np.outer(x, y - t), rtol=1e-5, atol=1e-7)
    # the book's printed numbers (ch.4.4.2)
    np.testing.assert_allclose(
        dW, [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]], atol=1e-6
    )
    assert np.array_equal(net.W, w0)


def test_numerical_gradient_restores_x_when_f_raises_and_refuses_int_arrays():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[:, ::-1]  # not contiguous: perturbed through indexing
    calls = []

    def f(_):
        calls.append(x.copy())
        if len(calls) == 3:
            raise RuntimeError("boom")
        return float((x**2).sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert calls[0][0, 0] != 2.0 and np.array_equal(x, [[2.0, 1.0], [4.0, 3.0]])
    np.testing.assert_allclose(numerical_gradient(lambda _: float((x**2).sum()), x), 2 * x)
    with pytest.raises(TypeError, match=r"float array, got dtype int64"):
        numerical_gradient(lambda a: float(a.sum()), np.array([1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match=r"read-only"):
        numerical_gradient(lambda a: float(a.sum()), np.broadcast_to(np.ones(1), (3,)))
    # a list or a number is copied: f reads its argument
    np.testing.assert_allclose(numerical_gradient(lambda a: a[0] ** 2 + a[1] ** 2, [3, 4]), [6, 8])


def test_numerical_gradient_perturbs_a_tensors_data_in_place():
    w = Tensor(np.array([1.0, -2.0]))
    g = numerical_gradient(lambda _: float((w.data**3).sum()), w)
    np.testing.assert_allclose(g, [3.0, 12.0], rtol=1e-6)
    assert np.array_equal(w.data, [1.0, -2.0])


# -- 7., 8. grad None counts as zero; backward's grad is one number ------------------------------


def test_a_leaf_grad_set_to_none_counts_as_zero():
    x = Value(2.0)
    x.grad = None
    (x * 3).backward()
    assert x.grad == 3.0
    x.grad = None
    (x * x).backward(create_graph=True)
    assert float(x.grad) == 4.0
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    t.grad = None
    (t * 3).sum().backward()
    np.testing.assert_array_equal(t.grad, [3.0, 3.0])


def test_value_backward_names_a_non_scalar_upstream_gradient():
    with pytest.raises(
        TypeError,
        match=r"backward\(grad=\.\.\.\) of a Value needs one number.*"
        r"ndarray of shape \(2,\)",
    ):
        Value(1.0).backward(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"needs one number.*str"):
        Value(1.0).backward("1")
    x = Value(2.0)
    (x * 3).backward(np.array(2.0))  # a 0-d array is one number
    assert x.grad == 6.0


# -- 9. gradcheck of nothing ----------------------------------------------------------------------


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize("inputs", [[], ()])
def test_gradcheck_needs_at_least_one_input(check, inputs):
    with pytest.raises(ValueError, match="needs at least one input"):
        check(lambda *xs: Value(1.0), inputs)


# -- 10. optimizers refuse non-leaf parameters ----------------------------------------------------

OPTIMIZERS = [
    optim.SGD,
    optim.Momentum,
    optim.Nesterov,
    optim.AdaGrad,
    optim.RMSProp,
    optim.AdaDelta,
    optim.Adam,
]


@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_every_optimizer_refuses_a_non_leaf_value_or_tensor(opt):
    a = Value(1.0)
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Value: params\[1\] .*'mul'"):
        opt([a, a * 2])
    t = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor: params\[0\]"):
        opt([t + 1])
    opt([a, t, Tensor(np.ones(2)) * 2])  # leaves, and a result that needs no grad, are fine


def test_an_optimizer_skips_a_value_whose_grad_is_none():
    a, b = Value(1.0), Value(2.0)
    sgd = optim.SGD([a, b], lr=0.5)
    a.grad, b.grad = None, 4.0
    sgd.step()
    assert (a.data, b.data) == (1.0, 0.0)


def test_pow_whose_unneeded_local_gradient_overflows_still_computes() -> None:
    # 1e-200 ** b: d/db = out log a is finite; d/da = b a^(b-1) = -1e400 overflows, and it is
    # only a float's infinity now (as torch), not an OverflowError for a base that is a constant
    b = Value(-1.0)
    out = 1e-200**b
    out.backward()
    assert out.data == 1e200 and b.grad == pytest.approx(1e200 * math.log(1e-200), rel=1e-15)
    a = Value(1e-200)
    (a**-1.0).backward()
    assert a.grad == -math.inf
