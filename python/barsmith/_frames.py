"""Frames users hold: polars and pyarrow objects in, polars out on request.

Every public function is wrapped in :func:`accepts_frames`. A polars
``DataFrame``/``LazyFrame``/``Series`` or a pyarrow ``Table``/``RecordBatch``/
``Array``/``ChunkedArray`` argument becomes a pandas object over the same Arrow
buffers (``ArrowDtype`` columns, no copy), which the fronts read as they read
pandas' own Arrow dtypes (``_input``). polars and pyarrow stay optional: an
argument's type names its library, so neither is imported for pandas input.

Output is pandas unless polars is asked for: ``output="polars"`` on a call,
:func:`use_output` in a block, or :func:`set_output` for the process. A frame's
index becomes its first column (polars has no index); a Series' index is dropped.
The way back holds too: a polars or Arrow frame's ``ts`` column of times (where
barsmith's bars keep their start) becomes the DatetimeIndex, so a polars user's
bars go on into functions that read times from the index (``structure``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pandas as pd

__all__ = ["OUTPUTS", "accepts_frames", "as_pandas", "get_output", "set_output", "to_polars", "use_output"]

OUTPUTS = ("pandas", "polars")
F = TypeVar("F", bound=Callable[..., Any])

_default_output = "pandas"
_context_output: contextvars.ContextVar[str | None] = contextvars.ContextVar("barsmith_output", default=None)


def _checked_output(name: Any) -> str:
    if name not in OUTPUTS:
        raise ValueError(f"unknown output {name!r}; choose one of {list(OUTPUTS)}")
    if name == "polars":
        try:
            import polars  # noqa: F401
        except ImportError:
            raise ImportError("output='polars' needs polars: pip install polars") from None
    return name


def get_output() -> str:
    """The active output library: ``use_output`` > ``set_output`` > ``"pandas"``."""
    return _context_output.get() or _default_output


def set_output(name: str) -> None:
    """Return ``"pandas"`` (the default) or ``"polars"`` objects from every function, process-wide.

    >>> barsmith.set_output("polars")
    """
    global _default_output
    _default_output = _checked_output(name)


@contextlib.contextmanager
def use_output(name: str) -> Iterator[str]:
    """Return ``name`` objects inside a ``with`` block; other threads are not affected.

    >>> with barsmith.use_output("polars"):
    ...     bars = barsmith.bars.time_bars(trades_pl, "5s")   # a polars DataFrame
    """
    token = _context_output.set(_checked_output(name))
    try:
        yield name
    finally:
        _context_output.reset(token)


def as_pandas(x: Any) -> Any:
    """``x`` as pandas when it is a polars or pyarrow object (zero-copy, Arrow-backed), else ``x``."""
    module = type(x).__module__
    if module.startswith("polars"):
        return _from_polars(x)
    if module.startswith("pyarrow"):
        return _from_arrow(x)
    return x


def _from_polars(x: Any) -> Any:
    import polars as pl

    if isinstance(x, pl.LazyFrame):
        x = x.collect()
    if isinstance(x, pl.Series):
        return _from_polars(x.to_frame()).iloc[:, 0]
    if not isinstance(x, pl.DataFrame):
        return x
    # Categoricals as their codes and categories: polars' own Arrow export of them
    # rebuilds every dictionary (150 ms for 10M rows); its codes are a view.
    categorical = [name for name, dtype in x.schema.items() if isinstance(dtype, (pl.Categorical, pl.Enum))]
    categories = {name: _categories(x.schema[name]).to_arrow() for name in categorical}
    if categorical:
        x = x.with_columns(pl.col(categorical).to_physical())
    # the newest Arrow layout is polars' own (string views): the strings are not converted
    table = x.to_arrow(compat_level=pl.CompatLevel.newest())
    for name in categorical:
        at = table.schema.get_field_index(name)
        table = table.set_column(at, name, _dictionary(table[name], categories[name]))
    return _from_arrow(table)


def _categories(dtype: Any) -> Any:
    """The strings a polars Categorical's or Enum's codes index, in code order."""
    import polars as pl

    return dtype.categories if isinstance(dtype, pl.Enum) else dtype.categories.to_series()


def _dictionary(codes: Any, categories: Any) -> Any:
    """Dictionary-encoded chunks over ``codes`` (a ChunkedArray of integers), no copy."""
    import pyarrow as pa

    # safe=False: the codes are not validated here; the code readers bounds-check them
    chunks = [pa.DictionaryArray.from_arrays(chunk, categories, safe=False) for chunk in codes.chunks]
    return pa.chunked_array(chunks, type=pa.dictionary(codes.type, categories.type))


def _from_arrow(x: Any) -> Any:
    import pyarrow as pa

    if isinstance(x, pa.RecordBatch):
        x = pa.Table.from_batches([x])
    if isinstance(x, pa.Table):
        # a table written from pandas keeps its index in the schema's metadata: restored
        frame = x.to_pandas(types_mapper=pd.ArrowDtype, self_destruct=False, split_blocks=True)
        if isinstance(frame.index, pd.RangeIndex) and INDEX_COLUMN in frame.columns:
            if pa.types.is_timestamp(x.schema.field(INDEX_COLUMN).type):
                frame = frame.set_index(INDEX_COLUMN)
        if isinstance(frame.index.dtype, pd.ArrowDtype) and pa.types.is_timestamp(frame.index.dtype.pyarrow_dtype):
            frame.index = _datetime_index(frame.index)
        return frame
    if isinstance(x, (pa.Array, pa.ChunkedArray)):
        return pd.Series(pd.arrays.ArrowExtensionArray(x), copy=False)
    return x


INDEX_COLUMN = "ts"


def _datetime_index(index: pd.Index) -> pd.DatetimeIndex:
    """An Arrow timestamp index as pandas' own DatetimeIndex (one conversion, of the index only)."""
    t = index.dtype.pyarrow_dtype
    dtype = f"datetime64[{t.unit}, {t.tz}]" if t.tz else f"datetime64[{t.unit}]"
    return pd.DatetimeIndex(index.astype(dtype), name=index.name)


