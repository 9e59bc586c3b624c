//! `WyckoffState`: pivots in a bounded deque, the range they span, volume spread
//! analysis, the Wyckoff phase and candle-range (CRT) setups, one bar at a time. Read
//! beside the oracle `python/barsmith/engines/wyckoff.py`; the definitions are in
//! `docs/features.md`.

use std::collections::VecDeque;

use super::swings::Swings;
use crate::indicators::Sma;

/// Columns of a row, in the order of the oracle's `COLUMNS`.
pub const WYCKOFF_COLUMNS: usize = 14;

// phases, bullish positive
pub const MARKUP: i32 = 2;
pub const ACCUMULATION: i32 = 1;
pub const NEUTRAL: i32 = 0;
pub const DISTRIBUTION: i32 = -1;
pub const MARKDOWN: i32 = -2;

// volume spread analysis, bullish positive
const SELLING_CLIMAX: i32 = 2;
const NO_SUPPLY: i32 = 1;
const NO_DEMAND: i32 = -1;
const BUYING_CLIMAX: i32 = -2;

#[derive(Clone, Copy)]
pub struct WyckoffParams {
    pub pivot_length: usize,
    pub pivots: usize,
    pub window: usize,
    pub wide: f64,
    pub narrow: f64,
    pub high_volume: f64,
}

pub struct WyckoffState {
    p: WyckoffParams,
    n: i64,
    swings: Swings,
    pivots: VecDeque<(i32, f64, i64)>, // (side, level, bar), oldest first
    highs: [f64; 2],                   // the previous and the latest pivot high
    lows: [f64; 2],
    mean_volume: Sma,
    mean_spread: Sma,
    previous: Option<[f64; 5]>, // the bar before, and the one before it (volume)
    volume_before: f64,
    phase: i32,
    last_trend: i32, // the latest of markup / markdown, NEUTRAL before either
}

impl WyckoffState {
    pub fn new(p: WyckoffParams) -> Self {
        let (length, window) = (p.pivot_length.max(1), p.window.max(1));
        Self {
            n: 0,
            swings: Swings::new(length),
            pivots: VecDeque::with_capacity(p.pivots.max(1)),
            highs: [f64::NAN; 2],
            lows: [f64::NAN; 2],
            mean_volume: Sma::new(window, 0),
            mean_spread: Sma::new(window, 0),
            previous: None,
            volume_before: f64::NAN,
            phase: NEUTRAL,
            last_trend: NEUTRAL,
            p,
        }
    }

    /// Forget every bar.
    pub fn reset(&mut self) {
        *self = Self::new(self.p);
    }

    pub fn phase(&self) -> i32 {
        self.phase
    }

    /// The pivots kept `(side, level, bar)`, oldest first.
    pub fn pivots(&self) -> Vec<(i32, f64, i64)> {
        self.pivots.iter().copied().collect()
    }

    /// The highest pivot high and lowest pivot low kept (NaN without one of the side).
    fn range(&self) -> (f64, f64) {
        let (mut high, mut low) = (f64::NAN, f64::NAN);
        for &(side, level, _) in &self.pivots {
            if side == 1 && !(level <= high) {
                high = level;
            } else if side == -1 && !(level >= low) {
                low = level;
            }
        }
        (high, low)
    }

    fn vsa(&self, bar: &[f64; 5], rel_volume: f64, rel_spread: f64, location: f64) -> i32 {
        let [_, _, _, close, volume] = *bar;
        let Some(before) = self.previous else {
            return 0;
        };
        let (up, down) = (close > before[3], close < before[3]);
        if rel_spread >= self.p.wide && rel_volume >= self.p.high_volume {
            if down && location >= 0.5 {
                return SELLING_CLIMAX;
            }
            if up && location <= 0.5 {
                return BUYING_CLIMAX;
            }
        }
        let quiet = volume < before[4] && volume < self.volume_before;
        if rel_spread <= self.p.narrow && quiet {
            if down {
                return NO_SUPPLY;
            }
            if up {
                return NO_DEMAND;
            }
        }
        0
    }

    /// The phase the latest pivots show: markup on a higher high and higher low, markdown
    /// on a lower high and lower low, else the range after the last trend.
    fn pivot_phase(&self) -> i32 {
        let ([h0, h1], [l0, l1]) = (self.highs, self.lows);
        if h1 > h0 && l1 > l0 {
            MARKUP
        } else if h1 < h0 && l1 < l0 {
            MARKDOWN
        } else if h0.is_nan() || l0.is_nan() {
            self.phase // too few pivots to read a phase
        } else {
            match self.last_trend {
                MARKDOWN => ACCUMULATION,
                MARKUP => DISTRIBUTION,
                _ => NEUTRAL,
            }
        }
    }

    /// One bar `[open, high, low, close, volume]` (checked by the caller): its row.
    pub fn update(&mut self, bar: &[f64; 5]) -> [f64; WYCKOFF_COLUMNS] {
        let [_, high, low, close, volume] = *bar;
        let t = self.n;
        let mut row = [f64::NAN; WYCKOFF_COLUMNS];
        let spread = high - low;
        let rel_volume = volume / self.mean_volume.update(volume);
        let rel_spread = spread / self.mean_spread.update(spread);
        let location = if spread > 0.0 {
            (close - low) / spread
        } else {
            0.5
        };
        let vsa = self.vsa(bar, rel_volume, rel_spread, location);
        let before = self.phase;
        if let Some((side, level, index)) = self.swings.push(high, low, t) {
            (row[0], row[1], row[2]) = (side as f64, level, index as f64);
            if self.pivots.len() == self.p.pivots.max(1) {
                self.pivots.pop_front();
            }
            self.pivots.push_back((side, level, index));
            let last = if side == 1 {
                &mut self.highs
            } else {
                &mut self.lows
            };
            *last = [last[1], level];
            self.phase = self.pivot_phase();
        }
        // a climax ends the trend it comes in; a close out of the range starts one
        if vsa == SELLING_CLIMAX && self.phase == MARKDOWN {
            self.phase = ACCUMULATION;
        } else if vsa == BUYING_CLIMAX && self.phase == MARKUP {
            self.phase = DISTRIBUTION;
        }
        let (range_high, range_low) = self.range();
        if self.phase.abs() < 2 {
            if close > range_high {
                self.phase = MARKUP;
            } else if close < range_low {
                self.phase = MARKDOWN;
            }
        }
        if self.phase.abs() == 2 {
            self.last_trend = self.phase;
        }
        (row[3], row[4]) = (range_high, range_low);
        (row[5], row[6], row[7], row[8]) = (rel_volume, rel_spread, location, vsa as f64);
        row[9] = self.phase as f64;
        row[10] = if self.phase != before { 1.0 } else { 0.0 };
        row[11] = 0.0;
        if let Some(c1) = self.previous {
            // candle range: this bar takes one side of the bar before and closes back inside
            let (h1, l1) = (c1[1], c1[2]);
            if high > h1 && low >= l1 && close < h1 {
                (row[11], row[12], row[13]) = (-1.0, h1, l1);
            } else if low < l1 && high <= h1 && close > l1 {
                (row[11], row[12], row[13]) = (1.0, l1, h1);
            }
        }
        self.volume_before = self.previous.map_or(f64::NAN, |b| b[4]);
        self.previous = Some(*bar);
        self.n = t + 1;
        row
    }
}
