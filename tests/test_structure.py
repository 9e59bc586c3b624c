"""Every structure function equals smartmoneyconcepts 0.0.27 in smc mode, in every backend;
causal forms never change when bars are appended."""

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_BACKENDS
from hypothesis import given, settings
from hypothesis import strategies as st

from barsmith import InputError, synth
from barsmith.structure import (
    bos_choch,
    fvg,
    level_proximity,
    liquidity,
    market_structure,
    order_blocks,
    previous_high_low,
    ranges,
    retracements,
    sessions,
    support_resistance,
    swing_highs_lows,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "smc-eurusd-15m"


@pytest.fixture(scope="module")
def smc():
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
        from smartmoneyconcepts import smc
    return smc


@pytest.fixture(scope="module")
def eurusd():
    if not (DATA / "EURUSD_15M.csv").exists():
        pytest.skip("shared/data/smc-eurusd-15m is not beside this checkout")
    df = pd.read_csv(DATA / "EURUSD_15M.csv").set_index("Date")  # as smartmoneyconcepts' own tests read it
    df.index = pd.to_datetime(df.index)
    return df


def _expected(name):
    return pd.read_csv(DATA / name).astype(float)


def assert_replays(run, bars, step):
    """The replay test: for every ``step``-th prefix, ``run(prefix)`` is the whole input's
    output cut at the prefix's end (nothing later changes a row). Returns the whole output."""
    whole = run(bars)
    for end in range(0, len(bars) + 1, step):
        pd.testing.assert_frame_equal(run(bars.iloc[:end]), whole.iloc[:end], obj=f"prefix {end}")
    return whole


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_smartmoneyconcepts_own_expected_outputs(eurusd, backend):
    checks = {
        "swing_highs_lows_result_data.csv": swing_highs_lows(eurusd, swing_length=5, backend=backend),
        "fvg_result_data.csv": fvg(eurusd, backend=backend),
        "fvg_consecutive_result_data.csv": fvg(eurusd, join_consecutive=True, backend=backend),
        "bos_choch_result_data.csv": bos_choch(eurusd, swing_highs_lows(eurusd, 5, backend=backend), backend=backend),
        "retracements_result_data.csv": retracements(eurusd, swing_highs_lows(eurusd, 5, backend=backend),
                                                     backend=backend),  # fmt: skip
        "sessions_result_data.csv": sessions(eurusd, "London", backend=backend),
        "ob_result_data.csv": order_blocks(eurusd, swing_highs_lows(eurusd, 5, backend=backend), backend=backend),
        "liquidity_result_data.csv": liquidity(eurusd, swing_highs_lows(eurusd, 5, backend=backend), backend=backend),
        **{f"previous_high_low_result_data_{frame}.csv": previous_high_low(eurusd, frame, backend=backend)
           for frame in ("4h", "1D", "W")},  # fmt: skip
    }
    assert len(checks) == 11  # every expected output it ships
    for name, got in checks.items():
        assert got.index.equals(eurusd.index)  # the input's index, where smartmoneyconcepts has a RangeIndex
        pd.testing.assert_frame_equal(got.reset_index(drop=True), _expected(name), obj=name, check_dtype=False)


@st.composite
def ohlc_frames(draw):
    """Small OHLC frames on a coarse grid: equal highs and lows, flat bars, gaps, NaN, +-inf
    (which pandas' ``rolling`` sees as NaN, and numpy's compares do not) and +-1e300 (beyond
    float32, where smartmoneyconcepts stores levels)."""
    n = draw(st.integers(0, 60))
    step = st.sampled_from([0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0])
    close = 100 + np.cumsum(np.array(draw(st.lists(step, min_size=n, max_size=n)), dtype=float))
    open_ = close - np.array(draw(st.lists(st.sampled_from([0.0, 0.5, -0.5, 2.0]), min_size=n, max_size=n)))
    wick = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=n, max_size=n)))
    high, low = np.maximum(open_, close) + wick, np.minimum(open_, close) - wick
    frame = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close})
    for _ in range(draw(st.integers(0, 2))):
        if n:
            frame.iloc[draw(st.integers(0, n - 1)), draw(st.integers(0, 3))] = draw(
                st.sampled_from([np.nan, np.nan, np.inf, -np.inf, 1e300, -1e300]))
    return frame


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_equal_to_the_installed_smartmoneyconcepts_on_generated_bars(smc, backend):
    @settings(max_examples=80)
    @given(ohlc_frames(), st.integers(1, 6), st.booleans())
    def check(frame, length, join):
        if len(frame) > 2 * length:  # smartmoneyconcepts indexes past the end of shorter frames
            pd.testing.assert_frame_equal(swing_highs_lows(frame, length, backend=backend),
                                          smc.swing_highs_lows(frame, length), check_dtype=False)  # fmt: skip
        if len(frame) > 0:
            pd.testing.assert_frame_equal(fvg(frame, join, backend=backend), smc.fvg(frame, join), check_dtype=False)
        if len(frame) > 2 * length:
            swings = smc.swing_highs_lows(frame, length)
            pd.testing.assert_frame_equal(bos_choch(frame, swings, join, backend=backend),
                                          smc.bos_choch(frame, swings, join), check_dtype=False)  # fmt: skip
            pd.testing.assert_frame_equal(retracements(frame, swings, backend=backend), smc.retracements(frame, swings))

    check()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_short_and_empty_frames_give_no_swings(backend):
    for n in (0, 1, 9):
        frame = pd.DataFrame({"open": np.ones(n), "high": np.ones(n) + 1, "low": np.zeros(n), "close": np.ones(n)})
        swings = swing_highs_lows(frame, 5, backend=backend)
        assert list(swings.columns) == ["HighLow", "Level"] and swings.isna().all().all()
        assert len(fvg(frame, backend=backend)) == n


