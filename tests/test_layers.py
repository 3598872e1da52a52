"""Tensor layers: gradcheck for each, PyTorch's values where torch is installed, the Module API."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

import microgradkr
from microgradkr import Tensor, Value, gradcheck, nn
from microgradkr.functional import softmax

RNG = np.random.default_rng(0)


def _swap(module: nn.Module, new: list[Tensor]) -> None:
    """Put the Tensors ``new`` where the module's parameters are, in parameters() order."""
    mapping = {id(p): q for p, q in zip(module.parameters(), new, strict=True)}
    stack = [module]
    while stack:
        m = stack.pop()
        for name, value in list(vars(m).items()):
            if isinstance(value, Tensor) and id(value) in mapping:
                setattr(m, name, mapping[id(value)])
        stack.extend(m.children())


def check_layer(module: nn.Module, x: np.ndarray, call: Any = None) -> bool:
    """gradcheck of module(x) with respect to x and every parameter of the module."""
    call = call or (lambda m, xt: m(xt))

    def f(xt: Tensor, *params: Tensor) -> Tensor:
        _swap(module, list(params))
        return call(module, xt)

    return gradcheck(f, [x, *[p.data.copy() for p in module.parameters()]])


# -- gradcheck, layer by layer -------------------------------------------------------------------


def test_affine_gradcheck_and_the_dlfs_formulas():
    layer = nn.Affine(3, 4, rng=1)
    x = RNG.normal(size=(5, 3))
    assert check_layer(layer, x)
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    dout = RNG.normal(size=out.shape)
    out.backward(dout)
    np.testing.assert_allclose(xt.grad, dout @ layer.W.data.T)  # dx = dout W^T
    np.testing.assert_allclose(layer.W.grad, x.T @ dout)  # dW = x^T dout
    np.testing.assert_allclose(layer.b.grad, dout.sum(axis=0))  # db = sum of dout


def test_affine_flattens_images_as_dlfs_and_runs_without_bias():
    layer = nn.Affine(12, 2, bias=False, rng=0)
    assert layer.b is None and len(layer.parameters()) == 1
    x = RNG.normal(size=(2, 1, 3, 4))
    np.testing.assert_allclose(layer(x).data, x.reshape(2, 12) @ layer.W.data)
    assert check_layer(layer, x)


@pytest.mark.parametrize("cls", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_activations_gradcheck(cls):
    x = RNG.normal(size=(4, 3))
    x[np.abs(x) < 0.05] = 0.3  # away from relu's kink
    assert check_layer(cls(), x)


def test_activations_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(nn.ReLU()(x).data, [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x))


def test_batchnorm_train_gradcheck():
    bn = nn.BatchNorm1d(3)
    bn.gamma.data[:] = [1.5, -0.5, 2.0]
    bn.beta.data[:] = [0.1, 0.2, -0.3]
    assert check_layer(bn, RNG.normal(size=(5, 3)))


def test_batchnorm_eval_gradcheck_uses_running_stats():
    bn = nn.BatchNorm1d(3)
    for _ in range(3):
        bn(RNG.normal(loc=2.0, scale=3.0, size=(8, 3)))
    bn.eval()
    x = RNG.normal(size=(4, 3))
    expected = (x - bn.running_mean.data) / np.sqrt(bn.running_var.data + bn.eps)
    np.testing.assert_allclose(bn(x).data, expected)
    stats = (bn.running_mean.data.copy(), bn.running_var.data.copy())
    assert check_layer(bn, x)
    np.testing.assert_array_equal(bn.running_mean.data, stats[0])  # eval leaves them alone
    np.testing.assert_array_equal(bn.running_var.data, stats[1])


def test_batchnorm_train_normalises_the_batch_and_updates_running_stats():
    bn = nn.BatchNorm1d(2, momentum=0.1)
    x = RNG.normal(loc=[1.0, -4.0], scale=[2.0, 0.5], size=(10, 2))
    out = bn(x).data
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5))
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.var(axis=0, ddof=1))


