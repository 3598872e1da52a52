"""Issue 13: the command line, the trace, the demo, the teaching errors and gradcheck in Korean.

The acceptance test: ``demo --lang ko`` prints no English word outside code, numbers and op
symbols. What counts as code is stripped by ``strip_code``; the few English words left that a
Korean learner types or reads as code are in ``CODE_WORDS``, each with its reason.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

import microgradkr
from microgradkr import Value, gradcheck
from microgradkr.cli import main
from microgradkr.cli_parser import chosen_language
from microgradkr.expr import ExpressionError, build
from microgradkr.i18n import catalog_cli, current, language
from microgradkr.i18n.glossary import TERMS

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
ROOT = Path(microgradkr.__file__).parent

CODE_WORDS = {
    # functions an expression may call: the learner types these names
    "exp": "a function of the expression language",
    "log": "a function of the expression language",
    "tanh": "a function of the expression language",
    "sigmoid": "a function of the expression language",
    "relu": "a function of the expression language",
    "abs": "a function of the expression language",
    "max": "a function of the expression language",
    # the command as typed, and the values its options take
    "python": "the program in the usage line",
    "microgradkr": "the package in the usage line",
    "demo": "a command, as typed",
    "draw": "a command, as typed",
    "explore": "a command, as typed",
    "en": "a value of --lang",
    "ko": "a value of --lang",
    "dlfs": "a value of --glossary",
    "pytorch": "a value of --glossary (pytorch-ko)",
    "d2l": "a value of --glossary (d2l-ko)",
    "LR": "a value of --rankdir (Graphviz's)",
    "TB": "a value of --rankdir (Graphviz's)",
    "svg": "a file format, as -o's suffix",
    "png": "a file format, as -o's suffix",
    "dot": "a file format, as -o's suffix",
    "int": "the type argparse names when --precision is not a whole number",
    "Graphviz": "the program to install, by its name",
    # gradcheck's report names the function and its parameters
    "gradcheck": "the function whose report it is",
    "gradgradcheck": "the function whose report it is",
    "eps": "a parameter of gradcheck, shown with its value",
    "atol": "a parameter of gradcheck, shown with its value",
    "rtol": "a parameter of gradcheck, shown with its value",
}

CODE = [
    r"\bd[\w²]*/d[\w()²]*",  # derivatives: dL/df, dy/dx, d²y/dx², df/d(입력)
    r"`[^`]*`",  # code marked in a Korean sentence
    r"'[^']*'",  # a repr: the learner's own text, quoted back
    r"\{[^}]*\}",  # argparse's choice lists: {en,ko}
    r"[\w.-]*(?:/[\w.-]+)+/?",  # paths
    r"[\w.-]*\.(?:svg|png|html|gv|dot|md)\b",  # file names and suffixes
    r"(?<![\w-])--?[A-Za-z][\w-]*",  # options: --lang, -o
    r"\$[A-Z_]+",  # environment variables
]


def strip_code(text: str) -> str:
    for pattern in CODE:
        text = re.sub(pattern, " ", text)
    return text


def english_words(text: str) -> list[str]:
    """The runs of two or more Latin letters left after code, numbers and symbols are stripped."""
    return [w for w in re.findall(r"[A-Za-z]{2,}", strip_code(text)) if w not in CODE_WORDS]


def run(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """The real command: exit code and stdout + stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "microgradkr", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT.parent), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


# -- (a) no English in Korean -------------------------------------------------------------------


@needs_dot
def test_the_korean_demo_has_no_english_word(tmp_path: Path) -> None:
    code, printed = run(["demo", "--lang", "ko", "--out", str(tmp_path / "demo")], tmp_path)
    assert code == 0, printed
    assert "순전파:" in printed and "1단계: f [* 기울기 스위처] 상류 기울기 1" in printed
    assert "-> x: 국소적 미분 1 × 상류 기울기 -4 = -4" in printed
    assert english_words(printed) == []


