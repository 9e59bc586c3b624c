"""Ranges: true range, ATR, NATR, Williams %R, stochastic. Read beside
``rust/core/src/indicators/ranges.rs`` and ``_pandas/indicators.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import inline, jit, parallel
from .streaming import PANDAS, TALIB, _com_of_alpha, _ewm_new, _ewm_update, _talib_flat_window, fma
from .averages import _sma


@jit
def _true_range(high, low, close, convention, out):
    for i in range(len(high)):
        out[i] = _true_range_at(high, low, close, i, convention)


@inline
def _true_range_at(high, low, close, i, convention):
    hl = high[i] - low[i]
    if i == 0:
        return np.nan if convention == TALIB else hl
    hc, lc = abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1])
    return _nan_max3(hl, hc, lc) if convention == PANDAS else _max3(hl, hc, lc)


@inline
def _max3(a, b, c):
    """TA-Lib's largest of three: ``b`` or ``c`` replace ``a`` where greater (a NaN ``a`` stays)."""
    m = b if b > a else a
    return c if c > m else m


@inline
def _nan_max3(a, b, c):
    """Largest of three, ignoring NaN (NaN if all are), as pandas' ``max(axis=1)``."""
    m = a
    if np.isnan(m) or b > m:
        m = b
    if np.isnan(m) or c > m:
        m = c
    return m


@jit
def _atr(high, low, close, n, convention, out):
    """The true range is computed on the fly."""
    if convention == PANDAS:
        st = _ewm_new(_com_of_alpha(1.0 / n), n)
        for i in range(len(high)):
            st, out[i] = _ewm_update(st, _true_range_at(high, low, close, i, PANDAS))
        return
    keep = (n - 1.0) / n  # TA-Lib 0.8.1's step: fma(atr, keep, tr * (1 - keep))
    take = 1.0 - keep
    seed_sum = 0.0  # TA-Lib's first true range is undefined: the warm-up starts at row 1
    seen = 0
    prev = np.nan
    for i in range(len(high)):
        tr = _true_range_at(high, low, close, i, TALIB)
        if np.isnan(tr):  # row 0, or a NaN: a new warm-up
            seed_sum = 0.0
            seen = 0
            prev = np.nan
        elif seen < n:
            seed_sum += tr
            seen += 1
            if seen == n:
                prev = seed_sum / n
        else:
            prev = fma(prev, keep, tr * take)
        out[i] = prev


@jit
def _natr(high, low, close, n, convention, out):
    _atr(high, low, close, n, convention, out)
    for i in range(len(close)):
        c = close[i]
        if convention == TALIB and -1e-14 < c < 1e-14:
            out[i] = 0.0
        else:
            out[i] = out[i] / c * 100.0


@jit
def window_high_low(high, low, i, n):
    """The highest high and lowest low of the ``n`` bars ending at ``i``; NaN if the window
    holds a NaN or an inf, as ``rolling(n).max()`` / ``.min()``. Also the window of ``structure.ranges``."""
    hh = -np.inf
    ll = np.inf
    for j in range(i + 1 - n, i + 1):
        # pandas sees +-inf as missing
        hh = np.nan if (not np.isfinite(high[j]) or np.isnan(hh)) else max(hh, high[j])
        ll = np.nan if (not np.isfinite(low[j]) or np.isnan(ll)) else min(ll, low[j])
    return hh, ll


@jit
def _willr(high, low, close, n, convention, out):
    for i in range(len(high)):
        if i + 1 < n:
            out[i] = np.nan
            continue
        hh, ll = window_high_low(high, low, i, n)
        if convention == PANDAS:
            out[i] = -100.0 * (hh - close[i]) / (hh - ll)
        elif _talib_flat_window(hh, ll):
            out[i] = 0.0
        else:
            r = ((hh - close[i]) / (hh - ll)) * -100.0
            out[i] = 0.0 if r > 0.0 else (-100.0 if r < -100.0 else r)  # TA-Lib's clamp; NaN passes


@jit
def _stoch(high, low, close, fastk_n, slowk_n, slowd_n, convention, slowk, slowd):
    m = len(high)
    fastk = np.full(m, np.nan)
    for i in range(min(fastk_n - 1, m), m):
        hh, ll = window_high_low(high, low, i, fastk_n)
        if convention == PANDAS:
            fastk[i] = 100.0 * (close[i] - ll) / (hh - ll)
        elif _talib_flat_window(hh, ll):
            fastk[i] = 0.0
        else:
            fastk[i] = ((close[i] - ll) / (hh - ll)) * 100.0
    _sma(fastk, slowk_n, convention, slowk)
    _sma(slowk, slowd_n, convention, slowd)
    if convention == TALIB:
        slowk[:min(fastk_n - 1 + slowk_n - 1 + slowd_n - 1, m)] = np.nan


@parallel
def stoch(high, low, close, fastk_n, slowk_n, slowd_n, convention):
    out = np.empty((high.shape[0], 2, high.shape[1]))
    for s in prange(high.shape[0]):
        _stoch(high[s], low[s], close[s], fastk_n, slowk_n, slowd_n, convention, out[s, 0], out[s, 1])
    return out
