"""What watch() costs a training step: micrograd's moons net, MLP(2, [16, 16, 1]) on 100 points.

Contenders, interleaved within each round (a busy machine slows every side of a round alike),
each a block of ``every`` full-batch SGD steps of its own net (so each block records one frame):
- off: training alone; "off again": the same code once more, an A/A control that shows how far
  two runs of one thing differ on this machine;
- watch: ``update(loss)`` each step, ``data=(X, y)``, ``every`` steps between frames;
- watch + widget: the same with the Jupyter widget made (sends throttled to ``fps``; outside a
  kernel nothing listens, so this is the Python side of a send), if anywidget is installed.

Run: python -m benchmarks.watch [--rounds 15] [--every 10]   (from the repository root).
Prints the median CPU time per step and the median of the per-round ratios to "off".
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from microgradkr import Value, watch
from microgradkr.data import make_moons
from microgradkr.nn import MLP

X, LABELS = make_moons(100, noise=0.1, seed=1337)
Y = LABELS * 2 - 1


def contender(watched: bool, widget: bool, every: int) -> Callable[[int], float]:
    """A net of its own; calling it runs n steps and returns their CPU seconds."""
    random.seed(len(X))
    model = MLP(2, [16, 16, 1])
    w: Any = watch(model, every=every, data=(X, Y)) if watched else None
    if widget:
        w.widget  # noqa: B018 - made now, so sends happen while training

    def run(n: int) -> float:
        start = time.process_time()
        for _ in range(n):
            scores = [model([Value(a), Value(b)]) for a, b in X]
            hinge = [(1 - yi * s).relu() for yi, s in zip(Y, scores, strict=True)]
            loss = sum(hinge, Value(0.0)) * (1.0 / len(X))
            model.zero_grad()
            loss.backward()
            if w is not None:
                w.update(loss)
            for p in model.parameters():
                p.data -= 0.05 * p.grad
        return time.process_time() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    sides = {
        "off": contender(False, False, args.every),
        "off again (A/A)": contender(False, False, args.every),
        f"watch every={args.every}": contender(True, False, args.every),
    }
    if importlib.util.find_spec("anywidget") is not None:
        sides[f"watch every={args.every} + widget"] = contender(True, True, args.every)
    for run in sides.values():
        run(2)  # warm: the first steps fill caches and allocators
    times: dict[str, list[float]] = {name: [] for name in sides}
    for k in range(args.rounds):
        order = list(sides.items())
        if k % 2:
            order.reverse()  # no side always runs right after the same peer
        for name, run in order:
            times[name].append(run(args.every) / args.every)
    print(
        f"MLP(2, [16, 16, 1]), {len(X)} samples, full batch; {args.rounds} rounds of "
        f"{args.every} steps, sides interleaved; Python {sys.version.split()[0]}"
    )
    base = times["off"]
    for name, per_step in times.items():
        ratios = [t / b for t, b in zip(per_step, base, strict=True)]
        print(
            f"  {name:28s} {statistics.median(per_step) * 1000:7.1f} ms/step   "
            f"x{statistics.median(ratios):.3f} of off (min x{min(ratios):.3f}, "
            f"max x{max(ratios):.3f})"
        )


if __name__ == "__main__":
    main()
