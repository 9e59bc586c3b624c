"""Swing highs and lows, market structure (HH/HL/LH/LL) and ranges. Read beside
``rust/core/src/structure/swings.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from ..indicators.ranges import window_high_low


@jit
def _window_extreme(x, length, sign):
    """Whether ``x[i]`` is the largest (``sign`` 1) or smallest (-1) of the 2L values
    ``x[i - L + 1 : i + L + 1]``, none NaN or infinite, for ``2L - 1 <= i < len - L``. Branch-free
    (van Herk / Gil-Werman): running maxima from each 2L block's start and end; a window
    spans at most two blocks, so its maximum is ``max(from_end[a], from_start[b])``. A missing
    value counts as +inf, so a window holding one has the maximum +inf, which no bar equals."""
    n = len(x)
    w = 2 * length
    out = np.zeros(n, dtype=np.bool_)
    if n < w + length:
        return out
    # the smallest becomes the largest; missing is what ``rolling`` sees as NaN: +-inf too
    y = np.empty(n)
    for i in range(n):
        y[i] = sign * x[i] if np.isfinite(x[i]) else np.inf
    from_start = np.empty(n)
    from_end = np.empty(n)
    for start in range(0, n, w):
        end = min(start + w, n)
        m = -np.inf
        for i in range(start, end):
            m = max(m, y[i])
            from_start[i] = m
        m = -np.inf
        for i in range(end - 1, start - 1, -1):
            m = max(m, y[i])
            from_end[i] = m
    for i in range(w - 1, n - length):
        out[i] = y[i] < np.inf and y[i] == max(from_end[i + 1 - length], from_start[i + length])
    return out


@jit
def _swing_candidates(high, low, length):
    """1 where the high is its window's largest, else -1 where the low is its smallest, else NaN."""
    n = len(high)
    kind = np.full(n, np.nan)
    if length == 0 or n < 2 * length:
        return kind
    is_high = _window_extreme(high, length, 1.0)
    is_low = _window_extreme(low, length, -1.0)
    for i in range(n):
        if is_high[i]:
            kind[i] = 1.0
        elif is_low[i]:
            kind[i] = -1.0
    return kind


@jit
def swing_highs_lows(high, low, swing_length):
    n = len(high)
    out = np.full((2, n), np.nan)
    kind = out[0]
    candidates = _swing_candidates(high, low, swing_length)
    run_kind = 0.0
    keep = -1
    for i in range(n):  # each run of one kind keeps its earliest extreme
        k = candidates[i]
        if np.isnan(k):
            continue
        if keep >= 0 and run_kind == k:
            if (high[i] > high[keep]) if k == 1.0 else (low[i] < low[keep]):
                kind[keep] = np.nan
                kind[i] = k
                keep = i
        else:
            kind[i] = k
            run_kind = k
            keep = i
    first = -1
    last = -1
    for i in range(n):
        if not np.isnan(kind[i]):
            if first < 0:
                first = i
            last = i
    if first >= 0:  # smartmoneyconcepts' four ifs, in its order, each reading the array anew
        if kind[first] == 1.0:
            kind[0] = -1.0
        if kind[first] == -1.0:
            kind[0] = 1.0
        if kind[last] == -1.0:
            kind[n - 1] = 1.0
        if kind[last] == 1.0:
            kind[n - 1] = -1.0
    for i in range(n):
        if not np.isnan(kind[i]):
            out[1, i] = high[i] if kind[i] == 1.0 else low[i]
    return out


@jit
def swing_highs_lows_causal(high, low, swing_length):
    """See ``rust/core/src/structure/swings.rs``."""
    n = len(high)
    out = np.full((3, n), np.nan)
    length = swing_length
    candidates = _swing_candidates(high, low, length)
    last_kind = 0.0
    last_level = np.nan
    for i in range(n):
        k = candidates[i]
        if np.isnan(k):
            continue
        v = high[i] if k == 1.0 else low[i]
        if k != last_kind or (k == 1.0 and v > last_level) or (k == -1.0 and v < last_level):
            out[0, i + length] = k
            out[1, i + length] = v
            out[2, i + length] = i
            last_kind = k
            last_level = v
    return out


@jit
def market_structure(swing_kind, swing_level):
    """See ``rust/core/src/structure/swings.rs``: labels 2 HH, 1 LH, -1 HL, -2 LL and the trend."""
    n = len(swing_kind)
    out = np.zeros((2, n))
    last_kind = 0.0
    trend = 0.0
    previous = np.full(2, np.nan)
    pending = np.full(2, np.nan)
    label = np.zeros(2)
    for i in range(n):
        k = swing_kind[i]
        if k == 1.0 or k == -1.0:
            s = 1 if k == -1.0 else 0
            if k != last_kind:
                previous[s] = pending[s]
            pending[s] = swing_level[i]
            last_kind = k
            if np.isnan(previous[s]):
                label[s] = 0.0
            elif k == 1.0:
                label[s] = 2.0 if pending[s] > previous[s] else 1.0
            else:
                label[s] = -2.0 if pending[s] < previous[s] else -1.0
            out[0, i] = label[s]
            if label[0] == 2.0 and label[1] == -1.0:
                trend = 1.0
            elif label[0] == 1.0 and label[1] == -2.0:
                trend = -1.0
            else:
                trend = 0.0
        out[1, i] = trend
    return out


@jit
def ranges(high, low, atr, length, threshold):
    """See ``rust/core/src/structure/swings.rs``."""
    n = len(high)
    out = np.empty((6, n))
    top = np.nan
    bottom = np.nan
    bars = 0.0
    for i in range(n):
        hh, ll = window_high_low(high, low, i, length) if i + 1 >= length else (np.nan, np.nan)
        ratio = (hh - ll) / atr[i]
        out[0, i] = ratio
        if ratio <= threshold:
            if bars == 0.0:
                top = hh
                bottom = ll
                bars = np.float64(length)
            else:
                top = max(top, hh)
                bottom = min(bottom, ll)
                bars += 1.0
            out[1, i] = 1.0
            out[2, i] = top
            out[3, i] = bottom
            out[4, i] = bars
            out[5, i] = bars * atr[i] / (top - bottom)
        else:
            bars = 0.0
            out[1, i] = 0.0
            out[2, i] = np.nan
            out[3, i] = np.nan
            out[4, i] = 0.0
            out[5, i] = np.nan
    return out
