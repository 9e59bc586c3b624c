//! Bands and oscillators: Bollinger bands, rolling z-score, CCI and MFI.

use super::*;

/// Bollinger bands: `(upper, middle, lower)` one after the other in `out`.
/// `PANDAS`: `mid = x.rolling(n, min_periods=n).mean()`, `sd = x.rolling(n, min_periods=n).std(ddof=ddof)`,
/// `upper = mid + nbdev_up * sd`, `lower = mid - nbdev_dn * sd`.
/// `TALIB` (`BBANDS` with an SMA, TA-Lib 0.8.1, to the bit): `mid` a running sum over `n`,
/// `sd = sqrt(mean(d^2) - mean(d)^2)` of `d = x - shift` ([`TalibVariance`]; `ddof` is 0),
/// `upper = mid + sd * nbdev_up` (one rounding, `fma`, when the two multipliers differ),
/// `lower = mid - sd * nbdev_dn`. A NaN restarts.
#[allow(clippy::too_many_arguments)]
pub fn bbands(
    x: &[f64],
    n: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
    ddof: usize,
    convention: i64,
    out: &mut [f64],
) {
    let [upper, middle, lower] = split_outputs::<3>(out);
    let mut s = Bbands::new(n, nbdev_up, nbdev_dn, ddof, convention);
    if convention == PANDAS {
        for i in 0..x.len() {
            [upper[i], middle[i], lower[i]] = s.update(x[i]);
        }
        return;
    }
    // warm blocks read the window from `x`, where the stream keeps a ring, and refill the
    // ring at their end
    in_warm_blocks(
        &mut s.talib,
        &mut [upper, middle, lower],
        x.len(),
        #[inline(always)]
        |t: &TalibBands| t.ring.is_full(),
        #[inline(always)]
        |t: &mut TalibBands, [upper, middle, lower]: &mut [&mut [f64]; 3], lo: usize, hi: usize| {
            let nbdev = (nbdev_up, nbdev_dn);
            let (mut total, mut var) = (t.total, t.var);
            for i in lo..hi {
                let v = x[i];
                total += v;
                var.add(v);
                let window = &x[i + 1 - n..=i];
                [upper[i], middle[i], lower[i]] =
                    TalibBands::row(&mut total, &mut var, window.iter(), n, window[0], nbdev);
            }
            t.ring.clear();
            for &v in &x[hi - n..hi] {
                t.ring.push(v);
            }
            (t.total, t.var) = (total, var);
            !total.is_nan()
        },
        #[inline(always)]
        |t, [upper, middle, lower], i| {
            [upper[i], middle[i], lower[i]] = t.update(x[i], n, (nbdev_up, nbdev_dn));
        },
    );
}

pub struct Bbands {
    n: usize,
    nbdev: (f64, f64),
    ddof: usize,
    convention: i64,
    pandas: Windowed<RollingMoments>,
    talib: TalibBands,
}

/// TA-Lib's bands: this run's last `n` values, their running sum (all but the oldest
/// between rows) and the variance's sums.
#[derive(Clone)]
struct TalibBands {
    ring: Ring,
    total: f64,
    var: TalibVariance,
}

/// TA-Lib 0.8.1's variance of a sliding window (its `VAR`, which `BBANDS` inlines), to the
/// bit: sums of `d = x - shift` and `d^2`, kept by adding the new value and removing the
/// oldest, `var = mean(d^2) - mean(d)^2`. `shift` starts at a run's first value; the sums
/// are taken afresh with `shift` at the window's mean every [`TalibVariance::RESEED_EVERY`]
/// `* n` windows, when the variance falls below 1e-6 of `mean(d^2)` (cancellation), and when
/// the leaving `d^2` is above 1e6 times what stays (an outlier left); a fresh variance below
/// 1e-12 of its `mean(d^2)` is 0 (a spread under the mean's rounding).
#[derive(Default, Clone, Copy)]
struct TalibVariance {
    shift: f64,
    s1: f64,
    s2: f64,
    /// windows until the periodic reseed (0: at this one)
    until_reseed: usize,
}

