"""The built-in Tensor ops of the registry: where each one's gradient can be checked
numerically, how the ops with a domain draw their cases, and the table that registers them
(``BUILTIN_TENSOR_OPS``, in registration order)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .tensor import SCATTER, Tensor, maximum
from .tensor import apply as apply_tensor
from .tensor_ops_fused import AFFINE, batch_norm_train
from .tensor_ops_torch import LEAKY_RELU
from .tensor_torch import minimum
from .testing_registry import TENSOR_REGISTRY, Entry, broadcasting, import_hypothesis, register
from .testing_tensor_args import (
    CLAMP_BOUNDS,
    affine_args,
    affine_shapes,
    axes_args,
    batch_norm_args,
    batch_norm_shapes,
    broadcast_to_args,
    cast_args,
    clamp_args,
    index_args,
    labels_args,
    logits_shapes,
    matmul_args,
    matmul_shapes,
    pow_args,
    reshape_args,
    scatter_args,
    slope_args,
    sum_to_args,
    transpose_args,
    where_args,
)
from .testing_tensors import broadcast_shapes, cases_for, tensors

# Where each built-in Tensor op's gradient can be checked numerically.


def _far(x: np.ndarray, margin: float) -> bool:
    return bool(np.all(np.abs(x) > margin))


def _pow_safe(x: np.ndarray, k: float) -> bool:
    if k < 0:
        return _far(x, 0.1)
    return bool(k == int(k) or np.all(x > 0.1))


def _no_max_ties(x: np.ndarray, axis: Any, keep: bool, margin: float = 1e-3) -> bool:
    """Exactly one element within ``margin`` of each maximum."""
    near = x > x.max(axis=axis, keepdims=True) - margin
    return bool(np.all(near.sum(axis=axis) == 1))


# How the ops with a domain draw their cases.


def _pow_domain(i: int, args: tuple[Any, ...]) -> dict[str, Any]:
    (k,) = args
    if k < 0:
        return {"avoid": [0.0], "margin": 0.1}
    return {} if k == int(k) else {"min_value": 0.1}


def _maximum_cases(entry: Entry) -> Any:
    """Pairs with no element of a equal (within 1e-3) to any of b: one distinct array, split."""
    st = import_hypothesis().strategies

    @st.composite  # type: ignore[untyped-decorator]
    def draw_case(draw: Any) -> tuple[list[Tensor], tuple[Any, ...]]:
        sa, sb = draw(broadcast_shapes())
        na = math.prod(sa)
        both = draw(tensors((na + math.prod(sb),), -2.0, 2.0, distinct=True)).data
        return [Tensor(both[:na].reshape(sa)), Tensor(both[na:].reshape(sb))], ()

    return draw_case()


def _clamp_safe(x: np.ndarray, lo: float | None, hi: float | None) -> bool:
    """Away from both bounds: clamp's gradient jumps there."""
    return all(b is None or _far(x - b, 1e-3) for b in (lo, hi))


def _clamp_cases(entry: Entry) -> Any:
    """Elements away from every bound of CLAMP_BOUNDS."""
    bounds = sorted({b for pair in CLAMP_BOUNDS for b in pair if b is not None})
    return cases_for(domain=lambda i, a: {"avoid": bounds})(entry)


def _scatter(g: Tensor, shape: tuple[int, ...], index: Any) -> Tensor:
    return apply_tensor(SCATTER, g, args=(shape, index))


