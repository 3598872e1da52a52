"""--help in Korean lines up in a terminal, where a Hangul syllable takes two columns.

argparse pads and wraps by characters; these tests read the help as a terminal shows it
(``columns.width``) and check that its columns line up and its lines fit.
"""

from __future__ import annotations

import argparse
import re

import pytest

from microgradkr.cli import main
from microgradkr.cli_parser import parser
from microgradkr.columns import width
from microgradkr.i18n import language

COMMANDS = [[], ["demo"], ["draw"], ["explore"]]
TERMINAL = 80  # argparse lays the help out in $COLUMNS - 2


def korean_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main([*command, "--help", "--lang", "ko"])
    return capsys.readouterr().out


def description_columns(help_text: str) -> list[int]:
    """The terminal column where each description line starts, in the sections of options."""
    columns = []
    for block in help_text.split("\n\n")[1:]:  # the first block is the usage
        heading, *entries = block.splitlines()
        if heading.startswith(" ") or not entries or not all(e.startswith("  ") for e in entries):
            continue  # a description or the example, not a section of options
        for line in entries:
            indent = len(line) - len(line.lstrip(" "))
            entry = re.match(r"( +\S.*?  +)\S", line)
            if indent <= 4 and entry:  # "  -o 파일, --output 파일  쓸 파일"
                columns.append(width(entry.group(1)))
            elif indent > 4:  # a description's next line
                columns.append(indent)
    return columns


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_every_korean_description_starts_in_one_column(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(TERMINAL))
    help_text = korean_help(command, capsys)
    columns = description_columns(help_text)
    assert len(columns) >= 2 and len(set(columns)) == 1, help_text
    assert max(width(line) for line in help_text.splitlines()) <= TERMINAL, help_text


@pytest.mark.parametrize("command", COMMANDS[1:], ids=lambda c: " ".join(c))
def test_the_korean_usage_continues_under_its_first_option(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(TERMINAL))
    first, *rest = korean_help(command, capsys).split("\n\n")[0].splitlines()
    start = width(first[: first.index("[-h]")])  # "사용법: python -m microgradkr draw "
    assert rest and all(width(line) - width(line.lstrip(" ")) == start for line in rest), first


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_the_language_before_the_command_gives_the_same_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "ko", *command, "--help"])
    assert capsys.readouterr().out == korean_help(command, capsys)


def test_the_english_help_is_argparse_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """English is laid out byte for byte as argparse's own HelpFormatter does."""
    monkeypatch.setenv("COLUMNS", str(TERMINAL))
    with language("en", "dlfs"):
        top = parser({"demo": main, "draw": main, "explore": main})
        sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
        for each in [top, *sub.choices.values()]:
            ours = each.format_help()
            each.formatter_class = argparse.HelpFormatter
            assert ours == each.format_help()
