"""Engines fed bar by bar equal the batch computations they replace: SmcState equals
barsmith.structure in causal mode row for row, MomentumState equals barsmith.indicators,
however the bars are split into update and update_many calls."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barsmith import InputError, indicators, synth
from barsmith._registry import kernel
from barsmith.engines import (Bar, EngineStack, Event, EventLog, Fusion, HobState, MomentumState, MultiTimeframe, Sentinel,
                              SmcState, WyckoffState, hob, replay, wyckoff)  # fmt: skip
from barsmith.engines.log import event_columns, log_frame
from barsmith.engines.smc import COLUMNS
from barsmith.structure import bos_choch, fvg, order_blocks, swing_highs_lows

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "smc-eurusd-15m"


@pytest.fixture(scope="module")
def eurusd():
    frame = pd.read_csv(DATA / "EURUSD_15M.csv")
    frame.index = pd.to_datetime(frame.pop("Date"), format="%Y.%m.%d %H:%M:%S", utc=True)
    frame.columns = frame.columns.str.lower()
    return frame.assign(volume=frame["tickvol"].astype(float))[["open", "high", "low", "close", "volume"]]


def causal_structure(bars, swing_length, join_consecutive, close_break, backend, close_mitigation=False):
    """The batch causal functions, as SmcState's COLUMNS."""
    swings = swing_highs_lows(bars, swing_length, mode="causal", backend=backend)
    kind, level = (swings[c].to_numpy(dtype=float) for c in ("HighLow", "Level"))
    label, trend = kernel("market_structure", backend)(kind, level)
    gaps = fvg(bars, join_consecutive, mode="causal", backend=backend)
    breaks = bos_choch(bars, swings, close_break, mode="causal", backend=backend)
    blocks = order_blocks(bars, swings, close_mitigation, mode="causal", backend=backend)
    columns = [swings.HighLow, swings.Level, swings.SwingIndex, label, trend, gaps.FVG, gaps.Top, gaps.Bottom,
               gaps.GapIndex, gaps.MitigatedCount, breaks.BOS, breaks.CHOCH, breaks.Level, breaks.SwingIndex,
               *(blocks[c] for c in ("OB", "Top", "Bottom", "OBIndex", "SwingIndex", "OBVolume", "Percentage",
                                     "BullishMitigated", "BearishMitigated", "BullishRemoved", "BearishRemoved"))]  # fmt: skip
    return pd.DataFrame({c: np.asarray(v, dtype=float) for c, v in zip(COLUMNS, columns)}, index=bars.index)


ENGINE_BACKENDS = ["rust", "pandas"]  # the Rust state and the Python oracle


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_smc_state_equals_causal_structure_on_real_eurusd_bars(eurusd, engine):
    for length in (3, 5, 10):
        got = SmcState(length, backend=engine).update_many(eurusd)
        pd.testing.assert_frame_equal(got, causal_structure(eurusd, length, False, True, "rust"))


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
@pytest.mark.parametrize("backend", ["rust", "pandas"])
def test_smc_state_equals_causal_structure_on_generated_bars(backend, engine):
    @settings(max_examples=40, deadline=None)
    @given(st.integers(0, 10_000), st.integers(30, 400), st.integers(1, 6), st.booleans(), st.booleans(),
           st.booleans(), st.sampled_from([0.0001, 0.01]))  # fmt: skip
    def check(seed, n, length, join, close_break, close_mitigation, tick):
        bars = synth.ohlc(n, seed, tick=tick, start_price=100 * tick / 0.0001)  # a coarse tick: ties
        got = SmcState(length, join_consecutive=join, close_break=close_break, close_mitigation=close_mitigation,
                       backend=engine).update_many(bars)  # fmt: skip
        pd.testing.assert_frame_equal(got, causal_structure(bars, length, join, close_break, backend, close_mitigation))

    check()


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_any_split_of_the_bars_into_update_and_update_many_gives_the_same_rows(engine):
    bars = synth.ohlc(1500, seed=7, tick=0.001)
    whole = SmcState(4, join_consecutive=True, backend=engine).update_many(bars)
    rng = np.random.default_rng(0)
    for _ in range(3):
        smc, parts, start = SmcState(4, join_consecutive=True, backend=engine), [], 0
        while start < len(bars):
            stop = start + int(rng.integers(0, 40))
            if stop == start:  # one bar through update: its events make the row
                events = smc.update({**bars.iloc[start].to_dict(), "ts": bars.index[start]})
                parts.append(rows_of(events, bars.index[start : start + 1], whole.iloc[start]))
                stop += 1
            else:
                parts.append(smc.update_many(bars.iloc[start:stop]))
            start = stop
        pd.testing.assert_frame_equal(pd.concat(parts), whole)


