//! What the fuzzers run, once for both of them: `cargo fuzz` (coverage-guided libFuzzer,
//! `rust/fuzz/run`) calls these on its inputs, and `tests/budget.rs` on a seeded budget of
//! mutated inputs under plain `cargo test` (the CI step). Each target must return for any
//! input: a panic or an abort is a finding.
//!
//! - [`dbn_reader`]: the bytes are a file, read whole and in chunks, raw and zstd.
//! - [`kernels`]: the bytes choose a kernel of `barsmith_core` and draw its arrays (NaN,
//!   inf, extremes, empty, unsorted, indices out of range) and its parameters at the edges
//!   of their domain (a period of 1 or of 2^64 - 1; the fronts refuse a period of 0, so
//!   the kernels may assume one). Columns of one call share a length, as the bindings
//!   check before they call.
//! - [`codes`]: Arrow buffers with damaged offsets, views and dictionary indices.

#![allow(clippy::type_complexity)] // a kernel's call is spelled as a function pointer
use std::path::Path;

use barsmith_core::dbn_io::{Mbp10Columns, Mbp10Reader, ReadError};
use barsmith_core::{bars, book, codes as code, indicators, orderflow, structure};

/// Reads `data` as a DBN file: whole, in chunks of a size the data picks, and (for some
/// inputs) zstd-compressed. Both reads agree; an error is a [`ReadError`]. A panic of
/// the `dbn` decoder, caught and reported as a read error, is allowed unless
/// `BARSMITH_FUZZ_DECODER_PANICS=fail` (how the note's decoder panics are found).
pub fn dbn_reader(data: &[u8]) {
    let caught = barsmith_core::caught_panics();
    let chunk = 1 + data.get(data.len().saturating_sub(1)).copied().unwrap_or(0) as usize % 7;
    check_reads(data.to_vec(), chunk);
    if data.first().is_some_and(|b| b % 8 == 0) {
        check_reads(zstd::encode_all(data, 1).expect("zstd in memory"), chunk);
    }
    if std::env::var("BARSMITH_FUZZ_DECODER_PANICS").as_deref() == Ok("fail")
        && barsmith_core::caught_panics() != caught
    {
        panic!("the dbn decoder panicked on this input (caught by the reader)");
    }
}

fn check_reads(bytes: Vec<u8>, chunk: usize) {
    let whole =
        Mbp10Reader::from_bytes("fuzz", bytes.clone()).and_then(|mut r| r.next_chunk(usize::MAX));
    let chunked = read_in_chunks(bytes, chunk);
    match (&whole, &chunked) {
        // compared as text: NaN prices (undefined levels) are equal there
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "a chunked read differs from the whole read"
        ),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "whole read {whole:?} and chunked read {chunked:?} disagree",
            whole = whole.as_ref().map(|c| c.len()),
            chunked = chunked.as_ref().map(|c| c.len())
        ),
    }
}

fn read_in_chunks(bytes: Vec<u8>, chunk: usize) -> Result<Mbp10Columns, ReadError> {
    let mut reader = Mbp10Reader::from_bytes("fuzz", bytes)?;
    let mut all = Mbp10Columns::default();
    loop {
        let part = reader.next_chunk(chunk)?;
        if part.is_empty() {
            return Ok(all);
        }
        all.append(part);
    }
}

/// The real MBP-10 sample files of `shared/data/dbn-samples` decompressed (DBN v1 to v3),
/// by name; without `shared/`, a file barsmith writes itself.
pub fn mbp10_samples() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dbn-samples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        if name.ends_with(".mbp-10.dbn") {
            out.push((name, bytes));
        } else if name.ends_with(".mbp-10.dbn.zst") {
            out.push((
                name,
                zstd::decode_all(&bytes[..]).expect("a sample decompresses"),
            ));
        }
    }
    out.sort();
    if out.is_empty() {
        let spec = barsmith_core::synth::Mbp10Spec {
            n_events: 4,
            ..Default::default()
        };
        let cols = barsmith_core::synth::mbp10(&spec);
        let path =
            std::env::temp_dir().join(format!("barsmith-fuzz-seed-{}.dbn", std::process::id()));
        barsmith_core::dbn_io::write_mbp10(&cols, &path, "GLBX.MDP3", false)
            .expect("a scratch file");
        out.push(("written.dbn".into(), std::fs::read(&path).expect("written")));
        let _ = std::fs::remove_file(path);
    }
    out
}

