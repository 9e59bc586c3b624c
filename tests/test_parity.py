"""Every kernel in every backend agrees with the pandas oracle.

The tests enumerate the registry: a kernel missing from a backend, or a
registered kernel without an input strategy here, fails.
"""

import numpy as np
import pytest
from conftest import FAST_BACKENDS, assert_same_arrays
from hypothesis import given
from hypothesis import strategies as st
from strategies import SECOND, book_events, trade_arrays

from barsmith import KERNELS
from barsmith._registry import kernel


def _bars_args(extra):
    return st.tuples(trade_arrays(), extra).map(lambda a: (*a[0], *a[1]))


def _time_args():
    interval = st.sampled_from([1, 1000, SECOND, 5 * SECOND, 7 * SECOND, 60 * SECOND, 86_400 * SECOND])

    def with_origin(args):
        ts = args[0]
        origin = (int(ts[0]) // (86_400 * SECOND)) * 86_400 * SECOND if len(ts) else 0
        return (*args, origin)

    return _bars_args(st.tuples(interval)).map(with_origin)


def _signs_args():
    return st.integers(0, 50).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from([99.75, 100.0, 100.25, 100.5]), min_size=n, max_size=n).map(np.array),
            st.one_of(
                st.just(np.empty(0)),
                st.lists(st.sampled_from([np.nan, 99.875, 100.0, 100.125, 100.25]), min_size=n, max_size=n).map(
                    lambda m: np.array(m, dtype=np.float64)
                ),
            ),
        )
    )


def _cvd_args():
    def build(args):
        ts, _, size, side = args
        side = side if len(side) else np.zeros(len(size), np.int8)
        return st.sampled_from([np.empty(0, np.int64), ts // (3_600 * SECOND), ts // (86_400 * SECOND)]).map(
            lambda period: (size, side, np.ascontiguousarray(period, dtype=np.int64))
        )

    return trade_arrays().flatmap(build)


def _rolling_quantile_args():
    """Sizes (NaN now and then, ties) over windows of earlier trades: a count or a duration."""

    def build(args):
        ts, _, size, _ = args
        nan_at = st.lists(st.integers(0, max(len(size) - 1, 0)), max_size=3 if len(size) else 0)
        count = st.integers(1, 8).map(lambda w: (np.maximum(np.arange(len(ts)) - w, 0), np.arange(len(ts))))
        duration = st.sampled_from([1, SECOND, 60 * SECOND]).map(
            lambda w: (np.searchsorted(ts, ts - w, side="left"), np.searchsorted(ts, ts, side="left"))
        )
        return st.tuples(nan_at, st.one_of(count, duration), st.sampled_from([0.0, 0.25, 0.5, 0.99, 1.0]),
                         st.integers(1, 4)).map(
            lambda a: (np.where(np.isin(np.arange(len(size)), a[0]), np.nan, size),
                       *(np.ascontiguousarray(b, dtype=np.int64) for b in a[1]), a[2], a[3])
        )  # fmt: skip

    return trade_arrays().flatmap(build)


@st.composite
def _panel(draw, n_inputs=1):
    """(series, points) floats: empty, one point, NaN runs, +-inf, huge and subnormal values, flat, steps."""
    n_series = draw(st.integers(1, 3))
    n_points = draw(st.integers(0, 60))
    values = st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.sampled_from([0.0, 1.0, 100.25]),
                       st.sampled_from([np.inf, -np.inf]), st.sampled_from([1e300, -1e300, 1e-300, 5e-324]))
    base = np.array(draw(st.lists(values, min_size=n_series * n_points, max_size=n_series * n_points)), dtype=np.float64)
    base = base.reshape(n_series, n_points)
    if n_inputs == 1:
        return (base,)
    spread = np.abs(np.array(draw(st.lists(st.floats(0, 10), min_size=base.size, max_size=base.size)))).reshape(base.shape)
    return (base + spread, base - spread, base)  # high, low, close


