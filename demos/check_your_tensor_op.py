"""Check your own Tensor op's VJPs with hypothesis; a wrong broadcast VJP is caught and shrunk.

Needs hypothesis (pip install -e ".[dev]").
"""

import tempfile

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from microgradkr import GradcheckError, TensorOp, sum_to
from microgradkr.testing import check_op

if __name__ == "__main__":  # as a script: hypothesis's caches go to a temporary folder, not ./
    scratch = tempfile.TemporaryDirectory()
    set_hypothesis_home_dir(scratch.name)
    # and a slow first draw on a busy machine (its caches are cold) is no failure of your op
    settings.register_profile("demo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("demo")

# Your op: out = a + 2b, b broadcast against a; one VJP per input: dL/da = g, dL/db = 2g.
AXPY = TensorOp(
    "axpy",
    "a+2b",
    "chain",
    lambda a, b: a + 2 * b,
    (lambda g, a, b, out: g, lambda g, a, b, out: 2 * g),
)
check_op(AXPY)  # alone on broadcasting shapes, then inside random graphs with every tensor op
print("axpy with dL/db = 2g: passes")


def mean_to(g, shape):
    """g averaged over the broadcast copies instead of summed (the bug)."""
    return sum_to(g, shape) * (np.prod(shape, dtype=int) / g.size)


# Already of b's shape, so backward's own sum_to leaves it alone: right unless b was broadcast.
WRONG = TensorOp(
    "wrong_axpy",
    "a+2b",
    "chain",
    lambda a, b: a + 2 * b,
    (lambda g, a, b, out: g, lambda g, a, b, out: 2 * mean_to(g, b.shape)),
)
try:
    check_op(WRONG)
except GradcheckError as err:
    print("\naxpy with dL/db averaged over the broadcast: caught; the smallest failing case:\n")
    print(*getattr(err, "__notes__", []), err, sep="\n")  # hypothesis's example, then the table