def test_dropout_gradcheck_with_a_fixed_mask():
    x = RNG.normal(size=(4, 5))
    assert gradcheck(lambda xt: nn.Dropout(0.4, rng=7)(xt), [x])
    layer = nn.Dropout(0.4, rng=7)
    out = layer(Tensor(x))
    np.testing.assert_allclose(out.data, x * layer.mask / 0.6)


def test_dropout_is_inverted_and_identity_in_eval():
    layer = nn.Dropout(0.3, rng=0)
    x = np.ones((200, 100))
    out = layer(x).data
    assert abs((out == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.7])
    assert abs(out.mean() - 1.0) < 0.02  # the expected activation is kept
    layer.eval()
    xt = Tensor(x)
    assert layer(xt) is xt
    assert nn.Dropout(1.0, rng=0)(x).data.sum() == 0.0
    assert nn.Dropout(0.0)(Tensor(x)).data is x


def test_dropout_masks_repeat_with_the_seed_and_change_between_steps():
    a, b = nn.Dropout(0.5, rng=3), nn.Dropout(0.5, rng=3)
    x = np.ones((3, 8))
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert not np.array_equal(a(x).data, a(x).data)


def test_softmax_with_loss_gradcheck_and_y_minus_t_over_n():
    x = RNG.normal(size=(4, 3))
    t = np.array([0, 2, 1, 2])
    layer = nn.SoftmaxWithLoss()
    assert gradcheck(lambda xt: layer(xt, t), [x])
    xt = Tensor(x, requires_grad=True)
    loss = layer(xt, t)
    loss.backward()
    y = softmax(Tensor(x)).data
    np.testing.assert_allclose(layer.y, y)
    np.testing.assert_allclose(xt.grad, (y - np.eye(3)[t]) / 4)
    np.testing.assert_allclose(loss.item(), -np.log(y[np.arange(4), t]).mean())
    onehot = nn.SoftmaxWithLoss()(Tensor(x), np.eye(3)[t])  # one-hot t, no graph
    assert onehot.item() == pytest.approx(loss.item())


def test_sequential_stack_gradcheck_train_mode():
    model = nn.Sequential(
        nn.Affine(3, 4, rng=0),
        nn.BatchNorm1d(4),
        nn.Tanh(),
        nn.Dropout(0.25, rng=5),
        nn.Affine(4, 3, init="xavier", rng=1),
        nn.Sigmoid(),
        nn.Affine(3, 2, init=0.5, rng=2),
    )
    x = RNG.normal(size=(5, 3))
    t = np.array([0, 1, 1, 0, 1])
    loss = nn.SoftmaxWithLoss()

    def call(m: nn.Module, xt: Tensor) -> Tensor:
        m[3].rng = np.random.default_rng(5)  # the same dropout mask on every call
        return loss(m(xt), t)

    assert check_layer(model, x, call)
    model.eval()
    assert check_layer(model, x, lambda m, xt: loss(m(xt), t))


# -- the Module API ------------------------------------------------------------------------------


