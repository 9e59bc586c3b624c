//! Price structure, smartmoneyconcepts-compatible (`smc` mode). Read beside
//! `python/barsmith/_pandas/structure.py` (the definitions) and
//! `python/barsmith/_numba/structure.py`.
//!
//! smartmoneyconcepts 0.0.27 runs repeated vectorised passes and per-gap scans
//! (quadratic in places); these kernels give its exact outputs in one or two
//! linear passes. Outputs are float64 with NaN where smartmoneyconcepts has NaN.

use rayon::prelude::*;

/// Swing highs and lows, as smartmoneyconcepts' `swing_highs_lows(ohlc, swing_length)`:
/// `(high_low, level)`, each `len` values.
///
/// 1. With `L = swing_length`, bar `i` (from `2L - 1` to `len - L - 1`) is a swing high
///    (1) when `high[i]` equals the largest high of the 2L bars `i - L + 1 ..= i + L` (none NaN or infinite),
///    else a swing low (-1) when `low[i]` equals their smallest low.
/// 2. Of each run of consecutive swings of one kind, only the earliest highest
///    high (lowest low) stays: what smartmoneyconcepts' repeated pairwise passes
///    converge to.
/// 3. Bar 0 gets the kind opposite to the first swing, the last bar the kind
///    opposite to the last swing (with smartmoneyconcepts' quirk when the first
///    swing is bar 0: it ends as a swing high).
/// 4. `level` is the high of a swing high, the low of a swing low.
pub fn swing_highs_lows(high: &[f64], low: &[f64], swing_length: usize, out: &mut [f64]) {
    let len = high.len();
    let (kind, level) = out.split_at_mut(len);
    kind.fill(f64::NAN);
    level.fill(f64::NAN);
    let l = swing_length;
    if l == 0 || len < 2 * l {
        return;
    }
    let (is_high, is_low) = window_extremes(high, low, l);
    // runs of one kind: keep the earliest extreme of each
    let mut run: Option<(f64, usize)> = None; // (kind, index of the kept swing)
    for i in 0..len {
        let k = if is_high[i] {
            1.0
        } else if is_low[i] {
            -1.0
        } else {
            continue;
        };
        match run {
            Some((rk, keep)) if rk == k => {
                let better = if k == 1.0 {
                    high[i] > high[keep]
                } else {
                    low[i] < low[keep]
                };
                if better {
                    kind[keep] = f64::NAN;
                    kind[i] = k;
                    run = Some((k, i));
                }
            }
            _ => {
                kind[i] = k;
                run = Some((k, i));
            }
        }
    }
    let first = kind.iter().position(|v| !v.is_nan());
    let last = kind.iter().rposition(|v| !v.is_nan());
    if let (Some(first), Some(last)) = (first, last) {
        // smartmoneyconcepts' four ifs in its order, each reading the array anew: when the
        // first swing is bar 0 itself (swing_length 1) the second undoes the first
        if kind[first] == 1.0 {
            kind[0] = -1.0;
        }
        if kind[first] == -1.0 {
            kind[0] = 1.0;
        }
        if kind[last] == -1.0 {
            kind[len - 1] = 1.0;
        }
        if kind[last] == 1.0 {
            kind[len - 1] = -1.0;
        }
    }
    for i in 0..len {
        if !kind[i].is_nan() {
            level[i] = if kind[i] == 1.0 { high[i] } else { low[i] };
        }
    }
}

/// Swings without lookahead: `(high_low, level, swing_index)`. The candidates of
/// [`swing_highs_lows`] (the same rule), each reported on the bar that confirms it,
/// `swing_index + L`. A candidate of the kind last reported is reported only when more
/// extreme (a higher high, a lower low), so the last report of each run is the swing
/// smartmoneyconcepts keeps; its endpoint flips, which read the end of the data, are not made.
pub fn swing_highs_lows_causal(high: &[f64], low: &[f64], swing_length: usize, out: &mut [f64]) {
    let len = high.len();
    out.fill(f64::NAN);
    let l = swing_length;
    if l == 0 || len < 2 * l {
        return;
    }
    let (kind, rest) = out.split_at_mut(len);
    let (level, index) = rest.split_at_mut(len);
    let (is_high, is_low) = window_extremes(high, low, l);
    let (mut last_kind, mut last_level) = (0.0, f64::NAN);
    for i in 0..len {
        let (k, v) = if is_high[i] {
            (1.0, high[i])
        } else if is_low[i] {
            (-1.0, low[i])
        } else {
            continue;
        };
        if k != last_kind || (k == 1.0 && v > last_level) || (k == -1.0 && v < last_level) {
            let t = i + l; // the bar that completes the window
            (kind[t], level[t], index[t]) = (k, v, i as f64);
            (last_kind, last_level) = (k, v);
        }
    }
}

/// Market structure from causal swings (the output of [`swing_highs_lows_causal`]):
/// `(label, trend)`, each `len` values.
///
/// A swing report of the kind last reported replaces the pending swing (it is more
/// extreme); one of the other kind starts a new swing, and the pending swing of its kind
/// becomes the previous one. A high is labelled 2 (HH) when above the previous high, else
/// 1 (LH); a low -2 (LL) when below the previous low, else -1 (HL); 0 without a previous
/// swing of its kind or on bars without a report. `trend` is 1 while the latest high is
/// HH and the latest low HL, -1 while they are LH and LL, else 0, carried to every bar.
pub fn market_structure(swing_kind: &[f64], swing_level: &[f64], out: &mut [f64]) {
    let len = swing_kind.len();
    let (o_label, o_trend) = out.split_at_mut(len);
    let (mut last_kind, mut trend) = (0.0, 0.0);
    // per kind (0 highs, 1 lows): the previous and the pending swing's level, the latest label
    let (mut previous, mut pending, mut label) = ([f64::NAN; 2], [f64::NAN; 2], [0.0; 2]);
    for i in 0..len {
        let k = swing_kind[i];
        o_label[i] = 0.0;
        if k == 1.0 || k == -1.0 {
            let s = (k == -1.0) as usize;
            if k != last_kind {
                previous[s] = pending[s];
            }
            pending[s] = swing_level[i];
            last_kind = k;
            label[s] = if previous[s].is_nan() {
                0.0
            } else if k == 1.0 {
                if pending[s] > previous[s] {
                    2.0
                } else {
                    1.0
                }
            } else if pending[s] < previous[s] {
                -2.0
            } else {
                -1.0
            };
            o_label[i] = label[s];
            trend = match (label[0], label[1]) {
                (2.0, -1.0) => 1.0,
                (1.0, -2.0) => -1.0,
                _ => 0.0,
            };
        }
        o_trend[i] = trend;
    }
}

/// Consolidation ranges, causal: `(ratio, in_range, top, bottom, bars, strength)`.
///
/// `ratio` is the width of the last `length` bars (highest high minus lowest low, NaN
/// while fewer or with a NaN, as `rolling(length)`) over `atr` (the ATR the caller
/// computed). A bar is in a range when `ratio <= threshold`; a run of such bars is one
/// range, begun `length - 1` bars before its first: `top` / `bottom` its highest high and
/// lowest low so far, `bars` its length so far, `strength = bars * atr / (top - bottom)`
/// (bars per ATR of height). Outside a range: 0, NaN, NaN, 0, NaN.
pub fn ranges(
    high: &[f64],
    low: &[f64],
    atr: &[f64],
    length: usize,
    threshold: f64,
    out: &mut [f64],
) {
    let len = high.len();
    let (o_ratio, rest) = out.split_at_mut(len);
    let (o_in, rest) = rest.split_at_mut(len);
    let (o_top, rest) = rest.split_at_mut(len);
    let (o_bottom, rest) = rest.split_at_mut(len);
    let (o_bars, o_strength) = rest.split_at_mut(len);
    let mut window = crate::indicators::HighLow::new(length.max(1));
    let (mut top, mut bottom, mut bars) = (f64::NAN, f64::NAN, 0.0);
    for i in 0..len {
        let (hh, ll) = window
            .update(high[i], low[i])
            .unwrap_or((f64::NAN, f64::NAN));
        let ratio = (hh - ll) / atr[i];
        o_ratio[i] = ratio;
        if ratio <= threshold {
            if bars == 0.0 {
                (top, bottom, bars) = (hh, ll, length as f64);
            } else {
                (top, bottom, bars) = (top.max(hh), bottom.min(ll), bars + 1.0);
            }
            (o_in[i], o_top[i], o_bottom[i], o_bars[i]) = (1.0, top, bottom, bars);
            o_strength[i] = bars * atr[i] / (top - bottom);
        } else {
            bars = 0.0;
            (o_in[i], o_top[i], o_bottom[i], o_bars[i], o_strength[i]) =
                (0.0, f64::NAN, f64::NAN, 0.0, f64::NAN);
        }
    }
}

