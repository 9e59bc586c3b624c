"""What the indicator kernels share: TA-Lib's fma and zero tests, pandas' ewm and
rolling window states, and the runs between NaN where TA-Lib restarts. Read beside
``rust/core/src/indicators/streaming.rs``.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import intrinsic

from .._jit import inline, jit


PANDAS, TALIB = 0, 1


@intrinsic
def fma(typingctx, x, y, z):
    """``x * y + z`` rounded once (IEEE fma), as TA-Lib's FMA build computes its EMA and
    ATR steps: one instruction on a CPU with FMA, else the libm call (the same bits)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@jit
def _ewm_mean(x, com, min_periods, out):
    """pandas ``ewm(com=com, adjust=False, ignore_na=False, min_periods=...).mean()``, step for step."""
    st = _ewm_new(com, min_periods)
    for i in range(len(x)):
        st, out[i] = _ewm_update(st, x[i])


@inline
def _ewm_new(com, min_periods):
    """One ewm chain's state (a tuple Numba keeps in registers, like Rust's ``Ewm``):
    com, old_wt_factor, new_wt, min_periods, weighted, old_wt, nobs, started."""
    alpha = 1.0 / (1.0 + com)
    return (com, 1.0 - alpha, alpha, max(min_periods, 1), np.nan, 1.0, 0, False)


@inline
def _pandas_window_value(v):
    """What pandas' ``rolling`` and ``ewm`` see of a value: +-inf as missing (NaN)."""
    return v if np.isfinite(v) else np.nan


@inline
def _ewm_combine(old_wt, new_wt, weighted, cur):
    """pandas' ``(old_wt * weighted + new_wt * cur) / (old_wt + new_wt)``."""
    total = old_wt + new_wt
    combined = old_wt * weighted + new_wt * cur
    # steady state: (1 - alpha) + alpha is exactly 1, a division by it changes no bit
    return combined if total == 1.0 else combined / total


@inline
def _ewm_update(st, cur):
    com, factor, new_wt, min_periods, weighted, old_wt, nobs, started = st
    if old_wt == 1.0 and nobs >= min_periods and np.isfinite(cur) and not np.isnan(weighted):
        # steady (every value observed since the start, past min_periods): the general
        # steps below reduce to this, and the short path keeps the recursion tight
        if weighted != cur:
            take = 1.0 - factor if com == 1.0 else new_wt
            weighted = _ewm_combine(factor, take, weighted, cur)
        return (com, factor, new_wt, min_periods, weighted, old_wt, nobs + 1, started), weighted
    cur = _pandas_window_value(cur)
    is_obs = not np.isnan(cur)
    nobs += is_obs
    if not started:
        started = True  # the first value starts the average, observed or not
        weighted = cur
    elif not np.isnan(weighted):
        old_wt *= factor
        if is_obs:
            if weighted != cur:
                if com == 1.0:
                    new_wt = 1.0 - old_wt  # pandas' update for irregular intervals, applied at com == 1
                weighted = _ewm_combine(old_wt, new_wt, weighted, cur)
            old_wt = 1.0
    elif is_obs:
        weighted = cur
    out = weighted if nobs >= min_periods else np.nan
    return (com, factor, new_wt, min_periods, weighted, old_wt, nobs, started), out


@inline
def _com_of_span(n):
    return (n - 1.0) / 2.0


@inline
def _com_of_alpha(alpha):
    return (1.0 - alpha) / alpha


# A pandas rolling window is a state tuple, moved by ``_*_slide`` to end at row i: pandas
# starts afresh when the window is disjoint from the previous one (the first row, or
# n == 1), else removes the leaving value first and then adds the new one.


@inline
def _ewm_steady(st):
    """``(steady, keep, take, weighted)``: once steady (a value, every value since observed,
    past min_periods, weights summing to exactly 1), pandas' step for a finite value is
    ``_ewm_steady_step`` (rust's ``SteadyEwm``); kernels run it in bare loops."""
    com, factor, new_wt, min_periods, weighted, old_wt, nobs, started = st
    take = 1.0 - factor if com == 1.0 else new_wt
    steady = old_wt == 1.0 and nobs >= min_periods and not np.isnan(weighted) and factor + take == 1.0
    return steady, factor, take, weighted


@inline
def _ewm_steady_step(keep, take, weighted, cur):
    """pandas' combine when steady: its total is exactly 1, so no division; an average equal to the value stays."""
    if weighted != cur:
        weighted = keep * weighted + take * cur
    return weighted


@inline
def _ewm_advanced(st, weighted, rows):
    """The state after ``rows`` steady steps that ended at ``weighted``."""
    com, factor, new_wt, min_periods, _, old_wt, nobs, started = st
    return (com, factor, new_wt, min_periods, weighted, old_wt, nobs + rows, started)


@inline
def _sum_new(first):
    """pandas' ``roll_sum``/``roll_mean`` state: sum, comp_add, comp_remove (Kahan, separate
    for adding and removing), nobs, neg (count of negative values), same_run, prev."""
    return (0.0, 0.0, 0.0, 0, 0, 0, first)


@inline
def _sum_add(st, v):
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    y = v - comp_add
    t = total + y
    comp_add = t - total - y
    same_run = same_run + 1 if v == prev else 1
    return (t, comp_add, comp_remove, nobs + 1, neg + np.signbit(v), same_run, v)


