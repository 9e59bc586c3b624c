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


@jit
def trade_flow(ts, size, sign, half_life_ns):
    """See ``rust/core/src/orderflow.rs``: buy and sell pressure halving every half-life."""
    n = len(ts)
    out = np.empty((4, n))
    buy = 0.0
    sell = 0.0
    for i in range(n):
        if i > 0:
            decay = np.exp2(-np.float64(ts[i] - ts[i - 1]) / half_life_ns)
            buy *= decay
            sell *= decay
        if sign[i] == 1:
            buy += size[i]
        elif sign[i] == -1:
            sell += size[i]
        out[0, i] = buy
        out[1, i] = sell
        out[2, i] = buy / sell if sell != 0.0 else (np.inf if buy > 0.0 else np.nan)
        out[3, i] = (buy - sell) / (buy + sell) if buy + sell != 0.0 else np.nan
    return out
