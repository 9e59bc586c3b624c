"""Technical indicators in two exact conventions: pandas and TA-Lib.

``convention="pandas"`` (the default) equals the pandas expression written in
each docstring, NaN handling included (``ewm`` carries its value over NaN and
re-weights after a gap; ``rolling`` needs ``min_periods`` observations; both
see +-inf as missing, as pandas converts it to NaN before its window loops).
``convention="talib"`` equals TA-Lib as shipped by the PyPI package
``ta-lib`` 0.8.2 (C library 0.8.1; TA-Lib's results changed between 0.7 and
0.8) on NaN-free input: same leading NaNs, the same values to the bit (on a
CPU without FMA the wheel's own EMA, ATR and MACD differ in the last bit, as it
then rounds twice where barsmith always rounds once). Where TA-Lib
mishandles NaN (RSI stuck at 0.0, EMA and ATR stuck at NaN for ever after
one NaN), barsmith returns NaN at the NaN and warms the indicator up again
from the next valid value, as if the series started there.

Inputs: a Series, a 1-D array, or a 2-D array / DataFrame with one column
per symbol (columns run in parallel, the GIL released). The output has the
input's type, index and columns.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from . import _stream as stream
from ._args import Convention, frozen
from ._args import bbands_params as _bbands_params
from ._args import convention_code as _convention
from ._args import non_negative_int
from ._args import period as _period
from ._args import wall_clock as _wall_clock, period_labels as _period_labels
from ._errors import InputError
from ._frames import accepts_frames
from ._input import floats, same_index, to_float
from ._output import output_series
from ._registry import kernel

__all__ = [
    "adx", "atr", "bbands", "cci", "dmi", "dx", "ema", "macd", "mfi", "minus_di", "natr", "obv", "plus_di", "roc",
    "rolling_zscore", "rsi", "sma", "stoch", "true_range", "vwap", "willr", "wma",
]  # fmt: skip



@accepts_frames
def sma(x: Any, n: int = 20, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Simple moving average, ``sum(x[i - n + 1 .. i]) / n``.

    pandas: ``x.rolling(n, min_periods=n).mean()`` (pandas' compensated running sum; a
    window holding a NaN is NaN, after which the average recovers).
    talib: TA-Lib ``SMA`` to the bit: a plain running sum,
    ``total += x; sma = total / n; total -= x[i - n + 1]``; a NaN restarts it.
    The two differ in the last bits (about 1e-13 relative on prices).

    Examples
    --------
    >>> barsmith.indicators.sma(close, 20)
    >>> barsmith.indicators.sma(close, 20, convention="talib")
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("sma", backend)(values, _period(n, values.shape[1]), _convention(convention)))


@accepts_frames
def wma(x: Any, n: int = 20, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Linearly weighted moving average, the newest value weighted ``n``.

    pandas (a window holding a NaN is NaN)::

        sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)

    talib: TA-Lib ``WMA`` to the bit: running sums of the window (``sub``) and of its
    weighted values (``sum``), ``sub += x - x_left; sum += n * x; wma = sum / (n * (n + 1) / 2);
    sum -= sub``, taken afresh from the window every ``8 * n`` rows as TA-Lib 0.8.1 does;
    a NaN restarts it. The two differ in the last bits (about 1e-14 relative).

    Examples
    --------
    >>> barsmith.indicators.wma(close, 10)
    >>> barsmith.indicators.wma(close, 10, convention="talib")
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("wma", backend)(values, _period(n, values.shape[1]), _convention(convention)))


@accepts_frames
def ema(x: Any, n: int = 20, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Exponential moving average.

    pandas: ``x.ewm(span=n, adjust=False, min_periods=n).mean()``.
    talib: the mean of the first ``n`` values, then ``ema = fma(x - ema, 2 / (n + 1), ema)``
    (TA-Lib 0.8.2's fused step, to the bit).

    Examples
    --------
    >>> barsmith.indicators.ema(close, 12, convention="talib")
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("ema", backend)(values, _period(n, values.shape[1]), _convention(convention)))


@accepts_frames
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
    points = values.shape[1]
    periods = _period(fast, points), _period(slow, points), _period(signal, points)
    out = kernel("macd", backend)(values, *periods, _convention(convention))
    return _unpack(out, wrap)  # type: ignore[return-value]


@accepts_frames
def rsi(x: Any, n: int = 14, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Relative strength index, 0 to 100.

    pandas::

        d = x.diff()
        g = d.clip(lower=0).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        l = (-d).clip(lower=0).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        rsi = 100 - 100 / (1 + g / l)

    talib: Wilder averages of gains and losses seeded with the mean of the
    first ``n`` changes, ``avg = (avg * (n - 1) + change) * (1 / n)`` (TA-Lib 0.8.2
    multiplies by the reciprocal, to the bit), ``100 * g / (g + l)`` (0 when ``g + l`` is 0:
no band, so an instrument quoted at 1e-9 still has an RSI).
    TA-Lib 0.8.2 outputs 0.0 for ever after one NaN; here the RSI is NaN
    until ``n`` new changes have been seen.

    Examples
    --------
    >>> barsmith.indicators.rsi(close, 14)
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("rsi", backend)(values, _period(n, values.shape[1]), _convention(convention)))


@accepts_frames
def true_range(high: Any, low: Any, close: Any, *, convention: Convention = "pandas",
               backend: str | None = None) -> Any:  # fmt: skip
    """True range: ``max(h - l, |h - c_prev|, |l - c_prev|)``.

    pandas: ``pd.concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()], axis=1).max(axis=1)``,
    NaN-skipping, so the first row is ``h - l``. talib: NaN in the first row.
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("true_range", backend)(h, lo, c, _convention(convention)))