@pytest.mark.parametrize(
    "args",
    [
        ["draw", "(x + y) * z", "--at", "x=-2", "y=5", "z=-4", "--trace", "-o", "g.dot"],
        ["draw", "x * y", "--at", "x=2", "y=3", "z=3", "-o", "g.dot"],  # an unused --at
        ["draw", "x + (-8)**(1/3)", "--at", "x=1"],
        ["draw", "sigmod(x)", "--at", "x=1"],
        ["draw", "x ^ 2", "--at", "x=1"],
        ["draw", "log(x)", "--at", "x=-1", "-o", "g.dot"],  # the engine's domain error
        ["draw", "x / 0", "--at", "x=1", "-o", "g.dot"],
        ["draw", "x // y", "--at", "x=1", "y=2"],
        ["draw", "x * w", "--at", "x=1"],
        ["draw", "x", "--at", "x=1", "--precision", "abc"],  # argparse's own message
        ["draw", "x", "--at", "x"],
        ["draw"],
        ["draw", "x", "--at", "x=1", "-o", "missing/g.dot"],  # the system's error
        ["explore", "x * y", "--at", "x=2", "y=3", "-o", "p.html"],
        ["demo", "--help"],
        ["draw", "--help"],
        ["explore", "--help"],
    ],
    ids=lambda a: " ".join(a),
)
def test_korean_printouts_errors_and_help_have_no_english_word(
    args: list[str], tmp_path: Path
) -> None:
    _, printed = run([*args, "--lang", "ko"], tmp_path)
    assert re.search("[가-힣]", printed), printed
    assert english_words(printed) == [], printed


def test_the_top_level_help_follows_the_environment(tmp_path: Path) -> None:
    _, printed = run(["--help"], tmp_path, {"MICROGRADKR_LANG": "ko"})
    assert printed.startswith("사용법: python -m microgradkr") and "명령:" in printed
    assert english_words(printed) == []
    _, english = run(["--help"], tmp_path, {"MICROGRADKR_LANG": ""})
    assert english.startswith("usage: python -m microgradkr")


def test_the_language_may_come_before_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROGRADKR_LANG", raising=False)
    monkeypatch.delenv("MICROGRADKR_GLOSSARY", raising=False)
    _, printed = run(["--lang", "ko", "--help"], tmp_path, {"MICROGRADKR_LANG": ""})
    assert printed.startswith("사용법: python -m microgradkr") and english_words(printed) == []
    assert main(["--lang", "ko", "--glossary", "d2l-ko", "demo", "--out", str(tmp_path)]) == 0
    printed = "".join(capsys.readouterr())
    assert "순전파:" in printed and "상류 그래디언트" in printed
    draw = ["draw", "x * y", "--at", "x=2", "y=3", "-o", str(tmp_path / "g.dot")]
    assert main(["--lang", "ko", *draw, "--lang", "en"]) == 0  # the command's own flag wins
    english = capsys.readouterr().out
    assert main(draw) == 0 and capsys.readouterr().out == english and "input" in english


def test_the_language_is_read_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROGRADKR_LANG", raising=False)
    monkeypatch.delenv("MICROGRADKR_GLOSSARY", raising=False)
    assert chosen_language(["draw", "x", "--lang", "ko"])[0] == "ko"
    assert chosen_language(["draw", "x", "--lang=ko", "--glossary=d2l-ko"]) == ("ko", "d2l-ko")
    assert chosen_language(["draw", "x", "--lang", "fr"]) == ("en", "dlfs")  # argparse says why
    assert chosen_language(["draw", "x", "--lang"]) == ("en", "dlfs")


def test_the_environment_gives_the_default_and_argv_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROGRADKR_LANG", "ko")
    monkeypatch.setenv("MICROGRADKR_GLOSSARY", "pytorch-ko")
    assert chosen_language(["demo"]) == ("ko", "pytorch-ko")
    assert chosen_language(["demo", "--lang", "en"]) == ("en", "pytorch-ko")
    monkeypatch.setenv("MICROGRADKR_LANG", "klingon")
    assert chosen_language(["demo"])[0] == "en"


# -- (b) English unchanged, and the setting does not leak ---------------------------------------


def test_english_stays_the_default_and_main_restores_the_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draw", "log(x)", "--at", "x=-1", "--lang", "ko", "-o", str(tmp_path / "o")]) == 1
    assert (
        "log 계산 불가 (노드 'x', 입력 -1.0): 수학적 정의역 밖의 입력입니다"
        in capsys.readouterr().err
    )
    assert current() == ("en", "dlfs")
    with pytest.raises(ValueError, match=r"^log of -1.0 at node 'x': math domain error$"):
        Value(-1.0, "x").log()


def test_errors_keep_their_types_and_speak_the_set_language() -> None:
    with language("ko"):
        with pytest.raises(ValueError, match="수학적 정의역 밖") as domain:
            Value(-1.0, "x").log()
        with pytest.raises(ZeroDivisionError, match=r"역수 계산 불가 \(이름 없는 노드"):
            Value(1.0) / Value(0.0)
        with pytest.raises(OverflowError, match="너무 큽니다"):
            Value(1000.0, "x").exp()
        with pytest.raises(ValueError, match=r"거듭제곱 계산 불가 .*실수가 아닙니다"):
            Value(-8.0, "x") ** (1 / 3)
        with pytest.raises(ExpressionError, match="혹시 sigmoid"):
            build("sigmod(x)", {"x": 1.0})
        with pytest.raises(ExpressionError, match="연산자 //"):
            build("x // 2", {"x": 1.0})
    assert type(domain.value) is ValueError
    with pytest.raises(ExpressionError, match="the operator //"):
        build("x // 2", {"x": 1.0})


