"""Colours, patterns, fonts and size limits of the DOT pictures."""

from __future__ import annotations

from ..ops import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER

DEFAULT_MAX_NODES = 2000
"""Above this many values ``draw`` refuses: Graphviz takes minutes to lay out much more."""
LONG_EDGE = 4
"""An input used more ranks than this before its gate is drawn again (a copy) next to the gate.

Graphviz routes a long edge through every rank it crosses, and orders every rank to keep the
edges from crossing; a value used at 50 depths (``x * x * ... * x``) took it minutes. A value
used only twice keeps its two edges up to ``FAR_EDGE`` ranks: the picture of a fan-out, two
edges meeting in one node, is what teaches that gradients add up."""
FAR_EDGE = 16
DEFAULT_MAX_LAYOUT = 2000
"""Above this layout size (what Graphviz places: drawn nodes plus the ranks each edge crosses,
see ``layout_size``) ``draw`` refuses: a few seconds of ``dot`` on one core."""
MAX_LABEL = 120
"""A node's label or a title longer than this is cut with an ellipsis in the picture."""

PATTERNS = (DISTRIBUTOR, SWITCHER, ROUTER, CHAIN)
PATTERN_COLOURS = {
    DISTRIBUTOR: "#c8e6c9",  # green
    SWITCHER: "#ffe0b2",  # orange
    ROUTER: "#d1c4e9",  # purple
    CHAIN: "#cfe3f3",  # blue-grey
}
OTHER_COLOUR = "#eeeeee"  # an Op with a pattern of its own: neutral grey
COPY_COLOUR = "#777777"
LOCAL_COLOUR = "#1565c0"  # blue: known from the forward pass
GLOBAL_COLOUR = "#c62828"  # red: what the backward pass sends
UNKNOWN_COLOUR = "#8a8a8a"
ACTIVE_FILL = "#fff3e0"
CHECK_COLOUR = "#d81b60"  # magenta: an edge whose gradient fails the numerical check
BACKWARD_COLOUR = "#00796b"  # teal: nodes built by backward(create_graph=True)
BACKWARD_FILL = "#e0f2f1"
BACKWARD_AREA = "#f4fbfa"
SMALL = 16
"""Tensors of at most this many elements show their numbers; larger ones their shape and norm."""
FONTS = {
    "en": "Helvetica,Arial,sans-serif",
    "ko": "DejaVu Sans,NanumGothic,Noto Sans CJK KR,sans-serif",
}
