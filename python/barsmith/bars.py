"""Trades to bars: time, tick, volume and dollar bars, batch and streaming.

Input is a DataFrame with ``ts_event`` (int64 ns since the epoch or datetime64,
UTC), ``price``, ``size`` and optionally ``side`` (Databento aggressor codes
``"B"``/``"A"``/``"N"``, or signs +1/-1/0 such as
:func:`barsmith.orderflow.classify_trades` returns), or the same columns as
NumPy arrays by keyword. The output has one row per bar and the columns

``open, high, low, close``
    first, highest, lowest and last trade price of the bar;
``volume``
    ``sum(size)``;
``vwap``
    ``sum(price * size) / sum(size)`` (NaN when the volume is 0);
``n_trades``
    number of trades;
``buy_volume, sell_volume``
    ``sum(size)`` over buy-aggressor (``"B"``/+1) and sell-aggressor
    (``"A"``/-1) trades; trades with side ``"N"``/0 count in neither;
``ts_first, ts_last``
    timestamps of the bar's first and last trade.

Sums run in trade order (``s = s + x``), identically in all three backends.
docs/features.md defines every column.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from ._args import positive_float, positive_int
from ._errors import InputError
from ._frames import accepts_frames
from ._input import EMPTY_TRADES, Trades, concat_trades, day_floor, interval_ns, raise_bad_rows, trades_input, utc_times
from ._registry import kernel

__all__ = [
    "BAR_COLUMNS",
    "DollarBarBuilder",
    "TickBarBuilder",
    "TimeBarBuilder",
    "VolumeBarBuilder",
    "dollar_bars",
    "tick_bars",
    "time_bars",
    "volume_bars",
]

class BarArrays(NamedTuple):
    """A bar kernel's bars as named columns, in the kernels' output order: each bar's
    bin start (ns), then the columns of the bar frame (:data:`BAR_COLUMNS`)."""

    start: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    vwap: np.ndarray
    n_trades: np.ndarray
    buy_volume: np.ndarray
    sell_volume: np.ndarray
    ts_first: np.ndarray
    ts_last: np.ndarray


BAR_COLUMNS: tuple[str, ...] = BarArrays._fields[1:]
EMPTY_MODES = ("drop", "ffill", "nan")
Empty = Literal["drop", "ffill", "nan"]


@accepts_frames
def time_bars(
    trades: pd.DataFrame | None = None,
    interval: Any = "5s",
    *,
    empty: Empty = "drop",
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.DataFrame:
    """Fixed-interval bars, indexed by bar start (tz-aware UTC).

    Bins are ``[start, start + interval)`` aligned to midnight UTC of the first
    trade's day, as pandas ``resample(interval)`` (``origin="start_day"``).
    With the defaults, ``open/high/low/close/volume/n_trades`` equal::

        df.resample(interval).agg(open=("price", "first"), high=("price", "max"),
                                  low=("price", "min"), close=("price", "last"),
                                  volume=("size", "sum"), n_trades=("size", "count"))
        # ...with empty bars dropped

    Parameters
    ----------
    trades : DataFrame
        ``ts_event``, ``price``, ``size`` [, ``side``]; or pass arrays by keyword.
    interval : str, Timedelta or int ns
        A fixed duration such as ``"5s"``, ``"1min"``, ``"1h"``.
    empty : {"drop", "ffill", "nan"}
        Bins without trades: dropped; carried (open=high=low=close=vwap=previous
        close, zero volume and counts); or kept with NaN prices, zero volume.
    sort : bool
        Sort by ``ts_event`` first (stable) instead of refusing unsorted input.
    backend : {"rust", "numba", "pandas"}, optional
        Overrides the active backend for this call.
    **arrays
        Instead of ``trades``: ``ts_event=``, ``price=``, ``size=`` [, ``side=``] arrays.

    Examples
    --------
    >>> trades = barsmith.synth.trades(n=100_000, seed=1)
    >>> bars = barsmith.bars.time_bars(trades, "5s")
    >>> bars[["open", "close", "volume", "vwap"]].head()
    """
    _check_empty(empty)
    step = interval_ns(interval)
    t = trades_input(trades, sort=sort, scan=False, backend=backend, **arrays)
    origin = day_floor(t.ts[0]) if len(t) else 0
    out = checked(t, bar_kernel("time_bars", t, backend, step, origin))
    if empty != "drop":
        out = fill_empty_bins(out, step, empty)
    return bars_frame(out)


@accepts_frames
def tick_bars(
    trades: pd.DataFrame | None = None,
    n: int = 1000,
    *,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.DataFrame:
    """Bars of ``n`` trades each, indexed by the timestamp of each bar's first trade.

    The last bar holds the remaining trades (fewer than ``n``); a streaming
    :class:`TickBarBuilder` emits it only on ``flush()``.

    Examples
    --------
    >>> barsmith.bars.tick_bars(trades, 500)
    """
    n = positive_int(n, "n", "number of trades per bar")
    t = trades_input(trades, sort=sort, scan=False, backend=backend, **arrays)
    return bars_frame(checked(t, bar_kernel("tick_bars", t, backend, n)))


@accepts_frames
def volume_bars(
    trades: pd.DataFrame | None = None,
    threshold: float = 1000.0,
    *,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.DataFrame:
    """Bars that close on the trade whose bar volume ``sum(size)`` reaches ``threshold``.

    A trade that crosses the threshold is **not split**: it belongs wholly to
    the bar it closes, so a bar's volume is at least ``threshold`` (more by the
    closing trade's overshoot), and the next bar starts empty. Indexed by each
    bar's first trade. The last bar may be short.

    Examples
    --------
    >>> barsmith.bars.volume_bars(trades, 5_000)
    """
    threshold = positive_float(threshold, "threshold")
    t = trades_input(trades, sort=sort, scan=False, backend=backend, **arrays)
    return bars_frame(checked(t, bar_kernel("volume_bars", t, backend, threshold)))


@accepts_frames
def dollar_bars(
    trades: pd.DataFrame | None = None,
    threshold: float = 1e6,
    *,
    sort: bool = False,
    backend: str | None = None,
    **arrays: Any,
) -> pd.DataFrame:
    """Bars that close on the trade whose bar notional ``sum(price * size)`` reaches ``threshold``.

    As :func:`volume_bars`, the crossing trade is not split.

    Examples
    --------
    >>> barsmith.bars.dollar_bars(trades, 2_000_000)
    """
    threshold = positive_float(threshold, "threshold")
    t = trades_input(trades, sort=sort, scan=False, backend=backend, **arrays)
    return bars_frame(checked(t, bar_kernel("dollar_bars", t, backend, threshold)))


# --- output ---------------------------------------------------------------------------


def bar_kernel(name: str, t: Trades, backend: str | None, *params: Any) -> tuple[np.ndarray, ...]:
    """The one call of bar kernel ``name`` (batch functions and builders alike): its scan
    result (the first bad row per check), then the bars' columns."""
    return kernel(name, backend)(t.ts, t.price, t.size, t.side, *params)


