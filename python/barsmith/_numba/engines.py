"""The engines' state machines as Numba kernels over a whole pass (``replay(...,
backend="numba")``): each reads (bars, 5) open, high, low, close, volume from the first
bar and gives the rows (and extras) the engine's ``update_many`` gives. Read beside
``rust/core/src/engines/`` and the Python oracles in ``barsmith/engines/``; the rows are
defined in ``docs/features.md``.
"""

from __future__ import annotations

import heapq

import numpy as np

from ._jit import inline, jit
from .indicators.averages import _sma
from .indicators.bands import _rolling_zscore
from .indicators.streaming import PANDAS

SMC_COLUMNS, OB = 25, 14
HOB_COLUMNS, WYCKOFF_COLUMNS = 11, 14
FILLED_GAP, MITIGATED_BLOCK, REMOVED_BLOCK = 0, 1, 2
MARKUP, ACCUMULATION, NEUTRAL, DISTRIBUTION, MARKDOWN = 2, 1, 0, -1, -2
SELLING_CLIMAX, NO_SUPPLY, NO_DEMAND, BUYING_CLIMAX = 2, 1, -1, -2


@jit
def swings(high, low, length):
    """(3, n): the causal swing each bar reports (side, level, bar; NaN where none), from
    monotonic deques over the last 2L bars (``engines/swings.py``'s ``Swings.push``)."""
    n = len(high)
    out = np.full((3, n), np.nan)
    max_high = np.empty(n, np.int64)
    min_low = np.empty(n, np.int64)
    mh, mt, lh, lt = 0, 0, 0, 0
    last_kind, last_level = 0, np.nan
    for t in range(n):
        while mt > mh and high[max_high[mt - 1]] < high[t]:
            mt -= 1
        max_high[mt] = t
        mt += 1
        while lt > lh and low[min_low[lt - 1]] > low[t]:
            lt -= 1
        min_low[lt] = t
        lt += 1
        first = t - 2 * length + 1
        while max_high[mh] < first:
            mh += 1
        while min_low[lh] < first:
            lh += 1
        i = t - length
        if i < 2 * length - 1:  # smartmoneyconcepts' rolling window: none of the first 2L - 1 bars
            continue
        if high[i] == high[max_high[mh]]:
            side, level = 1, high[i]
        elif low[i] == low[min_low[lh]]:
            side, level = -1, low[i]
        else:
            continue
        if side != last_kind or (side == 1 and level > last_level) or (side == -1 and level < last_level):
            last_kind, last_level = side, level
            out[0, t], out[1, t], out[2, t] = side, level, i
    return out


@inline
def _empty_heap():
    """A list of (key, bar) for heapq, typed by a first entry taken out again."""
    heap = [(0.0, 0)]
    heap.pop()
    return heap


@inline
def _fill_gaps(heap, bullish, price, t, is_open, gap_side, gap_top, gap_bottom, extras, k):
    """The open gaps of one side bar ``t`` reaches (bullish tops by its low ``price``,
    bearish bottoms by its high) as extras from row ``k``; the next free row."""
    while len(heap) > 0 and (-heap[0][0] >= price if bullish else heap[0][0] <= price):
        g = heapq.heappop(heap)[1]
        if is_open[g]:
            is_open[g] = False
            extras[k, 0], extras[k, 1], extras[k, 2] = t, FILLED_GAP, gap_side[g]
            extras[k, 3], extras[k, 4], extras[k, 5] = gap_top[g], gap_bottom[g], g
            k += 1
    return k


