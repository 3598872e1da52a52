"""Optimizers: hand-computed updates, and step-by-step agreement with torch.optim."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradkr import Tensor, Value, optim
from microgradkr.nn import MLP


class ArrayParam:
    """A stand-in for a Tensor parameter: ndarray ``data``, ``grad`` an ndarray or None."""

    def __init__(self, data: Any) -> None:
        self.data = np.array(data, dtype=np.float64)
        self.grad: np.ndarray | None = None


INIT = [1.5, -0.8, 0.3, 2.0, -1.2, 0.7]
K = [1.0, 3.0, 0.5, 2.0, 1.5, 0.25]


def value_loss(ps: list[Value]) -> Value:
    """sum_i k_i p_i^2 / 2 + tanh(p_i): curved differently along each axis, never flat."""
    total = Value(0.0)
    for p, k in zip(ps, K, strict=True):
        total = total + 0.5 * k * p * p + p.tanh()
    return total


def array_grad(p: np.ndarray) -> np.ndarray:
    """d/dp of the same loss, on a 2x3 array."""
    return np.array(K).reshape(2, 3) * p + (1 - np.tanh(p) ** 2)


# (our class, our kwargs, torch class name, torch kwargs)
CASES = [
    (optim.SGD, {"lr": 0.1}, "SGD", {"lr": 0.1}),
    (optim.SGD, {"lr": 0.1, "weight_decay": 0.1}, "SGD", {"lr": 0.1, "weight_decay": 0.1}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9}),
    (
        optim.SGD,
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
    ),
    (
        optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05},
        "SGD",
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05},
    ),
    (optim.Momentum, {"lr": 0.05}, "SGD", {"lr": 0.05, "momentum": 0.9}),
    (
        optim.Momentum,
        {"lr": 0.05, "weight_decay": 0.1},
        "SGD",
        {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1},
    ),
    (optim.Nesterov, {"lr": 0.05}, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (
        optim.Nesterov,
        {"lr": 0.05, "momentum": 0.7, "weight_decay": 0.1},
        "SGD",
        {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.1},
    ),
    (optim.AdaGrad, {"lr": 0.3}, "Adagrad", {"lr": 0.3}),
    (
        optim.AdaGrad,
        {"lr": 0.3, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
        "Adagrad",
        {"lr": 0.3, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
    ),
    (optim.RMSProp, {"lr": 0.01}, "RMSprop", {"lr": 0.01}),
    (
        optim.RMSProp,
        {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "momentum": 0.5, "centered": True},
        "RMSprop",
        {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "momentum": 0.5, "centered": True},
    ),
    (optim.RMSProp, {"lr": 0.01, "momentum": 0.9}, "RMSprop", {"lr": 0.01, "momentum": 0.9}),
    (optim.AdaDelta, {}, "Adadelta", {}),
    (
        optim.AdaDelta,
        {"lr": 0.5, "rho": 0.95, "weight_decay": 0.1},
        "Adadelta",
        {"lr": 0.5, "rho": 0.95, "weight_decay": 0.1},
    ),
    (optim.Adam, {"lr": 0.1}, "Adam", {"lr": 0.1}),
    (
        optim.Adam,
        {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True},
        "Adam",
        {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True},
    ),
]
IDS = [f"{c.__name__}-{'-'.join(map(str, kw)) or 'defaults'}" for c, kw, _, _ in CASES]


def torch_trajectory(torch_name: str, kwargs: dict[str, Any], steps: int = 20) -> np.ndarray:
    """torch.optim's parameters after each of ``steps`` steps on the same loss, float64."""
    torch = pytest.importorskip("torch")
    p = torch.tensor(INIT, dtype=torch.float64, requires_grad=True)
    k = torch.tensor(K, dtype=torch.float64)
    opt = getattr(torch.optim, torch_name)([p], **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * k * p * p + torch.tanh(p)).sum().backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize(("cls", "kwargs", "torch_name", "torch_kwargs"), CASES, ids=IDS)
def test_value_params_match_torch(cls, kwargs, torch_name, torch_kwargs):
    expected = torch_trajectory(torch_name, torch_kwargs)
    ps = [Value(x) for x in INIT]
    opt = cls(ps, **kwargs)
    for step in range(20):
        opt.zero_grad()
        value_loss(ps).backward()
        opt.step()
        np.testing.assert_allclose([p.data for p in ps], expected[step], rtol=0, atol=1e-10)


@pytest.mark.parametrize(("cls", "kwargs", "torch_name", "torch_kwargs"), CASES, ids=IDS)
def test_array_params_match_torch(cls, kwargs, torch_name, torch_kwargs):
    expected = torch_trajectory(torch_name, torch_kwargs)
    p = ArrayParam(np.reshape(INIT, (2, 3)))
    frozen = ArrayParam([[5.0, -5.0]])  # grad stays None: skipped, as PyTorch skips it
    data_ref = p.data
    opt = cls([p, frozen], **kwargs)
    for step in range(20):
        opt.zero_grad()
        assert p.grad is None
        p.grad = array_grad(p.data)
        opt.step()
        np.testing.assert_allclose(p.data.ravel(), expected[step], rtol=0, atol=1e-10)
    assert p.data is data_ref, "arrays are updated in place so references stay valid"
    assert frozen.data.tolist() == [[5.0, -5.0]]
    assert opt.state[1] == {}


