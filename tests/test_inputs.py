"""Every public function reads every frame a user holds, and gives the NumPy path's numbers.

Frames: pandas with NumPy, nullable or Arrow dtypes, polars (eager and lazy), pyarrow
tables and record batches. Code columns (a trade's side, a book event's action and
side): every string layout pandas, NumPy, Arrow and polars have, categoricals in any
category order, and integer codes. The reference is the NumPy-backed frame.
"""

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import barsmith
from barsmith import InputError, indicators, orderflow, structure
from barsmith.bars import TimeBarBuilder, dollar_bars, tick_bars, time_bars, volume_bars
from barsmith._layouts import CODE_LAYOUTS, code_column, to_polars
from barsmith.book import Mbp10BarBuilder, mbp10_bars

TRADES = barsmith.synth.trades(3_000, seed=11)
TRADES["ts_event"] = TRADES["ts_event"].dt.floor("us")  # exact in every unit flavour below
OHLCV = barsmith.synth.ohlc(400, seed=3)
EVENTS = barsmith.synth.mbp10(3_000, seed=2)
BARS = time_bars(TRADES, "5s")


def _bar_builder(trades):
    builder = TimeBarBuilder("5s")
    half = len(TRADES) // 2
    parts = [builder.update(trades[:half]), builder.update(trades[half:]), builder.flush()]
    return pd.concat([p for p in parts if len(p)])


def _book_builder(events):
    builder = Mbp10BarBuilder("5s")
    half = len(EVENTS) // 2
    return pd.concat([builder.update(events[:half]), builder.update(events[half:]), builder.flush()])


def _swings(o):
    return structure.swing_highs_lows(o, 5)


# each public function as a user calls it, on the frame it takes
TRADE_CALLS = {
    "time_bars": lambda t: time_bars(t, "5s"),
    "tick_bars": lambda t: tick_bars(t, 100),
    "volume_bars": lambda t: volume_bars(t, 300),
    "dollar_bars": lambda t: dollar_bars(t, 1e6),
    "TimeBarBuilder": _bar_builder,
    "classify_trades": lambda t: orderflow.classify_trades(t),
    "cvd": lambda t: orderflow.cvd(t, reset="1h"),
    "trade_flow": lambda t: orderflow.trade_flow(t),
    "aggressive_trades": lambda t: orderflow.aggressive_trades(t, window=200),
    "volume_profile": lambda t: orderflow.volume_profile(t, 0.25),
    "multi_timeframe_flow": lambda t: orderflow.multi_timeframe_flow(t),
}
BAR_CALLS = {"flow_imbalance": lambda b: orderflow.flow_imbalance(b)}
OHLCV_CALLS = {
    **{name: (lambda o, f=getattr(indicators, name): f(o["close"])) for name in ("sma", "wma", "ema", "macd", "rsi",
                                                                                   "roc", "bbands", "rolling_zscore")},
    **{name: (lambda o, f=getattr(indicators, name): f(o["high"], o["low"], o["close"]))
       for name in ("true_range", "atr", "natr", "willr", "stoch", "dmi", "adx", "plus_di", "minus_di", "dx", "cci")},
    "obv": lambda o: indicators.obv(o["close"], o["volume"]),
    "mfi": lambda o: indicators.mfi(o["high"], o["low"], o["close"], o["volume"]),
    "vwap": lambda o: indicators.vwap(o["close"], o["volume"], window=20),
    "Rsi.update_many": lambda o: indicators.stream.Rsi(14).update_many(o["close"]),
    "Atr.update_many": lambda o: indicators.stream.Atr(14).update_many(o["high"], o["low"], o["close"]),
    "swing_highs_lows": _swings,
    "swing_highs_lows causal": lambda o: structure.swing_highs_lows(o, 5, mode="causal"),
    "fvg": lambda o: structure.fvg(o),
    "bos_choch": lambda o: structure.bos_choch(o, _swings(o)),
    "order_blocks": lambda o: structure.order_blocks(o, _swings(o)),
    "liquidity": lambda o: structure.liquidity(o, _swings(o)),
    "retracements": lambda o: structure.retracements(o, _swings(o)),
    "previous_high_low": lambda o: structure.previous_high_low(o, "4h"),
    "sessions": lambda o: structure.sessions(o, "London"),
    "market_structure": lambda o: structure.market_structure(o),
    "ranges": lambda o: structure.ranges(o),
    "support_resistance": lambda o: structure.support_resistance(o, (20, 50)),
    "level_proximity": lambda o: structure.level_proximity(o["close"], {"round": 1.1}),
}
EVENT_CALLS = {"mbp10_bars": lambda e: mbp10_bars(e, "5s"), "Mbp10BarBuilder": _book_builder}


