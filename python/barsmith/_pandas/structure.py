"""Price structure in pandas (the oracle). Read beside ``rust/core/src/structure/``
and ``_numba/structure/``.

The candidates are smartmoneyconcepts 0.0.27's own expressions; where it loops
until nothing changes, or scans forward from every gap (quadratic), these
kernels compute what those loops end with, in O(n log n).
"""

from __future__ import annotations

import bisect

import numpy as np
import pandas as pd


def swing_highs_lows(high, low, swing_length):
    """(2, len): high_low (1 swing high, -1 swing low, NaN), level. Candidates::

        high == high.shift(-L).rolling(2 * L).max()   ->  1
        low == low.shift(-L).rolling(2 * L).min()     -> -1

    then each run of one kind keeps its earliest extreme (what smartmoneyconcepts'
    repeated pairwise passes converge to), bar 0 and the last bar get the kinds
    opposite to the first and last swings, and the level is the swing's high or low."""
    kind = _swing_candidates(high, low, swing_length)
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


def _swing_candidates(high, low, length):
    """1 where ``high == high.shift(-L).rolling(2 * L).max()``, else -1 where
    ``low == low.shift(-L).rolling(2 * L).min()``, else NaN (smartmoneyconcepts' expressions)."""
    return np.where(
        _window_extreme(high, length, 1), 1.0, np.where(_window_extreme(low, length, -1), -1.0, np.nan)
    )


def _window_extreme(x, length, sign):
    """``x == x.shift(-L).rolling(2 * L).max()`` (``sign`` 1) or ``.min()`` (-1): the largest
    (smallest) of the 2L values from ``L - 1`` before to ``L`` after, none NaN."""
    x = pd.Series(x)
    window = x.shift(-length).rolling(2 * length)
    return (x == (window.max() if sign == 1 else window.min())).to_numpy()


def swing_highs_lows_causal(high, low, swing_length):
    """(3, len): high_low, level, swing_index without lookahead. The candidates of
    ``swing_highs_lows`` (its expressions), each reported on the bar that confirms it,
    ``swing_index + L``; a candidate of the kind last reported only when more extreme."""
    length = swing_length
    kind = _swing_candidates(high, low, length)
    out = np.full((3, len(kind)), np.nan)
    last_kind, last_level = 0.0, np.nan
    for i in np.flatnonzero(~np.isnan(kind)):  # the reports depend on the last one: a loop
        k = kind[i]
        v = high[i] if k == 1 else low[i]
        if k != last_kind or (k == 1 and v > last_level) or (k == -1 and v < last_level):
            out[:, i + length] = k, v, i
            last_kind, last_level = k, v
    return out


def market_structure(swing_kind, swing_level):
    """(2, len): label (2 HH, 1 LH, -1 HL, -2 LL, 0), trend. On causal swing reports: a report
    of the kind last reported replaces the pending swing, one of the other kind makes the
    pending swing of its kind the previous one; highs compare with the previous high, lows
    with the previous low (a state machine: a loop). ``trend``: 1 while the latest labels are
    HH and HL, -1 while LH and LL, else 0, forward-filled."""
    n = len(swing_kind)
    label, trend = np.zeros(n), np.full(n, np.nan)
    previous, pending, latest = {1.0: np.nan, -1.0: np.nan}, {1.0: np.nan, -1.0: np.nan}, {1.0: 0.0, -1.0: 0.0}
    last_kind = 0.0
    for i in np.flatnonzero((swing_kind == 1) | (swing_kind == -1)):
        k = swing_kind[i]
        if k != last_kind:
            previous[k] = pending[k]
        pending[k], last_kind = swing_level[i], k
        if np.isnan(previous[k]):
            latest[k] = 0.0
        elif k == 1:
            latest[k] = 2.0 if pending[k] > previous[k] else 1.0
        else:
            latest[k] = -2.0 if pending[k] < previous[k] else -1.0
        label[i] = latest[k]
        trend[i] = {(2.0, -1.0): 1.0, (1.0, -2.0): -1.0}.get((latest[1.0], latest[-1.0]), 0.0)
    return np.stack([label, pd.Series(trend).ffill().fillna(0.0).to_numpy()])


def ranges(high, low, atr, length, threshold):
    """(6, len): ratio, in_range, top, bottom, bars, strength::

        ratio = (high.rolling(length).max() - low.rolling(length).min()) / atr
        tight = ratio <= threshold;  run = (~tight).cumsum()        # a run of tight bars: one range
        top = high.rolling(length).max().where(tight).groupby(run).cummax()   # bottom: cummin
        bars = tight.groupby(run).cumsum() + length - 1;  strength = bars * atr / (top - bottom)

    (0, NaN, NaN, 0, NaN outside a range.)"""
    h, lo, a = pd.Series(high), pd.Series(low), pd.Series(atr)
    highest, lowest = h.rolling(length).max(), lo.rolling(length).min()
    ratio = (highest - lowest) / a
    tight = ratio <= threshold
    run = (~tight).cumsum()
    top = highest.where(tight).groupby(run).cummax()
    bottom = lowest.where(tight).groupby(run).cummin()
    bars = (tight.groupby(run).cumsum() + length - 1).where(tight, 0).astype(np.float64)
    strength = (bars * a / (top - bottom)).where(tight)
    return np.stack([ratio.to_numpy(), tight.to_numpy(dtype=np.float64), top.to_numpy(), bottom.to_numpy(),
                     bars.to_numpy(), strength.to_numpy()])  # fmt: skip


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


