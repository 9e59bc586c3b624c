//! MBP-10 events to time bars of book, trade, flow, wall and quality features.
//!
//! Read beside `python/barsmith/_pandas/book.py` (the oracle) and
//! `python/barsmith/_numba/book.py`. Every column is defined in
//! `docs/features.md`; the column order is `barsmith.book.feature_names`.
//!
//! The book is read only at snapshot records (`F_LAST` set, or no flags at
//! all). Per-snapshot quantities (OFI, net flow, time weights) are summed in
//! event order; end-of-bar quantities are computed once per bar from the last
//! snapshot in force. Sums of sizes are sums of integers (exact), and the
//! time-weighted sums add `value * dt` chronologically, as the oracle does.

use crate::bars::bin_start;
use crate::dbn_io::{Mbp10Columns, LEVELS};
use crate::prefetch;

pub const F_LAST: u8 = 128;
pub const F_MAYBE_BAD_BOOK: u8 = 4;

/// Validation findings, first row per check (or -1), in this order.
pub const BAD_TS: usize = 0;
pub const BAD_ACTION: usize = 1;
pub const BAD_SIDE: usize = 2;
pub const BAD_PRICE: usize = 3; // a populated level, or a trade, with a non-finite price
pub const BAD_ORDER: usize = 4; // populated levels not strictly sorted away from the touch
pub const N_CHECKS: usize = 5;

