//! Order blocks, batch and causal.

use super::*;

/// Python's `min(a, b)` (`b` only when `b < a`) and `max(a, b)` (`b` only when `b > a`), NaN included.
fn py_min<T: PartialOrd>(a: T, b: T) -> T {
    if b < a {
        b
    } else {
        a
    }
}

fn py_max<T: PartialOrd>(a: T, b: T) -> T {
    if b > a {
        b
    } else {
        a
    }
}

/// The segment trees order blocks search. Every test is "a value below a bound": a high
/// above a top is a negated high below -top. With `bodies` (the body's low and high of an
/// open and a close) the block edges are mitigated by the bodies, else by the lows and highs.
struct EdgeTrees {
    lows: MinTree,
    neg_highs: MinTree,
    bodies: Option<(MinTree, MinTree)>,
}

type BodyEdges = (fn(f64, f64) -> f64, fn(f64, f64) -> f64);

impl EdgeTrees {
    fn new(
        open: &[f64],
        high: &[f64],
        low: &[f64],
        close: &[f64],
        bodies: Option<BodyEdges>,
    ) -> Self {
        let len = high.len();
        EdgeTrees {
            lows: MinTree::new(low.iter().copied()),
            neg_highs: MinTree::new(high.iter().map(|&h| -h)),
            bodies: bodies.map(|(body_low, body_high)| {
                (
                    MinTree::new((0..len).map(|i| body_low(open[i], close[i]))),
                    MinTree::new((0..len).map(|i| -body_high(open[i], close[i]))),
                )
            }),
        }
    }

    /// The trees a bullish block's bottom and a bearish block's top are mitigated in.
    fn mitigation(&self) -> (&MinTree, &MinTree) {
        self.bodies
            .as_ref()
            .map_or((&self.lows, &self.neg_highs), |(low, neg_high)| {
                (low, neg_high)
            })
    }
}

/// The order blocks' shared state, one entry per bar, as smartmoneyconcepts keeps it (float32
/// prices and volumes); the bullish pass runs over the whole data before the bearish one and
/// both write here, so a bearish block can replace a bullish one and inherit its breaker flag.
struct Blocks {
    kind: Vec<i8>,
    top: Vec<f32>,
    bottom: Vec<f32>,
    volume: Vec<f32>,
    percentage: Vec<f32>,
    mitigated: Vec<usize>,
    breaker: Vec<bool>,
}

/// Order blocks, as smartmoneyconcepts' `ob(ohlc, swing_highs_lows, close_mitigation)`:
/// `(ob, top, bottom, ob_volume, mitigated_index, percentage)`.
///
/// Bullish (bearish is the mirror): the first close above the last swing high before it
/// (each swing once, until the next swing high) makes the bar with the lowest low since the
/// swing (the last of equals; the bar before the close when none lies between, or when a
/// low there is NaN, with its high and low swapped) a block from its low to its high, with
/// `ob_volume` the volume of the closing bar and the two before it, and `percentage` =
/// `100 * min(a, b) / max(a, b)` of the two newer bars' volume and the oldest one's (100
/// when both are 0), in float32. A later bar whose low (`min(open, close)` with
/// `close_mitigation`) is below the bottom turns the block into a breaker with
/// `mitigated_index` the bar before it (bearish: that bar); a breaker whose top a high
/// passes is removed. smartmoneyconcepts checks every open block on every bar (quadratic);
/// here each block waits in a bucket for the one bar that changes it, found in a segment
/// tree: O(n log n).
#[allow(clippy::too_many_arguments)]
pub fn order_blocks(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_kind: &[f64],
    close_mitigation: bool,
    out: &mut [f64],
) {
    let len = high.len();
    let mut blocks = Blocks {
        kind: vec![0; len],
        top: vec![0.0; len],
        bottom: vec![0.0; len],
        volume: vec![0.0; len],
        percentage: vec![0.0; len],
        mitigated: vec![0; len],
        breaker: vec![false; len],
    };
    let trees = EdgeTrees::new(
        open,
        high,
        low,
        close,
        close_mitigation.then_some((py_min, py_max)),
    );
    let (bull_mitigation, bear_mitigation) = trees.mitigation();
    block_pass(
        1,
        high,
        low,
        close,
        volume,
        swing_kind,
        bull_mitigation,
        &trees.neg_highs,
        &mut blocks,
    );
    block_pass(
        -1,
        high,
        low,
        close,
        volume,
        swing_kind,
        bear_mitigation,
        &trees.lows,
        &mut blocks,
    );
    let (o_kind, rest) = out.split_at_mut(len);
    let (o_top, rest) = rest.split_at_mut(len);
    let (o_bottom, rest) = rest.split_at_mut(len);
    let (o_volume, rest) = rest.split_at_mut(len);
    let (o_mitigated, o_percentage) = rest.split_at_mut(len);
    for i in 0..len {
        let set = blocks.kind[i] != 0;
        let or_nan = |v: f64| if set { v } else { f64::NAN };
        (o_kind[i], o_top[i], o_bottom[i]) = (
            or_nan(blocks.kind[i] as f64),
            or_nan(blocks.top[i] as f64),
            or_nan(blocks.bottom[i] as f64),
        );
        (o_volume[i], o_mitigated[i], o_percentage[i]) = (
            or_nan(blocks.volume[i] as f64),
            or_nan(blocks.mitigated[i] as f64),
            or_nan(blocks.percentage[i] as f64),
        );
    }
}

