"""The interactive page in a real browser: headless Chromium from file://, the network off.

Skipped, with the reason, where selenium, chromium or chromedriver is missing (.ci/run installs
them). The numbers on the page must be the engine's: gradients_after, the edge's local x upstream,
the chain-rule sum of explain.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromium import chromium  # skips this module where there is no browser
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from microgradkr import Tensor, backward_steps, examples, explain, gradients_after, nn
from microgradkr.graph import topological_order
from microgradkr.viz.fmt import num
from microgradkr.viz.page import explore
from microgradkr.viz.scene import build_scene


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(1400, 900) as driver:
        yield driver


def load(driver: Any, html: str, tmp_path: Path, name: str = "page") -> float:
    """Open the page from file://; the seconds until it has drawn; no console errors."""
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    driver.get_log("browser")  # forget what earlier pages logged
    start = time.perf_counter()
    driver.get(path.as_uri())
    ready = driver.execute_script("return document.body.getAttribute('data-ready')")
    assert ready == "1"
    return time.perf_counter() - start


def errors(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def key(driver: Any, k: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(k)


def shown_grads(driver: Any) -> dict[int, str]:
    script = """
      var out = {};
      document.querySelectorAll('.node[data-id]').forEach(function (g) {
        var gv = g.querySelector('.gv'); if (gv) out[g.getAttribute('data-id')] = gv.textContent;
      });
      return out;"""
    return {int(k): v for k, v in driver.execute_script(script).items()}


@pytest.mark.parametrize(
    "build", [examples.add_mul, examples.sigmoid_neuron, examples.gate_patterns, examples.l2]
)
def test_node_and_edge_counts(browser: Any, tmp_path: Path, build: Any) -> None:
    root, _ = build()
    if build is examples.l2:
        root.backward()
    scene = build_scene(root)
    load(browser, explore(root), tmp_path)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".node[data-id]")) == len(scene.nodes)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".edge")) == len(scene.edges)
    assert errors(browser) == []


@pytest.mark.parametrize(
    "build", [examples.add_mul, examples.sigmoid_neuron, examples.gate_patterns]
)
def test_stepping_shows_exactly_the_gradients_known(browser: Any, tmp_path: Path, build: Any):
    root, _ = build()
    steps = backward_steps(root)
    ids = {node: i for i, node in enumerate(topological_order(root))}
    load(browser, explore(root), tmp_path)
    for k in range(len(steps) + 1):
        known = gradients_after(steps, k)
        expected = {i: num(known[node], 4) if node in known else "?" for node, i in ids.items()}
        assert shown_grads(browser) == expected, f"after {k} steps"
        assert browser.find_element(By.ID, "number").text == str(k)
        key(browser, Keys.ARROW_RIGHT)
    for k in reversed(range(len(steps))):  # and back
        key(browser, Keys.ARROW_LEFT)
        assert browser.find_element(By.ID, "number").text == str(k)
    assert errors(browser) == []


def edge_id(root: Any, src: str, dst: str) -> int:
    scene = build_scene(root)
    by_name = {n.name: n.id for n in scene.nodes}
    (e,) = [e for e in scene.edges if e.src == by_name[src] and e.dst == by_name[dst]]
    return e.id


def test_hovering_an_edge_shows_local_upstream_global(browser: Any, tmp_path: Path) -> None:
    root, _ = examples.add_mul()
    load(browser, explore(root), tmp_path)
    key(browser, Keys.END)
    eid = edge_id(root, "x", "q")
    edge = browser.find_element(By.CSS_SELECTOR, f'.edge[data-edges="{eid}"] .elabel')
    ActionChains(browser).move_to_element(edge).perform()
    info = browser.find_element(By.ID, "info").text
    assert "x → + → q" in info
    assert "local ∂q/∂x = 1 · upstream ∂f/∂q = -4 = global -4" in info
    assert errors(browser) == []


def test_clicking_a_value_explains_its_gradient(browser: Any, tmp_path: Path) -> None:
    root, _ = examples.gate_patterns()
    load(browser, explore(root), tmp_path)
    x = browser.find_element(By.CSS_SELECTOR, '.node[data-name="x"]')
    x.click()
    text = browser.find_element(By.ID, "explain").text
    assert "x.grad = ∂f/∂x = -8 + 1 = -7" in text
    assert "local ∂a/∂x = -4 × upstream ∂f/∂a = 2 → -8" in text
    assert errors(browser) == []


