"""Rendering after pip install alone: in a venv whose PATH has no dot, the graphviz-pure wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PURE = Path(sysconfig.get_path("scripts")) / "graphviz-pure"
needs_pure = pytest.mark.skipif(
    not PURE.exists(), reason="the graphviz-pure wheel is not installed (pip install graphviz-pure)"
)

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
save(draw(f, lang="ko"), out + "/ko.svg")  # SVG: the viewer's fonts draw the Hangul
from microgradkr.viz import KoreanFontMissingError
try:  # the wheel's PNG fonts have no Hangul: refused, never a picture of empty boxes
    save(draw(f, lang="ko"), out + "/ko.png")
except KoreanFontMissingError as err:
    print("refused:", err)
print("ok")
"""


@needs_pure
def test_a_venv_without_dot_draws_svg_and_png_through_the_wheel(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    bindir = venv / "bin"
    # what `pip install graphviz-pure` puts in a venv: its command, next to the venv's python
    if not (bindir / "graphviz-pure").exists():
        shutil.copy2(PURE, bindir / "graphviz-pure")
    env = {
        "PATH": str(bindir),  # the venv only: no /usr/bin, so no system dot
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "HOME": str(tmp_path),
    }
    if "LANG" in os.environ:
        env["LANG"] = os.environ["LANG"]
    run = subprocess.run(
        [str(bindir / "python"), "-c", SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "-8" in svg
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "기울기" in (tmp_path / "ko.svg").read_text(encoding="utf-8")
    assert "refused: " in run.stdout and "graphviz-pure" in run.stdout
    assert not (tmp_path / "ko.png").exists()
