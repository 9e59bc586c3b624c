"""Turning what users pass into the arrays kernels take, and refusing bad input.

Everything here is written once and shared by all backends. Kernels never see
a DataFrame; this module hands them C-contiguous arrays of the kernel dtypes
(``ts`` int64 ns UTC, ``price``/``size`` float64, ``side`` int8 in {-1, 0, +1})
and never mutates the caller's data. It reads columns in the layout the user
holds (NumPy, nullable, Arrow; polars and pyarrow objects arrive here as Arrow-
backed pandas, see ``_frames``); code columns go through ``_core.inputs`` in every
backend, as input coercion rather than a kernel.

Validation is split for speed: the checks here are per column (dtype, length,
NaT); the per-row checks of trades (sorted, finite positive prices, sizes, known
side codes) run in the ``scan_trades`` kernel, or fused into the bar kernels'
own pass over the rows (``scan=False``, then :func:`raise_bad_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._args import frozen
from ._errors import InputError
from ._registry import kernel

NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min

# Databento aggressor codes -> sign. Anything else maps to a sentinel that the
# validation scan reports with the offending row.
SIDE_CODES = {"B": 1, "A": -1, "N": 0}
_UNKNOWN_SIDE = np.int8(127)


@dataclass(frozen=True)
class Trades:
    """Validated trade columns in kernel dtypes, plus the caller's index."""

    ts: np.ndarray
    price: np.ndarray
    size: np.ndarray
    side: np.ndarray  # empty when the input has no side
    index: pd.Index | None  # the caller's index (None for array input)
    original_side: Any = None  # the caller's side values, to quote them in errors
    order: np.ndarray | None = None  # the rows sort=True reordered (None: as given)

    def __len__(self) -> int:
        return len(self.ts)

    def tail(self, n: int) -> "Trades":
        """The last ``n`` trades (streaming builders carry the open bar's trades)."""
        sl = slice(len(self) - n, None)
        side = self.side[sl] if len(self.side) else self.side
        index = self.index[sl] if self.index is not None else None
        return Trades(self.ts[sl], self.price[sl], self.size[sl], side, index, None)


EMPTY_TRADES = Trades(
    frozen(np.empty(0, np.int64)),
    frozen(np.empty(0, np.float64)),
    frozen(np.empty(0, np.float64)),
    frozen(np.empty(0, np.int8)),
    None,
)


def concat_trades(a: Trades, b: Trades) -> Trades:
    """``a`` then ``b`` (streaming builders join carried trades to a new chunk)."""
    if len(a) == 0:
        return b
    if len(b) == 0:
        return a
    if bool(len(a.side)) != bool(len(b.side)):
        raise InputError("every chunk must have a side column, or none must", column="side")
    return Trades(
        frozen(np.concatenate([a.ts, b.ts])),
        frozen(np.concatenate([a.price, b.price])),
        frozen(np.concatenate([a.size, b.size])),
        frozen(np.concatenate([a.side, b.side])),
        None,
    )


def dtype_kind(dtype: Any) -> str:
    """NumPy's kind letter for any dtype a column may have, Arrow-backed ones included
    (``i u f b M m`` for numbers, booleans and times; ``U`` for Arrow strings; ``O`` else).
    pandas' own ``is_*_dtype`` raise on some Arrow types (string_view), this never does."""
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        t = dtype.pyarrow_dtype
        for kind, test in (("i", pa.types.is_signed_integer), ("u", pa.types.is_unsigned_integer),
                           ("f", pa.types.is_floating), ("b", pa.types.is_boolean), ("M", pa.types.is_timestamp),
                           ("m", pa.types.is_duration), ("U", _is_arrow_string)):  # fmt: skip
            if test(t):
                return kind
        return "O"
    return getattr(dtype, "kind", "O")


