"""The second derivative of tanh by backprop, and the backward graph that computes it.

y = tanh x. ``grad(y, [x], create_graph=True)`` builds dy/dx = 1 - tanh^2 x as a graph of its
own (the nodes the backward pass made, drawn in a cluster of their own, using the forward node
y); backprop through that graph gives d2y/dx2 = -2 tanh x (1 - tanh^2 x), -0.7268619813835873
at x = 0.5. Backprop is just another computational graph: this is how higher-order gradients work.

Run from the repository root: python demos/second_derivative.py [--out DIR] [--lang ko]
Writes second_derivative.svg and second_derivative.png.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import GraphvizNotFoundError, Value, draw, grad  # noqa: E402
from microgradkr.viz import save  # noqa: E402

TITLE = {
    "en": "y = tanh x at x = 0.5: dy/dx is a graph too; its backward gives d²y/dx² (grad of x)",
    "ko": "x = 0.5 에서 y = tanh x: dy/dx 도 계산 그래프, 그 역전파가 d²y/dx² (x 의 기울기)",
}


def second_derivative(at: float = 0.5) -> tuple[Value, Value]:
    """(dy/dx as a graph, x with x.grad = d2y/dx2) for y = tanh x."""
    x = Value(at, "x")
    y = x.tanh()
    y.label = "y"
    (dy,) = grad(y, [x], create_graph=True)  # the backward pass, built as nodes
    dy.label = "dy/dx"
    dy.backward()  # backprop through the backward pass: x.grad = d2y/dx2
    return dy, x


def main(argv: list[str] | None = None) -> Path | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the pictures")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="label language")
    args, _ = parser.parse_known_args(argv)
    dy, x = second_derivative(0.5)
    t = math.tanh(0.5)
    closed = -2 * t * (1 - t * t)
    print(f"dy/dx   = 1 - tanh^2 x          = {dy.data:.16g} (closed form {1 - t * t:.16g})")
    print(f"d2y/dx2 = -2 tanh x (1 - tanh^2) = {x.grad:.16g} (closed form {closed:.16g})")
    diagram = draw(dy, lang=args.lang, title=TITLE[args.lang], precision=6)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        svg = save(diagram, args.out / "second_derivative.svg")
        png = save(diagram, args.out / "second_derivative.png")
    except GraphvizNotFoundError as err:
        print("saved", save(diagram, args.out / "second_derivative.gv"), f"(no picture: {err})")
        return None
    print(f"saved {svg} and {png}")
    return svg


if __name__ == "__main__":
    main()
