"""Random expressions over Values: the built-in Value ops, ``values``, ``expressions`` (random
DAGs with fan-out) and ``op_cases`` (one op alone), all drawn away from kinks."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import checks_args
from .engine import Value, add_n, affine
from .testing_registry import LIMIT, REGISTRY, import_hypothesis, register


def _away(x: float, margin: float = 0.1) -> bool:
    return abs(x) > margin


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
    st = import_hypothesis().strategies
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
    hypothesis = import_hypothesis()
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
    entry = checks_args.registered("op_cases", "op", op, REGISTRY)
    st = import_hypothesis().strategies
    alone = Expression(entry.arity, [(entry.name, tuple(range(entry.arity)))])

    def usable(xs: list[Value]) -> bool:
        return entry.safe is None or bool(entry.safe(*(x.data for x in xs)))

    labelled = st.lists(values(-2, 2), min_size=entry.arity, max_size=entry.arity).map(
        lambda xs: [Value(x.data, f"x{i}") for i, x in enumerate(xs)]
    )
    return st.tuples(st.just(alone), labelled.filter(usable))