def checked(t: Trades, out: tuple[np.ndarray, ...], row_offset: int = 0) -> BarArrays:
    """A bar kernel's bars, named, after raising on what its scan found."""
    bad_rows, *bars = out
    raise_bad_rows(t, bad_rows, row_offset)
    return BarArrays(*bars)


def bars_frame(arrays: BarArrays) -> pd.DataFrame:
    """Bars -> DataFrame indexed by ``ts`` (UTC)."""
    data: dict[str, Any] = arrays._asdict()
    start = data.pop("start")
    data["ts_first"] = utc_times(data["ts_first"])
    data["ts_last"] = utc_times(data["ts_last"])
    index = utc_times(start).rename("ts")
    return pd.DataFrame(data, index=index, copy=False)


def fill_empty_bins(
    arrays: BarArrays,
    step: int,
    empty: str,
    first_start: int | None = None,
    prev_close: float = np.nan,
) -> BarArrays:
    """Insert the empty bins between ``first_start`` (default: the first bar) and the last bar.

    ``ffill`` carries the previous close into open/high/low/close/vwap
    (``prev_close`` seeds a run of empty bins at the start, for streaming);
    ``nan`` leaves them NaN. Volumes and counts of empty bins are 0, their
    ``ts_first``/``ts_last`` NaT.
    """
    start = arrays.start
    if len(start) == 0:
        return arrays
    first = int(start[0]) if first_start is None else first_start
    n_full = (int(start[-1]) - first) // step + 1
    slot = (start - first) // step
    full_start = first + np.arange(n_full, dtype=np.int64) * step
    filled: dict[str, np.ndarray] = {"start": full_start}
    for name in BAR_COLUMNS:
        col = getattr(arrays, name)
        if name in ("ts_first", "ts_last"):
            fill_value: Any = np.iinfo(np.int64).min  # NaT
        elif name in ("open", "high", "low", "close", "vwap"):
            fill_value = np.nan
        else:
            fill_value = 0
        out = np.full(n_full, fill_value, dtype=col.dtype)
        out[slot] = col
        filled[name] = out
    if empty == "ffill":
        close = filled["close"]
        has_trades = np.zeros(n_full, dtype=bool)
        has_trades[slot] = True
        last_bar = np.maximum.accumulate(np.where(has_trades, np.arange(n_full), -1))
        carried = np.where(last_bar >= 0, close[np.maximum(last_bar, 0)], prev_close)
        for name in ("open", "high", "low", "close", "vwap"):
            col = filled[name]
            col[~has_trades] = carried[~has_trades]
    return BarArrays(**filled)


# --- streaming ------------------------------------------------------------------------


