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
    let mut w = RollingMean::default();
    for i in 0..x.len() {
        if i == 0 || n == 1 {
            // a window disjoint from the previous one: pandas starts afresh
            w = RollingMean { prev: x[i], ..Default::default() };
        } else if i >= n {
            w.remove(x[i - n]);
        }
        w.add(x[i]);
        out[i] = w.mean(n);
    }
}

#[derive(Default)]
struct RollingMean {
    sum: f64,
    comp_add: f64,
    comp_remove: f64,
    nobs: usize,
    neg: usize,
    same_run: usize,
    prev: f64,
}

impl RollingMean {
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
    let mut a = 0;
    while a < len {
        if x[a].is_nan() {
            a += 1;
            continue;
        }
        let b = (a..len).find(|&i| x[i].is_nan()).unwrap_or(len);
        talib_macd(&x[a..b], fast, slow, signal, &mut m[a..b], &mut sig[a..b], &mut hist[a..b]);
        a = b;
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
