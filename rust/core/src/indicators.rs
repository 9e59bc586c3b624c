//! Technical indicators in two conventions. Read beside
//! `python/barsmith/_pandas/indicators.py` (the definitions, as pandas
//! expressions) and `python/barsmith/_numba/indicators.py`.
//!
//! `PANDAS` reproduces a documented pandas expression, NaN handling included
//! (`ewm(adjust=False)` carries its value over NaN and re-weights after a gap;
//! `rolling` needs `min_periods` observations; both see +-inf as missing, see
//! [`pandas_window_value`]). `TALIB` reproduces TA-Lib
//! 0.8.x (the C library behind the `ta-lib` 0.8.2 wheel) on NaN-free input;
//! on NaN it does what TA-Lib should: the output is NaN there and the
//! indicator warms up again from the next valid value (TA-Lib instead sticks
//! at NaN or, for RSI, at 0.0 for ever).
//!
//! Every kernel works on one series (a slice); [`per_series`] runs a kernel
//! over the rows of a 2-D (series x points) array in parallel.

use rayon::prelude::*;

use crate::{count_f64, prefetch};

pub const PANDAS: i64 = 0;
pub const TALIB: i64 = 1;

/// Runs `f` compiled for FMA where the CPU has it. TA-Lib's wheel fuses its EMA and ATR
/// steps (`fma(x - ema, k, ema)`, `fma(atr, k, tr * (1 - k))`: the multiply-add is one
/// instruction in its FMA build), so the `TALIB` kernels do too, with `f64::mul_add`.
/// A fused multiply-add is rounded once by definition: elsewhere `mul_add` is the libm
/// call, slower but bit for bit the same, so a stream equals its batch on any CPU.
#[inline]
pub fn fused<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        unsafe fn with_fma<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the CPU has FMA (checked just above)
        return unsafe { with_fma(f) };
    }
    f()
}