@accepts_frames
def atr(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
        backend: str | None = None) -> Any:  # fmt: skip
    """Average true range.

    pandas: ``true_range(h, l, c).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()``.
    talib: the mean of the first ``n`` true ranges (from the second row), then
    ``atr = fma(atr, k, tr * (1 - k))`` with ``k = (n - 1) / n``: TA-Lib 0.8.2's fused
    step, to the bit.

    Examples
    --------
    >>> barsmith.indicators.atr(df["high"], df["low"], df["close"], 14)
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("atr", backend)(h, lo, c, _period(n, h.shape[1]), _convention(convention)))


@accepts_frames
def roc(x: Any, n: int = 10, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """Rate of change in percent: ``(x / x.shift(n) - 1) * 100``.

    pandas: that expression (inf, or NaN for 0 / 0, where ``x.shift(n)`` is 0).
    talib: the same, but 0 where the old value is 0 (TA-Lib ``ROC``).
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("roc", backend)(values, _period(n, values.shape[1]), _convention(convention)))


@accepts_frames
def natr(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
         backend: str | None = None) -> Any:  # fmt: skip
    """Normalised average true range, in percent of the close: ``atr(h, l, c, n) / c * 100``
    (the ATR of the same convention); talib: 0 where the close is 0 (TA-Lib ``NATR``)."""
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("natr", backend)(h, lo, c, _period(n, h.shape[1]), _convention(convention)))


@accepts_frames
def willr(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
          backend: str | None = None) -> Any:  # fmt: skip
    """Williams %R, -100 to 0.

    ``hh = high.rolling(n).max(); ll = low.rolling(n).min()`` (NaN when the window holds a NaN);
    pandas: ``-100 * (hh - close) / (hh - ll)``; talib: ``((hh - close) / (hh - ll)) * -100``
    clipped to [-100, 0], 0 where the window is flat: ``|hh - ll| <= 1e-14 * (|hh| + |ll|)``
    (TA-Lib 0.8.1 ``WILLR``; the band is relative, so it holds at any price scale).
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("willr", backend)(h, lo, c, _period(n, h.shape[1]), _convention(convention)))


@accepts_frames
def stoch(high: Any, low: Any, close: Any, fastk: int = 5, slowk: int = 3, slowd: int = 3, *,
          convention: Convention = "pandas", backend: str | None = None) -> tuple[Any, Any]:  # fmt: skip
    """Slow stochastic oscillator ``(slow %K, slow %D)``, 0 to 100, each like the input.

    ``hh = high.rolling(fastk).max(); ll = low.rolling(fastk).min()``;
    pandas: ``fast_k = 100 * (close - ll) / (hh - ll)``, ``slow_k = fast_k.rolling(slowk).mean()``,
    ``slow_d = slow_k.rolling(slowd).mean()``. talib: TA-Lib ``STOCH`` with SMA smoothing:
    ``fast_k = ((close - ll) / (hh - ll)) * 100``, 0 where the window is flat (as ``willr``),
    smoothed by TA-Lib's running-sum SMA, and slow %K blank until slow %D starts.
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    periods = _period(fastk, h.shape[1]), _period(slowk, h.shape[1]), _period(slowd, h.shape[1])
    out = kernel("stoch", backend)(h, lo, c, *periods, _convention(convention))
    return _unpack(out, wrap)  # type: ignore[return-value]


