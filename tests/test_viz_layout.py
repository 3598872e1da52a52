"""What keeps Graphviz fast: far uses drawn as copies, a layout-size guard, odd labels and ops."""

from __future__ import annotations

import json
import random
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from microgradkr import (
    Op,
    Value,
    apply,
    draw,
    draw_steps,
    examples,
    format_trace,
    steps_html,
    write_steps,
)
from microgradkr.graph import topological_order
from microgradkr.viz import (
    DEFAULT_MAX_LAYOUT,
    FAR_EDGE,
    LONG_EDGE,
    MAX_LABEL,
    DiagramTooLargeError,
    _plan,
    layout_size,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
EDGE = re.compile(r"^\t(\w+) -> (\w+) \[label=<(.*)> id=", re.M)


def power(n: int) -> tuple[Value, Value]:
    """x * x * ... * x with n uses of x."""
    x = Value(1.01, "x")
    y = x
    for _ in range(n - 1):
        y = y * x
    return x, y


def nested_max(depth: int) -> Value:
    x = Value(0.5, "x")
    y = x
    for _ in range(depth):
        y = x.max(y)
    return y


def test_a_value_used_50_times_is_drawn_again_beside_each_far_use() -> None:
    x, y = power(50)
    y.backward()
    source = draw(y).source
    copies = re.findall(r"^\t(c\d+_\d+) \[label=<(.*)> id=", source, re.M)
    assert len(copies) == 50 - 3  # x*x (two uses) and the next product reach x directly
    assert "use 4 of 50" in copies[0][1] and "use 50 of 50" in copies[-1][1]
    assert all("<b>x</b>" in label and "data 1.01" in label for _, label in copies)
    from_x = [b for a, b, _ in EDGE.findall(source) if a == "v0"]
    assert len(from_x) == 3
    # Every edge from a copy carries that use's own numbers: local = x^49, global = local x 1.
    last = [lab for a, _, lab in EDGE.findall(source) if a == copies[-1][0]][0]
    assert f"local {1.01**49:.4g}" in last and f"global {1.01**49:.4g}" in last
    # The original keeps the sum over all 50 uses: d(x^50)/dx = 50 x^49.
    assert f"grad {50 * 1.01**49:.4g}" in source
    assert layout_size(y) < DEFAULT_MAX_LAYOUT


@needs_dot
def test_a_value_used_50_times_renders_with_its_sum() -> None:
    x, y = power(50)
    y.backward()
    svg = draw(y).pipe(format="svg", encoding="utf-8")
    words = " ".join(t.text or "" for t in ET.fromstring(svg).iter() if t.text)
    assert len(re.findall(r"use \d+ of 50", words)) == 47 and f"grad {50 * 1.01**49:.4g}" in words


@pytest.mark.parametrize("far", [False, True])
def test_a_value_used_twice_is_still_one_node_with_two_edges(far: bool) -> None:
    x = Value(3.0, "x")
    a = x * Value(-4.0, "y")
    for _ in range(5 if far else 0):  # five gates between the two uses: 12 ranks
        a = a * 1.0
    f = a + x
    f.backward()
    source = draw(f).source
    assert not re.search(r"^\tc\d", source, re.M) and "use " not in source
    assert [a for a, _, _ in EDGE.findall(source)].count("v0") == 2
    assert "grad -3" in source  # -4 + 1


@pytest.mark.parametrize(
    "build, option",
    [
        (lambda: power(1500)[1], "max_layout"),
        (lambda: nested_max(700), "max_layout"),
        (lambda: power(2500)[1], "max_nodes"),
    ],
)
def test_too_big_to_lay_out_is_refused_with_the_size_and_the_option(build, option) -> None:
    root = build()
    with pytest.raises(DiagramTooLargeError, match=rf"more than {option}=\d+.*{option}=\d+") as e:
        draw(root)
    assert e.value.option == option and e.value.count > DEFAULT_MAX_LAYOUT
    assert isinstance(e.value, ValueError)  # what callers caught before


def test_nested_max_190_deep_draws_with_every_far_use_a_copy() -> None:
    root = nested_max(190)
    root.backward()
    d = draw(root)  # took Graphviz more than 10 s when x had one node and 191 long edges
    uses = re.findall(r"use (\d+) of 191", d.source)
    assert uses == [str(k) for k in range(4, 192)]  # x reaches the first two max gates itself
    assert "grad 1" in d.source and "router" in d.source
    if shutil.which("dot"):
        svg = d.pipe(format="svg", encoding="utf-8")
        assert len(re.findall(r"use \d+ of 191", svg)) == 188


def _ranks_crossed(order: list[Value], copies: set[tuple[int, int]]) -> list[int]:
    """Longest-path ranks (a gate, then its value); the span of every edge drawn directly."""
    index = {n: i for i, n in enumerate(order)}
    rank = [0] * len(order)
    for i, node in enumerate(order):
        if node._prev:
            rank[i] = max(rank[index[q]] for q in node._prev) + 2
    spans = []
    for i, node in enumerate(order):
        for j, q in enumerate(node._prev):
            if (i, j) not in copies and q._prev:  # a leaf sits next to its first use
                spans.append(rank[i] - 1 - rank[index[q]])
    return spans


@pytest.mark.parametrize("seed", range(6))
def test_random_dags_with_long_back_edges_draw_only_short_edges(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(3)]
    for _ in range(100):
        back = rng.choice(nodes[: max(1, len(nodes) - 20)])
        nodes.append(nodes[-1] * back if rng.random() < 0.5 else nodes[-1] + back)
    root = nodes[-1]
    order = topological_order(root)
    plan = _plan(order)
    assert max(_ranks_crossed(order, set(plan.copies))) <= FAR_EDGE
    assert LONG_EDGE < FAR_EDGE
    try:
        source = draw(root).source
    except DiagramTooLargeError as err:
        assert err.count == plan.size > DEFAULT_MAX_LAYOUT
    else:
        assert len(re.findall(r"use \d+ of \d+", source)) == len(plan.copies) > 0


def test_a_label_longer_than_graphviz_takes_is_cut_with_an_ellipsis() -> None:
    x = Value(2.0, "x" * 20_000)
    y = x * 3
    y.label = "y" * 17_000
    y.backward()
    d = draw(y, title="t" * 17_000)
    assert "x" * MAX_LABEL not in d.source and "x" * (MAX_LABEL - 1) + "…" in d.source
    assert "y" * (MAX_LABEL - 1) + "…" in d.source and "t" * (MAX_LABEL - 1) + "…" in d.source
    if shutil.which("dot"):
        svg = d.pipe(format="svg", encoding="utf-8")
        assert "x" * (MAX_LABEL - 1) + "…" in svg


SQUARE = Op("square", "□²", "squarer", lambda x: x * x, lambda x, out: (2 * x,))


def test_an_op_with_a_pattern_of_its_own_is_drawn_in_grey_under_its_name() -> None:
    x = Value(3.0, "x")
    y = apply(SQUARE, x) * 2
    y.backward()
    source = draw(y).source
    assert "squarer" in source and "#eeeeee" in source
    assert "a gate of its own kind (squarer)" in source
    assert "local 6" in source and "global 12" in source  # 2 x 2 x
    frames = draw_steps(y)
    assert "the □² gate (squarer) sends 2 back" in frames[2].source
    assert "사용자 정의 게이트 (squarer)" in draw(y, lang="ko").source
    if shutil.which("dot"):
        assert b"squarer" in draw(y).pipe(format="svg")


@pytest.mark.parametrize("label", [3, 2.5, (1, 2), '<"q">&\'x'])
def test_a_label_of_any_type_is_drawn_as_its_text_escaped(label: object) -> None:
    x = Value(2.0, label=label)  # type: ignore[arg-type]
    y = x * x
    y.label = label  # type: ignore[assignment]
    y.backward()
    d = draw(y, step=1)
    assert "&lt;" in d.source if "<" in str(label) else f"<b>{label}</b>" in d.source
    assert str(label) in format_trace(y)
    if shutil.which("dot"):
        svg = d.pipe(format="svg", encoding="utf-8")
        words = [t.text for t in ET.fromstring(svg).iter() if t.text]
        assert str(label) in words


def _frames(page: str) -> list[dict[str, list[list[str]]]]:
    found = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))  # type: ignore[no-any-return]


