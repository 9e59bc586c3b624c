"""Indicators: every backend x convention on 1M points beside TA-Lib 0.8.2
(one thread, as TA-Lib), and a 1,000 x 10,000 panel on all threads."""

import importlib.util

import barsmith
from barsmith import indicators as ind

from .common import BACKENDS, INDICATOR_POINTS, ohlc_walk, warm

HAS_TALIB = importlib.util.find_spec("talib") is not None
CALLS = {
    "sma": lambda h, lo, c, conv, b: ind.sma(c, 30, backend=b),
    "ema": lambda h, lo, c, conv, b: ind.ema(c, 30, convention=conv, backend=b),
    "rsi": lambda h, lo, c, conv, b: ind.rsi(c, 14, convention=conv, backend=b),
    "atr": lambda h, lo, c, conv, b: ind.atr(h, lo, c, 14, convention=conv, backend=b),
}


def _talib(name, h, lo, c):
    import talib

    return {"sma": lambda: talib.SMA(c, 30), "ema": lambda: talib.EMA(c, 30), "rsi": lambda: talib.RSI(c, 14),
            "atr": lambda: talib.ATR(h, lo, c, 14)}[name]  # fmt: skip


class Indicators:
    params = (BACKENDS, ["pandas", "talib"], sorted(CALLS))
    param_names = ["backend", "convention", "indicator"]
    timeout = 600

    def setup(self, backend, convention, name):
        if name == "sma" and convention == "talib":
            raise NotImplementedError("sma has one definition")
        self.hlc = ohlc_walk(INDICATOR_POINTS)
        warm(backend)

    def time_indicator(self, backend, convention, name):
        CALLS[name](*self.hlc, convention, backend)


class TaLib:
    params = (sorted(CALLS),)
    param_names = ["indicator"]

    def setup(self, name):
        if not HAS_TALIB:
            raise NotImplementedError("ta-lib is not installed")
        self.run = _talib(name, *ohlc_walk(INDICATOR_POINTS))

    def time_talib(self, name):
        self.run()


class SpeedupOverTaLib:
    """TA-Lib time over rust time, same data, one process (>= 1 means at least as fast)."""

    params = (["pandas", "talib"], sorted(CALLS))
    param_names = ["convention", "indicator"]
    timeout = 600

    def setup(self, convention, name):
        if not HAS_TALIB or "rust" not in BACKENDS:
            raise NotImplementedError("needs ta-lib and the rust backend")
        from barsmith._timing import best_of

        h, lo, c = ohlc_walk(INDICATOR_POINTS)
        self.ratio = best_of(_talib(name, h, lo, c), 5)[0] / best_of(lambda: CALLS[name](h, lo, c, convention, "rust"), 5)[0]

    def track_talib_time_over_rust(self, convention, name):
        return self.ratio

    track_talib_time_over_rust.unit = "x"


class Panel:
    """1,000 symbols x 10,000 bars: columns run in parallel."""

    params = (BACKENDS,)
    param_names = ["backend"]
    timeout = 600

    def setup(self, backend):
        if backend == "pandas":
            raise NotImplementedError("the pandas oracle runs columns one by one")
        self.hlc = ohlc_walk(10_000, 1_000)
        warm(backend)

    def time_rsi_panel(self, backend):
        ind.rsi(self.hlc[2], 14, backend=backend)
