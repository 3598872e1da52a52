"""``python -m microgradkr``: the worked examples traced and drawn, and any expression drawn."""

from __future__ import annotations

import argparse
import math
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import examples
from .expr import ALLOWED, MAX_LENGTH, MAX_PARTS, ExpressionError, build
from .trace import format_trace
from .viz import GraphvizNotFoundError, draw, explore, save, write_steps

EXAMPLES = {
    "1a  f = (x + y) * z": examples.add_mul,
    "1b  sigmoid neuron, primitive gates": lambda: examples.sigmoid_neuron(fused=False),
    "1b  sigmoid neuron, one fused sigmoid gate": lambda: examples.sigmoid_neuron(fused=True),
    "1c  gate patterns and fan-out": examples.gate_patterns,
}

PICTURES: dict[str, Callable[[], tuple[Any, dict[str, Any]]]] = {
    "1a_add_mul": examples.add_mul,
    "1b_sigmoid_gates": lambda: examples.sigmoid_neuron(fused=False),
    "1b_sigmoid_fused": lambda: examples.sigmoid_neuron(fused=True),
    "1c_gate_patterns": examples.gate_patterns,
    "2a_l2_tensor": examples.l2,
    "7_tanh_second_derivative": examples.tanh_second_derivative,
}
TITLES = {
    "en": {
        "1a_add_mul": "Example 1a: f = (x + y) * z",
        "1b_sigmoid_gates": "Example 1b: sigmoid neuron from primitive gates",
        "1b_sigmoid_fused": "Example 1b: the same neuron with one fused sigmoid gate",
        "1c_gate_patterns": "Example 1c: gate patterns and a value used twice",
        "2a_l2_tensor": "Example 2a: f = ||W x||^2, one vector-Jacobian product per edge",
        "7_tanh_second_derivative": "dy/dx of y = tanh x as a graph; its backward gives d²y/dx²",
    },
    "ko": {
        "1a_add_mul": "1a: f = (x + y) * z 의 계산 그래프",
        "1b_sigmoid_gates": "1b: 기본 게이트로 만든 시그모이드 뉴런",
        "1b_sigmoid_fused": "1b: 시그모이드 게이트 하나로 묶은 같은 뉴런",
        "1c_gate_patterns": "1c: 게이트 패턴과 두 번 쓰인 값",
        "2a_l2_tensor": "2a: f = ||W x||^2, 간선마다 벡터-야코비 곱 하나",
        "7_tanh_second_derivative": "y = tanh x 의 dy/dx 도 계산 그래프: 그 역전파가 d²y/dx²",
    },
}


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


