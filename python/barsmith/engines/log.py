"""``EventLog``: the engines' events, buffered and flushed every ``flush_every`` bars to
parquet (one part file per flush, each written atomically), or kept as a DataFrame.

A backtest that wrote a JSON line per bar spent its time in the log; here events arrive as
columns (no object per event) and reach disk in a few large writes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .._args import positive_int
from .._files import pyarrow_parquet, write_parquet

# an event log's columns, in this order (docs/features.md)
LOG_COLUMNS = ("bar", "ts", "timeframe", "engine", "kind", "side", "level", "ref", "tf_bar")
_DTYPES = {"bar": np.int64, "side": np.int64, "level": np.float64, "ref": np.int64, "tf_bar": np.int64}


class Vocabulary:
    """Names a log holds as small integer codes (engine names, event kinds): a log column
    of them is a categorical built without a Python object per event, and its categories
    are the same in every frame and part, so frames concatenate as categoricals."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, name: str) -> int:
        """The code of ``name`` (registered on first use: engines register theirs on import)."""
        if name not in self._codes:
            self._codes[name] = len(self.names)
            self.names.append(name)
        return self._codes[name]

    def categorical(self, codes: Any) -> pd.Categorical:
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), dtype=pd.CategoricalDtype(self.names))

    def strings(self, codes: np.ndarray) -> np.ndarray:
        """The names of ``codes`` as an object array (the same string objects, none made)."""
        return np.asarray(self.names, dtype=object)[codes]


ENGINE_CODES, KIND_CODES = Vocabulary(), Vocabulary()


def empty_columns() -> dict[str, np.ndarray]:
    """No events, as columns (the names as codes)."""
    return {c: np.empty(0, dtype=_DTYPES.get(c, np.int64)) for c in LOG_COLUMNS}


def log_frame(columns: dict[str, Any], timeframes: tuple[str, ...]) -> pd.DataFrame:
    """Events as columns (``LOG_COLUMNS``, arrays or lists; ``engine`` and ``kind`` as codes
    of ``ENGINE_CODES`` and ``KIND_CODES``, ``timeframe`` as positions in ``timeframes``) as
    the log's DataFrame: ``ts`` UTC times, ``timeframe``/``engine``/``kind`` categoricals,
    the rest numbers."""
    ns = np.asarray(columns["ts"], dtype=np.int64).view("datetime64[ns]")
    return pd.DataFrame({
        "bar": np.asarray(columns["bar"], dtype=np.int64),
        "ts": pd.DatetimeIndex(ns).tz_localize("UTC"),
        "timeframe": pd.Categorical.from_codes(np.asarray(columns["timeframe"], dtype=np.int64),
                                               dtype=pd.CategoricalDtype(list(timeframes))),
        "engine": ENGINE_CODES.categorical(columns["engine"]),
        "kind": KIND_CODES.categorical(columns["kind"]),
        **{c: np.asarray(columns[c], dtype=_DTYPES[c]) for c in ("side", "level", "ref", "tf_bar")},
    })  # fmt: skip