impl TalibVariance {
    const RESEED_EVERY: usize = 32;

    /// The sums of a run whose first value is `first` (not added yet).
    fn anchored(first: f64, n: usize) -> Self {
        TalibVariance {
            shift: first,
            s1: 0.0,
            s2: 0.0,
            until_reseed: TalibVariance::RESEED_EVERY * n,
        }
    }

    #[inline(always)]
    fn add(&mut self, v: f64) {
        let d = v - self.shift;
        self.s1 += d;
        self.s2 += d * d;
    }

    /// Removes `v` from the sums, returning its `d^2`.
    #[inline(always)]
    fn remove(&mut self, v: f64) -> f64 {
        let d = v - self.shift;
        self.s1 -= d;
        let d2 = d * d;
        self.s2 -= d2;
        d2
    }

    #[inline(always)]
    fn of_sums(&self, r: f64) -> f64 {
        let mean_d = self.s1 * r;
        self.s2 * r - mean_d * mean_d
    }

    /// The variance of the full window `values` (oldest first, `n` of them, `oldest` the
    /// first), its newest value added; removes the oldest for the next window.
    #[inline(always)]
    fn row<'a>(
        &mut self,
        values: impl Iterator<Item = &'a f64> + Clone,
        n: usize,
        oldest: f64,
    ) -> f64 {
        let r = 1.0 / n as f64;
        let mut var = self.of_sums(r);
        let left = self.remove(oldest);
        self.until_reseed -= 1;
        if var < 1e-6 * (self.s2 * r) || left > 1e6 * self.s2 || self.until_reseed == 0 {
            self.until_reseed = TalibVariance::RESEED_EVERY * n;
            let sum = values.clone().fold(0.0, |a, &v| a + v);
            (self.shift, self.s1, self.s2) = (sum * r, 0.0, 0.0);
            for &v in values {
                self.add(v);
            }
            var = self.of_sums(r);
            if var < 1e-12 * (self.s2 * r) {
                var = 0.0;
            }
            self.remove(oldest);
        }
        var
    }
}

impl Bbands {
    pub fn new(n: usize, nbdev_up: f64, nbdev_dn: f64, ddof: usize, convention: i64) -> Self {
        Bbands {
            n,
            nbdev: (nbdev_up, nbdev_dn),
            ddof,
            convention,
            pandas: Windowed::new(n),
            talib: TalibBands {
                ring: Ring::new(n),
                total: 0.0,
                var: TalibVariance::default(),
            },
        }
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> [f64; 3] {
        let (up, dn) = self.nbdev;
        if self.convention == PANDAS {
            self.pandas.push(v);
            let w = &self.pandas.w;
            let (mid, sd) = (w.sum.mean(self.n), w.var.std(self.n, self.ddof));
            return [mid + up * sd, mid, mid - dn * sd];
        }
        self.talib.update(v, self.n, self.nbdev)
    }
}

impl TalibBands {
    #[inline]
    fn update(&mut self, v: f64, n: usize, nbdev: (f64, f64)) -> [f64; 3] {
        if v.is_nan() {
            self.ring.clear();
            self.total = 0.0;
            return [f64::NAN; 3];
        }
        if self.ring.len == 0 {
            self.var = TalibVariance::anchored(v, n);
        }
        // TA-Lib's INT_SMA (a running sum) beside the variance's sums
        self.total += v;
        self.var.add(v);
        self.ring.push(v);
        if !self.ring.is_full() {
            return [f64::NAN; 3];
        }
        let oldest = self.ring.front();
        TalibBands::row(
            &mut self.total,
            &mut self.var,
            self.ring.iter(),
            n,
            oldest,
            nbdev,
        )
    }

