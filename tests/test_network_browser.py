"""The network view in a real browser: numbers, colours and widths read back from the page.

Headless Chromium from file:// with the network off, as tests/test_page_browser.py. Skipped,
with the reason, where selenium, chromium or chromedriver is missing.
"""

from __future__ import annotations

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
from test_network import SAMPLES, trained_mlp

from microgradkr import Value, explain, nn, optim
from microgradkr.viz.fmt import num
from microgradkr.viz.network import network, network_script, network_state, script_json

POS, NEG = "#e8710a", "#0877bd"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(1400, 900) as driver:
        yield driver


def load(driver: Any, html: str, tmp_path: Path, name: str = "net") -> None:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    driver.get_log("browser")
    driver.get(path.as_uri())
    assert driver.execute_script("return document.body.getAttribute('data-ready')") == "1"


def errors(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


EDGES = """
  var out = [];
  document.querySelectorAll('.layer-edges').forEach(function (g) {
    g.querySelectorAll('.edge').forEach(function (e) {
      out.push([+e.dataset.l, +e.dataset.j, +e.dataset.k, e.getAttribute('stroke'),
                +e.getAttribute('stroke-width'), +g.dataset.widest, e.dataset.v]);
    });
  });
  return out;"""


ON_EDGE = """
  var e = arguments[0], n = e.getTotalLength(), m = e.getScreenCTM();
  for (var f = 0.5; f < 0.95; f += 0.01) {
    var p = e.getPointAtLength(n * f);
    var x = Math.round(p.x * m.a + m.e), y = Math.round(p.y * m.d + m.f);
    if (document.elementFromPoint(x, y) === e) return [x, y];
  }
  return null;"""


def hover(driver: Any, edge: Any) -> str:
    """Point the mouse at a spot of ``edge`` where no other edge lies over it; the tip's text."""
    at = driver.execute_script(ON_EDGE, edge)
    assert at is not None, "every point of the edge is under another"
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(at[0]), int(at[1]))
    actions.perform()
    return str(driver.find_element(By.CSS_SELECTOR, ".tip").text)


def check_edges(edges: list[Any], values: dict[tuple[int, int, int], float]) -> None:
    """Each edge: orange if its value > 0, blue if < 0, width 0.5 + (widest - 0.5) |v| / max|v|."""
    top: dict[int, float] = {}
    for (layer, _, _), v in values.items():
        top[layer] = max(top.get(layer, 0.0), abs(v))
    assert len(edges) == len(values)
    for layer, j, k, stroke, width, widest, shown in edges:
        at, v = (layer, j, k), values[(layer, j, k)]
        assert float(shown) == pytest.approx(v, rel=1e-5, abs=1e-12), at
        assert stroke == (POS if v > 0 else NEG if v < 0 else "#bbbbbb"), at
        want = 0.5 + (widest - 0.5) * abs(v) / top[layer] if top[layer] else 0.5
        assert width == pytest.approx(want, rel=1e-4, abs=1e-6), at


def weights(model: nn.MLP, what: str) -> dict[tuple[int, int, int], float]:
    return {
        (i, j, k): getattr(w, what)
        for i, layer in enumerate(model.layers, 1)
        for j, n in enumerate(layer.neurons)
        for k, w in enumerate(n.w)
    }


def test_every_edge_follows_its_weight_then_its_gradient(browser: Any, tmp_path: Path) -> None:
    model, loss = trained_mlp()
    load(browser, network(model, SAMPLES[0], loss=loss), tmp_path)
    assert browser.find_element(By.TAG_NAME, "svg").get_attribute("data-edges") == "28"
    check_edges(browser.execute_script(EDGES), weights(model, "data"))
    browser.find_element(By.ID, "mode-grad").click()
    check_edges(browser.execute_script(EDGES), weights(model, "grad"))
    assert errors(browser) == []


