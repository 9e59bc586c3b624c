"""Directional movement: +DI, -DI, DX, ADX. Read beside
``rust/core/src/indicators/directional.rs`` and ``_pandas/indicators.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import inline, jit, parallel
from .streaming import (
    PANDAS,
    TALIB,
    _com_of_alpha,
    _ewm_new,
    _ewm_update,
    _nan_between_runs,
    _runs,
    _talib_is_zero,
)
from .ranges import _true_range_at


@inline
def _directional_movement(high, low, i):
    """(+DM, -DM) at row i >= 1 (a NaN compares false and gives 0, as pandas' ``where``)."""
    up = high[i] - high[i - 1]
    down = low[i - 1] - low[i]
    return (up if (up > down and up > 0.0) else 0.0), (down if (down > up and down > 0.0) else 0.0)


@jit
def _dmi(high, low, close, n, convention, adx, pdi, mdi, dx):
    m = len(high)
    if convention == PANDAS:
        com = _com_of_alpha(1.0 / n)
        tr = _ewm_new(com, n)
        p = _ewm_new(com, n)
        mm = _ewm_new(com, n)
        a = _ewm_new(com, n)
        for i in range(m):
            plus_dm, minus_dm = (0.0, 0.0) if i == 0 else _directional_movement(high, low, i)
            tr, atr = _ewm_update(tr, _true_range_at(high, low, close, i, PANDAS))
            p, pv = _ewm_update(p, plus_dm)
            mm, mv = _ewm_update(mm, minus_dm)
            pdi[i] = 100.0 * pv / atr
            mdi[i] = 100.0 * mv / atr
            dx[i] = 100.0 * abs(pdi[i] - mdi[i]) / (pdi[i] + mdi[i])
            a, adx[i] = _ewm_update(a, dx[i])
        return
    runs = _runs(~(np.isnan(high) | np.isnan(low) | np.isnan(close)))
    for out in (adx, pdi, mdi, dx):
        _nan_between_runs(runs, out)
    for a, b in runs:
        _talib_dmi(high[a:b], low[a:b], close[a:b], n, adx[a:b], pdi[a:b], mdi[a:b], dx[a:b])


@jit
def _talib_dmi(high, low, close, n, adx, pdi, mdi, dx):
    """TA-Lib 0.8's Wilder sums ``s = s - s / n + v`` seeded with the sum of the first n - 1 values;
    DX repeats its previous value where undefined, ADX stays."""
    pdm_s = 0.0
    mdm_s = 0.0
    tr_s = 0.0
    dx_sum = 0.0
    adx_prev = np.nan
    dx_prev = 0.0
    for out in (adx, pdi, mdi, dx):  # the warm-up (the ADX's is longer, below)
        out[:n] = np.nan
    adx[: 2 * n - 1] = np.nan
    for i in range(1, len(high)):
        plus_dm, minus_dm = _directional_movement(high, low, i)
        tr = _true_range_at(high, low, close, i, TALIB)
        if i < n:
            pdm_s += plus_dm
            mdm_s += minus_dm
            tr_s += tr
            continue
        pdm_s = pdm_s - pdm_s / n + plus_dm
        mdm_s = mdm_s - mdm_s / n + minus_dm
        tr_s = tr_s - tr_s / n + tr
        defined = False
        dx_now = 0.0
        if not tr_s > 0.0:  # in the quote's unit: TA-Lib 0.8.1 tests it against 0, not a band
            pdi[i] = 0.0
            mdi[i] = 0.0
        else:
            pdi[i] = 100.0 * (pdm_s / tr_s)
            mdi[i] = 100.0 * (mdm_s / tr_s)
            total = mdi[i] + pdi[i]
            if not _talib_is_zero(total):
                defined = True
                dx_now = 100.0 * (abs(mdi[i] - pdi[i]) / total)
        dx[i] = dx_now if defined else (0.0 if i == n else dx_prev)
        dx_prev = dx[i]
        if i < 2 * n - 1:
            dx_sum += dx_now
            continue
        if i == 2 * n - 1:
            adx_prev = (dx_sum + dx_now) / n
        elif defined:
            adx_prev = (adx_prev * (n - 1.0) + dx_now) / n
        adx[i] = adx_prev


@parallel
def dmi(high, low, close, n, convention):
    out = np.empty((high.shape[0], 4, high.shape[1]))
    for s in prange(high.shape[0]):
        _dmi(high[s], low[s], close[s], n, convention, out[s, 0], out[s, 1], out[s, 2], out[s, 3])
    return out