/// `fused!(body)`: [`fused`] on `body` as a closure inlined into both of its paths, so the
/// multiply-adds of the states it drives (their `update`s are `inline(always)`) become
/// instructions rather than calls. The closure takes its captures by value: a state it owns
/// stays in registers, where one it borrowed would make a store and a reload of every step.
macro_rules! fused {
    ($($body:tt)*) => {
        fused(#[inline(always)] move || { $($body)* })
    };
}

// ---------------------------------------------------------------- streaming
//
// Every indicator is a state fed one row at a time (`update`), and its batch
// kernel is a loop over that state: `barsmith.indicators.stream` and the batch
// functions run the same code, so a stream equals the batch value for value.

/// An indicator fed one row at a time, for callers that pick it at run time
/// (the Python stream classes): the row's inputs in, its outputs out.
pub trait Stream: Send + Sync {
    fn update(&mut self, row: &[f64], out: &mut [f64]);
}

/// A stream by name, with its numbers of inputs and outputs: `periods` and
/// `params` in the order of the batch function's arguments. `None` for an
/// unknown name or a wrong number of parameters.
pub fn new_stream(
    name: &str,
    periods: &[usize],
    params: &[f64],
    convention: i64,
) -> Option<(Box<dyn Stream>, usize, usize)> {
    let c = convention;
    let boxed = |s: Box<dyn Stream>, i, o| Some((s, i, o));
    match (name, periods, params) {
        ("sma", &[n], &[]) => boxed(Box::new(Sma::new(n, c)), 1, 1),
        ("wma", &[n], &[]) => boxed(Box::new(Wma::new(n, c)), 1, 1),
        ("ema", &[n], &[]) => boxed(Box::new(Ema::new(n, c)), 1, 1),
        ("rsi", &[n], &[]) => boxed(Box::new(Rsi::new(n, c)), 1, 1),
        ("roc", &[n], &[]) => boxed(Box::new(Roc::new(n, c)), 1, 1),
        ("true_range", &[], &[]) => boxed(Box::new(TrueRange::new(c)), 3, 1),
        ("atr", &[n], &[]) => boxed(Box::new(Atr::new(n, c)), 3, 1),
        ("natr", &[n], &[]) => boxed(Box::new(Natr::new(n, c)), 3, 1),
        ("willr", &[n], &[]) => boxed(Box::new(Willr::new(n, c)), 3, 1),
        ("obv", &[], &[]) => boxed(Box::new(Obv::new(c)), 2, 1),
        ("stoch", &[fk, sk, sd], &[]) => boxed(Box::new(Stoch::new(fk, sk, sd, c)), 3, 2),
        ("macd", &[f, s, g], &[]) => boxed(Box::new(Macd::new(f, s, g, c)), 1, 3),
        ("dmi", &[n], &[]) => boxed(Box::new(Dmi::new(n, c)), 3, 4),
        ("bbands", &[n, ddof], &[up, dn]) => boxed(Box::new(Bbands::new(n, up, dn, ddof, c)), 1, 3),
        ("rolling_zscore", &[n, ddof], &[]) => boxed(Box::new(RollingZscore::new(n, ddof)), 1, 1),
        ("cci", &[n], &[]) => boxed(Box::new(Cci::new(n, c)), 3, 1),
        ("mfi", &[n], &[]) => boxed(Box::new(Mfi::new(n, c)), 4, 1),
        // inputs: price, volume, and 1.0 where a new anchor period starts
        ("vwap", &[window], &[]) => boxed(Box::new(Vwap::new(window)), 3, 1),
        _ => None,
    }
}

/// Runs `kernel(inputs_of_series, out_of_series)` for each of the contiguous rows of
/// length `n_points`, in parallel when there are several; `out` holds `k` outputs per
/// point (each series' `k * n_points` values one output after the other). Every kernel
/// writes every value of its row, so `out` may come in uninitialised.
pub fn per_series<F>(inputs: &[&[f64]], n_points: usize, k: usize, out: &mut [f64], kernel: F)
where
    F: Fn(&[&[f64]], &mut [f64]) + Sync,
{
    if n_points == 0 {
        return;
    }
    let run = |(s, row): (usize, &mut [f64])| {
        let series: Vec<&[f64]> = inputs
            .iter()
            .map(|x| &x[s * n_points..(s + 1) * n_points])
            .collect();
        kernel(&series, row);
    };
    if out.len() > n_points * k {
        out.par_chunks_mut(n_points * k).enumerate().for_each(run);
    } else {
        out.chunks_mut(n_points * k).enumerate().for_each(run);
    }
}

/// Runs one indicator state per series over a row-major (points x series) panel
/// (each input `n_points * n_series` values): each thread takes a block of series
/// and walks the rows, so the series' independent recursions overlap and nothing
/// is transposed. Output: `k` row-major (points x series) panels one after the other.
pub fn per_series_rows<S, F>(
    inputs: &[&[f64]],
    n_points: usize,
    n_series: usize,
    k: usize,
    make: F,
) -> Vec<f64>
where
    S: Stream,
    F: Fn() -> S + Sync,
{
    let total = n_points * n_series * k;
    let mut out: Vec<f64> = Vec::with_capacity(total);
    if total == 0 {
        return out;
    }
    let threads = rayon::current_num_threads().max(1);
    // a few blocks per thread balance the load; 8 series share a cache line
    let block = n_series
        .div_ceil(threads * 4)
        .next_multiple_of(8)
        .min(n_series);
    let (base, make) = (SendPtr(out.as_mut_ptr()), &make);
    (0..n_series.div_ceil(block)).into_par_iter().for_each(|b| {
        fused!({
            let (c0, c1) = (b * block, ((b + 1) * block).min(n_series));
            let mut states: Vec<S> = (c0..c1).map(|_| make()).collect();
            let (mut row, mut outs) = ([0.0; 4], [0.0; 4]);
            for r in 0..n_points {
                for (state, c) in states.iter_mut().zip(c0..c1) {
                    let at = r * n_series + c;
                    for (v, x) in row.iter_mut().zip(inputs) {
                        *v = x[at];
                    }
                    state.update(&row[..inputs.len()], &mut outs[..k]);
                    for (j, &o) in outs[..k].iter().enumerate() {
                        // SAFETY: each (output, row, series) cell is written once, by the one
                        // thread that owns the series, inside the allocation of `total` values
                        unsafe { base.get().add(j * n_points * n_series + at).write(o) };
                    }
                }
            }
        })
    });
    // SAFETY: the blocks cover every series, so all `total` values were written above
    unsafe { out.set_len(total) };
    out
}

/// Series per tile of [`per_series_tiles`]: four cache lines of each row of the panel.
const TILE_SERIES: usize = 32;

/// Rows ahead that [`per_series_tiles`] asks for the panel's cache lines: a tile's rows
/// are a panel row apart, a stride the hardware prefetcher does not follow.
const TILE_AHEAD: usize = 16;

/// Bytes of one thread's tile buffers up to which [`per_series_tiles`] takes a panel.
const TILE_BYTES: usize = 64 << 20;

/// Runs `kernel(inputs_of_series, out_of_series)` (as [`per_series`]) on each series of a
/// row-major (points x series) panel, output as [`per_series_rows`]: [`TILE_SERIES`] series at
/// a time are copied out into contiguous rows, run through the batch kernel and copied back,
/// so a panel gets the batch kernels' speed (their warm stretches run without the stream's
/// per-value checks). `None` when a tile's buffers would exceed [`TILE_BYTES`] (very long
/// series): walk the rows instead.
pub fn per_series_tiles<F>(
    inputs: &[&[f64]],
    n_points: usize,
    n_series: usize,
    k: usize,
    kernel: F,
) -> Option<Vec<f64>>
where
    F: Fn(&[&[f64]], &mut [f64]) + Sync,
{
    let tile_values = TILE_SERIES * n_points * (inputs.len() + k);
    if tile_values * std::mem::size_of::<f64>() > TILE_BYTES {
        return None;
    }
    let total = n_points * n_series * k;
    let mut out: Vec<f64> = Vec::with_capacity(total);
    if total == 0 {
        return Some(out);
    }
    let (base, kernel) = (SendPtr(out.as_mut_ptr()), &kernel);
    (0..n_series.div_ceil(TILE_SERIES))
        .into_par_iter()
        .for_each_init(
            || (Vec::new(), Vec::new()),
            |(tile_in, tile_out): &mut (Vec<f64>, Vec<f64>), t| {
                let (c0, c1) = (t * TILE_SERIES, ((t + 1) * TILE_SERIES).min(n_series));
                let width = c1 - c0;
                // (input, series, point) and (series, output, point)
                tile_in.resize(inputs.len() * width * n_points, 0.0);
                tile_out.resize(width * k * n_points, 0.0);
                for (i, x) in inputs.iter().enumerate() {
                    let tile = &mut tile_in[i * width * n_points..(i + 1) * width * n_points];
                    for r in 0..n_points {
                        let at = r * n_series + c0;
                        for line in (0..width).step_by(8) {
                            prefetch(x.as_ptr().wrapping_add(at + TILE_AHEAD * n_series + line));
                        }
                        for (c, &v) in x[at..at + width].iter().enumerate() {
                            tile[c * n_points + r] = v;
                        }
                    }
                }
                let (tile_in, tile_out_now) = (&*tile_in, &mut *tile_out);
                fused!({
                    let tile_out = tile_out_now;
                    for c in 0..width {
                        let series: Vec<&[f64]> = (0..inputs.len())
                            .map(|i| {
                                &tile_in[(i * width + c) * n_points..(i * width + c + 1) * n_points]
                            })
                            .collect();
                        kernel(
                            &series,
                            &mut tile_out[c * k * n_points..(c + 1) * k * n_points],
                        );
                    }
                });
                for j in 0..k {
                    for r in 0..n_points {
                        let at = j * n_points * n_series + r * n_series + c0;
                        for line in (0..width).step_by(8) {
                            prefetch(base.get().wrapping_add(at + TILE_AHEAD * n_series + line));
                        }
                        for c in 0..width {
                            // SAFETY: each (output, row, series) cell is written once, by the one
                            // thread that owns the tile, inside the allocation of `total` values
                            unsafe {
                                base.get()
                                    .add(at + c)
                                    .write(tile_out[(c * k + j) * n_points + r])
                            };
                        }
                    }
                }
            },
        );
    // SAFETY: the tiles cover every series, so all `total` values were written above
    unsafe { out.set_len(total) };
    Some(out)
}

/// A raw pointer the row walkers share; they write disjoint cells.
#[derive(Clone, Copy)]
struct SendPtr(*mut f64);
// SAFETY: used only for writes to disjoint cells of one allocation that outlives the threads
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    #[inline]
    fn get(self) -> *mut f64 {
        self.0
    }
}

