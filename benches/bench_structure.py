"""Structure in smc mode: every backend on 1e5 and 1e6 bars, beside smartmoneyconcepts 0.0.27
(on 1e5 only: it is quadratic in places), with its speed ratio measured in one process."""

import contextlib
import importlib.util
import io

from barsmith import structure

from .common import BACKENDS, STRUCTURE_BARS, ohlc_bars, warm

HAS_SMC = importlib.util.find_spec("smartmoneyconcepts") is not None
# (ours(bars, swings, backend), peer(smc, bars, its swings)); swings of length 5, made in setup
CALLS = {
    "swing_highs_lows": (lambda df, sw, b: structure.swing_highs_lows(df, 50, backend=b),
                         lambda smc, df, sw: smc.swing_highs_lows(df, 50)),
    "fvg": (lambda df, sw, b: structure.fvg(df, backend=b), lambda smc, df, sw: smc.fvg(df)),
    "bos_choch": (lambda df, sw, b: structure.bos_choch(df, sw, backend=b),
                  lambda smc, df, sw: smc.bos_choch(df, sw)),
    "retracements": (lambda df, sw, b: structure.retracements(df, sw, backend=b),
                     lambda smc, df, sw: smc.retracements(df, sw)),
    "sessions": (lambda df, sw, b: structure.sessions(df, "London", backend=b),
                 lambda smc, df, sw: smc.sessions(df.copy(), "London")),  # it rewrites the index
}  # fmt: skip
CAUSAL = {
    "swing_highs_lows": lambda df, b: structure.swing_highs_lows(df, 50, mode="causal", backend=b),
    "fvg": lambda df, b: structure.fvg(df, mode="causal", backend=b),
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
    params = (BACKENDS, sorted(CALLS), STRUCTURE_BARS)
    param_names = ["backend", "function", "bars"]
    timeout = 600

    def setup(self, backend, name, n):
        self.df = _bars(backend, name, n)
        self.swings = structure.swing_highs_lows(self.df, 5)

    def time_structure(self, backend, name, n):
        CALLS[name][0](self.df, self.swings, backend)


class Causal:
    params = (BACKENDS, sorted(CAUSAL), STRUCTURE_BARS)
    param_names = ["backend", "function", "bars"]
    timeout = 600

    def setup(self, backend, name, n):
        self.df = _bars(backend, name, n)

    def time_causal(self, backend, name, n):
        CAUSAL[name](self.df, backend)


class SmartMoneyConcepts:
    params = (sorted(CALLS),)
    param_names = ["function"]
    timeout = 600

    def setup(self, name):
        if not HAS_SMC:
            raise NotImplementedError("smartmoneyconcepts is not installed")
        self.smc, self.df = _smc(), ohlc_bars(PEER_BARS)
        self.swings = self.smc.swing_highs_lows(self.df, 5)  # a RangeIndex, which its loops index by

    def time_smartmoneyconcepts(self, name):
        CALLS[name][1](self.smc, self.df, self.swings)


class SpeedupOverSmc:
    """smartmoneyconcepts' time over rust's, same bars, one process (target: >= 100)."""

    params = (sorted(CALLS),)
    param_names = ["function"]
    timeout = 600

    def setup(self, name):
        if not HAS_SMC or "rust" not in BACKENDS:
            raise NotImplementedError("needs smartmoneyconcepts and the rust backend")
        from barsmith._timing import best_of

        ours, peer = CALLS[name]
        smc, df = _smc(), ohlc_bars(PEER_BARS)
        theirs, mine = smc.swing_highs_lows(df, 5), structure.swing_highs_lows(df, 5)
        self.ratio = best_of(lambda: peer(smc, df, theirs), 1)[0] / best_of(lambda: ours(df, mine, "rust"), 5)[0]

    def track_smc_time_over_rust(self, name):
        return self.ratio

    track_smc_time_over_rust.unit = "x"
