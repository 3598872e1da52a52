import os

from hypothesis import HealthCheck, settings

# One place for hypothesis settings: "ci" is derandomized (a fixed seed): a red CI reproduces.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
