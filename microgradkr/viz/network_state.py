"""A network's numbers as the network view draws them: layers, weights, gradients, heat maps.

``dense_layers(model)`` reads a scalar ``nn.MLP`` or a Tensor ``nn.Sequential`` of
Affine/Linear layers and activations as one list of dense layers (W of shape (out, in), b, the
activation, the gradients the engine left in ``.grad``); ``network_state`` turns them into
JSON-ready data: the view's page draws it, and a live training view can send it once per step.
Units are named as the MLP's parameter labels name them: ``x0`` an input, ``L2.n1`` neuron 1 of
layer 2, ``L2.n1.w0`` its weight from unit 0 of the layer before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Value
from ..nn import MLP, Affine, Module, ReLU, Sequential, Sigmoid, Tanh
from ..tensor import Tensor

MAX_LAYER_EDGES = 256
"""A layer with more weights than this shows only each neuron's strongest edges."""
GRID = 24
"""Heat-map cells per side, for a net on a 2-D input (as TensorFlow Playground's neurons)."""
ACTS = {ReLU: Value.relu.__name__, Sigmoid: Value.sigmoid.__name__, Tanh: Value.tanh.__name__}
"""An activation layer -> the Value method of its gate (relu, sigmoid, tanh)."""


@dataclass
class Dense:
    """One layer: out = act(W x + b), W (out, in); gradients dL/dW, dL/db when known."""

    W: np.ndarray
    b: np.ndarray
    act: str
    gW: np.ndarray | None
    gb: np.ndarray | None
    params: list[list[Value]] | None = None  # a scalar MLP's weight Values, W's layout
    biases: list[Value] | None = None
    tensor: Tensor | None = None  # a Tensor layer's W (transposed: Affine's W is (in, out))


def _grad(g: Any) -> np.ndarray | None:
    return None if g is None else np.asarray(g, dtype=np.float64)


def mlp_layers(model: MLP) -> list[Dense]:
    """An MLP's layers: the neurons' weights as rows of W, their .grad as rows of dL/dW."""
    out = []
    for layer in model.layers:
        ws = [list(n.w) for n in layer.neurons]
        bs = [n.b for n in layer.neurons]
        W = np.array([[w.data for w in row] for row in ws], dtype=np.float64)
        gW = np.array([[float(w.grad) for w in row] for row in ws], dtype=np.float64)
        gb = np.array([float(b.grad) for b in bs], dtype=np.float64)
        act = "relu" if layer.neurons[0].nonlin else "linear"
        b = np.array([b.data for b in bs], dtype=np.float64)
        out.append(Dense(W, b, act, gW, gb, ws, bs))
    return out


def sequential_layers(model: Sequential) -> list[Dense]:
    """A Sequential's Affine layers, each followed by at most one ReLU, Sigmoid or Tanh."""
    out: list[Dense] = []
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Affine):
            W = np.asarray(layer.W.data, dtype=np.float64).T
            b = np.zeros(W.shape[0]) if layer.b is None else np.asarray(layer.b.data, np.float64)
            gW = _grad(layer.W.grad)
            gb = None if layer.b is None else _grad(layer.b.grad)
            out.append(Dense(W, b, "linear", None if gW is None else gW.T, gb, tensor=layer.W))
        elif type(layer) in ACTS and out and out[-1].act == "linear":
            out[-1].act = ACTS[type(layer)]
        else:
            raise ValueError(
                f"network: layer {i} of the Sequential is {layer!r}; the network view draws "
                "Affine/Linear layers, each followed by at most one ReLU, Sigmoid or Tanh"
            )
    if not out:
        raise ValueError("network: the Sequential has no Affine/Linear layer to draw")
    return out


def dense_layers(model: Module) -> list[Dense]:
    """The model as dense layers: a scalar ``nn.MLP`` or a Tensor ``nn.Sequential``."""
    if isinstance(model, MLP):
        return mlp_layers(model)
    if isinstance(model, Sequential):
        return sequential_layers(model)
    raise TypeError(
        f"network needs an nn.MLP or an nn.Sequential of Affine layers, got {type(model).__name__}"
    )


def activate(z: np.ndarray, act: str) -> np.ndarray:
    """relu max(z, 0), tanh, sigmoid 1 / (1 + e^-z), or z itself."""
    out: np.ndarray = z
    if act == "relu":
        out = np.maximum(z, 0.0)
    elif act == "tanh":
        out = np.tanh(z)
    elif act == "sigmoid":
        out = 1.0 / (1.0 + np.exp(-z))
    return out


def forward(layers: list[Dense], x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for inputs x (N, in): [x, h1, ..., out], h = act(x W^T + b)."""
    outs = [x]
    for d in layers:
        outs.append(activate(outs[-1] @ d.W.T + d.b, d.act))
    return outs


def unit_names(layers: list[Dense]) -> list[list[str]]:
    """Each column's unit names: x0, x1, ... then L1.n0, ... (the parameter labels' scheme)."""
    names = [[f"x{k}" for k in range(layers[0].W.shape[1])]]
    for i, d in enumerate(layers, 1):
        names.append([f"L{i}.n{j}" for j in range(d.W.shape[0])])
    return names


def sample(x: Any, nin: int) -> np.ndarray:
    """One input sample as a float array of ``nin`` numbers (Values and Tensors read as data)."""
    if isinstance(x, Tensor):
        x = x.data
    if isinstance(x, list | tuple):
        x = [xi.data if isinstance(xi, Value) else xi for xi in x]
    try:
        a = np.asarray(x, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"x must be one sample of {nin} numbers, got {type(x).__name__}") from None
    if a.size != nin:
        raise ValueError(
            f"x must be one sample of {nin} numbers (the model's inputs), got {a.size}"
            + ("; for a batch, pass one row: x[0]" if a.size % nin == 0 else "")
        )
    return a


def plane(points: np.ndarray | None) -> list[float]:
    """The input plane the heat maps cover: the points' box with a margin, else [-3, 3]^2."""
    if points is None or len(points) == 0:
        return [-3.0, 3.0, -3.0, 3.0]
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    return [
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    ]


