"""The decorators of the indicator and structure kernels.

``error_model="numpy"``: ``x / 0`` is inf or NaN (IEEE, as Rust and pandas), not
ZeroDivisionError. ``cache=True`` compiles once per machine; ``nogil=True`` lets
callers' threads run kernels side by side.
"""

from __future__ import annotations

from numba import njit

jit = njit(cache=True, nogil=True, error_model="numpy")
parallel = njit(cache=True, nogil=True, parallel=True, error_model="numpy")
# Per-value helpers are inlined: a call through Numba's calling convention costs more than they do.
inline = njit(cache=True, nogil=True, inline="always", error_model="numpy")
