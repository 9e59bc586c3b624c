"""Technical indicators in pandas (the oracle). Read beside
``rust/core/src/indicators/`` and ``_numba/indicators/``.

Kernels take and return 2-D float64 arrays of shape (series, points). The
``pandas`` convention *is* the pandas expression in each docstring, run on a
DataFrame with one column per series. The ``talib`` convention's seeded
recursions (TA-Lib seeds EMA and Wilder averages with a plain mean, and
restarts after NaN here) are sequential state machines, written as plain
loops in TA-Lib's own arithmetic: ``ewm`` computes the same averages but
rounds differently, and after a cancellation (``(x - prev) * 1 + prev``
with a tiny ``x``) no relative tolerance covers the difference.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np
import pandas as pd

PANDAS, TALIB = 0, 1


def _libm_fma():
    """libm's ``fma(x, y, z)``: ``x * y + z`` rounded once, as TA-Lib's FMA build computes its
    EMA and ATR steps (the rust and numba kernels use the instruction; IEEE fixes the result)."""
    for name in (ctypes.util.find_library("m"), "libm.so.6", ctypes.util.find_library("c"), "ucrtbase"):
        try:
            f = ctypes.CDLL(name).fma
        except (OSError, AttributeError, TypeError):
            continue
        f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double] * 3
        return f
    raise ImportError("barsmith's pandas backend needs the C library's fma(), which was not found")


_fma = _libm_fma()


def _frame(x):
    return pd.DataFrame(np.asarray(x).T)


def _out(df):
    return np.ascontiguousarray(df.to_numpy(dtype=np.float64).T)


def sma(x, n, convention):
    """pandas: ``x.rolling(n, min_periods=n).mean()``; talib: TA-Lib's running sum
    ``total += x; sma = total / n; total -= x[i - n + 1]`` per run of valid values."""
    if convention == PANDAS:
        return _out(_frame(x).rolling(n, min_periods=n).mean())

    def run(v, outs):
        total = 0.0
        for w in v[: n - 1]:
            total += w
        for i in range(n - 1, len(v)):
            total += v[i]
            outs[0][i] = total / n
            total -= v[i + 1 - n]

    return np.ascontiguousarray(_per_run_loop((x,), 1, run)[:, 0])


_WMA_RESEED_EVERY = 8  # TA-Lib takes its WMA sums afresh every 8 n rows of a run


def wma(x, n, convention):
    """pandas: ``sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)``; talib: TA-Lib's
    running sums ``sub += x - x_left; sum += n * x; wma = sum / (n * (n + 1) / 2); sum -= sub``
    per run of valid values, taken afresh from the window every ``8 * n`` rows."""
    if convention == PANDAS:
        df = _frame(x)
        return _out(sum((df.shift(k) * float(n - k) for k in range(n)), start=0.0) / (n * (n + 1) / 2.0))

    def run(v, outs):
        if n == 1:
            outs[0][:] = v  # TA-Lib copies the input
            return
        sub = total = 0.0
        for k, w in enumerate(v[: n - 1]):
            sub += w
            total += w * (k + 1)
        until_reseed = _WMA_RESEED_EVERY * n
        for i in range(n - 1, len(v)):
            left = 0.0 if i == n - 1 else v[i - n]
            until_reseed -= 1
            if until_reseed == 0:
                until_reseed = _WMA_RESEED_EVERY * n
                sub = total = left = 0.0
                for k, w in enumerate(v[i + 1 - n : i]):
                    sub += w
                    total += w * (k + 1)
            sub += v[i]
            sub -= left
            total += v[i] * n
            outs[0][i] = total / (n * (n + 1) // 2)
            total -= sub

    return np.ascontiguousarray(_per_run_loop((x,), 1, run)[:, 0])


def ema(x, n, convention):
    """pandas: ``x.ewm(span=n, adjust=False, min_periods=n).mean()``;
    talib: the mean of the first n values, then ``fma(x - ema, 2 / (n + 1), ema)``."""
    if convention == PANDAS:
        return _out(_frame(x).ewm(span=n, adjust=False, min_periods=n).mean())
    return _out(_seeded(_frame(x), n, "ema"))


def macd(x, fast, slow, signal, convention):
    """(series, 3, points): macd, signal, histogram. pandas:
    ``macd = x.ewm(span=fast, adjust=False, min_periods=fast).mean() - x.ewm(span=slow, ...).mean()``,
    ``signal = macd.ewm(span=signal, adjust=False, min_periods=signal).mean()``, ``hist = macd - signal``;
    talib: TA-Lib's MACD per run of valid values (both EMAs start at row ``slow - 1``,
    each seeded with the mean of its own period ending there)."""
    df = _frame(x)
    if convention == PANDAS:
        line = (df.ewm(span=fast, adjust=False, min_periods=fast).mean()
                - df.ewm(span=slow, adjust=False, min_periods=slow).mean())  # fmt: skip
        sig = line.ewm(span=signal, adjust=False, min_periods=signal).mean()
        return np.ascontiguousarray(np.stack([_out(line), _out(sig), _out(line - sig)], axis=1))
    values = df.to_numpy(dtype=np.float64)
    out = np.full((values.shape[1], 3, values.shape[0]), np.nan)
    fast, slow = min(fast, slow), max(fast, slow)
    for j in range(values.shape[1]):
        col = values[:, j]
        valid = ~np.isnan(col)
        edges = np.flatnonzero(np.diff(np.concatenate([[False], valid, [False]]).astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2]):  # each run of valid values
            run = col[a:b].tolist()
            start, first = slow - 1, slow + signal - 2
            if len(run) <= first:
                continue
            slow_ema = _talib_ema_from(run, slow, start)
            fast_ema = _talib_ema_from(run, fast, start)
            line = [f - s for f, s in zip(fast_ema, slow_ema)]
            sig = _talib_ema_from(line, signal, signal - 1)
            for k, g in enumerate(sig):
                m = line[signal - 1 + k]
                out[j, :, a + first + k] = (m, g, m - g)
    return out


def rsi(x, n, convention):
    """pandas: ``d = x.diff(); g = d.clip(lower=0); l = (-d).clip(lower=0)``,
    ``ewm(alpha=1/n, adjust=False, min_periods=n).mean()`` of each, then
    ``100 - 100 / (1 + g / l)``; talib: Wilder averages seeded with the mean
    of the first n changes, ``100 * g / (g + l)`` (0 when ``g + l`` is not above 0)."""
    d = _frame(x).diff()
    gain, loss = d.clip(lower=0), (-d).clip(lower=0)
    if convention == PANDAS:
        g = gain.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean()
        lo = loss.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean()
        with np.errstate(divide="ignore", invalid="ignore"):
            return _out(100 - 100 / (1 + g / lo))
    g, lo = _seeded(gain, n, "rsi"), _seeded(loss, n, "rsi")
    total = g + lo
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 * (g / total)
    return _out(value.mask(total <= 0.0, 0.0))


def roc(x, n, convention):
    """pandas: ``(x / x.shift(n) - 1) * 100``; talib: the same, 0 where ``x.shift(n)`` is 0."""
    df = _frame(x)
    old = df.shift(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (df / old - 1) * 100
    if convention == TALIB:
        value = value.mask(old == 0, 0.0)
    return _out(value)


@np.errstate(invalid="ignore")  # an infinite volume each way sums to NaN
def obv(close, volume, convention):
    """pandas: ``(np.sign(close.diff()) * volume).fillna(0).cumsum()``; talib: starts at the
    first volume, +volume on a rise, -volume on a fall; a row with a NaN close or volume is NaN and skipped."""
    c, v = _frame(close), _frame(volume)
    if convention == PANDAS:
        return _out((np.sign(c.diff()) * v).fillna(0).cumsum())
    # compare each valid close with the last valid one; the first valid row starts at its volume
    valid = c.notna() & v.notna()
    last = c.where(valid).ffill().shift()
    step = (np.sign(c - last) * v).where(last.notna(), v).where(valid)
    started = valid.cummax()
    return _out(step.fillna(0).where(started).cumsum().where(valid))


def true_range(high, low, close, convention):
    """pandas: ``concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()], axis=1).max(axis=1)``
    (NaN-skipping, so the first row is ``h - l``); talib: TA-Lib's ``TRANGE``, NaN in the first
    row, each later part replacing ``h - l`` where greater (so a NaN ``h - l`` stays)."""
    h, lo, c = _frame(high), _frame(low), _frame(close)
    prev = c.shift()
    parts = np.stack([(h - lo).to_numpy(), (h - prev).abs().to_numpy(), (lo - prev).abs().to_numpy()])
    with np.errstate(invalid="ignore"):
        if convention == PANDAS:
            tr = pd.DataFrame(np.fmax(np.fmax(parts[0], parts[1]), parts[2]))  # NaN-skipping max
        else:
            greatest = np.where(parts[1] > parts[0], parts[1], parts[0])
            tr = pd.DataFrame(np.where(parts[2] > greatest, parts[2], greatest))
    if convention == TALIB and len(tr):
        tr.iloc[0] = np.nan
    return _out(tr)


def atr(high, low, close, n, convention):
    """pandas: ``true_range.ewm(alpha=1/n, adjust=False, min_periods=n).mean()``;
    talib: the mean of the first n true ranges (from the second row), then
    ``fma(atr, k, tr * (1 - k))`` with ``k = (n - 1) / n``."""
    tr = _frame(true_range(high, low, close, convention))
    if convention == PANDAS:
        return _out(tr.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean())
    return _out(_seeded(tr, n, "atr"))


def natr(high, low, close, n, convention):
    """``atr / close * 100``; talib: 0 where ``|close| < 1e-14``."""
    c = _frame(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = _frame(atr(high, low, close, n, convention)) / c * 100
    if convention == TALIB:
        value = value.mask((c > -1e-14) & (c < 1e-14), 0.0)
    return _out(value)


def willr(high, low, close, n, convention):
    """``hh = h.rolling(n).max(); ll = l.rolling(n).min()``; pandas: ``-100 * (hh - c) / (hh - ll)``;
    talib: ``((hh - c) / (hh - ll)) * -100`` clipped to [-100, 0], 0 where the window is flat
    (``hh - ll`` within 1e-14 of ``|hh| + |ll|``, TA-Lib 0.8.1's scaled zero test)."""
    hh = _frame(high).rolling(n, min_periods=n).max()
    ll = _frame(low).rolling(n, min_periods=n).min()
    c = _frame(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        if convention == PANDAS:
            return _out(-100 * (hh - c) / (hh - ll))
        value = (((hh - c) / (hh - ll)) * -100.0).clip(-100.0, 0.0)
        return _out(value.mask(_talib_flat_window(hh, ll), 0.0))


def stoch(high, low, close, fastk_n, slowk_n, slowd_n, convention):
    """(series, 2, points): slow %K, slow %D. ``hh``/``ll`` = ``rolling(fastk_n).max()/.min()``;
    fast %K pandas: ``100 * (c - ll) / (hh - ll)``, talib: ``((c - ll) / (hh - ll)) * 100``
    (0 where the window is flat, as in ``willr``); slow %K = ``fastk.rolling(slowk_n).mean()``,
    slow %D = ``slowk.rolling(slowd_n).mean()`` (talib: TA-Lib's running-sum SMA, as ``sma``);
    talib blanks slow %K until slow %D starts."""
    hh = _frame(high).rolling(fastk_n, min_periods=fastk_n).max()
    ll = _frame(low).rolling(fastk_n, min_periods=fastk_n).min()
    c = _frame(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        if convention == PANDAS:
            fastk = 100 * (c - ll) / (hh - ll)
        else:
            fastk = (((c - ll) / (hh - ll)) * 100.0).mask(_talib_flat_window(hh, ll), 0.0)
    slowk = _frame(sma(_out(fastk), slowk_n, convention))  # each convention's own sma
    slowd = _frame(sma(_out(slowk), slowd_n, convention))
    if convention == TALIB:
        slowk.iloc[: fastk_n - 1 + slowk_n - 1 + slowd_n - 1] = np.nan
    return np.ascontiguousarray(np.stack([_out(slowk), _out(slowd)], axis=1))


def _talib_flat(diff, scale):
    """TA-Lib 0.8.1's ``TA_IS_ZERO_SCALED``: a difference of prices within 1e-14 of their size
    (its issues #107 and #253: a fixed band answered "flat" for every small-priced window)."""
    return np.abs(diff) <= 1e-14 * scale


def _talib_flat_window(hh, ll):
    """A window whose highest high and lowest low are one price (WILLR, STOCH)."""
    return _talib_flat(hh - ll, hh.abs() + ll.abs())


def _talib_ema_from(x, n, start):
    """TA-Lib's INT_EMA from row ``start``: seeded with the plain mean of the n values ending there."""
    k = 2.0 / (n + 1.0)
    total = 0.0
    for v in x[start + 1 - n:start + 1]:
        total += v
    prev = total / n
    out = [prev]
    for v in x[start + 1:]:
        prev = _fma(v - prev, k, prev)
        out.append(prev)
    return out


def _seeded(df, n, rule):
    """TA-Lib 0.8.1's seeded recursions per column: in each run of valid values, NaN for the
    first n - 1, then (``rule``) ``"ema"``: their mean, then ``fma(x - prev, 2 / (n + 1), prev)``;
    ``"atr"``: their mean, then ``fma(prev, k, x * (1 - k))`` with ``k = (n - 1) / n``;
    ``"rsi"``: their sum times ``1 / n``, then ``(prev * (n - 1) + x) * (1 / n)``."""
    k = 2.0 / (n + 1.0)
    keep = (n - 1.0) / n
    take, r = 1.0 - keep, 1.0 / n
    out = np.full(df.shape, np.nan)
    for j, col in enumerate(df.to_numpy(dtype=np.float64).T):
        seed_sum, seen, prev = 0.0, 0, np.nan
        for i, v in enumerate(col.tolist()):
            if v != v:  # NaN: the indicator starts again
                seed_sum, seen, prev = 0.0, 0, np.nan
                continue
            if seen < n:
                seed_sum += v
                seen += 1
                if seen == n:
                    prev = seed_sum * r if rule == "rsi" else seed_sum / n
            elif rule == "ema":
                prev = _fma(v - prev, k, prev)
            elif rule == "atr":
                prev = _fma(prev, keep, v * take)
            else:
                prev = (prev * (n - 1.0) + v) * r
            out[i, j] = prev
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def dmi(high, low, close, n, convention):
    """(series, 4, points): adx, plus_di, minus_di, dx. pandas::

        up, down = high.diff(), -low.diff()
        plus_dm = up.where((up > down) & (up > 0), 0.0)
        minus_dm = down.where((down > up) & (down > 0), 0.0)
        wilder = lambda s: s.ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        atr = wilder(true_range(high, low, close))
        plus_di = 100 * wilder(plus_dm) / atr;  minus_di = 100 * wilder(minus_dm) / atr
        dx = 100 * (plus_di - minus_di).abs() / (plus_di + minus_di);  adx = wilder(dx)

    talib: TA-Lib's ADX / PLUS_DI / MINUS_DI / DX per run of valid rows (a loop: Wilder sums)."""
    if convention == TALIB:
        return _per_run_loop((high, low, close), 4, lambda h, lo, c, outs: _talib_dmi(h, lo, c, n, *outs))
    h, lo = _frame(high), _frame(low)
    up, down = h.diff(), -lo.diff()
    plus_dm = up.where((up > down) & (up > 0), 0.0)
    minus_dm = down.where((down > up) & (down > 0), 0.0)

    def wilder(s):
        return s.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean()

    atr_ = wilder(_frame(true_range(high, low, close, PANDAS)))
    with np.errstate(divide="ignore", invalid="ignore"):
        plus_di = 100 * wilder(plus_dm) / atr_
        minus_di = 100 * wilder(minus_dm) / atr_
        dx = 100 * (plus_di - minus_di).abs() / (plus_di + minus_di)
    return np.ascontiguousarray(np.stack([_out(wilder(dx)), _out(plus_di), _out(minus_di), _out(dx)], axis=1))


def _talib_dmi(h, lo, c, n, adx, pdi, mdi, dx):
    """TA-Lib 0.8's Wilder sums ``s = s - s / n + v`` seeded with the sum of the first n - 1 values."""
    pdm_s = mdm_s = tr_s = 0.0
    dx_sum, adx_prev, dx_prev = 0.0, np.nan, 0.0
    for i in range(1, len(h)):
        up, down = h[i] - h[i - 1], lo[i - 1] - lo[i]
        plus_dm = up if (up > down and up > 0) else 0.0
        minus_dm = down if (down > up and down > 0) else 0.0
        tr = max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1]))
        if i < n:
            pdm_s, mdm_s, tr_s = pdm_s + plus_dm, mdm_s + minus_dm, tr_s + tr
            continue
        pdm_s = pdm_s - pdm_s / n + plus_dm
        mdm_s = mdm_s - mdm_s / n + minus_dm
        tr_s = tr_s - tr_s / n + tr
        dx_now = None
        if not tr_s > 0.0:  # in the quote's unit: TA-Lib 0.8.1 tests it against 0, not a band
            pdi[i] = mdi[i] = 0.0
        else:
            pdi[i], mdi[i] = 100.0 * (pdm_s / tr_s), 100.0 * (mdm_s / tr_s)
            total = mdi[i] + pdi[i]
            if not -1e-14 < total < 1e-14:
                dx_now = 100.0 * (abs(mdi[i] - pdi[i]) / total)
        dx[i] = dx_now if dx_now is not None else (0.0 if i == n else dx_prev)
        dx_prev = dx[i]
        if i < 2 * n - 1:
            dx_sum += dx_now or 0.0
            continue
        if i == 2 * n - 1:
            adx_prev = (dx_sum + (dx_now or 0.0)) / n
        elif dx_now is not None:
            adx_prev = (adx_prev * (n - 1.0) + dx_now) / n
        adx[i] = adx_prev