@pytest.mark.parametrize(("cls", "kwargs", "torch_name", "torch_kwargs"), CASES, ids=IDS)
def test_tensor_params_match_torch(cls, kwargs, torch_name, torch_kwargs):
    expected = torch_trajectory(torch_name, torch_kwargs)
    p = Tensor(np.reshape(INIT, (2, 3)), requires_grad=True)
    frozen = Tensor([[5.0, -5.0]], requires_grad=True)  # never in the loss: grad stays None
    k = np.reshape(K, (2, 3))
    data_ref = p.data
    opt = cls([p, frozen], **kwargs)
    for step in range(20):
        opt.zero_grad()
        assert p.grad is None and frozen.grad is None
        (0.5 * k * p * p + p.tanh()).sum().backward()
        opt.step()
        np.testing.assert_allclose(p.data.ravel(), expected[step], rtol=0, atol=1e-10)
    assert p.data is data_ref, "Tensor data is updated in place so references stay valid"
    assert frozen.data.tolist() == [[5.0, -5.0]]
    assert opt.state[1] == {}


@given(
    case=st.sampled_from(CASES),
    init=st.lists(st.floats(-5, 5), min_size=6, max_size=6),
)
def test_value_and_array_parameters_take_the_same_path(case, init):
    """The update is written once: floats and arrays must give the same numbers."""
    cls, kwargs, _, _ = case
    values, arr = [Value(x) for x in init], ArrayParam(np.reshape(init, (2, 3)))
    opt_v, opt_a = cls(values, **kwargs), cls([arr], **kwargs)
    for _ in range(5):
        grads = array_grad(arr.data)
        for v, g in zip(values, grads.ravel(), strict=True):
            v.grad = float(g)
        arr.grad = grads
        opt_v.step()
        opt_a.step()
        np.testing.assert_allclose(
            [v.data for v in values], arr.data.ravel(), rtol=1e-12, atol=1e-12
        )


def test_momentum_by_hand_without_torch():
    # DLfS: v = 0.9 v - lr g; p += v, on f = p^2 (g = 2p) from p = 1, lr = 0.1.
    p = Value(1.0)
    opt = optim.Momentum([p], lr=0.1)
    seen = []
    for _ in range(3):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
        seen.append(p.data)
    # step 1: g = 2, v = -0.2, p = 0.8
    # step 2: g = 1.6, v = 0.9 * -0.2 - 0.16 = -0.34, p = 0.46
    # step 3: g = 0.92, v = 0.9 * -0.34 - 0.092 = -0.398, p = 0.062
    assert seen == pytest.approx([0.8, 0.46, 0.062], abs=1e-12)


def test_nesterov_by_hand_without_torch():
    # PyTorch: b = 0.9 b + g; p -= lr (g + 0.9 b), on f = p^2 from p = 1, lr = 0.1.
    p = ArrayParam([1.0])
    opt = optim.Nesterov([p], lr=0.1)
    seen = []
    for _ in range(3):
        p.grad = 2 * p.data
        opt.step()
        seen.append(float(p.data[0]))
    # step 1: g = 2, b = 2, p = 1 - 0.1 (2 + 1.8) = 0.62
    # step 2: g = 1.24, b = 1.8 + 1.24 = 3.04, p = 0.62 - 0.1 (1.24 + 2.736) = 0.2224
    # step 3: g = 0.4448, b = 2.736 + 0.4448 = 3.1808, p = 0.2224 - 0.1 (0.4448 + 2.86272)
    assert seen == pytest.approx([0.62, 0.2224, 0.2224 - 0.330752], abs=1e-12)


def test_nesterov_equals_the_dlfs_form_with_params_updated_first():
    # p += mu^2 v - (1 + mu) lr g, then v = mu v - lr g.
    mu, lr, x, v = 0.9, 0.1, 1.0, 0.0
    p = Value(x)
    opt = optim.Nesterov([p], lr=lr, momentum=mu)
    for _ in range(5):
        g = 2 * x
        x += mu * mu * v - (1 + mu) * lr * g
        v = mu * v - lr * g
        p.grad = 2 * p.data
        opt.step()
        assert p.data == pytest.approx(x, abs=1e-12)


def test_adagrad_and_adam_by_hand_without_torch():
    p = Value(1.0)
    opt = optim.AdaGrad([p], lr=0.5)
    p.grad = 2.0
    opt.step()  # h = 4, p = 1 - 0.5 * 2 / (2 + 1e-10)
    assert p.data == pytest.approx(0.5, abs=1e-9)
    q = Value(1.0)
    adam = optim.Adam([q], lr=0.1)
    q.grad = 3.0
    adam.step()  # the first Adam step moves by lr * sign(g) whatever |g| is
    assert q.data == pytest.approx(0.9, abs=1e-8)


