"""MBP-10 events to book bars, in Numba. Read beside ``rust/core/src/book.rs``
and ``_pandas/book.py``: same loop, same order of additions.

Level columns arrive as tuples of ten arrays (Numba indexes a homogeneous
tuple with a runtime index).
"""

from __future__ import annotations

import numpy as np
from numba import njit

jit = njit(cache=True, nogil=True)
# Helpers that take the level tuples are inlined by Numba: called, each would
# copy four tuples of ten array structs (~2 KB) per call, 50x slower.
inline = njit(cache=True, nogil=True, inline="always")

LEVELS = 10
F_LAST = 128
F_MAYBE_BAD_BOOK = 4
BAD_TS, BAD_ACTION, BAD_SIDE, BAD_PRICE, BAD_ORDER = 0, 1, 2, 3, 4
N_META, N_TRADE, N_BOOK_EOB, N_BOOK_TIME, N_WALL, N_QUALITY = 7, 9, 7, 5, 4, 4


@jit
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


@jit
def _is_snapshot(flags):
    return (flags & F_LAST) != 0 or flags == 0


@jit
def _band_of(d, edges):
    """Index of the band holding distance ``d`` (points), or -1."""
    if not d >= edges[0]:
        return -1  # also NaN
    for b in range(1, len(edges)):
        if d < edges[b]:
            return b - 1
    return -1


@inline
def _touch(bid_px, ask_px, bid_sz, ask_sz, r):
    bid = bid_px[0][r] if bid_sz[0][r] > 0 else np.nan
    ask = ask_px[0][r] if ask_sz[0][r] > 0 else np.nan
    return bid, ask


@jit
def _level(px, sz, r, empty):
    """(price, size) of one level column at ``r``; an empty level is at ``empty`` with size 0."""
    q = sz[r]
    if q > 0:
        return px[r], float(q)
    return empty, 0.0


@jit
def _ofi(bid_px, ask_px, bid_sz, ask_sz, p, r):
    """Cont-Kukanov-Stoikov order-flow imbalance of one level between snapshots ``p`` and ``r``."""
    bp0, bq0 = _level(bid_px, bid_sz, p, -np.inf)
    bp1, bq1 = _level(bid_px, bid_sz, r, -np.inf)
    ap0, aq0 = _level(ask_px, ask_sz, p, np.inf)
    ap1, aq1 = _level(ask_px, ask_sz, r, np.inf)
    x = 0.0
    if bp1 >= bp0:
        x += bq1
    if bp1 <= bp0:
        x -= bq0
    if ap1 <= ap0:
        x -= aq1
    if ap1 >= ap0:
        x += aq0
    return x


@inline
def _populated(px, sz, r, prices, sizes):
    """Fill ``prices``/``sizes`` with the populated levels at ``r``, touch first; return how many."""
    n = 0
    for k in range(LEVELS):
        q = sz[k][r]
        if q > 0:
            prices[n] = px[k][r]
            sizes[n] = float(q)
            n += 1
    return n


@jit
def _add_flow(net, price, delta, sign, bound, mid, edges):
    if delta != 0.0 and sign * price >= bound:
        b = _band_of(abs(price - mid), edges)
        if b >= 0:
            net[b] += delta


@inline
def _net_flow(px, sz, p, r, sign, mid, edges, net, scratch):
    """Size change per price between snapshots ``p`` and ``r`` on one side, into ``net[band]``.

    Only prices inside both snapshots' visible windows count; bands by
    |price - mid|. ``sign`` is +1 for bids, -1 for asks.
    """
    before_p, before_q, after_p, after_q = scratch[0], scratch[1], scratch[2], scratch[3]
    nb = _populated(px, sz, p, before_p, before_q)
    na = _populated(px, sz, r, after_p, after_q)
    edge_before = sign * before_p[LEVELS - 1] if nb == LEVELS else -np.inf
    edge_after = sign * after_p[LEVELS - 1] if na == LEVELS else -np.inf
    bound = max(edge_before, edge_after)
    i = 0
    j = 0
    while i < nb or j < na:
        if j == na or (i < nb and sign * before_p[i] > sign * after_p[j]):
            _add_flow(net, before_p[i], -before_q[i], sign, bound, mid, edges)
            i += 1
        elif i == nb or sign * after_p[j] > sign * before_p[i]:
            _add_flow(net, after_p[j], after_q[j], sign, bound, mid, edges)
            j += 1
        else:
            _add_flow(net, after_p[j], after_q[j] - before_q[i], sign, bound, mid, edges)
            i += 1
            j += 1