def _batch_norm_safe(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> bool:
    """Each feature spread over the batch: near var = 0, x-hat jumps."""
    return bool(np.all(x.std(axis=0) > 0.1))


def _softmax_ce(x: Tensor, labels: np.ndarray) -> Tensor:
    from .functional import cross_entropy  # functional builds on this module's neighbours

    out: Tensor = cross_entropy(x, labels)
    return out


_TENSOR_BUILTINS: list[tuple[Any, ...]] = [
    # name, arity, build(*inputs, *args), safe(*data, *args), args(*shapes), cases
    ("add", 2, lambda a, b: a + b, None, broadcasting, None),
    ("sub", 2, lambda a, b: a - b, None, broadcasting, None),
    ("mul", 2, lambda a, b: a * b, None, broadcasting, None),
    (
        "div",
        2,
        lambda a, b: a / b,
        lambda a, b: _far(b, 0.1),
        broadcasting,
        cases_for(domain=lambda i, a: {"avoid": [0.0], "margin": 0.1} if i else {}),
    ),
    ("neg", 1, lambda a: -a, None, broadcasting, None),
    ("pow", 1, lambda a, k: a**k, _pow_safe, pow_args, cases_for(domain=_pow_domain)),
    ("exp", 1, lambda a: a.exp(), None, broadcasting, None),
    (
        "log",
        1,
        lambda a: a.log(),
        lambda a: bool(np.all(a > 0.1)),
        broadcasting,
        cases_for(domain=lambda i, a: {"min_value": 0.1}),
    ),
    ("tanh", 1, lambda a: a.tanh(), None, broadcasting, None),
    ("sigmoid", 1, lambda a: a.sigmoid(), None, broadcasting, None),
    (
        "relu",
        1,
        lambda a: a.relu(),
        lambda a: _far(a, 1e-3),
        broadcasting,
        cases_for(domain=lambda i, a: {"avoid": [0.0]}),
    ),
    (
        "maximum",
        2,
        maximum,
        lambda a, b: _far(a - b, 1e-3),
        broadcasting,
        _maximum_cases,
    ),
    ("sum", 1, lambda x, axis, keep: x.sum(axis, keep), None, axes_args, None),
    ("mean", 1, lambda x, axis, keep: x.mean(axis, keep), None, axes_args, None),
    (
        "max",
        1,
        lambda x, axis, keep: x.max(axis, keep),
        _no_max_ties,
        axes_args,
        cases_for(domain=lambda i, a: {"distinct": True}),
    ),
    ("matmul", 2, lambda a, b: a @ b, None, matmul_args, cases_for(shapes_of=matmul_shapes)),
    ("reshape", 1, lambda x, shape: x.reshape(shape), None, reshape_args, None),
    ("transpose", 1, lambda x, perm: x.permute(perm), None, transpose_args, None),
    ("getitem", 1, lambda x, index: x[index], None, index_args, None),
    ("scatter_add", 1, _scatter, None, scatter_args, None),
    ("cast", 1, lambda x, dtype: x.to(dtype), None, cast_args, None),
    # the PyTorch-shaped ops of tensor_ops_torch.py
    (
        "abs",
        1,
        lambda a: a.abs(),
        lambda a: _far(a, 1e-3),
        broadcasting,
        cases_for(domain=lambda i, a: {"avoid": [0.0]}),
    ),
    (
        "sqrt",
        1,
        lambda a: a.sqrt(),
        lambda a: bool(np.all(a > 0.1)),
        broadcasting,
        cases_for(domain=lambda i, a: {"min_value": 0.1}),
    ),
    ("sin", 1, lambda a: a.sin(), None, broadcasting, None),
    ("cos", 1, lambda a: a.cos(), None, broadcasting, None),
    ("clamp", 1, lambda x, lo, hi: x.clamp(lo, hi), _clamp_safe, clamp_args, _clamp_cases),
    ("where", 2, lambda a, b, cond: a.where(cond, b), None, where_args, None),
    ("minimum", 2, minimum, lambda a, b: _far(a - b, 1e-3), broadcasting, _maximum_cases),
    (
        "min",
        1,
        lambda x, axis, keep: x.min(axis, keep),
        lambda x, axis, keep: _no_max_ties(-x, axis, keep),
        axes_args,
        cases_for(domain=lambda i, a: {"distinct": True}),
    ),
    (
        "leaky_relu",
        1,
        lambda x, slope: apply_tensor(LEAKY_RELU, x, args=(slope,)),
        lambda x, slope: _far(x, 1e-3),
        slope_args,
        cases_for(domain=lambda i, a: {"avoid": [0.0]}),
    ),
    ("clone", 1, lambda a: a.clone(), None, broadcasting, None),
    ("broadcast_to", 1, lambda x, shape: x.broadcast_to(shape), None, broadcast_to_args, None),
    ("sum_to", 1, lambda x, shape: x.sum_to(shape), None, sum_to_args, None),
    (
        "pow_tensor",
        2,
        lambda a, b: a**b,
        lambda a, b: bool(np.all(a > 0.1)),
        broadcasting,
        cases_for(domain=lambda i, a: {"min_value": 0.1} if i == 0 else {}),
    ),
    # the fused ops: one node each, closed-form VJPs (tensor_ops_fused.py, functional.py)
    (
        "affine",
        3,
        lambda x, W, b: apply_tensor(AFFINE, x, W, b),
        None,
        affine_args,
        cases_for(shapes_of=affine_shapes),
    ),
    (
        "batch_norm",
        3,
        lambda x, gamma, beta, eps: batch_norm_train(x, gamma, beta, eps)[0],
        _batch_norm_safe,
        batch_norm_args,
        cases_for(shapes_of=batch_norm_shapes),
    ),
    (
        "softmax_cross_entropy",
        1,
        _softmax_ce,
        None,
        labels_args,
        cases_for(shapes_of=logits_shapes),
    ),
]
for _t in _TENSOR_BUILTINS:
    register(_t[0], _t[2], _t[1], _t[3], tensor=True, args=_t[4], cases=_t[5])

BUILTIN_TENSOR_OPS = tuple(TENSOR_REGISTRY)
