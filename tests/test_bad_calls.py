"""Bad calls get a typed error from microgradkr's own code that names the argument: the cases of
issue 20 one by one, load_model's refusals of what is not a small regular .npz file (a FIFO, a
device, 200k members, pickles), and the attack of tests/bad_calls.py over the public API."""

from __future__ import annotations

import os
import pickle
import re
import signal
import sys
import traceback
import zipfile
from pathlib import Path

import numpy as np
import pytest

import microgradkr as mg
from microgradkr import LoadError, Tensor, Value, io, nn, optim

sys.path.insert(0, str(Path(__file__).parent))
import bad_calls  # noqa: E402  # the attack's table, also runnable as a script


def _raised_here(err: pytest.ExceptionInfo[BaseException]) -> str:
    """The file of the innermost frame: microgradkr's own, not numpy's or the stdlib's."""
    return traceback.extract_tb(err.tb)[-1].filename


def _graph() -> Value:
    a = Value(2.0, label="a")
    return (a * a).tanh()


# -- the cases of issue 20, each seen to fail (a raw error from deep inside) before ------------


def test_explore_negative_precision_names_precision():
    with pytest.raises(ValueError, match="explore: precision must be in") as err:
        mg.explore(_graph(), precision=-1)
    assert "microgradkr" in _raised_here(err)


def test_sum_float_dim_names_dim():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="sum: dim must be an int or a tuple of ints, got 1.5"):
        t.sum(dim=1.5)
    with pytest.raises(ValueError, match="names an axis more than once"):
        t.sum(dim=(0, -2))  # numpy's 'duplicate value in axis' before
    assert t.sum(dim=(0, 1)).item() == 6.0


def test_draw_modules_str_names_modules():
    with pytest.raises(TypeError, match="draw: modules must be an nn Module or a list of them"):
        mg.draw(_graph(), modules="a")


def test_grad_of_a_str_input_names_inputs():
    a = Value(2.0)
    out = a * a
    with pytest.raises(TypeError, match="grad: inputs must be a Value or a Tensor, got str"):
        mg.grad(out, "a")
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value or a Tensor"):
        mg.grad(out, [a, None])
    assert mg.grad(out, a) == (4.0,)


def test_watch_update_none_names_loss():
    watcher = mg.watch(nn.Linear(2, 1, rng=0))
    with pytest.raises(TypeError, match="update: loss must be a Value, a Tensor or a number"):
        watcher.update(None)
    assert watcher.step == 0  # the bad call is not counted as a step


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSProp, optim.AdaGrad])
def test_optimizer_step_with_a_wrong_shaped_grad_names_the_parameter(cls):
    p = Tensor(np.ones(3), requires_grad=True)
    before = p.data.copy()
    opt = cls([p], lr=0.1)
    p.grad = np.ones(4)
    with pytest.raises(
        ValueError,
        match=r"step: params\[0\]\.grad must be a numeric array of "
        r"the parameter's shape \(3,\), got shape \(4,\)",
    ):
        opt.step()
    np.testing.assert_array_equal(p.data, before)  # nothing was updated
    p.grad = np.ones((2, 3))  # broadcasts into p.data[...] silently before
    with pytest.raises(ValueError, match=r"got shape \(2, 3\)"):
        opt.step()
    v = Value(1.0)
    opt = cls([v], lr=0.1)
    v.grad = "a"
    with pytest.raises(TypeError, match=r"step: params\[0\]\.grad must be a number, got str"):
        opt.step()


# -- load_model: only a small regular file, never a pickle -------------------------------------


def _alarm(seconds: int) -> None:
    def hang(signum, frame):
        raise TimeoutError("load_model hung")

    signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_load_model_refuses_a_fifo_without_hanging(tmp_path):
    fifo = tmp_path / "x.npz"
    os.mkfifo(fifo)
    _alarm(5)  # before: open() blocked forever waiting for a writer
    try:
        with pytest.raises(LoadError, match="x.npz is a FIFO, not an .npz file"):
            mg.load_model(nn.Linear(2, 1, rng=0), fifo)
    finally:
        signal.alarm(0)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_load_model_refuses_a_device():
    _alarm(5)  # before: /dev/zero was read as the start of a zip, or forever
    try:
        with pytest.raises(LoadError, match="/dev/zero is a device"):
            mg.load_model(nn.Linear(2, 1, rng=0), "/dev/zero")
    finally:
        signal.alarm(0)


