"""The demos tell the truth: their numbers, run here."""

import importlib.util
import random
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"


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
    if shutil.which("dot") is None:
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


# each writer, run quickly; (module, extra arguments, what it needs)
WRITERS = [
    ("moons_micrograd", ["--steps", "2"], "sklearn"),
    ("gradient_descent", [], "matplotlib"),
    ("optimizers", ["--steps", "3"], "matplotlib"),
    ("im2col_figure", [], "matplotlib"),
    ("second_derivative", [], None),
    ("tensor_l2", [], None),
]


@pytest.mark.parametrize(("name", "extra", "needs"), WRITERS, ids=[w[0] for w in WRITERS])
def test_demos_write_into_out_and_nowhere_else(name, extra, needs, tmp_path, monkeypatch):
    if needs:
        pytest.importorskip("matplotlib")
        pytest.importorskip(needs)
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # the directory a learner runs it from, e.g. the repository
    load(name).main(["--out", str(out), *extra])
    assert list(cwd.iterdir()) == [], f"{name} wrote into the current directory"
    assert any(out.iterdir()), f"{name} wrote nothing into --out"
