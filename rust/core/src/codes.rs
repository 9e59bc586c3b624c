//! Byte codes mapped through a 256-entry table (side and action codes,
//! categorical codes): the fronts' input coercion, written once for all backends.
//!
//! A code column reaches us in whatever layout the user holds: categorical
//! codes or bytes ([`translate`]), Arrow strings (offsets and data,
//! [`string_codes`]), Arrow string views ([`view_codes`]) or NumPy fixed-width
//! `S`/`U` strings ([`fixed_width_codes`]). Each reads the buffers in place,
//! with no object per row; a value that is not one character (an empty or
//! longer string, a null) maps to the caller's `missing` byte, which the
//! fronts report as an unknown code with its row.

use rayon::prelude::*;

/// Inputs at least this long are mapped on all threads.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// `table[b]` for every byte `b`.
pub fn translate(bytes: &[u8], table: &[u8; 256]) -> Vec<u8> {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu_has_v3() {
        let mut out = Vec::with_capacity(bytes.len());
        // SAFETY: the CPU has AVX2 (cpu_has_v3); `translate_avx2` writes every
        // one of the `bytes.len()` slots of `out` before its length is set.
        unsafe {
            translate_avx2(bytes, table, out.spare_capacity_mut());
            out.set_len(bytes.len());
        }
        return out;
    }
    let map = |&b: &u8| table[b as usize];
    if bytes.len() >= PARALLEL_MIN_BYTES {
        bytes.par_iter().map(map).collect() // written in place: no zeroing pass
    } else {
        bytes.iter().map(map).collect()
    }
}

/// Codes are nearly always below 16 (categorical codes of a few categories, or
/// the missing code -1): 32 at a time through one byte shuffle of the table's
/// first 16 entries, on one thread faster than the table loop on all of them
/// (1.9M codes: 0.1 ms instead of 0.4-0.7). A block holding a larger code takes
/// the table loop.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn translate_avx2(bytes: &[u8], table: &[u8; 256], out: &mut [std::mem::MaybeUninit<u8>]) {
    use std::arch::x86_64::*;
    let low = _mm_loadu_si128(table.as_ptr() as *const __m128i);
    let low = _mm256_broadcastsi128_si256(low);
    let fifteen = _mm256_set1_epi8(15);
    let mut i = 0;
    while i + 32 <= bytes.len() {
        let x = _mm256_loadu_si256(bytes.as_ptr().add(i) as *const __m256i);
        if _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(x, fifteen), fifteen)) == -1 {
            let y = _mm256_shuffle_epi8(low, x);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, y);
        } else {
            for j in i..i + 32 {
                out[j].write(table[bytes[j] as usize]);
            }
        }
        i += 32;
    }
    for j in i..bytes.len() {
        out[j].write(table[bytes[j] as usize]);
    }
}

/// Arrow's validity bitmap: bit `offset + i` (LSB first) set where row `i` holds a value.
#[derive(Clone, Copy)]
pub struct Validity<'a> {
    pub bits: &'a [u8],
    pub offset: usize,
}

impl Validity<'_> {
    #[inline(always)]
    fn is_valid(&self, i: usize) -> bool {
        let bit = self.offset + i;
        self.bits[bit >> 3] >> (bit & 7) & 1 == 1
    }
}

/// Maps `code(i)` for each row on all threads when long, written in place (no zeroing).
fn map_rows(n: usize, code: impl Fn(usize) -> u8 + Sync + Send) -> Vec<u8> {
    if n >= PARALLEL_MIN_BYTES {
        (0..n).into_par_iter().map(code).collect()
    } else {
        (0..n).map(code).collect()
    }
}

/// Arrow offsets are i32 (`string`) or i64 (`large_string`).
pub trait Offset: Copy + Sync + Send {
    fn index(self) -> usize;
}
impl Offset for i32 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}
impl Offset for i64 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

