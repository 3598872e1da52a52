"""microgradkr: a small autograd library that makes backpropagation visible."""

from __future__ import annotations

from . import nn
from .anomaly import detect_anomaly
from .engine import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Op, Value, add_n, affine, apply
from .graph import grad, topological_order
from .numeric import (
    GradcheckError,
    gradcheck,
    gradgradcheck,
    gradient_descent,
    hessian,
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
    "detect_anomaly",
    "format_trace",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradient_descent",
    "gradients_after",
    "hessian",
    "nn",
    "numerical_diff",
    "numerical_gradient",
    "topological_order",
]
