"""``python -m microgradkr``: the worked examples traced and drawn, and any expression drawn.

Everything it prints and draws is in the language of ``--lang`` (and ``--glossary``), with the
words of ``i18n.catalog_cli``; the parser and --help are in ``cli_parser``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import examples
from .cli_parser import chosen_language, parser
from .columns import ljust, width
from .expr import ExpressionError, build
from .i18n import language, text
from .trace import format_trace
from .viz import (
    GraphvizNotFoundError,
    KoreanFontMissingError,
    draw,
    explore,
    save,
    watch,
    write_steps,
)

EXAMPLES = {  # catalogue key -> the example's graph
    "demo.1a": examples.add_mul,
    "demo.1b_gates": lambda: examples.sigmoid_neuron(fused=False),
    "demo.1b_fused": lambda: examples.sigmoid_neuron(fused=True),
    "demo.1c": examples.gate_patterns,
}

PICTURES: dict[str, Callable[[], tuple[Any, dict[str, Any]]]] = {
    "1a_add_mul": examples.add_mul,
    "1b_sigmoid_gates": lambda: examples.sigmoid_neuron(fused=False),
    "1b_sigmoid_fused": lambda: examples.sigmoid_neuron(fused=True),
    "1c_gate_patterns": examples.gate_patterns,
    "2a_l2_tensor": examples.l2,
    "7_tanh_second_derivative": examples.tanh_second_derivative,
}


def title(name: str) -> str:
    """A picture's title in the current language."""
    return text(f"demo.title.{name}")


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


