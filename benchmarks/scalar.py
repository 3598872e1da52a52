"""Scalar engine vs micrograd, side by side in one run (not a test: timings vary by machine).

One training step = forward + backward of MLP(2, [16, 16, 1]) on 100 two-dimensional samples
with micrograd's SVM (max-margin) loss and L2 regularisation, as in its demo.ipynb. Each engine
runs with the cyclic garbage collector on (as users run it: microgradkr paces the collector
itself on backward(), see microgradkr/collector.py) and off, interleaved in rounds; the ratios
are medians of per-round ratios of CPU time. The floor is the same gate graph made of 3-slot
nodes with nothing else (benchmarks/scalar_floor.py). Memory: bytes per op node
of the forward graph (tracemalloc), on the same gate-by-gate graph in both engines, and the
whole step's graph as each library's own MLP builds it.

    pip install micrograd && python benchmarks/scalar.py
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scalar_floor import Node  # noqa: E402

import microgradkr  # noqa: E402
from microgradkr import collector, nn  # noqa: E402

STEPS = 3  # timed steps per engine per round
ROUNDS = 7


def data():
    rng = random.Random(1337)
    X = [[rng.uniform(-1.5, 2.5), rng.uniform(-1.0, 1.5)] for _ in range(100)]
    y = [1 if x1 > 0.5 * x0 * x0 - 0.5 else -1 for x0, x1 in X]
    return X, y


def loss_fn(Value, model, X, y):
    """micrograd's demo loss: mean SVM loss + 1e-4 * sum of squared parameters."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


class GateNeuron(nn.Neuron):
    """micrograd's neuron, gate by gate: n mul and n add gates (for the same-graph comparison)."""

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act


def gate_mlp(nin, nouts):
    model = nn.MLP(nin, nouts)
    for layer in model.layers:
        for i, n in enumerate(layer.neurons):
            g = GateNeuron.__new__(GateNeuron)
            g.w, g.b, g.nonlin = n.w, n.b, n.nonlin
            layer.neurons[i] = g
    return model


class FloorMLP:
    """The gate-by-gate MLP on ``scalar_floor.Node``: the same weights, the same graph."""

    def __init__(self, model):
        self.layers = [
            [([Node(w.data) for w in n.w], Node(n.b.data), n.nonlin) for n in layer.neurons]
            for layer in model.layers
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = [self._neuron(n, x) for n in layer]
        return x[0] if len(x) == 1 else x

    @staticmethod
    def _neuron(neuron, x):
        w, b, nonlin = neuron
        act = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
        return act.relu() if nonlin else act

    def parameters(self):
        return [p for layer in self.layers for w, b, _ in layer for p in (*w, b)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


X_y = data()


def timed_steps(Value, model, X, y, gc_on):
    """Median CPU seconds of forward + zero_grad + backward over STEPS steps, after one warm-up
    step (so a library that tunes the collector on backward() runs as it does in a loop)."""
    (gc.enable if gc_on else gc.disable)()
    times = []
    try:
        for i in range(STEPS + 1):
            start = time.process_time()
            loss = loss_fn(Value, model, X, y)
            model.zero_grad()
            loss.backward()
            if i:
                times.append(time.process_time() - start)
            del loss
    finally:
        gc.enable()
        collector.restore()  # the next engine starts from the interpreter's default thresholds
    return statistics.median(times)


def paired(engines, rounds):
    """{name: [seconds per round]}, the engines interleaved within each round."""
    times = {name: [] for name in engines}
    for _ in range(rounds):
        for name, (Value, model, gc_on) in engines.items():
            times[name].append(timed_steps(Value, model, X_y[0], X_y[1], gc_on))
    return times


def ratio(times, a, b):
    """Median over rounds of time[a] / time[b] (paired: both measured in the same round)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def count_op_nodes(root):
    seen, stack, ops = {id(root)}, [root], 0
    while stack:
        node = stack.pop()
        ops += bool(node._prev)
        for p in node._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return ops


def graph_memory(Value, model, X, y):
    """(bytes of the forward graph, op nodes in it)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = loss_fn(Value, model, X, y)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used, count_op_nodes(loss)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    X, y = X_y
    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
    except ImportError:
        MValue = None
        print("micrograd is not installed (pip install micrograd): showing microgradkr only\n")

    random.seed(0)
    ours = nn.MLP(2, [16, 16, 1])
    random.seed(0)
    ours_gates = gate_mlp(2, [16, 16, 1])
    floor = FloorMLP(ours_gates)
    V = microgradkr.Value
    engines = {
        "microgradkr, affine neuron, GC on": (V, ours, True),
        "microgradkr, affine neuron, GC off": (V, ours, False),
        "microgradkr, gate by gate, GC on": (V, ours_gates, True),
        "microgradkr, gate by gate, GC off": (V, ours_gates, False),
        "floor (3-slot nodes), gate by gate, GC off": (Node, floor, False),
    }
    if MValue is not None:
        random.seed(0)
        mm = MMLP(2, [16, 16, 1])
        engines["micrograd 0.1.0, GC on"] = (MValue, mm, True)
        engines["micrograd 0.1.0, GC off"] = (MValue, mm, False)
    times = paired(engines, rounds)
    print(
        f"one step (forward, zero_grad, backward) of MLP(2, [16, 16, 1]) on 100 samples: median "
        f"CPU time of {STEPS} steps, {rounds} interleaved rounds, Python {sys.version.split()[0]}, "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus"
    )
    for name, ts in times.items():
        print(f"  {name:<44} {statistics.median(ts) * 1e3:8.1f} ms")
    print("\nmedian of paired ratios:")
    gate_on, gate_off = "microgradkr, gate by gate, GC on", "microgradkr, gate by gate, GC off"
    fused_on, fused_off = "microgradkr, affine neuron, GC on", "microgradkr, affine neuron, GC off"
    floor_off = "floor (3-slot nodes), gate by gate, GC off"
    print(f"  gate by gate, GC off / floor, GC off: {ratio(times, gate_off, floor_off):.2f}x")
    if MValue is not None:
        mg_on, mg_off = "micrograd 0.1.0, GC on", "micrograd 0.1.0, GC off"
        for ours_name in (gate_on, fused_on, fused_off):
            print(
                f"  {ours_name}: {ratio(times, mg_on, ours_name):5.1f}x faster than micrograd "
                f"GC on, {ratio(times, mg_off, ours_name):5.2f}x faster than micrograd GC off"
            )

    print("\ngraph memory (tracemalloc) of one forward pass:")
    named = [
        ("microgradkr (affine neuron)", V, ours),
        ("microgradkr (gate by gate)", V, ours_gates),
    ]
    named.append(("floor (3-slot nodes)", Node, floor))
    if MValue is not None:
        named.append(("micrograd 0.1.0", MValue, mm))
    for name, Value, model in named:
        mem, nodes = graph_memory(Value, model, X, y)
        print(f"  {name:<28} {nodes:>7} op nodes {mem / 1e6:6.2f} MB {mem / nodes:5.0f} B/node")
    print(f"  one p*q node: {node_bytes(V)} B (floor {node_bytes(Node)} B)")


def node_bytes(Value, count=10_000):
    """tracemalloc bytes per p*q node (the node, its parents and local-gradient tuples, its data),
    over ``count`` nodes kept in a list made beforehand."""
    p, q = Value(2.0), Value(3.0)
    keep = [None] * count
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        keep[i] = p * q
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del keep
    return round(used / count)


if __name__ == "__main__":
    main()
