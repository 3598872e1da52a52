"""Running Graphviz: ``dot`` or the graphviz-pure wheel, and a Hangul font for PNGs."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import graphviz
from graphviz.backend import dot_command

from .. import checks_args
from ..i18n import text
from . import pure

INSTALL_HINT = text("viz.err.install", "en")
"""What to install for pictures (the error says it in the current language)."""


class DiagramTooLargeError(ValueError):
    """The graph would take Graphviz too long to lay out; says how big, and which option."""

    def __init__(self, message: str, count: int, option: str) -> None:
        super().__init__(message)
        self.count = count  # the graph's nodes (max_nodes) or its layout size (max_layout)
        self.option = option


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` is installed; says how to install one."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, text("viz.err.install"))


@contextmanager
def _dot_executable() -> Iterator[None]:
    """Run Graphviz as ``dot`` if it is on PATH, else as ``graphviz-pure``, else explain."""
    if shutil.which("dot") or Path("dot") != dot_command.DOT_BINARY:
        yield  # the system's dot, or one the user chose by setting graphviz's DOT_BINARY
        return
    pure = shutil.which("graphviz-pure")
    if pure is None:
        raise GraphvizNotFoundError()
    saved = dot_command.DOT_BINARY
    dot_command.DOT_BINARY = Path(pure)  # same command line as dot: -K, -T, stdin
    try:
        yield
    finally:
        dot_command.DOT_BINARY = saved


def _pure() -> bool:
    """Whether Graphviz runs as graphviz-pure (no ``dot``)."""
    return Path(dot_command.DOT_BINARY).name == "graphviz-pure"


# -- Hangul in pictures Graphviz draws itself (PNG, PDF): a font that has it, or a clear error

FONT_PACKAGES = (("koreanize_matplotlib", "fonts"), ("pylopdf_fonts_ko", ""))
"""Python packages that ship a Hangul font (OFL): (import name, folder of the fonts)."""
RASTER = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "pdf", "ps", "eps"})
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


class KoreanFontMissingError(FileNotFoundError):
    """A PNG or PDF with Hangul, and no font that has it; says what to install."""

    def __init__(self, hint: str = "viz.err.ko_font") -> None:
        # in Korean first: the picture is Korean, whatever language is set
        super().__init__(text(hint, "ko") + "\n" + text(hint, "en"))


def _has_hangul_font(env: dict[str, str]) -> bool | None:
    """Whether fontconfig (which Graphviz draws text with) knows a font with Hangul; None: no
    ``fc-list`` to ask."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=ko", "file"], env=env, capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(out.stdout.strip())


def packaged_korean_font() -> Path | None:
    """The folder of a Hangul font shipped by a pip package (``microgradkr[ko]``), not imported."""
    for name, folder in FONT_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for where in (spec.submodule_search_locations or []) if spec else []:
            fonts = Path(where) / folder
            if any(fonts.glob("*.[ot]tf")):
                return fonts
    return None


_FONT_ENV: dict[tuple[str, str], dict[str, str] | None] = {}


def _korean_env() -> dict[str, str] | None:
    """Environment changes that give Graphviz a Hangul font: none needed ({}), a fontconfig
    file adding a packaged font's folder to the usual ones, or None: no font to be found."""
    env = dict(os.environ)
    key = (env.get("FONTCONFIG_FILE", ""), env.get("PATH", ""))
    if key in _FONT_ENV:
        return _FONT_ENV[key]
    found = _has_hangul_font(env)
    result: dict[str, str] | None = {}
    if not found:
        fonts = packaged_korean_font()
        if fonts is None:
            result = None if found is False else {}  # no fc-list: cannot tell, draw anyway
        else:
            base = env.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
            folder = Path(tempfile.mkdtemp(prefix="microgradkr-fonts-"))
            conf = folder / "fonts.conf"
            conf.write_text(
                '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                f'  <include ignore_missing="yes">{html.escape(base)}</include>\n'
                f"  <dir>{html.escape(str(fonts))}</dir>\n"
                f"  <cachedir>{html.escape(str(folder / 'cache'))}</cachedir>\n"
                "</fontconfig>\n",
                encoding="utf-8",
            )
            result = {"FONTCONFIG_FILE": str(conf)}
    _FONT_ENV[key] = result
    return result