def rows_of(events, index, expected_row):
    """A one-bar frame from update's events: checks each event against the frame's row."""
    row = expected_row.copy()
    shown = {e.kind for e in events}
    assert ("swing_high" in shown or "swing_low" in shown) == (row["swing"] == row["swing"])
    assert ("fvg" in shown) == (row["fvg"] == row["fvg"])
    assert sum(e.kind == "fvg_mitigated" for e in events) == row["fvg_mitigated"]
    assert ("bos" in shown) == (row["bos"] == row["bos"]) and ("choch" in shown) == (row["choch"] == row["choch"])
    assert ("order_block" in shown) == (row["ob"] == row["ob"])
    assert sum(e.kind == "order_block_mitigated" for e in events) == row["ob_bullish_mitigated"] + row["ob_bearish_mitigated"]
    assert sum(e.kind == "order_block_removed" for e in events) == row["ob_bullish_removed"] + row["ob_bearish_removed"]
    for e in events:
        assert isinstance(e, Event) and e.engine == "smc"
        if e.kind in ("bos", "choch"):
            assert (e.side, e.level, e.ref) == (row[e.kind], row["break_level"], row["break_swing_index"])
        if e.kind == "order_block":
            assert (e.side, e.level, e.ref) == (row["ob"], row["ob_top" if e.side > 0 else "ob_bottom"], row["ob_index"])
    return pd.DataFrame([row.to_numpy()], index=index, columns=list(COLUMNS))


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_state_shows_open_gaps_and_the_trend_after_the_last_bar(engine):
    bars = synth.ohlc(800, seed=2, tick=0.001)
    smc = SmcState(3, backend=engine)
    frame = smc.update_many(bars)
    view = smc.state
    assert view.bars == len(bars) and view.trend == frame["trend"].iloc[-1]
    formed = set(frame["fvg_index"].dropna().astype(int))
    assert {g.index for g in view.gaps} <= formed
    assert view.swings[-1] == tuple(frame.dropna(subset=["swing"])[["swing", "swing_level", "swing_index"]].iloc[-1])
    assert all(g.side in (1, -1) and g.top > g.bottom for g in view.gaps)
    smc.update_many(bars.iloc[:0])  # no bars: nothing changes
    assert smc.state == view


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_state_shows_the_order_blocks_standing_and_which_are_breakers(engine):
    bars = synth.ohlc(2000, seed=4, tick=0.001)
    smc = SmcState(3, backend=engine)
    frame, events = smc.read_many(bars)
    blocks = smc.state.blocks
    formed = frame.dropna(subset=["ob"])
    removed = {(e.side, e.ref) for e in events if e.kind == "order_block_removed"}
    mitigated = {(e.side, e.ref) for e in events if e.kind == "order_block_mitigated"}
    assert len(blocks) == len(formed) - len(removed) > 0
    assert [b.formed for b in blocks] == sorted(b.formed for b in blocks)
    for b in blocks:
        row = formed.loc[bars.index[b.formed]]
        assert (b.side, b.top, b.bottom, b.index, b.swing_index) == (row.ob, row.ob_top, row.ob_bottom, row.ob_index,
                                                                     row.ob_swing_index)  # fmt: skip
        assert b.mitigated == ((b.side, b.index) in mitigated)
        assert b.top >= b.bottom and b.index < b.formed


def test_two_runs_give_identical_rows_and_reset_starts_afresh():
    bars = synth.ohlc(600, seed=5)
    smc = SmcState(5)
    first = smc.update_many(bars)
    smc.reset()
    pd.testing.assert_frame_equal(smc.update_many(bars), first)


def test_the_rust_state_and_the_python_oracle_emit_the_same_events_and_state():
    bars = synth.ohlc(1200, seed=9, tick=0.001)
    rows = [{**r, "ts": ts} for ts, r in zip(bars.index, bars.to_dict("records"))]
    rust, oracle = SmcState(3, join_consecutive=True, backend="rust"), SmcState(3, join_consecutive=True, backend="pandas")
    for row in rows:
        assert rust.update(row) == oracle.update(row)
    assert rust.state == oracle.state
    with pytest.raises(InputError, match="backend"):
        SmcState(backend="cuda")


def test_momentum_state_equals_the_batch_indicators_bar_by_bar():
    bars = synth.ohlc(700, seed=4)
    momentum = MomentumState(rsi=14, macd=(12, 26, 9), adx=14)
    head = momentum.update_many(bars.iloc[:300])
    tail = [momentum.update({**bars.iloc[i].to_dict(), "ts": bars.index[i]}) for i in range(300, len(bars))]
    got = pd.concat([head, pd.DataFrame(tail, index=bars.index[300:])])
    macd, signal, hist = indicators.macd(bars.close, 12, 26, 9)
    adx, pdi, mdi, _ = indicators.dmi(bars.high, bars.low, bars.close, 14)
    expected = pd.DataFrame({"rsi": indicators.rsi(bars.close, 14), "macd": macd,
                             "macd_signal": signal, "macd_hist": hist, "adx": adx,
                             "plus_di": pdi, "minus_di": mdi}, index=bars.index)  # fmt: skip
    pd.testing.assert_frame_equal(got, expected, check_names=False)
    assert momentum.state == got.iloc[-1].to_dict()


