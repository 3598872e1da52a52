"""What the speed work must not change: the fast paths agree with the op table, the collector's
pacing is restorable, and the topological order is valid on any graph shape."""

from __future__ import annotations

import gc
import math
import random

import pytest

from microgradkr import Value, collector, detect_anomaly, engine, graph
from microgradkr.engine import affine, apply
from microgradkr.ops import ADD, AFFINE, MUL, RELU

SPECIAL = [0.0, -0.0, 1.5, -2.25, 1e300, -1e300, math.inf, -math.inf, math.nan, 3]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _node_matches(fast: Value, slow: Value) -> None:
    assert _same(fast.data, slow.data)
    assert fast.op is slow.op
    assert fast._prev == slow._prev
    assert len(fast._local) == len(slow._local)
    assert all(_same(float(a), float(b)) for a, b in zip(fast._local, slow._local, strict=True))


@pytest.mark.parametrize("x", SPECIAL)
@pytest.mark.parametrize("y", SPECIAL)
def test_add_and_mul_fast_paths_equal_the_op_table(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    _node_matches(a + b, apply(ADD, a, b))
    _node_matches(a * b, apply(MUL, a, b))
    r = 2 * b  # __rmul__ and __radd__ wrap the number as the left input
    _node_matches(r, apply(MUL, r._prev[0], b))
    assert r._prev[0].data == 2.0 and r._prev[1] is b
    s = 2 + b
    _node_matches(s, apply(ADD, s._prev[0], b))


@pytest.mark.parametrize("x", SPECIAL)
def test_relu_fast_path_equals_the_op_table(x: float) -> None:
    a = Value(x)
    _node_matches(a.relu(), apply(RELU, a))


def test_affine_fast_path_equals_the_op_table() -> None:
    rng = random.Random(0)
    ws = [Value(rng.uniform(-2, 2)) for _ in range(5)]
    xs: list[Value | float] = [Value(rng.uniform(-2, 2)) for _ in range(4)] + [0.5]
    b = Value(0.25)
    fast = affine(ws, xs, b)
    slow = apply(AFFINE, *fast._prev)
    _node_matches(fast, slow)
    assert fast._prev[0] is b and fast._prev[1::2] == tuple(ws)


def test_fast_paths_still_check_under_detect_anomaly() -> None:
    a, b = Value(math.inf), Value(0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError):
        a * b
    assert engine.anomaly.OPEN == [0]
    assert math.isnan((a * b).data)  # outside the block: no check, as before


def test_pacing_raises_only_the_first_threshold_and_restores() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 11, 12)
        collector.pace(collector.PACE_MIN - 1)
        assert gc.get_threshold() == (700, 11, 12)  # a small graph: left alone
        collector.pace(50_000)
        assert gc.get_threshold() == (collector.PACE_FACTOR * 50_000, 11, 12)
        collector.pace(10**9)
        assert gc.get_threshold() == (collector.PACE_CAP, 11, 12)
        collector.pace(collector.PACE_MIN)  # never lowered
        assert gc.get_threshold() == (collector.PACE_CAP, 11, 12)
        collector.restore()
        assert gc.get_threshold() == (700, 11, 12)
        collector.pace(50_000)
        gc.set_threshold(900, 11, 12)  # changed since: restore leaves the new ones
        collector.restore()
        assert gc.get_threshold() == (900, 11, 12)
        gc.set_threshold(700, 11, 12)
        collector.restore()  # again is harmless
        assert gc.get_threshold() == (700, 11, 12)
    finally:
        collector.restore()
        gc.set_threshold(*before)


def test_pacing_respects_a_disabled_collector_and_auto_off() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(0, 10, 10)  # threshold 0 disables collection: keep it so
        collector.pace(50_000)
        assert gc.get_threshold()[0] == 0
        gc.set_threshold(700, 10, 10)
        collector.auto = False
        collector.pace(50_000)
        assert gc.get_threshold()[0] == 700
    finally:
        collector.auto = True
        collector.restore()
        gc.set_threshold(*before)


def test_paced_block_restores_even_on_error() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(KeyError), collector.paced(123_456):
            assert gc.get_threshold() == (123_456, 10, 10)
            raise KeyError("x")
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_backward_of_a_big_graph_paces_the_collector() -> None:
    before = gc.get_threshold()
    try:
        x = Value(1.0)
        y = x
        for _ in range(collector.PACE_MIN):
            y = y * 1.0
        y.backward()
        assert gc.get_threshold()[0] >= collector.PACE_MIN
        assert x.grad == 1.0
    finally:
        collector.restore()
        gc.set_threshold(*before)


