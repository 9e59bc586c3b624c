"""Technical indicators in Numba. Read beside ``rust/core/src/indicators.rs``
and ``_pandas/indicators.py`` (the definitions).

Each kernel takes 2-D (series, points) arrays and runs the series in
parallel (``prange``); the per-series functions read like the math.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# error_model="numpy": x / 0 is inf or NaN (IEEE, as Rust and pandas), not ZeroDivisionError.
jit = njit(cache=True, nogil=True, error_model="numpy")
parallel = njit(cache=True, nogil=True, parallel=True, error_model="numpy")
# Per-value helpers are inlined: a call through Numba's calling convention costs more than they do.
inline = njit(cache=True, nogil=True, inline="always", error_model="numpy")

PANDAS, TALIB = 0, 1


@jit
def _ewm_mean(x, com, min_periods, out):
    """pandas ``ewm(com=com, adjust=False, ignore_na=False, min_periods=...).mean()``, step for step."""
    st = _ewm_new(com, min_periods)
    for i in range(len(x)):
        st, out[i] = _ewm_update(st, x[i])


@inline
def _ewm_new(com, min_periods):
    """One ewm chain's state (a tuple Numba keeps in registers, like Rust's ``Ewm``):
    com, old_wt_factor, new_wt, min_periods, weighted, old_wt, nobs, started."""
    alpha = 1.0 / (1.0 + com)
    return (com, 1.0 - alpha, alpha, max(min_periods, 1), np.nan, 1.0, 0, False)


@inline
def _ewm_update(st, cur):
    com, factor, new_wt, min_periods, weighted, old_wt, nobs, started = st
    is_obs = not np.isnan(cur)
    nobs += is_obs
    if not started:
        started = True  # the first value starts the average, observed or not
        weighted = cur
    elif not np.isnan(weighted):
        old_wt *= factor
        if is_obs:
            if weighted != cur:
                if com == 1.0:
                    new_wt = 1.0 - old_wt  # pandas' update for irregular intervals, applied at com == 1
                weighted = (old_wt * weighted + new_wt * cur) / (old_wt + new_wt)
            old_wt = 1.0
    elif is_obs:
        weighted = cur
    out = weighted if nobs >= min_periods else np.nan
    return (com, factor, new_wt, min_periods, weighted, old_wt, nobs, started), out


@inline
def _com_of_span(n):
    return (n - 1.0) / 2.0


@inline
def _com_of_alpha(alpha):
    return (1.0 - alpha) / alpha


@jit
def _sma(x, n, out):
    """``rolling(n, min_periods=n).mean()`` as pandas' ``roll_mean``: Kahan sums with separate
    compensations for adding and removing (removing first), the value itself for a run of
    identical values, 0 for a mean whose sign contradicts every value."""
    total = comp_add = comp_remove = 0.0
    nobs = neg = same_run = 0
    prev = np.nan
    for i in range(len(x)):
        if i == 0 or n == 1:  # a window disjoint from the previous one: start afresh
            total = comp_add = comp_remove = 0.0
            nobs = neg = same_run = 0
            prev = x[i]
        elif i >= n:
            old = x[i - n]
            if not np.isnan(old):
                nobs -= 1
                y = -old - comp_remove
                t = total + y
                comp_remove = t - total - y
                total = t
                neg -= np.signbit(old)
        v = x[i]
        if not np.isnan(v):
            nobs += 1
            y = v - comp_add
            t = total + y
            comp_add = t - total - y
            total = t
            neg += np.signbit(v)
            same_run = same_run + 1 if v == prev else 1
            prev = v
        if nobs < n or nobs == 0:
            out[i] = np.nan
            continue
        mean = total / nobs
        if same_run >= nobs:
            out[i] = prev
        elif (neg == 0 and mean < 0.0) or (neg == nobs and mean > 0.0):
            out[i] = 0.0
        else:
            out[i] = mean


@jit
def _wma(x, n, out):
    """``sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)``, summed in that order."""
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
def _seeded(x, n, rule, param, out):
    """TA-Lib's seeded recursions: the mean of ``n`` valid values at the n-th, then
    rule 0: ``(x - prev) * param + prev`` (EMA), rule 1: ``(prev * (n - 1) + x) / n`` (Wilder).
    NaN gives NaN and a new warm-up."""
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
        elif rule == 0:
            prev = (v - prev) * param + prev
        else:
            prev = (prev * (n - 1.0) + v) / n
        out[i] = prev


@jit
def _ema(x, n, convention, out):
    if convention == PANDAS:
        _ewm_mean(x, _com_of_span(n), n, out)
    else:
        _seeded(x, n, 0, 2.0 / (n + 1.0), out)


@jit
def _rsi(x, n, convention, out):
    m = len(x)
    if convention == PANDAS:
        # two ewm chains side by side: their latencies overlap
        com = _com_of_alpha(1.0 / n)
        g = _ewm_new(com, n)
        lo = _ewm_new(com, n)
        for i in range(m):
            d = x[i] - x[i - 1] if i > 0 else np.nan
            gain = d if np.isnan(d) else max(d, 0.0)  # clip keeps NaN
            loss = d if np.isnan(d) else max(-d, 0.0)
            g, ga = _ewm_update(g, gain)
            lo, la = _ewm_update(lo, loss)
            out[i] = 100.0 - 100.0 / (1.0 + ga / la)
        return
    seen = 0
    avg_gain = 0.0
    avg_loss = 0.0
    for i in range(m):
        out[i] = np.nan
        if i == 0 or np.isnan(x[i]) or np.isnan(x[i - 1]):
            seen = 0
            avg_gain = 0.0
            avg_loss = 0.0
            continue
        d = x[i] - x[i - 1]
        if seen < n:
            if d < 0.0:
                avg_loss -= d
            else:
                avg_gain += d
            seen += 1
            if seen < n:
                continue
            avg_loss /= n
            avg_gain /= n
        else:
            avg_loss *= n - 1.0
            avg_gain *= n - 1.0
            if d < 0.0:
                avg_loss -= d
            else:
                avg_gain += d
            avg_loss /= n
            avg_gain /= n
        total = avg_gain + avg_loss
        out[i] = 0.0 if -1e-14 < total < 1e-14 else 100.0 * (avg_gain / total)


@jit
def _true_range(high, low, close, convention, out):
    for i in range(len(high)):
        out[i] = _true_range_at(high, low, close, i, convention)


@inline
def _true_range_at(high, low, close, i, convention):
    hl = high[i] - low[i]
    if i == 0:
        return np.nan if convention == TALIB else hl
    return _nan_max3(hl, abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))


@inline
def _nan_max3(a, b, c):
    """Largest of three, ignoring NaN (NaN if all are), as pandas' ``max(axis=1)``."""
    m = np.nan
    for v in (a, b, c):
        if not np.isnan(v) and (np.isnan(m) or v > m):
            m = v
    return m


