//! Databento DBN MBP-10 files to columns and back, through the `dbn` crate.
//!
//! Reading is not a kernel: every backend reads through this module. Records
//! are decoded straight into column vectors (no per-record allocation);
//! fixed-point prices (1e-9) become f64 with `UNDEF_PRICE` as NaN.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use dbn::decode::{DbnMetadata, DecodeRecord};
use dbn::encode::{dbn::Encoder, EncodeRecord};
use dbn::enums::{SType, Schema};
use dbn::record::{BidAskPair, Mbp10Msg, RecordHeader};
use dbn::{FlagSet, Metadata, VersionUpgradePolicy, UNDEF_PRICE};

pub const LEVELS: usize = 10;

/// MBP-10 records as columns (Databento's layout; level fields per level).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Mbp10Columns {
    pub ts_recv: Vec<i64>,
    pub ts_event: Vec<i64>,
    pub rtype: Vec<u8>,
    pub publisher_id: Vec<u16>,
    pub instrument_id: Vec<u32>,
    pub action: Vec<u8>,
    pub side: Vec<u8>,
    pub depth: Vec<u8>,
    pub price: Vec<f64>,
    pub size: Vec<u32>,
    pub flags: Vec<u8>,
    pub ts_in_delta: Vec<i32>,
    pub sequence: Vec<u32>,
    pub bid_px: [Vec<f64>; LEVELS],
    pub ask_px: [Vec<f64>; LEVELS],
    pub bid_sz: [Vec<u32>; LEVELS],
    pub ask_sz: [Vec<u32>; LEVELS],
    pub bid_ct: [Vec<u32>; LEVELS],
    pub ask_ct: [Vec<u32>; LEVELS],
}

impl Mbp10Columns {
    pub fn with_capacity(n: usize) -> Self {
        let f = || -> [Vec<f64>; LEVELS] { std::array::from_fn(|_| Vec::with_capacity(n)) };
        let u = || -> [Vec<u32>; LEVELS] { std::array::from_fn(|_| Vec::with_capacity(n)) };
        Self {
            ts_recv: Vec::with_capacity(n),
            ts_event: Vec::with_capacity(n),
            rtype: Vec::with_capacity(n),
            publisher_id: Vec::with_capacity(n),
            instrument_id: Vec::with_capacity(n),
            action: Vec::with_capacity(n),
            side: Vec::with_capacity(n),
            depth: Vec::with_capacity(n),
            price: Vec::with_capacity(n),
            size: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            ts_in_delta: Vec::with_capacity(n),
            sequence: Vec::with_capacity(n),
            bid_px: f(),
            ask_px: f(),
            bid_sz: u(),
            ask_sz: u(),
            bid_ct: u(),
            ask_ct: u(),
        }
    }

    pub fn len(&self) -> usize {
        self.ts_recv.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts_recv.is_empty()
    }

    /// Moves `other`'s records after this one's (chunks of one file back into one).
    pub fn append(&mut self, mut other: Self) {
        macro_rules! each {
            ($($field:ident),*; $($levels:ident),*) => {
                $(self.$field.append(&mut other.$field);)*
                $(for (a, b) in self.$levels.iter_mut().zip(other.$levels.iter_mut()) {
                    a.append(b);
                })*
            };
        }
        each!(ts_recv, ts_event, rtype, publisher_id, instrument_id, action, side, depth, price,
              size, flags, ts_in_delta, sequence; bid_px, ask_px, bid_sz, ask_sz, bid_ct, ask_ct);
    }

