//! `_core.inputs`: reading code columns in the layout the user holds (see
//! `barsmith_core::codes`). Input coercion, not kernels: every backend's fronts
//! read through these, as every backend reads DBN files through the one decoder.

use barsmith_core::codes::{self, Validity};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::{guarded, slice};

fn table_of<'a>(table: &'a PyReadonlyArray1<'_, u8>) -> PyResult<&'a [u8; 256]> {
    slice("table", table)?
        .try_into()
        .map_err(|_| PyValueError::new_err("table: expected 256 bytes"))
}

/// A validity bitmap holding at least `offset + n` bits, or none.
fn validity_of<'a>(
    bits: &'a Option<PyReadonlyArray1<'_, u8>>,
    offset: usize,
    n: usize,
) -> PyResult<Option<Validity<'a>>> {
    let Some(bits) = bits else { return Ok(None) };
    let bits = slice("validity", bits)?;
    if bits.len() * 8 < offset + n {
        return Err(PyValueError::new_err(format!(
            "validity: {} bits for {n} rows at bit offset {offset}",
            bits.len() * 8
        )));
    }
    Ok(Some(Validity { bits, offset }))
}

/// `table[b]` for every byte of `codes` (categorical codes, `S1` bytes).
#[pyfunction]
pub fn translate<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, u8>,
    table: PyReadonlyArray1<'py, u8>,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let (codes, table) = (slice("codes", &codes)?, table_of(&table)?);
    Ok(guarded(py, || codes::translate(codes, table))?.into_pyarray(py))
}

/// Runs `$body` over the array `$a` borrowed as the slice `$s`, with the GIL released:
/// one arm of a match over the integer widths an argument may come in.
macro_rules! detached {
    ($py:ident, $a:expr, |$s:ident| $body:expr) => {{
        let $s = slice("values", $a)?;
        guarded($py, || $body)?
    }};
}

/// Arrow `string` (i32 offsets) or `large_string` (i64 offsets).
#[derive(FromPyObject)]
pub enum Offsets<'py> {
    Small(PyReadonlyArray1<'py, i32>),
    Large(PyReadonlyArray1<'py, i64>),
}

/// One Arrow string array's codes: `offsets` (n + 1, shifted by the array's offset),
/// its `data` buffer and validity bitmap (with the array's bit offset).
#[pyfunction]
#[pyo3(signature = (offsets, data, validity, validity_offset, table, missing))]
pub fn string_codes<'py>(
    py: Python<'py>,
    offsets: Offsets<'py>,
    data: PyReadonlyArray1<'py, u8>,
    validity: Option<PyReadonlyArray1<'py, u8>>,
    validity_offset: usize,
    table: PyReadonlyArray1<'py, u8>,
    missing: u8,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let (data, table) = (slice("data", &data)?, table_of(&table)?);
    let n = match &offsets {
        Offsets::Small(o) => slice("offsets", o)?.len(),
        Offsets::Large(o) => slice("offsets", o)?.len(),
    };
    let v = validity_of(&validity, validity_offset, n.saturating_sub(1))?;
    let out = match &offsets {
        Offsets::Small(o) => detached!(py, o, |o| codes::string_codes(o, data, v, table, missing)),
        Offsets::Large(o) => detached!(py, o, |o| codes::string_codes(o, data, v, table, missing)),
    };
    Ok(out.into_pyarray(py))
}

