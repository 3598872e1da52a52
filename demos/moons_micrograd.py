"""micrograd's demo.ipynb with only the import changed: an MLP learns the two moons.

Needs the demos extra: pip install -e ".[demos]". Saves the decision boundary as moons.png in
--out (default: the current directory).

Run: PYTHONPATH=. python demos/moons_micrograd.py [--out DIR] [--steps 100]
"""

import argparse
import random
from pathlib import Path

import numpy as np

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import make_moons
except ImportError as err:
    raise SystemExit(f'{err.name} is missing: pip install -e ".[demos]"') from None

from microgradkr import Value  # was: from micrograd.engine import Value
from microgradkr.nn import MLP  # was: from micrograd.nn import Neuron, Layer, MLP


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for moons.png")
    parser.add_argument("--steps", type=int, default=100, help="training steps")
    args = parser.parse_args(argv)
    np.random.seed(1337)
    random.seed(1337)

    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1

    model = MLP(2, [16, 16, 1])  # 2-layer neural network
    print(model)
    print("number of parameters", len(model.parameters()))

    def loss(batch_size=None):
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]  # svm "max-margin"
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4  # L2 regularization
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    for k in range(args.steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / args.steps
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        if k % 10 == 9:
            print(f"step {k} loss {total_loss.data}, accuracy {acc * 100}%")

    h = 0.25
    x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
    y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    Xmesh = np.c_[xx.ravel(), yy.ravel()]
    inputs = [list(map(Value, xrow)) for xrow in Xmesh]
    scores = list(map(model, inputs))
    Z = np.array([s.data > 0 for s in scores]).reshape(xx.shape)

    fig = plt.figure()
    plt.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
    plt.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral)
    plt.xlim(xx.min(), xx.max())
    plt.ylim(yy.min(), yy.max())
    plt.title(f"microgradkr MLP(2, [16, 16, 1]): training accuracy {acc * 100:.0f}%")
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "moons.png"
    plt.savefig(target, dpi=100)
    plt.close(fig)
    print(f"decision boundary saved to {target}")
    return target


if __name__ == "__main__":
    main()
