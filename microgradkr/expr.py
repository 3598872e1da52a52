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
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .engine import Value
from .i18n import text

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


def allowed() -> str:
    """What an expression may use, in the current language."""
    return text("err.expr.allowed")


MAX_LENGTH = 500  # characters; also bounds how deep ast.parse can recurse
MAX_NESTING = 50  # brackets inside brackets, or signs in a row (- - - x)
MAX_PARTS = 50  # numbers, names, operations and calls: a diagram past that is unreadable and slow

_WHAT = {  # the catalogue's name of each refused kind of syntax
    ast.Attribute: "attribute",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.Compare: "compare",
    ast.BoolOp: "boolop",
    ast.IfExp: "ifexp",
    ast.NamedExpr: "named",
    ast.Starred: "starred",
    ast.JoinedStr: "fstring",
    ast.List: "collection",
    ast.Tuple: "collection",
    ast.Set: "collection",
    ast.Dict: "collection",
}
SYMBOLS = {  # operators Python has and an expression here may not use, as they are written
    ast.MatMult: "@",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}


class ExpressionError(ValueError):
    """The text is not an expression this tool accepts; the message says what is allowed."""


def _refuse(what: str) -> ExpressionError:
    return ExpressionError(text("err.expr.refused", what=what, allowed=allowed()))


def _closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``name`` by difflib (sigmod -> sigmoid), or None if none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _operands(node: ast.AST, names: Mapping[str, Any]) -> list[ast.expr]:
    """The sub-expressions ``node`` needs, or an ExpressionError if ``node`` is not allowed."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _refuse(text("err.expr.constant", value=node.value))
        if not abs(node.value) <= sys.float_info.max:  # 1e309 parses as inf, 10**400 as an int
            digits = ast.unparse(node)
            digits = digits if len(digits) <= 20 else digits[:20] + "..."
            raise ExpressionError(
                text("err.expr.number_too_large", digits=digits, largest=sys.float_info.max)
            )
        return []
    if isinstance(node, ast.Name):
        if node.id not in names:
            close = _closest(node.id, names)
            hint = text("err.expr.did_you_mean", close=close) if close else ""
            raise ExpressionError(text("err.expr.no_value", name=node.id, hint=hint))
        return []
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):  # x ^ 2 in maths, exclusive or in Python
            raise ExpressionError(text("err.expr.xor"))
        if type(node.op) not in BINARY:
            raise _refuse(_operator(node.op))
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY:
            raise _refuse(_operator(node.op))
        return [node.operand]
    if isinstance(node, ast.Call):
        return _call_operands(node)
    what = _WHAT.get(type(node))
    raise _refuse(text(f"err.expr.{what}") if what else type(node).__name__)


def _operator(op: ast.AST) -> str:
    return text("err.expr.operator", op=SYMBOLS.get(type(op), type(op).__name__))


def _call_operands(node: ast.Call) -> list[ast.expr]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = ast.unparse(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr in FUNCTIONS:  # x.exp()
            inner = ast.unparse(node.func.value)
            fix = f"{node.func.attr}({inner})"
            raise ExpressionError(text("err.expr.method", fix=fix, call=ast.unparse(node)))
        close = _closest(name, FUNCTIONS) if isinstance(node.func, ast.Name) else None
        if close:
            raise ExpressionError(
                text("err.expr.no_function", name=name, close=close, allowed=allowed())
            )
        raise _refuse(text("err.expr.calling", name=name))
    arity = FUNCTIONS[node.func.id][0]
    if node.keywords or len(node.args) != arity:
        raise ExpressionError(text("err.expr.arity", name=node.func.id, arity=arity))
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise _refuse(text("err.expr.starred"))
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


def _measure(source: str) -> None:
    """Refuse, before parsing, text too long or too deeply nested for a readable diagram."""
    if not source.strip():
        raise ExpressionError(text("err.expr.empty"))
    depth = deepest = signs = most_signs = 0
    for char in source:
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
        raise ExpressionError(text("err.expr.nested", deep=deepest, limit=MAX_NESTING))
    if most_signs > MAX_NESTING:
        raise ExpressionError(text("err.expr.signs", n=most_signs, limit=MAX_NESTING))
    if len(source) > MAX_LENGTH:
        raise ExpressionError(text("err.expr.too_long", n=len(source), limit=MAX_LENGTH))


def _parse(source: str) -> ast.Expression:
    _measure(source)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(text("err.expr.invalid", why=syntax_message(err.msg))) from None
    except ValueError as err:  # a null byte, an unencodable character
        raise ExpressionError(text("err.expr.invalid", why=syntax_message(str(err)))) from None
    except (RecursionError, MemoryError):  # not reached after _measure; kept as a last guard
        raise ExpressionError(text("err.expr.too_deep")) from None
    parts = sum(1 for n in ast.walk(tree.body) if isinstance(n, ast.expr))
    if parts > MAX_PARTS:
        raise ExpressionError(text("err.expr.parts", n=parts, limit=MAX_PARTS))
    return tree


SYNTAX = [  # Python's own words for the common syntax errors, said in the current language
    (re.compile(r"invalid syntax(?:\. Perhaps you forgot a comma\?)?"), "err.syntax.invalid"),
    (
        re.compile(r"invalid character (?P<char>'.+') \((?P<code>U\+[0-9A-F]+)\)"),
        "err.syntax.character",
    ),
    (re.compile(r"(?P<bracket>'.') was never closed"), "err.syntax.unclosed"),
    (re.compile(r"unmatched (?P<bracket>'.')"), "err.syntax.unmatched"),
    (re.compile(r"source code (?:string )?cannot contain null bytes"), "err.syntax.null"),
]


def syntax_message(message: str) -> str:
    """Python's message for a syntax error, in the current language where it is a common one."""
    for pattern, key in SYNTAX:
        match = pattern.fullmatch(message)
        if match:
            return text(key, None, None, None, **match.groupdict())
    return message


def _fold(node: ast.AST, args: list[Any]) -> Any:
    """A part without names, computed once: its math errors are errors in the text."""
    try:
        value = _apply(node, args, {})
    except (ArithmeticError, ValueError) as err:
        why = _why(node, args, err)
        part = ast.unparse(node)
        raise ExpressionError(text("err.expr.cannot_compute", part=part, why=why)) from None
    if isinstance(value, complex):  # float ** float: (-8.0) ** (1/3) is complex in Python
        why = text("err.expr.negative_base")
        raise ExpressionError(text("err.expr.cannot_compute", part=ast.unparse(node), why=why))
    return value


def _why(node: ast.AST, args: list[Any], err: Exception) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, power = args
        if base < 0 and not float(power).is_integer():
            return text("err.expr.negative_base")
        if base == 0 and power < 0:
            return text("err.expr.zero_base")
    if isinstance(err, ZeroDivisionError):
        return text("err.expr.division_by_zero")
    if isinstance(err, OverflowError) or "range error" in str(err):
        return text("err.expr.too_large", largest=sys.float_info.max)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return text("err.expr.undefined", fn=node.func.id, x=float(args[0]))
    return str(err)


def _variable(root: Any) -> Value:
    """The graph's root, which is a constant when the text has no name."""
    if not isinstance(root, Value):
        raise ExpressionError(text("err.expr.no_variable"))
    return root


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
    root = _variable(results[0])
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return root, {name: leaf for name, leaf in leaves.items() if name in used}
