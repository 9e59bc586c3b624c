//! Level episodes and their features. Read beside `python/barsmith/_pandas/episodes.py`
//! (the oracle, whose docstrings give the rules) and `_numba/episodes.py`.
//!
//! Feature arrays are (features, bars), row-major. An episode's bars are `start..=end`;
//! the per-bar outputs hold every episode's bars, episodes one after another (the
//! "long" rows), so overlapping episodes (two levels near one price) each keep all
//! their bars.

use rayon::prelude::*;

/// One row per episode, sorted by start, then level.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Episodes {
    pub level: Vec<i64>,
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    /// The first bar beyond `exit` after the start; -1 when the data ends first.
    pub leave: Vec<i64>,
    /// +1 when the price came from above the level, -1 from below.
    pub side: Vec<i8>,
}

/// Episodes of `price` near each of the `levels` (one row of `price.len()` values per level).
pub fn level_episodes(
    price: &[f64],
    levels: &[f64],
    trigger: f64,
    exit: f64,
    max_bars: i64,
) -> Episodes {
    let n = price.len();
    let mut found = Vec::new(); // (start, level, end, leave, side)
    for (k, level) in levels.chunks_exact(n.max(1)).enumerate().filter(|_| n > 0) {
        let (mut open, mut armed, mut before) = (None, true, f64::NAN);
        for t in 0..n {
            let d = price[t] - level[t];
            if d.abs() > exit {
                if let Some((start, side)) = open.take() {
                    found.push((
                        start,
                        k as i64,
                        (t as i64 - 1).min(start + max_bars - 1),
                        t as i64,
                        side,
                    ));
                }
                armed = true;
            } else if d.abs() <= trigger && armed {
                let came = if before.is_nan() { d } else { before };
                open = Some((t as i64, if came >= 0.0 { 1i8 } else { -1 }));
                armed = false;
            }
            before = d;
        }
        if let Some((start, side)) = open {
            found.push((
                start,
                k as i64,
                (n as i64 - 1).min(start + max_bars - 1),
                -1,
                side,
            ));
        }
    }
    found.sort_by_key(|e| (e.0, e.1));
    let mut out = Episodes::default();
    for (start, level, end, leave, side) in found {
        out.level.push(level);
        out.start.push(start);
        out.end.push(end);
        out.leave.push(leave);
        out.side.push(side);
    }
    out
}

/// Rows of the long output: the sum of the episodes' lengths.
pub fn long_rows(starts: &[i64], ends: &[i64]) -> usize {
    starts
        .iter()
        .zip(ends)
        .map(|(&s, &e)| (e - s + 1) as usize)
        .sum()
}

/// Runs `each(feature row, its long output row)` for every feature, on all threads.
fn per_feature(
    values: &[f64],
    n: usize,
    out: &mut [f64],
    m: usize,
    each: impl Fn(&[f64], &mut [f64]) + Sync,
) {
    if m == 0 {
        return;
    }
    out.par_chunks_mut(m)
        .zip(values.par_chunks(n.max(1)))
        .for_each(|(o, x)| each(x, o));
}

/// `(d1, d2)`, each (features, long rows): `d1 = (x[t] - x[t - w]) / w`, `d2` the same of
/// `d1`, NaN for the first `w` (`2w`) bars of each episode.
pub fn episode_diffs(
    values: &[f64],
    n: usize,
    starts: &[i64],
    ends: &[i64],
    window: usize,
    d1: &mut [f64],
    d2: &mut [f64],
) {
    let m = long_rows(starts, ends);
    if m == 0 {
        return;
    }
    d1.par_chunks_mut(m)
        .zip(d2.par_chunks_mut(m))
        .zip(values.par_chunks(n.max(1)))
        .for_each(|((d1, d2), x)| {
            episode_diff(x, starts, ends, window, true, d1);
            episode_diff(d1, starts, ends, window, false, d2);
        });
}

