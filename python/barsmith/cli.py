"""``barsmith`` command line: ``demo``, ``bench``, ``warmup``, ``backends``."""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from typing import Any, Callable

from tqdm.auto import tqdm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="barsmith", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="bar a synthetic trading day with every backend and peer")
    demo.add_argument("--trades", type=int, default=2_000_000, help="trades in the day (default 2M)")
    demo.add_argument("--interval", default="5s")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--repeat", type=int, default=3, help="best of N runs per fast implementation")
    demo.add_argument("--events", type=int, default=1_900_000, help="MBP-10 events in the book day (default 1.9M)")

    bench = sub.add_parser("bench", help="time every bar kernel x backend x size, with peers")
    bench.add_argument("--sizes", default="1e4,1e6,1e7", help="comma-separated trade counts")
    bench.add_argument("--kernels", default="time_bars,tick_bars,volume_bars,dollar_bars")
    bench.add_argument("--repeat", type=int, default=3)
    bench.add_argument("--arrays", action="store_true", help="pass NumPy arrays instead of a DataFrame")
    bench.add_argument("--structure", default=None, metavar="BARS",
                       help="also the structure functions on this many bars (e.g. 1e5), beside smartmoneyconcepts "
                            "when installed")  # fmt: skip
    bench.add_argument("--indicators", default=None, metavar="POINTS",
                       help="also the indicators on this many points (e.g. 1e6), beside TA-Lib when installed")
    bench.add_argument("--orderflow", default=None, metavar="TRADES",
                       help="also the order-flow functions on this many trades (e.g. 1e6)")
    bench.add_argument("--inputs", default=None, metavar="TRADES",
                       help="also time_bars from every input layout (str, Arrow, object, polars...) on this many trades")
    bench.add_argument("--engines", default=None, metavar="BARS",
                       help="also engines.replay (1h/4h/1D, four engines, fusion) on this many hourly bars (e.g. 2600), "
                            "update latency per engine, and the rescan a backtest does without engines")  # fmt: skip
    bench.add_argument("--episodes", default=None, metavar="DAYS",
                       help="also level episodes + approach features on a generated day of ~17,000 5s bars, "
                            "60 features, 3 windows, 4 levels, and on DAYS days as one frame")  # fmt: skip
    bench.add_argument("--book", default=None, metavar="SIZES",
                       help="also MBP-10 book bars, reading and peak memory for these event counts (e.g. 1.9e6)")

    warm = sub.add_parser("warmup", help="compile the Numba kernels ahead of time; seconds per kernel")
    warm.add_argument("kernels", nargs="*", help="kernel names (default: all)")
    sub.add_parser("backends", help="which backends load, and why not")

    args = parser.parse_args(argv)
    return {"demo": _demo, "bench": _bench, "warmup": _warmup, "backends": _backends}[args.command](args)


DEMO_KERNELS = ("time_bars", "mbp10_bars")


def _demo(args: argparse.Namespace) -> int:
    import barsmith

    print(f"barsmith {barsmith.__version__}: {args.trades:,} synthetic trades -> {args.interval} bars\n")
    with tqdm(total=1, desc="generating trades", leave=False) as bar:
        trades = barsmith.synth.trades(args.trades, seed=args.seed)
        bar.update(1)
    with tqdm(total=1, desc="compiling numba kernels", leave=False) as bar:
        # only what this demo runs: the rest compiles on its first call (or `barsmith warmup`)
        compile_s = (sum(barsmith.warmup("numba", kernels=DEMO_KERNELS).values())
                     if barsmith.available_backends()["numba"] is None else 0)  # fmt: skip
        bar.update(1)
    rows, n = _time_bars_rows(trades, "time_bars", args.interval, args.repeat, desc="time bars")
    from ._timing import table

    print(table(rows, n, "trades"))
    bars = barsmith.bars.time_bars(trades, args.interval)
    print(f"\n{len(bars):,} bars; numba compile/cache load took {compile_s:.1f}s (once per machine).")
    print("Parity: largest relative difference of any float column from the pandas oracle; "
          "integer and time columns must match exactly (inf means they did not).")  # fmt: skip
    print(bars.head(3).to_string())
    _book_section(args.events, args.interval, args.seed, args.repeat)
    return 0


