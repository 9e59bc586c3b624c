"""What the row engines (``SmcState``, ``HobState``) share: a front that checks bars and
hands them to a core (the Rust state in ``barsmith._core.engines``, or the readable Python
state machine), and the events read off the core's rows by one declarative table.

A core has ``reset()``, ``update((o, h, l, c, v)) -> (row, extras)`` and
``update_many((rows, 5)) -> (rows x columns, extras)``; ``extras`` are tuples ``(what,
...)`` whose fields after ``what`` the engine's table places (SmcState's filled gaps,
mitigated and removed order blocks); ``update_many``'s are the rows of a float array, each
led by the position of its bar in the call (or an empty list, for an engine without).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._bars import Event, check_bar, check_frame, engine_backend, refuse_one_at_a_time
from .log import ENGINE_CODES, KIND_CODES


EXTRAS = -1  # an Emits' ``when`` for the core's extras: each extra of a bar is one event


class Emits(NamedTuple):
    """One kind of event an engine's row shows: on bars where column ``when`` is neither
    NaN nor 0, an event of ``kind`` (or ``(kind if side > 0, kind otherwise)``) whose side is
    column ``side`` (or the constant ``fixed`` when ``side`` is None), whose level is column
    ``level`` (or ``(column if side > 0, column otherwise)``) and whose ``ref`` is column
    ``ref`` (or -1 when None). With ``when=EXTRAS`` the columns are those of the core's
    extras whose ``what`` is ``extra`` (after it: SmcState's filled gaps, say), one event
    per extra."""

    when: int
    kind: str | tuple[str, str]
    level: int | tuple[int, int]
    ref: int | None
    side: int | None = None
    fixed: int = 0
    extra: int = 0


EVENT_COLUMNS = Event._fields


class NumbaPass:
    """A core running an engine's Numba kernel (``barsmith._numba.engines``) over a whole
    pass: ``update_many`` from the first bar, once, as the kernel keeps no state between
    calls. What ``replay(..., backend="numba")`` runs; bar by bar is Rust's."""

    def __init__(self, kernel: str, args: tuple):
        from .._numba import engines as numba_engines

        self._kernel, self._args = getattr(numba_engines, kernel), args
        self.reset()

    def reset(self) -> None:
        self._read = False

    update = staticmethod(refuse_one_at_a_time)

    def update_many(self, values: np.ndarray) -> tuple[np.ndarray, Any]:
        if self._read:
            refuse_one_at_a_time()
        self._read = True
        out = self._kernel(values, *self._args)
        return out if isinstance(out, tuple) else (out, [])


class RowEngine:
    """A checked front over a core; subclasses set ``name``, ``COLUMNS``, ``EMITS`` and
    ``_make_core``, and keep a view of the rows read in ``_remember_row(s)``."""

    name = ""
    PASS_KERNEL = ""  # the engine's kernel in barsmith._numba.engines
    COLUMNS: tuple[str, ...] = ()
    EMITS: tuple[Emits | str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ENGINE_CODES.code(cls.name)  # the log's categories: registered when the engine is defined
        for spec in cls.EMITS:
            for kind in (spec.kind,) if isinstance(spec.kind, str) else spec.kind:
                KIND_CODES.code(kind)

    def __init__(self, backend: str | None):
        self.backend = engine_backend(backend)
        self._core: Any = self._make_core(self.backend)
        self.reset()

    def _make_core(self, backend: str) -> Any:
        raise NotImplementedError

    def _core_args(self) -> tuple:
        raise NotImplementedError

    def _pass_in_numba(self) -> None:
        """Run the next (and only) ``update_many`` in the engine's Numba kernel."""
        self._core = NumbaPass(self.PASS_KERNEL, self._core_args())
        self.reset()

    def _forget(self) -> None:
        """Reset the view kept of rows (beyond the last row, which ``_last`` keeps)."""

    def _remember_row(self, row: list[float]) -> None:
        """Keep what the view shows of one row (after ``update``)."""

    def _remember_rows(self, rows: np.ndarray) -> None:
        """Keep what the view shows of one or more rows (after ``update_many``)."""

    @property
    def last(self) -> dict[str, float]:
        """The last bar's row (``COLUMNS`` to values; NaN before the first bar)."""
        return dict(zip(self.COLUMNS, self._last))

    def reset(self) -> None:
        """Forget every bar: the next bar is the first."""
        self._core.reset()
        self._n = 0
        self._last_ts: int | None = None
        self._last: list[float] = [float("nan")] * len(self.COLUMNS)
        self._forget()

    def update(self, bar: Any) -> list[Event]:
        """Read one bar (a mapping, Series, namedtuple or :class:`Bar` with open, high, low,
        close, volume, ts); return the events it shows (``docs/features.md``)."""
        b = check_bar(bar, self._n, self._last_ts)
        row, extras = self._core.update(b[:5])
        events = self._row_events(self._n, b.ts, row, extras)
        self._remember_row(row)
        self._last = row
        self._n, self._last_ts = self._n + 1, b.ts
        return events

    def update_many(self, bars: pd.DataFrame) -> pd.DataFrame:
        """Read many bars; one row per bar with ``COLUMNS`` (NaN where nothing is shown),
        indexed as ``bars``. The same as calling :meth:`update` on each row."""
        values, ts, index = check_frame(bars, self._n, self._last_ts)
        _, out, _ = self._read_checked(values, ts)
        return pd.DataFrame(out, index=index, columns=list(self.COLUMNS))

    def read_many(self, bars: pd.DataFrame) -> tuple[pd.DataFrame, list[Event]]:
        """:meth:`update_many`'s frame and the events of its bars, in the order
        :meth:`update` on each bar gives them."""
        frame, table = self.read_table(bars)
        return frame, list(map(Event._make, zip(*(table[c].tolist() for c in EVENT_COLUMNS))))

    def read_table(self, bars: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """:meth:`read_many` with the events as columns (``Event``'s fields, each an array),
        built without an object per event."""
        values, ts, index = check_frame(bars, self._n, self._last_ts)
        first, out, extras = self._read_checked(values, ts)
        table = self._rows_events(first, ts, out, extras)
        table["engine"], table["kind"] = ENGINE_CODES.strings(table["engine"]), KIND_CODES.strings(table["kind"])
        return pd.DataFrame(out, index=index, columns=list(self.COLUMNS)), table

    def _read_checked(self, values: np.ndarray, ts: np.ndarray) -> tuple[int, np.ndarray, Any]:
        """Bars already checked (``check_frame``'s arrays): the position of the first, the
        rows and the core's extras. What ``EngineStack`` calls, the bars checked once."""
        out, extras = self._core.update_many(np.ascontiguousarray(values))
        first = self._n
        if len(values):
            self._remember_rows(out)
            self._last = out[-1].tolist()
            self._n, self._last_ts = self._n + len(values), int(ts[-1])
        return first, out, extras

    # -- events: one table, read off one row or off many ------------------------------------------

    def _row_events(self, bar: int, ts: int, row: Any, extras: list[tuple]) -> list[Event]:
        events: list[Event] = []
        for spec in self.EMITS:
            if spec.when == EXTRAS:
                events += [self._event(spec, bar, ts, extra[1:]) for extra in extras if extra[0] == spec.extra]
                continue
            v = row[spec.when]
            if v == v and v != 0:
                events.append(self._event(spec, bar, ts, row))
        return events

    def _event(self, spec: Emits, bar: int, ts: int, row: Any) -> Event:
        side = spec.fixed if spec.side is None else int(row[spec.side])
        kind = spec.kind if isinstance(spec.kind, str) else spec.kind[0 if side > 0 else 1]
        level = row[spec.level if isinstance(spec.level, int) else spec.level[0 if side > 0 else 1]]
        ref = -1 if spec.ref is None else int(row[spec.ref])
        return Event(bar, ts, self.name, kind, side, float(level), ref)

    def _rows_events(self, first: int, ts: np.ndarray, rows: np.ndarray, extras: Any) -> dict[str, np.ndarray]:
        """``_row_events`` of every row at once, vectorised per kind of event, as columns
        (``engine`` and ``kind`` as the log's codes)."""
        parts = []
        for order, spec in enumerate(self.EMITS):
            if spec.when == EXTRAS:
                if not len(extras):
                    continue
                table = extras[extras[:, 1] == spec.extra]  # an extra is led by its bar in the call, then its what
                at, source = table[:, 0].astype(np.int64), table[:, 2:]
            else:
                column = rows[:, spec.when]
                at = np.flatnonzero((column == column) & (column != 0))
                source = rows[at]
            n = len(at)
            side = np.full(n, spec.fixed, np.int64) if spec.side is None else source[:, spec.side].astype(np.int64)
            up = side > 0
            if isinstance(spec.kind, str):
                kind = np.full(n, KIND_CODES.code(spec.kind), np.int64)
            else:
                kind = np.where(up, KIND_CODES.code(spec.kind[0]), KIND_CODES.code(spec.kind[1])).astype(np.int64)
            if isinstance(spec.level, int):
                level = source[:, spec.level]
            else:
                level = np.where(up, source[:, spec.level[0]], source[:, spec.level[1]])
            ref = np.full(n, -1, np.int64) if spec.ref is None else source[:, spec.ref].astype(np.int64)
            parts.append((at, np.full(n, order), np.arange(n), kind, side, level, ref))
        if not parts:
            parts.append((*(np.empty(0, np.int64) for _ in range(5)), np.empty(0), np.empty(0, np.int64)))
        at, order, seq, kind, side, level, ref = (np.concatenate(c) for c in zip(*parts))
        by = np.lexsort((seq, order, at))  # the order update gives: by bar, then as EMITS lists them
        at = at[by]
        return {"bar": first + at, "ts": np.asarray(ts, np.int64)[at], "engine": np.full(len(at), ENGINE_CODES.code(self.name), np.int64),
                "kind": kind[by], "side": side[by], "level": level[by], "ref": ref[by]}  # fmt: skip
