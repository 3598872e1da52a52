"""The network view: a whole MLP as columns of neurons, and a click down to one neuron's gates.

``network(model, x)`` writes one self-contained offline page: layers as columns, neurons as
tiles (on a 2-D input, each a heat map of its output over the plane, as TensorFlow Playground),
weights as edges coloured by sign and as wide as |value|, with a switch between the weights,
their gradients dL/dw, the last update and the sample's activations. A click on a neuron opens
the interactive page (``page.py``) of its gates for the sample, from the same scene ``explore``
draws; Esc or the button goes back. The data goes in as JSON (``network_state``); the drawing is
``static/network.js``, which a live training view can call on its own element.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from ..engine import Value, affine
from ..i18n import CATALOG, LANGS, Words, current
from ..nn import Module
from ..tensor import Tensor
from .explain import Explanation, Graph, paren
from .network_state import Dense, dense_layers, forward, network_state, sample, unit_names
from .page import page_html
from .scene import build_scene
from .words import words

DRILL_MAX_INPUTS = 128
"""A neuron with more inputs than this gets no gate page (784 pixels: explore it on its own)."""
MAX_LINE = 240
"""An explanation line longer than this keeps its start and its end (the total) only."""

_SCENE_OPEN = '<script id="mgk-scene" type="application/json">'


def _static(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def script_json(data: Any) -> str:
    """JSON safe inside <script>: '<', '>', '&', U+2028 and U+2029 as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")  # they occur only inside JSON strings
    return text


def net_words(glossary: str | None = None) -> dict[str, dict[str, str]]:
    """The view's words (the catalogue's ``net.*``) in both languages; terms 한글(English) once."""
    keys = [k for k in CATALOG["en"] if k.startswith("net.")]
    out = {}
    for lang in LANGS:
        t = Words("net.", lang, glossary)
        out[lang] = {k[4:]: t[k[4:]] for k in keys}
    return out


def short(line: str) -> str:
    """A long chain-rule sum as its start, '…', and its end (which holds the total)."""
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 70] + " … " + line[-60:]


class SumGraph(Graph):
    """explain's Graph without the path list (the view shows the sum over uses only); an
    unlabelled loss is named L, as the view's ∂L/∂w."""

    def __init__(self, root: Any, precision: int = 4, const: str = "const") -> None:
        super().__init__(root, precision, const=const)
        if not root.label:
            self.names[root] = "L"

    def add_paths(self, start: Value, ex: Explanation) -> None:
        ex.more_paths = 0  # a hidden weight of a 100-sample batch has ~10^3 paths to the loss


def explanations(layers: list[Dense], loss: Value | Tensor, glossary: str) -> list[Any]:
    """Why each weight's gradient is what it is: explain's first lines, per weight or per W."""
    t = words("en", glossary)
    graph = SumGraph(loss, 4, const=t["const"])
    out: list[Any] = []
    for d in layers:
        if d.params is not None:
            rows = [[lines(graph, w, t, 1) for w in row] for row in d.params]
            out.append({"w": rows, "b": [lines(graph, b, t, 1) for b in d.biases or []]})
        elif d.tensor is not None:
            out.append({"W": lines(graph, d.tensor, t, 2)})
    return out


def head(ex: Explanation, lang: str, glossary: str) -> str:
    """The first line of ``ex.lines(lang)``, the sum itself, without formatting every use."""
    if ex.kind != "sum":
        return ex.lines(lang, glossary)[0]
    t = Words("explain.", lang, glossary)
    key = "head" if len(ex.uses) > 1 else "head1"
    node, root = paren(ex.node), paren(ex.root)
    return t[key].format(node=node, root=root, sum=ex.sum(), total=ex.total)


def lines(graph: Graph, node: Any, t: Words, n: int) -> dict[str, list[str]]:
    """The first ``n`` lines of ``node``'s explanation, in each language."""
    ex = graph.explain(node, t)
    if n == 1 and not ex.tensor:
        return {lang: [short(head(ex, lang, t.glossary))] for lang in LANGS}
    return {lang: [short(s) for s in ex.lines(lang)[:n]] for lang in LANGS}


def neuron_graph(d: Dense, j: int, xs: np.ndarray, names: list[str], name: str) -> Value:
    """Neuron ``j`` of layer ``d`` for one sample, as gates: act(affine(w, x, b)) on copies."""
    ws = [Value(float(v), f"{name}.w{k}") for k, v in enumerate(d.W[j])]
    ins = [Value(float(v), names[k]) for k, v in enumerate(xs)]
    out = affine(ws, ins, Value(float(d.b[j]), f"{name}.b"))
    if d.act != "linear":
        out = getattr(out, d.act)()
    out.label = name
    return out


