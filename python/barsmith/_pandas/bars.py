"""Trades to bars, in pandas/NumPy (the oracle).

Read beside ``rust/core/src/bars.rs`` and ``_numba/bars.py``. Sums are plain
sequential sums in trade order: ``np.bincount(labels, weights)`` adds each
trade to its bar in order, exactly like the ``s += x`` of the Rust and Numba
loops. (pandas ``groupby().sum()`` and ``resample().sum()`` use Kahan
summation instead; they agree with these to about 1e-15 relative for bars of
realistic size, see docs/features.md.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def scan_trades(ts, price, size, side):
    """First bad row per check, or -1: [ts decreases, price, size, side]."""
    return np.array(
        [
            _first(ts[1:] < ts[:-1], offset=1),
            _first(~((price > 0) & (price < np.inf))),
            _first(~((size >= 0) & (size < np.inf))),
            _first((side < -1) | (side > 1)),
        ],
        dtype=np.int64,
    )


# Every bar kernel returns the trades' scan result first (what scan_trades
# finds), then the bars; bars are only meaningful when the scan found nothing.


def time_bars(ts, price, size, side, interval_ns, origin_ns):
    """Bars over ``[origin + k*interval, origin + (k+1)*interval)``; empty bins omitted."""
    bad_rows = scan_trades(ts, price, size, side)
    if (bad_rows >= 0).any():
        return _no_bars(bad_rows)
    bin_start = origin_ns + (ts - origin_ns) // interval_ns * interval_ns
    labels, starts = pd.factorize(bin_start, sort=False)
    return (bad_rows,) + _aggregate(labels, len(starts), starts.astype(np.int64), ts, price, size, side)


def tick_bars(ts, price, size, side, n_per_bar):
    """Bars of ``n_per_bar`` trades; the last may hold fewer."""
    return _threshold_bars(ts, price, size, side, lambda: np.arange(len(ts), dtype=np.int64) // n_per_bar)


def volume_bars(ts, price, size, side, threshold):
    """A bar closes on the trade whose bar volume reaches ``threshold`` (not split)."""
    return _threshold_bars(ts, price, size, side, lambda: _labels_reaching(size, threshold))


def dollar_bars(ts, price, size, side, threshold):
    """A bar closes on the trade whose bar notional reaches ``threshold`` (not split)."""
    return _threshold_bars(ts, price, size, side, lambda: _labels_reaching(price * size, threshold))


def _labels_reaching(values, threshold):
    """Bar number per trade: a bar ends at the first trade where the running
    sum of ``values`` since the bar's start reaches ``threshold``.

    A sequential rule (each bar starts where the previous ended), so this loops
    over bars; within a bar it is one ``cumsum`` + ``searchsorted`` (values are
    non-negative, so the running sum is sorted).
    """
    n = len(values)
    labels = np.empty(n, dtype=np.int64)
    start, bar, window = 0, 0, 1024
    while start < n:
        while True:
            running = np.cumsum(values[start : start + window])
            end = int(np.searchsorted(running, threshold, side="left"))
            if end < len(running) or start + window >= n:
                break
            window *= 4
        stop = min(start + end + 1, n)
        labels[start:stop] = bar
        window = max(1024, 2 * (stop - start))
        start, bar = stop, bar + 1
    return labels


@np.errstate(over="ignore", invalid="ignore")  # sums beyond 1.8e308 are inf (inf - inf NaN), as in the loops
def _threshold_bars(ts, price, size, side, make_labels):
    bad_rows = scan_trades(ts, price, size, side)
    if (bad_rows >= 0).any():
        return _no_bars(bad_rows)
    labels = make_labels()
    n_bars = int(labels[-1]) + 1 if len(labels) else 0
    out = _aggregate(labels, n_bars, None, ts, price, size, side)
    return (bad_rows, out[10].copy()) + out[1:]  # start = first trade's ts


def _no_bars(bad_rows):
    f, i = np.empty(0, np.float64), np.empty(0, np.int64)
    return (bad_rows, i, f, f, f, f, f, f, i, f, f, i, i)


@np.errstate(over="ignore", invalid="ignore")  # sums beyond 1.8e308 are inf (inf - inf NaN), as in the loops
def _aggregate(labels, n_bars, starts, ts, price, size, side):
    """OHLCV per bar from per-trade bar labels (0..n_bars-1, non-decreasing)."""
    frame = pd.DataFrame({"price": price, "ts": ts})
    grouped = frame.groupby(labels, sort=False)
    prices, times = grouped["price"], grouped["ts"]
    volume = np.bincount(labels, weights=size, minlength=n_bars)
    notional = np.bincount(labels, weights=price * size, minlength=n_bars)
    has_side = len(side) == len(size)
    buy = np.where(side == 1, size, 0.0) if has_side else np.zeros_like(size)
    sell = np.where(side == -1, size, 0.0) if has_side else np.zeros_like(size)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        vwap = notional / volume
    ts_first = times.first().to_numpy(np.int64)
    return (
        starts if starts is not None else ts_first,
        prices.first().to_numpy(np.float64),
        prices.max().to_numpy(np.float64),
        prices.min().to_numpy(np.float64),
        prices.last().to_numpy(np.float64),
        volume,
        vwap,
        grouped.size().to_numpy(np.int64),
        np.bincount(labels, weights=buy, minlength=n_bars),
        np.bincount(labels, weights=sell, minlength=n_bars),
        ts_first,
        times.last().to_numpy(np.int64),
    )


def _first(mask, offset=0):
    hits = np.flatnonzero(mask)
    return int(hits[0]) + offset if len(hits) else -1
