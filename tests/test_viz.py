"""Diagrams: the numbers on every edge (examples 1a-1c), step frames, escaping, rendering."""

from __future__ import annotations

import html
import json
import math
import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from microgradkr import (
    CHAIN,
    DISTRIBUTOR,
    Op,
    Tensor,
    TensorOp,
    Value,
    apply,
    backward_steps,
    draw,
    draw_steps,
    examples,
    grad,
    gradients_after,
    nn,
    steps_html,
    write_steps,
)
from microgradkr.engine import _node
from microgradkr.ops import RELU
from microgradkr.viz import GraphvizNotFoundError, mimebundle

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")

NODE = re.compile(r"^\t(\w+) \[label=<(.*)>(?: [^\]]*)?\]$", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+) \[(?:label=<(.*)>)?[^\]]*\]$", re.M)


def text(label: str) -> str:
    """The visible text of an HTML-like label."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", label)).split())


def bold(label: str) -> str:
    found = re.search(r"<b>(.*?)</b>", label)
    return html.unescape(found.group(1).replace("<br/>", "\n")) if found else ""


def parse_dot(source: str) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
    """(id -> name or op symbol, id -> visible text, edges (src, dst, visible label))."""
    names = {i: bold(label) for i, label in NODE.findall(source)}
    texts = {i: text(label) for i, label in NODE.findall(source)}
    edges = [(a, b, text(label)) for a, b, label in EDGE.findall(source)]
    return names, texts, edges


def parse_svg(svg: str) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
    """The same three things, read back from what dot rendered."""
    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(svg)
    texts, edges = {}, []
    names: dict[str, str] = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        title = g.find("s:title", ns)
        words = [t.text or "" for t in g.iter("{http://www.w3.org/2000/svg}text")]
        if g.get("class") == "node" and title is not None:
            texts[title.text or ""] = " ".join(" ".join(words).split())
            names[title.text or ""] = words[0] if words else ""
        elif g.get("class") == "edge" and title is not None:
            src, dst = (title.text or "").split("->")
            edges.append((src, dst, " ".join(" ".join(words).split())))
    return names, texts, edges


def numbers_on(parsed, src_name: str, gate: str) -> list[tuple[str, str | None]]:
    """(local, global) written on each edge from the value named ``src_name`` into a ``gate``."""
    names, _, edges = parsed
    out = []
    for a, b, label in edges:
        if names.get(a) == src_name and names.get(b) == gate and label:
            local = re.search(r"local (\S+)", label)
            glob = re.search(r"global (-?[\d.e+-]+)", label)
            assert local, label
            out.append((local.group(1), glob.group(1) if glob else None))
    return out


# -- docs/reference.md 1a: f = (x + y) * z ---------------------------------------------------------


def test_1a_edges_show_local_and_global_gradient_after_backward() -> None:
    f, _ = examples.add_mul()
    f.backward()
    parsed = parse_dot(draw(f).source)
    assert numbers_on(parsed, "x", "+") == [("1", "-4")]
    assert numbers_on(parsed, "y", "+") == [("1", "-4")]
    assert numbers_on(parsed, "q", "*") == [("-4", "-4")]
    assert numbers_on(parsed, "z", "*") == [("3", "3")]
    texts = parsed[1]
    assert "x data -2 grad -4" in texts.values()
    assert "z data -4 grad 3" in texts.values()
    assert "f data -12 grad 1" in texts.values()


def test_1a_before_backward_edges_say_global_not_known_yet() -> None:
    f, _ = examples.add_mul()
    source = draw(f).source
    parsed = parse_dot(source)
    assert numbers_on(parsed, "x", "+") == [("1", None)]
    assert numbers_on(parsed, "z", "*") == [("3", None)]
    labelled = [label for _, _, label in parsed[2] if label]
    assert len(labelled) == 4 and all("global: not known yet" in s for s in labelled)
    assert all("grad ?" in t for i, t in parsed[1].items() if i.startswith("v"))
    f.backward()  # the same graph, now with its gradients
    assert "not known yet" not in draw(f).source


@needs_dot
def test_1a_rendered_svg_has_the_same_numbers() -> None:
    f, _ = examples.add_mul()
    f.backward()
    parsed = parse_svg(draw(f).pipe(format="svg", encoding="utf-8"))
    assert numbers_on(parsed, "x", "+") == [("1", "-4")]
    assert numbers_on(parsed, "y", "+") == [("1", "-4")]
    assert numbers_on(parsed, "z", "*") == [("3", "3")]
    assert numbers_on(parsed, "q", "*") == [("-4", "-4")]


# -- docs/reference.md 1b: the sigmoid neuron ------------------------------------------------------

# (input, gate it enters, local, global) to the digits docs/reference.md gives.
SIGMOID_EDGES = [
    ("w0", "*", "-1", "-0.19661"),
    ("x0", "*", "2", "0.39322"),
    ("w1", "*", "-2", "-0.39322"),
    ("x1", "*", "-3", "-0.58984"),
    ("w2", "+", "1", "0.19661"),
]


def gate_inputs(parsed, gate: str) -> list[tuple[str, str | None]]:
    """(local, global) on every edge into a gate with symbol ``gate``, whatever the source."""
    names, _, edges = parsed
    found = []
    for _, b, label in edges:
        if names.get(b) == gate and label:
            glob = re.search(r"global (-?[\d.e+-]+)", label)
            found.append((re.search(r"local (\S+)", label).group(1), glob and glob.group(1)))
    return found


@pytest.mark.parametrize("render", [False, pytest.param(True, marks=needs_dot)])
def test_1b_primitive_gates_edges_match_reference(render: bool) -> None:
    f, _ = examples.sigmoid_neuron(fused=False)
    f.backward()
    d = draw(f, precision=5)
    parsed = parse_svg(d.pipe(format="svg", encoding="utf-8")) if render else parse_dot(d.source)
    for name, gate, local, glob in SIGMOID_EDGES:
        assert numbers_on(parsed, name, gate) == [(local, glob)], name
    assert gate_inputs(parsed, "1/x") == [("-0.53445", "-0.53445")]  # -1/1.36788^2, upstream 1
    assert gate_inputs(parsed, "exp") == [("0.36788", "-0.19661")]  # e^-1 x -0.53445
    assert ("1", "-0.53445") in gate_inputs(parsed, "+")  # the +1 gate
    texts = parsed[1].values()
    assert "f data 0.73106 grad 1" in texts
    assert "x1 data -2 grad -0.58984" in texts


def test_1b_fused_sigmoid_edge_carries_the_same_0_19661() -> None:
    f, _ = examples.sigmoid_neuron(fused=True)
    f.backward()
    parsed = parse_dot(draw(f, precision=5).source)
    assert gate_inputs(parsed, "σ") == [("0.19661", "0.19661")]  # (1 - s) s, s = 0.73106
    for name, gate, local, glob in SIGMOID_EDGES:
        assert numbers_on(parsed, name, gate) == [(local, glob)], name


# -- step by step -----------------------------------------------------------------------------


def test_step_frames_show_what_is_known_after_k_steps() -> None:
    f, ins = examples.add_mul()  # never .backward(): the frames come from backward_steps
    frames = [parse_dot(d.source) for d in draw_steps(f)]
    assert len(frames) == 3  # step 0, the * gate, the + gate
    zero, one, two = frames
    assert all(glob is None for glob in [g for _, g in gate_inputs(zero, "*")])
    assert "f data -12 grad 1" in zero[1].values() and "x data -2 grad ?" in zero[1].values()
    assert gate_inputs(one, "*") == [("-4", "-4"), ("3", "3")]
    assert gate_inputs(one, "+") == [("1", None), ("1", None)]
    assert "q data 3 grad -4" in one[1].values() and "x data -2 grad ?" in one[1].values()
    assert gate_inputs(two, "+") == [("1", "-4"), ("1", "-4")]
    assert "x data -2 grad -4" in two[1].values()
    assert ins["x"].grad == 0.0  # drawing the steps did not touch .grad


@pytest.mark.parametrize("fused", [False, True])
def test_every_frame_shows_exactly_the_gradients_known_after_k_steps(fused: bool) -> None:
    f, ins = examples.sigmoid_neuron(fused=fused)
    steps = backward_steps(f)
    for k, frame in enumerate(draw_steps(f, precision=5)):
        known = gradients_after(steps, k)
        names, texts, _ = parse_dot(frame.source)
        shown = {names[i]: t.rsplit("grad ", 1)[1] for i, t in texts.items() if names[i] in ins}
        for name, leaf in ins.items():
            want = f"{known[leaf]:.5g}" if leaf in known else "?"
            assert shown[name] == want, (k, name)
        assert sum("not known yet" in t for _, _, t in parse_dot(frame.source)[2]) == sum(
            len(s.edges) for s in steps[k:]
        )


def test_step_highlights_the_active_gate_and_spells_out_the_product() -> None:
    f, _ = examples.add_mul()
    source = draw(f, step=1).source
    star = re.search(r"^\t(g\d+) \[label=<<b>\*</b>.*$", source, re.M)
    plus = re.search(r"^\t(g\d+) \[label=<<b>\+</b>.*$", source, re.M)
    assert star and "penwidth=3" in star.group(0)
    assert plus and "penwidth" not in plus.group(0)
    assert "global 3 = 1 × 3" in text(source) and "step 1 of 2" in source
    with pytest.raises(ValueError, match="between 0 and 2"):
        draw(f, step=3)


def test_fan_out_each_edge_its_own_contribution_the_node_their_sum() -> None:
    f, ins = examples.gate_patterns()
    f.backward()
    assert ins["x"].grad == -7.0
    parsed = parse_dot(draw(f).source)
    assert numbers_on(parsed, "x", "*") == [("-4", "-8")]  # switcher: y's value x 2
    assert numbers_on(parsed, "x", "+") == [("1", "1")]  # distributor
    assert "x data 3 grad -7" in parsed[1].values()  # -8 + 1
    assert numbers_on(parsed, "z", "max") == [("1", "2")]  # router: all to the larger
    assert numbers_on(parsed, "w", "max") == [("0", "0")]
    # While only one use has sent its share, the node says the sum is not complete.
    first = parse_dot(draw(f, step=1).source)
    assert "x data 3 grad 1 (so far)" in first[1].values()


# -- language, escaping, size, determinism ----------------------------------------------------


def test_korean_labels() -> None:
    f, _ = examples.gate_patterns()
    before = draw(f, lang="ko").source
    assert "전역 기울기: 아직 모름" in before and "역전파(backpropagation) 전" in before
    f.backward()
    source = draw(f, lang="ko").source
    for word in ("국소적 미분", "전역 기울기", "기울기 분배기", "기울기 스위처", "기울기 라우터"):
        assert word in source
    for word in ("덧셈 게이트", "곱셈 게이트", "max 게이트", "범례", "순전파", "역전파", "값 3"):
        assert word in source
    plain = re.sub(r"\((?:local|global|upstream) gradient\)", "", source)  # first uses
    assert "local " not in plain and "distributor" not in source
    assert "NanumGothic" in source
    with pytest.raises(ValueError, match="lang"):
        draw(f, lang="fr")


HOSTILE = 'a"b <c> & d{e}|f\\g\n한글 ü ]; x -> y'


@pytest.mark.parametrize("render", [False, pytest.param(True, marks=needs_dot)])
def test_hostile_labels_are_escaped_and_render(render: bool) -> None:
    x = Value(2.0, HOSTILE)
    y = x * Value(3.0, "</table>>")
    y.label = "<b>&amp;"
    y.backward()
    d = draw(y)
    assert "<c>" not in d.source and "&lt;c&gt;" in d.source
    assert "&lt;/table&gt;&gt;" in d.source and "&lt;b&gt;&amp;amp;" in d.source
    names = parse_dot(d.source)[0] if not render else None
    if render:
        svg = d.pipe(format="svg", encoding="utf-8")
        words = " ".join(t.text or "" for t in ET.fromstring(svg).iter() if t.text)
        assert 'a"b <c> & d{e}|f\\g' in words and "한글 ü ]; x -> y" in words
        assert "</table>>" in words and "<b>&amp;" in words
    else:
        assert HOSTILE in names.values() and "<b>&amp;" in names.values()


def test_max_nodes_error_says_how_many_and_how_to_raise_it() -> None:
    f, _ = examples.add_mul()
    with pytest.raises(ValueError, match=r"has 5 nodes, more than max_nodes=4.*max_nodes=5"):
        draw(f, max_nodes=4)
    assert draw(f, max_nodes=5).source


def test_million_deep_chain_fails_fast_with_max_nodes_not_recursion() -> None:
    node = Value(0.5, "x")
    for _ in range(1_000_000):  # built directly: the forward math is not what is tested
        node = _node(0.5, RELU, (node,), (1.0,))
    with pytest.raises(ValueError, match="has 1000001 nodes, more than max_nodes=2000"):
        draw(node)


def test_large_graph_dot_text_is_built_without_recursion() -> None:
    x = Value(0.1, "x")
    y = x
    for _ in range(5_000):
        y = y.tanh()
    source = draw(y, max_nodes=10_000, max_layout=10**9).source
    assert source.count(" -> ") == 10_000  # each gate: one input edge, one output edge


def test_same_graph_same_text_ids_from_topological_order() -> None:
    def build() -> str:
        f, _ = examples.sigmoid_neuron()
        f.backward()
        return draw(f).source

    first = build()
    assert first == build()
    ids = {i for i, _ in NODE.findall(first)}
    values = sorted(int(i[1:]) for i in ids if i.startswith("v"))
    assert values == list(range(15))  # 15 values, numbered in topological order
    gates = sorted(int(i[1:]) for i in ids if i.startswith("g"))
    assert len(gates) == 8 and set(gates) < set(values)  # a gate shares its output's number
    assert ids - {f"v{i}" for i in values} - {f"g{i}" for i in gates} == {"legend"}


def test_bad_arguments_are_named() -> None:
    f, _ = examples.add_mul()
    with pytest.raises(ValueError, match="rankdir"):
        draw(f, rankdir="XY")
    with pytest.raises(ValueError, match="precision"):
        draw(f, precision=0)
    with pytest.raises(TypeError, match="Value"):
        draw(3.0)  # type: ignore[arg-type]


# -- networks ---------------------------------------------------------------------------------


def mlp_loss() -> tuple[Value, nn.MLP]:
    random.seed(1)
    model = nn.MLP(2, [3, 1])
    out = model([Value(0.5, "x0"), Value(-1.0, "x1")])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_modules_are_clusters_and_collapse_to_one_box_each() -> None:
    loss, model = mlp_loss()
    clustered = draw(loss, modules=model).source
    for name in ("MLP", "L1 · layer", "L1.n2 · neuron", "L2 · layer", "L2.n0 · neuron"):
        assert f"label=<{name}>" in clustered
    # a neuron's cluster holds its weights, its affine gate and its relu
    neuron = clustered.split("label=<L1.n0 · neuron>")[1].split("\t}")[0]
    assert neuron.count("w·x+b") == 1 and neuron.count("<b>relu</b>") == 1
    assert neuron.count("data ") == 2 + 3  # w0, w1, b, the affine's output, the relu's

    collapsed = draw(loss, modules=model, collapse=True)
    names, texts, edges = parse_dot(collapsed.source)
    boxes = sorted(n for n in names.values() if n.endswith("neuron"))
    assert boxes == ["L1.n0 · neuron", "L1.n1 · neuron", "L1.n2 · neuron", "L2.n0 · neuron"]
    assert "<b>w·x+b</b>" not in collapsed.source  # the gates are inside the boxes
    # the input x0 still shows what each neuron sends back to it
    x0_edges = numbers_on((names, texts, edges), "x0", "L1.n0 · neuron")
    assert len(x0_edges) == 1 and x0_edges[0][1] is not None
    final = [t for i, t in texts.items() if names[i] == "L2.n0 · neuron"]
    assert final and "grad" in final[0]


# -- pages, files, notebooks, rendering -------------------------------------------------------


@needs_dot
def test_steps_html_is_self_contained(tmp_path: Path) -> None:
    f, _ = examples.sigmoid_neuron()
    page = steps_html(f, lang="ko")
    frames = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert frames and len(json.loads(frames.group(1))) == 9  # steps 0..8: eight gates
    assert page.count("<svg") == 1  # laid out once; each step restyles it
    assert "<script>" in page and 'type="range"' in page and "역전파" in page
    for external in ("http://", "https://", "src=", "<link", "@import", "url("):
        assert external not in page
    written = write_steps(f, tmp_path, stem="s")
    assert written == tmp_path / "s.html"
    frames = sorted(p.name for p in tmp_path.glob("s_*.svg"))
    assert frames[0] == "s_00.svg" and frames[-1] == "s_08.svg" and len(frames) == 9


@needs_dot
def test_notebook_shows_svg_and_repr_stays_text() -> None:
    f, _ = examples.add_mul()
    f.backward()
    bundle = f._repr_mimebundle_()
    svg = html.unescape(bundle["image/svg+xml"])
    assert "<svg" in svg and "global -4" in svg and "x" in parse_svg(svg)[0].values()
    assert repr(f) == bundle["text/plain"] == "Value(data=-12.0, grad=1.0, label='f')"


def test_notebook_falls_back_to_text_for_a_graph_too_big_to_draw() -> None:
    node = Value(0.5, "x")
    for _ in range(3000):
        node = node.relu()
    assert mimebundle(node) == {"text/plain": repr(node)}


def test_value_stays_small() -> None:
    assert Value.__slots__ == ("data", "grad", "op", "_edges", "_label")  # _prev, _local: views
    assert not hasattr(Value(1.0), "__dict__")


def test_without_dot_rendering_says_how_to_install_and_source_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot, no graphviz-pure
    f, _ = examples.add_mul()
    d = draw(f)
    assert "local 1" in text(d.source)
    with pytest.raises(GraphvizNotFoundError) as err:
        d.pipe(format="svg")
    for hint in ("apt-get install graphviz", "pip install graphviz-pure", ".source"):
        assert hint in str(err.value)
    with pytest.raises(GraphvizNotFoundError):
        d.render(tmp_path / "out", format="png")
    assert mimebundle(f) == {"text/plain": repr(f)}  # a notebook still shows the text


@needs_dot
def test_graphviz_pure_is_used_when_dot_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls"
    fake = tmp_path / "graphviz-pure"  # same command line as dot: stands in for the real one
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {shutil.which("dot")} "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    f, _ = examples.add_mul()
    assert b"<svg" in draw(f).pipe(format="svg")
    assert "-Tsvg" in calls.read_text()


# -- Tensor graphs (docs/reference.md 2a) ----------------------------------------------------------


def l2_example() -> tuple[Tensor, dict[str, Tensor]]:
    """docs/reference.md 2a: f = ||W x||^2 with q = W x, after backward."""
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")
    x = Tensor([0.2, 0.4], requires_grad=True, label="x")
    q = W @ x
    q.label = "q"
    f = (q**2).sum()
    f.label = "f"
    f.backward()
    return f, {"W": W, "x": x, "q": q}


def globals_on(parsed, src_name: str, gate: str) -> list[str]:
    """The gradient written on each edge from ``src_name`` into a ``gate`` (Tensor diagrams)."""
    names, _, edges = parsed
    return [
        label.split("global ", 1)[1].split(" Σ")[0]
        for a, b, label in edges
        if names.get(a) == src_name and names.get(b) == gate and "global " in label
    ]


@pytest.mark.parametrize("render", [False, pytest.param(True, marks=needs_dot)])
def test_2a_tensor_edges_carry_the_reference_gradients(render: bool) -> None:
    f, _ = l2_example()
    d = draw(f)
    parsed = parse_svg(d.pipe(format="svg", encoding="utf-8")) if render else parse_dot(d.source)
    assert globals_on(parsed, "W", "@") == ["[[0.088, 0.176], [0.104, 0.208]]"]  # df/dW
    assert globals_on(parsed, "x", "@") == ["[-0.112, 0.636]"]  # df/dx
    assert globals_on(parsed, "q", "**2") == ["[0.44, 0.52]"]  # df/dq
    texts = parsed[1].values()
    assert "q shape (2,) data [0.22, 0.26] grad [0.44, 0.52]" in texts
    assert (
        "W shape (2, 2) data [[0.1, 0.5], [-0.3, 0.8]] grad [[0.088, 0.176], [0.104, 0.208]]"
        in (texts)
    )
    assert "f shape () data 0.116 grad 1" in texts
    edges = " ".join(label for _, _, label in parsed[2])
    assert "VJP g xᵀ" in edges and "VJP Wᵀ g" in edges  # matmul reads as such
    assert "VJP g copied back over all axes" in edges  # and the reduction
    assert "VJP g * 2 q" in edges  # x ** k with its k
    assert parse_dot(draw(f).source) == parse_dot(d.source)  # deterministic


def test_large_tensor_shows_shape_and_norm_not_numbers() -> None:
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(30, 20)), requires_grad=True, label="W")
    x = Tensor(rng.normal(size=20), label="x")
    f = (W @ x).tanh().sum()
    f.backward()
    names, texts, edges = parse_dot(draw(f).source)
    assert W.grad is not None
    norm = f"{np.linalg.norm(W.grad):.4g}"
    assert globals_on((names, texts, edges), "W", "@") == [f"(30, 20), norm {norm}"]
    w_text = next(t for i, t in texts.items() if names[i] == "W")
    assert w_text == (f"W shape (30, 20) data norm {np.linalg.norm(W.data):.4g} grad norm {norm}")
    assert "[" not in w_text
    x_edge = [label for a, _, label in edges if names.get(a) == "x"]
    assert x_edge == ["VJP Wᵀ g no gradient (a constant)"]  # x does not require a gradient


def test_broadcast_bias_edge_says_it_was_summed_and_reductions_name_their_axis() -> None:
    X = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], label="X")
    Wm = Tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True, label="W")
    b = Tensor([0.1, -0.2], requires_grad=True, label="b")
    Y = X @ Wm + b
    Y.label = "Y"
    L = Y.mean(axis=1).sum()
    L.backward()
    source = draw(L).source
    parsed = parse_dot(source)
    names, _, edges = parsed
    b_edge = [label for a, _, label in edges if names.get(a) == "b"]
    assert b_edge == ["VJP g global [1.5, 1.5] Σ over axis 0: broadcast in the forward pass"]
    assert b.grad is not None and b.grad.tolist() == [1.5, 1.5]  # three rows of 0.5 each
    y_edge = [label for a, _, label in edges if names.get(a) == "Y"]
    assert y_edge[0].startswith("VJP g / n copied back over axis 1 global [[0.5, 0.5],")
    assert "over axis 1" in source and "its gradient is summed back" in source
    w_edge = [label for a, _, label in edges if names.get(a) == "W"]
    assert "Σ" not in w_edge[0]  # W was not broadcast
    ko = draw(L, lang="ko").source
    assert "0번 축으로 Σ: 순전파(forward pass)의 브로드캐스트(broadcasting)" in ko
    assert "모양 (3, 2)" in ko


def test_tensor_before_backward_and_bad_arguments() -> None:
    W = Tensor([[1.0, 2.0]], requires_grad=True, label="W")
    y = (W * 2.0).sum()
    _, texts, edges = parse_dot(draw(y).source)
    labels = [label for _, _, label in edges if label]
    assert labels[1] == "VJP g * W no gradient (a constant)"  # the edge from the constant 2
    assert all("global: not known yet" in s for s in labels[:1] + labels[2:])
    assert "W shape (1, 2) data [[1, 2]] grad ?" in texts.values()
    with pytest.raises(ValueError, match="step= is for Value graphs"):
        draw(y, step=1)
    with pytest.raises(ValueError, match="step frames are for Value graphs"):
        draw_steps(y)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="create_graph=True"):
        draw(np.ones(2))  # type: ignore[arg-type]


# -- check=True: a wrong local gradient found in the picture ----------------------------------

WRONG_SIN = Op("sin", "sin", CHAIN, math.sin, lambda x, out: (math.sin(x),))  # d/dx sin = sin?
RIGHT_SIN = Op("sin", "sin", CHAIN, math.sin, lambda x, out: (math.cos(x),))


def checked_edges(source: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(edges drawn in the mismatch colour, edges whose label says they failed)."""
    names, _, edges = parse_dot(source)
    coloured = [
        (names.get(a, a), names.get(b, b), label)
        for (a, b, label), line in zip(edges, EDGE.finditer(source), strict=True)
        if 'color="#d81b60"' in line.group(0)
    ]
    failed = [(names.get(a, a), names.get(b, b), t) for a, b, t in edges if "✗" in t]
    return coloured, failed


