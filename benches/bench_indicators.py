"""Indicators: every backend x convention on 1M points beside TA-Lib 0.8.2
(one thread, as TA-Lib), and a 1,000 x 10,000 panel on all threads."""

import importlib.util

import numpy as np

from barsmith import indicators as ind
from barsmith._peers import indicator_calls

from .common import BACKENDS, INDICATOR_POINTS, ohlc_walk, warm

HAS_TALIB = importlib.util.find_spec("talib") is not None


def _calls(n_points):
    h, lo, c = ohlc_walk(n_points)
    volume = np.random.default_rng(4).integers(1, 1_000, n_points).astype(np.float64)
    return indicator_calls(h, lo, c, volume)


NAMES = sorted(_calls(10))


class Indicators:
    params = (BACKENDS, ["pandas", "talib"], NAMES)
    param_names = ["backend", "convention", "indicator"]
    timeout = 600

    def setup(self, backend, convention, name):
        self.call, _, _, conventions = _calls(INDICATOR_POINTS)[name]
        if convention not in conventions:
            raise NotImplementedError(f"{name} has one definition")
        warm(backend)

    def time_indicator(self, backend, convention, name):
        self.call(convention, backend)


class TaLib:
    params = (NAMES,)
    param_names = ["indicator"]

    def setup(self, name):
        if not HAS_TALIB:
            raise NotImplementedError("ta-lib is not installed")
        import talib

        ta_call = _calls(INDICATOR_POINTS)[name][2]
        self.run = lambda: ta_call(talib)

    def time_talib(self, name):
        self.run()


class SpeedupOverTaLib:
    """TA-Lib time over rust time, same data, one process (>= 1 means at least as fast)."""

    params = (["pandas", "talib"], NAMES)
    param_names = ["convention", "indicator"]
    timeout = 600

    def setup(self, convention, name):
        if not HAS_TALIB or "rust" not in BACKENDS:
            raise NotImplementedError("needs ta-lib and the rust backend")
        import talib

        from barsmith._timing import best_of

        call, _, ta_call, conventions = _calls(INDICATOR_POINTS)[name]
        if convention not in conventions:
            raise NotImplementedError(f"{name} has one definition")
        self.ratio = best_of(lambda: ta_call(talib), 5)[0] / best_of(lambda: call(convention, "rust"), 5)[0]

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


class PanelThreads:
    """One thread's time over all threads' on the panel (rust), each in a fresh process."""

    timeout = 600

    def setup(self):
        if "rust" not in BACKENDS:
            raise NotImplementedError("needs the rust backend")
        from barsmith._peers import panel_seconds

        n_bars = min(10_000, INDICATOR_POINTS)  # smoke runs shrink it
        self.ratio = panel_seconds(1, n_bars) / panel_seconds(None, n_bars)

    def track_one_thread_over_all(self):
        return self.ratio

    track_one_thread_over_all.unit = "x"
