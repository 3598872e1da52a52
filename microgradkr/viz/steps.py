"""The step pages: the graph laid out once, restyled per backward step, a slider."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import checks_args
from ..engine import Value
from ..i18n import Words
from ..i18n import text as message
from ..tensor import Tensor
from .dot import draw, order_within
from .fmt import pattern_text
from .labels import global_line, grad_line
from .page import script_json
from .scene import build_scene
from .state import LAYOUT, Layout, Slots, State, scene_state
from .style import ACTIVE_FILL, DEFAULT_MAX_NODES, GLOBAL_COLOUR, UNKNOWN_COLOUR
from .words import words


def _slots(order: list[Value], state: State, t: Words) -> Slots:
    """What changes from frame to frame: each grad, each edge's global gradient, the title
    (text, colour), and which nodes and edges are lit or not known yet (class)."""
    texts: dict[str, tuple[str, str]] = {"title": (state.title, "")}
    classes: dict[str, str] = {}
    for i, node in enumerate(order):
        texts[f"v{i}"] = grad_line(state.grads.get(node), node in state.partial, t)
        lit = "lit" if node is state.active_node else ""
        classes[f"v{i}"] = lit
        if node.op is None:
            continue
        classes[f"g{i}"] = lit
        for j in range(len(node._prev)):
            texts[f"e{i}_{j}"] = global_line(state.edge(node, j), bool(lit), t)
            classes[f"e{i}_{j}"] = lit or ("" if node in state.done else "unknown")
    return texts, classes


Frames = tuple[str, list[dict[str, Any]], Words, str]


def _step_frames(root: Value, options: dict[str, Any]) -> Frames:
    """One SVG laid out once, per frame only what changes in it (texts, colours, classes), and
    the page's words (one document: the heading first, then the captions, then the SVG).

    Frame 0 lists every slot; frame k only the slots step k changed, as the scene's step k
    records them (its edges, the gradients it makes known). Linear in the graph and its steps.
    """
    if isinstance(root, Tensor):
        raise ValueError("step frames are for Value graphs; draw a Tensor graph with draw(root)")
    if not isinstance(root, Value):
        raise TypeError(f"step frames need root to be a Value, got {type(root).__name__}")
    t = words(options.get("lang"), options.get("glossary"))
    lang = t.lang
    heading = message("steps.heading", lang, t.glossary, t.seen)
    p = options.get("precision", 4)
    order = order_within(root, options.get("max_nodes", DEFAULT_MAX_NODES))
    scene = build_scene(
        root,
        lang=lang,
        glossary=t.glossary,
        seen=t.seen,
        precision=p,
        step=0,
        explain=False,
        order=order,
    )
    texts, classes = _slots(order, scene_state(scene, order, root, t), t)
    frames: list[dict[str, Any]] = [
        {"t": [[key, *v] for key, v in texts.items()], "c": [list(c) for c in classes.items()]}
    ]
    longest = dict(texts)
    last = build_scene(
        root, lang=lang, glossary=t.glossary, precision=p, step=-1, explain=False, order=order
    )
    edges = {e.id: e for e in last.edges}  # each edge as the step that sends it fills it
    for k, step in enumerate(scene.steps, start=1):  # only what step k changes: linear in all
        changed: dict[str, tuple[str, str]] = {}
        lit: dict[str, str] = {}
        if k > 1:  # the gate before goes back to plain, its edges to 'known'
            before = scene.steps[k - 2]
            b = before.node
            lit[f"v{b}"] = lit[f"g{b}"] = ""
            for eid in before.edges:
                key = f"e{b}_{edges[eid].index}"
                lit[key] = ""
                changed[key] = global_line(edges[eid], False, t)
        i = step.node
        lit[f"v{i}"] = lit[f"g{i}"] = "lit"
        for eid in step.edges:
            key = f"e{i}_{edges[eid].index}"
            lit[key] = "lit"
            changed[key] = global_line(edges[eid], True, t)
        for nid, grad, partial in step.grads:
            changed[f"v{nid}"] = grad_line(grad, partial, t)
        pattern = pattern_text(step.pattern, t)  # first: it comes first in the title's words
        title = t["title_step"].format(
            k=k, n=len(scene.steps), gate=step.symbol, pattern=pattern, up=step.upstream
        )
        changed["title"] = (title, "")
        for key, value in changed.items():
            if len(value[0]) > len(longest.get(key, ("", ""))[0]):
                longest[key] = value
        frames.append(
            {"t": [[key, *v] for key, v in changed.items()], "c": list(map(list, lit.items()))}
        )
    still = scene_state(last, order, root, t)
    still.active, still.active_node, still.partial = None, None, set()
    token = LAYOUT.set(Layout(still, longest, t.seen))
    try:
        diagram = draw(root, **options)
    finally:
        LAYOUT.reset(token)
    return diagram.pipe(format="svg", encoding="utf-8"), frames, t, heading


_STYLE = f"""
g.node.lit polygon[fill="white"] {{ fill: {ACTIVE_FILL}; }}
g.node.lit polygon[fill="none"] {{ stroke: {GLOBAL_COLOUR}; stroke-width: 2; }}
g.node.lit ellipse {{ stroke: {GLOBAL_COLOUR}; stroke-width: 3; }}
g.edge.lit path {{ stroke: {GLOBAL_COLOUR}; stroke-width: 2; }}
g.edge.lit polygon {{ stroke: {GLOBAL_COLOUR}; fill: {GLOBAL_COLOUR}; }}
g.edge.unknown path {{ stroke: {UNKNOWN_COLOUR}; stroke-dasharray: 5,2; }}
g.edge.unknown polygon {{ stroke: {UNKNOWN_COLOUR}; fill: {UNKNOWN_COLOUR}; }}
"""

_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|\s+xmlns(:xlink)?=\"[^\"]*\"", re.DOTALL)


def _inline_svg(svg: str) -> str:
    """An SVG for inlining in HTML: no XML prolog, DTD or namespace URLs (HTML needs none)."""
    return _PROLOG.sub("", svg).strip()


def steps_html(root: Value, **options: Any) -> str:
    """One self-contained HTML page: the graph laid out once, a slider restyles it step by step.

    Its size grows with the graph, not with graph x steps: the frames are the JSON of what each
    step changes. No network at all. ``options`` are ``draw``'s (``lang``, ``glossary``, ...).
    """
    return _page(*_step_frames(root, options))


def _page(svg: str, frames: list[dict[str, Any]], t: Words, heading: str) -> str:
    # Each step's title as text too (screen readers, find in page), the current one shown.
    titles = [dict((key, text) for key, text, _ in f["t"]).get("title", "") for f in frames]
    captions = "\n".join(
        f'<p class="frame"{"" if k == 0 else " hidden"}>{html.escape(title)}</p>'
        for k, title in enumerate(titles)
    )
    fields = {
        "lang": t.lang,
        "heading": html.escape(heading),
        "label": html.escape(message("steps.step", t.lang, t.glossary)),
        "last": str(len(frames) - 1),
        "style": _STYLE,
        "captions": captions,
        "svg": _inline_svg(svg),
        "frames": script_json(frames),
    }
    # one pass over the template: what a field brings in (a label) is never read as a field
    return _FIELD.sub(lambda m: fields[m.group(1)], _HTML)


_FIELD = re.compile(r"\{(lang|heading|label|last|style|captions|svg|frames)\}")
_HTML = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{heading}</title>
<style>
body { font-family: sans-serif; margin: 1em; }
#picture { overflow: auto; }
#picture svg { max-width: 100%; height: auto; }
#picture.wide svg { max-width: none; }
#controls { display: flex; gap: 0.6em; align-items: center; margin-bottom: 0.5em; }
input[type=range] { width: 24em; }
#captions { margin: 0 0 0.5em 0; }
{style}
</style>
</head>
<body>
<h1>{heading}</h1>
<div id="controls">
<button id="prev" type="button">&#9664;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1">
<button id="next" type="button">&#9654;</button>
<span>{label} <output id="number">0</output> / {last}</span>
</div>
<div id="captions" aria-live="polite">
{captions}
</div>
<div id="picture">{svg}</div>
<script type="application/json" id="frames">{frames}</script>
<script>
(function () {
  var frames = JSON.parse(document.getElementById("frames").textContent);
  var slider = document.getElementById("slider");
  var number = document.getElementById("number");
  var titles = document.querySelectorAll("#picture svg > g > text");
  var title = titles[titles.length - 1];
  var picture = document.getElementById("picture");
  var svg = picture.querySelector("svg");
  // Shrunk to under 60% the text is unreadable: scroll instead, the active gate kept in view.
  var wide = svg.width.baseVal.value > 1.6 * picture.clientWidth;
  picture.classList.toggle("wide", wide);
  // A value's grad is its last line; an edge's global gradient its second (after 'local').
  function line(id) {
    if (id === "title") return title;
    var g = document.getElementById(id);
    if (!g) return null;
    var texts = g.getElementsByTagName("text");
    if (!texts.length) return null;
    return id.charAt(0) === "e" ? texts[Math.min(1, texts.length - 1)] : texts[texts.length - 1];
  }
  function apply(frame) {
    frame.t.forEach(function (s) {
      var el = line(s[0]);
      if (!el) return;
      el.textContent = s[1];
      if (s[2]) el.setAttribute("fill", s[2]);
    });
    frame.c.forEach(function (s) {
      var g = document.getElementById(s[0]);
      if (!g) return;
      g.classList.remove("lit", "unknown");
      if (s[1]) g.classList.add(s[1]);
    });
  }
  function show(k) {
    k = Math.max(0, Math.min({last}, k));
    slider.value = k;
    number.textContent = k;
    for (var i = 0; i <= k; i++) apply(frames[i]);  // frame 0 sets every slot
    document.querySelectorAll("#captions .frame").forEach(function (f, i) { f.hidden = i !== k; });
    var lit = wide && picture.querySelector("g.node.lit");
    if (lit) lit.scrollIntoView({ block: "nearest", inline: "center" });
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  document.getElementById("prev").onclick = function () { show(Number(slider.value) - 1); };
  document.getElementById("next").onclick = function () { show(Number(slider.value) + 1); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") show(Number(slider.value) - 1);
    if (e.key === "ArrowRight") show(Number(slider.value) + 1);
  });
  show(0);
})();
</script>
</body>
</html>
"""