/// pandas `ewm(com=com, adjust=False, ignore_na=False, min_periods=min_periods).mean()`,
/// step for step as pandas' `ewm` aggregation computes it.
pub fn ewm_mean(x: &[f64], com: f64, min_periods: usize, out: &mut [f64]) {
    Ewm::new(com, min_periods).update_many(x, out);
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
        let cur = pandas_window_value(cur);
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
                    self.weighted = ewm_combine(self.old_wt, self.new_wt, self.weighted, cur);
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

    /// [`Ewm::update`] on each of `x` into `out`; steady stretches run as bare
    /// recursions with the state in locals (the same arithmetic, to the bit).
    pub fn update_many(&mut self, x: &[f64], out: &mut [f64]) {
        in_warm_blocks(
            self,
            out,
            x.len(),
            #[inline(always)]
            |e: &Ewm| e.is_steady(),
            #[inline(always)]
            |e: &mut Ewm, out: &mut [f64], lo: usize, hi: usize| {
                let (step, mut w) = (e.steady(), e.weighted);
                for (o, &v) in out[lo..hi].iter_mut().zip(&x[lo..hi]) {
                    w = step.step(w, v);
                    *o = w;
                }
                e.advance(w, hi - lo);
                // a NaN poisons the average; an inf, which pandas sees as missing, makes it inf
                w.is_finite()
            },
            #[inline(always)]
            |e, out, i| out[i] = e.update(x[i]),
        );
    }

    /// Whether the next value, if observed, takes pandas' steady step ([`SteadyEwm`]):
    /// the average has a value, every value since it started was observed (the old
    /// weight is back to 1), and it is past `min_periods`, so it outputs its value.
    #[inline(always)]
    pub fn is_steady(&self) -> bool {
        !self.weighted.is_nan() && self.old_wt == 1.0 && self.nobs >= self.min_periods
    }

    /// The step of a steady average (see [`Ewm::is_steady`]).
    #[inline(always)]
    pub fn steady(&self) -> SteadyEwm {
        let keep = self.old_wt_factor;
        // at com == 1 pandas takes the new weight as 1 - old weight, the same here every step
        let take = if self.com == 1.0 {
            1.0 - keep
        } else {
            self.new_wt
        };
        SteadyEwm { keep, take }
    }

    /// The state after `rows` steady steps that ended at `weighted`.
    #[inline(always)]
    pub fn advance(&mut self, weighted: f64, rows: usize) {
        self.weighted = weighted;
        self.nobs += rows;
    }
}

/// What pandas' `rolling` and `ewm` see of a value: +-inf as missing (NaN), as its
/// `_prep_values` converts them before its window loops run.
#[inline(always)]
pub(crate) fn pandas_window_value(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        f64::NAN
    }
}

/// pandas' weighted combination of the old average and the new value:
/// `(old_wt * weighted + new_wt * cur) / (old_wt + new_wt)`.
#[inline(always)]
fn ewm_combine(old_wt: f64, new_wt: f64, weighted: f64, cur: f64) -> f64 {
    let total = old_wt + new_wt;
    let combined = old_wt * weighted + new_wt * cur;
    // in steady state (1 - alpha) + alpha is exactly 1: dividing by it changes
    // no bit, and skipping it takes the division off the dependency chain
    if total == 1.0 {
        combined
    } else {
        combined / total
    }
}

/// The step of a steady pandas average, with no NaN, warm-up or gap checks: the
/// batch kernels run it over blocks they know to be NaN-free ([`in_warm_blocks`]);
/// it is [`Ewm::update`]'s arithmetic for an observed value after an observed value.
#[derive(Clone, Copy)]
pub struct SteadyEwm {
    keep: f64,
    take: f64,
}

impl SteadyEwm {
    #[inline(always)]
    pub fn step(self, weighted: f64, cur: f64) -> f64 {
        // pandas leaves an average equal to the new value as it is; a branch, which the
        // predictor takes off the chain (a select would add its latency to every step)
        if weighted == cur {
            cold_path();
            return weighted;
        }
        ewm_combine(self.keep, self.take, weighted, cur)
    }
}

/// Marks the branch that calls it as the unlikely one (`std::hint::cold_path` on Rust 1.95+).
#[cold]
#[inline(never)]
fn cold_path() {}

/// pandas' centre of mass for `span=n` and for `alpha=1/n` (Wilder).
pub fn com_of_span(n: usize) -> f64 {
    (n as f64 - 1.0) / 2.0
}

