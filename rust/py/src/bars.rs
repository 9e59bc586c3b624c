//! `_core.bars`: trades to bars (`barsmith_core::bars`).

use barsmith_core::bars;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::{guarded, slice};

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

#[pyfunction]
fn scan_trades<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    price: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, f64>,
    side: PyReadonlyArray1<'py, i8>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (ts, price, size, side) = trade_slices!(ts, price, size, side);
    let rows = guarded(py, || bars::scan_trades(ts, price, size, side))?;
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
            let out = guarded(py, || bars::$name(ts, price, size, side, $($param),*))?;
            bars_to_py(py, out)
        }
    };
}

bar_kernel!(time_bars(interval_ns: i64, origin_ns: i64));
bar_kernel!(tick_bars(n_per_bar: i64));
bar_kernel!(volume_bars(threshold: f64));
bar_kernel!(dollar_bars(threshold: f64));

/// Adds this domain's functions to its `_core` submodule.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_trades, m)?)?;
    m.add_function(wrap_pyfunction!(time_bars, m)?)?;
    m.add_function(wrap_pyfunction!(tick_bars, m)?)?;
    m.add_function(wrap_pyfunction!(volume_bars, m)?)?;
    m.add_function(wrap_pyfunction!(dollar_bars, m)?)?;
    Ok(())
}
