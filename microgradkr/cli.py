"""``python -m microgradkr``: the worked examples, traced."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import examples
from .trace import format_trace

EXAMPLES = {
    "1a  f = (x + y) * z": examples.add_mul,
    "1b  sigmoid neuron, primitive gates": lambda: examples.sigmoid_neuron(fused=False),
    "1b  sigmoid neuron, one fused sigmoid gate": lambda: examples.sigmoid_neuron(fused=True),
    "1c  gate patterns and fan-out": examples.gate_patterns,
}


def demo(args: argparse.Namespace) -> int:
    """Print the forward values and the backward trace of REFERENCE.md 1a-1c."""
    for title, build in EXAMPLES.items():
        root, inputs = build()
        root.backward()
        print(f"== {title}")
        print(format_trace(root))
        grads = ", ".join(f"d{root.label}/d{name} = {v.grad:.5g}" for name, v in inputs.items())
        print(f"gradients: {grads}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m microgradkr", description="microgradkr: backpropagation made visible."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="trace the worked examples of REFERENCE.md")
    p_demo.set_defaults(run=demo)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, ArithmeticError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
