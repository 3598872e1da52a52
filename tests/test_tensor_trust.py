"""Regression tests for silently wrong numbers in Tensor, each checked against PyTorch (float64)
and/or known values: transpose/permute, a stable sigmoid, boolean and integer indexing, the dtype
of a leaf's gradient, and the ops' behaviour at awkward inputs (0-d, empty, ±inf, NaN)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from microgradkr import Tensor
from microgradkr import functional as F

torch = pytest.importorskip("torch")


def _pair(a: Any, dtype: Any = np.float64) -> tuple[Tensor, Any]:
    """The same leaf in microgradkr and in torch."""
    arr = np.asarray(a, dtype=dtype)
    return Tensor(arr, requires_grad=True, dtype=dtype), torch.tensor(arr, requires_grad=True)


def _same(ours: Any, theirs: Any, rtol: float = 1e-15) -> None:
    """Equal values, NaN where torch has NaN, same dtype and shape."""
    ours = np.asarray(ours.data if isinstance(ours, Tensor) else ours)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    assert_allclose(ours, theirs, rtol=rtol, atol=0)


# -- 1, 2: transpose swaps two dims, permute reorders, .T reverses -----------------------------


def test_transpose_negative_dim_gradient_is_w_transposed() -> None:
    """Was: x.grad == w (argsort of the raw perm (-1, 0) is (0, 1)); now wᵀ, as torch."""
    rng = np.random.default_rng(0)
    x, tx = _pair(rng.standard_normal((2, 3)))
    w = rng.standard_normal((3, 2))
    (x.transpose(-1, 0) * w).sum().backward()
    (tx.transpose(-1, 0) * torch.tensor(w)).sum().backward()
    assert x.grad is not None and x.grad.shape == (2, 3)
    _same(x.grad, tx.grad)
    assert_array_equal(x.grad, w.T)


def test_transpose_swaps_two_dims_like_torch() -> None:
    """Was: transpose(0, 1) of a 2-D tensor returned it unchanged (numpy's axes tuple)."""
    a = np.arange(24.0).reshape(2, 3, 4)
    for d0, d1 in [(0, 1), (1, 0), (0, -1), (-1, -2), (2, 2), (-3, 1)]:
        x, tx = _pair(a)
        g = np.random.default_rng(abs(d0 + 7 * d1)).standard_normal(tx.transpose(d0, d1).shape)
        y = x.transpose(d0, d1)
        _same(y, tx.transpose(d0, d1))
        y.backward(g)
        tx.transpose(d0, d1).backward(torch.tensor(g))
        _same(x.grad, tx.grad)
    m = Tensor(np.arange(6.0).reshape(2, 3))
    assert_array_equal(m.transpose(0, 1).data, np.arange(6.0).reshape(2, 3).T)


def test_permute_and_T() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    for dims in [(2, 0, 1), (-1, 0, 1), (1, 2, 0)]:
        x, tx = _pair(a)
        g = np.random.default_rng(sum(dims) + 5).standard_normal(tx.permute(dims).shape)
        x.permute(*dims).backward(g)  # varargs
        _same(x.permute(dims), tx.permute(dims))  # one tuple
        tx.permute(dims).backward(torch.tensor(g))
        _same(x.grad, tx.grad)
    x, tx = _pair(np.arange(6.0).reshape(2, 3))
    _same(x.T, tx.T)
    assert Tensor(a).T.shape == (4, 3, 2)  # all dims reversed, as numpy
    assert Tensor(3.0).T.shape == () and Tensor(3.0).transpose(0, -1).shape == ()


def test_transpose_and_permute_bad_dims() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"dim 2 .* 2 dims .*\[-2, 1\]"):
        x.transpose(0, 2)
    with pytest.raises(IndexError, match=r"dim -3"):
        x.transpose(-3, 0)
    with pytest.raises(TypeError):
        x.transpose((1, 0))  # type: ignore[call-arg]  # numpy's meaning: use permute
    with pytest.raises(TypeError, match="permute"):
        x.transpose((1, 0), 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeat"):
        x.permute(0, 0)
    with pytest.raises(ValueError, match="3 axes, but the tensor has 2"):
        x.permute(0, 1, 2)
    with pytest.raises(IndexError, match="dim 5"):
        x.permute(5, 0)


def test_transpose_second_derivative() -> None:
    """create_graph through a transpose: d²/dx² of sum((xᵀ)³ w) = 6 x wᵀ."""
    rng = np.random.default_rng(1)
    a, w = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    x, tx = _pair(a)
    (x.transpose(1, 0) ** 3 * w).sum().backward(create_graph=True)
    gx = x.grad
    x.grad = None
    (gx * gx).sum().backward()
    loss = (tx.transpose(1, 0) ** 3 * torch.tensor(w)).sum()
    (g,) = torch.autograd.grad(loss, tx, create_graph=True)
    (g * g).sum().backward()
    _same(x.grad, tx.grad, rtol=1e-13)


# -- 3: a sigmoid without cancellation ---------------------------------------------------------


def _exact_sigmoid(x: float) -> float:
    """σ(x) from np.exp(x) (one rounding) in exact rational arithmetic, then rounded once."""
    from fractions import Fraction

    if x >= 0:
        return float(1 / (1 + Fraction(np.exp(-x))))
    e = Fraction(np.exp(x))
    return float(e / (1 + e))


def test_sigmoid_relative_error_against_torch_float64() -> None:
    """Was: 0.5 + 0.5 tanh(x/2): relative error 1.7e-4 at -30, exactly 0 below -38."""
    a = np.concatenate([np.linspace(-708.0, 745.0, 20001), [-40.0, -38.5, -30.0, -1e-300, 5e-324]])
    x, tx = _pair(a)
    y, ty = x.sigmoid(), torch.sigmoid(tx)
    _same(y, ty, rtol=1e-15)
    y.backward(np.ones_like(a))
    ty.backward(torch.ones_like(ty))
    _same(x.grad, tx.grad, rtol=1e-15)
    s30 = float(Tensor([-30.0]).sigmoid().data[0])
    assert s30 == pytest.approx(9.357622968839299e-14, rel=1e-15, abs=0)  # 1/(1+e^30), mpmath
    # below -708 torch's 1/(1 + e^-x) flushes to 0; the true value is subnormal
    for v in [-709.0, -740.0, -745.0]:
        assert Tensor([v]).sigmoid().data[0] == _exact_sigmoid(v) > 0


def test_sigmoid_log_is_x_for_very_negative_x() -> None:
    """Was: sigmoid(-40).log() = -inf; torch: -40."""
    theirs = torch.tensor([-40.0], dtype=torch.float64).sigmoid().log()
    _same(Tensor([-40.0]).sigmoid().log(), theirs)
    assert Tensor([-40.0]).sigmoid().log().data[0] == -40.0


def test_sigmoid_special_values_and_float32() -> None:
    for dtype in (np.float64, np.float32):
        big, tiny = np.finfo(dtype).max, np.finfo(dtype).smallest_subnormal
        special = [-np.inf, np.inf, np.nan, 0.0, -0.0, tiny, -tiny, -big, big]
        x, tx = _pair(special, dtype)
        y, ty = x.sigmoid(), torch.sigmoid(tx)
        assert y.dtype == dtype
        _same(y, ty)
        y.backward(np.ones(len(special), dtype=dtype))
        ty.backward(torch.ones_like(ty))
        _same(x.grad, tx.grad)
    a = np.linspace(-80, 80, 2001, dtype=np.float32)  # torch flushes float32 subnormals
    x, tx = _pair(a, np.float32)
    _same(x.sigmoid(), torch.sigmoid(tx), rtol=3e-7)  # about 2 float32 ulps


def test_sigmoid_second_derivative() -> None:
    a = np.array([-40.0, -3.0, -0.5, 0.0, 0.7, 4.0, 30.0])
    x, tx = _pair(a)
    x.sigmoid().sum().backward(create_graph=True)
    gx = x.grad
    x.grad = None
    gx.sum().backward()
    (g,) = torch.autograd.grad(torch.sigmoid(tx).sum(), tx, create_graph=True)
    g.sum().backward()
    _same(x.grad, tx.grad, rtol=1e-12)


# -- 4: bool masks select, integer arrays gather, floats are refused ---------------------------


def test_bool_tensor_index_selects() -> None:
    """Was: Tensor([10., 20., 30.])[Tensor([True, False, True])] == [20, 10, 20] (1., 0., 1.)."""
    x = Tensor([10.0, 20.0, 30.0])
    for mask in (Tensor([True, False, True]), np.array([True, False, True]), [True, False, True]):
        assert_array_equal(x[mask].data, [10.0, 30.0])
    assert Tensor([True, False]).dtype == np.bool_


def _index_vs_torch(a: np.ndarray, index: Any, tindex: Any) -> None:
    x, tx = _pair(a)
    y, ty = x[index], tx[tindex]
    _same(y, ty)
    g = np.random.default_rng(3).standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _same(x.grad, tx.grad)


def test_index_masks_and_gathers_like_torch() -> None:
    a = np.arange(12.0).reshape(3, 4)
    m2 = a % 3 == 1
    m1 = np.array([True, False, True])
    rows = np.array([2, 0, 2, 2])  # repeats: the scatter must add them
    _index_vs_torch(a, Tensor(m2), torch.tensor(m2))
    _index_vs_torch(a, Tensor(m1), torch.tensor(m1))
    _index_vs_torch(
        a,
        (slice(None), [True, False, False, True]),
        (slice(None), torch.tensor([True, False, False, True])),
    )
    _index_vs_torch(a, rows, torch.tensor(rows))
    _index_vs_torch(a, (rows, slice(1, 3)), (torch.tensor(rows), slice(1, 3)))
    _index_vs_torch(a, (rows, [0, 1, 1, 3]), (torch.tensor(rows), torch.tensor([0, 1, 1, 3])))
    _index_vs_torch(a, [], torch.tensor([], dtype=torch.long))
    _index_vs_torch(a, np.zeros((3, 4), dtype=bool), torch.zeros((3, 4), dtype=torch.bool))


def test_float_index_raises() -> None:
    """Was: a float Tensor index was truncated to ints; torch raises IndexError."""
    x = Tensor([10.0, 20.0, 30.0])
    with pytest.raises(IndexError, match="float Tensor"):
        x[Tensor([1.0, 0.0])]
    with pytest.raises(IndexError, match="float"):
        x[1.0]
    with pytest.raises(IndexError, match="float"):
        x[np.array([0.0, 2.0])]
    with pytest.raises(IndexError, match="float"):
        x[[0.5]]
    with pytest.raises(TypeError, match="bool"):
        Tensor([True, False], requires_grad=True)


def test_index_second_derivative() -> None:
    """create_graph through a gather with repeats and a mask: d/dx sum((d/dx sum(x[i]^3))^2)."""
    a = np.array([0.5, -1.5, 2.0, 0.25])
    rows = np.array([2, 0, 2, 3])
    mask = np.array([True, False, True, True])
    for index, tindex in [(rows, torch.tensor(rows)), (Tensor(mask), torch.tensor(mask))]:
        x, tx = _pair(a)
        (x[index] ** 3).sum().backward(create_graph=True)
        gx = x.grad
        x.grad = None
        (gx * gx).sum().backward()
        (g,) = torch.autograd.grad((tx[tindex] ** 3).sum(), tx, create_graph=True)
        (g * g).sum().backward()
        _same(x.grad, tx.grad, rtol=1e-14)


def test_bool_tensor_in_arithmetic_is_a_float_mask() -> None:
    x, tx = _pair([1.0, -2.0, 3.0], np.float32)
    m = [True, False, True]
    y, ty = x * Tensor(m), tx * torch.tensor(m)
    _same(y, ty)
    b = Tensor(m) + 1.5  # float64, this library's default float (torch's is float32)
    assert b.dtype == np.float64
    assert_array_equal(b.data, [2.5, 1.5, 2.5])
    assert Tensor(m).detach().dtype == np.bool_


# -- 5: a leaf's gradient has the leaf's dtype -------------------------------------------------


def test_float32_leaf_times_float64_gets_float32_grad() -> None:
    """Was: x32 * y64 gave x32.grad in float64; torch: the leaf's dtype."""
    rng = np.random.default_rng(4)
    a32, b64 = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3))
    x, tx = _pair(a32, np.float32)
    y, ty = _pair(b64)
    bias, tbias = _pair(rng.standard_normal(3).astype(np.float32), np.float32)
    out, tout = (x * y + bias).sigmoid(), (tx * ty + tbias).sigmoid()
    _same(out, tout, rtol=1e-7)
    out.backward(np.ones((2, 3)))
    tout.backward(torch.ones(2, 3, dtype=torch.float64))
    for ours, theirs in [(x, tx), (y, ty), (bias, tbias)]:
        assert ours.grad.dtype == ours.dtype
        _same(ours.grad, theirs.grad, rtol=1e-6)