def _indicator_args(n_inputs=1, convention=True):
    periods = st.integers(1, 20)
    conventions = st.sampled_from([0, 1]) if convention else st.nothing()
    extra = st.tuples(periods, conventions) if convention else st.tuples(periods)
    return st.tuples(_panel(n_inputs), extra).map(lambda a: (*a[0], *a[1]))


@st.composite
def _episode_spans(draw, n):
    """Starts and ends of episodes over n bars, overlapping now and then (two levels)."""
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    spans = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 12)), max_size=6))
    spans = sorted((s, min(s + length, n - 1)) for s, length in spans)
    return tuple(np.array([x[i] for x in spans], dtype=np.int64).reshape(-1) for i in (0, 1))


def _episode_args(extra=st.just(())):
    return _panel().flatmap(lambda p: st.tuples(st.just(p[0]), _episode_spans(p[0].shape[1]), extra)).map(
        lambda a: (a[0], *a[1], *a[2])
    )


@st.composite
def _level_args(draw):
    """Prices on a quarter-point grid (ties with the levels), NaN now and then, 0-3 levels."""
    n = draw(st.integers(0, 80))
    steps = draw(st.lists(st.sampled_from([-0.5, -0.25, 0.0, 0.25, 0.5, 1.5, -1.5, np.nan]), min_size=n, max_size=n))
    price = 100 + np.nancumsum(np.array(steps, dtype=np.float64)) if n else np.empty(0)
    price[np.isnan(np.array(steps, dtype=np.float64))] = np.nan
    n_levels = draw(st.integers(0, 3))
    rows = [np.full(n, draw(st.sampled_from([99.0, 100.0, 100.25, 101.0]))) for _ in range(n_levels)]
    if n_levels and draw(st.booleans()):  # a moving level (VWAP), NaN at first
        rows[0] = np.where(np.arange(n) < 2, np.nan, np.round(np.nan_to_num(price, nan=100.0) * 4) / 4 - 0.25)
    levels = np.array(rows, dtype=np.float64).reshape(n_levels, n)
    trigger = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
    exit = trigger + draw(st.sampled_from([0.0, 0.25, 1.0]))
    return price, levels, trigger, exit, draw(st.integers(1, 10))


def _shifted(panel):
    return np.ascontiguousarray(np.roll(panel, 1, axis=1))


def _ohlc_args(extra):
    """1-D open, high, low, close from a one-series panel (NaN, flat stretches, steps)."""
    return st.tuples(_panel(3), extra).map(
        lambda a: (np.ascontiguousarray(a[0][2][0]), np.ascontiguousarray(a[0][0][0]),
                   np.ascontiguousarray(a[0][1][0]), np.ascontiguousarray(_shifted(a[0][2])[0]), *a[1])  # fmt: skip
    )


