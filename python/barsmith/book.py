"""Order-book (MBP-10) data: reading Databento files, and book bars.

Reading (not a kernel: every backend reads through the Rust ``dbn`` decoder):

- :func:`read_mbp10` reads a ``.dbn`` / ``.dbn.zst`` file (DBN versions 1 to
  3) or a parquet file into a DataFrame in Databento's layout;
- :func:`iter_mbp10` yields it in chunks, for days larger than memory;
- :func:`write_mbp10` writes such a frame as DBN (atomically).

Bars: :func:`mbp10_bars` turns events into fixed-interval bars with meta,
trade, book, flow, wall, approach and quality features (every column is
defined in ``docs/features.md``); :class:`Mbp10BarBuilder` does the same
chunk by chunk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._args import frozen
from ._errors import InputError
from ._frames import accepts_frames
from ._input import code_bytes, day_floor, interval_ns, to_float, to_ns, translate, utc_times
from ._registry import kernel

__all__ = [
    "LEVELS",
    "Mbp10BarBuilder",
    "feature_names",
    "iter_mbp10",
    "mbp10_bars",
    "read_mbp10",
    "write_mbp10",
]

LEVELS = 10
F_LAST = 128
ACTIONS = "ACMRTFN"  # add, cancel, modify, clear, trade, fill, none
SIDES = "ABN"  # ask / sell aggressor, bid / buy aggressor, none
LEVEL_FIELDS = ("bid_px", "ask_px", "bid_sz", "ask_sz", "bid_ct", "ask_ct")
HEADER_COLUMNS = (
    "ts_event", "rtype", "publisher_id", "instrument_id", "action", "side", "depth",
    "price", "size", "flags", "ts_in_delta", "sequence",
)  # fmt: skip
Empty = Literal["drop", "ffill", "nan"]
DEFAULT_BANDS = (0, 1, 2, 3, 5, 10)


def level_columns(field: str) -> list[str]:
    """``bid_px_00`` ... ``bid_px_09`` for ``field="bid_px"``."""
    return [f"{field}_{k:02d}" for k in range(LEVELS)]


# ---------------------------------------------------------------- reading


def _codes_to_categorical(raw: np.ndarray, alphabet: str) -> pd.Categorical:
    """ASCII codes (uint8) as a categorical over ``alphabet``; other bytes become NaN."""
    table = bytearray([255] * 256)  # 255 is -1 as int8: a missing category
    for i, ch in enumerate(alphabet):
        table[ord(ch)] = i
    codes = translate(np.asarray(raw, dtype=np.uint8), bytes(table)).view(np.int8)
    return pd.Categorical.from_codes(codes, categories=list(alphabet))


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Decoded columns as a DataFrame indexed by ``ts_recv``, without copying the arrays."""
    data: dict[str, Any] = {}
    for name in HEADER_COLUMNS:
        col = cols[name]
        if name == "ts_event":
            col = utc_times(col)
        elif name == "action":
            col = _codes_to_categorical(col, ACTIONS)
        elif name == "side":
            col = _codes_to_categorical(col, SIDES)
        data[name] = col
    for field in LEVEL_FIELDS:
        for name in level_columns(field):
            data[name] = cols[name]
    index = pd.DatetimeIndex(utc_times(cols["ts_recv"]), name="ts_recv")
    return pd.DataFrame(data, index=index, copy=False)


def _raise_read_error(err: ValueError, path: Any) -> None:
    # the Rust reader raises ValueError(message, record or None)
    message, record = err.args if len(err.args) == 2 else (str(err), None)
    raise InputError(f"{os.fspath(path)}: {message}", row=record) from None


def _is_parquet(path: Any) -> bool:
    return os.fspath(path).endswith((".parquet", ".pq"))


