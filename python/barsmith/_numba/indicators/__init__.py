"""Technical indicators in Numba, one file per group as ``rust/core/src/indicators/``;
read beside it and ``_pandas/indicators.py`` (the definitions).

Each kernel takes 2-D (series, points) arrays and runs the series in
parallel (``prange``); the per-series functions read like the math. The
per-series indicators without a kernel of their own share ``_per_series``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import parallel
from .averages import _ema, _sma, _wma, macd
from .momentum import _obv, _roc, _rsi
from .ranges import _atr, _natr, _true_range, _willr, stoch, window_high_low
from .directional import dmi
from .bands import bbands, cci, mfi, rolling_zscore
from .vwap import vwap

__all__ = [  # the kernels, in the registry's order
    "sma", "wma", "ema", "macd", "rsi", "roc", "obv", "true_range", "atr", "natr", "willr", "stoch",
    "dmi", "bbands", "rolling_zscore", "cci", "mfi", "vwap", "window_high_low",
]

SMA, EMA, RSI, TRUE_RANGE, ATR, ROC, NATR, WILLR, OBV, WMA = range(10)


@parallel
def _per_series(which, a, b, c, n, convention):
    """Run indicator ``which`` on each row (series) of ``a`` (and ``b``, ``c``), in parallel."""
    out = np.empty_like(a)
    for s in prange(a.shape[0]):
        if which == SMA:
            _sma(a[s], n, convention, out[s])
        elif which == WMA:
            _wma(a[s], n, convention, out[s])
        elif which == EMA:
            _ema(a[s], n, convention, out[s])
        elif which == RSI:
            _rsi(a[s], n, convention, out[s])
        elif which == ROC:
            _roc(a[s], n, convention, out[s])
        elif which == TRUE_RANGE:
            _true_range(a[s], b[s], c[s], convention, out[s])
        elif which == ATR:
            _atr(a[s], b[s], c[s], n, convention, out[s])
        elif which == NATR:
            _natr(a[s], b[s], c[s], n, convention, out[s])
        elif which == WILLR:
            _willr(a[s], b[s], c[s], n, convention, out[s])
        else:
            _obv(a[s], b[s], convention, out[s])
    return out


def sma(x, n, convention):
    return _per_series(SMA, x, x, x, n, convention)


def wma(x, n, convention):
    return _per_series(WMA, x, x, x, n, convention)


def ema(x, n, convention):
    return _per_series(EMA, x, x, x, n, convention)


def rsi(x, n, convention):
    return _per_series(RSI, x, x, x, n, convention)


def roc(x, n, convention):
    return _per_series(ROC, x, x, x, n, convention)


def obv(close, volume, convention):
    return _per_series(OBV, close, volume, close, 1, convention)


def true_range(high, low, close, convention):
    return _per_series(TRUE_RANGE, high, low, close, 1, convention)


def atr(high, low, close, n, convention):
    return _per_series(ATR, high, low, close, n, convention)


def natr(high, low, close, n, convention):
    return _per_series(NATR, high, low, close, n, convention)


def willr(high, low, close, n, convention):
    return _per_series(WILLR, high, low, close, n, convention)