pub fn com_of_alpha(alpha: f64) -> f64 {
    (1.0 - alpha) / alpha
}

/// `impl Stream` from a typed `update`: `stream!(Type, |state, row, out| ...)`.
macro_rules! stream {
    ($t:ty, |$s:ident, $r:ident, $o:ident| $body:expr) => {
        impl Stream for $t {
            #[inline(always)]
            fn update(&mut self, $r: &[f64], $o: &mut [f64]) {
                let $s = self;
                $body;
            }
        }
    };
}

/// Writes `v` at slot `k` of a window's buffer that grows as it fills (`k <= buf.len()`,
/// as slots are filled in order from 0): a window of `n` slots holds memory for the rows
/// seen, not for `n`, so a period of 2^40 over 100 rows allocates 100 slots, not 8 TB.
#[inline(always)]
fn put<T>(buf: &mut Vec<T>, k: usize, v: T) {
    if k == buf.len() {
        buf.push(v)
    } else {
        buf[k] = v
    }
}

/// The last `cap` values pushed, oldest first: no calls out of line on the hot path,
/// so a state holding one stays in registers. The buffer grows to `cap` as it fills.
#[derive(Clone)]
struct Ring {
    buf: Vec<f64>,
    cap: usize,
    head: usize,
    len: usize,
}

impl Ring {
    fn new(cap: usize) -> Self {
        Ring {
            buf: Vec::new(),
            cap: cap.max(1),
            head: 0,
            len: 0,
        }
    }

    #[inline]
    fn is_full(&self) -> bool {
        self.len == self.cap
    }

    #[inline]
    fn clear(&mut self) {
        (self.head, self.len) = (0, 0);
    }

    /// The oldest value (NaN when empty).
    #[inline]
    fn front(&self) -> f64 {
        if self.len == 0 {
            f64::NAN
        } else {
            self.buf[self.head]
        }
    }

    /// Appends `v`; when full, drops and returns the oldest value.
    #[inline]
    fn push(&mut self, v: f64) -> Option<f64> {
        let cap = self.cap;
        if self.len == cap {
            let old = std::mem::replace(&mut self.buf[self.head], v);
            self.head = if self.head + 1 == cap {
                0
            } else {
                self.head + 1
            };
            return Some(old);
        }
        // not full: the head has not moved since the last clear, so `at` is a slot in order
        let at = self.head + self.len;
        put(&mut self.buf, if at >= cap { at - cap } else { at }, v);
        self.len += 1;
        None
    }

    /// The values, oldest first.
    #[inline]
    fn iter(&self) -> std::iter::Chain<std::slice::Iter<'_, f64>, std::slice::Iter<'_, f64>> {
        let (cap, end) = (self.cap, self.head + self.len);
        if end <= cap {
            self.buf[self.head..end].iter().chain(self.buf[..0].iter())
        } else {
            self.buf[self.head..]
                .iter()
                .chain(self.buf[..end - cap].iter())
        }
    }
}

/// A pandas rolling window (`rolling(n)`) state: what it does when a value
/// enters or leaves.
trait Window: Default {
    fn add(&mut self, v: f64);
    fn remove(&mut self, v: f64);
    /// A fresh state whose "previous value" is `first` (pandas' setup of a window).
    fn starting_at(first: f64) -> Self;
    /// After a step that added `v` to `window` (which still holds the leaving value
    /// first when `removed`): pandas' chance to rebuild the state from the window.
    #[inline]
    fn settle(&mut self, _window: &Ring, _removed: bool, _v: f64) {}
}

/// A window state and the last `n` values it was fed. pandas starts afresh
/// when the window is disjoint from the previous one (the first value, or
/// `n == 1`), else removes the leaving value first and then adds the new one.
struct Windowed<W> {
    n: usize,
    w: W,
    ring: Ring,
}

impl<W: Window> Windowed<W> {
    fn new(n: usize) -> Self {
        Windowed {
            n,
            w: W::default(),
            ring: Ring::new(n),
        }
    }

    #[inline]
    fn push(&mut self, v: f64) {
        if self.ring.len == 0 || self.n == 1 {
            self.ring.clear();
        }
        let (ring, fed) = (&self.ring, self.ring.len);
        let removed = Windowed::step(&mut self.w, self.n, v, fed, |w| w.remove(ring.front()));
        self.w.settle(&self.ring, removed, v);
        self.ring.push(v);
    }

    /// pandas' window move for the `fed`-th value `v` (0-based since the window's run began):
    /// a fresh state for a window disjoint from the last (the first value, or `n == 1`);
    /// else, once `n` values are in, `remove_oldest` first; then `v` is added. Returns
    /// whether a value left.
    #[inline(always)]
    fn step(w: &mut W, n: usize, v: f64, fed: usize, remove_oldest: impl FnOnce(&mut W)) -> bool {
        let removed = fed >= n && n != 1;
        if fed == 0 || n == 1 {
            *w = W::starting_at(v);
        } else if removed {
            remove_oldest(w);
        }
        w.add(v);
        removed
    }

    /// Whether the window holds `n` values (pandas' rows from `n - 1` on).
    #[inline]
    fn is_full(&self) -> bool {
        self.ring.is_full()
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
        RollingSum {
            prev: first,
            ..Default::default()
        }
    }