/// One-record DBN files of other schemas (trades, MBO, OHLCV), by schema name.
pub fn other_schema_files() -> Vec<(&'static str, Vec<u8>)> {
    use dbn::encode::{dbn::Encoder, EncodeRecord};
    use dbn::enums::{SType, Schema};
    use dbn::record::{MboMsg, OhlcvMsg, TradeMsg};

    fn write<R: dbn::encode::DbnEncodable>(schema: Schema, record: R) -> Vec<u8> {
        let metadata = dbn::Metadata::builder()
            .dataset("GLBX.MDP3")
            .schema(Some(schema))
            .start(0)
            .stype_in(Some(SType::RawSymbol))
            .stype_out(SType::InstrumentId)
            .build();
        let mut bytes = Vec::new();
        Encoder::new(&mut bytes, &metadata)
            .and_then(|mut encoder| encoder.encode_record(&record))
            .expect("in memory");
        bytes
    }
    vec![
        ("Trades", write(Schema::Trades, TradeMsg::default())),
        ("Mbo", write(Schema::Mbo, MboMsg::default())),
        (
            "Ohlcv1M",
            write(
                Schema::Ohlcv1M,
                OhlcvMsg::default_for_schema(Schema::Ohlcv1M),
            ),
        ),
    ]
}

/// The seed corpus of [`dbn_reader`]: the samples, compressed and not, and the other schemas.
pub fn dbn_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, raw) in mbp10_samples() {
        out.push((
            format!("{name}.zst"),
            zstd::encode_all(&raw[..], 1).expect("in memory"),
        ));
        out.push((name, raw));
    }
    for (schema, bytes) in other_schema_files() {
        out.push((format!("{schema}.dbn"), bytes));
    }
    out
}

/// Values drawn from the fuzzer's bytes; past their end, zeros.
pub struct Draw<'a> {
    data: &'a [u8],
}