def _period_bins(n, width, shuffled):
    """Bar times 7 apart (in a fixed shuffled order when ``shuffled``), periods of ``width``
    labelled at their start, and each bar's period: (times, bin, labels)."""
    times = np.arange(n, dtype=np.int64) * 7
    if shuffled:
        times = np.random.default_rng(n).permutation(times)
    labels = np.arange((n * 7) // width + 1, dtype=np.int64) * width
    return times, times // width, labels


ARGUMENTS = {
    "scan_trades": st.one_of(trade_arrays(), trade_arrays(valid=False)),
    "time_bars": _time_args(),
    "tick_bars": _bars_args(st.tuples(st.integers(1, 12))),
    "volume_bars": _bars_args(st.tuples(st.sampled_from([1e-9, 1.0, 7.5, 100.0, 1e5, 1e300]))),
    "dollar_bars": _bars_args(st.tuples(st.sampled_from([1e-9, 10.0, 1e4, 1e9, 1e300]))),
    "trade_signs": _signs_args(),
    "cvd": _cvd_args(),
    # levels far apart now and then: the kernels' sorting path beside their histogram
    "volume_profile": st.tuples(st.lists(st.tuples(st.integers(0, 3), st.one_of(st.integers(-3, 6),
                                                                                st.sampled_from([-7_000, 5_000])),
                                                   st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0, 1e300, 1.7e308, 5e-324])), max_size=40),
                                st.sampled_from([0.5, 0.7, 1.0]), st.integers(0, 3)).map(
        lambda a: (np.array(sorted(r[0] for r in a[0]), dtype=np.int64), np.array([r[1] for r in a[0]], dtype=np.int64),
                   np.array([r[2] for r in a[0]], dtype=np.float64), a[1], a[2])
    ),  # fmt: skip
    "trade_flow": st.tuples(trade_arrays(), st.sampled_from([1e6, 1e9, 3e10, 1e15])).map(
        lambda a: (np.exp2(-np.diff(a[0][0], prepend=a[0][0][:1]).astype(np.float64) / a[1]), a[0][2],
                   a[0][3] if len(a[0][3]) else np.zeros(len(a[0][2]), np.int8))
    ),
    "rolling_quantile": _rolling_quantile_args(),
    "trade_events": trade_arrays().map(lambda a: (*a[:3], a[3] if len(a[3]) else np.zeros(len(a[0]), np.int8))),
    "mbp10_bars": book_events(),
    "sma": _indicator_args(),
    "wma": _indicator_args(),
    "ema": _indicator_args(),
    "rsi": _indicator_args(),
    "true_range": st.tuples(_panel(3), st.sampled_from([0, 1])).map(lambda a: (*a[0], a[1])),
    "atr": _indicator_args(3),
    "roc": _indicator_args(),
    "natr": _indicator_args(3),
    "willr": _indicator_args(3),
    "macd": st.tuples(_panel(), st.integers(1, 6), st.integers(1, 8), st.integers(1, 5), st.sampled_from([0, 1])).map(
        lambda a: (*a[0], *a[1:])
    ),
    "stoch": st.tuples(_panel(3), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.sampled_from([0, 1])).map(
        lambda a: (*a[0], *a[1:])
    ),
    # volumes: the highs shifted one row, so their NaN fall on other rows than the close's
    "obv": st.tuples(_panel(3), st.sampled_from([0, 1])).map(lambda a: (a[0][2], _shifted(a[0][0]), a[1])),
    "swing_highs_lows": _ohlc_args(st.tuples(st.integers(1, 8))).map(lambda a: (a[1], a[2], a[4])),
    "swing_highs_lows_causal": _ohlc_args(st.tuples(st.integers(1, 8))).map(lambda a: (a[1], a[2], a[4])),
    "fvg": _ohlc_args(st.tuples(st.booleans())),
    "fvg_causal": _ohlc_args(st.tuples(st.booleans())),
    # swings from the oracle on the same bars, then the structure on them
    "sessions": _ohlc_args(st.tuples(st.sampled_from([(420, 960), (1260, 360), (0, 0), (600, 600)]))).map(
        lambda a: (np.arange(len(a[1]), dtype=np.int64) * 97 % 1440, a[1], a[2], *a[4])
    ),
    "retracements": _ohlc_args(st.tuples(st.integers(1, 4))).map(
        lambda a: (a[1], a[2], *kernel("swing_highs_lows", "pandas")(a[1], a[2], a[4]))
    ),
    "retracements_causal": _ohlc_args(st.tuples(st.integers(1, 4))).map(
        lambda a: (a[1], a[2], *kernel("swing_highs_lows_causal", "pandas")(a[1], a[2], a[4])[:2])
    ),
    "bos_choch": _ohlc_args(st.tuples(st.integers(1, 4), st.booleans())).map(
        lambda a: (a[1], a[2], a[3], *kernel("swing_highs_lows", "pandas")(a[1], a[2], a[4]), a[5])
    ),
    "bos_choch_causal": _ohlc_args(st.tuples(st.integers(1, 4), st.booleans())).map(
        lambda a: (a[1], a[2], a[3], *kernel("swing_highs_lows_causal", "pandas")(a[1], a[2], a[4]), a[5])
    ),
    "order_blocks": _ohlc_args(st.tuples(st.integers(1, 4), st.booleans())).map(
        lambda a: (*a[:4], np.abs(a[0]), kernel("swing_highs_lows", "pandas")(a[1], a[2], a[4])[0], a[5])
    ),
    "order_blocks_causal": _ohlc_args(st.tuples(st.integers(1, 4), st.booleans())).map(
        lambda a: (*a[:4], np.abs(a[0]), *kernel("swing_highs_lows_causal", "pandas")(a[1], a[2], a[4]), a[5])
    ),
    "liquidity": _ohlc_args(st.tuples(st.integers(1, 4), st.sampled_from([0.0, 0.01, 0.1, 0.5]))).map(
        lambda a: (a[1], a[2], *kernel("swing_highs_lows", "pandas")(a[1], a[2], a[4]), a[5])
    ),
    "liquidity_causal": _ohlc_args(st.tuples(st.integers(1, 4), st.sampled_from([0.0, 0.01, 0.1, 0.5]))).map(
        lambda a: (a[1], a[2], *kernel("swing_highs_lows_causal", "pandas")(a[1], a[2], a[4]), a[5])
    ),
    # volumes: the opens' magnitudes (NaN included); tolerances from one tick to the whole range
    "support_resistance": _ohlc_args(
        st.tuples(st.integers(1, 3), st.sampled_from([(4,), (5, 9), (30, 6, 12)]), st.sampled_from([0.01, 0.5, 5.0]),
                  st.integers(1, 3))  # fmt: skip
    ).map(lambda a: (a[1], a[2], a[3], np.abs(a[0]), a[4], np.array(a[5], dtype=np.int64), a[6], a[7])),
    "previous_high_low": _ohlc_args(st.tuples(st.sampled_from([5, 20, 50]), st.booleans())).map(
        lambda a: (*_period_bins(len(a[1]), a[4], shuffled=a[5]), *a[:4])
    ),
    "previous_high_low_causal": _ohlc_args(st.tuples(st.sampled_from([5, 20, 50]))).map(
        lambda a: (_period_bins(len(a[1]), a[4], shuffled=False)[1], *a[:4])
    ),
    "market_structure": _ohlc_args(st.tuples(st.integers(1, 4))).map(
        lambda a: tuple(kernel("swing_highs_lows_causal", "pandas")(a[1], a[2], a[4])[:2])
    ),
    "ranges": _ohlc_args(st.tuples(st.integers(1, 6), st.sampled_from([0.5, 2.0, 4.0]))).map(
        lambda a: (a[1], a[2], kernel("atr", "pandas")(a[1][None], a[2][None], a[3][None], 3, 0)[0], a[4], a[5])
    ),
    "dmi": _indicator_args(3),
    "cci": _indicator_args(3),
    "bbands": st.tuples(_panel(), st.integers(1, 20), st.sampled_from([1.0, 2.0]), st.sampled_from([1.5, 2.0]),
                        st.sampled_from([0, 1])).flatmap(  # fmt: skip
        lambda a: st.sampled_from([0, 1]).map(lambda conv: (*a[0], *a[1:4], 0 if conv else a[4], conv))
    ),
    "rolling_zscore": st.tuples(_panel(), st.integers(1, 20), st.sampled_from([0, 1])).map(lambda a: (*a[0], *a[1:])),
    "mfi": st.tuples(_panel(3), st.integers(1, 20), st.sampled_from([0, 1])).map(
        lambda a: (*a[0], np.abs(_shifted(a[0][2])), *a[1:])  # volume: magnitudes, NaN and zeros included
    ),
    "vwap": st.tuples(_panel(3), st.integers(0, 6), st.integers(1, 4)).map(
        lambda a: (a[0][0], np.abs(_shifted(a[0][2])), np.sort(np.arange(a[0][0].shape[1]) % (a[2] + 1)).astype(np.int64)
                   if a[1] == 0 else np.empty(0, np.int64), a[1])  # fmt: skip
    ),
    "level_episodes": _level_args(),
    "episode_diffs": _episode_args(st.tuples(st.integers(1, 4))),
    "episode_cumsum": _episode_args(),
    "episode_stats": _episode_args(),
}


