"""The op registries that random expressions draw from: one ``Entry`` record and one
``register`` for ops on Values (``REGISTRY``) and on Tensors (``TENSOR_REGISTRY``).

hypothesis is imported when a strategy is first built (``import_hypothesis``), so
``import microgradkr`` never needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import apply
from .ops import Op
from .tensor import TensorOp
from .tensor import apply as apply_tensor


def import_hypothesis() -> Any:
    """hypothesis with its strategies and numpy extra, or an ImportError saying how to get it."""
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


REGISTRY: dict[str, Entry] = {}  # ops on Values
TENSOR_REGISTRY: dict[str, Entry] = {}  # ops on Tensors (names may repeat the Value ones)
LIMIT = 1e4  # values beyond this make central differences meaningless


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
            args or broadcasting,
            cases,
        )
        tensor = True
    elif isinstance(op, Op):
        n = arity if arity is not None else _arity(op)
        entry = Entry(op.name, n, build or (lambda *xs: apply(op, *xs)), safe)
    else:
        if build is None or arity is None:
            raise TypeError("register(name, build, arity) needs the build function and its arity")
        entry = Entry(op, arity, build, safe, (args or broadcasting) if tensor else None, cases)
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


def broadcasting(*shapes: tuple[int, ...]) -> Any:
    """No extra arguments; the input shapes must broadcast together (a Tensor op's default)."""
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return None
    return import_hypothesis().strategies.just(())
