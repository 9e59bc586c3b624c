//! `barsmith._core`: thin PyO3 wrappers over `barsmith-core`.
//!
//! Each wrapper borrows its NumPy inputs without copying (the Python fronts
//! pass C-contiguous arrays of the kernel dtypes), releases the GIL while the
//! kernel runs and hands the output vectors to NumPy without copying.
//! One binding module per domain, mirroring `rust/core/src/` and the Python
//! domains: `_core.bars.time_bars` (here `bars.rs`) is `_numba/bars.py::time_bars`
//! is `_pandas/bars.py::time_bars`. This file holds what every domain shares: the
//! GIL-free panic guard, slice borrowing and the (k, len) output helper.

use numpy::{PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Borrows the four trade columns as slices, named for error messages.
macro_rules! trade_slices {
    ($ts:ident, $price:ident, $size:ident, $side:ident) => {
        (
            slice("ts", &$ts)?,
            slice("price", &$price)?,
            slice("size", &$size)?,
            slice("side", &$side)?,
        )
    };
}

mod bars;
mod book;
mod engines;
mod episodes;
mod indicators;
mod inputs;
mod orderflow;
mod structure;
mod synth;

/// Runs `f` with the GIL released. A panic (a kernel's assumption broken by input the
/// fronts did not check, such as columns of different lengths passed to `_core`
/// directly) becomes `barsmith.InputError`, not pyo3's `PanicException`, which derives
/// from `BaseException` and so escapes a user's `except Exception`; nothing is printed.
pub(crate) fn guarded<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| barsmith_core::quietly(f))
        .map_err(|panic| refused(py, panic))
}

/// `barsmith.InputError` for a kernel's panic (see [`guarded`]).
pub(crate) fn refused(py: Python<'_>, panic: String) -> PyErr {
    let message = format!("the kernel refused its input ({panic}); check that the columns have one length and the kernel's dtypes");
    match py
        .import("barsmith._errors")
        .and_then(|m| m.getattr("InputError"))
    {
        Ok(input_error) => match input_error.call1((message.clone(),)) {
            Ok(err) => PyErr::from_value(err),
            Err(e) => e,
        },
        Err(_) => PyValueError::new_err(message),
    }
}

pub(crate) fn slice<'a, T: numpy::Element>(
    name: &str,
    a: &'a PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a C-contiguous 1-D array")))
}

/// Runs `kernel(out)` with the GIL released on `k` outputs of `len` values each: a (k, len) array.
pub(crate) fn rows<'py>(
    py: Python<'py>,
    k: usize,
    len: usize,
    kernel: impl FnOnce(&mut [f64]) + Send,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let mut out = vec![0.0; k * len];
    guarded(py, || kernel(&mut out))?;
    numpy::PyArray1::from_vec(py, out).reshape([k, len])
}

fn submodule<'py>(parent: &Bound<'py, PyModule>, name: &str) -> PyResult<Bound<'py, PyModule>> {
    let m = PyModule::new(parent.py(), name)?;
    parent.add_submodule(&m)?;
    Ok(m)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    inputs::register(&submodule(m, "inputs")?)?;
    bars::register(&submodule(m, "bars")?)?;
    orderflow::register(&submodule(m, "orderflow")?)?;
    book::register(&submodule(m, "book")?)?;
    indicators::register(&submodule(m, "indicators")?)?;
    structure::register(&submodule(m, "structure")?)?;
    synth::register(&submodule(m, "synth")?)?;
    engines::register(&submodule(m, "engines")?)?;
    episodes::register(&submodule(m, "episodes")?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