def heat_maps(layers: list[Dense], box: list[float]) -> list[list[dict[str, Any]]]:
    """Each neuron's output over a GRID x GRID grid of the plane, as -100..100 of its max |out|."""
    xs = np.linspace(box[0], box[1], GRID)
    ys = np.linspace(box[3], box[2], GRID)  # top row first: y grows upwards on the page
    gx, gy = np.meshgrid(xs, ys)
    outs = forward(layers, np.stack([gx.ravel(), gy.ravel()], axis=1))
    maps = []
    for h in outs[1:]:
        h = np.where(np.isfinite(h), h, 0.0)  # a diverged neuron's NaN cells drawn as 0
        top = np.maximum(np.abs(h).max(axis=0), 1e-12)
        cells = np.rint(100 * h / top).astype(int)
        maps.append(
            [{"max": rounded(top[j]), "cells": cells[:, j].tolist()} for j in range(h.shape[1])]
        )
    return maps


def classes(labels: Any, n: int) -> list[int]:
    """Each point's class as 0, 1, ...: the index of its label among the sorted labels."""
    if labels is None:
        return [0] * n
    ys = np.asarray(labels).reshape(-1)
    if len(ys) != n:
        raise ValueError(f"labels must have one label per point ({n}), got {len(ys)}")
    index: list[int] = np.unique(ys, return_inverse=True)[1].reshape(-1).tolist()
    return index


def rounded(a: Any, exact: bool = False) -> Any:
    """Numbers to 6 significant digits (``exact``: as stored) for the page, nested lists kept;
    NaN and inf as None (JSON has no NaN: a diverged net's page must still parse), None kept."""
    if a is None:
        return None
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim > 1:
        return [rounded(v, exact) for v in arr]
    out = [None if not np.isfinite(v) else v if exact else float(f"{v:.6g}") for v in arr.ravel()]
    return out[0] if arr.ndim == 0 else out


def shown_per_neuron(nin: int, nout: int) -> int:
    """How many of each neuron's edges are drawn: all, or the strongest MAX_LAYER_EDGES / nout."""
    return nin if nin * nout <= MAX_LAYER_EDGES else max(1, MAX_LAYER_EDGES // nout)


def network_state(
    model: Module,
    x: Any = None,
    *,
    previous: dict[str, Any] | None = None,
    points: Any = None,
    labels: Any = None,
    exact: bool = True,
) -> dict[str, Any]:
    """The view's data for ``model`` now, JSON-ready: one dict per layer, the sample's activations.

    Per layer: ``w`` (out, in), ``b``, ``act``, ``grad_w``/``grad_b`` (dL/dW from ``.grad``, None
    before backward), ``update_w``/``update_b`` (W - ``previous`` W: the last step, when an earlier
    state is given), ``shown`` (edges drawn per neuron), ``heat`` (2-D inputs: each neuron over
    the plane). ``x``: one sample; ``acts`` its outputs, layer by layer. ``points`` (N, 2) and
    ``labels`` (N,): data drawn on the output tiles. ``exact``: W and b as stored (an earlier
    state's update is W minus them), else to 6 significant digits, as everything else.
    """
    layers = dense_layers(model)
    nin = layers[0].W.shape[1]
    pts = None if points is None else np.asarray(points, dtype=np.float64)
    if pts is not None and (pts.ndim != 2 or pts.shape[1] != nin):
        raise ValueError(f"points must have shape (N, {nin}), got {pts.shape}")
    before = previous["layers"] if previous else None
    if before is not None and [np.shape(p["w"]) for p in before] != [d.W.shape for d in layers]:
        raise ValueError("previous is the state of a network of other sizes")
    out: dict[str, Any] = {
        "kind": "tensor" if layers[0].tensor is not None else "scalar",
        "sizes": [nin, *(d.W.shape[0] for d in layers)],
        "names": unit_names(layers),
        "layers": [],
        "acts": None,
        "x": None,
        "plane": None,
        "points": None,
    }
    for i, d in enumerate(layers):
        row: dict[str, Any] = {
            "act": d.act,
            "w": rounded(d.W, exact),
            "b": rounded(d.b, exact),
            "grad_w": rounded(d.gW),
            "grad_b": rounded(d.gb),
            "update_w": None,
            "update_b": None,
            "shown": shown_per_neuron(d.W.shape[1], d.W.shape[0]),
        }
        if before is not None:
            row["update_w"] = rounded(d.W - np.asarray(before[i]["w"], dtype=np.float64))
            row["update_b"] = rounded(d.b - np.asarray(before[i]["b"], dtype=np.float64))
        out["layers"].append(row)
    if x is not None:
        a = sample(x, nin)
        out["x"] = rounded(a)
        out["acts"] = [rounded(h[0]) for h in forward(layers, a[None, :])]
    if nin == 2:
        out["plane"] = plane(pts)
        for row, maps in zip(out["layers"], heat_maps(layers, out["plane"]), strict=True):
            row["heat"] = maps
        if pts is not None:
            out["points"] = [
                [*rounded(p), k] for p, k in zip(pts, classes(labels, len(pts)), strict=True)
            ]
    return out