def _random_graph(rng: random.Random, n: int, fan: int) -> Value:
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    for _ in range(n):
        a, b = rng.choice(nodes[-fan:]), rng.choice(nodes)
        nodes.append(a * b if rng.random() < 0.5 else (a + b).relu())
    root = nodes[-1]
    for v in rng.sample(nodes, min(50, len(nodes))):
        root = root + v
    return root


@pytest.mark.parametrize("seed", range(8))
def test_topological_order_is_valid_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    root = _random_graph(rng, rng.randrange(1, 400), rng.choice([2, 10, 1000]))
    order = graph.topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is root
    reachable, stack = {root}, [root]
    while stack:
        for p in stack.pop()._prev:
            if p not in reachable:
                reachable.add(p)
                stack.append(p)
    assert set(order) == reachable
    for node in order:
        assert all(position[p] < position[node] for p in node._prev)


@pytest.mark.parametrize("seed", range(4))
def test_inline_backward_equals_the_per_node_chain_rule(seed: int) -> None:
    root = _random_graph(random.Random(seed), 300, 10)
    order = graph.topological_order(root)
    root.backward()
    fast = [n.grad for n in order]
    for n in order:
        n.grad = 0.0
    root.grad = 1.0
    for n in reversed(order):
        if n._prev:
            n._backprop()
    assert all(_same(a, b) for a, b in zip(fast, [n.grad for n in order], strict=True))


@pytest.mark.parametrize("seed", range(6))
def test_the_scalar_walk_gives_topological_orders_order(seed: int) -> None:
    rng = random.Random(seed)
    root = _random_graph(rng, rng.randrange(1, 300), rng.choice([2, 10, 1000]))
    expected = graph.topological_order(root)
    leaves = [n for n in expected if not n._prev]
    for i, leaf in enumerate(leaves):
        leaf.grad = float(i)
    for n in expected:
        if n._prev:
            n.grad = 7.0  # stale inner gradients from an earlier pass
    assert graph._scalar_order(root) == expected
    assert [leaf.grad for leaf in leaves] == [float(i) for i in range(len(leaves))]
    assert all(n.grad == 0.0 for n in expected if n._prev)


def test_backward_twice_accumulates_on_leaves_only() -> None:
    x = Value(3.0)
    y = x * x + x
    y.backward()
    y.backward()
    assert x.grad == 2 * 7.0
    assert y.grad == 1.0 and y._prev[0].grad == 1.0


def test_a_layer_of_plain_neurons_equals_its_neurons_one_by_one() -> None:
    from microgradkr import nn

    random.seed(3)
    layer = nn.Layer(3, 4)
    x: list[Value | float] = [Value(0.5), -1.25, Value(2.0)]
    together = layer(x)
    assert isinstance(together, list)
    for node, neuron in zip(together, layer.neurons, strict=True):
        alone = neuron(x)  # relu(affine(w, x, b))
        assert node.data == alone.data and node.op is alone.op is RELU
        aff, aff_alone = node._prev[0], alone._prev[0]
        assert aff.op is aff_alone.op is AFFINE and aff.data == aff_alone.data
        assert aff._prev[0] is neuron.b and aff._prev[1::2] == tuple(neuron.w)
        assert [p.data for p in aff._prev] == [p.data for p in aff_alone._prev]
        assert aff._local == aff_alone._local
    with pytest.raises(ValueError, match="as many weights as inputs"):
        layer([Value(1.0)])


def test_no_grad_holds_for_the_inline_add_mul_and_relu() -> None:
    import threading

    from microgradkr import no_grad

    a, b = Value(2.0), Value(-3.0)
    with no_grad():
        out = (a * b + a).relu() + (a + 1.0) * 2.0
    assert out.data == 6.0 and out.op is None and out._prev == ()
    seen = []
    with no_grad():  # another thread still records while this one does not
        t = threading.Thread(target=lambda: seen.append((a * b).op))
        t.start()
        t.join()
    assert seen[0] is not None and (a * b).op is not None


