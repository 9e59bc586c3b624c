"""Pieces of one kernel call run in Python threads over ``nogil`` kernels.

Numba's ``parallel=True`` compiles a parfor pipeline per kernel (seconds of a
first run); a kernel cut into independent pieces runs as fast from a thread
pool, because every piece releases the GIL for its whole run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


def in_threads(piece: Callable[[int], T], m: int) -> list[T]:
    """``[piece(0), ..., piece(m - 1)]``, one thread per piece (inline when ``m == 1``)."""
    if m <= 1:
        return [piece(j) for j in range(m)]
    with ThreadPoolExecutor(max_workers=m) as pool:
        return list(pool.map(piece, range(m)))
