"""The Tensor demos run and print REFERENCE.md's numbers (so they cannot rot)."""

from __future__ import annotations

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
    name: str, expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    runpy.run_path(str(DEMOS / name), run_name="__main__")
    out = capsys.readouterr().out
    for text in expected:
        assert text in out
    assert "DIFFERENT" not in out and "FAILED" not in out
