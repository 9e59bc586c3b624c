"""Technical indicators in Numba. Read beside ``rust/core/src/indicators/``
and ``_pandas/indicators.py`` (the definitions).

Each kernel takes 2-D (series, points) arrays and runs the series in
parallel (``prange``); the per-series functions read like the math.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

# error_model="numpy": x / 0 is inf or NaN (IEEE, as Rust and pandas), not ZeroDivisionError.
jit = njit(cache=True, nogil=True, error_model="numpy")
parallel = njit(cache=True, nogil=True, parallel=True, error_model="numpy")
# Per-value helpers are inlined: a call through Numba's calling convention costs more than they do.
inline = njit(cache=True, nogil=True, inline="always", error_model="numpy")

PANDAS, TALIB = 0, 1


@intrinsic
def fma(typingctx, x, y, z):
    """``x * y + z`` rounded once (IEEE fma), as TA-Lib's FMA build computes its EMA and
    ATR steps: one instruction on a CPU with FMA, else the libm call (the same bits)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


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
def _pandas_window_value(v):
    """What pandas' ``rolling`` and ``ewm`` see of a value: +-inf as missing (NaN)."""
    return v if np.isfinite(v) else np.nan


@inline
def _ewm_combine(old_wt, new_wt, weighted, cur):
    """pandas' ``(old_wt * weighted + new_wt * cur) / (old_wt + new_wt)``."""
    total = old_wt + new_wt
    combined = old_wt * weighted + new_wt * cur
    # steady state: (1 - alpha) + alpha is exactly 1, a division by it changes no bit
    return combined if total == 1.0 else combined / total


@inline
def _ewm_update(st, cur):
    com, factor, new_wt, min_periods, weighted, old_wt, nobs, started = st
    if old_wt == 1.0 and nobs >= min_periods and np.isfinite(cur) and not np.isnan(weighted):
        # steady (every value observed since the start, past min_periods): the general
        # steps below reduce to this, and the short path keeps the recursion tight
        if weighted != cur:
            take = 1.0 - factor if com == 1.0 else new_wt
            weighted = _ewm_combine(factor, take, weighted, cur)
        return (com, factor, new_wt, min_periods, weighted, old_wt, nobs + 1, started), weighted
    cur = _pandas_window_value(cur)
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
                weighted = _ewm_combine(old_wt, new_wt, weighted, cur)
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


# A pandas rolling window is a state tuple, moved by ``_*_slide`` to end at row i: pandas
# starts afresh when the window is disjoint from the previous one (the first row, or
# n == 1), else removes the leaving value first and then adds the new one.


@inline
def _ewm_steady(st):
    """``(steady, keep, take, weighted)``: once steady (a value, every value since observed,
    past min_periods, weights summing to exactly 1), pandas' step for a finite value is
    ``_ewm_steady_step`` (rust's ``SteadyEwm``); kernels run it in bare loops."""
    com, factor, new_wt, min_periods, weighted, old_wt, nobs, started = st
    take = 1.0 - factor if com == 1.0 else new_wt
    steady = old_wt == 1.0 and nobs >= min_periods and not np.isnan(weighted) and factor + take == 1.0
    return steady, factor, take, weighted


@inline
def _ewm_steady_step(keep, take, weighted, cur):
    """pandas' combine when steady: its total is exactly 1, so no division; an average equal to the value stays."""
    if weighted != cur:
        weighted = keep * weighted + take * cur
    return weighted


@inline
def _ewm_advanced(st, weighted, rows):
    """The state after ``rows`` steady steps that ended at ``weighted``."""
    com, factor, new_wt, min_periods, _, old_wt, nobs, started = st
    return (com, factor, new_wt, min_periods, weighted, old_wt, nobs + rows, started)


@inline
def _sum_new(first):
    """pandas' ``roll_sum``/``roll_mean`` state: sum, comp_add, comp_remove (Kahan, separate
    for adding and removing), nobs, neg (count of negative values), same_run, prev."""
    return (0.0, 0.0, 0.0, 0, 0, 0, first)


@inline
def _sum_add(st, v):
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    y = v - comp_add
    t = total + y
    comp_add = t - total - y
    same_run = same_run + 1 if v == prev else 1
    return (t, comp_add, comp_remove, nobs + 1, neg + np.signbit(v), same_run, v)


@inline
def _sum_remove(st, v):
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    y = -v - comp_remove
    t = total + y
    comp_remove = t - total - y
    return (t, comp_add, comp_remove, nobs - 1, neg - np.signbit(v), same_run, prev)


@inline
def _sum_slide(st, x, i, n):
    if i == 0 or n == 1:
        st = _sum_new(x[i])
    elif i >= n:
        st = _sum_remove(st, x[i - n])
    return _sum_add(st, x[i])


@inline
def _sum_mean(st, min_periods):
    """The value itself for a run of identical values, 0 for a mean whose sign contradicts every value."""
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if nobs < min_periods or nobs == 0:
        return np.nan
    mean = total / nobs
    if same_run >= nobs:
        return prev
    if (neg == 0 and mean < 0.0) or (neg == nobs and mean > 0.0):
        return 0.0
    return mean


@inline
def _sum_total(st, min_periods):
    """``rolling(n, min_periods=n).sum()``: ``value * count`` for a run of identical values."""
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if nobs < min_periods or nobs == 0:
        return np.nan
    if same_run >= nobs:
        return prev * nobs
    return total


@inline
def _var_new():
    """pandas 3's ``roll_var`` state: nobs, mean, ssqdm, comp_add, comp_remove, unstable
    (Welford with a Kahan-compensated mean, and its numerically-unstable flag as 0/1)."""
    return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


