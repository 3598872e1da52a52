"""Pictures of backpropagation: one scene of the graph, drawn as DOT, as a page, in notebooks.

``scene`` describes a picture once (from the engine's data); ``dot`` draws it with Graphviz
(``draw``, ``draw_steps``, ``save``), ``page`` as the interactive offline page (``explore``);
``explain`` writes a value's gradient as the chain-rule sum over its uses and paths.
"""

from __future__ import annotations

from .. import graph
from .dot import (
    DEFAULT_MAX_NODES,
    FONTS,
    INSTALL_HINT,
    PATTERN_COLOURS,
    PATTERNS,
    SMALL,
    TEXT,
    Diagram,
    GraphvizNotFoundError,
    draw,
    draw_steps,
    mimebundle,
    save,
    steps_html,
    write_steps,
)
from .explain import Explanation, explain
from .notebook import bundle, watch
from .page import explore
from .scene import Scene, build_scene

if bundle not in graph.DISPLAY:
    graph.DISPLAY.append(bundle)  # Jupyter shows a Value or Tensor as the interactive page

__all__ = [
    "DEFAULT_MAX_NODES",
    "FONTS",
    "INSTALL_HINT",
    "PATTERNS",
    "PATTERN_COLOURS",
    "SMALL",
    "TEXT",
    "Diagram",
    "Explanation",
    "Scene",
    "GraphvizNotFoundError",
    "build_scene",
    "draw",
    "draw_steps",
    "explain",
    "explore",
    "mimebundle",
    "watch",
    "save",
    "steps_html",
    "write_steps",
]