def _book_section(n_events: int, interval: str, seed: int, repeat: int) -> None:
    """The MBP-10 part of the demo and of ``bench --book``: the same table, plus reading a .dbn.zst."""
    import os
    import tempfile

    import barsmith

    from ._timing import best_of, table

    print(f"\nMBP-10: {n_events:,} synthetic order-book events -> {interval} bars with every feature\n")
    with tqdm(total=1, desc="generating MBP-10 events", leave=False) as bar:
        events = barsmith.synth.mbp10(n_events, seed=seed)
        bar.update(1)
    rows, n = _book_rows(events, interval, repeat)
    print(table(rows, n, "events"))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "day.mbp-10.dbn.zst")
        barsmith.book.write_mbp10(events, path)
        seconds, back = best_of(lambda: barsmith.book.read_mbp10(path), repeat)
        size_mb = os.path.getsize(path) / 1e6
    bars = barsmith.book.mbp10_bars(events, interval)
    print(f"\nread_mbp10 of the day as .dbn.zst ({size_mb:.0f} MB): {seconds:.3f}s, "
          f"{len(back) / seconds / 1e6:.1f} M records/s")  # fmt: skip
    print(f"{len(bars):,} bars x {bars.shape[1]} columns; a few:")
    print(bars[["book_mid_px_eob", "book_spread_px_twa", "flow_ofi_l1_sum", "trade_vol_sum",
                "quality_crossed_cnt_sum"]].head(3).to_string())  # fmt: skip


def _book_rows(events: Any, interval: str, repeat: int):
    import barsmith
    from barsmith._timing import compare

    with tqdm(total=3, desc="book bars", leave=False) as progress:
        rows = compare(lambda backend: barsmith.book.mbp10_bars(events, interval, backend=backend), {}, repeat, progress)
    return rows, len(events)


def _time_bars_rows(trades: Any, kernel: str, interval: str, repeat: int, desc: str, arrays: bool = False):
    import barsmith
    from barsmith import _peers
    from barsmith._timing import compare

    param: dict[str, Any] = {
        "time_bars": {"interval": interval},
        "tick_bars": {"n": 1000},
        "volume_bars": {"threshold": 5_000.0},
        "dollar_bars": {"threshold": 2.5e7},
    }[kernel]
    data: dict[str, Any] = {"trades": trades}
    if arrays:
        import numpy as np
        import pandas as pd

        data = {
            "ts_event": pd.DatetimeIndex(trades["ts_event"]).asi8,
            "price": trades["price"].to_numpy(),
            "size": trades["size"].to_numpy(),
            "side": barsmith._input.to_side(trades["side"]).astype(np.int8),
        }
    fn = getattr(barsmith.bars, kernel)
    peers: dict[str, tuple[Callable[[], Any], Any]] = {}
    if kernel == "time_bars":
        peers["pandas resample"] = (lambda: _peers.pandas_resample_bars(trades, interval), lambda f: f)
        if importlib.util.find_spec("polars") is not None:
            frame = _peers.polars_frame(trades)
            peers["polars group_by_dynamic"] = (
                lambda: _peers.polars_bars(frame, interval),
                _peers.polars_bars_frame,
            )
    n_steps = 3 + len(peers)
    with tqdm(total=n_steps, desc=desc, leave=False) as progress:
        rows = compare(lambda backend: fn(**data, **param, backend=backend), peers, repeat, progress)
    return rows, len(trades)


def _bench(args: argparse.Namespace) -> int:
    import barsmith

    from ._timing import table

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    for n in sizes:
        trades = barsmith.synth.trades(n, seed=1)
        for kernel in args.kernels.split(","):
            rows, _ = _time_bars_rows(trades, kernel, "5s", args.repeat, desc=f"{kernel} n={n:,}", arrays=args.arrays)
            print(f"\n{kernel}, {n:,} trades{' (NumPy arrays in)' if args.arrays else ''}")
            print(table(rows, n, "trades"))
    if args.indicators:
        _indicator_tables(int(float(args.indicators)), args.repeat)
    if args.structure:
        _structure_tables(int(float(args.structure)), args.repeat)
    if args.orderflow:
        _orderflow_tables(int(float(args.orderflow)), args.repeat)
    if args.inputs:
        _input_table(int(float(args.inputs)), args.repeat)
    if args.engines:
        _engine_tables(int(float(args.engines)), args.repeat)
    if args.episodes:
        _episode_tables(int(float(args.episodes)), args.repeat)
    for n in [int(float(s)) for s in args.book.split(",")] if args.book else []:
        _book_section(n, "5s", 1, args.repeat)
        print(f"peak memory for a day (read + bars, fresh process): {_book_peak_memory(n)}")
    return 0


