//! Support and resistance levels, and previous period highs and lows.

use super::*;

/// Support and resistance from clustered pivots, without lookahead: for each lookback W, 4
/// rows `(support, support_strength, resistance, resistance_strength)`; the lookbacks run
/// in parallel.
///
/// Pivots are the bars whose high (low) is the largest (smallest) of the swing window
/// ([`window_extreme`]), confirmed `pivot_length` bars later; both kinds are touches. At bar
/// t the pivots confirmed by t from the last W bars count: a level is the touches in one
/// `tolerance`-wide price bin (`floor(price / tolerance)`) when there are at least
/// `min_touches`, at their mean price (running sums). Support is the highest level at or
/// below the close, resistance the lowest above it; strength is `touches * level's mean
/// pivot volume / all counted pivots' mean volume` (NaN volume as 0; touches when all are 0).
/// Two segment trees over the occupied bins find the next and previous level in O(log n).
#[allow(clippy::too_many_arguments)]
pub fn support_resistance(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    pivot_length: usize,
    lookbacks: &[usize],
    tolerance: f64,
    min_touches: usize,
    out: &mut [f64],
) {
    let len = close.len();
    let (is_high, is_low) = window_extremes(high, low, pivot_length);
    let mut pivots: Vec<Pivot> = Vec::new(); // in bar order, a bar's high before its low
    for i in 0..len {
        for (is, price) in [(is_high[i], high[i]), (is_low[i], low[i])] {
            if is {
                let weight = if volume[i].is_nan() { 0.0 } else { volume[i] };
                pivots.push(Pivot {
                    bar: i,
                    price,
                    weight,
                    cell: 0,
                });
            }
        }
    }
    let mut grid: Vec<f64> = pivots
        .iter()
        .map(|p| (p.price / tolerance).floor())
        .collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    for p in &mut pivots {
        let bin = (p.price / tolerance).floor();
        p.cell = grid.partition_point(|&g| g < bin);
    }
    // the last bin at or below the close's, the first at or above it
    let bounds: Vec<(isize, usize)> = close
        .iter()
        .map(|&c| {
            let bin = (c / tolerance).floor();
            (
                grid.partition_point(|&g| g <= bin) as isize - 1,
                grid.partition_point(|&g| g < bin),
            )
        })
        .collect();
    let run = |(k, rows): (usize, &mut [f64])| {
        levels(
            rows,
            &pivots,
            grid.len(),
            close,
            &bounds,
            pivot_length,
            lookbacks[k],
            min_touches,
        )
    };
    if lookbacks.len() > 1 {
        out.par_chunks_mut(4 * len.max(1)).enumerate().for_each(run);
    } else {
        out.chunks_mut(4 * len.max(1)).enumerate().for_each(run);
    }
}

struct Pivot {
    bar: usize,
    price: f64,
    weight: f64,
    cell: usize,
}

/// The pivots counted in one lookback, per occupied price bin; `ahead` holds 0 at each
/// level's bin, `behind` the same with the bins reversed, so the next and the previous
/// level are each one `first_below`.
struct BinLevels {
    touches: Vec<usize>,
    total: Vec<f64>,
    volume: Vec<f64>,
    counted: usize,
    counted_volume: f64,
    ahead: MinTree,
    behind: MinTree,
    min_touches: usize,
}

impl BinLevels {
    fn new(n_bins: usize, min_touches: usize) -> Self {
        let empty = || MinTree::new(std::iter::repeat_n(f64::NAN, n_bins));
        BinLevels {
            touches: vec![0; n_bins],
            total: vec![0.0; n_bins],
            volume: vec![0.0; n_bins],
            counted: 0,
            counted_volume: 0.0,
            ahead: empty(),
            behind: empty(),
            min_touches,
        }
    }

    /// A pivot enters (`step` 1) or leaves (-1) its bin.
    fn touch(&mut self, p: &Pivot, step: f64) {
        let (b, n_bins) = (p.cell, self.touches.len());
        if step > 0.0 {
            (self.touches[b], self.counted) = (self.touches[b] + 1, self.counted + 1);
        } else {
            (self.touches[b], self.counted) = (self.touches[b] - 1, self.counted - 1);
        }
        self.total[b] += step * p.price;
        self.volume[b] += step * p.weight;
        self.counted_volume += step * p.weight;
        let mark = if self.touches[b] >= self.min_touches {
            0.0
        } else {
            f64::INFINITY
        };
        self.ahead.set(b, mark);
        self.behind.set(n_bins - 1 - b, mark);
    }

    fn price(&self, b: usize) -> f64 {
        self.total[b] / self.touches[b] as f64
    }

