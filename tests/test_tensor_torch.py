"""Every Tensor op against torch.autograd: values and gradients on random shapes, float64.

Inputs come from microgradkr.testing, the strategies users import: every registered Tensor op
alone (``tensor_op_cases``) and random expressions over all of them (``tensor_expressions``),
away from ties, relu at 0 and log near 0, where gradcheck's central differences would differ by
definition. Ties are tested on their own in test_tensor.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from microgradkr import Tensor, gradcheck
from microgradkr import functional as F
from microgradkr.testing import (
    BUILTIN_TENSOR_OPS,
    CONV_TENSOR_OPS,
    TensorExpression,
    shapes,
    tensor_expressions,
    tensor_op_cases,
    tensors,
)

torch = pytest.importorskip("torch")
TF = torch.nn.functional
from torch_twins import TORCH_TENSOR, in_torch_tensor  # noqa: E402 (needs torch)

seeds = st.integers(0, 2**32 - 1)


def compare(
    ours: Callable[..., Tensor],
    theirs: Callable[..., Any],
    arrays: list[np.ndarray],
    seed: int,
    check: bool = True,
) -> None:
    """Same value, same gradients (seeded with a random upstream), and gradcheck passes."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*xs), theirs(*ts)
    assert out.shape == tuple(tout.shape)
    assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(seed + 1).standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for x, t in zip(xs, ts, strict=True):
        if t.grad is None:  # an input that a random expression does not use
            assert x.grad is None
            continue
        assert x.grad is not None and x.grad.shape == x.shape
        assert_allclose(x.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)
    if check:
        assert gradcheck(ours, arrays)


def normal(seed: int, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def twin(f: TensorExpression) -> Callable[..., Any]:
    return lambda *ts: in_torch_tensor(f, ts)


def test_every_tensor_op_has_a_torch_twin() -> None:
    assert set(TORCH_TENSOR) == set(BUILTIN_TENSOR_OPS) | set(CONV_TENSOR_OPS)


@pytest.mark.parametrize("op", BUILTIN_TENSOR_OPS)
@given(data=st.data(), seed=seeds)
@settings(max_examples=10)
def test_every_tensor_op_matches_torch(op: str, data: Any, seed: int) -> None:
    f, xs = data.draw(tensor_op_cases(op))  # gradcheck on these: test_properties.py, without torch
    compare(f, twin(f), [x.data for x in xs], seed, check=False)


@given(case=tensor_expressions(), seed=seeds)
@settings(max_examples=40)
def test_random_tensor_expressions_match_torch(case: Any, seed: int) -> None:
    f, xs = case
    compare(f, twin(f), [x.data for x in xs], seed, check=False)


@given(x=tensors(min_value=0.5, max_value=3.0), seed=seeds, c=st.sampled_from([-1.5, 0.0, 2.0]))
@settings(max_examples=20)
def test_reflected_ops_with_numbers(x: Tensor, seed: int, c: float) -> None:
    compare(lambda x: c - x + c * x - c / x, lambda x: c - x + c * x - c / x, [x.data], seed)


@st.composite
def shape_and_axis(draw: Any) -> tuple[tuple[int, ...], Any, bool]:
    shape = draw(shapes(min_dims=1))
    nd = len(shape)
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-nd, nd - 1),
            st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple),
        )
    )
    return shape, axis, draw(st.booleans())


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4, 2)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (5, 4, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_matches_torch(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = normal(7, sa, sb)
    compare(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], 7)


@given(shape=shapes(min_dims=1), seed=seeds)
@settings(max_examples=20)
def test_softmax_and_log_softmax_match_torch(shape: tuple[int, ...], seed: int) -> None:
    (a,) = normal(seed, shape)
    axis = int(np.random.default_rng(seed).integers(-len(shape), len(shape)))
    compare(lambda x: F.softmax(x, axis=axis), lambda x: torch.softmax(x, dim=axis), [a], seed)
    compare(
        lambda x: F.log_softmax(x, axis=axis),
        lambda x: torch.log_softmax(x, dim=axis),
        [a],
        seed,
    )


@given(n=st.integers(1, 6), c=st.integers(1, 5), seed=seeds)
@settings(max_examples=20)
def test_cross_entropy_matches_torch(n: int, c: int, seed: int) -> None:
    (a,) = normal(seed, (n, c))
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, n)
    compare(
        lambda x: F.cross_entropy(x, labels),
        lambda x: TF.cross_entropy(x, torch.tensor(labels)),
        [a],
        seed,
    )
    probs = rng.dirichlet(np.ones(c), size=n)
    compare(
        lambda x: F.cross_entropy(x, probs),
        lambda x: TF.cross_entropy(x, torch.tensor(probs)),
        [a],
        seed,
    )


