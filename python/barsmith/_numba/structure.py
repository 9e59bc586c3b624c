"""Price structure in Numba. Read beside ``rust/core/src/structure.rs`` and
``_pandas/structure.py`` (the definitions)."""

from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True, error_model="numpy")


@jit
def _window_extreme(x, length, sign):
    """Whether ``x[i]`` is the largest (``sign`` 1) or smallest (-1) of the 2L values
    ``x[i - L + 1 : i + L + 1]``, none NaN, for ``2L - 1 <= i < len - L``. Branch-free
    (van Herk / Gil-Werman): running maxima from each 2L block's start and end; a window
    spans at most two blocks, so its maximum is ``max(from_end[a], from_start[b])``."""
    n = len(x)
    w = 2 * length
    out = np.zeros(n, dtype=np.bool_)
    if n < w + length:
        return out
    y = np.where(np.isnan(x), -np.inf, sign * x)  # the smallest becomes the largest, NaN lowest
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
    nans = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        nans[i + 1] = nans[i] + np.isnan(x[i])
    for i in range(w - 1, n - length):
        a = i + 1 - length
        b = i + length
        out[i] = nans[b + 1] == nans[a] and y[i] == max(from_end[a], from_start[b])
    return out


@jit
def swing_highs_lows(high, low, swing_length):
    n = len(high)
    out = np.full((2, n), np.nan)
    kind = out[0]
    length = swing_length
    if length == 0 or n < 2 * length:
        return out
    is_high = _window_extreme(high, length, 1.0)
    is_low = _window_extreme(low, length, -1.0)
    run_kind = 0.0
    keep = -1
    for i in range(n):  # each run of one kind keeps its earliest extreme
        if is_high[i]:
            k = 1.0
        elif is_low[i]:
            k = -1.0
        else:
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
def fvg(open_, high, low, close, join_consecutive):
    n = len(high)
    out = np.full((4, n), np.nan)
    kind, top, bottom, mitigated = out[0], out[1], out[2], out[3]
    for i in range(1, n - 1):
        up = close[i] > open_[i]
        gap = (high[i - 1] < low[i + 1]) if up else (low[i - 1] > high[i + 1] and close[i] < open_[i])
        if gap:
            kind[i] = 1.0 if up else -1.0
            top[i] = low[i + 1] if up else low[i - 1]
            bottom[i] = high[i - 1] if up else high[i + 1]
    if join_consecutive:
        for i in range(n - 1):
            if kind[i] == kind[i + 1]:
                top[i + 1] = max(top[i], top[i + 1])
                bottom[i + 1] = min(bottom[i], bottom[i + 1])
                kind[i] = np.nan
                top[i] = np.nan
                bottom[i] = np.nan
    # the chains of strict new lows / highs from s, nearest bar last (see the Rust kernel)
    lows = np.empty(n, dtype=np.int64)
    highs = np.empty(n, dtype=np.int64)
    n_lows = 0
    n_highs = 0
    for s in range(n - 1, -1, -1):
        if not np.isnan(low[s]):
            while n_lows > 0 and low[lows[n_lows - 1]] >= low[s]:
                n_lows -= 1
            lows[n_lows] = s
            n_lows += 1
        if not np.isnan(high[s]):
            while n_highs > 0 and high[highs[n_highs - 1]] <= high[s]:
                n_highs -= 1
            highs[n_highs] = s
            n_highs += 1
        i = s - 2
        if i < 0 or np.isnan(kind[i]):
            continue
        a = 0  # binary search: how many chain bars (from the far end) reach the level
        b = n_lows if kind[i] == 1.0 else n_highs
        while a < b:
            m = (a + b) // 2
            reaches = low[lows[m]] <= top[i] if kind[i] == 1.0 else high[highs[m]] >= bottom[i]
            if reaches:
                a = m + 1
            else:
                b = m
        if a == 0:
            mitigated[i] = 0.0
        else:
            mitigated[i] = lows[a - 1] if kind[i] == 1.0 else highs[a - 1]
    for i in range(n):
        if not np.isnan(kind[i]) and np.isnan(mitigated[i]):
            mitigated[i] = 0.0  # a gap in the last two bars: nothing after it
    return out
