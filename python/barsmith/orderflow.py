"""Order flow: aggressor classification, cumulative volume delta, decayed trade pressure and
bar flow imbalance.

Signs are +1 (buy aggressor), -1 (sell aggressor) and 0 (unknown), the same
convention the bar functions accept as ``side``, so unclassified trades can be
classified and then barred::

    trades = trades.assign(side=barsmith.orderflow.classify_trades(trades))
    bars = barsmith.bars.time_bars(trades, "5s")   # buy_volume/sell_volume now filled
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ._args import frozen
from ._errors import InputError
from ._frames import accepts_frames
from ._input import check_volume, interval_ns, to_float, to_ns, trades_input
from ._output import output_frame, output_series
from ._registry import kernel

__all__ = ["aggressive_trades", "classify_trades", "cvd", "flow_imbalance", "multi_timeframe_flow", "trade_flow", "volume_profile"]

QUOTE_COLUMNS = (("bid_px_00", "ask_px_00"), ("bid_px", "ask_px"), ("bid", "ask"))


@accepts_frames
def classify_trades(
    trades: pd.DataFrame | None = None,
    method: Literal["tick", "lee_ready"] = "tick",
    quotes: pd.DataFrame | None = None,
    *,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.Series | np.ndarray:
    """Aggressor sign per trade: +1 buy, -1 sell, 0 unknown.

    ``method="tick"`` (tick rule): +1 if the price rose since the previous
    trade, -1 if it fell, the previous sign if unchanged, 0 before the first
    change. As pandas::

        s = np.sign(price.diff()).replace(0, np.nan).ffill().fillna(0)

    ``method="lee_ready"``: +1 if the price is above the prevailing quote
    midpoint ``(bid + ask) / 2``, -1 if below, the tick rule at the midpoint or
    before the first quote. The prevailing quote is the last one with
    ``ts_event <= `` the trade's (``pd.merge_asof(direction="backward")``).
    ``quotes`` has ``ts_event`` (or a DatetimeIndex) and ``bid_px_00``/``ask_px_00``
    (Databento MBP), ``bid_px``/``ask_px`` or ``bid``/``ask``.

    Returns a Series (int8, named ``sign``, the trades' index) for DataFrame
    input, an int8 array for arrays.

    Examples
    --------
    >>> signs = barsmith.orderflow.classify_trades(trades, "lee_ready", quotes=quotes)
    """
    t = trades_input(trades, sort=sort, backend=backend, **arrays)
    if method == "tick":
        mid = np.empty(0, dtype=np.float64)
    elif method == "lee_ready":
        if quotes is None:
            raise InputError("method='lee_ready' needs quotes=DataFrame(ts_event, bid_px, ask_px)", column="quotes")
        bid, ask = _prevailing_quotes(quotes, t.ts, strict=False)
        mid = (bid + ask) / 2.0
    else:
        raise InputError(f"method must be 'tick' or 'lee_ready', got {method!r}", column="method")
    signs = kernel("trade_signs", backend)(t.price, frozen(mid))
    if t.index is None:
        return signs
    return output_series(signs, t.index, "sign")


@accepts_frames
def cvd(
    trades: pd.DataFrame | None = None,
    reset: Any = None,
    *,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.Series | np.ndarray:
    """Cumulative volume delta: the running sum of buy minus sell aggressor volume.

    ``cvd[i] = sum(size[j] * sign[j] for j <= i in the same period)`` where
    sign is +1 for ``"B"``, -1 for ``"A"``, 0 for ``"N"``. ``reset`` (a fixed
    duration such as ``"1D"``) restarts the sum at each period boundary,
    aligned to the epoch in UTC (``"1D"``: midnight UTC). As pandas::

        signed = trades["size"] * sign
        signed.groupby(ts.dt.floor(reset)).cumsum()   # or signed.cumsum()

    (barsmith sums sequentially, like ``np.cumsum`` per period.) Needs a
    ``side`` column: classify unlabelled trades with :func:`classify_trades`.

    Examples
    --------
    >>> barsmith.orderflow.cvd(trades, reset="1D")
    """
    t = trades_input(trades, sort=sort, require_side=True, backend=backend, **arrays)
    if reset is None:
        period = np.empty(0, dtype=np.int64)
    else:
        period = t.ts // interval_ns(reset, "reset")
    out = kernel("cvd", backend)(t.size, t.side, frozen(period))
    if t.index is None:
        return out
    return output_series(out, t.index, "cvd")


@accepts_frames
def trade_flow(
    trades: pd.DataFrame | None = None,
    half_life: Any = "30s",
    *,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.DataFrame:
    """Buy and sell pressure decayed exponentially in event time, and their balance.

    Each trade's size adds to the buy (side ``"B"``) or sell (``"A"``) pressure, and both
    halve every ``half_life`` of time between trades (irregular timestamps)::

        buy[i] = buy[i - 1] * 2 ** (-(ts[i] - ts[i - 1]) / half_life) + size[i] * (side[i] == "B")

    Columns ``buy_pressure``, ``sell_pressure``, ``ratio = buy / sell`` (inf with no sell
    pressure, NaN with neither) and ``imbalance = (buy - sell) / (buy + sell)`` in [-1, 1].
    Indexed like the trades (a DatetimeIndex of ``ts_event`` for arrays). Needs a ``side``
    column: classify unlabelled trades with :func:`classify_trades`.

    Examples
    --------
    >>> flow = barsmith.orderflow.trade_flow(trades, half_life="30s")
    """
    t = trades_input(trades, sort=sort, require_side=True, backend=backend, **arrays)
    half_life_ns = float(interval_ns(half_life, "half_life"))
    # the decays in NumPy, once for every backend (libm's exp2 can differ by an ulp)
    decay = np.exp2(-np.diff(t.ts, prepend=t.ts[:1]).astype(np.float64) / half_life_ns)
    out = kernel("trade_flow", backend)(decay, t.size, t.side)
    index = t.index if t.index is not None else pd.DatetimeIndex(pd.to_datetime(t.ts, utc=True), name="ts_event")
    columns = ("buy_pressure", "sell_pressure", "ratio", "imbalance")
    return output_frame(dict(zip(columns, out)), index)


@accepts_frames
def flow_imbalance(bars: pd.DataFrame, span: int = 20, *, backend: str | None = None) -> pd.Series:
    """Exponentially weighted buy-minus-sell imbalance of bars, in [-1, 1].

    The EMA of the net aggressor volume over the EMA of the total, so quiet bars weigh
    little (pandas)::

        net = (bars.buy_volume - bars.sell_volume).ewm(span=span, adjust=False, min_periods=span).mean()
        total = (bars.buy_volume + bars.sell_volume).ewm(span=span, adjust=False, min_periods=span).mean()
        flow_imbalance = net / total

    NaN for the first ``span - 1`` bars and where both EMAs are 0; NaN volumes are handled
    as pandas' ``ewm`` handles them (the EMA kernels of :func:`barsmith.indicators.ema`).
    ``bars`` has ``buy_volume`` and ``sell_volume`` columns, as :func:`barsmith.bars.time_bars`
    makes them.

    Examples
    --------
    >>> bars = barsmith.bars.time_bars(trades, "1min")
    >>> barsmith.orderflow.flow_imbalance(bars, span=30)
    """
    from .indicators import ema

    if not isinstance(bars, pd.DataFrame):
        raise InputError(f"expected a DataFrame of bars with buy_volume and sell_volume, got {type(bars).__name__}")
    for column in ("buy_volume", "sell_volume"):
        if column not in bars.columns:
            raise InputError(f"missing; make bars with barsmith.bars.time_bars(trades with side)", column=column)
    buy, sell = (to_float(bars[c], c) for c in ("buy_volume", "sell_volume"))
    net, total = ema(buy - sell, span, backend=backend), ema(buy + sell, span, backend=backend)
    return output_series(_share(net, total), bars.index, "flow_imbalance")


def _share(net: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``net / total``, NaN where the total is 0 (no volume) instead of a warning and inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total != 0, net / total, np.nan)


@accepts_frames
def multi_timeframe_flow(
    trades: pd.DataFrame,
    horizons: tuple[Any, ...] = ("5s", "1min", "5min"),
    *,
    base: Any = None,
    backend: str | None = None,
) -> pd.DataFrame:
    """Buy-minus-sell flow over several trailing horizons, on base bars, without lookahead.

    Base bars are ``barsmith.bars.time_bars(trades, base, empty="ffill")`` (``base``
    defaults to the shortest horizon; every horizon must be a whole number of base bars).
    For each horizon ``h`` of ``k`` base bars, on the bar ending at ``t``: the net
    aggressor volume over the total in ``(t - h, t]``, in [-1, 1]. As pandas::

        net, total = bars.buy_volume - bars.sell_volume, bars.buy_volume + bars.sell_volume
        flow_h = net.rolling(k).mean() / total.rolling(k).mean()

    through the ``sma`` kernels. NaN until ``k`` bars have passed and where no volume
    traded in the horizon. Only trades up to a bar's end are used for it. Columns
    ``flow_<h>``, indexed like the base bars. Needs a ``side`` column.

    Examples
    --------
    >>> barsmith.orderflow.multi_timeframe_flow(trades, ("5s", "1min", "5min"))
    """
    from .bars import time_bars
    from .indicators import sma

    if not horizons:
        raise InputError("give at least one horizon, e.g. ('5s', '1min')", column="horizons")
    widths = [interval_ns(h, "horizons") for h in horizons]
    base_ns = interval_ns(base, "base") if base is not None else min(widths)
    for h, width in zip(horizons, widths):
        if width % base_ns:
            raise InputError(f"{h!r} is not a whole number of base bars ({base_ns} ns)", column="horizons")
    # without a side the bars' buy and sell volumes are 0: say so first (time_bars scans the rows)
    trades_input(trades, require_side=True, scan=False, backend=backend)
    bars = time_bars(trades, pd.Timedelta(base_ns, unit="ns"), empty="ffill", backend=backend)
    buy, sell = (to_float(bars[c], c) for c in ("buy_volume", "sell_volume"))
    out = {}
    for h, width in zip(horizons, widths):
        k = width // base_ns
        out[f"flow_{h}"] = _share(sma(buy - sell, k, backend=backend), sma(buy + sell, k, backend=backend))
    return output_frame(out, bars.index)


@accepts_frames
def aggressive_trades(
    trades: pd.DataFrame | None = None,
    book: pd.DataFrame | None = None,
    size_quantile: float = 0.99,
    window: Any = 1000,
    *,
    min_periods: int | None = None,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.DataFrame:
    """Aggressive trades: at or through the touch, larger than usual, or sweeping the book.

    One row per trade (indexed like the trades), with columns:

    - ``at_touch`` / ``through``: a buy (side ``"B"``) at or above the best ask, strictly
      above it; a sell (``"A"``) at or below the best bid, strictly below it; a trade of
      unknown side (``"N"`` or no side column) against either touch. Nullable booleans,
      ``<NA>`` where the touch is unknown. The touch is the trades' own best bid and ask
      when they carry them (``bid_px_00``/``ask_px_00`` as in Databento MBP-10, MBP-1 and
      TBBO trade records, which show the book just before the trade; or ``bid_px``/``ask_px``,
      ``bid``/``ask``, or ``bid=``/``ask=`` arrays), else the last quote of ``book`` stamped
      strictly before the trade (``merge_asof(allow_exact_matches=False)``: a quote at the
      trade's own nanosecond may already include it).
    - ``size_threshold`` and ``large``: the ``size_quantile`` quantile (linear
      interpolation) of the sizes of the trades before this one in the ``window``, and
      ``size > size_threshold``. ``window`` is a trade count or a duration. As pandas::

          size.rolling(window, min_periods=min_periods).quantile(q).shift(1)        # window=1000
          size.rolling("5min", closed="left", min_periods=min_periods).quantile(q)  # ts index

      ``min_periods`` defaults as in pandas (the window for a count, 1 for a duration); below
      it the threshold is NaN and ``large`` False.
    - ``event_levels``, ``event_size`` and ``sweep``: an event is a run of consecutive trades
      with the same ``ts_event`` and side, one aggressive order printing a trade per price
      level it takes; its distinct prices, its total size, and ``event_levels >= 2``.

    Examples
    --------
    >>> events = barsmith.synth.mbp10(200_000, seed=1)
    >>> flagged = barsmith.orderflow.aggressive_trades(events[events.action == "T"], window="5min")
    >>> flagged[flagged.sweep & flagged.large]
    """
    quote_arrays = {k: arrays.pop(k) for k in ("bid", "ask") if k in arrays}
    t = trades_input(trades, sort=sort, backend=backend, **arrays)
    if not 0 <= size_quantile <= 1:
        raise InputError(f"expected a quantile in [0, 1], got {size_quantile!r}", column="size_quantile")
    start, end, default_min = _prior_windows(t.ts, window)
    if min_periods is None:
        min_periods = default_min
    elif isinstance(min_periods, bool) or not isinstance(min_periods, (int, np.integer)) or min_periods < 1:
        raise InputError(f"expected an integer >= 1, got {min_periods!r}", column="min_periods")
    bid, ask = _touch(trades, book, quote_arrays, t)
    sign = t.side if len(t.side) else np.zeros(len(t), dtype=np.int8)
    threshold = kernel("rolling_quantile", backend)(t.size, start, end, float(size_quantile), int(min_periods))
    levels, event_size = kernel("trade_events", backend)(t.ts, t.price, t.size, frozen(sign))
    price = t.price
    with np.errstate(invalid="ignore"):  # NaN quotes compare False and are masked below
        buy_side, sell_side = sign != -1, sign != 1  # an unknown side may hit either touch
        at_touch = (buy_side & (price >= ask)) | (sell_side & (price <= bid))
        through = (buy_side & (price > ask)) | (sell_side & (price < bid))
        known = np.where(sign == 1, ~np.isnan(ask), np.where(sign == -1, ~np.isnan(bid), ~np.isnan(bid + ask)))
    index = t.index if t.index is not None else pd.DatetimeIndex(pd.to_datetime(t.ts, utc=True), name="ts_event")
    return pd.DataFrame(
        {
            "at_touch": pd.arrays.BooleanArray(at_touch, ~known),
            "through": pd.arrays.BooleanArray(through, ~known),
            "size_threshold": threshold,
            "large": t.size > threshold,
            "event_levels": levels,
            "event_size": event_size,
            "sweep": levels >= 2,
        },
        index=index,
    )


def _touch(trades: Any, book: Any, quote_arrays: dict[str, Any], t: Any) -> tuple[np.ndarray, np.ndarray]:
    """Best bid and ask per trade (in ``t``'s row order): the trades' own quote columns or
    ``bid=``/``ask=`` arrays, else ``book``'s last quote strictly before each trade; NaN
    where unknown."""
    columns = _quote_columns(trades) if isinstance(trades, pd.DataFrame) else None
    if book is not None:
        if quote_arrays or columns is not None:
            raise InputError("the trades carry bid/ask already; pass book=None or drop them", column="book")
        return _prevailing_quotes(book, t.ts, strict=True)
    if columns is not None:
        quote_arrays = {"bid": trades[columns[0]], "ask": trades[columns[1]]}
    elif not quote_arrays:
        return np.full(len(t), np.nan), np.full(len(t), np.nan)
    elif set(quote_arrays) != {"bid", "ask"}:
        raise InputError("pass both bid= and ask=", column="bid" if "bid" not in quote_arrays else "ask")
    quotes = []
    for name, values in zip(columns or ("bid", "ask"), quote_arrays.values()):
        arr = to_float(values, name)
        if len(arr) != len(t):
            raise InputError(f"expected one value per trade ({len(t)}), got {len(arr)}", column=name)
        quotes.append(arr[t.order] if t.order is not None else arr)
    return quotes[0], quotes[1]


def _prior_windows(ts: np.ndarray, window: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Each trade's window of earlier trades as ``[start, end)`` rows, and pandas' default
    ``min_periods``: the ``window`` trades before it for a count, else those in
    ``[ts - window, ts)`` (pandas' ``closed="left"``)."""
    n = len(ts)
    if isinstance(window, (int, np.integer)) and not isinstance(window, bool):
        if window < 1:
            raise InputError(f"expected a trade count >= 1 or a duration, got {window!r}", column="window")
        end = np.arange(n, dtype=np.int64)
        return np.maximum(end - int(window), 0), end, int(window)
    width = interval_ns(window, "window")
    start = np.searchsorted(ts, ts - width, side="left").astype(np.int64)
    run_start = np.flatnonzero(np.concatenate([[True], ts[1:] != ts[:-1]])[:n])  # each trade's first equal ts
    return start, np.repeat(run_start, np.diff(np.append(run_start, n))).astype(np.int64), 1


@accepts_frames
def volume_profile(
    data: pd.DataFrame,
    bin_size: float,
    by: Any = "1D",
    *,
    value_area: float = 0.7,
    node_window: int = 3,
    backend: str | None = None,
) -> pd.DataFrame:
    """Volume at price per period, with its point of control, value area and volume nodes.

    ``data`` is trades (``price`` and ``size``; ``ts_event`` or a DatetimeIndex) or bars
    (``close`` and ``volume`` with a DatetimeIndex: each bar's volume at its close; rows
    without a close or volume, such as empty bars, carry nothing). Prices fall in bins of
    ``bin_size`` (``floor(round(price / bin_size, 9))``, so a tick grid is exact); ``by``
    is a fixed period such as ``"1D"`` (epoch-aligned, UTC, as ``cvd``'s reset), or None
    for one profile. Returns one row per traded price level, indexed by ``(period, price)``
    (the bin's lower edge), levels rising, with columns:

    - ``volume``: the level's volume (summed in row order);
    - ``poc``: the level with the most volume (the lowest of equals);
    - ``value_area``: grown from the POC one level at a time toward the larger neighbouring
      volume (up on ties) until it holds ``value_area`` (70%) of the period's volume;
    - ``hvn`` / ``lvn``: high- and low-volume nodes, levels whose volume is the largest
      (smallest) of the ``node_window`` traded levels each side and above (below) the
      period's mean level volume.

    As pandas: ``frame.groupby([period, level]).volume.sum()``, then per period ``idxmax``
    and ``rolling(2 * node_window + 1, center=True, min_periods=1)`` max and min.

    Examples
    --------
    >>> profile = barsmith.orderflow.volume_profile(trades, bin_size=0.25, by="1D")
    >>> profile[profile.poc]                       # each day's point of control
    >>> area = profile[profile.value_area].reset_index("price").groupby(level=0).price.agg(["min", "max"])
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"expected trades (price, size) or bars (close, volume) in a DataFrame, got {type(data).__name__}")
    if "price" in data.columns and "size" in data.columns:
        t = trades_input(data, backend=backend)
        ts, price, volume = t.ts, t.price, t.size
    elif "close" in data.columns and "volume" in data.columns:
        if not isinstance(data.index, pd.DatetimeIndex):
            raise InputError("bars need a DatetimeIndex", column="index")
        ts = to_ns(data.index, "index")
        price, volume = to_float(data["close"], "close"), check_volume(to_float(data["volume"], "volume"))
        carried = ~(np.isnan(price) | np.isnan(volume))
        ts, price, volume = ts[carried], price[carried], volume[carried]
    else:
        raise InputError(f"expected trades (price, size) or bars (close, volume); got {list(data.columns)}")
    if isinstance(bin_size, bool) or not isinstance(bin_size, (int, float, np.integer, np.floating)) or not (
        np.isfinite(bin_size) and bin_size > 0
    ):
        raise InputError(f"expected a positive price step such as 0.25, got {bin_size!r}", column="bin_size")
    if not 0 < value_area <= 1:
        raise InputError(f"expected a fraction in (0, 1], got {value_area!r}", column="value_area")
    if isinstance(node_window, bool) or not isinstance(node_window, (int, np.integer)) or node_window < 0:
        raise InputError(f"expected an integer >= 0, got {node_window!r}", column="node_window")
    width = interval_ns(by, "by") if by is not None else None
    period = ts // width if width is not None else np.zeros(len(ts), dtype=np.int64)
    level = np.floor(np.round(price / float(bin_size), 9)).astype(np.int64)
    if len(period) > 1 and (period[1:] < period[:-1]).any():
        order = np.argsort(period, kind="stable")
        period, level, volume = period[order], level[order], volume[order]
    args = (frozen(np.ascontiguousarray(a)) for a in (period, level, volume))
    p, lv, vol, flags = kernel("volume_profile", backend)(*args, float(value_area), int(node_window))
    start = pd.to_datetime(p * (width or 0), utc=True) if width is not None else pd.to_datetime(
        np.full(len(p), ts.min() if len(ts) else 0), utc=True
    )
    index = pd.MultiIndex.from_arrays([pd.DatetimeIndex(start), lv * float(bin_size)], names=["period", "price"])
    return pd.DataFrame(
        {"volume": vol, "poc": (flags & 1) > 0, "value_area": (flags & 2) > 0, "hvn": (flags & 4) > 0,
         "lvn": (flags & 8) > 0},
        index=index,
    )  # fmt: skip


def _prevailing_quotes(quotes: pd.DataFrame, trade_ts: np.ndarray, *, strict: bool) -> tuple[np.ndarray, np.ndarray]:
    """Best bid and ask of the last quote at or before each trade (strictly before with
    ``strict``); NaN before the first quote."""
    if not isinstance(quotes, pd.DataFrame):
        raise InputError(f"expected a DataFrame, got {type(quotes).__name__}", column="quotes")
    if "ts_event" in quotes.columns:
        quote_ts = to_ns(quotes["ts_event"], "quotes.ts_event")
    elif isinstance(quotes.index, pd.DatetimeIndex):
        quote_ts = to_ns(quotes.index, "quotes.ts_event")
    else:
        raise InputError("quotes need a ts_event column or a DatetimeIndex", column="quotes.ts_event")
    columns = _quote_columns(quotes)
    if columns is None:
        raise InputError(
            f"quotes need bid/ask columns, one of {QUOTE_COLUMNS}; got {list(quotes.columns)}",
            column="quotes",
        )
    if len(quote_ts) > 1:
        bad = np.flatnonzero(quote_ts[1:] < quote_ts[:-1])
        if len(bad):
            raise InputError("quote timestamps are not sorted", column="quotes.ts_event", row=int(bad[0]) + 1)
    pos = np.searchsorted(quote_ts, trade_ts, side="left" if strict else "right") - 1
    out = []
    for column in columns:
        values = to_float(quotes[column], column)
        known = values[np.maximum(pos, 0)] if len(values) else np.full(len(trade_ts), np.nan)
        out.append(np.where(pos >= 0, known, np.nan))
    return out[0], out[1]


def _quote_columns(frame: pd.DataFrame) -> tuple[str, str] | None:
    """The first (bid, ask) column pair of :data:`QUOTE_COLUMNS` the frame has."""
    for bid_col, ask_col in QUOTE_COLUMNS:
        if bid_col in frame.columns and ask_col in frame.columns:
            return bid_col, ask_col
    return None
