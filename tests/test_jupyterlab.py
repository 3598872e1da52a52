"""watch() in a real JupyterLab: a server on 127.0.0.1, headless Chromium runs a notebook.

The notebook trains micrograd's MLP(2, [16, 16, 1]) on the moons under ``watch``, shown both as
a cell's last line and through ``display(w.widget)`` (in Korean); after the run the widget's DOM
must show the final step with the loss Python printed, the decision boundary, and the network
view with the final weight (and, its overlay switched, the gradient) of one edge. Skipped, with the
reason, where jupyterlab, anywidget, selenium, chromium or chromedriver is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (the notebook extra)")
pytest.importorskip("anywidget", reason="anywidget is not installed (the notebook extra)")
from chromium import chromium  # noqa: E402  (skips this module where there is no browser)
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from microgradkr.viz.watch_record import GRID  # noqa: E402

TOKEN = "mgk-test-token"

STEPS, EVERY = 30, 5
SHOTS = Path(os.environ["MGK_SHOTS"]) if os.environ.get("MGK_SHOTS") else None
"""A folder for the widget's screenshots (MGK_SHOTS=/tmp/shots), for a person to look at."""

SETUP = """\
import random
from microgradkr import Value, watch
from microgradkr.data import make_moons
from microgradkr.nn import MLP

X, labels = make_moons(100, noise=0.1, seed=1337)
y = labels * 2 - 1

def loss_of(model):
    scores = [model([Value(a), Value(b)]) for a, b in X]
    losses = [(1 - yi * s).relu() for yi, s in zip(y, scores)]
    return sum(losses, Value(0.0)) * (1.0 / len(losses))

def train(model, w, steps):
    for k in range(steps):
        loss = loss_of(model)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / steps) * p.grad
        w.update(loss)  # after the step: the network view shows the weights as they are now
    return loss
"""


def cells(form: str) -> list[str]:
    """The notebook of one form: ``shown`` (the watch object as the last line) or ``explicit``."""
    val = ", val=(X[:40], y[:40]), lang='ko'" if form == "explicit" else ""
    make = (
        f"random.seed(1)\nmodel = MLP(2, [16, 16, 1])\n"
        f"w = watch(model, data=(X, y){val}, every={EVERY})"
    )
    show = "w" if form == "shown" else "from IPython.display import display\ndisplay(w.widget)"
    run = (
        f"loss = train(model, w, {STEPS})\nprint('PYLOSS=' + repr(loss.data))\n"
        "j, k = max(((j, k) for j in range(16) for k in range(16)),\n"
        "           key=lambda e: abs(model.layers[1].neurons[e[0]].w[e[1]].grad))\n"
        "p = model.layers[1].neurons[j].w[k]  # layer 2's edge of the largest |dL/dw|\n"
        "print(f'PYJ={j}\\nPYK={k}\\nPYW={p.data!r}\\nPYG={p.grad!r}')"
    )
    return [SETUP, f"{make}\n{show}", run, "print('ALL' + 'DONE')"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[str, Path]]:
    """A JupyterLab server of this venv on a free port, in a temporary root; killed at the end."""
    root = Path(tempfile.mkdtemp(prefix="mgk-lab-"))
    port = free_port()
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(root / ".config"),
        JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    labconfig = root / ".config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    (root / "nb").mkdir()
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root / 'nb'}", "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={root / '.workspaces'}",
            "--LabApp.extension_manager=readonly",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (root / "server.log").read_text())
                time.sleep(0.5)
        yield base, root / "nb"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # the network on: the page talks to the server on 127.0.0.1
    with chromium(1200, 1000, offline=False) as driver:
        driver.set_script_timeout(120)
        yield driver


def write_notebook(folder: Path, name: str, sources: list[str]) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for s in sources
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernel}}
    (folder / name).write_text(json.dumps({**notebook, "cells": cells}), encoding="utf-8")


RUN_ALL = """
const done = arguments[arguments.length - 1];
(async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  await app.commands.execute("notebook:run-all-cells");
  done("started");
})().catch((e) => done("error: " + e));
"""

STATE = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
const kernel = panel && panel.sessionContext && panel.sessionContext.session
  && panel.sessionContext.session.kernel;