/// `(x[j] - x[j - w]) / w` along each episode, NaN for its first `w` bars; `x` holds the
/// bars (`from_bars`) or the long rows.
fn episode_diff(
    x: &[f64],
    starts: &[i64],
    ends: &[i64],
    window: usize,
    from_bars: bool,
    out: &mut [f64],
) {
    let w = window as f64;
    let mut o = 0;
    for (&s, &e) in starts.iter().zip(ends) {
        let len = (e - s + 1) as usize;
        let x = &x[if from_bars { s as usize } else { o }..][..len];
        for (j, d) in out[o..o + len].iter_mut().enumerate() {
            *d = if j >= window {
                (x[j] - x[j - window]) / w
            } else {
                f64::NAN
            };
        }
        o += len;
    }
}

/// Kahan running sum as pandas' `groupby().cumsum()`: NaN rows stay NaN and are skipped.
pub fn episode_cumsum(values: &[f64], n: usize, starts: &[i64], ends: &[i64], out: &mut [f64]) {
    let m = long_rows(starts, ends);
    per_feature(values, n, out, m, |x, out| {
        let mut o = 0;
        for (&s, &e) in starts.iter().zip(ends) {
            let x = &x[s as usize..=e as usize];
            let mut sum = Kahan::default();
            for (c, &v) in out[o..o + x.len()].iter_mut().zip(x) {
                *c = if v.is_nan() { f64::NAN } else { sum.add(v) };
            }
            o += x.len();
        }
    });
}

/// pandas' compensated running sum (`group_cumsum`).
#[derive(Default)]
struct Kahan {
    sum: f64,
    compensation: f64,
}

impl Kahan {
    #[inline(always)]
    fn add(&mut self, v: f64) -> f64 {
        let y = v - self.compensation;
        let t = self.sum + y;
        self.compensation = t - self.sum - y;
        self.sum = t;
        t
    }
}

/// `(first, sum, min, max)` per (feature, episode), each block (features, episodes):
/// NaN skipped, an all-NaN sum 0 and the others NaN.
pub fn episode_stats(
    values: &[f64],
    n: usize,
    starts: &[i64],
    ends: &[i64],
    out: &mut [&mut [f64]; 4],
) {
    let k = starts.len();
    if k == 0 {
        return;
    }
    let [first, sum, min, max] = out;
    first
        .par_chunks_mut(k)
        .zip(sum.par_chunks_mut(k))
        .zip(min.par_chunks_mut(k).zip(max.par_chunks_mut(k)))
        .zip(values.par_chunks(n.max(1)))
        .for_each(|(((first, sum), (min, max)), x)| {
            for (e, (&s, &end)) in starts.iter().zip(ends).enumerate() {
                let (mut f, mut total, mut lo, mut hi) = (f64::NAN, 0.0, f64::NAN, f64::NAN);
                for &v in x[s as usize..=end as usize].iter().filter(|v| !v.is_nan()) {
                    if f.is_nan() {
                        (f, lo, hi) = (v, v, v);
                    }
                    total += v; // in order, as pandas sums a contiguous group
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                (first[e], sum[e], min[e], max[e]) = (f, total, lo, hi);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_starts_near_the_level_and_rearms_only_beyond_exit() {
        // level 100, trigger 1, exit 2, at most 3 bars
        let price = [
            105.0, 101.5, 100.5, 100.0, 99.5, 100.2, 103.0, 100.8, 99.0, 101.0,
        ];
        let level = [100.0; 10];
        let e = level_episodes(&price, &level, 1.0, 2.0, 3);
        assert_eq!(e.start, vec![2, 7]);
        assert_eq!(e.end, vec![4, 9]); // cut at three bars; then to the data's end
        assert_eq!(e.leave, vec![6, -1]);
        assert_eq!(e.side, vec![1, 1]);
    }

    #[test]
    fn diffs_never_cross_an_episode() {
        let x: Vec<f64> = (0..10).map(|i| (i * i) as f64).collect();
        let (mut d1, mut d2) = (vec![0.0; 7], vec![0.0; 7]);
        episode_diffs(&x, 10, &[1, 6], &[3, 9], 1, &mut d1, &mut d2);
        assert!(d1[0].is_nan() && d1[3].is_nan());
        assert_eq!(&d1[1..3], &[3.0, 5.0]);
        assert_eq!(d2[2], 2.0);
        assert!(d2[3].is_nan() && d2[4].is_nan());
    }
}
