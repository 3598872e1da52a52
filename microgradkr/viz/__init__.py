"""Pictures of backpropagation: one scene of the graph, drawn as DOT, as a page, in notebooks.

``scene`` describes a picture once, from the engine's data; ``dot`` (with ``picture``,
``labels``, ``state``, ``render``, ``steps``) draws it with Graphviz (``draw``, ``draw_steps``,
``save``, the step pages), ``page`` as the interactive offline page (``explore``), ``notebook``
in Jupyter (``watch``); ``explain`` writes a value's gradient as the chain-rule sum.
"""

from __future__ import annotations

from .. import graph
from .dot import draw, draw_steps, mimebundle
from .explain import Explanation, explain
from .network import network, network_script, network_state
from .notebook import bundle, diagram_bundle, watch
from .page import explore
from .picture import layout_size
from .render import (
    INSTALL_HINT,
    Diagram,
    DiagramTooLargeError,
    GraphvizNotFoundError,
    KoreanFontMissingError,
    packaged_korean_font,
    save,
)
from .scene import Scene, build_scene
from .steps import STEP_FILES_BUDGET, steps_html, write_steps
from .style import (
    DEFAULT_MAX_LAYOUT,
    DEFAULT_MAX_NODES,
    FAR_EDGE,
    FONTS,
    LONG_EDGE,
    MAX_LABEL,
    PATTERN_COLOURS,
    PATTERNS,
    SMALL,
)
from .words import words

if bundle not in graph.DISPLAY:
    graph.DISPLAY.append(bundle)  # Jupyter shows a Value or Tensor as the interactive page
Diagram.display = diagram_bundle  # and draw(...) as the page of what it drew

__all__ = [
    "DEFAULT_MAX_LAYOUT",
    "DEFAULT_MAX_NODES",
    "FAR_EDGE",
    "FONTS",
    "INSTALL_HINT",
    "LONG_EDGE",
    "MAX_LABEL",
    "PATTERNS",
    "PATTERN_COLOURS",
    "SMALL",
    "STEP_FILES_BUDGET",
    "Diagram",
    "DiagramTooLargeError",
    "Explanation",
    "GraphvizNotFoundError",
    "KoreanFontMissingError",
    "Scene",
    "build_scene",
    "draw",
    "draw_steps",
    "explain",
    "explore",
    "layout_size",
    "mimebundle",
    "network",
    "network_script",
    "network_state",
    "packaged_korean_font",
    "save",
    "steps_html",
    "watch",
    "words",
    "write_steps",
]