@inline
def _sum_remove(st, v):
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    y = -v - comp_remove
    t = total + y
    comp_remove = t - total - y
    return (t, comp_add, comp_remove, nobs - 1, neg - np.signbit(v), same_run, prev)


@inline
def _sum_slide(st, x, i, n):
    if i == 0 or n == 1:
        st = _sum_new(x[i])
    elif i >= n:
        st = _sum_remove(st, x[i - n])
    return _sum_add(st, x[i])


@inline
def _sum_mean(st, min_periods):
    """The value itself for a run of identical values, 0 for a mean whose sign contradicts every value."""
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if nobs < min_periods or nobs == 0:
        return np.nan
    mean = total / nobs
    if same_run >= nobs:
        return prev
    if (neg == 0 and mean < 0.0) or (neg == nobs and mean > 0.0):
        return 0.0
    return mean


@inline
def _sum_total(st, min_periods):
    """``rolling(n, min_periods=n).sum()``: ``value * count`` for a run of identical values."""
    total, comp_add, comp_remove, nobs, neg, same_run, prev = st
    if nobs < min_periods or nobs == 0:
        return np.nan
    if same_run >= nobs:
        return prev * nobs
    return total


@inline
def _var_new():
    """pandas 3's ``roll_var`` state: nobs, mean, ssqdm, comp_add, comp_remove, unstable
    (Welford with a Kahan-compensated mean, and its numerically-unstable flag as 0/1)."""
    return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


# pandas' InvCondTol: an update leaving fewer than about 3 significant digits
INV_COND_TOL = np.finfo(np.float64).eps * 1e3


@inline
def _var_add(st, v):
    nobs, mean, ssqdm, comp_add, comp_remove, unstable = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    before = ssqdm
    nobs += 1.0
    prev_mean = mean - comp_add
    y = v - comp_add
    t = y - mean
    comp_add = t + mean - y
    mean += t / nobs
    ssqdm += (v - prev_mean) * (v - mean)
    if before * INV_COND_TOL > ssqdm:
        unstable = 1.0
    return (nobs, mean, ssqdm, comp_add, comp_remove, unstable)


@inline
def _var_remove(st, v):
    nobs, mean, ssqdm, comp_add, comp_remove, unstable = st
    if not np.isfinite(v):  # pandas sees +-inf as missing
        return st
    before = ssqdm
    nobs -= 1.0
    if nobs != 0.0:
        prev_mean = mean - comp_remove
        y = v - comp_remove
        t = y - mean
        comp_remove = t + mean - y
        mean -= t / nobs
        ssqdm -= (v - prev_mean) * (v - mean)
        if before * INV_COND_TOL > ssqdm:
            unstable = 1.0
    else:  # emptied: the compensations stay, the flag clears
        mean = 0.0
        ssqdm = 0.0
        unstable = 0.0
    return (nobs, mean, ssqdm, comp_add, comp_remove, unstable)


@jit
def _var_slide(st, x, i, n):
    """pandas' step to the window ending at ``i``: remove the leaving value, add ``x[i]``,
    then rebuild the window from its values if either left it numerically unstable."""
    if i == 0 or n == 1:
        st = _var_new()
    elif i >= n:
        st = _var_remove(st, x[i - n])
    st = _var_add(st, x[i])
    if st[5]:
        st = _var_new()
        for j in range(max(i + 1 - n, 0), i + 1):
            st = _var_add(st, x[j])
        st = (st[0], st[1], st[2], st[3], st[4], 0.0)
    return st


@inline
def _var_std(st, min_periods, ddof):
    """``rolling(n).std(ddof)``: 0 for one value; pandas' zsqrt."""
    nobs, ssqdm = st[0], st[2]
    if nobs < min_periods or nobs <= ddof:
        return np.nan
    var = 0.0 if nobs == 1.0 else ssqdm / (nobs - ddof)
    return 0.0 if var < 0.0 else np.sqrt(var)


@jit
def _nan_between_runs(runs, out):
    """NaN in ``out`` outside ``runs``; the run kernels write every row of their runs, so
    each output row is written once (a NaN fill of the whole output first costs a pass)."""
    done = 0
    for a, b in runs:
        out[done:a] = np.nan
        done = b
    out[done:] = np.nan


@jit
def _runs(valid):
    """(k, 2): the runs [a, b) of consecutive True in ``valid`` (TA-Lib's recursions restart after NaN)."""
    edges = np.empty((len(valid) + 1) // 2 + 1, dtype=np.int64)
    out = np.empty((len(edges), 2), dtype=np.int64)
    k = 0
    a = 0
    n = len(valid)
    while a < n:
        if not valid[a]:
            a += 1
            continue
        b = a
        while b < n and valid[b]:
            b += 1
        out[k, 0] = a
        out[k, 1] = b
        k += 1
        a = b
    return out[:k]


@inline
def _talib_is_zero(v):
    return -1e-14 < v < 1e-14


@inline
def _talib_is_zero_scaled(v, scale):
    """TA-Lib 0.8.1's ``TA_IS_ZERO_SCALED``: a difference of prices within 1e-14 of their size."""
    return abs(v) <= 1e-14 * scale


@inline
def _talib_flat_window(hh, ll):
    """A window whose highest high and lowest low are one price (WILLR, STOCH)."""
    return _talib_is_zero_scaled(hh - ll, abs(hh) + abs(ll))
