"""MBP-10 events to book bars, in Numba. Read beside ``rust/core/src/book.rs``
and ``_pandas/book.py``: same loop, same order of additions.

Level columns arrive as tuples of ten arrays. Only the kernel itself
indexes them: passed to a helper (inlined or not), a tuple of arrays is
copied per call, ~200x slower than the arithmetic. So the kernel gathers the
levels of a snapshot into a small (4, 10) array (bid price, bid size, ask
price, ask size) and helpers take that, indexing it in two dimensions:
slicing out a row view costs a reference-counted allocation per call.
"""

from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True)
# Small per-event helpers are inlined (as Rust's #[inline]): a call through
# Numba's calling convention costs more than their arithmetic.
inline = njit(cache=True, nogil=True, inline="always")

LEVELS = 10
F_LAST = 128
F_MAYBE_BAD_BOOK = 4
BAD_TS, BAD_ACTION, BAD_SIDE, BAD_PRICE, BAD_ORDER = 0, 1, 2, 3, 4
N_META, N_TRADE, N_BOOK_EOB, N_BOOK_TIME, N_WALL, N_QUALITY = 7, 9, 7, 5, 4, 4


@inline
def _action_index(a):
    # meta counters: add, cancel, modify, clear, trade, fill; 'N' counts only as a message; -1 unknown
    if a == 65:  # A
        return 1
    if a == 67:  # C
        return 2
    if a == 77:  # M
        return 3
    if a == 82:  # R
        return 4
    if a == 84:  # T
        return 5
    if a == 70:  # F
        return 6
    if a == 78:  # N
        return 0
    return -1


@inline
def _is_snapshot(flags):
    return (flags & F_LAST) != 0 or flags == 0


@inline
def _band_of(d, edges):
    """Index of the band holding distance ``d`` (points), or -1: the number of inner
    edges at or below ``d``, counted branch-free (distances are unpredictable; a
    short-circuit ``and`` here costs 5x)."""
    n = len(edges)
    b = np.int64(0)
    for e in range(1, n):
        b += np.int64(d >= edges[e])
    inside = (d >= edges[0]) & (b < n - 1)  # also False for NaN
    return b if inside else -1


@inline
def _touch(bid_px0, ask_px0, bid_sz0, ask_sz0, r):
    """Best bid and ask at ``r`` (NaN when the side's first level is empty)."""
    bid = bid_px0[r] if bid_sz0[r] > 0 else np.nan
    ask = ask_px0[r] if ask_sz0[r] > 0 else np.nan
    return bid, ask


BID_PX, BID_SZ, ASK_PX, ASK_SZ = 0, 1, 2, 3  # rows of a gathered snapshot


@inline
def _level(g, px_row, k, empty):
    """(price, size) of level ``k`` of a gathered side; an empty level is at ``empty`` with size 0."""
    q = g[px_row + 1, k]
    if q > 0:
        return g[px_row, k], q
    return empty, 0.0


# The side's row goes in as a run-time int64 (np.int64(BID_PX)): a bare constant is a
# literal type, and each literal would compile its own copy of the helpers below.
@jit
def _side_pair(g0, g1, px_row, sign, prev_mid, edges, row, ofi_at, net_at):
    """One side's part of the OFI per level and its net flow per band, between two
    gathered snapshots whose ladders may differ. ``sign`` is +1 for bids, -1 for asks."""
    empty = -sign * np.inf  # an empty level: bids at -inf, asks at +inf, size 0
    for k in range(LEVELS):
        p0, q0 = _level(g0, px_row, k, empty)
        p1, q1 = _level(g1, px_row, k, empty)
        # Cont-Kukanov-Stoikov in signed prices, branch-free; the same value as adding
        # each term under its condition (a skipped term adds +0.0, and the terms are integers).
        u0, u1 = sign * p0, sign * p1
        row[ofi_at + k] += sign * (np.float64(u1 >= u0) * q1 - np.float64(u1 <= u0) * q0)
    if not np.isnan(prev_mid):
        _net_flow(g0, g1, px_row, sign, prev_mid, edges, row, net_at)