def _indicator_tables(n_points: int, repeat: int) -> None:
    """Each indicator x convention: every backend beside TA-Lib, on one random-walk series."""
    import numpy as np
    import pandas as pd

    import os

    from ._peers import indicator_calls, panel_seconds
    from ._timing import compare, table

    rng = np.random.default_rng(3)
    close = 100 + np.cumsum(rng.normal(0, 1, n_points))
    high, low = close + rng.uniform(0, 1, n_points), close - rng.uniform(0, 1, n_points)
    volume = rng.integers(1, 1_000, n_points).astype(np.float64)
    calls = indicator_calls(high, low, close, volume)
    talib = importlib.import_module("talib") if importlib.util.find_spec("talib") else None
    for name, (fn, ta_name, ta_fn, conventions) in calls.items():
        for conv in conventions:
            peers = {}
            if talib is not None:
                as_frame = (lambda out: pd.DataFrame({"x": out})) if conv == "talib" or len(conventions) == 1 else None
                peers[f"TA-Lib {talib.__version__} {ta_name}"] = (lambda f=ta_fn: f(talib), as_frame)
            with tqdm(total=3 + len(peers), desc=f"{name} {conv}", leave=False) as progress:
                rows = compare(lambda b: fn(conv, b), peers, repeat, progress, lambda out: pd.DataFrame({"x": out}))
            print(f"\n{name}, convention={conv}, {n_points:,} points, one series")
            print(table(rows, n_points, "points"))
    one, every = panel_seconds(1), panel_seconds(None)
    print(f"\nrsi(14) on a 10,000-bar x 1,000-symbol panel (rust): one thread {one * 1e3:.1f} ms, "
          f"all {os.cpu_count()} cores {every * 1e3:.1f} ms = {one / every:.2f}x")


def _structure_tables(n_bars: int, repeat: int) -> None:
    """Each structure function: every backend (best of `repeat`) beside smartmoneyconcepts (run once: it is slow)."""
    import contextlib
    import io

    import barsmith

    from ._peers import structure_calls
    from ._timing import compare, table

    bars = barsmith.synth.ohlc(n_bars, seed=1)
    smc = None
    if importlib.util.find_spec("smartmoneyconcepts"):
        with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
            from smartmoneyconcepts import smc
    for name, (ours, theirs) in structure_calls(bars, smc).items():
        peers = {}
        if theirs is not None:
            peers[f"smartmoneyconcepts {smc.__version__}"] = (theirs, None)
        with tqdm(total=3 + len(peers), desc=name, leave=False) as progress:
            rows = compare(ours, peers, repeat, progress, lambda out: out.reset_index(drop=True).astype(float),
                           peer_repeat=1)  # fmt: skip
        print(f"\n{name}, smc mode, {n_bars:,} bars")
        print(table(rows, n_bars, "bars"))


def _orderflow_tables(n_trades: int, repeat: int) -> None:
    """Each order-flow function: every backend, on one generated day of trades."""
    import barsmith

    from ._timing import compare, table

    trades = barsmith.synth.trades(n_trades, seed=1)
    flow = barsmith.orderflow
    calls = {
        "classify_trades tick": lambda b: flow.classify_trades(trades, "tick", backend=b).to_frame(),
        "cvd reset=1D": lambda b: flow.cvd(trades, reset="1D", backend=b).to_frame(),
        "trade_flow 30s": lambda b: flow.trade_flow(trades, "30s", backend=b),
        "aggressive_trades window=1000": lambda b: flow.aggressive_trades(trades, window=1000, backend=b),
        "aggressive_trades window=5min": lambda b: flow.aggressive_trades(trades, window="5min", backend=b),
        "volume_profile 1D": lambda b: flow.volume_profile(trades, 0.25, "1D", backend=b).reset_index(drop=True),
        "multi_timeframe_flow": lambda b: flow.multi_timeframe_flow(trades, backend=b),
    }
    for name, call in calls.items():
        with tqdm(total=3, desc=name, leave=False) as progress:
            rows = compare(call, {}, repeat, progress, lambda out: out.reset_index(drop=True).astype(float))
        print(f"\n{name}, {n_trades:,} trades")
        print(table(rows, n_trades, "trades"))