/// The event columns a kernel reads (Databento layout, sizes as u32).
pub struct Events<'a> {
    pub ts: &'a [i64],
    pub action: &'a [u8],
    pub side: &'a [u8],
    pub price: &'a [f64],
    pub size: &'a [u32],
    pub flags: &'a [u8],
    pub sequence: &'a [u32],
    pub bid_px: [&'a [f64]; LEVELS],
    pub ask_px: [&'a [f64]; LEVELS],
    pub bid_sz: [&'a [u32]; LEVELS],
    pub ask_sz: [&'a [u32]; LEVELS],
}

impl<'a> Events<'a> {
    /// The columns of a decoded file (or of `synth::mbp10`), keyed by `ts_event`.
    pub fn of_columns(c: &'a Mbp10Columns) -> Self {
        Events {
            ts: &c.ts_event,
            action: &c.action,
            side: &c.side,
            price: &c.price,
            size: &c.size,
            flags: &c.flags,
            sequence: &c.sequence,
            bid_px: std::array::from_fn(|k| c.bid_px[k].as_slice()),
            ask_px: std::array::from_fn(|k| c.ask_px[k].as_slice()),
            bid_sz: std::array::from_fn(|k| c.bid_sz[k].as_slice()),
            ask_sz: std::array::from_fn(|k| c.ask_sz[k].as_slice()),
        }
    }
}

pub struct Mbp10Bars {
    pub bad_rows: [i64; N_CHECKS],
    pub start: Vec<i64>,
    /// Row-major, `start.len()` rows of `n_features(n_bands)` columns.
    pub features: Vec<f64>,
}

/// Column offsets, in the order of `barsmith.book.feature_names`.
pub struct Layout {
    pub n_bands: usize,
}

pub const N_META: usize = 7; // msg, add, cancel, modify, clear, trade, fill
pub const N_TRADE: usize = 9; // vol, signed, aggbuy, aggsell, px first/max/min/last/vwap
pub const N_BOOK_EOB: usize = 7; // bid, ask, mid, spread, microprice, imb_l1, imb_l10
pub const N_BOOK_TIME: usize = 5; // spread twa, mid twa, spread max, mid max, mid min
pub const N_WALL: usize = 4; // bid z, bid dist, ask z, ask dist
pub const N_QUALITY: usize = 4; // crossed, locked, seq gaps, bad book

impl Layout {
    pub fn meta(&self) -> usize {
        0
    }
    pub fn trade(&self) -> usize {
        N_META
    }
    pub fn book_eob(&self) -> usize {
        self.trade() + N_TRADE
    }
    pub fn depth(&self) -> usize {
        self.book_eob() + N_BOOK_EOB
    }
    pub fn book_time(&self) -> usize {
        self.depth() + 2 * self.n_bands
    }
    pub fn flow_net(&self) -> usize {
        self.book_time() + N_BOOK_TIME
    }
    pub fn ofi(&self) -> usize {
        self.flow_net() + 2 * self.n_bands
    }
    pub fn wall(&self) -> usize {
        self.ofi() + LEVELS
    }
    pub fn quality(&self) -> usize {
        self.wall() + N_WALL
    }
    pub fn width(&self) -> usize {
        self.quality() + N_QUALITY
    }
}

pub fn n_features(n_bands: usize) -> usize {
    Layout { n_bands }.width()
}

/// The meta counter of each action code, looked up rather than matched (the
/// mix of actions is unpredictable): add, cancel, modify, clear, trade and
/// fill are counters 1-6 (0 is the message count); 'N' is only a message,
/// and anything else is not an action.
const ONLY_A_MESSAGE: usize = 0;
const NOT_AN_ACTION: usize = 7;
const ACTION_COUNTER: [u8; 256] = {
    let mut t = [NOT_AN_ACTION as u8; 256];
    t[b'A' as usize] = 1;
    t[b'C' as usize] = 2;
    t[b'M' as usize] = 3;
    t[b'R' as usize] = 4;
    t[b'T' as usize] = 5;
    t[b'F' as usize] = 6;
    t[b'N' as usize] = ONLY_A_MESSAGE as u8;
    t
};

#[inline]
fn is_snapshot(flags: u8) -> bool {
    flags & F_LAST != 0 || flags == 0
}

/// Index of the band holding distance `d` (points), or `None`: the number of
/// inner edges at or below `d`, counted branch-free (distances are
/// unpredictable, so a search would mispredict).
#[inline]
fn band_of(d: f64, edges: &[f64]) -> Option<usize> {
    let b = edges[1..].iter().map(|&e| (d >= e) as usize).sum::<usize>();
    if d >= edges[0] && b < edges.len() - 1 {
        Some(b)
    } else {
        None // also NaN
    }
}

/// Best bid and ask (NaN when the side's first level is empty).
#[inline]
fn touch(e: &Events, r: usize) -> (f64, f64) {
    let bid = if e.bid_sz[0][r] > 0 {
        e.bid_px[0][r]
    } else {
        f64::NAN
    };
    let ask = if e.ask_sz[0][r] > 0 {
        e.ask_px[0][r]
    } else {
        f64::NAN
    };
    (bid, ask)
}

#[inline]
fn mid_of(bid: f64, ask: f64) -> f64 {
    (bid + ask) * 0.5
}

/// One snapshot's ten levels gathered from the 40 level columns, so the
/// rarer, heavier steps (a ladder that moved, the end of a bar) read them
/// once: rows [`BID_PX`], [`BID_SZ`], [`ASK_PX`], [`ASK_SZ`].
type Gathered = [[f64; LEVELS]; 4];
const BID_PX: usize = 0;
const BID_SZ: usize = 1;
const ASK_PX: usize = 2;
const ASK_SZ: usize = 3;

#[inline]
#[allow(clippy::needless_range_loop)] // a transpose: `k` indexes eight arrays alike
fn gather(e: &Events, r: usize) -> Gathered {
    let mut g = [[0.0; LEVELS]; 4];
    for k in 0..LEVELS {
        g[BID_PX][k] = e.bid_px[k][r];
        g[BID_SZ][k] = e.bid_sz[k][r] as f64;
        g[ASK_PX][k] = e.ask_px[k][r];
        g[ASK_SZ][k] = e.ask_sz[k][r] as f64;
    }
    g
}

/// One side's level columns; `sign` turns its prices into "better is
/// larger" units (+1 for bids, -1 for asks), in which bids and asks read alike.
struct Side<'a> {
    px: &'a [&'a [f64]; LEVELS],
    sz: &'a [&'a [u32]; LEVELS],
    sign: f64,
}

const BID: usize = 0;
const ASK: usize = 1;

fn side<'a>(e: &'a Events, s: usize) -> Side<'a> {
    if s == BID {
        Side {
            px: &e.bid_px,
            sz: &e.bid_sz,
            sign: 1.0,
        }
    } else {
        Side {
            px: &e.ask_px,
            sz: &e.ask_sz,
            sign: -1.0,
        }
    }
}

