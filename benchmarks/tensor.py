"""One training step (forward, backward, SGD update) of a two-layer MLP with softmax
cross-entropy, with and without BatchNorm, in float64 and float32: microgradkr against
hand-written numpy (Deep Learning from Scratch's layers), and the peers that import (PyTorch CPU,
jax with and without jit, tinygrad). microgradkr's net is built from nn.Affine layers, whose node
is the fused x W + b with DLfS's closed-form backward: like for like with the numpy side's Affine
layer (the peers write x @ W + b).

Run from the repository root: python benchmarks/tensor.py [--rounds N] [--quick]
Every contender runs on one thread (BLAS, torch, XLA: set below, before numpy is imported).
Times are CPU time (time.process_time) of a block of steps; the contenders take turns, block by
block, each round starting with the next one, and a ratio is the median over rounds of the ratio
within a round (paired, interleaved: a busy machine slows both sides of a pair alike).
A second, identical copy of the numpy step ("numpy again") runs as one more contender: its ratio
to the first (np/np, an A/A control) shows how far two runs of the same code differ on this
machine, the noise floor of every other ratio in its row.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


def steady_allocator() -> None:
    """glibc returns the memory of freed large arrays to the system, and the next step faults
    it in again (~300 page faults a step at 784-100-10) or not, depending on which contender
    freed what last: an order effect of 30% or more. Keeping freed memory (as a long training
    run would) gives every contender the same allocator."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_trim_threshold, 1 << 30)
    libc.mallopt(m_mmap_threshold, 1 << 30)


steady_allocator()

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import Tensor, nn  # noqa: E402
from microgradkr.functional import cross_entropy  # noqa: E402

LR = 0.1
EPS = 1e-5
MOMENTUM = 0.1
Step = Callable[[], float]


