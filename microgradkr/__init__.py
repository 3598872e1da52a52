"""microgradkr: a small autograd library that makes backpropagation visible."""

from __future__ import annotations

from . import nn, optim
from .engine import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Op, Value, add_n, affine, apply
from .graph import topological_order
from .io import load, save
from .numeric import (
    GradcheckError,
    gradcheck,
    gradient_descent,
    numerical_diff,
    numerical_gradient,
)
from .trace import Edge, Step, backward_steps, format_trace, gradients_after

__version__ = "0.1.0"

__all__ = [
    "CHAIN",
    "DISTRIBUTOR",
    "ROUTER",
    "SWITCHER",
    "Edge",
    "GradcheckError",
    "Op",
    "Step",
    "Value",
    "add_n",
    "affine",
    "apply",
    "backward_steps",
    "format_trace",
    "gradcheck",
    "gradient_descent",
    "gradients_after",
    "load",
    "nn",
    "numerical_diff",
    "numerical_gradient",
    "optim",
    "save",
    "topological_order",
]
