"""Order flow in Numba. Read beside ``rust/core/src/orderflow.rs`` and ``_pandas/orderflow.py``."""

from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True)


@jit
def trade_signs(price, mid):
    """Tick rule, or Lee-Ready against ``mid`` (tick rule at the mid or where it is NaN)."""
    out = np.empty(len(price), dtype=np.int8)
    tick = 0
    for i in range(len(price)):
        p = price[i]
        if i > 0:
            if p > price[i - 1]:
                tick = 1
            elif p < price[i - 1]:
                tick = -1
        if len(mid) == 0:
            out[i] = tick
        elif p > mid[i]:
            out[i] = 1
        elif p < mid[i]:
            out[i] = -1
        else:
            out[i] = tick
    return out


@jit
def cvd(size, sign, period):
    """Running sum of ``size * sign``, restarting whenever ``period`` changes."""
    out = np.empty(len(size), dtype=np.float64)
    running = 0.0
    for i in range(len(size)):
        if len(period) > 0 and i > 0 and period[i] != period[i - 1]:
            running = 0.0
        running += size[i] * sign[i]
        out[i] = running
    return out
