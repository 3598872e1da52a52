"""The PyTorch-shaped surface (issue 12) against torch: every name exists, and each gives torch's
values, dtypes, shapes and gradients, on random shapes with negative dims and keepdim.

The TensorOps behind it (abs, sqrt, sin, cos, clamp, where, minimum, min, leaky_relu, clone,
broadcast_to, sum_to) are also in the registry, so test_tensor_torch.py and test_properties.py
check them alone and inside random graphs; here the methods and functions users type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import microgradkr as mg
from microgradkr import Tensor, Value, data, nn, optim
from microgradkr import functional as F
from microgradkr.testing import shapes

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=25, deadline=None)


def pair(a: np.ndarray, grad: bool = True) -> tuple[Tensor, Any]:
    return Tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def same(ours: Any, theirs: Any) -> None:
    """Same shape, dtype and values (a Tensor against a torch tensor)."""
    t = theirs.detach().numpy()
    assert ours.shape == t.shape
    assert ours.dtype == t.dtype, (ours.dtype, t.dtype)
    assert_allclose(ours.data, t, rtol=1e-10, atol=1e-12)


def compare(ours: Callable[..., Any], theirs: Callable[..., Any], *arrays: np.ndarray) -> None:
    """Same value and, when it is float, the same gradients for a random upstream gradient."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*xs), theirs(*ts)
    same(out, tout)
    if not tout.requires_grad:
        assert not out.requires_grad
        return
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(gradient=g)
    tout.backward(gradient=torch.tensor(g))
    for x, t in zip(xs, ts, strict=True):
        if t.grad is None:
            assert x.grad is None or not np.any(x.grad)
        else:
            assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@st.composite
def array_and_dim(draw: Any, min_dims: int = 1) -> tuple[np.ndarray, int, bool]:
    """A distinct-valued array (no ties for max/min), a dim (maybe negative) and keepdim."""
    shape = draw(shapes(min_dims=min_dims))
    n = int(np.prod(shape))
    a = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(n).reshape(shape)
    a = a / max(n, 1) - 0.4
    nd = max(len(shape), 1)
    return a, draw(st.integers(-nd, nd - 1)), draw(st.booleans())


# -- every name exists ----------------------------------------------------------------------------

METHODS = [
    "size",
    "dim",
    "numel",
    "t",
    "view",
    "reshape",
    "flatten",
    "unsqueeze",
    "squeeze",
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "softmax",
    "log_softmax",
    "pow",
    "abs",
    "sqrt",
    "sin",
    "cos",
    "clamp",
    "where",
    "maximum",
    "minimum",
    "requires_grad_",
    "detach",
    "clone",
    "tolist",
    "backward",
    "retain_grad",
    "is_leaf",
    "grad_fn",
    "expand",
    "broadcast_to",
    "gather",
    "long",
    "float",
    "double",
    "bool",
    "any",
    "all",
    "item",
    "numpy",
    "to",
    "transpose",
    "permute",
    "amax",
    "amin",
    "view_as",
    "sum_to",
    "var",
    "std",
    "square",
    "reciprocal",
    "matmul",
    "mm",
    "dot",
]
PACKAGE = [
    "tensor",
    "zeros",
    "ones",
    "full",
    "arange",
    "linspace",
    "randn",
    "rand",
    "randint",
    "eye",
    "from_numpy",
    "zeros_like",
    "ones_like",
    "full_like",
    "randn_like",
    "rand_like",
    "manual_seed",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "where",
    "maximum",
    "minimum",
    "clamp",
    "sqrt",
    "sin",
    "cos",
    "exp",
    "log",
    "float32",
    "float64",
    "int64",
    "cat",
    "stack",
]
FUNCTIONAL = [
    "linear",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "mse_loss",
    "cross_entropy",
    "batch_norm",
    "dropout",
    "sum_to",
    "broadcast_to",
]