def test_0d_float64_does_not_widen_a_float32_tensor() -> None:
    """torch: a 0-d tensor does not decide the dtype against one with dims (numpy widens)."""
    x, tx = _pair([1.5, -2.0, 0.25], np.float32)
    s, ts = _pair(3.0)
    for f in (
        lambda a, b: a * b,
        lambda a, b: b - a,
        lambda a, b: a / b,
        lambda a, b: b + a,
    ):
        x.grad = s.grad = tx.grad = ts.grad = None
        out, tout = f(x, s), f(tx, ts)
        assert out.dtype == np.float32
        _same(out, tout)
        out.backward(np.ones(3, dtype=np.float32))
        tout.backward(torch.ones(3))
        assert x.grad.dtype == np.float32 and s.grad.dtype == np.float64
        _same(x.grad, tx.grad, rtol=1e-7)
        _same(s.grad, ts.grad, rtol=1e-6)  # float32 products, in another order
    m = x.maximum(Tensor(0.0))
    assert m.dtype == np.float32


def test_grad_dtype_with_create_graph() -> None:
    x, tx = _pair([0.5, -1.0], np.float32)
    y, ty = _pair([2.0, 3.0])
    (x * x * y).sum().backward(create_graph=True)
    gx = x.grad
    assert isinstance(gx, Tensor) and gx.dtype == np.float32
    x.grad = y.grad = None
    gx.sum().backward()
    (g,) = torch.autograd.grad((tx * tx * ty).sum(), tx, create_graph=True)
    assert g.dtype == torch.float32
    g.sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float64
    _same(x.grad, tx.grad, rtol=1e-7)
    _same(y.grad, ty.grad, rtol=1e-7)