@pytest.mark.parametrize("sin", [WRONG_SIN, RIGHT_SIN])
def test_check_marks_exactly_the_edge_of_the_wrong_op(sin: Op) -> None:
    a, b, c = Value(0.3, "a"), Value(-1.2, "b"), Value(2.0, "c")
    h = (apply(sin, a * b) + b.tanh()) * c + a.relu() + (a / b).exp()
    h.label = "h"
    h.backward()
    source = draw(h, check=True).source
    coloured, failed = checked_edges(source)
    if sin is RIGHT_SIN:
        assert coloured == [] and failed == []
        assert "✗" not in source
        return
    assert len(coloured) == len(failed) == 1
    _, gate, label = failed[0]
    assert gate == "sin"
    assert f"✗ numerical {math.cos(-0.36):.4g}" in label  # what the gradient should have been
    assert f"local {math.sin(-0.36):.4g}" in label  # what the op recorded
    assert "suspect its backward" in source  # the legend says what the mark means
    assert "✗" not in draw(h).source  # only when asked


def test_check_skips_a_kink_and_says_so() -> None:
    x = Value(0.0, "x")
    y = x.relu() + abs(x) + x.max(Value(0.0, "zero"))
    y.backward()
    source = draw(y, check=True).source
    coloured, failed = checked_edges(source)
    assert coloured == [] and failed == []
    assert text(source).count("kink: not checked") == 4  # relu, abs, max's two inputs
    assert "not checked" in source and "one-sided differences disagree" in source