def test_the_korean_toggle(browser: Any, tmp_path: Path) -> None:
    root, _ = examples.add_mul()
    load(browser, explore(root), tmp_path)
    browser.find_element(By.ID, "lang").click()
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "국소적 미분(local gradient)" in body  # the legend introduces the term
    assert browser.find_element(By.ID, "lang").text == "English"
    key(browser, Keys.END)
    eid = edge_id(root, "x", "q")
    edge = browser.find_element(By.CSS_SELECTOR, f'.edge[data-edges="{eid}"] .elabel')
    ActionChains(browser).move_to_element(edge).perform()
    assert "국소적 미분 ∂q/∂x = 1" in browser.find_element(By.ID, "info").text
    assert errors(browser) == []


def test_a_korean_tensor_page_switches_its_vjp_notes_and_keeps_its_glossary(
    browser: Any, tmp_path: Path
) -> None:
    root, _ = examples.l2()
    root.backward()
    load(browser, explore(root, lang="ko", glossary="d2l-ko"), tmp_path)
    key(browser, Keys.END)

    def labels() -> str:
        found = browser.find_elements(By.CSS_SELECTOR, "text.elabel, text.headtext")
        return " | ".join(e.text for e in found)

    ko = labels()
    assert "g를 모든 축 방향으로 복사해 되돌림" in ko and "전역 그래디언트" in ko
    assert "copied" not in ko and "기울기" not in ko
    assert "(global gradient)" not in ko  # labels repeated on every edge stay plain
    browser.find_element(By.CSS_SELECTOR, '.node[data-name="pow#1"]').click()  # f = sum(q**2)
    panels = [browser.find_element(By.ID, i) for i in ("explain", "info")]
    assert "VJP g를 모든 축 방향으로 복사해 되돌림" in panels[0].text
    browser.find_element(By.ID, "lang").click()
    en = labels()
    assert "g copied back over all axes" in en and "sum over all axes" in en and "복사" not in en
    assert "VJP g copied back over all axes of upstream" in panels[0].text  # the panels follow
    assert not re.search("[가-힣]", panels[0].text + panels[1].text)
    browser.find_element(By.ID, "lang").click()
    assert labels() == ko
    assert errors(browser) == []


def test_a_korean_page_of_a_large_tensor_reads_norm_in_english_after_the_toggle(
    browser: Any, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(20, 20)), requires_grad=True, label="W")
    f = ((W @ Tensor(rng.normal(size=(20, 20)), label="x")) ** 2).sum()
    f.backward()
    load(browser, explore(f, lang="ko"), tmp_path)
    key(browser, Keys.END)
    browser.find_element(By.CSS_SELECTOR, '.node[data-name="W"]').click()  # both panels shown
    browser.find_element(By.ID, "lang").click()
    shown = browser.execute_script("return document.body.innerText")  # drawing, title, panels
    assert shown.count("grad norm") >= 3 and re.findall("[가-힣]+", shown) == ["한국어"]
    assert errors(browser) == []


def test_a_tensor_page_shows_shapes_and_vjp_rules(browser: Any, tmp_path: Path) -> None:
    root, _ = examples.l2()
    root.backward()
    load(browser, explore(root), tmp_path)
    key(browser, Keys.END)
    key(browser, "f")  # fit: all of it in view (it may open on the output end)
    text = browser.find_element(By.ID, "canvas").text
    assert "(2, 2)" in text and "VJP Wᵀ g" in text and "[-0.112, 0.636]" in text
    assert errors(browser) == []


def mlp_loss() -> tuple[Any, nn.MLP]:
    random.seed(1)
    model = nn.MLP(2, [16, 16, 1])
    out = model([0.5, -1.5])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_the_mlp_page_opens_and_answers_within_two_seconds(browser: Any, tmp_path: Path):
    loss, model = mlp_loss()
    html = explore(loss, modules=model)
    assert len(html.encode()) < 3_000_000
    seconds = load(browser, html, tmp_path, "mlp")
    assert seconds < 2.0
    boxes = browser.find_elements(By.CSS_SELECTOR, ".modbox")
    assert len(boxes) == 33  # one box per neuron
    start = time.perf_counter()
    key(browser, Keys.END)
    last = len(backward_steps(loss))
    assert browser.find_element(By.ID, "number").text == str(last)
    assert time.perf_counter() - start < 2.0
    # a box unfolds on a click: the neuron's parameters appear, labelled by where they live
    first = [m.name for m in build_scene(loss, modules=model).modules].index("L1.n0 · neuron")
    key(browser, "f")  # the page opened on the output end: fit, to reach the first layer
    start = time.perf_counter()
    browser.find_element(By.CSS_SELECTOR, f'.modbox[data-module="{first}"]').click()
    shown = browser.find_elements(By.CSS_SELECTOR, ".node[data-id]")
    names_shown = {e.get_attribute("data-name") for e in shown}
    assert time.perf_counter() - start < 2.0
    assert {"L1.n0.w0", "L1.n0.w1", "L1.n0.b"} <= names_shown
    assert sum(1 for n in names_shown if n in ("x0", "x1")) == 2  # each input drawn once
    assert errors(browser) == []


