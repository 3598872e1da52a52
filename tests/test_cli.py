"""``python -m microgradkr``: draw and demo, the expression whitelist, exit codes."""

from __future__ import annotations

import html
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import microgradkr
from microgradkr.cli import main
from microgradkr.expr import ExpressionError, build

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def test_expression_builds_the_graph_with_one_leaf_per_name() -> None:
    f, leaves = build("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    f.backward()
    assert f.data == -12.0
    assert {k: v.grad for k, v in leaves.items()} == {"x": -4.0, "y": -4.0, "z": 3.0}
    g, leaves = build("x * x + max(x, 1) - relu(-x) / 2 ** x", {"x": 3})
    g.backward()
    assert g.data == 12.0 and leaves["x"].grad == 7.0  # 2x + 1; relu(-3) = 0
    h, _ = build("sigmoid(log(x)) + tanh(exp(-x))", {"x": 1})
    assert h.data == pytest.approx(0.5 + math.tanh(math.exp(-1)), rel=1e-12)


def test_dot_output_has_the_numbers_on_the_edges(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    rc = main(["draw", "(x + y) * z", "--at", "x=-2", "y=5", "z=-4", "-o", str(out)])
    assert rc == 0
    source = html.unescape(out.read_text(encoding="utf-8"))
    assert "local 1" in source and "global -4" in source and "global 3" in source


@needs_dot
def test_draw_writes_svg_png_and_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    svg = tmp_path / "graph.svg"
    args = ["draw", "(x + y) * z", "--at", "x=-2", "y=5", "z=-4", "-o", str(svg), "--steps"]
    assert main(args) == 0
    assert "global -4" in html.unescape(svg.read_text(encoding="utf-8"))
    assert (tmp_path / "graph_steps.html").exists()
    assert len(list(tmp_path.glob("graph_steps_*.svg"))) == 3
    png = tmp_path / "graph.png"
    assert main(["draw", "x * y", "--at", "x=2", "y=3", "-o", str(png), "--lang", "ko"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "graph_steps.html" in capsys.readouterr().out


ATTACKS = [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')",
    "x.__class__",
    "x.real",
    "(lambda: 1)()",
    "lambda: 1",
    "x[0]",
    "[x]",
    "{x: 1}",
    "'text'",
    "x if y else 1",
    "x < y",
    "x and y",
    "(y := 2)",
    "f'{x}'",
    "x @ y",
    "~x",
    "x // y",
    "exec('x')",
    "eval('x')",
    "exp(x, y)",
    "exp(x=1)",
    "max(*[x, y])",
    "getattr(x, 'data')",
    "True + x",
    "1j * x",
    "x; y",
    "import os",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_anything_outside_the_whitelist_is_refused(
    attack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    rc = main(["draw", attack, "--at", "x=1", "y=2", "-o", "out.dot"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ")
    assert "refused" in err or "not a valid expression" in err or "argument" in err
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "out.dot").exists()
    with pytest.raises(ExpressionError):
        build(attack, {"x": 1.0, "y": 2.0})


def test_refusal_names_what_is_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "__import__('os').system('x')", "--at", "x=1"]) == 2
    err = capsys.readouterr().err
    assert "__import__" in err and "sigmoid(a), relu(a), abs(a), max(a, b)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["draw", "x * w", "--at", "x=1"], "'w' has no value"),
        (["draw", "x * 2", "--at", "x"], "NAME=NUMBER"),
        (["draw", "x * 2", "--at", "x=abc"], "not a number"),
        (["draw", "2 * 3"], "no variable"),
        (["draw", "(" * 300 + "x" + ")" * 300, "--at", "x=1"], "nested 300 deep"),
    ],
)
def test_bad_usage_exits_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main([*args, "-o", str(tmp_path / "o.dot")]) == 2
    assert message in capsys.readouterr().err


def test_math_error_exits_1_naming_the_op(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["draw", "log(x)", "--at", "x=-1", "-o", str(tmp_path / "o.dot")]) == 1
    assert "log of -1.0 at node 'x'" in capsys.readouterr().err


def test_missing_dot_exits_1_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["draw", "x * y", "--at", "x=1", "y=2", "-o", str(tmp_path / "g.svg")]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "graphviz-pure" in err
    assert main(["draw", "x * y", "--at", "x=1", "y=2", "-o", str(tmp_path / "g.dot")]) == 0


@pytest.mark.parametrize("command", [[], ["demo"], ["draw"]])
def test_help_everywhere(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: python -m microgradkr" in capsys.readouterr().out


def test_no_command_is_bad_usage() -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2


@needs_dot
def test_demo_writes_the_pictures_and_prints_the_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "step 1: f [1/x chain] upstream 1" in printed
    assert "dL/dx1" not in printed and "df/dx1 = -0.58984" in printed
    for name in (
        "1a_add_mul",
        "1b_sigmoid_gates",
        "1b_sigmoid_fused",
        "1c_gate_patterns",
        "2a_l2_tensor",
        "7_tanh_second_derivative",
    ):
        assert (out / f"{name}.svg").stat().st_size > 1000
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert str(out / f"{name}.png") in printed
    assert "df/dx = [-0.112  0.636]" in printed and "d2y/dx2 = -0.7268619814" in printed
    l2 = html.unescape((out / "2a_l2_tensor.svg").read_text(encoding="utf-8"))
    assert "global [0.44, 0.52]" in l2 and "global [-0.112, 0.636]" in l2
    second = html.unescape((out / "7_tanh_second_derivative.svg").read_text(encoding="utf-8"))
    assert "backward pass (builds dy/dx)" in second and "grad -0.7269" in second
    page = (out / "1b_steps.html").read_text(encoding="utf-8")
    assert page.count('class="frame"') == 9 and "http" not in page
    assert "1b_steps.html" in printed


@needs_dot
def test_demo_in_korean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ko"
    assert main(["demo", "--out", str(out), "--lang", "ko"]) == 0
    assert "역전파를 한 단계씩" in capsys.readouterr().out
    svg = html.unescape((out / "1a_add_mul.svg").read_text(encoding="utf-8"))
    assert "국소적 미분 1" in svg and "전역 기울기 -4" in svg and "기울기 분배기" in svg
    assert "역전파(backpropagation) 단계별 보기" in (out / "1b_steps.html").read_text(
        encoding="utf-8"
    )


def test_format_flag_overrides_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "graph.txt"
    assert main(["draw", "x * y", "--at", "x=2", "y=3", "-o", str(out), "--format", "dot"]) == 0
    assert out.read_text(encoding="utf-8").startswith("digraph microgradkr {")


def test_demo_without_dot_still_traces_and_writes_dot_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 1
    captured = capsys.readouterr()
    assert "backward (dL/df = 1):" in captured.out
    assert "apt-get install graphviz" in captured.err
    assert (tmp_path / "demo" / "1a_add_mul.gv").exists()


def one_line_error(args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """Run ``args`` drawing to a .dot file: exit 2, one line on stderr, nothing written."""
    out = tmp_path / "o.dot"
    start = time.perf_counter()
    assert main([*args, "-o", str(out)]) == 2
    assert time.perf_counter() - start < 2.0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()
    return err


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "x + (-8)**(1/3)",
            "(-8) ** (1 / 3) cannot be computed: "
            "a negative base to a non-integer power is not a real number",
        ),
        (
            "x + 10**10**10",
            "10 ** 10 ** 10 cannot be computed: the result is too large for a float",
        ),
        ("x + 1/0", "1 / 0 cannot be computed: division by zero"),
        (
            "x * 0**-1",
            "0 ** (-1) cannot be computed: zero to a negative power is a division by zero",
        ),
        ("x + log(-1)", "log(-1) cannot be computed: log is not defined at -1"),
        ("x + exp(1000)", "exp(1000) cannot be computed: the result is too large for a float"),
        ("x + 1e309", "the number 1e309 is too large for a float (the largest is 1.798e+308)"),
        ("x + 1" + "0" * 400, "the number 10000000000000000000... is too large for a float"),
    ],
    ids=["cube-root", "10**10**10", "1/0", "0**-1", "log(-1)", "exp(1000)", "1e309", "10**400"],
)
def test_constant_parts_that_cannot_be_computed_are_usage_errors(
    expression: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Python gives (-8) ** (1/3) as a complex number and 10**10**10 as an OverflowError; a part
    # without names is wrong text whatever --at says, so it is a usage error (exit 2).
    assert message in one_line_error(["draw", expression, "--at", "x=1"], capsys, tmp_path)
    with pytest.raises(ExpressionError, match="cannot be computed|too large"):
        build(expression, {"x": 1.0})


def test_constant_parts_that_can_be_computed_are_folded() -> None:
    f, leaves = build("x + (-8)**2 + 2**0.5 - 1/4", {"x": 1.0})
    assert f.data == pytest.approx(1 + 64 + math.sqrt(2) - 0.25) and list(leaves) == ["x"]


@pytest.mark.parametrize(
    ("expression", "at", "message"),
    [
        ("x / 0", "x=1", "reciprocal of 0.0 at an unlabelled node: float division by zero"),
        ("x**-1", "x=0", "pow of 0.0 at node 'x': 0 to the negative power -1.0 divides by zero"),
        (
            "x**(1/3)",
            "x=-8",
            "pow of -8.0 at node 'x': a negative base to the non-integer power 0.3333333333333333"
            " is not a real number",
        ),
        ("exp(x)", "x=1000", "exp of 1000.0 at node 'x': math range error"),
    ],
)
def test_domain_errors_at_the_given_values_exit_1_in_one_line(
    expression: str, at: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["draw", expression, "--at", at, "-o", str(tmp_path / "o.dot")]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {message}\n"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("(" * 10_000 + "x" + ")" * 10_000, "brackets are nested 10000 deep; the limit is 50"),
        ("exp(" * 10_000 + "x" + ")" * 10_000, "brackets are nested 10000 deep"),
        (" " + "-" * 10_000 + "x", "10000 signs in a row; the limit is 50"),
        (" " + "- " * 10_000 + "x", "10000 signs in a row"),
        ("x**" * 10_000 + "x", "the expression is 30001 characters long; the limit is 500"),
        ("x+" * 300 + "x", "the expression is 601 characters long; the limit is 500"),
        (
            "x+" * 30 + "x",
            "the expression has 61 parts (numbers, names, operations); the limit is 50",
        ),
        ("", "the expression is empty"),
        ("   ", "the expression is empty"),
        ("x − y", "not a valid expression: invalid character '−' (U+2212)"),
    ],
    ids=[
        "parens-10000",
        "calls-10000",
        "signs-10000",
        "spaced-signs-10000",
        "pow-chain-10000",
        "601-chars",
        "61-parts",
        "empty",
        "blank",
        "unicode-minus",
    ],
)
def test_huge_deep_and_empty_expressions_are_refused_before_parsing(
    expression: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    err = one_line_error(["draw", expression, "--at", "x=1", "y=2"], capsys, tmp_path)
    assert message in err


def test_the_largest_accepted_expressions_build_without_recursion(monkeypatch) -> None:
    for text in ("(" * 50 + "x" + ")" * 50, "-" * 49 + "x", "x**" * 24 + "x", "x+" * 24 + "x"):
        f, _ = build(text, {"x": 1.0})
        f.backward()
    with pytest.raises(ExpressionError, match="not a valid expression"):
        build("x + \0", {"x": 1.0})  # not reachable from argv, but build is public


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (["x=1e309"], "--at x=1e309: 1e309 is too large for a float (the largest is 1.798e+308)"),
        (["x=-1e999"], "-1e999 is too large for a float"),
        (["x=1", "x=2"], "--at gives x twice"),
        (["x=1", "ｘ=2"], "--at gives x twice"),  # NFKC, as Python reads the name in the text
    ],
)
def test_bad_at_values_are_usage_errors(
    at: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert message in one_line_error(["draw", "x * 2", "--at", *at], capsys, tmp_path)


@pytest.mark.parametrize(
    ("expression", "at", "value"),
    [
        ("x * 2", "x=inf", math.inf),
        ("x * 2", "x=-Infinity", -math.inf),
        ("x * 2", "x=nan", math.nan),
        ("é * 2", "é=2", 4.0),
        ("x + ｘ", "ｘ=2", 4.0),  # both spellings are the name x
    ],
)
def test_infinities_nan_and_unicode_names_draw(
    expression: str, at: str, value: float, tmp_path: Path
) -> None:
    out = tmp_path / "o.dot"
    assert main(["draw", expression, "--at", at, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("digraph")
    f, _ = build(expression, {at.split("=")[0].replace("ｘ", "x"): float(at.split("=")[1])})
    assert f.data == value or (math.isnan(value) and math.isnan(f.data))


def test_steps_of_the_largest_expression_and_precision_bounds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The step page is laid out once, so --steps takes every expression the parser accepts.
    out = tmp_path / "g.svg"
    assert main(["draw", "x*" * 24 + "x", "--at", "x=1", "--steps", "-o", str(out)]) == 0
    page = (tmp_path / "g_steps.html").read_text()
    assert page.count('"title"') == 26  # 25 frames (before step 1, after each of 24), one template
    capsys.readouterr()
    args = ["draw", "x", "--at", "x=1", "--precision", "0"]
    assert "--precision is 1 to 17 significant digits, got 0" in one_line_error(
        args, capsys, tmp_path
    )


def test_the_real_command_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(microgradkr.__file__).parents[1])}
    for expression in ("x + (-8)**(1/3)", "(" * 10_000 + "x" + ")" * 10_000, "10**10**10"):
        run = subprocess.run(
            [sys.executable, "-m", "microgradkr", "draw", expression, "--at", "x=1", "-o", "o.dot"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1


def test_unary_plus_on_a_name_is_the_name(tmp_path: Path) -> None:
    # operator.pos on a Value raised "bad operand type for unary +: 'Value'" (a traceback).
    f, leaves = build("+x * +(y + 1) + +2", {"x": 3.0, "y": 1.0})
    f.backward()
    assert f.data == 8.0 and leaves["x"].grad == 2.0 and leaves["y"].grad == 3.0
    assert main(["draw", "+x", "--at", "x=1", "-o", str(tmp_path / "o.dot")]) == 0


# -- issue 13: a CLI that teaches ----------------------------------------------------------------


def test_draw_prints_the_value_and_the_gradient_of_every_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["draw", "(x + y) * z", "--at", "x=-2", "y=5", "z=-4", "-o", str(tmp_path / "g.dot")]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "f = (x + y) * z = -12"
    assert lines[1].split() == ["input", "value", "gradient", "df/d(input)"]
    assert [line.split() for line in lines[2:5]] == [
        ["x", "-2", "-4"],
        ["y", "5", "-4"],
        ["z", "-4", "3"],
    ]
    assert lines[5] == f"wrote {tmp_path / 'g.dot'}" and "step 1" not in "\n".join(lines)


def test_draw_table_in_korean_lines_up_hangul(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["draw", "x * y", "--at", "x=3", "y=-4", "--lang", "ko", "-o", str(tmp_path / "g.dot")]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "입력  값  기울기 df/d(입력)"  # 입력 is four columns wide, as "x   "
    assert lines[2] == "x     3   -4" and lines[3] == "y     -4  3"


def test_trace_prints_the_backward_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["draw", "(x + y) * z", "--at", "x=-2", "y=5", "z=-4", "--trace"]
    assert main([*args, "-o", str(tmp_path / "g.dot")]) == 0
    out = capsys.readouterr().out
    assert "backward (dL/df = 1):" in out
    assert "step 1: f [* switcher] upstream 1" in out and "-> x: local 1 x upstream -4 = -4" in out


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("x ^ 2", "write ** for a power"),
        ("sigmod(x)", "there is no function 'sigmod'; did you mean sigmoid?"),
        ("tahn(x) + 1", "did you mean tanh?"),
        ("xx * 2", "'xx' has no value (did you mean x?)"),
        ("x.exp()", "methods are not allowed; write exp(x) for x.exp()"),
    ],
)
def test_near_misses_get_a_hint(
    expression: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert message in one_line_error(["draw", expression, "--at", "x=1"], capsys, tmp_path)


def test_abs_is_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f, leaves = build("abs(x) * y", {"x": -3.0, "y": 2.0})
    f.backward()
    assert f.data == 6.0 and leaves["x"].grad == -2.0 and leaves["y"].grad == 3.0
    assert main(["draw", "abs(x)", "--at", "x=-3", "-o", str(tmp_path / "a.dot")]) == 0
    assert "abs" in (tmp_path / "a.dot").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("output", "fmt", "message"),
    [
        ("a.svg", "png", "--format png contradicts -o"),
        ("a.png", "svg", "--format svg contradicts -o"),
        ("a.dot", "svg", "--format svg contradicts -o"),
        ("a.txt", None, ".txt is not a picture format"),
    ],
)
def test_the_format_follows_the_suffix_and_a_contradiction_is_an_error(
    output: str, fmt: str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / output
    args = ["draw", "x * 2", "--at", "x=1", "-o", str(out), *(["--format", fmt] if fmt else [])]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error: ") and err.count("\n") == 1
    assert not out.exists()


def test_the_suffix_alone_picks_the_format(tmp_path: Path) -> None:
    assert main(["draw", "x * 2", "--at", "x=1", "-o", str(tmp_path / "a.gv")]) == 0
    assert (tmp_path / "a.gv").read_text(encoding="utf-8").startswith("digraph")
    same = ["draw", "x * 2", "--at", "x=1", "-o", str(tmp_path / "b.dot"), "--format", "dot"]
    assert main(same) == 0  # --format that agrees with the suffix is fine


def test_an_unused_at_value_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["draw", "x * y", "--at", "x=2", "y=3", "z=3", "-o", str(tmp_path / "g.dot")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.err == "warning: --at z=3 is not used by the expression\n"
    assert "df/d(input)" in captured.out and (tmp_path / "g.dot").exists()


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_reader_that_stops_early_gets_no_error_message(tmp_path: Path, unbuffered: str) -> None:
    """`... --trace | head -1`: the pipe closes while we print; that is not the learner's error."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(Path(microgradkr.__file__).parents[1])
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    command = [sys.executable, "-m", "microgradkr", "draw", "tanh(x*y + x)*x", "--at", "x=1"]
    run = subprocess.Popen(
        [*command, "y=2", "--trace", "-o", "g.dot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert run.stdout is not None and run.stderr is not None
    run.stdout.read(1)
    run.stdout.close()  # as head does after its first line
    assert run.stderr.read() == b""
    assert run.wait(timeout=60) in (0, 1)