    #[inline]
    fn add(&mut self, v: f64) {
        if !v.is_finite() {
            // pandas sees +-inf as missing
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
        if !v.is_finite() {
            // pandas sees +-inf as missing
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
        let mean = self.sum / count_f64(self.nobs);
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
            self.prev * count_f64(self.nobs)
        } else {
            self.sum
        }
    }
}

/// pandas' `roll_var` state (pandas 3, `_libs/window/aggregations.pyx`): Welford's
/// online variance with a Kahan-compensated mean (separate compensations for adding
/// and removing), and its `numerically_unstable` flag: an add or remove that leaves
/// the squared deviations below `INV_COND_TOL` of what they were has the window
/// rebuilt from its values after the step (compensations reset too). A removal that
/// empties the window zeroes the mean and the deviations but keeps the
/// compensations, and clears the flag; pandas' results depend on all of it.
#[derive(Default)]
struct RollingVar {
    nobs: f64,
    mean: f64,
    ssqdm: f64,
    comp_add: f64,
    comp_remove: f64,
    unstable: bool,
}

/// pandas' `InvCondTol`: an update leaving fewer than about 3 significant digits.
const INV_COND_TOL: f64 = f64::EPSILON * 1e3;

impl Window for RollingVar {
    fn starting_at(_first: f64) -> Self {
        RollingVar::default()
    }

    #[inline]
    fn add(&mut self, v: f64) {
        if !v.is_finite() {
            // pandas sees +-inf as missing
            return;
        }
        let before = self.ssqdm;
        self.nobs += 1.0;
        let prev_mean = self.mean - self.comp_add;
        let y = v - self.comp_add;
        let t = y - self.mean;
        self.comp_add = t + self.mean - y;
        self.mean += t / self.nobs;
        self.ssqdm += (v - prev_mean) * (v - self.mean);
        self.unstable |= before * INV_COND_TOL > self.ssqdm;
    }

    #[inline]
    fn remove(&mut self, v: f64) {
        if !v.is_finite() {
            // pandas sees +-inf as missing
            return;
        }
        let before = self.ssqdm;
        self.nobs -= 1.0;
        if self.nobs != 0.0 {
            let prev_mean = self.mean - self.comp_remove;
            let y = v - self.comp_remove;
            let t = y - self.mean;
            self.comp_remove = t + self.mean - y;
            self.mean -= t / self.nobs;
            self.ssqdm -= (v - prev_mean) * (v - self.mean);
            self.unstable |= before * INV_COND_TOL > self.ssqdm;
        } else {
            (self.mean, self.ssqdm, self.unstable) = (0.0, 0.0, false);
        }
    }

    #[inline]
    fn settle(&mut self, window: &Ring, removed: bool, v: f64) {
        if self.unstable {
            *self = RollingVar::default();
            for &w in window.iter().skip(removed as usize) {
                self.add(w);
            }
            self.add(v);
            self.unstable = false;
        }
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
        let var = if self.nobs == 1.0 {
            0.0
        } else {
            self.ssqdm / (self.nobs - ddof as f64)
        };
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

impl Window for RollingMoments {
    fn starting_at(first: f64) -> Self {
        RollingMoments {
            sum: RollingSum::starting_at(first),
            var: RollingVar::starting_at(first),
        }
    }

    #[inline]
    fn add(&mut self, v: f64) {
        self.sum.add(v);
        self.var.add(v);
    }

    #[inline]
    fn remove(&mut self, v: f64) {
        self.sum.remove(v);
        self.var.remove(v);
    }

    #[inline]
    fn settle(&mut self, window: &Ring, removed: bool, v: f64) {
        self.var.settle(window, removed, v);
    }
}

/// Feeds `x` to a one-input, one-output state.
#[inline(always)]
fn drive1(x: &[f64], out: &mut [f64], mut update: impl FnMut(f64) -> f64) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = update(v);
    }
}

/// The `k` outputs of a kernel, one after the other in `out`, as `k` slices.
fn split_outputs<const K: usize>(out: &mut [f64]) -> [&mut [f64]; K] {
    let len = out.len() / K;
    let mut rest = out;
    std::array::from_fn(|_| {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        head
    })
}

/// Calls `visit(i, recent)` for each row `i` of `0..len`, `recent` holding `f` of the
/// rows from `i - keep` (or 0) to `i`, so a kernel reads a window of derived values (a
/// typical price) from a slice, as from its input. They are made a block at a time in
/// one small buffer: a whole-length temporary costs more in page faults than it saves.
#[inline(always)]
fn with_recent<T: Copy>(
    len: usize,
    keep: usize,
    f: impl Fn(usize) -> T,
    mut visit: impl FnMut(usize, &[T]),
) {
    let keep = keep.min(len); // a longer window sees the same rows: all of them
    let block = WARM_BLOCK.max(keep);
    let mut buf: Vec<T> = Vec::with_capacity(keep + block);
    let mut first = 0; // the row of buf[0]
    for lo in (0..len).step_by(block) {
        let dropped = buf.len().saturating_sub(keep);
        buf.drain(..dropped);
        first += dropped;
        buf.extend((lo..(lo + block).min(len)).map(&f));
        for i in lo..(lo + block).min(len) {
            let end = i + 1 - first;
            visit(i, &buf[end.saturating_sub(keep + 1)..end]);
        }
    }
}

/// Rows per block of [`in_warm_blocks`]: its NaN check stays in L1 ahead of the recursion.
const WARM_BLOCK: usize = 1024;

/// Drives a TA-Lib recursion over `len` rows into `out`: `warm(state, out, lo, hi)` takes
/// each block of rows that starts with the state warmed up, and runs the bare recursion
/// with its state in locals, answering whether the block held no NaN (a NaN poisons the
/// recursion, or the block checks as it goes, with no pass of its own); `one(state, out, i)`
/// (the stream's step) takes every other row, where warm-up and NaN restarts happen, and
/// again the rows of a block that held a NaN, from the state before it. Both apply the same
/// arithmetic, so the result is the stream's, bit for bit; the blocks only skip its checks.
#[inline(always)]
fn in_warm_blocks<S: Clone, O: ?Sized>(
    state: &mut S,
    out: &mut O,
    len: usize,
    is_warm: impl Fn(&S) -> bool,
    mut warm: impl FnMut(&mut S, &mut O, usize, usize) -> bool,
    mut one: impl FnMut(&mut S, &mut O, usize),
) {
    let mut i = 0;
    while i < len {
        if !is_warm(state) {
            one(state, out, i);
            i += 1;
            continue;
        }
        let (end, before) = ((i + WARM_BLOCK).min(len), state.clone());
        if !warm(state, out, i, end) {
            *state = before;
            for j in i..end {
                one(state, out, j);
            }
        }
        i = end;
    }
}

// ---------------------------------------------------------------- moving averages

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
    prev: f64,
}

