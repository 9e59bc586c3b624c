//! Technical indicators in two conventions. Read beside
//! `python/barsmith/_pandas/indicators.py` (the definitions, as pandas
//! expressions) and `python/barsmith/_numba/indicators.py`.
//!
//! `PANDAS` reproduces a documented pandas expression, NaN handling included
//! (`ewm(adjust=False)` carries its value over NaN and re-weights after a gap;
//! `rolling` needs `min_periods` observations). `TALIB` reproduces TA-Lib
//! 0.8.x (the C library behind the `ta-lib` 0.8.2 wheel) on NaN-free input;
//! on NaN it does what TA-Lib should: the output is NaN there and the
//! indicator warms up again from the next valid value (TA-Lib instead sticks
//! at NaN or, for RSI, at 0.0 for ever).
//!
//! Every kernel works on one series (a slice); [`per_series`] runs a kernel
//! over the rows of a 2-D (series x points) array in parallel.

use rayon::prelude::*;

pub const PANDAS: i64 = 0;
pub const TALIB: i64 = 1;

/// Runs `kernel(inputs_of_series, out_of_series)` for each of `n_series`
/// contiguous rows of length `n_points`, in parallel when there are several.
pub fn per_series<F>(inputs: &[&[f64]], n_points: usize, kernel: F) -> Vec<f64>
where
    F: Fn(&[&[f64]], &mut [f64]) + Sync,
{
    per_series_k(inputs, n_points, 1, |series, out| kernel(series, out))
}

/// As [`per_series`] for a kernel with `k` outputs: each series' output row
/// holds them one after the other (`k * n_points` values).
pub fn per_series_k<F>(inputs: &[&[f64]], n_points: usize, k: usize, kernel: F) -> Vec<f64>
where
    F: Fn(&[&[f64]], &mut [f64]) + Sync,
{
    let n_series = if n_points == 0 { 0 } else { inputs[0].len() / n_points };
    let mut out = vec![f64::NAN; n_series * n_points * k];
    if n_points == 0 {
        return out;
    }
    let run = |(s, row): (usize, &mut [f64])| {
        let series: Vec<&[f64]> = inputs.iter().map(|x| &x[s * n_points..(s + 1) * n_points]).collect();
        kernel(&series, row);
    };
    if n_series > 1 {
        out.par_chunks_mut(n_points * k).enumerate().for_each(run);
    } else {
        out.chunks_mut(n_points * k).enumerate().for_each(run);
    }
    out
}

/// pandas `ewm(com=com, adjust=False, ignore_na=False, min_periods=min_periods).mean()`,
/// step for step as pandas' `ewm` aggregation computes it.
pub fn ewm_mean(x: &[f64], com: f64, min_periods: usize, out: &mut [f64]) {
    let mut ewm = Ewm::new(com, min_periods);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = ewm.update(v);
    }
}

/// The state of one pandas `ewm(adjust=False, ignore_na=False).mean()`: fed one
/// value at a time, so indicators can run several chains side by side
/// (RSI's gains and losses) without intermediate arrays.
#[derive(Clone, Copy)]
pub struct Ewm {
    com: f64,
    old_wt_factor: f64,
    new_wt: f64,
    min_periods: usize,
    weighted: f64,
    old_wt: f64,
    nobs: usize,
    started: bool,
}

impl Ewm {
    pub fn new(com: f64, min_periods: usize) -> Self {
        let alpha = 1.0 / (1.0 + com);
        Ewm {
            com,
            old_wt_factor: 1.0 - alpha,
            new_wt: alpha,
            min_periods: min_periods.max(1),
            weighted: f64::NAN,
            old_wt: 1.0,
            nobs: 0,
            started: false,
        }
    }

    #[inline]
    pub fn update(&mut self, cur: f64) -> f64 {
        let is_obs = !cur.is_nan();
        self.nobs += is_obs as usize;
        if !self.started {
            // the first value starts the average, observed or not
            self.started = true;
            self.weighted = cur;
        } else if !self.weighted.is_nan() {
            self.old_wt *= self.old_wt_factor;
            if is_obs {
                if self.weighted != cur {
                    if self.com == 1.0 {
                        // pandas' update for irregular intervals, which it applies at com == 1
                        self.new_wt = 1.0 - self.old_wt;
                    }
                    self.weighted =
                        (self.old_wt * self.weighted + self.new_wt * cur) / (self.old_wt + self.new_wt);
                }
                self.old_wt = 1.0;
            }
        } else if is_obs {
            self.weighted = cur;
        }
        if self.nobs >= self.min_periods {
            self.weighted
        } else {
            f64::NAN
        }
    }
}

/// pandas' centre of mass for `span=n` and for `alpha=1/n` (Wilder).
pub fn com_of_span(n: usize) -> f64 {
    (n as f64 - 1.0) / 2.0
}

pub fn com_of_alpha(alpha: f64) -> f64 {
    (1.0 - alpha) / alpha
}

/// `rolling(n, min_periods=n).mean()`, as pandas' `roll_mean` computes it:
/// Kahan-compensated running sums (separate compensations for adding and
/// removing, the leaving value removed first), the value itself for a run
/// of identical values, and 0 for a mean whose sign contradicts every value.
/// Both conventions: TA-Lib's SMA agrees on NaN-free input, and on NaN a
/// window holding one is NaN, after which the average recovers.
pub fn sma(x: &[f64], n: usize, out: &mut [f64]) {
    let mut w = RollingSum::default();
    for i in 0..x.len() {
        w.slide(x, i, n);
        out[i] = w.mean(n);
    }
}

