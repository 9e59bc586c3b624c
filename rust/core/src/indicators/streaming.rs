//! Indicator states fed one row at a time, the windows they keep, and the drivers
//! that run a state over a series or the rows of a 2-D array.

use super::*;

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
    pub(super) weighted: f64,
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
pub(super) fn put<T>(buf: &mut Vec<T>, k: usize, v: T) {
    if k == buf.len() {
        buf.push(v)
    } else {
        buf[k] = v
    }
}

/// The last `cap` values pushed, oldest first: no calls out of line on the hot path,
/// so a state holding one stays in registers. The buffer grows to `cap` as it fills.
#[derive(Clone)]
pub(super) struct Ring {
    pub(super) buf: Vec<f64>,
    cap: usize,
    head: usize,
    pub(super) len: usize,
}

impl Ring {
    pub(super) fn new(cap: usize) -> Self {
        Ring {
            buf: Vec::new(),
            cap: cap.max(1),
            head: 0,
            len: 0,
        }
    }

    #[inline]
    pub(super) fn is_full(&self) -> bool {
        self.len == self.cap
    }

    #[inline]
    pub(super) fn clear(&mut self) {
        (self.head, self.len) = (0, 0);
    }

    /// The oldest value (NaN when empty).
    #[inline]
    pub(super) fn front(&self) -> f64 {
        if self.len == 0 {
            f64::NAN
        } else {
            self.buf[self.head]
        }
    }

    /// Appends `v`; when full, drops and returns the oldest value.
    #[inline]
    pub(super) fn push(&mut self, v: f64) -> Option<f64> {
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
    pub(super) fn iter(
        &self,
    ) -> std::iter::Chain<std::slice::Iter<'_, f64>, std::slice::Iter<'_, f64>> {
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
pub(super) trait Window: Default {
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
pub(super) struct Windowed<W> {
    pub(super) n: usize,
    pub(super) w: W,
    pub(super) ring: Ring,
}

impl<W: Window> Windowed<W> {
    pub(super) fn new(n: usize) -> Self {
        Windowed {
            n,
            w: W::default(),
            ring: Ring::new(n),
        }
    }

    #[inline]
    pub(super) fn push(&mut self, v: f64) {
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
    pub(super) fn step(
        w: &mut W,
        n: usize,
        v: f64,
        fed: usize,
        remove_oldest: impl FnOnce(&mut W),
    ) -> bool {
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
    pub(super) fn is_full(&self) -> bool {
        self.ring.is_full()
    }
}

/// pandas' `roll_sum` / `roll_mean` state: Kahan-compensated running sums
/// (separate compensations for adding and removing), the count of negative
/// values, and the length of the run of identical values at the end.
#[derive(Default)]
pub(super) struct RollingSum {
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
    pub(super) fn mean(&self, min_periods: usize) -> f64 {
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
    pub(super) fn sum(&self, min_periods: usize) -> f64 {
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
pub(super) struct RollingVar {
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
    pub(super) fn std(&self, min_periods: usize, ddof: usize) -> f64 {
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
pub(super) struct RollingMoments {
    pub(super) sum: RollingSum,
    pub(super) var: RollingVar,
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
pub(super) fn drive1(x: &[f64], out: &mut [f64], mut update: impl FnMut(f64) -> f64) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = update(v);
    }
}

/// The `k` outputs of a kernel, one after the other in `out`, as `k` slices.
pub(super) fn split_outputs<const K: usize>(out: &mut [f64]) -> [&mut [f64]; K] {
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
pub(super) fn with_recent<T: Copy>(
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
pub(super) fn in_warm_blocks<S: Clone, O: ?Sized>(
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

// TA-Lib's zero tests, shared by the ranges, directional and bands kernels.

/// `TA_IS_ZERO`: TA-Lib treats |v| < 1e-14 as zero.
#[inline]
pub(super) fn talib_is_zero(v: f64) -> bool {
    v > -1e-14 && v < 1e-14
}

/// `TA_IS_ZERO_SCALED`: TA-Lib 0.8.1 treats a difference `v` of prices as zero within
/// 1e-14 of their size `scale` (its issues #107 and #253: a fixed band answered "flat"
/// for every window of an instrument quoted small enough).
#[inline]
pub(super) fn talib_is_zero_scaled(v: f64, scale: f64) -> bool {
    v.abs() <= 1e-14 * scale
}

/// A window whose highest high `hh` and lowest low `ll` are one price (WILLR, STOCH).
#[inline]
pub(super) fn talib_flat_window(hh: f64, ll: f64) -> bool {
    talib_is_zero_scaled(hh - ll, hh.abs() + ll.abs())
}