/// `table[s]` for each one-byte string `s` of an Arrow string array, else `missing`.
///
/// `offsets` holds `n + 1` entries already shifted by the array's offset (string
/// `i` is `data[offsets[i]..offsets[i + 1]]`); `validity`, when given, marks nulls
/// and must hold `validity.offset + n` bits. Offsets are not trusted: one past the
/// end of `data` reads as `missing`, never out of bounds.
pub fn string_codes<O: Offset>(
    offsets: &[O],
    data: &[u8],
    validity: Option<Validity<'_>>,
    table: &[u8; 256],
    missing: u8,
) -> Vec<u8> {
    let n = offsets.len().saturating_sub(1);
    let mut out = vec![missing; n];
    let block = |(b, out): (usize, &mut [u8])| {
        let first = b * CODE_BLOCK;
        let offs = &offsets[first..=first + out.len()];
        let base = offs[0].index();
        // Nearly always every string is one byte, so a block's strings are its data's
        // next bytes: tested for the block at once (a loop that vectorises), then mapped
        // without reading the offsets again.
        let not_contiguous = offs
            .iter()
            .enumerate()
            .fold(0, |acc, (k, o)| acc | (o.index() ^ base.wrapping_add(k)));
        match data.get(base..base.wrapping_add(out.len())) {
            Some(bytes) if not_contiguous == 0 && validity.is_none() => {
                for (o, &b) in out.iter_mut().zip(bytes) {
                    *o = table[b as usize];
                }
            }
            _ => {
                for (k, o) in out.iter_mut().enumerate() {
                    let (start, end) = (offs[k].index(), offs[k + 1].index());
                    let valid = validity.is_none_or(|v| v.is_valid(first + k));
                    if let Some(&b) = data.get(start) {
                        if end == start.wrapping_add(1) && valid {
                            *o = table[b as usize];
                        }
                    }
                }
            }
        }
    };
    if n >= PARALLEL_MIN_BYTES {
        out.par_chunks_mut(CODE_BLOCK).enumerate().for_each(block);
    } else {
        out.chunks_mut(CODE_BLOCK).enumerate().for_each(block);
    }
    out
}

/// Rows a block of [`string_codes`] tests at once.
const CODE_BLOCK: usize = 256;

/// Dictionary indices of any width (polars' u32 categorical codes, Arrow's i32):
/// `lut[i]`, an index outside `lut` (or negative) as `missing`.
pub fn take_codes<I: Copy + TryInto<usize> + Sync + Send>(
    indices: &[I],
    lut: &[u8],
    missing: u8,
) -> Vec<u8> {
    let mut out = vec![missing; indices.len()];
    let map = |(o, idx): (&mut [u8], &[I])| {
        for (o, &i) in o.iter_mut().zip(idx) {
            if let Some(&code) = i.try_into().ok().and_then(|at: usize| lut.get(at)) {
                *o = code;
            }
        }
    };
    if indices.len() >= PARALLEL_MIN_BYTES {
        out.par_chunks_mut(CODE_BLOCK * 64)
            .zip(indices.par_chunks(CODE_BLOCK * 64))
            .for_each(map);
    } else {
        map((&mut out, indices));
    }
    out
}

/// `table[s]` for each one-byte string of an Arrow string-view array (polars' and
/// pyarrow's `string_view`), else `missing`. A view is 16 bytes: the length (u32, little
/// endian), then strings of up to 12 bytes inline, so a one-byte string's byte is the
/// view's fifth and no data buffer is read.
pub fn view_codes(
    views: &[[u8; 16]],
    validity: Option<Validity<'_>>,
    table: &[u8; 256],
    missing: u8,
) -> Vec<u8> {
    map_rows(views.len(), |i| {
        let view = &views[i];
        let len = u32::from_le_bytes([view[0], view[1], view[2], view[3]]);
        if len == 1 && validity.is_none_or(|v| v.is_valid(i)) {
            table[view[4] as usize]
        } else {
            missing
        }
    })
}

