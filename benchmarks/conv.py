"""Convolutions: forward+backward of one Conv2d layer, and one training step of DLfS's
SimpleConvNet (conv-relu-pool-affine-relu-affine-softmax, SGD update): microgradkr vs the book's
numpy im2col layers (ch.7, rewritten here) vs PyTorch CPU on one thread, side by side.

Two sizes: the book's (batch 100 of 1x28x28 MNIST images, 30 filters 5x5, pool 2x2, 100 hidden)
and a larger one (batch 64 of 3x32x32 images, 64 filters 3x3 with padding 1). float64 for all
three, as the book. Times are the median of ``--reps`` runs of CPU time (time.process_time),
after a warm-up; the machine may be shared, so read the ratios, which come from one run.
The book's Convolution.backward always computes dx, also for the input images; microgradkr and
PyTorch skip it in the SimpleConvNet step (the images do not require grad). With the images
requiring grad, microgradkr's step measured 142-151 ms against the book's 161-167 ms (one run,
loaded machine). The conv-layer rows compute dx, dW and db in all three.

Run from the repository root: python benchmarks/conv.py [--reps N] [--float32]
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
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import Tensor, nn, optim  # noqa: E402
from microgradkr.functional import conv2d, cross_entropy  # noqa: E402

LR = 0.1

SIZES = {
    "book": {"n": 100, "c": 1, "hw": 28, "fn": 30, "k": 5, "pad": 0, "hidden": 100},
    "larger": {"n": 64, "c": 3, "hw": 32, "fn": 64, "k": 3, "pad": 1, "hidden": 100},
}


def init(size: dict[str, int], dtype: Any, seed: int = 0) -> dict[str, np.ndarray]:
    """The same weights and batch for every contender (He's std)."""
    rng = np.random.default_rng(seed)
    n, c, hw, fn, k, pad, hidden = (size[key] for key in SIZES["book"])
    pooled = fn * ((hw + 2 * pad - k + 1) // 2) ** 2
    arrays = {
        "W1": rng.standard_normal((fn, c, k, k)) * np.sqrt(2.0 / (c * k * k)),
        "b1": np.zeros(fn),
        "W2": rng.standard_normal((pooled, hidden)) * np.sqrt(2.0 / pooled),
        "b2": np.zeros(hidden),
        "W3": rng.standard_normal((hidden, 10)) * np.sqrt(2.0 / hidden),
        "b3": np.zeros(10),
        "x": rng.random((n, c, hw, hw)),
    }
    out = {name: a.astype(dtype) for name, a in arrays.items()}
    out["t"] = rng.integers(0, 10, n)
    return out


# -- the book's numpy code (DLfS ch.7 common/util.py and common/layers.py), in our own words ----


def book_im2col(x: np.ndarray, fh: int, fw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Copy each filter position's strided slice into a 6-d array, then transpose to rows."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((n, c, fh, fw, oh, ow), dtype=x.dtype)
    for y in range(fh):
        for xx in range(fw):
            col[:, :, y, xx, :, :] = img[
                :, :, y : y + stride * oh : stride, xx : xx + stride * ow : stride
            ]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def book_col2im(
    col: np.ndarray, shape: tuple[int, ...], fh: int, fw: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Add each filter position's column block back onto its strided slice of a zero image."""
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col6 = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1), dtype=col.dtype)
    for y in range(fh):
        for xx in range(fw):
            img[:, :, y : y + stride * oh : stride, xx : xx + stride * ow : stride] += col6[
                :, :, y, xx, :, :
            ]
    return img[:, :, pad : h + pad, pad : w + pad]


class BookConvolution:
    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        fn, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh = (h + 2 * self.pad - fh) // self.stride + 1
        ow = (w + 2 * self.pad - fw) // self.stride + 1
        self.x = x
        self.col = book_im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(fn, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        fn, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(fn, c, fh, fw)
        dcol = dout @ self.col_W.T
        return book_col2im(dcol, self.x.shape, fh, fw, self.stride, self.pad)


class BookPooling:
    def __init__(self, ph: int, pw: int, stride: int = 2) -> None:
        self.ph, self.pw, self.stride = ph, pw, stride

    def forward(self, x: np.ndarray) -> np.ndarray:
        n, c, h, w = x.shape
        oh, ow = (h - self.ph) // self.stride + 1, (w - self.pw) // self.stride + 1
        col = book_im2col(x, self.ph, self.pw, self.stride).reshape(-1, self.ph * self.pw)
        self.x, self.arg_max = x, np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = dout.transpose(0, 2, 3, 1)
        size = self.ph * self.pw
        dmax = np.zeros((dout.size, size), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape + (size,)).reshape(-1, dout.shape[3] * size)
        return book_col2im(dcol, self.x.shape, self.ph, self.pw, self.stride)


class BookRelu:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout[self.mask] = 0
        return dout


class BookAffine:
    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.shape)


class BookSoftmaxWithLoss:
    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        n = len(t)
        return float(-np.log(self.y[np.arange(n), t] + 1e-7).sum() / n)

    def backward(self) -> np.ndarray:
        n = len(self.t)
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx / n


def book_net(a: dict[str, np.ndarray], pad: int) -> Callable[[], None]:
    """The book's SimpleConvNet.gradient and an SGD update, as one step."""
    conv = BookConvolution(a["W1"].copy(), a["b1"].copy(), 1, pad)
    layers: list[Any] = [
        conv,
        BookRelu(),
        BookPooling(2, 2, 2),
        BookAffine(a["W2"].copy(), a["b2"].copy()),
        BookRelu(),
        BookAffine(a["W3"].copy(), a["b3"].copy()),
    ]
    last = BookSoftmaxWithLoss()
    x, t = a["x"], a["t"]

    def step() -> None:
        h = x
        for layer in layers:
            h = layer.forward(h)
        last.forward(h, t)
        d = last.backward()
        for layer in reversed(layers):
            d = layer.backward(d)
        for layer in (layers[0], layers[3], layers[5]):
            layer.W -= LR * layer.dW
            layer.b -= LR * layer.db

    return step


def book_conv(a: dict[str, np.ndarray], pad: int) -> Callable[[], None]:
    conv = BookConvolution(a["W1"], a["b1"], 1, pad)
    g = None

    def step() -> None:
        nonlocal g
        out = conv.forward(a["x"])
        g = np.ones_like(out) if g is None else g
        conv.backward(g)

    return step


# -- microgradkr ------------------------------------------------------------------------------


def ours_net(a: dict[str, np.ndarray], pad: int) -> Callable[[], None]:
    fn, c, k, _ = a["W1"].shape
    model = nn.Sequential(
        nn.Conv2d(c, fn, k, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Affine(*a["W2"].shape),
        nn.ReLU(),
        nn.Affine(*a["W3"].shape),
    )
    for p, name in zip(model.parameters(), ("W1", "b1", "W2", "b2", "W3", "b3"), strict=True):
        p.data = a[name].copy()
    opt = optim.SGD(model, lr=LR)
    x, t = a["x"], a["t"]

    def step() -> None:
        opt.zero_grad()
        cross_entropy(model(x), t).backward()
        opt.step()

    return step


def ours_conv(a: dict[str, np.ndarray], pad: int) -> Callable[[], None]:
    x, W, b = (Tensor(a[k], requires_grad=True, dtype=a[k].dtype) for k in ("x", "W1", "b1"))
    g = None

    def step() -> None:
        nonlocal g
        x.grad = W.grad = b.grad = None
        out = conv2d(x, W, b, 1, pad)
        g = np.ones_like(out.data) if g is None else g
        out.backward(g)

    return step


# -- PyTorch ----------------------------------------------------------------------------------


def torch_net(a: dict[str, np.ndarray], pad: int) -> Callable[[], None]:
    import torch

    F = torch.nn.functional
    p = {k: torch.tensor(a[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2", "W3", "b3")}
    x, t = torch.from_numpy(a["x"]), torch.from_numpy(a["t"])

    def step() -> None:
        for v in p.values():
            v.grad = None
        h = F.max_pool2d(F.relu(F.conv2d(x, p["W1"], p["b1"], padding=pad)), 2)
        h = F.relu(h.flatten(1) @ p["W2"] + p["b2"])
        F.cross_entropy(h @ p["W3"] + p["b3"], t).backward()
        with torch.no_grad():
            for v in p.values():
                v -= LR * v.grad

    return step


def torch_conv(a: dict[str, np.ndarray], pad: int) -> Callable[[], None]:
    import torch

    x, W, b = (torch.tensor(a[k], requires_grad=True) for k in ("x", "W1", "b1"))

    def step() -> None:
        x.grad = W.grad = b.grad = None
        out = torch.nn.functional.conv2d(x, W, b, padding=pad)
        out.backward(torch.ones_like(out))

    return step


def timed(step: Callable[[], None], reps: int) -> float:
    """Median CPU seconds of one call, after two warm-up calls."""
    step()
    step()
    times = []
    for _ in range(reps):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--float32", action="store_true", help="every contender in float32")
    args = parser.parse_args(argv)
    dtype = np.float32 if args.float32 else np.float64
    contenders: dict[str, dict[str, Callable[..., Callable[[], None]]]] = {
        "conv layer fwd+bwd": {"book numpy": book_conv, "microgradkr": ours_conv},
        "SimpleConvNet step": {"book numpy": book_net, "microgradkr": ours_net},
    }
    try:
        import torch

        torch.set_num_threads(1)
        contenders["conv layer fwd+bwd"]["torch"] = torch_conv
        contenders["SimpleConvNet step"]["torch"] = torch_net
        versions = f"torch {torch.__version__} (1 thread)"
    except ImportError:
        versions = "torch not installed"
    print(f"python {platform.python_version()}, numpy {np.__version__}, {versions}")
    print(f"{np.dtype(dtype).name}, median CPU time of {args.reps} runs (time.process_time)\n")
    results: dict[str, dict[str, float]] = {}
    for size_name, size in SIZES.items():
        a = init(size, dtype)
        n, c, hw, fn, k, pad = (size[key] for key in ("n", "c", "hw", "fn", "k", "pad"))
        print(f"{size_name} size: batch {n} of {c}x{hw}x{hw}, {fn} filters {k}x{k}, pad {pad}")
        for what, fns in contenders.items():
            times = {name: timed(make(a, pad), args.reps) for name, make in fns.items()}
            ours = times["microgradkr"]
            cells = [f"{name} {t * 1e3:7.2f} ms" for name, t in times.items()]
            others = [(name, t) for name, t in times.items() if name != "microgradkr"]
            ratios = [f"ours/{name} {ours / t:.2f}x" for name, t in others]
            print(f"  {what:20s} " + "  ".join(cells) + "   " + "  ".join(ratios))
            results[f"{size_name}: {what}"] = times
        print()
    return results


if __name__ == "__main__":
    main()