class _BarBuilder:
    """Streaming bars: ``update(chunk)`` returns the bars completed so far, ``flush()`` the rest.

    For any split of the trades into chunks, the concatenated outputs equal the
    batch function's output exactly. The builder carries the trades of the bar
    still open (never more than one bar's trades) and re-runs the batch kernel
    over them plus the new chunk, so each bar is computed from exactly the
    trades, in exactly the order, that the batch computes it from.
    """

    def __init__(self, *, backend: str | None = None):
        self._backend = backend
        self._carry: Trades = EMPTY_TRADES
        self._last_ts: int | None = None

    def _kernel_output(self, t: Trades) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    def _finish(self, arrays: BarArrays) -> pd.DataFrame:
        return bars_frame(arrays)

    @accepts_frames
    def update(self, chunk: pd.DataFrame | None = None, **arrays: Any) -> pd.DataFrame:
        """Add a chunk of trades (same form as the batch function); return completed bars."""
        t = trades_input(chunk, scan=False, backend=self._backend, **arrays)
        if len(t) and self._last_ts is not None and int(t.ts[0]) < self._last_ts:
            raise InputError(
                f"chunk starts at {int(t.ts[0])}, before the previous chunk's last trade "
                f"{self._last_ts}; chunks must arrive in time order",
                column="ts_event",
                row=0,
            )
        joined = concat_trades(self._carry, t)
        self._on_first_trades(joined)
        out = checked(
            Trades(joined.ts, joined.price, joined.size, joined.side, None, t.original_side),
            self._kernel_output(joined),
            row_offset=len(self._carry),
        )
        if len(t):
            self._last_ts = int(t.ts[-1])
        if len(out.start) == 0:
            self._carry = joined
            return self._finish(out)
        held = int(out.n_trades[-1])  # the last bar may still grow
        self._carry = joined.tail(held)
        return self._finish(BarArrays(*(col[:-1] for col in out)))

    @accepts_frames
    def flush(self) -> pd.DataFrame:
        """Return the bar still open (if any) and reset the carried trades."""
        out = BarArrays(*self._kernel_output(self._carry)[1:])  # the carry was checked on arrival
        self._carry = EMPTY_TRADES
        return self._finish(out)

    def _on_first_trades(self, t: Trades) -> None:
        pass


class TimeBarBuilder(_BarBuilder):
    """Streaming :func:`time_bars`.

    >>> builder = barsmith.bars.TimeBarBuilder("5s")
    >>> parts = [builder.update(chunk) for chunk in chunks] + [builder.flush()]
    >>> bars = pd.concat(parts)   # == barsmith.bars.time_bars(all_trades, "5s")
    """

    def __init__(self, interval: Any = "5s", *, empty: Empty = "drop", backend: str | None = None):
        super().__init__(backend=backend)
        self._step = interval_ns(interval)
        self._empty = _check_empty(empty)
        self._origin: int | None = None
        self._next_start: int | None = None  # first bin not yet emitted
        self._last_close = np.nan

    def _on_first_trades(self, t: Trades) -> None:
        if self._origin is None and len(t):
            self._origin = day_floor(t.ts[0])

    def _kernel_output(self, t: Trades) -> tuple[np.ndarray, ...]:
        origin = self._origin if self._origin is not None else 0
        return bar_kernel("time_bars", t, self._backend, self._step, origin)

    def _finish(self, arrays: BarArrays) -> pd.DataFrame:
        if len(arrays.start) and self._empty != "drop":
            arrays = fill_empty_bins(arrays, self._step, self._empty, self._next_start, self._last_close)
        if len(arrays.start):
            self._next_start = int(arrays.start[-1]) + self._step
            self._last_close = float(arrays.close[-1])
        return bars_frame(arrays)


class TickBarBuilder(_BarBuilder):
    """Streaming :func:`tick_bars`."""

    def __init__(self, n: int = 1000, *, backend: str | None = None):
        super().__init__(backend=backend)
        self._n = positive_int(n, "n", "number of trades per bar")

    def _kernel_output(self, t: Trades) -> tuple[np.ndarray, ...]:
        return bar_kernel("tick_bars", t, self._backend, self._n)


class VolumeBarBuilder(_BarBuilder):
    """Streaming :func:`volume_bars`."""

    def __init__(self, threshold: float = 1000.0, *, backend: str | None = None):
        super().__init__(backend=backend)
        self._threshold = positive_float(threshold, "threshold")

    def _kernel_output(self, t: Trades) -> tuple[np.ndarray, ...]:
        return bar_kernel("volume_bars", t, self._backend, self._threshold)


class DollarBarBuilder(_BarBuilder):
    """Streaming :func:`dollar_bars`."""

    def __init__(self, threshold: float = 1e6, *, backend: str | None = None):
        super().__init__(backend=backend)
        self._threshold = positive_float(threshold, "threshold")

    def _kernel_output(self, t: Trades) -> tuple[np.ndarray, ...]:
        return bar_kernel("dollar_bars", t, self._backend, self._threshold)


# --- parameter checks -----------------------------------------------------------------


def _check_empty(empty: str) -> str:
    if empty not in EMPTY_MODES:
        raise InputError(f"must be one of {EMPTY_MODES}, got {empty!r}", column="empty")
    return empty
