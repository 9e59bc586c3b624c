"""``HobState``: the bar's wick and body ratios, volume spikes (a rolling z-score of
volume) and liquidity sweeps of recent swing levels, one bar at a time.

A sweep is the stop run a trader watches for: a bar trades beyond a recent swing high
(or low) and closes back at or inside it. ``docs/features.md`` defines every column.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._args import positive_int
from .._stream import RollingZscore
from ._engine import Emits, RowEngine
from .swings import Swings

NAN = float("nan")

# update_many's columns, one per bar, in this order
COLUMNS = (
    "upper_wick", "lower_wick", "body", "volume_z", "volume_spike",
    "sweep_high", "sweep_high_level", "sweep_high_index",
    "sweep_low", "sweep_low_level", "sweep_low_index",
)  # fmt: skip


@dataclass
class HobView:
    """What ``HobState.state`` shows: the bars seen, the live swing levels a bar can still
    sweep (``highs`` and ``lows``: (level, swing bar), oldest first) and the last bar's row
    (``last``: ``COLUMNS`` to values, NaN before the first bar)."""

    bars: int = 0
    highs: list[tuple[float, int]] = field(default_factory=list)
    lows: list[tuple[float, int]] = field(default_factory=list)
    last: dict[str, float] = field(default_factory=dict)


class HobState(RowEngine):
    """Wick ratios, volume spikes and liquidity sweeps, one bar at a time.

    Per bar, with ``range = high - low``, ``top = max(open, close)``, ``bottom = min(open, close)``::

        upper_wick = (high - top) / range      lower_wick = (bottom - low) / range
        body = (top - bottom) / range          (all 0 when range == 0)
        volume_z = rolling_zscore(volume, volume_window)   # this bar included, ddof=1
        volume_spike = volume_z >= spike_z

    Swing levels are those of ``swing_highs_lows(swing_length, mode="causal")``; each joins
    its side's pool of the last ``levels`` live levels once the bar confirming it is read. A
    bar whose high trades above pooled highs removes them; those its close came back to
    (``close <= level``) are swept: ``sweep_high`` counts them, ``sweep_high_level`` is the
    highest (the latest of equal ones) and ``sweep_high_index`` its swing bar. Lows mirror
    (``low < level``, swept if ``close >= level``).

    ``backend``: "rust" (the default) or "pandas" (the readable Python state machine, the
    oracle); "numba" runs Rust. Both read volume through ``indicators.stream.RollingZscore``.

    Examples
    --------
    >>> hob = barsmith.engines.HobState(swing_length=5, volume_window=20, spike_z=2.0)
    >>> [e.kind for e in hob.update(bar)]      # "sweep", "volume_spike"
    >>> frame = hob.update_many(bars)          # one row per bar, COLUMNS
    >>> hob.state.highs                        # live swing highs (level, bar)
    """

    name = "hob"
    PASS_KERNEL = "hob_rows"
    COLUMNS = COLUMNS
    # the events of a bar, in this order (docs/features.md)
    EMITS = (
        Emits(5, "sweep", level=6, ref=7, fixed=1),
        Emits(8, "sweep", level=9, ref=10, fixed=-1),
        Emits(4, "volume_spike", level=3, ref=None, fixed=0),
    )

    def __init__(self, swing_length: int = 5, *, volume_window: int = 20, spike_z: float = 2.0, levels: int = 8,
                 backend: str | None = None):  # fmt: skip
        self.swing_length = positive_int(swing_length, "swing_length")
        self.volume_window = positive_int(volume_window, "volume_window")
        self.spike_z = float(spike_z)
        self.levels = positive_int(levels, "levels")
        super().__init__(backend)

    def _core_args(self) -> tuple:
        return (self.swing_length, self.volume_window, self.spike_z, self.levels)

    def _make_core(self, backend: str) -> Any:
        args = self._core_args()
        if backend == "rust":
            from .._core import engines as core

            return core.HobCore(*args)
        return _PythonHob(*args)

    @property
    def state(self) -> HobView:
        """A snapshot of the state (a copy: later updates do not change it)."""
        live = self._core.live_levels()
        return HobView(bars=self._n, highs=[(lv, i) for s, lv, i in live if s == 1],
                       lows=[(lv, i) for s, lv, i in live if s == -1], last=self.last)  # fmt: skip


def _consume(pool: deque[tuple[float, int]], beyond, back, further) -> tuple[float, float, float]:
    """The pooled levels the bar reaches beyond leave the pool; those the close came back
    to are swept: their count and the most extreme one (the latest of equal levels)."""
    count, level, index = 0, NAN, NAN
    for lv, i in [p for p in pool if beyond(p[0])]:
        pool.remove((lv, i))
        if back(lv):
            count += 1
            if level != level or not further(level, lv):
                level, index = lv, i
    return float(count), level, float(index)


class _PythonHob:
    """The readable state machine: ``update`` gives a bar's row (``COLUMNS``),
    ``update_many`` the rows of a (bars, 5) array. Read beside
    ``rust/core/src/engines/hob.rs``."""

    def __init__(self, swing_length: int, volume_window: int, spike_z: float, levels: int):
        self.swing_length, self.volume_window, self.spike_z, self.levels = swing_length, volume_window, spike_z, levels
        self.reset()

    def reset(self) -> None:
        self._n = 0
        self._swings = Swings(self.swing_length)
        self._volume_z = RollingZscore(self.volume_window, ddof=1)
        self._highs: deque[tuple[float, int]] = deque(maxlen=self.levels)  # (level, swing bar), oldest first
        self._lows: deque[tuple[float, int]] = deque(maxlen=self.levels)

    def update(self, bar: tuple[float, float, float, float, float]):
        return self._step(*bar), []

    def update_many(self, values: np.ndarray):
        out = np.full((len(values), len(COLUMNS)), NAN)
        for r, bar in enumerate(values.tolist()):
            out[r] = self._step(*bar)
        return out, []

    def live_levels(self) -> list[tuple[int, float, int]]:
        return [(1, lv, i) for lv, i in self._highs] + [(-1, lv, i) for lv, i in self._lows]

    def _step(self, open_: float, high: float, low: float, close: float, volume: float) -> list[float]:
        t = self._n
        span, top, bottom = high - low, max(open_, close), min(open_, close)
        if span > 0:
            wicks = [(high - top) / span, (bottom - low) / span, (top - bottom) / span]
        else:
            wicks = [0.0, 0.0, 0.0]  # a bar of no range has neither wicks nor body
        z = self._volume_z.update(volume)
        highs = _consume(self._highs, lambda lv: high > lv, lambda lv: close <= lv, lambda a, b: a > b)
        lows = _consume(self._lows, lambda lv: low < lv, lambda lv: close >= lv, lambda a, b: a < b)
        # a swing joins its pool after the bar that confirms it is read: it starts live
        swing = self._swings.push(high, low, t)
        if swing is not None:
            side, level, index = swing
            (self._highs if side == 1 else self._lows).append((level, index))
        self._n = t + 1
        return [*wicks, z, 1.0 if z >= self.spike_z else 0.0, *highs, *lows]