/// Whether `high[i]` is the largest of the 2L highs `high[i - L + 1 ..= i + L]`, none NaN or infinite,
/// and whether `low[i]` is the smallest of the lows there, for `2L - 1 <= i < len - L`, as
/// `x == x.shift(-L).rolling(2L).max()` (or `.min()`): `rolling(2L)` runs over the
/// shifted series, which starts at bar 0, so the window exists from bar 2L - 1 on, and
/// it sees +-inf as NaN.
/// Branch-free (van Herk / Gil-Werman): in blocks of 2L, running maxima from each
/// block's start and from its end; a window of 2L spans at most two blocks, so its
/// maximum is `max(from_end[a], from_start[b])`. A missing value counts as +inf, so a
/// window holding one has the maximum +inf, which no (finite) bar equals.
fn window_extremes(high: &[f64], low: &[f64], l: usize) -> (Vec<bool>, Vec<bool>) {
    let (len, w) = (high.len(), 2 * l);
    let (mut is_high, mut is_low) = (vec![false; len], vec![false; len]);
    if len < w + l {
        return (is_high, is_low);
    }
    // A bar's high and negated low (the smallest low becomes the largest), each +inf when
    // missing (what `rolling` sees as NaN: +-inf too).
    let values = |i: usize| {
        let signed = |v: f64, sign: f64| {
            if v.is_finite() {
                sign * v
            } else {
                f64::INFINITY
            }
        };
        [signed(high[i], 1.0), signed(low[i], -1.0)]
    };
    // a plain select is one `maxsd` on the running maximum's chain (f64::max adds a NaN fix-up)
    let larger = |m: f64, v: f64| if v > m { v } else { m };
    // Windows start at a = i + 1 - l; those starting in block k end in block k (only the
    // window that is block k) or block k + 1: the running maxima from block k's end and
    // from block k + 1's start, and both blocks' values, in buffers of w that stay in L1.
    // The highs' and lows' chains run side by side so their latencies overlap.
    let mut from_end = vec![[0.0f64; 2]; w];
    let mut from_start = vec![[0.0f64; 2]; w];
    let (mut this_block, mut next_block) = (vec![[0.0f64; 2]; w], vec![[0.0f64; 2]; w]);
    for (i, v) in this_block.iter_mut().enumerate() {
        *v = values(i);
    }
    for block in (0..len).step_by(w) {
        let end = (block + w).min(len);
        let next_end = (end + w).min(len);
        // the running maxima back from block k's end and on from block k + 1's start, in
        // one loop: two independent chains of `maxsd`, whose latencies overlap
        let (back, on) = (end - block, next_end - end);
        let [mut back_high, mut back_low, mut on_high, mut on_low] = [f64::NEG_INFINITY; 4];
        for j in 0..back.max(on) {
            if j < back {
                let [h, lw] = this_block[back - 1 - j];
                (back_high, back_low) = (larger(back_high, h), larger(back_low, lw));
                from_end[back - 1 - j] = [back_high, back_low];
            }
            if j < on {
                let [h, lw] = values(end + j);
                next_block[j] = [h, lw];
                (on_high, on_low) = (larger(on_high, h), larger(on_low, lw));
                from_start[j] = [on_high, on_low];
            }
        }
        for a in block.max(l)..end {
            let (i, b) = (a + l - 1, a + w - 1);
            if b >= len {
                break;
            }
            let [mut top_high, mut top_low] = from_end[a - block];
            if b >= end {
                let [h, lw] = from_start[b - end];
                (top_high, top_low) = (larger(top_high, h), larger(top_low, lw));
            }
            let [h, lw] = if i < end {
                this_block[i - block]
            } else {
                next_block[i - end]
            };
            is_high[i] = h == top_high && h < f64::INFINITY;
            is_low[i] = lw == top_low && lw < f64::INFINITY;
        }
        std::mem::swap(&mut this_block, &mut next_block);
    }
    (is_high, is_low)
}

/// Fair value gaps, as smartmoneyconcepts' `fvg(ohlc, join_consecutive)`:
/// `(fvg, top, bottom, mitigated_index)`, each `len` values.
///
/// Bar `i` is a bullish gap (1) when `high[i - 1] < low[i + 1]` and the bar closes up,
/// bearish (-1) when `low[i - 1] > high[i + 1]` and it closes down; `top`/`bottom`
/// are `low[i + 1]`/`high[i - 1]` (bullish) or `low[i - 1]`/`high[i + 1]` (bearish).
/// `join_consecutive`: a run of gaps of one kind becomes its last bar, with the
/// run's highest top and lowest bottom. `mitigated_index`: the first bar from
/// `i + 2` whose low reaches the top (bullish) or whose high reaches the bottom
/// (bearish), 0 if none; NaN where there is no gap.
pub fn fvg(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    join_consecutive: bool,
    out: &mut [f64],
) {
    let len = high.len();
    let (kind, rest) = out.split_at_mut(len);
    let (top, rest) = rest.split_at_mut(len);
    let (bottom, mitigated) = rest.split_at_mut(len);
    for i in 0..len {
        (kind[i], top[i], bottom[i], mitigated[i]) = (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
        if i == 0 || i + 1 >= len {
            continue;
        }
        let up = close[i] > open[i];
        let gap = if up {
            high[i - 1] < low[i + 1]
        } else {
            low[i - 1] > high[i + 1] && close[i] < open[i]
        };
        if gap {
            kind[i] = if up { 1.0 } else { -1.0 };
            (top[i], bottom[i]) = if up {
                (low[i + 1], high[i - 1])
            } else {
                (low[i - 1], high[i + 1])
            };
        }
    }
    if join_consecutive {
        for i in 0..len.saturating_sub(1) {
            if kind[i] == kind[i + 1] {
                top[i + 1] = top[i].max(top[i + 1]);
                bottom[i + 1] = bottom[i].min(bottom[i + 1]);
                (kind[i], top[i], bottom[i]) = (f64::NAN, f64::NAN, f64::NAN);
            }
        }
    }
    // gaps at i search from i + 2: the first low at or below the top (bullish), or high at
    // or above the bottom (bearish)
    let queries: Vec<Query> = (0..len)
        .filter(|&i| !kind[i].is_nan())
        .map(|i| Query {
            start: i + 2,
            level: if kind[i] == 1.0 { top[i] } else { bottom[i] },
            up: kind[i] != 1.0,
            strict: false,
        })
        .collect();
    let found = first_reaching(high, low, &queries);
    for (q, j) in queries.iter().zip(found) {
        mitigated[q.start - 2] = j.map_or(0.0, |j| j as f64);
    }
}

/// Fair value gaps without lookahead: `(fvg, top, bottom, gap_index, mitigated_count)`.
/// A gap at bar `i` (as [`fvg`] finds it) needs bar `i + 1`, so it is reported there, with
/// `gap_index` `i`; with `join_consecutive`, each report carries its run's highest top and
/// lowest bottom so far (the run's last report is smc mode's joined gap). `mitigated_count`
/// on bar `j` counts the gaps smc mode lists that are first reached at `j` (a gap replaced
/// by a joining one is not counted: it could only be reached from the bar that replaces it).
pub fn fvg_causal(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    join_consecutive: bool,
    out: &mut [f64],
) {
    let len = high.len();
    let mut raw = vec![0.0; 4 * len];
    fvg(open, high, low, close, false, &mut raw);
    let listed = if join_consecutive {
        let mut joined = vec![0.0; 4 * len];
        fvg(open, high, low, close, true, &mut joined);
        joined
    } else {
        raw.clone()
    };
    out.fill(f64::NAN);
    let (kind, rest) = out.split_at_mut(len);
    let (top, rest) = rest.split_at_mut(len);
    let (bottom, rest) = rest.split_at_mut(len);
    let (gap_index, count) = rest.split_at_mut(len);
    count.fill(0.0);
    let (raw_kind, raw_top, raw_bottom) = (&raw[..len], &raw[len..2 * len], &raw[2 * len..3 * len]);
    let (mut run_top, mut run_bottom) = (f64::NAN, f64::NAN);
    for i in 0..len {
        if raw_kind[i].is_nan() {
            continue;
        }
        if join_consecutive && i > 0 && raw_kind[i - 1] == raw_kind[i] {
            (run_top, run_bottom) = (run_top.max(raw_top[i]), run_bottom.min(raw_bottom[i]));
        } else {
            (run_top, run_bottom) = (raw_top[i], raw_bottom[i]);
        }
        let t = i + 1; // the bar that completes the gap
        (kind[t], top[t], bottom[t], gap_index[t]) = (raw_kind[i], run_top, run_bottom, i as f64);
    }
    for i in 0..len {
        let j = listed[3 * len + i];
        if !listed[i].is_nan() && j > 0.0 {
            count[j as usize] += 1.0;
        }
    }
}

/// A search for the first bar from `start` whose value reaches `level`: upward (a value
/// above it, or at it unless `strict`) or downward (below, or at it).
#[derive(Clone, Copy)]
struct Query {
    start: usize,
    level: f64,
    up: bool,
    strict: bool,
}

/// For queries sorted by `start`, the first bar answering each, upward in `upper` and
/// downward in `lower`; NaN never answers. One pass forward: the queries begun and not yet
/// answered wait in two heaps, the easiest to answer on top, so a bar that does not reach
/// either top (most bars) costs two compares. O(n + q log q), where smartmoneyconcepts
/// scans forward from each.
fn first_reaching(upper: &[f64], lower: &[f64], queries: &[Query]) -> Vec<Option<usize>> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let len = upper.len();
    let mut found = vec![None; queries.len()];
    // a strict query as an inclusive bound: `v > level` is `v >= level.next_up()` (and
    // `v < level` is `v <= level.next_down()`), except past the infinities, never reached
    let bound = |q: &Query| match (q.up, q.strict) {
        (_, false) => Some(q.level),
        (true, true) => Some(q.level.next_up()).filter(|_| q.level != f64::INFINITY),
        (false, true) => Some(q.level.next_down()).filter(|_| q.level != f64::NEG_INFINITY),
    };
    // the bounds as integers in f64's order (as `total_cmp`), so they can wait in a heap:
    // (bound, query); the tops as values, NaN for an empty heap (no bar reaches NaN)
    let ordered = |v: f64| {
        let bits = v.to_bits() as i64;
        bits ^ (((bits >> 63) as u64) >> 1) as i64
    };
    let value = |key: i64| f64::from_bits((key ^ (((key >> 63) as u64) >> 1) as i64) as u64);
    let mut ups: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    let mut downs: BinaryHeap<(i64, usize)> = BinaryHeap::new();
    let up_top =
        |ups: &BinaryHeap<Reverse<(i64, usize)>>| ups.peek().map_or(f64::NAN, |r| value(r.0 .0));
    let down_top = |downs: &BinaryHeap<(i64, usize)>| downs.peek().map_or(f64::NAN, |r| value(r.0));
    let (mut next, mut s) = (0, 0);
    while s < len {
        while let Some(q) = queries.get(next).filter(|q| q.start <= s) {
            match bound(q).filter(|b| !b.is_nan()) {
                Some(b) if q.up => ups.push(Reverse((ordered(b), next))),
                Some(b) => downs.push((ordered(b), next)),
                None => {}
            }
            next += 1;
        }
        let stop = queries.get(next).map_or(len, |q| q.start.min(len));
        if ups.is_empty() && downs.is_empty() {
            s = stop;
            continue;
        }
        let (mut up, mut down) = (up_top(&ups), down_top(&downs));
        while s < stop && !(upper[s] >= up || lower[s] <= down) {
            s += 1;
        }
        if s == stop {
            continue; // more queries begin here
        }
        while upper[s] >= up {
            found[ups.pop().expect("a top").0 .1] = Some(s);
            up = up_top(&ups);
        }
        while lower[s] <= down {
            found[downs.pop().expect("a top").1] = Some(s);
            down = down_top(&downs);
        }
        s += 1;
    }
    found
}

