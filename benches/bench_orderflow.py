"""Order flow kernels: classification, CVD, decayed trade pressure, aggressive trades, volume
profile and bar flow imbalance, every backend x size."""

from .common import BACKENDS, SIZES, trades, warm

import barsmith


class OrderFlow:
    params = (BACKENDS, SIZES)
    param_names = ["backend", "n_trades"]
    timeout = 600

    def setup(self, backend, n):
        self.df = trades(n)
        warm(backend)

    def time_classify_tick(self, backend, n):
        barsmith.orderflow.classify_trades(self.df, "tick", backend=backend)

    def time_cvd_daily_reset(self, backend, n):
        barsmith.orderflow.cvd(self.df, reset="1D", backend=backend)

    def time_trade_flow(self, backend, n):
        barsmith.orderflow.trade_flow(self.df, half_life="30s", backend=backend)

    def time_multi_timeframe_flow(self, backend, n):
        barsmith.orderflow.multi_timeframe_flow(self.df, ("5s", "1min", "5min"), backend=backend)

    def time_aggressive_trades_by_count(self, backend, n):
        barsmith.orderflow.aggressive_trades(self.df, size_quantile=0.99, window=1000, backend=backend)

    def time_aggressive_trades_by_time(self, backend, n):
        barsmith.orderflow.aggressive_trades(self.df, size_quantile=0.99, window="5min", backend=backend)

    def time_volume_profile_daily(self, backend, n):
        barsmith.orderflow.volume_profile(self.df, bin_size=0.25, by="1D", backend=backend)


class FlowImbalance:
    params = (BACKENDS, SIZES)
    param_names = ["backend", "n_trades"]
    timeout = 600

    def setup(self, backend, n):
        self.bars = barsmith.bars.time_bars(trades(n), "1s")
        warm(backend)

    def time_flow_imbalance(self, backend, n):
        barsmith.orderflow.flow_imbalance(self.bars, span=30, backend=backend)


class Warmup:
    def time_numba_warmup(self):
        barsmith.warmup("numba")
