"""Bands and oscillators over a window: Bollinger bands, rolling z-score, CCI, MFI. Read
beside ``rust/core/src/indicators/bands.rs`` and ``_pandas/indicators.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import inline, jit, parallel
from .streaming import (
    PANDAS,
    _nan_between_runs,
    _runs,
    _sum_mean,
    _sum_new,
    _sum_slide,
    _sum_total,
    _talib_is_zero_scaled,
    _var_new,
    _var_slide,
    _var_std,
    fma,
)


_VAR_RESEED_EVERY = 32  # TA-Lib takes its variance sums afresh every 32 n windows, as rust's


@inline
def _talib_variance_afresh(v, lo, hi, r):
    """TA-Lib 0.8.1's VAR of the window ``v[lo:hi]`` taken afresh (``r`` is ``1 / n``): ``shift`` at
    its mean, the sums of ``d = v - shift`` and ``d ** 2``, the variance (0 below 1e-12 of
    ``mean(d ** 2)``), then the oldest value out. Returns ``(var, shift, s1, s2)``."""
    total = 0.0
    for j in range(lo, hi):
        total += v[j]
    shift = total * r
    s1 = s2 = 0.0
    for j in range(lo, hi):
        d = v[j] - shift
        s1 += d
        s2 += d * d
    mean_d = s1 * r
    var = s2 * r - mean_d * mean_d
    if var < 1e-12 * (s2 * r):
        var = 0.0
    d = v[lo] - shift
    s1 -= d
    s2 -= d * d
    return var, shift, s1, s2


@jit
def _bbands(x, n, nbdev_up, nbdev_dn, ddof, convention, upper, middle, lower):
    if convention == PANDAS:
        ws = _sum_new(np.nan)
        wv = _var_new()
        for i in range(len(x)):
            ws = _sum_slide(ws, x, i, n)
            wv = _var_slide(wv, x, i, n)
            mid = _sum_mean(ws, n)
            sd = _var_std(wv, n, ddof)
            upper[i] = mid + nbdev_up * sd
            middle[i] = mid
            lower[i] = mid - nbdev_dn * sd
        return
    runs = _runs(~np.isnan(x))
    for out in (upper, middle, lower):
        _nan_between_runs(runs, out)
    for a, b in runs:
        v = x[a:b]
        for out in (upper, middle, lower):
            out[a : a + n - 1] = np.nan  # the warm-up
        if len(v) < n:
            continue
        # TA-Lib's INT_SMA (a running sum) beside its VAR's sums, anchored at the run's first value
        total = s1 = s2 = 0.0
        shift = v[0]
        for i in range(n - 1):
            total += v[i]
            d = v[i] - shift
            s1 += d
            s2 += d * d
        until_reseed = _VAR_RESEED_EVERY * n
        r = 1.0 / n
        for i in range(n - 1, len(v)):
            total += v[i]
            d = v[i] - shift
            s1 += d
            s2 += d * d
            mid = total / n
            # TA-Lib's VAR: mean(d^2) - mean(d)^2, then the oldest value out; afresh every 32 n
            # windows, on cancellation, or when the leaving d^2 dwarfs what stays (an outlier left)
            mean_d = s1 * r
            var = s2 * r - mean_d * mean_d
            d = v[i + 1 - n] - shift
            s1 -= d
            left = d * d
            s2 -= left
            until_reseed -= 1
            if var < 1e-6 * (s2 * r) or left > 1e6 * s2 or until_reseed == 0:
                until_reseed = _VAR_RESEED_EVERY * n
                var, shift, s1, s2 = _talib_variance_afresh(v, i + 1 - n, i + 1, r)
            total -= v[i + 1 - n]
            sd = np.sqrt(var)
            upper[a + i] = mid + sd * nbdev_up if nbdev_up == nbdev_dn else fma(sd, nbdev_up, mid)
            middle[a + i] = mid
            lower[a + i] = mid - sd * nbdev_dn


@parallel
def bbands(x, n, nbdev_up, nbdev_dn, ddof, convention):
    out = np.empty((x.shape[0], 3, x.shape[1]))
    for s in prange(x.shape[0]):
        _bbands(x[s], n, nbdev_up, nbdev_dn, ddof, convention, out[s, 0], out[s, 1], out[s, 2])
    return out


@jit
def _rolling_zscore(x, n, ddof, out):
    ws = _sum_new(np.nan)
    wv = _var_new()
    for i in range(len(x)):
        ws = _sum_slide(ws, x, i, n)
        wv = _var_slide(wv, x, i, n)
        out[i] = (x[i] - _sum_mean(ws, n)) / _var_std(wv, n, ddof)


@parallel
def rolling_zscore(x, n, ddof):
    out = np.empty_like(x)
    for s in prange(x.shape[0]):
        _rolling_zscore(x[s], n, ddof, out[s])
    return out


@jit
def _typical_price(high, low, close):
    return (high + low + close) / 3.0


@jit
def _cci(high, low, close, n, convention, out):
    tp = _typical_price(high, low, close)
    if convention == PANDAS:
        w = _sum_new(np.nan)
        for i in range(len(tp)):
            w = _sum_slide(w, tp, i, n)
            if i + 1 < n:
                out[i] = np.nan
                continue
            ma = _sum_mean(w, n)
            total = 0.0
            for k in range(n):  # newest first, as sum(... for k in range(n))
                total += abs(tp[i - k] - ma)
            out[i] = (tp[i] - ma) / (0.015 * (total / n))
        return
    # TA-Lib's circular buffer: row t of the run in slot t % n, summed in slot order (a
    # window longer than the series never fills, so it needs no more slots than rows)
    slots = np.zeros(min(n, len(tp)))
    seen = 0
    for i in range(len(tp)):
        v = tp[i]
        out[i] = np.nan
        if np.isnan(v):
            seen = 0
            continue
        slots[seen % n] = v
        seen += 1
        if seen < n:
            continue
        mean = 0.0
        for j in range(n):
            mean += slots[j]
        mean /= n
        dev = 0.0
        for j in range(n):
            dev += abs(slots[j] - mean)
        diff = v - mean
        mean_dev = dev / n
        # TA-Lib 0.8.1: a flat window, relative to its own price level
        flat = _talib_is_zero_scaled(diff, abs(mean)) or _talib_is_zero_scaled(mean_dev, abs(mean))
        out[i] = 0.0 if flat else diff / (0.015 * mean_dev)


@parallel
def cci(high, low, close, n, convention):
    out = np.empty_like(high)
    for s in prange(high.shape[0]):
        _cci(high[s], low[s], close[s], n, convention, out[s])
    return out


@jit
def _mfi(high, low, close, volume, n, convention, out):
    tp = _typical_price(high, low, close)
    m = len(tp)
    if convention == PANDAS:
        pos = np.zeros(m)  # the signed flows: one rolling sum each
        neg = np.zeros(m)
        for i in range(1, m):
            d = tp[i] - tp[i - 1]
            if d > 0.0:
                pos[i] = tp[i] * volume[i]
            elif d < 0.0:
                neg[i] = tp[i] * volume[i]
        wp = _sum_new(np.nan)
        wn = _sum_new(np.nan)
        for i in range(m):
            wp = _sum_slide(wp, pos, i, n)
            wn = _sum_slide(wn, neg, i, n)
            ps = _sum_total(wp, n)
            ns = _sum_total(wn, n)
            out[i] = 100.0 * ps / (ps + ns)
        return
    out[:] = np.nan
    ring_pos = np.zeros(min(n, m))  # no more slots than rows, as in cci
    ring_neg = np.zeros(min(n, m))
    for a, b in _runs(~(np.isnan(tp) | np.isnan(volume))):
        pos = 0.0
        neg = 0.0
        no_flow_run = 0
        prev = tp[a]
        for k in range(b - a - 1):
            i = a + 1 + k
            if k >= n:
                pos -= ring_pos[k % n]
                neg -= ring_neg[k % n]
            d = tp[i] - prev
            mf = tp[i] * volume[i]
            # TA-Lib 0.8.1: a change within 1e-14 of the prices' size is none
            money = 0.0 if _talib_is_zero_scaled(d, abs(tp[i]) + abs(prev)) else mf
            prev = tp[i]
            ring_pos[k % n] = 0.0 if d < 0.0 else money
            ring_neg[k % n] = money if d < 0.0 else 0.0
            pos += ring_pos[k % n]
            neg += ring_neg[k % n]
            # a window of no flow: the sums are exactly 0, and TA-Lib drops their residue
            no_flow_run = no_flow_run + 1 if money == 0.0 else 0
            if no_flow_run >= n:
                no_flow_run = n
                pos = 0.0
                neg = 0.0
            if k + 1 >= n:
                total = pos + neg
                clamped = 0.0 if pos < 0.0 else (total if pos > total else pos)  # drift stays in [0, 100]
                out[i] = 0.0 if total <= 0.0 else 100.0 * (clamped / total)


@parallel
def mfi(high, low, close, volume, n, convention):
    out = np.empty_like(high)
    for s in prange(high.shape[0]):
        _mfi(high[s], low[s], close[s], volume[s], n, convention, out[s])
    return out
