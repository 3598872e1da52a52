"""One training step (forward, backward, SGD update) of a two-layer MLP with softmax
cross-entropy: microgradkr vs PyTorch CPU vs hand-written numpy (Deep Learning from Scratch).

Run from the repository root: python benchmarks/tensor.py [--reps N]
BLAS runs on one thread for every contender (set below, before numpy is imported).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import Tensor  # noqa: E402
from microgradkr.functional import cross_entropy  # noqa: E402

LR = 0.1


def init(d: int, h: int, c: int, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "W1": 0.01 * rng.standard_normal((d, h)),
        "b1": np.zeros(h),
        "W2": 0.01 * rng.standard_normal((h, c)),
        "b2": np.zeros(c),
        "x": rng.standard_normal((n, d)),
        "t": rng.integers(0, c, n),
    }


# -- hand-written numpy, the Deep Learning from Scratch way (ch.5 layers) -------------------------
class Affine:
    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class Relu:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        self.t = t
        x = x - x.max(axis=1, keepdims=True)
        e = np.exp(x)
        self.y = e / e.sum(axis=1, keepdims=True)
        n = x.shape[0]
        return float(-np.log(self.y[np.arange(n), t] + 1e-7).sum() / n)

    def backward(self) -> np.ndarray:
        n = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx / n


def numpy_step(p: dict[str, np.ndarray], lean: bool = False) -> Callable[[], float]:
    """DLfS's TwoLayerNet step; ``lean`` skips dX of the first layer, which nothing uses."""
    a1, relu, a2, last = (
        Affine(p["W1"], p["b1"]),
        Relu(),
        Affine(p["W2"], p["b2"]),
        SoftmaxWithLoss(),
    )
    x, t = p["x"], p["t"]

    def step() -> float:
        loss = last.forward(a2.forward(relu.forward(a1.forward(x))), t)
        dout = relu.backward(a2.backward(last.backward()))
        if lean:
            a1.dW = a1.x.T @ dout
            a1.db = dout.sum(axis=0)
        else:
            a1.backward(dout)
        for layer in (a1, a2):
            layer.W -= LR * layer.dW
            layer.b -= LR * layer.db
        return loss

    return step


# -- microgradkr -----------------------------------------------------------------------------------
def microgradkr_step(p: dict[str, np.ndarray]) -> Callable[[], float]:
    W1, b1, W2, b2 = (Tensor(p[k].copy(), requires_grad=True) for k in ("W1", "b1", "W2", "b2"))
    params = (W1, b1, W2, b2)
    x, t = Tensor(p["x"]), p["t"]

    def step() -> float:
        loss = cross_entropy((x @ W1 + b1).relu() @ W2 + b2, t)
        for q in params:
            q.grad = None
        loss.backward()
        for q in params:
            q.data -= LR * q.grad
        return float(loss.data)

    return step


# -- PyTorch ---------------------------------------------------------------------------------------
def torch_step(p: dict[str, np.ndarray]) -> Callable[[], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    W1, b1, W2, b2 = (
        torch.tensor(p[k], dtype=torch.float64, requires_grad=True)
        for k in ("W1", "b1", "W2", "b2")
    )
    params = (W1, b1, W2, b2)
    x, t = torch.tensor(p["x"]), torch.tensor(p["t"])
    ce = torch.nn.functional.cross_entropy

    def step() -> float:
        loss = ce((x @ W1 + b1).relu() @ W2 + b2, t)
        for q in params:
            q.grad = None
        loss.backward()
        with torch.no_grad():
            for q in params:
                q -= LR * q.grad
        return loss.item()

    return step


def per_step_us(
    steps: dict[str, Callable[[], float]], reps: int, block: int = 10
) -> dict[str, float]:
    """Median time of one step, in µs. The contenders take turns, a block of steps each, so
    that a busy machine slows them all alike."""
    for step in steps.values():
        for _ in range(max(reps // 10, 20)):
            step()
    times: dict[str, list[float]] = {k: [] for k in steps}
    clock = time.perf_counter
    for _ in range(max(reps // block, 1)):
        for name, step in steps.items():
            t0 = clock()
            for _ in range(block):
                step()
            times[name].append((clock() - t0) / block)
    return {k: statistics.median(v) * 1e6 for k, v in times.items()}


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3000, help="timed steps per contender")
    args = parser.parse_args()
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch_version},"
        f" {cpu_name()} ({os.cpu_count()} cpus), BLAS and torch on 1 thread, float64"
    )
    print(
        f"one step = forward + backward + SGD update; median over {args.reps} steps"
        " (contenders interleaved in blocks of 10), in µs"
    )
    print(
        "numpy (DLfS): the book's Affine/Relu/SoftmaxWithLoss layers, which also compute dX of"
        " layer 1;\nnumpy (lean): the same without that unused dX (autograd skips it too).\n"
    )
    cols = ("numpy (DLfS)", "numpy (lean)", "microgradkr", "PyTorch")
    print(f"{'size, batch 100':<16}" + "".join(f"{c:>14}" for c in cols), end="")
    print(f"{'mgkr/DLfS':>11}{'mgkr/lean':>11}{'mgkr/torch':>12}")
    for d, h, c in ((64, 100, 10), (784, 100, 10)):
        steps = {
            "dlfs": numpy_step(init(d, h, c, 100)),
            "lean": numpy_step(init(d, h, c, 100), lean=True),
            "mgkr": microgradkr_step(init(d, h, c, 100)),
        }
        tstep = torch_step(init(d, h, c, 100))
        if tstep is not None:
            steps["torch"] = tstep
        # the same numbers from the same start: the contenders must agree before they are timed
        first = {k: s() for k, s in steps.items()}
        spread = max(first.values()) - min(first.values())
        assert spread < 1e-5, f"the contenders disagree on the loss: {first}"
        us = per_step_us(steps, args.reps)
        ut = us.get("torch", float("nan"))
        m = us["mgkr"]
        print(
            f"{f'{d}-{h}-{c}':<16}{us['dlfs']:>14.1f}{us['lean']:>14.1f}{m:>14.1f}{ut:>14.1f}"
            f"{m / us['dlfs']:>10.2f}x{m / us['lean']:>10.2f}x{m / ut:>11.2f}x"
        )


if __name__ == "__main__":
    main()
