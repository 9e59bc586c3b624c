//! Ranges: true range, ATR, NATR, Williams %R and the stochastic.

use super::*;

/// True range. `PANDAS`: `concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()], axis=1).max(axis=1)`
/// (NaN-skipping, so the first row is `h - l`). `TALIB` (`TRANGE`): NaN in the first row, then
/// `h - l` replaced by each later part where greater ([`max3`]: a NaN `h - l` stays).
pub fn true_range(high: &[f64], low: &[f64], close: &[f64], convention: i64, out: &mut [f64]) {
    let mut s = TrueRange::new(convention);
    for i in 0..high.len() {
        out[i] = s.update(high[i], low[i], close[i]);
    }
}

#[derive(Clone)]
pub struct TrueRange {
    convention: i64,
    prev_close: Option<f64>,
}

impl TrueRange {
    pub fn new(convention: i64) -> Self {
        TrueRange {
            convention,
            prev_close: None,
        }
    }

    #[inline(always)]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> f64 {
        let hl = h - l;
        let tr = match self.prev_close {
            None if self.convention == TALIB => f64::NAN,
            None => hl,
            Some(pc) if self.convention == PANDAS => nan_max3(hl, (h - pc).abs(), (l - pc).abs()),
            Some(pc) => max3(hl, (h - pc).abs(), (l - pc).abs()),
        };
        self.prev_close = Some(c);
        tr
    }
}
stream!(TrueRange, |s, r, o| o[0] = s.update(r[0], r[1], r[2]));

/// TA-Lib's ATR step, `fma(atr, keep, tr * take)` (`keep = (n - 1) / n`, `take = 1 - keep`),
/// given `scaled = tr * take`.
#[inline(always)]
fn atr_step(atr: f64, scaled: f64, keep: f64) -> f64 {
    atr.mul_add(keep, scaled)
}

/// The true range of a row after a close, for blocks that check for NaN themselves:
/// `(range, clean)`, where the range equals [`nan_max3`]'s when `clean` (none of its
/// three candidates is NaN; an inf - inf candidate makes it unclean too).
#[inline(always)]
pub(super) fn plain_true_range(h: f64, l: f64, prev_close: f64) -> (f64, bool) {
    let (hl, hc, lc) = (h - l, (h - prev_close).abs(), (l - prev_close).abs());
    // the plain max skips some NaN, so the sum looks for one, off the chain
    (max3(hl, hc, lc), !(hl + hc + lc).is_nan())
}

/// Largest of three (none NaN), by the comparisons of [`nan_max3`].
#[inline(always)]
pub(super) fn max3(a: f64, b: f64, c: f64) -> f64 {
    let m = if b > a { b } else { a };
    if c > m {
        c
    } else {
        m
    }
}

/// Largest of three, ignoring NaN (NaN if all are), as pandas' `max(axis=1)`.
#[inline]
pub(super) fn nan_max3(a: f64, b: f64, c: f64) -> f64 {
    // selects, not branches: which value wins is data, and a mispredicted branch costs more
    // than the whole true range
    let m = if b > a || a.is_nan() { b } else { a };
    if c > m || m.is_nan() {
        c
    } else {
        m
    }
}

/// Average true range. `PANDAS`: `true_range.ewm(alpha=1/n, adjust=False, min_periods=n).mean()`.
/// `TALIB`: the mean of the first `n` true ranges (from the second row), then
/// `atr = fma(atr, k, tr * (1 - k))` with `k = (n - 1) / n`, TA-Lib 0.8.1's fused
/// step. The true range is computed on the fly.
pub fn atr(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let mut s = Atr::new(n, convention);
    if convention == PANDAS {
        in_warm_blocks(
            &mut s,
            out,
            high.len(),
            #[inline(always)]
            |s: &Atr| s.tr.prev_close.is_some_and(|c| !c.is_nan()) && s.pandas.is_steady(),
            #[inline(always)]
            |s: &mut Atr, out: &mut [f64], lo: usize, hi: usize| {
                let (step, mut atr) = (s.pandas.steady(), s.pandas.weighted);
                let (mut prev_close, mut nan) = (s.tr.prev_close.unwrap_or(f64::NAN), false);
                let rows = high[lo..hi].iter().zip(&low[lo..hi]).zip(&close[lo..hi]);
                for (o, ((&h, &l), &c)) in out[lo..hi].iter_mut().zip(rows) {
                    let (tr, clean) = plain_true_range(h, l, prev_close);
                    nan |= !clean;
                    atr = step.step(atr, tr);
                    *o = atr;
                    prev_close = c;
                }
                s.pandas.advance(atr, hi - lo);
                s.tr.prev_close = Some(prev_close);
                !nan && atr.is_finite()
            },
            #[inline(always)]
            |s, out, i| out[i] = s.update(high[i], low[i], close[i]),
        );
        return;
    }
    fused!({
        in_warm_blocks(
            &mut s,
            out,
            high.len(),
            #[inline(always)]
            |s: &Atr| s.talib.is_seeded() && s.tr.prev_close.is_some_and(|c| !c.is_nan()),
            #[inline(always)]
            |s: &mut Atr, out: &mut [f64], lo: usize, hi: usize| {
                // warm means a row was seen, so row `lo`'s previous close is `close[lo - 1]`
                let (mut atr, keep, take, mut nan) = (s.talib.prev, s.keep, s.take, false);
                // `tr * take` of a chunk of rows first, where it vectorises, then the chain
                // over them: inline, the true range's instructions outnumbered the chain's
                // latency (LLVM does not vectorise a loop that carries a recursion)
                let mut scaled = [0.0; ATR_CHUNK];
                for at in (lo..hi).step_by(ATR_CHUNK) {
                    let rows = ATR_CHUNK.min(hi - at);
                    let prev = &close[at - 1..at - 1 + rows];
                    let bars = high[at..at + rows]
                        .iter()
                        .zip(&low[at..at + rows])
                        .zip(prev);
                    for (t, ((&h, &l), &pc)) in scaled[..rows].iter_mut().zip(bars) {
                        let (tr, clean) = plain_true_range(h, l, pc);
                        nan |= !clean;
                        *t = tr * take;
                    }
                    for (o, &t) in out[at..at + rows].iter_mut().zip(&scaled[..rows]) {
                        atr = atr_step(atr, t, keep);
                        *o = atr;
                    }
                }
                (s.talib.prev, s.tr.prev_close) = (atr, Some(close[hi - 1]));
                !nan
            },
            #[inline(always)]
            |s, out, i| out[i] = s.update(high[i], low[i], close[i]),
        );
    })
}