FRAMES = {
    "arrow dtypes": lambda df: pa.Table.from_pandas(df).to_pandas(types_mapper=pd.ArrowDtype),
    "nullable dtypes": lambda df: df.convert_dtypes(),
    "microsecond times": lambda df: df.assign(**{c: df[c].dt.as_unit("us") for c in df.columns
                                                 if df[c].dtype.kind == "M"}),  # fmt: skip
    "polars": to_polars,
    "pyarrow table": lambda df: pa.Table.from_pandas(df),
    "pyarrow record batch": lambda df: pa.RecordBatch.from_pandas(df),
}
FRAME_ONLY = {"polars lazy": lambda df: to_polars(df).lazy()}  # no column access: frame-taking calls only


def _assert_same(got, expected):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_same(g, e)
        return
    if isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(got, expected)
        return
    if isinstance(got.index, pd.RangeIndex) and not isinstance(expected.index, pd.RangeIndex):
        got = got.set_axis(expected.index)  # a Series from polars or Arrow has no index to keep
    if isinstance(got.index.dtype, pd.ArrowDtype):
        got = got.set_axis(pd.DatetimeIndex(got.index.astype(expected.index.dtype)))  # the caller's own index, kept
    if isinstance(got, pd.Series) and got.name is None:
        got = got.rename(expected.name)  # an Arrow array has no name
    check = pd.testing.assert_frame_equal if isinstance(expected, pd.DataFrame) else pd.testing.assert_series_equal
    check(got, expected, check_freq=False)


def _cases(calls, data, flavours):
    return [pytest.param(call, data, flavour, id=f"{name}-{fname}")
            for name, call in calls.items() for fname, flavour in flavours.items()]  # fmt: skip


def _side_flavours():
    out = {f"side {k}": (lambda df, k=k: df.assign(side=code_column(df["side"], k))) for k in CODE_LAYOUTS}
    out["side int8 signs"] = lambda df: df.assign(side=df["side"].map({"B": 1, "A": -1, "N": 0}).astype(np.int8))
    out["side polars str"] = lambda df: pl.from_pandas(df.assign(side=df["side"].astype(str)))
    out["side polars categorical"] = to_polars
    out["side polars enum"] = lambda df: pl.from_pandas(df).with_columns(pl.col("side").cast(pl.Enum(["N", "A", "B"])))
    return out


def _book_flavours():
    out = {f"codes {k}": (lambda df, k=k: df.assign(action=code_column(df["action"], k), side=code_column(df["side"], k)))
           for k in CODE_LAYOUTS}  # fmt: skip
    out["codes polars str"] = lambda df: pl.from_pandas(df.assign(action=df.action.astype(str), side=df.side.astype(str)))
    return out


CASES = (
    _cases(TRADE_CALLS, TRADES, {**FRAMES, **FRAME_ONLY, **_side_flavours()})
    + _cases(BAR_CALLS, BARS, {**FRAMES, **FRAME_ONLY})
    + _cases(OHLCV_CALLS, OHLCV, FRAMES)
    + _cases(EVENT_CALLS, EVENTS, {**FRAMES, **_book_flavours()})
)