EPISODE_WINDOWS = (3, 6, 12)


def _episode_tables(days: int, repeat: int) -> None:
    """level_episodes + approach_features on one generated day in each backend, beside the
    seed pipeline's groupby-transform lambdas; then ``days`` days as one frame (linearity)."""
    import pandas as pd

    from barsmith.episodes import approach_features, level_episodes

    from ._peers import episode_day, seed_approach_features
    from ._timing import Row, best_of, table

    bars, levels = episode_day()
    features = list(bars.columns[:60])

    def run(b, frame=bars, lv=levels):
        eps = level_episodes(frame, lv, trigger=0.5, exit=1.0, max_bars=120, backend=b)
        return approach_features(frame, eps, features, EPISODE_WINDOWS, backend=b)

    eps = level_episodes(bars, levels, trigger=0.5, exit=1.0, max_bars=120)
    run("numba")  # compiled or loaded from the cache first
    rows = [Row(f"barsmith[{b}]", best_of(lambda: run(b), repeat)[0], None) for b in ("pandas", "numba", "rust")]
    seed, _ = best_of(lambda: seed_approach_features(bars, eps, features, EPISODE_WINDOWS), 1)
    rows.append(Row("seed: groupby.transform(lambda)", seed, None))
    long = int(eps.table["n_bars"].sum())
    print(f"\nlevel_episodes + approach_features, {len(bars):,} 5s bars, 60 features x windows {EPISODE_WINDOWS} "
          f"x 4 levels: {len(eps)} episodes, {long:,} episode bars (the seed row: derivatives only)")  # fmt: skip
    print(table(rows, len(bars), "bars"))
    if days > 1:
        many = []
        for d in range(days):
            day = bars.copy()
            day.index = day.index + pd.Timedelta(days=d)
            many.append(day)
        frame = pd.concat(many)
        lv = {k: (pd.concat([v.set_axis(day.index) for day in many]) if isinstance(v, pd.Series) else v)
              for k, v in levels.items()}  # fmt: skip
        one, _ = best_of(lambda: run("rust"), repeat)
        all_days, _ = best_of(lambda: run("rust", frame, lv), repeat)  # the first run also faults the pages in
        print(f"rust: 1 day {one * 1e3:.1f} ms, {days} days as one frame {all_days * 1e3:.1f} ms "
              f"= {all_days / one / days:.2f}x linear")  # fmt: skip


def _engine_tables(n_bars: int, repeat: int) -> None:
    """engines.replay in Rust, Numba and the Python oracle, at n and 10n bars; update latency per
    engine; the rescan baseline (batch causal structure on the growing history at each bar)
    on 2,000 bars beside SmcState."""
    import numpy as np

    import barsmith
    from barsmith.engines import HobState, SmcState, WyckoffState, replay

    from ._peers import rescan_structure
    from ._timing import Row, best_of, table

    for n in (n_bars, 10 * n_bars):
        bars = barsmith.synth.ohlc(n, seed=1, freq="1h")
        rows = []
        replay(bars.iloc[:100], backend="numba")  # the kernels load from Numba's cache (or compile) first
        for backend in ("pandas", "numba", "rust"):
            seconds, result = best_of(lambda: replay(bars, backend=backend), 1 if backend == "pandas" else repeat)
            rows.append(Row(f"barsmith[{backend}]", seconds, None))
        print(f"\nengines.replay, 1h/4h/1D x smc, wyckoff, hob, momentum + fusion on every bar, {n:,} hourly bars")
        print(table(rows, n, "bars"))
        parts = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
        print(f"rust timings (ms): {parts}; events {result.counts['events']:,}")
    bars = barsmith.synth.ohlc(2_600, seed=1, freq="1h")
    live = [barsmith.engines.Bar(*r, ts) for ts, r in zip(bars.index.asi8.tolist(), bars.to_numpy().tolist())]
    print("\nupdate latency per bar, 2,600 hourly bars (microseconds)")
    for make in (SmcState, HobState, WyckoffState):
        for backend in ("rust", "pandas"):
            engine, spent = make(backend=backend), []
            for bar in live:
                start = time.perf_counter_ns()
                engine.update(bar)
                spent.append(time.perf_counter_ns() - start)
            us = np.asarray(spent) / 1e3
            print(f"  {make.__name__}[{backend}]: median {np.median(us):.2f}, p99 {np.percentile(us, 99):.2f}")
    small = bars.iloc[:2_000]
    engine, _ = best_of(lambda: SmcState().update_many(small), repeat)
    rescan, _ = best_of(lambda: rescan_structure(small), 1)
    print(f"\nrescan baseline on 2,000 bars: {rescan:.2f} s against SmcState {engine * 1e3:.2f} ms = {rescan / engine:,.0f}x")