impl<'a> Draw<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn byte(&mut self) -> u8 {
        let (first, rest) = self.data.split_first().unwrap_or((&0, &[]));
        self.data = rest;
        *first
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.byte())
    }

    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A length: mostly short, sometimes a few thousand (rayon's parallel paths).
    pub fn length(&mut self) -> usize {
        match self.byte() {
            0..=239 => self.byte() as usize % 40,
            240..=253 => self.byte() as usize * 8,
            _ => 5_000 + self.byte() as usize * 20,
        }
    }

    pub fn f64(&mut self) -> f64 {
        match self.byte() % 16 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => f64::MAX,
            6 => f64::MIN,
            7 => f64::MIN_POSITIVE / 4.0, // subnormal
            8 => 1e300,
            9 => f64::from_bits(u64::from_le_bytes(self.bytes())),
            _ => 100.0 + (self.byte() as i8) as f64 * 0.25, // prices that tie and cross
        }
    }

    pub fn i64(&mut self) -> i64 {
        match self.byte() % 12 {
            0 => i64::MIN,
            1 => i64::MAX,
            2 => -1,
            3 => i64::from_le_bytes(self.bytes()),
            _ => self.byte() as i64 - 8,
        }
    }

    /// A period (>= 1): 1, small, the array's length and around it, or huge.
    pub fn period(&mut self, len: usize) -> usize {
        self.count(len).max(1)
    }

    /// A count (>= 0): 0, small, the array's length and around it, or huge.
    pub fn count(&mut self, len: usize) -> usize {
        match self.byte() % 10 {
            0 => 0,
            1 => len,
            2 => len + 1,
            3 => len.saturating_sub(1),
            4 => usize::MAX,
            5 => 1 << 40,
            _ => self.byte() as usize % 12,
        }
    }

    /// A bar interval or size (>= 1): 1, small, or huge.
    pub fn positive_i64(&mut self) -> i64 {
        match self.byte() % 4 {
            0 => 1,
            1 => i64::MAX,
            _ => self.i64().unsigned_abs().clamp(1, i64::MAX as u64) as i64,
        }
    }

    /// A threshold (finite, > 0): subnormal to `f64::MAX`.
    pub fn positive_f64(&mut self) -> f64 {
        let x = self.f64().abs();
        if x.is_finite() && x > 0.0 {
            x
        } else {
            1.0
        }
    }

    pub fn convention(&mut self) -> i64 {
        match self.byte() % 4 {
            0 => 0,
            1 => 1,
            2 => -1,
            _ => self.i64(),
        }
    }

    pub fn f64s(&mut self, n: usize) -> Vec<f64> {
        // a run of one drawn value, so long arrays cost few bytes
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let (v, run) = (self.f64(), 1 + self.byte() as usize % 8);
            out.extend(std::iter::repeat_n(v, run.min(n - out.len())));
        }
        out
    }

    /// Non-decreasing, as timestamps are sorted, unless the data says otherwise.
    pub fn i64s(&mut self, n: usize) -> Vec<i64> {
        let sorted = !self.byte().is_multiple_of(4);
        let mut at = self.i64();
        (0..n)
            .map(|_| {
                let v = self.i64();
                if sorted {
                    at = at.saturating_add(v.unsigned_abs().min(1 << 40) as i64);
                    at
                } else {
                    v
                }
            })
            .collect()
    }

    pub fn small_ints<T: TryFrom<i64> + Default>(&mut self, n: usize, range: i64) -> Vec<T> {
        (0..n)
            .map(|_| T::try_from(self.byte() as i64 % range - range / 2).unwrap_or_default())
            .collect()
    }

    pub fn u32s(&mut self, n: usize) -> Vec<u32> {
        (0..n)
            .map(|_| match self.byte() % 8 {
                0 => u32::MAX,
                1 => 0,
                _ => self.byte() as u32,
            })
            .collect()
    }
}

/// The kernels of `barsmith_core` as the bindings call them, by name.
/// A kernel's call: its arrays and parameters drawn from the data.
pub type Kernel = fn(&mut Draw);

