//! Incremental state engines for backtests: each `update` reads one bar in O(1)
//! amortised work. Read beside `python/barsmith/engines/` (the readable oracle, and the
//! definitions in `docs/features.md`).

mod hob;
mod smc;
mod swings;
mod timeframes;
mod wyckoff;

pub use hob::*;
pub use smc::*;
pub use swings::Swings;
pub use timeframes::*;
pub use wyckoff::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(n: usize, seed: u64) -> Vec<[f64; 5]> {
        // a tick-grid random walk with ties, as barsmith.synth.ohlc makes
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut next = move |m: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % m) as f64
        };
        let mut close = 100.0;
        (0..n)
            .map(|_| {
                let open = close;
                close = open + next(7) - 3.0;
                let high = open.max(close) + next(3);
                let low = open.min(close) - next(3);
                [open, high, low, close, 1.0 + next(100)]
            })
            .collect()
    }

    #[test]
    fn rows_do_not_depend_on_how_bars_are_fed_and_reset_starts_afresh() {
        let bars = walk(2000, 3);
        let mut a = SmcState::new(3, true, true, false);
        let rows: Vec<_> = bars.iter().map(|b| a.update(b).0).collect();
        a.reset();
        let again: Vec<_> = bars.iter().map(|b| a.update(b).0).collect();
        let same = |x: &[f64; SMC_COLUMNS], y: &[f64; SMC_COLUMNS]| {
            x.iter()
                .zip(y)
                .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
        };
        assert!(rows.iter().zip(&again).all(|(x, y)| same(x, y)));
        let params = WyckoffParams {
            pivot_length: 3,
            pivots: 6,
            window: 10,
            wide: 1.5,
            narrow: 0.7,
            high_volume: 1.5,
        };
        let mut w = WyckoffState::new(params);
        let phases: Vec<_> = bars.iter().map(|b| w.update(b)[9]).collect();
        w.reset();
        assert!(bars.iter().zip(&phases).all(|(b, &p)| w.update(b)[9] == p));
        assert!(w.pivots().len() <= 6 && phases.iter().any(|&p| p != 0.0));
        // something happens on a walk this long
        assert!(
            rows.iter().any(|r| !r[0].is_nan())
                && rows.iter().any(|r| !r[10].is_nan() || !r[11].is_nan())
        );
    }
}