/// Rows whose true ranges the talib ATR's warm blocks take at once, ahead of the chain.
const ATR_CHUNK: usize = 16;

#[derive(Clone)]
pub struct Atr {
    tr: TrueRange,
    // TA-Lib's smoothing: the weights of the last average and of the new true range
    keep: f64,
    take: f64,
    pandas: Ewm,
    talib: Seeded,
}

impl Atr {
    pub fn new(n: usize, convention: i64) -> Self {
        let pandas = Ewm::new(com_of_alpha(1.0 / n as f64), n);
        let keep = (n as f64 - 1.0) / n as f64;
        Atr {
            tr: TrueRange::new(convention),
            keep,
            take: 1.0 - keep,
            pandas,
            talib: Seeded::new(n),
        }
    }

    #[inline(always)]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> f64 {
        let first = self.tr.prev_close.is_none();
        let tr = self.tr.update(h, l, c);
        if self.tr.convention == PANDAS {
            return self.pandas.update(tr);
        }
        if first {
            // the first row's true range is undefined in TA-Lib: the warm-up starts at row 1
            return f64::NAN;
        }
        let (keep, take) = (self.keep, self.take);
        self.talib
            .update(tr, |prev, tr| atr_step(prev, tr * take, keep))
    }
}
stream!(Atr, |s, r, o| o[0] = s.update(r[0], r[1], r[2]));

/// Normalised ATR in percent of the close: `atr / close * 100`; in `TALIB`, 0
/// where the close is (within 1e-14 of) zero.
pub fn natr(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    atr(high, low, close, n, convention, out);
    for (o, &c) in out.iter_mut().zip(close) {
        *o = Natr::of_atr(*o, c, convention);
    }
}

pub struct Natr(Atr);

impl Natr {
    pub fn new(n: usize, convention: i64) -> Self {
        Natr(Atr::new(n, convention))
    }

    #[inline(always)]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> f64 {
        Natr::of_atr(self.0.update(h, l, c), c, self.0.tr.convention)
    }

    #[inline(always)]
    fn of_atr(atr: f64, c: f64, convention: i64) -> f64 {
        if convention == TALIB && talib_is_zero(c) {
            0.0
        } else {
            atr / c * 100.0
        }
    }
}
stream!(Natr, |s, r, o| o[0] = s.update(r[0], r[1], r[2]));

/// The highest high and lowest low of the last `n` bars, NaN while fewer than `n`
/// have been seen or if the window holds a NaN (as `rolling(n).max()` / `.min()`).
/// Monotonic queues (a high is dropped once a later one is at least as high), so each
/// bar costs O(1) amortised whatever `n`. Also the window of `structure::ranges`.
pub(crate) struct HighLow {
    n: usize,
    seen: usize,
    last_nan: Option<usize>, // the last bar with a NaN high or low
    highs: std::collections::VecDeque<(usize, f64)>,
    lows: std::collections::VecDeque<(usize, f64)>,
}

impl HighLow {
    pub(crate) fn new(n: usize) -> Self {
        // a window longer than any series must not reserve its length up front
        let queue = || std::collections::VecDeque::with_capacity(n.saturating_add(1).min(1024));
        HighLow {
            n,
            seen: 0,
            last_nan: None,
            highs: queue(),
            lows: queue(),
        }
    }

