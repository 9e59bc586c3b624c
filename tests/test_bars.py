"""Trade bars as users rely on them: equal to pandas resample, correct shapes, clear errors."""

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_BACKENDS

import barsmith
from barsmith import InputError
from barsmith._compare import max_relative_difference
from barsmith._peers import pandas_resample_bars, polars_bars, polars_bars_frame, polars_frame
from barsmith.bars import BAR_COLUMNS, dollar_bars, tick_bars, time_bars, volume_bars


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("interval", ["1s", "5s", "7s", "1min", "1h"])
def test_time_bars_equal_pandas_resample_with_empty_bars_dropped(day, backend, interval):
    bars = time_bars(day, interval, backend=backend)
    expected = pandas_resample_bars(day, interval)
    assert max_relative_difference(bars, expected) <= 1e-12


def test_time_bars_equal_pandas_resample_on_the_plain_ohlcv_expression(day):
    frame = day.set_index("ts_event")
    expected = frame.resample("5s").agg(
        open=("price", "first"), high=("price", "max"), low=("price", "min"),
        close=("price", "last"), volume=("size", "sum"), n_trades=("size", "count"),
    )  # fmt: skip
    expected = expected[expected["n_trades"] > 0]
    bars = time_bars(day, "5s")
    pd.testing.assert_frame_equal(bars[expected.columns], expected, check_names=False, check_freq=False, rtol=1e-12)


def test_time_bars_ohlcv_vwap_count_equal_polars_group_by_dynamic(day):
    pytest.importorskip("polars")
    expected = polars_bars_frame(polars_bars(polars_frame(day), "5s"))
    bars = time_bars(day, "5s")[list(expected.columns)]
    assert max_relative_difference(bars, expected) <= 1e-12


def test_output_is_indexed_by_bar_start_in_utc_with_all_columns(day):
    bars = time_bars(day, "5s")
    assert list(bars.columns) == list(BAR_COLUMNS)
    assert isinstance(bars.index, pd.DatetimeIndex) and str(bars.index.tz) == "UTC"
    assert bars.index.name == "ts"
    assert (bars.index.asi8 % 5_000_000_000 == 0).all()
    assert bars["n_trades"].dtype == np.int64
    assert str(bars["ts_first"].dtype) == "datetime64[ns, UTC]"
    assert (bars["ts_first"] >= bars.index).all() and (bars["ts_last"] < bars.index + pd.Timedelta("5s")).all()
    assert bars["n_trades"].sum() == len(day)
    assert np.isclose(bars["buy_volume"].sum() + bars["sell_volume"].sum(),
                      day.loc[day["side"] != "N", "size"].sum())  # fmt: skip


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_empty_input_gives_empty_frame_with_right_columns_and_dtypes(day, backend):
    empty = day.iloc[:0]
    for bars in (time_bars(empty, "5s", backend=backend), tick_bars(empty, 10, backend=backend),
                 volume_bars(empty, 10.0, backend=backend), time_bars(empty, "5s", empty="ffill", backend=backend)):  # fmt: skip
        assert len(bars) == 0
        assert list(bars.columns) == list(BAR_COLUMNS)
        assert bars["n_trades"].dtype == np.int64 and bars["open"].dtype == np.float64
        assert str(bars.index.dtype) == "datetime64[ns, UTC]"


def test_numpy_arrays_by_keyword_give_the_same_bars(day):
    ts = pd.DatetimeIndex(day["ts_event"]).asi8
    side = np.where(day["side"] == "B", 1, np.where(day["side"] == "A", -1, 0)).astype(np.int8)
    from_arrays = time_bars(ts_event=ts, price=day["price"].to_numpy(), size=day["size"].to_numpy(),
                            side=side, interval="5s")  # fmt: skip
    pd.testing.assert_frame_equal(from_arrays, time_bars(day, "5s"))


def test_side_codes_as_strings_bytes_and_categories_are_equivalent(day):
    small = day.iloc[:3000]
    expected = time_bars(small, "5s")
    for side in (small["side"].astype(str), small["side"].astype(object), small["side"].astype("S1").to_numpy()):
        got = time_bars(ts_event=small["ts_event"], price=small["price"], size=small["size"], side=side)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["N", "A", "B"], [1, -1, 0, 1]),  # any category order
        (["B", "A"], None),  # a missing side: a NaN code
        (["B", "A", "N", "X"], [1, -1, 0, 1]),  # an unused unknown category is harmless
    ],
)
def test_categorical_sides_map_by_category_not_by_code(categories, expected):
    side = pd.Categorical([c if c in categories else None for c in ["B", "A", "N", "B"]], categories=categories)
    trades = pd.DataFrame({"ts_event": [1, 2, 3, 4], "price": [1.0, 2.0, 3.0, 4.0], "size": [1.0, 2.0, 4.0, 8.0],
                           "side": side})  # fmt: skip
    if expected is None:
        with pytest.raises(InputError, match="side") as err:
            tick_bars(trades, 1)
        assert err.value.row == 2
    else:
        bars = tick_bars(trades, 1)
        buy_minus_sell = bars["buy_volume"] - bars["sell_volume"]
        assert buy_minus_sell.tolist() == [s * v for s, v in zip(expected, [1.0, 2.0, 4.0, 8.0])]


def test_empty_nan_keeps_empty_bins_with_nan_prices_and_zero_volume():
    s = 1_000_000_000
    trades = pd.DataFrame({"ts_event": [0, 1 * s, 16 * s], "price": [10.0, 11.0, 12.0], "size": [1.0, 1.0, 2.0]})
    bars = time_bars(trades, "5s", empty="nan")
    assert len(bars) == 4
    assert bars["close"].isna().tolist() == [False, True, True, False]
    assert bars["volume"].tolist() == [2.0, 0.0, 0.0, 2.0]
    assert bars["n_trades"].tolist() == [2, 0, 0, 1]
    assert bars["ts_first"].isna().tolist() == [False, True, True, False]


