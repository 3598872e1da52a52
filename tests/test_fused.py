"""The fused ops (Affine, BatchNorm, Softmax-with-Loss): one node each, closed-form VJPs checked
numerically and against torch, to the second order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from microgradkr import Tensor, draw, gradcheck, nn, no_grad
from microgradkr.functional import SOFTMAX_CE, cross_entropy
from microgradkr.tensor import ADD, MATMUL, apply
from microgradkr.tensor_ops_fused import AFFINE, BATCH_NORM, affine, batch_norm_train
from microgradkr.testing import check_op, tensors

RNG = np.random.default_rng(7)


def _bn(x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
    return batch_norm_train(x, gamma, beta, 1e-5)[0]


def _inputs(dtype: Any = np.float64) -> list[np.ndarray]:
    x = RNG.normal(size=(5, 3)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
    return [a.astype(dtype) for a in (x, RNG.normal(size=3), RNG.normal(size=3))]


def test_batch_norm_is_one_node_with_its_three_parents() -> None:
    x, g, b = (Tensor(a, requires_grad=True) for a in _inputs())
    out = _bn(x, g, b)
    assert out.op is BATCH_NORM and out.parents == (x, g, b)
    layer = nn.BatchNorm1d(3)
    assert layer(x).op is BATCH_NORM
    assert cross_entropy(x, np.array([0, 1, 2, 0, 1])).op is SOFTMAX_CE


def _affine_inputs(dtype: Any = np.float64, n: int = 4) -> list[np.ndarray]:
    shapes = [(n, 3), (3, 5), (5,)] if n else [(3,), (3, 5), (5,)]
    return [RNG.normal(size=s).astype(dtype) for s in shapes]


def test_affine_layer_is_one_node_with_the_dlfs_gradients() -> None:
    x, W, b = _affine_inputs()
    layer = nn.Affine(3, 5)
    layer.W.data[:], layer.b.data[:] = W, b
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    assert out.op is AFFINE and out.parents == (xt, layer.W, layer.b)
    np.testing.assert_array_equal(out.data, x @ W + b)  # the same numbers as the two ops
    dout = RNG.normal(size=out.shape)
    out.backward(dout)
    np.testing.assert_allclose(xt.grad, dout @ W.T, rtol=1e-14)  # dx = dout Wᵀ
    np.testing.assert_allclose(layer.W.grad, x.T @ dout, rtol=1e-14)  # dW = xᵀ dout
    np.testing.assert_allclose(layer.b.grad, dout.sum(axis=0), rtol=1e-14)  # db = Σ dout
    assert nn.Affine(3, 5, bias=False)(xt).op is MATMUL  # no bias: the product alone


def test_affine_with_mixed_dtypes_takes_the_two_promoting_ops() -> None:
    x, W, b = _affine_inputs(np.float32)
    xi = Tensor(x.astype(np.int64), dtype=np.int64)
    out = affine(xi, Tensor(W, requires_grad=True), Tensor(b, requires_grad=True))
    assert out.op is ADD and out.dtype == np.float32  # int64 x float32: float32, as torch


def test_affine_of_other_shapes_takes_the_two_ops_and_the_node_names_what_it_needs() -> None:
    x, W = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones((3, 4)))
    wide = Tensor(np.ones((2, 4)))  # a b that is not a row: broadcast by the add node
    assert affine(x, W, wide).op is ADD
    with pytest.raises(ValueError, match=r"affine .*\(2, 4\): needs x \(N, D\) or \(D,\), W"):
        apply(AFFINE, x, W, wide)
    with pytest.raises(ValueError, match=r"affine .*\(2, 3\) and \(4, 3\) and \(3,\): needs"):
        apply(AFFINE, x, Tensor(np.ones((4, 3))), Tensor(np.ones(3)))  # x's D is not W's


@pytest.mark.parametrize("n", [4, 0])  # a batch, and one example (1-D x)
def test_affine_gradcheck(n: int) -> None:
    assert gradcheck(affine, _affine_inputs(n=n))


def _affine_args(x: tuple[int, ...], W: tuple[int, ...], b: tuple[int, ...]) -> Any:
    """No arguments, for the shapes of a layer; None (does not fit) for the others."""
    st = pytest.importorskip("hypothesis.strategies")
    if len(x) not in (1, 2) or len(W) != 2 or x[-1] != W[0] or b != W[1:]:
        return None
    return st.just(())


def _affine_cases(entry: Any) -> Any:
    """x (N, D) or (D,), W (D, M) and b (M,), entries in [-2, 2]."""
    st = pytest.importorskip("hypothesis.strategies")

    @st.composite  # type: ignore[untyped-decorator]
    def case(draw: Any) -> tuple[list[Tensor], tuple[()]]:
        n, d, m = (draw(st.integers(lo, 3)) for lo in (0, 1, 1))
        shapes = [(n, d) if n else (d,), (d, m), (m,)]
        return [draw(tensors(s, min_value=-2.0, max_value=2.0)) for s in shapes], ()

    return case()


def test_affine_is_fuzzed_as_a_registered_op() -> None:
    """Alone at drawn layers, then inside random expressions with the built-in ops."""
    check_op(AFFINE, tensor=True, args=_affine_args, cases=_affine_cases, max_examples=25)


def test_affine_under_no_grad_is_a_constant() -> None:
    x, W, b = (Tensor(a, requires_grad=True) for a in _affine_inputs())
    with no_grad():
        out = affine(x, W, b)
    assert out.op is None and not out.requires_grad


def test_affine_reads_as_the_dlfs_layer_in_a_diagram() -> None:
    layer = nn.Affine(3, 2, rng=0)
    x = Tensor(RNG.normal(size=(4, 3)), label="x")
    out = layer(x).sum()
    out.backward()
    src = draw(out).source
    assert "<b>affine</b>" in src
    assert "VJP g Wᵀ" in src and "VJP xᵀ g" in src and "VJP sum of g over the batch" in src


def test_batch_norm_gradcheck() -> None:
    assert gradcheck(_bn, _inputs())


def test_batch_norm_node_made_by_apply_recomputes_its_statistics() -> None:
    from microgradkr.tensor import apply

    arrays = _inputs()
    a = [Tensor(v, requires_grad=True) for v in arrays]
    b = [Tensor(v, requires_grad=True) for v in arrays]
    out_a = apply(BATCH_NORM, *a, args=(1e-5,))
    out_b = _bn(*b)
    np.testing.assert_allclose(out_a.data, out_b.data, rtol=1e-12, atol=1e-12)
    w = RNG.normal(size=out_a.shape)
    out_a.backward(w)
    out_b.backward(w)
    for p, q in zip(a, b, strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-10, atol=1e-12)


def test_batch_norm_of_a_constant_float32_column_has_no_slope_in_gamma() -> None:
    """Three equal float32 values: their mean is the value itself (summed in float64, as torch),
    so x-hat is 0 and dL/dgamma too; a float32 sum rounded it to -0.0145."""
    x = Tensor(np.full((3, 1), 171.51016235351562, np.float32), requires_grad=True)
    gamma = Tensor(np.ones(1, np.float32), requires_grad=True)
    beta = Tensor(np.zeros(1, np.float32), requires_grad=True)
    out = batch_norm_train(x, gamma, beta, 1e-5)[0]
    out.backward(np.ones((3, 1), np.float32))
    assert np.all(out.data == 0.0)
    assert gamma.grad is not None and gamma.grad.tolist() == [0.0]
    assert gamma.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_joint_vjp_is_its_three_rules(dtype: Any) -> None:
    """The one-call backward (shared sums) gives what the three per-input rules give."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4)).astype(dtype)
    gamma, beta = rng.standard_normal(4).astype(dtype), rng.standard_normal(4).astype(dtype)
    g = rng.standard_normal((5, 4)).astype(dtype)
    out = BATCH_NORM.forward(x, gamma, beta, 1e-5)
    assert BATCH_NORM.joint is not None
    joint = BATCH_NORM.joint(g, x, gamma, beta, out, 1e-5)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for got, vjp in zip(joint, BATCH_NORM.vjps, strict=True):
        want = vjp(g, x, gamma, beta, out, 1e-5)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
        assert got.dtype == dtype


torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_layer_matches_torch(dtype: Any) -> None:
    arrays = _inputs(dtype)
    layer = nn.BatchNorm1d(3, dtype=dtype)
    layer.gamma.data[:] = arrays[1]
    layer.beta.data[:] = arrays[2]
    x = Tensor(arrays[0], requires_grad=True)
    w = RNG.normal(size=(5, 3)).astype(dtype)
    out = layer(x)
    out.backward(w)
    ref = torch.nn.BatchNorm1d(3, dtype=getattr(torch, np.dtype(dtype).name))
    with torch.no_grad():
        ref.weight[:] = torch.tensor(arrays[1])
        ref.bias[:] = torch.tensor(arrays[2])
    xt = torch.tensor(arrays[0], requires_grad=True)
    ot = ref(xt)
    ot.backward(torch.tensor(w))
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    assert out.dtype == dtype and x.grad.dtype == dtype and layer.gamma.grad.dtype == dtype
    np.testing.assert_allclose(out.data, ot.detach().numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(layer.gamma.grad, ref.weight.grad.numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(layer.beta.grad, ref.bias.grad.numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(layer.running_mean.data, ref.running_mean.numpy(), rtol=rtol)
    np.testing.assert_allclose(layer.running_var.data, ref.running_var.numpy(), rtol=rtol)


def _second_order(f: Any, tf: Any, arrays: list[np.ndarray], w: np.ndarray) -> None:
    """d/d(inputs) of sum(w * grad) where grad = d(sum(v * f))/d(inputs), ours and torch's."""
    v = RNG.normal(size=w.shape) if w.ndim else np.float64(1.0)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    out.backward(v if out.ndim else None, create_graph=True)
    first = [x.grad for x in xs]
    total = sum(((g * w) if g.shape == w.shape else g * 1.0).sum() for g in first)
    for x in xs:
        x.grad = None
    total.backward()
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = tf(*ts)
    tfirst = torch.autograd.grad(
        tout, ts, torch.tensor(v) if tout.ndim else None, create_graph=True
    )
    ttotal = sum(((g * torch.tensor(w)) if g.shape == w.shape else g * 1.0).sum() for g in tfirst)
    tsecond = torch.autograd.grad(ttotal, ts, allow_unused=True)
    for x, g, tg in zip(xs, first, tsecond, strict=True):
        assert g.op is not None or g.requires_grad  # the gradient has a graph of its own
        expect = np.zeros_like(x.data) if tg is None else tg.numpy()
        got = np.zeros_like(x.data) if x.grad is None else np.asarray(x.grad.data)
        np.testing.assert_allclose(got, expect, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [4, 0])
def test_affine_matches_torch(dtype: Any, n: int) -> None:
    arrays = _affine_inputs(dtype, n)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = affine(*xs)
    w = RNG.normal(size=out.shape).astype(dtype)
    out.backward(w)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ot = F.linear(ts[0], ts[1].T, ts[2])
    ot.backward(torch.tensor(w))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert out.dtype == dtype and all(x.grad.dtype == dtype for x in xs)  # float32 stays
    np.testing.assert_allclose(out.data, ot.detach().numpy(), rtol=rtol, atol=rtol)
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=rtol, atol=rtol)


def test_affine_second_order_matches_torch() -> None:
    arrays = _affine_inputs()
    w = RNG.normal(size=(4, 5))
    # a tanh on top, so that the second derivative is not zero
    _second_order(
        lambda x, W, b: affine(x, W, b).tanh(),
        lambda x, W, b: F.linear(x, W.T, b).tanh(),
        arrays,
        w,
    )


def test_batch_norm_second_order_matches_torch() -> None:
    arrays = _inputs()
    w = RNG.normal(size=(5, 3))

    def tf(x: Any, g: Any, b: Any) -> Any:
        return F.batch_norm(x, None, None, g, b, training=True, eps=1e-5)

    _second_order(_bn, tf, arrays, w)


def test_softmax_with_loss_second_order_matches_torch() -> None:
    x = RNG.normal(size=(4, 3))
    t = np.array([0, 2, 1, 2])
    w = RNG.normal(size=(4, 3))
    _second_order(
        lambda a: cross_entropy(a, t), lambda a: F.cross_entropy(a, torch.tensor(t)), [x], w
    )


def test_softmax_with_loss_matches_torch_in_float32() -> None:
    x = RNG.normal(size=(6, 4)).astype(np.float32)
    t = np.array([0, 3, 1, 2, 2, 0])
    a = Tensor(x, requires_grad=True)
    loss = cross_entropy(a, t)
    loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    lt = F.cross_entropy(xt, torch.tensor(t))
    lt.backward()
    assert loss.dtype == np.float32 and a.grad.dtype == np.float32
    np.testing.assert_allclose(loss.data, lt.item(), rtol=1e-5)
    np.testing.assert_allclose(a.grad, xt.grad.numpy(), rtol=1e-5, atol=1e-7)