@pytest.mark.parametrize("fast_mode", [False, True])
def test_the_gradcheck_report_in_korean(fast_mode: bool) -> None:
    def f(x: Value, y: Value) -> Value:
        return x * y + x.data * y  # x.data: a dependence the graph does not record

    with language("ko"), pytest.raises(microgradkr.GradcheckError) as info:
        gradcheck(f, [Value(2.0, "x"), Value(3.0, "y")], fast_mode=fast_mode)
    report = str(info.value)
    assert report.startswith("gradcheck: 입력 2개 중 1개에서 역전파와 중앙 차분이 다릅니다")
    header = report.splitlines()[1]
    assert header.split() == ["입력", "이름", "값", "역전파", "수치", "미분", "오차"]
    assert "<- 불일치" in report and english_words(report) == []
    np = pytest.importorskip("numpy")
    with language("ko"), pytest.raises(microgradkr.GradcheckError) as info:
        gradcheck(lambda a: (a * a).sum() + microgradkr.Tensor(a.data.sum()), [np.ones(2)])
    assert "출력의 모양: ()." in str(info.value) and english_words(str(info.value)) == []


# -- (c) the glossary ---------------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize(
    ("glossary", "word", "absent"),
    [
        ("pytorch-ko", "변화도", ("기울기", "그래디언트")),
        ("d2l-ko", "그래디언트", ("기울기", "변화도")),
    ],
)
def test_the_glossary_chooses_the_words(
    glossary: str,
    word: str,
    absent: tuple[str, ...],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["demo", "--lang", "ko", "--glossary", glossary, "--out", str(tmp_path)]
    assert main(args) == 0
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert f"상류 {word}" in text and all(w not in text for w in absent)


# -- (d) the catalogue --------------------------------------------------------------------------


def fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}


def test_every_key_has_korean_with_the_same_fields_and_known_terms() -> None:
    assert catalog_cli.EN.keys() == catalog_cli.KO.keys()
    prefixes = ("cli.", "trace.", "demo.", "err.", "check.")
    for key, english in catalog_cli.EN.items():
        korean = catalog_cli.KO[key]
        assert key.startswith(prefixes), key
        assert fields(english) == fields(korean), key
        assert "«" not in english, key
        for term in re.findall(r"«([a-z_]+)»", korean):
            assert term in TERMS, (key, term)


# -- (e) no English literal reaches a learner without the catalogue -----------------------------

OWNED = ["cli.py", "cli_parser.py", "trace.py", "expr.py", "examples.py", "columns.py"]
OWNED += ["checks.py", "checks_fast.py", "checks_tensor.py"]
OWNED_FUNCTIONS = {"ops.py": {"_pow", "_pow_forward", "_reciprocal"}, "engine.py": {"_where"}}
OWNED_FUNCTIONS["engine.py"].add("_domain_error")
SHOWN = {"help", "description", "epilog", "title"}  # argparse keywords a user sees


def shown_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals that reach print(), raise, warnings.warn() or argparse's help texts, and
    do not go through the catalogue (a text(...) call)."""
    found: list[tuple[int, str]] = []

    def literals(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "text":
            return  # a catalogue lookup: its key is not a sentence
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        for child in ast.iter_child_nodes(node):
            literals(child)

    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            literals(node.exc)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("print", "warn"):
                for arg in node.args:
                    literals(arg)
            for keyword in node.keywords:
                if keyword.arg in SHOWN:
                    literals(keyword.value)
    return found


def english_literals(source: str, only: set[str] | None = None) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    if only is not None:
        parts = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in only]
        assert {n.name for n in parts} == only
        tree = ast.Module(body=parts, type_ignores=[])
    return [(line, s) for line, s in shown_literals(tree) if english_words(s)]


@pytest.mark.parametrize("name", OWNED + list(OWNED_FUNCTIONS))
def test_no_english_literal_is_shown_without_the_catalogue(name: str) -> None:
    source = (ROOT / name).read_text(encoding="utf-8")
    assert english_literals(source, OWNED_FUNCTIONS.get(name)) == []


def test_the_source_scan_finds_what_it_guards() -> None:
    assert english_literals('print(f"wrote {out}")') == [(1, "wrote ")]
    assert english_literals('raise ValueError("bad input")') == [(1, "bad input")]
    assert english_literals('p.add_argument("--x", help="the x")') == [(1, "the x")]
    assert english_literals('print(text("cli.wrote", path=p))') == []
    assert english_literals('print(f"df/dW = {w}")') == []
