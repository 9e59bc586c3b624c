"""Engines beside the rescan a backtest does without them: at each bar, the batch causal
structure functions on the growing history (O(n^2) in bars) against ``SmcState`` fed the
bars once (O(n)); 2,000 and 10,000 hourly bars, measured in one process."""

import time

import numpy as np

import barsmith
from barsmith import structure
from barsmith.engines import HobState, MomentumState, MultiTimeframe, SmcState, WyckoffState

SIZES = [2_000, 10_000]


def _bars(n):
    return barsmith.synth.ohlc(n, seed=1, freq="1h")


def rescan(bars, swing_length=5):
    """What the team did: every bar, the causal structure of the whole history so far."""
    for t in range(1, len(bars) + 1):
        history = bars.iloc[:t]
        swings = structure.swing_highs_lows(history, swing_length, mode="causal")
        structure.fvg(history, mode="causal")
        structure.bos_choch(history, swings, mode="causal")
        structure.market_structure(history, swing_length)


ENGINES = ["rust", "pandas"]  # the Rust state, the Python oracle
STATES = {"smc": SmcState, "hob": HobState, "wyckoff": WyckoffState}  # the row engines, each with both backends


class Replay:
    params = (list(STATES), ENGINES, SIZES)
    param_names = ["state", "engine", "bars"]
    timeout = 600

    def setup(self, state, engine, n):
        self.bars = _bars(n)

    def time_update_many(self, state, engine, n):
        STATES[state](5, backend=engine).update_many(self.bars)


class ReplayOthers:
    params = (SIZES,)
    param_names = ["bars"]

    def setup(self, n):
        self.bars = _bars(n)

    def time_momentum_state(self, n):
        MomentumState().update_many(self.bars)

    def time_multi_timeframe(self, n):
        MultiTimeframe("1h", ("4h", "1D")).update_many(self.bars)


class RescanOverEngine:
    """The rescan's time over SmcState's on the same bars (one process): the ratio grows with n."""

    params = (SIZES,)
    param_names = ["bars"]
    timeout = 900
    number, repeat = 1, 1

    def setup(self, n):
        self.bars = _bars(n)

    def track_rescan_over_smc_state(self, n):
        start = time.perf_counter()
        SmcState(5).update_many(self.bars)
        engine = time.perf_counter() - start
        start = time.perf_counter()
        rescan(self.bars)
        return (time.perf_counter() - start) / engine


class UpdateLatency:
    """One ``update`` per bar, as a live loop calls it: median and p99 in microseconds."""

    params = (list(STATES), ENGINES)
    param_names = ["state", "engine"]

    def setup(self, state, engine):
        bars = _bars(2_600)
        self.rows = [{**r, "ts": ts} for ts, r in zip(bars.index, bars.to_dict("records"))]

    def _latencies(self, state, engine):
        live, out = STATES[state](5, backend=engine), []
        for row in self.rows:
            start = time.perf_counter_ns()
            live.update(row)
            out.append(time.perf_counter_ns() - start)
        return np.asarray(out) / 1e3

    def track_update_median_us(self, state, engine):
        return float(np.median(self._latencies(state, engine)))

    def track_update_p99_us(self, state, engine):
        return float(np.percentile(self._latencies(state, engine), 99))