@accepts_frames
def read_mbp10(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a Databento MBP-10 file into a DataFrame.

    ``.dbn`` and ``.dbn.zst`` (DBN versions 1 to 3, decoded in Rust by the
    ``dbn`` crate straight into columns) or ``.parquet`` with the same column
    names. Prices are float64, NaN where undefined; sizes and counts uint32;
    ``action`` and ``side`` categorical; the index is ``ts_recv`` (UTC), as
    ``databento``'s ``to_df()``. The legacy ``.dbz`` format is refused.

    Raises :class:`InputError` naming the record where decoding failed for a
    truncated or corrupt file; no partial frame is returned.

    Examples
    --------
    >>> events = barsmith.book.read_mbp10("glbx-mdp3-20240305.mbp-10.dbn.zst")
    >>> events[["action", "side", "price", "bid_px_00", "ask_px_00"]].head()
    """
    if _is_parquet(path):
        return pd.concat(list(iter_mbp10(path, chunk_size=1 << 62)))
    return next(iter_mbp10(path, chunk_size=1 << 62))


@accepts_frames
def iter_mbp10(path: str | os.PathLike[str], chunk_size: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """Yield a file's records as DataFrames of at most ``chunk_size`` rows.

    Memory stays bounded by the chunk, so days larger than memory stream
    through :class:`Mbp10BarBuilder`. Yields one (possibly empty) frame at least.
    """
    if chunk_size < 1:
        raise InputError(f"must be >= 1, got {chunk_size}", column="chunk_size")
    if _is_parquet(path):
        import pyarrow.parquet as pq

        got_any = False
        for batch in pq.ParquetFile(path).iter_batches(batch_size=min(chunk_size, 1 << 24)):
            got_any = True
            yield _from_parquet(batch.to_pandas())
        if not got_any:
            yield _from_parquet(pq.read_table(path).to_pandas())
        return
    from ._core import book as core_book

    try:
        reader = core_book.Mbp10Reader(os.fspath(path))
    except ValueError as err:
        _raise_read_error(err, path)
    first = True
    while True:
        try:
            cols = reader.next_chunk(chunk_size)
        except ValueError as err:
            _raise_read_error(err, path)
        if len(cols["ts_recv"]) == 0 and not first:
            return
        first = False
        yield _frame(cols)
        if len(cols["ts_recv"]) < chunk_size:
            return


def _from_parquet(df: pd.DataFrame) -> pd.DataFrame:
    if "ts_recv" in df.columns:
        df = df.set_index(pd.DatetimeIndex(utc_times(to_ns(df["ts_recv"], "ts_recv")), name="ts_recv"))
    return df


@accepts_frames
def write_mbp10(events: pd.DataFrame, path: str | os.PathLike[str], *, dataset: str = "GLBX.MDP3") -> None:
    """Write MBP-10 events as a DBN file (zstd-compressed when ``path`` ends in ``.zst``).

    Written to a temporary name and renamed, so an interrupted write leaves
    no partial file. Columns missing from ``events`` that DBN requires
    (``rtype``, ``publisher_id``, counts, ...) are written as zeros.
    """
    n = len(events)
    index_ts = events.index if isinstance(events.index, pd.DatetimeIndex) else None

    def col(name: str, dtype: Any, default: Any = 0) -> np.ndarray:
        if name in events.columns:
            values = events[name]
            if name in ("action", "side"):
                return _ascii_codes(values, name)
            if name in ("ts_event", "ts_recv"):
                return to_ns(values, name)
            return np.ascontiguousarray(values.to_numpy(), dtype=dtype)
        return np.full(n, default, dtype=dtype)

    cols = {
        "ts_recv": to_ns(index_ts, "ts_recv") if index_ts is not None and "ts_recv" not in events.columns
        else col("ts_recv", np.int64),
        "ts_event": col("ts_event", np.int64),
        "rtype": col("rtype", np.uint8, 10),
        "publisher_id": col("publisher_id", np.uint16),
        "instrument_id": col("instrument_id", np.uint32),
        "action": col("action", np.uint8),
        "side": col("side", np.uint8),
        "depth": col("depth", np.uint8),
        "price": col("price", np.float64, np.nan),
        "size": col("size", np.uint32),
        "flags": col("flags", np.uint8),
        "ts_in_delta": col("ts_in_delta", np.int32),
        "sequence": col("sequence", np.uint32),
    }  # fmt: skip
    for field in LEVEL_FIELDS:
        dtype = np.float64 if field.endswith("_px") else np.uint32
        for name in level_columns(field):
            cols[name] = col(name, dtype, np.nan if dtype == np.float64 else 0)
    from ._core import book as core_book

    try:
        core_book.write_mbp10(cols, os.fspath(path), dataset, os.fspath(path).endswith(".zst"))
    except ValueError as err:
        _raise_read_error(err, path)


# ---------------------------------------------------------------- kernel input


_ASCII = bytes(range(128)) + bytes(128)  # a code's own byte; non-ASCII as 0 (unknown)


def _ascii_codes(values: Any, column: str) -> np.ndarray:
    """Single-character codes (any layout :func:`code_bytes` reads, or uint8) as uint8
    ASCII; anything else as 0, which the kernel reports as an unknown code."""
    if getattr(values, "dtype", None) == np.uint8:
        return np.ascontiguousarray(values)
    return code_bytes(values, column, _ASCII, 0)


def _sizes(values: Any, column: str) -> np.ndarray:
    """Sizes as uint32, refusing negative, fractional, missing or too large values with the row."""
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.dtype == np.uint32:
        return np.ascontiguousarray(arr)
    if arr.dtype.kind not in "iuf":
        raise InputError(f"expected non-negative integer sizes, got dtype {arr.dtype}", column=column)
    as_float = arr.astype(np.float64, copy=False)
    bad = ~((as_float >= 0) & (as_float <= np.iinfo(np.uint32).max) & (np.floor(as_float) == as_float))
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(f"size must be a non-negative integer below 2**32, got {arr[row]!r}", column=column, row=row)
    return arr.astype(np.uint32)


@dataclass(frozen=True)
class Events:
    """Validated-dtype event columns for the book kernels, plus where they came from."""

    ts: np.ndarray
    action: np.ndarray
    side: np.ndarray
    price: np.ndarray
    size: np.ndarray
    flags: np.ndarray
    sequence: np.ndarray
    bid_px: tuple[np.ndarray, ...]
    ask_px: tuple[np.ndarray, ...]
    bid_sz: tuple[np.ndarray, ...]
    ask_sz: tuple[np.ndarray, ...]
    original: pd.DataFrame | None = None  # to quote bad values in errors

    def __len__(self) -> int:
        return len(self.ts)

    def args(self) -> tuple[Any, ...]:
        return (self.ts, self.action, self.side, self.price, self.size, self.flags, self.sequence,
                self.bid_px, self.ask_px, self.bid_sz, self.ask_sz)  # fmt: skip

    def take(self, rows: np.ndarray | slice) -> "Events":
        def pick(a: np.ndarray) -> np.ndarray:
            return frozen(np.ascontiguousarray(a[rows]))

        return Events(
            *(pick(a) for a in (self.ts, self.action, self.side, self.price, self.size, self.flags, self.sequence)),
            *(tuple(pick(a) for a in group) for group in (self.bid_px, self.ask_px, self.bid_sz, self.ask_sz)),
            original=None,
        )


def concat_events(parts: list[Events]) -> Events:
    parts = [p for p in parts if len(p)]
    if len(parts) == 1:
        return parts[0]

    def cat(get: Any) -> np.ndarray:
        return frozen(np.concatenate([get(p) for p in parts]))

    singles = [cat(lambda p, f=f: getattr(p, f)) for f in ("ts", "action", "side", "price", "size", "flags", "sequence")]
    groups = [tuple(cat(lambda p, f=f, k=k: getattr(p, f)[k]) for k in range(LEVELS))
              for f in ("bid_px", "ask_px", "bid_sz", "ask_sz")]  # fmt: skip
    return Events(*singles, *groups, original=None)


def events_input(events: Any) -> Events:
    """Coerce an MBP-10 DataFrame (Databento layout) to kernel dtypes, without mutating it."""
    if not isinstance(events, pd.DataFrame):
        raise InputError(
            f"expected a pandas DataFrame in Databento's MBP-10 layout, got {type(events).__name__}; "
            "read files with barsmith.book.read_mbp10(path)"
        )
    cols = events.columns
    required = ["action", "side", "price", "size", *level_columns("bid_px"), *level_columns("ask_px"),
                *level_columns("bid_sz"), *level_columns("ask_sz")]  # fmt: skip
    for name in required:
        if name not in cols:
            raise InputError(f"missing column; MBP-10 events need {required[:4]} and the level columns", column=name)
    if "ts_event" in cols:
        ts = to_ns(events["ts_event"], "ts_event")
    elif isinstance(events.index, pd.DatetimeIndex):
        ts = to_ns(events.index, "ts_event")
    else:
        raise InputError("missing timestamps: give a 'ts_event' column or a DatetimeIndex", column="ts_event")
    n = len(events)
    flags = (np.ascontiguousarray(events["flags"].to_numpy(), dtype=np.uint8) if "flags" in cols
             else np.full(n, F_LAST, np.uint8))  # fmt: skip
    sequence = (np.ascontiguousarray(events["sequence"].to_numpy(), dtype=np.uint32) if "sequence" in cols
                else np.zeros(n, np.uint32))  # fmt: skip
    return Events(
        frozen(ts),
        frozen(_ascii_codes(events["action"], "action")),
        frozen(_ascii_codes(events["side"], "side")),
        frozen(to_float(events["price"], "price")),
        frozen(_sizes(events["size"], "size")),
        frozen(flags),
        frozen(sequence),
        tuple(frozen(to_float(events[c], c)) for c in level_columns("bid_px")),
        tuple(frozen(to_float(events[c], c)) for c in level_columns("ask_px")),
        tuple(frozen(_sizes(events[c], c)) for c in level_columns("bid_sz")),
        tuple(frozen(_sizes(events[c], c)) for c in level_columns("ask_sz")),
        original=events,
    )


CHECKS = ("ts_event", "action", "side", "price", "order")


def raise_bad_events(e: Events, bad_rows: np.ndarray, row_offset: int = 0) -> None:
    """Turn the kernel's validation findings into an :class:`InputError` for the earliest bad row."""
    found = [(int(r), c) for c, r in enumerate(bad_rows) if r >= 0]
    if not found:
        return
    row, check = min(found)
    where = row + row_offset
    if CHECKS[check] == "ts_event":
        raise InputError(
            f"timestamps must not decrease ({e.ts[row - 1]} then {e.ts[row]}); sort the events by ts_event",
            column="ts_event", row=where,
        )  # fmt: skip
    if CHECKS[check] in ("action", "side"):
        name = CHECKS[check]
        value = e.original[name].iloc[row] if e.original is not None else chr(int(getattr(e, name)[row]))
        allowed = ACTIONS if name == "action" else SIDES
        raise InputError(f"unknown {name} code {value!r}; expected one of {list(allowed)}", column=name, row=where)
    if CHECKS[check] == "price":
        if e.action[row] == ord("T") and not np.isfinite(e.price[row]):
            raise InputError(f"a trade has price {e.price[row]}", column="price", row=where)
        for field, px, sz in (("bid_px", e.bid_px, e.bid_sz), ("ask_px", e.ask_px, e.ask_sz)):
            for k in range(LEVELS):
                if sz[k][row] > 0 and not np.isfinite(px[k][row]):
                    raise InputError(
                        f"level {k} holds size {sz[k][row]} at price {px[k][row]}; a populated level needs a price",
                        column=f"{field}_{k:02d}", row=where,
                    )  # fmt: skip
    raise InputError(
        "book levels are not sorted away from the touch (bids falling, asks rising); is this MBP-10 data?",
        column="bid_px_00", row=where,
    )  # fmt: skip


# ---------------------------------------------------------------- feature names


def band_label(lo: float, hi: float) -> str:
    """``p0_1`` for [0, 1) points; ``p0p5_1`` for [0.5, 1)."""

    def fmt(x: float) -> str:
        return (f"{x:g}").replace(".", "p").replace("-", "m")

    return f"p{fmt(lo)}_{fmt(hi)}"


def _band_edges(bands: Any) -> np.ndarray:
    edges = np.asarray(bands, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise InputError(f"bands must be at least two increasing, non-negative distances in points, got {bands!r}",
                         column="bands")  # fmt: skip
    return edges


def feature_names(bands: Any = DEFAULT_BANDS) -> list[str]:
    """The kernel's columns, in order (``docs/features.md`` defines each)."""
    edges = _band_edges(bands)
    labels = [band_label(lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]
    names = [f"meta_{a}_cnt_sum" for a in ("msg", "add", "cancel", "modify", "clear", "trade", "fill")]
    names += ["trade_vol_sum", "trade_signed_vol_sum", "trade_aggbuy_vol_sum", "trade_aggsell_vol_sum",
              "trade_px_first", "trade_px_max", "trade_px_min", "trade_px_last", "trade_px_vwap"]  # fmt: skip
    names += ["book_bid_px_eob", "book_ask_px_eob", "book_mid_px_eob", "book_spread_px_eob",
              "book_microprice_px_eob", "book_imb_l1_eob", "book_imb_l10_eob"]  # fmt: skip
    names += [f"book_depth_{s}_{b}_eob" for s in ("bid", "ask") for b in labels]
    names += ["book_spread_px_twa", "book_mid_px_twa", "book_spread_px_max", "book_mid_px_max", "book_mid_px_min"]
    names += [f"flow_net_vol_{s}_{b}_sum" for s in ("bid", "ask") for b in labels]
    names += [f"flow_ofi_l{k}_sum" for k in range(1, LEVELS + 1)]
    names += ["wall_bid_z_eob", "wall_bid_dist_eob", "wall_ask_z_eob", "wall_ask_dist_eob"]
    names += ["quality_crossed_cnt_sum", "quality_locked_cnt_sum", "quality_seq_gap_cnt_sum",
              "quality_bad_book_cnt_sum"]  # fmt: skip
    return names


def _is_count(name: str) -> bool:
    return name.endswith("_cnt_sum")


# ---------------------------------------------------------------- bars


@accepts_frames
def mbp10_bars(
    events: pd.DataFrame,
    interval: Any = "5s",
    *,
    bands: Any = DEFAULT_BANDS,
    reference_levels: Mapping[str, Any] | None = None,
    empty: Empty = "drop",
    backend: str | None = None,
) -> pd.DataFrame:
    """MBP-10 events to fixed-interval bars of order-book and order-flow features.

    Bins are ``[start, start + interval)`` from midnight UTC of the first
    event's day, keyed by ``ts_event``. The book is read only after records
    that carry ``F_LAST`` (or no flags at all). Columns are named
    ``<family>_<feature>_<agg>``; the families are meta, trade, book, flow,
    wall, approach and quality, all defined in ``docs/features.md``. For
    example the level-1 order-flow imbalance (Cont, Kukanov and Stoikov) is,
    per pair of consecutive snapshots::

        e = 1{Pb' >= Pb} qb' - 1{Pb' <= Pb} qb - 1{Pa' <= Pa} qa' + 1{Pa' >= Pa} qa

    summed over the bar as ``flow_ofi_l1_sum``.

    Parameters
    ----------
    events : DataFrame
        Databento MBP-10 layout, as :func:`read_mbp10` returns.
    interval : str, Timedelta or int ns
    bands : sequence of float
        Distances from the mid in price points; ``(0, 1, 2)`` gives the bands
        ``p0_1`` = [0, 1) and ``p1_2`` = [1, 2).
    reference_levels : dict of name -> price or Series, optional
        Levels to measure the approach to: a price, or a Series of prices
        indexed by time (the value in force at each bar's start is used).
        Adds ``approach_<name>_dist_eob`` (mid minus level, at end of bar)
        and ``approach_<name>_dist_min`` (smallest |mid - level| during the bar).
    empty : {"drop", "ffill", "nan"}
        Bins without events: dropped; carried (end-of-bar book columns carry,
        sums are 0, trade prices carry the last trade price); or NaN with zero sums.

    Examples
    --------
    >>> events = barsmith.synth.mbp10(200_000, seed=1)
    >>> bars = barsmith.book.mbp10_bars(events, "5s", reference_levels={"vwap_open": 5100.0})
    >>> bars[["book_mid_px_eob", "flow_ofi_l1_sum", "trade_vol_sum"]].head()
    """
    step = interval_ns(interval)
    edges = _band_edges(bands)
    _check_empty(empty)
    e = events_input(events)
    origin = day_floor(e.ts[0]) if len(e) else 0
    start, features = _run(e, edges, step, origin, 0, backend)
    frame = _bars_frame(start, features, edges)
    if empty != "drop":
        frame = _fill_empty(frame, step, empty, None)
    return _with_approach(frame, reference_levels, step)


def _check_empty(empty: str) -> None:
    if empty not in ("drop", "ffill", "nan"):
        raise InputError(f"must be 'drop', 'ffill' or 'nan', got {empty!r}", column="empty")


def _run(e: Events, edges: np.ndarray, step: int, origin: int, warmup: int, backend: str | None,
         row_offset: int = 0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    bad_rows, start, features = kernel("mbp10_bars", backend)(*e.args(), frozen(edges), step, origin, warmup)
    raise_bad_events(e, bad_rows, row_offset)
    return start, features


def _bars_frame(start: np.ndarray, features: np.ndarray, edges: np.ndarray) -> pd.DataFrame:
    # Each float column is a view of the kernel's (bars, features) output, and
    # counts are made int64 as they are placed: a float frame then ``astype``
    # took 4 ms of a day's ~110, transposing to contiguous columns 2 more.
    columns = {name: features[:, j].astype(np.int64) if _is_count(name) else features[:, j]
               for j, name in enumerate(feature_names(edges))}  # fmt: skip
    return pd.DataFrame(columns, index=pd.DatetimeIndex(utc_times(start), name="ts"), copy=False)


TRADE_PX = ("trade_px_first", "trade_px_max", "trade_px_min", "trade_px_last", "trade_px_vwap")


def _fill_empty(frame: pd.DataFrame, step: int, empty: str, previous: pd.Series | None,
                last_trade_px: float = np.nan) -> pd.DataFrame:  # fmt: skip
    """Insert the empty bins from after ``previous`` (or the first bar) to the last bar.

    ``ffill`` carries the end-of-bar book of the bar before each empty bin
    (``previous`` for a run at the start, when streaming) and the last trade
    price (``last_trade_px`` before the frame).
    """
    if len(frame) == 0:
        return frame
    first = frame.index[0] if previous is None else previous.name + pd.Timedelta(step, "ns")
    full = pd.date_range(first, frame.index[-1], freq=pd.Timedelta(step, "ns"), name="ts")
    if len(full) == len(frame):
        return frame
    present = full.isin(frame.index)
    missing = ~present
    out = frame.reindex(full)
    sums = [c for c in frame.columns if c.endswith("_sum")]
    out.loc[missing, sums] = 0
    if empty == "ffill":
        book = [c for c in frame.columns if c.endswith("_eob")]
        values = out[book].to_numpy()
        source = np.maximum.accumulate(np.where(present, np.arange(len(full)), -1))  # the bar before each bin
        seed = previous[book].to_numpy(dtype=np.float64) if previous is not None else np.full(len(book), np.nan)
        carried = np.where((source >= 0)[:, None], values[np.maximum(source, 0)], seed)
        out.loc[missing, book] = carried[missing]
        last_px = out["trade_px_last"].to_numpy().copy()
        last_px = pd.Series(np.concatenate([[last_trade_px], last_px])).ffill().to_numpy()[:-1]  # before each bin
        for c in TRADE_PX:
            out.loc[missing, c] = last_px[missing]
        # the time-weighted and extreme book values of an empty bin are its carried state
        for col, eob_col in (("book_spread_px_twa", "book_spread_px_eob"), ("book_mid_px_twa", "book_mid_px_eob"),
                             ("book_spread_px_max", "book_spread_px_eob"), ("book_mid_px_max", "book_mid_px_eob"),
                             ("book_mid_px_min", "book_mid_px_eob")):  # fmt: skip
            out.loc[missing, col] = out.loc[missing, eob_col]
    counts = [c for c in frame.columns if _is_count(c)]
    return out.astype({c: np.int64 for c in counts})


def _with_approach(frame: pd.DataFrame, reference_levels: Mapping[str, Any] | None, step: int) -> pd.DataFrame:
    """``approach_<name>_dist_eob`` = mid - level; ``_dist_min`` = min |mid - level| over the bar's book states."""
    if not reference_levels:
        return frame
    cols = {}
    mid, hi, lo = frame["book_mid_px_eob"], frame["book_mid_px_max"], frame["book_mid_px_min"]
    for name, level in reference_levels.items():
        if isinstance(level, pd.Series):
            if not isinstance(level.index, pd.DatetimeIndex):
                raise InputError("a Series of reference prices needs a DatetimeIndex", column=f"reference_levels[{name!r}]")
            index = level.index.tz_localize("UTC") if level.index.tz is None else level.index
            values = level.set_axis(index).sort_index().asof(frame.index).to_numpy(dtype=np.float64)
        else:
            try:
                values = np.full(len(frame), float(level))
            except (TypeError, ValueError):
                raise InputError(f"expected a price or a Series of prices, got {type(level).__name__}",
                                 column=f"reference_levels[{name!r}]") from None  # fmt: skip
        inside = (lo <= values) & (values <= hi)
        nearest = np.minimum(np.abs(hi - values), np.abs(lo - values))
        cols[f"approach_{name}_dist_eob"] = mid - values
        cols[f"approach_{name}_dist_min"] = np.where(inside, 0.0, nearest)
    return pd.concat([frame, pd.DataFrame(cols, index=frame.index)], axis=1)


class Mbp10BarBuilder:
    """Streaming :func:`mbp10_bars`: ``update(chunk)`` returns the bars completed so far, ``flush()`` the rest.

    For any split of the events into chunks, the concatenated output equals
    the batch output exactly. The builder carries the open bar's events plus
    the book snapshot (and sequence number) in force before it.

    Examples
    --------
    >>> builder = barsmith.book.Mbp10BarBuilder("5s")
    >>> parts = [builder.update(chunk) for chunk in barsmith.book.iter_mbp10(path, 500_000)]
    >>> bars = pd.concat(parts + [builder.flush()])
    """

    def __init__(self, interval: Any = "5s", *, bands: Any = DEFAULT_BANDS,
                 reference_levels: Mapping[str, Any] | None = None, empty: Empty = "drop",
                 backend: str | None = None) -> None:  # fmt: skip
        self._step = interval_ns(interval)
        self._edges = _band_edges(bands)
        _check_empty(empty)
        self._empty = empty
        self._reference_levels = reference_levels
        self._backend = backend
        self._carry: Events | None = None  # warm-up rows, then the open bar's rows
        self._warmup = 0
        self._origin: int | None = None
        self._rows_seen = 0  # input rows consumed before the carry's open-bar rows
        self._last_bar: pd.Series | None = None
        self._last_trade_px = np.nan

    @accepts_frames
    def update(self, chunk: pd.DataFrame) -> pd.DataFrame:
        e = events_input(chunk)
        if self._origin is None and len(e):
            self._origin = day_floor(e.ts[0])
        joined = replace(concat_events([self._carry, e]), original=None) if self._carry is not None else e
        offset = self._rows_seen - self._warmup  # input row of joined[i] is i + offset (past the warm-up rows)
        start, features = _run(joined, self._edges, self._step, self._origin or 0, self._warmup, self._backend, offset)
        if len(start) == 0:
            return self._finish(start, features)
        # keep the last (open) bar: its rows plus the snapshot and record before it
        bar_end = int(start[-1])
        first_open = int(np.searchsorted(joined.ts, bar_end, side="left"))
        first_open = max(first_open, self._warmup)
        self._keep(joined, first_open)
        self._rows_seen = offset + first_open
        return self._finish(start[:-1], features[:-1])

    def _keep(self, joined: Events, first_open: int) -> None:
        snap = (joined.flags[:first_open] & F_LAST != 0) | (joined.flags[:first_open] == 0)
        before = []
        snaps = np.flatnonzero(snap)
        if len(snaps):
            before.append(int(snaps[-1]))
        if first_open > 0 and (not before or before[-1] != first_open - 1):
            before.append(first_open - 1)
        rows = np.concatenate([np.array(before, dtype=np.int64), np.arange(first_open, len(joined))])
        self._carry = joined.take(rows)
        self._warmup = len(before)

    @accepts_frames
    def flush(self) -> pd.DataFrame:
        if self._carry is None or len(self._carry) == self._warmup:
            return self._finish(np.empty(0, np.int64), np.empty((0, len(feature_names(self._edges)))))
        start, features = _run(self._carry, self._edges, self._step, self._origin or 0, self._warmup,
                               self._backend, self._rows_seen - self._warmup)  # fmt: skip
        self._carry = self._carry.take(slice(0, 0))
        self._warmup = 0
        return self._finish(start, features)

    def _finish(self, start: np.ndarray, features: np.ndarray) -> pd.DataFrame:
        frame = _bars_frame(start, features, self._edges)
        if self._empty != "drop" and len(frame):
            frame = _fill_empty(frame, self._step, self._empty, self._last_bar, self._last_trade_px)
        if len(frame):
            self._last_bar = frame.iloc[-1]
            traded = frame["trade_px_last"].dropna()
            if len(traded):
                self._last_trade_px = float(traded.iloc[-1])
        return _with_approach(frame, self._reference_levels, self._step)
