"""Property-based gradient checking with hypothesis: strategies, a checker, and an op registry.

    from microgradkr.testing import check_op
    check_op(MY_SIN)   # gradcheck at many generated points, alone and inside random expressions
    check_op(MY_AXPY)  # a TensorOp: on broadcasting shapes too, and inside random tensor graphs

Values: ``values``, ``expressions``, ``op_cases``. Tensors: ``shapes``, ``broadcast_shapes``,
``tensors``, ``tensor_expressions``, ``tensor_op_cases``. One ``Entry`` record and one
``register`` for both kinds of op, kept in ``REGISTRY`` and ``TENSOR_REGISTRY``.

hypothesis is imported when a strategy is first built, so ``import microgradkr`` never needs it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Value, add_n, affine, apply
from .numeric import gradcheck
from .ops import Op
from .tensor import SCATTER, Tensor, TensorOp, maximum
from .tensor import apply as apply_tensor
from .tensor_ops_fused import batch_norm_train
from .tensor_ops_torch import LEAKY_RELU
from .tensor_torch import minimum


def _hypothesis() -> Any:
    try:
        import hypothesis
        import hypothesis.extra.numpy
        import hypothesis.strategies
    except ImportError:
        raise ImportError(
            'microgradkr.testing needs hypothesis: pip install hypothesis (or -e ".[dev]")'
        ) from None
    return hypothesis


@dataclass(frozen=True)
class Entry:
    """An op that random expressions may use: ``build(*inputs, *args)`` and where it is safe.

    ``safe(*data, *args)`` is False near a kink or outside the domain, where the numerical
    gradient is meaningless; such a use is replaced by tanh (unless kinks are asked for).
    Tensor ops also say which input shapes they take: ``args(*shapes)`` is a strategy of their
    extra arguments (an axis, a shape) or None when the shapes do not fit, and ``cases(entry)``
    draws ``(inputs, args)`` inside the safe domain (default: tensors in [-2, 2] kept if safe).
    """

    name: str
    arity: int
    build: Callable[..., Any]
    safe: Callable[..., bool] | None = None
    args: Callable[..., Any] | None = None
    cases: Callable[[Entry], Any] | None = None


def _away(x: float, margin: float = 0.1) -> bool:
    return abs(x) > margin


REGISTRY: dict[str, Entry] = {}  # ops on Values
TENSOR_REGISTRY: dict[str, Entry] = {}  # ops on Tensors (names may repeat the Value ones)


def register(
    op: Op | TensorOp | str,
    build: Callable[..., Any] | None = None,
    arity: int | None = None,
    safe: Callable[..., bool] | None = None,
    *,
    tensor: bool = False,
    args: Callable[..., Any] | None = None,
    cases: Callable[[Entry], Any] | None = None,
) -> Entry:
    """Let random expressions use an op: an ``Op`` or ``TensorOp`` record (built with its
    ``apply``), or a name and a function (of Values; of Tensors with ``tensor=True``).
    ``safe(*data, *args)`` says where its gradient can be checked numerically."""
    if isinstance(op, TensorOp):
        n = arity if arity is not None else len(op.vjps)
        entry = Entry(
            op.name,
            n,
            build or (lambda *xs: apply_tensor(op, *xs[:n], args=tuple(xs[n:]))),
            safe,
            args or _broadcasting,
            cases,
        )
        tensor = True
    elif isinstance(op, Op):
        n = arity if arity is not None else _arity(op)
        entry = Entry(op.name, n, build or (lambda *xs: apply(op, *xs)), safe)
    else:
        if build is None or arity is None:
            raise TypeError("register(name, build, arity) needs the build function and its arity")
        entry = Entry(op, arity, build, safe, (args or _broadcasting) if tensor else None, cases)
    (TENSOR_REGISTRY if tensor else REGISTRY)[entry.name] = entry
    return entry


def _arity(op: Op) -> int:
    """Arity of an Op from its forward function's signature."""
    import inspect

    try:
        params = inspect.signature(op.forward).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"cannot tell the arity of {op!r}: pass arity=") from None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        raise TypeError(f"{op!r} takes any number of inputs: pass arity=")
    return len(params)


