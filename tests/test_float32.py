"""float32 end to end: data, outputs, gradients, layers and optimizer state keep float32."""

from __future__ import annotations

import numpy as np
import pytest

from microgradkr import Tensor, nn, optim
from microgradkr.functional import cross_entropy, softmax


def test_a_float32_array_stays_float32_and_is_shared() -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = Tensor(a)
    assert x.dtype == np.float32
    assert np.shares_memory(x.data, a)  # as torch.from_numpy
    assert Tensor(np.arange(3)).dtype == np.float64  # integers: the float64 default
    assert Tensor([1.0, 2.0]).dtype == np.float64
    assert Tensor(a, dtype=np.float64).dtype == np.float64


def test_python_numbers_do_not_upcast_float32() -> None:
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    outs = [x + 2, 2.5 * x, x - 1, 1 / (x + 1), x / 3, x**2, -x, x.exp(), x.mean(), softmax(x)]
    for y in outs:
        assert y.dtype == np.float32, y
    loss = sum(y.sum() for y in outs[1:])
    loss = loss + outs[0].sum()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "name", ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"]
)
def test_float32_layers_and_optimizers_keep_float32(name: str) -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((8, 4)).astype(np.float32))
    t = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    f32 = np.float32
    net = nn.Sequential(
        nn.Affine(4, 5, dtype=f32),
        nn.ReLU(),
        nn.BatchNorm1d(5, dtype=f32),
        nn.Affine(5, 3, dtype=f32),
    )
    opt = getattr(optim, name)(net.parameters())
    for _ in range(2):
        out = net(x)
        assert out.dtype == np.float32
        loss = cross_entropy(out, t)
        assert loss.dtype == np.float32
        opt.zero_grad()
        loss.backward()
        opt.step()
    for p in net.parameters():
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
    for state in opt.state:
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
    for b in net.buffers():
        assert b.dtype == np.float32


def test_layers_default_to_float64() -> None:
    assert nn.Affine(2, 3).W.dtype == np.float64
    assert nn.BatchNorm1d(3).gamma.dtype == np.float64