/// A pandas rolling window (`rolling(n)` over a series): what a state does at row `i`.
trait Window: Default {
    fn add(&mut self, v: f64);
    fn remove(&mut self, v: f64);
    /// A fresh state whose "previous value" is `first` (pandas' setup of a window).
    fn starting_at(first: f64) -> Self;

    /// Moves the window to end at row `i`: pandas starts afresh when the window is
    /// disjoint from the previous one (the first row, or `n == 1`), else removes the
    /// leaving value first and then adds the new one.
    #[inline]
    fn slide(&mut self, x: &[f64], i: usize, n: usize) {
        if i == 0 || n == 1 {
            *self = Self::starting_at(x[i]);
        } else if i >= n {
            self.remove(x[i - n]);
        }
        self.add(x[i]);
    }
}

/// pandas' `roll_sum` / `roll_mean` state: Kahan-compensated running sums
/// (separate compensations for adding and removing), the count of negative
/// values, and the length of the run of identical values at the end.
#[derive(Default)]
struct RollingSum {
    sum: f64,
    comp_add: f64,
    comp_remove: f64,
    nobs: usize,
    neg: usize,
    same_run: usize,
    prev: f64,
}

impl Window for RollingSum {
    fn starting_at(first: f64) -> Self {
        RollingSum { prev: first, ..Default::default() }
    }

    #[inline]
    fn add(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.nobs += 1;
        let y = v - self.comp_add;
        let t = self.sum + y;
        self.comp_add = t - self.sum - y;
        self.sum = t;
        self.neg += v.is_sign_negative() as usize;
        self.same_run = if v == self.prev { self.same_run + 1 } else { 1 };
        self.prev = v;
    }

    #[inline]
    fn remove(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.nobs -= 1;
        let y = -v - self.comp_remove;
        let t = self.sum + y;
        self.comp_remove = t - self.sum - y;
        self.sum = t;
        self.neg -= v.is_sign_negative() as usize;
    }
}

impl RollingSum {
    /// `rolling(n, min_periods).mean()`: the value itself for a run of identical
    /// values, 0 for a mean whose sign contradicts every value.
    #[inline]
    fn mean(&self, min_periods: usize) -> f64 {
        if self.nobs < min_periods || self.nobs == 0 {
            return f64::NAN;
        }
        let mean = self.sum / self.nobs as f64;
        if self.same_run >= self.nobs {
            self.prev
        } else if (self.neg == 0 && mean < 0.0) || (self.neg == self.nobs && mean > 0.0) {
            0.0
        } else {
            mean
        }
    }

    /// `rolling(n, min_periods=n).sum()` (n >= 1): `value * count` for a run of identical values.
    #[inline]
    fn sum(&self, min_periods: usize) -> f64 {
        if self.nobs < min_periods || self.nobs == 0 {
            f64::NAN
        } else if self.same_run >= self.nobs {
            self.prev * self.nobs as f64
        } else {
            self.sum
        }
    }
}

/// pandas' `roll_var` state (pandas 3): Welford's online variance with a
/// Kahan-compensated mean (separate compensations for adding and removing).
#[derive(Default)]
struct RollingVar {
    nobs: f64,
    mean: f64,
    ssqdm: f64,
    comp_add: f64,
    comp_remove: f64,
}

/// pandas 3 rebuilds a variance window from its values when a removal leaves at most
/// this fraction of the squared deviations (found by experiment against pandas 3.1:
/// the boundary lies between 2.21978e-13 and 2.22145e-13, so 1000 ulp-epsilons).
const VAR_RECOMPUTE_BELOW: f64 = 1000.0 * f64::EPSILON;

impl Window for RollingVar {
    fn starting_at(_first: f64) -> Self {
        RollingVar::default()
    }

    #[inline]
    fn add(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.nobs += 1.0;
        let prev_mean = self.mean - self.comp_add;
        let y = v - self.comp_add;
        let t = y - self.mean;
        self.comp_add = t + self.mean - y;
        self.mean += t / self.nobs;
        self.ssqdm += (v - prev_mean) * (v - self.mean);
    }

    #[inline]
    fn remove(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.nobs -= 1.0;
        if self.nobs != 0.0 {
            let prev_mean = self.mean - self.comp_remove;
            let y = v - self.comp_remove;
            let t = y - self.mean;
            self.comp_remove = t + self.mean - y;
            self.mean -= t / self.nobs;
            self.ssqdm -= (v - prev_mean) * (v - self.mean);
        } else {
            self.mean = 0.0;
            self.ssqdm = 0.0;
        }
    }

    #[inline]
    fn slide(&mut self, x: &[f64], i: usize, n: usize) {
        if i == 0 || n == 1 {
            *self = RollingVar::default();
        } else if i >= n {
            let before = self.ssqdm;
            self.remove(x[i - n]);
            if self.ssqdm <= before * VAR_RECOMPUTE_BELOW {
                // the removal cancelled nearly everything: start the rest of the window again
                *self = RollingVar::default();
                for &v in &x[i + 1 - n..i] {
                    self.add(v);
                }
            }
        }
        self.add(x[i]);
    }
}