def test_bad_input_is_refused():
    frame = pd.DataFrame({"Open": [1.0], "High": [2.0], "Low": [0.5], "Close": [1.5]})
    assert len(swing_highs_lows(frame, 1)) == 1  # capitalised columns, as smartmoneyconcepts accepts
    with pytest.raises(InputError) as err:
        fvg(frame.drop(columns="Close"))
    assert err.value.column == "close"
    with pytest.raises(InputError, match="swing length"):
        swing_highs_lows(frame, 0)
    with pytest.raises(InputError, match="numbers"):
        swing_highs_lows(frame.assign(High=["x"]), 1)
    with pytest.raises(InputError, match="mode"):
        swing_highs_lows(frame, 1, mode="future")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_equal_to_the_installed_smartmoneyconcepts_on_a_generated_day(smc, backend):
    bars = barsmith_ohlc(5_000)  # tick-grid prices: equal highs and lows, flat bars
    for length in (1, 5, 50):
        pd.testing.assert_frame_equal(swing_highs_lows(bars, length, backend=backend).reset_index(drop=True),
                                      smc.swing_highs_lows(bars, length), check_dtype=False)  # fmt: skip
    for join in (False, True):
        pd.testing.assert_frame_equal(fvg(bars, join, backend=backend).reset_index(drop=True), smc.fvg(bars, join),
                                      check_dtype=False)  # fmt: skip
        swings = smc.swing_highs_lows(bars, 5)
        got = bos_choch(bars, swings, close_break=join, backend=backend).reset_index(drop=True)
        expected = smc.bos_choch(bars, swings, close_break=join)
        assert got["Level"].dtype == expected["Level"].dtype == np.float32
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        pd.testing.assert_frame_equal(retracements(bars, swings, backend=backend).reset_index(drop=True),
                                      smc.retracements(bars, swings))  # same dtypes too  # fmt: skip


