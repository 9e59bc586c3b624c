"""MBP-10 events to book bars in pandas/NumPy (the oracle). Read beside
``rust/core/src/book.rs`` and ``_numba/book.py``; ``docs/features.md``
defines every column.

Vectorised over whole arrays: the book is the (snapshots x 10) matrix of
level prices and sizes, consecutive snapshots are diffed as whole arrays, and
per-bar sums are ``np.bincount`` (sequential in row order, as the loops).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = 10
F_LAST = 128
F_MAYBE_BAD_BOOK = 4
ACTION_COUNTERS = b"ACMRTF"  # meta counters after the message count; 'N' is only a message
VALID_ACTIONS = b"ACMRTFN"
VALID_SIDES = b"ABN"


def mbp10_bars(ts, action, side, price, size, flags, sequence, bid_px, ask_px, bid_sz, ask_sz,
               band_edges, interval_ns, origin_ns, warmup):  # fmt: skip
    """Returns (bad_rows[5], bar starts, features[bars, columns])."""
    n = len(ts)
    nb = len(band_edges) - 1
    snap = (flags & F_LAST != 0) | (flags == 0)
    bad = _scan(ts, action, side, price, snap, bid_px, ask_px, bid_sz, ask_sz, warmup)

    # Book matrices: prices NaN and sizes 0 where a level is empty.
    bq = np.column_stack([q.astype(np.float64) for q in bid_sz]) if n else np.zeros((0, LEVELS))
    aq = np.column_stack([q.astype(np.float64) for q in ask_sz]) if n else np.zeros((0, LEVELS))
    bp = np.where(bq > 0, np.column_stack(bid_px) if n else np.zeros((0, LEVELS)), np.nan)
    ap = np.where(aq > 0, np.column_stack(ask_px) if n else np.zeros((0, LEVELS)), np.nan)
    bid, ask = bp[:, 0], ap[:, 0]
    mid_all = (bid + ask) * 0.5
    spread_all = ask - bid

    # Bars over the rows after the warm-up.
    rows = np.arange(warmup, n)
    bin_start = origin_ns + ((ts[warmup:] - origin_ns) // interval_ns) * interval_ns
    new_bar = np.ones(len(rows), dtype=bool)
    new_bar[1:] = bin_start[1:] != bin_start[:-1]
    bar_of_row = np.cumsum(new_bar) - 1
    starts = bin_start[new_bar]
    m = len(starts)
    first_row = rows[new_bar]
    last_row = np.append(first_row[1:] - 1, n - 1) if m else first_row
    ends = starts + interval_ns
    cols: list[np.ndarray] = []

    def per_bar(mask, weights=None):
        w = None if weights is None else np.asarray(weights, dtype=np.float64)[mask]
        return np.bincount(bar_of_row[mask], weights=w, minlength=m).astype(np.float64)

    a = action[warmup:]
    s = side[warmup:]
    everything = np.ones(len(rows), dtype=bool)

    # meta
    cols.append(per_bar(everything))
    for code in ACTION_COUNTERS:
        cols.append(per_bar(a == code))

    # trade
    trade = a == ord("T")
    q = size[warmup:].astype(np.float64)
    p = price[warmup:]
    buy, sell = trade & (s == ord("B")), trade & (s == ord("A"))
    signed = np.where(s == ord("B"), q, np.where(s == ord("A"), -q, 0.0))
    cols.append(per_bar(trade, q))
    cols.append(per_bar(trade, signed))
    cols.append(per_bar(buy, q))
    cols.append(per_bar(sell, q))
    trades = pd.DataFrame({"bar": bar_of_row[trade], "p": p[trade]}).groupby("bar")["p"]
    for how in ("first", "max", "min", "last"):
        cols.append(trades.agg(how).reindex(range(m)).to_numpy(dtype=np.float64))
    volume = cols[-8]
    notional = per_bar(trade, p * q)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols.append(np.where(volume > 0, notional / volume, np.nan))

    # The snapshot in force at each row (-1 before the first).
    snap_rows = np.flatnonzero(snap)
    in_force = np.maximum.accumulate(np.where(snap, np.arange(n), -1)) if n else np.zeros(0, np.int64)
    eob = in_force[last_row] if m else np.zeros(0, np.int64)

    # book, end of bar
    eob_cols, depth, wall = _end_of_bar(eob, bp, ap, bq, aq, band_edges)
    cols += eob_cols
    cols += depth

    # book, time-weighted and extremes over the states in force during each bar
    carried = np.where(first_row > 0, in_force[np.maximum(first_row - 1, 0)], -1) if m else first_row
    bar_snaps = snap_rows[snap_rows >= warmup]
    snap_bar = bar_of_row[bar_snaps - warmup]
    for values in (spread_all, mid_all):
        cols.append(_time_weighted(values, carried, bar_snaps, snap_bar, ts, starts, ends))
    for values, how in ((spread_all, "max"), (mid_all, "max"), (mid_all, "min")):
        cols.append(_extreme(values, carried, bar_snaps, snap_bar, m, how))

    # flow: consecutive snapshot pairs, attributed to the later snapshot's bar
    pairs = np.flatnonzero(snap_rows >= warmup)
    pairs = pairs[pairs > 0]
    prev, new = snap_rows[pairs - 1], snap_rows[pairs]
    pair_bar = bar_of_row[new - warmup]
    prev_mid = mid_all[prev]
    for px, qty, sign in ((bp, bq, 1.0), (ap, aq, -1.0)):
        for band in _net_flow(px, qty, prev, new, sign, prev_mid, band_edges):
            cols.append(np.bincount(pair_bar, weights=band, minlength=m).astype(np.float64))
    for k in range(LEVELS):
        cols.append(np.bincount(pair_bar, weights=_ofi(bp, bq, ap, aq, prev, new, k), minlength=m).astype(np.float64))

    cols += wall

    # quality
    touch_bid, touch_ask = bid[bar_snaps], ask[bar_snaps]
    cols.append(np.bincount(snap_bar, weights=(touch_bid > touch_ask).astype(np.float64), minlength=m).astype(np.float64))
    cols.append(np.bincount(snap_bar, weights=(touch_bid == touch_ask).astype(np.float64), minlength=m).astype(np.float64))
    seq = sequence.astype(np.int64)
    gap = np.zeros(len(rows), dtype=bool)
    lo = max(warmup, 1)
    if n > lo:
        step = seq[lo:] - seq[lo - 1:-1]
        gap[lo - warmup:] = (step != 0) & (step != 1) & (step != -(2**32 - 1))  # wrap-around counts as +1
    cols.append(per_bar(gap))
    cols.append(per_bar(flags[warmup:] & F_MAYBE_BAD_BOOK != 0))

    features = np.column_stack(cols) if m else np.zeros((0, len(cols)))
    assert features.shape[1] == 46 + 4 * nb
    return bad, starts.astype(np.int64), np.ascontiguousarray(features)


def _first(mask):
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else -1


def _scan(ts, action, side, price, snap, bid_px, ask_px, bid_sz, ask_sz, warmup):
    """First bad row per check: [ts decreases, action, side, price, level order]."""
    n = len(ts)
    decrease = np.zeros(n, dtype=bool)
    decrease[1:] = ts[1:] < ts[:-1]
    bad_action = ~np.isin(action, np.frombuffer(VALID_ACTIONS, np.uint8))
    bad_side = ~np.isin(side, np.frombuffer(VALID_SIDES, np.uint8))
    bad_px = np.zeros(n, dtype=bool)
    bad_order = np.zeros(n, dtype=bool)
    for px, sz, sign in ((bid_px, bid_sz, 1.0), (ask_px, ask_sz, -1.0)):
        last = np.full(n, sign * np.inf)
        for k in range(LEVELS):
            populated = sz[k] > 0
            bad_px |= populated & ~np.isfinite(px[k])
            # bids must fall and asks rise; NaN comparisons are false, as in the loops
            bad_order |= populated & (sign * px[k] >= sign * last)
            last = np.where(populated, px[k], last)
    trade_nan = np.zeros(n, dtype=bool)
    trade_nan[warmup:] = (action[warmup:] == ord("T")) & ~np.isfinite(price[warmup:])
    return np.array([_first(decrease), _first(bad_action), _first(bad_side),
                     _first((bad_px & snap) | trade_nan), _first(bad_order & snap)], dtype=np.int64)  # fmt: skip


def _end_of_bar(r, bp, ap, bq, aq, edges):
    """Book columns at each bar's last snapshot ``r`` (-1: none yet, all NaN)."""
    none = r < 0
    r = np.maximum(r, 0)
    bid, ask = bp[r, 0], ap[r, 0]
    bsz, asz = bq[r, 0], aq[r, 0]
    mid = (bid + ask) * 0.5
    with np.errstate(invalid="ignore", divide="ignore"):
        micro = np.where(bsz + asz > 0, (bid * asz + ask * bsz) / (bsz + asz), np.nan)
        imb1 = np.where(bsz + asz > 0, (bsz - asz) / (bsz + asz), np.nan)
        bt = _sequential_sum(bq[r])
        at = _sequential_sum(aq[r])
        imb10 = np.where(bt + at > 0, (bt - at) / (bt + at), np.nan)
    eob = [bid, ask, mid, ask - bid, micro, imb1, imb10]
    depth, wall = [], []
    for px, qty in ((bp[r], bq[r]), (ap[r], aq[r])):
        dist = np.abs(px - mid[:, None])
        band = _band_index(dist, edges)
        for b in range(len(edges) - 1):
            d = _sequential_sum(np.where(band == b, qty, 0.0))
            depth.append(np.where(np.isnan(mid), np.nan, d))
        wall += _wall(px, qty, mid)
    out = [np.where(none, np.nan, c) for c in eob]
    return out, [np.where(none, np.nan, c) for c in depth], [np.where(none, np.nan, c) for c in wall]