impl RollingVar {
    /// `rolling(n, min_periods).std(ddof)`: the variance (0 for one value) under
    /// pandas' `zsqrt` (0 for a negative variance).
    #[inline]
    fn std(&self, min_periods: usize, ddof: usize) -> f64 {
        if self.nobs < min_periods as f64 || self.nobs <= ddof as f64 {
            return f64::NAN;
        }
        let var = if self.nobs == 1.0 { 0.0 } else { self.ssqdm / (self.nobs - ddof as f64) };
        if var < 0.0 {
            0.0
        } else {
            var.sqrt()
        }
    }
}

/// A rolling mean and standard deviation over one window.
#[derive(Default)]
struct RollingMoments {
    sum: RollingSum,
    var: RollingVar,
}

impl RollingMoments {
    #[inline]
    fn slide(&mut self, x: &[f64], i: usize, n: usize) {
        self.sum.slide(x, i, n);
        self.var.slide(x, i, n);
    }
}

/// The runs `[a, b)` of consecutive rows where `valid(i)` holds: TA-Lib's
/// recursions run on each (a NaN restarts them).
fn valid_runs(len: usize, valid: impl Fn(usize) -> bool) -> impl Iterator<Item = (usize, usize)> {
    let mut a = 0;
    std::iter::from_fn(move || {
        while a < len && !valid(a) {
            a += 1;
        }
        if a >= len {
            return None;
        }
        let mut b = a;
        while b < len && valid(b) {
            b += 1;
        }
        let run = (a, b);
        a = b;
        Some(run)
    })
}

/// Linearly weighted moving average, the newest value weighted `n`:
/// `sum(x.shift(k) * (n - k) for k in range(n)) / (n * (n + 1) / 2)`, summed in
/// that order (both conventions: TA-Lib's `WMA` agrees on NaN-free input; a
/// window holding a NaN is NaN).
pub fn wma(x: &[f64], n: usize, out: &mut [f64]) {
    let norm = (n * (n + 1)) as f64 / 2.0;
    for i in 0..x.len() {
        if i + 1 < n {
            out[i] = f64::NAN;
            continue;
        }
        let mut total = 0.0;
        for k in 0..n {
            total += x[i - k] * (n - k) as f64;
        }
        out[i] = total / norm;
    }
}

/// Exponential moving average.
/// `PANDAS`: `ewm(span=n, adjust=False, min_periods=n).mean()`.
/// `TALIB`: seeded with the mean of the first `n` values, then
/// `ema = (x - ema) * 2 / (n + 1) + ema`; a NaN restarts the warm-up.
pub fn ema(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    if convention == PANDAS {
        return ewm_mean(x, com_of_span(n), n, out);
    }
    let k = 2.0 / (n as f64 + 1.0);
    wilder_like(x, n, out, |prev, v| (v - prev) * k + prev);
}

/// TA-Lib's seeded recursions: the first output is the mean of `n` valid
/// values (at the n-th), then `step(prev, x)`. NaN gives NaN and a new warm-up.
fn wilder_like(x: &[f64], n: usize, out: &mut [f64], step: impl Fn(f64, f64) -> f64) {
    let mut seeded = Seeded::new(n);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = seeded.update(v, &step);
    }
}

struct Seeded {
    n: usize,
    seed_sum: f64,
    seen: usize,
    prev: f64,
}

impl Seeded {
    fn new(n: usize) -> Self {
        Seeded { n, seed_sum: 0.0, seen: 0, prev: f64::NAN }
    }

