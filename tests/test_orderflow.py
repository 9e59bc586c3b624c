"""Trade classification, CVD, decayed trade pressure and bar flow imbalance against the
pandas expressions they document."""

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_BACKENDS

import barsmith
from barsmith import InputError
from barsmith.orderflow import (
    aggressive_trades,
    classify_trades,
    cvd,
    flow_imbalance,
    multi_timeframe_flow,
    trade_flow,
    volume_profile,
)


@pytest.fixture(scope="module")
def trades():
    return barsmith.synth.trades(20_000, seed=5, duration="30min")


@pytest.fixture(scope="module")
def quotes(trades):
    rng = np.random.default_rng(2)
    ts = np.sort(rng.choice(pd.DatetimeIndex(trades["ts_event"]).asi8, 3_000)) - 1
    mid = np.interp(ts, pd.DatetimeIndex(trades["ts_event"]).asi8, trades["price"].to_numpy())
    half = 0.125 * rng.integers(1, 3, len(ts))
    return pd.DataFrame({"ts_event": pd.to_datetime(ts, utc=True), "bid_px_00": mid - half, "ask_px_00": mid + half})


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_tick_rule_equals_its_pandas_expression(trades, backend):
    price = trades["price"]
    expected = np.sign(price.diff()).replace(0, np.nan).ffill().fillna(0).astype(np.int8)
    got = classify_trades(trades, "tick", backend=backend)
    pd.testing.assert_series_equal(got, expected.rename("sign"))


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_lee_ready_uses_the_prevailing_mid_via_merge_asof(trades, quotes, backend):
    merged = pd.merge_asof(
        trades[["ts_event", "price"]], quotes, on="ts_event", direction="backward", allow_exact_matches=True
    )
    mid = (merged["bid_px_00"] + merged["ask_px_00"]) / 2
    tick = np.sign(trades["price"].diff()).replace(0, np.nan).ffill().fillna(0)
    expected = np.where(trades["price"] > mid, 1, np.where(trades["price"] < mid, -1, tick)).astype(np.int8)
    got = classify_trades(trades, "lee_ready", quotes=quotes, backend=backend)
    np.testing.assert_array_equal(got.to_numpy(), expected)
    assert got.index.equals(trades.index)


def test_classified_signs_feed_the_bars(trades):
    unlabelled = trades.drop(columns="side")
    signed = unlabelled.assign(side=classify_trades(unlabelled))
    bars = barsmith.bars.time_bars(signed, "1min")
    assert (bars["buy_volume"] + bars["sell_volume"]).sum() > 0.9 * bars["volume"].sum()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_cvd_equals_the_running_signed_volume(trades, backend):
    sign = trades["side"].map({"B": 1, "A": -1, "N": 0}).astype(np.int8)
    signed = trades["size"] * sign
    pd.testing.assert_series_equal(cvd(trades, backend=backend), signed.cumsum().rename("cvd"), rtol=1e-12)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_cvd_resets_each_period(trades, backend):
    sign = trades["side"].map({"B": 1, "A": -1, "N": 0}).astype(np.int8)
    signed = trades["size"] * sign
    expected = signed.groupby(trades["ts_event"].dt.floor("5min")).cumsum()
    pd.testing.assert_series_equal(cvd(trades, reset="5min", backend=backend), expected.rename("cvd"), rtol=1e-12)


def test_cvd_without_a_side_says_how_to_classify(trades):
    with pytest.raises(InputError, match="classify_trades"):
        cvd(trades.drop(columns="side"))


def test_lee_ready_needs_sorted_quotes_with_bid_and_ask(trades, quotes):
    with pytest.raises(InputError, match="quotes"):
        classify_trades(trades, "lee_ready")
    with pytest.raises(InputError, match="bid/ask"):
        classify_trades(trades, "lee_ready", quotes=quotes.rename(columns={"bid_px_00": "b"}))
    with pytest.raises(InputError, match="not sorted") as err:
        classify_trades(trades, "lee_ready", quotes=quotes.iloc[::-1])
    assert err.value.row == 1
    with pytest.raises(InputError, match="method"):
        classify_trades(trades, "quote")


