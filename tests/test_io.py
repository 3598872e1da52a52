"""save / load: a round trip, and every kind of file that load must refuse."""

from __future__ import annotations

import pickle
import random
from typing import Any

import numpy as np
import pytest

import microgradkr
from microgradkr import Value, io
from microgradkr.nn import MLP, Module


class ArrayParam:
    """A stand-in for a Tensor parameter: ndarray ``data`` and ``grad``."""

    def __init__(self, data: Any) -> None:
        self.data = np.array(data, dtype=np.float64)
        self.grad = None


class Mixed(Module):
    """One Value and two array parameters."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.w = ArrayParam(rng.normal(size=(3, 2)))
        self.b = ArrayParam(rng.normal(size=2))
        self.scale = Value(float(rng.normal()))

    def parameters(self) -> list[Any]:
        return [self.w, self.b, self.scale]


def test_round_trip_of_an_mlp(tmp_path):
    random.seed(0)
    a = MLP(3, [4, 2])
    random.seed(1)
    b = MLP(3, [4, 2])
    path = microgradkr.save(a, tmp_path / "mlp.npz")
    assert path == tmp_path / "mlp.npz"
    microgradkr.load(b, path)
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    assert all(type(p.data) is float for p in b.parameters())
    x = [0.5, -1.0, 2.0]
    assert [o.data for o in b(x)] == [o.data for o in a(x)]


def test_round_trip_of_arrays_is_in_place(tmp_path):
    a, b = Mixed(0), Mixed(1)
    ref = b.w.data
    microgradkr.save(a, tmp_path / "m.npz")
    microgradkr.load(b, tmp_path / "m.npz")
    assert b.w.data is ref
    np.testing.assert_array_equal(b.w.data, a.w.data)
    np.testing.assert_array_equal(b.b.data, a.b.data)
    assert b.scale.data == a.scale.data
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert f.files == ["param_0", "param_1", "param_2"]
        assert f["param_0"].shape == (3, 2) and f["param_2"].shape == ()


def test_save_needs_the_npz_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.npz"):
        microgradkr.save(Mixed(0), tmp_path / "weights.pkl")


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def good_arrays() -> dict[str, np.ndarray]:
    m = Mixed(0)
    return {f"param_{i}": np.asarray(p.data) for i, p in enumerate(m.parameters())}


def make_pickle(tmp):
    path = tmp / "evil.npz"
    path.write_bytes(pickle.dumps({"param_0": np.zeros((3, 2))}))
    return path


def make_text(tmp):
    path = tmp / "weights.npz"
    path.write_text("param_0 = 1.0\n")
    return path


def make_npy(tmp):
    path = tmp / "w.npy"
    np.save(path, np.zeros((3, 2)))
    return path


def make_missing(tmp):
    arrays = good_arrays()
    del arrays["param_2"]
    return write_npz(tmp / "m.npz", **arrays)


def make_extra(tmp):
    return write_npz(tmp / "m.npz", **good_arrays(), param_3=np.zeros(1))


def make_renamed(tmp):
    arrays = good_arrays()
    arrays["W1"] = arrays.pop("param_0")
    return write_npz(tmp / "m.npz", **arrays)


def make_misshaped(tmp):
    return write_npz(tmp / "m.npz", **{**good_arrays(), "param_1": np.zeros(3)})


def make_object(tmp):
    return write_npz(
        tmp / "m.npz", **{**good_arrays(), "param_1": np.array([{}, []], dtype=object)}
    )


def make_strings(tmp):
    return write_npz(tmp / "m.npz", **{**good_arrays(), "param_1": np.array(["a", "b"])})


def make_bad_zip(tmp):
    path = tmp / "m.npz"
    path.write_bytes(b"PK\x03\x04 and then nothing of a zip archive")
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (make_pickle, "not an .npz file"),
        (make_text, "not an .npz file"),
        (make_npy, "not an .npz file"),
        (make_bad_zip, "not a readable .npz file"),
        (make_missing, "2 arrays, the module has 3 parameters; missing array(s): param_2"),
        (make_extra, "4 arrays, the module has 3 parameters; unexpected array(s): param_3"),
        (make_renamed, "missing array(s): param_0; unexpected array(s): W1"),
        (make_misshaped, "'param_1' has the wrong shape (3,), the parameter has (2,)"),
        (make_object, "'param_1' is an object array (a pickle); load never unpickles"),
        (make_strings, "'param_1' has dtype <U1, expected numbers"),
    ],
)
def test_load_refuses_with_a_message_and_changes_nothing(tmp_path, make, words):
    path = make(tmp_path)
    m = Mixed(5)
    before = [np.array(p.data, copy=True) for p in m.parameters()]
    with pytest.raises(ValueError) as err:
        microgradkr.load(m, path)
    assert words in str(err.value)
    for p, old in zip(m.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, old)


def test_load_never_asks_numpy_to_unpickle(tmp_path, monkeypatch):
    calls = []
    real_load = np.load

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("allow_pickle", "default"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(io.np, "load", spy)
    ok = microgradkr.save(Mixed(0), tmp_path / "ok.npz")
    microgradkr.load(Mixed(1), ok)
    for make in (make_object, make_missing, make_bad_zip):
        with pytest.raises(ValueError):
            microgradkr.load(Mixed(1), make(tmp_path))
    assert calls and all(flag is False for flag in calls)


def test_save_refuses_non_numeric_parameters(tmp_path):
    p = ArrayParam([1.0])
    p.data = np.array(["x"])
    with pytest.raises(TypeError, match="parameter 0 holds <U1 data"):
        microgradkr.save([p], tmp_path / "x.npz")
