"""``MultiTimeframe``: higher-timeframe bars built from base bars as they arrive.

A higher bar covers ``[start, start + interval)``, bins aligned to the epoch (UTC
midnight for any interval dividing a day: pandas ``resample``'s bins for 4h or 1D). It is
visible once complete: when a base bar reaching its end closes (``ts + base >= end``)
or a base bar of a later bin arrives; never before (no lookahead). The forming bar is
there only on request (:meth:`MultiTimeframe.forming`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._bars import BAR_FIELDS, Bar, check_bar, check_frame


def _interval_ns(value: Any, name: str) -> int:
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a fixed interval such as '1h' or '4h', got {value!r}", column=name) from None
    if delta <= pd.Timedelta(0):
        raise InputError(f"must be positive, got {value!r}", column=name)
    return int(delta.value)


class _Binner:
    """One higher timeframe: the forming bar and the completed ones."""

    def __init__(self, interval: int, base: int):
        self.interval, self.base = interval, base
        self.start: int | None = None  # the forming bar's bin start
        self.ohlcv = [0.0] * 5

    def add(self, bar: Bar) -> list[Bar]:
        """Read a base bar; the higher bars it completes, oldest first: the forming one when
        the bar belongs to a later bin (after a gap in the base bars), and the bar's own bin
        when the bar reaches its end (both at once after a gap)."""
        start = bar.ts - bar.ts % self.interval
        done = []
        if self.start is not None and start != self.start:
            done.append(self._bar())
            self.start = None
        if self.start is None:
            self.start, self.ohlcv = start, [bar.open, bar.high, bar.low, bar.close, bar.volume]
        else:
            o, h, lo, _, v = self.ohlcv
            self.ohlcv = [o, max(h, bar.high), min(lo, bar.low), bar.close, v + bar.volume]
        if bar.ts + self.base >= self.start + self.interval:
            done.append(self._bar())
            self.start = None
        return done

    def _bar(self) -> Bar:
        return Bar(*self.ohlcv, self.start)


class MultiTimeframe:
    """Higher-timeframe bars from base bars, one base bar at a time.

    Examples
    --------
    >>> frames = barsmith.engines.MultiTimeframe(base="1h", higher=("4h", "1D"))
    >>> done = frames.update(bar)            # {"4h": [Bar, ...], "1D": [...]}: bars completed
    >>> frames.forming("4h")                 # the 4h bar so far (opt-in lookahead-free peek)
    >>> higher = frames.update_many(bars)    # {"4h": frame, "1D": frame}
    """

    def __init__(self, base: str = "1h", higher: tuple[str, ...] = ("4h", "1D")):
        self.base = base
        self.higher = tuple(higher)
        self._base = _interval_ns(base, "base")
        self._intervals = {h: _interval_ns(h, "higher") for h in self.higher}
        for h, ns in self._intervals.items():
            if ns <= self._base:
                raise InputError(f"{h!r} is not longer than the base bars ({base!r})", column="higher")
        self.reset()

    def reset(self) -> None:
        """Forget every bar: the next bar is the first."""
        self._binners = {h: _Binner(ns, self._base) for h, ns in self._intervals.items()}
        self._n = 0
        self._last_ts: int | None = None

    def update(self, bar: Any) -> dict[str, list[Bar]]:
        """Read one base bar; per higher timeframe the bars it completes (usually none or
        one; two when a gap in the base bars leaves a bin unfinished), oldest first."""
        checked = check_bar(bar, self._n, self._last_ts)
        self._n, self._last_ts = self._n + 1, checked.ts
        return {h: b.add(checked) for h, b in self._binners.items()}

    def update_many(self, bars: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Read many base bars; per higher timeframe a frame of the bars they complete,
        indexed by bin start (``ts``), with ``visible_at``: the time of the base bar after
        which it is complete. The bars equal ``bars.resample(h).agg(first/max/min/last/sum)``
        over the bins holding a base bar, as each becomes complete."""
        values, ts, _ = check_frame(bars, self._n, self._last_ts)
        rows: dict[str, list] = {h: [] for h in self.higher}
        for r in range(len(values)):
            bar = Bar(*values[r].tolist(), int(ts[r]))
            for h, b in self._binners.items():
                rows[h] += [(*done, bar.ts) for done in b.add(bar)]
        if len(values):
            self._n, self._last_ts = self._n + len(values), int(ts[-1])
        return {h: self._frame(r) for h, r in rows.items()}

    def forming(self, higher: str) -> Bar | None:
        """The ``higher`` bar still forming (its base bars so far), or None: reading it is
        reading an incomplete bar, which a backtest opts into knowingly."""
        b = self._binners[higher]
        return None if b.start is None else b._bar()

    @staticmethod
    def _frame(rows: list) -> pd.DataFrame:
        columns = [*BAR_FIELDS, "ts", "visible_at"]
        frame = pd.DataFrame(np.array(rows, dtype=object).reshape(-1, 7), columns=columns)
        index = pd.DatetimeIndex(pd.to_datetime(frame.pop("ts").astype(np.int64), utc=True), name="ts")
        out = frame[list(BAR_FIELDS)].astype(np.float64).set_index(index)
        out["visible_at"] = pd.to_datetime(frame["visible_at"].astype(np.int64), utc=True).to_numpy()
        return out
