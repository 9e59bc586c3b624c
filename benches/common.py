"""Shared inputs for the benchmarks: seeded synthetic trades, generated once per process.

Sizes come from $BARSMITH_BENCH_SIZES (comma-separated, default 1e4,1e6,1e7),
so CI can smoke-test the suite on small inputs.
"""

import functools
import os

import numpy as np
import pandas as pd

import barsmith

BACKENDS = [name for name, why in barsmith.available_backends().items() if why is None]
SIZES = [int(float(s)) for s in os.environ.get("BARSMITH_BENCH_SIZES", "1e4,1e6,1e7").split(",")]


@functools.lru_cache(maxsize=2)
def trades(n: int) -> pd.DataFrame:
    return barsmith.synth.trades(n, seed=1)


@functools.lru_cache(maxsize=2)
def trade_arrays(n: int) -> dict:
    """The same trades as kernel-dtype NumPy arrays (no conversion inside the timing)."""
    df = trades(n)
    return {
        "ts_event": pd.DatetimeIndex(df["ts_event"]).asi8,
        "price": df["price"].to_numpy(),
        "size": df["size"].to_numpy(),
        "side": np.asarray(barsmith._input.to_side(df["side"]), dtype=np.int8),
    }


def warm(backend: str) -> None:
    barsmith.warmup(backend)


# MBP-10 days: $BARSMITH_BENCH_BOOK_SIZES (default 2e5 and a full 1.9e6-event day).
BOOK_SIZES = [int(float(s)) for s in os.environ.get("BARSMITH_BENCH_BOOK_SIZES", "2e5,1.9e6").split(",")]


@functools.lru_cache(maxsize=1)
def book_events(n: int) -> pd.DataFrame:
    return barsmith.synth.mbp10(n, seed=1)


# Indicators: 1M points (one series, one thread) and a 1,000-symbol x 10,000-bar panel.
INDICATOR_POINTS = int(float(os.environ.get("BARSMITH_BENCH_INDICATOR_POINTS", "1e6")))


@functools.lru_cache(maxsize=2)
def ohlc_walk(n: int, n_series: int = 1) -> tuple:
    """Seeded random-walk high, low, close of shape (n,) or (n, n_series)."""
    rng = np.random.default_rng(3)
    shape = (n,) if n_series == 1 else (n, n_series)
    close = 100 + np.cumsum(rng.normal(0, 1, shape), axis=0)
    return close + rng.uniform(0, 1, shape), close - rng.uniform(0, 1, shape), close


# Structure: OHLC bars ($BARSMITH_BENCH_STRUCTURE_BARS, default 1e5 and 1e6).
STRUCTURE_BARS = [int(float(s)) for s in os.environ.get("BARSMITH_BENCH_STRUCTURE_BARS", "1e5,1e6").split(",")]


@functools.lru_cache(maxsize=2)
def ohlc_bars(n: int) -> pd.DataFrame:
    return barsmith.synth.ohlc(n, seed=1)
