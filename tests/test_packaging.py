"""What ``pip install .`` ships: every module and data file of the package is in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_every_module_and_static_file(tmp_path: Path) -> None:
    # built from a copy: setuptools builds in the tree, and a build/ left there would both
    # litter the checkout and hand the next build its stale modules
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "microgradkr", src / "microgradkr", ignore=shutil.ignore_patterns("__pycache__")
    )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(src)],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.skip(f"no wheel could be built here (pip wheel failed): {build.stderr[-300:]}")
    wheel = next(tmp_path.glob("microgradkr-*.whl"))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "microgradkr"
    wanted = {
        p.relative_to(ROOT).as_posix()
        for p in package.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and (p.suffix == ".py" or "static" in p.parts)
    }
    assert wanted, "no source files found"
    assert not wanted - shipped, f"missing from the wheel: {sorted(wanted - shipped)}"
