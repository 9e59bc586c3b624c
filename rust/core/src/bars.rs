//! Trades to bars.
//!
//! Read beside `python/barsmith/_pandas/bars.py` (the oracle) and
//! `python/barsmith/_numba/bars.py`: same kernels, same order, same arithmetic.
//!
//! Every kernel takes validated, time-sorted trades:
//! `ts` (i64 ns), `price` (f64 > 0), `size` (f64 >= 0) and `side`
//! (i8: +1 buy aggressor, -1 sell aggressor, 0 unknown), and returns [`Bars`].
//!
//! Sums are plain sequential sums in trade order (`s = s + x`, starting at
//! 0.0), which is what the oracle's `np.bincount(labels, weights)` computes, so
//! all three backends agree to the bit.

/// Runs the body once per trade with `(ts, price, size, side)`, side 0 when
/// `side` is empty. Zipped iterators leave no bounds checks in the loop, and
/// the two side cases expand to two monomorphised loops rather than a branch
/// per trade.
macro_rules! for_each_trade {
    ($ts:expr, $price:expr, $size:expr, $side:expr, |$t:ident, $p:ident, $s:ident, $d:ident| $body:block) => {{
        let trades = $ts.iter().zip($price.iter()).zip($size.iter());
        if $side.is_empty() {
            for ((&$t, &$p), &$s) in trades {
                let $d: i8 = 0;
                $body
            }
        } else {
            for (((&$t, &$p), &$s), &$d) in trades.zip($side.iter()) {
                $body
            }
        }
    }};
}

/// Runs the body per trade, a cache-sized block at a time: each block is
/// first scanned (see [`scan_trades`]; findings go to `$out.bad_rows`) and
/// then aggregated while it is still in cache, so the trades are read from
/// memory once.
macro_rules! for_each_block {
    ($out:ident, $ts:expr, $price:expr, $size:expr, $side:expr, |$t:ident, $p:ident, $s:ident, $d:ident| $body:block) => {{
        let n = $ts.len();
        let mut lo = 0;
        while lo < n {
            let hi = (lo + FUSED_BLOCK).min(n);
            let side_block = if $side.is_empty() {
                $side
            } else {
                &$side[lo..hi]
            };
            scan_block(
                &mut $out.bad_rows,
                lo,
                &$ts[lo.saturating_sub(1)..hi],
                &$price[lo..hi],
                &$size[lo..hi],
                side_block,
            );
            for_each_trade!(
                &$ts[lo..hi],
                &$price[lo..hi],
                &$size[lo..hi],
                side_block,
                |$t, $p, $s, $d| $body
            );
            lo = hi;
        }
    }};
}

/// First offending row for each check, or -1: `[ts decreases, price not
/// finite or <= 0, size not finite or < 0, side not in {-1, 0, 1}]`.
/// `side` may be empty. The fronts turn these rows into `InputError`s.
///
/// Memory-bound on large inputs: the columns are checked on two threads, and
/// each check is an integer compare on the float's bits so it vectorises.
pub fn scan_trades(ts: &[i64], price: &[f64], size: &[f64], side: &[i8]) -> [i64; 4] {
    let ((bad_ts, bad_price), (bad_size, bad_side)) = join_if_large(
        ts.len(),
        || (first_decrease(ts), first_where(price, bad_price)),
        || (first_where(size, bad_size), first_where(side, bad_side)),
    );
    [bad_ts, bad_price, bad_size, bad_side]
}

/// Trades per fused block: 16K trades x 25 bytes stay well inside L2.
const FUSED_BLOCK: usize = 16 * 1024;

