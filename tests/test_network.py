"""The network view's data: the engine's weights, gradients and activations, read back as numbers.

The page itself (colours, widths, the drill-down) is read back in a browser by
tests/test_network_browser.py; here, the state it draws and the page's text.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from i18n_scan import shown_literals

import microgradkr.viz
from microgradkr import Tensor, Value, nn, optim
from microgradkr.viz import explain
from microgradkr.viz.network import drill_scenes, network, script_json
from microgradkr.viz.network_state import (
    GRID,
    dense_layers,
    network_state,
    shown_per_neuron,
)

SAMPLES = [[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.2, 1.1]]
TARGETS = [1, -1, 1, -1]


def trained_mlp(seed: int = 2) -> tuple[nn.MLP, Value]:
    """A seeded MLP(2, [4, 4, 1]) after backward() of micrograd's SVM loss on four points."""
    random.seed(seed)
    model = nn.MLP(2, [4, 4, 1])
    scores = [model(x) for x in SAMPLES]
    loss = sum(((1 - y * s).relu() for y, s in zip(TARGETS, scores, strict=True)), Value(0.0))
    loss.backward()
    return model, loss


def close(a: object, b: object) -> bool:
    return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-5, atol=1e-12))


def test_state_holds_the_engines_weights_gradients_and_activations() -> None:
    model, _ = trained_mlp()
    state = network_state(model, SAMPLES[0])
    assert state["sizes"] == [2, 4, 4, 1]
    assert state["names"][2] == ["L2.n0", "L2.n1", "L2.n2", "L2.n3"]
    for layer, row in zip(model.layers, state["layers"], strict=True):
        assert close(row["w"], [[w.data for w in n.w] for n in layer.neurons])
        assert close(row["grad_w"], [[w.grad for w in n.w] for n in layer.neurons])
        assert close(row["grad_b"], [n.b.grad for n in layer.neurons])
        assert row["update_w"] is None
    hidden = model.layers[0]([Value(v) for v in SAMPLES[0]])
    assert close(state["acts"][1], [h.data for h in hidden])
    assert close(state["acts"][3], [model(SAMPLES[0]).data])


def test_a_weights_name_is_its_parameter_label() -> None:
    model, _ = trained_mlp()
    state = network_state(model)
    for i, layer in enumerate(model.layers, 1):
        for j, neuron in enumerate(layer.neurons):
            assert neuron.w[1].label == f"{state['names'][i][j]}.w1"


def test_update_is_the_step_sgd_took() -> None:
    model, _ = trained_mlp()
    before = network_state(model)
    grads = [[w.grad for w in n.w] for n in model.layers[1].neurons]
    optim.SGD(model, lr=0.1).step()
    after = network_state(model, previous=before)
    assert close(after["layers"][1]["update_w"], -0.1 * np.array(grads))


def test_heat_map_is_the_neurons_output_over_the_plane() -> None:
    model, _ = trained_mlp()
    state = network_state(model, points=np.array(SAMPLES))
    x0, x1, y0, y1 = state["plane"]
    assert x0 < -0.7 and x1 > 1.5 and y0 < -1.0 and y1 > 1.1
    heat = state["layers"][0]["heat"][2]
    assert len(heat["cells"]) == GRID * GRID
    neuron = model.layers[0].neurons[2]
    outs = [
        neuron([Value(a), Value(b)]).data
        for b in np.linspace(y1, y0, GRID)
        for a in np.linspace(x0, x1, GRID)
    ]
    top = max(abs(v) for v in outs)
    assert heat["max"] == pytest.approx(top, rel=1e-5)
    assert heat["cells"] == [round(100 * v / top) for v in outs]


