"""Turning what users pass into the arrays kernels take, and refusing bad input.

Everything here is written once and shared by all backends. Kernels never see
a DataFrame and never validate; this module hands them C-contiguous arrays of
the kernel dtypes (``ts`` int64 ns UTC, ``price``/``size`` float64, ``side``
int8 in {-1, 0, +1}) and never mutates the caller's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError
from ._registry import kernel

NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min

# Databento aggressor codes -> sign. Anything else maps to a sentinel that the
# validation scan reports with the offending row.
SIDE_CODES = {"B": 1, "A": -1, "N": 0}
_UNKNOWN_SIDE = np.int8(127)


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only view (no copy).

    Every array the fronts hand to a kernel is read-only: kernels cannot
    mutate the caller's data, and Numba, which compiles separately for
    read-only and writable arrays, always sees the one kind that
    :func:`barsmith.warmup` compiled.
    """
    view = np.asarray(a).view()
    view.flags.writeable = False
    return view


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


def to_ns(values: Any, column: str) -> np.ndarray:
    """Timestamps as int64 ns since the epoch, UTC (tz-naive values are taken as UTC)."""
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
            times = pd.DatetimeIndex(values)  # tz-aware values are stored as UTC already
            if times.unit != "ns":
                times = times.as_unit("ns")
            return np.ascontiguousarray(times.asi8)  # a view, not a copy
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return np.ascontiguousarray(arr.astype("datetime64[ns]").view(np.int64))
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


# what pandas.api.types.infer_dtype calls an object array of numbers (missing values skipped)
_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "empty"})


def floats(values: Any, column: str) -> np.ndarray:
    """``values`` as float64, in their own layout (a view where they already are float64):
    integers, floats, nullable numbers and object arrays holding only numbers, where a
    missing value (NA, None) becomes NaN. Booleans and strings are not numbers here, as in
    TA-Lib: a string column is usually a parsing mistake, and silently reading it hides one."""
    dtype = getattr(values, "dtype", None)
    if isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
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
    aggressor -> -1, ``"N"`` none -> 0) as str, bytes, object or categorical,
    or integer signs in {-1, 0, +1} (for example ``classify_trades`` output).
    Unknown codes become a sentinel reported by the validation scan.
    """
    if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.CategoricalDtype):
        signs = [_sign_of(c) for c in values.cat.categories]
        return _map_codes(values.array.codes, signs)  # .array.codes: no copy, unlike .cat.codes
    if isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
            values = values.to_numpy()
        else:
            values = values.to_numpy(dtype=object)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        if arr.dtype == np.int8:
            return np.ascontiguousarray(arr)  # the scan reports values outside {-1, 0, 1}
        return np.where((arr >= -1) & (arr <= 1), arr, _UNKNOWN_SIDE).astype(np.int8)
    if arr.dtype.kind == "S" and arr.dtype.itemsize == 1:
        return _map_codes(np.ascontiguousarray(arr).view(np.uint8), [_sign_of(bytes([b])) for b in range(256)])
    if arr.dtype.kind in "USO":
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        return _map_codes(codes, [_sign_of(u) for u in uniques])
    raise InputError(f"expected side codes 'B', 'A', 'N' or signs -1/0/1, got dtype {arr.dtype}", column=column)


def _map_codes(codes: np.ndarray, signs: list[int]) -> np.ndarray:
    """``signs[code]`` per element; code -1 (missing) maps to the unknown sentinel."""
    if len(signs) <= 255 and codes.dtype.itemsize == 1:
        table = bytearray([int(_UNKNOWN_SIDE)] * 256)
        for code, sign in enumerate(signs):
            table[code] = sign & 0xFF
        return translate(codes, bytes(table)).view(np.int8)
    lut = np.array(list(signs) + [int(_UNKNOWN_SIDE)], dtype=np.int8)
    return lut[codes]


def translate(codes: np.ndarray, table: bytes) -> np.ndarray:
    """``table[b]`` for every byte of ``codes`` (any 1-byte dtype), as uint8.

    In Rust on all threads (~1 ms for 10M codes, 5x ``bytes.translate``,
    which NumPy fancy indexing is slower still: it widens every code to intp).
    Input coercion, not a kernel: the same for every backend.
    """
    raw = np.ascontiguousarray(codes).view(np.uint8)
    try:
        from ._core import bars as core_bars
    except ImportError:  # without the extension (numba or pandas backend only): the same bytes, slower
        return np.frombuffer(raw.tobytes().translate(table), dtype=np.uint8)
    return core_bars.translate(raw, np.frombuffer(table, dtype=np.uint8))


def _sign_of(code: Any) -> int:
    if isinstance(code, bytes):
        code = code.decode("ascii", "replace")
    return SIDE_CODES.get(code, int(_UNKNOWN_SIDE)) if isinstance(code, str) else int(_UNKNOWN_SIDE)


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