/// One side's pass of [`order_blocks`] (`side` 1 bullish, -1 bearish). `mitigation` holds
/// the values a block's edge is tested against (as "below a bound"), `reset` those a
/// breaker's far edge is. smartmoneyconcepts keeps a list of open blocks where a block can
/// be listed more than once (two swings can pick one bar); each listing is checked in turn,
/// so after one turns a block into a breaker the next checks it for removal on the same
/// bar. `listed[b]` counts them; `version[b]` drops a bucket entry made stale by a new
/// block at the same bar.
#[allow(clippy::too_many_arguments)]
fn block_pass(
    side: i8,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_kind: &[f64],
    mitigation: &MinTree,
    reset: &MinTree,
    blocks: &mut Blocks,
) {
    let len = high.len();
    let bull = side == 1;
    // the test that changes block b next: (values, bound), "values[bar] < bound"
    let test = |b: usize, blocks: &Blocks| -> (&MinTree, f64) {
        let (top, bottom) = (blocks.top[b] as f64, blocks.bottom[b] as f64);
        match (bull, blocks.breaker[b]) {
            (true, false) => (mitigation, bottom),
            (true, true) => (reset, -top),
            (false, false) => (mitigation, -top),
            (false, true) => (reset, bottom),
        }
    };
    let (mut listed, mut version) = (vec![0u32; len], vec![0u32; len]);
    // per bar, a linked list of (block, version, next entry) waiting for that bar
    let mut head = vec![usize::MAX; len];
    let mut entries: Vec<(usize, u32, usize)> = Vec::new();
    let wait = |b: usize,
                from: usize,
                blocks: &Blocks,
                version: u32,
                head: &mut [usize],
                entries: &mut Vec<_>| {
        let (values, bound) = test(b, blocks);
        if let Some(bar) = values.first_below(from, bound).filter(|&bar| bar < len) {
            entries.push((b, version, head[bar]));
            head[bar] = entries.len() - 1;
        }
    };
    let swings: Vec<usize> = (0..len).filter(|&i| swing_kind[i] == side as f64).collect();
    let mut creations = vec![usize::MAX; len]; // the swing a bar's close crosses first
    for (w, &s) in swings.iter().enumerate() {
        // the swing is the last one before bars up to the next swing, which it still is for
        let until = swings.get(w + 1).map_or(len - 1, |&next| next);
        let crossing = (s + 1..=until).find(|&i| {
            if bull {
                close[i] > high[s]
            } else {
                close[i] < low[s]
            }
        });
        if let Some(i) = crossing {
            creations[i] = s;
        }
    }
    for bar in 0..len {
        let mut e = head[bar];
        while e != usize::MAX {
            let (b, ver, next) = entries[e];
            e = next;
            if ver != version[b] {
                continue;
            }
            for _ in 0..listed[b] {
                let (values, bound) = test(b, blocks);
                let fires = values.value(bar) < bound; // a NaN bound (a NaN edge) never does
                if !fires {
                    continue;
                }
                if blocks.breaker[b] {
                    blocks.kind[b] = 0;
                    (
                        blocks.top[b],
                        blocks.bottom[b],
                        blocks.volume[b],
                        blocks.percentage[b],
                    ) = (0.0, 0.0, 0.0, 0.0);
                    blocks.mitigated[b] = 0;
                    listed[b] -= 1;
                } else {
                    blocks.breaker[b] = true;
                    blocks.mitigated[b] = if bull { bar - 1 } else { bar };
                }
            }
            if listed[b] > 0 {
                wait(b, bar + 1, blocks, version[b], &mut head, &mut entries);
            }
        }
        let s = creations[bar];
        if s == usize::MAX {
            continue;
        }
        // the most extreme bar strictly between the swing and the close, the last of equals;
        // numpy's min / max is NaN when any is, and then no bar is equal to it
        let between = s + 1..bar;
        let extreme = if bull {
            between.clone().map(|k| low[k]).fold(f64::INFINITY, |m, v| {
                if v.is_nan() || m.is_nan() {
                    f64::NAN
                } else {
                    m.min(v)
                }
            })
        } else {
            between
                .clone()
                .map(|k| high[k])
                .fold(f64::NEG_INFINITY, |m, v| {
                    if v.is_nan() || m.is_nan() {
                        f64::NAN
                    } else {
                        m.max(v)
                    }
                })
        };
        let candidate = between
            .rev()
            .find(|&k| (if bull { low[k] } else { high[k] }) == extreme);
        let (b, top, bottom) = match candidate {
            Some(k) => (k, high[k], low[k]),
            // the bar before the close; the bullish one with high and low swapped, as smartmoneyconcepts has it
            None if bull => (bar - 1, low[bar - 1], high[bar - 1]),
            None => (bar - 1, high[bar - 1], low[bar - 1]),
        };
        let (v0, v1, v2) = (
            volume[bar],
            volume[bar - 1],
            if bar >= 2 { volume[bar - 2] } else { 0.0 },
        );
        let (newer, older) = ((v0 + v1) as f32, v2 as f32);
        let (high_volume, low_volume) = if bull { (newer, older) } else { (older, newer) };
        let most = py_max(high_volume, low_volume);
        blocks.kind[b] = side;
        (blocks.top[b], blocks.bottom[b]) = (top as f32, bottom as f32);
        blocks.volume[b] = (v0 + v1 + v2) as f32;
        blocks.percentage[b] = if most != 0.0 {
            py_min(high_volume, low_volume) / most * 100.0
        } else {
            100.0
        };
        listed[b] += 1;
        version[b] += 1;
        wait(b, bar + 1, blocks, version[b], &mut head, &mut entries);
    }
}

