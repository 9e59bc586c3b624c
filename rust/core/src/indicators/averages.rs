//! Moving averages: SMA, WMA, EMA and MACD.

use super::*;

/// Simple moving average.
/// `PANDAS`: `rolling(n, min_periods=n).mean()`, as pandas' `roll_mean` computes it:
/// Kahan-compensated running sums (separate compensations for adding and
/// removing, the leaving value removed first), the value itself for a run
/// of identical values, and 0 for a mean whose sign contradicts every value.
/// A window holding a NaN is NaN, after which the average recovers.
/// `TALIB`: TA-Lib's running sum, `total += x; sma = total / n; total -= x[i - n + 1]`
/// (to the bit); a NaN restarts the sum, so the first `n - 1` values after it are NaN.
pub fn sma(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    if convention == TALIB {
        // the batch reads the leaving value from `x`, where the stream keeps a ring:
        // (running total, values in this run)
        let nf = n as f64;
        in_warm_blocks(
            &mut (0.0, 0),
            out,
            x.len(),
            #[inline(always)]
            |&(_, run): &(f64, usize)| run >= n - 1,
            #[inline(always)]
            |(total, _): &mut (f64, usize), out: &mut [f64], lo: usize, hi: usize| {
                let mut t = *total;
                let leaving = &x[lo + 1 - n..hi + 1 - n];
                for ((o, &v), &old) in out[lo..hi].iter_mut().zip(&x[lo..hi]).zip(leaving) {
                    t += v;
                    *o = t / nf;
                    t -= old;
                }
                *total = t;
                !t.is_nan()
            },
            |(total, run), out, i| {
                let v = x[i];
                if v.is_nan() {
                    (*total, *run) = (0.0, 0);
                    out[i] = f64::NAN;
                    return;
                }
                *total += v;
                *run += 1;
                out[i] = if *run < n { f64::NAN } else { *total / nf };
                if *run >= n {
                    *total -= x[i + 1 - n];
                }
            },
        );
        return;
    }
    // the same steps as the stream (`Windowed::step`) without the ring's bookkeeping
    let mut w = RollingSum::default();
    for i in 0..x.len() {
        Windowed::step(&mut w, n, x[i], i, |w| w.remove(x[i - n]));
        out[i] = w.mean(n);
    }
}

pub struct Sma(SmaWindow);

enum SmaWindow {
    Pandas(Windowed<RollingSum>),
    /// this run's last `n` values and TA-Lib's running total
    Talib(Ring, f64),
}