def test_detach_and_copy_keep_dtype() -> None:
    """Was: a float32 tensor's detach() and Tensor(t) were float64."""
    t = Tensor([1.0, 2.0], dtype=np.float32)
    assert t.detach().dtype == np.float32
    assert Tensor(t).dtype == np.float32
    assert Tensor(t, dtype=np.float64).dtype == np.float64


# -- 6: awkward inputs, op by op, against torch ------------------------------------------------


def _vs_torch(ours: Any, theirs: Any, *arrays: Any, rtol: float = 1e-14) -> None:
    """Same value and same gradients (upstream: fixed random numbers) as torch, float64."""
    pairs = [_pair(a) for a in arrays]
    out, tout = ours(*[p[0] for p in pairs]), theirs(*[p[1] for p in pairs])
    _same(out, tout, rtol=rtol)
    g = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for x, tx in pairs:
        _same(x.grad, tx.grad, rtol=rtol)


def test_relu_and_maximum_pass_the_gradient_through_nan() -> None:
    """Was: relu'(NaN) = 0 and maximum sent nothing to a NaN side; torch passes g on."""
    a = [np.nan, -0.0, 0.0, -np.inf, np.inf, 2.0]
    b = [1.0, 0.0, -0.0, -np.inf, np.nan, 2.0]
    _vs_torch(lambda x: x.relu(), torch.relu, a)
    _vs_torch(lambda x, y: x.maximum(y), torch.maximum, a, b)
    _vs_torch(lambda x, y: x.maximum(y), torch.maximum, b, a)
    _vs_torch(lambda x: x.maximum(0.0), lambda t: torch.maximum(t, torch.zeros_like(t)), a)


