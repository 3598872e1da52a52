"""explain(): a gradient as the chain-rule sum over uses and the product along paths (1c)."""

from __future__ import annotations

import numpy as np
import pytest

from microgradkr import Tensor, Value, examples, explain


def test_fan_out_is_a_sum_over_uses() -> None:
    f, v = examples.gate_patterns()
    f.backward()
    ex = explain(v["x"], f)
    text = str(ex)
    assert text.splitlines()[0] == "x.grad = ∂f/∂x = -8 + 1 = -7"
    assert "local ∂a/∂x = -4 × upstream ∂f/∂a = 2 → -8" in text
    assert [u.c for u in ex.uses] == ["-8", "1"]
    assert [p.product for p in ex.paths] == ["-8", "1"]
    assert ex.total == "-7" and v["x"].grad == -7.0


def test_one_use_and_the_paths_of_1b() -> None:
    f, v = examples.sigmoid_neuron()
    ex = explain(v["x1"], f)  # before backward: the steps are the engine's own record
    assert ex.total == "-0.5898" and len(ex.uses) == 1 and len(ex.paths) == 1
    assert ex.paths[0].names[0] == "x1" and ex.paths[0].names[-1] == "f"
    assert ex.paths[0].product == "-0.5898"


def test_korean() -> None:
    f, v = examples.add_mul()
    text = str(explain(v["x"], f, lang="ko"))
    assert text.startswith("x의 기울기(gradient) ∂f/∂x = -4")
    assert "국소적 미분(local gradient) ∂q/∂x = 1 × 상류 기울기(upstream gradient) ∂f/∂q" in text
    assert "경로마다 국소적 미분을(를) 곱함" in text  # the second use: the Korean word alone


def test_the_root_and_a_value_that_does_not_reach_it() -> None:
    f, v = examples.add_mul()
    assert "∂f/∂f = 1" in str(explain(f, f))
    assert "does not reach" in str(explain(Value(3.0, "u"), f))


def test_many_paths_are_counted_not_listed() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(6):
        y = y * x + y
    ex = explain(x, y)  # each level: y*x + y, so paths(level) = 2 paths(level-1) + 1
    assert len(ex.paths) == 12 and ex.more_paths == 127 - 12


def test_tensor_uses_name_their_vjp() -> None:
    f, v = examples.l2()
    f.backward()
    text = str(explain(v["x"], f))
    assert text.splitlines()[0] == "x.grad = ∂f/∂x = [-0.112, 0.636]"
    assert "VJP Wᵀ g" in text


def test_a_korean_tensor_explanation_reads_in_english_too() -> None:
    f, _ = examples.l2()
    f.backward()
    squares = f._prev[0]  # f = sum(q ** 2): its VJP note is words, not a formula
    ex = explain(squares, f, lang="ko")
    assert "g를 모든 축 방향으로 복사해 되돌림" in str(ex)
    english = "\n".join(ex.lines("en"))
    assert "VJP g copied back over all axes of upstream" in english and "복사" not in english
    assert english == str(explain(squares, f, lang="en"))


def test_a_korean_explanation_of_a_large_tensor_names_its_norms_in_english_too() -> None:
    W = Tensor(np.random.default_rng(0).normal(size=(20, 20)), requires_grad=True, label="W")
    f = (W * 3.0).sum()
    f.backward()
    ex = explain(W, f, lang="ko")
    assert str(ex).count("노름") == 2  # W.grad, and what its one use sends
    english = "\n".join(ex.lines("en"))
    assert english == str(explain(W, f, lang="en")) and english.count("norm") == 2


def test_bad_arguments() -> None:
    f, v = examples.add_mul()
    with pytest.raises(ValueError, match="lang"):
        explain(v["x"], f, lang="fr")
    with pytest.raises(TypeError):
        explain(2.0, f)  # type: ignore[arg-type]


def test_a_path_100_000_gates_long_is_explained_in_linear_work() -> None:
    """Each path is walked back once through links, not copied at every step: the old copy of
    the path so far made this chain quadratic (about 4 minutes; now about 2 seconds)."""
    x = Value(0.3, "x")
    y = x
    for _ in range(100_000):
        y = y.tanh()
    ex = explain(x, y, precision=3)
    (path,) = ex.paths
    assert ex.more_paths == 0 and len(path.names) == 100_001 and len(path.factors) == 100_000
    assert path.names[0] == "x" and path.names[1] == "tanh#1" and path.names[-1] == "tanh#100000"
    y.backward()
    assert path.product == ex.total == f"{x.grad:.3g}"