@needs_dot
def test_step_page_of_tanh_150_deep_is_one_picture_and_small(tmp_path) -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(150):
        y = y.tanh()
    page = write_steps(y, tmp_path, stem="t")
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 1 and len(_frames(text)) == 151
    assert page.stat().st_size < 1_000_000  # was 43 MB: 151 whole pictures
    svgs = sorted(tmp_path.glob("t*.svg"))
    assert [p.name for p in svgs] == ["t.svg"]  # 151 frames would not fit the budget
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert total < 5_000_000
    # Each step changes a handful of slots, not the whole picture.
    changes = [len(f["t"]) + len(f["c"]) for f in _frames(text)[1:]]
    assert max(changes) <= 12


@needs_dot
def test_step_page_of_300_minus_signs(tmp_path) -> None:
    y = Value(2.0, "x")
    for _ in range(300):
        y = -y
    text = steps_html(y)
    frames = _frames(text)
    assert len(frames) == 301 and len(text) < 2_000_000
    last = {k: v for f in frames for k, *v in f["t"]}
    assert last["v0"] == ["grad 1", "#c62828"]  # (-1)^300


@needs_dot
def test_each_step_frame_shows_what_draw_step_k_shows(tmp_path) -> None:
    f, _ = examples.gate_patterns()
    write_steps(f, tmp_path, stem="s")
    steps = draw_steps(f)
    files = sorted(tmp_path.glob("s_*.svg"))
    assert len(files) == len(steps)
    svg_ns = "{http://www.w3.org/2000/svg}"

    def words(svg_text: str) -> dict[str, str]:
        out = {}
        for g in ET.fromstring(svg_text).iter(f"{svg_ns}g"):
            if g.get("class", "").split()[:1] in (["node"], ["edge"]) and g.get("id"):
                texts = [t.text or "" for t in g.iter(f"{svg_ns}text")]
                out[g.get("id", "")] = " ".join(" ".join(texts).split())
        return out

    for k, (path, diagram) in enumerate(zip(files, steps, strict=True)):
        frame = path.read_text(encoding="utf-8")
        want = words(diagram.pipe(format="svg", encoding="utf-8"))
        got = words(frame)
        assert got == want, k
        lit = {
            g.get("id")
            for g in ET.fromstring(frame).iter(f"{svg_ns}g")
            if "lit" in g.get("class", "").split()
        }
        active = steps[k].source.count("penwidth=3")  # the lit gate
        assert len(lit) == (0 if k == 0 else 2 + len(re.findall("penwidth=2", steps[k].source)))
        assert active == (0 if k == 0 else 1)
