//! Searches the structure kernels share: the first bar reaching a level, and a
//! segment tree of minima.

/// A search for the first bar from `start` whose value reaches `level`: upward (a value
/// above it, or at it unless `strict`) or downward (below, or at it).
#[derive(Clone, Copy)]
pub(super) struct Query {
    pub(super) start: usize,
    pub(super) level: f64,
    pub(super) up: bool,
    pub(super) strict: bool,
}

/// For queries sorted by `start`, the first bar answering each, upward in `upper` and
/// downward in `lower`; NaN never answers. One pass forward: the queries begun and not yet
/// answered wait in two heaps, the easiest to answer on top, so a bar that does not reach
/// either top (most bars) costs two compares. O(n + q log q), where smartmoneyconcepts
/// scans forward from each.
pub(super) fn first_reaching(
    upper: &[f64],
    lower: &[f64],
    queries: &[Query],
) -> Vec<Option<usize>> {
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

/// A min segment tree over positions (NaN stored as +inf, so it never answers): the first
/// position from `start` whose value is below a bound, and the smallest value in a range,
/// each in O(log n). Point updates set or remove a position.
pub(super) struct MinTree {
    size: usize,
    node: Vec<f64>,
}

impl MinTree {
    pub(super) fn new(values: impl ExactSizeIterator<Item = f64>) -> Self {
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
    pub(super) fn value(&self, i: usize) -> f64 {
        self.node[self.size + i]
    }

    pub(super) fn set(&mut self, i: usize, value: f64) {
        let mut i = i + self.size;
        self.node[i] = value;
        while i > 1 {
            i /= 2;
            self.node[i] = self.node[2 * i].min(self.node[2 * i + 1]);
        }
    }

    pub(super) fn remove(&mut self, i: usize) {
        self.set(i, f64::INFINITY);
    }

    /// The smallest value at positions `lo..hi` (+inf for none).
    pub(super) fn min_in(&self, lo: usize, hi: usize) -> f64 {
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
    pub(super) fn first_below(&self, start: usize, bound: f64) -> Option<usize> {
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
