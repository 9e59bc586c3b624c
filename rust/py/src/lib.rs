//! `barsmith._core`: thin PyO3 wrappers over `barsmith-core`.
//!
//! Each wrapper borrows its NumPy inputs without copying (the Python fronts
//! pass C-contiguous arrays of the kernel dtypes), releases the GIL while the
//! kernel runs and hands the output vectors to NumPy without copying.
//! Submodules mirror the Python domains: `_core.bars.time_bars` is
//! `_numba/bars.py::time_bars` is `_pandas/bars.py::time_bars`.

use barsmith_core::{bars, orderflow};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

fn slice<'a, T: numpy::Element>(name: &str, a: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a C-contiguous 1-D array")))
}

fn bars_to_py<'py>(py: Python<'py>, b: bars::Bars) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            b.bad_rows.to_vec().into_pyarray(py).into_any(),
            b.start.into_pyarray(py).into_any(),
            b.open.into_pyarray(py).into_any(),
            b.high.into_pyarray(py).into_any(),
            b.low.into_pyarray(py).into_any(),
            b.close.into_pyarray(py).into_any(),
            b.volume.into_pyarray(py).into_any(),
            b.vwap.into_pyarray(py).into_any(),
            b.n_trades.into_pyarray(py).into_any(),
            b.buy_volume.into_pyarray(py).into_any(),
            b.sell_volume.into_pyarray(py).into_any(),
            b.ts_first.into_pyarray(py).into_any(),
            b.ts_last.into_pyarray(py).into_any(),
        ],
    )
}

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

#[pyfunction]
fn scan_trades<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    price: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, f64>,
    side: PyReadonlyArray1<'py, i8>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (ts, price, size, side) = trade_slices!(ts, price, size, side);
    let rows = py.detach(|| bars::scan_trades(ts, price, size, side));
    Ok(rows.to_vec().into_pyarray(py))
}

/// A wrapper for a bar kernel: the four trade columns plus the kernel's own
/// parameters, returning the scan result and the bar columns.
macro_rules! bar_kernel {
    ($name:ident($($param:ident: $ty:ty),*)) => {
        #[pyfunction]
        fn $name<'py>(
            py: Python<'py>,
            ts: PyReadonlyArray1<'py, i64>,
            price: PyReadonlyArray1<'py, f64>,
            size: PyReadonlyArray1<'py, f64>,
            side: PyReadonlyArray1<'py, i8>,
            $($param: $ty),*
        ) -> PyResult<Bound<'py, PyTuple>> {
            let (ts, price, size, side) = trade_slices!(ts, price, size, side);
            let out = py.detach(|| bars::$name(ts, price, size, side, $($param),*));
            bars_to_py(py, out)
        }
    };
}

bar_kernel!(time_bars(interval_ns: i64, origin_ns: i64));
bar_kernel!(tick_bars(n_per_bar: i64));
bar_kernel!(volume_bars(threshold: f64));
bar_kernel!(dollar_bars(threshold: f64));

#[pyfunction]
fn trade_signs<'py>(
    py: Python<'py>,
    price: PyReadonlyArray1<'py, f64>,
    mid: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<i8>>> {
    let (price, mid) = (slice("price", &price)?, slice("mid", &mid)?);
    let out = py.detach(|| orderflow::trade_signs(price, mid));
    Ok(out.into_pyarray(py))
}

#[pyfunction]
fn cvd<'py>(
    py: Python<'py>,
    size: PyReadonlyArray1<'py, f64>,
    sign: PyReadonlyArray1<'py, i8>,
    period: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (size, sign, period) = (
        slice("size", &size)?,
        slice("sign", &sign)?,
        slice("period", &period)?,
    );
    let out = py.detach(|| orderflow::cvd(size, sign, period));
    Ok(out.into_pyarray(py))
}

fn submodule<'py>(parent: &Bound<'py, PyModule>, name: &str) -> PyResult<Bound<'py, PyModule>> {
    let m = PyModule::new(parent.py(), name)?;
    parent.add_submodule(&m)?;
    Ok(m)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let bars_mod = submodule(m, "bars")?;
    bars_mod.add_function(wrap_pyfunction!(scan_trades, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(time_bars, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(tick_bars, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(volume_bars, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(dollar_bars, &bars_mod)?)?;

    let flow_mod = submodule(m, "orderflow")?;
    flow_mod.add_function(wrap_pyfunction!(trade_signs, &flow_mod)?)?;
    flow_mod.add_function(wrap_pyfunction!(cvd, &flow_mod)?)?;

    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
