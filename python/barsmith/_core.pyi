"""Type stubs for the Rust extension ``barsmith._core`` (kernels; no validation)."""

from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str

_BarArrays = tuple[
    npt.NDArray[np.int64],  # bad_rows: the scan result, as scan_trades
    npt.NDArray[np.int64],  # start
    npt.NDArray[np.float64],  # open
    npt.NDArray[np.float64],  # high
    npt.NDArray[np.float64],  # low
    npt.NDArray[np.float64],  # close
    npt.NDArray[np.float64],  # volume
    npt.NDArray[np.float64],  # vwap
    npt.NDArray[np.int64],  # n_trades
    npt.NDArray[np.float64],  # buy_volume
    npt.NDArray[np.float64],  # sell_volume
    npt.NDArray[np.int64],  # ts_first
    npt.NDArray[np.int64],  # ts_last
]

_Codes = npt.NDArray[np.uint8]
_Table = npt.NDArray[np.uint8]  # 256 bytes: the code each byte maps to

class _Inputs(ModuleType):
    """Code columns read in the layout the user holds; rows that are not a one-character
    code (nulls, empty or longer strings) map to ``missing``."""

    def translate(self, codes: npt.NDArray[np.uint8], table: _Table) -> _Codes: ...
    def string_codes(
        self,
        offsets: npt.NDArray[np.int32] | npt.NDArray[np.int64],
        data: npt.NDArray[np.uint8],
        validity: npt.NDArray[np.uint8] | None,
        validity_offset: int,
        table: _Table,
        missing: int,
    ) -> _Codes:
        """An Arrow string / large_string array: ``offsets`` (n + 1, sliced to the array)."""
    def view_codes(
        self, views: npt.NDArray[np.uint8], validity: npt.NDArray[np.uint8] | None, validity_offset: int,
        table: _Table, missing: int,
    ) -> _Codes:
        """An Arrow string_view array: its 16-byte views (sliced to the array)."""
    def take_codes(self, indices: npt.NDArray[np.integer], lut: npt.NDArray[np.uint8], missing: int) -> _Codes:
        """``lut[i]`` per dictionary index; an index outside ``lut`` is ``missing``."""
    def fixed_width_codes(
        self, chars: npt.NDArray[np.uint8] | npt.NDArray[np.uint32], width: int, table: _Table, missing: int
    ) -> _Codes:
        """NumPy ``S<width>`` (bytes) or ``U<width>`` (UTF-32) strings seen as their characters."""
    def object_codes(self, values: npt.NDArray[np.object_], table: _Table, missing: int) -> _Codes:
        """Object arrays, by object identity: the GIL is taken only to read a new object."""

class _Bars(ModuleType):
    def scan_trades(
        self,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        size: npt.NDArray[np.float64],
        side: npt.NDArray[np.int8],
    ) -> npt.NDArray[np.int64]: ...
    def time_bars(
        self,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        size: npt.NDArray[np.float64],
        side: npt.NDArray[np.int8],
        interval_ns: int,
        origin_ns: int,
    ) -> _BarArrays: ...
    def tick_bars(
        self,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        size: npt.NDArray[np.float64],
        side: npt.NDArray[np.int8],
        n_per_bar: int,
    ) -> _BarArrays: ...
    def volume_bars(
        self,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        size: npt.NDArray[np.float64],
        side: npt.NDArray[np.int8],
        threshold: float,
    ) -> _BarArrays: ...
    def dollar_bars(
        self,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        size: npt.NDArray[np.float64],
        side: npt.NDArray[np.int8],
        threshold: float,
    ) -> _BarArrays: ...

