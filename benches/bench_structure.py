"""Structure in smc mode: every backend on 1e5 and 1e6 bars, beside smartmoneyconcepts 0.0.27
(on the smallest size only: it is quadratic in places), with its speed ratio measured in one
process; and the causal forms. The calls are ``barsmith._peers.structure_calls``."""

import contextlib
import importlib.util
import io

import barsmith
from barsmith import structure
from barsmith._peers import structure_calls

from .common import BACKENDS, STRUCTURE_BARS, ohlc_bars, warm

HAS_SMC = importlib.util.find_spec("smartmoneyconcepts") is not None
NAMES = sorted(structure_calls(barsmith.synth.ohlc(20, seed=1)))
CAUSAL = {
    "swing_highs_lows": lambda df, b: structure.swing_highs_lows(df, 50, mode="causal", backend=b),
    "fvg": lambda df, b: structure.fvg(df, mode="causal", backend=b),
    "market_structure": lambda df, b: structure.market_structure(df, 5, backend=b),
    "ranges": lambda df, b: structure.ranges(df, 20, 3.0, backend=b),
    # the causal swings are made inside: the pipeline a backtest runs
    "bos_choch": lambda df, b: structure.bos_choch(
        df, structure.swing_highs_lows(df, 5, mode="causal", backend=b), mode="causal", backend=b
    ),
    "liquidity": lambda df, b: structure.liquidity(
        df, structure.swing_highs_lows(df, 5, mode="causal", backend=b), mode="causal", backend=b
    ),
    "order_blocks": lambda df, b: structure.order_blocks(
        df, structure.swing_highs_lows(df, 5, mode="causal", backend=b), mode="causal", backend=b
    ),
    "previous_high_low": lambda df, b: structure.previous_high_low(df, "1D", mode="causal", backend=b),
    "retracements": lambda df, b: structure.retracements(
        df, structure.swing_highs_lows(df, 5, mode="causal", backend=b), mode="causal", backend=b
    ),
    "support_resistance(4 lookbacks)": lambda df, b: structure.support_resistance(
        df, (20, 50, 100, 200), 0.0005, backend=b
    ),
}
PEER_BARS = min(STRUCTURE_BARS)


def _bars(backend, name, n):
    """The bars of a size, the backend warmed; the oracle's gap search is a Python loop."""
    if backend == "pandas" and name == "fvg" and n > 200_000:
        raise NotImplementedError("the oracle's mitigation loop is Python: 1e5 bars is its size")
    warm(backend)
    return ohlc_bars(n)


def _smc():
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
        from smartmoneyconcepts import smc
    return smc


class Structure:
    params = (BACKENDS, NAMES, STRUCTURE_BARS)
    param_names = ["backend", "function", "bars"]
    timeout = 600

    def setup(self, backend, name, n):
        self.call = structure_calls(_bars(backend, name, n))[name][0]

    def time_structure(self, backend, name, n):
        self.call(backend)


class Causal:
    params = (BACKENDS, sorted(CAUSAL), STRUCTURE_BARS)
    param_names = ["backend", "function", "bars"]
    timeout = 600

    def setup(self, backend, name, n):
        self.df = _bars(backend, name, n)

    def time_causal(self, backend, name, n):
        CAUSAL[name](self.df, backend)


class SmartMoneyConcepts:
    params = (NAMES,)
    param_names = ["function"]
    timeout = 600

    def setup(self, name):
        if not HAS_SMC:
            raise NotImplementedError("smartmoneyconcepts is not installed")
        self.run = structure_calls(ohlc_bars(PEER_BARS), _smc())[name][1]

    def time_smartmoneyconcepts(self, name):
        self.run()


class SpeedupOverSmc:
    """smartmoneyconcepts' time over rust's, same bars, one process (target: >= 100)."""

    params = (NAMES,)
    param_names = ["function"]
    timeout = 600

    def setup(self, name):
        if not HAS_SMC or "rust" not in BACKENDS:
            raise NotImplementedError("needs smartmoneyconcepts and the rust backend")
        from barsmith._timing import best_of

        ours, theirs = structure_calls(ohlc_bars(PEER_BARS), _smc())[name]
        self.ratio = best_of(theirs, 1)[0] / best_of(lambda: ours("rust"), 5)[0]

    def track_smc_time_over_rust(self, name):
        return self.ratio

    track_smc_time_over_rust.unit = "x"
