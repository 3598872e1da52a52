"""The interactive page as a file: self-contained, escaped, written by explore, the CLI, demo."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from microgradkr import Tensor, Value, examples, explore, nn
from microgradkr.cli import main
from microgradkr.graph import topological_order
from microgradkr.viz.explain import names
from microgradkr.viz.page import MAX_PAGE_LAYOUT, MAX_PAGE_NODES, page_layout_size
from microgradkr.viz.render import DiagramTooLargeError


def scene_of(page: str) -> dict:  # type: ignore[type-arg]
    text = re.search(r'<script id="mgk-scene" type="application/json">(.*?)</script>', page, re.S)
    assert text is not None
    return json.loads(text.group(1))  # type: ignore[no-any-return]


def test_the_page_carries_the_scene_and_everything_it_runs() -> None:
    f, _ = examples.add_mul()
    page = explore(f)
    scene = scene_of(page)
    assert [n["name"] for n in scene["nodes"]] == ["x", "y", "q", "z", "f"]
    assert len(scene["steps"]) == 2 and scene["seed"] == "1"
    assert "var dagre=" in page and "mgk-words" in page  # the layout library, inlined
    assert "sourceMappingURL" not in page  # nothing to fetch, not even a source map


def test_the_page_has_no_network_references() -> None:
    html = explore(examples.add_mul()[0])
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    assert "//cdn" not in html


def test_a_label_cannot_close_the_script_or_inject_markup() -> None:
    x = Value(2.0, '</script><script>alert("x")</script>')
    page = explore(x * 3.0)
    assert page.count("</script>") == page.count("<script") == 5
    assert scene_of(page)["nodes"][0]["name"].startswith("</script>")


def test_explore_writes_the_file_and_checks_its_arguments(tmp_path: Path) -> None:
    f, _ = examples.gate_patterns()
    path = tmp_path / "1c.html"
    assert explore(f, path, lang="ko") == path.read_text(encoding="utf-8")
    assert '<html lang="ko">' in path.read_text(encoding="utf-8")
    with pytest.raises(TypeError, match="Value or a Tensor"):
        explore(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        explore(f, rankdir="XY")
    with pytest.raises(ValueError, match="lang"):
        explore(f, lang="fr")


def test_the_explore_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.html"
    args = ["explore", "(x + y) * z", "--at", "x=-2", "y=5", "z=-4", "-o", str(out)]
    assert main(args) == 0
    assert "no network needed" in capsys.readouterr().out
    scene = scene_of(out.read_text(encoding="utf-8"))
    names = {n["name"]: n for n in scene["nodes"]}
    assert names["x"]["explain"]["total"] == "-4" and names["f"]["data"] == "-12"
    assert main(["explore", "x +", "-o", str(out)]) == 2


def test_demo_writes_one_page_per_example_even_without_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot, no graphviz-pure
    main(["demo", "--out", str(tmp_path / "demo")])
    pages = sorted(p.name for p in (tmp_path / "demo").glob("*.html"))
    assert "1b_sigmoid_gates.html" in pages and "2a_l2_tensor.html" in pages
    scene = scene_of((tmp_path / "demo" / "2a_l2_tensor.html").read_text(encoding="utf-8"))
    assert scene["tensors"] and scene["nodes"][0]["shape"] == [2, 2]


def test_a_korean_tensor_page_carries_the_english_vjp_notes_of_its_explanations() -> None:
    f, _ = examples.l2()
    f.backward()
    scene = scene_of(explore(f, lang="ko"))
    node = next(n for n in scene["nodes"] if n["name"] == "pow#1")  # f = sum(q ** 2)
    (use,) = node["explain"]["uses"]
    assert use[2] == use[5]["ko"] == "g를 모든 축 방향으로 복사해 되돌림"
    assert use[5]["en"] == "g copied back over all axes"


def test_the_language_toggle_names_the_other_language_from_the_catalogue() -> None:
    f, _ = examples.add_mul()
    for lang, other in (("en", "한국어"), ("ko", "English")):
        page = explore(f, lang=lang)
        assert f'<button id="lang" type="button" data-word="page_lang">{other}</button>' in page
    words = json.loads(re.search(r'id="mgk-words"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert (words["en"]["page_lang"], words["ko"]["page_lang"]) == ("한국어", "English")


def test_a_graph_too_big_for_a_page_says_so() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(60):
        y = y.tanh()
    with pytest.raises(ValueError, match="61 nodes, more than max_nodes=50"):
        explore(y, max_nodes=50)
    assert "mgk-scene" in explore(y, max_nodes=61)


def test_mlp_parameters_are_named_by_place() -> None:
    random.seed(1)
    model = nn.MLP(2, [16, 16, 1])
    loss = (model([0.5, -1.5]) - 1.0) ** 2
    labels = {p.label for p in model.parameters()}
    assert {"L1.n0.w0", "L1.n15.b", "L2.n3.w15", "L3.n0.b"} <= labels
    assert len(labels) == len(model.parameters())
    assert {"x0", "x1"} <= set(names(topological_order(loss)).values())


def test_a_korean_page_of_a_large_tensor_says_which_word_names_its_norms() -> None:
    """The page swaps that word for the one of the language shown: 노름 reads norm in English."""
    W = Tensor(np.random.default_rng(0).normal(size=(20, 20)), requires_grad=True, label="W")
    f = (W**2).sum()
    f.backward()
    page = explore(f, lang="ko")
    scene = scene_of(page)
    words = json.loads(re.search(r'id="mgk-words"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert scene["norm"] == words["ko"]["norm"] == "노름" and words["en"]["norm"] == "norm"
    w = scene["nodes"][0]
    assert w["data"].startswith("노름 ") and scene["steps"][-1]["grads"][0][1].startswith("노름 ")


def test_the_default_limit_is_the_pages_and_says_how_to_raise_it() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(MAX_PAGE_NODES):
        y = y.tanh()
    with pytest.raises(ValueError, match=f"{MAX_PAGE_NODES + 1} nodes, more than max_nodes=500"):
        explore(y)
    assert "mgk-scene" in explore(y, max_nodes=MAX_PAGE_NODES + 1)


def chain_page(n: int) -> int:
    y = Value(0.5, "x")
    for _ in range(n - 1):
        y = y.tanh()
    y.backward()
    return len(explore(y, step=None, max_nodes=n, max_layout=10**9).encode())


def fan_out_page(uses: int) -> int:
    x = Value(0.5, "x")
    s = x * 1.0
    for i in range(uses - 1):
        s = s + x * (i / 100)
    s.backward()
    return len(explore(s, step=None, max_nodes=3 * uses, max_layout=10**9).encode())


@pytest.mark.parametrize("page", [chain_page, fan_out_page])
def test_a_page_grows_linearly_with_its_graph(page: Any) -> None:
    """Bytes per node stay the same from a 200-node graph to a 2,000-node one: each node carried
    its paths to the output (a 1,000-node chain was 10.7 MB, 2,500 nodes 66.6 MB)."""
    small = page(400) - page(200)
    large = page(2000) - page(1800)
    assert large < 1.25 * small


def test_a_2000_node_chain_page_is_under_two_megabytes() -> None:
    assert chain_page(2000) < 2_000_000  # 1.4 MB (a 1,000-node chain was 10.7 MB)


@pytest.mark.parametrize("check", [False, True])
def test_a_page_orders_its_graph_once(monkeypatch: pytest.MonkeyPatch, check: bool) -> None:
    """explore's order serves the scene, the explanations and the backward steps."""
    import microgradkr.trace as trace
    import microgradkr.viz.checks as checks
    import microgradkr.viz.explain as explain_module
    import microgradkr.viz.page as page
    import microgradkr.viz.scene as scene

    calls = []

    def counted(root: Any) -> Any:
        calls.append(root)
        return topological_order(root)

    for module in (trace, checks, explain_module, page, scene):
        if hasattr(module, "topological_order"):
            monkeypatch.setattr(module, "topological_order", counted)
    f, _ = examples.gate_patterns()
    f.backward()
    explore(f, check=check)
    assert len(calls) == 1


