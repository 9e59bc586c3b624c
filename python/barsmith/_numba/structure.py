"""Price structure in Numba. Read beside ``rust/core/src/structure/`` and
``_pandas/structure.py`` (the definitions)."""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit, prange

from .indicators import window_high_low

jit = njit(cache=True, nogil=True, error_model="numpy")


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
    """See ``rust/core/src/structure/gaps.rs``."""
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
    it downward; -1 if none. One pass forward, the queries begun and unanswered in two heaps,
    the easiest on top: O(n + q log q) (see the Rust kernel)."""
    n = len(upper)
    found = np.full(len(starts), -1, dtype=np.int64)
    # inclusive bounds (a strict ``v > level`` is ``v >= nextafter(level, inf)``), the down
    # ones negated so both heaps are min-heaps; seeded for numba's typing, then emptied
    ups = [(0.0, 0)]
    downs = [(0.0, 0)]
    ups.pop()
    downs.pop()
    nxt = 0
    s = 0
    while s < n:
        while nxt < len(starts) and starts[nxt] <= s:
            level = levels[nxt]
            if up[nxt]:
                bound = np.nextafter(level, np.inf) if strict else level
                if not np.isnan(level) and not (strict and level == np.inf):
                    heapq.heappush(ups, (bound, nxt))
            else:
                bound = np.nextafter(level, -np.inf) if strict else level
                if not np.isnan(level) and not (strict and level == -np.inf):
                    heapq.heappush(downs, (-bound, nxt))
            nxt += 1
        stop = min(starts[nxt], n) if nxt < len(starts) else n
        if len(ups) == 0 and len(downs) == 0:
            s = stop
            continue
        up_top = ups[0][0] if len(ups) else np.nan  # no bar reaches NaN
        down_top = -downs[0][0] if len(downs) else np.nan
        while s < stop and not (upper[s] >= up_top or lower[s] <= down_top):
            s += 1
        if s == stop:
            continue  # more queries begin here
        while len(ups) and upper[s] >= ups[0][0]:
            found[heapq.heappop(ups)[1]] = s
        while len(downs) and lower[s] <= -downs[0][0]:
            found[heapq.heappop(downs)[1]] = s
        s += 1
    return found


@jit
def bos_choch(high, low, close, swing_kind, swing_level, close_break):
    """See ``rust/core/src/structure/breaks.rs``: marks from the last four swings (level as float32),
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
def bos_choch_causal(high, low, close, swing_kind, swing_level, swing_index, close_break):
    """See ``_pandas/structure.py``: an arming per causal swing report on its middle one of
    the last three swings, each waiting for its first break until re-armed; a mark is
    reported iff every newer mark breaks later."""
    n = len(high)
    reports = np.flatnonzero(~np.isnan(swing_kind))
    kinds = np.empty(len(reports))
    levels = np.empty(len(reports))
    bars = np.empty(len(reports))
    marks = np.empty(len(reports), dtype=np.int64)
    armed = np.empty(len(reports), dtype=np.int64)
    codes = np.empty(len(reports), dtype=np.int64)
    mark_levels = np.empty(len(reports))
    n_swings = 0
    n_armings = 0
    for t in reports:
        if n_swings == 0 or kinds[n_swings - 1] != swing_kind[t]:
            n_swings += 1
        kinds[n_swings - 1] = swing_kind[t]
        levels[n_swings - 1] = swing_level[t]
        bars[n_swings - 1] = swing_index[t]
        if n_swings >= 3:
            l3 = levels[n_swings - 3]
            l2 = levels[n_swings - 2]
            l1 = levels[n_swings - 1]
            up = kinds[n_swings - 1] == -1.0
            code = 0
            if (up and l3 < l1 and l1 < l2) or (not up and l3 > l1 and l1 > l2):
                code = 1
            elif (up and l1 < l3 and l3 < l2) or (not up and l1 > l3 and l3 > l2):
                code = 2
            marks[n_armings] = n_swings - 2
            armed[n_armings] = t
            codes[n_armings] = code if up else -code
            mark_levels[n_armings] = l2
            n_armings += 1
    live = np.flatnonzero(codes[:n_armings] != 0)
    if close_break:
        found_live = _first_reaching(close, close, armed[live], mark_levels[live], codes[live] > 0, True)
    else:
        found_live = _first_reaching(high, low, armed[live], mark_levels[live], codes[live] > 0, True)
    found = np.full(n_armings, -1, dtype=np.int64)
    for q in range(len(live)):
        found[live[q]] = found_live[q]
    # each mark's first arming that breaks before the next arming of the mark
    first = np.empty(n_armings, dtype=np.int64)
    n_first = 0
    for a in range(n_armings):
        until = armed[a + 1] if a + 1 < n_armings and marks[a + 1] == marks[a] else n
        if found[a] >= 0 and found[a] < until and (n_first == 0 or marks[first[n_first - 1]] != marks[a]):
            first[n_first] = a
            n_first += 1
    out = np.full((4, n), np.nan)
    later = n  # the earliest break of the newer marks
    for f in range(n_first - 1, -1, -1):
        a = first[f]
        j = found[a]
        if j < later:
            if abs(codes[a]) == 1:
                out[0, j] = np.sign(codes[a])
            else:
                out[1, j] = np.sign(codes[a])
            out[2, j] = mark_levels[a]
            out[3, j] = bars[marks[a]]
            later = j
    return out