def _is_arrow_string(t: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def to_ns(values: Any, column: str) -> np.ndarray:
    """Timestamps as int64 ns since the epoch, UTC (tz-naive values are taken as UTC).

    datetime64 of any unit and time zone, Arrow timestamps (``read_parquet(dtype_backend=
    "pyarrow")``, polars) or integer ns: a view where the values are ns already, one
    multiplication otherwise."""
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if isinstance(dtype, pd.ArrowDtype) and dtype_kind(dtype) == "M":
            return _arrow_ns(values.array.__arrow_array__(), column)
        if isinstance(dtype, pd.DatetimeTZDtype) or dtype_kind(dtype) == "M":
            times = pd.DatetimeIndex(values)  # tz-aware values are stored as UTC already
            return _as_ns(np.ascontiguousarray(times.asi8), times.unit, column)  # asi8: a view
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        unit = np.datetime_data(arr.dtype)[0]
        return _as_ns(np.ascontiguousarray(arr).view(np.int64), unit, column)
    if arr.dtype.kind in "iu":
        if arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise InputError("timestamps beyond int64 nanoseconds", column=column)
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype.kind == "O":  # e.g. a tz-aware Series' .to_numpy(): Timestamp objects
        try:
            return to_ns(pd.Series(pd.to_datetime(arr, utc=True)), column)
        except (ValueError, TypeError):
            pass
    raise InputError(
        f"expected datetime64 or integer nanoseconds since the epoch, got dtype {arr.dtype}",
        column=column,
    )


_NS_PER_UNIT = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}


def _as_ns(ticks: np.ndarray, unit: str, column: str) -> np.ndarray:
    """int64 ticks of ``unit`` since the epoch as ns: the same array for ns, else one
    multiplication (NaT stays NaT; a time beyond int64 ns, after 2262, is refused)."""
    factor = _NS_PER_UNIT.get(unit)
    if factor is None:
        raise InputError(f"unsupported time unit {unit!r}; use ns, us, ms or s", column=column)
    if factor == 1 or not len(ticks):
        return ticks
    lo, hi = int(ticks.min()), int(ticks.max())
    if lo == _NAT:  # NaT must stay the NaT sentinel, which a plain multiplication would not keep
        lo = int(ticks[ticks != _NAT].min(initial=0))
        out = np.where(ticks == _NAT, _NAT, ticks * factor) if -_NAT // factor > max(-lo, hi) else None
    else:
        out = ticks * factor if -_NAT // factor > max(-lo, hi) else None
    if out is None:
        raise InputError(f"a time does not fit int64 nanoseconds (beyond 1677-2262) in unit {unit!r}", column=column)
    return out


def _arrow_ns(array: Any, column: str) -> np.ndarray:
    """An Arrow timestamp ChunkedArray as int64 ns: its buffers viewed, nulls refused."""
    import pyarrow as pa

    if array.null_count:
        row = int(np.flatnonzero(np.asarray(array.is_null()))[0])
        raise InputError("missing timestamp (null)", column=column, row=row)
    ticks = [np.asarray(chunk.cast(pa.int64())) for chunk in array.chunks]  # a cast of the type only
    joined = ticks[0] if len(ticks) == 1 else np.concatenate(ticks or [np.empty(0, np.int64)])
    return _as_ns(np.ascontiguousarray(joined), array.type.unit, column)


# what pandas.api.types.infer_dtype calls an object array of numbers (missing values skipped)
_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "empty"})


def floats(values: Any, column: str) -> np.ndarray:
    """``values`` as float64, in their own layout (a view where they already are float64):
    integers, floats, nullable numbers and object arrays holding only numbers, where a
    missing value (NA, None) becomes NaN. Booleans and strings are not numbers here, as in
    TA-Lib: a string column is usually a parsing mistake, and silently reading it hides one."""
    dtype = getattr(values, "dtype", None)
    if isinstance(values, (pd.Series, pd.Index)):
        if dtype_kind(dtype) in "iuf":  # NumPy, nullable and Arrow numbers: a view where they are float64
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf":
        return np.asarray(arr, dtype=np.float64)
    if arr.dtype.kind == "O" and pd.api.types.infer_dtype(arr.ravel(), skipna=True) in _NUMBER_KINDS:
        return np.where(pd.isna(arr), np.nan, arr).astype(np.float64)
    how = "astype(float) if 0/1 is meant" if arr.dtype.kind == "b" else "pd.to_numeric(...) or astype(float)"
    got = arr.dtype if dtype is None else dtype
    raise InputError(f"expected numbers, got dtype {got}; convert it first with {how}", column=column)