@jit
def _net_flow(g0, g1, px_row, sign, mid, edges, row, net_at):
    """Size change per price between two gathered snapshots of one side, into ``row[net_at + band]``.

    Only prices inside both snapshots' visible windows count; bands by
    |price - mid|. ``sign`` is +1 for bids, -1 for asks. Summed over a band,
    the per-price changes are the band's size after minus before (a price
    keeps its band), so no matching of prices is needed. A level found with
    the same price and size in the other snapshot, at most one level away,
    adds +q and -q to the same band, so both are skipped (prices are unique
    within a valid side; empty levels may match twice, and add nothing).
    """
    sz_row = px_row + 1
    edge0 = sign * g0[px_row, LEVELS - 1] if g0[sz_row, LEVELS - 1] > 0 else -np.inf
    edge1 = sign * g1[px_row, LEVELS - 1] if g1[sz_row, LEVELS - 1] > 0 else -np.inf
    bound = max(edge0, edge1)
    left1 = (1 << LEVELS) - 1
    left0 = (1 << LEVELS) - 1
    for k in range(LEVELS):
        if _same_level(g1, k, g0, k, px_row):
            left1 &= ~(1 << k)
            left0 &= ~(1 << k)
        if k + 1 < LEVELS:
            if _same_level(g1, k + 1, g0, k, px_row):  # after's level k + 1 is before's k
                left1 &= ~(1 << (k + 1))
                left0 &= ~(1 << k)
            if _same_level(g1, k, g0, k + 1, px_row):  # after's level k is before's k + 1
                left1 &= ~(1 << k)
                left0 &= ~(1 << (k + 1))
    _add_sizes_by_band(g1, left1, px_row, 1.0, sign, bound, mid, edges, row, net_at)
    _add_sizes_by_band(g0, left0, px_row, -1.0, sign, bound, mid, edges, row, net_at)


@inline
def _same_level(g1, k1, g0, k0, px_row):
    """The same (price, size) at level k1 of one snapshot and k0 of the other (empty levels alike)."""
    p1, q1 = _level(g1, px_row, k1, -np.inf)
    p0, q0 = _level(g0, px_row, k0, -np.inf)
    return (p1 == p0) & (q1 == q0)


@jit
def _add_sizes_by_band(g, left, px_row, weight, sign, bound, mid, edges, row, net_at):
    for k in range(LEVELS):
        if (left >> k) & 1 == 0:
            continue
        p = g[px_row, k]
        q = g[px_row + 1, k]
        if (q > 0) & (sign * p >= bound):
            b = _band_of(abs(p - mid), edges)
            if b >= 0:
                row[net_at + b] += weight * q


@jit
def _side_eob(px, sz, mid, edges, row, depth_at):
    """Depth per band into ``row[depth_at:]``; returns the wall (largest size z-score, its distance)."""
    n_bands = len(edges) - 1
    for b in range(n_bands):
        row[depth_at + b] = np.nan if np.isnan(mid) else 0.0
    n = 0.0
    total = 0.0
    for k in range(LEVELS):
        q = sz[k]
        if q > 0:
            n += 1.0
            total += q
            b = _band_of(abs(px[k] - mid), edges)
            if b >= 0:
                row[depth_at + b] += q
    if n < 2.0:
        return np.nan, np.nan
    mean = total / n
    ss = 0.0
    for k in range(LEVELS):
        q = sz[k]
        if q > 0:
            dev = q - mean
            ss += dev * dev
    std = np.sqrt(ss / n)
    if std == 0.0:
        return np.nan, np.nan
    best_z = -np.inf
    best_k = 0
    for k in range(LEVELS):
        q = sz[k]
        if q > 0:
            z = (q - mean) / std
            if z > best_z:
                best_z = z
                best_k = k
    return best_z, abs(px[best_k] - mid)


