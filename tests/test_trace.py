"""The backward pass as data: steps, gradients after k steps, the text trace."""

import pytest

from microgradkr import Value, backward_steps, format_trace, gradients_after
from microgradkr.examples import add_mul, gate_patterns, sigmoid_neuron


def test_steps_of_1a():
    f, v = add_mul()
    steps = backward_steps(f)
    assert [(s.index, s.node, s.pattern, s.upstream) for s in steps] == [
        (1, f, "switcher", 1.0),
        (2, v["q"], "distributor", -4.0),
    ]
    assert [(e.parent, e.local, e.contribution) for e in steps[0].edges] == [
        (v["q"], -4.0, -4.0),
        (v["z"], 3.0, 3.0),
    ]
    assert [(e.parent, e.local, e.contribution) for e in steps[1].edges] == [
        (v["x"], 1.0, -4.0),
        (v["y"], 1.0, -4.0),
    ]
    assert f.grad == 0.0  # steps never touch .grad


def test_gradients_known_after_k_steps():
    f, v = add_mul()
    steps = backward_steps(f)
    assert gradients_after(steps, 0) == {f: 1.0}
    assert gradients_after(steps, 1) == {f: 1.0, v["q"]: -4.0, v["z"]: 3.0}
    assert gradients_after(steps, 2)[v["x"]] == -4.0


@pytest.mark.parametrize("build", [add_mul, gate_patterns, sigmoid_neuron])
def test_steps_agree_with_backward(build):
    f, v = build()
    steps = backward_steps(f, 2.0)
    f.backward(2.0)
    final = gradients_after(steps, len(steps), 2.0)
    for step in steps:
        assert step.upstream == pytest.approx(step.node.grad)
    for leaf in v.values():
        assert final[leaf] == pytest.approx(leaf.grad)


def test_fan_out_gets_one_edge_per_use():
    x = Value(3.0, "x")
    y = x * x
    (step,) = backward_steps(y)
    assert [e.parent for e in step.edges] == [x, x]
    assert [e.contribution for e in step.edges] == [3.0, 3.0]
    assert gradients_after([step], 1)[x] == 6.0


def test_format_trace_prints_gates_patterns_and_numbers():
    f, _ = sigmoid_neuron()
    text = format_trace(f)
    assert "step 1: f [1/x chain] upstream 1" in text
    assert "-> add#7: local -0.53445 x upstream 1 = -0.53445" in text
    assert "[exp chain] upstream -0.53445" in text
    assert "-> x1: local -3 x upstream 0.19661 = -0.58984" in text
    assert "mul#1 = mul(w0, x0) = -2" in text