    #[inline]
    fn update(&mut self, v: f64, step: impl Fn(f64, f64) -> f64) -> f64 {
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

/// Relative strength index.
/// `PANDAS`: `d = x.diff(); g = d.clip(lower=0); l = (-d).clip(lower=0)`,
/// averaged by `ewm(alpha=1/n, adjust=False, min_periods=n).mean()`, then
/// `100 - 100 / (1 + g_avg / l_avg)`.
/// `TALIB`: Wilder averages seeded with the mean of the first `n` changes,
/// `100 * g / (g + l)` (0 when `g + l` is zero).
pub fn rsi(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let len = x.len();
    if convention == PANDAS {
        // two ewm chains side by side: their latencies overlap
        let com = com_of_alpha(1.0 / n as f64);
        let (mut g, mut l) = (Ewm::new(com, n), Ewm::new(com, n));
        for i in 0..len {
            let d = if i > 0 { x[i] - x[i - 1] } else { f64::NAN };
            // clip keeps NaN
            let (gain, loss) = if d.is_nan() { (d, d) } else { (d.max(0.0), (-d).max(0.0)) };
            let (ga, la) = (g.update(gain), l.update(loss));
            out[i] = 100.0 - 100.0 / (1.0 + ga / la);
        }
        return;
    }
    // TA-Lib: changes from the previous value; a NaN value (or change) restarts.
    let nf = n as f64;
    let (mut seen, mut avg_gain, mut avg_loss) = (0usize, 0.0, 0.0);
    for i in 0..len {
        out[i] = f64::NAN;
        if i == 0 || x[i].is_nan() || x[i - 1].is_nan() {
            (seen, avg_gain, avg_loss) = (0, 0.0, 0.0);
            continue;
        }
        let d = x[i] - x[i - 1];
        if seen < n {
            if d < 0.0 {
                avg_loss -= d;
            } else {
                avg_gain += d;
            }
            seen += 1;
            if seen < n {
                continue;
            }
            avg_loss /= nf;
            avg_gain /= nf;
        } else {
            avg_loss *= nf - 1.0;
            avg_gain *= nf - 1.0;
            if d < 0.0 {
                avg_loss -= d;
            } else {
                avg_gain += d;
            }
            avg_loss /= nf;
            avg_gain /= nf;
        }
        let total = avg_gain + avg_loss;
        out[i] = if total > -1e-14 && total < 1e-14 { 0.0 } else { 100.0 * (avg_gain / total) };
    }
}

/// True range. `PANDAS`: `concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()], axis=1).max(axis=1)`
/// (NaN-skipping, so the first row is `h - l`). `TALIB`: the same but NaN in the first row.
pub fn true_range(high: &[f64], low: &[f64], close: &[f64], convention: i64, out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = true_range_at(high, low, close, i, convention);
    }
}

#[inline]
fn true_range_at(high: &[f64], low: &[f64], close: &[f64], i: usize, convention: i64) -> f64 {
    let hl = high[i] - low[i];
    if i == 0 {
        return if convention == TALIB { f64::NAN } else { hl };
    }
    nan_max3(hl, (high[i] - close[i - 1]).abs(), (low[i] - close[i - 1]).abs())
}

/// Largest of three, ignoring NaN (NaN if all are), as pandas' `max(axis=1)`.
#[inline]
fn nan_max3(a: f64, b: f64, c: f64) -> f64 {
    let mut m = f64::NAN;
    for v in [a, b, c] {
        if !v.is_nan() && (m.is_nan() || v > m) {
            m = v;
        }
    }
    m
}

/// Average true range. `PANDAS`: `true_range.ewm(alpha=1/n, adjust=False, min_periods=n).mean()`.
/// `TALIB`: the mean of the first `n` true ranges (from the second row), then
/// `atr = (atr * (n - 1) + tr) / n`. The true range is computed on the fly.
pub fn atr(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    if convention == PANDAS {
        let mut ewm = Ewm::new(com_of_alpha(1.0 / n as f64), n);
        for (i, o) in out.iter_mut().enumerate() {
            *o = ewm.update(true_range_at(high, low, close, i, PANDAS));
        }
        return;
    }
    let nf = n as f64;
    let mut seeded = Seeded::new(n);
    for (i, o) in out.iter_mut().enumerate() {
        // the first row's true range is undefined in TA-Lib: the warm-up starts at row 1
        let tr = true_range_at(high, low, close, i, TALIB);
        *o = if i == 0 { f64::NAN } else { seeded.update(tr, |prev, v| (prev * (nf - 1.0) + v) / nf) };
    }
}

/// Rate of change in percent. `PANDAS`: `(x / x.shift(n) - 1) * 100` (inf or NaN
/// where the old value is 0). `TALIB`: the same, but 0 where the old value is 0.
pub fn roc(x: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    for i in 0..x.len() {
        out[i] = if i < n {
            f64::NAN
        } else if convention == TALIB && x[i - n] == 0.0 {
            0.0
        } else {
            (x[i] / x[i - n] - 1.0) * 100.0
        };
    }
}

/// Normalised ATR in percent of the close: `atr / close * 100`; in `TALIB`, 0
/// where the close is (within 1e-14 of) zero.
pub fn natr(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    atr(high, low, close, n, convention, out);
    for (o, &c) in out.iter_mut().zip(close) {
        *o = if convention == TALIB && c > -1e-14 && c < 1e-14 { 0.0 } else { *o / c * 100.0 };
    }
}

/// Williams %R, -100 to 0, over `n` bars: with `hh`, `ll` the highest high and
/// lowest low of the window (NaN if it holds a NaN, as `rolling(n).max()`),
/// `PANDAS`: `-100 * (hh - c) / (hh - ll)`; `TALIB`: `(hh - c) / ((hh - ll) / -100)`,
/// 0 when `hh == ll`.
pub fn willr(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    for i in 0..high.len() {
        if i + 1 < n {
            out[i] = f64::NAN;
            continue;
        }
        let (hh, ll) = (window_max(&high[i + 1 - n..=i]), -window_max_neg(&low[i + 1 - n..=i]));
        out[i] = if convention == PANDAS {
            -100.0 * (hh - close[i]) / (hh - ll)
        } else {
            let diff = (hh - ll) / -100.0;
            if diff != 0.0 || diff.is_nan() {
                (hh - close[i]) / diff
            } else {
                0.0
            }
        };
    }
}

/// Largest value of a window; NaN if the window holds a NaN.
#[inline]
fn window_max(w: &[f64]) -> f64 {
    w.iter().fold(f64::NEG_INFINITY, |m, &v| if v.is_nan() || m.is_nan() { f64::NAN } else { m.max(v) })
}

/// Largest negated value (minus the smallest); NaN if the window holds a NaN.
#[inline]
fn window_max_neg(w: &[f64]) -> f64 {
    w.iter().fold(f64::NEG_INFINITY, |m, &v| if v.is_nan() || m.is_nan() { f64::NAN } else { m.max(-v) })
}

/// On-balance volume. `PANDAS`: `(np.sign(close.diff()) * volume).fillna(0).cumsum()`
/// (starts at 0; a NaN contributes 0). `TALIB`: starts at the first volume, adds
/// the volume when the close rises and subtracts it when it falls (`OBV`); a NaN
/// close gives NaN there and the next close is compared with the last valid one
/// (TA-Lib instead stops moving for ever).
pub fn obv(close: &[f64], volume: &[f64], convention: i64, out: &mut [f64]) {
    if convention == PANDAS {
        let mut total = 0.0;
        for i in 0..close.len() {
            let d = if i > 0 { close[i] - close[i - 1] } else { f64::NAN };
            let step = sign(d) * volume[i];
            total += if step.is_nan() { 0.0 } else { step };
            out[i] = total;
        }
        return;
    }
    let (mut total, mut last) = (f64::NAN, f64::NAN);
    for i in 0..close.len() {
        let c = close[i];
        if c.is_nan() {
            out[i] = f64::NAN;
            continue;
        }
        if total.is_nan() {
            total = volume[i];
        } else if c > last {
            total += volume[i];
        } else if c < last {
            total -= volume[i];
        }
        last = c;
        out[i] = total;
    }
}

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

/// Slow stochastic oscillator: `(slowk, slowd)` written one after the other in `out`.
/// `hh`, `ll` = highest high and lowest low over `fastk_n` bars; fast %K is
/// `100 * (c - ll) / (hh - ll)` (`PANDAS`) or `(c - ll) / ((hh - ll) / 100)`,
/// 0 when `hh == ll` (`TALIB`); slow %K is its `slowk_n`-bar mean, slow %D the
/// `slowd_n`-bar mean of slow %K (`rolling(n).mean()`). `TALIB` (`STOCH` with
/// SMA smoothing) also blanks slow %K until slow %D starts.
#[allow(clippy::too_many_arguments)]
pub fn stoch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk_n: usize,
    slowk_n: usize,
    slowd_n: usize,
    convention: i64,
    out: &mut [f64],
) {
    let len = high.len();
    let mut fastk = vec![f64::NAN; len];
    for i in (fastk_n - 1).min(len)..len {
        let (hh, ll) = (window_max(&high[i + 1 - fastk_n..=i]), -window_max_neg(&low[i + 1 - fastk_n..=i]));
        fastk[i] = if convention == PANDAS {
            100.0 * (close[i] - ll) / (hh - ll)
        } else {
            let diff = (hh - ll) / 100.0;
            if diff != 0.0 || diff.is_nan() {
                (close[i] - ll) / diff
            } else {
                0.0
            }
        };
    }
    let (slowk, slowd) = out.split_at_mut(len);
    sma(&fastk, slowk_n, slowk);
    sma(slowk, slowd_n, slowd);
    if convention == TALIB {
        let lookback = (fastk_n - 1 + slowk_n - 1 + slowd_n - 1).min(len);
        slowk[..lookback].fill(f64::NAN);
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
    let len = x.len();
    let (m, rest) = out.split_at_mut(len);
    let (sig, hist) = rest.split_at_mut(len);
    if convention == PANDAS {
        let mut f = Ewm::new(com_of_span(fast), fast);
        let mut s = Ewm::new(com_of_span(slow), slow);
        let mut g = Ewm::new(com_of_span(signal), signal);
        for i in 0..len {
            m[i] = f.update(x[i]) - s.update(x[i]);
            sig[i] = g.update(m[i]);
            hist[i] = m[i] - sig[i];
        }
        return;
    }
    m.fill(f64::NAN);
    sig.fill(f64::NAN);
    hist.fill(f64::NAN);
    for (a, b) in valid_runs(len, |i| !x[i].is_nan()) {
        talib_macd(&x[a..b], fast, slow, signal, &mut m[a..b], &mut sig[a..b], &mut hist[a..b]);
    }
}

/// TA-Lib's `MACD` on NaN-free `x` (outputs pre-filled with NaN).
fn talib_macd(x: &[f64], fast: usize, slow: usize, signal: usize, m: &mut [f64], sig: &mut [f64], hist: &mut [f64]) {
    let (fast, slow) = if slow < fast { (slow, fast) } else { (fast, slow) };
    let start = slow - 1; // where both EMAs start
    let first = start + signal - 1; // the first output
    if x.len() <= first {
        return;
    }
    let slow_ema = talib_ema_from(x, slow, start);
    let fast_ema = talib_ema_from(x, fast, start);
    let line: Vec<f64> = fast_ema.iter().zip(&slow_ema).map(|(f, s)| f - s).collect();
    let signal_ema = talib_ema_from(&line, signal, signal - 1);
    for (j, &g) in signal_ema.iter().enumerate() {
        let (i, l) = (first + j, line[signal - 1 + j]);
        (m[i], sig[i], hist[i]) = (l, g, l - g);
    }
}

/// TA-Lib's `INT_EMA` from row `start` (>= n - 1): seeded with the mean of the
/// `n` values ending at `start`, then `(x - ema) * 2 / (n + 1) + ema`.
fn talib_ema_from(x: &[f64], n: usize, start: usize) -> Vec<f64> {
    let k = 2.0 / (n as f64 + 1.0);
    let mut total = 0.0;
    for &v in &x[start + 1 - n..=start] {
        total += v;
    }
    let mut prev = total / n as f64;
    let mut out = Vec::with_capacity(x.len() - start);
    out.push(prev);
    for &v in &x[start + 1..] {
        prev = (v - prev) * k + prev;
        out.push(prev);
    }
    out
}

/// `TA_IS_ZERO`: TA-Lib treats |v| < 1e-14 as zero.
#[inline]
fn talib_is_zero(v: f64) -> bool {
    v > -1e-14 && v < 1e-14
}

/// Directional movement: `(adx, plus_di, minus_di, dx)` one after the other in `out`.
/// `+DM = up` where `up > down` and `up > 0`, else 0, with `up = h - h_prev`,
/// `down = l_prev - l`; `-DM` likewise with the roles swapped.
/// `PANDAS` (Wilder averages `ewm(alpha=1/n, adjust=False, min_periods=n)` of
/// `+DM`, `-DM` and the true range; the first row's `+DM`/`-DM` are 0, as `where`
/// makes them): `plus_di = 100 * ewm(+DM) / atr`, `minus_di` likewise,
/// `dx = 100 * |plus_di - minus_di| / (plus_di + minus_di)`, `adx = ewm(dx)`.
/// `TALIB` (`ADX`, `PLUS_DI`, `MINUS_DI`, `DX` of TA-Lib 0.8): Wilder *sums* seeded
/// with the plain sum of the first `n - 1` values, `s = s - s / n + v`; the DIs and
/// DX from row `n`, 0 where TA-Lib's zero tests say so (DX then repeats its
/// previous value); ADX from row `2n - 1`: the mean of the first `n` DX, then
/// `(adx * (n - 1) + dx) / n`, unchanged where DX is undefined. A NaN restarts.
pub fn dmi(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let len = high.len();
    let (adx, rest) = out.split_at_mut(len);
    let (pdi, rest) = rest.split_at_mut(len);
    let (mdi, dx) = rest.split_at_mut(len);
    if convention == PANDAS {
        let com = com_of_alpha(1.0 / n as f64);
        let (mut tr, mut p, mut m, mut a) = (Ewm::new(com, n), Ewm::new(com, n), Ewm::new(com, n), Ewm::new(com, n));
        for i in 0..len {
            let (plus_dm, minus_dm) = if i == 0 { (0.0, 0.0) } else { directional_movement(high, low, i) };
            let atr = tr.update(true_range_at(high, low, close, i, PANDAS));
            pdi[i] = 100.0 * p.update(plus_dm) / atr;
            mdi[i] = 100.0 * m.update(minus_dm) / atr;
            dx[i] = 100.0 * (pdi[i] - mdi[i]).abs() / (pdi[i] + mdi[i]);
            adx[i] = a.update(dx[i]);
        }
        return;
    }
    for o in [&mut *adx, &mut *pdi, &mut *mdi, &mut *dx] {
        o.fill(f64::NAN);
    }
    let valid = |i: usize| !(high[i].is_nan() || low[i].is_nan() || close[i].is_nan());
    for (a, b) in valid_runs(len, valid) {
        talib_dmi(&high[a..b], &low[a..b], &close[a..b], n, &mut adx[a..b], &mut pdi[a..b], &mut mdi[a..b], &mut dx[a..b]);
    }
}

/// `(+DM, -DM)` at row `i >= 1`: `up = h - h_prev`, `down = l_prev - l`; `+DM = up` if
/// `up > down` and `up > 0`, `-DM = down` if `down > up` and `down > 0`, else 0 (a NaN
/// compares false, so it gives 0, as pandas' `where`).
#[inline]
fn directional_movement(high: &[f64], low: &[f64], i: usize) -> (f64, f64) {
    let up = high[i] - high[i - 1];
    let down = low[i - 1] - low[i];
    (if up > down && up > 0.0 { up } else { 0.0 }, if down > up && down > 0.0 { down } else { 0.0 })
}

/// TA-Lib's ADX, PLUS_DI, MINUS_DI and DX on NaN-free rows (outputs pre-filled with NaN).
#[allow(clippy::too_many_arguments)]
fn talib_dmi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    n: usize,
    adx: &mut [f64],
    pdi: &mut [f64],
    mdi: &mut [f64],
    dx: &mut [f64],
) {
    let nf = n as f64;
    let (mut pdm_s, mut mdm_s, mut tr_s) = (0.0, 0.0, 0.0);
    let (mut dx_sum, mut adx_prev, mut dx_prev) = (0.0, f64::NAN, 0.0);
    for i in 1..high.len() {
        let (plus_dm, minus_dm) = directional_movement(high, low, i);
        let tr = true_range_at(high, low, close, i, TALIB);
        if i < n {
            (pdm_s, mdm_s, tr_s) = (pdm_s + plus_dm, mdm_s + minus_dm, tr_s + tr);
            continue;
        }
        pdm_s = pdm_s - pdm_s / nf + plus_dm;
        mdm_s = mdm_s - mdm_s / nf + minus_dm;
        tr_s = tr_s - tr_s / nf + tr;
        // DX is defined when both the true range and the DI sum are non-zero
        let mut dx_now = None;
        if talib_is_zero(tr_s) {
            (pdi[i], mdi[i]) = (0.0, 0.0);
        } else {
            (pdi[i], mdi[i]) = (100.0 * (pdm_s / tr_s), 100.0 * (mdm_s / tr_s));
            let total = mdi[i] + pdi[i];
            if !talib_is_zero(total) {
                dx_now = Some(100.0 * ((mdi[i] - pdi[i]).abs() / total));
            }
        }
        dx[i] = dx_now.unwrap_or(if i == n { 0.0 } else { dx_prev });
        dx_prev = dx[i];
        if i < 2 * n - 1 {
            dx_sum += dx_now.unwrap_or(0.0);
            continue;
        }
        adx_prev = if i == 2 * n - 1 {
            (dx_sum + dx_now.unwrap_or(0.0)) / nf
        } else if let Some(d) = dx_now {
            (adx_prev * (nf - 1.0) + d) / nf
        } else {
            adx_prev
        };
        adx[i] = adx_prev;
    }
}