@jit
def _atr(high, low, close, n, convention, out):
    """The true range is computed on the fly."""
    if convention == PANDAS:
        st = _ewm_new(_com_of_alpha(1.0 / n), n)
        for i in range(len(high)):
            st, out[i] = _ewm_update(st, _true_range_at(high, low, close, i, PANDAS))
        return
    if len(high):
        tr = np.empty(len(high) - 1)
        for i in range(1, len(high)):  # TA-Lib's first true range is undefined: the warm-up starts at row 1
            tr[i - 1] = _true_range_at(high, low, close, i, TALIB)
        out[0] = np.nan
        _seeded(tr, n, 1, 0.0, out[1:])


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
def _natr(high, low, close, n, convention, out):
    _atr(high, low, close, n, convention, out)
    for i in range(len(close)):
        c = close[i]
        if convention == TALIB and -1e-14 < c < 1e-14:
            out[i] = 0.0
        else:
            out[i] = out[i] / c * 100.0


@jit
def _willr(high, low, close, n, convention, out):
    for i in range(len(high)):
        if i + 1 < n:
            out[i] = np.nan
            continue
        hh = -np.inf
        ll = np.inf
        for j in range(i + 1 - n, i + 1):  # NaN anywhere in the window makes it NaN, as rolling().max()
            hh = np.nan if (np.isnan(high[j]) or np.isnan(hh)) else max(hh, high[j])
            ll = np.nan if (np.isnan(low[j]) or np.isnan(ll)) else min(ll, low[j])
        if convention == PANDAS:
            out[i] = -100.0 * (hh - close[i]) / (hh - ll)
        else:
            diff = (hh - ll) / -100.0
            out[i] = (hh - close[i]) / diff if (diff != 0.0 or np.isnan(diff)) else 0.0


@jit
def _stoch(high, low, close, fastk_n, slowk_n, slowd_n, convention, slowk, slowd):
    m = len(high)
    fastk = np.full(m, np.nan)
    for i in range(min(fastk_n - 1, m), m):
        hh = -np.inf
        ll = np.inf
        for j in range(i + 1 - fastk_n, i + 1):  # NaN anywhere in the window makes it NaN
            hh = np.nan if (np.isnan(high[j]) or np.isnan(hh)) else max(hh, high[j])
            ll = np.nan if (np.isnan(low[j]) or np.isnan(ll)) else min(ll, low[j])
        if convention == PANDAS:
            fastk[i] = 100.0 * (close[i] - ll) / (hh - ll)
        else:
            diff = (hh - ll) / 100.0
            fastk[i] = (close[i] - ll) / diff if (diff != 0.0 or np.isnan(diff)) else 0.0
    _sma(fastk, slowk_n, slowk)
    _sma(slowk, slowd_n, slowd)
    if convention == TALIB:
        slowk[:min(fastk_n - 1 + slowk_n - 1 + slowd_n - 1, m)] = np.nan


@parallel
def stoch(high, low, close, fastk_n, slowk_n, slowd_n, convention):
    out = np.empty((high.shape[0], 2, high.shape[1]))
    for s in prange(high.shape[0]):
        _stoch(high[s], low[s], close[s], fastk_n, slowk_n, slowd_n, convention, out[s, 0], out[s, 1])
    return out