def barsmith_ohlc(n):
    import barsmith

    return barsmith.synth.ohlc(n, seed=3)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_swings_never_change_when_bars_are_appended(backend):
    import barsmith

    bars = barsmith.synth.ohlc(1_500, seed=9)
    for length in (1, 3, 10):
        assert_replays(lambda part: swing_highs_lows(part, length, mode="causal", backend=backend), bars, 37)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_the_last_causal_report_of_each_run_is_the_swing_smc_mode_keeps(backend):
    import barsmith

    bars = barsmith.synth.ohlc(5_000, seed=4)
    for length in (2, 5, 20):
        smc_mode = swing_highs_lows(bars, length, backend=backend).reset_index(drop=True)
        causal = swing_highs_lows(bars, length, mode="causal", backend=backend).reset_index(drop=True)
        reports = causal.dropna()
        assert (reports.index == reports["SwingIndex"] + length).all()  # reported when confirmed, never before
        run_ends = reports[reports["HighLow"] != reports["HighLow"].shift(-1)]
        kept = smc_mode["HighLow"].iloc[1:-1].dropna()  # bar 0 and the last bar are smc's end flips
        assert list(run_ends["SwingIndex"].astype(int)) == list(kept.index)
        np.testing.assert_array_equal(run_ends["Level"], smc_mode["Level"].iloc[kept.index])


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_gaps_never_change_when_bars_are_appended_and_match_smc_mode(backend):
    import barsmith

    bars = barsmith.synth.ohlc(1_500, seed=8)
    for join in (False, True):
        whole = assert_replays(lambda part: fvg(part, join, mode="causal", backend=backend).reset_index(drop=True),
                               bars, 41)  # fmt: skip
        smc_mode = fvg(bars, join, backend=backend).reset_index(drop=True)
        reports = whole.dropna(subset=["FVG"])
        assert (reports.index == reports["GapIndex"] + 1).all()  # on the completing bar
        if join:  # a run's last report is smc mode's joined gap
            reports = reports[reports["FVG"].ne(reports["FVG"].shift(-1)) | reports["GapIndex"].diff(-1).ne(-1)]
        listed = smc_mode.dropna(subset=["FVG"])
        assert list(reports["GapIndex"].astype(int)) == list(listed.index)
        np.testing.assert_array_equal(reports[["FVG", "Top", "Bottom"]], listed[["FVG", "Top", "Bottom"]])
        reached = listed["MitigatedIndex"][listed["MitigatedIndex"] > 0].astype(int)
        np.testing.assert_array_equal(whole["MitigatedCount"], np.bincount(reached, minlength=len(bars)))


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_sessions_equal_the_installed_smartmoneyconcepts(smc, backend):
    import barsmith

    bars = barsmith.synth.ohlc(3_000, seed=2, freq="7min").tz_localize(None)  # naive, as its tests use
    for name in (*barsmith.structure.SESSIONS, "Custom"):
        extra = {"start_time": "22:30", "end_time": "01:15"} if name == "Custom" else {}
        for zone in ("UTC", "UTC+2", "GMT-5"):
            before = bars.copy()
            got = sessions(bars, name, time_zone=zone, backend=backend, **extra).reset_index(drop=True)
            pd.testing.assert_frame_equal(bars, before)  # not modified
            expected = smc.sessions(bars.copy(), name, time_zone=zone, **extra)
            pd.testing.assert_frame_equal(got, expected, obj=f"{name} {zone}")  # dtypes too
    with pytest.raises(InputError, match="Custom"):
        sessions(bars, "Custom")
    with pytest.raises(InputError, match="unknown session"):
        sessions(bars, "Frankfurt")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_blocks_pools_and_previous_periods_equal_the_installed_smartmoneyconcepts(smc, backend):
    @settings(max_examples=60)
    @given(ohlc_frames(), st.integers(1, 4), st.booleans(), st.sampled_from([0.0, 0.01, 0.05, 0.3]),
           st.sampled_from(["15min", "1h", "5h", "1D"]), st.sampled_from(["2h", "4h", "1D", "W", "ME"]),
           st.lists(st.sampled_from([0.0, 1.0, 2.5, 7.0]), min_size=60, max_size=60))  # fmt: skip
    def check(frame, length, close_mitigation, range_percent, bar_freq, period, volume):
        frame = frame.assign(volume=volume[: len(frame)])
        if len(frame) > 2 * length:  # as above, smartmoneyconcepts needs more bars than the window
            swings = smc.swing_highs_lows(frame, length)
            pd.testing.assert_frame_equal(order_blocks(frame, swings, close_mitigation, backend=backend),
                                          smc.ob(frame, swings, close_mitigation))  # dtypes too  # fmt: skip
            pd.testing.assert_frame_equal(liquidity(frame, swings, range_percent, backend=backend),
                                          smc.liquidity(frame, swings, range_percent))  # fmt: skip
        timed = frame.set_axis(pd.date_range("2024-01-05 22:00", periods=len(frame), freq=bar_freq))
        pd.testing.assert_frame_equal(previous_high_low(timed, period, backend=backend).reset_index(drop=True),
                                      smc.previous_high_low(timed, period))  # fmt: skip

    check()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_blocks_pools_and_previous_periods_on_a_generated_day(smc, backend):
    bars = barsmith_ohlc(4_000)  # tick-grid prices: equal lows and highs pick between candidate bars
    plain = bars.reset_index(drop=True)
    for length in (3, 10):
        swings = smc.swing_highs_lows(plain, length)
        for close_mitigation in (False, True):
            pd.testing.assert_frame_equal(order_blocks(bars, swings, close_mitigation, backend=backend).reset_index(drop=True),
                                          smc.ob(plain, swings, close_mitigation))  # fmt: skip
        pd.testing.assert_frame_equal(liquidity(bars, swings, 0.02, backend=backend).reset_index(drop=True),
                                      smc.liquidity(plain, swings, 0.02))  # fmt: skip
    naive = bars.tz_localize(None)
    for period in ("4h", "1D", "W"):
        pd.testing.assert_frame_equal(previous_high_low(naive, period, backend=backend).reset_index(drop=True),
                                      smc.previous_high_low(naive, period))  # fmt: skip


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_previous_periods_of_unsorted_bars_equal_smartmoneyconcepts(smc, backend):
    import barsmith

    shuffled = barsmith.synth.ohlc(500, seed=1).tz_localize(None).sample(frac=1.0, random_state=0)  # resample sorts
    pd.testing.assert_frame_equal(previous_high_low(shuffled, "4h", backend=backend).reset_index(drop=True),
                                  smc.previous_high_low(shuffled, "4h"))  # fmt: skip