_BUILTINS: list[tuple[str, int, Callable[..., Value], Callable[..., bool] | None]] = [
    ("add", 2, lambda a, b: a + b, None),
    ("sub", 2, lambda a, b: a - b, None),
    ("mul", 2, lambda a, b: a * b, None),
    ("div", 2, lambda a, b: a / b, lambda a, b: _away(b)),
    ("neg", 1, lambda a: -a, None),
    ("radd", 1, lambda a: 1.5 + a, None),
    ("rsub", 1, lambda a: 2 - a, None),
    ("rmul", 1, lambda a: 3 * a, None),
    ("rdiv", 1, lambda a: 2 / a, _away),
    ("square", 1, lambda a: a**2, None),
    ("cube", 1, lambda a: a**3, None),
    ("sqrt", 1, lambda a: a**0.5, lambda a: a > 0.1),
    ("inverse", 1, lambda a: a**-1, _away),
    ("powv", 2, lambda a, b: a**b, lambda a, b: a > 0.1),
    ("rpow", 1, lambda a: 2**a, None),
    ("exp", 1, lambda a: a.exp(), None),
    ("log", 1, lambda a: a.log(), lambda a: a > 0.1),
    ("tanh", 1, lambda a: a.tanh(), None),
    ("sigmoid", 1, lambda a: a.sigmoid(), None),
    ("reciprocal", 1, lambda a: a.reciprocal(), _away),
    ("relu", 1, lambda a: a.relu(), lambda a: _away(a, 1e-3)),
    ("abs", 1, lambda a: abs(a), lambda a: _away(a, 1e-3)),
    ("max", 2, lambda a, b: a.max(b), lambda a, b: _away(a - b, 1e-3)),
    ("add_n", 3, lambda a, b, c: add_n([a, b, c]), None),
    ("affine", 5, lambda w0, x0, w1, x1, b: affine([w0, w1], [x0, x1], b), None),
]
for _name, _arity_n, _build, _safe in _BUILTINS:
    register(_name, _build, _arity_n, _safe)

BUILTIN_OPS = tuple(REGISTRY)
LIMIT = 1e4  # values beyond this make central differences meaningless


class Expression:
    """A random DAG over registered ops, as a function of its inputs: steps (op, argument
    indices) over the inputs and earlier results, so results are reused (fan-out)."""

    def __init__(self, n_inputs: int, steps: Sequence[tuple[str, tuple[int, ...]]]) -> None:
        self.n_inputs = n_inputs
        self.steps = tuple(steps)

    def __call__(self, *inputs: Value) -> Value:
        nodes = list(inputs)
        for name, args in self.steps:
            nodes.append(REGISTRY[name].build(*(nodes[i] for i in args)))
        return nodes[-1]

    def __repr__(self) -> str:
        terms = [f"x{i}" for i in range(self.n_inputs)]
        for name, args in self.steps:
            terms.append(f"{name}({', '.join(terms[i] for i in args)})")
        return f"Expression({terms[-1]})"


def _resolve(
    leaves: list[float], steps: list[tuple[str, tuple[int, ...]]], allow_kinks: bool
) -> list[tuple[str, tuple[int, ...]]] | None:
    """The steps with unsafe uses replaced by tanh; None where values overflow LIMIT."""
    data = list(leaves)
    resolved = []
    for name, args in steps:
        entry = REGISTRY[name]
        xs = [data[i] for i in args]
        if entry.safe is not None and not allow_kinks and not entry.safe(*xs):
            name, args, xs = "tanh", args[:1], xs[:1]
        try:
            out = REGISTRY[name].build(*(Value(x) for x in xs)).data
        except (ArithmeticError, ValueError):
            return None
        if not math.isfinite(out) or abs(out) > LIMIT:
            return None
        data.append(out)
        resolved.append((name, args))
    return resolved