def test_hovering_an_edge_shows_weight_gradient_and_explain(browser: Any, tmp_path: Path) -> None:
    model, loss = trained_mlp()
    load(browser, network(model, SAMPLES[0], loss=loss), tmp_path)
    w = model.layers[1].neurons[1].w[3]
    edge = browser.find_element(By.CSS_SELECTOR, '.edge[data-l="2"][data-j="1"][data-k="3"]')
    tip = hover(browser, edge)
    loss.label = "L"  # the page names an unlabelled loss L
    assert "L1.n3 → L2.n1" in tip
    assert f"weight L2.n1.w3 = {num(w.data, 4)}" in tip
    assert f"gradient ∂L/∂L2.n1.w3 = {num(w.grad, 4)}" in tip
    assert explain(w, loss).lines()[0] in tip
    browser.find_element(By.ID, "lang").click()
    edge = browser.find_element(By.CSS_SELECTOR, '.edge[data-l="2"][data-j="1"][data-k="3"]')
    tip = hover(browser, edge)
    assert f"가중치 L2.n1.w3 = {num(w.data, 4)}" in tip
    assert explain(w, loss, lang="ko").lines()[0] in tip
    assert errors(browser) == []


def test_a_click_on_a_neuron_opens_its_gates_and_esc_comes_back(
    browser: Any, tmp_path: Path
) -> None:
    model, loss = trained_mlp()
    load(browser, network(model, SAMPLES[0], loss=loss), tmp_path)
    model.zero_grad()
    neuron = model.layers[1].neurons[1]
    out = neuron(model.layers[0]([Value(v) for v in SAMPLES[0]]))
    assert out.data > 0
    out.backward()  # the engine's d(L2.n1)/dw for this sample
    browser.find_element(By.CSS_SELECTOR, '.unit[data-name="L2.n1"]').click()
    drill = browser.find_element(By.ID, "drill")
    assert drill.is_displayed() and drill.get_attribute("data-name") == "L2.n1"
    browser.switch_to.frame(browser.find_element(By.ID, "drill-frame"))
    try:
        deadline = time.time() + 10
        while browser.execute_script("return document.body.getAttribute('data-ready')") != "1":
            assert time.time() < deadline, "the gate page did not draw"
            time.sleep(0.05)
        nodes = browser.find_elements(By.CSS_SELECTOR, ".node")
        names = {e.get_attribute("data-name") for e in nodes}
        assert {"L2.n1", "L2.n1.b", "L1.n0", "L1.n3"} | {f"L2.n1.w{k}" for k in range(4)} <= names
        for k, w in enumerate(neuron.w):
            browser.find_element(By.CSS_SELECTOR, f'.node[data-name="L2.n1.w{k}"]').click()
            text = browser.find_element(By.ID, "explain").text
            assert f"L2.n1.w{k}.grad = ∂L2.n1/∂L2.n1.w{k} = {num(w.grad, 4)}" in text
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)  # Esc in the gates
    finally:
        browser.switch_to.default_content()
    assert not browser.find_element(By.ID, "drill").is_displayed()
    browser.find_element(By.CSS_SELECTOR, '.unit[data-name="L2.n1"]').click()
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)  # Esc on the network
    assert not browser.find_element(By.ID, "drill").is_displayed()
    browser.find_element(By.CSS_SELECTOR, '.unit[data-name="L1.n0"]').click()
    browser.find_element(By.ID, "back").click()
    assert not browser.find_element(By.ID, "drill").is_displayed()
    assert errors(browser) == []


