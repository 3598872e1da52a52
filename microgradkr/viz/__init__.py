"""Pictures of backpropagation: one scene of the graph, drawn as DOT, as a page, in notebooks.

``scene`` describes a picture once (from the engine's data); ``dot`` draws it with Graphviz
(``draw``, ``draw_steps``, ``save``), ``page`` as the interactive offline page (``explore``);
``explain`` writes a value's gradient as the chain-rule sum over its uses and paths.
"""

from __future__ import annotations

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
from .page import explore
from .scene import Scene, build_scene

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
    "save",
    "steps_html",
    "write_steps",
]