@accepts_frames
def obv(close: Any, volume: Any, *, convention: Convention = "pandas", backend: str | None = None) -> Any:
    """On-balance volume.

    pandas: ``(np.sign(close.diff()) * volume).fillna(0).cumsum()`` (starts at 0).
    talib: starts at the first volume, adds the volume when the close rises and
    subtracts it when it falls (TA-Lib ``OBV``); a row with a NaN close or volume
    is NaN there and the next close is compared with the last valid one (TA-Lib
    stops moving).
    """
    (c, v), wrap = _aligned(close=close, volume=volume)
    return wrap(kernel("obv", backend)(c, v, _convention(convention)))


@accepts_frames
def dmi(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
        backend: str | None = None) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    """Directional movement ``(adx, plus_di, minus_di, dx)``, each like the input, 0 to 100.

    ``up = high.diff()``, ``down = -low.diff()``; ``+DM = up`` where ``up > down`` and
    ``up > 0`` (else 0), ``-DM = down`` where ``down > up`` and ``down > 0``.

    pandas::

        plus_dm = up.where((up > down) & (up > 0), 0.0)
        minus_dm = down.where((down > up) & (down > 0), 0.0)
        wilder = lambda s: s.ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        atr = wilder(true_range(high, low, close))
        plus_di = 100 * wilder(plus_dm) / atr
        minus_di = 100 * wilder(minus_dm) / atr
        dx = 100 * (plus_di - minus_di).abs() / (plus_di + minus_di)
        adx = wilder(dx)

    talib: TA-Lib ``ADX``, ``PLUS_DI``, ``MINUS_DI``, ``DX``: Wilder *sums*
    ``s = s - s / n + v`` seeded with the sum of the first ``n - 1`` values; the DIs
    and DX from row ``n``, ADX from row ``2n - 1`` (the mean of the first ``n`` DX,
    then ``(adx * (n - 1) + dx) / n``). A NaN restarts the warm-up. For ``n = 1``
    TA-Lib's ``PLUS_DI``/``MINUS_DI`` drop the factor 100 (a defect); barsmith keeps it.

    Examples
    --------
    >>> adx, plus_di, minus_di, dx = barsmith.indicators.dmi(df["high"], df["low"], df["close"], 14)
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return _unpack(kernel("dmi", backend)(h, lo, c, _period(n, h.shape[1]), _convention(convention)), wrap)  # type: ignore[return-value]


@accepts_frames
def adx(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
        backend: str | None = None) -> Any:  # fmt: skip
    """Average directional index: the first output of :func:`dmi` (formulas there)."""
    return dmi(high, low, close, n, convention=convention, backend=backend)[0]


@accepts_frames
def plus_di(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
            backend: str | None = None) -> Any:  # fmt: skip
    """Plus directional indicator +DI: the second output of :func:`dmi`."""
    return dmi(high, low, close, n, convention=convention, backend=backend)[1]


@accepts_frames
def minus_di(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
             backend: str | None = None) -> Any:  # fmt: skip
    """Minus directional indicator -DI: the third output of :func:`dmi`."""
    return dmi(high, low, close, n, convention=convention, backend=backend)[2]


@accepts_frames
def dx(high: Any, low: Any, close: Any, n: int = 14, *, convention: Convention = "pandas",
       backend: str | None = None) -> Any:  # fmt: skip
    """Directional movement index DX: the fourth output of :func:`dmi`
    (talib: where DX is undefined, TA-Lib repeats the previous value)."""
    return dmi(high, low, close, n, convention=convention, backend=backend)[3]


@accepts_frames
def bbands(x: Any, n: int = 20, nbdev_up: float = 2.0, nbdev_dn: float = 2.0, *, ddof: int = 0,
           convention: Convention = "pandas", backend: str | None = None) -> tuple[Any, Any, Any]:  # fmt: skip
    """Bollinger bands ``(upper, middle, lower)``, each like the input.

    pandas::

        mid = x.rolling(n, min_periods=n).mean()
        sd = x.rolling(n, min_periods=n).std(ddof=ddof)      # ddof=0: the population sd, as Bollinger
        upper, lower = mid + nbdev_up * sd, mid - nbdev_dn * sd

    talib: TA-Lib 0.8.1 ``BBANDS`` with its default SMA, to the bit: ``mid`` a running sum,
    ``sd = sqrt(mean(d ** 2) - mean(d) ** 2)`` with ``d = x - shift`` from running sums that
    TA-Lib re-anchors at the window's mean every ``32 * n`` windows and on cancellation (0
    when the spread is below the mean's rounding); ``ddof`` must be 0.

    Examples
    --------
    >>> upper, middle, lower = barsmith.indicators.bbands(close, 20, 2.0, 2.0)
    """
    values, wrap = _series(x, "x")
    n, up, dn, ddof, conv = _bbands_params(n, nbdev_up, nbdev_dn, ddof, convention, values.shape[1])
    return _unpack(kernel("bbands", backend)(values, n, up, dn, ddof, conv), wrap)  # type: ignore[return-value]


@accepts_frames
def rolling_zscore(x: Any, n: int = 20, *, ddof: int = 1, backend: str | None = None) -> Any:
    """Rolling z-score of the last value in its window::

        (x - x.rolling(n, min_periods=n).mean()) / x.rolling(n, min_periods=n).std(ddof=ddof)

    (``ddof=1``, pandas' default; 0 gives the population sd). A constant window gives
    ``0 / 0`` = NaN. TA-Lib has no such function: one convention.
    """
    values, wrap = _series(x, "x")
    return wrap(kernel("rolling_zscore", backend)(values, _period(n, values.shape[1]), non_negative_int(ddof, "ddof")))


@accepts_frames
def cci(high: Any, low: Any, close: Any, n: int = 20, *, convention: Convention = "pandas",
        backend: str | None = None) -> Any:  # fmt: skip
    """Commodity channel index, with the typical price ``tp = (high + low + close) / 3``.

    pandas::

        ma = tp.rolling(n, min_periods=n).mean()
        md = sum((tp.shift(k) - ma).abs() for k in range(n)) / n     # mean absolute deviation
        cci = (tp - ma) / (0.015 * md)

    talib: TA-Lib ``CCI`` (its sums taken in its circular buffer's order), 0 where
    ``tp - mean`` or the mean deviation is within ``1e-14 * |mean|`` of 0 (a flat window at
    any price scale). A NaN restarts the warm-up.
    """
    (h, lo, c), wrap = _aligned(high=high, low=low, close=close)
    return wrap(kernel("cci", backend)(h, lo, c, _period(n, h.shape[1]), _convention(convention)))


@accepts_frames
def mfi(high: Any, low: Any, close: Any, volume: Any, n: int = 14, *, convention: Convention = "pandas",
        backend: str | None = None) -> Any:  # fmt: skip
    """Money flow index, 0 to 100, with ``tp = (high + low + close) / 3``.

    pandas::

        d, flow = tp.diff(), tp * volume
        pos = flow.where(d > 0, 0.0).rolling(n, min_periods=n).sum()
        neg = flow.where(d < 0, 0.0).rolling(n, min_periods=n).sum()
        mfi = 100 * pos / (pos + neg)

    talib: TA-Lib ``MFI``: running sums of the last ``n`` flows from row ``n`` (a change
    of ``tp`` within ``1e-14 * (|tp| + |tp_prev|)`` counts as none; after ``n`` rows in a row
    without flow both sums restart from 0), ``100 * pos / (pos + neg)`` with ``pos`` clamped
    into ``[0, pos + neg]``, 0 when ``pos + neg`` is not above 0. A NaN restarts the warm-up.
    """
    (h, lo, c, v), wrap = _aligned(high=high, low=low, close=close, volume=volume)
    return wrap(kernel("mfi", backend)(h, lo, c, v, _period(n, h.shape[1]), _convention(convention)))


@accepts_frames
def vwap(price: Any, volume: Any, *, anchor: Any = "1D", window: int | None = None, ts: Any = None,
         backend: str | None = None) -> Any:  # fmt: skip
    """Volume-weighted average price of ``price`` (pass ``(high + low + close) / 3`` for the
    typical-price VWAP), anchored or rolling.

    Anchored (the default, ``anchor="1D"``): cumulative within each calendar period,
    read from the input's DatetimeIndex (or ``ts=``), in its own time zone::

        key = price.index.floor(anchor)          # or .to_period(anchor) for "W", "M", ...
        (price * volume).groupby(key).cumsum() / volume.groupby(key).cumsum()

    ``anchor=None``: one period (cumulative from the first row). ``window=n``: rolling,
    ``(price * volume).rolling(n, min_periods=n).sum() / volume.rolling(n, min_periods=n).sum()``.
    A row whose price or volume is NaN is NaN and does not count.

    Examples
    --------
    >>> barsmith.indicators.vwap((bars.high + bars.low + bars.close) / 3, bars.volume, anchor="1D")
    """
    (p, v), wrap = _aligned(price=price, volume=volume)
    if window is not None:
        period = np.empty(0, dtype=np.int64)
        n = _period(window, p.shape[1])
    else:
        source = ts if ts is not None else (price if isinstance(price, (pd.Series, pd.DataFrame)) else None)
        period, n = _anchor_periods(source, anchor, p.shape[1]), 0
    p, v = (frozen(np.ascontiguousarray(a)) for a in (p, v))  # per-point labels: series by series
    return wrap(kernel("vwap", backend)(p, v, frozen(period), n))


def _anchor_periods(source: Any, anchor: Any, n_points: int) -> np.ndarray:
    """One int64 label per point: the calendar period (in the timestamps' own time zone) holding it."""
    if anchor is None:
        return np.empty(0, dtype=np.int64)
    return _period_labels(_wall_clock(source, n_points), anchor)


def _unpack(out: np.ndarray, wrap: Callable[[np.ndarray], Any]) -> tuple[Any, ...]:
    """A (series, k, points) kernel result as k results shaped like the input."""
    return tuple(wrap(_contiguous(out[:, k, :])) for k in range(out.shape[1]))


# ---------------------------------------------------------------- input


def _series(x: Any, name: str) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """(series, points) float64 values, C- or F-contiguous, and how to wrap a result like ``x``.

    A (points x symbols) array or DataFrame is passed as its transpose, a view: C-contiguous
    when the data is stored column by column, F-contiguous (a row-major panel) otherwise, which
    the rust backend walks row by row. Neither layout is copied."""
    if isinstance(x, pd.Series):
        values = to_float(x, name)[None, :]
        return frozen(values), lambda out: output_series(out[0], x.index, x.name)
    if isinstance(x, pd.DataFrame):
        values = _contiguous(floats(x.to_numpy(), name).T)
        return frozen(values), lambda out: pd.DataFrame(out.T, index=x.index, columns=x.columns, copy=False)
    arr = np.asarray(x)
    if arr.ndim == 1:
        return frozen(to_float(arr, name)[None, :]), lambda out: out[0]
    if arr.ndim == 2:
        return frozen(_contiguous(floats(arr, name).T)), lambda out: out.T
    raise InputError(f"expected a Series, DataFrame, 1-D or 2-D array, got {arr.ndim}-D", column=name)


def _contiguous(values: np.ndarray) -> np.ndarray:
    """``values`` if C- or F-contiguous, else a C-contiguous copy."""
    if values.flags.c_contiguous or values.flags.f_contiguous:
        return values
    return np.ascontiguousarray(values)


def _aligned(**inputs: Any) -> tuple[list[np.ndarray], Callable[[np.ndarray], Any]]:
    """The inputs as (series, points) arrays of one shape and layout, and how to wrap a result
    like the first; pandas inputs must share its index (:func:`same_index`)."""
    arrays, wrap, shape = [], None, None
    for name, x in inputs.items():
        values, w = _series(x, name)
        if shape is not None and values.shape != shape:
            first = next(iter(inputs))
            raise InputError(f"length/shape {values.T.shape} differs from {first}'s {shape[::-1]}", column=name)
        shape = values.shape
        arrays.append(values)
        wrap = wrap or w
    same_index(inputs)
    if not (all(a.flags.c_contiguous for a in arrays) or all(a.flags.f_contiguous for a in arrays)):
        arrays = [frozen(np.ascontiguousarray(a)) for a in arrays]  # one layout for all inputs
    return arrays, wrap

