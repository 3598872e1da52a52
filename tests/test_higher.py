"""Higher-order gradients: the backward pass built as a graph, and differentiated again."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradkr import (
    GradcheckError,
    Op,
    Value,
    apply,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
)
from microgradkr.tensor import Tensor, TensorOp, _values
from microgradkr.tensor import apply as tensor_apply
from microgradkr.testing import (
    BUILTIN_OPS,
    BUILTIN_TENSOR_OPS,
    expressions,
    op_cases,
    tensor_op_cases,
)


def derivatives(f, x, n):
    """f', f'', ..., f^(n) at x by differentiating backprop n times."""
    xv = Value(x)
    out = [f(xv)]
    for k in range(n):
        last = out[-1]  # a float derivative is a constant: the next one is 0
        (d,) = grad(last, [xv], create_graph=k < n - 1) if isinstance(last, Value) else (0.0,)
        out.append(d)
    return [float(d) for d in out[1:]]


s = 1 / (1 + math.exp(-0.7))
t = math.tanh(0.7)
CLOSED_FORMS = [  # f, x, [f', f'', f''']
    (lambda v: v.exp(), 0.7, [math.exp(0.7)] * 3),
    (lambda v: v.log(), 0.7, [1 / 0.7, -1 / 0.7**2, 2 / 0.7**3]),
    (
        lambda v: v.tanh(),
        0.7,
        [1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)],
    ),
    (
        lambda v: v.sigmoid(),
        0.7,
        [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)],
    ),
    (lambda v: v.reciprocal(), 0.7, [-1 / 0.7**2, 2 / 0.7**3, -6 / 0.7**4]),
    (lambda v: v**3, 0.7, [3 * 0.49, 6 * 0.7, 6.0]),
    (lambda v: v**0.5, 0.7, [0.5 * 0.7**-0.5, -0.25 * 0.7**-1.5, 0.375 * 0.7**-2.5]),
    (lambda v: 2**v, 0.7, [2**0.7 * math.log(2) ** k for k in (1, 2, 3)]),
    (lambda v: v.relu() * v, 0.7, [1.4, 2.0, 0.0]),
    (lambda v: abs(v) * v, -0.7, [1.4, -2.0, 0.0]),
    (lambda v: v.max(v * v), 0.7, [1.0, 0.0, 0.0]),
    (lambda v: 1 / (1 + (-v).exp()), 0.7, [s * (1 - s), s * (1 - s) * (1 - 2 * s), None]),
]


@pytest.mark.parametrize("f, x, expected", CLOSED_FORMS)
def test_second_and_third_derivatives_match_closed_forms(f, x, expected):
    got = derivatives(f, x, 3)
    for g, e in zip(got, expected, strict=True):
        if e is not None:
            assert g == pytest.approx(e, rel=1e-12)


def test_backward_create_graph_makes_grad_a_value_with_history():
    x = Value(2.0, "x")
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0 and x.grad.op is not None
    g = x.grad
    x.grad = 0.0
    g.backward()
    assert x.grad == 12.0  # d/dx 3x^2 = 6x


def test_grad_leaves_every_grad_alone_and_adds_outputs():
    x, y = Value(2.0), Value(3.0)
    x.grad = 5.0
    assert grad(x * x * y, [x, y]) == (12.0, 4.0)
    assert grad([x * y, x * 2.0], [x]) == (5.0,)
    assert grad(x * y, [x], grad_outputs=[10.0]) == (30.0,)
    assert x.grad == 5.0 and y.grad == 0.0
    assert grad(y * 2.0, [x]) == (0.0,)  # an unused input
    with pytest.raises(ValueError, match="2 outputs but 3 grad_outputs"):
        grad([x, y], [x], grad_outputs=[1.0, 1.0, 1.0])


def test_hessian_of_a_quadratic_and_of_a_product():
    a = np.array([[2.0, 0.5], [0.5, 4.0]])
    h = hessian(lambda x, y: x * x + x * y * 0.5 + 2 * y * y, [1.0, -2.0])
    np.testing.assert_allclose(h, a)
    np.testing.assert_allclose(hessian(lambda x, y: x * y, [3.0, 4.0]), [[0, 1], [1, 0]])


@pytest.mark.parametrize("op", BUILTIN_OPS)
@settings(max_examples=30)
@given(data=st.data())
def test_gradgradcheck_passes_for_every_op(op, data):
    assert gradgradcheck(*data.draw(op_cases(op)))