def drill_scenes(
    layers: list[Dense], x: np.ndarray, lang: str, glossary: str
) -> dict[str, dict[str, Any]]:
    """Each neuron's gate scene for sample ``x``, by name; none for a neuron of many inputs."""
    names = unit_names(layers)
    outs = forward(layers, x[None, :])
    scenes = {}
    for i, d in enumerate(layers):
        if d.W.shape[1] > DRILL_MAX_INPUTS:
            continue
        for j, name in enumerate(names[i + 1]):
            root = neuron_graph(d, j, outs[i][0], names[i], name)
            scene = build_scene(root, lang=lang, glossary=glossary, step=-1)
            scenes[name] = scene.to_dict()
    return scenes


def shells(layers: list[Dense], x: np.ndarray, glossary: str) -> dict[str, list[str]]:
    """The gate page around its scene, per language: [before the scene JSON, after it]."""
    names = unit_names(layers)
    i = next(i for i, d in enumerate(layers) if d.W.shape[1] <= DRILL_MAX_INPUTS)
    ins = forward(layers, x[None, :])[i][0]  # a neuron with a gate page (not one of 784 inputs)
    root = neuron_graph(layers[i], 0, ins, names[i], names[i + 1][0])
    out = {}
    for lang in LANGS:
        html = page_html(build_scene(root, lang=lang, glossary=glossary, step=-1), step=0)
        start = html.find(_SCENE_OPEN)
        if start < 0:
            raise RuntimeError("page.html has no scene script element: the drill-down needs one")
        start += len(_SCENE_OPEN)
        end = html.index("</script>", start)
        tail = html[end:]
        cut = tail.rindex("</body>")
        back = "<script>\n" + _static("network_back.js") + "</script>\n"  # Esc in the gates
        out[lang] = [html[:start], tail[:cut] + back + tail[cut:]]
    return out


def architecture(state: dict[str, Any]) -> str:
    """'2 → 16 → 16 → 1': the column sizes, inputs first."""
    return " → ".join(str(n) for n in state["sizes"])


def network(
    model: Module,
    x: Any = None,
    path: str | Path | None = None,
    lang: str | None = None,
    *,
    loss: Value | Tensor | None = None,
    previous: dict[str, Any] | None = None,
    points: Any = None,
    labels: Any = None,
    glossary: str | None = None,
) -> str:
    """The network view of ``model`` as one offline HTML page; also written to ``path`` if given.

    ``x``: one sample (activations, and a click on a neuron opens its gates for it); ``loss``:
    the output ``backward()`` ran from, so that hovering a weight explains dL/dw by the chain
    rule; ``previous``: ``network_state(model)`` from before the last step (the update overlay);
    ``points``, ``labels``: data shown on the output tile of a 2-D net.
    """
    lang, glossary = current(lang, glossary)
    if loss is not None and not isinstance(loss, Value | Tensor):
        raise TypeError(f"loss must be a Value or a Tensor, got {type(loss).__name__}")
    layers = dense_layers(model)
    state = network_state(model, x, previous=previous, points=points, labels=labels, exact=False)
    drill: dict[str, Any] = {}
    shell: dict[str, list[str]] = {}
    if x is not None:
        xs = sample(x, layers[0].W.shape[1])
        drill = drill_scenes(layers, xs, lang, glossary)
        shell = shells(layers, xs, glossary) if drill else {}
    extra = {
        "arch": architecture(state),
        "model": type(model).__name__,
        "explain": explanations(layers, loss, glossary) if loss is not None else None,
        "drill_max": DRILL_MAX_INPUTS,
    }
    html = Template(_static("network.html")).substitute(
        lang=lang,
        css=_static("network.css"),
        state=script_json(state),
        extra=script_json(extra),
        words=script_json(net_words(glossary)),
        drill=script_json(drill),
        shell=script_json(shell),
        js=_static("network.js") + _static("network_ui.js"),
    )
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    return html


def network_script(glossary: str | None = None) -> dict[str, Any]:
    """What another page needs to draw a ``network_state``: the script, its style, its words.

    The script defines ``window.mgkNetwork.draw(element, state, words, options)`` (options:
    ``lang``, ``mode`` = 'w', 'grad', 'update' or 'act'), which returns ``{redraw}``: call
    ``redraw({state: next_state})`` once per training step, ``redraw({mode: 'grad'})`` to switch.
    """
    return {
        "js": _static("network.js"),
        "css": _static("network.css"),
        "words": net_words(glossary),
    }


__all__ = ["net_words", "network", "network_script", "network_state"]