impl Side<'_> {
    /// Level `k` at row `r` as (signed price, size); an empty level is at
    /// -inf with size 0, the convention the OFI uses.
    #[inline]
    fn level(&self, k: usize, r: usize) -> (f64, f64) {
        let q = self.sz[k][r] as f64;
        if q > 0.0 {
            (self.sign * self.px[k][r], q)
        } else {
            (f64::NEG_INFINITY, 0.0)
        }
    }
}

/// Bits of a row's ladder word, from [`LadderScan`]: which sizes differ from
/// the previous row's (bits 0-9 bid levels, 10-19 ask levels), which side is
/// not ten populated levels with finite prices sorted away from the touch,
/// and which side has a price that differs from the previous row's.
const SIZE_CHANGED: u64 = (1 << (2 * LEVELS)) - 1;
const SIDE_LEVELS: u64 = (1 << LEVELS) - 1; // one bit per level of one side
const NOT_FULL: [u64; 2] = [1 << 20, 1 << 21];
const MOVED: [u64; 2] = [1 << 22, 1 << 23];

/// Rows per block of the ladder scan: the block's book (~320 bytes a row)
/// stays in L1 for the row loop that follows. Measured on the generated day
/// (book_timing): 512 rows 100 ms, 256 97, 128 96.5, 64 94.7, 32 94.5.
const BLOCK: usize = 64;
/// How many rows ahead the scan asks for the columns: the next block, which
/// then arrives while the row loop runs (two blocks ahead measured slower).
const AHEAD: usize = BLOCK;

/// The ladder word of each row of a block.
struct LadderScan {
    word: [u64; BLOCK],
}

/// Finite, as a branch-free bit test LLVM vectorises.
#[inline(always)]
fn finite(x: f64) -> u64 {
    ((x.to_bits() & 0x7FFF_FFFF_FFFF_FFFF) < 0x7FF0_0000_0000_0000) as u64
}

/// Ors one side's bits into the words of the `N` rows from `at`, compared
/// with the `N` rows from `prev_at` (one earlier; the same rows for the very
/// first row, which has nothing before it). The level loop runs inside, with
/// the words and the nearer level's prices in registers: each column is read
/// once and each word written once. A strictly sorted chain with finite ends
/// is finite throughout (a NaN breaks the chain), so only the touch and the
/// tenth level are tested for finiteness.
#[inline(always)]
fn side_bits<const IS_ASK: bool, const N: usize>(
    sd: &Side,
    at: usize,
    prev_at: usize,
    w: &mut [u64; N],
) {
    let s = IS_ASK as usize;
    let mut nearer = [0.0f64; N];
    for k in 0..LEVELS {
        let px: &[f64; N] = sd.px[k][at..at + N].try_into().unwrap();
        let sz: &[u32; N] = sd.sz[k][at..at + N].try_into().unwrap();
        let prev_px: &[f64; N] = sd.px[k][prev_at..prev_at + N].try_into().unwrap();
        let prev_sz: &[u32; N] = sd.sz[k][prev_at..prev_at + N].try_into().unwrap();
        for l in 0..N {
            let further = if IS_ASK {
                px[l] > nearer[l]
            } else {
                px[l] < nearer[l]
            };
            let sorted_finite = match k {
                0 => finite(px[l]),
                k if k == LEVELS - 1 => further as u64 & finite(px[l]),
                _ => further as u64,
            };
            let full = sorted_finite & (sz[l] > 0) as u64;
            w[l] |= ((full ^ 1) * NOT_FULL[s])
                | (((px[l] != prev_px[l]) as u64) * MOVED[s])
                | (((sz[l] != prev_sz[l]) as u64) << (k + LEVELS * s));
        }
        nearer = *px;
    }
}

/// The words of the `N` rows from `at` (see [`side_bits`]).
#[inline(always)]
fn row_words<const N: usize>(sides: &[Side; 2], at: usize, prev_at: usize) -> [u64; N] {
    let mut w = [0u64; N];
    side_bits::<false, N>(&sides[BID], at, prev_at, &mut w);
    side_bits::<true, N>(&sides[ASK], at, prev_at, &mut w);
    w
}

