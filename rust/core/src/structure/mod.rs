//! Price structure, smartmoneyconcepts-compatible (`smc` mode). Read beside
//! `python/barsmith/_pandas/structure.py` (the definitions) and
//! `python/barsmith/_numba/structure/`.
//!
//! smartmoneyconcepts 0.0.27 runs repeated vectorised passes and per-gap scans
//! (quadratic in places); these kernels give its exact outputs in one or two
//! linear passes. Outputs are float64 with NaN where smartmoneyconcepts has NaN.

use rayon::prelude::*;

mod breaks;
mod gaps;
mod levels;
mod liquidity;
mod order_blocks;
mod search;
mod sessions;
mod swings;

pub use breaks::*;
pub use gaps::*;
pub use levels::*;
pub use liquidity::*;
pub use order_blocks::*;
use search::*;
pub use sessions::*;
pub use swings::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_swing_highs_keeps_its_earliest_highest() {
        // L = 1: windows of 2 bars (i, i + 1)
        let high = [1.0, 3.0, 2.0, 3.0, 1.0, 0.5, 4.0, 1.0];
        let low = [0.0, 2.0, 2.5, 2.0, 0.2, 0.1, 3.0, 0.0]; // bar 2 is no swing low
        let mut out = vec![0.0; 16];
        swing_highs_lows(&high, &low, 1, &mut out);
        let kind = &out[..8];
        assert_eq!(kind[1], 1.0); // 3.0 at bar 1 beats the equal 3.0 at bar 3 (earliest)
        assert!(kind[3].is_nan());
    }

    #[test]
    fn the_tree_finds_the_first_value_below_a_bound_from_a_start() {
        let mut tree = MinTree::new([5.0, f64::NAN, 3.0, 7.0, 1.0].into_iter());
        assert_eq!(tree.first_below(0, 4.0), Some(2));
        assert_eq!(tree.first_below(3, 4.0), Some(4));
        assert_eq!(tree.first_below(0, 1.0), None); // strictly below; NaN never answers
        tree.remove(2);
        assert_eq!(tree.first_below(0, 4.0), Some(4));
        assert_eq!(tree.first_below(9, f64::INFINITY), None);
    }

    #[test]
    fn a_gap_is_mitigated_by_the_first_bar_reaching_it() {
        let open = [1.0, 1.0, 2.0, 3.0, 3.0];
        let close = [1.0, 2.0, 3.0, 3.0, 3.0];
        let high = [1.0, 2.0, 3.0, 3.5, 3.5];
        let low = [0.5, 1.0, 2.5, 3.0, 1.5];
        let mut out = vec![0.0; 20];
        fvg(&open, &high, &low, &close, false, &mut out);
        assert_eq!(out[1], 1.0); // high[0] = 1 < low[2] = 2.5, closes up
        assert_eq!((out[5 + 1], out[10 + 1]), (2.5, 1.0));
        assert_eq!(out[15 + 1], 4.0); // bar 4's low 1.5 <= 2.5
    }
}