    /// Appends a block of records a column at a time: each column is written
    /// sequentially from records still in cache, instead of pushing a
    /// record's 73 fields into 73 vectors.
    fn extend_from_block(&mut self, block: &[Mbp10Msg]) {
        self.ts_recv.extend(block.iter().map(|r| r.ts_recv as i64));
        self.ts_event
            .extend(block.iter().map(|r| r.hd.ts_event as i64));
        self.rtype.extend(block.iter().map(|r| r.hd.rtype));
        self.publisher_id
            .extend(block.iter().map(|r| r.hd.publisher_id));
        self.instrument_id
            .extend(block.iter().map(|r| r.hd.instrument_id));
        self.action.extend(block.iter().map(|r| r.action as u8));
        self.side.extend(block.iter().map(|r| r.side as u8));
        self.depth.extend(block.iter().map(|r| r.depth));
        self.price.extend(block.iter().map(|r| px_to_f64(r.price)));
        self.size.extend(block.iter().map(|r| r.size));
        self.flags.extend(block.iter().map(|r| r.flags.raw()));
        self.ts_in_delta.extend(block.iter().map(|r| r.ts_in_delta));
        self.sequence.extend(block.iter().map(|r| r.sequence));
        for k in 0..LEVELS {
            self.bid_px[k].extend(block.iter().map(|r| px_to_f64(r.levels[k].bid_px)));
            self.ask_px[k].extend(block.iter().map(|r| px_to_f64(r.levels[k].ask_px)));
            self.bid_sz[k].extend(block.iter().map(|r| r.levels[k].bid_sz));
            self.ask_sz[k].extend(block.iter().map(|r| r.levels[k].ask_sz));
            self.bid_ct[k].extend(block.iter().map(|r| r.levels[k].bid_ct));
            self.ask_ct[k].extend(block.iter().map(|r| r.levels[k].ask_ct));
        }
    }

    fn record(&self, i: usize) -> Mbp10Msg {
        let levels: [BidAskPair; LEVELS] = std::array::from_fn(|k| BidAskPair {
            bid_px: px_from_f64(self.bid_px[k][i]),
            ask_px: px_from_f64(self.ask_px[k][i]),
            bid_sz: self.bid_sz[k][i],
            ask_sz: self.ask_sz[k][i],
            bid_ct: self.bid_ct[k][i],
            ask_ct: self.ask_ct[k][i],
        });
        Mbp10Msg {
            hd: RecordHeader::new::<Mbp10Msg>(
                self.rtype[i],
                self.publisher_id[i],
                self.instrument_id[i],
                self.ts_event[i] as u64,
            ),
            price: px_from_f64(self.price[i]),
            size: self.size[i],
            action: self.action[i] as std::ffi::c_char,
            side: self.side[i] as std::ffi::c_char,
            flags: FlagSet::new(self.flags[i]),
            depth: self.depth[i],
            ts_recv: self.ts_recv[i] as u64,
            ts_in_delta: self.ts_in_delta[i],
            sequence: self.sequence[i],
            levels,
        }
    }
}

const PRICE_SCALE: f64 = 1e9;

#[inline]
fn px_to_f64(px: i64) -> f64 {
    if px == UNDEF_PRICE {
        f64::NAN
    } else {
        px as f64 / PRICE_SCALE
    }
}

#[inline]
fn px_from_f64(px: f64) -> i64 {
    if px.is_nan() {
        UNDEF_PRICE
    } else {
        (px * PRICE_SCALE).round() as i64
    }
}

