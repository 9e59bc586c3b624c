"""``MomentumState``: RSI, MACD and ADX one bar at a time, through the indicator streams
(``barsmith.indicators.stream``): the very states the batch indicators loop over, so the
values equal ``barsmith.indicators.rsi/macd/dmi`` on the same closes, bar for bar."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._args import Convention
from .._stream import Dmi, Macd, Rsi
from ._bars import check_bar, check_frame, refuse_one_at_a_time

COLUMNS = ("rsi", "macd", "macd_signal", "macd_hist", "adx", "plus_di", "minus_di")


class MomentumState:
    """RSI(``rsi``), MACD(``macd`` = (fast, slow, signal)) and ADX/+DI/-DI(``adx``) of the
    bars read so far.

    Examples
    --------
    >>> momentum = barsmith.engines.MomentumState(rsi=14, macd=(12, 26, 9), adx=14)
    >>> momentum.update(bar)["rsi"]
    >>> frame = momentum.update_many(bars)  # columns COLUMNS, one row per bar
    """

    name = "momentum"

    def __init__(self, rsi: int = 14, macd: tuple[int, int, int] = (12, 26, 9), adx: int = 14, *,
                 convention: Convention = "pandas"):  # fmt: skip
        self._make = lambda: (Rsi(rsi, convention=convention), Macd(*macd, convention=convention),
                              Dmi(adx, convention=convention))  # fmt: skip
        self._periods = (rsi, tuple(macd), adx, convention)
        self._numba = False
        self.reset()

    def _pass_in_numba(self) -> None:
        """Run the next (and only) ``update_many`` in the Numba indicator kernels (the
        batch indicators the streams equal)."""
        self._numba = True
        self.reset()

    def reset(self) -> None:
        """Forget every bar: the next bar is the first."""
        self._rsi, self._macd, self._dmi = self._make()
        self._n = 0
        self._last_ts: int | None = None
        self._values = dict.fromkeys(COLUMNS, float("nan"))

    def update(self, bar: Any) -> dict[str, float]:
        """Read one bar; the indicators after it (a dict of ``COLUMNS``)."""
        if self._numba:
            refuse_one_at_a_time()
        b = check_bar(bar, self._n, self._last_ts)
        m, s, h = self._macd.update(b.close)
        adx, pdi, mdi, _ = self._dmi.update(b.high, b.low, b.close)
        self._values = dict(zip(COLUMNS, (self._rsi.update(b.close), m, s, h, adx, pdi, mdi)))
        self._n, self._last_ts = self._n + 1, b.ts
        return dict(self._values)

    def update_many(self, bars: pd.DataFrame) -> pd.DataFrame:
        """Read many bars; one row per bar with ``COLUMNS``, indexed as ``bars``."""
        values, ts, index = check_frame(bars, self._n, self._last_ts)
        return pd.DataFrame(self._read_checked(values, ts), index=index)

    def _read_checked(self, values: np.ndarray, ts: np.ndarray) -> dict[str, np.ndarray]:
        """Bars already checked (``check_frame``'s arrays): the ``COLUMNS`` as arrays."""
        high, low, close = (np.ascontiguousarray(values[:, j]) for j in (1, 2, 3))
        if self._numba:
            out = self._numba_pass(high, low, close)
        else:
            m, s, h = self._macd.update_many(close)
            adx, pdi, mdi, _ = self._dmi.update_many(high, low, close)
            out = dict(zip(COLUMNS, (self._rsi.update_many(close), m, s, h, adx, pdi, mdi)))
        if len(values):
            self._values = {c: float(v[-1]) for c, v in out.items()}
            self._n, self._last_ts = self._n + len(values), int(ts[-1])
        return out

    def _numba_pass(self, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> dict[str, np.ndarray]:
        from .._args import convention_code
        from .._registry import kernel

        if self._n:
            refuse_one_at_a_time()
        rsi, macd, adx, convention = self._periods
        code = convention_code(convention)
        m, s, h = kernel("macd", "numba")(close[None], *macd, code)[0]
        a, pdi, mdi, _ = kernel("dmi", "numba")(high[None], low[None], close[None], adx, code)[0]
        return dict(zip(COLUMNS, (kernel("rsi", "numba")(close[None], rsi, code)[0], m, s, h, a, pdi, mdi)))

    @property
    def state(self) -> dict[str, float]:
        """The indicators after the last bar read (NaN before they warm up)."""
        return dict(self._values)
