"""DLfS ch.6's optimizer comparison: seven optimizers on f(x, y) = x^2/20 + y^2 from (-7, 2).

f is 20 times steeper along y than along x, so plain SGD zigzags across the valley while the
adaptive methods rescale each axis. Each step takes the gradient by backprop through ``Value``
nodes (f.backward()) and hands it to a ``microgradkr.optim`` optimizer.

Learning rates: the book's SGD 0.95, Momentum 0.1, AdaGrad 1.5 and Adam 0.3; Nesterov 0.1 (as
Momentum, so the two can be compared), RMSProp 0.1 (PyTorch's alpha=0.99) and AdaDelta 100:
AdaDelta has no real learning rate, its first steps are about sqrt(eps) = 1e-3 long, and at
PyTorch's lr=1.0 it moves 0.1 in 30 steps; lr scales the whole path.

Run: PYTHONPATH=. python demos/optimizers.py [--out DIR] [--steps 30]  (needs the demos extra)
Writes optimizers.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from microgradkr import Value, optim
from microgradkr.data import require

START = (-7.0, 2.0)
OPTIMIZERS = [  # (name, class, keyword arguments)
    ("SGD", optim.SGD, {"lr": 0.95}),
    ("Momentum", optim.Momentum, {"lr": 0.1}),
    ("Nesterov", optim.Nesterov, {"lr": 0.1}),
    ("AdaGrad", optim.AdaGrad, {"lr": 1.5}),
    ("RMSProp", optim.RMSProp, {"lr": 0.1}),
    ("AdaDelta", optim.AdaDelta, {"lr": 100.0}),
    ("Adam", optim.Adam, {"lr": 0.3}),
]


def f(x: Value, y: Value) -> Value:
    """x^2 / 20 + y^2, built from Value gates so that backward() gives (x / 10, 2 y)."""
    return x * x * (1 / 20) + y * y


def trajectory(
    opt_class: type[optim.Optimizer], kwargs: dict[str, float], steps: int
) -> np.ndarray:
    """The points (x, y) visited in ``steps`` optimizer steps from START, START included."""
    x, y = Value(START[0], "x"), Value(START[1], "y")
    opt = opt_class([x, y], **kwargs)
    path = [START]
    for _ in range(steps):
        opt.zero_grad()
        f(x, y).backward()
        opt.step()
        path.append((x.data, y.data))
    return np.array(path)


def plot(paths: dict[str, np.ndarray], out: Path) -> Path:
    """One panel per optimizer over f's contours, and an eighth with all seven paths."""
    matplotlib = require("matplotlib", "demos/optimizers.py")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", "demos/optimizers.py")
    gx, gy = np.meshgrid(np.linspace(-10, 10, 201), np.linspace(-5, 5, 101))
    levels = [0.1, 0.5, 1, 2, 4, 7, 11, 16, 22]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5), sharex=True, sharey=True)
    colors = plt.get_cmap("tab10").colors
    for ax, (name, path), color in zip(axes.flat, paths.items(), colors, strict=False):
        ax.contour(gx, gy, gx**2 / 20 + gy**2, levels=levels, colors="0.75", linewidths=0.8)
        ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=3, linewidth=1.2)
        ax.plot(*START, "s", color="black", markersize=6)
        ax.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2)
        lr = {n: kw["lr"] for n, _, kw in OPTIMIZERS}[name]
        end = path[-1]
        ax.set_title(f"{name} (lr={lr:g})\nend ({end[0]:.2f}, {end[1]:.2f})", fontsize=10)
    overlay = axes.flat[-1]
    overlay.contour(gx, gy, gx**2 / 20 + gy**2, levels=levels, colors="0.75", linewidths=0.8)
    for (name, path), color in zip(paths.items(), colors, strict=False):
        overlay.plot(path[:, 0], path[:, 1], "-", color=color, linewidth=1.2, label=name)
    overlay.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2)
    overlay.set_title("all seven", fontsize=10)
    overlay.legend(fontsize=7, loc="lower right", ncol=2)
    for ax in axes.flat:
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
        ax.set_xticks([-10, -5, 0, 5, 10])
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("y")
    steps = len(next(iter(paths.values()))) - 1
    fig.suptitle(
        f"f(x, y) = x²/20 + y² from (-7, 2) (square), {steps} steps, minimum at (0, 0) (+)"
    )
    fig.tight_layout()
    target = out / "optimizers.png"
    fig.savefig(target, dpi=90)
    plt.close(fig)
    return target


def main(argv: list[str] | None = None) -> dict[str, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the PNG")
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args(argv)
    paths = {}
    for name, cls, kwargs in OPTIMIZERS:
        path = trajectory(cls, kwargs, args.steps)
        x, y = path[-1]
        print(
            f"{name:>9} lr={kwargs['lr']:<6g} after {args.steps} steps: "
            f"({x:+.4f}, {y:+.4f}), f = {x * x / 20 + y * y:.2e}"
        )
        paths[name] = path
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"saved {plot(paths, args.out)}")
    return paths


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:  # matplotlib missing: say which extra to install, no traceback
        raise SystemExit(str(err)) from None
