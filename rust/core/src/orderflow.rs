//! Order flow: trade classification, cumulative volume delta, decayed trade pressure.
//!
//! Read beside `python/barsmith/_pandas/orderflow.py` (the oracle) and
//! `python/barsmith/_numba/orderflow.py`.

use crate::count_f64;

/// Aggressor sign per trade: +1 buy, -1 sell, 0 unknown.
///
/// With an empty `mid`, the tick rule: +1 on an uptick, -1 on a downtick, the
/// previous sign on an unchanged price, 0 until the first price change.
/// With `mid` (the prevailing quote midpoint per trade; NaN where no quote is
/// known yet), Lee-Ready: +1 above the mid, -1 below, the tick rule at the mid
/// or where the mid is NaN.
pub fn trade_signs(price: &[f64], mid: &[f64]) -> Vec<i8> {
    let mut out = Vec::with_capacity(price.len());
    let mut tick: i8 = 0;
    for i in 0..price.len() {
        let p = price[i];
        if i > 0 {
            let prev = price[i - 1];
            if p > prev {
                tick = 1;
            } else if p < prev {
                tick = -1;
            }
        }
        let sign = if mid.is_empty() {
            tick
        } else if p > mid[i] {
            1
        } else if p < mid[i] {
            -1
        } else {
            tick
        };
        out.push(sign);
    }
    out
}