def to_float(values: Any, column: str) -> np.ndarray:
    """A C-contiguous float64 column (see :func:`floats`); NaN is the caller's to refuse."""
    return np.ascontiguousarray(floats(values, column))


def same_index(inputs: dict[str, Any]) -> None:
    """Refuses pandas inputs whose index (or a panel's columns) differs from the first one's.

    pandas aligns such inputs on their labels before combining them (``high - low`` of two
    differently indexed Series is NaN where either is missing), so pairing them by position
    would silently compute something else. Arrays have no labels and pair by position."""
    labelled = [(name, x) for name, x in inputs.items() if isinstance(x, (pd.Series, pd.DataFrame))]
    if len(labelled) < 2:
        return
    first_name, first = labelled[0]
    for name, x in labelled[1:]:
        for axis in ("index", "columns"):
            mine, theirs = getattr(x, axis, None), getattr(first, axis, None)
            if mine is None or theirs is None or mine.equals(theirs):
                continue
            verb = "differ" if axis == "columns" else "differs"
            raise InputError(
                f"its {axis} {verb} from {first_name}'s (pandas would align them on it, not pair rows by "
                f"position); align them first, for example {first_name}, {name} = "
                f"{first_name}.align({name}, join='inner'), or pass arrays",
                column=name,
                row=_first_difference(theirs, mine) if axis == "index" else None,
            )


def _first_difference(a: pd.Index, b: pd.Index) -> int | None:
    """The first position where two indexes differ (None if that cannot be said)."""
    n = min(len(a), len(b))
    try:
        differs = np.flatnonzero(np.asarray(a[:n] != b[:n]))
    except (TypeError, ValueError):  # e.g. tz-aware against naive timestamps
        return 0
    return int(differs[0]) if len(differs) else (n if len(a) != len(b) else None)


def check_volume(volume: np.ndarray, column: str = "volume") -> np.ndarray:
    """``volume`` itself, refused when a value is negative or infinite (NaN is allowed: each
    function says what a missing volume means). Volumes weigh and normalise other values, so
    one such value would turn whole windows into inf or NaN."""
    bad = np.flatnonzero((volume < 0) | np.isinf(volume))
    if len(bad):
        raise InputError(f"{column} must be finite and >= 0 (or NaN), got {volume[bad[0]]!r}; drop or repair that row",
                         column=column, row=int(bad[0]))  # fmt: skip
    return volume


def to_side(values: Any, column: str = "side") -> np.ndarray:
    """Aggressor side as int8 signs.

    Accepts Databento codes (``"B"`` buy aggressor -> +1, ``"A"`` sell
    aggressor -> -1, ``"N"`` none -> 0) in any layout :func:`code_bytes`
    reads, or integer signs in {-1, 0, +1} (for example ``classify_trades``
    output). Unknown codes become a sentinel reported by the validation scan.
    """
    if isinstance(values, (pd.Series, pd.Index)) and dtype_kind(values.dtype) in "iu" and not values.hasnans:
        values = values.to_numpy()
    arr = values if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if isinstance(arr, np.ndarray) and arr.dtype.kind in "iu":
        if arr.dtype == np.int8:
            return np.ascontiguousarray(arr)  # the scan reports values outside {-1, 0, 1}
        return np.where((arr >= -1) & (arr <= 1), arr, _UNKNOWN_SIDE).astype(np.int8)
    return code_bytes(values, column, _SIDE_TABLE, int(_UNKNOWN_SIDE)).view(np.int8)


def _code_table(codes: dict[str, int], missing: int) -> bytes:
    table = bytearray([missing & 0xFF] * 256)
    for code, value in codes.items():
        table[ord(code)] = value & 0xFF
    return bytes(table)


_SIDE_TABLE = _code_table(SIDE_CODES, int(_UNKNOWN_SIDE))