return {status: kernel ? kernel.status : "none", text: document.body.innerText};
"""


def run_notebook(driver: Any, base: str, folder: Path, name: str, sources: list[str]) -> str:
    """Open the notebook in JupyterLab, run all cells, wait for the kernel to be idle after."""
    write_notebook(folder, name, sources)
    stem = name.removesuffix(".ipynb")  # a workspace of its own: no tab of another notebook
    driver.get(f"{base}/lab/workspaces/{stem}/tree/{name}?token={TOKEN}&reset")
    WebDriverWait(driver, 90).until(
        lambda d: d.execute_script(
            "const a = window.jupyterapp, p = a && a.shell.currentWidget;"
            "return !!(p && p.sessionContext && p.context && p.context.path === arguments[0]);",
            name,
        )
    )
    driver.get_log("browser")  # forget the last page's (leaving a notebook warns of unsaved work)
    assert driver.execute_async_script(RUN_ALL) == "started"
    WebDriverWait(driver, 120, poll_frequency=0.5).until(
        lambda d: (
            (s := d.execute_script(STATE))["status"] == "idle"
            and ("ALLDONE" in s["text"] or "Traceback" in s["text"])
        )
    )  # run-all stops at a cell that raised
    text = str(driver.execute_script(STATE)["text"])
    assert "Traceback" not in text and "Error" not in text, text[-3000:]
    return text


def python_loss(text: str, key: str = "PYLOSS=") -> float:
    line = next(x for x in text.splitlines() if x.startswith(key))
    return float(line.removeprefix(key))


WIDGET = """
const w = document.querySelector(".mgk-watch");
if (!w) return null;
const box = w.getBoundingClientRect();
const b = w.querySelector(".mgk-watch-boundary");
const net = w.querySelector("[data-slot=network]:not([hidden])");
const edge = net && net.querySelector(
  `path.edge[data-l="2"][data-j="${arguments[0]}"][data-k="${arguments[1]}"]`);
const cell = w.closest(".jp-OutputArea-output") || w.parentElement;
return {step: w.getAttribute("data-step"), loss: w.getAttribute("data-loss"),
        width: box.width, cell: cell.getBoundingClientRect().width,
        scroll: w.scrollWidth, client: w.clientWidth, text: w.innerText,
        cells: b ? b.getAttribute("data-cells") : null,
        points: b ? b.querySelectorAll("circle").length : 0,
        hists: w.querySelectorAll(".mgk-watch-hist").length,
        lines: [...w.querySelectorAll(".mgk-watch-line")].map((p) => p.getAttribute("d").length),
        net: net && {step: net.getAttribute("data-step"),
                     edges: net.querySelectorAll(".edge").length,
                     v: edge ? +edge.getAttribute("data-v") : null,
                     mode: net.querySelector("svg").getAttribute("data-mode")}};
"""


def severe(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.parametrize("form", ["shown", "explicit"])
def test_watch_shows_the_last_step_in_jupyterlab(
    lab: tuple[str, Path], browser: Any, form: str
) -> None:
    base, folder = lab
    browser.get_log("browser")
    text = run_notebook(browser, base, folder, f"watch_{form}.ipynb", cells(form))
    edge = int(python_loss(text, "PYJ=")), int(python_loss(text, "PYK="))
    try:
        widget = WebDriverWait(browser, 20).until(
            lambda d: (w := d.execute_script(WIDGET, *edge)) and w["step"] == str(STEPS) and w
        )
    except TimeoutException:
        pytest.fail(
            f"the widget never showed step {STEPS}: {browser.execute_script(WIDGET, *edge)}"
        )
    assert float(widget["loss"]) == python_loss(text)
    assert widget["cells"] == str(GRID * GRID) and widget["points"] == 100  # the boundary
    assert widget["hists"] == 3 and all(n > 0 for n in widget["lines"])  # one per layer
    assert widget["scroll"] <= widget["client"] + 1  # fits the cell: nothing overflows
    assert widget["width"] <= widget["cell"] + 1
    net = widget[
        "net"
    ]  # the network view: the final weight of layer 2's edge of largest |grad|, its grad
    assert net["step"] == str(STEPS) and net["edges"] == 2 * 16 + 16 * 16 + 16
    assert net["mode"] == "w" and net["v"] == pytest.approx(python_loss(text, "PYW="), rel=1e-3)
    browser.execute_script(
        "document.querySelector('.mgk-watch-modes button[data-mode=grad]').click()"
    )
    grad = browser.execute_script(WIDGET, *edge)["net"]
    assert grad["mode"] == "grad" and grad["v"] == pytest.approx(
        python_loss(text, "PYG="), rel=1e-3
    )
    assert ("신경망" if form == "explicit" else "the network") in widget["text"]
    if SHOTS is not None:
        browser.execute_script("document.querySelector('[data-slot=network]').scrollIntoView()")
        browser.save_screenshot(str(SHOTS / f"jupyterlab_{form}.png"))
    assert severe(browser) == []
