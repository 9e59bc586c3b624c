//! Volume-weighted average price, reset per period or over a rolling window.

use super::*;

/// Volume-weighted average price of `price` (e.g. the typical price).
/// `window > 0`: `(price * volume).rolling(window, min_periods=window).sum() / volume.rolling(...).sum()`.
/// `window == 0`: cumulative within each period of `period` (one label per row, sorted;
/// empty: one period), as `(price * volume).groupby(period).cumsum() / volume.groupby(period).cumsum()`:
/// Kahan-compensated sums that skip NaN, NaN on a row whose price or volume is NaN.
pub fn vwap(price: &[f64], volume: &[f64], period: &[i64], window: usize, out: &mut [f64]) {
    let mut s = Vwap::new(window);
    for i in 0..price.len() {
        let new_period = i > 0 && !period.is_empty() && period[i] != period[i - 1];
        out[i] = s.update(price[i], volume[i], new_period);
    }
}

pub struct Vwap {
    window: usize,
    rolling: (Windowed<RollingSum>, Windowed<RollingSum>),
    anchored: (KahanSum, KahanSum),
}

impl Vwap {
    pub fn new(window: usize) -> Self {
        let rolling = (Windowed::new(window), Windowed::new(window));
        Vwap {
            window,
            rolling,
            anchored: Default::default(),
        }
    }

    /// `new_period`: this row starts a new anchor period (ignored when rolling).
    #[inline]
    pub fn update(&mut self, price: f64, volume: f64, new_period: bool) -> f64 {
        let pv = price * volume;
        if self.window > 0 {
            let (p, v) = &mut self.rolling;
            p.push(pv);
            v.push(volume);
            return p.w.sum(self.window) / v.w.sum(self.window);
        }
        if new_period {
            self.anchored = Default::default();
        }
        let (p, v) = &mut self.anchored;
        p.add(pv) / v.add(volume)
    }
}
stream!(Vwap, |s, r, o| o[0] = s.update(r[0], r[1], r[2] != 0.0));

/// pandas' `groupby(...).cumsum()` accumulator: Kahan-compensated, NaN skipped (and returned).
#[derive(Default)]
struct KahanSum {
    sum: f64,
    comp: f64,
}

impl KahanSum {
    #[inline]
    fn add(&mut self, v: f64) -> f64 {
        if v.is_nan() {
            return v;
        }
        let y = v - self.comp;
        let t = self.sum + y;
        self.comp = t - self.sum - y;
        self.sum = t;
        t
    }
}