def test_empty_ffill_carries_the_close_with_zero_volume():
    s = 1_000_000_000
    trades = pd.DataFrame({"ts_event": [0, 1 * s, 16 * s], "price": [10.0, 11.0, 12.0], "size": [1.0, 1.0, 2.0]})
    bars = time_bars(trades, "5s", empty="ffill")
    filled = bars.iloc[1:3]
    for col in ("open", "high", "low", "close", "vwap"):
        assert (filled[col] == 11.0).all()
    assert (filled["volume"] == 0).all() and (filled["n_trades"] == 0).all()
    expected = trades.set_index(pd.to_datetime(trades["ts_event"], utc=True))["price"].resample("5s").last().ffill()
    np.testing.assert_array_equal(bars["close"].to_numpy(), expected.to_numpy())


def test_a_trade_that_crosses_the_volume_threshold_is_not_split():
    trades = pd.DataFrame({"ts_event": [1, 2, 3, 4], "price": [1.0, 2.0, 3.0, 4.0], "size": [3.0, 3.0, 10.0, 1.0]})
    bars = volume_bars(trades, 5.0)
    assert bars["volume"].tolist() == [6.0, 10.0, 1.0]  # 6 >= 5 closes bar 1 whole; 10 alone closes bar 2
    assert bars["n_trades"].tolist() == [2, 1, 1]
    assert bars.index.asi8.tolist() == [1, 3, 4]  # indexed by each bar's first trade


def test_dollar_bars_close_on_notional_and_tick_bars_on_count(day):
    bars = dollar_bars(day, 5e6)
    notional = bars["vwap"] * bars["volume"]
    assert (notional.iloc[:-1] >= 5e6 * (1 - 1e-12)).all()
    ticks = tick_bars(day, 1000)
    assert (ticks["n_trades"].iloc[:-1] == 1000).all() and ticks["n_trades"].sum() == len(day)


def test_inputs_are_never_mutated(day):
    copy = day.copy(deep=True)
    shuffled = day.sample(frac=1.0, random_state=0)
    shuffled_copy = shuffled.copy(deep=True)
    time_bars(day, "5s")
    time_bars(shuffled, "5s", sort=True)
    pd.testing.assert_frame_equal(day, copy)
    pd.testing.assert_frame_equal(shuffled, shuffled_copy)


def test_sort_true_equals_a_stable_sort_first(day):
    shuffled = day.sample(frac=1.0, random_state=1)
    expected = time_bars(shuffled.sort_values("ts_event", kind="stable"), "5s")
    pd.testing.assert_frame_equal(time_bars(shuffled, "5s", sort=True), expected)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize(
    "column, bad, message",
    [
        ("price", np.nan, "finite and > 0"),
        ("price", np.inf, "finite and > 0"),
        ("price", 0.0, "finite and > 0"),
        ("price", -5.0, "finite and > 0"),
        ("size", -1.0, ">= 0"),
        ("size", np.nan, ">= 0"),
        ("side", "X", "unknown side code 'X'"),
    ],
)
def test_bad_values_raise_input_error_naming_column_and_row(day, backend, column, bad, message):
    trades = day.iloc[:100].copy()
    trades[column] = trades[column].astype(object) if column == "side" else trades[column]
    trades.iloc[37, trades.columns.get_loc(column)] = bad
    with pytest.raises(InputError, match=message) as err:
        time_bars(trades, "5s", backend=backend)
    assert err.value.column == column and err.value.row == 37
    assert f"column '{column}', row 37" in str(err.value)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_unsorted_timestamps_raise_unless_sort_is_requested(day, backend):
    trades = day.iloc[:100].iloc[[*range(50), 60, *range(50, 60), *range(61, 100)]]
    with pytest.raises(InputError, match="not sorted.*sort=True") as err:
        tick_bars(trades, 10, backend=backend)
    assert err.value.column == "ts_event" and err.value.row == 51


def test_missing_columns_and_bad_parameters_raise_input_error(day):
    with pytest.raises(InputError, match="column 'size'"):
        time_bars(day.drop(columns="size"))
    with pytest.raises(InputError, match="ts_event"):
        time_bars(day.drop(columns="ts_event"))
    with pytest.raises(InputError, match="column 'interval'"):
        time_bars(day, "1M")
    with pytest.raises(InputError, match="column 'empty'"):
        time_bars(day, empty="zero")
    with pytest.raises(InputError, match="column 'n'"):
        tick_bars(day, 0)
    with pytest.raises(InputError, match="column 'threshold'"):
        volume_bars(day, -3)
    with pytest.raises(InputError, match="numbers"):
        time_bars(day.assign(price=day["price"].astype(str)))
    with pytest.raises(InputError, match="different lengths"):
        time_bars(ts_event=np.arange(3), price=np.ones(2), size=np.ones(3))
    with pytest.raises(InputError, match="align") as err:  # Series by keyword: rows of other labels
        time_bars(ts_event=day["ts_event"], price=day["price"], size=day["size"].iloc[::-1])
    assert (err.value.column, err.value.row) == ("size", 0)


def test_a_ts_event_column_or_a_datetime_index_is_accepted(day):
    indexed = day.set_index("ts_event")
    pd.testing.assert_frame_equal(time_bars(indexed, "5s"), time_bars(day, "5s"))
    naive = day.assign(ts_event=day["ts_event"].dt.tz_localize(None))  # tz-naive is read as UTC
    pd.testing.assert_frame_equal(time_bars(naive, "5s"), time_bars(day, "5s"))
