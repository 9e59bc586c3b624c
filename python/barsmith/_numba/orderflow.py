"""Order flow in Numba. Read beside ``rust/core/src/orderflow.rs`` and ``_pandas/orderflow.py``."""

from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True)


@jit
def trade_signs(price, mid):
    """Tick rule, or Lee-Ready against ``mid`` (tick rule at the mid or where it is NaN)."""
    out = np.empty(len(price), dtype=np.int8)
    tick = 0
    for i in range(len(price)):
        p = price[i]
        if i > 0:
            if p > price[i - 1]:
                tick = 1
            elif p < price[i - 1]:
                tick = -1
        if len(mid) == 0:
            out[i] = tick
        elif p > mid[i]:
            out[i] = 1
        elif p < mid[i]:
            out[i] = -1
        else:
            out[i] = tick
    return out


@jit
def cvd(size, sign, period):
    """Running sum of ``size * sign``, restarting whenever ``period`` changes."""
    out = np.empty(len(size), dtype=np.float64)
    running = 0.0
    for i in range(len(size)):
        if len(period) > 0 and i > 0 and period[i] != period[i - 1]:
            running = 0.0
        running += size[i] * sign[i]
        out[i] = running
    return out


@jit
def trade_flow(decay, size, sign):
    """See ``rust/core/src/orderflow.rs``: buy and sell pressure decayed by ``decay`` per trade."""
    n = len(decay)
    out = np.empty((4, n))
    buy = 0.0
    sell = 0.0
    for i in range(n):
        buy *= decay[i]
        sell *= decay[i]
        if sign[i] == 1:
            buy += size[i]
        elif sign[i] == -1:
            sell += size[i]
        out[0, i] = buy
        out[1, i] = sell
        out[2, i] = buy / sell if sell != 0.0 else (np.inf if buy > 0.0 else np.nan)
        out[3, i] = (buy - sell) / (buy + sell) if buy + sell != 0.0 else np.nan
    return out


@jit
def volume_profile(period, level, volume, value_area, node_window):
    """See ``rust/core/src/orderflow.rs``: per period (rows grouped), the volume at each level
    (rising), and flags 1 point of control, 2 value area, 4 high- and 8 low-volume node."""
    n = len(period)
    out_period = np.empty(n, dtype=np.int64)
    out_level = np.empty(n, dtype=np.int64)
    out_volume = np.empty(n)
    out_flags = np.zeros(n, dtype=np.int8)
    m = 0
    start = 0
    while start < n:
        end = start
        while end < n and period[end] == period[start]:
            end += 1
        first = m
        lo = level[start:end].min()
        hi = level[start:end].max()
        span = hi - lo + 1
        if span <= 4 * (end - start) + 1024:  # a histogram: each level's rows add in row order
            dense = np.zeros(span)
            seen = np.zeros(span, dtype=np.bool_)
            for i in range(start, end):
                dense[level[i] - lo] += volume[i]
                seen[level[i] - lo] = True
            for k in range(span):
                if seen[k]:
                    out_period[m] = period[start]
                    out_level[m] = lo + k
                    out_volume[m] = dense[k]
                    m += 1
        else:  # a few far-apart prices: a stable sort, equal levels in row order
            order = np.argsort(level[start:end], kind="mergesort")
            for k in order:
                i = start + k
                if m > first and out_level[m - 1] == level[i]:
                    out_volume[m - 1] += volume[i]
                else:
                    out_period[m] = period[start]
                    out_level[m] = level[i]
                    out_volume[m] = volume[i]
                    m += 1
        _profile_flags(out_volume[first:m], value_area, node_window, out_flags[first:m])
        start = end
    return out_period[:m], out_level[:m], out_volume[:m], out_flags[:m]