@jit
def _write_eob(g, has_snapshot, edges, row, eob_at, depth_at, wall_at):
    """End-of-bar book columns from the gathered snapshot ``g`` (all NaN without one)."""
    nb = len(edges) - 1
    if not has_snapshot:
        row[eob_at:eob_at + N_BOOK_EOB] = np.nan
        row[depth_at:depth_at + 2 * nb] = np.nan
        row[wall_at:wall_at + N_WALL] = np.nan
        return
    bq = g[BID_SZ, 0]
    aq = g[ASK_SZ, 0]
    bid = g[BID_PX, 0] if bq > 0 else np.nan
    ask = g[ASK_PX, 0] if aq > 0 else np.nan
    mid = (bid + ask) * 0.5
    row[eob_at] = bid
    row[eob_at + 1] = ask
    row[eob_at + 2] = mid
    row[eob_at + 3] = ask - bid
    row[eob_at + 4] = (bid * aq + ask * bq) / (bq + aq) if bq + aq > 0.0 else np.nan
    row[eob_at + 5] = (bq - aq) / (bq + aq) if bq + aq > 0.0 else np.nan
    bt = 0.0
    at = 0.0
    for k in range(LEVELS):
        bt += g[BID_SZ, k]
        at += g[ASK_SZ, k]
    row[eob_at + 6] = (bt - at) / (bt + at) if bt + at > 0.0 else np.nan
    bz, bd = _side_eob(g[BID_PX], g[BID_SZ], mid, edges, row, depth_at)
    az, ad = _side_eob(g[ASK_PX], g[ASK_SZ], mid, edges, row, depth_at + nb)
    row[wall_at] = bz
    row[wall_at + 1] = np.nan if np.isnan(mid) else bd
    row[wall_at + 2] = az
    row[wall_at + 3] = np.nan if np.isnan(mid) else ad


@jit
def _check_snapshot_levels(bid_px, ask_px, bid_sz, ask_sz, r, bad):
    bad_px = False
    bad_order = False
    last_bid = np.inf
    last_ask = -np.inf
    for k in range(LEVELS):
        if bid_sz[k][r] > 0:
            p = bid_px[k][r]
            bad_px |= not np.isfinite(p)
            bad_order |= p >= last_bid
            last_bid = p
        if ask_sz[k][r] > 0:
            p = ask_px[k][r]
            bad_px |= not np.isfinite(p)
            bad_order |= p <= last_ask
            last_ask = p
    if bad_px and bad[BAD_PRICE] < 0:
        bad[BAD_PRICE] = r
    if bad_order and bad[BAD_ORDER] < 0:
        bad[BAD_ORDER] = r


@inline
def _hold(stat, v, dt):
    """Time-weighted sums: stat = [sum v*dt, sum dt, max, min]."""
    if not np.isnan(v):
        stat[0] += v * float(dt)
        stat[1] += float(dt)


@inline
def _see(stat, v):
    if not np.isnan(v):
        stat[2] = v if (np.isnan(stat[2]) or v > stat[2]) else stat[2]
        stat[3] = v if (np.isnan(stat[3]) or v < stat[3]) else stat[3]


@jit
def _reset(stat):
    stat[0] = 0.0
    stat[1] = 0.0
    stat[2] = np.nan
    stat[3] = np.nan


BLOCK = 1024  # rows per column-wise ladder scan (rust's row-chunked scan takes 64)


@inline
def _lowest_bit(bits):
    """Index of the lowest set bit of a non-zero uint32."""
    j = 0
    while (bits >> np.uint32(j)) & np.uint32(1) == 0:
        j += 1
    return j


@jit
def _and_populated_finite_sorted(ok, px, sz, nearer, sign):
    # bids fall (sign 1) and asks rise (sign -1) away from the nearer level
    for i in range(len(px)):
        ok[i] &= (sz[i] > 0) & np.isfinite(px[i]) & (sign * px[i] < sign * nearer[i])


@jit
def _and_populated_finite(ok, px, sz):
    for i in range(len(px)):
        ok[i] &= (sz[i] > 0) & np.isfinite(px[i])


@jit
def _and_same_or_changed(same, changed, px, prev_px, sz, prev_sz, bit):
    for i in range(len(px)):
        same[i] &= px[i] == prev_px[i]
        if sz[i] != prev_sz[i]:
            changed[i] |= bit