def test_every_name_of_the_issue_exists() -> None:
    assert [m for m in METHODS if not hasattr(Tensor, m)] == []
    assert [n for n in PACKAGE if not hasattr(mg, n)] == []
    assert [n for n in FUNCTIONAL if not hasattr(F, n)] == []


def test_every_new_tensor_op_is_registered_and_has_a_torch_twin() -> None:
    from torch_twins import TORCH_TENSOR

    from microgradkr import tensor_ops_torch
    from microgradkr.testing import TENSOR_REGISTRY

    ops = {v.name for v in vars(tensor_ops_torch).values() if isinstance(v, mg.TensorOp)}
    assert ops <= set(TENSOR_REGISTRY) and ops <= set(TORCH_TENSOR)


# -- what it is ---------------------------------------------------------------------------------


@given(shape=shapes())
@FAST
def test_size_dim_numel_as_torch(shape: tuple[int, ...]) -> None:
    x, t = Tensor(np.zeros(shape)), torch.zeros(shape, dtype=torch.float64)
    assert x.size() == tuple(t.size()) and x.dim() == t.dim() and x.numel() == t.numel()
    assert x.size == t.numel()  # numpy's size still works
    for d in range(-len(shape), len(shape)):
        assert x.size(d) == t.size(d)


# -- reductions: dim=, keepdim=, negative dims --------------------------------------------------


@given(case=array_and_dim())
@FAST
def test_sum_mean_with_dim_and_keepdim_as_torch(case: Any) -> None:
    a, d, keep = case
    compare(lambda x: x.sum(dim=d, keepdim=keep), lambda t: t.sum(dim=d, keepdim=keep), a)
    compare(lambda x: x.mean(dim=d, keepdim=keep), lambda t: t.mean(dim=d, keepdim=keep), a)
    dims = (0, d) if a.ndim > 1 and d % a.ndim != 0 else (d,)
    compare(lambda x: x.sum(dim=dims), lambda t: t.sum(dim=dims), a)
    compare(lambda x: x.sum(axis=d, keepdims=keep), lambda t: t.sum(d, keepdim=keep), a)


@given(case=array_and_dim())
@FAST
def test_max_min_with_dim_return_values_and_indices_as_torch(case: Any) -> None:
    a, d, keep = case
    for name in ("max", "min"):
        x, t = pair(a)
        ours, theirs = getattr(x, name)(dim=d, keepdim=keep), getattr(t, name)(dim=d, keepdim=keep)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)
        vals, idx = ours  # unpacks as torch's
        g = np.random.default_rng(1).standard_normal(vals.shape)
        vals.backward(g)
        theirs.values.backward(torch.tensor(g))
        assert_allclose(x.grad, t.grad.numpy())
    compare(lambda x: x.max(), lambda t: t.max(), a)  # no dim: a tensor, as torch
    compare(lambda x: x.amin(dim=d, keepdim=keep), lambda t: t.amin(dim=d, keepdim=keep), a)


@given(case=array_and_dim())
@FAST
def test_argmax_argmin_as_torch(case: Any) -> None:
    a, d, keep = case
    x, t = Tensor(a), torch.tensor(a)
    for name in ("argmax", "argmin"):
        same(getattr(x, name)(dim=d, keepdim=keep), getattr(t, name)(dim=d, keepdim=keep))
        same(getattr(x, name)(), getattr(t, name)())


@given(case=array_and_dim())
@FAST
def test_softmax_log_softmax_with_dim_as_torch(case: Any) -> None:
    a, d, _ = case
    compare(lambda x: F.softmax(x, dim=d), lambda t: TF.softmax(t, dim=d), a)
    compare(lambda x: F.log_softmax(x, dim=d), lambda t: TF.log_softmax(t, dim=d), a)
    compare(lambda x: x.softmax(d), lambda t: t.softmax(d), a)
    compare(lambda x: x.log_softmax(dim=d), lambda t: t.log_softmax(dim=d), a)
    compare(lambda x: F.softmax(x, axis=d), lambda t: TF.softmax(t, dim=d), a)  # axis= still


# -- shape --------------------------------------------------------------------------------------