def test_a_784_100_10_net_draws_each_neurons_strongest_edges(browser: Any, tmp_path: Path) -> None:
    model = nn.Sequential(nn.Affine(784, 100, rng=0), nn.ReLU(), nn.Affine(100, 10, rng=1))
    rng = np.random.default_rng(0)
    x = rng.random((8, 784))
    loss = nn.SoftmaxWithLoss()(model(x), rng.integers(0, 10, 8))
    loss.backward()
    load(browser, network(model, x[0], loss=loss), tmp_path)
    svg = browser.find_element(By.TAG_NAME, "svg")
    assert svg.get_attribute("data-edges") == str(100 * 2 + 10 * 25)
    edges = browser.execute_script(EDGES)
    W1 = model.layers[0].W.data  # (784, 100): neuron j's weights are column j
    for j in range(100):
        drawn = sorted(k for layer, jj, k, *_ in edges if layer == 1 and jj == j)
        assert drawn == sorted(np.argsort(-np.abs(W1[:, j]), kind="stable")[:2].tolist())
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    assert "L1: the strongest 2 of 784 edges per neuron drawn, 99.7% hidden" in legend
    at = {
        name: browser.find_element(By.CSS_SELECTOR, f'.unit[data-name="{name}"]').location
        for name in ("x0", "x1", "x28", "x29")
    }  # the 784 inputs as the 28 x 28 image, row by row
    assert at["x1"]["y"] == at["x0"]["y"] < at["x28"]["y"] == at["x29"]["y"]
    assert at["x28"]["x"] == at["x0"]["x"] < at["x1"]["x"] == at["x29"]["x"]
    assert errors(browser) == []


def test_the_korean_page_names_its_terms(browser: Any, tmp_path: Path) -> None:
    model, loss = trained_mlp()
    load(browser, network(model, SAMPLES[0], loss=loss, lang="ko"), tmp_path)
    assert browser.find_element(By.ID, "lang").text == "English"
    assert browser.find_element(By.ID, "mode-grad").text == "기울기(gradient) ∂L/∂w"
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    assert "번호는 매개변수 이름과 같음: x0 입력 0 · L2.n1 2번째 계층(layer)의 뉴런 1" in legend
    assert errors(browser) == []


DASHBOARD = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style></head><body>
<div id="dash" class="mgk-net" style="width: 900px; height: 520px"></div>
<script>{js}</script>
<script id="words" type="application/json">{words}</script>
<script id="state" type="application/json">{state}</script>
<script>
  var read = function (id) {{ return JSON.parse(document.getElementById(id).textContent); }};
  window.view = mgkNetwork.draw(document.getElementById("dash"), read("state"), read("words"),
                                {{ lang: "ko", mode: "w" }});
  document.body.setAttribute("data-ready", "1");
</script></body></html>"""


def test_a_dashboard_draws_each_steps_state_into_its_own_element(
    browser: Any, tmp_path: Path
) -> None:
    model, _ = trained_mlp()
    parts = network_script()
    before = network_state(model)
    page = DASHBOARD.format(
        css=parts["css"],
        js=parts["js"],
        words=script_json(parts["words"]),
        state=script_json(before),
    )
    load(browser, page, tmp_path, "dashboard")
    check_edges(browser.execute_script(EDGES), weights(model, "data"))
    grads = weights(model, "grad")
    optim.SGD(model, lr=0.5).step()
    browser.execute_script(
        "view.redraw({state: arguments[0], mode: 'update'})", network_state(model, previous=before)
    )
    check_edges(browser.execute_script(EDGES), {at: -0.5 * g for at, g in grads.items()})
    assert "주황: 양수, 파랑: 음수" in browser.find_element(By.CSS_SELECTOR, ".legend").text
    assert errors(browser) == []


def test_a_diverged_net_still_draws(browser: Any, tmp_path: Path) -> None:
    model, _ = trained_mlp()
    model.layers[0].neurons[1].w[0].data = float("nan")
    load(browser, network(model, SAMPLES[0]), tmp_path)
    edge = browser.find_element(By.CSS_SELECTOR, '.edge[data-l="1"][data-j="1"][data-k="0"]')
    assert edge.get_attribute("data-v") == "" and edge.get_attribute("stroke-dasharray") == "3 3"
    browser.find_element(By.ID, "mode-act").click()  # drawn again: find the edge again
    edge = browser.find_element(By.CSS_SELECTOR, '.edge[data-l="1"][data-j="1"][data-k="0"]')
    assert hover(browser, edge).count("?") >= 1  # the weight and its signal: not a number
    assert errors(browser) == []
