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


# Every kernel entry point, its arguments drawn by name: arrays of the kernel dtypes with
# lengths that may disagree and values at float64's edges, scalars small and large.
FLOAT_ARRAYS = {"price", "size", "high", "low", "close", "open", "volume", "x", "mid", "atr",
                "swing_kind", "swing_level", "swing_index", "decay"}  # fmt: skip
INT_ARRAYS = {"ts", "times", "period", "bin", "start", "end", "labels", "minute", "level"}
SCALARS_HERE = {("structure", "sessions"): {"start", "end"}}  # minutes of the day, not windows' rows
PANELS = {"indicators"}  # float inputs are (series, points) panels
SIGN_ARRAYS = {"side", "sign"}
FLOATS = {"threshold", "quantile", "value_area", "range_percent", "tolerance", "nbdev_up", "nbdev_dn"}
BOOLS = {"close_break", "join_consecutive", "close_mitigation"}
SKIP = {("book", "mbp10_bars"), ("book", "write_mbp10")}  # tuples of level arrays: covered through the front
ENTRY_POINTS = [
    (module, name) for module in ("bars", "orderflow", "indicators", "structure")
    for name in dir(getattr(barsmith._core, module))
    if callable(getattr(getattr(barsmith._core, module), name)) and not name[0].isupper() and not name.startswith("_")
    and (module, name) not in SKIP
]  # fmt: skip
EDGE_FLOATS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 5e-324, 1e300, np.inf, -np.inf, np.nan, 100.25, 3.0])


def _parameters(module, name):
    return getattr(getattr(barsmith._core, module), name).__text_signature__.strip("()").split(", ")


def _argument(draw, module, name, param, n, series=1):
    if param in SCALARS_HERE.get((module, name), ()):
        return draw(st.integers(0, 1_500))
    if param in FLOAT_ARRAYS:
        values = np.array(draw(st.lists(EDGE_FLOATS, min_size=n * series, max_size=n * series)), dtype=np.float64)
        return values.reshape(series, n) if module in PANELS else values
    if param in INT_ARRAYS:
        return np.array(draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)), dtype=np.int64)
    if param in SIGN_ARRAYS:
        return np.array(draw(st.lists(st.integers(-128, 127), min_size=n, max_size=n)), dtype=np.int8)
    if param == "lookbacks":
        return np.array(draw(st.lists(st.integers(0, 50), max_size=4)), dtype=np.int64)
    if param in FLOATS:
        return draw(EDGE_FLOATS)
    if param in BOOLS:
        return draw(st.booleans())
    if param in ("convention", "ddof"):
        return draw(st.integers(0, 1))
    return draw(st.integers(0, 1_000))  # periods, lengths, counts, intervals: no allocation of terabytes


@pytest.mark.parametrize(("module", "name"), ENTRY_POINTS, ids=[f"{m}.{n}" for m, n in ENTRY_POINTS])
@given(data=st.data())
def test_every_kernel_entry_point_refuses_adversarial_arrays_without_a_panic(module, name, data):
    params = _parameters(module, name)
    same = data.draw(st.booleans())
    n = data.draw(st.integers(0, 12))
    series = data.draw(st.integers(0, 3))
    args = [_argument(data.draw, module, name, p, n if same else data.draw(st.integers(0, 12)), series)
            for p in params]  # fmt: skip
    try:
        getattr(getattr(barsmith._core, module), name)(*args)
    except (InputError, ValueError, OverflowError):
        pass


@pytest.mark.parametrize(("module", "name"), ENTRY_POINTS, ids=[f"{m}.{n}" for m, n in ENTRY_POINTS])
def test_the_entry_point_table_above_matches_each_signature(module, name):
    # a well-formed call of every entry point goes through, so the draws above reach the kernels
    n = 8
    args = []
    for p in _parameters(module, name):
        if p in SCALARS_HERE.get((module, name), ()):
            args.append(60)
        elif p in FLOAT_ARRAYS:
            values = np.linspace(100.0, 101.0, n)
            args.append(values.reshape(1, n) if module in PANELS else values)
        elif p in INT_ARRAYS:
            args.append(np.arange(n, dtype=np.int64))
        elif p in SIGN_ARRAYS:
            args.append(np.ones(n, np.int8))
        elif p == "lookbacks":
            args.append(np.array([3], np.int64))
        elif p in FLOATS:
            args.append(0.5)
        elif p in BOOLS:
            args.append(True)
        elif p in ("convention", "ddof"):
            args.append(0)
        else:
            args.append(2)
    getattr(getattr(barsmith._core, module), name)(*args)