def _sequential_sum(m):
    """Row sums added level by level, left to right (as the loops add them)."""
    total = np.zeros(len(m))
    for k in range(m.shape[1]):
        total = total + m[:, k]
    return total


def _band_index(dist, edges):
    """Band of each distance (points), -1 outside every band or NaN."""
    idx = np.searchsorted(edges, dist, side="right") - 1
    return np.where((dist >= edges[0]) & (idx < len(edges) - 1), idx, -1)


def _wall(px, qty, mid):
    """Largest z-score of populated level sizes (population std) and its |price - mid|."""
    populated = qty > 0
    n = populated.sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _sequential_sum(qty) / n
        dev = np.where(populated, qty - mean[:, None], 0.0)
        std = np.sqrt(_sequential_sum(dev * dev) / n)
        z = np.where(populated, (qty - mean[:, None]) / std[:, None], -np.inf)
    best = np.argmax(z, axis=1)  # first of equal maxima, nearest the touch
    rows = np.arange(len(px))
    ok = (n >= 2) & (std != 0)
    z_best = np.where(ok, z[rows, best], np.nan)
    dist = np.where(ok, np.abs(px[rows, best] - mid), np.nan)
    return [z_best, dist]


def _time_weighted(values, carried, snaps, snap_bar, ts, starts, ends):
    """Sum of value x time held / time held with a defined value, per bar.

    Per bar: the state carried in holds from the bar's start to its first
    snapshot (or its end); each snapshot holds until the next one in the bar,
    or the bar's end. Carried terms come first in the bincount, then the
    snapshots in time order: the loops' order of addition.
    """
    m = len(starts)
    first_snap_t = np.full(m, np.iinfo(np.int64).max)
    if len(snaps):
        np.minimum.at(first_snap_t, snap_bar, ts[snaps])
    carried_until = np.minimum(first_snap_t, ends)
    carried_v = np.where(carried >= 0, values[np.maximum(carried, 0)], np.nan) if m else np.zeros(0)
    carried_dt = carried_until - starts
    next_t = np.empty(len(snaps), dtype=np.int64)
    if len(snaps):
        next_t[:-1] = ts[snaps[1:]]
        next_t[-1] = np.iinfo(np.int64).max
        next_t = np.minimum(next_t, ends[snap_bar])
    snap_v = values[snaps]
    snap_dt = next_t - ts[snaps]
    v = np.concatenate([carried_v, snap_v])
    dt = np.concatenate([carried_dt, snap_dt])
    bar = np.concatenate([np.arange(m), snap_bar])
    defined = ~np.isnan(v)
    vdt = np.bincount(bar, weights=np.where(defined, v * dt.astype(np.float64), 0.0), minlength=m)
    held = np.bincount(bar, weights=np.where(defined, dt, 0).astype(np.float64), minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(held > 0, vdt / held, np.nan)


def _extreme(values, carried, snaps, snap_bar, m, how):
    """Max or min over the carried state and the bar's snapshots, ignoring NaN."""
    carried_v = np.where(carried >= 0, values[np.maximum(carried, 0)], np.nan) if m else np.zeros(0)
    v = pd.Series(np.concatenate([carried_v, values[snaps]]))
    bar = np.concatenate([np.arange(m), snap_bar])
    return v.groupby(bar).agg(how).reindex(range(m)).to_numpy(dtype=np.float64)


def _ofi(bp, bq, ap, aq, prev, new, k):
    """Cont-Kukanov-Stoikov OFI at level k; an empty level is at -inf (bid) / +inf (ask) with size 0."""
    b0, b1 = np.nan_to_num(bp[prev, k], nan=-np.inf), np.nan_to_num(bp[new, k], nan=-np.inf)
    a0, a1 = np.nan_to_num(ap[prev, k], nan=np.inf), np.nan_to_num(ap[new, k], nan=np.inf)
    qb0, qb1, qa0, qa1 = bq[prev, k], bq[new, k], aq[prev, k], aq[new, k]
    # added in the loops' order: +bid now, -bid before, -ask now, +ask before
    x = np.where(b1 >= b0, qb1, 0.0)
    x = np.where(b1 <= b0, x - qb0, x)
    x = np.where(a1 <= a0, x - qa1, x)
    return np.where(a1 >= a0, x + qa0, x)


def _net_flow(px, qty, prev, new, sign, mid, edges):
    """Per band, the size change at each price between consecutive snapshots.

    A price counts only inside both snapshots' visible windows (a side whose
    tenth level is populated ends at its price), attributed by |price - mid|.
    """
    nb = len(edges) - 1
    out = [np.zeros(len(prev)) for _ in range(nb)]
    if len(prev) == 0:
        return out
    p0, q0, p1, q1 = px[prev], qty[prev], px[new], qty[new]
    # a side whose tenth level is populated is visible up to that level's price
    edge0 = np.where(q0[:, -1] > 0, sign * p0[:, -1], -np.inf)
    edge1 = np.where(q1[:, -1] > 0, sign * p1[:, -1], -np.inf)
    bound = np.maximum(edge0, edge1)
    for k in range(LEVELS):
        # a price in the new snapshot: its size now minus its size before (0 if new)
        before = np.where(p0 == p1[:, k, None], q0, 0.0).sum(axis=1)
        _add_to_bands(out, p1[:, k], q1[:, k] - before, (q1[:, k] > 0), sign, bound, mid, edges)
        # a price gone from the new snapshot: all its size left
        gone = (q0[:, k] > 0) & ~(p1 == p0[:, k, None]).any(axis=1)
        _add_to_bands(out, p0[:, k], -q0[:, k], gone, sign, bound, mid, edges)
    return out


def _add_to_bands(out, price, delta, mask, sign, bound, mid, edges):
    with np.errstate(invalid="ignore"):
        band = _band_index(np.abs(price - mid), edges)
        keep = mask & (sign * price >= bound) & (band >= 0)
    for b in range(len(out)):
        out[b] += np.where(keep & (band == b), delta, 0.0)