pub const KERNELS: &[(&str, Kernel)] = &[
    ("scan_trades", |d| {
        trades(d, |t, p, s, sd, _| {
            let _ = bars::scan_trades(t, p, s, sd);
        })
    }),
    ("time_bars", |d| {
        trades(d, |t, p, s, sd, d| {
            drop(bars::time_bars(t, p, s, sd, d.positive_i64(), d.i64()))
        })
    }),
    ("tick_bars", |d| {
        trades(d, |t, p, s, sd, d| {
            drop(bars::tick_bars(t, p, s, sd, d.positive_i64()))
        })
    }),
    ("volume_bars", |d| {
        trades(d, |t, p, s, sd, d| {
            drop(bars::volume_bars(t, p, s, sd, d.positive_f64()))
        })
    }),
    ("dollar_bars", |d| {
        trades(d, |t, p, s, sd, d| {
            drop(bars::dollar_bars(t, p, s, sd, d.positive_f64()))
        })
    }),
    ("mbp10_bars", mbp10_bars),
    ("trade_signs", |d| {
        let n = d.length();
        drop(orderflow::trade_signs(&d.f64s(n), &d.f64s(n)))
    }),
    ("cvd", |d| {
        let n = d.length();
        drop(orderflow::cvd(&d.f64s(n), &d.small_ints(n, 5), &d.i64s(n)))
    }),
    ("trade_flow", |d| {
        let n = d.length();
        let (decay, size, sign) = (d.f64s(n), d.f64s(n), d.small_ints(n, 5));
        orderflow::trade_flow(&decay, &size, &sign, &mut vec![0.0; 4 * n])
    }),
    ("volume_profile", |d| {
        let n = d.length();
        let (period, level, volume) = (d.i64s(n), d.i64s(n), d.f64s(n));
        drop(orderflow::volume_profile(
            &period,
            &level,
            &volume,
            d.f64(),
            d.count(n),
        ))
    }),
    ("rolling_quantile", |d| {
        let n = d.length();
        let (x, start, end) = (d.f64s(n), d.i64s(n), d.i64s(n));
        orderflow::rolling_quantile(&x, &start, &end, d.f64(), d.count(n), &mut vec![0.0; n])
    }),
    ("trade_events", |d| {
        trades(d, |t, p, s, sd, _| {
            let n = t.len();
            orderflow::trade_events(t, p, s, sd, &mut vec![0; n], &mut vec![0.0; n])
        })
    }),
    ("sma", |d| {
        one_series(d, 1, |x, d, o| {
            indicators::sma(x, d.period(x.len()), d.convention(), o)
        })
    }),
    ("wma", |d| {
        one_series(d, 1, |x, d, o| {
            indicators::wma(x, d.period(x.len()), d.convention(), o)
        })
    }),
    ("ema", |d| {
        one_series(d, 1, |x, d, o| {
            indicators::ema(x, d.period(x.len()), d.convention(), o)
        })
    }),
    ("macd", |d| {
        one_series(d, 3, |x, d, o| {
            let n = x.len();
            indicators::macd(x, d.period(n), d.period(n), d.period(n), d.convention(), o)
        })
    }),
    ("rsi", |d| {
        one_series(d, 1, |x, d, o| {
            indicators::rsi(x, d.period(x.len()), d.convention(), o)
        })
    }),
    ("roc", |d| {
        one_series(d, 1, |x, d, o| {
            indicators::roc(x, d.period(x.len()), d.convention(), o)
        })
    }),
    ("rolling_zscore", |d| {
        one_series(d, 1, |x, d, o| {
            indicators::rolling_zscore(x, d.period(x.len()), d.count(2), o)
        })
    }),
    ("bbands", |d| {
        one_series(d, 3, |x, d, o| {
            let n = x.len();
            indicators::bbands(
                x,
                d.period(n),
                d.f64(),
                d.f64(),
                d.count(2),
                d.convention(),
                o,
            )
        })
    }),
    ("obv", |d| {
        let n = d.length();
        let (close, volume) = (d.f64s(n), d.f64s(n));
        indicators::obv(&close, &volume, d.convention(), &mut vec![0.0; n])
    }),
    ("true_range", |d| {
        hlc(d, 1, |h, l, c, d, o| {
            indicators::true_range(h, l, c, d.convention(), o)
        })
    }),
    ("atr", |d| {
        hlc(d, 1, |h, l, c, d, o| {
            indicators::atr(h, l, c, d.period(h.len()), d.convention(), o)
        })
    }),
    ("natr", |d| {
        hlc(d, 1, |h, l, c, d, o| {
            indicators::natr(h, l, c, d.period(h.len()), d.convention(), o)
        })
    }),
    ("willr", |d| {
        hlc(d, 1, |h, l, c, d, o| {
            indicators::willr(h, l, c, d.period(h.len()), d.convention(), o)
        })
    }),
    ("cci", |d| {
        hlc(d, 1, |h, l, c, d, o| {
            indicators::cci(h, l, c, d.period(h.len()), d.convention(), o)
        })
    }),
    ("stoch", |d| {
        hlc(d, 2, |h, l, c, d, o| {
            let n = h.len();
            indicators::stoch(
                h,
                l,
                c,
                d.period(n),
                d.period(n),
                d.period(n),
                d.convention(),
                o,
            )
        })
    }),
    ("dmi", |d| {
        hlc(d, 4, |h, l, c, d, o| {
            indicators::dmi(h, l, c, d.period(h.len()), d.convention(), o)
        })
    }),
    ("mfi", |d| {
        hlc(d, 1, |h, l, c, d, o| {
            let v = d.f64s(h.len());
            indicators::mfi(h, l, c, &v, d.period(h.len()), d.convention(), o)
        })
    }),
    ("vwap", |d| {
        let n = d.length();
        let (price, volume) = (d.f64s(n), d.f64s(n));
        let period = if d.flag() { d.i64s(n) } else { Vec::new() };
        indicators::vwap(&price, &volume, &period, d.count(n), &mut vec![0.0; n])
    }),
    ("stream", stream),
    ("swing_highs_lows", |d| {
        ohlc(d, 2, |[_, h, l, _], d, o| {
            structure::swing_highs_lows(h, l, d.period(h.len()), o)
        })
    }),
    ("swing_highs_lows_causal", |d| {
        ohlc(d, 3, |[_, h, l, _], d, o| {
            structure::swing_highs_lows_causal(h, l, d.period(h.len()), o)
        })
    }),
    ("market_structure", |d| {
        ohlc(d, 2, |[_, h, l, _], _, o| {
            let kind: Vec<f64> = h.iter().map(|v| v.signum()).collect();
            structure::market_structure(&kind, l, o)
        })
    }),
    ("ranges", |d| {
        ohlc(d, 6, |[_, h, l, c], d, o| {
            structure::ranges(h, l, c, d.period(h.len()), d.f64(), o)
        })
    }),
    ("fvg", |d| {
        ohlc(d, 4, |[op, h, l, c], d, o| {
            structure::fvg(op, h, l, c, d.flag(), o)
        })
    }),
    ("fvg_causal", |d| {
        ohlc(d, 5, |[op, h, l, c], d, o| {
            structure::fvg_causal(op, h, l, c, d.flag(), o)
        })
    }),
    ("bos_choch", |d| {
        swings(d, 4, |[_, h, l, c], [k, v, _], d, o| {
            structure::bos_choch(h, l, c, k, v, d.flag(), o)
        })
    }),
    ("bos_choch_causal", |d| {
        swings(d, 4, |[_, h, l, c], [k, v, i], d, o| {
            structure::bos_choch_causal(h, l, c, k, v, i, d.flag(), o)
        })
    }),
    ("retracements", |d| {
        swings(d, 3, |[_, h, l, _], [k, v, _], _, o| {
            structure::retracements(h, l, k, v, o)
        })
    }),
    ("retracements_causal", |d| {
        swings(d, 3, |[_, h, l, _], [k, v, _], _, o| {
            structure::retracements_causal(h, l, k, v, o)
        })
    }),
    ("sessions", |d| {
        ohlc(d, 3, |[_, h, l, _], d, o| {
            let minute = d.i64s(h.len());
            structure::sessions(&minute, h, l, d.i64(), d.i64(), o)
        })
    }),
    ("order_blocks", |d| {
        swings(d, 6, |[op, h, l, c], [k, _, _], d, o| {
            let volume = d.f64s(h.len());
            structure::order_blocks(op, h, l, c, &volume, k, d.flag(), o)
        })
    }),
    ("order_blocks_causal", |d| {
        swings(d, 11, |[op, h, l, c], [k, v, i], d, o| {
            let volume = d.f64s(h.len());
            structure::order_blocks_causal(op, h, l, c, &volume, k, v, i, d.flag(), o)
        })
    }),
    ("liquidity", |d| {
        swings(d, 4, |[_, h, l, _], [k, v, _], d, o| {
            structure::liquidity(h, l, k, v, d.f64(), o)
        })
    }),
    ("liquidity_causal", |d| {
        swings(d, 6, |[_, h, l, _], [k, v, i], d, o| {
            structure::liquidity_causal(h, l, k, v, i, d.f64(), o)
        })
    }),
    ("support_resistance", |d| {
        let n = d.length();
        let [_, h, l, c] = std::array::from_fn(|_| d.f64s(n));
        let volume = d.f64s(n);
        let lookbacks: Vec<usize> = (0..d.byte() % 4).map(|_| d.period(n)).collect();
        let (pivot, tolerance, touches) = (d.period(n), d.f64(), d.count(n));
        let mut out = vec![0.0; 4 * lookbacks.len() * n];
        structure::support_resistance(
            &h, &l, &c, &volume, pivot, &lookbacks, tolerance, touches, &mut out,
        )
    }),
    ("previous_high_low", |d| {
        ohlc(d, 4, |[op, h, l, c], d, o| {
            let n = h.len();
            let (times, bin) = (d.i64s(n), d.i64s(n));
            let n_labels = d.byte() as usize % 8;
            let labels = d.i64s(n_labels);
            structure::previous_high_low(&times, &bin, &labels, op, h, l, c, o)
        })
    }),
    ("previous_high_low_causal", |d| {
        ohlc(d, 4, |[op, h, l, c], d, o| {
            let bin = d.i64s(h.len());
            structure::previous_high_low_causal(&bin, op, h, l, c, o)
        })
    }),
];