def fvg_causal(open_, high, low, close, join_consecutive):
    """(5, len): fvg, top, bottom, gap_index, mitigated_count without lookahead: each gap of
    ``fvg(..., join_consecutive=False)`` reported on the bar after it (that completes it), with
    ``join_consecutive`` its run's highest top and lowest bottom so far; ``mitigated_count`` on
    bar j: the gaps ``fvg(..., join_consecutive)`` lists whose ``mitigated_index`` is j."""
    n = len(high)
    kind, top, bottom, _ = fvg(open_, high, low, close, False)
    if join_consecutive and n:
        run = np.concatenate([[0], np.cumsum(kind[1:] != kind[:-1])])  # NaN never equals: its own run
        top = pd.Series(top).groupby(run).cummax().to_numpy()
        bottom = pd.Series(bottom).groupby(run).cummin().to_numpy()
    gaps = np.flatnonzero(~np.isnan(kind))
    out = np.full((5, n), np.nan)
    out[:4, gaps + 1] = kind[gaps], top[gaps], bottom[gaps], gaps
    listed_kind, _, _, mitigated = fvg(open_, high, low, close, join_consecutive)
    reached = mitigated[~np.isnan(listed_kind) & (mitigated > 0)].astype(np.int64)
    out[4] = np.bincount(reached, minlength=n)[:n]
    return out


def _mitigated(kind, top, bottom, high, low):
    """For each gap at i, the first bar from i + 2 whose low reaches the top (bullish) or whose
    high reaches the bottom (bearish), else 0; NaN where there is no gap."""
    gaps = np.flatnonzero(~np.isnan(kind))
    up = kind[gaps] != 1  # a bullish gap is mitigated downward
    levels = np.where(up, bottom[gaps], top[gaps])
    found = _first_reaching(high, low, gaps + 2, levels, up, strict=False)
    out = np.where(np.isnan(kind), np.nan, 0.0)
    out[gaps] = np.where(found >= 0, found, 0)
    return out


def _first_reaching(upper, lower, starts, levels, up, strict):
    """For queries sorted by start: the first bar from ``start`` whose ``upper`` value is above
    the level (or at it unless ``strict``) where ``up``, or whose ``lower`` value is below it,
    else -1. That bar sets a new high (low) since ``start``, so it lies on the chain of strict
    new highs (lows) from there; walking right to left, a stack holds that chain and a binary
    search finds the bar: O(n log n), where smartmoneyconcepts scans forward from each."""
    found = np.full(len(starts), -1, dtype=np.int64)
    highs, high_values, lows, low_values = [], [], [], []  # chains, nearest bar last
    q = len(starts)
    for s in range(len(upper) - 1, -1, -1):
        if upper[s] == upper[s]:
            while highs and -high_values[-1] <= upper[s]:  # stored negated: the list rises
                highs.pop(), high_values.pop()
            highs.append(s), high_values.append(-upper[s])
        if lower[s] == lower[s]:
            while lows and low_values[-1] >= lower[s]:
                lows.pop(), low_values.pop()
            lows.append(s), low_values.append(lower[s])
        while q and starts[q - 1] >= s:
            q -= 1
            if starts[q] != s:
                continue  # starts past the last bar
            if up[q]:  # values above the level: a prefix of the chain from its far end
                k = np.searchsorted(high_values, -levels[q], side="left" if strict else "right")
                chain = highs
            else:
                k = np.searchsorted(low_values, levels[q], side="left" if strict else "right")
                chain = lows
            found[q] = chain[k - 1] if k else -1
    return found


@np.errstate(over="ignore")  # float32 values as smartmoneyconcepts stores them: beyond their range inf
def bos_choch(high, low, close, swing_kind, swing_level, close_break):
    """(4, len): bos, choch, level, broken_index, as smartmoneyconcepts' ``bos_choch``.

    At each swing, the last four swings' kinds and levels (l4, l3, l2, l1, oldest first)
    mark the third-last swing's bar: -1, 1, -1, 1 with ``l4 < l2 < l3 < l1`` a bullish BOS,
    with ``l1 > l3 > l4 > l2`` a bullish CHoCH; 1, -1, 1, -1 with ``l4 > l2 > l3 > l1`` a
    bearish BOS, with ``l1 < l3 < l4 < l2`` a bearish CHoCH; the level is l3 as float32.
    A mark breaks at the first bar from two after it whose close (high / low without
    ``close_break``) passes that level; a break clears the earlier marks broken at or after
    its bar (they keep their broken index); marks never broken are cleared."""
    n = len(high)
    bos, choch = np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int8)
    level = np.zeros(n, dtype=np.float32)
    levels, kinds, positions = [], [], []
    for i in np.flatnonzero(~np.isnan(swing_kind)):  # a sequential state machine: a loop
        levels.append(swing_level[i])
        kinds.append(swing_kind[i])
        if len(levels) >= 4:
            p = positions[-2]
            l4, l3, l2, l1 = levels[-4:]
            bull, bear = kinds[-4:] == [-1, 1, -1, 1], kinds[-4:] == [1, -1, 1, -1]
            bos[p] = 1 if bull and l4 < l2 < l3 < l1 else (-1 if bear and l4 > l2 > l3 > l1 else 0)
            choch[p] = 1 if bull and l1 > l3 > l4 > l2 else (-1 if bear and l1 < l3 < l4 < l2 else 0)
            level[p] = l3 if bos[p] or choch[p] else 0
        positions.append(i)
    marks = np.flatnonzero((bos != 0) | (choch != 0))
    up = (bos[marks] == 1) | (choch[marks] == 1)
    upper, lower = (close, close) if close_break else (high, low)
    found = _first_reaching(upper, lower, marks + 2, level[marks].astype(np.float64), up, strict=True)
    broken = np.zeros(n, dtype=np.int64)
    open_marks = []  # (break bar, mark) of the earlier marks; break bars rise toward the top
    for i, j in zip(marks, found):
        if j < 0:
            continue
        broken[i] = j
        while open_marks and open_marks[-1][0] >= j:
            _, k = open_marks.pop()
            bos[k] = choch[k] = 0
            level[k] = 0
        open_marks.append((j, i))
    unbroken = marks[broken[marks] == 0]
    bos[unbroken] = choch[unbroken] = 0
    level[unbroken] = 0
    nan_if_zero = lambda a: np.where(a != 0, a.astype(np.float64), np.nan)  # noqa: E731
    return np.stack([nan_if_zero(bos), nan_if_zero(choch), nan_if_zero(level), nan_if_zero(broken)])


