"""Price structure in Numba, one file per group as ``rust/core/src/structure/``; read
beside it and ``_pandas/structure.py`` (the definitions).
"""

from __future__ import annotations



# Each name below is rebound from its file (module) to the kernel of the same name.
from .swings import market_structure, ranges, swing_highs_lows, swing_highs_lows_causal
from .gaps import fvg, fvg_causal
from .breaks import bos_choch, bos_choch_causal, retracements, retracements_causal
from .sessions import sessions
from .order_blocks import order_blocks, order_blocks_causal
from .liquidity import liquidity, liquidity_causal
from .levels import previous_high_low, previous_high_low_causal, support_resistance

__all__ = [  # the kernels, in the registry's order
    "swing_highs_lows", "swing_highs_lows_causal", "market_structure", "ranges", "fvg", "fvg_causal",
    "bos_choch", "bos_choch_causal", "retracements", "retracements_causal", "sessions", "order_blocks",
    "order_blocks_causal", "liquidity", "liquidity_causal", "support_resistance", "previous_high_low",
    "previous_high_low_causal",
]