@jit
def smc_rows(values, swing_length, join_consecutive, close_break, close_mitigation):
    """``SmcState.update_many`` from the first bar: (rows, 25) and the extras (k, 6): bar,
    what, side, top, bottom, bar of the gap or block."""
    n = len(values)
    o, h, lo, c, v = values[:, 0], values[:, 1], values[:, 2], values[:, 3], values[:, 4]
    rows = np.full((n, SMC_COLUMNS), np.nan)
    extras = np.empty((3 * n + 1, 6))
    k = 0
    found = swings(h, lo, max(swing_length, 1))
    # market structure
    previous, pending, label = np.full(2, np.nan), np.full(2, np.nan), np.zeros(2, np.int64)
    trend = 0
    # BOS/CHoCH: the last three swing reports, the armed marks by swing number (a stack
    # whose keys grow: a break clears its mark and every older one, a prefix)
    chain_side, chain_level, chain_bar = np.zeros(3, np.int64), np.zeros(3), np.zeros(3, np.int64)
    chain_n, chain_len, dead = 0, 0, -1
    mark_key, mark_side, mark_bos = np.empty(n + 1, np.int64), np.empty(n + 1, np.int64), np.empty(n + 1, np.bool_)
    mark_level, mark_swing = np.empty(n + 1), np.empty(n + 1, np.int64)
    m_lo, m_hi = 0, 0
    # fair value gaps by middle bar
    gap_side, gap_top, gap_bottom = np.zeros(n + 1, np.int64), np.empty(n + 1), np.empty(n + 1)
    is_open = np.zeros(n + 1, np.bool_)
    waiting, run = -1, -1  # the gap completed on the bar before (opens now), the run being joined
    fill_down, fill_up = _empty_heap(), _empty_heap()
    # order blocks: per side [level, swing bar, extreme bar, extreme, high, low] while armed
    armed = np.zeros(2, np.bool_)
    arm = np.empty((2, 6))
    blk_side, blk_top, blk_bottom, blk_index = np.zeros(n, np.int64), np.empty(n), np.empty(n), np.empty(n, np.int64)
    unmitigated = [_empty_heap(), _empty_heap()]
    breakers = [_empty_heap(), _empty_heap()]
    for t in range(n):
        row = rows[t]
        # swings and structure
        side = 0
        if found[0, t] == found[0, t]:
            side, level, index = int(found[0, t]), found[1, t], int(found[2, t])
            row[0], row[1], row[2] = side, level, index
            s = 0 if side == 1 else 1
            last_side = chain_side[chain_n - 1] if chain_n > 0 else 0
            if side != last_side:
                previous[s] = pending[s]
            pending[s] = level
            if np.isnan(previous[s]):
                lab = 0
            elif side == 1:
                lab = 2 if level > previous[s] else 1
            else:
                lab = -2 if level < previous[s] else -1
            label[s] = lab
            trend = 1 if (label[0] == 2 and label[1] == -1) else (-1 if (label[0] == 1 and label[1] == -2) else 0)
            row[3], row[4] = lab, trend
            # arm
            if chain_n > 0 and chain_side[chain_n - 1] == side:
                chain_level[chain_n - 1], chain_bar[chain_n - 1] = level, index
            else:
                if chain_n == 3:
                    for j in range(2):
                        chain_side[j], chain_level[j], chain_bar[j] = chain_side[j + 1], chain_level[j + 1], chain_bar[j + 1]
                    chain_n = 2
                chain_side[chain_n], chain_level[chain_n], chain_bar[chain_n] = side, level, index
                chain_n += 1
                chain_len += 1
            if chain_n == 3:
                l3, l2, swing_bar, l1 = chain_level[0], chain_level[1], chain_bar[1], chain_level[2]
                up = side == -1
                bos = (l3 < l1 < l2) if up else (l3 > l1 > l2)
                choch = (l1 < l3 < l2) if up else (l1 > l3 > l2)
                mark = chain_len - 2
                if mark > dead:
                    present = m_hi > m_lo and mark_key[m_hi - 1] == mark
                    if bos or choch:
                        if not present:
                            m_hi += 1
                        j = m_hi - 1
                        mark_key[j], mark_side[j], mark_bos[j] = mark, 1 if up else -1, bos
                        mark_level[j], mark_swing[j] = l2, swing_bar
                    elif present:
                        m_hi -= 1
        else:
            row[3], row[4] = 0.0, trend
        # gaps: the one completed on the bar before opens, then this bar may complete one
        if waiting >= 0:
            is_open[waiting] = True
            if gap_side[waiting] == 1:
                heapq.heappush(fill_down, (-gap_top[waiting], waiting))
            else:
                heapq.heappush(fill_up, (gap_bottom[waiting], waiting))
            waiting = -1
        completed, gs, top, bottom = False, 0, 0.0, 0.0
        if t >= 2:
            i = t - 1
            if c[i] > o[i] and h[t - 2] < lo[t]:
                gs, top, bottom, completed = 1, lo[t], h[t - 2], True
            elif c[i] < o[i] and lo[t - 2] > h[t]:
                gs, top, bottom, completed = -1, lo[t - 2], h[t], True
        if completed:
            if join_consecutive:
                if run >= 0 and gap_side[run] == gs and run == t - 2:
                    top, bottom = max(gap_top[run], top), min(gap_bottom[run], bottom)
                    is_open[run] = False  # replaced: it is never filled
                run = t - 1
            gap_side[t - 1], gap_top[t - 1], gap_bottom[t - 1] = gs, top, bottom
            waiting = t - 1
            row[5], row[6], row[7], row[8] = gs, top, bottom, t - 1
        else:
            run = -1
        # the open gaps this bar reaches: bullish tops by its low, then bearish bottoms by its high
        filled = k
        k = _fill_gaps(fill_down, True, lo[t], t, is_open, gap_side, gap_top, gap_bottom, extras, k)
        k = _fill_gaps(fill_up, False, h[t], t, is_open, gap_side, gap_top, gap_bottom, extras, k)
        row[9] = k - filled
        # BOS / CHoCH: the newest armed mark this bar passes
        upper, lower = (c[t], c[t]) if close_break else (h[t], lo[t])
        for j in range(m_hi - 1, m_lo - 1, -1):
            if (upper > mark_level[j]) if mark_side[j] == 1 else (lower < mark_level[j]):
                dead = mark_key[j]
                row[10 if mark_bos[j] else 11] = mark_side[j]
                row[12], row[13] = mark_level[j], mark_swing[j]
                m_lo = j + 1
                break
        # order blocks: breakers removed, blocks mitigated, then the crossing closes
        for j in range(OB + 7, SMC_COLUMNS):
            row[j] = 0.0
        for s in range(2):
            heap = breakers[s]
            while len(heap) > 0 and (heap[0][0] < h[t] if s == 0 else -heap[0][0] > lo[t]):
                f = heapq.heappop(heap)[1]
                row[OB + 9 + s] += 1
                extras[k, 0], extras[k, 1], extras[k, 2] = t, REMOVED_BLOCK, blk_side[f]
                extras[k, 3], extras[k, 4], extras[k, 5] = blk_top[f], blk_bottom[f], blk_index[f]
                k += 1
        body_low, body_high = (min(o[t], c[t]), max(o[t], c[t])) if close_mitigation else (lo[t], h[t])
        for s in range(2):
            heap = unmitigated[s]
            while len(heap) > 0 and (-heap[0][0] > body_low if s == 0 else heap[0][0] < body_high):
                f = heapq.heappop(heap)[1]
                heapq.heappush(breakers[s], (blk_top[f] if s == 0 else -blk_bottom[f], f))
                row[OB + 7 + s] += 1
                extras[k, 0], extras[k, 1], extras[k, 2] = t, MITIGATED_BLOCK, blk_side[f]
                extras[k, 3], extras[k, 4], extras[k, 5] = blk_top[f], blk_bottom[f], blk_index[f]
                k += 1
        if side != 0:  # a swing report arms its side, with the most extreme bar after the swing
            s = 0 if side == 1 else 1
            armed[s] = True
            arm[s, 0], arm[s, 1], arm[s, 2] = row[1], row[2], -1
            arm[s, 3], arm[s, 4], arm[s, 5] = np.inf if s == 0 else -np.inf, np.nan, np.nan
            for b in range(int(row[2]) + 1, t):
                price = lo[b] if s == 0 else h[b]
                if price <= arm[s, 3] if s == 0 else price >= arm[s, 3]:
                    arm[s, 2], arm[s, 3], arm[s, 4], arm[s, 5] = b, price, h[b], lo[b]
        crossed_down = False
        for s in (1, 0):  # bearish first: a bar forming one leaves the swing high waiting
            if s == 0 and crossed_down:
                break
            if not armed[s] or not (c[t] > arm[s, 0] if s == 0 else c[t] < arm[s, 0]):
                continue
            armed[s] = False
            crossed_down = s == 1
            if arm[s, 2] < 0:
                continue  # no bar between: no block
            newer = v[t] + (v[t - 1] if t >= 1 else 0.0)
            older = v[t - 2] if t >= 2 else 0.0
            most = max(newer, older)
            percentage = min(newer, older) / most * 100.0 if most != 0 else 100.0
            bs = 1 if s == 0 else -1
            row[OB], row[OB + 1], row[OB + 2], row[OB + 3] = bs, arm[s, 4], arm[s, 5], arm[s, 2]
            row[OB + 4], row[OB + 5], row[OB + 6] = arm[s, 1], newer + older, percentage
            blk_side[t], blk_top[t], blk_bottom[t], blk_index[t] = bs, arm[s, 4], arm[s, 5], int(arm[s, 2])
            heapq.heappush(unmitigated[s], (-arm[s, 5] if s == 0 else arm[s, 4], t))
        for s in range(2):  # this bar lies between the armed swings and later closes
            if armed[s] and (lo[t] <= arm[s, 3] if s == 0 else h[t] >= arm[s, 3]):
                arm[s, 2], arm[s, 3], arm[s, 4], arm[s, 5] = t, lo[t] if s == 0 else h[t], h[t], lo[t]
    return rows, extras[:k].copy()