class _OrderFlow(ModuleType):
    def trade_flow(
        self, decay: npt.NDArray[np.float64], size: npt.NDArray[np.float64], sign: npt.NDArray[np.int8]
    ) -> npt.NDArray[np.float64]:
        """(4, trades): buy, sell, ratio, imbalance; ``decay[i]`` multiplies the pressure before trade i."""
    def volume_profile(
        self, period: npt.NDArray[np.int64], level: npt.NDArray[np.int64], volume: npt.NDArray[np.float64],
        value_area: float, node_window: int,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int8]]:
        """One row per (period, level): period, level, volume, flags (1 poc, 2 value area, 4 hvn, 8 lvn)."""
    def rolling_quantile(
        self, x: npt.NDArray[np.float64], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64], quantile: float,
        min_periods: int,
    ) -> npt.NDArray[np.float64]:
        """The linear-interpolated quantile of each window ``[start[i], end[i])``, NaN skipped."""
    def trade_events(
        self, ts: npt.NDArray[np.int64], price: npt.NDArray[np.float64], size: npt.NDArray[np.float64],
        sign: npt.NDArray[np.int8],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Per trade: its event's distinct prices and total size (same ts and sign, consecutive)."""
    def trade_signs(
        self, price: npt.NDArray[np.float64], mid: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int8]: ...
    def cvd(
        self,
        size: npt.NDArray[np.float64],
        sign: npt.NDArray[np.int8],
        period: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]: ...

_Levels = tuple[npt.NDArray[np.float64], ...]  # ten level columns
_LevelSizes = tuple[npt.NDArray[np.uint32], ...]

class _Book(ModuleType):
    def mbp10_bars(
        self,
        ts: npt.NDArray[np.int64],
        action: npt.NDArray[np.uint8],
        side: npt.NDArray[np.uint8],
        price: npt.NDArray[np.float64],
        size: npt.NDArray[np.uint32],
        flags: npt.NDArray[np.uint8],
        sequence: npt.NDArray[np.uint32],
        bid_px: _Levels,
        ask_px: _Levels,
        bid_sz: _LevelSizes,
        ask_sz: _LevelSizes,
        band_edges: npt.NDArray[np.float64],
        interval_ns: int,
        origin_ns: int,
        warmup: int,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """(bad_rows[5], bar starts, features[bars, columns])."""
    def write_mbp10(self, columns: dict[str, npt.NDArray[np.generic]], path: str, dataset: str, zstd: bool) -> None: ...
    class Mbp10Reader:
        def __init__(self, path: str) -> None: ...
        def next_chunk(self, max_records: int) -> dict[str, npt.NDArray[np.generic]]: ...
        @property
        def dataset(self) -> str: ...
        @property
        def version(self) -> int: ...

_Panel = npt.NDArray[np.float64]  # (series, points), C-contiguous

class _Indicators(ModuleType):
    """Series run in parallel; ``convention`` 0 is pandas, 1 is TA-Lib."""

    def sma(self, x: _Panel, n: int, convention: int) -> _Panel: ...
    def wma(self, x: _Panel, n: int, convention: int) -> _Panel: ...
    def ema(self, x: _Panel, n: int, convention: int) -> _Panel: ...
    def rsi(self, x: _Panel, n: int, convention: int) -> _Panel: ...
    def roc(self, x: _Panel, n: int, convention: int) -> _Panel: ...
    def true_range(self, high: _Panel, low: _Panel, close: _Panel, convention: int) -> _Panel: ...
    def atr(self, high: _Panel, low: _Panel, close: _Panel, n: int, convention: int) -> _Panel: ...
    def natr(self, high: _Panel, low: _Panel, close: _Panel, n: int, convention: int) -> _Panel: ...
    def willr(self, high: _Panel, low: _Panel, close: _Panel, n: int, convention: int) -> _Panel: ...
    def obv(self, close: _Panel, volume: _Panel, convention: int) -> _Panel: ...
    def stoch(
        self, high: _Panel, low: _Panel, close: _Panel, fastk_n: int, slowk_n: int, slowd_n: int, convention: int
    ) -> npt.NDArray[np.float64]:
        """(series, 2, points): slow %K, slow %D."""
    def macd(self, x: _Panel, fast: int, slow: int, signal: int, convention: int) -> npt.NDArray[np.float64]:
        """(series, 3, points): macd, signal, histogram."""
    def dmi(self, high: _Panel, low: _Panel, close: _Panel, n: int, convention: int) -> npt.NDArray[np.float64]:
        """(series, 4, points): adx, plus_di, minus_di, dx."""
    def bbands(
        self, x: _Panel, n: int, nbdev_up: float, nbdev_dn: float, ddof: int, convention: int
    ) -> npt.NDArray[np.float64]:
        """(series, 3, points): upper, middle, lower."""
    def rolling_zscore(self, x: _Panel, n: int, ddof: int) -> _Panel: ...
    def cci(self, high: _Panel, low: _Panel, close: _Panel, n: int, convention: int) -> _Panel: ...
    def mfi(self, high: _Panel, low: _Panel, close: _Panel, volume: _Panel, n: int, convention: int) -> _Panel: ...
    IndicatorStream: type[IndicatorStream]
    def vwap(self, price: _Panel, volume: _Panel, period: npt.NDArray[np.int64], window: int) -> _Panel:
        """``period``: one label per point (sorted), or empty for one period; ``window`` 0: anchored."""

class IndicatorStream:
    """One indicator fed row by row: the state the batch kernel loops over."""

    n_inputs: int
    n_outputs: int
    def __init__(self, name: str, periods: list[int], params: list[float], convention: int) -> None: ...
    def update(self, row: list[float]) -> list[float]: ...
    def update_many(self, inputs: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
        """(n_outputs, rows)."""

_Column = npt.NDArray[np.float64]  # one bar per value, C-contiguous

class _Structure(ModuleType):
    """smartmoneyconcepts-compatible structure; each returns (k, bars) float64, NaN where none."""

    def swing_highs_lows(self, high: _Column, low: _Column, swing_length: int) -> npt.NDArray[np.float64]:
        """(2, bars): high_low, level."""
    def swing_highs_lows_causal(self, high: _Column, low: _Column, swing_length: int) -> npt.NDArray[np.float64]:
        """(3, bars): high_low, level, swing_index, each on the confirming bar."""
    def fvg(self, open: _Column, high: _Column, low: _Column, close: _Column, join_consecutive: bool) -> npt.NDArray[np.float64]:
        """(4, bars): fvg, top, bottom, mitigated_index."""
    def fvg_causal(
        self, open: _Column, high: _Column, low: _Column, close: _Column, join_consecutive: bool
    ) -> npt.NDArray[np.float64]:
        """(5, bars): fvg, top, bottom, gap_index, mitigated_count."""
    def bos_choch(
        self, high: _Column, low: _Column, close: _Column, swing_kind: _Column, swing_level: _Column, close_break: bool
    ) -> npt.NDArray[np.float64]:
        """(4, bars): bos, choch, level (float32 values), broken_index."""
    def bos_choch_causal(
        self, high: _Column, low: _Column, close: _Column, swing_kind: _Column, swing_level: _Column,
        swing_index: _Column, close_break: bool,
    ) -> npt.NDArray[np.float64]:
        """(4, bars): bos, choch, level, swing_index on the breaking bar."""
    def retracements(self, high: _Column, low: _Column, swing_kind: _Column, swing_level: _Column) -> npt.NDArray[np.float64]:
        """(3, bars): direction, current, deepest."""
    def retracements_causal(
        self, high: _Column, low: _Column, swing_kind: _Column, swing_level: _Column
    ) -> npt.NDArray[np.float64]:
        """(3, bars): direction, current, deepest without lookahead."""
    def sessions(
        self, minute: npt.NDArray[np.int64], high: _Column, low: _Column, start: int, end: int
    ) -> npt.NDArray[np.float64]:
        """(3, bars): active, high, low (float32 values)."""
    def order_blocks(
        self, open: _Column, high: _Column, low: _Column, close: _Column, volume: _Column, swing_kind: _Column,
        close_mitigation: bool,
    ) -> npt.NDArray[np.float64]:
        """(6, bars): ob, top, bottom, ob_volume, mitigated_index, percentage."""
    def order_blocks_causal(
        self, open: _Column, high: _Column, low: _Column, close: _Column, volume: _Column, swing_kind: _Column,
        swing_level: _Column, swing_index: _Column, close_mitigation: bool,
    ) -> npt.NDArray[np.float64]:
        """(11, bars): ob, top, bottom, ob_index, swing_index, ob_volume, percentage on the forming bar;
        bullish/bearish mitigated and removed counts."""
    def liquidity(
        self, high: _Column, low: _Column, swing_kind: _Column, swing_level: _Column, range_percent: float
    ) -> npt.NDArray[np.float64]:
        """(4, bars): liquidity, level, end, swept (float32 values)."""
    def liquidity_causal(
        self, high: _Column, low: _Column, swing_kind: _Column, swing_level: _Column, swing_index: _Column,
        range_percent: float,
    ) -> npt.NDArray[np.float64]:
        """(6, bars): liquidity, level, count, pool_index, swept_highs, swept_lows."""
    def support_resistance(
        self, high: _Column, low: _Column, close: _Column, volume: _Column, pivot_length: int,
        lookbacks: npt.NDArray[np.int64], tolerance: float, min_touches: int,
    ) -> npt.NDArray[np.float64]:
        """(4 * lookbacks, bars): per lookback support, support_strength, resistance, resistance_strength."""
    def previous_high_low(
        self, times: npt.NDArray[np.int64], bin: npt.NDArray[np.int64], labels: npt.NDArray[np.int64],
        open: _Column, high: _Column, low: _Column, close: _Column,
    ) -> npt.NDArray[np.float64]:
        """(4, bars): previous_high, previous_low, broken_high, broken_low."""
    def previous_high_low_causal(
        self, bin: npt.NDArray[np.int64], open: _Column, high: _Column, low: _Column, close: _Column
    ) -> npt.NDArray[np.float64]:
        """(4, bars): the last finished period's high and low, broken_high, broken_low."""
    def market_structure(self, swing_kind: _Column, swing_level: _Column) -> npt.NDArray[np.float64]:
        """(2, bars): label (2 HH, 1 LH, -1 HL, -2 LL, 0), trend."""
    def ranges(self, high: _Column, low: _Column, atr: _Column, length: int, threshold: float) -> npt.NDArray[np.float64]:
        """(6, bars): ratio, in_range, top, bottom, bars, strength."""

_Gap = tuple[int, float, float, int]  # side (1 bullish, -1 bearish), top, bottom, forming bar

class SmcCore:
    """``barsmith.engines.SmcState``'s Rust state; bars are checked by the Python front."""

    trend: int
    def __init__(self, swing_length: int, join_consecutive: bool, close_break: bool, close_mitigation: bool) -> None: ...
    def reset(self) -> None: ...
    def update(
        self, bar: tuple[float, float, float, float, float]
    ) -> tuple[list[float], list[tuple[int, int, float, float, int]]]:
        """One bar (open, high, low, close, volume): its row (the SmcState columns) and its
        extras (what, side, top, bottom, bar): 0 a gap it fills, 1 a block it mitigates, 2 a
        breaker it removes."""
    def update_many(
        self, bars: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(rows, 5) open, high, low, close, volume, C-contiguous -> (rows, columns) and the
        extras as (k, 6) rows, each led by the position of its bar in this call."""
    def open_gaps(self) -> list[_Gap]: ...
    def standing_blocks(self) -> list[tuple[int, float, float, int, int, int, bool]]:
        """The order blocks standing (side, top, bottom, bar, swing bar, bar forming it,
        mitigated), by the bar forming them."""

class HobCore:
    """``barsmith.engines.HobState``'s Rust state; bars are checked by the Python front."""

    def __init__(self, swing_length: int, volume_window: int, spike_z: float, levels: int) -> None: ...
    def reset(self) -> None: ...
    def update(self, bar: tuple[float, float, float, float, float]) -> tuple[list[float], list[Any]]:
        """One bar (open, high, low, close, volume): its row (the HobState columns) and no extras."""
    def update_many(self, bars: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(rows, 5) open, high, low, close, volume, C-contiguous -> (rows, columns), no extras ((0, 6))."""
    def live_levels(self) -> list[tuple[int, float, int]]:
        """The live swing levels (side, level, swing bar), highs then lows, oldest first."""

class WyckoffCore:
    """``barsmith.engines.WyckoffState``'s Rust state; bars are checked by the Python front."""

    def __init__(
        self, pivot_length: int, pivots: int, window: int, wide: float, narrow: float, high_volume: float
    ) -> None: ...
    def reset(self) -> None: ...
    def update(self, bar: tuple[float, float, float, float, float]) -> tuple[list[float], list[Any]]:
        """One bar (open, high, low, close, volume): its row (the WyckoffState columns) and no extras."""
    def update_many(self, bars: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(rows, 5) open, high, low, close, volume, C-contiguous -> (rows, columns), no extras ((0, 6))."""
    def pivots(self) -> list[tuple[int, float, int]]:
        """The pivots kept (side, level, bar), oldest first."""

class BinnerCore:
    """``barsmith.engines.MultiTimeframe``'s binning of one higher timeframe."""

    def __init__(self, interval: int, base: int) -> None: ...
    def update(self, bar: tuple[float, float, float, float, float], ts: int) -> list[tuple[float, float, float, float, float, int]]:
        """One base bar at ``ts`` (ns): the higher bars it completes, (o, h, l, c, v, bin start)."""
    def update_many(
        self, bars: npt.NDArray[np.float64], ts: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(rows, 5) base bars and their times -> completed (k, 5) bars, bin starts, visible-at times."""
    def forming(self) -> tuple[float, float, float, float, float, int] | None: ...

class _Engines(ModuleType):
    SmcCore: type[SmcCore]
    BinnerCore: type[BinnerCore]
    HobCore: type[HobCore]
    WyckoffCore: type[WyckoffCore]

_Matrix = npt.NDArray[np.float64]  # (rows, bars) or (rows, long rows), C-contiguous
_Spans = npt.NDArray[np.int64]

class _Episodes(ModuleType):
    def level_episodes(
        self, price: npt.NDArray[np.float64], levels: _Matrix, trigger: float, exit: float, max_bars: int
    ) -> tuple[_Spans, _Spans, _Spans, _Spans, npt.NDArray[np.int8]]: ...  # level, start, end, leave, side
    def episode_diffs(self, values: _Matrix, starts: _Spans, ends: _Spans, window: int) -> tuple[_Matrix, _Matrix]: ...
    def episode_cumsum(self, values: _Matrix, starts: _Spans, ends: _Spans) -> _Matrix: ...
    def episode_stats(
        self, values: _Matrix, starts: _Spans, ends: _Spans
    ) -> tuple[_Matrix, _Matrix, _Matrix, _Matrix]: ...  # first, sum, min, max

class _Synth(ModuleType):
    def mbp10(
        self, n_events: int, seed: int, day_ns: int, tick: float, start_price: float
    ) -> dict[str, npt.NDArray[np.generic]]: ...

inputs: _Inputs
bars: _Bars
book: _Book
indicators: _Indicators
structure: _Structure
orderflow: _OrderFlow
engines: _Engines
episodes: _Episodes
synth: _Synth