/// Why a file could not be read; `record` is the 0-based record where
/// decoding failed, when decoding had started.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub message: String,
    pub record: Option<u64>,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.record {
            Some(r) => write!(f, "record {r}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn error(message: impl Into<String>, record: Option<u64>) -> ReadError {
    ReadError {
        message: message.into(),
        record,
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// Records decoded before they are transposed into the columns (~370 KB, in L2).
const READ_BLOCK: usize = 1024;

type BoxedDecoder = dbn::decode::dbn::Decoder<CountingReader<Box<dyn Read + Send>>>;

/// Counts the decompressed bytes the decoder pulls and keeps the first eight
/// (`DBN`, version, metadata length): the decoder reports a record cut short
/// at the end of the file as a clean end, so the reader compares the bytes
/// read with the bytes decoded.
struct CountingReader<R> {
    inner: R,
    count: u64,
    head: [u8; 8],
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let have = (self.count as usize).min(8);
        let take = (8 - have).min(n);
        self.head[have..have + take].copy_from_slice(&buf[..take]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Reads ahead on a thread of its own: zstd decompression (one frame, so one thread) runs
/// beside the record decoding instead of before it, blocks of `AHEAD_BLOCK` bytes passing
/// through a channel and coming back empty for reuse. Dropping it stops the thread (its
/// next send or receive fails) and waits for it, so no thread outlives its reader.
struct AheadReader {
    filled: Receiver<std::io::Result<Vec<u8>>>,
    empty: SyncSender<Vec<u8>>,
    thread: Option<std::thread::JoinHandle<()>>,
    block: Vec<u8>,
    at: usize,
    done: bool,
}

const AHEAD_BLOCK: usize = 1 << 20;
const AHEAD_BLOCKS: usize = 4;

impl AheadReader {
    fn spawn(mut inner: impl Read + Send + 'static) -> Self {
        let (filled_tx, filled) = sync_channel::<std::io::Result<Vec<u8>>>(AHEAD_BLOCKS);
        let (empty, empty_rx) = sync_channel::<Vec<u8>>(AHEAD_BLOCKS);
        for _ in 0..AHEAD_BLOCKS {
            let _ = empty.send(vec![0; AHEAD_BLOCK]);
        }
        let thread = std::thread::spawn(move || {
            while let Ok(mut block) = empty_rx.recv() {
                block.resize(AHEAD_BLOCK, 0);
                let (mut got, mut failure) = (0, None);
                while got < block.len() {
                    match inner.read(&mut block[got..]) {
                        Ok(0) => break,
                        Ok(n) => got += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                block.truncate(got);
                // the bytes before a failure go first, so the decoder names the record it broke in
                let ended = got == 0 && failure.is_none();
                if (got > 0 || ended) && filled_tx.send(Ok(block)).is_err() {
                    return; // the reader is gone
                }
                if let Some(e) = failure {
                    let _ = filled_tx.send(Err(e));
                    return;
                }
                if ended {
                    return;
                }
            }
        });
        AheadReader {
            filled,
            empty,
            thread: Some(thread),
            block: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl Read for AheadReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.block.len() {
            if self.done {
                return Ok(0);
            }
            let used = std::mem::take(&mut self.block);
            if used.capacity() > 0 {
                let _ = self.empty.send(used);
            }
            self.at = 0;
            match self.filled.recv() {
                Ok(Ok(block)) => {
                    self.done = block.is_empty();
                    self.block = block;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    // the thread ended without a last block: it panicked, and the rest is lost
                    self.done = true;
                    if let Some(thread) = self.thread.take() {
                        let _ = thread.join();
                    }
                    return Err(std::io::Error::other(
                        "the zstd decompression failed part-way; the file is corrupt",
                    ));
                }
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Drop for AheadReader {
    fn drop(&mut self) {
        // Closing both channels ends the thread at its next send or receive; it is joined
        // so that reading thousands of files leaves no threads behind.
        let (closed, _) = sync_channel(0);
        drop(std::mem::replace(&mut self.empty, closed));
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.filled, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A streaming MBP-10 reader: `next_chunk(n)` decodes up to `n` records.
pub struct Mbp10Reader {
    decoder: BoxedDecoder,
    capacity_hint: usize, // records the file may hold, to size the columns once
    records_read: u64,
    record_bytes: u64,
    done: bool,
}

impl Mbp10Reader {
    /// Opens a `.dbn` or `.dbn.zst` file (DBN versions 1 to 3, upgraded to
    /// the current layout). The legacy DBZ format is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ReadError> {
        let path = path.as_ref();
        let file = File::open(path)
            .map_err(|e| error(format!("cannot open {}: {e}", path.display()), None))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Self::from_source(&path.display().to_string(), Box::new(file), size)
    }

    /// Reads a file's contents held in memory (`.dbn` or `.dbn.zst` bytes); `name`
    /// stands for the file in error messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Self, ReadError> {
        let size = bytes.len() as u64;
        Self::from_source(name, Box::new(std::io::Cursor::new(bytes)), size)
    }

    /// `size` is the source's length in bytes (that of the compressed file for zstd).
    fn from_source(
        name: &str,
        mut source: Box<dyn Read + Send>,
        size: u64,
    ) -> Result<Self, ReadError> {
        let mut magic = [0u8; 4];
        let got = read_up_to(&mut source, &mut magic).map_err(|e| error(e.to_string(), None))?;
        let head = &magic[..got];
        // Put the magic bytes back in front of the rest of the file.
        let raw = std::io::Cursor::new(head.to_vec()).chain(source);
        let reader: Box<dyn Read + Send> = if head == ZSTD_MAGIC {
            let zstd =
                zstd::stream::read::Decoder::new(raw).map_err(|e| error(e.to_string(), None))?;
            Box::new(AheadReader::spawn(zstd))
        } else if head.starts_with(b"DBN") {
            Box::new(BufReader::with_capacity(1 << 20, raw))
        } else if got == 4 && head[0] & 0xF0 == 0x50 && head[1..] == [0x2A, 0x4D, 0x18] {
            return Err(error(
                format!(
                    "{} is in the legacy DBZ format, which barsmith does not read; convert it to DBN \
                     with Databento's `dbn` CLI (`dbn {} --output out.dbn.zst`)",
                    name, name
                ),
                None,
            ));
        } else {
            return Err(error(
                format!("{name} is not a DBN file (no DBN or zstd header)"),
                None,
            ));
        };
        let file_len = size;
        // The decoder trusts the prelude (it panics on some lengths): checked first.
        let mut reader = reader;
        let mut prelude = [0u8; 8];
        let got = read_up_to(&mut reader, &mut prelude).map_err(|e| error(e.to_string(), None))?;
        let limit = (head != ZSTD_MAGIC).then_some(file_len);
        check_prelude(&prelude[..got], limit).map_err(|m| error(m, None))?;
        let counting = CountingReader {
            inner: Box::new(std::io::Cursor::new(prelude[..got].to_vec()).chain(reader))
                as Box<dyn Read + Send>,
            count: 0,
            head: [0; 8],
        };
        let decoder = crate::quietly(|| {
            dbn::decode::dbn::Decoder::with_upgrade_policy(
                counting,
                VersionUpgradePolicy::UpgradeToV3,
            )
        })
        .map_err(|panic| {
            error(
                format!("cannot decode the DBN metadata ({panic}); the file is corrupt"),
                None,
            )
        })?
        .map_err(|e| error(format!("cannot decode the DBN metadata: {e}"), None))?;
        let schema = decoder.metadata().schema;
        if let Some(other) = schema.filter(|&s| s != Schema::Mbp10) {
            return Err(error(
                format!("{name} holds {other:?} records, not MBP-10"),
                None,
            ));
        }
        // An uncompressed file holds about size / 368 records; zstd ones
        // ~10-15x more. Over-estimating costs only address space (untouched
        // pages are never faulted in); under-estimating makes the columns
        // grow at the end, which copies them all once they live on the heap
        // (a second read in one process took 0.71 s instead of 0.48 s).
        let file_len = file_len as usize;
        let per_byte = if head == ZSTD_MAGIC { 16 } else { 1 };
        let capacity_hint =
            (file_len / std::mem::size_of::<Mbp10Msg>() * per_byte + 1).min(1 << 24);
        Ok(Self {
            decoder,
            capacity_hint,
            records_read: 0,
            record_bytes: 0,
            done: false,
        })
    }

    pub fn metadata(&self) -> &Metadata {
        self.decoder.metadata()
    }

    /// Up to `max_records` records (fewer only at the end of the file).
    pub fn next_chunk(&mut self, max_records: usize) -> Result<Mbp10Columns, ReadError> {
        let mut out = Mbp10Columns::with_capacity(max_records.min(self.capacity_hint));
        let mut block: Vec<Mbp10Msg> = Vec::with_capacity(READ_BLOCK);
        // A panic of the decoder (on damaged input) is a read error like the others
        let decoded = crate::quietly(|| self.decode_into(&mut out, &mut block, max_records));
        let at = Some(self.records_read + (out.len() + block.len()) as u64);
        match decoded {
            Ok(Ok(())) => {}
            Ok(Err(message)) => return Err(error(message, at)),
            Err(panic) => {
                self.done = true; // the decoder's state is unknown after a panic: nothing more is read
                return Err(error(
                    format!("the DBN decoder failed on a damaged record ({panic}); the file is truncated or corrupt"),
                    at,
                ));
            }
        }
        out.extend_from_block(&block);
        self.records_read += out.len() as u64;
        Ok(out)
    }

    fn decode_into(
        &mut self,
        out: &mut Mbp10Columns,
        block: &mut Vec<Mbp10Msg>,
        max_records: usize,
    ) -> Result<(), String> {
        while !self.done && out.len() + block.len() < max_records {
            if block.len() == READ_BLOCK {
                out.extend_from_block(block);
                block.clear();
            }
            match self.decoder.decode_record::<Mbp10Msg>() {
                Ok(Some(r)) => {
                    self.record_bytes += r.hd.record_size() as u64;
                    block.push(r.clone())
                }
                Ok(None) => {
                    self.done = true;
                    let counted = &self.decoder.get_ref();
                    let metadata_bytes =
                        8 + u32::from_le_bytes(counted.head[4..8].try_into().unwrap()) as u64;
                    if counted.count != metadata_bytes + self.record_bytes {
                        return Err(format!(
                            "the file ends inside a record ({} stray bytes); it is truncated or corrupt",
                            counted.count as i64 - (metadata_bytes + self.record_bytes) as i64
                        ));
                    }
                }
                Err(e) => {
                    return Err(format!(
                        "decoding failed ({e}); the file is truncated or corrupt"
                    ))
                }
            }
        }
        Ok(())
    }
}

/// DBN versions this reader decodes (upgrading 1 and 2 to 3).
const DBN_VERSIONS: std::ops::RangeInclusive<u8> = 1..=3;

/// The 8-byte DBN prelude (`DBN`, version, metadata length): refused for its real
/// reason before the decoder trusts it. `limit` is the file's size when uncompressed.
fn check_prelude(prelude: &[u8], limit: Option<u64>) -> Result<(), String> {
    if prelude.len() < 8 {
        return Err(format!(
            "the file ends inside the DBN header ({} of 8 bytes)",
            prelude.len()
        ));
    }
    if &prelude[..3] != b"DBN" {
        return Err("the zstd stream does not hold a DBN file (no DBN header)".into());
    }
    let version = prelude[3];
    if !DBN_VERSIONS.contains(&version) {
        return Err(format!(
            "DBN version {version} is not one this reader decodes ({} to {})",
            DBN_VERSIONS.start(),
            DBN_VERSIONS.end()
        ));
    }
    let length = u32::from_le_bytes(prelude[4..8].try_into().unwrap()) as u64;
    match limit {
        Some(size) if 8 + length > size => Err(format!(
            "metadata length {length} exceeds the file size ({size} bytes); the header is damaged"
        )),
        _ => Ok(()),
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// Reads a whole MBP-10 file into columns.
pub fn read_mbp10(path: impl AsRef<Path>) -> Result<Mbp10Columns, ReadError> {
    Mbp10Reader::open(path)?.next_chunk(usize::MAX)
}

/// Reads a whole MBP-10 file held in memory into columns; `name` stands for it in errors.
pub fn read_mbp10_bytes(name: &str, bytes: Vec<u8>) -> Result<Mbp10Columns, ReadError> {
    Mbp10Reader::from_bytes(name, bytes)?.next_chunk(usize::MAX)
}

/// Writes columns as a DBN (version 3) MBP-10 file, zstd-compressed if `zstd`.
/// Writes to `<path>.partial` and renames, so a reader never sees half a file.
pub fn write_mbp10(
    cols: &Mbp10Columns,
    path: impl AsRef<Path>,
    dataset: &str,
    zstd: bool,
) -> Result<(), ReadError> {
    let path = path.as_ref();
    let io = |e: &dyn std::fmt::Display| error(format!("writing {}: {e}", path.display()), None);
    let start = cols.ts_event.first().copied().unwrap_or(0).max(0) as u64;
    let metadata = Metadata::builder()
        .dataset(dataset)
        .schema(Some(Schema::Mbp10))
        .start(start)
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .build();
    let partial = path.with_extension(format!(
        "{}partial",
        path.extension()
            .map(|e| format!("{}.", e.to_string_lossy()))
            .unwrap_or_default()
    ));
    let file = File::create(&partial).map_err(|e| io(&e))?;
    let writer = std::io::BufWriter::with_capacity(1 << 20, file);
    let result = (|| -> Result<(), ReadError> {
        let mut sink: Box<dyn Write> = if zstd {
            Box::new(
                zstd::stream::write::Encoder::new(writer, 3)
                    .map_err(|e| io(&e))?
                    .auto_finish(),
            )
        } else {
            Box::new(writer)
        };
        {
            let mut encoder = Encoder::new(&mut sink, &metadata).map_err(|e| io(&e))?;
            for i in 0..cols.len() {
                encoder.encode_record(&cols.record(i)).map_err(|e| io(&e))?;
            }
        }
        sink.flush().map_err(|e| io(&e))?;
        Ok(())
    })();
    match result {
        Ok(()) => std::fs::rename(&partial, path).map_err(|e| io(&e)),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Mbp10Columns {
        let mut c = Mbp10Columns::with_capacity(n);
        for i in 0..n {
            let mut r = Mbp10Msg::default();
            r.hd = RecordHeader::new::<Mbp10Msg>(dbn::rtype::MBP_10, 1, 42, 1_000 + i as u64);
            r.ts_recv = 2_000 + i as u64;
            r.action = b'A' as std::ffi::c_char;
            r.side = b'B' as std::ffi::c_char;
            r.price = 4_500_250_000_000 + i as i64 * 250_000_000;
            r.size = 3;
            r.flags = FlagSet::new(128);
            r.sequence = i as u32;
            r.levels[0].bid_px = 4_500_000_000_000;
            r.levels[0].bid_sz = 7;
            r.levels[1].bid_px = UNDEF_PRICE;
            c.extend_from_block(std::slice::from_ref(&r));
        }
        c
    }

    #[test]
    fn written_files_read_back_equal_compressed_or_not() {
        let dir = std::env::temp_dir().join(format!("barsmith-dbn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cols = sample(1000);
        for (name, zstd) in [("a.dbn", false), ("a.dbn.zst", true)] {
            let path = dir.join(name);
            write_mbp10(&cols, &path, "GLBX.MDP3", zstd).unwrap();
            let back = read_mbp10(&path).unwrap();
            assert_eq!(back.len(), 1000);
            assert_eq!(back.ts_event, cols.ts_event);
            assert_eq!(back.price, cols.price);
            assert!(back.bid_px[1][0].is_nan());
            assert_eq!(back.bid_sz[0], cols.bid_sz[0]);
            let mut reader = Mbp10Reader::open(&path).unwrap();
            let sizes: Vec<usize> =
                std::iter::from_fn(|| Some(reader.next_chunk(300).unwrap().len()))
                    .take_while(|&n| n > 0)
                    .collect();
            assert_eq!(sizes, vec![300, 300, 300, 100]);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_truncated_file_names_the_record_where_decoding_failed() {
        let dir = std::env::temp_dir().join(format!("barsmith-dbn-trunc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.dbn");
        write_mbp10(&sample(10), &path, "GLBX.MDP3", false).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
        let err = read_mbp10(&path).unwrap_err();
        assert_eq!(err.record, Some(9));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
