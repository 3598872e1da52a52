"""Fused ops: a layer's whole forward as one node whose VJP is the closed form (DLfS ch.5-6),
not the chain of its elementwise steps: fewer nodes, fewer passes over the batch.

Each is one ``TensorOp`` record like the others (tensor_ops.py), so it draws, gradchecks and is
fuzzed against torch the same way. Its node keeps what its backward needs in ``args``; a rule
that gets Tensors (``backward(create_graph=True)``) rebuilds those from its inputs with Tensor
ops, so that the gradient's own graph can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import GraphNode
from .ops import CHAIN
from .tensor import MATMUL, Tensor, TensorOp, apply, record
from .tensor_input import FLOATS, op_inputs

Array = np.ndarray


# -- Affine: x W + b (DLfS's Affine layer) ------------------------------------------------------

_MATMUL_DX, _MATMUL_DW = MATMUL.vjps  # g Wᵀ and xᵀ g, numpy's rules for a 1-D x included


def _affine_forward(x: Array, W: Array, b: Array) -> Any:
    """out = x W + b for x (N, D) or (D,), W (D, M) and b (M,)."""
    if x.ndim not in (1, 2) or W.ndim != 2 or x.shape[-1] != W.shape[0] or b.shape != W.shape[1:]:
        raise ValueError("needs x (N, D) or (D,), W (D, M) and b (M,)")
    out = x @ W
    if b.dtype is out.dtype:
        out += b  # in place: x W is a fresh array, and a pass over it less
        return out
    return out + b  # a wider b widens the result (numpy's promotion)


def _affine_dx(g: Any, x: Any, W: Any, b: Any, out: Any) -> Any:
    """dx = g Wᵀ."""
    return g @ W.T if x.ndim == 2 == W.ndim else _MATMUL_DX(g, x, W, out)


def _affine_dW(g: Any, x: Any, W: Any, b: Any, out: Any) -> Any:
    """dW = xᵀ g."""
    return x.T @ g if x.ndim == 2 == W.ndim else _MATMUL_DW(g, x, W, out)


def _affine_db(g: Any, *rest: Any) -> Any:
    """db = g, summed over the batch by the backward driver (as every broadcast input's)."""
    return g


AFFINE = TensorOp(
    "affine",
    "affine",
    CHAIN,
    _affine_forward,
    (_affine_dx, _affine_dW, _affine_db),
    notes=("g {b}ᵀ", "{a}ᵀ g", "sum of g over the batch"),
    takes="i",  # torch: "addmm_impl_cpu_" not implemented for 'Bool'
)


def affine(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    """out = x W + b as one node (DLfS's Affine layer): dx = g Wᵀ, dW = xᵀ g, db = Σ_batch g."""
    xd, Wd, bd = x.data, W.data, b.data
    if xd.dtype == Wd.dtype == bd.dtype and xd.ndim in (1, 2) and bd.shape == Wd.shape[1:]:
        return apply(AFFINE, x, W, b)
    # other shapes (a b that broadcasts wider) and mixed dtypes (int64 x, float32 W): the two
    # ops, which broadcast and promote as torch does
    return x @ W + b


# -- BatchNorm ------------------------------------------------------------------------------------


def _in_graph(g: Any) -> bool:
    """True when the rule builds a gradient's graph: g (and the inputs) are Tensors."""
    return isinstance(g, GraphNode)


def _stats(x: Array, eps: float) -> tuple[Array, Array, Array, Array]:
    """mu, x - mu, the biased var and 1/sigma, sigma = sqrt(var + eps), over the batch (axis 0).

    Sums of float32 are taken in float64, as torch's: a float32 sum of equal values rounds, so
    their mean was off by an ulp and x-hat (and dgamma) came out non-zero for a constant column."""
    n = x.shape[0]
    wide = np.float64 if x.dtype == np.float32 else None
    mu = (np.add.reduce(x, axis=0, dtype=wide) / n).astype(x.dtype, copy=False)
    xc = x - mu
    var = (np.add.reduce(xc * xc, axis=0, dtype=wide) / n).astype(x.dtype, copy=False)
    return mu, xc, var, 1 / np.sqrt(var + eps)


def _xhat_graph(x: Any, eps: float) -> tuple[Any, Any]:
    """x-hat and 1/sigma with Tensor ops, as functions of x (in a gradient's own graph)."""
    xc = x - x.mean(axis=0)
    inv = ((xc * xc).mean(axis=0) + eps) ** -0.5
    return xc * inv, inv


def _saved(x: Array, eps: float, saved: tuple[Any, ...]) -> tuple[Array, Array]:
    """x - mu and 1/sigma: kept by the node, or computed again (a node made by ``apply``)."""
    if saved:
        return saved[0], saved[1]
    _, xc, _, inv = _stats(x, eps)
    return xc, inv


def _affine(x: Array, mu: Array, inv: Array, gamma: Array, beta: Array) -> Any:
    """gamma x-hat + beta as torch computes it: x alpha + (beta - mu alpha), alpha = gamma/sigma
    (so that overflow and NaN come out where torch's do)."""
    alpha = inv * gamma
    return x * alpha + (beta - mu * alpha)


def _batch_norm_forward(x: Array, gamma: Array, beta: Array, eps: float, *saved: Any) -> Any:
    """out = gamma (x - mu) / sigma + beta."""
    mu, _, _, inv = _stats(x, eps)
    return _affine(x, mu, inv, gamma, beta)


def _batch_norm_dx(g: Any, x: Any, gamma: Any, beta: Any, out: Any, eps: float, *saved: Any) -> Any:
    """dx = gamma/sigma (g - mean g - x-hat mean(g x-hat)): the mean's and the variance's
    paths of DLfS's backward, summed in closed form."""
    if _in_graph(g):
        xhat, inv = _xhat_graph(x, eps)
        return (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0)) * (inv * gamma)
    xc, inv = _saved(x, eps, saved)
    n = x.shape[0]
    k = np.add.reduce(xc * g, axis=0) * (inv * inv / n)
    return (g - np.add.reduce(g, axis=0) / n - xc * k) * inv * gamma  # torch's order: 0 * inf


def _batch_norm_dgamma(
    g: Any, x: Any, gamma: Any, beta: Any, out: Any, eps: float, *saved: Any
) -> Any:
    """dgamma = sum over the batch of g x-hat."""
    if _in_graph(g):
        return (g * _xhat_graph(x, eps)[0]).sum(axis=0)
    xc, inv = _saved(x, eps, saved)
    return np.add.reduce(xc * g, axis=0) * inv


def _batch_norm_dbeta(g: Any, *rest: Any) -> Any:
    """dbeta = sum over the batch of g."""
    return g.sum(axis=0) if _in_graph(g) else np.add.reduce(g, axis=0)


def _batch_norm_vjp(
    g: Array, x: Array, gamma: Array, beta: Array, out: Array, eps: float, *saved: Any
) -> tuple[Array, Array, Array]:
    """(dx, dgamma, dbeta) together: the three rules above share sum g and sum g (x - mu)."""
    xc, inv = _saved(x, eps, saved)
    n = x.shape[0]
    dbeta = np.add.reduce(g, axis=0)
    dotp = np.add.reduce(xc * g, axis=0)
    k = dotp * (inv * inv / n)
    dx = g - dbeta / n
    dx -= xc * k
    scale = inv * gamma
    if np.isfinite(scale).all():
        dx *= scale
    else:  # torch's order: an inf sigma^-1 times a 0 gamma is NaN there, as in _batch_norm_dx
        dx = dx * inv * gamma
    return dx, dotp * inv, dbeta


BATCH_NORM = TensorOp(
    "batch_norm",
    "BN",
    CHAIN,
    _batch_norm_forward,
    (_batch_norm_dx, _batch_norm_dgamma, _batch_norm_dbeta),
    notes=(
        "{b} (g - mean g - x̂ mean(g x̂)) / σ",
        "sum of g x̂ over the batch",
        "sum of g over the batch",
    ),
    joint=_batch_norm_vjp,
    takes="",  # torch: "batch_norm" not implemented for 'Long'
)


def batch_norm_train(
    x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5
) -> tuple[Tensor, Array, Array]:
    """out = gamma (x - mu) / sqrt(var + eps) + beta over the batch of an (N, D) x, as one node;
    also mu and the biased var (for the running statistics)."""
    if x.data.dtype not in FLOATS:
        op_inputs(BATCH_NORM, (x.data,))  # the TypeError torch gives
    mu, xc, var, inv = _stats(x.data, eps)
    out = _affine(x.data, mu, inv, gamma.data, beta.data)
    node = record(out, BATCH_NORM, (x, gamma, beta), (eps, xc, inv))
    return node, mu, var
