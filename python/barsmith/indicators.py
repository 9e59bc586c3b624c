"""Technical indicators in two exact conventions: pandas and TA-Lib.

``convention="pandas"`` (the default) equals the pandas expression written in
each docstring, NaN handling included (``ewm`` carries its value over NaN and
re-weights after a gap; ``rolling`` needs ``min_periods`` observations).
``convention="talib"`` equals TA-Lib as shipped by the PyPI package
``ta-lib`` 0.8.2 (C library 0.8.1; TA-Lib's results changed between 0.7 and
0.8) on NaN-free input: same leading NaNs, values within 1e-10. Where TA-Lib
mishandles NaN (RSI stuck at 0.0, EMA and ATR stuck at NaN for ever after
one NaN), barsmith returns NaN at the NaN and warms the indicator up again
from the next valid value, as if the series started there.

Inputs: a Series, a 1-D array, or a 2-D array / DataFrame with one column
per symbol (columns run in parallel, the GIL released). The output has the
input's type, index and columns.
"""

from __future__ import annotations

from typing import Any, Callable, Literal

import numpy as np
import pandas as pd

from ._errors import InputError
from ._input import frozen
from ._registry import kernel

__all__ = ["atr", "ema", "macd", "natr", "obv", "roc", "rsi", "sma", "stoch", "true_range", "willr", "wma"]

Convention = Literal["pandas", "talib"]
CONVENTIONS = {"pandas": 0, "talib": 1}


def sma(x: Any, n: int = 20, *, backend: str | None = None) -> Any:
    """Simple moving average: ``x.rolling(n, min_periods=n).mean()``.

    The same in both conventions (TA-Lib's SMA agrees on NaN-free input;
    a window holding a NaN is NaN, after which the average recovers).

    Examples
    --------
    >>> barsmith.indicators.sma(close, 20)
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("sma", backend)(values, _period(n)))


def wma(x: Any, n: int = 20, *, backend: str | None = None) -> Any:
    """Linearly weighted moving average, the newest value weighted ``n``::

        sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)

    The same in both conventions (TA-Lib's ``WMA`` agrees on NaN-free input;
    a window holding a NaN is NaN).
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("wma", backend)(values, _period(n)))


def ema(x: Any, n: int = 20, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Exponential moving average.

    pandas: ``x.ewm(span=n, adjust=False, min_periods=n).mean()``.
    talib: the mean of the first ``n`` values, then ``ema = (x - ema) * 2 / (n + 1) + ema``.

    Examples
    --------
    >>> barsmith.indicators.ema(close, 12, convention="talib")
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("ema", backend)(values, _period(n), _convention(convention)))


def macd(x: Any, fast: int = 12, slow: int = 26, signal: int = 9, *, convention: Convention = "pandas",
         backend: str | None = None) -> tuple[Any, Any, Any]:  # fmt: skip
    """MACD ``(macd, signal, hist)``, each like the input.

    pandas::

        macd = (x.ewm(span=fast, adjust=False, min_periods=fast).mean()
                - x.ewm(span=slow, adjust=False, min_periods=slow).mean())
        signal = macd.ewm(span=signal, adjust=False, min_periods=signal).mean()
        hist = macd - signal

    talib: TA-Lib ``MACD``: both EMAs start at row ``slow - 1``, each seeded with
    the mean of its own period ending there (the fast EMA does not start at
    row 0), the signal likewise on the MACD; all three from row
    ``slow + signal - 2``. A NaN restarts the whole computation.
    """
    values, wrap = _series(x, "x")
    out = kernel("macd", backend)(values, _period(fast), _period(slow), _period(signal), _convention(convention))
    return tuple(wrap(np.ascontiguousarray(out[:, k, :])) for k in range(3))  # type: ignore[return-value]


def rsi(x: Any, n: int = 14, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Relative strength index, 0 to 100.

    pandas::

        d = x.diff()
        g = d.clip(lower=0).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        l = (-d).clip(lower=0).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        rsi = 100 - 100 / (1 + g / l)

    talib: Wilder averages of gains and losses seeded with the mean of the
    first ``n`` changes, ``100 * g / (g + l)`` (0 when ``g + l`` is 0).
    TA-Lib 0.8.2 outputs 0.0 for ever after one NaN; here the RSI is NaN
    until ``n`` new changes have been seen.

    Examples
    --------
    >>> barsmith.indicators.rsi(close, 14)
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("rsi", backend)(values, _period(n), _convention(convention)))


def true_range(high: Any, low: Any, close: Any, *, convention: Convention = "pandas",
               backend: str | None = None) -> Any:  # fmt: skip
    """True range: ``max(h - l, |h - c_prev|, |l - c_prev|)``.

    pandas: ``pd.concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()], axis=1).max(axis=1)``,
    NaN-skipping, so the first row is ``h - l``. talib: NaN in the first row.
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("true_range", backend)(h, lo, c, _convention(convention)))


def atr(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
        backend: str | None = None) -> Any:  # fmt: skip
    """Average true range.

    pandas: ``true_range(h, l, c).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()``.
    talib: the mean of the first ``n`` true ranges (from the second row), then
    ``atr = (atr * (n - 1) + tr) / n``.

    Examples
    --------
    >>> barsmith.indicators.atr(df["high"], df["low"], df["close"], 14)
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("atr", backend)(h, lo, c, _period(n), _convention(convention)))