    /// TA-Lib's bands of the full window `values` (oldest first, `n` of them, `oldest` the
    /// first), `total` holding its sum and `var` its sums; afterwards both hold all but `oldest`.
    #[inline(always)]
    fn row<'a>(
        total: &mut f64,
        var: &mut TalibVariance,
        values: impl Iterator<Item = &'a f64> + Clone,
        n: usize,
        oldest: f64,
        (up, dn): (f64, f64),
    ) -> [f64; 3] {
        let mid = *total / n as f64;
        let sd = var.row(values, n, oldest).sqrt();
        *total -= oldest;
        let upper = if up == dn {
            mid + sd * up
        } else {
            sd.mul_add(up, mid)
        };
        [upper, mid, mid - sd * dn]
    }
}
stream!(Bbands, |s, r, o| o.copy_from_slice(&s.update(r[0])));

/// Rolling z-score: `(x - x.rolling(n, min_periods=n).mean()) / x.rolling(n, min_periods=n).std(ddof=ddof)`
/// (both conventions; TA-Lib has none).
pub fn rolling_zscore(x: &[f64], n: usize, ddof: usize, out: &mut [f64]) {
    let mut s = RollingZscore::new(n, ddof);
    drive1(x, out, |v| s.update(v));
}

pub struct RollingZscore {
    ddof: usize,
    window: Windowed<RollingMoments>,
}

impl RollingZscore {
    pub fn new(n: usize, ddof: usize) -> Self {
        RollingZscore {
            ddof,
            window: Windowed::new(n),
        }
    }

    #[inline]
    pub fn update(&mut self, v: f64) -> f64 {
        self.window.push(v);
        let (w, n) = (&self.window.w, self.window.n);
        (v - w.sum.mean(n)) / w.var.std(n, self.ddof)
    }
}
stream!(RollingZscore, |s, r, o| o[0] = s.update(r[0]));

/// Typical price `(h + l + c) / 3`.
#[inline]
fn typical_price(h: f64, l: f64, c: f64) -> f64 {
    (h + l + c) / 3.0
}

/// Commodity channel index, with `tp = (h + l + c) / 3`.
/// `PANDAS`: `ma = tp.rolling(n, min_periods=n).mean()`,
/// `md = sum((tp.shift(k) - ma).abs() for k in range(n)) / n` (summed newest first),
/// `cci = (tp - ma) / (0.015 * md)`.
/// `TALIB` (`CCI`): the mean and the mean absolute deviation summed in TA-Lib's
/// circular-buffer order, `(tp - mean) / (0.015 * md)`, 0 when either is within `1e-14 * |mean|`
/// of 0 (a flat window at any price scale). A NaN restarts.
pub fn cci(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    if convention == PANDAS {
        // the stream's steps, its window read from the typical prices instead of a ring
        let tp = |i: usize| typical_price(high[i], low[i], close[i]);
        let mut w = RollingSum::default();
        with_recent(high.len(), n, tp, |i, recent| {
            let now = recent[recent.len() - 1];
            Windowed::step(&mut w, n, now, i, |w| w.remove(recent[0])); // row i - n
            out[i] = if i + 1 < n {
                f64::NAN
            } else {
                let window = &recent[recent.len() - n..];
                Cci::pandas_value(now, w.mean(n), window.iter().rev(), n)
            };
        });
        return;
    }
    let mut s = Cci::new(n, convention);
    for i in 0..high.len() {
        out[i] = s.update(high[i], low[i], close[i]);
    }
}

pub struct Cci {
    convention: i64,
    pandas: Windowed<RollingSum>,
    n: usize,
    // TA-Lib's circular buffer: row t of the run in slot t % n (grown as it fills)
    slots: Vec<f64>,
    seen: usize,
}

impl Cci {
    pub fn new(n: usize, convention: i64) -> Self {
        Cci {
            convention,
            pandas: Windowed::new(n),
            n: n.max(1),
            slots: Vec::new(),
            seen: 0,
        }
    }

