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
    """See ``rust/core/src/structure.rs``."""
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
    gaps = np.flatnonzero(~np.isnan(kind))
    up = kind[gaps] != 1.0  # a bullish gap is mitigated downward, to its top
    levels = np.where(up, bottom[gaps], top[gaps])
    found = _first_reaching(high, low, gaps + 2, levels, up, False)
    for q in range(len(gaps)):
        mitigated[gaps[q]] = max(found[q], 0)
    return out


@jit
def fvg_causal(open_, high, low, close, join_consecutive):
    """See ``rust/core/src/structure.rs``."""
    n = len(high)
    raw = fvg(open_, high, low, close, False)
    listed = fvg(open_, high, low, close, True) if join_consecutive else raw
    out = np.full((5, n), np.nan)
    out[4, :] = 0.0
    run_top = np.nan
    run_bottom = np.nan
    for i in range(n):
        if np.isnan(raw[0, i]):
            continue
        if join_consecutive and i > 0 and raw[0, i - 1] == raw[0, i]:
            run_top = max(run_top, raw[1, i])
            run_bottom = min(run_bottom, raw[2, i])
        else:
            run_top = raw[1, i]
            run_bottom = raw[2, i]
        out[0, i + 1] = raw[0, i]
        out[1, i + 1] = run_top
        out[2, i + 1] = run_bottom
        out[3, i + 1] = i
    for i in range(n):
        j = listed[3, i]
        if not np.isnan(listed[0, i]) and j > 0.0:
            out[4, int(j)] += 1.0
    return out


@jit
def _first_reaching(upper, lower, starts, levels, up, strict):
    """For queries sorted by start, the first bar from ``start`` whose ``upper`` value passes the
    level upward (or reaches it unless ``strict``) where ``up``, else whose ``lower`` value passes
    it downward; -1 if none. The chains of strict new highs / lows from each start, in stacks
    (nearest bar on top), and a binary search: O(n log n) (see the Rust kernel)."""
    n = len(upper)
    found = np.full(len(starts), -1, dtype=np.int64)
    highs = np.empty(n, dtype=np.int64)
    lows = np.empty(n, dtype=np.int64)
    n_highs = 0
    n_lows = 0
    q = len(starts)
    for s in range(n - 1, -1, -1):
        if not np.isnan(upper[s]):
            while n_highs > 0 and upper[highs[n_highs - 1]] <= upper[s]:
                n_highs -= 1
            highs[n_highs] = s
            n_highs += 1
        if not np.isnan(lower[s]):
            while n_lows > 0 and lower[lows[n_lows - 1]] >= lower[s]:
                n_lows -= 1
            lows[n_lows] = s
            n_lows += 1
        while q > 0 and starts[q - 1] >= s:
            q -= 1
            if starts[q] != s:
                continue  # starts past the last bar
            a = 0  # how many chain bars, from its far end, reach the level
            b = n_highs if up[q] else n_lows
            while a < b:
                m = (a + b) // 2
                if up[q]:
                    v = upper[highs[m]]
                    reaches = v > levels[q] if strict else v >= levels[q]
                else:
                    v = lower[lows[m]]
                    reaches = v < levels[q] if strict else v <= levels[q]
                if reaches:
                    a = m + 1
                else:
                    b = m
            if a > 0:
                found[q] = highs[a - 1] if up[q] else lows[a - 1]
    return found


