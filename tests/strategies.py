"""Hypothesis strategies for trades, covering the edge cases the parity rules name."""

import numpy as np
from hypothesis import strategies as st

SECOND = 1_000_000_000
EPOCH_2024 = 1_704_067_200 * SECOND


@st.composite
def trade_arrays(draw, max_size=60, valid=True, with_side=None):
    """(ts, price, size, side) arrays: empty, one row, ties, long gaps, huge and tiny prices."""
    n = draw(st.integers(0, max_size))
    start = draw(st.sampled_from([EPOCH_2024, -3 * SECOND, 0, EPOCH_2024 + 86_399 * SECOND]))
    gap_kind = draw(st.sampled_from(["ties", "dense", "sparse", "mixed"]))
    gaps = {
        "ties": st.just(0),
        "dense": st.integers(0, SECOND),
        "sparse": st.integers(0, 400 * SECOND),  # gaps of many intervals
        "mixed": st.sampled_from([0, 1, 999, SECOND // 3, 5 * SECOND, 3_600 * SECOND]),
    }[gap_kind]
    ts = start + np.cumsum(np.array(draw(st.lists(gaps, min_size=n, max_size=n)), dtype=np.int64))
    regime = draw(st.sampled_from(["tick", "large", "small", "any"]))
    if regime == "tick":
        price = 0.25 * np.array(draw(st.lists(st.integers(1, 40_000), min_size=n, max_size=n)), dtype=np.float64)
    else:
        lo, hi = {"large": (1e9, 1e12), "small": (1e-8, 1e-4), "any": (1e-6, 1e7)}[regime]
        price = np.array(draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)), dtype=np.float64)
    size = np.array(
        draw(st.lists(st.one_of(st.integers(0, 500).map(float), st.floats(0, 1e6)), min_size=n, max_size=n)),
        dtype=np.float64,
    )
    has_side = draw(st.booleans()) if with_side is None else with_side
    side = (
        np.array(draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n)), dtype=np.int8)
        if has_side
        else np.empty(0, np.int8)
    )
    if not valid and n:
        row = draw(st.integers(0, n - 1))
        what = draw(st.sampled_from(["ts", "price", "size", "side"]))
        if what == "ts" and n > 1:
            ts[max(row, 1)] = ts[max(row, 1) - 1] - 1
        elif what == "price":
            price[row] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -1.0]))
        elif what == "size":
            size[row] = draw(st.sampled_from([np.nan, np.inf, -1.0, -1e-300]))
        elif len(side):
            side[row] = draw(st.sampled_from([2, -2, 127]))
    return ts, price, size, side
