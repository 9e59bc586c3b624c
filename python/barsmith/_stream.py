"""Streaming indicators: ``barsmith.indicators.stream``.

Each class is an indicator fed row by row, for backtests and live systems::

    rsi = barsmith.indicators.stream.Rsi(14)
    for price in feed:
        value = rsi.update(price)           # one row: a float
    values = rsi.update_many(prices)        # many rows: an array (a Series for a Series)

A stream runs the very state that the Rust batch kernel loops over, so its
outputs equal ``barsmith.indicators.rsi(all_prices, 14, backend="rust")`` value
for value, however the rows are split into ``update`` and ``update_many``
calls (and every other backend's batch output within the parity tolerance).
Parameters and conventions are those of the batch function of the same name.
Streams need the Rust extension (``barsmith._core``); there is no fallback.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._frames import accepts_frames
from ._errors import BackendUnavailableError, InputError
from ._input import same_index, to_float
from ._output import output_series
from ._args import Convention, bbands_params, convention_code, non_negative_int, period, period_labels, wall_clock

__all__ = [
    "Adx", "Atr", "Bbands", "Cci", "Dmi", "Ema", "Macd", "Mfi", "Natr", "Obv", "Roc", "RollingZscore", "Rsi", "Sma",
    "Stoch", "TrueRange", "Vwap", "Willr", "Wma",
]  # fmt: skip


class _Stream:
    """An indicator state in Rust, fed rows of ``inputs`` and returning ``outputs``."""

    inputs: tuple[str, ...] = ("x",)
    outputs: tuple[str, ...] = ("value",)
    _kernel: str

    def __init__(self, periods: tuple[int, ...] = (), params: tuple[float, ...] = (), convention: int = 0):
        self._args = (self._kernel, list(periods), list(params), convention)
        self.reset()

    def reset(self) -> None:
        """Forget every row seen: the next row is the first."""
        try:
            from ._core import indicators as core
        except ImportError as e:
            raise BackendUnavailableError(
                f"indicator streams run in the Rust extension, which cannot load ({e}); reinstall with `pip install .`"
            ) from e
        self._state = core.IndicatorStream(*self._args)

    def update(self, *row: float) -> Any:
        """One row (one number per input, in the order of ``inputs``): its output, or a
        tuple of outputs in the order of ``outputs``."""
        if len(row) != len(self.inputs):
            raise InputError(f"expected {len(self.inputs)} inputs {self.inputs}, got {len(row)}")
        values = []
        for name, v in zip(self.inputs, row):
            try:
                values.append(float(v))
            except (TypeError, ValueError):
                raise InputError(f"expected a number, got {v!r}", column=name) from None
        out = self._state.update(values)
        return out[0] if len(out) == 1 else tuple(out)

    @accepts_frames
    def update_many(self, *columns: Any) -> Any:
        """Many rows (one array or Series per input): an array per output, like the input
        (a Series keeps its index), or a tuple of them in the order of ``outputs``."""
        arrays = self._columns(columns)
        out = self._state.update_many(arrays)
        return self._wrap(out, columns)

    def _columns(self, columns: tuple[Any, ...]) -> list[np.ndarray]:
        if len(columns) != len(self.inputs):
            raise InputError(f"expected {len(self.inputs)} inputs {self.inputs}, got {len(columns)}")
        arrays = []
        for name, c in zip(self.inputs, columns):
            # the shape first: converting makes a scalar a one-row array, which update() is for
            if np.ndim(c) != 1:
                raise InputError(f"expected a 1-D array or Series, got {np.ndim(c)}-D", column=name)
            arrays.append(to_float(c, name))
        if len({len(a) for a in arrays}) > 1:
            raise InputError(f"inputs {self.inputs} have different lengths {[len(a) for a in arrays]}")
        same_index(dict(zip(self.inputs, columns)))
        return arrays

    def _wrap(self, out: np.ndarray, columns: tuple[Any, ...]) -> Any:
        first = columns[0]
        if isinstance(first, pd.Series):
            results = [output_series(o, first.index, name) for o, name in zip(out, self.outputs)]
        else:
            results = list(out)
        return results[0] if len(results) == 1 else tuple(results)

    def __repr__(self) -> str:
        _, periods, params, convention = self._args
        conv = "pandas" if convention == 0 else "talib"
        return f"{type(self).__name__}(periods={periods}, params={params}, convention={conv!r})"


class _Hlc(_Stream):
    inputs = ("high", "low", "close")


class Sma(_Stream):
    """``sma`` row by row: ``Sma(n, convention=...).update(x)``."""

    _kernel = "sma"

    def __init__(self, n: int = 20, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class Wma(_Stream):
    """``wma`` row by row: ``Wma(n, convention=...).update(x)``."""

    _kernel = "wma"

    def __init__(self, n: int = 20, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class Ema(_Stream):
    """``ema`` row by row: ``Ema(n, convention=...).update(x)``."""

    _kernel = "ema"

    def __init__(self, n: int = 20, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class Rsi(_Stream):
    """``rsi`` row by row: ``Rsi(n, convention=...).update(x)``."""

    _kernel = "rsi"

    def __init__(self, n: int = 14, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class Roc(_Stream):
    """``roc`` row by row: ``Roc(n, convention=...).update(x)``."""

    _kernel = "roc"

    def __init__(self, n: int = 10, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class RollingZscore(_Stream):
    """``rolling_zscore`` row by row: ``RollingZscore(n, ddof=1).update(x)``."""

    _kernel = "rolling_zscore"

    def __init__(self, n: int = 20, *, ddof: int = 1):
        super().__init__((period(n), non_negative_int(ddof, "ddof")))


class Macd(_Stream):
    """``macd`` row by row: ``Macd(fast, slow, signal).update(x)`` -> ``(macd, signal, hist)``."""

    _kernel = "macd"
    outputs = ("macd", "signal", "hist")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9, *, convention: Convention = "pandas"):
        super().__init__((period(fast), period(slow), period(signal)), (), convention_code(convention))


class Bbands(_Stream):
    """``bbands`` row by row: ``Bbands(n, nbdev_up, nbdev_dn).update(x)`` -> ``(upper, middle, lower)``."""

    _kernel = "bbands"
    outputs = ("upper", "middle", "lower")

    def __init__(self, n: int = 20, nbdev_up: float = 2.0, nbdev_dn: float = 2.0, *, ddof: int = 0,
                 convention: Convention = "pandas"):  # fmt: skip
        n, up, dn, ddof, conv = bbands_params(n, nbdev_up, nbdev_dn, ddof, convention)
        super().__init__((n, ddof), (up, dn), conv)


class TrueRange(_Hlc):
    """``true_range`` row by row: ``TrueRange().update(high, low, close)``."""

    _kernel = "true_range"

    def __init__(self, *, convention: Convention = "pandas"):
        super().__init__((), (), convention_code(convention))


class Atr(_Hlc):
    """``atr`` row by row: ``Atr(n).update(high, low, close)``."""

    _kernel = "atr"

    def __init__(self, n: int = 14, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class Natr(Atr):
    """``natr`` row by row: ``Natr(n).update(high, low, close)``."""

    _kernel = "natr"


class Willr(Atr):
    """``willr`` row by row: ``Willr(n).update(high, low, close)``."""

    _kernel = "willr"


class Cci(Atr):
    """``cci`` row by row: ``Cci(n).update(high, low, close)``."""

    _kernel = "cci"

    def __init__(self, n: int = 20, *, convention: Convention = "pandas"):
        super().__init__(n, convention=convention)


class Dmi(Atr):
    """``dmi`` row by row: ``Dmi(n).update(high, low, close)`` -> ``(adx, plus_di, minus_di, dx)``."""

    _kernel = "dmi"
    outputs = ("adx", "plus_di", "minus_di", "dx")


class Adx(Dmi):
    """``adx`` row by row: ``Adx(n).update(high, low, close)`` -> the ADX alone."""

    def update(self, *row: float) -> Any:
        return super().update(*row)[0]

    @accepts_frames
    def update_many(self, *columns: Any) -> Any:
        return super().update_many(*columns)[0]


class Stoch(_Hlc):
    """``stoch`` row by row: ``Stoch(fastk, slowk, slowd).update(high, low, close)`` -> ``(slow_k, slow_d)``."""

    _kernel = "stoch"
    outputs = ("slow_k", "slow_d")

    def __init__(self, fastk: int = 5, slowk: int = 3, slowd: int = 3, *, convention: Convention = "pandas"):
        super().__init__((period(fastk), period(slowk), period(slowd)), (), convention_code(convention))


class Obv(_Stream):
    """``obv`` row by row: ``Obv().update(close, volume)``."""

    _kernel = "obv"
    inputs = ("close", "volume")

    def __init__(self, *, convention: Convention = "pandas"):
        super().__init__((), (), convention_code(convention))


class Mfi(_Stream):
    """``mfi`` row by row: ``Mfi(n).update(high, low, close, volume)``."""

    _kernel = "mfi"
    inputs = ("high", "low", "close", "volume")

    def __init__(self, n: int = 14, *, convention: Convention = "pandas"):
        super().__init__((period(n),), (), convention_code(convention))


class Vwap(_Stream):
    """``vwap`` row by row: ``Vwap(anchor="1D").update(price, volume, ts)``, or
    ``Vwap(window=n).update(price, volume)``; ``update_many(price, volume, ts=None)``
    (a Series' DatetimeIndex serves as ``ts``). Timestamps must not go backwards,
    within a call or across calls."""

    _kernel = "vwap"
    inputs = ("price", "volume")

    def __init__(self, *, anchor: Any = "1D", window: int | None = None):
        self._anchor = None if window is not None else anchor
        self._last: tuple[int, int] | None = None  # (wall-clock ns, period label) of the last row
        super().__init__((period(window) if window is not None else 0,))

    def reset(self) -> None:
        super().reset()
        self._last = None

    def update(self, price: float, volume: float, ts: Any = None) -> float:  # type: ignore[override]
        return self.update_many(np.array([price], dtype=np.float64), np.array([volume], dtype=np.float64),
                                ts=None if ts is None else [pd.Timestamp(ts)])[0]  # fmt: skip

    @accepts_frames
    def update_many(self, price: Any, volume: Any, ts: Any = None) -> Any:  # type: ignore[override]
        arrays = self._columns((price, volume))
        new_period = np.zeros(len(arrays[0]))
        if self._anchor is not None and len(arrays[0]):
            source = ts if ts is not None else (price if isinstance(price, pd.Series) else None)
            wall = wall_clock(source, len(arrays[0]))
            labels = period_labels(wall, self._anchor)
            if self._last is not None and wall.asi8[0] < self._last[0]:
                raise InputError("timestamps went backwards since the last update", column="ts", row=0)
            previous = np.concatenate([[self._last[1] if self._last else labels[0]], labels[:-1]])
            new_period = (labels != previous).astype(np.float64)
            self._last = (int(wall.asi8[-1]), int(labels[-1]))
        out = self._state.update_many([*arrays, new_period])
        return self._wrap(out, (price,))