def test_parameters_in_order_buffers_and_zero_grad_to_none():
    model = nn.Sequential(nn.Affine(2, 3, rng=0), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 1))
    a, bn, _, c = model
    assert model.parameters() == [a.W, a.b, bn.gamma, bn.beta, c.W, c.b]
    assert model.buffers() == [bn.running_mean, bn.running_var]
    model(RNG.normal(size=(4, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert nn.Linear is nn.Affine


def test_train_and_eval_reach_every_child_scalar_modules_too():
    model = nn.Sequential(nn.Affine(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))
    assert model.eval() is model
    inner = model[1]
    assert not model.training and not inner.training and not inner[0].training
    model.train()
    assert inner[1].training
    random.seed(0)
    mlp = nn.MLP(2, [3, 1])
    mlp.eval()
    assert not mlp.layers[0].neurons[0].training
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())
    assert isinstance(mlp([1.0, 2.0]), Value)


def test_init_scales():
    n = 400
    for init, std in [
        ("he", np.sqrt(2 / n)),
        ("xavier", np.sqrt(1 / n)),
        ("std", 0.01),
        (0.3, 0.3),
    ]:
        w = nn.Affine(n, 300, init=init, rng=0).W.data
        assert w.std() == pytest.approx(std, rel=0.02), init
    layer = nn.Affine(3, 2, rng=0)
    assert layer.b.data.tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(layer.W.data, nn.Affine(3, 2, rng=0).W.data)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: nn.Affine(3, 2)(np.ones((4, 5))), ValueError, r"\(4, 5\).*\(3, 2\)"),
        (lambda: nn.Affine(3, 2, init="kaiming"), ValueError, "init must be"),
        (lambda: nn.Affine(0, 2), ValueError, "in_features must be >= 1"),
        (lambda: nn.Affine(3, 2.0), TypeError, "out_features must be an int"),
        (lambda: nn.Dropout(1.5), ValueError, r"p must be in \[0, 1\]"),
        (lambda: nn.BatchNorm1d(3)(np.ones((4, 2))), ValueError, r"\(4, 2\) should be \(N, 3\)"),
        (lambda: nn.BatchNorm1d(3)(np.ones((1, 3))), ValueError, "N >= 2"),
        (lambda: nn.BatchNorm1d(3, eps=0), ValueError, "eps must be"),
        (lambda: nn.Sequential(nn.ReLU(), np.tanh), TypeError, "layer 1 must be a Module"),
        (lambda: nn.Affine(2, 2)(["a", "b"]), TypeError, "Affine"),
    ],
)
def test_clear_errors(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_repr():
    assert repr(nn.Sequential(nn.Linear(784, 100), nn.ReLU())) == (
        "Sequential(\n  (0): Affine(784, 100)\n  (1): ReLU()\n)"
    )


# -- save / load ---------------------------------------------------------------------------------


def _model(seed: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Affine(4, 6, rng=seed), nn.BatchNorm1d(6), nn.ReLU(), nn.Affine(6, 3, rng=seed + 1)
    )


def test_save_load_round_trips_a_tensor_model_exactly(tmp_path):
    a = _model(0)
    opt = microgradkr.optim.Adam(a, lr=0.01)
    for _ in range(5):
        opt.zero_grad()
        nn.SoftmaxWithLoss()(a(RNG.normal(size=(8, 4))), RNG.integers(0, 3, 8)).backward()
        opt.step()
    b = _model(10)
    path = microgradkr.save_model(a, tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == ["buffer_0", "buffer_1"] + [f"param_{i}" for i in range(6)]
    microgradkr.load_model(b, path)
    for p, q in zip(a.parameters() + a.buffers(), b.parameters() + b.buffers(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    x = RNG.normal(size=(3, 4))
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_refuses_a_file_without_the_buffers(tmp_path):
    a = _model(0)
    microgradkr.save_model(a.parameters(), tmp_path / "params.npz")
    with pytest.raises(ValueError, match="6 parameters and 2 buffers; missing array.*buffer_0"):
        microgradkr.load_model(_model(1), tmp_path / "params.npz")


# -- against PyTorch -----------------------------------------------------------------------------


def test_batchnorm_matches_torch_in_train_and_eval():
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm1d(4, momentum=0.2, eps=1e-3)
    ours.gamma.data[:] = [1.0, 2.0, -1.0, 0.5]
    ours.beta.data[:] = [0.0, 0.5, 1.0, -2.0]
    theirs = torch.nn.BatchNorm1d(4, momentum=0.2, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.gamma.data))
        theirs.bias.copy_(torch.from_numpy(ours.beta.data))
    for mode in ["train"] * 4 + ["eval"] * 2:
        getattr(ours, mode)(), getattr(theirs, mode)()
        x = RNG.normal(loc=3.0, scale=2.0, size=(6, 4))
        dout = RNG.normal(size=(6, 4))
        ours.zero_grad()
        theirs.zero_grad()
        xt, xtorch = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, out_t = ours(xt), theirs(xtorch)
        out.backward(dout)
        out_t.backward(torch.from_numpy(dout))
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(xt.grad, xtorch.grad.numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours.gamma.grad, theirs.weight.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.beta.grad, theirs.bias.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), atol=1e-12)


def test_affine_stack_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Affine(5, 8, rng=0), nn.ReLU(), nn.Affine(8, 6, rng=1), nn.Tanh(),
        nn.Affine(6, 4, rng=2), nn.Sigmoid(), nn.Affine(4, 3, rng=3),
    )  # fmt: skip
    layers = []
    for layer in ours:
        if isinstance(layer, nn.Affine):
            lin = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W.data.T))  # torch keeps W^T
                lin.bias.copy_(torch.from_numpy(RNG.normal(size=layer.out_features)))
                layer.b.data[:] = lin.bias.numpy()
            layers.append(lin)
        else:
            layers.append({"ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh}.get(
                repr(layer)[:-2], torch.nn.Sigmoid)())  # fmt: skip
    theirs = torch.nn.Sequential(*layers)
    x, t = RNG.normal(size=(7, 5)), RNG.integers(0, 3, 7)
    loss = nn.SoftmaxWithLoss()(ours(x), t)
    loss.backward()
    loss_t = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(t))
    loss_t.backward()
    assert loss.item() == pytest.approx(loss_t.item(), abs=1e-14)
    lins = [m for m in theirs if isinstance(m, torch.nn.Linear)]
    affines = [m for m in ours if isinstance(m, nn.Affine)]
    for a, lin in zip(affines, lins, strict=True):
        np.testing.assert_allclose(a.W.grad, lin.weight.grad.numpy().T, rtol=0, atol=1e-14)
        np.testing.assert_allclose(a.b.grad, lin.bias.grad.numpy(), rtol=0, atol=1e-14)


