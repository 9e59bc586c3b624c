"""Level episodes and their features in Numba. Read beside ``rust/core/src/episodes.rs``
and ``_pandas/episodes.py`` (the oracle, whose docstrings give the rules)."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, parallel


@jit
def level_episodes(price, levels, trigger, exit, max_bars):
    n, n_levels = len(price), levels.shape[0]
    found = []  # (start, level, end, leave, side)
    for k in range(n_levels):
        open_start, open_side, armed, before = -1, 0, True, np.nan
        for t in range(n):
            d = price[t] - levels[k, t]
            if abs(d) > exit:
                if open_start >= 0:
                    found.append((open_start, k, min(t - 1, open_start + max_bars - 1), t, open_side))
                    open_start = -1
                armed = True
            elif abs(d) <= trigger and armed:
                came = d if np.isnan(before) else before
                open_start, open_side, armed = t, 1 if came >= 0.0 else -1, False
            before = d
        if open_start >= 0:
            found.append((open_start, k, min(n - 1, open_start + max_bars - 1), -1, open_side))
    m = len(found)
    key = np.empty(m, np.int64)
    for i in range(m):
        key[i] = found[i][0] * (n_levels + 1) + found[i][1]
    order = np.argsort(key, kind="mergesort")
    level, start, end, leave = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
    side = np.empty(m, np.int8)
    for i in range(m):
        s, k, e, lv, sd = found[order[i]]
        level[i], start[i], end[i], leave[i], side[i] = k, s, e, lv, sd
    return level, start, end, leave, side


@jit
def _offsets(starts, ends):
    """Each episode's first long row, and the long rows in all."""
    first = np.empty(len(starts), np.int64)
    o = 0
    for e in range(len(starts)):
        first[e] = o
        o += ends[e] - starts[e] + 1
    return first, o


@parallel
def episode_diffs(values, starts, ends, window):
    first, m = _offsets(starts, ends)
    d1 = np.empty((values.shape[0], m))
    d2 = np.empty((values.shape[0], m))
    for f in prange(values.shape[0]):
        for e in range(len(starts)):
            o, s, length = first[e], starts[e], ends[e] - starts[e] + 1
            for j in range(length):
                d1[f, o + j] = (values[f, s + j] - values[f, s + j - window]) / window if j >= window else np.nan
            for j in range(length):
                d2[f, o + j] = (d1[f, o + j] - d1[f, o + j - window]) / window if j >= window else np.nan
    return d1, d2


@parallel
def episode_cumsum(values, starts, ends):
    first, m = _offsets(starts, ends)
    out = np.empty((values.shape[0], m))
    for f in prange(values.shape[0]):
        for e in range(len(starts)):
            total, compensation = 0.0, 0.0  # pandas' Kahan sum
            for j in range(ends[e] - starts[e] + 1):
                v = values[f, starts[e] + j]
                if np.isnan(v):
                    out[f, first[e] + j] = np.nan
                else:
                    y = v - compensation
                    t = total + y
                    compensation = t - total - y
                    total = t
                    out[f, first[e] + j] = t
    return out


@parallel
def episode_stats(values, starts, ends):
    c, k = values.shape[0], len(starts)
    first, total, low, high = np.full((c, k), np.nan), np.zeros((c, k)), np.full((c, k), np.nan), np.full((c, k), np.nan)
    for f in prange(c):
        for e in range(k):
            s, met = 0.0, False
            for t in range(starts[e], ends[e] + 1):
                v = values[f, t]
                if np.isnan(v):
                    continue
                if not met:
                    first[f, e], low[f, e], high[f, e], met = v, v, v, True
                s += v
                low[f, e] = min(low[f, e], v)
                high[f, e] = max(high[f, e], v)
            total[f, e] = s
    return first, total, low, high
