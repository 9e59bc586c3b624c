//! Causal swings bar by bar (`swing_highs_lows(mode="causal")`), the pivots every engine
//! that needs swings reads: one window, so SmcState and HobState cannot disagree.

use std::collections::VecDeque;

pub struct Swings {
    length: usize,
    highs: VecDeque<f64>,
    lows: VecDeque<f64>,
    max_high: VecDeque<i64>, // positions in the window, their highs falling
    min_low: VecDeque<i64>,  // positions in the window, their lows rising
    last_kind: i32,
    last_level: f64,
}

impl Swings {
    pub fn new(length: usize) -> Self {
        let l = length.max(1);
        Self {
            length: l,
            highs: VecDeque::with_capacity(2 * l + 2),
            lows: VecDeque::with_capacity(2 * l + 2),
            max_high: VecDeque::new(),
            min_low: VecDeque::new(),
            last_kind: 0,
            last_level: f64::NAN,
        }
    }

    fn at(values: &VecDeque<f64>, i: i64, t: i64) -> f64 {
        values[values.len() - 1 - (t - i) as usize]
    }

    /// Bar `t`'s high and low: the swing it confirms `(side, level, bar)`, the bar
    /// `i = t - L` whose high is the highest of the 2L bars `i - L + 1 ..= t` (else whose
    /// low is the lowest), reported when of the other kind than the last report or more
    /// extreme than it.
    pub fn push(&mut self, high: f64, low: f64, t: i64) -> Option<(i32, f64, i64)> {
        let l = self.length as i64;
        if self.highs.len() == 2 * l as usize + 1 {
            self.highs.pop_front();
            self.lows.pop_front();
        }
        self.highs.push_back(high);
        self.lows.push_back(low);
        let first = t - 2 * l + 1;
        while let Some(&j) = self.max_high.back() {
            if Self::at(&self.highs, j, t) < high {
                self.max_high.pop_back();
            } else {
                break;
            }
        }
        self.max_high.push_back(t);
        while let Some(&j) = self.min_low.back() {
            if Self::at(&self.lows, j, t) > low {
                self.min_low.pop_back();
            } else {
                break;
            }
        }
        self.min_low.push_back(t);
        while self.max_high[0] < first {
            self.max_high.pop_front();
        }
        while self.min_low[0] < first {
            self.min_low.pop_front();
        }
        let i = t - l;
        if i < 2 * l - 1 {
            return None; // smartmoneyconcepts' rolling window: none of the first 2L - 1 bars
        }
        let (high_i, low_i) = (Self::at(&self.highs, i, t), Self::at(&self.lows, i, t));
        let (side, level) = if high_i == Self::at(&self.highs, self.max_high[0], t) {
            (1, high_i)
        } else if low_i == Self::at(&self.lows, self.min_low[0], t) {
            (-1, low_i)
        } else {
            return None;
        };
        if side != self.last_kind
            || (side == 1 && level > self.last_level)
            || (side == -1 && level < self.last_level)
        {
            self.last_kind = side;
            self.last_level = level;
            return Some((side, level, i));
        }
        None
    }
}