class EventLog:
    """Events collected in memory, or flushed to ``path`` (a folder of parquet parts)
    every ``flush_every`` bars read; :meth:`frame` gives the whole log either way.

    >>> log = barsmith.engines.EventLog("runs/eth/events", flush_every=1000)
    >>> barsmith.engines.replay(bars, log=log)
    >>> barsmith.engines.EventLog.read("runs/eth/events")
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, flush_every: int = 1000):
        self.path = None if path is None else Path(path)
        self.flush_every = positive_int(flush_every, "flush_every")
        if self.path is not None:
            pyarrow_parquet()  # fail now, not at the first flush, when pyarrow is missing
            if self.path.exists() and any(self.path.glob("part-*.parquet")):
                raise FileExistsError(f"{self.path} already holds an event log; choose a new folder or remove it")
        self._buffer: list[dict[str, list]] = []
        self._parts = 0
        self._bars = 0  # bars read
        self._next_flush = self.flush_every  # the bar count at which the next flush happens
        self._kept: list[pd.DataFrame] = []  # flushed frames, without a path
        self.timeframes: tuple[str, ...] = ()  # the categories of its timeframe column, set by its stack

    def add(self, columns: dict[str, Any], bars: int) -> None:
        """Events as columns (``LOG_COLUMNS``, ``bar`` counting the bars read, in order)
        over ``bars`` more bars; written each time ``flush_every`` more bars are read, the
        events of later bars kept for the next flush. In memory they wait for :meth:`frame`."""
        end = self._bars + bars
        if self.path is None:
            self._keep(columns, 0, len(columns["bar"]))
            self._bars = end
            return
        at = np.asarray(columns["bar"], dtype=np.int64)
        taken = 0
        while self._next_flush <= end:
            cut = int(np.searchsorted(at, self._next_flush))  # the events of bars before the flush point
            self._keep(columns, taken, cut)
            self.flush()
            taken = cut
            self._next_flush += self.flush_every
        self._keep(columns, taken, len(at))
        self._bars = end

    @property
    def bars(self) -> int:
        """The bars read so far."""
        return self._bars

    def _keep(self, columns: dict[str, Any], start: int, stop: int) -> None:
        if stop > start:
            self._buffer.append({c: columns[c][start:stop] for c in LOG_COLUMNS})

    def flush(self) -> None:
        """Write (or keep) the buffered events now."""
        if not self._buffer:
            return
        frame = log_frame({c: np.concatenate([np.asarray(part[c]) for part in self._buffer]) for c in LOG_COLUMNS},
                          self.timeframes)
        self._buffer = []
        if self.path is None:
            self._kept.append(frame)
        else:
            write_parquet(frame, self.path / f"part-{self._parts:06d}.parquet")
            self._parts += 1

    def frame(self) -> pd.DataFrame:
        """Every event logged so far, oldest first (flushing the buffer)."""
        self.flush()
        if self.path is not None:
            return self.read(self.path)
        return pd.concat(self._kept, ignore_index=True) if self._kept else log_frame(empty_columns(), self.timeframes)

    @staticmethod
    def read(path: str | os.PathLike[str]) -> pd.DataFrame:
        """The log written under ``path``, its parts in order."""
        pq = pyarrow_parquet()
        parts = sorted(Path(path).glob("part-*.parquet"))
        if not parts:
            return log_frame(empty_columns(), ())
        return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)

    def __repr__(self) -> str:
        where = "in memory" if self.path is None else str(self.path)
        return f"EventLog({where}, flush_every={self.flush_every})"




class LogEvent(NamedTuple):
    """One row of an event log: the engine ``Event`` of a timeframe's bar (``tf_bar``, its
    position in that timeframe), seen on base bar ``bar`` at ``ts``."""

    bar: int
    ts: int
    timeframe: str
    engine: str
    kind: str
    side: int
    level: float
    ref: int
    tf_bar: int


def event_columns(events: list[LogEvent], timeframes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``LogEvent``s (``update``'s) as the log's columns, the names as codes."""
    return {
        "bar": np.array([e.bar for e in events], dtype=np.int64),
        "ts": np.array([e.ts for e in events], dtype=np.int64),
        "timeframe": np.array([timeframes.index(e.timeframe) for e in events], dtype=np.int64),
        "engine": np.array([ENGINE_CODES.code(e.engine) for e in events], dtype=np.int64),
        "kind": np.array([KIND_CODES.code(e.kind) for e in events], dtype=np.int64),
        "side": np.array([e.side for e in events], dtype=np.int64),
        "level": np.array([e.level for e in events], dtype=np.float64),
        "ref": np.array([e.ref for e in events], dtype=np.int64),
        "tf_bar": np.array([e.tf_bar for e in events], dtype=np.int64),
    }
