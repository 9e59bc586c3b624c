"""barsmith: fast, exact hot loops for quantitative trading research.

Every kernel exists three times behind one API: Rust (default), Numba and
pandas (the oracle). Pick one with ``$BARSMITH_BACKEND``, :func:`set_backend`,
:func:`use_backend` or ``backend=`` on any call. Every function takes pandas,
NumPy, polars and pyarrow input; results are pandas, or polars with
``output="polars"``, :func:`use_output` or :func:`set_output`.

>>> import barsmith
>>> trades = barsmith.synth.trades(100_000, seed=1)
>>> bars = barsmith.bars.time_bars(trades, "5s")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import bars, book, episodes, indicators, orderflow, structure, synth
from ._errors import BackendUnavailableError, InputError
from ._frames import OUTPUTS, get_output, set_output, use_output
from ._registry import (
    BACKENDS,
    KERNELS,
    available_backends,
    get_backend,
    set_backend,
    use_backend,
    warmup,
)

try:
    __version__ = version("barsmith")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "BACKENDS",
    "KERNELS",
    "OUTPUTS",
    "BackendUnavailableError",
    "InputError",
    "available_backends",
    "bars",
    "book",
    "episodes",
    "get_backend",
    "get_output",
    "indicators",
    "structure",
    "orderflow",
    "set_backend",
    "set_output",
    "synth",
    "use_backend",
    "use_output",
    "warmup",
]