def demo(args: argparse.Namespace) -> int:
    """Print the traces of docs/reference.md 1a-1c and draw them into ``--out`` (SVG, PNG, HTML)."""
    for key, build_example in EXAMPLES.items():
        root, inputs = build_example()
        root.backward()
        print(f"== {text(key)}")
        print(format_trace(root))
        grads = ", ".join(f"d{root.label}/d{name} = {v.grad:.5g}" for name, v in inputs.items())
        print(text("demo.gradients", grads=grads) + "\n")
    f, ins = examples.l2()
    f.backward()
    with np.printoptions(precision=6, suppress=True):
        print(f"== {text('demo.2a')}")
        print(f"f = {f.item():.6g}, df/dq = {ins['q'].grad}, df/dx = {ins['x'].grad}")
        print(f"df/dW = {np.array2string(ins['W'].grad, separator=', ')}\n")
    dy, scalars = examples.tanh_second_derivative()
    dy.backward()
    print(f"== {text('demo.tanh')}")
    print(f"dy/dx = {dy.data:.10g}, d2y/dx2 = {scalars['x'].grad:.10g}\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = _demo_pages(out, args.lang)  # the interactive pages need no Graphviz at all
    pages.append(_demo_training(out, args.lang))
    try:
        written = _demo_pictures(out, args.lang) + pages
    except GraphvizNotFoundError as err:
        for name, build_example in PICTURES.items():
            save(draw(build_example()[0], lang=args.lang), out / f"{name}.gv")
        print(text("cli.error", message=err), file=sys.stderr)
        print(text("demo.no_dot", out=out), file=sys.stderr)
        print(text("demo.pages_need_no_dot", pages=", ".join(map(str, pages))))
        return 1
    print(text("demo.wrote", n=len(written), out=out))
    for path in written:
        print(f"  {path}")
    print(text("demo.open", page=pages[1]))
    return 0


def _demo_pictures(out: Path, lang: str) -> list[Path]:
    written = []
    refused: KoreanFontMissingError | None = None
    for name, build_example in PICTURES.items():
        root, _ = build_example()
        root.backward()
        diagram = draw(root, lang=lang, title=title(name))
        written.append(save(diagram, out / f"{name}.svg"))
        try:
            written.append(save(diagram, out / f"{name}.png"))
        except KoreanFontMissingError as err:  # the main job goes on: the SVG has the Hangul
            refused = err
    if refused is not None:
        print(text("demo.svg_only", reason=refused), file=sys.stderr)
    root, _ = examples.sigmoid_neuron(fused=False)
    written.append(write_steps(root, out, stem="1b_steps", lang=lang))
    return written


def _demo_pages(out: Path, lang: str) -> list[Path]:
    """One interactive page per worked example: ``<name>.html``, opened at step 0."""
    written = []
    for name, build_example in PICTURES.items():
        root, _ = build_example()
        if name.startswith("2a"):
            root.backward()  # a Tensor graph shows the gradients of its backward()
        path = out / f"{name}.html"
        explore(root, path, lang=lang)
        written.append(path)
    return written


def _demo_training(out: Path, lang: str) -> Path:
    """The moons net trained for 30 steps under ``watch``: its replay page, ``training.html``."""
    training = examples.moons_training(steps=30)
    model, x, y, loss = next(training)
    w = watch(model, every=3, data=(x, y), lang=lang)
    w.update(loss)
    for _, _, _, loss in training:
        w.update(loss)
    return w.save(out / "training.html")


def _values(pairs: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        name = unicodedata.normalize("NFKC", name)  # as Python reads names in the expression
        if not sep or not name.isidentifier():
            raise UsageError(text("cli.at_pair", pair=pair))
        if name in values:
            raise UsageError(text("cli.at_twice", name=name))
        try:
            value = float(number)
        except ValueError:
            raise UsageError(text("cli.at_not_number", pair=pair, number=number)) from None
        if math.isinf(value) and "inf" not in number.lower():  # 1e309 overflowed: say so
            largest = sys.float_info.max
            raise UsageError(
                text("cli.at_too_large", pair=pair, number=number.strip(), largest=largest)
            )
        values[name] = value
    return values


FORMATS = {"svg": "svg", "png": "png", "dot": "dot", "gv": "dot"}  # -o's suffix -> format
TABLE = ("cli.table.input", "cli.table.value", "cli.table.gradient")  # the headers' keys


def _output_format(out: Path, given: str | None) -> str:
    """The format -o's suffix names; --format only for a name without a known suffix."""
    suffix = out.suffix.lstrip(".").lower()
    named = FORMATS.get(suffix)
    if given and named and given != named:
        raise UsageError(text("cli.format_contradicts", given=given, out=out, suffix=suffix))
    fmt = given or named or ("svg" if not suffix else None)
    if fmt is None:
        raise UsageError(text("cli.not_a_picture", out=out, suffix=suffix))
    return fmt


def _table(root: Any, leaves: dict[str, Any], expression: str, digits: int) -> str:
    """The forward value and the gradient of every input: what a learner checks by hand."""

    def num(x: float) -> str:
        return f"{x:.{digits}g}"

    name = root.label or "f"
    rows = [(k, num(v.data), num(v.grad)) for k, v in leaves.items()]
    head = tuple(text(key, root=name) for key in TABLE)
    widths = [max(width(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = [f"{name} = {expression} = {num(root.data)}"]
    for row in [head, *rows]:
        cells = [ljust(c, w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def draw_command(args: argparse.Namespace) -> int:
    """Draw an expression after its backward pass, print its values and gradients (and trace)."""
    if not 1 <= args.precision <= 17:
        raise UsageError(text("cli.bad_precision", got=args.precision))
    out = Path(args.output)
    fmt = _output_format(out, args.format)
    values = _values(args.at)
    try:
        root, leaves = build(args.expression, values)
    except ExpressionError as err:
        raise UsageError(str(err)) from None
    for name in values.keys() - leaves.keys():  # a typo in --at or in the expression
        unused = text("cli.unused_at", name=name, value=values[name])
        print(text("cli.warning", message=unused), file=sys.stderr)
    if root.op is not None and not root.label:
        root.label = "f"
    options = {"lang": args.lang, "precision": args.precision, "rankdir": args.rankdir}
    root.backward()
    print(_table(root, leaves, args.expression.strip(), args.precision))
    if args.trace:
        print(format_trace(root, digits=args.precision))
    save(draw(root, title=args.expression, **options), out, fmt)
    print(text("cli.wrote", path=out))
    if args.steps:
        page = write_steps(root, out.parent, stem=f"{out.stem}_steps", **options)
        print(text("cli.wrote_steps", page=page, stem=out.stem))
    return 0


def explore_command(args: argparse.Namespace) -> int:
    """Write the interactive page of an expression: step, hover, click, en/ko, offline."""
    try:
        root, _ = build(args.expression, _values(args.at))
    except ExpressionError as err:
        raise UsageError(str(err)) from None
    if root.op is not None and not root.label:
        root.label = "f"
    out = Path(args.output)
    explore(root, out, lang=args.lang, precision=args.precision, rankdir=args.rankdir)
    print(text("cli.wrote_page", path=out))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when the maths or a file fails, 2 for bad usage."""
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = {"demo": demo, "draw": draw_command, "explore": explore_command}
    with language(*chosen_language(argv)):  # the help is built before the arguments are read
        args = parser(commands).parse_args(argv)
    with language(args.lang, args.glossary):  # everything printed and drawn, pictures too
        try:
            code = int(args.run(args))
            sys.stdout.flush()  # a pipe closed by its reader fails here, not at exit
            return code
        except UsageError as err:
            print(text("cli.error", message=err), file=sys.stderr)
            return 2
        except BrokenPipeError:  # the reader stopped early (| head): nothing is wrong to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
            return 1
        except OSError as err:
            print(text("cli.error", message=system_message(err)), file=sys.stderr)
            return 1
        except (ValueError, ArithmeticError, GraphvizNotFoundError) as err:
            print(text("cli.error", message=err), file=sys.stderr)
            return 1


OS_ERRORS = {  # the system's message is in English (or the C locale's language): ours instead
    FileNotFoundError: "cli.os.not_found",
    PermissionError: "cli.os.permission",
    IsADirectoryError: "cli.os.is_directory",
    NotADirectoryError: "cli.os.not_directory",
    FileExistsError: "cli.os.exists",
}


def system_message(err: OSError) -> str:
    """A file error in the current language, naming the file; the system's own words otherwise."""
    key = OS_ERRORS.get(type(err))
    return text(key, path=err.filename) if key and err.filename else str(err)