impl Sma {
    pub fn new(n: usize, convention: i64) -> Self {
        Sma(if convention == TALIB {
            SmaWindow::Talib(Ring::new(n), 0.0)
        } else {
            SmaWindow::Pandas(Windowed::new(n))
        })
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> f64 {
        match &mut self.0 {
            SmaWindow::Pandas(w) => {
                w.push(v);
                w.w.mean(w.n)
            }
            SmaWindow::Talib(ring, total) => {
                if v.is_nan() {
                    *total = 0.0;
                    ring.clear();
                    return f64::NAN;
                }
                *total += v;
                ring.push(v);
                if !ring.is_full() {
                    return f64::NAN;
                }
                let mean = *total / count_f64(ring.buf.len());
                *total -= ring.front();
                mean
            }
        }
    }
}
stream!(Sma, |s, r, o| o[0] = s.update(r[0]));

/// Linearly weighted moving average, the newest value weighted `n`.
/// `PANDAS`: `sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)`, summed in that
/// order; a window holding a NaN is NaN.
/// `TALIB` (`WMA`, TA-Lib 0.8.1, to the bit): running sums of the window's values (`sub`) and
/// of its weighted values (`sum`): `sub += x - x_left; sum += n * x; wma = sum / (n (n + 1) / 2);
/// sum -= sub`, both taken afresh from the window every [`Wma::RESEED_EVERY`] `* n` rows, as
/// TA-Lib re-anchors them against drift; a NaN restarts.
pub fn wma(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let mut s = Wma::new(n, convention);
    if convention != TALIB || n == 1 {
        drive1(x, out, |v| s.update(v));
        return;
    }
    // warm blocks read the window from `x`, where the stream keeps a ring, and refill the
    // ring at their end
    let norm = count_f64(n * (n + 1) / 2);
    in_warm_blocks(
        &mut s,
        out,
        x.len(),
        #[inline(always)]
        |s: &Wma| s.ring.is_full(),
        #[inline(always)]
        |s: &mut Wma, out: &mut [f64], lo: usize, hi: usize| {
            let (mut sub, mut sum, mut until_reseed) = (s.sub, s.sum, s.until_reseed);
            let mut saw_nan = false;
            for i in lo..hi {
                let (v, mut left) = (x[i], x[i - n]);
                saw_nan |= v.is_nan();
                until_reseed -= 1;
                if until_reseed == 0 {
                    until_reseed = Wma::RESEED_EVERY * n;
                    (sub, sum, left) = Wma::fresh_sums(x[i + 1 - n..i].iter());
                }
                sub += v;
                sub -= left;
                sum += v * count_f64(n);
                out[i] = sum / norm;
                sum -= sub;
            }
            s.ring.clear();
            for &v in &x[hi - n..hi] {
                s.ring.push(v);
            }
            (s.sub, s.sum, s.until_reseed) = (sub, sum, until_reseed);
            !saw_nan
        },
        #[inline(always)]
        |s, out, i| out[i] = s.update(x[i]),
    );
}

#[derive(Clone)]
pub struct Wma {
    n: usize,
    convention: i64,
    ring: Ring,
    /// TA-Lib's running sums: of the window's values but the newest, and of their weighted values
    sub: f64,
    sum: f64,
    /// rows until TA-Lib takes the sums afresh (0: at this one)
    until_reseed: usize,
}

impl Wma {
    /// TA-Lib takes its running sums afresh every `8 n` rows of a run (measured against the
    /// shipped library: earlier or later re-anchoring differs in the last bits).
    const RESEED_EVERY: usize = 8;

    pub fn new(n: usize, convention: i64) -> Self {
        Wma {
            n,
            convention,
            ring: Ring::new(n),
            sub: 0.0,
            sum: 0.0,
            until_reseed: Wma::RESEED_EVERY * n,
        }
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> f64 {
        if self.convention == TALIB {
            return self.update_talib(v);
        }
        self.ring.push(v);
        if !self.ring.is_full() {
            return f64::NAN;
        }
        let mut total = 0.0;
        for (k, &w) in self.ring.iter().rev().enumerate() {
            total += w * count_f64(self.n - k);
        }
        total / (count_f64(self.n * (self.n + 1)) / 2.0)
    }

    /// TA-Lib's sums taken afresh from the window's values before its newest (`values`,
    /// oldest first, weighted 1, 2, ..): `(sub, sum, left)`, nothing left to remove.
    #[inline(always)]
    fn fresh_sums<'a>(values: impl Iterator<Item = &'a f64>) -> (f64, f64, f64) {
        let (mut sub, mut sum) = (0.0, 0.0);
        for (k, &w) in values.enumerate() {
            sub += w;
            sum += w * count_f64(k + 1);
        }
        (sub, sum, 0.0)
    }

