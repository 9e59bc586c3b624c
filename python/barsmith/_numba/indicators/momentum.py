"""Momentum: RSI, ROC, OBV. Read beside ``rust/core/src/indicators/momentum.rs``
and ``_pandas/indicators.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from .streaming import (
    PANDAS,
    TALIB,
    _com_of_alpha,
    _ewm_advanced,
    _ewm_new,
    _ewm_steady,
    _ewm_steady_step,
    _ewm_update,
)


@jit
def _rsi(x, n, convention, out):
    m = len(x)
    if convention == PANDAS:
        # two ewm chains side by side: their latencies overlap
        com = _com_of_alpha(1.0 / n)
        g = _ewm_new(com, n)
        lo = _ewm_new(com, n)
        i = 0
        while i < m:
            steady_g, keep_g, take_g, wg = _ewm_steady(g)
            steady_l, keep_l, take_l, wl = _ewm_steady(lo)
            j = i
            if i > 0 and steady_g and steady_l:  # bare steps while the changes are finite
                while j < m:
                    d = x[j] - x[j - 1]
                    if not np.isfinite(d):
                        break
                    wg = _ewm_steady_step(keep_g, take_g, wg, max(d, 0.0))
                    wl = _ewm_steady_step(keep_l, take_l, wl, max(-d, 0.0))
                    out[j] = 100.0 - 100.0 / (1.0 + wg / wl)
                    j += 1
                g = _ewm_advanced(g, wg, j - i)
                lo = _ewm_advanced(lo, wl, j - i)
            if j > i:
                i = j
                continue
            d = x[i] - x[i - 1] if i > 0 else np.nan
            gain = d if np.isnan(d) else max(d, 0.0)  # clip keeps NaN
            loss = d if np.isnan(d) else max(-d, 0.0)
            g, ga = _ewm_update(g, gain)
            lo, la = _ewm_update(lo, loss)
            out[i] = 100.0 - 100.0 / (1.0 + ga / la)
            i += 1
        return
    r = 1.0 / n  # TA-Lib 0.8.1 multiplies by 1 / n where its source divides
    seen = 0
    avg_gain = 0.0
    avg_loss = 0.0
    for i in range(m):
        out[i] = np.nan
        d = x[i] - x[i - 1] if i > 0 else np.nan
        if np.isnan(d):  # a NaN price, or inf - inf: the averages start again
            seen = 0
            avg_gain = 0.0
            avg_loss = 0.0
            continue
        if seen < n:
            if d < 0.0:
                avg_loss -= d
            else:
                avg_gain += d
            seen += 1
            if seen < n:
                continue
            avg_loss *= r
            avg_gain *= r
        else:
            avg_loss *= n - 1.0
            avg_gain *= n - 1.0
            if d < 0.0:
                avg_loss -= d
            else:
                avg_gain += d
            avg_loss *= r
            avg_gain *= r
        total = avg_gain + avg_loss
        out[i] = 0.0 if total <= 0.0 else 100.0 * (avg_gain / total)


@jit
def _roc(x, n, convention, out):
    for i in range(len(x)):
        if i < n:
            out[i] = np.nan
        elif convention == TALIB and x[i - n] == 0.0:
            out[i] = 0.0  # TA-Lib's choice; pandas divides (inf, or NaN for 0 / 0)
        else:
            out[i] = (x[i] / x[i - n] - 1.0) * 100.0


@jit
def _obv(close, volume, convention, out):
    if convention == PANDAS:
        total = 0.0
        for i in range(len(close)):
            d = close[i] - close[i - 1] if i > 0 else np.nan
            step = np.sign(d) * volume[i]
            total += 0.0 if np.isnan(step) else step  # fillna(0)
            out[i] = total
        return
    total = np.nan
    last = np.nan
    for i in range(len(close)):
        c = close[i]
        if np.isnan(c) or np.isnan(volume[i]):  # NaN there; the next close is compared with the last valid one
            out[i] = np.nan
            continue
        if np.isnan(last):  # the first valid row starts the total (which an inf - inf may make NaN later)
            total = volume[i]
        elif c > last:
            total += volume[i]
        elif c < last:
            total -= volume[i]
        last = c
        out[i] = total