/// One kernel of [`KERNELS`], chosen by the first byte.
pub fn kernels(data: &[u8]) {
    let mut d = Draw::new(data);
    let (_, kernel) = KERNELS[d.byte() as usize % KERNELS.len()];
    kernel(&mut d)
}

type Trades<'d> = fn(&[i64], &[f64], &[f64], &[i8], &mut Draw<'d>);

fn trades<'d>(d: &mut Draw<'d>, run: Trades<'d>) {
    let n = d.length();
    let (ts, price, size, side) = (d.i64s(n), d.f64s(n), d.f64s(n), d.small_ints(n, 6));
    run(&ts, &price, &size, &side, d)
}

fn one_series<'d>(d: &mut Draw<'d>, k: usize, run: fn(&[f64], &mut Draw<'d>, &mut [f64])) {
    let n = d.length();
    let x = d.f64s(n);
    run(&x, d, &mut vec![0.0; k * n])
}

fn hlc<'d>(d: &mut Draw<'d>, k: usize, run: fn(&[f64], &[f64], &[f64], &mut Draw<'d>, &mut [f64])) {
    let n = d.length();
    let [h, l, c] = std::array::from_fn(|_| d.f64s(n));
    run(&h, &l, &c, d, &mut vec![0.0; k * n])
}

