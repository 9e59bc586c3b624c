"""``replay``: a whole backtest pass in one call, and ``EngineStack``, the same pass one
bar at a time.

Per timeframe (the first is the base bars', the others built by ``MultiTimeframe``) each
engine reads its bars; a higher timeframe's state is seen on the base bars from the one
completing its bar (no lookahead). ``Fusion`` scores the engines' biases on the bars the
``Sentinel`` lets through (every bar without one), and every event goes to the
``EventLog``. ``EngineStack.update`` is the readable state machine, bar by bar;
``update_many`` (and ``replay``) compute the same frame and log vectorised over each
engine's rows, and equal it however the bars are split (``tests/test_engines.py``).
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .._errors import InputError
from ._bars import BAR_FIELDS, check_bar, check_frame, engine_backend, requested_backend
from .fusion import ENGINE_NAMES, Fusion, Sentinel
from .hob import HobState
from .log import ENGINE_CODES, KIND_CODES, LOG_COLUMNS, EventLog, LogEvent, empty_columns, event_columns, log_frame
from .momentum import MomentumState
from .smc import SmcState
from .timeframes import MultiTimeframe
from .wyckoff import WyckoffState

ENGINES: dict[str, Any] = {"smc": SmcState, "wyckoff": WyckoffState, "hob": HobState, "momentum": MomentumState}
FUSION, SIGNAL = ENGINE_CODES.code("fusion"), KIND_CODES.code("signal")
TIMINGS = ("timeframes", *ENGINE_NAMES, "sentinel", "fusion", "log", "total")


class Replay(NamedTuple):
    """What a pass gives: ``frame`` (per base bar: each engine's bias per timeframe
    ``{engine}_{timeframe}``, ``sentinel``, ``fused``, ``score``, ``signal``), ``events``
    (the event log, ``LOG_COLUMNS``), ``timings`` (``t_smc_ms``, ... ``t_total_ms``,
    cumulative) and ``counts`` (bars, fusion runs and gated bars, events)."""

    frame: pd.DataFrame
    events: pd.DataFrame
    timings: dict[str, float]
    counts: dict[str, int]


class EngineStack:
    """Engines per timeframe, fusion, sentinel and event log, fed one bar or many.

    ``timeframes``: the base bars' interval first, then the higher ones; ``engines``:
    names from ``smc``, ``wyckoff``, ``hob``, ``momentum``, or a mapping of name to the
    engine's keyword arguments; ``backend``: "rust" (the default), "numba" (one whole pass:
    the engines' and the binning's Numba kernels from the first bar in one ``update_many``;
    ``update`` or a second call is refused) or "pandas" (every engine's Python oracle, and
    ``update_many`` reads bar by bar through ``update``).

    >>> stack = barsmith.engines.EngineStack(("1h", "4h", "1D"), sentinel=barsmith.engines.Sentinel())
    >>> row, events = stack.update(bar)          # live: one bar
    >>> result = stack.update_many(bars)         # a Replay of these bars
    """

    def __init__(self, timeframes: tuple[str, ...] = ("1h", "4h", "1D"),
                 engines: tuple[str, ...] | dict[str, dict[str, Any]] = ENGINE_NAMES, *,
                 fusion: Fusion | None = None, sentinel: Sentinel | None = None, log: EventLog | None = None,
                 backend: str | None = None):  # fmt: skip
        if not timeframes:
            raise InputError("give at least the base timeframe, e.g. ('1h', '4h', '1D')", column="timeframes")
        self.timeframes = tuple(timeframes)
        params = dict.fromkeys(engines, {}) if not isinstance(engines, dict) else dict(engines)
        for name in params:
            if name not in ENGINES:
                raise InputError(f"unknown engine {name!r}: choose from {', '.join(ENGINES)}", column="engines")
        self.backend = engine_backend(backend)
        # Numba runs a whole pass (replay): the engines' kernels from the first bar, once
        self._numba = requested_backend(backend) == "numba"
        self._params = params
        self.fusion = fusion if fusion is not None else Fusion(engines=tuple(params))
        self.sentinel = sentinel
        self.log = log if log is not None else EventLog()
        if self.log.timeframes and self.log.timeframes != self.timeframes:
            raise InputError(f"the event log holds timeframes {self.log.timeframes}; give a new EventLog", column="log")
        self.columns = [f"{e}_{tf}" for tf in self.timeframes for e in params]
        self._weights = np.array([self.fusion.weight(e, tf) for tf in self.timeframes for e in params])
        self.reset()

    def _engine(self, name: str) -> Any:
        kwargs = dict(self._params[name])
        if name != "momentum":  # momentum runs the indicator streams in every backend
            kwargs["backend"] = self.backend
        return ENGINES[name](**kwargs)

    def reset(self) -> None:
        """Forget every bar (an in-memory log is emptied; a log on disk cannot be, so a stack
        writing one is built anew instead)."""
        self._engines = {tf: {e: self._engine(e) for e in self._params} for tf in self.timeframes}
        higher = self.timeframes[1:]
        self._frames = MultiTimeframe(self.timeframes[0], higher, backend=self.backend) if higher else None
        if self._numba:
            for part in [self._frames, *(e for by_name in self._engines.values() for e in by_name.values())]:
                if part is not None:
                    part._pass_in_numba()
        if self.sentinel is not None:
            self.sentinel.reset()
        if self.log.path is None:
            self.log = EventLog(flush_every=self.log.flush_every)
        elif self.log.bars:
            raise InputError(f"the event log in {self.log.path} holds this stack's bars; give reset a new EventLog "
                             "by building a new EngineStack", column="log")  # fmt: skip
        self.log.timeframes = self.timeframes
        self._bias = dict.fromkeys(self.columns, np.nan)  # each input's bias as of the last bar
        self._sweep = {tf: (np.nan, -(2**62)) for tf in self.timeframes}  # hob: last sweep side and its bar
        self._tf_bars = dict.fromkeys(self.timeframes, 0)
        self._score = np.nan  # the score of the last fusion run
        self._n = 0
        self._last_ts: int | None = None
        self.counts = {"bars": 0, "fusion_runs": 0, "fusion_gated": 0, "events": 0}
        self._time = dict.fromkeys(TIMINGS, 0.0)

    @property
    def timings(self) -> dict[str, float]:
        """Time spent so far per part, in ms: ``t_timeframes_ms``, ``t_smc_ms``, ...,
        ``t_fusion_ms``, ``t_log_ms``, ``t_total_ms``."""
        return {f"t_{k}_ms": v * 1e3 for k, v in self._time.items()}

    # -- one bar: the readable state machine ----------------------------------------------------

    def update(self, bar: Any) -> tuple[dict[str, float], list[LogEvent]]:
        """Read one base bar; its row (``columns`` and sentinel, fused, score, signal) and
        the events it brings, oldest timeframe bar first."""
        start = time.perf_counter()
        b = check_bar(bar, self._n, self._last_ts)
        clock = time.perf_counter()
        done = self._frames.update(b) if self._frames is not None else {}
        clock = self._tick("timeframes", clock)
        events: list[LogEvent] = []
        for k, tf in enumerate(self.timeframes):
            for tf_bar in [b] if k == 0 else done[tf]:
                g = self._tf_bars[tf]
                for name, engine in self._engines[tf].items():
                    if name == "momentum":
                        row, seen = engine.update(tf_bar), []
                    else:
                        seen, row = engine.update(tf_bar), engine.last
                    self._bias[f"{name}_{tf}"] = self._row_bias(name, tf, row, g)
                    events += [LogEvent(self._n, b.ts, tf, e.engine, e.kind, e.side, e.level, e.ref, e.bar) for e in seen]
                    clock = self._tick(name, clock)
                self._tf_bars[tf] = g + 1
        mask = self.sentinel.update(b) if self.sentinel is not None else -1
        clock = self._tick("sentinel", clock)
        fused, signal = mask != 0, 0.0
        if fused:
            biases = np.array([[self._bias[c] for c in self.columns]])
            score = float(self.fusion.score(biases, self._weights)[0])
            signal = float(self.fusion.signals(np.array([score]), self._score)[0])
            self._score = score
        if signal:
            events.append(LogEvent(self._n, b.ts, self.timeframes[0], "fusion", "signal", int(signal), self._score, -1, self._n))
        clock = self._tick("fusion", clock)
        self.log.add(event_columns(events, self.timeframes), 1)
        self._tick("log", clock)
        self._count(1, int(fused), len(events))
        self._n, self._last_ts = self._n + 1, b.ts
        self._time["total"] += time.perf_counter() - start
        row = {**self._bias, "sentinel": float(max(mask, 0)) if self.sentinel is not None else np.nan,
               "fused": float(fused), "score": self._score, "signal": signal}  # fmt: skip
        return row, events

    def _row_bias(self, name: str, tf: str, row: dict[str, float], g: int) -> float:
        """One engine row's bias (``Fusion``): hob remembers its last sweep for ``hob_memory`` bars."""
        if name != "hob":
            return float(self.fusion.bias(name, row))
        side = float(self.fusion.sweep_side(row))
        if side == side:
            self._sweep[tf] = (side, g)
        last_side, last_bar = self._sweep[tf]
        return last_side if g - last_bar < self.fusion.hob_memory else 0.0

    # -- many bars: the same, vectorised over each engine's rows --------------------------------

    def update_many(self, bars: pd.DataFrame) -> Replay:
        """Read many base bars; their rows as a frame (indexed as ``bars``) and their events,
        equal to :meth:`update` on each bar."""
        if self.backend == "pandas":  # the oracle reads bar by bar
            return self._one_by_one(bars)
        frame, events = self._pass(bars)
        return Replay(frame, log_frame(events, self.timeframes), self.timings, dict(self.counts))

    def _pass(self, bars: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """:meth:`update_many`'s frame and event columns, vectorised: the bars are checked
        once, then each engine reads its timeframe's rows in one call per ``CHUNK`` base
        bars (so the temporaries stay in cache and in the allocator's reused memory, and
        time grows linearly with the bars)."""
        start = time.perf_counter()
        values, ts, index = check_frame(bars, self._n, self._last_ts)
        self._time["total"] += time.perf_counter() - start
        step = max(len(values), 1) if self._numba else CHUNK  # a Numba pass reads all the bars at once
        chunks = [self._pass_checked(values[a : a + step], ts[a : a + step]) for a in range(0, len(values), step)]
        if not chunks:
            chunks = [self._pass_checked(values, ts)]
        start = time.perf_counter()
        columns = np.concatenate([c[0] for c in chunks], axis=1) if len(chunks) > 1 else chunks[0][0]
        events = {c: np.concatenate([e[1][c] for e in chunks]) for c in LOG_COLUMNS} if len(chunks) > 1 else chunks[0][1]
        frame = pd.DataFrame(columns.T, index=index, columns=[*self.columns, "sentinel", "fused", "score", "signal"])
        self._time["total"] += time.perf_counter() - start
        return frame, events

    def _pass_checked(self, values: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Checked bars through every part: the frame's columns as rows of one array, and
        the event columns (also added to the log)."""
        start = time.perf_counter()
        n = len(values)
        clock = time.perf_counter()
        higher = self._frames._update_checked(values, ts) if self._frames is not None else {}
        clock = self._tick("timeframes", clock)
        frame_columns = np.empty((len(self.columns) + 4, n))  # biases, sentinel, fused, score, signal
        biases = frame_columns[: len(self.columns)]
        parts: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []  # (order keys, event columns)
        column = 0
        for k, tf in enumerate(self.timeframes):
            tf_values, tf_ts, visible = (values, ts, ts) if k == 0 else higher[tf]
            at = np.searchsorted(visible, ts, side="right") - 1  # the tf row each base bar sees (-1: an earlier one)
            g0 = self._tf_bars[tf]
            for order, (name, engine) in enumerate(self._engines[tf].items()):
                if name == "momentum":
                    rows, table = engine._read_checked(tf_values, tf_ts), None
                else:
                    first, out, extras = engine._read_checked(tf_values, tf_ts)
                    rows, table = dict(zip(engine.COLUMNS, out.T)), engine._rows_events(first, tf_ts, out, extras)
                key = f"{name}_{tf}"
                tf_bias = self._rows_bias(name, tf, rows, g0, len(tf_ts))
                carried = self._bias[key]
                biases[column] = np.where(at >= 0, tf_bias[np.maximum(at, 0)], carried) if len(tf_bias) else carried
                self._bias[key] = tf_bias[-1] if len(tf_bias) else carried
                column += 1
                if table is not None and len(table["bar"]):
                    tf_bar = table["bar"]
                    seen_at = np.searchsorted(ts, visible[tf_bar - g0])  # the base bar completing it
                    m = len(tf_bar)
                    parts.append((_event_order(seen_at, k, tf_bar - g0), {**table, "bar": self._n + seen_at, "ts": ts[seen_at],
                                         "timeframe": np.full(m, k), "tf_bar": tf_bar}))  # fmt: skip
                clock = self._tick(name, clock)
            self._tf_bars[tf] = g0 + len(tf_ts)
        mask = self.sentinel.update_many(values, ts) if self.sentinel is not None else np.full(n, -1)
        clock = self._tick("sentinel", clock)
        fused = mask != 0
        runs = self.fusion.score((biases if fused.all() else biases[:, fused]).T, self._weights)
        signals = self.fusion.signals(runs, self._score)
        run = np.cumsum(fused) - 1  # the fusion run each bar sees (-1: one before these bars)
        score = np.where(run >= 0, runs[np.maximum(run, 0)] if len(runs) else np.nan, self._score)
        signal = np.zeros(n)
        signal[fused] = signals
        if len(runs):
            self._score = float(runs[-1])
        hits = np.flatnonzero(signal)
        if len(hits):
            m = len(hits)
            parts.append((_event_order(hits, len(self.timeframes), 0), {"bar": self._n + hits, "ts": ts[hits], "timeframe": np.zeros(m, np.int64),
                                 "engine": np.full(m, FUSION), "kind": np.full(m, SIGNAL),
                                 "side": signal[hits].astype(np.int64), "level": score[hits],
                                 "ref": np.full(m, -1, np.int64), "tf_bar": self._n + hits}))  # fmt: skip
        clock = self._tick("fusion", clock)
        events = _merge(parts)
        self.log.add(events, n)
        self._tick("log", clock)
        self._count(n, int(fused.sum()), len(events["bar"]))
        if n:
            self._n, self._last_ts = self._n + n, int(ts[-1])
        frame_columns[-4] = np.maximum(mask, 0) if self.sentinel is not None else np.nan
        frame_columns[-3], frame_columns[-2], frame_columns[-1] = fused, score, signal
        self._time["total"] += time.perf_counter() - start
        return frame_columns, events

    def _rows_bias(self, name: str, tf: str, rows: dict[str, np.ndarray], g0: int, m: int) -> np.ndarray:
        """:meth:`_row_bias` of the ``m`` rows of ``rows``, vectorised; hob's last sweep carried."""
        if name != "hob":
            return self.fusion.bias(name, rows)
        side = self.fusion.sweep_side(rows)
        bars = g0 + np.arange(m)
        swept = ~np.isnan(side)
        carried_side, carried_bar = self._sweep[tf]
        # the latest sweep at or before each row: its position among the sweeps, -1 for the carried one
        latest = np.cumsum(swept) - 1
        sweep_sides, sweep_bars = side[swept], bars[swept]
        last_side = np.where(latest >= 0, sweep_sides[np.maximum(latest, 0)] if swept.any() else 0.0, carried_side)
        last_bar = np.where(latest >= 0, sweep_bars[np.maximum(latest, 0)] if swept.any() else 0, carried_bar)
        if swept.any():
            self._sweep[tf] = (float(sweep_sides[-1]), int(sweep_bars[-1]))
        return np.where(bars - last_bar < self.fusion.hob_memory, last_side, 0.0)

    def _one_by_one(self, bars: pd.DataFrame) -> Replay:
        values, ts, index = check_frame(bars, self._n, self._last_ts)  # refuse before reading any
        rows, events = [], []
        for v, t in zip(values.tolist(), ts.tolist()):
            row, seen = self.update({**dict(zip(BAR_FIELDS, v)), "ts": t})
            rows.append(row)
            events += seen
        frame = pd.DataFrame(rows, index=index, columns=[*self.columns, "sentinel", "fused", "score", "signal"])
        return Replay(frame.astype(np.float64), log_frame(event_columns(events, self.timeframes), self.timeframes),
                      self.timings, dict(self.counts))  # fmt: skip

    def _tick(self, part: str, since: float) -> float:
        now = time.perf_counter()
        self._time[part] += now - since
        return now

    def _count(self, bars: int, runs: int, events: int) -> None:
        self.counts["bars"] += bars
        self.counts["fusion_runs"] += runs
        self.counts["fusion_gated"] += bars - runs
        self.counts["events"] += events


CHUNK = 1 << 16  # base bars per vectorised step of a pass


def _event_order(base_bar: np.ndarray, timeframe: int, tf_bar: Any) -> np.ndarray:
    """One int64 key per event ordering it as ``update`` does: by base bar in the call (up
    to 2^29), timeframe (up to 8), then the timeframe's bar in the call (up to 2^31)."""
    return (np.asarray(base_bar, np.int64) << 34) | (timeframe << 31) | np.asarray(tf_bar, np.int64)


def _merge(parts: list[tuple[np.ndarray, dict[str, np.ndarray]]]) -> dict[str, np.ndarray]:
    """Event columns of several sources in the order ``update`` gives them: by base bar,
    timeframe, timeframe bar, engine, then each engine's own order. The parts come by
    timeframe and engine, each in its own order, so a stable sort on ``_event_order``'s
    keys keeps the engines' order within a timeframe bar."""
    if not parts:
        return empty_columns()
    by = np.argsort(np.concatenate([p[0] for p in parts]), kind="stable")
    return {c: np.concatenate([p[1][c] for p in parts])[by] for c in LOG_COLUMNS}


def replay(ohlcv: pd.DataFrame, timeframes: tuple[str, ...] = ("1h", "4h", "1D"),
           engines: tuple[str, ...] | dict[str, dict[str, Any]] = ENGINE_NAMES, *, fusion: Fusion | None = None,
           sentinel: Sentinel | None = None, log: EventLog | None = None, backend: str | None = None) -> Replay:  # fmt: skip
    """The whole backtest pass over ``ohlcv`` (base bars of ``timeframes[0]``) in one call:
    the per-bar frame, the whole event log, the timings and counts. Equal to feeding the
    bars one at a time through :meth:`EngineStack.update`.

    >>> result = barsmith.engines.replay(bars, ("1h", "4h", "1D"), sentinel=barsmith.engines.Sentinel())
    >>> result.frame["score"], result.events, result.timings["t_smc_ms"], result.counts["fusion_gated"]
    """
    stack = EngineStack(timeframes, engines, fusion=fusion, sentinel=sentinel, log=log, backend=backend)
    frame = stack._one_by_one(ohlcv).frame if stack.backend == "pandas" else stack._pass(ohlcv)[0]
    start = time.perf_counter()
    events = stack.log.frame()
    stack._time["log"] += time.perf_counter() - start
    return Replay(frame, events, stack.timings, dict(stack.counts))
