"""DLfS ch.5's two-layer net on 5,000 real MNIST digits: Affine-ReLU-Affine-SoftmaxWithLoss.

4,000 images train the net in mini-batches of 100 and 1,000 held-out images test it. After each
epoch both accuracies are measured: the training accuracy keeps climbing towards 100% while the
test accuracy levels off, and the gap between them is overfitting (오버피팅). The optimizer is
Momentum (PyTorch's SGD with momentum 0.9) with lr 0.05; the weights start with He's std
sqrt(2 / n) for the ReLU layer. CPU time is measured with time.process_time (all threads).

Run: PYTHONPATH=. python demos/train_mnist.py [--out DIR] [--epochs 20]  (needs the demos extra)
Writes mnist_accuracy.png (accuracy per epoch with the gap shaded, and the loss) and
mnist_misclassified.png (test digits the net gets wrong, with true and predicted labels).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from microgradkr import nn, optim
from microgradkr.data import DataLoader, load_mnist, require, train_test_split


def build(hidden: int, seed: int) -> nn.Sequential:
    """784 pixels -> Affine -> ReLU -> Affine -> 10 scores (DLfS's TwoLayerNet)."""
    return nn.Sequential(
        nn.Affine(784, hidden, init="he", rng=seed),
        nn.ReLU(),
        nn.Affine(hidden, 10, init="he", rng=seed + 1),
    )


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The class with the highest score for each row of x."""
    return np.asarray(model(x).data.argmax(axis=1))


def accuracy(model: nn.Module, x: np.ndarray, t: np.ndarray) -> float:
    """The fraction of rows classified as their label t."""
    return float((predict(model, x) == t).mean())


def train(model: nn.Module, data: dict[str, np.ndarray], args: Any, tqdm: Any) -> dict[str, Any]:
    """Mini-batch training; returns the loss and both accuracies per epoch."""
    loss_layer = nn.SoftmaxWithLoss()
    opt = optim.Momentum(model, lr=args.lr)
    loader = DataLoader(data["x_train"], data["t_train"], args.batch_size, seed=args.seed)
    history: dict[str, list[float]] = {"loss": [], "train": [], "test": []}
    bar = tqdm(range(1, args.epochs + 1), desc="mnist", unit="epoch")
    for epoch in bar:
        losses = []
        for xb, tb in loader:
            opt.zero_grad()
            loss = loss_layer(model(xb), tb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        history["loss"].append(float(np.mean(losses)))
        history["train"].append(accuracy(model, data["x_train"], data["t_train"]))
        history["test"].append(accuracy(model, data["x_test"], data["t_test"]))
        bar.set_postfix(train=f"{history['train'][-1]:.3f}", test=f"{history['test'][-1]:.3f}")
        loss_, train_, test_ = (history[k][-1] for k in ("loss", "train", "test"))
        tqdm.write(
            f"epoch {epoch:2d}  loss {loss_:.4f}  train acc {train_:.4f}  test acc {test_:.4f}"
        )
    return history


def _pyplot() -> Any:
    matplotlib = require("matplotlib", "demos/train_mnist.py")
    matplotlib.use("Agg")
    return require("matplotlib.pyplot", "demos/train_mnist.py")


def plot_accuracy(history: dict[str, list[float]], n_train: int, n_test: int, out: Path) -> Path:
    """Train and test accuracy per epoch with the gap between them shaded; the loss beside."""
    plt = _pyplot()
    epochs = np.arange(1, len(history["train"]) + 1)
    train_acc, test_acc = np.array(history["train"]), np.array(history["test"])
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    ax.plot(epochs, train_acc, "o-", color="#1f77b4", label=f"train ({n_train} images)")
    ax.plot(epochs, test_acc, "s-", color="#d62728", label=f"test ({n_test} held-out images)")
    ax.fill_between(
        epochs, test_acc, train_acc, where=train_acc >= test_acc, color="#ff7f0e", alpha=0.25,
        label="overfitting gap (train - test)",
    )  # fmt: skip
    gap = train_acc[-1] - test_acc[-1]
    mid = max(len(epochs) * 2 // 3, 1)  # the label sits inside the band, two thirds along
    ax.annotate(
        f"gap {gap * 100:.1f} points at the end\n"
        f"(train {train_acc[-1]:.1%}, test {test_acc[-1]:.1%})",
        xy=(epochs[-1], (train_acc[-1] + test_acc[-1]) / 2),
        xytext=(epochs[mid - 1], (train_acc[mid - 1] + test_acc[mid - 1]) / 2),
        ha="center",
        va="center",
        arrowprops={"arrowstyle": "->", "color": "0.3"},
    )
    low = min(float(train_acc.min()), float(test_acc.min()))
    ax.set_ylim(max(0.0, low - 0.02), 1.005)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_xticks(epochs if len(epochs) <= 20 else epochs[::2])
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Affine-ReLU-Affine-SoftmaxWithLoss on MNIST 5k: accuracy per epoch")
    ax_loss.plot(epochs, history["loss"], "o-", color="0.25")
    ax_loss.set_yscale("log")
    ax_loss.set_xticks(epochs if len(epochs) <= 10 else epochs[::2])
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean training loss (log scale)")
    ax_loss.grid(alpha=0.3, which="both")
    ax_loss.set_title("cross-entropy loss over the epoch's mini-batches")
    fig.tight_layout()
    target = out / "mnist_accuracy.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def plot_misclassified(
    x: np.ndarray, t: np.ndarray, y: np.ndarray, out: Path, rows: int = 4, cols: int = 8
) -> Path:
    """A grid of test digits the net gets wrong, each titled with its true and predicted label."""
    plt = _pyplot()
    wrong = np.flatnonzero(y != t)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.35, rows * 1.6))
    for ax, i in zip(axes.flat, wrong, strict=False):
        ax.imshow(x[i].reshape(28, 28), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(f"true {t[i]}, pred {y[i]}", fontsize=9, color="#b2182b")
    for ax in axes.flat:
        ax.axis("off")
    shown = min(len(wrong), rows * cols)
    fig.suptitle(
        f"{len(wrong)} of {len(t)} test digits misclassified ({len(wrong) / len(t):.1%});"
        f" the first {shown}"
    )
    fig.tight_layout()
    target = out / "mnist_misclassified.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the PNGs")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--train-size", type=int, default=4000, help="at most 4000")
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=None, help="for load_mnist's cache")
    args = parser.parse_args(argv)
    tqdm = require("tqdm", "demos/train_mnist.py").tqdm
    _pyplot()  # fail before training, not after, when matplotlib is missing
    start = time.process_time()
    x, t = load_mnist(cache_dir=args.cache_dir)
    x_train, x_test, t_train, t_test = train_test_split(x, t, test_size=args.test_size, seed=0)
    data = {
        "x_train": x_train[: args.train_size],
        "t_train": t_train[: args.train_size],
        "x_test": x_test,
        "t_test": t_test,
    }
    loaded = time.process_time()
    model = build(args.hidden, args.seed)
    history = train(model, data, args, tqdm)
    predicted = predict(model, x_test)
    done = time.process_time()
    n_train = len(data["x_train"])
    print(
        f"test accuracy {history['test'][-1]:.2%} on {len(t_test)} held-out images,"
        f" training accuracy {history['train'][-1]:.2%} on {n_train}"
    )
    print(
        f"CPU time: {done - loaded:.1f} s training ({args.epochs} epochs),"
        f" {done - start:.1f} s with loading the data"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"saved {plot_accuracy(history, n_train, len(t_test), args.out)}")
    print(f"saved {plot_misclassified(x_test, t_test, predicted, args.out)}")
    return {
        "model": model,
        "history": history,
        "test_accuracy": history["test"][-1],
        "cpu": done - start,
    }


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:  # an optional dependency missing: name the extra, no traceback
        raise SystemExit(str(err)) from None
