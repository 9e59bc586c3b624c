"""Streaming indicators equal the batch indicators value for value, however the rows arrive."""

import numpy as np
import pandas as pd
import pytest
from conftest import assert_same_arrays
from hypothesis import given
from hypothesis import strategies as st

from barsmith import InputError
from barsmith import indicators as ind
from barsmith.indicators import stream

# name -> (make the stream, the batch call on columns, the input columns)
HLC = ("high", "low", "close")
CASES = {
    "sma": (lambda conv: stream.Sma(5, convention=conv),
            lambda d, conv, b: ind.sma(d["close"], 5, convention=conv, backend=b), ("close",)),
    "wma": (lambda conv: stream.Wma(4, convention=conv),
            lambda d, conv, b: ind.wma(d["close"], 4, convention=conv, backend=b), ("close",)),
    "ema": (lambda conv: stream.Ema(6, convention=conv),
            lambda d, conv, b: ind.ema(d["close"], 6, convention=conv, backend=b), ("close",)),
    "rsi": (lambda conv: stream.Rsi(5, convention=conv),
            lambda d, conv, b: ind.rsi(d["close"], 5, convention=conv, backend=b), ("close",)),
    "roc": (lambda conv: stream.Roc(3, convention=conv),
            lambda d, conv, b: ind.roc(d["close"], 3, convention=conv, backend=b), ("close",)),
    "rolling_zscore": (lambda conv: stream.RollingZscore(4),
                       lambda d, conv, b: ind.rolling_zscore(d["close"], 4, backend=b), ("close",)),
    "macd": (lambda conv: stream.Macd(3, 7, 4, convention=conv),
             lambda d, conv, b: ind.macd(d["close"], 3, 7, 4, convention=conv, backend=b), ("close",)),
    "bbands": (lambda conv: stream.Bbands(5, 2.0, 1.5, convention=conv),
               lambda d, conv, b: ind.bbands(d["close"], 5, 2.0, 1.5, convention=conv, backend=b), ("close",)),
    "true_range": (lambda conv: stream.TrueRange(convention=conv),
                   lambda d, conv, b: ind.true_range(d["high"], d["low"], d["close"], convention=conv, backend=b), HLC),
    "atr": (lambda conv: stream.Atr(4, convention=conv),
            lambda d, conv, b: ind.atr(d["high"], d["low"], d["close"], 4, convention=conv, backend=b), HLC),
    "natr": (lambda conv: stream.Natr(4, convention=conv),
             lambda d, conv, b: ind.natr(d["high"], d["low"], d["close"], 4, convention=conv, backend=b), HLC),
    "willr": (lambda conv: stream.Willr(4, convention=conv),
              lambda d, conv, b: ind.willr(d["high"], d["low"], d["close"], 4, convention=conv, backend=b), HLC),
    "cci": (lambda conv: stream.Cci(4, convention=conv),
            lambda d, conv, b: ind.cci(d["high"], d["low"], d["close"], 4, convention=conv, backend=b), HLC),
    "dmi": (lambda conv: stream.Dmi(3, convention=conv),
            lambda d, conv, b: ind.dmi(d["high"], d["low"], d["close"], 3, convention=conv, backend=b), HLC),
    "adx": (lambda conv: stream.Adx(3, convention=conv),
            lambda d, conv, b: ind.adx(d["high"], d["low"], d["close"], 3, convention=conv, backend=b), HLC),
    "stoch": (lambda conv: stream.Stoch(4, 2, 3, convention=conv),
              lambda d, conv, b: ind.stoch(d["high"], d["low"], d["close"], 4, 2, 3, convention=conv, backend=b), HLC),
    "obv": (lambda conv: stream.Obv(convention=conv),
            lambda d, conv, b: ind.obv(d["close"], d["volume"], convention=conv, backend=b), ("close", "volume")),
    "mfi": (lambda conv: stream.Mfi(4, convention=conv),
            lambda d, conv, b: ind.mfi(d["high"], d["low"], d["close"], d["volume"], 4, convention=conv, backend=b),
            (*HLC, "volume")),
    "vwap_rolling": (lambda conv: stream.Vwap(window=4),
                     lambda d, conv, b: ind.vwap(d["close"], d["volume"], window=4, backend=b), ("close", "volume")),
}  # fmt: skip


@st.composite
def bars_and_cuts(draw):
    """OHLCV arrays with NaN runs, flat stretches and ties, and how to split them into calls."""
    n = draw(st.integers(0, 80))
    steps = draw(st.lists(st.sampled_from([0.0, 0.25, -0.25, 1.5, -3.0, np.nan]), min_size=n, max_size=n))
    close = 100 + np.nancumsum(np.array(steps, dtype=np.float64))
    close[np.isnan(np.array(steps, dtype=np.float64))] = np.nan
    extremes = draw(st.lists(st.tuples(st.integers(0, max(n - 1, 0)),
                                       st.sampled_from([np.inf, -np.inf, 1e300, -1e300, 1e-300, 5e-324, 0.0])),
                             max_size=4 if n else 0))  # fmt: skip
    for i, v in extremes:
        close[i] = v
    spread = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 2.0]), min_size=n, max_size=n)), dtype=np.float64)
    volume = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 7.0, 300.0, np.nan, np.inf, 1e300]), min_size=n, max_size=n)))
    data = {"high": close + spread, "low": close - spread, "close": close, "volume": volume}
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=6)))
    modes = draw(st.lists(st.booleans(), min_size=len(cuts) + 1, max_size=len(cuts) + 1))
    return data, cuts, modes