def bos_choch_causal(high, low, close, swing_kind, swing_level, swing_index, close_break):
    """(4, len): bos, choch, level, swing_index, each on the bar that breaks, without lookahead.

    The swings are causal reports (``swing_highs_lows_causal``): a report of the kind last
    reported replaces that swing. After each report the last three swings (l3, l2, l1,
    oldest first) arm a mark on the middle one, level l2: low, high, low with
    ``l3 < l1 < l2`` a bullish BOS and with ``l1 < l3 < l2`` a bullish CHoCH; high, low,
    high with ``l3 > l1 > l2`` a bearish BOS and with ``l1 > l3 > l2`` a bearish CHoCH (the
    breaking close takes the place of smc mode's fourth swing). A mark breaks at the first
    bar from its arming whose close (high / low without ``close_break``) passes the level,
    unless a later report re-arms it first; a break clears the older marks still waiting
    (smc mode's rule, as events): a mark is reported iff every newer mark breaks later."""
    n = len(high)
    kinds, levels, bars = [], [], []  # the swings so far
    marks, armed, codes, mark_levels = [], [], [], []  # one row per arming
    for t in np.flatnonzero(~np.isnan(swing_kind)):  # each arming depends on the swings so far: a loop
        if kinds and kinds[-1] == swing_kind[t]:
            levels[-1], bars[-1] = swing_level[t], swing_index[t]
        else:
            kinds.append(swing_kind[t]), levels.append(swing_level[t]), bars.append(swing_index[t])
        if len(kinds) >= 3:
            l3, l2, l1 = levels[-3:]
            up = kinds[-1] == -1
            bos = l3 < l1 < l2 if up else l3 > l1 > l2
            choch = l1 < l3 < l2 if up else l1 > l3 > l2
            marks.append(len(kinds) - 2), armed.append(t), mark_levels.append(l2)
            codes.append((1 if bos else 2 if choch else 0) * (1 if up else -1))
    marks, armed, codes, mark_levels = (np.asarray(a) for a in (marks, armed, codes, mark_levels))
    # an arming waits until the next arming of its mark
    until = np.where(np.append(marks[1:] == marks[:-1], False), np.append(armed[1:], n), n) if len(marks) else armed
    upper, lower = (close, close) if close_break else (high, low)
    live = np.flatnonzero(codes != 0)
    found = np.full(len(marks), -1)
    found[live] = _first_reaching(upper, lower, armed[live], mark_levels[live], codes[live] > 0, strict=True)
    broken = (found >= 0) & (found < until)
    # each mark's first arming that breaks, then only marks that break before every newer one
    first = pd.Series(np.flatnonzero(broken)).groupby(marks[broken]).first().to_numpy()
    later = np.minimum.accumulate(np.append(found[first], n)[::-1])[::-1][1:]
    shown = first[found[first] < later]
    out = np.full((4, n), np.nan)
    j, code = found[shown], codes[shown]
    out[0, j] = np.where(np.abs(code) == 1, np.sign(code), np.nan)
    out[1, j] = np.where(np.abs(code) == 2, np.sign(code), np.nan)
    out[2, j] = mark_levels[shown]
    out[3, j] = np.asarray(bars, dtype=np.float64)[marks[shown]] if len(shown) else []
    return out


def retracements(high, low, swing_kind, swing_level):
    """(3, len): direction, current, deepest retracement in percent, as smartmoneyconcepts'
    ``retracements`` (a sequential state machine: a loop, in its own arithmetic). A swing high
    sets the direction to 1 and the top, a swing low -1 and the bottom; after an up bar (the
    previous bar's direction) ``100 - (low - bottom) / (top - bottom) * 100``, on a down bar
    ``100 - (high - top) / (bottom - top) * 100``, numpy-rounded to one decimal; ``deepest`` the
    running maximum since the direction began. Then ``np.roll`` by one and the bars up to the
    third change of direction zeroed."""
    n = len(high)
    direction = np.zeros(n, dtype=np.int32)
    current, deepest = np.zeros(n), np.zeros(n)
    top = bottom = 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # a huge move over a tiny range is inf,
        # an infinite price NaN, as in smartmoneyconcepts' loops
        for i in range(n):
            if swing_kind[i] == 1:
                direction[i], top = 1, swing_level[i]
            elif swing_kind[i] == -1:
                direction[i], bottom = -1, swing_level[i]
            else:
                direction[i] = direction[i - 1] if i > 0 else 0
            if direction[i - 1] == 1:  # at i = 0, numpy's direction[-1]
                divisor = top - bottom
                current[i] = np.round(100 - (((low[i] - bottom) / divisor) * 100), 1) if divisor != 0 else 0
                deepest[i] = max(deepest[i - 1] if i > 0 and direction[i - 1] == 1 else 0, current[i])
            if direction[i] == -1:
                divisor = bottom - top
                current[i] = np.round(100 - ((high[i] - top) / divisor) * 100, 1) if divisor != 0 else 0
                deepest[i] = max(deepest[i - 1] if i > 0 and direction[i - 1] == -1 else 0, current[i])
    direction, current, deepest = np.roll(direction, 1), np.roll(current, 1), np.roll(deepest, 1)
    changes = np.cumsum(direction[:-1] != direction[1:])
    third = np.flatnonzero(changes == 3)
    upto = third[0] + 2 if len(third) else n - 1  # zeroed: through the bar after the third change
    direction[:upto], current[:upto], deepest[:upto] = 0, 0.0, 0.0
    return np.stack([direction.astype(np.float64), current, deepest])