/// Records in `bad` (absolute rows, first finding only) what the block
/// starting at row `lo` fails. `ts_from_prev` holds the block's timestamps
/// preceded by the previous row's (when `lo > 0`), so a decrease across
/// blocks is found too.
fn scan_block(
    bad: &mut [i64; 4],
    lo: usize,
    ts_from_prev: &[i64],
    price: &[f64],
    size: &[f64],
    side: &[i8],
) {
    let found = |local: i64, shift: i64| if local >= 0 { local + shift } else { -1 };
    if bad[0] < 0 {
        // first_decrease counts rows of its own slice, which starts one row early when lo > 0
        bad[0] = found(first_decrease(ts_from_prev), lo as i64 - (lo > 0) as i64);
    }
    if bad[1] < 0 {
        bad[1] = found(first_where(price, bad_price), lo as i64);
    }
    if bad[2] < 0 {
        bad[2] = found(first_where(size, bad_size), lo as i64);
    }
    if bad[3] < 0 {
        bad[3] = found(first_where(side, bad_side), lo as i64);
    }
}

/// Column-wise bars, in the order the Python fronts expose them.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// What the trades' scan found (see [`scan_trades`]); -1 where nothing.
    /// The bars are meaningless unless all four are -1: the fronts raise then.
    pub bad_rows: [i64; 4],
    /// Bar key: the bin start for time bars, the first trade's `ts` otherwise.
    pub start: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    /// `sum(price * size) / sum(size)`; NaN when the bar's volume is 0.
    pub vwap: Vec<f64>,
    pub n_trades: Vec<i64>,
    pub buy_volume: Vec<f64>,
    pub sell_volume: Vec<f64>,
    pub ts_first: Vec<i64>,
    pub ts_last: Vec<i64>,
}

