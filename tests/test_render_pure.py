"""Rendering after pip install alone: no dot on PATH and no Hangul font, the graphviz-pure wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from microgradkr import draw, examples, tensor
from microgradkr.viz import pure
from microgradkr.viz import render as viz

PURE = Path(sysconfig.get_path("scripts")) / "graphviz-pure"
needs_pure = pytest.mark.skipif(
    not PURE.exists(), reason="the graphviz-pure wheel is not installed (pip install graphviz-pure)"
)
needs_resvg = pytest.mark.skipif(
    not pure.can_draw_hangul(), reason="no resvg-py or pylopdf-fonts-ko (microgradkr's deps)"
)
PNG = b"\x89PNG\r\n\x1a\n"


def fresh_machine(tmp_path: Path) -> dict[str, str]:
    """The environment of a learner's machine: on PATH only graphviz-pure (no dot), and a
    fontconfig that knows no font (so none with Hangul)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "graphviz-pure").symlink_to(PURE)
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<fontconfig><cachedir>{tmp_path}/fc</cachedir></fontconfig>", "utf-8")
    env = {"PATH": str(bindir), "HOME": str(tmp_path), "FONTCONFIG_FILE": str(conf)}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env | {k: os.environ[k] for k in ("LANG", "SYSTEMROOT") if k in os.environ}


@pytest.fixture
def on_fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as on a fresh machine: graphviz-pure draws, fontconfig has no Hangul."""
    for key, value in fresh_machine(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(viz, "_FONT_ENV", {})
    assert shutil.which("dot") is None


SCRIPT = """
import shutil, sys
from microgradkr import draw, examples
from microgradkr.viz import save
assert shutil.which("dot") is None, "dot must not be on PATH here"
f, _ = examples.gate_patterns()
f.backward()
out = sys.argv[1]
save(draw(f), out + "/g.svg")
save(draw(f), out + "/g.png")
save(draw(f, lang="ko"), out + "/ko.svg")
save(draw(f, lang="ko"), out + "/ko.png")  # Hangul from the packaged font, drawn by resvg
print("ok")
"""


@needs_pure
@needs_resvg
def test_a_machine_without_dot_draws_svg_and_png_through_the_wheel(tmp_path: Path) -> None:
    # this interpreter (its packages: what pip install put in the venv), nothing of the system's
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        env=fresh_machine(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # no "no hard-coded metrics" warnings
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "-8" in svg
    assert (tmp_path / "g.png").read_bytes()[:8] == PNG
    assert "기울기" in (tmp_path / "ko.svg").read_text(encoding="utf-8")
    assert (tmp_path / "ko.png").read_bytes()[:8] == PNG


def _shifted(text: str) -> str:
    """Every Hangul syllable replaced by the next one: other glyphs, the same widths."""
    return re.sub("[\uac00-\ud7a2]", lambda m: chr(ord(m.group(0)) + 1), text)


@needs_pure
@needs_resvg
def test_korean_png_without_dot_or_hangul_font_draws_the_hangul(on_fresh_machine: None) -> None:
    f, _ = examples.gate_patterns()
    f.backward()
    d = draw(f, lang="ko")
    png = d.pipe(format="png")
    d.body[:] = [_shifted(line) for line in d.body]
    other = d.pipe(format="png")
    assert png[:8] == other[:8] == PNG
    assert png[16:24] == other[16:24]  # the same width and height: the same layout
    # Empty boxes (no glyph) look alike for any syllable: other syllables, other pixels.
    assert png != other


def _texts_outside_their_boxes(svg: str) -> list[str]:
    """Texts of nodes drawn with a box (tables) that reach past it, by Helvetica's advances
    (Arimo's, which graphviz-pure draws with) and a full em for each Hangul syllable."""
    ns = "{http://www.w3.org/2000/svg}"
    outside = []
    for g in ET.fromstring(svg).iter(f"{ns}g"):
        if g.get("class") != "node" or g.find(f"{ns}polygon") is None:
            continue
        xs = [
            float(p.split(",")[0])
            for poly in g.iter(f"{ns}polygon")
            for p in (poly.get("points") or "").split()
        ]
        for t in g.iter(f"{ns}text"):
            if t.get("font-weight") == "bold" or not t.text:
                continue
            w = sum(_em(c) for c in t.text) * float(t.get("font-size") or 14)
            x = float(t.get("x") or 0)
            left = {"start": x, "middle": x - w / 2, "end": x - w}[t.get("text-anchor") or "start"]
            if left < min(xs) - 0.5 or left + w > max(xs) + 0.5:
                outside.append(t.text)
    return outside


# Helvetica's advance widths (Adobe's AFM, 1/1000 em) for ASCII 32..126.
HELVETICA = (
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
    + [556] * 10
    + [278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278]
    + [500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667]
    + [611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222]
    + [222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500]
    + [500, 334, 260, 334, 584]
)


def _em(c: str) -> float:
    return HELVETICA[ord(c) - 32] / 1000 if " " <= c <= "~" else 1.0


def _pictures() -> list[tuple[str, object]]:
    f, _ = examples.gate_patterns()
    f.backward()
    x = tensor([[0.22, 0.26], [-1.5, 3.25]], requires_grad=True, label="x")
    t = (x * x).sum()
    t.backward()
    dy, _ = examples.tanh_second_derivative()
    dy.backward()  # its legend has the box of backward(create_graph=True)'s nodes
    return [
        (f"{lang} {name}", (r, lang))
        for lang in ("en", "ko")
        for name, r in (("values", f), ("tensors", t), ("second derivative", dy))
    ]


@needs_pure
@pytest.mark.parametrize("name,picture", _pictures(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_graphviz_pure_text_lies_within_its_box(
    name: str, picture: tuple[object, str], on_fresh_machine: None
) -> None:
    root, lang = picture
    svg = draw(root, lang=lang).pipe(format="svg", encoding="utf-8")  # type: ignore[arg-type]
    assert "graphviz-pure" in svg
    assert _texts_outside_their_boxes(svg) == []


@needs_pure
def test_the_legend_box_is_drawn_with_a_glyph_the_font_has(on_fresh_machine: None) -> None:
    dy, _ = examples.tanh_second_derivative()
    dy.backward()
    d = draw(dy)
    assert "▭" in d.source and "▭" in d.pipe(format="svg", encoding="utf-8")  # a viewer's fonts
    assert "▭" not in pure.measured(d.source, pure.STAND_INS)  # Arimo has no ▭
    assert "□" in pure.measured(d.source, pure.STAND_INS)
    assert d.pipe(format="png")[:8] == PNG