@jit
def bos_choch(high, low, close, swing_kind, swing_level, close_break):
    """See ``rust/core/src/structure.rs``: marks from the last four swings (level as float32),
    each broken at the first bar from two after it passing the level; a break clears the
    earlier marks broken at or after it (a stack, break bars rising); unbroken ones cleared."""
    n = len(high)
    bos = np.zeros(n, dtype=np.int8)
    choch = np.zeros(n, dtype=np.int8)
    level = np.zeros(n, dtype=np.float32)
    swings = np.flatnonzero(~np.isnan(swing_kind))
    for t in range(3, len(swings)):
        p = swings[t - 2]
        l4 = swing_level[swings[t - 3]]
        l3 = swing_level[swings[t - 2]]
        l2 = swing_level[swings[t - 1]]
        l1 = swing_level[swings[t]]
        k4 = swing_kind[swings[t - 3]]
        k3 = swing_kind[swings[t - 2]]
        k2 = swing_kind[swings[t - 1]]
        k1 = swing_kind[swings[t]]
        bull = k4 == -1.0 and k3 == 1.0 and k2 == -1.0 and k1 == 1.0
        bear = k4 == 1.0 and k3 == -1.0 and k2 == 1.0 and k1 == -1.0
        if bull and l4 < l2 and l2 < l3 and l3 < l1:
            bos[p] = 1
        elif bear and l4 > l2 and l2 > l3 and l3 > l1:
            bos[p] = -1
        else:
            bos[p] = 0
        if bull and l1 > l3 and l3 > l4 and l4 > l2:
            choch[p] = 1
        elif bear and l1 < l3 and l3 < l4 and l4 < l2:
            choch[p] = -1
        else:
            choch[p] = 0
        level[p] = np.float32(l3) if (bos[p] != 0 or choch[p] != 0) else np.float32(0.0)
    marks = np.flatnonzero((bos != 0) | (choch != 0))
    up = np.empty(len(marks), dtype=np.bool_)
    levels = np.empty(len(marks))
    for q in range(len(marks)):
        up[q] = bos[marks[q]] == 1 or choch[marks[q]] == 1
        levels[q] = np.float64(level[marks[q]])
    if close_break:
        found = _first_reaching(close, close, marks + 2, levels, up, True)
    else:
        found = _first_reaching(high, low, marks + 2, levels, up, True)
    broken = np.zeros(n, dtype=np.int64)
    stack_bar = np.empty(len(marks), dtype=np.int64)
    stack_mark = np.empty(len(marks), dtype=np.int64)
    top = 0
    for q in range(len(marks)):
        j = found[q]
        if j < 0:
            continue
        i = marks[q]
        broken[i] = j
        while top > 0 and stack_bar[top - 1] >= j:
            top -= 1
            k = stack_mark[top]
            bos[k] = 0
            choch[k] = 0
            level[k] = 0.0
        stack_bar[top] = j
        stack_mark[top] = i
        top += 1
    out = np.full((4, n), np.nan)
    for i in range(n):
        if broken[i] == 0 and (bos[i] != 0 or choch[i] != 0):
            bos[i] = 0
            choch[i] = 0
            level[i] = 0.0
        if bos[i] != 0:
            out[0, i] = bos[i]
        if choch[i] != 0:
            out[1, i] = choch[i]
        if level[i] != 0:
            out[2, i] = np.float64(level[i])
        if broken[i] != 0:
            out[3, i] = broken[i]
    return out


@jit
def retracements(high, low, swing_kind, swing_level):
    """See ``rust/core/src/structure.rs``."""
    n = len(high)
    direction = np.zeros(n, dtype=np.int32)
    current = np.zeros(n)
    deepest = np.zeros(n)
    top = 0.0
    bottom = 0.0
    for i in range(n):
        if swing_kind[i] == 1.0:
            direction[i] = 1
            top = swing_level[i]
        elif swing_kind[i] == -1.0:
            direction[i] = -1
            bottom = swing_level[i]
        else:
            direction[i] = direction[i - 1] if i > 0 else 0
        previous = direction[i - 1] if i > 0 else direction[n - 1]  # numpy's direction[-1]
        if previous == 1:
            divisor = top - bottom
            current[i] = np.rint((100.0 - (low[i] - bottom) / divisor * 100.0) * 10.0) / 10.0 if divisor != 0.0 else 0.0
            base = deepest[i - 1] if (i > 0 and direction[i - 1] == 1) else 0.0
            deepest[i] = current[i] if current[i] > base else base  # Python's max
        if direction[i] == -1:
            divisor = bottom - top
            current[i] = np.rint((100.0 - (high[i] - top) / divisor * 100.0) * 10.0) / 10.0 if divisor != 0.0 else 0.0
            base = deepest[i - 1] if (i > 0 and direction[i - 1] == -1) else 0.0
            deepest[i] = current[i] if current[i] > base else base
    out = np.zeros((3, n))
    for i in range(n):  # np.roll by one
        j = i - 1 if i > 0 else n - 1
        out[0, i] = direction[j]
        out[1, i] = current[j]
        out[2, i] = deepest[j]
    changes = 0
    for i in range(n - 1):  # zeroed through the bar after the third change of direction
        if out[0, i] != out[0, i + 1]:
            changes += 1
        out[0, i] = 0.0
        out[1, i] = 0.0
        out[2, i] = 0.0
        if changes == 3:
            out[0, i + 1] = 0.0
            out[1, i + 1] = 0.0
            out[2, i + 1] = 0.0
            break
    return out


@jit
def sessions(minute, high, low, start, end):
    """See ``rust/core/src/structure.rs``."""
    n = len(high)
    out = np.zeros((3, n))
    prev_high = np.float32(0.0)
    prev_low = np.float32(0.0)
    for i in range(n):
        t = minute[i]
        active = (start <= t and t <= end) if start < end else (start <= t or t <= end)
        h = np.float32(0.0)
        lo = np.float32(0.0)
        if active:
            base_high = np.float64(prev_high) if i > 0 else 0.0
            h = np.float32(base_high if base_high > high[i] else high[i])  # Python's max
            base_low = np.float64(prev_low) if (i > 0 and prev_low != 0.0) else np.inf
            lo = np.float32(base_low if base_low < low[i] else low[i])  # Python's min
        out[0, i] = 1.0 if active else 0.0
        out[1, i] = h
        out[2, i] = lo
        prev_high = h
        prev_low = lo
    return out