def test_every_registered_kernel_has_a_parity_strategy():
    assert set(ARGUMENTS) == set(KERNELS)


@pytest.mark.parametrize("backend", ("rust", "numba", "pandas"))
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_every_kernel_exists_in_every_backend(name, backend):
    fn = kernel(name, backend)
    fn(*KERNELS[name].example())


def _as_tuple(out):
    return tuple(out) if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("backend", FAST_BACKENDS)
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_matches_pandas_oracle(name, backend):
    @given(ARGUMENTS[name])
    def check(args):
        expected = _as_tuple(kernel(name, "pandas")(*args))
        got = _as_tuple(kernel(name, backend)(*args))
        assert_same_arrays(got, expected, f"{name}[{backend}]")

    check()


@pytest.mark.parametrize("backend", FAST_BACKENDS)
@pytest.mark.parametrize("name", ["time_bars", "tick_bars", "volume_bars", "dollar_bars"])
def test_bar_kernels_report_the_same_bad_rows_as_the_scan(name, backend):
    extra = {"time_bars": (SECOND, 0), "tick_bars": (3,), "volume_bars": (10.0,), "dollar_bars": (1e3,)}[name]

    @given(trade_arrays(valid=False))
    def check(args):
        expected = kernel("scan_trades", "pandas")(*args)
        got = kernel(name, backend)(*args, *extra)[0]
        np.testing.assert_array_equal(got, expected)

    check()


