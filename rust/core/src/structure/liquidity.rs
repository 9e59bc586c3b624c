//! Liquidity pools and their sweeps, batch and causal.

use super::*;

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