@jit
def retracements(high, low, swing_kind, swing_level):
    """See ``rust/core/src/structure/breaks.rs``."""
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
def retracements_causal(high, low, swing_kind, swing_level):
    """See ``_pandas/structure.py``: smc mode's formulas on causal swings, on the bar itself."""
    n = len(high)
    out = np.full((3, n), np.nan)
    direction = 0.0
    top = np.nan
    bottom = np.nan
    deepest = np.nan
    for i in range(n):
        if swing_kind[i] == 1.0 or swing_kind[i] == -1.0:
            if swing_kind[i] != direction:
                deepest = np.nan  # a new direction
            direction = swing_kind[i]
            if direction == 1.0:
                top = swing_level[i]
            else:
                bottom = swing_level[i]
        current = np.nan
        if top != bottom:  # NaN before both are known: the formulas give it
            if direction == 1.0:
                current = 100 - (low[i] - bottom) / (top - bottom) * 100
            elif direction == -1.0:
                current = 100 - (high[i] - top) / (bottom - top) * 100
        if not np.isnan(current) and (np.isnan(deepest) or current > deepest):
            deepest = current
        out[0, i] = direction
        out[1, i] = current
        out[2, i] = deepest if not np.isnan(current) else np.nan
    return out


@jit
def sessions(minute, high, low, start, end):
    """See ``rust/core/src/structure/sessions.rs``."""
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


@jit
def _min_tree(values):
    """A min segment tree over positions, NaN stored as +inf (see the Rust ``MinTree``)."""
    size = 1
    while size < len(values):
        size *= 2
    node = np.full(2 * size, np.inf)
    for i in range(len(values)):
        if not np.isnan(values[i]):
            node[size + i] = values[i]
    for i in range(size - 1, 0, -1):
        node[i] = min(node[2 * i], node[2 * i + 1])
    return node


@jit
def _tree_set(node, i, value):
    size = len(node) // 2
    i += size
    node[i] = value
    while i > 1:
        i //= 2
        node[i] = min(node[2 * i], node[2 * i + 1])


@jit
def _tree_remove(node, i):
    _tree_set(node, i, np.inf)


@jit
def _tree_min(node, lo, hi):
    """The smallest value at positions ``lo <= i < hi`` (+inf for none)."""
    size = len(node) // 2
    best = np.inf
    lo += size
    hi += size
    while lo < hi:
        if lo & 1:
            best = min(best, node[lo])
            lo += 1
        if hi & 1:
            hi -= 1
            best = min(best, node[hi])
        lo //= 2
        hi //= 2
    return best


@jit
def _first_below(node, start, bound):
    """The first position ``>= start`` with a value ``< bound``, else -1."""
    size = len(node) // 2
    if start >= size:
        return -1
    i = start + size
    while True:
        if node[i] < bound:
            while i < size:
                i = 2 * i if node[2 * i] < bound else 2 * i + 1
            return i - size
        while i & 1:
            i >>= 1  # a right child: its parent's right neighbour is next
        if i == 0:
            return -1
        i += 1