def values(
    min_value: float = -3.0,
    max_value: float = 3.0,
    avoid: Iterable[float] = (),
    margin: float = 1e-3,
) -> Any:
    """Values with data in [min_value, max_value], at least ``margin`` away from each ``avoid``
    point (a kink such as 0 for relu, or a domain edge)."""
    st = _hypothesis().strategies
    points = tuple(avoid)
    return (
        st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
        .filter(lambda x: all(abs(x - p) >= margin for p in points))
        .map(Value)
    )


def expressions(
    ops: Sequence[str] | None = None,
    max_depth: int = 6,
    max_leaves: int = 3,
    allow_kinks: bool = False,
) -> Any:
    """Pairs ``(f, inputs)``: f a random Expression over ``ops`` (all registered ops by
    default) with at most ``max_depth`` steps, inputs the Values to evaluate it at — ready for
    ``gradcheck(f, inputs)``. Uses near kinks or out of a domain become tanh unless asked for."""
    hypothesis = _hypothesis()
    st = hypothesis.strategies
    names = list(ops) if ops is not None else list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown ops {unknown}: register() them first")

    @st.composite  # type: ignore[untyped-decorator]
    def draw_expression(draw: Any) -> tuple[Expression, list[Value]]:
        n_leaves = draw(st.integers(1, max_leaves))
        leaves = draw(st.lists(st.floats(-2, 2), min_size=n_leaves, max_size=n_leaves))
        steps = []
        for i in range(draw(st.integers(1, max_depth))):
            entry = REGISTRY[draw(st.sampled_from(names))]
            args = tuple(draw(st.integers(0, n_leaves + i - 1)) for _ in range(entry.arity))
            steps.append((entry.name, args))
        resolved = _resolve(leaves, steps, allow_kinks)
        if resolved is None:
            hypothesis.reject()  # values overflowed: draw another expression
        assert resolved is not None
        return Expression(n_leaves, resolved), [Value(x, f"x{i}") for i, x in enumerate(leaves)]

    return draw_expression()


def op_cases(op: str) -> Any:
    """Pairs ``(f, inputs)``: the registered op alone, at inputs where its gradient can be
    checked numerically (away from its kinks and domain edges)."""
    entry = REGISTRY[op]
    st = _hypothesis().strategies
    alone = Expression(entry.arity, [(entry.name, tuple(range(entry.arity)))])

    def usable(xs: list[Value]) -> bool:
        return entry.safe is None or bool(entry.safe(*(x.data for x in xs)))

    labelled = st.lists(values(-2, 2), min_size=entry.arity, max_size=entry.arity).map(
        lambda xs: [Value(x.data, f"x{i}") for i, x in enumerate(xs)]
    )
    return st.tuples(st.just(alone), labelled.filter(usable))


# -- Tensors -------------------------------------------------------------------------------------


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> Any:
    """Array shapes: ``min_dims`` to ``max_dims`` axes, each of ``min_side`` to ``max_side``."""
    return _hypothesis().extra.numpy.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcast_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
) -> Any:
    """Tuples of ``num_shapes`` shapes that broadcast together (size-1 axes, different ranks)."""
    return (
        _hypothesis()
        .extra.numpy.mutually_broadcastable_shapes(
            num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
        )
        .map(lambda bs: bs.input_shapes)
    )


