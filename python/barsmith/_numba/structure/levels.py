"""Support and resistance levels from volume-weighted pivots, and the previous period's
high and low. Read beside ``rust/core/src/structure/levels.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import jit, parallel
from .search import _first_below, _min_tree, _tree_set
from .swings import _window_extreme


@parallel
def support_resistance(high, low, close, volume, pivot_length, lookbacks, tolerance, min_touches):
    """See ``_pandas/structure.py``: the lookbacks run in parallel (``prange``)."""
    n = len(close)
    is_high = _window_extreme(high, pivot_length, 1.0)
    is_low = _window_extreme(low, pivot_length, -1.0)
    m = 0
    for i in range(n):
        m += is_high[i] + is_low[i]
    bars = np.empty(m, dtype=np.int64)
    prices = np.empty(m)
    p = 0
    for i in range(n):  # in bar order, a bar's high before its low
        if is_high[i]:
            bars[p] = i
            prices[p] = high[i]
            p += 1
        if is_low[i]:
            bars[p] = i
            prices[p] = low[i]
            p += 1
    weights = np.empty(m)
    for p in range(m):
        w = volume[bars[p]]
        weights[p] = 0.0 if np.isnan(w) else w
    grid = np.unique(np.floor(prices / tolerance))
    cell = np.searchsorted(grid, np.floor(prices / tolerance))
    close_bin = np.floor(close / tolerance)
    below = np.searchsorted(grid, close_bin, side="right") - 1
    above = np.searchsorted(grid, close_bin, side="left")
    out = np.full((4 * len(lookbacks), n), np.nan)
    for k in prange(len(lookbacks)):
        _levels(out[4 * k : 4 * k + 4], bars, prices, weights, cell, len(grid), close, below, above,
                pivot_length, lookbacks[k], min_touches)  # fmt: skip
    return out


@jit
def _levels(out, bars, prices, weights, cell, n_bins, close, below, above, pivot_length, window, min_touches):
    """One lookback (see ``_pandas/structure.py``), into ``out`` (4, n)."""
    n = len(close)
    touches = np.zeros(n_bins, dtype=np.int64)
    total = np.zeros(n_bins)
    volume = np.zeros(n_bins)
    ahead = _min_tree(np.full(n_bins, np.nan))
    behind = _min_tree(np.full(n_bins, np.nan))
    counted = 0
    counted_volume = 0.0
    enter = 0
    leave = 0
    for t in range(n):
        while enter < len(bars) and bars[enter] + pivot_length <= t:
            counted, counted_volume = _touch(enter, 1, cell, prices, weights, touches, total, volume, ahead, behind,
                                             counted, counted_volume, min_touches)  # fmt: skip
            enter += 1
        while leave < len(bars) and bars[leave] <= t - window:
            counted, counted_volume = _touch(leave, -1, cell, prices, weights, touches, total, volume, ahead, behind,
                                             counted, counted_volume, min_touches)  # fmt: skip
            leave += 1
        if np.isnan(close[t]):
            continue
        r = _first_below(behind, n_bins - 1 - below[t], 1.0)
        b = n_bins - 1 - r if r >= 0 else -1
        if b >= 0 and total[b] / touches[b] > close[t]:  # the close's own bin, its level above
            r = _first_below(behind, n_bins - b, 1.0)
            b = n_bins - 1 - r if r >= 0 else -1
        if b >= 0:
            out[0, t] = total[b] / touches[b]
            out[1, t] = _strength(b, touches, volume, counted, counted_volume)
        b = _first_below(ahead, above[t], 1.0)
        if b >= 0 and total[b] / touches[b] <= close[t]:  # the close's own bin, its level at or below
            b = _first_below(ahead, b + 1, 1.0)
        if b >= 0:
            out[2, t] = total[b] / touches[b]
            out[3, t] = _strength(b, touches, volume, counted, counted_volume)


@jit
def _strength(b, touches, volume, counted, counted_volume):
    """Touches weighted by the level's mean pivot volume over all counted pivots' mean."""
    return volume[b] * counted / counted_volume if counted_volume > 0 else np.float64(touches[b])


@jit
def _touch(p, step, cell, prices, weights, touches, total, volume, ahead, behind, counted, counted_volume,
           min_touches):  # fmt: skip
    """A pivot enters (``step`` 1) or leaves (-1) its bin; the trees mark the bins that are levels."""
    b = cell[p]
    n_bins = len(touches)
    touches[b] += step
    total[b] += step * prices[p]
    volume[b] += step * weights[p]
    is_level = touches[b] >= min_touches
    _tree_set(ahead, b, 0.0 if is_level else np.inf)
    _tree_set(behind, n_bins - 1 - b, 0.0 if is_level else np.inf)
    return counted + step, counted_volume + step * weights[p]


ALL_FOUR = 0b1111  # a period with an open, a high, a low and a close (pandas' dropna keeps it)


@jit
def previous_high_low(times, bin, labels, open_, high, low, close):  # noqa: A002
    """See ``rust/core/src/structure/levels.rs``."""
    n = len(high)
    n_bins = len(labels)
    has = np.zeros(n_bins, dtype=np.uint8)
    extremes = np.empty((n_bins, 2))
    extremes[:, 0], extremes[:, 1] = -np.inf, np.inf
    # each run of bars of one period adds up in locals and joins its period at the run's end
    run_has, run_high, run_low = 0, -np.inf, np.inf
    for i in range(n):
        if i > 0 and bin[i] != bin[i - 1]:
            _period_merge(has, extremes, bin[i - 1], run_has, run_high, run_low)
            run_has, run_high, run_low = 0, -np.inf, np.inf
        run_has, run_high, run_low = _period_add(run_has, run_high, run_low, open_[i], high[i], low[i], close[i])
    if n > 0:
        _period_merge(has, extremes, bin[n - 1], run_has, run_high, run_low)
    kept_before = np.zeros(n_bins + 1, dtype=np.int64)
    kept_high = np.empty(n_bins, dtype=np.float32)
    kept_low = np.empty(n_bins, dtype=np.float32)
    kept = 0
    for k in range(n_bins):
        if has[k] == ALL_FOUR:
            kept_high[kept] = extremes[k, 0]
            kept_low[kept] = extremes[k, 1]
            kept += 1
        kept_before[k + 1] = kept
    out = np.empty((4, n))
    group = -3
    # the highest high and lowest low since the bars began to read a period (NaN skipped)
    running_high = -np.inf
    running_low = np.inf
    previous_high = np.nan  # of the period read
    previous_low = np.nan
    labelled_before = 0  # labels before the bar's time: a pointer that moves on while times rise
    for i in range(n):
        if i > 0 and times[i] >= times[i - 1]:
            while labelled_before < n_bins and labels[labelled_before] < times[i]:
                labelled_before += 1
        else:
            labelled_before = np.searchsorted(labels, times[i], side="left")
        before = kept_before[labelled_before]
        read = before - 2
        if i == 0 or read != group:
            group = read
            running_high = -np.inf
            running_low = np.inf
            # none to read: NaN, which no high is above (not broken)
            previous_high = np.float64(kept_high[read]) if before >= 2 else np.nan
            previous_low = np.float64(kept_low[read]) if before >= 2 else np.nan
        if high[i] > running_high:
            running_high = high[i]
        if low[i] < running_low:
            running_low = low[i]
        out[0, i] = previous_high
        out[1, i] = previous_low
        out[2, i] = 1.0 if not np.isnan(high[i]) and running_high > previous_high else 0.0
        out[3, i] = 1.0 if not np.isnan(low[i]) and running_low < previous_low else 0.0
    return out


@jit
def previous_high_low_causal(bin, open_, high, low, close):  # noqa: A002
    """See ``rust/core/src/structure/levels.rs``: the last finished period with prices, and whether
    the bar's own period has passed it so far."""
    n = len(high)
    out = np.empty((4, n))
    previous_high = np.nan
    previous_low = np.nan
    # the bar's own period so far
    has, period_high, period_low = 0, -np.inf, np.inf
    for i in range(n):
        if i > 0 and bin[i] != bin[i - 1]:
            if has == ALL_FOUR:
                previous_high, previous_low = period_high, period_low
            has, period_high, period_low = 0, -np.inf, np.inf
        has, period_high, period_low = _period_add(has, period_high, period_low, open_[i], high[i], low[i], close[i])
        out[0, i] = previous_high
        out[1, i] = previous_low
        out[2, i] = 1.0 if period_high > previous_high else 0.0
        out[3, i] = 1.0 if period_low < previous_low else 0.0
    return out


@jit
def _period_add(has, period_high, period_low, open_, high, low, close):
    """One bar into a period's prices (Rust's ``PeriodPrices``): ``has`` bits 0-3 whether the
    open, high, low and close have had a value; the highest high and lowest low, NaN skipped."""
    has |= (not np.isnan(open_)) | (not np.isnan(high)) << 1
    has |= (not np.isnan(low)) << 2 | (not np.isnan(close)) << 3
    if high > period_high:
        period_high = high
    if low < period_low:
        period_low = low
    return has, period_high, period_low


@jit
def _period_merge(has, extremes, k, run_has, run_high, run_low):
    """A run of period ``k``'s bars into its prices."""
    has[k] |= run_has
    extremes[k, 0] = max(extremes[k, 0], run_high)
    extremes[k, 1] = min(extremes[k, 1], run_low)