/// Breaks of structure and changes of character, as smartmoneyconcepts'
/// `bos_choch(ohlc, swing_highs_lows, close_break)`: `(bos, choch, level, broken_index)`.
///
/// At each swing, the last four swings (levels l4, l3, l2, l1, oldest first) mark the
/// third-last swing's bar: kinds -1, 1, -1, 1 with `l4 < l2 < l3 < l1` a bullish BOS,
/// with `l1 > l3 > l4 > l2` a bullish CHoCH; kinds 1, -1, 1, -1 with `l4 > l2 > l3 > l1`
/// a bearish BOS, with `l1 < l3 < l4 < l2` a bearish CHoCH; its level is l3, kept as
/// float32 as smartmoneyconcepts stores it. Each is broken at the first bar from two
/// after it whose close (or high / low without `close_break`) passes the float32 level;
/// a break clears every earlier mark broken at or after that bar (which keeps its
/// broken index), and marks never broken are cleared. 0 becomes NaN.
#[allow(clippy::too_many_arguments)]
pub fn bos_choch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    close_break: bool,
    out: &mut [f64],
) {
    let len = high.len();
    let (mut bos, mut choch, mut level) = (vec![0i8; len], vec![0i8; len], vec![0f32; len]);
    let (mut levels, mut kinds, mut positions): (Vec<f64>, Vec<f64>, Vec<usize>) =
        (vec![], vec![], vec![]);
    for i in 0..len {
        if swing_kind[i].is_nan() {
            continue;
        }
        levels.push(swing_level[i]);
        kinds.push(swing_kind[i]);
        if levels.len() >= 4 {
            let p = positions[positions.len() - 2];
            let [l4, l3, l2, l1] = [
                levels[levels.len() - 4],
                levels[levels.len() - 3],
                levels[levels.len() - 2],
                levels[levels.len() - 1],
            ];
            let last4 = &kinds[kinds.len() - 4..];
            let (bull, bear) = (
                last4 == [-1.0, 1.0, -1.0, 1.0],
                last4 == [1.0, -1.0, 1.0, -1.0],
            );
            // smartmoneyconcepts' four assignments, in its order
            bos[p] = (bull && l4 < l2 && l2 < l3 && l3 < l1) as i8;
            level[p] = if bos[p] != 0 { l3 as f32 } else { 0.0 };
            if bear && l4 > l2 && l2 > l3 && l3 > l1 {
                bos[p] = -1;
            }
            level[p] = if bos[p] != 0 { l3 as f32 } else { 0.0 };
            choch[p] = (bull && l1 > l3 && l3 > l4 && l4 > l2) as i8;
            if choch[p] != 0 {
                level[p] = l3 as f32;
            }
            if bear && l1 < l3 && l3 < l4 && l4 < l2 {
                choch[p] = -1;
            }
            if choch[p] != 0 {
                level[p] = l3 as f32;
            }
        }
        positions.push(i);
    }
    let marks: Vec<usize> = (0..len).filter(|&i| bos[i] != 0 || choch[i] != 0).collect();
    let queries: Vec<Query> = marks
        .iter()
        .map(|&i| Query {
            start: i + 2,
            level: level[i] as f64,
            up: bos[i] == 1 || choch[i] == 1,
            strict: true,
        })
        .collect();
    let (upper, lower) = if close_break {
        (close, close)
    } else {
        (high, low)
    };
    let found = first_reaching(upper, lower, &queries);
    // a break at j clears the earlier marks broken at or after j; after that the open marks'
    // break bars rise in the order they were pushed, so a stack holds them
    let mut broken = vec![0usize; len];
    let mut open: Vec<(usize, usize)> = Vec::new(); // (break bar, mark)
    for (&i, j) in marks.iter().zip(found) {
        let Some(j) = j else { continue };
        broken[i] = j;
        while open.last().is_some_and(|&(b, _)| b >= j) {
            let (_, k) = open.pop().unwrap_or_default();
            (bos[k], choch[k], level[k]) = (0, 0, 0.0);
        }
        open.push((j, i));
    }
    for &i in &marks {
        if broken[i] == 0 {
            (bos[i], choch[i], level[i]) = (0, 0, 0.0);
        }
    }
    let (o_bos, rest) = out.split_at_mut(len);
    let (o_choch, rest) = rest.split_at_mut(len);
    let (o_level, o_broken) = rest.split_at_mut(len);
    let nan_if_zero = |v: f64| if v != 0.0 { v } else { f64::NAN };
    for i in 0..len {
        (o_bos[i], o_choch[i]) = (nan_if_zero(bos[i] as f64), nan_if_zero(choch[i] as f64));
        (o_level[i], o_broken[i]) = (nan_if_zero(level[i] as f64), nan_if_zero(broken[i] as f64));
    }
}