@jit
def order_blocks(open_, high, low, close, volume, swing_kind, close_mitigation):
    """See ``rust/core/src/structure/order_blocks.rs``."""
    n = len(high)
    kind = np.zeros(n, dtype=np.int8)
    top = np.zeros(n, dtype=np.float32)
    bottom = np.zeros(n, dtype=np.float32)
    ob_volume = np.zeros(n, dtype=np.float32)
    percentage = np.zeros(n, dtype=np.float32)
    mitigated = np.zeros(n, dtype=np.int64)
    breaker = np.zeros(n, dtype=np.bool_)
    # every test is "a value below a bound": a high above the top is a negated high below -top
    lows = _min_tree(low)
    neg_highs = _min_tree(-high)
    if close_mitigation:
        body_low = np.empty(n)
        neg_body_high = np.empty(n)
        for i in range(n):
            body_low[i] = close[i] if close[i] < open_[i] else open_[i]  # Python's min
            neg_body_high[i] = -(close[i] if close[i] > open_[i] else open_[i])
        bull_mitigation = _min_tree(body_low)
        bear_mitigation = _min_tree(neg_body_high)
    else:
        bull_mitigation = lows
        bear_mitigation = neg_highs
    for side in (1, -1):
        mitigation = bull_mitigation if side == 1 else bear_mitigation
        reset = neg_highs if side == 1 else lows
        _block_pass(side, high, low, close, volume, swing_kind, mitigation, reset,
                    kind, top, bottom, ob_volume, percentage, mitigated, breaker)  # fmt: skip
    out = np.full((6, n), np.nan)
    for i in range(n):
        if kind[i] != 0:
            out[0, i] = kind[i]
            out[1, i] = top[i]
            out[2, i] = bottom[i]
            out[3, i] = ob_volume[i]
            out[4, i] = mitigated[i]
            out[5, i] = percentage[i]
    return out


@jit
def _block_test(bull, b, top, bottom, breaker, mitigation, reset):
    """The test that changes block b next: (values, bound), ``values[bar] < bound``."""
    if bull:
        if breaker[b]:
            return reset, -np.float64(top[b])
        return mitigation, np.float64(bottom[b])
    if breaker[b]:
        return reset, np.float64(bottom[b])
    return mitigation, -np.float64(top[b])


@jit
def _block_pass(side, high, low, close, volume, swing_kind, mitigation, reset,
                kind, top, bottom, ob_volume, percentage, mitigated, breaker):  # fmt: skip
    """See ``block_pass`` in ``rust/core/src/structure/order_blocks.rs``."""
    n = len(high)
    bull = side == 1
    size = len(mitigation) // 2
    listed = np.zeros(n, dtype=np.int64)
    version = np.zeros(n, dtype=np.int64)
    head = np.full(n, -1, dtype=np.int64)  # per bar, a linked list of waiting entries
    entry_block = np.empty(3 * n + 1, dtype=np.int64)
    entry_version = np.empty(3 * n + 1, dtype=np.int64)
    entry_next = np.empty(3 * n + 1, dtype=np.int64)
    n_entries = 0
    crossed_by = np.full(n, -1, dtype=np.int64)
    swings = np.flatnonzero(swing_kind == side)
    for w in range(len(swings)):
        s = swings[w]
        until = swings[w + 1] if w + 1 < len(swings) else n - 1
        for i in range(s + 1, until + 1):
            if (close[i] > high[s]) if bull else (close[i] < low[s]):
                crossed_by[i] = s
                break
    for bar in range(n):
        e = head[bar]
        while e >= 0:
            b = entry_block[e]
            ver = entry_version[e]
            e = entry_next[e]
            if ver != version[b]:
                continue
            for _ in range(listed[b]):
                values, bound = _block_test(bull, b, top, bottom, breaker, mitigation, reset)
                if not values[size + bar] < bound:
                    continue
                if breaker[b]:
                    kind[b] = 0
                    top[b] = 0.0
                    bottom[b] = 0.0
                    ob_volume[b] = 0.0
                    percentage[b] = 0.0
                    mitigated[b] = 0
                    listed[b] -= 1
                else:
                    breaker[b] = True
                    mitigated[b] = bar - 1 if bull else bar
            if listed[b] > 0:
                values, bound = _block_test(bull, b, top, bottom, breaker, mitigation, reset)
                nxt = _first_below(values, bar + 1, bound)
                if 0 <= nxt < n:
                    n_entries = _push_entry(head, entry_block, entry_version, entry_next, n_entries, nxt, b, version[b])
        s = crossed_by[bar]
        if s < 0:
            continue
        # the most extreme bar strictly between, the last of equals; NaN anywhere: none
        extreme = np.inf if bull else -np.inf
        for k in range(s + 1, bar):
            v = low[k] if bull else high[k]
            if np.isnan(v) or np.isnan(extreme):
                extreme = np.nan
            elif (v < extreme) if bull else (v > extreme):
                extreme = v
        b = -1
        for k in range(bar - 1, s, -1):
            if (low[k] if bull else high[k]) == extreme:
                b = k
                break
        if b >= 0:
            b_top = high[b]
            b_bottom = low[b]
        else:  # the bar before the close; the bullish one with high and low swapped
            b = bar - 1
            b_top = low[b] if bull else high[b]
            b_bottom = high[b] if bull else low[b]
        v0 = volume[bar]
        v1 = volume[bar - 1]
        v2 = volume[bar - 2] if bar >= 2 else 0.0
        newer = np.float32(v0 + v1)
        older = np.float32(v2)
        high_volume = newer if bull else older
        low_volume = older if bull else newer
        most = low_volume if low_volume > high_volume else high_volume  # Python's max
        least = low_volume if low_volume < high_volume else high_volume
        kind[b] = side
        top[b] = b_top
        bottom[b] = b_bottom
        ob_volume[b] = v0 + v1 + v2
        percentage[b] = least / most * np.float32(100.0) if most != 0 else np.float32(100.0)
        listed[b] += 1
        version[b] += 1
        values, bound = _block_test(bull, b, top, bottom, breaker, mitigation, reset)
        nxt = _first_below(values, bar + 1, bound)
        if 0 <= nxt < n:
            n_entries = _push_entry(head, entry_block, entry_version, entry_next, n_entries, nxt, b, version[b])


