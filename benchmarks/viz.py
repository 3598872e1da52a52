"""How long draw() takes to write the DOT text of a 10,000-node graph (no layout, no rendering).

Run: python -m benchmarks.viz   (from the repository root). Prints the best and median of 5 runs.
"""

from __future__ import annotations

import random
import statistics
import time

from microgradkr import Value, draw, topological_order


def chain(n: int) -> Value:
    """x -> tanh -> tanh -> ...: n values, n - 1 gates, one edge into each."""
    node = Value(0.1, "x")
    for _ in range(n - 1):
        node = node.tanh()
    return node


def mixed(n: int) -> Value:
    """Each new value the sum or product of the last one and a random earlier one (fan-out)."""
    rng = random.Random(0)
    pool = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(10)]
    count = len(pool)
    while count < n:
        a, b = pool[-1], rng.choice(pool)
        pool.append(a * b if rng.random() < 0.5 else a + b)
        count += 1
    return pool[-1]


def seconds(root: Value, backward: bool) -> list[float]:
    if backward:
        root.backward()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        source = draw(root, max_nodes=20_000, max_layout=10**7).source  # text only, no layout
        times.append(time.perf_counter() - start)
        assert source.count(" -> ") >= 10_000
    return times


def main() -> None:
    for name, root in (("chain of tanh", chain(10_000)), ("adds and muls", mixed(10_000))):
        assert len(topological_order(root)) == 10_000
        for backward in (False, True):
            times = seconds(root, backward)
            state = "after backward " if backward else "before backward"
            print(
                f"{name:14s} 10,000 nodes, {state}: DOT text in best {min(times) * 1000:6.1f} ms,"
                f" median {statistics.median(times) * 1000:6.1f} ms"
            )


if __name__ == "__main__":
    main()
