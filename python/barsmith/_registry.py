"""Kernel registry and backend selection.

Every kernel has one name and three implementations with the same signature:

- ``rust``:   ``barsmith._core.<domain>.<name>`` (the PyO3 extension),
- ``numba``:  ``barsmith._numba.<domain>.<name>``,
- ``pandas``: ``barsmith._pandas.<domain>.<name>`` (the oracle).

The parity suite, the benchmarks and :func:`warmup` enumerate :data:`KERNELS`,
so a kernel missing from one backend fails a test instead of hiding.
Nothing here imports a backend until it is used: importing barsmith compiles
nothing and does not import Numba.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import os
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ._errors import BackendUnavailableError

BACKENDS: tuple[str, ...] = ("rust", "numba", "pandas")
DEFAULT_BACKEND = "rust"
ENV_VAR = "BARSMITH_BACKEND"


@dataclass(frozen=True)
class Kernel:
    """A kernel: its domain (module name), its name, and small valid arguments."""

    domain: str
    name: str
    example: Callable[[], tuple[Any, ...]]


def _example_trades() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ts = np.array([0, 1_000_000_000, 6_000_000_000], dtype=np.int64)
    price = np.array([100.0, 100.25, 100.0])
    size = np.array([1.0, 2.0, 3.0])
    side = np.array([1, -1, 0], dtype=np.int8)
    return ts, price, size, side


def _example_events() -> tuple[Any, ...]:
    """Two snapshots a bar apart, then a trade: enough to reach every branch that compiles."""
    n, levels = 3, 10
    ts = np.array([0, 1_000_000_000, 6_000_000_000], dtype=np.int64)
    bid_px = tuple(np.full(n, 100.0 - 0.25 * k) for k in range(levels))
    ask_px = tuple(np.full(n, 100.25 + 0.25 * k) for k in range(levels))
    sizes = tuple(np.full(n, 5 + k, dtype=np.uint32) for k in range(levels))
    return (ts, np.frombuffer(b"ACT", np.uint8).copy(), np.frombuffer(b"BAB", np.uint8).copy(),
            np.array([100.0, 100.25, 100.25]), np.array([1, 2, 3], dtype=np.uint32),
            np.array([128, 128, 128], dtype=np.uint8), np.array([1, 2, 3], dtype=np.uint32),
            bid_px, ask_px, sizes, sizes, np.array([0.0, 1.0, 2.0]), 5_000_000_000, 0, 0)  # fmt: skip


def _example_series() -> np.ndarray:
    return np.array([[1.0, 2.0, np.nan, 4.0, 3.0, 5.0]])


def _example_episodes() -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of two episodes over :func:`_example_series`'s six bars."""
    return np.array([0, 2], dtype=np.int64), np.array([3, 5], dtype=np.int64)


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in [
        Kernel("bars", "scan_trades", lambda: _example_trades()),
        Kernel("bars", "time_bars", lambda: (*_example_trades(), 5_000_000_000, 0)),
        Kernel("bars", "tick_bars", lambda: (*_example_trades(), 2)),
        Kernel("bars", "volume_bars", lambda: (*_example_trades(), 2.5)),
        Kernel("bars", "dollar_bars", lambda: (*_example_trades(), 250.0)),
        Kernel("book", "mbp10_bars", _example_events),
        Kernel("indicators", "sma", lambda: (_example_series(), 2, 1)),
        Kernel("indicators", "wma", lambda: (_example_series(), 2, 1)),
        Kernel("indicators", "ema", lambda: (_example_series(), 2, 0)),
        Kernel("indicators", "macd", lambda: (_example_series(), 2, 3, 2, 1)),
        Kernel("indicators", "rsi", lambda: (_example_series(), 2, 1)),
        Kernel("indicators", "roc", lambda: (_example_series(), 2, 1)),
        Kernel("indicators", "obv", lambda: (_example_series(), _example_series() + 1, 1)),
        Kernel("indicators", "true_range", lambda: (_example_series() + 1, _example_series(), _example_series(), 0)),
        Kernel("indicators", "atr", lambda: (_example_series() + 1, _example_series(), _example_series(), 2, 1)),
        Kernel("indicators", "natr", lambda: (_example_series() + 1, _example_series(), _example_series(), 2, 1)),
        Kernel("indicators", "willr", lambda: (_example_series() + 1, _example_series(), _example_series(), 2, 1)),
        Kernel("indicators", "stoch", lambda: (_example_series() + 1, _example_series(), _example_series(), 2, 2, 2, 1)),
        Kernel("indicators", "dmi", lambda: (_example_series() + 1, _example_series(), _example_series(), 2, 1)),
        Kernel("indicators", "bbands", lambda: (_example_series(), 2, 2.0, 2.0, 0, 1)),
        Kernel("indicators", "rolling_zscore", lambda: (_example_series(), 2, 1)),
        Kernel("indicators", "cci", lambda: (_example_series() + 1, _example_series(), _example_series(), 2, 1)),
        Kernel(
            "indicators",
            "mfi",
            lambda: (_example_series() + 1, _example_series(), _example_series(), _example_series() + 2, 2, 1),
        ),
        Kernel(
            "indicators",
            "vwap",
            lambda: (_example_series(), _example_series() + 1, np.array([0, 0, 0, 1, 1, 1], dtype=np.int64), 0),
        ),
        Kernel("structure", "swing_highs_lows", lambda: (_example_series()[0] + 1, _example_series()[0], 1)),
        Kernel("structure", "swing_highs_lows_causal", lambda: (_example_series()[0] + 1, _example_series()[0], 1)),
        Kernel(
            "structure",
            "market_structure",
            lambda: (np.array([np.nan, 1, -1, 1, 1, -1]), _example_series()[0]),
        ),
        Kernel(
            "structure",
            "ranges",
            lambda: (_example_series()[0] + 1, _example_series()[0] - 1, np.full(6, 1.5), 2, 2.0),
        ),
        Kernel(
            "structure",
            "fvg",
            lambda: (_example_series()[0], _example_series()[0] + 1, _example_series()[0] - 1, _example_series()[0], True),
        ),
        Kernel(
            "structure",
            "fvg_causal",
            lambda: (_example_series()[0], _example_series()[0] + 1, _example_series()[0] - 1, _example_series()[0], True),
        ),
        Kernel(
            "structure",
            "bos_choch",
            lambda: (*(_example_series()[0] + d for d in (1, -1, 0)), np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     _example_series()[0], True),  # fmt: skip
        ),
        Kernel(
            "structure",
            "bos_choch_causal",
            lambda: (*(_example_series()[0] + d for d in (1, -1, 0)), np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     _example_series()[0], np.arange(6.0), True),  # fmt: skip
        ),
        Kernel(
            "structure",
            "retracements",
            lambda: (_example_series()[0] + 1, _example_series()[0] - 1, np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     _example_series()[0]),  # fmt: skip
        ),
        Kernel(
            "structure",
            "retracements_causal",
            lambda: (_example_series()[0] + 1, _example_series()[0] - 1, np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     _example_series()[0]),  # fmt: skip
        ),
        Kernel(
            "structure",
            "sessions",
            lambda: (np.array([0, 420, 500, 960, 961, 1400], dtype=np.int64), _example_series()[0] + 1,
                     _example_series()[0], 420, 960),  # fmt: skip
        ),
        Kernel(
            "structure",
            "order_blocks",
            lambda: (*(_example_series()[0] + d for d in (0, 1, -1, 0.5, 2)), np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     False),  # fmt: skip
        ),
        Kernel(
            "structure",
            "order_blocks_causal",
            lambda: (*(_example_series()[0] + d for d in (0, 1, -1, 0.5, 2)), np.array([np.nan, np.nan, 1, np.nan, -1, np.nan]),
                     _example_series()[0] + 1, np.array([np.nan, np.nan, 1, np.nan, 3, np.nan]), False),  # fmt: skip
        ),
        Kernel(
            "structure",
            "liquidity",
            lambda: (_example_series()[0] + 1, _example_series()[0] - 1, np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     _example_series()[0], 0.5),  # fmt: skip
        ),
        Kernel(
            "structure",
            "liquidity_causal",
            lambda: (_example_series()[0] + 1, _example_series()[0] - 1, np.array([np.nan, 1, -1, 1, -1, np.nan]),
                     _example_series()[0], np.arange(6.0), 0.5),  # fmt: skip
        ),
        Kernel(
            "structure",
            "support_resistance",
            lambda: (_example_series()[0] + 1, _example_series()[0] - 1, _example_series()[0], np.ones(6), 1,
                     np.array([2, 3], dtype=np.int64), 0.5, 1),  # fmt: skip
        ),
        Kernel(
            "structure",
            "previous_high_low",
            lambda: (np.arange(6, dtype=np.int64) * 10, np.array([0, 0, 1, 1, 2, 2], dtype=np.int64),
                     np.array([0, 20, 40], dtype=np.int64), *(_example_series()[0] + d for d in (0, 1, -1, 0))),  # fmt: skip
        ),
        Kernel(
            "structure",
            "previous_high_low_causal",
            lambda: (np.array([0, 0, 1, 1, 2, 2], dtype=np.int64), *(_example_series()[0] + d for d in (0, 1, -1, 0))),
        ),
        Kernel("orderflow", "trade_signs", lambda: (_example_trades()[1], np.empty(0))),
        Kernel(
            "orderflow",
            "cvd",
            lambda: (_example_trades()[2], _example_trades()[3], np.empty(0, dtype=np.int64)),
        ),
        Kernel(
            "orderflow",
            "trade_flow",
            lambda: (np.array([1.0, 0.5, 1.0, 0.25, 0.9]), np.ones(5), np.array([1, -1, 0, 1, 1], dtype=np.int8)),
        ),
        Kernel(
            "orderflow",
            "volume_profile",
            lambda: (np.array([0, 0, 0, 1, 1], dtype=np.int64), np.array([3, 1, 3, 2, 2], dtype=np.int64), np.ones(5),
                     0.7, 1),  # fmt: skip
        ),
        Kernel(
            "orderflow",
            "rolling_quantile",
            lambda: (np.array([1.0, 5.0, 3.0, np.nan, 8.0, 8.0]), np.array([0, 0, 0, 1, 2, 3], dtype=np.int64),
                     np.arange(6, dtype=np.int64), 0.9, 1),  # fmt: skip
        ),
        Kernel(
            "orderflow",
            "trade_events",
            lambda: (np.array([0, 1, 1, 1, 2], dtype=np.int64), np.array([1.0, 1.0, 1.25, 1.25, 1.0]), np.ones(5),
                     np.array([1, 1, 1, 1, -1], dtype=np.int8)),  # fmt: skip
        ),
        Kernel("episodes", "level_episodes", lambda: (_example_series()[0], _example_series() + 0.5, 1.0, 2.0, 3)),
        Kernel("episodes", "episode_diffs", lambda: (_example_series(), *_example_episodes(), 1)),
        Kernel("episodes", "episode_cumsum", lambda: (_example_series(), *_example_episodes())),
        Kernel("episodes", "episode_stats", lambda: (_example_series(), *_example_episodes())),
    ]
}


