"""time_bars from every layout a user's trades arrive in (issue: inputs at full speed).

The ``track_`` ratios time each layout beside the categorical-side frame (the fast path
before) and beside polars ``group_by_dynamic`` (OHLCV + VWAP + count) in one process.
"""

import functools

from .common import SIZES, trades
from .bench_bars import require_polars

import barsmith
from barsmith import _layouts, _peers
from barsmith._timing import best_of

try:
    LAYOUTS = list(_layouts.trade_frames(barsmith.synth.trades(10, seed=1)))
except ImportError:  # polars or pyarrow missing: setup() skips every case
    LAYOUTS = ["categorical"]


@functools.lru_cache(maxsize=1)
def frames(n):
    return _layouts.trade_frames(trades(n))


class TimeBarsByLayout:
    """Wall time of time_bars (rust) from each layout."""

    params = (LAYOUTS, SIZES)
    param_names = ["layout", "n_trades"]
    timeout = 600

    def setup(self, layout, n):
        require_polars()
        self.frame = frames(n)[layout]

    def time_time_bars(self, layout, n):
        barsmith.bars.time_bars(self.frame, "5s")


class LayoutRatios:
    """Each layout's time over the categorical path's (target: at most 1.25), and polars'
    time over each layout's (target: at least 2), measured in this process."""

    params = (LAYOUTS, SIZES)
    param_names = ["layout", "n_trades"]
    unit = "ratio"
    timeout = 900

    def setup(self, layout, n):
        require_polars()
        every = frames(n)
        self.seconds = best_of(lambda: barsmith.bars.time_bars(every[layout], "5s"), 5)[0]
        self.categorical = best_of(lambda: barsmith.bars.time_bars(every["categorical"], "5s"), 5)[0]
        frame = _peers.polars_frame(trades(n))
        self.polars = best_of(lambda: _peers.polars_bars(frame, "5s"), 3)[0]

    def track_over_categorical(self, layout, n):
        return self.seconds / self.categorical

    def track_polars_over_barsmith(self, layout, n):
        return self.polars / self.seconds
