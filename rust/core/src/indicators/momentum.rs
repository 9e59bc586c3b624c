//! Momentum: RSI, rate of change and on-balance volume.

use super::*;

/// Relative strength index.
/// `PANDAS`: `d = x.diff(); g = d.clip(lower=0); l = (-d).clip(lower=0)`,
/// averaged by `ewm(alpha=1/n, adjust=False, min_periods=n).mean()`, then
/// `100 - 100 / (1 + g_avg / l_avg)`.
/// `TALIB`: Wilder averages seeded with the mean of the first `n` changes, then
/// `avg = (avg * (n - 1) + change) * (1 / n)` (TA-Lib 0.8.1's reciprocal, to the bit),
/// `100 * g / (g + l)` (0 when `g + l` is not above 0).
pub fn rsi(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    // warm blocks run the two averages with their state in locals; the index's divisions
    // run beside them, in the shadow of the recursion's latency
    in_warm_blocks(
        &mut Rsi::new(n, convention),
        out,
        x.len(),
        #[inline(always)]
        |s: &Rsi| {
            s.prev.is_some_and(|p| !p.is_nan())
                && if s.convention == PANDAS {
                    s.gain.is_steady() && s.loss.is_steady()
                } else {
                    s.seen == s.n
                }
        },
        #[inline(always)]
        |s: &mut Rsi, out: &mut [f64], lo: usize, hi: usize| {
            let (x, out) = (&x[lo..hi], &mut out[lo..hi]);
            if s.convention == PANDAS {
                let (gain_step, loss_step) = (s.gain.steady(), s.loss.steady());
                let ((g, l), prev, clean) = Rsi::warm_rows(
                    x,
                    out,
                    s.prev,
                    (s.gain.weighted, s.loss.weighted),
                    |g, l, gain, loss| (gain_step.step(g, gain), loss_step.step(l, loss)),
                    Rsi::pandas_index,
                );
                s.gain.advance(g, hi - lo);
                s.loss.advance(l, hi - lo);
                s.prev = prev;
                return clean;
            }
            let (nf, r) = (s.n as f64, 1.0 / s.n as f64);
            let ((g, l), prev, clean) = Rsi::warm_rows(
                x,
                out,
                s.prev,
                (s.avg_gain, s.avg_loss),
                |g, l, gain, loss| {
                    (
                        Rsi::wilder_step(g, gain, nf, r),
                        Rsi::wilder_step(l, loss, nf, r),
                    )
                },
                Rsi::talib_index,
            );
            (s.avg_gain, s.avg_loss, s.prev) = (g, l, prev);
            clean
        },
        |s, out, i| out[i] = s.update(x[i]),
    );
}

#[derive(Clone)]
pub struct Rsi {
    n: usize,
    convention: i64,
    prev: Option<f64>,
    // pandas: two ewm chains side by side, so their latencies overlap
    gain: Ewm,
    loss: Ewm,
    // TA-Lib: changes seen in this run, and the Wilder averages
    seen: usize,
    avg_gain: f64,
    avg_loss: f64,
}