def retracements_causal(high, low, swing_kind, swing_level):
    """(3, len): direction, current, deepest retracement in percent, without lookahead::

        direction = kind.ffill().fillna(0);  top = level.where(kind == 1).ffill();  bottom = level.where(kind == -1).ffill()
        current = where(direction == 1, 100 - (low - bottom) / (top - bottom) * 100,
                        100 - (high - top) / (bottom - top) * 100)      # NaN before both, or for an empty range
        deepest = current.groupby((direction != direction.shift()).cumsum()).cummax()

    with ``kind``/``level`` the causal swing reports: smc mode's formulas on the bar itself,
    unrounded and unshifted."""
    kind, level = pd.Series(swing_kind), pd.Series(swing_level)
    direction = kind.ffill().fillna(0.0).to_numpy()
    top = level.where(kind == 1).ffill().to_numpy()
    bottom = level.where(kind == -1).ffill().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf for a vanishing range, as the loops give
        up = np.where(top != bottom, 100 - (low - bottom) / (top - bottom) * 100, np.nan)
        down = np.where(top != bottom, 100 - (high - top) / (bottom - top) * 100, np.nan)
    current = np.where(direction == 1, up, np.where(direction == -1, down, np.nan))
    run = np.cumsum(np.diff(direction, prepend=np.nan) != 0)  # a new run at each change of direction
    deepest = pd.Series(current).groupby(run).cummax().to_numpy()
    return np.stack([direction, current, deepest])


@np.errstate(over="ignore")  # float32 values as smartmoneyconcepts stores them: beyond their range inf
def sessions(minute, high, low, start, end):
    """(3, len): active, high, low, as smartmoneyconcepts' ``sessions`` (a loop, in its own
    arithmetic: the running high and low are stored as float32 and compared with Python's
    ``max``/``min``; an inactive bar leaves 0). Active: ``start <= minute <= end``, or when
    ``start >= end``, ``minute >= start or minute <= end``."""
    n = len(high)
    active = np.zeros(n, dtype=np.int32)
    session_high, session_low = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    for i in range(n):
        t = minute[i]
        if (start < end and start <= t <= end) or (start >= end and (start <= t or t <= end)):
            active[i] = 1
            session_high[i] = max(high[i], session_high[i - 1] if i > 0 else 0)
            session_low[i] = min(low[i], session_low[i - 1] if i > 0 and session_low[i - 1] != 0 else float("inf"))
    return np.stack([active.astype(np.float64), session_high.astype(np.float64), session_low.astype(np.float64)])


class _MinTree:
    """A min segment tree over positions (NaN stored as +inf, so it never answers): the first
    position from ``start`` whose value is below a bound, and the smallest value in a range,
    in O(log n); ``set`` and ``remove`` change a position. What lets ``order_blocks`` and ``liquidity`` avoid smartmoneyconcepts'
    per-bar rescans."""

    def __init__(self, values):
        values = np.asarray(values, dtype=np.float64)
        self.size = 1 << max(len(values) - 1, 0).bit_length()
        self.node = np.full(2 * self.size, np.inf)
        self.node[self.size : self.size + len(values)] = np.where(np.isnan(values), np.inf, values)
        for i in range(self.size - 1, 0, -1):
            self.node[i] = min(self.node[2 * i], self.node[2 * i + 1])

    def value(self, i):
        return self.node[self.size + i]

    def set(self, i, value):
        i += self.size
        self.node[i] = value
        while i > 1:
            i //= 2
            self.node[i] = min(self.node[2 * i], self.node[2 * i + 1])

    def remove(self, i):
        self.set(i, np.inf)

    def min_in(self, lo, hi):
        """The smallest value at positions ``lo <= i < hi`` (+inf for none)."""
        best = np.inf
        lo, hi = lo + self.size, hi + self.size
        while lo < hi:
            if lo & 1:
                best, lo = min(best, self.node[lo]), lo + 1
            if hi & 1:
                hi -= 1
                best = min(best, self.node[hi])
            lo, hi = lo // 2, hi // 2
        return best

    def first_below(self, start, bound):
        """The first position ``>= start`` with a value ``< bound``, else -1: from the leaf, the
        next subtree to the right until one holds such a value, then down to its first."""
        if start >= self.size:
            return -1
        node, size = self.node, self.size
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


def _py_min(a, b):
    """Python's ``min(a, b)``: ``b`` only when ``b < a`` (so NaN as smartmoneyconcepts gets it)."""
    return b if b < a else a


def _py_max(a, b):
    return b if b > a else a