def test_load_model_refuses_a_zip_of_200k_members_in_a_short_message(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(200_000):
            z.writestr(f"a{i}.npy", b"")
    model = nn.Linear(2, 1, rng=0)
    with pytest.raises(LoadError) as err:
        mg.load_model(model, path)
    message = str(err.value)
    assert len(message) < 300  # was 1.7 MB: every member's name
    assert "bytes, more than the" in message or "holds 200000 members" in message


def test_load_model_refuses_many_members_even_under_the_byte_budget(tmp_path):
    model = nn.Linear(500, 500, rng=0)  # a budget of 4 MB: room for 2000 empty members
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(2000):
            z.writestr(f"param_{i}.npy", b"")
    with pytest.raises(LoadError, match="holds 2000 members, the module has 2 arrays"):
        mg.load_model(model, path)


def test_load_model_names_at_most_a_few_unexpected_arrays(tmp_path):
    arrays = {f"param_{i}": np.zeros(1) for i in range(20)}
    path = tmp_path / "other.npz"
    np.savez(path, **arrays)
    with pytest.raises(LoadError, match=r"\(10 more\)"):
        mg.load_model(nn.Linear(1, 1, rng=0), path)


def test_load_model_never_unpickles(tmp_path, monkeypatch):
    """No np.load (allow_pickle) and no pickle on the way: a good file loads without them."""
    model = nn.Linear(2, 1, rng=0)
    path = mg.save_model(model, tmp_path / "m.npz")

    def forbidden(*args, **kwargs):
        raise AssertionError("load_model must not call np.load or pickle")

    monkeypatch.setattr(np, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    before = [p.data.copy() for p in model.parameters()]
    for p in model.parameters():
        p.data[...] = 0.0
    mg.load_model(model, path)
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)
    assert "np.load(" not in Path(io.__file__).read_text()  # nothing in io.py may unpickle


def test_load_model_refuses_an_object_array(tmp_path):
    path = tmp_path / "obj.npz"
    with open(path, "wb") as f:
        np.savez(f, param_0=np.array([[None, None]], dtype=object), param_1=np.zeros(1))
    with pytest.raises(LoadError, match="object array \\(a pickle\\); load never unpickles"):
        mg.load_model(nn.Linear(2, 1, rng=0), path)


def test_load_model_path_must_be_a_path():
    with pytest.raises(TypeError, match="load_model: path must be a file path"):
        mg.load_model(nn.Linear(2, 1, rng=0), None)


# -- the attack: every public name with bad arguments ------------------------------------------

# The calls the attack still answers with a raw or unnamed error for some bad argument (mostly
# Tensor methods and functional ops whose files other work owns this round; see the report of
# issue 20). Nothing outside them may fail, and no more than BUDGET calls in all: lower both as
# they are fixed. Before this round the same attack found 2735 failures (of 9200 bad calls).
OPEN = {
    "F.batch_norm",
    "F.col2im",
    "F.conv2d",
    "F.cross_entropy_error",
    "F.dropout",
    "F.hinge",
    "F.leaky_relu",
    "F.linear",
    "F.mse",
    "F.mse_loss",
    "F.sigmoid",
    "Neuron()",
    "Sigmoid()",
    "SoftmaxWithLoss()",
    "Tensor",
    "Tensor.__add__",
    "Tensor.__lt__",
    "Tensor.__matmul__",
    "Tensor.__mul__",
    "Tensor.__pow__",
    "Tensor.__sub__",
    "Tensor.__truediv__",
    "Tensor.amax",
    "Tensor.amin",
    "Tensor.backward",
    "Tensor.bmm",
    "Tensor.dot",
    "Tensor.expand",
    "Tensor.expand_as",
    "Tensor.gather",
    "Tensor.matmul",
    "Tensor.max",
    "Tensor.maximum",
    "Tensor.mean",
    "Tensor.min",
    "Tensor.minimum",
    "Tensor.mm",
    "Tensor.pow",
    "Tensor.requires_grad_",
    "Tensor.reshape_as",
    "Tensor.std",
    "Tensor.sum",
    "Tensor.to",
    "Tensor.view",
    "Tensor.view_as",
    "Tensor.where",
    "Value.__add__",
    "Value.__mul__",
    "Value.__pow__",
    "Value.__sub__",
    "Value.__truediv__",
    "Value.max",
    "add_n",
    "affine",
    "apply",
    "arange",
    "draw",
    "explain",
    "format_trace",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "jacobian",
    "load_model",
    "set_grad_enabled",
    "set_language",
    "sum_to",
    "tensor",
    "testing.op_cases",
    "testing.tensors",
    "transforms.hessian",
    "transforms.hvp",
    "transforms.jacobian",
    "transforms.jvp",
    "transforms.vhp",
    "transforms.vjp",
    "viz.save",
    "vjp",
    "where",
    "words",
    "write_steps",
}
BUDGET = 537


def test_the_attack_finds_no_new_raw_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a bad path argument ('a') is written here
    n, failures = bad_calls.attack(tmp_path)
    assert n > 9000
    labels = [re.match(r"^(.*?)\((\w+)=", f) for f in failures]
    outside = [f for f, m in zip(failures, labels, strict=True) if not m or m.group(1) not in OPEN]
    assert outside == []
    assert len(failures) <= BUDGET