def _min_gap(a: np.ndarray) -> float:
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
    with ``distinct``, no two elements within ``margin`` of each other (no ties for max)."""
    hypothesis = _hypothesis()
    st = hypothesis.strategies
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"tensors: dtype must be float64 or float32, got {dt}")
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
        arrays = arrays.filter(lambda a: _min_gap(a) >= margin)
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


# What each built-in Tensor op takes: extra arguments drawn for the input shapes, or None.


def _broadcasting(*shapes: tuple[int, ...]) -> Any:
    """No extra arguments; the input shapes must broadcast together."""
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return None
    return _hypothesis().strategies.just(())


def _axes_args(shape: tuple[int, ...]) -> Any:
    """(axis, keepdims) for a reduction: None, one axis (maybe negative) or several."""
    st = _hypothesis().strategies
    nd = len(shape)
    axis = st.none()
    if nd:
        axis = st.one_of(
            st.none(),
            st.integers(-nd, nd - 1),
            st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple),
        )
    return st.tuples(axis, st.booleans())


def _pow_args(shape: tuple[int, ...]) -> Any:
    return (
        _hypothesis().strategies.sampled_from([2.0, 3.0, 0.5, -1.0, 0.0, 1.5]).map(lambda k: (k,))
    )


def _reshape_args(shape: tuple[int, ...]) -> Any:
    return _hypothesis().strategies.sampled_from([((-1,),), (tuple(reversed(shape)),)])


def _transpose_args(shape: tuple[int, ...]) -> Any:
    return _hypothesis().strategies.permutations(range(len(shape))).map(lambda p: (tuple(p),))


def _cast_args(shape: tuple[int, ...]) -> Any:
    """float64 only: a cast to float32 would round away what a float64 gradcheck measures."""
    return _hypothesis().strategies.just((np.dtype(np.float64),))


def _index_args(shape: tuple[int, ...]) -> Any:
    """An int, a strided slice, or an integer array with repeats (the scatter must add them)."""
    st = _hypothesis().strategies
    if not shape:
        return None
    n = shape[0]
    rows = st.lists(st.integers(0, n - 1), min_size=1, max_size=5).map(np.array)
    return st.one_of(st.integers(-n, n - 1), st.just(slice(None, None, 2)), rows).map(
        lambda i: (i,)
    )


def _scatter_args(shape: tuple[int, ...]) -> Any:
    """(x's shape, index) such that x[index] has ``shape``: x = k rows of ``shape``."""
    st = _hypothesis().strategies
    return st.integers(1, 3).flatmap(
        lambda k: st.integers(0, k - 1).map(lambda i: ((k, *shape), i))
    )


def _matmul_args(a: tuple[int, ...], b: tuple[int, ...]) -> Any:
    try:
        np.matmul(np.zeros(a), np.zeros(b))
    except ValueError:
        return None
    return _hypothesis().strategies.just(())


# Where each built-in Tensor op's gradient can be checked numerically.


def _far(x: np.ndarray, margin: float) -> bool:
    return bool(np.all(np.abs(x) > margin))


def _pow_safe(x: np.ndarray, k: float) -> bool:
    if k < 0:
        return _far(x, 0.1)
    return bool(k == int(k) or np.all(x > 0.1))


def _no_max_ties(x: np.ndarray, axis: Any, keep: bool, margin: float = 1e-3) -> bool:
    """Exactly one element within ``margin`` of each maximum."""
    near = x > x.max(axis=axis, keepdims=True) - margin
    return bool(np.all(near.sum(axis=axis) == 1))


# How the ops with a domain draw their cases.


def _cases(
    shapes_of: Callable[[int], Any] | None = None,
    domain: Callable[[int, tuple[Any, ...]], dict[str, Any]] | None = None,
) -> Callable[[Entry], Any]:
    """Cases for an entry: shapes (default: broadcasting together), its extra arguments, then
    each input from ``tensors(**domain(i, args))``, kept where ``safe``."""

    def cases(entry: Entry) -> Any:
        hypothesis = _hypothesis()
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


def _pow_domain(i: int, args: tuple[Any, ...]) -> dict[str, Any]:
    (k,) = args
    if k < 0:
        return {"avoid": [0.0], "margin": 0.1}
    return {} if k == int(k) else {"min_value": 0.1}


def _maximum_cases(entry: Entry) -> Any:
    """Pairs with no element of a equal (within 1e-3) to any of b: one distinct array, split."""
    st = _hypothesis().strategies

    @st.composite  # type: ignore[untyped-decorator]
    def draw_case(draw: Any) -> tuple[list[Tensor], tuple[Any, ...]]:
        sa, sb = draw(broadcast_shapes())
        na = math.prod(sa)
        both = draw(tensors((na + math.prod(sb),), -2.0, 2.0, distinct=True)).data
        return [Tensor(both[:na].reshape(sa)), Tensor(both[na:].reshape(sb))], ()

    return draw_case()


def _matmul_shapes(n: int) -> Any:
    return (
        _hypothesis()
        .extra.numpy.mutually_broadcastable_shapes(
            signature=np.matmul.signature, max_dims=2, max_side=3
        )
        .map(lambda bs: bs.input_shapes)
    )


_CLAMP_BOUNDS = [(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.3, 0.2)]  # min > max: all max


def _clamp_args(shape: tuple[int, ...]) -> Any:
    return _hypothesis().strategies.sampled_from(_CLAMP_BOUNDS)


def _clamp_safe(x: np.ndarray, lo: float | None, hi: float | None) -> bool:
    """Away from both bounds: clamp's gradient jumps there."""
    return all(b is None or _far(x - b, 1e-3) for b in (lo, hi))


def _clamp_cases(entry: Entry) -> Any:
    """Elements away from every bound of _CLAMP_BOUNDS."""
    bounds = sorted({b for pair in _CLAMP_BOUNDS for b in pair if b is not None})
    return _cases(domain=lambda i, a: {"avoid": bounds})(entry)


def _where_args(a: tuple[int, ...], b: tuple[int, ...]) -> Any:
    """A bool condition of the inputs' broadcast shape."""
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        return None
    hypothesis = _hypothesis()
    return hypothesis.extra.numpy.arrays(np.bool_, shape).map(lambda c: (c,))


def _slope_args(shape: tuple[int, ...]) -> Any:
    return _hypothesis().strategies.sampled_from([0.01, 0.2, -0.5]).map(lambda k: (k,))


def _broadcast_to_args(shape: tuple[int, ...]) -> Any:
    """A shape ``shape`` broadcasts to: size-1 dims grown to 3, maybe a new leading dim of 2."""
    st = _hypothesis().strategies
    grown = tuple(3 if n == 1 else n for n in shape)
    return st.sampled_from([(2, *shape), grown, (2, *grown)]).map(lambda s: (s,))


def _sum_to_args(shape: tuple[int, ...]) -> Any:
    """A shape that broadcasts to ``shape``: leading dims dropped, some dims made 1."""
    st = _hypothesis().strategies

    @st.composite  # type: ignore[untyped-decorator]
    def target(draw: Any) -> tuple[tuple[int, ...]]:
        lead = draw(st.integers(0, len(shape)))
        rest = shape[lead:]
        ones = draw(st.lists(st.booleans(), min_size=len(rest), max_size=len(rest)))
        return (tuple(1 if o else n for n, o in zip(rest, ones, strict=True)),)

    return target()


def _scatter(g: Tensor, shape: tuple[int, ...], index: Any) -> Tensor:
    return apply_tensor(SCATTER, g, args=(shape, index))


def _batch_norm_shapes(n: int) -> Any:
    """x (N, D) with N >= 2 (a batch has a variance), gamma and beta (D,)."""
    st = _hypothesis().strategies
    return st.tuples(st.integers(2, 4), st.integers(1, 3)).map(lambda s: (s, s[1:], s[1:]))


def _batch_norm_args(*shapes: tuple[int, ...]) -> Any:
    """eps, when the shapes are those of _batch_norm_shapes."""
    if len(shapes) != 3 or len(shapes[0]) != 2 or shapes[0][0] < 2:
        return None
    if shapes[1] != shapes[0][1:] or shapes[2] != shapes[0][1:]:
        return None
    return _hypothesis().strategies.sampled_from([1e-5, 0.1]).map(lambda e: (e,))


def _batch_norm_safe(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> bool:
    """Each feature spread over the batch: near var = 0, x-hat jumps."""
    return bool(np.all(x.std(axis=0) > 0.1))


def _labels_args(shape: tuple[int, ...]) -> Any:
    """Integer labels for logits (N, C), N, C >= 1."""
    if len(shape) != 2 or 0 in shape:
        return None
    hnp = _hypothesis().extra.numpy
    st = _hypothesis().strategies
    labels = hnp.arrays(np.int64, (shape[0],), elements=st.integers(0, shape[1] - 1))
    return labels.map(lambda t: (t,))


def _logits_shapes(n: int) -> Any:
    st = _hypothesis().strategies
    return st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda s: (s,))


def _softmax_ce(x: Tensor, labels: np.ndarray) -> Tensor:
    from .functional import cross_entropy  # functional builds on this module's neighbours

    out: Tensor = cross_entropy(x, labels)
    return out


_TENSOR_BUILTINS: list[tuple[Any, ...]] = [
    # name, arity, build(*inputs, *args), safe(*data, *args), args(*shapes), cases
    ("add", 2, lambda a, b: a + b, None, _broadcasting, None),
    ("sub", 2, lambda a, b: a - b, None, _broadcasting, None),
    ("mul", 2, lambda a, b: a * b, None, _broadcasting, None),
    (
        "div",
        2,
        lambda a, b: a / b,
        lambda a, b: _far(b, 0.1),
        _broadcasting,
        _cases(domain=lambda i, a: {"avoid": [0.0], "margin": 0.1} if i else {}),
    ),
    ("neg", 1, lambda a: -a, None, _broadcasting, None),
    ("pow", 1, lambda a, k: a**k, _pow_safe, _pow_args, _cases(domain=_pow_domain)),
    ("exp", 1, lambda a: a.exp(), None, _broadcasting, None),
    (
        "log",
        1,
        lambda a: a.log(),
        lambda a: bool(np.all(a > 0.1)),
        _broadcasting,
        _cases(domain=lambda i, a: {"min_value": 0.1}),
    ),
    ("tanh", 1, lambda a: a.tanh(), None, _broadcasting, None),
    ("sigmoid", 1, lambda a: a.sigmoid(), None, _broadcasting, None),
    (
        "relu",
        1,
        lambda a: a.relu(),
        lambda a: _far(a, 1e-3),
        _broadcasting,
        _cases(domain=lambda i, a: {"avoid": [0.0]}),
    ),
    (
        "maximum",
        2,
        maximum,
        lambda a, b: _far(a - b, 1e-3),
        _broadcasting,
        _maximum_cases,
    ),
    ("sum", 1, lambda x, axis, keep: x.sum(axis, keep), None, _axes_args, None),
    ("mean", 1, lambda x, axis, keep: x.mean(axis, keep), None, _axes_args, None),
    (
        "max",
        1,
        lambda x, axis, keep: x.max(axis, keep),
        _no_max_ties,
        _axes_args,
        _cases(domain=lambda i, a: {"distinct": True}),
    ),
    ("matmul", 2, lambda a, b: a @ b, None, _matmul_args, _cases(shapes_of=_matmul_shapes)),
    ("reshape", 1, lambda x, shape: x.reshape(shape), None, _reshape_args, None),
    ("transpose", 1, lambda x, perm: x.permute(perm), None, _transpose_args, None),
    ("getitem", 1, lambda x, index: x[index], None, _index_args, None),
    ("scatter_add", 1, _scatter, None, _scatter_args, None),
    ("cast", 1, lambda x, dtype: x.to(dtype), None, _cast_args, None),
    # the PyTorch-shaped ops of tensor_ops_torch.py
    (
        "abs",
        1,
        lambda a: a.abs(),
        lambda a: _far(a, 1e-3),
        _broadcasting,
        _cases(domain=lambda i, a: {"avoid": [0.0]}),
    ),
    (
        "sqrt",
        1,
        lambda a: a.sqrt(),
        lambda a: bool(np.all(a > 0.1)),
        _broadcasting,
        _cases(domain=lambda i, a: {"min_value": 0.1}),
    ),
    ("sin", 1, lambda a: a.sin(), None, _broadcasting, None),
    ("cos", 1, lambda a: a.cos(), None, _broadcasting, None),
    ("clamp", 1, lambda x, lo, hi: x.clamp(lo, hi), _clamp_safe, _clamp_args, _clamp_cases),
    ("where", 2, lambda a, b, cond: a.where(cond, b), None, _where_args, None),
    ("minimum", 2, minimum, lambda a, b: _far(a - b, 1e-3), _broadcasting, _maximum_cases),
    (
        "min",
        1,
        lambda x, axis, keep: x.min(axis, keep),
        lambda x, axis, keep: _no_max_ties(-x, axis, keep),
        _axes_args,
        _cases(domain=lambda i, a: {"distinct": True}),
    ),
    (
        "leaky_relu",
        1,
        lambda x, slope: apply_tensor(LEAKY_RELU, x, args=(slope,)),
        lambda x, slope: _far(x, 1e-3),
        _slope_args,
        _cases(domain=lambda i, a: {"avoid": [0.0]}),
    ),
    ("clone", 1, lambda a: a.clone(), None, _broadcasting, None),
    ("broadcast_to", 1, lambda x, shape: x.broadcast_to(shape), None, _broadcast_to_args, None),
    ("sum_to", 1, lambda x, shape: x.sum_to(shape), None, _sum_to_args, None),
    (
        "pow_tensor",
        2,
        lambda a, b: a**b,
        lambda a, b: bool(np.all(a > 0.1)),
        _broadcasting,
        _cases(domain=lambda i, a: {"min_value": 0.1} if i == 0 else {}),
    ),
    # the fused ops: one node each, closed-form VJPs (tensor_ops_fused.py, functional.py)
    (
        "batch_norm",
        3,
        lambda x, gamma, beta, eps: batch_norm_train(x, gamma, beta, eps)[0],
        _batch_norm_safe,
        _batch_norm_args,
        _cases(shapes_of=_batch_norm_shapes),
    ),
    (
        "softmax_cross_entropy",
        1,
        _softmax_ce,
        None,
        _labels_args,
        _cases(shapes_of=_logits_shapes),
    ),
]
for _t in _TENSOR_BUILTINS:
    register(_t[0], _t[2], _t[1], _t[3], tensor=True, args=_t[4], cases=_t[5])

BUILTIN_TENSOR_OPS = tuple(TENSOR_REGISTRY)


def tensor_op_cases(op: str) -> Any:
    """Pairs ``(f, inputs)``: the registered Tensor op alone, at tensors where its gradient can
    be checked numerically (away from its kinks and domain edges), ready for gradcheck."""
    entry = TENSOR_REGISTRY[op]
    cases = (entry.cases or _cases())(entry)

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
    hypothesis = _hypothesis()
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
    st = _hypothesis().strategies
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


def check_gradients(
    f: Callable[..., Value], *strategies: Any, max_examples: int | None = None, **tolerances: Any
) -> None:
    """Run a hypothesis property: ``gradcheck(f, inputs)`` for inputs drawn from ``strategies``
    (one per argument of f). A failure is shrunk to the smallest input and reported."""
    prop = gradient_test(*strategies, max_examples=max_examples, **tolerances)(f)
    prop()


def gradient_test(
    *strategies: Any, max_examples: int | None = None, **tolerances: Any
) -> Callable[[Callable[..., Value]], Callable[[], None]]:
    """Decorator: turn ``f`` into a hypothesis test (for pytest) that gradchecks it."""
    hypothesis = _hypothesis()

    def decorate(f: Callable[..., Value]) -> Callable[[], None]:
        @hypothesis.given(hypothesis.strategies.tuples(*strategies))  # type: ignore[untyped-decorator]
        def test(inputs: tuple[Value, ...]) -> None:
            gradcheck(f, list(inputs), **tolerances)

        if max_examples is not None:
            test = hypothesis.settings(max_examples=max_examples)(test)
        test.__name__ = f"test_gradients_of_{getattr(f, '__name__', 'f')}"
        return test  # type: ignore[no-any-return]

    return decorate


def check_op(
    op: Op | TensorOp | str | Any,
    arity: int | None = None,
    safe: Callable[..., bool] | None = None,
    max_examples: int | None = None,
    *,
    tensor: bool = False,
    args: Callable[..., Any] | None = None,
    cases: Callable[[Entry], Any] | None = None,
) -> None:
    """Register ``op`` (an ``Op``, a ``TensorOp``, or the name of a registered op; a Tensor one
    with ``tensor=True``) and check its gradient: alone at many points, then inside random
    expressions with the built-in ops. Raises with the smallest failing case."""
    from .function import Function

    if isinstance(op, Function):  # a user's Function class: its Op (or TensorOp) record
        op = op.as_op(tensor=tensor, arity=arity)
    if isinstance(op, str):
        entry = (TENSOR_REGISTRY if tensor else REGISTRY)[op]
    else:
        entry = register(op, arity=arity, safe=safe, args=args, cases=cases)
    tensor = tensor or isinstance(op, TensorOp)
    hypothesis = _hypothesis()
    # the op under test is drawn as often as all the built-in ones together
    builtins = BUILTIN_TENSOR_OPS if tensor else BUILTIN_OPS
    ops = [entry.name] * len(builtins) + list(builtins)
    if tensor:
        alone, mixed = tensor_op_cases(entry.name), tensor_expressions(ops=ops, max_depth=4)
    else:
        alone, mixed = op_cases(entry.name), expressions(ops=ops, max_depth=5)
    # no explain phase: it lists lines of numeric.py, which say nothing about the op under test
    phases = [p for p in hypothesis.Phase if p is not hypothesis.Phase.explain]
    limit = {"max_examples": max_examples} if max_examples else {}
    settings = hypothesis.settings(phases=phases, **limit)

    for strategy in (alone, mixed):

        @settings  # type: ignore[untyped-decorator]
        @hypothesis.given(strategy)  # type: ignore[untyped-decorator]
        def check(case: tuple[Any, list[Any]]) -> None:
            gradcheck(*case)

        check()


# -- convolutions (microgradkr.conv): registered after BUILTIN_TENSOR_OPS, which lists tensor.py's
from . import conv as _conv  # noqa: E402


def _window_case(draw: Any, pool: bool) -> tuple[tuple[int, ...], Any]:
    """A small (N, C, H, W) and a geometry (kernel, stride, padding) that fits it exactly."""
    st = _hypothesis().strategies
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph = draw(st.integers(0, kh // 2 if pool else 2))
    pw = draw(st.integers(0, kw // 2 if pool else 2))
    h = sh * draw(st.integers(0, 2)) + kh - 2 * ph  # so that (H + 2 ph - kh) % sh == 0
    w = sw * draw(st.integers(0, 2)) + kw - 2 * pw
    _hypothesis().assume(h >= 1 and w >= 1)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    return shape, _conv.geometry("case", shape, (kh, kw), (sh, sw), (ph, pw))


def _conv_cases(entry: Entry) -> Any:
    """x, W, b of fitting shapes and (stride, padding); im2col/col2im/pools: their one input."""
    st = _hypothesis().strategies
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
    ("max_pool2d", 1, _conv.max_pool2d, lambda x, *a: _min_gap(x) >= 1e-3, _four_axes),
    ("avg_pool2d", 1, _conv.avg_pool2d, None, _four_axes),
]
for _t in _CONV_BUILTINS:
    register(_t[0], _t[2], _t[1], _t[3], tensor=True, args=_t[4], cases=_conv_cases)

CONV_TENSOR_OPS = tuple(t[0] for t in _CONV_BUILTINS)
