"""Random Tensors and graphs of Tensor ops: ``shapes``, ``broadcast_shapes``, ``tensors``,
``cases_for`` (an op's inputs drawn inside its domain), ``tensor_op_cases`` (one op alone) and
``tensor_expressions`` (random DAGs over the registered Tensor ops, where the shapes fit)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import checks_args
from .tensor import Tensor
from .testing_registry import LIMIT, TENSOR_REGISTRY, Entry, import_hypothesis


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> Any:
    """Array shapes: ``min_dims`` to ``max_dims`` axes, each of ``min_side`` to ``max_side``."""
    return import_hypothesis().extra.numpy.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcast_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
) -> Any:
    """Tuples of ``num_shapes`` shapes that broadcast together (size-1 axes, different ranks)."""
    return (
        import_hypothesis()
        .extra.numpy.mutually_broadcastable_shapes(
            num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
        )
        .map(lambda bs: bs.input_shapes)
    )


def min_gap(a: np.ndarray) -> float:
    """The smallest distance between two elements of ``a`` (inf for fewer than two)."""
    return float(np.diff(np.sort(a, axis=None)).min()) if a.size > 1 else math.inf


def tensors(
    shape: Any = None,
    min_value: float = -3.0,
    max_value: float = 3.0,
    avoid: Iterable[float] = (),
    margin: float = 1e-3,
    distinct: bool = False,
    requires_grad: bool = True,
    dtype: Any = np.float64,
    label: str = "",
) -> Any:
    """Tensors of ``shape`` (a tuple, or a strategy of them; default ``shapes()``) with elements
    in [min_value, max_value], each at least ``margin`` from every ``avoid`` point (relu's 0);
    with ``distinct``, no two elements within ``margin`` of each other (no ties for max).
    ``dtype`` int64 or bool: the ints in that range, or both bools (never requiring grad)."""
    hypothesis = import_hypothesis()
    st = hypothesis.strategies
    min_value = checks_args.number("tensors", "min_value", min_value)
    max_value = checks_args.number("tensors", "max_value", max_value)
    dt = np.dtype(dtype)
    if dt in (np.dtype(np.int64), np.dtype(np.bool_)):
        ints = st.integers(math.ceil(min_value), math.floor(max_value))
        elements = st.booleans() if dt.kind == "b" else ints
        return hypothesis.extra.numpy.arrays(
            dt, shapes() if shape is None else shape, elements=elements
        ).map(lambda a: Tensor(a, label=label, dtype=dt))
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"tensors: dtype must be float64, float32, int64 or bool, got {dt}")
    width = 8 * dt.itemsize
    lo, hi = float(dt.type(min_value)), float(dt.type(max_value))
    lo = lo if lo >= min_value else float(np.nextafter(dt.type(lo), dt.type(math.inf)))
    hi = hi if hi <= max_value else float(np.nextafter(dt.type(hi), dt.type(-math.inf)))
    points = tuple(avoid)
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width)
    if points:
        elements = elements.filter(lambda x: all(abs(x - p) >= margin for p in points))
    arrays = hypothesis.extra.numpy.arrays(
        dt, shapes() if shape is None else shape, elements=elements, unique=distinct
    )
    if distinct:
        arrays = arrays.filter(lambda a: min_gap(a) >= margin)
    return arrays.map(lambda a: Tensor(a, requires_grad=requires_grad, label=label, dtype=dt))


class TensorExpression:
    """A random DAG over registered Tensor ops: steps (op, argument indices, extra arguments)
    over the inputs and earlier results, so results are reused (fan-out)."""

    def __init__(
        self, n_inputs: int, steps: Sequence[tuple[str, tuple[int, ...], tuple[Any, ...]]]
    ) -> None:
        self.n_inputs = n_inputs
        self.steps = tuple(steps)

    def __call__(self, *inputs: Tensor) -> Tensor:
        nodes = list(inputs)
        for name, idx, args in self.steps:
            nodes.append(TENSOR_REGISTRY[name].build(*(nodes[i] for i in idx), *args))
        return nodes[-1]

    def __repr__(self) -> str:
        terms = [f"x{i}" for i in range(self.n_inputs)]
        for name, idx, args in self.steps:
            parts = [terms[i] for i in idx] + [_short_repr(a) for a in args]
            terms.append(f"{name}({', '.join(parts)})")
        return f"TensorExpression({terms[-1]})"


def _short_repr(a: Any) -> str:
    return f"array({a.tolist()})" if isinstance(a, np.ndarray) else repr(a)


def cases_for(
    shapes_of: Callable[[int], Any] | None = None,
    domain: Callable[[int, tuple[Any, ...]], dict[str, Any]] | None = None,
) -> Callable[[Entry], Any]:
    """Cases for an entry: shapes (default: broadcasting together), its extra arguments, then
    each input from ``tensors(**domain(i, args))``, kept where ``safe``."""

    def cases(entry: Entry) -> Any:
        hypothesis = import_hypothesis()
        st = hypothesis.strategies
        n = entry.arity
        in_shapes = (shapes_of or _default_shapes)(n)

        @st.composite  # type: ignore[untyped-decorator]
        def draw_case(draw: Any) -> tuple[list[Tensor], tuple[Any, ...]]:
            sh = draw(in_shapes)
            arg_strategy = entry.args(*sh) if entry.args else st.just(())
            hypothesis.assume(arg_strategy is not None)
            args = draw(arg_strategy)
            kw: Callable[[int, tuple[Any, ...]], dict[str, Any]] = domain or (lambda i, a: {})
            xs = [draw(tensors(s, **{**_RANGE, **kw(i, args)})) for i, s in enumerate(sh)]
            return xs, args

        return draw_case().filter(
            lambda case: entry.safe is None or entry.safe(*(x.data for x in case[0]), *case[1])
        )

    return cases


_RANGE = {"min_value": -2.0, "max_value": 2.0}


def _default_shapes(n: int) -> Any:
    return shapes().map(lambda s: (s,)) if n == 1 else broadcast_shapes(num_shapes=n)


def tensor_op_cases(op: str) -> Any:
    """Pairs ``(f, inputs)``: the registered Tensor op alone, at tensors where its gradient can
    be checked numerically (away from its kinks and domain edges), ready for gradcheck."""
    entry = checks_args.registered("tensor_op_cases", "op", op, TENSOR_REGISTRY)
    cases = (entry.cases or cases_for())(entry)

    def alone(drawn: tuple[list[Tensor], tuple[Any, ...]]) -> tuple[TensorExpression, list[Tensor]]:
        xs, args = drawn
        f = TensorExpression(entry.arity, [(entry.name, tuple(range(entry.arity)), args)])
        return f, [Tensor(x.data, requires_grad=True, label=f"x{i}") for i, x in enumerate(xs)]

    return cases.map(alone)


def tensor_expressions(
    ops: Sequence[str] | None = None,
    max_depth: int = 5,
    max_leaves: int = 3,
    allow_kinks: bool = False,
) -> Any:
    """Pairs ``(f, inputs)``: f a random TensorExpression over ``ops`` (all registered Tensor ops
    by default) on leaves of broadcasting shapes, each op applied where the shapes fit
    (matmul, reductions with drawn axes), inputs the Tensors to evaluate it at."""
    hypothesis = import_hypothesis()
    st = hypothesis.strategies
    names = list(ops) if ops is not None else list(TENSOR_REGISTRY)
    unknown = [n for n in names if n not in TENSOR_REGISTRY]
    if unknown:
        raise ValueError(f"unknown Tensor ops {unknown}: register() them first")

    @st.composite  # type: ignore[untyped-decorator]
    def draw_expression(draw: Any) -> tuple[TensorExpression, list[Tensor]]:
        n = draw(st.integers(1, max_leaves))
        leaf_shapes = draw(broadcast_shapes(num_shapes=n, max_dims=2, max_side=3))
        data = [draw(tensors(s, -2.0, 2.0)).data for s in leaf_shapes]
        steps = []
        for _ in range(draw(st.integers(1, max_depth))):
            step = _draw_step(draw, names, data, allow_kinks)
            hypothesis.assume(step is not None)  # values overflowed: draw another expression
            assert step is not None
            steps.append(step[0])
            data.append(step[1])
        inputs = [Tensor(d, requires_grad=True, label=f"x{i}") for i, d in enumerate(data[:n])]
        return TensorExpression(n, steps), inputs

    return draw_expression()


def _draw_step(
    draw: Any, names: list[str], data: list[np.ndarray], allow_kinks: bool
) -> tuple[tuple[str, tuple[int, ...], tuple[Any, ...]], np.ndarray] | None:
    """One step: an op, arguments whose shapes fit it, its extra arguments; tanh where the op
    fits no arguments or is unsafe there. None where the result overflows LIMIT."""
    st = import_hypothesis().strategies
    entry = TENSOR_REGISTRY[draw(st.sampled_from(names))]
    shapes_ = [d.shape for d in data]
    assert entry.args is not None
    fits = [
        idx
        for idx in itertools.product(range(len(data)), repeat=entry.arity)
        if entry.args(*(shapes_[i] for i in idx)) is not None
    ]
    if not fits:
        entry, fits = TENSOR_REGISTRY["tanh"], [(i,) for i in range(len(data))]
    idx = draw(st.sampled_from(fits))
    args = draw(entry.args(*(shapes_[i] for i in idx)))  # type: ignore[misc]
    xs = [data[i] for i in idx]
    if entry.safe is not None and not allow_kinks and not entry.safe(*xs, *args):
        entry, idx, args, xs = TENSOR_REGISTRY["tanh"], idx[:1], (), xs[:1]
    try:
        with np.errstate(all="ignore"):
            out = entry.build(*(Tensor(x) for x in xs), *args).data
    except (ArithmeticError, ValueError):
        return None
    if not np.all(np.isfinite(out)) or np.any(np.abs(out) > LIMIT):
        return None
    return (entry.name, idx, args), out
