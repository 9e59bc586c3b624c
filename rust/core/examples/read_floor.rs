//! The floor of reading a `.dbn.zst` file: zstd decompression alone, in one thread (a
//! Databento file is one zstd frame, which decompresses serially), into a reused buffer,
//! beside `read_mbp10` of the same file. The decoded records must then still be written
//! into fresh column memory.
//! (cargo run --release --example read_floor PATH.dbn.zst)
use std::io::Read;
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: read_floor PATH.dbn.zst");
    for _ in 0..3 {
        let t = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let mut zstd = zstd::stream::read::Decoder::new(file).unwrap();
        let (mut buf, mut bytes) = (vec![0u8; 1 << 20], 0usize);
        loop {
            match zstd.read(&mut buf).unwrap() {
                0 => break,
                got => bytes += got,
            }
        }
        let unzip = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let records = barsmith_core::dbn_io::read_mbp10(&path).unwrap().len();
        let read = t.elapsed().as_secs_f64();
        println!(
            "{records} records, {:.0} MB: decompression alone {:.3} s ({:.1} M records/s), \
             read_mbp10 {:.3} s ({:.1} M records/s)",
            bytes as f64 / 1e6,
            unzip,
            records as f64 / unzip / 1e6,
            read,
            records as f64 / read / 1e6
        );
    }
}
