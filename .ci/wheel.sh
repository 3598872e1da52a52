#!/usr/bin/env bash
# What a user installs: the sdist and the wheel built as a release would be, checked, and the
# wheel alone installed in a brand-new venv on a fresh machine's PATH (no dot, no Chromium, no
# Hangul font), run from outside the source tree.
#   bash .ci/wheel.sh    # with a python that has .[dev] installed active (CI: pass 1's venv),
#                        # which runs tests/test_packaging.py on the built wheel
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== wheel: python -m build, twine check, the wheel's files"
python3 -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q build twine
"$work/tools/bin/python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2 && exit 1; }
"$work/tools/bin/python" -m twine check --strict "$work/dist"/*
wheel=$(echo "$work/dist"/microgradkr-*.whl)
ls "$work/dist"
# every module and static file, the licences, py.typed, the version, nothing else; a user's
# script type-checked by mypy against the installed wheel
MICROGRADKR_WHEEL=$wheel python -m pytest -q -p no:cacheprovider tests/test_packaging.py

echo "== wheel: installed alone in a brand-new venv, run on a fresh machine's PATH"
python3 -m venv "$work/user"
"$work/user/bin/python" -m pip install -q "$wheel"
mkdir "$work/run"
(
  # shellcheck disable=SC1091
  . "$work/user/bin/activate"
  # shellcheck source=.ci/fresh-machine.sh
  . .ci/fresh-machine.sh "$work/fresh"
  cd "$work/run" # no microgradkr/ in the working directory: only the installed one can import
  for tool in dot chromium chromedriver; do
    if command -v "$tool" >/dev/null; then echo "the wheel's venv still sees $tool" >&2 && exit 1; fi
  done
  python -m microgradkr demo --out demo >/dev/null
  python -m microgradkr demo --lang ko --out demo-ko >/dev/null
  ls demo/*.svg demo/*.png demo/*.html demo-ko/*.svg >/dev/null
  meta=$(python -c 'import importlib.metadata as m; print(m.version("microgradkr"))')
  cli=$(python -m microgradkr --version)
  [ "$cli" = "microgradkr $meta" ] || { echo "--version says '$cli', the wheel $meta" >&2 && exit 1; }
  python - "$src" "$meta" <<'EOF'
"""Smoke test of the installed wheel: example 1a's numbers, a Tensor's, a page and a picture."""
import sys
from pathlib import Path

import numpy as np

import microgradkr as mg

src, meta = Path(sys.argv[1]), sys.argv[2]
where = Path(mg.__file__).resolve()
assert src not in where.parents, f"imported from the source tree: {where}"
assert mg.__version__ == meta, (mg.__version__, meta)
x, y, z = mg.Value(-2.0, "x"), mg.Value(5.0, "y"), mg.Value(-4.0, "z")
f = (x + y) * z
f.backward()
assert (f.data, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, 3.0)
w = mg.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
(w @ mg.Tensor(np.array([1.0, -1.0]))).sum().backward()
assert w.grad is not None and np.array_equal(w.grad, [[1.0, -1.0], [1.0, -1.0]])
mg.explore(f, path="f.html")  # the page with the vendored dagre inlined, from the wheel's static/
page = Path("f.html").read_text(encoding="utf-8")
assert "var dagre=" in page and '"data":"-12"' in page
svg = mg.viz.save(mg.draw(f), "f.svg")
assert "-12" in Path(svg).read_text(encoding="utf-8")
print(f"microgradkr {meta} from {where.parent}: smoke test passed")
EOF
)