def demo(args: argparse.Namespace) -> int:
    """Print the traces of docs/reference.md 1a-1c and draw them into ``--out`` (SVG, PNG, HTML)."""
    for title, build_example in EXAMPLES.items():
        root, inputs = build_example()
        root.backward()
        print(f"== {title}")
        print(format_trace(root))
        grads = ", ".join(f"d{root.label}/d{name} = {v.grad:.5g}" for name, v in inputs.items())
        print(f"gradients: {grads}\n")
    f, ins = examples.l2()
    f.backward()
    with np.printoptions(precision=6, suppress=True):
        print("== 2a  f = ||W x||^2 (Tensor)")
        print(f"f = {f.item():.6g}, df/dq = {ins['q'].grad}, df/dx = {ins['x'].grad}")
        print(f"df/dW = {np.array2string(ins['W'].grad, separator=', ')}\n")
    dy, scalars = examples.tanh_second_derivative()
    dy.backward()
    print("== y = tanh x at x = 0.5: dy/dx built as a graph (create_graph=True), then backward")
    print(f"dy/dx = {dy.data:.10g}, d2y/dx2 = {scalars['x'].grad:.10g}\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = _demo_pages(out, args.lang)  # the interactive pages need no Graphviz at all
    try:
        written = _demo_pictures(out, args.lang) + pages
    except GraphvizNotFoundError as err:
        for name, build_example in PICTURES.items():
            save(draw(build_example()[0], lang=args.lang), out / f"{name}.gv")
        print(f"error: {err}\nwrote the DOT sources (*.gv) to {out}/", file=sys.stderr)
        print(f"the interactive pages need no Graphviz: {', '.join(map(str, pages))}")
        return 1
    if args.lang == "ko":
        print(f"{out}/ 에 파일 {len(written)}개와 단계별 그림 1b_steps_NN.svg 를 썼습니다:")
    else:
        print(f"wrote {len(written)} files to {out}/ (and the step frames 1b_steps_NN.svg):")
    for path in written:
        print(f"  {path}")
    if args.lang == "ko":
        print(f"브라우저로 {pages[1]} 을 열면 역전파를 한 단계씩 살펴볼 수 있습니다.")
    else:
        print(f"open {pages[1]} in a browser to explore the backward pass step by step.")
    return 0


def _demo_pictures(out: Path, lang: str) -> list[Path]:
    written = []
    for name, build_example in PICTURES.items():
        root, _ = build_example()
        root.backward()
        diagram = draw(root, lang=lang, title=TITLES[lang][name])
        written += [save(diagram, out / f"{name}.svg"), save(diagram, out / f"{name}.png")]
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


def _values(pairs: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        name = unicodedata.normalize("NFKC", name)  # as Python reads names in the expression
        if not sep or not name.isidentifier():
            raise UsageError(f"--at takes NAME=NUMBER pairs, got {pair!r}")
        if name in values:
            raise UsageError(f"--at gives {name} twice")
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"--at {pair}: {number!r} is not a number") from None
        if math.isinf(value) and "inf" not in number.lower():  # 1e309 overflowed: say so
            raise UsageError(
                f"--at {pair}: {number.strip()} is too large for a float "
                f"(the largest is {sys.float_info.max:.4g}); write inf if you mean it"
            )
        values[name] = value
    return values


FORMATS = {"svg": "svg", "png": "png", "dot": "dot", "gv": "dot"}  # -o's suffix -> format
TABLE = {
    "en": ("input", "value", "gradient d{root}/d(input)"),
    "ko": ("입력", "값", "기울기 d{root}/d(입력)"),
}


def _output_format(out: Path, given: str | None) -> str:
    """The format -o's suffix names; --format only for a name without a known suffix."""
    suffix = out.suffix.lstrip(".").lower()
    named = FORMATS.get(suffix)
    if given and named and given != named:
        raise UsageError(
            f"--format {given} contradicts -o {out} (a .{suffix} file): "
            f"drop --format, or name the file .{given}"
        )
    fmt = given or named or ("svg" if not suffix else None)
    if fmt is None:
        raise UsageError(f"-o {out}: .{suffix} is not a picture format; use .svg, .png or .dot")
    return fmt


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Hangul syllable takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(root: Any, leaves: dict[str, Any], expression: str, lang: str, digits: int) -> str:
    """The forward value and the gradient of every input: what a learner checks by hand."""

    def num(x: float) -> str:
        return f"{x:.{digits}g}"

    name = root.label or "f"
    rows = [(k, num(v.data), num(v.grad)) for k, v in leaves.items()]
    head = tuple(h.format(root=name) for h in TABLE[lang])
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = [f"{name} = {expression} = {num(root.data)}"]
    for row in [head, *rows]:
        cells = [c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def draw_command(args: argparse.Namespace) -> int:
    """Draw an expression after its backward pass, print its values and gradients (and trace)."""
    if not 1 <= args.precision <= 17:
        raise UsageError(f"--precision is 1 to 17 significant digits, got {args.precision}")
    out = Path(args.output)
    fmt = _output_format(out, args.format)
    values = _values(args.at)
    try:
        root, leaves = build(args.expression, values)
    except ExpressionError as err:
        raise UsageError(str(err)) from None
    for name in values.keys() - leaves.keys():  # a typo in --at or in the expression
        print(
            f"warning: --at {name}={values[name]:g} is not used by the expression", file=sys.stderr
        )
    if root.op is not None and not root.label:
        root.label = "f"
    options = {"lang": args.lang, "precision": args.precision, "rankdir": args.rankdir}
    root.backward()
    print(_table(root, leaves, args.expression.strip(), args.lang, args.precision))
    if args.trace:
        print(format_trace(root, digits=args.precision))
    save(draw(root, title=args.expression, **options), out, fmt)
    print(f"wrote {out}")
    if args.steps:
        page = write_steps(root, out.parent, stem=f"{out.stem}_steps", **options)
        print(f"wrote {page} and its frames {out.stem}_steps_NN.svg")
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
    print(f"wrote {out}: open it in a browser (no network needed)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microgradkr", description="microgradkr: backpropagation made visible."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser(
        "demo",
        help="trace and draw the worked examples of docs/reference.md",
        description="Print the backward trace of docs/reference.md 1a-1c and draw each example "
        "(SVG and PNG) and as an interactive page (.html), plus the sigmoid neuron's step frames.",
    )
    p_demo.add_argument("--out", default="microgradkr-demo", help="directory for the pictures")
    p_demo.add_argument("--lang", choices=("en", "ko"), default="en", help="label language")
    p_demo.set_defaults(run=demo)
    p_draw = sub.add_parser(
        "draw",
        help="draw an expression with local and global gradients on every edge",
        description=f"Draw an expression after backward and print the value and gradient of every "
        f"input (--trace: every backward step). Allowed: {ALLOWED}; at most "
        f"{MAX_LENGTH} characters and {MAX_PARTS} parts. "
        "The text is parsed, never run.",
        epilog='example: python -m microgradkr draw "(x + y) * z" --at x=-2 y=5 z=-4 -o graph.svg',
    )
    p_draw.add_argument("expression", help='e.g. "(x + y) * z" (start with a space if it is "-x")')
    p_draw.add_argument("--at", nargs="+", default=[], metavar="NAME=NUMBER", help="input values")
    p_draw.add_argument("-o", "--output", default="graph.svg", help="file to write")
    p_draw.add_argument(
        "--format", choices=("svg", "png", "dot"), help="default: -o's suffix, which it must match"
    )
    p_draw.add_argument("--steps", action="store_true", help="also write step frames and HTML")
    p_draw.add_argument("--trace", action="store_true", help="print the backward pass step by step")
    p_draw.add_argument("--lang", choices=("en", "ko"), default="en", help="label language")
    p_draw.add_argument("--precision", type=int, default=4, help="significant digits")
    p_draw.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR")
    p_draw.set_defaults(run=draw_command)
    p_exp = sub.add_parser(
        "explore",
        help="write an interactive page: step through backward, hover edges, click values",
        description=f"Write one self-contained HTML page for an expression. Allowed: {ALLOWED}. "
        "The text is parsed, never run; the page works offline.",
        epilog='example: python -m microgradkr explore "(x + y) * z" --at x=-2 y=5 z=-4',
    )
    p_exp.add_argument("expression", help='e.g. "(x + y) * z"')
    p_exp.add_argument("--at", nargs="+", default=[], metavar="NAME=NUMBER", help="input values")
    p_exp.add_argument("-o", "--output", default="graph.html", help="the page to write")
    p_exp.add_argument("--lang", choices=("en", "ko"), default="en", help="first language")
    p_exp.add_argument("--precision", type=int, default=4, help="significant digits")
    p_exp.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR")
    p_exp.set_defaults(run=explore_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (ValueError, ArithmeticError, OSError, GraphvizNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
