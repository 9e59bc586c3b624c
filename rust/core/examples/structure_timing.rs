//! Times the structure kernels on a seeded random walk: `cargo run --release --example
//! structure_timing [name [runs]]` (one kernel, e.g. under `perf record`).
use std::time::Instant;

use barsmith_core::structure;

fn main() {
    let n = 100_000;
    let mut state = 7u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut close = vec![100.0; n];
    for i in 1..n {
        close[i] = close[i - 1] + next() - 0.5;
    }
    let high: Vec<f64> = close.iter().map(|c| c + next()).collect();
    let low: Vec<f64> = close.iter().map(|c| c - next()).collect();
    let open: Vec<f64> = std::iter::once(100.0)
        .chain(close[..n - 1].iter().copied())
        .collect();
    let mut swings = vec![0.0; 2 * n];
    structure::swing_highs_lows(&high, &low, 5, &mut swings);
    let (kind, level) = swings.split_at(n);
    let volume: Vec<f64> = (0..n).map(|_| (next() * 100.0).floor()).collect();
    let times: Vec<i64> = (0..n as i64).map(|i| i * 900_000_000_000).collect();
    let day = 86_400_000_000_000i64;
    let bin: Vec<i64> = times.iter().map(|t| t / day).collect();
    let labels: Vec<i64> = (0..=bin[n - 1]).map(|k| k * day).collect();
    for (name, run) in [
        (
            "swing_highs_lows(50)",
            Box::new(|out: &mut Vec<f64>| structure::swing_highs_lows(&high, &low, 50, out))
                as Box<dyn Fn(&mut Vec<f64>)>,
        ),
        (
            "fvg",
            Box::new(|out: &mut Vec<f64>| structure::fvg(&open, &high, &low, &close, false, out)),
        ),
        (
            "order_blocks",
            Box::new(|out: &mut Vec<f64>| {
                structure::order_blocks(&open, &high, &low, &close, &volume, kind, false, out)
            }),
        ),
        (
            "liquidity",
            Box::new(|out: &mut Vec<f64>| {
                structure::liquidity(&high, &low, kind, level, 0.01, out)
            }),
        ),
        (
            "previous_high_low",
            Box::new(|out: &mut Vec<f64>| {
                structure::previous_high_low(&times, &bin, &labels, &open, &high, &low, &close, out)
            }),
        ),
    ] {
        let mut args = std::env::args().skip(1);
        if args.next().is_some_and(|only| only != name) {
            continue;
        }
        let runs = args
            .next()
            .map_or(20, |r| r.parse().expect("a number of runs"));
        let mut out = vec![0.0; 6 * n];
        let mut best = f64::INFINITY;
        for _ in 0..runs {
            let t = Instant::now();
            run(&mut out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:<22} {:.3} ms ({:.1} ns/bar)",
            best * 1e3,
            best * 1e9 / n as f64
        );
    }
}
