"""``SmcState``: smart-money structure updated one bar at a time.

The readable state machine (the oracle of the engines): each ``update`` does O(1)
amortised work and emits what ``barsmith.structure`` in ``mode="causal"`` reports on
that bar, so feeding a history bar by bar gives, row for row, ``swing_highs_lows``,
``market_structure``, ``fvg``, ``bos_choch`` and ``order_blocks`` in causal mode (``tests/test_engines.py``
checks it on real and generated bars). ``docs/features.md`` defines every column.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._args import positive_int
from ._bars import Bar
from ._engine import EXTRAS, Emits, RowEngine
from .swings import Swings

NAN = float("nan")

# update_many's columns, one per bar, in this order
COLUMNS = (
    "swing", "swing_level", "swing_index", "structure_label", "trend",
    "fvg", "fvg_top", "fvg_bottom", "fvg_index", "fvg_mitigated",
    "bos", "choch", "break_level", "break_swing_index",
    "ob", "ob_top", "ob_bottom", "ob_index", "ob_swing_index", "ob_volume", "ob_percentage",
    "ob_bullish_mitigated", "ob_bearish_mitigated", "ob_bullish_removed", "ob_bearish_removed",
)  # fmt: skip
OB = COLUMNS.index("ob")  # where the order-block columns start

# the core's extras: (what, side, top, bottom, bar), what one of these
FILLED_GAP, MITIGATED_BLOCK, REMOVED_BLOCK = 0, 1, 2


@dataclass
class Gap:
    """A fair value gap still open: ``side`` 1 bullish, -1 bearish, its ``top`` and
    ``bottom`` and the position of its middle bar (``index``)."""

    side: int
    top: float
    bottom: float
    index: int


@dataclass
class Mark:
    """A swing armed to break: ``side`` 1 upward, -1 downward, ``kind`` "bos" or "choch",
    the ``level`` a close must pass and the position of its swing (``swing_index``)."""

    side: int
    kind: str
    level: float
    swing_index: int


@dataclass
class Block:
    """An order block still standing: ``side`` 1 bullish, -1 bearish, ``top`` and ``bottom``
    (its bar's high and low), its bar (``index``), the swing whose break formed it
    (``swing_index``), the bar that formed it (``formed``) and whether a bar has passed it
    (``mitigated``: a breaker, removed once a bar passes its far edge)."""

    side: int
    top: float
    bottom: float
    index: int
    swing_index: int
    formed: int
    mitigated: bool = False


@dataclass
class SmcView:
    """What ``SmcState.state`` shows: the bars seen, the swings so far (``swings``: (side,
    level, position), oldest first, of the last ``keep`` reports), ``trend`` (1 HH+HL, -1
    LH+LL, 0), the latest high and low labels (2 HH, 1 LH, -1 HL, -2 LL, 0), the open
    fair value gaps, by middle bar, and the order blocks standing, by the bar forming them."""

    bars: int = 0
    swings: list[tuple[int, float, int]] = field(default_factory=list)
    trend: int = 0
    high_label: int = 0
    low_label: int = 0
    gaps: list[Gap] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


class SmcState(RowEngine):
    """Swings, market structure, fair value gaps, BOS/CHoCH and order blocks, one bar at a
    time.

    Parameters are those of the causal structure functions: ``swing_length`` of
    ``swing_highs_lows``, ``join_consecutive`` of ``fvg``, ``close_break`` of ``bos_choch``,
    ``close_mitigation`` of ``order_blocks``.

    Each bar costs O(1) amortised: the swing window is a pair of monotonic deques of
    ``2 * swing_length`` bars, open gaps wait in two heaps keyed by the price that fills
    them, order blocks in heaps keyed by the price that mitigates, then removes, them. ``backend``: "rust" (the default) runs the state in ``barsmith._core``, "pandas"
    in the readable Python state machine below (the oracle; pure Python, as a state
    machine has no pandas expression); an engine object asked for "numba" runs Rust (Numba
    runs whole passes: ``replay(..., backend="numba")``, ``barsmith._numba.engines``).

    Examples
    --------
    >>> smc = barsmith.engines.SmcState(swing_length=5)
    >>> for event in smc.update({"open": 1.1, "high": 1.2, "low": 1.0, "close": 1.15,
    ...                          "volume": 10.0, "ts": "2024-01-02 00:00"}):
    ...     print(event.kind)
    >>> frame = smc.update_many(bars)          # one row per bar, COLUMNS
    >>> smc.state.trend
    """

    name = "smc"
    PASS_KERNEL = "smc_rows"
    COLUMNS = COLUMNS
    # the events of a bar, in this order (docs/features.md)
    EMITS = (
        Emits(0, ("swing_high", "swing_low"), level=1, ref=2, side=0),
        Emits(5, "fvg", level=(6, 7), ref=8, side=5),
        # one per gap the bar fills (side, top, bottom, middle bar), at the price that filled
        # it: a bullish gap's top, a bearish gap's bottom
        Emits(EXTRAS, "fvg_mitigated", level=(1, 2), ref=3, side=0, extra=FILLED_GAP),
        Emits(10, "bos", level=12, ref=13, side=10),
        Emits(11, "choch", level=12, ref=13, side=11),
        # a block on the bar forming it (level its near edge: a bullish block's top), then one
        # event per block a bar mitigates (level the edge passed) and per breaker it removes
        Emits(OB, "order_block", level=(OB + 1, OB + 2), ref=OB + 3, side=OB),
        Emits(EXTRAS, "order_block_mitigated", level=(2, 1), ref=3, side=0, extra=MITIGATED_BLOCK),
        Emits(EXTRAS, "order_block_removed", level=(1, 2), ref=3, side=0, extra=REMOVED_BLOCK),
    )

    def __init__(self, swing_length: int = 5, *, join_consecutive: bool = False, close_break: bool = True,
                 close_mitigation: bool = False, keep: int = 64, backend: str | None = None):  # fmt: skip
        self.swing_length = positive_int(swing_length, "swing_length")
        self.join_consecutive = bool(join_consecutive)
        self.close_break = bool(close_break)
        self.close_mitigation = bool(close_mitigation)
        self._keep = positive_int(keep, "keep")
        super().__init__(backend)

    def _core_args(self) -> tuple:
        return self.swing_length, self.join_consecutive, self.close_break, self.close_mitigation

    def _make_core(self, backend: str) -> Any:
        if backend == "rust":
            from .._core import engines as core

            return core.SmcCore(*self._core_args())
        return _PythonSmc(*self._core_args())

    @property
    def state(self) -> SmcView:
        """A snapshot of the state (a copy: later updates do not change it)."""
        return SmcView(bars=self._n, swings=list(self._swings), trend=self._trend, high_label=self._labels[1],
                       low_label=self._labels[-1], gaps=[Gap(*g) for g in self._core.open_gaps()],
                       blocks=[Block(*b[:6], bool(b[6])) for b in self._core.standing_blocks()])  # fmt: skip

    def _forget(self) -> None:
        self._swings: deque[tuple[int, float, int]] = deque(maxlen=self._keep)
        self._labels = {1: 0, -1: 0}
        self._trend = 0

    def _remember_row(self, row: list[float]) -> None:
        """The view keeps the swing reports and their labels, and the trend."""
        if row[0] == row[0]:
            side = int(row[0])
            self._swings.append((side, row[1], int(row[2])))
            self._labels[side] = int(row[3])
        self._trend = int(row[4])

    def _remember_rows(self, rows: np.ndarray) -> None:
        for side, level, index, label in rows[~np.isnan(rows[:, 0])][-self._keep :, :4].tolist():
            self._swings.append((int(side), level, int(index)))
            self._labels[int(side)] = int(label)
        self._trend = int(rows[-1, 4])


class _PythonSmc:
    """The readable state machine: ``update`` gives a bar's row (``COLUMNS``) and the gaps
    it fills, ``update_many`` the rows of a (bars, 5) array. Read beside
    ``rust/core/src/engines/smc.rs``."""

    def __init__(self, swing_length: int, join_consecutive: bool, close_break: bool, close_mitigation: bool):
        self.swing_length, self.join_consecutive, self.close_break = swing_length, join_consecutive, close_break
        self.close_mitigation = close_mitigation
        self.reset()

    def reset(self) -> None:
        """Forget every bar: the next bar is the first."""
        self._n = 0
        self._swings = Swings(self.swing_length)
        self._recent: deque[Bar] = deque(maxlen=3)  # a gap's three bars
        # market structure: per side the previous and pending swing level, the latest label
        self._previous = {1: NAN, -1: NAN}
        self._pending = {1: NAN, -1: NAN}
        self._label = {1: 0, -1: 0}
        self._trend = 0
        # fair value gaps: the run being joined, gaps waiting to become fillable, open gaps
        self._run: tuple[int, float, float, int] | None = None
        self._waiting: list[Gap] = []
        self._open: dict[int, Gap] = {}
        self._fill_down: list[tuple[float, int]] = []  # bullish gaps by -top: filled when low <= top
        self._fill_up: list[tuple[float, int]] = []  # bearish gaps by bottom: filled when high >= bottom
        # BOS/CHoCH: the last three swing reports (side, level, position), the armed marks by swing number
        self._chain: list[tuple[int, float, int]] = []
        self._chain_len = 0
        self._marks: dict[int, Mark] = {}
        self._dead = -1  # swings numbered up to this one have broken or been cleared: they never re-arm
        self._blocks = _Blocks(self.swing_length, self.close_mitigation)

    def update(self, bar: tuple[float, float, float, float, float]):
        return self._step(Bar(*bar, 0))

    def update_many(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = np.full((len(values), len(COLUMNS)), NAN)
        extras = []
        for r, bar in enumerate(values.tolist()):
            out[r], changes = self._step(Bar(*bar, 0))
            extras += [(r, *change) for change in changes]
        return out, np.array(extras, dtype=np.float64).reshape(-1, 6)

    def open_gaps(self) -> list[tuple[int, float, float, int]]:
        gaps = sorted([*self._open.values(), *self._waiting], key=lambda g: g.index)
        return [(g.side, g.top, g.bottom, g.index) for g in gaps]

    def standing_blocks(self) -> list[tuple[int, float, float, int, int, int, bool]]:
        return self._blocks.standing()

    def _step(self, bar: Bar) -> tuple[np.ndarray, list[tuple[int, int, float, float, int]]]:
        """A bar's row and its extras ``(what, side, top, bottom, bar)``: the gaps it fills,
        then the blocks it mitigates and removes."""
        t = self._n
        row = np.full(len(COLUMNS), NAN)
        swing = self._swings.push(bar.high, bar.low, t)
        if swing is not None:
            side, level, index = swing
            row[0:3] = side, level, index
            row[3], row[4] = self._structure(side, level)
            self._arm(side, level, index)
        else:
            row[3], row[4] = 0.0, self._trend
        gap = self._gap(bar, t)
        if gap is not None:
            row[5:9] = gap.side, gap.top, gap.bottom, gap.index
        filled = self._fill(bar, t)
        row[9] = len(filled)
        mark = self._break(bar)
        if mark is not None:
            row[10 if mark.kind == "bos" else 11] = mark.side
            row[12], row[13] = mark.level, mark.swing_index
        row[OB:], changes = self._blocks.step(bar, t, swing)
        self._n = t + 1
        return row, [(FILLED_GAP, g.side, g.top, g.bottom, g.index) for g in filled] + changes

    # -- market structure (market_structure) -----------------------------------------------------

    def _structure(self, side: int, level: float) -> tuple[float, float]:
        """The label of a swing report (2 HH, 1 LH, -1 HL, -2 LL, 0 without a previous swing
        of its side) and the trend after it."""
        if side != self._chain_side():
            self._previous[side] = self._pending[side]
        self._pending[side] = level
        previous = self._previous[side]
        if np.isnan(previous):
            label = 0
        elif side == 1:
            label = 2 if level > previous else 1
        else:
            label = -2 if level < previous else -1
        self._label[side] = label
        self._trend = {(2, -1): 1, (1, -2): -1}.get((self._label[1], self._label[-1]), 0)
        return float(label), float(self._trend)

    def _chain_side(self) -> int:
        return self._chain[-1][0] if self._chain else 0

    # -- BOS / CHoCH (bos_choch, causal) ---------------------------------------------------------

    def _arm(self, side: int, level: float, index: int) -> None:
        """After a swing report, the last three swings (l3, l2, l1) arm the middle one: low,
        high, low with l3 < l1 < l2 a bullish BOS, l1 < l3 < l2 a bullish CHoCH; high, low,
        high mirrored. A report of the side last reported replaces that swing and re-arms."""
        if self._chain and self._chain[-1][0] == side:
            self._chain[-1] = (side, level, index)
        else:
            self._chain.append((side, level, index))
            self._chain_len += 1
            del self._chain[:-3]
        if len(self._chain) < 3:
            return
        (_, l3, _), (_, l2, swing_bar), (_, l1, _) = self._chain
        up = side == -1
        bos = l3 < l1 < l2 if up else l3 > l1 > l2
        choch = l1 < l3 < l2 if up else l1 > l3 > l2
        mark = self._chain_len - 2  # the middle swing's number
        if mark <= self._dead:
            return  # a swing breaks once
        if bos or choch:
            self._marks[mark] = Mark(1 if up else -1, "bos" if bos else "choch", l2, swing_bar)
        else:
            self._marks.pop(mark, None)

    def _break(self, bar: Bar) -> Mark | None:
        """The newest armed mark this bar's close (high / low without ``close_break``)
        passes, strictly; it clears every older mark."""
        upper, lower = (bar.close, bar.close) if self.close_break else (bar.high, bar.low)
        for mark in sorted(self._marks, reverse=True):
            m = self._marks[mark]
            if (upper > m.level) if m.side == 1 else (lower < m.level):
                self._dead = mark
                for k in [k for k in self._marks if k <= mark]:
                    del self._marks[k]
                return m
        return None

    # -- fair value gaps (fvg, causal) ----------------------------------------------------------

    def _gap(self, bar: Bar, t: int) -> Gap | None:
        """The gap bar ``t`` completes, on its middle bar ``i = t - 1``: bullish when ``i``
        closes up and ``high[i - 1] < low[t]``, bearish when it closes down and
        ``low[i - 1] > high[t]``. With ``join_consecutive`` a gap on the bar after one of its
        side replaces it, with the run's highest top and lowest bottom."""
        self._waiting_to_open(t)
        recent = self._recent
        recent.append(bar)
        if len(recent) < 3:
            self._run = None
            return None
        before, middle = recent[-3], recent[-2]
        up = middle.close > middle.open
        if up and before.high < bar.low:
            gap = Gap(1, bar.low, before.high, t - 1)
        elif middle.close < middle.open and before.low > bar.high:
            gap = Gap(-1, before.low, bar.high, t - 1)
        else:
            self._run = None
            return None
        if self.join_consecutive:
            run = self._run
            if run is not None and run[0] == gap.side and run[3] == t - 2:
                gap.top, gap.bottom = max(run[1], gap.top), min(run[2], gap.bottom)
                self._open.pop(run[3], None)  # replaced: it is never filled
                self._waiting = [g for g in self._waiting if g.index != run[3]]
            self._run = (gap.side, gap.top, gap.bottom, gap.index)
        self._waiting.append(gap)
        return Gap(**vars(gap))

    def _waiting_to_open(self, t: int) -> None:
        """Gaps become fillable from the bar after the one that completed them (``i + 2``)."""
        for g in self._waiting:
            if g.index + 2 <= t:
                self._open[g.index] = g
                if g.side == 1:
                    heapq.heappush(self._fill_down, (-g.top, g.index))
                else:
                    heapq.heappush(self._fill_up, (g.bottom, g.index))
        self._waiting = [g for g in self._waiting if g.index + 2 > t]

    def _fill(self, bar: Bar, t: int) -> list[Gap]:
        """The open gaps this bar reaches first: a bullish gap's top by its low, a bearish
        gap's bottom by its high (at the price counts)."""
        self._waiting_to_open(t)
        filled = []
        while self._fill_down and -self._fill_down[0][0] >= bar.low:
            _, index = heapq.heappop(self._fill_down)
            gap = self._open.pop(index, None)  # None: replaced by a joining gap
            if gap is not None and gap.side == 1:
                filled.append(gap)
        while self._fill_up and self._fill_up[0][0] <= bar.high:
            _, index = heapq.heappop(self._fill_up)
            gap = self._open.pop(index, None)
            if gap is not None and gap.side == -1:
                filled.append(gap)
        return filled


class _Blocks:
    """Order blocks (``order_blocks(mode="causal")``) one bar at a time: per side the swing
    armed to be crossed and the most extreme bar since it, the blocks waiting to be
    mitigated, then removed, in heaps keyed by the price that does it. Read beside
    ``Blocks`` in ``rust/core/src/engines/smc.rs``."""

    def __init__(self, swing_length: int, close_mitigation: bool):
        self.close_mitigation = close_mitigation
        self._recent: deque[tuple[int, float, float]] = deque(maxlen=swing_length)  # (bar, low, high) before this one
        self._volumes: deque[float] = deque(maxlen=2)  # of the two bars before this one
        # per side: [level, swing bar, extreme bar, extreme, its high, its low] of the swing
        # reported last, until crossed
        self._armed: dict[int, list[Any] | None] = {1: None, -1: None}
        self._standing: dict[int, Block] = {}  # by the bar forming it
        # bullish by -bottom (mitigated when a low is below), bearish by top (when a high is above)
        self._unmitigated: dict[int, list[tuple[float, int]]] = {1: [], -1: []}
        # breakers: bullish by top (removed when a high is above), bearish by -bottom
        self._breakers: dict[int, list[tuple[float, int]]] = {1: [], -1: []}

    def standing(self) -> list[tuple[int, float, float, int, int, int, bool]]:
        return [(b.side, b.top, b.bottom, b.index, b.swing_index, b.formed, b.mitigated)
                for _, b in sorted(self._standing.items())]  # fmt: skip

    def step(self, bar: Bar, t: int, swing: tuple[int, float, int] | None) -> tuple[list[float], list[tuple]]:
        """Bar ``t`` (and the swing it reports): the order-block part of its row, and its
        extras, the breakers it removes then the blocks it mitigates."""
        row = [NAN] * 7 + [0.0] * 4
        changes = self._remove(bar, row) + self._mitigate(bar, row)
        if swing is not None:
            self._arm(*swing)
        crossed_down = self._cross(-1, bar.close < self._level(-1), t, bar, row)
        if not crossed_down:  # a bar forming a bearish block: the swing high waits
            self._cross(1, bar.close > self._level(1), t, bar, row)
        for side, armed in self._armed.items():  # this bar is between the swing and a later close
            if armed is not None and (bar.low <= armed[3] if side == 1 else bar.high >= armed[3]):
                armed[2:] = t, bar.low if side == 1 else bar.high, bar.high, bar.low  # the last of equals
        self._recent.append((t, bar.low, bar.high))
        self._volumes.append(bar.volume)
        return row, changes

    def _level(self, side: int) -> float:
        armed = self._armed[side]
        return NAN if armed is None else armed[0]

    def _arm(self, side: int, level: float, swing_bar: int) -> None:
        """A swing report arms its side (the one before it is no longer crossed), with the
        most extreme bar strictly after the swing so far: the lowest low (highest high for a
        swing low), the last of equals."""
        armed = [level, swing_bar, -1, math.inf if side == 1 else -math.inf, NAN, NAN]
        for b, low, high in self._recent:
            price = low if side == 1 else high
            if b > swing_bar and (price <= armed[3] if side == 1 else price >= armed[3]):
                armed[2:] = b, price, high, low
        self._armed[side] = armed

    def _cross(self, side: int, passes: bool, t: int, bar: Bar, row: list[float]) -> bool:
        """Whether bar ``t``'s close crosses the armed swing of ``side``; if it does and a bar
        lies between them, that bar is a block formed on ``t``."""
        armed = self._armed[side]
        if armed is None or not passes:
            return False
        self._armed[side] = None  # a swing is crossed once
        _, swing_bar, k, _, high, low = armed
        if k < 0:
            return True  # no bar between: no block
        newer = bar.volume + (self._volumes[-1] if self._volumes else 0.0)
        older = self._volumes[0] if len(self._volumes) == 2 else 0.0
        most = max(newer, older)
        percentage = min(newer, older) / most * 100.0 if most != 0 else 100.0
        row[:7] = side, high, low, k, swing_bar, newer + older, percentage
        self._standing[t] = Block(side, high, low, k, swing_bar, t)
        heapq.heappush(self._unmitigated[side], (-low if side == 1 else high, t))
        return True

    def _mitigate(self, bar: Bar, row: list[float]) -> list[tuple]:
        """Blocks formed before this bar whose far edge it passes (a bullish block's bottom
        by a low below it, or the body's low with ``close_mitigation``): they become breakers."""
        body_low, body_high = (min(bar.open, bar.close), max(bar.open, bar.close)) if self.close_mitigation else (bar.low, bar.high)
        changes = []
        for side, heap in self._unmitigated.items():
            while heap and (-heap[0][0] > body_low if side == 1 else heap[0][0] < body_high):
                _, formed = heapq.heappop(heap)
                block = self._standing[formed]
                block.mitigated = True
                heapq.heappush(self._breakers[side], (block.top if side == 1 else -block.bottom, formed))
                row[7 if side == 1 else 8] += 1
                changes.append((MITIGATED_BLOCK, side, block.top, block.bottom, block.index))
        return changes

    def _remove(self, bar: Bar, row: list[float]) -> list[tuple]:
        """Breakers mitigated before this bar whose other edge it passes: a bullish one's top
        by a high above it, a bearish one's bottom by a low below it."""
        changes = []
        for side, heap in self._breakers.items():
            while heap and (heap[0][0] < bar.high if side == 1 else -heap[0][0] > bar.low):
                _, formed = heapq.heappop(heap)
                block = self._standing.pop(formed)
                row[9 if side == 1 else 10] += 1
                changes.append((REMOVED_BLOCK, side, block.top, block.bottom, block.index))
        return changes
