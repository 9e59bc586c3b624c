"""Price structure compatible with smartmoneyconcepts: swings, fair value gaps, breaks of
structure, order blocks, liquidity, previous highs and lows, sessions, retracements.

``mode="smc"`` reproduces smartmoneyconcepts 0.0.27 exactly: the same columns,
values, NaN-versus-zero conventions and float64 dtypes, quirks included (the
asymmetric swing window, positions as floats), in O(n) or O(n log n) where it
loops until nothing changes or scans forward from every gap. The result keeps
the input's index (smartmoneyconcepts returns a RangeIndex).

Input: a DataFrame with open/high/low/close columns (any capitalisation, as
smartmoneyconcepts accepts). NaN prices are allowed; they never form or
mitigate a swing or gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._args import frozen, positive_int
from ._errors import InputError
from ._frames import accepts_frames
from ._input import check_volume, same_index, to_float
from ._output import output_frame
from ._registry import kernel

__all__ = [
    "SESSIONS",
    "bos_choch",
    "fvg",
    "level_proximity",
    "liquidity",
    "market_structure",
    "ob",
    "order_blocks",
    "previous_high_low",
    "ranges",
    "retracements",
    "sessions",
    "support_resistance",
    "swing_highs_lows",
]

Mode = Literal["smc", "causal"]


@accepts_frames
def swing_highs_lows(ohlc: pd.DataFrame, swing_length: int = 50, *, mode: Mode = "smc",
                     backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Swing highs and lows: columns ``HighLow`` (1 swing high, -1 swing low, NaN) and ``Level``.

    A bar is a swing high when its high is the highest of the ``2 * swing_length``
    bars from ``swing_length - 1`` before it to ``swing_length`` after it
    (smartmoneyconcepts' window: one bar shorter behind, and, as it rolls over the
    shifted series, none of the first ``2 * swing_length - 1`` bars), else a swing
    low when its low is the lowest. A window holding a NaN or +-inf has no extreme (pandas'
    ``rolling``, which smartmoneyconcepts uses, sees +-inf as NaN). Of consecutive swings of
    one kind only the earliest highest
    high (lowest low) stays; bar 0 and the last bar get the kinds opposite to the
    first and last swings. ``Level`` is the swing's high or low.

    ``mode="causal"``: nothing after a row is used for it. Each swing is reported on the
    bar that confirms it (``swing_length`` bars later) with ``Level`` and ``SwingIndex``
    (the swing's own position, as a float); a swing of the kind last reported is reported
    only when more extreme, so the last report of each run is the swing smc mode keeps.
    Bar 0 and the last bar are not flipped (that reads the end of the data).

    Examples
    --------
    >>> swings = barsmith.structure.swing_highs_lows(ohlc, swing_length=5)
    >>> live = barsmith.structure.swing_highs_lows(ohlc, swing_length=5, mode="causal")
    """
    (high, low), index = _columns(ohlc, ("high", "low"))
    if _mode(mode) == "causal":
        out = kernel("swing_highs_lows_causal", backend)(high, low, positive_int(swing_length, "swing_length"))
        return output_frame({"HighLow": out[0], "Level": out[1], "SwingIndex": out[2]}, index)
    out = kernel("swing_highs_lows", backend)(high, low, positive_int(swing_length, "swing_length"))
    return output_frame({"HighLow": out[0], "Level": out[1]}, index)


