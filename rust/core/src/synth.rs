//! A seeded, internally consistent MBP-10 stream (`barsmith.synth.mbp10`).
//!
//! A book of ~20 levels per side on a tick grid is evolved by adds, cancels,
//! modifies and trades; every record carries the top ten levels after it.
//! Trades print one `T` record per level they take (sweeps take several),
//! sometimes a `F` fill, then `C` records that remove the traded size. Levels
//! move when one empties or a new best is added. Arrivals cluster (a bursty
//! two-state process). A few crossed or locked books, sequence gaps and
//! `F_MAYBE_BAD_BOOK` records are injected. Sequential by nature, so it is
//! written once, here, for every backend.

use crate::dbn_io::{Mbp10Columns, LEVELS};

const F_LAST: u8 = 128;
const F_SNAPSHOT: u8 = 32;
const F_MAYBE_BAD_BOOK: u8 = 4;
const DEPTH: usize = 20; // levels kept per side; the top LEVELS are published
const NS_PER_DAY: i64 = 86_400_000_000_000;

/// splitmix64-seeded xoshiro256**: small, fast and the same on every platform.
pub struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() <= p
    }

    pub fn exponential(&mut self) -> f64 {
        -self.uniform().ln()
    }

    /// 0, 1, 2, ... with P(k) = p (1-p)^k.
    pub fn geometric(&mut self, p: f64) -> usize {
        (self.uniform().ln() / (1.0 - p).ln()) as usize
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }
}

#[derive(Clone, Copy, Debug)]
struct Level {
    ticks: i64,
    size: u32,
    count: u32,
}

/// Parameters of the generated day.
#[derive(Clone, Debug)]
pub struct Mbp10Spec {
    pub n_events: usize,
    pub seed: u64,
    pub day_ns: i64,
    pub tick: f64,
    pub start_price: f64,
    pub instrument_id: u32,
    /// Probability per event of a crossed or locked book, a sequence gap,
    /// and a record flagged `F_MAYBE_BAD_BOOK`.
    pub p_crossed: f64,
    pub p_seq_gap: f64,
    pub p_bad_book: f64,
}

impl Default for Mbp10Spec {
    fn default() -> Self {
        Self {
            n_events: 1_900_000,
            seed: 0,
            day_ns: 19_787 * NS_PER_DAY, // 2024-03-05
            tick: 0.25,
            start_price: 5_100.0,
            instrument_id: 5602,
            p_crossed: 2e-5,
            p_seq_gap: 5e-6,
            p_bad_book: 5e-6,
        }
    }
}

struct Generator {
    rng: Rng,
    spec: Mbp10Spec,
    bids: Vec<Level>, // best first (highest)
    asks: Vec<Level>, // best first (lowest)
    out: Mbp10Columns,
    sequence: u32,
    bad_book_next: bool,
    uncross_in: usize, // events until an injected crossing level is cancelled
}

/// Side codes as Databento writes them.
const BID: u8 = b'B';
const ASK: u8 = b'A';

impl Generator {
    fn side(&mut self, side: u8) -> &mut Vec<Level> {
        if side == BID {
            &mut self.bids
        } else {
            &mut self.asks
        }
    }

    /// Ticks one step away from the touch on `side` (down for bids).
    fn outward(side: u8) -> i64 {
        if side == BID {
            -1
        } else {
            1
        }
    }

    fn order_size(&mut self) -> u32 {
        1 + self.rng.geometric(0.3) as u32
    }

    fn deeper_level(&mut self, side: u8) -> Level {
        let last = *self.side(side).last().unwrap();
        let gap = 1 + self.rng.geometric(0.8) as i64;
        let size = 5 + self.rng.geometric(0.05) as u32;
        Level {
            ticks: last.ticks + gap * Self::outward(side),
            size,
            count: 1 + size / 6,
        }
    }

    fn refill(&mut self, side: u8) {
        while self.side(side).len() < DEPTH {
            let level = self.deeper_level(side);
            self.side(side).push(level);
        }
    }