@given(n=st.integers(1, 6), c=st.integers(2, 5), seed=seeds)
@settings(max_examples=20)
def test_hinge_matches_torch_multi_margin(n: int, c: int, seed: int) -> None:
    (a,) = normal(seed, (n, c))
    labels = np.random.default_rng(seed).integers(0, c, n)
    # torch divides each example's sum by the number of classes; CS231n does not
    compare(
        lambda x: F.hinge(x, labels),
        lambda x: TF.multi_margin_loss(x, torch.tensor(labels)) * c,
        [a],
        seed,
    )


@given(shape=shapes(), seed=seeds)
@settings(max_examples=15)
def test_mse_matches_torch(shape: tuple[int, ...], seed: int) -> None:
    a, t = normal(seed, shape, shape)
    compare(
        lambda y: F.mse(y, t),
        lambda y: 0.5 * TF.mse_loss(y, torch.tensor(t), reduction="sum"),
        [a],
        seed,
    )
    compare(
        lambda y: F.mse(y, t, reduction="mean"),
        lambda y: TF.mse_loss(y, torch.tensor(t)),
        [a],
        seed,
    )


def test_a_composite_network_matches_torch() -> None:
    a, w, b, w2 = normal(3, (5, 4), (4, 6), (6,), (6, 3))
    labels = np.array([0, 2, 1, 1, 0])

    def ours(x: Tensor, W: Tensor, B: Tensor, W2: Tensor) -> Tensor:
        return F.cross_entropy((x @ W + B).tanh() @ W2, labels)

    def theirs(x: Any, W: Any, B: Any, W2: Any) -> Any:
        return TF.cross_entropy(torch.tanh(x @ W + B) @ W2, torch.tensor(labels))

    compare(ours, theirs, [a, w, b, w2], 3)


# -- second order: backward(create_graph=True), then backward through the gradient's graph ---------


def compare_second_order(
    ours: Callable[..., Tensor], theirs: Callable[..., Any], arrays: list[np.ndarray], seed: int
) -> None:
    """Hessian-vector products sum_i <dL/dx_i, v_i> differentiated again, against torch."""
    rng = np.random.default_rng(seed + 2)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*xs), theirs(*ts)
    r = rng.standard_normal(out.shape)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    (out * r).sum().backward(create_graph=True)
    grads = [x.grad for x in xs]
    assert all(isinstance(g, Tensor) for g in grads)
    tgrads = torch.autograd.grad((tout * torch.tensor(r)).sum(), ts, create_graph=True)
    for g, tg in zip(grads, tgrads, strict=True):
        assert_allclose(g.data, tg.detach().numpy(), rtol=1e-9, atol=1e-12)
    for x in xs:
        x.grad = None
    inner = sum((g * v).sum() for g, v in zip(grads, vs, strict=True))
    if not isinstance(inner, Tensor) or not inner.requires_grad:
        return  # the gradient does not depend on the inputs (a linear op)
    inner.backward()
    tinner = sum((tg * torch.tensor(v)).sum() for tg, v in zip(tgrads, vs, strict=True))
    if not tinner.requires_grad:
        return
    hv = torch.autograd.grad(tinner, ts, allow_unused=True)
    for x, h in zip(xs, hv, strict=True):
        expected = np.zeros(x.shape) if h is None else h.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad
        assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("op", BUILTIN_TENSOR_OPS)
