//! The fuzz targets on a seeded budget of mutated inputs, under plain `cargo test`: the CI
//! fuzz step (`BARSMITH_FUZZ_CASES`, default 2,000 per target). The coverage-guided runs
//! (`rust/fuzz/run`) search far longer; this keeps every target exercised on each change.

use barsmith_fuzz::{codes, dbn_reader, dbn_seeds, KERNELS};

fn cases() -> usize {
    std::env::var("BARSMITH_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
}

/// xorshift64: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A position, usually in the first 2 KB (the header and the first records).
    fn at(&mut self, len: usize) -> usize {
        if self.next().is_multiple_of(4) {
            self.below(len)
        } else {
            self.below(len.min(2_048))
        }
    }
}

/// libFuzzer's kinds of mutation, a few at a time: bits flipped, bytes and 32-bit fields
/// set to extremes, cuts, deletions, duplications and splices with another seed.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        if len == 0 {
            b.extend_from_slice(&other[..other.len().min(64)]);
            continue;
        }
        match rng.below(8) {
            0 => {
                let i = rng.at(len);
                b[i] ^= 1 << rng.below(8)
            }
            1 => {
                let i = rng.at(len);
                b[i] = [0, 1, 0x7f, 0x80, 0xfe, 0xff][rng.below(6)]
            }
            2 if len >= 4 => {
                let i = rng.at(len - 3);
                let v = [0u32, 1, 8, 368, 0x7fff_ffff, u32::MAX][rng.below(6)];
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            3 => b.truncate(rng.at(len)),
            4 => {
                let i = rng.at(len);
                let n = rng.below(64).min(len - i);
                b.drain(i..i + n);
            }
            5 => {
                let i = rng.at(len);
                let n = rng.below(400).min(len - i);
                let part = b[i..i + n].to_vec();
                b.splice(i..i, part);
            }
            6 => {
                let i = rng.at(len);
                let j = rng.below(other.len());
                b.truncate(i);
                b.extend_from_slice(&other[j..]);
            }
            _ => {
                let i = rng.at(len);
                b[i] = rng.next() as u8
            }
        }
    }
    b
}

fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next() as u8).collect()
}

#[test]
fn the_dbn_reader_refuses_or_reads_mutated_sample_files() {
    let seeds: Vec<Vec<u8>> = dbn_seeds().into_iter().map(|(_, b)| b).collect();
    let mut rng = Rng(0x5EED_DB17);
    for seed in &seeds {
        dbn_reader(seed);
    }
    for _ in 0..cases() {
        let (a, b) = (rng.below(seeds.len()), rng.below(seeds.len()));
        dbn_reader(&mutate(&mut rng, &seeds[a], &seeds[b]));
    }
}

#[test]
fn every_kernel_returns_on_drawn_arrays() {
    let mut rng = Rng(0x5EED_CE11);
    let per_kernel = (cases() / 4).max(20);
    let mut failed = Vec::new();
    for (k, (name, _)) in KERNELS.iter().enumerate() {
        for _ in 0..per_kernel {
            let n = 8 + rng.below(600);
            let mut data = random_bytes(&mut rng, n);
            data[0] = k as u8; // `kernels` picks the kernel by its first byte
            if std::panic::catch_unwind(|| barsmith_fuzz::kernels(&data)).is_err() {
                failed.push(format!("{name} panicked on {data:?}"));
                break; // one input per kernel is enough to reproduce it
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn the_code_readers_return_on_damaged_buffers() {
    let mut rng = Rng(0x5EED_C0DE);
    for _ in 0..cases() {
        let n = rng.below(400);
        codes(&random_bytes(&mut rng, n));
    }
}