    #[inline]
    fn update_talib(&mut self, v: f64) -> f64 {
        let n = self.n;
        if v.is_nan() {
            self.ring.clear();
            (self.sub, self.sum, self.until_reseed) = (0.0, 0.0, Wma::RESEED_EVERY * n);
            return f64::NAN;
        }
        if n == 1 {
            return v; // TA-Lib copies the input
        }
        let left = self.ring.push(v);
        if !self.ring.is_full() {
            // the warm-up: the values before the first window's newest, weighted 1, 2, ..
            self.sub += v;
            self.sum += v * count_f64(self.ring.len);
            return f64::NAN;
        }
        let mut left = left.unwrap_or(0.0); // TA-Lib subtracts 0.0 on the first row
        self.until_reseed -= 1;
        if self.until_reseed == 0 {
            self.until_reseed = Wma::RESEED_EVERY * n;
            (self.sub, self.sum, left) = Wma::fresh_sums(self.ring.iter().take(n - 1));
        }
        self.sub += v;
        self.sub -= left;
        self.sum += v * count_f64(n);
        let wma = self.sum / count_f64(n * (n + 1) / 2);
        self.sum -= self.sub;
        wma
    }
}
stream!(Wma, |s, r, o| o[0] = s.update(r[0]));

/// Exponential moving average.
/// `PANDAS`: `ewm(span=n, adjust=False, min_periods=n).mean()`.
/// `TALIB`: seeded with the mean of the first `n` values, then
/// `ema = fma(x - ema, 2 / (n + 1), ema)` (TA-Lib's fused step); a NaN restarts the warm-up.
pub fn ema(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    // one loop per variant, so the state is a local the compiler keeps in registers
    match Ema::new(n, convention) {
        Ema::Pandas(mut e) => e.update_many(x, out),
        Ema::Talib(mut s, k) => fused!({
            in_warm_blocks(
                &mut s,
                out,
                x.len(),
                #[inline(always)]
                |s: &Seeded| s.is_seeded(),
                #[inline(always)]
                |s: &mut Seeded, out: &mut [f64], lo: usize, hi: usize| {
                    let mut prev = s.prev;
                    for (o, &v) in out[lo..hi].iter_mut().zip(&x[lo..hi]) {
                        prev = ema_step(prev, v, k);
                        *o = prev;
                    }
                    s.prev = prev;
                    !prev.is_nan()
                },
                #[inline(always)]
                |s, out, i| out[i] = s.update(x[i], |p, v| ema_step(p, v, k)),
            );
        }),
    }
}

/// TA-Lib's EMA step, `fma(x - prev, k, prev)`.
#[inline(always)]
fn ema_step(prev: f64, x: f64, k: f64) -> f64 {
    (x - prev).mul_add(k, prev)
}

pub enum Ema {
    Pandas(Ewm),
    Talib(Seeded, f64),
}

impl Ema {
    pub fn new(n: usize, convention: i64) -> Self {
        if convention == PANDAS {
            Ema::Pandas(Ewm::new(com_of_span(n), n))
        } else {
            Ema::Talib(Seeded::new(n), 2.0 / (n as f64 + 1.0))
        }
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> f64 {
        match self {
            Ema::Pandas(e) => e.update(v),
            Ema::Talib(s, k) => {
                let k = *k;
                s.update(v, |prev, v| ema_step(prev, v, k))
            }
        }
    }
}
stream!(Ema, |s, r, o| o[0] = s.update(r[0]));

/// TA-Lib's seeded recursions: the first output is the mean of `n` valid
/// values (at the n-th), then `step(prev, x)`. NaN gives NaN and a new warm-up.
#[derive(Clone)]
pub struct Seeded {
    n: usize,
    seed_sum: f64,
    seen: usize,
    pub(super) prev: f64,
}

impl Seeded {
    pub(super) fn new(n: usize) -> Self {
        Seeded {
            n,
            seed_sum: 0.0,
            seen: 0,
            prev: f64::NAN,
        }
    }

    /// Whether the next valid value takes a `step` (the warm-up is over).
    #[inline(always)]
    pub(super) fn is_seeded(&self) -> bool {
        self.seen == self.n
    }