/// Rows per chunk of the scan: one cache line of each f64 column.
const CHUNK: usize = 8;

impl LadderScan {
    fn new() -> Box<Self> {
        Box::new(Self { word: [0; BLOCK] })
    }

    /// The words of rows `lo..hi`. Called once a block and kept out of line, so
    /// that the row loop's registers stay its own.
    #[inline(never)]
    fn scan(&mut self, sides: &[Side; 2], lo: usize, hi: usize) {
        let word = &mut self.word;
        multiversion!(scan_rows(word: &mut [u64; BLOCK], sides: &[Side; 2], lo: usize, hi: usize) -> ())
    }
}

#[inline(always)]
fn scan_rows(word: &mut [u64; BLOCK], sides: &[Side; 2], lo: usize, hi: usize) {
    let word = &mut word[..hi - lo];
    let mut i = 0;
    if lo == 0 && hi > 0 {
        // nothing before the very first row: compared with itself, and marked moved
        word[0] = row_words::<1>(sides, 0, 0)[0] | MOVED[BID] | MOVED[ASK];
        i = 1;
    }
    while i + CHUNK <= word.len() {
        let at = lo + i;
        // The same lines of a block ahead: forty short column streams
        // are more than the hardware prefetcher follows.
        for sd in sides {
            for k in 0..LEVELS {
                prefetch(sd.px[k].as_ptr().wrapping_add(at + AHEAD));
                if i % (2 * CHUNK) < CHUNK {
                    prefetch(sd.sz[k].as_ptr().wrapping_add(at + AHEAD));
                }
            }
        }
        word[i..i + CHUNK].copy_from_slice(&row_words::<CHUNK>(sides, at, at - 1));
        i += CHUNK;
    }
    for (j, w) in word.iter_mut().enumerate().skip(i) {
        *w = row_words::<1>(sides, lo + j, lo + j - 1)[0];
    }
}

/// OFI and net flow of one side between snapshots `p` and `r` whose ladders
/// may differ: the side's part of `ofi[level]`, and its `net[band]`.
#[allow(clippy::too_many_arguments)]
fn side_pair(
    sd: &Side,
    p: usize,
    r: usize,
    prev_mid: f64,
    edges: &[f64],
    ofi: &mut [f64],
    net: &mut [f64],
) {
    let before: [(f64, f64); LEVELS] = std::array::from_fn(|k| sd.level(k, p));
    let after: [(f64, f64); LEVELS] = std::array::from_fn(|k| sd.level(k, r));
    // Cont-Kukanov-Stoikov, branch-free; the same value as adding each term
    // under its condition (a skipped term adds +0.0, and the terms are integers).
    let on = |c: bool| c as u8 as f64;
    for (k, o) in ofi.iter_mut().enumerate().take(LEVELS) {
        let ((u0, q0), (u1, q1)) = (before[k], after[k]);
        *o += sd.sign * (on(u1 >= u0) * q1 - on(u1 <= u0) * q0);
    }
    if !prev_mid.is_nan() {
        net_flow(sd, (p, &before), (r, &after), prev_mid, edges, net);
    }
}