@pytest.mark.parametrize("backend", ("rust", "numba", "pandas"))
def test_bars_do_not_depend_on_block_boundaries(backend):
    # Large enough to cross the fused scan blocks and the parallel split.
    rng = np.random.default_rng(5)
    n = (1 << 20) + 40_000
    ts = np.cumsum(rng.integers(0, 3_000_000, n)).astype(np.int64)
    price = 100 + 0.25 * rng.integers(-40, 40, n)
    size = rng.integers(1, 9, n).astype(np.float64)
    side = rng.integers(-1, 2, n).astype(np.int8)
    expected = kernel("time_bars", "pandas")(ts, price, size, side, SECOND, 0)
    assert_same_arrays(kernel("time_bars", backend)(ts, price, size, side, SECOND, 0), expected, backend)


@pytest.mark.parametrize("backend", FAST_BACKENDS)
def test_book_kernels_report_the_same_bad_rows_as_the_oracle(backend):
    @given(book_events(valid=False))
    def check(args):
        expected = kernel("mbp10_bars", "pandas")(*args)[0]
        np.testing.assert_array_equal(kernel("mbp10_bars", backend)(*args)[0], expected)

    check()


@pytest.mark.parametrize("backend", FAST_BACKENDS)
def test_book_bars_do_not_depend_on_scan_blocks(backend):
    # A generated day crosses many ladder-scan blocks and every action.
    import barsmith
    from barsmith.book import events_input

    e = events_input(barsmith.synth.mbp10(30_000, seed=4))
    args = (*e.args(), np.array([0.0, 1.0, 2.0, 3.0, 5.0, 10.0]), SECOND, (int(e.ts[0]) // 86_400_000_000_000) * 86_400_000_000_000, 0)
    assert_same_arrays(kernel("mbp10_bars", backend)(*args), kernel("mbp10_bars", "pandas")(*args), backend)
