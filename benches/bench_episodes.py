"""Level episodes + approach features on a generated day of 5-second MBP-10 bars (about
17,000 bars, 60 features, windows 3/6/12, four levels), each backend, and the ratio of
the pandas oracle's time over each backend's, measured in one process.

$BARSMITH_BENCH_EPISODE_EVENTS sets the day's events (default 290k; CI smoke-tests less).
"""

import functools
import os

from .common import BACKENDS

from barsmith._peers import episode_day
from barsmith._timing import best_of
from barsmith.cli import EPISODE_WINDOWS
from barsmith.episodes import approach_features, level_episodes

EVENTS = int(float(os.environ.get("BARSMITH_BENCH_EPISODE_EVENTS", "2.9e5")))


@functools.lru_cache(maxsize=1)
def day():
    bars, levels = episode_day(EVENTS)
    return bars, levels, list(bars.columns[:60])


def run(backend):
    bars, levels, features = day()
    eps = level_episodes(bars, levels, trigger=0.5, exit=1.0, max_bars=120, backend=backend)
    return approach_features(bars, eps, features, EPISODE_WINDOWS, backend=backend)


class EpisodeFeatures:
    params = [BACKENDS]
    param_names = ["backend"]
    timeout = 600

    def setup(self, backend):
        run(backend)  # Numba compiles (or loads its cache) outside the timing

    def time_episodes_and_features(self, backend):
        run(backend)


class EpisodeRatios:
    """The pandas oracle's time over each backend's (target: rust >= 50)."""

    params = [BACKENDS]
    param_names = ["backend"]
    unit = "ratio"
    timeout = 600

    def setup(self, backend):
        run(backend)
        self.oracle = best_of(lambda: run("pandas"), 3)[0]
        self.seconds = best_of(lambda: run(backend), 5)[0]

    def track_pandas_over_backend(self, backend):
        return self.oracle / self.seconds