def order_blocks(open_, high, low, close, volume, swing_kind, close_mitigation):
    """(6, len): ob, top, bottom, ob_volume, mitigated_index, percentage, as smartmoneyconcepts'
    ``ob`` (float32 state, shared by a bullish pass over all bars and then a bearish one).

    Bullish: the first close above the last swing high before it makes the bar of the lowest
    low strictly between (the last of equals; with none, or a NaN low there, the bar before
    the close with high and low swapped) a block from low to high; ``ob_volume`` is the
    closing bar's volume and the two before, ``percentage = 100 * min(a, b) / max(a, b)`` of
    the newer two's and the oldest's (100 when both are 0). A low below the bottom
    (``min(open, close)`` with ``close_mitigation``) makes it a breaker, ``mitigated_index``
    the bar before; then a high above the top removes it. Bearish mirrors it
    (``mitigated_index`` the bar itself). Each block waits in a bucket for the bar that
    changes it, found in a segment tree, where smartmoneyconcepts rechecks every block on
    every bar."""
    n = len(high)
    blocks = {
        "kind": np.zeros(n, dtype=np.int8),
        "top": np.zeros(n, dtype=np.float32),
        "bottom": np.zeros(n, dtype=np.float32),
        "volume": np.zeros(n, dtype=np.float32),
        "percentage": np.zeros(n, dtype=np.float32),
        "mitigated": np.zeros(n, dtype=np.int64),
        "breaker": np.zeros(n, dtype=bool),
    }
    # every test is "a value below a bound": a high above the top is a negated high below -top
    lows, neg_highs = _MinTree(low), _MinTree(-high)
    if close_mitigation:
        bull_mitigation = _MinTree([_py_min(o, c) for o, c in zip(open_, close)])
        bear_mitigation = _MinTree([-_py_max(o, c) for o, c in zip(open_, close)])
    else:  # the edges are tested against the lows and highs themselves
        bull_mitigation, bear_mitigation = lows, neg_highs
    _block_pass(1, high, low, close, volume, swing_kind, bull_mitigation, neg_highs, blocks)
    _block_pass(-1, high, low, close, volume, swing_kind, bear_mitigation, lows, blocks)
    kind = blocks["kind"]
    columns = (kind, blocks["top"], blocks["bottom"], blocks["volume"], blocks["mitigated"], blocks["percentage"])
    return np.stack([np.where(kind != 0, c.astype(np.float64), np.nan) for c in columns])


# an infinite volume: inf / inf is a NaN percentage, as smartmoneyconcepts gives; float32 values
# as it stores them: beyond their range inf
@np.errstate(invalid="ignore", over="ignore")
def _block_pass(side, high, low, close, volume, swing_kind, mitigation, reset, blocks):
    """One side of ``order_blocks``: a block can be listed twice (two swings pick one bar), and
    smartmoneyconcepts checks each listing in turn, so ``listed`` counts them; ``version``
    drops a bucket entry made stale by a new block at the same bar."""
    n = len(high)
    bull = side == 1
    top, bottom, breaker = blocks["top"], blocks["bottom"], blocks["breaker"]

    def test(b):  # the test that changes block b next: values[bar] < bound
        if bull:
            return (reset, -float(top[b])) if breaker[b] else (mitigation, float(bottom[b]))
        return (reset, float(bottom[b])) if breaker[b] else (mitigation, -float(top[b]))

    listed, version = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    waiting = [[] for _ in range(n)]  # per bar, the (block, version) it may change

    def wait(b, start):
        values, bound = test(b)
        bar = values.first_below(start, bound)
        if 0 <= bar < n:
            waiting[bar].append((b, version[b]))

    swings = np.flatnonzero(swing_kind == side)
    crossed_by = np.full(n, -1)  # the swing a bar's close crosses first
    for w, s in enumerate(swings):
        until = swings[w + 1] if w + 1 < len(swings) else n - 1  # still the last swing there
        window = close[s + 1 : until + 1]
        crossing = np.flatnonzero(window > high[s] if bull else window < low[s])
        if len(crossing):
            crossed_by[s + 1 + crossing[0]] = s
    for bar in range(n):
        for b, ver in waiting[bar]:
            if ver != version[b]:
                continue
            for _ in range(listed[b]):
                values, bound = test(b)
                if not values.value(bar) < bound:
                    continue
                if breaker[b]:
                    for name in ("kind", "top", "bottom", "volume", "percentage", "mitigated"):
                        blocks[name][b] = 0
                    listed[b] -= 1
                else:
                    breaker[b] = True
                    blocks["mitigated"][b] = bar - 1 if bull else bar
            if listed[b]:
                wait(b, bar + 1)
        s = crossed_by[bar]
        if s < 0:
            continue
        between = (low if bull else high)[s + 1 : bar]
        extreme = (between.min() if bull else between.max()) if len(between) else np.nan  # NaN if any is
        candidates = np.flatnonzero(between == extreme)
        if len(candidates):
            b = s + 1 + candidates[-1]
            b_top, b_bottom = high[b], low[b]
        else:  # the bar before the close; the bullish one with high and low swapped, as smartmoneyconcepts has it
            b = bar - 1
            b_top, b_bottom = (low[b], high[b]) if bull else (high[b], low[b])
        v0, v1, v2 = volume[bar], volume[bar - 1], volume[bar - 2] if bar >= 2 else 0.0
        newer, older = np.float32(v0 + v1), np.float32(v2)
        high_volume, low_volume = (newer, older) if bull else (older, newer)
        most = _py_max(high_volume, low_volume)
        blocks["kind"][b] = side
        top[b], bottom[b] = b_top, b_bottom
        blocks["volume"][b] = v0 + v1 + v2
        blocks["percentage"][b] = _py_min(high_volume, low_volume) / most * np.float32(100) if most != 0 else 100
        listed[b] += 1
        version[b] += 1
        wait(b, bar + 1)


