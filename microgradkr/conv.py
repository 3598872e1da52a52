"""Convolution and pooling as DLfS ch.7 teaches them: im2col, then one matrix product.

``im2col`` unrolls every FH x FW patch of x (N, C, H, W) into one row of col (N*OH*OW, C*FH*FW),
with OH = floor((H + 2 pad - FH) / stride) + 1 (and OW alike); rows run over (n, oy, ox),
columns over (c, ky, kx), as in the book. ``col2im`` is its adjoint: each patch row is added back
where it came from, so overlapping patches sum. A convolution is then out = col @ W + b, an
Affine layer on the patches, with W the book's col_W = W.reshape(FN, -1).T (C*FH*FW, FN); its
backward is Affine's too, dW = colᵀ g and db = sum g, with dx = col2im(g Wᵀ). Pooling takes the
max (or mean) over the same FH x FW windows, channel by channel.

Each is one ``TensorOp``: the forward keeps what its backward needs (col, the argmax), and
every VJP is written with Tensor ops too (im2col and col2im are each other's VJP), so
``backward(create_graph=True)`` gives second derivatives. Shapes follow PyTorch's
``torch.nn.functional.conv2d`` / ``max_pool2d`` / ``avg_pool2d`` (max pooling pads with -inf,
average pooling with zeros and divides by FH*FW), and so do the numbers.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np

from . import checks_args
from .ops import CHAIN, DISTRIBUTOR, ROUTER, SWITCHER
from .tensor import SCATTER, Tensor, TensorOp, _node, apply
from .tensor_input import op_inputs

__all__ = ["avg_pool2d", "col2im", "conv2d", "im2col", "max_pool2d"]


class Geometry(NamedTuple):
    """Where the windows sit: kernel (kh, kw), stride, padding, output size (oh, ow)."""

    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    oh: int
    ow: int


def _pair(op: str, name: str, value: Any, least: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``least``, as a pair."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair
    ):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r:.80}")
    if min(pair) < least:
        raise ValueError(f"{op}: {name} must be >= {least}, got {value!r:.80}")
    return int(pair[0]), int(pair[1])


def geometry(op: str, shape: tuple[int, ...], kernel: Any, stride: Any, pad: Any) -> Geometry:
    """The windows over x of ``shape`` (N, C, H, W): OH = floor((H + 2 pad - FH) / stride) + 1,
    as torch and the book (rows a stride leaves unused get gradient 0); a ValueError naming the
    shapes for a kernel larger than the padded input."""
    if len(shape) != 4:
        raise ValueError(f"{op}: x must have 4 axes (N, C, H, W), got shape {tuple(shape)}")
    kh, kw = _pair(op, "kernel_size", kernel, 1)
    sh, sw = _pair(op, "stride", stride, 1)
    ph, pw = _pair(op, "padding", pad, 0)
    h, w = shape[2] + 2 * ph, shape[3] + 2 * pw
    where = f"x of shape {tuple(shape)}, padding ({ph}, {pw})"
    if kh > h or kw > w:
        raise ValueError(
            f"{op}: the {kh}x{kw} kernel is larger than the padded {h}x{w} input ({where})"
        )
    if shape[0] * shape[1] * h * w > checks_args.MAX_ELEMENTS:  # numpy's pad fails deep inside
        raise ValueError(f"{op}: padding makes a padded input of more than 2**40 numbers ({where})")
    return Geometry(kh, kw, sh, sw, ph, pw, (h - kh) // sh + 1, (w - kw) // sw + 1)


# -- the arrays: im2col, col2im and the window loop they share (the book's) --------------------


def _padded(x: np.ndarray, geo: Geometry, fill: float = 0.0) -> np.ndarray:
    """x with ``fill`` around H and W (x itself when there is no padding)."""
    if not (geo.ph or geo.pw):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * geo.ph, w + 2 * geo.pw), fill, dtype=x.dtype)
    out[:, :, geo.ph : geo.ph + h, geo.pw : geo.pw + w] = x
    return out


def _windows(geo: Geometry) -> list[tuple[int, tuple[slice, slice]]]:
    """For each kernel position (ky, kx), numbered k = ky FW + kx: the strided slice of the
    padded input that position sees in every window (the book's loop over the filter)."""
    return [
        (
            i * geo.kw + j,
            (
                slice(i, i + geo.sh * (geo.oh - 1) + 1, geo.sh),
                slice(j, j + geo.sw * (geo.ow - 1) + 1, geo.sw),
            ),
        )
        for i, j in itertools.product(range(geo.kh), range(geo.kw))
    ]


def _im2col(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """col[(n, oy, ox), (c, ky, kx)] = x_padded[n, c, oy sh + ky, ox sw + kx].

    The windows are a strided view (sliding_window_view); the reshape makes the one copy. The
    book's loop over the FH*FW filter positions copies twice (into a 6-d array, then a
    transpose): 3 ms against 9 ms at its size (100 images 28x28, 5x5).
    """
    n, c = x.shape[:2]
    view = np.lib.stride_tricks.sliding_window_view(_padded(x, geo), (geo.kh, geo.kw), (2, 3))
    windows = view[:, :, :: geo.sh, :: geo.sw]  # (N, C, OH, OW, FH, FW)
    rows, cols = n * geo.oh * geo.ow, c * geo.kh * geo.kw  # no -1: N = 0 leaves it ambiguous
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(rows, cols)  # type: ignore[no-any-return]


def _col2im(col: np.ndarray, shape: tuple[int, ...], geo: Geometry) -> np.ndarray:
    """The adjoint of im2col: each row of col added back onto its patch of an (N, C, H, W) zero."""
    n, c, h, w = shape
    col6 = col.reshape(n, geo.oh, geo.ow, c, geo.kh, geo.kw)
    img = np.zeros((n, c, h + 2 * geo.ph, w + 2 * geo.pw), dtype=col.dtype)
    for k, (rows, cols) in _windows(geo):
        img[:, :, rows, cols] += col6[..., k // geo.kw, k % geo.kw].transpose(0, 3, 1, 2)
    return img[:, :, geo.ph : geo.ph + h, geo.pw : geo.pw + w]


def _scatter_windows(g: Any, shape: tuple[int, ...], geo: Geometry, weight: Any) -> Any:
    """sum over kernel positions k of g * weight(k) put back at that position's slice:
    the VJP of a pooling (``weight(k)`` = 1/(FH FW), or where the argmax is k)."""
    n, c, h, w = shape
    padded = (n, c, h + 2 * geo.ph, w + 2 * geo.pw)
    inside = (slice(None), slice(None), slice(geo.ph, geo.ph + h), slice(geo.pw, geo.pw + w))
    if isinstance(g, Tensor):  # the same sum as Tensor ops, for a gradient with a graph
        parts = [
            apply(SCATTER, g * weight(k), args=(padded, (slice(None), slice(None), *where)))
            for k, where in _windows(geo)
        ]
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return total[inside]
    img = np.zeros(padded, dtype=g.dtype)
    for k, (rows, cols) in _windows(geo):
        img[:, :, rows, cols] += g * weight(k)
    return img[inside]


# -- im2col and col2im as ops --------------------------------------------------------------------


def _im2col_any(x: Any, geo: Geometry) -> Any:
    return apply(IM2COL, x, args=(geo,)) if isinstance(x, Tensor) else _im2col(x, geo)


def _col2im_any(col: Any, shape: tuple[int, ...], geo: Geometry) -> Any:
    return (
        apply(COL2IM, col, args=(shape, geo))
        if isinstance(col, Tensor)
        else _col2im(col, shape, geo)
    )


IM2COL = TensorOp(
    "im2col",
    "im2col",
    DISTRIBUTOR,
    _im2col,
    (lambda g, x, out, geo: _col2im_any(g, x.shape, geo),),
    notes=("col2im(g): each patch's row added back",),
    takes="b",  # as torch's unfold: "im2col_out_cpu" not implemented for 'Long'
)
COL2IM = TensorOp(
    "col2im",
    "col2im",
    DISTRIBUTOR,
    _col2im,
    (lambda g, col, out, shape, geo: _im2col_any(g, geo),),
    notes=("im2col(g)",),
    takes="b",  # as torch's fold: "col2im_out_cpu" not implemented for 'Long'
)


def _tensor(x: Any, op: str, name: str, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if like is not None else getattr(x, "dtype", None)
    try:
        return Tensor(x, dtype=dtype if dtype in (np.float32, np.float64) else None)
    except TypeError as err:
        raise TypeError(f"{op}: {name} {err}") from None


def im2col(x: Any, filter_h: int, filter_w: int, stride: Any = 1, pad: Any = 0) -> Tensor:
    """DLfS's im2col: x (N, C, H, W) -> col (N*OH*OW, C*FH*FW), one row per patch;
    OH = floor((H + 2 pad - FH) / stride) + 1. Backward: col2im(g)."""
    xt = _tensor(x, "im2col", "x")
    return apply(
        IM2COL, xt, args=(geometry("im2col", xt.shape, (filter_h, filter_w), stride, pad),)
    )


def col2im(
    col: Any, input_shape: Any, filter_h: int, filter_w: int, stride: Any = 1, pad: Any = 0
) -> Tensor:
    """DLfS's col2im, im2col's adjoint: col (N*OH*OW, C*FH*FW) -> (N, C, H, W), overlapping
    patches summed. Backward: im2col(g)."""
    ct = _tensor(col, "col2im", "col")
    shape = checks_args.size("col2im", "input_shape", input_shape)
    if len(shape) != 4:
        raise ValueError(f"col2im: input_shape must be (N, C, H, W), got {shape}")
    geo = geometry("col2im", shape, (filter_h, filter_w), stride, pad)
    want = (shape[0] * geo.oh * geo.ow, shape[1] * geo.kh * geo.kw)
    if ct.shape != want:
        raise ValueError(
            f"col2im: col of shape {ct.shape} does not fit input_shape {shape} with a"
            f" {geo.kh}x{geo.kw} filter: expected (N*OH*OW, C*FH*FW) = {want}"
        )
    return apply(COL2IM, ct, args=(shape, geo))


# -- convolution -------------------------------------------------------------------------------


def _conv_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, geo: Geometry, col: Any = None
) -> np.ndarray:
    """out[n, f] = sum_{c,ky,kx} W[f, c, ky, kx] x_padded[n, c, oy sh + ky, ox sw + kx] + b[f]."""
    if col is None:
        col = _im2col(x, geo)
    fn = W.shape[0]
    out = col @ W.reshape(fn, -1).T + b
    # (N*OH*OW, FN) viewed as (N, FN, OH, OW): a view, no copy; the VJPs read it back for free
    return out.reshape(x.shape[0], geo.oh, geo.ow, fn).transpose(0, 3, 1, 2)  # type: ignore[no-any-return]


def _rows(g: Any) -> Any:
    """g (N, FN, OH, OW) as the (N*OH*OW, FN) matrix the forward's product made."""
    nhwc = g.permute(0, 2, 3, 1) if isinstance(g, Tensor) else g.transpose(0, 2, 3, 1)
    return nhwc.reshape(-1, g.shape[1])


def _conv_dx(g: Any, x: Any, W: Any, b: Any, out: Any, geo: Geometry, col: Any) -> Any:
    """dx = col2im(g Wᵀ) (W as col_W): each output's gradient spread back over its patch."""
    return _col2im_any(_rows(g) @ W.reshape(W.shape[0], -1), x.shape, geo)


def _conv_dW(g: Any, x: Any, W: Any, b: Any, out: Any, geo: Geometry, col: Any) -> Any:
    """dW = colᵀ g (as (FN, C, FH, FW)): the patches weighted by the outputs' gradients."""
    cols = _im2col_any(x, geo) if isinstance(x, Tensor) or col is None else col
    return (_rows(g).T @ cols).reshape(W.shape)


def _conv_db(g: Any, x: Any, W: Any, b: Any, out: Any, geo: Geometry, col: Any) -> Any:
    """db = sum of g over N, OH and OW."""
    return _rows(g).sum(axis=0)


CONV2D = TensorOp(
    "conv2d",
    "conv",
    SWITCHER,
    lambda x, W, b, geo, col=None: _conv_forward(x, W, b, geo),  # col is the forward's own
    (_conv_dx, _conv_dW, _conv_db),
    notes=("col2im(g Wᵀ)", "colᵀ g", "g summed over N, OH, OW"),
    takes="i",  # torch: "slow_conv2d_cpu" not implemented for 'Bool'
)


def conv2d(x: Any, W: Any, b: Any = None, stride: Any = 1, pad: Any = 0) -> Tensor:
    """out = im2col(x) @ W.reshape(FN, -1).T + b, as (N, FN, OH, OW); x (N, C, H, W),
    W (FN, C, FH, FW), b (FN,) or None. Backward (W as col_W): dx = col2im(g Wᵀ),
    dW = colᵀ g, db = sum g."""
    xt = _tensor(x, "conv2d", "x")
    wt = _tensor(W, "conv2d", "W", like=xt)
    if wt.ndim != 4:
        raise ValueError(f"conv2d: W must have 4 axes (FN, C, FH, FW), got shape {wt.shape}")
    geo = geometry("conv2d", xt.shape, wt.shape[2:], stride, pad)
    if xt.shape[1] != wt.shape[1]:
        raise ValueError(
            f"conv2d: x of shape {xt.shape} has {xt.shape[1]} channels, but W of shape"
            f" {wt.shape} expects {wt.shape[1]}"
        )
    if b is None:  # zeros of the product's dtype: an int64 x and W stay int64, as torch
        dt = xt.dtype if xt.dtype.kind == "f" else np.result_type(xt.data, wt.data)
        b = Tensor(np.zeros(wt.shape[0], dtype=dt), dtype=dt)
    bt = _tensor(b, "conv2d", "b", like=xt)
    if bt.shape != (wt.shape[0],):
        raise ValueError(
            f"conv2d: b of shape {bt.shape} does not fit W of shape {wt.shape}:"
            f" expected ({wt.shape[0]},), one bias per filter"
        )
    op_inputs(CONV2D, (xt.data, wt.data, bt.data))  # a bool one: torch's TypeError
    col = _im2col(xt.data, geo)
    out = _conv_forward(xt.data, wt.data, bt.data, geo, col)
    needs_col = wt.requires_grad  # dW is the only VJP that reads col: keep it only then
    return _node(out, CONV2D, (xt, wt, bt), (geo, col if needs_col else None))


# -- pooling -----------------------------------------------------------------------------------


def _max_pool_forward(x: np.ndarray, geo: Geometry, arg: Any = None) -> np.ndarray:
    return _max_pool(x, geo)[0]


def _max_pool(x: np.ndarray, geo: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """out = the max of each window, and its position k = ky FW + kx (the first one of a tie,
    and the last NaN over any number, as PyTorch): the max over the FH*FW strided slices im2col
    would copy into columns. Padding never wins, not even against -inf."""
    low = np.iinfo(x.dtype).min if x.dtype.kind == "i" else -np.inf  # an int64 x: no -inf
    xp = _padded(x, geo, low)
    real = _padded(np.ones((1, 1, *x.shape[2:]), dtype=bool), geo, False)[0, 0]
    out = np.full((x.shape[0], x.shape[1], geo.oh, geo.ow), low, dtype=x.dtype)
    arg = np.full(out.shape, -1, dtype=np.int32)
    for k, (rows, cols) in _windows(geo):
        v = xp[:, :, rows, cols]
        better = real[rows, cols] & ((v > out) | np.isnan(v) | (arg < 0))
        np.copyto(out, v, where=better)
        np.copyto(arg, k, where=better)
    return out, arg


def _max_pool_dx(g: Any, x: Any, out: Any, geo: Geometry, arg: Any) -> Any:
    """dx = g routed to each window's max (the argmax kept by the forward)."""
    if arg is None:
        arg = _max_pool(np.asarray(x.data if isinstance(x, Tensor) else x), geo)[1]
    return _scatter_windows(g, x.shape, geo, lambda k: arg == k)


MAX_POOL2D = TensorOp(
    "max_pool2d",
    "maxpool",
    ROUTER,
    _max_pool_forward,
    (_max_pool_dx,),
    kinked=True,
    notes=("g to each window's max",),
    takes="i",
)


def _pool_geometry(op: str, x: Tensor, kernel: Any, stride: Any, pad: Any) -> Geometry:
    geo = geometry(op, x.shape, kernel, kernel if stride is None else stride, pad)
    if 2 * geo.ph > geo.kh or 2 * geo.pw > geo.kw:
        raise ValueError(
            f"{op}: padding ({geo.ph}, {geo.pw}) must be at most half the {geo.kh}x{geo.kw}"
            f" kernel (as PyTorch), for x of shape {x.shape}"
        )
    return geo


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """out[n, c, oy, ox] = max of x over the window (stride = kernel_size by default; padding
    is -inf). Backward: g to each window's max (the first, on a tie), 0 elsewhere."""
    xt = _tensor(x, "max_pool2d", "x")
    geo = _pool_geometry("max_pool2d", xt, kernel_size, stride, padding)
    op_inputs(MAX_POOL2D, (xt.data,))  # a bool x: torch's TypeError
    out, arg = _max_pool(xt.data, geo)
    return _node(out, MAX_POOL2D, (xt,), (geo, arg))


def _avg_pool_forward(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """out = the mean of each window, padding counted as zeros (PyTorch's count_include_pad)."""
    xp = _padded(x, geo)
    out: np.ndarray | None = None
    for _, (rows, cols) in _windows(geo):
        v = xp[:, :, rows, cols]
        out = v.copy() if out is None else np.add(out, v, out=out)
    assert out is not None
    if out.dtype.kind == "i":  # torch's integer mean: the sum divided, truncated toward 0
        n = geo.kh * geo.kw  # floored, then toward 0 (no |sum|: -2**63 has none in int64)
        return out // n + ((out % n != 0) & (out < 0))  # type: ignore[no-any-return]
    out *= 1.0 / (geo.kh * geo.kw)
    return out


AVG_POOL2D = TensorOp(
    "avg_pool2d",
    "avgpool",
    CHAIN,
    _avg_pool_forward,
    (lambda g, x, out, geo: _scatter_windows(g, x.shape, geo, lambda k: 1.0 / (geo.kh * geo.kw)),),
    notes=("g / (FH FW) to each window",),
    takes="i",
)


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """out[n, c, oy, ox] = mean of x over the window (stride = kernel_size by default; zero
    padding counted). Backward: g / (FH FW) to every element of the window."""
    xt = _tensor(x, "avg_pool2d", "x")
    return apply(
        AVG_POOL2D, xt, args=(_pool_geometry("avg_pool2d", xt, kernel_size, stride, padding),)
    )