def _check_name(name: str) -> str:
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; valid backends are {', '.join(BACKENDS)}")
    return name


_default_backend: str | None = None  # set by set_backend(); else the environment decides
_context_backend: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "barsmith_backend", default=None
)


def get_backend() -> str:
    """The active backend: ``use_backend`` > ``set_backend`` > ``$BARSMITH_BACKEND`` > ``"rust"``."""
    name = _context_backend.get() or _default_backend
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip().lower() or DEFAULT_BACKEND
        try:
            _check_name(name)
        except ValueError as e:
            raise ValueError(f"${ENV_VAR}: {e}") from None
    return name


def set_backend(name: str) -> None:
    """Set the process-wide backend (``"rust"``, ``"numba"`` or ``"pandas"``).

    Raises :class:`ValueError` for an unknown name and
    :class:`BackendUnavailableError` if the backend cannot load.
    """
    global _default_backend
    _backend_root(_check_name(name))
    _default_backend = name


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[str]:
    """Use a backend inside a ``with`` block; other threads are not affected.

    >>> with barsmith.use_backend("pandas"):
    ...     bars = barsmith.bars.time_bars(trades, "5s")
    """
    _backend_root(_check_name(name))
    token = _context_backend.set(name)
    try:
        yield name
    finally:
        _context_backend.reset(token)