/// Bollinger bands: `(upper, middle, lower)` one after the other in `out`.
/// `PANDAS`: `mid = x.rolling(n, min_periods=n).mean()`, `sd = x.rolling(n, min_periods=n).std(ddof=ddof)`,
/// `upper = mid + nbdev_up * sd`, `lower = mid - nbdev_dn * sd`.
/// `TALIB` (`BBANDS` with an SMA, TA-Lib 0.8.1): `mid` a running sum over `n`,
/// `sd = sqrt(mean((x - mid)^2))`, 0 when the variance is below 1e-14 (`ddof` is 0). A NaN restarts.
#[allow(clippy::too_many_arguments)]
pub fn bbands(x: &[f64], n: usize, nbdev_up: f64, nbdev_dn: f64, ddof: usize, convention: i64, out: &mut [f64]) {
    let len = x.len();
    let (upper, rest) = out.split_at_mut(len);
    let (middle, lower) = rest.split_at_mut(len);
    if convention == PANDAS {
        let mut w = RollingMoments::default();
        for i in 0..len {
            w.slide(x, i, n);
            let (mid, sd) = (w.sum.mean(n), w.var.std(n, ddof));
            (upper[i], middle[i], lower[i]) = (mid + nbdev_up * sd, mid, mid - nbdev_dn * sd);
        }
        return;
    }
    for o in [&mut *upper, &mut *middle, &mut *lower] {
        o.fill(f64::NAN);
    }
    let nf = n as f64;
    for (a, b) in valid_runs(len, |i| !x[i].is_nan()) {
        let x = &x[a..b];
        if x.len() < n {
            continue;
        }
        // TA-Lib's INT_SMA (a running sum); the variance around it in two passes, as the
        // 0.8.1 library computes it (closer than its documented sum of squares)
        let mut total = 0.0;
        for &v in &x[..n - 1] {
            total += v;
        }
        for i in n - 1..x.len() {
            total += x[i];
            let mid = total / nf;
            total -= x[i + 1 - n];
            let mut ss = 0.0;
            for &v in &x[i + 1 - n..=i] {
                ss += (v - mid) * (v - mid);
            }
            let var = ss / nf;
            let sd = if var < 1e-14 { 0.0 } else { var.sqrt() };
            (upper[a + i], middle[a + i], lower[a + i]) = (mid + sd * nbdev_up, mid, mid - sd * nbdev_dn);
        }
    }
}

