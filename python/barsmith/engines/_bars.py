"""What every engine reads: bars checked one at a time or as a frame, and the events
engines emit. One place, so ``update`` and ``update_many`` refuse the same bars."""

from __future__ import annotations

from math import isfinite
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .._errors import InputError

BAR_FIELDS = ("open", "high", "low", "close", "volume")


class Bar(NamedTuple):
    """One bar as the engines read it: prices, volume and the bar's time (int64 ns UTC)."""

    open: float
    high: float
    low: float
    close: float
    volume: float
    ts: int


class Event(NamedTuple):
    """Something an engine saw on a bar (``docs/features.md`` defines each ``kind``).

    ``bar`` is the position of the bar that shows it (0-based, counted from the engine's
    first bar), ``ts`` its time; ``side`` 1 bullish / high, -1 bearish / low; ``level`` the
    price involved; ``ref`` the position of the bar it refers to (the swing, the gap's middle
    bar), -1 if none."""

    bar: int
    ts: int
    engine: str
    kind: str
    side: int
    level: float
    ref: int


def _ts_ns(ts: Any, row: int) -> int:
    """A bar's time as int64 ns UTC (a naive time is UTC); plain ints are ns already."""
    if isinstance(ts, pd.Timestamp) and ts is not pd.NaT:
        return int(ts.value)  # naive or aware, .value is ns since the epoch UTC
    if isinstance(ts, (int, np.integer)) and not isinstance(ts, bool):
        return int(ts)
    try:
        stamp = pd.Timestamp(ts)
    except (TypeError, ValueError):
        raise InputError(f"expected a time, got {ts!r}", column="ts", row=row) from None
    if stamp is pd.NaT:
        raise InputError("a bar needs its time, got NaT", column="ts", row=row)
    return int(stamp.value)


def check_bar(bar: Any, row: int, last_ts: int | None) -> Bar:
    """``bar`` (a mapping, Series, namedtuple or ``Bar`` with open, high, low, close, volume
    and ts) as a checked ``Bar``; ``row`` names it in errors, ``last_ts`` is the time of the
    bar before (None for the first). Plain Python on one bar: a live loop calls it per bar."""
    if type(bar) is Bar:
        values = [float(bar.open), float(bar.high), float(bar.low), float(bar.close), float(bar.volume)]
        ts = bar.ts
    else:
        get = bar.get if hasattr(bar, "get") else (lambda k, default=None: getattr(bar, k, default))
        values = []
        for name in BAR_FIELDS:
            v = get(name, None)
            if v is None:
                raise InputError(f"a bar needs {', '.join(BAR_FIELDS)} and ts; {name!r} is missing", column=name, row=row)
            try:
                values.append(float(v))
            except (TypeError, ValueError):
                raise InputError(f"expected a number, got {v!r}", column=name, row=row) from None
        ts = get("ts", None)
        if ts is None and isinstance(bar, pd.Series):
            ts = bar.name
        if ts is None:
            raise InputError("a bar needs its time: give it a 'ts' field", column="ts", row=row)
    checked = Bar(*values, _ts_ns(ts, row))
    _refuse_bar(checked, row, last_ts)
    return checked


def _refuse_bar(bar: Bar, row: int, last_ts: int | None) -> None:
    """The bars no engine reads: a non-finite or non-positive price, a negative or
    non-finite volume, high below low, a time not after the bar before. The one statement
    of these rules and their messages; frames find their first such bar and come here."""
    for name, price in zip(BAR_FIELDS[:4], bar[:4]):
        if not (isfinite(price) and price > 0):
            raise InputError(f"prices must be finite and positive, got {price!r}", column=name, row=row)
    if not (isfinite(bar.volume) and bar.volume >= 0):
        raise InputError(f"volume must be finite and >= 0, got {bar.volume!r}", column="volume", row=row)
    if bar.high < bar.low:
        raise InputError(f"high {bar.high!r} is below low {bar.low!r}", column="high", row=row)
    if last_ts is not None and bar.ts <= last_ts:
        raise InputError(f"bars must be in time order: {pd.Timestamp(bar.ts, tz='UTC')} is not after "
                         f"{pd.Timestamp(last_ts, tz='UTC')}; sort them first", column="ts", row=row)  # fmt: skip


def check_frame(frame: Any, first_row: int, last_ts: int | None) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """A frame of bars (columns open, high, low, close, volume; times in a DatetimeIndex or
    a ``ts`` column) as a (rows, 5) float64 array and int64 ns times, checked as
    :func:`check_bar` checks each; rows are named from ``first_row``."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a DataFrame of bars, got {type(frame).__name__}")
    missing = [c for c in BAR_FIELDS if c not in frame.columns]
    if missing:
        raise InputError(f"a bar frame needs columns {', '.join(BAR_FIELDS)}", column=missing[0])
    if "ts" in frame.columns:
        times = pd.DatetimeIndex(pd.to_datetime(frame["ts"], utc=True))
        index = times
    elif isinstance(frame.index, pd.DatetimeIndex):
        times = frame.index if frame.index.tz is not None else frame.index.tz_localize("UTC")
        index = frame.index
    else:
        raise InputError("bars need their times: a DatetimeIndex or a 'ts' column", column="ts")
    if times.hasnans:
        raise InputError("a bar needs its time, got NaT", column="ts", row=first_row + int(np.argmax(times.isna())))
    values = np.empty((len(frame), len(BAR_FIELDS)))
    for j, name in enumerate(BAR_FIELDS):
        try:
            values[:, j] = frame[name].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("expected numbers", column=name) from None
    ts = times.as_unit("ns").asi8.astype(np.int64)
    _refuse(values, ts, first_row, last_ts)
    return values, ts, index


def _refuse(values: np.ndarray, ts: np.ndarray, first_row: int, last_ts: int | None) -> None:
    """:func:`_refuse_bar` over a frame: the first row any of its rules refuses, vectorised."""
    prices, vol = values[:, :4], values[:, 4]
    with np.errstate(invalid="ignore"):
        bad = (~(np.isfinite(prices) & (prices > 0))).any(axis=1) | ~(np.isfinite(vol) & (vol >= 0))
        bad |= values[:, 1] < values[:, 2]
    previous = np.concatenate([[np.iinfo(np.int64).min if last_ts is None else last_ts], ts[:-1]])
    bad |= ts <= previous
    if bad.any():
        r = int(np.argmax(bad))
        before = last_ts if r == 0 else int(ts[r - 1])
        _refuse_bar(Bar(*values[r].tolist(), int(ts[r])), first_row + r, before)


def requested_backend(backend: str | None) -> str:
    """The backend asked for: ``backend``, or the active one when None; checked."""
    from .._registry import get_backend

    name = get_backend() if backend is None else backend
    if name not in ("rust", "numba", "pandas"):
        raise InputError(f"unknown backend {name!r}: choose 'rust', 'numba' or 'pandas'", column="backend")
    return name


def engine_backend(backend: str | None) -> str:
    """Where an engine's state runs bar by bar: "rust" (``barsmith._core``) or "pandas" (the
    readable Python oracle). ``None`` follows the active backend; Numba runs whole passes
    only (``replay``), so an engine object asked for "numba" runs Rust."""
    return "pandas" if requested_backend(backend) == "pandas" else "rust"


def refuse_one_at_a_time(*_: Any) -> Any:
    """What a Numba pass says to a second call or a single bar."""
    raise InputError("the Numba engines run one whole pass (replay(..., backend='numba')); read bars "
                     "one at a time, or in several calls, with backend='rust'", column="backend")  # fmt: skip