def code_bytes(values: Any, column: str, table: bytes, missing: int) -> np.ndarray:
    """``table[c]`` (uint8) for each one-character code ``c`` of a column, else ``missing``.

    Reads the layout the user holds without a Python object per row: categorical
    (any category order) and Arrow dictionary codes through a 256-byte table;
    Arrow strings (pandas ``str`` and ``string[pyarrow]``, ``ArrowDtype`` string,
    large_string and string_view, as polars hands them over) from their offsets and
    data buffers; NumPy ``S``/``U`` strings from their characters; object arrays
    (and python-backed ``str``) in one pass over the objects. Missing values, empty
    or longer strings and non-strings map to ``missing``, which the fronts report as
    an unknown code with its row and value.
    """
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            return _lookup(values.array.codes, _category_bytes(dtype.categories, table, missing), missing)
        if _arrow_backed(dtype):
            return _arrow_codes(values.array.__arrow_array__(), table, missing)
        values = values.array if isinstance(dtype, pd.StringDtype) else values.to_numpy()  # python-backed str
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"expected a 1-D column of codes, got shape {arr.shape}", column=column)
    table_arr = np.frombuffer(table, dtype=np.uint8)
    if arr.dtype.kind == "S" and arr.dtype.itemsize == 1:
        return translate(arr, table)
    if arr.dtype.kind in "SU":
        wide = arr.dtype.kind == "U"
        chars = np.ascontiguousarray(arr).view(np.uint32 if wide else np.uint8)
        width = arr.dtype.itemsize // (4 if wide else 1)
        return _core_inputs().fixed_width_codes(chars, width, table_arr, missing)
    if arr.dtype.kind == "O":
        return _core_inputs().object_codes(np.ascontiguousarray(arr), table_arr, missing)
    raise InputError(f"expected one-character codes, got dtype {getattr(values, 'dtype', arr.dtype)}", column=column)


