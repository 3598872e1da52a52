"""Same-process A/B: this checkout's engine against another git ref's, on the benchmarks' steps.

    python benchmarks/ab.py OLD_REF [--rounds N]      e.g. python benchmarks/ab.py main

The old ref's package is extracted twice (``git archive``) and this checkout's copied once, each
under a name of its own in one temporary folder, so the three import side by side in one process
and alike: new, old, and old again (the A/A control, whose ratio to old is the noise floor of the
new/old ratio). The steps are the benchmarks' own:
benchmarks/scalar.py's gate-by-gate training step (MLP(2, [16, 16, 1]), 100 samples, forward +
zero_grad + backward, GC on as users run it, each package's pacing restored after its block) and
benchmarks/tensor.py's microgradkr step (nn.Affine MLP 64-100-10 on 100 samples, forward,
backward, SGD). The contenders take turns block by block, each round starting with the next, a
block timed (CPU time) after two untimed steps; a ratio is the median over rounds of the ratio
within a round, with its quartiles as the spread.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load(path: Path, name: str) -> types.ModuleType:
    """The module at ``path`` under ``name`` (benchmarks/tensor.py must not shadow anything)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# benchmarks/tensor.py pins BLAS to one thread and steadies the allocator before numpy loads
tensor_bench = load(HERE / "tensor.py", "ab_tensor_bench")
scalar_bench = load(HERE / "scalar.py", "ab_scalar_bench")

Step = Callable[[], Any]


def extract(ref: str, name: str, into: Path) -> types.ModuleType:
    """``ref``'s microgradkr package, imported as ``name`` (its imports inside are relative)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "microgradkr"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "microgradkr").rename(into / name)
    return importlib.import_module(name)


def scalar_step(pkg: types.ModuleType) -> Step:
    """benchmarks/scalar.py's gate-by-gate step, on ``pkg``'s Value and MLP."""

    def gate_call(self: Any, x: list[Any]) -> Any:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    gate = type("GateNeuron", (pkg.nn.Neuron,), {"__call__": gate_call})
    random.seed(0)
    model = pkg.nn.MLP(2, [16, 16, 1])
    for layer in model.layers:
        for i, n in enumerate(layer.neurons):
            g = gate.__new__(gate)
            g.w, g.b, g.nonlin = n.w, n.b, n.nonlin
            layer.neurons[i] = g
    X, y = scalar_bench.X_y

    def step() -> None:
        loss = scalar_bench.loss_fn(pkg.Value, model, X, y)
        model.zero_grad()
        loss.backward()

    return step


def tensor_step(pkg: types.ModuleType, bn: bool) -> Step:
    """benchmarks/tensor.py's microgradkr step, its names (nn, Tensor, ...) bound to ``pkg``."""
    fn = tensor_bench.microgradkr_step
    names = {"nn": pkg.nn, "Tensor": pkg.Tensor, "cross_entropy": pkg.functional.cross_entropy}
    rebound = types.FunctionType(fn.__code__, {**fn.__globals__, **names}, fn.__name__)
    p = tensor_bench.init(64, 100, 10, 100, tensor_bench.np.float64)
    step: Step = rebound(p, bn)
    return step


def paired(steps: dict[str, tuple[Step, Any]], rounds: int, block: int) -> dict[str, list[float]]:
    """CPU seconds per step of each contender, one entry per round (contenders interleaved)."""
    times: dict[str, list[float]] = {k: [] for k in steps}
    order = list(steps.items())
    for r in range(rounds):
        for name, (step, collector) in order[r % len(order) :] + order[: r % len(order)]:
            gc.collect()
            gc.set_threshold(700, 10, 10)  # every block starts from the interpreter's defaults
            step()
            step()
            t0 = time.process_time()
            for _ in range(block):
                step()
            times[name].append((time.process_time() - t0) / block)
            collector.restore()  # the package's own pacing, put back as it found it
    return times


def ratios(a: list[float], b: list[float]) -> str:
    """Median of a/b within each round, and its quartiles."""
    q1, med, q3 = statistics.quantiles([x / y for x, y in zip(a, b, strict=True)], n=4)
    return f"{med:.3f} [{q1:.3f}, {q3:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the git ref to compare with (e.g. main)")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        old = extract(args.ref, "microgradkr_ab_old", Path(tmp))
        again = extract(args.ref, "microgradkr_ab_again", Path(tmp))
        shutil.copytree(ROOT / "microgradkr", Path(tmp) / "microgradkr_ab_new")
        new = importlib.import_module("microgradkr_ab_new")
        packages = {"new": new, "old": old, "old again": again}
        benches: dict[str, tuple[Callable[[types.ModuleType], Step], int]] = {
            "scalar gate-by-gate step": (scalar_step, 3),
            "tensor MLP 64-100-10 step": (lambda pkg: tensor_step(pkg, False), 100),
            "tensor MLP 64-100-10 BN step": (lambda pkg: tensor_step(pkg, True), 100),
        }
        print(
            f"{args.rounds} rounds, Python {sys.version.split()[0]}; ratio: median over rounds "
            "[quartiles]; new/old < 1 is faster, old again/old is the noise floor"
        )
        for title, (make, block) in benches.items():
            steps = {k: (make(pkg), pkg.collector) for k, pkg in packages.items()}
            times = paired(steps, args.rounds, block)
            ms = {k: statistics.median(v) * 1e3 for k, v in times.items()}
            print(
                f"{title:<30} new {ms['new']:8.3f} ms  old {ms['old']:8.3f} ms  "
                f"new/old {ratios(times['new'], times['old'])}  "
                f"A/A {ratios(times['old again'], times['old'])}"
            )


if __name__ == "__main__":
    main()