@pytest.mark.parametrize("engine", [SmcState, lambda: SmcState(backend="pandas"), HobState,
                                    lambda: HobState(backend="pandas"), WyckoffState,
                                    lambda: WyckoffState(backend="pandas"), MomentumState])
@pytest.mark.parametrize(
    "row, column, value, message",
    [(3, "close", np.nan, "finite"), (5, "low", -1.0, "positive"), (2, "high", 0.5, "below low"),
     (4, "volume", -3.0, "volume")],
)  # fmt: skip
def test_bad_bars_are_refused_naming_the_bar_and_nothing_is_read(engine, row, column, value, message):
    bars = synth.ohlc(10, seed=1)
    bad = bars.copy()
    bad.iloc[row, bad.columns.get_loc(column)] = value
    before = bad.copy()
    e = engine()
    with pytest.raises(InputError, match=message) as caught:
        e.update_many(bad)
    assert caught.value.row == row and caught.value.column == column
    pd.testing.assert_frame_equal(bad, before)  # not mutated
    e.update_many(bars)  # the refused frame left no trace
    pd.testing.assert_frame_equal(e.update_many(bars.iloc[:0]), e.update_many(bars.iloc[:0]))
    fresh = engine()
    with pytest.raises(InputError, match=message):
        for i in range(len(bad)):
            fresh.update({**bad.iloc[i].to_dict(), "ts": bad.index[i]})
    assert fresh.update({**bars.iloc[row].to_dict(), "ts": bars.index[row]}) is not None  # the bad bar was not counted