@settings(max_examples=50)
@given(expressions(max_depth=5))
def test_gradgradcheck_on_random_expressions(case):
    assert gradgradcheck(*case)


# x^2 whose local gradient is right in value (2x) but cut from x: its second derivative is 0.
DETACHED_SQUARE = Op("square", "x²", "chain", lambda x: x * x, lambda x, out: (2 * float(x),))


def test_gradgradcheck_fails_for_a_wrong_second_derivative():
    f = lambda x: apply(DETACHED_SQUARE, x)  # noqa: E731
    assert gradgradcheck(lambda x: x * x, [1.5])
    assert gradcheck(f, [1.5])  # first order is right...
    with pytest.raises(GradcheckError, match="gradgradcheck") as info:
        gradgradcheck(f, [1.5])  # ...the second is not
    (row,) = info.value.rows
    assert (row.analytic, row.numerical) == (0.0, pytest.approx(2.0))


@settings(max_examples=60)
@given(expressions(max_depth=6))
def test_second_and_third_derivatives_match_torch(case):
    torch = pytest.importorskip("torch")
    from torch_twins import in_torch

    f, xs = case
    ts = [torch.tensor(x.data, dtype=torch.float64, requires_grad=True) for x in xs]
    ref = in_torch(f, ts)
    if not ref.requires_grad:
        return
    (t1,) = torch.autograd.grad(ref, ts[0], create_graph=True, allow_unused=True)
    ours = derivatives(lambda v: f(v, *xs[1:]), xs[0].data, 3)
    theirs = []
    d = t1
    for _ in range(3):
        if d is None or not d.requires_grad:
            theirs.append(0.0 if d is None else d.item())
            d = None
            continue
        theirs.append(d.item())
        (d,) = torch.autograd.grad(d, ts[0], create_graph=True, allow_unused=True)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-9)


# -- which nodes a create_graph pass built (what the diagram draws as the backward pass) ------


def test_create_graph_marks_the_nodes_it_built_and_nothing_else():
    from microgradkr.graph import backward_twin, topological_order
    from microgradkr.ops import MUL

    x = Value(0.5, "x")
    y = x.tanh() * x
    forward = topological_order(y)
    (d1,) = grad(y, [x], create_graph=True)
    assert all(n.op is None or not n.op.in_backward for n in forward)  # forward: untouched
    built = [n for n in topological_order(d1) if n not in set(forward) and n.op is not None]
    assert built and all(n.op.in_backward for n in built)
    twin = backward_twin(MUL)
    assert twin is backward_twin(MUL) and twin.in_backward and twin.local is MUL.local
    (d2,) = grad(d1, [x], create_graph=True)  # the third-order graph: new nodes marked too
    second = [n for n in topological_order(d2) if n.op is not None]
    assert all(n.op.in_backward for n in second if n not in set(forward))
    y.backward()  # the plain float path builds and marks nothing
    assert all(n.op is None or not n.op.in_backward for n in forward)
    assert type(x.grad) is float


def test_a_seed_with_a_history_is_not_marked():
    x = Value(0.5, "x")
    s = Value(2.0, "s") * 3.0  # a seed made by the user, not by backward
    (x * x).backward(grad=s, create_graph=True)
    assert not s.op.in_backward and x.grad.op.in_backward
    assert x.grad.data == 6.0


@pytest.mark.parametrize("op", BUILTIN_TENSOR_OPS)
@settings(max_examples=10)
@given(data=st.data())
def test_gradgradcheck_passes_for_every_tensor_op(op, data):
    f, inputs = data.draw(tensor_op_cases(op))
    assert gradgradcheck(f, inputs)


def test_gradgradcheck_on_a_tensor_function_with_a_vector_output():
    x = Tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    w = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]), requires_grad=True)
    assert gradgradcheck(lambda w, x: (w @ x).tanh() * (w @ x), [w, x])


# x^2 on Tensors whose VJP is right in value (2 x g) but cut from x: its second derivative is 0.
DETACHED_TENSOR_SQUARE = TensorOp(
    "square", "x²", "chain", np.square, (lambda g, x, out: g * 2.0 * np.asarray(_values(x)),)
)


def test_gradgradcheck_fails_for_a_wrong_tensor_second_derivative():
    x = Tensor(np.array([1.5, -0.5]), requires_grad=True)

    def f(x):
        return tensor_apply(DETACHED_TENSOR_SQUARE, x).sum()

    assert gradcheck(f, [x])
    with pytest.raises(GradcheckError, match="gradgradcheck"):
        gradgradcheck(f, [x])
