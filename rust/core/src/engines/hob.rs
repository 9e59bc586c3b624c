//! `HobState`: the bar's wick and body ratios, volume spikes (rolling z of volume) and
//! liquidity sweeps of recent swing levels, one bar at a time. Read beside the oracle
//! `python/barsmith/engines/hob.py`; the definitions are in `docs/features.md`.

use std::collections::VecDeque;

use super::swings::Swings;
use crate::indicators::RollingZscore;

/// Columns of a row, in the order of the oracle's `COLUMNS`.
pub const HOB_COLUMNS: usize = 11;

pub struct HobState {
    swing_length: usize,
    volume_window: usize,
    spike_z: f64,
    levels: usize,
    n: i64,
    swings: Swings,
    volume_z: RollingZscore,
    highs: VecDeque<(f64, i64)>, // live swing highs (level, bar), oldest first
    lows: VecDeque<(f64, i64)>,
}

/// The pooled levels the bar reaches beyond (`beyond`): all leave the pool; those the
/// close came back to (`back`) are swept. The count swept and the most extreme one
/// (`further`: is a level more extreme than another), the latest of equal levels.
fn consume(
    pool: &mut VecDeque<(f64, i64)>,
    beyond: impl Fn(f64) -> bool,
    back: impl Fn(f64) -> bool,
    further: impl Fn(f64, f64) -> bool,
) -> (f64, f64, f64) {
    let (mut count, mut level, mut index) = (0.0, f64::NAN, f64::NAN);
    pool.retain(|&(l, i)| {
        if !beyond(l) {
            return true;
        }
        if back(l) {
            count += 1.0;
            if level.is_nan() || !further(level, l) {
                level = l;
                index = i as f64;
            }
        }
        false
    });
    (count, level, index)
}

impl HobState {
    pub fn new(swing_length: usize, volume_window: usize, spike_z: f64, levels: usize) -> Self {
        Self {
            swing_length,
            volume_window,
            spike_z,
            levels: levels.max(1),
            n: 0,
            swings: Swings::new(swing_length),
            volume_z: RollingZscore::new(volume_window.max(1), 1),
            highs: VecDeque::new(),
            lows: VecDeque::new(),
        }
    }

    /// Forget every bar.
    pub fn reset(&mut self) {
        *self = Self::new(
            self.swing_length,
            self.volume_window,
            self.spike_z,
            self.levels,
        );
    }

    pub fn bars(&self) -> i64 {
        self.n
    }

    /// The live swing levels `(side, level, bar)`, highs then lows, oldest first.
    pub fn live_levels(&self) -> Vec<(i32, f64, i64)> {
        let highs = self.highs.iter().map(|&(l, i)| (1, l, i));
        highs
            .chain(self.lows.iter().map(|&(l, i)| (-1, l, i)))
            .collect()
    }

    /// One bar `[open, high, low, close, volume]` (checked by the caller): its row.
    pub fn update(&mut self, bar: &[f64; 5]) -> [f64; HOB_COLUMNS] {
        let [open, high, low, close, volume] = *bar;
        let t = self.n;
        let mut row = [f64::NAN; HOB_COLUMNS];
        let range = high - low;
        let (top, bottom) = (open.max(close), open.min(close));
        if range > 0.0 {
            row[0] = (high - top) / range;
            row[1] = (bottom - low) / range;
            row[2] = (top - bottom) / range;
        } else {
            row[0..3].fill(0.0); // a bar of no range has neither wicks nor body
        }
        let z = self.volume_z.update(volume);
        row[3] = z;
        row[4] = if z >= self.spike_z { 1.0 } else { 0.0 };
        let swept = consume(&mut self.highs, |l| high > l, |l| close <= l, |a, b| a > b);
        (row[5], row[6], row[7]) = swept;
        let swept = consume(&mut self.lows, |l| low < l, |l| close >= l, |a, b| a < b);
        (row[8], row[9], row[10]) = swept;
        // a swing joins its pool after the bar that confirms it is read: it starts live
        if let Some((side, level, index)) = self.swings.push(high, low, t) {
            let pool = if side == 1 {
                &mut self.highs
            } else {
                &mut self.lows
            };
            if pool.len() == self.levels {
                pool.pop_front();
            }
            pool.push_back((level, index));
        }
        self.n = t + 1;
        row
    }
}
