"""The Rust extension never lets a panic reach Python.

Kernels trust the fronts' checks (one length for every column, kernel dtypes). Called
directly with arrays that break those assumptions, an entry point raises InputError
(a ValueError), never pyo3's PanicException, which derives from BaseException and so
would escape a user's ``except Exception``; and the process stays sound for the next call.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import barsmith
from barsmith import InputError
from barsmith._core import bars, inputs, orderflow

TABLE = np.arange(256, dtype=np.uint8)


def _columns(lengths):
    n_ts, n_price, n_size, n_side = lengths
    return (np.arange(n_ts, dtype=np.int64), np.full(n_price, 100.0), np.ones(n_size), np.zeros(n_side, np.int8))


@given(st.tuples(*[st.integers(0, 40)] * 4))
def test_bar_kernels_given_columns_of_different_lengths_raise_input_error(lengths):
    cols = _columns(lengths)
    calls = [lambda: bars.time_bars(*cols, 5, 0), lambda: bars.tick_bars(*cols, 3),
             lambda: bars.volume_bars(*cols, 2.0), lambda: bars.scan_trades(*cols)]  # fmt: skip
    for call in calls:
        try:
            call()
        except InputError:
            pass
    # and the next, well-formed call works
    assert len(bars.time_bars(*_columns((3, 3, 3, 3)), 5, 0)[1]) >= 1


@given(st.integers(0, 30), st.integers(0, 30))
def test_order_flow_kernels_given_columns_of_different_lengths_raise_input_error(n_size, n_sign):
    try:
        orderflow.cvd(np.ones(n_size), np.ones(n_sign, np.int8), np.empty(0, np.int64))
    except InputError:
        pass


@given(st.lists(st.integers(-5, 50), min_size=1, max_size=12), st.binary(max_size=8))
def test_code_readers_never_read_outside_their_buffers(offsets, data):
    out = inputs.string_codes(np.array(offsets, np.int64).clip(0), np.frombuffer(data, np.uint8), None, 0, TABLE, 7)
    assert len(out) == len(offsets) - 1
    with pytest.raises(ValueError):
        inputs.string_codes(np.array([0, 1, 2], np.int32), np.frombuffer(b"AB", np.uint8),
                            np.zeros(0, np.uint8), 0, TABLE, 7)  # fmt: skip
    with pytest.raises(ValueError):
        inputs.view_codes(np.zeros(15, np.uint8), None, 0, TABLE, 7)


def test_a_panic_is_an_input_error_and_prints_nothing(capfd):
    ts, price, size, side = _columns((5, 3, 5, 5))
    with pytest.raises(InputError, match="refused its input"):
        bars.time_bars(ts, price, size, side, 5, 0)
    assert "panicked" not in capfd.readouterr().err
    assert barsmith.bars.time_bars(barsmith.synth.trades(100), "5s").shape[0] > 0
