"""Streaming builders: for any split into chunks, concatenated output equals the batch output exactly."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import barsmith
from barsmith import InputError
from barsmith.bars import (
    DollarBarBuilder,
    TickBarBuilder,
    TimeBarBuilder,
    VolumeBarBuilder,
    dollar_bars,
    tick_bars,
    time_bars,
    volume_bars,
)

TRADES = barsmith.synth.trades(6_000, seed=3, duration="20min")

CASES = {
    "time": (lambda **kw: TimeBarBuilder("5s", **kw), lambda df, **kw: time_bars(df, "5s", **kw)),
    "time_ffill": (
        lambda **kw: TimeBarBuilder("1s", empty="ffill", **kw),
        lambda df, **kw: time_bars(df, "1s", empty="ffill", **kw),
    ),
    "time_nan": (
        lambda **kw: TimeBarBuilder("2s", empty="nan", **kw),
        lambda df, **kw: time_bars(df, "2s", empty="nan", **kw),
    ),
    "tick": (lambda **kw: TickBarBuilder(97, **kw), lambda df, **kw: tick_bars(df, 97, **kw)),
    "volume": (lambda **kw: VolumeBarBuilder(500.0, **kw), lambda df, **kw: volume_bars(df, 500.0, **kw)),
    "dollar": (lambda **kw: DollarBarBuilder(2e6, **kw), lambda df, **kw: dollar_bars(df, 2e6, **kw)),
}


def _stream(builder, frame, cuts):
    bounds = [0, *sorted(cuts), len(frame)]
    parts = [builder.update(frame.iloc[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    parts.append(builder.flush())
    return pd.concat(parts)


@pytest.mark.parametrize("backend", ["rust", "numba", "pandas"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_any_chunking_equals_the_batch_output_exactly(case, backend):
    make_builder, batch = CASES[case]
    expected = batch(TRADES, backend=backend)

    @given(st.lists(st.integers(0, len(TRADES)), max_size=12))
    def check(cuts):
        got = _stream(make_builder(backend=backend), TRADES, cuts)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)

    check()


def test_one_trade_per_chunk_equals_batch():
    small = TRADES.iloc[:300]
    got = _stream(TimeBarBuilder("1s", empty="ffill"), small, range(1, 300))
    pd.testing.assert_frame_equal(got, time_bars(small, "1s", empty="ffill"), check_exact=True)


def test_update_returns_only_completed_bars():
    builder = TickBarBuilder(10)
    assert len(builder.update(TRADES.iloc[:25])) == 2
    assert len(builder.update(TRADES.iloc[25:30])) == 0
    assert builder.flush()["n_trades"].tolist() == [10]


def test_a_bad_chunk_raises_with_its_own_row_and_leaves_the_builder_usable():
    builder = TimeBarBuilder("5s")
    first = builder.update(TRADES.iloc[:1000])
    bad = TRADES.iloc[1000:2000].copy()
    bad.iloc[7, bad.columns.get_loc("price")] = np.nan
    with pytest.raises(InputError) as err:
        builder.update(bad)
    assert err.value.column == "price" and err.value.row == 7
    rest = [builder.update(TRADES.iloc[1000:]), builder.flush()]
    pd.testing.assert_frame_equal(pd.concat([first, *rest]), time_bars(TRADES, "5s"), check_exact=True)


def test_chunks_out_of_time_order_raise():
    builder = TimeBarBuilder("5s")
    builder.update(TRADES.iloc[100:200])
    with pytest.raises(InputError, match="time order"):
        builder.update(TRADES.iloc[:100])
