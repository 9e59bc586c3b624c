"""Order flow kernels: classification and CVD, every backend x size."""

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


class Warmup:
    def time_numba_warmup(self):
        barsmith.warmup("numba")
