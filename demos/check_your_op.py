"""Check your own op's gradient with hypothesis, in three lines; a wrong one is caught and shrunk.

Needs hypothesis (pip install -e ".[dev]").
"""

import math
import tempfile

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from microgradkr import GradcheckError, Op
from microgradkr.testing import check_op

if __name__ == "__main__":  # as a script: hypothesis's caches go to a temporary folder, not ./
    scratch = tempfile.TemporaryDirectory()
    set_hypothesis_home_dir(scratch.name)
    # and a slow first draw on a busy machine (its caches are cold) is no failure of your op
    settings.register_profile("demo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("demo")

# Your op: forward sin x, local gradient cos x.
SIN = Op("sin", "sin", "chain", math.sin, lambda x, out: (math.cos(x),))
check_op(SIN)  # gradcheck at many points, alone and inside random expressions with every op
print("sin with local gradient cos x: passes")

# The same op with a deliberately wrong local gradient, d/dx sin x = sin x.
WRONG = Op("wrong_sin", "sin", "chain", math.sin, lambda x, out: (math.sin(x),))
try:
    check_op(WRONG)
except GradcheckError as err:
    print("\nsin with local gradient sin x: caught; the smallest failing case hypothesis found:\n")
    print(err)