STEP_FILES_BUDGET = 4_000_000
"""write_steps writes one SVG per step only while they all fit in this many bytes."""


def _frame_svgs(svg: str, frames: list[dict[str, Any]], every: bool = True) -> Iterator[str]:
    """Each frame (or only the last) as a standalone SVG: the one layout, restyled."""
    svg_ns = "http://www.w3.org/2000/svg"
    ET.register_namespace("", svg_ns)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.fromstring(svg)
    style = ET.SubElement(tree, f"{{{svg_ns}}}style")
    style.text = _STYLE
    by_id = {el.get("id"): el for el in tree.iter() if el.get("id")}
    graph = tree.find(f"{{{svg_ns}}}g")
    titles = [] if graph is None else graph.findall(f"{{{svg_ns}}}text")

    def line(key: str) -> ET.Element | None:
        if key == "title":
            return titles[-1] if titles else None
        g = by_id.get(key)
        texts = [] if g is None else list(g.iter(f"{{{svg_ns}}}text"))
        if not texts:
            return None
        return texts[min(1, len(texts) - 1)] if key.startswith("e") else texts[-1]

    for k, frame in enumerate(frames):
        for key, text, colour in frame["t"]:
            el = line(key)
            if el is not None:
                el.text = text
                if colour:
                    el.set("fill", colour)
        for key, cls in frame["c"]:
            g = by_id.get(key)
            if g is not None:
                kind = (g.get("class") or "").split()[0:1]
                g.set("class", " ".join(kind + ([cls] if cls else [])))
        if every or k == len(frames) - 1:
            yield ET.tostring(tree, encoding="unicode")


def write_steps(root: Value, directory: str | Path, stem: str = "steps", **options: Any) -> Path:
    """Write ``stem.html`` (the graph laid out once, a slider through the steps) and the frames.

    The frames are ``stem_00.svg`` ... (one per step) while they fit in ``STEP_FILES_BUDGET``
    bytes together; for a bigger graph only ``stem.svg``, the picture after the last step.
    """
    directory = checks_args.path("write_steps", "directory", directory)
    if not isinstance(stem, str) or not stem:
        raise TypeError(f"write_steps: stem must be a non-empty str, got {stem!r:.60}")
    directory.mkdir(parents=True, exist_ok=True)
    svg, frames, t, heading = _step_frames(root, options)
    if len(svg) * len(frames) <= STEP_FILES_BUDGET:
        for k, frame in enumerate(_frame_svgs(svg, frames)):
            (directory / f"{stem}_{k:02d}.svg").write_text(frame, encoding="utf-8")
    else:
        (last,) = _frame_svgs(svg, frames, every=False)
        (directory / f"{stem}.svg").write_text(last, encoding="utf-8")
    page = directory / f"{stem}.html"
    page.write_text(_page(svg, frames, t, heading), encoding="utf-8")
    return page
