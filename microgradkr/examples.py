"""The worked examples of docs/reference.md as graphs, for the demos, the CLI and the tests."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np

from .data import make_moons
from .engine import Value
from .graph import grad
from .nn import MLP
from .tensor import Tensor


def add_mul() -> tuple[Value, dict[str, Value]]:
    """1a: f = (x + y) * z at x = -2, y = 5, z = -4 (CS231n lecture 4)."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "q": q}


def sigmoid_neuron(fused: bool = False) -> tuple[Value, dict[str, Value]]:
    """1b: f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), from primitive gates or one sigmoid gate."""
    w0, x0, w1, x1, w2 = (
        Value(2.0, "w0"),
        Value(-1.0, "x0"),
        Value(-3.0, "w1"),
        Value(-2.0, "x1"),
        Value(-3.0, "w2"),
    )
    z = w0 * x0 + w1 * x1 + w2
    f = z.sigmoid() if fused else 1 / (1 + (-z).exp())
    f.label = "f"
    return f, {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}


def gate_patterns() -> tuple[Value, dict[str, Value]]:
    """1c: an add (distributor), a mul (switcher) and a max (router), with x used twice."""
    x, y, z, w = Value(3.0, "x"), Value(-4.0, "y"), Value(2.0, "z"), Value(-1.0, "w")
    a = x * y  # switcher: x gets y's value, y gets x's
    a.label = "a"
    m = z.max(w)  # router: all to z, 0 to w
    m.label = "m"
    s = a + m  # distributor: both get the upstream
    s.label = "s"
    f = s * 2.0 + x  # x fans out: its gradient is the sum over both uses
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "w": w}


def l2() -> tuple[Tensor, dict[str, Tensor]]:
    """2a: f = ||W x||^2 = sum q^2 with q = W x, W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]."""
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")
    x = Tensor([0.2, 0.4], requires_grad=True, label="x")
    q = W @ x
    q.label = "q"
    f = (q**2).sum()
    f.label = "f"
    return f, {"W": W, "x": x, "q": q}


def tanh_second_derivative(at: float = 0.5) -> tuple[Value, dict[str, Value]]:
    """dy/dx of y = tanh x as a graph of its own (create_graph=True); its backward gives d2y/dx2.

    dy/dx = 1 - tanh^2 x; d2y/dx2 = -2 tanh x (1 - tanh^2 x), -0.7268619813835873 at x = 0.5.
    """
    x = Value(at, "x")
    y = x.tanh()
    y.label = "y"
    (dy,) = grad(y, [x], create_graph=True)
    dy.label = "dy/dx"
    return dy, {"x": x, "y": y}


def moons_training(
    steps: int = 30, samples: int = 100, seed: int = 1337
) -> Iterator[tuple[MLP, np.ndarray, np.ndarray, Value]]:
    """micrograd's moons net, MLP(2, [16, 16, 1]), trained by SGD on mean(relu(1 - y score)):
    yields (model, X, y, loss) after each step's backward, before its update."""
    x, labels = make_moons(samples, noise=0.1, seed=seed)
    y = labels * 2 - 1
    random.seed(seed)  # the MLP draws its weights from Python's random, as micrograd's
    model = MLP(2, [16, 16, 1])
    for k in range(steps):
        scores = [model([Value(a), Value(b)]) for a, b in x]
        hinge = [(1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)]
        loss = sum(hinge, Value(0.0)) * (1.0 / samples)
        model.zero_grad()
        loss.backward()
        yield model, x, y, loss
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / steps) * p.grad  # micrograd's rate, from 1.0 to 0.1
