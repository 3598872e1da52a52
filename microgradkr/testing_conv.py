"""The convolution ops (microgradkr.conv) in the Tensor registry, with their cases: inputs of
(N, C, H, W) and a window geometry that fits them exactly."""

from __future__ import annotations

from typing import Any

from . import conv as _conv
from . import testing_tensor_ops  # noqa: F401  (registers tensor.py's ops first: registry order)
from .tensor import Tensor
from .testing_registry import Entry, import_hypothesis, register
from .testing_tensors import min_gap, tensors


def _window_case(draw: Any, pool: bool) -> tuple[tuple[int, ...], Any]:
    """A small (N, C, H, W) and a geometry (kernel, stride, padding) that fits it exactly."""
    st = import_hypothesis().strategies
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph = draw(st.integers(0, kh // 2 if pool else 2))
    pw = draw(st.integers(0, kw // 2 if pool else 2))
    h = sh * draw(st.integers(0, 2)) + kh - 2 * ph  # so that (H + 2 ph - kh) % sh == 0
    w = sw * draw(st.integers(0, 2)) + kw - 2 * pw
    import_hypothesis().assume(h >= 1 and w >= 1)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    return shape, _conv.geometry("case", shape, (kh, kw), (sh, sw), (ph, pw))


def _conv_cases(entry: Entry) -> Any:
    """x, W, b of fitting shapes and (stride, padding); im2col/col2im/pools: their one input."""
    st = import_hypothesis().strategies
    pool = entry.name in ("max_pool2d", "avg_pool2d")

    @st.composite  # type: ignore[untyped-decorator]
    def draw_case(draw: Any) -> tuple[list[Tensor], tuple[Any, ...]]:
        shape, g = _window_case(draw, pool)
        k, s, p = (g.kh, g.kw), (g.sh, g.sw), (g.ph, g.pw)
        x = draw(tensors(shape, -2.0, 2.0, distinct=entry.name == "max_pool2d"))
        if entry.name == "conv2d":
            fn = draw(st.integers(1, 3))
            w, b = draw(tensors((fn, shape[1], *k), -2.0, 2.0)), draw(tensors((fn,), -2.0, 2.0))
            return [x, w, b], (s, p)
        if entry.name == "im2col":
            return [x], (*k, s, p)
        if entry.name == "col2im":
            rows = (shape[0] * g.oh * g.ow, shape[1] * g.kh * g.kw)
            return [draw(tensors(rows, -2.0, 2.0))], (shape, *k, s, p)
        return [x], (k, s, p)

    return draw_case()


def _four_axes(*shapes: tuple[int, ...]) -> Any:
    """None: the conv ops take (N, C, H, W) inputs (col2im a col of a given input shape), and
    random expressions, built on leaves of at most 2 axes, never make one; their cases are
    drawn by ``_conv_cases``, as the ops alone."""
    return None


_CONV_BUILTINS: list[tuple[Any, ...]] = [
    # name, arity, build(*inputs, *args), safe(*data, *args), args(*shapes)
    ("im2col", 1, _conv.im2col, None, _four_axes),
    ("col2im", 1, _conv.col2im, None, _four_axes),
    ("conv2d", 3, _conv.conv2d, None, _four_axes),
    ("max_pool2d", 1, _conv.max_pool2d, lambda x, *a: min_gap(x) >= 1e-3, _four_axes),
    ("avg_pool2d", 1, _conv.avg_pool2d, None, _four_axes),
]
for _t in _CONV_BUILTINS:
    register(_t[0], _t[2], _t[1], _t[3], tensor=True, args=_t[4], cases=_conv_cases)

CONV_TENSOR_OPS = tuple(t[0] for t in _CONV_BUILTINS)
