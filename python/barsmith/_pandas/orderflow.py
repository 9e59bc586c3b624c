"""Order flow in pandas/NumPy (the oracle). Read beside ``rust/core/src/orderflow.rs``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer


def trade_signs(price, mid):
    """Tick rule, or Lee-Ready against ``mid`` (tick rule at the mid or where it is NaN)."""
    change = np.sign(np.diff(price, prepend=np.nan))
    tick = pd.Series(change).replace(0.0, np.nan).ffill().fillna(0.0).to_numpy()
    if len(mid) == 0:
        return tick.astype(np.int8)
    quote = np.sign(price - mid)  # NaN where mid is NaN
    return np.where(quote > 0, 1, np.where(quote < 0, -1, tick)).astype(np.int8)


@np.errstate(over="ignore", invalid="ignore")  # a running sum beyond 1.8e308 is inf (then NaN), as in the loops
def cvd(size, sign, period):
    """Running sum of ``size * sign``, restarting whenever ``period`` changes."""
    signed = size * sign
    if len(period) == 0:
        return np.cumsum(signed)
    # One np.cumsum per period (sequential, like the Rust and Numba loops;
    # groupby().cumsum() would use Kahan summation).
    starts = np.flatnonzero(np.diff(period)) + 1
    return np.concatenate([np.cumsum(part) for part in np.split(signed, starts)])


def trade_flow(decay, size, sign):
    """(4, len): buy, sell, ratio, imbalance, with ``decay[i]`` the factor since the previous
    trade (``2 ** (-ts.diff() / half_life)``, from the front)::

        buy[i] = buy[i - 1] * decay[i] + size[i] * (sign[i] == 1)      # sell: sign == -1
        ratio = buy / sell;  imbalance = (buy - sell) / (buy + sell)

    The recurrence is a state machine (a loop)."""
    n = len(decay)
    buys, sells = np.where(sign == 1, size, 0.0), np.where(sign == -1, size, 0.0)
    buy, sell = np.empty(n), np.empty(n)
    b = s = 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf and NaN are the answers
        for i in range(n):
            b, s = b * decay[i] + buys[i], s * decay[i] + sells[i]
            buy[i], sell[i] = b, s
        return np.stack([buy, sell, buy / sell, (buy - sell) / (buy + sell)])


@np.errstate(over="ignore", invalid="ignore")  # volumes summing beyond 1.8e308 are inf, as in the loops
def volume_profile(period, level, volume, value_area, node_window):
    """(period, level, volume, flags): per period, the volume at each traded level::

        profile = frame.groupby(["period", "level"]).volume.sum()    # summed in row order here
        poc = profile.groupby("period").idxmax()                        # the lowest of equals
        high_node = (profile == profile.rolling(2w + 1, center=True, min_periods=1).max()) & (profile > mean)

    flags: 1 point of control, 2 value area (grown from the POC toward the larger
    neighbour, up on ties, until it holds ``value_area`` of the volume: a loop), 4 high-
    and 8 low-volume node. Sums run in row order (``np.bincount``), as the other backends
    add; pandas' groupby sum compensates (Kahan) and would differ in the last bits."""
    order = np.lexsort((level, period))  # stable: by period, then level, then row
    p, lv, v = period[order], level[order], volume[order]
    new = np.concatenate([[True], (p[1:] != p[:-1]) | (lv[1:] != lv[:-1])])[: len(p)]
    group = np.cumsum(new) - 1
    out_period, out_level = p[new], lv[new]
    out_volume = np.bincount(group, weights=v, minlength=int(new.sum())) if len(v) else np.empty(0)
    profile = pd.Series(out_volume)
    window = 2 * node_window + 1
    flags = np.zeros(len(out_volume), dtype=np.int8)
    starts = np.flatnonzero(np.concatenate([[True], out_period[1:] != out_period[:-1]])[: len(out_period)])
    for a, b in zip(starts, [*starts[1:], len(out_period)]):
        vol = profile.iloc[a:b]
        poc = int(np.argmax(vol.to_numpy()))
        total = np.cumsum(vol.to_numpy())[-1]  # sequential, as the loops add
        lo, hi, held = poc, poc, vol.iloc[poc]
        while held < value_area * total and (lo > 0 or hi + 1 < len(vol)):  # grows level by level: a loop
            up = vol.iloc[hi + 1] if hi + 1 < len(vol) else -1.0
            down = vol.iloc[lo - 1] if lo > 0 else -1.0
            if up >= down:
                hi, held = hi + 1, held + up
            else:
                lo, held = lo - 1, held + down
        mean = total / len(vol)
        largest = vol == vol.rolling(window, center=True, min_periods=1).max()
        smallest = vol == vol.rolling(window, center=True, min_periods=1).min()
        position = np.arange(len(vol))
        flags[a:b] = ((position == poc) * 1 + ((lo <= position) & (position <= hi)) * 2
                      + (largest & (vol > mean)).to_numpy() * 4 + (smallest & (vol < mean)).to_numpy() * 8)  # fmt: skip
    return out_period, out_level, out_volume, flags


class _Bounds(BaseIndexer):
    """pandas' custom windows: row ``i`` aggregates rows ``[start[i], end[i])``."""

    def get_window_bounds(self, num_values=0, min_periods=None, center=None, closed=None, step=None):
        return self.start, self.end


def rolling_quantile(x, start, end, quantile, min_periods):
    """The quantile (linear interpolation) of each window ``[start[i], end[i])``::

        pd.Series(x).rolling(window_of(start, end), min_periods=min_periods).quantile(quantile)
    """
    windows = _Bounds(start=start, end=end)
    return pd.Series(x).rolling(windows, min_periods=min_periods).quantile(quantile).to_numpy()


def trade_events(ts, price, size, sign):
    """Per trade, the distinct prices and total size of its event (consecutive trades with
    the same timestamp and sign)::

        event = ((ts.diff() != 0) | (sign.diff() != 0)).cumsum()
        levels = price.groupby(event).transform("nunique")

    The size sums run in row order (``np.bincount``), as the loops add."""
    new = np.concatenate([[True], (ts[1:] != ts[:-1]) | (sign[1:] != sign[:-1])])[: len(ts)]
    event = np.cumsum(new) - 1
    levels = pd.Series(price).groupby(event).transform("nunique").to_numpy(np.int64)
    event_size = np.bincount(event, weights=size)[event] if len(ts) else np.empty(0)
    return levels, event_size
