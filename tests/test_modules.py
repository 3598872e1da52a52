"""Module boxes are named in one scheme: the parameters' labels (L2.n3 · neuron), as network()."""

from __future__ import annotations

import random

from microgradkr import explore, nn
from microgradkr.viz.modules import label_prefix, module_tree
from microgradkr.viz.network_state import network_state
from microgradkr.viz.scene import build_scene


def mlp() -> nn.MLP:
    random.seed(0)
    return nn.MLP(3, [4, 4, 1])


def test_boxes_are_named_as_the_parameters_labels() -> None:
    tree, objs = module_tree([mlp()], lang="en")
    names = [b.name for b in tree]
    assert names[:3] == ["MLP", "L1 · layer", "L1.n0 · neuron"]
    assert names[-2:] == ["L3 · layer", "L3.n0 · neuron"]
    assert "L2.n3 · neuron" in names and len(names) == 1 + 3 + 4 + 4 + 1
    # every neuron box reads the way its weights are labelled: L2.n3 holds L2.n3.w0 ... L2.n3.b
    for box, module in zip(tree, objs, strict=True):
        if isinstance(module, nn.Neuron):
            where = box.name.split(" · ")[0]
            assert {p.label.rsplit(".", 1)[0] for p in module.parameters()} == {where}


def test_the_network_view_and_the_boxes_number_neurons_alike() -> None:
    model = mlp()
    tree, _ = module_tree([model], lang="en")
    boxes = {b.name.split(" · ")[0] for b in tree if b.name.endswith("neuron")}
    views = {name for layer in network_state(model)["names"][1:] for name in layer}
    assert boxes == views


def test_korean_boxes_use_the_catalogues_words() -> None:
    names = [b.name for b in module_tree([mlp()], lang="ko")[0]]
    assert names[1:3] == ["L1 · 계층(layer)", "L1.n0 · 뉴런"]  # the term in full at first use
    assert names[6] == "L2 · 계층"


def test_modules_without_labelled_parameters_keep_class_and_position() -> None:
    model = nn.Sequential(nn.Affine(2, 3, rng=0), nn.ReLU(), nn.Affine(3, 2, rng=1))
    names = [b.name for b in module_tree([model])[0]]
    assert names == ["Sequential", "Affine 0", "ReLU 1", "Affine 2"]
    assert label_prefix(model) == "" and label_prefix(nn.ReLU()) == ""


def test_the_page_names_its_boxes_in_the_same_scheme(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = mlp()
    out = model([1.0, -2.0, 0.5])
    out.backward()
    page = explore(out, tmp_path / "mlp.html", modules=model, lang="en")
    assert '"L2.n3 · neuron"' in page and '"L2 · layer"' in page
    assert "Neuron 1.3" not in page and "Layer 2" not in page


def test_the_page_says_each_boxs_place_once() -> None:
    model = mlp()
    out = model([1.0, -2.0, 0.5])
    out.backward()
    for box in build_scene(out, modules=model).modules:
        assert not box.tag or box.tag not in box.name, box.name
