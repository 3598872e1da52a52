"""Arguments checked once, where they come in from the user, before numpy or the stdlib sees them.

Each helper returns the argument in the form the code wants, or raises a TypeError / ValueError
that names the function, the argument and what was expected (``where``: "explore", "SGD" ...).
Called at the top of public functions only: never inside an op's forward or backward.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
MAX_INT = 2**62  # any count or size past this is a mistake (numpy's own limit is near 2**63)


def is_node(value: Any) -> bool:
    """A Value or a Tensor (by what the walk needs: this module sits below both)."""
    return hasattr(type(value), "_prev") and hasattr(type(value), "backward")


def _got(value: Any) -> str:
    """'str 'a'': the kind of a bad argument and a short repr, for an error message."""
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def integer(where: str, name: str, value: Any, low: int | None = None, high: int = MAX_INT) -> int:
    """``value`` as an int in [low, high] (a bool is not an int here, as in torch's sizes)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {_got(value)}")
    if (low is not None and value < low) or value > high:
        span = f">= {low}" if high == MAX_INT else f"in [{low}, {high}]"
        raise ValueError(f"{where}: {name} must be {span}, got {value}")
    return int(value)


def number(
    where: str,
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    positive: bool = False,
) -> float:
    """``value`` as a finite float in [low, high] (> low when ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {_got(value)}")
    x = float(value) if abs(value) < 1e308 or isinstance(value, float) else math.inf
    if not math.isfinite(x) or not low <= x <= high or (positive and x <= low):
        span = f"> {low:g}" if positive and high == math.inf else f"in [{low:g}, {high:g}]"
        raise ValueError(f"{where}: {name} must be a finite number {span}, got {value!r:.80}")
    return x


def flag(where: str, name: str, value: Any) -> bool:
    """``value`` as a bool: True/False (numpy's too), never a truthy list or array."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {_got(value)}")
    return bool(value)


def function(where: str, name: str, value: Any) -> Any:
    """``value`` if it can be called."""
    if not callable(value):
        raise TypeError(f"{where}: {name} must be a function, got {_got(value)}")
    return value


def node(where: str, name: str, value: Any) -> Any:
    """``value`` if it is a graph node (a Value or a Tensor)."""
    if not is_node(value):
        raise TypeError(f"{where}: {name} must be a Value or a Tensor, got {_got(value)}")
    return value


def nodes(where: str, name: str, value: Any) -> list[Any]:
    """A node or a list/tuple of nodes, as a list."""
    found = list(value) if isinstance(value, (list, tuple)) else [value]
    for i, x in enumerate(found):
        if not is_node(x):
            at = name if found == [value] else f"{name}[{i}]"
            raise TypeError(f"{where}: {at} must be a Value or a Tensor, got {_got(x)}")
    return found


def path(where: str, name: str, value: Any) -> Path:
    """``value`` as a Path (a str or an os.PathLike)."""
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value):
        raise TypeError(f"{where}: {name} must be a file path (str or Path), got {_got(value)}")
    if any(len(os.fsencode(part)) > 255 for part in Path(value).parts):  # the OS's limit
        raise ValueError(f"{where}: {name} has a name longer than 255 bytes, got {_got(value)}")
    return Path(value)


def choice(where: str, name: str, value: Any, options: Sequence[Any]) -> Any:
    """``value`` if it is one of ``options`` (compared by type and value)."""
    if not any(type(value) is type(o) and value == o for o in options):
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{where}: {name} must be one of {listed}, got {_got(value)}")
    return value


def modules(where: str, name: str, value: Any, module_type: type) -> list[Any]:
    """None, a module or a list/tuple of modules, as a list."""
    if value is None:
        return []
    found = list(value) if isinstance(value, (list, tuple)) else [value]
    for i, m in enumerate(found):
        if not isinstance(m, module_type):
            at = name if found == [value] else f"{name}[{i}]"
            raise TypeError(f"{where}: {at} must be an nn Module or a list of them, got {_got(m)}")
    return found


def dtype(where: str, name: str, value: Any) -> Any:
    """``value`` if numpy reads it as a dtype (None stays None: the default)."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, list, dict, tuple, np.ndarray)) or is_node(value):
        raise TypeError(
            f"{where}: {name} must be a dtype such as float32 or float64, got {_got(value)}"
        )
    try:
        return np.dtype(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: {name} must be a dtype such as float32 or float64, got {_got(value)}"
        ) from None


def dim(where: str, name: str, value: Any, ndim: int) -> int:
    """``value`` as a dim in [-ndim, ndim) (torch's range; a 0-d tensor takes -1 and 0)."""
    d = integer(where, name, value, -MAX_INT)
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"{where}: {name}={d} is out of range for a tensor of {ndim} dims "
            f"(expected a dim in [{-n}, {n - 1}])"
        )
    return d


def dims(where: str, name: str, value: Any, ndim: int) -> None:
    """None, an int dim or a tuple/list of distinct dims, each in range."""
    if value is None:
        return
    if isinstance(value, (tuple, list)):
        found = [dim(where, name, d, ndim) % max(ndim, 1) for d in value]
        if len(set(found)) != len(found):
            raise ValueError(f"{where}: {name} {tuple(value)} names a dim more than once")
        return
    dim(where, name, value, ndim)


def size(where: str, name: str, value: Any) -> tuple[int, ...]:
    """A shape: an int or a sequence of ints >= 0 (-1 is not accepted here)."""
    parts = list(value) if isinstance(value, (tuple, list)) else [value]
    return tuple(integer(where, name, n, 0) for n in parts)


def view(where: str, module_type: type, options: dict[str, Any]) -> None:
    """The arguments the pictures and pages share (a function's ``locals()`` at its top), each
    checked when present: ``root``, ``lang`` ... ``modules`` (see ``draw``)."""
    node(where, "root", options["root"])
    for name in ("lang", "glossary", "title"):
        if options.get(name) is not None and not isinstance(options[name], str):
            raise TypeError(f"{where}: {name} must be a str or None, got {_got(options[name])}")
    if "precision" in options:
        integer(where, "precision", options["precision"], 1, 30)
    if options.get("step") is not None:
        integer(where, "step", options["step"], -1)
    for name in ("max_nodes", "max_layout"):
        if name in options:
            integer(where, name, options[name], 1)
    for name in ("check", "legend", "collapse", "explain"):
        if options.get(name) is not None:
            flag(where, name, options[name])
    if "rankdir" in options:
        choice(where, "rankdir", options["rankdir"], ("LR", "RL", "TB", "BT"))
    modules(where, "modules", options.get("modules"), module_type)


def array(where: str, name: str, value: Any, dtype: Any = np.float64) -> np.ndarray:
    """``value`` (numbers, an array, a Tensor's data) as an array of ``dtype``."""
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(
            f"{where}: {name} must be numbers (an array, a list or a Tensor), got {_got(value)}"
        ) from None


def tolerances(where: str, f: Any, eps: Any, atol: Any, rtol: Any) -> None:
    """gradcheck's arguments: a function, a step eps > 0 and tolerances >= 0."""
    function(where, "f", f)
    number(where, "eps", eps, 0.0, positive=True)
    number(where, "atol", atol, 0.0)
    number(where, "rtol", rtol, 0.0)


def has_method(op: str, name: str, x: T) -> T:
    """``x`` if it has ``op`` as a method (a Tensor, a Value), for the functions ``exp(x)`` ..."""
    if not hasattr(type(x), op):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def shape_of(op: str, name: str, other: Any) -> tuple[int, ...]:
    """The shape of ``other`` (a Tensor or an array), for ``view_as`` and the like."""
    shape = getattr(other, "shape", None)
    if not isinstance(shape, tuple):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(other).__name__}")
    return shape


