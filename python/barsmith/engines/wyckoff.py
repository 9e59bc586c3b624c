"""``WyckoffState``: pivots in a bounded deque, the range they span, volume spread
analysis (VSA), the Wyckoff phase and candle-range (CRT) setups, one bar at a time.

``docs/features.md`` defines every column; the rules in short::

    rel_volume = volume / sma(volume, window)     rel_spread = spread / sma(spread, window)
    vsa:  +2 selling climax   down bar, rel_spread >= wide, rel_volume >= high_volume, close in the upper half
          -2 buying climax    up bar,   the same, close in the lower half
          +1 no supply        down bar, rel_spread <= narrow, volume below each of the two bars before
          -1 no demand        up bar,   the same
    phase: on a pivot, higher high and higher low -> markup (+2), lower high and lower low ->
           markdown (-2), else accumulation (+1) after markdown, distribution (-1) after markup;
           a selling climax in markdown -> accumulation, a buying climax in markup -> distribution;
           out of a trend, a close above the pivots' range -> markup, below it -> markdown
    crt:  -1 when the bar trades above the bar before, not below it, and closes back under its high;
          +1 mirrored
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._args import positive_int
from .._stream import Sma
from ._engine import Emits, RowEngine
from .swings import Swings

NAN = float("nan")

# update_many's columns, one per bar, in this order
COLUMNS = (
    "pivot", "pivot_level", "pivot_index", "range_high", "range_low",
    "rel_volume", "rel_spread", "close_location", "vsa", "phase", "phase_change",
    "crt", "crt_level", "crt_target",
)  # fmt: skip

MARKUP, ACCUMULATION, NEUTRAL, DISTRIBUTION, MARKDOWN = 2, 1, 0, -1, -2
PHASES = {MARKUP: "markup", ACCUMULATION: "accumulation", NEUTRAL: "neutral", DISTRIBUTION: "distribution",
          MARKDOWN: "markdown"}  # fmt: skip
SELLING_CLIMAX, NO_SUPPLY, NO_DEMAND, BUYING_CLIMAX = 2, 1, -1, -2


@dataclass
class WyckoffView:
    """What ``WyckoffState.state`` shows: the bars seen, the ``phase`` (its name), the
    pivots kept (``pivots``: (side, level, bar), oldest first) and the last bar's row
    (``last``: ``COLUMNS`` to values)."""

    bars: int = 0
    phase: str = "neutral"
    pivots: list[tuple[int, float, int]] = field(default_factory=list)
    last: dict[str, float] = field(default_factory=dict)


class WyckoffState(RowEngine):
    """Pivots, range, volume spread analysis, Wyckoff phase and CRT setups, one bar at a time.

    ``pivot_length``: the swings of ``swing_highs_lows(pivot_length, mode="causal")`` are the
    pivots, the last ``pivots`` of them kept; ``window``: the bars of the volume and spread
    means; ``wide``, ``narrow``, ``high_volume``: the VSA thresholds on the relative spread
    and volume. ``backend``: "rust" (the default) or "pandas" (the readable Python state
    machine, the oracle); "numba" runs Rust. Both take their means from
    ``indicators.stream.Sma``. The rules are in the module docstring and ``docs/features.md``.

    Examples
    --------
    >>> wyckoff = barsmith.engines.WyckoffState(pivot_length=5)
    >>> frame = wyckoff.update_many(bars)       # one row per bar, COLUMNS
    >>> wyckoff.state.phase                     # "markup", "accumulation", ...
    """

    name = "wyckoff"
    PASS_KERNEL = "wyckoff_rows"
    COLUMNS = COLUMNS
    # the events of a bar, in this order (docs/features.md)
    EMITS = (
        Emits(0, ("pivot_high", "pivot_low"), level=1, ref=2, side=0),
        Emits(8, "vsa", level=5, ref=None, side=8),
        Emits(10, "phase", level=(3, 4), ref=None, side=9),
        Emits(11, "crt", level=12, ref=None, side=11),
    )

    def __init__(self, pivot_length: int = 5, *, pivots: int = 8, window: int = 20, wide: float = 1.5,
                 narrow: float = 0.7, high_volume: float = 1.5, backend: str | None = None):  # fmt: skip
        self.pivot_length = positive_int(pivot_length, "pivot_length")
        self.pivots = positive_int(pivots, "pivots")
        self.window = positive_int(window, "window")
        self.wide, self.narrow, self.high_volume = float(wide), float(narrow), float(high_volume)
        super().__init__(backend)

    def _core_args(self) -> tuple:
        return (self.pivot_length, self.pivots, self.window, self.wide, self.narrow, self.high_volume)

    def _make_core(self, backend: str) -> Any:
        args = self._core_args()
        if backend == "rust":
            from .._core import engines as core

            return core.WyckoffCore(*args)
        return _PythonWyckoff(*args)

    @property
    def state(self) -> WyckoffView:
        """A snapshot of the state (a copy: later updates do not change it)."""
        phase = self._last[9]
        return WyckoffView(bars=self._n, phase=PHASES[int(phase) if phase == phase else NEUTRAL],
                           pivots=list(self._core.pivots()), last=self.last)  # fmt: skip


def _ratio(a: float, b: float) -> float:
    """``a / b`` as IEEE floats divide (a zero mean: inf, or NaN for 0 / 0)."""
    if b == 0:
        return NAN if a == 0 or a != a else float("inf") * (1 if a > 0 else -1)
    return a / b


class _PythonWyckoff:
    """The readable state machine: ``update`` gives a bar's row (``COLUMNS``),
    ``update_many`` the rows of a (bars, 5) array. Read beside
    ``rust/core/src/engines/wyckoff.rs``."""

    def __init__(self, pivot_length: int, pivots: int, window: int, wide: float, narrow: float, high_volume: float):
        self.pivot_length, self.max_pivots, self.window = pivot_length, pivots, window
        self.wide, self.narrow, self.high_volume = wide, narrow, high_volume
        self.reset()

    def reset(self) -> None:
        self._n = 0
        self._swings = Swings(self.pivot_length)
        self._pivots: deque[tuple[int, float, int]] = deque(maxlen=self.max_pivots)
        self._highs = [NAN, NAN]  # the previous and the latest pivot high
        self._lows = [NAN, NAN]
        self._mean_volume, self._mean_spread = Sma(self.window), Sma(self.window)
        self._previous: tuple[float, ...] | None = None  # the bar before
        self._volume_before = NAN  # the volume of the bar before that
        self._phase = NEUTRAL
        self._last_trend = NEUTRAL  # the latest of markup / markdown

    def update(self, bar: tuple[float, float, float, float, float]):
        return self._step(bar), []

    def update_many(self, values: np.ndarray):
        out = np.full((len(values), len(COLUMNS)), NAN)
        for r, bar in enumerate(values.tolist()):
            out[r] = self._step(tuple(bar))
        return out, []

    def pivots(self) -> list[tuple[int, float, int]]:
        return list(self._pivots)

    def _range(self) -> tuple[float, float]:
        """The highest pivot high and lowest pivot low kept (NaN without one of the side)."""
        highs = [level for side, level, _ in self._pivots if side == 1]
        lows = [level for side, level, _ in self._pivots if side == -1]
        return (max(highs) if highs else NAN), (min(lows) if lows else NAN)

    def _vsa(self, close: float, volume: float, rel_volume: float, rel_spread: float, location: float) -> int:
        if self._previous is None:
            return 0
        up, down = close > self._previous[3], close < self._previous[3]
        if rel_spread >= self.wide and rel_volume >= self.high_volume:
            if down and location >= 0.5:
                return SELLING_CLIMAX
            if up and location <= 0.5:
                return BUYING_CLIMAX
        quiet = volume < self._previous[4] and volume < self._volume_before
        if rel_spread <= self.narrow and quiet:
            if down:
                return NO_SUPPLY
            if up:
                return NO_DEMAND
        return 0

    def _pivot_phase(self) -> int:
        """Markup on a higher high and higher low, markdown on a lower high and lower low,
        else the range after the last trend (the phase unchanged with too few pivots)."""
        (h0, h1), (l0, l1) = self._highs, self._lows
        if h1 > h0 and l1 > l0:
            return MARKUP
        if h1 < h0 and l1 < l0:
            return MARKDOWN
        if h0 != h0 or l0 != l0:
            return self._phase
        return {MARKDOWN: ACCUMULATION, MARKUP: DISTRIBUTION}.get(self._last_trend, NEUTRAL)

    def _step(self, bar: tuple[float, ...]) -> list[float]:
        _, high, low, close, volume = bar
        t = self._n
        row = [NAN] * len(COLUMNS)
        spread = high - low
        rel_volume = _ratio(volume, self._mean_volume.update(volume))
        rel_spread = _ratio(spread, self._mean_spread.update(spread))
        location = (close - low) / spread if spread > 0 else 0.5
        vsa = self._vsa(close, volume, rel_volume, rel_spread, location)
        before = self._phase
        pivot = self._swings.push(high, low, t)
        if pivot is not None:
            side, level, index = pivot
            row[0:3] = [side, level, index]
            self._pivots.append(pivot)
            last = self._highs if side == 1 else self._lows
            last[:] = [last[1], level]
            self._phase = self._pivot_phase()
        # a climax ends the trend it comes in; a close out of the range starts one
        if vsa == SELLING_CLIMAX and self._phase == MARKDOWN:
            self._phase = ACCUMULATION
        elif vsa == BUYING_CLIMAX and self._phase == MARKUP:
            self._phase = DISTRIBUTION
        range_high, range_low = self._range()
        if abs(self._phase) < 2:
            if close > range_high:
                self._phase = MARKUP
            elif close < range_low:
                self._phase = MARKDOWN
        if abs(self._phase) == 2:
            self._last_trend = self._phase
        row[3:11] = [range_high, range_low, rel_volume, rel_spread, location, vsa, self._phase,
                     1.0 if self._phase != before else 0.0]  # fmt: skip
        row[11] = 0.0
        if self._previous is not None:
            # candle range: this bar takes one side of the bar before and closes back inside
            h1, l1 = self._previous[1], self._previous[2]
            if high > h1 and low >= l1 and close < h1:
                row[11:14] = [-1.0, h1, l1]
            elif low < l1 and high <= h1 and close > l1:
                row[11:14] = [1.0, l1, h1]
        self._volume_before = self._previous[4] if self._previous is not None else NAN
        self._previous = bar
        self._n = t + 1
        return [float(v) for v in row]