def test_sequential_of_affine_layers_reads_as_the_same_dense_layers() -> None:
    model = nn.Sequential(nn.Affine(3, 5, rng=0), nn.Tanh(), nn.Linear(5, 2, rng=1))
    x = np.array([[0.1, -0.2, 0.3], [1.0, 0.5, -1.5]])
    model(x).sum().backward()
    state = network_state(model, x[1])
    assert [row["act"] for row in state["layers"]] == ["tanh", "linear"]
    assert close(state["layers"][0]["w"], model.layers[0].W.data.T)
    assert close(state["layers"][2 - 1]["grad_w"], model.layers[2].W.grad.T)
    assert close(state["acts"][2], model(x[1:]).data[0])


def test_big_layers_draw_only_each_neurons_strongest_edges() -> None:
    assert shown_per_neuron(16, 16) == 16
    assert shown_per_neuron(784, 100) == 2  # 200 of 78,400 edges
    assert shown_per_neuron(100, 10) == 25


@pytest.mark.parametrize(
    "model, error",
    [
        (nn.Layer(2, 3), TypeError),
        (nn.Sequential(nn.Affine(2, 3), nn.BatchNorm1d(3)), ValueError),
        (nn.Sequential(nn.ReLU()), ValueError),
        (nn.Sequential(), ValueError),
    ],
)
def test_models_it_cannot_draw_are_named(model: nn.Module, error: type) -> None:
    with pytest.raises(error, match="network"):
        network(model)


def test_bad_sample_and_loss_are_named() -> None:
    model, _ = trained_mlp()
    with pytest.raises(ValueError, match="x must be one sample of 2 numbers"):
        network(model, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="loss must be a Value or a Tensor"):
        network(model, SAMPLES[0], loss=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="points must have shape"):
        network(model, points=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="labels must have one label per point"):
        network(model, points=np.zeros((3, 2)), labels=[0, 1])
    with pytest.raises(ValueError, match="for a batch, pass one row"):
        network(model, np.array(SAMPLES))
    other = network_state(nn.MLP(2, [3, 1]))
    with pytest.raises(ValueError, match="previous is the state of a network of other sizes"):
        network(model, previous=other)


def test_points_are_coloured_by_class() -> None:
    model, _ = trained_mlp()
    state = network_state(model, points=np.array(SAMPLES), labels=TARGETS)
    assert [p[2] for p in state["points"]] == [1, 0, 1, 0]  # -1 -> class 0, +1 -> class 1
    assert state["points"][1][:2] == SAMPLES[1]


def test_a_tensor_nets_wide_layer_has_no_gate_pages() -> None:
    model = nn.Sequential(nn.Affine(200, 3, rng=0), nn.ReLU(), nn.Affine(3, 2, rng=1))
    scenes = drill_scenes(dense_layers(model), np.linspace(-1, 1, 200), "ko", "dlfs")
    assert sorted(scenes) == ["L2.n0", "L2.n1"]  # 200 inputs: more than DRILL_MAX_INPUTS
    x1 = np.maximum(np.linspace(-1, 1, 200) @ model.layers[0].W.data, 0)
    W2 = model.layers[2].W.data
    nodes = {n["name"]: n for n in scenes["L2.n1"]["nodes"]}
    assert nodes["L2.n1"]["data"] == f"{x1 @ W2[:, 1]:.4g}"
    assert nodes["L2.n1.w2"]["data"] == f"{W2[2, 1]:.4g}"


def test_script_json_cannot_end_its_script_element() -> None:
    data = {"label": "</script><script>alert(1)</script> & \u2028\u2029 >"}
    text = script_json(data)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == data


def test_the_page_is_offline_and_holds_its_data_as_json() -> None:
    model, loss = trained_mlp()
    html = network(model, SAMPLES[0], loss=loss)
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    state = re.search(r'id="mgk-net-state" type="application/json">(.*?)</script>', html, re.S)
    assert state is not None and json.loads(state.group(1))["sizes"] == [2, 4, 4, 1]