def to_polars(result: Any) -> Any:
    """A function's pandas result as polars: frames with their index as the first column,
    Series as Series, tuples element by element; anything else as it is."""
    import polars as pl

    if isinstance(result, pd.DataFrame):
        unnamed_range = isinstance(result.index, pd.RangeIndex) and result.index.name is None
        return pl.from_pandas(result if unnamed_range else result.reset_index())
    if isinstance(result, pd.Series):
        return pl.from_pandas(result.reset_index(drop=True))
    if isinstance(result, tuple):
        converted = [to_polars(r) for r in result]
        return type(result)(*converted) if hasattr(result, "_fields") else tuple(converted)
    if inspect.isgenerator(result):
        return (to_polars(r) for r in result)
    return result


def accepts_frames(func: F) -> F:
    """Reads polars and pyarrow arguments as pandas (:func:`as_pandas`) and returns the
    output library asked for (``output=`` on the call, else :func:`get_output`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, output: str | None = None, **kwargs: Any) -> Any:
        args = tuple(as_pandas(a) for a in args)
        kwargs = {k: as_pandas(v) for k, v in kwargs.items()}
        how = get_output() if output is None else _checked_output(output)
        result = func(*args, **kwargs)
        return result if how == "pandas" else to_polars(result)

    signature = inspect.signature(func)
    params = list(signature.parameters.values())
    extra = inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="str | None")
    at = next((i for i, p in enumerate(params) if p.kind == inspect.Parameter.VAR_KEYWORD), len(params))
    wrapper.__signature__ = signature.replace(parameters=[*params[:at], extra, *params[at:]])  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