fn ohlc<'d>(d: &mut Draw<'d>, k: usize, run: fn([&[f64]; 4], &mut Draw<'d>, &mut [f64])) {
    let n = d.length();
    let [o, h, l, c] = std::array::from_fn(|_| d.f64s(n));
    run([&o, &h, &l, &c], d, &mut vec![0.0; k * n])
}

/// Bars and swing columns (kind in -1/0/1 or anything, level, and the swing's bar index,
/// in range or not), as the structure kernels take them from `swing_highs_lows`.
fn swings<'d>(
    d: &mut Draw<'d>,
    k: usize,
    run: fn([&[f64]; 4], [&[f64]; 3], &mut Draw<'d>, &mut [f64]),
) {
    let n = d.length();
    let [o, h, l, c] = std::array::from_fn(|_| d.f64s(n));
    let kind: Vec<f64> = if d.flag() {
        d.small_ints::<i8>(n, 4)
            .into_iter()
            .map(f64::from)
            .collect()
    } else {
        d.f64s(n)
    };
    let level = d.f64s(n);
    let index: Vec<f64> = if d.flag() {
        (0..n)
            .map(|i| (i as f64 - d.byte() as f64 % 4.0).max(0.0))
            .collect()
    } else {
        d.f64s(n)
    };
    run(
        [&o, &h, &l, &c],
        [&kind, &level, &index],
        d,
        &mut vec![0.0; k * n],
    )
}

fn mbp10_bars(d: &mut Draw) {
    let n = d.length();
    let ts = d.i64s(n);
    let action: Vec<u8> = (0..n)
        .map(|_| b"ACMRTFN\0"[d.byte() as usize % 8])
        .collect();
    let side: Vec<u8> = (0..n).map(|_| b"ABN\0"[d.byte() as usize % 4]).collect();
    let price = d.f64s(n);
    let size = d.u32s(n);
    let flags: Vec<u8> = (0..n).map(|_| d.byte()).collect();
    let sequence = d.u32s(n);
    let [bid_px, ask_px]: [[Vec<f64>; 10]; 2] =
        std::array::from_fn(|_| std::array::from_fn(|_| d.f64s(n)));
    let [bid_sz, ask_sz]: [[Vec<u32>; 10]; 2] =
        std::array::from_fn(|_| std::array::from_fn(|_| d.u32s(n)));
    let events = book::Events {
        ts: &ts,
        action: &action,
        side: &side,
        price: &price,
        size: &size,
        flags: &flags,
        sequence: &sequence,
        bid_px: std::array::from_fn(|k| bid_px[k].as_slice()),
        ask_px: std::array::from_fn(|k| ask_px[k].as_slice()),
        bid_sz: std::array::from_fn(|k| bid_sz[k].as_slice()),
        ask_sz: std::array::from_fn(|k| ask_sz[k].as_slice()),
    };
    let n_edges = 1 + d.byte() as usize % 5;
    let edges = d.f64s(n_edges);
    let out = book::mbp10_bars(&events, &edges, d.positive_i64(), d.i64(), d.count(n));
    assert_eq!(
        out.features.len(),
        out.start.len() * book::n_features(edges.len() - 1)
    );
}

