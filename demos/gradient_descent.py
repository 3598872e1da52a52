"""Gradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4) (DLfS ch.4, docs/reference.md 4).

x <- x - lr * grad f(x), 100 steps, with the gradient taken two ways and compared: by central
differences (``numerical_gradient``, h = 1e-4, as the book) and by backprop through ``Value``
nodes with ``optim.SGD``. lr = 0.1 reaches about (-6.1e-10, 8.1e-10); lr = 10 overshoots and
diverges; lr = 1e-10 barely moves. With lr = 10 the two gradients part ways: once |x| passes
about 1e12, x + h and x - h round to the same float64, the central difference becomes 0 and the
numerical descent stops near 2.6e13, while backprop keeps the exact x <- -19 x.

Run: PYTHONPATH=. python demos/gradient_descent.py [--out DIR] [--steps 100]  (demos extra)
Writes gradient_descent.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from microgradkr import Value, numerical_gradient, optim
from microgradkr.data import require

START = (-3.0, 4.0)
LEARNING_RATES = (0.1, 10.0, 1e-10)


def f(x: np.ndarray) -> float:
    """x0^2 + x1^2 on an array, for the numerical gradient."""
    return float(x[0] ** 2 + x[1] ** 2)


def numerical_path(lr: float, steps: int) -> np.ndarray:
    """Every point of DLfS's gradient_descent: x -= lr * numerical_gradient(f, x)."""
    x = np.array(START)
    path = [x.copy()]
    for _ in range(steps):
        x -= lr * numerical_gradient(f, x)
        path.append(x.copy())
    return np.array(path)


def backprop_path(lr: float, steps: int) -> np.ndarray:
    """The same descent with backward() for the gradient and optim.SGD for the update."""
    x0, x1 = Value(START[0], "x0"), Value(START[1], "x1")
    opt = optim.SGD([x0, x1], lr=lr)
    path = [START]
    for _ in range(steps):
        opt.zero_grad()
        (x0 * x0 + x1 * x1).backward()
        opt.step()
        path.append((x0.data, x1.data))
    return np.array(path)


def plot(paths: dict[float, tuple[np.ndarray, np.ndarray]], out: Path) -> Path:
    """Gradient field with the lr = 0.1 path; lr = 10's first jumps; distance to (0, 0) by step."""
    matplotlib = require("matplotlib", "demos/gradient_descent.py")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", "demos/gradient_descent.py")
    fig, (field, jumps, dist) = plt.subplots(1, 3, figsize=(17, 5.2))

    _quiver(field, 4.5, 19)
    num, back = paths[0.1]
    field.plot(back[:, 0], back[:, 1], "o-", color="tab:blue", markersize=4, label="lr = 0.1")
    field.plot(*START, "s", color="black", markersize=7, label=f"start {START}")
    tiny = paths[1e-10][1][-1]
    field.plot(*tiny, "x", color="tab:green", markersize=10, mew=2, label="lr = 1e-10, step 100")
    field.set_title(
        f"-grad f and the lr = 0.1 path\nstep {len(back) - 1}: "
        f"({back[-1][0]:.2g}, {back[-1][1]:.2g})"
    )
    field.legend(loc="lower right", fontsize=8)

    big = paths[10.0][1][:6]
    jumps.plot(big[:, 0], big[:, 1], "o-", color="tab:red", markersize=5)
    for k, (a, b) in enumerate(big):
        jumps.annotate(f"step {k}", (a, b), textcoords="offset points", xytext=(6, 4))
    jumps.set_xscale("symlog", linthresh=1)  # 19x per step: only a log scale shows them all
    jumps.set_yscale("symlog", linthresh=1)
    jumps.axhline(0, color="0.85", lw=0.8, zorder=0)
    jumps.axvline(0, color="0.85", lw=0.8, zorder=0)
    jumps.set_xlabel("x0 (symlog)")
    jumps.set_ylabel("x1 (symlog)")
    ticks = [-1e6, -1e4, -1e2, 0, 1e2, 1e4, 1e6]
    jumps.set_xticks(ticks)
    jumps.set_yticks(ticks)
    jumps.set_title(
        "lr = 10: x <- x - 20 x = -19 x, each step\njumps across the minimum, 19x farther"
    )

    colors = {0.1: "tab:blue", 10.0: "tab:red", 1e-10: "tab:green"}
    for lr, (num, back) in paths.items():
        steps = np.arange(len(back))
        dist.plot(
            steps,
            np.hypot(back[:, 0], back[:, 1]),
            "-",
            color=colors[lr],
            label=f"lr = {lr:g}, backprop",
        )
        dist.plot(
            steps[::4],
            np.hypot(num[::4, 0], num[::4, 1]),
            "o",
            color=colors[lr],
            markersize=4,
            fillstyle="none",
            label=f"lr = {lr:g}, numerical",
        )
    dist.set_yscale("log")
    stall = np.hypot(*paths[10.0][0][-1])
    dist.annotate(
        f"numerical stalls at {stall:.1e}:\nx + h and x - h round to the same float",
        (60, stall),
        xytext=(35, 1e50),
        fontsize=8,
        arrowprops={"arrowstyle": "->"},
    )
    dist.set_xlabel("step")
    dist.set_ylabel("distance to the minimum |x|")
    dist.set_title("backprop (lines) vs numerical gradient (circles)")
    dist.legend(fontsize=8, loc="upper left")
    fig.suptitle("gradient descent on f(x0, x1) = x0² + x1²: x ← x − lr · ∇f(x)")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    target = out / "gradient_descent.png"
    fig.savefig(target, dpi=90)
    plt.close(fig)
    return target


def _quiver(ax: Any, half: float, n: int) -> None:
    """Arrows of -grad f = (-2 x0, -2 x1) on an n x n grid over [-half, half]^2."""
    g = np.linspace(-half, half, n)
    gx, gy = np.meshgrid(g, g)
    ax.quiver(gx, gy, -2 * gx, -2 * gy, color="0.6", angles="xy")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_aspect("equal")


def main(argv: list[str] | None = None) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the PNG")
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args(argv)
    paths = {}
    for lr in LEARNING_RATES:
        num, back = numerical_path(lr, args.steps), backprop_path(lr, args.steps)
        print(f"lr = {lr:g}, {args.steps} steps from {START}:")
        print(f"  numerical gradient: ({num[-1][0]:.8g}, {num[-1][1]:.8g})")
        print(f"  backprop + SGD:     ({back[-1][0]:.8g}, {back[-1][1]:.8g})")
        paths[lr] = (num, back)
    num, back = paths[0.1]
    print(f"lr = 0.1: the two paths differ by at most {np.abs(num - back).max():.1e}")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"saved {plot(paths, args.out)}")
    return paths


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:  # matplotlib missing: say which extra to install, no traceback
        raise SystemExit(str(err)) from None
