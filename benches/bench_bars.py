"""Trade bars: every bar kernel x backend x size, peers beside them, parity and speedups tracked.

Read the ratios from the ``track_`` benchmarks: they time barsmith and the
baseline in the same process, one after the other, on the same data.
"""

import importlib.util

from .common import BACKENDS, SIZES, trade_arrays, trades, warm

import barsmith
from barsmith import _peers
from barsmith._compare import max_relative_difference
from barsmith._timing import best_of

BAR_PARAMS = {
    "time_bars": {"interval": "5s"},
    "tick_bars": {"n": 1000},
    "volume_bars": {"threshold": 5_000.0},
    "dollar_bars": {"threshold": 2.5e7},
}
HAS_POLARS = importlib.util.find_spec("polars") is not None


class Bars:
    """Wall time of each bar kernel from a DataFrame (the common user path)."""

    params = (BACKENDS, SIZES)
    param_names = ["backend", "n_trades"]
    timeout = 600

    def setup(self, backend, n):
        self.df = trades(n)
        warm(backend)

    def time_time_bars(self, backend, n):
        barsmith.bars.time_bars(self.df, "5s", backend=backend)

    def time_tick_bars(self, backend, n):
        barsmith.bars.tick_bars(self.df, 1000, backend=backend)

    def time_volume_bars(self, backend, n):
        barsmith.bars.volume_bars(self.df, 5_000.0, backend=backend)

    def time_dollar_bars(self, backend, n):
        barsmith.bars.dollar_bars(self.df, 2.5e7, backend=backend)

    def peakmem_time_bars(self, backend, n):
        barsmith.bars.time_bars(self.df, "5s", backend=backend)


class BarsFromArrays:
    """time_bars from kernel-dtype NumPy arrays: the kernel plus validation, no conversion."""

    params = (BACKENDS, SIZES)
    param_names = ["backend", "n_trades"]
    timeout = 600

    def setup(self, backend, n):
        self.arrays = trade_arrays(n)
        warm(backend)

    def time_time_bars(self, backend, n):
        barsmith.bars.time_bars(**self.arrays, interval="5s", backend=backend)


def require_polars():
    if not HAS_POLARS:
        raise NotImplementedError("polars is not installed")  # asv: skip, from setup()


class PandasResample:
    """The same 5-second bars with pandas resample (every bar column)."""

    params = (SIZES,)
    param_names = ["n_trades"]
    timeout = 600

    def setup(self, n):
        self.df = trades(n)

    def time_pandas_resample(self, n):
        _peers.pandas_resample_bars(self.df, "5s")


class Polars:
    """OHLCV + VWAP + count with polars group_by_dynamic."""

    params = (SIZES,)
    param_names = ["n_trades"]
    timeout = 600

    def setup(self, n):
        require_polars()
        self.pl = _peers.polars_frame(trades(n))

    def time_polars_group_by_dynamic(self, n):
        _peers.polars_bars(self.pl, "5s")


class Parity:
    """Largest relative difference from the pandas oracle (0 means identical)."""

    params = (BACKENDS, list(BAR_PARAMS), [min(SIZES), min(max(SIZES), 1_000_000)])
    param_names = ["backend", "kernel", "n_trades"]
    unit = "relative difference"
    timeout = 600

    def track_parity(self, backend, kernel, n):
        fn = getattr(barsmith.bars, kernel)
        oracle = fn(trades(n), **BAR_PARAMS[kernel], backend="pandas")
        return max_relative_difference(fn(trades(n), **BAR_PARAMS[kernel], backend=backend), oracle)



class ParityWithPeers:
    """time_bars against the peers themselves: pandas resample (all columns), polars (OHLCV+VWAP+count)."""

    params = (BACKENDS, [min(SIZES), min(max(SIZES), 1_000_000)])
    param_names = ["backend", "n_trades"]
    unit = "relative difference"
    timeout = 600

    def track_parity_vs_pandas_resample(self, backend, n):
        expected = _peers.pandas_resample_bars(trades(n), "5s")
        return max_relative_difference(barsmith.bars.time_bars(trades(n), "5s", backend=backend), expected)


class ParityWithPolars:
    params = (BACKENDS, [min(SIZES), min(max(SIZES), 1_000_000)])
    param_names = ["backend", "n_trades"]
    unit = "relative difference"
    timeout = 600

    def setup(self, backend, n):
        require_polars()

    def track_parity_vs_polars(self, backend, n):
        expected = _peers.polars_bars_frame(_peers.polars_bars(_peers.polars_frame(trades(n)), "5s"))
        bars = barsmith.bars.time_bars(trades(n), "5s", backend=backend)[list(expected.columns)]
        return max_relative_difference(bars, expected)


class _TimesBarsmith:
    params = (BACKENDS, SIZES)
    param_names = ["backend", "n_trades"]
    unit = "x faster"
    timeout = 900

    def _time_barsmith(self, backend, n):
        warm(backend)
        self.seconds = best_of(lambda: barsmith.bars.time_bars(trades(n), "5s", backend=backend), 3)[0]
        self.array_seconds = best_of(
            lambda: barsmith.bars.time_bars(**trade_arrays(n), interval="5s", backend=backend), 3
        )[0]


class Speedup(_TimesBarsmith):
    """Speedup of barsmith over each baseline, both timed in this process (best of 3)."""

    def setup(self, backend, n):
        self._time_barsmith(backend, n)

    def track_vs_pandas_backend(self, backend, n):
        return best_of(lambda: barsmith.bars.time_bars(trades(n), "5s", backend="pandas"), 1)[0] / self.seconds

    def track_vs_pandas_resample(self, backend, n):
        return best_of(lambda: _peers.pandas_resample_bars(trades(n), "5s"), 1)[0] / self.seconds

    def track_vs_rust(self, backend, n):
        rust = best_of(lambda: barsmith.bars.time_bars(trades(n), "5s", backend="rust"), 3)[0]
        return rust / self.seconds


class SpeedupVsPolars(_TimesBarsmith):
    """Speedup over polars group_by_dynamic (which computes only OHLCV + VWAP + count)."""

    def setup(self, backend, n):
        require_polars()
        self._time_barsmith(backend, n)
        frame = _peers.polars_frame(trades(n))
        self.polars_seconds = best_of(lambda: _peers.polars_bars(frame, "5s"), 3)[0]

    def track_vs_polars(self, backend, n):
        return self.polars_seconds / self.seconds

    def track_arrays_vs_polars(self, backend, n):
        return self.polars_seconds / self.array_seconds
