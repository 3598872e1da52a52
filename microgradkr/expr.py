"""Expressions typed on the command line, turned into a graph without ever running them as code.

``build("(x + y) * z", {"x": -2, "y": 5, "z": -4})`` parses the text with ``ast`` and accepts only
numbers, names, + - * / **, unary - and +, and calls of exp, log, tanh, sigmoid, relu, abs, max.
Anything else (attribute access, subscripts, lambdas, other calls, ...) is refused with a clear
message, and a near miss gets a hint: ``x ^ 2`` "write ** for a power", ``sigmod(x)`` "did you mean
sigmoid?", an unknown name the closest name given a value; nothing is passed to eval or exec.
The text is measured before it is parsed (length, bracket depth, runs of signs), so that
``ast.parse`` never recurses deeply, and the parsed expression may hold at
most ``MAX_PARTS`` parts, so that its diagram is readable and drawn in seconds. A part without names
(``(-8) ** (1/3)``, ``1/0``, ``10**10**10``) is computed once, and its domain errors are errors in
the text: an ``ExpressionError``, as every other refusal here.
"""

from __future__ import annotations

import ast
import difflib
import operator
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .engine import Value

FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "exp": (1, Value.exp),
    "log": (1, Value.log),
    "tanh": (1, Value.tanh),
    "sigmoid": (1, Value.sigmoid),
    "relu": (1, Value.relu),
    "abs": (1, Value.__abs__),
    "max": (2, Value.max),
}
BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: lambda a: a,  # +x is x (a Value has no __pos__, and needs no gate for it)
}
ALLOWED = (
    "numbers, names given a value, + - * / **, unary -, "
    "and exp(a), log(a), tanh(a), sigmoid(a), relu(a), abs(a), max(a, b)"
)

MAX_LENGTH = 500  # characters; also bounds how deep ast.parse can recurse
MAX_NESTING = 50  # brackets inside brackets, or signs in a row (- - - x)
MAX_PARTS = 50  # numbers, names, operations and calls: a diagram past that is unreadable and slow

_WHAT = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[b])",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "*arguments",
    ast.JoinedStr: "f-strings",
}


class ExpressionError(ValueError):
    """The text is not an expression this tool accepts; the message says what is allowed."""


def _refuse(what: str) -> ExpressionError:
    return ExpressionError(f"refused: {what} is not allowed; an expression may use {ALLOWED}")


def _closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``name`` by difflib (sigmod -> sigmoid), or None if none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _operands(node: ast.AST, names: Mapping[str, Any]) -> list[ast.expr]:
    """The sub-expressions ``node`` needs, or an ExpressionError if ``node`` is not allowed."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _refuse(f"the constant {node.value!r}")
        if not abs(node.value) <= sys.float_info.max:  # 1e309 parses as inf, 10**400 as an int
            digits = ast.unparse(node)
            digits = digits if len(digits) <= 20 else digits[:20] + "..."
            raise ExpressionError(
                f"the number {digits} is too large for a float "
                f"(the largest is {sys.float_info.max:.4g})"
            )
        return []
    if isinstance(node, ast.Name):
        if node.id not in names:
            close = _closest(node.id, names)
            hint = f" (did you mean {close}?)" if close else ""
            raise ExpressionError(
                f"{node.id!r} has no value{hint}: give it one, e.g. --at {node.id}=1.5"
            )
        return []
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):  # x ^ 2 in maths, exclusive or in Python
            raise ExpressionError("refused: ^ is exclusive or in Python; write ** for a power")
        if type(node.op) not in BINARY:
            raise _refuse(f"the operator {type(node.op).__name__}")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY:
            raise _refuse(f"the operator {type(node.op).__name__}")
        return [node.operand]
    if isinstance(node, ast.Call):
        return _call_operands(node)
    raise _refuse(_WHAT.get(type(node), type(node).__name__))


def _call_operands(node: ast.Call) -> list[ast.expr]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = ast.unparse(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr in FUNCTIONS:  # x.exp()
            inner = ast.unparse(node.func.value)
            raise ExpressionError(
                f"refused: methods are not allowed; write {node.func.attr}({inner}) "
                f"for {ast.unparse(node)}"
            )
        close = _closest(name, FUNCTIONS) if isinstance(node.func, ast.Name) else None
        if close:
            raise ExpressionError(
                f"refused: there is no function {name!r}; did you mean {close}? "
                f"An expression may use {ALLOWED}"
            )
        raise _refuse(f"calling {name!r}")
    arity = FUNCTIONS[node.func.id][0]
    if node.keywords or len(node.args) != arity:
        raise ExpressionError(f"{node.func.id} takes {arity} argument(s), as {node.func.id}(...)")
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise _refuse("*arguments")
    return list(node.args)


def _apply(node: ast.AST, args: list[Any], leaves: Mapping[str, Value]) -> Any:
    """The value of an allowed ``node`` from its operands' values."""
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)  # checked by _operands
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.BinOp):
        return BINARY[type(node.op)](*args)
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](args[0])
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    fn = FUNCTIONS[node.func.id][1]
    return fn(*(a if isinstance(a, Value) else Value(a) for a in args[:1]), *args[1:])