@jit
def _profile_flags(volume, value_area, node_window, flags):
    m = len(volume)
    poc = 0
    for k in range(m):
        if volume[k] > volume[poc]:
            poc = k
    total = 0.0
    for k in range(m):
        total += volume[k]
    target = value_area * total
    lo = poc
    hi = poc
    held = volume[poc]
    while held < target and (lo > 0 or hi + 1 < m):
        up = volume[hi + 1] if hi + 1 < m else -1.0
        down = volume[lo - 1] if lo > 0 else -1.0
        if up >= down:
            hi += 1
            held += up
        else:
            lo -= 1
            held += down
    mean = total / m
    for k in range(m):
        largest = True
        smallest = True
        for j in range(max(k - node_window, 0), min(k + node_window + 1, m)):
            largest = largest and volume[j] <= volume[k]
            smallest = smallest and volume[j] >= volume[k]
        flags[k] = (
            (1 if k == poc else 0)
            | (2 if lo <= k <= hi else 0)
            | (4 if largest and volume[k] > mean else 0)
            | (8 if smallest and volume[k] < mean else 0)
        )


@jit
def rolling_quantile(x, start, end, quantile, min_periods):
    """See ``rust/core/src/orderflow.rs``: the linear-interpolated quantile of each window
    ``[start[i], end[i])``, NaN values skipped; window counts per distinct value in a Fenwick
    tree."""
    values, slot = _distinct_values(x)
    tree = np.zeros(len(values) + 1, dtype=np.int32)
    top = 1
    while top < len(values):
        top *= 2
    out = np.empty(len(x))
    lo = 0
    hi = 0
    nobs = 0
    for i in range(len(x)):
        while hi < end[i] and lo < start[i]:
            if slot[hi] != slot[lo]:  # a row in, a row out: nothing changes on the same value
                nobs += _count_value(tree, slot[hi], 1) - _count_value(tree, slot[lo], -1)
            hi += 1
            lo += 1
        while hi < end[i]:
            nobs += _count_value(tree, slot[hi], 1)
            hi += 1
        while lo < start[i]:
            nobs -= _count_value(tree, slot[lo], -1)
            lo += 1
        if nobs < min_periods or nobs == 0:
            out[i] = np.nan
            continue
        f = quantile * (nobs - 1)
        k = int(f)
        low = values[_kth_value(tree, top, k)]
        if f == k:
            out[i] = low
        else:
            out[i] = low + (values[_kth_value(tree, top, k + 1)] - low) * (f - k)
    return out


@jit
def _distinct_values(x):
    """The distinct non-NaN values of ``x``, rising, and each row's slot among them (-1: NaN)."""
    by_value = np.argsort(x)  # NaN sort last
    values = np.empty(len(x))
    slot = np.full(len(x), -1, dtype=np.int64)
    m = 0
    for i in by_value:
        v = x[i]
        if np.isnan(v):
            break
        if m == 0 or values[m - 1] != v:
            values[m] = v
            m += 1
        slot[i] = m - 1
    return values[:m], slot


@jit
def _count_value(tree, slot, by):
    """Adds ``by`` to the count of ``slot``; returns 1 if counted (NaN rows have slot -1)."""
    if slot < 0:
        return 0
    k = slot + 1
    while k < len(tree):
        tree[k] += by
        k += k & -k
    return 1


@jit
def _kth_value(tree, top, k):
    """The slot of the k-th smallest counted value (k from 0): binary lifting."""
    at = 0
    left = k + 1
    step = top
    while step > 0:
        nxt = at + step
        if nxt < len(tree) and tree[nxt] < left:
            at = nxt
            left -= tree[nxt]
        step //= 2
    return at


@jit
def trade_events(ts, price, size, sign):
    """See ``rust/core/src/orderflow.rs``: per trade, the distinct prices and total size of its
    event (consecutive trades with the same timestamp and sign)."""
    n = len(ts)
    levels = np.empty(n, dtype=np.int64)
    event_size = np.empty(n)
    a = 0
    while a < n:
        b = a + 1
        while b < n and ts[b] == ts[a] and sign[b] == sign[a]:
            b += 1
        total = 0.0
        for i in range(a, b):
            total += size[i]
        distinct = 1
        if b - a > 1:
            prices = np.sort(price[a:b])
            for i in range(1, b - a):
                if prices[i] != prices[i - 1]:
                    distinct += 1
        levels[a:b] = distinct
        event_size[a:b] = total
        a = b
    return levels, event_size
