"""The user-facing gradient checks: ``check_op`` (an op alone and inside random expressions),
``check_gradients`` (a property run now) and ``gradient_test`` (a property for pytest)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import checks_args
from .engine import Value
from .numeric import gradcheck
from .ops import Op
from .tensor import TensorOp
from .testing_registry import REGISTRY, TENSOR_REGISTRY, Entry, import_hypothesis, register
from .testing_tensor_ops import BUILTIN_TENSOR_OPS
from .testing_tensors import tensor_expressions, tensor_op_cases
from .testing_values import BUILTIN_OPS, expressions, op_cases


def check_gradients(
    f: Callable[..., Value], *strategies: Any, max_examples: int | None = None, **tolerances: Any
) -> None:
    """Run a hypothesis property: ``gradcheck(f, inputs)`` for inputs drawn from ``strategies``
    (one per argument of f). A failure is shrunk to the smallest input and reported."""
    hypothesis = import_hypothesis()
    max_examples = checks_args.examples("check_gradients", max_examples)
    limit = {} if max_examples is None else {"max_examples": max_examples}
    prop = _gradchecked(f, strategies, tolerances, hypothesis.settings(database=None, **limit))
    with _storage_outside_cwd():
        prop()


def gradient_test(
    *strategies: Any, max_examples: int | None = None, **tolerances: Any
) -> Callable[[Callable[..., Value]], Callable[[], None]]:
    """Decorator: turn ``f`` into a hypothesis test (for pytest) that gradchecks it."""
    hypothesis = import_hypothesis()
    max_examples = checks_args.examples("gradient_test", max_examples)
    settings = None if max_examples is None else hypothesis.settings(max_examples=max_examples)

    def decorate(f: Callable[..., Value]) -> Callable[[], None]:
        return _gradchecked(f, strategies, tolerances, settings)

    return decorate


def _gradchecked(
    f: Callable[..., Value], strategies: tuple[Any, ...], tolerances: dict[str, Any], settings: Any
) -> Callable[[], None]:
    """A hypothesis test that gradchecks ``f`` at inputs drawn from ``strategies``."""
    hypothesis = import_hypothesis()

    @hypothesis.given(hypothesis.strategies.tuples(*strategies))  # type: ignore[untyped-decorator]
    def test(inputs: tuple[Value, ...]) -> None:
        gradcheck(f, list(inputs), **tolerances)

    if settings is not None:
        test = settings(test)
    test.__name__ = f"test_gradients_of_{getattr(f, '__name__', 'f')}"
    return test  # type: ignore[no-any-return]


@contextmanager
def _storage_outside_cwd() -> Iterator[None]:
    """hypothesis keeps a cache of the constants of local modules under ./.hypothesis (the cwd
    when it was imported), and no setting turns that off: a temporary directory instead, while
    a check runs. (Its home directory is not stable API: where it is missing, nothing changes.)"""
    from hypothesis import configuration

    set_home = getattr(configuration, "set_hypothesis_home_dir", None)
    if set_home is None:
        yield
        return
    before = vars(configuration).get("__hypothesis_home_directory")
    with tempfile.TemporaryDirectory(prefix="microgradkr-hypothesis-") as home:
        set_home(home)
        try:
            yield
        finally:
            set_home(before)


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
    max_examples = checks_args.examples("check_op", max_examples)
    if isinstance(op, str):
        entry = checks_args.registered(
            "check_op", "op", op, TENSOR_REGISTRY if tensor else REGISTRY
        )
    else:
        entry = register(op, arity=arity, safe=safe, args=args, cases=cases)
    tensor = tensor or isinstance(op, TensorOp)
    hypothesis = import_hypothesis()
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
    # no example database: a failing case is shrunk and reported, not filed under the cwd
    settings = hypothesis.settings(phases=phases, database=None, **limit)

    for strategy in (alone, mixed):

        @settings  # type: ignore[untyped-decorator]
        @hypothesis.given(strategy)  # type: ignore[untyped-decorator]
        def check(case: tuple[Any, list[Any]]) -> None:
            gradcheck(*case)

        with _storage_outside_cwd():
            check()