    #[allow(clippy::too_many_arguments)] // one per field of the record written
    fn record(
        &mut self,
        ts: i64,
        ts_recv: i64,
        action: u8,
        side: u8,
        depth: usize,
        ticks: i64,
        size: u32,
        flags: u8,
    ) {
        let tick = self.spec.tick;
        let c = &mut self.out;
        c.ts_recv.push(ts_recv);
        c.ts_event.push(ts);
        c.rtype.push(dbn::rtype::MBP_10);
        c.publisher_id.push(1);
        c.instrument_id.push(self.spec.instrument_id);
        c.action.push(action);
        c.side.push(side);
        c.depth.push(depth as u8);
        c.price.push(if ticks == i64::MIN {
            f64::NAN
        } else {
            ticks as f64 * tick
        });
        c.size.push(size);
        c.flags.push(flags);
        c.ts_in_delta.push((ts_recv - ts) as i32);
        c.sequence.push(self.sequence);
        for k in 0..LEVELS {
            let (b, a) = (self.bids.get(k), self.asks.get(k));
            c.bid_px[k].push(b.map_or(f64::NAN, |l| l.ticks as f64 * tick));
            c.ask_px[k].push(a.map_or(f64::NAN, |l| l.ticks as f64 * tick));
            c.bid_sz[k].push(b.map_or(0, |l| l.size));
            c.ask_sz[k].push(a.map_or(0, |l| l.size));
            c.bid_ct[k].push(b.map_or(0, |l| l.count));
            c.ask_ct[k].push(a.map_or(0, |l| l.count));
        }
    }

    fn event_flags(&mut self, last: bool) -> u8 {
        let mut flags = if last { F_LAST } else { 0 };
        if self.bad_book_next {
            flags |= F_MAYBE_BAD_BOOK;
            if last {
                self.bad_book_next = false;
            }
        }
        flags
    }

    fn spread_ticks(&self) -> i64 {
        self.asks[0].ticks - self.bids[0].ticks
    }

    fn add(&mut self, ts: i64, recv: i64) {
        let side = if self.rng.chance(0.5) { BID } else { ASK };
        let q = self.order_size();
        let improve = self.spread_ticks() >= 2 && self.rng.chance(0.35);
        let (depth, ticks) = if improve {
            let best = self.side(side)[0].ticks;
            let ticks = best - Self::outward(side);
            self.side(side).insert(
                0,
                Level {
                    ticks,
                    size: q,
                    count: 1,
                },
            );
            self.side(side).truncate(DEPTH);
            (0, ticks)
        } else {
            let d = self.rng.geometric(0.3).min(LEVELS - 1);
            let level = &mut self.side(side)[d];
            level.size += q;
            level.count += 1;
            (d, level.ticks)
        };
        let flags = self.event_flags(true);
        self.record(ts, recv, b'A', side, depth, ticks, q, flags);
    }

    /// Takes `q` from level `d` of `side`; an emptied level leaves the book
    /// and a deeper one becomes visible. Returns the level's price.
    fn remove(&mut self, side: u8, d: usize, q: u32) -> i64 {
        let level = &mut self.side(side)[d];
        let ticks = level.ticks;
        level.size -= q.min(level.size);
        level.count = level.count.saturating_sub(1).max((level.size > 0) as u32);
        if level.size == 0 {
            self.side(side).remove(d);
            self.refill(side);
        }
        ticks
    }

    fn cancel(&mut self, ts: i64, recv: i64) {
        let side = if self.rng.chance(0.5) { BID } else { ASK };
        let d = self.rng.geometric(0.3).min(LEVELS - 1);
        let q = self.order_size().min(self.side(side)[d].size);
        let ticks = self.remove(side, d, q);
        let flags = self.event_flags(true);
        self.record(ts, recv, b'C', side, d, ticks, q, flags);
    }