def _measure(text: str) -> None:
    """Refuse, before parsing, text too long or too deeply nested for a readable diagram."""
    if not text.strip():
        raise ExpressionError('the expression is empty: give one, e.g. "(x + y) * z"')
    depth = deepest = signs = most_signs = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
        if char in "+-~":
            signs += 1
            most_signs = max(most_signs, signs)
        elif not char.isspace():
            signs = 0
    if deepest > MAX_NESTING:
        raise ExpressionError(f"brackets are nested {deepest} deep; the limit is {MAX_NESTING}")
    if most_signs > MAX_NESTING:
        raise ExpressionError(f"{most_signs} signs in a row; the limit is {MAX_NESTING}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        )


def _parse(text: str) -> ast.Expression:
    _measure(text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"not a valid expression: {err.msg}") from None
    except ValueError as err:  # a null byte, an unencodable character
        raise ExpressionError(f"not a valid expression: {err}") from None
    except (RecursionError, MemoryError):  # not reached after _measure; kept as a last guard
        raise ExpressionError("the expression is nested too deeply") from None
    parts = sum(1 for n in ast.walk(tree.body) if isinstance(n, ast.expr))
    if parts > MAX_PARTS:
        raise ExpressionError(
            f"the expression has {parts} parts (numbers, names, operations); the limit is "
            f"{MAX_PARTS}, so that its diagram stays readable and quick to draw"
        )
    return tree


def _fold(node: ast.AST, args: list[Any]) -> Any:
    """A part without names, computed once: its math errors are errors in the text."""
    try:
        value = _apply(node, args, {})
        if isinstance(value, complex):  # float ** float: (-8.0) ** (1/3) is complex in Python
            raise ValueError("complex result")
    except (ArithmeticError, ValueError) as err:
        why = _why(node, args, err)
        raise ExpressionError(f"{ast.unparse(node)} cannot be computed: {why}") from None
    return value


def _why(node: ast.AST, args: list[Any], err: Exception) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, power = args
        if base < 0 and not float(power).is_integer():
            return "a negative base to a non-integer power is not a real number"
        if base == 0 and power < 0:
            return "zero to a negative power is a division by zero"
    if isinstance(err, ZeroDivisionError):
        return "division by zero"
    if isinstance(err, OverflowError) or "range error" in str(err):
        return f"the result is too large for a float (the largest is {sys.float_info.max:.4g})"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return f"{node.func.id} is not defined at {float(args[0]):g}"
    return str(err)


def build(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """The graph of ``text`` with each name a labelled leaf (one per name, so reuse fans out)."""
    tree = _parse(text)
    leaves = {name: Value(float(v), name) for name, v in values.items()}
    results: list[Any] = []
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:  # post-order without recursion: operands first, then the node
        node, ready = stack.pop()
        operands = _operands(node, leaves)
        if ready:
            args = results[len(results) - len(operands) :]
            del results[len(results) - len(operands) :]
            if isinstance(node, ast.Name) or any(isinstance(a, Value) for a in args):
                results.append(_apply(node, args, leaves))
            else:
                results.append(_fold(node, args))
        else:
            stack.append((node, True))
            stack += [(op, False) for op in reversed(operands)]
    root = results[0]
    if not isinstance(root, Value):
        raise ExpressionError("the expression has no variable: use at least one name")
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return root, {name: leaf for name, leaf in leaves.items() if name in used}