def _every_kind_of_node() -> list[Value]:
    from microgradkr.engine import add_n

    x, y = Value(1.5, "x"), Value(-0.5, "y")
    return [
        x + y,
        x * y,
        x * x,
        x.relu(),
        y.relu(),
        x.exp(),
        x.max(y),
        x**y,
        x**3,
        add_n([x, y, 2.0]),
        affine([x, y], [y, 4.0], x),
        Value(1.0, (x, y), "*"),  # micrograd's constructor (compat.micrograd_node)
        Value(2.0, (x,), "exp"),
    ]


def test_edges_hold_parents_then_local_gradients_for_every_kind_of_node() -> None:
    for node in _every_kind_of_node():
        k = len(node._edges) // 2
        assert len(node._edges) == 2 * k and k >= 1
        assert node._prev == node._edges[:k] and all(isinstance(p, Value) for p in node._prev)
        assert node._local == node.local_grads == node._edges[k:]
        assert node.op is not None
        rule = node.op.local(*[p.data for p in node._prev], node.data)
        assert all(_same(float(a), float(b)) for a, b in zip(node._local, rule, strict=True))
    leaf = Value(3.0)
    assert leaf._edges == leaf._prev == leaf._local == () and leaf.op is None


def test_an_op_whose_rule_gives_the_wrong_number_of_local_gradients_is_refused() -> None:
    from microgradkr.ops import CHAIN, Op

    bad = Op("bad", "bad", CHAIN, lambda x, y: x + y, lambda x, y, out: (1.0,))
    with pytest.raises(ValueError, match="bad: 1 local gradients for 2 inputs"):
        apply(bad, Value(1.0), Value(2.0))


def test_labels_of_leaves_and_op_nodes_are_settable_and_readable() -> None:
    x = Value(2.0, "x")
    y = x * 3.0
    assert x.label == "x" and y.label == ""
    y.label = "y"
    x.name = "x0"  # DeZero's name for it
    assert (x.label, y.label, y.name) == ("x0", "y", "y")
    assert repr(y) == "Value(data=6.0, grad=0.0, label='y')"
    y.backward()  # a label changes nothing in the walk
    assert x.grad == 3.0 and y._prev[0] is x


def test_copying_a_node_keeps_its_edges_and_a_leaf_pickles() -> None:
    import copy
    import pickle

    x = Value(2.0, "x")
    y = x * x
    c = copy.copy(y)
    assert c._prev == (x, x) and c._local == (2.0, 2.0) and c.op is MUL
    c.backward()
    assert x.grad == 4.0
    back = pickle.loads(pickle.dumps(x))
    assert (back.data, back.label, back._prev, back.op) == (2.0, "x", (), None)


def test_topological_order_reads_values_and_tensors_alike() -> None:
    from microgradkr import Tensor

    x = Value(2.0)
    y = x + x * x
    assert graph.topological_order(y) == [x, y._prev[1], y]
    t = Tensor([1.0, 2.0], requires_grad=True)
    u = (t * t).sum()
    order = graph.topological_order(u)
    assert order[0] is t and order[-1] is u and len(order) == 3


def test_an_interrupted_walk_leaves_no_mark_behind() -> None:
    class Interrupt(BaseException):
        pass

    class Boom(Value):
        __slots__ = ()

        @property  # type: ignore[override]
        def grad(self) -> float:
            raise Interrupt

    bomb = object.__new__(Boom)
    bomb.data, bomb.label, bomb.op, bomb._edges = 2.0, "", None, ()
    x = Value(1.0)
    y = x * bomb
    z = y + x
    with pytest.raises(Interrupt):
        z.backward()
    assert (y.grad, z.grad) == (0.0, 0.0)  # not the walk's marks
    y._edges = (x, x, 1.0, 1.0)  # without the bomb, the same nodes backpropagate as usual
    z.backward()
    assert (x.grad, y.grad, z.grad) == (3.0, 1.0, 1.0)


def test_zero_grad_of_a_value_clears_every_grad_and_leaves_no_mark() -> None:
    x = Value(2.0)
    x.grad = None  # type: ignore[assignment]  # a leaf set to None is cleared too
    y = (x * x + x).relu()
    y.backward()
    y.zero_grad()
    order = graph.topological_order(y)
    assert len(order) == 4 and all(type(n.grad) is float and n.grad == 0.0 for n in order)
    y.backward()
    assert x.grad == 5.0
