"""Pictures of backpropagation: one scene of the graph, drawn as DOT, as a page, in notebooks.

``dot`` is the Graphviz renderer (``draw``, ``draw_steps``, ``save``, the step pages).
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

__all__ = [
    "DEFAULT_MAX_NODES",
    "FONTS",
    "INSTALL_HINT",
    "PATTERNS",
    "PATTERN_COLOURS",
    "SMALL",
    "TEXT",
    "Diagram",
    "GraphvizNotFoundError",
    "draw",
    "draw_steps",
    "mimebundle",
    "save",
    "steps_html",
    "write_steps",
]
