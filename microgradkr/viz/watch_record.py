"""What the training dashboard shows at one step, measured from the model with numpy.

The model is read, never run through the autograd engine: a scalar ``nn.MLP``'s weights become
matrices (h = relu(h Wᵀ + b), as its neurons compute), a Tensor ``nn.Sequential`` runs its
layers under ``no_grad`` in eval mode. So a recorded step costs a few numpy products, however
many Value nodes a training step builds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from ..nn import MLP, Module, Sequential
from ..tensor import Tensor

GRID = 40
"""The decision boundary's grid: GRID x GRID points of the model's output."""
BINS = 20
"""Bars of each layer's activation histogram."""

Forward = Callable[[np.ndarray], list[tuple[str, np.ndarray]]]


def layer_outputs(model: Module) -> Forward | None:
    """x -> [(layer name, its output)] for an MLP or a Sequential; None for other modules."""
    if isinstance(model, MLP):
        return lambda x: _mlp_outputs(model, x)
    if isinstance(model, Sequential):
        return lambda x: _sequential_outputs(model, x)
    return None


def _mlp_outputs(model: MLP, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """h_l = relu(h_{l-1} W_lᵀ + b_l) (the last layer linear), from the Values' data."""
    out, h = [], x
    for i, layer in enumerate(model.layers, 1):
        w = np.array([[wi.data for wi in n.w] for n in layer.neurons], dtype=float)
        b = np.array([n.b.data for n in layer.neurons], dtype=float)
        h = h @ w.T + b
        if layer.neurons[0].nonlin:
            h = np.maximum(h, 0.0)
        out.append((f"L{i}", h))
    return out


def _sequential_outputs(model: Sequential, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The outputs of its activations (layers without parameters: ReLU, Sigmoid ...) and of
    its last layer, as DLfS ch.6 plots them; in eval mode (BatchNorm's statistics left alone)."""
    was = [m.training for m in model.layers]
    params = model.parameters()
    out, h = [], Tensor(x.astype(params[0].data.dtype if params else np.float64))
    try:
        model.eval()
        with no_grad():
            for i, layer in enumerate(model.layers):
                h = layer(h)
                if not layer.parameters() or i == len(model.layers) - 1:
                    out.append((f"{i} {type(layer).__name__}", np.asarray(h.data)))
    finally:
        for m, mode in zip(model.layers, was, strict=True):
            m.train(mode)
    return out


def layer_groups(model: Module) -> list[tuple[str, list[Any]]]:
    """(name, parameters) of each layer that has parameters, named as layer_outputs names it."""
    if isinstance(model, MLP):
        return [(f"L{i}", layer.parameters()) for i, layer in enumerate(model.layers, 1)]
    if isinstance(model, Sequential):
        pairs = [(f"{i} {type(m).__name__}", m.parameters()) for i, m in enumerate(model.layers)]
        return [(name, ps) for name, ps in pairs if ps]
    return [("", model.parameters())]


def grad_norm(params: list[Any]) -> float:
    """||g||₂ over a layer's parameters: sqrt(Σ g²); a Tensor without a gradient counts 0."""
    total = 0.0
    for p in params:
        g = p.grad
        if g is None:
            continue
        total += float(np.sum(np.square(g))) if isinstance(g, np.ndarray) else float(g) ** 2
    return math.sqrt(total)


def histogram(a: np.ndarray) -> dict[str, Any]:
    """BINS counts of a layer's outputs over [min, max], and the share of exact zeros."""
    flat = np.asarray(a, dtype=float).ravel()
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return {"counts": [], "lo": 0.0, "hi": 0.0, "zeros": 0.0}
    lo, hi = float(flat.min()), float(flat.max())
    counts, _ = np.histogram(flat, bins=BINS, range=(lo, hi if hi > lo else lo + 1.0))
    zeros = float(np.mean(flat == 0.0))
    return {
        "counts": counts.tolist(),
        "lo": rounded(lo),
        "hi": rounded(hi),
        "zeros": rounded(zeros),
    }


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """The share classified right: sign(score) for one output (y in {-1, 1} or {0, 1}), else
    argmax."""
    y = np.asarray(y).ravel()
    if scores.ndim == 1 or scores.shape[1] == 1:
        s = scores.ravel()
        guess = np.where(s > 0, 1, -1 if np.any(y < 0) else 0)
    else:
        guess = scores.argmax(axis=1)
    return float(np.mean(guess == y))


def default_loss(scores: np.ndarray, y: np.ndarray) -> float:
    """The loss a model of this output would be trained with: mean max(0, 1 - y s) for y = ±1,
    BCE of sigmoid(s) for y in {0, 1}, softmax cross-entropy for several outputs."""
    y = np.asarray(y).ravel()
    if scores.ndim == 1 or scores.shape[1] == 1:
        s = scores.ravel()
        if np.any(y < 0):
            return float(np.mean(np.maximum(0.0, 1.0 - y * s)))
        return float(np.mean(np.logaddexp(0.0, s) - y * s))
    z = scores - scores.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(len(y)), y.astype(int)]))


def bounds(x: np.ndarray) -> list[float]:
    """[x0, x1, y0, y1]: the 2-D data's box with a tenth of its size around it."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    return [float(v) for v in (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])]


def grid_points(box: list[float]) -> np.ndarray:
    """The GRID x GRID points of the box, row by row from the top (y1) down."""
    xs = np.linspace(box[0], box[1], GRID)
    ys = np.linspace(box[3], box[2], GRID)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def grid_values(scores: np.ndarray) -> list[float | None]:
    """What the heat map colours: tanh(score) for one output, P(1) - P(0) for two, and for
    more the winning class plus its probability (2.7: class 2, p = 0.7)."""
    if scores.ndim == 1 or scores.shape[1] == 1:
        return [rounded(v) for v in np.tanh(scores.ravel())]
    z = np.exp(scores - scores.max(axis=1, keepdims=True))
    p = z / z.sum(axis=1, keepdims=True)
    if p.shape[1] == 2:
        return [rounded(v) for v in p[:, 1] - p[:, 0]]
    top = p.argmax(axis=1) + np.minimum(p.max(axis=1), 0.999)
    return [rounded(v) for v in top]


def rounded(v: float) -> float | None:
    """Four significant digits (small payloads, pictures need no more); None for NaN or inf,
    which JSON has not: a diverged number is drawn as a gap."""
    v = float(v)
    return float(f"{v:.4g}") if math.isfinite(v) else None