/// Adds to `net[band]` the size change at each price of one side between
/// snapshots `p` and `r` (their levels as (signed price, size)), attributed
/// by |price - mid| (mid of `p`). Only prices inside both snapshots' visible
/// windows count, so a level that merely scrolls past the tenth is not a
/// change.
///
/// Summed over a band, the per-price changes are the band's size after minus
/// its size before (a price keeps its band), so no matching of prices is
/// needed; the sums are of integers, exact in any order. A level found with
/// the same price and size in the other snapshot, at most one level away,
/// adds +q and -q to the same band, so both are skipped: a ladder that moved
/// by one level leaves one or two levels to place in a band, not twenty.
/// (Prices are unique within a valid side, so no level is matched twice;
/// empty levels may be, and add nothing.)
#[inline]
fn net_flow(
    sd: &Side,
    (p, before): (usize, &[(f64, f64); LEVELS]),
    (r, after): (usize, &[(f64, f64); LEVELS]),
    mid: f64,
    edges: &[f64],
    net: &mut [f64],
) {
    // Window edge: the tenth level's signed price when it is populated, else unbounded.
    let bound = before[LEVELS - 1].0.max(after[LEVELS - 1].0);
    let same = |a: usize, b: usize| (after[a] == before[b]) as u32;
    let (mut left_after, mut left_before) = (SIDE_LEVELS as u32, SIDE_LEVELS as u32);
    for k in 0..LEVELS {
        let level = same(k, k);
        left_after &= !(level << k);
        left_before &= !(level << k);
        if k + 1 < LEVELS {
            let away = same(k + 1, k); // after's level k + 1 is before's k
            let toward = same(k, k + 1); // after's level k is before's k + 1
            left_after &= !((away << (k + 1)) | (toward << k));
            left_before &= !((away << k) | (toward << (k + 1)));
        }
    }
    for (mut left, levels, row, weight) in
        [(left_after, after, r, 1.0), (left_before, before, p, -1.0)]
    {
        while left != 0 {
            let k = left.trailing_zeros() as usize;
            left &= left - 1;
            let (u, q) = levels[k];
            if q > 0.0 && u >= bound {
                if let Some(b) = band_of((sd.px[k][row] - mid).abs(), edges) {
                    net[b] += weight * q;
                }
            }
        }
    }
}

/// Depth per band of one gathered side into `depth`; returns the wall: the
/// largest z-score of level size (population std over populated levels) and
/// that level's |price - mid|.
fn side_eob(g: &Gathered, px_row: usize, mid: f64, edges: &[f64], depth: &mut [f64]) -> (f64, f64) {
    let (px, sz) = (&g[px_row], &g[px_row + 1]);
    for d in depth.iter_mut() {
        *d = if mid.is_nan() { f64::NAN } else { 0.0 };
    }
    let mut n = 0.0;
    let mut total = 0.0;
    for k in 0..LEVELS {
        if sz[k] > 0.0 {
            n += 1.0;
            total += sz[k];
            if let Some(b) = band_of((px[k] - mid).abs(), edges) {
                depth[b] += sz[k];
            }
        }
    }
    if n < 2.0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = total / n;
    let mut ss = 0.0;
    for &q in sz.iter().filter(|&&q| q > 0.0) {
        let dev = q - mean;
        ss += dev * dev;
    }
    let std = (ss / n).sqrt();
    if std == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let (mut best_z, mut best_k) = (f64::NEG_INFINITY, 0);
    for (k, &size) in sz.iter().enumerate() {
        if size > 0.0 {
            let z = (size - mean) / std;
            if z > best_z {
                best_z = z;
                best_k = k;
            }
        }
    }
    (best_z, (px[best_k] - mid).abs())
}

/// The end-of-bar book columns from the gathered last snapshot (NaN without one).
fn write_eob(g: Option<&Gathered>, edges: &[f64], lay: &Layout, row: &mut [f64]) {
    let nb = lay.n_bands;
    let Some(g) = g else {
        row[lay.book_eob()..lay.book_eob() + N_BOOK_EOB].fill(f64::NAN);
        row[lay.depth()..lay.depth() + 2 * nb].fill(f64::NAN);
        row[lay.wall()..lay.wall() + N_WALL].fill(f64::NAN);
        return;
    };
    let (bq, aq) = (g[BID_SZ][0], g[ASK_SZ][0]);
    let bid = if bq > 0.0 { g[BID_PX][0] } else { f64::NAN };
    let ask = if aq > 0.0 { g[ASK_PX][0] } else { f64::NAN };
    let mid = mid_of(bid, ask);
    let o = lay.book_eob();
    row[o] = bid;
    row[o + 1] = ask;
    row[o + 2] = mid;
    row[o + 3] = ask - bid;
    row[o + 4] = if bq + aq > 0.0 {
        (bid * aq + ask * bq) / (bq + aq)
    } else {
        f64::NAN
    };
    row[o + 5] = if bq + aq > 0.0 {
        (bq - aq) / (bq + aq)
    } else {
        f64::NAN
    };
    let (mut bt, mut at) = (0.0, 0.0);
    for (b, a) in g[BID_SZ].iter().zip(&g[ASK_SZ]) {
        bt += b;
        at += a;
    }
    row[o + 6] = if bt + at > 0.0 {
        (bt - at) / (bt + at)
    } else {
        f64::NAN
    };
    let d = lay.depth();
    let (bz, bd) = side_eob(g, BID_PX, mid, edges, &mut row[d..d + nb]);
    let (az, ad) = side_eob(g, ASK_PX, mid, edges, &mut row[d + nb..d + 2 * nb]);
    let w = lay.wall();
    row[w] = bz;
    row[w + 1] = if mid.is_nan() { f64::NAN } else { bd };
    row[w + 2] = az;
    row[w + 3] = if mid.is_nan() { f64::NAN } else { ad };
}

