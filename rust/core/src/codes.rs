//! Byte codes mapped through a 256-entry table (side and action codes,
//! categorical codes): the fronts' input coercion, written once for all backends.

use rayon::prelude::*;

/// Inputs at least this long are mapped on all threads.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// `table[b]` for every byte `b`.
pub fn translate(bytes: &[u8], table: &[u8; 256]) -> Vec<u8> {
    let map = |&b: &u8| table[b as usize];
    if bytes.len() >= PARALLEL_MIN_BYTES {
        bytes.par_iter().map(map).collect() // written in place: no zeroing pass
    } else {
        bytes.iter().map(map).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_byte_goes_through_the_table() {
        let mut table = [0u8; 256];
        table[b'B' as usize] = 1;
        table[b'A' as usize] = 255;
        let bytes: Vec<u8> = b"BAN".iter().cycle().take(3 << 20).copied().collect();
        let out = super::translate(&bytes, &table);
        assert_eq!(&out[..3], &[1, 255, 0]);
        assert!(out.chunks(3).all(|c| c == [1, 255, 0]));
    }
}