def test_hover_explanation_is_explain_of_the_weight() -> None:
    model, loss = trained_mlp()
    html = network(model, SAMPLES[0], loss=loss, lang="ko")
    extra = re.search(r'id="mgk-net-extra" type="application/json">(.*?)</script>', html, re.S)
    assert extra is not None
    rows = json.loads(extra.group(1))["explain"][1]["w"]
    assert "add#" not in json.dumps(rows)  # the unlabelled loss reads L, as in ∂L/∂w
    loss.label = "L"
    w = model.layers[1].neurons[1].w[3]
    assert rows[1][3]["en"] == explain(w, loss).lines("en")[:1]
    assert rows[1][3]["ko"] == explain(w, loss, lang="ko").lines()[:1]
    assert rows[1][3]["en"][0].endswith(f"= {w.grad:.4g}")


def test_drill_down_scene_is_the_neurons_gates_for_the_sample() -> None:
    model, _ = trained_mlp()
    layers = dense_layers(model)
    x = np.array(SAMPLES[1])
    scenes = drill_scenes(layers, x, "en", "dlfs")
    assert sorted(scenes) == sorted(f"L{i}.n{j}" for i in (1, 2) for j in range(4)) + ["L3.n0"]
    model.zero_grad()
    neuron = model.layers[1].neurons[1]
    hidden = model.layers[0]([Value(v) for v in x])
    out = neuron(hidden)
    assert out.data > 0  # active at this sample: its weights' gradients are the inputs
    out.backward()  # the engine: d(L2.n1)/dw for this sample
    nodes = {n["name"]: n for n in scenes["L2.n1"]["nodes"]}
    assert nodes["L2.n1"]["data"] == f"{out.data:.4g}"
    for k, w in enumerate(neuron.w):
        ex = nodes[f"L2.n1.w{k}"]["explain"]
        assert ex["total"] == (f"{w.grad:.4g}" if w.grad else "0")


def test_tensor_loss_explains_each_layers_W() -> None:
    model = nn.Sequential(nn.Affine(3, 4, rng=0), nn.ReLU(), nn.Affine(4, 2, rng=1))
    x = np.array([[0.1, -0.2, 0.3], [1.0, 0.5, -1.5]])
    loss = nn.SoftmaxWithLoss()(model(x), np.array([0, 1]))
    loss.backward()
    html = network(model, x[0], loss=loss)
    extra = re.search(r'id="mgk-net-extra" type="application/json">(.*?)</script>', html, re.S)
    assert extra is not None
    got = json.loads(extra.group(1))["explain"]
    loss.label = "L"  # the page names an unlabelled loss L
    W: Tensor = model.layers[2].W  # type: ignore[attr-defined]
    assert got[1]["W"]["en"] == explain(W, loss).lines("en")[:2]


STATIC = Path(microgradkr.viz.__file__).parent / "static"


@pytest.mark.parametrize("name", ["network.js", "network_ui.js", "network_back.js", "network.html"])
def test_the_view_shows_no_word_past_the_catalogue(name: str) -> None:
    source = (STATIC / name).read_text(encoding="utf-8")
    assert shown_literals(source, html=name.endswith(".html")) == []


def test_a_diverged_net_gives_strict_json() -> None:
    model, _ = trained_mlp()
    model.layers[0].neurons[1].w[0].data = float("nan")  # a step too large: NaN and inf weights
    model.layers[1].neurons[2].w[3].data = float("inf")
    state = network_state(model, SAMPLES[0], points=np.array(SAMPLES))
    json.dumps(state, allow_nan=False)  # JSON.parse takes no NaN
    assert state["layers"][0]["w"][1][0] is None and state["layers"][1]["w"][2][3] is None
    assert state["acts"][1][1] is None  # the neuron's output is NaN too
    assert all(-100 <= c <= 100 for c in state["layers"][0]["heat"][1]["cells"])
    html = network(model, SAMPLES[0])
    found = re.search(r'id="mgk-net-state" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None and "NaN" not in found.group(1) and "Infinity" not in found.group(1)