def test_arrays_in_give_arrays_out(trades):
    out = classify_trades(ts_event=trades["ts_event"].to_numpy(), price=trades["price"].to_numpy(),
                          size=trades["size"].to_numpy())  # fmt: skip
    assert isinstance(out, np.ndarray) and out.dtype == np.int8


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_trade_pressure_is_pandas_time_ewm_times_the_decayed_count(trades, backend):
    # pandas' ewm(halflife, times).mean() is sum(w * x) / sum(w); the pressure is sum(w * x)
    # and sum(w) is the pressure of unit buys, so their quotient is pandas' mean
    ts = pd.DatetimeIndex(trades["ts_event"])
    buys = trades["size"].where(trades["side"] == "B", 0.0)
    flow = trade_flow(trades, half_life="20s", backend=backend)
    unit = trade_flow(ts_event=ts.asi8, price=np.ones(len(ts)), size=np.ones(len(ts)),
                      side=np.full(len(ts), "B"), half_life="20s", backend=backend)  # fmt: skip
    expected = buys.ewm(halflife="20s", times=ts).mean().to_numpy()
    # rtol 1e-8: pandas differences the timestamps as float64 (256 ns apart at today's epoch
    # nanoseconds), barsmith as int64, so pandas' exponents carry ~1e-8 relative error
    np.testing.assert_allclose(flow["buy_pressure"].to_numpy() / unit["buy_pressure"].to_numpy(), expected, rtol=1e-8)
    assert flow.index.equals(trades.index)
    both = flow["buy_pressure"] + flow["sell_pressure"]
    np.testing.assert_allclose(flow["imbalance"], (flow["buy_pressure"] - flow["sell_pressure"]) / both)
    assert flow["imbalance"].between(-1, 1).all()


def test_trade_pressure_agrees_to_the_bit_across_backends(trades):
    # the imbalance cancels (buy - sell); an ulp apart in one decay once showed as 5e-9
    frames = [trade_flow(trades, half_life="30s", backend=b) for b in ALL_BACKENDS]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0], check_exact=True)


def test_trade_pressure_halves_every_half_life_and_says_what_it_needs():
    ts = np.array([0, 10, 10, 40], dtype=np.int64) * 1_000_000_000
    flow = trade_flow(ts_event=ts, price=np.ones(4), size=np.array([8.0, 0, 2, 1]),
                      side=np.array(["B", "N", "A", "A"]), half_life="10s")  # fmt: skip
    assert isinstance(flow.index, pd.DatetimeIndex) and str(flow.index.tz) == "UTC"
    np.testing.assert_array_equal(flow["buy_pressure"], [8.0, 4.0, 4.0, 0.5])
    np.testing.assert_array_equal(flow["sell_pressure"], [0.0, 0.0, 2.0, 1.25])
    assert flow["ratio"].iloc[0] == np.inf and flow["ratio"].iloc[2] == 2.0
    with pytest.raises(InputError, match="side"):
        trade_flow(ts_event=ts, price=np.ones(4), size=np.ones(4))
    with pytest.raises(InputError, match="half_life"):
        trade_flow(ts_event=ts, price=np.ones(4), size=np.ones(4), side=np.full(4, "B"), half_life="1 month")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_bar_flow_imbalance_equals_its_pandas_expression(trades, backend):
    bars = barsmith.bars.time_bars(trades, "10s", empty="ffill")
    bars.iloc[[5, 6, 40], bars.columns.get_loc("buy_volume")] = np.nan  # gaps, as pandas ewm re-weights them
    net = (bars.buy_volume - bars.sell_volume).ewm(span=12, adjust=False, min_periods=12).mean()
    total = (bars.buy_volume + bars.sell_volume).ewm(span=12, adjust=False, min_periods=12).mean()
    got = flow_imbalance(bars, span=12, backend=backend)
    pd.testing.assert_series_equal(got, (net / total).where(total != 0).rename("flow_imbalance"), rtol=1e-12)
    with pytest.raises(InputError) as err:
        flow_imbalance(bars.drop(columns="sell_volume"))
    assert err.value.column == "sell_volume"


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_volume_profile_equals_a_pandas_groupby(backend):
    trades = barsmith.synth.trades(30_000, seed=11, duration="3D")
    profile = volume_profile(trades, bin_size=0.5, by="1D", backend=backend)
    day = pd.DatetimeIndex(trades["ts_event"]).floor("1D")
    expected = trades.groupby([day.rename("period"), (np.floor(trades["price"] / 0.5) * 0.5).rename("price")])["size"].sum()
    pd.testing.assert_series_equal(profile["volume"], expected.rename("volume"), check_exact=False, rtol=1e-12)
    per_day = profile["volume"].groupby(level="period")
    poc = profile.index[profile["poc"]]
    assert list(poc) == list(per_day.idxmax())  # one per day, the lowest of equals
    for _, day_profile in profile.groupby(level="period"):
        area = day_profile["value_area"].to_numpy()
        inside = np.flatnonzero(area)
        assert (np.diff(inside) == 1).all() and day_profile["poc"].to_numpy()[inside].any()  # contiguous, holds the POC
        held = day_profile["volume"].to_numpy()[inside].sum()
        total = day_profile["volume"].sum()
        assert held >= 0.7 * total
        edges = day_profile["volume"].to_numpy()[[inside[0], inside[-1]]]
        assert held - edges.max() < 0.7 * total  # the last level added (an edge) was needed
        vol = day_profile["volume"]
        assert (vol[day_profile["hvn"]] > vol.mean()).all() and (vol[day_profile["lvn"]] < vol.mean()).all()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_volume_profile_of_bars_and_bad_parameters(backend):
    trades = barsmith.synth.trades(5_000, seed=3, duration="2h")
    bars = barsmith.bars.time_bars(trades, "1min", empty="nan")
    profile = volume_profile(bars, bin_size=0.25, by=None, backend=backend)
    assert profile["volume"].sum() == pytest.approx(bars["volume"].sum()) and profile["poc"].sum() == 1
    before = bars.copy()
    with pytest.raises(InputError) as err:
        volume_profile(bars, bin_size=0)
    assert err.value.column == "bin_size"
    with pytest.raises(InputError, match="value_area"):
        volume_profile(bars, 0.25, value_area=1.5)
    with pytest.raises(InputError) as err:
        volume_profile(bars.assign(volume=bars["volume"].where(np.arange(len(bars)) != 4, np.inf)), 0.25)
    assert (err.value.column, err.value.row) == ("volume", 4)
    pd.testing.assert_frame_equal(bars, before)
    empty = volume_profile(trades.iloc[:0], 0.25)
    assert len(empty) == 0 and list(empty.columns) == ["volume", "poc", "value_area", "hvn", "lvn"]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_multi_timeframe_flow_uses_only_trades_up_to_each_bar(trades, backend):
    flow = multi_timeframe_flow(trades, ("5s", "1min"), backend=backend)
    bars = barsmith.bars.time_bars(trades, "5s", empty="ffill")
    net, total = bars.buy_volume - bars.sell_volume, bars.buy_volume + bars.sell_volume
    expected = net.rolling(12).mean() / total.rolling(12).mean()
    pd.testing.assert_series_equal(flow["flow_1min"], expected.where(total.rolling(12).mean() != 0),
                                   check_names=False, rtol=1e-12)  # fmt: skip
    # no lookahead: the flow on a bar is the same when later trades are cut off
    cut = pd.DatetimeIndex(trades["ts_event"]) < flow.index[200] + pd.Timedelta("5s")
    early = multi_timeframe_flow(trades[cut], ("5s", "1min"), backend=backend)
    pd.testing.assert_frame_equal(early, flow.iloc[: len(early)])
    with pytest.raises(InputError, match="whole number"):
        multi_timeframe_flow(trades, ("5s", "7s"))


