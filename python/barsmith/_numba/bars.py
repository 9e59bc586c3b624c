"""Trades to bars, in Numba. Read beside ``rust/core/src/bars.rs`` and ``_pandas/bars.py``.

The bar being built is a tuple (Numba keeps it in registers), updated by
``_add`` and written out by ``_emit``, like Rust's ``BarAccumulator``. Output
arrays are sized by a first counting pass, so nothing beyond the outputs is
allocated.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit

from ._threads import in_threads

jit = njit(cache=True, nogil=True)

# Fields of the bar tuple.
START, OPEN, HIGH, LOW, CLOSE, VOLUME, NOTIONAL, N_TRADES, BUY, SELL, TS_FIRST, TS_LAST = range(12)


@jit
def scan_trades(ts, price, size, side):
    """First bad row per check, or -1: [ts decreases, price, size, side]."""
    out = np.full(4, -1, dtype=np.int64)
    _scan_block(out, 0, len(ts), ts, price, size, side)
    return out


# Each check reduces a block branch-free (so LLVM vectorises it) and searches
# only a failing block, as rust/core/src/bars.rs does. The checks take slices:
# with ``range(len(x))`` Numba knows an index is not negative and drops the
# wraparound test that otherwise stops vectorisation (3-10x slower).
SCAN_BLOCK = 4096
FUSED_BLOCK = 16 * 1024
PARALLEL_MIN_ROWS = 1 << 20  # as rust/core/src/bars.rs


@jit
def _scan_block(bad, lo, hi, ts, price, size, side):
    """Record in ``bad`` the first row in [lo, hi) failing each check not yet failed."""
    if bad[0] < 0:
        # the slice starts one row early when lo > 0, to compare row lo with its predecessor
        from_prev = max(lo - 1, 0)
        bad[0] = _shifted(_first_decrease(ts[from_prev:hi]), from_prev)
    if bad[1] < 0:
        bad[1] = _shifted(_first_bad(price[lo:hi].view(np.uint64), PRICE), lo)
    if bad[2] < 0:
        bad[2] = _shifted(_first_bad(size[lo:hi].view(np.uint64), SIZE), lo)
    if bad[3] < 0 and len(side) > 0:
        bad[3] = _shifted(_first_bad(side[lo:hi], SIDE), lo)


@jit
def _shifted(local, lo):
    return local + lo if local >= 0 else -1


@jit
def _first_decrease(ts):
    """Index of the first element smaller than its predecessor, or -1."""
    for b in range(0, len(ts), SCAN_BLOCK):
        block = ts[b:b + SCAN_BLOCK + 1]  # one row of overlap with the next block
        any_bad = False
        for i in range(1, len(block)):
            any_bad |= block[i] < block[i - 1]
        if any_bad:
            for i in range(1, len(block)):
                if block[i] < block[i - 1]:
                    return b + i
    return -1


PRICE, SIZE, SIDE = range(3)  # what _first_bad checks


@jit
def _first_bad(values, check):
    """Index of the first value failing ``check`` (PRICE and SIZE on float bits, SIDE on codes), or -1."""
    for b in range(0, len(values), SCAN_BLOCK):
        block = values[b:b + SCAN_BLOCK]
        any_bad = False
        for i in range(len(block)):
            any_bad |= _is_bad(block[i], check)
        if any_bad:
            for i in range(len(block)):
                if _is_bad(block[i], check):
                    return b + i
    return -1


@jit
def _is_bad(value, check):
    # ``check`` is the same for the whole loop: LLVM hoists the choice out of it
    if check == PRICE:
        return _bad_price(value)
    if check == SIZE:
        return _bad_size(value)
    return _bad_side(value)


@jit
def _bad_side(code):
    return (code < -1) | (code > 1)


@jit
def _bad_price(bits):
    # Not finite or <= 0 (also -0.0): valid prices are the bit patterns 1..=0x7FEF_FFFF_FFFF_FFFF.
    return bits - np.uint64(1) >= np.uint64(0x7FEFFFFFFFFFFFFF)


@jit
def _bad_size(bits):
    # Not finite or < 0: valid sizes are the non-negative finite patterns, plus -0.0.
    return (bits >= np.uint64(0x7FF0000000000000)) & (bits != np.uint64(0x8000000000000000))


def time_bars(ts, price, size, side, interval_ns, origin_ns):
    """Bars over ``[origin + k*interval, origin + (k+1)*interval)``; empty bins omitted.

    Large inputs are cut at bin boundaries into one piece per thread (as in
    Rust); no bar straddles a cut, so the result equals the serial one. The
    pieces run in Python threads over ``nogil`` kernels rather than a
    ``parallel=True`` kernel: the same speed, and 4 s less to compile.
    """
    pieces = get_num_threads() if len(ts) >= PARALLEL_MIN_ROWS else 1
    cuts = _cuts(ts, interval_ns, origin_ns, pieces)
    m = len(cuts) - 1
    counts = in_threads(lambda j: _count_bins(ts, cuts[j], cuts[j + 1], interval_ns, origin_ns), m)
    offsets = np.zeros(m + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    out = _allocate(offsets[m])
    found = np.full((m, 4), -1, dtype=np.int64)
    in_threads(lambda j: _fill_time_bars(out, offsets[j], found[j], ts, price, size, side, cuts[j], cuts[j + 1],
                                         interval_ns, origin_ns), m)  # fmt: skip
    for c in range(4):  # pieces are in row order: the first piece with a finding has the first row
        for j in range(m):
            if found[j, c] >= 0:
                out[0][c] = found[j, c]
                break
    return out


@jit
def _cuts(ts, interval_ns, origin_ns, pieces):
    """Piece starts (plus len(ts)), each moved forward to the first trade of a new bin."""
    n = len(ts)
    cuts = [0]
    for k in range(1, pieces):
        i = max(k * n // pieces, cuts[-1], 1)
        if i >= n:
            break
        bin_end = _bin_start(ts[i - 1], interval_ns, origin_ns) + interval_ns
        while i < n and ts[i] < bin_end:  # at most one bin's trades
            i += 1
        if cuts[-1] < i < n:
            cuts.append(i)
    cuts.append(n)
    return np.array(cuts, dtype=np.int64)


@jit
def _count_bins(ts, lo, hi, interval_ns, origin_ns):
    n_bars = 0
    bin_end = np.iinfo(np.int64).min
    for i in range(lo, hi):
        if ts[i] >= bin_end:
            n_bars += 1
            bin_end = _bin_start(ts[i], interval_ns, origin_ns) + interval_ns
    return n_bars


@jit
def _fill_time_bars(out, k, found, ts, price, size, side, lo, hi, interval_ns, origin_ns):
    """Write the bars of trades [lo, hi) from slot k on; scan each block first, into ``found``."""
    acc = _open_at(0, 0, np.nan)
    bin_end = np.iinfo(np.int64).min
    has_side = len(side) > 0
    for block in range(lo, hi, FUSED_BLOCK):
        block_end = min(block + FUSED_BLOCK, hi)
        _scan_block(found, block, block_end, ts, price, size, side)  # while it is in cache
        for i in range(block, block_end):
            t = ts[i]
            if t >= bin_end:
                if acc[N_TRADES] > 0:
                    _emit(out, k, acc)
                    k += 1
                acc = _open_at(_bin_start(t, interval_ns, origin_ns), t, price[i])
                bin_end = acc[START] + interval_ns
            acc = _add(acc, t, price[i], size[i], side[i] if has_side else np.int8(0))
    if acc[N_TRADES] > 0:
        _emit(out, k, acc)


@jit
def tick_bars(ts, price, size, side, n_per_bar):
    """Bars of ``n_per_bar`` trades; the last may hold fewer."""
    return _threshold_bars(ts, price, size, side, N_TRADES, float(n_per_bar))


@jit
def volume_bars(ts, price, size, side, threshold):
    """A bar closes on the trade whose bar volume reaches ``threshold`` (not split)."""
    return _threshold_bars(ts, price, size, side, VOLUME, threshold)


@jit
def dollar_bars(ts, price, size, side, threshold):
    """A bar closes on the trade whose bar notional reaches ``threshold`` (not split)."""
    return _threshold_bars(ts, price, size, side, NOTIONAL, threshold)


@jit
def _threshold_bars(ts, price, size, side, rule, threshold):
    # rule: the bar field that closes the bar at ``threshold`` (Rust passes a closure instead).
    n_bars = 0
    acc = _open_at(0, 0, np.nan)
    for i in range(len(ts)):
        acc = _add(acc, ts[i], price[i], size[i], 0)
        if _is_full(acc, rule, threshold):
            n_bars += 1
            acc = _open_at(0, 0, np.nan)
    if acc[N_TRADES] > 0:
        n_bars += 1
    out = _allocate(n_bars)
    k = 0
    acc = _open_at(0, 0, np.nan)
    for i in range(len(ts)):
        if i % FUSED_BLOCK == 0:  # scan each block while it is in cache
            _scan_block(out[0], i, min(i + FUSED_BLOCK, len(ts)), ts, price, size, side)
        if acc[N_TRADES] == 0:
            acc = _open_at(ts[i], ts[i], price[i])
        acc = _add(acc, ts[i], price[i], size[i], _side_at(side, i))
        if _is_full(acc, rule, threshold):
            _emit(out, k, acc)
            k += 1
            acc = _open_at(0, 0, np.nan)
    if acc[N_TRADES] > 0:
        _emit(out, k, acc)
    return out


@jit
def _is_full(acc, rule, threshold):
    if rule == N_TRADES:
        return acc[N_TRADES] >= threshold
    if rule == VOLUME:
        return acc[VOLUME] >= threshold
    return acc[NOTIONAL] >= threshold


@jit
def _bin_start(ts, interval_ns, origin_ns):
    # Python // floors towards minus infinity, as Rust's div_euclid for a positive divisor.
    return origin_ns + ((ts - origin_ns) // interval_ns) * interval_ns


@jit
def _side_at(side, i):
    return side[i] if len(side) > 0 else np.int8(0)


@jit
def _open_at(start, ts, price):
    """An empty bar keyed ``start`` whose first trade is (ts, price); ``_add`` it next."""
    return (np.int64(start), price, -np.inf, np.inf, np.nan, 0.0, 0.0, np.int64(0), 0.0, 0.0,
            np.int64(ts), np.int64(ts))


@jit
def _add(acc, ts, price, size, side):
    return (
        acc[START],
        acc[OPEN],
        price if price > acc[HIGH] else acc[HIGH],
        price if price < acc[LOW] else acc[LOW],
        price,
        acc[VOLUME] + size,
        acc[NOTIONAL] + price * size,
        acc[N_TRADES] + 1,
        acc[BUY] + (size if side == 1 else 0.0),
        acc[SELL] + (size if side == -1 else 0.0),
        acc[TS_FIRST],
        ts,
    )


@jit
def _allocate(n):
    f = np.float64
    i = np.int64
    return (np.full(4, -1, i), np.empty(n, i), np.empty(n, f), np.empty(n, f), np.empty(n, f), np.empty(n, f),
            np.empty(n, f), np.empty(n, f), np.empty(n, i), np.empty(n, f), np.empty(n, f),
            np.empty(n, i), np.empty(n, i))


@jit
def _emit(out, k, acc):
    # out[0] holds the scan result
    out[1][k] = acc[START]
    out[2][k] = acc[OPEN]
    out[3][k] = acc[HIGH]
    out[4][k] = acc[LOW]
    out[5][k] = acc[CLOSE]
    out[6][k] = acc[VOLUME]
    out[7][k] = acc[NOTIONAL] / acc[VOLUME] if acc[VOLUME] != 0.0 else np.nan
    out[8][k] = acc[N_TRADES]
    out[9][k] = acc[BUY]
    out[10][k] = acc[SELL]
    out[11][k] = acc[TS_FIRST]
    out[12][k] = acc[TS_LAST]
