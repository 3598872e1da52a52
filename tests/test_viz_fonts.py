"""Korean PNGs: drawn with a Hangul font (the system's or a pip package's), or a clear error."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import graphviz
import pytest

from microgradkr import examples
from microgradkr.cli import main
from microgradkr.viz import KoreanFontMissingError, draw, packaged_korean_font, save
from microgradkr.viz import render as viz  # where the font lookup lives
from microgradkr.viz.render import _korean_env

pytestmark = pytest.mark.skipif(
    not (shutil.which("dot") and shutil.which("fc-list")), reason="needs Graphviz and fontconfig"
)


@pytest.fixture
def no_hangul_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine whose fontconfig knows only DejaVu (Latin, Greek, Cyrillic; no Hangul)."""
    conf = tmp_path / "fonts.conf"
    dejavu = next(
        (
            d
            for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
            if Path(d).is_dir()
        ),
        None,
    )
    dirs = f"<dir>{dejavu}</dir>" if dejavu else ""
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig>{dirs}<cachedir>{tmp_path}/c</cachedir></fontconfig>',
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    monkeypatch.setattr(viz, "_FONT_ENV", {})
    return conf


def _width(png: bytes) -> int:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", png[16:20])[0])


def _picture() -> graphviz.Digraph:
    f, _ = examples.gate_patterns()
    f.backward()
    return draw(f, lang="ko")


@pytest.mark.skipif(packaged_korean_font() is None, reason='no `pip install "microgradkr[ko]"`')
def test_korean_png_without_a_hangul_font_uses_the_packaged_one(
    no_hangul_font: Path, tmp_path: Path
) -> None:
    assert viz._has_hangul_font({"FONTCONFIG_FILE": str(no_hangul_font)}) is False
    d = _picture()
    tofu = graphviz.Digraph.pipe(d, format="png")  # what dot drew before: boxes for Hangul
    png = save(d, tmp_path / "ko.png").read_bytes()
    env = _korean_env()
    assert env and env["FONTCONFIG_FILE"] != str(no_hangul_font)
    assert viz._has_hangul_font(env) is True  # fc-list, inside the config given to dot
    assert str(packaged_korean_font()) in Path(env["FONTCONFIG_FILE"]).read_text()
    # Boxes are wider than Hangul glyphs: the same picture, drawn with the font, is narrower.
    assert _width(png) < 0.85 * _width(tofu)


def test_korean_png_with_no_font_at_all_is_refused_naming_the_fix(
    no_hangul_font: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(viz, "FONT_PACKAGES", ())
    d = _picture()
    with pytest.raises(
        KoreanFontMissingError, match=r'pip install "microgradkr\[ko\]".*fonts-nanum'
    ):
        save(d, tmp_path / "ko.png")
    assert not (tmp_path / "ko.png").exists()
    assert b"<svg" in d.pipe(format="svg")  # SVG: the viewer's fonts, no check
    f, _ = examples.gate_patterns()
    f.backward()
    save(draw(f), tmp_path / "en.png")  # no Hangul in it: no font needed
    # the demo, the main job, still succeeds: SVGs (the browser's fonts), and it says why no PNG
    assert main(["demo", "--lang", "ko", "--out", str(tmp_path / "demo")]) == 0
    err = capsys.readouterr().err
    assert "SVG" in err and "microgradkr[ko]" in err
    assert (tmp_path / "demo" / "1a_add_mul.svg").exists()
    assert not list((tmp_path / "demo").glob("*.png"))


def test_with_a_system_hangul_font_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viz, "_FONT_ENV", {})
    monkeypatch.setattr(viz, "_has_hangul_font", lambda env: True)
    assert _korean_env() == {}