@given(case=array_and_dim(min_dims=0))
@FAST
def test_shape_methods_as_torch(case: Any) -> None:
    a, d, _ = case
    nd = a.ndim
    compare(lambda x: x.view(-1), lambda t: t.view(-1), a)
    compare(lambda x: x.reshape(a.shape[::-1]), lambda t: t.reshape(a.shape[::-1]), a)
    compare(lambda x: x.flatten(), lambda t: t.flatten(), a)
    u = d if -nd - 1 <= d <= nd else 0
    compare(lambda x: x.unsqueeze(u), lambda t: t.unsqueeze(u), a)
    compare(lambda x: x.unsqueeze(-1).squeeze(), lambda t: t.unsqueeze(-1).squeeze(), a)
    compare(lambda x: x.unsqueeze(0).squeeze(0), lambda t: t.unsqueeze(0).squeeze(0), a)
    if nd:
        compare(lambda x: x.squeeze(d), lambda t: t.squeeze(d), a)
        compare(lambda x: x.flatten(d), lambda t: t.flatten(d), a)
        compare(lambda x: x.flatten(0, d), lambda t: t.flatten(0, d), a)
        compare(lambda x: x.expand(2, *a.shape), lambda t: t.expand(2, *a.shape), a)
        compare(lambda x: x.expand(2, *[-1] * nd), lambda t: t.expand(2, *[-1] * nd), a)
    if nd <= 2:
        compare(lambda x: x.t(), lambda t: t.t(), a)
    else:
        with pytest.raises(ValueError, match="<= 2 dims"):
            Tensor(a).t()


def test_gather_as_torch() -> None:
    a = np.random.default_rng(0).standard_normal((3, 4))
    idx = np.array([[0, 3], [2, 2], [1, 0]])
    compare(lambda x: x.gather(1, mg.tensor(idx)), lambda t: t.gather(1, torch.tensor(idx)), a)


# -- elementwise, with keyword arguments as torch -------------------------------------------------


def test_elementwise_methods_as_torch() -> None:
    a = np.random.default_rng(0).uniform(0.2, 2.0, (3, 4)) * np.array([1, -1, 1, -1])
    b = np.random.default_rng(1).uniform(-2, 2, (4,))
    compare(lambda x: x.pow(3), lambda t: t.pow(3), a)
    compare(lambda x: abs(x) + x.abs(), lambda t: abs(t) + t.abs(), a)
    compare(lambda x: x.abs().sqrt(), lambda t: t.abs().sqrt(), a)
    compare(lambda x: x.sin() * x.cos(), lambda t: t.sin() * t.cos(), a)
    compare(lambda x: x.clamp(min=-0.5), lambda t: t.clamp(min=-0.5), a)
    compare(lambda x: x.clamp(max=0.7), lambda t: t.clamp(max=0.7), a)
    compare(lambda x: mg.clamp(x, -0.5, 0.7), lambda t: torch.clamp(t, -0.5, 0.7), a)
    compare(lambda x, y: mg.maximum(x, y), lambda x, y: torch.maximum(x, y), a, b)
    compare(lambda x, y: mg.minimum(x, y), lambda x, y: torch.minimum(x, y), a, b)
    compare(lambda x, y: x.max(y), lambda x, y: x.max(y), a, b)  # max(other): elementwise
    compare(lambda x, y: mg.where(x > 0, x, y), lambda x, y: torch.where(x > 0, x, y), a, b)
    compare(lambda x: mg.where(x > 0, x, 0.0), lambda t: torch.where(t > 0, t, 0.0), a)
    with pytest.raises(ValueError, match="min and max"):
        Tensor(a).clamp()


