"""``Fusion``: one score per bar from the engines' states across timeframes, and
``Sentinel``: the gate that runs fusion only on bars that matter.

Each engine's state on a timeframe becomes a bias in [-1, 1] (``docs/features.md``)::

    smc       trend                              (1 HH+HL, -1 LH+LL, 0)
    wyckoff   phase / 2                          (markup 1, accumulation 0.5, ..., markdown -1)
    hob       the side of the latest sweep within ``hob_memory`` bars of its timeframe:
              +1 lows swept (sell stops taken, price back up), -1 highs swept, else 0
    momentum  (rsi - 50) / 50

    score = sum(w_engine * w_timeframe * bias) / sum(w_engine * w_timeframe)   over biases not NaN

A ``signal`` is +1 on a fused bar whose score reaches ``threshold`` when the score of the
fusion run before was below it (or there was none), -1 mirrored at ``-threshold``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._args import positive_int
from .._errors import InputError
from .._stream import Atr, Sma
from ._bars import Bar
from .timeframes import _interval_ns

ENGINE_NAMES = ("smc", "wyckoff", "hob", "momentum")

# Sentinel rules, as bits of its mask
SMA_CROSS, ATR_BREAK, SESSION_BREAK = 1, 2, 4


class Fusion:
    """The per-bar score of the engines' biases across timeframes (module docstring).

    ``weights``: engine name to weight (default 1 each, for the engines listed in
    ``engines``); ``timeframe_weights``: timeframe to weight (default 1 each);
    ``threshold``: where a signal fires; ``hob_memory``: how many bars a sweep counts.

    >>> fusion = barsmith.engines.Fusion(weights={"smc": 2, "momentum": 1}, timeframe_weights={"1D": 2})
    """

    def __init__(self, weights: dict[str, float] | None = None, *, engines: tuple[str, ...] | None = None,
                 timeframe_weights: dict[str, float] | None = None, threshold: float = 0.5,
                 hob_memory: int = 3):  # fmt: skip
        names = tuple(engines) if engines is not None else tuple(weights or ENGINE_NAMES)
        for name in [*names, *(weights or {})]:
            if name not in ENGINE_NAMES:
                raise InputError(f"unknown engine {name!r}: choose from {', '.join(ENGINE_NAMES)}", column="weights")
        self.engines = names
        self.weights = {name: float((weights or {}).get(name, 1.0)) for name in names}
        self.timeframe_weights = {k: float(v) for k, v in (timeframe_weights or {}).items()}
        self.threshold = float(threshold)
        self.hob_memory = positive_int(hob_memory, "hob_memory")

    def weight(self, engine: str, timeframe: str) -> float:
        return self.weights.get(engine, 0.0) * self.timeframe_weights.get(timeframe, 1.0)

    @staticmethod
    def bias(engine: str, rows: dict[str, Any]) -> Any:
        """The bias of ``smc``, ``wyckoff`` or ``momentum`` rows (arrays, or one row's
        floats); ``hob``'s is :meth:`sweep_side` remembered over ``hob_memory`` bars."""
        if engine == "smc":
            return np.asarray(rows["trend"], dtype=np.float64)
        if engine == "wyckoff":
            return np.asarray(rows["phase"], dtype=np.float64) / 2
        if engine == "momentum":
            return (np.asarray(rows["rsi"], dtype=np.float64) - 50) / 50
        raise ValueError(engine)

    @staticmethod
    def sweep_side(rows: dict[str, Any]) -> Any:
        """A HobState row's sweep side: +1 when more lows than highs were swept, -1 the
        reverse, NaN when none (or as many of each)."""
        net = np.asarray(rows["sweep_low"], dtype=np.float64) - np.asarray(rows["sweep_high"], dtype=np.float64)
        return np.where(net == 0, np.nan, np.sign(net))

    def score(self, biases: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Scores of (bars, inputs) biases with one weight per input: the weighted mean of
        those not NaN, NaN when all are. Summed input by input, in order (a column of an
        F-ordered array is read contiguously)."""
        weighted, total = np.zeros(len(biases)), np.zeros(len(biases))
        for j, weight in enumerate(np.asarray(weights, dtype=np.float64).tolist()):
            bias = biases[:, j]
            present = bias == bias
            weighted += np.where(present, bias * weight, 0.0)
            total += np.where(present, weight, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return weighted / np.where(total > 0, total, np.nan)

    def signals(self, scores: np.ndarray, before: float) -> np.ndarray:
        """Signals of consecutive fusion runs' ``scores``, ``before`` the score of the run
        preceding them (NaN if none)."""
        previous = np.concatenate([[before], scores[:-1]])
        up = (scores >= self.threshold) & ~(previous >= self.threshold)
        down = (scores <= -self.threshold) & ~(previous <= -self.threshold)
        return np.where(up, 1.0, np.where(down, -1.0, 0.0))

    def __repr__(self) -> str:
        return f"Fusion(weights={self.weights}, timeframe_weights={self.timeframe_weights}, threshold={self.threshold})"


class Sentinel:
    """Which bars are significant enough to run fusion on: a bitmask per bar of

    - ``SMA_CROSS`` (1): ``sma(close, fast) - sma(close, slow)`` changes sign (from <= 0
      to > 0 or from >= 0 to < 0) between the bar before and this one;
    - ``ATR_BREAK`` (2): the close leaves the channel of the bar before,
      ``sma(close, n) -/+ k * atr(n)``;
    - ``SESSION_BREAK`` (4): the high (low) passes the session's high (low) so far, not
      on a session's first bar; sessions are ``session`` bins aligned to the epoch (UTC
      days for "1D").

    Pass None for a rule to leave it out. The indicators are the streams of
    ``barsmith.indicators.stream`` (equal to the batch indicators).

    >>> sentinel = barsmith.engines.Sentinel(sma=(10, 30), atr=(14, 2.0), session="1D")
    """

    def __init__(self, sma: tuple[int, int] | None = (10, 30), atr: tuple[int, float] | None = (14, 2.0),
                 session: str | None = "1D"):  # fmt: skip
        self.sma = None if sma is None else (positive_int(sma[0], "sma"), positive_int(sma[1], "sma"))
        self.atr = None if atr is None else (positive_int(atr[0], "atr"), float(atr[1]))
        self.session = session
        self._session = None if session is None else _interval_ns(session, "session")
        self.reset()

    def reset(self) -> None:
        """Forget every bar."""
        self._fast = self._slow = self._mid = self._range = None
        if self.sma is not None:
            self._fast, self._slow = Sma(self.sma[0]), Sma(self.sma[1])
        if self.atr is not None:
            self._mid, self._range = Sma(self.atr[0]), Atr(self.atr[0])
        self._spread_before = np.nan  # fast - slow of the bar before
        self._channel_before = (np.nan, np.nan)  # (mid, atr) of the bar before
        self._day: int | None = None  # the session of the bar before, its high and low so far
        self._high = self._low = np.nan

    def update(self, bar: Bar) -> int:
        """One checked bar: its mask."""
        masks = self.update_many(np.asarray([bar[:5]], dtype=np.float64), np.asarray([bar.ts], dtype=np.int64))
        return int(masks[0])

    def update_many(self, values: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Checked (rows, 5) bars and their times: one mask per bar, vectorised, the state
        carried to the next call."""
        high, low, close = (np.ascontiguousarray(values[:, j]) for j in (1, 2, 3))
        mask = np.zeros(len(values), dtype=np.int64)
        if not len(values):
            return mask
        with np.errstate(invalid="ignore"):
            if self.sma is not None:
                spread = self._fast.update_many(close) - self._slow.update_many(close)
                before = np.concatenate([[self._spread_before], spread[:-1]])
                mask |= np.where(((before <= 0) & (spread > 0)) | ((before >= 0) & (spread < 0)), SMA_CROSS, 0)
                self._spread_before = spread[-1]
            if self.atr is not None:
                mid, rng = self._mid.update_many(close), self._range.update_many(high, low, close)
                mid_before = np.concatenate([[self._channel_before[0]], mid[:-1]])
                rng_before = np.concatenate([[self._channel_before[1]], rng[:-1]])
                k = self.atr[1]
                out = (close > mid_before + k * rng_before) | (close < mid_before - k * rng_before)
                mask |= np.where(out, ATR_BREAK, 0)
                self._channel_before = (mid[-1], rng[-1])
            if self._session is not None:
                mask |= np.where(self._session_breaks(high, low, ts), SESSION_BREAK, 0)
        return mask

    def _session_breaks(self, high: np.ndarray, low: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """The bars passing their session's high or low so far, the session carried over."""
        day = ts - ts % self._session
        # the carried session as a row before the first: its high and low so far
        days = np.concatenate([[self._day if self._day is not None else day[0] - 1], day])
        highs = np.concatenate([[self._high], high])
        lows = np.concatenate([[self._low], low])
        starts = np.flatnonzero(np.concatenate([[True], days[1:] != days[:-1]]))
        run_high = _running("cummax", highs, starts)
        run_low = _running("cummin", lows, starts)
        same = days[1:] == days[:-1]
        with np.errstate(invalid="ignore"):
            breaks = same & ((high > run_high[:-1]) | (low < run_low[:-1]))
        self._day, self._high, self._low = int(day[-1]), float(run_high[-1]), float(run_low[-1])
        return breaks

    def __repr__(self) -> str:
        return f"Sentinel(sma={self.sma}, atr={self.atr}, session={self.session!r})"


def _running(how: str, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``values`` accumulated by ``how`` ("cummax", "cummin") within runs beginning at
    ``starts``, NaN skipped (the carried session's NaN before any bar)."""
    runs = np.cumsum(np.isin(np.arange(len(values)), starts))
    return getattr(pd.Series(values).groupby(runs), how)().to_numpy()
