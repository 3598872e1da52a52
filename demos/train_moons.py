"""micrograd's moons demo with microgradkr's own pieces: data.make_moons, the scalar MLP, optim.SGD.

The model is micrograd's MLP(2, [16, 16, 1]) of Value neurons, trained on all 100 points at once
with micrograd's loss: the SVM max-margin loss mean(relu(1 - y * score)) with y in {-1, +1}, plus
1e-4 * sum(p^2), and SGD with the learning rate falling from 1.0 to 0.1. Every gradient comes
from backward() through about 7,600 Value nodes per step. ``demos/moons_micrograd.py`` is the
same story as a verbatim port of micrograd's notebook; this one is how you write it here.

Run: PYTHONPATH=. python demos/train_moons.py [--out DIR] [--steps 100]  (needs the demos extra)
Writes train_moons.png: the decision boundary over the training points.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from microgradkr import Value, optim
from microgradkr.data import make_moons, require
from microgradkr.nn import MLP

ALPHA = 1e-4  # L2 regularisation strength, as micrograd's demo


def loss_and_accuracy(model: MLP, x: np.ndarray, y: np.ndarray) -> tuple[Value, float]:
    """SVM loss mean(relu(1 - y * score)) + ALPHA * sum(p^2), and the fraction classified right."""
    scores = [model([Value(a), Value(b)]) for a, b in x]
    losses = [(1 - yi * s).relu() for yi, s in zip(y, scores, strict=True)]
    data_loss = sum(losses, Value(0.0)) * (1.0 / len(losses))
    reg_loss = ALPHA * sum((p * p for p in model.parameters()), Value(0.0))
    right = [(yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)]
    return data_loss + reg_loss, sum(right) / len(right)


def scores_numpy(model: MLP, x: np.ndarray) -> np.ndarray:
    """The MLP's scores for many points at once, from its weights (for the boundary plot only)."""
    h = x
    for layer in model.layers:
        w = np.array([[wi.data for wi in n.w] for n in layer.neurons])  # (nout, nin)
        b = np.array([n.b.data for n in layer.neurons])
        h = h @ w.T + b
        if layer.neurons[0].nonlin:
            h = np.maximum(h, 0.0)
    return h[:, 0]


def train(
    model: MLP, x: np.ndarray, y: np.ndarray, steps: int, tqdm: Any
) -> list[tuple[float, float]]:
    """``steps`` steps of full-batch SGD; returns (loss, accuracy) before each step."""
    opt = optim.SGD(model, lr=1.0)
    history = []
    bar = tqdm(range(steps), desc="moons", unit="step")
    for k in bar:
        loss, acc = loss_and_accuracy(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * k / steps  # micrograd's schedule: from 1.0 down to 0.1
        opt.step()
        history.append((loss.data, acc))
        bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{acc:.0%}")
        if k % 10 == 9 or k == steps - 1:
            tqdm.write(f"step {k + 1:3d}  loss {loss.data:.4f}  training accuracy {acc:.0%}")
    return history


def plot(model: MLP, x: np.ndarray, y: np.ndarray, acc: float, steps: int, out: Path) -> Path:
    """The decision boundary (score = 0) and the score's sign as colours, points on top."""
    matplotlib = require("matplotlib", "demos/train_moons.py")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", "demos/train_moons.py")
    gx, gy = np.meshgrid(np.linspace(-1.6, 2.6, 300), np.linspace(-1.2, 1.7, 220))
    z = scores_numpy(model, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.contourf(gx, gy, z, levels=[z.min() - 1, 0.0, z.max() + 1], colors=["#fbd0c4", "#c9e2f2"])
    ax.contour(gx, gy, z, levels=[0.0], colors="black", linewidths=1.2)
    for label, color, name in [(-1, "#d7191c", "y = -1"), (1, "#2b83ba", "y = +1")]:
        pts = x[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=color, s=30, edgecolors="black", label=name)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.legend(loc="upper right")
    ax.set_title(
        f"MLP(2, [16, 16, 1]) of Values, {steps} SGD steps: training accuracy {acc:.0%}\n"
        "black line: the decision boundary, score = 0"
    )
    fig.tight_layout()
    target = out / "train_moons.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the PNG")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args(argv)
    tqdm = require("tqdm", "demos/train_moons.py").tqdm
    require("matplotlib", "demos/train_moons.py")  # fail before training, not after
    start = time.process_time()
    x, labels = make_moons(args.samples, noise=0.1, seed=args.seed)
    y = labels * 2 - 1  # -1 or +1, for the max-margin loss
    random.seed(args.seed)  # the MLP draws its weights from Python's random, as micrograd's
    model = MLP(2, [16, 16, 1])
    print(f"{model}\n{len(model.parameters())} parameters")
    history = train(model, x, y, args.steps, tqdm)
    loss, acc = loss_and_accuracy(model, x, y)
    cpu = time.process_time() - start
    print(f"after {args.steps} steps: loss {loss.data:.4f}, training accuracy {acc:.0%}")
    print(f"CPU time: {cpu:.1f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"saved {plot(model, x, y, acc, args.steps, args.out)}")
    return {"model": model, "x": x, "y": y, "accuracy": acc, "history": history, "cpu": cpu}


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:  # an optional dependency missing: name the extra, no traceback
        raise SystemExit(str(err)) from None
