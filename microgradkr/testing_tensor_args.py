"""What each built-in Tensor op takes: its extra arguments drawn for the input shapes (None
when the shapes do not fit), and the input shapes of the ops that need particular ones."""

from __future__ import annotations

from typing import Any

import numpy as np

from .testing_registry import import_hypothesis


def axes_args(shape: tuple[int, ...]) -> Any:
    """(axis, keepdims) for a reduction: None, one axis (maybe negative) or several."""
    st = import_hypothesis().strategies
    nd = len(shape)
    axis = st.none()
    if nd:
        axis = st.one_of(
            st.none(),
            st.integers(-nd, nd - 1),
            st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple),
        )
    return st.tuples(axis, st.booleans())


def pow_args(shape: tuple[int, ...]) -> Any:
    return (
        import_hypothesis()
        .strategies.sampled_from([2.0, 3.0, 0.5, -1.0, 0.0, 1.5])
        .map(lambda k: (k,))
    )


def reshape_args(shape: tuple[int, ...]) -> Any:
    return import_hypothesis().strategies.sampled_from([((-1,),), (tuple(reversed(shape)),)])


def transpose_args(shape: tuple[int, ...]) -> Any:
    return import_hypothesis().strategies.permutations(range(len(shape))).map(lambda p: (tuple(p),))


def cast_args(shape: tuple[int, ...]) -> Any:
    """float64 only: a cast to float32 would round away what a float64 gradcheck measures."""
    return import_hypothesis().strategies.just((np.dtype(np.float64),))


def index_args(shape: tuple[int, ...]) -> Any:
    """An int, a strided slice, or an integer array with repeats (the scatter must add them)."""
    st = import_hypothesis().strategies
    if not shape:
        return None
    n = shape[0]
    rows = st.lists(st.integers(0, n - 1), min_size=1, max_size=5).map(np.array)
    return st.one_of(st.integers(-n, n - 1), st.just(slice(None, None, 2)), rows).map(
        lambda i: (i,)
    )


def scatter_args(shape: tuple[int, ...]) -> Any:
    """(x's shape, index) such that x[index] has ``shape``: x = k rows of ``shape``."""
    st = import_hypothesis().strategies
    return st.integers(1, 3).flatmap(
        lambda k: st.integers(0, k - 1).map(lambda i: ((k, *shape), i))
    )


def matmul_args(a: tuple[int, ...], b: tuple[int, ...]) -> Any:
    try:
        np.matmul(np.zeros(a), np.zeros(b))
    except ValueError:
        return None
    return import_hypothesis().strategies.just(())


def matmul_shapes(n: int) -> Any:
    return (
        import_hypothesis()
        .extra.numpy.mutually_broadcastable_shapes(
            signature=np.matmul.signature, max_dims=2, max_side=3
        )
        .map(lambda bs: bs.input_shapes)
    )


CLAMP_BOUNDS = [(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.3, 0.2)]  # min > max: all max


def clamp_args(shape: tuple[int, ...]) -> Any:
    return import_hypothesis().strategies.sampled_from(CLAMP_BOUNDS)


def where_args(a: tuple[int, ...], b: tuple[int, ...]) -> Any:
    """A bool condition of the inputs' broadcast shape."""
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        return None
    hypothesis = import_hypothesis()
    return hypothesis.extra.numpy.arrays(np.bool_, shape).map(lambda c: (c,))


def slope_args(shape: tuple[int, ...]) -> Any:
    return import_hypothesis().strategies.sampled_from([0.01, 0.2, -0.5]).map(lambda k: (k,))


def broadcast_to_args(shape: tuple[int, ...]) -> Any:
    """A shape ``shape`` broadcasts to: size-1 dims grown to 3, maybe a new leading dim of 2."""
    st = import_hypothesis().strategies
    grown = tuple(3 if n == 1 else n for n in shape)
    return st.sampled_from([(2, *shape), grown, (2, *grown)]).map(lambda s: (s,))


def sum_to_args(shape: tuple[int, ...]) -> Any:
    """A shape that broadcasts to ``shape``: leading dims dropped, some dims made 1."""
    st = import_hypothesis().strategies

    @st.composite  # type: ignore[untyped-decorator]
    def target(draw: Any) -> tuple[tuple[int, ...]]:
        lead = draw(st.integers(0, len(shape)))
        rest = shape[lead:]
        ones = draw(st.lists(st.booleans(), min_size=len(rest), max_size=len(rest)))
        return (tuple(1 if o else n for n, o in zip(rest, ones, strict=True)),)

    return target()


def affine_shapes(n: int) -> Any:
    """x (N, D) or (D,), W (D, M) and b (M,): a layer's shapes (N = 0: one example, a 1-D x)."""
    st = import_hypothesis().strategies
    return st.tuples(st.integers(0, 3), st.integers(1, 3), st.integers(1, 3)).map(
        lambda s: ((s[0], s[1]) if s[0] else (s[1],), (s[1], s[2]), (s[2],))
    )


def affine_args(*shapes: tuple[int, ...]) -> Any:
    """No arguments, when the shapes are a layer's (the node takes no others)."""
    if len(shapes) != 3:
        return None
    x, w, b = shapes
    if len(x) not in (1, 2) or len(w) != 2 or x[-1] != w[0] or b != w[1:]:
        return None
    return import_hypothesis().strategies.just(())


def batch_norm_shapes(n: int) -> Any:
    """x (N, D) with N >= 2 (a batch has a variance), gamma and beta (D,)."""
    st = import_hypothesis().strategies
    return st.tuples(st.integers(2, 4), st.integers(1, 3)).map(lambda s: (s, s[1:], s[1:]))


def batch_norm_args(*shapes: tuple[int, ...]) -> Any:
    """eps, when the shapes are those of batch_norm_shapes."""
    if len(shapes) != 3 or len(shapes[0]) != 2 or shapes[0][0] < 2:
        return None
    if shapes[1] != shapes[0][1:] or shapes[2] != shapes[0][1:]:
        return None
    return import_hypothesis().strategies.sampled_from([1e-5, 0.1]).map(lambda e: (e,))


def labels_args(shape: tuple[int, ...]) -> Any:
    """Integer labels for logits (N, C), N, C >= 1."""
    if len(shape) != 2 or 0 in shape:
        return None
    hnp = import_hypothesis().extra.numpy
    st = import_hypothesis().strategies
    labels = hnp.arrays(np.int64, (shape[0],), elements=st.integers(0, shape[1] - 1))
    return labels.map(lambda t: (t,))


def logits_shapes(n: int) -> Any:
    st = import_hypothesis().strategies
    return st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda s: (s,))