    #[inline(always)]
    pub(super) fn update(&mut self, v: f64, step: impl Fn(f64, f64) -> f64) -> f64 {
        if v.is_nan() {
            (self.seed_sum, self.seen, self.prev) = (0.0, 0, f64::NAN);
            return f64::NAN;
        }
        if self.seen < self.n {
            self.seed_sum += v;
            self.seen += 1;
            if self.seen == self.n {
                self.prev = self.seed_sum / self.n as f64;
            }
        } else {
            self.prev = step(self.prev, v);
        }
        self.prev
    }
}

/// MACD: `(macd, signal, hist)` written one after the other in `out`.
/// `PANDAS`: `macd = x.ewm(span=fast, adjust=False, min_periods=fast).mean()
/// - x.ewm(span=slow, adjust=False, min_periods=slow).mean()`,
/// `signal = macd.ewm(span=signal, adjust=False, min_periods=signal).mean()`,
/// `hist = macd - signal`. `TALIB`: TA-Lib's `MACD` on each run of valid values
/// (a NaN restarts it): both EMAs start at row `slow - 1`, each seeded with the
/// mean of its own period ending there (so the fast EMA does not start at row 0),
/// the signal EMA seeded likewise on the MACD, all three output from row
/// `slow + signal - 2`.
pub fn macd(x: &[f64], fast: usize, slow: usize, signal: usize, convention: i64, out: &mut [f64]) {
    let [m, sig, hist] = split_outputs::<3>(out);
    // one loop per variant, so the state is a local the compiler keeps in registers
    match Macd::new(fast, slow, signal, convention) {
        Macd::Pandas { fast, slow, signal } => {
            let mut outs = [m, sig, hist];
            in_warm_blocks(
                &mut [fast, slow, signal],
                &mut outs,
                x.len(),
                #[inline(always)]
                |e: &[Ewm; 3]| e.iter().all(Ewm::is_steady),
                #[inline(always)]
                |e: &mut [Ewm; 3], [m, sig, hist]: &mut [&mut [f64]; 3], lo: usize, hi: usize| {
                    let steps = [e[0].steady(), e[1].steady(), e[2].steady()];
                    let [mut f, mut s, mut g] = [e[0].weighted, e[1].weighted, e[2].weighted];
                    let outs = m[lo..hi]
                        .iter_mut()
                        .zip(&mut sig[lo..hi])
                        .zip(&mut hist[lo..hi]);
                    for (((m, sig), hist), &v) in outs.zip(&x[lo..hi]) {
                        (f, s) = (steps[0].step(f, v), steps[1].step(s, v));
                        g = steps[2].step(g, f - s);
                        (*m, *sig, *hist) = (f - s, g, f - s - g);
                    }
                    for (e, w) in e.iter_mut().zip([f, s, g]) {
                        e.advance(w, hi - lo);
                    }
                    f.is_finite() && s.is_finite() && g.is_finite()
                },
                #[inline(always)]
                |[fast, slow, signal], [m, sig, hist], i| {
                    [m[i], sig[i], hist[i]] = Macd::pandas_step(fast, slow, signal, x[i]);
                },
            );
        }
        Macd::Talib(mut t) => fused!({
            let mut i = 0;
            while i < x.len() {
                if !t.is_warm() || x[i].is_nan() {
                    [m[i], sig[i], hist[i]] = t.update(x[i]);
                    i += 1;
                    continue;
                }
                // the warm recursion with its three averages in locals (in `t` they would be
                // stored and reloaded every step: `t` holds the warm-up buffers)
                let (mut ema, k) = (t.ema, t.k);
                while i < x.len() && !x[i].is_nan() {
                    [m[i], sig[i], hist[i]] = TalibMacd::step(&mut ema, k, x[i]);
                    i += 1;
                }
                t.ema = ema;
            }
        }),
    }
}

pub enum Macd {
    Pandas { fast: Ewm, slow: Ewm, signal: Ewm },
    Talib(TalibMacd),
}

impl Macd {
    pub fn new(fast: usize, slow: usize, signal: usize, convention: i64) -> Self {
        if convention == PANDAS {
            let e = |n| Ewm::new(com_of_span(n), n);
            return Macd::Pandas {
                fast: e(fast),
                slow: e(slow),
                signal: e(signal),
            };
        }
        let (fast, slow) = if slow < fast {
            (slow, fast)
        } else {
            (fast, slow)
        };
        Macd::Talib(TalibMacd {
            fast,
            slow,
            signal,
            k: [
                2.0 / (fast as f64 + 1.0),
                2.0 / (slow as f64 + 1.0),
                2.0 / (signal as f64 + 1.0),
            ],
            head: Vec::with_capacity(slow.min(1024)),
            lines: Vec::with_capacity(signal.min(1024)),
            ema: [f64::NAN; 3],
        })
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> [f64; 3] {
        match self {
            Macd::Pandas { fast, slow, signal } => Macd::pandas_step(fast, slow, signal, v),
            Macd::Talib(t) => t.update(v),
        }
    }

    #[inline]
    fn pandas_step(fast: &mut Ewm, slow: &mut Ewm, signal: &mut Ewm, v: f64) -> [f64; 3] {
        let m = fast.update(v) - slow.update(v);
        let s = signal.update(m);
        [m, s, m - s]
    }
}
stream!(Macd, |s, r, o| o.copy_from_slice(&s.update(r[0])));

/// TA-Lib's MACD, one value at a time: the first `slow` values of a run seed
/// both EMAs (each with the mean of its own last `fast` / `slow` of them), the
/// first `signal` MACD values seed the signal EMA.
pub struct TalibMacd {
    fast: usize,
    slow: usize,
    signal: usize,
    k: [f64; 3],
    head: Vec<f64>,
    lines: Vec<f64>,
    ema: [f64; 3], // fast, slow, signal
}

impl TalibMacd {
    /// Whether all three averages are seeded.
    #[inline(always)]
    fn is_warm(&self) -> bool {
        self.lines.len() == self.signal
    }

