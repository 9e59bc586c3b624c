"""Price structure in pandas (the oracle). Read beside ``rust/core/src/structure.rs``
and ``_numba/structure.py``.

The candidates are smartmoneyconcepts 0.0.27's own expressions; where it loops
until nothing changes, or scans forward from every gap (quadratic), these
kernels compute what those loops end with, in O(n log n).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def swing_highs_lows(high, low, swing_length):
    """(2, len): high_low (1 swing high, -1 swing low, NaN), level. Candidates::

        high == high.shift(-L).rolling(2 * L).max()   ->  1
        low == low.shift(-L).rolling(2 * L).min()     -> -1

    then each run of one kind keeps its earliest extreme (what smartmoneyconcepts'
    repeated pairwise passes converge to), bar 0 and the last bar get the kinds
    opposite to the first and last swings, and the level is the swing's high or low."""
    h, lo = pd.Series(high), pd.Series(low)
    length = swing_length
    kind = np.where(
        h == h.shift(-length).rolling(2 * length).max(),
        1.0,
        np.where(lo == lo.shift(-length).rolling(2 * length).min(), -1.0, np.nan),
    )
    pos = np.flatnonzero(~np.isnan(kind))
    if len(pos):
        k = kind[pos]
        run = np.concatenate([[0], np.cumsum(k[1:] != k[:-1])])
        extreme = np.where(k == 1, high[pos], -low[pos])  # the largest, lows negated
        keep = pd.Series(extreme).groupby(run).idxmax().to_numpy()  # the first of equals
        kind = np.full(len(kind), np.nan)
        kind[pos[keep]] = k[keep]
        first, last = pos[keep[0]], pos[keep[-1]]
        # smartmoneyconcepts' four ifs, in its order, each reading the array anew
        if kind[first] == 1:
            kind[0] = -1
        if kind[first] == -1:
            kind[0] = 1
        if kind[last] == -1:
            kind[-1] = 1
        if kind[last] == 1:
            kind[-1] = -1
    level = np.where(~np.isnan(kind), np.where(kind == 1, high, low), np.nan)
    return np.stack([kind, level])


def fvg(open_, high, low, close, join_consecutive):
    """(4, len): fvg (1 bullish, -1 bearish, NaN), top, bottom, mitigated_index::

        up = close > open
        fvg = where((high.shift(1) < low.shift(-1)) & up | (low.shift(1) > high.shift(-1)) & (close < open),
                    where(up, 1, -1), nan)
        top = where(up, low.shift(-1), low.shift(1));  bottom = where(up, high.shift(1), high.shift(-1))

    ``join_consecutive``: a run of gaps of one kind becomes its last bar with the run's
    highest top and lowest bottom. ``mitigated_index``: the first bar from ``i + 2`` whose
    low reaches the top (bullish) or whose high reaches the bottom (bearish), else 0."""
    o, h, lo, c = (pd.Series(a) for a in (open_, high, low, close))
    up = c > o
    gap = ((h.shift(1) < lo.shift(-1)) & up) | ((lo.shift(1) > h.shift(-1)) & (c < o))
    kind = np.where(gap, np.where(up, 1.0, -1.0), np.nan)
    top = np.where(gap, np.where(up, lo.shift(-1), lo.shift(1)), np.nan)
    bottom = np.where(gap, np.where(up, h.shift(1), h.shift(-1)), np.nan)
    if join_consecutive and len(kind):
        same = np.concatenate([kind[1:] == kind[:-1], [False]])  # joins the next bar
        run = np.concatenate([[0], np.cumsum(~same[:-1])])
        top = pd.Series(top).groupby(run).cummax().to_numpy(copy=True)
        bottom = pd.Series(bottom).groupby(run).cummin().to_numpy(copy=True)
        kind[same], top[same], bottom[same] = np.nan, np.nan, np.nan
    return np.stack([kind, top, bottom, _mitigated(kind, top, bottom, high, low)])


def _mitigated(kind, top, bottom, high, low):
    """For each gap at i, the first bar j >= i + 2 with ``low[j] <= top`` (bullish) or
    ``high[j] >= bottom`` (bearish), else 0. That bar lies on the chain of strict new lows
    (highs) from i + 2; walking right to left, a stack holds the chain and a binary search
    finds it: O(n log n), where smartmoneyconcepts scans forward from every gap."""
    n = len(kind)
    out = np.where(np.isnan(kind), np.nan, 0.0)
    lows, low_values, highs, neg_high_values = [], [], [], []  # chains, nearest bar last
    for s in range(n - 1, -1, -1):
        if low[s] == low[s]:
            while lows and low_values[-1] >= low[s]:
                lows.pop(), low_values.pop()
            lows.append(s), low_values.append(low[s])
        if high[s] == high[s]:
            while highs and -neg_high_values[-1] <= high[s]:
                highs.pop(), neg_high_values.pop()
            highs.append(s), neg_high_values.append(-high[s])
        i = s - 2
        if i < 0 or kind[i] != kind[i]:
            continue
        # chain values rise toward its end: the last reaching one is the nearest bar
        if kind[i] == 1:
            k = np.searchsorted(low_values, top[i], side="right")
            out[i] = lows[k - 1] if k else 0.0
        else:
            k = np.searchsorted(neg_high_values, -bottom[i], side="right")
            out[i] = highs[k - 1] if k else 0.0
    return out