impl Seeded {
    fn new(n: usize) -> Self {
        Seeded {
            n,
            seed_sum: 0.0,
            seen: 0,
            prev: f64::NAN,
        }
    }

    /// Whether the next valid value takes a `step` (the warm-up is over).
    #[inline(always)]
    fn is_seeded(&self) -> bool {
        self.seen == self.n
    }

    #[inline(always)]
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

// ---------------------------------------------------------------- momentum

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

// ---------------------------------------------------------------- ranges

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
fn plain_true_range(h: f64, l: f64, prev_close: f64) -> (f64, bool) {
    let (hl, hc, lc) = (h - l, (h - prev_close).abs(), (l - prev_close).abs());
    // the plain max skips some NaN, so the sum looks for one, off the chain
    (max3(hl, hc, lc), !(hl + hc + lc).is_nan())
}

/// Largest of three (none NaN), by the comparisons of [`nan_max3`].
#[inline(always)]
fn max3(a: f64, b: f64, c: f64) -> f64 {
    let m = if b > a { b } else { a };
    if c > m {
        c
    } else {
        m
    }
}

/// Largest of three, ignoring NaN (NaN if all are), as pandas' `max(axis=1)`.
#[inline]
fn nan_max3(a: f64, b: f64, c: f64) -> f64 {
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

// ---------------------------------------------------------------- directional movement

/// `TA_IS_ZERO`: TA-Lib treats |v| < 1e-14 as zero.
#[inline]
fn talib_is_zero(v: f64) -> bool {
    v > -1e-14 && v < 1e-14
}

/// `TA_IS_ZERO_SCALED`: TA-Lib 0.8.1 treats a difference `v` of prices as zero within
/// 1e-14 of their size `scale` (its issues #107 and #253: a fixed band answered "flat"
/// for every window of an instrument quoted small enough).
#[inline]
fn talib_is_zero_scaled(v: f64, scale: f64) -> bool {
    v.abs() <= 1e-14 * scale
}

/// A window whose highest high `hh` and lowest low `ll` are one price (WILLR, STOCH).
#[inline]
fn talib_flat_window(hh: f64, ll: f64) -> bool {
    talib_is_zero_scaled(hh - ll, hh.abs() + ll.abs())
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
    let [adx, pdi, mdi, dx] = split_outputs::<4>(out);
    let mut s = Dmi::new(n, convention);
    if convention != PANDAS {
        for i in 0..high.len() {
            [adx[i], pdi[i], mdi[i], dx[i]] = s.talib_row(high[i], low[i], close[i]);
        }
        return;
    }
    // pandas: the three averages are recursions, the indices' three divisions are not, and
    // the ADX recursion reads DX: per block, the averages (parked in the outputs), then the
    // divisions in a loop the compiler vectorises, then the ADX
    const BLOCK: usize = 512;
    // (warm blocks run the recursions with their states in locals)
    for start in (0..high.len()).step_by(BLOCK) {
        let block = start..(start + BLOCK).min(high.len());
        let (high, low, close) = (
            &high[block.clone()],
            &low[block.clone()],
            &close[block.clone()],
        );
        in_warm_blocks(
            &mut s,
            &mut [
                &mut adx[block.clone()],
                &mut pdi[block.clone()],
                &mut mdi[block.clone()],
            ],
            block.len(),
            #[inline(always)]
            |s: &Dmi| {
                s.prev.is_some_and(|(_, _, c)| !c.is_nan()) && s.ewm[..3].iter().all(Ewm::is_steady)
            },
            #[inline(always)]
            |s: &mut Dmi, [tr_avg, p_avg, m_avg]: &mut [&mut [f64]; 3], lo: usize, hi: usize| {
                let steps = [s.ewm[0].steady(), s.ewm[1].steady(), s.ewm[2].steady()];
                let [mut tr_w, mut p_w, mut m_w] =
                    [s.ewm[0].weighted, s.ewm[1].weighted, s.ewm[2].weighted];
                let Some((mut ph, mut pl, mut pc)) = s.prev else {
                    return false;
                };
                let mut nan = false;
                for i in lo..hi {
                    let (h, l) = (high[i], low[i]);
                    let (tr, clean) = plain_true_range(h, l, pc);
                    nan |= !clean;
                    let (plus_dm, minus_dm) = directional_movement(h - ph, pl - l);
                    tr_w = steps[0].step(tr_w, tr);
                    p_w = steps[1].step(p_w, plus_dm);
                    m_w = steps[2].step(m_w, minus_dm);
                    [tr_avg[i], p_avg[i], m_avg[i]] = [tr_w, p_w, m_w];
                    (ph, pl, pc) = (h, l, close[i]);
                }
                for (e, w) in s.ewm.iter_mut().zip([tr_w, p_w, m_w]) {
                    e.advance(w, hi - lo);
                }
                s.prev = Some((ph, pl, pc));
                !nan && tr_w.is_finite() && p_w.is_finite() && m_w.is_finite()
            },
            #[inline(always)]
            |s, [tr_avg, p_avg, m_avg], i| {
                [tr_avg[i], p_avg[i], m_avg[i]] = s.pandas_averages(high[i], low[i], close[i]);
            },
        );
        for i in block.clone() {
            [pdi[i], mdi[i], dx[i]] = Dmi::pandas_indices(adx[i], pdi[i], mdi[i]);
        }
        s.ewm[3].update_many(&dx[block.clone()], &mut adx[block]);
    }
}

/// `(+DM, -DM)` of a row's `up = h - h_prev` and `down = l_prev - l` (see [`Dmi`]).
#[inline(always)]
fn directional_movement(up: f64, down: f64) -> (f64, f64) {
    (
        if up > down && up > 0.0 { up } else { 0.0 },
        if down > up && down > 0.0 { down } else { 0.0 },
    )
}

#[derive(Clone)]
pub struct Dmi {
    n: usize,
    convention: i64,
    prev: Option<(f64, f64, f64)>, // high, low, close of the previous row
    // pandas: Wilder averages of the true range, +DM, -DM and DX
    ewm: [Ewm; 4],
    // TA-Lib: rows seen in this run, the Wilder sums, the DX sum and the last ADX and DX
    row: usize,
    sums: [f64; 3],
    dx_sum: f64,
    adx_prev: f64,
    dx_prev: f64,
}

impl Dmi {
    pub fn new(n: usize, convention: i64) -> Self {
        let e = Ewm::new(com_of_alpha(1.0 / n as f64), n);
        Dmi {
            n,
            convention,
            prev: None,
            ewm: [e; 4],
            row: 0,
            sums: [0.0; 3],
            dx_sum: 0.0,
            adx_prev: f64::NAN,
            dx_prev: 0.0,
        }
    }

    /// `(+DM, -DM)`: `up = h - h_prev`, `down = l_prev - l`; `+DM = up` if `up > down`
    /// and `up > 0`, `-DM = down` if `down > up` and `down > 0`, else 0 (a NaN compares
    /// false, so it gives 0, as pandas' `where`); 0 on the first row.
    #[inline]
    fn directional_movement(&self, h: f64, l: f64) -> (f64, f64) {
        let Some((ph, pl, _)) = self.prev else {
            return (0.0, 0.0);
        };
        directional_movement(h - ph, pl - l)
    }

    #[inline]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> [f64; 4] {
        if self.convention == PANDAS {
            let [atr, plus, minus] = self.pandas_averages(h, l, c);
            let [pdi, mdi, dx] = Dmi::pandas_indices(atr, plus, minus);
            return [self.ewm[3].update(dx), pdi, mdi, dx];
        }
        self.talib_row(h, l, c)
    }

    /// TA-Lib: this row's `[adx, +DI, -DI, DX]`.
    #[inline(always)]
    fn talib_row(&mut self, h: f64, l: f64, c: f64) -> [f64; 4] {
        let (plus_dm, minus_dm) = self.directional_movement(h, l);
        let prev_close = self.prev.map(|p| p.2);
        self.prev = Some((h, l, c));
        self.talib_update(h, l, prev_close, plus_dm, minus_dm, c)
    }

    /// pandas: the Wilder averages of the true range, +DM and -DM after this row.
    #[inline]
    fn pandas_averages(&mut self, h: f64, l: f64, c: f64) -> [f64; 3] {
        let (plus_dm, minus_dm) = self.directional_movement(h, l);
        let tr = match self.prev {
            None => h - l,
            Some((_, _, pc)) => nan_max3(h - l, (h - pc).abs(), (l - pc).abs()),
        };
        self.prev = Some((h, l, c));
        let [tr_avg, p, m, _] = &mut self.ewm;
        [tr_avg.update(tr), p.update(plus_dm), m.update(minus_dm)]
    }

    /// pandas: `+DI = 100 * avg(+DM) / ATR`, `-DI` likewise, `DX = 100 * |+DI - -DI| / (+DI + -DI)`.
    #[inline]
    fn pandas_indices(atr: f64, plus: f64, minus: f64) -> [f64; 3] {
        let (pdi, mdi) = (100.0 * plus / atr, 100.0 * minus / atr);
        [pdi, mdi, 100.0 * (pdi - mdi).abs() / (pdi + mdi)]
    }

    /// TA-Lib 0.8's Wilder sums `s = s - s / n + v`, seeded with the sum of the first n - 1 values.
    #[inline(always)]
    fn talib_update(
        &mut self,
        h: f64,
        l: f64,
        prev_close: Option<f64>,
        plus_dm: f64,
        minus_dm: f64,
        c: f64,
    ) -> [f64; 4] {
        const NONE: [f64; 4] = [f64::NAN; 4];
        if h.is_nan()
            || l.is_nan()
            || c.is_nan()
            || prev_close.is_some_and(f64::is_nan)
            || self.row == 0
        {
            // a NaN restarts; a valid row starts a run
            let valid = !(h.is_nan() || l.is_nan() || c.is_nan());
            (
                self.row,
                self.sums,
                self.dx_sum,
                self.adx_prev,
                self.dx_prev,
            ) = (valid as usize, [0.0; 3], 0.0, f64::NAN, 0.0);
            if !valid {
                self.prev = None;
            }
            return NONE;
        }
        let (n, nf, i) = (self.n, self.n as f64, self.row);
        self.row += 1;
        let pc = prev_close.unwrap_or(f64::NAN);
        let tr = max3(h - l, (h - pc).abs(), (l - pc).abs());
        let [pdm_s, mdm_s, tr_s] = &mut self.sums;
        if i < n {
            (*pdm_s, *mdm_s, *tr_s) = (*pdm_s + plus_dm, *mdm_s + minus_dm, *tr_s + tr);
            return NONE;
        }
        *pdm_s = *pdm_s - *pdm_s / nf + plus_dm;
        *mdm_s = *mdm_s - *mdm_s / nf + minus_dm;
        *tr_s = *tr_s - *tr_s / nf + tr;
        // DX is defined when both the true range and the DI sum are non-zero; the true
        // range's sum is in the quote's unit, so TA-Lib 0.8.1 tests it against 0, not a band
        let (mut pdi, mut mdi, mut dx_now) = (0.0, 0.0, None);
        if *tr_s > 0.0 {
            (pdi, mdi) = (100.0 * (*pdm_s / *tr_s), 100.0 * (*mdm_s / *tr_s));
            let total = mdi + pdi;
            if !talib_is_zero(total) {
                dx_now = Some(100.0 * ((mdi - pdi).abs() / total));
            }
        }
        let dx = dx_now.unwrap_or(if i == n { 0.0 } else { self.dx_prev });
        self.dx_prev = dx;
        if i < 2 * n - 1 {
            self.dx_sum += dx_now.unwrap_or(0.0);
            return [f64::NAN, pdi, mdi, dx];
        }
        self.adx_prev = if i == 2 * n - 1 {
            (self.dx_sum + dx_now.unwrap_or(0.0)) / nf
        } else if let Some(d) = dx_now {
            (self.adx_prev * (nf - 1.0) + d) / nf
        } else {
            self.adx_prev
        };
        [self.adx_prev, pdi, mdi, dx]
    }
}
stream!(Dmi, |s, r, o| o
    .copy_from_slice(&s.update(r[0], r[1], r[2])));

// ---------------------------------------------------------------- bands and oscillators

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

// ---------------------------------------------------------------- volume-weighted price

/// Volume-weighted average price of `price` (e.g. the typical price).
/// `window > 0`: `(price * volume).rolling(window, min_periods=window).sum() / volume.rolling(...).sum()`.
/// `window == 0`: cumulative within each period of `period` (one label per row, sorted;
/// empty: one period), as `(price * volume).groupby(period).cumsum() / volume.groupby(period).cumsum()`:
/// Kahan-compensated sums that skip NaN, NaN on a row whose price or volume is NaN.
pub fn vwap(price: &[f64], volume: &[f64], period: &[i64], window: usize, out: &mut [f64]) {
    let mut s = Vwap::new(window);
    for i in 0..price.len() {
        let new_period = i > 0 && !period.is_empty() && period[i] != period[i - 1];
        out[i] = s.update(price[i], volume[i], new_period);
    }
}

pub struct Vwap {
    window: usize,
    rolling: (Windowed<RollingSum>, Windowed<RollingSum>),
    anchored: (KahanSum, KahanSum),
}

impl Vwap {
    pub fn new(window: usize) -> Self {
        let rolling = (Windowed::new(window), Windowed::new(window));
        Vwap {
            window,
            rolling,
            anchored: Default::default(),
        }
    }