@accepts_frames
def fvg(ohlc: pd.DataFrame, join_consecutive: bool = False, *, mode: Mode = "smc",
        backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Fair value gaps: columns ``FVG`` (1 bullish, -1 bearish, NaN), ``Top``, ``Bottom``,
    ``MitigatedIndex``.

    Bar ``i`` is a bullish gap when it closes up and ``high[i - 1] < low[i + 1]`` (the gap
    is ``high[i - 1]`` to ``low[i + 1]``), bearish when it closes down and
    ``low[i - 1] > high[i + 1]`` (``high[i + 1]`` to ``low[i - 1]``). ``join_consecutive``
    merges a run of gaps of one kind into its last bar with the run's highest top and
    lowest bottom. ``MitigatedIndex`` is the position (0-based, as a float) of the first
    bar from ``i + 2`` whose low reaches the top of a bullish gap or whose high reaches
    the bottom of a bearish one, 0 if none yet; NaN where there is no gap.

    Examples
    --------
    >>> gaps = barsmith.structure.fvg(ohlc, join_consecutive=True)
    >>> live = barsmith.structure.fvg(ohlc, mode="causal")

    ``mode="causal"``: nothing after a row is used for it. A gap is reported on the bar
    that completes it (the bar after its middle bar), with ``GapIndex`` (the smc row); with
    ``join_consecutive`` each report carries its run's highest top and lowest bottom so far
    (the run's last report is smc mode's joined gap). ``MitigatedCount`` on a bar counts the
    gaps first reached there (smc mode's ``MitigatedIndex``, as events), not counting a gap
    replaced by a joining one.
    """
    (open_, high, low, close), index = _columns(ohlc, ("open", "high", "low", "close"))
    if _mode(mode) == "causal":
        out = kernel("fvg_causal", backend)(open_, high, low, close, bool(join_consecutive))
        columns = ("FVG", "Top", "Bottom", "GapIndex", "MitigatedCount")
        return output_frame(dict(zip(columns, out)), index)
    out = kernel("fvg", backend)(open_, high, low, close, bool(join_consecutive))
    return output_frame({"FVG": out[0], "Top": out[1], "Bottom": out[2], "MitigatedIndex": out[3]}, index)


@accepts_frames
def bos_choch(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame, close_break: bool = True, *,
              mode: Mode = "smc", backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Breaks of structure and changes of character: columns ``BOS``, ``CHOCH`` (1 bullish,
    -1 bearish, NaN), ``Level`` (float32, as smartmoneyconcepts stores it) and ``BrokenIndex``.

    At each swing of ``swing_highs_lows`` (the output of :func:`swing_highs_lows`), the
    last four swings' kinds and levels (l4, l3, l2, l1, oldest first) mark the bar of
    the third-last one: low, high, low, high with ``l4 < l2 < l3 < l1`` a bullish BOS and
    with ``l1 > l3 > l4 > l2`` a bullish CHoCH; high, low, high, low with
    ``l4 > l2 > l3 > l1`` a bearish BOS and with ``l1 < l3 < l4 < l2`` a bearish CHoCH;
    the level is l3. A mark is broken at the first bar from two after it whose close
    (its high or low, without ``close_break``) passes the level: ``BrokenIndex``, a
    position as a float. A break clears every earlier mark broken at or after its bar
    (smartmoneyconcepts leaves those marks' ``BrokenIndex``), and marks never broken
    are cleared. Linear, where smartmoneyconcepts is quadratic.

    ``mode="causal"`` (with the output of ``swing_highs_lows(ohlc, L, mode="causal")``):
    nothing after a row is used for it, and each break is reported on the bar that breaks,
    with ``Level`` (float64) and ``SwingIndex`` (the broken swing's position). After each
    swing report (one of the kind last reported replaces that swing) the last three swings
    (l3, l2, l1, oldest first) arm the middle one: low, high, low with ``l3 < l1 < l2`` a
    bullish BOS, with ``l1 < l3 < l2`` a bullish CHoCH; high, low, high with
    ``l3 > l1 > l2`` a bearish BOS, with ``l1 > l3 > l2`` a bearish CHoCH; the breaking
    close plays smc mode's fourth swing. It breaks at the first bar from its arming whose
    close (high / low without ``close_break``) passes l2, unless a report re-arms it
    first; a break clears the older marks still waiting (smc mode's rule, as events).

    Examples
    --------
    >>> swings = barsmith.structure.swing_highs_lows(ohlc, 5)
    >>> structure = barsmith.structure.bos_choch(ohlc, swings)
    >>> live = barsmith.structure.bos_choch(ohlc, swing_highs_lows(ohlc, 5, mode="causal"), mode="causal")
    """
    (high, low, close), index = _columns(ohlc, ("high", "low", "close"))
    if _mode(mode) == "causal":
        kind, level, swing_index = _causal_swings(swing_highs_lows, len(high))
        out = kernel("bos_choch_causal", backend)(high, low, close, kind, level, swing_index, bool(close_break))
        return output_frame(dict(zip(("BOS", "CHOCH", "Level", "SwingIndex"), out)), index)
    kind, level = _swings(swing_highs_lows, len(high))
    out = kernel("bos_choch", backend)(high, low, close, kind, level, bool(close_break))
    return output_frame(
        {"BOS": out[0], "CHOCH": out[1], "Level": out[2].astype(np.float32), "BrokenIndex": out[3]}, index
    )


@accepts_frames
def order_blocks(ohlcv: pd.DataFrame, swing_highs_lows: pd.DataFrame, close_mitigation: bool = False, *,
                 volume_factor: float | None = None, volume_window: int = 20, mode: Mode = "smc",
                 backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Order blocks: columns ``OB`` (1 bullish, -1 bearish, NaN), ``Top``, ``Bottom``,
    ``OBVolume`` (float32), ``MitigatedIndex`` and ``Percentage`` (float32), as
    smartmoneyconcepts' ``ob`` (also available here as :func:`ob`).

    Bullish: the first close above the last swing high before it makes the bar with the
    lowest low since that swing (the last of equals) a block from its low to its high;
    ``OBVolume`` is the volume of the closing bar and the two before it and ``Percentage``
    ``100 * min(a, b) / max(a, b)`` of the newer two bars' volume (a) and the oldest's (b).
    A later low below the bottom (``min(open, close)`` with ``close_mitigation``) makes it a
    breaker, ``MitigatedIndex`` the bar before (0 while unmitigated); a breaker whose top a
    high then passes is removed (NaN). Bearish blocks mirror it from swing lows
    (``MitigatedIndex`` the mitigating bar itself). smartmoneyconcepts' quirks are kept:
    float32 prices, the swapped high and low when the close comes right after the swing,
    a bearish block replacing a bullish one at the same bar and inheriting its breaker
    flag. It rechecks every open block on every bar; here each block waits for the one bar
    that changes it: O(n log n).

    ``mode="causal"`` (with the output of ``swing_highs_lows(ohlcv, L, mode="causal")``):
    each block is reported on the bar whose close forms it, from the swings reported so
    far. Bullish: the first close above the last swing high reported, before the next swing
    high is reported, makes the bar with the lowest low strictly between the swing and that
    close (the last of equals, NaN skipped) a block. Columns ``OB``, ``Top``, ``Bottom``
    (the block bar's high and low), ``OBIndex`` (its position), ``SwingIndex`` (the crossed
    swing's), ``OBVolume`` and ``Percentage`` (as smc mode, float64) on the forming bar,
    NaN elsewhere; and counts (int64) on every bar, ``BullishMitigated`` /
    ``BearishMitigated`` (blocks whose bottom a low, or top a high, passes after they form;
    bodies with ``close_mitigation``) and ``BullishRemoved`` / ``BearishRemoved`` (mitigated
    blocks whose far edge a later bar passes). On a bar where both kinds would form, the
    bearish block does and the swing high waits for a later close.

    Confirmation by volume (beyond smartmoneyconcepts; its columns are unchanged): with
    ``volume_factor``, two more columns, ``VolumeRatio``, the block bar's volume over the
    mean volume of the ``volume_window`` bars before it (``volume / volume.rolling(W).mean()
    .shift(1)``, NaN off blocks), and ``Confirmed``, ``VolumeRatio >= volume_factor``:
    blocks built on heavy volume. In causal mode the ratio is the block bar's, on the
    forming bar.

    Examples
    --------
    >>> swings = barsmith.structure.swing_highs_lows(ohlcv, 5)
    >>> blocks = barsmith.structure.order_blocks(ohlcv, swings)
    >>> heavy = barsmith.structure.order_blocks(ohlcv, swings, volume_factor=1.5)
    >>> heavy[heavy["Confirmed"]]
    >>> live = barsmith.structure.order_blocks(ohlcv, swing_highs_lows(ohlcv, 5, mode="causal"), mode="causal")
    """
    from .indicators import sma

    (open_, high, low, close, volume), index = _columns(ohlcv, ("open", "high", "low", "close", "volume"))
    if _mode(mode) == "causal":
        swings = _causal_swings(swing_highs_lows, len(high))
        out = kernel("order_blocks_causal", backend)(open_, high, low, close, volume, *swings, bool(close_mitigation))
        columns = ("OB", "Top", "Bottom", "OBIndex", "SwingIndex", "OBVolume", "Percentage")
        counts = ("BullishMitigated", "BearishMitigated", "BullishRemoved", "BearishRemoved")
        named = dict(zip(columns + counts, out))
        named.update({c: named[c].astype(np.int64) for c in counts})
        blocks = output_frame(named, index)
        block_bar = np.where(np.isnan(named["OB"]), 0, named["OBIndex"]).astype(np.int64)
    else:
        kind, _ = _swings(swing_highs_lows, len(high))
        out = kernel("order_blocks", backend)(open_, high, low, close, volume, kind, bool(close_mitigation))
        named = dict(zip(("OB", "Top", "Bottom", "OBVolume", "MitigatedIndex", "Percentage"), out))
        named.update({c: named[c].astype(np.float32) for c in ("Top", "Bottom", "OBVolume", "Percentage")})
        blocks = output_frame(named, index)
        block_bar = np.arange(len(high))
    if volume_factor is None:
        return blocks
    if isinstance(volume_factor, bool) or not isinstance(volume_factor, (int, float, np.integer, np.floating)):
        raise InputError(f"expected a number (1.5: half as heavy again as usual), got {volume_factor!r}",
                         column="volume_factor")  # fmt: skip
    usual = np.concatenate([[np.nan], sma(volume, positive_int(volume_window, "volume_window"), backend=backend)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isnan(named["OB"]), np.nan, volume[block_bar] / usual[block_bar])
    return blocks.assign(VolumeRatio=ratio, Confirmed=ratio >= volume_factor)


ob = order_blocks  # smartmoneyconcepts' name


@accepts_frames
def liquidity(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame, range_percent: float = 0.01, *,
              mode: Mode = "smc", backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Liquidity pools: columns ``Liquidity`` (1 at swing highs, -1 at swing lows, NaN),
    ``Level``, ``End`` and ``Swept``, all float32 as smartmoneyconcepts stores them.

    With ``range = (max high - min low) * range_percent`` over the whole frame, each swing
    high not yet taken, in order, takes the later swing highs not yet taken whose level lies
    within ``range`` of its own (ends included), up to the bar that sweeps it: the first
    bar after it whose high reaches ``level + range`` (``Swept``, 0 if none). With any
    taken it is a pool: ``Level`` the mean of the levels, ``End`` the last one taken. Swing
    lows mirror it. smartmoneyconcepts tests every later swing for each (quadratic); here
    each taken swing is found once in a segment tree: O(n log n).

    ``mode="causal"`` (with the output of ``swing_highs_lows(ohlc, L, mode="causal")``):
    columns ``Liquidity``, ``Level``, ``Count``, ``PoolIndex`` on each bar where a swing
    joins a pool, and ``SweptHighs``, ``SweptLows`` (int64) on each bar that sweeps pools.
    The range is ``range_percent`` of the highest high minus the lowest low *so far*. A
    swing reported at t joins the oldest open pool of its kind whose first level f has
    ``f - range <= level <= f + range``, else it opens one; a pool is open until its
    sweep, the first bar after its first swing whose high reaches ``f + range`` (the range
    when it opened; lows mirror it). On a join: the kind, the pool's mean ``Level``, its
    ``Count`` of swings and ``PoolIndex`` (its first swing's position); on a sweep bar
    the number of pools of two or more swings it sweeps, per kind.

    Examples
    --------
    >>> pools = barsmith.structure.liquidity(ohlc, barsmith.structure.swing_highs_lows(ohlc, 5))
    >>> live = barsmith.structure.liquidity(ohlc, swing_highs_lows(ohlc, 5, mode="causal"), mode="causal")
    """
    (high, low), index = _columns(ohlc, ("high", "low"))
    if isinstance(range_percent, bool) or not isinstance(range_percent, (int, float, np.floating, np.integer)):
        raise InputError(f"expected a number, got {range_percent!r}", column="range_percent")
    if _mode(mode) == "causal":
        kind, level, swing_index = _causal_swings(swing_highs_lows, len(high))
        out = kernel("liquidity_causal", backend)(high, low, kind, level, swing_index, float(range_percent))
        named = dict(zip(("Liquidity", "Level", "Count", "PoolIndex", "SweptHighs", "SweptLows"), out))
        named.update({c: named[c].astype(np.int64) for c in ("SweptHighs", "SweptLows")})
        return output_frame(named, index)
    kind, level = _swings(swing_highs_lows, len(high))
    out = kernel("liquidity", backend)(high, low, kind, level, float(range_percent))
    columns = ("Liquidity", "Level", "End", "Swept")
    return output_frame(dict(zip(columns, out.astype(np.float32))), index)


@accepts_frames
def previous_high_low(ohlc: pd.DataFrame, time_frame: str = "1D", *, mode: Mode = "smc",
                      backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """The previous period's high and low: columns ``PreviousHigh``, ``PreviousLow``
    (float32) and ``BrokenHigh``, ``BrokenLow`` (int32, 1 or 0), as smartmoneyconcepts.

    The periods are pandas' ``resample(time_frame)`` bins of the index (``"4h"``, ``"1D"``,
    ``"W"``, ...: its origin, its closed side and labels), keeping those with an open, high,
    low and close. A bar with ``p`` kept periods labelled before its time reads period
    ``p - 2``, as smartmoneyconcepts does (for left-labelled bins that is the period
    before the previous one once the bar's own period has begun; NaN while ``p < 2``).
    ``BrokenHigh`` is 1 once a high since the bar began reading that period is above its
    high (``BrokenLow``: a low below its low). The input is not modified.

    ``mode="causal"``: each bar reads the last period *before its own* with an open, high,
    low and close (it has ended, so nothing later is used), as float64 (NaN before any);
    ``BrokenHigh`` is 1 once a high of the bar's own period so far is above it (NaN highs
    skipped; ``BrokenLow`` likewise). The bars must be in time order. As pandas::

        periods = ohlc.resample(time_frame).agg({"open": "first", "high": "max", "low": "min", "close": "last"}).dropna()
        before = periods.index.searchsorted(own_label, "left") - 1     # own_label: the bar's resample bin
        previous_high = periods.high.to_numpy()[before]                 # NaN where before < 0
        broken_high = ohlc.high.fillna(-inf).groupby(own_label).cummax() > previous_high

    Examples
    --------
    >>> daily = barsmith.structure.previous_high_low(ohlc, "1D")
    >>> live = barsmith.structure.previous_high_low(ohlc, "1D", mode="causal")
    """
    causal = _mode(mode) == "causal"
    (open_, high, low, close), index = _columns(ohlc, ("open", "high", "low", "close"))
    times = _times(index)
    if causal and not times.is_monotonic_increasing:
        bad = int(np.flatnonzero(np.diff(times.as_unit("ns").asi8) < 0)[0]) + 1
        raise InputError("causal mode reads the bars in time order: sort the index first", column="index", row=bad)
    stamps = np.asarray(times.as_unit("ns").asi8, dtype=np.int64)
    try:
        # resample's own bins (origin, closed side, edges): their sizes in time order
        sizes = pd.Series(np.zeros(len(times), dtype=np.int8), index=times).resample(time_frame).size()
    except (TypeError, ValueError) as err:
        raise InputError(f"expected a pandas frequency such as '4h', '1D' or 'W' ({err})",
                         column="time_frame") from None  # fmt: skip
    labels = np.asarray(sizes.index.as_unit("ns").asi8, dtype=np.int64)
    in_order = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes.to_numpy())
    if times.is_monotonic_increasing:
        bins = in_order
    else:
        bins = np.empty_like(in_order)
        bins[np.argsort(stamps, kind="stable")] = in_order
    stamps, bins, labels = (frozen(np.ascontiguousarray(a, dtype=np.int64)) for a in (stamps, bins, labels))
    if causal:
        out = kernel("previous_high_low_causal", backend)(bins, open_, high, low, close)
        return output_frame(
            {"PreviousHigh": out[0], "PreviousLow": out[1], "BrokenHigh": out[2].astype(np.int32),
             "BrokenLow": out[3].astype(np.int32)},
            index,
        )  # fmt: skip
    out = kernel("previous_high_low", backend)(stamps, bins, labels, open_, high, low, close)
    return output_frame(
        {"PreviousHigh": out[0].astype(np.float32), "PreviousLow": out[1].astype(np.float32),
         "BrokenHigh": out[2].astype(np.int32), "BrokenLow": out[3].astype(np.int32)},
        index,
    )  # fmt: skip


LABELS = ("LL", "HL", "LH", "HH")  # market_structure's labels, by code -2, -1, 1, 2


@accepts_frames
def market_structure(ohlc: pd.DataFrame, swing_length: int = 5, *, backend: str | None = None) -> pd.DataFrame:
    """Higher highs, higher lows, lower highs and lower lows, and the trend they make, without
    lookahead: columns ``Label`` (categorical HH / LH / HL / LL, NaN on other bars),
    ``Level``, ``SwingIndex`` (of the swing, reported on the bar that confirms it) and
    ``Trend`` (1 up, -1 down, 0).

    Built on ``swing_highs_lows(ohlc, swing_length, mode="causal")``: a report of the kind
    last reported replaces the pending swing (it is more extreme, and is labelled again); one
    of the other kind makes the pending swing of its kind the previous one. A high above the
    previous high is HH, else LH; a low below the previous low is LL, else HL (the first
    swing of each kind has no label). ``Trend`` is 1 while the latest high is HH and the
    latest low HL, -1 while they are LH and LL, else 0, carried forward. Nothing after a
    bar is used for it.

    Examples
    --------
    >>> structure = barsmith.structure.market_structure(ohlc, swing_length=5)
    >>> ohlc[structure["Trend"] == 1]                 # bars in an up-trend
    """
    swings = swing_highs_lows(ohlc, swing_length, mode="causal", backend=backend)
    kind = frozen(np.ascontiguousarray(swings["HighLow"].to_numpy(), dtype=np.float64))
    level = frozen(np.ascontiguousarray(swings["Level"].to_numpy(), dtype=np.float64))
    label, trend = kernel("market_structure", backend)(kind, level)
    codes = np.select([label == -2, label == -1, label == 1, label == 2], [0, 1, 2, 3], default=-1)
    return pd.DataFrame(
        {"Label": pd.Categorical.from_codes(codes, categories=list(LABELS)), "Level": swings["Level"].to_numpy(),
         "SwingIndex": swings["SwingIndex"].to_numpy(), "Trend": trend.astype(np.int8)},
        index=swings.index,
    )  # fmt: skip


@accepts_frames
def ranges(ohlc: pd.DataFrame, length: int = 20, threshold: float = 3.0, atr_length: int = 14, *,
           backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Consolidation ranges, without lookahead: columns ``Ratio``, ``InRange`` (bool), ``Top``,
    ``Bottom``, ``Bars`` (int64) and ``Strength``.

    ``Ratio`` is the height of the last ``length`` bars (highest high minus lowest low) in
    ATRs (:func:`barsmith.indicators.atr` over ``atr_length``, pandas convention). A bar is
    in a range when ``Ratio <= threshold``; consecutive such bars are one range, begun
    ``length - 1`` bars before its first: ``Top`` and ``Bottom`` are its highest high and
    lowest low so far, ``Bars`` its length so far, and ``Strength = Bars * atr / (Top -
    Bottom)``, bars per ATR of height (long, tight ranges score high). As pandas::

        ratio = (high.rolling(length).max() - low.rolling(length).min()) / atr
        tight = ratio <= threshold;  run = (~tight).cumsum()
        top = high.rolling(length).max().where(tight).groupby(run).cummax()

    Examples
    --------
    >>> boxes = barsmith.structure.ranges(ohlc, length=20, threshold=2.5)
    >>> ohlc[boxes["InRange"] & (boxes["Bars"] >= 40)]
    """
    from .indicators import atr

    (high, low, close), index = _columns(ohlc, ("high", "low", "close"))
    length = positive_int(length, "length")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise InputError(f"expected a number of ATRs, got {threshold!r}", column="threshold")
    average_range = frozen(atr(high, low, close, positive_int(atr_length, "atr_length"), backend=backend))
    out = kernel("ranges", backend)(high, low, average_range, length, float(threshold))
    return output_frame(
        {"Ratio": out[0], "InRange": out[1] > 0, "Top": out[2], "Bottom": out[3], "Bars": out[4].astype(np.int64),
         "Strength": out[5]},
        index,
    )  # fmt: skip


@accepts_frames
def support_resistance(ohlcv: pd.DataFrame, lookbacks: Sequence[int] = (20, 50, 100, 200),
                       tolerance: float | None = None, *, pivot_length: int = 5, min_touches: int = 1,
                       backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Support and resistance levels from clustered pivots, without lookahead: for each
    lookback W, columns ``Support_W``, ``SupportStrength_W``, ``Resistance_W``,
    ``ResistanceStrength_W`` (the lookbacks are computed in parallel).

    Pivots are the bars whose high (low) is the largest (smallest) of the window
    :func:`swing_highs_lows` uses (``pivot_length`` bars), each counted from the bar that
    confirms it, ``pivot_length`` later; highs and lows are both touches. At each bar the
    pivots of the last W bars count: pivots in one ``tolerance``-wide price bin
    (``floor(price / tolerance)``) make a level when there are at least ``min_touches``,
    priced at their mean. ``Support`` is the highest level at or below the close,
    ``Resistance`` the lowest above it (NaN when there is none). Strength weighs touches by
    volume::

        strength = touches * (mean volume of the level's pivot bars) / (mean volume of all counted pivot bars)

    (NaN volume counts as 0; with no volume at all, strength is the touch count; a negative
    or infinite volume is refused).
    ``tolerance`` is in price units; by default 0.1% of the first finite, non-zero close
    (1.0 without one). O(n log n) per lookback: the occupied bins sit in segment trees.

    Examples
    --------
    >>> levels = barsmith.structure.support_resistance(ohlcv, lookbacks=(50, 200), tolerance=0.25)
    >>> ohlcv["close"] - levels["Support_50"]            # distance to the nearest support
    """
    (high, low, close, volume), index = _columns(ohlcv, ("high", "low", "close", "volume"))
    check_volume(volume)
    pivot_length = positive_int(pivot_length, "pivot_length")
    min_touches = positive_int(min_touches, "min_touches")
    if isinstance(lookbacks, (int, np.integer)):
        lookbacks = (lookbacks,)
    windows = [positive_int(w, "lookbacks") for w in lookbacks]
    if not windows or min(windows) <= pivot_length:
        raise InputError(f"need lookbacks longer than pivot_length={pivot_length}, got {list(lookbacks)}",
                         column="lookbacks")  # fmt: skip
    if tolerance is None:
        usable = close[np.isfinite(close) & (close != 0)]
        tolerance = 0.001 * abs(usable[0]) if len(usable) else 1.0
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.integer, np.floating)) \
            or not np.isfinite(tolerance) or tolerance <= 0:  # fmt: skip
        raise InputError(f"expected a positive price distance, got {tolerance!r}", column="tolerance")
    out = kernel("support_resistance", backend)(
        high, low, close, volume, pivot_length, frozen(np.asarray(windows, dtype=np.int64)), float(tolerance),
        min_touches,
    )
    names = ("Support", "SupportStrength", "Resistance", "ResistanceStrength")
    columns = {f"{name}_{w}": out[4 * k + j] for k, w in enumerate(windows) for j, name in enumerate(names)}
    return output_frame(columns, index)


@accepts_frames
def level_proximity(close: Any, levels: Any, band: float | None = None) -> pd.DataFrame:
    """How close each close is to strong levels: columns ``Support`` (levels at or below the
    close), ``Resistance`` (above it) and ``Proximity`` (their sum), each::

        sum over levels of  strength * max(0, 1 - |close - level| / band)

    ``levels`` is the output of :func:`support_resistance` (per-bar levels and strengths,
    aligned with ``close``), or fixed levels: a mapping or Series of name to price, a
    sequence of prices (strength 1 each), or a DataFrame with ``Level`` and ``Strength``
    columns. ``band`` (price units) is where a level stops counting; by default 0.2% of
    the close. Fixed levels are sorted once and summed by prefix sums: O((n + m) log m).

    Examples
    --------
    >>> levels = barsmith.structure.support_resistance(ohlcv, (50, 200), tolerance=0.25)
    >>> score = barsmith.structure.level_proximity(ohlcv["close"], levels, band=1.0)
    >>> pivots = barsmith.structure.level_proximity(ohlcv["close"], {"PDH": 4512.25, "PDL": 4488.0}, band=2.0)
    """
    values = close["close"] if isinstance(close, pd.DataFrame) and "close" in close.columns else close
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(values))
    c = to_float(values, "close")
    if c.ndim != 1:
        raise InputError(f"expected one close per bar, got shape {c.shape}", column="close")
    if band is None:
        width = 0.002 * np.abs(c)
    elif isinstance(band, bool) or not isinstance(band, (int, float, np.integer, np.floating)) or not band > 0:
        raise InputError(f"expected a positive price distance, got {band!r}", column="band")
    else:
        width = np.full(len(c), float(band))
    if isinstance(levels, pd.DataFrame) and any(str(col).startswith("Support_") for col in levels.columns):
        if len(levels) != len(c):
            raise InputError(f"{len(levels)} rows of levels for {len(c)} closes: pass support_resistance() of the "
                             "same bars", column="levels")  # fmt: skip
        same_index({"close": values, "levels": levels})
        support = resistance = np.zeros(len(c))
        for col in levels.columns:
            name, _, window = str(col).partition("_")
            if name in ("Support", "Resistance"):
                level = levels[col].to_numpy(dtype=np.float64)
                strength = levels[f"{name}Strength_{window}"].to_numpy(dtype=np.float64)
                score = np.nan_to_num(strength * np.clip(1 - np.abs(c - level) / width, 0, None))
                if name == "Support":
                    support = support + score
                else:
                    resistance = resistance + score
    else:
        price, strength = _fixed_levels(levels)
        order = np.argsort(price, kind="stable")
        price, strength = price[order], strength[order]
        weight = np.concatenate([[0.0], np.cumsum(strength)])
        moment = np.concatenate([[0.0], np.cumsum(strength * price)])
        lo, mid, hi = (np.searchsorted(price, x, side=s) for x, s in ((c - width, "left"), (c, "right"),
                                                                      (c + width, "right")))  # fmt: skip
        # strength * (1 - (c - level) / band) summed over [c - band, c], and its mirror above
        s_low, m_low = weight[mid] - weight[lo], moment[mid] - moment[lo]
        s_high, m_high = weight[hi] - weight[mid], moment[hi] - moment[mid]
        support = np.nan_to_num(s_low - (c * s_low - m_low) / width)
        resistance = np.nan_to_num(s_high - (m_high - c * s_high) / width)
    return output_frame({"Support": support, "Resistance": resistance, "Proximity": support + resistance}, index)


def _fixed_levels(levels: Any) -> tuple[np.ndarray, np.ndarray]:
    """(prices, strengths) of fixed levels, NaN prices dropped."""
    if isinstance(levels, pd.DataFrame):
        if "Level" not in levels.columns:
            raise InputError("expected support_resistance() output or a frame with Level (and Strength) columns",
                             column="levels")  # fmt: skip
        price = levels["Level"].to_numpy(dtype=np.float64)
        strength = levels["Strength"].to_numpy(dtype=np.float64) if "Strength" in levels else np.ones(len(price))
    else:
        if isinstance(levels, dict):
            levels = list(levels.values())
        try:
            price = np.asarray(levels, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputError(f"expected prices, got {type(levels).__name__}", column="levels") from None
        strength = np.ones(len(price))
    keep = ~np.isnan(price)
    return price[keep], strength[keep]


@accepts_frames
def retracements(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame, *, mode: Mode = "smc",
                 backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Retracements from the last swing: columns ``Direction`` (int32: 1 up, -1 down, 0),
    ``CurrentRetracement%`` and ``DeepestRetracement%``.

    A swing high sets the direction to 1 and the top, a swing low -1 and the bottom.
    After an up bar, ``current = 100 - (low - bottom) / (top - bottom) * 100``; on a
    down bar ``current = 100 - (high - top) / (bottom - top) * 100`` (0 for an empty
    range), rounded as numpy rounds to one decimal; ``deepest`` is its running maximum
    since the direction began. As in smartmoneyconcepts, the values then move one bar
    later (the last bar's wrap to bar 0) and the bars through the third change of
    direction are zeroed.

    ``mode="causal"`` (with ``swing_highs_lows(ohlc, L, mode="causal")``): the same
    formulas on each bar from the report that confirms the swing, unrounded and
    unshifted, NaN before a top and a bottom are known (or for an empty range); nothing
    after a row is used for it.

    Examples
    --------
    >>> pullback = barsmith.structure.retracements(ohlc, swing_highs_lows(ohlc, 5, mode="causal"), mode="causal")
    """
    (high, low), index = _columns(ohlc, ("high", "low"))
    if _mode(mode) == "causal":
        kind, level, _ = _causal_swings(swing_highs_lows, len(high))
        out = kernel("retracements_causal", backend)(high, low, kind, level)
    else:
        kind, level = _swings(swing_highs_lows, len(high))
        out = kernel("retracements", backend)(high, low, kind, level)
    return output_frame(
        {"Direction": out[0].astype(np.int32), "CurrentRetracement%": out[1], "DeepestRetracement%": out[2]},
        index,
    )


# smartmoneyconcepts 0.0.27's sessions, (start, end) in UTC, both ends included
SESSIONS = {
    "Sydney": ("21:00", "06:00"),
    "Tokyo": ("00:00", "09:00"),
    "London": ("07:00", "16:00"),
    "New York": ("13:00", "22:00"),
    "Asian kill zone": ("00:00", "04:00"),
    "London open kill zone": ("6:00", "9:00"),
    "New York kill zone": ("11:00", "14:00"),
    "london close kill zone": ("14:00", "16:00"),
}


@accepts_frames
def sessions(ohlc: pd.DataFrame, session: str, start_time: str = "", end_time: str = "", time_zone: str = "UTC",
             *, mode: Mode = "smc", backend: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Which bars fall in a trading session: columns ``Active`` (int32, 1 or 0), ``High`` and
    ``Low`` (float32, the session's running extremes; 0 outside it).

    ``session`` is one of :data:`SESSIONS` (UTC times, as smartmoneyconcepts 0.0.27) or
    ``"Custom"`` with ``start_time`` and ``end_time`` (``"HH:MM"``). A bar is in the session
    when its time of day (to the minute) lies between start and end, both included, or,
    for a session past midnight, after the start or before the end. A naive index is in
    ``time_zone`` (``"UTC+2"``, ``"GMT-5"``, as smartmoneyconcepts reads them); a
    tz-aware index is read in its own time zone. No bar after a row is used for it, so
    ``mode="causal"`` gives the same. The input is not modified (smartmoneyconcepts
    rewrites its index).

    Examples
    --------
    >>> london = barsmith.structure.sessions(ohlc, "London")
    """
    _mode(mode)
    (high, low), index = _columns(ohlc, ("high", "low"))
    if session == "Custom":
        if not start_time or not end_time:
            raise InputError("a Custom session needs start_time and end_time ('HH:MM')", column="session")
        bounds = (start_time, end_time)
    elif session in SESSIONS:
        bounds = SESSIONS[session]
    else:
        raise InputError(f"unknown session {session!r}; use one of {sorted(SESSIONS)} or 'Custom'", column="session")
    try:
        start, end = (pd.Timestamp(f"2000-01-01 {t}") for t in bounds)
    except ValueError:
        raise InputError(f"times must be 'HH:MM', got {bounds}", column="start_time") from None
    times = _times(index)
    if time_zone != "UTC" and times.tz is None:
        zone = time_zone.replace("GMT", "Etc/GMT").replace("UTC", "Etc/GMT")
        times = times.tz_localize(zone).tz_convert("UTC")
    minute = frozen(np.ascontiguousarray((times.hour * 60 + times.minute).to_numpy(), dtype=np.int64))
    out = kernel("sessions", backend)(minute, high, low, start.hour * 60 + start.minute, end.hour * 60 + end.minute)
    return output_frame(
        {"Active": out[0].astype(np.int32), "High": out[1].astype(np.float32), "Low": out[2].astype(np.float32)},
        index,
    )


def _times(index: pd.Index) -> pd.DatetimeIndex:
    """The index as a DatetimeIndex (strings parsed, as smartmoneyconcepts does), without NaT."""
    try:
        times = pd.DatetimeIndex(index if isinstance(index, pd.DatetimeIndex) else pd.to_datetime(index))
    except (TypeError, ValueError) as err:
        raise InputError(f"expected a DatetimeIndex or dates ({err})", column="index") from None
    if times.hasnans:
        raise InputError(f"NaT at row {int(np.argmax(times.isna()))}", column="index")
    return times


def _swings(swing_highs_lows: Any, n_bars: int) -> list[np.ndarray]:
    """The ``HighLow`` and ``Level`` columns of :func:`swing_highs_lows`' output, one row per bar."""
    (kind, level), _ = _columns(swing_highs_lows, ("highlow", "level"))
    if len(kind) != n_bars:
        raise InputError(f"{len(kind)} rows for {n_bars} bars: pass swing_highs_lows(ohlc) of the same bars",
                         column="swing_highs_lows")  # fmt: skip
    return [kind, level]


def _causal_swings(swing_highs_lows: Any, n_bars: int) -> list[np.ndarray]:
    """``HighLow``, ``Level`` and ``SwingIndex`` of ``swing_highs_lows(..., mode="causal")``."""
    if isinstance(swing_highs_lows, pd.DataFrame) and "SwingIndex" not in swing_highs_lows.columns:
        raise InputError("causal mode needs causal swings (no SwingIndex column): pass "
                         "swing_highs_lows(ohlc, swing_length, mode='causal')", column="swing_highs_lows")  # fmt: skip
    (kind, level, swing_index), _ = _columns(swing_highs_lows, ("highlow", "level", "swingindex"))
    if len(kind) != n_bars:
        raise InputError(f"{len(kind)} rows for {n_bars} bars: pass swing_highs_lows(ohlc) of the same bars",
                         column="swing_highs_lows")  # fmt: skip
    return [kind, level, swing_index]


def _mode(mode: str) -> str:
    """The mode, checked: "smc" (smartmoneyconcepts' answers) or "causal" (no lookahead)."""
    if mode not in ("smc", "causal"):
        raise InputError(f"must be 'smc' or 'causal', got {mode!r}", column="mode")
    return mode


def _columns(ohlc: Any, names: tuple[str, ...]) -> tuple[list[np.ndarray], pd.Index]:
    """The named columns (any capitalisation) as read-only float64 arrays, and the index."""
    if not isinstance(ohlc, pd.DataFrame):
        raise InputError(f"expected a DataFrame with columns {', '.join(names)}, got {type(ohlc).__name__}")
    lower = {str(c).lower(): c for c in ohlc.columns}
    arrays = []
    for name in names:
        if name not in lower:
            raise InputError(f"missing; the frame has {list(ohlc.columns)}", column=name)
        arrays.append(frozen(to_float(ohlc[lower[name]], name)))
    return arrays, ohlc.index