# -- the layout budget: what dagre lays out, nodes + the ranks edges cross -------------------


def fan_out(uses: int) -> Value:
    """A value used ``uses`` times along a chain: v = v * x + 0.1, 3 nodes a use."""
    x = Value(0.5, "x")
    v = x
    for _ in range(uses):
        v = v * x + 0.1
    return v


def random_graph(n: int, seed: int = 0) -> Value:
    """Add and mul of two values drawn from all made so far, n // 10 leaves, until n nodes."""
    r = random.Random(seed)
    pool = [Value(r.uniform(-1, 1), f"a{i}") for i in range(n // 10)]
    while len(topological_order(pool[-1])) < n:
        a, b = r.choice(pool), r.choice(pool)
        pool.append(a + b if r.random() < 0.5 else a * b)
    return pool[-1]


def chain(n: int) -> Value:
    y = Value(0.5, "x")
    for _ in range(n - 1):
        y = y.tanh()
    return y


def diamond(n: int) -> Value:
    v = Value(0.5, "x")
    while len(topological_order(v)) < n:
        v = (v * 2) * (v + 1)
    return v


def mlp_loss(samples: int) -> Value:
    random.seed(1)
    model = nn.MLP(2, [16, 16, 1])
    r = random.Random(2)
    xs = [[r.uniform(-2, 2), r.uniform(-2, 2)] for _ in range(samples)]
    return sum(((model(x) - 1.0) ** 2 for x in xs), Value(0.0))


def test_the_layout_size_is_values_plus_the_ranks_edges_cross() -> None:
    """x * y + x: x and y rank 0, the mul 1, the add 2; edges x->mul, y->mul, mul->add cross 1
    rank each, x->add 2: 4 values + 5."""
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = x * y + x
    assert page_layout_size(topological_order(f)) == 9
    assert page_layout_size(topological_order(chain(10))) == 10 + 9


@pytest.mark.parametrize(
    "root", [fan_out(50), fan_out(150), random_graph(250), random_graph(400, 1)]
)
def test_the_page_refuses_a_layout_too_slow_for_the_browser(
    root: Value, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dagre routes an edge through every rank it crosses: a value used 200 times (600 nodes)
    took 20 s to open, a random 500-node graph 7 s, a random 300-node one 2.6 s. Refused
    before building anything."""
    import microgradkr.viz.page as page

    size = page_layout_size(topological_order(root))
    monkeypatch.setattr(page, "build_scene", None)  # the refusal comes first
    with pytest.raises(DiagramTooLargeError, match=f"max_layout={MAX_PAGE_LAYOUT}") as err:
        explore(root)
    assert (err.value.count, err.value.option) == (size, "max_layout")
    assert f"explore(..., max_layout={size})" in str(err.value)
    with pytest.raises(DiagramTooLargeError, match=f"explore\\(..., max_layout={size}\\)"):
        explore(root, lang="ko")


@pytest.mark.parametrize(
    "root", [chain(500), diamond(495), fan_out(25), random_graph(150), mlp_loss(1)]
)
def test_the_page_accepts_the_shapes_that_open_fast(root: Value) -> None:
    assert page_layout_size(topological_order(root)) <= MAX_PAGE_LAYOUT
    assert "mgk-scene" in explore(root)


def test_max_layout_makes_a_page_anyway() -> None:
    root = fan_out(100)
    assert "mgk-scene" in explore(root, max_layout=page_layout_size(topological_order(root)))