def test_a_notebook_cell_shows_the_page_and_hides_the_picture(browser: Any, tmp_path: Path):
    t, _ = examples.l2()
    t.backward()
    cell = t._repr_mimebundle_()["text/html"]  # what Jupyter puts in the output area
    load_cell = f"<!DOCTYPE html><html><body><script>document.body.setAttribute('data-ready','1')</script>{cell}</body></html>"  # noqa: E501
    load(browser, load_cell, tmp_path, "cell")
    frame = browser.find_element(By.TAG_NAME, "iframe")
    assert frame.is_displayed()
    assert not browser.find_element(By.CSS_SELECTOR, ".mgk-still").is_displayed()
    browser.switch_to.frame(frame)
    try:
        assert len(browser.find_elements(By.CSS_SELECTOR, ".node[data-id]")) == 5
        browser.find_element(By.ID, "fit").click()
        assert "(2, 2)" in browser.find_element(By.ID, "canvas").text
    finally:
        browser.switch_to.default_content()
    assert errors(browser) == []


def opening_font_px(driver: Any) -> float:
    """The smallest label's size on screen at the opening zoom, in CSS pixels."""
    script = """
      var scale = document.getElementById('viewport').getCTM().a, least = 1e9;
      document.querySelectorAll('#viewport text').forEach(function (t) {
        least = Math.min(least, parseFloat(getComputedStyle(t).fontSize));
      });
      return least * scale;"""
    return float(driver.execute_script(script))


def chain(links: int) -> Any:
    """x + ... : every other link is an add of x (fan-out), the others a mul and a tanh."""
    from microgradkr import Value

    x = Value(0.3, "x")
    y = x
    for i in range(links):
        y = (y * 0.9).tanh() if i % 2 else y + x
    return y


@pytest.mark.parametrize("gates", [8, 60])
def test_labels_open_readable(browser: Any, tmp_path: Path, gates: int) -> None:
    root = examples.sigmoid_neuron()[0] if gates == 8 else chain(40)  # 40 links: 60 gates
    load(browser, explore(root), tmp_path)
    assert opening_font_px(browser) >= 11.0


def test_a_big_graph_opens_on_its_output_and_says_how_to_move(browser: Any, tmp_path: Path):
    root = chain(150)  # x used 75 times: layout size 9,001, past max_layout
    root.label = "out"
    load(browser, explore(root, max_layout=9001), tmp_path)
    assert opening_font_px(browser) >= 11.0
    assert browser.find_element(By.ID, "hint").is_displayed()
    out = browser.find_element(By.CSS_SELECTOR, '.node[data-name="out"]').rect
    size = browser.get_window_size()
    assert out["x"] >= 0 and out["x"] + out["width"] <= size["width"]


def test_a_page_opened_too_small_fits_again_when_its_frame_grows(browser: Any, tmp_path: Path):
    """A sandboxed iframe in Jupyter gets its size after the page has loaded: until the learner
    moves the view, a resize opens the page again, fitted; after a zoom it leaves the view."""
    size = browser.get_window_size()
    try:
        browser.set_window_size(260, 260)
        load(browser, explore(examples.add_mul()[0]), tmp_path)
        assert browser.find_element(By.ID, "hint").is_displayed()  # opened too small to read
        browser.set_window_size(1200, 900)
        time.sleep(0.3)  # the resize event
        assert not browser.find_element(By.ID, "hint").is_displayed()
        view = browser.find_element(By.TAG_NAME, "svg").rect
        for node in browser.find_elements(By.CSS_SELECTOR, ".node"):
            r = node.rect
            assert view["x"] <= r["x"] and r["x"] + r["width"] <= view["x"] + view["width"]
        key(browser, "+")
        zoomed = browser.find_element(By.ID, "zoom").text
        browser.set_window_size(1000, 800)
        time.sleep(0.3)
        assert browser.find_element(By.ID, "zoom").text == zoomed  # the learner's zoom is kept
        assert not errors(browser)
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_a_hostile_label_is_shown_as_text(browser: Any, tmp_path: Path) -> None:
    from microgradkr import Value

    label = '</script><script>document.title="pwned"</script><img src=x onerror=alert(1)>'
    load(browser, explore(Value(2.0, label) * 3.0), tmp_path)
    assert browser.title != "pwned"
    names_shown = [
        e.get_attribute("data-name") for e in browser.find_elements(By.CSS_SELECTOR, ".node")
    ]
    assert label in names_shown
    assert errors(browser) == []


