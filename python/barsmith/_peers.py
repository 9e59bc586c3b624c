"""Peer implementations of barsmith's outputs, for parity tests and benchmarks.

These are how a user would compute the same bars without barsmith; they are
never used by barsmith itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .bars import BAR_COLUMNS


def pandas_resample_bars(trades: pd.DataFrame, interval: str) -> pd.DataFrame:
    """Every bar column with pandas ``resample``, empty bars dropped."""
    ts = pd.DatetimeIndex(trades["ts_event"])
    side = trades["side"].astype(str).to_numpy() if "side" in trades else np.full(len(trades), "N")
    size = trades["size"].to_numpy(np.float64)
    price = trades["price"].to_numpy(np.float64)
    frame = pd.DataFrame(
        {
            "price": price,
            "size": size,
            "notional": price * size,
            "buy": np.where(side == "B", size, 0.0),
            "sell": np.where(side == "A", size, 0.0),
            "ts": ts,
        },
        index=ts,
    )
    out = frame.resample(interval).agg(
        open=("price", "first"),
        high=("price", "max"),
        low=("price", "min"),
        close=("price", "last"),
        volume=("size", "sum"),
        notional=("notional", "sum"),
        n_trades=("price", "count"),
        buy_volume=("buy", "sum"),
        sell_volume=("sell", "sum"),
        ts_first=("ts", "first"),
        ts_last=("ts", "last"),
    )
    out = out[out["n_trades"] > 0]
    out.insert(5, "vwap", out.pop("notional") / out["volume"])
    out.index.name = "ts"
    return out[list(BAR_COLUMNS)]


def polars_frame(trades: pd.DataFrame) -> Any:
    """The trades as a polars DataFrame (conversion kept out of timings)."""
    import polars as pl

    ts = pd.DatetimeIndex(trades["ts_event"]).tz_convert("UTC").as_unit("ns").asi8
    return pl.DataFrame(
        {
            "ts": pl.Series(ts).cast(pl.Datetime("ns", "UTC")),
            "price": trades["price"].to_numpy(np.float64),
            "size": trades["size"].to_numpy(np.float64),
        }
    )


def polars_bars(frame: Any, interval: str) -> Any:
    """OHLCV + VWAP + count with polars ``group_by_dynamic``."""
    import polars as pl

    every = f"{pd.Timedelta(interval).value}ns"
    price, size = pl.col("price"), pl.col("size")
    return frame.group_by_dynamic("ts", every=every, closed="left", label="left").agg(
        price.first().alias("open"),
        price.max().alias("high"),
        price.min().alias("low"),
        price.last().alias("close"),
        size.sum().alias("volume"),
        ((price * size).sum() / size.sum()).alias("vwap"),
        pl.len().alias("n_trades"),
    )


def polars_bars_frame(result: Any) -> pd.DataFrame:
    """polars bars as pandas, indexed like barsmith's (for parity checks)."""
    out = result.to_pandas().set_index("ts")
    out.index = pd.DatetimeIndex(out.index).as_unit("ns")
    out["n_trades"] = out["n_trades"].astype(np.int64)
    return out



def indicator_calls(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray) -> dict[str, Any]:
    """The benchmarked indicators: name -> (barsmith call ``f(convention, backend)``, TA-Lib
    function name, TA-Lib call ``g(talib)``, conventions). One table for ``barsmith bench``
    and asv, so both time the same calls with the same parameters."""
    from . import indicators as ind

    both = ("pandas", "talib")
    h, lo, c, v = high, low, close, volume
    return {
        "sma(30)": (lambda conv, b: ind.sma(c, 30, convention=conv, backend=b), "SMA", lambda t: t.SMA(c, 30), both),
        "ema(30)": (lambda conv, b: ind.ema(c, 30, convention=conv, backend=b), "EMA", lambda t: t.EMA(c, 30), both),
        "rsi(14)": (lambda conv, b: ind.rsi(c, 14, convention=conv, backend=b), "RSI", lambda t: t.RSI(c, 14), both),
        "atr(14)": (lambda conv, b: ind.atr(h, lo, c, 14, convention=conv, backend=b), "ATR",
                    lambda t: t.ATR(h, lo, c, 14), both),
        "adx(14)": (lambda conv, b: ind.adx(h, lo, c, 14, convention=conv, backend=b), "ADX",
                    lambda t: t.ADX(h, lo, c, 14), both),
        "macd(12,26,9)": (lambda conv, b: ind.macd(c, convention=conv, backend=b)[0], "MACD",
                          lambda t: t.MACD(c)[0], both),
        "bbands(20,2)": (lambda conv, b: ind.bbands(c, 20, convention=conv, backend=b)[0], "BBANDS",
                         lambda t: t.BBANDS(c, 20, 2.0, 2.0)[0], both),
        "cci(20)": (lambda conv, b: ind.cci(h, lo, c, 20, convention=conv, backend=b), "CCI",
                    lambda t: t.CCI(h, lo, c, 20), both),
        "mfi(14)": (lambda conv, b: ind.mfi(h, lo, c, v, 14, convention=conv, backend=b), "MFI",
                    lambda t: t.MFI(h, lo, c, v, 14), both),
    }  # fmt: skip


