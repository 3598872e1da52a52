"""The Tensor demos run and print docs/reference.md's numbers (so they cannot rot)."""

from __future__ import annotations

import html
import runpy
from pathlib import Path

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "tensor_l2.py",
            ["[0.22 0.26]", "0.116", "[0.44 0.52]", "[-0.112  0.636]", "[0.104 0.208]"],
        ),
        ("tensor_affine.py", ["(the same)", "passed"]),
        (
            "tensor_softmax.py",
            ["0.01821127 0.24519181 0.73659691", "9.99954600e-01", "the same: True"],
        ),
    ],
)
def test_demo_prints_the_reference_numbers(
    name: str,
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # where a demo saves its pictures
    runpy.run_path(str(DEMOS / name), run_name="__main__")
    out = capsys.readouterr().out
    for text in expected:
        assert text in out
    assert "DIFFERENT" not in out and "FAILED" not in out


def test_l2_demo_saves_its_diagram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(DEMOS / "tensor_l2.py"), run_name="__main__")
    pictures = sorted(p.name for p in tmp_path.iterdir())
    assert pictures in (["tensor_l2.png", "tensor_l2.svg"], ["tensor_l2.gv"])  # gv: no Graphviz
    if pictures[0].endswith(".png"):
        svg = html.unescape((tmp_path / "tensor_l2.svg").read_text(encoding="utf-8"))
        assert "[0.44, 0.52]" in svg and "[-0.112, 0.636]" in svg
