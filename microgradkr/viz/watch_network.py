"""The network view inside the training dashboard: a small frame of weights per recorded step.

``setup`` is sent once (sizes, names, activations, the sample whose activations are shown, the
view's words); each frame carries, per layer, W, dL/dW and the last update (W minus the W of
the frame before) to four significant digits, of every edge when a layer has at most
``MAX_LAYER_EDGES`` weights, else of each neuron's strongest edges only (the ones the view draws),
with their flat indices. The page's script (``mgkWatchNetState``) makes a ``network_state`` of
them for ``mgkNetwork.draw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn import Module
from . import watch_record as rec
from .network import net_words
from .network_state import Dense, dense_layers, forward, sample, shown_per_neuron, unit_names


def drawable(model: Module) -> list[Dense] | None:
    """The model's dense layers if the network view can draw it (an MLP, a plain Sequential)."""
    try:
        return dense_layers(model)
    except (TypeError, ValueError):
        return None


def quantized(a: np.ndarray | None) -> list[float | None] | None:
    """A flat array to four significant digits (NaN and inf as None); None stays None."""
    return None if a is None else [rec.rounded(v) for v in np.asarray(a).ravel()]


def net_setup(layers: list[Dense], x: Any, glossary: str) -> dict[str, Any]:
    """What never changes: sizes, unit names, activations, edges drawn, the sample, the words."""
    nin = layers[0].W.shape[1]
    return {
        "kind": "tensor" if layers[0].tensor is not None else "scalar",
        "sizes": [nin, *(d.W.shape[0] for d in layers)],
        "names": unit_names(layers),
        "acts": [d.act for d in layers],
        "shown": [shown_per_neuron(d.W.shape[1], d.W.shape[0]) for d in layers],
        "x": None if x is None else quantized(sample(x, nin)),
        "words": net_words(glossary),
    }


def picked(a: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
    """The edges at flat indices idx of a (out, in) array; every edge when idx is None."""
    return a.ravel() if idx is None else a.ravel()[idx]


def strongest(W: np.ndarray, shown: int) -> np.ndarray | None:
    """Flat indices of each neuron's ``shown`` largest |w| (row by row); None: every edge."""
    if shown >= W.shape[1]:
        return None
    cols = np.argsort(-np.abs(np.nan_to_num(W)), axis=1, kind="stable")[:, :shown]
    cols.sort(axis=1)
    flat: np.ndarray = (np.arange(W.shape[0])[:, None] * W.shape[1] + cols).ravel()
    return flat


class NetRecorder:
    """Each recorded step's weights, gradients and update; it keeps the last W for the next."""

    def __init__(self, model: Module, x: Any) -> None:
        self.model = model
        self.x = None if x is None else sample(x, dense_layers(model)[0].W.shape[1])
        self.before: list[np.ndarray] | None = None

    def frame(self) -> dict[str, Any]:
        """{"layers": [{idx, w, g, u, b, gb, ub}], "acts": the sample's outputs by layer}."""
        layers = dense_layers(self.model)
        out: dict[str, Any] = {"layers": [], "acts": None}
        for i, d in enumerate(layers):
            idx = strongest(d.W, shown_per_neuron(d.W.shape[1], d.W.shape[0]))
            U = None if self.before is None else d.W - self.before[i]
            ub = None if self.before is None else d.b - self.before[i + len(layers)]
            out["layers"].append({
                "idx": None if idx is None else idx.tolist(),
                "w": quantized(picked(d.W, idx)),
                "g": None if d.gW is None else quantized(picked(d.gW, idx)),
                "u": None if U is None else quantized(picked(U, idx)),
                "b": quantized(d.b),
                "gb": quantized(d.gb),
                "ub": quantized(ub),
            })  # fmt: skip
        self.before = [d.W.copy() for d in layers] + [d.b.copy() for d in layers]
        if self.x is not None:
            out["acts"] = [quantized(h[0]) for h in forward(layers, self.x[None, :])[1:]]
        return out
