"""Backward time per node as the graph grows: a chain and random graphs, 1e3 to 1e6 nodes.

A random graph here: each new node is a mul or an add of the previous node and a node drawn
uniformly from all earlier ones (every node is reachable, parents are anywhere in memory).
Prints CPU ns per node of backward() (topological order + chain rule), of backward's own walk
(the order it uses, marks kept in the grads), of the chain rule alone (backward minus that walk),
of topological_order (the dict-based one everything else uses), and a floor: the chain rule
alone over the same nodes in reverse creation order, an order known for free, as a bare loop.
The floor has no walk and no call per node, only the chain rule's memory accesses (a random
parent per node): how much it grows from 1e3 to 1e6 nodes is what caches and TLBs cost any
engine whose nodes are Python objects. Median of 3. Not a test: timings vary by machine.

    python benchmarks/scalar_scaling.py
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scalar_floor import chain_rule  # noqa: E402  (the floor: the chain rule, order known)

from microgradkr import Value, graph  # noqa: E402

SIZES = (1_000, 10_000, 100_000, 1_000_000)


def chain(n):
    """n nodes, each the previous one times or plus a constant."""
    x = Value(0.5)
    for _ in range(n // 2):
        x = x * 1.0001 + 0.0001
    return x


def random_graph(n, seed=0, keep=None):
    """n nodes, each a mul or an add of the previous node and one drawn from all earlier ones
    (all of them appended to ``keep``, a list, if given)."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(10)]
    for _ in range(n):
        a, b = nodes[-1], nodes[rng.randrange(len(nodes))]
        nodes.append(a * b if rng.random() < 0.5 else a + b)
    if keep is not None:
        keep.extend(nodes)
    return nodes[-1]


def cpu(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main():
    gc.disable()  # the walk itself, without the collector's share (see benchmarks/scalar.py)
    print(
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus, Python {sys.version.split()[0]}"
    )
    print(
        f"{'graph':<8} {'nodes':>9} {'backward ns/node':>17} {'topo ns/node':>13}"
        f" {'walk':>13} {'chain rule':>13} {'floor':>13}"
    )
    base = {}
    for shape in ("chain", "random"):
        for n in SIZES:
            nodes = []
            root = chain(n) if shape == "chain" else random_graph(n, keep=nodes)
            count = len(graph.topological_order(root))
            bwd = cpu(root.backward) / count * 1e9
            topo = cpu(lambda root=root: graph.topological_order(root)) / count * 1e9
            walk = cpu(lambda root=root: graph._scalar_order(root)) / count * 1e9
            cols = {"backward": bwd, "walk": walk, "chain rule": bwd - walk}
            if nodes:
                root.grad = 1.0
                cols["floor"] = cpu(lambda nodes=nodes: chain_rule(nodes)) / count * 1e9
            ratios = {k: v / base.setdefault((shape, k), v) for k, v in cols.items()}
            print(
                f"{shape:<8} {count:>9} {bwd:>12.0f} ({ratios['backward']:.2f}x) {topo:>13.0f}"
                + "".join(
                    f" {cols[k]:>6.0f} ({ratios[k]:.2f}x)"
                    for k in ("walk", "chain rule", "floor")
                    if k in cols
                )
            )
            del root, nodes
    gc.enable()


if __name__ == "__main__":
    main()