def roc(x: Any, n: int = 10, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Rate of change in percent: ``(x / x.shift(n) - 1) * 100``.

    pandas: that expression (inf, or NaN for 0 / 0, where ``x.shift(n)`` is 0).
    talib: the same, but 0 where the old value is 0 (TA-Lib ``ROC``).
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("roc", backend)(values, _period(n), _convention(convention)))


def natr(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
         backend: str | None = None) -> Any:  # fmt: skip
    """Normalised average true range, in percent of the close: ``atr(h, l, c, n) / c * 100``
    (the ATR of the same convention); talib: 0 where the close is 0 (TA-Lib ``NATR``)."""
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("natr", backend)(h, lo, c, _period(n), _convention(convention)))


def willr(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
          backend: str | None = None) -> Any:  # fmt: skip
    """Williams %R, -100 to 0.

    ``hh = high.rolling(n).max(); ll = low.rolling(n).min()`` (NaN when the window holds a NaN);
    pandas: ``-100 * (hh - close) / (hh - ll)``; talib: ``(hh - close) / ((hh - ll) / -100)``,
    0 when ``hh == ll`` (TA-Lib ``WILLR``).
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("willr", backend)(h, lo, c, _period(n), _convention(convention)))


def stoch(high: Any, low: Any, close: Any, fastk: int = 5, slowk: int = 3, slowd: int = 3, *,
          convention: Convention = "pandas", backend: str | None = None) -> tuple[Any, Any]:  # fmt: skip
    """Slow stochastic oscillator ``(slow %K, slow %D)``, 0 to 100, each like the input.

    ``hh = high.rolling(fastk).max(); ll = low.rolling(fastk).min()``;
    pandas: ``fast_k = 100 * (close - ll) / (hh - ll)``, ``slow_k = fast_k.rolling(slowk).mean()``,
    ``slow_d = slow_k.rolling(slowd).mean()``. talib: TA-Lib ``STOCH`` with SMA smoothing:
    ``fast_k = (close - ll) / ((hh - ll) / 100)``, 0 when ``hh == ll``, and slow %K
    blank until slow %D starts.
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    out = kernel("stoch", backend)(h, lo, c, _period(fastk), _period(slowk), _period(slowd), _convention(convention))
    return wrap(np.ascontiguousarray(out[:, 0, :])), wrap(np.ascontiguousarray(out[:, 1, :]))


def obv(close: Any, volume: Any, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """On-balance volume.

    pandas: ``(np.sign(close.diff()) * volume).fillna(0).cumsum()`` (starts at 0).
    talib: starts at the first volume, adds the volume when the close rises and
    subtracts it when it falls (TA-Lib ``OBV``); a NaN close is NaN there and
    the next close is compared with the last valid one (TA-Lib stops moving).
    """
    (c, v), wrap = _aligned(close=close, volume=volume)
    return wrap(kernel("obv", backend)(c, v, _convention(convention)))


# ---------------------------------------------------------------- input


def _period(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"the period must be an integer >= 1, got {n!r}", column="n")
    return int(n)


def _convention(convention: str) -> int:
    if convention not in CONVENTIONS:
        raise InputError(f"must be 'pandas' or 'talib', got {convention!r}", column="convention")
    return CONVENTIONS[convention]


def _series(x: Any, name: str) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """(series, points) float64 C-contiguous values, and how to wrap a result like ``x``."""
    if isinstance(x, pd.Series):
        values = _floats(x.to_numpy(), name)[None, :]
        return frozen(values), lambda out: pd.Series(out[0], index=x.index, name=x.name)
    if isinstance(x, pd.DataFrame):
        values = np.ascontiguousarray(_floats(x.to_numpy(), name).T)  # often a view: pandas stores columns
        return frozen(values), lambda out: pd.DataFrame(out.T, index=x.index, columns=x.columns, copy=False)
    arr = np.asarray(x)
    if arr.ndim == 1:
        return frozen(_floats(arr, name)[None, :]), lambda out: out[0]
    if arr.ndim == 2:
        return frozen(np.ascontiguousarray(_floats(arr, name).T)), lambda out: out.T
    raise InputError(f"expected a Series, DataFrame, 1-D or 2-D array, got {arr.ndim}-D", column=name)


def _floats(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(f"expected numbers, got dtype {arr.dtype}", column=name) from None
    return np.ascontiguousarray(arr, dtype=np.float64)


def _aligned(**inputs: Any) -> tuple[list[np.ndarray], Callable[[np.ndarray], Any]]:
    arrays, wrap, shape = [], None, None
    for name, x in inputs.items():
        values, w = _series(x, name)
        if shape is not None and values.shape != shape:
            first = next(iter(inputs))
            raise InputError(f"length/shape {values.T.shape} differs from {first}'s {shape[::-1]}", column=name)
        shape = values.shape
        arrays.append(values)
        wrap = wrap or w
    return arrays, wrap