    fn modify(&mut self, ts: i64, recv: i64) {
        let side = if self.rng.chance(0.5) { BID } else { ASK };
        let d = self.rng.geometric(0.3).min(LEVELS - 1);
        let grow = self.rng.chance(0.5);
        let level = &mut self.side(side)[d];
        if grow || level.size <= 1 {
            level.size += 1;
        } else {
            level.size -= 1;
        }
        let (ticks, size) = (level.ticks, level.size);
        let flags = self.event_flags(true);
        self.record(ts, recv, b'M', side, d, ticks, size, flags);
    }

    /// An aggressor takes size at the touch; a sweep takes several levels.
    fn trade(&mut self, ts: i64, recv: i64) {
        let aggressor = if self.rng.chance(0.5) { BID } else { ASK };
        let resting = if aggressor == BID { ASK } else { BID };
        let sweep = self.rng.chance(0.01);
        let mut wanted = if sweep {
            let k = 2 + self.rng.below(3);
            self.side(resting)[..k].iter().map(|l| l.size).sum::<u32>()
        } else {
            self.order_size().min(self.side(resting)[0].size)
        };
        // One T per level taken, printed before the book changes.
        let mut takes = Vec::new();
        let mut d = 0;
        while wanted > 0 {
            let level = self.side(resting)[d];
            let q = wanted.min(level.size);
            takes.push((level.ticks, q));
            wanted -= q;
            d += 1;
        }
        let fill = self.rng.chance(0.3);
        for &(ticks, q) in &takes {
            let flags = self.event_flags(false);
            self.record(ts, recv, b'T', aggressor, 0, ticks, q, flags);
        }
        if fill {
            let (ticks, q) = takes[0];
            let flags = self.event_flags(false);
            self.record(ts, recv, b'F', resting, 0, ticks, q, flags);
        }
        let n = takes.len();
        for (i, &(_, q)) in takes.iter().enumerate() {
            let ticks = self.remove(resting, 0, q);
            let flags = self.event_flags(i + 1 == n);
            self.record(ts, recv, b'C', resting, 0, ticks, q, flags);
        }
    }

    /// A bid at (locked) or above (crossed) the best ask, cancelled a few events later.
    fn cross(&mut self, ts: i64, recv: i64) {
        let ticks = self.asks[0].ticks + self.rng.below(2) as i64;
        let q = self.order_size();
        self.bids.insert(
            0,
            Level {
                ticks,
                size: q,
                count: 1,
            },
        );
        self.bids.truncate(DEPTH);
        self.uncross_in = 1 + self.rng.below(3);
        let flags = self.event_flags(true);
        self.record(ts, recv, b'A', BID, 0, ticks, q, flags);
    }

    fn uncross(&mut self, ts: i64, recv: i64) {
        let level = self.bids[0];
        self.remove(BID, 0, level.size);
        let flags = self.event_flags(true);
        self.record(ts, recv, b'C', BID, 0, level.ticks, level.size, flags);
    }

    fn snapshot(&mut self, ts: i64) {
        let flags = F_SNAPSHOT | F_LAST;
        self.record(ts, ts, b'R', b'N', 0, i64::MIN, 0, flags);
        for k in 0..LEVELS {
            for side in [BID, ASK] {
                let level = self.side(side)[k];
                let last = k + 1 == LEVELS && side == ASK;
                let flags = F_SNAPSHOT | if last { F_LAST } else { 0 };
                self.record(ts, ts, b'A', side, k, level.ticks, level.size, flags);
            }
        }
    }
}

/// Event times over one trading day (23 hours from midnight UTC), clustered:
/// a two-state process whose burst state arrives 30x faster.
fn event_times(rng: &mut Rng, n: usize, day_ns: i64) -> Vec<i64> {
    let mut gaps = Vec::with_capacity(n);
    let mut burst = false;
    for _ in 0..n {
        burst = if burst {
            !rng.chance(0.08)
        } else {
            rng.chance(0.01)
        };
        gaps.push(rng.exponential() * if burst { 1.0 / 30.0 } else { 1.0 });
    }
    let total: f64 = gaps.iter().sum();
    let span = 23.0 * 3600e9;
    let mut t = 0.0;
    gaps.iter()
        .map(|g| {
            t += g;
            day_ns + (t / total * span) as i64
        })
        .collect()
}

