"""Property-based gradient checking with hypothesis: strategies, a checker, and an op registry.

    from microgradkr.testing import check_op
    check_op(MY_SIN)   # gradcheck at many generated points, alone and inside random expressions

hypothesis is imported when a strategy is first built, so ``import microgradkr`` never needs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import Op, Value, add_n, affine, apply
from .numeric import gradcheck


def _hypothesis() -> Any:
    try:
        import hypothesis
        import hypothesis.strategies
    except ImportError:
        raise ImportError(
            'microgradkr.testing needs hypothesis: pip install hypothesis (or -e ".[dev]")'
        ) from None
    return hypothesis


@dataclass(frozen=True)
class Entry:
    """An op that random expressions may use: ``build(*values)`` and where it is safe to check.

    ``safe(*data)`` is False near a kink or outside the domain, where the numerical gradient
    is meaningless; such a use is replaced by tanh (unless kinks are asked for).
    """

    name: str
    arity: int
    build: Callable[..., Value]
    safe: Callable[..., bool] | None = None


def _away(x: float, margin: float = 0.1) -> bool:
    return abs(x) > margin


REGISTRY: dict[str, Entry] = {}


def register(
    op: Op | str,
    build: Callable[..., Value] | None = None,
    arity: int | None = None,
    safe: Callable[..., bool] | None = None,
) -> Entry:
    """Let random expressions use an op: an ``Op`` record (built with ``apply``), or a name and a
    function of Values. ``safe(*data)`` says where its gradient can be checked numerically."""
    if isinstance(op, Op):
        n = arity if arity is not None else _arity(op)
        entry = Entry(op.name, n, build or (lambda *xs: apply(op, *xs)), safe)
    else:
        if build is None or arity is None:
            raise TypeError("register(name, build, arity) needs the build function and its arity")
        entry = Entry(op, arity, build, safe)
    REGISTRY[entry.name] = entry
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
    op: Op | str,
    arity: int | None = None,
    safe: Callable[..., bool] | None = None,
    max_examples: int | None = None,
) -> None:
    """Register ``op`` and check its gradient: alone at many points, then inside random
    expressions with the built-in ops. Raises with the smallest failing case."""
    entry = REGISTRY[op] if isinstance(op, str) else register(op, arity=arity, safe=safe)
    hypothesis = _hypothesis()
    # the op under test is drawn as often as all the built-in ones together
    mixed = expressions(ops=[entry.name] * len(BUILTIN_OPS) + list(BUILTIN_OPS), max_depth=5)
    settings = hypothesis.settings(max_examples=max_examples) if max_examples else (lambda f: f)

    for cases in (op_cases(entry.name), mixed):

        @settings  # type: ignore[untyped-decorator]
        @hypothesis.given(cases)  # type: ignore[untyped-decorator]
        def check(case: tuple[Expression, list[Value]]) -> None:
            gradcheck(*case)

        check()
