"""Level episodes and their features in pandas (the oracle). Read beside
``rust/core/src/episodes.rs`` and ``_numba/episodes.py``.

An episode's bars are rows ``start..=end`` of the bar arrays; the feature kernels
return one row per episode bar, episodes one after another in the order given
(the "long" rows: ``np.concatenate([np.arange(s, e + 1) for s, e in ...])``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def level_episodes(price, levels, trigger, exit, max_bars):
    """(level, start, end, leave, side) per episode, sorted by start then level.

    Per level, with ``d = price - level``: ``within = |d| <= trigger`` and
    ``beyond = |d| > exit``. ``group = beyond.cumsum()``: an episode starts at the
    first ``within`` bar of each group (price must go beyond ``exit`` to re-arm),
    leaves at the next group's first bar (the next ``beyond`` bar, -1 when the data
    ends first) and ends at ``min(leave - 1, start + max_bars - 1)``. ``side`` is +1
    when the price came from above (``d`` of the bar before the start, or of the start
    bar when that is missing, is >= 0), else -1. NaN neither starts nor leaves."""
    n = len(price)
    parts = []
    for k in range(levels.shape[0]):
        d = pd.Series(price - levels[k])
        within, beyond = d.abs() <= trigger, d.abs() > exit
        group = beyond.cumsum()
        start = pd.Series(np.arange(n))[within].groupby(group[within]).first()
        beyond_at = np.flatnonzero(beyond.to_numpy())
        g = start.index.to_numpy()
        leave = np.append(beyond_at, -1)[np.minimum(g, len(beyond_at))]
        start = start.to_numpy()
        end = np.minimum(np.where(leave >= 0, leave - 1, n - 1), start + max_bars - 1)
        before = d.shift(1).to_numpy()[start]
        came = np.where(np.isnan(before), d.to_numpy()[start], before)
        side = np.where(came >= 0, 1, -1)
        parts.append(pd.DataFrame({"level": k, "start": start, "end": end, "leave": leave, "side": side}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["level", "start", "end", "leave", "side"])
    out = out.sort_values(["start", "level"], kind="stable")
    return (*(out[c].to_numpy(np.int64) for c in ("level", "start", "end", "leave")), out["side"].to_numpy(np.int8))


def long_rows(starts, ends):
    """The bar of each long row, and its place in its episode (0 at the start)."""
    lengths = ends - starts + 1
    place = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return place + np.repeat(starts, lengths), place


def _long(values, starts, ends):
    """The episode bars' rows of ``values`` (F, n) as a frame, and each row's episode."""
    episode = np.repeat(np.arange(len(starts)), ends - starts + 1)
    return pd.DataFrame(values.T[long_rows(starts, ends)[0]]), episode


def episode_diffs(values, starts, ends, window):
    """(d1, d2), each (F, rows): within each episode, never across one::

        d1 = long.groupby(episode).diff(w) / w        # (x - x.shift(w)) / w
        d2 = d1.groupby(episode).diff(w) / w"""
    frame, episode = _long(values, starts, ends)
    d1 = frame.groupby(episode).diff(window) / window
    d2 = d1.groupby(episode).diff(window) / window
    return d1.to_numpy().T.copy(), d2.to_numpy().T.copy()


def episode_cumsum(values, starts, ends):
    """(C, rows): ``long.groupby(episode).cumsum()`` (NaN stays NaN and is skipped)."""
    frame, episode = _long(values, starts, ends)
    return frame.groupby(episode).cumsum().to_numpy().T.copy()


def episode_stats(values, starts, ends):
    """(first, sum, min, max), each (C, episodes): ``long.groupby(episode).agg(...)``,
    NaN skipped (an all-NaN sum is 0, the others NaN). pandas sums an episode's rows in
    order (``np.add.reduceat`` over the contiguous groups), not with ``cumsum``'s Kahan."""
    frame, episode = _long(values, starts, ends)
    g = frame.groupby(episode)
    k, c = len(starts), values.shape[0]
    out = []
    with np.errstate(invalid="ignore"):  # inf - inf in a sum is NaN, as in every backend
        stats = (g.first(), g.sum(), g.min(), g.max())
    for stat in stats:
        full = stat.reindex(range(k)).to_numpy().T if k else np.empty((c, 0))
        out.append(np.ascontiguousarray(full, dtype=np.float64))
    return tuple(out)
