"""watch()'s dashboard in headless Chromium: the widget's ES module under a stand-in for
Jupyter's widget model, and the replay page from file:// with the network off. Skipped, with the
reason, where selenium, chromium or chromedriver is missing (tests/test_jupyterlab.py runs the
widget in a real JupyterLab)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromium import chromium  # skips this module where there is no browser
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from microgradkr import Tensor, Value, nn, watch
from microgradkr.data import make_moons
from microgradkr.viz.watch_dashboard import script
from microgradkr.viz.watch_record import GRID

X, LABELS = make_moons(60, noise=0.1, seed=5)
Y = LABELS * 2 - 1


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(900, 900) as driver:
        yield driver


def trained(steps: int, every: int, **kw: Any) -> tuple[Any, Value]:
    random.seed(2)
    model = nn.MLP(2, [8, 8, 1])
    w = watch(model, every=every, data=(X, Y), **kw)
    for _ in range(steps):
        scores = [model([Value(a), Value(b)]) for a, b in X]
        loss = sum(((1 - y * s).relu() for y, s in zip(Y, scores, strict=True)), Value(0.0))
        loss = loss * (1.0 / len(X))
        model.zero_grad()
        loss.backward()
        w.update(loss)
        for p in model.parameters():
            p.data -= 0.3 * p.grad
    w.close()
    return w, loss


def errors(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


SHOWN = """
const w = document.querySelector(".mgk-watch[data-step]");
if (!w) return null;
const b = w.querySelector(".mgk-watch-boundary");
return {step: w.getAttribute("data-step"), loss: w.getAttribute("data-loss"),
        cells: b ? b.getAttribute("data-cells") : null, text: w.innerText,
        scroll: w.scrollWidth, client: w.clientWidth,
        lines: w.querySelectorAll(".mgk-watch-line").length,
        hists: w.querySelectorAll(".mgk-watch-hist").length,
        slot: w.querySelectorAll("[data-slot=network]").length};
"""


def test_the_replay_shows_the_last_step_and_scrubs_back(browser: Any, tmp_path: Path) -> None:
    w, loss = trained(11, 4, val=(X[:20], Y[:20]), lang="ko")
    path = w.save(tmp_path / "training.html")
    browser.get_log("browser")
    browser.get(path.as_uri())
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-ready')") == "1"
    )
    shown = browser.execute_script(SHOWN)
    assert shown["step"] == "11" and float(shown["loss"]) == loss.data
    assert shown["cells"] == str(GRID * GRID) and shown["hists"] == 3 and shown["slot"] == 1
    assert shown["lines"] == 2 + 2 + 3  # loss and accuracy (train, val), one norm per layer
    assert "결정 경계" in shown["text"] and "손실" in shown["text"]
    assert shown["scroll"] <= shown["client"] + 1
    scrub = browser.find_element(By.CSS_SELECTOR, ".mgk-watch-range")
    browser.execute_script(
        "arguments[0].value = 0; arguments[0].dispatchEvent(new Event('input'))", scrub
    )
    first = browser.execute_script(SHOWN)
    assert first["step"] == "1" and float(first["loss"]) == w.losses[0]
    assert errors(browser) == []


def test_the_widget_module_draws_and_redraws(browser: Any, tmp_path: Path) -> None:
    """The anywidget ES module under a stand-in for Jupyter's widget model."""
    w, _ = trained(5, 2)
    first = {"setup": w.setup, "frame": w.frames[0], "status": "step 1"}
    first["curve"] = {"losses": w.losses[:1], "summaries": [w.frames[0]]}
    last = {"frame": w.frames[-1], "curve": {"losses": w.losses, "summaries": w.frames}}

    def js(x: Any) -> str:  # a JS literal that cannot end the host's <script>
        return json.dumps(x).replace("</", "<\\/")

    host = f"""<!DOCTYPE html><html><body style="width:500px"><div id="host"></div>
    <script type="module">
      const url = URL.createObjectURL(new Blob([{js(script(widget=True))}],
        {{type: "text/javascript"}}));
      const widget = (await import(url)).default;
      const state = {js(first)};
      const on = {{}};
      const model = {{get: (k) => state[k], on: (e, fn) => {{ on[e] = fn; }}}};
      widget.render({{model, el: document.getElementById("host")}});
      window.send = (next) => {{ Object.assign(state, next); on["change:frame"](); }};
      window.last = {js(last)};
      document.body.setAttribute("data-ready", "1");
    </script></body></html>"""
    path = tmp_path / "widget.html"
    path.write_text(host, encoding="utf-8")
    browser.get_log("browser")
    browser.get(path.as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(SHOWN))
    assert browser.execute_script(SHOWN)["step"] == "1"
    browser.execute_script("send(window.last)")
    shown = WebDriverWait(browser, 10).until(
        lambda d: (s := d.execute_script(SHOWN)) and s["step"] == "5" and s
    )
    assert float(shown["loss"]) == w.losses[-1] and shown["cells"] == str(GRID * GRID)
    assert shown["scroll"] <= shown["client"] + 1  # 500 px wide: the panels wrap, none overflows
    assert errors(browser) == []