@jit
def _macd(x, fast, slow, signal, convention, m, sig, hist):
    n = len(x)
    if convention == PANDAS:
        f = _ewm_new(_com_of_span(fast), fast)
        s = _ewm_new(_com_of_span(slow), slow)
        g = _ewm_new(_com_of_span(signal), signal)
        for i in range(n):
            f, fv = _ewm_update(f, x[i])
            s, sv = _ewm_update(s, x[i])
            m[i] = fv - sv
            g, sig[i] = _ewm_update(g, m[i])
            hist[i] = m[i] - sig[i]
        return
    m[:] = np.nan
    sig[:] = np.nan
    hist[:] = np.nan
    a = 0
    while a < n:  # TA-Lib's MACD on each run of valid values
        if np.isnan(x[a]):
            a += 1
            continue
        b = a
        while b < n and not np.isnan(x[b]):
            b += 1
        _talib_macd(x[a:b], fast, slow, signal, m[a:b], sig[a:b], hist[a:b])
        a = b


@jit
def _talib_macd(x, fast, slow, signal, m, sig, hist):
    if slow < fast:
        fast, slow = slow, fast
    start = slow - 1  # where both EMAs start
    first = start + signal - 1  # the first output
    if len(x) <= first:
        return
    slow_ema = _talib_ema_from(x, slow, start)
    fast_ema = _talib_ema_from(x, fast, start)
    line = fast_ema - slow_ema
    signal_ema = _talib_ema_from(line, signal, signal - 1)
    for j in range(len(signal_ema)):
        i = first + j
        m[i] = line[signal - 1 + j]
        sig[i] = signal_ema[j]
        hist[i] = m[i] - sig[i]


@jit
def _talib_ema_from(x, n, start):
    """TA-Lib's INT_EMA from row ``start``: seeded with the mean of the n values ending there."""
    k = 2.0 / (n + 1.0)
    total = 0.0
    for v in x[start + 1 - n:start + 1]:
        total += v
    out = np.empty(len(x) - start)
    prev = total / n
    out[0] = prev
    for j in range(start + 1, len(x)):
        prev = (x[j] - prev) * k + prev
        out[j - start] = prev
    return out


@parallel
def macd(x, fast, slow, signal, convention):
    out = np.empty((x.shape[0], 3, x.shape[1]))
    for s in prange(x.shape[0]):
        _macd(x[s], fast, slow, signal, convention, out[s, 0], out[s, 1], out[s, 2])
    return out


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
        if np.isnan(c):  # NaN there; the next close is compared with the last valid one
            out[i] = np.nan
            continue
        if np.isnan(total):
            total = volume[i]
        elif c > last:
            total += volume[i]
        elif c < last:
            total -= volume[i]
        last = c
        out[i] = total


SMA, EMA, RSI, TRUE_RANGE, ATR, ROC, NATR, WILLR, OBV, WMA = range(10)


@parallel
def _per_series(which, a, b, c, n, convention):
    """Run indicator ``which`` on each row (series) of ``a`` (and ``b``, ``c``), in parallel."""
    out = np.empty_like(a)
    for s in prange(a.shape[0]):
        if which == SMA:
            _sma(a[s], n, out[s])
        elif which == WMA:
            _wma(a[s], n, out[s])
        elif which == EMA:
            _ema(a[s], n, convention, out[s])
        elif which == RSI:
            _rsi(a[s], n, convention, out[s])
        elif which == ROC:
            _roc(a[s], n, convention, out[s])
        elif which == TRUE_RANGE:
            _true_range(a[s], b[s], c[s], convention, out[s])
        elif which == ATR:
            _atr(a[s], b[s], c[s], n, convention, out[s])
        elif which == NATR:
            _natr(a[s], b[s], c[s], n, convention, out[s])
        elif which == WILLR:
            _willr(a[s], b[s], c[s], n, convention, out[s])
        else:
            _obv(a[s], b[s], convention, out[s])
    return out


def sma(x, n):
    return _per_series(SMA, x, x, x, n, PANDAS)


def ema(x, n, convention):
    return _per_series(EMA, x, x, x, n, convention)


def rsi(x, n, convention):
    return _per_series(RSI, x, x, x, n, convention)


def true_range(high, low, close, convention):
    return _per_series(TRUE_RANGE, high, low, close, 1, convention)


def atr(high, low, close, n, convention):
    return _per_series(ATR, high, low, close, n, convention)


def roc(x, n, convention):
    return _per_series(ROC, x, x, x, n, convention)


def natr(high, low, close, n, convention):
    return _per_series(NATR, high, low, close, n, convention)


def willr(high, low, close, n, convention):
    return _per_series(WILLR, high, low, close, n, convention)


def obv(close, volume, convention):
    return _per_series(OBV, close, volume, close, 1, convention)


def wma(x, n):
    return _per_series(WMA, x, x, x, n, PANDAS)
