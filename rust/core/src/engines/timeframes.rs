//! Higher-timeframe bars from base bars, one base bar at a time: the binning of
//! `MultiTimeframe` (read beside `_Binner` in `python/barsmith/engines/timeframes.py`).

/// One higher timeframe: the forming bar, and the bars each base bar completes.
pub struct Binner {
    interval: i64,
    base: i64,
    start: Option<i64>, // the forming bar's bin start
    ohlcv: [f64; 5],
}

/// A completed higher bar: its values and its bin start.
pub type HigherBar = ([f64; 5], i64);

impl Binner {
    pub fn new(interval: i64, base: i64) -> Self {
        Self {
            interval,
            base,
            start: None,
            ohlcv: [0.0; 5],
        }
    }

    /// The bar still forming, if any.
    pub fn forming(&self) -> Option<HigherBar> {
        self.start.map(|s| (self.ohlcv, s))
    }

    /// Read a base bar at time `ts`; the higher bars it completes, oldest first, into
    /// `done`: the forming one when the bar belongs to a later bin (a gap in the base bars),
    /// and the bar's own bin when the bar reaches its end (both after a gap).
    pub fn add(&mut self, bar: &[f64; 5], ts: i64, done: &mut Vec<HigherBar>) {
        let start = ts - ts.rem_euclid(self.interval);
        if let Some(s) = self.start {
            if s != start {
                done.push((self.ohlcv, s));
                self.start = None;
            }
        }
        match self.start {
            None => {
                self.start = Some(start);
                self.ohlcv = *bar;
            }
            Some(_) => {
                let o = &mut self.ohlcv;
                o[1] = o[1].max(bar[1]);
                o[2] = o[2].min(bar[2]);
                o[3] = bar[3];
                o[4] += bar[4];
            }
        }
        if ts + self.base >= start + self.interval {
            done.push((self.ohlcv, start));
            self.start = None;
        }
    }
}