    fn strength(&self, b: usize) -> f64 {
        if self.counted_volume > 0.0 {
            self.volume[b] * self.counted as f64 / self.counted_volume
        } else {
            self.touches[b] as f64
        }
    }

    /// The last level at or below bin `b` (`b` may be -1: none).
    fn previous(&self, b: isize) -> Option<usize> {
        let n_bins = self.touches.len() as isize;
        self.behind
            .first_below((n_bins - 1 - b) as usize, 1.0)
            .map(|r| self.touches.len() - 1 - r)
    }

    fn next(&self, b: usize) -> Option<usize> {
        self.ahead.first_below(b, 1.0)
    }
}

/// One lookback of [`support_resistance`] into `out` (4 rows): pivots enter when confirmed
/// and leave `window` bars after their own.
#[allow(clippy::too_many_arguments)]
fn levels(
    out: &mut [f64],
    pivots: &[Pivot],
    n_bins: usize,
    close: &[f64],
    bounds: &[(isize, usize)],
    pivot_length: usize,
    window: usize,
    min_touches: usize,
) {
    let len = close.len();
    out.fill(f64::NAN);
    let mut bins = BinLevels::new(n_bins, min_touches);
    let (mut enter, mut leave) = (0, 0);
    for t in 0..len {
        while enter < pivots.len() && pivots[enter].bar + pivot_length <= t {
            bins.touch(&pivots[enter], 1.0);
            enter += 1;
        }
        while leave < pivots.len() && pivots[leave].bar + window <= t {
            bins.touch(&pivots[leave], -1.0);
            leave += 1;
        }
        if close[t].is_nan() {
            continue;
        }
        let (below, above) = bounds[t];
        let mut support = bins.previous(below);
        if let Some(b) = support.filter(|&b| bins.price(b) > close[t]) {
            support = bins.previous(b as isize - 1); // the close's own bin, its level above
        }
        if let Some(b) = support {
            (out[t], out[len + t]) = (bins.price(b), bins.strength(b));
        }
        let mut resistance = bins.next(above);
        if let Some(b) = resistance.filter(|&b| bins.price(b) <= close[t]) {
            resistance = bins.next(b + 1); // the close's own bin, its level at or below
        }
        if let Some(b) = resistance {
            (out[2 * len + t], out[3 * len + t]) = (bins.price(b), bins.strength(b));
        }
    }
}

/// One period's prices so far: which of the open, high, low and close have had a value
/// (bits 0-3), and the highest high and lowest low (NaN skipped; -inf and +inf while there
/// is none). Small enough to live in registers while a run of bars adds to it.
#[derive(Clone, Copy)]
struct PeriodPrices {
    has: u8,
    high: f64,
    low: f64,
}

impl PeriodPrices {
    const EMPTY: Self = PeriodPrices {
        has: 0,
        high: f64::NEG_INFINITY,
        low: f64::INFINITY,
    };

    #[inline]
    fn add(&mut self, open: f64, high: f64, low: f64, close: f64) {
        self.has |= (!open.is_nan()) as u8
            | ((!high.is_nan()) as u8) << 1
            | ((!low.is_nan()) as u8) << 2
            | ((!close.is_nan()) as u8) << 3;
        self.high = if high > self.high { high } else { self.high };
        self.low = if low < self.low { low } else { self.low };
    }

    /// Both periods' prices in one (the same period, seen in two runs of bars).
    #[inline]
    fn merge(&mut self, other: &Self) {
        self.has |= other.has;
        self.high = self.high.max(other.high);
        self.low = self.low.min(other.low);
    }

    /// A period pandas' `agg(...).dropna()` keeps: all four columns have a value.
    fn kept(&self) -> bool {
        self.has == 0b1111
    }
}