def test_check_finds_a_wrong_tensor_vjp() -> None:
    from microgradkr.tensor import apply as tensor_apply

    # forgets that b was broadcast: its VJP keeps g's shape, then sum_to sums the wrong way
    bad_add = TensorOp(
        "add", "+", DISTRIBUTOR, np.add, (lambda g, a, b, out: g, lambda g, a, b, out: 2 * g)
    )
    X = Tensor(np.arange(6.0).reshape(3, 2) / 10, requires_grad=True, label="X")
    b = Tensor([0.1, -0.2], requires_grad=True, label="b")
    L = (tensor_apply(bad_add, X, b).tanh() ** 2).sum()
    L.backward()
    coloured, failed = checked_edges(draw(L, check=True).source)
    assert [(src, gate) for src, gate, _ in failed] == [("b", "+")]
    assert len(coloured) == 1
    good = (X + b).tanh().sum()
    good.backward()
    assert checked_edges(draw(good, check=True).source) == ([], [])


# -- the backward graph (create_graph=True) drawn ---------------------------------------------


def backward_cluster(source: str) -> str:
    assert "subgraph cluster_backward {" in source
    return source.split("subgraph cluster_backward {", 1)[1].split("\n\t}\n", 1)[0]


@pytest.mark.parametrize("render", [False, pytest.param(True, marks=needs_dot)])
def test_second_derivative_of_tanh_drawn_with_its_backward_graph(render: bool) -> None:
    x = Value(0.5, "x")
    y = x.tanh()
    y.label = "y"
    (dy,) = grad(y, [x], create_graph=True)
    dy.label = "dy/dx"
    dy.backward()  # x.grad = d2y/dx2
    t = math.tanh(0.5)
    assert x.grad == pytest.approx(-2 * t * (1 - t * t)) == pytest.approx(-0.7268619813835873)
    d = draw(dy, precision=10)
    source = d.source
    parsed = parse_svg(d.pipe(format="svg", encoding="utf-8")) if render else parse_dot(source)
    texts = parsed[1].values()
    assert "x data 0.5 grad -0.7268619814" in texts  # the second derivative
    assert "dy/dx data 0.786447733 grad 1" in texts  # the first, 1 - tanh^2
    assert f"y data {t:.10g} grad {-2 * t:.10g}" in texts
    inside = backward_cluster(source)
    assert "backward pass (builds dy/dx)" in inside
    names = parse_dot(source)[0]
    built = {i for i, _ in NODE.findall(inside)}
    assert {names[i] for i in built if names[i]} == {"dy/dx", "*", "+"}  # the rule 1 - out*out
    assert not built & {i for i, n in names.items() if n in ("x", "y", "tanh")}  # forward: as usual
    assert "built by backward(create_graph=True)" in source
    assert "∂L/∂(dy/dx) = 1" in source  # the title


