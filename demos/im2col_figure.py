"""How im2col turns a convolution into one matrix product (DLfS fig. 7-18/7-19), drawn from the
library's own ``im2col`` and ``conv2d``.

A 1x5x5 image of small integers and two 3x3 filters (vertical and horizontal edges). Each 3x3
patch of the image becomes one row of col (9 patches, 9 pixels each); each filter becomes one
column of W = W.reshape(FN, -1).T (the book's col_W); col @ W then holds every output, one row
per patch and one column per filter, and reshaping it gives the two 3x3 output maps. One patch
(orange) is followed all the way: it is one row of col, and its dot product with filter 0 is one
pixel of output map 0. The backward pass runs the same picture in reverse: dx = col2im(g Wᵀ)
adds each row of g Wᵀ back onto its patch.

Also draws the backward pass of a tiny SimpleConvNet with ``microgradkr.draw`` (conv_graph.png,
needs Graphviz): the conv node's edges carry their VJP rules, col2im(g Wᵀ), colᵀ g and the sum
of g, and the max-pool node's "g to each window's max", each checked against a central
difference (check=True).

Run: PYTHONPATH=. python demos/im2col_figure.py [--out DIR]   writes im2col.png, conv_graph.png
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from microgradkr.data import require
from microgradkr.functional import conv2d, im2col

HIGHLIGHT = "#ff7f0e"
FILTER_COLOURS = ("#1f77b4", "#2ca02c")


def example() -> dict[str, Any]:
    """The image, the filters, col, the weight matrix, the product and the output maps."""
    x = np.random.default_rng(7).integers(0, 10, (1, 1, 5, 5)).astype(np.float64)
    W = np.array(
        [
            [[[1, 0, -1], [1, 0, -1], [1, 0, -1]]],  # vertical edges
            [[[1, 1, 1], [0, 0, 0], [-1, -1, -1]]],  # horizontal edges
        ],
        dtype=np.float64,
    )
    col = im2col(x, 3, 3).data
    wmat = W.reshape(2, -1).T
    out = conv2d(x, W).data
    assert np.allclose((col @ wmat).reshape(1, 3, 3, 2).transpose(0, 3, 1, 2), out)
    return {"x": x[0, 0], "W": W[:, 0], "col": col, "wmat": wmat, "prod": col @ wmat, "out": out[0]}


def grid(ax: Any, a: np.ndarray, title: str, cmap: str | None = None, fmt: str = "{:g}") -> None:
    """A matrix as cells with its numbers written in them (white cells when ``cmap`` is None)."""
    top = max(float(np.abs(a).max()), 1e-12) * 2.5
    if cmap is None:
        ax.imshow(np.zeros_like(a), cmap="Greys", vmin=0.0, vmax=1.0)
    else:
        ax.imshow(a, cmap=cmap, vmin=-top, vmax=top)
    for (i, j), v in np.ndenumerate(a):
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8)
    ax.set_xticks(np.arange(-0.5, a.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, a.shape[0]), minor=True)
    ax.grid(which="minor", color="0.6", lw=0.5)
    ax.tick_params(which="both", length=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)


def box(
    ax: Any, row: float, col: float, h: float, w: float, colour: str, lw: float = 2.5,
    fill: bool = False,
) -> None:  # fmt: skip
    """A rectangle around cells [row, row + h) x [col, col + w), tinted inside with ``fill``."""
    patches = require("matplotlib.patches", "demos/im2col_figure.py")
    corner = (col - 0.5, row - 0.5)
    if fill:
        ax.add_patch(patches.Rectangle(corner, w, h, fc=colour, alpha=0.22, lw=0, zorder=4))
    ax.add_patch(patches.Rectangle(corner, w, h, fill=False, ec=colour, lw=lw, zorder=5))


def arrow(fig: Any, a: Any, xy_a: tuple[float, float], b: Any, xy_b: tuple[float, float]) -> None:
    patches = require("matplotlib.patches", "demos/im2col_figure.py")
    fig.add_artist(
        patches.ConnectionPatch(
            xy_a, xy_b, "data", "data", axesA=a, axesB=b, color=HIGHLIGHT, lw=1.5,
            arrowstyle="-|>", mutation_scale=14, connectionstyle="arc3,rad=-0.25", zorder=6,
        )
    )  # fmt: skip


def draw(out: Path) -> Path:
    matplotlib = require("matplotlib", "demos/im2col_figure.py")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", "demos/im2col_figure.py")
    e = example()
    oy, ox = 1, 2  # the patch followed through the figure
    r = oy * 3 + ox  # its row in col
    fig = plt.figure(figsize=(16, 7.2))
    gs = fig.add_gridspec(
        2, 6, width_ratios=[1.1, 1.9, 0.2, 0.9, 0.2, 1.4], height_ratios=[1, 1], wspace=0.3
    )
    ax_x = fig.add_subplot(gs[:, 0])
    grid(ax_x, e["x"], "x: one 1x5x5 image\n(N=1, C=1, H=W=5)")
    box(ax_x, oy, ox, 3, 3, HIGHLIGHT, fill=True)
    ax_col = fig.add_subplot(gs[:, 1])
    title = "col = im2col(x, 3, 3): (N·OH·OW, C·FH·FW) = (9, 9)\none row per patch (oy, ox)"
    grid(ax_col, e["col"], title)
    box(ax_col, r, 0, 1, 9, HIGHLIGHT, fill=True)
    ax_col.set_yticks(range(9), [f"({i // 3},{i % 3})" for i in range(9)], fontsize=7)
    ax_col.set_xticks(range(9), [f"{i // 3}{i % 3}" for i in range(9)], fontsize=7)
    ax_col.set_xlabel("filter position (ky kx)")
    arrow(fig, ax_x, (ox + 2.5, oy + 1), ax_col, (-0.5, r))
    ax_at = fig.add_subplot(gs[:, 2])
    ax_at.axis("off")
    ax_at.text(0.5, 0.75, "@", fontsize=30, ha="center", va="center")
    ax_eq = fig.add_subplot(gs[0, 4])
    ax_eq.axis("off")
    ax_eq.text(0.5, 0.5, "=", fontsize=30, ha="center", va="center")
    ax_w = fig.add_subplot(gs[0, 3])
    title = "W = W.reshape(FN, -1).T: (9, 2)\n(col_W) one column per filter"
    grid(ax_w, e["wmat"], title, cmap="RdBu")
    for j, c in enumerate(FILTER_COLOURS):
        box(ax_w, 0, j, 9, 1, c, lw=2)
    ax_f = fig.add_subplot(gs[1, 3])
    ax_f.axis("off")
    for j, c in enumerate(FILTER_COLOURS):
        sub = ax_f.inset_axes((-0.1 + 0.65 * j, 0.25, 0.55, 0.55))
        grid(sub, e["W"][j], f"filter {j}", cmap="RdBu")
        for s in sub.spines.values():
            s.set_edgecolor(c)
            s.set_linewidth(2.5)
    ax_p = fig.add_subplot(gs[0, 5])
    grid(ax_p, e["prod"], "col @ W: (9, 2)\nrow = patch, column = filter", cmap="PuOr")
    box(ax_p, r, 0, 1, 1, HIGHLIGHT, fill=True)
    ax_o = fig.add_subplot(gs[1, 5])
    maps = np.concatenate([e["out"][0], np.full((3, 1), np.nan), e["out"][1]], axis=1)
    grid(ax_o, np.nan_to_num(maps), "reshaped: out (1, FN=2, 3, 3)\nmap 0 | map 1", cmap="PuOr")
    ax_o.texts[3 * 7 - 4].set_text("")  # no number in the gap column
    for i in range(3):
        ax_o.texts[i * 7 + 3].set_text("")
    box(ax_o, oy, ox, 1, 1, HIGHLIGHT, fill=True)
    arrow(fig, ax_p, (-0.5, r), ax_o, (ox, oy - 0.5))
    fig.suptitle(
        "im2col: the orange patch of x is row (1,2) of col; that row times filter 0's column is"
        " output pixel (1,2) of map 0\nforward out = col @ W + b;  backward dW = colᵀ g,"
        "  dx = col2im(g Wᵀ): each row of g Wᵀ added back onto its patch",
        fontsize=11,
        y=1.0,
    )
    fig.subplots_adjust(top=0.86)
    target = out / "im2col.png"
    fig.savefig(target, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return target


def draw_graph(out: Path) -> Path | None:
    """The graph of a tiny SimpleConvNet's loss after backward, every edge checked; None
    without Graphviz."""
    from microgradkr import GraphvizNotFoundError, Tensor, draw, nn
    from microgradkr.functional import cross_entropy

    net = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, rng=0),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Affine(8, 3, rng=1),
    )
    x = Tensor(np.random.default_rng(0).random((1, 1, 4, 4)), requires_grad=True, label="x")
    loss = cross_entropy(net(x), np.array([2]))
    loss.backward()
    try:
        diagram = draw(loss, check=True, rankdir="TB", precision=3)
        target = out / "conv_graph.png"
        target.write_bytes(diagram.pipe(format="png"))
    except (ImportError, GraphvizNotFoundError) as err:
        print(f"conv_graph.png not drawn: {err}")
        return None
    return target


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for im2col.png")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    target = draw(args.out)
    print(f"saved {target}")
    graph = draw_graph(args.out)
    if graph is not None:
        print(f"saved {graph}")
    return target


if __name__ == "__main__":
    try:
        main()
    except ImportError as err:
        raise SystemExit(str(err)) from None
