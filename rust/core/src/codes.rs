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
    let map = ByteTable::new(table, table[255]);
    let mut out = vec![0u8; bytes.len()];
    if bytes.len() >= PARALLEL_MIN_BYTES {
        out.par_chunks_mut(MAP_CHUNK)
            .zip(bytes.par_chunks(MAP_CHUNK))
            .for_each(|(o, b)| map.map(b, o));
    } else {
        map.map(bytes, &mut out);
    }
    out
}

/// A 256-entry byte table, split for [`ByteTable::map`] into its rows of 16 entries
/// (by high nibble) that hold anything but `table[255]`: a code table has one or two.
pub struct ByteTable<'a> {
    table: &'a [u8; 256],
    rows: [(u8, [u8; 16]); 16],
    n_rows: usize,
    /// A byte the table maps to `missing`: the readers below write it for a row that
    /// holds no code, then map the whole block at once.
    sentinel: Option<u8>,
}

impl<'a> ByteTable<'a> {
    pub fn new(table: &'a [u8; 256], missing: u8) -> Self {
        let fill = table[255];
        let mut rows = [(0u8, [0u8; 16]); 16];
        let mut n_rows = 0;
        for (h, row) in table.chunks_exact(16).enumerate() {
            if row.iter().any(|&v| v != fill) {
                rows[n_rows] = (h as u8, row.try_into().unwrap());
                n_rows += 1;
            }
        }
        let sentinel = (0..=255u8).rev().find(|&b| table[b as usize] == missing);
        ByteTable {
            table,
            rows,
            n_rows,
            sentinel,
        }
    }

    /// `out[i] = table[bytes[i]]`.
    pub fn map(&self, bytes: &[u8], out: &mut [u8]) {
        assert_eq!(bytes.len(), out.len());
        #[cfg(target_arch = "x86_64")]
        if crate::cpu_has_v3() {
            // SAFETY: the CPU has AVX2 (cpu_has_v3); both slices hold `bytes.len()` bytes
            unsafe { self.map_avx2(bytes, out) };
            return;
        }
        for (o, &b) in out.iter_mut().zip(bytes) {
            *o = self.table[b as usize];
        }
    }

    /// 32 bytes at a time: each live row of the table is one byte shuffle by the low
    /// nibble, blended in where the high nibble selects it (10M bytes: ~0.5 ms on one
    /// core, 9x the table loop, which is bound by one load per byte).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn map_avx2(&self, bytes: &[u8], out: &mut [u8]) {
        use std::arch::x86_64::*;
        let mut rows = [(_mm256_setzero_si256(), _mm256_setzero_si256()); 16];
        for (r, &(h, row)) in rows.iter_mut().zip(&self.rows[..self.n_rows]) {
            let row = _mm_loadu_si128(row.as_ptr() as *const __m128i);
            *r = (_mm256_set1_epi8(h as i8), _mm256_broadcastsi128_si256(row));
        }
        let rows = &rows[..self.n_rows];
        let (nibble, fill) = (
            _mm256_set1_epi8(0x0F),
            _mm256_set1_epi8(self.table[255] as i8),
        );
        let mut i = 0;
        while i + 32 <= bytes.len() {
            let x = _mm256_loadu_si256(bytes.as_ptr().add(i) as *const __m256i);
            let low = _mm256_and_si256(x, nibble);
            let high = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
            let mut y = fill;
            for &(h, row) in rows {
                let here = _mm256_cmpeq_epi8(high, h);
                y = _mm256_blendv_epi8(y, _mm256_shuffle_epi8(row, low), here);
            }
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, y);
            i += 32;
        }
        for j in i..bytes.len() {
            out[j] = self.table[bytes[j] as usize];
        }
    }

    /// `n` rows read block by block into a buffer by `read(first_row, buf, sentinel)`,
    /// which writes each row's byte, or `sentinel` for a row that holds no code, then
    /// mapped at once; on all threads when long.
    fn map_blocks(
        &self,
        n: usize,
        missing: u8,
        read: impl Fn(usize, &mut [u8], u8) + Sync,
    ) -> Vec<u8> {
        let read = &read;
        let block = |(c, out): (usize, &mut [u8])| {
            let mut buf = [0u8; MAP_CHUNK];
            let buf = &mut buf[..out.len()];
            if let Some(sentinel) = self.sentinel {
                // the readers' loops vectorise (widths, compares) in the AVX2 build
                let (first, into) = (c * MAP_CHUNK, &mut *buf);
                multiversion!(read(first, into, sentinel));
                self.map(buf, out);
            } else {
                // no byte maps to `missing`: a row whose byte follows the sentinel holds no code
                let mut other = [0u8; MAP_CHUNK];
                let other = &mut other[..out.len()];
                read(c * MAP_CHUNK, buf, 0);
                read(c * MAP_CHUNK, other, 1);
                self.map(buf, out);
                for (o, (a, b)) in out.iter_mut().zip(buf.iter().zip(other.iter())) {
                    if a != b {
                        *o = missing;
                    }
                }
            }
        };
        let mut out = vec![0u8; n];
        if n >= PARALLEL_MIN_BYTES {
            out.par_chunks_mut(MAP_CHUNK).enumerate().for_each(block);
        } else {
            out.chunks_mut(MAP_CHUNK).enumerate().for_each(block);
        }
        out
    }
}