def panel_seconds(threads: int | None, n_bars: int = 10_000, n_symbols: int = 1_000, repeat: int = 5) -> float:
    """Best time of ``rsi(panel, 14)`` (rust) on a seeded (bars x symbols) random walk, in a fresh
    process with ``RAYON_NUM_THREADS=threads`` (all cores for None): the pool size is fixed per process."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np, barsmith\n"
        "from barsmith._timing import best_of\n"
        f"close = 100 + np.cumsum(np.random.default_rng(3).normal(0, 1, ({n_bars}, {n_symbols})), axis=0)\n"
        f"print(best_of(lambda: barsmith.indicators.rsi(close, 14, backend='rust'), {repeat})[0])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def structure_calls(bars: pd.DataFrame, smc: Any = None) -> dict[str, Any]:
    """The benchmarked structure functions: name -> (barsmith call ``f(backend)``, the
    smartmoneyconcepts call ``g()``, None without ``smc``). Swings (length 5) are made here,
    outside the timings: barsmith's for barsmith, smartmoneyconcepts' own (a RangeIndex,
    which its loops index by) for it. One table for ``barsmith bench`` and asv."""
    from . import structure

    ours = structure.swing_highs_lows(bars, 5)
    theirs = smc.swing_highs_lows(bars, 5) if smc is not None else None
    peer = (lambda f: f) if smc is not None else (lambda f: None)
    return {
        "swing_highs_lows(50)": (lambda b: structure.swing_highs_lows(bars, 50, backend=b),
                                 peer(lambda: smc.swing_highs_lows(bars, 50))),
        "fvg": (lambda b: structure.fvg(bars, backend=b), peer(lambda: smc.fvg(bars))),
        "bos_choch": (lambda b: structure.bos_choch(bars, ours, backend=b), peer(lambda: smc.bos_choch(bars, theirs))),
        "retracements": (lambda b: structure.retracements(bars, ours, backend=b),
                         peer(lambda: smc.retracements(bars, theirs))),
        "sessions(London)": (lambda b: structure.sessions(bars, "London", backend=b),
                             peer(lambda: smc.sessions(bars.copy(), "London"))),  # it rewrites the index
        "order_blocks": (lambda b: structure.order_blocks(bars, ours, backend=b), peer(lambda: smc.ob(bars, theirs))),
        "liquidity": (lambda b: structure.liquidity(bars, ours, backend=b), peer(lambda: smc.liquidity(bars, theirs))),
        "previous_high_low(1D)": (lambda b: structure.previous_high_low(bars, "1D", backend=b),
                                  peer(lambda: smc.previous_high_low(bars, "1D"))),
    }  # fmt: skip


def rescan_structure(bars: pd.DataFrame, swing_length: int = 5) -> None:
    """The backtest without engines (issue 23's baseline): every bar, the batch causal
    structure of the whole history so far, O(n^2) in bars."""
    from . import structure

    for t in range(1, len(bars) + 1):
        history = bars.iloc[:t]
        swings = structure.swing_highs_lows(history, swing_length, mode="causal")
        structure.fvg(history, mode="causal")
        structure.bos_choch(history, swings, mode="causal")
        structure.market_structure(history, swing_length)


def episode_day(n_events: int = 290_000, seed: int = 1) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A generated day of 5-second MBP-10 bars (290k events: about 17,000 bars) and four
    levels: three fixed prices (the day's quartiles and median) and a rolling VWAP-like mean."""
    import barsmith

    bars = barsmith.book.mbp10_bars(barsmith.synth.mbp10(n_events, seed=seed), "5s")
    mid = bars["book_mid_px_eob"]
    levels: dict[str, Any] = {f"q{q}": float(mid.quantile(q / 100)) for q in (25, 50, 75)}
    levels["vwap"] = mid.rolling(60, min_periods=1).mean()
    return bars, levels


def seed_approach_features(bars: pd.DataFrame, episodes: Any, features: list[str], windows: Any) -> pd.DataFrame:
    """The pipeline we replace: per feature and window a groupby transform with a Python
    lambda (``(x - x.shift(w)) / w``, then the same of d1), over the episodes' long rows."""
    from .episodes import _spans
    from ._pandas.episodes import long_rows

    starts, ends = _spans(episodes)
    long = bars[features].iloc[long_rows(starts, ends)[0]].reset_index(drop=True)
    touch = np.repeat(np.arange(len(starts)), ends - starts + 1)
    out = {}
    for w in windows:
        for c in features:
            d1 = long.groupby(touch)[c].transform(lambda x: (x - x.shift(w)) / w)
            out[f"{c}_d1_{w}"] = d1
            out[f"{c}_d2_{w}"] = d1.groupby(touch).transform(lambda x: (x - x.shift(w)) / w)
    return pd.DataFrame(out)
