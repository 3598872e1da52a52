"""A tensor MLP on scikit-learn's 1,797 8x8 digits: Affine-BatchNorm-ReLU-Affine and Adam.

80% of the digits (1,437) train the net in mini-batches of 32; the other 20% (360), never seen
in training, measure the test accuracy. BatchNorm1d (배치 정규화) normalises the hidden layer
with the batch's statistics in training and with its running averages in eval mode, which is
why the model is switched with ``train()`` / ``eval()``. CPU time: time.process_time.

Run: PYTHONPATH=. python demos/train_digits.py [--out DIR] [--epochs 30]  (needs the demos extra)
Writes digits.png: accuracy per epoch and the confusion matrix on the test digits.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from microgradkr import nn, optim
from microgradkr.data import DataLoader, load_digits, require, train_test_split


def build(hidden: int, seed: int) -> nn.Sequential:
    """64 pixels -> Affine -> BatchNorm1d -> ReLU -> Affine -> 10 scores."""
    return nn.Sequential(
        nn.Affine(64, hidden, rng=seed),
        nn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Affine(hidden, 10, rng=seed + 1),
    )


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The predicted class of each row, in eval mode (running statistics)."""
    was_training = model.training
    model.eval()
    y = np.asarray(model(x).data.argmax(axis=1))
    model.train(was_training)
    return y


def train(model: nn.Module, data: dict[str, np.ndarray], args: Any, tqdm: Any) -> dict[str, Any]:
    """Mini-batch training with Adam; returns the loss and both accuracies per epoch."""
    loss_layer = nn.SoftmaxWithLoss()
    opt = optim.Adam(model, lr=args.lr)
    loader = DataLoader(data["x_train"], data["t_train"], args.batch_size, seed=args.seed)
    history: dict[str, list[float]] = {"loss": [], "train": [], "test": []}
    bar = tqdm(range(1, args.epochs + 1), desc="digits", unit="epoch")
    for epoch in bar:
        model.train()
        losses = []
        for xb, tb in loader:
            opt.zero_grad()
            loss = loss_layer(model(xb), tb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        history["loss"].append(float(np.mean(losses)))
        for split in ("train", "test"):
            right = predict(model, data[f"x_{split}"]) == data[f"t_{split}"]
            history[split].append(float(right.mean()))
        bar.set_postfix(test=f"{history['test'][-1]:.3f}")
        if epoch % 5 == 0 or epoch == args.epochs:
            tqdm.write(
                f"epoch {epoch:2d}  loss {history['loss'][-1]:.4f}"
                f"  train acc {history['train'][-1]:.4f}  test acc {history['test'][-1]:.4f}"
            )
    return history


def plot(
    history: dict[str, list[float]], t: np.ndarray, y: np.ndarray, n_train: int, out: Path
) -> Path:
    """Accuracy per epoch (train and test) and the test confusion matrix."""
    matplotlib = require("matplotlib", "demos/train_digits.py")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", "demos/train_digits.py")
    fig, (ax, ax_cm) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [3, 2]})
    epochs = np.arange(1, len(history["test"]) + 1)
    ax.plot(epochs, history["train"], "o-", markersize=4, label=f"train ({n_train:,} digits)")
    ax.plot(
        epochs, history["test"], "s-", markersize=4, color="#d62728", label="test (360 held out)"
    )
    ax.axhline(0.97, color="0.5", linestyle="--", linewidth=1, label="97%")
    ax.set_ylim(max(0.0, min(history["train"] + history["test"]) - 0.02), 1.005)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(f"Affine-BatchNorm-ReLU-Affine on 8x8 digits: test {history['test'][-1]:.1%}")
    cm = np.zeros((10, 10), dtype=int)
    np.add.at(cm, (t, y), 1)
    ax_cm.imshow(cm, cmap="Blues")
    for i, j in zip(*np.nonzero(cm), strict=True):
        color = "white" if cm[i, j] > cm.max() / 2 else ("#b2182b" if i != j else "black")
        ax_cm.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8, color=color)
    ax_cm.set_xticks(range(10))
    ax_cm.set_yticks(range(10))
    ax_cm.set_xlabel("predicted")
    ax_cm.set_ylabel("true")
    ax_cm.set_title(f"test confusion matrix: {int((t != y).sum())} of {len(t)} wrong (red)")
    fig.tight_layout()
    target = out / "digits.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the PNG")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tqdm = require("tqdm", "demos/train_digits.py").tqdm
    require("matplotlib", "demos/train_digits.py")  # fail before training, not after
    start = time.process_time()
    x, t = load_digits()
    x_train, x_test, t_train, t_test = train_test_split(x, t, test_size=0.2, seed=0)
    data = {"x_train": x_train, "t_train": t_train, "x_test": x_test, "t_test": t_test}
    model = build(args.hidden, args.seed)
    history = train(model, data, args, tqdm)
    predicted = predict(model, x_test)
    cpu = time.process_time() - start
    print(
        f"test accuracy {history['test'][-1]:.2%} on {len(t_test)} held-out digits"
        f" (training accuracy {history['train'][-1]:.2%} on {len(t_train)})"
    )
    print(f"CPU time: {cpu:.1f} s for loading, {args.epochs} epochs and evaluation")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"saved {plot(history, t_test, predicted, len(t_train), args.out)}")
    return {"model": model, "history": history, "test_accuracy": history["test"][-1], "cpu": cpu}


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:  # an optional dependency missing: name the extra, no traceback
        raise SystemExit(str(err)) from None