/// `table[c]` for each one-character string of a NumPy fixed-width array: `S<width>`
/// (`chars` are bytes) or `U<width>` (`chars` are UTF-32 code points), each string
/// NUL-padded to `width` characters. Characters beyond 255 are `missing`.
pub fn fixed_width_codes<C: Copy + Into<u32> + Sync + Send>(
    chars: &[C],
    width: usize,
    table: &[u8; 256],
    missing: u8,
) -> Vec<u8> {
    let width = width.max(1);
    let n = chars.len() / width;
    let mut out = vec![missing; n];
    let map = |(o, strings): (&mut [u8], &[C])| {
        for (o, s) in o.iter_mut().zip(strings.chunks_exact(width)) {
            let first: u32 = s[0].into();
            let one_char = first != 0 && (width == 1 || s[1].into() == 0);
            if one_char && first < 256 {
                *o = table[first as usize];
            }
        }
    };
    let rows = CODE_BLOCK * 64;
    if n >= PARALLEL_MIN_BYTES {
        out.par_chunks_mut(rows)
            .zip(chars[..n * width].par_chunks(rows * width))
            .for_each(map);
    } else {
        map((&mut out, &chars[..n * width]));
    }
    out
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

    #[test]
    fn small_and_large_codes_in_any_mix_and_any_length() {
        let table: [u8; 256] = std::array::from_fn(|b| (b as u8).wrapping_mul(7).wrapping_add(3));
        for n in [0, 1, 31, 32, 33, 100, 1000] {
            for large_every in [0usize, 1, 5, 40] {
                let bytes: Vec<u8> = (0..n)
                    .map(|i| {
                        if large_every > 0 && i % large_every == 0 {
                            200 + (i % 50) as u8
                        } else {
                            (i % 16) as u8
                        }
                    })
                    .collect();
                let want: Vec<u8> = bytes.iter().map(|&b| table[b as usize]).collect();
                assert_eq!(
                    super::translate(&bytes, &table),
                    want,
                    "n={n} large_every={large_every}"
                );
            }
        }
    }

    fn sides() -> [u8; 256] {
        let mut table = [9u8; 256];
        table[b'B' as usize] = 1;
        table[b'A' as usize] = 255;
        table[b'N' as usize] = 0;
        table
    }

    #[test]
    fn arrow_strings_of_one_byte_map_and_others_are_missing() {
        let data = b"BANBuyxA";
        // "B", "A", "N", "Buy", "", "x", "A" (row 6 null)
        let offsets: Vec<i64> = vec![0, 1, 2, 3, 6, 6, 7, 8];
        let bits = [0b1011_1111u8];
        let v = Some(super::Validity {
            bits: &bits,
            offset: 0,
        });
        let out = super::string_codes(&offsets, data, v, &sides(), 7);
        assert_eq!(out, vec![1, 255, 0, 7, 7, 9, 7]);
        let offsets32: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
        assert_eq!(
            super::string_codes(&offsets32, data, None, &sides(), 7)[6],
            255
        );
        assert_eq!(
            super::string_codes::<i32>(&[], data, None, &sides(), 7),
            vec![]
        );
    }

    #[test]
    fn validity_reads_the_arrays_bit_offset() {
        let bits = [0b0000_0100u8];
        let v = super::Validity {
            bits: &bits,
            offset: 2,
        };
        assert!(v.is_valid(0));
        assert!(!v.is_valid(1));
    }

    #[test]
    fn offsets_past_the_data_read_as_missing() {
        assert_eq!(
            super::string_codes(&[0i32, 1, 9, 10], b"BA", None, &sides(), 7),
            vec![1, 7, 7]
        );
    }

    #[test]
    fn dictionary_indices_of_any_width() {
        let lut = [1u8, 255, 0];
        assert_eq!(
            super::take_codes(&[0u32, 2, 1, 3], &lut, 7),
            vec![1, 0, 255, 7]
        );
        assert_eq!(super::take_codes(&[-1i32, 1], &lut, 7), vec![7, 255]);
    }

    #[test]
    fn a_block_with_one_longer_string_maps_the_others_all_the_same() {
        // strings "B" except row 700, "Buy"; the array starts 5 bytes into its data
        let n = 1000;
        let mut data = b"xxxxx".to_vec();
        let mut offsets = vec![5i32];
        for i in 0..n {
            data.extend_from_slice(if i == 700 { b"Buy" } else { b"B" });
            offsets.push(data.len() as i32);
        }
        let out = super::string_codes(&offsets, &data, None, &sides(), 7);
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, &c)| c == if i == 700 { 7 } else { 1 }));
    }

    #[test]
    fn string_views_read_inline_bytes() {
        let mut views = vec![[0u8; 16]; 4];
        views[0][0] = 1;
        views[0][4] = b'B';
        views[1][0] = 1;
        views[1][4] = b'A';
        views[2][0] = 13; // long: not a code
        views[3][0] = 0; // empty
        let out = super::view_codes(&views, None, &sides(), 7);
        assert_eq!(out, vec![1, 255, 7, 7]);
    }

    #[test]
    fn fixed_width_strings_of_one_character() {
        let u1: Vec<u32> = vec!['B' as u32, 'A' as u32, 0, 0x263A];
        assert_eq!(
            super::fixed_width_codes(&u1, 1, &sides(), 7),
            vec![1, 255, 7, 7]
        );
        let u2: Vec<u32> = vec!['B' as u32, 0, 'B' as u32, 'u' as u32];
        assert_eq!(super::fixed_width_codes(&u2, 2, &sides(), 7), vec![1, 7]);
        let s2: Vec<u8> = b"N\0AB".to_vec();
        assert_eq!(super::fixed_width_codes(&s2, 2, &sides(), 7), vec![0, 7]);
    }

    #[test]
    fn long_inputs_take_the_parallel_path_with_the_same_result() {
        let n = (1 << 20) + 5;
        let data: Vec<u8> = (0..n)
            .map(|i| if i % 3 == 0 { b'B' } else { b'A' })
            .collect();
        let offsets: Vec<i32> = (0..=n).collect();
        let out = super::string_codes(&offsets, &data, None, &sides(), 7);
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, &c)| c == if i % 3 == 0 { 1 } else { 255 }));
    }
}
