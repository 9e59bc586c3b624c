"""Liquidity pools of nearby swing levels and their sweeps. Read beside
``rust/core/src/structure/liquidity.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from .search import _first_below, _first_reaching, _min_tree, _tree_min, _tree_remove, _tree_set


@jit
def liquidity(high, low, swing_kind, swing_level, range_percent):
    """See ``rust/core/src/structure/liquidity.rs``."""
    n = len(high)
    out = np.full((4, n), np.nan)
    highest = np.nan
    lowest = np.nan
    for i in range(n):  # pandas' max / min skip NaN
        if np.isnan(highest) or high[i] > highest:
            highest = high[i]
        if np.isnan(lowest) or low[i] < lowest:
            lowest = low[i]
    swing_range = (highest - lowest) * range_percent
    for side in (1.0, -1.0):
        swings = np.flatnonzero(swing_kind == side)
        reach = np.empty(len(swings))
        for q in range(len(swings)):
            reach[q] = swing_level[swings[q]] + (swing_range if side == 1.0 else -swing_range)
        swept = _first_reaching(high, low, swings + 1, reach, np.full(len(swings), side == 1.0), False)
        with_level = swings[~np.isnan(swing_level[swings])]
        by_level = with_level[np.argsort(swing_level[with_level], kind="mergesort")]
        sorted_levels = swing_level[by_level]
        rank = np.full(n, -1, dtype=np.int64)
        for r in range(len(by_level)):
            rank[by_level[r]] = r
        untaken = _min_tree(by_level.astype(np.float64))
        taken = np.zeros(n, dtype=np.bool_)
        group = np.empty(len(swings), dtype=np.int64)
        for q in range(len(swings)):
            i = swings[q]
            if taken[i]:
                continue
            if rank[i] >= 0:
                _tree_remove(untaken, rank[i])  # every swing left now lies after i
            level = swing_level[i]
            lo, hi = level - swing_range, level + swing_range
            if np.isnan(lo) or np.isnan(hi):
                continue  # an infinite level and range: no level lies between NaN ends
            before = np.float64(swept[q]) if swept[q] >= 0 else np.inf
            size = 0
            r = _first_below(untaken, np.searchsorted(sorted_levels, lo, side="left"), before)
            while r >= 0 and sorted_levels[r] <= hi:
                group[size] = by_level[r]
                size += 1
                _tree_remove(untaken, r)
                r = _first_below(untaken, r + 1, before)
            if size == 0:
                continue
            members = np.sort(group[:size])
            total = level
            for j in members:
                total += swing_level[j]
                taken[j] = True
            out[0, i] = side
            out[1, i] = np.float32(total / (size + 1))
            out[2, i] = np.float32(members[size - 1])
            out[3, i] = np.float32(max(swept[q], 0))
    return out


@jit
def liquidity_causal(high, low, swing_kind, swing_level, swing_index, range_percent):
    """See ``_pandas/structure.py``: pools by level in a segment tree (their number as value,
    so the oldest in range is the minimum), swept in order of their sweep bars."""
    n = len(high)
    out = np.full((6, n), np.nan)
    out[4:] = 0.0
    reports = np.flatnonzero(~np.isnan(swing_kind))
    m = len(reports)
    kind = swing_kind[reports]
    level = swing_level[reports]
    bar = np.empty(m, dtype=np.int64)
    reach = np.empty(m)
    sweep_level = np.empty(m)
    highest = np.nan
    lowest = np.nan
    w = 0
    for i in range(n):  # the range so far, NaN skipped
        if np.isnan(highest) or high[i] > highest:
            highest = high[i]
        if np.isnan(lowest) or low[i] < lowest:
            lowest = low[i]
        if w < m and reports[w] == i:
            bar[w] = np.int64(swing_index[i])
            reach[w] = (highest - lowest) * range_percent
            sweep_level[w] = level[w] + reach[w] if kind[w] == 1.0 else level[w] - reach[w]
            w += 1
    sweep = _first_reaching(high, low, bar + 1, sweep_level, kind == 1.0, False)
    for w in range(m):
        if sweep[w] < 0:
            sweep[w] = n
    by_sweep = np.argsort(sweep, kind="mergesort")
    order = np.argsort(level, kind="mergesort")
    order = order[np.argsort(kind[order], kind="mergesort")]  # by kind, then level
    rank = np.empty(m, dtype=np.int64)
    for r in range(m):
        rank[order[r]] = r
    sorted_level = level[order]
    n_lows = 0
    for w in range(m):
        if kind[w] == -1.0:
            n_lows += 1
    pools = _min_tree(np.full(m, np.nan))
    count = np.zeros(m, dtype=np.int64)
    total = np.zeros(m)
    s = 0
    for w in range(m + 1):
        t = reports[w] if w < m else n - 1
        while s < m and sweep[by_sweep[s]] <= t:  # pools swept by bar t leave the tree
            p = by_sweep[s]
            s += 1
            if pools[len(pools) // 2 + rank[p]] == p:
                _tree_remove(pools, rank[p])
                if count[p] >= 2:
                    out[4 if kind[p] == 1.0 else 5, sweep[p]] += 1.0
        if w == m:
            break
        r = reach[w]
        v = level[w]
        lo, end = (0, n_lows) if kind[w] == -1.0 else (n_lows, m)
        hi = lo
        a, b = lo, end  # the first pool level f with f + r >= v
        while a < b:
            c = (a + b) // 2
            if sorted_level[c] + r < v:
                a = c + 1
            else:
                b = c
        lo = a
        a, b = lo, end  # past the last with f - r <= v
        while a < b:
            c = (a + b) // 2
            if sorted_level[c] - r <= v:
                a = c + 1
            else:
                b = c
        hi = a
        first = _tree_min(pools, lo, hi)
        if first < np.inf:
            p = np.int64(first)
            count[p] += 1
            total[p] += v
            out[0, t] = kind[w]
            out[1, t] = total[p] / count[p]
            out[2, t] = count[p]
            out[3, t] = bar[p]
        elif sweep[w] > t:
            _tree_set(pools, rank[w], np.float64(w))
            count[w] = 1
            total[w] = v
    return out
