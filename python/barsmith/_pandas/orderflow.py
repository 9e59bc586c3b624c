"""Order flow in pandas/NumPy (the oracle). Read beside ``rust/core/src/orderflow.rs``."""

from __future__ import annotations

import numpy as np
import pandas as pd


def trade_signs(price, mid):
    """Tick rule, or Lee-Ready against ``mid`` (tick rule at the mid or where it is NaN)."""
    change = np.sign(np.diff(price, prepend=np.nan))
    tick = pd.Series(change).replace(0.0, np.nan).ffill().fillna(0.0).to_numpy()
    if len(mid) == 0:
        return tick.astype(np.int8)
    quote = np.sign(price - mid)  # NaN where mid is NaN
    return np.where(quote > 0, 1, np.where(quote < 0, -1, tick)).astype(np.int8)


def cvd(size, sign, period):
    """Running sum of ``size * sign``, restarting whenever ``period`` changes."""
    signed = size * sign
    if len(period) == 0:
        return np.cumsum(signed)
    # One np.cumsum per period (sequential, like the Rust and Numba loops;
    # groupby().cumsum() would use Kahan summation).
    starts = np.flatnonzero(np.diff(period)) + 1
    return np.concatenate([np.cumsum(part) for part in np.split(signed, starts)])