/// Generates `spec.n_events` records (a few more: an event may print several).
pub fn mbp10(spec: &Mbp10Spec) -> Mbp10Columns {
    let mut rng = Rng::new(spec.seed);
    let times = event_times(&mut rng, spec.n_events, spec.day_ns);
    let mid = (spec.start_price / spec.tick).round() as i64;
    let mut g = Generator {
        rng,
        spec: spec.clone(),
        bids: Vec::with_capacity(DEPTH + 1),
        asks: Vec::with_capacity(DEPTH + 1),
        out: Mbp10Columns::with_capacity(spec.n_events + spec.n_events / 8),
        sequence: 1,
        bad_book_next: false,
        uncross_in: 0,
    };
    g.bids.push(Level {
        ticks: mid - 1,
        size: 20,
        count: 4,
    });
    g.asks.push(Level {
        ticks: mid,
        size: 20,
        count: 4,
    });
    g.refill(BID);
    g.refill(ASK);
    let first = times.first().copied().unwrap_or(spec.day_ns);
    g.snapshot(first);
    let mut recv_latency = 20_000i64;
    for &ts in &times {
        if g.out.len() >= spec.n_events {
            break;
        }
        recv_latency = (recv_latency + g.rng.below(2001) as i64 - 1000).clamp(5_000, 80_000);
        let recv = (ts + recv_latency).max(*g.out.ts_recv.last().unwrap());
        g.sequence += 1;
        if g.rng.chance(g.spec.p_seq_gap) {
            g.sequence += 1 + g.rng.below(5) as u32;
        }
        if g.rng.chance(g.spec.p_bad_book) {
            g.bad_book_next = true;
        }
        if g.uncross_in > 0 {
            g.uncross_in -= 1;
            if g.uncross_in == 0 {
                g.uncross(ts, recv);
            } else {
                g.modify(ts, recv); // away from the touch is fine: modify any level
            }
            continue;
        }
        let u = g.rng.uniform();
        if g.rng.chance(g.spec.p_crossed) {
            g.cross(ts, recv);
        } else if u < 0.42 {
            g.add(ts, recv);
        } else if u < 0.80 {
            g.cancel(ts, recv);
        } else if u < 0.88 {
            g.modify(ts, recv);
        } else {
            g.trade(ts, recv);
        }
    }
    g.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_stays_sorted_and_every_published_level_is_populated() {
        let c = mbp10(&Mbp10Spec {
            n_events: 50_000,
            seed: 3,
            ..Default::default()
        });
        assert!(c.len() >= 50_000);
        assert!(c.ts_event.windows(2).all(|w| w[0] <= w[1]));
        assert!(c.ts_recv.windows(2).all(|w| w[0] <= w[1]));
        let mut crossed = 0;
        for i in 0..c.len() {
            for k in 1..LEVELS {
                assert!(
                    c.bid_px[k][i] < c.bid_px[k - 1][i],
                    "record {i} bid level {k}"
                );
                assert!(
                    c.ask_px[k][i] > c.ask_px[k - 1][i],
                    "record {i} ask level {k}"
                );
                assert!(c.bid_sz[k][i] > 0 && c.ask_sz[k][i] > 0);
            }
            crossed += (c.bid_px[0][i] >= c.ask_px[0][i]) as usize;
        }
        assert!(crossed > 0, "some crossed or locked books are injected");
        for action in [b'A', b'C', b'M', b'T', b'F', b'R'] {
            assert!(c.action.contains(&action), "action {}", action as char);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let spec = Mbp10Spec {
            n_events: 10_000,
            seed: 9,
            ..Default::default()
        };
        // compared as text: the clear record has a NaN price, and NaN != NaN
        assert_eq!(format!("{:?}", mbp10(&spec)), format!("{:?}", mbp10(&spec)));
    }
}
