import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

FAST_BACKENDS = ("rust", "numba")  # compared against the pandas oracle
ALL_BACKENDS = ("rust", "numba", "pandas")


@pytest.fixture(scope="session")
def day():
    """A realistic synthetic day (small enough for tests)."""
    import barsmith

    return barsmith.synth.trades(50_000, seed=11)


def assert_same_arrays(result, oracle, context=""):
    """Parity rule: ints/bools identical, floats within 1e-12 relative, NaN where the oracle has NaN."""
    assert len(result) == len(oracle), context
    for k, (a, b) in enumerate(zip(result, oracle)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{context} output {k}: shape {a.shape} != {b.shape}"
        if b.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, equal_nan=True, err_msg=f"{context} output {k}")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{context} output {k}")