/// Rolling z-score: `(x - x.rolling(n, min_periods=n).mean()) / x.rolling(n, min_periods=n).std(ddof=ddof)`
/// (both conventions; TA-Lib has none).
pub fn rolling_zscore(x: &[f64], n: usize, ddof: usize, out: &mut [f64]) {
    let mut w = RollingMoments::default();
    for i in 0..x.len() {
        w.slide(x, i, n);
        out[i] = (x[i] - w.sum.mean(n)) / w.var.std(n, ddof);
    }
}

/// Typical price `(h + l + c) / 3`.
#[inline]
fn typical_price(high: &[f64], low: &[f64], close: &[f64], i: usize) -> f64 {
    (high[i] + low[i] + close[i]) / 3.0
}

/// Commodity channel index, with `tp = (h + l + c) / 3`.
/// `PANDAS`: `ma = tp.rolling(n, min_periods=n).mean()`,
/// `md = sum((tp.shift(k) - ma).abs() for k in range(n)) / n` (summed newest first),
/// `cci = (tp - ma) / (0.015 * md)`.
/// `TALIB` (`CCI`): the mean and the mean absolute deviation summed in TA-Lib's
/// circular-buffer order, `(tp - mean) / (0.015 * md)`, 0 when either is below 1e-14. A NaN restarts.
pub fn cci(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let len = high.len();
    let tp: Vec<f64> = (0..len).map(|i| typical_price(high, low, close, i)).collect();
    let nf = n as f64;
    if convention == PANDAS {
        let mut w = RollingSum::default();
        for i in 0..len {
            w.slide(&tp, i, n);
            if i + 1 < n {
                out[i] = f64::NAN;
                continue;
            }
            let ma = w.mean(n);
            let mut total = 0.0;
            for k in 0..n {
                total += (tp[i - k] - ma).abs();
            }
            out[i] = (tp[i] - ma) / (0.015 * (total / nf));
        }
        return;
    }
    out.fill(f64::NAN);
    for (a, b) in valid_runs(len, |i| !tp[i].is_nan()) {
        let tp = &tp[a..b];
        for i in n.saturating_sub(1)..tp.len() {
            // TA-Lib's buffer slot j holds the row t of the window with t % n == j: in slot
            // order, the newest r = (i + 1) % n rows come first, then the older n - r
            let (start, r) = (i + 1 - n, (i + 1) % n);
            let (newest, oldest) = (&tp[start + n - r..=i], &tp[start..start + n - r]);
            let mut mean = 0.0;
            for &v in newest.iter().chain(oldest) {
                mean += v;
            }
            mean /= nf;
            let mut dev = 0.0;
            for &v in newest.iter().chain(oldest) {
                dev += (v - mean).abs();
            }
            let diff = tp[i] - mean;
            // TA-Lib 0.8.1 treats a difference or deviation below 1e-14 as zero
            out[a + i] = if talib_is_zero(diff) || talib_is_zero(dev) { 0.0 } else { diff / (0.015 * (dev / nf)) };
        }
    }
}