def test_plain_backward_draws_no_backward_pass_and_tensor_gradients_draw_too() -> None:
    x = Value(0.5, "x")
    y = x.tanh()
    y.backward()
    assert "cluster_backward" not in draw(y).source
    with pytest.raises(TypeError, match="create_graph=True"):
        draw(x.grad)  # type: ignore[arg-type]
    f, ins = l2_example()
    assert "cluster_backward" not in draw(f).source
    W, xt = ins["W"], ins["x"]
    f2 = ((W @ xt) ** 2).sum()
    (gx,) = grad(f2, [xt], create_graph=True)
    gx.label = "df/dx"
    source = draw(gx).source
    assert "backward pass (builds df/dx)" in backward_cluster(source)
    assert "data [-0.112, 0.636]" in text(source)  # 2 W^T q, as a node of its own graph


def test_check_and_backward_pass_speak_korean() -> None:
    a, b = Value(0.3, "a"), Value(-1.2, "b")
    h = apply(WRONG_SIN, a * b) * b
    h.backward()
    ko = draw(h, check=True, lang="ko").source
    assert "✗ 수치 미분(numerical differentiation) 0.9359" in ko
    assert "이 연산의 역전파를 의심하세요" in ko
    x = Value(0.5, "x")
    (dy,) = grad(x.tanh(), [x], create_graph=True)
    dy.label = "dy/dx"
    ko = draw(dy, lang="ko").source
    assert "역전파 (dy/dx을(를) 계산하는 그래프)" in html.unescape(ko)
    assert "역전파도 또 하나의 계산 그래프" in ko
    assert "backward pass" not in ko