def order_blocks_causal(open_, high, low, close, volume, swing_kind, swing_level, swing_index, close_mitigation):
    """(11, len): ob, top, bottom, ob_index, swing_index, ob_volume, percentage on the bar that
    forms a block, and the counts bullish_mitigated, bearish_mitigated, bullish_removed,
    bearish_removed on the bars where blocks change, without lookahead.

    Bullish (bearish mirrors it): the first close above the last swing high reported so far,
    before the next swing high report, forms a block from the bar with the lowest low strictly
    between the swing and the close (the last of equals, NaN skipped; none: no block). Where
    both kinds would form on one bar the bearish one does, and the swing high waits. Volumes
    as smc mode. Mitigated: the first later low (``min(open, close)`` with
    ``close_mitigation``) below the bottom; removed: then the first high above the top. The
    blocks do not interact: each event is one search in a segment tree."""
    n = len(high)
    out = np.full((11, n), np.nan)
    reports = np.flatnonzero(~np.isnan(swing_kind))

    def crossings(side, blocked):
        """Each swing of ``side`` and the first bar from its report, before the next report of
        its kind, whose close passes its level (not a bar in ``blocked``); -1 if none."""
        mine = reports[swing_kind[reports] == side]
        until = np.append(mine[1:], n)
        found = []
        for r, u in zip(mine, until):  # the spans are disjoint: O(n) in all
            passes = close[r:u] > swing_level[r] if side == 1 else close[r:u] < swing_level[r]
            passes &= ~blocked[r:u]
            found.append(r + int(np.argmax(passes)) if passes.any() else -1)
        return mine, np.asarray(found, dtype=np.int64)

    bear_swings, bear_bars = crossings(-1, np.zeros(n, dtype=bool))
    blocked = np.zeros(n, dtype=bool)
    blocked[bear_bars[bear_bars >= 0]] = True
    bull_swings, bull_bars = crossings(1, blocked)
    formed = []
    for side, swings, bars in ((1, bull_swings, bull_bars), (-1, bear_swings, bear_bars)):
        for r, t in zip(swings[bars >= 0], bars[bars >= 0]):
            s = int(swing_index[r])
            between = low[s + 1 : t] if side == 1 else -high[s + 1 : t]
            if np.isnan(between).all():
                continue  # no bar between (or only NaN): no block
            k = t - 1 - int(np.nanargmin(between[::-1]))  # the last of equals
            newer = volume[t] + (volume[t - 1] if t >= 1 else 0.0)
            older = volume[t - 2] if t >= 2 else 0.0
            most = np.maximum(newer, older)
            with np.errstate(invalid="ignore"):  # an infinite volume: inf / inf, NaN as in smc mode
                percentage = np.minimum(newer, older) / most * 100.0 if most != 0 else 100.0
            out[:7, t] = side, high[k], low[k], k, swing_index[r], newer + older, percentage
            formed.append(t)
    # mitigation: the near edge passed; removal: then the far edge, each the first position
    # below a bound in a segment tree (a high above the top is -high below -top)
    lows, neg_highs = _MinTree(low), _MinTree(-high)
    if close_mitigation:
        bull_mitigation, bear_mitigation = _MinTree(np.minimum(open_, close)), _MinTree(-np.maximum(open_, close))
    else:
        bull_mitigation, bear_mitigation = lows, neg_highs
    out[7:] = 0.0
    for t in formed:
        side, top, bottom = out[0, t], out[1, t], out[2, t]
        if side == 1:
            j = bull_mitigation.first_below(t + 1, bottom)
            m = neg_highs.first_below(j + 1, -top) if 0 <= j < n else -1
        else:
            j = bear_mitigation.first_below(t + 1, -top)
            m = lows.first_below(j + 1, bottom) if 0 <= j < n else -1
        rows = (7, 9) if side == 1 else (8, 10)
        for row, bar in zip(rows, (j, m)):
            if 0 <= bar < n:
                out[row, bar] += 1
    return out


# +-inf prices: inf - inf is a NaN end, tested; float32 values as smartmoneyconcepts stores them
@np.errstate(invalid="ignore", over="ignore")
def liquidity(high, low, swing_kind, swing_level, range_percent):
    """(4, len): liquidity, level, end, swept (float32 values), as smartmoneyconcepts'
    ``liquidity``. With ``range = (high.max() - low.min()) * range_percent``, each swing high
    not yet taken, in order, takes the later swing highs not yet taken within ``range`` of
    its level (ends included) before the first bar after it whose high reaches
    ``level + range`` (``swept``, 0 if none); with any taken it is 1 with the mean level
    (summed in bar order) and ``end`` the last taken. Swing lows mirror it. The untaken
    swings sorted by level sit in a segment tree of their bars, so each is found once."""
    n = len(high)
    out = np.full((4, n), np.nan)
    span = pd.Series(high).max() - pd.Series(low).min()
    swing_range = span * range_percent
    for side in (1.0, -1.0):
        swings = np.flatnonzero(swing_kind == side)
        reach = swing_level[swings] + (swing_range if side == 1 else -swing_range)
        swept = _first_reaching(high, low, swings + 1, reach, np.full(len(swings), side == 1), strict=False)
        by_level = swings[~np.isnan(swing_level[swings])]
        by_level = by_level[np.argsort(swing_level[by_level], kind="stable")]
        sorted_levels = swing_level[by_level]
        rank = dict(zip(by_level.tolist(), range(len(by_level))))
        untaken = _MinTree(by_level)
        taken = np.zeros(n, dtype=bool)
        for i, sweep in zip(swings, swept):
            if taken[i]:
                continue
            if i in rank:
                untaken.remove(rank[i])  # every swing left now lies after i
            level = swing_level[i]
            low_end, high_end = level - swing_range, level + swing_range
            if np.isnan(low_end) or np.isnan(high_end):
                continue  # an infinite level and range: no level lies between NaN ends
            first = np.searchsorted(sorted_levels, low_end, side="left")
            end = np.searchsorted(sorted_levels, high_end, side="right")
            before = sweep if sweep >= 0 else np.inf
            group = []
            r = untaken.first_below(first, before)
            while 0 <= r < end:
                group.append(by_level[r])
                untaken.remove(r)
                r = untaken.first_below(r + 1, before)
            if not group:
                continue
            group.sort()
            taken[group] = True
            total = level
            for j in group:
                total += swing_level[j]
            out[:, i] = np.float32([side, total / (len(group) + 1), group[-1], max(sweep, 0)])
    return out


