"""Trades to bars, in Numba. Read beside ``rust/core/src/bars.rs`` and ``_pandas/bars.py``.

The bar being built is a tuple (Numba keeps it in registers), updated by
``_add`` and written out by ``_emit``, like Rust's ``BarAccumulator``. Output
arrays are sized by a first counting pass, so nothing beyond the outputs is
allocated.
"""

from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True)

# Fields of the bar tuple.
START, OPEN, HIGH, LOW, CLOSE, VOLUME, NOTIONAL, N_TRADES, BUY, SELL, TS_FIRST, TS_LAST = range(12)


@jit
def scan_trades(ts, price, size, side):
    """First bad row per check, or -1: [ts decreases, price, size, side]."""
    out = np.full(4, -1, dtype=np.int64)
    for i in range(1, len(ts)):
        if ts[i] < ts[i - 1]:
            out[0] = i
            break
    for i in range(len(price)):
        if not (price[i] > 0.0 and price[i] < np.inf):
            out[1] = i
            break
    for i in range(len(size)):
        if not (size[i] >= 0.0 and size[i] < np.inf):
            out[2] = i
            break
    for i in range(len(side)):
        if side[i] < -1 or side[i] > 1:
            out[3] = i
            break
    return out


@jit
def time_bars(ts, price, size, side, interval_ns, origin_ns):
    """Bars over ``[origin + k*interval, origin + (k+1)*interval)``; empty bins omitted."""
    n_bars = 0
    bin_end = np.iinfo(np.int64).min
    for i in range(len(ts)):
        if ts[i] >= bin_end:
            n_bars += 1
            bin_end = _bin_start(ts[i], interval_ns, origin_ns) + interval_ns
    out = _allocate(n_bars)
    k = 0
    acc = _new_bar(0)
    bin_end = np.iinfo(np.int64).min
    for i in range(len(ts)):
        t = ts[i]
        if t >= bin_end:
            if acc[N_TRADES] > 0:
                _emit(out, k, acc)
                k += 1
            acc = _new_bar(_bin_start(t, interval_ns, origin_ns))
            bin_end = acc[START] + interval_ns
        acc = _add(acc, t, price[i], size[i], _side_at(side, i))
    if acc[N_TRADES] > 0:
        _emit(out, k, acc)
    return out


@jit
def tick_bars(ts, price, size, side, n_per_bar):
    """Bars of ``n_per_bar`` trades; the last may hold fewer."""
    return _threshold_bars(ts, price, size, side, 0, float(n_per_bar))


@jit
def volume_bars(ts, price, size, side, threshold):
    """A bar closes on the trade whose bar volume reaches ``threshold`` (not split)."""
    return _threshold_bars(ts, price, size, side, 1, threshold)


@jit
def dollar_bars(ts, price, size, side, threshold):
    """A bar closes on the trade whose bar notional reaches ``threshold`` (not split)."""
    return _threshold_bars(ts, price, size, side, 2, threshold)


@jit
def _threshold_bars(ts, price, size, side, rule, threshold):
    # rule: 0 trade count, 1 volume, 2 notional (Rust passes a closure instead).
    n_bars = 0
    acc = _new_bar(0)
    for i in range(len(ts)):
        acc = _add(acc, ts[i], price[i], size[i], 0)
        if _is_full(acc, rule, threshold):
            n_bars += 1
            acc = _new_bar(0)
    if acc[N_TRADES] > 0:
        n_bars += 1
    out = _allocate(n_bars)
    k = 0
    acc = _new_bar(0)
    for i in range(len(ts)):
        if acc[N_TRADES] == 0:
            acc = _new_bar(ts[i])
        acc = _add(acc, ts[i], price[i], size[i], _side_at(side, i))
        if _is_full(acc, rule, threshold):
            _emit(out, k, acc)
            k += 1
            acc = _new_bar(0)
    if acc[N_TRADES] > 0:
        _emit(out, k, acc)
    return out


@jit
def _is_full(acc, rule, threshold):
    if rule == 0:
        return acc[N_TRADES] >= threshold
    if rule == 1:
        return acc[VOLUME] >= threshold
    return acc[NOTIONAL] >= threshold


@jit
def _bin_start(ts, interval_ns, origin_ns):
    # Python // floors towards minus infinity, as Rust's div_euclid for a positive divisor.
    return origin_ns + ((ts - origin_ns) // interval_ns) * interval_ns


@jit
def _side_at(side, i):
    return side[i] if len(side) > 0 else np.int8(0)


@jit
def _new_bar(start):
    return (np.int64(start), np.nan, -np.inf, np.inf, np.nan, 0.0, 0.0, np.int64(0), 0.0, 0.0,
            np.int64(0), np.int64(0))


@jit
def _add(acc, ts, price, size, side):
    first = acc[N_TRADES] == 0
    return (
        acc[START],
        price if first else acc[OPEN],
        price if price > acc[HIGH] else acc[HIGH],
        price if price < acc[LOW] else acc[LOW],
        price,
        acc[VOLUME] + size,
        acc[NOTIONAL] + price * size,
        acc[N_TRADES] + 1,
        acc[BUY] + (size if side == 1 else 0.0),
        acc[SELL] + (size if side == -1 else 0.0),
        ts if first else acc[TS_FIRST],
        ts,
    )


@jit
def _allocate(n):
    f = np.float64
    i = np.int64
    return (np.empty(n, i), np.empty(n, f), np.empty(n, f), np.empty(n, f), np.empty(n, f),
            np.empty(n, f), np.empty(n, f), np.empty(n, i), np.empty(n, f), np.empty(n, f),
            np.empty(n, i), np.empty(n, i))


@jit
def _emit(out, k, acc):
    out[0][k] = acc[START]
    out[1][k] = acc[OPEN]
    out[2][k] = acc[HIGH]
    out[3][k] = acc[LOW]
    out[4][k] = acc[CLOSE]
    out[5][k] = acc[VOLUME]
    out[6][k] = acc[NOTIONAL] / acc[VOLUME] if acc[VOLUME] != 0.0 else np.nan
    out[7][k] = acc[N_TRADES]
    out[8][k] = acc[BUY]
    out[9][k] = acc[SELL]
    out[10][k] = acc[TS_FIRST]
    out[11][k] = acc[TS_LAST]
