//! `SmcState`: swings, market structure, fair value gaps and BOS/CHoCH one bar at a
//! time, equal row for row to the causal structure kernels (the Python oracle
//! `python/barsmith/engines/smc.py` is checked against them; this against the oracle).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use super::swings::Swings;

/// Columns of a row, in the order of the oracle's `COLUMNS`.
pub const SMC_COLUMNS: usize = 14;

/// A fair value gap: side 1 bullish / -1 bearish, top, bottom, middle bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gap {
    pub side: i32,
    pub top: f64,
    pub bottom: f64,
    pub index: i64,
}

#[derive(Clone, Copy, Debug)]
struct Mark {
    side: i32,
    bos: bool,
    level: f64,
    swing_index: i64,
}

/// A heap entry ordered by its key (total order on f64), then by the smaller bar.
#[derive(Clone, Copy, Debug)]
struct Waiting(f64, i64);

impl PartialEq for Waiting {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Waiting {
    fn cmp(&self, o: &Self) -> Ordering {
        // max-heap: the largest key first, then the earliest gap (the oracle's heapq order)
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

pub struct SmcState {
    swing_length: usize,
    join_consecutive: bool,
    close_break: bool,
    n: i64,
    swings: Swings,
    previous: [f64; 2], // [high side, low side]
    pending: [f64; 2],
    label: [i32; 2],
    trend: i32,
    chain: Vec<(i32, f64, i64)>,
    chain_len: i64,
    marks: BTreeMap<i64, Mark>,
    dead: i64,
    recent: VecDeque<[f64; 4]>,
    run: Option<Gap>,
    waiting: Vec<Gap>,
    open: HashMap<i64, Gap>,
    fill_down: BinaryHeap<Waiting>, // bullish gaps by top
    fill_up: BinaryHeap<Waiting>,   // bearish gaps by -bottom
}

fn side_slot(side: i32) -> usize {
    if side == 1 {
        0
    } else {
        1
    }
}

impl SmcState {
    pub fn new(swing_length: usize, join_consecutive: bool, close_break: bool) -> Self {
        let l = swing_length.max(1);
        Self {
            swing_length: l,
            join_consecutive,
            close_break,
            n: 0,
            swings: Swings::new(l),
            previous: [f64::NAN; 2],
            pending: [f64::NAN; 2],
            label: [0; 2],
            trend: 0,
            chain: Vec::with_capacity(4),
            chain_len: 0,
            marks: BTreeMap::new(),
            dead: -1,
            recent: VecDeque::with_capacity(4),
            run: None,
            waiting: Vec::new(),
            open: HashMap::new(),
            fill_down: BinaryHeap::new(),
            fill_up: BinaryHeap::new(),
        }
    }

    /// Forget every bar.
    pub fn reset(&mut self) {
        *self = Self::new(self.swing_length, self.join_consecutive, self.close_break);
    }

    pub fn bars(&self) -> i64 {
        self.n
    }

    pub fn trend(&self) -> i32 {
        self.trend
    }

    /// The open gaps, by middle bar.
    pub fn open_gaps(&self) -> Vec<Gap> {
        let mut g: Vec<Gap> = self.open.values().copied().collect();
        g.extend(self.waiting.iter().copied());
        g.sort_by_key(|g| g.index);
        g
    }

    /// One bar `[open, high, low, close, volume]` (checked by the caller): its row, and
    /// the gaps it fills, in the oracle's order.
    pub fn update(&mut self, bar: &[f64; 5]) -> ([f64; SMC_COLUMNS], Vec<Gap>) {
        let t = self.n;
        let mut row = [f64::NAN; SMC_COLUMNS];
        if let Some((side, level, index)) = self.swings.push(bar[1], bar[2], t) {
            row[0] = side as f64;
            row[1] = level;
            row[2] = index as f64;
            let (label, trend) = self.structure(side, level);
            row[3] = label;
            row[4] = trend;
            self.arm(side, level, index);
        } else {
            row[3] = 0.0;
            row[4] = self.trend as f64;
        }
        if let Some(g) = self.gap(bar, t) {
            row[5] = g.side as f64;
            row[6] = g.top;
            row[7] = g.bottom;
            row[8] = g.index as f64;
        }
        let filled = self.fill(bar, t);
        row[9] = filled.len() as f64;
        if let Some(m) = self.brk(bar) {
            row[if m.bos { 10 } else { 11 }] = m.side as f64;
            row[12] = m.level;
            row[13] = m.swing_index as f64;
        }
        self.n = t + 1;
        (row, filled)
    }

    fn structure(&mut self, side: i32, level: f64) -> (f64, f64) {
        let s = side_slot(side);
        let chain_side = self.chain.last().map_or(0, |c| c.0);
        if side != chain_side {
            self.previous[s] = self.pending[s];
        }
        self.pending[s] = level;
        let previous = self.previous[s];
        let label = if previous.is_nan() {
            0
        } else if side == 1 {
            if level > previous {
                2
            } else {
                1
            }
        } else if level < previous {
            -2
        } else {
            -1
        };
        self.label[s] = label;
        self.trend = match (self.label[0], self.label[1]) {
            (2, -1) => 1,
            (1, -2) => -1,
            _ => 0,
        };
        (label as f64, self.trend as f64)
    }

    fn arm(&mut self, side: i32, level: f64, index: i64) {
        match self.chain.last_mut() {
            Some(last) if last.0 == side => *last = (side, level, index),
            _ => {
                self.chain.push((side, level, index));
                self.chain_len += 1;
                if self.chain.len() > 3 {
                    self.chain.remove(0);
                }
            }
        }
        if self.chain.len() < 3 {
            return;
        }
        let (l3, l2, swing_bar, l1) = (
            self.chain[0].1,
            self.chain[1].1,
            self.chain[1].2,
            self.chain[2].1,
        );
        let up = side == -1;
        let bos = if up {
            l3 < l1 && l1 < l2
        } else {
            l3 > l1 && l1 > l2
        };
        let choch = if up {
            l1 < l3 && l3 < l2
        } else {
            l1 > l3 && l3 > l2
        };
        let mark = self.chain_len - 2;
        if mark <= self.dead {
            return; // a swing breaks once
        }
        if bos || choch {
            let m = Mark {
                side: if up { 1 } else { -1 },
                bos,
                level: l2,
                swing_index: swing_bar,
            };
            self.marks.insert(mark, m);
        } else {
            self.marks.remove(&mark);
        }
    }

    fn brk(&mut self, bar: &[f64; 5]) -> Option<Mark> {
        let (upper, lower) = if self.close_break {
            (bar[3], bar[3])
        } else {
            (bar[1], bar[2])
        };
        let hit = self
            .marks
            .iter()
            .rev()
            .find(|(_, m)| {
                if m.side == 1 {
                    upper > m.level
                } else {
                    lower < m.level
                }
            })
            .map(|(&k, &m)| (k, m));
        let (mark, m) = hit?;
        self.dead = mark;
        self.marks = self.marks.split_off(&(mark + 1)); // clears it and every older mark
        Some(m)
    }

    fn open_waiting(&mut self, t: i64) {
        let (open, down, up) = (&mut self.open, &mut self.fill_down, &mut self.fill_up);
        self.waiting.retain(|g| {
            if g.index + 2 <= t {
                open.insert(g.index, *g);
                if g.side == 1 {
                    down.push(Waiting(g.top, g.index));
                } else {
                    up.push(Waiting(-g.bottom, g.index));
                }
                false
            } else {
                true
            }
        });
    }

    fn gap(&mut self, bar: &[f64; 5], t: i64) -> Option<Gap> {
        self.open_waiting(t);
        if self.recent.len() == 3 {
            self.recent.pop_front();
        }
        self.recent.push_back([bar[0], bar[1], bar[2], bar[3]]);
        if self.recent.len() < 3 {
            self.run = None;
            return None;
        }
        let (before, middle) = (self.recent[0], self.recent[1]);
        let mut gap = if middle[3] > middle[0] && before[1] < bar[2] {
            Gap {
                side: 1,
                top: bar[2],
                bottom: before[1],
                index: t - 1,
            }
        } else if middle[3] < middle[0] && before[2] > bar[1] {
            Gap {
                side: -1,
                top: before[2],
                bottom: bar[1],
                index: t - 1,
            }
        } else {
            self.run = None;
            return None;
        };
        if self.join_consecutive {
            if let Some(run) = self.run {
                if run.side == gap.side && run.index == t - 2 {
                    gap.top = run.top.max(gap.top);
                    gap.bottom = run.bottom.min(gap.bottom);
                    self.open.remove(&run.index); // replaced: it is never filled
                    self.waiting.retain(|g| g.index != run.index);
                }
            }
            self.run = Some(gap);
        }
        self.waiting.push(gap);
        Some(gap)
    }

    fn fill(&mut self, bar: &[f64; 5], t: i64) -> Vec<Gap> {
        self.open_waiting(t);
        let mut filled = Vec::new();
        while let Some(&Waiting(top, index)) = self.fill_down.peek() {
            if top < bar[2] {
                break;
            }
            self.fill_down.pop();
            if let Some(g) = self.open.remove(&index) {
                filled.push(g);
            }
        }
        while let Some(&Waiting(neg_bottom, index)) = self.fill_up.peek() {
            if -neg_bottom > bar[1] {
                break;
            }
            self.fill_up.pop();
            if let Some(g) = self.open.remove(&index) {
                filled.push(g);
            }
        }
        filled
    }
}
