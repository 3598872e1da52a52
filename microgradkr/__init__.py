"""microgradkr: a small autograd library that makes backpropagation visible."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import graphviz

from . import functional, nn, optim, transforms, viz
from .anomaly import detect_anomaly
from .compat import draw_dot
from .creation import (
    arange,
    cat,
    eye,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    int64,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    stack,
    zeros,
    zeros_like,
)
from .engine import Value, add_n, affine, apply
from .function import Function, NotDifferentiableError
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .graph import grad, topological_order
from .i18n import language, set_language
from .io import LoadError, load, load_model, save_model
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
from .ops import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER, Op
from .seeding import initial_seed, manual_seed
from .tensor import Tensor, TensorOp, exp, log, maximum, sum_to
from .tensor_torch import clamp, cos, minimum, sin, sqrt, where
from .trace import Edge, Step, backward_steps, format_trace, gradients_after
from .transforms import hvp, vhp
from .version import __version__ as __version__  # explicit: re-exported under mypy strict
from .viz import (
    Diagram,
    GraphvizNotFoundError,
    draw,
    draw_steps,
    explain,
    explore,
    network,
    steps_html,
    watch,
    write_steps,
)


def save(obj: Any, path: str | Path) -> Path:
    """Deprecated: ``save_model(model, path)``; a picture: ``microgradkr.viz.save(diagram, path)``.

    Here, not in io.py, because a picture needs viz, which no module below the package imports.
    """
    if isinstance(obj, graphviz.Digraph):  # what draw() returns: saved as viz.save does
        warnings.warn(
            "microgradkr.save is deprecated: save a picture with microgradkr.viz.save(diagram, "
            "path) (a model: microgradkr.save_model(model, path))",
            DeprecationWarning,
            stacklevel=2,
        )
        return viz.save(obj, path)
    warnings.warn(
        "microgradkr.save is deprecated: use microgradkr.save_model(model, path)",
        DeprecationWarning,
        stacklevel=2,
    )
    return save_model(obj, path)


__all__ = [
    "language",
    "set_language",
    "add_n",
    "affine",
    "apply",
    "arange",
    "backward_steps",
    "cat",
    "CHAIN",
    "clamp",
    "cos",
    "detect_anomaly",
    "Diagram",
    "DISTRIBUTOR",
    "draw",
    "draw_dot",
    "draw_steps",
    "Edge",
    "enable_grad",
    "exp",
    "explain",
    "explore",
    "network",
    "eye",
    "float32",
    "float64",
    "format_trace",
    "from_numpy",
    "full",
    "full_like",
    "Function",
    "functional",
    "grad",
    "gradcheck",
    "GradcheckError",
    "gradgradcheck",
    "gradient_descent",
    "gradients_after",
    "GraphvizNotFoundError",
    "hessian",
    "hvp",
    "initial_seed",
    "int64",
    "is_grad_enabled",
    "jacobian",
    "linspace",
    "load",
    "load_model",
    "LoadError",
    "log",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "NotDifferentiableError",
    "numerical_diff",
    "numerical_gradient",
    "ones",
    "ones_like",
    "Op",
    "optim",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "ROUTER",
    "save",
    "save_model",
    "set_grad_enabled",
    "sin",
    "sqrt",
    "stack",
    "Step",
    "steps_html",
    "sum_to",
    "SWITCHER",
    "tensor",
    "Tensor",
    "TensorOp",
    "topological_order",
    "transforms",
    "Value",
    "vhp",
    "vjp",
    "watch",
    "where",
    "write_steps",
    "zeros",
    "zeros_like",
]