    /// pandas: `(tp - ma) / (0.015 * mad)`, the absolute deviations from `ma` summed
    /// newest first.
    #[inline(always)]
    fn pandas_value<'a>(
        tp: f64,
        ma: f64,
        newest_first: impl Iterator<Item = &'a f64>,
        n: usize,
    ) -> f64 {
        let total = newest_first.fold(0.0, |t, &v| t + (v - ma).abs());
        (tp - ma) / (0.015 * (total / count_f64(n)))
    }

    #[inline]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> f64 {
        let tp = typical_price(h, l, c);
        let n = self.n;
        let nf = n as f64;
        if self.convention == PANDAS {
            self.pandas.push(tp);
            if !self.pandas.is_full() {
                return f64::NAN;
            }
            return Cci::pandas_value(tp, self.pandas.w.mean(n), self.pandas.ring.iter().rev(), n);
        }
        if tp.is_nan() {
            self.seen = 0;
            return f64::NAN;
        }
        put(&mut self.slots, self.seen % n, tp);
        self.seen += 1;
        if self.seen < n {
            return f64::NAN;
        }
        let mean = self.slots.iter().fold(0.0, |t, &v| t + v) / nf;
        let dev = self.slots.iter().fold(0.0, |t, &v| t + (v - mean).abs());
        let (diff, mean_dev) = (tp - mean, dev / nf);
        // TA-Lib 0.8.1: a flat window, relative to its own price level
        if talib_is_zero_scaled(diff, mean.abs()) || talib_is_zero_scaled(mean_dev, mean.abs()) {
            0.0
        } else {
            diff / (0.015 * mean_dev)
        }
    }
}
stream!(Cci, |s, r, o| o[0] = s.update(r[0], r[1], r[2]));

/// Money flow index, with `tp = (h + l + c) / 3` and money flow `tp * volume`.
/// `PANDAS`: `d = tp.diff()`, `pos = (tp * v).where(d > 0, 0.0).rolling(n, min_periods=n).sum()`,
/// `neg` likewise with `d < 0`, `mfi = 100 * pos / (pos + neg)`.
/// `TALIB` (`MFI`): running sums over the last `n` flows from row `n` (a change within
/// 1e-14 of the two prices' size counts as none, and the sums are reset to 0 once `n`
/// rows in a row had no flow), `100 * (pos / (pos + neg))` with `pos` clamped into
/// `[0, pos + neg]`, 0 when `pos + neg` is not above 0. A NaN restarts.
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    n: usize,
    convention: i64,
    out: &mut [f64],
) {
    if convention == PANDAS {
        // the stream's steps, its windows read from the typical prices instead of rings
        // (the leaving flow made again from them)
        let tp = |i: usize| typical_price(high[i], low[i], close[i]);
        let (mut pos, mut neg) = (RollingSum::default(), RollingSum::default());
        with_recent(high.len(), n.saturating_add(1), tp, |i, recent| {
            // the flows of the row `back` rows before i
            let flows = |back: usize| {
                let at = recent.len() - 1 - back;
                let prev = if back == i { f64::NAN } else { recent[at - 1] };
                Mfi::pandas_flows(prev, recent[at], volume[i - back])
            };
            let ((p, q), leaving) = (flows(0), if i >= n { flows(n) } else { (0.0, 0.0) });
            Windowed::step(&mut pos, n, p, i, |w| w.remove(leaving.0));
            Windowed::step(&mut neg, n, q, i, |w| w.remove(leaving.1));
            out[i] = Mfi::pandas_index(pos.sum(n), neg.sum(n));
        });
        return;
    }
    let mut s = Mfi::new(n, convention);
    for i in 0..high.len() {
        out[i] = s.update(high[i], low[i], close[i], volume[i]);
    }
}