@np.errstate(invalid="ignore")  # +-inf prices: an infinite span, inf - inf
def liquidity_causal(high, low, swing_kind, swing_level, swing_index, range_percent):
    """(6, len): liquidity, level, count, pool_index, swept_highs, swept_lows without lookahead.

    Every causal swing report is a swing; ``range`` at bar t is ``range_percent`` of the
    highest high minus the lowest low up to t. A swing reported at t joins the oldest open
    pool of its kind whose first level f has ``f - range <= level <= f + range``; else it
    opens one, open until its sweep: the first bar after its swing whose high reaches
    ``f + range`` (range at the opening; lows: low reaches ``f - range``). On a join:
    liquidity (1 highs, -1 lows), level (the pool's mean), count and pool_index (the first
    swing's bar); on a sweep bar, how many pools of two or more swings of each kind it
    sweeps. Pools wait in a segment tree by level (their number as value): the oldest in
    range is its minimum, O(log n) per swing."""
    n = len(high)
    out = np.full((6, n), np.nan)
    out[4:] = 0.0
    reports = np.flatnonzero(~np.isnan(swing_kind))
    kind, level, bar = swing_kind[reports], swing_level[reports], swing_index[reports].astype(np.int64)
    span = np.fmax.accumulate(high) - np.fmin.accumulate(low)  # NaN skipped, as pandas' max
    reach = span[reports] * range_percent
    up = kind == 1
    sweep = _first_reaching(high, low, bar + 1, np.where(up, level + reach, level - reach), up, strict=False)
    sweep = np.where(sweep >= 0, sweep, n)
    by_sweep = np.argsort(sweep, kind="stable")
    order = np.lexsort((level, kind))  # by kind, then level
    sorted_level = level[order]
    rank = np.empty(len(reports), dtype=np.int64)
    rank[order] = np.arange(len(reports))
    n_lows = int(np.count_nonzero(kind == -1))  # the lows come first in the level order
    pools = _MinTree(np.full(len(reports), np.nan))
    count, total = np.zeros(len(reports), dtype=np.int64), np.zeros(len(reports))
    s = 0

    def sweep_until(t):  # pools swept by bar t leave the tree
        nonlocal s
        while s < len(by_sweep) and sweep[by_sweep[s]] <= t:
            p = by_sweep[s]
            s += 1
            if pools.value(rank[p]) == p:
                pools.remove(rank[p])
                if count[p] >= 2:
                    out[4 if kind[p] == 1 else 5, sweep[p]] += 1

    for w, t in enumerate(reports):  # each swing's pool depends on the pools so far: a loop
        sweep_until(t)
        r, v = reach[w], level[w]
        side = (0, n_lows) if kind[w] == -1 else (n_lows, len(reports))
        # the pools with f - r <= v <= f + r: from the first f with not f + r < v to the
        # first with not f - r <= v (a NaN end, from an infinite span, holds none)
        lo = bisect.bisect_left(sorted_level, True, *side, key=lambda f: not f + r < v)
        hi = bisect.bisect_left(sorted_level, True, *side, key=lambda f: not f - r <= v)
        first = pools.min_in(lo, hi)
        if first < np.inf:
            p = int(first)
            count[p] += 1
            total[p] += v
            out[:4, t] = kind[w], total[p] / count[p], count[p], bar[p]
        elif sweep[w] > t:
            pools.set(rank[w], w)
            count[w], total[w] = 1, v
    sweep_until(n - 1)
    return out


def support_resistance(high, low, close, volume, pivot_length, lookbacks, tolerance, min_touches):
    """(4 * len(lookbacks), len): per lookback W, support, support_strength, resistance,
    resistance_strength, without lookahead.

    Pivots are the bars whose high (low) is the largest (smallest) of the window
    ``swing_highs_lows`` uses, confirmed ``L = pivot_length`` bars later; both kinds are
    touches. At bar t the pivots confirmed by t from the last W bars count: a level is
    the touches in one ``tolerance``-wide price bin (``floor(price / tolerance)``) when
    there are at least ``min_touches``, at their mean price (running sums). Support is the
    highest level at or below the close, resistance the lowest above it; strength is
    ``touches * level's mean pivot volume / all counted pivots' mean volume`` (NaN volume as
    0; touches when every volume is 0). The window moves one bar at a time: a loop, with
    the occupied bins in segment trees (next and previous level in O(log n))."""
    n = len(close)
    is_high, is_low = _window_extreme(high, pivot_length, 1), _window_extreme(low, pivot_length, -1)
    bars = np.concatenate([np.flatnonzero(is_high), np.flatnonzero(is_low)])
    prices = np.concatenate([high[is_high], low[is_low]])
    order = np.argsort(bars, kind="stable")
    bars, prices = bars[order], prices[order]
    weights = np.nan_to_num(volume[bars], nan=0.0)
    grid = np.unique(np.floor(prices / tolerance))  # the occupied bins
    cell = np.searchsorted(grid, np.floor(prices / tolerance))
    close_bin = np.floor(close / tolerance)
    below = np.searchsorted(grid, close_bin, side="right") - 1  # the last bin at or below the close's
    above = np.searchsorted(grid, close_bin, side="left")  # the first at or above it
    out = np.full((4 * len(lookbacks), n), np.nan)
    for k, window in enumerate(lookbacks):
        out[4 * k : 4 * k + 4] = _levels(n, bars, prices, weights, cell, len(grid), close, below, above,
                                         pivot_length, window, min_touches)  # fmt: skip
    return out