@jit
def hob_rows(values, swing_length, volume_window, spike_z, levels):
    """``HobState.update_many`` from the first bar: (rows, 11)."""
    n = len(values)
    o, h, lo, c, v = values[:, 0], values[:, 1], values[:, 2], values[:, 3], values[:, 4]
    rows = np.full((n, HOB_COLUMNS), np.nan)
    z = np.empty(n)
    _rolling_zscore(v.copy(), max(volume_window, 1), 1, z)  # not the parallel kernel: Numba's cache cannot hold a call to one
    found = swings(h, lo, max(swing_length, 1))
    levels = max(levels, 1)
    pool_level, pool_bar = np.empty((2, levels)), np.empty((2, levels), np.int64)
    size = np.zeros(2, np.int64)
    for t in range(n):
        row = rows[t]
        spread = h[t] - lo[t]
        top, bottom = max(o[t], c[t]), min(o[t], c[t])
        if spread > 0.0:
            row[0], row[1], row[2] = (h[t] - top) / spread, (bottom - lo[t]) / spread, (top - bottom) / spread
        else:
            row[0], row[1], row[2] = 0.0, 0.0, 0.0  # a bar of no range has neither wicks nor body
        row[3] = z[t]
        row[4] = 1.0 if z[t] >= spike_z else 0.0
        for s in range(2):  # live levels this bar passes: swept when it closes back
            count, level, index = 0.0, np.nan, np.nan
            kept = 0
            for j in range(size[s]):
                lv = pool_level[s, j]
                beyond = h[t] > lv if s == 0 else lo[t] < lv
                if not beyond:
                    pool_level[s, kept], pool_bar[s, kept] = lv, pool_bar[s, j]
                    kept += 1
                    continue
                if c[t] <= lv if s == 0 else c[t] >= lv:
                    count += 1.0
                    further = level > lv if s == 0 else level < lv
                    if np.isnan(level) or not further:
                        level, index = lv, pool_bar[s, j]
            size[s] = kept
            row[5 + 3 * s], row[6 + 3 * s], row[7 + 3 * s] = count, level, index
        if found[0, t] == found[0, t]:
            s = 0 if found[0, t] == 1 else 1
            if size[s] == levels:
                for j in range(levels - 1):
                    pool_level[s, j], pool_bar[s, j] = pool_level[s, j + 1], pool_bar[s, j + 1]
                size[s] -= 1
            pool_level[s, size[s]], pool_bar[s, size[s]] = found[1, t], int(found[2, t])
            size[s] += 1
    return rows


