"""The network view's frames in watch(): weights, gradients and updates read back from the
model, the strongest-edges cap of big layers, and the frame kept small."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from microgradkr import Tensor, Value, nn, watch
from microgradkr.data import make_moons
from microgradkr.viz.network_state import MAX_LAYER_EDGES

X, LABELS = make_moons(40, noise=0.1, seed=3)
Y = LABELS * 2 - 1


def step(model: nn.MLP) -> Value:
    scores = [model([Value(a), Value(b)]) for a, b in X]
    loss = sum(((1 - y * s).relu() for y, s in zip(Y, scores, strict=True)), Value(0.0))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
    return loss


def test_an_mlp_frame_holds_its_weights_gradients_and_last_update() -> None:
    random.seed(1)
    model = nn.MLP(2, [4, 3, 1])
    w = watch(model, every=2, data=(X, Y))
    before = []
    for _ in range(3):
        before = [q.data for q in model.layers[1].neurons[2].w]
        w.update(step(model))
    net = w.setup["network"]
    assert net["sizes"] == [2, 4, 3, 1] and net["acts"] == ["relu", "relu", "linear"]
    assert net["x"] == pytest.approx(X[0], rel=1e-3)
    first, last = w.frames[0]["net"], w.frames[-1]["net"]
    assert first["layers"][0]["u"] is None  # no frame before the first
    row = last["layers"][1]
    assert row["idx"] is None and len(row["w"]) == 3 * 4
    neuron = model.layers[1].neurons[2]
    assert row["w"][8:12] == pytest.approx([q.data for q in neuron.w], rel=1e-3)
    assert row["g"][8:12] == pytest.approx([q.grad for q in neuron.w], rel=1e-3)
    assert row["gb"][2] == pytest.approx(neuron.b.grad, rel=1e-3)
    # frames at steps 1 and 3: the update is W(3) - W(1), two SGD steps here
    step1 = np.array(first["layers"][1]["w"][8:12])
    assert row["u"][8:12] == pytest.approx(np.array([q.data for q in neuron.w]) - step1, abs=1e-3)
    assert before != [q.data for q in neuron.w]
    h = np.maximum(
        0,
        np.array([[q.data for q in n.w] for n in model.layers[0].neurons]) @ X[0]
        + [n.b.data for n in model.layers[0].neurons],
    )
    assert last["acts"][0] == pytest.approx(h, rel=1e-3, abs=1e-6)


def test_a_big_layer_sends_only_each_neurons_strongest_edges() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 64))
    model = nn.Sequential(nn.Affine(64, 32, rng=0), nn.ReLU(), nn.Affine(32, 4, rng=1))
    loss = nn.SoftmaxWithLoss()(model(Tensor(x)), np.arange(30) % 4)
    loss.backward()
    w = watch(model, data=(x, np.arange(30) % 4))
    w.update(loss)
    big, small = w.frames[-1]["net"]["layers"]
    W, G = model.layers[0].W.data.T, model.layers[0].W.grad.T  # Affine's W is (in, out)
    shown = MAX_LAYER_EDGES // 32
    assert w.setup["network"]["shown"] == [shown, 32]
    assert len(big["idx"]) == len(big["w"]) == len(big["g"]) == 32 * shown
    for j in (0, 17, 31):
        cols = [i % 64 for i in big["idx"] if i // 64 == j]
        strongest = np.argsort(-np.abs(W[j]))[:shown]
        assert sorted(cols) == sorted(strongest.tolist())
        vals = [v for i, v in zip(big["idx"], big["w"], strict=True) if i // 64 == j]
        assert vals == pytest.approx(W[j, sorted(cols)], rel=1e-3)
        grads = [v for i, v in zip(big["idx"], big["g"], strict=True) if i // 64 == j]
        assert grads == pytest.approx(G[j, sorted(cols)], rel=1e-3, abs=1e-9)
    assert small["idx"] is None and len(small["w"]) == 4 * 32
    assert len(json.dumps(w.frames[-1]["net"])) < 12_000


def test_a_model_the_view_cannot_draw_has_no_network() -> None:
    model = nn.Sequential(nn.Affine(2, 4, rng=0), nn.ReLU(), nn.ReLU(), nn.Affine(4, 1, rng=1))
    w = watch(model, data=(X, Y))
    w.update(1.0)
    assert w.setup["network"] is None and w.frames[-1]["net"] is None
