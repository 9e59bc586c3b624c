"""Indicators equal their pandas expressions and TA-Lib 0.8.2, in every backend."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import talib
from conftest import ALL_BACKENDS

from barsmith import InputError
from barsmith.indicators import stream
from barsmith.indicators import (
    adx, atr, bbands, cci, dmi, dx, ema, macd, mfi, minus_di, natr, obv, plus_di, roc, rolling_zscore, rsi, sma, stoch,
    true_range, vwap, willr, wma,
)  # fmt: skip

EURUSD = Path(__file__).resolve().parents[2] / "shared" / "data" / "smc-eurusd-15m" / "EURUSD_15M.csv"


@pytest.fixture(scope="module")
def ohlc():
    if EURUSD.exists():
        df = pd.read_csv(EURUSD)
        df.index = pd.to_datetime(df["Date"], format="%Y.%m.%d %H:%M:%S", utc=True)
        df = df.rename(columns=str.lower).drop(columns="volume").rename(columns={"tickvol": "volume"})  # Volume is all 0
        return df[["open", "high", "low", "close", "volume"]].astype(float)
    rng = np.random.default_rng(1)  # the shared data is not on this machine: a random walk
    close = 1.0 + np.cumsum(rng.normal(0, 1e-3, 20_000))
    volume = rng.integers(1, 5_000, len(close)).astype(float)
    return pd.DataFrame({"open": close, "high": close + 1e-3, "low": close - 1e-3, "close": close, "volume": volume})


def _series_with_gaps(n=3_000, seed=0, inf=False):
    """A random walk with NaN runs, a flat stretch and a single NaN (and +-inf, if asked)."""
    rng = np.random.default_rng(seed)
    x = 100 + np.cumsum(rng.normal(0, 1, n))
    x[500:510] = np.nan
    x[900] = np.nan
    x[1200:1400] = x[1200]  # flat
    x[2000:2003] = np.nan
    if inf:
        x[[700, 1600, 1601, 2500]] = [np.inf, np.inf, -np.inf, -np.inf]
    return pd.Series(x)


def _assert_close(got, expected, rtol=1e-12, atol=0.0):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg="NaN in different places")
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


# ---------------------------------------------------------------- pandas convention


PANDAS_EXPRESSIONS = {
    "sma": lambda x, n: x.rolling(n, min_periods=n).mean(),
    "roc": lambda x, n: (x / x.shift(n) - 1) * 100,
    "wma": lambda x, n: sum((x.shift(k) * (n - k) for k in range(n)), start=0.0) / (n * (n + 1) / 2),
    "ema": lambda x, n: x.ewm(span=n, adjust=False, min_periods=n).mean(),
    "rsi": lambda x, n: 100 - 100 / (
        1 + x.diff().clip(lower=0).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        / (-x.diff()).clip(lower=0).ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
    ),
}  # fmt: skip
FUNCTIONS = {"sma": sma, "ema": ema, "rsi": rsi, "roc": roc, "wma": wma}


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("name", sorted(PANDAS_EXPRESSIONS))
@pytest.mark.parametrize("n", [1, 2, 14, 50])
def test_pandas_convention_equals_the_pandas_expression_with_nan_runs(name, n, backend):
    for x in (_series_with_gaps(), _series_with_gaps(inf=True), pd.Series([1.0]), pd.Series([], dtype=float),
              pd.Series([np.nan, 1.0, 2.0]), pd.Series([np.inf, 1.0, 2.0, 3.0])):  # fmt: skip
        got = FUNCTIONS[name](x, n, backend=backend)
        assert isinstance(got, pd.Series) and got.index.equals(x.index)
        with np.errstate(divide="ignore", invalid="ignore"):
            _assert_close(got, PANDAS_EXPRESSIONS[name](x, n))


def _pandas_true_range(h, lo, c):
    return pd.concat([h - lo, (h - c.shift()).abs(), (lo - c.shift()).abs()], axis=1).max(axis=1)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_true_range_and_atr_equal_their_pandas_expressions(ohlc, backend):
    h, lo, c = ohlc["high"].copy(), ohlc["low"].copy(), ohlc["close"].copy()
    h.iloc[100:105] = np.nan
    tr = _pandas_true_range(h, lo, c)
    _assert_close(true_range(h, lo, c, backend=backend), tr)
    for n in (1, 14):
        expected = tr.ewm(alpha=1 / n, adjust=False, min_periods=n).mean()
        _assert_close(atr(h, lo, c, n, backend=backend), expected)
        _assert_close(natr(h, lo, c, n, backend=backend), expected / c * 100)
        hh, ll = h.rolling(n, min_periods=n).max(), lo.rolling(n, min_periods=n).min()
        _assert_close(willr(h, lo, c, n, backend=backend), -100 * (hh - c) / (hh - ll))
        slow_k = (100 * (c - ll) / (hh - ll)).rolling(3, min_periods=3).mean()
        k, d = stoch(h, lo, c, n, 3, 3, backend=backend)
        _assert_close(k, slow_k)
        _assert_close(d, slow_k.rolling(3, min_periods=3).mean())


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_macd_equals_its_pandas_expression(backend):
    x = _series_with_gaps()
    line = x.ewm(span=12, adjust=False, min_periods=12).mean() - x.ewm(span=26, adjust=False, min_periods=26).mean()
    signal = line.ewm(span=9, adjust=False, min_periods=9).mean()
    for got, expected in zip(macd(x, backend=backend), (line, signal, line - signal)):
        _assert_close(got, expected)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_obv_equals_its_pandas_expression_and_ta_lib(ohlc, backend):
    c = ohlc["close"].copy()
    v = pd.Series(np.random.default_rng(2).integers(1, 500, len(c)).astype(float), index=c.index)
    _assert_close(obv(c, v, backend=backend), (np.sign(c.diff()) * v).fillna(0).cumsum())
    np.testing.assert_allclose(obv(c.to_numpy(), v.to_numpy(), convention="talib", backend=backend),
                               talib.OBV(c.to_numpy(), v.to_numpy()), rtol=0, atol=1e-10)  # fmt: skip
    c.iloc[100] = np.nan  # TA-Lib stops moving after a NaN; the talib convention skips it
    got = obv(c, v, convention="talib", backend=backend)
    assert np.isnan(got.iloc[100]) and got.iloc[101:].diff().abs().sum() > 0


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_roc_of_a_zero_is_inf_in_pandas_and_zero_in_talib(backend):
    x = np.array([0.0, 1.0, 2.0, 4.0])
    assert roc(x, 1, backend=backend)[1] == np.inf
    assert roc(x, 1, convention="talib", backend=backend)[1] == 0.0
    np.testing.assert_array_equal(roc(x, 1, convention="talib", backend=backend)[1:], talib.ROC(x, 1)[1:])


def _ohlcv_with_gaps(ohlc):
    """The real bars with NaN in each column at different places, and a flat stretch."""
    df = ohlc.iloc[:6_000].copy()
    df.iloc[100:105, df.columns.get_loc("high")] = np.nan
    df.iloc[300, df.columns.get_loc("low")] = np.nan
    df.iloc[700:720, df.columns.get_loc("close")] = np.nan
    df.iloc[900, df.columns.get_loc("volume")] = np.nan
    df.iloc[2000:2100] = df.iloc[2000].to_numpy()  # a flat stretch: ties, zero ranges, zero deviation
    return df


def _wilder(s, n):
    return s.ewm(alpha=1 / n, adjust=False, min_periods=n).mean()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 14])
def test_dmi_equals_its_pandas_expression(ohlc, n, backend):
    df = _ohlcv_with_gaps(ohlc)
    h, lo, c = df["high"], df["low"], df["close"]
    up, down = h.diff(), -lo.diff()
    plus_dm = up.where((up > down) & (up > 0), 0.0)
    minus_dm = down.where((down > up) & (down > 0), 0.0)
    tr_avg = _wilder(_pandas_true_range(h, lo, c), n)
    expected_pdi = 100 * _wilder(plus_dm, n) / tr_avg
    expected_mdi = 100 * _wilder(minus_dm, n) / tr_avg
    expected_dx = 100 * (expected_pdi - expected_mdi).abs() / (expected_pdi + expected_mdi)
    got = dmi(h, lo, c, n, backend=backend)
    for g, e in zip(got, (_wilder(expected_dx, n), expected_pdi, expected_mdi, expected_dx)):
        assert isinstance(g, pd.Series) and g.index.equals(df.index)
        _assert_close(g, e)
    for one, k in ((adx, 0), (plus_di, 1), (minus_di, 2), (dx, 3)):
        pd.testing.assert_series_equal(one(h, lo, c, n, backend=backend), got[k])


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 20])
def test_bbands_and_zscore_equal_their_pandas_expressions(n, backend):
    for x in (_series_with_gaps(), pd.Series([1.0]), pd.Series([], dtype=float), pd.Series([np.nan, 2.0, 2.0, 2.0])):
        r = x.rolling(n, min_periods=n)
        for ddof in (0, 1):
            mid, sd = r.mean(), r.std(ddof=ddof)
            upper, middle, lower = bbands(x, n, 2.0, 1.5, ddof=ddof, backend=backend)
            _assert_close(upper, mid + 2.0 * sd)
            _assert_close(middle, mid)
            _assert_close(lower, mid - 1.5 * sd)
            with np.errstate(divide="ignore", invalid="ignore"):
                _assert_close(rolling_zscore(x, n, ddof=ddof, backend=backend), (x - mid) / sd)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("n", [1, 3, 20])
def test_cci_and_mfi_equal_their_pandas_expressions(ohlc, n, backend):
    df = _ohlcv_with_gaps(ohlc)
    h, lo, c, v = df["high"], df["low"], df["close"], df["volume"]
    tp = (h + lo + c) / 3
    ma = tp.rolling(n, min_periods=n).mean()
    md = sum(((tp.shift(k) - ma).abs() for k in range(n)), start=0.0) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        _assert_close(cci(h, lo, c, n, backend=backend), (tp - ma) / (0.015 * md))
    # the textbook form, with the window's own mean, agrees to rounding
    textbook = tp.rolling(n, min_periods=n).apply(lambda w: np.abs(w - w.mean()).mean(), raw=True)
    finite = (md > 1e-9).to_numpy()
    np.testing.assert_allclose(md[finite], textbook[finite], rtol=1e-9)
    d, flow = tp.diff(), tp * v
    pos = flow.where(d > 0, 0.0).rolling(n, min_periods=n).sum()
    neg = flow.where(d < 0, 0.0).rolling(n, min_periods=n).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        _assert_close(mfi(h, lo, c, v, n, backend=backend), 100 * pos / (pos + neg))


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_vwap_anchored_and_rolling_equal_their_pandas_expressions(ohlc, backend):
    df = _ohlcv_with_gaps(ohlc)
    price, volume = (df["high"] + df["low"] + df["close"]) / 3, df["volume"]
    pv = price * volume
    for anchor in ("1D", "4h", "W"):
        key = price.index.tz_localize(None).to_period(anchor) if anchor == "W" else price.index.floor(anchor)
        expected = pv.groupby(key).cumsum() / volume.groupby(key).cumsum()
        _assert_close(vwap(price, volume, anchor=anchor, backend=backend), expected)
    _assert_close(vwap(price, volume, anchor=None, backend=backend), pv.cumsum() / volume.cumsum())
    for n in (1, 20):
        expected = pv.rolling(n, min_periods=n).sum() / volume.rolling(n, min_periods=n).sum()
        _assert_close(vwap(price, volume, window=n, backend=backend), expected)
    # days in the index's own time zone: a New York day is not a UTC day
    ny = price.tz_convert("America/New_York")
    key = ny.index.floor("1D")
    expected = (ny * volume.to_numpy()).groupby(key).cumsum() / volume.set_axis(ny.index).groupby(key).cumsum()
    _assert_close(vwap(ny, volume.to_numpy(), backend=backend), expected)
    # arrays with ts=
    got = vwap(price.to_numpy(), volume.to_numpy(), ts=price.index.to_numpy(), backend=backend)
    _assert_close(got, vwap(price, volume, backend=backend))


def test_vwap_resets_at_each_anchor_and_weights_by_volume():
    idx = pd.to_datetime(["2024-01-02 09:00", "2024-01-02 10:00", "2024-01-03 09:00"], utc=True)
    got = vwap(pd.Series([10.0, 20.0, 30.0], idx), pd.Series([1.0, 3.0, 2.0], idx))
    np.testing.assert_allclose(got, [10.0, (10 + 60) / 4, 30.0])


def test_vwap_needs_sorted_timestamps_to_anchor():
    idx = pd.to_datetime(["2024-01-02 10:00", "2024-01-02 09:00"], utc=True)
    with pytest.raises(InputError) as err:
        vwap(pd.Series([1.0, 2.0], idx), pd.Series([1.0, 1.0], idx))
    assert err.value.column == "ts" and err.value.row == 1
    with pytest.raises(InputError, match="needs timestamps"):
        vwap(np.ones(3), np.ones(3))
    np.testing.assert_allclose(vwap(np.ones(3), np.ones(3), anchor=None), 1.0)
    with pytest.raises(InputError, match="frequency"):
        vwap(pd.Series([1.0], idx[:1]), pd.Series([1.0], idx[:1]), anchor="fortnight")


def test_bbands_parameters_are_checked():
    with pytest.raises(InputError, match="population"):
        bbands(np.arange(10.0), 5, ddof=1, convention="talib")
    with pytest.raises(InputError) as err:
        bbands(np.arange(10.0), 5, float("nan"))
    assert err.value.column == "nbdev_up"
    with pytest.raises(InputError):
        rolling_zscore(np.arange(10.0), 5, ddof=-1)


# ---------------------------------------------------------------- talib convention


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("n", [2, 14, 30])
def test_talib_convention_equals_ta_lib_on_real_data(ohlc, n, backend):
    h, lo, c, v = (ohlc[k].to_numpy() for k in ("high", "low", "close", "volume"))
    checks = {
        "SMA": (sma(c, n, convention="talib", backend=backend), talib.SMA(c, n)),
        "SMA, pandas convention": (sma(c, n, backend=backend), talib.SMA(c, n)),
        "WMA": (wma(c, n, convention="talib", backend=backend), talib.WMA(c, n)),
        "EMA": (ema(c, n, convention="talib", backend=backend), talib.EMA(c, n)),
        "RSI": (rsi(c, n, convention="talib", backend=backend), talib.RSI(c, n)),
        "TRANGE": (true_range(h, lo, c, convention="talib", backend=backend), talib.TRANGE(h, lo, c)),
        "ATR": (atr(h, lo, c, n, convention="talib", backend=backend), talib.ATR(h, lo, c, n)),
        "NATR": (natr(h, lo, c, n, convention="talib", backend=backend), talib.NATR(h, lo, c, n)),
        "ROC": (roc(c, n, convention="talib", backend=backend), talib.ROC(c, n)),
        "WILLR": (willr(h, lo, c, n, convention="talib", backend=backend), talib.WILLR(h, lo, c, n)),
        **{f"MACD {k}": (got, exp) for k, got, exp in zip(
            "macd signal hist".split(), macd(c, n, n * 2, 9, convention="talib", backend=backend), talib.MACD(c, n, n * 2, 9)
        )},
        "STOCH k": (stoch(h, lo, c, n, 3, 3, convention="talib", backend=backend)[0], talib.STOCH(h, lo, c, n)[0]),
        "STOCH d": (stoch(h, lo, c, n, 3, 3, convention="talib", backend=backend)[1], talib.STOCH(h, lo, c, n)[1]),
        **{name: (got, exp) for name, got, exp in zip(
            ("ADX", "PLUS_DI", "MINUS_DI", "DX"),
            dmi(h, lo, c, n, convention="talib", backend=backend),
            (talib.ADX(h, lo, c, n), talib.PLUS_DI(h, lo, c, n), talib.MINUS_DI(h, lo, c, n), talib.DX(h, lo, c, n)),
        )},
        **{f"BBANDS {k}": (got, exp) for k, got, exp in zip(
            "upper middle lower".split(), bbands(c, n, 2.0, 1.5, convention="talib", backend=backend), talib.BBANDS(c, n, 2.0, 1.5)
        )},
        "CCI": (cci(h, lo, c, n, convention="talib", backend=backend), talib.CCI(h, lo, c, n)),
        "MFI": (mfi(h, lo, c, v, n, convention="talib", backend=backend), talib.MFI(h, lo, c, v, n)),
    }
    for name, (got, expected) in checks.items():
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=f"{name}: leading NaNs")
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10, equal_nan=True, err_msg=name)


def _cpu_has_fma():
    try:
        return " fma " in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("n", [2, 20, 100])
def test_talib_bbands_stay_within_1e_10_of_ta_lib_on_long_drifting_prices(n, backend):
    # the variance comes from sums kept row by row: on 200k rows of prices drifting far
    # from where the sums were last re-centred, they neither drift nor cancel
    rng = np.random.default_rng(11)
    for close in (5000 + np.cumsum(rng.normal(0, 0.25, 200_000)), 100 + np.cumsum(rng.normal(0, 1, 200_000))):
        got = bbands(close, n, convention="talib", backend=backend)
        for ours, theirs in zip(got, talib.BBANDS(close, n)):
            _assert_close(ours, theirs, rtol=0.0, atol=1e-10)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("scale", [1e-9, 1e-6, 1.0, 1e6, 1e12])
def test_talib_oscillators_equal_ta_lib_at_any_price_scale_and_on_flat_windows(scale, backend):
    # TA-Lib 0.8.1 asks "is this window flat?" relative to its own prices (its issues #107,
    # #253): a fixed 1e-14 band zeroed every window of a small-priced instrument, and an
    # exact test divided a machine-flat window into noise. Quotes at 1e-9 or 1e12, windows
    # flat to the bit or to 1e-15, and zero volumes all equal the real TA-Lib to the bit.
    rng = np.random.default_rng(int(-np.log10(scale)) + 20)
    m = 600
    c = scale * (100 + np.cumsum(rng.normal(0, 1, m)))
    h, lo = c + scale * rng.uniform(0, 1, m), c - scale * rng.uniform(0, 1, m)
    c[100:160], h[100:160], lo[100:160] = c[100], c[100], c[100]  # flat
    h[300:360], lo[300:360], c[300:360] = c[300] * (1 + 1e-15), c[300] * (1 - 1e-15), c[300]  # flat but for rounding
    v = rng.choice([0.0, 1e-6, 1.0, 1e3], m)
    v[400:460] = 0.0  # a window without money flow
    for n in (2, 5, 14):
        slowk, slowd = stoch(h, lo, c, n, 3, 3, convention="talib", backend=backend)
        checks = {
            "RSI": (rsi(c, n, convention="talib", backend=backend), talib.RSI(c, n)),
            "WILLR": (willr(h, lo, c, n, convention="talib", backend=backend), talib.WILLR(h, lo, c, n)),
            "STOCH k": (slowk, talib.STOCH(h, lo, c, n)[0]),
            "STOCH d": (slowd, talib.STOCH(h, lo, c, n)[1]),
            "CCI": (cci(h, lo, c, n, convention="talib", backend=backend), talib.CCI(h, lo, c, n)),
            "MFI": (mfi(h, lo, c, v, n, convention="talib", backend=backend), talib.MFI(h, lo, c, v, n)),
            **{name: (got, exp) for name, got, exp in zip(
                ("ADX", "PLUS_DI", "MINUS_DI", "DX"), dmi(h, lo, c, n, convention="talib", backend=backend),
                (talib.ADX(h, lo, c, n), talib.PLUS_DI(h, lo, c, n), talib.MINUS_DI(h, lo, c, n), talib.DX(h, lo, c, n)),
            )},
            "WMA": (wma(c, n, convention="talib", backend=backend), talib.WMA(c, n)),
            **{f"BBANDS {k}": (got, exp) for k, got, exp in zip(
                "upper middle lower".split(), bbands(c, n, 2.0, 2.0, convention="talib", backend=backend),
                talib.BBANDS(c, n, 2.0, 2.0),
            )},
        }  # fmt: skip
        for name, (got, expected) in checks.items():
            np.testing.assert_array_equal(got, expected, err_msg=f"{name}, n={n}")


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("n", [2, 14, 30])
def test_talib_convention_is_ta_lib_to_the_bit(ohlc, n, backend):
    """TA-Lib 0.8.2's arithmetic, not just its formulas: a plain running sum for SMA, a multiply
    by 1/n for RSI and ADX, running sums re-anchored every 8 n rows for WMA and shifted sums
    re-anchored every 32 n windows (and on cancellation) for BBANDS' deviation, one fused
    multiply-add per step for EMA, ATR and MACD and for BBANDS' upper band when the two
    multipliers differ. The wheel picks its fused build on a CPU with FMA; barsmith always
    fuses, so elsewhere those differ by an ulp."""
    rng = np.random.default_rng(n)
    walk = 100 + np.cumsum(rng.normal(0, 1, 20_000))
    for h, lo, c in ((ohlc["high"].to_numpy(), ohlc["low"].to_numpy(), ohlc["close"].to_numpy()),
                     (walk + rng.uniform(0, 1, walk.size), walk - rng.uniform(0, 1, walk.size), walk)):  # fmt: skip
        unfused = {
            "SMA": (sma(c, n, convention="talib", backend=backend), talib.SMA(c, n)),
            "WMA": (wma(c, n, convention="talib", backend=backend), talib.WMA(c, n)),
            "RSI": (rsi(c, n, convention="talib", backend=backend), talib.RSI(c, n)),
            **{f"BBANDS {k}": (got, exp) for k, got, exp in zip(
                "upper middle lower".split(), bbands(c, n, 2.0, 2.0, convention="talib", backend=backend),
                talib.BBANDS(c, n, 2.0, 2.0),
            )},
            **{name: (got, exp) for name, got, exp in zip(
                ("ADX", "PLUS_DI", "MINUS_DI", "DX"), dmi(h, lo, c, n, convention="talib", backend=backend),
                (talib.ADX(h, lo, c, n), talib.PLUS_DI(h, lo, c, n), talib.MINUS_DI(h, lo, c, n), talib.DX(h, lo, c, n)),
            )},
        }  # fmt: skip
        fused = {
            "EMA": (ema(c, n, convention="talib", backend=backend), talib.EMA(c, n)),
            "ATR": (atr(h, lo, c, n, convention="talib", backend=backend), talib.ATR(h, lo, c, n)),
            "NATR": (natr(h, lo, c, n, convention="talib", backend=backend), talib.NATR(h, lo, c, n)),
            **{f"MACD {k}": (got, exp) for k, got, exp in zip(
                "macd signal hist".split(), macd(c, n, n * 2, 9, convention="talib", backend=backend),
                talib.MACD(c, n, n * 2, 9),
            )},
            **{f"BBANDS {k}, multipliers 2 and 1.5": (got, exp) for k, got, exp in zip(
                "upper middle lower".split(), bbands(c, n, 2.0, 1.5, convention="talib", backend=backend),
                talib.BBANDS(c, n, 2.0, 1.5),
            )},
        }  # fmt: skip
        for name, (got, expected) in unfused.items():
            np.testing.assert_array_equal(got, expected, err_msg=name)
        for name, (got, expected) in fused.items():
            if _cpu_has_fma():
                np.testing.assert_array_equal(got, expected, err_msg=name)
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_talib_convention_recovers_after_nan_where_ta_lib_sticks(backend):
    x = _series_with_gaps().to_numpy()
    stuck = talib.RSI(x, 14)
    assert (stuck[600:] == 0.0).all()  # the defect in ta-lib 0.8.2
    ours = rsi(x, 14, convention="talib", backend=backend)
    assert np.isnan(ours[500:510 + 14]).all()  # NaN through the gap and a fresh warm-up
    assert (ours[525:890] > 0).all() and (ours[525:890] < 100).all()
    # after the gap it is TA-Lib's RSI of the series restarted there
    np.testing.assert_allclose(ours[511:900], talib.RSI(x[510:900], 14)[1:], atol=1e-10, equal_nan=True)
    restarted = ema(x, 10, convention="talib", backend=backend)
    np.testing.assert_allclose(restarted[510:900], talib.EMA(x[510:900], 10), atol=1e-10, equal_nan=True)


# ---------------------------------------------------------------- shapes and errors


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_columns_are_independent_symbols(backend):
    panel = pd.DataFrame({f"s{k}": _series_with_gaps(3_000, seed=k) for k in range(5)})
    got = rsi(panel, 14, backend=backend)
    assert isinstance(got, pd.DataFrame) and list(got.columns) == list(panel.columns)
    for col in panel:
        pd.testing.assert_series_equal(got[col], rsi(panel[col], 14, backend=backend), check_names=False)
    arr = ema(panel.to_numpy(), 5, backend=backend)
    assert isinstance(arr, np.ndarray) and arr.shape == panel.shape
    np.testing.assert_array_equal(arr, ema(panel, 5, backend=backend).to_numpy())


def test_input_shorter_than_the_period_is_all_nan():
    assert np.isnan(rsi(np.arange(5.0), 14)).all()
    assert np.isnan(ema(np.arange(5.0), 14, convention="talib")).all()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_a_period_below_one_or_not_an_integer_is_refused(bad):
    with pytest.raises(InputError, match="period"):
        sma(np.arange(10.0), bad)


def test_mismatched_lengths_and_non_numeric_input_are_refused():
    with pytest.raises(InputError) as err:
        atr(np.ones(5), np.ones(4), np.ones(5))
    assert err.value.column == "low"
    with pytest.raises(InputError, match="numbers"):
        sma(pd.Series(["a", "b"]), 1)


@pytest.mark.parametrize("text", [pd.Series(["101.5", "102.0"]), np.array(["1", "2"]), pd.Series([True, False])])
def test_strings_and_booleans_are_not_numbers_even_where_they_would_parse(text):
    with pytest.raises(InputError, match="convert it first") as err:
        sma(text, 1)
    assert err.value.column == "x"
    with pytest.raises(InputError, match="numbers") as err:
        stream.Atr(2).update_many(np.ones(2), text, np.ones(2))
    assert err.value.column == "low"


def test_missing_values_of_any_kind_are_nan_as_in_the_pandas_expression():
    expected = rsi(np.array([1.0, np.nan, 3.0, 2.0, 5.0, 4.0]), 2)
    for missing in (pd.Series([1, None, 3, 2, 5, 4], dtype="Int64"), [1.0, None, 3, 2, 5, 4],
                    pd.Series([1.0, pd.NA, 3, 2, 5, 4], dtype="Float64")):  # fmt: skip
        np.testing.assert_array_equal(np.asarray(rsi(missing, 2), dtype=float), expected)


def test_series_with_different_indexes_are_refused_where_pandas_would_align_them():
    """pandas' expression aligns its inputs on their labels; pairing them by position instead
    would silently combine different bars, so barsmith says where the labels part."""
    bars = pd.date_range("2024-01-02", periods=50, freq="15min", tz="UTC")
    high = pd.Series(np.linspace(2.0, 3.0, 50), index=bars)
    low, close = high - 1.0, high - 0.5
    with pytest.raises(InputError, match="align") as err:
        atr(high, low.shift(1, freq="15min"), close, 14)
    assert (err.value.column, err.value.row) == ("low", 0)
    with pytest.raises(InputError) as err:
        atr(high, low, close.set_axis(bars[:-1].append(bars[-1:] + pd.Timedelta("1min"))), 14)
    assert (err.value.column, err.value.row) == ("close", 49)
    panel = pd.concat({"a": close, "b": close + 1}, axis=1)
    with pytest.raises(InputError, match="columns differ"):
        obv(panel, panel[["b", "a"]])
    with pytest.raises(InputError, match="align"):
        stream.Atr(14).update_many(high, low.shift(1, freq="15min"), close)
    # columns of one frame, a realigned copy, and arrays (which pair by position) are fine
    np.testing.assert_array_equal(atr(high, low, close, 14), atr(high, low.copy(), close.to_numpy(), 14))


def test_inputs_are_not_mutated(ohlc):
    before = ohlc.copy()
    atr(ohlc["high"], ohlc["low"], ohlc["close"], 14, convention="talib")
    rsi(ohlc, 14)
    pd.testing.assert_frame_equal(ohlc, before)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_result_is_the_users_to_write_and_never_the_input(ohlc, backend):
    """Results are not copied on the way out (pandas 3 copies an array into a Series by
    default), yet each is writable and writing it never reaches the input, even where the
    answer equals the input (a mean of one value)."""
    close = ohlc["close"].copy()
    before = close.copy()
    for out in (sma(close, 1, backend=backend), ema(close, 1, backend=backend), *bbands(close, 1, backend=backend)):
        out.iloc[:3] = -1.0
        assert (out.iloc[:3] == -1.0).all()
    pd.testing.assert_series_equal(close, before)


PANEL_CALLS = {
    "sma": lambda h, lo, c, v, conv, b: (sma(c, 5, convention=conv, backend=b),),
    "wma": lambda h, lo, c, v, conv, b: (wma(c, 4, convention=conv, backend=b),),
    "ema": lambda h, lo, c, v, conv, b: (ema(c, 6, convention=conv, backend=b),),
    "rsi": lambda h, lo, c, v, conv, b: (rsi(c, 5, convention=conv, backend=b),),
    "roc": lambda h, lo, c, v, conv, b: (roc(c, 3, convention=conv, backend=b),),
    "rolling_zscore": lambda h, lo, c, v, conv, b: (rolling_zscore(c, 4, backend=b),),
    "macd": lambda h, lo, c, v, conv, b: macd(c, 3, 7, 4, convention=conv, backend=b),
    "bbands": lambda h, lo, c, v, conv, b: bbands(c, 5, convention=conv, backend=b),
    "true_range": lambda h, lo, c, v, conv, b: (true_range(h, lo, c, convention=conv, backend=b),),
    "atr": lambda h, lo, c, v, conv, b: (atr(h, lo, c, 4, convention=conv, backend=b),),
    "natr": lambda h, lo, c, v, conv, b: (natr(h, lo, c, 4, convention=conv, backend=b),),
    "willr": lambda h, lo, c, v, conv, b: (willr(h, lo, c, 4, convention=conv, backend=b),),
    "cci": lambda h, lo, c, v, conv, b: (cci(h, lo, c, 4, convention=conv, backend=b),),
    "dmi": lambda h, lo, c, v, conv, b: dmi(h, lo, c, 3, convention=conv, backend=b),
    "stoch": lambda h, lo, c, v, conv, b: stoch(h, lo, c, 4, 2, 3, convention=conv, backend=b),
    "obv": lambda h, lo, c, v, conv, b: (obv(c, v, convention=conv, backend=b),),
    "mfi": lambda h, lo, c, v, conv, b: (mfi(h, lo, c, v, 4, convention=conv, backend=b),),
    "vwap": lambda h, lo, c, v, conv, b: (vwap(c, v, window=4, backend=b),),
}


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("convention", ["pandas", "talib"])
@pytest.mark.parametrize("name", sorted(PANEL_CALLS))
def test_a_bars_by_symbols_panel_equals_each_symbol_alone(name, convention, backend):
    # A row-major (bars x symbols) array, which the rust backend walks row by row,
    # and the same data stored column by column, equal each column computed alone.
    rng = np.random.default_rng(7)
    c = 100 + np.cumsum(rng.choice([0.0, 0.25, -0.25, 1.0, -2.0], size=(300, 37)), axis=0)
    c[40:45, 3] = np.nan
    h, lo = c + rng.uniform(0, 1, c.shape), c - rng.uniform(0, 1, c.shape)
    v = rng.integers(0, 50, c.shape).astype(float)
    v[7, 5] = np.nan
    call = PANEL_CALLS[name]
    row_major = call(h, lo, c, v, convention, backend)
    by_column = call(*(np.asfortranarray(a) for a in (h, lo, c, v)), convention, backend)
    for j in range(c.shape[1]):
        alone = call(h[:, j], lo[:, j], c[:, j], v[:, j], convention, backend)
        for whole, col_major, one in zip(row_major, by_column, alone):
            np.testing.assert_array_equal(whole[:, j], one, err_msg=f"{name} symbol {j}")
            np.testing.assert_array_equal(col_major[:, j], one, err_msg=f"{name} symbol {j} (column-major)")


@pytest.mark.parametrize("backend", [b for b in ALL_BACKENDS if b != "pandas"])
@pytest.mark.parametrize("name", sorted(PANEL_CALLS))
def test_pandas_convention_sees_inf_as_missing_as_pandas_windows_do(name, backend):
    # pandas' rolling and ewm turn +-inf into NaN before they run (a division by zero upstream
    # is a gap to them, not a value), and so does the pandas convention in every backend
    rng = np.random.default_rng(3)
    c = 100 + np.cumsum(rng.normal(0, 1, (3_000, 2)), axis=0)
    c[[700, 1600, 1601, 2500], 0] = [np.inf, np.inf, -np.inf, -np.inf]
    h, lo = c + 0.5, c - 0.5
    h[1100, 1], lo[1900, 1] = np.inf, -np.inf
    v = rng.integers(1, 50, c.shape).astype(float)
    v[2200, 1] = np.inf
    call = PANEL_CALLS[name]
    with np.errstate(all="ignore"):
        oracle = call(h, lo, c, v, "pandas", "pandas")
        for got, expected in zip(call(h, lo, c, v, "pandas", backend), oracle):
            _assert_close(got, expected)


# ---------------------------------------------------------------- periods longer than the data

HUGE = 2**40  # a window of 8 TB of float64: a kernel that reserved its period would abort

HUGE_PERIOD_CALLS = {
    "sma": lambda x, h, l, v, c: sma(x, HUGE, convention=c),
    "wma": lambda x, h, l, v, c: wma(x, HUGE, convention=c),
    "ema": lambda x, h, l, v, c: ema(x, HUGE, convention=c),
    "rsi": lambda x, h, l, v, c: rsi(x, HUGE, convention=c),
    "roc": lambda x, h, l, v, c: roc(x, HUGE, convention=c),
    "macd": lambda x, h, l, v, c: macd(x, HUGE, HUGE, HUGE, convention=c)[0],
    "atr": lambda x, h, l, v, c: atr(h, l, x, HUGE, convention=c),
    "natr": lambda x, h, l, v, c: natr(h, l, x, HUGE, convention=c),
    "willr": lambda x, h, l, v, c: willr(h, l, x, HUGE, convention=c),
    "stoch": lambda x, h, l, v, c: stoch(h, l, x, HUGE, HUGE, HUGE, convention=c)[0],
    "dmi": lambda x, h, l, v, c: dmi(h, l, x, HUGE, convention=c)[0],
    "bbands": lambda x, h, l, v, c: bbands(x, HUGE, convention=c)[0],
    "cci": lambda x, h, l, v, c: cci(h, l, x, HUGE, convention=c),
    "mfi": lambda x, h, l, v, c: mfi(h, l, x, v, HUGE, convention=c),
    "rolling_zscore": lambda x, h, l, v, c: rolling_zscore(x, HUGE),
}  # fmt: skip


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("convention", ["pandas", "talib"])
@pytest.mark.parametrize("name", sorted(HUGE_PERIOD_CALLS))
def test_a_period_longer_than_the_data_is_all_nan_and_allocates_nothing_of_its_size(name, convention, backend):
    import barsmith

    rng = np.random.default_rng(3)
    x = 100 + rng.normal(0, 1, 60).cumsum()
    with barsmith.use_backend(backend):
        out = HUGE_PERIOD_CALLS[name](x, x + 1, x - 1, rng.random(60), convention)
    assert np.isnan(np.asarray(out, dtype=float)).all()


@pytest.mark.parametrize(
    "make", [lambda: stream.Sma(HUGE), lambda: stream.Cci(HUGE, convention="talib"),
             lambda: stream.Mfi(HUGE, convention="talib"), lambda: stream.Willr(HUGE),
             lambda: stream.RollingZscore(HUGE), lambda: stream.Macd(HUGE, HUGE, HUGE, convention="talib")],
)  # fmt: skip
def test_a_stream_with_a_huge_period_grows_with_the_rows_it_sees(make):
    s = make()
    rng = np.random.default_rng(4)
    x = 100 + rng.normal(0, 1, 200).cumsum()
    out = s.update_many(*([x] * len(s.inputs)))
    first = out[0] if isinstance(out, tuple) else out
    assert np.isnan(first).all()