/// Breaks of structure and changes of character without lookahead, from causal swing
/// reports ([`swing_highs_lows_causal`]): `(bos, choch, level, swing_index)` on the
/// breaking bar, NaN elsewhere.
///
/// A report of the kind last reported replaces that swing. After each report the last
/// three swings (l3, l2, l1, oldest first) arm a mark on the middle one, level l2: low,
/// high, low with `l3 < l1 < l2` a bullish BOS, with `l1 < l3 < l2` a bullish CHoCH; high,
/// low, high with `l3 > l1 > l2` a bearish BOS, with `l1 > l3 > l2` a bearish CHoCH. A
/// mark breaks at the first bar from its arming whose close (high / low without
/// `close_break`) passes the level, unless re-armed first; a break clears the older marks
/// still waiting, so a mark is reported iff every newer mark breaks later.
#[allow(clippy::too_many_arguments)]
pub fn bos_choch_causal(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    swing_index: &[f64],
    close_break: bool,
    out: &mut [f64],
) {
    let len = high.len();
    let mut swings: Vec<(f64, f64, f64)> = Vec::new(); // (kind, level, bar)
    struct Arming {
        mark: usize,
        armed: usize,
        code: i8, // 1 BOS, 2 CHoCH, negative bearish, 0 none
        level: f64,
    }
    let mut armings: Vec<Arming> = Vec::new();
    for t in 0..len {
        if swing_kind[t].is_nan() {
            continue;
        }
        let report = (swing_kind[t], swing_level[t], swing_index[t]);
        match swings.last_mut() {
            Some(last) if last.0 == report.0 => *last = report, // more extreme: replaces it
            _ => swings.push(report),
        }
        let m = swings.len();
        if m >= 3 {
            let (l3, l2, l1) = (swings[m - 3].1, swings[m - 2].1, swings[m - 1].1);
            let up = swings[m - 1].0 == -1.0;
            let code = if (up && l3 < l1 && l1 < l2) || (!up && l3 > l1 && l1 > l2) {
                1
            } else if (up && l1 < l3 && l3 < l2) || (!up && l1 > l3 && l3 > l2) {
                2
            } else {
                0
            };
            armings.push(Arming {
                mark: m - 2,
                armed: t,
                code: if up { code } else { -code },
                level: l2,
            });
        }
    }
    let live: Vec<usize> = (0..armings.len())
        .filter(|&a| armings[a].code != 0)
        .collect();
    let queries: Vec<Query> = live
        .iter()
        .map(|&a| Query {
            start: armings[a].armed,
            level: armings[a].level,
            up: armings[a].code > 0,
            strict: true,
        })
        .collect();
    let (upper, lower) = if close_break {
        (close, close)
    } else {
        (high, low)
    };
    let mut found = vec![None; armings.len()];
    for (&a, j) in live.iter().zip(first_reaching(upper, lower, &queries)) {
        found[a] = j;
    }
    // each mark's first arming that breaks before the next arming of the mark
    let mut first: Vec<(usize, usize)> = Vec::new(); // (arming, break bar)
    for (a, arming) in armings.iter().enumerate() {
        let until = armings
            .get(a + 1)
            .filter(|next| next.mark == arming.mark)
            .map_or(len, |next| next.armed);
        if let Some(j) = found[a].filter(|&j| j < until) {
            if first
                .last()
                .is_none_or(|&(f, _)| armings[f].mark != arming.mark)
            {
                first.push((a, j));
            }
        }
    }
    out.fill(f64::NAN);
    let mut later = len; // the earliest break of the newer marks
    for &(a, j) in first.iter().rev() {
        if j < later {
            let Arming {
                mark, code, level, ..
            } = armings[a];
            let row = if code.abs() == 1 { 0 } else { 1 };
            out[row * len + j] = code.signum() as f64;
            out[2 * len + j] = level;
            out[3 * len + j] = swings[mark].2;
            later = j;
        }
    }
}

/// Retracements, as smartmoneyconcepts' `retracements(ohlc, swing_highs_lows)`:
/// `(direction, current, deepest)` in percent of the last swing range, rounded as numpy
/// rounds to one decimal (`rint(x * 10) / 10`).
///
/// A swing high sets the direction to 1 and the top, a swing low -1 and the bottom;
/// other bars keep the direction. After an up bar (the *previous* bar's direction 1)
/// `current = 100 - (low - bottom) / (top - bottom) * 100`; on a down bar (this bar's
/// direction -1) `current = 100 - (high - top) / (bottom - top) * 100` (0 for an empty
/// range); `deepest` is the running maximum of `current` since the direction began.
/// Then everything moves one bar later (the last bar wraps to bar 0, `np.roll`) and the
/// bars up to the third change of direction are zeroed.
pub fn retracements(
    high: &[f64],
    low: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    out: &mut [f64],
) {
    let len = high.len();
    let (mut direction, mut current, mut deepest) =
        (vec![0i32; len], vec![0.0; len], vec![0.0; len]);
    let round1 = |x: f64| (x * 10.0).round_ties_even() / 10.0;
    // Python's max(a, b): b only if b > a
    let py_max = |a: f64, b: f64| if b > a { b } else { a };
    let (mut top, mut bottom) = (0.0, 0.0);
    for i in 0..len {
        direction[i] = if swing_kind[i] == 1.0 {
            top = swing_level[i];
            1
        } else if swing_kind[i] == -1.0 {
            bottom = swing_level[i];
            -1
        } else if i > 0 {
            direction[i - 1]
        } else {
            0
        };
        // direction[i - 1] at i = 0 is numpy's direction[-1]: the last bar, still 0 unless it is bar 0
        let previous = if i > 0 {
            direction[i - 1]
        } else {
            direction[len - 1]
        };
        if previous == 1 {
            let divisor = top - bottom;
            current[i] = if divisor != 0.0 {
                round1(100.0 - (low[i] - bottom) / divisor * 100.0)
            } else {
                0.0
            };
            deepest[i] = py_max(
                if i > 0 && direction[i - 1] == 1 {
                    deepest[i - 1]
                } else {
                    0.0
                },
                current[i],
            );
        }
        if direction[i] == -1 {
            let divisor = bottom - top;
            current[i] = if divisor != 0.0 {
                round1(100.0 - (high[i] - top) / divisor * 100.0)
            } else {
                0.0
            };
            deepest[i] = py_max(
                if i > 0 && direction[i - 1] == -1 {
                    deepest[i - 1]
                } else {
                    0.0
                },
                current[i],
            );
        }
    }
    for a in [&mut current, &mut deepest] {
        a.rotate_right(1.min(len));
    }
    direction.rotate_right(1.min(len));
    // the bars up to the third change of direction are zeroed (the last included)
    let mut changes = 0;
    for i in 0..len.saturating_sub(1) {
        changes += (direction[i] != direction[i + 1]) as usize;
        (direction[i], current[i], deepest[i]) = (0, 0.0, 0.0);
        if changes == 3 {
            (direction[i + 1], current[i + 1], deepest[i + 1]) = (0, 0.0, 0.0);
            break;
        }
    }
    let (o_dir, rest) = out.split_at_mut(len);
    let (o_cur, o_deep) = rest.split_at_mut(len);
    for i in 0..len {
        (o_dir[i], o_cur[i], o_deep[i]) = (direction[i] as f64, current[i], deepest[i]);
    }
}