def test_weight_decay_adds_decay_times_p_to_the_gradient():
    p = Value(2.0)
    optim.SGD([p], lr=0.1, weight_decay=0.5).step()  # grad 0: g = 0.5 * 2 = 1
    assert p.data == pytest.approx(1.9)


def test_zero_grad_values_to_zero_arrays_to_none():
    v, a = Value(1.0), ArrayParam([1.0, 2.0])
    v.grad, a.grad = 3.0, np.ones(2)
    opt = optim.Adam([v, a])
    opt.zero_grad()
    assert v.grad == 0.0
    assert a.grad is None


def test_float32_arrays_stay_float32_and_in_place():
    p = ArrayParam([1.0, 2.0])
    p.data = p.data.astype(np.float32)
    ref = p.data
    p.grad = np.ones(2, dtype=np.float32)
    optim.Adam([p], lr=0.1).step()
    assert p.data is ref
    assert p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, [0.9, 1.9], rtol=1e-6)


def test_state_does_not_alias_the_gradient():
    p = ArrayParam([1.0])
    opt = optim.Momentum([p], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    p.grad += 100.0  # a backward pass adding into the same array must not change the buffer
    assert opt.state[0]["momentum_buffer"].tolist() == [1.0]


def test_accepts_a_module_and_trains_it():
    model = MLP(2, [4, 1])
    opt = optim.Adam(model, lr=0.05)
    assert opt.params == model.parameters()
    xs, ys = [[1.0, -1.0], [-1.0, 1.0], [0.5, 0.5]], [1.0, -1.0, 0.5]

    def loss() -> Value:
        return sum(((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)), Value(0.0))

    first = loss().data
    for _ in range(50):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().data < first / 10


def test_lr_can_be_changed_between_steps():
    p = Value(1.0)
    opt = optim.SGD([p], lr=0.1)
    opt.lr = 0.5
    p.grad = 1.0
    opt.step()
    assert p.data == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: optim.SGD([Value(1.0)], lr=-0.1), ValueError, "lr"),
        (lambda: optim.Adam([], lr=0.1), ValueError, "params is empty"),
        (lambda: optim.SGD([Value(1.0), 3.0]), TypeError, "params[1]"),
        (lambda: optim.SGD(42), TypeError, "params"),
        (lambda: optim.SGD([Value(1.0)], lr="0.1"), TypeError, "lr"),
        (lambda: optim.Momentum([Value(1.0)], momentum=-0.9), ValueError, "momentum"),
        (lambda: optim.SGD([Value(1.0)], weight_decay=-1), ValueError, "weight_decay"),
        (lambda: optim.SGD([Value(1.0)], nesterov=True), ValueError, "nesterov"),
        (lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, "betas[1]"),
        (lambda: optim.Adam([Value(1.0)], betas=0.9), TypeError, "betas"),
        (lambda: optim.RMSProp([Value(1.0)], alpha=1.5), ValueError, "alpha"),
        (lambda: optim.AdaDelta([Value(1.0)], rho=-0.1), ValueError, "rho"),
        (lambda: optim.AdaGrad([Value(1.0)], eps=-1e-10), ValueError, "eps"),
    ],
)
def test_clear_errors_name_the_argument(make, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        make()


def test_a_parameter_listed_twice_is_refused():
    p = Value(1.0)
    with pytest.raises(ValueError, match=r"params\[1\] appears twice"):
        optim.SGD([p, p])


def test_repr_shows_the_hyperparameters():
    assert "lr=0.1" in repr(optim.SGD([Value(1.0)], lr=0.1))


def load_demo(name: str) -> Any:
    """A demo script as a module, so that its main() can run with tiny settings."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "demos" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"demo_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_optimizers_demo_smoke(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    paths = load_demo("optimizers").main(["--out", str(tmp_path), "--steps", "3"])
    assert list(paths) == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"]
    assert all(p.shape == (4, 2) for p in paths.values())
    assert paths["SGD"][1] == pytest.approx([-7 + 0.95 * 0.7, 2 - 0.95 * 4])
    assert (tmp_path / "optimizers.png").stat().st_size > 10_000
    assert "saved" in capsys.readouterr().out


def test_gradient_descent_demo_reaches_the_reference_point(tmp_path):
    pytest.importorskip("matplotlib")
    paths = load_demo("gradient_descent").main(["--out", str(tmp_path)])
    num, back = paths[0.1]
    np.testing.assert_allclose(back[-1], [-6.1e-10, 8.1e-10], rtol=0.01)
    np.testing.assert_allclose(num, back, rtol=0, atol=1e-9)
    assert (tmp_path / "gradient_descent.png").is_file()


@pytest.mark.parametrize("name", ["optimizers", "gradient_descent"])
def test_demos_without_matplotlib_name_the_extra(tmp_path, monkeypatch, name):
    import sys

    demo = load_demo(name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[demos\]"'):
        demo.main(["--out", str(tmp_path), "--steps", "1"])