# pandas' InvCondTol: an update leaving fewer than about 3 significant digits
INV_COND_TOL = np.finfo(np.float64).eps * 1e3


@inline
def _var_add(st, v):
    nobs, mean, ssqdm, comp_add, comp_remove, unstable = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    before = ssqdm
    nobs += 1.0
    prev_mean = mean - comp_add
    y = v - comp_add
    t = y - mean
    comp_add = t + mean - y
    mean += t / nobs
    ssqdm += (v - prev_mean) * (v - mean)
    if before * INV_COND_TOL > ssqdm:
        unstable = 1.0
    return (nobs, mean, ssqdm, comp_add, comp_remove, unstable)


@inline
def _var_remove(st, v):
    nobs, mean, ssqdm, comp_add, comp_remove, unstable = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    before = ssqdm
    nobs -= 1.0
    if nobs != 0.0:
        prev_mean = mean - comp_remove
        y = v - comp_remove
        t = y - mean
        comp_remove = t + mean - y
        mean -= t / nobs
        ssqdm -= (v - prev_mean) * (v - mean)
        if before * INV_COND_TOL > ssqdm:
            unstable = 1.0
    else:  # emptied: the compensations stay, the flag clears
        mean = 0.0
        ssqdm = 0.0
        unstable = 0.0
    return (nobs, mean, ssqdm, comp_add, comp_remove, unstable)


@jit
def _var_slide(st, x, i, n):
    """pandas' step to the window ending at ``i``: remove the leaving value, add ``x[i]``,
    then rebuild the window from its values if either left it numerically unstable."""
    if i == 0 or n == 1:
        st = _var_new()
    elif i >= n:
        st = _var_remove(st, x[i - n])
    st = _var_add(st, x[i])
    if st[5]:
        st = _var_new()
        for j in range(max(i + 1 - n, 0), i + 1):
            st = _var_add(st, x[j])
        st = (st[0], st[1], st[2], st[3], st[4], 0.0)
    return st


@inline
def _var_std(st, min_periods, ddof):
    """``rolling(n).std(ddof)``: 0 for one value; pandas' zsqrt."""
    nobs, mean, ssqdm = st[0], st[1], st[2]
    if nobs < min_periods or nobs <= ddof:
        return np.nan
    var = 0.0 if nobs == 1.0 else ssqdm / (nobs - ddof)
    return 0.0 if var < 0.0 else np.sqrt(var)


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
def _nan_between_runs(runs, out):
    """NaN in ``out`` outside ``runs``; the run kernels write every row of their runs, so
    each output row is written once (a NaN fill of the whole output first costs a pass)."""
    done = 0
    for a, b in runs:
        out[done:a] = np.nan
        done = b
    out[done:] = np.nan


@jit
def _runs(valid):
    """(k, 2): the runs [a, b) of consecutive True in ``valid`` (TA-Lib's recursions restart after NaN)."""
    edges = np.empty((len(valid) + 1) // 2 + 1, dtype=np.int64)
    out = np.empty((len(edges), 2), dtype=np.int64)
    k = 0
    a = 0
    n = len(valid)
    while a < n:
        if not valid[a]:
            a += 1
            continue
        b = a
        while b < n and valid[b]:
            b += 1
        out[k, 0] = a
        out[k, 1] = b
        k += 1
        a = b
    return out[:k]


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


@inline
def _talib_is_zero(v):
    return -1e-14 < v < 1e-14


@inline
def _talib_is_zero_scaled(v, scale):
    """TA-Lib 0.8.1's ``TA_IS_ZERO_SCALED``: a difference of prices within 1e-14 of their size."""
    return abs(v) <= 1e-14 * scale


@inline
def _talib_flat_window(hh, ll):
    """A window whose highest high and lowest low are one price (WILLR, STOCH)."""
    return _talib_is_zero_scaled(hh - ll, abs(hh) + abs(ll))


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


@parallel
def rolling_zscore(x, n, ddof):
    out = np.empty_like(x)
    for s in prange(x.shape[0]):
        ws = _sum_new(np.nan)
        wv = _var_new()
        for i in range(x.shape[1]):
            ws = _sum_slide(ws, x[s], i, n)
            wv = _var_slide(wv, x[s], i, n)
            out[s, i] = (x[s, i] - _sum_mean(ws, n)) / _var_std(wv, n, ddof)
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


SMA, EMA, RSI, TRUE_RANGE, ATR, ROC, NATR, WILLR, OBV, WMA = range(10)


@parallel
def _per_series(which, a, b, c, n, convention):
    """Run indicator ``which`` on each row (series) of ``a`` (and ``b``, ``c``), in parallel."""
    out = np.empty_like(a)
    for s in prange(a.shape[0]):
        if which == SMA:
            _sma(a[s], n, convention, out[s])
        elif which == WMA:
            _wma(a[s], n, convention, out[s])
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


def sma(x, n, convention):
    return _per_series(SMA, x, x, x, n, convention)


def wma(x, n, convention):
    return _per_series(WMA, x, x, x, n, convention)


def ema(x, n, convention):
    return _per_series(EMA, x, x, x, n, convention)


def rsi(x, n, convention):
    return _per_series(RSI, x, x, x, n, convention)


def roc(x, n, convention):
    return _per_series(ROC, x, x, x, n, convention)


def obv(close, volume, convention):
    return _per_series(OBV, close, volume, close, 1, convention)


def true_range(high, low, close, convention):
    return _per_series(TRUE_RANGE, high, low, close, 1, convention)


def atr(high, low, close, n, convention):
    return _per_series(ATR, high, low, close, n, convention)


def natr(high, low, close, n, convention):
    return _per_series(NATR, high, low, close, n, convention)


def willr(high, low, close, n, convention):
    return _per_series(WILLR, high, low, close, n, convention)
