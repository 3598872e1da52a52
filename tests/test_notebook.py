"""Notebook display (a lazy hook: the engine never imports viz) and watch(model)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from microgradkr import Value, draw, examples, graph, nn, watch

ROOT = Path(__file__).resolve().parents[1] / "microgradkr"


def test_no_module_below_viz_imports_viz() -> None:
    # the front doors may use the pictures: the package, the CLI, micrograd's draw_dot
    above = {"__init__.py", "__main__.py", "cli.py", "compat.py"}
    for path in sorted(ROOT.glob("*.py")):
        if path.name in above:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = {node.module or ""} | {a.name for a in node.names}
                assert not any(n.split(".")[0] == "viz" for n in names), path.name


def test_value_and_tensor_show_the_page_the_picture_and_the_text() -> None:
    f, _ = examples.add_mul()
    f.backward()
    bundle = f._repr_mimebundle_()
    assert bundle["text/plain"] == repr(f)
    assert (
        "<iframe srcdoc=" in bundle["text/html"]
        and 'sandbox="allow-scripts"' in bundle["text/html"]
    )
    t, _ = examples.l2()
    t.backward()
    assert {"text/plain", "text/html"} <= set(t._repr_mimebundle_())
    assert graph.DISPLAY  # registered by microgradkr.viz


def test_watch_redraws_every_k_steps_and_draws_the_last() -> None:
    pytest.importorskip("anywidget")
    model = nn.MLP(2, [3, 1])
    w = watch(model, every=3)
    drawn = []
    for _ in range(7):
        loss = (model([1.0, -1.0]) - 1.0) ** 2
        loss.backward()
        drawn.append(w.update(loss))
        for p in model.parameters():
            p.data -= 0.05 * p.grad
        model.zero_grad()
    assert drawn == [True, False, False, True, False, False, True]
    for _ in range(2):  # 9 steps: the last recorded one is 7 until the end of training
        loss = (model([1.0, -1.0]) - 1.0) ** 2
        loss.backward()
        w.update(loss)
    w.close()
    assert w.widget.status == f"step 9: loss {loss.data:.6g}"  # it said step 7 (every=3)
    assert w.widget.frame["step"] == 9 and w.widget.frame["loss"] == loss.data
    with pytest.raises(ValueError, match="every"):
        watch(model, every=0)


def test_the_watch_object_shows_as_the_widget_in_ipython() -> None:
    """Its _repr_mimebundle_ takes IPython's keywords (it raised TypeError under anywidget 0.11,
    so JupyterLab showed a traceback instead of the widget)."""
    pytest.importorskip("anywidget")
    formatters = pytest.importorskip("IPython.core.formatters")
    w = watch(nn.MLP(2, [3, 1]))
    shown, _ = formatters.DisplayFormatter().format(w)
    view = shown["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == w.widget.model_id


def test_draw_shows_the_page_of_what_it_drew() -> None:
    model = nn.MLP(2, [3, 1])
    loss = (model([1.0, -1.0]) - 1.0) ** 2
    loss.backward()
    d = draw(loss, modules=model, lang="ko")
    bundle = d._repr_mimebundle_()
    assert "<iframe srcdoc=" in bundle["text/html"]
    assert (
        "L1.n0.w0" in bundle["text/html"]
        and "&quot;lang&quot;:&quot;ko&quot;" in bundle["text/html"]
    )
    assert d.picture()["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))


def test_a_graph_above_the_pages_limit_shows_its_text_not_an_error():
    """Jupyter's display of a node past explore's max_nodes keeps its text and picture: the
    notebook had a limit of its own (5,000) above the page's (500) and raised the page's error."""
    from microgradkr.viz.notebook import bundle
    from microgradkr.viz.page import MAX_PAGE_NODES

    x = Value(0.5, "x")
    y = x
    for _ in range(MAX_PAGE_NODES):
        y = y.tanh()
    out = bundle(y)
    assert "text/html" not in out
    assert out["text/plain"] == repr(y)


def test_a_graph_whose_page_layout_is_too_slow_shows_its_text_not_an_error():
    """A value used 100 times (301 nodes, under max_nodes) is past the page's max_layout: the
    display keeps its text and picture instead of raising the page's DiagramTooLargeError."""
    from microgradkr.viz.notebook import bundle

    x = Value(0.5, "x")
    y = x
    for _ in range(100):
        y = y * x + 0.1
    out = bundle(y)
    assert "text/html" not in out
    assert out["text/plain"] == repr(y)
