"""MBP-10 book bars and the DBN reader: every backend x day size, with parity
and the rust speedup measured in one process (track_)."""

import os
import tempfile

import numpy as np

import barsmith

from .common import BACKENDS, BOOK_SIZES, book_events, warm


class BookBars:
    params = (BACKENDS, BOOK_SIZES)
    param_names = ["backend", "n_events"]
    timeout = 900

    def setup(self, backend, n):
        if backend == "pandas" and n > 500_000:
            raise NotImplementedError("the pandas oracle takes ~20 s a day: timed at the small size only")
        self.events = book_events(n)
        warm(backend)

    def time_mbp10_bars(self, backend, n):
        barsmith.book.mbp10_bars(self.events, "5s", backend=backend)

    def peakmem_mbp10_bars(self, backend, n):
        barsmith.book.mbp10_bars(self.events, "5s", backend=backend)

    def track_events_per_second_millions(self, backend, n):
        import time

        start = time.perf_counter()
        barsmith.book.mbp10_bars(self.events, "5s", backend=backend)
        return len(self.events) / (time.perf_counter() - start) / 1e6

    track_events_per_second_millions.unit = "M events/s"


class BookParity:
    """Largest relative difference of any column from the pandas oracle (0 expected)."""

    params = (BACKENDS,)
    param_names = ["backend"]

    def setup(self, backend):
        self.events = book_events(min(BOOK_SIZES))
        warm(backend)

    def track_max_relative_difference(self, backend):
        expected = barsmith.book.mbp10_bars(self.events, "5s", backend="pandas").to_numpy(dtype=np.float64)
        got = barsmith.book.mbp10_bars(self.events, "5s", backend=backend).to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(got - expected) / np.abs(expected)
        same_nan = np.array_equal(np.isnan(got), np.isnan(expected))
        return float(np.nanmax(np.where(got == expected, 0.0, rel))) if same_nan else float("inf")


class ReadMbp10:
    params = ([".dbn", ".dbn.zst"], BOOK_SIZES)
    param_names = ["format", "n_events"]
    timeout = 900

    def setup(self, suffix, n):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "day.mbp-10" + suffix)
        barsmith.book.write_mbp10(book_events(n), self.path)

    def teardown(self, suffix, n):
        self.dir.cleanup()

    def time_read_mbp10(self, suffix, n):
        barsmith.book.read_mbp10(self.path)

    def peakmem_read_mbp10(self, suffix, n):
        barsmith.book.read_mbp10(self.path)


class BookSpeedup:
    """Ratios measured in one process on the same day (best of 3 for the fast backends)."""

    timeout = 900

    def setup(self):
        from barsmith._timing import best_of

        self.events = book_events(min(BOOK_SIZES))
        self.seconds = {}
        for backend in BACKENDS:
            warm(backend)
            repeat = 1 if backend == "pandas" else 3
            self.seconds[backend] = best_of(lambda: barsmith.book.mbp10_bars(self.events, "5s", backend=backend), repeat)[0]
        if "rust" not in self.seconds:
            raise NotImplementedError("the rust backend is not available")

    def track_rust_speedup_over_pandas(self):
        return self.seconds["pandas"] / self.seconds["rust"]

    def track_numba_time_over_rust(self):
        return self.seconds["numba"] / self.seconds["rust"]

    track_rust_speedup_over_pandas.unit = "x"
    track_numba_time_over_rust.unit = "x"