def test_comparisons_give_bool_tensors_outside_the_graph() -> None:
    a = np.array([[-1.0, 0.0, 2.0]])
    x, t = pair(a)
    for op in ("__gt__", "__ge__", "__lt__", "__le__", "__eq__", "__ne__"):
        ours, theirs = getattr(x, op)(0.0), getattr(t, op)(0.0)
        same(ours, theirs)
        assert not ours.requires_grad
    same((x > -1) & (x < 1), (t > -1) & (t < 1))
    same((x > 1) | ~(x < 1), (t > 1) | ~(t < 1))
    same(x[x > 0], t[t > 0])  # a mask selects
    assert bool(x.sum() > 0) and (x == None) is False  # noqa: E711 (as torch)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x > 0)
    assert {x: 1}[x] == 1  # hashed by identity, as torch


# -- dtypes: int64 labels and indices, bool masks ----------------------------------------------


@pytest.mark.parametrize(
    "data", [[1, 2], [1.0, 2.0], [True, False], [[1, 2], [3, 4]], 3, 2.5, np.arange(3)]
)
def test_tensor_infers_dtypes_as_torch_with_float64_for_floats(data: Any) -> None:
    ours, theirs = mg.tensor(data), torch.tensor(data)
    expected = torch.float64 if theirs.dtype == torch.float32 else theirs.dtype  # the default
    assert ours.dtype == np.dtype(str(expected).removeprefix("torch."))
    assert ours.tolist() == theirs.tolist()
    assert Tensor([1, 2]).dtype == np.float64  # Tensor(...) stays float64, as it always was


def test_integer_tensors_promote_as_torch_and_cannot_require_grad() -> None:
    i, ti = mg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    for dt in (np.float64, np.float32):
        f = Tensor([0.5, 1.5, 2.5], dtype=dt)
        tf = torch.tensor(f.data)
        same(i * f, ti * tf)
        same(f + i, tf + ti)
    same(i + 2, ti + 2)
    same(i * 2.5, (ti * 2.5).double())  # a Python float: the default float, float64 here
    with pytest.raises(TypeError, match="only floating point"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="only floating point"):
        i.requires_grad_()
    x = Tensor([0.1, 0.2, 0.3], requires_grad=True)
    (x * i).sum().backward()
    assert_array_equal(x.grad, [1.0, 2.0, 3.0])
    assert x[mg.tensor([2, 0])].tolist() == [0.3, 0.1]  # int tensors index
    assert mg.tensor(2).item() == 2 and isinstance(mg.tensor(2).item(), int)
    assert x.long().dtype == np.int64 and x.float().dtype == np.float32


def test_cross_entropy_takes_integer_tensor_labels_as_torch() -> None:
    a = np.random.default_rng(0).standard_normal((4, 3))
    labels = mg.tensor([2, 0, 1, 2])
    compare(
        lambda x: F.cross_entropy(x, labels),
        lambda t: TF.cross_entropy(t, torch.tensor([2, 0, 1, 2])),
        a,
    )
    with pytest.raises(TypeError, match="int64"):
        F.cross_entropy(Tensor(a), Tensor([2, 0, 1, 2]))  # float labels: a hint, not a guess


# -- leaves, copies, backward ---------------------------------------------------------------------


def test_requires_grad_detach_clone_tolist_as_torch() -> None:
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    x = Tensor(a.copy()).requires_grad_()
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    c = x.clone()
    c.data[0, 0] = 99.0
    assert x.data[0, 0] == 1.0 and c.requires_grad  # own memory, still in the graph
    assert not x.detach().requires_grad
    assert x.tolist() == torch.tensor(a).tolist()
    compare(lambda x: (x.clone() * x).sum(), lambda t: (t.clone() * t).sum(), a)


def test_backward_takes_gradient_retain_graph_and_create_graph() -> None:
    a = np.array([0.3, -1.2, 2.0])
    x, t = pair(a)
    y, ty = x * x * x, t * t * t
    y.retain_grad()
    ty.retain_grad()
    g = np.array([1.0, 2.0, -1.0])
    y.backward(gradient=g, retain_graph=True)
    ty.backward(gradient=torch.tensor(g), retain_graph=True)
    assert_allclose(x.grad, t.grad.numpy())
    assert_allclose(y.grad, ty.grad.numpy())  # an inner node keeps its grad, as retain_grad
    x.grad, t.grad = None, None
    (gx,) = mg.grad(y.sum(), x, create_graph=True)
    (tgx,) = torch.autograd.grad(ty.sum(), t, create_graph=True)
    gx.sum().backward()
    tgx.sum().backward()
    assert_allclose(x.grad, t.grad.numpy())