/// Rows a reader maps at once: its buffer stays in L1.
const MAP_CHUNK: usize = 4096;

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
    let map = ByteTable::new(table, missing);
    let mut out = vec![missing; n];
    let block = |(b, out): (usize, &mut [u8])| {
        let first = b * CODE_BLOCK;
        let offs = &offsets[first..=first + out.len()];
        let base = offs[0].index();
        // Nearly always every string is one byte, so a block's strings are its data's
        // next bytes: tested for the block at once (a loop that vectorises), then mapped
        // without reading the offsets again.
        let not_contiguous = multiversion!(steps_of_one(offs, base));
        match data.get(base..base.wrapping_add(out.len())) {
            Some(bytes) if not_contiguous == 0 && validity.is_none() => map.map(bytes, out),
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

/// Zero when `offsets[k] == base + k` for every `k`.
#[inline(always)]
fn steps_of_one<O: Offset>(offsets: &[O], base: usize) -> usize {
    offsets
        .iter()
        .enumerate()
        .fold(0, |acc, (k, o)| acc | (o.index() ^ base.wrapping_add(k)))
}

/// Rows a block of [`string_codes`] tests at once.
const CODE_BLOCK: usize = 1024;

/// An integer index of any width as u64, a negative one wrapped far past any table.
pub trait Index: Copy + Sync + Send {
    fn wrapped(self) -> u64;
}
macro_rules! index_as {
    ($($t:ty => $via:ty),*) => {$(
        impl Index for $t {
            #[inline(always)]
            fn wrapped(self) -> u64 {
                self as $via as u64
            }
        }
    )*};
}
index_as!(i8 => i64, i16 => i64, i32 => i64, i64 => i64, u8 => u64, u16 => u64, u32 => u64, u64 => u64);

/// Dictionary indices of any width (polars' u32 categorical codes, Arrow's i32):
/// `lut[i]`, an index outside `lut` (or negative) as `missing`.
pub fn take_codes<I: Index>(indices: &[I], lut: &[u8], missing: u8) -> Vec<u8> {
    if lut.len() < 256 {
        // the indices' bytes through the table of `lut`, whose last entry stays `missing`
        let mut table = [missing; 256];
        table[..lut.len()].copy_from_slice(lut);
        let n_codes = lut.len();
        return ByteTable::new(&table, missing).map_blocks(
            indices.len(),
            missing,
            |first, buf, sentinel| {
                for (b, &i) in buf.iter_mut().zip(&indices[first..]) {
                    let at = i.wrapped();
                    *b = if at < n_codes as u64 {
                        at as u8
                    } else {
                        sentinel
                    }; // vectorises
                }
            },
        );
    }
    let mut out = vec![missing; indices.len()];
    let map = |(o, idx): (&mut [u8], &[I])| {
        for (o, &i) in o.iter_mut().zip(idx) {
            if let Some(&code) = usize::try_from(i.wrapped()).ok().and_then(|at| lut.get(at)) {
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
    ByteTable::new(table, missing).map_blocks(views.len(), missing, |first, buf, sentinel| {
        for (b, view) in buf.iter_mut().zip(&views[first..]) {
            let head = u64::from_le_bytes(view[..8].try_into().unwrap());
            *b = if head as u32 == 1 {
                (head >> 32) as u8
            } else {
                sentinel
            };
        }
        if let Some(v) = validity {
            for (k, b) in buf.iter_mut().enumerate() {
                if !v.is_valid(first + k) {
                    *b = sentinel;
                }
            }
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
    ByteTable::new(table, missing).map_blocks(n, missing, |first, buf, sentinel| {
        let code = |c: u32| if c != 0 && c < 256 { c as u8 } else { sentinel };
        if width == 1 {
            for (b, &c) in buf.iter_mut().zip(&chars[first..]) {
                *b = code(c.into()); // a loop that vectorises
            }
        } else {
            for (b, s) in buf
                .iter_mut()
                .zip(chars[first * width..n * width].chunks_exact(width))
            {
                *b = if s[1].into() == 0 {
                    code(s[0].into())
                } else {
                    sentinel
                };
            }
        }
    })
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
    fn the_byte_table_maps_every_byte_through_few_rows_or_many() {
        let bytes: Vec<u8> = (0..70_001u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let few = sides();
        let many: [u8; 256] = std::array::from_fn(|b| (b as u8).rotate_left(3));
        for table in [few, many, [4u8; 256]] {
            let mut out = vec![0u8; bytes.len()];
            super::ByteTable::new(&table, 9).map(&bytes, &mut out);
            assert!(out
                .iter()
                .zip(&bytes)
                .all(|(&o, &b)| o == table[b as usize]));
        }
    }

    #[test]
    fn a_table_that_maps_no_byte_to_missing_still_reports_rows_without_a_code() {
        // every byte is a code here, so no byte can stand for "no code" in the buffer
        let table: [u8; 256] = std::array::from_fn(|b| b as u8 | 1);
        let mut views = vec![[0u8; 16]; 5000];
        for (i, v) in views.iter_mut().enumerate() {
            v[0] = if i % 7 == 0 { 2 } else { 1 };
            v[4] = (i % 256) as u8;
        }
        let out = super::view_codes(&views, None, &table, 0);
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, &c)| c == if i % 7 == 0 { 0 } else { (i % 256) as u8 | 1 }));
        assert_eq!(
            super::take_codes(&[3i64, -1, 300], &[7, 8, 9, 10], 0),
            vec![10, 0, 0]
        );
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