@inline
def _side_eob(px, sz, r, mid, edges, row, depth_at):
    """Depth per band into ``row[depth_at:]``; returns the wall (largest size z-score, its distance)."""
    n_bands = len(edges) - 1
    for b in range(n_bands):
        row[depth_at + b] = np.nan if np.isnan(mid) else 0.0
    n = 0.0
    total = 0.0
    for k in range(LEVELS):
        q = sz[k][r]
        if q > 0:
            n += 1.0
            total += float(q)
            b = _band_of(abs(px[k][r] - mid), edges)
            if b >= 0:
                row[depth_at + b] += float(q)
    if n < 2.0:
        return np.nan, np.nan
    mean = total / n
    ss = 0.0
    for k in range(LEVELS):
        q = sz[k][r]
        if q > 0:
            dev = float(q) - mean
            ss += dev * dev
    std = np.sqrt(ss / n)
    if std == 0.0:
        return np.nan, np.nan
    best_z = -np.inf
    best_k = 0
    for k in range(LEVELS):
        q = sz[k][r]
        if q > 0:
            z = (float(q) - mean) / std
            if z > best_z:
                best_z = z
                best_k = k
    return best_z, abs(px[best_k][r] - mid)


@inline
def _write_eob(bid_px, ask_px, bid_sz, ask_sz, r, edges, row, eob_at, depth_at, wall_at):
    """End-of-bar book columns from snapshot ``r`` (-1: none yet, all NaN)."""
    nb = len(edges) - 1
    if r < 0:
        row[eob_at:eob_at + N_BOOK_EOB] = np.nan
        row[depth_at:depth_at + 2 * nb] = np.nan
        row[wall_at:wall_at + N_WALL] = np.nan
        return
    bid, ask = _touch(bid_px, ask_px, bid_sz, ask_sz, r)
    bq = float(bid_sz[0][r])
    aq = float(ask_sz[0][r])
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
        bt += float(bid_sz[k][r])
        at += float(ask_sz[k][r])
    row[eob_at + 6] = (bt - at) / (bt + at) if bt + at > 0.0 else np.nan
    bz, bd = _side_eob(bid_px, bid_sz, r, mid, edges, row, depth_at)
    az, ad = _side_eob(ask_px, ask_sz, r, mid, edges, row, depth_at + nb)
    row[wall_at] = bz
    row[wall_at + 1] = np.nan if np.isnan(mid) else bd
    row[wall_at + 2] = az
    row[wall_at + 3] = np.nan if np.isnan(mid) else ad


@inline
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


@jit
def _hold(stat, v, dt):
    """Time-weighted sums: stat = [sum v*dt, sum dt, max, min]."""
    if not np.isnan(v):
        stat[0] += v * float(dt)
        stat[1] += float(dt)


@jit
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
    scratch = np.empty((4, LEVELS), dtype=np.float64)
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

    for r in range(n):
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
        if last:
            _check_snapshot_levels(bid_px, ask_px, bid_sz, ask_sz, r, bad)
        if r < warmup:
            if last:
                snap = r
                bid, ask = _touch(bid_px, ask_px, bid_sz, ask_sz, r)
                cur_mid = (bid + ask) * 0.5
                cur_spread = ask - bid
            continue
        if t >= bar_end:
            if k >= 0:
                _hold(spread, cur_spread, bar_end - since)
                _hold(mid, cur_mid, bar_end - since)
                _emit(row, bid_px, ask_px, bid_sz, ask_sz, snap, band_edges, spread, mid, notional,
                      trade_at, eob_at, depth_at, wall_at, time_at)  # fmt: skip
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
        bid, ask = _touch(bid_px, ask_px, bid_sz, ask_sz, r)
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
            pb, pa = _touch(bid_px, ask_px, bid_sz, ask_sz, snap)
            prev_mid = (pb + pa) * 0.5
            for lvl in range(LEVELS):
                row[ofi_at + lvl] += _ofi(bid_px[lvl], ask_px[lvl], bid_sz[lvl], ask_sz[lvl], snap, r)
            if not np.isnan(prev_mid):
                _net_flow(bid_px, bid_sz, snap, r, 1.0, prev_mid, band_edges, row[flow_at:flow_at + nb], scratch)
                _net_flow(ask_px, ask_sz, snap, r, -1.0, prev_mid, band_edges, row[flow_at + nb:flow_at + 2 * nb],
                          scratch)  # fmt: skip
        snap = r
    if 0 <= k < n_bars:
        _hold(spread, cur_spread, bar_end - since)
        _hold(mid, cur_mid, bar_end - since)
        _emit(row, bid_px, ask_px, bid_sz, ask_sz, snap, band_edges, spread, mid, notional,
              trade_at, eob_at, depth_at, wall_at, time_at)  # fmt: skip
    return bad, starts, features


@inline
def _emit(row, bid_px, ask_px, bid_sz, ask_sz, snap, edges, spread, mid, notional,
          trade_at, eob_at, depth_at, wall_at, time_at):  # fmt: skip
    if np.isnan(row[trade_at + 4]):
        row[trade_at + 5] = np.nan  # no trade: no high or low
        row[trade_at + 6] = np.nan
    row[trade_at + 8] = notional / row[trade_at] if row[trade_at] > 0.0 else np.nan
    _write_eob(bid_px, ask_px, bid_sz, ask_sz, snap, edges, row, eob_at, depth_at, wall_at)
    row[time_at] = spread[0] / spread[1] if spread[1] > 0.0 else np.nan
    row[time_at + 1] = mid[0] / mid[1] if mid[1] > 0.0 else np.nan
    row[time_at + 2] = spread[2]
    row[time_at + 3] = mid[2]
    row[time_at + 4] = mid[3]
