"""Threads calling kernels of different backends at once get what serial calls get.

Each thread picks its backend with ``use_backend`` (a context variable, so threads
do not see each other's choice); the Rust kernels release the GIL while they run.
"""

import threading

import pandas as pd

import barsmith

TRADES = barsmith.synth.trades(200_000, seed=5)
OHLC = barsmith.synth.ohlc(20_000, seed=5)
BACKENDS = ("rust", "numba", "pandas", "rust", "numba", "rust", "pandas", "rust")  # 8 threads


def _work():
    return (
        barsmith.bars.time_bars(TRADES, "5s"),
        barsmith.indicators.rsi(OHLC["close"], 14),
        barsmith.indicators.atr(OHLC["high"], OHLC["low"], OHLC["close"], 14, convention="talib"),
        barsmith.structure.swing_highs_lows(OHLC, 10),
        barsmith.orderflow.cvd(TRADES, reset="1h"),
    )


def test_eight_threads_on_mixed_backends_equal_serial_calls():
    serial = {}
    for backend in set(BACKENDS):
        barsmith.warmup(backend)
        with barsmith.use_backend(backend):
            serial[backend] = _work()
    results, errors = [None] * len(BACKENDS), []
    start = threading.Barrier(len(BACKENDS))

    def run(i, backend):
        try:
            with barsmith.use_backend(backend):
                start.wait()
                results[i] = (barsmith.get_backend(), _work())
        except Exception as err:  # reported below, with the thread's backend
            errors.append((backend, err))

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(BACKENDS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for backend, (seen, outputs) in zip(BACKENDS, results):
        assert seen == backend
        for got, expected in zip(outputs, serial[backend]):
            if isinstance(expected, pd.DataFrame):
                pd.testing.assert_frame_equal(got, expected)
            else:
                pd.testing.assert_series_equal(got, expected)


def test_rust_kernels_release_the_gil_so_python_threads_run_meanwhile():
    # The main thread counts only while the worker is inside a kernel call. A kernel
    # holding the GIL would let no Python bytecode run until it returned: no counts.
    from barsmith._input import day_floor, trades_input
    from barsmith._registry import kernel

    t = trades_input(barsmith.synth.trades(900_000, seed=1), scan=False)  # one thread each
    time_bars = kernel("time_bars", "rust")
    args = (t.ts, t.price, t.size, t.side, 1_000_000_000, day_floor(t.ts[0]))
    state = {"in_call": False, "done": False}

    def worker():
        for _ in range(20):
            state["in_call"] = True
            time_bars(*args)
            state["in_call"] = False
        state["done"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    ticks_in_call = 0
    while not state["done"]:
        if state["in_call"]:
            ticks_in_call += 1
    thread.join()
    assert ticks_in_call > 100
