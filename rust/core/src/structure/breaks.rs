//! Breaks of structure and changes of character, and retracements, batch and causal.

use super::*;

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
