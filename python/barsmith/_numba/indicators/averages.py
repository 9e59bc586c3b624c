"""Moving averages: SMA, WMA, EMA, MACD. Read beside ``rust/core/src/indicators/averages.rs``
and ``_pandas/indicators.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import jit, parallel
from .streaming import (
    PANDAS,
    TALIB,
    _com_of_span,
    _ewm_advanced,
    _ewm_mean,
    _ewm_new,
    _ewm_steady,
    _ewm_steady_step,
    _ewm_update,
    _nan_between_runs,
    _runs,
    _sum_mean,
    _sum_new,
    _sum_slide,
    fma,
)


@jit
def _sma(x, n, convention, out):
    """pandas: ``rolling(n, min_periods=n).mean()`` as pandas' ``roll_mean``; talib: TA-Lib's
    running sum ``total += x; sma = total / n; total -= x[i - n + 1]``, restarted by a NaN."""
    if convention == TALIB:
        total = 0.0
        run = 0
        for i in range(len(x)):
            v = x[i]
            if np.isnan(v):
                total = 0.0
                run = 0
                out[i] = np.nan
                continue
            total += v
            run += 1
            out[i] = np.nan if run < n else total / n
            if run >= n:
                total -= x[i + 1 - n]
        return
    w = _sum_new(np.nan)
    for i in range(len(x)):
        w = _sum_slide(w, x, i, n)
        out[i] = _sum_mean(w, n)


_WMA_RESEED_EVERY = 8  # TA-Lib takes its WMA sums afresh every 8 n rows, as rust's


@jit
def _wma(x, n, convention, out):
    """pandas: ``sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)``, summed in that
    order; talib: TA-Lib's running sums ``sub += x - x_left; sum += n * x; wma = sum / norm;
    sum -= sub``, afresh every ``8 n`` rows, restarted by a NaN."""
    if convention == TALIB:
        run = 0
        sub = total = 0.0
        until_reseed = 0
        for i in range(len(x)):
            v = x[i]
            if np.isnan(v):
                run = 0
                out[i] = np.nan
                continue
            run += 1
            if n == 1:
                out[i] = v  # TA-Lib copies the input
            elif run < n:  # the warm-up: the values before the first window's newest
                if run == 1:
                    sub = total = 0.0
                    until_reseed = _WMA_RESEED_EVERY * n
                sub += v
                total += v * run
                out[i] = np.nan
            else:
                left = 0.0 if run == n else x[i - n]  # TA-Lib subtracts 0.0 on the first row
                until_reseed -= 1
                if until_reseed == 0:
                    until_reseed = _WMA_RESEED_EVERY * n
                    sub = total = left = 0.0
                    for k in range(n - 1):
                        sub += x[i + 1 - n + k]
                        total += x[i + 1 - n + k] * (k + 1)
                sub += v
                sub -= left
                total += v * n
                out[i] = total / (n * (n + 1) // 2)
                total -= sub
        return
    norm = n * (n + 1) / 2.0
    for i in range(len(x)):
        if i + 1 < n:
            out[i] = np.nan
            continue
        total = 0.0
        for k in range(n):
            total += x[i - k] * (n - k)
        out[i] = total / norm


@jit
def _talib_ema(x, n, out):
    """TA-Lib's EMA: the mean of ``n`` valid values at the n-th, then
    ``fma(x - ema, 2 / (n + 1), ema)``. NaN gives NaN and a new warm-up."""
    k = 2.0 / (n + 1.0)
    seed_sum = 0.0
    seen = 0
    prev = np.nan
    for i in range(len(x)):
        v = x[i]
        if np.isnan(v):
            seed_sum = 0.0
            seen = 0
            prev = np.nan
            out[i] = np.nan
            continue
        if seen < n:
            seed_sum += v
            seen += 1
            if seen == n:
                prev = seed_sum / n
        else:
            prev = fma(v - prev, k, prev)
        out[i] = prev


@jit
def _ema(x, n, convention, out):
    if convention == PANDAS:
        _ewm_mean(x, _com_of_span(n), n, out)
    else:
        _talib_ema(x, n, out)


@jit
def _macd(x, fast, slow, signal, convention, m, sig, hist):
    n = len(x)
    if convention == PANDAS:
        f = _ewm_new(_com_of_span(fast), fast)
        s = _ewm_new(_com_of_span(slow), slow)
        g = _ewm_new(_com_of_span(signal), signal)
        i = 0
        while i < n:
            steady_f, keep_f, take_f, wf = _ewm_steady(f)
            steady_s, keep_s, take_s, ws = _ewm_steady(s)
            steady_g, keep_g, take_g, wg = _ewm_steady(g)
            j = i
            if steady_f and steady_s and steady_g:  # bare steps while the values are finite
                while j < n and np.isfinite(x[j]):
                    next_f = _ewm_steady_step(keep_f, take_f, wf, x[j])
                    next_s = _ewm_steady_step(keep_s, take_s, ws, x[j])
                    line = next_f - next_s
                    if not np.isfinite(line):  # overflowed averages: the general step takes the row
                        break
                    wf, ws = next_f, next_s
                    wg = _ewm_steady_step(keep_g, take_g, wg, line)
                    m[j], sig[j], hist[j] = line, wg, line - wg
                    j += 1
                f = _ewm_advanced(f, wf, j - i)
                s = _ewm_advanced(s, ws, j - i)
                g = _ewm_advanced(g, wg, j - i)
            if j > i:
                i = j
                continue
            f, fv = _ewm_update(f, x[i])
            s, sv = _ewm_update(s, x[i])
            line = fv - sv  # a local: the outputs may share memory, and a store read back costs latency
            g, gv = _ewm_update(g, line)
            m[i], sig[i], hist[i] = line, gv, line - gv
            i += 1
        return
    runs = _runs(~np.isnan(x))
    for out in (m, sig, hist):
        _nan_between_runs(runs, out)
    for a, b in runs:  # TA-Lib's MACD on each run of valid values
        _talib_macd(x[a:b], fast, slow, signal, m[a:b], sig[a:b], hist[a:b])


@jit
def _talib_macd(x, fast, slow, signal, m, sig, hist):
    """TA-Lib's MACD on a NaN-free run, one pass: both EMAs seeded at row ``slow - 1`` with the
    mean of their own period ending there, the signal EMA with the mean of the first ``signal``
    MACD values."""
    if slow < fast:
        fast, slow = slow, fast
    first_signal = slow - 1 + signal - 1  # the row of the first signal value
    for out in (m, sig, hist):
        out[:first_signal] = np.nan
    if len(x) < slow:
        return
    kf = 2.0 / (fast + 1.0)
    ks = 2.0 / (slow + 1.0)
    kg = 2.0 / (signal + 1.0)
    total_fast = 0.0
    for v in x[slow - fast:slow]:
        total_fast += v
    total_slow = 0.0
    for v in x[:slow]:
        total_slow += v
    ema_fast = total_fast / fast
    ema_slow = total_slow / slow
    total_signal = 0.0
    for i in range(slow - 1, min(first_signal + 1, len(x))):  # the signal's warm-up
        if i > slow - 1:
            ema_fast = fma(x[i] - ema_fast, kf, ema_fast)
            ema_slow = fma(x[i] - ema_slow, ks, ema_slow)
        total_signal += ema_fast - ema_slow
    if len(x) <= first_signal:
        return
    line = ema_fast - ema_slow
    ema_signal = total_signal / signal
    m[first_signal], sig[first_signal], hist[first_signal] = line, ema_signal, line - ema_signal
    for i in range(first_signal + 1, len(x)):  # the bare recursion, with no warm-up checks
        ema_fast = fma(x[i] - ema_fast, kf, ema_fast)
        ema_slow = fma(x[i] - ema_slow, ks, ema_slow)
        line = ema_fast - ema_slow
        ema_signal = fma(line - ema_signal, kg, ema_signal)
        m[i], sig[i], hist[i] = line, ema_signal, line - ema_signal


@parallel
def macd(x, fast, slow, signal, convention):
    out = np.empty((x.shape[0], 3, x.shape[1]))
    for s in prange(x.shape[0]):
        _macd(x[s], fast, slow, signal, convention, out[s, 0], out[s, 1], out[s, 2])
    return out