@jit
def _scan_ladder(bid_px, ask_px, bid_sz, ask_sz, lo, hi, ok, same, changed):
    """Per row of [lo, hi), a column at a time and per side (``ok[side]``,
    ``same[side]``): the side full and valid (all levels populated, finite prices
    sorted away from the touch), the same prices as the previous row, and which
    sizes changed (bits 0-9 bid, 10-19 ask)."""
    m = hi - lo
    ok[:, :m] = True
    same[:, :m] = True
    changed[:m] = 0
    cmp_lo = 1 if lo == 0 else lo
    first = 1 if lo == 0 else 0
    for k in range(LEVELS):
        for side in range(2):
            px_col = bid_px[k] if side == 0 else ask_px[k]
            sz_col = bid_sz[k] if side == 0 else ask_sz[k]
            if k == 0:
                _and_populated_finite(ok[side, :m], px_col[lo:hi], sz_col[lo:hi])
            else:
                nearer = bid_px[k - 1] if side == 0 else ask_px[k - 1]
                _and_populated_finite_sorted(ok[side, :m], px_col[lo:hi], sz_col[lo:hi], nearer[lo:hi],
                                             1.0 if side == 0 else -1.0)  # fmt: skip
            if cmp_lo < hi:
                bit = np.uint32(1) << np.uint32(k + LEVELS * side)
                _and_same_or_changed(same[side, first:m], changed[first:m], px_col[cmp_lo:hi], px_col[cmp_lo - 1:hi - 1],
                                     sz_col[cmp_lo:hi], sz_col[cmp_lo - 1:hi - 1], bit)  # fmt: skip
    if lo == 0 and m > 0:
        same[:, 0] = False