def _per_run_loop(inputs, k, run_kernel):
    """(series, k, points) NaN, filled by ``run_kernel(*inputs_of_run, outputs_of_run)`` on each run
    of rows where every input is valid (TA-Lib's recursions restart after NaN)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in inputs]
    out = np.full((arrays[0].shape[0], k, arrays[0].shape[1]), np.nan)
    for s in range(arrays[0].shape[0]):
        valid = np.logical_and.reduce([~np.isnan(a[s]) for a in arrays])
        edges = np.flatnonzero(np.diff(np.concatenate([[False], valid, [False]]).astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2]):
            run_kernel(*(arr[s, a:b].tolist() for arr in arrays), [out[s, j, a:b] for j in range(k)])
    return out


_VAR_RESEED_EVERY = 32  # TA-Lib takes its variance sums afresh every 32 n windows of a run


def bbands(x, n, nbdev_up, nbdev_dn, ddof, convention):
    """(series, 3, points): upper, middle, lower. pandas::

        mid = x.rolling(n, min_periods=n).mean();  sd = x.rolling(n, min_periods=n).std(ddof=ddof)
        upper, lower = mid + nbdev_up * sd, mid - nbdev_dn * sd

    talib: TA-Lib 0.8.1's BBANDS (SMA) per run of valid values: ``mid`` a running sum,
    ``sd = sqrt(mean(d ** 2) - mean(d) ** 2)`` with ``d = x - shift``, the sums of ``d`` and
    ``d ** 2`` kept by adding the new value and removing the oldest; ``shift`` starts at the
    run's first value and moves to the window's mean, the sums taken afresh, every ``32 * n``
    windows, when the variance is below 1e-6 of ``mean(d ** 2)``, and when the leaving
    ``d ** 2`` is above 1e6 times the sum that stays; a fresh variance below 1e-12 of its
    ``mean(d ** 2)`` is 0. ``upper = fma(sd, nbdev_up, mid)`` when the multipliers differ."""
    if convention == TALIB:
        def run(v, outs):
            upper, middle, lower = outs
            r = 1.0 / n
            total = s1 = s2 = 0.0
            shift = v[0]
            for w in v[: n - 1]:
                total += w
                s1 += w - shift
                s2 += (w - shift) * (w - shift)
            until_reseed = _VAR_RESEED_EVERY * n
            for i in range(n - 1, len(v)):
                total += v[i]
                s1 += v[i] - shift
                s2 += (v[i] - shift) * (v[i] - shift)
                mid = total / n
                var = s2 * r - (s1 * r) * (s1 * r)
                oldest = v[i + 1 - n] - shift
                s1 -= oldest
                s2 -= oldest * oldest
                until_reseed -= 1
                if var < 1e-6 * (s2 * r) or oldest * oldest > 1e6 * s2 or until_reseed == 0:
                    until_reseed = _VAR_RESEED_EVERY * n
                    window = v[i + 1 - n : i + 1]
                    shift = sum(window, start=0.0) * r
                    s1 = s2 = 0.0
                    for w in window:
                        s1 += w - shift
                        s2 += (w - shift) * (w - shift)
                    var = s2 * r - (s1 * r) * (s1 * r)
                    if var < 1e-12 * (s2 * r):
                        var = 0.0
                    s1 -= window[0] - shift
                    s2 -= (window[0] - shift) * (window[0] - shift)
                total -= v[i + 1 - n]
                sd = np.sqrt(var)
                upper[i] = mid + sd * nbdev_up if nbdev_up == nbdev_dn else _fma(sd, nbdev_up, mid)
                middle[i], lower[i] = mid, mid - sd * nbdev_dn

        return _per_run_loop((x,), 3, run)
    r = _frame(x).rolling(n, min_periods=n)
    mid, sd = r.mean(), r.std(ddof=ddof)
    return np.ascontiguousarray(np.stack([_out(mid + nbdev_up * sd), _out(mid), _out(mid - nbdev_dn * sd)], axis=1))


def rolling_zscore(x, n, ddof):
    """``(x - x.rolling(n, min_periods=n).mean()) / x.rolling(n, min_periods=n).std(ddof=ddof)``."""
    df = _frame(x)
    r = df.rolling(n, min_periods=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out((df - r.mean()) / r.std(ddof=ddof))


def _typical_price(high, low, close):
    return (_frame(high) + _frame(low) + _frame(close)) / 3


def cci(high, low, close, n, convention):
    """pandas: ``tp = (h + l + c) / 3; ma = tp.rolling(n, min_periods=n).mean()``,
    ``md = sum((tp.shift(k) - ma).abs() for k in range(n)) / n``, ``(tp - ma) / (0.015 * md)``.
    talib: TA-Lib's CCI per run of valid rows, its sums taken in circular-buffer order."""
    tp = _typical_price(high, low, close)
    if convention == PANDAS:
        ma = tp.rolling(n, min_periods=n).mean()
        md = sum(((tp.shift(k) - ma).abs() for k in range(n)), start=0.0) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            return _out((tp - ma) / (0.015 * md))
    values = tp.to_numpy()
    out = np.full((values.shape[1], values.shape[0]), np.nan)
    for s in range(values.shape[1]):
        col = values[:, s]
        valid = ~np.isnan(col)
        edges = np.flatnonzero(np.diff(np.concatenate([[False], valid, [False]]).astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2]):
            run = col[a:b]
            i = np.arange(n - 1, len(run))
            base = i + 1 - n
            slots = [base + (j + n - base % n) % n for j in range(n)]  # TA-Lib's buffer order
            with np.errstate(divide="ignore", invalid="ignore"):  # +-inf prices make inf - inf
                mean = np.zeros(len(i))
                for t in slots:
                    mean += run[t]
                mean /= n
                dev = np.zeros(len(i))
                for t in slots:
                    dev += np.abs(run[t] - mean)
                diff = run[i] - mean
                mean_dev = dev / n
                flat = _talib_flat(diff, np.abs(mean)) | _talib_flat(mean_dev, np.abs(mean))
                out[s, a + i] = np.where(flat, 0.0, diff / (0.015 * mean_dev))
    return out