@jit
def wyckoff_rows(values, pivot_length, pivots, window, wide, narrow, high_volume):
    """``WyckoffState.update_many`` from the first bar: (rows, 14)."""
    n = len(values)
    h, lo, c, v = values[:, 1], values[:, 2], values[:, 3], values[:, 4]
    rows = np.full((n, WYCKOFF_COLUMNS), np.nan)
    window, pivots = max(window, 1), max(pivots, 1)
    spread = h - lo
    mean_volume, mean_spread = np.empty(n), np.empty(n)
    _sma(v.copy(), window, PANDAS, mean_volume)
    _sma(spread, window, PANDAS, mean_spread)
    found = swings(h, lo, max(pivot_length, 1))
    piv_side, piv_level, piv_bar = np.zeros(pivots, np.int64), np.empty(pivots), np.empty(pivots, np.int64)
    kept = 0
    highs, lows = np.full(2, np.nan), np.full(2, np.nan)
    phase, last_trend = NEUTRAL, NEUTRAL
    for t in range(n):
        row = rows[t]
        rel_volume = v[t] / mean_volume[t]
        rel_spread = spread[t] / mean_spread[t]
        location = (c[t] - lo[t]) / spread[t] if spread[t] > 0.0 else 0.5
        vsa = 0
        if t >= 1:
            up, down = c[t] > c[t - 1], c[t] < c[t - 1]
            volume_before = v[t - 2] if t >= 2 else np.nan
            if rel_spread >= wide and rel_volume >= high_volume and down and location >= 0.5:
                vsa = SELLING_CLIMAX
            elif rel_spread >= wide and rel_volume >= high_volume and up and location <= 0.5:
                vsa = BUYING_CLIMAX
            elif rel_spread <= narrow and v[t] < v[t - 1] and v[t] < volume_before:
                vsa = NO_SUPPLY if down else (NO_DEMAND if up else 0)
        before = phase
        if found[0, t] == found[0, t]:
            side, level, index = int(found[0, t]), found[1, t], int(found[2, t])
            row[0], row[1], row[2] = side, level, index
            if kept == pivots:
                for j in range(pivots - 1):
                    piv_side[j], piv_level[j], piv_bar[j] = piv_side[j + 1], piv_level[j + 1], piv_bar[j + 1]
                kept -= 1
            piv_side[kept], piv_level[kept], piv_bar[kept] = side, level, index
            kept += 1
            if side == 1:
                highs[0], highs[1] = highs[1], level
            else:
                lows[0], lows[1] = lows[1], level
            # the phase the latest pivots show
            if highs[1] > highs[0] and lows[1] > lows[0]:
                phase = MARKUP
            elif highs[1] < highs[0] and lows[1] < lows[0]:
                phase = MARKDOWN
            elif not (np.isnan(highs[0]) or np.isnan(lows[0])):
                phase = ACCUMULATION if last_trend == MARKDOWN else (DISTRIBUTION if last_trend == MARKUP else NEUTRAL)
        # a climax ends the trend it comes in; a close out of the range starts one
        if vsa == SELLING_CLIMAX and phase == MARKDOWN:
            phase = ACCUMULATION
        elif vsa == BUYING_CLIMAX and phase == MARKUP:
            phase = DISTRIBUTION
        range_high, range_low = np.nan, np.nan
        for j in range(kept):
            if piv_side[j] == 1 and not (piv_level[j] <= range_high):
                range_high = piv_level[j]
            elif piv_side[j] == -1 and not (piv_level[j] >= range_low):
                range_low = piv_level[j]
        if abs(phase) < 2:
            if c[t] > range_high:
                phase = MARKUP
            elif c[t] < range_low:
                phase = MARKDOWN
        if abs(phase) == 2:
            last_trend = phase
        row[3], row[4] = range_high, range_low
        row[5], row[6], row[7], row[8] = rel_volume, rel_spread, location, vsa
        row[9] = phase
        row[10] = 1.0 if phase != before else 0.0
        row[11] = 0.0
        if t >= 1:  # candle range: this bar takes one side of the bar before and closes back inside
            h1, l1 = h[t - 1], lo[t - 1]
            if h[t] > h1 and lo[t] >= l1 and c[t] < h1:
                row[11], row[12], row[13] = -1.0, h1, l1
            elif lo[t] < l1 and h[t] <= h1 and c[t] > l1:
                row[11], row[12], row[13] = 1.0, l1, h1
    return rows


@jit
def higher_bars(values, ts, interval, base):
    """``MultiTimeframe``'s binning of one higher timeframe from the first base bar: the
    completed bars (k, 5), their bin starts and the base-bar times that complete them."""
    n = len(values)
    out, starts, visible = np.empty((n, 5)), np.empty(n, np.int64), np.empty(n, np.int64)
    k = 0
    forming = False
    start_of = 0
    bar = np.zeros(5)
    for r in range(n):
        t = ts[r]
        start = t - t % interval
        if forming and start_of != start:  # a gap: the forming bar is complete
            out[k], starts[k], visible[k] = bar, start_of, t
            k += 1
            forming = False
        if not forming:
            forming, start_of = True, start
            bar[:] = values[r]
        else:
            bar[1] = max(bar[1], values[r, 1])
            bar[2] = min(bar[2], values[r, 2])
            bar[3] = values[r, 3]
            bar[4] += values[r, 4]
        if t + base >= start + interval:
            out[k], starts[k], visible[k] = bar, start, t
            k += 1
            forming = False
    return out[:k].copy(), starts[:k].copy(), visible[:k].copy()
