"""Scalar neural nets: micrograd's Neuron/Layer/MLP, trained the way micrograd's demo trains."""

import random

import pytest

from microgradkr import Value, gradcheck
from microgradkr.nn import MLP, Layer, Neuron


def test_mlp_shapes_parameters_and_repr():
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337
    assert isinstance(model([1.0, -1.0]), Value)
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4
    assert repr(MLP(2, [2, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )


def test_neuron_is_one_affine_gate_equal_to_the_gate_by_gate_sum():
    random.seed(1)
    n = Neuron(3, nonlin=False)
    x = [Value(0.5), Value(-1.5), Value(2.0)]
    fused = n(x)
    assert fused.op.name == "affine"
    gates = sum((wi * xi for wi, xi in zip(n.w, x, strict=True)), n.b)
    assert fused.data == gates.data
    fused.backward()
    grads = [p.grad for p in n.parameters() + x]
    n.zero_grad()
    for v in x:
        v.grad = 0.0
    gates.backward()
    assert grads == pytest.approx([p.grad for p in n.parameters() + x], rel=1e-15)


def test_relu_hidden_layers_and_linear_last_layer():
    model = MLP(3, [4, 2])
    assert all(n.nonlin for n in model.layers[0].neurons)
    assert not any(n.nonlin for n in model.layers[1].neurons)


def test_mlp_passes_gradcheck():
    random.seed(2)
    model = MLP(2, [3, 1])
    params = [Value(p.data) for p in model.parameters()]
    assert gradcheck(lambda *ps: _forward_with(model, ps), params)


def _forward_with(model, ps):
    """The model's output with its parameters replaced by the Values ``ps`` (for gradcheck)."""
    it = iter(ps)
    for layer in model.layers:
        for n in layer.neurons:
            n.w = [next(it) for _ in n.w]
            n.b = next(it)
    return model([Value(0.3), Value(-0.7)]).tanh()


def micrograd_demo_losses(Value, MLP, steps):
    """micrograd's demo.ipynb training loop, verbatim but for the data (no scikit-learn)."""
    random.seed(1337)
    X = [[random.uniform(-1.5, 2.5), random.uniform(-1, 1.5)] for _ in range(40)]
    y = [1 if x1 > 0.5 * x0 * x0 - 0.5 else -1 for x0, x1 in X]
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return history


def test_micrograd_demo_trains():
    history = micrograd_demo_losses(Value, MLP, 30)
    assert history[-1][0] < 0.5 * history[0][0]
    assert history[-1][1] >= 0.9


def test_micrograd_demo_follows_micrograd_step_for_step():
    pytest.importorskip("micrograd")
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    ours = micrograd_demo_losses(Value, MLP, 4)
    theirs = micrograd_demo_losses(MValue, MMLP, 4)
    for (l1, a1), (l2, a2) in zip(ours, theirs, strict=True):
        assert l1 == pytest.approx(l2, rel=1e-9) and a1 == a2