/// The previous period's high and low, as smartmoneyconcepts' `previous_high_low(ohlc,
/// time_frame)`: `(previous_high, previous_low, broken_high, broken_low)`.
///
/// `bin[i]` is bar i's period among the pandas `resample(time_frame)` bins, whose labels
/// are `labels` (sorted, nanoseconds, as `times`). A period is kept when it has an open, a
/// high, a low and a close that are not NaN (pandas' `agg(...).dropna()`). A bar with
/// `p` kept periods labelled before its time reads the high and low (float32) of kept
/// period `p - 2` (NaN when `p < 2`), as smartmoneyconcepts has it. `broken_high` is 1
/// once the highest high since the bars began to read that period is above its high
/// (`broken_low`: the lowest low below its low).
#[allow(clippy::too_many_arguments)]
pub fn previous_high_low(
    times: &[i64],
    bin: &[i64],
    labels: &[i64],
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
) {
    let len = high.len();
    let n_bins = labels.len();
    if bin.iter().any(|&b| b < 0 || b as usize >= n_bins) {
        out.fill(f64::NAN); // bins the fronts never make (a bar outside every period)
        return;
    }
    let mut periods = vec![PeriodPrices::EMPTY; n_bins];
    // Each run of bars of one period adds up in registers (in memory, every bar would
    // wait for the previous one's store), and joins its period at the run's end.
    let mut run = PeriodPrices::EMPTY;
    for i in 0..len {
        if i > 0 && bin[i] != bin[i - 1] {
            periods[bin[i - 1] as usize].merge(&run);
            run = PeriodPrices::EMPTY;
        }
        run.add(open[i], high[i], low[i], close[i]);
    }
    if len > 0 {
        periods[bin[len - 1] as usize].merge(&run);
    }
    let mut kept_before = Vec::with_capacity(n_bins + 1); // kept bins among the first k
    let (mut kept_high, mut kept_low) = (Vec::new(), Vec::new());
    kept_before.push(0usize);
    for p in &periods {
        if p.kept() {
            kept_high.push(p.high as f32);
            kept_low.push(p.low as f32);
        }
        kept_before.push(kept_high.len());
    }
    let (o_high, rest) = out.split_at_mut(len);
    let (o_low, rest) = rest.split_at_mut(len);
    let (o_broken_high, o_broken_low) = rest.split_at_mut(len);
    // The highest high and lowest low since the bars began to read a period (NaN skipped:
    // -inf and +inf while there is none). pandas' cummax gives NaN on a NaN row, which is
    // never above the period's high: such a row is not broken.
    let (mut group, mut running_high, mut running_low) =
        (usize::MAX, f64::NEG_INFINITY, f64::INFINITY);
    let (mut previous_high, mut previous_low) = (f64::NAN, f64::NAN); // of the period read
    let mut labelled_before = 0; // labels before the bar's time: a pointer that moves on while times rise
    for i in 0..len {
        if i > 0 && times[i] >= times[i - 1] {
            while labelled_before < n_bins && labels[labelled_before] < times[i] {
                labelled_before += 1;
            }
        } else {
            labelled_before = labels.partition_point(|&t| t < times[i]);
        }
        let before = kept_before[labelled_before];
        // the period read, or (for fewer than two) a group of its own for each count
        let read = before.wrapping_sub(2);
        if i == 0 || read != group {
            (group, running_high, running_low) = (read, f64::NEG_INFINITY, f64::INFINITY);
            // none to read: NaN, which no high is above (not broken)
            (previous_high, previous_low) = match before {
                0 | 1 => (f64::NAN, f64::NAN),
                _ => (kept_high[read] as f64, kept_low[read] as f64),
            };
        }
        running_high = if high[i] > running_high {
            high[i]
        } else {
            running_high
        };
        running_low = if low[i] < running_low {
            low[i]
        } else {
            running_low
        };
        (o_high[i], o_low[i]) = (previous_high, previous_low);
        o_broken_high[i] = (!high[i].is_nan() & (running_high > previous_high)) as i32 as f64;
        o_broken_low[i] = (!low[i].is_nan() & (running_low < previous_low)) as i32 as f64;
    }
}

/// The last finished period's high and low, without lookahead: `(previous_high,
/// previous_low, broken_high, broken_low)`.
///
/// `bin[i]` is bar i's period (rising with the bars). A period counts when it has an open, a
/// high, a low and a close that are not NaN (as smc mode keeps them); a bar reads the last
/// such period before its own, which has ended by then (NaN before any). `broken_high` is 1
/// once a high of the bar's period so far is above the previous high (`broken_low`: a low
/// below the previous low), NaN skipped.
pub fn previous_high_low_causal(
    bin: &[i64],
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
) {
    let len = high.len();
    let (o_high, rest) = out.split_at_mut(len);
    let (o_low, rest) = rest.split_at_mut(len);
    let (o_broken_high, o_broken_low) = rest.split_at_mut(len);
    let (mut previous_high, mut previous_low) = (f64::NAN, f64::NAN);
    let mut period = PeriodPrices::EMPTY; // the bar's own period so far
    for i in 0..len {
        if i > 0 && bin[i] != bin[i - 1] {
            if period.kept() {
                (previous_high, previous_low) = (period.high, period.low);
            }
            period = PeriodPrices::EMPTY;
        }
        period.add(open[i], high[i], low[i], close[i]);
        (o_high[i], o_low[i]) = (previous_high, previous_low);
        o_broken_high[i] = (period.high > previous_high) as i32 as f64;
        o_broken_low[i] = (period.low < previous_low) as i32 as f64;
    }
}
