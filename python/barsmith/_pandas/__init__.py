"""The pandas backend: idiomatic vectorised pandas/NumPy, the oracle of correctness.

Every other backend is tested against these kernels. Plain Python loops appear
only where the math is a sequential state machine, and then loop over bars,
not over trades.
"""
