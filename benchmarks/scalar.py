"""Scalar engine vs micrograd, side by side in one run (not a test: timings vary by machine).

One training step = forward + backward of MLP(2, [16, 16, 1]) on 100 two-dimensional samples
with micrograd's SVM (max-margin) loss and L2 regularisation, as in its demo.ipynb. Each engine
runs with the cyclic garbage collector on (as users run it) and off. Memory: bytes per op node
of the forward graph (tracemalloc), on the same gate-by-gate graph in both engines, and the
whole step's graph as each library's own MLP builds it.

    pip install micrograd && python benchmarks/scalar.py
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import microgradkr  # noqa: E402
from microgradkr import nn  # noqa: E402

REPEATS = 15


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


def step_time(Value, model, X, y, gc_on):
    """Median seconds of forward + backward over REPEATS steps."""
    (gc.enable if gc_on else gc.disable)()
    times = []
    try:
        for _ in range(REPEATS):
            start = time.perf_counter()
            loss = loss_fn(Value, model, X, y)
            model.zero_grad()
            loss.backward()
            times.append(time.perf_counter() - start)
            del loss
    finally:
        gc.enable()
    return statistics.median(times)


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
    X, y = data()
    rows = []
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
    engines = [("microgradkr (affine neuron)", microgradkr.Value, ours)]
    engines.append(("microgradkr (gate by gate)", microgradkr.Value, ours_gates))
    if MValue is not None:
        random.seed(0)
        engines.append(("micrograd 0.1.0", MValue, MMLP(2, [16, 16, 1])))

    for name, Value, model in engines:
        on = step_time(Value, model, X, y, gc_on=True)
        off = step_time(Value, model, X, y, gc_on=False)
        mem, nodes = graph_memory(Value, model, X, y)
        rows.append((name, on, off, mem, nodes))

    print(
        f"one step of MLP(2, [16, 16, 1]) on 100 samples, median of {REPEATS}, Python "
        f"{sys.version.split()[0]}"
    )
    header = (
        f"{'engine':<28} {'GC on':>9} {'GC off':>9} {'op nodes':>9} {'graph MB':>9} {'B/node':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, on, off, mem, nodes in rows:
        print(
            f"{name:<28} {on * 1e3:>7.1f}ms {off * 1e3:>7.1f}ms {nodes:>9} "
            f"{mem / 1e6:>9.2f} {mem / nodes:>7.0f}"
        )
    if MValue is not None:
        mg = rows[-1]
        print("\nmicrograd / microgradkr:")
        for name, on, off, mem, _ in rows[:-1]:
            print(
                f"  {name:<28} {mg[1] / on:5.1f}x faster (GC on), {mg[2] / off:5.1f}x (GC off), "
                f"{mg[3] / mem:5.1f}x less graph memory"
            )
        print(f"  our GC-on step vs micrograd with GC off: {mg[2] / rows[0][1]:.1f}x faster")


if __name__ == "__main__":
    main()
