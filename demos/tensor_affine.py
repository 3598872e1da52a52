"""docs/reference.md 2b: the Affine layer Y = X W + B on a batch, backward by autograd and by the
Deep Learning from Scratch formulas dX = dY W^T, dW = X^T dY, dB = sum of dY over the batch.

Run from the repository root: python demos/tensor_affine.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import Tensor, gradcheck  # noqa: E402


def main() -> None:
    np.set_printoptions(precision=4, suppress=True)
    rng = np.random.default_rng(0)
    N, D, M = 4, 3, 2
    X = Tensor(rng.standard_normal((N, D)), requires_grad=True, label="X")
    W = Tensor(rng.standard_normal((D, M)), requires_grad=True, label="W")
    B = Tensor(rng.standard_normal(M), requires_grad=True, label="B")
    dY = rng.standard_normal((N, M))

    Y = X @ W + B  # B (M,) is broadcast over the batch in the forward pass
    Y.backward(dY)  # dY = dL/dY, whatever comes from above

    formulas = {"X": dY @ W.data.T, "W": X.data.T @ dY, "B": dY.sum(axis=0)}
    print(
        f"Affine: X {X.shape} . W {W.shape} + B {B.shape} = Y {Y.shape}; upstream dY {dY.shape}\n"
    )
    for name, t in (("X", X), ("W", W), ("B", B)):
        rule = {"X": "dY W^T", "W": "X^T dY", "B": "sum_n dY"}[name]
        same = np.allclose(t.grad, formulas[name])  # type: ignore[arg-type]
        print(f"d{name} by autograd  {t.grad.shape}\n{t.grad}")  # type: ignore[union-attr]
        print(f"d{name} = {rule:<9} {'(the same)' if same else '(DIFFERENT!)'}\n")
    print("broadcast in the forward pass is a sum in the backward pass: dB = dY.sum(axis=0)")

    ok = gradcheck(lambda x, w, b: ((x @ w + b) * Tensor(dY)).sum(), [X, W, B])
    print("gradcheck (central differences on every element):", "passed" if ok else "FAILED")


if __name__ == "__main__":
    main()