/// Time-weighted sums and extremes of one book quantity over a bar.
#[derive(Clone, Copy)]
struct TimeStat {
    vdt: f64,
    dt: i64,
    max: f64,
    min: f64,
}

impl TimeStat {
    const EMPTY: TimeStat = TimeStat {
        vdt: 0.0,
        dt: 0,
        max: f64::NAN,
        min: f64::NAN,
    };

    #[inline]
    fn hold(&mut self, v: f64, dt: i64) {
        if !v.is_nan() {
            self.vdt += v * dt as f64;
            self.dt += dt;
        }
    }

    #[inline]
    fn see(&mut self, v: f64) {
        if !v.is_nan() {
            // NaN-ignoring extremes: the first defined value replaces NaN
            self.max = if self.max.is_nan() || v > self.max {
                v
            } else {
                self.max
            };
            self.min = if self.min.is_nan() || v < self.min {
                v
            } else {
                self.min
            };
        }
    }

    fn twa(&self) -> f64 {
        if self.dt > 0 {
            self.vdt / self.dt as f64
        } else {
            f64::NAN
        }
    }
}

#[inline]
fn check_snapshot_levels(e: &Events, r: usize, bad: &mut [i64; N_CHECKS]) {
    let mut bad_px = false;
    let mut bad_order = false;
    let (mut last_bid, mut last_ask) = (f64::INFINITY, f64::NEG_INFINITY);
    for k in 0..LEVELS {
        if e.bid_sz[k][r] > 0 {
            let p = e.bid_px[k][r];
            bad_px |= !p.is_finite();
            bad_order |= p >= last_bid;
            last_bid = p;
        }
        if e.ask_sz[k][r] > 0 {
            let p = e.ask_px[k][r];
            bad_px |= !p.is_finite();
            bad_order |= p <= last_ask;
            last_ask = p;
        }
    }
    if bad_px && bad[BAD_PRICE] < 0 {
        bad[BAD_PRICE] = r as i64;
    }
    if bad_order && bad[BAD_ORDER] < 0 {
        bad[BAD_ORDER] = r as i64;
    }
}

/// Bars of `interval_ns` from `origin_ns` over the events after the first
/// `warmup` rows (which only set the book and the previous sequence number:
/// the streaming builder passes the snapshot and record before its chunk).
/// Bars with no events are omitted.
pub fn mbp10_bars(
    e: &Events,
    edges: &[f64],
    interval_ns: i64,
    origin_ns: i64,
    warmup: usize,
) -> Mbp10Bars {
    // book_timing, median of 10 runs: portable 94.3 ms, this 91.3, with the ladder
    // scan (out of line, so built on its own) also multiversioned 85.5
    multiversion!(bars_of(e: &Events, edges: &[f64], interval_ns: i64, origin_ns: i64, warmup: usize) -> Mbp10Bars)
}