/// Retracements without lookahead, from causal swing reports: `(direction, current,
/// deepest)`. A high report sets the direction to 1 and the top, a low report -1 and the
/// bottom; on every bar from then, smc mode's formulas on the bar itself, unrounded:
/// `100 - (low - bottom) / (top - bottom) * 100` going up, `100 - (high - top) / (bottom -
/// top) * 100` going down (NaN before both are known or for an empty range); `deepest`
/// the running maximum since the direction began (NaN where `current` is).
pub fn retracements_causal(
    high: &[f64],
    low: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    out: &mut [f64],
) {
    let len = high.len();
    let (mut direction, mut top, mut bottom, mut deepest) = (0.0, f64::NAN, f64::NAN, f64::NAN);
    for i in 0..len {
        let kind = swing_kind[i];
        if kind == 1.0 || kind == -1.0 {
            if kind != direction {
                deepest = f64::NAN; // a new direction
            }
            direction = kind;
            if kind == 1.0 {
                top = swing_level[i]
            } else {
                bottom = swing_level[i]
            }
        }
        let mut current = f64::NAN;
        if top != bottom {
            // NaN before both are known: the formulas give it
            if direction == 1.0 {
                current = 100.0 - (low[i] - bottom) / (top - bottom) * 100.0;
            } else if direction == -1.0 {
                current = 100.0 - (high[i] - top) / (bottom - top) * 100.0;
            }
        }
        if !current.is_nan() && (deepest.is_nan() || current > deepest) {
            deepest = current;
        }
        out[i] = direction;
        out[len + i] = current;
        out[2 * len + i] = if current.is_nan() { f64::NAN } else { deepest };
    }
}

/// Trading sessions, as smartmoneyconcepts' `sessions(ohlc, session)`: `(active, high, low)`.
/// A bar is active when its minute of the day lies in `[start, end]` (or, when
/// `start >= end`, at or after `start` or at or before `end`); an active bar carries the
/// session's running high and low since the last inactive bar, stored as float32 as
/// smartmoneyconcepts stores them (Python's `max`/`min` against the stored previous value;
/// an inactive bar leaves 0, which starts the next session afresh).
pub fn sessions(minute: &[i64], high: &[f64], low: &[f64], start: i64, end: i64, out: &mut [f64]) {
    let len = high.len();
    let (o_active, rest) = out.split_at_mut(len);
    let (o_high, o_low) = rest.split_at_mut(len);
    let (mut prev_high, mut prev_low) = (0f32, 0f32);
    for i in 0..len {
        let t = minute[i];
        let active = if start < end {
            start <= t && t <= end
        } else {
            start <= t || t <= end
        };
        let (mut h, mut l) = (0f32, 0f32);
        if active {
            // Python's max(a, b) is b only when b > a; min(a, b) b only when b < a
            let base_high = if i > 0 { prev_high as f64 } else { 0.0 };
            h = (if base_high > high[i] {
                base_high
            } else {
                high[i]
            }) as f32;
            let base_low = if i > 0 && prev_low != 0.0 {
                prev_low as f64
            } else {
                f64::INFINITY
            };
            l = (if base_low < low[i] { base_low } else { low[i] }) as f32;
        }
        (o_active[i], o_high[i], o_low[i]) = (active as i32 as f64, h as f64, l as f64);
        (prev_high, prev_low) = (h, l);
    }
}

/// A min segment tree over positions (NaN stored as +inf, so it never answers): the first
/// position from `start` whose value is below a bound, and the smallest value in a range,
/// each in O(log n). Point updates set or remove a position.
struct MinTree {
    size: usize,
    node: Vec<f64>,
}

impl MinTree {
    fn new(values: impl ExactSizeIterator<Item = f64>) -> Self {
        let size = values.len().next_power_of_two();
        let mut node = vec![f64::INFINITY; 2 * size];
        for (i, v) in values.enumerate() {
            node[size + i] = if v.is_nan() { f64::INFINITY } else { v };
        }
        for i in (1..size).rev() {
            node[i] = node[2 * i].min(node[2 * i + 1]);
        }
        MinTree { size, node }
    }

    /// The value at position `i` (+inf for NaN).
    fn value(&self, i: usize) -> f64 {
        self.node[self.size + i]
    }

    fn set(&mut self, i: usize, value: f64) {
        let mut i = i + self.size;
        self.node[i] = value;
        while i > 1 {
            i /= 2;
            self.node[i] = self.node[2 * i].min(self.node[2 * i + 1]);
        }
    }

    fn remove(&mut self, i: usize) {
        self.set(i, f64::INFINITY);
    }

    /// The smallest value at positions `lo..hi` (+inf for none).
    fn min_in(&self, lo: usize, hi: usize) -> f64 {
        let (mut lo, mut hi, mut best) = (lo + self.size, hi + self.size, f64::INFINITY);
        while lo < hi {
            if lo & 1 == 1 {
                best = best.min(self.node[lo]);
                lo += 1;
            }
            if hi & 1 == 1 {
                hi -= 1;
                best = best.min(self.node[hi]);
            }
            (lo, hi) = (lo / 2, hi / 2);
        }
        best
    }

    /// The first position `>= start` with a value `< bound`: from the leaf, the next
    /// subtree to the right until one holds such a value, then down to its first.
    fn first_below(&self, start: usize, bound: f64) -> Option<usize> {
        if start >= self.size {
            return None;
        }
        let mut i = start + self.size;
        loop {
            if self.node[i] < bound {
                while i < self.size {
                    i = if self.node[2 * i] < bound {
                        2 * i
                    } else {
                        2 * i + 1
                    };
                }
                return Some(i - self.size);
            }
            while i & 1 == 1 {
                i >>= 1; // a right child: its parent's right neighbour is next
            }
            if i == 0 {
                return None;
            }
            i += 1;
        }
    }
}

/// Python's `min(a, b)` (`b` only when `b < a`) and `max(a, b)` (`b` only when `b > a`), NaN included.
fn py_min<T: PartialOrd>(a: T, b: T) -> T {
    if b < a {
        b
    } else {
        a
    }
}

fn py_max<T: PartialOrd>(a: T, b: T) -> T {
    if b > a {
        b
    } else {
        a
    }
}

/// The segment trees order blocks search. Every test is "a value below a bound": a high
/// above a top is a negated high below -top. With `bodies` (the body's low and high of an
/// open and a close) the block edges are mitigated by the bodies, else by the lows and highs.
struct EdgeTrees {
    lows: MinTree,
    neg_highs: MinTree,
    bodies: Option<(MinTree, MinTree)>,
}

type BodyEdges = (fn(f64, f64) -> f64, fn(f64, f64) -> f64);

impl EdgeTrees {
    fn new(
        open: &[f64],
        high: &[f64],
        low: &[f64],
        close: &[f64],
        bodies: Option<BodyEdges>,
    ) -> Self {
        let len = high.len();
        EdgeTrees {
            lows: MinTree::new(low.iter().copied()),
            neg_highs: MinTree::new(high.iter().map(|&h| -h)),
            bodies: bodies.map(|(body_low, body_high)| {
                (
                    MinTree::new((0..len).map(|i| body_low(open[i], close[i]))),
                    MinTree::new((0..len).map(|i| -body_high(open[i], close[i]))),
                )
            }),
        }
    }

    /// The trees a bullish block's bottom and a bearish block's top are mitigated in.
    fn mitigation(&self) -> (&MinTree, &MinTree) {
        self.bodies
            .as_ref()
            .map_or((&self.lows, &self.neg_highs), |(low, neg_high)| {
                (low, neg_high)
            })
    }
}

/// The order blocks' shared state, one entry per bar, as smartmoneyconcepts keeps it (float32
/// prices and volumes); the bullish pass runs over the whole data before the bearish one and
/// both write here, so a bearish block can replace a bullish one and inherit its breaker flag.
struct Blocks {
    kind: Vec<i8>,
    top: Vec<f32>,
    bottom: Vec<f32>,
    volume: Vec<f32>,
    percentage: Vec<f32>,
    mitigated: Vec<usize>,
    breaker: Vec<bool>,
}