pub struct Mfi {
    n: usize,
    convention: i64,
    prev_tp: Option<f64>,
    // pandas: the positive and negative flows, one rolling sum each
    pos: Windowed<RollingSum>,
    neg: Windowed<RollingSum>,
    // TA-Lib: this run's last n (positive, negative) flows and their running sums
    ring: Vec<(f64, f64)>,
    flows: usize,
    sums: (f64, f64),
    no_flow_run: usize,
}

impl Mfi {
    pub fn new(n: usize, convention: i64) -> Self {
        let (pos, neg) = (Windowed::new(n), Windowed::new(n));
        Mfi {
            n,
            convention,
            prev_tp: None,
            pos,
            neg,
            ring: Vec::new(),
            flows: 0,
            sums: (0.0, 0.0),
            no_flow_run: 0,
        }
    }

    #[inline]
    pub fn update(&mut self, h: f64, l: f64, c: f64, volume: f64) -> f64 {
        let tp = typical_price(h, l, c);
        let prev = self.prev_tp.replace(tp);
        if self.convention == PANDAS {
            let (p, q) = Mfi::pandas_flows(prev.unwrap_or(f64::NAN), tp, volume);
            self.pos.push(p);
            self.neg.push(q);
            return Mfi::pandas_index(self.pos.w.sum(self.n), self.neg.w.sum(self.n));
        }
        let mf = tp * volume;
        if tp.is_nan() || volume.is_nan() {
            self.prev_tp = None;
            return f64::NAN;
        }
        let Some(prev) = prev.filter(|p| !p.is_nan()) else {
            // the first row of a run: its price is the reference for the next flow
            (self.flows, self.sums, self.no_flow_run) = (0, (0.0, 0.0), 0);
            return f64::NAN;
        };
        let k = self.flows % self.n;
        if self.flows >= self.n {
            self.sums.0 -= self.ring[k].0;
            self.sums.1 -= self.ring[k].1;
        }
        let d = tp - prev;
        // TA-Lib 0.8.1: a change within 1e-14 of the prices' size is none
        let money = if talib_is_zero_scaled(d, tp.abs() + prev.abs()) {
            0.0
        } else {
            mf
        };
        let flow = if d < 0.0 { (0.0, money) } else { (money, 0.0) };
        put(&mut self.ring, k, flow);
        self.sums.0 += flow.0;
        self.sums.1 += flow.1;
        // a window of no flow: the sums are exactly 0, and TA-Lib drops their residue
        self.no_flow_run = if money == 0.0 {
            self.no_flow_run + 1
        } else {
            0
        };
        if self.no_flow_run >= self.n {
            (self.no_flow_run, self.sums) = (self.n, (0.0, 0.0));
        }
        self.flows += 1;
        if self.flows < self.n {
            return f64::NAN;
        }
        let (pos, total) = (self.sums.0, self.sums.0 + self.sums.1);
        // the sums drift by a few ulp as the window slides: the index stays in [0, 100]
        let pos = if pos < 0.0 {
            0.0
        } else if pos > total {
            total
        } else {
            pos
        };
        if total <= 0.0 {
            0.0
        } else {
            100.0 * (pos / total)
        }
    }

    /// pandas: the positive and negative money flow of a row, `mf.where(d > 0, 0.0)` and
    /// `mf.where(d < 0, 0.0)` with `mf = tp * volume`, `d = tp - prev_tp` (NaN compares false).
    #[inline(always)]
    fn pandas_flows(prev_tp: f64, tp: f64, volume: f64) -> (f64, f64) {
        let (d, mf) = (tp - prev_tp, tp * volume);
        (
            if d > 0.0 { mf } else { 0.0 },
            if d < 0.0 { mf } else { 0.0 },
        )
    }

    /// pandas: `100 * pos / (pos + neg)` of the rolling sums.
    #[inline(always)]
    fn pandas_index(pos: f64, neg: f64) -> f64 {
        100.0 * pos / (pos + neg)
    }
}
stream!(Mfi, |s, r, o| o[0] = s.update(r[0], r[1], r[2], r[3]));
