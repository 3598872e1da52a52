"""docs/reference.md 2a: f(x, W) = ||W x||^2, its gradients, and the Jacobians behind them (CS231n).

Run from the repository root: python demos/tensor_l2.py [--out DIR]
Writes tensor_l2.svg and tensor_l2.png: the graph with the gradient on every edge.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import GraphvizNotFoundError, Tensor, draw, jacobian, vjp  # noqa: E402
from microgradkr.viz import save  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the pictures")
    args, _ = parser.parse_known_args(argv)
    np.set_printoptions(precision=6, suppress=True)
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")
    x = Tensor([0.2, 0.4], requires_grad=True, label="x")
    q = W @ x
    q.label = "q"
    f = (q**2).sum()
    f.label = "f"
    f.backward()

    print("f(x, W) = ||W x||^2 at W =", W.data.tolist(), "x =", x.data.tolist())
    print("q = W x         ", q.data)
    print(f"f = sum q^2      {f.item():.6g}")
    print("df/dq = 2 q     ", q.grad)
    print("df/dW = 2 q x^T \n", W.grad)
    print("df/dx = 2 W^T q ", x.grad)
    assert W.grad is not None and x.grad is not None
    print("each gradient has its variable's shape:", W.grad.shape, x.grad.shape)

    print("\nThe Jacobians (local gradients of the vector node q = W x):")
    dq_dx = jacobian(lambda t: Tensor(W.data) @ t, x)
    print("dq/dx (2 x 2) = W\n", dq_dx)
    dq_dW = jacobian(lambda t: t @ Tensor(x.data), W)
    print("dq/dW (2 x 4, W flattened row by row): row i holds x where W's row i is\n", dq_dW)
    df_dq = jacobian(lambda t: (t * t).sum(), q.data)
    print("df/dq (1 x 2) = 2 q^T\n", df_dq)

    print("\nChain rule as Jacobian products (what backprop never builds):")
    print("df/dx = df/dq . dq/dx =", (df_dq @ dq_dx).ravel())
    print("df/dW = df/dq . dq/dW =\n", (df_dq @ dq_dW).reshape(2, 2))
    print("\nWhat backprop does instead: one vector-Jacobian product per node")
    _, g = vjp(lambda t: Tensor(W.data) @ t, x, q.grad)
    print("vjp(q = W x, x, v = df/dq) = v^T W =", g)

    title = "Example 2a (docs/reference.md): f = ||W x||^2, one vector-Jacobian product per edge"
    diagram = draw(f, title=title)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for suffix in ("svg", "png"):
            print("saved", save(diagram, args.out / f"tensor_l2.{suffix}"))
    except GraphvizNotFoundError as err:
        print("saved", save(diagram, args.out / "tensor_l2.gv"), f"(no picture: {err})")


if __name__ == "__main__":
    main()
