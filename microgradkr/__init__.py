"""microgradkr: a small autograd library that makes backpropagation visible."""

from __future__ import annotations

from . import functional, nn, optim
from .anomaly import detect_anomaly
from .engine import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Op, Value, add_n, affine, apply
from .graph import grad, topological_order
from .io import LoadError, load, save
from .numeric import (
    GradcheckError,
    gradcheck,
    gradgradcheck,
    gradient_descent,
    hessian,
    jacobian,
    numerical_diff,
    numerical_gradient,
    vjp,
)
from .tensor import Tensor, TensorOp, maximum, sum_to
from .trace import Edge, Step, backward_steps, format_trace, gradients_after
from .viz import Diagram, GraphvizNotFoundError, draw, draw_steps, steps_html, write_steps

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
    "LoadError",
    "Op",
    "Step",
    "Tensor",
    "TensorOp",
    "Value",
    "add_n",
    "affine",
    "apply",
    "backward_steps",
    "detect_anomaly",
    "draw",
    "draw_steps",
    "format_trace",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradient_descent",
    "gradients_after",
    "hessian",
    "jacobian",
    "load",
    "maximum",
    "nn",
    "numerical_diff",
    "numerical_gradient",
    "optim",
    "save",
    "steps_html",
    "sum_to",
    "topological_order",
    "vjp",
    "write_steps",
]
