"""What every front checks of its arguments, in one leaf module (it imports no other
module of the package but the errors): integer and number parameters, the indicator
conventions, calendar period labels, and :func:`frozen`, the read-only view every
array handed to a kernel is."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._errors import InputError

Convention = Literal["pandas", "talib"]
CONVENTIONS = {"pandas": 0, "talib": 1}


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


def positive_int(n: Any, name: str, what: str | None = None) -> int:
    """``n`` as an int, refused unless an integer >= 1 (``what`` names it in the message)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"the {what or name.replace('_', ' ')} must be an integer >= 1, got {n!r}", column=name)
    return int(n)


def non_negative_int(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"must be an integer >= 0, got {n!r}", column=name)
    return int(n)


def period(n: Any, points: int | None = None) -> int:
    """An indicator's period, checked (an integer >= 1), and at most ``points + 1`` for a series
    of that many points: a window longer than the series never fills, so its outputs are NaN
    whatever its length, and no backend then sizes anything by a period of 2**40."""
    n = positive_int(n, "n", "period")
    return n if points is None else min(n, points + 1)


def finite(value: Any, name: str) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a number, got {value!r}", column=name) from None
    if not np.isfinite(f):
        raise InputError(f"must be finite, got {value!r}", column=name)
    return f


def positive_float(x: Any, name: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise InputError(f"must be a number > 0, got {x!r}", column=name) from None
    if not (value > 0 and np.isfinite(value)):
        raise InputError(f"must be a finite number > 0, got {x!r}", column=name)
    return value


def convention_code(name: str) -> int:
    if name not in CONVENTIONS:
        raise InputError(f"must be 'pandas' or 'talib', got {name!r}", column="convention")
    return CONVENTIONS[name]


def bbands_params(n: Any, nbdev_up: Any, nbdev_dn: Any, ddof: Any, convention: str,
                   points: int | None = None) -> tuple[int, float, float, int, int]:  # fmt: skip
    conv, ddof = convention_code(convention), non_negative_int(ddof, "ddof")
    if conv == CONVENTIONS["talib"] and ddof != 0:
        raise InputError("TA-Lib's BBANDS uses the population sd: ddof must be 0 with convention='talib'",
                         column="ddof")  # fmt: skip
    return period(n, points), finite(nbdev_up, "nbdev_up"), finite(nbdev_dn, "nbdev_dn"), ddof, conv


def wall_clock(source: Any, n_points: int) -> pd.DatetimeIndex:
    """The timestamps of ``source`` (a pandas object's DatetimeIndex, or datetime64 / int64 ns
    values) as naive ns wall-clock times in their own time zone, checked present and sorted."""
    needs = ("an anchored VWAP needs timestamps: pass a Series/DataFrame with a DatetimeIndex, "
             "or ts= (datetime64 or int64 ns), or anchor=None / window=n")  # fmt: skip
    if isinstance(source, (pd.Series, pd.DataFrame)):
        if not isinstance(source.index, pd.DatetimeIndex):
            raise InputError(needs, column="ts")
        index = source.index
    elif source is None:
        raise InputError(needs, column="ts")
    else:
        try:
            index = pd.DatetimeIndex(np.atleast_1d(np.asarray(source)))
        except (TypeError, ValueError):
            raise InputError(needs, column="ts") from None
    if len(index) != n_points:
        raise InputError(f"{len(index)} timestamps for {n_points} points", column="ts")
    if index.hasnans:
        raise InputError("missing timestamp (NaT)", column="ts", row=int(np.flatnonzero(index.isna())[0]))
    wall = (index.tz_localize(None) if index.tz is not None else index).as_unit("ns")  # local calendar periods
    back = np.flatnonzero(np.diff(wall.asi8) < 0)
    if len(back):
        raise InputError("timestamps must be sorted ascending; sort the input first", column="ts", row=int(back[0]) + 1)
    return wall


def period_labels(wall: pd.DatetimeIndex, anchor: Any) -> np.ndarray:
    try:
        return (wall.asi8 // pd.Timedelta(anchor).value).astype(np.int64)
    except (TypeError, ValueError):
        pass
    try:
        with warnings.catch_warnings():  # the wall-clock index has no time zone left to drop
            warnings.simplefilter("ignore", UserWarning)
            return np.asarray(wall.to_period(anchor).asi8, dtype=np.int64)
    except (TypeError, ValueError):
        raise InputError(f"{anchor!r} is not a pandas frequency (e.g. '1D', '4h', 'W', 'M')", column="anchor") from None