/// Cumulative volume delta: the running sum of `size * sign`, restarting at
/// every change of `period` (empty `period`: never restarts).
pub fn cvd(size: &[f64], sign: &[i8], period: &[i64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(size.len());
    let mut running = 0.0;
    for i in 0..size.len() {
        if !period.is_empty() && i > 0 && period[i] != period[i - 1] {
            running = 0.0;
        }
        running += size[i] * sign[i] as f64;
        out.push(running);
    }
    out
}

/// Buy and sell pressure decayed exponentially in event time: `(buy, sell, ratio, imbalance)`,
/// each `len` values, into `out`.
///
/// `buy[i] = buy[i-1] * decay[i] + size[i]` for a buy (sign +1), likewise `sell` for a sell
/// (-1); unknown signs (0) only decay both. `decay[i] = 2^(-(ts[i] - ts[i-1]) / half_life)`
/// comes from the caller (NumPy's `exp2`, so every backend decays by the same numbers:
/// libm's `exp2` differs from NumPy's by an ulp now and then, and `imbalance` cancels).
/// `ratio = buy / sell` (inf with no sell pressure, NaN with neither); `imbalance = (buy -
/// sell) / (buy + sell)`.
pub fn trade_flow(decay: &[f64], size: &[f64], sign: &[i8], out: &mut [f64]) {
    let len = decay.len();
    let (o_buy, rest) = out.split_at_mut(len);
    let (o_sell, rest) = rest.split_at_mut(len);
    let (o_ratio, o_imbalance) = rest.split_at_mut(len);
    let (mut buy, mut sell) = (0.0f64, 0.0f64);
    for i in 0..len {
        (buy, sell) = (buy * decay[i], sell * decay[i]);
        match sign[i] {
            1 => buy += size[i],
            -1 => sell += size[i],
            _ => {}
        }
        (o_buy[i], o_sell[i]) = (buy, sell);
        (o_ratio[i], o_imbalance[i]) = (buy / sell, (buy - sell) / (buy + sell));
    }
}

/// The rows of [`volume_profile`]: one per price level traded in a period.
pub struct Profile {
    pub period: Vec<i64>,
    pub level: Vec<i64>,
    pub volume: Vec<f64>,
    pub flags: Vec<i8>,
}

/// A volume profile per period: `(period, level, volume, flags)`, one row per price level
/// traded in each period, periods in order and levels rising.
///
/// Rows come grouped by `period` (contiguous); `level` is each row's price bin. Per period:
/// the volume at each level; the point of control (flag 1) is the level of most volume
/// (the lowest of equals); the value area (flag 2) grows from it one level at a time
/// toward the larger neighbouring volume (up on ties) until it holds `value_area` of the
/// period's volume; a high-volume node (flag 4) is a level whose volume is the largest of
/// the `node_window` levels each side of it and above the period's mean level volume, a
/// low-volume node (flag 8) the smallest and below the mean.
pub fn volume_profile(
    period: &[i64],
    level: &[i64],
    volume: &[f64],
    value_area: f64,
    node_window: usize,
) -> Profile {
    let mut out = Profile {
        period: Vec::new(),
        level: Vec::new(),
        volume: Vec::new(),
        flags: Vec::new(),
    };
    let mut start = 0;
    let mut rows: Vec<(i64, f64)> = Vec::new();
    let (mut dense, mut seen): (Vec<f64>, Vec<bool>) = (Vec::new(), Vec::new());
    while start < period.len() {
        let end = start
            + period[start..]
                .iter()
                .position(|&p| p != period[start])
                .unwrap_or(period.len() - start);
        let first = out.level.len();
        let (lo, hi) = level[start..end]
            .iter()
            .fold((i64::MAX, i64::MIN), |(a, b), &l| (a.min(l), b.max(l)));
        let span = (hi.abs_diff(lo) as usize).saturating_add(1);
        let mut emit = |l: i64, v: f64| {
            out.period.push(period[start]);
            out.level.push(l);
            out.volume.push(v);
            out.flags.push(0);
        };
        if span <= 4 * (end - start) + 1024 {
            // a histogram over the period's price range: each level's rows add in row order
            dense.clear();
            seen.clear();
            dense.resize(span, 0.0);
            seen.resize(span, false);
            for i in start..end {
                let k = level[i].abs_diff(lo) as usize;
                dense[k] += volume[i];
                seen[k] = true;
            }
            for k in (0..span).filter(|&k| seen[k]) {
                emit(lo + k as i64, dense[k]);
            }
        } else {
            // a few far-apart prices: sort the rows (stable, so equal levels add in row order)
            rows.clear();
            rows.extend((start..end).map(|i| (level[i], volume[i])));
            rows.sort_by_key(|&(l, _)| l);
            let mut k = 0;
            while k < rows.len() {
                let (l, mut v) = rows[k];
                k += 1;
                while k < rows.len() && rows[k].0 == l {
                    v += rows[k].1;
                    k += 1;
                }
                emit(l, v);
            }
        }
        profile_flags(
            &out.volume[first..],
            value_area,
            node_window,
            &mut out.flags[first..],
        );
        start = end;
    }
    out
}

/// The point of control, value area and nodes of one period's profile (levels rising).
fn profile_flags(volume: &[f64], value_area: f64, node_window: usize, flags: &mut [i8]) {
    let m = volume.len();
    if m == 0 {
        return;
    }
    let poc = (0..m).fold(0, |best, k| if volume[k] > volume[best] { k } else { best });
    let total: f64 = volume.iter().sum();
    let target = value_area * total;
    let (mut lo, mut hi, mut held) = (poc, poc, volume[poc]);
    while held < target && (lo > 0 || hi + 1 < m) {
        let up = if hi + 1 < m { volume[hi + 1] } else { -1.0 };
        let down = if lo > 0 { volume[lo - 1] } else { -1.0 };
        // toward the larger side, up on ties; a NaN volume must not walk off either end
        if lo == 0 || (hi + 1 < m && up.partial_cmp(&down) != Some(std::cmp::Ordering::Less)) {
            hi += 1;
            held += up;
        } else {
            lo -= 1;
            held += down;
        }
    }
    let mean = total / m as f64;
    for k in 0..m {
        let window = &volume
            [k.saturating_sub(node_window)..k.saturating_add(node_window).saturating_add(1).min(m)];
        let largest = window.iter().all(|&v| v <= volume[k]);
        let smallest = window.iter().all(|&v| v >= volume[k]);
        flags[k] = (k == poc) as i8
            | ((lo <= k && k <= hi) as i8) << 1
            | ((largest && volume[k] > mean) as i8) << 2
            | ((smallest && volume[k] < mean) as i8) << 3;
    }
}

/// A rolling quantile over per-row windows `[start[i], end[i])` (both non-decreasing), as
/// pandas' `rolling(...).quantile(q)` with linear interpolation: with `m` non-NaN values in
/// the window sorted `v[0] <= .. <= v[m-1]` and `f = q * (m - 1)`, `v[⌊f⌋] + (v[⌊f⌋+1] -
/// v[⌊f⌋]) * (f - ⌊f⌋)` (`v[f]` when `f` is whole); NaN below `min_periods` values.
///
/// The distinct values are sorted once; the window is a Fenwick tree of counts per
/// distinct value, so adding, removing and finding the k-th value cost O(log distinct)
/// (sizes on a lot grid have few distinct values, and the tree stays in L1).
pub fn rolling_quantile(
    x: &[f64],
    start: &[i64],
    end: &[i64],
    quantile: f64,
    min_periods: usize,
    out: &mut [f64],
) {
    if !(0.0..=1.0).contains(&quantile) {
        out.fill(f64::NAN); // the fronts refuse such a quantile; no window has one
        return;
    }
    let (values, slot) = distinct_values(x);
    let mut window = ValueCounts::new(values.len());
    let (mut lo, mut hi) = (0usize, 0usize);
    let len = x.len() as i64;
    for i in 0..x.len() {
        // windows as the fronts make them (in the rows, never moving back); others are
        // brought to the nearest such window rather than read out of bounds
        let e = (end[i].clamp(0, len) as usize).max(hi);
        let s = (start[i].clamp(0, len) as usize).max(lo).min(e);
        while hi < e && lo < s {
            // a row in, a row out: nothing changes when both hold the same value
            if slot[hi] != slot[lo] {
                window.add(slot[hi], 1);
                window.add(slot[lo], -1);
            }
            (hi, lo) = (hi + 1, lo + 1);
        }
        while hi < e {
            window.add(slot[hi], 1);
            hi += 1;
        }
        while lo < s {
            window.add(slot[lo], -1);
            lo += 1;
        }
        let nobs = window.total as usize;
        out[i] = if nobs < min_periods || nobs == 0 {
            f64::NAN
        } else {
            let f = quantile * count_f64(nobs - 1);
            let k = f as usize;
            let low = values[window.kth(k)];
            if f == count_f64(k) {
                low
            } else {
                low + (values[window.kth(k + 1)] - low) * (f - count_f64(k))
            }
        };
    }
}

/// The distinct non-NaN values of `x`, rising, and each row's slot among them (`u32::MAX`
/// for NaN).
fn distinct_values(x: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let mut by_value: Vec<(f64, u32)> = (0..x.len() as u32)
        .map(|i| (x[i as usize], i))
        .filter(|p| !p.0.is_nan())
        .collect();
    by_value.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut values: Vec<f64> = Vec::new();
    let mut slot = vec![u32::MAX; x.len()];
    for &(v, i) in &by_value {
        if values.last() != Some(&v) {
            values.push(v);
        }
        slot[i as usize] = values.len() as u32 - 1;
    }
    (values, slot)
}

/// How many window values fall on each distinct value, in a Fenwick tree.
struct ValueCounts {
    tree: Vec<i32>,
    top: usize,
    total: i64,
}

impl ValueCounts {
    fn new(len: usize) -> Self {
        ValueCounts {
            tree: vec![0; len + 1],
            top: len.checked_next_power_of_two().unwrap_or(1),
            total: 0,
        }
    }

    /// Adds `by` to the count of `slot` (NaN rows have no slot and are skipped).
    fn add(&mut self, slot: u32, by: i32) {
        if slot == u32::MAX {
            return;
        }
        self.total += by as i64;
        let mut k = slot as usize + 1;
        while k < self.tree.len() {
            self.tree[k] += by;
            k += k & k.wrapping_neg();
        }
    }

    /// The slot of the k-th smallest value in the window (k from 0): binary lifting.
    fn kth(&self, k: usize) -> usize {
        let (mut at, mut left) = (0usize, k as i32 + 1);
        let mut step = self.top;
        while step > 0 {
            let next = at + step;
            if next < self.tree.len() && self.tree[next] < left {
                at = next;
                left -= self.tree[next];
            }
            step >>= 1;
        }
        at // the 1-based position `at + 1` holds it, which is slot `at`
    }
}

/// Trade events: runs of consecutive trades with the same `ts` and `sign` (one aggressive
/// order printing a trade per price level it takes). Per trade, into `levels` and
/// `event_size`: the number of distinct prices in its event and the event's total size
/// (summed in row order).
pub fn trade_events(
    ts: &[i64],
    price: &[f64],
    size: &[f64],
    sign: &[i8],
    levels: &mut [i64],
    event_size: &mut [f64],
) {
    let mut prices: Vec<f64> = Vec::new();
    let mut a = 0;
    while a < ts.len() {
        let mut b = a + 1;
        while b < ts.len() && ts[b] == ts[a] && sign[b] == sign[a] {
            b += 1;
        }
        let total = size[a..b].iter().fold(0.0, |sum, &s| sum + s);
        let distinct = if b - a == 1 {
            1
        } else {
            prices.clear();
            prices.extend_from_slice(&price[a..b]);
            prices.sort_unstable_by(f64::total_cmp);
            1 + prices.windows(2).filter(|w| w[1] != w[0]).count() as i64
        };
        levels[a..b].fill(distinct);
        event_size[a..b].fill(total);
        a = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_rule_carries_the_last_sign_on_unchanged_prices() {
        let price = [10.0, 10.0, 10.5, 10.5, 10.25, 10.25];
        assert_eq!(trade_signs(&price, &[]), vec![0, 0, 1, 1, -1, -1]);
    }

    #[test]
    fn lee_ready_uses_the_mid_and_falls_back_to_the_tick_rule() {
        let price = [10.0, 10.5, 10.5, 10.25];
        let mid = [f64::NAN, 10.25, 10.5, 10.5];
        assert_eq!(trade_signs(&price, &mid), vec![0, 1, 1, -1]);
    }

    #[test]
    fn pressure_decays_then_adds_each_trade() {
        let mut out = vec![0.0; 12];
        trade_flow(&[1.0, 0.5, 0.25], &[4.0, 2.0, 1.0], &[1, -1, 0], &mut out);
        assert_eq!(&out[..3], &[4.0, 2.0, 0.5]); // buy
        assert_eq!(&out[3..6], &[0.0, 2.0, 0.5]); // sell
        assert_eq!(out[6], f64::INFINITY);
        assert_eq!(out[9..], [1.0, 0.0, 0.0]);
    }

    #[test]
    fn the_value_area_grows_from_the_point_of_control_toward_more_volume() {
        // levels 0..5 with volumes 1, 5, 10, 3, 1 (level 2 split over two rows)
        let p = volume_profile(
            &[7; 6],
            &[2, 0, 1, 2, 3, 4],
            &[4.0, 1.0, 5.0, 6.0, 3.0, 1.0],
            0.7,
            1,
        );
        assert_eq!(p.level, vec![0, 1, 2, 3, 4]);
        assert_eq!(p.volume, vec![1.0, 5.0, 10.0, 3.0, 1.0]);
        // 70% of 20 = 14: POC 10, then 5 below (15)
        assert_eq!(
            p.flags.iter().map(|f| f & 3).collect::<Vec<_>>(),
            vec![0, 2, 3, 0, 0]
        );
        assert_eq!(p.flags[2] & 4, 4); // the largest of its window, above the mean of 4
        assert_eq!(p.flags[0] & 8, 8);
    }

    #[test]
    fn the_rolling_quantile_interpolates_between_order_statistics_and_skips_nan() {
        let x = [1.0, 5.0, 3.0, f64::NAN, 8.0, 8.0, 1.0];
        let start = [0, 0, 0, 1, 2, 3, 4];
        let end = [0, 1, 2, 3, 4, 5, 6];
        let mut out = vec![0.0; 7];
        rolling_quantile(&x, &start, &end, 0.5, 1, &mut out);
        // windows: {}, {1}, {1,5}, {5,3}, {3,NaN}, {NaN,8}, {8,8}
        assert!(out[0].is_nan());
        assert_eq!(&out[1..], &[1.0, 3.0, 4.0, 3.0, 8.0, 8.0]);
        rolling_quantile(&x, &start, &end, 0.5, 2, &mut out);
        assert!(out[4].is_nan() && out[5].is_nan() && out[6] == 8.0);
    }

    #[test]
    fn a_sweep_is_one_event_over_several_prices() {
        let ts = [1, 2, 2, 2, 2, 3];
        let price = [10.0, 10.0, 10.25, 10.25, 9.75, 9.75];
        let size = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let sign = [1, 1, 1, 1, -1, -1];
        let (mut levels, mut event_size) = (vec![0; 6], vec![0.0; 6]);
        trade_events(&ts, &price, &size, &sign, &mut levels, &mut event_size);
        assert_eq!(levels, vec![1, 2, 2, 2, 1, 1]);
        assert_eq!(event_size, vec![1.0, 9.0, 9.0, 9.0, 5.0, 6.0]);
    }

    #[test]
    fn cvd_restarts_each_period() {
        let size = [1.0, 2.0, 3.0, 4.0];
        let sign = [1, -1, 1, 1];
        assert_eq!(cvd(&size, &sign, &[]), vec![1.0, -1.0, 2.0, 6.0]);
        assert_eq!(cvd(&size, &sign, &[0, 0, 1, 1]), vec![1.0, -1.0, 3.0, 7.0]);
    }
}