impl Bars {
    pub fn with_capacity(n: usize) -> Self {
        Bars {
            bad_rows: [-1; 4],
            start: Vec::with_capacity(n),
            open: Vec::with_capacity(n),
            high: Vec::with_capacity(n),
            low: Vec::with_capacity(n),
            close: Vec::with_capacity(n),
            volume: Vec::with_capacity(n),
            vwap: Vec::with_capacity(n),
            n_trades: Vec::with_capacity(n),
            buy_volume: Vec::with_capacity(n),
            sell_volume: Vec::with_capacity(n),
            ts_first: Vec::with_capacity(n),
            ts_last: Vec::with_capacity(n),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.bad_rows == [-1; 4]
    }

    pub fn len(&self) -> usize {
        self.start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// Appends the bars of `other`, built from the trades starting at row
    /// `offset`, after ours (joins pieces built in parallel).
    pub fn extend(&mut self, other: Bars, offset: usize) {
        for (mine, theirs) in self.bad_rows.iter_mut().zip(other.bad_rows) {
            if *mine < 0 && theirs >= 0 {
                *mine = theirs + offset as i64;
            }
        }
        self.start.extend(other.start);
        self.open.extend(other.open);
        self.high.extend(other.high);
        self.low.extend(other.low);
        self.close.extend(other.close);
        self.volume.extend(other.volume);
        self.vwap.extend(other.vwap);
        self.n_trades.extend(other.n_trades);
        self.buy_volume.extend(other.buy_volume);
        self.sell_volume.extend(other.sell_volume);
        self.ts_first.extend(other.ts_first);
        self.ts_last.extend(other.ts_last);
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::with_capacity(0)
    }
}

/// The bar being built.
#[derive(Debug, Clone, Copy)]
struct BarAccumulator {
    start: i64,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    notional: f64,
    n_trades: i64,
    buy_volume: f64,
    sell_volume: f64,
    ts_first: i64,
    ts_last: i64,
}

impl BarAccumulator {
    /// An empty bar keyed `start` whose first trade is (`ts`, `price`); `add` that trade next.
    #[inline(always)]
    fn open_at(start: i64, ts: i64, price: f64) -> Self {
        BarAccumulator {
            start,
            open: price,
            high: f64::NEG_INFINITY,
            low: f64::INFINITY,
            close: f64::NAN,
            volume: 0.0,
            notional: 0.0,
            n_trades: 0,
            buy_volume: 0.0,
            sell_volume: 0.0,
            ts_first: ts,
            ts_last: ts,
        }
    }

    #[inline(always)]
    fn add(&mut self, ts: i64, price: f64, size: f64, side: i8) {
        self.high = if price > self.high { price } else { self.high };
        self.low = if price < self.low { price } else { self.low };
        self.close = price;
        self.volume += size;
        self.notional += price * size;
        self.buy_volume += if side == 1 { size } else { 0.0 };
        self.sell_volume += if side == -1 { size } else { 0.0 };
        self.n_trades += 1;
        self.ts_last = ts;
    }

    /// Appends the bar to `out` unless it has no trades. Kept out of line: it
    /// runs once per bar, and inlining it would crowd the per-trade loop.
    #[inline(never)]
    fn emit_if_any(self, out: &mut Bars) {
        if self.n_trades == 0 {
            return;
        }
        out.start.push(self.start);
        out.open.push(self.open);
        out.high.push(self.high);
        out.low.push(self.low);
        out.close.push(self.close);
        out.volume.push(self.volume);
        out.vwap.push(self.notional / self.volume);
        out.n_trades.push(self.n_trades);
        out.buy_volume.push(self.buy_volume);
        out.sell_volume.push(self.sell_volume);
        out.ts_first.push(self.ts_first);
        out.ts_last.push(self.ts_last);
    }
}

/// Start of the fixed-width bin holding `ts`: bins are `[origin + k*interval,
/// origin + (k+1)*interval)`, as pandas `resample(interval, origin=origin)`.
#[inline(always)]
pub fn bin_start(ts: i64, interval_ns: i64, origin_ns: i64) -> i64 {
    origin_ns + (ts - origin_ns).div_euclid(interval_ns) * interval_ns
}

/// Time bars over `[origin + k*interval, origin + (k+1)*interval)`, empty bins
/// omitted. `origin_ns` must not be after `ts[0]`.
///
/// Large inputs are cut at bin boundaries into one piece per thread; no bar
/// straddles a cut, so the pieces' bars concatenate to exactly the serial result.
pub fn time_bars(
    ts: &[i64],
    price: &[f64],
    size: &[f64],
    side: &[i8],
    interval_ns: i64,
    origin_ns: i64,
) -> Bars {
    let n = ts.len();
    let threads = rayon::current_num_threads();
    if n < PARALLEL_MIN_ROWS || threads < 2 {
        return time_bars_serial(ts, price, size, side, interval_ns, origin_ns);
    }
    let mut cuts = vec![0usize];
    for k in 1..threads {
        let i = (k * n / threads).max(*cuts.last().unwrap_or(&0)).max(1);
        if i >= n {
            break;
        }
        // Move the cut forward to the first trade of the next bin.
        let bin_end = bin_start(ts[i - 1], interval_ns, origin_ns).saturating_add(interval_ns);
        let cut = i + ts[i..].partition_point(|&t| t < bin_end);
        if cut > *cuts.last().unwrap_or(&0) && cut < n {
            cuts.push(cut);
        }
    }
    cuts.push(n);
    let side_of = |a: usize, b: usize| if side.is_empty() { side } else { &side[a..b] };
    let pieces: Vec<Bars> = {
        use rayon::prelude::*;
        cuts.par_windows(2)
            .map(|w| {
                let (a, b) = (w[0], w[1]);
                time_bars_serial(
                    &ts[a..b],
                    &price[a..b],
                    &size[a..b],
                    side_of(a, b),
                    interval_ns,
                    origin_ns,
                )
            })
            .collect()
    };
    let mut out = Bars::with_capacity(pieces.iter().map(Bars::len).sum());
    for (piece, &offset) in pieces.into_iter().zip(&cuts) {
        // A decrease across a cut is a decrease too; it precedes the piece's own rows.
        if out.bad_rows[0] < 0 && offset > 0 && ts[offset] < ts[offset - 1] {
            out.bad_rows[0] = offset as i64;
        }
        out.extend(piece, offset);
    }
    out
}

fn time_bars_serial(
    ts: &[i64],
    price: &[f64],
    size: &[f64],
    side: &[i8],
    interval_ns: i64,
    origin_ns: i64,
) -> Bars {
    let mut out = Bars::with_capacity(estimated_time_bars(ts, interval_ns));
    // A plain local (not an Option) so its fields live in registers; a bar
    // with no trades yet is never emitted.
    let mut acc = BarAccumulator::open_at(0, 0, f64::NAN);
    // Exclusive end of the current bin: one compare per trade, one division per bin.
    let mut bin_end = i64::MIN;
    for_each_block!(out, ts, price, size, side, |t, p, s, d| {
        if t >= bin_end {
            acc.emit_if_any(&mut out);
            let start = bin_start(t, interval_ns, origin_ns);
            bin_end = start.saturating_add(interval_ns);
            acc = BarAccumulator::open_at(start, t, p);
        }
        acc.add(t, p, s, d);
    });
    acc.emit_if_any(&mut out);
    out
}

/// Bars of `n_per_bar` trades each; the last bar may hold fewer.
pub fn tick_bars(ts: &[i64], price: &[f64], size: &[f64], side: &[i8], n_per_bar: i64) -> Bars {
    threshold_bars(ts, price, size, side, |acc| acc.n_trades >= n_per_bar)
}

/// Bars that close on the first trade whose bar volume reaches `threshold`.
/// That trade is not split: it belongs wholly to the bar it closes.
pub fn volume_bars(ts: &[i64], price: &[f64], size: &[f64], side: &[i8], threshold: f64) -> Bars {
    threshold_bars(ts, price, size, side, |acc| acc.volume >= threshold)
}

/// Bars that close on the first trade whose bar notional `sum(price*size)`
/// reaches `threshold`. That trade is not split.
pub fn dollar_bars(ts: &[i64], price: &[f64], size: &[f64], side: &[i8], threshold: f64) -> Bars {
    threshold_bars(ts, price, size, side, |acc| acc.notional >= threshold)
}

fn threshold_bars(
    ts: &[i64],
    price: &[f64],
    size: &[f64],
    side: &[i8],
    is_full: impl Fn(&BarAccumulator) -> bool,
) -> Bars {
    let mut out = Bars::default();
    let mut acc = BarAccumulator::open_at(0, 0, f64::NAN);
    for_each_block!(out, ts, price, size, side, |t, p, s, d| {
        if acc.n_trades == 0 {
            acc = BarAccumulator::open_at(t, t, p);
        }
        acc.add(t, p, s, d);
        if is_full(&acc) {
            acc.emit_if_any(&mut out);
            acc.n_trades = 0;
        }
    });
    acc.emit_if_any(&mut out);
    out
}

/// Capacity hint: the number of bins the data spans, capped by the trade count.
fn estimated_time_bars(ts: &[i64], interval_ns: i64) -> usize {
    match (ts.first(), ts.last()) {
        (Some(&a), Some(&b)) => {
            let span = ((b as i128 - a as i128) / interval_ns as i128 + 2) as usize;
            span.min(ts.len())
        }
        _ => 0,
    }
}

/// Rows at which spreading work over threads pays for the thread hand-off.
pub const PARALLEL_MIN_ROWS: usize = 1 << 20;

pub(crate) fn join_if_large<A: Send, B: Send>(
    n: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if n >= PARALLEL_MIN_ROWS {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

#[inline(always)]
fn bad_side(s: &i8) -> bool {
    (*s < -1) | (*s > 1)
}

/// Not finite or <= 0 (also -0.0): as bits, valid prices are exactly
/// `1..=0x7FEF_FFFF_FFFF_FFFF` (positive sign, not zero, exponent not all ones).
#[inline(always)]
fn bad_price(p: &f64) -> bool {
    p.to_bits().wrapping_sub(1) >= 0x7FEF_FFFF_FFFF_FFFF
}

/// Not finite or < 0: valid sizes are the non-negative finite bit patterns,
/// plus -0.0 (which compares >= 0).
#[inline(always)]
fn bad_size(s: &f64) -> bool {
    let bits = s.to_bits();
    (bits >= 0x7FF0_0000_0000_0000) & (bits != 0x8000_0000_0000_0000)
}

const SCAN_BLOCK: usize = 4096;

/// Index of the first element failing a check: each block is reduced
/// branch-free (so it vectorises) and only a failing block is searched.
pub(crate) fn first_where<T: Sync>(xs: &[T], bad: impl Fn(&T) -> bool + Copy) -> i64 {
    multiversion!(first_where_impl(xs, bad))
}

#[inline(always)]
fn first_where_impl<T>(xs: &[T], bad: impl Fn(&T) -> bool + Copy) -> i64 {
    for (b, block) in xs.chunks(SCAN_BLOCK).enumerate() {
        if block.iter().fold(0u64, |any, x| any | bad(x) as u64) != 0 {
            let j = block.iter().position(bad).unwrap_or(0);
            return (b * SCAN_BLOCK + j) as i64;
        }
    }
    -1
}

/// Index of the first element smaller than its predecessor.
pub(crate) fn first_decrease(ts: &[i64]) -> i64 {
    multiversion!(first_decrease_impl(ts))
}

#[inline(always)]
fn first_decrease_impl(ts: &[i64]) -> i64 {
    if ts.len() < 2 {
        return -1;
    }
    let (prev, next) = (&ts[..ts.len() - 1], &ts[1..]);
    for (b, (p, q)) in prev
        .chunks(SCAN_BLOCK)
        .zip(next.chunks(SCAN_BLOCK))
        .enumerate()
    {
        if p.iter()
            .zip(q)
            .fold(0u64, |any, (a, c)| any | (c < a) as u64)
            != 0
        {
            let j = p.iter().zip(q).position(|(a, c)| c < a).unwrap_or(0);
            return (b * SCAN_BLOCK + j + 1) as i64;
        }
    }
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn time_bars_group_by_bin_and_skip_empty_bins() {
        let ts = [0, S, 4 * S, 5 * S, 17 * S];
        let price = [10.0, 12.0, 11.0, 9.0, 10.0];
        let size = [1.0, 2.0, 1.0, 3.0, 1.0];
        let side = [1, -1, 0, 1, -1];
        let bars = time_bars(&ts, &price, &size, &side, 5 * S, 0);
        assert_eq!(bars.start, vec![0, 5 * S, 15 * S]);
        assert_eq!(bars.open, vec![10.0, 9.0, 10.0]);
        assert_eq!(bars.high, vec![12.0, 9.0, 10.0]);
        assert_eq!(bars.low, vec![10.0, 9.0, 10.0]);
        assert_eq!(bars.close, vec![11.0, 9.0, 10.0]);
        assert_eq!(bars.volume, vec![4.0, 3.0, 1.0]);
        assert_eq!(bars.vwap[0], (10.0 + 24.0 + 11.0) / 4.0);
        assert_eq!(bars.n_trades, vec![3, 1, 1]);
        assert_eq!(bars.buy_volume, vec![1.0, 3.0, 0.0]);
        assert_eq!(bars.sell_volume, vec![2.0, 0.0, 1.0]);
        assert_eq!(bars.ts_first, vec![0, 5 * S, 17 * S]);
        assert_eq!(bars.ts_last, vec![4 * S, 5 * S, 17 * S]);
    }

    #[test]
    fn parallel_time_bars_equal_serial_time_bars() {
        let n = PARALLEL_MIN_ROWS * 3 + 17;
        let ts: Vec<i64> = (0..n as i64).map(|i| i * 1_000_003 / 7).collect();
        let price: Vec<f64> = (0..n).map(|i| 100.0 + (i % 13) as f64 * 0.25).collect();
        let size: Vec<f64> = (0..n).map(|i| 0.1 + (i % 7) as f64).collect();
        let side: Vec<i8> = (0..n).map(|i| (i % 3) as i8 - 1).collect();
        for interval in [S / 1000, S, 60 * S, 86_400 * S] {
            let serial = time_bars_serial(&ts, &price, &size, &side, interval, 0);
            assert_eq!(time_bars(&ts, &price, &size, &side, interval, 0), serial);
            assert_eq!(
                time_bars(&ts, &price, &size, &[], interval, 0),
                time_bars_serial(&ts, &price, &size, &[], interval, 0)
            );
        }
    }

    #[test]
    fn bar_kernels_report_what_the_scan_finds() {
        let n = PARALLEL_MIN_ROWS + 3 * FUSED_BLOCK;
        for bad_row in [
            1,
            FUSED_BLOCK - 1,
            FUSED_BLOCK,
            FUSED_BLOCK + 1,
            n / 2,
            n - 1,
        ] {
            let mut ts: Vec<i64> = (0..n as i64).collect();
            ts[bad_row] = -5;
            let mut price = vec![1.0; n];
            price[bad_row] = f64::NAN;
            let mut size = vec![1.0; n];
            size[bad_row] = -1.0;
            let mut side = vec![0i8; n];
            side[bad_row] = 9;
            let expected = scan_trades(&ts, &price, &size, &side);
            assert_eq!(expected, [bad_row as i64; 4]);
            assert_eq!(
                time_bars(&ts, &price, &size, &side, 1000, -10).bad_rows,
                expected
            );
            assert_eq!(tick_bars(&ts, &price, &size, &side, 7).bad_rows, expected);
            assert_eq!(
                volume_bars(&ts, &price, &size, &side, 3.0).bad_rows,
                expected
            );
        }
        let ts: Vec<i64> = (0..n as i64).collect();
        let ok = time_bars(&ts, &vec![1.0; n], &vec![1.0; n], &[], 1000, 0);
        assert!(ok.is_valid());
    }

    #[test]
    fn bins_before_the_epoch_floor_towards_minus_infinity() {
        assert_eq!(bin_start(-1, 5 * S, 0), -5 * S);
        assert_eq!(bin_start(-5 * S, 5 * S, 0), -5 * S);
    }

    #[test]
    fn a_trade_that_crosses_the_volume_threshold_is_not_split() {
        let ts = [1, 2, 3, 4];
        let price = [1.0; 4];
        let size = [3.0, 3.0, 10.0, 1.0];
        let bars = volume_bars(&ts, &price, &size, &[], 5.0);
        assert_eq!(bars.volume, vec![6.0, 10.0, 1.0]);
        assert_eq!(bars.start, vec![1, 3, 4]);
    }

    #[test]
    fn tick_bars_keep_a_short_last_bar() {
        let ts = [1, 2, 3, 4, 5];
        let bars = tick_bars(&ts, &[1.0; 5], &[1.0; 5], &[], 2);
        assert_eq!(bars.n_trades, vec![2, 2, 1]);
    }

    #[test]
    fn empty_input_gives_no_bars() {
        assert!(time_bars(&[], &[], &[], &[], S, 0).is_empty());
        assert!(dollar_bars(&[], &[], &[], &[], 1.0).is_empty());
    }

    #[test]
    fn scan_finds_the_first_bad_row_of_each_check() {
        let mut ts: Vec<i64> = (0..10_000).collect();
        ts[7000] = 3;
        let mut price = vec![1.0; 10_000];
        price[5000] = f64::NAN;
        price[6000] = -1.0;
        let size = vec![0.0; 10_000];
        let side = vec![0i8, 1, -1, 2];
        let mut side_full = vec![0i8; 10_000];
        side_full[..4].copy_from_slice(&side);
        assert_eq!(
            scan_trades(&ts, &price, &size, &side_full),
            [7000, 5000, -1, 3]
        );
        assert_eq!(scan_trades(&[], &[], &[], &[]), [-1, -1, -1, -1]);
    }
}