def _input_table(n_trades: int, repeat: int) -> None:
    """time_bars (rust) from each layout users hold, beside the categorical path and polars,
    interleaved round by round so that drift on a shared host hits every row alike."""
    import barsmith

    from ._layouts import trade_frames
    from ._peers import polars_bars, polars_frame
    from ._timing import best_of

    trades = barsmith.synth.trades(n_trades, seed=1)
    frames = trade_frames(trades)
    polars_trades = polars_frame(trades)
    calls = {name: (lambda f=frame: barsmith.bars.time_bars(f, "5s")) for name, frame in frames.items()}
    calls["polars group_by_dynamic"] = lambda: polars_bars(polars_trades, "5s")
    best = dict.fromkeys(calls, float("inf"))
    for _ in tqdm(range(max(1, repeat)), desc="input layouts", leave=False):
        for name, call in calls.items():
            best[name] = min(best[name], best_of(call, 1)[0])
    cat, polars = best["categorical"], best["polars group_by_dynamic"]
    print(f"\ntime_bars 5s from each input layout (rust), {n_trades:,} trades, best of {repeat} interleaved rounds")
    head = f"{'layout':<28} {'ms':>8} {'x categorical':>14} {'polars / this':>14}"
    print(head + "\n" + "-" * len(head))
    for name, seconds in best.items():
        print(f"{name:<28} {seconds * 1e3:8.1f} {seconds / cat:14.2f} {polars / seconds:14.2f}")


def _book_peak_memory(n_events: int) -> str:
    """Peak RSS of a fresh process that reads a day's .dbn.zst and bars it, beside the decoded size."""
    import os
    import subprocess
    import tempfile

    import barsmith

    if not os.path.exists("/proc/self/status"):
        return "n/a (measured from /proc, Linux only)"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "day.dbn.zst")
        barsmith.book.write_mbp10(barsmith.synth.mbp10(n_events, seed=1), path)
        # VmHWM, not ru_maxrss: ru_maxrss carries the parent's peak across fork and exec.
        code = (
            "import barsmith\n"
            "def hwm():\n"
            "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "base = hwm()\n"
            f"events = barsmith.book.read_mbp10({path!r})\n"
            "decoded = events.memory_usage(index=True).sum()\n"
            "barsmith.book.mbp10_bars(events)\n"
            "peak = hwm() - base\n"
            "print(f'{peak / 1024:.0f} MB above start-up for {decoded / 2**20:.0f} MB decoded "
            "({peak * 1024 / decoded:.2f}x)')\n"
        )
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def _warmup(args: argparse.Namespace) -> int:
    import barsmith

    from ._registry import KERNELS

    start = time.perf_counter()
    for name, seconds in barsmith.warmup("numba", kernels=args.kernels or None).items():
        print(f"{KERNELS[name].domain:<11} {name:<26} {seconds:6.2f}s")
    print(f"total {time.perf_counter() - start:.2f}s")
    return 0


def _backends(args: argparse.Namespace) -> int:
    import barsmith

    for name, why in barsmith.available_backends().items():
        print(f"{name:<8} {'ok' if why is None else why}")
    print(f"active: {barsmith.get_backend()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
