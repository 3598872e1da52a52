"""docs/reference.md 2c: Softmax-with-Loss. Its backward is (y - t) / N, and softmax subtracts the
max first, so [1010, 1000, 990] gives numbers, not NaN.

Run from the repository root: python demos/tensor_softmax.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, not an install

from microgradkr import Tensor  # noqa: E402
from microgradkr import functional as F  # noqa: E402


def main() -> None:
    np.set_printoptions(precision=8, suppress=False)
    print("softmax([0.3, 2.9, 4.0]) =", F.softmax(Tensor([0.3, 2.9, 4.0])).data)

    a = np.array([1010.0, 1000.0, 990.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(a) / np.exp(a).sum()
    print("\nnaive exp(a) / sum exp(a) for a = [1010, 1000, 990]:", naive)
    print("softmax subtracting max(a) first:                 ", F.softmax(Tensor(a)).data)

    rng = np.random.default_rng(0)
    N, C = 4, 3
    logits = Tensor(rng.standard_normal((N, C)), requires_grad=True, label="a")
    labels = np.array([0, 2, 1, 2])
    t = np.eye(C)[labels]
    loss = F.cross_entropy(logits, labels)  # softmax and cross-entropy as one node
    loss.backward()
    y = F.softmax(Tensor(logits.data)).data
    np.set_printoptions(precision=5, suppress=True)
    print(f"\nSoftmax-with-Loss, batch N = {N}, labels {labels.tolist()}: L = {loss.item():.6f}")
    print("y = softmax(a)\n", y)
    print("dL/da by autograd\n", logits.grad)
    print("(y - t) / N\n", (y - t) / N)
    print("the same:", np.allclose(logits.grad, (y - t) / N))  # type: ignore[arg-type]

    # the same loss from separate nodes: softmax, log, pick, mean -- and the same gradient
    b = Tensor(logits.data, requires_grad=True)
    (-(F.softmax(b).log()[np.arange(N), labels]).mean()).backward()
    print(
        "through separate softmax/log/mean nodes, the same again:", np.allclose(b.grad, logits.grad)
    )  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