#[inline(always)]
fn bars_of(
    e: &Events,
    edges: &[f64],
    interval_ns: i64,
    origin_ns: i64,
    warmup: usize,
) -> Mbp10Bars {
    let n = e.ts.len();
    let nb = edges.len() - 1;
    let lay = Layout { n_bands: nb };
    let width = lay.width();
    let mut out = Mbp10Bars {
        bad_rows: [-1; N_CHECKS],
        start: Vec::new(),
        features: Vec::new(),
    };
    let mut row = vec![0.0; width];
    let mut spread = TimeStat::EMPTY;
    let mut mid = TimeStat::EMPTY;
    let (mut cur_mid, mut cur_spread) = (f64::NAN, f64::NAN);
    let mut since = 0i64; // when the book state in force began, within the open bar
    let mut snap: Option<usize> = None; // last snapshot record
    let mut bar_end = i64::MIN;
    let mut open = false;
    let mut notional = 0.0;
    let mut actions = [0u32; NOT_AN_ACTION + 1]; // events of the open bar by meta counter

    let sides = [side(e, BID), side(e, ASK)];
    let mut ladder = LadderScan::new();
    // The last snapshot's NOT_FULL bits, and the ladder words of the rows since, or-ed.
    let (mut snap_not_full, mut run) = (NOT_FULL[BID] | NOT_FULL[ASK], 0u64);
    for r in 0..n {
        let t = e.ts[r];
        let a = e.action[r];
        if r > 0 && t < e.ts[r - 1] && out.bad_rows[BAD_TS] < 0 {
            out.bad_rows[BAD_TS] = r as i64;
        }
        let counter = ACTION_COUNTER[a as usize] as usize;
        if counter == NOT_AN_ACTION && out.bad_rows[BAD_ACTION] < 0 {
            out.bad_rows[BAD_ACTION] = r as i64;
        }
        let s = e.side[r];
        if !(s == b'B' || s == b'A' || s == b'N') && out.bad_rows[BAD_SIDE] < 0 {
            out.bad_rows[BAD_SIDE] = r as i64;
        }
        if r % BLOCK == 0 {
            ladder.scan(&sides, r, (r + BLOCK).min(n));
        }
        let i = r % BLOCK;
        let word = ladder.word[i];
        run |= word;
        let last = is_snapshot(e.flags[r]);
        if last && word & (NOT_FULL[BID] | NOT_FULL[ASK]) != 0 {
            check_snapshot_levels(e, r, &mut out.bad_rows);
        }
        if r < warmup {
            if last {
                snap = Some(r);
                (snap_not_full, run) = (word & (NOT_FULL[BID] | NOT_FULL[ASK]), 0);
                let (bid, ask) = touch(e, r);
                cur_mid = mid_of(bid, ask);
                cur_spread = ask - bid;
            }
            continue;
        }
        if t >= bar_end {
            if open {
                spread.hold(cur_spread, bar_end - since);
                mid.hold(cur_mid, bar_end - since);
                emit(
                    &mut out, &mut row, e, snap, edges, &lay, &spread, &mid, notional, &actions,
                );
            }
            let start = bin_start(t, interval_ns, origin_ns);
            out.start.push(start);
            bar_end = start + interval_ns;
            open = true;
            row.fill(0.0);
            let o = lay.trade();
            row[o + 4] = f64::NAN; // first
            row[o + 5] = f64::NEG_INFINITY; // max
            row[o + 6] = f64::INFINITY; // min
            row[o + 7] = f64::NAN; // last
            notional = 0.0;
            actions = [0; NOT_AN_ACTION + 1];
            spread = TimeStat::EMPTY;
            mid = TimeStat::EMPTY;
            spread.see(cur_spread);
            mid.see(cur_mid);
            since = start;
        }
        actions[counter] += 1;
        // trades
        if a == b'T' {
            let p = e.price[r];
            if !p.is_finite() && out.bad_rows[BAD_PRICE] < 0 {
                out.bad_rows[BAD_PRICE] = r as i64;
            }
            let q = e.size[r] as f64;
            let o = lay.trade();
            row[o] += q;
            if s == b'B' {
                row[o + 1] += q;
                row[o + 2] += q;
            } else if s == b'A' {
                row[o + 1] -= q;
                row[o + 3] += q;
            }
            if row[o + 4].is_nan() {
                row[o + 4] = p;
            }
            if p > row[o + 5] {
                row[o + 5] = p;
            }
            if p < row[o + 6] {
                row[o + 6] = p;
            }
            row[o + 7] = p;
            notional += p * q;
        }
        // quality: sequence gaps and flagged records
        let qo = lay.quality();
        if r > 0 {
            let (prev, seq) = (e.sequence[r - 1], e.sequence[r]);
            if seq != prev && seq != prev.wrapping_add(1) {
                row[qo + 2] += 1.0;
            }
        }
        if e.flags[r] & F_MAYBE_BAD_BOOK != 0 {
            row[qo + 3] += 1.0;
        }
        if !last {
            continue;
        }
        // a new book snapshot
        let (bid, ask) = touch(e, r);
        if bid > ask {
            row[qo] += 1.0;
        } else if bid == ask {
            row[qo + 1] += 1.0;
        }
        spread.hold(cur_spread, t - since);
        mid.hold(cur_mid, t - since);
        since = t;
        let prev_mid = cur_mid; // the mid of the previous snapshot
        cur_mid = mid_of(bid, ask);
        cur_spread = ask - bid;
        spread.see(cur_spread);
        mid.see(cur_mid);
        if let Some(p) = snap {
            let (of, fo) = (lay.ofi(), lay.flow_net());
            // The usual event: sizes change at fixed prices, at one or two
            // levels of either side, read off the changed-size bits in one
            // loop (its trip count is mostly one, which predicts well).
            // Skipping the unchanged levels skips additions of +0.0 (the sums
            // are of integers: the same as side_pair's).
            let mut changed = run & SIZE_CHANGED;
            for (s, sd) in sides.iter().enumerate() {
                if (snap_not_full | run) & (NOT_FULL[s] | MOVED[s]) != 0 {
                    changed &= !(SIDE_LEVELS << (LEVELS * s));
                    let (flow, ofi) = row.split_at_mut(of); // flows come before the OFI columns
                    let net = fo + s * nb;
                    side_pair(
                        sd,
                        p,
                        r,
                        prev_mid,
                        edges,
                        &mut ofi[..LEVELS],
                        &mut flow[net..net + nb],
                    );
                }
            }
            while changed != 0 {
                let j = changed.trailing_zeros() as usize;
                changed &= changed - 1;
                let s = (j >= LEVELS) as usize;
                let (sd, k) = (&sides[s], j - LEVELS * s);
                let d = sd.sz[k][r] as f64 - sd.sz[k][p] as f64;
                row[of + k] += sd.sign * d;
                if let Some(b) = band_of((sd.px[k][r] - prev_mid).abs(), edges) {
                    row[fo + s * nb + b] += d;
                }
            }
        }
        snap = Some(r);
        (snap_not_full, run) = (word & (NOT_FULL[BID] | NOT_FULL[ASK]), 0);
    }
    if open {
        spread.hold(cur_spread, bar_end - since);
        mid.hold(cur_mid, bar_end - since);
        emit(
            &mut out, &mut row, e, snap, edges, &lay, &spread, &mid, notional, &actions,
        );
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn emit(
    out: &mut Mbp10Bars,
    row: &mut [f64],
    e: &Events,
    snap: Option<usize>,
    edges: &[f64],
    lay: &Layout,
    spread: &TimeStat,
    mid: &TimeStat,
    notional: f64,
    actions: &[u32; NOT_AN_ACTION + 1],
) {
    let m = lay.meta();
    row[m] = actions.iter().sum::<u32>() as f64; // every message
    for c in 1..N_META {
        row[m + c] = actions[c] as f64;
    }
    let o = lay.trade();
    if row[o + 4].is_nan() {
        row[o + 5] = f64::NAN; // no trade: no high or low
        row[o + 6] = f64::NAN;
    }
    row[o + 8] = if row[o] > 0.0 {
        notional / row[o]
    } else {
        f64::NAN
    };
    write_eob(snap.map(|r| gather(e, r)).as_ref(), edges, lay, row);
    let b = lay.book_time();
    row[b] = spread.twa();
    row[b + 1] = mid.twa();
    row[b + 2] = spread.max;
    row[b + 3] = mid.max;
    row[b + 4] = mid.min;
    out.features.extend_from_slice(row);
}
