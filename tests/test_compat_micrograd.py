"""Code written for karpathy/micrograd (its README, its lecture's cells, its demo) runs here with
only the import changed; numbers against the lecture's and, where installed, micrograd's own."""

import math
import random

import pytest

from microgradkr import Diagram, Value, draw, draw_dot
from microgradkr.nn import MLP


def readme_example(Value):  # noqa: N803 -- the class under test, micrograd's or ours
    """micrograd's README, verbatim."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_readme_example_prints_the_readme_numbers():
    g, da, db = readme_example(Value)
    assert f"{g:.4f}" == "24.7041"
    assert f"{da:.4f}" == "138.8338"
    assert f"{db:.4f}" == "645.5773"


def test_readme_example_matches_micrograd():
    engine = pytest.importorskip("micrograd.engine")
    assert readme_example(Value) == pytest.approx(readme_example(engine.Value), rel=1e-12)


def lecture_neuron():
    """The lecture's neuron o = tanh(x1 w1 + x2 w2 + b), built and labelled as in its cells."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


def test_the_lectures_first_expression_and_the_a_plus_a_bug():
    """L = (a*b + c) * f: the lecture's hand-derived grads; and b = a + a gives a.grad = 2 (the
    bug the lecture fixes by accumulating with +=)."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    L.backward()
    assert (L.data, a.grad, b.grad, c.grad, f.grad, d.grad) == (-8.0, 6.0, -4.0, -2.0, 4.0, -2.0)
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_the_lectures_manual_backprop_node_by_node():
    v = lecture_neuron()
    assert v["o"].data == pytest.approx(0.7071067811865476)
    v["o"].grad = 1.0
    v["o"]._backward()
    assert v["n"].grad == pytest.approx(0.5, abs=1e-6)  # 1 - tanh^2
    v["n"]._backward()
    assert v["b"].grad == pytest.approx(0.5, abs=1e-6)
    assert v["x1w1x2w2"].grad == pytest.approx(0.5, abs=1e-6)
    v["b"]._backward()  # a leaf: nothing to do, as micrograd's
    v["x1w1x2w2"]._backward()
    assert v["x1w1"].grad == pytest.approx(0.5, abs=1e-6)
    assert v["x2w2"].grad == pytest.approx(0.5, abs=1e-6)
    v["x2w2"]._backward()
    v["x1w1"]._backward()
    assert v["x1"].grad == pytest.approx(-1.5, abs=1e-6)
    assert v["w1"].grad == pytest.approx(1.0, abs=1e-6)
    assert v["x2"].grad == pytest.approx(0.5, abs=1e-6)
    assert v["w2"].grad == pytest.approx(0.0, abs=1e-6)


def test_manual_steps_give_what_backward_gives():
    manual, auto = lecture_neuron(), lecture_neuron()
    manual["o"].grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):
        manual[name]._backward()
    auto["o"].backward()
    for name in ("x1", "w1", "x2", "w2", "b", "n"):
        assert manual[name].grad == auto[name].grad


def test_the_lectures_topological_sort_cell():
    """The lecture's own build_topo (recursive, over ``_prev``) then ``_backward`` in reverse."""
    v = lecture_neuron()
    o = v["o"]
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert [v[k].grad for k in ("x1", "w1", "x2", "w2")] == pytest.approx(
        [-1.5, 1.0, 0.5, 0.0], abs=1e-6
    )


def test_the_lectures_own_draw_dot_reads_our_nodes():
    """The lecture's trace() reads ``_prev``, ``_op``, ``label``, ``data`` and ``grad``."""
    o = lecture_neuron()["o"]
    nodes, edges = set(), set()
    stack = [o]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                stack.append(child)
    ops = sorted(n._op for n in nodes if n._op)
    assert ops == ["*", "*", "+", "+", "tanh"]
    assert {n.label for n in nodes} >= {"x1", "w1", "x2", "w2", "b", "n", "o"}
    assert len(edges) == 9


def test_the_lectures_exp_form_of_tanh_gives_the_same_grads():
    """The lecture's cell that breaks tanh into exp, -, / gates: same gradients, 1e-6."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert [x1.grad, w1.grad, x2.grad, w2.grad] == pytest.approx([-1.5, 1.0, 0.5, 0.0], abs=1e-6)


def test_micrograd_constructor_makes_an_op_node_with_the_tables_local_gradients():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    d = Value(a.data * b.data, (a, b), "*", label="d")  # micrograd's positional form
    assert d.label == "d" and d._op == "*" and d.parents == (a, b)
    assert d.local_grads == (-3.0, 2.0)
    d.backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    t = Value(math.tanh(0.5), _children=(Value(0.5),), _op="tanh")
    assert t.local_grads == pytest.approx((1 - math.tanh(0.5) ** 2,))
    p = Value(9.0, (Value(3.0),), "**2")
    assert p.local_grads == (6.0,)


def test_the_old_label_positional_form_still_works():
    x = Value(2.0, "x")
    assert x.label == "x" and x.op is None and x.parents == ()
    assert Value(2.0, label="y").label == "y"


@pytest.mark.parametrize(
    ("children", "op", "error"),
    [
        ((), "*", ValueError),
        ("ab", "", None),  # a str is the label
        ((Value(1.0),), "sin", ValueError),
        ((Value(1.0),), "*", ValueError),
        (5, "+", TypeError),
        ((1.0, 2.0), "+", TypeError),
    ],
)
def test_micrograd_constructor_errors_name_the_argument(children, op, error):
    if error is None:
        assert Value(1.0, children, op).label == children
        return
    with pytest.raises(error, match="_children|_op"):
        Value(1.0, children, op)


def test_draw_dot_is_draw_with_micrograds_arguments():
    o = lecture_neuron()["o"]
    o.backward()
    dot = draw_dot(o)
    assert isinstance(dot, Diagram) and dot.format == "svg"
    assert dot.source == draw(o).source
    assert draw_dot(o, format="png", rankdir="TB").format == "png"
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(o, rankdir="XY")


def demo_loop(MLP, Value, steps=3):  # noqa: N803 -- the classes under test
    """micrograd's demo.ipynb training loop (SVM max-margin loss + L2), only the import changed."""
    random.seed(1337)
    X = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(20)]
    y = [1 if x0 * x1 > 0 else -1 for x0, x1 in X]
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_loss = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]  # noqa: B905
        data_loss = sum(data_loss) * (1.0 / len(data_loss))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]  # noqa: B905
        acc = sum(accuracy) / len(accuracy)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append((total_loss.data, acc))
    return losses, [p.data for p in model.parameters()]


def test_demo_loop_runs_and_learns():
    losses, _ = demo_loop(MLP, Value, steps=10)
    assert losses[-1][0] < losses[0][0]


def test_demo_loop_matches_micrograd_step_for_step():
    """Same seed, same init order (random.uniform per weight, as micrograd's Neuron): the same
    losses and the same weights after three SGD steps."""
    nn = pytest.importorskip("micrograd.nn")
    engine = pytest.importorskip("micrograd.engine")
    ours, ours_w = demo_loop(MLP, Value)
    theirs, theirs_w = demo_loop(nn.MLP, engine.Value)
    assert [loss for loss, _ in ours] == pytest.approx([loss for loss, _ in theirs], rel=1e-9)
    assert [acc for _, acc in ours] == [acc for _, acc in theirs]
    assert ours_w == pytest.approx(theirs_w, rel=1e-9, abs=1e-12)