    /// `new_period`: this row starts a new anchor period (ignored when rolling).
    #[inline]
    pub fn update(&mut self, price: f64, volume: f64, new_period: bool) -> f64 {
        let pv = price * volume;
        if self.window > 0 {
            let (p, v) = &mut self.rolling;
            p.push(pv);
            v.push(volume);
            return p.w.sum(self.window) / v.w.sum(self.window);
        }
        if new_period {
            self.anchored = Default::default();
        }
        let (p, v) = &mut self.anchored;
        p.add(pv) / v.add(volume)
    }
}
stream!(Vwap, |s, r, o| o[0] = s.update(r[0], r[1], r[2] != 0.0));

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
        sma(&x, 3, PANDAS, &mut out);
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
    fn a_row_major_panel_in_tiles_equals_walking_its_rows() {
        // 19 series (two full tiles and a partial one) of 300 points, with NaN and flat runs
        let (n_points, n_series) = (300, 19);
        let x: Vec<f64> = (0..n_points * n_series)
            .map(|i| match i % 97 {
                0 => f64::NAN,
                1..=5 => 50.0,
                _ => ((i * 7919) % 101) as f64,
            })
            .collect();
        let tiles = per_series_tiles(&[&x, &x], n_points, n_series, 3, |s, o| {
            let [a, b, c] = split_outputs::<3>(o);
            rsi(s[0], 5, TALIB, a);
            atr(s[0], s[1], s[0], 4, PANDAS, b);
            wma(s[1], 3, TALIB, c);
        })
        .unwrap();
        struct Three(Rsi, Atr, Wma);
        impl Stream for Three {
            fn update(&mut self, row: &[f64], out: &mut [f64]) {
                out[0] = self.0.update(row[0]);
                out[1] = self.1.update(row[0], row[1], row[0]);
                out[2] = self.2.update(row[1]);
            }
        }
        let rows = per_series_rows(&[&x, &x], n_points, n_series, 3, || {
            Three(Rsi::new(5, TALIB), Atr::new(4, PANDAS), Wma::new(3, TALIB))
        });
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(); // NaN == NaN
        assert!(bits(&tiles) == bits(&rows));
    }

    #[test]
    fn series_run_in_parallel_give_the_serial_result() {
        let x: Vec<f64> = (0..4000).map(|i| ((i * 7919) % 101) as f64).collect();
        let mut par = vec![0.0; 4000];
        per_series(&[&x], 1000, 1, &mut par, |s, o| ema(s[0], 14, PANDAS, o));
        let mut serial = vec![0.0; 1000];
        ema(&x[2000..3000], 14, PANDAS, &mut serial);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(); // NaN == NaN
        assert!(bits(&par[2000..3000]) == bits(&serial));
    }
}
