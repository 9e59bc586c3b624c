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
from ._bars import BAR_FIELDS, Bar, check_bar, check_frame, engine_backend, refuse_one_at_a_time


def _interval_ns(value: Any, name: str) -> int:
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a fixed interval such as '1h' or '4h', got {value!r}", column=name) from None
    if delta <= pd.Timedelta(0):
        raise InputError(f"must be positive, got {value!r}", column=name)
    return int(delta.value)


class _Binner:
    """One higher timeframe: the forming bar and the completed ones (the readable binning,
    the oracle of ``BinnerCore`` in ``rust/core/src/engines/timeframes.rs``)."""

    def __init__(self, interval: int, base: int):
        self.interval, self.base = interval, base
        self.start: int | None = None  # the forming bar's bin start
        self.ohlcv = [0.0] * 5

    def update(self, bar: tuple[float, ...], ts: int) -> list[tuple]:
        """Read a base bar at ``ts``; the higher bars it completes, oldest first, as
        (open, high, low, close, volume, bin start): the forming one when the bar belongs to
        a later bin (after a gap in the base bars), and the bar's own bin when the bar
        reaches its end (both at once after a gap)."""
        start = ts - ts % self.interval
        done = []
        if self.start is not None and start != self.start:
            done.append((*self.ohlcv, self.start))
            self.start = None
        if self.start is None:
            self.start, self.ohlcv = start, list(bar)
        else:
            o, h, lo, _, v = self.ohlcv
            self.ohlcv = [o, max(h, bar[1]), min(lo, bar[2]), bar[3], v + bar[4]]
        if ts + self.base >= self.start + self.interval:
            done.append((*self.ohlcv, self.start))
            self.start = None
        return done

    def update_many(self, values: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Many base bars: the completed bars' (k, 5) values, bin starts, and the time of
        the base bar completing each."""
        rows, starts, visible = [], [], []
        for bar, t in zip(values.tolist(), ts.tolist()):
            for *v, start in self.update(bar, t):
                rows.append(v)
                starts.append(start)
                visible.append(t)
        return np.array(rows, dtype=np.float64).reshape(-1, 5), np.array(starts, np.int64), np.array(visible, np.int64)

    def forming(self) -> tuple | None:
        return None if self.start is None else (*self.ohlcv, self.start)


class _NumbaBinner:
    """One higher timeframe binned in ``barsmith._numba.engines.higher_bars`` over a whole
    pass (``replay(..., backend="numba")``)."""

    def __init__(self, interval: int, base: int):
        self.interval, self.base, self._read = interval, base, False

    update = forming = staticmethod(refuse_one_at_a_time)

    def update_many(self, values: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from .._numba.engines import higher_bars

        if self._read:
            refuse_one_at_a_time()
        self._read = True
        return higher_bars(values, ts, self.interval, self.base)


class MultiTimeframe:
    """Higher-timeframe bars from base bars, one base bar at a time.

    ``backend``: "rust" (the default; also for "numba") bins in ``barsmith._core``,
    "pandas" in the readable Python binning above, its oracle.

    Examples
    --------
    >>> frames = barsmith.engines.MultiTimeframe(base="1h", higher=("4h", "1D"))
    >>> done = frames.update(bar)            # {"4h": [Bar, ...], "1D": [...]}: bars completed
    >>> frames.forming("4h")                 # the 4h bar so far (opt-in lookahead-free peek)
    >>> higher = frames.update_many(bars)    # {"4h": frame, "1D": frame}
    """

    def __init__(self, base: str = "1h", higher: tuple[str, ...] = ("4h", "1D"), *, backend: str | None = None):
        self.base = base
        self.higher = tuple(higher)
        self.backend = engine_backend(backend)
        self._base = _interval_ns(base, "base")
        self._intervals = {h: _interval_ns(h, "higher") for h in self.higher}
        for h, ns in self._intervals.items():
            if ns <= self._base:
                raise InputError(f"{h!r} is not longer than the base bars ({base!r})", column="higher")
        self.reset()

    def reset(self) -> None:
        """Forget every bar: the next bar is the first."""
        if self.backend == "rust":
            from .._core import engines as core

            make: Any = core.BinnerCore
        else:
            make = _Binner
        self._binners = {h: make(ns, self._base) for h, ns in self._intervals.items()}
        self._n = 0
        self._last_ts: int | None = None

    def _pass_in_numba(self) -> None:
        """Bin the next (and only) ``update_many`` in Numba."""
        self._binners = {h: _NumbaBinner(ns, self._base) for h, ns in self._intervals.items()}

    def update(self, bar: Any) -> dict[str, list[Bar]]:
        """Read one base bar; per higher timeframe the bars it completes (usually none or
        one; two when a gap in the base bars leaves a bin unfinished), oldest first."""
        checked = check_bar(bar, self._n, self._last_ts)
        self._n, self._last_ts = self._n + 1, checked.ts
        values = checked[:5]
        return {h: [Bar(*done) for done in b.update(values, checked.ts)] for h, b in self._binners.items()}

    def update_many(self, bars: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Read many base bars; per higher timeframe a frame of the bars they complete,
        indexed by bin start (``ts``), with ``visible_at``: the time of the base bar after
        which it is complete. The bars equal ``bars.resample(h).agg(first/max/min/last/sum)``
        over the bins holding a base bar, as each becomes complete."""
        values, ts, _ = check_frame(bars, self._n, self._last_ts)
        return {h: self._frame(*done) for h, done in self._update_checked(values, ts).items()}

    def _update_checked(self, values: np.ndarray, ts: np.ndarray) -> dict[str, tuple[np.ndarray, ...]]:
        """Base bars already checked: per higher timeframe the completed bars' (k, 5)
        values, bin starts and the times they become visible."""
        values = np.ascontiguousarray(values)
        out = {h: b.update_many(values, ts) for h, b in self._binners.items()}
        if len(values):
            self._n, self._last_ts = self._n + len(values), int(ts[-1])
        return out

    def forming(self, higher: str) -> Bar | None:
        """The ``higher`` bar still forming (its base bars so far), or None: reading it is
        reading an incomplete bar, which a backtest opts into knowingly."""
        bar = self._binners[higher].forming()
        return None if bar is None else Bar(*bar)

    @staticmethod
    def _frame(values: np.ndarray, starts: np.ndarray, visible: np.ndarray) -> pd.DataFrame:
        index = pd.DatetimeIndex(pd.to_datetime(starts, utc=True), name="ts")
        out = pd.DataFrame(values, index=index, columns=list(BAR_FIELDS))
        out["visible_at"] = pd.to_datetime(visible, utc=True)
        return out