/// A stream by name with drawn periods, fed drawn rows, as `IndicatorStream` does.
fn stream(d: &mut Draw) {
    const NAMES: [&str; 19] = [
        "sma",
        "wma",
        "ema",
        "rsi",
        "roc",
        "true_range",
        "atr",
        "natr",
        "willr",
        "obv",
        "stoch",
        "macd",
        "dmi",
        "bbands",
        "rolling_zscore",
        "cci",
        "mfi",
        "vwap",
        "nope",
    ];
    let name = NAMES[d.byte() as usize % NAMES.len()];
    let periods: Vec<usize> = (0..d.byte() % 4).map(|_| d.period(30)).collect();
    let params: Vec<f64> = (0..d.byte() % 3).map(|_| d.f64()).collect();
    let Some((mut s, n_in, n_out)) =
        indicators::new_stream(name, &periods, &params, d.convention())
    else {
        return;
    };
    let mut out = vec![0.0; n_out];
    for _ in 0..d.length() {
        let row: Vec<f64> = (0..n_in).map(|_| d.f64()).collect();
        s.update(&row, &mut out);
    }
}

/// Arrow string, string_view and dictionary buffers as Python hands them over, damaged:
/// offsets out of order or past the data, views pointing anywhere, indices out of range.
pub fn codes(data: &[u8]) {
    let mut d = Draw::new(data);
    let mut table = [255u8; 256];
    table[b'A' as usize] = 1;
    table[b'B' as usize] = 0;
    table[b'N' as usize] = 2;
    let n = d.length();
    let text: Vec<u8> = (0..d.length() * 2)
        .map(|_| b"ABN\xff"[d.byte() as usize % 4])
        .collect();
    let validity_bits: Vec<u8> = (0..n.div_ceil(8) + 1).map(|_| d.byte()).collect();
    let validity = d.flag().then(|| code::Validity {
        bits: &validity_bits,
        offset: d.byte() as usize % 8,
    });
    match d.byte() % 5 {
        0 => {
            let offsets: Vec<i32> = (0..n + 1)
                .map(|i| {
                    if d.byte() < 16 {
                        d.i64() as i32
                    } else {
                        i as i32
                    }
                })
                .collect();
            drop(code::string_codes(&offsets, &text, validity, &table, 9));
        }
        1 => {
            let offsets: Vec<i64> = (0..n + 1)
                .map(|i| if d.byte() < 16 { d.i64() } else { i as i64 })
                .collect();
            drop(code::string_codes(&offsets, &text, validity, &table, 9));
        }
        2 => {
            let views: Vec<[u8; 16]> = (0..n).map(|_| std::array::from_fn(|_| d.byte())).collect();
            drop(code::view_codes(&views, validity, &table, 9));
        }
        3 => {
            let lut: Vec<u8> = (0..d.byte() % 4).map(|_| d.byte()).collect();
            let indices: Vec<i64> = (0..n).map(|_| d.i64()).collect();
            drop(code::take_codes(&indices, &lut, 9));
            let small: Vec<i8> = indices.iter().map(|&i| i as i8).collect();
            drop(code::take_codes(&small, &lut, 9));
        }
        _ => {
            let width = d.period(4);
            let chars: Vec<u32> = (0..n * width.min(8)).map(|_| d.byte() as u32).collect();
            drop(code::fixed_width_codes(&chars, width, &table, 9));
            drop(code::translate(&text, &table));
        }
    }
}
