"""The Numba backend: ``@njit(cache=True, nogil=True)`` kernels over NumPy arrays.

Kernels compile lazily on first call and cache to disk; ``barsmith.warmup("numba")``
compiles them ahead of time. Importing this package compiles nothing.
"""
