"""Causal swings bar by bar (``swing_highs_lows(mode="causal")``): the pivots every engine
that needs swings reads, in one window, so ``SmcState`` and ``HobState`` cannot disagree.
Read beside ``rust/core/src/engines/swings.rs``."""

from __future__ import annotations

from collections import deque

NAN = float("nan")


class Swings:
    """The swing each bar confirms, from a window of the last ``2 * length + 1`` bars and a
    pair of monotonic deques (O(1) amortised per bar)."""

    def __init__(self, length: int):
        self.length = length
        self._highs: deque[float] = deque(maxlen=2 * length + 1)
        self._lows: deque[float] = deque(maxlen=2 * length + 1)
        # positions of bars in the window, their highs falling / lows rising (the window's max/min first)
        self._max_high: deque[int] = deque()
        self._min_low: deque[int] = deque()
        self._last_kind, self._last_level = 0, NAN

    def push(self, high: float, low: float, t: int) -> tuple[int, float, int] | None:
        """Bar ``t``'s high and low: the swing it confirms ``(side, level, bar)``, the bar
        ``i = t - L`` whose high is the highest of the 2L bars ``i - L + 1 .. t`` (else whose
        low is the lowest), reported when of the other kind than the last report or more
        extreme than it."""
        length = self.length
        self._highs.append(high)
        self._lows.append(low)
        first = t - 2 * length + 1
        while self._max_high and self._high_at(self._max_high[-1], t) < high:
            self._max_high.pop()
        self._max_high.append(t)
        while self._min_low and self._low_at(self._min_low[-1], t) > low:
            self._min_low.pop()
        self._min_low.append(t)
        while self._max_high[0] < first:
            self._max_high.popleft()
        while self._min_low[0] < first:
            self._min_low.popleft()
        i = t - length
        if i < 2 * length - 1:  # smartmoneyconcepts' rolling window: none of the first 2L - 1 bars
            return None
        high_i, low_i = self._high_at(i, t), self._low_at(i, t)
        if high_i == self._high_at(self._max_high[0], t):
            side, level = 1, high_i
        elif low_i == self._low_at(self._min_low[0], t):
            side, level = -1, low_i
        else:
            return None
        if side != self._last_kind or (side == 1 and level > self._last_level) or (side == -1 and level < self._last_level):
            self._last_kind, self._last_level = side, level
            return side, level, i
        return None

    def _high_at(self, i: int, t: int) -> float:
        return self._highs[len(self._highs) - 1 - (t - i)]

    def _low_at(self, i: int, t: int) -> float:
        return self._lows[len(self._lows) - 1 - (t - i)]