def _levels(n, bars, prices, weights, cell, n_bins, close, below, above, pivot_length, window, min_touches):
    """One lookback of ``support_resistance``: the pivots enter when confirmed and leave W
    bars after their own; ``ahead`` finds the next level at or after a bin, ``behind`` (bins
    reversed) the previous one."""
    out = np.full((4, n), np.nan)
    touches, total, volume = np.zeros(n_bins, dtype=np.int64), np.zeros(n_bins), np.zeros(n_bins)
    ahead, behind = _MinTree(np.full(n_bins, np.nan)), _MinTree(np.full(n_bins, np.nan))
    counted, counted_volume = 0, 0.0
    enter = leave = 0

    def touch(p, step):
        nonlocal counted, counted_volume
        b = cell[p]
        touches[b] += step
        total[b] += step * prices[p]
        volume[b] += step * weights[p]
        counted += step
        counted_volume += step * weights[p]
        is_level = touches[b] >= min_touches
        ahead.set(b, 0.0 if is_level else np.inf)
        behind.set(n_bins - 1 - b, 0.0 if is_level else np.inf)

    def strength(b):
        return volume[b] * counted / counted_volume if counted_volume > 0 else float(touches[b])

    for t in range(n):
        while enter < len(bars) and bars[enter] + pivot_length <= t:
            touch(enter, 1)
            enter += 1
        while leave < len(bars) and bars[leave] <= t - window:
            touch(leave, -1)
            leave += 1
        if close[t] != close[t]:
            continue
        r = behind.first_below(n_bins - 1 - below[t], 1.0)
        b = n_bins - 1 - r if r >= 0 else -1
        if b >= 0 and total[b] / touches[b] > close[t]:  # the close's own bin, its level above
            r = behind.first_below(n_bins - b, 1.0)
            b = n_bins - 1 - r if r >= 0 else -1
        if b >= 0:
            out[0, t], out[1, t] = total[b] / touches[b], strength(b)
        b = ahead.first_below(above[t], 1.0)
        if b >= 0 and total[b] / touches[b] <= close[t]:  # the close's own bin, its level at or below
            b = ahead.first_below(b + 1, 1.0)
        if b >= 0:
            out[2, t], out[3, t] = total[b] / touches[b], strength(b)
    return out


@np.errstate(over="ignore")  # float32 values as smartmoneyconcepts stores them: beyond their range inf
def previous_high_low(times, bin, labels, open_, high, low, close):  # noqa: A002
    """(4, len): previous_high, previous_low (float32 values), broken_high, broken_low, as
    smartmoneyconcepts' ``previous_high_low``::

        periods = frame.groupby(bin).agg(open="first", high="max", low="min", close="last").dropna()
        before = searchsorted(labels[periods.index], times, "left")   # periods labelled before the bar
        previous = periods.iloc[before - 2]                           # NaN where before < 2
        broken_high = before >= 2 & (high.groupby(runs of before).cummax() > previous.high)

    ``bin`` places each bar in the pandas ``resample`` bins whose labels are ``labels``."""
    n = len(high)
    frame = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close})
    periods = frame.groupby(bin).agg({"open": "first", "high": "max", "low": "min", "close": "last"}).dropna()
    before = np.searchsorted(labels[periods.index.to_numpy(dtype=np.int64)], times, side="left")
    valid = before >= 2
    previous_high, previous_low = np.full(n, np.nan, dtype=np.float32), np.full(n, np.nan, dtype=np.float32)
    previous_high[valid] = periods["high"].to_numpy()[before[valid] - 2]
    previous_low[valid] = periods["low"].to_numpy()[before[valid] - 2]
    runs = np.cumsum(np.concatenate([[True], before[1:] != before[:-1]]))[:n]
    running_high = frame["high"].groupby(runs).cummax().to_numpy()
    running_low = frame["low"].groupby(runs).cummin().to_numpy()
    return np.stack([
        previous_high.astype(np.float64),
        previous_low.astype(np.float64),
        (valid & (running_high > previous_high)).astype(np.float64),
        (valid & (running_low < previous_low)).astype(np.float64),
    ])  # fmt: skip


def previous_high_low_causal(bin, open_, high, low, close):  # noqa: A002
    """(4, len): previous_high, previous_low, broken_high, broken_low, without lookahead::

        periods = frame.groupby(bin).agg(open="first", high="max", low="min", close="last").dropna()
        previous = periods.iloc[searchsorted(periods.index, bin, "left") - 1]   # NaN before any
        broken_high = high.fillna(-inf).groupby(bin).cummax() > previous.high

    ``bin`` rises with the bars: every period before a bar's own has ended by then."""
    n = len(high)
    frame = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close})
    periods = frame.groupby(bin).agg({"open": "first", "high": "max", "low": "min", "close": "last"}).dropna()
    last = np.searchsorted(periods.index.to_numpy(dtype=np.int64), bin, side="left") - 1
    previous_high = np.where(last >= 0, np.append(periods["high"].to_numpy(), np.nan)[last], np.nan)
    previous_low = np.where(last >= 0, np.append(periods["low"].to_numpy(), np.nan)[last], np.nan)
    period_high = frame["high"].fillna(-np.inf).groupby(bin).cummax().to_numpy()
    period_low = frame["low"].fillna(np.inf).groupby(bin).cummin().to_numpy()
    return np.stack([previous_high, previous_low, (period_high > previous_high).astype(np.float64),
                     (period_low < previous_low).astype(np.float64)])[:, :n]  # fmt: skip
