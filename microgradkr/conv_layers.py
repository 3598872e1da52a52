"""Convolution layers (DLfS ch.7): Conv2d, MaxPool2d, AvgPool2d and Flatten, for Sequential.

Each is a thin Module over one op of ``microgradkr.conv``, so its backward (dx = col2im(g Wᵀ),
dW = colᵀ g, db = sum g, W as the book's col_W; pooling's g routed to the max or spread over the
window) is that op's VJP. Shapes follow PyTorch: x is (N, C, H, W), Conv2d's W is (FN, C, FH,
FW). They are re-exported from ``microgradkr.nn``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import checks_args, conv
from .nn import Module, Seed, _as_tensor, _rng, init_std
from .tensor import Tensor

__all__ = ["AvgPool2d", "Conv2d", "Flatten", "MaxPool2d"]


def _kernel(name: str, value: Any) -> tuple[int, int]:
    """An int or a pair of ints >= 1 (a kernel size) as a pair."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return checks_args.layer_size(name, value[0]), checks_args.layer_size(name, value[1])
    size = checks_args.layer_size(name, value)
    return size, size


class Conv2d(Module):
    """out = conv2d(x, W, b, stride, padding): (N, C, H, W) -> (N, FN, OH, OW) by im2col.

    W (out_channels, in_channels, FH, FW) ~ N(0, std^2) with std from ``init`` over the
    fan-in C*FH*FW ("he" sqrt(2 / fan_in), the default, for ReLU nets; "xavier"; "std" 0.01,
    the book's SimpleConvNet; or a float std); b = 0. Backward: dx = col2im(g Wᵀ),
    dW = colᵀ g (W as col_W = W.reshape(FN, -1).T), db = g summed over N, OH, OW.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        init: str | float = "he",
        bias: bool = True,
        rng: Seed = None,
        dtype: Any = np.float64,
    ) -> None:
        self.in_channels = checks_args.layer_size("in_channels", in_channels)
        self.out_channels = checks_args.layer_size("out_channels", out_channels)
        self.kernel_size = _kernel("kernel_size", kernel_size)
        self.stride = conv._pair("Conv2d", "stride", stride, 1)
        self.padding = conv._pair("Conv2d", "padding", padding, 0)
        self.init = init
        fh, fw = self.kernel_size
        std = init_std(init, self.in_channels * fh * fw)
        w = _rng(rng).standard_normal((self.out_channels, self.in_channels, fh, fw)) * std
        self.W = Tensor(w, requires_grad=True, label="W", dtype=dtype)
        self.b: Tensor | None = (
            Tensor(np.zeros(self.out_channels), requires_grad=True, label="b", dtype=dtype)
            if checks_args.flag("Conv2d", "bias", bias)
            else None
        )

    def forward(self, x: Any) -> Tensor:
        xt = _as_tensor(x, repr(self))
        if xt.ndim != 4 or xt.shape[1] != self.in_channels:
            raise ValueError(
                f"{self!r}: input of shape {xt.shape} should be (N, {self.in_channels}, H, W)"
                f" for W of shape {self.W.shape}"
            )
        return conv.conv2d(xt, self.W, self.b, self.stride, self.padding)

    def __repr__(self) -> str:
        extra = "" if self.stride == (1, 1) else f", stride={self.stride}"
        extra += "" if self.padding == (0, 0) else f", padding={self.padding}"
        extra += "" if self.b is not None else ", bias=False"
        return (
            f"Conv2d({self.in_channels}, {self.out_channels},"
            f" kernel_size={self.kernel_size}{extra})"
        )


class _Pool2d(Module):
    """Pooling over kernel_size windows, stride = kernel_size by default (as PyTorch)."""

    op = staticmethod(conv.max_pool2d)

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        name = type(self).__name__
        self.kernel_size = _kernel("kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else conv._pair(name, "stride", stride, 1)
        self.padding = conv._pair(name, "padding", padding, 0)

    def forward(self, x: Any) -> Tensor:
        xt = _as_tensor(x, repr(self))
        return type(self).op(xt, self.kernel_size, self.stride, self.padding)

    def __repr__(self) -> str:
        extra = "" if self.stride == self.kernel_size else f", stride={self.stride}"
        extra += "" if self.padding == (0, 0) else f", padding={self.padding}"
        return f"{type(self).__name__}(kernel_size={self.kernel_size}{extra})"


class MaxPool2d(_Pool2d):
    """out = the max of each window, per channel; backward: g to each window's max (DLfS's
    arg_max), 0 elsewhere."""

    op = staticmethod(conv.max_pool2d)


class AvgPool2d(_Pool2d):
    """out = the mean of each window, per channel; backward: g / (FH FW) to the whole window."""

    op = staticmethod(conv.avg_pool2d)


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W), the step from convolutions to Affine; backward reshapes back."""

    def forward(self, x: Any) -> Tensor:
        xt = _as_tensor(x, "Flatten")
        if xt.ndim < 1:
            raise ValueError(f"Flatten: x needs a batch axis, got shape {xt.shape}")
        return xt.reshape(xt.shape[0], -1)

    def __repr__(self) -> str:
        return "Flatten()"