def test_a_tensor_net_replays_its_sigmoid_layers(browser: Any, tmp_path: Path) -> None:
    model = nn.Sequential(nn.Affine(2, 8, rng=0), nn.Sigmoid(), nn.Affine(8, 2, rng=1))
    loss_fn = nn.SoftmaxWithLoss()
    with watch(model, every=2, data=(X, LABELS)) as w:
        for _ in range(5):
            loss = loss_fn(model(Tensor(X)), LABELS)
            model.zero_grad()
            loss.backward()
            w.update(loss)
            for p in model.parameters():
                p.data -= 0.5 * p.grad
    browser.get(w.save(tmp_path / "tensor.html").as_uri())
    shown = WebDriverWait(browser, 20).until(lambda d: d.execute_script(SHOWN))
    assert shown["step"] == "5" and float(shown["loss"]) == pytest.approx(loss.item())
    assert shown["hists"] == 2 and "1 Sigmoid" in shown["text"]
    assert np.isfinite(float(shown["loss"])) and errors(browser) == []


EDGE = """
const slot = document.querySelector("[data-slot=network]");
const e = slot.querySelector(`path.edge[data-l="${arguments[0]}"][data-j="${arguments[1]}"]`
  + `[data-k="${arguments[2]}"]`);
const layer = e.parentNode;
const vs = [...layer.querySelectorAll("path.edge")].map((p) => Math.abs(+p.getAttribute("data-v")));
return {step: slot.getAttribute("data-step"), v: +e.getAttribute("data-v"),
        width: +e.getAttribute("stroke-width"), stroke: e.getAttribute("stroke"),
        most: +layer.getAttribute("data-widest"), top: Math.max(...vs),
        mode: slot.querySelector("svg").getAttribute("data-mode")};
"""


def test_the_replay_draws_the_network_of_each_step(browser: Any, tmp_path: Path) -> None:
    """The edge L2.n3.w5 at the last step: the final weight (width, colour), then its p.grad;
    scrubbed to step 1, step 1's weight."""
    random.seed(3)
    model = nn.MLP(2, [8, 8, 1])
    p = model.layers[1].neurons[3].w[5]
    w, seen = watch(model, every=3, data=(X, Y), lang="en"), []
    for _ in range(7):
        scores = [model([Value(a), Value(b)]) for a, b in X]
        loss = sum(((1 - y * s).relu() for y, s in zip(Y, scores, strict=True)), Value(0.0))
        model.zero_grad()
        (loss * (1.0 / len(X))).backward()
        for q in model.parameters():
            q.data -= 0.3 * q.grad
        w.update(loss)
        seen.append(p.data)
    browser.get_log("browser")
    browser.get(w.save(tmp_path / "net.html").as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(SHOWN))
    last = browser.execute_script(EDGE, 2, 3, 5)
    assert last["step"] == "7" and last["mode"] == "w"
    assert last["v"] == pytest.approx(p.data, rel=1e-3)
    top = max(abs(q.data) for n in model.layers[1].neurons for q in n.w)
    assert last["top"] == pytest.approx(top, rel=1e-3)
    assert last["width"] == pytest.approx(0.5 + (last["most"] - 0.5) * abs(p.data) / top, rel=2e-3)
    assert last["stroke"] == ("#e8710a" if p.data > 0 else "#0877bd")
    browser.find_element(By.CSS_SELECTOR, ".mgk-watch-modes button[data-mode=grad]").click()
    grad = browser.execute_script(EDGE, 2, 3, 5)
    assert grad["mode"] == "grad" and grad["v"] == pytest.approx(p.grad, rel=1e-3)
    browser.find_element(By.CSS_SELECTOR, ".mgk-watch-modes button[data-mode=w]").click()
    scrub = browser.find_element(By.CSS_SELECTOR, ".mgk-watch-range")
    browser.execute_script(
        "arguments[0].value = 0; arguments[0].dispatchEvent(new Event('input'))", scrub
    )
    first = browser.execute_script(EDGE, 2, 3, 5)
    assert first["step"] == "1" and first["v"] == pytest.approx(seen[0], rel=1e-3)
    assert first["v"] != pytest.approx(p.data, rel=1e-3)
    assert errors(browser) == []
