"""The notebook course runs: every notebook, Korean and English, executed top to bottom.

Each notebook runs in a fresh Jupyter kernel of this Python, with this checkout first on its
path and a temporary directory as its working directory (so nothing is written into the
repository; its temporary directory, where the notebooks write their interactive pages, is one of
the test's own). After the stored cells, the exercise's solution (kept in the exercise cell's
metadata) and the hidden check run once more, so a check that rejects its own solution fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")
pytest.importorskip("ipykernel", reason="ipykernel is in the dev extra")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*/*.ipynb"))
NAMES = sorted({p.name for p in ALL})


def _code(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A kernelspec 'python3' that runs this interpreter, and this checkout on PYTHONPATH."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    tmp = str(tmp_path_factory.mktemp("kernel-tmp"))  # tempfile.gettempdir() in the kernel
    return {"JUPYTER_PATH": str(jupyter), "PYTHONPATH": path, "MPLBACKEND": "Agg", "TMPDIR": tmp}


def test_every_notebook_exists_in_both_languages() -> None:
    assert len(NAMES) >= 9
    for name in NAMES:
        assert (NOTEBOOKS / "en" / name).exists() and (NOTEBOOKS / "ko" / name).exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_both_languages_run_the_same_code(name: str) -> None:
    en = nbformat.read(NOTEBOOKS / "en" / name, as_version=4)
    ko = nbformat.read(NOTEBOOKS / "ko" / name, as_version=4)
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in ko.cells]
    # the one difference allowed: the setup line LANG = "en" / "ko", which picks diagram labels
    en_code = [s.replace('LANG = "en"', 'LANG = "ko"', 1) for s in _code(en)]
    assert en_code == _code(ko)
    hangul = [c.source for c in ko.cells if c.cell_type == "markdown"]
    assert all(any("가" <= ch <= "힣" for ch in s) for s in hangul), "untranslated Korean cell"


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_explains_a_gradient_and_shows_the_interactive_page(name: str) -> None:
    for lang in ("en", "ko"):
        code = _code(nbformat.read(NOTEBOOKS / lang / name, as_version=4))
        assert any("print(explain(" in c and "lang=LANG" in c for c in code), (lang, name)
        assert any("explore(" in c and "lang=LANG" in c and "frame(page)" in c for c in code)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_stored_without_outputs(name: str) -> None:
    for lang in ("en", "ko"):
        nb = nbformat.read(NOTEBOOKS / lang / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (lang, name)


def test_the_notebooks_are_what_build_py_writes(tmp_path: Path) -> None:
    import runpy

    build = runpy.run_path(str(NOTEBOOKS / "build.py"))
    for lang in ("en", "ko"):
        for name, cells in build["NOTEBOOKS"].items():
            stored = (NOTEBOOKS / lang / f"{name}.ipynb").read_text(encoding="utf-8")
            fresh = nbformat.writes(build["notebook"](cells, lang)) + "\n"
            assert stored == fresh, f"{lang}/{name}: run python notebooks/build.py"


def run_notebook(path: Path, env: dict[str, str], cwd: Path) -> nbformat.NotebookNode:
    """Execute ``path`` plus its solution and check once more; raise CellExecutionError."""
    nb = nbformat.read(path, as_version=4)
    exercise = next(c for c in nb.cells if "exercise" in c.metadata.get("tags", []))
    check = next(c for c in nb.cells if "check" in c.metadata.get("tags", []))
    nb.cells += [
        nbformat.v4.new_code_cell(exercise.metadata["solution"]),
        nbformat.v4.new_code_cell(check.source),
    ]
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits them
    failure = None
    try:
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
        )
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        failure = str(err)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if failure:  # the failing cell and its traceback, once, instead of nbclient's internals
        pytest.fail(f"{path.parent.name}/{path.name}: {failure}", pytrace=False)
    return nb


def _html(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def _text(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_notebook_runs(path: Path, kernel_env: dict[str, str], tmp_path: Path) -> None:
    nb = run_notebook(path, kernel_env, tmp_path)
    stored_check, solution_check = (
        c for c in nb.cells if c.cell_type == "code" and c.source == nb.cells[-1].source
    )
    assert "No answer yet" in _text(stored_check)  # the stored exercise is left to the learner
    assert "Correct!" in _text(solution_check)  # and the check accepts the solution
    cells = [c for c in nb.cells if c.cell_type == "code"]
    (explained,) = (c for c in cells if "print(explain(" in c.source)
    said = _text(explained)  # the chain-rule sum, in the notebook's language
    ko = path.parent.name == "ko"
    assert "∂" in said and ("의 기울기(gradient) ∂" if ko else ".grad = ∂") in said
    traced = "".join(_text(c) for c in cells if "format_trace(" in c.source)
    if ko and traced:  # set_language(LANG) in the setup cell: the trace speaks it too
        assert "순전파" in traced and "forward" not in traced and "upstream" not in traced
    (explored,) = (c for c in cells if "frame(page)" in c.source)
    assert _html(explored).startswith("<div><iframe srcdoc=") and "dagre" in _html(explored)
    assert not [o for o in explored.outputs if o.get("name") == "stderr"]  # no warning shown
    page = Path(kernel_env["TMPDIR"]) / "microgradkr-course" / path.with_suffix(".html").name
    assert f'<html lang="{path.parent.name}">' in page.read_text(encoding="utf-8")[:100]
    assert list(tmp_path.iterdir()) == []  # the working directory: nothing written there