@given(data=st.data(), seed=seeds)
@settings(max_examples=6)
def test_every_tensor_op_second_order_matches_torch(op: str, data: Any, seed: int) -> None:
    """Squared, so that the gradient of a linear op depends on its input too."""
    f, xs = data.draw(tensor_op_cases(op))
    if op == "pow_tensor":
        # torch makes d(x**y)/dx a constant 0 where y = 0, so its d/dy of that is 0 there; the
        # true one is x**(y - 1), which we give (see the test below)
        assume(not np.any(xs[1].data == 0))
    compare_second_order(
        lambda *x: f(*x) ** 2, lambda *t: in_torch_tensor(f, t) ** 2, [x.data for x in xs], seed
    )


def test_pow_tensor_mixed_second_derivative_where_the_exponent_is_zero() -> None:
    """d/dy d(x**y)/dx = x**(y-1) (1 + y log x): at y = 0, 1/x (torch's masked rule gives 0)."""
    x = Tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    y = Tensor(np.zeros(3), requires_grad=True)
    (x**y).sum().backward(create_graph=True)
    dx = x.grad
    assert_allclose(dx.data, [0.0, 0.0, 0.0])
    x.grad = y.grad = None
    dx.sum().backward()
    assert_allclose(y.grad, [1.0, 0.5, 0.25])


@given(case=shape_and_axis(), seed=seeds)
@settings(max_examples=10)
def test_reductions_and_shapes_second_order_match_torch(case: Any, seed: int) -> None:
    shape, axis, keep = case
    (a,) = normal(seed, shape)
    dims = tuple(range(len(shape))) if axis is None else axis
    idx = np.random.default_rng(seed).integers(0, shape[0], size=4)
    for ours, theirs in (
        (
            lambda x: (x * x).sum(axis=axis, keepdims=keep),
            lambda x: (x * x).sum(dim=dims, keepdim=keep),
        ),
        (
            lambda x: x.exp().mean(axis=axis, keepdims=keep),
            lambda x: x.exp().mean(dim=dims, keepdim=keep),
        ),
        (
            lambda x: x.tanh().max(axis=axis, keepdims=keep) ** 2,
            lambda x: torch.amax(x.tanh(), dim=dims, keepdim=keep) ** 2,
        ),
        (
            lambda x: (x.T * x.T).reshape(-1),
            lambda x: x.permute(*reversed(range(x.ndim))).pow(2).reshape(-1),
        ),
        (lambda x: x[idx] ** 3, lambda x: x[torch.tensor(idx)] ** 3),
    ):
        compare_second_order(ours, theirs, [a], seed)


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_second_order_matches_torch(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = normal(8, sa, sb)
    compare_second_order(lambda x, y: (x @ y) ** 2, lambda x, y: (x @ y) ** 2, [a, b], 8)


@given(n=st.integers(1, 5), c=st.integers(1, 4), seed=seeds)
@settings(max_examples=10)
def test_losses_second_order_match_torch(n: int, c: int, seed: int) -> None:
    a, w = normal(seed, (n, c), (c, c))
    labels = np.random.default_rng(seed).integers(0, c, n)
    tl = torch.tensor(labels)
    compare_second_order(
        lambda x, m: F.cross_entropy(x @ m, labels),
        lambda x, m: TF.cross_entropy(x @ m, tl),
        [a, w],
        seed,
    )
    compare_second_order(
        lambda x: F.softmax(x) * x,
        lambda x: torch.softmax(x, dim=-1) * x,
        [a],
        seed,
    )
    compare_second_order(
        lambda x: F.log_softmax(x) * x,
        lambda x: torch.log_softmax(x, dim=-1) * x,
        [a],
        seed,
    )
