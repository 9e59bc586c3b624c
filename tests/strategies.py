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
    regime = draw(st.sampled_from(["tick", "large", "small", "any", "extreme"]))
    if regime == "tick":
        price = 0.25 * np.array(draw(st.lists(st.integers(1, 40_000), min_size=n, max_size=n)), dtype=np.float64)
    elif regime == "extreme":  # products and sums overflow to inf, or underflow
        extremes = st.sampled_from([5e-324, 1e-300, 1.0, 1e300, np.finfo(np.float64).max])
        price = np.array(draw(st.lists(extremes, min_size=n, max_size=n)), dtype=np.float64)
    else:
        lo, hi = {"large": (1e9, 1e12), "small": (1e-8, 1e-4), "any": (1e-6, 1e7)}[regime]
        price = np.array(draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)), dtype=np.float64)
    sizes = st.one_of(st.integers(0, 500).map(float), st.floats(0, 1e6))
    if regime == "extreme":
        sizes = st.one_of(sizes, st.sampled_from([5e-324, 1e300, np.finfo(np.float64).max]))
    size = np.array(
        draw(st.lists(sizes, min_size=n, max_size=n)),
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


LEVELS = 10


@st.composite
def book_events(draw, max_size=40, valid=True):
    """MBP-10 kernel arguments: ladders that shift (also by exactly one level), empty levels, one-sided and
    crossed books, ties, gaps, sequence jumps, non-F_LAST records, warm-up rows."""
    n = draw(st.integers(0, max_size))
    tick = draw(st.sampled_from([0.25, 0.25, 1e-9, 12_500.0]))  # ES, DBN's smallest price step, a huge one
    level_size = st.integers(1, 30) | st.just(2**32 - 1) if draw(st.booleans()) else st.integers(1, 30)
    ts = EPOCH_2024 + np.cumsum(np.array(draw(st.lists(st.sampled_from([0, 1, SECOND // 2, 3 * SECOND, 40 * SECOND]),
                                                       min_size=n, max_size=n)), dtype=np.int64))  # fmt: skip
    bid_px = np.full((n, LEVELS), np.nan)
    ask_px = np.full((n, LEVELS), np.nan)
    bid_sz = np.zeros((n, LEVELS), dtype=np.uint32)
    ask_sz = np.zeros((n, LEVELS), dtype=np.uint32)
    base = 400
    for r in range(n):
        if r > 0 and draw(st.booleans()):  # the usual event: one size changes at fixed prices
            bid_px[r], ask_px[r], bid_sz[r], ask_sz[r] = bid_px[r - 1], ask_px[r - 1], bid_sz[r - 1], ask_sz[r - 1]
            k = draw(st.integers(0, LEVELS - 1))
            sizes = bid_sz if draw(st.booleans()) else ask_sz
            if sizes[r, k] > 0:
                sizes[r, k] = draw(level_size)
            continue
        if r > 0 and draw(st.booleans()):  # one side's ladder moves by one level, the rest stays
            bid_px[r], ask_px[r], bid_sz[r], ask_sz[r] = bid_px[r - 1], ask_px[r - 1], bid_sz[r - 1], ask_sz[r - 1]
            px, sz, away = (bid_px, bid_sz, -tick) if draw(st.booleans()) else (ask_px, ask_sz, tick)
            if draw(st.booleans()):  # a level empties: the ones behind it move toward the touch
                k = draw(st.integers(0, LEVELS - 1))
                px[r, k:-1], sz[r, k:-1] = px[r - 1, k + 1:], sz[r - 1, k + 1:]
                full = sz[r - 1, -1] > 0
                px[r, -1] = px[r - 1, -1] + away * draw(st.integers(1, 2)) if full else np.nan
                sz[r, -1] = draw(level_size) if full else 0
            elif sz[r - 1, 0] > 0:  # a new best level: the others move away, the tenth scrolls out
                px[r, 1:], sz[r, 1:] = px[r - 1, :-1], sz[r - 1, :-1]
                px[r, 0], sz[r, 0] = px[r - 1, 0] - away, draw(level_size)
            continue
        base += draw(st.integers(-2, 2))
        spread = draw(st.sampled_from([-1, 0, 1, 1, 2]))  # crossed, locked, normal
        gaps_b = np.cumsum(draw(st.lists(st.sampled_from([1, 1, 2]), min_size=LEVELS, max_size=LEVELS)))
        gaps_a = np.cumsum(draw(st.lists(st.sampled_from([1, 1, 2]), min_size=LEVELS, max_size=LEVELS)))
        bid_px[r] = (base - gaps_b + 1) * tick
        ask_px[r] = (base + spread + gaps_a - 1) * tick
        n_bid = draw(st.sampled_from([0, 3, 10, 10]))
        n_ask = draw(st.sampled_from([0, 5, 10, 10]))
        bid_sz[r, :n_bid] = draw(st.lists(level_size, min_size=n_bid, max_size=n_bid)) if n_bid else []
        ask_sz[r, :n_ask] = draw(st.lists(level_size, min_size=n_ask, max_size=n_ask)) if n_ask else []
        bid_px[r, n_bid:] = np.nan  # empty levels have no price
        ask_px[r, n_ask:] = np.nan
    action = np.array(draw(st.lists(st.sampled_from(list(b"ACMRTFN")), min_size=n, max_size=n)), dtype=np.uint8)
    side = np.array(draw(st.lists(st.sampled_from(list(b"ABN")), min_size=n, max_size=n)), dtype=np.uint8)
    price = (400 + np.array(draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n)))) * tick
    size = np.array(draw(st.lists(st.integers(0, 50) | level_size, min_size=n, max_size=n)), dtype=np.uint32)
    flags = np.array(draw(st.lists(st.sampled_from([128, 128, 0, 130, 132, 32]), min_size=n, max_size=n)), np.uint8)
    sequence = np.cumsum(draw(st.lists(st.sampled_from([0, 1, 1, 3]), min_size=n, max_size=n))).astype(np.uint32)
    if not valid and n:
        row = draw(st.integers(0, n - 1))
        what = draw(st.sampled_from(["ts", "action", "side", "level_price", "trade_price", "order"]))
        if what == "ts" and n > 1:
            ts[max(row, 1)] = ts[max(row, 1) - 1] - 1
        elif what == "action":
            action[row] = ord("X")
        elif what == "side":
            side[row] = ord("Z")
        elif what == "level_price":
            bid_sz[row, 0], bid_px[row, 0] = 5, np.nan
        elif what == "trade_price":
            action[row], price[row] = ord("T"), np.nan
        else:
            ask_sz[row, :2], ask_px[row, :2] = 5, [101.0, 100.0]
    interval = draw(st.sampled_from([SECOND, 5 * SECOND, 60 * SECOND]))
    edges = draw(st.sampled_from([np.array([0.0, 1.0, 2.0, 3.0, 5.0, 10.0]), np.array([0.0, 0.5]),
                                  np.array([0.25, 0.75, 1.5])]))  # fmt: skip
    warmup = draw(st.integers(0, min(2, n)))
    origin = (int(ts[0]) // (86_400 * SECOND)) * 86_400 * SECOND if n else 0

    def columns(m, dtype):
        return tuple(np.ascontiguousarray(m[:, k], dtype=dtype) for k in range(LEVELS))

    return (ts, action, side, price, size, flags, sequence, columns(bid_px, np.float64), columns(ask_px, np.float64),
            columns(bid_sz, np.uint32), columns(ask_sz, np.uint32), edges, interval, origin, warmup)  # fmt: skip