@pytest.mark.parametrize(("call", "data", "flavour"), CASES)
def test_every_function_reads_every_frame_flavour_as_the_numpy_path(call, data, flavour):
    expected = call(data)
    given = flavour(data)
    before = given.copy() if hasattr(given, "copy") else given.clone() if hasattr(given, "clone") else given
    _assert_same(call(given), expected)
    if isinstance(given, (pd.DataFrame, pl.DataFrame)):
        assert given.equals(before), "the input was mutated"


def test_the_reference_frame_is_not_mutated_either():
    copy = TRADES.copy(deep=True)
    for call in TRADE_CALLS.values():
        call(TRADES)
    pd.testing.assert_frame_equal(TRADES, copy)


# a NumPy string array has no missing value, and a one-character one cannot hold two
BAD_CODES = [(layout, bad) for layout in [*CODE_LAYOUTS, "polars str", "polars categorical"]
             for bad in ["X", None, "", "BB"]
             if not (layout in ("bytes S1", "unicode U1", "unicode U3") and bad is None)
             and not (layout in ("bytes S1", "unicode U1") and bad == "BB")]  # fmt: skip


@pytest.mark.parametrize(("layout", "bad"), BAD_CODES)
def test_an_unknown_side_code_in_any_layout_names_the_column_row_and_value(layout, bad):
    text = TRADES["side"].astype(str).to_numpy(dtype=object).copy()
    text[7] = bad
    if layout.startswith("polars"):
        dtype = pl.Categorical if layout == "polars categorical" else pl.String
        trades = pl.from_pandas(TRADES.drop(columns="side")).with_columns(pl.Series("side", list(text), dtype=dtype))
    else:
        trades = TRADES.assign(side=code_column(pd.Series(text, dtype=object), layout))
    with pytest.raises(InputError) as err:
        time_bars(trades, "5s")
    assert (err.value.column, err.value.row) == ("side", 7)
    shown = {None: ("None", "nan", "<NA>"), "": ("''", "b''"), "BB": ("BB",), "X": ("X",)}[bad]
    assert any(s in str(err.value) for s in shown), str(err.value)


@pytest.mark.parametrize("layout", [*CODE_LAYOUTS, "polars str"])
def test_an_unknown_book_action_in_any_layout_names_the_row(layout):
    text = EVENTS["action"].astype(str).to_numpy(dtype=object).copy()
    text[4] = "Z"
    if layout == "polars str":
        events = pl.from_pandas(EVENTS.drop(columns="action")).with_columns(pl.Series("action", list(text)))
    else:
        events = EVENTS.assign(action=code_column(pd.Series(text, dtype=object, index=EVENTS.index), layout))
    with pytest.raises(InputError) as err:
        mbp10_bars(events, "5s")
    assert (err.value.column, err.value.row) == ("action", 4)
    assert "Z" in str(err.value)


@pytest.mark.parametrize("layout", ["object", "string[python]", "arrow string", "arrow string_view", "unicode U3",
                                    "arrow dictionary"])  # fmt: skip
def test_an_unknown_code_is_found_at_any_row_of_a_long_column(layout):
    # long enough for the parallel readers (2^20 rows), the code read in blocks and in
    # fours: the first bad row is reported wherever it falls, a block edge or the last row
    n = (1 << 20) + 4_101
    text = np.where(np.arange(n) % 3 == 0, "B", "A").astype(object)
    good = barsmith._input.to_side(code_column(pd.Series(text), layout))
    np.testing.assert_array_equal(good, np.where(np.arange(n) % 3 == 0, 1, -1))
    for row in (0, 3, 4, 4_095, 4_096, 1 << 20, n - 1):
        bad = text.copy()
        bad[row], bad[-1] = "X", "Y"
        with pytest.raises(InputError) as err:
            time_bars(pd.DataFrame({"ts_event": np.arange(n), "price": 1.0, "size": 1.0,
                                    "side": code_column(pd.Series(bad), layout)}), "5s")  # fmt: skip
        assert err.value.row == row, (layout, row)