@pytest.mark.parametrize("axis", [0, -1])
def test_reductions_of_0d_tensors_take_axis_0_and_minus_1(axis: int) -> None:
    """Was: ValueError; torch reduces a 0-d tensor over dim 0 or -1 (a no-op)."""
    _vs_torch(lambda x: x.sum(axis), lambda t: t.sum(axis), 2.5)
    _vs_torch(lambda x: x.mean(axis), lambda t: t.mean(axis), 2.5)
    _vs_torch(lambda x: x.max(axis), lambda t: t.amax(axis), 2.5)
    with pytest.raises(ValueError, match="out of range"):
        Tensor(2.5).sum(1)


def test_empty_tensors() -> None:
    """Was: max over the non-empty axis of a (0, 3) tensor and softmax over an empty axis
    raised; cross_entropy of an empty batch raised ZeroDivisionError in backward."""
    e = np.zeros((0, 3))
    _vs_torch(lambda x: x.max(1), lambda t: t.amax(1), e)
    _vs_torch(lambda x: x.sum(0), lambda t: t.sum(0), e)
    _vs_torch(lambda x: F.softmax(x, 0), lambda t: torch.softmax(t, 0), e)
    _vs_torch(lambda x: F.log_softmax(x, 0), lambda t: torch.log_softmax(t, 0), e)
    _vs_torch(
        lambda x: F.cross_entropy(x, np.zeros(0, dtype=np.int64)),
        lambda t: torch.nn.functional.cross_entropy(t, torch.zeros(0, dtype=torch.long)),
        e,
    )
    with pytest.raises(ValueError, match="empty axis"):
        Tensor(e).max(0)