def test_bars_out_of_time_order_are_refused_across_calls():
    bars = synth.ohlc(20, seed=1)
    smc = SmcState(2)
    smc.update_many(bars.iloc[:10])
    with pytest.raises(InputError, match="time order") as caught:
        smc.update_many(bars.iloc[5:12])
    assert caught.value.row == 10 and caught.value.column == "ts"
    shuffled = bars.iloc[[0, 2, 1, 3]]
    with pytest.raises(InputError, match="time order") as caught:
        SmcState(2).update_many(shuffled)
    assert caught.value.row == 2
    with pytest.raises(InputError, match="ts"):
        SmcState(2).update({"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0})


def test_a_missing_column_is_named():
    with pytest.raises(InputError, match="volume"):
        SmcState().update_many(synth.ohlc(5).drop(columns="volume"))


OHLCV = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
@pytest.mark.parametrize("higher", ["4h", "1D", "90min"])
def test_higher_bars_equal_pandas_resample_and_appear_only_once_complete(higher, engine):
    bars = synth.ohlc(3000, seed=1, freq="30min")
    bars = bars.drop(bars.index[np.random.default_rng(0).choice(len(bars), 400, replace=False)])  # gaps
    bars["volume"] *= np.random.default_rng(1).random(len(bars))  # sums that round
    built = MultiTimeframe("30min", (higher,), backend=engine).update_many(bars)[higher]
    expected = bars.resample(higher).agg(OHLCV).dropna()
    expected.index = expected.index.as_unit("ns")  # barsmith's times are ns
    complete = expected.index + pd.Timedelta(higher) <= bars.index[-1] + pd.Timedelta("30min")
    pd.testing.assert_frame_equal(built[list(OHLCV)], expected[complete | (expected.index < built.index[-1])],
                                  check_freq=False, check_names=False)  # fmt: skip
    # visible no earlier than the close of its last base bar, and no later than the next bar's arrival
    last_base = bars.index.to_series().groupby(bars.index.floor(higher)).max()
    assert (built["visible_at"] >= last_base.reindex(built.index).to_numpy()).all()


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_bar_by_bar_and_forming_bar(engine):
    bars = synth.ohlc(100, seed=2, freq="1h")
    frames = MultiTimeframe("1h", ("4h",), backend=engine)
    completed = []
    for i in range(len(bars)):
        done = frames.update({**bars.iloc[i].to_dict(), "ts": bars.index[i]})["4h"]
        completed += done
        forming = frames.forming("4h")
        if (i + 1) % 4:  # inside a bin: the forming bar is the bin so far
            part = bars.iloc[i - i % 4 : i + 1]
            assert forming is not None and forming.high == part.high.max() and forming.close == part.close.iloc[-1]
        else:
            assert forming is None and len(done) == 1
    whole = MultiTimeframe("1h", ("4h",), backend=engine).update_many(bars)["4h"]
    assert [b.close for b in completed] == whole["close"].tolist()
    assert [b.ts for b in completed] == whole.index.asi8.tolist()


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_a_gap_completes_the_unfinished_bin_and_the_new_one_together(engine):
    bars = synth.ohlc(8, seed=3, freq="1h").iloc[[0, 1, 7]]  # bin 00-04 unfinished, then 07:00 ends bin 04-08
    done = MultiTimeframe("1h", ("4h",), backend=engine).update_many(bars)["4h"]
    assert len(done) == 2 and (done["visible_at"] == bars.index[-1]).all()


def test_a_higher_timeframe_must_be_longer_than_the_base():
    with pytest.raises(InputError, match="longer"):
        MultiTimeframe("1h", ("30min",))
    with pytest.raises(InputError, match="interval"):
        MultiTimeframe("1h", ("monthly",))


def test_a_bar_reads_the_same_as_a_bar_tuple_a_mapping_or_a_series_with_any_time_type():
    bars = synth.ohlc(300, seed=4, freq="1h")
    whole = SmcState(3)
    whole.update_many(bars)
    forms = [
        lambda ts, r: Bar(*r, int(ts.value)),  # int ns
        lambda ts, r: {**r.to_dict(), "ts": ts.tz_localize(None)},  # naive: UTC
        lambda ts, r: {**r.to_dict(), "ts": ts.tz_convert("America/New_York")},
        lambda ts, r: {**r.to_dict(), "ts": ts.to_datetime64()},
        lambda ts, r: r.rename(ts),  # a Series named by its time
    ]
    logs = []
    for form in forms:
        smc = SmcState(3)
        logs.append([e for ts, (_, r) in zip(bars.index, bars.iterrows()) for e in smc.update(form(ts, r))])
        assert smc.state == whole.state
    assert logs[0] and all(log == logs[0] for log in logs)
    assert {e.ts for e in logs[0]} <= set(bars.index.as_unit("ns").asi8.tolist())


# -- HobState ----------------------------------------------------------------------------------


def hob_by_definition(bars, swing_length, volume_window, spike_z):
    """HobState's columns from their definitions, over the whole history at once: the wick
    ratios as a pandas expression, the rolling z of volume, and sweeps of every causal
    swing level no earlier bar traded beyond (the pool unbounded)."""
    o, h, lo, c = (bars[k] for k in ("open", "high", "low", "close"))
    span, top, bottom = h - lo, np.maximum(o, c), np.minimum(o, c)
    flat = span == 0
    out = pd.DataFrame(index=bars.index)
    out["upper_wick"] = ((h - top) / span).mask(flat, 0.0)
    out["lower_wick"] = ((bottom - lo) / span).mask(flat, 0.0)
    out["body"] = ((top - bottom) / span).mask(flat, 0.0)
    out["volume_z"] = indicators.rolling_zscore(bars["volume"], volume_window, backend="pandas")
    out["volume_spike"] = (out["volume_z"] >= spike_z).astype(float)
    swings = swing_highs_lows(bars, swing_length, mode="causal", backend="pandas").reset_index(drop=True)
    high, low, close = h.to_numpy(), lo.to_numpy(), c.to_numpy()
    for side, name, beyond, back, most in ((1, "sweep_high", np.greater, np.less_equal, np.argmax),
                                           (-1, "sweep_low", np.less, np.greater_equal, np.argmin)):  # fmt: skip
        count, level, index = np.zeros(len(bars)), np.full(len(bars), np.nan), np.full(len(bars), np.nan)
        for confirmed, row in swings[swings.HighLow == side].iterrows():
            reached = np.flatnonzero(beyond((high if side == 1 else low)[confirmed + 1 :], row.Level))
            if len(reached):  # the first bar beyond the level takes it; swept if the close came back
                t = confirmed + 1 + reached[0]
                if back(close[t], row.Level):
                    count[t] += 1
                    if level[t] != level[t] or not (row.Level < level[t] if side == 1 else row.Level > level[t]):
                        level[t], index[t] = row.Level, row.SwingIndex
        out[name], out[f"{name}_level"], out[f"{name}_index"] = count, level, index
    return out


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_hob_state_equals_its_definitions_over_the_whole_history(engine):
    @settings(max_examples=30, deadline=None)
    @given(st.integers(0, 10_000), st.integers(0, 500), st.integers(1, 6), st.integers(2, 30),
           st.sampled_from([0.5, 2.0]), st.sampled_from([0.0001, 0.01]))  # fmt: skip
    def check(seed, n, length, window, spike_z, tick):
        bars = synth.ohlc(n, seed, tick=tick, start_price=100 * tick / 0.0001)
        got = HobState(length, volume_window=window, spike_z=spike_z, levels=10**6, backend=engine).update_many(bars)
        pd.testing.assert_frame_equal(got, hob_by_definition(bars, length, window, spike_z), rtol=1e-9)

    check()


def test_hob_state_in_rust_equals_the_oracle_with_a_bounded_pool_of_levels():
    for seed, (length, levels) in enumerate([(1, 1), (2, 2), (3, 8), (5, 3)]):
        bars = synth.ohlc(2000, seed, tick=0.01, start_price=100.0)
        rust, oracle = (HobState(length, volume_window=10, spike_z=1.5, levels=levels, backend=b) for b in ENGINE_BACKENDS)
        frame, events = rust.read_many(bars)
        expected, expected_events = oracle.read_many(bars)
        pd.testing.assert_frame_equal(frame, expected)
        assert events == expected_events
        np.testing.assert_equal(vars(rust.state), vars(oracle.state))  # NaN equal to NaN
        assert len(rust.state.highs) <= levels and len(rust.state.lows) <= levels
        assert (frame["sweep_high"] > 0).any() and (frame["sweep_low"] > 0).any()


@pytest.mark.parametrize("make", [lambda b: SmcState(3, join_consecutive=True, backend=b),
                                  lambda b: HobState(3, volume_window=8, spike_z=1.0, levels=4, backend=b),
                                  lambda b: WyckoffState(3, pivots=5, window=10, backend=b)])  # fmt: skip
@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_update_and_read_many_give_the_same_rows_events_and_state_under_any_split(make, engine):
    bars = synth.ohlc(1200, seed=11, tick=0.001)
    whole, whole_events = make(engine).read_many(bars)
    assert whole_events and len({e.kind for e in whole_events}) > 1
    rng = np.random.default_rng(1)
    for _ in range(3):
        e, parts, events, start = make(engine), [], [], 0
        while start < len(bars):
            stop = start + int(rng.integers(0, 40))
            if stop == start:  # one bar through update
                events += e.update(Bar(*bars.iloc[start], int(bars.index[start].value)))
                stop += 1
            else:
                frame, more = e.read_many(bars.iloc[start:stop])
                parts.append(frame)
                events += more
            start = stop
        assert events == whole_events
    reference = make(engine)
    reference.update_many(bars)
    np.testing.assert_equal(vars(e.state), vars(reference.state))


def test_hob_events_are_the_sweeps_and_spikes_its_rows_show():
    bars = synth.ohlc(3000, seed=3, tick=0.01, start_price=100.0)
    frame, events = HobState(4, volume_window=10, spike_z=1.5).read_many(bars)
    sweeps = [e for e in events if e.kind == "sweep"]
    assert len(sweeps) == (frame.sweep_high > 0).sum() + (frame.sweep_low > 0).sum()
    for e in sweeps:
        name = "sweep_high" if e.side == 1 else "sweep_low"
        assert (e.level, e.ref) == (frame[f"{name}_level"].iloc[e.bar], frame[f"{name}_index"].iloc[e.bar])
    spikes = [e for e in events if e.kind == "volume_spike"]
    assert [e.bar for e in spikes] == np.flatnonzero(frame.volume_spike.to_numpy() == 1).tolist()
    assert all(e.level >= 1.5 and e.side == 0 and e.ref == -1 for e in spikes)
    assert hob.COLUMNS == tuple(frame.columns)


# -- WyckoffState ------------------------------------------------------------------------------


def effort_bars(n, seed, tick=0.01):
    """Generated bars whose volume follows their spread, as effort follows result in a
    market: wide bars on heavy volume (climaxes) and quiet narrow ones both occur."""
    bars = synth.ohlc(n, seed, tick=tick, start_price=100 * tick / 0.0001)
    rng = np.random.default_rng(seed)
    # one bar in twenty is rejected: a long tail against its move, the close away from its extreme
    tail = (rng.random(n) < 0.05) * np.round((bars.high - bars.low) * 2 / tick) * tick
    falling = bars.close < bars.open
    bars = bars.assign(low=(bars.low - tail.where(falling, 0.0)).round(10), high=(bars.high + tail.where(~falling, 0.0)).round(10))
    spread = (bars.high - bars.low) / tick + 1
    return bars.assign(volume=np.round(10 * spread**2 * rng.lognormal(0, 0.5, n)))


def wyckoff_by_definition(bars, pivot_length, pivots, window, wide, narrow, high_volume):
    """WyckoffState's columns from their definitions: VSA and CRT as pandas expressions,
    the pivots' range over the last ``pivots`` causal swings, and the phase rules applied
    in bar order to those columns (docs/features.md)."""
    o, h, lo, c, v = (bars[k] for k in ("open", "high", "low", "close", "volume"))
    spread = h - lo
    out = pd.DataFrame(index=bars.index)
    swings = swing_highs_lows(bars, pivot_length, mode="causal", backend="pandas")
    out["pivot"], out["pivot_level"], out["pivot_index"] = swings.HighLow, swings.Level, swings.SwingIndex
    kept = swings.dropna(subset=["HighLow"]).reset_index()
    range_high, range_low = np.full(len(bars), np.nan), np.full(len(bars), np.nan)
    confirmed = bars.index.get_indexer(kept.iloc[:, 0])
    for t in range(len(bars)):
        last = kept[confirmed <= t].tail(pivots)
        range_high[t] = last.Level[last.HighLow == 1].max()
        range_low[t] = last.Level[last.HighLow == -1].min()
    out["range_high"], out["range_low"] = range_high, range_low
    out["rel_volume"] = v / v.rolling(window, min_periods=window).mean()
    out["rel_spread"] = spread / spread.rolling(window, min_periods=window).mean()
    out["close_location"] = ((c - lo) / spread).where(spread > 0, 0.5)
    up, down = c > c.shift(), c < c.shift()
    climax = (out.rel_spread >= wide) & (out.rel_volume >= high_volume)
    quiet = (out.rel_spread <= narrow) & (v < v.shift(1)) & (v < v.shift(2))
    out["vsa"] = np.select([climax & down & (out.close_location >= 0.5), climax & up & (out.close_location <= 0.5),
                            quiet & down, quiet & up], [2.0, -2.0, 1.0, -1.0], 0.0)  # fmt: skip
    phase, last_trend, highs, lows, phases = 0, 0, [np.nan, np.nan], [np.nan, np.nan], []
    for t, row in enumerate(out.itertuples()):
        if row.pivot == row.pivot:
            pair = highs if row.pivot == 1 else lows
            pair[:] = [pair[1], row.pivot_level]
            if highs[1] > highs[0] and lows[1] > lows[0]:
                phase = 2
            elif highs[1] < highs[0] and lows[1] < lows[0]:
                phase = -2
            elif highs[0] == highs[0] and lows[0] == lows[0]:
                phase = {-2: 1, 2: -1}.get(last_trend, 0)
        if row.vsa == 2 and phase == -2:
            phase = 1
        elif row.vsa == -2 and phase == 2:
            phase = -1
        if abs(phase) < 2 and c.iloc[t] > row.range_high:
            phase = 2
        elif abs(phase) < 2 and c.iloc[t] < row.range_low:
            phase = -2
        last_trend = phase if abs(phase) == 2 else last_trend
        phases.append(float(phase))
    out["phase"] = phases
    out["phase_change"] = (out.phase != out.phase.shift(fill_value=0.0)).astype(float)
    bearish = (h > h.shift()) & (lo >= lo.shift()) & (c < h.shift())
    bullish = (lo < lo.shift()) & (h <= h.shift()) & (c > lo.shift())
    out["crt"] = np.select([bearish, bullish], [-1.0, 1.0], 0.0)
    out["crt_level"] = np.select([bearish, bullish], [h.shift(), lo.shift()], np.nan)
    out["crt_target"] = np.select([bearish, bullish], [lo.shift(), h.shift()], np.nan)
    return out


@pytest.mark.parametrize("engine", ENGINE_BACKENDS)
def test_wyckoff_state_equals_its_definitions(engine):
    @settings(max_examples=25, deadline=None)
    @given(st.integers(0, 10_000), st.integers(0, 400), st.integers(1, 5), st.integers(2, 10), st.integers(2, 20),
           st.sampled_from([0.0001, 0.01]))  # fmt: skip
    def check(seed, n, length, pivots, window, tick):
        bars = effort_bars(n, seed, tick)
        params = dict(pivots=pivots, window=window, wide=1.4, narrow=0.7, high_volume=1.6)
        got = WyckoffState(length, **params, backend=engine).update_many(bars)
        pd.testing.assert_frame_equal(got, wyckoff_by_definition(bars, length, **params), rtol=1e-9)

    check()


def test_wyckoff_state_in_rust_equals_the_oracle_and_shows_every_phase_and_vsa_kind():
    bars = effort_bars(4000, seed=2)
    rust, oracle = (WyckoffState(4, pivots=6, window=14, backend=b) for b in ENGINE_BACKENDS)
    frame, events = rust.read_many(bars)
    expected, expected_events = oracle.read_many(bars)
    pd.testing.assert_frame_equal(frame, expected)
    assert events == expected_events
    np.testing.assert_equal(vars(rust.state), vars(oracle.state))
    assert set(frame.phase) == {-2.0, -1.0, 0.0, 1.0, 2.0} and set(frame.vsa) == {-2.0, -1.0, 0.0, 1.0, 2.0}
    assert rust.state.phase == wyckoff.PHASES[int(frame.phase.iloc[-1])] and len(rust.state.pivots) == 6
    changes = [e for e in events if e.kind == "phase"]
    assert [e.bar for e in changes] == np.flatnonzero(frame.phase_change.to_numpy() == 1).tolist()
    assert all(e.side == frame.phase.iloc[e.bar] for e in changes)


# -- replay: engines per timeframe, fusion, sentinel, event log --------------------------------


def replay_bars(n=900, seed=6):
    bars = effort_bars(n, seed, tick=0.0001).set_axis(pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC"))
    return bars.drop(bars.index[np.random.default_rng(seed).choice(n, n // 20, replace=False)])  # gaps


def bar_by_bar(stack, bars):
    rows, events = [], []
    for ts, r in zip(bars.index, bars.itertuples(index=False)):
        row, seen = stack.update(Bar(r.open, r.high, r.low, r.close, r.volume, int(ts.value)))
        rows.append(row)
        events += seen
    return pd.DataFrame(rows, index=bars.index), log_frame(event_columns(events, stack.timeframes), stack.timeframes)


@pytest.mark.parametrize("sentinel", [None, lambda: Sentinel(sma=(5, 20), atr=(10, 1.0), session="1D")])
def test_replay_equals_the_bars_fed_one_at_a_time_in_rust_and_in_the_oracle_under_any_split(sentinel):
    bars = replay_bars()
    make = lambda backend: EngineStack(("1h", "4h", "1D"), sentinel=sentinel and sentinel(), backend=backend)  # noqa: E731
    whole = replay(bars, ("1h", "4h", "1D"), sentinel=sentinel and sentinel())
    assert whole.counts["events"] == len(whole.events) > 100 and set(whole.events.engine) >= {"smc", "hob", "wyckoff"}
    for backend in ENGINE_BACKENDS:
        frame, events = bar_by_bar(make(backend), bars)
        pd.testing.assert_frame_equal(frame[whole.frame.columns], whole.frame, check_freq=False)
        pd.testing.assert_frame_equal(events, whole.events)
    rng = np.random.default_rng(2)
    stack, frames, start = make("rust"), [], 0
    while start < len(bars):
        stop = start + int(rng.integers(1, 60))
        frames.append(stack.update_many(bars.iloc[start:stop]).frame)
        start = stop
    pd.testing.assert_frame_equal(pd.concat(frames), whole.frame, check_freq=False)
    pd.testing.assert_frame_equal(stack.log.frame(), whole.events)
    if sentinel is not None:
        assert 0 < whole.counts["fusion_gated"] < len(bars) and whole.counts["fusion_runs"] == whole.frame.fused.sum()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 700), st.integers(1, 6), st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from([0.0001, 0.01]))  # fmt: skip
def test_the_numba_pass_equals_the_rust_pass_on_generated_bars(seed, n, length, join, close_mitigation, gated, tick):
    bars = replay_bars(n, seed) if tick == 0.0001 else replay_bars(n, seed).mul(100)  # a coarse tick: ties
    engines = {"smc": {"swing_length": length, "join_consecutive": join, "close_mitigation": close_mitigation},
               "wyckoff": {"pivot_length": length, "window": 2 + length}, "hob": {"swing_length": length, "levels": 3},
               "momentum": {"rsi": 2 + length}}  # fmt: skip
    runs = [replay(bars, ("1h", "4h", "1D"), engines, sentinel=Sentinel() if gated else None, backend=b)
            for b in ("rust", "numba")]  # fmt: skip
    pd.testing.assert_frame_equal(runs[1].frame, runs[0].frame, rtol=1e-12, check_freq=False)
    pd.testing.assert_frame_equal(runs[1].events, runs[0].events, rtol=1e-12)
    assert runs[1].counts == runs[0].counts


def test_a_numba_pass_is_one_call_and_bars_one_at_a_time_are_rust():
    bars = replay_bars(200)
    stack = EngineStack(("1h", "4h"), backend="numba")
    stack.update_many(bars.iloc[:100])
    with pytest.raises(InputError, match="backend='rust'"):
        stack.update_many(bars.iloc[100:])
    with pytest.raises(InputError, match="one whole pass"):
        EngineStack(("1h", "4h"), backend="numba").update({**bars.iloc[0].to_dict(), "ts": bars.index[0]})
    assert SmcState(backend="numba").backend == "rust"  # an engine object reads bar by bar: Rust


@pytest.mark.parametrize("backend", ["rust", "numba", "pandas"])
def test_replay_of_no_bar_or_one_bar_gives_a_frame_of_that_length(backend):
    bars = replay_bars(50)
    for part in (bars.iloc[:0], bars.iloc[:1]):
        result = replay(part, ("1h", "4h", "1D"), backend=backend)
        assert len(result.frame) == len(part) and result.frame.index.equals(part.index)
        assert list(result.events.columns) == list(replay(bars, ("1h", "4h", "1D")).events.columns)
        assert result.counts["bars"] == len(part)


def test_a_gap_completing_two_higher_bars_at_once_logs_their_events_in_update_order():
    bars = replay_bars(3000, seed=8)
    # every 30 hours, a gap from the second hour of a 4h bin to the last hour of the next:
    # the bar after it completes the unfinished bin and its own
    hours = bars.index.hour.to_numpy()
    keep = np.ones(len(bars), bool)
    for p in np.flatnonzero(hours % 4 == 1)[::8]:
        keep[p + 1 : p + 1 + np.argmax(hours[p + 1 :] % 4 == 3)] = False
    bars = bars[keep]
    whole = replay(bars, ("1h", "4h", "1D"))
    _, events = bar_by_bar(EngineStack(("1h", "4h", "1D")), bars)
    pd.testing.assert_frame_equal(events, whole.events)
    doubles = whole.events[whole.events.timeframe == "4h"].groupby("bar").agg(bars=("tf_bar", "nunique"),
                                                                             engines=("engine", "nunique"))
    assert ((doubles.bars > 1) & (doubles.engines > 1)).sum() >= 5  # enough for a wrong order to show (checked by mutation)


def test_higher_timeframe_states_are_seen_only_once_their_bar_is_complete():
    bars = replay_bars(600)
    result = replay(bars, ("1h", "4h"), engines=("smc",))
    smc = SmcState().update_many(MultiTimeframe("1h", ("4h",)).update_many(bars)["4h"])
    higher = MultiTimeframe("1h", ("4h",)).update_many(bars)["4h"]
    seen = pd.Series(smc["trend"].to_numpy(), index=higher["visible_at"]).reindex(bars.index, method="ffill")
    np.testing.assert_array_equal(result.frame["smc_4h"].to_numpy(), seen.to_numpy())


def test_fusion_scores_the_weighted_mean_of_the_biases_and_signals_on_crossings():
    bars = replay_bars(700)
    fusion = Fusion(weights={"smc": 2.0, "momentum": 1.0}, timeframe_weights={"4h": 3.0}, threshold=0.3)
    frame = replay(bars, ("1h", "4h"), engines=("smc", "momentum"), fusion=fusion).frame
    w = pd.Series({"smc_1h": 2.0, "momentum_1h": 1.0, "smc_4h": 6.0, "momentum_4h": 3.0})
    biases = frame[w.index]
    expected = (biases * w).sum(axis=1, min_count=1) / biases.notna().mul(w).sum(axis=1).replace(0, np.nan)
    np.testing.assert_allclose(frame.score, expected, rtol=1e-12)
    before = frame.score.shift()
    up = (frame.score >= 0.3) & ~(before >= 0.3)
    down = (frame.score <= -0.3) & ~(before <= -0.3)
    np.testing.assert_array_equal(frame.signal, np.select([up, down], [1.0, -1.0], 0.0))
    assert (frame.signal != 0).any()


def test_sentinel_fires_on_sma_crosses_atr_channel_breaks_and_session_extremes():
    bars = replay_bars(800)
    frame = replay(bars, ("1h",), engines=("momentum",), sentinel=Sentinel(sma=(5, 20), atr=(10, 1.5))).frame
    close, high, low = bars.close, bars.high, bars.low
    spread = indicators.sma(close, 5) - indicators.sma(close, 20)
    cross = ((spread.shift() <= 0) & (spread > 0)) | ((spread.shift() >= 0) & (spread < 0))
    mid, atr = indicators.sma(close, 10).shift(), indicators.atr(high, low, close, 10).shift()
    channel = (close > mid + 1.5 * atr) | (close < mid - 1.5 * atr)
    day = bars.index.floor("1D")
    session = (high > high.groupby(day).cummax().groupby(day).shift()) | (low < low.groupby(day).cummin().groupby(day).shift())
    expected = cross * 1 + channel * 2 + session * 4
    np.testing.assert_array_equal(frame.sentinel.to_numpy(), expected.to_numpy(dtype=float))
    np.testing.assert_array_equal(frame.fused.to_numpy(), (expected > 0).to_numpy(dtype=float))
    runs = frame.score.where(frame.fused == 1)
    np.testing.assert_array_equal(frame.score.to_numpy(), runs.ffill().to_numpy())  # gated bars keep the last score


def test_the_event_log_flushes_parts_atomically_and_reads_back_whole(tmp_path):
    bars = replay_bars(900)
    in_memory = replay(bars).events
    log = EventLog(tmp_path / "events", flush_every=200)
    on_disk = replay(bars, log=log).events
    parts = sorted((tmp_path / "events").glob("*"))
    assert len(parts) >= 4 and all(p.name.startswith("part-") and p.suffix == ".parquet" for p in parts)
    pd.testing.assert_frame_equal(on_disk, in_memory)
    pd.testing.assert_frame_equal(EventLog.read(tmp_path / "events"), in_memory)
    with pytest.raises(FileExistsError):
        EventLog(tmp_path / "events")


def test_replay_reports_timings_per_engine_and_two_runs_are_identical():
    bars = replay_bars(500)
    first, second = replay(bars), replay(bars)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    pd.testing.assert_frame_equal(first.events, second.events)
    assert {f"t_{e}_ms" for e in ("smc", "wyckoff", "hob", "momentum", "fusion", "total")} <= set(first.timings)
    assert first.timings["t_total_ms"] >= first.timings["t_smc_ms"] > 0


def test_replay_refuses_bad_bars_unknown_engines_and_weights():
    bars = replay_bars(50)
    bad = bars.copy()
    bad.iloc[7, bad.columns.get_loc("high")] = 0.5 * bad.low.iloc[7]
    with pytest.raises(InputError, match="below low") as caught:
        replay(bad)
    assert caught.value.row == 7
    with pytest.raises(InputError, match="unknown engine"):
        replay(bars, engines=("smc", "elliott"))
    with pytest.raises(InputError, match="unknown engine"):
        Fusion(weights={"astrology": 1.0})
