import os
import sys

import pytest
from hypothesis import HealthCheck, settings

# A shell set to Korean (MICROGRADKR_LANG=ko) would turn the English CLI under test Korean
for _var in ("MICROGRADKR_LANG", "MICROGRADKR_GLOSSARY"):
    os.environ.pop(_var, None)

# One place for hypothesis settings: "ci" is derandomized (a fixed seed): a red CI reproduces.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
# The differential fuzz suites (tests/test_fuzz_*.py) run ten times as many cases, randomly.
settings.register_profile(
    "fuzz-long",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """How many generated cases the differential fuzz suites compared with torch."""
    fuzz = sys.modules.get("fuzz_inputs")
    if fuzz is not None and fuzz.COUNT:
        counts = ", ".join(f"{k}: {n}" for k, n in sorted(fuzz.COUNT.items()))
        total = sum(fuzz.COUNT.values())
        terminalreporter.write_line(f"fuzz cases compared with torch: {total} ({counts})")


@pytest.fixture(autouse=True)
def _registries_as_they_were():
    """A test that registers its own op (check_op of a user Function) leaves the registries as
    it found them, so the tests that every registered op has a torch twin see the library's."""
    from microgradkr.testing import REGISTRY, TENSOR_REGISTRY

    saved = dict(REGISTRY), dict(TENSOR_REGISTRY)
    yield
    for registry, before in zip((REGISTRY, TENSOR_REGISTRY), saved, strict=True):
        registry.clear()
        registry.update(before)
