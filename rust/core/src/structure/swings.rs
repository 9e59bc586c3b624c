//! Swings (highs and lows, batch and causal), market structure (HH/HL/LH/LL) and ranges.

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
pub(super) fn window_extremes(high: &[f64], low: &[f64], l: usize) -> (Vec<bool>, Vec<bool>) {
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
