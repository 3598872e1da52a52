"""What ``pip install microgradkr`` ships: every module and data file of the package, its
licences, its version and its types (PEP 561), and nothing else.

The wheel is built here from a copy of the tree, or taken from ``$MICROGRADKR_WHEEL`` (the one
``.ci/wheel.sh`` built with ``python -m build`` and checks with these same tests).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest

import microgradkr

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_FILES = ("pyproject.toml", "README.md", "LICENSE", "THIRD_PARTY_NOTICES")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel under test: $MICROGRADKR_WHEEL, else one built from a copy of this checkout."""
    given = os.environ.get("MICROGRADKR_WHEEL")
    if given:
        return Path(given)
    # built from a copy: setuptools builds in the tree, and a build/ left there would both
    # litter the checkout and hand the next build its stale modules
    tmp_path = tmp_path_factory.mktemp("wheel")
    src = tmp_path / "src"
    src.mkdir()
    for name in SHIPPED_FILES:
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
    return next(tmp_path.glob("microgradkr-*.whl"))


def source_version() -> str:
    """``__version__`` as written in microgradkr/version.py, read without importing it."""
    tree = ast.parse((ROOT / "microgradkr" / "version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__version__":
            return str(ast.literal_eval(node.value))
    raise AssertionError("no __version__ in microgradkr/version.py")


def metadata(wheel: Path) -> Message:
    """The wheel's METADATA headers."""
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        return HeaderParser().parsestr(whl.read(name).decode("utf-8"))


def test_the_wheel_holds_every_module_and_static_file(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "microgradkr"
    wanted = {
        p.relative_to(ROOT).as_posix()
        for p in package.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and (p.suffix == ".py" or "static" in p.parts or p.name == "py.typed")
    }
    assert wanted, "no source files found"
    assert {"microgradkr/viz/static/dagre.LICENSE", "microgradkr/py.typed"} <= wanted
    assert not wanted - shipped, f"missing from the wheel: {sorted(wanted - shipped)}"


def test_the_wheel_holds_nothing_but_the_package_and_its_metadata(wheel: Path) -> None:
    shipped = zipfile.ZipFile(wheel).namelist()
    dist_info = f"microgradkr-{metadata(wheel)['Version']}.dist-info/"
    stray = [
        n
        for n in shipped
        if not n.startswith(("microgradkr/", dist_info))
        or "__pycache__" in n
        or n.endswith((".pyc", ".pyo"))
    ]
    assert not stray, f"not the package's: {stray}"


def test_the_wheel_carries_the_licences(wheel: Path) -> None:
    meta = metadata(wheel)
    assert meta["License-Expression"] == "MIT"
    assert sorted(meta.get_all("License-File") or []) == ["LICENSE", "THIRD_PARTY_NOTICES"]
    dist_info = f"microgradkr-{meta['Version']}.dist-info/licenses/"
    with zipfile.ZipFile(wheel) as whl:
        licence = whl.read(dist_info + "LICENSE").decode("utf-8")
        notices = whl.read(dist_info + "THIRD_PARTY_NOTICES").decode("utf-8")
        dagre = whl.read("microgradkr/viz/static/dagre.LICENSE").decode("utf-8")
    assert licence.startswith("MIT License")
    assert "dagre.min.js" in notices and "dagre.LICENSE" in notices
    assert "Chris Pettitt" in dagre


def test_the_version_is_written_once_and_read_everywhere(wheel: Path) -> None:
    version = source_version()
    assert metadata(wheel)["Version"] == version
    assert wheel.name.startswith(f"microgradkr-{version}-")
    assert microgradkr.__version__ == version
    cli = subprocess.run(
        [sys.executable, "-m", "microgradkr", "--version"], capture_output=True, text=True
    )
    assert (cli.returncode, cli.stdout) == (0, f"microgradkr {version}\n")


USER_SCRIPT = """\
from microgradkr import Tensor, Value, __version__

x = Value(-2.0, "x")
f = (x + Value(5.0, "y")) * Value(-4.0, "z")
f.backward()
grad: float = x.grad
version: str = __version__
t = Tensor([1.0, 2.0], requires_grad=True)
"""


def test_a_users_type_checker_sees_the_installed_wheels_types(wheel: Path, tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy (the dev extra) checks a user's script")
    site = tmp_path / "site"  # the wheel installed as pip installs it, without its dependencies
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    user = tmp_path / "user"  # outside the source tree: mypy must find the installed package
    user.mkdir()
    (user / "good.py").write_text(USER_SCRIPT, encoding="utf-8")
    (user / "bad.py").write_text(USER_SCRIPT + "name: int = x.data\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("MYPYPATH", None)  # a MYPYPATH would read the package as source, py.typed or not

    def mypy(script: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", script]
        return subprocess.run(command, cwd=user, env=env, capture_output=True, text=True)

    good, bad = mypy("good.py"), mypy("bad.py")
    assert good.returncode == 0, good.stdout
    assert bad.returncode == 1
    assert 'Incompatible types in assignment (expression has type "float", variable has type ' in (
        bad.stdout
    )
