"""Incremental state engines for backtests: ``barsmith.engines``.

An engine reads one bar at a time (``update``) in O(1) amortised work and holds the
state a strategy asks about (``state``); ``update_many`` reads a frame of bars and gives
one row per bar, the same as ``update`` on each. A history fed bar by bar equals the
batch computation (``barsmith.structure`` in causal mode, ``barsmith.indicators``): no
rescans, no lookahead.

``replay`` runs a whole backtest pass (engines per timeframe, fusion, sentinel, event
log) in one call; ``EngineStack`` is the same pass bar by bar.

>>> result = barsmith.engines.replay(bars, ("1h", "4h", "1D"), sentinel=barsmith.engines.Sentinel())
>>> smc = barsmith.engines.SmcState(swing_length=5)
>>> momentum = barsmith.engines.MomentumState()
>>> for bar in live_feed:
...     events = smc.update(bar)
...     rsi = momentum.update(bar)["rsi"]
"""

from __future__ import annotations

from ._bars import Bar, Event
from .fusion import Fusion, Sentinel
from .hob import HobState
from .log import EventLog, LogEvent
from .momentum import MomentumState
from .replay import EngineStack, Replay, replay
from .smc import SmcState
from .timeframes import MultiTimeframe
from .wyckoff import WyckoffState

__all__ = [
    "Bar", "EngineStack", "Event", "EventLog", "Fusion", "HobState", "LogEvent", "MomentumState", "MultiTimeframe",
    "Replay", "Sentinel", "SmcState", "WyckoffState", "replay",
]  # fmt: skip
