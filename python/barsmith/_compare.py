"""Parity measures shared by the tests, the benchmarks and the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd


def max_relative_difference(result: pd.DataFrame, oracle: pd.DataFrame) -> float:
    """Largest ``|a - b| / max(|b|, tiny)`` over float columns, ``inf`` on any structural mismatch.

    Structural mismatches: different shape, index, column names, or any
    difference in integer/datetime columns or in where NaN sits.
    """
    if result.shape != oracle.shape or list(result.columns) != list(oracle.columns):
        return float("inf")
    if not result.index.equals(oracle.index):
        return float("inf")
    worst = 0.0
    for name in oracle.columns:
        a, b = result[name].to_numpy(), oracle[name].to_numpy()
        if a.dtype.kind != "f" or b.dtype.kind != "f":
            if not np.array_equal(a, b):
                return float("inf")
            continue
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            return float("inf")
        ok = ~nan_b
        if ok.any():
            diff = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), np.finfo(np.float64).tiny)
            worst = max(worst, float(diff.max()))
    return worst
