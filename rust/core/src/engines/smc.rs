//! `SmcState`: swings, market structure, fair value gaps, BOS/CHoCH and order blocks one
//! bar at a time, equal row for row to the causal structure kernels (the Python oracle
//! `python/barsmith/engines/smc.py` is checked against them; this against the oracle).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use super::swings::Swings;

/// Columns of a row, in the order of the oracle's `COLUMNS`.
pub const SMC_COLUMNS: usize = 25;
/// Where the order-block columns start.
const OB: usize = 14;

/// What an extra of a bar is: a gap it fills, a block it mitigates, a breaker it removes.
pub const FILLED_GAP: i32 = 0;
pub const MITIGATED_BLOCK: i32 = 1;
pub const REMOVED_BLOCK: i32 = 2;

/// An extra of a bar: what it is, and the gap or block (a block's top, bottom and bar).
pub type Change = (i32, Gap);

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
    blocks: Blocks,
}

fn side_slot(side: i32) -> usize {
    if side == 1 {
        0
    } else {
        1
    }
}

impl SmcState {
    pub fn new(
        swing_length: usize,
        join_consecutive: bool,
        close_break: bool,
        close_mitigation: bool,
    ) -> Self {
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
            blocks: Blocks::new(l, close_mitigation),
        }
    }

    /// Forget every bar.
    pub fn reset(&mut self) {
        *self = Self::new(
            self.swing_length,
            self.join_consecutive,
            self.close_break,
            self.blocks.close_mitigation,
        );
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

    /// The order blocks standing, by the bar forming them.
    pub fn standing_blocks(&self) -> Vec<Block> {
        self.blocks.standing.values().copied().collect()
    }

    /// One bar `[open, high, low, close, volume]` (checked by the caller): its row, and
    /// its extras in the oracle's order: the gaps it fills, the breakers it removes, the
    /// blocks it mitigates.
    pub fn update(&mut self, bar: &[f64; 5]) -> ([f64; SMC_COLUMNS], Vec<Change>) {
        let t = self.n;
        let mut row = [f64::NAN; SMC_COLUMNS];
        let swing = self.swings.push(bar[1], bar[2], t);
        if let Some((side, level, index)) = swing {
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
        let mut changes = self.fill(bar, t);
        row[9] = changes.len() as f64;
        if let Some(m) = self.brk(bar) {
            row[if m.bos { 10 } else { 11 }] = m.side as f64;
            row[12] = m.level;
            row[13] = m.swing_index as f64;
        }
        let part: &mut [f64; SMC_COLUMNS - OB] = (&mut row[OB..]).try_into().expect("11 columns");
        self.blocks.step(bar, t, swing, part, &mut changes);
        self.n = t + 1;
        (row, changes)
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

    fn fill(&mut self, bar: &[f64; 5], t: i64) -> Vec<Change> {
        self.open_waiting(t);
        let mut filled = Vec::new();
        while let Some(&Waiting(top, index)) = self.fill_down.peek() {
            if top < bar[2] {
                break;
            }
            self.fill_down.pop();
            if let Some(g) = self.open.remove(&index) {
                filled.push((FILLED_GAP, g));
            }
        }
        while let Some(&Waiting(neg_bottom, index)) = self.fill_up.peek() {
            if -neg_bottom > bar[1] {
                break;
            }
            self.fill_up.pop();
            if let Some(g) = self.open.remove(&index) {
                filled.push((FILLED_GAP, g));
            }
        }
        filled
    }
}

/// An order block standing: side 1 bullish / -1 bearish, top and bottom (its bar's high
/// and low), its bar, the swing whose break formed it, the bar forming it, and whether a
/// bar has passed it (a breaker).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Block {
    pub side: i32,
    pub top: f64,
    pub bottom: f64,
    pub index: i64,
    pub swing_index: i64,
    pub formed: i64,
    pub mitigated: bool,
}

/// The swing of a side reported last, until a close crosses it, and the most extreme bar
/// since it (its high and low).
#[derive(Clone, Copy, Debug)]
struct Armed {
    level: f64,
    swing_bar: i64,
    extreme_bar: i64,
    extreme: f64,
    high: f64,
    low: f64,
}

/// Order blocks (`order_blocks(mode="causal")`) one bar at a time; read beside `_Blocks`
/// in `python/barsmith/engines/smc.py`. Slots: 0 bullish (from swing highs), 1 bearish.
struct Blocks {
    swing_length: usize,
    close_mitigation: bool,
    recent: VecDeque<(i64, f64, f64)>, // (bar, low, high) of the swing_length bars before this one
    volumes: VecDeque<f64>,            // of the two bars before this one
    armed: [Option<Armed>; 2],
    standing: BTreeMap<i64, Block>, // by the bar forming it
    // bullish by bottom (mitigated when a low is below), bearish by -top
    unmitigated: [BinaryHeap<Waiting>; 2],
    // breakers: bullish by -top (removed when a high is above), bearish by bottom
    breakers: [BinaryHeap<Waiting>; 2],
}

impl Blocks {
    fn new(swing_length: usize, close_mitigation: bool) -> Self {
        Self {
            swing_length,
            close_mitigation,
            recent: VecDeque::with_capacity(swing_length + 1),
            volumes: VecDeque::with_capacity(3),
            armed: [None, None],
            standing: BTreeMap::new(),
            unmitigated: [BinaryHeap::new(), BinaryHeap::new()],
            breakers: [BinaryHeap::new(), BinaryHeap::new()],
        }
    }

    /// Bar `t` (and the swing it reports): the order-block part of its row, and its
    /// extras, the breakers it removes then the blocks it mitigates.
    fn step(
        &mut self,
        bar: &[f64; 5],
        t: i64,
        swing: Option<(i32, f64, i64)>,
        row: &mut [f64; SMC_COLUMNS - OB],
        changes: &mut Vec<Change>,
    ) {
        row[..7].fill(f64::NAN);
        row[7..].fill(0.0);
        let (low, high, close) = (bar[2], bar[1], bar[3]);
        self.remove(low, high, row, changes);
        self.mitigate(bar, row, changes);
        if let Some((side, level, swing_bar)) = swing {
            self.arm(side, level, swing_bar);
        }
        let crossed_down = self.cross(1, |level| close < level, bar, t, row);
        if !crossed_down {
            // a bar forming a bearish block: the swing high waits
            self.cross(0, |level| close > level, bar, t, row);
        }
        for (slot, armed) in self.armed.iter_mut().enumerate() {
            if let Some(a) = armed {
                let later = if slot == 0 {
                    low <= a.extreme
                } else {
                    high >= a.extreme
                };
                if later {
                    // the last of equals
                    a.extreme_bar = t;
                    a.extreme = if slot == 0 { low } else { high };
                    a.high = high;
                    a.low = low;
                }
            }
        }
        if self.recent.len() == self.swing_length {
            self.recent.pop_front();
        }
        self.recent.push_back((t, low, high));
        if self.volumes.len() == 2 {
            self.volumes.pop_front();
        }
        self.volumes.push_back(bar[4]);
    }

    /// A swing report arms its side with the most extreme bar strictly after the swing so
    /// far: the lowest low (highest high for a swing low), the last of equals.
    fn arm(&mut self, side: i32, level: f64, swing_bar: i64) {
        let up = side == 1;
        let mut a = Armed {
            level,
            swing_bar,
            extreme_bar: -1,
            extreme: if up { f64::INFINITY } else { f64::NEG_INFINITY },
            high: f64::NAN,
            low: f64::NAN,
        };
        for &(b, low, high) in &self.recent {
            let price = if up { low } else { high };
            if b > swing_bar
                && (if up {
                    price <= a.extreme
                } else {
                    price >= a.extreme
                })
            {
                a.extreme_bar = b;
                a.extreme = price;
                a.high = high;
                a.low = low;
            }
        }
        self.armed[side_slot(side)] = Some(a);
    }

    /// Whether bar `t`'s close crosses the armed swing of `slot`; if it does and a bar lies
    /// between them, that bar is a block formed on `t`.
    fn cross(
        &mut self,
        slot: usize,
        passes: impl Fn(f64) -> bool,
        bar: &[f64; 5],
        t: i64,
        row: &mut [f64; SMC_COLUMNS - OB],
    ) -> bool {
        let a = match self.armed[slot] {
            Some(a) if passes(a.level) => a,
            _ => return false,
        };
        self.armed[slot] = None; // a swing is crossed once
        if a.extreme_bar < 0 {
            return true; // no bar between: no block
        }
        let side = if slot == 0 { 1 } else { -1 };
        let newer = bar[4] + self.volumes.back().copied().unwrap_or(0.0);
        let older = if self.volumes.len() == 2 {
            self.volumes[0]
        } else {
            0.0
        };
        let most = newer.max(older);
        let percentage = if most != 0.0 {
            newer.min(older) / most * 100.0
        } else {
            100.0
        };
        row[..7].copy_from_slice(&[
            side as f64,
            a.high,
            a.low,
            a.extreme_bar as f64,
            a.swing_bar as f64,
            newer + older,
            percentage,
        ]);
        let block = Block {
            side,
            top: a.high,
            bottom: a.low,
            index: a.extreme_bar,
            swing_index: a.swing_bar,
            formed: t,
            mitigated: false,
        };
        self.standing.insert(t, block);
        let key = if slot == 0 { a.low } else { -a.high };
        self.unmitigated[slot].push(Waiting(key, t));
        true
    }

    /// Blocks formed before this bar whose far edge it passes (a bullish block's bottom by
    /// a low below it, or the body's low with `close_mitigation`): they become breakers.
    fn mitigate(
        &mut self,
        bar: &[f64; 5],
        row: &mut [f64; SMC_COLUMNS - OB],
        changes: &mut Vec<Change>,
    ) {
        let (low, high) = if self.close_mitigation {
            (bar[0].min(bar[3]), bar[0].max(bar[3]))
        } else {
            (bar[2], bar[1])
        };
        for slot in 0..2 {
            while let Some(&Waiting(key, formed)) = self.unmitigated[slot].peek() {
                let passed = if slot == 0 { key > low } else { -key < high };
                if !passed {
                    break;
                }
                self.unmitigated[slot].pop();
                let block = self
                    .standing
                    .get_mut(&formed)
                    .expect("a waiting block stands");
                block.mitigated = true;
                let key = if slot == 0 { -block.top } else { block.bottom };
                self.breakers[slot].push(Waiting(key, formed));
                row[7 + slot] += 1.0;
                changes.push((MITIGATED_BLOCK, gap_of(block)));
            }
        }
    }

    /// Breakers mitigated before this bar whose other edge it passes: a bullish one's top
    /// by a high above it, a bearish one's bottom by a low below it.
    fn remove(
        &mut self,
        low: f64,
        high: f64,
        row: &mut [f64; SMC_COLUMNS - OB],
        changes: &mut Vec<Change>,
    ) {
        for slot in 0..2 {
            while let Some(&Waiting(key, formed)) = self.breakers[slot].peek() {
                let passed = if slot == 0 { -key < high } else { key > low };
                if !passed {
                    break;
                }
                self.breakers[slot].pop();
                let block = self.standing.remove(&formed).expect("a breaker stands");
                row[9 + slot] += 1.0;
                changes.push((REMOVED_BLOCK, gap_of(&block)));
            }
        }
    }
}

/// A block as an extra's fields (side, top, bottom, bar).
fn gap_of(block: &Block) -> Gap {
    Gap {
        side: block.side,
        top: block.top,
        bottom: block.bottom,
        index: block.index,
    }
}
