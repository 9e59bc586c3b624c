"""Level episodes and setup features: the rules a user reads in docs/features.md, the same
frames from every backend, and clear errors."""

import numpy as np
import pandas as pd
import pytest

import barsmith
from barsmith import InputError
from barsmith.episodes import SIGNATURE, approach_features, level_episodes, setup_vectors, similar_setups

BACKENDS = ("rust", "numba", "pandas")


def _bars(prices, **columns):
    index = pd.date_range("2024-03-05", periods=len(prices), freq="5s", tz="UTC")
    return pd.DataFrame({"book_mid_px_eob": np.asarray(prices, dtype=float), **columns}, index=index)


@pytest.fixture(scope="module")
def day():
    bars = barsmith.book.mbp10_bars(barsmith.synth.mbp10(60_000, seed=4), "5s")
    mid = bars["book_mid_px_eob"]
    levels = {"median": float(mid.median()), "low": float(mid.quantile(0.3)),
              "vwap": mid.rolling(40, min_periods=1).mean()}  # fmt: skip
    return bars, levels


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_episode_starts_near_the_level_and_ends_when_the_price_leaves(backend):
    # level 100, trigger 1, exit 2: bars 2-5 near it, the price leaves upward on bar 6
    bars = _bars([105.0, 101.5, 100.5, 100.0, 99.5, 100.2, 103.0, 104.0])
    eps = level_episodes(bars, {"pdc": 100.0}, trigger=1.0, exit=2.0, backend=backend)
    row = eps.table.iloc[0]
    assert len(eps) == 1
    assert (row.start_bar, row.end_bar, row.leave_bar, row.n_bars) == (2, 5, 6, 4)
    assert (row.level, row.side, row.outcome, row.outcome_size, row.complete) == ("pdc", "above", "bounce", 3.0, True)
    assert list(eps.touch_id["touch_id"]) == [-1, -1, 0, 0, 0, 0, -1, -1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crossing_is_a_break_and_the_price_must_go_beyond_exit_to_start_again(backend):
    # from below; cut at three bars, no new episode until the price has been beyond exit
    bars = _bars([97.0, 99.5, 100.0, 100.5, 99.8, 100.1, 97.5, 99.2, 104.0])
    eps = level_episodes(bars, {"pdc": 100.0}, trigger=1.0, exit=2.0, max_bars=3, backend=backend)
    t = eps.table
    assert list(t.start_bar) == [1, 7]
    assert list(t.end_bar) == [3, 7]
    assert list(t.side) == ["below", "below"]
    assert list(t.outcome) == ["bounce", "break"]  # left below at bar 6; crossed to 104 at bar 8


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_episode_cut_off_by_the_end_of_the_data_is_kept_and_marked_incomplete(backend):
    eps = level_episodes(_bars([103.0, 100.2, 100.1]), {"pdc": 100.0}, trigger=0.5, backend=backend)
    row = eps.table.iloc[0]
    assert (row.start_bar, row.end_bar, row.leave_bar, row.complete) == (1, 2, -1, False)
    assert pd.isna(row.outcome) and np.isnan(row.outcome_size)


def test_overlapping_levels_give_separate_episodes_each_with_all_its_bars():
    bars = _bars([103.0, 100.2, 100.1, 100.0, 104.0], trade_vol_sum=[1.0, 2.0, 3.0, 4.0, 5.0])
    eps = level_episodes(bars, {"a": 100.0, "b": 100.25}, trigger=0.5)
    assert list(eps.table.level) == ["a", "b"]
    feats = approach_features(bars, eps, ["trade_vol_sum"], windows=(1,))
    for touch_id, row in eps.table.iterrows():
        assert len(feats.loc[touch_id]) == row.n_bars
    assert list(eps.touch_id["touch_id_a"]) == [-1, 0, 0, 0, -1]
    assert list(eps.touch_id["touch_id_b"]) == [-1, 1, 1, 1, -1]


@pytest.mark.parametrize("backend", ["rust", "numba"])
def test_every_backend_gives_the_oracles_episodes_features_and_vectors(day, backend):
    bars, levels = day
    want = level_episodes(bars, levels, trigger=0.5, exit=1.0, max_bars=60, backend="pandas")
    got = level_episodes(bars, levels, trigger=0.5, exit=1.0, max_bars=60, backend=backend)
    pd.testing.assert_frame_equal(got.table, want.table)
    pd.testing.assert_frame_equal(got.touch_id, want.touch_id)
    assert len(want) > 20
    features = ["book_imb_l1_eob", "trade_signed_vol_sum", "wall_bid_z_eob", "book_spread_px_eob"]
    pd.testing.assert_frame_equal(approach_features(bars, got, features, backend=backend),
                                  approach_features(bars, want, features, backend="pandas"), rtol=1e-12)  # fmt: skip
    pd.testing.assert_frame_equal(setup_vectors(bars, got, features, lookback=5, backend=backend),
                                  setup_vectors(bars, want, features, lookback=5, backend="pandas"))  # fmt: skip


def test_derivatives_and_sums_never_cross_an_episode(day):
    bars, levels = day
    eps = level_episodes(bars, levels, trigger=0.5, exit=1.0)
    feats = approach_features(bars, eps, ["trade_vol_sum"], windows=(3,))
    long = bars[["trade_vol_sum"]].iloc[np.concatenate([np.arange(s, e + 1) for s, e in
                                                        zip(eps.table.start_bar, eps.table.end_bar)])]  # fmt: skip
    long = long.set_axis(feats.index)
    by = long.groupby(level="touch_id")["trade_vol_sum"]
    np.testing.assert_allclose(feats["trade_vol_sum_d1_3"], by.transform(lambda x: (x - x.shift(3)) / 3))
    np.testing.assert_allclose(feats["trade_vol_sum_cum"], by.cumsum())
    np.testing.assert_allclose(feats["sig_trade_vol"], by.transform("sum"))
    assert (feats.groupby(level="touch_id")["bars_elapsed"].first() == 1).all()


def test_setup_vectors_are_float32_with_their_layout_and_nan_before_the_data(day):
    bars, levels = day
    eps = level_episodes(bars, levels, trigger=0.5, exit=1.0)
    vectors = setup_vectors(bars, eps, ["book_imb_l1_eob", "trade_vol_sum"], lookback=4)
    assert vectors.shape == (len(eps), 2 * 4 + len(SIGNATURE))
    assert (vectors.dtypes == np.float32).all()
    assert list(vectors.columns[:3]) == ["book_imb_l1_eob@-4", "trade_vol_sum@-4", "book_imb_l1_eob@-3"]
    first = eps.table.iloc[1]
    expected = bars["trade_vol_sum"].iloc[first.start_bar - 1]
    assert vectors.loc[1, "trade_vol_sum@-1"] == np.float32(expected)
    early = setup_vectors(_bars([100.0, 100.0]), level_episodes(_bars([100.0, 100.0]), {"x": 100.0}, 0.5),
                          ["book_mid_px_eob"], lookback=2)  # fmt: skip
    assert np.isnan(early.iloc[0, :2]).all()


def test_similar_setups_finds_the_query_itself_first(day):
    bars, levels = day
    eps = level_episodes(bars, levels, trigger=0.5, exit=1.0)
    vectors = setup_vectors(bars, eps, ["book_imb_l1_eob", "trade_signed_vol_sum"], lookback=6)
    near = similar_setups(vectors, [0, 5], k=3)
    assert list(near.columns) == ["query", "rank", "touch_id", "distance"]
    assert list(near[near["rank"] == 1].touch_id) == [0, 5]
    assert (near.groupby("query")["distance"].apply(lambda d: d.is_monotonic_increasing)).all()
    assert similar_setups(vectors, vectors.iloc[[2]], k=1).touch_id.iloc[0] == 2


def test_a_level_may_be_a_column_of_the_bars():
    bars = _bars([103.0, 100.2, 100.1, 104.0], vwap=[100.0, 100.0, 100.5, 100.5])
    eps = level_episodes(bars, {"vwap": "vwap"}, trigger=0.5)
    assert list(eps.table.start_bar) == [1] and eps.table.level_price.iloc[0] == 100.0


def test_bad_input_is_refused_with_what_and_where():
    bars = _bars([100.0, 100.1, 100.2])
    with pytest.raises(InputError) as err:
        level_episodes(bars.iloc[[0, 2, 1]], {"x": 100.0}, 0.5)
    assert err.value.row == 2 and "sort_index" in str(err.value)
    with pytest.raises(InputError, match="unknown level 'vwap'") as err:
        level_episodes(bars, {"vwap": "vwap_px"}, 0.5)
    with pytest.raises(InputError) as err:
        level_episodes(bars, {"x": 100.0}, 0.5, price="close")
    assert err.value.column == "close"
    with pytest.raises(InputError, match="trigger <= exit"):
        level_episodes(bars, {"x": 100.0}, 1.0, exit=0.5)
    eps = level_episodes(bars, {"x": 100.0}, 0.5)
    with pytest.raises(InputError) as err:
        approach_features(bars, eps, ["book_imb_l1_eob", "ofi"])
    assert err.value.column == "book_imb_l1_eob" and "ofi" in str(err.value)
    with pytest.raises(InputError, match="other bars"):
        approach_features(bars.iloc[:2], eps)


def test_inputs_are_not_mutated(day):
    bars, levels = day
    copy, vwap = bars.copy(), levels["vwap"].copy()
    eps = level_episodes(bars, levels, trigger=0.5, exit=1.0)
    approach_features(bars, eps, ["book_imb_l1_eob"])
    setup_vectors(bars, eps, ["book_imb_l1_eob"])
    pd.testing.assert_frame_equal(bars, copy)
    pd.testing.assert_series_equal(levels["vwap"], vwap)


def test_no_episode_and_empty_bars_give_empty_frames():
    for bars in (_bars([]), _bars([110.0, 111.0])):
        eps = level_episodes(bars, {"x": 100.0}, 0.5)
        assert len(eps) == 0
        feats = approach_features(bars, eps, ["book_mid_px_eob"])
        assert len(feats) == 0 and "book_mid_px_eob_d1_3" in feats.columns
        assert setup_vectors(bars, eps, ["book_mid_px_eob"]).shape == (0, 12 + len(SIGNATURE))