/// Order blocks without lookahead, from causal swing reports ([`swing_highs_lows_causal`]):
/// 11 rows `(ob, top, bottom, ob_index, swing_index, ob_volume, percentage, bullish_mitigated,
/// bearish_mitigated, bullish_removed, bearish_removed)`, each on the bar where it happens.
///
/// Bullish (bearish mirrors it): the first close above the last swing high reported so far,
/// before the next swing high is reported, forms a block on that bar t from the bar k with
/// the lowest low strictly between the swing and t (the last of equals, NaN skipped; none:
/// no block), `top = high[k]`, `bottom = low[k]`, with `ob_volume` and `percentage` as smc
/// mode (the volumes of t, t-1 and t-2). On a bar where both kinds would form, the bearish
/// one does (smc mode keeps it) and the swing high waits for a later close. A block is
/// mitigated at the first bar after t whose low (`min(open, close)` with
/// `close_mitigation`) is below its bottom, and removed at the first bar after that whose
/// high passes its top: each adds one to that bar's count. The blocks do not interact, so
/// each event is one search in a segment tree: O(n log n).
#[allow(clippy::too_many_arguments)]
pub fn order_blocks_causal(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_kind: &[f64],
    swing_level: &[f64],
    swing_index: &[f64],
    close_mitigation: bool,
    out: &mut [f64],
) {
    let len = high.len();
    out[..7 * len].fill(f64::NAN);
    // the last swing of each kind: (level, bar, crossed)
    type LastSwing = Option<(f64, f64, bool)>;
    let (mut last_high, mut last_low): (LastSwing, LastSwing) = (None, None);
    let mut formed: Vec<usize> = Vec::new(); // the bars that form a block
    let at = |row: usize, t: usize| row * len + t;
    for t in 0..len {
        if swing_kind[t] == 1.0 {
            last_high = Some((swing_level[t], swing_index[t], false));
        } else if swing_kind[t] == -1.0 {
            last_low = Some((swing_level[t], swing_index[t], false));
        }
        let bear = last_low.filter(|&(level, _, crossed)| !crossed && close[t] < level);
        let bull =
            last_high.filter(|&(level, _, crossed)| !crossed && close[t] > level && bear.is_none());
        let (side, swing) = match (bull, bear) {
            (Some(swing), _) => (1.0, swing),
            (None, Some(swing)) => (-1.0, swing),
            (None, None) => continue,
        };
        let swing_bar = swing.1 as usize;
        if side == 1.0 {
            last_high = last_high.map(|(level, bar, _)| (level, bar, true));
        } else {
            last_low = last_low.map(|(level, bar, _)| (level, bar, true));
        }
        // the most extreme bar strictly between the swing and t, the last of equals
        let mut block: Option<usize> = None;
        for k in swing_bar + 1..t {
            let (v, best) = if side == 1.0 {
                (low[k], block.map(|b| low[b]))
            } else {
                (-high[k], block.map(|b| -high[b]))
            };
            if !v.is_nan() && best.is_none_or(|best| v <= best) {
                block = Some(k);
            }
        }
        let Some(k) = block else { continue };
        // before the data's start the volumes count as 0
        let (newer, older) = (
            volume[t] + if t >= 1 { volume[t - 1] } else { 0.0 },
            if t >= 2 { volume[t - 2] } else { 0.0 },
        );
        let (least, most) = (nan_min(newer, older), nan_max(newer, older));
        out[at(0, t)] = side;
        (out[at(1, t)], out[at(2, t)]) = (high[k], low[k]);
        (out[at(3, t)], out[at(4, t)]) = (k as f64, swing.1);
        out[at(5, t)] = newer + older;
        out[at(6, t)] = if most != 0.0 {
            least / most * 100.0
        } else {
            100.0
        };
        formed.push(t);
    }
    // mitigation: the block's near edge passed; removal: then its far edge
    let trees = EdgeTrees::new(
        open,
        high,
        low,
        close,
        close_mitigation.then_some((nan_min, nan_max)),
    );
    let ((bull_mitigation, bear_mitigation), (lows, neg_highs)) =
        (trees.mitigation(), (&trees.lows, &trees.neg_highs));
    out[7 * len..].fill(0.0);
    for t in formed {
        let (top, bottom) = (out[at(1, t)], out[at(2, t)]);
        let (mitigated, removed) = if out[at(0, t)] == 1.0 {
            let j = bull_mitigation.first_below(t + 1, bottom);
            (
                j.map(|j| (7, j)),
                j.and_then(|j| neg_highs.first_below(j + 1, -top))
                    .map(|m| (9, m)),
            )
        } else {
            let j = bear_mitigation.first_below(t + 1, -top);
            (
                j.map(|j| (8, j)),
                j.and_then(|j| lows.first_below(j + 1, bottom))
                    .map(|m| (10, m)),
            )
        };
        for (row, bar) in [mitigated, removed]
            .into_iter()
            .flatten()
            .filter(|&(_, bar)| bar < len)
        {
            out[at(row, bar)] += 1.0;
        }
    }
}

/// `min(a, b)` and `max(a, b)`, NaN when either is (numpy's `minimum` and `maximum`).
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