@contextmanager
def _fonts_for(source: str, fmt: str | None) -> Iterator[None]:
    """A PNG or PDF with Hangul gets a Hangul font, or KoreanFontMissingError; SVG keeps the
    viewer's fonts."""
    if (fmt or "").lower() not in RASTER or not _HANGUL.search(source) or _pure():
        yield  # graphviz-pure's Korean PNGs: Diagram._pipe_pure
        return
    env = _korean_env()
    if env is None:
        raise KoreanFontMissingError()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the graphviz package runs dot with this process's environment
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with ``dot`` or ``graphviz-pure``, or says how to.

    A PNG or PDF with Korean text is drawn with a Hangul font: the system's, or the one of
    ``pip install "microgradkr[ko]"``; with neither it raises ``KoreanFontMissingError``.
    """

    root: Any = None  # what draw() drew, and how: a notebook shows its interactive page
    view: dict[str, Any] = {}
    display: Callable[..., dict[str, Any]] | None = None  # set by microgradkr.viz.notebook

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        fmt = kwargs.get("format") or (args[0] if args else None) or self.format
        with _dot_executable(), _fonts_for(self.source, fmt):
            if _pure():
                return self._pipe_pure((fmt or "").lower(), args, kwargs)
            return super().pipe(*args, **kwargs)

    def _pipe_pure(self, fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """graphviz-pure's picture, measured as drawn; a Korean PNG drawn by resvg with a
        packaged Hangul font, or KoreanFontMissingError where neither is installed."""
        if len(args) < 5:
            kwargs.setdefault("quiet", True)  # its width warnings: what measured() made up for
        if fmt not in RASTER or not _HANGUL.search(self.source):
            source = pure.measured(self.source, pure.STAND_INS if fmt in RASTER else {})
            return graphviz.Source(source, engine=self.engine).pipe(*args, **kwargs)
        picture = graphviz.Source(
            pure.measured(self.source, pure.HANGUL_STAND_INS), engine=self.engine
        )
        font = pure.hangul_font()
        if fmt != "png" or font is None or not pure.can_draw_hangul():
            raise KoreanFontMissingError("viz.err.pure_ko_font")
        svg = picture.pipe(format="svg", encoding="utf-8", quiet=True)
        return pure.hangul_png(svg, font)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> Any:
        """Jupyter: the interactive page of what was drawn; the picture where scripts are off."""
        if Diagram.display is not None and self.root is not None:
            return Diagram.display(self, include, exclude)
        return self.picture(include, exclude)

    def picture(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The picture alone, as graphviz shows it in a notebook (SVG)."""
        return dict(super()._repr_mimebundle_(include, exclude))

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_executable(), _fonts_for(self.source, kwargs.get("format") or self.format):
            if _pure():
                return self._render_pure(args, kwargs)
            return super().render(*args, **kwargs)

    def _render_pure(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """render() through graphviz-pure: the measured source, or a Korean PNG from pipe()."""
        fmt = (kwargs.get("format") or self.format or "").lower()
        if fmt in RASTER and _HANGUL.search(self.source):  # the DOT file, and pipe()'s PNG
            named = {**kwargs, **dict(zip(("filename", "directory"), args, strict=False))}
            gv = self.save(named.get("filename"), named.get("directory"))
            out = Path(kwargs.get("outfile") or f"{gv}.{fmt}")
            out.write_bytes(self.pipe(format=fmt))
            return str(out)
        source = pure.measured(self.source, pure.STAND_INS if fmt in RASTER else {})
        copy = graphviz.Source(source, self.filename, self.directory, engine=self.engine)
        return copy.render(*args, **{"format": self.format, "quiet": True, **kwargs})


def save(diagram: graphviz.Digraph, path: str | Path, format: str | None = None) -> Path:
    """Render ``diagram`` to exactly ``path``, format from the suffix (svg, png; dot: the text)."""
    if not isinstance(diagram, graphviz.Digraph):
        raise TypeError(f"save: diagram must be what draw() returns, got {type(diagram).__name__}")
    if format is not None and not isinstance(format, str):
        raise TypeError(f"save: format must be a str such as 'svg' or None, got {format!r:.60}")
    path = checks_args.path("save", "path", path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt in ("dot", "gv"):
        path.write_text(diagram.source, encoding="utf-8")
        return path
    try:
        path.write_bytes(diagram.pipe(format=fmt))
    except ValueError as err:  # graphviz's own, listing its 60 formats
        if "format" not in str(err):
            raise
        raise ValueError(
            "save: format must be svg, png, pdf, dot or another of graphviz's formats,"
            f" got {fmt!r:.80}"
        ) from None
    return path