def init(d: int, h: int, c: int, n: int, dtype: Any, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = {
        "W1": 0.01 * rng.standard_normal((d, h)),
        "b1": np.zeros(h),
        "gamma": np.ones(h),
        "beta": np.zeros(h),
        "W2": 0.01 * rng.standard_normal((h, c)),
        "b2": np.zeros(c),
        "x": rng.standard_normal((n, d)),
    }
    out = {k: v.astype(dtype) for k, v in p.items()}
    out["t"] = rng.integers(0, c, n)
    return out


# -- hand-written numpy, the Deep Learning from Scratch way (ch.5-6 layers) ---------------------
# The same math as microgradkr's ops, written as plainly as numpy allows: relu by np.maximum and
# a mask product (not the book's boolean-index copy, which is slower), BatchNorm's backward in
# its closed form, and no dX for the first layer (nothing uses it; autograd skips it too).
class Affine:
    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> Any:
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T if need_dx else None


class Relu:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (self.x > 0)


class BatchNorm:
    def __init__(self, gamma: np.ndarray, beta: np.ndarray) -> None:
        self.gamma, self.beta = gamma, beta
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)

    def forward(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        mu = x.mean(axis=0)
        self.xc = x - mu
        var = (self.xc * self.xc).mean(axis=0)
        self.inv = 1 / np.sqrt(var + EPS)
        m = MOMENTUM
        self.running_mean[...] = (1 - m) * self.running_mean + m * mu
        self.running_var[...] = (1 - m) * self.running_var + m * var * n / (n - 1)
        return self.xc * (self.inv * self.gamma) + self.beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        n = dout.shape[0]
        dotp = (self.xc * dout).sum(axis=0)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = dotp * self.inv
        k = dotp * (self.inv * self.inv / n)
        return (dout - self.dbeta / n - self.xc * k) * (self.inv * self.gamma)


class SoftmaxWithLoss:
    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        self.t = t
        x = x - x.max(axis=1, keepdims=True)
        e = np.exp(x)
        s = e.sum(axis=1, keepdims=True)
        self.y = e / s
        n = x.shape[0]
        return float((np.log(s).sum() - x[np.arange(n), t].sum()) / n)

    def backward(self) -> np.ndarray:
        n = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx / n


def numpy_step(p: dict[str, np.ndarray], bn: bool) -> Step:
    """DLfS's TwoLayerNet step (with a BatchNorm layer after the first Affine when ``bn``)."""
    a1, a2 = Affine(p["W1"].copy(), p["b1"].copy()), Affine(p["W2"].copy(), p["b2"].copy())
    norm = BatchNorm(p["gamma"].copy(), p["beta"].copy())
    relu, last = Relu(), SoftmaxWithLoss()
    x, t = p["x"], p["t"]

    def step() -> float:
        h = a1.forward(x)
        loss = last.forward(a2.forward(relu.forward(norm.forward(h) if bn else h)), t)
        dh = relu.backward(a2.backward(last.backward()))
        a1.backward(norm.backward(dh) if bn else dh, need_dx=False)
        for layer in (a1, a2):
            layer.W -= LR * layer.dW
            layer.b -= LR * layer.db
        if bn:
            norm.gamma -= LR * norm.dgamma
            norm.beta -= LR * norm.dbeta
        return loss

    return step


# -- microgradkr -----------------------------------------------------------------------------------
def microgradkr_step(p: dict[str, np.ndarray], bn: bool) -> Step:
    """The same net with nn.Affine layers (one fused node each, as DLfS's Affine layer)."""
    a1, a2 = (nn.Affine(*p[w].shape, dtype=p[w].dtype) for w in ("W1", "W2"))
    for layer, w, b in ((a1, "W1", "b1"), (a2, "W2", "b2")):
        layer.W.data[...], layer.b.data[...] = p[w], p[b]
    norm = nn.BatchNorm1d(p["b1"].size, dtype=p["b1"].dtype)
    params = a1.parameters() + a2.parameters() + (norm.parameters() if bn else [])
    x, t = Tensor(p["x"]), p["t"]

    def step() -> float:
        h = a1(x)
        loss = cross_entropy(a2((norm(h) if bn else h).relu()), t)
        for q in params:
            q.grad = None
        loss.backward()
        for q in params:
            q.data -= LR * q.grad
        return float(loss.data)

    return step


# -- the peers -------------------------------------------------------------------------------------
def torch_step(p: dict[str, np.ndarray], bn: bool) -> Step | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    names = ("W1", "b1", "W2", "b2") + (("gamma", "beta") if bn else ())
    q = {k: torch.tensor(p[k], requires_grad=True) for k in names}
    params = list(q.values())
    rm, rv = torch.zeros_like(q["b1"]).detach(), torch.ones_like(q["b1"]).detach()
    x, t = torch.tensor(p["x"]), torch.tensor(p["t"])
    F = torch.nn.functional

    def step() -> float:
        h = x @ q["W1"] + q["b1"]
        if bn:
            h = F.batch_norm(h, rm, rv, q["gamma"], q["beta"], True, MOMENTUM, EPS)
        loss = F.cross_entropy(h.relu() @ q["W2"] + q["b2"], t)
        for w in params:
            w.grad = None
        loss.backward()
        with torch.no_grad():
            for w in params:
                w -= LR * w.grad
        return loss.item()

    return step


def jax_step(p: dict[str, np.ndarray], bn: bool, jit: bool) -> Step | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    names = ("W1", "b1", "W2", "b2") + (("gamma", "beta") if bn else ())
    x, t = jnp.asarray(p["x"]), jnp.asarray(p["t"])

    def loss_fn(q: dict[str, Any], stats: tuple[Any, Any]) -> tuple[Any, tuple[Any, Any]]:
        h = x @ q["W1"] + q["b1"]
        if bn:
            n = h.shape[0]
            mu = h.mean(axis=0)
            var = ((h - mu) ** 2).mean(axis=0)
            h = (h - mu) / jnp.sqrt(var + EPS) * q["gamma"] + q["beta"]
            m = MOMENTUM
            stats = ((1 - m) * stats[0] + m * mu, (1 - m) * stats[1] + m * var * n / (n - 1))
        s = jax.nn.relu(h) @ q["W2"] + q["b2"]
        logp = jax.nn.log_softmax(s, axis=1)
        return -jnp.take_along_axis(logp, t[:, None], axis=1).mean(), stats

    def update(q: dict[str, Any], stats: tuple[Any, Any]) -> tuple[Any, ...]:
        (loss, stats), g = jax.value_and_grad(loss_fn, has_aux=True)(q, stats)
        return {k: q[k] - LR * g[k] for k in q}, stats, loss

    run = jax.jit(update) if jit else update
    state: dict[str, Any] = {
        "q": {k: jnp.asarray(p[k]) for k in names},
        "stats": (jnp.zeros_like(p["b1"]), jnp.ones_like(p["b1"])),
    }

    def step() -> float:
        state["q"], state["stats"], loss = run(state["q"], state["stats"])
        return float(loss)  # waits for the result

    return step


NOTED: list[Exception] = []


def tinygrad_step(p: dict[str, np.ndarray], bn: bool) -> Step | None:
    if bn:
        return None  # the MLP only: a peer, reported, not a target
    try:
        from tinygrad import Tensor as TT

        TT([1.0]).numpy()  # a device to run on (its CPU backend compiles with clang)
    except Exception as err:  # not installed, or no usable device: a peer, reported
        if not NOTED:
            print(f"tinygrad not run: {type(err).__name__}: {str(err).splitlines()[-1]}")
            NOTED.append(err)
        return None
    q = {k: TT(p[k].copy()).requires_grad_() for k in ("W1", "b1", "W2", "b2")}
    x, t = TT(p["x"]), TT(p["t"])

    def step() -> float:
        loss = ((x @ q["W1"] + q["b1"]).relu() @ q["W2"] + q["b2"]).sparse_categorical_crossentropy(
            t
        )
        loss.backward()
        for k, w in q.items():
            q[k] = TT((w - LR * w.grad).numpy()).requires_grad_()
        return float(loss.item())

    return step


# -- timing ----------------------------------------------------------------------------------------
def paired(steps: dict[str, Step], rounds: int, block: int) -> dict[str, list[float]]:
    """CPU seconds per step of each contender, one entry per round (contenders interleaved)."""
    for step in steps.values():
        for _ in range(max(block, 5)):
            step()
    times: dict[str, list[float]] = {k: [] for k in steps}
    clock = time.process_time
    order = list(steps.items())
    for r in range(rounds):
        # each round starts with the next contender, and each block is timed after two untimed
        # steps of its own: a step follows a step, as in training. Without them, whoever ran
        # after a peer (jax, torch) found the caches full of that peer's data: the A/A row read
        # 0.78-0.89x, two copies of one numpy step 20% apart
        for name, step in order[r % len(order) :] + order[: r % len(order)]:
            step()
            step()
            t0 = clock()
            for _ in range(block):
                step()
            times[name].append((clock() - t0) / block)
    return times


def ratio(a: list[float], b: list[float]) -> float:
    """The median over rounds of a/b within each round."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True) if y > 0)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions() -> str:
    found = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for name in ("torch", "jax", "tinygrad"):
        try:
            mod = __import__(name)
            found.append(f"{name} {getattr(mod, '__version__', '?')}")
        except ImportError:
            found.append(f"{name}: not installed")
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="interleaved rounds")
    parser.add_argument("--block", type=int, default=10, help="steps per contender per round")
    parser.add_argument("--quick", action="store_true", help="skip the peers")
    args = parser.parse_args()
    print(f"{versions()}\n{cpu_name()} ({os.cpu_count()} cpus), every contender on 1 thread")
    print(
        f"one step = forward + backward + SGD update, batch 100; CPU µs per step, median of"
        f" {args.rounds} rounds of {args.block} steps, contenders interleaved;\n"
        "numpy: DLfS's layers, hand-written (see numpy_step); mgkr/np: median of paired ratios;\n"
        "np/np: the same numpy step run again as another contender (the noise floor)\n"
    )
    peers = ["torch", "jax jit", "jax", "tinygrad"] if not args.quick else []
    head = f"{'net':<6}{'size':<12}{'dtype':<9}{'numpy':>9}{'mgkr':>9}{'mgkr/np':>9}{'np/np':>8}"
    print(head + "".join(f"{p:>10}" for p in peers))
    for bn in (False, True):
        for d, h, c in ((64, 100, 10), (784, 100, 10)):
            for dtype in (np.float64, np.float32):
                p = init(d, h, c, 100, dtype)
                steps: dict[str, Step | None] = {
                    "numpy": numpy_step(p, bn),
                    "mgkr": microgradkr_step(p, bn),
                    "numpy again": numpy_step(p, bn),  # the A/A control
                }
                if not args.quick:
                    steps["torch"] = torch_step(p, bn)
                    steps["jax jit"] = jax_step(p, bn, jit=True)
                    steps["jax"] = jax_step(p, bn, jit=False)
                    steps["tinygrad"] = tinygrad_step(p, bn)
                run = {k: s for k, s in steps.items() if s is not None}
                # the same numbers from the same start: the contenders must agree first
                first = {k: s() for k, s in run.items()}
                tol = 1e-6 if dtype == np.float64 else 1e-3
                assert max(first.values()) - min(first.values()) < tol, first
                times = paired(run, args.rounds, args.block)
                us = {k: statistics.median(v) * 1e6 for k, v in times.items()}
                row = (
                    f"{'BN' if bn else 'MLP':<6}{f'{d}-{h}-{c}':<12}{np.dtype(dtype).name:<9}"
                    f"{us['numpy']:>9.1f}{us['mgkr']:>9.1f}"
                    f"{ratio(times['mgkr'], times['numpy']):>8.2f}x"
                    f"{ratio(times['numpy again'], times['numpy']):>7.2f}x"
                )
                for peer in peers:
                    row += f"{us[peer]:>10.1f}" if peer in us else f"{'—':>10}"
                print(row, flush=True)


if __name__ == "__main__":
    main()