def test_previous_periods_read_the_index_and_refuse_what_is_not_time():
    import barsmith

    bars = barsmith.synth.ohlc(500, seed=1)
    before = bars.copy()
    previous_high_low(bars, "1D")
    pd.testing.assert_frame_equal(bars, before)  # not modified
    with pytest.raises(InputError, match="frequency"):
        previous_high_low(bars, "fortnightly")
    with pytest.raises(InputError, match="DatetimeIndex"):
        previous_high_low(bars.reset_index(drop=True).set_axis(list("x" * 500)), "1D")
    empty = previous_high_low(bars.iloc[:0], "1D")
    assert list(empty.columns) == ["PreviousHigh", "PreviousLow", "BrokenHigh", "BrokenLow"] and len(empty) == 0


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_breaks_of_structure_are_reported_on_the_breaking_bar_and_never_change(backend):
    import barsmith

    bars = barsmith.synth.ohlc(1_500, seed=10).reset_index(drop=True)
    for close_break in (True, False):
        swings = swing_highs_lows(bars, 3, mode="causal", backend=backend)
        whole = assert_replays(lambda part: bos_choch(part, swing_highs_lows(part, 3, mode="causal", backend=backend),
                                                      close_break, mode="causal", backend=backend), bars, 43)  # fmt: skip
        breaks = whole.dropna(subset=["Level"])
        assert whole["BOS"].notna().sum() > 10 and whole["CHOCH"].notna().sum() > 5
        assert (breaks["BOS"].isna() != breaks["CHOCH"].isna()).all()  # one kind per break
        up = (breaks["BOS"] == 1) | (breaks["CHOCH"] == 1)
        upper, lower = (bars["close"], bars["close"]) if close_break else (bars["high"], bars["low"])
        # the breaking bar passes the broken swing's level, which the swing report carried
        assert (upper[breaks.index[up]].to_numpy() > breaks["Level"][up]).all()
        assert (lower[breaks.index[~up]].to_numpy() < breaks["Level"][~up]).all()
        reported = swings.dropna().set_index("SwingIndex")["Level"]
        for bar, row in breaks.iterrows():
            assert row["Level"] in set(reported.loc[[row["SwingIndex"]]])
            assert bar > row["SwingIndex"] + 3  # after the swing was known
    with pytest.raises(InputError, match="causal swings"):
        bos_choch(bars, swing_highs_lows(bars, 3), mode="causal")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_liquidity_pools_equal_swings_within_the_range_so_far_and_never_change(backend):
    import barsmith

    bars = barsmith.synth.ohlc(2_000, seed=11).reset_index(drop=True)
    swings = swing_highs_lows(bars, 3, mode="causal", backend=backend)
    whole = assert_replays(lambda part: liquidity(part, swing_highs_lows(part, 3, mode="causal", backend=backend), 0.02,
                                                  mode="causal", backend=backend), bars, 59)  # fmt: skip
    joins = whole.dropna(subset=["Liquidity"])
    assert len(joins) > 10 and whole["SweptHighs"].sum() > 0 and whole["SweptLows"].sum() > 0
    span = (bars["high"].cummax() - bars["low"].cummin()) * 0.02
    reports = swings.dropna()
    for bar, row in joins.iterrows():
        first = reports[reports["SwingIndex"] == row["PoolIndex"]].iloc[0]
        assert first["HighLow"] == row["Liquidity"] == reports.loc[bar, "HighLow"]
        assert abs(reports.loc[bar, "Level"] - first["Level"]) <= span[bar] + 1e-12  # within the range so far
    # a pool's Count rises by one per join until its sweep
    counts = joins.groupby("PoolIndex")["Count"].apply(list)
    assert all(c == list(range(2, len(c) + 2)) for c in counts)
    with pytest.raises(InputError, match="causal swings"):
        liquidity(bars, swing_highs_lows(bars, 3), mode="causal")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_support_and_resistance_are_the_nearest_pivot_clusters_of_each_lookback_without_lookahead(backend):
    import barsmith

    bars = barsmith.synth.ohlc(3_000, seed=13).reset_index(drop=True)
    bars.loc[[40, 41, 700], "volume"] = np.nan
    bars.loc[1_000, "close"] = np.nan
    tick, length = 0.0004, 3
    got = support_resistance(bars, (20, 60), tick, pivot_length=length, min_touches=2, backend=backend)
    # the definition, bar by bar: pivots of the window swing_highs_lows uses, counted once confirmed
    high, low = bars["high"], bars["low"]
    is_high = high == high.shift(-length).rolling(2 * length).max()
    is_low = low == low.shift(-length).rolling(2 * length).min()
    pivots = pd.concat([pd.DataFrame({"bar": bars.index[is_high], "price": high[is_high]}),
                        pd.DataFrame({"bar": bars.index[is_low], "price": low[is_low]})])  # fmt: skip
    pivots["volume"] = bars["volume"].fillna(0).to_numpy()[pivots["bar"]]
    pivots["bin"] = np.floor(pivots["price"] / tick)
    checked = 0
    for t in range(0, len(bars), 7):
        for window in (20, 60):
            counted = pivots[(pivots["bar"] > t - window) & (pivots["bar"] + length <= t)]
            levels = counted.groupby("bin").agg(price=("price", "mean"), touches=("price", "size"),
                                                volume=("volume", "sum"))  # fmt: skip
            levels = levels[levels["touches"] >= 2]
            strength = levels["volume"] * len(counted) / counted["volume"].sum()  # no levels when none count
            close = bars["close"][t]
            below, above = levels["price"] <= close, levels["price"] > close
            expect = [np.nan] * 4
            if not np.isnan(close) and below.any():
                b = levels["price"][below].idxmax()
                expect[:2] = levels["price"][b], strength[b]
            if not np.isnan(close) and above.any():
                b = levels["price"][above].idxmin()
                expect[2:] = levels["price"][b], strength[b]
            row = got.loc[t, [f"Support_{window}", f"SupportStrength_{window}", f"Resistance_{window}",
                              f"ResistanceStrength_{window}"]]  # fmt: skip
            np.testing.assert_allclose(row.to_numpy(dtype=float), expect, rtol=1e-9, err_msg=f"bar {t}, W {window}")
            checked += not np.isnan(expect[0]) and not np.isnan(expect[2])
    assert checked > 150
    assert_replays(lambda part: support_resistance(part, (20, 60), tick, pivot_length=length, min_touches=2,
                                                   backend=backend), bars, 211)  # fmt: skip
    with pytest.raises(InputError, match="lookbacks longer"):
        support_resistance(bars, (3,), tick, pivot_length=3)
    with pytest.raises(InputError) as err:
        support_resistance(bars, (20,), -1.0)
    assert err.value.column == "tolerance"
    for bad in (np.inf, -2.0):  # a volume that would make every strength in its windows inf or NaN
        with pytest.raises(InputError) as err:
            support_resistance(bars.assign(volume=np.where(np.arange(len(bars)) == 7, bad, bars["volume"])), (20,))
        assert (err.value.column, err.value.row) == ("volume", 7)