def mfi(high, low, close, volume, n, convention):
    """pandas: ``tp = (h + l + c) / 3; d = tp.diff(); mf = tp * volume``,
    ``pos = mf.where(d > 0, 0.0).rolling(n, min_periods=n).sum()``, ``neg`` with ``d < 0``,
    ``100 * pos / (pos + neg)``. talib: TA-Lib's MFI per run of valid rows (running sums; a
    change within 1e-14 of the prices' size counts as none; both sums reset to 0 after ``n``
    rows in a row without flow), ``pos`` clamped into ``[0, pos + neg]``, 0 when
    ``pos + neg`` is not above 0."""
    tp = _typical_price(high, low, close)
    if convention == PANDAS:
        d, mf = tp.diff(), tp * _frame(volume)
        pos = mf.where(d > 0, 0.0).rolling(n, min_periods=n).sum()
        neg = mf.where(d < 0, 0.0).rolling(n, min_periods=n).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            return _out(100 * pos / (pos + neg))

    def run(tp_run, v, outs):
        (out,) = outs
        flows = [(0.0, 0.0)] * n
        pos = neg = 0.0
        no_flow_run = 0
        prev = tp_run[0]
        for k in range(len(tp_run) - 1):
            if k >= n:
                pos -= flows[k % n][0]
                neg -= flows[k % n][1]
            cur = tp_run[k + 1]
            d, mf = cur - prev, cur * v[k + 1]
            money = 0.0 if _talib_flat(d, abs(cur) + abs(prev)) else mf
            prev = cur
            flows[k % n] = (0.0, money) if d < 0 else (money, 0.0)
            pos += flows[k % n][0]
            neg += flows[k % n][1]
            no_flow_run = no_flow_run + 1 if money == 0.0 else 0
            if no_flow_run >= n:  # a window without flow: TA-Lib drops the sums' residue
                no_flow_run, pos, neg = n, 0.0, 0.0
            if k + 1 >= n:
                total = pos + neg
                clamped = 0.0 if pos < 0.0 else (total if pos > total else pos)  # drift stays in [0, 100]
                out[k + 1] = 0.0 if total <= 0.0 else 100.0 * (clamped / total)

    return _per_run_loop((_out(tp), volume), 1, run)[:, 0, :]


def vwap(price, volume, period, window):
    """``window > 0``: ``(price * volume).rolling(window, min_periods=window).sum() / volume.rolling(...).sum()``;
    else ``(price * volume).groupby(period).cumsum() / volume.groupby(period).cumsum()`` (one period if empty)."""
    p, v = _frame(price), _frame(volume)
    pv = p * v
    if window > 0:
        return _out(pv.rolling(window, min_periods=window).sum() / v.rolling(window, min_periods=window).sum())
    key = np.asarray(period) if len(period) else np.zeros(len(p), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(pv.groupby(key).cumsum() / v.groupby(key).cumsum())