def test_a_shared_layer_is_listed_once():
    shared = nn.Affine(3, 3, rng=0)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert model.parameters() == [shared.W, shared.b]
    microgradkr.optim.SGD(model, lr=0.1)  # would refuse a parameter listed twice


def test_training_a_batchnorm_stack_matches_torch_step_for_step():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Affine(6, 5, rng=0), nn.BatchNorm1d(5), nn.ReLU(), nn.Affine(5, 3, rng=1)
    )
    lin1 = torch.nn.Linear(6, 5, dtype=torch.float64)
    bn = torch.nn.BatchNorm1d(5, dtype=torch.float64)
    lin2 = torch.nn.Linear(5, 3, dtype=torch.float64)
    with torch.no_grad():
        for lin, a in ((lin1, ours[0]), (lin2, ours[3])):
            lin.weight.copy_(torch.from_numpy(a.W.data.T))
            lin.bias.zero_()
    theirs = torch.nn.Sequential(lin1, bn, torch.nn.ReLU(), lin2)
    opt = microgradkr.optim.Momentum(ours, lr=0.1)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    loss_layer = nn.SoftmaxWithLoss()
    for _ in range(5):
        x, t = RNG.normal(size=(8, 6)), RNG.integers(0, 3, 8)
        opt.zero_grad()
        loss_layer(ours(x), t).backward()
        opt.step()
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(x)), torch.from_numpy(t)
        ).backward()
        opt_t.step()
    ours_state = [a.data for a in ours.parameters() + ours.buffers()]
    torch_state = [lin1.weight.T, lin1.bias, bn.weight, bn.bias, lin2.weight.T, lin2.bias]
    torch_state += [bn.running_mean, bn.running_var]
    for a, b in zip(ours_state, torch_state, strict=True):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=1e-12)
    ours.eval(), theirs.eval()
    x = RNG.normal(size=(4, 6))
    np.testing.assert_allclose(
        ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-12
    )


def test_a_float32_model_stays_float32():
    f32 = np.float32
    model = nn.Sequential(
        nn.Affine(4, 3, dtype=f32, rng=0),
        nn.BatchNorm1d(3, dtype=f32),
        nn.ReLU(),
        nn.Affine(3, 2, dtype=f32),
    )
    x = RNG.normal(size=(5, 4)).astype(f32)
    loss = nn.SoftmaxWithLoss()(model(x), np.array([0, 1, 1, 0, 1]))
    loss.backward()
    microgradkr.optim.Adam(model).step()
    assert loss.dtype == f32
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype(f32)}
    assert {p.data.dtype for p in model.parameters() + model.buffers()} == {np.dtype(f32)}
    assert model.eval()(x).dtype == f32


def test_batchnorm_arrays_are_not_shared():
    bn = nn.BatchNorm1d(3)
    arrays = [t.data for t in bn.parameters() + bn.buffers()]
    assert not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1 :])