/// Money flow index, with `tp = (h + l + c) / 3` and money flow `tp * volume`.
/// `PANDAS`: `d = tp.diff()`, `pos = (tp * v).where(d > 0, 0.0).rolling(n, min_periods=n).sum()`,
/// `neg` likewise with `d < 0`, `mfi = 100 * pos / (pos + neg)`.
/// `TALIB` (`MFI`): running sums over the last `n` flows from row `n` (a change
/// below 1e-14 counts as none), `100 * (pos / (pos + neg))`, 0 when `pos + neg < 1`. A NaN restarts.
pub fn mfi(high: &[f64], low: &[f64], close: &[f64], volume: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let len = high.len();
    if convention == PANDAS {
        // the signed flows of the window: one rolling sum each
        let flows: Vec<(f64, f64)> = (0..len)
            .map(|i| {
                let tp = typical_price(high, low, close, i);
                let d = if i == 0 { f64::NAN } else { tp - typical_price(high, low, close, i - 1) };
                let mf = tp * volume[i];
                (if d > 0.0 { mf } else { 0.0 }, if d < 0.0 { mf } else { 0.0 })
            })
            .collect();
        let (pos, neg): (Vec<f64>, Vec<f64>) = flows.into_iter().unzip();
        let (mut p, mut m) = (RollingSum::default(), RollingSum::default());
        for i in 0..len {
            p.slide(&pos, i, n);
            m.slide(&neg, i, n);
            let (ps, ns) = (p.sum(n), m.sum(n));
            out[i] = 100.0 * ps / (ps + ns);
        }
        return;
    }
    out.fill(f64::NAN);
    let valid = |i: usize| !(typical_price(high, low, close, i).is_nan() || volume[i].is_nan());
    for (a, b) in valid_runs(len, valid) {
        // (positive, negative) flow of each row of the run; a ring of the last n
        let mut ring = vec![(0.0, 0.0); n];
        let (mut pos, mut neg) = (0.0, 0.0);
        let mut prev = typical_price(high, low, close, a);
        for (k, i) in (a + 1..b).enumerate() {
            if k >= n {
                pos -= ring[k % n].0;
                neg -= ring[k % n].1;
            }
            let tp = typical_price(high, low, close, i);
            let (d, mf) = (tp - prev, tp * volume[i]);
            prev = tp;
            // TA-Lib 0.8.1 treats a change below 1e-14 as none
            ring[k % n] = if talib_is_zero(d) {
                (0.0, 0.0)
            } else if d < 0.0 {
                neg += mf;
                (0.0, mf)
            } else {
                pos += mf;
                (mf, 0.0)
            };
            if k + 1 >= n {
                let total = pos + neg;
                out[i] = if total < 1.0 { 0.0 } else { 100.0 * (pos / total) };
            }
        }
    }
}