/// Order blocks, as smartmoneyconcepts' `ob(ohlc, swing_highs_lows, close_mitigation)`:
/// `(ob, top, bottom, ob_volume, mitigated_index, percentage)`.
///
/// Bullish (bearish is the mirror): the first close above the last swing high before it
/// (each swing once, until the next swing high) makes the bar with the lowest low since the
/// swing (the last of equals; the bar before the close when none lies between, or when a
/// low there is NaN, with its high and low swapped) a block from its low to its high, with
/// `ob_volume` the volume of the closing bar and the two before it, and `percentage` =
/// `100 * min(a, b) / max(a, b)` of the two newer bars' volume and the oldest one's (100
/// when both are 0), in float32. A later bar whose low (`min(open, close)` with
/// `close_mitigation`) is below the bottom turns the block into a breaker with
/// `mitigated_index` the bar before it (bearish: that bar); a breaker whose top a high
/// passes is removed. smartmoneyconcepts checks every open block on every bar (quadratic);
/// here each block waits in a bucket for the one bar that changes it, found in a segment
/// tree: O(n log n).
#[allow(clippy::too_many_arguments)]
pub fn order_blocks(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_kind: &[f64],
    close_mitigation: bool,
    out: &mut [f64],
) {
    let len = high.len();
    let mut blocks = Blocks {
        kind: vec![0; len],
        top: vec![0.0; len],
        bottom: vec![0.0; len],
        volume: vec![0.0; len],
        percentage: vec![0.0; len],
        mitigated: vec![0; len],
        breaker: vec![false; len],
    };
    let trees = EdgeTrees::new(
        open,
        high,
        low,
        close,
        close_mitigation.then_some((py_min, py_max)),
    );
    let (bull_mitigation, bear_mitigation) = trees.mitigation();
    block_pass(
        1,
        high,
        low,
        close,
        volume,
        swing_kind,
        bull_mitigation,
        &trees.neg_highs,
        &mut blocks,
    );
    block_pass(
        -1,
        high,
        low,
        close,
        volume,
        swing_kind,
        bear_mitigation,
        &trees.lows,
        &mut blocks,
    );
    let (o_kind, rest) = out.split_at_mut(len);
    let (o_top, rest) = rest.split_at_mut(len);
    let (o_bottom, rest) = rest.split_at_mut(len);
    let (o_volume, rest) = rest.split_at_mut(len);
    let (o_mitigated, o_percentage) = rest.split_at_mut(len);
    for i in 0..len {
        let set = blocks.kind[i] != 0;
        let or_nan = |v: f64| if set { v } else { f64::NAN };
        (o_kind[i], o_top[i], o_bottom[i]) = (
            or_nan(blocks.kind[i] as f64),
            or_nan(blocks.top[i] as f64),
            or_nan(blocks.bottom[i] as f64),
        );
        (o_volume[i], o_mitigated[i], o_percentage[i]) = (
            or_nan(blocks.volume[i] as f64),
            or_nan(blocks.mitigated[i] as f64),
            or_nan(blocks.percentage[i] as f64),
        );
    }
}

/// One side's pass of [`order_blocks`] (`side` 1 bullish, -1 bearish). `mitigation` holds
/// the values a block's edge is tested against (as "below a bound"), `reset` those a
/// breaker's far edge is. smartmoneyconcepts keeps a list of open blocks where a block can
/// be listed more than once (two swings can pick one bar); each listing is checked in turn,
/// so after one turns a block into a breaker the next checks it for removal on the same
/// bar. `listed[b]` counts them; `version[b]` drops a bucket entry made stale by a new
/// block at the same bar.
#[allow(clippy::too_many_arguments)]
fn block_pass(
    side: i8,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_kind: &[f64],
    mitigation: &MinTree,
    reset: &MinTree,
    blocks: &mut Blocks,
) {
    let len = high.len();
    let bull = side == 1;
    // the test that changes block b next: (values, bound), "values[bar] < bound"
    let test = |b: usize, blocks: &Blocks| -> (&MinTree, f64) {
        let (top, bottom) = (blocks.top[b] as f64, blocks.bottom[b] as f64);
        match (bull, blocks.breaker[b]) {
            (true, false) => (mitigation, bottom),
            (true, true) => (reset, -top),
            (false, false) => (mitigation, -top),
            (false, true) => (reset, bottom),
        }
    };
    let (mut listed, mut version) = (vec![0u32; len], vec![0u32; len]);
    // per bar, a linked list of (block, version, next entry) waiting for that bar
    let mut head = vec![usize::MAX; len];
    let mut entries: Vec<(usize, u32, usize)> = Vec::new();
    let wait = |b: usize,
                from: usize,
                blocks: &Blocks,
                version: u32,
                head: &mut [usize],
                entries: &mut Vec<_>| {
        let (values, bound) = test(b, blocks);
        if let Some(bar) = values.first_below(from, bound).filter(|&bar| bar < len) {
            entries.push((b, version, head[bar]));
            head[bar] = entries.len() - 1;
        }
    };
    let swings: Vec<usize> = (0..len).filter(|&i| swing_kind[i] == side as f64).collect();
    let mut creations = vec![usize::MAX; len]; // the swing a bar's close crosses first
    for (w, &s) in swings.iter().enumerate() {
        // the swing is the last one before bars up to the next swing, which it still is for
        let until = swings.get(w + 1).map_or(len - 1, |&next| next);
        let crossing = (s + 1..=until).find(|&i| {
            if bull {
                close[i] > high[s]
            } else {
                close[i] < low[s]
            }
        });
        if let Some(i) = crossing {
            creations[i] = s;
        }
    }
    for bar in 0..len {
        let mut e = head[bar];
        while e != usize::MAX {
            let (b, ver, next) = entries[e];
            e = next;
            if ver != version[b] {
                continue;
            }
            for _ in 0..listed[b] {
                let (values, bound) = test(b, blocks);
                let fires = values.value(bar) < bound; // a NaN bound (a NaN edge) never does
                if !fires {
                    continue;
                }
                if blocks.breaker[b] {
                    blocks.kind[b] = 0;
                    (
                        blocks.top[b],
                        blocks.bottom[b],
                        blocks.volume[b],
                        blocks.percentage[b],
                    ) = (0.0, 0.0, 0.0, 0.0);
                    blocks.mitigated[b] = 0;
                    listed[b] -= 1;
                } else {
                    blocks.breaker[b] = true;
                    blocks.mitigated[b] = if bull { bar - 1 } else { bar };
                }
            }
            if listed[b] > 0 {
                wait(b, bar + 1, blocks, version[b], &mut head, &mut entries);
            }
        }
        let s = creations[bar];
        if s == usize::MAX {
            continue;
        }
        // the most extreme bar strictly between the swing and the close, the last of equals;
        // numpy's min / max is NaN when any is, and then no bar is equal to it
        let between = s + 1..bar;
        let extreme = if bull {
            between.clone().map(|k| low[k]).fold(f64::INFINITY, |m, v| {
                if v.is_nan() || m.is_nan() {
                    f64::NAN
                } else {
                    m.min(v)
                }
            })
        } else {
            between
                .clone()
                .map(|k| high[k])
                .fold(f64::NEG_INFINITY, |m, v| {
                    if v.is_nan() || m.is_nan() {
                        f64::NAN
                    } else {
                        m.max(v)
                    }
                })
        };
        let candidate = between
            .rev()
            .find(|&k| (if bull { low[k] } else { high[k] }) == extreme);
        let (b, top, bottom) = match candidate {
            Some(k) => (k, high[k], low[k]),
            // the bar before the close; the bullish one with high and low swapped, as smartmoneyconcepts has it
            None if bull => (bar - 1, low[bar - 1], high[bar - 1]),
            None => (bar - 1, high[bar - 1], low[bar - 1]),
        };
        let (v0, v1, v2) = (
            volume[bar],
            volume[bar - 1],
            if bar >= 2 { volume[bar - 2] } else { 0.0 },
        );
        let (newer, older) = ((v0 + v1) as f32, v2 as f32);
        let (high_volume, low_volume) = if bull { (newer, older) } else { (older, newer) };
        let most = py_max(high_volume, low_volume);
        blocks.kind[b] = side;
        (blocks.top[b], blocks.bottom[b]) = (top as f32, bottom as f32);
        blocks.volume[b] = (v0 + v1 + v2) as f32;
        blocks.percentage[b] = if most != 0.0 {
            py_min(high_volume, low_volume) / most * 100.0
        } else {
            100.0
        };
        listed[b] += 1;
        version[b] += 1;
        wait(b, bar + 1, blocks, version[b], &mut head, &mut entries);
    }
}