def test_graphviz_pure_korean_labels_stay_inside_their_boxes(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graphviz-pure has no widths for Hangul: the picture gives its labels least widths."""
    import sysconfig

    from microgradkr import draw

    pure = Path(sysconfig.get_path("scripts")) / "graphviz-pure"
    if not pure.exists():
        pytest.skip("the graphviz-pure wheel is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "graphviz-pure").symlink_to(pure)
    monkeypatch.setenv("PATH", str(bindir))  # no dot: graphviz-pure draws
    f, _ = examples.gate_patterns()
    f.backward()
    svg = draw(f, lang="ko").pipe(format="svg", encoding="utf-8")
    page = tmp_path / "ko.html"
    page.write_text(f"<!DOCTYPE html><html><body>{svg}</body></html>", encoding="utf-8")
    browser.get(page.as_uri())
    spills = browser.execute_script("""
      var out = [];
      document.querySelectorAll('g.node').forEach(function (g) {
        var shapes = g.querySelectorAll('polygon, ellipse');
        if (!shapes.length) return;
        var box = shapes[0].getBBox();
        shapes.forEach(function (s) {
          var b = s.getBBox();
          if (b.width * b.height > box.width * box.height) box = b;
        });
        g.querySelectorAll('text').forEach(function (t) {
          var b = t.getBBox();
          if (b.x < box.x - 1 || b.x + b.width > box.x + box.width + 1) out.push(t.textContent);
        });
      });
      return out;""")
    assert "국소적 미분" in svg and spills == []


def explain_panel(driver: Any, name: str) -> list[str]:
    """Click value ``name`` (wherever it is drawn, in view or not): the explain panel's lines."""
    node = driver.find_element(By.CSS_SELECTOR, f'.node[data-name="{name}"]')
    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click'))", node)
    return [line.strip() for line in driver.find_element(By.ID, "explain").text.splitlines()]


def many_paths() -> tuple[Any, Any]:
    """Each level y*x + y: 127 paths from x to the output, 12 listed."""
    from microgradkr import Value

    x = Value(0.5, "x")
    y = x
    for _ in range(6):
        y = y * x + y
    y.label = "y"
    return x, y


@pytest.mark.parametrize("case", ["fan_out", "many_paths", "neuron"])
def test_the_paths_the_page_finds_are_explains(browser: Any, tmp_path: Path, case: str) -> None:
    """The page finds a value's paths on a click (a page no longer carries them per node):
    names, factors, products and the count of the rest as explain() has them."""
    if case == "fan_out":
        root, v = examples.gate_patterns()
        x = v["x"]
    elif case == "many_paths":
        x, root = many_paths()
    else:
        root, v = examples.sigmoid_neuron()
        x = v["x1"]
    root.backward()
    load(browser, explore(root, step=None), tmp_path)
    expected = str(explain(x, root)).splitlines()
    assert explain_panel(browser, x.label) == [line.strip() for line in expected]
    assert errors(browser) == []


def test_the_info_panel_follows_the_step(browser: Any, tmp_path: Path) -> None:
    """Example 1a: x's gradient is 1 after three steps and -7 after all; the panel said 1."""
    root, v = examples.gate_patterns()
    load(browser, explore(root), tmp_path)
    for _ in range(3):
        key(browser, Keys.ARROW_RIGHT)
    x = browser.find_element(By.CSS_SELECTOR, '.node[data-name="x"]')
    ActionChains(browser).move_to_element(x).perform()
    info = browser.find_element(By.ID, "info")
    grads = gradients_after(backward_steps(root), 3)
    assert f"grad {num(grads[v['x']], 4)}" in info.text.splitlines()
    key(browser, Keys.END)
    assert shown_grads(browser)[int(x.get_attribute("data-id"))] == "-7"
    assert "grad -7" in info.text.splitlines()
    assert errors(browser) == []


def test_the_hint_speaks_of_modules_only_where_there_are_modules(
    browser: Any, tmp_path: Path
) -> None:
    root = chain(150)  # layout size 9,001, past max_layout
    load(browser, explore(root, max_layout=9001), tmp_path)
    hint = browser.find_element(By.ID, "hint")
    assert hint.is_displayed() and "Drag to move" in hint.text
    assert "module" not in hint.text
    loss, model = mlp_loss()
    load(browser, explore(loss, modules=model, collapse=False), tmp_path)
    assert "Click a dashed box to open a module." in browser.find_element(By.ID, "hint").text
    assert errors(browser) == []
