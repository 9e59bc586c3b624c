//! Technical indicators in two conventions. Read beside
//! `python/barsmith/_pandas/indicators.py` (the definitions, as pandas
//! expressions) and `python/barsmith/_numba/indicators/`.
//!
//! `PANDAS` reproduces a documented pandas expression, NaN handling included
//! (`ewm(adjust=False)` carries its value over NaN and re-weights after a gap;
//! `rolling` needs `min_periods` observations; both see +-inf as missing, see
//! [`pandas_window_value`]). `TALIB` reproduces TA-Lib
//! 0.8.x (the C library behind the `ta-lib` 0.8.2 wheel) on NaN-free input;
//! on NaN it does what TA-Lib should: the output is NaN there and the
//! indicator warms up again from the next valid value (TA-Lib instead sticks
//! at NaN or, for RSI, at 0.0 for ever).
//!
//! Every kernel works on one series (a slice); [`per_series`] runs a kernel
//! over the rows of a 2-D (series x points) array in parallel.

use rayon::prelude::*;

use crate::{count_f64, prefetch};

pub const PANDAS: i64 = 0;
pub const TALIB: i64 = 1;

/// Runs `f` compiled for FMA where the CPU has it. TA-Lib's wheel fuses its EMA and ATR
/// steps (`fma(x - ema, k, ema)`, `fma(atr, k, tr * (1 - k))`: the multiply-add is one
/// instruction in its FMA build), so the `TALIB` kernels do too, with `f64::mul_add`.
/// A fused multiply-add is rounded once by definition: elsewhere `mul_add` is the libm
/// call, slower but bit for bit the same, so a stream equals its batch on any CPU.
#[inline]
pub fn fused<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        unsafe fn with_fma<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the CPU has FMA (checked just above)
        return unsafe { with_fma(f) };
    }
    f()
}

/// `fused!(body)`: [`fused`] on `body` as a closure inlined into both of its paths, so the
/// multiply-adds of the states it drives (their `update`s are `inline(always)`) become
/// instructions rather than calls. The closure takes its captures by value: a state it owns
/// stays in registers, where one it borrowed would make a store and a reload of every step.
macro_rules! fused {
    ($($body:tt)*) => {
        fused(#[inline(always)] move || { $($body)* })
    };
}

#[macro_use]
mod streaming;
mod averages;
mod bands;
mod directional;
mod momentum;
mod ranges;
mod vwap;

pub use averages::*;
pub use bands::*;
pub use directional::*;
pub use momentum::*;
pub use ranges::*;
pub use streaming::*;
pub use vwap::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sma_of_a_constant_window_is_the_value_and_nan_windows_are_nan() {
        let x = [1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0, 7.0, 0.1, 0.1, 0.1];
        let mut out = [0.0; 10];
        sma(&x, 3, PANDAS, &mut out);
        assert!(out[..2].iter().all(|v| v.is_nan()));
        assert_eq!(out[2], 2.0);
        assert!(out[3..6].iter().all(|v| v.is_nan()));
        assert_eq!(out[6], 6.0);
        assert_eq!(out[9], 0.1);
    }

    #[test]
    fn talib_ema_restarts_after_nan() {
        let x = [1.0, 2.0, 3.0, f64::NAN, 4.0, 5.0, 6.0];
        let mut out = [0.0; 7];
        ema(&x, 2, TALIB, &mut out);
        assert!(out[0].is_nan() && out[3].is_nan() && out[4].is_nan());
        assert_eq!(out[1], 1.5);
        assert_eq!(out[5], 4.5);
    }

    #[test]
    fn a_row_major_panel_in_tiles_equals_walking_its_rows() {
        // 19 series (two full tiles and a partial one) of 300 points, with NaN and flat runs
        let (n_points, n_series) = (300, 19);
        let x: Vec<f64> = (0..n_points * n_series)
            .map(|i| match i % 97 {
                0 => f64::NAN,
                1..=5 => 50.0,
                _ => ((i * 7919) % 101) as f64,
            })
            .collect();
        let tiles = per_series_tiles(&[&x, &x], n_points, n_series, 3, |s, o| {
            let [a, b, c] = split_outputs::<3>(o);
            rsi(s[0], 5, TALIB, a);
            atr(s[0], s[1], s[0], 4, PANDAS, b);
            wma(s[1], 3, TALIB, c);
        })
        .unwrap();
        struct Three(Rsi, Atr, Wma);
        impl Stream for Three {
            fn update(&mut self, row: &[f64], out: &mut [f64]) {
                out[0] = self.0.update(row[0]);
                out[1] = self.1.update(row[0], row[1], row[0]);
                out[2] = self.2.update(row[1]);
            }
        }
        let rows = per_series_rows(&[&x, &x], n_points, n_series, 3, || {
            Three(Rsi::new(5, TALIB), Atr::new(4, PANDAS), Wma::new(3, TALIB))
        });
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(); // NaN == NaN
        assert!(bits(&tiles) == bits(&rows));
    }

    #[test]
    fn series_run_in_parallel_give_the_serial_result() {
        let x: Vec<f64> = (0..4000).map(|i| ((i * 7919) % 101) as f64).collect();
        let mut par = vec![0.0; 4000];
        per_series(&[&x], 1000, 1, &mut par, |s, o| ema(s[0], 14, PANDAS, o));
        let mut serial = vec![0.0; 1000];
        ema(&x[2000..3000], 14, PANDAS, &mut serial);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(); // NaN == NaN
        assert!(bits(&par[2000..3000]) == bits(&serial));
    }
}
