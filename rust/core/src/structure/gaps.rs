//! Fair value gaps, batch and causal.

use super::*;

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