/// Order blocks without lookahead, from causal swing reports ([`swing_highs_lows_causal`]):
/// 11 rows `(ob, top, bottom, ob_index, swing_index, ob_volume, percentage, bullish_mitigated,
/// bearish_mitigated, bullish_removed, bearish_removed)`, each on the bar where it happens.
///
/// Bullish (bearish mirrors it): the first close above the last swing high reported so far,
/// before the next swing high is reported, forms a block on that bar t from the bar k with
/// the lowest low strictly between the swing and t (the last of equals, NaN skipped; none:
/// no block), `top = high[k]`, `bottom = low[k]`, with `ob_volume` and `percentage` as smc
/// mode (the volumes of t, t-1 and t-2). On a bar where both kinds would form, the bearish
/// one does (smc mode keeps it) and the swing high waits for a later close. A block is
/// mitigated at the first bar after t whose low (`min(open, close)` with
/// `close_mitigation`) is below its bottom, and removed at the first bar after that whose
/// high passes its top: each adds one to that bar's count. The blocks do not interact, so
/// each event is one search in a segment tree: O(n log n).
#[allow(clippy::too_many_arguments)]
pub fn order_blocks_causal(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    swing_index: &[f64],
    close_mitigation: bool,
    out: &mut [f64],
) {
    let len = high.len();
    out[..7 * len].fill(f64::NAN);
    // the last swing of each kind: (level, bar, crossed)
    type LastSwing = Option<(f64, f64, bool)>;
    let (mut last_high, mut last_low): (LastSwing, LastSwing) = (None, None);
    let mut formed: Vec<usize> = Vec::new(); // the bars that form a block
    let at = |row: usize, t: usize| row * len + t;
    for t in 0..len {
        if swing_kind[t] == 1.0 {
            last_high = Some((swing_level[t], swing_index[t], false));
        } else if swing_kind[t] == -1.0 {
            last_low = Some((swing_level[t], swing_index[t], false));
        }
        let bear = last_low.filter(|&(level, _, crossed)| !crossed && close[t] < level);
        let bull =
            last_high.filter(|&(level, _, crossed)| !crossed && close[t] > level && bear.is_none());
        let (side, swing) = match (bull, bear) {
            (Some(swing), _) => (1.0, swing),
            (None, Some(swing)) => (-1.0, swing),
            (None, None) => continue,
        };
        let swing_bar = swing.1 as usize;
        if side == 1.0 {
            last_high = last_high.map(|(level, bar, _)| (level, bar, true));
        } else {
            last_low = last_low.map(|(level, bar, _)| (level, bar, true));
        }
        // the most extreme bar strictly between the swing and t, the last of equals
        let mut block: Option<usize> = None;
        for k in swing_bar + 1..t {
            let (v, best) = if side == 1.0 {
                (low[k], block.map(|b| low[b]))
            } else {
                (-high[k], block.map(|b| -high[b]))
            };
            if !v.is_nan() && best.is_none_or(|best| v <= best) {
                block = Some(k);
            }
        }
        let Some(k) = block else { continue };
        // before the data's start the volumes count as 0
        let (newer, older) = (
            volume[t] + if t >= 1 { volume[t - 1] } else { 0.0 },
            if t >= 2 { volume[t - 2] } else { 0.0 },
        );
        let (least, most) = (nan_min(newer, older), nan_max(newer, older));
        out[at(0, t)] = side;
        (out[at(1, t)], out[at(2, t)]) = (high[k], low[k]);
        (out[at(3, t)], out[at(4, t)]) = (k as f64, swing.1);
        out[at(5, t)] = newer + older;
        out[at(6, t)] = if most != 0.0 {
            least / most * 100.0
        } else {
            100.0
        };
        formed.push(t);
    }
    // mitigation: the block's near edge passed; removal: then its far edge
    let trees = EdgeTrees::new(
        open,
        high,
        low,
        close,
        close_mitigation.then_some((nan_min, nan_max)),
    );
    let ((bull_mitigation, bear_mitigation), (lows, neg_highs)) =
        (trees.mitigation(), (&trees.lows, &trees.neg_highs));
    out[7 * len..].fill(0.0);
    for t in formed {
        let (top, bottom) = (out[at(1, t)], out[at(2, t)]);
        let (mitigated, removed) = if out[at(0, t)] == 1.0 {
            let j = bull_mitigation.first_below(t + 1, bottom);
            (
                j.map(|j| (7, j)),
                j.and_then(|j| neg_highs.first_below(j + 1, -top))
                    .map(|m| (9, m)),
            )
        } else {
            let j = bear_mitigation.first_below(t + 1, -top);
            (
                j.map(|j| (8, j)),
                j.and_then(|j| lows.first_below(j + 1, bottom))
                    .map(|m| (10, m)),
            )
        };
        for (row, bar) in [mitigated, removed]
            .into_iter()
            .flatten()
            .filter(|&(_, bar)| bar < len)
        {
            out[at(row, bar)] += 1.0;
        }
    }
}

/// `min(a, b)` and `max(a, b)`, NaN when either is (numpy's `minimum` and `maximum`).
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// The largest of `sign * x`, NaN skipped (NaN when there is none): `-min(x)` for `sign` -1.
/// Eight running maxima side by side, so the compares vectorise instead of waiting on one
/// chain; a select (`v > m`) skips NaN by itself.
fn nan_skipping_max_of(x: &[f64], sign: f64) -> f64 {
    let mut lanes = [f64::NEG_INFINITY; 8];
    let mut chunks = x.chunks_exact(8);
    for chunk in &mut chunks {
        for k in 0..8 {
            let v = sign * chunk[k];
            lanes[k] = if v > lanes[k] { v } else { lanes[k] };
        }
    }
    let mut best =
        chunks.remainder().iter().fold(
            f64::NEG_INFINITY,
            |m, &v| if sign * v > m { sign * v } else { m },
        );
    for lane in lanes {
        best = if lane > best { lane } else { best };
    }
    // -inf: all NaN (or empty), unless a value is -inf itself
    if best == f64::NEG_INFINITY && !x.iter().any(|&v| sign * v == f64::NEG_INFINITY) {
        f64::NAN
    } else {
        best
    }
}

/// Liquidity, as smartmoneyconcepts' `liquidity(ohlc, swing_highs_lows, range_percent)`:
/// `(liquidity, level, end, swept)`, float32 values as it stores them.
///
/// With `range = (max high - min low) * range_percent` over the whole data, each swing high
/// at i not yet taken, in order, collects the later swing highs not yet taken whose level is
/// within `range` of its own (both ends included), before the bar that sweeps it: the first
/// bar after i whose high reaches `level + range` (`swept`, 0 if none). Collected swings are
/// taken. A swing with others collected becomes 1 with the mean of the levels (summed in bar
/// order), `end` the last one collected. Swing lows are the mirror (-1, lows reaching
/// `level - range`). smartmoneyconcepts tests every later swing for each (quadratic); here
/// the swings sorted by level sit in a segment tree of their bars, so each one collected is
/// found once in O(log n).
pub fn liquidity(
    high: &[f64],
    low: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    range_percent: f64,
    out: &mut [f64],
) {
    let len = high.len();
    out.fill(f64::NAN);
    let range = (nan_skipping_max_of(high, 1.0) + nan_skipping_max_of(low, -1.0)) * range_percent;
    let (o_kind, rest) = out.split_at_mut(len);
    let (o_level, rest) = rest.split_at_mut(len);
    let (o_end, o_swept) = rest.split_at_mut(len);
    // where each swing is swept: one search for both kinds, queries in bar order
    let all = swing_bars(swing_kind);
    let queries: Vec<Query> = all
        .iter()
        .map(|&i| {
            let up = swing_kind[i] == 1.0;
            let reach = if up {
                swing_level[i] + range
            } else {
                swing_level[i] - range
            };
            Query {
                start: i + 1,
                level: reach,
                up,
                strict: false,
            }
        })
        .collect();
    let swept_all = first_reaching(high, low, &queries);
    for side in [1.0, -1.0] {
        let (swings, swept): (Vec<usize>, Vec<Option<usize>>) = all
            .iter()
            .zip(&swept_all)
            .filter(|&(&i, _)| swing_kind[i] == side)
            .map(|(&i, &s)| (i, s))
            .unzip();
        // the side's swings by level (NaN levels are never in a range), as (level, w) where w
        // numbers the side's swings in bar order; the tree holds each one's bar
        let mut by_level: Vec<(f64, usize)> = swings
            .iter()
            .enumerate()
            .filter(|&(_, &i)| !swing_level[i].is_nan())
            .map(|(w, &i)| (swing_level[i], w))
            .collect();
        by_level.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut rank = vec![usize::MAX; swings.len()];
        for (r, &(_, w)) in by_level.iter().enumerate() {
            rank[w] = r;
        }
        let mut open = MinTree::new(by_level.iter().map(|&(_, w)| swings[w] as f64));
        let mut taken = vec![false; swings.len()];
        let mut group = Vec::new();
        for (w, (&i, swept)) in swings.iter().zip(swept).enumerate() {
            if taken[w] {
                continue;
            }
            if rank[w] != usize::MAX {
                open.remove(rank[w]); // every swing left in the tree now lies after i
            }
            let level = swing_level[i];
            let (lo, hi) = (level - range, level + range);
            if lo.is_nan() || hi.is_nan() {
                continue; // an infinite level and range: no level lies between NaN ends
            }
            let from = by_level.partition_point(|&(v, _)| v < lo);
            let before = swept.map_or(f64::INFINITY, |s| s as f64);
            group.clear();
            let mut r = from;
            while let Some(found) = open
                .first_below(r, before)
                .filter(|&found| by_level[found].0 <= hi)
            {
                group.push(by_level[found].1);
                open.remove(found);
                r = found + 1;
            }
            if group.is_empty() {
                continue;
            }
            group.sort_unstable();
            let mut sum = level;
            for &v in &group {
                sum += swing_level[swings[v]];
                taken[v] = true;
            }
            let mean = sum / (group.len() + 1) as f64;
            o_kind[i] = side;
            o_level[i] = mean as f32 as f64;
            o_end[i] = swings[group[group.len() - 1]] as f32 as f64;
            o_swept[i] = swept.unwrap_or(0) as f32 as f64;
        }
    }
}

