"""Side-by-side timings for ``barsmith demo`` and ``barsmith bench``: every
backend and every installed peer on the same data in one process, as ratios
over the pandas backend, with the parity error against the pandas oracle."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from ._compare import max_relative_difference
from ._registry import BACKENDS, available_backends


@dataclass
class Row:
    name: str
    seconds: float
    parity: float | None  # largest relative difference from the pandas backend; None: not comparable


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def compare(
    run: Callable[[str], Any],
    peers: dict[str, tuple[Callable[[], Any], Callable[[Any], pd.DataFrame] | None]],
    repeat: int,
    progress: Any = None,
    to_frame: Callable[[Any], pd.DataFrame] | None = None,
    peer_repeat: int | None = None,
) -> list[Row]:
    """Time ``run(backend)`` for each loadable backend and each peer (fn, to_frame). Only the
    calls are timed: ``to_frame`` (for barsmith's outputs) and the peers' converters turn the
    results into frames for the parity column afterwards, as a user's call returns them.
    ``peer_repeat`` (default ``repeat``) runs slow peers fewer times."""
    rows: list[Row] = []
    oracle: pd.DataFrame | None = None
    for backend in ("pandas", *[b for b in BACKENDS if b != "pandas"]):
        if available_backends()[backend] is not None:
            continue
        if backend == "numba":
            run(backend)  # untimed: compiles (or loads) exactly the kernels this run needs
        seconds, out = best_of(lambda: run(backend), 1 if backend == "pandas" else repeat)
        out = to_frame(out) if to_frame is not None else out
        if backend == "pandas":
            oracle = out
        rows.append(Row(f"barsmith[{backend}]", seconds, max_relative_difference(out, oracle[out.columns])))
        if progress is not None:
            progress.update(1)
    for name, (fn, to_frame) in peers.items():
        seconds, out = best_of(fn, repeat if peer_repeat is None else peer_repeat)
        parity = None
        if to_frame is not None and oracle is not None:
            frame = to_frame(out)
            parity = max_relative_difference(frame, oracle[list(frame.columns)])
        rows.append(Row(name, seconds, parity))
        if progress is not None:
            progress.update(1)
    return rows


def table(rows: list[Row], n_items: int, unit: str) -> str:
    """A text table: name, seconds, million items/s, speedup over barsmith[pandas], parity."""
    base = next((r.seconds for r in rows if r.name == "barsmith[pandas]"), None)
    head = f"{'implementation':<30} {'seconds':>9} {'M ' + unit + '/s':>12} {'vs pandas':>10} {'max rel diff':>13}"
    lines = [head, "-" * len(head)]
    for r in rows:
        rate = n_items / r.seconds / 1e6 if r.seconds > 0 else float("inf")
        speedup = f"{base / r.seconds:9.1f}x" if base else "        -"
        parity = "-" if r.parity is None else f"{r.parity:.1e}"
        lines.append(f"{r.name:<30} {r.seconds:9.4f} {rate:12.1f} {speedup:>10} {parity:>13}")
    return "\n".join(lines)