# -- no_grad / enable_grad ------------------------------------------------------------------------


def test_no_grad_records_nothing_for_tensors_and_values() -> None:
    x, v = Tensor([1.0, 2.0], requires_grad=True), Value(3.0)
    with mg.no_grad():
        y, w = x * 2 + 1, v * v + 1
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.op is None and y._prev == ()
    assert w.op is None and w._prev == ()
    assert z.requires_grad and mg.is_grad_enabled()

    @mg.no_grad()
    def evaluate(t: Tensor) -> Tensor:
        return t * 3

    assert not evaluate(x).requires_grad and (x * 3).requires_grad
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_is_per_thread() -> None:
    x = Tensor([1.0], requires_grad=True)
    seen: list[bool] = []
    with mg.no_grad():
        thread = threading.Thread(target=lambda: seen.append((x * 2).requires_grad))
        thread.start()
        thread.join()
    assert seen == [True]


# -- factories and manual_seed ------------------------------------------------------------------


def test_factories_as_torch() -> None:
    f64 = torch.float64
    same(mg.zeros(2, 3), torch.zeros(2, 3, dtype=f64))
    same(mg.ones((2, 3)), torch.ones((2, 3), dtype=f64))
    same(mg.full((2,), 7), torch.full((2,), 7))
    same(mg.full((2,), 0.5), torch.full((2,), 0.5, dtype=f64))
    same(mg.arange(5), torch.arange(5))
    same(mg.arange(1, 2, 0.25), torch.arange(1, 2, 0.25, dtype=f64))
    same(mg.linspace(0, 1, 5), torch.linspace(0, 1, 5, dtype=f64))
    same(mg.eye(3), torch.eye(3, dtype=f64))
    x = mg.randn(3, 2)
    for ours, theirs in (
        (mg.zeros_like(x), torch.zeros(3, 2, dtype=f64)),
        (mg.ones_like(x), torch.ones(3, 2, dtype=f64)),
        (mg.full_like(x, 2.0), torch.full((3, 2), 2.0, dtype=f64)),
    ):
        same(ours, theirs)
    assert mg.zeros(2, dtype=mg.float32).dtype == np.float32
    assert mg.randn(2, requires_grad=True).requires_grad
    assert mg.randint(0, 3, (5,)).dtype == np.int64
    arr = np.zeros(2)
    mg.from_numpy(arr).data[0] = 1.0
    assert arr[0] == 1.0  # shares memory, as torch.from_numpy


def test_manual_seed_repeats_every_default_random_source() -> None:
    def draws() -> list[Any]:
        mg.manual_seed(7)
        layer, drop = nn.Affine(3, 2), nn.Dropout(0.5)
        batches = [b[1].tolist() for b in data.DataLoader(np.zeros((6, 1)), np.arange(6), 2)]
        moons = data.make_moons(10)[0]
        return [
            layer.W.data, drop(np.ones(8)).data, batches, moons, mg.randn(3).data,
            mg.rand(2).data, nn.MLP(2, [3, 1]).parameters()[0].data, F.dropout(np.ones(6)).data,
        ]  # fmt: skip

    first, second = draws(), draws()
    for a, b in zip(first, second, strict=True):
        assert_array_equal(np.asarray(a), np.asarray(b))
    mg.manual_seed(8)
    assert not np.array_equal(nn.Affine(3, 2).W.data, first[0])


def test_manual_seed_reaches_layers_and_loaders_made_before_it() -> None:
    """As torch's: the default generator is reseeded in place, not replaced."""
    drop, loader = nn.Dropout(0.5), data.DataLoader(np.zeros((6, 1)), np.arange(6), 2)

    def draws() -> tuple[list[float], list[list[int]]]:
        mg.manual_seed(3)
        return drop(np.ones(8)).data.tolist(), [b[1].tolist() for b in loader]

    assert draws() == draws()