def test_codes_split_over_many_arrow_chunks_and_sliced_arrays_read_as_one_column():
    text = TRADES["side"].astype(str).to_numpy(dtype=object)
    chunked = pa.chunked_array([pa.array(text[:1000]), pa.array(text[1000:1001]), pa.array(text[1001:], pa.large_string())
                                .cast(pa.string())])  # fmt: skip
    sliced = pa.array(np.concatenate([["xx"] * 5, text]).astype(object))[5:]
    expected = time_bars(TRADES, "5s")
    for side in (chunked, sliced, pa.array(text).dictionary_encode()):
        _assert_same(time_bars(TRADES.assign(side=pd.Series(pd.arrays.ArrowExtensionArray(side))), "5s"), expected)


def test_many_distinct_string_objects_still_map_row_by_row():
    # np.str_ codes are one object per row, not CPython's shared one-character strings:
    # more distinct objects than the identity table holds, read one by one after it fills
    text = np.empty(len(TRADES), dtype=object)
    text[:] = [np.str_(c) for c in TRADES["side"].astype(str)]
    _assert_same(time_bars(TRADES.assign(side=text), "5s"), time_bars(TRADES, "5s"))
    text[2_999] = np.str_("Q")
    with pytest.raises(InputError) as err:
        time_bars(TRADES.assign(side=text), "5s")
    assert err.value.row == 2_999 and "Q" in str(err.value)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "America/New_York"])
def test_timestamps_of_any_unit_and_zone_are_the_same_instants(unit, tz):
    times = TRADES["ts_event"].dt.floor("s")
    trades = TRADES.assign(ts_event=times)
    expected = time_bars(trades, "5s")
    t = times.dt.tz_convert(tz) if tz else times.dt.tz_localize(None)
    for ts in (t.dt.as_unit(unit), t.dt.as_unit(unit).astype(pd.ArrowDtype(pa.timestamp(unit, tz=tz)))):
        _assert_same(time_bars(trades.assign(ts_event=ts), "5s"), expected)


def test_a_missing_arrow_timestamp_is_refused_with_its_row():
    ts = TRADES["ts_event"].astype(pd.ArrowDtype(pa.timestamp("us", tz="UTC"))).copy()
    ts.iloc[9] = None
    with pytest.raises(InputError) as err:
        time_bars(TRADES.assign(ts_event=ts), "5s")
    assert (err.value.column, err.value.row) == ("ts_event", 9)


def test_a_time_beyond_int64_nanoseconds_is_refused():
    ts = np.array(["2024-01-01", "2300-01-01"], dtype="datetime64[us]")
    with pytest.raises(InputError, match="does not fit"):
        time_bars(ts_event=ts, price=np.ones(2), size=np.ones(2))


def test_polars_output_on_request_with_the_index_as_first_column():
    expected = time_bars(TRADES, "5s")
    got = time_bars(pl.from_pandas(TRADES), "5s", output="polars")
    assert isinstance(got, pl.DataFrame) and got.columns[0] == "ts"
    np.testing.assert_array_equal(got["close"].to_numpy(), expected["close"].to_numpy())
    with barsmith.use_output("polars"):
        assert isinstance(indicators.rsi(OHLCV["close"]), pl.Series)
        assert all(isinstance(s, pl.Series) for s in indicators.macd(OHLCV["close"]))
    assert isinstance(indicators.rsi(OHLCV["close"]), pd.Series)
    barsmith.set_output("polars")
    try:
        assert isinstance(structure.fvg(OHLCV), pl.DataFrame)
    finally:
        barsmith.set_output("pandas")
    # polars bars go on into the structure functions: their ts column is read back as the index
    bars_pl = time_bars(pl.from_pandas(TRADES), "1min", output="polars")
    _assert_same(structure.previous_high_low(bars_pl, "1h"), structure.previous_high_low(time_bars(TRADES, "1min"), "1h"))


def test_an_unknown_output_is_a_value_error():
    with pytest.raises(ValueError, match="polars"):
        time_bars(TRADES, "5s", output="arrow")
    with pytest.raises(ValueError):
        barsmith.set_output("numpy")
