"""The command line's parser, its --help and its usage errors in the learner's language.

argparse builds the help before it parses, so the language is read first from ``argv``
(``--lang ko``, ``--glossary pytorch-ko``, before the command or after it: after wins), else
from the environment (``MICROGRADKR_LANG``, ``MICROGRADKR_GLOSSARY``), else English. argparse's
own words (usage:, its error messages) are replaced from the catalogue: its section titles and
-h by ours, its messages by pattern.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from argparse import SUPPRESS
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NoReturn

from .columns import wide
from .expr import MAX_LENGTH, MAX_PARTS, allowed
from .i18n import LANGS, text
from .i18n.glossary import GLOSSARIES
from .version import __version__

PROG = "python -m microgradkr"
EXAMPLES = {
    "draw": f'{PROG} draw "(x + y) * z" --at x=-2 y=5 z=-4 -o graph.svg',
    "explore": f'{PROG} explore "(x + y) * z" --at x=-2 y=5 z=-4',
}


def chosen_language(argv: Sequence[str]) -> tuple[str, str]:
    """(lang, glossary) from ``--lang``/``--glossary`` in argv, else the environment, else en."""
    found = {
        "--lang": os.environ.get("MICROGRADKR_LANG", ""),
        "--glossary": os.environ.get("MICROGRADKR_GLOSSARY", ""),
    }
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if name in found:
            found[name] = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
    lang, glossary = found["--lang"], found["--glossary"]
    # a wrong value is left to argparse to report; here it only must not break the help
    return (lang if lang in LANGS else "en", glossary if glossary in GLOSSARIES else "dlfs")


ARGPARSE = [  # argparse's own messages (Python 3.10-3.13), said in the current language
    (r"argument (?P<name>.+?): (?P<message>.+)", "cli.arg.argument"),
    (r"the following arguments are required: (?P<names>.+)", "cli.arg.required"),
    (r"unrecognized arguments: (?P<names>.+)", "cli.arg.unrecognized"),
    (r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)", "cli.arg.choice"),
    (r"invalid (?P<type>\w+) value: (?P<value>.+)", "cli.arg.type"),
    (r"expected one argument", "cli.arg.one"),
    (r"expected at least one argument", "cli.arg.some"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "cli.arg.ambiguous"),
    (r"ignored explicit argument (?P<value>.+)", "cli.arg.explicit"),
]


def argparse_message(message: str) -> str:
    """One of argparse's messages in the current language (unchanged if it is not a known one)."""
    for pattern, key in ARGPARSE:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            fields = match.groupdict()
            if "message" in fields:
                fields["message"] = argparse_message(fields["message"])
            return text(key, None, None, None, **fields)
    return message


WIDE = "\ue000"  # a private-use character: never in a message, so safe to remove afterwards


def _measured(words: str) -> str:
    """``words`` with a placeholder after each wide character, so that len() counts columns."""
    return "".join(c + WIDE if wide(c) else c for c in words)


class Formatter(argparse.HelpFormatter):
    """argparse's help layout, with "usage: " from the catalogue, aligned in terminal columns.

    argparse pads and wraps by len(), but a Hangul syllable takes two columns: every text it
    lays out is ``_measured`` (len() = columns), and the finished help drops the placeholders.
    """

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None = None,
    ) -> None:
        prefix = text("cli.usage") if prefix is None else prefix
        super().add_usage(usage, actions, groups, _measured(prefix))

    def start_section(self, heading: str | None) -> None:
        super().start_section(heading if heading is None else _measured(heading))

    def add_text(self, words: str | None) -> None:
        super().add_text(words if words is None else _measured(words))

    def _expand_help(self, action: argparse.Action) -> str:
        return _measured(super()._expand_help(action))

    def _metavar_formatter(
        self, action: argparse.Action, default_metavar: str
    ) -> Callable[[int], tuple[str, ...]]:
        metavars = super()._metavar_formatter(action, default_metavar)
        return lambda size: tuple(_measured(m) for m in metavars(size))

    def format_help(self) -> str:
        return super().format_help().replace(WIDE, "")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are in the current language."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {text('cli.error', message=argparse_message(message))}\n")