def seeded_training_losses(seed: int) -> list[float]:
    """A small classifier trained from a seed, with init, dropout and shuffling all unseeded."""
    mg.manual_seed(seed)
    x, y = data.make_moons(64, noise=0.1)
    model = nn.Sequential(nn.Affine(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Affine(16, 2))
    opt = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        for xb, yb in data.DataLoader(x, y, batch_size=16):
            loss = F.cross_entropy(model(mg.tensor(xb)), mg.tensor(yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def test_a_seeded_training_script_gives_bit_identical_losses_twice() -> None:
    first, second = seeded_training_losses(0), seeded_training_losses(0)
    assert first == second  # bit for bit, not approximately
    assert seeded_training_losses(1) != first


# -- functional ------------------------------------------------------------------------------------


@given(shape=shapes(min_dims=1, max_dims=3), out=st.integers(1, 3), bias=st.booleans())
@FAST
def test_linear_as_torch(shape: tuple[int, ...], out: int, bias: bool) -> None:
    rng = np.random.default_rng(sum(shape))
    a, w, b = rng.standard_normal(shape), rng.standard_normal((out, shape[-1])), rng.random(out)
    if bias:
        compare(F.linear, TF.linear, a, w, b)
    else:
        compare(F.linear, TF.linear, a, w)


def test_activations_and_mse_loss_as_torch() -> None:
    a = np.random.default_rng(0).standard_normal((3, 4))
    t = np.random.default_rng(1).standard_normal((3, 4))
    compare(lambda x: F.leaky_relu(x), lambda x: TF.leaky_relu(x), a)
    compare(lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), a)
    compare(F.relu, TF.relu, a)
    compare(F.sigmoid, torch.sigmoid, a)
    compare(F.tanh, torch.tanh, a)
    for r in ("mean", "sum", "none"):
        compare(
            lambda x, y, r=r: F.mse_loss(x, y, reduction=r),
            lambda x, y, r=r: TF.mse_loss(x, y, reduction=r),
            a,
            t,
        )


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (2, 3, 2, 2)])
def test_batch_norm_as_torch(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    a, w, b = rng.standard_normal(shape), rng.random(3) + 0.5, rng.standard_normal(3)
    for training in (True, False):
        rm, rv = np.zeros(3), np.ones(3)
        trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
        compare(
            lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training),  # noqa: B023
            lambda x, w, b: TF.batch_norm(x, trm, trv, w, b, training=training),  # noqa: B023
            a,
            w,
            b,
        )
        assert_allclose(rm, trm.numpy())
        assert_allclose(rv, trv.numpy())


def test_dropout_scales_the_kept_units_and_is_identity_in_eval() -> None:
    x = Tensor(np.ones(1000), requires_grad=True)
    y = F.dropout(x, 0.25, generator=np.random.default_rng(0))
    kept = y.data != 0
    assert_allclose(y.data[kept], 1 / 0.75)
    assert 0.65 < kept.mean() < 0.85
    assert F.dropout(x, 0.5, training=False) is x


