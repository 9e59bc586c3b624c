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

/// Column-wise bars, in the order the Python fronts expose them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Bars {
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

    pub fn len(&self) -> usize {
        self.start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// Appends `other`'s bars after ours (used to join bars built in parallel).
    pub fn extend(&mut self, other: Bars) {
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
    fn new() -> Self {
        BarAccumulator {
            start: 0,
            open: f64::NAN,
            high: f64::NEG_INFINITY,
            low: f64::INFINITY,
            close: f64::NAN,
            volume: 0.0,
            notional: 0.0,
            n_trades: 0,
            buy_volume: 0.0,
            sell_volume: 0.0,
            ts_first: 0,
            ts_last: 0,
        }
    }

    #[inline(always)]
    fn add(&mut self, ts: i64, price: f64, size: f64, side: i8) {
        if self.n_trades == 0 {
            self.open = price;
            self.ts_first = ts;
        }
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

    #[inline(always)]
    fn emit(&self, out: &mut Bars) {
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
pub fn time_bars(
    ts: &[i64],
    price: &[f64],
    size: &[f64],
    side: &[i8],
    interval_ns: i64,
    origin_ns: i64,
) -> Bars {
    let n = ts.len();
    let mut out = Bars::with_capacity(estimated_time_bars(ts, interval_ns));
    let mut acc = BarAccumulator::new();
    // Exclusive end of the current bin: one compare per trade, one division per bin.
    let mut bin_end = i64::MIN;
    for i in 0..n {
        let t = ts[i];
        if t >= bin_end {
            if acc.n_trades > 0 {
                acc.emit(&mut out);
            }
            acc = BarAccumulator::new();
            acc.start = bin_start(t, interval_ns, origin_ns);
            bin_end = acc.start.saturating_add(interval_ns);
        }
        acc.add(t, price[i], size[i], side_code(side, i));
    }
    if acc.n_trades > 0 {
        acc.emit(&mut out);
    }
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
    let mut acc = BarAccumulator::new();
    for i in 0..ts.len() {
        if acc.n_trades == 0 {
            acc.start = ts[i];
        }
        acc.add(ts[i], price[i], size[i], side_code(side, i));
        if is_full(&acc) {
            acc.emit(&mut out);
            acc = BarAccumulator::new();
        }
    }
    if acc.n_trades > 0 {
        acc.emit(&mut out);
    }
    out
}

/// `side` may be empty: no aggressor information.
#[inline(always)]
fn side_code(side: &[i8], i: usize) -> i8 {
    if side.is_empty() {
        0
    } else {
        side[i]
    }
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

/// First offending row for each check, or -1: `[ts decreases, price not
/// finite or <= 0, size not finite or < 0, side not in {-1, 0, 1}]`.
/// `side` may be empty. The fronts turn these rows into `InputError`s.
pub fn scan_trades(ts: &[i64], price: &[f64], size: &[f64], side: &[i8]) -> [i64; 4] {
    [
        first_decrease(ts),
        first_where(price, |&p| !(p > 0.0 && p < f64::INFINITY)),
        first_where(size, |&s| !(s >= 0.0 && s < f64::INFINITY)),
        first_where(side, |&s| !(-1..=1).contains(&s)),
    ]
}

const SCAN_BLOCK: usize = 4096;

/// Index of the first element failing a check, scanning branch-free blocks so
/// the common all-valid case vectorises.
pub(crate) fn first_where<T>(xs: &[T], bad: impl Fn(&T) -> bool) -> i64 {
    for (b, block) in xs.chunks(SCAN_BLOCK).enumerate() {
        if block.iter().fold(false, |any, x| any | bad(x)) {
            let j = block.iter().position(&bad).unwrap_or(0);
            return (b * SCAN_BLOCK + j) as i64;
        }
    }
    -1
}

/// Index of the first element smaller than its predecessor.
pub(crate) fn first_decrease(ts: &[i64]) -> i64 {
    if ts.len() < 2 {
        return -1;
    }
    let pairs = ts.len() - 1;
    let mut b = 0;
    while b < pairs {
        let e = (b + SCAN_BLOCK).min(pairs);
        let prev = &ts[b..e];
        let next = &ts[b + 1..e + 1];
        if prev.iter().zip(next).fold(false, |any, (p, q)| any | (q < p)) {
            let j = prev.iter().zip(next).position(|(p, q)| q < p).unwrap_or(0);
            return (b + j + 1) as i64;
        }
        b = e;
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
        assert_eq!(scan_trades(&ts, &price, &size, &side_full), [7000, 5000, -1, 3]);
        assert_eq!(scan_trades(&[], &[], &[], &[]), [-1, -1, -1, -1]);
    }
}