/// The bars where `swing_kind` is 1 or -1, in order.
fn swing_bars(swing_kind: &[f64]) -> Vec<usize> {
    // branch-free: a swing every few bars would mispredict a branch on each
    let mut bars = vec![0; swing_kind.len()];
    let mut n = 0;
    for (i, &k) in swing_kind.iter().enumerate() {
        bars[n] = i;
        n += (k == 1.0 || k == -1.0) as usize;
    }
    bars.truncate(n);
    bars
}

/// Liquidity pools without lookahead, from causal swing reports
/// ([`swing_highs_lows_causal`]): `(liquidity, level, count, pool_index, swept_highs,
/// swept_lows)`.
///
/// `range` at bar t is `range_percent` of the highest high minus the lowest low so far.
/// A swing reported at t joins the oldest open pool of its kind whose first level f has
/// `f - range <= level <= f + range`; else it opens one, open until its sweep: the first
/// bar after its swing whose high reaches `f + range` (the range at the opening; lows:
/// low reaches `f - range`). On a join: the kind, the pool's mean level, its count and
/// its first swing's bar; on a sweep bar, how many pools of two or more of each kind it
/// sweeps (0 elsewhere). Pools wait in a segment tree by level holding their number, so
/// the oldest in range is the minimum: O(log n) per swing.
pub fn liquidity_causal(
    high: &[f64],
    low: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    swing_index: &[f64],
    range_percent: f64,
    out: &mut [f64],
) {
    let len = high.len();
    let (o_pool, o_swept) = out.split_at_mut(4 * len);
    o_pool.fill(f64::NAN);
    o_swept.fill(0.0);
    let reports: Vec<usize> = (0..len).filter(|&i| !swing_kind[i].is_nan()).collect();
    let m = reports.len();
    // the range so far at each report, NaN skipped as pandas' max / min skip it
    let mut reach = Vec::with_capacity(m);
    let (mut highest, mut lowest, mut w) = (f64::NAN, f64::NAN, 0);
    for i in 0..len {
        if highest.is_nan() || high[i] > highest {
            highest = high[i];
        }
        if lowest.is_nan() || low[i] < lowest {
            lowest = low[i];
        }
        if w < m && reports[w] == i {
            reach.push((highest - lowest) * range_percent);
            w += 1;
        }
    }
    let kind: Vec<f64> = reports.iter().map(|&i| swing_kind[i]).collect();
    let level: Vec<f64> = reports.iter().map(|&i| swing_level[i]).collect();
    let bar: Vec<usize> = reports.iter().map(|&i| swing_index[i] as usize).collect();
    let queries: Vec<Query> = (0..m)
        .map(|w| {
            let up = kind[w] == 1.0;
            let reaches = if up {
                level[w] + reach[w]
            } else {
                level[w] - reach[w]
            };
            Query {
                start: bar[w] + 1,
                level: reaches,
                up,
                strict: false,
            }
        })
        .collect();
    let sweep: Vec<usize> = first_reaching(high, low, &queries)
        .into_iter()
        .map(|s| s.unwrap_or(len))
        .collect();
    let mut by_sweep: Vec<usize> = (0..m).collect();
    by_sweep.sort_by_key(|&w| sweep[w]);
    let mut order: Vec<usize> = (0..m).collect(); // by kind (lows first), then level
    order.sort_by(|&a, &b| {
        kind[a]
            .total_cmp(&kind[b])
            .then(level[a].total_cmp(&level[b]))
    });
    let mut rank = vec![0; m];
    for (r, &w) in order.iter().enumerate() {
        rank[w] = r;
    }
    let sorted_level: Vec<f64> = order.iter().map(|&w| level[w]).collect();
    let n_lows = kind.iter().filter(|&&k| k == -1.0).count();
    let mut pools = MinTree::new(std::iter::repeat_n(f64::NAN, m));
    let (mut count, mut total) = (vec![0usize; m], vec![0f64; m]);
    let mut s = 0;
    for w in 0..=m {
        let t = if w < m {
            reports[w]
        } else {
            len.saturating_sub(1)
        };
        while s < m && sweep[by_sweep[s]] <= t {
            // pools swept by bar t leave the tree
            let p = by_sweep[s];
            s += 1;
            if pools.value(rank[p]) == p as f64 {
                pools.remove(rank[p]);
                if count[p] >= 2 {
                    o_swept[if kind[p] == 1.0 { 0 } else { len } + sweep[p]] += 1.0;
                }
            }
        }
        if w == m {
            break;
        }
        let (r, v) = (reach[w], level[w]);
        let side = if kind[w] == -1.0 {
            0..n_lows
        } else {
            n_lows..m
        };
        let levels = &sorted_level[side.clone()];
        let lo = side.start + levels.partition_point(|&f| f + r < v);
        let hi = side.start + levels.partition_point(|&f| f - r <= v);
        let first = pools.min_in(lo, hi);
        if first < f64::INFINITY {
            let p = first as usize;
            count[p] += 1;
            total[p] += v;
            for (row, value) in [
                kind[w],
                total[p] / count[p] as f64,
                count[p] as f64,
                bar[p] as f64,
            ]
            .into_iter()
            .enumerate()
            {
                o_pool[row * len + t] = value;
            }
        } else if sweep[w] > t {
            pools.set(rank[w], w as f64);
            (count[w], total[w]) = (1, v);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_swing_highs_keeps_its_earliest_highest() {
        // L = 1: windows of 2 bars (i, i + 1)
        let high = [1.0, 3.0, 2.0, 3.0, 1.0, 0.5, 4.0, 1.0];
        let low = [0.0, 2.0, 2.5, 2.0, 0.2, 0.1, 3.0, 0.0]; // bar 2 is no swing low
        let mut out = vec![0.0; 16];
        swing_highs_lows(&high, &low, 1, &mut out);
        let kind = &out[..8];
        assert_eq!(kind[1], 1.0); // 3.0 at bar 1 beats the equal 3.0 at bar 3 (earliest)
        assert!(kind[3].is_nan());
    }

    #[test]
    fn the_tree_finds_the_first_value_below_a_bound_from_a_start() {
        let mut tree = MinTree::new([5.0, f64::NAN, 3.0, 7.0, 1.0].into_iter());
        assert_eq!(tree.first_below(0, 4.0), Some(2));
        assert_eq!(tree.first_below(3, 4.0), Some(4));
        assert_eq!(tree.first_below(0, 1.0), None); // strictly below; NaN never answers
        tree.remove(2);
        assert_eq!(tree.first_below(0, 4.0), Some(4));
        assert_eq!(tree.first_below(9, f64::INFINITY), None);
    }

    #[test]
    fn a_gap_is_mitigated_by_the_first_bar_reaching_it() {
        let open = [1.0, 1.0, 2.0, 3.0, 3.0];
        let close = [1.0, 2.0, 3.0, 3.0, 3.0];
        let high = [1.0, 2.0, 3.0, 3.5, 3.5];
        let low = [0.5, 1.0, 2.5, 3.0, 1.5];
        let mut out = vec![0.0; 20];
        fvg(&open, &high, &low, &close, false, &mut out);
        assert_eq!(out[1], 1.0); // high[0] = 1 < low[2] = 2.5, closes up
        assert_eq!((out[5 + 1], out[10 + 1]), (2.5, 1.0));
        assert_eq!(out[15 + 1], 4.0); // bar 4's low 1.5 <= 2.5
    }
}
