"""The scene: one description of a picture, built from the engine's data (examples 1a-2a)."""

from __future__ import annotations

import json

import pytest

from microgradkr import backward_steps, examples, gradients_after, nn
from microgradkr.viz.fmt import num
from microgradkr.viz.scene import build_scene


def by_name(scene):  # type: ignore[no-untyped-def]
    return {n.name: n for n in scene.nodes}


def test_1a_nodes_edges_and_the_numbers_on_the_edges() -> None:
    f, _ = examples.add_mul()
    f.backward()
    scene = build_scene(f)
    nodes = by_name(scene)
    assert len(scene.nodes) == 5 and len(scene.edges) == 4 and len(scene.steps) == 2
    assert {n: nodes[n].grad for n in "xyzqf"} == {
        "x": "-4",
        "y": "-4",
        "z": "3",
        "q": "-4",
        "f": "1",
    }
    (xq,) = [e for e in scene.edges if e.src == nodes["x"].id]
    assert (xq.local, xq.up, xq.sent) == ("1", "-4", "-4")
    assert nodes["q"].pattern == "distributor" and nodes["f"].symbol == "*"


def test_before_backward_nothing_is_known_and_step_k_is_gradients_after() -> None:
    f, _ = examples.sigmoid_neuron()
    before = build_scene(f)
    assert all(n.grad is None for n in before.nodes)
    assert all(e.sent is None for e in before.edges)
    steps = backward_steps(f)
    for k in range(len(steps) + 1):
        scene = build_scene(f, step=k)
        known = gradients_after(steps, k)
        shown = {n.id: n.grad for n in scene.nodes if n.grad is not None}
        from microgradkr.graph import topological_order

        ids = {node: i for i, node in enumerate(topological_order(f))}
        assert shown == {ids[node]: num(g, 4) for node, g in known.items()}
    with pytest.raises(ValueError, match="step must be between 0 and 8"):
        build_scene(f, step=9)


def test_fan_out_marks_partial_gradients_and_explains_the_sum() -> None:
    f, _ = examples.gate_patterns()
    scene = build_scene(f, step=1)
    x = by_name(scene)["x"]
    assert x.grad == "1" and x.partial  # only the use in f = 2s + x has sent its part
    final = build_scene(f, step=-1)
    ex = by_name(final)["x"].explain
    assert ex is not None and ex.sum() == "-8 + 1" and ex.total == "-7"
    assert ("Σ", "legend_sum", "") in final.legend


def test_tensor_scene_has_shapes_vjp_rules_and_steps() -> None:
    f, _ = examples.l2()
    f.backward()
    scene = build_scene(f)
    nodes = by_name(scene)
    assert nodes["W"].shape == (2, 2) and nodes["x"].grad == "[-0.112, 0.636]"
    rules = {(scene.nodes[e.src].name, e.local) for e in scene.edges}
    assert ("x", "Wᵀ g") in rules and ("W", "g xᵀ") in rules
    assert len(scene.steps) == 3 and scene.steps[-1].symbol == "@"


def test_modules_parameters_and_json() -> None:
    model = nn.MLP(2, [3, 1])
    out = model([1.0, -2.0])
    out.backward()
    scene = build_scene(out, modules=model, lang="ko")
    names = [m.name for m in scene.modules]
    assert names[0] == "MLP" and "L1.n2 · 뉴런" in names  # as L1.n2.w0, in its language
    params = {n.name for n in scene.nodes if n.param}
    assert {"L1.n0.w0", "L1.n2.b", "L2.n0.w2"} <= params
    assert sum(1 for n in scene.nodes if n.name in ("x0", "x1")) == 2  # each input once
    neuron = scene.modules[names.index("L1.n0 · 뉴런")]
    assert neuron.out is not None and scene.nodes[neuron.out].op == "relu"
    data = json.loads(json.dumps(scene.to_dict()))
    assert data["lang"] == "ko" and len(data["nodes"]) == len(scene.nodes)


def test_check_marks_each_edge() -> None:
    f, _ = examples.add_mul()
    scene = build_scene(f, check=True)
    assert {e.check for e in scene.edges} == {"ok"}
    assert ("✓", "legend_checked", "") in scene.legend
