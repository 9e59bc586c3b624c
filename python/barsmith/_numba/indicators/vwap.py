"""Volume-weighted average price, anchored per period or rolling. Read beside
``rust/core/src/indicators/vwap.rs`` and ``_pandas/indicators.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import inline, jit, parallel
from .streaming import _sum_new, _sum_slide, _sum_total


@inline
def _kahan_add(total, comp, v):
    """pandas' ``groupby(...).cumsum()`` step: Kahan-compensated; NaN skipped (and returned)."""
    if np.isnan(v):
        return total, comp, v
    y = v - comp
    t = total + y
    return t, t - total - y, t


@jit
def _vwap(price, volume, period, window, out):
    m = len(price)
    if window > 0:
        pv = price * volume
        wp = _sum_new(np.nan)
        wv = _sum_new(np.nan)
        for i in range(m):
            wp = _sum_slide(wp, pv, i, window)
            wv = _sum_slide(wv, volume, i, window)
            out[i] = _sum_total(wp, window) / _sum_total(wv, window)
        return
    pv_sum = pv_comp = v_sum = v_comp = 0.0
    for i in range(m):
        if i > 0 and len(period) and period[i] != period[i - 1]:
            pv_sum = pv_comp = v_sum = v_comp = 0.0
        pv_sum, pv_comp, num = _kahan_add(pv_sum, pv_comp, price[i] * volume[i])
        v_sum, v_comp, den = _kahan_add(v_sum, v_comp, volume[i])
        out[i] = num / den


@parallel
def vwap(price, volume, period, window):
    out = np.empty_like(price)
    for s in prange(price.shape[0]):
        _vwap(price[s], volume[s], period, window, out[s])
    return out
