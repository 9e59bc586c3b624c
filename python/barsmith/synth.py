"""Seeded, realistic synthetic market data for demos, tests and benchmarks.

Everything here is deterministic for a given ``seed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["mbp10", "ohlc", "trades"]

SIDE_CATEGORIES = ["A", "B", "N"]


def trades(
    n: int = 2_000_000,
    *,
    seed: int = 0,
    start: Any = "2024-03-04 13:30",
    duration: Any = "6.5h",
    tick_size: float = 0.25,
    price: float = 5000.0,
    unknown_side_share: float = 0.005,
) -> pd.DataFrame:
    """A trading day of ``n`` trades, shaped like a Databento ``trades`` frame.

    - arrivals cluster: a U-shaped intraday profile times a persistent
      (AR(1) in log) intensity, and one aggressive order fills several resting
      orders at the same timestamp;
    - prices sit on a ``tick_size`` grid: buys lift the ask, sells hit the bid,
      the book moves with the aggressor's direction, and large orders sweep
      deeper levels;
    - ``side`` is the aggressor (``"B"``, ``"A"``, rarely ``"N"``), persistent
      from order to order, as a categorical;
    - ``size`` is a positive integer-valued float64, heavy tailed.

    Columns: ``ts_event`` (datetime64[ns, UTC]), ``price``, ``size``, ``side``.

    Examples
    --------
    >>> df = barsmith.synth.trades(100_000, seed=7)
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start, tz="UTC").value if pd.Timestamp(start).tzinfo is None else pd.Timestamp(start).tz_convert("UTC").value
    seconds = max(1, int(pd.Timedelta(duration).total_seconds()))

    # Fills per aggressive order: 1 mostly, sometimes a sweep of many.
    fills_per_order = rng.geometric(0.55, size=max(1, n)).astype(np.int64)
    n_orders = int(np.searchsorted(np.cumsum(fills_per_order), n) + 1) if n else 0
    fills_per_order = fills_per_order[:n_orders]
    if n_orders:
        fills_per_order[-1] -= fills_per_order.sum() - n

    # Order arrival times: U-shape x exp(AR(1)) intensity per second.
    x = np.linspace(0.0, 1.0, seconds)
    u_shape = 1.0 + 3.0 * (2.0 * x - 1.0) ** 4
    shocks = rng.normal(0.0, 0.25, seconds)
    log_intensity = np.empty(seconds)
    level = 0.0
    for i in range(seconds):  # 23,400 steps: cheap, and an AR(1) is sequential
        level = 0.97 * level + shocks[i]
        log_intensity[i] = level
    weights = u_shape * np.exp(log_intensity)
    per_second = rng.multinomial(n_orders, weights / weights.sum()) if n_orders else np.zeros(seconds, int)
    second_of_order = np.repeat(np.arange(seconds, dtype=np.int64), per_second)
    order_ts = np.sort(t0 + second_of_order * 1_000_000_000 + rng.integers(0, 1_000_000_000, n_orders))

    # Aggressor side per order, persistent (Markov), rarely unknown.
    flips = rng.random(n_orders) < 0.3
    order_side = np.where(np.cumsum(flips) % 2 == 0, 1, -1).astype(np.int8)
    order_side[rng.random(n_orders) < unknown_side_share] = 0

    # Best bid in ticks: impact in the aggressor's direction plus noise.
    impact = np.where(rng.random(n_orders) < 0.08, order_side, 0)
    noise = np.where(rng.random(n_orders) < 0.03, rng.choice(np.array([-1, 1]), n_orders), 0)
    bid_ticks = int(round(price / tick_size)) + np.cumsum(impact + noise)

    # Expand orders to fills; a sweep's later fills reach deeper levels.
    order_of_fill = np.repeat(np.arange(n_orders), fills_per_order)
    first_fill = np.cumsum(fills_per_order) - fills_per_order
    depth = np.arange(n) - first_fill[order_of_fill]
    side = order_side[order_of_fill]
    level_offset = depth // 3
    ticks = np.where(
        side >= 0,
        bid_ticks[order_of_fill] + 1 + level_offset,  # buys (and unknowns) at the ask and above
        bid_ticks[order_of_fill] - level_offset,  # sells at the bid and below
    )
    size = np.maximum(1.0, np.round(rng.lognormal(0.3, 1.0, n)))

    codes = np.where(side == 1, 1, np.where(side == -1, 0, 2)).astype(np.int8)
    return pd.DataFrame(
        {
            "ts_event": pd.DatetimeIndex(order_ts[order_of_fill].view("datetime64[ns]")).tz_localize("UTC"),
            "price": ticks * tick_size,
            "size": size,
            "side": pd.Categorical.from_codes(codes, categories=SIDE_CATEGORIES),
        }
    )


def mbp10(
    n_events: int = 1_900_000,
    *,
    seed: int = 0,
    day: Any = "2024-03-05",
    tick_size: float = 0.25,
    price: float = 5100.0,
) -> pd.DataFrame:
    """A day of MBP-10 events shaped like a Databento CME futures file (ES by default).

    Internally consistent: prices on a ``tick_size`` grid, ten levels per side
    that move when a level empties or a new best is added, adds, cancels,
    modifies, trades (one ``T`` per level taken, sweeps through several) and
    fills at the touch, clustered arrival times over 23 hours, and a few
    injected crossed or locked books, sequence gaps and ``F_MAYBE_BAD_BOOK``
    records. Records of one event share ``ts_event``; only the last carries
    ``F_LAST``. Same layout as :func:`barsmith.book.read_mbp10`.

    Examples
    --------
    >>> events = barsmith.synth.mbp10(200_000, seed=1)
    >>> events["action"].value_counts()
    """
    if n_events < 0:
        raise ValueError("n_events must be >= 0")
    from ._core import synth as core_synth
    from .book import _frame

    day_ns = pd.Timestamp(day).tz_localize(None).normalize().value
    return _frame(core_synth.mbp10(int(n_events), int(seed), int(day_ns), float(tick_size), float(price)))


def ohlc(n_bars: int, seed: int = 0, *, freq: str = "15min", start: str = "2024-01-02", tick: float = 0.0001,
         start_price: float = 1.1) -> pd.DataFrame:  # fmt: skip
    """A seeded random walk of OHLCV bars on a price grid: ``open high low close volume``
    with a UTC DatetimeIndex every ``freq``. Each bar opens at the previous close; wicks
    and steps are whole ticks, so equal highs, equal lows and flat bars occur, as in
    real quotes (the structure functions' ties).

    >>> bars = barsmith.synth.ohlc(100_000, seed=1)
    """
    rng = np.random.default_rng(seed)
    steps = rng.integers(-12, 13, n_bars) * tick
    close = np.round(start_price + np.cumsum(steps), 10)
    open_ = np.concatenate([[start_price], close[:-1]])
    high = np.maximum(open_, close) + rng.integers(0, 8, n_bars) * tick
    low = np.minimum(open_, close) - rng.integers(0, 8, n_bars) * tick
    volume = rng.integers(1, 2_000, n_bars).astype(np.float64)
    index = pd.date_range(start, periods=n_bars, freq=freq, tz="UTC", name="ts")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index)