@jit
def _count_bars(ts, warmup, interval_ns, origin_ns):
    n_bars = 0
    bar_end = np.iinfo(np.int64).min
    for r in range(warmup, len(ts)):
        if ts[r] >= bar_end:
            n_bars += 1
            bar_end = origin_ns + ((ts[r] - origin_ns) // interval_ns) * interval_ns + interval_ns
    return n_bars


@jit
def mbp10_bars(ts, action, side, price, size, flags, sequence, bid_px, ask_px, bid_sz, ask_sz,
               band_edges, interval_ns, origin_ns, warmup):  # fmt: skip
    """Returns (bad_rows[5], bar starts, features[bars, columns]); see rust/core/src/book.rs."""
    n = len(ts)
    nb = len(band_edges) - 1
    trade_at = N_META
    eob_at = trade_at + N_TRADE
    depth_at = eob_at + N_BOOK_EOB
    time_at = depth_at + 2 * nb
    flow_at = time_at + N_BOOK_TIME
    ofi_at = flow_at + 2 * nb
    wall_at = ofi_at + LEVELS
    quality_at = wall_at + N_WALL
    width = quality_at + N_QUALITY

    n_bars = _count_bars(ts, warmup, interval_ns, origin_ns)
    bad = np.full(5, -1, dtype=np.int64)
    starts = np.empty(n_bars, dtype=np.int64)
    features = np.empty((n_bars, width), dtype=np.float64)
    g0 = np.empty((4, LEVELS), dtype=np.float64)  # gathered snapshots: the previous one,
    g1 = np.empty((4, LEVELS), dtype=np.float64)  # this one (or the end-of-bar one)
    spread = np.empty(4)
    mid = np.empty(4)
    _reset(spread)
    _reset(mid)
    cur_mid = np.nan
    cur_spread = np.nan
    since = 0
    snap = -1
    bar_end = np.iinfo(np.int64).min
    k = -1  # the open bar
    notional = 0.0
    row = features[0] if n_bars > 0 else np.empty(width)
    ok = np.empty((2, BLOCK), dtype=np.bool_)  # per side (bid, ask): full and valid
    same = np.empty((2, BLOCK), dtype=np.bool_)
    changed = np.empty(BLOCK, dtype=np.uint32)
    # Per side, the last snapshot full; since it, every row full with the same
    # prices; and which sizes changed.
    snap_full_bid = snap_full_ask = False
    run_same_bid = run_same_ask = False
    run_changed = np.uint32(0)

    for r in range(n):
        if r % BLOCK == 0:
            _scan_ladder(bid_px, ask_px, bid_sz, ask_sz, r, min(r + BLOCK, n), ok, same, changed)
        i = r % BLOCK
        run_same_bid &= same[0, i] & ok[0, i]
        run_same_ask &= same[1, i] & ok[1, i]
        run_changed |= changed[i]
        t = ts[r]
        a = action[r]
        if r > 0 and t < ts[r - 1] and bad[BAD_TS] < 0:
            bad[BAD_TS] = r
        counter = _action_index(a)
        if counter < 0 and bad[BAD_ACTION] < 0:
            bad[BAD_ACTION] = r
        s = side[r]
        if not (s == 66 or s == 65 or s == 78) and bad[BAD_SIDE] < 0:
            bad[BAD_SIDE] = r
        last = _is_snapshot(flags[r])
        if last and not (ok[0, i] and ok[1, i]):
            _check_snapshot_levels(bid_px, ask_px, bid_sz, ask_sz, r, bad)
        if r < warmup:
            if last:
                snap = r
                snap_full_bid, snap_full_ask = ok[0, i], ok[1, i]
                run_same_bid = run_same_ask = True
                run_changed = np.uint32(0)
                bid, ask = _touch(bid_px[0], ask_px[0], bid_sz[0], ask_sz[0], r)
                cur_mid = (bid + ask) * 0.5
                cur_spread = ask - bid
            continue
        if t >= bar_end:
            if k >= 0:
                _hold(spread, cur_spread, bar_end - since)
                _hold(mid, cur_mid, bar_end - since)
                for lvl in range(LEVELS):  # the end-of-bar snapshot
                    g1[BID_PX, lvl], g1[BID_SZ, lvl] = bid_px[lvl][snap], bid_sz[lvl][snap]
                    g1[ASK_PX, lvl], g1[ASK_SZ, lvl] = ask_px[lvl][snap], ask_sz[lvl][snap]
                _emit(row, g1, snap >= 0, band_edges, spread, mid, notional, trade_at, eob_at, depth_at, wall_at,
                      time_at)  # fmt: skip
            if k + 1 >= n_bars:  # only when ts decreases (an error the front raises): stop filling
                k = n_bars
                continue
            k += 1
            start = origin_ns + ((t - origin_ns) // interval_ns) * interval_ns
            starts[k] = start
            bar_end = start + interval_ns
            row = features[k]
            row[:] = 0.0
            row[trade_at + 4] = np.nan
            row[trade_at + 5] = -np.inf
            row[trade_at + 6] = np.inf
            row[trade_at + 7] = np.nan
            notional = 0.0
            _reset(spread)
            _reset(mid)
            _see(spread, cur_spread)
            _see(mid, cur_mid)
            since = start
        if k >= n_bars:
            continue
        row[0] += 1.0
        if counter > 0:
            row[counter] += 1.0
        if a == 84:  # T
            p = price[r]
            if not np.isfinite(p) and bad[BAD_PRICE] < 0:
                bad[BAD_PRICE] = r
            q = float(size[r])
            row[trade_at] += q
            if s == 66:  # B
                row[trade_at + 1] += q
                row[trade_at + 2] += q
            elif s == 65:  # A
                row[trade_at + 1] -= q
                row[trade_at + 3] += q
            if np.isnan(row[trade_at + 4]):
                row[trade_at + 4] = p
            if p > row[trade_at + 5]:
                row[trade_at + 5] = p
            if p < row[trade_at + 6]:
                row[trade_at + 6] = p
            row[trade_at + 7] = p
            notional += p * q
        if r > 0:
            prev_seq = sequence[r - 1]
            seq = sequence[r]
            if seq != prev_seq and seq != ((np.int64(prev_seq) + 1) & 0xFFFFFFFF):
                row[quality_at + 2] += 1.0
        if flags[r] & F_MAYBE_BAD_BOOK != 0:
            row[quality_at + 3] += 1.0
        if not last:
            continue
        bid, ask = _touch(bid_px[0], ask_px[0], bid_sz[0], ask_sz[0], r)
        if bid > ask:
            row[quality_at] += 1.0
        elif bid == ask:
            row[quality_at + 1] += 1.0
        _hold(spread, cur_spread, t - since)
        _hold(mid, cur_mid, t - since)
        since = t
        cur_mid = (bid + ask) * 0.5
        cur_spread = ask - bid
        _see(spread, cur_spread)
        _see(mid, cur_mid)
        if snap >= 0:
            pb, pa = _touch(bid_px[0], ask_px[0], bid_sz[0], ask_sz[0], snap)
            prev_mid = (pb + pa) * 0.5
            # Per side: a side whose ladder moved (or is not full) goes the general
            # way; the others' changed sizes are read off the bits, at fixed prices
            # (per-level changes: integers, the same sums).
            bits = run_changed
            if not (snap_full_bid and run_same_bid):
                bits &= ~np.uint32((1 << LEVELS) - 1)
                for lvl in range(LEVELS):
                    g0[BID_PX, lvl], g0[BID_SZ, lvl] = bid_px[lvl][snap], bid_sz[lvl][snap]
                    g1[BID_PX, lvl], g1[BID_SZ, lvl] = bid_px[lvl][r], bid_sz[lvl][r]
                _side_pair(g0, g1, np.int64(BID_PX), 1.0, prev_mid, band_edges, row, ofi_at, flow_at)
            if not (snap_full_ask and run_same_ask):
                bits &= np.uint32((1 << LEVELS) - 1)
                for lvl in range(LEVELS):
                    g0[ASK_PX, lvl], g0[ASK_SZ, lvl] = ask_px[lvl][snap], ask_sz[lvl][snap]
                    g1[ASK_PX, lvl], g1[ASK_SZ, lvl] = ask_px[lvl][r], ask_sz[lvl][r]
                _side_pair(g0, g1, np.int64(ASK_PX), -1.0, prev_mid, band_edges, row, ofi_at, flow_at + nb)
            while bits != 0:
                j = _lowest_bit(bits)
                bits &= bits - np.uint32(1)
                lvl = j % LEVELS
                if j < LEVELS:
                    d = float(bid_sz[lvl][r]) - float(bid_sz[lvl][snap])
                    row[ofi_at + lvl] += d
                    b = _band_of(abs(bid_px[lvl][r] - prev_mid), band_edges)
                    if b >= 0:
                        row[flow_at + b] += d
                else:
                    d = float(ask_sz[lvl][r]) - float(ask_sz[lvl][snap])
                    row[ofi_at + lvl] += -d
                    b = _band_of(abs(ask_px[lvl][r] - prev_mid), band_edges)
                    if b >= 0:
                        row[flow_at + nb + b] += d
        snap = r
        snap_full_bid, snap_full_ask = ok[0, i], ok[1, i]
        run_same_bid = run_same_ask = True
        run_changed = np.uint32(0)
    if 0 <= k < n_bars:
        _hold(spread, cur_spread, bar_end - since)
        _hold(mid, cur_mid, bar_end - since)
        for lvl in range(LEVELS):
            g1[BID_PX, lvl], g1[BID_SZ, lvl] = bid_px[lvl][snap], bid_sz[lvl][snap]
            g1[ASK_PX, lvl], g1[ASK_SZ, lvl] = ask_px[lvl][snap], ask_sz[lvl][snap]
        _emit(row, g1, snap >= 0, band_edges, spread, mid, notional, trade_at, eob_at, depth_at, wall_at, time_at)
    return bad, starts, features


@jit
def _emit(row, g, has_snapshot, edges, spread, mid, notional, trade_at, eob_at, depth_at, wall_at, time_at):
    if np.isnan(row[trade_at + 4]):
        row[trade_at + 5] = np.nan  # no trade: no high or low
        row[trade_at + 6] = np.nan
    row[trade_at + 8] = notional / row[trade_at] if row[trade_at] > 0.0 else np.nan
    _write_eob(g, has_snapshot, edges, row, eob_at, depth_at, wall_at)
    row[time_at] = spread[0] / spread[1] if spread[1] > 0.0 else np.nan
    row[time_at + 1] = mid[0] / mid[1] if mid[1] > 0.0 else np.nan
    row[time_at + 2] = spread[2]
    row[time_at + 3] = mid[2]
    row[time_at + 4] = mid[3]
