"""Find English a learner would see that bypasses the catalogue: a scan of modules' source (ast).

``untranslated(modules)`` lists the string literals of the given modules that hold English
prose: an English word (2+ Latin letters, not a code name of ``CODE_WORDS``) with a space beside
it ("so far", "step ", ": loss "), or any English word as a dict value ({"norm": "norm"}). A
literal without spaces elsewhere is a name or a key (``"legend_vjp"``). Not counted:

- a docstring;
- code, not text: a dict key, a subscript (``t["local"]``), an operand of ``==``/``in``, an
  argument of ``getattr``/``startswith``/``isinstance``-like calls (``CODE_CALLS``), the keys and
  values of a DOT attribute (``style="rounded"``) or markup (tag and attribute names, which
  ``_MARKUP`` removes before looking);
- an error message (inside ``raise``): errors are the programmer's, in English for now
  (the CLI's user-facing errors have their own catalogue section);
- a name in ``EXEMPT`` (module -> assigned name -> why): templates of code (HTML, CSS, JS)
  and error hints kept outside ``raise``.

A literal that is left reaches the user (a label, a title, a legend row, a page text) and
should be a catalogue key looked up with ``text()`` instead. The other catalogue sections (the
CLI's) call this with their modules too.
"""

from __future__ import annotations

import ast
import inspect
import re
from types import ModuleType

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
_FIELD = re.compile(r"\{[^{}]*\}")
_MARKUP = re.compile(
    r'<+[!?/]?[A-Za-z][^<>]*>?|&[a-z]+;|#[0-9a-fA-F]{3,8}\b|[\w:-]+=("[^"]*"?|\S*)'
)
"""Markup and code fragments: tags (even cut by an f-string field), entities, colours, attr=..."""

_CODE = """
    LR RL TB BT VJP ReLU ko en lang id ids nan inf
    bold plain filled rounded dashed solid dotted invis ellipse box none white black
    shape style color fillcolor bgcolor fontcolor fontname fontsize label labelloc penwidth
    rankdir ranksep nodesep arrowsize arrowhead compound cluster true false
    svg png utf gv dot html json xml xmlns xlink br td tr table font
    op ops grad data const axis int None px solid function hidden subgraph legend
"""
CODE_WORDS = frozenset(_CODE.split())
"""Words that are code names, DOT/SVG/CSS vocabulary or file formats, never prose."""

CODE_CALLS = frozenset(
    {
        "getattr",
        "hasattr",
        "setattr",
        "isinstance",
        "startswith",
        "endswith",
        "get",
        "pop",
        "setdefault",
        "split",
        "join",
        "replace",
        "format",
        "pipe",
        "re.compile",
        "compile",
        "files",
        "_static",
        "ContextVar",
        "register_namespace",
        "find",
        "findall",
        "iter",
        "SubElement",
        "set",
        "text",
        "message",
        "Words",
        "words",
        "Check",
    }
)
"""Calls whose string arguments are names, keys, patterns or catalogue keys, not text."""


EXEMPT: dict[str, dict[str, str]] = {
    "microgradkr.viz.steps": {
        "_HTML": "the step page's HTML/CSS/JS template; its words are filled from the catalogue",
        "_STYLE": "CSS",
    },
    "microgradkr.viz.notebook": {
        "ESM": "the widget's JavaScript",
        "iframe": "the notebook's iframe and its script (HTML, CSS, JS)",
    },
    "microgradkr.viz.style": {"FONTS": "font family names"},
    "microgradkr.viz.pure": {"HANGUL_FONTS": "a package, its font file and the family name"},
    "microgradkr.viz.dot": {"hint": "the tail of draw's TypeError message"},
}
"""Assignments whose strings are not text for a learner, each with the reason."""


