"""Order blocks: formed at swings, mitigated, turned breakers. Read beside
``rust/core/src/structure/order_blocks.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from .search import _first_below, _min_tree


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