def _feed(s, columns, cuts, modes, k):
    """Outputs of ``s`` fed ``columns`` in pieces: ``update`` row by row where the mode says so."""
    pieces, bounds = [], [0, *cuts, len(columns[0])]
    for (a, b), one_by_one in zip(zip(bounds[:-1], bounds[1:]), modes):
        if one_by_one:
            rows = [s.update(*(c[i] for c in columns)) for i in range(a, b)]
            pieces.append(np.array(rows, dtype=np.float64).reshape(b - a, k).T)
        else:
            out = s.update_many(*(c[a:b] for c in columns))
            pieces.append(np.array(out, dtype=np.float64).reshape(k, b - a))
    return np.concatenate(pieces, axis=1)


@pytest.mark.parametrize("convention", ["pandas", "talib"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_stream_equals_the_batch_however_the_rows_arrive(name, convention):
    make, batch, inputs = CASES[name]

    @given(bars_and_cuts())
    def check(args):
        data, cuts, modes = args
        rust = np.atleast_2d(np.array(batch(data, convention, "rust"), dtype=np.float64))
        got = _feed(make(convention), [data[k] for k in inputs], cuts, modes, len(rust))
        np.testing.assert_array_equal(got, rust, err_msg=f"{name}: stream vs rust batch")  # to the bit
        oracle = np.atleast_2d(np.array(batch(data, convention, "pandas"), dtype=np.float64))
        assert_same_arrays(tuple(got), tuple(oracle), f"{name}: stream vs the pandas oracle")

    check()


@pytest.mark.parametrize("convention", ["pandas", "talib"])
@pytest.mark.parametrize("name", ["sma", "wma", "ema", "atr", "natr", "macd", "rsi", "dmi", "bbands"])
def test_long_runs_with_nan_and_inf_mid_run_equal_the_stream(name, convention):
    """The batch kernels run warmed-up stretches of a few thousand rows without the stream's
    per-row checks and go back over a stretch that held a NaN: on long series with NaN, inf,
    an inf followed by -inf, a flat stretch and a NaN close placed inside such stretches, they
    still give the stream's values."""
    rng = np.random.default_rng(7)
    close = 100 + np.cumsum(rng.normal(0, 1, 6_000))
    close[[1_500, 2_900, 2_901, 4_100]] = np.nan
    close[3_500] = np.inf
    close[[4_500, 4_501]] = [np.inf, -np.inf]
    close[5_200:5_400] = close[5_199]
    data = {"high": close + 0.5, "low": close - 0.5, "close": close, "volume": np.ones_like(close)}
    data["high"][5_000] = np.nan  # a bar with a high missing, its close kept
    make, batch, inputs = CASES[name]
    rust = np.atleast_2d(np.array(batch(data, convention, "rust"), dtype=np.float64))
    got = _feed(make(convention), [data[k] for k in inputs], [], [True], len(rust))
    np.testing.assert_array_equal(got, rust, err_msg=f"{name}: stream vs rust batch")
    for backend in ("numba", "pandas"):
        other = np.atleast_2d(np.array(batch(data, convention, backend), dtype=np.float64))
        assert_same_arrays(tuple(got), tuple(other), f"{name}: stream vs {backend}")


def test_every_indicator_has_a_stream():
    shortcuts = {"plus_di", "minus_di", "dx"}  # outputs of Dmi
    covered = {name.removesuffix("_rolling") for name in CASES}
    assert set(ind.__all__) - shortcuts <= covered


def test_an_anchored_vwap_stream_resets_at_each_period_across_calls():
    idx = pd.date_range("2024-01-02 22:00", periods=12, freq="30min", tz="America/New_York")
    price = pd.Series(np.arange(12, dtype=float) + 100, index=idx)
    volume = pd.Series(np.arange(1, 13, dtype=float), index=idx)
    expected = ind.vwap(price, volume, anchor="1D")
    s = stream.Vwap(anchor="1D")
    first = s.update_many(price.iloc[:3], volume.iloc[:3])  # a Series' index is its ts
    middle = [s.update(price.iloc[i], volume.iloc[i], idx[i]) for i in range(3, 5)]  # midnight falls here
    rest = s.update_many(price.iloc[5:].to_numpy(), volume.iloc[5:].to_numpy(), ts=idx[5:])
    assert isinstance(first, pd.Series) and first.index.equals(idx[:3])
    np.testing.assert_array_equal(np.concatenate([first, middle, rest]), expected.to_numpy())
    with pytest.raises(InputError, match="backwards") as err:
        s.update(1.0, 1.0, idx[0])
    assert err.value.column == "ts"
    with pytest.raises(InputError, match="needs timestamps"):
        stream.Vwap().update(1.0, 1.0)


def test_reset_starts_over_and_bad_rows_are_refused():
    s = stream.Ema(3)
    first = s.update_many(np.arange(10.0))
    s.reset()
    np.testing.assert_array_equal(s.update_many(np.arange(10.0)), first)
    with pytest.raises(InputError, match="expected 3 inputs"):
        stream.Atr(14).update(1.0, 2.0)
    with pytest.raises(InputError) as err:
        stream.Atr(14).update_many(np.ones(3), np.array(["a", "b", "c"]), np.ones(3))
    assert err.value.column == "low"
    with pytest.raises(InputError, match="lengths"):
        stream.Obv().update_many(np.ones(3), np.ones(4))
    with pytest.raises(InputError, match="1-D") as err:  # one row goes through update()
        stream.Atr(14).update_many(np.ones(3), 0.5, np.ones(3))
    assert err.value.column == "low"
    with pytest.raises(InputError, match="period"):
        stream.Rsi(0)


def test_a_stream_keeps_a_series_index():
    x = pd.Series([1.0, 2.0, 4.0, 3.0], index=pd.date_range("2024-01-01", periods=4, freq="h"), name="px")
    upper, middle, lower = stream.Bbands(2).update_many(x)
    assert upper.index.equals(x.index) and middle.name == "middle"