impl Rsi {
    pub fn new(n: usize, convention: i64) -> Self {
        let com = com_of_alpha(1.0 / n as f64);
        let (gain, loss) = (Ewm::new(com, n), Ewm::new(com, n));
        Rsi {
            n,
            convention,
            prev: None,
            gain,
            loss,
            seen: 0,
            avg_gain: 0.0,
            avg_loss: 0.0,
        }
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> f64 {
        let (gain, loss) = self.averages(v);
        self.finish(gain, loss)
    }

    /// The average gain and loss after `v` (NaN while warming up).
    #[inline]
    fn averages(&mut self, v: f64) -> (f64, f64) {
        let d = self.prev.map_or(f64::NAN, |p| v - p);
        self.prev = Some(v);
        if self.convention == PANDAS {
            // clip keeps NaN
            let (gain, loss) = if d.is_nan() {
                (d, d)
            } else {
                (d.max(0.0), (-d).max(0.0))
            };
            return (self.gain.update(gain), self.loss.update(loss));
        }
        // TA-Lib: a NaN value (or change) restarts
        if d.is_nan() {
            (self.seen, self.avg_gain, self.avg_loss) = (0, 0.0, 0.0);
            return (f64::NAN, f64::NAN);
        }
        // TA-Lib 0.8.1 multiplies by 1 / n where its source divides: the same here, bit for bit
        let (nf, r) = (self.n as f64, 1.0 / self.n as f64);
        // TA-Lib adds a rise to the gains and a fall to the losses; adding the other's +0.0
        // changes no bit (the sums are never -0.0) and spares an unpredictable branch
        let (gain, loss) = (d.max(0.0), (-d).max(0.0));
        if self.seen < self.n {
            self.avg_loss += loss;
            self.avg_gain += gain;
            self.seen += 1;
            if self.seen < self.n {
                return (f64::NAN, f64::NAN);
            }
            self.avg_loss *= r;
            self.avg_gain *= r;
        } else {
            self.avg_loss = Rsi::wilder_step(self.avg_loss, loss, nf, r);
            self.avg_gain = Rsi::wilder_step(self.avg_gain, gain, nf, r);
        }
        (self.avg_gain, self.avg_loss)
    }

    /// A warm block's rows: from the averages and the value before them, each row's averages
    /// by `step(gain_avg, loss_avg, gain, loss)` and its index; the last averages and value,
    /// and whether the block was clean (no NaN change, averages still finite; pandas sees an
    /// inf as missing, so an inf average means the rows must be redone one by one).
    #[inline(always)]
    fn warm_rows(
        x: &[f64],
        out: &mut [f64],
        prev: Option<f64>,
        (mut g, mut l): (f64, f64),
        step: impl Fn(f64, f64, f64, f64) -> (f64, f64),
        index: fn(f64, f64) -> f64,
    ) -> ((f64, f64), Option<f64>, bool) {
        let (mut prev, mut nan) = (prev.unwrap_or(f64::NAN), false);
        for (o, &v) in out.iter_mut().zip(x) {
            let d = v - prev;
            prev = v;
            // `max` skips a NaN change, so the block looks for one itself, off the chain
            nan |= d.is_nan();
            (g, l) = step(g, l, d.max(0.0), (-d).max(0.0));
            *o = index(g, l);
        }
        ((g, l), Some(prev), !nan && g.is_finite() && l.is_finite())
    }

    /// The index from the averages: pandas' `100 - 100 / (1 + g / l)`, TA-Lib's
    /// `100 * g / (g + l)` (0 when `g + l` is zero). NaN averages give NaN.
    #[inline]
    fn finish(&self, gain: f64, loss: f64) -> f64 {
        if self.convention == PANDAS {
            Rsi::pandas_index(gain, loss)
        } else {
            Rsi::talib_index(gain, loss)
        }
    }

    #[inline(always)]
    fn pandas_index(gain: f64, loss: f64) -> f64 {
        100.0 - 100.0 / (1.0 + gain / loss)
    }

    #[inline(always)]
    fn talib_index(gain: f64, loss: f64) -> f64 {
        let total = gain + loss;
        // NaN (a run still warming up) passes through the division
        if total <= 0.0 {
            0.0
        } else {
            100.0 * (gain / total)
        }
    }

    /// TA-Lib 0.8.1's Wilder step, `(avg * (n - 1) + v) * (1 / n)`.
    #[inline(always)]
    fn wilder_step(avg: f64, v: f64, nf: f64, r: f64) -> f64 {
        (avg * (nf - 1.0) + v) * r
    }
}
stream!(Rsi, |s, r, o| o[0] = s.update(r[0]));

/// Rate of change in percent. `PANDAS`: `(x / x.shift(n) - 1) * 100` (inf or NaN
/// where the old value is 0). `TALIB`: the same, but 0 where the old value is 0.
pub fn roc(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let mut s = Roc::new(n, convention);
    drive1(x, out, |v| s.update(v));
}

pub struct Roc {
    convention: i64,
    ring: Ring,
}

impl Roc {
    pub fn new(n: usize, convention: i64) -> Self {
        Roc {
            convention,
            ring: Ring::new(n),
        }
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> f64 {
        // the value n rows back leaves the ring as this one enters
        let Some(old) = self.ring.push(v) else {
            return f64::NAN;
        };
        if self.convention == TALIB && old == 0.0 {
            0.0
        } else {
            (v / old - 1.0) * 100.0
        }
    }
}
stream!(Roc, |s, r, o| o[0] = s.update(r[0]));

/// On-balance volume. `PANDAS`: `(np.sign(close.diff()) * volume).fillna(0).cumsum()`
/// (starts at 0; a NaN contributes 0). `TALIB`: starts at the first volume, adds
/// the volume when the close rises and subtracts it when it falls (`OBV`); a NaN
/// close or volume gives NaN there and the next close is compared with the last
/// valid one (TA-Lib instead stops moving for ever).
pub fn obv(close: &[f64], volume: &[f64], convention: i64, out: &mut [f64]) {
    let mut s = Obv::new(convention);
    for i in 0..close.len() {
        out[i] = s.update(close[i], volume[i]);
    }
}

pub struct Obv {
    convention: i64,
    prev: Option<f64>, // pandas: the previous close; TA-Lib: the last valid one
    total: f64,
}

impl Obv {
    pub fn new(convention: i64) -> Self {
        Obv {
            convention,
            prev: None,
            total: if convention == PANDAS { 0.0 } else { f64::NAN },
        }
    }

    #[inline]
    pub fn update(&mut self, c: f64, volume: f64) -> f64 {
        if self.convention == PANDAS {
            let d = self.prev.map_or(f64::NAN, |p| c - p);
            self.prev = Some(c);
            let step = sign(d) * volume;
            self.total += if step.is_nan() { 0.0 } else { step };
            return self.total;
        }
        if c.is_nan() || volume.is_nan() {
            return f64::NAN;
        }
        match self.prev {
            None => self.total = volume, // the first valid row starts the total
            Some(last) if c > last => self.total += volume,
            Some(last) if c < last => self.total -= volume,
            _ => {}
        }
        self.prev = Some(c);
        self.total
    }
}
stream!(Obv, |s, r, o| o[0] = s.update(r[0], r[1]));

/// NumPy's `sign`: -1, 0 or 1, NaN for NaN.
#[inline]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0 // 0 stays 0, NaN stays NaN
    }
}