def _command(sub: Any, name: str, run: Callable[[argparse.Namespace], int]) -> tuple[Any, Any]:
    """A sub-command's groups of arguments and of options, titled from the catalogue (argparse's
    own titles are English); a group left empty is not shown."""
    parser: Parser = sub.add_parser(
        name,
        help=text(f"cli.{name}.help"),
        description=text(
            f"cli.{name}.description", allowed=allowed(), length=MAX_LENGTH, parts=MAX_PARTS
        ),
        epilog=text("cli.example", command=EXAMPLES[name]) if name in EXAMPLES else None,
        formatter_class=Formatter,
        add_help=False,
    )
    parser.set_defaults(run=run)
    positionals = parser.add_argument_group(text("cli.positionals"))
    options = parser.add_argument_group(text("cli.options"))
    options.add_argument("-h", "--help", action="help", help=text("cli.help"))
    return positionals, options


def _language_options(options: Any, lang: str = SUPPRESS, glossary: str = SUPPRESS) -> None:
    """--lang and --glossary; a command's have no default, so only a given one replaces the
    value before the command (argparse copies the command's values over the top parser's)."""
    options.add_argument("--lang", choices=LANGS, default=lang, help=text("cli.lang"))
    options.add_argument(
        "--glossary", choices=GLOSSARIES, default=glossary, help=text("cli.glossary")
    )


def _expression_options(positionals: Any, options: Any, name: str, output: str) -> None:
    """The expression and what draw and explore share: --at, -o."""
    positionals.add_argument(
        "expression", metavar=text("cli.metavar.expression"), help=text(f"cli.{name}.expression")
    )
    options.add_argument(
        "--at", nargs="+", default=[], metavar=text("cli.metavar.at"), help=text("cli.at")
    )
    options.add_argument(
        "-o",
        "--output",
        default=output,
        metavar=text("cli.metavar.output"),
        help=text(f"cli.{name}.output"),
    )


def parser(commands: Mapping[str, Callable[[argparse.Namespace], int]]) -> Parser:
    """The parser of ``python -m microgradkr``, its help in the current language."""
    lang, glossary = chosen_language([])  # the defaults: the environment's, not argv's
    top = Parser(
        prog=PROG, description=text("cli.description"), formatter_class=Formatter, add_help=False
    )
    sub = top.add_subparsers(
        title=text("cli.commands"), dest="command", required=True, metavar="{demo,draw,explore}"
    )
    top_options = top.add_argument_group(text("cli.options"))
    top_options.add_argument("-h", "--help", action="help", help=text("cli.help"))
    top_options.add_argument(
        "--version",
        action="version",
        version=f"microgradkr {__version__}",
        help=text("cli.version"),
    )
    _language_options(top_options, lang, glossary)  # before the command too: --lang ko demo
    _, options = _command(sub, "demo", commands["demo"])
    options.add_argument(
        "--out",
        default="microgradkr-demo",
        metavar=text("cli.metavar.out"),
        help=text("cli.demo.out"),
    )
    _language_options(options)

    positionals, options = _command(sub, "draw", commands["draw"])
    _expression_options(positionals, options, "draw", "graph.svg")
    options.add_argument("--format", choices=("svg", "png", "dot"), help=text("cli.format"))
    options.add_argument("--steps", action="store_true", help=text("cli.steps"))
    options.add_argument("--trace", action="store_true", help=text("cli.trace"))
    _shared_options(options)

    positionals, options = _command(sub, "explore", commands["explore"])
    _expression_options(positionals, options, "explore", "graph.html")
    _shared_options(options)
    return top


def _shared_options(options: Any) -> None:
    _language_options(options)
    options.add_argument(
        "--precision",
        type=int,
        default=4,
        metavar=text("cli.metavar.precision"),
        help=text("cli.precision"),
    )
    options.add_argument(
        "--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR", help=text("cli.rankdir")
    )