def _is_code_position(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the literal ``node`` is used as code (a key, an index, a name) rather than text."""
    parent = parents.get(node)
    if isinstance(parent, ast.Dict) and node in parent.keys:
        return True
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return True
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, ast.keyword):  # DOT/SVG attribute values: style="rounded,dashed"
        return True
    if isinstance(parent, ast.Call):
        f = parent.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        return name in CODE_CALLS
    return False


def _inside(node: ast.AST, parents: dict[ast.AST, ast.AST], kind: type) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, kind):
            return True
    return False


def _assigned_to(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> set[str]:
    """The names the statement holding ``node`` assigns to, and the functions around it."""
    names: set[str] = set()
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names


def _assigns(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign | ast.AnnAssign)


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _docstrings(tree: ast.AST) -> set[ast.AST]:
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body:
            continue
        # the first statement, and an attribute's docstring: a string right after an assignment
        heads = [body[0]] + [b for a, b in zip(body, body[1:], strict=False) if _assigns(a)]
        for stmt in heads:
            if isinstance(stmt, ast.Expr) and _is_str(stmt.value):
                out.add(stmt.value)
    return out


def english_words(literal: str) -> list[str]:
    """The words of ``literal`` that are English, not code: fields and markup removed first."""
    stripped = _MARKUP.sub(" ", _FIELD.sub(" ", literal))
    return [w for w in WORD.findall(stripped) if _english(w)]


def _english(word: str) -> bool:
    """A word, not a name: letters only (no '_' or digit, which identifiers have), not code."""
    return word.isalpha() and word not in CODE_WORDS


def prose(literal: str) -> bool:
    """Whether ``literal`` reads as text: an English word with whitespace beside it."""
    stripped = _MARKUP.sub(" ", _FIELD.sub(" ", literal))
    spaced = len(stripped.split()) > 1 or stripped != stripped.strip()
    return spaced and any(_english(w) for w in WORD.findall(stripped))


def untranslated(modules: list[ModuleType]) -> list[str]:
    """'module:line: literal' for each literal with English that may reach the user."""
    return [found for m in modules for found in scan(m.__name__, inspect.getsource(m))]


def scan(name: str, source: str) -> list[str]:
    """``untranslated`` for one module's source, ``name`` its dotted name (for ``EXEMPT``)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    skip = _docstrings(tree)
    exempt = EXEMPT.get(name, {})
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if node in skip or _is_code_position(node, parents) or _inside(node, parents, ast.Raise):
            continue
        if _assigned_to(node, parents) & exempt.keys():
            continue
        parent = parents.get(node)
        words = node.value.replace(" ", "").isalpha() and english_words(node.value)
        if prose(node.value) or (isinstance(parent, ast.Dict) and words):
            found.append(f"{name}:{node.lineno}: {node.value!r}")
    return found


# -- the page's own files: its scripts and its HTML template ---------------------------------

_SHOWS = re.compile(
    r"(?:textContent|innerText|innerHTML|title|placeholder|value)\s*=(?!=)(.*)"
    r"|\b(?:push|createTextNode|alert|confirm|prompt)\((.*)|\bsetPanel\([^,]*,(.*)"
)
"""Where a script puts text on the screen: what it assigns to a shown property, or passes to a
call that shows its arguments."""
_KEYED = re.compile(
    r"\b(?:w|tr|getElementById|querySelector|querySelectorAll|getAttribute|contains|join|split"
    r"|indexOf)\([^()]*\)"
)
"""Calls whose string arguments are catalogue keys, selectors or separators, not text."""
_COMPARED = re.compile(r"""[!=]==?\s*("[^"]*"|'[^']*')|("[^"]*"|'[^']*')\s*[!=]==?|\[\s*"\w+\"""")
"""Code, not text: an operand of a comparison, a tag first in an array (["grad", text])."""
_JS_STRING = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")
_HTML_TEXT = re.compile(r">([^<>]+)<|(?<![\w-])(?:title|aria-label|placeholder|alt)=\"([^\"]*)\"")
_LETTERS = re.compile(r"[A-Za-z]{2,}|[가-힣]")


def shown_literals(source: str, html: bool = False) -> list[tuple[int, str]]:
    """(line, literal) for each word a page script (or, ``html``, the page's HTML) shows as
    written instead of looking it up with ``w(key)``: a string with letters put on the screen.
    The HTML's ``$name`` fields are filled from the catalogue by page.py."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        if html:
            texts = [a or b for a, b in _HTML_TEXT.findall(re.sub(r"\$\w+", "", line))]
        else:
            texts = []
            for match in _SHOWS.finditer(line):
                shown, previous = next(g for g in match.groups() if g is not None), ""
                while shown != previous:  # innermost calls first: w(x.getAttribute("data-title"))
                    previous, shown = shown, _KEYED.sub(" ", shown)
                texts += [a or b for a, b in _JS_STRING.findall(_COMPARED.sub(" ", shown))]
        found += [(number, t) for t in texts if _LETTERS.search(t)]
    return found
