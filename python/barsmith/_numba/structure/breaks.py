"""Breaks of structure (BOS), changes of character (CHoCH) and retracements. Read beside
``rust/core/src/structure/breaks.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from .search import _first_reaching


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