def _arrow_backed(dtype: Any) -> bool:
    return isinstance(dtype, pd.ArrowDtype) or (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow")


def _category_bytes(categories: Any, table: bytes, missing: int) -> np.ndarray:
    """``table[c]`` for each category that is a one-character str or bytes, else ``missing``."""
    out = np.full(len(categories), missing, dtype=np.uint8)
    for i, c in enumerate(categories):
        if isinstance(c, bytes):
            c = c.decode("latin-1")
        if isinstance(c, str) and len(c) == 1 and ord(c) < 256:
            out[i] = table[ord(c)]
    return out


def _lookup(codes: np.ndarray, lut: np.ndarray, missing: int) -> np.ndarray:
    """``lut[code]`` per element, a code outside ``lut`` (pandas' missing -1) as ``missing``:
    1-byte codes through a byte table, wider ones (polars' u32) through ``take_codes``."""
    if codes.dtype.itemsize == 1 and len(lut) <= 255:
        table = bytearray([missing & 0xFF] * 256)
        table[: len(lut)] = lut.tobytes()
        return translate(codes, bytes(table))
    wide = np.ascontiguousarray(codes if codes.dtype.itemsize > 1 else codes.astype(np.int16))
    return _core_inputs().take_codes(wide, np.ascontiguousarray(lut, dtype=np.uint8), missing)


def _arrow_codes(array: Any, table: bytes, missing: int) -> np.ndarray:
    """:func:`code_bytes` of a pyarrow Array or ChunkedArray, chunk by chunk from its buffers."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        parts = [_arrow_codes(chunk, table, missing) for chunk in array.chunks]
        return parts[0] if len(parts) == 1 else np.concatenate(parts or [np.empty(0, np.uint8)])
    kind = array.type
    n, offset = len(array), array.offset
    table_arr = np.frombuffer(table, dtype=np.uint8)
    core = _core_inputs()
    buffers = array.buffers()
    validity = np.frombuffer(buffers[0], np.uint8) if buffers[0] is not None and array.null_count else None
    if pa.types.is_dictionary(kind):
        lut = _arrow_codes(array.dictionary, table, missing)
        indices = array.indices
        if indices.null_count:  # nulls as -1
            indices = indices.cast(pa.int64()).fill_null(-1)
        return _lookup(indices.to_numpy(), lut, missing)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        wide = pa.types.is_large_string(kind) or pa.types.is_large_binary(kind)
        offsets = np.frombuffer(buffers[1], np.int64 if wide else np.int32)[offset : offset + n + 1]
        data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.empty(0, np.uint8)
        return core.string_codes(offsets, data, validity, offset, table_arr, missing)
    if pa.types.is_string_view(kind) or pa.types.is_binary_view(kind):
        views = np.frombuffer(buffers[1], np.uint8)[offset * 16 : (offset + n) * 16]
        return core.view_codes(views, validity, offset, table_arr, missing)
    if pa.types.is_null(kind):
        return np.full(n, missing, dtype=np.uint8)
    raise InputError(f"expected one-character codes, got Arrow type {kind}")


def _core_inputs() -> Any:
    """``_core.inputs``: the code readers (input coercion, shared by every backend as the DBN
    decoder is; without the extension nothing reads the code columns)."""
    try:
        from ._core import inputs
    except ImportError as err:
        from ._errors import BackendUnavailableError

        raise BackendUnavailableError(
            f"the Rust extension barsmith._core cannot load ({err}); every backend reads code columns "
            "(side, action) through it: reinstall with `pip install .` (needs a Rust toolchain)"
        ) from None
    return inputs


def translate(codes: np.ndarray, table: bytes) -> np.ndarray:
    """``table[b]`` for every byte of ``codes`` (any 1-byte dtype), as uint8.

    In Rust on all threads (~1 ms for 10M codes, 5x ``bytes.translate``,
    which NumPy fancy indexing is slower still: it widens every code to intp).
    Input coercion, not a kernel: the same for every backend.
    """
    raw = np.ascontiguousarray(codes).view(np.uint8)
    return _core_inputs().translate(raw, np.frombuffer(table, dtype=np.uint8))


def interval_ns(interval: Any, name: str = "interval") -> int:
    """A fixed positive duration in ns, from ``"5s"``, ``"1min"``, a Timedelta or int ns."""
    if isinstance(interval, (int, np.integer)) and not isinstance(interval, bool):
        ns = int(interval)
    else:
        try:
            ns = pd.Timedelta(interval).value
        except (ValueError, TypeError):
            raise InputError(
                f"{interval!r} is not a fixed duration; use e.g. '5s', '1min', '1h', '1D' "
                "(calendar offsets such as months are not fixed)",
                column=name,
            ) from None
    if ns <= 0:
        raise InputError(f"must be a positive duration, got {interval!r}", column=name)
    return ns


def day_floor(ts_ns: int) -> int:
    """Midnight UTC of the day holding ``ts_ns`` (pandas ``origin='start_day'``)."""
    return (int(ts_ns) // NS_PER_DAY) * NS_PER_DAY


def trades_input(
    trades: Any = None,
    *,
    ts_event: Any = None,
    price: Any = None,
    size: Any = None,
    side: Any = None,
    sort: bool = False,
    require_side: bool = False,
    scan: bool = True,
    backend: str | None = None,
) -> Trades:
    """Coerce and validate trades given as a DataFrame or as arrays by keyword.

    Raises :class:`InputError` naming the column and the first bad row. With
    ``scan=False`` the row checks are left to the caller: the bar kernels
    report them in the same pass that builds the bars (see :func:`raise_bad_rows`).
    """
    index: pd.Index | None = None
    if trades is not None:
        if any(v is not None for v in (ts_event, price, size, side)):
            raise InputError("pass either a DataFrame or arrays by keyword, not both")
        if not isinstance(trades, pd.DataFrame):
            raise InputError(
                f"expected a pandas DataFrame with ts_event, price, size[, side], got {type(trades).__name__}; "
                "pass NumPy arrays by keyword: ts_event=..., price=..., size=..."
            )
        index = trades.index
        cols = trades.columns
        if "ts_event" in cols:
            ts_event = trades["ts_event"]
        elif isinstance(trades.index, pd.DatetimeIndex):
            ts_event = trades.index
        for name in ("price", "size"):
            if name not in cols:
                raise InputError(f"missing column; got columns {list(cols)}", column=name)
        price, size = trades["price"], trades["size"]
        side = trades["side"] if "side" in cols else None
    else:  # columns by keyword: Series among them must agree on their rows, as one frame's do
        same_index({"ts_event": ts_event, "price": price, "size": size, "side": side})
    if ts_event is None:
        raise InputError(
            "missing timestamps: give a 'ts_event' column, a DatetimeIndex, or ts_event=...",
            column="ts_event",
        )
    if price is None or size is None:
        raise InputError("missing column", column="price" if price is None else "size")
    ts_arr = to_ns(ts_event, "ts_event")
    price_arr = to_float(price, "price")
    size_arr = to_float(size, "size")
    side_arr = to_side(side) if side is not None else np.empty(0, np.int8)
    if require_side and side is None:
        raise InputError(
            "no aggressor side; classify first, e.g. "
            "trades.assign(side=barsmith.orderflow.classify_trades(trades))",
            column="side",
        )
    lengths = {"ts_event": len(ts_arr), "price": len(price_arr), "size": len(size_arr)}
    if side is not None:
        lengths["side"] = len(side_arr)
    if len(set(lengths.values())) > 1:
        raise InputError(f"columns have different lengths: {lengths}")
    if ts_arr.ndim != 1:
        raise InputError("expected 1-D columns", column="ts_event")
    if len(ts_arr) and ts_arr[0] == _NAT:
        raise InputError("missing timestamp (NaT)", column="ts_event", row=0)
    order = None
    if sort and len(ts_arr) > 1 and np.any(ts_arr[1:] < ts_arr[:-1]):
        order = np.argsort(ts_arr, kind="stable")
        ts_arr, price_arr, size_arr = ts_arr[order], price_arr[order], size_arr[order]
        side_arr = side_arr[order] if len(side_arr) else side_arr
        index = index[order] if index is not None else None
        side = None  # quote the mapped sign in errors: positions no longer match
    out = Trades(frozen(ts_arr), frozen(price_arr), frozen(size_arr), frozen(side_arr), index, side, order)
    if scan:
        raise_bad_rows(out, kernel("scan_trades", backend)(out.ts, out.price, out.size, out.side))
    return out


def raise_bad_rows(t: Trades, bad_rows: np.ndarray, row_offset: int = 0) -> None:
    """Raise :class:`InputError` for what a trade scan found, checking columns in order.

    ``bad_rows`` is a kernel's scan result (``scan_trades`` or the first output
    of a bar kernel): per check, the first offending row or -1. ``row_offset``
    is subtracted from reported rows (streaming builders prepend carried trades).
    """
    bad_ts, bad_price, bad_size, bad_side = (int(r) for r in bad_rows)
    original_side = t.original_side
    if bad_ts >= 0:
        what = "missing timestamp (NaT)" if t.ts[bad_ts] == _NAT else "timestamps are not sorted"
        raise InputError(
            f"{what}: {t.ts[bad_ts]} comes after {t.ts[bad_ts - 1]}; sort by ts_event first "
            "or pass sort=True",
            column="ts_event",
            row=bad_ts - row_offset,
        )
    if bad_price >= 0:
        raise InputError(
            f"price must be finite and > 0, got {t.price[bad_price]!r}; drop or repair that row",
            column="price",
            row=bad_price - row_offset,
        )
    if bad_size >= 0:
        raise InputError(
            f"size must be finite and >= 0, got {t.size[bad_size]!r}; drop or repair that row",
            column="size",
            row=bad_size - row_offset,
        )
    if bad_side >= 0:
        got = t.side[bad_side]
        if original_side is not None and bad_side - row_offset >= 0:
            got = _value_at(original_side, bad_side - row_offset)
        raise InputError(
            f"unknown side code {got!r}; expected 'B' (buy aggressor), 'A' (sell aggressor), "
            "'N' (none) or a sign -1/0/1",
            column="side",
            row=bad_side - row_offset,
        )


def _value_at(values: Any, row: int) -> Any:
    if isinstance(values, (pd.Series, pd.Index)):
        return values.iloc[row] if isinstance(values, pd.Series) else values[row]
    return np.asarray(values)[row]


def utc_times(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 ns since the epoch -> tz-aware UTC DatetimeIndex (no copy of the data)."""
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize("UTC")
