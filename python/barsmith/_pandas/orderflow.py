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


def trade_flow(ts, size, sign, half_life_ns):
    """(4, len): buy, sell, ratio, imbalance. Pressure decays by half every half-life of event
    time::

        decay = 2 ** (-ts.diff() / half_life)
        buy[i] = buy[i - 1] * decay[i] + size[i] * (sign[i] == 1)      # sell: sign == -1
        ratio = buy / sell;  imbalance = (buy - sell) / (buy + sell)

    The recurrence is a state machine (a loop); the decays are vectorised."""
    n = len(ts)
    decay = np.exp2(-np.diff(ts).astype(np.float64) / half_life_ns)
    buys, sells = np.where(sign == 1, size, 0.0), np.where(sign == -1, size, 0.0)
    buy, sell = np.empty(n), np.empty(n)
    b = s = 0.0
    for i in range(n):
        if i > 0:
            b, s = b * decay[i - 1], s * decay[i - 1]
        b, s = b + buys[i], s + sells[i]
        buy[i], sell[i] = b, s
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.stack([buy, sell, buy / sell, (buy - sell) / (buy + sell)])
