"""Technical indicators in pandas (the oracle). Read beside
``rust/core/src/indicators.rs`` and ``_numba/indicators.py``.

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

import numpy as np
import pandas as pd

PANDAS, TALIB = 0, 1


def _frame(x):
    return pd.DataFrame(np.asarray(x).T)


def _out(df):
    return np.ascontiguousarray(df.to_numpy(dtype=np.float64).T)


def sma(x, n):
    """``x.rolling(n, min_periods=n).mean()`` (both conventions)."""
    return _out(_frame(x).rolling(n, min_periods=n).mean())


def wma(x, n):
    """``sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)`` (both conventions)."""
    df = _frame(x)
    return _out(sum((df.shift(k) * float(n - k) for k in range(n)), start=0.0) / (n * (n + 1) / 2.0))


def ema(x, n, convention):
    """pandas: ``x.ewm(span=n, adjust=False, min_periods=n).mean()``;
    talib: the mean of the first n values, then ``(x - ema) * 2 / (n + 1) + ema``."""
    if convention == PANDAS:
        return _out(_frame(x).ewm(span=n, adjust=False, min_periods=n).mean())
    return _out(_seeded(_frame(x), n, "ema"))


def rsi(x, n, convention):
    """pandas: ``d = x.diff(); g = d.clip(lower=0); l = (-d).clip(lower=0)``,
    ``ewm(alpha=1/n, adjust=False, min_periods=n).mean()`` of each, then
    ``100 - 100 / (1 + g / l)``; talib: Wilder averages seeded with the mean
    of the first n changes, ``100 * g / (g + l)`` (0 when ``g + l`` is 0)."""
    d = _frame(x).diff()
    gain, loss = d.clip(lower=0), (-d).clip(lower=0)
    if convention == PANDAS:
        g = gain.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean()
        lo = loss.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean()
        with np.errstate(divide="ignore", invalid="ignore"):
            return _out(100 - 100 / (1 + g / lo))
    g, lo = _seeded(gain, n, "wilder"), _seeded(loss, n, "wilder")
    total = g + lo
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 * (g / total)
    return _out(value.where(~((total > -1e-14) & (total < 1e-14)), 0.0))


def true_range(high, low, close, convention):
    """pandas: ``concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()], axis=1).max(axis=1)``
    (NaN-skipping, so the first row is ``h - l``); talib: the same with NaN in the first row."""
    h, lo, c = _frame(high), _frame(low), _frame(close)
    prev = c.shift()
    parts = np.stack([(h - lo).to_numpy(), (h - prev).abs().to_numpy(), (lo - prev).abs().to_numpy()])
    with np.errstate(invalid="ignore"):
        tr = pd.DataFrame(np.fmax(np.fmax(parts[0], parts[1]), parts[2]))  # NaN-skipping max
    if convention == TALIB and len(tr):
        tr.iloc[0] = np.nan
    return _out(tr)


def atr(high, low, close, n, convention):
    """pandas: ``true_range.ewm(alpha=1/n, adjust=False, min_periods=n).mean()``;
    talib: the mean of the first n true ranges (from the second row), then
    ``(atr * (n - 1) + tr) / n``."""
    tr = _frame(true_range(high, low, close, convention))
    if convention == PANDAS:
        return _out(tr.ewm(alpha=1.0 / n, adjust=False, min_periods=n).mean())
    return _out(_seeded(tr, n, "wilder"))


def roc(x, n, convention):
    """pandas: ``(x / x.shift(n) - 1) * 100``; talib: the same, 0 where ``x.shift(n)`` is 0."""
    df = _frame(x)
    old = df.shift(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (df / old - 1) * 100
    if convention == TALIB:
        value = value.mask(old == 0, 0.0)
    return _out(value)


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
    talib: ``(hh - c) / ((hh - ll) / -100)``, 0 when ``hh == ll``."""
    hh = _frame(high).rolling(n, min_periods=n).max()
    ll = _frame(low).rolling(n, min_periods=n).min()
    c = _frame(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        if convention == PANDAS:
            return _out(-100 * (hh - c) / (hh - ll))
        diff = (hh - ll) / -100.0
        return _out(((hh - c) / diff).mask(diff == 0, 0.0))


def obv(close, volume, convention):
    """pandas: ``(np.sign(close.diff()) * volume).fillna(0).cumsum()``; talib: starts at the
    first volume, +volume on a rise, -volume on a fall; a NaN close is NaN and skipped."""
    c, v = _frame(close), _frame(volume)
    if convention == PANDAS:
        return _out((np.sign(c.diff()) * v).fillna(0).cumsum())
    # compare each valid close with the last valid one; the first valid row starts at its volume
    last = c.ffill().shift()
    step = (np.sign(c - last) * v).where(last.notna(), v).where(c.notna())
    started = c.notna().cummax()
    return _out(step.fillna(0).where(started).cumsum().where(c.notna()))


def stoch(high, low, close, fastk_n, slowk_n, slowd_n, convention):
    """(series, 2, points): slow %K, slow %D. ``hh``/``ll`` = ``rolling(fastk_n).max()/.min()``;
    fast %K pandas: ``100 * (c - ll) / (hh - ll)``, talib: ``(c - ll) / ((hh - ll) / 100)``
    (0 when ``hh == ll``); slow %K = ``fastk.rolling(slowk_n).mean()``, slow %D =
    ``slowk.rolling(slowd_n).mean()``; talib blanks slow %K until slow %D starts."""
    hh = _frame(high).rolling(fastk_n, min_periods=fastk_n).max()
    ll = _frame(low).rolling(fastk_n, min_periods=fastk_n).min()
    c = _frame(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        if convention == PANDAS:
            fastk = 100 * (c - ll) / (hh - ll)
        else:
            diff = (hh - ll) / 100.0
            fastk = ((c - ll) / diff).mask(diff == 0, 0.0)
    slowk = fastk.rolling(slowk_n, min_periods=slowk_n).mean()
    slowd = slowk.rolling(slowd_n, min_periods=slowd_n).mean()
    if convention == TALIB:
        slowk.iloc[: fastk_n - 1 + slowk_n - 1 + slowd_n - 1] = np.nan
    return np.ascontiguousarray(np.stack([_out(slowk), _out(slowd)], axis=1))


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


def _talib_ema_from(x, n, start):
    """TA-Lib's INT_EMA from row ``start``: seeded with the plain mean of the n values ending there."""
    k = 2.0 / (n + 1.0)
    total = 0.0
    for v in x[start + 1 - n:start + 1]:
        total += v
    prev = total / n
    out = [prev]
    for v in x[start + 1:]:
        prev = (v - prev) * k + prev
        out.append(prev)
    return out


def _seeded(df, n, rule):
    """TA-Lib's seeded recursion per column: in each run of valid values, NaN for the
    first n - 1, their plain mean at the n-th, then ``(x - prev) * 2 / (n + 1) + prev``
    (``rule="ema"``) or ``(prev * (n - 1) + x) / n`` (``"wilder"``)."""
    k = 2.0 / (n + 1.0)
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
                    prev = seed_sum / n
            elif rule == "ema":
                prev = (v - prev) * k + prev
            else:
                prev = (prev * (n - 1.0) + v) / n
            out[i, j] = prev
    return pd.DataFrame(out, index=df.index, columns=df.columns)