/// Volume-weighted average price of `price` (e.g. the typical price).
/// `window > 0`: `(price * volume).rolling(window, min_periods=window).sum() / volume.rolling(...).sum()`.
/// `window == 0`: cumulative within each period of `period` (one label per row, sorted;
/// empty: one period), as `(price * volume).groupby(period).cumsum() / volume.groupby(period).cumsum()`:
/// Kahan-compensated sums that skip NaN, NaN on a row whose price or volume is NaN.
pub fn vwap(price: &[f64], volume: &[f64], period: &[i64], window: usize, out: &mut [f64]) {
    let len = price.len();
    if window > 0 {
        let pv: Vec<f64> = (0..len).map(|i| price[i] * volume[i]).collect();
        let (mut p, mut v) = (RollingSum::default(), RollingSum::default());
        for i in 0..len {
            p.slide(&pv, i, window);
            v.slide(volume, i, window);
            out[i] = p.sum(window) / v.sum(window);
        }
        return;
    }
    let (mut pv_sum, mut v_sum) = (KahanSum::default(), KahanSum::default());
    for i in 0..len {
        if i > 0 && !period.is_empty() && period[i] != period[i - 1] {
            (pv_sum, v_sum) = (KahanSum::default(), KahanSum::default());
        }
        out[i] = pv_sum.add(price[i] * volume[i]) / v_sum.add(volume[i]);
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sma_of_a_constant_window_is_the_value_and_nan_windows_are_nan() {
        let x = [1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0, 7.0, 0.1, 0.1, 0.1];
        let mut out = [0.0; 10];
        sma(&x, 3, &mut out);
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
    fn series_run_in_parallel_give_the_serial_result() {
        let x: Vec<f64> = (0..4000).map(|i| ((i * 7919) % 101) as f64).collect();
        let par = per_series(&[&x], 1000, |s, o| ema(s[0], 14, PANDAS, o));
        let mut serial = vec![0.0; 1000];
        ema(&x[2000..3000], 14, PANDAS, &mut serial);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(); // NaN == NaN
        assert!(bits(&par[2000..3000]) == bits(&serial));
    }
}
