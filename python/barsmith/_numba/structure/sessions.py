"""Trading sessions: in-session flags and the session's running high and low. Read beside
``rust/core/src/structure/sessions.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit


@jit
def sessions(minute, high, low, start, end):
    """See ``rust/core/src/structure/sessions.rs``."""
    n = len(high)
    out = np.zeros((3, n))
    prev_high = np.float32(0.0)
    prev_low = np.float32(0.0)
    for i in range(n):
        t = minute[i]
        active = (start <= t and t <= end) if start < end else (start <= t or t <= end)
        h = np.float32(0.0)
        lo = np.float32(0.0)
        if active:
            base_high = np.float64(prev_high) if i > 0 else 0.0
            h = np.float32(base_high if base_high > high[i] else high[i])  # Python's max
            base_low = np.float64(prev_low) if (i > 0 and prev_low != 0.0) else np.inf
            lo = np.float32(base_low if base_low < low[i] else low[i])  # Python's min
        out[0, i] = 1.0 if active else 0.0
        out[1, i] = h
        out[2, i] = lo
        prev_high = h
        prev_low = lo
    return out
