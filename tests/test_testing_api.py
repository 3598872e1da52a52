"""microgradkr.testing as a whole: its public names, its registry order, importing it without
hypothesis, and that its checks leave the user's working directory alone."""

import os
import subprocess
import sys
from pathlib import Path

import microgradkr
import microgradkr.testing as testing

ROOT = Path(microgradkr.__file__).parents[1]

# Every public name of microgradkr.testing before it was split into the testing_* modules.
PUBLIC = [
    "Any",
    "BUILTIN_OPS",
    "BUILTIN_TENSOR_OPS",
    "CONV_TENSOR_OPS",
    "Callable",
    "Entry",
    "Expression",
    "Iterable",
    "LEAKY_RELU",
    "LIMIT",
    "Op",
    "REGISTRY",
    "SCATTER",
    "Sequence",
    "TENSOR_REGISTRY",
    "Tensor",
    "TensorExpression",
    "TensorOp",
    "Value",
    "add_n",
    "affine",
    "annotations",
    "apply",
    "apply_tensor",
    "batch_norm_train",
    "broadcast_shapes",
    "check_gradients",
    "check_op",
    "dataclass",
    "expressions",
    "gradcheck",
    "gradient_test",
    "itertools",
    "math",
    "maximum",
    "minimum",
    "np",
    "op_cases",
    "register",
    "shapes",
    "tensor_expressions",
    "tensor_op_cases",
    "tensors",
    "values",
]


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter from ``cwd``, importing this checkout's package."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_public_names_are_those_of_the_single_module():
    assert sorted(n for n in dir(testing) if not n.startswith("_")) == sorted(PUBLIC)
    assert sorted(testing.__all__) == sorted(PUBLIC)


def test_the_registries_keep_their_order_whichever_module_comes_first(tmp_path):
    """BUILTIN_TENSOR_OPS lists tensor.py's ops; the convolutions come after them, even when
    testing_conv is imported before anything else."""
    code = (
        "import microgradkr.testing_conv\n"
        "from microgradkr.testing import BUILTIN_TENSOR_OPS, CONV_TENSOR_OPS, TENSOR_REGISTRY\n"
        "print(list(TENSOR_REGISTRY) == [*BUILTIN_TENSOR_OPS, *CONV_TENSOR_OPS])\n"
    )
    assert run_python(code, tmp_path).stdout.strip() == "True"
    assert list(testing.TENSOR_REGISTRY)[-5:] == list(testing.CONV_TENSOR_OPS)
    assert list(testing.REGISTRY)[:3] == ["add", "sub", "mul"]


def test_importing_needs_no_hypothesis_until_a_strategy_is_built(tmp_path):
    code = (
        "import sys\n"
        "class NoHypothesis:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'hypothesis':\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoHypothesis())\n"
        "import microgradkr, microgradkr.testing as t\n"
        "try:\n"
        "    t.values()\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    run = run_python(code, tmp_path)
    assert run.returncode == 0, run.stderr
    assert "microgradkr.testing needs hypothesis: pip install hypothesis" in run.stdout


def test_the_checks_write_nothing_into_the_working_directory(tmp_path):
    """hypothesis keeps its example database and a cache of constants under .hypothesis/ in the
    directory it was imported from. A fresh interpreter in an empty directory, so that is this
    one (in this process hypothesis was imported long ago, from elsewhere): a passing and a
    failing check_op, and check_gradients, leave it empty."""
    code = (
        "import math\n"
        "from microgradkr import GradcheckError, Op\n"
        "from microgradkr.testing import check_gradients, check_op, values\n"
        "check_op('tanh', max_examples=5)\n"
        "check_op('relu', max_examples=5, tensor=True)\n"
        "check_gradients(lambda x: x.tanh(), values(), max_examples=5)\n"
        "WRONG = Op('wrong_sin', 'sin', 'chain', math.sin, lambda x, out: (math.sin(x),))\n"
        "try:\n"
        "    check_op(WRONG, max_examples=20)\n"
        "except GradcheckError:\n"
        "    print('caught')\n"
    )
    run = run_python(code, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "caught"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