def list_of(where: str, name: str, value: Any, kind: type) -> None:
    """``value`` if it is a list of ``kind`` (``steps``: what ``backward_steps`` returns)."""
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        raise TypeError(f"{where}: {name} must be a list of {kind.__name__}, got {_got(value)}")


MAX_ELEMENTS = 2**40  # an array past this many numbers (8 TB of float64) is a mistake
MAX_SIZE = 2**31 - 1  # a layer's size past this is a typo: its weights could not be allocated


def layer_size(name: str, value: Any) -> int:
    """A layer's size: an int in [1, MAX_SIZE]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    if value > MAX_SIZE:
        raise ValueError(f"{name} must be <= {MAX_SIZE}, got {value}")
    return int(value)


def fraction(name: str, value: Any, closed: bool = True) -> float:
    """A probability or rate: a number in [0, 1] (or [0, 1) when not ``closed``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (0.0 <= value <= 1.0 if closed else 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1{']' if closed else ')'}, got {value!r:.80}")
    return float(value)


# -- operands and matrix shapes (errors2: the bad calls still left) ----------------------------

_OPERATORS = {
    "__add__": "+",
    "__radd__": "+",
    "__sub__": "-",
    "__rsub__": "-",
    "__mul__": "*",
    "__rmul__": "*",
    "__truediv__": "/",
    "__rtruediv__": "/",
    "__matmul__": "@",
    "__rmatmul__": "@",
    "__pow__": "**",
    "__rpow__": "**",
}


_HELPERS = ("as_array", "operand_kind")


def operand_error(kind: str, value: Any, why: str = "") -> TypeError:
    """The error for an operand of a ``kind`` node that is no number, naming the operator or
    method called: found from the stack on this error path only, so that the operators' hot
    path passes no name."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_name not in _OPERATORS:
        if frame.f_code.co_name[0] not in "_<" and frame.f_code.co_name not in _HELPERS:
            break  # the public method called, past the coercion's own helpers
        frame = frame.f_back
    name = frame.f_code.co_name
    method = f"{kind}.{name}" if "self" in frame.f_locals else name  # add_n is a function
    called = f"{kind} {_OPERATORS[name]} other" if name in _OPERATORS else method
    takes = ", a number or an array of numbers" if kind == "Tensor" else " or a number"
    return TypeError(f"{called}: other must be a {kind}{takes}, got {_got(value)}{why}")


def matrices(where: str, a: Any, b: Any, ndim: int) -> None:
    """``a`` and ``b`` both of ``ndim`` dims with matching inner sizes, as torch's ``dot``
    (1), ``mm`` (2) and ``bmm`` (3) want them."""
    other = {1: "other", 2: "mat2", 3: "batch2"}[ndim]
    shape = getattr(b, "shape", None)
    if not is_node(b) or not isinstance(shape, tuple):
        raise TypeError(f"{where}: {other} must be a Tensor, got {_got(b)}")
    if a.ndim != ndim or len(shape) != ndim:
        raise ValueError(
            f"{where}: self and {other} must be {ndim}-D, got shapes {a.shape} and {shape}"
        )
    inner = (a.shape[-1], shape[0 if ndim < 3 else 1])
    batch = ndim < 3 or a.shape[0] == shape[0]
    if inner[0] != inner[1] or not batch:
        raise ValueError(f"{where}: shapes {a.shape} and {shape} do not match")


def sum_to_args(g: Any, shape: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """``sum_to``'s arguments: an array of numbers and a shape it was broadcast from."""
    arr = np.asarray(g) if not is_node(g) else np.asarray(g.data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"sum_to: g must be an array of numbers, got {_got(g)}")
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"sum_to: shape must be a tuple of ints, got {_got(shape)}")
    target = size("sum_to", "shape", shape)
    lead = arr.ndim - len(target)
    if lead < 0 or any(n not in (1, arr.shape[lead + i]) for i, n in enumerate(target)):
        raise ValueError(f"sum_to: shape {target} does not broadcast to g's shape {arr.shape}")
    return arr, target


MAX_EXAMPLES = 1000  # hypothesis's default is 100; past this a check would run for minutes


def examples(where: str, value: Any) -> int | None:
    """``max_examples``: None (hypothesis's default) or an int in [1, MAX_EXAMPLES]."""
    return None if value is None else integer(where, "max_examples", value, 1, MAX_EXAMPLES)


def registered(where: str, name: str, value: Any, table: Any) -> Any:
    """``table[value]`` for the name of a registered op, else an error listing a few names."""
    if not isinstance(value, str):
        raise TypeError(f"{where}: {name} must be the name of a registered op, got {_got(value)}")
    if value not in table:
        known = ", ".join(sorted(table)[:8])
        raise ValueError(f"{where}: {name} {value!r:.80} is not a registered op ({known}, ...)")
    return table[value]


def instance(where: str, name: str, value: Any, kind: type) -> None:
    """``value`` if it is a ``kind`` (format_trace's root: a Value, not a Tensor)."""
    if not isinstance(value, kind):
        raise TypeError(f"{where}: {name} must be a {kind.__name__}, got {_got(value)}")


MAX_VALUES = 10**6  # a scalar net's parameters, each a Value (~100 bytes): seconds to build


def value_count(where: str, sizes: Sequence[int]) -> None:
    """A scalar MLP of these layer sizes holds at most MAX_VALUES parameters: MLP(2**30, [1])
    would build a billion Values for minutes (a Tensor network is nn.Linear's)."""
    n = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    if n > MAX_VALUES:
        raise ValueError(
            f"{where}: layer sizes {list(sizes)} make {n} parameters, more than a Value graph"
            f" can hold ({MAX_VALUES}); use nn.Linear layers (Tensors) for a network this large"
        )


def operand_kind(x: Any) -> str:
    """numpy's kind letter of an operand's numbers ('f', 'i' ...); a ragged list is refused."""
    try:
        return np.asarray(x).dtype.kind
    except ValueError:  # [[1.0, 2.0], [3.0]]: numpy's 'inhomogeneous shape'
        raise operand_error("Tensor", x, " (a ragged list)") from None


def float_tensor(where: str, name: str, value: Any) -> None:
    """``value`` if its numbers are floats: only they have gradients (a mask or labels do not)."""
    if value.data.dtype.kind != "f":
        raise TypeError(
            f"{where}: {name} must be a float tensor to differentiate, got {value.data.dtype}"
        )


def rectangular(where: str, name: str, value: Any) -> np.ndarray:
    """``value`` (a Tensor's numbers, an array, nested lists) as an array; a ragged list (numpy's
    'inhomogeneous shape') is refused with the argument's name."""
    try:
        return np.asarray(value.data if is_node(value) else value)
    except ValueError:
        raise TypeError(f"{where}: {name} must be a rectangular array, got {_got(value)}") from None