@given(shape=shapes(min_dims=1))
@FAST
def test_sum_to_and_broadcast_to_are_each_others_backward(shape: tuple[int, ...]) -> None:
    a = np.random.default_rng(len(shape)).standard_normal((2, *shape))
    target = tuple(1 if i % 2 else n for i, n in enumerate(shape))
    x = Tensor(a, requires_grad=True)
    s = F.sum_to(x, target)
    assert_allclose(s.data, mg.sum_to(a, target))
    s.backward(np.ones(target))
    assert_array_equal(x.grad, np.ones(a.shape))
    z = Tensor(np.ones(target), requires_grad=True)
    F.broadcast_to(z, a.shape).sum().backward()
    assert_array_equal(z.grad, np.full(target, a.size // int(np.prod(target))))
    assert mg.gradcheck(lambda t: F.sum_to(t, target), [a])


@given(case=array_and_dim(), n=st.integers(1, 3))
@FAST
def test_cat_stack_var_std_matmul_as_torch(case: Any, n: int) -> None:
    a, d, keep = case
    arrays = [a + i for i in range(n)]
    compare(lambda *xs: mg.cat(xs, dim=d), lambda *ts: torch.cat(ts, dim=d), *arrays)
    compare(lambda *xs: mg.stack(xs, d), lambda *ts: torch.stack(ts, d), *arrays)
    if a.size > 1:
        compare(lambda x: x.var(dim=d, keepdim=keep), lambda t: t.var(dim=d, keepdim=keep), a)
        compare(lambda x: x.std(), lambda t: t.std(), a)
    compare(lambda x: x.var(d, unbiased=False), lambda t: t.var(d, unbiased=False), a)
    compare(lambda x: x.square().reciprocal(), lambda t: t.square().reciprocal(), a)
    m = a.reshape(-1, 1)
    compare(lambda x, y: x.matmul(y.t()), lambda x, y: x.matmul(y.t()), m, m)


def test_the_readme_example_runs() -> None:
    """The code block of README's "Coming from PyTorch" section."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Coming from PyTorch", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    assert mg.tensor([1.0]).to("cpu").dtype == np.float64


def test_pow_with_a_tensor_exponent_as_torch() -> None:
    a = np.array([[0.0, 0.5, 2.0], [1.5, 0.0, 3.0]])
    b = np.array([2.0, -1.5, 0.5])
    compare(lambda x, y: (x + 0.1) ** y, lambda x, y: (x + 0.1) ** y, a, b)
    compare(lambda x, y: x.pow(y.abs()), lambda x, y: x.pow(y.abs()), a, b)  # 0 ** b, b >= 0
    compare(lambda x: 2.0**x, lambda x: 2.0**x, a)


def test_the_new_ops_are_drawn_with_their_symbols() -> None:
    pytest.importorskip("graphviz")
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True, label="x")
    y = (x.abs().sqrt() + x.sin() * x.cos() + x.clamp(-0.7, 0.7) + F.leaky_relu(x)).clone()
    y = y.where(x > 0, x.minimum(0.1)) ** x.abs()
    loss = y.sum_to((1, 2)).broadcast_to(3, 2).min()
    loss.backward()
    source = mg.draw(loss).source
    for symbol in ("|x|", "√", "sin", "cos", "clamp", "lrelu", "clone", "where", "expand"):
        assert symbol in source, symbol


def test_two_input_methods_promote_dtypes_as_torch() -> None:
    f, i = Tensor([0.5, -1.0], dtype=np.float32), mg.tensor([1, 0])
    tf, ti = torch.tensor([0.5, -1.0]), torch.tensor([1, 0])
    same(f.minimum(i), torch.minimum(tf, ti))
    same(f.where(i > 0, i), torch.where(ti > 0, tf, ti))
    same(f**i, tf**ti)


SEEDED_SCRIPT = """
import microgradkr as mg
from microgradkr import data, nn, optim
from microgradkr import functional as F

mg.manual_seed(0)
x, y = data.make_moons(64, noise=0.1)
model = nn.Sequential(nn.Affine(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Affine(16, 2))
opt = optim.Adam(model.parameters(), lr=0.01)
for xb, yb in data.DataLoader(x, y, batch_size=16):
    loss = F.cross_entropy(model(mg.tensor(xb)), mg.tensor(yb))
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(repr(loss.item()))
"""


def test_a_seeded_script_prints_the_same_losses_in_two_processes() -> None:
    """Two fresh interpreters (different hash seeds): no state of this process helps."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).parent.parent)
    runs = [
        subprocess.run(
            [sys.executable, "-c", SEEDED_SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": root},
        ).stdout
        for seed in (1, 2)
    ]
    assert runs[0] == runs[1] and len(runs[0].split()) == 4