_roots: dict[str, ModuleType] = {}


def _backend_root(backend: str) -> ModuleType:
    if backend in _roots:
        return _roots[backend]
    try:
        if backend == "rust":
            root = importlib.import_module("barsmith._core")
        elif backend == "numba":
            importlib.import_module("numba")
            root = importlib.import_module("barsmith._numba")
        else:
            root = importlib.import_module("barsmith._pandas")
    except ImportError as e:
        hint = {
            "rust": "the Rust extension barsmith._core is not built; reinstall with `pip install .` "
            "(needs a Rust toolchain) or pick another backend",
            "numba": "install numba (`pip install numba`) or pick another backend",
            "pandas": "install pandas",
        }[backend]
        raise BackendUnavailableError(f"backend {backend!r} cannot load ({e}); {hint}") from e
    _roots[backend] = root
    return root


def available_backends() -> dict[str, str | None]:
    """Each backend mapped to ``None`` if it loads, else the reason it does not."""
    out: dict[str, str | None] = {}
    for name in BACKENDS:
        try:
            _backend_root(name)
            out[name] = None
        except BackendUnavailableError as e:
            out[name] = str(e)
    return out


def kernel(name: str, backend: str | None = None) -> Callable[..., Any]:
    """The implementation of kernel ``name`` in ``backend`` (default: the active one)."""
    backend = _check_name(backend) if backend is not None else get_backend()
    spec = KERNELS[name]
    root = _backend_root(backend)
    if backend == "rust":
        domain = getattr(root, spec.domain)
    else:
        domain = importlib.import_module(f"{root.__name__}.{spec.domain}")
    try:
        return getattr(domain, name)
    except AttributeError:
        raise BackendUnavailableError(
            f"kernel {name!r} is missing from backend {backend!r}; rebuild barsmith"
        ) from None