@pytest.fixture(scope="module")
def book_trades():
    """Trade records of a generated MBP-10 day: each carries the book just before it."""
    events = barsmith.synth.mbp10(150_000, seed=4)
    return events[events["action"] == "T"]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_large_trades_use_the_pandas_rolling_quantile_of_earlier_trades(book_trades, backend):
    size = book_trades["size"].astype(float).reset_index(drop=True)
    by_count = aggressive_trades(book_trades, size_quantile=0.9, window=300, backend=backend)
    expected = size.rolling(300).quantile(0.9).shift(1)
    np.testing.assert_array_equal(by_count["size_threshold"].to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(by_count["large"].to_numpy(), (size > expected).to_numpy())
    assert by_count["large"].sum() > 0

    timed = size.set_axis(pd.DatetimeIndex(book_trades["ts_event"]))
    by_time = aggressive_trades(book_trades, size_quantile=0.99, window="2min", min_periods=20, backend=backend)
    expected = timed.rolling("2min", closed="left", min_periods=20).quantile(0.99)
    np.testing.assert_array_equal(by_time["size_threshold"].to_numpy(), expected.to_numpy())
    assert by_time.index.equals(book_trades.index)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_sweep_is_one_order_taking_several_price_levels(book_trades, backend):
    got = aggressive_trades(book_trades, backend=backend)
    frame = book_trades.reset_index(drop=True)
    event = ((frame.ts_event != frame.ts_event.shift()) | (frame.side != frame.side.shift())).cumsum()
    levels = frame.groupby(event).price.transform("nunique")
    np.testing.assert_array_equal(got["event_levels"].to_numpy(), levels.to_numpy())
    np.testing.assert_allclose(got["event_size"].to_numpy(), frame.groupby(event)["size"].transform("sum"), rtol=1e-12)
    np.testing.assert_array_equal(got["sweep"].to_numpy(), levels.to_numpy() >= 2)
    assert 0 < got["sweep"].sum() < len(got) // 10
    # a sweep's later prints go beyond the touch it found
    assert got.loc[got["through"].to_numpy(dtype=bool, na_value=False), "sweep"].all()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_touch_against_the_trades_quotes_or_a_book(backend):
    ts = pd.to_datetime([10, 20, 20, 30, 40, 50], unit="s", utc=True)
    trades = pd.DataFrame({
        "ts_event": ts, "price": [100.0, 100.25, 100.5, 99.75, 100.0, 100.0], "size": [1.0, 2, 3, 4, 5, 6],
        "side": ["B", "B", "B", "A", "A", "N"],
    })  # fmt: skip
    quotes = {"bid": [np.nan, 100.0, 100.0, 100.0, 99.75, 99.75], "ask": [np.nan, 100.25, 100.25, 100.25, 100.0, 100.25]}
    got = aggressive_trades(trades.assign(bid_px=quotes["bid"], ask_px=quotes["ask"]), backend=backend)
    # unknown touch; at the ask; through the ask; through the bid; inside (a sell at the ask); N inside
    assert got["at_touch"].tolist() == [pd.NA, True, True, True, False, False]
    assert got["through"].tolist() == [pd.NA, False, True, True, False, False]
    assert got["sweep"].tolist() == [False, True, True, False, False, False]

    book = pd.DataFrame({"ts_event": pd.to_datetime([5, 20, 25], unit="s", utc=True),
                         "bid_px_00": [99.75, 99.0, 99.75], "ask_px_00": [100.0, 101.0, 100.0]})  # fmt: skip
    merged = pd.merge_asof(trades, book, on="ts_event", allow_exact_matches=False)
    from_book = aggressive_trades(trades, book=book, backend=backend)
    from_columns = aggressive_trades(merged, backend=backend)
    pd.testing.assert_frame_equal(from_book, from_columns)
    # the quote at 20 s comes too late for the trades at 20 s; the sell at 40 s is above the bid
    assert from_book["at_touch"].tolist() == [True, True, True, True, False, True]
    no_quotes = aggressive_trades(trades, backend=backend)
    assert no_quotes["at_touch"].isna().all()


def test_aggressive_trades_sorts_quotes_with_the_trades_and_leaves_the_input_alone():
    trades = pd.DataFrame({"ts_event": pd.to_datetime([30, 10, 20], unit="s", utc=True), "price": [101.0, 100.0, 99.0],
                           "size": [1.0, 2.0, 3.0], "side": ["B", "B", "A"], "bid": [100.0, 99.0, 99.0],
                           "ask": [101.0, 100.5, 100.0]})  # fmt: skip
    before = trades.copy()
    got = aggressive_trades(trades, sort=True, window=1, min_periods=1)
    pd.testing.assert_frame_equal(trades, before)
    assert got.index.tolist() == [1, 2, 0]
    assert got["at_touch"].tolist() == [False, True, True]
    assert got["size_threshold"].tolist()[1:] == [2.0, 3.0]
    arrays = aggressive_trades(ts_event=trades["ts_event"].to_numpy(), price=trades["price"].to_numpy(),
                               size=trades["size"].to_numpy(), bid=trades["bid"], ask=trades["ask"], sort=True)  # fmt: skip
    assert arrays["at_touch"].tolist() == [False, True, True]  # no side: either touch counts
    assert isinstance(arrays.index, pd.DatetimeIndex)
    with pytest.raises(InputError, match="not sorted"):
        aggressive_trades(trades)


def test_aggressive_trades_bad_parameters_name_what_to_fix(book_trades):
    few = book_trades.iloc[:50]
    with pytest.raises(InputError, match="size_quantile"):
        aggressive_trades(few, size_quantile=1.5)
    with pytest.raises(InputError, match="window"):
        aggressive_trades(few, window=0)
    with pytest.raises(InputError, match="window"):
        aggressive_trades(few, window="1 month")
    with pytest.raises(InputError, match="min_periods"):
        aggressive_trades(few, min_periods=0)
    with pytest.raises(InputError, match="book"):
        aggressive_trades(few, book=few)
    plain = few[["ts_event", "price", "size"]]
    with pytest.raises(InputError, match="ask"):
        aggressive_trades(plain, bid=few["bid_px_00"])
    with pytest.raises(InputError, match="bid"):
        aggressive_trades(plain, bid=few["bid_px_00"][:3], ask=few["ask_px_00"][:3])
    assert aggressive_trades(plain.iloc[:0]).empty
