"""Fair value gaps and when they are mitigated. Read beside
``rust/core/src/structure/gaps.rs`` and ``_pandas/structure.py``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from .search import _first_reaching


@jit
def fvg(open_, high, low, close, join_consecutive):
    n = len(high)
    out = np.full((4, n), np.nan)
    kind, top, bottom, mitigated = out[0], out[1], out[2], out[3]
    for i in range(1, n - 1):
        up = close[i] > open_[i]
        gap = (high[i - 1] < low[i + 1]) if up else (low[i - 1] > high[i + 1] and close[i] < open_[i])
        if gap:
            kind[i] = 1.0 if up else -1.0
            top[i] = low[i + 1] if up else low[i - 1]
            bottom[i] = high[i - 1] if up else high[i + 1]
    if join_consecutive:
        for i in range(n - 1):
            if kind[i] == kind[i + 1]:
                top[i + 1] = max(top[i], top[i + 1])
                bottom[i + 1] = min(bottom[i], bottom[i + 1])
                kind[i] = np.nan
                top[i] = np.nan
                bottom[i] = np.nan
    gaps = np.flatnonzero(~np.isnan(kind))
    up = kind[gaps] != 1.0  # a bullish gap is mitigated downward, to its top
    levels = np.where(up, bottom[gaps], top[gaps])
    found = _first_reaching(high, low, gaps + 2, levels, up, False)
    for q in range(len(gaps)):
        mitigated[gaps[q]] = max(found[q], 0)
    return out


@jit
def fvg_causal(open_, high, low, close, join_consecutive):
    """See ``rust/core/src/structure/gaps.rs``."""
    n = len(high)
    raw = fvg(open_, high, low, close, False)
    listed = fvg(open_, high, low, close, True) if join_consecutive else raw
    out = np.full((5, n), np.nan)
    out[4, :] = 0.0
    run_top = np.nan
    run_bottom = np.nan
    for i in range(n):
        if np.isnan(raw[0, i]):
            continue
        if join_consecutive and i > 0 and raw[0, i - 1] == raw[0, i]:
            run_top = max(run_top, raw[1, i])
            run_bottom = min(run_bottom, raw[2, i])
        else:
            run_top = raw[1, i]
            run_bottom = raw[2, i]
        out[0, i + 1] = raw[0, i]
        out[1, i + 1] = run_top
        out[2, i + 1] = run_bottom
        out[3, i + 1] = i
    for i in range(n):
        j = listed[3, i]
        if not np.isnan(listed[0, i]) and j > 0.0:
            out[4, int(j)] += 1.0
    return out