def _frozen_arg(a: Any) -> Any:
    """Arrays (and tuples of arrays, such as book levels) as the fronts pass them: read-only,
    so warm-up compiles the signatures real calls use."""
    from ._args import frozen

    if isinstance(a, np.ndarray):
        return frozen(a)
    if isinstance(a, tuple):
        return tuple(_frozen_arg(x) for x in a)
    return a


def warmup(backend: str | None = None, kernels: Iterable[str] | None = None) -> dict[str, float]:
    """Compile (or load from cache) the kernels of a backend; seconds per kernel.

    Numba kernels compile on first call and cache to disk; call this once at
    start-up so the first real call is not slow. ``kernels`` names the ones to
    compile (default: all of :data:`KERNELS`). Rust and pandas have nothing to
    compile and return at once.

    >>> seconds = warmup("numba", kernels=["time_bars"])  # doctest: +SKIP
    """
    backend = _check_name(backend) if backend is not None else get_backend()
    names = list(KERNELS) if kernels is None else list(kernels)
    unknown = [name for name in names if name not in KERNELS]
    if unknown:
        raise ValueError(f"unknown kernel(s) {unknown}; the kernels are {sorted(KERNELS)}")
    if backend != "numba":
        _backend_root(backend)
        return {name: 0.0 for name in names}
    seconds: dict[str, float] = {}
    for name in names:
        fn = kernel(name, backend)
        args = [_frozen_arg(a) for a in KERNELS[name].example()]
        start = time.perf_counter()
        fn(*args)
        seconds[name] = time.perf_counter() - start
    return seconds
