"""Turning kernel outputs into the frames users get."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def output_frame(columns: Mapping[str, Any], index: pd.Index) -> pd.DataFrame:
    """A DataFrame over kernel outputs without copying them.

    Built the default way, pandas copies every column into one block per dtype: 0.3 ms
    for four columns of 100k rows, as long as some kernels take. Kernel outputs are fresh
    arrays nobody else holds, so the frame can own them. One that is read-only (a view of
    a frozen input) is copied, so the frame is always the user's to write to and writing
    never reaches their input.
    """
    owned = {name: _owned(values) for name, values in columns.items()}
    return pd.DataFrame(owned, index=index, copy=False)


def output_series(values: Any, index: pd.Index, name: Any) -> pd.Series:
    """A Series over one kernel output without copying it, as :func:`output_frame`.

    pandas 3 copies a NumPy array into a new Series by default: 1.4 ms for 1M float64,
    half of what a rolling mean takes."""
    return pd.Series(_owned(values), index=index, name=name, copy=False)


def _owned(values: Any) -> Any:
    """``values`` for a pandas object to own: a copy when read-only (a view of a frozen input)."""
    return values.copy() if isinstance(values, np.ndarray) and not values.flags.writeable else values