    #[inline]
    pub(crate) fn update(&mut self, h: f64, l: f64) -> Option<(f64, f64)> {
        let i = self.seen;
        self.seen += 1;
        // pandas sees +-inf as missing
        if !h.is_finite() || !l.is_finite() {
            self.last_nan = Some(i);
        }
        if !h.is_nan() {
            while self.highs.back().is_some_and(|&(_, v)| v <= h) {
                self.highs.pop_back();
            }
            self.highs.push_back((i, h));
        }
        if !l.is_nan() {
            while self.lows.back().is_some_and(|&(_, v)| v >= l) {
                self.lows.pop_back();
            }
            self.lows.push_back((i, l));
        }
        let first = (i + 1).checked_sub(self.n)?; // the window's first bar
        while self.highs.front().is_some_and(|&(j, _)| j < first) {
            self.highs.pop_front();
        }
        while self.lows.front().is_some_and(|&(j, _)| j < first) {
            self.lows.pop_front();
        }
        if self.last_nan.is_some_and(|j| j >= first) {
            return Some((f64::NAN, f64::NAN));
        }
        Some((
            self.highs.front().map_or(f64::NAN, |q| q.1),
            self.lows.front().map_or(f64::NAN, |q| q.1),
        ))
    }
}

/// Williams %R, -100 to 0, over `n` bars: with `hh`, `ll` the highest high and
/// lowest low of the window (NaN if it holds a NaN, as `rolling(n).max()`),
/// `PANDAS`: `-100 * (hh - c) / (hh - ll)`; `TALIB`: `((hh - c) / (hh - ll)) * -100`
/// within [-100, 0], 0 when `hh - ll` is within 1e-14 of `|hh| + |ll|`.
pub fn willr(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let mut s = Willr::new(n, convention);
    for i in 0..high.len() {
        out[i] = s.update(high[i], low[i], close[i]);
    }
}

pub struct Willr {
    convention: i64,
    window: HighLow,
}

impl Willr {
    pub fn new(n: usize, convention: i64) -> Self {
        Willr {
            convention,
            window: HighLow::new(n),
        }
    }

    #[inline]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> f64 {
        let Some((hh, ll)) = self.window.update(h, l) else {
            return f64::NAN;
        };
        if self.convention == PANDAS {
            return -100.0 * (hh - c) / (hh - ll);
        }
        if talib_flat_window(hh, ll) {
            return 0.0;
        }
        // TA-Lib's clamp, for a close outside its bar (NaN passes, as in its compares)
        (((hh - c) / (hh - ll)) * -100.0).clamp(-100.0, 0.0)
    }
}
stream!(Willr, |s, r, o| o[0] = s.update(r[0], r[1], r[2]));

/// Slow stochastic oscillator: `(slowk, slowd)` written one after the other in `out`.
/// `hh`, `ll` = highest high and lowest low over `fastk_n` bars; fast %K is
/// `100 * (c - ll) / (hh - ll)` (`PANDAS`) or `((c - ll) / (hh - ll)) * 100`, 0 when
/// `hh - ll` is within 1e-14 of `|hh| + |ll|` (`TALIB`); slow %K is its `slowk_n`-bar
/// mean, slow %D the `slowd_n`-bar mean of slow %K (`PANDAS`: `rolling(n).mean()`;
/// `TALIB`: TA-Lib's running-sum SMA). `TALIB` (`STOCH` with SMA smoothing) also
/// blanks slow %K until slow %D starts.
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
    let [slowk, slowd] = split_outputs::<2>(out);
    let mut s = Stoch::new(fastk_n, slowk_n, slowd_n, convention);
    for i in 0..high.len() {
        [slowk[i], slowd[i]] = s.update(high[i], low[i], close[i]);
    }
}

pub struct Stoch {
    convention: i64,
    window: HighLow,
    slowk: Sma,
    slowd: Sma,
    lookback: usize,
    seen: usize,
}

impl Stoch {
    pub fn new(fastk_n: usize, slowk_n: usize, slowd_n: usize, convention: i64) -> Self {
        let lookback = fastk_n - 1 + slowk_n - 1 + slowd_n - 1;
        let (window, slowk, slowd) = (
            HighLow::new(fastk_n),
            Sma::new(slowk_n, convention),
            Sma::new(slowd_n, convention),
        );
        Stoch {
            convention,
            window,
            slowk,
            slowd,
            lookback,
            seen: 0,
        }
    }

    #[inline]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> [f64; 2] {
        let fastk = match self.window.update(h, l) {
            None => f64::NAN,
            Some((hh, ll)) if self.convention == PANDAS => 100.0 * (c - ll) / (hh - ll),
            Some((hh, ll)) if talib_flat_window(hh, ll) => 0.0,
            Some((hh, ll)) => ((c - ll) / (hh - ll)) * 100.0,
        };
        let slowk = self.slowk.update(fastk);
        let slowd = self.slowd.update(slowk);
        self.seen += 1;
        let blank = self.convention == TALIB && self.seen <= self.lookback;
        [if blank { f64::NAN } else { slowk }, slowd]
    }
}
stream!(Stoch, |s, r, o| o
    .copy_from_slice(&s.update(r[0], r[1], r[2])));
