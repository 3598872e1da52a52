"""Property-based gradient checking with hypothesis: strategies, a checker, and an op registry.

    from microgradkr.testing import check_op
    check_op(MY_SIN)   # gradcheck at many generated points, alone and inside random expressions
    check_op(MY_AXPY)  # a TensorOp: on broadcasting shapes too, and inside random tensor graphs

Values: ``values``, ``expressions``, ``op_cases``. Tensors: ``shapes``, ``broadcast_shapes``,
``tensors``, ``tensor_expressions``, ``tensor_op_cases``. One ``Entry`` record and one
``register`` for both kinds of op, kept in ``REGISTRY`` and ``TENSOR_REGISTRY``.

hypothesis is imported when a strategy is first built, so ``import microgradkr`` never needs it.

This module is the public face; the code lives in ``testing_registry`` (Entry, register, the
registries), ``testing_values`` (Value strategies and ops), ``testing_tensors`` (Tensor
strategies), ``testing_tensor_args`` and ``testing_tensor_ops`` (the built-in Tensor ops),
``testing_conv`` (the convolution ops) and ``testing_checks`` (check_op and friends).
"""

from __future__ import annotations

# What this module's own imports exposed before it was split into the testing_* modules:
# kept, so that dir() and any `from microgradkr.testing import X` of them stay as they were.
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Value, add_n, affine, apply
from .numeric import gradcheck
from .ops import Op
from .tensor import SCATTER, Tensor, TensorOp, maximum
from .tensor import apply as apply_tensor
from .tensor_ops_fused import batch_norm_train
from .tensor_ops_torch import LEAKY_RELU
from .tensor_torch import minimum

# The API. Importing registers the built-in ops in a fixed order: Value ops (testing_values),
# Tensor ops (testing_tensor_ops), then the convolutions (testing_conv imports the Tensor ops).
from .testing_checks import check_gradients, check_op, gradient_test
from .testing_conv import CONV_TENSOR_OPS
from .testing_registry import LIMIT, REGISTRY, TENSOR_REGISTRY, Entry, register
from .testing_tensor_ops import BUILTIN_TENSOR_OPS
from .testing_tensors import (
    TensorExpression,
    broadcast_shapes,
    shapes,
    tensor_expressions,
    tensor_op_cases,
    tensors,
)
from .testing_values import BUILTIN_OPS, Expression, expressions, op_cases, values

__all__ = [
    # the API
    "BUILTIN_OPS",
    "BUILTIN_TENSOR_OPS",
    "CONV_TENSOR_OPS",
    "LIMIT",
    "REGISTRY",
    "TENSOR_REGISTRY",
    "Entry",
    "Expression",
    "TensorExpression",
    "broadcast_shapes",
    "check_gradients",
    "check_op",
    "expressions",
    "gradient_test",
    "op_cases",
    "register",
    "shapes",
    "tensor_expressions",
    "tensor_op_cases",
    "tensors",
    "values",
    # what came along with the old module's imports (see above)
    "annotations",
    "itertools",
    "math",
    "Callable",
    "Iterable",
    "Sequence",
    "dataclass",
    "Any",
    "np",
    "Value",
    "add_n",
    "affine",
    "apply",
    "gradcheck",
    "Op",
    "SCATTER",
    "Tensor",
    "TensorOp",
    "maximum",
    "apply_tensor",
    "batch_norm_train",
    "LEAKY_RELU",
    "minimum",
]