@jit
def _push_entry(head, entry_block, entry_version, entry_next, n_entries, bar, b, ver):
    """Adds (block, version) to the bar's list. A creation or a change (a block turning
    breaker, once per bar, or a listing removed) makes at most one entry: 3n fit."""
    entry_block[n_entries] = b
    entry_version[n_entries] = ver
    entry_next[n_entries] = head[bar]
    head[bar] = n_entries
    return n_entries + 1


@jit
def order_blocks_causal(open_, high, low, close, volume, swing_kind, swing_level, swing_index, close_mitigation):
    """See ``rust/core/src/structure/order_blocks.rs``: blocks formed on the closing bar from the swings
    reported so far, then mitigation and removal counts from segment-tree searches."""
    n = len(high)
    out = np.full((11, n), np.nan)
    high_level, high_bar, high_open = np.nan, -1.0, False  # the last swing high, not crossed yet
    low_level, low_bar, low_open = np.nan, -1.0, False
    formed = np.empty(n, dtype=np.int64)
    n_formed = 0
    for t in range(n):
        if swing_kind[t] == 1.0:
            high_level, high_bar, high_open = swing_level[t], swing_index[t], True
        elif swing_kind[t] == -1.0:
            low_level, low_bar, low_open = swing_level[t], swing_index[t], True
        bear = low_open and close[t] < low_level
        bull = high_open and close[t] > high_level and not bear
        if not (bull or bear):
            continue
        side = 1.0 if bull else -1.0
        swing_bar = high_bar if bull else low_bar
        if bull:
            high_open = False
        else:
            low_open = False
        k = -1  # the most extreme bar strictly between the swing and t, the last of equals
        for j in range(int(swing_bar) + 1, t):
            v = low[j] if bull else -high[j]
            if not np.isnan(v) and (k < 0 or v <= (low[k] if bull else -high[k])):
                k = j
        if k < 0:
            continue
        newer = volume[t] + (volume[t - 1] if t >= 1 else 0.0)
        older = volume[t - 2] if t >= 2 else 0.0
        most = np.maximum(newer, older)
        out[0, t] = side
        out[1, t] = high[k]
        out[2, t] = low[k]
        out[3, t] = k
        out[4, t] = swing_bar
        out[5, t] = newer + older
        out[6, t] = np.minimum(newer, older) / most * 100.0 if most != 0.0 else 100.0
        formed[n_formed] = t
        n_formed += 1
    # mitigation: the near edge passed; removal: then the far edge ("below a bound" in trees)
    lows = _min_tree(low)
    neg_highs = _min_tree(-high)
    if close_mitigation:
        bull_mitigation, bear_mitigation = _min_tree(np.minimum(open_, close)), _min_tree(-np.maximum(open_, close))
    else:
        bull_mitigation, bear_mitigation = lows, neg_highs
    out[7:] = 0.0
    for q in range(n_formed):
        t = formed[q]
        top, bottom = out[1, t], out[2, t]
        if out[0, t] == 1.0:
            j = _first_below(bull_mitigation, t + 1, bottom)
            m = _first_below(neg_highs, j + 1, -top) if 0 <= j < n else -1
            rows = (7, 9)
        else:
            j = _first_below(bear_mitigation, t + 1, -top)
            m = _first_below(lows, j + 1, bottom) if 0 <= j < n else -1
            rows = (8, 10)
        if 0 <= j < n:
            out[rows[0], j] += 1.0
        if 0 <= m < n:
            out[rows[1], m] += 1.0
    return out


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


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
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