def test_level_proximity_weighs_each_level_within_the_band_by_its_strength():
    import barsmith

    bars = barsmith.synth.ohlc(2_000, seed=14)
    close = bars["close"]
    fixed = pd.DataFrame({"Level": [1.095, 1.1, 1.1003, 1.104, np.nan], "Strength": [1.0, 2.0, 0.5, 3.0, 9.0]})
    got = level_proximity(close, fixed, band=0.002)
    level, strength = fixed["Level"].to_numpy()[:4], fixed["Strength"].to_numpy()[:4]
    weight = strength * np.clip(1 - np.abs(close.to_numpy()[:, None] - level) / 0.002, 0, None)
    below = level <= close.to_numpy()[:, None]
    np.testing.assert_allclose(got["Support"], (weight * below).sum(axis=1), atol=1e-9)
    np.testing.assert_allclose(got["Resistance"], (weight * ~below).sum(axis=1), atol=1e-9)
    assert (got.index == close.index).all() and got["Proximity"].max() > 1
    # support_resistance's per-bar levels: each lookback's support and resistance, by strength
    levels = support_resistance(bars, (20, 50), 0.0005)
    per_bar = level_proximity(close, levels, band=0.001)
    expect = sum(
        (levels[f"{side}Strength_{w}"] * (1 - (close - levels[f"{side}_{w}"]).abs() / 0.001).clip(lower=0)).fillna(0)
        for side in ("Support", "Resistance") for w in (20, 50)
    )  # fmt: skip
    np.testing.assert_allclose(per_bar["Proximity"], expect, rtol=1e-12)
    assert level_proximity(close.to_numpy(), {"PDH": 1.1}, band=0.001)["Proximity"].max() == pytest.approx(1, abs=1e-3)
    with pytest.raises(InputError):
        level_proximity(close, levels.iloc[:10])
    with pytest.raises(InputError, match="align") as err:  # levels of other bars: pandas would align
        level_proximity(close, levels.set_axis(levels.index.shift(1, freq="15min")))
    assert (err.value.column, err.value.row) == ("levels", 0)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_order_blocks_confirmed_by_volume_compare_the_block_bar_with_the_usual_volume_before_it(backend):
    import barsmith

    bars = barsmith.synth.ohlc(3_000, seed=15)
    swings = swing_highs_lows(bars, 5, backend=backend)
    plain = order_blocks(bars, swings, backend=backend)
    heavy = order_blocks(bars, swings, volume_factor=1.2, volume_window=10, backend=backend)
    pd.testing.assert_frame_equal(heavy[plain.columns], plain)  # smartmoneyconcepts' columns unchanged
    ratio = (bars["volume"] / bars["volume"].rolling(10).mean().shift(1)).where(plain["OB"].notna())
    pd.testing.assert_series_equal(heavy["VolumeRatio"], ratio, check_names=False, rtol=1e-12)
    assert (heavy["Confirmed"] == (ratio >= 1.2)).all()
    assert 0 < heavy["Confirmed"].sum() < plain["OB"].notna().sum()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_order_blocks_form_on_the_crossing_close_and_never_change(backend):
    import barsmith

    bars = barsmith.synth.ohlc(2_000, seed=12).reset_index(drop=True)
    for close_mitigation in (False, True):
        swings = swing_highs_lows(bars, 4, mode="causal", backend=backend)
        whole = assert_replays(lambda part: order_blocks(part, swing_highs_lows(part, 4, mode="causal", backend=backend),
                                                         close_mitigation, mode="causal", backend=backend), bars, 61)  # fmt: skip
        blocks = whole.dropna(subset=["OB"])
        assert (blocks["OB"] == 1).sum() > 10 and (blocks["OB"] == -1).sum() > 10
        reports = swings.dropna()
        high, low, close = (bars[c].to_numpy() for c in ("high", "low", "close"))
        lower = np.minimum(bars["open"], bars["close"]).to_numpy() if close_mitigation else low
        upper = np.maximum(bars["open"], bars["close"]).to_numpy() if close_mitigation else high
        expected = np.zeros((4, len(bars)), dtype=np.int64)
        for t, row in blocks.iterrows():
            s, k, bull = int(row["SwingIndex"]), int(row["OBIndex"]), row["OB"] == 1
            known = reports[(reports["SwingIndex"] == s) & (reports.index <= t)]
            assert len(known) and known["HighLow"].iloc[-1] == row["OB"]  # the swing was reported by then
            level = known["Level"].iloc[-1]
            assert close[t] > level if bull else close[t] < level
            between = low[s + 1 : t] if bull else -high[s + 1 : t]
            assert s < k < t and k == s + 1 + len(between) - 1 - np.argmin(between[::-1])  # the last extreme
            assert (row["Top"], row["Bottom"]) == (high[k], low[k])
            # brute force: mitigated at the first later pass of the near edge, removed at the far one after
            near = np.flatnonzero(lower[t + 1 :] < row["Bottom"]) if bull else np.flatnonzero(upper[t + 1 :] > row["Top"])
            if len(near):
                j = t + 1 + near[0]
                expected[0 if bull else 1, j] += 1
                far = np.flatnonzero(high[j + 1 :] > row["Top"]) if bull else np.flatnonzero(low[j + 1 :] < row["Bottom"])
                if len(far):
                    expected[2 if bull else 3, j + 1 + far[0]] += 1
        counts = ["BullishMitigated", "BearishMitigated", "BullishRemoved", "BearishRemoved"]
        np.testing.assert_array_equal(whole[counts].to_numpy().T, expected)
        assert expected[2:].sum() > 0
    heavy = order_blocks(bars, swings, mode="causal", volume_factor=1.2, volume_window=10, backend=backend)
    usual = bars["volume"].rolling(10).mean().shift(1)
    k = heavy["OBIndex"].dropna().astype(int)
    np.testing.assert_allclose(heavy["VolumeRatio"].dropna(), (bars["volume"] / usual)[k].to_numpy(), rtol=1e-12)
    with pytest.raises(InputError, match="causal swings"):
        order_blocks(bars, swing_highs_lows(bars, 3), mode="causal")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_previous_high_low_reads_the_last_finished_period_with_prices(backend):
    import barsmith

    bars = barsmith.synth.ohlc(3_000, seed=13)
    bars.iloc[400:700] = np.nan  # a gap of whole periods, and NaN rows inside others
    bars.iloc[[5, 1_000, 1_001, 2_500], 1] = np.nan
    for time_frame in ("4h", "1D"):
        got = previous_high_low(bars, time_frame, mode="causal", backend=backend)
        own = bars.index.floor(time_frame)
        periods = bars.resample(time_frame).agg({"open": "first", "high": "max", "low": "min", "close": "last"}).dropna()
        before = periods.index.searchsorted(own, "left") - 1
        expected_high = np.where(before >= 0, periods["high"].to_numpy()[before], np.nan)
        np.testing.assert_array_equal(got["PreviousHigh"].to_numpy(), expected_high)
        running = bars["high"].fillna(-np.inf).groupby(own).cummax().to_numpy()
        np.testing.assert_array_equal(got["BrokenHigh"].to_numpy(), (running > expected_high).astype(np.int32))
        assert got["BrokenHigh"].sum() > 0 and got["BrokenLow"].sum() > 0
        assert_replays(lambda part: previous_high_low(part, time_frame, mode="causal", backend=backend), bars, 97)
    with pytest.raises(InputError, match="time order"):
        previous_high_low(bars.iloc[::-1], "1D", mode="causal")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_causal_retracements_measure_each_bar_against_the_swings_known_so_far(backend):
    import barsmith

    bars = barsmith.synth.ohlc(2_000, seed=16)
    bars.iloc[[100, 500], bars.columns.get_loc("low")] = np.nan
    swings = swing_highs_lows(bars, 4, mode="causal", backend=backend)
    got = assert_replays(lambda part: retracements(part, swing_highs_lows(part, 4, mode="causal", backend=backend),
                                                   mode="causal", backend=backend), bars, 67)  # fmt: skip
    kind = swings["HighLow"]
    direction = kind.ffill().fillna(0)
    top, bottom = swings["Level"].where(kind == 1).ffill(), swings["Level"].where(kind == -1).ffill()
    up = direction == 1
    expected = (100 - (bars["low"] - bottom) / (top - bottom) * 100).where(up)
    expected = expected.fillna((100 - (bars["high"] - top) / (bottom - top) * 100).where(direction == -1))
    pd.testing.assert_series_equal(got["CurrentRetracement%"], expected, check_names=False, rtol=1e-12)
    assert (got["Direction"] == direction).all() and got["DeepestRetracement%"].notna().sum() > 1_500
    assert (got["DeepestRetracement%"].fillna(-np.inf) >= got["CurrentRetracement%"].fillna(-np.inf)).all()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_market_structure_labels_each_swing_against_the_last_of_its_kind_without_lookahead(backend):
    import barsmith

    bars = barsmith.synth.ohlc(1_200, seed=6)
    whole = assert_replays(lambda part: market_structure(part, 3, backend=backend), bars, 53)
    reports = whole.dropna(subset=["SwingIndex"])
    highs, lows = reports[reports["Label"].isin(["HH", "LH"])], reports[reports["Label"].isin(["HL", "LL"])]
    assert len(highs) > 10 and len(lows) > 10
    # a swing's level against the last swing of its kind from an earlier run decides its label
    kinds = swing_highs_lows(bars, 3, mode="causal", backend=backend)["HighLow"].dropna()
    run = (kinds != kinds.shift()).cumsum()
    last_of_run = reports["Level"].groupby(run).last()
    for position, row in reports.iterrows():
        r = run[position]
        previous = last_of_run.get(r - 2, np.nan)
        if np.isnan(previous):
            assert pd.isna(row["Label"])
        elif kinds[position] == 1:
            assert row["Label"] == ("HH" if row["Level"] > previous else "LH")
        else:
            assert row["Label"] == ("LL" if row["Level"] < previous else "HL")
    assert set(whole["Trend"].unique()) <= {-1, 0, 1} and (whole["Trend"] != 0).any()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_ranges_equal_their_pandas_expression_and_never_look_ahead(backend):
    import barsmith

    bars = barsmith.synth.ohlc(2_000, seed=12)
    bars.iloc[[300, 301, 900], bars.columns.get_loc("high")] = np.nan
    got = ranges(bars, 12, 2.5, backend=backend)
    atr = barsmith.indicators.atr(bars["high"], bars["low"], bars["close"], 14, backend="pandas")
    highest, lowest = bars["high"].rolling(12).max(), bars["low"].rolling(12).min()
    ratio = (highest - lowest) / atr
    tight = ratio <= 2.5
    run = (~tight).cumsum()
    top = highest.where(tight).groupby(run).cummax()
    bars_so_far = (tight.groupby(run).cumsum() + 11).where(tight, 0)
    pd.testing.assert_series_equal(got["Ratio"], ratio, check_names=False, rtol=1e-12)
    pd.testing.assert_series_equal(got["Top"], top, check_names=False)
    assert (got["InRange"] == tight).all() and (got["Bars"] == bars_so_far).all() and tight.sum() > 50
    assert_replays(lambda part: ranges(part, 12, 2.5, backend=backend), bars, 97)
    with pytest.raises(InputError) as err:
        ranges(bars, 0)
    assert err.value.column == "length"


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("mode", ["smc", "causal"])
def test_outputs_are_the_users_to_write_to_and_inputs_stay_untouched(backend, mode):
    bars = synth.ohlc(400, seed=12, freq="1h")
    before = bars.copy()
    swings = swing_highs_lows(bars, 3, mode=mode, backend=backend)
    outputs = [swings, fvg(bars, mode=mode, backend=backend), bos_choch(bars, swings, mode=mode, backend=backend),
               order_blocks(bars, swings, mode=mode, backend=backend), liquidity(bars, swings, mode=mode, backend=backend),
               retracements(bars, swings, mode=mode, backend=backend),
               previous_high_low(bars, "1D", mode=mode, backend=backend)]  # fmt: skip
    if mode == "smc":
        outputs += [sessions(bars, "London", backend=backend), ranges(bars, backend=backend),
                    support_resistance(bars, (20, 50), backend=backend), market_structure(bars, 3, backend=backend)]  # fmt: skip
    for out in outputs:
        for k in range(out.shape[1]):  # every column takes a write in place
            out.iloc[0, k] = out.iloc[-1, k]
    pd.testing.assert_frame_equal(bars, before)
