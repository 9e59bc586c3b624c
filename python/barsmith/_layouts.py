"""The layouts a column or a frame arrives in, for the tests and benchmarks that prove
every one of them reads as the NumPy path does, and about as fast.

Not used by the library itself: it builds inputs, it does not read them (``_input``
and ``_frames`` do). pyarrow and polars are imported where a layout needs them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# one-character codes (a trade's side, a book event's action) in every string layout
CODE_LAYOUTS = (
    "str", "object", "string[python]", "string[pyarrow]", "arrow string", "arrow large_string",
    "arrow string_view", "arrow dictionary", "categorical, reordered", "bytes S1", "unicode U1", "unicode U3",
)  # fmt: skip


def code_column(values: pd.Series, layout: str) -> Any:
    """``values`` (codes as categorical, str or object; missing as None/NaN) in ``layout``,
    with the same index (NumPy layouts have none)."""
    import pyarrow as pa

    text = values.to_numpy(dtype=object, na_value=None).copy()
    text[pd.isna(text)] = None
    index = values.index

    def arrow(array: Any) -> pd.Series:
        return pd.Series(pd.arrays.ArrowExtensionArray(array), index=index)

    if layout in ("str", "object", "string[python]", "string[pyarrow]"):
        dtype = {"str": "str", "object": object, "string[python]": pd.StringDtype("python"),
                 "string[pyarrow]": "string[pyarrow]"}[layout]  # fmt: skip
        return pd.Series(text, dtype=dtype, index=index)
    if layout == "arrow string":
        return arrow(pa.array(text, pa.string()))
    if layout == "arrow large_string":
        return arrow(pa.array(text, pa.large_string()))
    if layout == "arrow string_view":
        return arrow(pa.array(text, pa.string_view()))
    if layout == "arrow dictionary":
        return arrow(pa.array(text, pa.string()).dictionary_encode())
    if layout == "categorical, reordered":  # categories in an order of their own, one unused
        categories = sorted({v for v in text if v is not None}, reverse=True) + ["Q"]
        return pd.Series(pd.Categorical(text, categories=categories), index=index)
    if layout in ("bytes S1", "unicode U1", "unicode U3"):
        return np.asarray(text.astype(str), dtype={"bytes S1": "S1", "unicode U1": "<U1", "unicode U3": "<U3"}[layout])
    raise ValueError(f"unknown layout {layout!r}; choose one of {list(CODE_LAYOUTS)}")


def to_polars(df: pd.DataFrame) -> Any:
    """A frame as polars, its ``ts`` index (bars, OHLC) as a column as barsmith writes it."""
    import polars as pl

    return pl.from_pandas(df.reset_index() if df.index.name == "ts" else df)


def trade_frames(trades: pd.DataFrame) -> dict[str, Any]:
    """The trades (categorical side) as users hold them: every side layout, integer signs,
    polars with a String and with a Categorical side, a pyarrow table."""
    import pyarrow as pa

    from ._input import to_side

    frames: dict[str, Any] = {"categorical": trades, "int8 signs": trades.assign(side=to_side(trades["side"]))}
    for layout in CODE_LAYOUTS:
        if layout != "categorical, reordered":
            frames[layout] = trades.assign(side=code_column(trades["side"], layout))
    frames["polars String"] = to_polars(trades.assign(side=code_column(trades["side"], "object")))
    frames["polars Categorical"] = to_polars(trades)
    frames["pyarrow table (string)"] = pa.Table.from_pandas(frames["arrow string"], preserve_index=False)
    return frames