@pytest.mark.parametrize(
    "row",
    [
        [-np.inf, 0.0, 1.0],
        [1e308, -1e308, 0.0],
        [1e308, 1e308, 0.0],
        [np.inf, 0.0, 0.0],
        [np.nan, 0.0, 0.0],
        [-745.0, 745.0, 0.0],
    ],
)
def test_softmax_family_at_extremes(row: list[float]) -> None:
    """softmax, log_softmax and cross-entropy at ±inf, ±1e308 and NaN logits, as torch."""
    a = np.array([row])
    _vs_torch(lambda x: F.softmax(x), lambda t: torch.softmax(t, -1), a, rtol=1e-13)
    _vs_torch(lambda x: F.log_softmax(x), lambda t: torch.log_softmax(t, -1), a, rtol=1e-13)
    for label in range(3):
        _vs_torch(
            lambda x, k=label: F.cross_entropy(x, np.array([k])),
            lambda t, k=label: torch.nn.functional.cross_entropy(t, torch.tensor([k])),
            a,
            rtol=1e-13,
        )


def test_elementwise_ops_at_special_values() -> None:
    """exp, log, tanh, pow, div and broadcasting at ±0, ±inf, NaN, subnormals, 1e308."""
    v = [-np.inf, -1e308, -745.0, -0.0, 0.0, 5e-324, 1e-300, 709.0, 1e308, np.inf, np.nan]
    pos = [0.0, 5e-324, 1e-300, 1.0, 1e308, np.inf, np.nan]
    _vs_torch(lambda x: x.exp(), torch.exp, v)
    _vs_torch(lambda x: x.tanh(), torch.tanh, v)
    _vs_torch(lambda x: x.log(), torch.log, pos)
    # torch's d(x²) = g (2x) overflows at 1e308; ours, (g 2) x, is the finite true value there
    _vs_torch(lambda x: x**2, lambda t: t**2, [u for u in v if abs(u) != 1e308])
    x = Tensor([1e308], requires_grad=True)
    (x**2).backward(np.array([0.25]))
    assert x.grad is not None and x.grad[0] == 0.5e308
    _vs_torch(lambda x: x**0, lambda t: t**0, v)
    _vs_torch(lambda x: x**-1, lambda t: t**-1, v)
    _vs_torch(lambda x: x**0.5, lambda t: t**0.5, pos)
    _vs_torch(lambda x, y: x / y, lambda x, y: x / y, v, v[::-1])
    _vs_torch(lambda x, y: x * y, lambda x, y: x * y, v, v[::-1])
    _vs_torch(lambda x, y: x + y, lambda x, y: x + y, np.ones((3, 1)), np.ones((1, 0)))
    _vs_torch(lambda x, y: x - y, lambda x, y: x - y, 2.5, np.arange(6.0).reshape(2, 3))


def test_to_casts_and_casts_the_gradient_back() -> None:
    x, tx = _pair([0.1, -2.5], np.float64)
    y, ty = x.to(np.float32), tx.to(torch.float32)
    _same(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert x.grad.dtype == np.float64
    _same(x.grad, tx.grad)
    with pytest.raises(ValueError, match="float64, float32, int64 or bool"):
        x.to(np.int32)
    assert not x.to(np.int64).requires_grad  # as torch: an integer cast leaves the graph


@pytest.mark.parametrize("k", [0.5, -0.5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_square_root_powers_at_signed_zero_and_infinity(k: float, dtype: Any) -> None:
    """x ** -0.5 is 1 / sqrt(x) (torch's rsqrt), not IEEE pow: (-inf) ** -0.5 was 0 (now NaN,
    a negative base) and (-0) ** -0.5 was inf (now -inf); x ** 0.5's slope follows it."""
    specials = [-0.0, 0.0, -np.inf, np.inf, -1.0, 4.0, np.nan]
    x, tx = _pair(specials, dtype)
    y, ty = x**k, tx**k
    y.sum().backward()
    ty.sum().backward()
    _same(y, ty)
    _same(x.grad, tx.grad)
