"""microgradkr: a small autograd library that makes backpropagation visible."""

from __future__ import annotations

from . import nn
from .engine import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Op, Value, add_n, affine, apply
from .graph import topological_order
from .numeric import (
    GradcheckError,
    gradcheck,
    gradient_descent,
    numerical_diff,
    numerical_gradient,
)
from .trace import Edge, Step, backward_steps, format_trace, gradients_after
from .viz import Diagram, GraphvizNotFoundError, draw, draw_steps, save, steps_html, write_steps

__version__ = "0.1.0"

__all__ = [
    "CHAIN",
    "DISTRIBUTOR",
    "Diagram",
    "ROUTER",
    "SWITCHER",
    "Edge",
    "GradcheckError",
    "GraphvizNotFoundError",
    "Op",
    "Step",
    "Value",
    "add_n",
    "affine",
    "apply",
    "backward_steps",
    "draw",
    "draw_steps",
    "format_trace",
    "gradcheck",
    "gradient_descent",
    "gradients_after",
    "nn",
    "numerical_diff",
    "numerical_gradient",
    "save",
    "steps_html",
    "topological_order",
    "write_steps",
]