/// Dictionary or categorical indices, any integer width.
#[derive(FromPyObject)]
pub enum Indices<'py> {
    I8(PyReadonlyArray1<'py, i8>),
    I16(PyReadonlyArray1<'py, i16>),
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
    U16(PyReadonlyArray1<'py, u16>),
    U32(PyReadonlyArray1<'py, u32>),
    U64(PyReadonlyArray1<'py, u64>),
}

/// `lut[i]` per index; an index outside `lut` (pandas' missing -1, a null) as `missing`.
#[pyfunction]
pub fn take_codes<'py>(
    py: Python<'py>,
    indices: Indices<'py>,
    lut: PyReadonlyArray1<'py, u8>,
    missing: u8,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let lut = slice("lut", &lut)?;
    let out = match &indices {
        Indices::I8(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
        Indices::I16(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
        Indices::I32(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
        Indices::I64(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
        Indices::U16(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
        Indices::U32(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
        Indices::U64(a) => detached!(py, a, |a| codes::take_codes(a, lut, missing)),
    };
    Ok(out.into_pyarray(py))
}

/// One Arrow `string_view` array's codes: its views buffer (16 bytes a row, already
/// sliced to the array's rows) and validity bitmap.
#[pyfunction]
#[pyo3(signature = (views, validity, validity_offset, table, missing))]
pub fn view_codes<'py>(
    py: Python<'py>,
    views: PyReadonlyArray1<'py, u8>,
    validity: Option<PyReadonlyArray1<'py, u8>>,
    validity_offset: usize,
    table: PyReadonlyArray1<'py, u8>,
    missing: u8,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let (bytes, table) = (slice("views", &views)?, table_of(&table)?);
    if bytes.len() % 16 != 0 {
        return Err(PyValueError::new_err("views: expected 16 bytes a row"));
    }
    // SAFETY: [u8; 16] has the size of 16 bytes and the alignment of one (no
    // slice::as_chunks before Rust 1.88, above our minimum)
    let views: &[[u8; 16]] =
        unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const [u8; 16], bytes.len() / 16) };
    let v = validity_of(&validity, validity_offset, views.len())?;
    Ok(guarded(py, || codes::view_codes(views, v, table, missing))?.into_pyarray(py))
}

/// NumPy `S<width>` (bytes) or `U<width>` (UTF-32) strings, seen as their characters.
#[derive(FromPyObject)]
pub enum Chars<'py> {
    Bytes(PyReadonlyArray1<'py, u8>),
    Wide(PyReadonlyArray1<'py, u32>),
}

#[pyfunction]
pub fn fixed_width_codes<'py>(
    py: Python<'py>,
    chars: Chars<'py>,
    width: usize,
    table: PyReadonlyArray1<'py, u8>,
    missing: u8,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let table = table_of(&table)?;
    let out = match &chars {
        Chars::Bytes(c) => detached!(py, c, |c| codes::fixed_width_codes(
            c, width, table, missing
        )),
        Chars::Wide(c) => detached!(py, c, |c| codes::fixed_width_codes(
            c, width, table, missing
        )),
    };
    Ok(out.into_pyarray(py))
}

/// Object arrays (pandas `object` and python-backed `str`). A column of codes holds
/// a handful of distinct objects (CPython keeps one object per one-character latin-1
/// string), so rows are mapped by object identity, in parallel and without the GIL,
/// through a table of the objects met so far; only a row holding an object not yet
/// met takes the GIL, to read that object as a string, and the scan goes on from it.
/// Anything but a one-byte `str` (None, NaN, NA, bytes, longer strings) is `missing`.
#[pyfunction]
pub fn object_codes<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, Py<PyAny>>,
    table: PyReadonlyArray1<'py, u8>,
    missing: u8,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let (values, table) = (slice("values", &values)?, table_of(&table)?);
    // SAFETY: `Py<PyAny>` is one non-null pointer. The scan only compares the pointers'
    // values (atomic loads: another Python thread may write the array meanwhile); an
    // object is read as a string only with the GIL held, from the array as it is then.
    let keys: &[AtomicUsize] =
        unsafe { std::slice::from_raw_parts(values.as_ptr() as *const AtomicUsize, values.len()) };
    let code_of = |obj: &Py<PyAny>| -> u8 {
        match obj.bind(py).cast::<PyString>().map(|s| s.to_str()) {
            Ok(Ok(text)) if text.len() == 1 => table[text.as_bytes()[0] as usize],
            _ => missing,
        }
    };
    let mut out = vec![missing; values.len()];
    let mut known = Identities::default();
    let mut from = 0;
    while from < values.len() {
        let unknown = guarded(py, || known.map(&keys[from..], &mut out[from..]))?;
        let Some(at) = unknown.map(|k| from + k) else {
            break;
        };
        let key = keys[at].load(Relaxed);
        out[at] = code_of(&values[at]);
        from = at + 1;
        if !known.insert(key, out[at]) {
            // Many distinct objects (not a code column): read the rest with the GIL.
            for (o, obj) in out[from..].iter_mut().zip(&values[from..]) {
                *o = code_of(obj);
            }
            break;
        }
    }
    Ok(out.into_pyarray(py))
}

/// Objects met so far, by address, with their codes: open addressing, at most half full.
struct Identities {
    slots: [(usize, u8); IDENTITY_SLOTS],
    len: usize,
}

const IDENTITY_SLOTS: usize = 128;

impl Default for Identities {
    fn default() -> Self {
        Identities {
            slots: [(0, 0); IDENTITY_SLOTS],
            len: 0,
        }
    }
}

impl Identities {
    #[inline(always)]
    fn get(&self, key: usize) -> Option<u8> {
        let mut i = (key >> 4) % IDENTITY_SLOTS;
        loop {
            let (k, code) = self.slots[i];
            if k == key {
                return Some(code);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) % IDENTITY_SLOTS;
        }
    }

    /// False when full.
    fn insert(&mut self, key: usize, code: u8) -> bool {
        if self.len >= IDENTITY_SLOTS / 2 {
            return false;
        }
        let mut i = (key >> 4) % IDENTITY_SLOTS;
        while self.slots[i].0 != 0 && self.slots[i].0 != key {
            i = (i + 1) % IDENTITY_SLOTS;
        }
        self.len += usize::from(self.slots[i].0 == 0);
        self.slots[i] = (key, code);
        true
    }

    /// Maps rows of known objects (on all threads when long); returns the first row
    /// holding an unknown one. Rows after it may be written or not: they are mapped again.
    fn map(&self, keys: &[AtomicUsize], out: &mut [u8]) -> Option<usize> {
        let chunk = |(c, (o, k)): (usize, (&mut [u8], &[AtomicUsize]))| {
            self.map_chunk(k, o).map(|j| c * OBJECT_CHUNK + j)
        };
        if keys.len() >= 1 << 20 {
            out.par_chunks_mut(OBJECT_CHUNK)
                .zip(keys.par_chunks(OBJECT_CHUNK))
                .enumerate()
                .filter_map(chunk)
                .min()
        } else {
            out.chunks_mut(OBJECT_CHUNK)
                .zip(keys.chunks(OBJECT_CHUNK))
                .enumerate()
                .find_map(chunk)
        }
    }

    fn map_chunk(&self, keys: &[AtomicUsize], out: &mut [u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if self.len <= FEW_OBJECTS && barsmith_core::cpu_has_v3() {
            // SAFETY: the CPU has AVX2 (cpu_has_v3); `keys` and `out` have the same length
            return unsafe { self.map_few_avx2(keys, out) };
        }
        self.map_scalar(keys, out, 0)
    }

    fn map_scalar(&self, keys: &[AtomicUsize], out: &mut [u8], from: usize) -> Option<usize> {
        for (j, (o, k)) in out[from..].iter_mut().zip(&keys[from..]).enumerate() {
            match self.get(k.load(Relaxed)) {
                Some(code) => *o = code,
                None => return Some(from + j),
            }
        }
        None
    }

    /// A code column holds two to a few objects: four rows at a time compared with each
    /// (one 256-bit compare and a 4-bit mask per object, the mask spread to four code
    /// bytes by a multiply), 3x the hash probe per row.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn map_few_avx2(&self, keys: &[AtomicUsize], out: &mut [u8]) -> Option<usize> {
        use std::arch::x86_64::*;
        const SPREAD: [u32; 16] = {
            let mut s = [0u32; 16];
            let mut m = 0;
            while m < 16 {
                s[m] = (m as u32 & 1)
                    | (m as u32 >> 1 & 1) << 8
                    | (m as u32 >> 2 & 1) << 16
                    | (m as u32 >> 3) << 24;
                m += 1;
            }
            s
        };
        let mut known = [(_mm256_setzero_si256(), 0u32); FEW_OBJECTS];
        let mut n_known = 0;
        for &(key, code) in self.slots.iter().filter(|s| s.0 != 0) {
            known[n_known] = (_mm256_set1_epi64x(key as i64), code as u32);
            n_known += 1;
        }
        let known = &known[..n_known];
        let mut i = 0;
        while i + 4 <= keys.len() {
            // the four pointers' values, read as the atomic loads of `map_scalar` are:
            // a row changed meanwhile maps as one of the two objects, never out of bounds
            let rows = _mm256_loadu_si256(keys.as_ptr().add(i) as *const __m256i);
            let (mut word, mut met) = (0u32, 0usize);
            for &(key, code) in known {
                let mask =
                    _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(rows, key))) as usize;
                met |= mask;
                word |= SPREAD[mask] * code;
            }
            if met != 15 {
                break; // an unknown object among these four: the scalar probe finds it
            }
            out[i..i + 4].copy_from_slice(&word.to_le_bytes());
            i += 4;
        }
        self.map_scalar(keys, out, i)
    }
}

/// Objects met so far up to which the vector compare beats the hash probe.
const FEW_OBJECTS: usize = 8;

const OBJECT_CHUNK: usize = 1 << 16;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(translate, m)?)?;
    m.add_function(wrap_pyfunction!(string_codes, m)?)?;
    m.add_function(wrap_pyfunction!(view_codes, m)?)?;
    m.add_function(wrap_pyfunction!(take_codes, m)?)?;
    m.add_function(wrap_pyfunction!(fixed_width_codes, m)?)?;
    m.add_function(wrap_pyfunction!(object_codes, m)?)?;
    Ok(())
}