    /// One step of the seeded averages (fast, slow, signal) for a valid `v`: the outputs.
    #[inline(always)]
    fn step(ema: &mut [f64; 3], [kf, ks, kg]: [f64; 3], v: f64) -> [f64; 3] {
        ema[0] = ema_step(ema[0], v, kf);
        ema[1] = ema_step(ema[1], v, ks);
        let line = ema[0] - ema[1];
        ema[2] = ema_step(ema[2], line, kg);
        [line, ema[2], line - ema[2]]
    }

    #[inline(always)]
    fn update(&mut self, v: f64) -> [f64; 3] {
        const NONE: [f64; 3] = [f64::NAN; 3];
        if v.is_nan() {
            self.head.clear();
            self.lines.clear();
            return NONE;
        }
        if self.is_warm() {
            return TalibMacd::step(&mut self.ema, self.k, v);
        }
        let [kf, ks, _] = self.k;
        if self.head.len() < self.slow {
            self.head.push(v);
            if self.head.len() < self.slow {
                return NONE;
            }
            // TA-Lib's INT_EMA seeds: the plain mean of the period ending at row slow - 1
            let seed =
                |n: usize| self.head[self.slow - n..].iter().fold(0.0, |t, &x| t + x) / n as f64;
            self.ema[0] = seed(self.fast);
            self.ema[1] = seed(self.slow);
        } else {
            self.ema[0] = ema_step(self.ema[0], v, kf);
            self.ema[1] = ema_step(self.ema[1], v, ks);
        }
        // the signal's seed: the plain mean of the first `signal` MACD values
        let line = self.ema[0] - self.ema[1];
        self.lines.push(line);
        if !self.is_warm() {
            return NONE;
        }
        self.ema[2] = self.lines.iter().fold(0.0, |t, &x| t + x) / self.signal as f64;
        [line, self.ema[2], line - self.ema[2]]
    }
}
